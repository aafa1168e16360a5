//! Stage 2: read one input file into raw grids, one per sheet.
//!
//! Workbooks go through calamine with the concrete reader for their extension (so that a
//! password or a damaged archive is reported as such, not as "cannot detect format"); xlsx
//! sheets are streamed cell by cell so that a stray far-away cell cannot blow up memory, and
//! their merged cells are read from the end of the sheet's XML (`read/xlsx_merges.rs`) rather
//! than by calamine's second parse of the whole sheet.
//!
//! Delimited text is decoded from UTF-8 (with or without BOM) or, failing that, GB18030, and
//! each record keeps its line number as its row, which is what Excel shows on opening the file.
//!
//! The bytes decide how a file is read, not only its name ([`sniff`]): an ".xls" that is really an
//! HTML page is read as an HTML table ([`html`]), an xlsx or a text export named ".xls" as what it
//! is, and a PDF or Word file under a workbook's name is refused with a reason saying so.
//!
//! Formula cells give their stored (cached) result. A formula without a stored result, and an
//! error result (#REF!, #VALUE!…), are kept as such in the grid so that later stages report
//! them by cell.

mod html;
mod ods_scan;
pub mod sniff;
mod xls_scan;
mod xlsx_merges;

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, DataRef, Reader, SheetVisible, Xls, Xlsb, Xlsx};
use sha2::{Digest, Sha256};

use crate::discover::{Format, InputFile};
use crate::finding::Code;
use crate::grid::{CellValue, Grid, Merge};
use sniff::Sniffed;

/// Caps that keep one hostile or broken file from exhausting the machine. The defaults are far
/// above any real performance table (a department's workbook holds a few thousand cells and a
/// few megabytes of XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most cells read from one sheet: its rows, and in each row the cells up to its last
    /// non-empty one (what the sheet costs in memory; an HTML merged block counts all the cells
    /// it covers). For xls and ods, whose reader builds every sheet whole on opening, the
    /// workbook is measured first and refused when one of its sheets would exceed this.
    pub max_cells: usize,
    /// The most bytes a file may hold once uncompressed (the file itself for text; the sum of
    /// the archive's entries for xlsx/xlsm/xlsb/ods).
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cells: 5_000_000,
            max_bytes: 512 * 1024 * 1024,
        }
    }
}

/// An archive entry larger than this must not be compressed more than `MAX_RATIO` times: real
/// worksheet XML compresses 5–50 times, a zip bomb thousands of times.
const RATIO_CHECK_FLOOR: u64 = 16 * 1024 * 1024;
const MAX_RATIO: u64 = 200;

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
    #[error("not a readable {format} workbook: {message}")]
    Workbook {
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

/// Reads the file's bytes once, making sure they are one consistent version of it: a file
/// still being saved (size or time changing under us) is read again once, then given up.
fn read_stable(path: &Path, limits: &Limits) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    let mut last_error = ReadError::Changing;
    for _ in 0..2 {
        let before = std::fs::metadata(path)?;
        if before.is_dir() {
            return Err(ReadError::Directory);
        }
        if before.len() == 0 {
            return Err(ReadError::Empty);
        }
        if before.len() > limits.max_bytes {
            return Err(ReadError::TooLarge {
                what: "the file".into(),
                size: before.len(),
                limit: limits.max_bytes,
            });
        }
        let bytes = std::fs::read(path)?;
        let after = std::fs::metadata(path)?;
        if same_version(&before, &after) && bytes.len() as u64 == after.len() {
            return Ok((bytes, after));
        }
        last_error = ReadError::Changing;
    }
    Err(last_error)
}

