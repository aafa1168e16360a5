//! The command line: argument parsing, the progress bar, the log lines and the closing
//! paragraph, and the one place a run's [`jixiao::Error`] becomes exit code 2. The work itself
//! is done by the library functions this calls; the library knows nothing of clap.
//! (It is part of the binary, and compiled into the benchmark too, which runs exactly this.)

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use jixiao::{ConsolidateOptions, FailOn, Limits, Progress, Status, Summary};

/// The help's layout, with its headings in Chinese; options keep their English names.
const HELP_TEMPLATE: &str = "{about-with-newline}\n用法 (Usage): {usage}\n\n{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "jixiao",
    version,
    about = "项目绩效目标汇总:读取各部门的项目绩效目标表和申报表,写出一份汇总表和一份 JSON 报告 (consolidate departmental performance-target tables and forms)",
    help_template = HELP_TEMPLATE,
    subcommand_help_heading = "命令 (Commands)",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "退出码 (exit codes): 0 完成;1 完成但有达到 --fail-on 级别的问题,或没有汇总任何输入;2 无法运行;130 被中断。\n详见 README.md。"
)]
#[command(next_help_heading = "选项 (Options)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// 彩色输出:auto (终端上才用,遵守 NO_COLOR)、always、never (colored output)
    #[arg(long, value_enum, global = true, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// 显示帮助 (print help)
    #[arg(short = 'h', long, action = ArgAction::Help, global = true)]
    help: Option<bool>,
    /// 显示版本 (print version)
    #[arg(short = 'V', long, action = ArgAction::Version)]
    version: Option<bool>,
}

/// When to colour what jixiao prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ColorArg {
    /// 仅在终端上,且未设置 NO_COLOR (on a terminal, unless NO_COLOR is set)
    Auto,
    /// 总是 (always)
    Always,
    /// 从不 (never)
    Never,
}

impl ColorArg {
    /// Whether to colour what goes to stdout (`stdout`) or stderr.
    fn enabled(self, stdout: bool) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let terminal = if stdout {
                    std::io::stdout().is_terminal()
                } else {
                    std::io::stderr().is_terminal()
                };
                terminal && !no_color
            }
        }
    }
}

/// A severity's words, coloured when `color` (errors red, warnings yellow, info dim).
fn severity_label(severity: jixiao::finding::Severity, color: bool) -> String {
    use jixiao::finding::Severity;
    let label = format!("{:<4}", severity.label_zh());
    if !color {
        return label;
    }
    let code = match severity {
        Severity::Error => "1;31",
        Severity::Warning => "33",
        Severity::Info => "2",
    };
    format!("\x1b[{code}m{label}\x1b[0m")
}

/// What a completed run's exit code means, for its closing line (none for 0).
fn exit_meaning(code: u8, fail_on: FailOn, nothing: bool) -> Option<String> {
    if code == 0 {
        return None;
    }
    Some(if nothing {
        "退出码 1: 没有汇总任何输入 (no input was consolidated)".to_string()
    } else {
        match fail_on {
            FailOn::Warning => "退出码 1: 存在警告或错误级问题 (--fail-on warning)".to_string(),
            _ => "退出码 1: 存在错误级问题 (--fail-on error)".to_string(),
        }
    })
}

/// The format of log lines on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// 供人阅读的行 (lines for people)
    Text,
    /// 每行一个 JSON 对象,供日志收集 (one JSON object per line)
    Json,
}

