//! Stage 7: put the per-file outcomes together into one summary: inputs in path order,
//! departments in input order, findings in the order they were raised, and the totals.
//! Sequential and ordered by path, so the result never depends on thread timing.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::discover::Status;
use crate::finding::{Code, Finding, SeverityCounts, Site};
use crate::pipeline::{FileOutcome, SheetRecord};
use crate::rules::RulesOrigin;
use crate::store::{Departments, StoredDepartment};
use crate::text::round_amount;

/// The tool that made the summary.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct InputRecord {
    pub path: String,
    pub status: Status,
    pub reason: Option<String>,
    pub sha256: Option<String>,
    pub sheets: Vec<SheetRecord>,
    /// The input that is summarized instead of this one (same content, or the same department
    /// and year), or null.
    pub superseded_by: Option<String>,
    /// The finding code that says why it was not read whole (none when it was).
    pub code: Option<Code>,
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
    /// Findings listed, by severity.
    pub findings: SeverityCounts,
    /// Files in the searched folders that are neither inputs nor documents (not listed).
    pub files_other: usize,
    /// Findings not listed one by one: past `[findings] max_per_file_and_code` of one code in
    /// one file, each file's rest is counted in one "and M more" finding.
    pub findings_omitted: usize,
}

/// Everything the workbook and the report are written from.
#[derive(Debug, Clone)]
pub struct Summary {
    pub tool: ToolInfo,
    /// The run's id, in the summary's properties and the report alike: derived from the tool,
    /// the rules and every input's path, status and content, so that the summary and report of
    /// one run carry the same id, and a rerun over unchanged inputs writes the same bytes.
    pub run_id: String,
    /// Where the rules came from.
    pub rules: RulesOrigin,
    pub inputs: Vec<InputRecord>,
    pub departments: Departments,
    pub totals: Totals,
    pub findings: Vec<Finding>,
    /// Findings per department by severity, parallel to `departments`.
    pub department_findings: Vec<SeverityCounts>,
    /// The departments as 合计 counts them, each a run of `departments`: the forms of one
    /// department (by name and year), from however many files, are one; every row table is
    /// its own (two tables of one department keep their own figures).
    pub groups: Vec<std::ops::Range<usize>>,
    /// The framework's 一级 categories, in the rules' order, for the 合计 sheet's counts.
    pub level1_categories: Vec<String>,
    /// SHA-256 of the rules text used, for the 说明 sheet.
    pub rules_sha256: String,
    /// This year against last year's (`--baseline`); none without one.
    pub comparison: Option<crate::compare::Comparison>,
    /// The comparison's findings per project, by (department, project) index: its departments
    /// were packed before the comparison ran, so their projects' 问题数 add these when unpacked
    /// ([`Summary::unpacked`]).
    pub comparison_findings: BTreeMap<(usize, usize), usize>,
}

/// Which of two inputs is used when they duplicate each other: the later by modification time,
/// and of two equally recent ones the later by path, so the choice never depends on timing.
fn later<'a>(a: &'a FileOutcome, b: &'a FileOutcome) -> &'a FileOutcome {
    if (b.modified, &b.display) > (a.modified, &a.display) {
        b
    } else {
        a
    }
}

