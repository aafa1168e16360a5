//! Stage 4: walk the rows below the header and sort them into projects, their indicator rows,
//! rows that lost their project, the 合计 row and the text around the table. Nothing is
//! interpreted here beyond where a row belongs; values stay as read, with their cells.
//!
//! Where a project ends: in a workbook whose project cells are merged, at the end of its merged
//! block; elsewhere (text, exports that blank repeated cells), at the next project row. A row
//! whose indicator sits in the project columns (it "starts in the first column") lost its
//! project; so does, in a merged workbook, an indicator row outside every project's block.
//!
//! In the three-level layout the 一级指标/二级指标 cells are often merged down or left blank
//! under the first one: a blank level takes the value of the merged block it lies in, else of
//! the last level given above it within the same project.

use crate::grid::{CellRef, CellValue, Grid};
use crate::layout::{Columns, TableLayout};
use crate::model::YearSource;
use crate::rules::{Field, Rules};
use crate::text::{fold, fold_width, parse_number};

pub mod form;

/// A value with the cell it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub value: CellValue,
    pub row: u32,
    pub col: u32,
}

impl Located {
    fn at(grid: &Grid, row: u32, col: u32) -> Located {
        Located {
            value: grid.get(row, col).clone(),
            row,
            col,
        }
    }

    fn maybe(grid: &Grid, row: u32, col: Option<u32>) -> Option<Located> {
        col.map(|c| Located::at(grid, row, c))
    }

    pub fn text(&self) -> String {
        self.value.text()
    }

    /// [`Located::text`] as the model keeps it: short text inline, without an allocation.
    pub fn compact_text(&self) -> compact_str::CompactString {
        compact_str::CompactString::from(&*self.value.text_ref())
    }

    /// The cell it came from.
    pub fn cell(&self) -> CellRef {
        CellRef::new(self.row, self.col)
    }
}

/// One indicator row as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawIndicator {
    pub row: u32,
    pub name: Located,
    pub op: Option<Located>,
    pub target: Located,
    pub unit: Option<Located>,
    /// 一级指标 and 二级指标 (three-level layout), where the cell given is the one the value was
    /// read from: the row's own, the top of its merged block, or the last one given above.
    pub level1: Option<Located>,
    pub level2: Option<Located>,
    /// What a form's indicator block gives beside the target (none in a row table).
    pub extra: Option<Box<RawExtra>>,
}

/// A form's indicator-block cells beside the target, as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawExtra {
    pub value_kind: Option<Located>,
    pub weight: Option<Located>,
    pub prior_actual: Option<Located>,
    /// Text columns, with their headers.
    pub details: Vec<(String, Located)>,
}

impl RawIndicator {
    pub fn is_empty(&self) -> bool {
        self.name.value.is_empty()
            && self.target.value.is_empty()
            && self.op.as_ref().is_none_or(|l| l.value.is_empty())
            && self.unit.as_ref().is_none_or(|l| l.value.is_empty())
    }
}

/// One project as read, with its indicator rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RawProject {
    pub first_row: u32,
    pub last_row: u32,
    pub seq: Option<Located>,
    pub name: Located,
    pub overview: Option<Located>,
    pub budget: Option<Located>,
    pub own: Option<Located>,
    pub transfer: Option<Located>,
    pub goal: Option<Located>,
    pub indicators: Vec<RawIndicator>,
}

/// Why a row lost its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostHow {
    /// Its indicator sits in the project columns, starting in the first used column.
    ShiftedLeft,
    /// It lies outside every project's merged block, with empty project cells.
    OutsideMerge,
    /// It comes before the first project.
    BeforeFirstProject,
}

/// An indicator row that lost its project, realigned to the indicator columns.
#[derive(Debug, Clone, PartialEq)]
pub struct LostRow {
    /// Index of the project it followed, if any.
    pub after_project: Option<usize>,
    pub how: LostHow,
    pub indicator: RawIndicator,
}

