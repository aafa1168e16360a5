//! The reviewer's checks (审核): what a finance bureau looks for in submitted targets beyond
//! sums and units — does a project's 产出 cover 数量, 质量 and 时效, does a given category fit
//! the indicator's name, is a numeric target complete (unit, operator, a number where 定量 is
//! declared), are most targets qualitative, is a cost above its 预算支出标准 or above the
//! project's own budget, is a target below the bureau's floor, is a name a pasted sentence, does
//! the target's unit contradict the unit column, do the table's years disagree. Every word and
//! figure comes from the `[review]` section of the rules.

use super::Raised;
use crate::finding::{Code, DepartmentField, IndicatorField, ProjectField, Subject};
use crate::grid::CellRef;
use crate::model::{CategorySource, Department, Indicator, Project, YearSource};
use crate::normalize::QUALITATIVE;
use crate::rules::{CategoryRule, Rules};
use crate::text::{cut_to, fold, format_number, round_amount};

/// Runs the reviewer's checks on one department.
pub(super) fn review(dept: &Department, rules: &Rules, raised: &mut Raised<'_>) {
    let start = raised.findings.len();
    run(dept, rules, raised);
    let disabled = &rules.review.disabled_checks;
    if !disabled.is_empty() {
        let mut index = 0;
        raised.findings.retain(|f| {
            index += 1;
            index <= start || !disabled.contains(&f.code)
        });
    }
}

fn run(dept: &Department, rules: &Rules, raised: &mut Raised<'_>) {
    check_years(dept, raised);
    let mut position = 0;
    for (index, p) in dept.projects.iter().enumerate() {
        check_project(index, p, rules, raised);
        let owner = format!("项目「{}」", p.name);
        for i in &p.indicators {
            let subject = on_indicator(Some(index), position);
            for (code, cell, message) in check_indicator(&owner, i, p.budget_wan, rules) {
                raised.add(code, cell, subject, message);
            }
            position += 1;
        }
    }
    for u in &dept.unassigned {
        let owner = match &u.after_project {
            Some(after) => format!("(未归属,位于项目「{after}」之后)"),
            None => "(未归属)".to_string(),
        };
        for (code, cell, message) in check_indicator(&owner, &u.indicator, None, rules) {
            raised.add(code, cell, on_indicator(None, position), message);
        }
        position += 1;
    }
    if let Some(overall) = &dept.overall {
        for i in &overall.indicators {
            for (code, cell, message) in check_indicator("部门整体", i, overall.budget_wan, rules)
            {
                raised.add(code, cell, on_indicator(None, position), message);
            }
            position += 1;
        }
    }
}

fn on_indicator(project: Option<usize>, position: usize) -> Subject {
    Subject::Indicator {
        project: project.map(|p| p as u32),
        position: position as u32,
        field: IndicatorField::Name,
    }
}

/// The project as a whole: its 产出 coverage and its share of qualitative targets.
fn check_project(index: usize, p: &Project, rules: &Rules, raised: &mut Raised<'_>) {
    let review = &rules.review;
    let subject = Subject::Project {
        project: index as u32,
        field: ProjectField::Name,
    };
    if p.indicators.is_empty() {
        // missing_indicators says it.
        return;
    }
    let has_output = p
        .indicators
        .iter()
        .any(|i| i.level1.as_deref() == Some(review.output_level1.as_str()));
    // A project with no 产出 indicator at all is incomplete_framework already.
    if has_output {
        let missing: Vec<&str> = review
            .required_output
            .iter()
            .filter(|need| {
                !p.indicators.iter().any(|i| {
                    i.level2.as_deref() == Some(need.as_str())
                        || i.level1.as_deref() == Some(need.as_str())
                })
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            raised.add(
                Code::IncompleteOutput,
                Some(p.cell),
                subject,
                format!(
                    "项目「{}」的{}缺少{}(应包括{})",
                    p.name,
                    review.output_level1,
                    missing.join("、"),
                    review.required_output.join("、")
                ),
            );
        }
    }
    let total = p.indicators.len();
    let qualitative = p.indicators.iter().filter(|i| i.op == QUALITATIVE).count();
    if qualitative as f64 > review.qualitative_share * total as f64 {
        raised.add(
            Code::MostlyQualitative,
            Some(p.cell),
            subject,
            format!(
                "项目「{}」的{total}个指标中有{qualitative}个是定性指标,超过 {} %,尽量进行定量表述",
                p.name,
                format_number(round_amount(review.qualitative_share * 100.0))
            ),
        );
    }
}

/// "项目「P」的指标「N」(H7)": the owner and the indicator, as the messages name them.
struct Named<'a>(&'a str, &'a Indicator);

impl std::fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}的指标「{}」({})",
            self.0,
            cut_to(&self.1.name, 40),
            self.1.cell
        )
    }
}

