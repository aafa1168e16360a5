//! Stage 3: find the table on a grid: which rows are the header and which column means what.
//!
//! The header is found by its names (through the rules' synonyms), never by row number. It may
//! have two levels: a group cell such as 核心绩效指标 over 指标名称/运算符/年度目标值/单位, with
//! the project columns merged down across both rows. The indicator may be given in three levels
//! (一级指标 | 二级指标 | 三级指标), the third being the indicator's name.
//!
//! The unit of the amounts comes from the amount headers ("预算数(元)"), else from a line above the
//! header ("单位:元"), else it is 万元.

pub mod form;

use crate::grid::{CellRef, Grid};
use crate::rules::{Field, Rules};
use crate::text::fold_width;

/// The column of each field, where the table has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Columns {
    pub seq: Option<u32>,
    pub project_name: u32,
    pub overview: Option<u32>,
    pub budget: Option<u32>,
    pub own: Option<u32>,
    pub transfer: Option<u32>,
    pub goal: Option<u32>,
    pub indicator_name: u32,
    pub operator: Option<u32>,
    pub target: u32,
    pub unit: Option<u32>,
    /// 一级指标 and 二级指标, in the three-level layout.
    pub level1: Option<u32>,
    pub level2: Option<u32>,
}

impl Columns {
    /// The columns that describe the project (as opposed to one of its indicators).
    pub fn project_columns(&self) -> Vec<u32> {
        [
            self.seq,
            Some(self.project_name),
            self.overview,
            self.budget,
            self.own,
            self.transfer,
            self.goal,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The first column that belongs to an indicator (its level columns included).
    pub fn indicator_first(&self) -> u32 {
        [self.level1, self.level2, Some(self.indicator_name)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.indicator_name)
    }

    /// The columns of one indicator, in reading order.
    pub fn indicator_columns(&self) -> Vec<u32> {
        [
            self.level1,
            self.level2,
            Some(self.indicator_name),
            self.operator,
            Some(self.target),
            self.unit,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Where the table sits on its grid.
#[derive(Debug, Clone, PartialEq)]
pub struct TableLayout {
    /// First and last header row (equal for a one-level header).
    pub header_first_row: u32,
    pub header_last_row: u32,
    pub columns: Columns,
    /// Amounts are multiplied by this to give 万元 (1 for 万元, 0.0001 for 元).
    pub amount_scale: f64,
    /// The unit the amount headers name, as written ("万元", "元"), if any.
    pub amount_unit: Option<String>,
    /// Where the unit was read when not from the headers: the cell of a "单位:元" line.
    pub amount_unit_cell: Option<CellRef>,
    /// An amount header's bracket that names money in a unit the rules do not know, with its
    /// cell: the amounts are read as 万元 and a finding says so.
    pub unknown_amount_unit: Option<(String, CellRef)>,
}

/// What a sheet holds.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetLayout {
    /// A table of projects, one row per indicator (the published 汇总表 shape).
    RowTable(TableLayout),
    /// One or more 申报表 forms (or a 部门整体 table).
    Forms(form::Forms),
    /// A 绩效自评表: last year's results, not targets.
    SelfEvaluation,
    /// Neither a table nor a form.
    Nothing,
}

/// Finds what a sheet holds: a row table (found first, exactly as before forms were read), else
/// forms; a self-evaluation is told apart from either.
pub fn detect_sheet(grid: &Grid, rules: &Rules) -> SheetLayout {
    if let Some(table) = detect(grid, rules) {
        let titled = (0..table.header_first_row.min(6)).any(|row| {
            grid.row_cells(row)
                .any(|(_, v)| rules.form.is_self_evaluation_title(&v.text_ref()))
        });
        let header = form::self_evaluation_header(
            grid,
            rules,
            table.header_first_row,
            table.header_last_row + 1,
        );
        return if titled || header {
            SheetLayout::SelfEvaluation
        } else {
            SheetLayout::RowTable(table)
        };
    }
    if form::is_self_evaluation(grid, rules) {
        return SheetLayout::SelfEvaluation;
    }
    let forms = form::detect(grid, rules);
    if forms.forms.is_empty() {
        SheetLayout::Nothing
    } else {
        SheetLayout::Forms(forms)
    }
}

/// Finds the table header in the first rows of the grid.
pub fn detect(grid: &Grid, rules: &Rules) -> Option<TableLayout> {
    let last = grid.row_count().min(rules.header_search_rows as u32);
    (0..last).find_map(|row| layout_at(grid, rules, row))
}

/// The fields a header row names, by column, with any bracketed unit.
fn fields_of_row(grid: &Grid, rules: &Rules, row: u32) -> Vec<(u32, Field, Option<String>)> {
    grid.row_cells(row)
        .filter_map(|(col, value)| {
            let (field, unit) = rules.header_field(&value.text())?;
            Some((col, field, unit))
        })
        .collect()
}

fn layout_at(grid: &Grid, rules: &Rules, row: u32) -> Option<TableLayout> {
    let top = fields_of_row(grid, rules, row);
    if !top.iter().any(|(_, f, _)| *f == Field::ProjectName) {
        return None;
    }
    // "项目名称 | 某某项目" above a form's indicator block is a label with its value, not the
    // top of a two-level header: a header names more than the project in its first row.
    if top.len() == 1 && grid.row_cells(row).count() > 1 {
        return None;
    }
    let below = fields_of_row(grid, rules, row + 1);
    // A second header level only counts where the row below names indicator fields.
    let two_level = below.iter().any(|(_, f, _)| {
        matches!(
            f,
            Field::IndicatorName | Field::Target | Field::Level1 | Field::Level2
        )
    });

    let mut found: Vec<(Field, u32, Option<String>)> = Vec::new();
    let mut take = |col: u32, field: Field, unit: Option<String>| {
        if field != Field::IndicatorGroup && !found.iter().any(|(f, _, _)| *f == field) {
            found.push((field, col, unit));
        }
    };
    for (col, field, unit) in &top {
        take(*col, *field, unit.clone());
    }
    if two_level {
        for (col, field, unit) in &below {
            take(*col, *field, unit.clone());
        }
    } else if let Some((group_col, _, _)) = top.iter().find(|(_, f, _)| *f == Field::IndicatorGroup)
        && !found.iter().any(|(f, _, _)| *f == Field::IndicatorName)
    {
        // A one-level header whose "绩效指标" column holds the indicators' names.
        found.push((Field::IndicatorName, *group_col, None));
    }
    let col = |field: Field| found.iter().find(|(f, _, _)| *f == field).map(|x| x.1);
    let columns = Columns {
        seq: col(Field::Seq),
        project_name: col(Field::ProjectName)?,
        overview: col(Field::Overview),
        budget: col(Field::Budget),
        own: col(Field::Own),
        transfer: col(Field::Transfer),
        goal: col(Field::Goal),
        indicator_name: col(Field::IndicatorName)?,
        operator: col(Field::Operator),
        target: col(Field::Target)?,
        unit: col(Field::Unit),
        level1: col(Field::Level1),
        level2: col(Field::Level2),
    };
    // A bracketed unit counts only where the rules know it: "预算数(财政拨款)" names no unit.
    let bracketed: Vec<(u32, String)> = found
        .iter()
        .filter(|(f, _, _)| matches!(f, Field::Budget | Field::Own | Field::Transfer))
        .filter_map(|(_, col, unit)| unit.clone().map(|u| (*col, u)))
        .collect();
    // "(元)" or "(单位:元)": the bracket names the unit directly or as a unit line does.
    let scale_of = |bracket: &str| -> Option<(String, f64)> {
        if let Some(scale) = rules.amount_scale(bracket) {
            return Some((bracket.to_string(), scale));
        }
        let text = fold_width(bracket);
        rules.document.amount_unit_line.iter().find_map(|p| {
            let unit = p.captures(&text)?.name("unit")?.as_str().to_string();
            let scale = rules.amount_scale(&unit)?;
            Some((unit, scale))
        })
    };
    let header_unit = bracketed.iter().find_map(|(_, b)| scale_of(b));
    // A bracket that speaks of money in a unit the rules do not know: amounts are read as 万元,
    // and the reader is told, rather than a figure silently off by a factor.
    let unknown_amount_unit = if header_unit.is_none() {
        bracketed
            .iter()
            .find(|(_, b)| b.contains('元'))
            .map(|(col, b)| (b.clone(), CellRef::new(row, *col)))
    } else {
        None
    };
    let (amount_unit, amount_scale, amount_unit_cell) = match header_unit {
        Some((unit, scale)) => (Some(unit), scale, None),
        None => match unit_line(grid, rules, row) {
            Some((unit, scale, cell)) => (Some(unit), scale, Some(cell)),
            None => (None, 1.0, None),
        },
    };
    Some(TableLayout {
        header_first_row: row,
        header_last_row: if two_level { row + 1 } else { row },
        columns,
        amount_scale,
        amount_unit,
        amount_unit_cell,
        unknown_amount_unit,
    })
}

/// A "单位:元" line above the header: the unit, its factor to 万元 and its cell. The line nearest
/// the header wins.
fn unit_line(grid: &Grid, rules: &Rules, header_row: u32) -> Option<(String, f64, CellRef)> {
    (0..header_row).rev().find_map(|row| {
        grid.row_cells(row).find_map(|(col, value)| {
            let text = fold_width(&value.text());
            rules.document.amount_unit_line.iter().find_map(|p| {
                let unit = p.captures(&text)?.name("unit")?.as_str().to_string();
                let scale = rules.amount_scale(&unit)?;
                Some((unit, scale, CellRef::new(row, col)))
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::CellValue;

    fn grid(rows: &[&[&str]]) -> Grid {
        let mut g = Grid::new("s");
        for (r, cells) in rows.iter().enumerate() {
            for (c, text) in cells.iter().enumerate() {
                g.set(r as u32, c as u32, CellValue::Text((*text).into()));
            }
        }
        g
    }

    #[test]
    fn finds_two_level_header_below_a_title() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[
            &["项目绩效目标汇总表"],
            &[
                "序号",
                "项目名称",
                "项目概况",
                "预算金额(万元)",
                "本级支出(万元)",
                "转移支付支出(万元)",
                "年度绩效目标",
                "核心绩效指标",
            ],
            &[
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "指标名称",
                "运算符",
                "年度目标值",
                "单位",
            ],
        ]);
        let layout = detect(&g, &rules).expect("layout");
        assert_eq!(layout.header_first_row, 1);
        assert_eq!(layout.header_last_row, 2);
        assert_eq!(layout.columns.seq, Some(0));
        assert_eq!(layout.columns.budget, Some(3));
        assert_eq!(layout.columns.indicator_name, 7);
        assert_eq!(layout.columns.operator, Some(8));
        assert_eq!(layout.columns.target, 9);
        assert_eq!(layout.columns.unit, Some(10));
        assert_eq!(layout.amount_scale, 1.0);
    }

    #[test]
    fn one_level_header_with_yuan_amounts() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[&[
            "序号",
            "项目名称",
            "预算数(元)",
            "指标名称",
            "符号",
            "目标值",
            "计量单位",
        ]]);
        let layout = detect(&g, &rules).expect("layout");
        assert_eq!(layout.header_last_row, 0);
        assert_eq!(layout.columns.budget, Some(2));
        assert_eq!(layout.columns.operator, Some(4));
        assert_eq!(layout.amount_scale, 0.0001);
    }

    #[test]
    fn unrelated_sheets_have_no_layout() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[&["部门收支总表"], &["收入", "金额", "支出", "金额"]]);
        assert_eq!(detect(&g, &rules), None);
    }

    #[test]
    fn header_is_searched_in_the_first_30_rows_only() {
        let rules = Rules::builtin().expect("rules");
        let header: &[&str] = &["项目名称", "指标名称", "指标值"];
        let mut rows: Vec<&[&str]> = vec![&["说明"]; 29];
        rows.push(header);
        assert_eq!(
            detect(&grid(&rows), &rules).map(|l| l.header_first_row),
            Some(29)
        );
        rows.insert(0, &["标题"]);
        assert_eq!(detect(&grid(&rows), &rules), None);
    }

    #[test]
    fn three_level_header_under_a_group() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[
            &["金额单位：千元"],
            &["项目名称", "资金总额", "绩效指标"],
            &["", "", "一级指标", "二级指标", "三级指标", "指标值"],
        ]);
        let layout = detect(&g, &rules).expect("layout");
        assert_eq!(layout.header_last_row, 2);
        let c = &layout.columns;
        assert_eq!(
            (c.level1, c.level2, c.indicator_name, c.target),
            (Some(2), Some(3), 4, 5)
        );
        assert_eq!(c.indicator_first(), 2);
        // The unit line above the header, written with a full-width colon.
        assert_eq!(layout.amount_scale, 0.1);
        assert_eq!(layout.amount_unit.as_deref(), Some("千元"));
        assert_eq!(
            layout.amount_unit_cell.map(CellRef::name).as_deref(),
            Some("A1")
        );
    }

    #[test]
    fn a_one_level_group_header_names_the_indicator_column() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[&["序号", "项目名称", "预算数", "绩效指标", "指标值"]]);
        let layout = detect(&g, &rules).expect("layout");
        assert_eq!(
            (layout.columns.indicator_name, layout.columns.target),
            (3, 4)
        );
    }

    #[test]
    fn a_bracket_that_is_no_unit_leaves_amounts_in_wan() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[
            &["单位名称:某局"],
            &["项目名称", "预算数(财政拨款)", "指标名称", "目标值"],
        ]);
        let layout = detect(&g, &rules).expect("layout");
        assert_eq!((layout.amount_scale, layout.amount_unit), (1.0, None));
    }
}
