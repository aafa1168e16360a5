//! The last stage: the summary workbook and the JSON report, each staged in a temporary file
//! beside its target and renamed into place only once both are complete ([`staged`]).
//!
//! The workbook's sheets are laid out by the column tables of [`crate::sheets`] and written in
//! constant-memory mode, strictly row by row ([`sheet`]), so where every department, project
//! and indicator lands is computed up front ([`place`]); one file per sheet writes it:
//! [`projects`] 汇总, [`indicators`] 指标 (and its continuations past Excel's row limit),
//! [`totals`] 合计, [`findings`] 问题, [`readme`] 说明. Links are `HYPERLINK` formulas with their
//! text stored as the cached result: they stream like any cell, where worksheet hyperlinks
//! would be held in memory until the end, and Excel accepts no more than 65,530 of them on a
//! sheet. Cell notes are capped for the whole workbook ([`MAX_NOTES`]).
//!
//! This file holds the entry points and the threads: 汇总 unpacks each department once and
//! hands it on to 指标 on a thread of its own; 合计 and 问题 have a third; the report waits for
//! the sheets and is written while the workbook is compressed.

mod charts;
mod comparison;
mod excel_tables;
mod findings;
mod format;
mod indicators;
mod place;
mod projects;
mod readme;
mod sheet;
mod staged;
mod tables;
mod totals;

use std::path::Path;
use std::sync::Arc;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};

use crate::consolidate::Summary;
use crate::labels::Labels;
use crate::model::Department;
use crate::sheets::{
    FindingColumn, IndicatorColumn, MAX_DATA_ROWS, ProjectColumn, SHEET_FINDINGS, SHEET_INDICATORS,
    SHEET_PROJECTS,
};

pub use staged::{Staged, WriteError, stage, write_atomically};
pub use tables::{TABLE_FILES, stage_tables};

/// Where the report's hash of the summary is, counted back from the report's end.
pub const REPORT_SHA_FROM_END: u64 = crate::report::SHA_FROM_END;

use format::Formats;
use indicators::IndicatorJob;
use place::Layout;
use projects::ProjectRows;
use sheet::Sheets;

/// Cell notes written in the whole workbook at most, a quarter of them on 汇总 and the rest on
/// 指标. Notes are drawn objects: tens of thousands make a workbook slow to open, and the
/// writer holds each in memory until it saves (10,000 notes cost 120 MB). The 标注 column and
/// the JSON report hold every repair anyway; 说明 counts the ones left without a note.
pub const MAX_NOTES: usize = 4_000;

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
    /// The date the summary is made on (`--date`, `SOURCE_DATE_EPOCH`), written into its
    /// properties and 说明; none keeps reruns byte-identical with no date in them.
    pub date: Option<RunDate>,
}

