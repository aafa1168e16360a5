//! Stage 8: write the summary workbook and the JSON report, each to a temporary file in the
//! target directory that is renamed into place only once complete, so a failed run never
//! leaves a half-written summary where the last good one was.
//!
//! Every worksheet is written in constant-memory mode, strictly row by row, so the workbook's
//! size does not bound the memory the run needs. That decides the design of what the summary
//! shows on its face:
//! - where each department, project and indicator lands is computed up front from the summary
//!   ([`Layout`]), so a 问题 row can link to a row written earlier or later;
//! - cells with a finding are filled by severity through their cell format, decided while the
//!   row is written ([`Marks`]);
//! - links are `HYPERLINK` formulas with their text stored as the cached result: they stream
//!   like any cell, where worksheet hyperlinks would be held in memory until the end and Excel
//!   accepts no more than 65,530 of them on a sheet;
//! - cell notes are capped for the whole workbook ([`MAX_NOTES`]): the writer holds each note
//!   in memory until it saves, about 12 KB apiece at its peak;
//! - row heights are one height per sheet: a height per row would be held in memory too.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use rust_xlsxwriter::{
    ConditionalFormatCell, ConditionalFormatCellRule, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, FormatUnderline, Formula, Note, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::consolidate::Summary;
use crate::discover::Status;
use crate::finding::{Code, Finding, Severity};
use crate::labels::Labels;
use crate::model::{CategorySource, Department, Indicator};
use crate::text::{
    clean, column_name, cut_for_cell, cut_to, format_number, parse_cell, parse_number, round_amount,
};

/// The sheet names, in workbook order. Part of the output contract.
pub const SHEET_PROJECTS: &str = "汇总";
pub const SHEET_INDICATORS: &str = "指标";
pub const SHEET_TOTALS: &str = "合计";
pub const SHEET_FINDINGS: &str = "问题";
/// How the summary was made, the legend and the finding codes; the last sheet.
pub const SHEET_README: &str = "说明";

/// Shown in 项目名称 for the indicators that lost their project.
pub const UNASSIGNED_LABEL: &str = "(未归属)";

/// Excel's last row is 1,048,576; one is the header.
pub const MAX_DATA_ROWS: u32 = 1_048_575;

/// Cell notes written in the whole workbook at most, a quarter of them on 汇总 and the rest on
/// 指标. Notes are drawn objects: tens of thousands make a workbook slow to open, and the
/// writer holds each in memory until it saves (10,000 notes cost 120 MB). The 标注 column and
/// the JSON report hold every repair anyway; 说明 counts the ones left without a note.
pub const MAX_NOTES: usize = 4_000;

/// A note longer than this is cut: a note is a pointer to the repair, not the whole record.
const NOTE_MAX_CHARS: usize = 600;

/// Wrapped text columns show at most this many lines; the cell holds the rest.
const MAX_LINES: usize = 3;

/// Points per line of wrapped text (11 pt type with CJK fallback fonts).
const LINE_HEIGHT: f64 = 15.0;

pub const PROJECT_HEADERS: [&str; 13] = [
    "部门",
    "序号",
    "项目名称",
    "预算金额(万元)",
    "本级支出(万元)",
    "转移支付支出(万元)",
    "指标数",
    "问题数",
    "来源",
    "项目概况",
    "年度绩效目标",
    "首条指标",
    "部门编号",
];
pub const INDICATOR_HEADERS: [&str; 15] = [
    "部门",
    "序号",
    "项目名称",
    "指标名称",
    "运算符",
    "目标值",
    "单位",
    "原始运算符",
    "原始目标值",
    "原始单位",
    "标注",
    "来源",
    "一级指标",
    "二级指标",
    "分类来源",
];
pub const TOTAL_HEADERS: [&str; 14] = [
    "部门",
    "项目数",
    "预算金额(万元)",
    "本级支出(万元)",
    "转移支付支出(万元)",
    "申报项目数",
    "申报金额(万元)",
    "差额(万元)",
    "指标数",
    "重复指标数",
    "问题数",
    "未归属指标数",
    "来源文件",
    "部门编号",
];
pub const FINDING_HEADERS: [&str; 8] = [
    "级别",
    "代码",
    "部门",
    "文件",
    "工作表",
    "单元格",
    "说明",
    "位置",
];
const README_INPUT_HEADERS: [&str; 5] = ["路径", "状态", "原因", "SHA-256", "工作表"];
const README_CODE_HEADERS: [&str; 3] = ["代码", "级别", "含义"];

/// The label of the grand-total row of 合计.
pub const GRAND_TOTAL_LABEL: &str = "总计";

// Column positions, by sheet.
const P_DEPT: u16 = 0;
const P_SEQ: u16 = 1;
const P_NAME: u16 = 2;
const P_BUDGET: u16 = 3;
const P_OWN: u16 = 4;
const P_TRANSFER: u16 = 5;
const P_INDICATORS: u16 = 6;
const P_FINDINGS: u16 = 7;
const P_SOURCE: u16 = 8;
const P_OVERVIEW: u16 = 9;
const P_GOAL: u16 = 10;
const P_FIRST_INDICATOR: u16 = 11;
const P_KEY: u16 = 12;

const I_DEPT: u16 = 0;
const I_SEQ: u16 = 1;
const I_PROJECT: u16 = 2;
const I_NAME: u16 = 3;
const I_OP: u16 = 4;
const I_VALUE: u16 = 5;
const I_UNIT: u16 = 6;
const I_RAW_OP: u16 = 7;
const I_RAW_VALUE: u16 = 8;
const I_RAW_UNIT: u16 = 9;
const I_NOTES: u16 = 10;
const I_SOURCE: u16 = 11;
const I_LEVEL1: u16 = 12;
const I_LEVEL2: u16 = 13;
const I_CATEGORY_SOURCE: u16 = 14;

const T_DEPT: u16 = 0;
const T_PROJECTS: u16 = 1;
const T_BUDGET: u16 = 2;
const T_DECLARED_COUNT: u16 = 5;
const T_DECLARED_AMOUNT: u16 = 6;
const T_DIFFERENCE: u16 = 7;
const T_INDICATORS: u16 = 8;
const T_DUPLICATES: u16 = 9;
const T_FINDINGS: u16 = 10;
const T_UNASSIGNED: u16 = 11;
const T_FILE: u16 = 12;
const T_KEY: u16 = 13;
/// The first of the per-category counts.
const T_CATEGORIES: u16 = 14;

const F_DEPT: u16 = 2;
const F_FILE: u16 = 3;
const F_MESSAGE: u16 = 6;
const F_PLACE: u16 = 7;

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "cannot replace {path}: 文件被占用或没有写权限,可能正在 Excel/WPS 中打开 (locked or read-only: is it open in Excel?); the previous file is unchanged"
    )]
    Locked { path: String },
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot build the workbook {path}: {source}")]
    Xlsx { path: String, source: XlsxError },
    #[error("cannot write the report {path}: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
}

/// How the workbook is written.
#[derive(Debug, Clone)]
pub struct WorkbookOptions<'a> {
    /// The language of headers and labels.
    pub labels: &'a Labels,
    /// Data rows per 指标 sheet before the table continues on 指标(2): Excel's limit, smaller
    /// only to test the split.
    pub rows_per_sheet: u32,
    /// Cell notes in the workbook at most.
    pub max_notes: usize,
}

impl<'a> WorkbookOptions<'a> {
    pub fn new(labels: &'a Labels) -> WorkbookOptions<'a> {
        WorkbookOptions {
            labels,
            rows_per_sheet: MAX_DATA_ROWS,
            max_notes: MAX_NOTES,
        }
    }
}

/// A complete output waiting in a temporary file beside its target, to be renamed into place.
/// Dropped without `commit`, the temporary file is removed and the target left as it was.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl Staged {
    /// Renames the temporary file over the target.
    pub fn commit(self) -> Result<(), WriteError> {
        let path = self.path;
        self.tmp.persist(&path).map_err(|e| {
            // On a Windows share a workbook open in Excel or WPS cannot be replaced.
            if e.error.kind() == std::io::ErrorKind::PermissionDenied {
                WriteError::Locked {
                    path: path.display().to_string(),
                }
            } else {
                WriteError::Io {
                    path: path.display().to_string(),
                    source: e.error,
                }
            }
        })?;
        Ok(())
    }
}

/// Writes a temporary file in `path`'s directory with `fill`, ready to replace `path`.
pub fn stage(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), WriteError>,
) -> Result<Staged, WriteError> {
    let io = |source: std::io::Error| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".jixiao-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    fill(tmp.as_file_mut())?;
    tmp.as_file_mut().sync_all().map_err(io)?;
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
    })
}

/// Writes `path` by writing a temporary file beside it and renaming it into place.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), WriteError>,
) -> Result<(), WriteError> {
    stage(path, fill)?.commit()
}

/// The JSON report, staged.
pub fn stage_report(summary: &Summary, path: &Path) -> Result<Staged, WriteError> {
    stage(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        // Compact: the report is read by programs, and indented it was twice the size (2.3 GB
        // at 20,000 files); `jq .` shows it indented.
        serde_json::to_writer(&mut out, summary).map_err(|source| WriteError::Json {
            path: path.display().to_string(),
            source,
        })?;
        out.write_all(b"\n")
            .and_then(|_| out.flush())
            .map_err(|source| WriteError::Io {
                path: path.display().to_string(),
                source,
            })
    })
}

