//! The command line: argument parsing, the progress bar, the log lines and the closing
//! paragraph, and the one place a run's [`jixiao::Error`] becomes exit code 2. The work itself
//! is done by the library functions this calls; the library knows nothing of clap.
//! (It is part of the binary, and compiled into the benchmark too, which runs exactly this.)

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use jixiao::{ConsolidateOptions, FailOn, Limits, Progress, Status, Summary};

#[derive(Debug, Parser)]
#[command(
    name = "jixiao",
    version,
    about = "项目绩效目标汇总: consolidate departmental performance-target tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Which findings make a completed run exit with code 1 (see [`FailOn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOnArg {
    /// Any warning- or error-level finding.
    Warning,
    /// Any error-level finding (the default).
    Error,
    /// None: a completed run always exits 0.
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(arg: FailOnArg) -> FailOn {
        match arg {
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// What `consolidate` and `check` share: which files, how to read them.
#[derive(Debug, clap::Args)]
struct ReadArgs {
    /// Files, directories (searched recursively) or quoted glob patterns such as
    /// '//share/2024/**/*.xlsx'.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Files read at once, each in a process of its own [default: one per core; at most four
    /// per core].
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// A rules file to use instead of the built-in one (see `jixiao rules`).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The most cells read from one sheet, and from all the sheets of one workbook (rows, and
    /// each row's cells up to its last non-empty one); a larger sheet is refused.
    #[arg(long, default_value_t = Limits::default().max_cells,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_cells: usize,
    /// The most megabytes a file may hold uncompressed; a larger one is refused.
    #[arg(long, default_value_t = Limits::default().max_bytes / (1024 * 1024),
          value_parser = clap::value_parser!(u64).range(1..))]
    max_file_mb: u64,
    /// Leave out files and folders whose name or path matches this glob pattern (repeatable),
    /// e.g. --exclude '归档' --exclude '*.bak.xlsx'. They are listed as excluded.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// The most seconds reading one file may take; a file that takes longer is failed
    /// (read_timeout) and the run goes on.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = positive_seconds)]
    file_timeout: f64,
    /// The most memory, in megabytes, the process reading one file may use; a file that needs
    /// more is failed (reader_crashed) and the run goes on. 0: no cap.
    #[arg(long, value_name = "MB", default_value_t = 4096)]
    max_memory_mb: u64,
}

/// A number of seconds above zero and at most a day.
fn positive_seconds(text: &str) -> Result<f64, String> {
    let secs: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 {
        Ok(secs)
    } else {
        Err("must be more than 0 and at most 86400 seconds".into())
    }
}