/// Keeps duplicated inputs out of double counting: of inputs with identical content, and then of
/// files holding the same department and year, only the later is summarized. The others keep
/// their place in `inputs`, with `superseded_by` and a finding that states the choice.
fn supersede_duplicates(outcomes: &mut [FileOutcome]) -> Vec<Option<String>> {
    let mut superseded: Vec<Option<String>> = vec![None; outcomes.len()];
    let mut identical = vec![false; outcomes.len()];
    let mut by_hash: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, o) in outcomes.iter().enumerate() {
        let Some(hash) = o.sha256.as_deref() else {
            continue;
        };
        if o.departments.is_empty() {
            continue;
        }
        match by_hash.get(hash) {
            Some(&j) => {
                let keep = if std::ptr::eq(later(&outcomes[j], o), o) {
                    i
                } else {
                    j
                };
                let drop = if keep == i { j } else { i };
                superseded[drop] = Some(outcomes[keep].display.clone());
                identical[drop] = true;
                identical[keep] = false;
                by_hash.insert(hash, keep);
            }
            None => {
                by_hash.insert(hash, i);
            }
        }
    }
    let mut by_department: BTreeMap<(String, Option<i32>), usize> = BTreeMap::new();
    for i in 0..outcomes.len() {
        if superseded[i].is_some() {
            continue;
        }
        // Only a name the table itself gives counts (a file or sheet name says nothing), and
        // only where the two tables share a project: two halves of one department's budget
        // (本级 and a subordinate unit, say) are both kept.
        let keys: Vec<(String, Option<i32>)> = outcomes[i]
            .departments
            .iter()
            .map(|d| &d.head)
            .filter(|d| d.about.name_source.is_given())
            .map(|d| (d.about.name.clone(), d.about.year))
            .collect();
        for key in keys {
            match by_department.get(&key).copied() {
                Some(j) if j != i && share_a_project(&outcomes[i], &outcomes[j], &key) => {
                    let keep = if std::ptr::eq(later(&outcomes[j], &outcomes[i]), &outcomes[i]) {
                        i
                    } else {
                        j
                    };
                    let drop = if keep == i { j } else { i };
                    let winner = outcomes[keep].display.clone();
                    drop_department(&mut outcomes[drop], &key, &winner);
                    if outcomes[drop].departments.is_empty() {
                        superseded[drop] = Some(winner);
                    }
                    by_department.insert(key, keep);
                }
                Some(_) => {}
                None => {
                    by_department.insert(key, i);
                }
            }
        }
    }
    for (i, by) in superseded.iter().enumerate() {
        if let Some(winner) = by.as_ref().filter(|_| identical[i]) {
            let o = &mut outcomes[i];
            let names: Vec<String> = o
                .departments
                .iter()
                .map(|d| d.head.about.name.clone())
                .collect();
            o.departments.clear();
            // Its table findings repeat the kept file's word for word; file-level ones stay.
            o.findings.retain(|f| f.department.is_empty());
            o.findings.push(Finding::about_input(
                Code::DuplicateFile,
                &o.display,
                format!(
                    "{} 与 {winner} 内容完全相同;只计入修改时间较晚的 {winner},本文件({})不重复计入汇总与合计",
                    o.display,
                    names.join("、")
                ),
            ));
        }
    }
    superseded
}

/// Do the two files' tables of this department name at least one project alike?
fn share_a_project(a: &FileOutcome, b: &FileOutcome, key: &(String, Option<i32>)) -> bool {
    let names = |o: &FileOutcome| -> Vec<String> {
        o.departments
            .iter()
            .map(|d| &d.head)
            .filter(|d| (&d.about.name, d.about.year) == (&key.0, key.1))
            .flat_map(|d| d.project_names.iter().cloned())
            .filter(|n| !n.is_empty())
            .collect()
    };
    let theirs = names(b);
    names(a).iter().any(|n| theirs.contains(n))
}

/// Takes one department out of a file that lost to a newer file of the same department.
fn drop_department(outcome: &mut FileOutcome, key: &(String, Option<i32>), winner: &str) {
    let year = key.1.map(|y| format!("{y}年")).unwrap_or_default();
    let sheets: Vec<String> = outcome
        .departments
        .iter()
        .map(|d| &d.head)
        .filter(|d| (&d.about.name, d.about.year) == (&key.0, key.1))
        .map(|d| d.about.sheet.clone())
        .collect();
    outcome
        .departments
        .retain(|d| (&d.head.about.name, d.head.about.year) != (&key.0, key.1));
    // Findings about the table that is not summarized would point at rows nobody sees.
    outcome
        .findings
        .retain(|f| !sheets.iter().any(|s| *s == f.sheet));
    for sheet in sheets {
        let site = Site {
            file: &outcome.display,
            sheet: &sheet,
        };
        let mut f = site.about_sheet(
            Code::DuplicateDepartment,
            format!(
                "{}「{}」{year}的表在 {winner} 中也有;只计入修改时间较晚的 {winner},本表不重复计入汇总与合计",
                outcome.display, key.0
            ),
        );
        f.department = key.0.as_str().into();
        outcome.findings.push(f);
    }
}