fn same_version(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Checks an archive's declared sizes before any of it is decompressed.
fn check_archive(bytes: &[u8], limits: &Limits, format: &'static str) -> Result<(), ReadError> {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        // Not a zip: calamine says what it is not (and spots an encrypted workbook, which is an
        // OLE container rather than a zip).
        Err(_) => return Ok(()),
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| ReadError::Workbook {
            format,
            message: e.to_string(),
        })?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > RATIO_CHECK_FLOOR && size / packed > MAX_RATIO {
            return Err(ReadError::ZipBomb(format!(
                "entry {} expands {} times to {} bytes",
                entry.name().map(|n| n.into_owned()).unwrap_or_default(),
                size / packed,
                size
            )));
        }
    }
    if total > limits.max_bytes {
        return Err(ReadError::TooLarge {
            what: "the uncompressed workbook".into(),
            size: total,
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

/// Reads every sheet of one input.
pub fn read_file(input: &InputFile, limits: &Limits) -> Result<FileContent, ReadError> {
    let (bytes, metadata) = read_stable(&input.path, limits)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let changed_since_listing = input.listed.as_ref().is_some_and(|listed| {
        let modified = match (listed.modified, metadata.modified().ok()) {
            (Some(then), Some(now)) => then != now,
            _ => false,
        };
        listed.len != metadata.len() || modified
    });
    let named = input.format;
    let ext = input
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let sheet_name = sheet_name_for_text(&input.path);
    // What the bytes are decides the reader; the extension only where they say nothing certain.
    let (format, format_note) = match sniff::sniff(&bytes) {
        Sniffed::Unknown => (Some(named), None),
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
        Some(Format::Xlsx) => {
            check_archive(&bytes, limits, "xlsx")?;
            read_xlsx(&bytes, limits)?
        }
        Some(Format::Xls) => {
            // calamine builds every sheet whole on opening: measure them first.
            xls_scan::check(&bytes, limits.max_cells)?;
            read_with_ranges::<Xls<_>>(bytes, "xls", true, limits)?
        }
        Some(Format::Xlsb) => {
            check_archive(&bytes, limits, "xlsb")?;
            read_xlsb(bytes, limits)?
        }
        Some(Format::Ods) => {
            check_archive(&bytes, limits, "ods")?;
            ods_scan::check(&bytes, limits)?;
            read_with_ranges::<calamine::Ods<_>>(bytes, "ods", false, limits)?
        }
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

/// A sheet that holds more cells than `Limits::max_cells`.
#[derive(Debug)]
pub(crate) struct OverLimit;

/// What a sheet costs as it is read, against `Limits::max_cells`: its rows, and in each row
/// the cells up to its last non-empty one, which is what its grid holds in memory.
pub(crate) struct Budget {
    limit: u64,
    used: u64,
}

impl Budget {
    pub(crate) fn new(max_cells: usize) -> Budget {
        Budget {
            limit: max_cells as u64,
            used: 0,
        }
    }

    /// Counts `n` more cells.
    pub(crate) fn charge(&mut self, n: u64) -> Result<(), OverLimit> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            Err(OverLimit)
        } else {
            Ok(())
        }
    }

    /// Sets a cell, counting what the grid grows by; over the limit nothing is set.
    pub(crate) fn set(
        &mut self,
        grid: &mut Grid,
        row: u32,
        col: u32,
        value: CellValue,
    ) -> Result<(), OverLimit> {
        if value.is_empty() {
            return Ok(());
        }
        let new_rows = (u64::from(row) + 1).saturating_sub(grid.rows.len() as u64);
        let len = grid.rows.get(row as usize).map_or(0, Vec::len) as u64;
        let new_cells = (u64::from(col) + 1).saturating_sub(len);
        self.charge(new_rows + new_cells)?;
        grid.set(row, col, value);
        Ok(())
    }
}

fn format_name_zh(format: Format) -> &'static str {
    match format {
        Format::Xlsx => " xlsx 工作簿",
        Format::Xls => " xls (Excel 97-2003) 工作簿",
        Format::Xlsb => " xlsb 工作簿",
        Format::Ods => " ods 工作簿",
        Format::Delimited => "分隔符文本 (制表符或逗号分隔)",
    }
}

fn format_name_en(format: Format) -> &'static str {
    match format {
        Format::Xlsx => "an xlsx workbook",
        Format::Xls => "an xls (Excel 97-2003) workbook",
        Format::Xlsb => "an xlsb workbook",
        Format::Ods => "an ods workbook",
        Format::Delimited => "delimited text (tab- or comma-separated)",
    }
}

/// Excel's error values, as they appear in text exports and in ods cells.
const ERROR_VALUES: [&str; 8] = [
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
];

/// Is this text an error value as Excel or LibreOffice shows it ("#REF!", "Err:502")?
fn is_error_text(text: &str) -> bool {
    let t = crate::text::clean(text);
    ERROR_VALUES.contains(&t)
        || t.strip_prefix("Err:")
            .is_some_and(|code| !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()))
}