/// The summary workbook, staged.
pub fn stage_workbook(
    summary: &Summary,
    path: &Path,
    options: &WorkbookOptions<'_>,
) -> Result<Staged, WriteError> {
    stage_workbook_with(summary, path, options, &|| {})
}

/// [`stage_workbook`], calling `sheets_written` once every sheet is written, before the
/// workbook is compressed into its file.
fn stage_workbook_with(
    summary: &Summary,
    path: &Path,
    options: &WorkbookOptions<'_>,
    sheets_written: &(dyn Fn() + Sync),
) -> Result<Staged, WriteError> {
    let xlsx = |source: XlsxError| WriteError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = build_workbook(summary, options, sheets_written).map_err(xlsx)?;
    let staged = stage(path, |file| workbook.save_to_writer(file).map_err(xlsx));
    // Closing the sheets' temporary files frees their disk blocks: a tenth of a second at
    // 2,000 files that nothing needs to wait for. (If no thread can be had, the failed spawn
    // drops the workbook here.)
    let _ = std::thread::Builder::new().spawn(move || drop(workbook));
    staged
}

/// The workbook and the report, both staged; neither replaces its target.
///
/// The report waits until the workbook's sheets are written. Writing them keeps both cores
/// busy (three threads: 汇总, 指标, 合计 and 问题), but compressing the workbook into its file
/// is one thread's work: the report takes the idle core then. Written from the start, it took
/// CPU from 指标, the longest task.
pub fn stage_outputs(
    summary: &Summary,
    workbook_path: &Path,
    report_path: &Path,
    options: &WorkbookOptions<'_>,
) -> (Result<Staged, WriteError>, Result<Staged, WriteError>) {
    let (go, wait) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let report = scope.spawn(move || {
            // A message, or a hung-up sender when the workbook failed before its sheets were
            // written: the report is written all the same.
            let _ = wait.recv();
            stage_report(summary, report_path)
        });
        let workbook = {
            let notify = move || {
                let _ = go.send(());
            };
            stage_workbook_with(summary, workbook_path, options, &notify)
        };
        let report = report
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (workbook, report)
    })
}

/// Writes the JSON report.
pub fn write_report(summary: &Summary, path: &Path) -> Result<(), WriteError> {
    stage_report(summary, path)?.commit()
}

/// Writes the summary workbook with Chinese headers.
pub fn write_workbook(summary: &Summary, path: &Path) -> Result<(), WriteError> {
    let labels = Labels::default();
    write_workbook_with(summary, path, &WorkbookOptions::new(&labels))
}

/// Writes the summary workbook.
pub fn write_workbook_with(
    summary: &Summary,
    path: &Path,
    options: &WorkbookOptions<'_>,
) -> Result<(), WriteError> {
    stage_workbook(summary, path, options)?.commit()
}

// ---------------------------------------------------------------------------------------------
// Where everything lands.

/// A cell of the summary, named by what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// The n-th project of 汇总 (over all departments), and a column.
    Project(usize, u16),
    /// The n-th indicator row of 指标 (over all its parts), and a column.
    Indicator(usize, u16),
    /// The n-th department row of 合计, and a column.
    Department(usize, u16),
    /// The n-th input of the 说明 sheet's input list.
    Input(usize),
}

/// Where in its own department a finding points: a [`Place`] before the department's rows are
/// numbered among all others. Found by [`survey_department`] while the department is in hand,
/// as its file is read, so that writing the summary need not unpack every department once more
/// to place the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spot {
    on: SpotOn,
    /// The indicator's or the project's position in the department (0 for its 合计 row).
    index: u32,
    column: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpotOn {
    Indicator,
    Project,
    Department,
}

impl Spot {
    fn indicator(pos: usize, column: u16) -> Spot {
        Spot {
            on: SpotOn::Indicator,
            index: pos as u32,
            column,
        }
    }

    fn project(p: usize, column: u16) -> Spot {
        Spot {
            on: SpotOn::Project,
            index: p as u32,
            column,
        }
    }

    fn department(column: u16) -> Spot {
        Spot {
            on: SpotOn::Department,
            index: 0,
            column,
        }
    }

    /// The cell of the summary, for the `d`-th department.
    fn place(self, d: usize, layout: &Layout) -> Place {
        let index = self.index as usize;
        match self.on {
            SpotOn::Indicator => Place::Indicator(layout.indicator_start[d] + index, self.column),
            SpotOn::Project => Place::Project(layout.project_start[d] + index, self.column),
            SpotOn::Department => Place::Department(d, self.column),
        }
    }
}

/// What writing the summary must know of a department before it writes any sheet, found while
/// the department is in hand (see [`survey_department`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DepartmentSurvey {
    /// Lines of text its tallest row of 汇总 needs (1 to [`MAX_LINES`]).
    pub lines: u8,
    /// Its projects whose figures carry a note.
    pub projects_with_notes: u32,
    /// Its rows of 指标 that carry a note.
    pub noted_rows: u32,
}

/// Surveys one department for the summary, and spots each of its findings that names a cell.
pub fn survey_department(dept: &Department, findings: &mut [Finding]) -> DepartmentSurvey {
    let mut lines = 1;
    let mut with_notes = 0;
    for p in &dept.projects {
        with_notes += u32::from(!p.notes.is_empty());
        if lines < MAX_LINES {
            lines = lines.max(sheet_lines(
                [&dept.name, &p.name, &p.overview, &p.goal]
                    .into_iter()
                    .zip(PROJECT_WRAPPED)
                    .map(|(text, (_, width))| lines_needed(text, width)),
            ));
        }
    }
    let noted_rows = indicator_rows(dept, "")
        .filter(|row| note_column(row.indicator, row.unassigned).is_some())
        .count() as u32;
    let mut index = None;
    for f in findings.iter_mut().filter(|f| !f.cell.is_empty()) {
        let index = index.get_or_insert_with(|| CellIndex::new(dept));
        f.spot = Some(spot_in_department(f, dept, index));
    }
    DepartmentSurvey {
        lines: lines as u8,
        projects_with_notes: with_notes,
        noted_rows,
    }
}

/// A cell address: sheet, zero-based row and column.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Address {
    sheet: String,
    row: u32,
    col: u16,
}

impl Address {
    /// What a link to it shows: 指标(2)!D5.
    fn display(&self) -> String {
        format!(
            "{}!{}",
            self.sheet,
            crate::text::cell_name(self.row, self.col as u32)
        )
    }

    /// The HYPERLINK formula that jumps to it; the text is the cached result, so it shows in
    /// readers that do not recalculate. Excel, WPS and LibreOffice all follow "#'Sheet'!A1".
    fn link(&self) -> Formula {
        self.link_showing(&self.display())
    }

    /// The link, showing `display`.
    fn link_showing(&self, display: &str) -> Formula {
        let cell = crate::text::cell_name(self.row, self.col as u32);
        Formula::new(format!(
            "=HYPERLINK(\"#'{}'!{cell}\",\"{}\")",
            self.sheet.replace('"', "\"\""),
            display.replace('"', "\"\"")
        ))
        .set_result(display)
    }
}

/// The name of the n-th 指标 sheet (0: 指标, 1: 指标(2), …).
fn indicator_sheet_name(part: usize) -> String {
    if part == 0 {
        SHEET_INDICATORS.to_string()
    } else {
        format!("{SHEET_INDICATORS}({})", part + 1)
    }
}

/// Where each department's projects and indicators start, computed from the summary alone.
struct Layout {
    rows_per_sheet: u32,
    project_start: Vec<usize>,
    indicator_start: Vec<usize>,
    indicators: usize,
    projects: usize,
    /// Row of the 说明 sheet that holds the first input.
    first_input_row: u32,
}

impl Layout {
    fn new(summary: &Summary, rows_per_sheet: u32, first_input_row: u32) -> Layout {
        let mut project_start = Vec::with_capacity(summary.departments.len());
        let mut indicator_start = Vec::with_capacity(summary.departments.len());
        let (mut projects, mut indicators) = (0, 0);
        for d in summary.departments.heads() {
            project_start.push(projects);
            indicator_start.push(indicators);
            projects += d.projects();
            indicators += d.indicators;
        }
        Layout {
            rows_per_sheet: rows_per_sheet.max(1),
            project_start,
            indicator_start,
            indicators,
            projects,
            first_input_row,
        }
    }

    /// How many 指标 sheets there are (at least one, even empty).
    fn indicator_parts(&self) -> usize {
        self.indicators
            .div_ceil(self.rows_per_sheet as usize)
            .max(1)
    }

    fn address(&self, place: Place) -> Address {
        match place {
            Place::Project(n, col) => Address {
                sheet: SHEET_PROJECTS.to_string(),
                row: n as u32 + 1,
                col,
            },
            Place::Indicator(n, col) => {
                let per = self.rows_per_sheet as usize;
                Address {
                    sheet: indicator_sheet_name(n / per),
                    row: (n % per) as u32 + 1,
                    col,
                }
            }
            Place::Department(n, col) => Address {
                sheet: SHEET_TOTALS.to_string(),
                row: n as u32 + 1,
                col,
            },
            Place::Input(n) => Address {
                sheet: SHEET_README.to_string(),
                row: self.first_input_row + n as u32,
                col: 0,
            },
        }
    }
}

/// One department's indicators by source cell and by source row, to find what a finding's
/// cell is about. Built only for departments that have findings.
struct CellIndex<'a> {
    /// Every copy's cell → position among the department's indicators.
    cells: HashMap<&'a str, usize>,
    /// Source row (zero-based) → (position, column of the indicator's name).
    rows: HashMap<u32, (usize, u32)>,
    /// Each project's positions (start, end).
    ranges: Vec<(usize, usize)>,
}