/// The 合计 row.
#[derive(Debug, Clone, PartialEq)]
pub struct SumRow {
    pub row: u32,
    pub budget: Option<Located>,
    pub own: Option<Located>,
    pub transfer: Option<Located>,
}

/// A row that is not part of the data: a note inside or after the table.
#[derive(Debug, Clone, PartialEq)]
pub struct OtherRow {
    pub row: u32,
    pub col: u32,
    pub text: String,
    pub kind: OtherKind,
}

/// What kind of row that is not data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherKind {
    /// Inside the table, neither a project nor an indicator.
    Unrecognized,
    /// Text after the table that is no footnote the rules know.
    Note,
    /// A 小计 row: a partial sum, no project.
    Subtotal,
    /// The header again (a printed table repeats it on every page).
    RepeatedHeader,
    /// A second 合计 row.
    ExtraSum,
    /// The template's example row (its 序号 is the rules' example marker) or an indicator row
    /// under it.
    TemplateExample,
}

/// What the text around the table says about the department.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentInfo {
    /// The department's name and the cell it was read from.
    pub department: Option<(String, CellRef)>,
    /// The year and where it was read.
    pub year: Option<(i32, YearSource)>,
    /// The year each source gives (the 年度 line, the footnote, the title), where it gives one.
    pub years: Vec<(i32, YearSource)>,
    /// The number of projects the footnote declares, and its cell.
    pub declared_count: Option<(u32, CellRef)>,
    /// The total (万元) the footnote declares, and its cell.
    pub footnote_total: Option<(f64, CellRef)>,
}

/// Everything read from one table.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTable {
    pub sheet: String,
    pub layout: TableLayout,
    pub document: DocumentInfo,
    pub sum_row: Option<SumRow>,
    pub projects: Vec<RawProject>,
    pub lost_rows: Vec<LostRow>,
    pub other_rows: Vec<OtherRow>,
    /// Rows read as the footnote (their content is in `document`).
    pub footnote_rows: Vec<u32>,
    /// Every cell of the sheet that holds an Excel error or a formula without a stored result,
    /// so that each is reported even where no field reads it.
    pub bad_cells: Vec<Located>,
    /// Formulas without a result read as the literal typed (see the grid's).
    pub formulas_as_text: Vec<(CellRef, String)>,
}

/// Sorts the rows of a grid into the parts of its table.
pub fn extract(grid: &Grid, layout: &TableLayout, rules: &Rules) -> RawTable {
    let mut walk = Walk {
        grid,
        cols: &layout.columns,
        rules,
        merged: uses_merged_projects(grid, layout),
        current: None,
        after_sum: false,
        in_example: false,
        footnotes: Vec::new(),
        table: RawTable {
            sheet: grid.sheet.clone(),
            layout: layout.clone(),
            document: DocumentInfo::default(),
            sum_row: None,
            projects: Vec::new(),
            lost_rows: Vec::new(),
            other_rows: Vec::new(),
            footnote_rows: Vec::new(),
            bad_cells: bad_cells(grid),
            formulas_as_text: grid.formulas_as_text.clone(),
        },
    };
    for row in layout.header_last_row + 1..grid.row_count() {
        walk.row(row);
    }
    let Walk {
        mut table,
        footnotes,
        ..
    } = walk;
    for project in &mut table.projects {
        fill_levels(grid, &layout.columns, &mut project.indicators);
    }
    for lost in &mut table.lost_rows {
        fill_levels(
            grid,
            &layout.columns,
            std::slice::from_mut(&mut lost.indicator),
        );
    }
    let mut titles = Vec::new();
    for row in 0..layout.header_first_row {
        let cells: Vec<(u32, String)> = grid.row_cells(row).map(|(c, v)| (c, v.text())).collect();
        for (i, (col, text)) in cells.iter().enumerate() {
            // A label cell ("单位名称:") with its value in the next filled cell (the
            // template's fillable cells; a merged label leaves empty cells between) reads as
            // one line, placed on the value. A blank value leaves the label alone.
            if let Some((next_col, value)) = cells.get(i + 1)
                && is_label_cell(text)
                && !is_label_cell(value)
            {
                titles.push((
                    format!("{} {}", text.trim(), value.trim()),
                    CellRef::new(row, *next_col),
                ));
            }
            titles.push((text.clone(), CellRef::new(row, *col)));
        }
    }
    table.document = read_document(&titles, &footnotes, rules);
    table
}

