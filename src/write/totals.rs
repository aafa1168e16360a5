//! 合计: one row per department, then the grand total. Every figure that 汇总 holds is a formula
//! over 汇总 keyed on the department's number (部门编号), with its computed value stored as the
//! cached result, so that readers that do not recalculate still show the right figure and a
//! recalculation gives the same one. Needs no department unpacked: the heads hold its figures.

use rust_xlsxwriter::{ConditionalFormatCell, ConditionalFormatCellRule, Formula, XlsxError};

use crate::consolidate::Summary;
use crate::finding::SeverityCounts;
use crate::labels::Labels;
use crate::sheets::{
    GRAND_TOTAL_LABEL, Kind, ProjectColumn, SHEET_PROJECTS, SHEET_TOTALS, TotalColumn as C,
    UNSPLIT_LABEL, part_sheet_name,
};
use crate::store::Head;
use crate::text::{column_name, format_number, round_amount};

use super::format::{ERROR_FILL, ERROR_FONT, Formats};
use super::place::{Layout, Marks};
use super::sheet::{PrintPlan, SheetWriter, Sheets};

/// A range of 汇总's column, over its data rows, for formulas.
fn projects_range(col: ProjectColumn, projects: usize) -> String {
    part_range(SHEET_PROJECTS, col, projects)
}

fn part_range(sheet: &str, col: ProjectColumn, rows: usize) -> String {
    let letter = col.letter();
    format!("'{sheet}'!${letter}$2:${letter}${}", rows.max(1) + 1)
}

/// The ranges of 汇总's column on each of its parts (汇总, 汇总(2)… past Excel's row limit).
fn projects_ranges(col: ProjectColumn, layout: &Layout) -> Vec<String> {
    let per = layout.rows_per_sheet as usize;
    let parts = layout.project_parts();
    if parts == 1 {
        return vec![projects_range(col, layout.projects)];
    }
    (0..parts)
        .map(|part| {
            let rows = (layout.projects - part * per).min(per);
            part_range(&part_sheet_name(SHEET_PROJECTS, part), col, rows)
        })
        .collect()
}

fn round_cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The column of the `k`-th per-category count, after the fixed columns.
fn category_column(k: usize) -> u16 {
    (C::ALL.len() + k) as u16
}

/// The figures of one department's row, by column: what the grand total sums.
type Figures = Vec<(C, Option<f64>)>;

pub fn write(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    mut marks: Marks,
    f: &Formats,
    labels: &Labels,
) -> Result<(), XlsxError> {
    // After the fixed columns, one count per 一级 category of the framework (产出指标数 …).
    let mut category_headers: Vec<String> = summary
        .level1_categories
        .iter()
        .map(|c| format!("{c}数"))
        .collect();
    // With `--baseline`: last year's budget, after the counts.
    if summary.comparison.is_some() {
        category_headers.push(crate::sheets::BASELINE_BUDGET_HEADER.to_string());
    }
    let mut w = SheetWriter::new::<C>(sheets, SHEET_TOTALS, &category_headers, f, labels, 0)?;
    // Printed: the figures first; 来源文件 and what follows on pages of their own, the
    // department repeated on each.
    w.print_plan(PrintPlan {
        last_col: (C::ALL.len() + category_headers.len()).saturating_sub(1) as u16,
        breaks: vec![C::File.index()],
        repeat_cols: Some((C::Department.index(), C::Department.index())),
    });
    let mut grand: Vec<(C, f64)> = C::ALL
        .iter()
        .filter(|c| c.totalled())
        .map(|&c| (c, 0.0))
        .collect();
    let mut category_totals = vec![0usize; summary.level1_categories.len()];
    let mut baseline_budgets = summary
        .comparison
        .as_ref()
        .map(crate::compare::Comparison::baseline_budgets);
    let mut baseline_total = 0.0;
    for (index, range) in summary.groups.iter().enumerate() {
        w.next_row(marks.take(index));
        let heads: Vec<&Head> = range
            .clone()
            .filter_map(|d| summary.departments.head(d))
            .collect();
        let mut findings = SeverityCounts::default();
        for d in range.clone() {
            let c = summary
                .department_findings
                .get(d)
                .copied()
                .unwrap_or_default();
            findings.error += c.error;
            findings.warning += c.warning;
            findings.info += c.info;
        }
        let figures = department_row(&mut w, layout, labels, index, &heads, findings)?;
        for (k, category) in summary.level1_categories.iter().enumerate() {
            let n: usize = heads.iter().map(|d| d.level1_count(category)).sum();
            category_totals[k] += n;
            w.count(category_column(k), Some(n as f64))?;
        }
        if let (Some(budgets), Some(first)) = (&mut baseline_budgets, heads.first()) {
            let col = category_column(summary.level1_categories.len());
            let name = crate::text::fold(&first.about.name);
            // Taken, not read: a department of two row tables shows last year's budget on
            // its first row only, so that 总计 does not count it twice.
            let budget = budgets.remove(name.as_ref());
            if let Some(b) = budget {
                baseline_total += b;
            }
            w.amount(col, budget)?;
        }
        for (col, value) in figures {
            if let Some(sum) = grand.iter_mut().find(|(c, _)| *c == col) {
                sum.1 += value.unwrap_or(0.0);
            }
        }
    }
    let baseline_total = baseline_budgets.is_some().then_some(baseline_total);
    grand_total(&mut w, f, labels, &grand, &category_totals, baseline_total)?;
    w.finish(sheets)?;
    Ok(())
}