impl<'a> CellIndex<'a> {
    fn new(d: &'a Department) -> CellIndex<'a> {
        let mut cells = HashMap::new();
        let mut rows = HashMap::new();
        let mut ranges = Vec::with_capacity(d.projects.len());
        let mut pos = 0;
        let all = d
            .projects
            .iter()
            .flat_map(|p| &p.indicators)
            .chain(d.unassigned.iter().map(|u| &u.indicator));
        for p in &d.projects {
            ranges.push((pos, pos + p.indicators.len()));
            pos += p.indicators.len();
        }
        for (pos, i) in all.enumerate() {
            for cell in &i.cells {
                cells.entry(cell.as_str()).or_insert(pos);
                if let Some((row, col)) = parse_cell(cell) {
                    rows.entry(row).or_insert((pos, col));
                }
            }
        }
        CellIndex {
            cells,
            rows,
            ranges,
        }
    }
}

/// The column of 指标 a finding about an indicator points at.
fn indicator_column(code: Code) -> u16 {
    match code {
        Code::UnknownOperator => I_OP,
        Code::CellError => I_VALUE,
        Code::ShiftedRow => I_PROJECT,
        _ => I_NAME,
    }
}

/// Before any sheet is written: the cell of the summary each finding is about, if any (an
/// indicator or project cell it names, else the department's row of 合计, else its input in
/// 说明), and what 汇总 must know of all its rows. The departments were surveyed as their files
/// were read ([`survey_department`]); only a finding that was not spotted then makes its
/// department be unpacked here.
fn survey(summary: &Summary, layout: &Layout) -> Survey {
    let departments: HashMap<(&str, &str), usize> = summary
        .departments
        .heads()
        .enumerate()
        .map(|(n, d)| ((d.file.as_str(), d.sheet.as_str()), n))
        .collect();
    let inputs: HashMap<&str, usize> = summary
        .inputs
        .iter()
        .enumerate()
        .map(|(n, i)| (i.path.as_str(), n))
        .collect();
    let mut places = vec![None; summary.findings.len()];
    let mut unspotted: Vec<(usize, usize)> = Vec::new();
    for (n, f) in summary.findings.iter().enumerate() {
        match departments.get(&(&*f.file, f.sheet.as_str())) {
            Some(&d) if !f.cell.is_empty() => match f.spot {
                Some(spot) => places[n] = Some(spot.place(d, layout)),
                None => unspotted.push((d, n)),
            },
            _ => places[n] = inputs.get(&*f.file).map(|&i| Place::Input(i)),
        }
    }
    unspotted.sort_unstable();
    for group in unspotted.chunk_by(|a, b| a.0 == b.0) {
        let d = group[0].0;
        let Some(dept) = summary.departments.get(d) else {
            continue;
        };
        let index = CellIndex::new(&dept);
        for &(_, n) in group {
            let spot = spot_in_department(&summary.findings[n], &dept, &index);
            places[n] = Some(spot.place(d, layout));
        }
    }
    let heads = summary.departments.heads();
    let (mut project_lines, mut projects_with_notes) = (1, 0);
    for h in heads {
        project_lines = project_lines.max(usize::from(h.survey.lines));
        projects_with_notes += h.survey.projects_with_notes as usize;
    }
    Survey {
        places,
        project_lines,
        projects_with_notes,
    }
}

/// What [`survey`] finds.
struct Survey {
    places: Vec<Option<Place>>,
    /// Lines of text every row of 汇总 must be high enough for.
    project_lines: usize,
    /// Projects whose figures carry a note.
    projects_with_notes: usize,
}

fn spot_in_department(f: &Finding, dept: &Department, index: &CellIndex<'_>) -> Spot {
    let indicator = |pos: usize| Spot::indicator(pos, indicator_column(f.code));
    if let Some(&pos) = index.cells.get(f.cell.as_str()) {
        return indicator(pos);
    }
    let declared = &dept.declared;
    if let Some(i) = declared.sum_row_cells.iter().position(|c| *c == f.cell) {
        return Spot::department(T_BUDGET + i as u16);
    }
    // The footnote is one cell that declares the count, the total and often the name too.
    match f.code {
        Code::DeclaredCountMismatch if declared.count_cell == f.cell => {
            return Spot::department(T_DECLARED_COUNT);
        }
        Code::DeclaredTotalMismatch if declared.footnote_cell == f.cell => {
            return Spot::department(T_DECLARED_AMOUNT);
        }
        _ if dept.name_source.rsplit_once('!').map(|(_, c)| c) == Some(f.cell.as_str()) => {
            return Spot::department(T_DEPT);
        }
        _ => {}
    }
    let Some((row, col)) = parse_cell(&f.cell) else {
        return Spot::department(T_DEPT);
    };
    // On a row shared by a project and its first indicator, cells left of the indicator's
    // name are the project's.
    let on_row = index.rows.get(&row).copied();
    if let Some(p) = f.project.filter(|&p| p < dept.projects.len()) {
        let (start, end) = index.ranges[p];
        if let Some((pos, name_col)) = on_row
            && (start..end).contains(&pos)
            && col >= name_col
        {
            return indicator(pos);
        }
        let project = &dept.projects[p];
        let name_cell = project
            .source
            .rsplit_once('!')
            .map(|(_, c)| c)
            .unwrap_or_default();
        let column = if f.cell == project.budget_cell && f.cell != name_cell {
            P_BUDGET
        } else if matches!(f.code, Code::BadAmount | Code::CellError)
            && let Some((budget_row, budget_col)) = parse_cell(&project.budget_cell)
            && budget_row == row
            && f.cell != name_cell
        {
            // 本级 and 转移支付 follow 预算金额 in every known layout; anything else is shown
            // on the project's name.
            match col.checked_sub(budget_col) {
                Some(1) => P_OWN,
                Some(2) => P_TRANSFER,
                _ => P_NAME,
            }
        } else {
            P_NAME
        };
        return Spot::project(p, column);
    }
    if let Some((pos, _)) = on_row {
        return indicator(pos);
    }
    Spot::department(T_DEPT)
}

/// The cells to fill, by severity, for one sheet: (row index, column, severity), in order.
struct Marks {
    items: Vec<(usize, u16, Severity)>,
    at: usize,
}

impl Marks {
    fn new(mut items: Vec<(usize, u16, Severity)>) -> Marks {
        // Several findings on one cell: the most severe one decides (Error sorts first).
        items.sort_unstable();
        items.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1);
        Marks { items, at: 0 }
    }

    /// The marks of rows `start..`, taken out of these.
    fn split_off(&mut self, start: usize) -> Marks {
        let at = self.items.partition_point(|m| m.0 < start);
        Marks {
            items: self.items.split_off(at),
            at: 0,
        }
    }

    /// The marks of row `n`; rows must be asked for in increasing order.
    fn take(&mut self, n: usize) -> Vec<(u16, Severity)> {
        while self.at < self.items.len() && self.items[self.at].0 < n {
            self.at += 1;
        }
        let mut row = Vec::new();
        while self.at < self.items.len() && self.items[self.at].0 == n {
            row.push((self.items[self.at].1, self.items[self.at].2));
            self.at += 1;
        }
        row
    }
}

/// The marks of 汇总, 指标 and 合计, from the findings' places. Only errors and warnings fill.
fn marks(summary: &Summary, places: &[Option<Place>]) -> [Marks; 3] {
    let mut sets: [Vec<(usize, u16, Severity)>; 3] = Default::default();
    for (f, place) in summary.findings.iter().zip(places) {
        if f.severity == Severity::Info {
            continue;
        }
        match place {
            Some(Place::Project(n, c)) => sets[0].push((*n, *c, f.severity)),
            Some(Place::Indicator(n, c)) => sets[1].push((*n, *c, f.severity)),
            Some(Place::Department(n, c)) => sets[2].push((*n, *c, f.severity)),
            _ => {}
        }
    }
    sets.map(Marks::new)
}

// ---------------------------------------------------------------------------------------------
// Formats.

/// What a cell holds, for its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Wrap,
    Amount,
    Count,
    Link,
}

const KINDS: usize = 5;

struct Formats {
    /// By kind, then fill: none, error, warning.
    cells: Vec<[Format; 3]>,
    header: Format,
    total_label: Format,
    total_amount: Format,
    total_count: Format,
    title: Format,
    section: Format,
    label: Format,
}

const ERROR_FILL: &str = "#FFC7CE";
const ERROR_FONT: &str = "#9C0006";
const WARNING_FILL: &str = "#FFEB9C";
const WARNING_FONT: &str = "#9C5700";

