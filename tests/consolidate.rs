//! End-to-end tests of `jixiao consolidate`: the real binary on the seed and on workbooks built
//! here, with the summary read back through calamine.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

fn findings_by_code(report: &Value) -> BTreeMap<String, Vec<Value>> {
    let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        map.entry(f["code"].as_str().expect("code").to_string())
            .or_default()
            .push(f.clone());
    }
    map
}

fn indicator<'a>(project: &'a Value, name: &str) -> &'a Value {
    project["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name}"))
}

#[test]
fn seed_text_consolidates_with_every_row_accounted_for() {
    let wd = Workdir::new();
    let seed = seed_path();
    wd.run_expect(
        &[
            "consolidate",
            seed.to_str().expect("path"),
            "-o",
            "out.xlsx",
            "--report",
            "out.json",
            "--quiet",
        ],
        1,
    );
    let report = wd.report("out.json");
    let totals = &report["totals"];
    assert_eq!(totals["files_ok"], 1);
    assert_eq!(totals["departments"], 1);
    assert_eq!(totals["projects"], 11);
    assert_eq!(totals["budget_wan"], 1119.5);
    assert_eq!(totals["indicators"], 150);
    assert_eq!(totals["unassigned"], 45);
    assert_eq!(totals["duplicates_collapsed"], 5);
    assert_eq!(report["tool"]["name"], "jixiao");
    assert_eq!(report["inputs"][0]["status"], "ok");
    assert_eq!(report["inputs"][0]["reason"], Value::Null);

    let dept = &report["departments"][0];
    assert_eq!(dept["name"], "宁波市人民代表大会常务委员会办公厅");
    assert_eq!(dept["year"], 2024);
    assert_eq!(dept["declared"]["project_count"], 22);
    assert_eq!(dept["declared"]["footnote_total_wan"], 1709.5);
    assert_eq!(dept["declared"]["sum_row_wan"], 1709.5);
    let projects = dept["projects"].as_array().expect("projects");
    let budgets: Vec<f64> = projects
        .iter()
        .map(|p| p["budget_wan"].as_f64().expect("budget"))
        .collect();
    assert_eq!(
        budgets,
        vec![
            110.0, 40.0, 30.0, 116.0, 30.0, 20.0, 103.5, 520.0, 20.0, 120.0, 10.0
        ]
    );
    assert_eq!(projects[0]["seq"], "1");
    assert_eq!(projects[0]["name"], "无纸化设备租赁费");
    assert_eq!(projects[0]["own_wan"], 110.0);
    assert_eq!(projects[0]["transfer_wan"], 0.0);

    // 155 indicator rows in: each is a kept row or a collapsed copy.
    let unassigned = dept["unassigned"].as_array().expect("unassigned");
    let copies: u64 = projects
        .iter()
        .flat_map(|p| p["indicators"].as_array().expect("indicators"))
        .chain(unassigned)
        .map(|i| i["copies"].as_u64().expect("copies"))
        .sum();
    assert_eq!(copies, 155);
    // Categories on every indicator, inferred from the names (the seed gives none).
    let all: Vec<&Value> = projects
        .iter()
        .flat_map(|p| p["indicators"].as_array().expect("indicators"))
        .chain(unassigned)
        .collect();
    assert!(
        all.iter()
            .all(|i| i["level1"].is_string() && i["level2"].is_string())
    );
    assert!(all.iter().all(|i| i["category_source"] == "inferred"));
    assert_eq!(
        indicator(&projects[0], "受益人员满意度")["level1"],
        "满意度指标"
    );
    // Projects 3, 7 and 9 have the duplicates (7's once 比例 reads as %).
    let with_copies: Vec<&str> = projects
        .iter()
        .filter(|p| {
            p["indicators"]
                .as_array()
                .expect("i")
                .iter()
                .any(|i| i["copies"] != 1)
        })
        .map(|p| p["seq"].as_str().expect("seq"))
        .collect();
    assert_eq!(with_copies, vec!["3", "7", "9"]);
    assert_eq!(indicator(&projects[2], "受益人员满意度")["copies"], 4);

    // Normalization, with the raw spelling kept.
    let satisfaction = indicator(&projects[0], "受益人员满意度");
    assert_eq!(satisfaction["op"], "≥");
    assert_eq!(satisfaction["value"], 95.0);
    assert_eq!(satisfaction["text"], "95");
    assert_eq!(satisfaction["unit"], "%");
    assert_eq!(satisfaction["raw"]["op"], "≧");
    assert_eq!(satisfaction["source"], "000_17e04ae03005bf38!H7");
    let traffic = indicator(&projects[0], "租赁代表流量卡流量");
    assert_eq!(
        (traffic["value"].as_f64(), traffic["unit"].as_str()),
        (Some(10.0), Some("GB/月"))
    );
    assert_eq!(traffic["raw"]["value"], "10G");
    let brand = indicator(&projects[0], "租赁设备品牌");
    assert_eq!(
        (brand["op"].as_str(), brand["value"].is_null()),
        (Some("定性"), true)
    );
    assert_eq!(
        (brand["text"].as_str(), brand["raw"]["op"].as_str()),
        (Some("华为"), Some("="))
    );
    let efficiency = indicator(&projects[0], "提升人大代表履职效率");
    assert_eq!(
        (efficiency["op"].as_str(), efficiency["text"].as_str()),
        (Some("定性"), Some("明显"))
    );
    let quoted = indicator(&projects[4], "立法项目评估");
    assert_eq!(quoted["unit"], "次");
    let ratio = indicator(&projects[5], "代表满意度");
    assert_eq!(
        (ratio["op"].as_str(), ratio["unit"].as_str()),
        (Some(">"), Some("%"))
    );

    // The rows that lost their project: realigned, kept, hinted.
    assert_eq!(unassigned[0]["name"], "三类会议标准");
    assert_eq!(unassigned[0]["op"], "≤");
    assert_eq!(unassigned[0]["value"], 400.0);
    assert_eq!(unassigned[0]["unit"], "元");
    assert_eq!(unassigned[0]["after_seq"], "5");
    assert_eq!(unassigned[0]["source"], "000_17e04ae03005bf38!A56");
    assert_eq!(unassigned[44]["name"], "受益人员满意度");
    assert_eq!(unassigned[44]["after_seq"], "11");

    let by_code = findings_by_code(&report);
    assert_eq!(by_code["shifted_row"].len(), 45);
    let sum = &by_code["sum_mismatch"][0];
    assert_eq!(
        (sum["severity"].as_str(), sum["cell"].as_str()),
        (Some("error"), Some("D161"))
    );
    assert!(sum["message"].as_str().expect("msg").contains("1709.50"));
    assert!(sum["message"].as_str().expect("msg").contains("1119.50"));
    assert_eq!(by_code["declared_count_mismatch"][0]["cell"], "A163");
    assert!(
        by_code["declared_count_mismatch"][0]["message"]
            .as_str()
            .expect("m")
            .contains("22")
    );
    assert_eq!(by_code["declared_total_mismatch"].len(), 1);
    assert_eq!(by_code["duplicate_row"].len(), 3);
    assert_eq!(by_code["conflicting_duplicate"].len(), 1);
    assert!(!by_code.contains_key("own_plus_transfer_mismatch"));
    // The reviewer's checks: the 收益/受益 typo, and 发放代表人数 ≥ 450 %.
    let near = &by_code["near_duplicate_name"];
    assert_eq!(near.len(), 1);
    let message = near[0]["message"].as_str().expect("m");
    assert!(
        message.contains("收益人员满意度") && message.contains("受益人员满意度"),
        "{message}"
    );
    let units: Vec<&str> = by_code["unit_mismatch"]
        .iter()
        .map(|f| f["cell"].as_str().expect("cell"))
        .collect();
    assert!(units.contains(&"K75"), "{units:?}");
    assert_eq!(by_code["qualitative_with_operator"][0]["cell"], "I6");
    let f = &by_code["shifted_row"][0];
    assert_eq!(f["file"], seed.to_str().expect("path"));
    assert_eq!(f["sheet"], "000_17e04ae03005bf38");
    assert_eq!(f["department"], "宁波市人民代表大会常务委员会办公厅");

    // The workbook, read back.
    let book = read_workbook(&wd.path("out.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["汇总", "指标", "合计", "图表", "问题", "说明"]);

    let summary = sheet(&book, "汇总");
    let header: Vec<String> = summary[0].iter().map(text).collect();
    assert_eq!(
        header[..9],
        [
            "部门",
            "序号",
            "项目名称",
            "预算金额(万元)",
            "本级支出(万元)",
            "转移支付支出(万元)",
            "指标数",
            "问题数",
            "来源"
        ]
    );
    assert_eq!(summary.len(), 12);
    let budget_sum: f64 = summary[1..].iter().map(|r| number(&r[3])).sum();
    assert!((budget_sum - 1119.5).abs() < 1e-9);
    assert_eq!(text(&summary[1][2]), "无纸化设备租赁费");
    assert_eq!(number(&summary[3][6]), 7.0, "project 3 keeps 7 indicators");
    assert!(text(&summary[1][8]).ends_with("000_17e04ae03005bf38!B6"));

    let indicators = sheet(&book, "指标");
    let header: Vec<String> = indicators[0].iter().map(text).collect();
    assert_eq!(
        header[..12],
        [
            "部门",
            "序号",
            "项目名称",
            "指标名称",
            "运算符",
            "目标值",
            "单位",
            "原始运算符",
            "原始目标值",
            "原始单位",
            "标注",
            "来源"
        ]
    );
    assert_eq!(header[12..15], ["一级指标", "二级指标", "分类来源"]);
    assert_eq!(indicators.len(), 151);
    // Every indicator has its category, inferred from the name here.
    assert!(indicators[1..].iter().all(|r| !text(&r[12]).is_empty()));
    let traffic_row = indicators
        .iter()
        .find(|r| text(&r[3]) == "租赁代表流量卡流量")
        .expect("traffic row");
    assert_eq!(number(&traffic_row[5]), 10.0);
    assert_eq!(text(&traffic_row[6]), "GB/月");
    assert_eq!(text(&traffic_row[8]), "10G");
    assert!(text(&traffic_row[10]).contains("10G + 月 → 10 GB/月"));
    let unassigned_rows = indicators
        .iter()
        .filter(|r| text(&r[2]) == "(未归属)")
        .count();
    assert_eq!(unassigned_rows, 45);

    let totals_sheet = sheet(&book, "合计");
    let header: Vec<String> = totals_sheet[0].iter().map(text).collect();
    assert_eq!(
        header[..11],
        [
            "部门",
            "项目数",
            "预算金额(万元)",
            "本级支出(万元)",
            "转移支付支出(万元)",
            "申报项目数",
            "申报金额(万元)",
            "差额(万元)",
            "指标数",
            "重复指标数",
            "问题数"
        ]
    );
    let row = &totals_sheet[1];
    assert_eq!(text(&row[0]), "宁波市人民代表大会常务委员会办公厅");
    // A count per 一级 category after the fixed columns; together they are every indicator.
    let header: Vec<String> = totals_sheet[0].iter().map(text).collect();
    let first = jixiao::sheets::TotalColumn::ALL.len();
    assert_eq!(
        header[first..],
        ["产出指标数", "效益指标数", "满意度指标数", "成本指标数"]
    );
    let per_category: f64 = row[first..first + 4].iter().map(number).sum();
    assert_eq!(per_category, 150.0);
    assert!(
        number(&row[first + 2]) > 0.0,
        "satisfaction indicators counted"
    );
    assert_eq!(number(&row[1]), 11.0);
    assert_eq!(number(&row[2]), 1119.5);
    assert_eq!(number(&row[5]), 22.0);
    assert_eq!(number(&row[6]), 1709.5);
    assert_eq!(number(&row[7]), -590.0);
    assert_eq!(number(&row[8]), 150.0);
    assert_eq!(number(&row[9]), 5.0);
    let findings_total = report["findings"].as_array().expect("f").len() as f64;
    assert_eq!(number(&row[10]), findings_total);
    // Beside 问题数, its errors and warnings.
    let count_of = |severity: &str| {
        report["findings"]
            .as_array()
            .expect("f")
            .iter()
            .filter(|f| f["severity"] == severity)
            .count() as f64
    };
    assert_eq!(header[11..13], ["错误数", "警告数"]);
    assert_eq!(number(&row[11]), count_of("error"));
    assert_eq!(number(&row[12]), count_of("warning"));
    assert!(count_of("error") > 0.0 && count_of("warning") > 0.0);
    // The seed's year, read from its footnote.
    let year = jixiao::sheets::TotalColumn::Year.index() as usize;
    assert_eq!(header[year], "年度");
    assert_eq!(number(&row[year]), 2024.0);
    // The grand total is a formula whose cached value calamine reads without recalculating.
    let grand = &totals_sheet[2];
    assert_eq!(text(&grand[0]), "总计");
    assert_eq!(number(&grand[2]), 1119.5);
    assert_eq!(number(&grand[8]), 150.0);
    // Under it, the budget split into neither 本级 nor 转移: the three add up to 总计.
    let unsplit = &totals_sheet[3];
    assert_eq!(text(&unsplit[0]), jixiao::sheets::UNSPLIT_LABEL);
    let sum = number(&grand[3]) + number(&grand[4]) + number(&unsplit[2]);
    assert!((sum - number(&grand[2])).abs() < 0.005, "{sum}");

    let problems = sheet(&book, "问题");
    assert_eq!(problems.len() as f64, findings_total + 1.0);
    assert_eq!(
        problems[0].iter().map(text).collect::<Vec<_>>()[..8],
        [
            "级别",
            "代码",
            "问题类型",
            "部门",
            "文件",
            "工作表",
            "单元格",
            "说明"
        ]
    );
    // Errors first, then warnings, then notes; each code with its title.
    let rank = |r: &Vec<calamine::Data>| match text(&r[0]).as_str() {
        "错误" => 0,
        "警告" => 1,
        _ => 2,
    };
    let ranks: Vec<i32> = problems[1..].iter().map(rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "sorted by severity");
    assert_eq!(ranks.first(), Some(&0));
    let shifted = problems
        .iter()
        .find(|r| text(&r[1]) == "shifted_row")
        .expect("shifted_row");
    assert_eq!(text(&shifted[2]), "指标行错位");
    assert_eq!(
        problems
            .iter()
            .filter(|r| text(&r[1]) == "shifted_row")
            .count(),
        45
    );
    let sum_row = problems
        .iter()
        .find(|r| text(&r[1]) == "sum_mismatch")
        .expect("sum row");
    assert_eq!(
        (text(&sum_row[0]).as_str(), text(&sum_row[6]).as_str()),
        ("错误", "D161")
    );
}

/// Drops what legitimately differs between two inputs of the same table: the file's path.
fn without_file(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            map.remove("file");
            for (_, child) in map.iter_mut() {
                *child = without_file(child.take());
            }
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                *item = without_file(item.take());
            }
        }
        _ => {}
    }
    v
}

