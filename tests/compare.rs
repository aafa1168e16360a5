//! Year over year (`--baseline`): this year's targets against last year's, from last year's
//! files, the summary jixiao wrote last year (in either language) or its report — the same
//! comparison from each — and a run without `--baseline` as it always was.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// Runs jixiao from the repository's root (relative INPUTs, as the README does).
fn run_at_root(args: &[&str], code: i32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(root)
        .output()
        .expect("run jixiao");
    assert_eq!(
        out.status.code(),
        Some(code),
        "jixiao {args:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temporary path")
}

/// The examples against examples-2023, last year given as `baseline`.
fn examples_against(wd: &Workdir, name: &str, baseline: &[&str]) -> Value {
    let out = wd.path(&format!("{name}.xlsx"));
    let mut args = vec![
        "consolidate",
        "examples",
        "-o",
        path_str(&out),
        "--quiet",
        "--fail-on",
        "never",
        "--baseline",
    ];
    args.extend(baseline);
    run_at_root(&args, 0);
    wd.report(&format!("{name}.json"))
}

fn project<'a>(c: &'a Value, department: &str, project: &str) -> &'a Value {
    c["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["department"] == department && p["project"] == project)
        .unwrap_or_else(|| panic!("no project {department} {project}"))
}

fn change<'a>(c: &'a Value, project: &str, indicator: &str) -> &'a Value {
    c["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["project"] == project && i["indicator"] == indicator)
        .unwrap_or_else(|| panic!("no indicator {project} {indicator}"))
}

