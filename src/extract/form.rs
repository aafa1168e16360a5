//! A form's cells sorted into what they say: each label's value (to its right, below it, or
//! inside its own cell), the money block (the year's amount, its 财政拨款 and other parts, a
//! cumulative total kept apart, a column of the year's amounts beside the period's), the goals,
//! the attributes, and the indicator block's rows (the year's, and the long-term ones kept
//! apart). Nothing is interpreted beyond where a value belongs; values stay as read, with
//! their cells.

use std::collections::HashSet;

use crate::grid::{CellRef, CellValue, Grid};
use crate::layout::form::{BlockColumns, FormKind, FormLayout, LabelCell, labels_in};
use crate::rules::{FormLabel, Rules};
use crate::text::fold_width;

use super::{Located, RawExtra, RawIndicator, fill_levels_at};

/// One form as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawForm {
    pub kind: FormKind,
    pub first_row: u32,
    /// The text rows above its first label (titles, "(2024年度)"), for its year.
    pub titles: Vec<(String, CellRef)>,
    /// The 项目名称 label's cell, and its value.
    pub name_label: Option<CellRef>,
    pub project_name: Option<Located>,
    pub department: Option<Located>,
    pub reporting_unit: Option<Located>,
    pub implementing_unit: Option<Located>,
    pub overall_department: Option<Located>,
    pub duties: Option<Located>,
    pub goal: Option<Located>,
    pub long_term_goal: Option<Located>,
    pub overview: Option<Located>,
    pub total: Option<Located>,
    pub fiscal: Option<Located>,
    pub other: Option<Located>,
    pub cumulative: Option<Located>,
    /// Amounts are multiplied by this to give 万元; the unit as written and where it was read.
    pub amount_scale: f64,
    pub amount_unit: Option<(String, CellRef)>,
    /// Every other label with its value, in reading order.
    pub attributes: Vec<(String, Located)>,
    /// The year's indicators, and the long-term ones.
    pub indicators: Vec<RawIndicator>,
    pub long_term: Vec<RawIndicator>,
    /// Rows of the block that say they are no indicator (本项目不适用此指标).
    pub not_applicable: Vec<Located>,
    /// Text on the form that is neither a label, a value nor part of the block.
    pub stray: Vec<Located>,
}

/// Reads every form of a sheet.
pub fn extract_forms(grid: &Grid, forms: &[FormLayout], rules: &Rules) -> Vec<RawForm> {
    forms.iter().map(|f| extract_form(grid, f, rules)).collect()
}

