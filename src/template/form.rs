//! `jixiao template --form`: a blank 项目支出绩效目标申报表 in the standard (财政部) form: its
//! labels locked on a protected sheet, the cells to fill open, drop-downs for 一级/二级指标,
//! 指标值符号 and 计量单位 drawn from the rules. The same writer, given a project, writes it
//! filled in, which is how the tests check that a filled form reads back with no findings.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, XlsxError,
};

use crate::rules::Rules;

/// The sheet of the form.
pub const SHEET_FORM: &str = "项目支出绩效目标申报表";

/// Rows of the indicator block left open below its header.
const BLOCK_ROWS: u32 = 24;

/// A project to write into the form (for filled-in examples and tests).
#[derive(Debug, Clone, Default)]
pub struct FormProject {
    pub year: String,
    pub name: String,
    pub department: String,
    pub implementing_unit: String,
    pub manager: String,
    pub phone: String,
    /// 年度资金总额, 财政拨款, 其他资金 (万元).
    pub amounts: [f64; 3],
    pub goal: String,
    /// (一级指标, 二级指标, 三级指标, 指标值符号, 指标值, 计量单位)
    pub indicators: Vec<[String; 6]>,
}

/// Builds the form: blank when `project` is none.
pub fn build(rules: &Rules, project: Option<&FormProject>) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    crate::sheets::set_workbook_font(&mut workbook)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(SHEET_FORM)
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let border = crate::sheets::font()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let label = border.clone().set_bold().set_background_color("#DDEBF7");
    let open = border.clone().set_unlocked();
    let amount = open.clone().set_num_format("0.00");
    let title = crate::sheets::font()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);

    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_FORM)?;
    let p = project.cloned().unwrap_or_default();
    let last_col = 6u16;
    sheet.merge_range(0, 0, 0, last_col, SHEET_FORM, &title)?;
    sheet.write_string_with_format(1, 0, "年度", &label)?;
    sheet.write_string_with_format(1, 1, &p.year, &open)?;
    // Label | value (merged to the right edge, or to the next label).
    let pair = |sheet: &mut rust_xlsxwriter::Worksheet,
                row: u32,
                col: u16,
                text: &str,
                value: &str,
                to: u16|
     -> Result<(), XlsxError> {
        sheet.write_string_with_format(row, col, text, &label)?;
        if to > col + 1 {
            sheet.merge_range(row, col + 1, row, to, value, &open)?;
        } else {
            sheet.write_string_with_format(row, col + 1, value, &open)?;
        }
        Ok(())
    };
    pair(sheet, 2, 0, "项目名称", &p.name, last_col)?;
    pair(sheet, 3, 0, "主管部门及代码", &p.department, 3)?;
    pair(sheet, 3, 4, "实施单位", &p.implementing_unit, last_col)?;
    pair(sheet, 4, 0, "项目负责人", &p.manager, 3)?;
    pair(sheet, 4, 4, "联系电话", &p.phone, last_col)?;
    sheet.merge_range(5, 0, 7, 0, "项目资金(万元)", &label)?;
    for (k, text) in ["年度资金总额", "其中:财政拨款", "其他资金"]
        .iter()
        .enumerate()
    {
        let row = 5 + k as u32;
        sheet.write_string_with_format(row, 1, *text, &label)?;
        if project.is_some() {
            sheet.write_number_with_format(row, 2, p.amounts[k], &amount)?;
        } else {
            sheet.write_blank(row, 2, &amount)?;
        }
        sheet.merge_range(row, 3, row, last_col, "", &border)?;
    }
    sheet.write_string_with_format(8, 0, "年度总体目标", &label)?;
    sheet.merge_range(8, 1, 8, last_col, &p.goal, &open)?;
    sheet.set_row_height(8, 60)?;

    let header_row = 9u32;
    let first = header_row + 1;
    let last = header_row + BLOCK_ROWS;
    sheet.merge_range(header_row, 0, last, 0, "绩效指标", &label)?;
    for (k, h) in [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值符号",
        "指标值",
        "计量单位",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(header_row, 1 + k as u16, *h, &label)?;
    }
    for row in first..=last {
        for col in 1..=last_col {
            sheet.write_blank(row, col, &open)?;
        }
    }
    for (r, indicator) in p.indicators.iter().enumerate() {
        for (k, value) in indicator.iter().enumerate() {
            let (row, col) = (first + r as u32, 1 + k as u16);
            match value.parse::<f64>() {
                Ok(n) if k == 4 => sheet.write_number_with_format(row, col, n, &open)?,
                _ => sheet.write_string_with_format(row, col, value, &open)?,
            };
        }
    }
    let closing = last + 1;
    sheet.write_string_with_format(closing, 0, "其他需说明的问题", &label)?;
    sheet.merge_range(closing, 1, closing, last_col, "", &open)?;

    // Drop-downs from the rules. Typing another 二级 or unit is still allowed (a warning only).
    fn list(items: &[String]) -> Vec<&str> {
        items.iter().map(String::as_str).collect()
    }
    let level1 = list(&rules.categories.level1);
    let level2 = list(&rules.categories.level2);
    let operators = rules.canonical_operators();
    let units = list(&rules.template.units);
    let lenient = |v: DataValidation| v.set_error_style(DataValidationErrorStyle::Information);
    sheet.add_data_validation(
        first,
        1,
        last,
        1,
        &DataValidation::new().allow_list_strings(&level1)?,
    )?;
    sheet.add_data_validation(
        first,
        2,
        last,
        2,
        &lenient(DataValidation::new().allow_list_strings(&level2)?),
    )?;
    sheet.add_data_validation(
        first,
        4,
        last,
        4,
        &DataValidation::new()
            .allow_list_strings(&list(&operators))?
            .set_input_message("≥ ≤ = > <;定性指标(如「明显提升」)留空")?,
    )?;
    sheet.add_data_validation(
        first,
        6,
        last,
        6,
        &lenient(DataValidation::new().allow_list_strings(&units)?),
    )?;

    sheet.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    for (col, width) in [
        (0u16, 14.0),
        (1, 16.0),
        (2, 18.0),
        (3, 30.0),
        (4, 10.0),
        (5, 14.0),
        (6, 10.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    Ok(workbook)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blank_form_builds_with_the_rules_lists() {
        let rules = Rules::builtin().expect("rules");
        assert!(!rules.categories.level2.is_empty());
        let mut workbook = build(&rules, None).expect("form");
        assert!(workbook.save_to_buffer().is_ok());
    }
}