/// Every cell of the sheet that holds an Excel error or a formula without a stored result.
pub fn bad_cells(grid: &Grid) -> Vec<Located> {
    let mut bad = Vec::new();
    for row in 0..grid.row_count() {
        bad.extend(
            grid.row_cells(row)
                .filter(|(_, v)| matches!(v, CellValue::Error(_) | CellValue::Formula(_)))
                .map(|(col, _)| Located::at(grid, row, col)),
        );
    }
    bad
}

/// The rows below the header, read one after the other into the table.
struct Walk<'a> {
    grid: &'a Grid,
    cols: &'a Columns,
    rules: &'a Rules,
    /// Whether project cells are merged: then blocks, not the next 序号, end projects.
    merged: bool,
    /// The project the rows read now belong to.
    current: Option<usize>,
    /// Past the 合计 row: only footnotes and notes follow.
    after_sum: bool,
    /// Inside the template's example rows.
    in_example: bool,
    footnotes: Vec<(String, CellRef)>,
    table: RawTable,
}

impl Walk<'_> {
    fn row(&mut self, row: u32) {
        let grid = self.grid;
        let Some((first_col, _)) = grid.row_cells(row).next() else {
            return;
        };
        let single_text = single_cell_text(grid, row);
        if self.after_sum {
            self.after_table(row, first_col, single_text);
        } else if !self.marked_row(row, first_col, single_text) {
            self.data_row(row, first_col);
        }
    }

    fn other(&self, row: u32, col: u32, kind: OtherKind) -> OtherRow {
        OtherRow {
            row,
            col,
            text: row_text(self.grid, row),
            kind,
        }
    }

    /// A row after the table: a footnote the rules know, else a note.
    fn after_table(&mut self, row: u32, first_col: u32, single_text: Option<String>) {
        match single_text {
            Some(text) if is_footnote(&text, self.rules) => {
                self.footnotes.push((text, CellRef::new(row, first_col)));
                self.table.footnote_rows.push(row);
            }
            _ => {
                let note = self.other(row, first_col, OtherKind::Note);
                self.table.other_rows.push(note);
            }
        }
    }

    /// A row that its label or its text marks as no data: 合计, 小计, the header again, a
    /// footnote. Whether it was one.
    fn marked_row(&mut self, row: u32, first_col: u32, single_text: Option<String>) -> bool {
        let (grid, cols, rules) = (self.grid, self.cols, self.rules);
        if self.example_row(row) {
            let other = self.other(row, first_col, OtherKind::TemplateExample);
            self.table.other_rows.push(other);
            return true;
        }
        if is_labelled(grid, row, cols, |t| rules.is_sum_label(t)) {
            if self.table.sum_row.is_some() {
                let extra = self.other(row, first_col, OtherKind::ExtraSum);
                self.table.other_rows.push(extra);
            } else {
                self.table.sum_row = Some(SumRow {
                    row,
                    budget: Located::maybe(grid, row, cols.budget),
                    own: Located::maybe(grid, row, cols.own),
                    transfer: Located::maybe(grid, row, cols.transfer),
                });
            }
            // Many tables put 合计 first, right under the header: the table ends at a 合计 row
            // only once it has projects.
            self.after_sum = !self.table.projects.is_empty();
            return true;
        }
        let kind = if is_labelled(grid, row, cols, |t| rules.is_subtotal_label(t)) {
            OtherKind::Subtotal
        } else if repeats_header(grid, row, cols, rules) {
            OtherKind::RepeatedHeader
        } else {
            if let Some(text) = single_text
                && is_footnote(&text, rules)
            {
                self.footnotes.push((text, CellRef::new(row, first_col)));
                self.table.footnote_rows.push(row);
                return true;
            }
            if !is_note_row(grid, row, rules) {
                return false;
            }
            // A note typed anywhere in the table, also in the 项目名称 column below a
            // project: never a project.
            OtherKind::Note
        };
        let other = self.other(row, first_col, kind);
        self.table.other_rows.push(other);
        true
    }

    /// Whether the row is the template's example: its 序号 is the example marker, or it is an
    /// indicator row under such a row (one that starts no project).
    fn example_row(&mut self, row: u32) -> bool {
        let (grid, cols) = (self.grid, self.cols);
        let marker = self.rules.template.example_marker.as_str();
        let marked = !marker.is_empty()
            && cols
                .seq
                .is_some_and(|c| fold(&grid.text_ref(row, c)).trim() == marker);
        if marked {
            self.in_example = true;
            self.current = None;
        } else if self.in_example {
            let indicator = indicator_at(grid, row, cols);
            let has_indicator =
                !indicator.name.value.is_empty() || !indicator.target.value.is_empty();
            self.in_example = !starts_project(grid, row, cols, has_indicator);
        }
        self.in_example
    }

    /// A row of data: a project's first row, one of its indicator rows, a row that lost its
    /// project, or a row that is none of these.
    fn data_row(&mut self, row: u32, first_col: u32) {
        let (grid, cols) = (self.grid, self.cols);
        let indicator = indicator_at(grid, row, cols);
        // An operator or a unit alone is no indicator (a note typed into those columns is
        // reported as a row of its own below).
        let has_indicator = !indicator.name.value.is_empty() || !indicator.target.value.is_empty();

        if !has_indicator && let Some(shifted) = shifted_indicator(grid, row, cols, self.rules) {
            self.table.lost_rows.push(LostRow {
                after_project: self.current,
                how: LostHow::ShiftedLeft,
                indicator: shifted,
            });
            return;
        }

        let inside_current_block = self.merged
            && self
                .current
                .map(|i| row <= self.table.projects[i].last_row)
                .unwrap_or(false);

        if !inside_current_block && starts_project(grid, row, cols, has_indicator) {
            self.project_row(row, indicator, has_indicator);
            return;
        }

        if has_indicator {
            match self.current {
                None => self.table.lost_rows.push(LostRow {
                    after_project: None,
                    how: LostHow::BeforeFirstProject,
                    indicator,
                }),
                Some(_) if self.merged && !inside_current_block => {
                    self.table.lost_rows.push(LostRow {
                        after_project: self.current,
                        how: LostHow::OutsideMerge,
                        indicator,
                    })
                }
                Some(i) => {
                    let p = &mut self.table.projects[i];
                    p.last_row = p.last_row.max(row);
                    p.indicators.push(indicator);
                }
            }
            return;
        }

        let unrecognized = self.other(row, first_col, OtherKind::Unrecognized);
        self.table.other_rows.push(unrecognized);
    }

    /// A row that begins a project, or repeats the current project's cells.
    fn project_row(&mut self, row: u32, indicator: RawIndicator, has_indicator: bool) {
        let (grid, cols) = (self.grid, self.cols);
        // Project cells repeated on every row: the same project only where every filled
        // project cell (序号, name, amounts, overview, goal) repeats the project's first row,
        // so two neighbouring projects of one name but other amounts stay two projects.
        let same_as_current = self.current.is_some_and(|i| {
            let first = self.table.projects[i].first_row;
            cols.project_columns().iter().all(|&c| {
                let value = grid.get(row, c);
                value.is_empty() || value == grid.get(first, c)
            })
        });
        if same_as_current && !self.merged {
            // Project cells repeated on every row instead of merged: one project.
            if let Some(i) = self.current {
                self.table.projects[i].last_row = row;
                if has_indicator {
                    self.table.projects[i].indicators.push(indicator);
                }
            }
            return;
        }
        self.table.projects.push(RawProject {
            first_row: row,
            last_row: project_block_end(grid, row, cols),
            seq: Located::maybe(grid, row, cols.seq),
            name: Located::at(grid, row, cols.project_name),
            overview: Located::maybe(grid, row, cols.overview),
            budget: Located::maybe(grid, row, cols.budget),
            own: Located::maybe(grid, row, cols.own),
            transfer: Located::maybe(grid, row, cols.transfer),
            goal: Located::maybe(grid, row, cols.goal),
            indicators: if has_indicator {
                vec![indicator]
            } else {
                vec![]
            },
        });
        self.current = Some(self.table.projects.len() - 1);
    }
}