fn fill_index(severity: Option<Severity>) -> usize {
    match severity {
        Some(Severity::Error) => 1,
        Some(Severity::Warning) => 2,
        _ => 0,
    }
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new().set_align(FormatAlign::Top);
        let amount = base.clone().set_num_format("#,##0.00");
        let kinds: [Format; KINDS] = [
            base.clone(),
            base.clone().set_text_wrap(),
            amount.clone(),
            base.clone(),
            base.clone()
                .set_font_color("#0563C1")
                .set_underline(FormatUnderline::Single),
        ];
        let cells = kinds
            .into_iter()
            .map(|f| {
                [
                    f.clone(),
                    f.clone()
                        .set_background_color(ERROR_FILL)
                        .set_font_color(ERROR_FONT),
                    f.set_background_color(WARNING_FILL)
                        .set_font_color(WARNING_FONT),
                ]
            })
            .collect();
        Formats {
            cells,
            header: Format::new()
                .set_bold()
                .set_background_color("#DDEBF7")
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            total_label: Format::new().set_bold(),
            total_amount: amount.set_bold(),
            total_count: Format::new().set_bold(),
            title: Format::new().set_bold().set_font_size(14),
            section: Format::new()
                .set_bold()
                .set_background_color("#DDEBF7")
                .set_border_bottom(FormatBorder::Thin),
            label: Format::new().set_bold().set_align(FormatAlign::Top),
        }
    }

    /// Gives every format its number in the workbook's styles, in this fixed order.
    fn register(&self, workbook: &mut Workbook) {
        let named = [
            &self.header,
            &self.total_label,
            &self.total_amount,
            &self.total_count,
            &self.title,
            &self.section,
            &self.label,
        ];
        for format in self.cells.iter().flatten().chain(named) {
            // Hidden in rust_xlsxwriter's docs, and documented in its source for exactly this:
            // fixing format numbers before constant-memory sheets are written on several
            // threads.
            workbook.register_format(format);
        }
    }

    fn cell(&self, kind: Kind, severity: Option<Severity>) -> &Format {
        &self.cells[kind as usize][fill_index(severity)]
    }
}

// ---------------------------------------------------------------------------------------------
// Writing a sheet row by row.

/// Constant-memory worksheets made up front, so that sheets can be written on other threads
/// than the one holding the workbook, and the finished ones in the order they were finished.
struct Sheets {
    fresh: std::vec::IntoIter<Worksheet>,
    done: Vec<Worksheet>,
}

impl Sheets {
    fn new(workbook: &mut Workbook, count: usize) -> Result<Sheets, XlsxError> {
        let fresh = (0..count)
            .map(|_| workbook.new_worksheet_with_constant_memory())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sheets {
            fresh: fresh.into_iter(),
            done: Vec::with_capacity(count),
        })
    }

    fn take(&mut self) -> Result<Worksheet, XlsxError> {
        self.fresh.next().ok_or_else(missing_sheet)
    }

    fn put(&mut self, sheet: Worksheet) {
        self.done.push(sheet);
    }
}

/// More sheets asked for than were made: a bug in counting them, reported, not a panic.
fn missing_sheet() -> XlsxError {
    XlsxError::ParameterError("jixiao: a worksheet was not made up front".to_string())
}

/// A worksheet being written row by row, remembering each column's widest text.
struct SheetWriter<'f> {
    sheet: Worksheet,
    formats: &'f Formats,
    widths: Vec<usize>,
    /// Columns of fixed width whose text wraps.
    wrapped: Vec<(u16, usize)>,
    /// Widest a column may grow (long paths are cut off on screen, whole in the cell).
    limits: Vec<(u16, usize)>,
    row: u32,
    /// The autofilter's last row, where rows below the table (a total) must not be sorted.
    filter_last_row: Option<u32>,
    marks: Vec<(u16, Severity)>,
    notes_left: usize,
    notes_written: usize,
    notes_skipped: usize,
    last_col: u16,
    /// Each column's format as a column default: a cell of that kind with no finding is written
    /// without a format and takes the column's. rust_xlsxwriter hashes and compares the whole
    /// Format on every formatted write, which cost an eighth of a large run.
    column_kinds: Vec<Kind>,
}

impl<'f> SheetWriter<'f> {
    fn new(
        sheets: &mut Sheets,
        name: &str,
        headers: &[&str],
        formats: &'f Formats,
        labels: &Labels,
        notes: usize,
    ) -> Result<SheetWriter<'f>, XlsxError> {
        let mut sheet = sheets.take()?;
        sheet.set_name(name)?;
        let mut widths = Vec::with_capacity(headers.len());
        for (col, header) in headers.iter().enumerate() {
            let header = labels.t(header);
            sheet.write_string_with_format(0, col as u16, header, &formats.header)?;
            widths.push(header_width(header));
        }
        sheet.set_row_height(0, LINE_HEIGHT * 2.0 + 4.0)?;
        sheet.set_freeze_panes(1, 0)?;
        sheet.set_default_note_author("jixiao");
        for col in 0..headers.len() {
            sheet.set_column_format(col as u16, formats.cell(Kind::Text, None))?;
        }
        Ok(SheetWriter {
            sheet,
            formats,
            widths,
            wrapped: Vec::new(),
            limits: Vec::new(),
            row: 0,
            filter_last_row: None,
            marks: Vec::new(),
            notes_left: notes,
            notes_written: 0,
            notes_skipped: 0,
            last_col: headers.len().saturating_sub(1) as u16,
            column_kinds: vec![Kind::Text; headers.len()],
        })
    }

    /// Gives `col` the format of `kind` as its default; call before the first data row.
    fn column_kind(&mut self, col: u16, kind: Kind) -> Result<(), XlsxError> {
        if let Some(k) = self.column_kinds.get_mut(col as usize) {
            *k = kind;
            self.sheet
                .set_column_format(col, self.formats.cell(kind, None))?;
        }
        Ok(())
    }

    /// Does a cell of `kind` in `col`, without a finding, look exactly as the column's default?
    fn plain(&self, col: u16, kind: Kind, severity: Option<Severity>) -> bool {
        let same = |k: Kind| match k {
            Kind::Count => Kind::Text,
            k => k,
        };
        severity.is_none()
            && self
                .column_kinds
                .get(col as usize)
                .is_some_and(|&k| same(k) == same(kind))
    }

    /// Makes `col` a wrapped column `width` wide.
    fn wrap_column(&mut self, col: u16, width: usize) -> Result<(), XlsxError> {
        self.wrapped.push((col, width));
        self.column_kind(col, Kind::Wrap)
    }

    /// Lets `col` grow to `width` at most.
    fn limit_column(&mut self, col: u16, width: usize) {
        self.limits.push((col, width));
    }

    /// Gives every row the height of `lines` lines of text. One height for the whole sheet:
    /// heights per row would be held in memory until the sheet is saved.
    fn line_height(&mut self, lines: usize) {
        if lines > 1 {
            self.sheet
                .set_default_row_height(LINE_HEIGHT * lines as f64 + 2.0);
        }
    }

    fn next_row(&mut self, marks: Vec<(u16, Severity)>) -> u32 {
        self.row += 1;
        self.marks = marks;
        self.row
    }

    fn severity(&self, col: u16) -> Option<Severity> {
        self.marks.iter().find(|m| m.0 == col).map(|m| m.1)
    }

    fn note_width(&mut self, col: u16, width: usize) {
        if let Some(w) = self.widths.get_mut(col as usize) {
            *w = (*w).max(width);
        }
    }

    /// A filled but empty cell where a finding points at a value that is missing.
    fn blank_if_marked(&mut self, col: u16) -> Result<(), XlsxError> {
        if let Some(s) = self.severity(col) {
            let format = self.formats.cell(Kind::Text, Some(s));
            self.sheet.write_blank(self.row, col, format)?;
        }
        Ok(())
    }

    fn text(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        if text.is_empty() {
            return self.blank_if_marked(col);
        }
        // Excel's cell limit; the check stage has raised text_too_long for data this long.
        let text = cut_for_cell(text);
        // A wrapped column's text wraps; any other text is plain text.
        let kind = match self.column_kinds.get(col as usize) {
            Some(Kind::Wrap) => Kind::Wrap,
            _ => Kind::Text,
        };
        // A text is never wider than its bytes (a wide character takes three or four) nor than
        // twice its characters: most cells are no wider than their column already is, and need
        // no measuring.
        let at_most = || text.len().min(2 * text.chars().count());
        if self
            .widths
            .get(col as usize)
            .is_none_or(|&w| text.len() > w && at_most() > w)
        {
            self.note_width(col, text.width());
        }
        let severity = self.severity(col);
        if self.plain(col, kind, severity) {
            self.sheet.write_string(self.row, col, text.as_ref())?;
        } else {
            let format = self.formats.cell(kind, severity);
            self.sheet
                .write_string_with_format(self.row, col, text.as_ref(), format)?;
        }
        Ok(())
    }

    fn amount(&mut self, col: u16, value: Option<f64>) -> Result<(), XlsxError> {
        match value {
            Some(v) => {
                self.note_width(col, format!("{v:.2}").len() + 3);
                self.number(col, v, Kind::Amount)
            }
            None => self.blank_if_marked(col),
        }
    }

    fn count(&mut self, col: u16, value: Option<f64>) -> Result<(), XlsxError> {
        match value {
            Some(v) => {
                self.note_width(col, format_number(v).len());
                self.number(col, v, Kind::Count)
            }
            None => self.blank_if_marked(col),
        }
    }

    fn number(&mut self, col: u16, v: f64, kind: Kind) -> Result<(), XlsxError> {
        let severity = self.severity(col);
        if self.plain(col, kind, severity) {
            self.sheet.write_number(self.row, col, v)?;
        } else {
            let format = self.formats.cell(kind, severity);
            self.sheet
                .write_number_with_format(self.row, col, v, format)?;
        }
        Ok(())
    }

    /// A formula with its computed value stored as the cached result.
    fn formula(
        &mut self,
        col: u16,
        formula: String,
        value: f64,
        kind: Kind,
    ) -> Result<(), XlsxError> {
        self.note_width(col, format!("{value:.2}").len() + 3);
        let format = self.formats.cell(kind, self.severity(col));
        let formula = Formula::new(formula).set_result(format_number(value));
        self.sheet
            .write_formula_with_format(self.row, col, formula, format)?;
        Ok(())
    }

    fn link(&mut self, col: u16, to: &Address) -> Result<(), XlsxError> {
        self.note_width(col, to.display().width());
        let format = self.formats.cell(Kind::Link, None);
        self.sheet
            .write_formula_with_format(self.row, col, to.link(), format)?;
        Ok(())
    }

    /// A cell note, while the sheet's allowance lasts.
    fn note(&mut self, col: u16, lines: &[String]) -> Result<(), XlsxError> {
        if lines.is_empty() {
            return Ok(());
        }
        if self.notes_left == 0 {
            self.notes_skipped += 1;
            return Ok(());
        }
        self.notes_left -= 1;
        self.notes_written += 1;
        let text = cut_to(&lines.join("\n"), NOTE_MAX_CHARS).into_owned();
        // About 20 CJK characters per line at this width.
        let rows: usize = text.lines().map(|l| l.width().div_ceil(40).max(1)).sum();
        let note = Note::new(text)
            .add_author_prefix(false)
            .set_width(300)
            .set_height((rows.min(20) * 18 + 12) as u32);
        self.sheet.insert_note(self.row, col, &note)?;
        Ok(())
    }

    /// Sets widths that fit the content (CJK characters count double), autofilter, print setup.
    fn finish(mut self, sheets: &mut Sheets) -> Result<NoteCount, XlsxError> {
        for (col, width) in self.widths.iter().enumerate() {
            let col = col as u16;
            let limit = self.limits.iter().find(|w| w.0 == col).map_or(50, |w| w.1);
            let width = match self.wrapped.iter().find(|w| w.0 == col) {
                Some(&(_, fixed)) => fixed.min(*width).max(8) as f64 + 2.0,
                None => (*width).clamp(4, limit) as f64 + 2.0,
            };
            self.sheet.set_column_width(col, width)?;
        }
        let last_row = self.filter_last_row.unwrap_or(self.row).max(1);
        self.sheet.autofilter(0, 0, last_row, self.last_col)?;
        print_setup(&mut self.sheet)?;
        self.sheet.set_repeat_rows(0, 0)?;
        sheets.put(self.sheet);
        Ok(NoteCount {
            written: self.notes_written,
            skipped: self.notes_skipped,
        })
    }
}