/// The target as written: "≤ 400 元".
fn target_of(i: &Indicator) -> String {
    [i.op.as_str(), i.text.as_str(), i.unit.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reviewer's checks on one indicator of `owner` (a project, (未归属), 部门整体), whose
/// budget is `budget_wan`: (code, cell, message) for each problem.
fn check_indicator(
    owner: &str,
    i: &Indicator,
    budget_wan: Option<f64>,
    rules: &Rules,
) -> Vec<(Code, Option<CellRef>, String)> {
    let mut out = checks_of(owner, i, budget_wan, rules);
    // A placeholder (placeholder_value) says nothing but that the name is long: looked for only
    // when there is something to take back, as nearly no indicator has anything.
    if out.iter().any(|(code, ..)| *code != Code::NameTooLong)
        && (rules.is_placeholder(&i.text) || rules.is_placeholder(&i.name))
    {
        out.retain(|(code, ..)| *code == Code::NameTooLong);
    }
    out
}

fn checks_of(
    owner: &str,
    i: &Indicator,
    budget_wan: Option<f64>,
    rules: &Rules,
) -> Vec<(Code, Option<CellRef>, String)> {
    let review = &rules.review;
    let mut out = Vec::new();
    let named = Named(owner, i);
    let cells = i.field_cells;
    let target_cell = Some(cells.target);

    let chars = i.name.chars().count();
    if chars > review.name_max_chars {
        out.push((
            Code::NameTooLong,
            Some(i.cell),
            format!(
                "{named}的名称有 {chars} 个字,超过 {} 个字,像是把一句话填成了指标名称,请改为简短的指标名",
                review.name_max_chars
            ),
        ));
    }
    if i.category_source == CategorySource::Given
        && let Some(message) = category_mismatch(i, rules)
    {
        out.push((
            Code::CategoryMismatch,
            Some(i.cell),
            format!("{named}{message}"),
        ));
    }
    let declared_quantitative = i
        .extra
        .as_ref()
        .and_then(|e| e.value_kind.as_deref())
        .is_some_and(|kind| {
            let kind = fold(kind);
            review.quantitative_kinds.iter().any(|k| fold(k) == kind)
        });
    if declared_quantitative && i.value.is_none() && !i.text.is_empty() {
        out.push((
            Code::QuantitativeWithoutNumber,
            target_cell,
            format!(
                "{named}的指标值类型为定量,目标「{}」中却没有数字,请填写可衡量的数值",
                i.text
            ),
        ));
    }
    let Some(value) = i.value.filter(|_| i.op != QUALITATIVE) else {
        return out;
    };

    if i.unit.is_empty()
        && !review
            .unit_obvious_endings
            .iter()
            .any(|e| i.name.ends_with(e.as_str()))
    {
        out.push((
            Code::MissingUnit,
            cells.unit.or(target_cell),
            format!("{named}的目标 {} 没有单位,请填写计量单位", target_of(i)),
        ));
    }
    if cells.op.is_some() && i.op.is_empty() {
        out.push((
            Code::MissingOperator,
            cells.op,
            format!("{named}的目标 {} 没有运算符,请填写 ≥、≤ 或 =", target_of(i)),
        ));
    }
    // Nearly always the unit is the one written: no synonym to look up.
    let written_unit = if i.raw.unit == i.unit {
        i.unit.to_string()
    } else {
        rules.unit(&i.raw.unit)
    };
    if !written_unit.is_empty()
        && i.unit != written_unit
        && !i.unit.ends_with(&format!("/{written_unit}"))
    {
        out.push((
            Code::UnitConflict,
            target_cell,
            format!(
                "{named}的目标值写作「{}」,单位列却是「{}」,两者矛盾(已按目标值中的单位 {}),请核对",
                i.raw.value, i.raw.unit, i.unit
            ),
        ));
    }
    if let Some(standard) = review
        .standards
        .iter()
        .find(|s| s.applies_to(&i.name, &i.unit))
        .filter(|s| value > s.ceiling)
    {
        out.push((
            Code::OverStandard,
            target_cell,
            format!(
                "{named}的目标 {} 超过支出标准「{}」(上限 {}),请按标准核减或说明依据",
                target_of(i),
                standard.label,
                format_number(standard.ceiling)
            ),
        ));
    }
    let at_least = matches!(i.op.as_str(), "≥" | ">" | "=" | "");
    // A 满意度 of 0.95 is percent_as_fraction, not a low target.
    let fraction = value > 0.0 && value <= 1.0;
    if at_least
        && !fraction
        && let Some(floor) = review
            .floors
            .iter()
            .find(|f| f.applies_to(&i.name, &i.unit))
            .filter(|f| value < f.floor)
    {
        out.push((
            Code::TargetBelowFloor,
            target_cell,
            format!(
                "{named}的目标 {} 低于规则设定的下限 {} %,请说明理由或提高目标",
                target_of(i),
                format_number(floor.floor)
            ),
        ));
    }
    let is_cost = [&i.level1, &i.level2]
        .into_iter()
        .flatten()
        .any(|c| review.cost_categories.iter().any(|k| k == c.as_str()));
    if is_cost && let (Some(budget), Some(scale)) = (budget_wan, rules.amount_scale(&i.unit)) {
        let cost = value * scale;
        if cost > budget + rules.amount_tolerance_wan {
            let converted = if scale == 1.0 {
                String::new()
            } else {
                format!("(合 {} 万元)", format_number(round_amount(cost)))
            };
            out.push((
                Code::CostOverBudget,
                target_cell,
                format!(
                    "{named}的成本目标 {}{converted}超过{owner}的预算金额 {budget:.2} 万元",
                    target_of(i),
                ),
            ));
        }
    }
    out
}

/// What a given category contradicts in the indicator's name, as the end of a message; none
/// when the name's words are silent, or point to more than one category.
fn category_mismatch(i: &Indicator, rules: &Rules) -> Option<String> {
    let given1 = i.level1.as_deref()?;
    let weak = &rules.review.weak_category_words;
    // The word of a rule the name holds that is not too loose to decide.
    fn strong<'r>(r: &'r CategoryRule, name: &str, weak: &[String]) -> Option<&'r str> {
        r.name_contains
            .iter()
            .find(|w| name.contains(w.as_str()) && !weak.contains(w))
            .map(String::as_str)
    }
    let named: Vec<_> = rules
        .category_rules_named(&i.name, &i.unit)
        .into_iter()
        .filter(|r| strong(r, &i.name, weak).is_some())
        .collect();
    let first = named.first()?;
    // Words of two categories (服务质量提升: 质量 and 提升): the name decides nothing.
    if named.iter().any(|r| r.level1 != first.level1) {
        return None;
    }
    let word = strong(first, &i.name, weak).unwrap_or_default();
    // 成本指标 as a 一级 of its own (the 2021 variant) agrees with 产出/成本指标.
    if given1 != first.level1 && given1 != first.level2 {
        return Some(format!(
            "名称含「{word}」,应属{},原表却列在{given1}下",
            first.level1
        ));
    }
    // Within 产出, the name tells 数量, 质量, 时效 and 成本 apart; under 效益 it cannot tell
    // 经济 from 社会 效益.
    let given2 = i.level2.as_deref()?;
    let output = rules.review.output_level1.as_str();
    let framework = rules.categories.level2.iter().any(|c| c == given2);
    if given1 == output
        && first.level1 == output
        && framework
        && named.iter().all(|r| r.level2 == first.level2)
        && given2 != first.level2
    {
        return Some(format!(
            "名称含「{word}」,应属{},原表却列在{given1}/{given2}下",
            first.level2
        ));
    }
    None
}

