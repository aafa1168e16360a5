//! Stage 5: turn a raw table into the normalized model. Operators, targets and units are
//! rewritten to one canonical form (the raw spelling is kept beside it), identical indicator
//! rows are collapsed, and rows that lost their project are realigned into the department's
//! (未归属) group. Every repair is written into the row's notes; every doubt is a finding.
//!
//! A target may carry its operator and unit in the same cell ("≥95%", "不低于95%", "95%以上",
//! "不少于1000个"): the operator words and the units that may follow the number are in the
//! rules; what does not read as operator, number and unit stays a qualitative target in words.

use std::collections::{HashMap, HashSet};

use compact_str::{CompactString, format_compact};

use crate::extract::{Located, LostHow, OtherKind, RawIndicator, RawProject, RawTable};
use crate::finding::{Code, Finding};
use crate::grid::CellValue;
use crate::model::{
    CategorySource, Declared, Department, Indicator, Project, RawValues, Unassigned,
};
use crate::rules::Rules;
use crate::text::{clean, fold, format_number, parse_number, round_amount, split_leading_number};

/// The canonical operator of a qualitative (定性) indicator.
pub const QUALITATIVE: &str = "定性";

/// Where a table came from, for naming it in findings.
pub struct Origin<'a> {
    /// The input's path as displayed.
    pub file: &'a str,
    /// The department name to use when the table itself names none.
    pub fallback_department: &'a str,
    /// Where that name comes from: "file name" or "sheet name".
    pub fallback_source: &'static str,
}

