//! 说明: how the summary was made (program, rules and their SHA-256), the run's figures, a
//! link to each sheet with what it holds, the legend of fills, notes and links, every finding
//! code with its meaning, and last the list of inputs with their status, which 问题 rows about
//! a whole file link to.

use rust_xlsxwriter::{Note, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::consolidate::{InputRecord, Summary};
use crate::discover::Status;
use crate::finding::{Code, Severity};
use crate::labels::Labels;
use crate::rules::RulesOrigin;
use crate::sheets::{
    FindingColumn, Kind, SHEET_CHARTS, SHEET_FINDINGS, SHEET_PROJECTS, SHEET_README, SHEET_TOTALS,
    indicator_sheet_name,
};
use crate::text::cut_for_cell;

use super::RunDate;
use super::format::Formats;
use super::place::{Address, Layout};
use super::sheet::{NoteCount, PrintPlan, Sheets, print_by};

const INPUT_HEADERS: [&str; 5] = ["路径", "状态", "原因", "SHA-256", "工作表"];
const CODE_HEADERS: [&str; 3] = ["代码", "级别", "含义"];

/// One row of the 说明 sheet above its input list.
enum ReadmeRow {
    Blank,
    Title(String),
    Section(String),
    /// A label and a value.
    Pair(String, Value),
    /// A sample cell and what it means.
    Legend(Sample, String, String),
    /// A link to a sheet and what it holds.
    SheetLink(String, String),
    /// The header of a small table.
    Header(Vec<String>),
    Code(Code),
}

enum Value {
    Text(String),
    Number(f64),
    Amount(f64),
}

#[derive(Clone, Copy)]
enum Sample {
    Error,
    Warning,
    Note,
    Difference,
    Link,
}

/// How many rows stand above the input list: what they show does not change their number, so
/// the input list's place is known before the notes are counted.
pub fn intro_rows(summary: &Summary, l: &Labels, layout: &Layout) -> usize {
    intro(summary, l, layout, NoteCount::default(), None).len()
}

/// The rows above the input list.
fn intro(
    summary: &Summary,
    l: &Labels,
    layout: &Layout,
    notes: NoteCount,
    date: Option<RunDate>,
) -> Vec<ReadmeRow> {
    use ReadmeRow::*;
    let t = |s: &str| l.t(s).to_string();
    let pair = |s: &str, v: Value| Pair(t(s), v);
    let count = |n: usize| Value::Number(n as f64);
    let totals = &summary.totals;
    let rules = match &summary.rules {
        RulesOrigin::BuiltIn => t("内置规则 (templates/rules.toml)"),
        origin => origin.to_string(),
    };
    let mut rows = vec![
        Title(t("项目绩效目标汇总 · 说明")),
        Blank,
        Section(t("生成信息")),
        pair(
            "程序",
            Value::Text(format!("{} {}", summary.tool.name, summary.tool.version)),
        ),
        pair("规则文件", Value::Text(rules)),
        pair(
            "规则文件 SHA-256",
            Value::Text(summary.rules_sha256.clone()),
        ),
        // The same id as the report's run_id: which report goes with this summary.
        pair("运行编号 (run_id)", Value::Text(summary.run_id.clone())),
        pair(
            "生成日期",
            Value::Text(match date {
                Some(d) => d.to_string(),
                None => {
                    t("未给出 (--date 或 SOURCE_DATE_EPOCH):相同的输入总是得到逐字节相同的汇总表")
                }
            }),
        ),
        Blank,
        Section(t("统计")),
        pair("输入文件", count(summary.inputs.len())),
        pair("读取成功", count(totals.files_ok)),
        pair("已跳过", count(totals.files_skipped)),
        pair("读取失败", count(totals.files_failed)),
        pair("部门数", count(totals.departments)),
        pair("项目数", count(totals.projects)),
        pair("预算金额(万元)", Value::Amount(totals.budget_wan)),
        pair("指标数", count(totals.indicators)),
        pair("其中未归属的指标", count(totals.unassigned)),
        pair("合并的重复指标行", count(totals.duplicates_collapsed)),
        pair("错误", count(totals.findings.error)),
        pair("警告", count(totals.findings.warning)),
        pair("提示", count(totals.findings.info)),
        pair("批注", count(notes.written)),
        pair("超出批注上限、只记在标注列的修改", count(notes.skipped)),
        Blank,
        Section(t("工作表一览")),
        SheetLink(
            SHEET_PROJECTS.to_string(),
            t(
                "每个项目一行:金额、指标数、问题数、来源单元格、年度;首条指标列链接到它在指标表的第一行",
            ),
        ),
    ];
    for part in 0..layout.indicator_parts() {
        rows.push(SheetLink(
            indicator_sheet_name(part),
            t("每条指标一行:规范化后的运算符、目标值、单位,旁边是原样的写法和标注;超过 Excel 行数上限时续在指标(2)、指标(3)…"),
        ));
    }
    rows.extend([
        SheetLink(
            SHEET_TOTALS.to_string(),
            t("每个部门一行:金额和指标数是对汇总表按部门编号求和的公式,总计行是 SUM 公式;差额 = 预算金额 − 申报金额;问题数旁是其中的错误数和警告数;部门未拆分本级/转移支付时两列留空,总计下一行是未拆分的金额,三者相加等于预算金额"),
        ),
        SheetLink(
            SHEET_CHARTS.to_string(),
            t("两张图:预算金额最多的部门(取自合计表的公式)和问题按类型的数量,数据表在图旁"),
        ),
        SheetLink(
            SHEET_FINDINGS.to_string(),
            t("每个问题一行,错误在前,再按部门和位置排列:级别、代码、问题类型、原表的文件、工作表和单元格;位置列链接到它在本汇总表中的单元格"),
        ),
        Blank,
        Section(t("图例")),
        Legend(
            Sample::Error,
            t("错误"),
            t("该单元格有错误级别的问题:数字不可信或数据未能读取,见问题表"),
        ),
        Legend(
            Sample::Warning,
            t("警告"),
            t("该单元格有警告级别的问题:请复核,数据已按原样保留或已修复,见问题表"),
        ),
        Legend(
            Sample::Note,
            t("批注"),
            t("右上角的红色三角:数据被修改过(拆分或换算单位、按其他单位读取、对齐错位的行、合并重复行),批注写明原值和改法"),
        ),
        Legend(
            Sample::Difference,
            t("差额"),
            t("合计表的差额不为零时标红:表中项目之和与部门申报的金额不符"),
        ),
        Legend(
            Sample::Link,
            t("链接"),
            t("点击跳转到汇总表中的单元格(问题表的位置列、汇总表的首条指标列)"),
        ),
        Pair(
            t("来源"),
            Value::Text(t("[文件]工作表!单元格:原表中的位置,即 Excel 引用其他工作簿单元格的写法")),
        ),
        Pair(
            t("公式"),
            Value::Text(t("公式的计算结果已存入文件,不重算的软件也能显示;重算后结果相同")),
        ),
        Blank,
        Section(t("问题代码")),
        Header(CODE_HEADERS.iter().map(|h| t(h)).collect()),
    ]);
    rows.extend(
        crate::finding::Code::ALL
            .iter()
            .map(|c| ReadmeRow::Code(*c)),
    );
    rows.extend([
        Blank,
        Section(t("输入文件")),
        Header(INPUT_HEADERS.iter().map(|h| t(h)).collect()),
    ]);
    rows
}

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Ok => "成功",
        Status::Skipped => "跳过",
        Status::Failed => "失败",
    }
}

