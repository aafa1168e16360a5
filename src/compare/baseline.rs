//! Last year's targets read back from what jixiao wrote last year: the summary workbook (its
//! 汇总 and 指标 sheets, in either language) or the JSON report. Departmental files are read
//! by the pipeline itself (see `lib.rs`); all three give the same [`Year`].

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use serde::Deserialize;

use super::{Year, YearIndicator, YearProject};
use crate::labels::Labels;
use crate::sheets::{
    IndicatorColumn, OVERALL_LABEL, ProjectColumn, SHEET_INDICATORS, SHEET_PROJECTS, SHEET_README,
    SHEET_TOTALS, UNASSIGNED_LABEL, part_sheet_name,
};

/// What one `--baseline` argument is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A summary workbook jixiao wrote.
    Summary,
    /// A JSON report jixiao wrote.
    Report,
    /// Departmental files, a folder or a glob: read with the pipeline.
    Files,
}

/// Tells what a `--baseline` argument is: a file ending in .json is a report; an .xlsx whose
/// sheets are a summary's (汇总, 指标, 合计, 说明) is a summary; anything else is files.
pub fn kind(arg: &str) -> Kind {
    let path = Path::new(arg);
    if !path.is_file() {
        return Kind::Files;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => Kind::Report,
        Some("xlsx") if is_summary(path) => Kind::Summary,
        _ => Kind::Files,
    }
}

/// Whether the workbook has a summary's own sheets.
fn is_summary(path: &Path) -> bool {
    let Ok(workbook) = calamine::open_workbook::<Xlsx<_>, _>(path) else {
        return false;
    };
    let names = workbook.sheet_names();
    [SHEET_PROJECTS, SHEET_INDICATORS, SHEET_TOTALS, SHEET_README]
        .iter()
        .all(|s| names.iter().any(|n| n == s))
}

