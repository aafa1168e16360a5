//! Word documents (.docx): the document body as one grid, in document order — each table's
//! rows as grid rows, and each paragraph between tables (a title, "(2024年度)", a
//! "填报单位(盖章):" line) as a one-cell row, so a title above a table stands above it, as on
//! the page. The sheet is named after the file, as a text file's is.
//!
//! - Merged cells are merged blocks: `w:gridSpan` across, `w:vMerge` restart/continue down,
//!   the legacy `w:hMerge`; `w:gridBefore` leaves grid columns without a cell. The text of a
//!   continuing cell, if it has any, stays in its own cell (inside the block), as a covered cell
//!   of an xlsx keeps its value, so nothing is lost.
//! - A cell's paragraphs are its lines ("资金总额: 120\n一、财政拨款:100"); `w:tab` is a tab,
//!   `w:br`/`w:cr` a line break; tracked insertions are kept and deletions dropped; content
//!   controls are read through (one still showing its placeholder prompt gives no text); a
//!   legacy check box form field is ☑ or ☐. Numbers stay text: later stages parse them.
//! - A table nested in a cell puts its rows right below the row holding the cell, starting in
//!   that cell's column, and the row's other cells are merged down beside them: a form's
//!   indicator block kept as a nested table then reads as rows of 一级/二级/三级/指标值 with its
//!   label beside it, as on the page, where flattening it into one cell's text would lose its
//!   columns. Tables nested deeper than [`MAX_TABLE_DEPTH`], and tables inside text boxes, are
//!   read as their cell's text instead.
//! - Consecutive tables are kept apart by an empty row, unless a paragraph stands between them.
//!
//! Written with quick-xml rather than a docx crate: docx-rs (the maintained one) panics on some
//! inputs in its reader (`expect` on a width it cannot parse), has no `w:hMerge`, builds the whole
//! document model (styles, numbering, images) and brings second versions of zip and quick-xml;
//! it also leaves turning spans and vMerge chains into merged blocks to the caller, which is
//! most of the work here.
//!
//! Limits: the archive is checked for bombs before this runs (`guard::check_archive`); the
//! document part is read up to `--max-file-mb`; the cell cap counts every table cell as parsed
//! and the grid as it grows, over the whole document (one sheet); spans and positions stop at
//! Excel's last column and row.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::cells::text_cell;
use super::guard::{Budget, Limits, OverLimit};
use super::xml::{self, MAX_COLUMNS, MAX_DEPTH, MAX_ROWS};
use super::{ReadError, zip_password};
use crate::grid::{Grid, Merge};

/// Tables nested deeper than this inside cells are read as their cell's text.
const MAX_TABLE_DEPTH: usize = 8;

const W_TRANSITIONAL: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
const MARKUP_COMPATIBILITY: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";

/// Reads the body of a .docx into one grid named `sheet`; Err(OverLimit) inside when the
/// document holds more than the cell cap.
pub(super) fn read_docx(
    bytes: &[u8],
    sheet: &str,
    limits: &Limits,
) -> Result<Result<Grid, OverLimit>, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_error)?;
    let part = main_part(&mut archive, limits)?;
    let xml = read_entry(&mut archive, &part, limits)?.ok_or_else(|| ReadError::Document {
        format: "docx",
        message: format!("文档缺少正文部分 {part} (the document part {part} is missing)"),
    })?;
    let text = xml::decode(&xml);
    drop(xml);
    parse(&text, sheet, limits.max_cells).map_err(|message| ReadError::Document {
        format: "docx",
        message,
    })
}

fn zip_error(e: zip::result::ZipError) -> ReadError {
    if zip_password(&e) {
        ReadError::Encrypted
    } else {
        ReadError::Document {
            format: "docx",
            message: e.to_string(),
        }
    }
}

/// One entry of the archive, whole, refused beyond `--max-file-mb`; None if there is none.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, ReadError> {
    let file = match archive.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(zip_error(e)),
    };
    let mut out = Vec::new();
    file.take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| ReadError::Document {
            format: "docx",
            message: format!("{name}: {e}"),
        })?;
    if out.len() as u64 > limits.max_bytes {
        return Err(ReadError::TooLarge {
            what: format!("the document part {name}"),
            size: out.len() as u64,
            limit: limits.max_bytes,
        });
    }
    Ok(Some(out))
}

