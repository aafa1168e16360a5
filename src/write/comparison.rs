//! 对比 (with `--baseline` only): one row per project of either year — both years' budget, the
//! change, how it pairs, how many of its targets were lowered, raised or changed — then one row
//! per indicator whose target is not last year's, each linking to this year's row of 汇总 or
//! 指标. Past Excel's row limit it continues on 对比(2)… Also what 指标 shows beside each
//! target (last year's) and 合计 beside each department (last year's budget).

use std::collections::HashMap;

use rust_xlsxwriter::XlsxError;

use crate::compare::{Change, Comparison, IndicatorEntry, Match, ProjectEntry, Value};
use crate::consolidate::Summary;
use crate::labels::Labels;
use crate::sheets::{
    CompareColumn as C, IndicatorBaselineColumn as B, IndicatorColumn, ProjectColumn,
    SHEET_COMPARISON, part_sheet_name,
};
use crate::text::round_amount;

use super::format::Formats;
use super::place::{Layout, Place};
use super::sheet::{SheetWriter, Sheets};

/// The rows of 对比: every project, then the indicators whose target is not last year's.
fn indicator_rows(c: &Comparison) -> impl Iterator<Item = &IndicatorEntry> {
    c.indicators
        .iter()
        .filter(|i| i.change != Change::Unchanged)
}

/// How many rows 对比 has (for the sheets made up front).
pub fn rows(c: &Comparison) -> usize {
    c.projects.len() + indicator_rows(c).count()
}

/// A row of 对比.
enum Row<'a> {
    Project(&'a ProjectEntry),
    Indicator(&'a IndicatorEntry),
}

fn new_part<'f>(
    sheets: &mut Sheets,
    part: usize,
    f: &'f Formats,
    labels: &Labels,
) -> Result<SheetWriter<'f>, XlsxError> {
    SheetWriter::new::<C>(
        sheets,
        &part_sheet_name(SHEET_COMPARISON, part),
        &[],
        f,
        labels,
        0,
    )
}

pub fn write(
    sheets: &mut Sheets,
    summary: &Summary,
    layout: &Layout,
    f: &Formats,
    labels: &Labels,
) -> Result<(), XlsxError> {
    let Some(c) = &summary.comparison else {
        return Ok(());
    };
    let per = layout.rows_per_sheet as usize;
    let mut w = new_part(sheets, 0, f, labels)?;
    let rows = c
        .projects
        .iter()
        .map(Row::Project)
        .chain(indicator_rows(c).map(Row::Indicator));
    for (n, row) in rows.enumerate() {
        if n > 0 && n % per == 0 {
            w.finish(sheets)?;
            w = new_part(sheets, n / per, f, labels)?;
        }
        w.next_row(Vec::new());
        match row {
            Row::Project(p) => project_row(&mut w, p, layout, labels)?,
            Row::Indicator(i) => indicator_row(&mut w, i, layout, labels)?,
        }
    }
    w.finish(sheets)?;
    Ok(())
}

fn project_row(
    w: &mut SheetWriter<'_>,
    p: &ProjectEntry,
    layout: &Layout,
    labels: &Labels,
) -> Result<(), XlsxError> {
    w.text(C::Department, &p.department)?;
    w.text(C::Project, &p.project)?;
    w.text(
        C::BaselineProject,
        p.baseline_project.as_deref().unwrap_or(""),
    )?;
    w.text(C::Match, labels.t(p.kind.label_zh()))?;
    w.amount(C::Budget, p.budget_wan)?;
    w.amount(C::BaselineBudget, p.baseline_budget_wan)?;
    if let (Some(now), Some(then)) = (p.budget_wan, p.baseline_budget_wan) {
        w.amount(C::Delta, Some(round_amount(now - then)))?;
        if then > 0.0 {
            let share = ((now - then) / then * 1000.0).round() / 10.0;
            w.count(C::DeltaShare, Some(share))?;
        }
    }
    if matches!(p.kind, Match::Same | Match::Renamed) {
        w.count(C::Lowered, Some(p.counts.lowered as f64))?;
        w.count(C::Raised, Some(p.counts.raised as f64))?;
        w.count(C::Changed, Some(p.counts.changed as f64))?;
    }
    if let Some(at) = &p.at
        && let Some(start) = layout.project_start.get(at.department)
    {
        let place = Place::Project(start + at.project as usize, ProjectColumn::Name.index());
        w.link(C::Place, &layout.address(place))?;
    }
    Ok(())
}

fn indicator_row(
    w: &mut SheetWriter<'_>,
    i: &IndicatorEntry,
    layout: &Layout,
    labels: &Labels,
) -> Result<(), XlsxError> {
    w.text(C::Department, &i.department)?;
    w.text(C::Project, &i.project)?;
    w.text(C::Indicator, &i.indicator)?;
    w.text(C::Change, labels.t(i.change.label_zh()))?;
    w.text(C::Target, &i.target())?;
    w.text(C::BaselineTarget, &i.baseline_target())?;
    let place = match (&i.project_at, &i.at) {
        (Some(p), Some(at)) => layout
            .indicator_start
            .get(p.department as usize)
            .map(|s| Place::Indicator(s + at.position as usize, IndicatorColumn::Name.index())),
        (Some(p), None) => layout
            .project_start
            .get(p.department as usize)
            .map(|s| Place::Project(s + p.project as usize, ProjectColumn::Name.index())),
        _ => None,
    };
    if let Some(place) = place {
        w.link(C::Place, &layout.address(place))?;
    }
    Ok(())
}

/// This year's indicators that have a comparison, by their row of 指标 (over all its parts).
pub fn by_indicator_row<'a>(
    c: &'a Comparison,
    layout: &Layout,
) -> HashMap<usize, &'a IndicatorEntry> {
    c.indicators
        .iter()
        .filter_map(|i| {
            let (p, at) = (i.project_at?, i.at?);
            let start = layout.indicator_start.get(p.department as usize)?;
            Some((start + at.position as usize, i))
        })
        .collect()
}

/// The headers 指标 gains with a baseline.
pub fn indicator_headers() -> Vec<String> {
    B::HEADERS.iter().map(|h| h.to_string()).collect()
}

/// Last year's target beside this year's on a row of 指标 (nothing where there was none).
pub fn write_indicator(
    w: &mut SheetWriter<'_>,
    entry: Option<&&IndicatorEntry>,
    labels: &Labels,
) -> Result<(), XlsxError> {
    let Some(i) = entry else {
        return Ok(());
    };
    w.text(
        B::Operator.on_sheet(),
        i.baseline_op.as_deref().unwrap_or(""),
    )?;
    match &i.baseline_value {
        Some(Value::Number(v)) => w.count(B::Value.on_sheet(), Some(*v))?,
        Some(Value::Words(t)) => w.text(B::Value.on_sheet(), t)?,
        None => {}
    }
    w.text(B::Unit.on_sheet(), i.baseline_unit.as_deref().unwrap_or(""))?;
    w.text(B::Change.on_sheet(), labels.t(i.change.label_zh()))?;
    Ok(())
}
