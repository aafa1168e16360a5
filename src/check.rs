//! Stage 6: the checks a reviewer would otherwise do by hand on one department's table:
//! do the projects add up to the 合计 row, does each project's 本级 + 转移支付 make its 预算金额,
//! does the footnote declare what the table holds, and does each indicator make sense (its
//! unit, its direction, its range, a placeholder left in, a near-duplicate name). The words
//! and tolerances come from the `[checks]` section of the rules.
//! It also flags texts too long for a spreadsheet cell, which the summary can only show cut.
//! The reviewer's checks of the `[review]` section (产出 coverage, cost standards, floors …)
//! are in [`review`].

use crate::finding::{Code, DepartmentField, Finding, IndicatorField, ProjectField, Site, Subject};
use crate::grid::CellRef;
use crate::model::{Department, Indicator, Owner};
use crate::normalize::QUALITATIVE;
use crate::rules::Rules;
use crate::text::{MAX_CELL_CHARS, cell_len, cut_to, round_amount};

mod review;

fn wan(v: f64) -> String {
    format!("{v:.2}")
}

/// The findings of one department's checks, in the order they are raised.
struct Raised<'a> {
    site: Site<'a>,
    department: &'a str,
    findings: Vec<Finding>,
}

impl Raised<'_> {
    fn add(&mut self, code: Code, cell: Option<CellRef>, subject: Subject, message: String) {
        let mut f = self.site.finding(code, cell, subject, message);
        f.department = self.department.into();
        self.findings.push(f);
    }
}

fn on_project(project: usize, field: ProjectField) -> Subject {
    Subject::Project {
        project: project as u32,
        field,
    }
}

fn on_indicator(owner: Owner, position: usize) -> Subject {
    Subject::Indicator {
        project: owner.project().map(|p| p as u32),
        position: position as u32,
        field: IndicatorField::Name,
    }
}

/// Runs every check on one department.
pub fn check(dept: &Department, rules: &Rules) -> Vec<Finding> {
    let about = &dept.about;
    let mut raised = Raised {
        site: Site {
            file: &about.file,
            sheet: &about.sheet,
        },
        department: &about.name,
        findings: Vec::new(),
    };
    check_sums(dept, rules, &mut raised);
    check_projects(dept, rules, &mut raised);
    for (position, (project, indicator)) in dept.indicators().enumerate() {
        for (code, cell, message) in check_indicator(indicator, rules) {
            raised.add(code, cell, on_indicator(project, position), message);
        }
    }
    review::review(dept, rules, &mut raised);
    check_lengths(dept, &mut raised);
    raised.findings
}

/// The 合计 row, each project's 本级 + 转移支付, and the footnote against the projects.
fn check_sums(dept: &Department, rules: &Rules, raised: &mut Raised<'_>) {
    let tolerance = rules.amount_tolerance_wan;
    let differs = |a: f64, b: f64| (a - b).abs() > tolerance;
    let sums = dept.budget_sums();
    let declared = &dept.about.declared;
    let sum_row = [
        (declared.sum_row_wan, "预算金额", DepartmentField::SumBudget),
        (
            declared.sum_row_own_wan,
            "本级支出",
            DepartmentField::SumOwn,
        ),
        (
            declared.sum_row_transfer_wan,
            "转移支付支出",
            DepartmentField::SumTransfer,
        ),
    ];
    for (i, (value, what, field)) in sum_row.into_iter().enumerate() {
        if let Some(v) = value
            && differs(v, sums[i])
        {
            raised.add(
                Code::SumMismatch,
                declared.sum_row_cells[i],
                Subject::Department(field),
                format!(
                    "合计行{what} {} 万元,与{}个项目之和 {} 万元相差 {} 万元",
                    wan(v),
                    dept.projects.len(),
                    wan(sums[i]),
                    wan(round_amount(v - sums[i]))
                ),
            );
        }
    }

    for (index, p) in dept.projects.iter().enumerate() {
        if let (Some(budget), Some(own), Some(transfer)) = (p.budget_wan, p.own_wan, p.transfer_wan)
            && differs(own + transfer, budget)
        {
            raised.add(
                Code::OwnPlusTransferMismatch,
                Some(p.amount_cell()),
                on_project(index, ProjectField::Budget),
                format!(
                    "项目「{}」本级支出 {} + 转移支付支出 {} = {} 万元,不等于预算金额 {} 万元",
                    p.name,
                    wan(own),
                    wan(transfer),
                    wan(round_amount(own + transfer)),
                    wan(budget)
                ),
            );
        }
    }

    if let Some(count) = declared.project_count
        && count as usize != dept.projects.len()
    {
        raised.add(
            Code::DeclaredCountMismatch,
            declared.count_cell,
            Subject::Department(DepartmentField::DeclaredCount),
            format!(
                "脚注声明本级部门预算项目{count}个,表中只有{}个项目",
                dept.projects.len()
            ),
        );
    }
    if let Some(total) = declared.footnote_total_wan
        && differs(total, sums[0])
    {
        raised.add(
            Code::DeclaredTotalMismatch,
            declared.footnote_cell,
            Subject::Department(DepartmentField::DeclaredAmount),
            format!(
                "脚注声明预算金额 {} 万元,表中{}个项目合计 {} 万元,相差 {} 万元",
                wan(total),
                dept.projects.len(),
                wan(sums[0]),
                wan(round_amount(total - sums[0]))
            ),
        );
    }
}

