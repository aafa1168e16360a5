//! What a run checks and holds around its outputs before it reads anything: that the targets
//! can be written and are not inputs, nor each other; a lock on each target, so that two runs
//! never write the same summary; the temporary files killed runs left there. Everything here
//! happens before the first input is read, so a run that cannot finish says so at once.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::discover::{Discovery, Listed, SetAside, Status};
use crate::finding::Code;
use crate::scratch;

/// Why a run's outputs cannot be what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: 目录 {dir} 不存在 (no such directory)")]
    NoDirectory { path: String, dir: String },
    #[error("cannot write {path}: 这是一个目录 (it is a directory)")]
    IsDirectory { path: String },
    #[error("cannot write {path}: 目录 {dir} 不可写 (the directory is not writable: {source})")]
    NotWritable {
        path: String,
        dir: String,
        source: std::io::Error,
    },
    #[error(
        "{what} {path} 是输入文件 {input},写入会覆盖它;未读取任何文件 (the output is the input {input}: it would be overwritten; nothing was read)"
    )]
    IsInput {
        what: &'static str,
        path: String,
        input: String,
    },
    #[error(
        "-o {summary} 与 --report {report} 是同一个文件 (the summary and the report are the same file)"
    )]
    SameTarget { summary: String, report: String },
    #[error(
        "{path} 正被另一次运行使用 ({holder}),等待 {waited} 秒后放弃 (locked by another run; gave up after {waited} s)"
    )]
    Locked {
        path: String,
        holder: String,
        waited: u64,
    },
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
}

/// One output: what it is called in messages, and where it goes.
#[derive(Debug, Clone)]
pub struct Target {
    pub what: &'static str,
    pub path: PathBuf,
    /// A directory of files (`--tables`) rather than one file.
    pub is_dir: bool,
}