impl<'a> WorkbookOptions<'a> {
    pub fn new(labels: &'a Labels) -> WorkbookOptions<'a> {
        WorkbookOptions {
            labels,
            rows_per_sheet: MAX_DATA_ROWS,
            max_notes: MAX_NOTES,
            date: None,
        }
    }
}

/// A calendar date the summary is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl RunDate {
    /// "2024-12-31".
    pub fn parse(text: &str) -> Option<RunDate> {
        let mut parts = text.trim().split('-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        let date = RunDate { year, month, day };
        date.is_valid().then_some(date)
    }

    /// The UTC date of a moment in seconds since 1970 (`SOURCE_DATE_EPOCH`).
    pub fn from_epoch(seconds: i64) -> Option<RunDate> {
        // Days to civil date (Howard Hinnant's algorithm).
        let z = seconds.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let date = RunDate {
            year: u16::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        };
        date.is_valid().then_some(date)
    }

    fn is_valid(self) -> bool {
        let y = self.year;
        let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (1900..=9999).contains(&self.year) && (1..=days).contains(&self.day)
    }
}

impl std::fmt::Display for RunDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The JSON report, staged (its hash of the summary still the
/// placeholder: see [`REPORT_SHA_FROM_END`]).
pub fn stage_report(summary: &Summary, path: &Path) -> Result<Staged, WriteError> {
    stage(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        crate::report::write(summary, &mut out).map_err(|source| WriteError::Json {
            path: path.display().to_string(),
            source,
        })?;
        std::io::Write::write_all(&mut out, b"\n")
            .and_then(|_| std::io::Write::flush(&mut out))
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
    let (mut workbook, tables) = build_workbook(summary, options, sheets_written).map_err(xlsx)?;
    let io = |source: std::io::Error| WriteError::Io {
        path: path.display().to_string(),
        source,
    };
    // Saved first into an unnamed temporary file beside the target (nothing to clean up if the
    // run is stopped), then copied into the staged file with the Tables' ranges widened.
    let staged = stage(path, |file| {
        let mut raw = tempfile::tempfile_in(staged::target_dir(path)).map_err(io)?;
        workbook.save_to_writer(&mut raw).map_err(xlsx)?;
        std::io::Seek::rewind(&mut raw).map_err(io)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut *file);
        excel_tables::widen(std::io::BufReader::new(raw), &mut out, &tables)
            .map_err(|e| io(std::io::Error::other(e)))?;
        std::io::Write::flush(&mut out).map_err(io)
    });
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
///
/// `sheets_written` is called once every sheet is written, as the workbook starts being
/// compressed (for the progress bar).
pub fn stage_outputs(
    summary: &Summary,
    workbook_path: &Path,
    report_path: &Path,
    options: &WorkbookOptions<'_>,
    sheets_written: &(dyn Fn() + Sync),
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
                sheets_written();
                let _ = go.send(());
            };
            stage_workbook_with(summary, workbook_path, options, &notify)
        };
        (workbook, joined(report))
    })
}

/// Writes the JSON report (with no summary beside it, its hash of one is all zeros).
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

/// A new workbook with fixed properties, so that reruns are byte-identical.
fn new_workbook(
    labels: &Labels,
    run_id: &str,
    date: Option<RunDate>,
) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    crate::sheets::set_workbook_font(&mut workbook)?;
    // The date given, else a fixed creation time: reruns stay byte-identical. The run id, as
    // a custom property, ties the summary to its report and marks it as jixiao's: a later run
    // finding it among its inputs leaves it out.
    let created = match date {
        Some(d) => ExcelDateTime::from_ymd(d.year, d.month, d.day)?,
        None => ExcelDateTime::from_ymd(2000, 1, 1)?,
    };
    workbook.set_properties(
        &DocProperties::new()
            .set_title(labels.t("项目绩效目标汇总"))
            .set_creation_datetime(&created)
            .set_custom_property(crate::read::sniff::SUMMARY_MARK, run_id),
    );
    // Deflate at level 3 rather than 6: at 2,000 files the summary is 17 % larger and a bare
    // write of the same sheets takes 1.9 s instead of 2.7 s (README, Performance).
    workbook.set_zip_compression_level(3);
    Ok(workbook)
}

/// The worksheets, made up front in the order 指标 …, 汇总, 合计, 图表, 问题, 说明, whichever
/// thread writes them.
struct AllSheets {
    indicators: Vec<Sheets>,
    /// 汇总 and its continuations.
    projects: Sheets,
    /// 合计, 图表, then 问题 and its continuations.
    totals: Sheets,
    readme: Sheets,
}

