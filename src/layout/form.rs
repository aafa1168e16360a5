//! Forms on a sheet: where each per-project 申报表 (or 部门整体 table) starts and ends, which of
//! its cells are labels, and where its indicator block's header is and which column is what.
//!
//! A form is found by its labels (项目名称, or 部门(单位)名称 for a 部门整体 table), not by row
//! numbers: forms stacked down one sheet are told apart by their own 项目名称, and the titles and
//! year rows above each belong to it. A region with labels but no indicator block (a cover
//! page, a contact table) is no form.

use crate::grid::Grid;
use crate::rules::{Field, FormColumn, FormLabel, Rules};
use crate::text::clean;

/// What kind of form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// One project's 项目支出绩效目标申报表.
    Project,
    /// The 部门整体支出绩效目标表: the department as the subject.
    Overall,
}

/// A label found on a form: its cell, what it names, and a value written inside the same cell
/// after it ("项目名称:XX"), or on the lines of one multi-line cell.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCell {
    pub row: u32,
    pub col: u32,
    pub label: FormLabel,
    /// The bracket it carries ("万元" of "项目资金(万元)").
    pub bracket: Option<String>,
    /// The label as written (for attributes).
    pub text: String,
    /// The value written after a colon in the same cell, if any.
    pub inline: Option<String>,
}

/// The columns of an indicator block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockColumns {
    pub level1: Option<u32>,
    pub level2: Option<u32>,
    pub name: Option<u32>,
    pub operator: Option<u32>,
    pub target: Option<u32>,
    pub unit: Option<u32>,
    pub long_term_target: Option<u32>,
    pub value_kind: Option<u32>,
    pub weight: Option<u32>,
    pub prior_actual: Option<u32>,
    pub description: Option<u32>,
    pub applicable: Option<u32>,
    /// Text columns kept beside the indicator, with their headers as written.
    pub details: Vec<(u32, String)>,
}

impl BlockColumns {
    /// The leftmost column of the block.
    pub fn first(&self) -> Option<u32> {
        [self.level1, self.level2, self.name, self.description]
            .into_iter()
            .flatten()
            .min()
    }
}

/// One form: the rows it spans, its labels and its indicator block.
#[derive(Debug, Clone, PartialEq)]
pub struct FormLayout {
    pub kind: FormKind,
    pub first_row: u32,
    pub last_row: u32,
    /// Labels above the indicator block.
    pub labels: Vec<LabelCell>,
    /// The block's header row and columns (one past the form's last row where it has none).
    pub block_row: u32,
    pub columns: BlockColumns,
}

/// The labels a cell holds: the cell's text as one label, or each line of a multi-line cell
/// ("资金总额: 120\n一、财政拨款:100"), or a label with its value after a colon.
pub fn labels_in(text: &str, row: u32, col: u32, rules: &Rules) -> Vec<LabelCell> {
    let f = &rules.form;
    let whole = clean(text);
    if whole.is_empty() {
        return Vec::new();
    }
    if let Some((label, bracket)) = f.label(whole) {
        return vec![LabelCell {
            row,
            col,
            label,
            bracket,
            text: whole.to_string(),
            inline: None,
        }];
    }
    let mut found = Vec::new();
    for line in whole.lines() {
        let line = clean(line);
        let Some(at) = line.find([':', '：']) else {
            continue;
        };
        let (name, rest) = line.split_at(at);
        let value = clean(&rest[rest.chars().next().map_or(0, char::len_utf8)..]);
        if let Some((label, bracket)) = f.label(name) {
            found.push(LabelCell {
                row,
                col,
                label,
                bracket,
                text: clean(name).to_string(),
                inline: (!value.is_empty()).then(|| value.to_string()),
            });
        }
    }
    found
}

