//! Writing one sheet row by row. Every worksheet is in constant-memory mode, strictly in row
//! order, so a sheet's size never bounds the memory a run needs; that decides the rest:
//! - a cell with a finding is filled through its format, decided as the row is written;
//! - cells without one are written without a format and take their column's (rust_xlsxwriter
//!   hashes and compares a whole `Format` on every formatted write: an eighth of a large run);
//! - notes are capped per sheet (the writer holds each in memory until it saves);
//! - row heights: a height is held in memory per row that has one until the sheet is saved
//!   (a few hundred bytes), so 汇总 takes its most common row's as the sheet's and only its
//!   other rows get one; 问题 has one height for the whole sheet;
//! - column widths are measured as the cells are written, CJK characters counting double.

use rust_xlsxwriter::{Formula, Note, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::finding::Severity;
use crate::labels::Labels;
use crate::sheets::{Columns, Kind, Width};
use crate::text::{cut_for_cell, cut_to, format_number};

use super::format::Formats;
use super::place::Address;

/// Points per line of wrapped text (11 pt type with CJK fallback fonts).
pub const LINE_HEIGHT: f64 = 15.0;

/// A note longer than this is cut: a note is a pointer to the repair, not the whole record.
const NOTE_MAX_CHARS: usize = 600;

/// A column that fits its text grows to this width at most unless its table says otherwise.
const DEFAULT_LIMIT: usize = 50;

/// Constant-memory worksheets made up front, so that sheets can be written on other threads
/// than the one holding the workbook, and the finished ones in the order they were finished.
pub struct Sheets {
    fresh: std::vec::IntoIter<Worksheet>,
    pub done: Vec<Worksheet>,
}

impl Sheets {
    pub fn new(workbook: &mut Workbook, count: usize) -> Result<Sheets, XlsxError> {
        let fresh = (0..count)
            .map(|_| workbook.new_worksheet_with_constant_memory())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sheets {
            fresh: fresh.into_iter(),
            done: Vec::with_capacity(count),
        })
    }

    pub fn take(&mut self) -> Result<Worksheet, XlsxError> {
        self.fresh.next().ok_or_else(missing_sheet)
    }

    pub fn put(&mut self, sheet: Worksheet) {
        self.done.push(sheet);
    }
}

/// More sheets asked for than were made: a bug in counting them, reported, not a panic.
fn missing_sheet() -> XlsxError {
    XlsxError::ParameterError("jixiao: a worksheet was not made up front".to_string())
}

/// How many notes a sheet wrote, and how many repairs it left without one (over the cap).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoteCount {
    pub written: usize,
    pub skipped: usize,
}

impl std::ops::AddAssign for NoteCount {
    fn add_assign(&mut self, other: NoteCount) {
        self.written += other.written;
        self.skipped += other.skipped;
    }
}

/// A worksheet being written row by row, remembering each column's widest text.
pub struct SheetWriter<'f> {
    pub sheet: Worksheet,
    formats: &'f Formats,
    widths: Vec<usize>,
    /// Columns of fixed width whose text wraps.
    wrapped: Vec<(u16, usize)>,
    /// Widest a column may grow (long paths are cut off on screen, whole in the cell).
    limits: Vec<(u16, usize)>,
    pub row: u32,
    /// The autofilter's last row, where rows below the table (a total) must not be sorted.
    pub filter_last_row: Option<u32>,
    marks: Vec<(u16, Severity)>,
    notes_left: usize,
    notes_written: usize,
    notes_skipped: usize,
    last_col: u16,
    /// Each column's default format, by kind: a cell of that kind with no finding is written
    /// without a format and takes the column's.
    column_kinds: Vec<Kind>,
    /// The headers as written, for declaring the sheet an Excel Table.
    headers: Vec<String>,
    /// Whether it is one (then the table, not the sheet, has the filter).
    is_table: bool,
    /// How it prints, if not simply one page wide.
    print: Option<PrintPlan>,
}