fn extract_form(grid: &Grid, layout: &FormLayout, rules: &Rules) -> RawForm {
    let mut form = RawForm {
        kind: layout.kind,
        first_row: layout.first_row,
        titles: Vec::new(),
        name_label: None,
        project_name: None,
        department: None,
        reporting_unit: None,
        implementing_unit: None,
        overall_department: None,
        duties: None,
        goal: None,
        long_term_goal: None,
        overview: None,
        total: None,
        fiscal: None,
        other: None,
        cumulative: None,
        amount_scale: 1.0,
        amount_unit: None,
        attributes: Vec::new(),
        indicators: Vec::new(),
        long_term: Vec::new(),
        not_applicable: Vec::new(),
        stray: Vec::new(),
    };
    let mut claimed: HashSet<(u32, u32)> = HashSet::new();
    let label_cells: HashSet<(u32, u32)> = layout.labels.iter().map(|l| (l.row, l.col)).collect();
    let money = MoneyColumns::find(grid, rules, layout, &label_cells);
    claimed.extend(money.header_cells.iter().copied());
    for label in &layout.labels {
        claimed.insert((label.row, label.col));
    }
    // Parts written under a cumulative total (项目资金总额, 其中:财政资金) are that total's, not
    // the year's: until the year's total comes, 财政拨款 and 其他资金 lines are attributes.
    let mut under_cumulative = false;
    for label in &layout.labels {
        if money.header_cells.contains(&(label.row, label.col)) {
            // "中期资金总额 | 年度资金总额" over the amounts: column headers, not labels.
            continue;
        }
        let value = if money.applies_to(label) {
            money.value(grid, label, &mut claimed)
        } else {
            value_of(grid, label, layout.block_row, &label_cells, &mut claimed)
        };
        match label.label {
            FormLabel::Cumulative => under_cumulative = true,
            FormLabel::Total | FormLabel::Money => under_cumulative = false,
            FormLabel::Fiscal | FormLabel::Other if under_cumulative => {
                let part = LabelCell {
                    label: FormLabel::Part,
                    ..label.clone()
                };
                take(&mut form, &part, value);
                continue;
            }
            _ => {}
        }
        take(&mut form, label, value);
        if matches!(
            label.label,
            FormLabel::Money | FormLabel::Total | FormLabel::AmountColumn
        ) && form.amount_unit.is_none()
            && let Some(b) = &label.bracket
            && let Some(scale) = rules.amount_scale(b)
        {
            form.amount_scale = scale;
            form.amount_unit = Some((b.clone(), CellRef::new(label.row, label.col)));
        }
    }
    if money.cumulative_col.is_some()
        && form.cumulative.is_none()
        && let Some(total) = layout
            .labels
            .iter()
            .find(|l| l.label == FormLabel::Total && money.applies_to(l))
    {
        form.cumulative = money.cumulative(grid, total);
    }
    // Text above the block that no label claimed: titles before the first label, the unit
    // line, and stray text.
    let first_label = layout
        .labels
        .iter()
        .map(|l| l.row)
        .min()
        .unwrap_or(layout.block_row);
    for row in layout.first_row..layout.block_row {
        for (col, value) in grid.row_cells(row) {
            if claimed.contains(&(row, col)) {
                continue;
            }
            let text = value.text();
            if let Some((unit, scale)) = unit_line(&text, rules)
                && form.amount_unit.is_none()
            {
                form.amount_scale = scale;
                form.amount_unit = Some((unit, CellRef::new(row, col)));
            } else if row < first_label {
                form.titles.push((text, CellRef::new(row, col)));
            } else if covered_by_claimed(grid, row, col, &claimed) {
                continue;
            } else {
                form.stray.push(Located::at(grid, row, col));
            }
        }
    }
    read_block(grid, layout, rules, &mut form);
    form
}

/// "单位:元" / "金额单位:万元": the unit of the amounts, and its factor to 万元.
fn unit_line(text: &str, rules: &Rules) -> Option<(String, f64)> {
    let folded = fold_width(text);
    rules.document.amount_unit_line.iter().find_map(|p| {
        let unit = p.captures(&folded)?.name("unit")?.as_str().to_string();
        let scale = rules.amount_scale(&unit)?;
        Some((unit, scale))
    })
}

/// A cell inside a merged block whose top-left cell was claimed reads as that cell's.
fn covered_by_claimed(grid: &Grid, row: u32, col: u32, claimed: &HashSet<(u32, u32)>) -> bool {
    grid.merge_at(row, col)
        .is_some_and(|m| claimed.contains(&(m.first_row, m.first_col)))
}

/// The value of a label that is not in a money block's columns: inside its cell, to its
/// right, or below it.
fn value_of(
    grid: &Grid,
    label: &LabelCell,
    block_row: u32,
    labels: &HashSet<(u32, u32)>,
    claimed: &mut HashSet<(u32, u32)>,
) -> Option<Located> {
    if let Some(inline) = &label.inline {
        return Some(Located {
            value: CellValue::Text(inline.as_str().into()),
            row: label.row,
            col: label.col,
        });
    }
    // A cell holding several labels (one per line) has no value beside it.
    let (row, col) = (label.row, label.col);
    let right_from = grid.merge_at(row, col).map_or(col, |m| m.last_col) + 1;
    let right = grid
        .row_cells(row)
        .find(|(c, _)| *c >= right_from)
        .map(|(c, _)| c);
    match right {
        Some(c) if !labels.contains(&(row, c)) && !claimed.contains(&(row, c)) => {
            claimed.insert((row, c));
            return Some(Located::at(grid, row, c));
        }
        // The next cell to the right is a label: the values stand in the row below.
        _ => {}
    }
    // Below, but never from the indicator block: a label above it names none of its cells.
    let below = grid.merge_at(row, col).map_or(row, |m| m.last_row) + 1;
    let cell = grid.get(below, col);
    if below < block_row
        && !cell.is_empty()
        && !labels.contains(&(below, col))
        && !claimed.contains(&(below, col))
    {
        claimed.insert((below, col));
        return Some(Located::at(grid, below, col));
    }
    None
}

