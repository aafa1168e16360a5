//! `jixiao template`: a blank input workbook in the standard (seed) layout, so next year's
//! submissions arrive clean: the two-level header locked, drop-downs for 运算符 and 单位 drawn
//! from the rules, and a sheet of instructions. The same writer, given projects, writes a
//! filled-in table, which is how the tests check that the template reads back cleanly.

use rust_xlsxwriter::{
    ConditionalFormatFormula, DataValidation, DataValidationErrorStyle, DataValidationRule,
    DocProperties, ExcelDateTime, FormatAlign, FormatBorder, ProtectionOptions, Workbook,
    XlsxError,
};

use crate::rules::Rules;

pub mod form;

/// The sheet departments fill in.
pub const SHEET_TABLE: &str = "项目绩效目标";
/// The instructions sheet.
pub const SHEET_HELP: &str = "填报说明";

/// The project columns of the standard (seed) layout, each merged over the two header rows.
pub const HEADER: [&str; 7] = [
    "序号",
    "项目名称",
    "项目概况",
    "预算金额(万元)",
    "本级支出(万元)",
    "转移支付支出(万元)",
    "年度绩效目标",
];
/// The indicator columns of the standard layout, under 核心绩效指标.
pub const INDICATOR_HEADER: [&str; 4] = ["指标名称", "运算符", "年度目标值", "单位"];
/// The title, then the 单位名称 / 年度 row, then the two header rows.
const HEADER_ROW: u32 = 2;
const FIRST_DATA_ROW: u32 = HEADER_ROW + 2;
/// The 单位名称 and 年度 value cells (row, column): unlocked, read back by jixiao.
pub const UNIT_CELL: (u32, u16) = (1, 2);
pub const YEAR_CELL: (u32, u16) = (1, 7);
const COLUMNS: u16 = 11;

/// The grey example row: one project with one indicator, its 序号 the rules' example marker.
const EXAMPLE: [&str; 11] = [
    "", // the marker, from the rules
    "农村公路养护",
    "养护县乡村公路",
    "1200",
    "800",
    "400",
    "完成农村公路养护,保障群众出行",
    "养护里程",
    "≥",
    "350",
    "公里",
];

/// A project to write into the table (for filled-in examples and tests).
#[derive(Debug, Clone, Default)]
pub struct TemplateProject {
    pub name: String,
    pub overview: String,
    pub amounts: [f64; 3],
    /// (指标名称, 运算符, 年度目标值, 单位)
    pub indicators: Vec<[String; 4]>,
}

