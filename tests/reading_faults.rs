//! Reading faults found on real tables (issue 15): a note typed below a project, targets a
//! script wrote as formulas, copies listed as read; and the target words 达到, ranges and
//! template residue. Each built here, read by the real binary, with the rules change that
//! silences it where it is a rules thing.

mod common;

use common::*;
use rust_xlsxwriter::{Formula, Workbook};
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

fn indicator<'a>(report: &'a Value, name: &str) -> &'a Value {
    projects(report)
        .into_iter()
        .flat_map(|p| p["indicators"].as_array().expect("indicators"))
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name} in {report}"))
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

// ---------------------------------------------------------------- formulas a script wrote

#[test]
fn formulas_without_a_value_that_are_literals_are_read_as_typed() {
    let wd = Workdir::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let text = rows(&format!(
        "{HEADER}1\t道路保洁\t60\t群众满意度\t\t95\t%\n\t\t\t清运完成率\t\t\t\n\t\t\t保洁面积\t\t\t万平方米\n\t\t\t清运量\t≥\t\t万吨"
    ));
    for (r, row) in text.iter().enumerate() {
        for (c, t) in row.iter().enumerate() {
            if t.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            match t.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).expect("number"),
                Err(_) => sheet.write_string(r, c, t).expect("string"),
            };
        }
    }
    // What openpyxl writes for the texts "=>", "=100%", "=>200" and a real formula.
    sheet.write_formula(1, 4, Formula::new("=>")).expect("f");
    sheet.write_formula(2, 5, Formula::new("=100%")).expect("f");
    sheet.write_formula(3, 5, Formula::new("=>200")).expect("f");
    sheet
        .write_formula(4, 5, Formula::new("=SUM(Z1:Z3)"))
        .expect("f");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    wd.write(
        "script.xlsx",
        &strip_formula_results(&bytes, &["E2", "F3", "F4", "F5"]),
    );
    let report = consolidate(&wd, "script.xlsx", &[]);
    let target = |name: &str| {
        let i = indicator(&report, name);
        (
            i["op"].as_str().expect("op").to_string(),
            i["value"].as_f64(),
            i["unit"].as_str().expect("unit").to_string(),
        )
    };
    assert_eq!(target("群众满意度"), ("≥".into(), Some(95.0), "%".into()));
    assert_eq!(target("清运完成率"), ("=".into(), Some(100.0), "%".into()));
    assert_eq!(
        target("保洁面积"),
        ("≥".into(), Some(200.0), "万平方米".into())
    );
    assert_eq!(indicator(&report, "清运量")["value"], Value::Null);
    let as_text = findings(&report, "formula_as_text");
    let cells: Vec<&str> = as_text
        .iter()
        .map(|f| f["cell"].as_str().expect("c"))
        .collect();
    assert_eq!(cells, vec!["E2", "F3", "F4"], "{as_text:?}");
    assert!(as_text.iter().all(|f| f["severity"] == "info"));
    let message = as_text[1]["message"].as_str().expect("m");
    assert!(message.contains("=100%"), "{message}");
    assert!(
        message.contains("项目「道路保洁」的指标「清运完成率」"),
        "{message}"
    );
    // A real formula keeps its finding.
    let without: Vec<&str> = findings(&report, "formula_without_value")
        .iter()
        .map(|f| f["cell"].as_str().expect("c"))
        .collect();
    assert_eq!(without, vec!["F5"]);
}

// ---------------------------------------------------------------- copies not counted

#[test]
fn a_copy_that_is_not_counted_is_skipped_naming_the_file_it_duplicates() {
    let wd = Workdir::new();
    let a = wd.write("in/a/seed.txt", seed_text().as_bytes());
    let b = wd.write("in/b/seed.txt", seed_text().as_bytes());
    set_mtime(&a, 10);
    set_mtime(&b, 3600);
    let c = wd.write(
        "in/c/revised.txt",
        seed_text_as("宁波市某某局")
            .replace("110.00", "120.00")
            .as_bytes(),
    );
    let d = wd.write("in/d/first.txt", seed_text_as("宁波市某某局").as_bytes());
    set_mtime(&c, 5);
    set_mtime(&d, 7200);
    let report = consolidate(&wd, "in", &[]);
    let input = |path: &str| {
        report["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .find(|i| i["path"] == path)
            .unwrap_or_else(|| panic!("no input {path}"))
            .clone()
    };
    for path in ["in/a/seed.txt", "in/c/revised.txt"] {
        assert_eq!(input(path)["status"], "ok", "{path}");
        assert_eq!(input(path)["superseded_by"], Value::Null);
    }
    let copy = input("in/b/seed.txt");
    assert_eq!(copy["status"], "skipped");
    assert_eq!(copy["superseded_by"], "in/a/seed.txt");
    assert!(
        copy["reason"]
            .as_str()
            .expect("reason")
            .contains("in/a/seed.txt"),
        "{copy}"
    );
    assert_eq!(copy["code"], "duplicate_file");
    let older = input("in/d/first.txt");
    assert_eq!(older["status"], "skipped");
    assert_eq!(older["superseded_by"], "in/c/revised.txt");
    assert!(
        older["reason"]
            .as_str()
            .expect("reason")
            .contains("in/c/revised.txt"),
        "{older}"
    );
    assert_eq!(older["code"], "duplicate_department");
    let totals = &report["totals"];
    assert_eq!(totals["files_ok"], 2, "{totals}");
    assert_eq!(totals["files_skipped"], 2, "{totals}");
    assert_eq!(totals["departments"], 2);
    // The 说明 sheet lists them as skipped too.
    let book = read_workbook(&wd.path("in.out.xlsx"));
    let readme = sheet(&book, "说明");
    let row = readme
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "in/b/seed.txt"))
        .expect("the copy's row in 说明");
    assert!(row.iter().any(|c| text(c) == "跳过"), "{row:?}");
}

