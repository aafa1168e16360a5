//! Stage 2: read one input file into raw grids, one per sheet.
//!
//! This module decides how a file is read and hands it to the reader for its format; the
//! readers are laid out by format, as calamine's are:
//!
//! - `read/xlsx.rs`: xlsx and xlsm, streamed cell by cell (merged cells: `read/xlsx_merges.rs`);
//! - `read/xlsb.rs`: xlsb, streamed cell by cell;
//! - `read/ranges.rs`: xls and ods, as calamine ranges, measured first (`read/xls_scan.rs`,
//!   `read/ods_scan.rs`);
//! - `read/text.rs`: delimited text; [`html`]: HTML tables saved under a workbook's name;
//! - `read/docx.rs`: Word documents, their tables and paragraphs as one grid;
//!   `read/spreadsheetml.rs`: Excel 2003 XML; `read/xml.rs`: what those two share;
//! - `read/cells.rs`: the cell conversion the readers share;
//! - `read/guard.rs`: the limits, and the guards that enforce them.
//!
//! Workbooks go through calamine with the concrete reader for their extension (so that a
//! password or a damaged archive is reported as such, not as "cannot detect format").
//!
//! The bytes decide how a file is read, not only its name ([`sniff`]): an ".xls" that is really an
//! HTML page is read as an HTML table ([`html`]), an xlsx, a SpreadsheetML or a text export named
//! ".xls" as what it is, and a PDF or a Word 97-2003 file under a workbook's name is refused with
//! a reason saying so.

mod cells;
mod docx;
mod guard;
mod html;
mod ods_scan;
mod ranges;
pub mod sniff;
mod spreadsheetml;
mod text;
mod xls_scan;
mod xlsb;
mod xlsb_scan;
mod xlsx;
mod xlsx_merges;
mod xml;

use calamine::Xls;
use sha2::{Digest, Sha256};

use crate::discover::{Format, InputFile, WORD_97_REASON};
use crate::finding::Code;
use crate::grid::Grid;
use guard::{OverLimit, check_archive, read_stable, too_many_cells};
use ranges::read_with_ranges;
use sniff::Sniffed;
use text::{read_delimited_within, sheet_name_for_text};

pub use guard::Limits;
pub use text::{decode_text, read_delimited};

/// A sheet that was not read, and why.
#[derive(Debug, Clone)]
pub struct SkippedSheet {
    pub sheet: String,
    pub code: Code,
    pub reason: String,
}

/// What reading one file gave.
#[derive(Debug, Default)]
pub struct FileContent {
    pub grids: Vec<Grid>,
    pub skipped_sheets: Vec<SkippedSheet>,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The file differs (size or modification time) from when it was listed.
    pub changed_since_listing: bool,
    /// Set when the bytes are another format than the extension says, and were read as that.
    pub format_note: Option<String>,
}

/// Why a file could not be read at all. The messages are what the report's `reason` says.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("文件在列出后消失 (the file vanished after it was listed)")]
    Vanished,
    #[error("没有读取权限 (permission denied)")]
    PermissionDenied,
    #[error("空文件 (zero-byte file)")]
    Empty,
    #[error("这是一个目录,不是文件 (a directory, not a file)")]
    Directory,
    #[error(
        "不是普通文件 (管道、套接字或设备),未读取 (not a regular file: a FIFO, socket or device)"
    )]
    NotRegular,
    #[error("文件在读取时仍在被写入 (the file kept changing while it was read)")]
    Changing,
    #[error("cannot read the file: {0}")]
    Io(std::io::Error),
    #[error(
        "工作簿有密码保护 (the workbook is password-protected / encrypted); jixiao cannot read it"
    )]
    Encrypted,
    #[error("文件过大 (too large): {what} is {size} bytes, above the limit of {limit} bytes")]
    TooLarge { what: String, size: u64, limit: u64 },
    #[error(
        "工作表 {sheet} 展开后有 {cells} 个单元格,超过上限 {limit},未读取 (sheet {sheet} would take {cells} cells, above the limit of {limit} cells)"
    )]
    TooManyCells {
        sheet: String,
        cells: u64,
        limit: usize,
    },
    #[error("疑似压缩炸弹,拒绝读取 (refused as a zip bomb): {0}")]
    ZipBomb(String),
    /// The bytes are something jixiao does not read (a PDF, a Word file…) under a workbook's name.
    #[error("{0}")]
    Unsupported(String),
    /// A summary or report jixiao wrote, recognised by its marks.
    #[error("{0}")]
    OwnOutput(String),
    #[error("not a readable {format} workbook: {message}")]
    Workbook {
        format: &'static str,
        message: String,
    },
    #[error("不是可读取的 {format} 文档 (not a readable {format} document): {message}")]
    Document {
        format: &'static str,
        message: String,
    },
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::Vanished,
            std::io::ErrorKind::PermissionDenied => ReadError::PermissionDenied,
            std::io::ErrorKind::IsADirectory => ReadError::Directory,
            _ => ReadError::Io(e),
        }
    }
}