/// Puts a label's value where it belongs on the form.
fn take(form: &mut RawForm, label: &LabelCell, value: Option<Located>) {
    let slot = match label.label {
        FormLabel::ProjectName => {
            form.name_label = Some(CellRef::new(label.row, label.col));
            &mut form.project_name
        }
        FormLabel::Department => &mut form.department,
        FormLabel::ImplementingUnit => &mut form.implementing_unit,
        FormLabel::ReportingUnit => &mut form.reporting_unit,
        FormLabel::OverallDepartment => &mut form.overall_department,
        FormLabel::Duties => &mut form.duties,
        FormLabel::Goal => &mut form.goal,
        FormLabel::LongTermGoal => &mut form.long_term_goal,
        FormLabel::Overview => &mut form.overview,
        FormLabel::Total => &mut form.total,
        FormLabel::Fiscal => &mut form.fiscal,
        FormLabel::Other => &mut form.other,
        FormLabel::Cumulative => &mut form.cumulative,
        // A heading or a column header names no value of its own.
        FormLabel::Money | FormLabel::AmountColumn | FormLabel::Block => return,
        FormLabel::Part | FormLabel::Attribute | FormLabel::Closing => {
            if let Some(v) = value.filter(|v| !v.value.is_empty()) {
                form.attributes.push((label.text.clone(), v));
            }
            return;
        }
    };
    // The first value a label gives stands ("总体目标" then "年度目标": the first that has one).
    if slot.as_ref().is_none_or(|v| v.value.is_empty()) && value.is_some() {
        *slot = value;
    }
}

/// Columns of a money block that give the year's amounts beside the whole period's
/// ("| 中期资金总额 | 年度资金总额" over rows of 资金总额, 财政拨款, 其他资金).
#[derive(Debug, Default)]
struct MoneyColumns {
    annual_col: Option<u32>,
    cumulative_col: Option<u32>,
    /// The header row, and the rows it governs.
    rows: Option<(u32, u32)>,
    header_cells: Vec<(u32, u32)>,
}

impl MoneyColumns {
    fn find(
        grid: &Grid,
        rules: &Rules,
        layout: &FormLayout,
        labels: &HashSet<(u32, u32)>,
    ) -> MoneyColumns {
        let f = &rules.form;
        let amount_labels = |row: u32| {
            layout.labels.iter().any(|l| {
                l.row == row
                    && matches!(
                        l.label,
                        FormLabel::Total | FormLabel::Fiscal | FormLabel::Other | FormLabel::Part
                    )
            })
        };
        for row in layout.first_row..layout.block_row {
            let mut annual = None;
            let mut cumulative = None;
            let mut cells = Vec::new();
            for (col, value) in grid.row_cells(row) {
                let text = value.text();
                if text.chars().count() > 12 {
                    continue;
                }
                let label = labels_in(&text, row, col, rules).into_iter().next();
                if matches!(label.as_ref().map(|l| l.label), Some(FormLabel::Money)) {
                    continue;
                }
                if f.is_annual_column(&text) {
                    annual.get_or_insert(col);
                    cells.push((row, col));
                } else if f.is_cumulative_column(&text) {
                    cumulative.get_or_insert(col);
                    cells.push((row, col));
                }
            }
            let (Some(a), Some(c)) = (annual, cumulative) else {
                continue;
            };
            // The header's columns hold amounts in the rows below it that carry money labels.
            let mut last = row;
            while last + 1 < layout.block_row && amount_labels(last + 1) {
                last += 1;
            }
            if last > row && !labels.contains(&(row + 1, a)) {
                return MoneyColumns {
                    annual_col: Some(a),
                    cumulative_col: Some(c),
                    rows: Some((row, last)),
                    header_cells: cells,
                };
            }
        }
        MoneyColumns::default()
    }