// ---------------------------------------------------------------- 达到 and ranges

#[test]
fn reaching_means_at_least_and_ranges_have_both_ends() {
    let wd = Workdir::new();
    let grid = rows(&format!(
        "{HEADER}1\t道路保洁\t60\t保洁面积\t\t达到200万平方米\t\n\
         \t\t\t群众满意度\t\t90%-95%\t\n\
         \t\t\t保洁质量达标率\t\t90%~95%\t\n\
         \t\t\t清运及时率\t\t90%至95%\t\n\
         \t\t\t设备完好率\t\t介于90%和95%之间\t\n\
         \t\t\t响应时间\t\t1-3\t天\n\
         \t\t\t设备故障率\t\t1%-3%\t\n\
         \t\t\t垃圾分类知晓度\t\t95%-90%\t\n\
         \t\t\t服务满意度\t\t90%-105%\t\n\
         \t\t\t服务满意度\t\t90%-99%\t\n\
         合计\t\t60"
    ));
    wd.write("ranges.xlsx", &xlsx(&grid));
    let report = consolidate(&wd, "ranges.xlsx", &[]);
    let area = indicator(&report, "保洁面积");
    assert_eq!(area["op"], "≥");
    assert_eq!(area["value"], 200.0);
    assert!(
        area["notes"][0]
            .as_str()
            .expect("note")
            .contains("达到200万平方米 → ≥ 200 万平方米"),
        "{area}"
    );
    for (name, unit) in [
        ("群众满意度", "%"),
        ("保洁质量达标率", "%"),
        ("清运及时率", "%"),
        ("设备完好率", "%"),
    ] {
        let i = indicator(&report, name);
        assert_eq!(i["op"], "range", "{i}");
        assert_eq!(
            (i["value"].as_f64(), i["value_to"].as_f64()),
            (Some(90.0), Some(95.0)),
            "{i}"
        );
        assert_eq!(i["unit"], unit, "{i}");
    }
    let days = indicator(&report, "响应时间");
    assert_eq!(
        (
            &days["op"],
            days["value"].as_f64(),
            days["value_to"].as_f64(),
            &days["unit"]
        ),
        (
            &Value::from("range"),
            Some(1.0),
            Some(3.0),
            &Value::from("天")
        )
    );
    // Only a range has value_to.
    assert!(area.get("value_to").is_none(), "{area}");
    // A range is no direction (故障率 1%-3% is fine) and not a fraction.
    assert!(findings(&report, "direction_mismatch").is_empty());
    assert!(findings(&report, "percent_as_fraction").is_empty());
    // Its high end counts against 100 %.
    // Two ranges of one name with one low end are two targets, not a duplicate.
    assert!(findings(&report, "duplicate_row").is_empty());
    assert_eq!(findings(&report, "conflicting_duplicate").len(), 1);
    let over = findings(&report, "percent_out_of_range");
    assert_eq!(over.len(), 1, "{over:?}");
    assert!(
        over[0]["message"]
            .as_str()
            .expect("m")
            .contains("服务满意度")
    );
    let bad = findings(&report, "bad_range");
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["severity"], "error");
    assert_eq!(bad[0]["cell"], "F9");
    let message = bad[0]["message"].as_str().expect("m");
    assert!(
        message.contains("项目「道路保洁」的指标「垃圾分类知晓度」") && message.contains("95%-90%"),
        "{message}"
    );
    // 指标 shows a range as written.
    let book = read_workbook(&wd.path("ranges.xlsx.out.xlsx"));
    let sheet_rows = sheet(&book, "指标");
    let row = sheet_rows
        .iter()
        .find(|r| r.iter().any(|c| text(c) == "群众满意度"))
        .expect("the range's row in 指标");
    assert!(row.iter().any(|c| text(c) == "90%-95%"), "{row:?}");

    // The rules decide: 达到 back under "=", and no range separators or words.
    let out = wd.run_expect(&["rules"], 0);
    let rules = String::from_utf8(out.stdout).expect("utf-8 rules")
        .replacen(", \"达到\"]", "]", 1)
        .replacen("\"=\" = [\"等于\"]", "\"=\" = [\"等于\", \"达到\"]", 1)
        .replacen("separators = [\"-\", \"~\", \"～\", \"—\", \"–\", \"至\", \"到\"]", "separators = []", 1)
        .replacen("enclosing = [\n", "enclosing = []\nunused_enclosing = [\n", 1)
        .replacen("unused_enclosing = [\n  { before = \"介于\", between = \"和\", after = \"之间\" },\n  { before = \"介于\", between = \"与\", after = \"之间\" },\n]\n", "", 1);
    assert!(
        !rules.contains("unused_enclosing"),
        "the rules' [ranges] changed shape"
    );
    wd.write("plain.toml", rules.as_bytes());
    let report = consolidate(&wd, "ranges.xlsx", &["--rules", "plain.toml"]);
    assert_eq!(indicator(&report, "保洁面积")["op"], "=");
    assert_eq!(indicator(&report, "群众满意度")["op"], "定性");
    assert!(findings(&report, "bad_range").is_empty());
}

