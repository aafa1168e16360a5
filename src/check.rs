//! Stage 6: the checks a reviewer would otherwise do by hand on one department's table:
//! do the projects add up to the 合计 row, does each project's 本级 + 转移支付 make its 预算金额,
//! does the footnote declare what the table holds, and does each indicator make sense (its
//! unit, its direction, its range, a placeholder left in, a near-duplicate name). The words
//! and tolerances come from the `[checks]` section of the rules.

use crate::finding::{Code, Finding};
use crate::model::{Department, Indicator};
use crate::normalize::QUALITATIVE;
use crate::rules::Rules;
use crate::text::round_amount;

fn wan(v: f64) -> String {
    format!("{v:.2}")
}

/// Runs every check on one department.
pub fn check(dept: &Department, rules: &Rules) -> Vec<Finding> {
    let tolerance = rules.amount_tolerance_wan;
    let differs = |a: f64, b: f64| (a - b).abs() > tolerance;
    let mut findings = Vec::new();
    let mut add = |code: Code, cell: &str, message: String, project: Option<usize>| {
        let mut f = Finding::new(code, &dept.file, &dept.sheet, cell.to_string(), message)
            .for_project(project);
        f.department = dept.name.clone();
        findings.push(f);
    };

    let sums = dept.budget_sums();
    let declared = &dept.declared;
    let sum_row = [
        (declared.sum_row_wan, "预算金额"),
        (declared.sum_row_own_wan, "本级支出"),
        (declared.sum_row_transfer_wan, "转移支付支出"),
    ];
    for (i, (value, what)) in sum_row.iter().enumerate() {
        if let Some(v) = value
            && differs(*v, sums[i])
        {
            add(
                Code::SumMismatch,
                &declared.sum_row_cells[i],
                format!(
                    "合计行{what} {} 万元,与{}个项目之和 {} 万元相差 {} 万元",
                    wan(*v),
                    dept.projects.len(),
                    wan(sums[i]),
                    wan(round_amount(v - sums[i]))
                ),
                None,
            );
        }
    }

    for (index, p) in dept.projects.iter().enumerate() {
        if let (Some(budget), Some(own), Some(transfer)) = (p.budget_wan, p.own_wan, p.transfer_wan)
            && differs(own + transfer, budget)
        {
            add(
                Code::OwnPlusTransferMismatch,
                &p.budget_cell,
                format!(
                    "项目「{}」本级支出 {} + 转移支付支出 {} = {} 万元,不等于预算金额 {} 万元",
                    p.name,
                    wan(own),
                    wan(transfer),
                    wan(round_amount(own + transfer)),
                    wan(budget)
                ),
                Some(index),
            );
        }
    }

    if let Some(count) = declared.project_count
        && count as usize != dept.projects.len()
    {
        add(
            Code::DeclaredCountMismatch,
            &declared.count_cell,
            format!(
                "脚注声明本级部门预算项目{count}个,表中只有{}个项目",
                dept.projects.len()
            ),
            None,
        );
    }
    if let Some(total) = declared.footnote_total_wan
        && differs(total, sums[0])
    {
        add(
            Code::DeclaredTotalMismatch,
            &declared.footnote_cell,
            format!(
                "脚注声明预算金额 {} 万元,表中{}个项目合计 {} 万元,相差 {} 万元",
                wan(total),
                dept.projects.len(),
                wan(sums[0]),
                wan(round_amount(total - sums[0]))
            ),
            None,
        );
    }
    for (index, p) in dept.projects.iter().enumerate() {
        if p.indicators.is_empty() {
            add(
                Code::MissingIndicators,
                p.source.rsplit('!').next().unwrap_or_default(),
                format!("项目「{}」没有任何绩效指标", p.name),
                Some(index),
            );
        }
        for (a, b) in near_duplicate_names(&p.indicators, rules.checks.near_duplicate_min_chars) {
            add(
                Code::NearDuplicateName,
                &b.cells[0],
                format!(
                    "项目「{}」的指标「{}」({}) 与「{}」({}) 只差一个字,可能是同一指标的笔误",
                    p.name, a.name, a.cells[0], b.name, b.cells[0]
                ),
                Some(index),
            );
        }
    }

    let indicators = dept
        .projects
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.indicators.iter().map(move |ind| (Some(i), ind)))
        .chain(dept.unassigned.iter().map(|u| (None, &u.indicator)));
    for (project, indicator) in indicators {
        for (code, cell, message) in check_indicator(indicator, rules) {
            add(code, &cell, message, project);
        }
    }
    findings
}

