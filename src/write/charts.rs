//! 图表: two native charts under the small tables they are drawn from — the budget of the
//! departments with the largest ones (their figures are formulas over 合计, so a recalculation
//! follows it), and the findings by kind. Excel, WPS and LibreOffice draw them from the cells;
//! the cached values make the tables right in readers that do not recalculate.

use rust_xlsxwriter::{Chart, ChartFont, ChartType, Formula, XlsxError};

use crate::consolidate::Summary;
use crate::finding::Code;
use crate::labels::Labels;
use crate::sheets::{SHEET_CHARTS, SHEET_TOTALS, TotalColumn};
use crate::text::{format_number, round_amount};

use super::format::Formats;
use super::sheet::{LINE_HEIGHT, Sheets, print_setup};

/// The departments the budget chart shows, largest first.
pub const TOP_DEPARTMENTS: usize = 20;
/// The kinds of finding the second chart shows, most frequent first.
pub const TOP_KINDS: usize = 20;

/// The first row of the data tables (under a title row and a header row).
const FIRST_ROW: u32 = 2;
/// Columns of the two tables: 部门 | 预算金额, then (after a gap) 问题类型 | 代码 | 数量.
const DEPT: u16 = 0;
const BUDGET: u16 = 1;
const KIND: u16 = 3;
const CODE: u16 = 4;
const COUNT: u16 = 5;
/// Rows a chart takes (420 px of 20 px rows) and the gap after it.
const CHART_ROWS: u32 = 22;

/// The departments (合计's rows, by their group) with the largest budgets, largest first; ties
/// in 合计's order.
fn top_departments(summary: &Summary) -> Vec<(usize, String, f64)> {
    let mut rows: Vec<(usize, String, f64)> = summary
        .groups
        .iter()
        .enumerate()
        .filter_map(|(g, range)| {
            let heads: Vec<_> = range
                .clone()
                .filter_map(|d| summary.departments.head(d))
                .collect();
            let first = heads.first()?;
            let budget: f64 = heads.iter().map(|h| h.figures.budget_sums[0]).sum();
            Some((g, first.about.name.clone(), round_amount(budget)))
        })
        .collect();
    rows.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    rows.truncate(TOP_DEPARTMENTS);
    rows
}

/// Every code 问题 lists, with how many times, most frequent first; ties in code order.
fn kinds(summary: &Summary) -> Vec<(Code, usize)> {
    let mut counts = vec![0usize; Code::ALL.len()];
    for f in &summary.findings {
        if let Some(i) = Code::ALL.iter().position(|c| *c == f.code) {
            counts[i] += 1;
        }
    }
    let mut kinds: Vec<(Code, usize)> = Code::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| (*c, n))
        .collect();
    kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
    kinds.truncate(TOP_KINDS);
    kinds
}

pub fn write(
    sheets: &mut Sheets,
    summary: &Summary,
    f: &Formats,
    labels: &Labels,
) -> Result<(), XlsxError> {
    let mut sheet = sheets.take()?;
    sheet.set_name(SHEET_CHARTS)?;
    let departments = top_departments(summary);
    let kinds = kinds(summary);

    let budget_title = labels
        .t("预算金额最多的{n}个部门(万元)")
        .replace("{n}", &departments.len().to_string());
    let kinds_title = labels.t("问题按类型");
    sheet.write_string_with_format(0, DEPT, &budget_title, &f.total_label)?;
    sheet.write_string_with_format(0, KIND, kinds_title, &f.total_label)?;
    for (col, header) in [
        (DEPT, "部门"),
        (BUDGET, "预算金额(万元)"),
        (KIND, "问题类型"),
        (CODE, "代码"),
        (COUNT, "数量"),
    ] {
        sheet.write_string_with_format(1, col, labels.t(header), &f.header)?;
    }
    sheet.set_row_height(1, LINE_HEIGHT * 2.0 + 4.0)?;
    // Row by row (the sheet is written in constant memory): both tables side by side.
    let rows = departments.len().max(kinds.len());
    for r in 0..rows {
        let row = FIRST_ROW + r as u32;
        if let Some((group, name, budget)) = departments.get(r) {
            sheet.write_string(row, DEPT, name)?;
            let at = TotalColumn::Budget.at(*group as u32 + 2);
            let formula =
                Formula::new(format!("='{SHEET_TOTALS}'!{at}")).set_result(format_number(*budget));
            sheet.write_formula_with_format(
                row,
                BUDGET,
                formula,
                f.cell(crate::sheets::Kind::Amount, None),
            )?;
        }
        if let Some((code, n)) = kinds.get(r) {
            sheet.write_string(row, KIND, labels.code_title(*code))?;
            sheet.write_string(row, CODE, code.as_str())?;
            sheet.write_number(row, COUNT, *n as f64)?;
        }
    }
    if departments.is_empty() && kinds.is_empty() {
        sheet.write_string(FIRST_ROW, DEPT, labels.t("没有可画的数据"))?;
    }

    // Bars, largest on top: a bar chart draws its first category at the bottom, so the
    // category axis is reversed.
    let bar = |title: &str, categories: (u16, usize), values: u16, name: &str| {
        let mut chart = Chart::new(ChartType::Bar);
        let last = FIRST_ROW + categories.1 as u32 - 1;
        chart
            .add_series()
            .set_name(name)
            .set_categories((SHEET_CHARTS, FIRST_ROW, categories.0, last, categories.0))
            .set_values((SHEET_CHARTS, FIRST_ROW, values, last, values));
        // In the workbook's font, large enough to stay 8 pt or more when printed.
        let font = |size: u8| {
            let mut font = ChartFont::new();
            font.set_name(crate::sheets::WORKBOOK_FONT)
                .set_character_set(crate::sheets::WORKBOOK_FONT_CHARSET)
                .set_size(size);
            font
        };
        chart.title().set_name(title).set_font(font(12).set_bold());
        chart.x_axis().set_font(&font(10));
        chart.y_axis().set_font(&font(10));
        chart.legend().set_hidden();
        // For a bar chart y is the category axis.
        chart.y_axis().set_reverse();
        chart.set_width(740).set_height(420);
        chart
    };
    // Under the tables, one above the other: the sheet prints one page wide at full size.
    let mut at = FIRST_ROW + rows.max(1) as u32 + 1;
    // Each chart starts a page, so that none is cut in two.
    let mut breaks = Vec::new();
    if !departments.is_empty() {
        let chart = bar(
            &budget_title,
            (DEPT, departments.len()),
            BUDGET,
            labels.t("预算金额(万元)"),
        );
        sheet.insert_chart(at, DEPT, &chart)?;
        breaks.push(at);
        at += CHART_ROWS;
    }
    if !kinds.is_empty() {
        let chart = bar(kinds_title, (KIND, kinds.len()), COUNT, labels.t("数量"));
        sheet.insert_chart(at, DEPT, &chart)?;
        breaks.push(at);
    }
    if !breaks.is_empty() {
        sheet.set_page_breaks(&breaks)?;
    }
    for (col, width) in [
        (DEPT, 34.0),
        (BUDGET, 14.0),
        (2, 2.0),
        (KIND, 22.0),
        (CODE, 26.0),
        (COUNT, 8.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    print_setup(&mut sheet)?;
    sheets.put(sheet);
    Ok(())
}
