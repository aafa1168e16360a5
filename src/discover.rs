//! Stage 1: turn the command line's INPUTs (files, directories, glob patterns) into a sorted,
//! de-duplicated list of files to read. Patterns are expanded here, not by a shell, because
//! schedulers pass them through unexpanded. Sorting by path makes every later stage see the
//! same order whatever order the file system lists.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::Code;
use crate::scratch;

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// A WPS 表格 file (.et, .ett): read as what its bytes are (WPS saves xls or xlsx under
    /// these names), refused when they are WPS's own format.
    Et,
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
            "et" | "ett" => Some(Format::Et),
            _ => None,
        }
    }
}

/// Document-like files jixiao does not read, by extension: what each is, in Chinese and
/// English. Found in a searched folder they are listed as skipped, so that a department that
/// sent its table as a Word file, a PDF or a scan is not silently left out.
const DOCUMENTS: &[(&[&str], &str, &str)] = &[
    (&["wps", "wpt"], "WPS 文字文档", "a WPS Writer document"),
    (&["dps", "dpt"], "WPS 演示文稿", "a WPS Presentation"),
    (&["docm", "dot", "dotx"], "Word 文档", "a Word document"),
    (&["pdf", "ofd"], "PDF/OFD 版式文档", "a PDF or OFD document"),
    (&["rtf"], "RTF 文档", "an RTF document"),
    (
        &["ppt", "pptx", "pps", "ppsx"],
        "PowerPoint 演示文稿",
        "a PowerPoint presentation",
    ),
    (
        &["odt", "odp", "odg"],
        "OpenDocument 文档 (不是表格)",
        "an OpenDocument file that is not a spreadsheet",
    ),
    (
        &["xlt", "xltx", "xltm", "ots"],
        "表格模板",
        "a spreadsheet template",
    ),
    (
        &["numbers"],
        "Apple Numbers 表格",
        "an Apple Numbers spreadsheet",
    ),
    (
        &["wk1", "wks", "123"],
        "Lotus 1-2-3 表格",
        "a Lotus 1-2-3 spreadsheet",
    ),
    (&["dbf"], "dBase 数据表", "a dBase table"),
    (&["xml"], "XML 文件", "an XML file"),
    (&["htm", "html", "mht", "mhtml"], "网页文件", "a web page"),
    (
        &["bak", "old", "orig", "tmp", "wbk", "xlk", "asd"],
        "备份或临时文件",
        "a backup or temporary file",
    ),
    (
        &["zip", "rar", "7z", "gz", "tar", "tgz", "bz2", "xz"],
        "压缩包 (未解压读取)",
        "an archive (not unpacked)",
    ),
    (
        &[
            "jpg", "jpeg", "png", "tif", "tiff", "bmp", "gif", "heic", "webp",
        ],
        "图片 (可能是扫描件)",
        "an image (perhaps a scan)",
    ),
];

/// What a document-like file jixiao does not read is, by its extension.
pub fn document_kind(path: &Path) -> Option<(&'static str, &'static str)> {
    let ext = path.extension()?.to_string_lossy().to_lowercase();
    DOCUMENTS
        .iter()
        .find(|(exts, _, _)| exts.contains(&ext.as_str()))
        .map(|&(_, zh, en)| (zh, en))
}

/// One file to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path as given on the command line or found under a directory, shown in every
    /// message: the name itself where it is valid text, with `\xNN` for the bytes of a name in
    /// another encoding (GBK on an old share), and never the same for two files.
    pub display: String,
    pub format: Format,
    /// Size, times and identity when listed, to tell whether the file changed before it was read.
    pub listed: Option<Listed>,
}

/// What identifies one version of a file: its size, modification and change times, and which
/// file it is (device and inode). A file rewritten in place keeps its inode but not its change
/// time; one replaced by a rename keeps neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
    /// The status change time (ctime), seconds and nanoseconds; none where the OS has none.
    pub changed: Option<(i64, i64)>,
    pub device: u64,
    pub inode: u64,
}

