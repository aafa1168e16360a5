//! jixiao (绩效) consolidates departmental 项目绩效目标 (project performance target) tables into
//! one annotated summary workbook and a JSON report.
//!
//! The program is a pipeline; each stage is one module and passes plain data to the next, and
//! no module imports from a stage after its own:
//!
//! | stage | module | from → to |
//! |---|---|---|
//! | discover | `discover` | INPUTs (files, directories, globs) → sorted input files |
//! | read | `read` (one file per format in `read/`) | a file → one [`grid::Grid`] per sheet |
//! | layout | `layout` | a grid → where the header is, which column is what |
//! | extract | `extract` | grid + layout → a raw table: projects, rows, 合计, footnote |
//! | normalize | `normalize` | raw table → [`model::Department`] + [`finding::Finding`]s |
//! | classify | `classify` | department → 一级/二级 categories on every indicator |
//! | check | `check` | department → findings (sums, declared figures, the reviewer's checks) |
//! | compare | `compare` | this year's and last year's targets → a comparison + findings (`--baseline`) |
//! | store | `store` | department → packed bytes + a head of its figures, until written |
//! | consolidate | `consolidate` | every file's outcome → [`Summary`] |
//! | report | `report` | summary → the JSON report's own types |
//! | write | `write` (one file per sheet in `write/`) | summary → summary.xlsx and report.json, atomically |
//!
//! Below the stages sit the plain data they share: [`grid`] (cells as read), [`model`] (the
//! normalized department), [`finding`] (what was noticed, and what it is about), [`rules`]
//! (domain knowledge from `templates/rules.toml`), [`labels`] (the workbook's words per
//! language, `templates/headers.toml`) and [`sheets`] (the summary's column tables).
//!
//! Around the stages: `run` checks, before anything is read, that the outputs can be written,
//! are not inputs nor each other, and locks them; `scratch` names jixiao's temporary and lock
//! files and removes them when a run is interrupted; `worker` runs the per-file pipeline in
//! reading processes of their own (the command line's choice), so that a file that hangs or
//! exhausts memory fails alone.
//!
//! `pipeline` runs read → store for one file and maps that over all files with rayon. Each
//! finding records its subject (an indicator, a project's amount, a declared figure) where it
//! is raised, so the workbook places it without unpacking any department; each department is
//! surveyed for the workbook (row heights, notes) as it is packed. The workbook's sheets are
//! then written on three threads, each in path order, and the report while the workbook is
//! compressed.

pub mod finding;
pub mod grid;
pub mod labels;
pub mod model;
pub mod rules;
pub mod sheets;
pub mod template;
pub mod worker;

mod check;
mod classify;
mod compare;
mod consolidate;
mod discover;
mod extract;
mod layout;
mod normalize;
mod pipeline;
mod read;
mod report;
mod run;
mod scratch;
mod store;
mod text;
mod write;

use std::path::{Path, PathBuf};
use std::time::Duration;

// What a run is asked, and what it gives.
pub use consolidate::{InputRecord, Summary, Totals};
pub use discover::Status;
pub use read::Limits;
pub use report::findings_pretty;
pub use scratch::{install_quiet_panic_hook, install_signal_cleanup, take_panic_note};
pub use write::{
    MAX_NOTES, RunDate, WorkbookOptions, WriteError, write_report, write_workbook,
    write_workbook_with,
};

// One table through the stages, for tools and tests that bring their own grid.
pub use check::check;
pub use classify::classify;
pub use extract::{Located, RawIndicator, RawTable, extract};
pub use layout::{TableLayout, detect};
pub use normalize::{IndicatorDoubt, Origin, QUALITATIVE, normalize, normalize_indicator};
pub use read::read_delimited;
pub use text::{fold, parse_number, split_leading_number};

// A summary assembled by hand from outcomes, as the pipeline hands them to consolidation.
pub use consolidate::consolidate as summarize;
pub use pipeline::{FileOutcome, SheetRecord, SheetStatus};
pub use store::StoredDepartment;

use crate::pipeline::FileOutcome as Outcome;
use crate::rules::Rules;

/// What `jixiao consolidate` was asked to do.
#[derive(Debug, Clone)]
pub struct ConsolidateOptions {
    pub inputs: Vec<String>,
    pub output: PathBuf,
    /// Where the JSON report goes; None: beside the summary, with the extension .json.
    pub report: Option<PathBuf>,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// The language of the workbook's headers and labels.
    pub labels: labels::Labels,
    /// Caps on what one file may cost to read.
    pub limits: Limits,
    /// `--exclude` patterns: files and folders left out (and listed as excluded).
    pub exclude: Vec<String>,
    /// Read each file in a process of its own, bounded in time and memory (the command line
    /// does); None: in this process, on threads.
    pub isolation: Option<worker::Isolation>,
    /// `--tables DIR`: where the flat tables go, if anywhere.
    pub tables: Option<PathBuf>,
    /// How long to wait for another run that holds a lock on one of the targets.
    pub lock_wait: Duration,
    /// The date the summary is made on (`--date`, `SOURCE_DATE_EPOCH`); none: no date in it.
    pub date: Option<write::RunDate>,
    /// `--baseline`: last year's files, folders or globs, summary workbook or JSON report, to
    /// compare this year's targets with; empty: no comparison.
    pub baseline: Vec<String>,
}