/// A cell read from text (a text file, an HTML page): an error value stays an error.
fn text_cell(text: String) -> CellValue {
    if is_error_text(&text) {
        CellValue::Error(crate::text::clean(&text).to_string())
    } else {
        CellValue::Text(text.into())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Excel names the one sheet of a text file after the file; so do we, so cell names match.
fn sheet_name_for_text(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    stem.chars().take(31).collect()
}

/// Decodes text bytes: UTF-16 where a BOM says so (Excel's "Unicode text"), UTF-8 (a BOM is
/// dropped), else GB18030, the superset of GBK that Chinese government exports use.
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return encoding_rs::UTF_16LE
            .decode_without_bom_handling(body)
            .0
            .into_owned();
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return encoding_rs::UTF_16BE
            .decode_without_bom_handling(body)
            .0
            .into_owned();
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(body);
            text.into_owned()
        }
    }
}

/// Tab wins where the text has at least as many tabs as commas in its first lines: amounts
/// such as "1,709.50" put commas into tab-separated files, never tabs into comma-separated ones.
fn detect_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(50).collect::<Vec<_>>().join("\n");
    let tabs = head.matches('\t').count();
    let commas = head.matches(',').count();
    if tabs > 0 && tabs >= commas / 4 {
        b'\t'
    } else {
        b','
    }
}

/// Reads delimited text into a grid; each record sits on the row of the line it starts on.
pub fn read_delimited(bytes: &[u8], sheet: &str) -> Grid {
    read_delimited_within(bytes, sheet, usize::MAX).unwrap_or_else(|OverLimit| Grid::new(sheet))
}

/// [`read_delimited`], refusing text whose grid would hold more than `max_cells` cells.
fn read_delimited_within(bytes: &[u8], sheet: &str, max_cells: usize) -> Result<Grid, OverLimit> {
    // One line ending, so that counting blank lines below is counting '\n'.
    let text = decode_text(bytes).replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut grid = Grid::new(sheet);
    let mut budget = Budget::new(max_cells);
    // Byte records: the text is valid UTF-8 already, so no record can fail to decode.
    let mut record = csv::ByteRecord::new();
    // csv skips blank lines and reports a record's position as the start of the blank lines
    // before it; Excel shows each blank line as an empty row. So the row is the previous
    // record's plus one, plus the blank lines skipped in between (a quoted field spanning
    // lines stays one row, as in Excel).
    let bytes = text.as_bytes();
    let mut next_row: usize = 0;
    let mut last_error_at = None;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let start = record.position().map(|p| p.byte() as usize).unwrap_or(0);
                let blank_lines = bytes
                    .get(start..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b == b'\n')
                    .count();
                let row = (next_row + blank_lines) as u32;
                next_row = row as usize + 1;
                for (col, field) in record.iter().enumerate() {
                    let text = String::from_utf8_lossy(field).into_owned();
                    budget.set(&mut grid, row, col as u32, text_cell(text))?;
                }
            }
            Ok(false) => break,
            // Flexible byte records read from memory cannot fail (csv's errors are I/O, UTF-8
            // and unequal lengths); should one ever come, a row says so rather than the record
            // vanishing.
            Err(e) => {
                // An error that does not move the reader on would repeat forever.
                let at = reader.position().byte();
                if last_error_at == Some(at) {
                    break;
                }
                last_error_at = Some(at);
                let row = next_row as u32;
                next_row += 1;
                let text = format!("#csv: {e}");
                budget.set(&mut grid, row, 0, CellValue::Error(text))?;
            }
        }
    }
    Ok(grid)
}

