//! Where everything lands in the summary: each department's first project and indicator row,
//! computed from the departments' heads before any sheet is written, and from it the cell each
//! finding is about (from the subject its stage recorded), the fills of those cells, and the
//! links between sheets. The writer streams rows strictly in order, so all of this is known up
//! front: a 问题 row can link to a row written earlier or later.

use std::collections::HashMap;

use rust_xlsxwriter::Formula;

use crate::consolidate::Summary;
use crate::finding::{DepartmentField, IndicatorField, ProjectField, Severity, Subject};
use crate::sheets::{
    IndicatorColumn, ProjectColumn, SHEET_PROJECTS, SHEET_README, SHEET_TOTALS, TotalColumn,
    indicator_sheet_name, part_sheet_name,
};
use crate::text::cell_name;

/// A cell of the summary, named by what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The n-th project of 汇总 (over all departments), and a column.
    Project(usize, u16),
    /// The n-th indicator row of 指标 (over all its parts), and a column.
    Indicator(usize, u16),
    /// The n-th department row of 合计 (a group of tables: see `Summary::groups`), and a column.
    Department(usize, u16),
    /// The n-th input of the 说明 sheet's input list.
    Input(usize),
}

/// A cell address: sheet, zero-based row and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub sheet: String,
    pub row: u32,
    pub col: u16,
}

impl Address {
    /// What a link to it shows: 指标(2)!D5.
    pub fn display(&self) -> String {
        format!("{}!{}", self.sheet, cell_name(self.row, self.col as u32))
    }

    /// The HYPERLINK formula that jumps to it; the text is the cached result, so it shows in
    /// readers that do not recalculate. Excel, WPS and LibreOffice all follow "#'Sheet'!A1".
    pub fn link(&self) -> Formula {
        self.link_showing(&self.display())
    }

    /// The link, showing `display`.
    pub fn link_showing(&self, display: &str) -> Formula {
        let cell = cell_name(self.row, self.col as u32);
        Formula::new(format!(
            "=HYPERLINK(\"#'{}'!{cell}\",\"{}\")",
            self.sheet.replace('"', "\"\""),
            display.replace('"', "\"\"")
        ))
        .set_result(display)
    }
}

/// Where each department's projects and indicators start, computed from the summary alone.
pub struct Layout {
    pub rows_per_sheet: u32,
    pub project_start: Vec<usize>,
    pub indicator_start: Vec<usize>,
    pub indicators: usize,
    pub projects: usize,
    /// Each department's row of 合计 (its group), and so its number (部门编号) less one.
    pub group_of: Vec<usize>,
    /// Rows of 问题.
    pub findings: usize,
    /// Row of the 说明 sheet that holds the first input.
    pub first_input_row: u32,
    /// Sheets of 对比 (none without `--baseline`).
    pub comparison_parts: usize,
}

impl Layout {
    pub fn new(summary: &Summary, rows_per_sheet: u32, first_input_row: u32) -> Layout {
        let mut project_start = Vec::with_capacity(summary.departments.len());
        let mut indicator_start = Vec::with_capacity(summary.departments.len());
        let (mut projects, mut indicators) = (0, 0);
        for d in summary.departments.heads() {
            project_start.push(projects);
            indicator_start.push(indicators);
            projects += d.projects();
            indicators += d.figures.indicators;
        }
        let mut group_of = vec![0; summary.departments.len()];
        for (g, range) in summary.groups.iter().enumerate() {
            for d in range.clone() {
                if let Some(slot) = group_of.get_mut(d) {
                    *slot = g;
                }
            }
        }
        let rows_per_sheet = rows_per_sheet.max(1);
        // 对比, with `--baseline` only: its parts.
        let comparison_parts = summary.comparison.as_ref().map_or(0, |c| {
            super::comparison::rows(c)
                .div_ceil(rows_per_sheet as usize)
                .max(1)
        });
        Layout {
            rows_per_sheet,
            comparison_parts,
            project_start,
            indicator_start,
            indicators,
            projects,
            group_of,
            findings: summary.findings.len(),
            first_input_row,
        }
    }