/// The most reading threads (or processes) per core: more only queue for the same cores (and a
/// share's latency is already covered twice over).
pub const MAX_JOBS_PER_CORE: usize = 4;

/// The number of reading threads or processes a run uses for `requested` (0: one per core),
/// capped at [`MAX_JOBS_PER_CORE`] per core and at the number of files.
pub fn effective_jobs(requested: usize, files: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let wanted = if requested == 0 { cores } else { requested };
    wanted
        .min(cores * MAX_JOBS_PER_CORE)
        .min(files.max(1))
        .max(1)
}

/// Which findings make a completed run exit with code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Any warning- or error-level finding.
    Warning,
    /// Any error-level finding (the default).
    #[default]
    Error,
    /// None: a completed run always exits 0.
    Never,
}

/// The process exit code for a completed run: 0, or 1 where findings reach `fail_on` or where
/// no input was consolidated at all (every file skipped or failed: a scheduled job must not
/// report success then). (2, a run that could not be done, is an [`Error`].)
pub fn exit_code(summary: &Summary, fail_on: FailOn) -> u8 {
    let f = &summary.totals.findings;
    let failed = match fail_on {
        FailOn::Warning => f.error + f.warning > 0 || nothing_consolidated(summary),
        FailOn::Error => f.error > 0 || nothing_consolidated(summary),
        FailOn::Never => false,
    };
    u8::from(failed)
}

/// Whether not one input gave a table or a form to summarize.
pub fn nothing_consolidated(summary: &Summary) -> bool {
    summary.departments.is_empty()
}

impl ConsolidateOptions {
    /// Options with the defaults of the command line: report beside the summary, one thread per
    /// core, Chinese headers, the default limits.
    pub fn new(inputs: Vec<String>, output: PathBuf) -> ConsolidateOptions {
        ConsolidateOptions {
            inputs,
            output,
            report: None,
            jobs: 0,
            labels: labels::Labels::default(),
            limits: Limits::default(),
            exclude: Vec::new(),
            isolation: None,
            tables: None,
            lock_wait: Duration::from_secs(120),
            date: None,
            baseline: Vec::new(),
        }
    }

    /// Everything this run writes, for the checks made before it reads anything.
    fn targets(&self) -> Vec<run::Target> {
        let mut targets = vec![
            run::Target {
                what: "-o",
                path: self.output.clone(),
                is_dir: false,
            },
            run::Target {
                what: "--report",
                path: self.report_path(),
                is_dir: false,
            },
        ];
        if let Some(dir) = &self.tables {
            targets.push(run::Target {
                what: "--tables",
                path: dir.clone(),
                is_dir: true,
            });
        }
        targets
    }

    /// The report's path: as given, or the summary's path with the extension .json.
    pub fn report_path(&self) -> PathBuf {
        self.report
            .clone()
            .unwrap_or_else(|| self.output.with_extension("json"))
    }
}

/// Why a run could not be done at all (as opposed to findings about its inputs): the process
/// exits with code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Rules(#[from] rules::RulesError),
    #[error("--lang: {0}")]
    Labels(#[from] labels::LabelsError),
    #[error("no input file found: {0}")]
    NoInputs(String),
    #[error(transparent)]
    Output(#[from] run::OutputError),
    #[error("{0}")]
    Exclude(String),
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot write the outputs: {0}; the previous summary and report are unchanged")]
    WriteAborted(String),
    #[error("--tables: {0}")]
    Tables(String),
    /// An argument or environment variable that is no such value (e.g. `SOURCE_DATE_EPOCH`).
    #[error("{0}")]
    BadArgument(String),
    /// A `--baseline` that gives nothing to compare with (no file found, not a summary or
    /// report jixiao wrote).
    #[error("--baseline: {0}")]
    Baseline(String),
}

impl Error {
    /// A stable name for what went wrong, for log collectors (`code` of the JSON error line).
    pub fn code(&self) -> &'static str {
        use run::OutputError as O;
        match self {
            Error::Rules(_) => "bad_rules",
            Error::Labels(_) | Error::Exclude(_) | Error::BadArgument(_) => "bad_arguments",
            Error::NoInputs(_) => "no_inputs",
            Error::Output(O::Locked { .. }) => "locked",
            Error::Output(O::IsInput { .. } | O::SameTarget { .. }) => "output_conflict",
            Error::Output(_) => "output_not_writable",
            Error::Threads(_) => "no_threads",
            Error::Baseline(_) => "bad_baseline",
            Error::Write(_) | Error::WriteAborted(_) | Error::Tables(_) => "write_failed",
        }
    }
}

