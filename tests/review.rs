//! The reviewer's checks of `[review]`: each code raised on a small table or form, and the
//! rules change (a `--rules` file) that silences it; the section's defaults for a rules file
//! without it; and the seed gaining exactly the findings these rules imply.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

const HEADER: &str = "序号\t项目名称\t预算金额(万元)\t本级支出(万元)\t转移支付支出(万元)\t指标名称\t运算符\t年度目标值\t单位\n";

/// Indicator rows (名称, 运算符, 目标值, 单位) that leave a reviewer nothing to mark.
const CLEAN: [[&str; 4]; 5] = [
    ["采购台数", "≥", "10", "台"],
    ["设备验收合格率", "=", "100", "%"],
    ["采购按时完成率", "≥", "95", "%"],
    ["办公效率提升", "", "明显", ""],
    ["使用人员满意度", "≥", "90", "%"],
];

/// A one-project table (办公费, 10 万元) of these indicator rows.
fn table(rows: &[[&str; 4]]) -> String {
    let mut text = String::from(HEADER);
    for (n, [name, op, value, unit]) in rows.iter().enumerate() {
        let project = if n == 0 {
            "1\t办公费\t10\t10\t0"
        } else {
            "\t\t\t\t"
        };
        text.push_str(&format!("{project}\t{name}\t{op}\t{value}\t{unit}\n"));
    }
    text
}

/// CLEAN with the row at `at` replaced (or, past its end, one more row).
fn clean_with(at: usize, row: [&str; 4]) -> Vec<[&str; 4]> {
    let mut rows = CLEAN.to_vec();
    if at < rows.len() {
        rows[at] = row;
    } else {
        rows.push(row);
    }
    rows
}

/// The built-in rules with `from` replaced by `to` (which must change them).
fn rules_with(from: &str, to: &str) -> String {
    let rules = jixiao::rules::DEFAULT_RULES;
    assert!(rules.contains(from), "the rules no longer hold {from:?}");
    rules.replacen(from, to, 1)
}

/// The findings of a run over `file` (written with `text`), with the rules text if given.
fn findings(wd: &Workdir, file: &str, text: &str, rules: Option<&str>) -> Vec<Value> {
    wd.write(file, text.as_bytes());
    let mut args = vec![
        "consolidate",
        file,
        "-o",
        "s.xlsx",
        "-q",
        "--fail-on",
        "never",
    ];
    if let Some(rules) = rules {
        wd.write("rules.toml", rules.as_bytes());
        args.extend(["--rules", "rules.toml"]);
    }
    wd.run_expect(&args, 0);
    wd.report("s.json")["findings"]
        .as_array()
        .expect("findings")
        .clone()
}

fn of<'a>(findings: &'a [Value], code: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["code"] == code).collect()
}

fn message(f: &Value) -> &str {
    f["message"].as_str().expect("message")
}

/// `code` is raised once on `text`, its message holding every one of `words`, and not at all
/// with the rules changed from `from` to `to`.
fn raised_and_silenced(file: &str, text: &str, code: &str, words: &[&str], from: &str, to: &str) {
    let wd = Workdir::new();
    let all = findings(&wd, file, text, None);
    let hits = of(&all, code);
    assert_eq!(hits.len(), 1, "{code}: {all:#?}");
    for w in words {
        assert!(message(hits[0]).contains(w), "{code}: {}", message(hits[0]));
    }
    assert!(hits[0]["cell"].as_str().is_some_and(|c| !c.is_empty()));
    let rules = rules_with(from, to);
    let all = findings(&wd, file, text, Some(&rules));
    assert!(of(&all, code).is_empty(), "{code} with {to:?}: {all:#?}");
}

const NEW_CODES: [&str; 12] = [
    "incomplete_output",
    "category_mismatch",
    "missing_unit",
    "missing_operator",
    "quantitative_without_number",
    "mostly_qualitative",
    "over_standard",
    "cost_over_budget",
    "target_below_floor",
    "name_too_long",
    "unit_conflict",
    "year_mismatch",
];

