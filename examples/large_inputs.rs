//! Issue 16's large reproductions, generated and run against the binary's own command line
//! (`src/cli.rs`, compiled in as the benchmark does), in release mode because a test build
//! would take minutes on them:
//!
//! 1. a 10 MB xlsx whose workbook.xml lists 40 sheets pointing at one 4.9-million-cell part:
//!    the cell cap holds for the workbook, so it is read in seconds, within 2 GB;
//! 2. an 18 MB text file of note lines, and two files of 550,000 projects each (1.1 million
//!    projects: 汇总 continues on 汇总(2)): findings of one code in one file are capped, the run
//!    completes with both outputs;
//! 3. the same with the cap raised past a million: 问题 continues on 问题(2).
//!
//!     cargo run --release --example large_inputs
//!
//! Each run must end with exit 0 or 1, both outputs, and a status for every input. CI runs it.

#[path = "../src/cli.rs"]
mod cli;
#[path = "support/procfs.rs"]
mod procfs;

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "consolidate" || jixiao::worker::is_worker_arg(&a))
    {
        return cli::main();
    }
    match run() {
        Ok(()) => {
            println!("large_inputs: passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("large_inputs: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error>;

/// Runs `consolidate` on `inputs` into `out`/s.xlsx; checks exit 0/1, both outputs and a status
/// for each of `expect_inputs`; returns the report and the wall time.
fn consolidate(
    dir: &Path,
    inputs: &[&str],
    extra: &[&str],
    expect_inputs: usize,
) -> Result<(serde_json::Value, f64), Error> {
    let out = dir.join("out");
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    let status = Command::new(std::env::current_exe()?)
        .arg("consolidate")
        .args(inputs)
        .arg("-o")
        .arg(out.join("s.xlsx"))
        .args(["--quiet"])
        .args(extra)
        .current_dir(dir)
        .status()?;
    let secs = started.elapsed().as_secs_f64();
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("{inputs:?} {extra:?}: exit {status}").into());
    }
    if std::fs::metadata(out.join("s.xlsx"))?.len() == 0 {
        return Err("empty summary".into());
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("s.json"))?)?;
    let listed = report["inputs"].as_array().map_or(0, |i| i.len());
    if listed != expect_inputs {
        return Err(format!("{listed} inputs listed, expected {expect_inputs}").into());
    }
    Ok((report, secs))
}

fn sheet_names(path: &Path) -> Result<Vec<String>, Error> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let mut xml = String::new();
    archive
        .by_name("xl/workbook.xml")?
        .read_to_string(&mut xml)?;
    Ok(xml
        .split("<sheet name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect())
}

/// The 4.9-million-cell part, once, listed as 40 sheets.
fn forty_sheets() -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for r in 1..=350_000u32 {
        sheet.push_str(&format!("<row r=\"{r}\">"));
        for c in [
            "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N",
        ] {
            sheet.push_str(&format!("<c r=\"{c}{r}\"><v>{r}</v></c>"));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let sheets: String = (1..=40)
        .map(|n| format!(r#"<sheet name="S{n}" sheetId="{n}" r:id="rId1"/>"#))
        .collect();
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    let parts = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", workbook),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(name, options).expect("entry");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

const HEADER: &str = "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n";

fn run() -> Result<(), Error> {
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path();

    // 1. Forty sheets over one 4.9-million-cell part.
    let forty = forty_sheets();
    println!(
        "large_inputs: forty-sheet xlsx, {:.1} MB",
        forty.len() as f64 / 1e6
    );
    std::fs::write(dir.join("forty.xlsx"), &forty)?;
    let (report, secs) = consolidate(dir, &["forty.xlsx"], &["--max-memory-mb", "2048"], 1)?;
    let sheets = report["inputs"][0]["sheets"]
        .as_array()
        .map_or(0, |s| s.len());
    let too_large = report["inputs"][0]["sheets"].as_array().map_or(0, |s| {
        s.iter().filter(|s| s["status"] == "too_large").count()
    });
    println!("  {secs:.1} s: {sheets} sheets, {too_large} over the workbook's cap");
    if too_large < 39 || secs > 60.0 {
        return Err(format!(
            "the workbook cap did not hold: {too_large} sheets refused, {secs:.1} s"
        )
        .into());
    }

    // 2. 18 MB of note lines, and 1.1 million projects in two files.
    let mut notes = String::from(HEADER);
    notes.push_str("1\t办公费\t3\t满意度\t≥\t90\t%\n");
    let line = "注:以上数据由各科室填报,另见附件说明。\n";
    while notes.len() < 18 * 1024 * 1024 {
        notes.push_str(line);
    }
    std::fs::write(dir.join("notes.txt"), &notes)?;
    for (n, name) in ["big-a.txt", "big-b.txt"].iter().enumerate() {
        let mut text = String::from(HEADER);
        for p in 1..=550_000 {
            text.push_str(&format!("{p}\t项目{n}-{p}\t1\t受益人员满意度\t≥\t95\t%\n"));
        }
        std::fs::write(dir.join(name), text)?;
    }
    let (report, secs) = consolidate(dir, &["notes.txt", "big-a.txt", "big-b.txt"], &[], 3)?;
    let findings = report["findings"].as_array().map_or(0, |f| f.len());
    let projects = report["totals"]["projects"].as_u64().unwrap_or(0);
    let omitted = report["totals"]["findings_omitted"].as_u64().unwrap_or(0);
    let names = sheet_names(&dir.join("out/s.xlsx"))?;
    println!(
        "  {secs:.1} s: {projects} projects, {findings} findings listed, {omitted} more counted; sheets {names:?}"
    );
    if projects != 1_100_001 || !names.iter().any(|n| n == "汇总(2)") || omitted < 1_000_000 {
        return Err(
            "1.1 million projects: 汇总 did not continue, or the findings were not capped".into(),
        );
    }

    // 3. The cap raised past a million: 问题 continues.
    let rules = jixiao::rules::DEFAULT_RULES.replace(
        "max_per_file_and_code = 1000",
        "max_per_file_and_code = 10000000",
    );
    std::fs::write(dir.join("rules.toml"), rules)?;
    let (report, secs) = consolidate(
        dir,
        &["big-a.txt", "big-b.txt"],
        &["--rules", "rules.toml"],
        2,
    )?;
    let findings = report["findings"].as_array().map_or(0, |f| f.len());
    let names = sheet_names(&dir.join("out/s.xlsx"))?;
    println!("  {secs:.1} s: {findings} findings; sheets {names:?}");
    if findings <= 1_048_575 || !names.iter().any(|n| n == "问题(2)") {
        return Err("more than 1,048,575 findings: 问题 did not continue".into());
    }
    let _ = procfs::peak_kb();
    Ok(())
}
