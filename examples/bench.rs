//! The benchmark of issue 7: jixiao end to end against the floor a bare reader and a bare writer
//! set on the same machine, in the same run.
//!
//!     cargo run --release --example bench -- --files 2000 --files 20000
//!
//! For each corpus size it generates (or reuses) a deterministic corpus of seed-layout workbooks
//! (see examples/support/corpus.rs) under target/bench/, warms the page cache, and measures, each
//! in a process of its own so that no figure's memory pollutes another's:
//!
//! - read floor: calamine opens every file and reads every sheet's cells (rayon, `--jobs`
//!   threads), no interpretation; also on one thread;
//! - end to end: `jixiao consolidate DIR -o summary.xlsx --quiet` (the binary's own code path,
//!   `src/cli.rs`, compiled into this example), wall time and peak RSS (VmHWM);
//! - read side: read → check → consolidate without writing, with `--jobs 1` and `--jobs 2`;
//! - write floor: rust_xlsxwriter writes as many rows and columns as our summary holds (sheet by
//!   sheet, the 指标 sheet split at Excel's row limit as ours is), with corpus text, no formats,
//!   in its standard mode, in constant-memory mode, and in constant-memory mode at deflate level
//!   3 (the level our summary uses); the fastest is the floor;
//! - startup: one small workbook end to end, the median of `--startup-runs` runs.
//! - the reviewer's checks (`[review]`, issue 15): how many findings of each of their codes the
//!   read side raised, and how many per project (the target: at most one).
//!
//! It prints a table per size, the ratio to the floor sum, files/s, rows/s and the targets of
//! issue 7 with PASS/FAIL, and one JSON line per size (for the record). `--smoke` runs a tiny
//! corpus quickly and checks the path works, without judging any figure (CI uses it).

/// The jixiao binary's command line, compiled in here so that the end-to-end child runs
/// exactly what the binary runs.
#[path = "../src/cli.rs"]
mod cli;
#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/procfs.rs"]
mod procfs;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::{Value, json};

/// The targets of issue 7.
const RATIO_TARGET: f64 = 1.5;
const STARTUP_TARGET_MS: f64 = 50.0;
const JOBS_SPEEDUP_TARGET: f64 = 1.7;
const SCALING_TARGET: f64 = 1.1;
/// `--baseline` (issue 14): as many files last year as this year, at most this many times a run
/// without one.
const BASELINE_RATIO_TARGET: f64 = 2.2;

fn peak_target_mb(files: usize) -> Option<f64> {
    match files {
        2000 => Some(300.0),
        20000 => Some(600.0),
        _ => None,
    }
}

struct Options {
    sizes: Vec<usize>,
    root: PathBuf,
    jobs: usize,
    repeat: Option<usize>,
    startup_runs: usize,
    smoke: bool,
}

