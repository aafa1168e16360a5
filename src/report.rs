//! The JSON report: its own types, built from the summary and the model as it is written, as
//! ripgrep's JSON printer has its own. The report's keys, their order and their meaning are a
//! contract with the scheduled jobs that read it (README, "The JSON report"), and they live here
//! alone: the model keeps cells as [`CellRef`]s and states as enums, and this module spells them
//! ("Sheet1!H7", "file name", "given") the way the report always has.
//!
//! Departments are unpacked one at a time while they are written, so the report never holds
//! more than one of them.

use std::fmt;
use std::io::Write;

use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};

use crate::consolidate::{InputRecord, Summary, Totals};
use crate::discover::Status;
use crate::finding::{Code, Finding, Severity};
use crate::grid::CellRef;
use crate::model::{self, Declared, Department, Detail, NameSource};

/// The version of the report's layout: raised when a key changes meaning or goes away (keys are
/// only ever added, and adding one does not raise it).
pub const REPORT_VERSION: u32 = 1;

/// The report ends with the summary's SHA-256 and `"}}` (the summary object and the report
/// closing): where the hash is, counted back from the end of the report (a newline follows it).
pub const SHA_FROM_END: u64 = 64 + 3 + 1;

/// What the hash of the summary reads as until it is known.
const SHA_PLACEHOLDER: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Writes the report, compact. Compact: the report is read by programs, and indented it was
/// twice the size (2.3 GB at 20,000 files); `jq .` shows it indented. The hash of the summary
/// it goes with is written over the placeholder once the summary is complete ([`SHA_FROM_END`]).
pub fn write(summary: &Summary, out: &mut impl Write) -> serde_json::Result<()> {
    serde_json::to_writer(out, &Report::new(summary))
}

/// The findings alone, as the report's `findings` array (what `jixiao check --format json`
/// prints), indented.
pub fn findings_pretty(summary: &Summary) -> serde_json::Result<String> {
    let ids = Ids::new(summary);
    let findings: Vec<FindingOut<'_>> = summary
        .findings
        .iter()
        .map(|f| FindingOut(f, Some(&ids)))
        .collect();
    serde_json::to_string_pretty(&findings)
}

#[derive(Serialize)]
struct Report<'a> {
    report_version: u32,
    run_id: &'a str,
    tool: Tool<'a>,
    rules: String,
    inputs: Vec<InputOut<'a>>,
    departments: DepartmentsOut<'a>,
    totals: &'a Totals,
    findings: FindingsOut<'a>,
    /// This year against last year's (`--baseline`); absent without one, so a run without
    /// it writes what it always has.
    #[serde(skip_serializing_if = "Option::is_none")]
    comparison: Option<&'a crate::compare::Comparison>,
    /// Last, so that its hash can be written in once the summary is complete.
    summary: SummaryFileOut,
}

/// The summary this report goes with, by its SHA-256 (not by its path: the same inputs give
/// the same report whatever the summary is called).
#[derive(Serialize)]
struct SummaryFileOut {
    sha256: &'static str,
}

impl<'a> Report<'a> {
    fn new(summary: &'a Summary) -> Report<'a> {
        Report {
            report_version: REPORT_VERSION,
            run_id: &summary.run_id,
            tool: Tool {
                name: summary.tool.name,
                version: summary.tool.version,
            },
            rules: summary.rules.to_string(),
            inputs: summary.inputs.iter().map(InputOut::new).collect(),
            departments: DepartmentsOut(summary),
            totals: &summary.totals,
            findings: FindingsOut(&summary.findings, Ids::new(summary)),
            comparison: summary.comparison.as_ref(),
            summary: SummaryFileOut {
                sha256: SHA_PLACEHOLDER,
            },
        }
    }
}

/// Where the departments' projects and indicators start in the run's numbering: the ids that
/// join departments, projects, indicators and findings (department_id is the 部门编号 of 汇总
/// and 合计; project_id a project's row in 汇总 counted from 1; indicator_id its row in 指标).
pub struct Ids {
    /// (file, sheet) → department index.
    departments: std::collections::HashMap<(String, String), usize>,
    /// Each department's number less one: its group's (the forms of one department, from
    /// several files, share one row of 合计 and one 部门编号).
    pub group_of: Vec<usize>,
    pub project_start: Vec<usize>,
    pub indicator_start: Vec<usize>,
}

impl Ids {
    pub fn new(summary: &Summary) -> Ids {
        let mut ids = Ids {
            departments: Default::default(),
            group_of: (0..summary.departments.len()).collect(),
            project_start: Vec::with_capacity(summary.departments.len()),
            indicator_start: Vec::with_capacity(summary.departments.len()),
        };
        let (mut projects, mut indicators) = (0, 0);
        for (n, h) in summary.departments.heads().enumerate() {
            ids.departments
                .insert((h.about.file.clone(), h.about.sheet.clone()), n);
            ids.project_start.push(projects);
            ids.indicator_start.push(indicators);
            projects += h.projects();
            indicators += h.figures.indicators;
        }
        for (g, range) in summary.groups.iter().enumerate() {
            for d in range.clone() {
                if let Some(slot) = ids.group_of.get_mut(d) {
                    *slot = g;
                }
            }
        }
        ids
    }