/// Normalizes one raw table into a department and the findings it raised.
pub fn normalize(raw: &RawTable, origin: &Origin<'_>, rules: &Rules) -> (Department, Vec<Finding>) {
    let sheet = raw.sheet.as_str();
    let mut findings = Vec::new();
    let mut finding = |code: Code, cell: String, message: String, project: Option<usize>| {
        findings.push(Finding::new(code, origin.file, sheet, cell, message).for_project(project));
    };

    if let Some((bracket, cell)) = &raw.layout.unknown_amount_unit {
        finding(
            Code::UnknownAmountUnit,
            cell.clone(),
            format!("金额表头注明「{bracket}」,规则中没有这个金额单位;金额按万元读取,请核对"),
            None,
        );
    }
    let (name, name_source) = match &raw.document.department {
        Some((name, cell)) => (name.clone(), format!("{sheet}!{cell}")),
        None => (
            origin.fallback_department.to_string(),
            origin.fallback_source.to_string(),
        ),
    };

    let scale = raw.layout.amount_scale;
    let mut amount = |cell: &Option<Located>, what: &str, project: Option<usize>| -> Option<f64> {
        let located = cell.as_ref()?;
        match &located.value {
            CellValue::Empty => None,
            CellValue::Number(n) => Some(round_amount(n * scale)),
            CellValue::Text(t) => match parse_number(t) {
                Some(n) => Some(round_amount(n * scale)),
                None if clean(t).is_empty() => None,
                None => {
                    finding(
                        Code::BadAmount,
                        located.cell(),
                        format!("{what}「{}」不是数字,按空值处理", clean(t)),
                        project,
                    );
                    None
                }
            },
            CellValue::Error(e) => {
                finding(
                    Code::CellError,
                    located.cell(),
                    format!("{what}单元格是 Excel 错误值 {e},按空值处理"),
                    project,
                );
                None
            }
            CellValue::Formula(f) => {
                finding(
                    Code::FormulaWithoutValue,
                    located.cell(),
                    format!(
                        "{what}单元格是公式 {},文件中没有可读取的计算结果,按空值处理",
                        shown_formula(f)
                    ),
                    project,
                );
                None
            }
        }
    };

    let mut projects = Vec::with_capacity(raw.projects.len());
    for (index, rp) in raw.projects.iter().enumerate() {
        let budget_wan = amount(&rp.budget, "预算金额", Some(index));
        let own_wan = amount(&rp.own, "本级支出", Some(index));
        let transfer_wan = amount(&rp.transfer, "转移支付支出", Some(index));
        projects.push(project_shell(
            rp,
            sheet,
            budget_wan,
            own_wan,
            transfer_wan,
            raw,
        ));
    }

    let sum = raw.sum_row.as_ref();
    let declared = Declared {
        project_count: raw.document.declared_count.as_ref().map(|d| d.0),
        footnote_total_wan: raw
            .document
            .footnote_total
            .as_ref()
            .map(|d| round_amount(d.0)),
        sum_row_wan: sum.and_then(|s| amount(&s.budget, "合计行预算金额", None)),
        sum_row_own_wan: sum.and_then(|s| amount(&s.own, "合计行本级支出", None)),
        sum_row_transfer_wan: sum.and_then(|s| amount(&s.transfer, "合计行转移支付支出", None)),
        count_cell: raw
            .document
            .declared_count
            .as_ref()
            .map(|d| d.1.clone())
            .unwrap_or_default(),
        footnote_cell: raw
            .document
            .footnote_total
            .as_ref()
            .map(|d| d.1.clone())
            .unwrap_or_default(),
        sum_row_cells: sum
            .map(|s| {
                [&s.budget, &s.own, &s.transfer]
                    .map(|c| c.as_ref().map(Located::cell).unwrap_or_default())
            })
            .unwrap_or_default(),
    };

    for (index, rp) in raw.projects.iter().enumerate() {
        if rp.name.value.is_empty() {
            finding(
                Code::MissingProjectName,
                rp.name.cell(),
                format!("第{}行的项目没有项目名称", rp.first_row + 1),
                Some(index),
            );
        }
        let mut kept: Vec<Indicator> = Vec::new();
        let mut by_key: HashMap<[CompactString; 6], usize> = HashMap::new();
        for ri in &rp.indicators {
            let indicator = normalize_indicator(ri, sheet, rules, &mut |code, cell, message| {
                finding(code, cell, message, Some(index))
            });
            let key = [
                indicator.name.clone(),
                indicator.op.clone(),
                indicator
                    .value
                    .map(|v| CompactString::from(format_number(v)))
                    .unwrap_or_else(|| indicator.text.clone()),
                indicator.unit.clone(),
                indicator.level1.clone().unwrap_or_default(),
                indicator.level2.clone().unwrap_or_default(),
            ];
            match by_key.get(&key) {
                Some(&at) => {
                    kept[at].copies += 1;
                    kept[at].cells.extend(indicator.cells);
                }
                None => {
                    by_key.insert(key, kept.len());
                    kept.push(indicator);
                }
            }
        }
        let project_name = &projects[index].name;
        for indicator in kept.iter_mut().filter(|i| i.copies > 1) {
            let cells = indicator.cells.join(", ");
            indicator
                .notes
                .push(format!("{}行相同,已合并为一行 ({cells})", indicator.copies));
            finding(
                Code::DuplicateRow,
                indicator.cells[0].to_string(),
                format!(
                    "项目「{project_name}」的指标「{}」出现{}次 ({cells}),规范化后完全相同,已合并为一行",
                    describe(indicator),
                    indicator.copies
                ),
                Some(index),
            );
        }
        let mut seen_names: Vec<&str> = Vec::new();
        for indicator in &kept {
            if seen_names.contains(&indicator.name.as_str()) || indicator.name.is_empty() {
                continue;
            }
            let same: Vec<&Indicator> = kept.iter().filter(|i| i.name == indicator.name).collect();
            if same.len() > 1 {
                let targets: Vec<String> = same
                    .iter()
                    .map(|i| format!("{} ({})", describe_target(i), i.cells[0]))
                    .collect();
                finding(
                    Code::ConflictingDuplicate,
                    indicator.cells[0].to_string(),
                    format!(
                        "项目「{project_name}」的指标「{}」出现{}次且目标不同:{};均已保留",
                        indicator.name,
                        same.len(),
                        targets.join("、")
                    ),
                    Some(index),
                );
            }
            seen_names.push(&indicator.name);
        }
        projects[index].indicators = kept;
    }

    let mut unassigned = Vec::with_capacity(raw.lost_rows.len());
    for lost in &raw.lost_rows {
        let mut indicator =
            normalize_indicator(&lost.indicator, sheet, rules, &mut |code, cell, message| {
                finding(code, cell, message, None)
            });
        let after = lost.after_project.and_then(|i| projects.get(i));
        let after_text = match after {
            Some(p) => format!("位于序号{}「{}」之后", p.seq, p.name),
            None => "位于第一个项目之前".to_string(),
        };
        let first = &lost.indicator.name;
        let (how, note) = match lost.how {
            LostHow::ShiftedLeft => {
                let last = [
                    Some(&lost.indicator.target),
                    lost.indicator.unit.as_ref(),
                    lost.indicator.op.as_ref(),
                ]
                .into_iter()
                .flatten()
                .map(|l| l.col)
                .max()
                .unwrap_or(first.col);
                let span = format!(
                    "{}:{}",
                    first.cell(),
                    crate::text::cell_name(first.row, last)
                );
                (
                    format!("数据错位到项目列 ({span}),已按指标列对齐"),
                    format!("原行错位 ({span}),已对齐;不属于任何项目,{after_text}"),
                )
            }
            LostHow::OutsideMerge => (
                "在所有项目的合并单元格之外,项目列为空".to_string(),
                format!("不在任何项目的合并单元格内;{after_text}"),
            ),
            LostHow::BeforeFirstProject => (
                "出现在第一个项目之前".to_string(),
                "出现在第一个项目之前,不属于任何项目".to_string(),
            ),
        };
        indicator.notes.push(note);
        finding(
            Code::ShiftedRow,
            first.cell(),
            format!(
                "第{}行的指标「{}」失去了所属项目({after_text}),{how},归入(未归属)",
                lost.indicator.row + 1,
                indicator.name
            ),
            None,
        );
        unassigned.push(Unassigned {
            after_seq: after.map(|p| p.seq.clone()),
            after_project: after.map(|p| p.name.clone()),
            indicator,
        });
    }

    for other in &raw.other_rows {
        let (code, what) = match other.kind {
            OtherKind::Unrecognized => (Code::UnrecognizedRow, "表内既不是项目也不是指标的行"),
            OtherKind::Note => (Code::NoteRow, "表后的说明行"),
            OtherKind::Subtotal => (Code::SubtotalRow, "小计行,不计入项目与合计"),
            OtherKind::RepeatedHeader => (Code::RepeatedHeader, "重复的表头行"),
            OtherKind::ExtraSum => (
                Code::UnrecognizedRow,
                "又一个合计行(只有第一个合计行作为申报数)",
            ),
        };
        finding(
            code,
            crate::text::cell_name(other.row, other.col),
            format!("第{}行是{what},原文:{}", other.row + 1, other.text),
            None,
        );
    }

    // Every error or result-less formula anywhere on the sheet is reported once, also where no
    // field read it (a title, a name, an overview).
    let reported: HashSet<CompactString> = findings
        .iter()
        .filter(|f| matches!(f.code, Code::CellError | Code::FormulaWithoutValue))
        .map(|f| f.cell.clone())
        .collect();
    for bad in &raw.bad_cells {
        let cell = bad.cell();
        if reported.contains(cell.as_str()) {
            continue;
        }
        let (code, message) = match &bad.value {
            CellValue::Error(e) => (
                Code::CellError,
                format!("单元格 {cell} 是 Excel 错误值 {e},按空值处理"),
            ),
            CellValue::Formula(f) => (
                Code::FormulaWithoutValue,
                format!(
                    "单元格 {cell} 是公式 {},文件中没有可读取的计算结果,按空值处理",
                    shown_formula(f)
                ),
            ),
            _ => continue,
        };
        findings.push(Finding::new(code, origin.file, sheet, cell, message));
    }

    let department = Department {
        name,
        name_source,
        file: origin.file.to_string(),
        sheet: sheet.to_string(),
        year: raw.document.year,
        declared,
        projects,
        unassigned,
    };
    for f in &mut findings {
        f.department = department.name.as_str().into();
    }
    (department, findings)
}

