//! The rules file as data (--rules, malformed files), the `check` and `template` commands, and
//! duplicate inputs kept out of double counting.

mod common;

use std::io::Read;

use common::*;
use serde_json::Value;

const SMALL: &str = "序号\t项目名称\t预算金额(万元)\t本级支出(万元)\t转移支付支出(万元)\t指标名称\t运算符\t年度目标值\t单位\n1\t办公费\t10\t10\t0\t培训人次\t大于或者等于\t30\t人次\n";

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

#[test]
fn a_rules_file_overrides_the_built_in_synonyms() {
    let wd = Workdir::new();
    wd.write("in/dept.txt", SMALL.as_bytes());
    wd.run_expect(&["consolidate", "in", "-o", "a.xlsx", "-q"], 0);
    let before = wd.report("a.json");
    assert!(codes(&before).contains(&"unknown_operator".to_string()));
    assert_eq!(
        before["departments"][0]["projects"][0]["indicators"][0]["op"],
        "大于或者等于"
    );

    // `jixiao rules` prints the built-in file; a copy with one more spelling of ≥ is used.
    let printed = wd.run_expect(&["rules"], 0);
    let rules = String::from_utf8(printed.stdout).expect("utf-8 rules");
    // (Operator words such as 大于等于 are known already; this spelling is not.)
    let extended = rules.replace(r#""≥" = ["#, r#""≥" = ["大于或者等于", "#);
    assert_ne!(rules, extended, "the rules file changed shape");
    wd.write("my-rules.toml", extended.as_bytes());
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "b.xlsx",
            "-q",
            "--rules",
            "my-rules.toml",
        ],
        0,
    );
    let after = wd.report("b.json");
    assert!(!codes(&after).contains(&"unknown_operator".to_string()));
    assert_eq!(
        after["departments"][0]["projects"][0]["indicators"][0]["op"],
        "≥"
    );
    assert_eq!(after["rules"], "my-rules.toml");
}

#[test]
fn a_malformed_rules_file_names_the_line_and_key() {
    let wd = Workdir::new();
    wd.write("in/dept.txt", SMALL.as_bytes());
    wd.write("bad.toml", b"[table]\nheader_search_rows = \"thirty\"\n");
    let out = wd.run_expect(
        &["consolidate", "in", "-o", "s.xlsx", "--rules", "bad.toml"],
        2,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("header_search_rows"), "{stderr}");
    assert!(!wd.path("s.xlsx").exists());
}

#[test]
fn check_prints_findings_and_exits_by_severity() {
    let wd = Workdir::new();
    wd.write("seed.txt", seed_text().as_bytes());
    let out = wd.run_expect(&["check", "seed.txt"], 1);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("sum_mismatch"), "{table}");
    assert!(table.contains("seed.txt [seed]!D161"), "{table}");
    assert!(!wd.path("seed.xlsx").exists() && !wd.path("seed.json").exists());

    let out = wd.run_expect(&["check", "seed.txt", "--format", "json"], 1);
    let findings: Value = serde_json::from_slice(&out.stdout).expect("json findings");
    let findings = findings.as_array().expect("array");
    assert!(findings.iter().any(|f| f["code"] == "near_duplicate_name"));
    assert!(findings.iter().all(|f| f["file"] == "seed.txt"));

    let clean = "序号\t项目名称\t预算金额(万元)\t本级支出(万元)\t转移支付支出(万元)\t指标名称\t运算符\t年度目标值\t单位\n1\t办公费\t10\t10\t0\t培训人次\t≥\t30\t人次\n";
    wd.write("clean.txt", clean.as_bytes());
    let out = wd.run_expect(&["check", "clean.txt"], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("错误 0"));
    wd.run_expect(&["check", "nothing.xlsx"], 2);
}

