//! Reading faults found on real tables (issue 15): a note typed below a project, targets a
//! script wrote as formulas, copies listed as read; and the target words 达到, ranges and
//! template residue. Each built here, read by the real binary, with the rules change that
//! silences it where it is a rules thing.

mod common;

use common::*;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

/// Runs `consolidate` on `input` with extra arguments and returns the report.
fn consolidate(wd: &Workdir, input: &str, extra: &[&str]) -> Value {
    let stem = input.replace('/', "_");
    let out = format!("{stem}.out.xlsx");
    let mut args = vec!["consolidate", input, "-o", &out, "-q", "--fail-on", "never"];
    args.extend_from_slice(extra);
    wd.run_expect(&args, 0);
    wd.report(&format!("{stem}.out.json"))
}

fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn projects(report: &Value) -> Vec<&Value> {
    report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .flat_map(|d| d["projects"].as_array().expect("projects"))
        .collect()
}

fn project_names(report: &Value) -> Vec<String> {
    projects(report)
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect()
}

/// Writes rows of text to a one-sheet xlsx, figures as numbers.
fn xlsx(grid: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in grid.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            match text.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).expect("number"),
                Err(_) => sheet.write_string(r, c, text).expect("string"),
            };
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

/// The built-in rules with one line replaced, written to `name` in the work directory.
fn rules_with(wd: &Workdir, name: &str, from: &str, to: &str) -> String {
    let out = wd.run_expect(&["rules"], 0);
    let text = String::from_utf8(out.stdout).expect("utf-8 rules");
    assert!(text.contains(from), "the rules hold {from}");
    wd.write(name, text.replacen(from, to, 1).as_bytes());
    name.to_string()
}

const HEADER: &str = "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n";

// ---------------------------------------------------------------- note rows

#[test]
fn a_note_below_a_project_is_a_note_row_not_a_project() {
    let wd = Workdir::new();
    let grid = rows(&format!(
        "{HEADER}1\t道路保洁\t60\t保洁面积\t≥\t200\t万平方米\n\
         \t\t\t群众满意度\t≥\t90\t%\n\
         \t注:本表由计划财务处汇总,联系人:张三,电话:12345678\n\
         \t填表人:\t李四\t审核人:\t王五\n\
         2\t说明书印制\t5\t印制数量\t≥\t3\t万册\n\
         合计\t\t65"
    ));
    wd.write("notes.xlsx", &xlsx(&grid));
    let report = consolidate(&wd, "notes.xlsx", &[]);
    assert_eq!(project_names(&report), vec!["道路保洁", "说明书印制"]);
    assert!(findings(&report, "missing_indicators").is_empty());
    let notes = findings(&report, "note_row");
    let cells: Vec<&str> = notes
        .iter()
        .map(|f| f["cell"].as_str().expect("c"))
        .collect();
    assert_eq!(cells, vec!["B4", "B5"], "{notes:?}");
    let message = notes[0]["message"].as_str().expect("m");
    assert!(message.contains("注:本表由计划财务处汇总"), "{message}");
    assert!(message.contains("不是项目"), "{message}");

    // Without the note words, the note is read as a project again (with no indicators).
    let rules = rules_with(&wd, "no-notes.toml", "note_words = [", "note_words = [] #");
    let report = consolidate(&wd, "notes.xlsx", &["--rules", &rules]);
    assert!(findings(&report, "note_row").is_empty());
    assert!(
        project_names(&report)
            .iter()
            .any(|n| n.starts_with("注:本表由计划财务处汇总")),
        "{:?}",
        project_names(&report)
    );
}