fn project_shell(
    rp: &RawProject,
    sheet: &str,
    budget_wan: Option<f64>,
    own_wan: Option<f64>,
    transfer_wan: Option<f64>,
    raw: &RawTable,
) -> Project {
    let text = |l: &Option<Located>| l.as_ref().map(Located::text).unwrap_or_default();
    let mut notes = Vec::new();
    if raw.layout.amount_scale != 1.0 && budget_wan.is_some() {
        let unit = raw.layout.amount_unit.as_deref().unwrap_or("元");
        let from = match &raw.layout.amount_unit_cell {
            Some(cell) => format!(" ({cell}「单位:{unit}」)"),
            None => String::new(),
        };
        let factor = if raw.layout.amount_scale < 1.0 {
            format!(
                "÷{}",
                format_number(round_amount(1.0 / raw.layout.amount_scale))
            )
        } else {
            format!("×{}", format_number(raw.layout.amount_scale))
        };
        notes.push(format!("金额原以{unit}填报{from},已换算为万元 ({factor})"));
    }
    Project {
        seq: text(&rp.seq).into(),
        name: rp.name.text(),
        overview: text(&rp.overview),
        goal: text(&rp.goal),
        budget_wan,
        own_wan,
        transfer_wan,
        source: format_compact!("{sheet}!{}", rp.name.cell()),
        budget_cell: rp.budget.as_ref().unwrap_or(&rp.name).cell().into(),
        notes,
        indicators: Vec::new(),
        finding_count: 0,
    }
}