    fn applies_to(&self, label: &LabelCell) -> bool {
        let Some((first, last)) = self.rows else {
            return false;
        };
        label.row > first
            && label.row <= last
            && matches!(
                label.label,
                FormLabel::Total | FormLabel::Fiscal | FormLabel::Other | FormLabel::Part
            )
    }

    fn value(
        &self,
        grid: &Grid,
        label: &LabelCell,
        claimed: &mut HashSet<(u32, u32)>,
    ) -> Option<Located> {
        let col = self.annual_col?;
        let at = Located::at(grid, label.row, col);
        claimed.insert((label.row, col));
        if let Some(c) = self.cumulative_col {
            claimed.insert((label.row, c));
        }
        (!at.value.is_empty()).then_some(at)
    }

    fn cumulative(&self, grid: &Grid, total: &LabelCell) -> Option<Located> {
        let col = self.cumulative_col?;
        let at = Located::at(grid, total.row, col);
        (!at.value.is_empty()).then_some(at)
    }
}

/// The indicator block's rows: the year's indicators, the long-term ones kept apart, and rows
/// that say they are none.
fn read_block(grid: &Grid, layout: &FormLayout, rules: &Rules, form: &mut RawForm) {
    let f = &rules.form;
    let mut cols = layout.columns.clone();
    let first = cols.first().unwrap_or(0);
    // "指标类型 | 指标名称 | 指标值 | 指标描述": the name column holds only 二级 categories, the
    // description is the indicator.
    if let (Some(name), Some(description)) = (cols.name, cols.description)
        && names_only_categories(grid, layout, name, rules)
    {
        cols.level2 = Some(name);
        cols.name = Some(description);
        cols.description = None;
    }
    let Some(name_col) = cols.name.or(cols.description) else {
        return;
    };
    let Some(target_col) = cols.target else {
        return;
    };
    let mut long_term = f.is_long_term(&group_label(grid, layout.block_row, first));
    let mut annual: Vec<RawIndicator> = Vec::new();
    let mut later: Vec<RawIndicator> = Vec::new();
    for row in layout.block_row + 1..=layout.last_row {
        let Some((first_col, first_value)) = grid.row_cells(row).next() else {
            continue;
        };
        let first_text = first_value.text();
        // A closing label (审核意见, 其他需说明的问题) ends the block; what follows is kept as
        // attributes.
        let closing = labels_in(&first_text, row, first_col, rules)
            .into_iter()
            .find(|l| !matches!(l.label, FormLabel::Block));
        if closing.is_some() && first_col < name_col && !is_block_row(grid, row, &cols) {
            read_closing(grid, layout, rules, form, row);
            break;
        }
        if block_header_again(grid, rules, row) {
            long_term = f.is_long_term(&group_label(grid, row, first));
            continue;
        }
        // A heading row inside the block ("长期绩效指标" / "年度绩效指标").
        if grid.row_cells(row).count() == 1
            && first_col < name_col
            && !is_block_row(grid, row, &cols)
        {
            long_term = f.is_long_term(&first_text);
            continue;
        }
        if first_col < first {
            let text = group_label(grid, row, first);
            if !text.is_empty() {
                long_term = f.is_long_term(&text);
            }
        }
        let name = Located::at(grid, row, name_col);
        let target = Located::at(grid, row, target_col);
        let long_target = cols.long_term_target.map(|c| Located::at(grid, row, c));
        if name.value.is_empty() && target.value.is_empty() {
            // An unused 二级 with no indicator in it: nothing to read.
            continue;
        }
        let not_applicable = f.is_not_applicable(&name.text())
            || f.is_not_applicable(&target.text())
            || cols
                .applicable
                .is_some_and(|c| f.is_not_applicable_flag(&grid.text_ref(row, c)));
        if not_applicable {
            form.not_applicable
                .push(if name.value.is_empty() { target } else { name });
            continue;
        }
        let indicator = block_indicator(grid, row, &cols, name, target, rules);
        if let Some(long) = long_target.filter(|l| !l.value.is_empty()) {
            let mut twin = indicator.clone();
            twin.target = long;
            later.push(twin);
        }
        if long_term {
            later.push(indicator);
        } else {
            annual.push(indicator);
        }
    }
    let levels = [cols.level1, cols.level2];
    fill_levels_at(grid, levels, &mut annual);
    fill_levels_at(grid, levels, &mut later);
    form.indicators = annual;
    form.long_term = later;
}

