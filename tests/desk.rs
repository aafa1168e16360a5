//! At a clerk's desk (issue 17): the date a summary is made on, what the command line says
//! about a run, the template that is filled in, and the summary that prints, pivots and shows.

mod common;

use common::*;

/// The text of a zip entry of a written file.
fn entry(path: &std::path::Path, name: &str) -> String {
    use std::io::Read;
    let file = std::fs::File::open(path).expect("open workbook");
    let mut zip = zip::ZipArchive::new(file).expect("workbook is a zip");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the workbook"))
        .read_to_string(&mut text)
        .expect("entry is text");
    text
}

/// The value beside a label in the first two columns of 说明.
fn readme_value(book: &[(String, Vec<Vec<calamine::Data>>)], label: &str) -> String {
    sheet(book, "说明")
        .iter()
        .find(|r| r.first().map(text).as_deref() == Some(label))
        .and_then(|r| r.get(1).map(text))
        .unwrap_or_else(|| panic!("说明 has no row {label}"))
}

#[test]
fn the_date_given_is_in_readme_and_properties_and_none_keeps_reruns_identical() {
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "dated.xlsx",
            "--date",
            "2024-12-31",
        ],
        1,
    );
    let book = read_workbook(&wd.path("dated.xlsx"));
    assert_eq!(readme_value(&book, "生成日期"), "2024-12-31");
    let core = entry(&wd.path("dated.xlsx"), "docProps/core.xml");
    assert!(core.contains("2024-12-31T00:00:00Z"), "{core}");

    // SOURCE_DATE_EPOCH, as reproducible builds set it: 1735603200 is 2024-12-31 UTC.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["consolidate", "in", "-o", "epoch.xlsx"])
        .env("SOURCE_DATE_EPOCH", "1735603200")
        .current_dir(wd.root())
        .output()
        .expect("run jixiao");
    assert_eq!(out.status.code(), Some(1));
    let book = read_workbook(&wd.path("epoch.xlsx"));
    assert_eq!(readme_value(&book, "生成日期"), "2024-12-31");

    // Without either: no date, said so, and two runs are byte-identical.
    wd.run_expect(&["consolidate", "in", "-o", "one.xlsx"], 1);
    wd.run_expect(&["consolidate", "in", "-o", "two.xlsx"], 1);
    let one = std::fs::read(wd.path("one.xlsx")).expect("one");
    let two = std::fs::read(wd.path("two.xlsx")).expect("two");
    assert!(one == two, "reruns without a date differ");
    let book = read_workbook(&wd.path("one.xlsx"));
    assert!(readme_value(&book, "生成日期").starts_with("未给出"));
    assert!(!entry(&wd.path("one.xlsx"), "docProps/core.xml").contains("2024-12-31"));

    // Dates that are no dates are refused before anything is read.
    for bad in ["2024-02-30", "31.12.2024", "2024-13-01"] {
        let out = wd.run_expect(&["consolidate", "in", "-o", "bad.xlsx", "--date", bad], 2);
        assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["consolidate", "in", "-o", "bad.xlsx"])
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .current_dir(wd.root())
        .output()
        .expect("run jixiao");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
    assert!(!wd.path("bad.xlsx").exists());
}

#[test]
fn a_run_that_exits_1_says_why() {
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    let out = wd.run_expect(&["consolidate", "in", "-o", "s.xlsx"], 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("退出码 1: 存在错误级问题 (--fail-on error)"),
        "{err}"
    );
    let out = wd.run_expect(
        &["consolidate", "in", "-o", "s.xlsx", "--fail-on", "warning"],
        1,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("退出码 1: 存在警告或错误级问题 (--fail-on warning)"),
        "{err}"
    );
    // Exit 0 says nothing of the kind.
    let out = wd.run_expect(
        &["consolidate", "in", "-o", "s.xlsx", "--fail-on", "never"],
        0,
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("退出码"));
    // The JSON log line carries the same words.
    let out = wd.run_expect(
        &["consolidate", "in", "-o", "s.xlsx", "--log-format", "json"],
        1,
    );
    let last = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .map(str::to_string)
        .expect("a summary line");
    let line: serde_json::Value = serde_json::from_str(&last).expect("JSON line");
    assert_eq!(line["exit_code"], 1);
    assert!(
        line["exit_meaning"]
            .as_str()
            .is_some_and(|m| m.contains("--fail-on error"))
    );
    // check says it too.
    let out = wd.run_expect(&["check", "in"], 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("退出码 1"));
}