/// Discovers, reads and checks every input, then writes the summary workbook and the report.
/// `progress` is told the number of files once, then called after each file.
///
/// Before the first input is read: the targets are checked (their directories there and
/// writable, the summary and report two files), each is locked against another run (waiting
/// up to `lock_wait`), temporary files killed runs left for them are removed, and a target that
/// is also an input is refused — unless it is a summary or report jixiao wrote, which is then
/// listed as this run's own output and not read.
pub fn consolidate(
    options: &ConsolidateOptions,
    rules: &Rules,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, Error> {
    let targets = options.targets();
    run::check_targets(&targets)?;
    // The workbook's sheets are staged in the temporary directory (TMPDIR) first.
    run::check_temp_dir()?;
    // In path order, so that two runs with crossed targets cannot wait on each other for long.
    let mut lock_order: Vec<&run::Target> = targets.iter().collect();
    lock_order.sort_by(|a, b| a.path.cmp(&b.path));
    let mut locks = Vec::new();
    for t in lock_order {
        locks.push(run::acquire(&t.path, options.lock_wait)?);
    }
    for t in &targets {
        if t.is_dir {
            for table in write::TABLE_FILES {
                scratch::remove_stale(&t.path.join(table));
            }
        } else {
            scratch::remove_stale(&t.path);
        }
    }
    let summary = collect(options, rules, progress, &targets)?;
    progress(Progress::Writing);
    write_outputs(&summary, options, &|| progress(Progress::Compressing))?;
    drop(locks);
    Ok(summary)
}

/// Stages both outputs (and the tables), then renames them into place, the summary first; the
/// report carries the summary's SHA-256. A panic while writing (the writer's temporary files on
/// a full disk) fails the run cleanly, leaving the previous outputs as they were.
fn write_outputs(
    summary: &Summary,
    options: &ConsolidateOptions,
    sheets_written: &(dyn Fn() + Sync),
) -> Result<(), Error> {
    let staged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        write::stage_outputs(
            summary,
            &options.output,
            &options.report_path(),
            &WorkbookOptions {
                date: options.date,
                ..WorkbookOptions::new(&options.labels)
            },
            sheets_written,
        )
    }));
    let (workbook, report) = staged.map_err(|_| {
        Error::WriteAborted(
            scratch::take_panic_note().unwrap_or_else(|| "the workbook writer failed".into()),
        )
    })?;
    let (mut workbook, mut report) = (workbook?, report?);
    let sha = workbook.sha256()?;
    report.patch_from_end(write::REPORT_SHA_FROM_END, sha.as_bytes())?;
    let tables = match &options.tables {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Tables(format!("{}: {e}", dir.display())))?;
            write::stage_tables(summary, dir).map_err(|e| Error::Tables(e.to_string()))?
        }
        None => Vec::new(),
    };
    workbook.commit()?;
    report.commit()?;
    for t in tables {
        t.commit()?;
    }
    Ok(())
}

/// A progress event.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Reading begins: this many files.
    Started { files: usize },
    /// One more file read.
    FileDone,
    /// Every file is read: the summary's sheets are being written.
    Writing,
    /// The sheets are written: the workbook is being compressed into its file.
    Compressing,
}