impl ReadArgs {
    fn options(
        self,
        output: PathBuf,
        report: Option<PathBuf>,
        labels: jixiao::labels::Labels,
    ) -> ConsolidateOptions {
        let mut options = ConsolidateOptions::new(self.inputs, output);
        options.report = report;
        options.jobs = self.jobs;
        options.labels = labels;
        options.limits = Limits {
            max_cells: self.max_cells,
            max_bytes: self.max_file_mb.saturating_mul(1024 * 1024),
        };
        options.exclude = self.exclude;
        // Each file is read by a process of this executable's own, bounded in time and memory;
        // where the executable cannot be found, files are read in this process.
        options.isolation = std::env::current_exe()
            .ok()
            .map(|exe| jixiao::worker::Isolation {
                exe,
                file_timeout: std::time::Duration::from_secs_f64(self.file_timeout),
                max_memory: self.max_memory_mb.saturating_mul(1024 * 1024),
            });
        options
    }
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// One line per finding, for people.
    Table,
    /// The report's `findings` array.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read every input table and write one summary workbook and a JSON report.
    Consolidate {
        #[command(flatten)]
        read: ReadArgs,
        /// The summary workbook to write.
        #[arg(short, long)]
        output: PathBuf,
        /// The JSON report to write [default: the summary's path with the extension .json].
        #[arg(long)]
        report: Option<PathBuf>,
        /// No progress bar and no log lines.
        #[arg(short, long)]
        quiet: bool,
        /// Exit with code 1 when findings of this level (or worse) were raised.
        #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
        fail_on: FailOnArg,
        /// How per-file lines and the closing summary are logged on stderr.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        /// The language of the summary's headers and labels: zh, or en (from
        /// templates/headers.toml). Sheet names stay as they are.
        #[arg(long, default_value = jixiao::labels::DEFAULT_LANG)]
        lang: String,
        /// Also write the report's contents as flat tables in this directory: inputs,
        /// departments, projects, indicators and findings, each as Parquet and as CSV (UTF-8
        /// with BOM).
        #[arg(long, value_name = "DIR")]
        tables: Option<PathBuf>,
        /// How many seconds to wait for another run that is writing the same summary or report
        /// before giving up (exit 2).
        #[arg(long, value_name = "SECONDS", default_value_t = 120.0, value_parser = wait_seconds)]
        lock_wait: f64,
    },
    /// Read and check the inputs as consolidate does, write nothing, print the findings.
    /// Exit 0 with no error-level finding, 1 with any, 2 when the run cannot be done.
    Check {
        #[command(flatten)]
        read: ReadArgs,
        /// table: one line per finding; json: the report's findings array.
        #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
        format: CheckFormat,
    },
    /// Write a blank input workbook in the standard layout, with drop-downs from the rules.
    Template {
        /// The workbook to write.
        #[arg(short, long)]
        output: PathBuf,
        /// A blank 项目支出绩效目标申报表 (one form per project) instead of the table.
        #[arg(long)]
        form: bool,
        /// A rules file to take the drop-downs from instead of the built-in one.
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Print the built-in rules file, to start a copy for --rules.
    Rules,
}

/// Zero or more seconds, at most a day.
fn wait_seconds(text: &str) -> Result<f64, String> {
    let secs: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if secs.is_finite() && (0.0..=86_400.0).contains(&secs) {
        Ok(secs)
    } else {
        Err("must be from 0 to 86400 seconds".into())
    }
}

/// Runs the command line; returns the process's exit code.
pub fn main() -> ExitCode {
    // A reading process started by a run (see jixiao::worker) does only that.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| jixiao::worker::is_worker_arg(&a))
    {
        return ExitCode::from(jixiao::worker::serve());
    }
    // Under --log-format json every line on stderr is JSON, even for bad arguments.
    let json = {
        let args: Vec<String> = std::env::args().collect();
        args.windows(2)
            .any(|w| w[0] == "--log-format" && w[1] == "json")
            || args.iter().any(|a| a == "--log-format=json")
    };
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            let first = e.to_string();
            let first = first
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            log_error(LogFormat::Json, "bad_arguments", first);
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    let log_format = match &cli.command {
        Command::Consolidate { log_format, .. } => *log_format,
        _ => LogFormat::Text,
    };
    // Panics print nothing themselves (under --quiet nothing may, and JSON logs must stay
    // JSON); one that escapes is reported below as the run's error.
    jixiao::install_quiet_panic_hook();
    jixiao::install_signal_cleanup();
    let result = std::panic::catch_unwind(|| run(cli.command));
    match result {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            log_error(log_format, e.code(), &e.to_string());
            ExitCode::from(2)
        }
        Err(_) => {
            let note = jixiao::take_panic_note().unwrap_or_default();
            log_error(
                log_format,
                "internal_error",
                &format!("internal error: {note}"),
            );
            ExitCode::from(2)
        }
    }
}

/// Runs one command: the exit code of a completed run, or why it could not be done.
fn run(command: Command) -> Result<u8, jixiao::Error> {
    match command {
        Command::Rules => {
            print!("{}", jixiao::rules::DEFAULT_RULES);
            Ok(0)
        }
        Command::Template {
            output,
            form,
            rules,
        } => {
            let rules = jixiao::load_rules(rules.as_deref())?;
            if form {
                jixiao::write_form_template(&rules, &output)?;
            } else {
                jixiao::write_template(&rules, &output)?;
            }
            Ok(0)
        }
        Command::Check { read, format } => {
            let rules = jixiao::load_rules(read.rules.as_deref())?;
            let options = read.options(PathBuf::new(), None, jixiao::labels::Labels::default());
            let summary = jixiao::build_summary(&options, &rules, &|_| {})?;
            print_findings(&summary, format);
            if jixiao::nothing_consolidated(&summary) {
                // A department must not pass its self-check with a file the bureau cannot read.
                log_error(
                    LogFormat::Text,
                    "no_table",
                    "没有找到可读取的项目绩效目标表或申报表 (no table or form found); 财政局无法读取这些文件",
                );
            }
            Ok(jixiao::exit_code(&summary, FailOn::Error))
        }
        Command::Consolidate {
            read,
            output,
            report,
            quiet,
            fail_on,
            log_format,
            lang,
            tables,
            lock_wait,
        } => {
            let labels = jixiao::labels::Labels::new(&lang)?;
            let rules = jixiao::load_rules(read.rules.as_deref())?;
            let mut options = read.options(output, report, labels);
            options.tables = tables;
            options.lock_wait = std::time::Duration::from_secs_f64(lock_wait);
            let bar = progress_bar(quiet || log_format == LogFormat::Json);
            let progress = |event: Progress| match event {
                Progress::Started { files } => bar.set_length(files as u64),
                Progress::FileDone => bar.inc(1),
            };
            let result = jixiao::consolidate(&options, &rules, &progress);
            bar.finish_and_clear();
            let summary = result?;
            let code = jixiao::exit_code(&summary, fail_on.into());
            if !quiet {
                log_summary(log_format, &summary, &options, code);
            }
            Ok(code)
        }
    }
}