impl Listed {
    pub fn of(m: &std::fs::Metadata) -> Listed {
        #[cfg(unix)]
        let (changed, device, inode) = {
            use std::os::unix::fs::MetadataExt;
            (Some((m.ctime(), m.ctime_nsec())), m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (changed, device, inode) = (None, 0, 0);
        Listed {
            len: m.len(),
            modified: m.modified().ok(),
            changed,
            device,
            inode,
        }
    }

    /// Is this the same file (not only the same version) as `other`?
    pub fn same_file(&self, other: &Listed) -> bool {
        (self.device, self.inode) == (other.device, other.inode) && self.inode != 0
    }
}

/// What happened to one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Files in the searched folders that are neither inputs nor documents (a .json, a
    /// program, a system file): counted, not listed.
    pub other_files: usize,
}

/// How discovery lists the inputs.
#[derive(Debug, Default, Clone)]
pub struct DiscoverOptions {
    /// `--exclude` patterns: a file or folder whose name, path, or path under its INPUT matches
    /// one is listed as excluded, and a folder is not searched.
    pub exclude: Vec<String>,
}

/// Is this the lock or temporary file that Excel, WPS or LibreOffice keeps beside an open one?
fn is_lock_file(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with(".~lock.") || name.starts_with("~WRL")
}

fn looks_like_pattern(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The path's bytes, for sorting (byte order, as the README promises) and telling names apart.
fn path_key(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        use std::os::windows::ffi::OsStrExt;
        path.as_os_str()
            .encode_wide()
            .flat_map(u16::to_be_bytes)
            .collect()
    }
}

/// A path as shown: as it is where it is valid text; otherwise each byte that is not (a GBK
/// name on an old share, say) as `\xNN`, and a backslash as `\\`, so that the shown name is
/// never that of another file.
pub fn display_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        if let Ok(text) = std::str::from_utf8(bytes) {
            return text.to_string();
        }
        let mut out = String::new();
        for chunk in bytes.utf8_chunks() {
            out.push_str(&chunk.valid().replace('\\', "\\\\"));
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02X}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned()
    }
}

/// The patterns of `--exclude`, compiled.
struct Exclusions {
    patterns: Vec<(String, glob::Pattern)>,
}