/// How a sheet prints on A4 landscape: the columns printed (from A), the columns that start a
/// new page (the technical ones, so that the clerk's columns come first, whole), and the
/// columns repeated at the left of every page.
#[derive(Debug, Clone)]
pub struct PrintPlan {
    pub last_col: u16,
    pub breaks: Vec<u16>,
    pub repeat_cols: Option<(u16, u16)>,
}

/// The smallest print scale: 11 pt type prints at 8.25 pt.
pub const MIN_PRINT_SCALE: u16 = 75;

/// A4 landscape less the left and right margins (0.4 inch each), in points.
const PRINTABLE_WIDTH: f64 = 842.0 - 2.0 * 0.4 * 72.0;

/// A column `width` characters wide, in points at 100 % (7-pixel characters and 5 pixels of
/// padding, as Excel counts them for an 11 pt font).
fn column_points(width: f64) -> f64 {
    (width * 7.0 + 5.0) * 0.75
}

impl PrintPlan {
    /// The scale the plan prints at, given the columns' widths (characters): one page wide
    /// when that is no smaller than [`MIN_PRINT_SCALE`] (None: fit to the page), else the
    /// largest scale at which the widest run of columns between breaks fits, at least that.
    pub fn scale(&self, widths: &[f64]) -> Option<u16> {
        let width = |cols: std::ops::RangeInclusive<u16>| -> f64 {
            cols.filter_map(|c| widths.get(c as usize))
                .map(|&w| column_points(w))
                .sum()
        };
        let whole = width(0..=self.last_col);
        if self.breaks.is_empty() && whole * f64::from(MIN_PRINT_SCALE) / 100.0 <= PRINTABLE_WIDTH {
            return None;
        }
        let mut starts: Vec<u16> = std::iter::once(0)
            .chain(self.breaks.iter().copied())
            .collect();
        starts.sort_unstable();
        let widest = starts
            .iter()
            .enumerate()
            .map(|(i, &start)| {
                let end = starts
                    .get(i + 1)
                    .map_or(self.last_col, |&next| next.saturating_sub(1));
                let repeated = match self.repeat_cols {
                    Some((a, b)) if start > b => width(a..=b),
                    _ => 0.0,
                };
                width(start..=end) + repeated
            })
            .fold(0.0, f64::max);
        let fits = (PRINTABLE_WIDTH * 100.0 / widest.max(1.0)).floor();
        Some(fits.clamp(f64::from(MIN_PRINT_SCALE), 100.0) as u16)
    }
}

