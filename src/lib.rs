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

mod check;
mod classify;
mod consolidate;
mod discover;
mod extract;
mod layout;
mod normalize;
mod pipeline;
mod read;
mod report;
mod store;
mod text;
mod write;

use std::path::{Path, PathBuf};

// What a run is asked, and what it gives.
pub use consolidate::{InputRecord, Summary, Totals};
pub use discover::Status;
pub use read::Limits;
pub use report::findings_pretty;
pub use write::{
    MAX_NOTES, WorkbookOptions, WriteError, write_report, write_workbook, write_workbook_with,
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
        }
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
    #[error("cannot write {path}: 目录 {dir} 不存在 (no such directory)")]
    NoOutputDirectory { path: String, dir: String },
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// Discovers, reads and checks every input, then writes the summary workbook and the report.
/// `progress` is told the number of files once, then called after each file.
pub fn consolidate(
    options: &ConsolidateOptions,
    rules: &Rules,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, Error> {
    // A directory that is not there would only show when the outputs are written, after
    // every input has been read: at 20,000 files, a minute later.
    for path in [options.output.clone(), options.report_path()] {
        let dir = write::target_dir(&path);
        if !dir.is_dir() {
            return Err(Error::NoOutputDirectory {
                path: path.display().to_string(),
                dir: dir.display().to_string(),
            });
        }
    }
    let summary = build_summary(options, rules, progress)?;
    // Both outputs are complete before either replaces its target, so a failure while writing
    // leaves the previous summary and report together.
    let (workbook, report) = write::stage_outputs(
        &summary,
        &options.output,
        &options.report_path(),
        &WorkbookOptions::new(&options.labels),
    );
    let (workbook, report) = (workbook?, report?);
    workbook.commit()?;
    report.commit()?;
    Ok(summary)
}

/// A progress event.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Started { files: usize },
    FileDone,
}

/// Everything up to the summary, without writing anything.
pub fn build_summary(
    options: &ConsolidateOptions,
    rules: &Rules,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, Error> {
    let inputs = &options.inputs;
    let found = discover::discover(inputs);
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
    progress(Progress::Started {
        files: found.files.len(),
    });
    let mut outcomes =
        pipeline::process_all(&found.files, rules, &options.limits, options.jobs, &|| {
            progress(Progress::FileDone)
        })?;
    outcomes.extend(
        found
            .set_aside
            .iter()
            .map(|s| Outcome::set_aside(&s.display, s.status, s.code, &s.reason)),
    );
    Ok(consolidate::consolidate(outcomes, rules))
}

/// Writes the blank input workbook of `jixiao template`, atomically.
pub fn write_template(rules: &Rules, path: &Path) -> Result<(), Error> {
    let xlsx = |source| WriteError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = template::build(rules, "", &[]).map_err(xlsx)?;
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

/// Loads the rules: the file given, or the built-in ones.
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
