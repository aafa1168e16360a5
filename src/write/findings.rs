//! 问题: one row per finding, errors first, then warnings, then notes; within a severity by
//! department, then by place (file, sheet, cell), ties in the order raised. Each row links to
//! the cell of the summary it is about; past Excel's row limit it continues on 问题(2), 问题(3)…
//! The JSON report keeps the order raised (inputs in path order).

use rust_xlsxwriter::XlsxError;

use crate::consolidate::Summary;
use crate::finding::Severity;
use crate::labels::Labels;
use crate::sheets::{
    FindingColumn as C, SHEET_FINDINGS, lines_needed, part_sheet_name, sheet_lines, wrap_width,
};

use super::format::Formats;
use super::place::{Layout, Place};
use super::sheet::{PrintPlan, SheetWriter, Sheets};

pub fn write(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    places: &[Option<Place>],
    f: &Formats,
    labels: &Labels,
) -> Result<(), XlsxError> {
    let width = wrap_width(C::Message.width());
    let lines = sheet_lines(
        summary
            .findings
            .iter()
            .map(|x| lines_needed(&x.message, width)),
    );
    let new_part = |sheets: &mut Sheets, part: usize| {
        let name = part_sheet_name(SHEET_FINDINGS, part);
        let mut w = SheetWriter::new::<C>(sheets, &name, &[], f, labels, 0)?;
        w.as_table(&super::excel_tables::table_name(SHEET_FINDINGS, part))?;
        // Printed without 位置 (a link, of no use on paper).
        w.print_plan(PrintPlan {
            last_col: C::Message.index(),
            breaks: Vec::new(),
            repeat_cols: None,
        });
        w.line_height(lines);
        Ok::<_, XlsxError>(w)
    };
    let per = layout.rows_per_sheet as usize;
    let mut w = new_part(sheets, 0)?;
    for (n, (finding, place)) in sorted(summary, places).enumerate() {
        if n > 0 && n % per == 0 {
            w.finish(sheets)?;
            w = new_part(sheets, n / per)?;
        }
        let severity = match finding.severity {
            Severity::Info => Vec::new(),
            s => vec![(C::Severity.index(), s)],
        };
        w.next_row(severity);
        w.text(C::Severity, labels.t(finding.severity.label_zh()))?;
        w.text(C::Code, finding.code.as_str())?;
        w.text(C::Kind, labels.code_title(finding.code))?;
        w.text(C::Department, &finding.department)?;
        w.text(C::File, &finding.file)?;
        w.text(C::Sheet, &finding.sheet)?;
        let cell = finding.cell.map(|c| c.name()).unwrap_or_default();
        w.text(C::Cell, &cell)?;
        w.text(C::Message, &finding.message)?;
        if let Some(place) = place {
            w.link(C::Place, &layout.address(*place))?;
        }
    }
    w.finish(sheets)?;
    Ok(())
}

/// The findings with their places in 问题's order: severity, department, file, sheet, cell
/// (row, then column; the file's own findings, with no cell, first), then as raised.
fn sorted<'a>(
    summary: &'a Summary,
    places: &'a [Option<Place>],
) -> impl Iterator<Item = (&'a crate::finding::Finding, &'a Option<Place>)> {
    let findings = &summary.findings;
    let mut order: Vec<u32> = (0..findings.len().min(places.len()) as u32).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&findings[a as usize], &findings[b as usize]);
        x.severity
            .cmp(&y.severity)
            .then_with(|| x.department.cmp(&y.department))
            .then_with(|| x.file.cmp(&y.file))
            .then_with(|| x.sheet.cmp(&y.sheet))
            .then_with(|| {
                x.cell
                    .map(|c| (c.row, c.col))
                    .cmp(&y.cell.map(|c| (c.row, c.col)))
            })
    });
    order
        .into_iter()
        .map(move |i| (&findings[i as usize], &places[i as usize]))
}