/// The figures of one department's tables, added up (one table, or the forms of one
/// department from several files).
struct GroupFigures<'a> {
    first: &'a Head,
    tables: usize,
    projects: usize,
    sums: [f64; 3],
    /// Whether any of its tables splits budgets into 本级 and 转移支付.
    split: bool,
    indicators: usize,
    duplicates: usize,
    unassigned: usize,
    overall_budget: Option<f64>,
    overall_indicators: usize,
    declared_count: Option<f64>,
    declared_amount: Option<f64>,
}

impl<'a> GroupFigures<'a> {
    fn new(heads: &[&'a Head]) -> Option<GroupFigures<'a>> {
        let first = *heads.first()?;
        let mut g = GroupFigures {
            first,
            tables: heads.len(),
            projects: 0,
            sums: [0.0; 3],
            split: false,
            indicators: 0,
            duplicates: 0,
            unassigned: 0,
            overall_budget: None,
            overall_indicators: 0,
            declared_count: None,
            declared_amount: None,
        };
        for h in heads {
            let f = &h.figures;
            g.projects += h.projects();
            g.split |= f.split;
            for (sum, v) in g.sums.iter_mut().zip(f.budget_sums) {
                *sum += v;
            }
            g.indicators += f.indicators;
            g.duplicates += f.duplicates_collapsed;
            g.unassigned += f.unassigned;
            g.overall_indicators += f.overall_indicators;
            if let Some(b) = f.overall_budget {
                *g.overall_budget.get_or_insert(0.0) += b;
            }
            // What a department declares about its table (a footnote, a 合计 row) is a row
            // table's; forms declare nothing.
            let declared = &h.about.declared;
            if let Some(n) = declared.project_count {
                *g.declared_count.get_or_insert(0.0) += f64::from(n);
            }
            if let Some(a) = declared.footnote_total_wan.or(declared.sum_row_wan) {
                *g.declared_amount.get_or_insert(0.0) += a;
            }
        }
        if heads.len() > 1 {
            // One table's figures are rounded already; several add up float noise.
            g.sums = g.sums.map(round_amount);
            g.overall_budget = g.overall_budget.map(round_amount);
            g.declared_amount = g.declared_amount.map(round_amount);
        }
        Some(g)
    }
}

/// One department's row; returns its figures for the grand total.
fn department_row(
    w: &mut SheetWriter<'_>,
    layout: &Layout,
    labels: &Labels,
    index: usize,
    heads: &[&Head],
    findings: SeverityCounts,
) -> Result<Figures, XlsxError> {
    let Some(g) = GroupFigures::new(heads) else {
        return Ok(Vec::new());
    };
    let row = w.row + 1;
    let sums = g.sums;
    let declared_amount = g.declared_amount;
    let difference = declared_amount.map(|a| round_cents(sums[0] - a));
    let unassigned = g.unassigned as f64;
    let keys = projects_ranges(ProjectColumn::Key, layout);
    let this_key = format!("${}", C::Key.at(row));
    // Each figure that 汇总 holds is a formula over 汇总, by the department's number (部门编号):
    // unique where two departments share a name, and never read as a pattern.
    // Past Excel's row limit, one SUMIFS per part of 汇总, added up.
    let by_key = |col: ProjectColumn| {
        projects_ranges(col, layout)
            .iter()
            .zip(&keys)
            .map(|(range, key)| format!("SUMIFS({range},{key},{this_key})"))
            .collect::<Vec<_>>()
            .join("+")
    };
    let count = keys
        .iter()
        .map(|key| format!("COUNTIFS({key},{this_key})"))
        .collect::<Vec<_>>()
        .join("+");
    w.text(C::Department, &g.first.about.name)?;
    w.formula(
        C::Projects,
        format!("={count}"),
        g.projects as f64,
        Kind::Count,
    )?;
    let amounts = [
        (C::Budget, ProjectColumn::Budget),
        (C::Own, ProjectColumn::Own),
        (C::Transfer, ProjectColumn::Transfer),
    ];
    for (k, (col, of)) in amounts.into_iter().enumerate() {
        // No project of the department gives 本级/转移: blank, not a 0.00 that reads as given.
        if k > 0 && !g.split {
            w.blank_if_marked(col)?;
            continue;
        }
        w.formula(col, format!("={}", by_key(of)), sums[k], Kind::Amount)?;
    }
    let parts = |v: f64| g.split.then_some(v);
    w.count(C::DeclaredCount, g.declared_count)?;
    w.amount(C::DeclaredAmount, declared_amount)?;
    match difference {
        // Rounded to the cent, so that a recalculated zero stays exactly zero.
        Some(diff) => w.formula(
            C::Difference,
            format!(
                "=ROUND({}-{},2)",
                C::Budget.at(row),
                C::DeclaredAmount.at(row)
            ),
            diff,
            Kind::Amount,
        )?,
        None => w.blank_if_marked(C::Difference)?,
    }
    w.formula(
        C::Indicators,
        format!(
            "={}+{}+{}",
            by_key(ProjectColumn::Indicators),
            C::Unassigned.at(row),
            C::OverallIndicators.at(row)
        ),
        g.indicators as f64,
        Kind::Count,
    )?;
    w.count(C::Duplicates, Some(g.duplicates as f64))?;
    w.count(C::Findings, Some(findings.total() as f64))?;
    w.count(C::Errors, Some(findings.error as f64))?;
    w.count(C::Warnings, Some(findings.warning as f64))?;
    w.count(C::Unassigned, Some(unassigned))?;
    w.amount(C::OverallBudget, g.overall_budget)?;
    w.count(C::OverallIndicators, Some(g.overall_indicators as f64))?;
    let mut file = format!("[{}]{}", g.first.about.file, g.first.about.sheet);
    if g.tables > 1 {
        file.push(' ');
        file.push_str(&labels.t("等{n}个表").replace("{n}", &g.tables.to_string()));
    }
    w.text(C::File, &file)?;
    w.count(C::Key, Some((index + 1) as f64))?;
    w.count(C::Year, g.first.about.year.map(f64::from))?;
    Ok(vec![
        (C::Projects, Some(g.projects as f64)),
        (C::Budget, Some(sums[0])),
        (C::Own, parts(sums[1])),
        (C::Transfer, parts(sums[2])),
        (C::DeclaredCount, g.declared_count),
        (C::DeclaredAmount, declared_amount),
        (C::Difference, difference),
        (C::Indicators, Some(g.indicators as f64)),
        (C::Duplicates, Some(g.duplicates as f64)),
        (C::Findings, Some(findings.total() as f64)),
        (C::Errors, Some(findings.error as f64)),
        (C::Warnings, Some(findings.warning as f64)),
        (C::Unassigned, Some(unassigned)),
        (C::OverallBudget, g.overall_budget),
        (C::OverallIndicators, Some(g.overall_indicators as f64)),
    ])
}

/// The grand total: a SUM over the department rows of each totalled column, with its value
/// stored as the cached result; and 差额 red wherever it is not zero.
fn grand_total(
    w: &mut SheetWriter<'_>,
    f: &Formats,
    labels: &Labels,
    grand: &[(C, f64)],
    category_totals: &[usize],
    baseline_total: Option<f64>,
) -> Result<(), XlsxError> {
    let first = 2;
    let last = w.row + 1;
    w.filter_last_row = Some(w.row);
    w.next_row(Vec::new());
    let row = w.row;
    w.sheet.write_string_with_format(
        row,
        C::Department.index(),
        labels.t(GRAND_TOTAL_LABEL),
        &f.total_label,
    )?;
    let sums = grand.iter().map(|&(col, value)| {
        let value = if col == C::Difference {
            round_cents(value)
        } else {
            round_amount(value)
        };
        (col.index(), f.total(col.kind()), format_number(value))
    });
    let counts = category_totals
        .iter()
        .enumerate()
        .map(|(k, total)| (category_column(k), &f.total_count, total.to_string()));
    // With `--baseline`: last year's budgets of the rows above (a department gone this year
    // has no row here; 对比 lists it).
    let baseline = baseline_total.map(|total| {
        (
            category_column(category_totals.len()),
            f.total(Kind::Amount),
            format_number(round_amount(total)),
        )
    });
    for (col, format, value) in sums.chain(counts).chain(baseline) {
        if last < first {
            // No department: a SUM over no rows would be read as C2:C1 and include itself.
            w.sheet.write_number_with_format(row, col, 0.0, format)?;
            continue;
        }
        let letter = column_name(col as u32);
        let formula =
            Formula::new(format!("=SUM({letter}{first}:{letter}{last})")).set_result(value);
        w.sheet
            .write_formula_with_format(row, col, formula, format)?;
    }
    // Under 总计: what of the budget is in neither 本级 nor 转移支付 (departments that gave no
    // split, or a split that does not add up), so that 本级 + 转移支付 + this = 预算金额.
    let budget = |c: C| grand.iter().find(|g| g.0 == c).map_or(0.0, |g| g.1);
    let remainder = round_cents(
        round_amount(budget(C::Budget))
            - round_amount(budget(C::Own))
            - round_amount(budget(C::Transfer)),
    );
    let total_row = row + 1;
    w.next_row(Vec::new());
    w.sheet.write_string_with_format(
        w.row,
        C::Department.index(),
        labels.t(UNSPLIT_LABEL),
        &f.total_label,
    )?;
    if last < first {
        w.sheet
            .write_number_with_format(w.row, C::Budget.index(), 0.0, f.total(Kind::Amount))?;
    } else {
        let formula = Formula::new(format!(
            "=ROUND({}-{}-{},2)",
            C::Budget.at(total_row),
            C::Own.at(total_row),
            C::Transfer.at(total_row)
        ))
        .set_result(format_number(remainder));
        w.sheet.write_formula_with_format(
            w.row,
            C::Budget.index(),
            formula,
            f.total(Kind::Amount),
        )?;
    }
    // 差额 is red wherever it is not zero: the table does not hold what the department declared.
    let difference = ConditionalFormatCell::new()
        .set_rule(ConditionalFormatCellRule::NotEqualTo(0))
        .set_format(
            crate::sheets::font()
                .set_background_color(ERROR_FILL)
                .set_font_color(ERROR_FONT),
        );
    let col = C::Difference.index();
    w.sheet
        .add_conditional_format(1, col, row, col, &difference)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_name_the_columns_their_tables_give() {
        assert_eq!(projects_range(ProjectColumn::Key, 3), "'汇总'!$M$2:$M$4");
        assert_eq!(projects_range(ProjectColumn::Budget, 0), "'汇总'!$D$2:$D$2");
        assert_eq!(category_column(0), 19);
        assert_eq!(round_cents(0.125000001), 0.13);
    }
}