/// The width a header asks of its column: long headers wrap onto two lines rather than widen
/// a column of short figures, but never inside a word.
fn header_width(header: &str) -> usize {
    let width = header.width();
    if width <= 12 {
        return width;
    }
    let longest_word = header.split(' ').map(|w| w.width()).max().unwrap_or(width);
    if header.contains(' ') {
        longest_word.max(width.div_ceil(2))
    } else {
        width.div_ceil(2)
    }
}

/// Landscape A4, one page wide, the sheet's name and page numbers in the footer.
fn print_setup(sheet: &mut Worksheet) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    sheet.set_footer("&L&A&R&P / &N");
    Ok(())
}

/// The lines every row of a sheet gets: what its longest wrapped text needs, at most
/// [`MAX_LINES`]. Stops reading at the first text that needs that many.
fn sheet_lines(needed: impl Iterator<Item = usize>) -> usize {
    let mut lines = 1;
    for n in needed {
        lines = lines.max(n);
        if lines >= MAX_LINES {
            return MAX_LINES;
        }
    }
    lines
}

/// Lines a text needs in a wrapped column `width` wide (CJK characters count double).
fn lines_needed(text: &str, width: usize) -> usize {
    text.lines()
        .map(|l| l.width().div_ceil(width.max(1)).max(1))
        .sum::<usize>()
        .max(1)
}

#[derive(Debug, Default, Clone, Copy)]
struct NoteCount {
    written: usize,
    skipped: usize,
}

impl std::ops::AddAssign for NoteCount {
    fn add_assign(&mut self, other: NoteCount) {
        self.written += other.written;
        self.skipped += other.skipped;
    }
}

fn source(file: &str, sheet_and_cell: &str) -> String {
    format!("[{file}]{sheet_and_cell}")
}

// ---------------------------------------------------------------------------------------------
// The workbook.

fn build_workbook(
    summary: &Summary,
    options: &WorkbookOptions<'_>,
    sheets_written: &(dyn Fn() + Sync),
) -> Result<Workbook, XlsxError> {
    let labels = options.labels;
    let mut workbook = Workbook::new();
    // A fixed creation time keeps reruns byte-identical.
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(labels.t("项目绩效目标汇总"))
            .set_creation_datetime(&created),
    );
    // Deflate at level 3 rather than 6: at 2,000 files the summary is 17 % larger and a bare
    // write of the same sheets takes 1.9 s instead of 2.7 s (README, Performance).
    workbook.set_zip_compression_level(3);
    let formats = Formats::new();
    // The input list of 说明 starts right after its intro, whose length does not depend on
    // the figures it shows.
    let draft = Layout::new(summary, options.rows_per_sheet, 0);
    let intro_rows = readme_intro(summary, labels, &draft, NoteCount::default()).len();
    let layout = Layout::new(summary, options.rows_per_sheet, intro_rows as u32);
    let Survey {
        places,
        project_lines,
        projects_with_notes,
    } = survey(summary, &layout);
    let [project_marks, indicator_marks, department_marks] = marks(summary, &places);

    // 指标 is most of the work: it is written on a thread of its own while this one writes
    // the other sheets. Every format is registered first, so that the styles' numbering does
    // not depend on which thread uses a format first.
    formats.register(&mut workbook);
    // Made in the order 指标 …, 汇总, 合计, 问题, 说明, whichever thread writes them.
    let parts = layout.indicator_parts();
    let mut indicator_sheets = (0..parts)
        .map(|_| Sheets::new(&mut workbook, 1))
        .collect::<Result<Vec<_>, _>>()?;
    let mut project_sheets = Sheets::new(&mut workbook, 1)?;
    let mut total_sheets = Sheets::new(&mut workbook, 2)?;
    let mut readme_sheets = Sheets::new(&mut workbook, 1)?;
    // 汇总 may hold a quarter of the notes; 指标 what 汇总 leaves, known before either is written.
    let project_allowance = options.max_notes / 4;
    let project_notes = projects_with_notes.min(project_allowance);
    // Each department is unpacked once, by the thread writing 汇总, which hands it on to 指标 a
    // few departments ahead. 合计 and 问题 need no department unpacked and have a thread of
    // their own. Three threads, not four, so that on two cores 指标, the longest, keeps nearly
    // a whole one; past Excel's row limit 指标's parts take two (see `write_parts`).
    let (hand_on, departments) = std::sync::mpsc::sync_channel::<Arc<Department>>(8);
    let noted: Vec<usize> = summary
        .departments
        .heads()
        .map(|h| h.survey.noted_rows as usize)
        .collect();
    let (indicator_notes, project_notes_written, totals) = std::thread::scope(|scope| {
        let layout = &layout;
        let formats = &formats;
        let indicators = IndicatorJob {
            layout,
            formats,
            options,
            notes: options.max_notes.saturating_sub(project_notes),
            noted: &noted,
        };
        let sheets = &mut indicator_sheets;
        let indicators = scope.spawn(move || {
            if let [sheets] = sheets.as_mut_slice() {
                indicators.write_part(sheets, 0, departments.into_iter(), indicator_marks)
            } else {
                // Past Excel's row limit, 指标, 指标(2)… are written side by side, each part
                // unpacking its own departments: 汇总's are not waited for.
                drop(departments);
                indicators.write_parts(sheets, summary, indicator_marks)
            }
        });
        let sheets = &mut total_sheets;
        let places = &places;
        let totals = scope.spawn(move || {
            write_totals(sheets, summary, layout, department_marks, formats, labels)?;
            write_findings(sheets, summary, layout, places, formats, labels)
        });
        let projects = write_projects(
            &mut project_sheets,
            summary,
            layout,
            formats,
            options,
            ProjectRows {
                lines: project_lines,
                notes: project_allowance,
                marks: project_marks,
            },
            move |department| {
                // 指标 stopped on an error (reported from its own thread), or it unpacks its
                // departments itself.
                let _ = hand_on.send(department);
            },
        );
        (joined(indicators), projects, joined(totals))
    });
    sheets_written();
    let (indicator_notes, project_notes_written) = (indicator_notes?, project_notes_written?);
    totals?;
    debug_assert_eq!(project_notes_written.written, project_notes);
    let mut notes = project_notes_written;
    notes += indicator_notes;
    write_readme(
        &mut readme_sheets,
        summary,
        &layout,
        &formats,
        labels,
        notes,
    )?;
    for sheet in std::iter::once(project_sheets)
        .chain(indicator_sheets)
        .chain([total_sheets, readme_sheets])
        .flat_map(|s| s.done)
    {
        workbook.push_worksheet(sheet);
    }
    Ok(workbook)
}

/// A scoped thread's result; its panic goes on in the thread that joins it.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The wrapped columns of 汇总 and their widths: 部门, 项目名称, 项目概况, 年度绩效目标.
const PROJECT_WRAPPED: [(u16, usize); 4] =
    [(P_DEPT, 20), (P_NAME, 24), (P_OVERVIEW, 40), (P_GOAL, 40)];

/// What 汇总 must know of all its rows before it writes the first.
struct ProjectRows {
    /// Lines of text every row is high enough for.
    lines: usize,
    /// Cell notes the sheet may hold.
    notes: usize,
    /// The cells its findings fill.
    marks: Marks,
}

