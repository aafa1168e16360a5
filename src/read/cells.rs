//! Cells as the grids hold them, converted once from what each reader gives.
//!
//! Numbers stay numbers (whole numbers come back from xlsx as floats), booleans become the
//! TRUE/FALSE Excel shows, and dates become text as the user sees them (2024-12-31), not their
//! serial numbers. Formula cells give their stored (cached) result. A formula without a stored
//! result, and an error result (#REF!, #VALUE!…), are kept as such in the grid so that later
//! stages report them by cell; an error value in text (a text export, an HTML page, an ods
//! cell) is recognised as one.

use calamine::{Data, DataRef};

use super::guard::{Budget, OverLimit};
use crate::grid::{CellValue, Grid, Merge};

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
pub(super) fn text_cell(text: String) -> CellValue {
    if is_error_text(&text) {
        CellValue::Error(crate::text::clean(&text).to_string())
    } else {
        CellValue::Text(text.into())
    }
}

/// A cell as calamine's streaming readers (xlsx, xlsb) give it.
pub(super) fn convert_ref(value: &DataRef<'_>) -> CellValue {
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

/// A cell of a calamine range (xls, ods).
pub(super) fn convert(value: &Data) -> CellValue {
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

/// A merged block as calamine gives it: absolute (row, column) positions, as the grid's are.
pub(super) fn merge_from(d: &calamine::Dimensions) -> Merge {
    Merge {
        first_row: d.start.0,
        first_col: d.start.1,
        last_row: d.end.0,
        last_col: d.end.1,
    }
}

/// A formula cell whose result the reader could not give is marked as a formula without a
/// value; an error result read as text ("#REF!", "Err:502") becomes an error.
pub(super) fn mark_formula(
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
