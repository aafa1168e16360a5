//! Stage 8: write the summary workbook and the JSON report, each to a temporary file in the
//! target directory that is renamed into place only once complete, so a failed run never
//! leaves a half-written summary where the last good one was.
//!
//! Worksheets are written in constant-memory mode, row by row in order, so the workbook's
//! size does not bound the memory the run needs.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::consolidate::Summary;
use crate::model::{CategorySource, Department, Indicator};
use crate::text::round_amount;

/// The sheet names, in workbook order. Part of the output contract.
pub const SHEET_PROJECTS: &str = "汇总";
pub const SHEET_INDICATORS: &str = "指标";
pub const SHEET_TOTALS: &str = "合计";
pub const SHEET_FINDINGS: &str = "问题";

/// Shown in 项目名称 for the indicators that lost their project.
pub const UNASSIGNED_LABEL: &str = "(未归属)";

/// Excel's last row is 1,048,576; one is the header.
const MAX_DATA_ROWS: u32 = 1_048_575;

pub const PROJECT_HEADERS: [&str; 11] = [
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
pub const TOTAL_HEADERS: [&str; 13] = [
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
];
pub const FINDING_HEADERS: [&str; 7] = ["级别", "代码", "部门", "文件", "工作表", "单元格", "说明"];

/// The label of the grand-total row of 合计.
pub const GRAND_TOTAL_LABEL: &str = "总计";

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
        serde_json::to_writer_pretty(&mut out, summary).map_err(|source| WriteError::Json {
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
pub fn stage_workbook(summary: &Summary, path: &Path) -> Result<Staged, WriteError> {
    let xlsx = |source: XlsxError| WriteError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = build_workbook(summary).map_err(xlsx)?;
    stage(path, |file| workbook.save_to_writer(file).map_err(xlsx))
}

/// Writes the JSON report.
pub fn write_report(summary: &Summary, path: &Path) -> Result<(), WriteError> {
    stage_report(summary, path)?.commit()
}

/// Writes the summary workbook.
pub fn write_workbook(summary: &Summary, path: &Path) -> Result<(), WriteError> {
    stage_workbook(summary, path)?.commit()
}

struct Formats {
    header: Format,
    amount: Format,
    total_label: Format,
    total_amount: Format,
    total_count: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_background_color("#DDEBF7")
            .set_border(FormatBorder::Thin)
            .set_text_wrap();
        let amount = Format::new().set_num_format("#,##0.00");
        Formats {
            header,
            total_label: Format::new().set_bold(),
            total_amount: amount.clone().set_bold(),
            total_count: Format::new().set_bold(),
            amount,
        }
    }
}

/// A worksheet being written row by row, remembering each column's widest text.
struct SheetWriter {
    sheet: Worksheet,
    widths: Vec<usize>,
    row: u32,
}

impl SheetWriter {
    fn new(
        workbook: &mut Workbook,
        name: &str,
        headers: &[&str],
        formats: &Formats,
    ) -> Result<SheetWriter, XlsxError> {
        let mut sheet = workbook.new_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        for (col, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *header, &formats.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(SheetWriter {
            sheet,
            widths: headers.iter().map(|h| h.width()).collect(),
            row: 0,
        })
    }

    fn next_row(&mut self) -> u32 {
        self.row += 1;
        self.row
    }

    fn note_width(&mut self, col: u16, width: usize) {
        if let Some(w) = self.widths.get_mut(col as usize) {
            *w = (*w).max(width);
        }
    }

    fn text(&mut self, col: u16, text: &str) -> Result<(), XlsxError> {
        if text.is_empty() {
            return Ok(());
        }
        // Excel's cell limit; longer text is cut rather than failing the whole workbook.
        let text: std::borrow::Cow<'_, str> = if text.chars().count() > 32_767 {
            text.chars().take(32_767).collect::<String>().into()
        } else {
            text.into()
        };
        self.note_width(col, text.width());
        self.sheet.write_string(self.row, col, text.as_ref())?;
        Ok(())
    }

    fn amount(&mut self, col: u16, value: Option<f64>, format: &Format) -> Result<(), XlsxError> {
        if let Some(v) = value {
            self.note_width(col, format!("{v:.2}").len() + 3);
            self.sheet
                .write_number_with_format(self.row, col, v, format)?;
        }
        Ok(())
    }

    fn count(&mut self, col: u16, value: Option<f64>) -> Result<(), XlsxError> {
        if let Some(v) = value {
            self.note_width(col, crate::text::format_number(v).len());
            self.sheet.write_number(self.row, col, v)?;
        }
        Ok(())
    }

    /// Sets widths that fit the content (CJK characters count double), autofilter, print setup.
    fn finish(mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        let last_col = self.widths.len().saturating_sub(1) as u16;
        for (col, width) in self.widths.iter().enumerate() {
            let width = (*width).clamp(6, 60) as f64 + 2.0;
            self.sheet.set_column_width(col as u16, width)?;
        }
        self.sheet.autofilter(0, 0, self.row.max(1), last_col)?;
        self.sheet.set_landscape();
        self.sheet.set_paper_size(9);
        self.sheet.set_repeat_rows(0, 0)?;
        self.sheet.set_print_fit_to_pages(1, 0);
        workbook.push_worksheet(self.sheet);
        Ok(())
    }
}

fn source(file: &str, sheet_and_cell: &str) -> String {
    format!("[{file}]{sheet_and_cell}")
}

fn build_workbook(summary: &Summary) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    // A fixed creation time keeps reruns byte-identical.
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("项目绩效目标汇总")
            .set_creation_datetime(&created),
    );
    let formats = Formats::new();

    write_projects(&mut workbook, summary, &formats)?;
    write_indicators(&mut workbook, summary, &formats)?;
    write_totals(&mut workbook, summary, &formats)?;
    write_findings(&mut workbook, summary, &formats)?;
    Ok(workbook)
}