#[test]
fn merged_workbook_gives_the_same_result_as_the_text() {
    let wd = Workdir::new();
    let grid = text_grid(&seed_text());
    // Named like the text's sheet (Excel names a text file's sheet after the file), so that
    // every cell reference can be compared as well.
    let xlsx = seed_layout_xlsx(&grid, "000_17e04ae03005bf38", &[]);
    wd.write("xlsx/dept.xlsx", &xlsx);
    wd.write("txt/000_17e04ae03005bf38.txt", seed_text().as_bytes());
    wd.run_expect(
        &[
            "consolidate",
            "xlsx",
            "-o",
            "x.xlsx",
            "--report",
            "x.json",
            "-q",
        ],
        1,
    );
    wd.run_expect(
        &[
            "consolidate",
            "txt",
            "-o",
            "t.xlsx",
            "--report",
            "t.json",
            "-q",
        ],
        1,
    );
    let (x, t) = (wd.report("x.json"), wd.report("t.json"));

    assert_eq!(x["totals"], t["totals"]);
    assert_eq!(x["totals"]["projects"], 11);
    let mut xd = without_file(x["departments"].clone());
    let mut td = without_file(t["departments"].clone());
    // Both name the department from the footnote, in the same cell.
    assert_eq!(xd[0]["name_source"], "000_17e04ae03005bf38!A163");
    xd[0]["name_source"] = Value::Null;
    td[0]["name_source"] = Value::Null;
    assert_eq!(first_difference(&xd, &td, "departments"), None);
    let (xf, tf) = (
        without_file(x["findings"].clone()),
        without_file(t["findings"].clone()),
    );
    assert_eq!(first_difference(&xf, &tf, "findings"), None);
}