/// Gives each indicator its 一级/二级指标: the row's own cell, else the top of the merged block
/// the cell lies in, else the last level given above within these rows (one project's). A new
/// 一级指标 ends the 二级指标 carried from under the previous one.
fn fill_levels(grid: &Grid, cols: &Columns, indicators: &mut [RawIndicator]) {
    fill_levels_at(grid, [cols.level1, cols.level2], indicators);
}

/// [`fill_levels`] for the 一级 and 二级 columns given.
pub(crate) fn fill_levels_at(
    grid: &Grid,
    level_cols: [Option<u32>; 2],
    indicators: &mut [RawIndicator],
) {
    if level_cols.iter().all(Option::is_none) {
        return;
    }
    let mut carried: [Option<Located>; 2] = [None, None];
    for indicator in indicators {
        for (k, col) in level_cols.iter().enumerate() {
            let Some(col) = *col else { continue };
            let own = Located::at(grid, indicator.row, col);
            let given = if !own.value.is_empty() {
                Some(own)
            } else {
                grid.merge_at(indicator.row, col)
                    .map(|m| Located::at(grid, m.first_row, m.first_col))
                    .filter(|top| !top.value.is_empty())
            };
            if let Some(given) = given {
                if k == 0 && carried[0].as_ref().map(|c| &c.value) != Some(&given.value) {
                    carried[1] = None;
                }
                carried[k] = Some(given);
            }
        }
        indicator.level1 = carried[0].clone();
        indicator.level2 = carried[1].clone();
    }
}