fn text(row: &[Data], col: u16) -> String {
    match row.get(col as usize) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => crate::text::format_number(*f),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(row: &[Data], col: u16) -> Option<f64> {
    match row.get(col as usize)? {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// The sheet and its continuations (汇总, 汇总(2) …), in order, each without its header row.
fn parts(
    workbook: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    sheet: &str,
    headers: &[(u16, &str)],
    path: &Path,
) -> Result<Vec<Vec<Vec<Data>>>, String> {
    let languages: Vec<Labels> = Labels::languages()
        .iter()
        .filter_map(|l| Labels::new(l).ok())
        .collect();
    let names = workbook.sheet_names();
    let mut out = Vec::new();
    for part in 0.. {
        let name = part_sheet_name(sheet, part);
        if !names.contains(&name) {
            break;
        }
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| format!("{}: {name}: {e}", path.display()))?;
        let mut rows = range.rows();
        let header: Vec<Data> = rows.next().map(<[Data]>::to_vec).unwrap_or_default();
        let known = languages
            .iter()
            .any(|l| headers.iter().all(|(c, h)| text(&header, *c) == l.t(h)));
        if !known {
            return Err(format!(
                "{}: the sheet {name} is not a jixiao summary's (its headers differ)",
                path.display()
            ));
        }
        out.push(rows.map(<[Data]>::to_vec).collect());
    }
    Ok(out)
}

/// Last year's year from the summary workbook jixiao wrote: projects from 汇总, their
/// indicators from 指标 (its rows of (未归属) and (部门整体) are no project's).
pub fn from_summary(path: &Path) -> Result<Year, String> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| format!("{}: {e}", path.display()))?;
    use IndicatorColumn as I;
    use ProjectColumn as P;
    let project_headers = [
        (P::Department.index(), P::Department.header()),
        (P::Name.index(), P::Name.header()),
        (P::Budget.index(), P::Budget.header()),
    ];
    let indicator_headers = [
        (I::Department.index(), I::Department.header()),
        (I::Project.index(), I::Project.header()),
        (I::Name.index(), I::Name.header()),
        (I::Operator.index(), I::Operator.header()),
        (I::Value.index(), I::Value.header()),
        (I::Unit.index(), I::Unit.header()),
    ];
    let projects = parts(&mut workbook, SHEET_PROJECTS, &project_headers, path)?;
    let indicators = parts(&mut workbook, SHEET_INDICATORS, &indicator_headers, path)?;
    if projects.is_empty() || indicators.is_empty() {
        return Err(format!(
            "{}: no {SHEET_PROJECTS} or {SHEET_INDICATORS} sheet: not a jixiao summary",
            path.display()
        ));
    }
    let mut year = Year::default();
    let mut index = HashMap::new();
    for row in projects.iter().flatten() {
        let department = text(row, P::Department.index());
        let name = text(row, P::Name.index());
        if department.is_empty() && name.is_empty() {
            continue;
        }
        year.push_project(
            &mut index,
            &department,
            YearProject {
                name,
                budget_wan: number(row, P::Budget.index()),
                indicators: Vec::new(),
                at: None,
            },
        );
    }
    let not_projects: Vec<String> = Labels::languages()
        .iter()
        .filter_map(|l| Labels::new(l).ok())
        .flat_map(|l| {
            [
                l.t(UNASSIGNED_LABEL).to_string(),
                l.t(OVERALL_LABEL).to_string(),
            ]
        })
        .collect();
    // Each department's projects in 汇总's order, which 指标 follows: an indicator belongs to
    // the first project of its name at or after the previous indicator's.
    let mut cursor: HashMap<usize, usize> = HashMap::new();
    for row in indicators.iter().flatten() {
        let project = text(row, I::Project.index());
        if not_projects.contains(&project) {
            continue;
        }
        let department = text(row, I::Department.index());
        let Some(&d) = index.get(&*crate::text::fold(&department)) else {
            continue;
        };
        let projects = &mut year.departments[d].projects;
        let from = cursor.get(&d).copied().unwrap_or(0);
        let Some(p) = (from..projects.len())
            .find(|&p| projects[p].name == project)
            .or_else(|| projects.iter().position(|p| p.name == project))
        else {
            continue;
        };
        cursor.insert(d, p);
        let value = number(row, I::Value.index());
        projects[p].indicators.push(YearIndicator {
            name: text(row, I::Name.index()).into(),
            op: text(row, I::Operator.index()).into(),
            value,
            text: if value.is_some() {
                Default::default()
            } else {
                text(row, I::Value.index()).into()
            },
            unit: text(row, I::Unit.index()).into(),
            at: None,
        });
    }
    Ok(year)
}

#[derive(Deserialize)]
struct ReportIn {
    report_version: u32,
    departments: Vec<DepartmentIn>,
}

#[derive(Deserialize)]
struct DepartmentIn {
    name: String,
    projects: Vec<ProjectIn>,
}

#[derive(Deserialize)]
struct ProjectIn {
    name: String,
    budget_wan: Option<f64>,
    indicators: Vec<IndicatorIn>,
}

#[derive(Deserialize)]
struct IndicatorIn {
    name: compact_str::CompactString,
    op: compact_str::CompactString,
    value: Option<f64>,
    text: compact_str::CompactString,
    unit: compact_str::CompactString,
}

/// Last year's year from the JSON report jixiao wrote (its unassigned rows and 部门整体
/// targets are no project's).
pub fn from_report(path: &Path) -> Result<Year, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let report: ReportIn = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|e| format!("{}: not a jixiao report: {e}", path.display()))?;
    // Keys are only ever added to the report; its version says it is one.
    let _ = report.report_version;
    let mut year = Year::default();
    let mut index = HashMap::new();
    for d in report.departments {
        for p in d.projects {
            let indicators = p
                .indicators
                .into_iter()
                .map(|i| YearIndicator {
                    name: i.name,
                    text: if i.value.is_some() && i.op != crate::normalize::RANGE {
                        Default::default()
                    } else {
                        i.text
                    },
                    op: i.op,
                    value: i.value,
                    unit: i.unit,
                    at: None,
                })
                .collect();
            year.push_project(
                &mut index,
                &d.name,
                YearProject {
                    name: p.name,
                    budget_wan: p.budget_wan,
                    indicators,
                    at: None,
                },
            );
        }
    }
    Ok(year)
}
