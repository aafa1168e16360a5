//! Stage 1: turn the command line's INPUTs (files, directories, glob patterns) into a sorted,
//! de-duplicated list of files to read. Patterns are expanded here, not by a shell, because
//! schedulers pass them through unexpanded. Sorting by path makes every later stage see the
//! same order whatever order the file system lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::finding::Code;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    /// Tab- or comma-separated text.
    Delimited,
    /// A Word document (.docx): its tables, and the paragraphs around them, as one grid.
    Docx,
    /// Excel 2003 XML (SpreadsheetML), which budget systems export under an .xls or .xml name.
    /// An .xml file is read only when its bytes are SpreadsheetML.
    SpreadsheetMl,
    /// A Word 97-2003 name (.doc): read only when the bytes are something jixiao reads (an HTML
    /// or docx export under that name); a real binary .doc is refused with [`WORD_97_REASON`].
    Doc,
}

/// Why a binary Word 97-2003 document is not read, and what to do about it.
pub const WORD_97_REASON: &str = "Word 97-2003 文档 (.doc),请在 Word/WPS 中另存为 .docx 后再提交,jixiao 不读取 .doc 格式 (a Word 97-2003 .doc document: save it as .docx in Word or WPS and submit that; jixiao does not read .doc)";

impl Format {
    /// The format for a file name's extension, compared without regard to case.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_string_lossy().to_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "xlsb" => Some(Format::Xlsb),
            "ods" => Some(Format::Ods),
            "txt" | "tsv" | "csv" => Some(Format::Delimited),
            "docx" => Some(Format::Docx),
            "xml" => Some(Format::SpreadsheetMl),
            "doc" => Some(Format::Doc),
            _ => None,
        }
    }
}

/// One file to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path as given on the command line or found under a directory; used in every message.
    pub display: String,
    pub format: Format,
    /// Size and time when listed, to tell whether the file changed before it was read.
    pub listed: Option<Listed>,
}

/// A file's size and modification time when it was listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
}

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Skipped,
    Failed,
}

/// An input that will not be read, with the reason.
#[derive(Debug, Clone)]
pub struct SetAside {
    pub display: String,
    pub status: Status,
    pub code: Code,
    pub reason: String,
}

/// The discovered inputs.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<InputFile>,
    pub set_aside: Vec<SetAside>,
}

/// Is this the lock or temporary file that Excel, WPS or LibreOffice keeps beside an open one?
fn is_lock_file(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with(".~lock.") || name.starts_with("~WRL")
}

