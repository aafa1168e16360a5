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
