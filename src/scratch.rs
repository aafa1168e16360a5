//! What a run leaves beside its outputs while it works — temporary files, lock files, reading
//! processes — named recognisably, and cleaned up when the run is interrupted. Below the
//! stages: discovery leaves these names out of its listing, the writers make them.
//!
//! A run on a shared drive can be stopped at any moment (a scheduler's SIGTERM, Ctrl+C, a
//! logout): [`install_signal_cleanup`] removes the temporary files it registered and stops its
//! reading processes before the process exits. A SIGKILL leaves them behind; their names say
//! which target they were for, so the next run on that target removes them
//! ([`remove_stale`]) once it holds the target's lock.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Every scratch name starts with this; discovery skips such files without counting them.
pub const PREFIX: &str = ".~jixiao-";
/// The older prefix of the staged temporary files, before their names carried their target.
pub const OLD_PREFIX: &str = ".jixiao-";

/// The prefix of temporary files staged for `target` ("summary.xlsx" →
/// ".~jixiao-summary.xlsx-").
pub fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{PREFIX}{name}-")
}

/// The suffix of every temporary file.
pub const TEMP_SUFFIX: &str = ".tmp";

/// The lock file beside `target`.
pub fn lock_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir_of(target).join(format!("{PREFIX}{name}.lock"))
}

/// The directory a path is in ("." for a bare file name).
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Is this file name one of jixiao's own scratch files?
pub fn is_scratch_name(name: &str) -> bool {
    name.starts_with(PREFIX) || (name.starts_with(OLD_PREFIX) && name.ends_with(TEMP_SUFFIX))
}

struct Registry {
    temps: Vec<PathBuf>,
    /// Outputs being staged: their temporary files are removed by name on an interrupt, also
    /// one created an instant before it could be registered.
    targets: Vec<PathBuf>,
    children: Vec<u32>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    temps: Vec::new(),
    targets: Vec::new(),
    children: Vec::new(),
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remembers a temporary file to remove if the run is interrupted.
pub fn register_temp(path: &Path) {
    registry().temps.push(path.to_path_buf());
}

/// Remembers an output about to be staged (before its temporary file exists). The run holds
/// the target's lock, so every temporary file named for it is this run's.
pub fn register_target(target: &Path) {
    let mut r = registry();
    if !r.targets.iter().any(|t| t == target) {
        r.targets.push(target.to_path_buf());
    }
}

/// Forgets a temporary file that was renamed into place or removed.
pub fn forget_temp(path: &Path) {
    registry().temps.retain(|p| p != path);
}

/// Remembers a reading process to stop if the run is interrupted.
pub fn register_child(pid: u32) {
    registry().children.push(pid);
}

pub fn forget_child(pid: u32) {
    registry().children.retain(|&p| p != pid);
}

/// Removes every registered temporary file and stops every registered reading process.
pub fn clean_up() {
    let mut r = registry();
    for path in r.temps.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    for target in r.targets.drain(..) {
        let prefix = temp_prefix(&target);
        if let Ok(entries) = std::fs::read_dir(dir_of(&target)) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
    for pid in r.children.drain(..) {
        kill(pid);
    }
}

#[cfg(unix)]
fn kill(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) with a pid this process started; at worst the process is gone.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {
    // Elsewhere the reading processes see their input close when this process ends, and stop.
}

/// On SIGINT, SIGTERM or SIGHUP (Ctrl+C or closing the console on Windows): clean up, then exit
/// with 130 (interrupted), as a shell reports it. Installed once, by the command line.
pub fn install_signal_cleanup() {
    let _ = ctrlc::set_handler(|| {
        clean_up();
        std::process::exit(130);
    });
}

/// Removes temporary files a killed run left for `target` in its directory: names made by
/// [`temp_prefix`], and the unnamed ones of older versions (".jixiao-….tmp", any target) when
/// they are over an hour old. Called while holding the target's lock, so no other run can be
/// writing them. Returns how many were removed.
pub fn remove_stale(target: &Path) -> usize {
    let prefix = temp_prefix(target);
    let Ok(entries) = std::fs::read_dir(dir_of(target)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name.starts_with(&prefix) && name.ends_with(TEMP_SUFFIX);
        let old = name.starts_with(OLD_PREFIX)
            && name.ends_with(TEMP_SUFFIX)
            && entry
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
        if (ours || old) && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

thread_local! {
    static PANIC_NOTE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Panics say nothing on stderr (under `--quiet` nothing may, and `--log-format json` needs
/// every line to be JSON); what went wrong and where is kept for whoever catches the panic,
/// which reports it its own way ([`take_panic_note`]).
pub fn install_quiet_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let note = match info.location() {
            Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
            None => message,
        };
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(note.clone());
        }
        PANIC_NOTE.with(|n| *n.borrow_mut() = Some(note));
    }));
}

/// The last panic of any thread (one on a writing thread is caught on the thread that joins it).
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// The note of the last panic on this thread, else of any thread, if the quiet hook is
/// installed.
pub fn take_panic_note() -> Option<String> {
    PANIC_NOTE
        .with(|n| n.borrow_mut().take())
        .or_else(|| LAST_PANIC.lock().ok().and_then(|mut l| l.take()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_names_say_their_target() {
        let target = Path::new("/share/2024/summary.xlsx");
        assert_eq!(temp_prefix(target), ".~jixiao-summary.xlsx-");
        assert_eq!(
            lock_path(target),
            Path::new("/share/2024/.~jixiao-summary.xlsx.lock")
        );
        assert!(is_scratch_name(".~jixiao-summary.xlsx-ab12.tmp"));
        assert!(is_scratch_name(".jixiao-x1y2.tmp"));
        assert!(!is_scratch_name("jixiao-summary.xlsx"));
        assert_eq!(
            lock_path(Path::new("s.xlsx")),
            Path::new("./.~jixiao-s.xlsx.lock")
        );
    }

    #[test]
    fn stale_temporary_files_of_the_target_are_removed_and_no_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("s.xlsx");
        for name in [
            ".~jixiao-s.xlsx-aaaa.tmp",
            ".~jixiao-other.xlsx-bbbb.tmp",
            ".jixiao-recent.tmp",
            "s.xlsx",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        assert_eq!(remove_stale(&target), 1);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".jixiao-recent.tmp",
                ".~jixiao-other.xlsx-bbbb.tmp",
                "s.xlsx"
            ]
        );
    }
}
