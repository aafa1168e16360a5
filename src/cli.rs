//! The command line: argument parsing, the progress bar and the closing paragraph. The work
//! itself is done by the library functions this calls.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::consolidate::Summary;
use crate::{ConsolidateOptions, Progress};

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

#[derive(Debug, Subcommand)]
enum Command {
    /// Read every input table and write one summary workbook and a JSON report.
    Consolidate {
        /// Files, directories (searched recursively) or quoted glob patterns such as
        /// '//share/2024/**/*.xlsx'.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// The summary workbook to write.
        #[arg(short, long)]
        output: PathBuf,
        /// The JSON report to write [default: the summary's path with the extension .json].
        #[arg(long)]
        report: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        /// No progress bar and no closing paragraph.
        #[arg(short, long)]
        quiet: bool,
        /// A rules file to use instead of the built-in one (see `jixiao rules`).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The language of the summary's headers and labels: zh, or en (from
        /// templates/headers.toml). Sheet names stay as they are.
        #[arg(long, default_value = crate::labels::DEFAULT_LANG)]
        lang: String,
    },
    /// Print the built-in rules file, to start a copy for --rules.
    Rules,
}

/// Runs the command line; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Rules => {
            print!("{}", crate::rules::DEFAULT_RULES);
            ExitCode::SUCCESS
        }
        Command::Consolidate {
            inputs,
            output,
            report,
            jobs,
            quiet,
            rules,
            lang,
        } => {
            let labels = match crate::labels::Labels::new(&lang) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("jixiao: --lang: {e}");
                    return ExitCode::from(2);
                }
            };
            let rules = match crate::load_rules(rules.as_deref()) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("jixiao: {e}");
                    return ExitCode::from(2);
                }
            };
            let options = ConsolidateOptions {
                inputs,
                output,
                report,
                jobs,
                labels,
            };
            let bar = progress_bar(quiet);
            let progress = |event: Progress| match event {
                Progress::Started { files } => bar.set_length(files as u64),
                Progress::FileDone => bar.inc(1),
            };
            let result = crate::consolidate(&options, &rules, &progress);
            bar.finish_and_clear();
            match result {
                Ok(summary) => {
                    if !quiet {
                        for input in crate::problem_inputs(&summary) {
                            let status = serde_json::to_value(input.status)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default();
                            eprintln!(
                                "jixiao: {status}: {}: {}",
                                input.path,
                                input.reason.as_deref().unwrap_or("")
                            );
                        }
                        eprintln!("{}", closing_paragraph(&summary, &options));
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("jixiao: {e}");
                    ExitCode::from(2)
                }
            }
        }
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
