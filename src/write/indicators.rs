//! 指标: one row per indicator, the projects' in order and then each department's unassigned
//! ones. Most of the workbook's rows; past Excel's row limit it continues on 指标(2), 指标(3)…,
//! written two parts at a time, each part unpacking its own departments and working out how
//! many notes the parts before it gave out from the departments' surveys.

use std::sync::Arc;

use rust_xlsxwriter::XlsxError;

use crate::consolidate::Summary;
use crate::model::{Department, Indicator};
use crate::sheets::{
    IndicatorColumn as C, OVERALL_LABEL, SHEET_INDICATORS, UNASSIGNED_LABEL, indicator_sheet_name,
    note_column,
};

use super::WorkbookOptions;
use super::format::Formats;
use super::joined;
use super::place::{Layout, Marks};
use super::sheet::{NoteCount, PrintPlan, SheetWriter, Sheets, source};

/// One row of 指标: an indicator with its project's 序号 and name.
struct IndicatorRow<'a> {
    seq: &'a str,
    project: &'a str,
    indicator: &'a Indicator,
    unassigned: bool,
}

/// A department's rows of 指标, in order: its projects' indicators, then its unassigned ones
/// (their project shown as `unassigned_label`), then its overall targets' (`overall_label`).
fn indicator_rows<'a>(
    d: &'a Department,
    unassigned_label: &'a str,
    overall_label: &'a str,
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
        .chain(d.overall.iter().flat_map(move |o| {
            o.indicators.iter().map(move |i| IndicatorRow {
                seq: "",
                project: overall_label,
                indicator: i,
                unassigned: false,
            })
        }))
}

fn write_row(
    w: &mut SheetWriter<'_>,
    d: &Department,
    row: &IndicatorRow<'_>,
    labels: &crate::labels::Labels,
) -> Result<(), XlsxError> {
    let i = row.indicator;
    w.text(C::Department, &d.about.name)?;
    w.text(C::Seq, row.seq)?;
    w.text(C::Project, row.project)?;
    w.text(C::Name, &i.name)?;
    w.text(C::Operator, &i.op)?;
    match i.value {
        // A range is shown as written ("90%-95%"); its ends are in the report.
        Some(_) if i.op == crate::normalize::RANGE => w.text(C::Value, &i.text)?,
        Some(v) => w.count(C::Value, Some(v))?,
        None => w.text(C::Value, &i.text)?,
    }
    w.text(C::Unit, &i.unit)?;
    w.text(C::RawOperator, &i.raw.op)?;
    w.text(C::RawValue, &i.raw.value)?;
    w.text(C::RawUnit, &i.raw.unit)?;
    w.text(C::Notes, &i.annotation())?;
    w.text(C::Source, &source(&d.about.file, &d.about.sheet, i.cell))?;
    w.text(C::Level1, i.level1.as_deref().unwrap_or(""))?;
    w.text(C::Level2, i.level2.as_deref().unwrap_or(""))?;
    w.text(C::CategorySource, labels.t(i.category_source.label_zh()))?;
    if let Some(extra) = i.extra.as_deref() {
        w.text(C::ValueKind, extra.value_kind.as_deref().unwrap_or(""))?;
        w.count(C::Weight, extra.weight)?;
        w.text(C::Details, &super::projects::details(&extra.details))?;
        w.text(C::PriorActual, extra.prior_actual.as_deref().unwrap_or(""))?;
    }
    w.count(C::Year, d.about.year.map(f64::from))?;
    if let Some(col) = note_column(i, row.unassigned) {
        w.note(col, &i.notes)?;
    }
    Ok(())
}

/// What writing any part of 指标 needs.
#[derive(Clone, Copy)]
pub struct IndicatorJob<'a> {
    pub layout: &'a Layout,
    pub formats: &'a Formats,
    pub options: &'a WorkbookOptions<'a>,
    /// Cell notes for the whole of 指标, given out in row order while they last.
    pub notes: usize,
    /// Rows of 指标 with a note, by department (from their surveys).
    pub noted: &'a [usize],
    /// With `--baseline`: last year's targets by row of 指标, shown after 指标's own columns.
    pub baseline: Option<&'a std::collections::HashMap<usize, &'a crate::compare::IndicatorEntry>>,
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
    pub fn write_part(
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
        let labels = self.options.labels;
        let unassigned_label = labels.t(UNASSIGNED_LABEL);
        let overall_label = labels.t(OVERALL_LABEL);
        let mut w: Option<SheetWriter<'a>> = None;
        let mut n = self.layout.indicator_start.get(d0).copied().unwrap_or(0);
        'departments: for d in departments {
            for row in indicator_rows(&d, unassigned_label, overall_label) {
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
                write_row(writer, &d, &row, labels)?;
                if let Some(baseline) = self.baseline {
                    super::comparison::write_indicator(writer, baseline.get(&n), labels)?;
                }
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
    pub fn write_parts(
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
        let extra = match self.baseline {
            Some(_) => super::comparison::indicator_headers(),
            None => Vec::new(),
        };
        let mut w = SheetWriter::new::<C>(
            sheets,
            &indicator_sheet_name(part),
            &extra,
            self.formats,
            self.options.labels,
            notes,
        )?;
        w.as_table(&super::excel_tables::table_name(SHEET_INDICATORS, part))?;
        // Printed: the targets first; the raw spellings, repairs and 来源 on pages of their
        // own with the categories, project and indicator repeated on each.
        w.print_plan(PrintPlan {
            last_col: C::Level2.index(),
            breaks: vec![C::RawOperator.index()],
            repeat_cols: Some((C::Project.index(), C::Name.index())),
        });
        Ok(w)
    }
}
