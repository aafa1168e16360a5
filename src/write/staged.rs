//! Atomic outputs: each is written to a temporary file beside its target and renamed over it
//! only once complete, so a failed run never leaves a half-written summary where the last good
//! one was.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::XlsxError;

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "cannot replace {path}: 文件被占用或没有写权限,可能正在 Excel/WPS 中打开 (locked or read-only: is it open in Excel?); the previous file is unchanged"
    )]
    Locked { path: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot build the workbook {path}: {source}")]
    Xlsx { path: String, source: XlsxError },
    #[error("cannot write the report {path}: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
}

/// A complete output waiting in a temporary file beside its target, to be renamed into place.
/// Dropped without `commit`, the temporary file is removed and the target left as it was.
pub struct Staged {
    tmp: Option<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(tmp) = &self.tmp {
            crate::scratch::forget_temp(tmp.path());
        }
    }
}

impl Staged {
    fn io(&self, source: std::io::Error) -> WriteError {
        WriteError::Io {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// SHA-256 of the staged bytes, hex.
    pub fn sha256(&mut self) -> Result<String, WriteError> {
        use sha2::{Digest, Sha256};
        use std::io::{Read, Seek};
        let Some(tmp) = self.tmp.as_mut() else {
            return Ok(String::new());
        };
        let file = tmp.as_file_mut();
        let hashed = file.rewind().and_then(|_| {
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            Ok(hasher.finalize())
        });
        let digest = hashed.map_err(|e| self.io(e))?;
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Overwrites the staged bytes that end `from_end` bytes before the end with `bytes` (a
    /// field of fixed width written last, such as the report's hash of the summary).
    pub fn patch_from_end(&mut self, from_end: u64, bytes: &[u8]) -> Result<(), WriteError> {
        use std::io::{Seek, SeekFrom, Write};
        let Some(tmp) = self.tmp.as_mut() else {
            return Ok(());
        };
        let file = tmp.as_file_mut();
        let done = file
            .seek(SeekFrom::End(-(from_end as i64)))
            .and_then(|_| file.write_all(bytes))
            .and_then(|_| file.sync_all());
        done.map_err(|e| self.io(e))
    }

    /// Renames the temporary file over the target, then syncs the directory, so that the new
    /// name survives a crash.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let path = self.path.clone();
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        let temp_path = tmp.path().to_path_buf();
        let persisted = tmp.persist(&path);
        crate::scratch::forget_temp(&temp_path);
        persisted.map_err(|e| {
            // On a Windows share a workbook open in Excel or WPS cannot be replaced.
            if e.error.kind() == std::io::ErrorKind::PermissionDenied {
                WriteError::Locked {
                    path: path.display().to_string(),
                }
            } else {
                WriteError::Io {
                    path: path.display().to_string(),
                    source: e.error,
                }
            }
        })?;
        sync_dir(target_dir(&path));
        Ok(())
    }
}

/// Makes a rename in `dir` durable (Unix; elsewhere the rename is what the OS makes it).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The directory an output goes into ("." for a bare file name).
pub fn target_dir(path: &Path) -> &Path {
    crate::scratch::dir_of(path)
}

/// The permissions a new output gets: those of the file it replaces, or 0666 less the umask,
/// as any program's new file (a temporary file is made 0600, and a rename keeps that: the
/// colleagues on a share could not open the summary). Elsewhere than Unix, the OS decides.
#[cfg(unix)]
fn output_permissions(path: &Path) -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
    Some(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn output_permissions(_path: &Path) -> Option<std::fs::Permissions> {
    None
}

/// Writes a temporary file in `path`'s directory with `fill`, ready to replace `path`. Its name
/// says which target it is for (`.~jixiao-summary.xlsx-XXXXXX.tmp`), so a killed run's is
/// recognised and removed by the next run on that target.
pub fn stage(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), WriteError>,
) -> Result<Staged, WriteError> {
    let io = |source: std::io::Error| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let permissions = output_permissions(path);
    let prefix = crate::scratch::temp_prefix(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(crate::scratch::TEMP_SUFFIX);
    if let Some(p) = &permissions {
        builder.permissions(p.clone());
    }
    crate::scratch::register_target(path);
    let tmp = builder.tempfile_in(target_dir(path)).map_err(io)?;
    crate::scratch::register_temp(tmp.path());
    let mut staged = Staged {
        tmp: Some(tmp),
        path: path.to_path_buf(),
    };
    let Some(tmp) = staged.tmp.as_mut() else {
        return Ok(staged);
    };
    // The mode asked for at creation had the umask taken off; the replaced file's is kept whole.
    if let Some(p) = permissions.filter(|_| std::fs::metadata(path).is_ok()) {
        let _ = std::fs::set_permissions(tmp.path(), p);
    }
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().sync_all().map_err(io)?;
    Ok(staged)
}

/// Writes `path` by writing a temporary file beside it and renaming it into place.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    stage(path, fill)?.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_write_that_fails_midway_leaves_the_previous_file_intact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("summary.xlsx");
        std::fs::write(&target, b"previous summary").expect("previous");
        let result = write_atomically(&target, |file| {
            file.write_all(b"half of a new summ")
                .map_err(|source| WriteError::Io {
                    path: "x".into(),
                    source,
                })?;
            Err(WriteError::Io {
                path: "x".into(),
                source: std::io::Error::other("disk full"),
            })
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&target).expect("target"), b"previous summary");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("summary.xlsx")]);
    }

    #[test]
    fn a_committed_write_replaces_the_target() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("r.json");
        std::fs::write(&target, b"old").expect("old");
        write_atomically(&target, |file| {
            file.write_all(b"new").map_err(|source| WriteError::Io {
                path: "r.json".into(),
                source,
            })
        })
        .expect("write");
        assert_eq!(std::fs::read(&target).expect("target"), b"new");
        assert_eq!(target_dir(Path::new("s.xlsx")), Path::new("."));
        assert_eq!(target_dir(&target), dir.path());
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_mode_of_a_new_file_or_of_the_file_they_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh = dir.path().join("new.json");
        write_atomically(&fresh, |_| Ok(())).expect("write");
        // SAFETY: umask(2) only reads and restores this process's mask.
        let umask = unsafe {
            let m = libc::umask(0o022);
            libc::umask(m);
            m
        };
        let mode = std::fs::metadata(&fresh)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o666 & !(umask as u32), "{mode:o}");
        let kept = dir.path().join("kept.json");
        std::fs::write(&kept, b"old").expect("old");
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        write_atomically(&kept, |_| Ok(())).expect("write");
        let mode = std::fs::metadata(&kept).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