    /// How many 指标 sheets there are (at least one, even empty).
    pub fn indicator_parts(&self) -> usize {
        self.parts(self.indicators)
    }

    /// How many 汇总 sheets there are (at least one, even empty).
    pub fn project_parts(&self) -> usize {
        self.parts(self.projects)
    }

    /// How many sheets `rows` rows take (at least one).
    pub fn parts(&self, rows: usize) -> usize {
        rows.div_ceil(self.rows_per_sheet as usize).max(1)
    }

    pub fn address(&self, place: Place) -> Address {
        match place {
            Place::Project(n, col) => {
                let per = self.rows_per_sheet as usize;
                Address {
                    sheet: part_sheet_name(SHEET_PROJECTS, n / per),
                    row: (n % per) as u32 + 1,
                    col,
                }
            }
            Place::Indicator(n, col) => {
                let per = self.rows_per_sheet as usize;
                Address {
                    sheet: indicator_sheet_name(n / per),
                    row: (n % per) as u32 + 1,
                    col,
                }
            }
            Place::Department(n, col) => Address {
                sheet: SHEET_TOTALS.to_string(),
                row: n as u32 + 1,
                col,
            },
            Place::Input(n) => Address {
                sheet: SHEET_README.to_string(),
                row: self.first_input_row + n as u32,
                col: 0,
            },
        }
    }

    /// The cell of the summary a subject of the `d`-th department is.
    fn place_in(&self, subject: Subject, d: usize) -> Option<Place> {
        Some(match subject {
            Subject::Input => return None,
            Subject::Department(field) => {
                Place::Department(self.group_of[d], department_column(field).into())
            }
            Subject::Project { project, field } => Place::Project(
                self.project_start[d] + project as usize,
                project_column(field).into(),
            ),
            Subject::Indicator {
                position, field, ..
            } => Place::Indicator(
                self.indicator_start[d] + position as usize,
                indicator_column(field).into(),
            ),
        })
    }
}

fn department_column(field: DepartmentField) -> TotalColumn {
    match field {
        DepartmentField::Name => TotalColumn::Department,
        DepartmentField::DeclaredCount => TotalColumn::DeclaredCount,
        DepartmentField::DeclaredAmount => TotalColumn::DeclaredAmount,
        DepartmentField::SumBudget => TotalColumn::Budget,
        DepartmentField::SumOwn => TotalColumn::Own,
        DepartmentField::SumTransfer => TotalColumn::Transfer,
    }
}

fn project_column(field: ProjectField) -> ProjectColumn {
    match field {
        ProjectField::Name => ProjectColumn::Name,
        ProjectField::Budget => ProjectColumn::Budget,
        ProjectField::Own => ProjectColumn::Own,
        ProjectField::Transfer => ProjectColumn::Transfer,
    }
}

fn indicator_column(field: IndicatorField) -> IndicatorColumn {
    match field {
        IndicatorField::Name => IndicatorColumn::Name,
        IndicatorField::Operator => IndicatorColumn::Operator,
        IndicatorField::Target => IndicatorColumn::Value,
        IndicatorField::Project => IndicatorColumn::Project,
    }
}

/// The cell of the summary each finding is about: what its subject names in its department, or
/// the input's row of 说明 for a finding about a whole file (or about a table that is not
/// summarized).
pub fn places(summary: &Summary, layout: &Layout) -> Vec<Option<Place>> {
    let departments: HashMap<(&str, &str), usize> = summary
        .departments
        .heads()
        .enumerate()
        .map(|(n, d)| ((d.about.file.as_str(), d.about.sheet.as_str()), n))
        .collect();
    let inputs: HashMap<&str, usize> = summary
        .inputs
        .iter()
        .enumerate()
        .map(|(n, i)| (i.path.as_str(), n))
        .collect();
    summary
        .findings
        .iter()
        .map(|f| {
            departments
                .get(&(&*f.file, f.sheet.as_str()))
                .and_then(|&d| layout.place_in(f.subject, d))
                .or_else(|| inputs.get(&*f.file).map(|&i| Place::Input(i)))
        })
        .collect()
}