/// Which findings make a completed run exit with code 1 (see [`FailOn`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOnArg {
    /// 任何警告或错误级问题 (any warning or error)
    Warning,
    /// 任何错误级问题 (默认) (any error; the default)
    Error,
    /// 从不:完成的运行总是退出码 0 (never)
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
    /// 输入:文件、目录 (递归查找) 或带引号的通配符,如 '//share/2024/**/*.xlsx' (files, directories
    /// or quoted glob patterns)
    #[arg(required = true, help_heading = "参数 (Arguments)")]
    inputs: Vec<String>,
    /// 同时读取的文件数,每个文件在自己的进程中读取 [默认:每核一个,至多每核四个] (files read at once)
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// 规则文件,代替内置规则 (见 `jixiao rules`) (a rules file instead of the built-in one)
    #[arg(long)]
    rules: Option<PathBuf>,
    /// 一张工作表 (及一个工作簿全部工作表) 至多读取的单元格数;更大的不读取 (the most cells read
    /// from one sheet and one workbook)
    #[arg(long, default_value_t = Limits::default().max_cells,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    max_cells: usize,
    /// 一个文件解压后至多的兆字节数;更大的不读取 (the most megabytes a file may hold uncompressed)
    #[arg(long, default_value_t = Limits::default().max_bytes / (1024 * 1024),
          value_parser = clap::value_parser!(u64).range(1..))]
    max_file_mb: u64,
    /// 排除名称或路径与此通配符相符的文件和目录 (可重复),如 --exclude '归档';它们列为 excluded
    /// (leave out matching files and folders; repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// 读取一个文件至多的秒数;超时的文件记为失败 (read_timeout),其余照常 (the most seconds one
    /// file may take)
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = positive_seconds)]
    file_timeout: f64,
    /// 读取一个文件的进程至多使用的内存 (兆字节);0 为不限 (the most memory one file's reading
    /// process may use; 0: no cap)
    #[arg(long, value_name = "MB", default_value_t = 4096)]
    max_memory_mb: u64,
    /// 与上年对比:上年的部门文件 (文件、目录或通配符)、上年 jixiao 写出的汇总表 (.xlsx) 或 JSON
    /// 报告,放在其他参数之后 (last year's files, summary or report, to compare targets with)
    #[arg(long, value_name = "LAST_YEAR", num_args = 1.., action = clap::ArgAction::Append)]
    baseline: Vec<String>,
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
        options.baseline = self.baseline;
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
    /// 每个问题一行,供人阅读 (one line per finding)
    Table,
    /// 报告的 findings 数组 (the report's findings array)
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// 读取全部输入,写出汇总表和 JSON 报告 (read every input, write the summary and the report)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项 (Options)")]
    Consolidate {
        #[command(flatten)]
        read: ReadArgs,
        /// 要写出的汇总表 (the summary workbook to write)
        #[arg(short, long)]
        output: PathBuf,
        /// 要写出的 JSON 报告 [默认:汇总表路径,扩展名 .json] (the JSON report to write)
        #[arg(long)]
        report: Option<PathBuf>,
        /// 不显示进度条和日志行 (no progress bar, no log lines)
        #[arg(short, long)]
        quiet: bool,
        /// 出现此级别 (或更严重) 的问题时退出码为 1 (exit 1 on findings of this level)
        #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
        fail_on: FailOnArg,
        /// 标准错误上的日志格式:text 或 json (the format of log lines on stderr)
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        /// 汇总表表头和标签的语言:zh 或 en;工作表名称不变 (the language of the summary's headers)
        #[arg(long, default_value = jixiao::labels::DEFAULT_LANG)]
        lang: String,
        /// 另把报告内容写成平面表 (Parquet 和 带 BOM 的 UTF-8 CSV) 到此目录 (also write flat tables)
        #[arg(long, value_name = "DIR")]
        tables: Option<PathBuf>,
        /// 另一个运行正在写同一汇总表时,至多等待的秒数;之后退出码 2 (seconds to wait for a lock)
        #[arg(long, value_name = "SECONDS", default_value_t = 120.0, value_parser = wait_seconds)]
        lock_wait: f64,
        /// 汇总表的生成日期 YYYY-MM-DD,写入说明和文档属性;未给出时用 SOURCE_DATE_EPOCH,都没有则
        /// 不记日期 (the date the summary is made on)
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<jixiao::RunDate>,
    },
    /// 像 consolidate 一样读取并检查,不写文件,只列出问题;无错误退出码 0,有错误 1 (check the
    /// inputs, write nothing, print the findings)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项 (Options)")]
    Check {
        #[command(flatten)]
        read: ReadArgs,
        /// table:每个问题一行;json:报告的 findings 数组 (how findings are printed)
        #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
        format: CheckFormat,
    },
    /// 写出一份空白的填报模板,下拉选项取自规则 (write a blank template to fill in)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项 (Options)")]
    Template {
        /// 要写出的工作簿 (the workbook to write)
        #[arg(short, long)]
        output: PathBuf,
        /// 写出空白的项目支出绩效目标申报表 (每个项目一张) 而不是表格 (a blank form instead)
        #[arg(long)]
        form: bool,
        /// 取下拉选项的规则文件 (a rules file for the drop-downs)
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// 打印内置规则文件,作为 --rules 副本的起点 (print the built-in rules)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项 (Options)")]
    Rules,
    /// 打印 shell 补全脚本 (print a shell completion script)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项 (Options)")]
    Completions {
        /// bash、zsh、fish、powershell 或 elvish
        shell: clap_complete::Shell,
    },
    /// 打印 man 手册页 (roff) (print the man page)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "选项 (Options)")]
    Man,
}

/// "2024-12-31".
fn parse_date(text: &str) -> Result<jixiao::RunDate, String> {
    jixiao::RunDate::parse(text).ok_or_else(|| "must be a date YYYY-MM-DD".to_string())
}

