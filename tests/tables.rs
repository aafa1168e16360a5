//! Table shapes that used to lose or misstate money: a 合计 row first, neighbouring projects of
//! one name, projects without indicators, 元 written as "(单位:元)", departments named after a
//! notes sheet or a generic title, 小计 rows and repeated headers.

mod common;

use common::*;
use serde_json::Value;

const HEADER: &str = "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n";

fn run(wd: &Workdir, input: &str) -> Value {
    let out = wd.run(&[
        "consolidate",
        input,
        "-o",
        "s.xlsx",
        "-q",
        "--fail-on",
        "never",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wd.report("s.json")
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

fn budgets(report: &Value) -> Vec<f64> {
    report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .flat_map(|d| d["projects"].as_array().expect("projects"))
        .map(|p| p["budget_wan"].as_f64().expect("budget"))
        .collect()
}

#[test]
fn a_sum_row_right_under_the_header_does_not_end_the_table() {
    let wd = Workdir::new();
    let table = format!(
        "{HEADER}合计\t\t30\t\t\t\t\n1\t甲\t10\t数量\t≥\t1\t个\n2\t乙\t20\t数量\t≥\t2\t个\n"
    );
    wd.write("t.txt", table.as_bytes());
    let report = run(&wd, "t.txt");
    assert_eq!(budgets(&report), [10.0, 20.0]);
    assert_eq!(report["departments"][0]["declared"]["sum_row_wan"], 30.0);
    assert!(!codes(&report).contains(&"note_row".to_string()));
    assert!(!codes(&report).contains(&"sum_mismatch".to_string()));
}

#[test]
fn neighbouring_projects_of_one_name_stay_apart_and_repeats_stay_one() {
    let wd = Workdir::new();
    // No 序号 column: two projects called 办公费 with their own amounts.
    let twins = "项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
                 办公费\t10\t数量\t≥\t1\t个\n办公费\t20\t数量\t≥\t2\t个\n";
    wd.write("twins.txt", twins.as_bytes());
    assert_eq!(budgets(&run(&wd, "twins.txt")), [10.0, 20.0]);
    // Name and amount repeated on the continuation row, 序号 only on the first: one project.
    let repeated =
        format!("{HEADER}1\t办公费\t10\t数量\t≥\t1\t个\n\t办公费\t10\t质量\t=\t100\t%\n");
    wd.write("repeated.txt", repeated.as_bytes());
    let report = run(&wd, "repeated.txt");
    assert_eq!(budgets(&report), [10.0]);
    assert_eq!(report["totals"]["indicators"], 2);
}

#[test]
fn a_project_without_indicators_is_a_project_not_a_lost_row() {
    let wd = Workdir::new();
    let table = "项目名称\t预算金额(万元)\t指标名称\t年度目标值\n甲\t10\t\t\n乙\t5\t数量\t3\n";
    wd.write("t.txt", table.as_bytes());
    let report = run(&wd, "t.txt");
    assert_eq!(budgets(&report), [10.0, 5.0]);
    assert_eq!(report["totals"]["unassigned"], 0);
    assert!(codes(&report).contains(&"missing_indicators".to_string()));
}

#[test]
fn yuan_in_a_unit_bracket_is_converted_and_an_unknown_unit_is_flagged() {
    let wd = Workdir::new();
    let yuan = "序号\t项目名称\t预算金额(单位:元)\t指标名称\t运算符\t年度目标值\t单位\n1\t甲\t125000\t数量\t≥\t1\t个\n";
    wd.write("yuan.txt", yuan.as_bytes());
    let report = run(&wd, "yuan.txt");
    assert_eq!(budgets(&report), [12.5]);
    let dollars = "序号\t项目名称\t预算金额(千美元)\t指标名称\t运算符\t年度目标值\t单位\n1\t甲\t125\t数量\t≥\t1\t个\n";
    wd.write("dollars.txt", dollars.as_bytes());
    let report = run(&wd, "dollars.txt");
    let flagged: Vec<&Value> = report["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["code"] == "unknown_amount_unit")
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["cell"], "C1");
}

#[test]
fn departments_named_by_their_files_are_never_taken_for_one_another() {
    let wd = Workdir::new();
    for (file, budget) in [("in/市教育局.xlsx", "10"), ("in/市卫健委.xlsx", "20")] {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        let table = format!("2024年项目绩效目标表\n{HEADER}1\t办公费\t{budget}\t数量\t≥\t1\t个\n");
        for (r, line) in table.lines().enumerate() {
            for (c, cell) in line.split('\t').enumerate() {
                sheet.write_string(r as u32, c as u16, cell).expect("cell");
            }
        }
        workbook
            .add_worksheet()
            .write_string(0, 0, "备注")
            .expect("notes");
        wd.write(file, &workbook.save_to_buffer().expect("xlsx"));
    }
    let report = run(&wd, "in");
    let names: Vec<&str> = report["departments"]
        .as_array()
        .expect("d")
        .iter()
        .map(|d| d["name"].as_str().expect("name"))
        .collect();
    // Not "2024年" (the title's generic words), not "Sheet1": the files' names.
    assert_eq!(names, ["市卫健委", "市教育局"]);
    assert_eq!(report["totals"]["budget_wan"], 30.0);
    assert!(!codes(&report).contains(&"duplicate_department".to_string()));
}

#[test]
fn two_halves_of_one_department_are_both_counted() {
    let wd = Workdir::new();
    let half = |project: &str, budget: &str| {
        format!("单位名称:市教育局\n{HEADER}1\t{project}\t{budget}\t数量\t≥\t1\t个\n")
    };
    wd.write("in/本级.txt", half("校舍维修", "10").as_bytes());
    wd.write("in/下属单位.txt", half("教师培训", "20").as_bytes());
    let report = run(&wd, "in");
    assert_eq!(report["totals"]["budget_wan"], 30.0);
    assert_eq!(report["totals"]["departments"], 2);
}

#[test]
fn subtotal_rows_and_repeated_headers_are_not_projects() {
    let wd = Workdir::new();
    let table = format!(
        "{HEADER}1\t甲\t10\t数量\t≥\t1\t个\n小计\t\t10\t\t\t\t\n{HEADER}2\t乙\t20\t数量\t≥\t2\t个\n合计\t\t30\t\t\t\t\n"
    );
    wd.write("t.txt", table.as_bytes());
    let report = run(&wd, "t.txt");
    assert_eq!(budgets(&report), [10.0, 20.0]);
    let codes = codes(&report);
    assert!(codes.contains(&"subtotal_row".to_string()), "{codes:?}");
    assert!(codes.contains(&"repeated_header".to_string()), "{codes:?}");
    assert!(!codes.contains(&"bad_amount".to_string()), "{codes:?}");
    assert!(!codes.contains(&"sum_mismatch".to_string()), "{codes:?}");
}

#[test]
fn given_categories_are_read_in_the_framework_s_words() {
    let wd = Workdir::new();
    let table = "序号\t项目名称\t预算金额(万元)\t一级指标\t二级指标\t三级指标\t指标值\n\
                 1\t甲\t10\t产出\t数量指标\t采购台数\t≥10台\n\
                 \t\t\t效益\t社会效益指标\t办公效率提升\t明显\n\
                 \t\t\t满意度\t服务对象满意度指标\t使用人员满意度\t≥90%\n\
                 \t\t\t其他类\t\t宣传篇数\t≥3篇\n";
    wd.write("t.txt", table.as_bytes());
    let report = run(&wd, "t.txt");
    let indicators = report["departments"][0]["projects"][0]["indicators"]
        .as_array()
        .expect("indicators");
    let level1: Vec<&str> = indicators
        .iter()
        .map(|i| i["level1"].as_str().expect("level1"))
        .collect();
    assert_eq!(level1, ["产出指标", "效益指标", "满意度指标", "其他类"]);
    assert!(indicators.iter().all(|i| i["category_source"] == "given"));
    let codes = codes(&report);
    assert!(
        !codes.contains(&"incomplete_framework".to_string()),
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| *c == "unknown_category").count(),
        1,
        "{codes:?}"
    );
}