/// Checks that every target can be written: its directory is there and takes a new file, the
/// target itself is not a directory (a directory target must be one, or be creatable), and the
/// summary and report are two files.
pub fn check_targets(targets: &[Target]) -> Result<(), OutputError> {
    for t in targets {
        let path = t.path.display().to_string();
        let dir = scratch::dir_of(&t.path);
        if !dir.is_dir() {
            return Err(OutputError::NoDirectory {
                path,
                dir: dir.display().to_string(),
            });
        }
        if !t.is_dir && t.path.is_dir() {
            return Err(OutputError::IsDirectory { path });
        }
        let probe_in = if t.is_dir && t.path.is_dir() {
            t.path.as_path()
        } else {
            dir
        };
        probe(probe_in).map_err(|source| OutputError::NotWritable {
            path: path.clone(),
            dir: probe_in.display().to_string(),
            source,
        })?;
    }
    let files: Vec<&Target> = targets.iter().filter(|t| !t.is_dir).collect();
    for (i, a) in files.iter().enumerate() {
        for b in &files[i + 1..] {
            if same_target(&a.path, &b.path) {
                return Err(OutputError::SameTarget {
                    summary: a.path.display().to_string(),
                    report: b.path.display().to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Checks that the temporary directory takes a file: the workbook's sheets are written there
/// before they are zipped into the summary.
pub fn check_temp_dir() -> Result<(), OutputError> {
    let dir = std::env::temp_dir();
    let mut file = tempfile::tempfile_in(&dir).map_err(|source| OutputError::NotWritable {
        path: "the temporary directory (TMPDIR)".into(),
        dir: dir.display().to_string(),
        source,
    })?;
    file.write_all(&[0; 4096])
        .and_then(|_| file.sync_data())
        .map_err(|source| OutputError::NotWritable {
            path: "the temporary directory (TMPDIR)".into(),
            dir: dir.display().to_string(),
            source,
        })
}

/// Creates and removes a file of jixiao's scratch kind in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let file = tempfile::Builder::new()
        .prefix(&format!("{}probe-", scratch::PREFIX))
        .suffix(scratch::TEMP_SUFFIX)
        .tempfile_in(dir)?;
    file.close()
}

/// Do two output paths name one file: the same file on disk, or the same name in the same
/// directory (compared without regard to case, as a Windows share or a Mac compares them)?
fn same_target(a: &Path, b: &Path) -> bool {
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b))
        && Listed::of(&x).same_file(&Listed::of(&y))
    {
        return true;
    }
    let where_ = |p: &Path| {
        let dir = std::fs::canonicalize(scratch::dir_of(p)).ok()?;
        let name = p.file_name()?.to_string_lossy().to_lowercase();
        Some((dir, name))
    };
    matches!((where_(a), where_(b)), (Some(x), Some(y)) if x == y)
}

/// Does this existing file look like one jixiao wrote (a marked summary or a report)?
fn written_by_jixiao(path: &Path) -> bool {
    let Ok(mut file) = File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    // A summary is a zip whose properties are small; a report says so in its first bytes. The
    // sniff needs the whole archive's directory, which is at its end: read it whole, up to a cap.
    if Read::by_ref(&mut file)
        .take(512 * 1024 * 1024)
        .read_to_end(&mut head)
        .is_err()
    {
        return false;
    }
    matches!(
        crate::read::sniff::sniff(&head),
        crate::read::sniff::Sniffed::Own(_)
    )
}

/// Takes out of the inputs every file that is one of this run's targets (or lies in its tables
/// directory): a summary or report jixiao wrote there is set aside as `own_output`; anything
/// else there is an input the run would overwrite, and the run is refused.
pub fn keep_outputs_out(found: &mut Discovery, targets: &[Target]) -> Result<(), OutputError> {
    let mut kept = Vec::with_capacity(found.files.len());
    for file in std::mem::take(&mut found.files) {
        let listed = file.listed.as_ref();
        let hit = targets.iter().find(|t| {
            if t.is_dir {
                let dir = std::fs::canonicalize(&t.path).ok();
                let parent = std::fs::canonicalize(&file.path)
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                return dir.is_some() && dir == parent;
            }
            let target = std::fs::metadata(&t.path).ok().map(|m| Listed::of(&m));
            match (listed, target) {
                (Some(l), Some(t)) if l.same_file(&t) => true,
                _ => {
                    let (a, b) = (
                        std::fs::canonicalize(&file.path).ok(),
                        std::fs::canonicalize(&t.path).ok(),
                    );
                    a.is_some() && a == b
                }
            }
        });
        let Some(target) = hit else {
            kept.push(file);
            continue;
        };
        if target.is_dir || written_by_jixiao(&file.path) {
            found.set_aside.push(SetAside {
                display: file.display.clone(),
                status: Status::Skipped,
                code: Code::OwnOutput,
                reason: format!(
                    "这是本次运行的输出 ({} {}),不作为输入读取 (this run's own output; not read as an input)",
                    target.what,
                    target.path.display()
                ),
            });
        } else {
            return Err(OutputError::IsInput {
                what: target.what,
                path: target.path.display().to_string(),
                input: file.display,
            });
        }
    }
    found.files = kept;
    Ok(())
}

/// A held lock on one target: a lock file beside it, locked by the OS (so a killed run's lock
/// is free at once) and naming its holder. Removed when dropped.
pub struct Lock {
    file: File,
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held, so a run waiting on it takes a fresh one (see `acquire`).
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

fn holder_text() -> String {
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .or_else(|_| std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()))
        .unwrap_or_default();
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "pid {} on {} since {} (unix time)",
        std::process::id(),
        if host.is_empty() { "?" } else { &host },
        since
    )
}

/// Locks `target`, waiting up to `wait` for another run that holds it.
pub fn acquire(target: &Path, wait: Duration) -> Result<Lock, OutputError> {
    let path = scratch::lock_path(target);
    let started = Instant::now();
    let lock_error = |source| OutputError::Lock {
        path: path.display().to_string(),
        source,
    };
    loop {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(lock_error)?;
        match file.try_lock() {
            Ok(()) => {
                // The holder before us may have removed the file it locked after we opened it:
                // then ours is a lock on a file nobody else will find. Take the one at the path.
                let here = std::fs::metadata(&path).ok().map(|m| Listed::of(&m));
                let ours = file.metadata().ok().map(|m| Listed::of(&m));
                if let (Some(h), Some(o)) = (&here, &ours)
                    && h.same_file(o)
                {
                    let mut file = file;
                    let _ = file.set_len(0);
                    let _ = file.write_all(holder_text().as_bytes());
                    let _ = file.sync_all();
                    return Ok(Lock { file, path });
                }
                #[cfg(not(unix))]
                if here.is_some() {
                    let mut file = file;
                    let _ = file.set_len(0);
                    let _ = file.write_all(holder_text().as_bytes());
                    return Ok(Lock { file, path });
                }
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= wait {
                    let mut holder = String::new();
                    let _ = File::open(&path).and_then(|mut f| f.read_to_string(&mut holder));
                    return Err(OutputError::Locked {
                        path: target.display().to_string(),
                        holder: if holder.trim().is_empty() {
                            "another jixiao".into()
                        } else {
                            holder.trim().to_string()
                        },
                        waited: started.elapsed().as_secs(),
                    });
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(lock_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_names_the_holder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("s.xlsx");
        let first = acquire(&target, Duration::from_secs(1)).expect("first");
        let err = acquire(&target, Duration::from_millis(300))
            .err()
            .expect("refused");
        let text = err.to_string();
        assert!(
            text.contains("locked by another run") && text.contains("pid"),
            "{text}"
        );
        drop(first);
        assert!(!scratch::lock_path(&target).exists());
        let again = acquire(&target, Duration::from_millis(300)).expect("free again");
        drop(again);
    }

    #[test]
    fn the_summary_and_the_report_must_be_two_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Target {
            what: "-o",
            path: dir.path().join("x.json"),
            is_dir: false,
        };
        let b = Target {
            what: "--report",
            path: dir.path().join("X.JSON"),
            is_dir: false,
        };
        assert!(matches!(
            check_targets(&[a.clone(), b]),
            Err(OutputError::SameTarget { .. })
        ));
        let c = Target {
            what: "--report",
            path: dir.path().join("x.report.json"),
            is_dir: false,
        };
        assert!(check_targets(&[a, c]).is_ok());
    }
}