/// Does this archive error say that an entry needs a password? (zip's own test for it: the
/// entry is encrypted and no password was given.) Office and ODF encryption are reported by
/// calamine's `Password` errors; this is an archive whose entries were encrypted by a zip tool.
fn zip_password(e: &zip::result::ZipError) -> bool {
    use zip::result::ZipError;
    matches!(
        e,
        ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED) | ZipError::InvalidPassword
    )
}

/// Reads every sheet of one input.
pub fn read_file(input: &InputFile, limits: &Limits) -> Result<FileContent, ReadError> {
    let (bytes, metadata) = read_stable(&input.path, limits)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let changed_since_listing = input
        .listed
        .as_ref()
        .is_some_and(|listed| *listed != crate::discover::Listed::of(&metadata));
    let named = input.format;
    let ext = input
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let sheet_name = sheet_name_for_text(&input.path);
    // What the bytes are decides the reader; the extension only where they say nothing certain.
    let sniffed = sniff::sniff(&bytes);
    // An .xml file is read only as SpreadsheetML; a .doc only as what its bytes really are.
    match (named, &sniffed) {
        (_, Sniffed::Word97) | (Format::Doc, Sniffed::Unknown) => {
            return Err(ReadError::Unsupported(WORD_97_REASON.to_string()));
        }
        (Format::SpreadsheetMl, Sniffed::Workbook(Format::SpreadsheetMl) | Sniffed::Encrypted) => {}
        (Format::SpreadsheetMl, _) => {
            return Err(ReadError::Unsupported(
                "XML 文件,但不是 Excel 2003 XML 表格 (SpreadsheetML),未读取 (an XML file that is not an Excel 2003 XML spreadsheet)"
                    .to_string(),
            ));
        }
        _ => {}
    }
    let (format, format_note) = match sniffed {
        Sniffed::Unknown if named == Format::Et => {
            return Err(ReadError::Unsupported(format!(
                "文件是 WPS 表格 (.{ext}) 的专有格式,jixiao 不读取;请在 WPS 中另存为 .xlsx 或 .xls (a WPS spreadsheet in WPS's own format; save it as .xlsx or .xls)"
            )));
        }
        Sniffed::Own(what) => return Err(ReadError::OwnOutput(what.to_string())),
        Sniffed::Unknown | Sniffed::Word97 => (Some(named), None),
        Sniffed::Encrypted => return Err(ReadError::Encrypted),
        Sniffed::Workbook(actual) if actual == named => (Some(actual), None),
        Sniffed::Workbook(actual) => (
            Some(actual),
            Some(format!(
                "文件扩展名为 .{ext},内容实为{},已按其实际格式读取 (the .{ext} file is really {}; read as such)",
                format_name_zh(actual),
                format_name_en(actual)
            )),
        ),
        Sniffed::Html => (
            None,
            Some(format!(
                "文件扩展名为 .{ext},内容实为 HTML 网页表格,已按 HTML 表格读取 (the .{ext} file is really an HTML table; read as such)"
            )),
        ),
        Sniffed::Foreign { zh, en } => {
            return Err(ReadError::Unsupported(format!(
                "文件内容是{zh},不是工作簿或表格,未读取 (the .{ext} file is really {en}, not a workbook)"
            )));
        }
    };
    let mut content = match format {
        None => one_sheet(
            html::read_html(&bytes, &sheet_name, limits.max_cells),
            &sheet_name,
            limits,
        ),
        Some(Format::Delimited) => one_sheet(
            read_delimited_within(&bytes, &sheet_name, limits.max_cells),
            &sheet_name,
            limits,
        ),
        // Only when its bytes say nothing (handled above): never reached with a real workbook.
        Some(Format::Et) => return Err(ReadError::Unsupported(String::new())),
        Some(Format::Xlsx) => {
            check_archive(&bytes, limits, "xlsx")?;
            xlsx::read_xlsx(&bytes, limits)?
        }
        Some(Format::Xls) => {
            // calamine builds every sheet whole on opening: measure them first.
            xls_scan::check(&bytes, limits.max_cells)?;
            read_with_ranges::<Xls<_>>(bytes, true, limits)?
        }
        Some(Format::Xlsb) => {
            check_archive(&bytes, limits, "xlsb")?;
            xlsb_scan::check(&bytes, limits)?;
            xlsb::read_xlsb(bytes, limits)?
        }
        Some(Format::Ods) => {
            check_archive(&bytes, limits, "ods")?;
            ods_scan::check(&bytes, limits)?;
            read_with_ranges::<calamine::Ods<_>>(bytes, false, limits)?
        }
        Some(Format::Docx) => {
            check_archive(&bytes, limits, "docx")?;
            one_sheet(
                docx::read_docx(&bytes, &sheet_name, limits)?,
                &sheet_name,
                limits,
            )
        }
        Some(Format::SpreadsheetMl) => spreadsheetml::read_spreadsheetml(&bytes, limits)?,
        // Refused above: only bytes of another format named .doc get here, read as that.
        Some(Format::Doc) => return Err(ReadError::Unsupported(WORD_97_REASON.to_string())),
    };
    content.sha256 = sha256;
    content.changed_since_listing = changed_since_listing;
    content.format_note = format_note;
    Ok(content)
}