/// Does the sheet merge project cells vertically below the header? Then blocks, not the next
/// 序号, end projects.
fn uses_merged_projects(grid: &Grid, layout: &TableLayout) -> bool {
    let cols = &layout.columns;
    let key_cols: Vec<u32> = [Some(cols.project_name), cols.seq]
        .into_iter()
        .flatten()
        .collect();
    grid.merges.as_ref().is_some_and(|merges| {
        merges.iter().any(|m| {
            m.first_row > layout.header_last_row
                && m.last_row > m.first_row
                && key_cols
                    .iter()
                    .any(|&c| (m.first_col..=m.last_col).contains(&c))
        })
    })
}

/// The last row of the merged block that starts a project, or the row itself.
fn project_block_end(grid: &Grid, row: u32, cols: &Columns) -> u32 {
    [Some(cols.project_name), cols.seq]
        .into_iter()
        .flatten()
        .filter_map(|c| grid.merge_at(row, c))
        .filter(|m| m.first_row == row)
        .map(|m| m.last_row)
        .max()
        .unwrap_or(row)
}

fn indicator_at(grid: &Grid, row: u32, cols: &Columns) -> RawIndicator {
    RawIndicator {
        row,
        name: Located::at(grid, row, cols.indicator_name),
        op: Located::maybe(grid, row, cols.operator),
        target: Located::at(grid, row, cols.target),
        unit: Located::maybe(grid, row, cols.unit),
        level1: None,
        level2: None,
        extra: None,
    }
}

