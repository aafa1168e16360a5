//! The `[form]` sections of the rules: how a per-project 申报表 and a 部门整体 table are told
//! apart from other sheets, what their labels say, and the columns of their indicator block.
//! Loaded once with the rest of the rules; the form stages only ask.

use std::collections::HashMap;

use regex::Regex;
use serde::Deserialize;

use crate::text::fold;

/// What a form's label cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormLabel {
    ProjectName,
    Department,
    ImplementingUnit,
    ReportingUnit,
    /// The 部门(单位)名称 of a 部门整体 table.
    OverallDepartment,
    Duties,
    /// The heading of a money block ("项目资金(万元)").
    Money,
    /// The year's amount.
    Total,
    Fiscal,
    Other,
    /// A sub-line of the amounts (一般公共预算 …): kept, never added.
    Part,
    /// The project's cumulative total (项目资金总额).
    Cumulative,
    /// The header of a money block's column of amounts ("金额(万元)").
    AmountColumn,
    Goal,
    LongTermGoal,
    Overview,
    Attribute,
    /// 审核意见 and the like: kept as an attribute; ends the indicator block.
    Closing,
    /// The label of the indicator block itself (绩效指标, 年度绩效指标, 长期绩效指标).
    Block,
}

/// An indicator-block column that is none of [headers]' fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormColumn {
    ValueKind,
    Weight,
    LongTermTarget,
    PriorActual,
    Description,
    Applicable,
    Detail,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForm {
    project_titles: Vec<String>,
    overall_titles: Vec<String>,
    self_evaluation_titles: Vec<String>,
    self_evaluation_columns: Vec<String>,
    department_code: Vec<String>,
    not_applicable: Vec<String>,
    not_applicable_flags: Vec<String>,
    operator_in_name: Vec<String>,
    long_term_words: Vec<String>,
    annual_column_words: Vec<String>,
    cumulative_column_words: Vec<String>,
    labels: RawLabels,
    columns: RawColumns,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLabels {
    project_name: Vec<String>,
    department: Vec<String>,
    implementing_unit: Vec<String>,
    reporting_unit: Vec<String>,
    overall_department: Vec<String>,
    duties: Vec<String>,
    money: Vec<String>,
    total: Vec<String>,
    fiscal: Vec<String>,
    other: Vec<String>,
    parts: Vec<String>,
    cumulative: Vec<String>,
    amount_column: Vec<String>,
    goal: Vec<String>,
    long_term_goal: Vec<String>,
    overview: Vec<String>,
    attributes: Vec<String>,
    closing: Vec<String>,
    block: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumns {
    value_kind: Vec<String>,
    weight: Vec<String>,
    long_term_target: Vec<String>,
    prior_actual: Vec<String>,
    description: Vec<String>,
    applicable: Vec<String>,
    details: Vec<String>,
    past_year_actual: Vec<String>,
}

/// The form rules, indexed.
#[derive(Debug)]
pub struct FormRules {
    project_titles: Vec<String>,
    overall_titles: Vec<String>,
    self_evaluation_titles: Vec<String>,
    self_evaluation_columns: Vec<String>,
    department_code: Vec<Regex>,
    not_applicable: Vec<String>,
    not_applicable_flags: Vec<String>,
    operator_in_name: Vec<Regex>,
    long_term_words: Vec<String>,
    annual_column_words: Vec<String>,
    cumulative_column_words: Vec<String>,
    labels: HashMap<String, FormLabel>,
    columns: HashMap<String, FormColumn>,
    past_year_actual: Vec<Regex>,
    /// Enumerators written before a label ("一、", "(一)", "1.").
    enumerator: Regex,
}

/// Why the form rules cannot be used: (key, message).
pub(super) type Invalid = (String, String);

fn folded(words: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| fold(w).into_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

fn compile(key: &str, patterns: &[String]) -> Result<Vec<Regex>, Invalid> {
    patterns
        .iter()
        .map(|p| Regex::new(p).map_err(|e| (key.to_string(), e.to_string())))
        .collect()
}

/// Indexes `lists` by their folded words, each word for one value only.
fn index<T: Copy + PartialEq>(
    lists: &[(&str, &Vec<String>, T)],
) -> Result<HashMap<String, T>, Invalid> {
    let mut map = HashMap::new();
    for (key, words, value) in lists {
        for word in *words {
            let f = label_text(word);
            if f.is_empty() {
                return Err((key.to_string(), "an empty label matches nothing".into()));
            }
            if let Some(previous) = map.insert(f, *value)
                && previous != *value
            {
                return Err((
                    key.to_string(),
                    format!("label {word:?} is already listed for another field"),
                ));
            }
        }
    }
    Ok(map)
}

/// A label as matched: folded, without a trailing colon.
fn label_text(text: &str) -> String {
    fold(text).trim_end_matches([':', '：']).to_string()
}

impl FormRules {
    pub(super) fn new(raw: RawForm) -> Result<FormRules, Invalid> {
        let l = &raw.labels;
        let labels = index(&[
            (
                "form.labels.project_name",
                &l.project_name,
                FormLabel::ProjectName,
            ),
            (
                "form.labels.department",
                &l.department,
                FormLabel::Department,
            ),
            (
                "form.labels.implementing_unit",
                &l.implementing_unit,
                FormLabel::ImplementingUnit,
            ),
            (
                "form.labels.reporting_unit",
                &l.reporting_unit,
                FormLabel::ReportingUnit,
            ),
            (
                "form.labels.overall_department",
                &l.overall_department,
                FormLabel::OverallDepartment,
            ),
            ("form.labels.duties", &l.duties, FormLabel::Duties),
            ("form.labels.money", &l.money, FormLabel::Money),
            ("form.labels.total", &l.total, FormLabel::Total),
            ("form.labels.fiscal", &l.fiscal, FormLabel::Fiscal),
            ("form.labels.other", &l.other, FormLabel::Other),
            ("form.labels.parts", &l.parts, FormLabel::Part),
            (
                "form.labels.cumulative",
                &l.cumulative,
                FormLabel::Cumulative,
            ),
            (
                "form.labels.amount_column",
                &l.amount_column,
                FormLabel::AmountColumn,
            ),
            ("form.labels.goal", &l.goal, FormLabel::Goal),
            (
                "form.labels.long_term_goal",
                &l.long_term_goal,
                FormLabel::LongTermGoal,
            ),
            ("form.labels.overview", &l.overview, FormLabel::Overview),
            (
                "form.labels.attributes",
                &l.attributes,
                FormLabel::Attribute,
            ),
            ("form.labels.closing", &l.closing, FormLabel::Closing),
            ("form.labels.block", &l.block, FormLabel::Block),
        ])?;
        let c = &raw.columns;
        let columns = index(&[
            (
                "form.columns.value_kind",
                &c.value_kind,
                FormColumn::ValueKind,
            ),
            ("form.columns.weight", &c.weight, FormColumn::Weight),
            (
                "form.columns.long_term_target",
                &c.long_term_target,
                FormColumn::LongTermTarget,
            ),
            (
                "form.columns.prior_actual",
                &c.prior_actual,
                FormColumn::PriorActual,
            ),
            (
                "form.columns.description",
                &c.description,
                FormColumn::Description,
            ),
            (
                "form.columns.applicable",
                &c.applicable,
                FormColumn::Applicable,
            ),
            ("form.columns.details", &c.details, FormColumn::Detail),
        ])?;
        Ok(FormRules {
            project_titles: folded(&raw.project_titles),
            overall_titles: folded(&raw.overall_titles),
            self_evaluation_titles: folded(&raw.self_evaluation_titles),
            self_evaluation_columns: folded(&raw.self_evaluation_columns),
            department_code: compile("form.department_code", &raw.department_code)?,
            not_applicable: folded(&raw.not_applicable),
            not_applicable_flags: folded(&raw.not_applicable_flags),
            operator_in_name: compile("form.operator_in_name", &raw.operator_in_name)?,
            long_term_words: folded(&raw.long_term_words),
            annual_column_words: folded(&raw.annual_column_words),
            cumulative_column_words: folded(&raw.cumulative_column_words),
            labels,
            columns,
            past_year_actual: compile("form.columns.past_year_actual", &c.past_year_actual)?,
            enumerator: Regex::new(
                r"^(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十0-9]{1,2}\)[、.]?|[0-9]{1,2}[.、])",
            )
            .map_err(|e| ("form".to_string(), e.to_string()))?,
        })
    }

    /// What a cell's text names as a form label, with a bracketed unit or note it carries
    /// ("项目资金(万元)" → Money, "万元").
    pub fn label(&self, text: &str) -> Option<(FormLabel, Option<String>)> {
        let key = label_text(text);
        if key.is_empty() || key.chars().count() > 24 {
            return None;
        }
        let mut key = key.as_str();
        if let Some(m) = self.enumerator.find(key) {
            let rest = &key[m.end()..];
            // "1.5" is a number, not an enumerator before a label.
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                key = rest;
            }
        }
        let key = key
            .strip_prefix("其中")
            .map(|k| k.trim_start_matches([':', '：', ',', '、']))
            .unwrap_or(key);
        if let Some(&label) = self.labels.get(key) {
            return Some((label, None));
        }
        // "项目资金(万元)", but not "填报单位(盖章):某某局": the bracket must end the label.
        let open = key.find(['(', '[', '【'])?;
        let (name, bracket) = key.split_at(open);
        let after_open = &bracket[bracket.chars().next().map_or(0, char::len_utf8)..];
        if !bracket.ends_with([')', ']', '】']) || after_open.contains(['(', '[', '【']) {
            return None;
        }
        let inner = bracket
            .trim_start_matches(['(', '[', '【'])
            .trim_end_matches([')', ']', '】']);
        let &label = self.labels.get(name)?;
        Some((label, (!inner.is_empty()).then(|| inner.to_string())))
    }

    /// The block column a header cell names, if any.
    pub fn column(&self, text: &str) -> Option<FormColumn> {
        let key = label_text(text);
        if let Some(&c) = self.columns.get(key.as_str()) {
            return Some(c);
        }
        if let Some(open) = key.find(['(', '[', '【'])
            && let Some(&c) = self.columns.get(&key[..open])
        {
            return Some(c);
        }
        self.past_year_actual
            .iter()
            .any(|p| p.is_match(&key))
            .then_some(FormColumn::Detail)
    }

    fn contains_any(words: &[String], text: &str) -> bool {
        let f = fold(text);
        words.iter().any(|w| f.contains(w.as_str()))
    }

    pub fn is_project_title(&self, text: &str) -> bool {
        Self::contains_any(&self.project_titles, text)
    }

    pub fn is_overall_title(&self, text: &str) -> bool {
        Self::contains_any(&self.overall_titles, text)
    }

    pub fn is_self_evaluation_title(&self, text: &str) -> bool {
        Self::contains_any(&self.self_evaluation_titles, text)
    }

    /// Does a header cell name one of a self-evaluation's columns (实际完成值, 得分 …)?
    pub fn is_self_evaluation_column(&self, text: &str) -> bool {
        let key = label_text(text);
        let key = key.split(['(', '[', '【']).next().unwrap_or_default();
        !key.is_empty() && self.self_evaluation_columns.iter().any(|c| c == key)
    }

    /// The department's name without a code written with it ("某某局 102003" → 某某局).
    pub fn strip_department_code(&self, name: &str) -> String {
        let mut name = crate::text::clean(name).to_string();
        for p in &self.department_code {
            name = p.replace(&name, "").into_owned();
        }
        crate::text::clean(&name).to_string()
    }

    /// Is this name or target one that says the row is no indicator (本项目不适用此指标, 无)?
    pub fn is_not_applicable(&self, text: &str) -> bool {
        let f = fold(text);
        !f.is_empty() && self.not_applicable.iter().any(|w| *w == f)
    }

    /// Does a 是否适用 cell say the row does not apply?
    pub fn is_not_applicable_flag(&self, text: &str) -> bool {
        let f = fold(text);
        !f.is_empty() && self.not_applicable_flags.iter().any(|w| *w == f)
    }

    /// An operator written only in the name: (the name without it, the operator, a unit).
    pub fn operator_in_name(&self, name: &str) -> Option<(String, String, String)> {
        let text = crate::text::fold_width(name);
        self.operator_in_name.iter().find_map(|p| {
            let c = p.captures(&text)?;
            let name = c.name("name")?.as_str().trim().to_string();
            let op = c.name("op")?.as_str().to_string();
            let unit = c
                .name("unit")
                .map(|u| u.as_str().trim().to_string())
                .unwrap_or_default();
            (!name.is_empty()).then_some((name, op, unit))
        })
    }

    /// Does the text mark indicators or a column as long-term (长期, 中期)?
    pub fn is_long_term(&self, text: &str) -> bool {
        Self::contains_any(&self.long_term_words, text)
    }

    /// Does a money column's header name the year's amounts?
    pub fn is_annual_column(&self, text: &str) -> bool {
        Self::contains_any(&self.annual_column_words, text)
    }

    /// Does a money column's header name the whole period's amounts (中期, 总体)?
    pub fn is_cumulative_column(&self, text: &str) -> bool {
        Self::contains_any(&self.cumulative_column_words, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rules;

    #[test]
    fn labels_match_whatever_is_written_around_them() {
        let rules = Rules::builtin().expect("rules");
        let f = &rules.form;
        assert_eq!(f.label("项目名称"), Some((FormLabel::ProjectName, None)));
        assert_eq!(f.label("项目名称："), Some((FormLabel::ProjectName, None)));
        assert_eq!(
            f.label(" 主管部门及代码 "),
            Some((FormLabel::Department, None))
        );
        assert_eq!(
            f.label("项目资金（万元）"),
            Some((FormLabel::Money, Some("万元".into())))
        );
        assert_eq!(f.label("其中:财政拨款"), Some((FormLabel::Fiscal, None)));
        assert_eq!(f.label("(一)财政拨款小计"), Some((FormLabel::Fiscal, None)));
        assert_eq!(f.label("二、自有资金"), Some((FormLabel::Other, None)));
        assert_eq!(
            f.label("填报单位(盖章):"),
            Some((FormLabel::ReportingUnit, Some("盖章".into())))
        );
        assert_eq!(f.label("年度资金总额:"), Some((FormLabel::Total, None)));
        assert_eq!(f.label("受益人员满意度"), None);
        assert_eq!(f.label("120"), None);
        assert_eq!(f.column("指标值类型"), Some(FormColumn::ValueKind));
        assert_eq!(f.column("权重(%)"), Some(FormColumn::Weight));
        assert_eq!(f.column("2021年实际执行数"), Some(FormColumn::Detail));
        assert_eq!(f.column("指标值"), None);
    }

    #[test]
    fn codes_and_operators_come_off() {
        let rules = Rules::builtin().expect("rules");
        let f = &rules.form;
        assert_eq!(f.strip_department_code("某某局 102003"), "某某局");
        assert_eq!(f.strip_department_code("[102003]某某局"), "某某局");
        assert_eq!(f.strip_department_code("某某局"), "某某局");
        assert_eq!(
            f.operator_in_name("验收合格率(≥**%)"),
            Some(("验收合格率".into(), "≥".into(), "%".into()))
        );
        assert_eq!(
            f.operator_in_name("培训人次（≥ 人次）"),
            Some(("培训人次".into(), "≥".into(), "人次".into()))
        );
        assert_eq!(f.operator_in_name("验收合格率"), None);
        assert!(f.is_not_applicable("本项目不适用此指标"));
        assert!(f.is_self_evaluation_column("实际完成值"));
        assert!(f.is_self_evaluation_title("2023年度项目支出绩效自评表"));
        assert!(f.is_project_title("2024年项目支出绩效目标申报表"));
        assert!(f.is_overall_title("部门整体支出绩效目标表"));
    }
}