/// The checks on one indicator: (code, cell, message) for each problem.
fn check_indicator(i: &Indicator, rules: &Rules) -> Vec<(Code, String, String)> {
    let checks = &rules.checks;
    let [op_cell, target_cell, unit_cell] = i.field_cells.clone();
    let mut out = Vec::new();
    let described = format!("指标「{}」({})", i.name, i.cells[0]);

    if rules.is_placeholder(&i.text) || rules.is_placeholder(&i.name) {
        out.push((
            Code::PlaceholderValue,
            target_cell.clone(),
            format!("{described}留有模板占位符:「{} {}」", i.name, i.raw.value),
        ));
        // A placeholder says nothing about units or directions.
        return out;
    }
    if i.value.is_none() && i.text.is_empty() {
        out.push((
            Code::MissingTarget,
            target_cell.clone(),
            format!("{described}没有填写目标值"),
        ));
    }
    if i.op == QUALITATIVE {
        let numeric_op = rules.operator(&i.raw.op).is_some();
        if numeric_op && rules.has_qualitative_word(&i.text) {
            out.push((
                Code::QualitativeWithOperator,
                op_cell.clone(),
                format!(
                    "{described}的目标「{}」是定性描述,原运算符「{}」不适用,已按定性指标处理",
                    i.text, i.raw.op
                ),
            ));
        }
        return out;
    }
    if !i.unit.is_empty()
        && let Some(rule) = checks
            .unit_rules
            .iter()
            .find(|r| r.applies_to(&i.name))
            .filter(|r| r.rejects(&i.unit))
    {
        let expected = if rule.units.is_empty() {
            format!("不应为「{}」", rule.forbidden_units.join("/"))
        } else {
            format!("应为「{}」", rule.units.join("/"))
        };
        out.push((
            Code::UnitMismatch,
            unit_cell.clone(),
            format!(
                "{described}的单位「{}」与名称不符,{expected}:{} {} {}",
                i.unit, i.op, i.text, i.unit
            ),
        ));
    }
    let up = matches!(i.op.as_str(), "≥" | ">");
    let down = matches!(i.op.as_str(), "≤" | "<");
    fn contains<'a>(words: &'a [String], name: &str) -> Option<&'a String> {
        words.iter().find(|w| name.contains(w.as_str()))
    }
    if let Some(word) = contains(&checks.direction.down, &i.name).filter(|_| up) {
        out.push((
            Code::DirectionMismatch,
            op_cell.clone(),
            format!(
                "{described}含「{word}」,越低越好,却写成「{} {}」",
                i.op, i.text
            ),
        ));
    } else if let Some(word) = contains(&checks.direction.up, &i.name).filter(|_| down) {
        out.push((
            Code::DirectionMismatch,
            op_cell.clone(),
            format!(
                "{described}含「{word}」,越高越好,却写成「{} {}」",
                i.op, i.text
            ),
        ));
    }
    if i.unit == "%"
        && let Some(v) = i.value
    {
        let rate = checks
            .percent_name_endings
            .iter()
            .any(|e| i.name.ends_with(e.as_str()));
        if v < 0.0 || (rate && v > checks.max_percent) {
            out.push((
                Code::PercentOutOfRange,
                target_cell,
                format!(
                    "{described}的目标 {} % 超出 0–{} % 的范围",
                    i.text, checks.max_percent
                ),
            ));
        }
    }
    out
}

/// Pairs of indicators whose names, at least `min_chars` long, differ in exactly one character
/// (same length, one position). Each pair once, in reading order.
fn near_duplicate_names(
    indicators: &[Indicator],
    min_chars: usize,
) -> Vec<(&Indicator, &Indicator)> {
    let chars: Vec<Vec<char>> = indicators
        .iter()
        .map(|i| i.name.chars().collect())
        .collect();
    let mut pairs = Vec::new();
    let mut reported: Vec<(&str, &str)> = Vec::new();
    for a in 0..indicators.len() {
        for b in a + 1..indicators.len() {
            let (x, y) = (&chars[a], &chars[b]);
            if x.len() < min_chars || x.len() != y.len() {
                continue;
            }
            let differing = x.iter().zip(y).filter(|(p, q)| p != q).count();
            let names = (indicators[a].name.as_str(), indicators[b].name.as_str());
            if differing == 1 && !reported.contains(&names) {
                reported.push(names);
                pairs.push((&indicators[a], &indicators[b]));
            }
        }
    }
    pairs
}
