//! Issue 16's reproductions: unattended on a shared drive, no file stops the run, outputs never
//! touch inputs, and colleagues can open what it writes. Each test runs the real binary and
//! checks that the run ends with exit 0 or 1, both outputs and a status for every input — or,
//! where the run cannot be done, exit 2 before anything is read and the previous outputs intact.

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn statuses(report: &Value) -> BTreeMap<String, (String, String, String)> {
    report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("path").to_string(),
                (
                    i["status"].as_str().unwrap_or("").to_string(),
                    i["code"].as_str().unwrap_or("").to_string(),
                    i["reason"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect()
}

/// A completed run: exit 0 or 1, both outputs there; returns the report.
fn completed(wd: &Workdir, args: &[&str]) -> Value {
    let out = wd.run(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let o = args
        .iter()
        .position(|a| *a == "-o")
        .map(|i| args[i + 1])
        .expect("-o");
    let summary = wd.path(o);
    assert!(std::fs::metadata(&summary).is_ok_and(|m| m.len() > 0));
    wd.report(&o.replace(".xlsx", ".json"))
}

fn small_table() -> Vec<Vec<String>> {
    rows(
        "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n1\t办公设备购置\t12.5\t采购台数\t≥\t10\t台\n\t\t\t使用人员满意度\t≥\t95\t%",
    )
}

fn xlsx_of(table: &[Vec<String>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in table.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, v).expect("cell");
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

/// The archive with one entry's text edited.
fn edit_zip(bytes: &[u8], entry: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).expect("entry");
        let name = e.name().expect("name").into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).expect("read");
        if name == entry {
            data = edit(String::from_utf8(data).expect("utf-8")).into_bytes();
        }
        out.start_file(name, options).expect("start");
        out.write_all(&data).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

#[test]
fn files_that_aborted_or_hung_the_run_are_failed_and_the_run_goes_on() {
    let wd = Workdir::new();
    wd.write("in/good.txt", seed_text().as_bytes());
    // 7 KB, declaring 4,294,967,295 shared strings: calamine would reserve 100 GB and abort.
    let sst = edit_zip(&xlsx_of(&small_table()), "xl/sharedStrings.xml", |x| {
        let at = x.find("uniqueCount=\"").expect("uniqueCount") + 13;
        let end = at + x[at..].find('"').expect("end");
        format!("{}4294967295{}", &x[..at], &x[end..])
    });
    assert!(sst.len() < 16 * 1024);
    wd.write("in/sst.xlsx", &sst);
    // An ods whose content.xml lacks its closing </table:table>: calamine loops for ever.
    let ods = ods_workbook(&[FxSheet::from_rows("表", &small_table())]);
    let ods = edit_zip(&ods, "content.xml", |x| x.replacen("</table:table>", "", 1));
    wd.write("in/unclosed.ods", &ods);
    // xls records calamine indexes past their end: a 3-byte BoundSheet8, a MergeCells that
    // counts more blocks than it holds.
    let xls = xls_workbook(&[FxSheet::from_rows("Sheet1", &small_table()).merge(1, 0, 2, 0)]);
    wd.write(
        "in/boundsheet.xls",
        &patch_record(&xls, 0x0085, |d| d.truncate(3)),
    );
    wd.write(
        "in/merges.xls",
        &patch_record(&xls, 0x00E5, |d| {
            d[0..2].copy_from_slice(&900u16.to_le_bytes())
        }),
    );
    let started = Instant::now();
    let report = completed(&wd, &["consolidate", "in", "-o", "s.xlsx", "-q"]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    let status = statuses(&report);
    assert_eq!(status.len(), 5, "{status:?}");
    for (path, what) in [
        ("in/sst.xlsx", "4294967295 shared strings"),
        ("in/unclosed.ods", "content.xml is damaged"),
        ("in/boundsheet.xls", "BoundSheet8"),
        ("in/merges.xls", "MergeCells"),
    ] {
        let (s, code, reason) = &status[path];
        // A check kept the library from failing: read_failed with the reason, not a crash.
        assert_eq!(
            (s.as_str(), code.as_str()),
            ("failed", "read_failed"),
            "{path}: {reason}"
        );
        assert!(reason.contains(what), "{path}: {reason}");
    }
    assert_eq!(status["in/good.txt"].0, "ok");
    assert_eq!(report["totals"]["projects"], 11);
}

/// An xls with the data of its first record of type `typ` edited (its length follows).
fn patch_record(xls: &[u8], typ: u16, edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut file = cfb::CompoundFile::open(Cursor::new(xls)).expect("cfb");
    let mut stream = Vec::new();
    file.open_stream("/Workbook")
        .expect("stream")
        .read_to_end(&mut stream)
        .expect("read");
    let mut records = Vec::new();
    let mut at = 0;
    while at + 4 <= stream.len() {
        let t = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        records.push((t, stream[at + 4..at + 4 + len].to_vec()));
        at += 4 + len;
    }
    let (_, data) = records.iter_mut().find(|r| r.0 == typ).expect("record");
    edit(data);
    // BoundSheet8 offsets point into the stream: shift them by what the edit changed.
    let before: usize = records.iter().map(|r| 4 + r.1.len()).sum();
    let delta = before as i64 - stream.len() as i64;
    let mut out = Vec::new();
    for (t, data) in &mut records {
        if *t == 0x0085 && data.len() >= 4 && typ != 0x0085 {
            let pos = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as i64 + delta;
            data[..4].copy_from_slice(&(pos as u32).to_le_bytes());
        }
        out.extend(t.to_le_bytes());
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data.iter());
    }
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    file.create_stream("/Workbook")
        .expect("stream")
        .write_all(&out)
        .expect("write");
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

#[test]
fn the_cell_cap_holds_for_a_workbook_listing_one_part_many_times() {
    let wd = Workdir::new();
    // A sheet of 2,000 cells, listed 40 times by workbook.xml.
    let table: Vec<Vec<String>> = small_table()
        .into_iter()
        .chain((0..300).map(|r| (0..7).map(|c| format!("{r}-{c}")).collect()))
        .collect();
    let one = xlsx_of(&table);
    let many = edit_zip(&one, "xl/workbook.xml", |x| {
        let at = x.find("<sheet ").expect("sheet");
        let end = at + x[at..].find("/>").expect("end") + 2;
        let sheets: String = (1..=40)
            .map(|n| {
                x[at..end]
                    .replace("Sheet1", &format!("S{n}"))
                    .replace("sheetId=\"1\"", &format!("sheetId=\"{n}\""))
            })
            .collect();
        format!("{}{sheets}{}", &x[..at], &x[end..])
    });
    wd.write("forty.xlsx", &many);
    let report = completed(
        &wd,
        &[
            "consolidate",
            "forty.xlsx",
            "-o",
            "s.xlsx",
            "-q",
            "--max-cells",
            "5000",
        ],
    );
    let sheets = report["inputs"][0]["sheets"].as_array().expect("sheets");
    assert_eq!(sheets.len(), 40);
    let too_large = sheets.iter().filter(|s| s["status"] == "too_large").count();
    // 5,000 cells hold two of the 2,100-cell sheets; the other 38 are not read.
    assert_eq!(too_large, 38, "{sheets:?}");
    let reasons: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "sheet_too_large")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        reasons.iter().all(|r| r.contains("sheets together")),
        "{reasons:?}"
    );
}

#[test]
fn repetitive_findings_are_capped_per_file_and_code() {
    let wd = Workdir::new();
    let mut text = seed_text();
    for n in 0..40 {
        text.push_str(&format!("注:第{n}条说明\n"));
    }
    wd.write("in/notes.txt", text.as_bytes());
    wd.write("in/other.txt", seed_text_as("宁波市某某局").as_bytes());
    let rules = jixiao::rules::DEFAULT_RULES
        .replace("max_per_file_and_code = 1000", "max_per_file_and_code = 5");
    wd.write("rules.toml", rules.as_bytes());
    let report = completed(
        &wd,
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--rules",
            "rules.toml",
        ],
    );
    let findings = report["findings"].as_array().expect("findings");
    let notes: Vec<&Value> = findings
        .iter()
        .filter(|f| f["code"] == "note_row" && f["file"] == "in/notes.txt")
        .collect();
    // Five listed, then one saying how many more.
    assert_eq!(notes.len(), 6, "{notes:?}");
    let more = notes[5]["message"].as_str().expect("message");
    let n: u64 = more
        .split("and ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .expect("how many more");
    // The 40 added note rows (and the seed's own), less the five listed.
    assert!(n >= 34, "{more}");
    let omitted = report["totals"]["findings_omitted"]
        .as_u64()
        .expect("omitted");
    assert!(omitted >= n, "{omitted}");
    // The other file's findings are listed by its own allowance, not buried.
    let other = findings
        .iter()
        .filter(|f| f["file"] == "in/other.txt")
        .count();
    assert!(other > 10, "{other}");
    // A cap of 0 is no rules file.
    wd.write(
        "zero.toml",
        rules
            .replace("max_per_file_and_code = 5", "max_per_file_and_code = 0")
            .as_bytes(),
    );
    let out = wd.run_expect(
        &["consolidate", "in", "-o", "s.xlsx", "--rules", "zero.toml"],
        2,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_per_file_and_code"));
}

#[test]
fn bad_arguments_and_rules_files_are_refused_before_anything_is_read() {
    let wd = Workdir::new();
    wd.write("dept.txt", seed_text().as_bytes());
    for args in [
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--max-cells",
            "0",
        ][..],
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--file-timeout",
            "0",
        ][..],
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--rules",
            "/dev/zero",
        ][..],
        &["consolidate", "dept.txt", "-o", "s.xlsx", "--exclude", "[x"][..],
    ] {
        let started = Instant::now();
        wd.run_expect(args, 2);
        assert!(started.elapsed() < Duration::from_secs(20), "{args:?}");
    }
    // A FIFO as the rules file: refused at once, not waited on.
    let fifo = wd.path("rules.fifo");
    let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let started = Instant::now();
    let out = wd.run_expect(
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--rules",
            "rules.fifo",
        ],
        2,
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    assert!(!wd.path("s.xlsx").exists());
    // --jobs 100000 is capped, and the run completes.
    completed(
        &wd,
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "-q",
            "--jobs",
            "100000",
        ],
    );
    // Under --log-format json even a bad argument is a JSON line, with a level and a code.
    let out = wd.run_expect(
        &[
            "consolidate",
            "dept.txt",
            "-o",
            "s.xlsx",
            "--log-format",
            "json",
            "--max-cells",
            "0",
        ],
        2,
    );
    let line: Value = serde_json::from_slice(&out.stderr).expect("a JSON line");
    assert_eq!(
        (line["level"].as_str(), line["code"].as_str()),
        (Some("error"), Some("bad_arguments"))
    );
}

