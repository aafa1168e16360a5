//! xls and ods workbooks, read through calamine's ranges.
//!
//! calamine's xls and ods readers parse every sheet whole when the workbook is opened, and
//! their `worksheet_range_ref` is unimplemented, so these formats are read as dense
//! `Range`s. What that costs is measured before opening (`xls_scan.rs`, `ods_scan.rs`), and the
//! cells are then charged against the cap as they are copied into the grid. A range starts at
//! its first non-empty cell, so its positions are made absolute here, once. Merged cells come
//! from calamine for xls; ods has none there, and the layout rules stand in for them.

use std::io::Cursor;

use calamine::{Data, Reader, SheetVisible, Xls};

use super::cells::{convert, mark_formula, merge_from};
use super::guard::{Budget, Limits, too_many_cells};
use super::{FileContent, ReadError, hidden};
use crate::grid::{Grid, Merge};

/// Formats whose sheets calamine reads as whole ranges (xls, ods).
pub(super) trait RangeWorkbook: Sized {
    fn open(bytes: Vec<u8>) -> Result<Self, ReadError>;
    fn sheets(&self) -> Vec<calamine::Sheet>;
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, String>;
    fn merges(&self, _name: &str) -> Option<Vec<Merge>> {
        None
    }
    /// The sheet's formulas, where the reader can give them; unreadable ones are no formulas.
    fn formulas(&mut self, name: &str) -> Option<calamine::Range<String>>;
}

pub(super) fn workbook_error(format: &'static str, message: String) -> ReadError {
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

/// Reads every visible sheet of a workbook whose reader gives whole ranges.
pub(super) fn read_with_ranges<W: RangeWorkbook>(
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
        // A formula cell whose result the reader cannot give (none stored) is marked, and an
        // ods error result ("#REF!", "Err:502" as text) becomes an error.
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
