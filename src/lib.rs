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
//! | classify | [`classify`] | department → 一级/二级 categories on every indicator |
//! | check | [`check`] | department → findings (sums, declared figures) |
//! | store | [`store`] | department → packed bytes + a head of its figures, until written |
//! | consolidate | [`consolidate`] | every file's outcome → [`consolidate::Summary`] |
//! | write | [`write`] | summary → summary.xlsx and report.json, atomically |
//!
//! [`pipeline`] runs read → store for one file and maps that over all files with rayon; it also
//! surveys each department for the workbook while the department is in hand
//! ([`write::survey_department`]), so that writing never unpacks every department just to
//! place the findings. The workbook's sheets are then written on three threads (汇总, which
//! unpacks each department once and hands it on to 指标; 指标; 合计 and 问题), each in path
//! order, and the report while the workbook is compressed. Domain knowledge (header synonyms, operator and unit spellings,
//! footnote patterns) is data in `templates/rules.toml`, loaded by [`rules`]; the workbook's
//! headers and labels in other languages are data in `templates/headers.toml`, loaded by
//! [`labels`].

pub mod check;
pub mod classify;
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
pub mod store;
pub mod template;
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
    /// Caps on what one file may cost to read.
    pub limits: read::Limits,
}

/// Which findings make a completed run exit with code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FailOn {
    /// Any warning- or error-level finding.
    Warning,
    /// Any error-level finding (the default).
    #[default]
    Error,
    /// None: a completed run always exits 0.
    Never,
}

/// The process exit code for a completed run: 0, or 1 where findings reach `fail_on`.
/// (2, a run that could not be done, is decided before there is a summary.)
pub fn exit_code(summary: &Summary, fail_on: FailOn) -> u8 {
    let f = &summary.totals.findings;
    let failed = match fail_on {
        FailOn::Warning => f.error + f.warning > 0,
        FailOn::Error => f.error > 0,
        FailOn::Never => false,
    };
    u8::from(failed)
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
            limits: read::Limits::default(),
        }
    }

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
    // A directory that is not there would only show when the outputs are written, after
    // every input has been read: at 20,000 files, a minute later.
    for path in [options.output.clone(), options.report_path()] {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            return Err(RunError::Write(write::WriteError::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("目录 {} 不存在 (no such directory)", dir.display()),
                ),
            }));
        }
    }
    let summary = build_summary(options, rules, progress)?;
    // Both outputs are complete before either replaces its target, so a failure while writing
    // leaves the previous summary and report together.
    let (workbook, report) = write::stage_outputs(
        &summary,
        &options.output,
        &options.report_path(),
        &write::WorkbookOptions::new(&options.labels),
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
) -> Result<Summary, RunError> {
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
        return Err(RunError::NoInputs(detail));
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
            .map(|s| FileOutcome::set_aside(&s.display, s.status, s.code, &s.reason)),
    );
    let mut summary = consolidate::consolidate(outcomes, rules);
    summary.rules_sha256 = Some(rules.sha256());
    Ok(summary)
}

/// Writes the blank input workbook of `jixiao template`, atomically.
pub fn write_template(rules: &Rules, path: &Path) -> Result<(), write::WriteError> {
    let xlsx = |source| write::WriteError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = template::build(rules, "", &[]).map_err(xlsx)?;
    write::write_atomically(path, |file| workbook.save_to_writer(file).map_err(xlsx))
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