/// Puts the tables read from forms of one department (by its name, folded, and year) next to
/// each other, in the order the first of them came, as one group; every other table is a group
/// of its own.
fn group(
    departments: Vec<StoredDepartment>,
    findings: Vec<SeverityCounts>,
) -> (
    Vec<StoredDepartment>,
    Vec<SeverityCounts>,
    Vec<std::ops::Range<usize>>,
) {
    let mut keys: BTreeMap<(String, Option<i32>), usize> = BTreeMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, d) in departments.iter().enumerate() {
        let h = &d.head;
        let key = (h.figures.from_forms && h.about.name_source.is_given())
            .then(|| (crate::text::fold(&h.about.name).into_owned(), h.about.year));
        match key.as_ref().and_then(|k| keys.get(k)) {
            Some(&g) => members[g].push(i),
            None => {
                if let Some(k) = key {
                    keys.insert(k, members.len());
                }
                members.push(vec![i]);
            }
        }
    }
    let mut slots: Vec<Option<(StoredDepartment, SeverityCounts)>> =
        departments.into_iter().zip(findings).map(Some).collect();
    let mut ordered = Vec::with_capacity(slots.len());
    let mut ordered_findings = Vec::with_capacity(slots.len());
    let mut groups = Vec::with_capacity(members.len());
    for m in members {
        let start = ordered.len();
        for i in m {
            if let Some((d, f)) = slots[i].take() {
                ordered.push(d);
                ordered_findings.push(f);
            }
        }
        groups.push(start..ordered.len());
    }
    (ordered, ordered_findings, groups)
}

/// Builds the summary from outcomes, which may come in any order.
pub fn consolidate(mut outcomes: Vec<FileOutcome>, rules: &crate::rules::Rules) -> Summary {
    outcomes.sort_by(|a, b| a.display.cmp(&b.display));
    let superseded = supersede_duplicates(&mut outcomes);
    let mut inputs = Vec::with_capacity(outcomes.len());
    // Exactly as many as there are: at 20,000 files the findings are the larger part of what a
    // run holds, and a growing Vec's spare half would be a fifth of it.
    let mut departments = Vec::with_capacity(outcomes.iter().map(|o| o.departments.len()).sum());
    let mut findings = Vec::with_capacity(outcomes.iter().map(|o| o.findings.len()).sum());
    let mut department_findings = Vec::new();
    let mut totals = Totals::default();
    for (mut outcome, superseded_by) in outcomes.into_iter().zip(superseded) {
        // A file none of whose tables is summarized, because another file holds them, is
        // skipped, naming that file; it is not counted in files_ok.
        let mut superseded_code = None;
        if let Some(winner) = superseded_by.as_deref()
            && outcome.status == Status::Ok
        {
            let identical = outcome
                .findings
                .iter()
                .any(|f| f.code == Code::DuplicateFile);
            outcome.status = Status::Skipped;
            outcome.reason = Some(if identical {
                format!("与 {winner} 内容完全相同,只计入 {winner} (duplicate of {winner})")
            } else {
                format!(
                    "同一部门同一年度的表在 {winner} 中也有,只计入修改时间较晚的 {winner} (superseded by {winner})"
                )
            });
            superseded_code = Some(if identical {
                Code::DuplicateFile
            } else {
                Code::DuplicateDepartment
            });
        }
        let (listed, omitted) = cap_findings(
            std::mem::take(&mut outcome.findings),
            &outcome.display,
            rules,
        );
        outcome.findings = listed;
        totals.findings_omitted += omitted;
        match outcome.status {
            Status::Ok => totals.files_ok += 1,
            Status::Skipped => totals.files_skipped += 1,
            Status::Failed => totals.files_failed += 1,
        }
        let code = superseded_code.or_else(|| {
            (outcome.status != Status::Ok)
                .then(|| {
                    outcome
                        .findings
                        .iter()
                        .find(|f| f.sheet.is_empty())
                        .or(outcome.findings.first())
                        .map(|f| f.code)
                })
                .flatten()
        });
        inputs.push(InputRecord {
            code,
            path: outcome.display,
            status: outcome.status,
            reason: outcome.reason,
            sha256: outcome.sha256,
            sheets: outcome.sheets,
            superseded_by,
        });
        // A department is one sheet of one file: count its findings within its own file.
        for d in &outcome.departments {
            department_findings.push(SeverityCounts::count(
                outcome
                    .findings
                    .iter()
                    .filter(|f| f.sheet == d.head.about.sheet),
            ));
        }
        departments.extend(outcome.departments);
        findings.extend(outcome.findings);
    }

    let (departments, department_findings, groups) = group(departments, department_findings);
    totals.departments = groups.len();
    for d in departments.iter().map(|d: &StoredDepartment| &d.head) {
        let figures = &d.figures;
        let sums = figures.budget_sums;
        totals.projects += d.projects();
        totals.budget_wan += sums[0];
        totals.own_wan += sums[1];
        totals.transfer_wan += sums[2];
        totals.indicators += figures.indicators;
        totals.unassigned += figures.unassigned;
        totals.duplicates_collapsed += figures.duplicates_collapsed;
    }
    totals.budget_wan = round_amount(totals.budget_wan);
    totals.own_wan = round_amount(totals.own_wan);
    totals.transfer_wan = round_amount(totals.transfer_wan);
    totals.findings = SeverityCounts::count(&findings);

    let tool = ToolInfo::default();
    let run_id = run_id(&tool, &rules.sha256(), &inputs);
    Summary {
        run_id,
        tool,
        rules: rules.origin.clone(),
        inputs,
        departments: Departments::new(departments),
        totals,
        findings,
        department_findings,
        groups,
        level1_categories: rules.categories.level1.clone(),
        rules_sha256: rules.sha256(),
        comparison: None,
        comparison_findings: BTreeMap::new(),
    }
}