impl Exclusions {
    fn new(patterns: &[String]) -> Result<Exclusions, String> {
        let patterns = patterns
            .iter()
            .map(|p| {
                glob::Pattern::new(p)
                    .map(|c| (p.clone(), c))
                    .map_err(|e| format!("--exclude {p}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Exclusions { patterns })
    }

    /// The pattern that excludes this path (found under `root`), if any.
    fn matching(&self, path: &Path, root: Option<&Path>) -> Option<&str> {
        if self.patterns.is_empty() {
            return None;
        }
        let options = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let full = path.to_string_lossy().into_owned();
        let under = root
            .and_then(|r| path.strip_prefix(r).ok())
            .map(|p| p.to_string_lossy().into_owned());
        self.patterns.iter().find_map(|(text, pattern)| {
            let hit = [name.as_deref(), Some(full.as_str()), under.as_deref()]
                .into_iter()
                .flatten()
                .any(|candidate| pattern.matches_with(candidate, options));
            hit.then_some(text.as_str())
        })
    }
}

/// Collects files and set-aside inputs, sorted and de-duplicated by path (as bytes).
struct Collector {
    files: BTreeMap<Vec<u8>, InputFile>,
    set_aside: BTreeMap<Vec<u8>, SetAside>,
    /// Real paths already taken, so a file reached twice (a directory and a pattern) is read once.
    seen_real: BTreeMap<PathBuf, Vec<u8>>,
    exclusions: Exclusions,
    other_files: usize,
}

const DIRECTORY_LIKE_A_WORKBOOK: &str =
    "这是一个目录,名字像工作簿,不作为工作簿读取 (a directory named like a workbook)";

impl Collector {
    fn set_aside_path(&mut self, path: &Path, status: Status, code: Code, reason: String) {
        self.set_aside.insert(
            path_key(path),
            SetAside {
                display: display_path(path),
                status,
                code,
                reason,
            },
        );
    }

    /// An INPUT that names nothing that could be listed (a missing file, a bad pattern).
    fn set_aside_input(&mut self, input: &str, status: Status, code: Code, reason: String) {
        self.set_aside.insert(
            input.as_bytes().to_vec(),
            SetAside {
                display: input.to_string(),
                status,
                code,
                reason,
            },
        );
    }

    fn excluded(&mut self, path: &Path, pattern: &str) {
        let reason =
            format!("按 --exclude {pattern} 排除,未读取 (excluded by --exclude {pattern})");
        self.set_aside_path(path, Status::Skipped, Code::Excluded, reason);
    }

    fn add(&mut self, path: PathBuf, explicit: bool, root: Option<&Path>) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if scratch::is_scratch_name(&name) {
            // A temporary or lock file of jixiao's own, beside an output in this folder.
            return;
        }
        if let Some(pattern) = self.exclusions.matching(&path, root) {
            let pattern = pattern.to_string();
            self.excluded(&path, &pattern);
            return;
        }
        if is_lock_file(&name) {
            let reason = "Office/WPS 锁定或临时文件,已跳过 (lock or temporary file)";
            self.set_aside_path(&path, Status::Skipped, Code::LockFile, reason.into());
            return;
        }
        let Some(format) = Format::from_path(&path) else {
            if let Some((zh, en)) = document_kind(&path) {
                let reason = format!(
                    "文件是{zh},jixiao 不读取这类文件,未读取 (the file is {en}; jixiao does not read it)"
                );
                self.set_aside_path(&path, Status::Skipped, Code::UnsupportedFormat, reason);
            } else if explicit {
                // Named explicitly, the user expects to hear why nothing came of it.
                let reason = "不支持的文件类型 (unsupported file type)";
                self.set_aside_path(
                    &path,
                    Status::Skipped,
                    Code::UnsupportedFormat,
                    reason.into(),
                );
            } else {
                self.other_files += 1;
            }
            return;
        };
        let key = path_key(&path);
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.seen_real.get(&real).is_some_and(|first| first != &key) {
            return;
        }
        self.seen_real.insert(real, key.clone());
        let listed = std::fs::metadata(&path).ok().map(|m| Listed::of(&m));
        self.files.insert(
            key,
            InputFile {
                display: display_path(&path),
                path,
                format,
                listed,
            },
        );
    }

    fn walk(&mut self, dir: &Path) {
        // walkdir follows links and reports a link loop as an error instead of looping. An
        // excluded folder is listed once and not searched.
        let mut excluded_dirs: Vec<(PathBuf, String)> = Vec::new();
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 || !e.file_type().is_dir() {
                    return true;
                }
                match self.exclusions.matching(e.path(), Some(dir)) {
                    Some(pattern) => {
                        excluded_dirs.push((e.path().to_path_buf(), pattern.to_string()));
                        false
                    }
                    None => true,
                }
            });
        let mut entries = Vec::new();
        for entry in walker {
            entries.push(entry);
        }
        for (path, pattern) in excluded_dirs {
            self.excluded(&path, &pattern);
        }
        for entry in entries {
            match entry {
                Ok(e) if e.file_type().is_file() => self.add(e.into_path(), false, Some(dir)),
                Ok(e) if e.depth() > 0 && Format::from_path(e.path()).is_some() => {
                    // Its files, if any, are still read one by one as the walk goes on.
                    if e.file_type().is_dir() {
                        self.set_aside_path(
                            e.path(),
                            Status::Skipped,
                            Code::NotAFile,
                            DIRECTORY_LIKE_A_WORKBOOK.into(),
                        );
                    } else {
                        self.not_a_regular_file(e.path());
                    }
                }
                Ok(e) if e.depth() > 0 && !e.file_type().is_dir() => self.other_files += 1,
                Ok(_) => {}
                Err(e) => {
                    let path = e.path().unwrap_or(dir).to_path_buf();
                    if e.loop_ancestor().is_some() {
                        let reason = "符号链接形成循环,已跳过 (symlink loop)";
                        self.set_aside_path(&path, Status::Skipped, Code::NotAFile, reason.into());
                    } else {
                        let reason = format!("无法访问 (cannot access): {e}");
                        self.set_aside_path(&path, Status::Failed, Code::ReadFailed, reason);
                    }
                }
            }
        }
    }

    /// A FIFO, socket or device: reading one could block for ever or never end.
    fn not_a_regular_file(&mut self, path: &Path) {
        let reason = "不是普通文件 (管道、套接字或设备),未读取 (not a regular file: a FIFO, socket or device)";
        self.set_aside_path(path, Status::Skipped, Code::NotAFile, reason.into());
    }

    fn pattern(&mut self, pattern: &str) {
        let paths = match glob::glob(pattern) {
            Ok(paths) => paths,
            Err(e) => {
                let reason = format!("通配符无效 (invalid pattern): {e}");
                self.set_aside_input(pattern, Status::Failed, Code::InputNotFound, reason);
                return;
            }
        };
        let mut matched = false;
        for entry in paths {
            matched = true;
            match entry {
                Ok(p) if p.is_dir() => {
                    if Format::from_path(&p).is_some() {
                        self.set_aside_path(
                            &p,
                            Status::Skipped,
                            Code::NotAFile,
                            DIRECTORY_LIKE_A_WORKBOOK.into(),
                        );
                    }
                    self.walk(&p)
                }
                Ok(p) if is_special(&p) => self.not_a_regular_file(&p),
                Ok(p) => self.add(p, false, None),
                Err(e) => {
                    let reason = format!("无法访问 (cannot access): {}", e.error());
                    let path = e.path().to_path_buf();
                    self.set_aside_path(&path, Status::Failed, Code::ReadFailed, reason);
                }
            }
        }
        if !matched {
            let reason = "通配符没有匹配到文件 (pattern matched no file)";
            self.set_aside_input(pattern, Status::Failed, Code::InputNotFound, reason.into());
        }
    }
}

/// Is this path there but neither a regular file nor a directory?
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Expands the INPUTs into files. An invalid `--exclude` pattern is the only error.
pub fn discover(inputs: &[String], options: &DiscoverOptions) -> Result<Discovery, String> {
    let mut c = Collector {
        files: BTreeMap::new(),
        set_aside: BTreeMap::new(),
        seen_real: BTreeMap::new(),
        exclusions: Exclusions::new(&options.exclude)?,
        other_files: 0,
    };
    for input in inputs {
        let path = Path::new(input);
        if path.is_dir() {
            c.walk(path);
        } else if is_special(path) {
            c.not_a_regular_file(path);
        } else if path.exists() {
            c.add(path.to_path_buf(), true, None);
        } else if looks_like_pattern(input) {
            c.pattern(input);
        } else {
            let reason = "文件或目录不存在 (no such file or directory)";
            c.set_aside_input(input, Status::Failed, Code::InputNotFound, reason.into());
        }
    }
    let mut files: Vec<InputFile> = c.files.into_values().collect();
    let mut set_aside: Vec<SetAside> = c.set_aside.into_values().collect();
    unique_displays(&mut files, &mut set_aside);
    Ok(Discovery {
        files,
        set_aside,
        other_files: c.other_files,
    })
}

/// Two files whose shown names still coincide (a literal `\x` in one name, say) are told apart
/// by a number, in path order, so that every input has a status of its own.
fn unique_displays(files: &mut [InputFile], set_aside: &mut [SetAside]) {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let names = files
        .iter_mut()
        .map(|f| &mut f.display)
        .chain(set_aside.iter_mut().map(|s| &mut s.display));
    for display in names {
        let n = seen.entry(display.clone()).or_default();
        *n += 1;
        if *n > 1 {
            display.push_str(&format!(" (#{n})"));
        }
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
        for name in ["z.xlsx", "a.csv", "notes.docx", "report.pdf", "~$z.xlsx"] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        std::fs::write(sub.join("m.txt"), b"x").expect("write");
        let root = dir.path().to_string_lossy().into_owned();
        let pattern = format!("{root}/*.csv");
        let found =
            discover(&[root.clone(), pattern], &DiscoverOptions::default()).expect("discover");
        let names: Vec<String> = found
            .files
            .iter()
            .map(|f| f.display.trim_start_matches(&root).to_string())
            .collect();
        // A Word document is an input (its tables are read); a PDF is listed as skipped.
        assert_eq!(names, vec!["/a.csv", "/b/m.txt", "/notes.docx", "/z.xlsx"]);
        // The lock file and the PDF are listed as skipped, each with its reason.
        assert_eq!(found.set_aside.len(), 2, "{:?}", found.set_aside);
        assert!(found.set_aside.iter().all(|s| s.status == Status::Skipped));
        assert!(
            found
                .set_aside
                .iter()
                .any(|s| s.display.ends_with("report.pdf")
                    && s.code == Code::UnsupportedFormat
                    && s.reason.contains("PDF"))
        );
    }

    #[test]
    fn missing_inputs_are_reported() {
        let found = discover(
            &["/no/such/file.xlsx".to_string()],
            &DiscoverOptions::default(),
        )
        .expect("discover");
        assert!(found.files.is_empty());
        assert_eq!(found.set_aside[0].status, Status::Failed);
    }

    fn names(found: &Discovery) -> Vec<String> {
        found.files.iter().map(|f| f.display.clone()).collect()
    }

    #[cfg(unix)]
    #[test]
    fn names_in_another_encoding_are_carried_as_bytes_and_never_collide() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().expect("tempdir");
        // 教育局.xlsx, 卫生局.xlsx and 民政局.xlsx in GBK: each is "���.xlsx" once made text.
        let gbk: [&[u8]; 3] = [
            b"\xbd\xcc\xd3\xfd\xbe\xd6.xlsx",
            b"\xce\xc0\xc9\xfa\xbe\xd6.xlsx",
            b"\xc3\xf1\xd5\xfe\xbe\xd6.xlsx",
        ];
        for name in gbk {
            let path = dir.path().join(std::ffi::OsStr::from_bytes(name));
            std::fs::write(path, b"x").expect("write");
        }
        let root = dir.path().to_string_lossy().into_owned();
        let found = discover(&[root], &DiscoverOptions::default()).expect("discover");
        let shown = names(&found);
        assert_eq!(shown.len(), 3, "{shown:?}");
        let mut unique = shown.clone();
        unique.dedup();
        assert_eq!(unique.len(), 3, "{shown:?}");
        assert!(
            shown[0].ends_with("\\xBD\\xCC\\xD3\\xFD\\xBE\\xD6.xlsx"),
            "{shown:?}"
        );
        // Each keeps its real path, so each can be read.
        for f in &found.files {
            assert!(std::fs::metadata(&f.path).is_ok(), "{:?}", f.path);
        }
    }