/// The cells to fill, by severity, for one sheet: (row index, column, severity), in order.
pub struct Marks {
    items: Vec<(usize, u16, Severity)>,
    at: usize,
}

impl Marks {
    fn new(mut items: Vec<(usize, u16, Severity)>) -> Marks {
        // Several findings on one cell: the most severe one decides (Error sorts first).
        items.sort_unstable();
        items.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        Marks { items, at: 0 }
    }

    /// The marks of rows `start..`, taken out of these.
    pub fn split_off(&mut self, start: usize) -> Marks {
        let at = self.items.partition_point(|m| m.0 < start);
        Marks {
            items: self.items.split_off(at),
            at: 0,
        }
    }

    /// The marks of row `n`; rows must be asked for in increasing order.
    pub fn take(&mut self, n: usize) -> Vec<(u16, Severity)> {
        while self.at < self.items.len() && self.items[self.at].0 < n {
            self.at += 1;
        }
        let mut row = Vec::new();
        while self.at < self.items.len() && self.items[self.at].0 == n {
            row.push((self.items[self.at].1, self.items[self.at].2));
            self.at += 1;
        }
        row
    }
}

/// The marks of 汇总, 指标 and 合计, from the findings' places. Only errors and warnings fill.
pub fn marks(summary: &Summary, places: &[Option<Place>]) -> [Marks; 3] {
    let mut sets: [Vec<(usize, u16, Severity)>; 3] = Default::default();
    for (f, place) in summary.findings.iter().zip(places) {
        if f.severity == Severity::Info {
            continue;
        }
        match place {
            Some(Place::Project(n, c)) => sets[0].push((*n, *c, f.severity)),
            Some(Place::Indicator(n, c)) => sets[1].push((*n, *c, f.severity)),
            Some(Place::Department(n, c)) => sets[2].push((*n, *c, f.severity)),
            _ => {}
        }
    }
    sets.map(Marks::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_come_back_row_by_row_the_worst_first() {
        let mut marks = Marks::new(vec![
            (3, 1, Severity::Warning),
            (1, 2, Severity::Warning),
            (3, 1, Severity::Error),
            (7, 0, Severity::Error),
        ]);
        let mut later = marks.split_off(5);
        assert_eq!(marks.take(0), vec![]);
        assert_eq!(marks.take(1), vec![(2, Severity::Warning)]);
        assert_eq!(marks.take(3), vec![(1, Severity::Error)]);
        assert_eq!(marks.take(7), vec![]);
        assert_eq!(later.take(7), vec![(0, Severity::Error)]);
    }

    #[test]
    fn split_sheets_take_their_rows_in_turn() {
        let layout = Layout {
            rows_per_sheet: 40,
            comparison_parts: 0,
            project_start: vec![0],
            indicator_start: vec![0],
            indicators: 81,
            projects: 3,
            group_of: vec![0],
            findings: 0,
            first_input_row: 60,
        };
        assert_eq!(layout.indicator_parts(), 3);
        let at = layout.address(Place::Indicator(45, 3));
        assert_eq!(at.display(), "指标(2)!D7");
        assert_eq!(layout.address(Place::Input(2)).display(), "说明!A63");
        assert_eq!(layout.address(Place::Department(0, 2)).display(), "合计!C2");
        // 汇总 continues as 指标 does.
        assert_eq!(layout.project_parts(), 1);
        assert_eq!(
            layout.address(Place::Project(41, 2)).display(),
            "汇总(2)!C3"
        );
        assert_eq!(layout.parts(0), 1);
        assert_eq!(layout.parts(81), 3);
    }
}