/// The block's columns if `row` is an indicator block's header: it names at least a target
/// and an indicator (or its categories).
pub fn block_header(grid: &Grid, rules: &Rules, row: u32) -> Option<BlockColumns> {
    let mut c = BlockColumns::default();
    for (col, value) in grid.row_cells(row) {
        let text = value.text();
        // The form's own columns first: "指标值类型" must not read as 指标值.
        if let Some(column) = rules.form.column(&text) {
            let slot = match column {
                FormColumn::ValueKind => &mut c.value_kind,
                FormColumn::Weight => &mut c.weight,
                FormColumn::LongTermTarget => &mut c.long_term_target,
                FormColumn::PriorActual => &mut c.prior_actual,
                FormColumn::Description => &mut c.description,
                FormColumn::Applicable => &mut c.applicable,
                FormColumn::Detail => {
                    c.details.push((col, clean(&text).to_string()));
                    continue;
                }
            };
            slot.get_or_insert(col);
            continue;
        }
        let Some((field, _)) = rules.header_field(&text) else {
            continue;
        };
        let slot = match field {
            Field::Level1 => &mut c.level1,
            Field::Level2 => &mut c.level2,
            Field::IndicatorName => &mut c.name,
            Field::Operator => &mut c.operator,
            Field::Target => {
                // A second target column that says long-term (中长期指标值) is the long-term one.
                if rules.form.is_long_term(&text) {
                    &mut c.long_term_target
                } else {
                    &mut c.target
                }
            }
            Field::Unit => &mut c.unit,
            _ => continue,
        };
        slot.get_or_insert(col);
    }
    let named = c.name.is_some() || c.level2.is_some() || c.description.is_some();
    (c.target.is_some() && named).then_some(c)
}

/// Does the sheet look like a self-evaluation (绩效自评表): a title that says so in its first
/// rows, or a header with two of a self-evaluation's columns (实际完成值, 得分 …)?
pub fn is_self_evaluation(grid: &Grid, rules: &Rules) -> bool {
    let f = &rules.form;
    let top = grid.row_count().min(6);
    let titled = (0..top).any(|row| {
        grid.row_cells(row).any(|(_, v)| {
            v.text_ref().chars().count() <= 60 && f.is_self_evaluation_title(&v.text_ref())
        })
    });
    titled
        || self_evaluation_header(
            grid,
            rules,
            0,
            grid.row_count().min(rules.header_search_rows as u32 + 40),
        )
}

/// Whether a row among `first..last` holds two self-evaluation columns.
pub fn self_evaluation_header(grid: &Grid, rules: &Rules, first: u32, last: u32) -> bool {
    (first..last).any(|row| {
        grid.row_cells(row)
            .filter(|(_, v)| rules.form.is_self_evaluation_column(&v.text_ref()))
            .count()
            >= 2
    })
}

/// Is this row a title or a heading line that opens a form (a form title, a "(2024年度)" row,
/// a 填报单位 line, a 单位:万元 line)?
fn is_heading(grid: &Grid, rules: &Rules, row: u32) -> bool {
    let mut cells = grid.row_cells(row);
    let Some((col, value)) = cells.next() else {
        return false;
    };
    let text = value.text();
    let f = &rules.form;
    if f.is_project_title(&text) || f.is_overall_title(&text) {
        return true;
    }
    let folded = crate::text::fold_width(&text);
    let year_row = rules
        .document
        .title_year
        .iter()
        .any(|p| p.is_match(&folded))
        && text.chars().count() <= 16;
    let unit_line = rules
        .document
        .amount_unit_line
        .iter()
        .any(|p| p.is_match(&folded));
    let reporting = labels_in(&text, row, col, rules)
        .iter()
        .any(|l| l.label == FormLabel::ReportingUnit);
    // At most two cells: "填报单位:XX  单位:万元" may stand in two.
    (year_row || unit_line || reporting) && cells.nth(1).is_none()
}

/// The forms of a sheet, and the regions that looked like one but have no indicator block
/// (cover pages, contact tables), as (first row, last row).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forms {
    pub forms: Vec<FormLayout>,
    pub covers: Vec<(u32, u32)>,
}