fn convert_ref(value: &DataRef<'_>) -> CellValue {
    match value {
        DataRef::Empty => CellValue::Empty,
        DataRef::String(s) => CellValue::Text(s.as_str().into()),
        DataRef::SharedString(s) => CellValue::Text((*s).into()),
        DataRef::Float(f) => CellValue::Number(*f),
        DataRef::Int(i) => CellValue::Number(*i as f64),
        DataRef::Bool(b) => CellValue::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        DataRef::DateTime(d) => CellValue::Text(date_text(d).into()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellValue::Text(s.as_str().into()),
        DataRef::Error(e) => CellValue::Error(e.to_string()),
    }
}

fn convert(value: &Data) -> CellValue {
    match value {
        Data::Empty => CellValue::Empty,
        Data::String(s) => CellValue::Text(s.as_str().into()),
        Data::Float(f) => CellValue::Number(*f),
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Bool(b) => CellValue::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(d) => CellValue::Text(date_text(d).into()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => CellValue::Text(s.as_str().into()),
        Data::Error(e) => CellValue::Error(e.to_string()),
    }
}

/// A date cell as the user sees it (2024-12-31), not as its serial number.
fn date_text(d: &calamine::ExcelDateTime) -> String {
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}")
    }
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<FileContent, ReadError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let mut content = FileContent::default();
    let sheets = workbook.sheets_metadata().to_vec();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let mut parts = xlsx_merges::SheetParts::find(bytes, &names);
    for sheet in &sheets {
        if sheet.visible != SheetVisible::Visible {
            content.skipped_sheets.push(hidden(&sheet.name));
            continue;
        }
        let fast = parts
            .as_mut()
            .and_then(|p| p.merges(&sheet.name, limits.max_bytes));
        let merges = match fast {
            Some(merges) => merges,
            None => workbook
                .merge_cells_by_sheet_name(&sheet.name)
                .map_err(xlsx_error)?
                .iter()
                .map(merge_from)
                .collect(),
        };
        let mut grid = Grid::new(sheet.name.clone());
        let mut reader = match workbook.worksheet_cells_reader(&sheet.name) {
            Ok(reader) => reader,
            // A chart sheet or dialog sheet has no cells: nothing to read, not an error.
            Err(calamine::XlsxError::WorksheetNotFound(_)) => continue,
            Err(e) => return Err(xlsx_error(e)),
        };
        let mut budget = Budget::new(limits.max_cells);
        let mut too_large = false;
        while let Some(cell) = reader
            .next_cell_with_formula_metadata()
            .map_err(xlsx_error)?
        {
            let mut value = convert_ref(&cell.value);
            if let (CellValue::Empty, Some(formula)) = (&value, &cell.formula) {
                // A formula with no <v>: saved by a program that does not calculate.
                value = CellValue::Formula(match formula {
                    calamine::XlsxFormulaMetadata::Normal { formula }
                    | calamine::XlsxFormulaMetadata::Shared { formula, .. } => formula.clone(),
                    _ => String::new(),
                });
            }
            let (row, col) = cell.pos;
            if budget.set(&mut grid, row, col, value).is_err() {
                too_large = true;
                break;
            }
        }
        if too_large {
            content
                .skipped_sheets
                .push(too_many_cells(&sheet.name, limits));
            continue;
        }
        grid.merges = Some(merges);
        content.grids.push(grid);
    }
    Ok(content)
}

fn too_many_cells(name: &str, limits: &Limits) -> SkippedSheet {
    let max = limits.max_cells;
    SkippedSheet {
        sheet: name.to_string(),
        code: Code::SheetTooLarge,
        reason: format!(
            "工作表超过 {max} 个单元格,未读取 (sheet holds more than {max} cells, counting its rows and each row's cells up to its last non-empty one)"
        ),
    }
}