#[test]
fn the_template_has_drop_downs_locked_headers_and_reads_back_clean() {
    let wd = Workdir::new();
    wd.run_expect(&["template", "-o", "blank.xlsx"], 0);
    let book = read_workbook(&wd.path("blank.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["项目绩效目标", "填报说明"]);

    let file = std::fs::File::open(wd.path("blank.xlsx")).expect("open");
    let mut zip = zip::ZipArchive::new(file).expect("zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("sheet1")
        .read_to_string(&mut xml)
        .expect("xml");
    assert_eq!(
        xml.matches("<dataValidation ").count(),
        3,
        "two drop-downs and the year"
    );
    assert!(
        xml.contains(r#"sqref="I5:I304""#),
        "operator column validated"
    );
    assert!(xml.contains(r#"sqref="K5:K304""#), "unit column validated");
    assert!(xml.contains(r#"sqref="H2""#), "the year validated");
    // The 单位名称 and 年度 cells are fillable on the protected sheet: their format is
    // unlocked, the labels' is not.
    assert!(xml.contains("<pageSetup") && xml.contains(r#"orientation="landscape""#));
    assert!(xml.contains(r#"paperSize="9""#), "A4");
    // One page wide (fitToWidth's default, 1), as many pages down as it takes.
    assert!(xml.contains(r#"fitToPage="1""#) && xml.contains(r#"fitToHeight="0""#));
    assert!(
        xml.contains("<conditionalFormatting"),
        "the example row greyed"
    );
    let mut styles = String::new();
    zip.by_name("xl/styles.xml")
        .expect("styles")
        .read_to_string(&mut styles)
        .expect("xml");
    let cell_style = |cell: &str| -> usize {
        let at = xml.find(&format!(r#"<c r="{cell}""#)).expect(cell);
        let rest = &xml[at..];
        let s = rest.find(" s=\"").expect("styled") + 4;
        rest[s..s + rest[s..].find('"').expect("quote")]
            .parse()
            .expect("index")
    };
    let xfs: Vec<&str> = styles
        .split("<cellXfs")
        .nth(1)
        .expect("cellXfs")
        .split("<xf ")
        .skip(1)
        .collect();
    let unlocked = |cell: &str| xfs[cell_style(cell)].contains(r#"locked="0""#);
    assert!(unlocked("C2"), "单位名称 fillable");
    assert!(unlocked("H2"), "年度 fillable");
    assert!(!unlocked("A2") && !unlocked("G2"), "labels locked");
    assert!(!unlocked("B4"), "header locked");
    assert!(unlocked("B6"), "data rows fillable");
    assert!(
        xml.contains("≥") && xml.contains("GB/月"),
        "lists from the rules"
    );
    assert!(xml.contains("<sheetProtection"), "header locked");

    // The blank template is a table with no project: check fails (no_projects), and its grey
    // example row is named, not summarized.
    let out = wd.run_expect(&["check", "blank.xlsx"], 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("no_projects"), "{stdout}");
    assert!(stdout.contains("template_example"), "{stdout}");

    // Filled in (as a department would), it consolidates with no findings at all.
    let rules = jixiao::rules::Rules::builtin().expect("rules");
    let ind = |a: &str, b: &str, c: &str, d: &str| [a, b, c, d].map(String::from);
    let projects = vec![jixiao::template::TemplateProject {
        name: "办公设备购置".into(),
        overview: "购置办公设备".into(),
        amounts: [12.5, 10.0, 2.5],
        indicators: vec![
            ind("采购台数", "≥", "10", "台"),
            ind("验收合格率", "=", "100", "%"),
            ind("采购按时完成率", "≥", "95", "%"),
            ind("办公效率提升", "", "明显", ""),
            ind("使用人员满意度", "≥", "90", "%"),
        ],
    }];
    let mut filled =
        jixiao::template::build(&rules, "市测试局", Some(2025), &projects).expect("filled");
    wd.write("filled.xlsx", &filled.save_to_buffer().expect("save"));
    let out = wd.run(&[
        "consolidate",
        "filled.xlsx",
        "-o",
        "s.xlsx",
        "-q",
        "--fail-on",
        "warning",
    ]);
    let report = wd.report("s.json");
    assert_eq!(report["findings"], Value::Array(vec![]), "no findings");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(report["departments"][0]["name"], "市测试局");
    assert_eq!(report["departments"][0]["name_source"], "项目绩效目标!C2");
    assert_eq!(report["departments"][0]["year"], 2025);
    assert_eq!(
        report["departments"][0]["year_source"],
        serde_json::json!({"from": "year_line", "cell": "项目绩效目标!H2"})
    );
    assert_eq!(report["totals"]["indicators"], 5);
    assert_eq!(report["departments"][0]["projects"][0]["budget_wan"], 12.5);
}

#[test]
fn duplicate_files_and_departments_are_counted_once() {
    let wd = Workdir::new();
    // Identical content: the newer copy (b, in spite of its later path) is used.
    let a = wd.write("in/a/seed.txt", seed_text().as_bytes());
    let b = wd.write("in/b/seed.txt", seed_text().as_bytes());
    set_mtime(&a, 10);
    set_mtime(&b, 3600);
    // Same department and year, different content: the newer (c) is used.
    let c = wd.write(
        "in/c/revised.txt",
        seed_text_as("宁波市某某局")
            .replace("110.00", "120.00")
            .as_bytes(),
    );
    let d = wd.write("in/d/first.txt", seed_text_as("宁波市某某局").as_bytes());
    set_mtime(&c, 5);
    set_mtime(&d, 7200);

    wd.run_expect(&["consolidate", "in", "-o", "s.xlsx", "-q"], 1);
    let report = wd.report("s.json");
    assert_eq!(report["totals"]["departments"], 2);
    assert_eq!(report["totals"]["projects"], 22);
    let inputs = report["inputs"].as_array().expect("inputs");
    let superseded: Vec<(&str, &str)> = inputs
        .iter()
        .filter(|i| !i["superseded_by"].is_null())
        .map(|i| {
            (
                i["path"].as_str().expect("p"),
                i["superseded_by"].as_str().expect("s"),
            )
        })
        .collect();
    assert_eq!(
        superseded,
        [
            ("in/b/seed.txt", "in/a/seed.txt"),
            ("in/d/first.txt", "in/c/revised.txt")
        ]
    );
    let files: Vec<&str> = report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .map(|d| d["file"].as_str().expect("file"))
        .collect();
    assert_eq!(files, ["in/a/seed.txt", "in/c/revised.txt"]);
    let by_code = |code: &str| -> Vec<Value> {
        report["findings"]
            .as_array()
            .expect("f")
            .iter()
            .filter(|f| f["code"] == code)
            .cloned()
            .collect()
    };
    assert_eq!(by_code("duplicate_file").len(), 1);
    assert_eq!(by_code("duplicate_file")[0]["file"], "in/b/seed.txt");
    assert_eq!(by_code("duplicate_department").len(), 1);
    assert_eq!(by_code("duplicate_department")[0]["file"], "in/d/first.txt");
    // The superseded copies' own findings are not repeated in 问题.
    assert_eq!(by_code("shifted_row").len(), 90);
    assert!(
        by_code("shifted_row")
            .iter()
            .all(|f| f["file"] == "in/a/seed.txt" || f["file"] == "in/c/revised.txt")
    );
    // 合计 has one row per counted department, and the budgets are not doubled.
    let book = read_workbook(&wd.path("s.xlsx"));
    let totals = sheet(&book, "合计");
    assert_eq!(totals.len(), 5, "two departments, 总计, what is not split");
    assert_eq!(number(&totals[3][2]), 1119.5 + 1129.5);
}