/// The main document part, as the package's relationships name it (word/document.xml in
/// every file Word or WPS writes).
fn main_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    limits: &Limits,
) -> Result<String, ReadError> {
    const DEFAULT: &str = "word/document.xml";
    let Some(rels) = read_entry(archive, "_rels/.rels", limits)? else {
        return Ok(DEFAULT.to_string());
    };
    let rels = xml::decode(&rels);
    let mut reader = xml::reader(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().as_ref() == "Relationship"
                    && xml::attribute(&e, "Type")
                        .is_some_and(|t| t.ends_with("/officeDocument")) =>
            {
                let target = xml::attribute(&e, "Target").unwrap_or_default();
                let target = target.trim_start_matches('/');
                if target.is_empty() || archive.index_for_name(target).is_none() {
                    return Ok(DEFAULT.to_string());
                }
                return Ok(target.to_string());
            }
            Ok(Event::Eof) | Err(_) => return Ok(DEFAULT.to_string()),
            Ok(_) => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Continuation {
    #[default]
    None,
    Restart,
    Continue,
}

/// A table as parsed, before it is placed.
#[derive(Debug, Default)]
struct Table {
    rows: Vec<Row>,
    /// Paragraphs found inside the table but outside any cell (only broken files have them).
    loose: Vec<String>,
    in_row: bool,
    in_cell: bool,
}

#[derive(Debug, Default)]
struct Row {
    grid_before: u32,
    /// A row deleted as a tracked change.
    deleted: bool,
    cells: Vec<Cell>,
}

#[derive(Debug, Default)]
struct Cell {
    /// `w:gridSpan`, 0 where not given.
    span: u32,
    vmerge: Continuation,
    hmerge: Continuation,
    lines: Vec<String>,
    nested: Vec<Table>,
}

impl Cell {
    fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// A legacy form field's check box, while its `w:ffData` is read.
#[derive(Debug, Default)]
struct FormField {
    checkbox: Option<bool>,
}

/// One paragraph being read; `orphan` when its text came outside any `w:p` (a broken file).
#[derive(Debug, Default)]
struct Paragraph {
    text: String,
    orphan: bool,
}

struct Parser {
    out: Out,
    tables: Vec<Table>,
    paragraphs: Vec<Paragraph>,
    /// Tables read as text (inside a text box, or nested too deep), counted by depth.
    flatten: usize,
    runs: usize,
    in_text: bool,
    in_row_properties: bool,
    in_cell_properties: bool,
    /// Open content controls: whether each shows its placeholder prompt.
    controls: Vec<bool>,
    /// Depth inside a content control's properties.
    in_control_properties: usize,
    form_field: Option<FormField>,
    /// Table cells and rows parsed, against the cell cap.
    structure: u64,
    max_cells: u64,
}

/// The grid being filled.
struct Out {
    grid: Grid,
    budget: Budget,
    merges: Vec<Merge>,
    next_row: u32,
    /// The last thing placed was a table: the next one starts after an empty row.
    after_table: bool,
}

/// Parses the document part's text. The outer error is a broken file; the inner one a document
/// over the cell cap.
fn parse(text: &str, sheet: &str, max_cells: usize) -> Result<Result<Grid, OverLimit>, String> {
    let mut reader = quick_xml::NsReader::from_str(text);
    reader.config_mut().allow_dangling_amp = true;
    let mut p = Parser {
        out: Out {
            grid: Grid::new(sheet),
            budget: Budget::new(max_cells),
            merges: Vec::new(),
            next_row: 0,
            after_table: false,
        },
        tables: Vec::new(),
        paragraphs: Vec::new(),
        flatten: 0,
        runs: 0,
        in_text: false,
        in_row_properties: false,
        in_cell_properties: false,
        controls: Vec::new(),
        in_control_properties: 0,
        form_field: None,
        structure: 0,
        max_cells: max_cells as u64,
    };
    let mut depth: usize = 0;
    // Inside an element whose content is not text (properties, deletions…), from this depth.
    let mut skip: Option<usize> = None;
    loop {
        let at = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => return Err(xml::syntax_error(&e, at)),
        };
        let kind = Kind::of(&ns);
        let step = match event {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(xml::too_deep());
                }
                if skip.is_some() {
                    continue;
                }
                let local = e.local_name();
                match p.open(kind, local.as_ref(), &e, false) {
                    Open::Skip => {
                        skip = Some(depth);
                        Ok(())
                    }
                    Open::Done(step) => step,
                }
            }
            Event::Empty(e) => {
                if skip.is_some() {
                    continue;
                }
                let local = e.local_name();
                // An empty paragraph or run opens nothing to close; inside a content control's
                // properties, only the properties' own end closes anything.
                let closes = p.in_control_properties == 0 && !matches!(local.as_ref(), "p" | "r");
                match p.open(kind, local.as_ref(), &e, true) {
                    Open::Skip => Ok(()),
                    Open::Done(Err(over)) => Err(over),
                    Open::Done(Ok(())) if closes => p.close(kind, local.as_ref()),
                    Open::Done(Ok(())) => Ok(()),
                }
            }
            Event::End(e) => {
                let closing = depth;
                depth = depth.saturating_sub(1);
                match skip {
                    Some(d) if d == closing => {
                        skip = None;
                        continue;
                    }
                    Some(_) => continue,
                    None => p.close(kind, e.local_name().as_ref()),
                }
            }
            Event::Text(t) if skip.is_none() && p.in_text => {
                p.push(&t.xml10_content());
                Ok(())
            }
            Event::CData(t) if skip.is_none() && p.in_text => {
                p.push(&t.xml10_content());
                Ok(())
            }
            Event::GeneralRef(r) if skip.is_none() && p.in_text => {
                if let Some(c) = xml::reference(&r) {
                    p.push(c.encode_utf8(&mut [0; 4]));
                }
                Ok(())
            }
            Event::Eof => {
                if depth > 0 {
                    return Err(xml::truncated(at));
                }
                break;
            }
            _ => Ok(()),
        };
        if let Err(over) = step {
            return Ok(Err(over));
        }
    }
    // Whatever a broken file left open is placed too.
    let closing = (|| {
        while !p.paragraphs.is_empty() {
            p.end_paragraph()?;
        }
        while !p.tables.is_empty() {
            p.end_table()?;
        }
        Ok(())
    })();
    if let Err(over) = closing {
        return Ok(Err(over));
    }
    let mut grid = p.out.grid;
    grid.merges = Some(p.out.merges);
    Ok(Ok(grid))
}

/// Which vocabulary an element belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    MarkupCompatibility,
    Other,
}