/// Each project's indicators as a whole: none at all, a category missing, near-duplicates.
fn check_projects(dept: &Department, rules: &Rules, raised: &mut Raised<'_>) {
    let starts = dept.indicator_starts();
    for (index, p) in dept.projects.iter().enumerate() {
        let on_name = || on_project(index, ProjectField::Name);
        if rules.is_placeholder_target(&p.name) {
            raised.add(
                Code::PlaceholderValue,
                Some(p.cell),
                on_name(),
                format!("项目名称「{}」({}) 留有模板占位符", p.name, p.cell),
            );
        }
        if p.indicators.is_empty() {
            raised.add(
                Code::MissingIndicators,
                Some(p.cell),
                on_name(),
                format!("项目「{}」没有任何绩效指标", p.name),
            );
        }
        let missing: Vec<&str> = rules
            .categories
            .required_level1
            .iter()
            .filter(|need| {
                !p.indicators
                    .iter()
                    .any(|i| i.level1.as_deref() == Some(need.as_str()))
            })
            .map(String::as_str)
            .collect();
        if !p.indicators.is_empty() && !missing.is_empty() {
            raised.add(
                Code::IncompleteFramework,
                Some(p.cell),
                on_name(),
                format!("项目「{}」缺少{}", p.name, missing.join("、")),
            );
        }
        for (a, b) in near_duplicate_names(&p.indicators, rules.checks.near_duplicate_min_chars) {
            let (x, y) = (&p.indicators[a], &p.indicators[b]);
            raised.add(
                Code::NearDuplicateName,
                Some(y.cell),
                on_indicator(Owner::Project(index), starts[index] + b),
                format!(
                    "项目「{}」的指标「{}」({}) 与「{}」({}) 只差一个字,可能是同一指标的笔误",
                    p.name, x.name, x.cell, y.name, y.cell
                ),
            );
        }
    }
}

