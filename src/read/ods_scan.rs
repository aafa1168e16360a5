//! A look at an ods workbook's content.xml before calamine parses it. calamine expands
//! `table:number-columns-repeated` and `table:number-rows-repeated` into real cells for every
//! table when the file is opened (a 1 KB file can ask for a hundred million cells, each cloned
//! with its text), so this streaming pass measures what it would build, the way it builds it:
//! each row up to its last non-empty cell, then the box from the first to the last non-empty
//! row and column with the rows' repeats expanded, cell texts cloned for every repeat.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ReadError;

/// calamine's caps on a table's rows and on a row's columns (ods.rs MAX_ROWS, MAX_COLUMNS).
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// What calamine would build for one table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TableExtent {
    pub name: String,
    /// Cells of the dense box (rows' repeats expanded).
    pub cells: u64,
    /// Cells stored while the rows are read (columns' repeats expanded, rows' not).
    pub stored: u64,
    /// Bytes of cell text and formulas, cloned for every repeat.
    pub text_bytes: u64,
}

/// Refuses the workbook when one of its tables would be materialized beyond the limits.
pub fn check(bytes: &[u8], limits: &super::Limits) -> Result<(), ReadError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a zip: calamine says what is wrong with it.
        return Ok(());
    };
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(());
    };
    let (extents, problem) = scan(BufReader::new(content.take(limits.max_bytes)));
    // calamine's table reader loops for ever on a content.xml that ends inside a table, and
    // its note reader on one that ends inside a note: such a file is refused before it sees it.
    if let Some(problem) = problem {
        return Err(ReadError::Workbook {
            format: "ods",
            message: format!("content.xml is damaged: {problem}"),
        });
    }
    let total: u64 = extents.iter().map(|t| t.cells.max(t.stored)).sum();
    if total > limits.max_cells as u64 && extents.len() > 1 {
        return Err(ReadError::TooManyCells {
            sheet: "(全部工作表 all sheets)".into(),
            cells: total,
            limit: limits.max_cells,
        });
    }
    for table in extents {
        let cells = table.cells.max(table.stored);
        if cells > limits.max_cells as u64 {
            return Err(ReadError::TooManyCells {
                sheet: table.name,
                cells,
                limit: limits.max_cells,
            });
        }
        if table.text_bytes > limits.max_bytes {
            return Err(ReadError::TooLarge {
                what: format!(
                    "the text of sheet {} once its repeats are expanded",
                    table.name
                ),
                size: table.text_bytes,
                limit: limits.max_bytes,
            });
        }
    }
    Ok(())
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// A repeat count; calamine refuses what does not parse, so 1 is as good as any.
fn count(e: &BytesStart<'_>, name: &str) -> u64 {
    attr(e, name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}

/// The cell being read: whether calamine keeps it, and its text's length.
struct Cell {
    repeats: u64,
    non_empty: bool,
    text: u64,
}

fn start_cell(e: &BytesStart<'_>) -> Cell {
    let mut cell = Cell {
        repeats: count(e, "table:number-columns-repeated"),
        non_empty: false,
        text: 0,
    };
    for a in e.attributes().with_checks(false).flatten() {
        match a.key.as_ref() {
            "office:value"
            | "office:string-value"
            | "office:date-value"
            | "office:time-value"
            | "office:boolean-value" => {
                cell.non_empty = true;
                cell.text += a.value.len() as u64;
            }
            // A string cell's text is its content, and even an empty one is kept.
            "office:value-type" if a.value == "string" => cell.non_empty = true,
            "calcext:value-type" if a.value == "error" => cell.non_empty = true,
            "table:formula" if !a.value.is_empty() => {
                cell.non_empty = true;
                cell.text += a.value.len() as u64;
            }
            _ => {}
        }
    }
    cell
}

/// The row being read, as calamine stores it.
#[derive(Default)]
struct Row {
    repeats: u64,
    /// Cells stored: up to the end of the last non-empty cell.
    len: u64,
    /// Empty cells not stored yet (stored when a non-empty cell follows).
    pending_empty: u64,
    first_non_empty: Option<u64>,
    text_bytes: u64,
}

impl Row {
    fn add(&mut self, cell: &Cell) {
        if cell.non_empty {
            self.len += self.pending_empty.min(MAX_COLUMNS - self.len);
            self.pending_empty = 0;
            let repeats = cell.repeats.min(MAX_COLUMNS - self.len);
            self.first_non_empty.get_or_insert(self.len);
            self.len += repeats;
            self.text_bytes = self
                .text_bytes
                .saturating_add(repeats.saturating_mul(cell.text));
        } else {
            self.pending_empty = cell.repeats;
        }
    }
}

/// The table being read.
#[derive(Default)]
struct Table {
    name: String,
    total_rows: u64,
    /// Rows' repeats since the first non-empty row, and up to the last one.
    rows_so_far: u64,
    rows_to_last: u64,
    first_col: u64,
    last_col_end: u64,
    stored: u64,
    text_bytes: u64,
    seen_non_empty: bool,
}

impl Table {
    fn end_row(&mut self, row: Row) {
        let repeats = row.repeats.min(MAX_ROWS - self.total_rows.min(MAX_ROWS));
        self.total_rows += repeats;
        self.stored += row.len;
        if self.seen_non_empty {
            self.rows_so_far = self.rows_so_far.saturating_add(repeats);
        }
        if let Some(first) = row.first_non_empty {
            if !self.seen_non_empty {
                self.seen_non_empty = true;
                self.first_col = first;
                self.rows_so_far = repeats;
            }
            self.first_col = self.first_col.min(first);
            self.last_col_end = self.last_col_end.max(row.len);
            self.rows_to_last = self.rows_so_far;
            self.text_bytes = self
                .text_bytes
                .saturating_add(row.text_bytes.saturating_mul(repeats.max(1)));
        }
    }

    fn extent(self) -> TableExtent {
        let width = self.last_col_end.saturating_sub(self.first_col);
        TableExtent {
            name: self.name,
            cells: self.rows_to_last.saturating_mul(width),
            stored: self.stored,
            text_bytes: self.text_bytes,
        }
    }
}

/// Measures every named table of a content.xml. Malformed XML ends the walk with what was
/// measured so far.
#[cfg(test)]
pub fn table_extents(content: impl std::io::BufRead) -> Vec<TableExtent> {
    scan(content).0
}

/// Measures every named table, and says what makes the XML unsafe to hand to calamine: an
/// element left open at the end, an end tag that closes another element, or XML that does not
/// parse.
fn scan(content: impl std::io::BufRead) -> (Vec<TableExtent>, Option<String>) {
    let mut reader = Reader::from_reader(content);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut tables = Vec::new();
    let mut table: Option<Table> = None;
    let mut row: Option<Row> = None;
    let mut cell: Option<Cell> = None;
    let mut open: Vec<String> = Vec::new();
    let problem = loop {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => {
                break open.last().map(|name| {
                    format!(
                        "it ends inside <{}> ({} elements left open)",
                        name,
                        open.len()
                    )
                });
            }
            Err(e) => break Some(format!("{e}")),
            Ok(event) => event,
        };
        match &event {
            Event::Start(e) => open.push(e.name().as_ref().to_string()),
            // (The guard pops the element every end tag closes.)
            Event::End(e) if open.pop().as_deref() != Some(e.name().as_ref()) => {
                break Some(format!("</{}> closes another element", e.name().as_ref()));
            }
            _ => {}
        }
        match event {
            Event::Start(e) => match e.name().as_ref() {
                "table:table" if table.is_none() => {
                    if let Some(name) = attr(&e, "table:name") {
                        table = Some(Table {
                            name,
                            ..Table::default()
                        });
                    }
                }
                "table:table-row" if table.is_some() && cell.is_none() => {
                    row = Some(Row {
                        repeats: count(&e, "table:number-rows-repeated"),
                        ..Row::default()
                    });
                }
                "table:table-cell" | "table:covered-table-cell"
                    if row.is_some() && cell.is_none() =>
                {
                    cell = Some(start_cell(&e));
                }
                // Runs of spaces, written as a count: calamine writes them all out.
                "text:s" => {
                    if let Some(cell) = &mut cell {
                        cell.text = cell.text.saturating_add(count(&e, "text:c"));
                    }
                }
                _ => {
                    if let Some(cell) = &mut cell {
                        cell.text += 1;
                    }
                }
            },
            Event::Text(t) => {
                if let Some(cell) = &mut cell {
                    cell.text += t.len() as u64;
                }
            }
            Event::GeneralRef(r) => {
                if let Some(cell) = &mut cell {
                    cell.text += r.len() as u64;
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let (Some(c), Some(r)) = (cell.take(), &mut row) {
                        r.add(&c);
                    }
                }
                "table:table-row" if cell.is_none() => {
                    if let (Some(r), Some(t)) = (row.take(), &mut table) {
                        t.end_row(r);
                    }
                }
                "table:table" if cell.is_none() => {
                    if let Some(t) = table.take() {
                        tables.push(t.extent());
                    }
                }
                _ => {}
            },
            _ => {}
        }
    };
    (tables, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extent(body: &str) -> TableExtent {
        let xml = format!(
            r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="T">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let mut all = table_extents(xml.as_bytes());
        assert_eq!(all.len(), 1);
        all.remove(0)
    }

    #[test]
    fn repeats_are_expanded_as_calamine_expands_them() {
        // Styled empty cells and trailing empty rows cost nothing.
        let plain = extent(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
        );
        assert_eq!((plain.cells, plain.stored), (1, 1));
        // A value repeated across columns, in a row repeated down the sheet.
        let wide = extent(
            r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="5"/><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="100000"/></table:table-row>"#,
        );
        assert_eq!(wide.stored, MAX_COLUMNS);
        assert_eq!(wide.cells, 1000 * (MAX_COLUMNS - 5));
        assert_eq!(wide.text_bytes, 1000 * (MAX_COLUMNS - 5));
        // Empty rows between non-empty ones are expanded too; a row of spaces counts its spaces.
        let tall = extent(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="1000000"/></text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="500000"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="9"/><table:table-cell office:value="2"/></table:table-row>"#,
        );
        assert_eq!(tall.cells, 500_002 * 10);
        assert!(tall.text_bytes >= 1_000_000);
    }

    #[test]
    fn a_content_xml_that_ends_inside_a_table_is_refused() {
        let whole = r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="T"><table:table-row><table:table-cell office:value="1"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
        assert_eq!(scan(whole.as_bytes()).1, None);
        let cut = whole.replace("</table:table>", "");
        let problem = scan(cut.as_bytes()).1.expect("refused");
        assert!(problem.contains("closes another element"), "{problem}");
        let cut = &whole[..whole.find("</table:table>").expect("end")];
        let problem = scan(cut.as_bytes()).1.expect("refused");
        assert!(problem.contains("ends inside <table:table>"), "{problem}");
    }

    #[test]
    fn broken_xml_ends_the_walk() {
        let _ = table_extents(&b"<table:table table:name=\"x\"><table:table-row><table:table-cell office:value=\"1\" table:number-columns-repeated=\"99999999999999999999999\""[..]);
        let _ = table_extents(&b"\xff\xfe<<<>>"[..]);
    }
}