impl Kind {
    fn of(ns: &ResolveResult<'_>) -> Kind {
        match ns {
            ResolveResult::Bound(n) if n.as_ref() == W_TRANSITIONAL || n.as_ref() == W_STRICT => {
                Kind::Word
            }
            ResolveResult::Bound(n) if n.as_ref() == MARKUP_COMPATIBILITY => {
                Kind::MarkupCompatibility
            }
            _ => Kind::Other,
        }
    }
}

/// What opening an element asks of the loop.
enum Open {
    /// Its content is not text: skip to its end.
    Skip,
    Done(Result<(), OverLimit>),
}

const OK: Open = Open::Done(Ok(()));

fn on(value: Option<String>) -> bool {
    !matches!(value.as_deref().map(str::trim), Some("0" | "false" | "off"))
}

impl Parser {
    fn open(&mut self, kind: Kind, local: &str, e: &BytesStart<'_>, empty: bool) -> Open {
        match kind {
            // Markup compatibility: the first choice is read, the fallback (the same content
            // again, for older readers) is not.
            Kind::MarkupCompatibility if local == "Fallback" => return Open::Skip,
            Kind::Word => {}
            _ => return OK,
        }
        if self.in_control_properties > 0 {
            if local == "showingPlcHdr"
                && let Some(placeholder) = self.controls.last_mut()
            {
                *placeholder = on(xml::attribute(e, "val"));
            }
            if !empty {
                self.in_control_properties += 1;
            }
            return OK;
        }
        match local {
            "sdt" => self.controls.push(false),
            "sdtPr" | "sdtEndPr" if !empty => self.in_control_properties = 1,
            "del" if self.in_row_properties => {
                if let Some(row) = self.row_mut() {
                    row.deleted = true;
                }
                return Open::Skip;
            }
            "pPr" | "rPr" | "tblPr" | "tblGrid" | "tblPrEx" | "sectPr" | "del" | "moveFrom"
            | "delText" | "instrText" | "delInstrText" | "rt" | "tcPrChange" | "trPrChange"
            | "fldData" => return Open::Skip,
            "ffData" => self.form_field = Some(FormField::default()),
            "checkBox" => {
                if let Some(field) = &mut self.form_field {
                    field.checkbox.get_or_insert(false);
                }
            }
            "default" | "checked" => {
                if let Some(FormField {
                    checkbox: Some(state),
                }) = &mut self.form_field
                {
                    let value = xml::attribute(e, "val");
                    // `w:checked` overrides the default; present without a value, it is on.
                    if local == "checked" || value.is_some() {
                        *state = on(value);
                    }
                }
            }
            "tbl" => return Open::Done(self.start_table()),
            "tr" => return Open::Done(self.start_row()),
            "tc" => return Open::Done(self.start_cell()),
            "trPr" if self.flatten == 0 => self.in_row_properties = !empty,
            "tcPr" if self.flatten == 0 => self.in_cell_properties = !empty,
            "gridBefore" if self.in_row_properties => {
                let n = xml::number_attribute(e, "val")
                    .unwrap_or(0)
                    .min(MAX_COLUMNS);
                if let Some(row) = self.row_mut() {
                    row.grid_before = n;
                }
            }
            "gridSpan" if self.in_cell_properties => {
                let n = xml::number_attribute(e, "val")
                    .unwrap_or(1)
                    .min(MAX_COLUMNS);
                if let Some(cell) = self.cell_mut() {
                    cell.span = n;
                }
            }
            "vMerge" | "hMerge" if self.in_cell_properties => {
                let how = match xml::attribute(e, "val").as_deref() {
                    Some("restart") => Continuation::Restart,
                    _ => Continuation::Continue,
                };
                if let Some(cell) = self.cell_mut() {
                    if local == "vMerge" {
                        cell.vmerge = how;
                    } else {
                        cell.hmerge = how;
                    }
                }
            }
            "p" if !empty => self.paragraphs.push(Paragraph::default()),
            "r" if !empty => self.runs += 1,
            "t" => self.in_text = !empty,
            "tab" | "ptab" if self.runs > 0 => self.push("\t"),
            "br" | "cr" if self.runs > 0 => self.push("\n"),
            "noBreakHyphen" if self.runs > 0 => self.push("-"),
            "sym" if self.runs > 0 => {
                let font = xml::attribute(e, "font").unwrap_or_default();
                let code =
                    xml::attribute(e, "char").and_then(|c| u32::from_str_radix(c.trim(), 16).ok());
                if let Some(c) = code.and_then(|code| symbol(&font, code)) {
                    self.push(c.encode_utf8(&mut [0; 4]));
                }
            }
            _ => {}
        }
        OK
    }

    fn close(&mut self, kind: Kind, local: &str) -> Result<(), OverLimit> {
        if kind != Kind::Word {
            return Ok(());
        }
        if self.in_control_properties > 0 {
            self.in_control_properties -= 1;
            return Ok(());
        }
        match local {
            "sdt" => {
                self.controls.pop();
            }
            "ffData" => {
                if let Some(FormField {
                    checkbox: Some(checked),
                }) = self.form_field.take()
                {
                    self.push(if checked { "☑" } else { "☐" });
                }
            }
            "tbl" => return self.end_table(),
            "tr" => self.end_row(),
            "tc" => self.end_cell(),
            "trPr" => self.in_row_properties = false,
            "tcPr" => self.in_cell_properties = false,
            // Only a paragraph opened by a `w:p` is closed by one.
            "p" if self.paragraphs.last().is_some_and(|p| !p.orphan) => {
                return self.end_paragraph();
            }
            "r" => {
                self.runs = self.runs.saturating_sub(1);
                return self.end_orphan();
            }
            "t" => {
                self.in_text = false;
                return self.end_orphan();
            }
            _ => {}
        }
        Ok(())
    }