/// One `text_too_long` finding per text that a summary cell cannot hold whole.
fn check_lengths(dept: &Department, raised: &mut Raised<'_>) {
    // `what` is only spelled out for a text that is too long: nearly none are.
    let mut long = |what: &dyn Fn() -> String, text: &str, cell: Option<CellRef>, subject| {
        // A text of no more bytes than the cap has no more UTF-16 units either.
        if text.len() <= MAX_CELL_CHARS {
            return;
        }
        let len = cell_len(text);
        if len > MAX_CELL_CHARS {
            let what = what();
            raised.add(
                Code::TextTooLong,
                cell,
                subject,
                format!(
                    "{what}有 {len} 个字符,超过单元格上限 {MAX_CELL_CHARS},汇总表中只显示开头,完整内容见 JSON 报告"
                ),
            );
        }
    };
    let short = |name: &str| cut_to(name, 30).into_owned();
    let name_cell = dept.about.name_source.cell();
    long(
        &|| "部门名称".to_string(),
        &dept.about.name,
        name_cell,
        match name_cell {
            Some(_) => Subject::Department(DepartmentField::Name),
            None => Subject::Input,
        },
    );
    for (index, p) in dept.projects.iter().enumerate() {
        for (what, text) in [
            ("序号", p.seq.as_str()),
            ("项目名称", p.name.as_str()),
            ("项目概况", p.overview.as_str()),
            ("年度绩效目标", p.goal.as_str()),
        ] {
            long(
                &|| format!("项目「{}」的{what}", short(&p.name)),
                text,
                Some(p.cell),
                on_project(index, ProjectField::Name),
            );
        }
    }
    for (position, (project, i)) in dept.indicators().enumerate() {
        // Joined only when it might be too long: it is nearly always short.
        let annotation = if i.notes.iter().map(|n| n.len() + 1).sum::<usize>() > MAX_CELL_CHARS {
            i.annotation()
        } else {
            String::new()
        };
        for (what, text) in [
            ("指标名称", i.name.as_str()),
            ("目标值", i.text.as_str()),
            ("单位", i.unit.as_str()),
            ("原始运算符", i.raw.op.as_str()),
            ("原始目标值", i.raw.value.as_str()),
            ("原始单位", i.raw.unit.as_str()),
            ("标注", annotation.as_str()),
        ] {
            long(
                &|| format!("指标「{}」的{what}", short(&i.name)),
                text,
                Some(i.cell),
                on_indicator(project, position),
            );
        }
    }
}

/// "指标「name」(cell)", spelled out only when a message needs it.
struct Described<'a>(&'a Indicator);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "指标「{}」({})", self.0.name, self.0.cell)
    }
}

