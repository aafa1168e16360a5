//! xlsb workbooks (Excel's binary format), through calamine's xlsb reader.
//!
//! Sheets are streamed like xlsx ones: calamine's ranges are dense, so one cell at XFD1048576
//! would ask for 17 billion cells. calamine's xlsb reader skips the error results of formulas,
//! so formulas are read in a second pass and those cells marked as formulas without a value.
//! The reader indexes cell records without checking their length, so a truncated record
//! panics: that is caught here and reported as a damaged file. xlsb has no merged cells in calamine;
//! the layout rules stand in for them.

use std::io::Cursor;

use calamine::{Reader, SheetVisible, Xlsb, XlsbError};

use super::cells::{convert_ref, mark_formula};
use super::guard::{
    Budget, Limits, OverLimit, sheet_allowance, too_many_cells, workbook_too_many_cells,
};
use super::{FileContent, ReadError, hidden, zip_password};
use crate::grid::Grid;

/// Reads every visible sheet of an xlsb workbook.
pub(super) fn read_xlsb(bytes: Vec<u8>, limits: &Limits) -> Result<FileContent, ReadError> {
    let mut workbook = Xlsb::new(Cursor::new(bytes)).map_err(xlsb_error)?;
    let mut content = FileContent::default();
    // The cap holds for the workbook as well as for each sheet.
    let mut workbook_used = 0u64;
    for sheet in workbook.sheets_metadata().to_vec() {
        if sheet.visible != SheetVisible::Visible {
            content.skipped_sheets.push(hidden(&sheet.name));
            continue;
        }
        let allowance = sheet_allowance(limits, workbook_used);
        let over = |limits: &Limits| {
            if allowance < limits.max_cells as u64 {
                workbook_too_many_cells(&sheet.name, limits)
            } else {
                too_many_cells(&sheet.name, limits)
            }
        };
        if allowance == 0 {
            content.skipped_sheets.push(over(limits));
            continue;
        }
        let mut grid = Grid::new(sheet.name.clone());
        let mut budget = Budget::new(allowance as usize);
        // calamine indexes records without checking their length: a truncated record panics,
        // which here means a damaged file, not a bug of ours.
        let values = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            xlsb_values(&mut workbook, &sheet.name, &mut grid, &mut budget)
        }))
        .unwrap_or_else(|_| {
            Err(XlsbRead::Failed(ReadError::Workbook {
                format: "xlsb",
                message: "malformed cell record".into(),
            }))
        });
        match values {
            Ok(()) => {}
            Err(XlsbRead::NoCells) => continue,
            Err(XlsbRead::OverLimit) => {
                workbook_used += budget.used();
                content.skipped_sheets.push(over(limits));
                continue;
            }
            Err(XlsbRead::Failed(e)) => return Err(e),
        }
        // Best effort, as for the other formats: a formula the reader cannot parse leaves the
        // values read above as they are.
        let formulas = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            xlsb_formulas(&mut workbook, &sheet.name, &mut grid, &mut budget)
        }));
        workbook_used += budget.used();
        if let Ok(Err(XlsbRead::OverLimit)) = formulas {
            content.skipped_sheets.push(over(limits));
            continue;
        }
        // xlsb stores every formula's result: one without a value had an error result.
        grid.formula_results_stored = true;
        content.grids.push(grid);
    }
    Ok(content)
}

enum XlsbRead {
    /// A chart or dialog sheet: nothing to read, not an error.
    NoCells,
    OverLimit,
    Failed(ReadError),
}

impl From<XlsbError> for XlsbRead {
    fn from(e: XlsbError) -> Self {
        match e {
            XlsbError::WorksheetNotFound(_) => XlsbRead::NoCells,
            other => XlsbRead::Failed(xlsb_error(other)),
        }
    }
}

/// An xlsb workbook is encrypted when it is an OLE container holding an `EncryptedPackage`
/// (as Excel saves it with a password), or when the archive's entries need a password.
fn xlsb_error(e: XlsbError) -> ReadError {
    match e {
        XlsbError::Password => ReadError::Encrypted,
        XlsbError::Zip(ref z) if zip_password(z) => ReadError::Encrypted,
        other => ReadError::Workbook {
            format: "xlsb",
            message: other.to_string(),
        },
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

#[cfg(test)]
mod tests {
    use zip::result::ZipError;

    use super::*;

    #[test]
    fn password_errors_are_told_by_their_type() {
        assert!(matches!(
            xlsb_error(XlsbError::Password),
            ReadError::Encrypted
        ));
        let zip = ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED);
        assert!(matches!(
            xlsb_error(XlsbError::Zip(zip)),
            ReadError::Encrypted
        ));
        let other = xlsb_error(XlsbError::FileNotFound("xl/password.bin".into()));
        assert!(
            matches!(other, ReadError::Workbook { format: "xlsb", .. }),
            "{other}"
        );
        // A sheet without cells (a chart sheet) is skipped, not an error.
        let chart = XlsbRead::from(XlsbError::WorksheetNotFound("Chart1".into()));
        assert!(matches!(chart, XlsbRead::NoCells));
    }
}