/// xlsb sheets are streamed like xlsx ones: calamine's ranges are dense, so one cell at
/// XFD1048576 would ask for 17 billion cells.
fn read_xlsb(bytes: Vec<u8>, limits: &Limits) -> Result<FileContent, ReadError> {
    let mut workbook =
        Xlsb::new(Cursor::new(bytes)).map_err(|e| workbook_error("xlsb", e.to_string()))?;
    let mut content = FileContent::default();
    for sheet in workbook.sheets_metadata().to_vec() {
        if sheet.visible != SheetVisible::Visible {
            content.skipped_sheets.push(hidden(&sheet.name));
            continue;
        }
        let mut grid = Grid::new(sheet.name.clone());
        let mut budget = Budget::new(limits.max_cells);
        // calamine indexes records without checking their length: a truncated record panics,
        // which here means a damaged file, not a bug of ours.
        let values = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            xlsb_values(&mut workbook, &sheet.name, &mut grid, &mut budget)
        }))
        .unwrap_or_else(|_| Err(XlsbRead::Failed("malformed cell record".into())));
        match values {
            Ok(()) => {}
            Err(XlsbRead::NoCells) => continue,
            Err(XlsbRead::OverLimit) => {
                content
                    .skipped_sheets
                    .push(too_many_cells(&sheet.name, limits));
                continue;
            }
            Err(XlsbRead::Failed(message)) => return Err(workbook_error("xlsb", message)),
        }
        // Best effort, as for the other formats: a formula the reader cannot parse leaves the
        // values read above as they are.
        let formulas = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            xlsb_formulas(&mut workbook, &sheet.name, &mut grid, &mut budget)
        }));
        if let Ok(Err(XlsbRead::OverLimit)) = formulas {
            content
                .skipped_sheets
                .push(too_many_cells(&sheet.name, limits));
            continue;
        }
        content.grids.push(grid);
    }
    Ok(content)
}

enum XlsbRead {
    /// A chart or dialog sheet: nothing to read, not an error.
    NoCells,
    OverLimit,
    Failed(String),
}

impl From<calamine::XlsbError> for XlsbRead {
    fn from(e: calamine::XlsbError) -> Self {
        match e {
            calamine::XlsbError::WorksheetNotFound(_) => XlsbRead::NoCells,
            other => XlsbRead::Failed(other.to_string()),
        }
    }
}

impl From<OverLimit> for XlsbRead {
    fn from(_: OverLimit) -> Self {
        XlsbRead::OverLimit
    }
}

fn xlsb_values(
    workbook: &mut Xlsb<Cursor<Vec<u8>>>,
    name: &str,
    grid: &mut Grid,
    budget: &mut Budget,
) -> Result<(), XlsbRead> {
    let mut reader = workbook.worksheet_cells_reader(name)?;
    while let Some(cell) = reader.next_cell()? {
        let (row, col) = cell.get_position();
        budget.set(grid, row, col, convert_ref(cell.get_value()))?;
    }
    Ok(())
}

/// A formula cell whose result calamine's xlsb reader does not give (it skips error results)
/// is marked as a formula without a value, so that later stages report it by cell.
fn xlsb_formulas(
    workbook: &mut Xlsb<Cursor<Vec<u8>>>,
    name: &str,
    grid: &mut Grid,
    budget: &mut Budget,
) -> Result<(), XlsbRead> {
    let mut reader = workbook.worksheet_cells_reader(name)?;
    while let Some(cell) = reader.next_formula()? {
        let (row, col) = cell.get_position();
        let formula = cell.get_value();
        if !formula.is_empty() {
            mark_formula(grid, budget, row, col, formula.clone())?;
        }
    }
    Ok(())
}

fn hidden(name: &str) -> SkippedSheet {
    SkippedSheet {
        sheet: name.to_string(),
        code: Code::HiddenSheet,
        reason: "隐藏的工作表,未读取 (hidden sheet skipped)".to_string(),
    }
}

fn merge_from(d: &calamine::Dimensions) -> Merge {
    Merge {
        first_row: d.start.0,
        first_col: d.start.1,
        last_row: d.end.0,
        last_col: d.end.1,
    }
}

fn xlsx_error(e: calamine::XlsxError) -> ReadError {
    match e {
        calamine::XlsxError::Password => ReadError::Encrypted,
        other => ReadError::Workbook {
            format: "xlsx",
            message: other.to_string(),
        },
    }
}