/// Every form on the sheet, top to bottom.
pub fn detect(grid: &Grid, rules: &Rules) -> Forms {
    let rows = grid.row_count();
    let mut labels: Vec<LabelCell> = Vec::new();
    let mut blocks: Vec<(u32, BlockColumns)> = Vec::new();
    for row in 0..rows {
        if let Some(columns) = block_header(grid, rules, row) {
            blocks.push((row, columns));
            continue;
        }
        for (col, value) in grid.row_cells(row) {
            labels.extend(labels_in(&value.text_ref(), row, col, rules));
        }
    }
    if blocks.is_empty() {
        return Forms::default();
    }
    // Each form is anchored at its 项目名称 (or 部门名称) label.
    let mut anchors: Vec<(u32, FormKind)> = Vec::new();
    for l in &labels {
        let kind = match l.label {
            FormLabel::ProjectName => FormKind::Project,
            FormLabel::OverallDepartment => FormKind::Overall,
            _ => continue,
        };
        if anchors.last().is_none_or(|&(r, _)| r != l.row) {
            anchors.push((l.row, kind));
        }
    }
    let overall_title = (0..rows.min(8)).any(|row| {
        grid.row_cells(row)
            .any(|(_, v)| rules.form.is_overall_title(&v.text_ref()))
    });
    if anchors.is_empty() {
        // A form without a 项目名称 label: a form title and a block make it one.
        let titled = (0..rows.min(8)).any(|row| {
            grid.row_cells(row).any(|(_, v)| {
                let t = v.text_ref();
                rules.form.is_project_title(&t) || rules.form.is_overall_title(&t)
            })
        });
        if !titled {
            return Forms::default();
        }
        let kind = if overall_title {
            FormKind::Overall
        } else {
            FormKind::Project
        };
        anchors.push((0, kind));
    }
    // An anchor inside the block of the form before it is no new form.
    let mut starts: Vec<(u32, FormKind)> = Vec::new();
    for (row, kind) in anchors {
        let block_before = blocks.iter().rev().find(|(b, _)| *b < row).map(|(b, _)| *b);
        let prev_start = starts.last().map(|(s, _)| *s);
        let head = match prev_start {
            // The first form begins at the top of the sheet: its titles are above it.
            None => 0,
            Some(prev) => {
                // Titles and heading lines right above the anchor open this form, down to the
                // block of the form before it.
                let floor = block_before
                    .filter(|b| *b >= prev)
                    .map_or(prev + 1, |b| b + 1);
                let mut head = row;
                while head > floor
                    && (grid.row_is_empty(head - 1) || is_heading(grid, rules, head - 1))
                {
                    head -= 1;
                }
                head
            }
        };
        starts.push((head, kind));
    }
    let mut found = Forms::default();
    for (k, &(first_row, kind)) in starts.iter().enumerate() {
        let last_row = starts
            .get(k + 1)
            .map_or(rows.saturating_sub(1), |(next, _)| next.saturating_sub(1));
        let block = blocks
            .iter()
            .find(|(b, _)| (first_row..=last_row).contains(b))
            .cloned();
        // Without an indicator block, amounts still make a project (one without indicators);
        // a cover page or a contact table has none.
        let has_amounts = || {
            labels.iter().any(|l| {
                (first_row..=last_row).contains(&l.row)
                    && matches!(l.label, FormLabel::Total | FormLabel::Fiscal)
            })
        };
        let (block_row, columns) = match block {
            Some(block) => block,
            None if has_amounts() => (last_row + 1, BlockColumns::default()),
            None => {
                found.covers.push((first_row, last_row));
                continue;
            }
        };
        let kind = if kind == FormKind::Project && overall_title && starts.len() == 1 {
            // A 部门整体 table whose name label is one the rules give to projects.
            FormKind::Overall
        } else {
            kind
        };
        found.forms.push(FormLayout {
            kind,
            first_row,
            last_row,
            labels: labels
                .iter()
                .filter(|l| (first_row..block_row).contains(&l.row))
                .cloned()
                .collect(),
            block_row,
            columns,
        });
    }
    found
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
    fn a_form_is_found_by_its_labels_and_block() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[
            &["项目支出绩效目标申报表"],
            &["(2024年度)"],
            &["项目名称", "社区养老服务"],
            &["主管部门及代码", "某某局 102003", "实施单位", "某某中心"],
            &["项目资金(万元)", "年度资金总额:", "120"],
            &["", "其中:财政拨款", "100"],
            &["年度总体目标", "为500名老人提供服务"],
            &["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
            &["", "产出指标", "数量指标", "服务人数", "≥500人"],
        ]);
        let forms = detect(&g, &rules).forms;
        assert_eq!(forms.len(), 1);
        let f = &forms[0];
        assert_eq!(
            (f.kind, f.first_row, f.last_row, f.block_row),
            (FormKind::Project, 0, 8, 7)
        );
        assert_eq!(
            (
                f.columns.level1,
                f.columns.level2,
                f.columns.name,
                f.columns.target
            ),
            (Some(1), Some(2), Some(3), Some(4))
        );
        let names: Vec<FormLabel> = f.labels.iter().map(|l| l.label).collect();
        assert_eq!(
            names,
            [
                FormLabel::ProjectName,
                FormLabel::Department,
                FormLabel::ImplementingUnit,
                FormLabel::Money,
                FormLabel::Total,
                FormLabel::Fiscal,
                FormLabel::Goal
            ]
        );
    }

    #[test]
    fn stacked_forms_keep_their_titles_and_covers_are_no_forms() {
        let rules = Rules::builtin().expect("rules");
        let g = grid(&[
            &["项目名称", "封面上的项目"],
            &["联系电话", "123"],
            &[""],
            &["项目绩效目标表"],
            &["项目名称", "甲"],
            &["一级指标", "二级指标", "三级指标", "指标值"],
            &["产出指标", "数量指标", "场次", "10"],
            &[""],
            &["项目绩效目标表"],
            &["项目名称", "乙"],
            &["一级指标", "二级指标", "三级指标", "指标值"],
            &["产出指标", "数量指标", "人次", "20"],
        ]);
        let found = detect(&g, &rules);
        let spans: Vec<(u32, u32, u32)> = found
            .forms
            .iter()
            .map(|f| (f.first_row, f.last_row, f.block_row))
            .collect();
        // The cover (rows 1-2) has no block of its own: it is no form. Each form starts with
        // the title and blank rows above its 项目名称.
        assert_eq!(spans, [(2, 6, 5), (7, 11, 10)]);
        assert_eq!(found.covers, [(0, 1)]);
        assert!(is_self_evaluation(
            &grid(&[&["2023年度项目支出绩效自评表"], &["项目名称", "x"]]),
            &rules
        ));
        assert!(!is_self_evaluation(&g, &rules));
    }

    #[test]
    fn multi_line_cells_and_inline_values_are_labels() {
        let rules = Rules::builtin().expect("rules");
        let found = labels_in(
            "资金总额: 120\n一、财政拨款:100\n二、自有资金:20",
            3,
            1,
            &rules,
        );
        let got: Vec<(FormLabel, Option<&str>)> = found
            .iter()
            .map(|l| (l.label, l.inline.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (FormLabel::Total, Some("120")),
                (FormLabel::Fiscal, Some("100")),
                (FormLabel::Other, Some("20"))
            ]
        );
        let found = labels_in("填报单位(盖章):某某局", 0, 0, &rules);
        assert_eq!(found[0].label, FormLabel::ReportingUnit);
        assert_eq!(found[0].inline.as_deref(), Some("某某局"));
    }
}