#[test]
fn rows_outside_every_merged_project_are_unassigned() {
    // A workbook whose projects are merged: an indicator row after project 1's block, with
    // empty project cells, lost its project even though it sits in the indicator columns.
    let wd = Workdir::new();
    let mut grid = text_grid(&seed_text());
    grid.truncate(15); // title, header, project 1 (rows 6-15)
    grid.push(
        vec![String::new(); 7]
            .into_iter()
            .chain(["孤立指标", "≧", "5", "个"].map(String::from))
            .collect(),
    );
    let xlsx = seed_layout_xlsx(&grid, "Sheet1", &[15]);
    wd.write("dept.xlsx", &xlsx);
    wd.run_expect(&["consolidate", "dept.xlsx", "-o", "o.xlsx", "-q"], 0);
    let report = wd.report("o.json");
    let dept = &report["departments"][0];
    assert_eq!(
        dept["projects"][0]["indicators"]
            .as_array()
            .expect("i")
            .len(),
        10
    );
    assert_eq!(dept["unassigned"][0]["name"], "孤立指标");
    assert_eq!(dept["unassigned"][0]["after_seq"], "1");
    assert_eq!(dept["unassigned"][0]["source"], "Sheet1!H16");
    let shifted: Vec<&Value> = report["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["code"] == "shifted_row")
        .collect();
    assert_eq!(shifted.len(), 1);
    assert_eq!(shifted[0]["cell"], "H16");
}

#[test]
fn output_is_byte_identical_across_thread_counts_and_input_order() {
    let wd = Workdir::new();
    let grid = text_grid(&seed_text_as("宁波市某某局"));
    wd.write("in/b/dept.xlsx", &seed_layout_xlsx(&grid, "Sheet1", &[]));
    wd.write("in/a/dept.txt", seed_text().as_bytes());
    wd.write("in/c.csv", "序号,项目名称,预算金额(万元),指标名称,运算符,年度目标值,单位\n1,办公费,12.5,满意度,≥,90,%\n".as_bytes());
    wd.run_expect(
        &["consolidate", "in", "-o", "one.xlsx", "--jobs", "1", "-q"],
        1,
    );
    wd.run_expect(
        &[
            "consolidate",
            "in/c.csv",
            "in/b",
            "in/a",
            "-o",
            "two.xlsx",
            "--jobs",
            "2",
            "-q",
        ],
        1,
    );
    let one = std::fs::read(wd.path("one.xlsx")).expect("one");
    let two = std::fs::read(wd.path("two.xlsx")).expect("two");
    assert!(one == two, "summaries differ between runs");
    let one_json = std::fs::read(wd.path("one.json")).expect("one.json");
    let two_json = std::fs::read(wd.path("two.json")).expect("two.json");
    assert!(one_json == two_json, "reports differ between runs");
    assert_eq!(wd.report("one.json")["totals"]["departments"], 3);
}

#[test]
fn a_broken_file_is_a_finding_and_the_rest_is_processed() {
    let wd = Workdir::new();
    wd.write(
        "in/broken.xlsx",
        b"PK\x03\x04 this is not really a workbook",
    );
    wd.write("in/empty.xlsx", b"");
    wd.write("in/dept.txt", seed_text().as_bytes());
    wd.write("in/~$dept.xlsx", b"lock");
    std::fs::create_dir_all(wd.path("out")).expect("out dir");
    wd.run_expect(&["consolidate", "in", "-o", "out/s.xlsx", "-q"], 1);
    let report = wd.report("out/s.json");
    let inputs = report["inputs"].as_array().expect("inputs");
    let status: BTreeMap<&str, &str> = inputs
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("p"),
                i["status"].as_str().expect("s"),
            )
        })
        .collect();
    assert_eq!(status["in/broken.xlsx"], "failed");
    assert_eq!(status["in/empty.xlsx"], "failed");
    assert_eq!(status["in/dept.txt"], "ok");
    assert_eq!(status["in/~$dept.xlsx"], "skipped");
    let broken = inputs
        .iter()
        .find(|i| i["path"] == "in/broken.xlsx")
        .expect("broken");
    assert!(
        broken["reason"]
            .as_str()
            .expect("reason")
            .contains("not a readable xlsx")
    );
    assert_eq!(report["totals"]["projects"], 11);
    assert_eq!(report["totals"]["files_failed"], 2);
    let read_failed = report["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["code"] == "read_failed")
        .count();
    assert_eq!(read_failed, 2);
    // Written atomically: nothing but the two outputs in the target directory.
    let mut left: Vec<String> = std::fs::read_dir(wd.path("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["s.json", "s.xlsx"]);
}

#[test]
fn glob_patterns_are_expanded_by_jixiao() {
    let wd = Workdir::new();
    wd.write("share/2024/dept.txt", seed_text().as_bytes());
    wd.write("share/2024/other.docx", b"x");
    wd.run_expect(&["consolidate", "share/**/*.txt", "-o", "s.xlsx", "-q"], 1);
    assert_eq!(
        wd.report("s.json")["inputs"][0]["path"],
        "share/2024/dept.txt"
    );
    let out = wd.run(&["consolidate", "share/**/*.xlsx", "-o", "s.xlsx", "-q"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no input matched is a failed run"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("pattern matched no file"));
}