/// Builds the input workbook: blank when `projects` is empty.
pub fn build(
    rules: &Rules,
    department: &str,
    year: Option<u16>,
    projects: &[TemplateProject],
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    crate::sheets::set_workbook_font(&mut workbook)?;
    // A fixed creation time: the same template every time.
    workbook.set_properties(
        &DocProperties::new()
            .set_title("项目绩效目标表")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let border = crate::sheets::font().set_border(FormatBorder::Thin);
    let header = border
        .clone()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let open = border.clone().set_unlocked().set_text_wrap();
    let amount = open.clone().set_num_format("0.00");
    let title = crate::sheets::font()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let label = crate::sheets::font()
        .set_bold()
        .set_align(FormatAlign::Right)
        .set_align(FormatAlign::VerticalCenter);
    let field = crate::sheets::font()
        .set_unlocked()
        .set_border_bottom(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);

    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_TABLE)?;
    sheet.merge_range(0, 0, 0, COLUMNS - 1, "项目绩效目标表", &title)?;
    sheet.set_row_height(0, 30)?;
    // 单位名称 and 年度: a locked label, an unlocked cell beside it that jixiao reads back.
    sheet.merge_range(1, 0, 1, UNIT_CELL.1 - 1, "单位名称:", &label)?;
    sheet.merge_range(1, UNIT_CELL.1, 1, 5, department, &field)?;
    sheet.write_string_with_format(1, YEAR_CELL.1 - 1, "年度:", &label)?;
    match year {
        Some(y) => {
            sheet.write_number_with_format(YEAR_CELL.0, YEAR_CELL.1, f64::from(y), &field)?
        }
        None => sheet.write_blank(YEAR_CELL.0, YEAR_CELL.1, &field)?,
    };
    let year_rule = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(2000, 2100))
        .set_input_title("年度")?
        .set_input_message("预算年度,如 2025")?
        .set_error_title("年度")?
        .set_error_message("请填写 2000 至 2100 之间的四位年份")?;
    sheet.add_data_validation(
        YEAR_CELL.0,
        YEAR_CELL.1,
        YEAR_CELL.0,
        YEAR_CELL.1,
        &year_rule,
    )?;
    sheet.set_row_height(1, 22)?;

    for (c, h) in HEADER.iter().enumerate() {
        sheet.merge_range(HEADER_ROW, c as u16, HEADER_ROW + 1, c as u16, h, &header)?;
    }
    sheet.merge_range(HEADER_ROW, 7, HEADER_ROW, 10, "核心绩效指标", &header)?;
    for (c, h) in INDICATOR_HEADER.iter().enumerate() {
        sheet.write_string_with_format(HEADER_ROW + 1, 7 + c as u16, *h, &header)?;
    }

    // The data area is editable and bordered; everything above it stays locked.
    let last_row = FIRST_DATA_ROW + rules.template.rows.max(1) - 1;
    for row in FIRST_DATA_ROW..=last_row {
        for col in 0..COLUMNS {
            let format = if (3..=5).contains(&col) {
                &amount
            } else {
                &open
            };
            sheet.write_blank(row, col, format)?;
        }
    }
    // The example, greyed while its 序号 is the marker: typing over it makes it a project.
    let marker = rules.template.example_marker.as_str();
    if projects.is_empty() && !marker.is_empty() {
        for (col, v) in EXAMPLE.iter().enumerate() {
            let col = col as u16;
            let format = if (3..=5).contains(&col) {
                &amount
            } else {
                &open
            };
            match v.parse::<f64>() {
                Ok(n) if col != 0 => {
                    sheet.write_number_with_format(FIRST_DATA_ROW, col, n, format)?
                }
                _ if col == 0 => {
                    sheet.write_string_with_format(FIRST_DATA_ROW, col, marker, format)?
                }
                _ => sheet.write_string_with_format(FIRST_DATA_ROW, col, *v, format)?,
            };
        }
    }
    let grey = crate::sheets::font().set_font_color("#808080").set_italic();
    let example_rule = ConditionalFormatFormula::new()
        .set_rule(
            format!(
                "=$A{}=\"{}\"",
                FIRST_DATA_ROW + 1,
                marker.replace('"', "\"\"")
            )
            .as_str(),
        )
        .set_format(grey);
    sheet.add_conditional_format(FIRST_DATA_ROW, 0, last_row, COLUMNS - 1, &example_rule)?;

    let mut row = FIRST_DATA_ROW;
    for (i, p) in projects.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &open)?;
        sheet.write_string_with_format(row, 1, &p.name, &open)?;
        sheet.write_string_with_format(row, 2, &p.overview, &open)?;
        for (k, v) in p.amounts.iter().enumerate() {
            sheet.write_number_with_format(row, 3 + k as u16, *v, &amount)?;
        }
        for ind in &p.indicators {
            for (c, v) in ind.iter().enumerate() {
                let col = 7 + c as u16;
                match v.parse::<f64>() {
                    Ok(n) if c == 2 => sheet.write_number_with_format(row, col, n, &open)?,
                    _ => sheet.write_string_with_format(row, col, v, &open)?,
                };
            }
            row += 1;
        }
        if p.indicators.is_empty() {
            row += 1;
        }
    }

    let operators = rules.canonical_operators();
    let op_list: Vec<&str> = operators.iter().map(String::as_str).collect();
    let operator_rule = DataValidation::new()
        .allow_list_strings(&op_list)?
        .set_input_title("运算符")?
        .set_input_message("≥ ≤ = > <;定性指标(如「明显」)留空")?;
    sheet.add_data_validation(FIRST_DATA_ROW, 8, last_row, 8, &operator_rule)?;
    let units: Vec<&str> = rules.template.units.iter().map(String::as_str).collect();
    let unit_rule = DataValidation::new()
        .allow_list_strings(&units)?
        .set_error_style(DataValidationErrorStyle::Information)
        .set_error_title("单位")?
        .set_error_message("不在常用单位列表中;确认无误可继续")?;
    sheet.add_data_validation(FIRST_DATA_ROW, 10, last_row, 10, &unit_rule)?;

    sheet.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        insert_rows: true,
        delete_rows: true,
        ..ProtectionOptions::default()
    });
    sheet.set_freeze_panes(FIRST_DATA_ROW, 2)?;
    // Printed: A4 landscape, one page wide, the header on every page.
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW + 1)?;
    sheet.set_footer("&C第 &P 页,共 &N 页");
    for (col, width) in [
        (0u16, 6.0),
        (1, 24.0),
        (2, 36.0),
        (3, 12.0),
        (4, 12.0),
        (5, 14.0),
        (6, 36.0),
        (7, 26.0),
        (8, 8.0),
        (9, 12.0),
        (10, 10.0),
    ] {
        sheet.set_column_width(col, width)?;
    }

    let help = workbook.add_worksheet();
    help.set_name(SHEET_HELP)?;
    let lines = [
        "项目绩效目标表 填报说明",
        "1. 在第二行「单位名称:」右边的格子里填写本单位全称,在「年度:」右边填写预算年度(如 2025)。",
        "2. 每个项目从「序号」所在行开始填写项目名称、概况、预算金额(万元)、本级支出、转移支付支出和年度绩效目标;",
        "   同一项目的每个核心绩效指标占一行,后续指标行的项目列留空(或合并单元格)。",
        "3. 运算符从下拉列表选择(≥ ≤ = > <);「明显」「提升」等定性目标不填运算符。",
        "4. 年度目标值只填数字,单位填在「单位」列(如 95 与 %),不要写成「95%」或「不低于95」。",
        "5. 本级支出 + 转移支付支出 应等于 预算金额;金额单位为万元。",
        "6. 每个项目至少填写一个产出指标、一个效益指标和一个满意度指标。",
        "7. 表头已锁定;不要增删表头行或改动列顺序。",
        "8. 灰色斜体的第一行是示例(序号为「示例」),不会被汇总:可直接改写为第一个项目(序号改为 1),也可保留。",
        "填好后可先运行 `jixiao check 本文件.xlsx` 自查,没有错误再报送。",
    ];
    for (r, line) in lines.iter().enumerate() {
        help.write_string(r as u32, 0, *line)?;
    }
    help.set_column_width(0, 110)?;
    Ok(workbook)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_come_from_the_rules() {
        let rules = Rules::builtin().expect("rules");
        assert_eq!(rules.canonical_operators(), ["<", "=", ">", "≤", "≥"]);
        let mut workbook = build(&rules, "", None, &[]).expect("template");
        assert!(workbook.save_to_buffer().is_ok());
    }
}