    /// The department (index) and project (index over the run) a finding is about.
    pub fn of_finding(&self, f: &Finding) -> (Option<usize>, Option<usize>) {
        let d = self
            .departments
            .get(&(f.file.to_string(), f.sheet.to_string()))
            .copied();
        let p = d.and_then(|d| f.subject.project().map(|p| self.project_start[d] + p));
        (d, p)
    }
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct InputOut<'a> {
    path: &'a str,
    status: Status,
    reason: Option<&'a str>,
    sha256: Option<&'a str>,
    sheets: Vec<SheetOut<'a>>,
    superseded_by: Option<&'a str>,
    code: Option<Code>,
}

impl<'a> InputOut<'a> {
    fn new(input: &'a InputRecord) -> InputOut<'a> {
        InputOut {
            path: &input.path,
            status: input.status,
            reason: input.reason.as_deref(),
            sha256: input.sha256.as_deref(),
            sheets: input
                .sheets
                .iter()
                .map(|s| SheetOut {
                    name: &s.name,
                    status: s.status.as_str(),
                })
                .collect(),
            superseded_by: input.superseded_by.as_deref(),
            code: input.code,
        }
    }
}

#[derive(Serialize)]
struct SheetOut<'a> {
    name: &'a str,
    status: &'static str,
}

/// Every department, unpacked in turn.
struct DepartmentsOut<'a>(&'a Summary);

impl Serialize for DepartmentsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let departments = &self.0.departments;
        let mut seq = serializer.serialize_seq(Some(departments.len()))?;
        let (mut project, mut indicator) = (1, 1);
        let group_of = Ids::new(self.0).group_of;
        for (n, d) in self.0.unpacked().enumerate() {
            let ids = RunIds {
                department: group_of.get(n).copied().unwrap_or(n) + 1,
                first_project: project,
                first_indicator: indicator,
            };
            project += d.projects.len();
            indicator += d.indicator_count();
            seq.serialize_element(&DepartmentOut::new(&d, ids))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct DepartmentOut<'a> {
    name: &'a str,
    name_source: NameSourceOut<'a>,
    file: &'a str,
    sheet: &'a str,
    year: Option<i32>,
    year_source: Option<YearSourceOut<'a>>,
    declared: DeclaredOut,
    projects: Vec<ProjectOut<'a>>,
    unassigned: Vec<UnassignedOut<'a>>,
    department_id: usize,
    overall: Option<OverallOut<'a>>,
}

/// A 部门整体 table's targets: the department as the subject.
#[derive(Serialize)]
struct OverallOut<'a> {
    budget_wan: Option<f64>,
    fiscal_wan: Option<f64>,
    other_wan: Option<f64>,
    goal: &'a str,
    duties: &'a str,
    source: Option<Source<'a>>,
    notes: &'a [String],
    attributes: &'a [Detail],
    indicators: Vec<IndicatorOut<'a>>,
}

/// A department's number and where its projects and indicators start in the run's numbering.
#[derive(Clone, Copy)]
struct RunIds {
    department: usize,
    first_project: usize,
    first_indicator: usize,
}