    /// Text of the paragraph being read (a content control showing its prompt gives none).
    fn push(&mut self, text: &str) {
        if self.controls.iter().any(|&placeholder| placeholder) {
            return;
        }
        if self.paragraphs.is_empty() {
            self.paragraphs.push(Paragraph {
                text: String::new(),
                orphan: true,
            });
        }
        if let Some(p) = self.paragraphs.last_mut() {
            p.text.push_str(text);
        }
    }

    fn end_orphan(&mut self) -> Result<(), OverLimit> {
        if self.paragraphs.last().is_some_and(|p| p.orphan) {
            self.end_paragraph()?;
        }
        Ok(())
    }

    /// A paragraph ends: into the paragraph around it (a text box), the cell it is in, or the
    /// grid as a row of its own.
    fn end_paragraph(&mut self) -> Result<(), OverLimit> {
        let Some(paragraph) = self.paragraphs.pop() else {
            return Ok(());
        };
        let line = clean(&paragraph.text);
        if line.is_empty() {
            return Ok(());
        }
        if let Some(outer) = self.paragraphs.last_mut() {
            // A text box's paragraphs are lines of their own in the paragraph holding it.
            outer.text.push('\n');
            outer.text.push_str(&line);
            outer.text.push('\n');
            return Ok(());
        }
        if let Some(table) = self.tables.last_mut() {
            match table.rows.last_mut().and_then(|r| r.cells.last_mut()) {
                Some(cell) if table.in_cell => cell.lines.push(line),
                _ => table.loose.push(line),
            }
            return Ok(());
        }
        self.out.text_row(&line)
    }

    fn charge_structure(&mut self) -> Result<(), OverLimit> {
        self.structure += 1;
        if self.structure > self.max_cells {
            Err(OverLimit)
        } else {
            Ok(())
        }
    }

    fn start_table(&mut self) -> Result<(), OverLimit> {
        let nested_in_cell = self.tables.last().is_some_and(|t| t.in_cell);
        let flat = self.flatten > 0
            || !self.paragraphs.is_empty()
            || (!self.tables.is_empty() && !nested_in_cell)
            || self.tables.len() >= MAX_TABLE_DEPTH;
        if flat {
            self.flatten += 1;
        } else {
            self.tables.push(Table::default());
        }
        Ok(())
    }

    fn end_table(&mut self) -> Result<(), OverLimit> {
        if self.flatten > 0 {
            self.flatten -= 1;
            return Ok(());
        }
        let Some(table) = self.tables.pop() else {
            return Ok(());
        };
        match self.tables.last_mut() {
            Some(parent) => {
                if let Some(cell) = parent.rows.last_mut().and_then(|r| r.cells.last_mut()) {
                    cell.nested.push(table);
                }
                Ok(())
            }
            None => self.out.place_top(&table),
        }
    }

    fn start_row(&mut self) -> Result<(), OverLimit> {
        if self.flatten > 0 {
            return Ok(());
        }
        self.charge_structure()?;
        if let Some(table) = self.tables.last_mut() {
            table.rows.push(Row::default());
            table.in_row = true;
            table.in_cell = false;
        }
        Ok(())
    }

    fn end_row(&mut self) {
        if self.flatten > 0 {
            return;
        }
        if let Some(table) = self.tables.last_mut() {
            table.in_row = false;
            table.in_cell = false;
        }
    }

    fn start_cell(&mut self) -> Result<(), OverLimit> {
        if self.flatten > 0 {
            return Ok(());
        }
        self.charge_structure()?;
        if let Some(table) = self.tables.last_mut() {
            if !table.in_row || table.rows.is_empty() {
                table.rows.push(Row::default());
                table.in_row = true;
            }
            if let Some(row) = table.rows.last_mut() {
                row.cells.push(Cell::default());
            }
            table.in_cell = true;
        }
        Ok(())
    }

    fn end_cell(&mut self) {
        if self.flatten > 0 {
            return;
        }
        if let Some(table) = self.tables.last_mut() {
            table.in_cell = false;
        }
    }

    fn row_mut(&mut self) -> Option<&mut Row> {
        self.tables.last_mut()?.rows.last_mut()
    }

    fn cell_mut(&mut self) -> Option<&mut Cell> {
        let table = self.tables.last_mut()?;
        if !table.in_cell {
            return None;
        }
        table.rows.last_mut()?.cells.last_mut()
    }
}

/// A paragraph's text as a cell shows it: its lines trimmed, blank lines dropped.
fn clean(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.trim_matches(|c: char| c.is_whitespace() && c != '\t')
                .trim()
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The character a symbol-font glyph (`w:sym`) stands for, where it is a check box: forms
/// tick 新增□ 延续□ with Wingdings glyphs. Other symbol-font glyphs have no text.
fn symbol(font: &str, code: u32) -> Option<char> {
    let glyph = match code {
        0xF000..=0xF0FF => code - 0xF000,
        0..=0xFF => code,
        _ => return char::from_u32(code).filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c)),
    };
    let font = font.to_ascii_lowercase();
    let c = match (font.as_str(), glyph) {
        ("wingdings", 0xA8 | 0x6F) => '☐',
        ("wingdings", 0xFE) => '☑',
        ("wingdings", 0xFD | 0x78) => '☒',
        ("wingdings 2", 0xA3) => '☐',
        ("wingdings 2", 0x52) => '☑',
        ("wingdings 2", 0x54) => '☒',
        // Not a symbol font: the code is the character.
        (f, _) if !f.contains("wingdings") && !f.contains("webdings") && f != "symbol" => {
            return char::from_u32(code).filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c));
        }
        _ => return None,
    };
    Some(c)
}