/// Formats whose sheets calamine reads as whole ranges (xls, xlsb, ods).
trait RangeWorkbook: Sized {
    fn open(bytes: Vec<u8>) -> Result<Self, ReadError>;
    fn sheets(&self) -> Vec<calamine::Sheet>;
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String>;
    fn merges(&self, _name: &str) -> Option<Vec<Merge>> {
        None
    }
    /// The sheet's formulas, where the reader can give them; unreadable ones are no formulas.
    fn formulas(&mut self, name: &str) -> Option<calamine::Range<String>>;
}

fn workbook_error(format: &'static str, message: String) -> ReadError {
    if message.to_lowercase().contains("password") || message.contains("encrypt") {
        ReadError::Encrypted
    } else {
        ReadError::Workbook { format, message }
    }
}

impl RangeWorkbook for Xls<Cursor<Vec<u8>>> {
    fn open(bytes: Vec<u8>) -> Result<Self, ReadError> {
        Xls::new(Cursor::new(bytes)).map_err(|e| workbook_error("xls", e.to_string()))
    }
    fn sheets(&self) -> Vec<calamine::Sheet> {
        self.sheets_metadata().to_vec()
    }
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String> {
        self.worksheet_range(name).map_err(|e| e.to_string())
    }
    fn formulas(&mut self, name: &str) -> Option<calamine::Range<String>> {
        self.worksheet_formula(name).ok()
    }
    fn merges(&self, name: &str) -> Option<Vec<Merge>> {
        self.merge_cells_by_sheet_name(name)
            .ok()
            .map(|m| m.iter().map(merge_from).collect())
    }
}

impl RangeWorkbook for calamine::Ods<Cursor<Vec<u8>>> {
    fn open(bytes: Vec<u8>) -> Result<Self, ReadError> {
        calamine::Ods::new(Cursor::new(bytes)).map_err(|e| workbook_error("ods", e.to_string()))
    }
    fn sheets(&self) -> Vec<calamine::Sheet> {
        self.sheets_metadata().to_vec()
    }
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String> {
        self.worksheet_range(name).map_err(|e| e.to_string())
    }
    fn formulas(&mut self, name: &str) -> Option<calamine::Range<String>> {
        self.worksheet_formula(name).ok()
    }
}

fn read_with_ranges<W: RangeWorkbook>(
    bytes: Vec<u8>,
    format: &'static str,
    has_merges: bool,
    limits: &Limits,
) -> Result<FileContent, ReadError> {
    let mut workbook = W::open(bytes)?;
    let mut content = FileContent::default();
    for sheet in workbook.sheets() {
        if sheet.visible != SheetVisible::Visible {
            content.skipped_sheets.push(hidden(&sheet.name));
            continue;
        }
        let range = match workbook.range(&sheet.name) {
            Ok(range) => range,
            Err(message) => return Err(workbook_error(format, message)),
        };
        let mut grid = Grid::new(sheet.name.clone());
        let mut budget = Budget::new(limits.max_cells);
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let over = range.used_cells().any(|(row, col, value)| {
            let (r, c) = (r0.saturating_add(row as u32), c0.saturating_add(col as u32));
            budget.set(&mut grid, r, c, convert(value)).is_err()
        });
        if over {
            content
                .skipped_sheets
                .push(too_many_cells(&sheet.name, limits));
            continue;
        }
        // A formula cell whose result the reader cannot give (none stored, or an error result
        // that xlsb's reader skips) is marked, and an ods error result ("#REF!", "Err:502" as
        // text) becomes an error.
        // Best effort: formulas the reader cannot parse (or a parser that panics on an odd
        // token) leave the values read above as they are, rather than losing the file.
        let formulas = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            workbook.formulas(&sheet.name)
        }))
        .ok()
        .flatten();
        if let Some(formulas) = formulas {
            let (f0, g0) = formulas.start().unwrap_or((0, 0));
            let over = formulas.used_cells().any(|(row, col, formula)| {
                let (r, c) = (f0.saturating_add(row as u32), g0.saturating_add(col as u32));
                !formula.is_empty()
                    && mark_formula(&mut grid, &mut budget, r, c, formula.clone()).is_err()
            });
            if over {
                content
                    .skipped_sheets
                    .push(too_many_cells(&sheet.name, limits));
                continue;
            }
        }
        if has_merges {
            grid.merges = workbook.merges(&sheet.name);
        }
        content.grids.push(grid);
    }
    Ok(content)
}