impl<'a> DepartmentOut<'a> {
    fn new(d: &'a Department, ids: RunIds) -> DepartmentOut<'a> {
        let sheet = d.about.sheet.as_str();
        let department_id = ids.department;
        // Indicators are numbered as 指标 lists them: the projects' in order, then the
        // unassigned ones.
        let mut indicator = ids.first_indicator;
        let mut next_indicator = || {
            indicator += 1;
            indicator - 1
        };
        DepartmentOut {
            name: &d.about.name,
            name_source: NameSourceOut(sheet, d.about.name_source),
            file: &d.about.file,
            sheet,
            year: d.about.year,
            year_source: d.about.year_source.map(|source| YearSourceOut {
                from: source.kind(),
                cell: source.cell().map(|cell| Source(sheet, cell)),
            }),
            declared: DeclaredOut::new(&d.about.declared),
            projects: d
                .projects
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let ids = IndicatorIds {
                        department_id,
                        project_id: Some(ids.first_project + i),
                        indicator_id: 0,
                    };
                    ProjectOut::new(p, sheet, ids, &mut next_indicator)
                })
                .collect(),
            unassigned: d
                .unassigned
                .iter()
                .map(|u| UnassignedOut {
                    after_seq: u.after_seq.as_deref(),
                    after_project: u.after_project.as_deref(),
                    indicator: IndicatorOut::new(
                        &u.indicator,
                        sheet,
                        IndicatorIds {
                            department_id,
                            project_id: None,
                            indicator_id: next_indicator(),
                        },
                    ),
                })
                .collect(),
            department_id,
            overall: d.overall.as_deref().map(|o| OverallOut {
                budget_wan: o.budget_wan,
                fiscal_wan: o.fiscal_wan,
                other_wan: o.other_wan,
                goal: &o.goal,
                duties: &o.duties,
                source: o.cell.map(|c| Source(sheet, c)),
                notes: &o.notes,
                attributes: &o.attributes,
                indicators: o
                    .indicators
                    .iter()
                    .map(|i| {
                        let ids = IndicatorIds {
                            department_id,
                            project_id: None,
                            indicator_id: next_indicator(),
                        };
                        IndicatorOut::new(i, sheet, ids)
                    })
                    .collect(),
            }),
        }
    }
}

/// Where the name came from: "Sheet1!A163", "file name" or "sheet name".
struct NameSourceOut<'a>(&'a str, NameSource);

impl Serialize for NameSourceOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            NameSource::Cell(cell) => serializer.collect_str(&Source(self.0, cell)),
            NameSource::FileName => serializer.serialize_str("file name"),
            NameSource::SheetName => serializer.serialize_str("sheet name"),
        }
    }
}

/// Where a department's year was read: `from` is year_line, footnote, title, form or
/// file_name; `cell` the cell, except for file_name.
#[derive(Serialize)]
struct YearSourceOut<'a> {
    from: &'static str,
    cell: Option<Source<'a>>,
}

/// A source cell as "Sheet!H7", written without an intermediate string.
struct Source<'a>(&'a str, CellRef);

impl fmt::Display for Source<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}", self.0, self.1)
    }
}

impl Serialize for Source<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[derive(Serialize)]
struct DeclaredOut {
    project_count: Option<u32>,
    footnote_total_wan: Option<f64>,
    sum_row_wan: Option<f64>,
    sum_row_own_wan: Option<f64>,
    sum_row_transfer_wan: Option<f64>,
}

impl DeclaredOut {
    fn new(d: &Declared) -> DeclaredOut {
        DeclaredOut {
            project_count: d.project_count,
            footnote_total_wan: d.footnote_total_wan,
            sum_row_wan: d.sum_row_wan,
            sum_row_own_wan: d.sum_row_own_wan,
            sum_row_transfer_wan: d.sum_row_transfer_wan,
        }
    }
}

#[derive(Serialize)]
struct ProjectOut<'a> {
    seq: &'a str,
    name: &'a str,
    overview: &'a str,
    goal: &'a str,
    budget_wan: Option<f64>,
    own_wan: Option<f64>,
    transfer_wan: Option<f64>,
    source: Source<'a>,
    notes: &'a [String],
    indicators: Vec<IndicatorOut<'a>>,
    finding_count: usize,
    /// `row_table` or `form`, and what a form gives beyond a row table (empty for a row table).
    source_kind: &'static str,
    implementing_unit: Option<&'a str>,
    fiscal_wan: Option<f64>,
    other_wan: Option<f64>,
    cumulative_wan: Option<f64>,
    long_term_goal: Option<&'a str>,
    long_term_indicators: Vec<IndicatorOut<'a>>,
    attributes: &'a [Detail],
    department_id: usize,
    project_id: Option<usize>,
}

/// The ids an indicator row carries.
#[derive(Clone, Copy, Serialize)]
struct IndicatorIds {
    department_id: usize,
    project_id: Option<usize>,
    indicator_id: usize,
}

impl<'a> ProjectOut<'a> {
    fn new(
        p: &'a model::Project,
        sheet: &'a str,
        ids: IndicatorIds,
        next_indicator: &mut impl FnMut() -> usize,
    ) -> ProjectOut<'a> {
        let form = p.form.as_deref();
        ProjectOut {
            seq: &p.seq,
            name: &p.name,
            overview: &p.overview,
            goal: &p.goal,
            budget_wan: p.budget_wan,
            own_wan: p.own_wan,
            transfer_wan: p.transfer_wan,
            source: Source(sheet, p.cell),
            notes: &p.notes,
            indicators: p
                .indicators
                .iter()
                .map(|i| {
                    let ids = IndicatorIds {
                        indicator_id: next_indicator(),
                        ..ids
                    };
                    IndicatorOut::new(i, sheet, ids)
                })
                .collect(),
            finding_count: p.finding_count,
            source_kind: p.source_kind().as_str(),
            implementing_unit: form.and_then(|f| f.implementing_unit.as_deref()),
            fiscal_wan: form.and_then(|f| f.fiscal_wan),
            other_wan: form.and_then(|f| f.other_wan),
            cumulative_wan: form.and_then(|f| f.cumulative_wan),
            long_term_goal: form.and_then(|f| f.long_term_goal.as_deref()),
            long_term_indicators: form
                .map(|f| {
                    f.long_term_indicators
                        .iter()
                        .map(|i| IndicatorOut::with_ids(i, sheet, None))
                        .collect()
                })
                .unwrap_or_default(),
            attributes: form.map_or(&[], |f| f.attributes.as_slice()),
            department_id: ids.department_id,
            project_id: ids.project_id,
        }
    }
}

