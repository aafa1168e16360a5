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
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Renames the temporary file over the target.
    pub fn commit(self) -> Result<(), WriteError> {
        let path = self.path;
        self.tmp.persist(&path).map_err(|e| {
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
        Ok(())
    }
}

/// The directory an output goes into ("." for a bare file name).
pub fn target_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes a temporary file in `path`'s directory with `fill`, ready to replace `path`.
pub fn stage(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), WriteError>,
) -> Result<Staged, WriteError> {
    let io = |source: std::io::Error| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".jixiao-")
        .suffix(".tmp")
        .tempfile_in(target_dir(path))
        .map_err(io)?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().sync_all().map_err(io)?;
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
    })
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
}