/// The content of a one-sheet file (text, an HTML page).
fn one_sheet(grid: Result<Grid, OverLimit>, sheet: &str, limits: &Limits) -> FileContent {
    match grid {
        Ok(grid) => FileContent {
            grids: vec![grid],
            ..FileContent::default()
        },
        Err(OverLimit) => FileContent {
            skipped_sheets: vec![too_many_cells(sheet, limits)],
            ..FileContent::default()
        },
    }
}

fn format_name_zh(format: Format) -> &'static str {
    match format {
        Format::Xlsx => " xlsx 工作簿",
        Format::Xls => " xls (Excel 97-2003) 工作簿",
        Format::Xlsb => " xlsb 工作簿",
        Format::Ods => " ods 工作簿",
        Format::Delimited => "分隔符文本 (制表符或逗号分隔)",
        Format::Docx => " Word 文档 (docx)",
        Format::SpreadsheetMl => " Excel 2003 XML 表格 (SpreadsheetML)",
        Format::Doc => " Word 97-2003 文档 (doc)",
        Format::Et => " WPS 表格",
    }
}

fn format_name_en(format: Format) -> &'static str {
    match format {
        Format::Xlsx => "an xlsx workbook",
        Format::Xls => "an xls (Excel 97-2003) workbook",
        Format::Xlsb => "an xlsb workbook",
        Format::Ods => "an ods workbook",
        Format::Delimited => "delimited text (tab- or comma-separated)",
        Format::Docx => "a Word document (docx)",
        Format::SpreadsheetMl => "an Excel 2003 XML spreadsheet (SpreadsheetML)",
        Format::Doc => "a Word 97-2003 document (doc)",
        Format::Et => "a WPS spreadsheet",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The reason given for a hidden sheet, which is not read.
fn hidden(name: &str) -> SkippedSheet {
    SkippedSheet {
        sheet: name.to_string(),
        code: Code::HiddenSheet,
        reason: "隐藏的工作表,未读取 (hidden sheet skipped)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn input(path: &Path, listed: Option<crate::discover::Listed>) -> InputFile {
        InputFile {
            path: path.to_path_buf(),
            display: path.display().to_string(),
            format: Format::Delimited,
            listed,
        }
    }

    #[test]
    fn vanished_and_unreadable_files_say_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let gone = input(&dir.path().join("gone.txt"), None);
        let err = read_file(&gone, &Limits::default()).expect_err("vanished");
        assert!(err.to_string().contains("vanished"), "{err}");
        let denied = ReadError::from(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert!(denied.to_string().contains("permission denied"));
    }

    #[test]
    fn a_file_changed_since_listing_is_noticed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.txt");
        std::fs::write(&path, "序号\t项目名称\n").expect("write");
        let mut listed = crate::discover::Listed::of(&std::fs::metadata(&path).expect("meta"));
        listed.len = 3;
        let content = read_file(&input(&path, Some(listed)), &Limits::default()).expect("read");
        assert!(content.changed_since_listing);
        let meta = std::fs::metadata(&path).expect("meta");
        let same = crate::discover::Listed::of(&meta);
        let content = read_file(&input(&path, Some(same)), &Limits::default()).expect("read");
        assert!(!content.changed_since_listing);
    }
}
