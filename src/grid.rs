//! The raw grid: one sheet's cells as read, before any interpretation. Positions are absolute
//! and zero-based (row 0, column 0 is A1) whatever the source format, so every later stage
//! names cells the way the user sees them in Excel.

/// One cell's value as read.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    #[default]
    Empty,
    /// Most cells are short: inline, without an allocation of their own.
    Text(compact_str::CompactString),
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
        self.text_ref().into_owned()
    }

    /// [`CellValue::text`] without a copy where the cell holds the text already: for tests
    /// on every cell of a sheet that keep nothing.
    pub fn text_ref(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            CellValue::Empty | CellValue::Formula(_) => Cow::Borrowed(""),
            CellValue::Text(s) => Cow::Borrowed(crate::text::clean(s)),
            CellValue::Number(n) => Cow::Owned(crate::text::format_number(*n)),
            CellValue::Error(e) => Cow::Borrowed(e),
        }
    }
}

/// A cell of a sheet by zero-based row and column, shown as Excel names it ("H7"). Findings and
/// the model keep cells this way rather than as text, so placing a finding never re-parses one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub fn new(row: u32, col: u32) -> CellRef {
        CellRef { row, col }
    }

    /// The cell named like "H28", if the text is such a name.
    pub fn parse(name: &str) -> Option<CellRef> {
        crate::text::parse_cell(name).map(|(row, col)| CellRef { row, col })
    }

    /// Excel's name of the cell: (6, 7) → "H7".
    pub fn name(self) -> String {
        crate::text::cell_name(self.row, self.col)
    }
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
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
    /// Set once, by the reader, before anything asks [`Grid::merge_at`].
    pub merges: Option<Vec<Merge>>,
    /// `merges` by first row, built on the first lookup: a sheet of thousands of projects has
    /// tens of thousands of blocks, and a linear search per cell made reading it quadratic.
    merge_index: std::sync::OnceLock<MergeIndex>,
    /// Cells that held a formula without a stored result which is a bare literal (`=100%`,
    /// `=>`: a script wrote what a person typed as a formula), now read as that text: the cell
    /// and the text read ("=100%"). Set before the layout is found; reported as formula_as_text.
    pub formulas_as_text: Vec<(CellRef, String)>,
    /// The format stores every formula's result (xlsb): a formula cell without a value had a
    /// result the reader could not give (an error), and is never read as a literal.
    pub formula_results_stored: bool,
}

/// Merged blocks sorted by first row, with their place in the reader's list.
#[derive(Debug, Clone, Default)]
struct MergeIndex {
    by_first_row: Vec<(usize, Merge)>,
    /// The most rows any block spans beyond its first: no block starting further above a row
    /// can cover it.
    tallest: u32,
}

impl MergeIndex {
    fn new(merges: &[Merge]) -> MergeIndex {
        let mut by_first_row: Vec<(usize, Merge)> = merges.iter().copied().enumerate().collect();
        by_first_row.sort_by_key(|(i, m)| (m.first_row, *i));
        let tallest = merges
            .iter()
            .map(|m| m.last_row.saturating_sub(m.first_row))
            .max()
            .unwrap_or(0);
        MergeIndex {
            by_first_row,
            tallest,
        }
    }
}

static EMPTY: CellValue = CellValue::Empty;

impl Grid {
    pub fn new(sheet: impl Into<String>) -> Grid {
        Grid {
            sheet: sheet.into(),
            rows: Vec::new(),
            merges: None,
            merge_index: std::sync::OnceLock::new(),
            formulas_as_text: Vec::new(),
            formula_results_stored: false,
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

    /// [`Grid::text`], borrowed where it can be.
    pub fn text_ref(&self, row: u32, col: u32) -> std::borrow::Cow<'_, str> {
        self.get(row, col).text_ref()
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

    /// The merged block that covers a cell, if any (of overlapping blocks, which only a
    /// broken file holds, the first the file lists).
    pub fn merge_at(&self, row: u32, col: u32) -> Option<Merge> {
        let merges = self.merges.as_deref()?;
        let index = self.merge_index.get_or_init(|| MergeIndex::new(merges));
        let end = index
            .by_first_row
            .partition_point(|(_, m)| m.first_row <= row);
        let lowest = row.saturating_sub(index.tallest);
        index.by_first_row[..end]
            .iter()
            .rev()
            .take_while(|(_, m)| m.first_row >= lowest)
            .filter(|(_, m)| m.contains(row, col))
            .min_by_key(|(i, _)| *i)
            .map(|(_, m)| *m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> Merge {
        Merge {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }

    #[test]
    fn merge_at_finds_what_a_linear_search_finds() {
        // Project blocks of several heights, a wide title, a tall note beside them, and two
        // blocks that overlap (only a broken file has those: the first listed wins).
        let mut merges = vec![merge(0, 0, 0, 10), merge(3, 12, 60, 12)];
        let mut row = 2;
        for height in [1, 4, 2, 9, 3, 1, 7] {
            for col in [0, 1, 2, 6] {
                merges.push(merge(row, col, row + height - 1, col));
            }
            row += height;
        }
        merges.push(merge(10, 1, 12, 3));
        merges.push(merge(11, 0, 11, 2));
        let mut grid = Grid::new("Sheet1");
        grid.merges = Some(merges.clone());
        for row in 0..70 {
            for col in 0..14 {
                let linear = merges.iter().find(|m| m.contains(row, col)).copied();
                assert_eq!(grid.merge_at(row, col), linear, "({row}, {col})");
            }
        }
        assert_eq!(Grid::new("text").merge_at(0, 0), None);
    }
}