fn write_projects(
    workbook: &mut Workbook,
    summary: &Summary,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut w = SheetWriter::new(workbook, SHEET_PROJECTS, &PROJECT_HEADERS, f)?;
    for d in &summary.departments {
        for p in &d.projects {
            w.next_row();
            w.text(0, &d.name)?;
            w.text(1, &p.seq)?;
            w.text(2, &p.name)?;
            w.amount(3, p.budget_wan, &f.amount)?;
            w.amount(4, p.own_wan, &f.amount)?;
            w.amount(5, p.transfer_wan, &f.amount)?;
            w.count(6, Some(p.indicators.len() as f64))?;
            w.count(7, Some(p.finding_count as f64))?;
            w.text(8, &source(&d.file, &p.source))?;
            w.text(9, &p.overview)?;
            w.text(10, &p.goal)?;
        }
    }
    w.finish(workbook)
}

fn write_indicator_row(
    w: &mut SheetWriter,
    d: &Department,
    seq: &str,
    project: &str,
    i: &Indicator,
) -> Result<(), XlsxError> {
    w.next_row();
    w.text(0, &d.name)?;
    w.text(1, seq)?;
    w.text(2, project)?;
    w.text(3, &i.name)?;
    w.text(4, &i.op)?;
    match i.value {
        Some(v) => w.count(5, Some(v))?,
        None => w.text(5, &i.text)?,
    }
    w.text(6, &i.unit)?;
    w.text(7, &i.raw.op)?;
    w.text(8, &i.raw.value)?;
    w.text(9, &i.raw.unit)?;
    w.text(10, &i.notes.join(";"))?;
    w.text(11, &source(&d.file, &i.source))?;
    w.text(12, i.level1.as_deref().unwrap_or(""))?;
    w.text(13, i.level2.as_deref().unwrap_or(""))?;
    w.text(
        14,
        match i.category_source {
            CategorySource::Given => "原表给定",
            CategorySource::Inferred => "按名称推断",
        },
    )
}