fn new_codes(findings: &[Value]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        let code = f["code"].as_str().expect("code");
        if NEW_CODES.contains(&code) {
            *counts.entry(code.to_string()).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn a_clean_project_gains_nothing() {
    let wd = Workdir::new();
    let all = findings(&wd, "in.txt", &table(&CLEAN), None);
    assert_eq!(new_codes(&all), BTreeMap::new(), "{all:#?}");
}

#[test]
fn incomplete_output_names_what_is_missing() {
    let rows = [CLEAN[0], CLEAN[3], CLEAN[4]];
    raised_and_silenced(
        "in.txt",
        &table(&rows),
        "incomplete_output",
        &["办公费", "质量指标、时效指标"],
        r#"required_output = ["数量指标", "质量指标", "时效指标"]"#,
        r#"required_output = ["数量指标"]"#,
    );
    // A province that requires 成本指标 adds it, and the clean project lacks it.
    let wd = Workdir::new();
    let rules = rules_with(
        r#"required_output = ["数量指标", "质量指标", "时效指标"]"#,
        r#"required_output = ["数量指标", "质量指标", "时效指标", "成本指标"]"#,
    );
    let all = findings(&wd, "in.txt", &table(&CLEAN), Some(&rules));
    let hits = of(&all, "incomplete_output");
    assert_eq!(hits.len(), 1);
    assert!(
        message(hits[0]).contains("缺少成本指标"),
        "{}",
        message(hits[0])
    );
}

#[test]
fn category_mismatch_where_the_file_gives_a_category_the_name_contradicts() {
    let text =
        "序号\t项目名称\t预算金额(万元)\t一级指标\t二级指标\t三级指标\t运算符\t年度目标值\t单位
1\t办公费\t10\t产出指标\t数量指标\t采购台数\t≥\t10\t台
\t\t\t产出指标\t数量指标\t报修响应及时率\t≥\t95\t%
\t\t\t产出指标\t质量指标\t设备验收合格率\t=\t100\t%
\t\t\t效益指标\t社会效益指标\t服务质量提升\t\t明显\t
\t\t\t效益指标\t社会效益指标\t使用人员满意度\t≥\t90\t%
";
    let wd = Workdir::new();
    let all = findings(&wd, "in.txt", text, None);
    let hits = of(&all, "category_mismatch");
    let messages: Vec<&str> = hits.iter().map(|f| message(f)).collect();
    assert_eq!(hits.len(), 2, "{messages:#?}");
    // 满意度 under 效益指标; 及时率 under 数量指标. 服务质量提升 (质量 and 提升) decides nothing.
    assert!(messages.iter().any(|m| m.contains("使用人员满意度")
        && m.contains("满意度指标")
        && m.contains("效益指标")));
    assert!(
        messages.iter().any(|m| m.contains("报修响应及时率")
            && m.contains("时效指标")
            && m.contains("数量指标"))
    );
    assert!(messages.iter().all(|m| m.contains("办公费")));
    let rules = rules_with(
        "disabled_checks = []",
        r#"disabled_checks = ["category_mismatch"]"#,
    );
    let all = findings(&wd, "in.txt", text, Some(&rules));
    assert!(of(&all, "category_mismatch").is_empty());
    // The words are the categories' own: without 满意度 among them, the name says nothing.
    let rules = rules_with(
        r#"name_contains = ["满意度", "满意率"]
level1 = "满意度指标""#,
        r#"name_contains = ["满意率"]
level1 = "满意度指标""#,
    );
    let all = findings(&wd, "in.txt", text, Some(&rules));
    assert_eq!(of(&all, "category_mismatch").len(), 1);
}

#[test]
fn missing_unit_unless_the_name_makes_it_obvious() {
    // 采购数量 with no unit is marked; 验收合格率 with none (率 → %) is not.
    let rows = clean_with(0, ["采购数量", "≥", "10", ""]);
    let rows: Vec<[&str; 4]> = rows
        .into_iter()
        .map(|r| {
            if r[0] == "设备验收合格率" {
                [r[0], r[1], r[2], ""]
            } else {
                r
            }
        })
        .collect();
    raised_and_silenced(
        "in.txt",
        &table(&rows),
        "missing_unit",
        &["办公费", "采购数量", "≥ 10"],
        r#"unit_obvious_endings = ["率","#,
        r#"unit_obvious_endings = ["数量", "率","#,
    );
}

#[test]
fn missing_operator_in_a_table_with_an_operator_column() {
    raised_and_silenced(
        "in.txt",
        &table(&clean_with(0, ["采购台数", "", "10", "台"])),
        "missing_operator",
        &["办公费", "采购台数", "10 台"],
        "disabled_checks = []",
        r#"disabled_checks = ["missing_operator"]"#,
    );
    // A table without an operator column: nothing to mark.
    let wd = Workdir::new();
    let text = "序号\t项目名称\t预算金额(万元)\t指标名称\t年度目标值\t单位\n1\t办公费\t10\t采购台数\t10\t台\n";
    let all = findings(&wd, "in.txt", text, None);
    assert!(of(&all, "missing_operator").is_empty(), "{all:#?}");
}

#[test]
fn quantitative_without_number_on_a_form() {
    let form = "项目支出绩效目标申报表
项目名称\t档案数字化
主管部门\t市档案馆
年度资金总额\t50
一级指标\t二级指标\t三级指标\t指标值类型\t指标值\t计量单位
产出指标\t数量指标\t档案数字化数量\t定量\t大幅增加\t
产出指标\t质量指标\t数字化验收合格率\t定量\t≥98%\t%
产出指标\t时效指标\t完成及时率\t定量\t100%\t%
效益指标\t社会效益指标\t查档效率提升\t定性\t明显\t
满意度指标\t服务对象满意度指标\t查档群众满意度\t定量\t≥90%\t%";
    raised_and_silenced(
        "form.txt",
        form,
        "quantitative_without_number",
        &["档案数字化", "档案数字化数量", "大幅增加"],
        r#"quantitative_kinds = ["定量"]"#,
        "quantitative_kinds = []",
    );
}

#[test]
fn mostly_qualitative_past_the_share() {
    let rows = [
        CLEAN[0],
        ["设备运行状况", "", "良好", ""],
        ["服务水平", "", "明显提升", ""],
        CLEAN[3],
        CLEAN[4],
    ];
    raised_and_silenced(
        "in.txt",
        &table(&rows),
        "mostly_qualitative",
        &["办公费", "5个指标中有3个", "尽量进行定量表述"],
        "qualitative_share = 0.5",
        "qualitative_share = 0.6",
    );
}

#[test]
fn over_standard_above_the_ceiling_not_at_it() {
    raised_and_silenced(
        "in.txt",
        &table(&clean_with(5, ["一类会议标准", "≤", "600", "元"])),
        "over_standard",
        &["办公费", "一类会议标准", "一类会议综合定额 550 元/人·天"],
        "ceiling = 550.0",
        "ceiling = 600.0",
    );
    // At the ceiling (the seed's ≤ 550 元, ≤ 400 元) and in the 元/人·天 form.
    let wd = Workdir::new();
    let rows = [
        clean_with(5, ["一类会议标准", "≤", "550", "元"]),
        vec![["三类会议标准", "≤", "400", "元/人·天"]],
        vec![["三类会议费标准", "≤", "450", "元/人·天"]],
    ]
    .concat();
    let all = findings(&wd, "in.txt", &table(&rows), None);
    let hits = of(&all, "over_standard");
    assert_eq!(hits.len(), 1, "{all:#?}");
    assert!(message(hits[0]).contains("三类会议费标准"));
}

#[test]
fn cost_over_budget_is_an_error() {
    let text = table(&clean_with(5, ["设备购置成本", "≤", "12", "万元"]));
    let wd = Workdir::new();
    let all = findings(&wd, "in.txt", &text, None);
    let hits = of(&all, "cost_over_budget");
    assert_eq!(hits.len(), 1, "{all:#?}");
    assert_eq!(hits[0]["severity"], "error");
    assert!(
        message(hits[0]).contains("10.00 万元"),
        "{}",
        message(hits[0])
    );
    raised_and_silenced(
        "in.txt",
        &text,
        "cost_over_budget",
        &["办公费", "设备购置成本"],
        r#"cost_categories = ["成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标"]"#,
        "cost_categories = []",
    );
    // Within the budget: nothing.
    let all = findings(
        &wd,
        "in.txt",
        &table(&clean_with(5, ["设备购置成本", "≤", "8", "万元"])),
        None,
    );
    assert!(of(&all, "cost_over_budget").is_empty());
}

#[test]
fn target_below_floor() {
    raised_and_silenced(
        "in.txt",
        &table(&clean_with(4, ["使用人员满意度", "≥", "80", "%"])),
        "target_below_floor",
        &["办公费", "使用人员满意度", "≥ 80 %", "85 %"],
        "floor = 85.0",
        "floor = 80.0",
    );
    // No floor for 合格率 or 完成率 is shipped.
    let wd = Workdir::new();
    let rows = clean_with(1, ["设备验收合格率", "≥", "60", "%"]);
    let all = findings(&wd, "in.txt", &table(&rows), None);
    assert!(of(&all, "target_below_floor").is_empty());
}

#[test]
fn name_too_long() {
    let long = "通过开展办公设备集中采购工作,".repeat(8);
    assert!(long.chars().count() > 100);
    raised_and_silenced(
        "in.txt",
        &table(&clean_with(0, [long.as_str(), "≥", "10", "台"])),
        "name_too_long",
        &["办公费", "120 个字"],
        "name_max_chars = 100",
        "name_max_chars = 200",
    );
}

#[test]
fn unit_conflict_quotes_both() {
    raised_and_silenced(
        "in.txt",
        &table(&clean_with(5, ["资金支付率", "=", "28.8万元", "%"])),
        "unit_conflict",
        &["办公费", "资金支付率", "28.8万元", "「%」"],
        "disabled_checks = []",
        r#"disabled_checks = ["unit_conflict"]"#,
    );
}

#[test]
fn year_mismatch_names_each_year() {
    let text = format!(
        "市某某局2024年项目绩效目标表\n{}\n2023年,市某某局部门全面公开预算项目支出绩效目标\n",
        table(&CLEAN).trim_end()
    );
    raised_and_silenced(
        "市某某局_2024.txt",
        &text,
        "year_mismatch",
        &["市某某局", "脚注", "2023年", "标题", "2024年", "文件名"],
        "disabled_checks = []",
        r#"disabled_checks = ["year_mismatch"]"#,
    );
    // One year everywhere: nothing.
    let wd = Workdir::new();
    let all = findings(
        &wd,
        "市某某局_2023.txt",
        &text.replace("2024年", "2023年"),
        None,
    );
    assert!(of(&all, "year_mismatch").is_empty(), "{all:#?}");
}

#[test]
fn the_section_prints_defaults_apply_and_bad_values_are_refused() {
    let wd = Workdir::new();
    let printed = wd.run_expect(&["rules"], 0);
    let printed = String::from_utf8(printed.stdout).expect("utf-8");
    for section in ["[review]", "[[review.standards]]", "[[review.floors]]"] {
        assert!(printed.contains(section), "{section}");
    }
    // A rules file copied before the section existed: the defaults.
    let start = printed
        .find("\n# The reviewer's checks")
        .expect("the section");
    let old = &printed[..start];
    assert!(!old.contains("[review]"));
    let text = table(&clean_with(4, ["使用人员满意度", "≥", "80", "%"]));
    let all = findings(&wd, "in.txt", &text, Some(old));
    assert_eq!(of(&all, "target_below_floor").len(), 1);
    // A section with one key: the others keep their defaults.
    let one = format!("{old}\n[review]\nqualitative_share = 0.9\n");
    let all = findings(&wd, "in.txt", &text, Some(&one));
    assert_eq!(of(&all, "target_below_floor").len(), 1);
    // A share that is no share, a code that is no check of the section.
    for (bad, key) in [
        ("qualitative_share = 1.5", "review.qualitative_share"),
        (
            r#"disabled_checks = ["sum_mismatch"]"#,
            "review.disabled_checks",
        ),
    ] {
        wd.write("bad.toml", format!("{old}\n[review]\n{bad}\n").as_bytes());
        let out = wd.run_expect(&["check", "in.txt", "--rules", "bad.toml"], 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(key), "{stderr}");
    }
}

#[test]
fn the_seed_gains_its_output_coverage_and_nothing_else() {
    let wd = Workdir::new();
    let all = findings(&wd, "seed.txt", &seed_text(), None);
    // Its 三类会议标准 ≤ 400 元 and 一类会议标准 ≤ 550 元 are at their standards, its 满意度
    // targets (≥ 90 % and up) above the floor: only 产出 coverage is marked.
    assert_eq!(
        new_codes(&all),
        BTreeMap::from([("incomplete_output".to_string(), 7)]),
        "{:#?}",
        all.iter()
            .filter(|f| NEW_CODES.contains(&f["code"].as_str().unwrap_or("")))
            .collect::<Vec<_>>()
    );
    let hits = of(&all, "incomplete_output");
    assert!(hits.iter().any(|f| f["cell"] == "B16"
        && message(f).contains("人大立法经费")
        && message(f).contains("质量指标、时效指标")));
}

#[test]
fn year_mismatch_on_a_form_its_title_against_its_year_row() {
    let form = |year_row: &str| {
        format!(
            "项目支出绩效目标申报表
(2024年度)
项目名称\t档案数字化
主管部门\t市档案馆
年度\t{year_row}
年度资金总额\t50
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t档案数字化数量\t≥1000卷
满意度指标\t服务对象满意度指标\t查档群众满意度\t≥90%"
        )
    };
    let wd = Workdir::new();
    let all = findings(&wd, "市档案馆_2024.txt", &form("2023"), None);
    let hits = of(&all, "year_mismatch");
    assert_eq!(hits.len(), 1, "{all:#?}");
    let m = message(hits[0]);
    assert!(
        m.contains("申报表标题(A2)为2024年") && m.contains("年度行(B5)为2023年"),
        "{m}"
    );
    let all = findings(&wd, "市档案馆_2024.txt", &form("2024"), None);
    assert!(of(&all, "year_mismatch").is_empty(), "{all:#?}");
}