// ---------------------------------------------------------------- template residue

#[test]
fn template_residue_in_targets_names_and_amounts_is_a_placeholder() {
    let wd = Workdir::new();
    let residue = [
        "*",
        "/",
        "-",
        "_",
        "—",
        "**",
        "**%",
        "≥**%",
        "请填写",
        "待填写",
        "(略)",
        "[略]",
        "{单位}",
        "{部门}",
    ];
    let mut text = format!("{HEADER}1\t道路保洁\t60\t保洁面积\t≥\t200\t万平方米\n");
    for (n, target) in residue.iter().enumerate() {
        text.push_str(&format!("\t\t\t指标{n}\t\t{target}\t\n"));
    }
    text.push_str("\t\t\tXX项目完成率\t≥\t95\t%\n");
    // Ordinary characters inside a target are no residue.
    text.push_str("\t\t\t服务时间\t\t5*8小时\t\n");
    text.push_str("2\tXX项目\t**\t群众满意度\t≥\t90\t%\n");
    wd.write("residue.xlsx", &xlsx(&rows(&text)));
    let report = consolidate(&wd, "residue.xlsx", &[]);
    let found = findings(&report, "placeholder_value");
    let cells: Vec<&str> = found
        .iter()
        .map(|f| f["cell"].as_str().expect("c"))
        .collect();
    let mut want: Vec<String> = (0..residue.len()).map(|n| format!("F{}", n + 3)).collect();
    want.push(format!("F{}", residue.len() + 3));
    want.push(format!("B{}", residue.len() + 5));
    want.push(format!("C{}", residue.len() + 5));
    let mut got: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{found:?}");
    assert!(found.iter().all(|f| f["severity"] == "error"));
    // The project's name and its amount: project-level findings.
    let project = found
        .iter()
        .find(|f| f["cell"] == format!("B{}", residue.len() + 5))
        .expect("the project's name");
    assert_eq!(project["project_id"], 2, "{project}");
    let amount = found
        .iter()
        .find(|f| f["cell"] == format!("C{}", residue.len() + 5))
        .expect("the project's amount");
    let message = amount["message"].as_str().expect("m");
    assert!(
        message.contains("项目「XX项目」的预算金额「**」"),
        "{message}"
    );
    assert!(findings(&report, "bad_amount").is_empty());
    assert!(projects(&report)[1]["budget_wan"].is_null());

    // Without the whole-target list, a lone * / - _ — is a qualitative target again.
    let rules = rules_with(
        &wd,
        "no-lone.toml",
        "placeholder_targets = [",
        "placeholder_targets = [] #",
    );
    let report = consolidate(&wd, "residue.xlsx", &["--rules", &rules]);
    assert_eq!(
        findings(&report, "placeholder_value").len(),
        want.len() - 5,
        "{}",
        report["findings"]
    );
}

#[test]
fn a_range_against_last_year_is_unchanged_as_written_and_changed_otherwise() {
    let wd = Workdir::new();
    let table = |a: &str, b: &str| {
        rows(&format!(
            "{HEADER}1\t道路保洁\t60\t群众满意度\t\t{a}\t\n\t\t\t保洁质量达标率\t\t{b}\t\n合计\t\t60"
        ))
    };
    wd.write("last/dept.xlsx", &xlsx(&table("90%-95%", "90%-95%")));
    wd.write("now/dept.xlsx", &xlsx(&table("90%-95%", "85%-95%")));
    wd.run_expect(
        &[
            "consolidate",
            "last",
            "-o",
            "last.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    for baseline in ["last.json", "last.xlsx"] {
        let report = consolidate(&wd, "now", &["--baseline", baseline]);
        let entries = report["comparison"]["indicators"]
            .as_array()
            .expect("indicators");
        let change = |name: &str| {
            entries
                .iter()
                .find(|e| e["indicator"] == name)
                .unwrap_or_else(|| panic!("{name} in {entries:?}"))["change"]
                .clone()
        };
        assert_eq!(change("群众满意度"), "unchanged", "{baseline}");
        assert_eq!(change("保洁质量达标率"), "changed", "{baseline}");
        assert!(findings(&report, "target_lowered").is_empty(), "{baseline}");
    }
}