pub fn write(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    f: &Formats,
    l: &Labels,
    notes: NoteCount,
    date: Option<RunDate>,
) -> Result<(), XlsxError> {
    let mut sheet = sheets.take()?;
    sheet.set_name(SHEET_README)?;
    sheet.set_default_note_author("jixiao");
    let mut widths = Widths([16usize, 10, 24, 16, 20]);
    let intro = intro(summary, l, layout, notes, date);
    let mut row = 0u32;
    for item in &intro {
        write_intro_row(&mut sheet, row, item, f, l, &mut widths)?;
        row += 1;
    }
    // The input list, last: it may be long. 问题 rows about a whole file link here.
    let header_row = row - 1;
    debug_assert_eq!(row, layout.first_input_row);
    for input in &summary.inputs {
        write_input(&mut sheet, row, input, f, l, &mut widths)?;
        row += 1;
    }
    let mut set = Vec::with_capacity(widths.0.len());
    for (col, width) in widths.0.iter().enumerate() {
        sheet.set_column_width(col as u16, (*width + 2) as f64)?;
        set.push((*width + 2) as f64);
    }
    sheet.autofilter(header_row, 0, row.max(header_row + 1) - 1, 4)?;
    let plan = PrintPlan {
        last_col: set.len().saturating_sub(1) as u16,
        breaks: Vec::new(),
        repeat_cols: None,
    };
    print_by(&mut sheet, &plan, &set, row.max(1))?;
    sheets.put(sheet);
    Ok(())
}

/// The widths of 说明's five columns, grown to their texts (to 60 at most).
struct Widths([usize; 5]);

impl Widths {
    fn track(&mut self, col: usize, text: &str) {
        self.0[col] = self.0[col].max(text.width().min(60));
    }
}

