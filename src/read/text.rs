//! Delimited text: tab- or comma-separated exports, whatever their extension says.
//!
//! The bytes are decoded from UTF-16 (where a BOM says so), UTF-8 (with or without BOM) or,
//! failing that, GB18030, the encoding Chinese government systems export in. Each record keeps
//! its line number as its row, blank lines included, which is what Excel shows on opening the
//! file: cell names in the report then match what the user sees. A file has one sheet, named
//! after the file as Excel names it.

use std::path::Path;

use super::cells::text_cell;
use super::guard::{Budget, OverLimit};
use crate::grid::{CellValue, Grid};

/// Excel names the one sheet of a text file after the file; so do we, so cell names match.
pub(super) fn sheet_name_for_text(path: &Path) -> String {
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
pub(super) fn read_delimited_within(
    bytes: &[u8],
    sheet: &str,
    max_cells: usize,
) -> Result<Grid, OverLimit> {
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