/// The date of `SOURCE_DATE_EPOCH` (seconds since 1970), when set; a value that is no such
/// number is refused.
fn source_date_epoch() -> Result<Option<jixiao::RunDate>, jixiao::Error> {
    let Ok(text) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let date = text
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(jixiao::RunDate::from_epoch);
    match date {
        Some(d) => Ok(Some(d)),
        None => Err(jixiao::Error::BadArgument(format!(
            "SOURCE_DATE_EPOCH={text:?} is not a number of seconds since 1970"
        ))),
    }
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
    let color = cli.color;
    let result = std::panic::catch_unwind(|| run(cli.command, color));
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
fn run(command: Command, color: ColorArg) -> Result<u8, jixiao::Error> {
    match command {
        Command::Rules => {
            print!("{}", jixiao::rules::DEFAULT_RULES);
            Ok(0)
        }
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "jixiao", &mut text);
            print_bytes(&text)
        }
        Command::Man => {
            let mut text = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut text)
                .map_err(|e| {
                    jixiao::Error::BadArgument(format!("cannot make the man page: {e}"))
                })?;
            print_bytes(&text)
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
            print_findings(&summary, format, color.enabled(true));
            let nothing = jixiao::nothing_consolidated(&summary);
            if nothing {
                // A department must not pass its self-check with a file the bureau cannot read.
                log_error(
                    LogFormat::Text,
                    "no_table",
                    "没有找到可读取的项目绩效目标表或申报表 (no table or form found); 财政局无法读取这些文件",
                );
            }
            let code = jixiao::exit_code(&summary, FailOn::Error);
            if let (Some(meaning), CheckFormat::Table) =
                (exit_meaning(code, FailOn::Error, nothing), format)
            {
                eprintln!("jixiao: {meaning}");
            }
            Ok(code)
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
            date,
        } => {
            let labels = jixiao::labels::Labels::new(&lang)?;
            let rules = jixiao::load_rules(read.rules.as_deref())?;
            let mut options = read.options(output, report, labels);
            options.tables = tables;
            options.lock_wait = std::time::Duration::from_secs_f64(lock_wait);
            options.date = match date {
                Some(d) => Some(d),
                None => source_date_epoch()?,
            };
            let bar = progress_bar(quiet || log_format == LogFormat::Json);
            // The bar names its stage, so that it never stands still without saying why.
            let progress = |event: Progress| match event {
                Progress::Started { files } => {
                    bar.set_length(files as u64);
                    bar.set_message("读取");
                }
                Progress::FileDone => bar.inc(1),
                Progress::Writing => {
                    bar.set_message("写入汇总");
                    bar.enable_steady_tick(std::time::Duration::from_millis(200));
                }
                Progress::Compressing => bar.set_message("压缩"),
            };
            let result = jixiao::consolidate(&options, &rules, &progress);
            bar.finish_and_clear();
            let summary = result?;
            let code = jixiao::exit_code(&summary, fail_on.into());
            if !quiet {
                log_summary(log_format, &summary, &options, code, fail_on.into());
            }
            Ok(code)
        }
    }
}

/// Writes `bytes` to stdout; a reader that stopped early (`| head`) is no error.
fn print_bytes(bytes: &[u8]) -> Result<u8, jixiao::Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(jixiao::Error::BadArgument(
            format!("cannot write to stdout: {e}"),
        )),
        _ => Ok(0),
    }
}

/// `check`'s output on stdout.
fn print_findings(summary: &Summary, format: CheckFormat, color: bool) {
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
                    "{}\t{:<26}\t{place}\t{}",
                    severity_label(f.severity, color),
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
fn log_summary(
    format: LogFormat,
    summary: &Summary,
    options: &ConsolidateOptions,
    code: u8,
    fail_on: FailOn,
) {
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
    let meaning = exit_meaning(code, fail_on, nothing);
    match format {
        LogFormat::Text => {
            eprintln!("{}", closing_paragraph(summary, options));
            if nothing {
                eprintln!(
                    "jixiao: 没有汇总任何输入:每个文件都被跳过或读取失败 (no input was consolidated: every file was skipped or failed)"
                );
            }
            if let Some(meaning) = meaning {
                eprintln!("jixiao: {meaning}");
            }
        }
        LogFormat::Json => eprintln!(
            "{}",
            serde_json::json!({"event": "summary",
                "level": if code == 0 { "info" } else { "warning" },
                "code": if code == 0 { "completed" } else { "completed_with_findings" },
                "totals": summary.totals,
                "summary": options.output, "report": options.report_path(),
                "tables": options.tables, "run_id": summary.run_id, "exit_code": code,
                "exit_meaning": meaning,
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
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:8} {bar:40} {pos}/{len} 个文件  已用 {elapsed}  {per_sec}",
    ) {
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