/// A formula cell whose result the reader could not give is marked as a formula without a
/// value; an error result read as text ("#REF!", "Err:502") becomes an error.
fn mark_formula(
    grid: &mut Grid,
    budget: &mut Budget,
    row: u32,
    col: u32,
    formula: String,
) -> Result<(), OverLimit> {
    match grid.get(row, col) {
        CellValue::Empty => budget.set(grid, row, col, CellValue::Formula(formula)),
        CellValue::Text(t) if is_error_text(t) => {
            let e = crate::text::clean(t).to_string();
            grid.set(row, col, CellValue::Error(e));
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rows_keep_their_line_numbers() {
        let grid = read_delimited("\n\n标题\t\t\n序号\t项目名称\n1\t甲\n".as_bytes(), "s");
        assert_eq!(grid.text(2, 0), "标题");
        assert_eq!(grid.text(3, 1), "项目名称");
        assert_eq!(grid.text(4, 1), "甲");
        assert!(grid.row_is_empty(0));
    }

    #[test]
    fn gbk_and_bom_are_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("序号,项目名称\n1,办公费\n");
        let grid = read_delimited(&gbk, "s");
        assert_eq!(grid.text(1, 1), "办公费");
        let bom = "\u{FEFF}序号\t项目名称\n".as_bytes();
        assert_eq!(read_delimited(bom, "s").text(0, 0), "序号");
    }

    #[test]
    fn blank_lines_between_records_count_as_rows() {
        let grid = read_delimited(b"x\r\n\r\ny\n\n\nz\n\"a\nb\"\nw\n", "s");
        assert_eq!(grid.text(0, 0), "x");
        assert_eq!(grid.text(2, 0), "y");
        assert_eq!(grid.text(5, 0), "z");
        assert_eq!(grid.text(6, 0), "a\nb");
        assert_eq!(grid.text(7, 0), "w");
    }

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
        let listed = crate::discover::Listed {
            len: 3,
            modified: None,
        };
        let content = read_file(&input(&path, Some(listed)), &Limits::default()).expect("read");
        assert!(content.changed_since_listing);
        let meta = std::fs::metadata(&path).expect("meta");
        let same = crate::discover::Listed {
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        let content = read_file(&input(&path, Some(same)), &Limits::default()).expect("read");
        assert!(!content.changed_since_listing);
    }

    #[test]
    fn tab_beats_thousands_commas() {
        let grid = read_delimited("合计\t\t\t1,709.50\t1,709.50\n".as_bytes(), "s");
        assert_eq!(grid.text(0, 3), "1,709.50");
    }

    #[test]
    fn odd_quoting_loses_no_record() {
        let grid = read_delimited(b"a,\"b\"c,d\n\"x\ny\",\"z\n1,\"2\n", "s");
        assert_eq!(grid.text(0, 1), "bc");
        assert_eq!(grid.text(0, 2), "d");
        assert_eq!(grid.text(1, 0), "x\ny");
        // An unclosed quote runs to the end of the file, as in Excel: nothing is dropped.
        assert!(grid.text(1, 1).contains("1,"), "{:?}", grid.rows);
    }

    #[test]
    fn text_is_refused_beyond_the_cell_cap_counting_blank_lines() {
        let text = format!("{}x\n", "\n".repeat(1_000));
        assert!(read_delimited_within(text.as_bytes(), "s", 1_000).is_err());
        assert!(read_delimited_within(text.as_bytes(), "s", 1_002).is_ok());
        assert!(read_delimited_within(b"a,b,c\n", "s", 2).is_err());
    }
}
