//! xls and ods workbooks, read through calamine's ranges.
//!
//! calamine's xls and ods readers parse every sheet whole when the workbook is opened, and
//! their `worksheet_range_ref` is unimplemented, so these formats are read as dense
//! `Range`s. What that costs is measured before opening (`xls_scan.rs`, `ods_scan.rs`), and the
//! cells are then charged against the cap as they are copied into the grid. A range starts at
//! its first non-empty cell, so its positions are made absolute here, once. Merged cells come
//! from calamine for xls; ods has none there, and the layout rules stand in for them.

use std::io::Cursor;

use calamine::{Data, OdsError, Reader, SheetVisible, Xls, XlsError};

use super::cells::{convert, mark_formula, merge_from};
use super::guard::{Budget, Limits, too_many_cells};
use super::{FileContent, ReadError, hidden, zip_password};
use crate::grid::{Grid, Merge};

/// Formats whose sheets calamine reads as whole ranges (xls, ods).
pub(super) trait RangeWorkbook: Sized {
    fn open(bytes: Vec<u8>) -> Result<Self, ReadError>;
    fn sheets(&self) -> Vec<calamine::Sheet>;
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, ReadError>;
    fn merges(&self, _name: &str) -> Option<Vec<Merge>> {
        None
    }
    /// The sheet's formulas, where the reader can give them; unreadable ones are no formulas.
    fn formulas(&mut self, name: &str) -> Option<calamine::Range<String>>;
}

/// An xls workbook is encrypted when its globals hold a FILEPASS record.
fn xls_error(e: XlsError) -> ReadError {
    match e {
        XlsError::Password => ReadError::Encrypted,
        other => ReadError::Workbook {
            format: "xls",
            message: other.to_string(),
        },
    }
}

/// An ods workbook is encrypted when its manifest says so (ODF encryption), or when the
/// archive's entries themselves need a password.
fn ods_error(e: OdsError) -> ReadError {
    match e {
        OdsError::Password => ReadError::Encrypted,
        OdsError::Zip(ref z) if zip_password(z) => ReadError::Encrypted,
        other => ReadError::Workbook {
            format: "ods",
            message: other.to_string(),
        },
    }
}

impl RangeWorkbook for Xls<Cursor<Vec<u8>>> {
    fn open(bytes: Vec<u8>) -> Result<Self, ReadError> {
        Xls::new(Cursor::new(bytes)).map_err(xls_error)
    }
    fn sheets(&self) -> Vec<calamine::Sheet> {
        self.sheets_metadata().to_vec()
    }
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, ReadError> {
        self.worksheet_range(name).map_err(xls_error)
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
        calamine::Ods::new(Cursor::new(bytes)).map_err(ods_error)
    }
    fn sheets(&self) -> Vec<calamine::Sheet> {
        self.sheets_metadata().to_vec()
    }
    fn range(&mut self, name: &str) -> Result<calamine::Range<Data>, ReadError> {
        self.worksheet_range(name).map_err(ods_error)
    }
    fn formulas(&mut self, name: &str) -> Option<calamine::Range<String>> {
        self.worksheet_formula(name).ok()
    }
}

/// Reads every visible sheet of a workbook whose reader gives whole ranges.
pub(super) fn read_with_ranges<W: RangeWorkbook>(
    bytes: Vec<u8>,
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
        let range = workbook.range(&sheet.name)?;
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

#[cfg(test)]
mod tests {
    use zip::result::ZipError;

    use super::*;

    #[test]
    fn password_errors_are_told_by_their_type() {
        assert!(matches!(
            xls_error(XlsError::Password),
            ReadError::Encrypted
        ));
        assert!(matches!(
            ods_error(OdsError::Password),
            ReadError::Encrypted
        ));
        let zip = ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED);
        assert!(matches!(
            ods_error(OdsError::Zip(zip)),
            ReadError::Encrypted
        ));
        // A sheet name is not a reason: a missing sheet called "password" is a damaged file.
        let missing = ods_error(OdsError::WorksheetNotFound("password".into()));
        assert!(
            matches!(missing, ReadError::Workbook { format: "ods", .. }),
            "{missing}"
        );
        let missing = xls_error(XlsError::WorksheetNotFound("encrypted".into()));
        assert!(
            matches!(missing, ReadError::Workbook { format: "xls", .. }),
            "{missing}"
        );
    }
}
