//! 汇总: one row per project, over every department in path order; past Excel's row limit it
//! continues on 汇总(2), 汇总(3)… Its thread unpacks each department once and hands it on to
//! 指标's, which writes the same departments' indicators.

use std::sync::Arc;

use rust_xlsxwriter::XlsxError;

use crate::consolidate::Summary;
use crate::model::Department;
use crate::sheets::{IndicatorColumn, ProjectColumn as C, SHEET_PROJECTS, part_sheet_name};

use super::WorkbookOptions;
use super::format::Formats;
use super::place::{Layout, Marks, Place};
use super::sheet::{NoteCount, SheetWriter, Sheets, source};

/// What 汇总 must know of all its rows before it writes the first.
pub struct ProjectRows {
    /// Lines of text every row is high enough for.
    pub lines: usize,
    /// Cell notes the sheet may hold.
    pub notes: usize,
    /// The cells its findings fill.
    pub marks: Marks,
}

/// Writes 汇总, handing each department on (to 指标) once its projects are written.
pub fn write(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    f: &Formats,
    options: &WorkbookOptions<'_>,
    rows: ProjectRows,
    mut hand_on: impl FnMut(Arc<Department>),
) -> Result<NoteCount, XlsxError> {
    let mut marks = rows.marks;
    let per = layout.rows_per_sheet as usize;
    let new_part = |sheets: &mut Sheets, part: usize, notes: usize| {
        let name = part_sheet_name(SHEET_PROJECTS, part);
        let mut w = SheetWriter::new::<C>(sheets, &name, &[], f, options.labels, notes)?;
        w.line_height(rows.lines);
        Ok::<_, XlsxError>(w)
    };
    let mut w = new_part(sheets, 0, rows.notes)?;
    let mut written = NoteCount::default();

    let mut n = 0;
    for (d_index, d) in summary.departments.iter().enumerate() {
        let d = Arc::new(d);
        let mut indicator = layout.indicator_start[d_index];
        for p in &d.projects {
            if n > 0 && n % per == 0 {
                let done = w.finish(sheets)?;
                written += done;
                w = new_part(sheets, n / per, rows.notes.saturating_sub(written.written))?;
            }
            w.next_row(marks.take(n));
            w.text(C::Department, &d.about.name)?;
            w.text(C::Seq, &p.seq)?;
            w.text(C::Name, &p.name)?;
            w.amount(C::Budget, p.budget_wan)?;
            w.amount(C::Own, p.own_wan)?;
            w.amount(C::Transfer, p.transfer_wan)?;
            w.count(C::Indicators, Some(p.indicators.len() as f64))?;
            w.count(C::Findings, Some(p.finding_count as f64))?;
            w.text(C::Source, &source(&d.about.file, &d.about.sheet, p.cell))?;
            w.text(C::Overview, &p.overview)?;
            w.text(C::Goal, &p.goal)?;
            if !p.indicators.is_empty() {
                let first = Place::Indicator(indicator, IndicatorColumn::Name.into());
                w.link(C::FirstIndicator, &layout.address(first))?;
            }
            w.count(C::Key, Some((d_index + 1) as f64))?;
            // Amounts converted (元 → 万元) say so on the figure itself.
            w.note(C::Budget, &p.notes)?;
            indicator += p.indicators.len();
            n += 1;
        }
        hand_on(d);
    }
    written += w.finish(sheets)?;
    Ok(written)
}
