//! 汇总: one row per project, over every department in path order; past Excel's row limit it
//! continues on 汇总(2), 汇总(3)… Its thread unpacks each department once and hands it on to
//! 指标's, which writes the same departments' indicators.

use std::sync::Arc;

use rust_xlsxwriter::XlsxError;

use crate::consolidate::Summary;
use crate::model::Department;
use crate::sheets::{
    IndicatorColumn, ProjectColumn as C, SHEET_PROJECTS, part_sheet_name, project_row_lines,
};

use super::WorkbookOptions;
use super::format::Formats;
use super::place::{Layout, Marks, Place};
use super::sheet::{NoteCount, PrintPlan, SheetWriter, Sheets, source};

/// What 汇总 must know of all its rows before it writes the first.
pub struct ProjectRows {
    /// The sheet's row height in lines: its most common row's. Other rows get their own.
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
        w.as_table(&super::excel_tables::table_name(SHEET_PROJECTS, part))?;
        // Printed: the figures first, then 来源 with the goals on pages of their own, the
        // department and project repeated on each; the columns after 年度绩效目标 (links,
        // numbers, what forms add) stay on screen.
        w.print_plan(PrintPlan {
            last_col: C::Goal.index(),
            breaks: vec![C::Source.index()],
            repeat_cols: Some((C::Department.index(), C::Name.index())),
        });
        Ok::<_, XlsxError>(w)
    };
    let mut w = new_part(sheets, 0, rows.notes)?;
    let mut written = NoteCount::default();

    let mut n = 0;
    for (d_index, d) in summary.unpacked().enumerate() {
        let d = Arc::new(d);
        let mut indicator = layout.indicator_start[d_index];
        for p in &d.projects {
            if n > 0 && n % per == 0 {
                let done = w.finish(sheets)?;
                written += done;
                w = new_part(sheets, n / per, rows.notes.saturating_sub(written.written))?;
            }
            w.next_row(marks.take(n));
            let form = p.form.as_deref();
            w.text(C::Department, &d.about.name)?;
            w.text(C::Seq, &p.seq)?;
            w.text(C::Name, &p.name)?;
            w.text(
                C::ImplementingUnit,
                form.and_then(|f| f.implementing_unit.as_deref())
                    .unwrap_or(""),
            )?;
            w.amount(C::Budget, p.budget_wan)?;
            w.amount(C::Own, p.own_wan)?;
            w.amount(C::Transfer, p.transfer_wan)?;
            w.amount(C::Fiscal, form.and_then(|f| f.fiscal_wan))?;
            w.amount(C::Other, form.and_then(|f| f.other_wan))?;
            w.amount(C::Cumulative, form.and_then(|f| f.cumulative_wan))?;
            w.count(C::Indicators, Some(p.indicators.len() as f64))?;
            w.count(C::Findings, Some(p.finding_count as f64))?;
            w.text(C::Source, &source(&d.about.file, &d.about.sheet, p.cell))?;
            w.text(C::SourceKind, options.labels.t(p.source_kind().label_zh()))?;
            w.text(C::Overview, &p.overview)?;
            w.text(C::Goal, &p.goal)?;
            if let Some(f) = form {
                w.text(C::LongTermGoal, f.long_term_goal.as_deref().unwrap_or(""))?;
                w.text(C::LongTermIndicators, &described(&f.long_term_indicators))?;
                w.text(C::Attributes, &details(&f.attributes))?;
            }
            if !p.indicators.is_empty() {
                let first = Place::Indicator(indicator, IndicatorColumn::Name.into());
                w.link(C::FirstIndicator, &layout.address(first))?;
            }
            let key = layout.group_of.get(d_index).copied().unwrap_or(d_index);
            w.count(C::Key, Some((key + 1) as f64))?;
            w.count(C::Year, d.about.year.map(f64::from))?;
            // Each row as high as its own wrapped text needs (at most MAX_LINES lines): the
            // sheet's height, or one of its own; 来源 wraps inside its cell, cut at that height.
            let lines = project_row_lines(&d, p);
            if lines != rows.lines {
                w.row_lines(lines)?;
            }
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

/// Indicators in one cell, one a line: "培训人次 ≥ 3000 人次".
fn described(indicators: &[crate::model::Indicator]) -> String {
    indicators
        .iter()
        .map(|i| {
            let target = crate::normalize::target_words(&i.op, &i.text, &i.unit);
            if target.is_empty() {
                i.name.to_string()
            } else {
                format!("{} {target}", i.name)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Labels with their values in one cell, one a line: "项目负责人: 张三".
pub fn details(details: &[crate::model::Detail]) -> String {
    details
        .iter()
        .map(|d| format!("{}: {}", d.label, d.value))
        .collect::<Vec<_>>()
        .join("\n")
}
