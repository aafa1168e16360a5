//! Unattended runs: bad files become findings, the rest is consolidated, outputs are replaced
//! only when complete, and the exit code tells the scheduler what happened.

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use common::*;
use serde_json::Value;

/// A password-protected xlsx as Excel writes it: an OLE compound file holding the encrypted
/// package, not a zip.
fn encrypted_xlsx() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    for (name, bytes) in [
        ("/EncryptionInfo", &b"\x04\x00\x04\x00"[..]),
        ("/EncryptedPackage", &[7u8; 4096][..]),
    ] {
        let mut stream = file.create_stream(name).expect("stream");
        stream.write_all(bytes).expect("write stream");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

/// A zip whose one entry expands from a few kilobytes to 17 MB of zeros.
fn zip_bomb() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("entry");
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..17 {
        zip.write_all(&zeros).expect("zeros");
    }
    zip.finish().expect("finish").into_inner()
}

fn statuses(report: &Value) -> BTreeMap<String, (String, String)> {
    report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("path").to_string(),
                (
                    i["status"].as_str().expect("status").to_string(),
                    i["reason"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_bad_kind_is_listed_and_every_good_file_is_consolidated() {
    let wd = Workdir::new();
    let grid = text_grid(&seed_text_as("宁波市某某局"));
    let good_xlsx = seed_layout_xlsx(&grid, "Sheet1", &[]);
    wd.write("in/good/seed.txt", seed_text().as_bytes());
    wd.write("in/good/seed.xlsx", &good_xlsx);
    wd.write("in/bad/zero.xlsx", b"");
    wd.write("in/bad/truncated.xlsx", &good_xlsx[..good_xlsx.len() / 2]);
    wd.write("in/bad/corrupt.xlsx", b"PK\x03\x04 not a workbook at all");
    wd.write("in/bad/encrypted.xlsx", &encrypted_xlsx());
    wd.write("in/bad/bomb.xlsx", &zip_bomb());
    wd.write("in/bad/~$seed.xlsx", b"owner");
    wd.write("in/bad/.~lock.seed.xlsx#", b"owner");
    wd.write("in/bad/~WRL0001.tmp", b"temporary");
    std::fs::create_dir_all(wd.path("in/bad/folder.xlsx")).expect("dir");
    std::os::unix::fs::symlink("..", wd.path("in/bad/loop")).expect("symlink");
    std::fs::create_dir_all(wd.path("out")).expect("out");

    let out = wd.run_expect(&["consolidate", "in", "-o", "out/s.xlsx"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report = wd.report("out/s.json");
    let status = statuses(&report);
    let expect = |path: &str, want_status: &str, want_reason: &str| {
        let (s, r) = status
            .get(path)
            .unwrap_or_else(|| panic!("{path} not listed: {status:?}"));
        assert_eq!(s, want_status, "{path}: {r}");
        assert!(
            r.contains(want_reason),
            "{path}: {r:?} lacks {want_reason:?}"
        );
        assert!(stderr.contains(path), "no log line for {path}:\n{stderr}");
    };
    expect("in/bad/zero.xlsx", "failed", "zero-byte");
    expect("in/bad/truncated.xlsx", "failed", "not a readable xlsx");
    expect("in/bad/corrupt.xlsx", "failed", "not a readable xlsx");
    expect("in/bad/encrypted.xlsx", "failed", "password-protected");
    expect("in/bad/bomb.xlsx", "failed", "zip bomb");
    expect("in/bad/~$seed.xlsx", "skipped", "lock");
    expect("in/bad/.~lock.seed.xlsx#", "skipped", "lock");
    expect(
        "in/bad/folder.xlsx",
        "skipped",
        "directory named like a workbook",
    );
    expect("in/bad/loop", "skipped", "symlink loop");
    expect("in/bad/~WRL0001.tmp", "skipped", "temporary");
    assert_eq!(status["in/good/seed.txt"].0, "ok");
    assert_eq!(status["in/good/seed.xlsx"].0, "ok");

    // Both good copies are there in full.
    assert_eq!(report["totals"]["projects"], 22);
    assert_eq!(report["totals"]["indicators"], 300);
    assert_eq!(report["totals"]["files_failed"], 5);
    let failed_findings = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "read_failed")
        .count();
    assert_eq!(failed_findings, 5);

    // Nothing left behind but the outputs.
    let mut left: Vec<String> = std::fs::read_dir(wd.path("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["s.json", "s.xlsx"]);

    // The exit code follows --fail-on.
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "out/s.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    wd.run_expect(
        &[
            "consolidate",
            "in/good/seed.txt",
            "-o",
            "out/s.xlsx",
            "-q",
            "--fail-on",
            "warning",
        ],
        1,
    );
}

#[test]
fn a_stray_cell_at_the_last_cell_of_the_sheet_is_harmless() {
    let wd = Workdir::new();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let rows: [&[&str]; 3] = [
        &[
            "序号",
            "项目名称",
            "预算金额(万元)",
            "指标名称",
            "运算符",
            "年度目标值",
            "单位",
        ],
        &["1", "办公设备购置", "12.5", "采购台数", "≥", "10", "台"],
        &["", "", "", "验收合格率", "=", "100", "%"],
    ];
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("stray cell");
    wd.write("stray.xlsx", &workbook.save_to_buffer().expect("save"));
    wd.run_expect(&["consolidate", "stray.xlsx", "-o", "s.xlsx", "-q"], 0);
    let report = wd.report("s.json");
    assert_eq!(report["totals"]["projects"], 1);
    assert_eq!(report["totals"]["indicators"], 2);
    assert_eq!(report["departments"][0]["projects"][0]["budget_wan"], 12.5);
}

#[test]
fn a_sheet_over_the_cell_cap_is_refused_with_a_reason() {
    let wd = Workdir::new();
    let grid = text_grid(&seed_text());
    wd.write("dept.xlsx", &seed_layout_xlsx(&grid, "Sheet1", &[]));
    wd.run_expect(
        &[
            "consolidate",
            "dept.xlsx",
            "-o",
            "s.xlsx",
            "-q",
            "--max-cells",
            "100",
        ],
        1,
    );
    let report = wd.report("s.json");
    let (status, reason) = &statuses(&report)["dept.xlsx"];
    assert_eq!(status, "failed");
    assert!(reason.contains("cell"), "{reason}");
    let finding = &report["findings"][0];
    assert_eq!(
        (finding["code"].as_str(), finding["sheet"].as_str()),
        (Some("sheet_too_large"), Some("Sheet1"))
    );
    assert_eq!(report["inputs"][0]["sheets"][0]["status"], "too_large");
}

#[test]
fn a_file_over_the_size_cap_is_refused_with_a_reason() {
    let wd = Workdir::new();
    // The seed, padded past 1 MB (the smallest cap: 0 is refused as an argument).
    let mut text = seed_text();
    text.push_str(&"\n".repeat(1024 * 1024));
    wd.write("dept.txt", text.as_bytes());
    wd.run_expect(
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "-q",
            "--max-file-mb",
            "1",
        ],
        1,
    );
    let report = wd.report("s.json");
    let (status, reason) = &statuses(&report)["dept.txt"];
    assert_eq!(status, "failed");
    assert!(reason.contains("too large"), "{reason}");
    wd.run_expect(
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--max-file-mb",
            "0",
        ],
        2,
    );
}

#[test]
fn a_failed_run_leaves_the_previous_summary_and_report_intact() {
    let wd = Workdir::new();
    wd.write("a/dept.txt", seed_text().as_bytes());
    wd.run_expect(&["consolidate", "a", "-o", "s.xlsx", "-q"], 1);
    let before = std::fs::read(wd.path("s.xlsx")).expect("summary");
    let report_before = std::fs::read(wd.path("s.json")).expect("report");

    // Another input, but the report cannot be written: neither output may change.
    wd.write(
        "b/c.csv",
        "序号,项目名称,预算金额(万元),指标名称,运算符,年度目标值,单位\n1,办公费,3,满意度,≥,90,%\n"
            .as_bytes(),
    );
    let out = wd.run_expect(
        &[
            "consolidate",
            "b",
            "-o",
            "s.xlsx",
            "--report",
            "missing/dir/r.json",
            "-q",
        ],
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing/dir/r.json"));
    assert_eq!(std::fs::read(wd.path("s.xlsx")).expect("summary"), before);
    assert_eq!(
        std::fs::read(wd.path("s.json")).expect("report"),
        report_before
    );

    // The target is a directory: refused with exit 2, nothing written.
    std::fs::create_dir_all(wd.path("taken.xlsx")).expect("dir");
    wd.run_expect(&["consolidate", "b", "-o", "taken.xlsx", "-q"], 2);
    let temps = std::fs::read_dir(wd.root())
        .expect("root")
        .filter(|e| {
            e.as_ref()
                .map(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .unwrap_or(false)
        })
        .count();
    assert_eq!(temps, 0, "temporary files left behind");
}

#[test]
fn runs_that_cannot_be_done_exit_2() {
    let wd = Workdir::new();
    let out = wd.run_expect(&["consolidate", "nothing-here", "-o", "s.xlsx"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
    wd.write("dept.txt", seed_text().as_bytes());
    let out = wd.run_expect(
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--rules",
            "no-rules.toml",
        ],
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-rules.toml"));
    wd.run_expect(&["consolidate", "dept.txt"], 2);
    assert!(!wd.path("s.xlsx").exists());
    // Outputs into a directory that is not there: said before any input is read.
    for args in [
        &["consolidate", "dept.txt", "-o", "gone/s.xlsx"][..],
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--report",
            "gone/r.json",
        ][..],
    ] {
        let out = wd.run_expect(args, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no such directory") && stderr.contains("gone"),
            "{stderr}"
        );
    }
    assert!(!wd.path("s.xlsx").exists());
}

#[test]
fn json_logs_are_one_object_per_line() {
    let wd = Workdir::new();
    wd.write("in/dept.txt", seed_text().as_bytes());
    wd.write("in/zero.xlsx", b"");
    let out = wd.run_expect(
        &["consolidate", "in", "-o", "s.xlsx", "--log-format", "json"],
        1,
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["event"], "input");
    assert_eq!(lines[0]["path"], "in/zero.xlsx");
    assert_eq!(lines[0]["status"], "failed");
    assert_eq!(lines[1]["event"], "summary");
    assert_eq!(lines[1]["exit_code"], 1);
    assert_eq!(lines[1]["totals"]["projects"], 11);
}

/// The seed's first project as rows of text, for the hostile workbooks below to carry.
fn small_table() -> Vec<Vec<String>> {
    rows(
        "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n1\t办公设备购置\t12.5\t采购台数\t≥\t10\t台",
    )
}

#[test]
fn workbooks_that_would_expand_beyond_the_cell_cap_are_refused_and_the_run_goes_on() {
    let wd = Workdir::new();
    wd.write("in/good.txt", seed_text().as_bytes());
    // xls: two cells, A1 and IV65536; calamine would build the 16.7-million-cell box between.
    let far = FxSheet::from_rows("大表", &small_table()).set(65_535, 255, FxCell::Text("x".into()));
    wd.write("in/far.xls", &xls_workbook(&[far]));
    // ods: one value repeated over 16,384 columns of 1,000 repeated rows, in 1 KB of XML.
    wd.write(
        "in/repeat.ods",
        &ods_from_body(
            r#"<table:table table:name="重复"><table:table-row table:number-rows-repeated="1000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row></table:table>"#,
        ),
    );
    // ods: a run of a billion spaces in one cell.
    wd.write(
        "in/spaces.ods",
        &ods_from_body(
            r#"<table:table table:name="空格"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
        ),
    );
    wd.run_expect(&["consolidate", "in", "-o", "s.xlsx", "-q"], 1);
    let report = wd.report("s.json");
    let status = statuses(&report);
    for (path, sheet, what) in [
        ("in/far.xls", "大表", "16777216 cells"),
        ("in/repeat.ods", "重复", "16384000 cells"),
        ("in/spaces.ods", "空格", "too large"),
    ] {
        let (s, reason) = &status[path];
        assert_eq!(s, "failed", "{path}: {reason}");
        assert!(
            reason.contains(sheet) && reason.contains(what),
            "{path}: {reason}"
        );
    }
    assert_eq!(status["in/good.txt"].0, "ok");
    assert_eq!(report["totals"]["projects"], 11);
}

#[test]
fn an_xlsb_with_a_cell_at_the_last_cell_of_the_sheet_is_streamed() {
    let wd = Workdir::new();
    // calamine's dense range would ask for 17 billion cells and abort the process.
    let sheet = FxSheet::from_rows("Sheet1", &small_table()).set(
        1_048_575,
        16_383,
        FxCell::Text("x".into()),
    );
    wd.write("stray.xlsb", &xlsb_workbook(&[sheet]));
    wd.run_expect(&["consolidate", "stray.xlsb", "-o", "s.xlsx", "-q"], 0);
    let report = wd.report("s.json");
    assert_eq!(report["totals"]["projects"], 1);
    assert_eq!(report["departments"][0]["projects"][0]["budget_wan"], 12.5);

    // Under a small cap the same sheet is refused by name, with a reason.
    wd.run_expect(
        &[
            "consolidate",
            "stray.xlsb",
            "-o",
            "s.xlsx",
            "-q",
            "--max-cells",
            "100000",
        ],
        1,
    );
    let report = wd.report("s.json");
    let finding = &report["findings"][0];
    assert_eq!(
        (finding["code"].as_str(), finding["sheet"].as_str()),
        (Some("sheet_too_large"), Some("Sheet1"))
    );
}

#[test]
fn text_and_html_sheets_count_against_the_cell_cap() {
    let wd = Workdir::new();
    wd.write("in/dept.txt", seed_text().as_bytes());
    let table: String = text_grid(&seed_text())
        .iter()
        .map(|r| format!("<tr><td>{}</td></tr>", r.join("</td><td>")))
        .collect();
    wd.write(
        "in/page.xls",
        format!("<html><table>{table}</table></html>").as_bytes(),
    );
    // Ten cells merged a thousand by a thousand: a 300-byte page asking for ten million cells.
    let spans = "<td rowspan=1000 colspan=1000>x</td>".repeat(10);
    wd.write(
        "in/spans.html.xls",
        format!("<html><table><tr>{spans}</tr></table></html>").as_bytes(),
    );
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--max-cells",
            "200",
        ],
        1,
    );
    let report = wd.report("s.json");
    let status = statuses(&report);
    for path in ["in/dept.txt", "in/page.xls", "in/spans.html.xls"] {
        assert_eq!(status[path].0, "failed", "{path}: {:?}", status[path]);
        assert!(status[path].1.contains("cells"), "{:?}", status[path]);
    }
    let too_large = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "sheet_too_large")
        .count();
    assert_eq!(too_large, 3);
    // At the default cap the real tables are read and the span bomb is still refused.
    wd.run_expect(&["consolidate", "in", "-o", "s.xlsx", "-q"], 1);
    let status = statuses(&wd.report("s.json"));
    // Both hold the seed's department: one is summarized, the other is a copy not counted,
    // skipped with a reason naming the one summarized.
    let (text, page) = (&status["in/dept.txt"], &status["in/page.xls"]);
    match (text.0.as_str(), page.0.as_str()) {
        ("ok", "skipped") => assert!(page.1.contains("in/dept.txt"), "{page:?}"),
        ("skipped", "ok") => assert!(text.1.contains("in/page.xls"), "{text:?}"),
        other => panic!("one read, one skipped as a copy: {other:?}"),
    }
    assert_eq!(status["in/spans.html.xls"].0, "failed");
}

#[test]
fn damaged_xls_files_fail_with_a_reason() {
    let wd = Workdir::new();
    let good = xls_workbook(&[FxSheet::from_rows("Sheet1", &small_table())]);
    wd.write("in/good.xls", &good);
    wd.write("in/half.xls", &good[..good.len() / 2]);
    let mut garbage = good.clone();
    for b in garbage.iter_mut().skip(512).step_by(7) {
        *b ^= 0x5A;
    }
    wd.write("in/garbage.xls", &garbage);
    let out = wd.run(&["consolidate", "in", "-o", "s.xlsx", "-q"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let status = statuses(&wd.report("s.json"));
    assert_eq!(status["in/good.xls"].0, "ok");
    assert_eq!(status["in/half.xls"].0, "failed");
    assert!(status["in/half.xls"].1.contains("xls"), "{:?}", status);
    assert_ne!(status["in/garbage.xls"].1, "", "{status:?}");
}