#[test]
fn the_examples_against_last_year_show_every_kind_of_match_and_change() {
    let wd = Workdir::new();
    let report = examples_against(&wd, "files", &["examples-2023"]);
    let c = &report["comparison"];
    assert_eq!(c["baseline"]["paths"], serde_json::json!(["examples-2023"]));
    assert_eq!(c["baseline"]["departments"], 3);
    assert_eq!(c["baseline"]["projects"], 7);
    let edu = "市教育局";
    assert_eq!(project(c, edu, "中小学校舍维修改造")["match"], "same");
    let renamed = project(c, edu, "教师培训经费");
    assert_eq!(renamed["match"], "renamed");
    assert_eq!(renamed["baseline_project"], "2023年度教师培训经费");
    assert_eq!(renamed["budget_wan"], 120.5);
    assert_eq!(renamed["baseline_budget_wan"], 80.0);
    let dropped = project(c, edu, "校园安保服务");
    assert_eq!(dropped["match"], "dropped");
    assert_eq!(dropped["budget_wan"], Value::Null);
    assert_eq!(project(c, "市交通运输局", "农村公路养护")["match"], "new");
    assert_eq!(
        project(c, "市机关事务管理局", "公务用车运行维护")["match"],
        "dropped"
    );

    let kinds = [
        ("中小学校舍维修改造", "维修改造学校数量", "raised"),
        ("中小学校舍维修改造", "按期完工率", "lowered"),
        ("中小学校舍维修改造", "工程验收合格率", "raised"),
        ("中小学校舍维修改造", "安全隐患整改率", "dropped"),
        ("中小学校舍维修改造", "校园安全保障水平提升", "unchanged"),
        // ≧ 95 比例 last year, ≥ 95 % this year.
        ("教师培训经费", "培训合格率", "unchanged"),
        ("学生资助补助", "困难家庭教育负担减轻", "changed"),
        ("基本公共卫生服务", "老年人健康管理率", "new"),
        ("基本公共卫生服务", "服务对象满意度", "changed"),
        ("疾病预防控制专项", "疫情处置响应时间", "lowered"),
        ("疾病预防控制专项", "群众满意度", "changed"),
        ("校园安保服务", "家长满意度", "dropped"),
        ("农村公路养护", "养护里程", "new"),
    ];
    for (p, i, kind) in kinds {
        assert_eq!(change(c, p, i)["change"], kind, "{p} {i}");
    }
    let lowered = change(c, "疾病预防控制专项", "疫情处置响应时间");
    assert_eq!(lowered["op"], "≤");
    assert_eq!(lowered["value"], 2.0);
    assert_eq!(lowered["baseline_value"], 1.0);
    assert_eq!(lowered["baseline_unit"], "小时");
    assert_eq!(
        change(c, "学生资助补助", "困难家庭教育负担减轻")["baseline_value"],
        "有效减轻"
    );
    // Every project and indicator of either year once.
    let indicators = c["indicators"].as_array().expect("indicators");
    let this_year = report["totals"]["indicators"].as_u64().expect("count") as usize
        - report["totals"]["unassigned"].as_u64().expect("count") as usize;
    let overall: usize = report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .filter_map(|d| d["overall"]["indicators"].as_array())
        .map(Vec::len)
        .sum();
    let dropped_indicators = indicators
        .iter()
        .filter(|i| i["change"] == "dropped")
        .count();
    assert_eq!(indicators.len(), this_year - overall + dropped_indicators);

    let findings: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            ["target_lowered", "targets_copied", "indicator_dropped"]
                .contains(&f["code"].as_str().unwrap_or(""))
        })
        .map(|f| {
            (
                f["code"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let codes: Vec<&str> = findings.iter().map(|f| f.0).collect();
    assert_eq!(
        codes,
        [
            "target_lowered",
            "target_lowered",
            "indicator_dropped",
            "targets_copied"
        ],
        "{findings:?}"
    );
    for (code, message) in &findings {
        let named = match *code {
            "targets_copied" => ["教师培训经费", "培训人次"],
            "indicator_dropped" => ["中小学校舍维修改造", "安全隐患整改率"],
            _ => ["", ""],
        };
        assert!(named.iter().all(|n| message.contains(n)), "{message}");
    }
    assert!(
        findings
            .iter()
            .any(|(_, m)| m.contains("「≥ 95 %」低于上年的「≥ 98 %」"))
    );
}

#[test]
fn last_years_files_summary_and_report_give_the_same_comparison() {
    let wd = Workdir::new();
    let last = wd.path("last.xlsx");
    run_at_root(
        &[
            "consolidate",
            "examples-2023",
            "-o",
            path_str(&last),
            "--quiet",
            "--fail-on",
            "never",
        ],
        0,
    );
    let last_en = wd.path("last-en.xlsx");
    run_at_root(
        &[
            "consolidate",
            "examples-2023",
            "-o",
            path_str(&last_en),
            "--lang",
            "en",
            "--quiet",
            "--fail-on",
            "never",
        ],
        0,
    );
    let comparison = |report: Value| {
        let mut c = report["comparison"].clone();
        c["baseline"]["paths"] = Value::Null;
        (c, report["findings"].clone())
    };
    let from_files = comparison(examples_against(&wd, "a", &["examples-2023"]));
    let from_summary = comparison(examples_against(&wd, "b", &[path_str(&last)]));
    let from_summary_en = comparison(examples_against(&wd, "c", &[path_str(&last_en)]));
    let report = wd.path("last.json");
    let from_report = comparison(examples_against(&wd, "d", &[path_str(&report)]));
    assert!(
        from_files.0["projects"]
            .as_array()
            .is_some_and(|p| p.len() > 10)
    );
    assert_eq!(from_summary, from_files);
    assert_eq!(from_summary_en, from_files);
    assert_eq!(from_report, from_files);
}

/// A departmental table as CSV: projects of (name, budget, indicators of name, op, value,
/// unit).
fn csv(department: &str, projects: &[(&str, f64, &[[&str; 4]])]) -> String {
    let mut text = format!(
        "单位名称:{department}\n序号,项目名称,项目概况,预算金额(万元),本级支出(万元),转移支付支出(万元),年度绩效目标,指标名称,运算符,年度目标值,单位\n"
    );
    for (n, (name, budget, indicators)) in projects.iter().enumerate() {
        for (k, [i, op, v, u]) in indicators.iter().enumerate() {
            if k == 0 {
                text += &format!("{},{name},概况,{budget},{budget},0,目标,", n + 1);
            } else {
                text += ",,,,,,,";
            }
            text += &format!("{i},{op},{v},{u}\n");
        }
    }
    text
}

/// A project with nothing for a reviewer to mark: 产出 数量, 质量 and 时效, 效益, 满意度.
const FULL: &[[&str; 4]] = &[
    ["培训人次", "≥", "300", "人次"],
    ["结业考核合格率", "≥", "90", "%"],
    ["培训计划按时完成率", "≥", "95", "%"],
    ["履职能力提升", "", "明显", ""],
    ["参训人员满意度", "≥", "95", "%"],
];

#[test]
fn a_lowered_target_fails_a_run_on_warnings_and_check_lists_it() {
    let wd = Workdir::new();
    wd.write(
        "now/a.csv",
        csv("市某局", &[("2024年干部培训", 10.0, FULL)]).as_bytes(),
    );
    let lowered: &[[&str; 4]] = &[
        ["培训人次", "≥", "400", "人次"],
        ["结业考核合格率", "≥", "90", "%"],
        ["培训计划按时完成率", "≥", "95", "%"],
        ["履职能力提升", "", "明显", ""],
        ["参训人员满意度", "≥", "95", "%"],
    ];
    wd.write(
        "last/a.csv",
        csv("市某局", &[("2023年度干部培训", 10.0, lowered)]).as_bytes(),
    );
    let common = [
        "consolidate",
        "now",
        "-o",
        "s.xlsx",
        "--quiet",
        "--fail-on",
        "warning",
    ];
    wd.run_expect(&common, 0);
    let mut with = common.to_vec();
    with.extend(["--baseline", "last"]);
    wd.run_expect(&with, 1);
    let report = wd.report("s.json");
    let f = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "target_lowered")
        .expect("target_lowered");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["department"], "市某局");
    assert_eq!(f["file"], "now/a.csv");
    assert!(f["cell"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(f["project_id"].is_number());
    let c = &report["comparison"];
    assert_eq!(c["projects"][0]["match"], "renamed");
    assert_eq!(c["projects"][0]["baseline_project"], "2023年度干部培训");
    // The baseline's own findings are not this year's.
    assert!(
        report["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .all(|i| i["path"].as_str().is_some_and(|p| p.starts_with("now/")))
    );
    let out = wd.run(&["check", "now", "--baseline", "last"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("target_lowered"), "{stdout}");
    let out = wd.run(&["check", "now"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("target_lowered"));
}

#[test]
fn copied_targets_and_the_share_from_the_rules() {
    let wd = Workdir::new();
    wd.write(
        "now/a.csv",
        csv("市某局", &[("干部培训", 13.0, FULL)]).as_bytes(),
    );
    wd.write(
        "last/a.csv",
        csv("市某局", &[("干部培训", 10.0, FULL)]).as_bytes(),
    );
    let run = |extra: &[&str]| {
        let mut args = vec![
            "consolidate",
            "now",
            "-o",
            "s.xlsx",
            "--quiet",
            "--fail-on",
            "never",
        ];
        args.extend(extra);
        args.extend(["--baseline", "last"]);
        wd.run_expect(&args, 0);
        let report = wd.report("s.json");
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["code"] == "targets_copied")
            .count()
    };
    assert_eq!(run(&[]), 1);
    let rules = jixiao::rules::DEFAULT_RULES
        .replace("copied_budget_share = 0.2", "copied_budget_share = 0.5");
    assert_ne!(rules, jixiao::rules::DEFAULT_RULES);
    wd.write("rules.toml", rules.as_bytes());
    assert_eq!(run(&["--rules", "rules.toml"]), 0);
}

#[test]
fn a_run_without_baseline_has_no_comparison_and_a_bad_baseline_is_refused() {
    let wd = Workdir::new();
    wd.write(
        "now/a.csv",
        csv("市某局", &[("干部培训", 13.0, FULL)]).as_bytes(),
    );
    wd.run_expect(&["consolidate", "now", "-o", "s.xlsx", "--quiet"], 0);
    let report = wd.report("s.json");
    assert!(report.get("comparison").is_none());
    let book = read_workbook(&wd.path("s.xlsx"));
    assert!(book.iter().all(|(name, _)| name != "对比"));
    wd.write("broken.json", b"{\"not\": \"a report\"}");
    let out = wd.run_expect(
        &[
            "consolidate",
            "now",
            "-o",
            "t.xlsx",
            "--quiet",
            "--baseline",
            "broken.json",
        ],
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.json"));
    assert!(!wd.path("t.xlsx").exists());
    wd.run_expect(
        &[
            "consolidate",
            "now",
            "-o",
            "t.xlsx",
            "--quiet",
            "--baseline",
            "nothing-here",
        ],
        2,
    );
}

fn header_index(rows: &[Vec<calamine::Data>], header: &str) -> usize {
    rows[0]
        .iter()
        .position(|c| text(c) == header)
        .unwrap_or_else(|| panic!("no column {header}"))
}

#[test]
fn the_workbook_shows_the_comparison_in_its_own_sheet_in_indicators_and_totals() {
    let wd = Workdir::new();
    examples_against(&wd, "s", &["examples-2023"]);
    let book = read_workbook(&wd.path("s.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["汇总", "指标", "合计", "图表", "问题", "对比", "说明"]
    );

    let compare = sheet(&book, "对比");
    let col = |h: &str| header_index(compare, h);
    let row = compare
        .iter()
        .find(|r| {
            text(&r[col("项目名称")]) == "教师培训经费" && text(&r[col("指标名称")]).is_empty()
        })
        .expect("the renamed project's row");
    assert_eq!(text(&row[col("上年项目名称")]), "2023年度教师培训经费");
    assert_eq!(text(&row[col("项目对比")]), "更名");
    assert_eq!(number(&row[col("预算金额(万元)")]), 120.5);
    assert_eq!(number(&row[col("上年预算金额(万元)")]), 80.0);
    assert_eq!(number(&row[col("增减(万元)")]), 40.5);
    assert_eq!(number(&row[col("增减(%)")]), 50.6);
    assert_eq!(number(&row[col("降低指标数")]), 0.0);
    // Its link goes to the project's row of 汇总.
    let link = text(&row[col("位置")]);
    let projects = sheet(&book, "汇总");
    let at: usize = link
        .strip_prefix("汇总!C")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a link to 汇总: {link}"));
    assert_eq!(text(&projects[at - 1][2]), "教师培训经费");
    let school = compare
        .iter()
        .find(|r| {
            text(&r[col("项目名称")]) == "中小学校舍维修改造"
                && text(&r[col("指标名称")]).is_empty()
        })
        .expect("the project's row");
    assert_eq!(number(&school[col("降低指标数")]), 1.0);
    assert_eq!(number(&school[col("提高指标数")]), 2.0);
    let lowered = compare
        .iter()
        .find(|r| text(&r[col("指标名称")]) == "按期完工率")
        .expect("the lowered indicator's row");
    assert_eq!(text(&lowered[col("指标对比")]), "降低");
    assert_eq!(text(&lowered[col("本年目标")]), "≥ 95 %");
    assert_eq!(text(&lowered[col("上年目标")]), "≥ 98 %");
    let link = text(&lowered[col("位置")]);
    let indicators = sheet(&book, "指标");
    let at: usize = link
        .strip_prefix("指标!D")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a link to 指标: {link}"));
    assert_eq!(text(&indicators[at - 1][3]), "按期完工率");
    // An unchanged target has no row of its own.
    assert!(
        compare
            .iter()
            .all(|r| text(&r[col("指标名称")]) != "师生满意度")
    );

    // 指标: last year's target after its own columns, where there is one.
    let icol = |h: &str| header_index(indicators, h);
    assert_eq!(icol("上年运算符"), 20, "after 指标's own columns");
    let row = &indicators[at - 1];
    assert_eq!(text(&row[icol("上年运算符")]), "≥");
    assert_eq!(number(&row[icol("上年目标值")]), 98.0);
    assert_eq!(text(&row[icol("上年单位")]), "%");
    assert_eq!(text(&row[icol("与上年相比")]), "降低");
    let qualitative = indicators
        .iter()
        .find(|r| text(&r[3]) == "困难家庭教育负担减轻")
        .expect("a qualitative target");
    assert_eq!(text(&qualitative[icol("上年目标值")]), "有效减轻");
    let new = indicators
        .iter()
        .find(|r| text(&r[3]) == "养护里程")
        .expect("a new department's indicator");
    assert_eq!(text(&new[icol("与上年相比")]), "新增");
    assert_eq!(text(&new[icol("上年运算符")]), "");

    // 合计: last year's budget per department, after the category counts.
    let totals = sheet(&book, "合计");
    let tcol = header_index(totals, "上年预算金额(万元)");
    assert_eq!(tcol + 1, totals[0].len());
    let budget = |d: &str| {
        totals
            .iter()
            .find(|r| text(&r[0]) == d)
            .map(|r| r.get(tcol).map(text).unwrap_or_default())
            .unwrap_or_else(|| panic!("no department {d}"))
    };
    // 800 + 80 + 300 + 150 (校园安保服务, not continued).
    assert_eq!(budget("市教育局"), "1330");
    assert_eq!(budget("市卫生健康委员会"), "2840");
    assert_eq!(budget("市交通运输局"), "");
    // 总计 adds them.
    let total_at = totals
        .iter()
        .position(|r| text(&r[0]) == "总计")
        .expect("总计");
    let above: f64 = totals[1..total_at]
        .iter()
        .filter_map(|r| text(&r[tcol]).parse::<f64>().ok())
        .sum();
    assert!(above >= 1330.0 + 2840.0);
    assert_eq!(number(&totals[total_at][tcol]), above);
}

#[test]
fn without_baseline_the_workbook_has_none_of_its_columns() {
    let wd = Workdir::new();
    let out = wd.path("plain.xlsx");
    run_at_root(
        &[
            "consolidate",
            "examples",
            "-o",
            path_str(&out),
            "--quiet",
            "--fail-on",
            "never",
        ],
        0,
    );
    let book = read_workbook(&out);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["汇总", "指标", "合计", "图表", "问题", "说明"]);
    assert_eq!(sheet(&book, "指标")[0].len(), 20);
    let totals = sheet(&book, "合计");
    assert!(totals[0].iter().all(|h| text(h) != "上年预算金额(万元)"));
}

/// Last year given in parts — one department as last year's summary, the others as files —
/// compares as last year's files do: the parts make one year.
#[test]
fn a_baseline_in_parts_compares_as_one_year() {
    let wd = Workdir::new();
    let part = wd.path("part.xlsx");
    run_at_root(
        &[
            "consolidate",
            "examples-2023/市教育局_2023.xlsx",
            "-o",
            path_str(&part),
            "--quiet",
            "--fail-on",
            "never",
        ],
        0,
    );
    // Entries of last year's leftovers follow the order the parts were given in: compared as
    // sets.
    let sorted = |report: &Value, key: &str| {
        let mut v: Vec<String> = report["comparison"][key]
            .as_array()
            .expect(key)
            .iter()
            .map(Value::to_string)
            .collect();
        v.sort();
        v
    };
    let whole = examples_against(&wd, "whole", &["examples-2023"]);
    let parts = examples_against(
        &wd,
        "parts",
        &[
            path_str(&part),
            "examples-2023/市卫生健康委员会_2023.xlsx",
            "examples-2023/市机关事务管理局_2023.xlsx",
        ],
    );
    for key in ["projects", "indicators"] {
        assert!(sorted(&whole, key).len() > 10, "{key}");
        assert_eq!(sorted(&parts, key), sorted(&whole, key), "{key}");
    }
    for key in ["departments", "projects", "indicators"] {
        assert_eq!(
            parts["comparison"]["baseline"][key], whole["comparison"]["baseline"][key],
            "{key}"
        );
    }
}

/// A project's 问题数 (汇总, and `finding_count` in the report) counts the comparison's
/// findings on it too, as 问题 lists them.
#[test]
fn a_projects_finding_count_includes_the_comparisons_findings() {
    let wd = Workdir::new();
    let report = examples_against(&wd, "counted", &["examples-2023"]);
    let mut by_project: std::collections::HashMap<u64, usize> = Default::default();
    let mut compared = std::collections::HashSet::new();
    for f in report["findings"].as_array().expect("findings") {
        if let Some(p) = f["project_id"].as_u64() {
            *by_project.entry(p).or_default() += 1;
            if ["target_lowered", "indicator_dropped", "targets_copied"]
                .contains(&f["code"].as_str().unwrap_or(""))
            {
                compared.insert(p);
            }
        }
    }
    assert!(
        !compared.is_empty(),
        "the examples raise comparison findings"
    );
    let book = read_workbook(&wd.path("counted.xlsx"));
    let projects = sheet(&book, "汇总");
    let header = &projects[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|c| text(c) == name)
            .unwrap_or_else(|| panic!("汇总 has {name}"))
    };
    let (name_col, count_col) = (col("项目名称"), col("问题数"));
    for d in report["departments"].as_array().expect("departments") {
        for p in d["projects"].as_array().expect("projects") {
            let id = p["project_id"].as_u64().expect("project_id");
            let expected = by_project.get(&id).copied().unwrap_or(0);
            assert_eq!(p["finding_count"].as_u64(), Some(expected as u64), "{p}");
            if compared.contains(&id) {
                let row = projects
                    .iter()
                    .find(|r| r.get(name_col).map(text).as_deref() == p["name"].as_str())
                    .expect("the project's row in 汇总");
                assert_eq!(number(&row[count_col]), expected as f64, "{}", p["name"]);
            }
        }
    }
}