#[test]
fn outputs_that_would_overwrite_an_input_or_each_other_are_refused() {
    let wd = Workdir::new();
    let workbook = seed_layout_xlsx(&text_grid(&seed_text()), "Sheet1", &[]);
    wd.write("市教育局.xlsx", &workbook);
    let out = wd.run_expect(&["consolidate", "市教育局.xlsx", "-o", "市教育局.xlsx"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("would be overwritten"));
    assert_eq!(
        std::fs::read(wd.path("市教育局.xlsx")).expect("input"),
        workbook
    );
    // The report naming an input, under another name for it (a link).
    std::os::unix::fs::symlink("市教育局.xlsx", wd.path("alias.json")).expect("link");
    wd.run_expect(
        &[
            "consolidate",
            "市教育局.xlsx",
            "-o",
            "s.xlsx",
            "--report",
            "alias.json",
        ],
        2,
    );
    assert_eq!(
        std::fs::read(wd.path("市教育局.xlsx")).expect("input"),
        workbook
    );
    // -o x.json: the report would replace the summary.
    let out = wd.run_expect(&["consolidate", "市教育局.xlsx", "-o", "x.json"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("same file"));
    assert!(!wd.path("x.json").exists());
}

#[test]
fn a_summary_inside_the_input_folder_is_never_read_back() {
    let wd = Workdir::new();
    wd.write("share/a.txt", seed_text().as_bytes());
    let mut projects = Vec::new();
    for _ in 0..3 {
        let report = completed(
            &wd,
            &["consolidate", "share", "-o", "share/summary.xlsx", "-q"],
        );
        projects.push(report["totals"]["projects"].clone());
        let status = statuses(&report);
        if let Some((s, code, _)) = status.get("share/summary.xlsx") {
            assert_eq!((s.as_str(), code.as_str()), ("skipped", "own_output"));
        }
    }
    assert_eq!(projects, [11, 11, 11]);
    // Last month's summary, renamed, is still recognised by its mark.
    std::fs::copy(wd.path("share/summary.xlsx"), wd.path("share/2024-11.xlsx")).expect("copy");
    let report = completed(
        &wd,
        &["consolidate", "share", "-o", "share/summary.xlsx", "-q"],
    );
    assert_eq!(report["totals"]["projects"], 11);
    let (s, code, _) = &statuses(&report)["share/2024-11.xlsx"];
    assert_eq!((s.as_str(), code.as_str()), ("skipped", "own_output"));
}

#[test]
fn names_in_another_encoding_each_get_their_own_status() {
    use std::os::unix::ffi::OsStrExt;
    let wd = Workdir::new();
    std::fs::create_dir_all(wd.path("in")).expect("mkdir");
    let gbk: [&[u8]; 3] = [
        b"\xbd\xcc\xd3\xfd\xbe\xd6.txt",
        b"\xce\xc0\xc9\xfa\xbe\xd6.txt",
        b"\xc3\xf1\xd5\xfe\xbe\xd6.txt",
    ];
    for (n, name) in gbk.iter().enumerate() {
        let path = wd.path("in").join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, seed_text_as(&format!("宁波市第{n}局"))).expect("write");
    }
    let report = completed(&wd, &["consolidate", "in", "-o", "s.xlsx", "-q"]);
    let status = statuses(&report);
    assert_eq!(status.len(), 3, "{status:?}");
    assert!(status.values().all(|s| s.0 == "ok"), "{status:?}");
    assert_eq!(report["totals"]["projects"], 33);
}

#[test]
fn a_file_rewritten_in_place_while_read_is_never_taken_torn() {
    use sha2::{Digest, Sha256};
    let wd = Workdir::new();
    let a = seed_text_as("宁波市甲局");
    let b = seed_text_as("宁波市乙局");
    assert_eq!(a.len(), b.len());
    let hex = |s: &str| -> String {
        Sha256::digest(s.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let versions = [hex(&a), hex(&b)];
    let path = wd.write("in/dept.txt", a.as_bytes());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, a, b) = (stop.clone(), a.clone(), b.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let text = if n % 2 == 0 { &a } else { &b };
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open");
                for chunk in text.as_bytes().chunks(512) {
                    f.write_all(chunk).expect("write");
                }
                drop(f);
                std::thread::sleep(Duration::from_millis(if n % 7 == 0 { 300 } else { 2 }));
            }
        })
    };
    for _ in 0..12 {
        let report = completed(&wd, &["consolidate", "in", "-o", "s.xlsx", "-q"]);
        let input = &report["inputs"][0];
        match input["status"].as_str() {
            Some("ok") => {
                let sha = input["sha256"].as_str().expect("sha");
                assert!(versions.iter().any(|v| v == sha), "a torn read was taken");
                assert_eq!(report["totals"]["projects"], 11);
            }
            Some("failed") => {
                assert!(
                    input["reason"]
                        .as_str()
                        .unwrap_or("")
                        .contains("kept changing")
                )
            }
            other => panic!("{other:?}"),
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().expect("writer");
}

#[test]
fn documents_jixiao_does_not_read_are_listed_and_other_files_counted() {
    let wd = Workdir::new();
    let xls = xls_workbook(&[FxSheet::from_rows("Sheet1", &small_table())]);
    wd.write("in/预算.et", &xls);
    wd.write("in/wps自有格式.et", b"\x00\x01WPS private format");
    wd.write("in/说明.doc", b"\xd0\xcf\x11\xe0 not really");
    wd.write("in/扫描件.pdf", b"%PDF-1.4");
    wd.write("in/旧版.xlsx.bak", b"PK");
    wd.write("in/data.json", b"{}");
    let report = completed(&wd, &["consolidate", "in", "-o", "s.xlsx", "-q"]);
    let status = statuses(&report);
    assert_eq!(status["in/预算.et"].0, "ok", "{status:?}");
    for (path, what) in [
        ("in/wps自有格式.et", "WPS"),
        ("in/说明.doc", "Word"),
        ("in/扫描件.pdf", "PDF"),
        ("in/旧版.xlsx.bak", "备份"),
    ] {
        let (s, code, reason) = &status[path];
        assert_eq!(
            (s.as_str(), code.as_str()),
            ("skipped", "unsupported_format")
        );
        assert!(reason.contains(what), "{path}: {reason}");
    }
    assert_eq!(report["totals"]["files_other"], 1);
    assert_eq!(report["totals"]["projects"], 1);
}

#[test]
fn excluded_paths_are_listed_and_not_read() {
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    wd.write("in/归档/old.txt", seed_text_as("宁波市旧局").as_bytes());
    let report = completed(
        &wd,
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--exclude",
            "归档",
        ],
    );
    let status = statuses(&report);
    assert_eq!(status["in/归档"].1, "excluded");
    assert_eq!(report["totals"]["projects"], 11);
}

