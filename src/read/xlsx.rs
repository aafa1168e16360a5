//! xlsx (and xlsm) workbooks, through calamine's xlsx reader.
//!
//! Sheets are streamed cell by cell (`worksheet_cells_reader`) rather than read as calamine
//! ranges, which are dense: one stray cell at XFD1048576 would ask for rows × columns of memory,
//! while here each cell is charged against the cap as it arrives. Their merged cells are read
//! from the end of the sheet's XML (`xlsx_merges.rs`) rather than by calamine's second parse
//! of the whole sheet, which falls back to calamine whenever that fast path is unsure.
//!
//! Workbooks written by programs that do not calculate (openpyxl and the like) hold formulas
//! without a stored result; those cells are kept as formulas, so that they are reported by cell
//! rather than read as empty.

use std::io::Cursor;

use calamine::{Reader, SheetVisible, Xlsx};

use super::cells::{convert_ref, merge_from};
use super::guard::{Budget, Limits, sheet_allowance, too_many_cells, workbook_too_many_cells};
use super::{FileContent, ReadError, hidden, xlsx_merges};
use crate::grid::{CellValue, Grid};

/// Reads every visible sheet of an xlsx (or xlsm) workbook.
pub(super) fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<FileContent, ReadError> {
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_error)?;
    let mut content = FileContent::default();
    let sheets = workbook.sheets_metadata().to_vec();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    let mut parts = xlsx_merges::SheetParts::find(bytes, &names);
    // The cap holds for the workbook as well as for each sheet: a workbook.xml may list one
    // large part forty times.
    let mut workbook_used = 0u64;
    for sheet in &sheets {
        if sheet.visible != SheetVisible::Visible {
            content.skipped_sheets.push(hidden(&sheet.name));
            continue;
        }
        let allowance = sheet_allowance(limits, workbook_used);
        if allowance == 0 {
            content
                .skipped_sheets
                .push(workbook_too_many_cells(&sheet.name, limits));
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
        let mut budget = Budget::new(allowance as usize);
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
        workbook_used += budget.used();
        if too_large {
            content
                .skipped_sheets
                .push(if allowance < limits.max_cells as u64 {
                    workbook_too_many_cells(&sheet.name, limits)
                } else {
                    too_many_cells(&sheet.name, limits)
                });
            continue;
        }
        grid.merges = Some(merges);
        content.grids.push(grid);
    }
    Ok(content)
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