fn write_projects(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    f: &Formats,
    options: &WorkbookOptions<'_>,
    rows: ProjectRows,
    mut hand_on: impl FnMut(Arc<Department>),
) -> Result<NoteCount, XlsxError> {
    let labels = options.labels;
    let mut marks = rows.marks;
    let mut w = SheetWriter::new(
        sheets,
        SHEET_PROJECTS,
        &PROJECT_HEADERS,
        f,
        labels,
        rows.notes,
    )?;
    for (col, width) in PROJECT_WRAPPED {
        w.wrap_column(col, width)?;
    }
    for col in [P_BUDGET, P_OWN, P_TRANSFER] {
        w.column_kind(col, Kind::Amount)?;
    }
    w.limit_column(P_SOURCE, 30);
    w.line_height(rows.lines);

    let mut n = 0;
    for (d_index, d) in summary.departments.iter().enumerate() {
        let d = Arc::new(d);
        let mut indicator = layout.indicator_start[d_index];
        for p in &d.projects {
            w.next_row(marks.take(n));
            w.text(P_DEPT, &d.name)?;
            w.text(P_SEQ, &p.seq)?;
            w.text(P_NAME, &p.name)?;
            w.amount(P_BUDGET, p.budget_wan)?;
            w.amount(P_OWN, p.own_wan)?;
            w.amount(P_TRANSFER, p.transfer_wan)?;
            w.count(P_INDICATORS, Some(p.indicators.len() as f64))?;
            w.count(P_FINDINGS, Some(p.finding_count as f64))?;
            w.text(P_SOURCE, &source(&d.file, &p.source))?;
            w.text(P_OVERVIEW, &p.overview)?;
            w.text(P_GOAL, &p.goal)?;
            if !p.indicators.is_empty() {
                w.link(
                    P_FIRST_INDICATOR,
                    &layout.address(Place::Indicator(indicator, I_NAME)),
                )?;
            }
            w.count(P_KEY, Some((d_index + 1) as f64))?;
            // Amounts converted (元 → 万元) say so on the figure itself.
            w.note(P_BUDGET, &p.notes)?;
            indicator += p.indicators.len();
            n += 1;
        }
        hand_on(d);
    }
    w.finish(sheets)
}

/// The cell of an indicator row that shows a repair a reviewer must see there, if any: a
/// value split from its unit, a unit read as another, a row that lost its project, collapsed
/// copies. Other notes (a qualitative target's unused operator) stay in the 标注 column.
fn note_column(i: &Indicator, unassigned: bool) -> Option<u16> {
    if i.notes.is_empty() {
        return None;
    }
    let raw_value = clean(&i.raw.value);
    let raw_unit = clean(&i.raw.unit);
    if i.value.is_some() && !raw_value.is_empty() && parse_number(raw_value).is_none() {
        Some(I_VALUE)
    } else if !raw_unit.is_empty() && raw_unit != i.unit {
        Some(I_UNIT)
    } else if unassigned {
        Some(I_PROJECT)
    } else if i.copies > 1 {
        Some(I_NAME)
    } else {
        None
    }
}

fn write_indicator_row(
    w: &mut SheetWriter<'_>,
    d: &Department,
    seq: &str,
    project: &str,
    i: &Indicator,
    unassigned: bool,
) -> Result<(), XlsxError> {
    w.text(I_DEPT, &d.name)?;
    w.text(I_SEQ, seq)?;
    w.text(I_PROJECT, project)?;
    w.text(I_NAME, &i.name)?;
    w.text(I_OP, &i.op)?;
    match i.value {
        Some(v) => w.count(I_VALUE, Some(v))?,
        None => w.text(I_VALUE, &i.text)?,
    }
    w.text(I_UNIT, &i.unit)?;
    w.text(I_RAW_OP, &i.raw.op)?;
    w.text(I_RAW_VALUE, &i.raw.value)?;
    w.text(I_RAW_UNIT, &i.raw.unit)?;
    w.text(I_NOTES, &i.annotation())?;
    w.text(I_SOURCE, &source(&d.file, &i.source))?;
    w.text(I_LEVEL1, i.level1.as_deref().unwrap_or(""))?;
    w.text(I_LEVEL2, i.level2.as_deref().unwrap_or(""))?;
    w.text(
        I_CATEGORY_SOURCE,
        match i.category_source {
            CategorySource::Given => "原表给定",
            CategorySource::Inferred => "按名称推断",
        },
    )?;
    if let Some(col) = note_column(i, unassigned) {
        w.note(col, &i.notes)?;
    }
    Ok(())
}

/// One row of 指标: an indicator with its project's 序号 and name.
struct IndicatorRow<'a> {
    seq: &'a str,
    project: &'a str,
    indicator: &'a Indicator,
    unassigned: bool,
}

/// A department's rows of 指标, in order: its projects' indicators, then its unassigned ones
/// (their project shown as `unassigned_label`).
fn indicator_rows<'a>(
    d: &'a Department,
    unassigned_label: &'a str,
) -> impl Iterator<Item = IndicatorRow<'a>> {
    d.projects
        .iter()
        .flat_map(|p| {
            p.indicators.iter().map(move |i| IndicatorRow {
                seq: &p.seq,
                project: &p.name,
                indicator: i,
                unassigned: false,
            })
        })
        .chain(d.unassigned.iter().map(move |u| IndicatorRow {
            seq: "",
            project: unassigned_label,
            indicator: &u.indicator,
            unassigned: true,
        }))
}

/// What writing any part of 指标 needs.
#[derive(Clone, Copy)]
struct IndicatorJob<'a> {
    layout: &'a Layout,
    formats: &'a Formats,
    options: &'a WorkbookOptions<'a>,
    /// Cell notes for the whole of 指标, given out in row order while they last.
    notes: usize,
    /// Rows of 指标 with a note, by department (from their surveys).
    noted: &'a [usize],
}

impl<'a> IndicatorJob<'a> {
    /// The department holding row `n` of 指标 (the last one that starts at or before it).
    fn department_of(&self, n: usize) -> usize {
        self.layout
            .indicator_start
            .partition_point(|&s| s <= n)
            .saturating_sub(1)
    }

    /// Writes part `part` of 指标 (rows `part × rows_per_sheet` on, up to the next part) from
    /// `departments`, which start with the department holding the part's first row and go on
    /// in order; `marks` hold at least the part's rows.
    fn write_part(
        &self,
        sheets: &mut Sheets,
        part: usize,
        departments: impl Iterator<Item = Arc<Department>>,
        mut marks: Marks,
    ) -> Result<NoteCount, XlsxError> {
        let per = self.layout.rows_per_sheet as usize;
        let (first, end) = (part * per, (part + 1) * per);
        let d0 = self.department_of(first);
        // The notes earlier parts gave out: those of the departments before this part's first,
        // and of that department's rows before the part (counted below, while skipping them).
        let mut noted_before: usize = self.noted[..d0.min(self.noted.len())].iter().sum();
        let unassigned_label = self.options.labels.t(UNASSIGNED_LABEL);
        let mut w: Option<SheetWriter<'a>> = None;
        let mut n = self.layout.indicator_start.get(d0).copied().unwrap_or(0);
        'departments: for d in departments {
            for row in indicator_rows(&d, unassigned_label) {
                if n < first {
                    noted_before +=
                        usize::from(note_column(row.indicator, row.unassigned).is_some());
                    n += 1;
                    continue;
                }
                if n == end {
                    break 'departments;
                }
                let writer = match &mut w {
                    Some(w) => w,
                    None => w.insert(self.new_sheet(
                        sheets,
                        part,
                        self.notes.saturating_sub(noted_before),
                    )?),
                };
                writer.next_row(marks.take(n));
                write_indicator_row(
                    writer,
                    &d,
                    row.seq,
                    row.project,
                    row.indicator,
                    row.unassigned,
                )?;
                n += 1;
            }
        }
        let w = match w {
            Some(w) => w,
            // No rows at all: the sheet is there, with its headers.
            None => self.new_sheet(sheets, part, 0)?,
        };
        w.finish(sheets)
    }

    /// Writes every part of 指标 (more than one: past Excel's row limit) two at a time, each
    /// part unpacking its own departments.
    fn write_parts(
        &self,
        sheets: &mut [Sheets],
        summary: &Summary,
        mut marks: Marks,
    ) -> Result<NoteCount, XlsxError> {
        let per = self.layout.rows_per_sheet as usize;
        let mut part_marks: Vec<Marks> = (1..sheets.len())
            .rev()
            .map(|part| marks.split_off(part * per))
            .collect();
        part_marks.push(marks);
        part_marks.reverse();
        let jobs = std::sync::Mutex::new(sheets.iter_mut().zip(part_marks).enumerate());
        let next = || jobs.lock().ok().and_then(|mut jobs| jobs.next());
        let run = || {
            let mut notes = NoteCount::default();
            while let Some((part, (sheets, marks))) = next() {
                let d0 = self.department_of(part * per);
                let departments = (d0..summary.departments.len())
                    .map_while(|d| summary.departments.get(d).map(Arc::new));
                notes += self.write_part(sheets, part, departments, marks)?;
            }
            Ok::<_, XlsxError>(notes)
        };
        let (mine, other) = std::thread::scope(|scope| {
            let other = scope.spawn(run);
            (run(), joined(other))
        });
        let mut notes = mine?;
        notes += other?;
        Ok(notes)
    }

    fn new_sheet(
        &self,
        sheets: &mut Sheets,
        part: usize,
        notes: usize,
    ) -> Result<SheetWriter<'a>, XlsxError> {
        let mut w = SheetWriter::new(
            sheets,
            &indicator_sheet_name(part),
            &INDICATOR_HEADERS,
            self.formats,
            self.options.labels,
            notes,
        )?;
        w.limit_column(I_DEPT, 34);
        w.limit_column(I_NOTES, 50);
        w.limit_column(I_SOURCE, 40);
        Ok(w)
    }
}