    #[test]
    fn excluded_files_and_folders_are_listed_once_and_not_searched() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "a.xlsx",
            "归档/old.xlsx",
            "归档/deep/older.xlsx",
            "b.bak.xlsx",
            "c.csv",
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, b"x").expect("write");
        }
        let root = dir.path().to_string_lossy().into_owned();
        let options = DiscoverOptions {
            exclude: vec!["归档".into(), "*.BAK.xlsx".into()],
        };
        let found = discover(std::slice::from_ref(&root), &options).expect("discover");
        let shown: Vec<String> = names(&found)
            .iter()
            .map(|n| n.trim_start_matches(&root).to_string())
            .collect();
        assert_eq!(shown, ["/a.xlsx", "/c.csv"]);
        let excluded: Vec<(&str, Code)> = found
            .set_aside
            .iter()
            .map(|s| (s.display.trim_start_matches(&root), s.code))
            .collect();
        assert_eq!(
            excluded,
            [("/b.bak.xlsx", Code::Excluded), ("/归档", Code::Excluded)]
        );
        assert!(
            discover(
                &[root],
                &DiscoverOptions {
                    exclude: vec!["[".into()]
                }
            )
            .is_err()
        );
    }

    #[test]
    fn documents_are_listed_other_files_counted_and_own_scratch_files_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in [
            "预算.et",
            "说明.wps",
            "旧版.xlsx.bak",
            "扫描件.pdf",
            "data.json",
            "Thumbs.db",
            ".~jixiao-s.xlsx-1234.tmp",
            ".~jixiao-s.xlsx.lock",
        ] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        let root = dir.path().to_string_lossy().into_owned();
        let found = discover(&[root], &DiscoverOptions::default()).expect("discover");
        assert_eq!(found.files.len(), 1);
        assert_eq!(found.files[0].format, Format::Et);
        let reasons: Vec<&str> = found.set_aside.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("备份")), "{reasons:?}");
        assert!(reasons.iter().any(|r| r.contains("PDF")), "{reasons:?}");
        assert!(
            reasons.iter().any(|r| r.contains("WPS 文字")),
            "{reasons:?}"
        );
        assert_eq!(found.other_files, 2);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe.csv");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let found = discover(
            &[fifo.to_string_lossy().into_owned()],
            &DiscoverOptions::default(),
        )
        .expect("discover");
        assert!(found.files.is_empty());
        assert_eq!(found.set_aside[0].code, Code::NotAFile);
        let found = discover(
            &[dir.path().to_string_lossy().into_owned()],
            &DiscoverOptions::default(),
        )
        .expect("discover");
        assert!(found.files.is_empty());
        assert_eq!(found.set_aside[0].code, Code::NotAFile);
    }
}