/// `check`'s output on stdout.
fn print_findings(summary: &Summary, format: CheckFormat) {
    match format {
        CheckFormat::Json => match jixiao::findings_pretty(summary) {
            Ok(text) => println!("{text}"),
            Err(e) => log_error(LogFormat::Text, "internal_error", &e.to_string()),
        },
        CheckFormat::Table => {
            for f in &summary.findings {
                let place = match (f.sheet.is_empty(), f.cell) {
                    (true, _) => f.file.to_string(),
                    (false, None) => format!("{} [{}]", f.file, f.sheet),
                    (false, Some(cell)) => format!("{} [{}]!{cell}", f.file, f.sheet),
                };
                println!(
                    "{:<4}\t{:<26}\t{place}\t{}",
                    f.severity.label_zh(),
                    f.code.as_str(),
                    f.message
                );
            }
            let c = &summary.totals.findings;
            println!(
                "文件 {} 个; 问题: 错误 {}, 警告 {}, 提示 {}",
                summary.inputs.len(),
                c.error,
                c.warning,
                c.info
            );
        }
    }
}

/// The line for a run that could not be done; `code` names what went wrong for log collectors.
fn log_error(format: LogFormat, code: &str, message: &str) {
    match format {
        LogFormat::Text => eprintln!("jixiao: error: {message}"),
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({"event": "error", "level": "error", "code": code,
                "message": message})
        ),
    }
}

/// One line per input that did not come through whole, then the closing summary.
fn log_summary(format: LogFormat, summary: &Summary, options: &ConsolidateOptions, code: u8) {
    for input in jixiao::problem_inputs(summary) {
        let reason = input.reason.as_deref().unwrap_or("");
        match format {
            LogFormat::Text => {
                let status = match input.status {
                    Status::Ok => "ok",
                    Status::Skipped => "skipped",
                    Status::Failed => "failed",
                };
                eprintln!("jixiao: {status}: {}: {reason}", input.path)
            }
            LogFormat::Json => {
                let code = input.code.map(|c| c.as_str()).unwrap_or("");
                let level =
                    input
                        .code
                        .map(|c| c.severity().as_str())
                        .unwrap_or(match input.status {
                            Status::Failed => "error",
                            _ => "info",
                        });
                eprintln!(
                    "{}",
                    serde_json::json!({"event": "input", "level": level, "code": code,
                        "path": input.path, "status": input.status, "reason": reason,
                        "run_id": summary.run_id})
                )
            }
        }
    }
    let nothing = jixiao::nothing_consolidated(summary);
    match format {
        LogFormat::Text if nothing => eprintln!(
            "{}\njixiao: 没有汇总任何输入:每个文件都被跳过或读取失败 (no input was consolidated: every file was skipped or failed)",
            closing_paragraph(summary, options)
        ),
        LogFormat::Text => eprintln!("{}", closing_paragraph(summary, options)),
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({"event": "summary",
                "level": if code == 0 { "info" } else { "warning" },
                "code": if code == 0 { "completed" } else { "completed_with_findings" },
                "totals": summary.totals,
                "summary": options.output, "report": options.report_path(),
                "tables": options.tables, "run_id": summary.run_id, "exit_code": code,
                "consolidated": !nothing})
        ),
    }
}

/// The bar is drawn only on a terminal; elsewhere (a scheduler's log) it stays hidden.
fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} 个文件  已用 {elapsed}  {per_sec}")
    {
        bar.set_style(style);
    }
    bar
}

fn closing_paragraph(summary: &Summary, options: &ConsolidateOptions) -> String {
    let t = &summary.totals;
    format!(
        "jixiao: 文件 {} 个 (成功 {}, 跳过 {}, 失败 {}); 部门 {} 个, 项目 {} 个, 预算金额 {:.2} 万元, 指标 {} 条 (合并重复 {} 条, 未归属 {} 条); 问题: 错误 {}, 警告 {}, 提示 {}. 汇总: {}  报告: {}",
        summary.inputs.len(),
        t.files_ok,
        t.files_skipped,
        t.files_failed,
        t.departments,
        t.projects,
        t.budget_wan,
        t.indicators,
        t.duplicates_collapsed,
        t.unassigned,
        t.findings.error,
        t.findings.warning,
        t.findings.info,
        options.output.display(),
        options.report_path().display()
    )
}