#[test]
fn check_colours_severities_only_when_asked_or_on_a_terminal() {
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    let always = wd.run_expect(&["check", "in", "--color", "always"], 1);
    let always = String::from_utf8_lossy(&always.stdout);
    assert!(always.contains("\x1b[1;31m错误"), "{always}");
    assert!(always.contains("\x1b[33m警告"), "{always}");
    // Not a terminal (a pipe, here): no colour by default, nor when told never.
    for args in [
        &["check", "in"][..],
        &["check", "in", "--color", "never"][..],
    ] {
        let out = wd.run_expect(args, 1);
        let out = String::from_utf8_lossy(&out.stdout);
        assert!(!out.contains('\x1b'), "{out}");
        assert!(out.contains("错误"));
    }
}

#[test]
fn help_is_in_chinese_with_option_names_and_completions_and_man_page_print() {
    let wd = Workdir::new();
    let help = wd.run_expect(&["--help"], 0);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("用法 (Usage)") && help.contains("命令 (Commands)"),
        "{help}"
    );
    let help = wd.run_expect(&["consolidate", "--help"], 0);
    let help = String::from_utf8_lossy(&help.stdout);
    for want in [
        "用法 (Usage)",
        "选项 (Options)",
        "--output",
        "--date",
        "汇总表",
    ] {
        assert!(help.contains(want), "{want} not in\n{help}");
    }
    let bash = wd.run_expect(&["completions", "bash"], 0);
    let bash = String::from_utf8_lossy(&bash.stdout);
    assert!(
        bash.contains("_jixiao()") && bash.contains("--fail-on"),
        "{bash}"
    );
    let fish = wd.run_expect(&["completions", "fish"], 0);
    assert!(String::from_utf8_lossy(&fish.stdout).contains("complete -c jixiao"));
    let man = wd.run_expect(&["man"], 0);
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(
        man.contains(".TH jixiao 1") && man.contains("consolidate"),
        "{man}"
    );
    wd.run_expect(&["completions", "cmd.exe"], 2);
}