fn write_intro_row(
    sheet: &mut Worksheet,
    row: u32,
    item: &ReadmeRow,
    f: &Formats,
    l: &Labels,
    widths: &mut Widths,
) -> Result<(), XlsxError> {
    let text = f.cell(Kind::Text, None);
    match item {
        ReadmeRow::Blank => {}
        ReadmeRow::Title(s) => {
            sheet.write_string_with_format(row, 0, s, &f.title)?;
        }
        ReadmeRow::Section(s) => {
            sheet.write_string_with_format(row, 0, s, &f.section)?;
            for col in 1..5 {
                sheet.write_blank(row, col, &f.section)?;
            }
        }
        ReadmeRow::Pair(label, value) => {
            widths.track(0, label);
            sheet.write_string_with_format(row, 0, label, &f.label)?;
            match value {
                Value::Text(s) => sheet.write_string_with_format(row, 1, s, text)?,
                Value::Number(v) => {
                    sheet.write_number_with_format(row, 1, *v, f.cell(Kind::Count, None))?
                }
                Value::Amount(v) => {
                    sheet.write_number_with_format(row, 1, *v, f.cell(Kind::Amount, None))?
                }
            };
        }
        ReadmeRow::Legend(sample, label, meaning) => {
            widths.track(0, label);
            write_sample(sheet, row, *sample, label, f)?;
            sheet.write_string_with_format(row, 1, meaning, text)?;
        }
        ReadmeRow::SheetLink(name, meaning) => {
            widths.track(0, name);
            let to = Address {
                sheet: name.clone(),
                row: 0,
                col: 0,
            };
            sheet.write_formula_with_format(
                row,
                0,
                to.link_showing(name),
                f.cell(Kind::Link, None),
            )?;
            sheet.write_string_with_format(row, 1, meaning, text)?;
        }
        ReadmeRow::Header(headers) => {
            for (col, h) in headers.iter().enumerate() {
                sheet.write_string_with_format(row, col as u16, h, &f.header)?;
            }
        }
        ReadmeRow::Code(code) => {
            widths.track(0, code.as_str());
            sheet.write_string_with_format(row, 0, code.as_str(), text)?;
            let severity = code.severity();
            let format = f.cell(Kind::Text, Some(severity).filter(|s| *s != Severity::Info));
            sheet.write_string_with_format(row, 1, l.t(severity.label_zh()), format)?;
            sheet.write_string_with_format(row, 2, l.code_meaning(*code), text)?;
        }
    }
    Ok(())
}

/// The legend's sample cell: what a fill, a note, a red 差额 or a link looks like.
fn write_sample(
    sheet: &mut Worksheet,
    row: u32,
    sample: Sample,
    label: &str,
    f: &Formats,
) -> Result<(), XlsxError> {
    match sample {
        Sample::Link => {
            let to = Address {
                sheet: SHEET_FINDINGS.to_string(),
                row: 0,
                col: FindingColumn::Place.index(),
            };
            sheet.write_formula_with_format(
                row,
                0,
                to.link_showing(label),
                f.cell(Kind::Link, None),
            )?;
        }
        Sample::Difference => {
            sheet.write_number_with_format(
                row,
                0,
                -100.0,
                f.cell(Kind::Amount, Some(Severity::Error)),
            )?;
        }
        Sample::Error | Sample::Warning | Sample::Note => {
            let severity = match sample {
                Sample::Error => Some(Severity::Error),
                Sample::Warning => Some(Severity::Warning),
                _ => None,
            };
            sheet.write_string_with_format(row, 0, label, f.cell(Kind::Text, severity))?;
        }
    }
    if let Sample::Note = sample {
        let note = Note::new("10G + 月 → 10 GB/月")
            .add_author_prefix(false)
            .set_width(200)
            .set_height(30);
        sheet.insert_note(row, 0, &note)?;
    }
    Ok(())
}

/// One row of the input list: path, status, reason, SHA-256 and what each sheet held.
fn write_input(
    sheet: &mut Worksheet,
    row: u32,
    input: &InputRecord,
    f: &Formats,
    l: &Labels,
    widths: &mut Widths,
) -> Result<(), XlsxError> {
    let text = f.cell(Kind::Text, None);
    let sheets: Vec<String> = input
        .sheets
        .iter()
        .map(|s| format!("{} ({})", s.name, l.t(s.status.label_zh())))
        .collect();
    let cells = [
        input.path.as_str(),
        l.t(status_label(input.status)),
        input.reason.as_deref().unwrap_or(""),
        input.sha256.as_deref().unwrap_or(""),
        &sheets.join(l.t("、")),
    ];
    for (col, value) in cells.iter().enumerate() {
        if !value.is_empty() {
            let value = cut_for_cell(value);
            widths.track(col, &value);
            sheet.write_string_with_format(row, col as u16, value.as_ref(), text)?;
        }
    }
    Ok(())
}