impl<'f> SheetWriter<'f> {
    /// A sheet laid out by its column table `C`, with `extra` headers after those columns
    /// (合计's per-category counts), and `notes` cell notes at most.
    pub fn new<C: Columns>(
        sheets: &mut Sheets,
        name: &str,
        extra: &[String],
        formats: &'f Formats,
        labels: &Labels,
        notes: usize,
    ) -> Result<SheetWriter<'f>, XlsxError> {
        let headers: Vec<&str> = C::ALL
            .iter()
            .map(|c| c.header())
            .chain(extra.iter().map(String::as_str))
            .collect();
        let mut w = SheetWriter::with_headers(sheets, name, &headers, formats, labels, notes)?;
        for &c in C::ALL {
            let col = c.index();
            match c.width() {
                Width::Wrap(width) => w.wrapped.push((col, width)),
                Width::Fit(limit) if limit != DEFAULT_LIMIT => w.limits.push((col, limit)),
                Width::Fit(_) => {}
            }
            let kind = c.default_kind();
            if kind != Kind::Text {
                w.column_kinds[col as usize] = kind;
                w.sheet.set_column_format(col, formats.cell(kind, None))?;
            }
        }
        Ok(w)
    }

    fn with_headers(
        sheets: &mut Sheets,
        name: &str,
        headers: &[&str],
        formats: &'f Formats,
        labels: &Labels,
        notes: usize,
    ) -> Result<SheetWriter<'f>, XlsxError> {
        let mut sheet = sheets.take()?;
        sheet.set_name(name)?;
        let mut widths = Vec::with_capacity(headers.len());
        let mut written = Vec::with_capacity(headers.len());
        for (col, header) in headers.iter().enumerate() {
            let header = labels.t(header);
            sheet.write_string_with_format(0, col as u16, header, &formats.header)?;
            widths.push(header_width(header));
            written.push(header.to_string());
        }
        sheet.set_row_height(0, LINE_HEIGHT * 2.0 + 4.0)?;
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_default_note_author("jixiao");
        for col in 0..headers.len() {
            sheet.set_column_format(col as u16, formats.cell(Kind::Text, None))?;
        }
        Ok(SheetWriter {
            sheet,
            formats,
            widths,
            wrapped: Vec::new(),
            limits: Vec::new(),
            row: 0,
            filter_last_row: None,
            marks: Vec::new(),
            notes_left: notes,
            notes_written: 0,
            notes_skipped: 0,
            last_col: headers.len().saturating_sub(1) as u16,
            column_kinds: vec![Kind::Text; headers.len()],
            headers: written,
            is_table: false,
            print: None,
        })
    }

    /// Prints the sheet by `plan` rather than one page wide.
    pub fn print_plan(&mut self, plan: PrintPlan) {
        self.print = Some(plan);
    }

    /// Makes the sheet an Excel Table named `name` (see `excel_tables`): call before any row.
    pub fn as_table(&mut self, name: &str) -> Result<(), XlsxError> {
        super::excel_tables::declare(&mut self.sheet, name, &self.headers, &self.formats.header)?;
        self.is_table = true;
        Ok(())
    }

    /// Does a cell of `kind` in `col`, without a finding, look exactly as the column's default?
    fn plain(&self, col: u16, kind: Kind, severity: Option<Severity>) -> bool {
        let same = |k: Kind| match k {
            Kind::Count => Kind::Text,
            k => k,
        };
        severity.is_none()
            && self
                .column_kinds
                .get(col as usize)
                .is_some_and(|&k| same(k) == same(kind))
    }

    /// Gives every row the height of `lines` lines of text. One height for the whole sheet:
    /// heights per row would be held in memory until the sheet is saved.
    pub fn line_height(&mut self, lines: usize) {
        if lines > 1 {
            self.sheet
                .set_default_row_height(LINE_HEIGHT * lines as f64 + 2.0);
        }
    }

    /// Makes the current row `lines` lines high, other than the sheet's: only such rows carry
    /// a height (each is held until the sheet is saved).
    pub fn row_lines(&mut self, lines: usize) -> Result<(), XlsxError> {
        let height = if lines > 1 {
            LINE_HEIGHT * lines as f64 + 2.0
        } else {
            LINE_HEIGHT
        };
        self.sheet.set_row_height(self.row, height)?;
        Ok(())
    }

    /// Starts the next row, with the fills its findings ask for.
    pub fn next_row(&mut self, marks: Vec<(u16, Severity)>) -> u32 {
        self.row += 1;
        self.marks = marks;
        self.row
    }

    fn severity(&self, col: u16) -> Option<Severity> {
        self.marks.iter().find(|m| m.0 == col).map(|m| m.1)
    }

    fn note_width(&mut self, col: u16, width: usize) {
        if let Some(w) = self.widths.get_mut(col as usize) {
            *w = (*w).max(width);
        }
    }

    /// A filled but empty cell where a finding points at a value that is missing.
    pub fn blank_if_marked(&mut self, col: impl Into<u16>) -> Result<(), XlsxError> {
        let col = col.into();
        if let Some(s) = self.severity(col) {
            let format = self.formats.cell(Kind::Text, Some(s));
            self.sheet.write_blank(self.row, col, format)?;
        }
        Ok(())
    }

    pub fn text(&mut self, col: impl Into<u16>, text: &str) -> Result<(), XlsxError> {
        let col = col.into();
        if text.is_empty() {
            return self.blank_if_marked(col);
        }
        // Excel's cell limit; the check stage has raised text_too_long for data this long.
        let text = cut_for_cell(text);
        // A wrapped column's text wraps; any other text is plain text.
        let kind = match self.column_kinds.get(col as usize) {
            Some(Kind::Wrap) => Kind::Wrap,
            _ => Kind::Text,
        };
        // A text is never wider than its bytes (a wide character takes three or four) nor than
        // twice its characters: most cells are no wider than their column already is, and need
        // no measuring.
        let at_most = || text.len().min(2 * text.chars().count());
        if self
            .widths
            .get(col as usize)
            .is_none_or(|&w| text.len() > w && at_most() > w)
        {
            self.note_width(col, text.width());
        }
        let severity = self.severity(col);
        if self.plain(col, kind, severity) {
            self.sheet.write_string(self.row, col, text.as_ref())?;
        } else {
            let format = self.formats.cell(kind, severity);
            self.sheet
                .write_string_with_format(self.row, col, text.as_ref(), format)?;
        }
        Ok(())
    }

    pub fn amount(&mut self, col: impl Into<u16>, value: Option<f64>) -> Result<(), XlsxError> {
        let col = col.into();
        match value {
            Some(v) => {
                self.note_width(col, format!("{v:.2}").len() + 3);
                self.number(col, v, Kind::Amount)
            }
            None => self.blank_if_marked(col),
        }
    }

    pub fn count(&mut self, col: impl Into<u16>, value: Option<f64>) -> Result<(), XlsxError> {
        let col = col.into();
        match value {
            Some(v) => {
                self.note_width(col, format_number(v).len());
                self.number(col, v, Kind::Count)
            }
            None => self.blank_if_marked(col),
        }
    }

    fn number(&mut self, col: u16, v: f64, kind: Kind) -> Result<(), XlsxError> {
        let severity = self.severity(col);
        if self.plain(col, kind, severity) {
            self.sheet.write_number(self.row, col, v)?;
        } else {
            let format = self.formats.cell(kind, severity);
            self.sheet
                .write_number_with_format(self.row, col, v, format)?;
        }
        Ok(())
    }

    /// A formula with its computed value stored as the cached result.
    pub fn formula(
        &mut self,
        col: impl Into<u16>,
        formula: String,
        value: f64,
        kind: Kind,
    ) -> Result<(), XlsxError> {
        let col = col.into();
        self.note_width(col, format!("{value:.2}").len() + 3);
        let format = self.formats.cell(kind, self.severity(col));
        let formula = Formula::new(formula).set_result(format_number(value));
        self.sheet
            .write_formula_with_format(self.row, col, formula, format)?;
        Ok(())
    }

    pub fn link(&mut self, col: impl Into<u16>, to: &Address) -> Result<(), XlsxError> {
        let col = col.into();
        self.note_width(col, to.display().width());
        let format = self.formats.cell(Kind::Link, None);
        self.sheet
            .write_formula_with_format(self.row, col, to.link(), format)?;
        Ok(())
    }

    /// A cell note, while the sheet's allowance lasts.
    pub fn note(&mut self, col: impl Into<u16>, lines: &[String]) -> Result<(), XlsxError> {
        if lines.is_empty() {
            return Ok(());
        }
        if self.notes_left == 0 {
            self.notes_skipped += 1;
            return Ok(());
        }
        self.notes_left -= 1;
        self.notes_written += 1;
        let text = cut_to(&lines.join("\n"), NOTE_MAX_CHARS).into_owned();
        // About 20 CJK characters per line at this width.
        let rows: usize = text.lines().map(|l| l.width().div_ceil(40).max(1)).sum();
        let note = Note::new(text)
            .add_author_prefix(false)
            .set_width(300)
            .set_height((rows.min(20) * 18 + 12) as u32);
        self.sheet.insert_note(self.row, col.into(), &note)?;
        Ok(())
    }

    /// Sets widths that fit the content (CJK characters count double), autofilter, print setup.
    pub fn finish(mut self, sheets: &mut Sheets) -> Result<NoteCount, XlsxError> {
        let mut set = Vec::with_capacity(self.widths.len());
        for (col, width) in self.widths.iter().enumerate() {
            let col = col as u16;
            let limit = self
                .limits
                .iter()
                .find(|w| w.0 == col)
                .map_or(DEFAULT_LIMIT, |w| w.1);
            let width = match self.wrapped.iter().find(|w| w.0 == col) {
                Some(&(_, fixed)) => fixed.min(*width).max(8) as f64 + 2.0,
                None => (*width).clamp(4, limit) as f64 + 2.0,
            };
            self.sheet.set_column_width(col, width)?;
            set.push(width);
        }
        if !self.is_table {
            let last_row = self.filter_last_row.unwrap_or(self.row).max(1);
            self.sheet.autofilter(0, 0, last_row, self.last_col)?;
        }
        match &self.print {
            Some(plan) => print_by(&mut self.sheet, plan, &set, self.row.max(1))?,
            None => print_setup(&mut self.sheet)?,
        }
        self.sheet.set_repeat_rows(0, 0)?;
        sheets.put(self.sheet);
        Ok(NoteCount {
            written: self.notes_written,
            skipped: self.notes_skipped,
        })
    }
}