#[derive(Serialize)]
struct UnassignedOut<'a> {
    after_seq: Option<&'a str>,
    after_project: Option<&'a str>,
    #[serde(flatten)]
    indicator: IndicatorOut<'a>,
}

#[derive(Serialize)]
struct IndicatorOut<'a> {
    name: &'a str,
    op: &'a str,
    value: Option<f64>,
    /// A range's high end; only a range (op `range`) has the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    value_to: Option<f64>,
    text: &'a str,
    unit: &'a str,
    raw: RawOut<'a>,
    level1: Option<&'a str>,
    level2: Option<&'a str>,
    category_source: &'static str,
    copies: u32,
    source: Source<'a>,
    notes: &'a [String],
    /// What a form's block gives beside the target (empty for a row table's indicator).
    value_kind: Option<&'a str>,
    weight: Option<f64>,
    prior_actual: Option<&'a str>,
    details: &'a [Detail],
    /// Its row of 指标 and what it belongs to; none for a long-term indicator, which has no row.
    #[serde(flatten)]
    ids: Option<IndicatorIds>,
}

#[derive(Serialize)]
struct RawOut<'a> {
    op: &'a str,
    value: &'a str,
    unit: &'a str,
}

impl<'a> IndicatorOut<'a> {
    fn new(i: &'a model::Indicator, sheet: &'a str, ids: IndicatorIds) -> IndicatorOut<'a> {
        IndicatorOut::with_ids(i, sheet, Some(ids))
    }

    fn with_ids(
        i: &'a model::Indicator,
        sheet: &'a str,
        ids: Option<IndicatorIds>,
    ) -> IndicatorOut<'a> {
        let extra = i.extra.as_deref();
        IndicatorOut {
            name: &i.name,
            op: &i.op,
            value: i.value,
            value_to: i.value_to,
            text: &i.text,
            unit: &i.unit,
            raw: RawOut {
                op: &i.raw.op,
                value: &i.raw.value,
                unit: &i.raw.unit,
            },
            level1: i.level1.as_deref(),
            level2: i.level2.as_deref(),
            category_source: i.category_source.as_str(),
            copies: i.copies,
            source: Source(sheet, i.cell),
            notes: &i.notes,
            value_kind: extra.and_then(|e| e.value_kind.as_deref()),
            weight: extra.and_then(|e| e.weight),
            prior_actual: extra.and_then(|e| e.prior_actual.as_deref()),
            details: extra.map_or(&[], |e| e.details.as_slice()),
            ids,
        }
    }
}

struct FindingsOut<'a>(&'a [Finding], Ids);

impl Serialize for FindingsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|f| FindingOut(f, Some(&self.1))))
    }
}

/// One finding: severity, code, file, department, sheet, cell ("" when about a whole file or
/// sheet) and message; then the department and project it is about (null when about a file,
/// or a table not summarized).
struct FindingOut<'a>(&'a Finding, Option<&'a Ids>);

impl Serialize for FindingOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'a> {
            severity: Severity,
            code: Code,
            file: &'a str,
            department: &'a str,
            sheet: &'a str,
            cell: CellOut,
            message: &'a str,
            department_id: Option<usize>,
            project_id: Option<usize>,
        }
        let f = self.0;
        let (d, p) = self.1.map_or((None, None), |ids| ids.of_finding(f));
        Out {
            department_id: d.map(|d| self.1.map_or(d, |ids| ids.group_of[d]) + 1),
            project_id: p.map(|p| p + 1),
            severity: f.severity,
            code: f.code,
            file: &f.file,
            department: &f.department,
            sheet: &f.sheet,
            cell: CellOut(f.cell),
            message: &f.message,
        }
        .serialize(serializer)
    }
}

/// A cell's name, or "" for none.
struct CellOut(Option<CellRef>);

impl Serialize for CellOut {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(cell) => serializer.collect_str(&cell),
            None => serializer.serialize_str(""),
        }
    }
}