#[test]
fn the_summary_has_tables_over_every_row_and_charts_beside_their_data() {
    let wd = Workdir::new();
    wd.write("in/seed.txt", seed_text().as_bytes());
    // A department that gives no 本级/转移 split: blank in 合计, not 0.00.
    wd.write(
        "in/市某局_2025.txt",
        "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n1\t办公费\t10\t培训人次\t≥\t30\t人次\n2\t印刷费\t5\t印刷册数\t≥\t100\t册\n"
            .as_bytes(),
    );
    wd.run_expect(&["consolidate", "in", "-o", "s.xlsx", "-q"], 1);
    let path = wd.path("s.xlsx");
    let book = read_workbook(&path);
    let report = wd.report("s.json");
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["汇总", "指标", "合计", "图表", "问题", "说明"]);

    // 汇总, 指标 and 问题 are Excel Tables over exactly their rows.
    let rows = |name: &str| sheet(&book, name).len();
    for (n, (table, sheet_name, last_col)) in [
        ("Projects", "汇总", jixiao::sheets::ProjectColumn::ALL.len()),
        (
            "Indicators",
            "指标",
            jixiao::sheets::IndicatorColumn::ALL.len(),
        ),
        ("Findings", "问题", jixiao::sheets::FindingColumn::ALL.len()),
    ]
    .into_iter()
    .enumerate()
    {
        let xml = entry(&path, &format!("xl/tables/table{}.xml", n + 1));
        let range = format!(
            "A1:{}{}",
            (b'A' + last_col as u8 - 1) as char,
            rows(sheet_name)
        );
        assert!(xml.contains(&format!(r#"name="{table}""#)), "{xml}");
        assert!(
            xml.contains(&format!(r#"ref="{range}""#)),
            "{table} {range}: {xml}"
        );
        assert!(xml.contains(&format!(r#"<autoFilter ref="{range}"/>"#)));
    }
    assert!(rows("指标") > 100, "the seed's indicators");

    // 年度: from the seed's footnote, from the other's file name; the report says where.
    let year = jixiao::sheets::ProjectColumn::Year.index() as usize;
    let years: Vec<f64> = sheet(&book, "汇总")[1..]
        .iter()
        .map(|r| number(&r[year]))
        .collect();
    assert!(
        years.contains(&2024.0) && years.contains(&2025.0),
        "{years:?}"
    );
    let sources: Vec<&str> = report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .map(|d| d["year_source"]["from"].as_str().expect("from"))
        .collect();
    assert_eq!(sources, ["footnote", "file_name"]);

    // 合计: the department without a split has blank 本级/转移; the row under 总计 holds its
    // budget, so that the parts add up.
    use jixiao::sheets::TotalColumn as T;
    let totals = sheet(&book, "合计");
    let other = totals
        .iter()
        .find(|r| text(&r[0]) == "市某局_2025")
        .expect("the department named after its file");
    assert_eq!(text(&other[T::Own.index() as usize]), "");
    assert_eq!(text(&other[T::Transfer.index() as usize]), "");
    assert_eq!(number(&other[T::Year.index() as usize]), 2025.0);
    let unsplit = totals
        .iter()
        .find(|r| text(&r[0]) == jixiao::sheets::UNSPLIT_LABEL)
        .expect("the unsplit row");
    assert_eq!(number(&unsplit[T::Budget.index() as usize]), 15.0);

    // 图表: two charts, drawn from the tables on the sheet.
    let drawing_rels = (1..=4)
        .map(|n| format!("xl/drawings/_rels/drawing{n}.xml.rels"))
        .find(|name| {
            let file = std::fs::File::open(&path).expect("open");
            zip::ZipArchive::new(file)
                .expect("zip")
                .by_name(name)
                .is_ok()
        })
        .expect("a drawing");
    let rels = entry(&path, &drawing_rels);
    assert_eq!(
        rels.matches("Target=\"../charts/chart").count(),
        2,
        "{rels}"
    );
    let chart = entry(&path, "xl/charts/chart1.xml");
    assert!(chart.contains("<c:barChart>"), "a bar chart");
    assert!(
        chart.contains("'图表'!$B$3:$B$4") || chart.contains("图表!$B$3:$B$4"),
        "{chart}"
    );
    let charts = sheet(&book, "图表");
    assert_eq!(
        text(&charts[2][0]),
        "宁波市人民代表大会常务委员会办公厅",
        "largest first"
    );
    assert_eq!(number(&charts[2][1]), 1119.5);
    assert_eq!(text(&charts[3][0]), "市某局_2025");
    let kinds: Vec<String> = charts[2..].iter().map(|r| text(&r[4])).collect();
    assert!(kinds.contains(&"shifted_row".to_string()), "{kinds:?}");
    let shifted = charts[2..]
        .iter()
        .find(|r| text(&r[4]) == "shifted_row")
        .expect("shifted_row");
    assert_eq!(text(&shifted[3]), "指标行错位");
    assert_eq!(number(&shifted[5]), 45.0);

    // The workbook's default font, and its formats', is 宋体 (rust_xlsxwriter also registers
    // an unused plain format of its own).
    let styles = entry(&path, "xl/styles.xml");
    let fonts = styles.split("<fonts").nth(1).expect("fonts");
    let first = fonts.split("</font>").next().expect("a font");
    assert!(first.contains(r#"<name val="宋体"/>"#), "{first}");
    assert!(fonts.matches(r#"<name val="宋体"/>"#).count() >= 6);
}