fn usage() -> &'static str {
    "usage: bench [--files N]... [--root DIR] [--jobs N] [--repeat K] [--startup-runs K] [--smoke]"
}

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        sizes: Vec::new(),
        root: Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench"),
        jobs: 2,
        repeat: None,
        startup_runs: 20,
        smoke: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--files" => o
                .sizes
                .push(value()?.parse().map_err(|e| format!("--files: {e}"))?),
            "--root" => o.root = PathBuf::from(value()?),
            "--jobs" => o.jobs = value()?.parse().map_err(|e| format!("--jobs: {e}"))?,
            "--repeat" => o.repeat = Some(value()?.parse().map_err(|e| format!("--repeat: {e}"))?),
            "--startup-runs" => {
                o.startup_runs = value()?
                    .parse()
                    .map_err(|e| format!("--startup-runs: {e}"))?
            }
            "--smoke" => o.smoke = true,
            "-h" | "--help" => return Err(usage().to_string()),
            other => return Err(format!("unknown argument {other}\n{}", usage())),
        }
    }
    if o.sizes.is_empty() {
        o.sizes = if o.smoke { vec![20] } else { vec![2000] };
    }
    if o.smoke {
        o.startup_runs = o.startup_runs.min(3);
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        // The end-to-end child: exactly what the jixiao binary does (its main calls this).
        Some("consolidate") => {
            let code = cli::main();
            println!("{}", json!({"peak_kb": peak_kb()}));
            return code;
        }
        // The reading processes the end-to-end child starts are this executable too.
        Some(arg) if jixiao::worker::is_worker_arg(std::ffi::OsStr::new(arg)) => {
            return cli::main();
        }
        Some("__child") => {
            return match child(&args[2..]) {
                Ok(v) => {
                    println!("{v}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("bench child {:?}: {e}", &args[2..]);
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

use procfs::peak_kb;

/// Runs this executable with `args`, returns (wall seconds, the JSON line it printed last).
fn spawn(args: &[String]) -> Result<(f64, Value), Error> {
    let exe = std::env::current_exe()?;
    // What the previous measurement wrote goes to disk first: otherwise one figure pays for
    // another's writeback (at 20,000 files the standard-mode write floor leaves gigabytes
    // dirty). Where there is no `sync` command, nothing is waited for.
    let _ = Command::new("sync").status();
    let started = Instant::now();
    let out = Command::new(exe).args(args).output()?;
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "{:?} failed ({}):\n{}",
            args,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("{}");
    Ok((secs, serde_json::from_str(line)?))
}

fn child_args(parts: &[&str]) -> Vec<String> {
    std::iter::once("__child")
        .chain(parts.iter().copied())
        .map(str::to_string)
        .collect()
}

/// The measurements that run in a process of their own.
fn child(args: &[String]) -> Result<Value, Error> {
    let arg = |i: usize| -> Result<&str, Error> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("missing argument {i}").into())
    };
    match arg(0)? {
        "read-floor" => {
            let dir = PathBuf::from(arg(1)?);
            let threads: usize = arg(2)?.parse()?;
            let files = corpus_files(&dir)?;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()?;
            let started = Instant::now();
            let cells = pool.install(|| read_floor(&files))?;
            Ok(
                json!({"secs": started.elapsed().as_secs_f64(), "cells": cells, "peak_kb": peak_kb()}),
            )
        }
        "read-side" => {
            let dir = arg(1)?.to_string();
            let jobs: usize = arg(2)?.parse()?;
            let rules = jixiao::load_rules(None)?;
            let started = Instant::now();
            let mut options = jixiao::ConsolidateOptions::new(vec![dir], PathBuf::new());
            options.jobs = jobs;
            let summary = jixiao::build_summary(&options, &rules, &|_| {})?;
            let secs = started.elapsed().as_secs_f64();
            let t = &summary.totals;
            // The findings of the reviewer's checks, per code (the issue's ≤ 1 per project).
            let review: serde_json::Map<String, Value> = jixiao::rules::REVIEW_CODES
                .iter()
                .map(|code| {
                    let n = summary.findings.iter().filter(|f| f.code == *code).count();
                    (code.as_str().to_string(), json!(n))
                })
                .collect();
            Ok(json!({
                "review_codes": review,
                "secs": secs,
                "peak_kb": peak_kb(),
                "departments": t.departments,
                "projects": t.projects,
                "indicators": t.indicators,
                "findings": summary.findings.len(),
            }))
        }
        "write-floor" => {
            let out = PathBuf::from(arg(1)?);
            let mode = arg(2)?;
            let shape = Shape {
                departments: arg(3)?.parse()?,
                projects: arg(4)?.parse()?,
                indicators: arg(5)?.parse()?,
                findings: arg(6)?.parse()?,
            };
            // The text comes from the corpus, generated before the clock starts: a bare writer
            // has its data at hand.
            let data: Vec<corpus::GenDepartment> = (0..shape.departments.max(1))
                .map(corpus::department)
                .collect();
            let started = Instant::now();
            write_floor(&out, mode, &shape, &data)?;
            let secs = started.elapsed().as_secs_f64();
            let bytes = std::fs::metadata(&out)?.len();
            std::fs::remove_file(&out)?;
            Ok(json!({"secs": secs, "peak_kb": peak_kb(), "bytes": bytes}))
        }
        other => Err(format!("unknown child {other}").into()),
    }
}

fn corpus_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .collect();
    files.sort();
    Ok(files)
}

/// The bare read: open each workbook with calamine and read every sheet's cells.
fn read_floor(files: &[PathBuf]) -> Result<usize, Error> {
    use calamine::{Reader, Xlsx};
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|path| -> Result<usize, Error> {
            let mut workbook: Xlsx<_> = calamine::open_workbook(path)?;
            let mut cells = 0;
            for name in workbook.sheet_names() {
                let range = workbook.worksheet_range(&name)?;
                cells += range.used_cells().count();
            }
            Ok(cells)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))
}

/// How many rows each sheet of our summary holds.
struct Shape {
    departments: usize,
    projects: usize,
    indicators: usize,
    findings: usize,
}

/// The bare write: as many rows × columns as each sheet of our summary (a header row, then one
/// row per project, indicator, department and finding, over the same columns), text and numbers
/// from the corpus, no formats, widths, notes, links or formulas.
fn write_floor(
    out: &Path,
    mode: &str,
    shape: &Shape,
    data: &[corpus::GenDepartment],
) -> Result<(), Error> {
    use jixiao::sheets::{FindingColumn, IndicatorColumn, ProjectColumn, TotalColumn};
    use rust_xlsxwriter::{Workbook, Worksheet};
    let mut workbook = Workbook::new();
    let constant = mode != "standard";
    if mode == "constant-deflate3" {
        // The compression level jixiao's own summary uses.
        workbook.set_zip_compression_level(3);
    }
    let new_sheet = |workbook: &mut Workbook, name: &str, headers: &[&str]| {
        let mut sheet = if constant {
            workbook.new_worksheet_with_constant_memory()?
        } else {
            Worksheet::new()
        };
        sheet.set_name(name)?;
        for (col, h) in headers.iter().enumerate() {
            sheet.write_string(0, col as u16, *h)?;
        }
        Ok::<_, Error>(sheet)
    };
    // An endless stream of corpus departments to take text from.
    let departments = data.iter().cycle();

    let mut sheet = new_sheet(&mut workbook, "汇总", ProjectColumn::HEADERS)?;
    let mut row = 0u32;
    'projects: for (k, d) in departments.clone().enumerate() {
        for (i, p) in d.projects.iter().enumerate() {
            if row as usize >= shape.projects {
                break 'projects;
            }
            row += 1;
            sheet.write_string(row, 0, &d.name)?;
            sheet.write_string(row, 1, (i + 1).to_string())?;
            sheet.write_string(row, 2, &p.name)?;
            for (c, v) in p.amounts.iter().enumerate() {
                sheet.write_number(row, 3 + c as u16, *v)?;
            }
            sheet.write_number(row, 6, p.indicators.len() as f64)?;
            sheet.write_number(row, 7, 0.0)?;
            sheet.write_string(row, 8, format!("[{}]{}!B{row}", d.file_name, corpus::SHEET))?;
            sheet.write_string(row, 9, &p.overview)?;
            sheet.write_string(row, 10, &p.goal)?;
            sheet.write_string(row, 11, format!("指标!D{row}"))?;
            sheet.write_number(row, 12, (k + 1) as f64)?;
        }
    }
    workbook.push_worksheet(sheet);

    let mut part = 1;
    let mut sheet = new_sheet(&mut workbook, "指标", IndicatorColumn::HEADERS)?;
    let mut row = 0u32;
    let mut written = 0usize;
    'indicators: for d in departments.clone() {
        for (i, p) in d.projects.iter().enumerate() {
            for ind in &p.indicators {
                if written >= shape.indicators {
                    break 'indicators;
                }
                if row == 1_048_575 {
                    workbook.push_worksheet(sheet);
                    part += 1;
                    sheet = new_sheet(
                        &mut workbook,
                        &format!("指标({part})"),
                        IndicatorColumn::HEADERS,
                    )?;
                    row = 0;
                }
                row += 1;
                written += 1;
                let (value, raw) = match &ind.target {
                    corpus::Target::Number(v) => (Some(*v), v.to_string()),
                    corpus::Target::Text(t) => (None, t.clone()),
                };
                sheet.write_string(row, 0, &d.name)?;
                sheet.write_string(row, 1, (i + 1).to_string())?;
                sheet.write_string(row, 2, &p.name)?;
                sheet.write_string(row, 3, &ind.name)?;
                sheet.write_string(row, 4, &ind.op)?;
                match value {
                    Some(v) => sheet.write_number(row, 5, v)?,
                    None => sheet.write_string(row, 5, &raw)?,
                };
                sheet.write_string(row, 6, &ind.unit)?;
                sheet.write_string(row, 7, &ind.op)?;
                sheet.write_string(row, 8, &raw)?;
                sheet.write_string(row, 9, &ind.unit)?;
                // Column 10 (标注) is empty on most rows of ours too.
                sheet.write_string(
                    row,
                    11,
                    format!("[{}]{}!H{row}", d.file_name, corpus::SHEET),
                )?;
                sheet.write_string(row, 12, "产出指标")?;
                sheet.write_string(row, 13, "数量指标")?;
                sheet.write_string(row, 14, "按名称推断")?;
            }
        }
    }
    workbook.push_worksheet(sheet);

    // 合计: our columns plus one count per 一级 category of the built-in rules.
    let categories = jixiao::load_rules(None)?.categories.level1.len();
    let columns = TotalColumn::HEADERS.len() + categories;
    let mut sheet = new_sheet(&mut workbook, "合计", TotalColumn::HEADERS)?;
    for (k, d) in departments.clone().take(shape.departments + 1).enumerate() {
        let row = k as u32 + 1;
        sheet.write_string(row, 0, &d.name)?;
        for col in 1..columns as u16 {
            if col == 12 {
                sheet.write_string(row, col, format!("[{}]{}", d.file_name, corpus::SHEET))?;
            } else {
                sheet.write_number(row, col, (d.rows() * col as usize) as f64)?;
            }
        }
    }
    workbook.push_worksheet(sheet);

    let mut sheet = new_sheet(&mut workbook, "问题", FindingColumn::HEADERS)?;
    let message = "项目「老干部活动中心维护费」的指标「受益人员满意度 ≥ 95 %」出现2次 (H28, H29),规范化后完全相同,已合并为一行";
    for (k, d) in departments.take(shape.findings).enumerate() {
        let row = k as u32 + 1;
        sheet.write_string(row, 0, "提示")?;
        sheet.write_string(row, 1, "duplicate_row")?;
        sheet.write_string(row, 2, &d.name)?;
        sheet.write_string(row, 3, &d.file_name)?;
        sheet.write_string(row, 4, corpus::SHEET)?;
        sheet.write_string(row, 5, format!("H{}", row + 3))?;
        sheet.write_string(row, 6, message)?;
        sheet.write_string(row, 7, format!("指标!D{}", row + 1))?;
    }
    workbook.push_worksheet(sheet);
    workbook.save(out)?;
    Ok(())
}

