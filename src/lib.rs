//! jixiao (绩效) consolidates departmental 项目绩效目标 (project performance target) tables into
//! one annotated summary workbook and a JSON report.
//!
//! The program is a pipeline; each stage is one module and passes plain data to the next:
//!
//! | stage | module | from → to |
//! |---|---|---|
//! | discover | [`discover`] | INPUTs (files, directories, globs) → sorted [`discover::InputFile`]s |
//! | read | [`read`] | a file → one [`grid::Grid`] per sheet (cells, merged blocks) |
//! | layout | [`layout`] | a grid → [`layout::TableLayout`]: header rows, which column is what |
//! | extract | [`extract`] | grid + layout → [`extract::RawTable`]: projects, rows, 合计, footnote |
//! | normalize | [`normalize`] | raw table → [`model::Department`] + findings |
//! | check | [`check`] | department → findings (sums, declared figures) |
//! | consolidate | [`consolidate`] | every file's outcome → [`consolidate::Summary`] |
//! | write | [`write`] | summary → summary.xlsx and report.json, atomically |
//!
//! [`pipeline`] runs read → check for one file and maps that over all files with rayon; it is
//! the only parallel part. Domain knowledge (header synonyms, operator and unit spellings,
//! footnote patterns) is data in `templates/rules.toml`, loaded by [`rules`]; the workbook's
//! headers and labels in other languages are data in `templates/headers.toml`, loaded by
//! [`labels`].

pub mod check;
pub mod cli;
pub mod consolidate;
pub mod discover;
pub mod extract;
pub mod finding;
pub mod grid;
pub mod labels;
pub mod layout;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod read;
pub mod rules;
pub mod text;
pub mod write;

use std::path::{Path, PathBuf};

use crate::consolidate::Summary;
use crate::discover::Status;
use crate::pipeline::FileOutcome;
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
}

impl ConsolidateOptions {
    /// The report's path: as given, or the summary's path with the extension .json.
    pub fn report_path(&self) -> PathBuf {
        self.report
            .clone()
            .unwrap_or_else(|| self.output.with_extension("json"))
    }
}

/// Why a run could not be done at all (as opposed to findings about its inputs).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no input file found: {0}")]
    NoInputs(String),
    #[error("cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
    #[error(transparent)]
    Write(#[from] write::WriteError),
}

/// Discovers, reads and checks every input, then writes the summary workbook and the report.
/// `progress` is told the number of files once, then called after each file.
pub fn consolidate(
    options: &ConsolidateOptions,
    rules: &Rules,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, RunError> {
    let summary = build_summary(&options.inputs, rules, options.jobs, progress)?;
    write::write_workbook_with(
        &summary,
        &options.output,
        &write::WorkbookOptions::new(&options.labels),
    )?;
    write::write_report(&summary, &options.report_path())?;
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
    inputs: &[String],
    rules: &Rules,
    jobs: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, RunError> {
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
        return Err(RunError::NoInputs(detail));
    }
    progress(Progress::Started {
        files: found.files.len(),
    });
    let mut outcomes =
        pipeline::process_all(&found.files, rules, jobs, &|| progress(Progress::FileDone))?;
    outcomes.extend(
        found
            .set_aside
            .iter()
            .map(|s| FileOutcome::set_aside(&s.display, s.status, s.code, &s.reason)),
    );
    let mut summary = consolidate::consolidate(outcomes, &rules.origin);
    summary.rules_sha256 = Some(rules.sha256());
    Ok(summary)
}

/// Loads the rules: the file given, or the built-in ones.
pub fn load_rules(path: Option<&Path>) -> Result<Rules, rules::RulesError> {
    match path {
        Some(p) => Rules::from_file(p),
        None => Rules::builtin(),
    }
}

/// Inputs that did not come through whole, for per-file log lines.
pub fn problem_inputs(summary: &Summary) -> impl Iterator<Item = &consolidate::InputRecord> {
    summary.inputs.iter().filter(|i| i.status != Status::Ok)
}