/// The years the table's sources give, when they disagree.
fn check_years(dept: &Department, raised: &mut Raised<'_>) {
    let years = &dept.about.years_found;
    let Some(&(first, _)) = years.first() else {
        return;
    };
    if years.iter().all(|(y, _)| *y == first) {
        return;
    }
    let name = |source: YearSource| match source {
        YearSource::YearLine(c) => format!("年度行({c})"),
        YearSource::Footnote(c) => format!("脚注({c})"),
        YearSource::Title(c) => format!("标题({c})"),
        YearSource::Form(c) => format!("申报表标题({c})"),
        YearSource::FileName => "文件名".to_string(),
    };
    let each: Vec<String> = years
        .iter()
        .map(|(y, source)| format!("{}为{y}年", name(*source)))
        .collect();
    let cell = dept
        .about
        .year_source
        .and_then(YearSource::cell)
        .or_else(|| years.iter().find_map(|(_, s)| s.cell()));
    raised.add(
        Code::YearMismatch,
        cell,
        Subject::Department(DepartmentField::Name),
        format!(
            "「{}」的年度前后不一致:{};请核对是哪一年的绩效目标",
            dept.about.name,
            each.join("、")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{Origin, normalize};

    /// The codes of the reviewer's checks on a table of these TSV lines (header first), in the
    /// file `file`.
    fn codes_in(file: &str, lines: &[&str], rules: &Rules) -> Vec<Code> {
        let text = lines.join("\n") + "\n";
        let grid = crate::read::read_delimited(text.as_bytes(), "S");
        let layout = crate::layout::detect(&grid, rules).expect("layout");
        let raw = crate::extract::extract(&grid, &layout, rules);
        let origin = Origin {
            file,
            fallback_department: "d",
            fallback_source: crate::model::NameSource::FileName,
        };
        let (mut dept, _) = normalize(&raw, &origin, rules);
        crate::classify::classify(&mut dept, rules);
        super::super::check(&dept, rules)
            .into_iter()
            .map(|f| f.code)
            .filter(|c| crate::rules::REVIEW_CODES.contains(c))
            .collect()
    }

    const ROWS: &str = "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位";

    fn codes(rows: &[&str]) -> Vec<Code> {
        let rules = Rules::builtin().expect("rules");
        let mut lines = vec![ROWS.to_string()];
        for (n, row) in rows.iter().enumerate() {
            let project = if n == 0 { "1\t办公费\t10" } else { "\t\t" };
            lines.push(format!("{project}\t{row}"));
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        codes_in("f.txt", &lines, &rules)
    }

    const COMPLETE: [&str; 5] = [
        "采购台数\t≥\t10\t台",
        "设备验收合格率\t=\t100\t%",
        "采购按时完成率\t≥\t95\t%",
        "办公效率提升\t\t明显\t",
        "使用人员满意度\t≥\t90\t%",
    ];

    fn with(extra: &str) -> Vec<Code> {
        let mut rows = COMPLETE.to_vec();
        rows.push(extra);
        codes(&rows)
    }

    #[test]
    fn a_complete_project_has_nothing() {
        assert_eq!(codes(&COMPLETE), vec![]);
    }

    #[test]
    fn output_coverage_only_where_there_is_output() {
        assert_eq!(
            codes(&[COMPLETE[0], COMPLETE[3], COMPLETE[4]]),
            vec![Code::IncompleteOutput]
        );
        // No 产出 at all: incomplete_framework says it, not incomplete_output.
        assert!(!codes(&[COMPLETE[3], COMPLETE[4]]).contains(&Code::IncompleteOutput));
    }

    #[test]
    fn units_operators_and_conflicts() {
        assert_eq!(with("采购数量\t≥\t10\t"), vec![Code::MissingUnit]);
        assert_eq!(with("资金到位率\t≥\t100\t"), vec![]);
        assert_eq!(with("采购数量\t\t10\t台"), vec![Code::MissingOperator]);
        assert_eq!(with("资金支付率\t=\t28.8万元\t%"), vec![Code::UnitConflict]);
        // 10G under 月 is GB/月, no conflict; 95% under % neither.
        assert_eq!(with("流量\t≥\t10G\t月"), vec![]);
        assert_eq!(with("资金到位率\t≥\t95%\t%"), vec![]);
        // A qualitative target has no unit to miss.
        assert_eq!(with("服务水平\t\t良好\t"), vec![]);
        // A placeholder left in is placeholder_value's alone.
        assert_eq!(with("XX数量\t\t10\t"), vec![]);
    }

    #[test]
    fn standards_floors_and_budget() {
        assert_eq!(with("一类会议标准\t≤\t551\t元"), vec![Code::OverStandard]);
        assert_eq!(with("一类会议标准\t≤\t550\t元"), vec![]);
        // Another unit is another standard's business.
        assert_eq!(with("一类会议标准\t≤\t600\t元/次"), vec![]);
        assert_eq!(with("群众满意度\t≥\t84.9\t%"), vec![Code::TargetBelowFloor]);
        assert_eq!(with("群众满意度\t≥\t85\t%"), vec![]);
        // A ≤ 满意度 is direction_mismatch's, and 0.8 percent_as_fraction's.
        assert_eq!(with("群众满意度\t≤\t80\t%"), vec![]);
        assert_eq!(with("群众满意度\t≥\t0.8\t%"), vec![]);
        assert_eq!(
            with("设备购置成本\t≤\t10.5\t万元"),
            vec![Code::CostOverBudget]
        );
        assert_eq!(with("设备购置成本\t≤\t10\t万元"), vec![]);
        // In 元: 120000 元 is 12 万元.
        assert_eq!(
            with("设备购置成本\t≤\t120000\t元"),
            vec![Code::CostOverBudget]
        );
    }

    #[test]
    fn mostly_qualitative_and_long_names() {
        let rows = [
            COMPLETE[0],
            "服务水平\t\t良好\t",
            "管理水平\t\t明显提升\t",
            COMPLETE[3],
            COMPLETE[4],
        ];
        assert!(codes(&rows).contains(&Code::MostlyQualitative));
        // Two of five is not more than half.
        let two = [
            COMPLETE[0],
            "服务水平\t\t良好\t",
            COMPLETE[1],
            COMPLETE[3],
            COMPLETE[4],
        ];
        assert!(!codes(&two).contains(&Code::MostlyQualitative));
        let long = format!("{}\t≥\t1\t个", "字".repeat(101));
        assert_eq!(with(&long), vec![Code::NameTooLong]);
        let just = format!("{}\t≥\t1\t个", "字".repeat(100));
        assert_eq!(with(&just), vec![]);
    }

    #[test]
    fn given_categories_against_the_name() {
        let rules = Rules::builtin().expect("rules");
        let header = "序号\t项目名称\t预算金额(万元)\t一级指标\t二级指标\t三级指标\t运算符\t年度目标值\t单位";
        let one = |l1: &str, l2: &str, name: &str, unit: &str| {
            let row = format!("1\t办公费\t10\t{l1}\t{l2}\t{name}\t≥\t90\t{unit}");
            codes_in("f.txt", &[header, &row], &rules).contains(&Code::CategoryMismatch)
        };
        assert!(one("效益指标", "社会效益指标", "群众满意度", "%"));
        assert!(one("产出指标", "数量指标", "报告及时率", "%"));
        assert!(!one("满意度指标", "服务对象满意度指标", "群众满意度", "%"));
        assert!(!one("产出指标", "时效指标", "报告及时率", "%"));
        // Loose words decide nothing: 生活质量 is an outcome, 覆盖率 filed either way.
        assert!(!one("效益指标", "社会效益指标", "老人生活质量", "%"));
        assert!(!one("效益指标", "社会效益指标", "服务覆盖率", "%"));
        // Under 效益 the name cannot tell 经济 from 社会 效益.
        assert!(!one("效益指标", "经济效益指标", "游客增长", "%"));
        // Words of two categories: 满意度 and 及时 (满意度 and 时效).
        assert!(!one("效益指标", "社会效益指标", "服务及时满意度", "%"));
    }

    #[test]
    fn years_of_the_title_footnote_and_file_name() {
        let rules = Rules::builtin().expect("rules");
        let lines = [
            "市某局2024年项目绩效目标表",
            ROWS,
            "1\t办公费\t10\t采购台数\t≥\t10\t台",
            "2024年,市某局部门全面公开预算项目支出绩效目标",
        ];
        let years = |file: &str, lines: &[&str]| {
            codes_in(file, lines, &rules)
                .into_iter()
                .filter(|c| *c == Code::YearMismatch)
                .count()
        };
        assert_eq!(years("市某局_2024.txt", &lines), 0);
        assert_eq!(years("市某局_2023.txt", &lines), 1);
        assert_eq!(years("市某局.txt", &lines), 0);
        let footnote = "2023年,市某局部门全面公开预算项目支出绩效目标";
        assert_eq!(
            years("市某局.txt", &[lines[0], lines[1], lines[2], footnote]),
            1
        );
    }
}
