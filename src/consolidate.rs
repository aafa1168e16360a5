//! Stage 7: put the per-file outcomes together into one summary: inputs in path order,
//! departments in input order, findings in the order they were raised, and the totals.
//! Sequential and ordered by path, so the result never depends on thread timing.

use serde::Serialize;

use crate::discover::Status;
use crate::finding::{Finding, SeverityCounts};
use crate::model::Department;
use crate::pipeline::{FileOutcome, SheetRecord};
use crate::text::round_amount;

/// The tool that made the summary.
#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: "jixiao",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// One input and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct InputRecord {
    pub path: String,
    pub status: Status,
    pub reason: Option<String>,
    pub sha256: Option<String>,
    pub sheets: Vec<SheetRecord>,
}

/// The run's totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub files_ok: usize,
    pub files_skipped: usize,
    pub files_failed: usize,
    pub departments: usize,
    pub projects: usize,
    pub budget_wan: f64,
    pub own_wan: f64,
    pub transfer_wan: f64,
    /// Indicator rows kept, the unassigned ones included.
    pub indicators: usize,
    pub unassigned: usize,
    pub duplicates_collapsed: usize,
    pub findings: SeverityCounts,
}

/// Everything the workbook and the report are written from.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub tool: ToolInfo,
    /// Where the rules came from: "built-in" or a path.
    pub rules: String,
    pub inputs: Vec<InputRecord>,
    pub departments: Vec<Department>,
    pub totals: Totals,
    pub findings: Vec<Finding>,
    /// Findings per department, parallel to `departments`.
    #[serde(skip)]
    pub department_findings: Vec<usize>,
    /// SHA-256 of the rules text used, for the 说明 sheet; set by the caller that loaded them.
    #[serde(skip)]
    pub rules_sha256: Option<String>,
}

/// Builds the summary from outcomes, which may come in any order.
pub fn consolidate(mut outcomes: Vec<FileOutcome>, rules_origin: &str) -> Summary {
    outcomes.sort_by(|a, b| a.display.cmp(&b.display));
    let mut inputs = Vec::with_capacity(outcomes.len());
    let mut departments = Vec::new();
    let mut findings = Vec::new();
    let mut department_findings = Vec::new();
    let mut totals = Totals::default();
    for outcome in outcomes {
        match outcome.status {
            Status::Ok => totals.files_ok += 1,
            Status::Skipped => totals.files_skipped += 1,
            Status::Failed => totals.files_failed += 1,
        }
        inputs.push(InputRecord {
            path: outcome.display,
            status: outcome.status,
            reason: outcome.reason,
            sha256: outcome.sha256,
            sheets: outcome.sheets,
        });
        // A department is one sheet of one file: count its findings within its own file.
        for d in &outcome.departments {
            department_findings.push(
                outcome
                    .findings
                    .iter()
                    .filter(|f| f.sheet == d.sheet)
                    .count(),
            );
        }
        departments.extend(outcome.departments);
        findings.extend(outcome.findings);
    }

    totals.departments = departments.len();
    for d in &departments {
        let sums = d.budget_sums();
        totals.projects += d.projects.len();
        totals.budget_wan += sums[0];
        totals.own_wan += sums[1];
        totals.transfer_wan += sums[2];
        totals.indicators += d.indicator_count();
        totals.unassigned += d.unassigned.len();
        totals.duplicates_collapsed += d.duplicates_collapsed();
    }
    totals.budget_wan = round_amount(totals.budget_wan);
    totals.own_wan = round_amount(totals.own_wan);
    totals.transfer_wan = round_amount(totals.transfer_wan);
    totals.findings = SeverityCounts::count(&findings);

    Summary {
        tool: ToolInfo::default(),
        rules: rules_origin.to_string(),
        inputs,
        departments,
        totals,
        findings,
        department_findings,
        rules_sha256: None,
    }
}