/// Whether row `row` holds cells in the block's indicator columns (it is an indicator row).
fn is_block_row(grid: &Grid, row: u32, cols: &BlockColumns) -> bool {
    [cols.name, cols.target, cols.operator, cols.unit]
        .into_iter()
        .flatten()
        .any(|c| !grid.get(row, c).is_empty())
}

/// The header of the block repeated (a second block: 长期 then 年度, or a page break).
fn block_header_again(grid: &Grid, rules: &Rules, row: u32) -> bool {
    crate::layout::form::block_header(grid, rules, row).is_some()
}

/// The text of the block's label column (left of the block) at a row: its own or its merged
/// block's ("长期绩效指标" merged down the left side).
fn group_label(grid: &Grid, row: u32, first: u32) -> String {
    if first == 0 {
        return String::new();
    }
    let col = first - 1;
    let own = grid.text(row, col);
    if !own.is_empty() {
        return own;
    }
    grid.merge_at(row, col)
        .map(|m| grid.text(m.first_row, m.first_col))
        .unwrap_or_default()
}

/// Does the name column hold nothing but 二级 category names?
fn names_only_categories(grid: &Grid, layout: &FormLayout, col: u32, rules: &Rules) -> bool {
    let level2: Vec<String> = rules
        .categories
        .level2
        .iter()
        .map(|c| crate::text::fold(c).into_owned())
        .collect();
    let mut seen = 0;
    for row in layout.block_row + 1..=layout.last_row {
        let text = grid.text(row, col);
        if text.is_empty() {
            continue;
        }
        let folded = crate::text::fold(&text);
        if !level2
            .iter()
            .any(|c| *c == folded || *c == format!("{folded}指标"))
        {
            return false;
        }
        seen += 1;
    }
    seen > 0
}

/// One row of the block as an indicator, with what the block gives beside its target.
fn block_indicator(
    grid: &Grid,
    row: u32,
    cols: &BlockColumns,
    mut name: Located,
    target: Located,
    rules: &Rules,
) -> RawIndicator {
    let mut op = cols.operator.map(|c| Located::at(grid, row, c));
    let mut unit = cols.unit.map(|c| Located::at(grid, row, c));
    // "验收合格率(≥**%)" with 98 as the value: the operator (and unit) written in the name.
    if let Some((bare, name_op, name_unit)) = rules.form.operator_in_name(&name.text()) {
        let at = |text: &str| Located {
            value: CellValue::Text(text.into()),
            row: name.row,
            col: name.col,
        };
        if op.as_ref().is_none_or(|o| o.value.is_empty()) {
            op = Some(at(&name_op));
        }
        if !name_unit.is_empty() && unit.as_ref().is_none_or(|u| u.value.is_empty()) {
            unit = Some(at(&name_unit));
        }
        name.value = CellValue::Text(bare.as_str().into());
    }
    let cell = |c: Option<u32>| {
        c.map(|c| Located::at(grid, row, c))
            .filter(|l| !l.value.is_empty())
    };
    let mut details: Vec<(String, Located)> = cols
        .details
        .iter()
        .filter_map(|(c, header)| cell(Some(*c)).map(|l| (header.clone(), l)))
        .collect();
    if let Some(d) = cell(cols.description) {
        details.push(("指标描述".to_string(), d));
    }
    let extra = RawExtra {
        value_kind: cell(cols.value_kind),
        weight: cell(cols.weight),
        prior_actual: cell(cols.prior_actual),
        details,
    };
    RawIndicator {
        row,
        name,
        op,
        target,
        unit,
        level1: None,
        level2: None,
        extra: Some(Box::new(extra)),
    }
}

