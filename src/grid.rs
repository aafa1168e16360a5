//! The raw grid: one sheet's cells as read, before any interpretation. Positions are absolute
//! and zero-based (row 0, column 0 is A1) whatever the source format, so every later stage
//! names cells the way the user sees them in Excel.

/// One cell's value as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    /// An Excel error value such as "#REF!".
    Error(String),
    /// A formula whose result the file does not hold (written by a program that does not
    /// calculate): its value is unknown. Holds the formula's text.
    Formula(String),
}

impl CellValue {
    pub fn is_empty(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => crate::text::clean(s).is_empty(),
            // Not empty: a row holding one is not skipped, so the unknown value is reported.
            _ => false,
        }
    }

    /// The value as the user would read it: numbers without float noise, errors as written,
    /// nothing for a formula without a result (that one is reported, never read as a value).
    pub fn text(&self) -> String {
        match self {
            CellValue::Empty | CellValue::Formula(_) => String::new(),
            CellValue::Text(s) => crate::text::clean(s).to_string(),
            CellValue::Number(n) => crate::text::format_number(*n),
            CellValue::Error(e) => e.clone(),
        }
    }
}

/// A merged block of cells, inclusive on both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

impl Merge {
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }
}

/// One sheet of one input.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub sheet: String,
    /// Rows from row 0; each row runs only to its last non-empty cell, so a stray far-away
    /// cell costs one short row, not a dense rectangle.
    pub rows: Vec<Vec<CellValue>>,
    /// The merged blocks, or None where the format does not record them (text, ods, xlsb).
    pub merges: Option<Vec<Merge>>,
}

static EMPTY: CellValue = CellValue::Empty;

impl Grid {
    pub fn new(sheet: impl Into<String>) -> Grid {
        Grid {
            sheet: sheet.into(),
            rows: Vec::new(),
            merges: None,
        }
    }

    /// Sets a cell, growing the grid as needed. Empty values are not stored.
    pub fn set(&mut self, row: u32, col: u32, value: CellValue) {
        if value.is_empty() {
            return;
        }
        let (r, c) = (row as usize, col as usize);
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let cells = &mut self.rows[r];
        if cells.len() <= c {
            cells.resize(c + 1, CellValue::Empty);
        }
        cells[c] = value;
    }

    pub fn get(&self, row: u32, col: u32) -> &CellValue {
        self.rows
            .get(row as usize)
            .and_then(|cells| cells.get(col as usize))
            .unwrap_or(&EMPTY)
    }

    /// The cell's text, trimmed; empty for empty cells.
    pub fn text(&self, row: u32, col: u32) -> String {
        self.get(row, col).text()
    }

    pub fn row_count(&self) -> u32 {
        self.rows.len() as u32
    }

    /// The non-empty cells of a row, with their columns.
    pub fn row_cells(&self, row: u32) -> impl Iterator<Item = (u32, &CellValue)> {
        self.rows
            .get(row as usize)
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, v)| (c as u32, v))
    }

    pub fn row_is_empty(&self, row: u32) -> bool {
        self.row_cells(row).next().is_none()
    }

    /// The merged block that covers a cell, if any.
    pub fn merge_at(&self, row: u32, col: u32) -> Option<Merge> {
        self.merges
            .as_ref()?
            .iter()
            .find(|m| m.contains(row, col))
            .copied()
    }
}