impl AllSheets {
    fn new(workbook: &mut Workbook, layout: &Layout) -> Result<AllSheets, XlsxError> {
        let indicators = (0..layout.indicator_parts())
            .map(|_| Sheets::new(workbook, 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AllSheets {
            indicators,
            projects: Sheets::new(workbook, layout.project_parts())?,
            totals: Sheets::new(
                workbook,
                2 + layout.parts(layout.findings) + layout.comparison_parts,
            )?,
            readme: Sheets::new(workbook, 1)?,
        })
    }

    /// The written sheets, in workbook order.
    fn push_into(self, workbook: &mut Workbook) {
        for sheet in std::iter::once(self.projects)
            .chain(self.indicators)
            .chain([self.totals, self.readme])
            .flat_map(|s| s.done)
        {
            workbook.push_worksheet(sheet);
        }
    }
}

fn build_workbook(
    summary: &Summary,
    options: &WorkbookOptions<'_>,
    sheets_written: &(dyn Fn() + Sync),
) -> Result<(Workbook, Vec<excel_tables::TableRange>), XlsxError> {
    let labels = options.labels;
    let mut workbook = new_workbook(labels, &summary.run_id, options.date)?;
    let formats = Formats::new();
    // The input list of 说明 starts right after its intro, whose length does not depend on
    // the figures it shows.
    let draft = Layout::new(summary, options.rows_per_sheet, 0);
    let intro_rows = readme::intro_rows(summary, labels, &draft);
    let layout = Layout::new(summary, options.rows_per_sheet, intro_rows as u32);
    let places = place::places(summary, &layout);
    let [project_marks, indicator_marks, department_marks] = place::marks(summary, &places);

    // Every format is registered first, so that the styles' numbering does not depend on which
    // thread uses a format first.
    formats.register(&mut workbook);
    let mut sheets = AllSheets::new(&mut workbook, &layout)?;
    // 汇总 may hold a quarter of the notes; 指标 what 汇总 leaves, known before either is written.
    let mut projects_with_notes = 0;
    let mut project_lines = [0usize; crate::sheets::MAX_LINES];
    for h in summary.departments.heads() {
        for (all, n) in project_lines.iter_mut().zip(h.survey.project_lines) {
            *all += n as usize;
        }
        projects_with_notes += h.survey.projects_with_notes as usize;
    }
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
    let baseline = summary
        .comparison
        .as_ref()
        .map(|c| comparison::by_indicator_row(c, &layout));
    let (indicator_notes, project_notes_written, totals) = std::thread::scope(|scope| {
        let layout = &layout;
        let formats = &formats;
        let indicators = IndicatorJob {
            layout,
            formats,
            options,
            notes: options.max_notes.saturating_sub(project_notes),
            noted: &noted,
            baseline: baseline.as_ref(),
        };
        let indicator_sheets = &mut sheets.indicators;
        let indicators = scope.spawn(move || {
            if let [sheets] = indicator_sheets.as_mut_slice() {
                indicators.write_part(sheets, 0, departments.into_iter(), indicator_marks)
            } else {
                // Past Excel's row limit, 指标, 指标(2)… are written side by side, each part
                // unpacking its own departments: 汇总's are not waited for.
                drop(departments);
                indicators.write_parts(indicator_sheets, summary, indicator_marks)
            }
        });
        let total_sheets = &mut sheets.totals;
        let places = &places;
        let totals = scope.spawn(move || {
            totals::write(
                total_sheets,
                summary,
                layout,
                department_marks,
                formats,
                labels,
            )?;
            charts::write(total_sheets, summary, formats, labels)?;
            findings::write(total_sheets, summary, layout, places, formats, labels)?;
            comparison::write(total_sheets, summary, layout, formats, labels)
        });
        let projects = projects::write(
            &mut sheets.projects,
            summary,
            layout,
            formats,
            options,
            ProjectRows {
                // The most common height; the fewest lines among equals.
                lines: (1..=project_lines.len())
                    .max_by_key(|&l| (project_lines[l - 1], std::cmp::Reverse(l)))
                    .unwrap_or(1),
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
    readme::write(
        &mut sheets.readme,
        summary,
        &layout,
        &formats,
        labels,
        notes,
        options.date,
    )?;
    sheets.push_into(&mut workbook);
    let tables = excel_tables::ranges(
        &layout,
        [
            (
                SHEET_PROJECTS,
                layout.projects,
                (ProjectColumn::ALL.len() - 1) as u16,
            ),
            (
                SHEET_INDICATORS,
                layout.indicators,
                (IndicatorColumn::ALL.len() - 1
                    + baseline
                        .as_ref()
                        .map_or(0, |_| crate::sheets::IndicatorBaselineColumn::ALL.len()))
                    as u16,
            ),
            (
                SHEET_FINDINGS,
                layout.findings,
                (FindingColumn::ALL.len() - 1) as u16,
            ),
        ],
    );
    Ok((workbook, tables))
}

/// A scoped thread's result; its panic goes on in the thread that joins it.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