/// A row whose indicator columns are empty but whose first used cells read as an indicator
/// (name, operator or nothing, a target, a unit): it was shifted into the project columns.
fn shifted_indicator(grid: &Grid, row: u32, cols: &Columns, rules: &Rules) -> Option<RawIndicator> {
    let (start, first) = grid.row_cells(row).next()?;
    if start >= cols.indicator_first() {
        return None;
    }
    let name = first.text();
    // A bare number in the first column is a 序号, not an indicator name.
    if parse_number(&name).is_some() {
        return None;
    }
    // A named project with a figure in its budget cell is a project without indicators.
    let budget_is_figure = cols
        .budget
        .is_some_and(|c| parse_number(&grid.text_ref(row, c)).is_some());
    if !grid.get(row, cols.project_name).is_empty() && budget_is_figure {
        return None;
    }
    let relative = |c: u32| c.checked_sub(cols.indicator_name).map(|d| start + d);
    let op_col = cols.operator.and_then(relative);
    let target_col = relative(cols.target)?;
    let unit_col = cols.unit.and_then(relative);
    let op_ok = op_col.is_none_or(|c| {
        let op = grid.text(row, c);
        op.is_empty() || rules.operator(&op).is_some()
    });
    if !op_ok || grid.get(row, target_col).is_empty() {
        return None;
    }
    // Nothing may stand beyond the realigned indicator, or it is some other kind of row.
    let last_used = [Some(target_col), unit_col, op_col]
        .into_iter()
        .flatten()
        .max()?;
    if grid.row_cells(row).any(|(c, _)| c > last_used) {
        return None;
    }
    Some(RawIndicator {
        row,
        name: Located::at(grid, row, start),
        op: op_col.map(|c| Located::at(grid, row, c)),
        target: Located::at(grid, row, target_col),
        unit: unit_col.map(|c| Located::at(grid, row, c)),
        level1: None,
        level2: None,
        extra: None,
    })
}

/// Does this row begin a project? A name or an amount does; a 序号 does when it is a number
/// or the row carries an indicator (a bare heading such as "一、专项" does not).
fn starts_project(grid: &Grid, row: u32, cols: &Columns, has_indicator: bool) -> bool {
    let filled = |c: Option<u32>| c.is_some_and(|c| !grid.get(row, c).is_empty());
    if filled(Some(cols.project_name)) || filled(cols.budget) {
        return true;
    }
    match cols.seq {
        Some(c) if filled(Some(c)) => {
            has_indicator || parse_number(&grid.text_ref(row, c)).is_some()
        }
        _ => false,
    }
}

/// Does the row read as the header again (its name columns hold header names)?
fn repeats_header(grid: &Grid, row: u32, cols: &Columns, rules: &Rules) -> bool {
    let names = |col: u32, field: Field| {
        rules
            .header_field(&grid.text_ref(row, col))
            .is_some_and(|(f, _)| f == field)
    };
    names(cols.project_name, Field::ProjectName) || names(cols.indicator_name, Field::IndicatorName)
}

/// Is the row labelled (in its 序号, name or first cell) with a label `is_label` accepts?
fn is_labelled(grid: &Grid, row: u32, cols: &Columns, is_label: impl Fn(&str) -> bool) -> bool {
    let first = grid.row_cells(row).next().map(|(c, _)| c);
    [cols.seq, Some(cols.project_name), first]
        .into_iter()
        .flatten()
        .any(|c| is_label(&grid.text_ref(row, c)))
}

/// Is the row's only text a note: its first cell reads as one (注:…, 联系人:…), and every other
/// cell does too or is the value of a label cell before it ("填表人:" | "张三")?
fn is_note_row(grid: &Grid, row: u32, rules: &Rules) -> bool {
    let mut after_label = false;
    for (i, (_, value)) in grid.row_cells(row).enumerate() {
        let text = value.text_ref();
        let note = rules.is_note_text(&text);
        if i == 0 && !note {
            return false;
        }
        if !note && !after_label {
            return false;
        }
        after_label = is_label_cell(&text);
    }
    true
}

