//! Stage 6: the checks a reviewer would otherwise do by hand on one department's table:
//! do the projects add up to the 合计 row, does each project's 本级 + 转移支付 make its 预算金额,
//! and does the footnote declare what the table holds. It also flags texts too long for a
//! spreadsheet cell, which the summary can only show cut.

use crate::finding::{Code, Finding};
use crate::model::Department;
use crate::rules::Rules;
use crate::text::{MAX_CELL_CHARS, cell_len, cut_to, round_amount};

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
    check_lengths(dept, &mut add);
    findings
}

/// One `text_too_long` finding per text that a summary cell cannot hold whole.
fn check_lengths(dept: &Department, add: &mut impl FnMut(Code, &str, String, Option<usize>)) {
    let mut long = |what: String, text: &str, cell: &str, project: Option<usize>| {
        let len = cell_len(text);
        if len > MAX_CELL_CHARS {
            add(
                Code::TextTooLong,
                cell,
                format!(
                    "{what}有 {len} 个字符,超过单元格上限 {MAX_CELL_CHARS},汇总表中只显示开头,完整内容见 JSON 报告"
                ),
                project,
            );
        }
    };
    let short = |name: &str| cut_to(name, 30).into_owned();
    let cell_of = |source: &str| {
        source
            .rsplit_once('!')
            .map(|(_, cell)| cell.to_string())
            .unwrap_or_default()
    };
    long(
        "部门名称".to_string(),
        &dept.name,
        &cell_of(&dept.name_source),
        None,
    );
    for (index, p) in dept.projects.iter().enumerate() {
        let cell = cell_of(&p.source);
        let name = short(&p.name);
        for (what, text) in [
            ("序号", &p.seq),
            ("项目名称", &p.name),
            ("项目概况", &p.overview),
            ("年度绩效目标", &p.goal),
        ] {
            long(format!("项目「{name}」的{what}"), text, &cell, Some(index));
        }
    }
    let indicators = dept
        .projects
        .iter()
        .enumerate()
        .flat_map(|(index, p)| p.indicators.iter().map(move |i| (Some(index), i)))
        .chain(dept.unassigned.iter().map(|u| (None, &u.indicator)));
    for (project, i) in indicators {
        let cell = i.cells.first().cloned().unwrap_or_default();
        let name = short(&i.name);
        let annotation = i.annotation();
        for (what, text) in [
            ("指标名称", i.name.as_str()),
            ("目标值", i.text.as_str()),
            ("单位", i.unit.as_str()),
            ("原始运算符", i.raw.op.as_str()),
            ("原始目标值", i.raw.value.as_str()),
            ("原始单位", i.raw.unit.as_str()),
            ("标注", annotation.as_str()),
        ] {
            long(format!("指标「{name}」的{what}"), text, &cell, project);
        }
    }
}