/// The rows after the block (其他需说明的问题, 审核意见 …): labels with their values, kept.
fn read_closing(grid: &Grid, layout: &FormLayout, rules: &Rules, form: &mut RawForm, from: u32) {
    for row in from..=layout.last_row {
        let cells: Vec<(u32, String)> = grid.row_cells(row).map(|(c, v)| (c, v.text())).collect();
        let mut k = 0;
        while k < cells.len() {
            let (col, text) = &cells[k];
            let labels = labels_in(text, row, *col, rules);
            match labels.first() {
                Some(l) if l.inline.is_some() => {
                    for l in &labels {
                        if let Some(v) = &l.inline {
                            form.attributes.push((
                                l.text.clone(),
                                Located {
                                    value: CellValue::Text(v.as_str().into()),
                                    row,
                                    col: *col,
                                },
                            ));
                        }
                    }
                    k += 1;
                }
                Some(l) => {
                    let value = cells
                        .get(k + 1)
                        .filter(|(c, t)| labels_in(t, row, *c, rules).is_empty() && !t.is_empty());
                    match value {
                        Some((c, _)) => {
                            form.attributes
                                .push((l.text.clone(), Located::at(grid, row, *c)));
                            k += 2;
                        }
                        None => k += 1,
                    }
                }
                None => {
                    form.stray.push(Located::at(grid, row, *col));
                    k += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::form::detect;

    fn grid(rows: &[&[&str]]) -> Grid {
        let mut g = Grid::new("s");
        for (r, cells) in rows.iter().enumerate() {
            for (c, text) in cells.iter().enumerate() {
                g.set(r as u32, c as u32, CellValue::Text((*text).into()));
            }
        }
        g
    }

    fn read(g: &Grid) -> Vec<RawForm> {
        let rules = Rules::builtin().expect("rules");
        let found = detect(g, &rules);
        extract_forms(g, &found.forms, &rules)
    }

    fn text(l: &Option<Located>) -> String {
        l.as_ref().map(Located::text).unwrap_or_default()
    }

    #[test]
    fn values_stand_right_of_their_labels() {
        let g = grid(&[
            &["项目支出绩效目标申报表"],
            &["(2024年度)"],
            &["项目名称", "社区养老服务"],
            &["主管部门及代码", "某某局 102003", "实施单位", "某某中心"],
            &["项目负责人", "张三", "联系电话", "123"],
            &["项目资金(万元)", "年度资金总额:", "120"],
            &["", "其中:财政拨款", "100"],
            &["", "其他资金", "20"],
            &["年度总体目标", "为500名老人提供服务"],
            &["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
            &["", "产出指标", "数量指标", "服务人数", "≥500人"],
            &["", "", "", "验收合格率(≥**%)", "98"],
            &["", "效益指标", "社会效益指标", "本项目不适用此指标", ""],
            &["其他需说明的问题", "无"],
        ]);
        let forms = read(&g);
        let f = &forms[0];
        assert_eq!(text(&f.project_name), "社区养老服务");
        assert_eq!(text(&f.department), "某某局 102003");
        assert_eq!(text(&f.implementing_unit), "某某中心");
        assert_eq!(
            (text(&f.total), text(&f.fiscal), text(&f.other)),
            ("120".into(), "100".into(), "20".into())
        );
        assert_eq!(f.amount_scale, 1.0);
        assert_eq!(text(&f.goal), "为500名老人提供服务");
        let attributes: Vec<(String, String)> = f
            .attributes
            .iter()
            .map(|(l, v)| (l.clone(), v.text()))
            .collect();
        assert_eq!(
            attributes,
            [
                ("项目负责人".to_string(), "张三".to_string()),
                ("联系电话".to_string(), "123".to_string()),
                ("其他需说明的问题".to_string(), "无".to_string())
            ]
        );
        assert_eq!(f.titles.len(), 2);
        assert_eq!(f.indicators.len(), 2);
        assert_eq!(f.indicators[1].name.text(), "验收合格率");
        assert_eq!(
            f.indicators[1].op.as_ref().map(Located::text),
            Some("≥".into())
        );
        assert_eq!(
            f.indicators[1].unit.as_ref().map(Located::text),
            Some("%".into())
        );
        assert_eq!(
            f.indicators[1].level1.as_ref().map(Located::text),
            Some("产出指标".into())
        );
        assert_eq!(f.not_applicable.len(), 1);
    }

    #[test]
    fn values_below_and_annual_columns() {
        let g = grid(&[
            &["项目名称", "乙项目"],
            &["项目资金(元)", "年度资金总额", "其中:财政拨款", "其他资金"],
            &["", "1200000", "1000000", "200000"],
            &["项目绩效目标表"],
            &["项目名称", "丙项目"],
            &["资金情况(万元)", "", "中期资金总额", "年度资金总额"],
            &["", "资金总额", "500", "120"],
            &["", "其中:财政拨款", "400", "100"],
            &["总体目标", "长期目标", "年度目标"],
            &["", "三年建成", "今年完成一期"],
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "中长期指标值",
            ],
            &["产出指标", "数量指标", "建成站点", "10个", "30个"],
        ]);
        let forms = read(&g);
        // A form without an indicator block still has its amounts: a project without
        // indicators, not a cover page.
        assert_eq!(forms.len(), 2);
        assert_eq!(text(&forms[0].project_name), "乙项目");
        assert!(forms[0].indicators.is_empty());
        let g2 = grid(&[
            &["项目名称", "乙项目"],
            &["项目资金(元)", "年度资金总额", "其中:财政拨款", "其他资金"],
            &["", "1200000", "1000000", "200000"],
            &["一级指标", "二级指标", "三级指标", "指标值"],
            &["产出指标", "数量指标", "场次", "10"],
        ]);
        let f = &read(&g2)[0];
        assert_eq!(
            (text(&f.total), text(&f.fiscal), text(&f.other)),
            ("1200000".into(), "1000000".into(), "200000".into())
        );
        assert_eq!(f.amount_scale, 0.0001);
        let g3 = grid(&[
            &["项目名称", "丙项目"],
            &["资金情况(万元)", "", "中期资金总额", "年度资金总额"],
            &["", "资金总额", "500", "120"],
            &["", "其中:财政拨款", "400", "100"],
            &["总体目标", "长期目标", "年度目标"],
            &["", "三年建成", "今年完成一期"],
            &[
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "中长期指标值",
            ],
            &["产出指标", "数量指标", "建成站点", "10个", "30个"],
        ]);
        let f = &read(&g3)[0];
        assert_eq!(
            (text(&f.total), text(&f.fiscal)),
            ("120".into(), "100".into())
        );
        assert_eq!(text(&f.cumulative), "500");
        assert_eq!(text(&f.goal), "今年完成一期");
        assert_eq!(text(&f.long_term_goal), "三年建成");
        assert_eq!(f.indicators.len(), 1);
        assert_eq!(f.indicators[0].target.text(), "10个");
        assert_eq!(f.long_term.len(), 1);
        assert_eq!(f.long_term[0].target.text(), "30个");
    }

    #[test]
    fn long_term_blocks_and_category_columns() {
        let g = grid(&[
            &["项目名称", "丁项目"],
            &["年度资金总额", "50"],
            &["长期绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
            &["", "产出指标", "数量指标", "三年培训", "3000人次"],
            &["年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值"],
            &["", "产出指标", "数量指标", "培训人次", "1000人次"],
            &["", "满意度指标", "服务对象满意度指标", "学员满意度", "≥90%"],
        ]);
        let f = &read(&g)[0];
        let names: Vec<String> = f.indicators.iter().map(|i| i.name.text()).collect();
        assert_eq!(names, ["培训人次", "学员满意度"]);
        assert_eq!(f.long_term.len(), 1);
        assert_eq!(f.long_term[0].name.text(), "三年培训");
        let g = grid(&[
            &["项目名称", "戊项目"],
            &["资金总额", "86万元"],
            &["指标类型", "指标名称", "指标值", "指标描述"],
            &["产出指标", "数量指标", "100", "培训人次"],
            &["", "质量指标", "95%", "培训合格率"],
        ]);
        let f = &read(&g)[0];
        let got: Vec<(String, String, String)> = f
            .indicators
            .iter()
            .map(|i| {
                (
                    i.name.text(),
                    i.level2.as_ref().map(Located::text).unwrap_or_default(),
                    i.target.text(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("培训人次".into(), "数量指标".into(), "100".into()),
                ("培训合格率".into(), "质量指标".into(), "95%".into())
            ]
        );
        assert_eq!(text(&f.total), "86万元");
    }
}
