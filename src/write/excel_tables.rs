//! 汇总, 指标 and 问题 as Excel Tables (banded, with their header row and filter buttons), so
//! that a PivotTable or slicer built on one grows with next year's data. Formulas and links
//! stay plain cell references (`'汇总'!$D$2:$D$12`, `HYPERLINK("#'指标'!D5")`), not structured
//! references: they are built from the column tables in `sheets.rs` like every other formula
//! and keep working whether or not a reader knows Tables.
//!
//! rust_xlsxwriter records every cell a table covers in a map while the sheet is written: a
//! table over 1.1 million rows of 指标 would hold tens of millions of entries. So each table is
//! declared over its header and one row while the sheet is written, and its range is widened to
//! the sheet's real rows once the workbook is saved: the table parts of the file (a few hundred
//! bytes each) are rewritten, every other part is copied as it was compressed.

use std::io::{Read, Seek, Write};

use rust_xlsxwriter::{Format, Table, TableColumn, Worksheet, XlsxError};

use crate::sheets::{SHEET_FINDINGS, SHEET_INDICATORS, SHEET_PROJECTS};
use crate::text::column_name;

use super::place::Layout;

/// The table's name on a sheet: ASCII (names are identifiers in formulas), one per part.
pub fn table_name(sheet: &str, part: usize) -> String {
    let base = match sheet {
        SHEET_PROJECTS => "Projects",
        SHEET_INDICATORS => "Indicators",
        SHEET_FINDINGS => "Findings",
        _ => "Table",
    };
    if part == 0 {
        base.to_string()
    } else {
        format!("{base}{}", part + 1)
    }
}

/// The range a table is declared over while its sheet is written: the header and one row.
fn stub_ref(last_col: u16) -> String {
    format!("A1:{}2", column_name(u32::from(last_col)))
}

/// Declares the table over the header (already written) and the first data row.
pub fn declare(
    sheet: &mut Worksheet,
    name: &str,
    headers: &[String],
    header_format: &Format,
) -> Result<(), XlsxError> {
    let last_col = headers.len().saturating_sub(1) as u16;
    let columns: Vec<TableColumn> = headers
        .iter()
        .map(|h| {
            TableColumn::new()
                .set_header(h)
                .set_header_format(header_format)
        })
        .collect();
    let table = Table::new().set_name(name).set_columns(&columns);
    sheet.add_table(0, 0, 1, last_col, &table)?;
    Ok(())
}

/// A table's name, the range it was declared over, and the range it spans.
pub type TableRange = (String, String, String);

/// Every table's name, its declared range and its real one, from the layout: a sheet of `n`
/// data rows spans rows 1 to n + 1 (at least the header and one row).
pub fn ranges(layout: &Layout, columns: [(&str, usize, u16); 3]) -> Vec<TableRange> {
    let per = layout.rows_per_sheet as usize;
    let mut all = Vec::new();
    for (sheet, rows, last_col) in columns {
        for part in 0..layout.parts(rows) {
            let in_part = rows.saturating_sub(part * per).min(per).max(1);
            all.push((
                table_name(sheet, part),
                stub_ref(last_col),
                format!("A1:{}{}", column_name(u32::from(last_col)), in_part + 1),
            ));
        }
    }
    all
}

/// Copies the saved workbook `from` into `to`, each table's range widened from its declared
/// one to its real one.
pub fn widen<R: Read + Seek, W: Write + Seek>(
    from: R,
    to: W,
    ranges: &[TableRange],
) -> zip::result::ZipResult<()> {
    let mut archive = zip::ZipArchive::new(from)?;
    let mut out = zip::ZipWriter::new(to);
    for i in 0..archive.len() {
        let is_table = archive
            .name_for_index(i)
            .is_some_and(|n| n.is_ok_and(|n| n.starts_with("xl/tables/")));
        if !is_table {
            out.raw_copy_file(archive.by_index_raw(i)?)?;
            continue;
        }
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.to_string();
        let mut xml = String::new();
        entry.read_to_string(&mut xml)?;
        drop(entry);
        if let Some((_, stub, real)) = ranges
            .iter()
            .find(|(table, _, _)| xml.contains(&format!(" name=\"{table}\"")))
        {
            xml = xml.replace(&format!("ref=\"{stub}\""), &format!("ref=\"{real}\""));
        }
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        out.start_file(name, options)?;
        out.write_all(xml.as_bytes())?;
    }
    out.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_ascii_and_one_per_part() {
        assert_eq!(table_name(SHEET_PROJECTS, 0), "Projects");
        assert_eq!(table_name(SHEET_INDICATORS, 2), "Indicators3");
        assert_eq!(stub_ref(2), "A1:C2");
    }
}