/// A vertical chain of merged cells being followed down a table.
#[derive(Debug)]
struct Block {
    first_row: u32,
    first_col: u32,
    last_col: u32,
    last_row: u32,
    /// Continued in the row being placed.
    seen: bool,
}

impl Block {
    fn merge(&self) -> Option<Merge> {
        (self.last_row > self.first_row || self.last_col > self.first_col).then_some(Merge {
            first_row: self.first_row,
            first_col: self.first_col,
            last_row: self.last_row,
            last_col: self.last_col,
        })
    }
}

/// One cell as placed: its column, the columns it spans (its own, plus those of the legacy
/// `w:hMerge` cells that continue it) and where its nested tables went.
struct Placed<'t> {
    col: u32,
    span: u32,
    cell: &'t Cell,
    /// For a horizontal group, the cells after the first one, which keep their own text.
    followers: Vec<(u32, &'t Cell)>,
}

impl Out {
    fn text(&mut self, row: u32, col: u32, text: String) -> Result<(), OverLimit> {
        if text.is_empty() {
            return Ok(());
        }
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(OverLimit);
        }
        self.budget.set(&mut self.grid, row, col, text_cell(text))
    }

    fn text_row(&mut self, line: &str) -> Result<(), OverLimit> {
        self.text(self.next_row, 0, line.to_string())?;
        self.next_row = self.next_row.saturating_add(1);
        self.after_table = false;
        Ok(())
    }

    fn place_top(&mut self, table: &Table) -> Result<(), OverLimit> {
        if table.rows.is_empty() && table.loose.is_empty() {
            return Ok(());
        }
        let top = self.next_row.saturating_add(u32::from(self.after_table));
        let (height, _) = self.place_table(table, top, 0)?;
        self.next_row = top.saturating_add(height);
        self.after_table = true;
        Ok(())
    }

    /// Places a table with its first row at `top` and its grid's first column at `left`;
    /// gives the rows it took and the first column right of it.
    fn place_table(&mut self, table: &Table, top: u32, left: u32) -> Result<(u32, u32), OverLimit> {
        let mut row_at = top;
        let mut right = left;
        for line in &table.loose {
            self.text(row_at, left, line.clone())?;
            row_at = row_at.saturating_add(1);
        }
        let mut open: Vec<Block> = Vec::new();
        for row in table.rows.iter().filter(|r| !r.deleted) {
            if row_at >= MAX_ROWS {
                return Err(OverLimit);
            }
            let placed = layout_row(row, left)?;
            // Nested tables go below this row, side by side, each from its cell's column.
            let mut extra = 0;
            let mut nested_cols: Vec<(u32, u32)> = Vec::new();
            let mut nested_right = left;
            for p in placed.iter().filter(|p| !p.cell.nested.is_empty()) {
                let nested_left = p.col.max(nested_right);
                let mut below = row_at.saturating_add(1);
                let mut used = 0;
                let mut edge = nested_left;
                for (i, inner) in p.cell.nested.iter().enumerate() {
                    if i > 0 {
                        below = below.saturating_add(1);
                        used += 1;
                    }
                    let (height, inner_right) = self.place_table(inner, below, nested_left)?;
                    below = below.saturating_add(height);
                    used += height;
                    edge = edge.max(inner_right);
                }
                extra = extra.max(used);
                nested_cols.push((nested_left, edge));
                nested_right = edge;
                right = right.max(edge);
            }
            let bottom = row_at.saturating_add(extra);
            for p in &placed {
                let last_col = p.col + p.span - 1;
                let beside_nested = p.cell.nested.is_empty()
                    && !nested_cols
                        .iter()
                        .any(|&(from, to)| p.col < to && from <= last_col);
                let cell_bottom = if beside_nested { bottom } else { row_at };
                match p.cell.vmerge {
                    Continuation::Continue
                        if open
                            .iter()
                            .any(|b| b.first_col <= p.col && p.col <= b.last_col) =>
                    {
                        let block = open
                            .iter_mut()
                            .filter(|b| b.first_col <= p.col && p.col <= b.last_col)
                            .min_by_key(|b| p.col - b.first_col);
                        if let Some(block) = block {
                            block.last_row = block.last_row.max(cell_bottom);
                            block.seen = true;
                        }
                    }
                    how => {
                        self.close_blocks(&mut open, |b| {
                            b.first_col <= last_col && p.col <= b.last_col
                        });
                        let block = Block {
                            first_row: row_at,
                            first_col: p.col,
                            last_col,
                            last_row: cell_bottom,
                            seen: true,
                        };
                        if how == Continuation::None {
                            self.merges.extend(block.merge());
                        } else {
                            open.push(block);
                        }
                    }
                }
                self.text(row_at, p.col, p.cell.text())?;
                for &(col, cell) in &p.followers {
                    self.text(row_at, col, cell.text())?;
                }
                right = right.max(last_col + 1);
            }
            // A chain not continued in this row has ended.
            self.close_blocks(&mut open, |b| !b.seen);
            for block in &mut open {
                block.seen = false;
            }
            row_at = bottom.saturating_add(1);
        }
        self.close_blocks(&mut open, |_| true);
        Ok((row_at - top, right))
    }

    fn close_blocks(&mut self, open: &mut Vec<Block>, which: impl Fn(&Block) -> bool) {
        let mut i = 0;
        while i < open.len() {
            if which(&open[i]) {
                let block = open.remove(i);
                self.merges.extend(block.merge());
            } else {
                i += 1;
            }
        }
    }
}