/// "受益人员满意度 ≥ 95 %", for messages.
fn describe(i: &Indicator) -> String {
    format!("{} {}", i.name, describe_target(i))
}

fn describe_target(i: &Indicator) -> String {
    let op = if i.op == QUALITATIVE {
        ""
    } else {
        i.op.as_str()
    };
    [op, i.text.as_str(), i.unit.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Normalizes one indicator row. `report` receives (code, cell, message) for each doubt.
pub fn normalize_indicator(
    raw: &RawIndicator,
    sheet: &str,
    rules: &Rules,
    report: &mut dyn FnMut(Code, String, String),
) -> Indicator {
    let text_of = |l: &Option<Located>| l.as_ref().map(Located::compact_text).unwrap_or_default();
    let raw_op = text_of(&raw.op);
    let raw_unit = text_of(&raw.unit);
    let raw_value = raw.target.compact_text();
    let mut notes = Vec::new();

    let written_unit = rules.unit(&raw_unit);
    if !raw_unit.is_empty() && written_unit != clean(&raw_unit) {
        notes.push(format!("单位 {} → {written_unit}", clean(&raw_unit)));
    }
    let mut unit = written_unit.clone();
    // An operator written in the target cell itself ("≥95%", "不低于95%").
    let mut cell_op: Option<String> = None;

    let (value, text) = match &raw.target.value {
        CellValue::Number(n) => (Some(*n), format_number(*n)),
        CellValue::Error(e) => {
            report(
                Code::CellError,
                raw.target.cell(),
                format!("目标值单元格是 Excel 错误值 {e}"),
            );
            (None, String::new())
        }
        CellValue::Formula(f) => {
            report(
                Code::FormulaWithoutValue,
                raw.target.cell(),
                format!(
                    "目标值单元格是公式 {},文件中没有可读取的计算结果,按空值处理",
                    shown_formula(f)
                ),
            );
            (None, String::new())
        }
        _ => match parse_target(&raw_value, &written_unit, rules) {
            Target::Number(v, t) => (Some(v), t),
            Target::Split {
                op,
                value,
                text,
                unit: cell_unit,
            } => {
                if let Some(cell_unit) = cell_unit {
                    unit = if written_unit.is_empty() || written_unit == cell_unit {
                        cell_unit
                    } else if rules.glued_unit(&cell_unit).is_some() {
                        // 10G with 月 in the unit cell: 10 GB per month.
                        format!("{cell_unit}/{written_unit}")
                    } else {
                        notes.push(format!(
                            "单位单元格为 {written_unit},目标值中写作 {cell_unit},按目标值"
                        ));
                        cell_unit
                    };
                }
                let with_unit = if raw_unit.is_empty() {
                    String::new()
                } else {
                    format!(" + {}", clean(&raw_unit))
                };
                let shown = [op.as_deref().unwrap_or(""), text.as_str(), unit.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                notes.push(format!("{}{with_unit} → {shown}", clean(&raw_value)));
                cell_op = op;
                (Some(value), text)
            }
            Target::Words(words) => (None, words),
        },
    };

    let qualitative = value.is_none() && !text.is_empty();
    let op = if qualitative {
        if !raw_op.is_empty() {
            notes.push(format!("定性指标,原运算符 {raw_op} 不适用"));
        }
        QUALITATIVE.to_string()
    } else if let Some(cell_op) = cell_op {
        let written_op = rules
            .operator(&raw_op)
            .or_else(|| rules.operator_word(&raw_op));
        if !raw_op.is_empty() && written_op != Some(cell_op.as_str()) {
            notes.push(format!(
                "运算符单元格为 {raw_op},目标值中写作 {cell_op},按目标值"
            ));
        }
        cell_op
    } else if raw_op.is_empty() {
        String::new()
    } else {
        match (rules.operator(&raw_op), rules.operator_word(&raw_op)) {
            (Some(op), _) => op.to_string(),
            // The operator column written in words: 不低于 95.
            (None, Some(op)) => {
                notes.push(format!("运算符 {} → {op}", clean(&raw_op)));
                op.to_string()
            }
            (None, None) => {
                let cell = raw.op.as_ref().map(Located::cell).unwrap_or_default();
                report(
                    Code::UnknownOperator,
                    cell,
                    format!(
                        "指标「{}」的运算符「{raw_op}」无法识别,按原样保留",
                        raw.name.text()
                    ),
                );
                raw_op.to_string()
            }
        }
    };

    Indicator {
        name: raw.name.compact_text(),
        level1: raw.level1.as_ref().map(Located::compact_text),
        level2: raw.level2.as_ref().map(Located::compact_text),
        op: op.into(),
        value,
        text: text.into(),
        unit: unit.into(),
        raw: RawValues {
            op: raw_op,
            value: raw_value,
            unit: raw_unit,
        },
        category_source: CategorySource::Inferred,
        copies: 1,
        source: format_compact!("{sheet}!{}", raw.name.cell()),
        notes,
        cells: vec![raw.name.cell().into()],
        field_cells: [
            raw.op
                .as_ref()
                .map(Located::cell)
                .unwrap_or_default()
                .into(),
            raw.target.cell().into(),
            raw.unit
                .as_ref()
                .map(Located::cell)
                .unwrap_or_default()
                .into(),
        ],
    }
}

/// A formula as Excel shows it in the formula bar ("=SUM(D6:D9)").
fn shown_formula(formula: &str) -> String {
    if formula.is_empty() {
        "(共享公式)".to_string()
    } else {
        format!("={}", formula.trim_start_matches('='))
    }
}

enum Target {
    /// A plain number, with its text as written (full-width digits folded, separators dropped).
    Number(f64, String),
    /// A number written with an operator and/or a unit in the same cell ("≥95%", "10G",
    /// "不少于1000个"): the canonical operator and unit, if written.
    Split {
        op: Option<String>,
        value: f64,
        text: String,
        unit: Option<String>,
    },
    /// Words: a qualitative target.
    Words(String),
}

fn parse_target(raw: &str, written_unit: &str, rules: &Rules) -> Target {
    let folded = fold(raw);
    if let Some(v) = parse_number(&folded) {
        return Target::Number(v, format_number(v));
    }
    let words = || Target::Words(clean(raw).to_string());
    let (lead, rest) = match rules.leading_operator(&folded) {
        Some((op, len)) => (Some(op), &folded[len..]),
        None => (None, &*folded),
    };
    let (trail, rest) = match rules.trailing_operator(rest) {
        Some((op, len)) => (Some(op), &rest[..rest.len() - len]),
        None => (None, rest),
    };
    let Some((number, suffix)) = split_leading_number(rest) else {
        return words();
    };
    let Some(value) = parse_number(number) else {
        return words();
    };
    let unit = if suffix.is_empty() {
        None
    } else {
        match target_unit(suffix, written_unit, rules) {
            Some(unit) => Some(unit),
            None => return words(),
        }
    };
    Target::Split {
        op: lead.or(trail).map(str::to_string),
        value,
        text: format_number(value),
        unit,
    }
}

/// The canonical unit for what follows the number of a target ("G" → GB, "％" → %), when it is
/// one the rules know or the one in the unit cell; "GB/月" style pairs part by part.
fn target_unit(suffix: &str, written_unit: &str, rules: &Rules) -> Option<String> {
    if let Some(glued) = rules.glued_unit(suffix) {
        return Some(glued.to_string());
    }
    let canonical = rules.unit(suffix);
    if (!written_unit.is_empty() && canonical == written_unit) || rules.is_target_unit(suffix) {
        return Some(canonical);
    }
    let (a, b) = suffix.split_once('/')?;
    Some(format!(
        "{}/{}",
        target_unit(a, written_unit, rules)?,
        target_unit(b, written_unit, rules)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, op: &str, target: &str, unit: &str) -> RawIndicator {
        let at = |col: u32, text: &str| Located {
            value: CellValue::Text(text.into()),
            row: 6,
            col,
        };
        RawIndicator {
            row: 6,
            name: at(7, name),
            op: Some(at(8, op)),
            target: at(9, target),
            unit: Some(at(10, unit)),
            level1: None,
            level2: None,
        }
    }

    fn norm(name: &str, op: &str, target: &str, unit: &str) -> (Indicator, Vec<Code>) {
        let rules = Rules::builtin().expect("rules");
        let mut codes = Vec::new();
        let i = normalize_indicator(&raw(name, op, target, unit), "S", &rules, &mut |c, _, _| {
            codes.push(c)
        });
        (i, codes)
    }

    #[test]
    fn operators_and_units_are_canonical() {
        let (i, codes) = norm("满意度", "≧", "95", "比例");
        assert_eq!(
            (i.op.as_str(), i.value, i.unit.as_str()),
            ("≥", Some(95.0), "%")
        );
        assert_eq!(i.raw.op, "≧");
        assert_eq!(i.raw.unit, "比例");
        assert_eq!(i.source, "S!H7");
        assert!(codes.is_empty());
        assert_eq!(norm("x", "＜＝", "1", "次数").0.op, "≤");
        assert_eq!(norm("x", "＜＝", "1", "次数").0.unit, "次");
        assert_eq!(norm("x", "＝", "1", "").0.op, "=");
    }

    #[test]
    fn qualitative_targets_take_the_qualitative_operator() {
        let (i, _) = norm("品牌", "=", "华为", "国产");
        assert_eq!(
            (i.op.as_str(), i.value, i.text.as_str()),
            ("定性", None, "华为")
        );
        assert_eq!(i.raw.op, "=");
        let (i, _) = norm("质效提升", "", "明显", "");
        assert_eq!(i.op, "定性");
    }

    #[test]
    fn glued_units_are_split() {
        let (i, _) = norm("流量", "≧", "10G", "月");
        assert_eq!(
            (i.value, i.text.as_str(), i.unit.as_str()),
            (Some(10.0), "10", "GB/月")
        );
        assert!(
            i.notes.iter().any(|n| n.contains("10G + 月 → 10 GB/月")),
            "{:?}",
            i.notes
        );
        let (i, _) = norm("率", "≥", "９５％", "");
        assert_eq!((i.value, i.unit.as_str()), (Some(95.0), "%"));
    }

    #[test]
    fn full_width_and_separators() {
        let (i, _) = norm("数量", "≥", " １,０００ ", "个");
        assert_eq!((i.value, i.text.as_str()), (Some(1000.0), "1000"));
    }

    #[test]
    fn unknown_operators_are_flagged() {
        let (i, codes) = norm("数量", "约", "3", "个");
        assert_eq!(i.op, "约");
        assert_eq!(codes, vec![Code::UnknownOperator]);
    }

    fn split(target: &str, unit: &str) -> (String, Option<f64>, String, String) {
        let (i, _) = norm("x", "", target, unit);
        (i.op.into(), i.value, i.unit.into(), i.text.into())
    }

    #[test]
    fn operator_and_unit_in_the_target_cell() {
        let s = |op: &str, v: f64, unit: &str| {
            (op.to_string(), Some(v), unit.to_string(), format_number(v))
        };
        assert_eq!(split("不低于95%", ""), s("≥", 95.0, "%"));
        assert_eq!(split("95%以上", ""), s("≥", 95.0, "%"));
        assert_eq!(split("3天以内", ""), s("≤", 3.0, "天"));
        assert_eq!(split("小于5%", ""), s("<", 5.0, "%"));
        assert_eq!(split("大于等于 90 %", ""), s("≥", 90.0, "%"));
        assert_eq!(split("≥98", "%"), s("≥", 98.0, "%"));
        // A unit the rules do not list is accepted when the unit cell says it.
        assert_eq!(split("≥3座次", "座次"), s("≥", 3.0, "座次"));
        // Not an operator, number and unit: words, kept whole.
        for words in ["不低于上年", "100%完成", "3年内完成", "1-3天", "95%左右"] {
            let (op, value, _, text) = split(words, "");
            assert_eq!((op.as_str(), value, text.as_str()), ("定性", None, words));
        }
    }

    #[test]
    fn a_target_cell_operator_wins_over_a_different_operator_cell_with_a_note() {
        let (i, codes) = norm("满意度", "=", "≥95%", "%");
        assert_eq!((i.op.as_str(), i.value), ("≥", Some(95.0)));
        assert_eq!(i.raw.op, "=");
        assert!(
            i.notes.iter().any(|n| n.contains("按目标值")),
            "{:?}",
            i.notes
        );
        assert!(codes.is_empty());
        let (i, _) = norm("时长", "", "2年", "月");
        assert_eq!(i.unit, "年");
        assert!(
            i.notes.iter().any(|n| n.contains("单位单元格为 月")),
            "{:?}",
            i.notes
        );
    }

    #[test]
    fn operator_cells_in_words() {
        let (i, codes) = norm("满意度", "不低于", "95", "%");
        assert_eq!((i.op.as_str(), i.value), ("≥", Some(95.0)));
        assert_eq!(i.raw.op, "不低于");
        assert!(codes.is_empty());
        assert_eq!(norm("时长", "以内", "2", "天").0.op, "≤");
        let (i, _) = norm("满意度", "不低于", "95%以上", "");
        assert!(
            !i.notes.iter().any(|n| n.contains("按目标值")),
            "{:?}",
            i.notes
        );
    }

    #[test]
    fn formula_and_error_targets_are_reported() {
        let rules = Rules::builtin().expect("rules");
        let mut r = raw("数量", "≥", "", "个");
        r.target.value = CellValue::Formula("SUM(A1:A3)".into());
        let mut seen = Vec::new();
        let i = normalize_indicator(&r, "S", &rules, &mut |c, cell, m| seen.push((c, cell, m)));
        assert_eq!(i.value, None);
        assert_eq!(seen[0].0, Code::FormulaWithoutValue);
        assert_eq!(seen[0].1, "J7");
        assert!(seen[0].2.contains("=SUM(A1:A3)"), "{}", seen[0].2);
    }
}