impl Summary {
    /// Its departments unpacked, in order, each project's 问题数 counting the comparison's
    /// findings too.
    pub fn unpacked(&self) -> impl Iterator<Item = crate::model::Department> + '_ {
        self.departments.iter().enumerate().map(|(n, mut d)| {
            if !self.comparison_findings.is_empty() {
                for (p, project) in d.projects.iter_mut().enumerate() {
                    project.finding_count +=
                        self.comparison_findings.get(&(n, p)).copied().unwrap_or(0);
                }
            }
            d
        })
    }

    /// Puts the comparison with last year into the summary: its findings after the others,
    /// counted in the totals and in their departments' counts.
    pub fn add_comparison(&mut self, outcome: crate::compare::Outcome) {
        let mut department: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (n, h) in self.departments.heads().enumerate() {
            department
                .entry((h.about.file.as_str(), h.about.sheet.as_str()))
                .or_insert(n);
        }
        let mut counts = self.department_findings.clone();
        for f in &outcome.findings {
            let n = department.get(&(&*f.file, f.sheet.as_str())).copied();
            if let Some(c) = n.and_then(|n| counts.get_mut(n)) {
                *c = SeverityCounts::count(std::iter::once(f)).plus(*c);
            }
            if let (Some(n), Some(p)) = (n, f.subject.project()) {
                *self.comparison_findings.entry((n, p)).or_default() += 1;
            }
        }
        self.department_findings = counts;
        self.findings.extend(outcome.findings);
        self.totals.findings = SeverityCounts::count(&self.findings);
        self.comparison = Some(outcome.comparison);
    }
}

/// Keeps the first `[findings] max_per_file_and_code` findings of each code of one file, and
/// counts the rest in one more finding of that code, about the file, after the others. Returns
/// the findings listed and how many were left out.
fn cap_findings(
    findings: Vec<Finding>,
    file: &str,
    rules: &crate::rules::Rules,
) -> (Vec<Finding>, usize) {
    let max = rules.findings.max_per_file_and_code;
    if findings.len() <= max {
        return (findings, 0);
    }
    let mut counts: BTreeMap<Code, usize> = BTreeMap::new();
    // Omitted findings by code, in the order their codes were first cut: (count, first one).
    let mut cut: Vec<(Code, usize, Finding)> = Vec::new();
    let mut listed = Vec::with_capacity(findings.len().min(max * 8));
    for f in findings {
        let n = counts.entry(f.code).or_default();
        *n += 1;
        if *n <= max {
            listed.push(f);
        } else if let Some(c) = cut.iter_mut().find(|c| c.0 == f.code) {
            c.1 += 1;
        } else {
            cut.push((f.code, 1, f));
        }
    }
    let mut omitted = 0;
    for (code, n, first) in cut {
        omitted += n;
        let site = Site {
            file,
            sheet: &first.sheet,
        };
        let mut more = site.about_sheet(
            code,
            format!(
                "{file}: 另有 {n} 条同类问题 ({}) 未逐条列出,首条: {} (and {n} more {} findings in this file, not listed one by one; [findings] max_per_file_and_code = {max})",
                code.as_str(),
                first.message.chars().take(200).collect::<String>(),
                code.as_str()
            ),
        );
        more.department = first.department;
        listed.push(more);
    }
    listed.shrink_to_fit();
    (listed, omitted)
}

/// The run id: 32 hex digits of SHA-256 over the tool, the rules and every input's path,
/// status, reason and content hash.
fn run_id(tool: &ToolInfo, rules_sha256: &str, inputs: &[InputRecord]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [tool.name, tool.version, rules_sha256] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    for i in inputs {
        let status = match i.status {
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
        };
        for part in [
            i.path.as_str(),
            status,
            i.reason.as_deref().unwrap_or(""),
            i.sha256.as_deref().unwrap_or(""),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