fn looks_like_pattern(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Collects files and set-aside inputs, sorted and de-duplicated by display path.
#[derive(Default)]
struct Collector {
    files: BTreeMap<String, InputFile>,
    set_aside: BTreeMap<String, SetAside>,
    /// Real paths already taken, so a file reached twice (a directory and a pattern) is read once.
    seen_real: BTreeMap<PathBuf, String>,
}

impl Collector {
    fn set_aside(&mut self, display: &str, status: Status, code: Code, reason: String) {
        self.set_aside.insert(
            display.to_string(),
            SetAside {
                display: display.to_string(),
                status,
                code,
                reason,
            },
        );
    }

    fn add(&mut self, path: PathBuf, explicit: bool) {
        let display = path.to_string_lossy().into_owned();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_lock_file(&name) {
            let reason = "Office/WPS 锁定或临时文件,已跳过 (lock or temporary file)";
            self.set_aside(&display, Status::Skipped, Code::LockFile, reason.into());
            return;
        }
        let Some(format) = Format::from_path(&path) else {
            // Under a directory, files of other kinds are simply not inputs; named
            // explicitly, the user expects to hear why nothing came of them.
            if explicit {
                let reason = "不支持的文件类型 (unsupported file type)";
                self.set_aside(
                    &display,
                    Status::Skipped,
                    Code::UnsupportedFormat,
                    reason.into(),
                );
            }
            return;
        };
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self
            .seen_real
            .get(&real)
            .is_some_and(|first| first != &display)
        {
            return;
        }
        self.seen_real.insert(real, display.clone());
        let listed = std::fs::metadata(&path).ok().map(|m| Listed {
            len: m.len(),
            modified: m.modified().ok(),
        });
        self.files.insert(
            display.clone(),
            InputFile {
                path,
                display,
                format,
                listed,
            },
        );
    }

    fn walk(&mut self, dir: &Path) {
        // walkdir follows links and reports a link loop as an error instead of looping.
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            match entry {
                Ok(e) if e.file_type().is_file() => self.add(e.into_path(), false),
                Ok(e) if e.depth() > 0 && Format::from_path(e.path()).is_some() => {
                    // Its files, if any, are still read one by one as the walk goes on.
                    let display = e.path().to_string_lossy().into_owned();
                    let reason = "这是一个目录,名字像工作簿,不作为工作簿读取 (a directory named like a workbook)";
                    self.set_aside(&display, Status::Skipped, Code::NotAFile, reason.into());
                }
                Ok(_) => {}
                Err(e) => {
                    let display = e
                        .path()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_else(|| dir.to_string_lossy().into_owned());
                    if e.loop_ancestor().is_some() {
                        let reason = "符号链接形成循环,已跳过 (symlink loop)";
                        self.set_aside(&display, Status::Skipped, Code::NotAFile, reason.into());
                    } else {
                        let reason = format!("无法访问 (cannot access): {e}");
                        self.set_aside(&display, Status::Failed, Code::ReadFailed, reason);
                    }
                }
            }
        }
    }

    fn pattern(&mut self, pattern: &str) {
        let paths = match glob::glob(pattern) {
            Ok(paths) => paths,
            Err(e) => {
                let reason = format!("通配符无效 (invalid pattern): {e}");
                self.set_aside(pattern, Status::Failed, Code::InputNotFound, reason);
                return;
            }
        };
        let mut matched = false;
        for entry in paths {
            matched = true;
            match entry {
                Ok(p) if p.is_dir() => {
                    if Format::from_path(&p).is_some() {
                        let display = p.to_string_lossy().into_owned();
                        let reason = "这是一个目录,名字像工作簿,不作为工作簿读取 (a directory named like a workbook)";
                        self.set_aside(&display, Status::Skipped, Code::NotAFile, reason.into());
                    }
                    self.walk(&p)
                }
                Ok(p) => self.add(p, false),
                Err(e) => {
                    let display = e.path().to_string_lossy().into_owned();
                    let reason = format!("无法访问 (cannot access): {}", e.error());
                    self.set_aside(&display, Status::Failed, Code::ReadFailed, reason);
                }
            }
        }
        if !matched {
            let reason = "通配符没有匹配到文件 (pattern matched no file)";
            self.set_aside(pattern, Status::Failed, Code::InputNotFound, reason.into());
        }
    }
}

/// Expands the INPUTs into files.
pub fn discover(inputs: &[String]) -> Discovery {
    let mut c = Collector::default();
    for input in inputs {
        let path = Path::new(input);
        if path.is_dir() {
            c.walk(path);
        } else if path.exists() {
            c.add(path.to_path_buf(), true);
        } else if looks_like_pattern(input) {
            c.pattern(input);
        } else {
            let reason = "文件或目录不存在 (no such file or directory)";
            c.set_aside(input, Status::Failed, Code::InputNotFound, reason.into());
        }
    }
    Discovery {
        files: c.files.into_values().collect(),
        set_aside: c.set_aside.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_ignore_case() {
        assert_eq!(Format::from_path(Path::new("a.XLSX")), Some(Format::Xlsx));
        assert_eq!(
            Format::from_path(Path::new("a.Txt")),
            Some(Format::Delimited)
        );
        assert_eq!(Format::from_path(Path::new("a.DOCX")), Some(Format::Docx));
        assert_eq!(
            Format::from_path(Path::new("a.xml")),
            Some(Format::SpreadsheetMl)
        );
        assert_eq!(Format::from_path(Path::new("a.doc")), Some(Format::Doc));
        assert_eq!(Format::from_path(Path::new("a.pdf")), None);
    }

    #[test]
    fn directories_are_walked_sorted_and_deduplicated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("b");
        std::fs::create_dir(&sub).expect("mkdir");
        for name in ["z.xlsx", "a.csv", "notes.docx", "~$z.xlsx"] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        std::fs::write(sub.join("m.txt"), b"x").expect("write");
        let root = dir.path().to_string_lossy().into_owned();
        let pattern = format!("{root}/*.csv");
        let found = discover(&[root.clone(), pattern]);
        let names: Vec<String> = found
            .files
            .iter()
            .map(|f| f.display.trim_start_matches(&root).to_string())
            .collect();
        assert_eq!(names, vec!["/a.csv", "/b/m.txt", "/notes.docx", "/z.xlsx"]);
        assert_eq!(found.set_aside.len(), 1, "{:?}", found.set_aside);
        assert_eq!(found.set_aside[0].status, Status::Skipped);
    }

    #[test]
    fn missing_inputs_are_reported() {
        let found = discover(&["/no/such/file.xlsx".to_string()]);
        assert!(found.files.is_empty());
        assert_eq!(found.set_aside[0].status, Status::Failed);
    }
}