fn write_indicators(
    workbook: &mut Workbook,
    summary: &Summary,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut part = 1;
    let mut w = SheetWriter::new(workbook, SHEET_INDICATORS, &INDICATOR_HEADERS, f)?;
    let rows = summary.departments.iter().flat_map(|d| {
        d.projects
            .iter()
            .flat_map(move |p| {
                p.indicators
                    .iter()
                    .map(move |i| (d, p.seq.as_str(), p.name.as_str(), i))
            })
            .chain(
                d.unassigned
                    .iter()
                    .map(move |u| (d, "", UNASSIGNED_LABEL, &u.indicator)),
            )
    });
    for (d, seq, project, i) in rows {
        if w.row == MAX_DATA_ROWS {
            // Past Excel's row limit the table continues on 指标(2), 指标(3), …
            w.finish(workbook)?;
            part += 1;
            w = SheetWriter::new(
                workbook,
                &format!("{SHEET_INDICATORS}({part})"),
                &INDICATOR_HEADERS,
                f,
            )?;
        }
        write_indicator_row(&mut w, d, seq, project, i)?;
    }
    w.finish(workbook)
}

fn write_totals(workbook: &mut Workbook, summary: &Summary, f: &Formats) -> Result<(), XlsxError> {
    let mut w = SheetWriter::new(workbook, SHEET_TOTALS, &TOTAL_HEADERS, f)?;
    let mut grand = [0.0f64; 10];
    for (index, d) in summary.departments.iter().enumerate() {
        let sums = d.budget_sums();
        let declared_amount = d.declared.footnote_total_wan.or(d.declared.sum_row_wan);
        let difference = declared_amount.map(|a| round_amount(sums[0] - a));
        let findings = summary.department_findings.get(index).copied().unwrap_or(0);
        let figures = [
            Some(d.projects.len() as f64),
            Some(sums[0]),
            Some(sums[1]),
            Some(sums[2]),
            d.declared.project_count.map(f64::from),
            declared_amount,
            difference,
            Some(d.indicator_count() as f64),
            Some(d.duplicates_collapsed() as f64),
            Some(findings as f64),
        ];
        w.next_row();
        w.text(0, &d.name)?;
        for (k, value) in figures.iter().enumerate() {
            let col = k as u16 + 1;
            if matches!(col, 2..=4 | 6 | 7) {
                w.amount(col, *value, &f.amount)?;
            } else {
                w.count(col, *value)?;
            }
            grand[k] += value.unwrap_or(0.0);
        }
        w.count(11, Some(d.unassigned.len() as f64))?;
        w.text(12, &format!("[{}]{}", d.file, d.sheet))?;
    }

    // The grand total is a formula over the rows above, with its value stored as the cached
    // result so that readers that do not recalculate still show the right figure.
    let first = 2;
    let last = w.row + 1;
    w.next_row();
    let row = w.row;
    w.sheet
        .write_string_with_format(row, 0, GRAND_TOTAL_LABEL, &f.total_label)?;
    let unassigned_total: usize = summary.departments.iter().map(|d| d.unassigned.len()).sum();
    let mut columns: Vec<(u16, f64)> = grand
        .iter()
        .enumerate()
        .map(|(k, v)| (k as u16 + 1, round_amount(*v)))
        .collect();
    columns.push((11, unassigned_total as f64));
    for (col, value) in columns {
        let letter = crate::text::column_name(col as u32);
        let formula = Formula::new(format!("=SUM({letter}{first}:{letter}{last})"))
            .set_result(crate::text::format_number(value));
        let format = if matches!(col, 2..=4 | 6 | 7) {
            &f.total_amount
        } else {
            &f.total_count
        };
        w.sheet
            .write_formula_with_format(row, col, formula, format)?;
    }
    w.finish(workbook)
}

fn write_findings(
    workbook: &mut Workbook,
    summary: &Summary,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut w = SheetWriter::new(workbook, SHEET_FINDINGS, &FINDING_HEADERS, f)?;
    for finding in &summary.findings {
        w.next_row();
        w.text(0, finding.severity.label_zh())?;
        w.text(1, finding.code.as_str())?;
        w.text(2, &finding.department)?;
        w.text(3, &finding.file)?;
        w.text(4, &finding.sheet)?;
        w.text(5, &finding.cell)?;
        w.text(6, &finding.message)?;
    }
    w.finish(workbook)
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