/// The width a header asks of its column: long headers wrap onto two lines rather than widen
/// a column of short figures, but never inside a word.
fn header_width(header: &str) -> usize {
    let width = header.width();
    if width <= 12 {
        return width;
    }
    let longest_word = header.split(' ').map(|w| w.width()).max().unwrap_or(width);
    if header.contains(' ') {
        longest_word.max(width.div_ceil(2))
    } else {
        width.div_ceil(2)
    }
}

/// Landscape A4, one page wide, the sheet's name and page numbers in the footer.
pub fn print_setup(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    print_base(sheet);
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Prints `sheet` by `plan`, its columns `widths` wide, down to `last_row`: one page wide when
/// that keeps the type at 8 pt or more, else at the scale that does, with its page breaks.
pub fn print_by(
    sheet: &mut Worksheet,
    plan: &PrintPlan,
    widths: &[f64],
    last_row: u32,
) -> Result<(), XlsxError> {
    match plan.scale(widths) {
        Some(scale) => {
            print_base(sheet);
            sheet.set_print_scale(scale);
            let breaks: Vec<u32> = plan.breaks.iter().map(|&c| u32::from(c)).collect();
            if !breaks.is_empty() {
                sheet.set_vertical_page_breaks(&breaks)?;
            }
        }
        None => print_setup(sheet)?,
    }
    sheet.set_print_area(0, 0, last_row, plan.last_col)?;
    if let Some((a, b)) = plan.repeat_cols {
        sheet.set_repeat_columns(a, b)?;
    }
    Ok(())
}

/// Landscape A4, the sheet's name and page numbers in the footer.
fn print_base(sheet: &mut Worksheet) {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    sheet.set_footer("&L&A&R&P / &N");
}

/// "[file]Sheet!H7": where a row was read, as Excel refers to a cell of another workbook.
pub fn source(file: &str, sheet: &str, cell: crate::grid::CellRef) -> String {
    format!("[{file}]{sheet}!{cell}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_headers_wrap_but_never_inside_a_word() {
        assert_eq!(header_width("部门"), 4);
        assert_eq!(header_width("转移支付支出(万元)"), 9);
        assert_eq!(header_width("Transfer payments (10k CNY)"), 14);
        assert_eq!(header_width("Indicators"), 10);
    }

    #[test]
    fn sources_name_file_sheet_and_cell() {
        let cell = crate::grid::CellRef::new(6, 7);
        assert_eq!(source("a/b.xlsx", "表", cell), "[a/b.xlsx]表!H7");
    }
}