/// The checks on one indicator: (code, cell, message) for each problem.
fn check_indicator(i: &Indicator, rules: &Rules) -> Vec<(Code, Option<CellRef>, String)> {
    let checks = &rules.checks;
    let cells = i.field_cells;
    let (op_cell, target_cell, unit_cell) = (cells.op, Some(cells.target), cells.unit);
    let mut out = Vec::new();
    let described = Described(i);

    if let Some(level1) = &i.level1
        && !rules.categories.level1.iter().any(|k| k == level1)
    {
        out.push((
            Code::UnknownCategory,
            Some(i.cell),
            format!(
                "{described}的一级指标「{level1}」不是框架中的类别({})",
                rules.categories.level1.join("、")
            ),
        ));
    }
    if rules.is_placeholder_target(&i.text) || rules.is_placeholder(&i.name) {
        out.push((
            Code::PlaceholderValue,
            target_cell,
            format!("{described}留有模板占位符:「{} {}」", i.name, i.raw.value),
        ));
        // A placeholder says nothing about units or directions.
        return out;
    }
    if i.value.is_none() && i.text.is_empty() {
        out.push((
            Code::MissingTarget,
            target_cell,
            format!("{described}没有填写目标值"),
        ));
    }
    if i.op == QUALITATIVE {
        let numeric_op = rules.operator(&i.raw.op).is_some();
        if numeric_op && rules.has_qualitative_word(&i.text) {
            out.push((
                Code::QualitativeWithOperator,
                op_cell,
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
            unit_cell,
            format!(
                "{described}的单位「{}」与名称不符,{expected}:{} {} {}",
                i.unit, i.op, i.text, i.unit
            ),
        ));
    }
    let up = checks.direction.more.iter().any(|o| *o == i.op);
    let down = checks.direction.less.iter().any(|o| *o == i.op);
    if let Some(word) = rules.direction_down_word(&i.name).filter(|_| up) {
        out.push((
            Code::DirectionMismatch,
            op_cell,
            format!(
                "{described}含「{word}」,越低越好,却写成「{} {}」",
                i.op, i.text
            ),
        ));
    } else if let Some(word) = rules.direction_up_word(&i.name).filter(|_| down) {
        out.push((
            Code::DirectionMismatch,
            op_cell,
            format!(
                "{described}含「{word}」,越高越好,却写成「{} {}」",
                i.op, i.text
            ),
        ));
    }
    // A cell formatted as a percentage holds 0.95 for "95%": on an indicator that should be
    // high (满意度, 合格率), a target of at most 1 is almost certainly such a cell.
    if let Some(v) = i.value
        && v > 0.0
        && v <= 1.0
        && i.value_to.is_none_or(|high| high <= 1.0)
        && (i.unit.is_empty() || i.unit == checks.percent_unit)
        && rules.direction_up_word(&i.name).is_some()
    {
        out.push((
            Code::PercentAsFraction,
            target_cell,
            format!(
                "{described}的目标值是 {},可能是设置为百分比格式的单元格({} %),请核对",
                i.text,
                crate::text::format_number(crate::text::round_amount(v * 100.0))
            ),
        ));
    }
    if i.unit == checks.percent_unit
        && let Some(v) = i.value
    {
        let rate = checks
            .percent_name_endings
            .iter()
            .any(|e| i.name.ends_with(e.as_str()));
        // A range's ends both count.
        let high = i.value_to.map_or(v, |h| h.max(v));
        let low = i.value_to.map_or(v, |h| h.min(v));
        if low < 0.0 || (rate && high > checks.max_percent) {
            out.push((
                Code::PercentOutOfRange,
                target_cell,
                format!(
                    "{described}的目标 {} 超出 0–{} % 的范围",
                    crate::normalize::target_words("", &i.text, &i.unit),
                    checks.max_percent
                ),
            ));
        }
    }
    out
}

/// Pairs of indicators whose names, at least `min_chars` long, differ in exactly one character
/// (same length, one position), by index. Each pair of names once, in reading order.
fn near_duplicate_names(indicators: &[Indicator], min_chars: usize) -> Vec<(usize, usize)> {
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
                pairs.push((a, b));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Origin, normalize};

    const HEADER: &str = "序号\t项目名称\t预算金额(万元)\t本级支出(万元)\t转移支付支出(万元)\t指标名称\t运算符\t年度目标值\t单位\n";

    /// The codes the checks raise on a one-project table whose indicator rows are `rows`
    /// (名称\t运算符\t目标值\t单位 each).
    fn codes_for(rows: &[&str]) -> Vec<Code> {
        let mut text = String::from(HEADER);
        for (i, row) in rows.iter().enumerate() {
            let project = if i == 0 {
                "1\t办公费\t10\t10\t0"
            } else {
                "\t\t\t\t"
            };
            text.push_str(&format!("{project}\t{row}\n"));
        }
        if rows.is_empty() {
            text.push_str("1\t办公费\t10\t10\t0\t\t\t\t\n");
        }
        let rules = Rules::builtin().expect("rules");
        let grid = crate::read::read_delimited(text.as_bytes(), "S");
        let layout = crate::layout::detect(&grid, &rules).expect("layout");
        let raw = crate::extract::extract(&grid, &layout, &rules);
        let origin = Origin {
            file: "f",
            fallback_department: "d",
            fallback_source: crate::model::NameSource::FileName,
        };
        let (mut dept, _) = normalize(&raw, &origin, &rules);
        crate::classify::classify(&mut dept, &rules);
        check(&dept, &rules).into_iter().map(|f| f.code).collect()
    }

    fn fires(code: Code, rows: &[&str]) -> bool {
        codes_for(rows).contains(&code)
    }

    #[test]
    fn unit_mismatch() {
        assert!(fires(Code::UnitMismatch, &["发放代表人数\t≧\t450\t%"]));
        assert!(fires(Code::UnitMismatch, &["受益人员满意度\t≥\t95\t人"]));
        assert!(fires(Code::UnitMismatch, &["会议次数\t≥\t3\t元"]));
        assert!(!fires(Code::UnitMismatch, &["受益人员满意度\t≥\t95\t比例"]));
        assert!(!fires(
            Code::UnitMismatch,
            &["公众号订阅人数增长率\t≥\t20\t%"]
        ));
        assert!(!fires(Code::UnitMismatch, &["检查频率\t≥\t12\t次"]));
    }

    #[test]
    fn direction_mismatch() {
        assert!(fires(Code::DirectionMismatch, &["系统故障率\t≥\t1\t%"]));
        assert!(fires(Code::DirectionMismatch, &["代表满意度\t≤\t90\t%"]));
        assert!(!fires(Code::DirectionMismatch, &["系统故障率\t≦\t1\t%"]));
        assert!(!fires(Code::DirectionMismatch, &["代表满意度\t>\t90\t%"]));
    }

    #[test]
    fn percent_out_of_range() {
        assert!(fires(Code::PercentOutOfRange, &["验收合格率\t=\t120\t%"]));
        assert!(fires(Code::PercentOutOfRange, &["增长\t≥\t-5\t%"]));
        assert!(!fires(Code::PercentOutOfRange, &["验收合格率\t=\t100\t%"]));
        assert!(!fires(Code::PercentOutOfRange, &["点击量增长\t≥\t150\t%"]));
    }

    #[test]
    fn missing_target_and_placeholders() {
        assert!(fires(Code::MissingTarget, &["培训人次\t≥\t\t人次"]));
        assert!(!fires(Code::MissingTarget, &["培训人次\t≥\t30\t人次"]));
        assert!(fires(Code::PlaceholderValue, &["培训人次\t≥\tXX\t人次"]));
        assert!(fires(Code::PlaceholderValue, &["培训人次\t≥\t＊＊\t人次"]));
        assert!(!fires(Code::PlaceholderValue, &["培训人次\t≥\t30\t人次"]));
    }

    #[test]
    fn missing_indicators() {
        assert!(fires(Code::MissingIndicators, &[]));
        assert!(!fires(Code::MissingIndicators, &["培训人次\t≥\t30\t人次"]));
    }

    #[test]
    fn qualitative_with_operator() {
        assert!(fires(
            Code::QualitativeWithOperator,
            &["履职效率\t≧\t明显提升\t"]
        ));
        assert!(!fires(
            Code::QualitativeWithOperator,
            &["履职效率\t\t明显\t"]
        ));
        // A brand under = is not a 定性 word: read as 定性, nothing to note.
        assert!(!fires(
            Code::QualitativeWithOperator,
            &["设备品牌\t=\t华为\t国产"]
        ));
    }

    #[test]
    fn percent_as_fraction() {
        assert!(fires(
            Code::PercentAsFraction,
            &["受益人员满意度\t≥\t0.95\t%"]
        ));
        assert!(fires(Code::PercentAsFraction, &["验收合格率\t=\t1\t"]));
        assert!(!fires(
            Code::PercentAsFraction,
            &["受益人员满意度\t≥\t95\t%"]
        ));
        assert!(!fires(Code::PercentAsFraction, &["系统故障率\t≤\t1\t%"]));
        assert!(!fires(Code::PercentAsFraction, &["验收合格率\t=\t1\t个"]));
    }

    #[test]
    fn incomplete_framework() {
        let complete = [
            "采购台数\t≥\t10\t台",
            "办公效率提升\t\t明显\t",
            "使用人员满意度\t≥\t90\t%",
        ];
        assert!(!fires(Code::IncompleteFramework, &complete));
        assert!(fires(Code::IncompleteFramework, &complete[..2]));
        assert!(fires(Code::IncompleteFramework, &complete[1..]));
    }

    #[test]
    fn near_duplicate_name() {
        assert!(fires(
            Code::NearDuplicateName,
            &["收益人员满意度\t≥\t90\t%", "受益人员满意度\t≥\t95\t%"]
        ));
        assert!(!fires(
            Code::NearDuplicateName,
            &["立法调研项目\t≥\t5\t个", "立法制定项目\t≥\t6\t个"]
        ));
        assert!(!fires(
            Code::NearDuplicateName,
            &["天数\t≥\t5\t天", "次数\t≥\t6\t次"]
        ));
    }
}