/// A range of 汇总's column, over its data rows, for formulas.
fn projects_range(col: u16, projects: usize) -> String {
    let letter = column_name(col as u32);
    format!(
        "'{SHEET_PROJECTS}'!${letter}$2:${letter}${}",
        projects.max(1) + 1
    )
}

fn round_cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn write_totals(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    mut marks: Marks,
    f: &Formats,
    labels: &Labels,
) -> Result<(), XlsxError> {
    // After the fixed columns, one count per 一级 category of the framework (产出指标数 …).
    let category_headers: Vec<String> = summary
        .level1_categories
        .iter()
        .map(|c| format!("{c}数"))
        .collect();
    let headers: Vec<&str> = TOTAL_HEADERS
        .iter()
        .copied()
        .chain(category_headers.iter().map(String::as_str))
        .collect();
    let mut category_totals = vec![0usize; summary.level1_categories.len()];
    let mut w = SheetWriter::new(sheets, SHEET_TOTALS, &headers, f, labels, 0)?;
    w.limit_column(T_DEPT, 34);
    w.limit_column(T_FILE, 40);
    w.column_kind(T_DECLARED_AMOUNT, Kind::Amount)?;
    let mut grand = [0.0f64; 11];
    let key = projects_range(P_KEY, layout.projects);
    for (index, d) in summary.departments.heads().enumerate() {
        let row = w.next_row(marks.take(index)) + 1;
        let sums = d.budget_sums;
        let declared_amount = d.declared.footnote_total_wan.or(d.declared.sum_row_wan);
        let difference = declared_amount.map(|a| round_cents(sums[0] - a));
        let findings = summary.department_findings.get(index).copied().unwrap_or(0);
        let unassigned = d.unassigned as f64;

        // Each figure that 汇总 holds is a formula over 汇总, by the department's number
        // (部门编号): unique where two departments share a name, and never read as a pattern.
        let by_key = |col: u16| {
            format!(
                "SUMIFS({},{key},$N{row})",
                projects_range(col, layout.projects)
            )
        };
        w.text(T_DEPT, &d.name)?;
        w.formula(
            T_PROJECTS,
            format!("=COUNTIFS({key},$N{row})"),
            d.projects() as f64,
            Kind::Count,
        )?;
        for (k, col) in [P_BUDGET, P_OWN, P_TRANSFER].into_iter().enumerate() {
            w.formula(
                T_BUDGET + k as u16,
                format!("={}", by_key(col)),
                sums[k],
                Kind::Amount,
            )?;
        }
        w.count(T_DECLARED_COUNT, d.declared.project_count.map(f64::from))?;
        w.amount(T_DECLARED_AMOUNT, declared_amount)?;
        match difference {
            // Rounded to the cent, so that a recalculated zero stays exactly zero.
            Some(diff) => w.formula(
                T_DIFFERENCE,
                format!("=ROUND(C{row}-G{row},2)"),
                diff,
                Kind::Amount,
            )?,
            None => w.blank_if_marked(T_DIFFERENCE)?,
        }
        w.formula(
            T_INDICATORS,
            format!("={}+L{row}", by_key(P_INDICATORS)),
            d.indicators as f64,
            Kind::Count,
        )?;
        w.count(T_DUPLICATES, Some(d.duplicates_collapsed as f64))?;
        w.count(T_FINDINGS, Some(findings as f64))?;
        w.count(T_UNASSIGNED, Some(unassigned))?;
        w.text(T_FILE, &format!("[{}]{}", d.file, d.sheet))?;
        w.count(T_KEY, Some((index + 1) as f64))?;
        for (k, category) in summary.level1_categories.iter().enumerate() {
            let n = d.level1_count(category);
            category_totals[k] += n;
            w.count(T_CATEGORIES + k as u16, Some(n as f64))?;
        }

        let figures = [
            Some(d.projects() as f64),
            Some(sums[0]),
            Some(sums[1]),
            Some(sums[2]),
            d.declared.project_count.map(f64::from),
            declared_amount,
            difference,
            Some(d.indicators as f64),
            Some(d.duplicates_collapsed as f64),
            Some(findings as f64),
            Some(unassigned),
        ];
        for (sum, value) in grand.iter_mut().zip(figures) {
            *sum += value.unwrap_or(0.0);
        }
    }

    // The grand total is a SUM over the department rows, with its value stored as the cached
    // result so that readers that do not recalculate still show the right figure.
    let first = 2;
    let last = w.row + 1;
    w.filter_last_row = Some(w.row);
    w.next_row(Vec::new());
    let row = w.row;
    w.sheet
        .write_string_with_format(row, T_DEPT, labels.t(GRAND_TOTAL_LABEL), &f.total_label)?;
    for (k, value) in grand.iter().enumerate() {
        let col = k as u16 + 1;
        let letter = column_name(col as u32);
        let value = if col == T_DIFFERENCE {
            round_cents(*value)
        } else {
            round_amount(*value)
        };
        let format = if matches!(col, 2..=4 | 6 | 7) {
            &f.total_amount
        } else {
            &f.total_count
        };
        if last < first {
            // No department: a SUM over no rows would be read as C2:C1 and include itself.
            w.sheet.write_number_with_format(row, col, 0.0, format)?;
            continue;
        }
        let formula = Formula::new(format!("=SUM({letter}{first}:{letter}{last})"))
            .set_result(format_number(value));
        w.sheet
            .write_formula_with_format(row, col, formula, format)?;
    }

    for (k, total) in category_totals.iter().enumerate() {
        let col = T_CATEGORIES + k as u16;
        if last < first {
            w.sheet
                .write_number_with_format(row, col, 0.0, &f.total_count)?;
            continue;
        }
        let letter = column_name(col as u32);
        let formula = Formula::new(format!("=SUM({letter}{first}:{letter}{last})"))
            .set_result(total.to_string());
        w.sheet
            .write_formula_with_format(row, col, formula, &f.total_count)?;
    }

    // 差额 is red wherever it is not zero: the table does not hold what the department declared.
    let difference = ConditionalFormatCell::new()
        .set_rule(ConditionalFormatCellRule::NotEqualTo(0))
        .set_format(
            Format::new()
                .set_background_color(ERROR_FILL)
                .set_font_color(ERROR_FONT),
        );
    w.sheet
        .add_conditional_format(1, T_DIFFERENCE, row, T_DIFFERENCE, &difference)?;
    w.finish(sheets)?;
    Ok(())
}