/// The columns of a row's cells: from `w:gridBefore`, each cell as wide as its `w:gridSpan`,
/// a legacy `w:hMerge` continuation widening the cell before it; nothing past the last column.
fn layout_row(row: &Row, left: u32) -> Result<Vec<Placed<'_>>, OverLimit> {
    let mut placed: Vec<Placed<'_>> = Vec::new();
    let mut col = left.saturating_add(row.grid_before);
    for cell in &row.cells {
        if col >= MAX_COLUMNS {
            // A cell with content past the last column cannot be placed: more than a sheet holds.
            if !cell.lines.is_empty() || !cell.nested.is_empty() {
                return Err(OverLimit);
            }
            continue;
        }
        let span = cell.span.clamp(1, MAX_COLUMNS - col);
        match placed.last_mut() {
            Some(previous) if cell.hmerge == Continuation::Continue => {
                previous.span += span;
                previous.followers.push((col, cell));
            }
            _ => placed.push(Placed {
                col,
                span,
                cell,
                followers: Vec::new(),
            }),
        }
        col += span;
    }
    Ok(placed)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn document(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{body}<w:sectPr/></w:body></w:document>"#
        )
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(*name, options).expect("entry");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("finish").into_inner()
    }

    fn docx(body: &str) -> Vec<u8> {
        let rels = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
        zip(&[
            ("_rels/.rels", rels.as_bytes()),
            ("word/document.xml", document(body).as_bytes()),
        ])
    }

    fn p(text: &str) -> String {
        format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
    }

    fn tc(props: &str, content: &str) -> String {
        format!("<w:tc><w:tcPr>{props}</w:tcPr>{content}</w:tc>")
    }

    fn read(body: &str) -> Grid {
        read_docx(&docx(body), "表", &Limits::default())
            .expect("readable")
            .expect("within the cap")
    }

    fn texts(grid: &Grid) -> Vec<Vec<String>> {
        (0..grid.row_count())
            .map(|r| {
                let cells = grid.rows[r as usize].len() as u32;
                (0..cells).map(|c| grid.text(r, c)).collect()
            })
            .collect()
    }

    fn merge(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> Merge {
        Merge {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }

    #[test]
    fn titles_stand_above_their_tables_and_tables_are_kept_apart() {
        let table = |a: &str, b: &str| {
            format!(
                "<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid><w:tr>{}{}</w:tr></w:tbl>",
                tc("", &p(a)),
                tc("", &p(b))
            )
        };
        let body = format!(
            "{}{}{}{}<w:p/>{}",
            p("2024年项目支出绩效目标申报表"),
            p("(2024年度)"),
            table("预算金额(万元)", "120"),
            p("填报单位(盖章):某某局"),
            table("a", "b") + &table("c", "d"),
        );
        let grid = read(&body);
        assert_eq!(grid.sheet, "表");
        assert_eq!(
            texts(&grid),
            vec![
                vec!["2024年项目支出绩效目标申报表".to_string()],
                vec!["(2024年度)".into()],
                vec!["预算金额(万元)".into(), "120".into()],
                vec!["填报单位(盖章):某某局".into()],
                vec!["a".into(), "b".into()],
                vec![],
                vec!["c".into(), "d".into()],
            ]
        );
        // Numbers stay text.
        assert_eq!(grid.get(2, 1), &crate::grid::CellValue::Text("120".into()));
    }

    #[test]
    fn spans_continuations_and_cells_before_the_grid_are_merged_blocks() {
        let body = format!(
            "<w:tbl>\
             <w:tr>{}{}{}</w:tr>\
             <w:tr>{}{}{}</w:tr>\
             <w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>{}{}{}</w:tr>\
             <w:tr>{}{}</w:tr>\
             </w:tbl>",
            tc(r#"<w:vMerge w:val="restart"/>"#, &p("产出指标")),
            tc(r#"<w:gridSpan w:val="2"/>"#, &p("数量指标")),
            tc("", &p("10")),
            tc("<w:vMerge/>", "<w:p/>"),
            tc("", &p("x")),
            tc(r#"<w:gridSpan w:val="2"/>"#, &p("y")),
            tc("", &p("after")),
            tc(r#"<w:hMerge w:val="restart"/>"#, &p("h1")),
            tc("<w:hMerge/>", &p("h2")),
            tc("", &p("z")),
            tc("", &p("w")),
        );
        let grid = read(&body);
        assert_eq!(grid.text(0, 0), "产出指标");
        assert_eq!(grid.text(0, 1), "数量指标");
        assert_eq!(grid.text(0, 3), "10");
        assert_eq!(grid.text(1, 1), "x");
        assert_eq!(grid.text(1, 2), "y");
        assert_eq!(grid.text(2, 0), "");
        assert_eq!(grid.text(2, 1), "after");
        // The hMerge continuation keeps its text in its own cell, inside the block.
        assert_eq!(grid.text(2, 2), "h1");
        assert_eq!(grid.text(2, 3), "h2");
        let merges = grid.merges.expect("merges");
        for want in [
            merge(0, 0, 1, 0),
            merge(0, 1, 0, 2),
            merge(1, 2, 1, 3),
            merge(2, 2, 2, 3),
        ] {
            assert!(merges.contains(&want), "{want:?} not in {merges:?}");
        }
        assert_eq!(merges.len(), 4, "{merges:?}");
    }

    #[test]
    fn a_continuing_cell_keeps_its_text_and_a_chain_ends_where_it_is_not_continued() {
        let body = format!(
            "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
            tc(r#"<w:vMerge w:val="restart"/>"#, &p("一级")),
            tc("", &p("a")),
            tc(r#"<w:vMerge w:val="continue"/>"#, &p("残留")),
            tc("", &p("b")),
            tc("", &p("新")),
            tc("", &p("c")),
            // A continuation with nothing above it starts a block of its own.
            tc("", &p("d")),
            tc("<w:vMerge/>", &p("e")),
        );
        let grid = read(&body);
        assert_eq!(grid.text(1, 0), "残留");
        assert_eq!(grid.text(2, 0), "新");
        assert_eq!(grid.text(3, 1), "e");
        let merges = grid.merges.expect("merges");
        assert_eq!(merges, vec![merge(0, 0, 1, 0)]);
    }

    #[test]
    fn a_cell_keeps_its_lines_and_runs_read_as_the_page_shows_them() {
        let cell = "<w:p><w:r><w:t>资金总额: </w:t></w:r><w:r><w:t>120</w:t></w:r></w:p>\
             <w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>\
             <w:r><w:t>一、财政拨款:100</w:t><w:br/><w:t>二、自有资金:20</w:t></w:r></w:p>\
             <w:p/>\
             <w:p><w:ins w:id=\"1\"><w:r><w:t>新增</w:t></w:r></w:ins>\
             <w:del w:id=\"2\"><w:r><w:delText>删去</w:delText></w:r></w:del>\
             <w:r><w:tab/><w:t>A&amp;B&#x4E2D;</w:t></w:r></w:p>";
        let body = format!("<w:tbl><w:tr>{}</w:tr></w:tbl>", tc("", cell));
        let grid = read(&body);
        assert_eq!(
            grid.text(0, 0),
            "资金总额: 120\n一、财政拨款:100\n二、自有资金:20\n新增\tA&B中"
        );
    }

    #[test]
    fn content_controls_fields_and_alternate_content_are_read_through() {
        let body = "<w:sdt><w:sdtPr><w:alias w:val=\"名称\"/></w:sdtPr><w:sdtContent>\
             <w:p><w:r><w:t>项目名称</w:t></w:r></w:p></w:sdtContent></w:sdt>\
             <w:p><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>单击此处输入文字</w:t></w:r></w:sdtContent></w:sdt></w:p>\
             <w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>\
             <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>3</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>\
             <w:p><w:r><w:t>新增</w:t></w:r><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:checkBox><w:default w:val=\"1\"/></w:checkBox></w:ffData></w:fldChar></w:r>\
             <w:r><w:t>延续</w:t></w:r><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:checkBox><w:default w:val=\"0\"/></w:checkBox></w:ffData></w:fldChar></w:r>\
             <w:r><w:sym w:font=\"Wingdings 2\" w:char=\"F052\"/></w:r></w:p>\
             <w:p><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>\
             <mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r><w:r><w:t>正文</w:t></w:r></w:p>";
        let grid = read(body);
        assert_eq!(
            texts(&grid),
            vec![
                vec!["项目名称".to_string()],
                vec!["3".into()],
                vec!["新增☑延续☐☑".into()],
                vec!["文本框\n正文".into()],
            ]
        );
    }

    #[test]
    fn a_nested_table_goes_below_its_row_with_the_label_beside_it() {
        let inner = format!(
            "<w:tbl><w:tr>{}{}{}</w:tr><w:tr>{}{}{}</w:tr></w:tbl>",
            tc("", &p("一级指标")),
            tc("", &p("三级指标")),
            tc("", &p("指标值")),
            tc("", &p("产出指标")),
            tc("", &p("完成数量")),
            tc("", &p("≥10个")),
        );
        let body = format!(
            "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
            tc("", &p("项目名称")),
            tc("", &p("道路维修")),
            tc("", &p("绩效指标")),
            tc("", &format!("{}{inner}", p("年度指标"))),
            tc("", &p("备注")),
            tc("", &p("无")),
        );
        let grid = read(&body);
        assert_eq!(
            texts(&grid),
            vec![
                vec!["项目名称".to_string(), "道路维修".into()],
                vec!["绩效指标".into(), "年度指标".into()],
                vec![
                    "".into(),
                    "一级指标".into(),
                    "三级指标".into(),
                    "指标值".into()
                ],
                vec![
                    "".into(),
                    "产出指标".into(),
                    "完成数量".into(),
                    "≥10个".into()
                ],
                vec!["备注".into(), "无".into()],
            ]
        );
        let merges = grid.merges.expect("merges");
        assert_eq!(merges, vec![merge(1, 0, 3, 0)]);
    }

    #[test]
    fn tables_nested_too_deep_or_in_text_boxes_are_their_cell_s_text() {
        let mut body = p("最里层");
        for level in 0..(MAX_TABLE_DEPTH + 2) {
            body = format!(
                "<w:tbl><w:tr>{}</w:tr></w:tbl>",
                tc("", &format!("{}{body}", p(&format!("层{level}"))))
            );
        }
        let grid = read(&body);
        let all: Vec<String> = texts(&grid).into_iter().flatten().collect();
        // Every level's text is somewhere, the deepest ones in one cell's lines.
        for level in 0..(MAX_TABLE_DEPTH + 2) {
            assert!(
                all.iter().any(|t| t.contains(&format!("层{level}"))),
                "{all:?}"
            );
        }
        assert!(
            all.iter().any(|t| t.contains("层2\n层1\n层0\n最里层")),
            "{all:?}"
        );
        assert_eq!(grid.row_count() as usize, MAX_TABLE_DEPTH);
        // A table in a text box is lines of the paragraph holding the box.
        let boxed = format!(
            "<w:p><w:r><w:t>标题</w:t><w:drawing><w:txbxContent><w:tbl><w:tr>{}{}</w:tr></w:tbl></w:txbxContent></w:drawing></w:r></w:p>",
            tc("", &p("单位")),
            tc("", &p("万元")),
        );
        assert_eq!(read(&boxed).text(0, 0), "标题\n单位\n万元");
    }

    #[test]
    fn hostile_spans_and_positions_are_clamped_or_refused() {
        let body = format!(
            "<w:tbl><w:tr><w:trPr><w:gridBefore w:val=\"4294967295\"/></w:trPr>{}</w:tr>\
             <w:tr>{}{}</w:tr></w:tbl>",
            tc("", &p("far")),
            tc(r#"<w:gridSpan w:val="99999999999"/>"#, &p("wide")),
            tc("", "<w:p/>"),
        );
        // A cell past the last column with text cannot be placed: the document is over the limit.
        assert!(
            read_docx(&docx(&body), "s", &Limits::default())
                .expect("readable")
                .is_err()
        );
        let body = format!(
            "<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
            tc(r#"<w:gridSpan w:val="99999999999"/>"#, &p("wide")),
            tc("", "<w:p/>"),
        );
        let grid = read(&body);
        assert_eq!(
            grid.merges.expect("merges"),
            vec![merge(0, 0, 0, MAX_COLUMNS - 1)]
        );
        assert_eq!(grid.rows[0].len(), 1);
    }

    #[test]
    fn the_cell_cap_counts_the_whole_document() {
        let table = format!(
            "<w:tbl><w:tr>{}</w:tr></w:tbl>",
            tc("", "<w:p/>").repeat(50)
        );
        let body = format!("{}{table}{table}", p("标题"));
        let limits = |max_cells| Limits {
            max_cells,
            ..Limits::default()
        };
        // 102 cells and rows parsed, over the two tables.
        assert!(
            read_docx(&docx(&body), "s", &limits(101))
                .expect("r")
                .is_err()
        );
        assert!(
            read_docx(&docx(&body), "s", &limits(102))
                .expect("r")
                .is_ok()
        );
        let wide = format!(
            "<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
            tc(r#"<w:gridSpan w:val="500"/>"#, "<w:p/>"),
            tc("", &p("x"))
        );
        assert!(
            read_docx(&docx(&wide), "s", &limits(400))
                .expect("r")
                .is_err()
        );
    }

    #[test]
    fn entities_are_not_expanded_and_broken_documents_fail() {
        let bomb = format!(
            r#"<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><w:document {NS}><w:body><w:p><w:r><w:t>x&d;&d;&d;y</w:t></w:r></w:p></w:body></w:document>"#
        );
        let bytes = zip(&[("word/document.xml", bomb.as_bytes())]);
        let grid = read_docx(&bytes, "s", &Limits::default())
            .expect("readable")
            .expect("small");
        assert_eq!(grid.text(0, 0), "xy");

        let whole = document(&p("标题"));
        let cut = &whole[..whole.rfind("</w:body>").expect("body end")];
        let err = read_docx(
            &zip(&[("word/document.xml", cut.as_bytes())]),
            "s",
            &Limits::default(),
        )
        .expect_err("truncated");
        assert!(err.to_string().contains("truncated"), "{err}");
        let bad = document("<w:p><w:r><w:t>a</w:r></w:p>");
        let err = read_docx(
            &zip(&[("word/document.xml", bad.as_bytes())]),
            "s",
            &Limits::default(),
        )
        .expect_err("malformed");
        assert!(err.to_string().contains("malformed"), "{err}");
        let deep = document(&format!(
            "{}{}",
            "<w:sdt>".repeat(2_000),
            "</w:sdt>".repeat(2_000)
        ));
        let err = read_docx(
            &zip(&[("word/document.xml", deep.as_bytes())]),
            "s",
            &Limits::default(),
        )
        .expect_err("too deep");
        assert!(err.to_string().contains("nested"), "{err}");
        let err = read_docx(
            &zip(&[("word/other.xml", b"<a/>")]),
            "s",
            &Limits::default(),
        )
        .expect_err("no document");
        assert!(err.to_string().contains("missing"), "{err}");
        let err = read_docx(b"PK\x03\x04 not a zip", "s", &Limits::default()).expect_err("zip");
        assert!(matches!(err, ReadError::Document { .. }), "{err}");
    }

    #[test]
    fn a_document_part_over_the_size_cap_is_refused() {
        let body = p(&"预算".repeat(2_000));
        let limits = Limits {
            max_bytes: 4_000,
            ..Limits::default()
        };
        let err = read_docx(&docx(&body), "s", &limits).expect_err("too large");
        assert!(matches!(err, ReadError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn symbols_are_check_boxes_or_nothing() {
        assert_eq!(symbol("Wingdings", 0xF0FE), Some('☑'));
        assert_eq!(symbol("Wingdings", 0xF0A8), Some('☐'));
        assert_eq!(symbol("Wingdings 2", 0xF054), Some('☒'));
        assert_eq!(symbol("Wingdings", 0xF04A), None);
        assert_eq!(symbol("宋体", 0x25A1), Some('□'));
        assert_eq!(symbol("宋体", 0xF0A8), None);
    }
}