/// Everything up to the summary, without writing anything.
pub fn build_summary(
    options: &ConsolidateOptions,
    rules: &Rules,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, Error> {
    collect(options, rules, progress, &[])
}

fn collect(
    options: &ConsolidateOptions,
    rules: &Rules,
    progress: &(dyn Fn(Progress) + Sync),
    targets: &[run::Target],
) -> Result<Summary, Error> {
    let inputs = &options.inputs;
    let discover_options = discover::DiscoverOptions {
        exclude: options.exclude.clone(),
    };
    let mut found = discover::discover(inputs, &discover_options).map_err(Error::Exclude)?;
    run::keep_outputs_out(&mut found, targets)?;
    if found.files.is_empty() {
        let reasons: Vec<String> = found
            .set_aside
            .iter()
            .map(|s| format!("{}: {}", s.display, s.reason))
            .collect();
        let detail = if reasons.is_empty() {
            format!("no supported file under {}", inputs.join(", "))
        } else {
            reasons.join("; ")
        };
        return Err(Error::NoInputs(detail));
    }
    // Last year's departmental files are found before either year is read, so that the
    // progress bar counts both.
    let (last_year, baseline_found) = baseline_parts(options)?;
    progress(Progress::Started {
        files: found.files.len() + baseline_found.as_ref().map_or(0, |f| f.files.len()),
    });
    let done = || progress(Progress::FileDone);
    let mut summary = read_year(found, options, rules, &done)?;
    if options.baseline.is_empty() {
        return Ok(summary);
    }
    // Last year's files are read as this year's are; their findings are not this year's, and
    // only their packed departments are kept. Each year's targets are unpacked one department
    // at a time as the comparison walks them.
    let then = match baseline_found {
        Some(found) => Some(read_year(found, options, rules, &done)?.departments),
        None => None,
    };
    let last_year = compare::Lazy::new(
        last_year,
        then.as_ref().map(comparable).unwrap_or_default(),
        |n| then.as_ref().and_then(|d| d.get(n)),
        false,
    );
    let this_year = compare::Lazy::new(
        compare::Year::default(),
        comparable(&summary.departments),
        |n| summary.departments.get(n),
        true,
    );
    let outcome = compare::compare(
        &this_year,
        &last_year,
        options.baseline.clone(),
        &rules.compare,
    );
    drop(this_year);
    summary.add_comparison(outcome);
    Ok(summary)
}

/// Each department of the model, as the comparison groups them: its name, and whether it
/// holds projects (one that holds none is not compared).
fn comparable(departments: &store::Departments) -> Vec<(&str, bool)> {
    departments
        .heads()
        .map(|h| (h.about.name.as_str(), h.projects() > 0))
        .collect()
}

/// Reads the files found and consolidates them.
fn read_year(
    found: discover::Discovery,
    options: &ConsolidateOptions,
    rules: &Rules,
    done: &(dyn Fn() + Sync),
) -> Result<Summary, Error> {
    let jobs = effective_jobs(options.jobs, found.files.len());
    let mut outcomes = match &options.isolation {
        Some(iso) => worker::process_all(&found.files, rules, &options.limits, jobs, iso, done),
        None => pipeline::process_all(&found.files, rules, &options.limits, jobs, done)?,
    };
    outcomes.extend(
        found
            .set_aside
            .iter()
            .map(|s| Outcome::set_aside(&s.display, s.status, s.code, &s.reason)),
    );
    let mut summary = consolidate::consolidate(outcomes, rules);
    summary.totals.files_other = found.other_files;
    Ok(summary)
}

/// The `--baseline` arguments: last year's summaries and reports read back, and last year's
/// departmental files found (to be read by the pipeline), if any are given.
fn baseline_parts(
    options: &ConsolidateOptions,
) -> Result<(compare::Year, Option<discover::Discovery>), Error> {
    use compare::baseline::{self, Kind};
    let mut year = compare::Year::default();
    let mut files = Vec::new();
    for arg in &options.baseline {
        match baseline::kind(arg) {
            Kind::Summary => {
                year.absorb(baseline::from_summary(Path::new(arg)).map_err(Error::Baseline)?)
            }
            Kind::Report => {
                year.absorb(baseline::from_report(Path::new(arg)).map_err(Error::Baseline)?)
            }
            Kind::Files => files.push(arg.clone()),
        }
    }
    if files.is_empty() {
        return Ok((year, None));
    }
    let discover_options = discover::DiscoverOptions {
        exclude: options.exclude.clone(),
    };
    let found = discover::discover(&files, &discover_options).map_err(Error::Exclude)?;
    if found.files.is_empty() {
        return Err(Error::Baseline(format!(
            "no supported file under {}",
            files.join(", ")
        )));
    }
    Ok((year, Some(found)))
}

/// Writes the blank input workbook of `jixiao template`, atomically.
pub fn write_template(rules: &Rules, path: &Path) -> Result<(), Error> {
    let xlsx = |source| WriteError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = template::build(rules, "", None, &[]).map_err(xlsx)?;
    write::write_atomically(path, |file| workbook.save_to_writer(file).map_err(xlsx))?;
    Ok(())
}

/// Writes the blank 申报表 of `jixiao template --form`, atomically.
pub fn write_form_template(rules: &Rules, path: &Path) -> Result<(), Error> {
    let xlsx = |source| WriteError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = template::form::build(rules, None).map_err(xlsx)?;
    write::write_atomically(path, |file| workbook.save_to_writer(file).map_err(xlsx))?;
    Ok(())
}

/// Loads the rules: the file given (a regular file, at most [`rules::MAX_RULES_BYTES`]), or the
/// built-in ones.
pub fn load_rules(path: Option<&Path>) -> Result<Rules, Error> {
    Ok(match path {
        Some(p) => Rules::from_file(p)?,
        None => Rules::builtin()?,
    })
}

/// Inputs that did not come through whole, for per-file log lines.
pub fn problem_inputs(summary: &Summary) -> impl Iterator<Item = &InputRecord> {
    summary.inputs.iter().filter(|i| i.status != Status::Ok)
}