/// A cell that is a label waiting for its value: text ending in a colon ("单位名称:", "年度:").
fn is_label_cell(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with(':') || t.ends_with('：')
}

/// The text of a row that holds exactly one non-empty cell.
fn single_cell_text(grid: &Grid, row: u32) -> Option<String> {
    let mut cells = grid.row_cells(row);
    let (_, first) = cells.next()?;
    if cells.next().is_some() {
        return None;
    }
    Some(first.text())
}

/// All of a row's text, cell by cell, for quoting in a message.
fn row_text(grid: &Grid, row: u32) -> String {
    grid.row_cells(row)
        .map(|(_, v)| v.text())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn is_footnote(text: &str, rules: &Rules) -> bool {
    let d = &rules.document;
    let text = fold_width(text);
    [&d.footnote_count, &d.footnote_total, &d.footnote_department]
        .iter()
        .any(|patterns| patterns.iter().any(|p| p.is_match(&text)))
}

/// The named group of the first pattern that matches, taken from the text as written: patterns
/// are matched against the width-folded text, whose chars stand where the original's do.
fn capture(patterns: &[regex::Regex], text: &str, group: &str) -> Option<String> {
    let folded = fold_width(text);
    patterns.iter().find_map(|p| {
        let m = p.captures(&folded)?.name(group)?;
        let start = folded[..m.start()].chars().count();
        let len = m.as_str().chars().count();
        let original: String = text.chars().skip(start).take(len).collect();
        Some(original.trim().to_string()).filter(|s| !s.is_empty())
    })
}

/// Reads department, year and declared figures from the title rows and the footnotes.
/// A 单位名称 line names the department most reliably, then the footnote, then the title.
fn read_document(
    titles: &[(String, CellRef)],
    footnotes: &[(String, CellRef)],
    rules: &Rules,
) -> DocumentInfo {
    let d = &rules.document;
    let mut info = DocumentInfo::default();
    let find = |lines: &[(String, CellRef)], patterns: &[regex::Regex], group: &str| {
        lines
            .iter()
            .find_map(|(text, cell)| capture(patterns, text, group).map(|v| (v, *cell)))
    };
    // A capture that names no department (a bare year, 附件3, 表5) does not count.
    let names_department = |(name, _): &(String, CellRef)| {
        !d.department_reject
            .iter()
            .any(|p| p.is_match(&fold_width(name)))
    };
    info.department = find(titles, &d.unit_line_department, "department")
        .filter(names_department)
        .or_else(|| find(footnotes, &d.footnote_department, "department").filter(names_department))
        .or_else(|| find(titles, &d.title_department, "department").filter(names_department));
    let year =
        |lines: &[(String, CellRef)], patterns: &[regex::Regex], to: fn(CellRef) -> YearSource| {
            find(lines, patterns, "year")
                .and_then(|(y, cell)| fold(&y).parse().ok().map(|y| (y, to(cell))))
        };
    info.years = [
        year(titles, &d.unit_line_year, YearSource::YearLine),
        year(footnotes, &d.footnote_year, YearSource::Footnote),
        year(titles, &d.title_year, YearSource::Title),
    ]
    .into_iter()
    .flatten()
    .collect();
    info.year = info.years.first().copied();
    info.declared_count = find(footnotes, &d.footnote_count, "count")
        .and_then(|(n, cell)| fold(&n).parse().ok().map(|n| (n, cell)));
    info.footnote_total = find(footnotes, &d.footnote_total, "total")
        .and_then(|(t, cell)| parse_number(&t).map(|t| (t, cell)));
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::detect;

    fn text_grid(text: &str) -> Grid {
        crate::read::read_delimited(text.as_bytes(), "t")
    }

    const HEADER: &str = "序号\t项目名称\t项目概况\t预算金额(万元)\t本级支出(万元)\t转移支付支出(万元)\t年度绩效目标\t核心绩效指标\t\t\t\n\t\t\t\t\t\t\t指标名称\t运算符\t年度目标值\t单位\n";

    #[test]
    fn projects_run_to_the_next_seq_and_shifted_rows_are_lost() {
        let text = format!(
            "{HEADER}1\t甲\t概况\t10\t10\t0\t目标\t满意度\t≧\t95\t%\n\t\t\t\t\t\t\t数量\t≧\t3\t个\n三类会议标准\t≦\t400\t元\n2\t乙\t\t5\t5\t0\t\t质量\t=\t100\t%\n提升\t\t明显\n合计\t\t\t15\t15\t0\n\n2024年,某某局部门全面公开预算项目支出绩效目标,其中,本级部门预算项目3个,预算金额20万元\n"
        );
        let grid = text_grid(&text);
        let rules = Rules::builtin().expect("rules");
        let layout = detect(&grid, &rules).expect("layout");
        let t = extract(&grid, &layout, &rules);
        assert_eq!(t.projects.len(), 2);
        assert_eq!(t.projects[0].indicators.len(), 2);
        assert_eq!(t.projects[1].indicators.len(), 1);
        assert_eq!(t.lost_rows.len(), 2);
        assert_eq!(t.lost_rows[0].after_project, Some(0));
        assert_eq!(t.lost_rows[0].indicator.name.text(), "三类会议标准");
        assert_eq!(t.lost_rows[0].indicator.target.text(), "400");
        assert_eq!(
            t.lost_rows[0].indicator.unit.as_ref().map(|u| u.text()),
            Some("元".into())
        );
        assert_eq!(t.lost_rows[1].indicator.target.text(), "明显");
        assert_eq!(t.lost_rows[1].after_project, Some(1));
        let sum = t.sum_row.expect("sum row");
        assert_eq!(sum.budget.map(|b| b.text()), Some("15".into()));
        assert_eq!(t.document.department.map(|d| d.0), Some("某某局".into()));
        assert_eq!(t.document.year.map(|(y, _)| y), Some(2024));
        assert_eq!(t.document.declared_count.map(|d| d.0), Some(3));
        assert_eq!(t.document.footnote_total.map(|d| d.0), Some(20.0));
        assert!(t.other_rows.is_empty(), "{:?}", t.other_rows);
    }

    #[test]
    fn notes_inside_the_table_are_kept() {
        let text = format!(
            "{HEADER}1\t甲\t\t10\t10\t0\t\t满意度\t≧\t95\t%\n\t\t说明:另行报送\t\t\t\t这一行不是指标\n"
        );
        let grid = text_grid(&text);
        let rules = Rules::builtin().expect("rules");
        let layout = detect(&grid, &rules).expect("layout");
        let t = extract(&grid, &layout, &rules);
        assert_eq!(t.other_rows.len(), 1);
        assert!(t.other_rows[0].text.contains("说明"));
        assert_eq!(t.other_rows[0].kind, OtherKind::Unrecognized);
    }

    #[test]
    fn a_note_in_the_project_name_column_is_no_project() {
        let text = format!(
            "{HEADER}1\t甲\t\t10\t10\t0\t\t满意度\t≧\t95\t%\n\t注:本表由计划财务处汇总,联系人:张三\n\t填表人:\t李四\t\t审核人:\t王五\n\t说明书印制\t\t5\t5\t0\t\t数量\t≥\t3\t册\n"
        );
        let grid = text_grid(&text);
        let rules = Rules::builtin().expect("rules");
        let layout = detect(&grid, &rules).expect("layout");
        let t = extract(&grid, &layout, &rules);
        let names: Vec<String> = t.projects.iter().map(|p| p.name.text()).collect();
        assert_eq!(names, vec!["甲", "说明书印制"]);
        let notes: Vec<u32> = t
            .other_rows
            .iter()
            .filter(|o| o.kind == OtherKind::Note)
            .map(|o| o.row)
            .collect();
        assert_eq!(notes, vec![3, 4], "{:?}", t.other_rows);
    }
}