#[test]
fn outputs_are_readable_by_colleagues_tied_by_run_id_and_hash() {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    std::fs::create_dir_all(wd.path("out")).expect("out");
    // A temporary file a killed run left: removed by the next run on that target.
    wd.write("out/.~jixiao-s.xlsx-KILLED.tmp", b"half a summary");
    let report = completed(&wd, &["consolidate", "in", "-o", "out/s.xlsx", "-q"]);
    let mut left: Vec<String> = std::fs::read_dir(wd.path("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["s.json", "s.xlsx"]);
    // SAFETY: umask(2) only reads and restores this process's mask (the child inherits it).
    let umask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    } as u32;
    for name in ["out/s.xlsx", "out/s.json"] {
        let mode = std::fs::metadata(wd.path(name))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o666 & !umask, "{name}: {mode:o}");
    }
    // One run id in both; the report carries the summary's hash.
    let summary = std::fs::read(wd.path("out/s.xlsx")).expect("summary");
    let sha: String = Sha256::digest(&summary)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(report["summary"]["sha256"], sha.as_str());
    assert_eq!(report["report_version"], 1);
    let run_id = report["run_id"].as_str().expect("run_id");
    let mut archive = zip::ZipArchive::new(Cursor::new(&summary)).expect("zip");
    let mut custom = String::new();
    archive
        .by_name("docProps/custom.xml")
        .expect("custom properties")
        .read_to_string(&mut custom)
        .expect("read");
    assert!(custom.contains(run_id), "{custom}");
    // A replaced file keeps its mode.
    std::fs::set_permissions(
        wd.path("out/s.xlsx"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    completed(&wd, &["consolidate", "in", "-o", "out/s.xlsx", "-q"]);
    let mode = std::fs::metadata(wd.path("out/s.xlsx"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn a_second_run_on_the_same_target_waits_then_says_who_holds_it() {
    let wd = Workdir::new();
    wd.write("a.txt", seed_text().as_bytes());
    let lock = std::fs::File::create(wd.path(".~jixiao-s.xlsx.lock")).expect("lock");
    lock.try_lock().expect("locked");
    std::fs::write(wd.path(".~jixiao-s.xlsx.lock"), "pid 1 on elsewhere").expect("holder");
    let started = Instant::now();
    let out = wd.run_expect(
        &[
            "consolidate",
            "a.txt",
            "-o",
            "s.xlsx",
            "--lock-wait",
            "1",
            "--log-format",
            "json",
        ],
        2,
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    let line: Value = serde_json::from_slice(&out.stderr).expect("JSON");
    assert_eq!(line["code"], "locked");
    assert!(
        line["message"]
            .as_str()
            .unwrap_or("")
            .contains("pid 1 on elsewhere")
    );
    assert!(!wd.path("s.xlsx").exists());
    drop(lock);
    completed(&wd, &["consolidate", "a.txt", "-o", "s.xlsx", "-q"]);
}

#[test]
fn a_read_only_output_folder_is_said_before_any_input_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let wd = Workdir::new();
    wd.write("a.txt", seed_text().as_bytes());
    std::fs::create_dir_all(wd.path("ro")).expect("ro");
    std::fs::set_permissions(wd.path("ro"), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root writes anywhere: then there is nothing to show.
    let writable = std::fs::write(wd.path("ro/probe"), b"x").is_ok();
    if !writable {
        let out = wd.run_expect(&["consolidate", "a.txt", "-o", "ro/s.xlsx"], 2);
        assert!(String::from_utf8_lossy(&out.stderr).contains("not writable"));
    }
    std::fs::set_permissions(wd.path("ro"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn a_temporary_directory_that_takes_no_file_is_said_before_any_input_is_read() {
    let wd = Workdir::new();
    wd.write("a.txt", seed_text().as_bytes());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "consolidate",
            "a.txt",
            "-o",
            "s.xlsx",
            "--log-format",
            "json",
        ])
        .env("TMPDIR", wd.path("no-such-dir"))
        .current_dir(wd.root())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let line: Value = serde_json::from_slice(&out.stderr).expect("one JSON line");
    assert_eq!(line["code"], "output_not_writable");
    assert!(line["message"].as_str().unwrap_or("").contains("TMPDIR"));
    assert!(!wd.path("s.xlsx").exists());
}

#[test]
fn a_full_disk_while_writing_exits_2_and_leaves_the_previous_outputs() {
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    completed(&wd, &["consolidate", "in", "-o", "s.xlsx", "-q"]);
    let before = std::fs::read(wd.path("s.xlsx")).expect("summary");
    for n in 0..30 {
        wd.write(
            &format!("in/d{n}.txt"),
            seed_text_as(&format!("宁波市第{n}局")).as_bytes(),
        );
    }
    // Files may grow to 64 KB at most (EFBIG past it, the signal ignored): the writer's
    // temporary sheets are larger than that, and its writes fail as on a full disk.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 128; exec '{}' consolidate in -o s.xlsx --log-format json",
            env!("CARGO_BIN_EXE_jixiao")
        ))
        .current_dir(wd.root())
        .output()
        .expect("sh");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        if v["event"] == "error" {
            assert_eq!(v["code"], "write_failed");
        }
    }
    assert_eq!(std::fs::read(wd.path("s.xlsx")).expect("summary"), before);
    let temps = std::fs::read_dir(wd.root())
        .expect("dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .count();
    assert_eq!(temps, 0);
}

#[test]
fn a_file_that_takes_too_long_or_too_much_memory_is_failed_and_the_run_goes_on() {
    let wd = Workdir::new();
    wd.write("in/good.txt", seed_text().as_bytes());
    // 30 MB of table rows: longer than 0.3 s to read in a test build.
    let mut big = seed_text();
    let row = "\t\t\t\t\t\t\t受益人员满意度\t≧\t95\t%\n";
    big.push_str(&row.repeat(30 * 1024 * 1024 / row.len()));
    wd.write("in/slow.txt", big.as_bytes());
    let report = completed(
        &wd,
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--file-timeout",
            "0.3",
        ],
    );
    let status = statuses(&report);
    assert_eq!(
        (
            status["in/slow.txt"].0.as_str(),
            status["in/slow.txt"].1.as_str()
        ),
        ("failed", "read_timeout")
    );
    assert_eq!(status["in/good.txt"].0, "ok");
    // Under a 64 MB memory cap, the same file exhausts the reading process, not the run.
    let report = completed(
        &wd,
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--max-memory-mb",
            "64",
        ],
    );
    let status = statuses(&report);
    assert_eq!(
        (
            status["in/slow.txt"].0.as_str(),
            status["in/slow.txt"].1.as_str()
        ),
        ("failed", "reader_crashed"),
        "{status:?}"
    );
    assert_eq!(status["in/good.txt"].0, "ok");
}

#[test]
fn an_interrupted_run_removes_its_temporary_files() {
    let wd = Workdir::new();
    for n in 0..120 {
        wd.write(
            &format!("in/d{n}.txt"),
            seed_text_as(&format!("宁波市第{n}局")).as_bytes(),
        );
    }
    std::fs::create_dir_all(wd.path("out")).expect("out");
    let mut caught = false;
    for _ in 0..3 {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(["consolidate", "in", "-o", "out/s.xlsx", "-q"])
            .current_dir(wd.root())
            .spawn()
            .expect("spawn");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let staged = std::fs::read_dir(wd.path("out"))
                .expect("out")
                .any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp")));
            if staged {
                // SAFETY: kill(2) on the child this test started.
                unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
                caught = true;
                break;
            }
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let status = child.wait().expect("wait");
        if caught {
            assert_eq!(status.code(), Some(130), "{status:?}");
            let temps = std::fs::read_dir(wd.path("out"))
                .expect("out")
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                })
                .count();
            assert_eq!(temps, 0, "temporary files left behind");
            break;
        }
    }
    assert!(caught, "the run never staged a file while watched");
}

#[test]
fn findings_and_projects_past_the_row_limit_continue_on_numbered_sheets() {
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    wd.write("in/b.txt", seed_text_as("宁波市某某局").as_bytes());
    let options = jixiao::ConsolidateOptions::new(
        vec![wd.path("in").to_string_lossy().into_owned()],
        wd.path("s.xlsx"),
    );
    let rules = jixiao::load_rules(None).expect("rules");
    let summary = jixiao::build_summary(&options, &rules, &|_| {}).expect("summary");
    let labels = jixiao::labels::Labels::default();
    let mut workbook_options = jixiao::WorkbookOptions::new(&labels);
    workbook_options.rows_per_sheet = 8;
    jixiao::write_workbook_with(&summary, &wd.path("s.xlsx"), &workbook_options).expect("write");
    let book = read_workbook(&wd.path("s.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..3], ["汇总", "汇总(2)", "汇总(3)"], "{names:?}");
    let findings = summary.findings.len();
    let parts = findings.div_ceil(8);
    let finding_rows: usize = (0..parts)
        .map(|p| {
            let name = if p == 0 {
                "问题".to_string()
            } else {
                format!("问题({})", p + 1)
            };
            sheet(&book, &name).len() - 1
        })
        .collect::<Vec<_>>()
        .iter()
        .sum();
    assert_eq!(finding_rows, findings);
    let project_rows: usize = ["汇总", "汇总(2)", "汇总(3)"]
        .iter()
        .map(|n| sheet(&book, n).len() - 1)
        .sum();
    assert_eq!(project_rows, 22);
    // 合计's figures add up 汇总's parts: the cached totals are the projects' sums.
    let totals = sheet(&book, "合计");
    assert_eq!(number(&totals[1][1]), 11.0);
    assert_eq!(number(&totals[3][1]), 22.0);
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(wd.path("s.xlsx")).expect("open");
    let formulas = calamine::Reader::worksheet_formula(&mut wb, "合计").expect("formulas");
    let count = formulas.get((1, 1)).expect("formula");
    assert!(
        count.contains("'汇总(2)'!") && count.contains("'汇总(3)'!"),
        "{count}"
    );
}