fn write_findings(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    places: &[Option<Place>],
    f: &Formats,
    labels: &Labels,
) -> Result<(), XlsxError> {
    let mut w = SheetWriter::new(sheets, SHEET_FINDINGS, &FINDING_HEADERS, f, labels, 0)?;
    let width = 60;
    w.wrap_column(F_MESSAGE, width)?;
    w.limit_column(F_DEPT, 34);
    w.limit_column(F_FILE, 36);
    w.line_height(sheet_lines(
        summary
            .findings
            .iter()
            .map(|x| lines_needed(&x.message, width)),
    ));
    for (finding, place) in summary.findings.iter().zip(places) {
        let severity = match finding.severity {
            Severity::Info => Vec::new(),
            s => vec![(0, s)],
        };
        w.next_row(severity);
        w.text(0, labels.t(finding.severity.label_zh()))?;
        w.text(1, finding.code.as_str())?;
        w.text(2, &finding.department)?;
        w.text(3, &finding.file)?;
        w.text(4, &finding.sheet)?;
        w.text(5, &finding.cell)?;
        w.text(F_MESSAGE, &finding.message)?;
        if let Some(place) = place {
            w.link(F_PLACE, &layout.address(*place))?;
        }
    }
    w.finish(sheets)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 说明: how the summary was made, the legend, the codes, the inputs.

/// One row of the 说明 sheet above its input list.
enum ReadmeRow {
    Blank,
    Title(String),
    Section(String),
    /// A label and a value.
    Pair(String, Value),
    /// A sample cell and what it means.
    Legend(Sample, String, String),
    /// A link to a sheet and what it holds.
    SheetLink(String, String),
    /// The header of a small table.
    Header(Vec<String>),
    Code(Code),
}

enum Value {
    Text(String),
    Number(f64),
    Amount(f64),
}

#[derive(Clone, Copy)]
enum Sample {
    Error,
    Warning,
    Note,
    Difference,
    Link,
}

fn readme_intro(
    summary: &Summary,
    l: &Labels,
    layout: &Layout,
    notes: NoteCount,
) -> Vec<ReadmeRow> {
    use ReadmeRow::*;
    let t = |s: &str| l.t(s).to_string();
    let pair = |s: &str, v: Value| Pair(t(s), v);
    let count = |n: usize| Value::Number(n as f64);
    let totals = &summary.totals;
    let rules = if summary.rules == "built-in" {
        t("内置规则 (templates/rules.toml)")
    } else {
        summary.rules.clone()
    };
    let mut rows = vec![
        Title(t("项目绩效目标汇总 · 说明")),
        Blank,
        Section(t("生成信息")),
        pair(
            "程序",
            Value::Text(format!("{} {}", summary.tool.name, summary.tool.version)),
        ),
        pair("规则文件", Value::Text(rules)),
        pair(
            "规则文件 SHA-256",
            Value::Text(summary.rules_sha256.clone().unwrap_or_default()),
        ),
        pair(
            "生成时间",
            Value::Text(t("不记录:相同的输入总是得到逐字节相同的汇总表")),
        ),
        Blank,
        Section(t("统计")),
        pair("输入文件", count(summary.inputs.len())),
        pair("读取成功", count(totals.files_ok)),
        pair("已跳过", count(totals.files_skipped)),
        pair("读取失败", count(totals.files_failed)),
        pair("部门数", count(totals.departments)),
        pair("项目数", count(totals.projects)),
        pair("预算金额(万元)", Value::Amount(totals.budget_wan)),
        pair("指标数", count(totals.indicators)),
        pair("其中未归属的指标", count(totals.unassigned)),
        pair("合并的重复指标行", count(totals.duplicates_collapsed)),
        pair("错误", count(totals.findings.error)),
        pair("警告", count(totals.findings.warning)),
        pair("提示", count(totals.findings.info)),
        pair("批注", count(notes.written)),
        pair("超出批注上限、只记在标注列的修改", count(notes.skipped)),
        Blank,
        Section(t("工作表一览")),
        SheetLink(
            SHEET_PROJECTS.to_string(),
            t("每个项目一行:金额、指标数、问题数、来源单元格;首条指标列链接到它在指标表的第一行"),
        ),
    ];
    for part in 0..layout.indicator_parts() {
        rows.push(SheetLink(
            indicator_sheet_name(part),
            t("每条指标一行:规范化后的运算符、目标值、单位,旁边是原样的写法和标注;超过 Excel 行数上限时续在指标(2)、指标(3)…"),
        ));
    }
    rows.extend([
        SheetLink(
            SHEET_TOTALS.to_string(),
            t("每个部门一行:金额和指标数是对汇总表按部门编号求和的公式,总计行是 SUM 公式;差额 = 预算金额 − 申报金额"),
        ),
        SheetLink(
            SHEET_FINDINGS.to_string(),
            t("每个问题一行:级别、代码、原表的文件、工作表和单元格;位置列链接到它在本汇总表中的单元格"),
        ),
        Blank,
        Section(t("图例")),
        Legend(
            Sample::Error,
            t("错误"),
            t("该单元格有错误级别的问题:数字不可信或数据未能读取,见问题表"),
        ),
        Legend(
            Sample::Warning,
            t("警告"),
            t("该单元格有警告级别的问题:请复核,数据已按原样保留或已修复,见问题表"),
        ),
        Legend(
            Sample::Note,
            t("批注"),
            t("右上角的红色三角:数据被修改过(拆分或换算单位、按其他单位读取、对齐错位的行、合并重复行),批注写明原值和改法"),
        ),
        Legend(
            Sample::Difference,
            t("差额"),
            t("合计表的差额不为零时标红:表中项目之和与部门申报的金额不符"),
        ),
        Legend(
            Sample::Link,
            t("链接"),
            t("点击跳转到汇总表中的单元格(问题表的位置列、汇总表的首条指标列)"),
        ),
        Pair(
            t("来源"),
            Value::Text(t("[文件]工作表!单元格:原表中的位置,即 Excel 引用其他工作簿单元格的写法")),
        ),
        Pair(
            t("公式"),
            Value::Text(t("公式的计算结果已存入文件,不重算的软件也能显示;重算后结果相同")),
        ),
        Blank,
        Section(t("问题代码")),
        Header(README_CODE_HEADERS.iter().map(|h| t(h)).collect()),
    ]);
    rows.extend(
        crate::finding::Code::ALL
            .iter()
            .map(|c| ReadmeRow::Code(*c)),
    );
    rows.extend([
        Blank,
        Section(t("输入文件")),
        Header(README_INPUT_HEADERS.iter().map(|h| t(h)).collect()),
    ]);
    rows
}

fn status_label(status: Status) -> &'static str {
    match status {
        Status::Ok => "成功",
        Status::Skipped => "跳过",
        Status::Failed => "失败",
    }
}

fn sheet_status_label(status: &str) -> &str {
    match status {
        "table" => "已读取",
        "no_table" => "无绩效目标表",
        "hidden" => "隐藏",
        "empty" => "空",
        "too_large" => "过大",
        other => other,
    }
}

fn write_readme(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    f: &Formats,
    l: &Labels,
    notes: NoteCount,
) -> Result<(), XlsxError> {
    let mut sheet = sheets.take()?;
    sheet.set_name(SHEET_README)?;
    sheet.set_default_note_author("jixiao");
    let mut widths = [16usize, 10, 24, 16, 20];
    let mut track = |col: usize, text: &str| widths[col] = widths[col].max(text.width().min(60));
    let intro = readme_intro(summary, l, layout, notes);
    let text = f.cell(Kind::Text, None);
    let mut row = 0u32;
    for item in &intro {
        match item {
            ReadmeRow::Blank => {}
            ReadmeRow::Title(s) => {
                sheet.write_string_with_format(row, 0, s, &f.title)?;
            }
            ReadmeRow::Section(s) => {
                sheet.write_string_with_format(row, 0, s, &f.section)?;
                for col in 1..5 {
                    sheet.write_blank(row, col, &f.section)?;
                }
            }
            ReadmeRow::Pair(label, value) => {
                track(0, label);
                sheet.write_string_with_format(row, 0, label, &f.label)?;
                match value {
                    Value::Text(s) => sheet.write_string_with_format(row, 1, s, text)?,
                    Value::Number(v) => {
                        sheet.write_number_with_format(row, 1, *v, f.cell(Kind::Count, None))?
                    }
                    Value::Amount(v) => {
                        sheet.write_number_with_format(row, 1, *v, f.cell(Kind::Amount, None))?
                    }
                };
            }
            ReadmeRow::Legend(sample, label, meaning) => {
                let (format, severity) = match sample {
                    Sample::Error => (Kind::Text, Some(Severity::Error)),
                    Sample::Warning => (Kind::Text, Some(Severity::Warning)),
                    Sample::Link => (Kind::Link, None),
                    _ => (Kind::Text, None),
                };
                track(0, label);
                match sample {
                    Sample::Link => {
                        let to = Address {
                            sheet: SHEET_FINDINGS.to_string(),
                            row: 0,
                            col: F_PLACE,
                        };
                        sheet.write_formula_with_format(
                            row,
                            0,
                            to.link_showing(label),
                            f.cell(format, None),
                        )?;
                    }
                    Sample::Difference => {
                        sheet.write_number_with_format(
                            row,
                            0,
                            -100.0,
                            &f.cells[Kind::Amount as usize][1],
                        )?;
                    }
                    _ => {
                        sheet.write_string_with_format(row, 0, label, f.cell(format, severity))?;
                    }
                }
                if let Sample::Note = sample {
                    let note = Note::new("10G + 月 → 10 GB/月")
                        .add_author_prefix(false)
                        .set_width(200)
                        .set_height(30);
                    sheet.insert_note(row, 0, &note)?;
                }
                sheet.write_string_with_format(row, 1, meaning, text)?;
            }
            ReadmeRow::SheetLink(name, meaning) => {
                track(0, name);
                let to = Address {
                    sheet: name.clone(),
                    row: 0,
                    col: 0,
                };
                sheet.write_formula_with_format(
                    row,
                    0,
                    to.link_showing(name),
                    f.cell(Kind::Link, None),
                )?;
                sheet.write_string_with_format(row, 1, meaning, text)?;
            }
            ReadmeRow::Header(headers) => {
                for (col, h) in headers.iter().enumerate() {
                    sheet.write_string_with_format(row, col as u16, h, &f.header)?;
                }
            }
            ReadmeRow::Code(code) => {
                track(0, code.as_str());
                sheet.write_string_with_format(row, 0, code.as_str(), text)?;
                let severity = code.severity();
                let format = f.cell(Kind::Text, Some(severity).filter(|s| *s != Severity::Info));
                sheet.write_string_with_format(row, 1, l.t(severity.label_zh()), format)?;
                sheet.write_string_with_format(row, 2, l.code_meaning(*code), text)?;
            }
        }
        row += 1;
    }

    // The input list, last: it may be long. 问题 rows about a whole file link here.
    let header_row = row - 1;
    debug_assert_eq!(row, layout.first_input_row);
    for input in &summary.inputs {
        let sheets: Vec<String> = input
            .sheets
            .iter()
            .map(|s| format!("{} ({})", s.name, l.t(sheet_status_label(s.status))))
            .collect();
        let cells = [
            input.path.as_str(),
            l.t(status_label(input.status)),
            input.reason.as_deref().unwrap_or(""),
            input.sha256.as_deref().unwrap_or(""),
            &sheets.join("、"),
        ];
        for (col, value) in cells.iter().enumerate() {
            if !value.is_empty() {
                let value = cut_for_cell(value);
                track(col, &value);
                sheet.write_string_with_format(row, col as u16, value.as_ref(), text)?;
            }
        }
        row += 1;
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (*width + 2) as f64)?;
    }
    sheet.autofilter(header_row, 0, row.max(header_row + 1) - 1, 4)?;
    print_setup(&mut sheet)?;
    sheets.put(sheet);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_that_fails_midway_leaves_the_previous_file_intact() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("summary.xlsx");
        std::fs::write(&target, b"previous summary").expect("previous");
        let result = write_atomically(&target, |file| {
            file.write_all(b"half of a new summ")
                .map_err(|source| WriteError::Io {
                    path: "x".into(),
                    source,
                })?;
            Err(WriteError::Io {
                path: "x".into(),
                source: std::io::Error::other("disk full"),
            })
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read(&target).expect("target"), b"previous summary");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("summary.xlsx")]);
    }
}