/// Makes sure `dir` holds the corpus of `files` files, generating it if not.
fn ensure_corpus(dir: &Path, files: usize) -> Result<(), Error> {
    if corpus::is_complete(dir, files) {
        return Ok(());
    }
    eprintln!("bench: generating {files} workbooks in {}", dir.display());
    let started = Instant::now();
    let stats = corpus::generate(dir, files, &|_| {})?;
    eprintln!(
        "bench: generated {} files, {} indicator rows, {:.1} MB in {:.1} s",
        stats.files,
        stats.rows,
        stats.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Reads every file once so that every measurement runs on a warm page cache.
fn warm(dir: &Path) -> Result<u64, Error> {
    let mut bytes = 0;
    for path in corpus_files(dir)? {
        bytes += std::fs::read(path)?.len() as u64;
    }
    Ok(bytes)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The best of several runs: on a machine shared with others, the run least disturbed.
fn best(v: Vec<f64>) -> f64 {
    v.into_iter().fold(f64::INFINITY, f64::min)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn num(v: &Value, key: &str) -> Result<f64, Error> {
    v.get(key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("no {key} in {v}").into())
}

fn run(o: &Options) -> Result<(), Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "jixiao bench: {} cores, {:.1} GiB memory, --jobs {}, load average {}",
        threads,
        total_memory_gib(),
        o.jobs,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("times are the best of --repeat runs; startup is the median");
    let mut per_file = Vec::new();
    for &files in &o.sizes {
        let dir = o.root.join(format!("corpus-{files}"));
        ensure_corpus(&dir, files)?;
        let bytes = warm(&dir)?;
        let out_dir = o.root.join(format!("out-{files}"));
        std::fs::create_dir_all(&out_dir)?;
        let repeat = o.repeat.unwrap_or(if files <= 5000 { 3 } else { 1 });
        let dir_s = dir.display().to_string();
        let jobs_s = o.jobs.to_string();

        // Read floor, on --jobs threads and on one.
        let mut read_floor = Vec::new();
        for _ in 0..repeat {
            read_floor.push(num(
                &spawn(&child_args(&["read-floor", &dir_s, &jobs_s]))?.1,
                "secs",
            )?);
        }
        let read_floor = best(read_floor);
        let read_floor_1 = num(&spawn(&child_args(&["read-floor", &dir_s, "1"]))?.1, "secs")?;

        // End to end, the binary's own code path, in its own process: the best of `repeat`
        // runs and the highest peak, for our options plus `extra`.
        let end_to_end = |out: &Path, extra: &[&str]| -> Result<(f64, u64), Error> {
            let out_s = out.display().to_string();
            let mut args: Vec<String> = ["consolidate", &dir_s, "-o", &out_s, "--quiet"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.extend(extra.iter().map(|s| s.to_string()));
            args.extend(["--jobs".to_string(), jobs_s.clone()]);
            let (mut secs, mut peak) = (Vec::new(), 0u64);
            for _ in 0..repeat {
                let (s, v) = spawn(&args)?;
                secs.push(s);
                peak = peak.max(num(&v, "peak_kb")? as u64);
            }
            Ok((best(secs), peak))
        };
        let summary = out_dir.join("summary.xlsx");
        let (e2e, peak) = end_to_end(&summary, &[])?;
        let summary_bytes = std::fs::metadata(&summary)?.len();

        // End to end against last year (`--baseline`): a second corpus of as many files.
        let last_dir = o.root.join(format!("corpus-{files}-last-year"));
        ensure_corpus(&last_dir, files)?;
        warm(&last_dir)?;
        let last_s = last_dir.display().to_string();
        let compared = out_dir.join("compared.xlsx");
        let (e2e_baseline, peak_baseline) =
            end_to_end(&compared, &["--fail-on", "never", "--baseline", &last_s])?;
        let baseline_ratio = e2e_baseline / e2e;
        let report_bytes = std::fs::metadata(summary.with_extension("json"))?.len();

        // The read side alone (read → check → consolidate), on one job and on --jobs.
        let mut side = Value::Null;
        let (mut side_n, mut side_1) = (Vec::new(), Vec::new());
        for _ in 0..repeat {
            side = spawn(&child_args(&["read-side", &dir_s, &jobs_s]))?.1;
            side_n.push(num(&side, "secs")?);
            side_1.push(num(
                &spawn(&child_args(&["read-side", &dir_s, "1"]))?.1,
                "secs",
            )?);
        }
        let (side_n, side_1) = (best(side_n), best(side_1));
        let shape: Vec<String> = ["departments", "projects", "indicators", "findings"]
            .iter()
            .map(|k| num(&side, k).map(|v| (v as u64).to_string()))
            .collect::<Result<_, _>>()?;
        let rows = num(&side, "indicators")?;
        let projects = num(&side, "projects")?;
        let review_codes = side["review_codes"].clone();
        let review_total: f64 = review_codes
            .as_object()
            .map_or(0.0, |m| m.values().filter_map(Value::as_f64).sum());
        let review_per_project = review_total / projects.max(1.0);

        // Write floor: the same rows × columns as our summary, both writer modes.
        let floor_out = out_dir.join("floor.xlsx").display().to_string();
        let mut write_modes = Vec::new();
        for mode in ["standard", "constant", "constant-deflate3"] {
            let mut args = vec!["write-floor", &floor_out, mode];
            args.extend(shape.iter().map(String::as_str));
            let mut times = Vec::new();
            let mut floor_peak = 0u64;
            for _ in 0..repeat {
                let (_, v) = spawn(&child_args(&args))?;
                times.push(num(&v, "secs")?);
                floor_peak = floor_peak.max(num(&v, "peak_kb")? as u64);
            }
            write_modes.push((mode, best(times), floor_peak));
        }
        let write_floor = write_modes
            .iter()
            .map(|m| m.1)
            .fold(f64::INFINITY, f64::min);

        // Startup: one small workbook, end to end.
        let one = corpus_files(&dir)?
            .into_iter()
            .next()
            .ok_or("empty corpus")?;
        let one_out = out_dir.join("one.xlsx").display().to_string();
        let mut startup = Vec::new();
        for _ in 0..o.startup_runs.max(1) {
            let args: Vec<String> = [
                "consolidate",
                &one.display().to_string(),
                "-o",
                &one_out,
                "--quiet",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            startup.push(spawn(&args)?.0 * 1000.0);
        }
        let startup_ms = median(startup);

        let floor_sum = read_floor + write_floor;
        let ratio = e2e / floor_sum;
        let speedup = side_1 / side_n;
        per_file.push((files, e2e / files as f64));

        println!();
        println!(
            "== {files} files ({:.1} MB), {} indicator rows, summary {:.1} MB + report {:.1} MB",
            bytes as f64 / 1e6,
            rows,
            summary_bytes as f64 / 1e6,
            report_bytes as f64 / 1e6
        );
        println!(
            "read floor    {read_floor:8.2} s  (calamine, {} threads; 1 thread {read_floor_1:.2} s)",
            o.jobs
        );
        for (mode, secs, kb) in &write_modes {
            println!(
                "write floor   {secs:8.2} s  (rust_xlsxwriter {mode} mode, peak {:.0} MB)",
                mb(*kb)
            );
        }
        println!("floor sum     {floor_sum:8.2} s  (read floor + faster write floor)");
        println!(
            "end to end    {e2e:8.2} s  ratio {ratio:.2}  {:.0} files/s  {:.0} rows/s  peak {:.0} MB",
            files as f64 / e2e,
            rows / e2e,
            mb(peak)
        );
        println!(
            "--baseline    {e2e_baseline:8.2} s  ({files} files last year) {baseline_ratio:.2}x a run without  peak {:.0} MB",
            mb(peak_baseline)
        );
        println!(
            "read side     {side_n:8.2} s  with --jobs {}, {side_1:.2} s with --jobs 1: {speedup:.2}x",
            o.jobs
        );
        println!("startup       {startup_ms:8.1} ms (one small workbook, median)");
        if !o.smoke {
            println!(
                "  target ratio <= {RATIO_TARGET}: {}",
                verdict(ratio <= RATIO_TARGET)
            );
            if let Some(t) = peak_target_mb(files) {
                println!("  target peak <= {t} MB: {}", verdict(mb(peak) <= t));
            }
            println!(
                "  target --jobs 2 >= {JOBS_SPEEDUP_TARGET}x --jobs 1 (read side): {}",
                verdict(speedup >= JOBS_SPEEDUP_TARGET)
            );
            println!(
                "  target startup < {STARTUP_TARGET_MS} ms: {}",
                verdict(startup_ms < STARTUP_TARGET_MS)
            );
            println!(
                "  target --baseline <= {BASELINE_RATIO_TARGET}x a run without: {}",
                verdict(baseline_ratio <= BASELINE_RATIO_TARGET)
            );
            if let Some(t) = peak_target_mb(files) {
                println!(
                    "  target --baseline peak <= {t} MB: {}",
                    verdict(mb(peak_baseline) <= t)
                );
            }
        }
        println!(
            "{}",
            json!({
                "files": files, "rows": rows, "corpus_bytes": bytes,
                "read_floor_s": read_floor, "read_floor_1_s": read_floor_1,
                "write_floor_s": write_floor,
                "write_floor_modes": write_modes.iter().map(|(m, s, kb)| json!({"mode": m, "s": s, "peak_mb": mb(*kb)})).collect::<Vec<_>>(),
                "e2e_s": e2e, "ratio": ratio, "files_per_s": files as f64 / e2e,
                "rows_per_s": rows / e2e, "peak_mb": mb(peak),
                "read_side_s": side_n, "read_side_1_s": side_1, "jobs_speedup": speedup,
                "startup_ms": startup_ms, "summary_bytes": summary_bytes, "report_bytes": report_bytes,
                "baseline_e2e_s": e2e_baseline, "baseline_ratio": baseline_ratio, "baseline_peak_mb": mb(peak_baseline),
            })
        );
        println!(
            "reviewer's checks: {review_total} findings over {projects} projects, {review_per_project:.2} per project"
        );
        if let Some(codes) = review_codes.as_object() {
            for (code, n) in codes {
                println!("  {code:<28} {n}");
            }
        }
        if !o.smoke {
            println!(
                "  target <= 1 per project: {}",
                verdict(review_per_project <= 1.0)
            );
        }
        println!(
            "{}",
            json!({"files": files, "review_codes": review_codes, "review_per_project": review_per_project})
        );
        std::fs::remove_dir_all(&out_dir)?;
        if o.smoke && (rows <= 0.0 || summary_bytes == 0) {
            return Err("smoke run produced an empty summary".into());
        }
    }
    if per_file.len() > 1 {
        let (small_n, small) = per_file[0];
        let (big_n, big) = per_file[per_file.len() - 1];
        let scaling = big / small;
        println!();
        println!(
            "scaling: {:.2} ms/file at {small_n}, {:.2} ms/file at {big_n}: {scaling:.2}x",
            small * 1000.0,
            big * 1000.0
        );
        if !o.smoke {
            println!(
                "  target per-file cost within {SCALING_TARGET}x: {}",
                verdict(scaling <= SCALING_TARGET)
            );
        }
    }
    Ok(())
}

fn total_memory_gib() -> f64 {
    procfs::kb("/proc/meminfo", "MemTotal").map_or(0.0, |kb| kb as f64 / 1024.0 / 1024.0)
}
