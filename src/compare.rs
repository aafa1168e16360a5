//! Stage: compare (after check, before the summary is written): this year's targets against
//! last year's (`--baseline`). Plain data in — each year's departments, projects and
//! indicators as [`Year`] — and plain data out: a [`Comparison`] and its findings.
//!
//! Departments pair by folded name (spaces, full/half width). Projects of a department pair by
//! name: exact names first, then names equal once a year in them, whitespace, brackets and
//! width are folded (`renamed`); one baseline project pairs with one project at most; the rest
//! are `new` this year or `dropped` from last year. Indicators of a matched project pair by
//! folded name, the k-th of a name with the k-th. Targets compare after normalization.
//!
//! Last year comes from files read by the same pipeline, from the summary workbook jixiao wrote
//! then, or from its JSON report ([`baseline`]); all three give the same [`Year`].

pub mod baseline;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use compact_str::CompactString;
use serde::Serialize;
use serde::ser::Serializer;

use crate::finding::{Code, Finding, ProjectField, Site, Subject};
use crate::grid::CellRef;
use crate::model::{Department, Indicator};
use crate::rules::{CompareRules, Direction};
use crate::text::fold;

/// One year's targets, department by department, in the order the summary lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Year {
    pub departments: Vec<YearDepartment>,
}

/// A department (all its tables of the year, by folded name).
#[derive(Debug, Clone, PartialEq)]
pub struct YearDepartment {
    pub name: String,
    pub projects: Vec<YearProject>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YearProject {
    pub name: String,
    pub budget_wan: Option<f64>,
    pub indicators: Vec<YearIndicator>,
    /// Where it is in this year's summary; none for last year's.
    pub at: Option<ProjectAt>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YearIndicator {
    pub name: CompactString,
    /// ≥ ≤ = > <, 定性, or "" where none was written.
    pub op: CompactString,
    pub value: Option<f64>,
    /// A qualitative (or non-numeric) target's words; "" for a numeric one.
    pub text: CompactString,
    pub unit: CompactString,
    /// Where it is in this year's summary; none for last year's.
    pub at: Option<IndicatorAt>,
}

/// Where a project of this year is: its department's index in the summary, its index there,
/// its file, sheet and cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectAt {
    pub department: usize,
    pub project: u32,
    pub file: Arc<str>,
    pub sheet: String,
    pub cell: CellRef,
    pub budget_cell: Option<CellRef>,
}

/// Where a project of this year is in the summary, as an indicator's entry keeps it: its
/// department's index and its own (a [`ProjectAt`] per entry would cost a hundred bytes more
/// an indicator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Here {
    pub department: u32,
    pub project: u32,
}

impl ProjectAt {
    pub fn here(&self) -> Here {
        Here {
            department: self.department as u32,
            project: self.project,
        }
    }
}

/// Where an indicator of this year is: its position in its department (the 指标 numbering)
/// and its cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorAt {
    pub position: u32,
    pub cell: CellRef,
    pub target: CellRef,
}

impl YearIndicator {
    /// An indicator of the model, as compared.
    pub fn of(i: &Indicator, at: Option<IndicatorAt>) -> YearIndicator {
        YearIndicator {
            name: i.name.clone(),
            op: i.op.clone(),
            value: i.value,
            // A range is compared as written (its text holds both ends).
            text: if i.value.is_some() && i.op != crate::normalize::RANGE {
                CompactString::default()
            } else {
                i.text.clone()
            },
            unit: i.unit.clone(),
            at,
        }
    }
}

impl Year {
    /// The department of this folded name, added at the end if it is not there yet.
    fn slot(&mut self, index: &mut HashMap<String, usize>, name: &str) -> usize {
        let key = fold(name).into_owned();
        *index.entry(key).or_insert_with(|| {
            self.departments.push(YearDepartment {
                name: name.to_string(),
                projects: Vec::new(),
            });
            self.departments.len() - 1
        })
    }

    /// Adds a project read back from a summary or report (last year's: no place).
    pub fn push_project(
        &mut self,
        index: &mut HashMap<String, usize>,
        department: &str,
        project: YearProject,
    ) {
        let slot = self.slot(index, department);
        self.departments[slot].projects.push(project);
    }

    /// Adds another part of the same year (several `--baseline` arguments), department by
    /// department.
    pub fn absorb(&mut self, other: Year) {
        let mut index: HashMap<String, usize> = self
            .departments
            .iter()
            .enumerate()
            .map(|(n, d)| (fold(&d.name).into_owned(), n))
            .collect();
        for d in other.departments {
            let slot = self.slot(&mut index, &d.name);
            self.departments[slot].projects.extend(d.projects);
        }
    }
}

/// Adds the projects of one department of the model (the `n`-th of the summary) to `into`.
fn add_projects(into: &mut YearDepartment, n: usize, d: &Department, here: bool) {
    let file: Arc<str> = Arc::from(d.about.file.as_str());
    let mut position = 0u32;
    for (p, project) in d.projects.iter().enumerate() {
        let indicators = project
            .indicators
            .iter()
            .map(|i| {
                let at = here.then_some(IndicatorAt {
                    position,
                    cell: i.cell,
                    target: i.field_cells.target,
                });
                position += 1;
                YearIndicator::of(i, at)
            })
            .collect();
        into.projects.push(YearProject {
            name: project.name.clone(),
            budget_wan: project.budget_wan,
            indicators,
            at: here.then(|| ProjectAt {
                department: n,
                project: p as u32,
                file: file.clone(),
                sheet: d.about.sheet.clone(),
                cell: project.cell,
                budget_cell: project.budget_cell,
            }),
        });
    }
}

/// A year's departments as the comparison walks them: one at a time, so that neither year's
/// targets need be held whole beside the other's (at 2,000 files a year, both years' targets
/// as objects cost more than the rest of the run).
pub trait Source {
    /// How many departments (by folded name).
    fn len(&self) -> usize;
    /// The name of the `k`-th.
    fn name(&self, k: usize) -> &str;
    /// The `k`-th department's projects and targets, built when asked for.
    fn department(&self, k: usize) -> Cow<'_, YearDepartment>;
}

impl Source for Year {
    fn len(&self) -> usize {
        self.departments.len()
    }

    fn name(&self, k: usize) -> &str {
        &self.departments[k].name
    }

    fn department(&self, k: usize) -> Cow<'_, YearDepartment> {
        Cow::Borrowed(&self.departments[k])
    }
}

/// One department of a [`Lazy`] year: where its projects come from.
struct Group {
    name: String,
    /// Its department in the year read back from a summary or report, if any.
    built: Option<usize>,
    /// The departments of the model (by their index) that hold its tables.
    parts: Vec<usize>,
}

/// A year whose departments are unpacked from the model only when compared: this year's
/// summary, or last year's files read by the pipeline, with any year read back from a summary
/// or report before them (several `--baseline` arguments). Departments group by folded name
/// in the order they first appear, as [`Year::absorb`] does.
pub struct Lazy<'a> {
    built: Year,
    groups: Vec<Group>,
    get: Box<dyn Fn(usize) -> Option<Department> + 'a>,
    here: bool,
}

impl<'a> Lazy<'a> {
    /// `parts`: each department of the model, as (its name, whether it holds projects).
    pub fn new<'n>(
        built: Year,
        parts: impl IntoIterator<Item = (&'n str, bool)>,
        get: impl Fn(usize) -> Option<Department> + 'a,
        here: bool,
    ) -> Lazy<'a> {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        for (k, d) in built.departments.iter().enumerate() {
            index.entry(fold(&d.name).into_owned()).or_insert_with(|| {
                groups.push(Group {
                    name: d.name.clone(),
                    built: Some(k),
                    parts: Vec::new(),
                });
                groups.len() - 1
            });
        }
        for (n, (name, has_projects)) in parts.into_iter().enumerate() {
            if !has_projects {
                continue;
            }
            let slot = *index.entry(fold(name).into_owned()).or_insert_with(|| {
                groups.push(Group {
                    name: name.to_string(),
                    built: None,
                    parts: Vec::new(),
                });
                groups.len() - 1
            });
            groups[slot].parts.push(n);
        }
        Lazy {
            built,
            groups,
            get: Box::new(get),
            here,
        }
    }
}

impl Source for Lazy<'_> {
    fn len(&self) -> usize {
        self.groups.len()
    }

    fn name(&self, k: usize) -> &str {
        &self.groups[k].name
    }

    fn department(&self, k: usize) -> Cow<'_, YearDepartment> {
        let g = &self.groups[k];
        let mut d = match g.built {
            Some(b) => self.built.departments[b].clone(),
            None => YearDepartment {
                name: g.name.clone(),
                projects: Vec::new(),
            },
        };
        for &n in &g.parts {
            if let Some(model) = (self.get)(n) {
                add_projects(&mut d, n, &model, self.here);
            }
        }
        Cow::Owned(d)
    }
}

/// How a project of either year pairs with the other year's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    Same,
    Renamed,
    New,
    Dropped,
}

impl Match {
    /// The word in the 对比 sheet (a label key).
    pub fn label_zh(self) -> &'static str {
        match self {
            Match::Same => "同名",
            Match::Renamed => "更名",
            Match::New => "新增",
            Match::Dropped => "取消",
        }
    }
}

/// How an indicator's target changed from last year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Lowered,
    Raised,
    Unchanged,
    Changed,
    New,
    Dropped,
}

impl Change {
    /// The word in the 对比 sheet (a label key).
    pub fn label_zh(self) -> &'static str {
        match self {
            Change::Lowered => "降低",
            Change::Raised => "提高",
            Change::Unchanged => "未变",
            Change::Changed => "改变",
            Change::New => "新增",
            Change::Dropped => "取消",
        }
    }
}

/// A target's value in the report: the number, or a qualitative target's words.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Words(CompactString),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::Words(w) => serializer.serialize_str(w),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Words(w) => f.write_str(w),
        }
    }
}

/// What the baseline held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineInfo {
    pub paths: Vec<String>,
    pub departments: usize,
    pub projects: usize,
    pub indicators: usize,
}

/// One project of either year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectEntry {
    pub department: String,
    /// This year's name; last year's for a dropped project.
    pub project: String,
    #[serde(rename = "match")]
    pub kind: Match,
    pub baseline_project: Option<String>,
    pub budget_wan: Option<f64>,
    pub baseline_budget_wan: Option<f64>,
    /// Its indicators lowered, raised and changed (for the 对比 sheet).
    #[serde(skip)]
    pub counts: ChangeCounts,
    #[serde(skip)]
    pub at: Option<ProjectAt>,
}

/// How many of a project's indicators were lowered, raised and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub lowered: usize,
    pub raised: usize,
    pub changed: usize,
}

/// One indicator of either year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorEntry {
    /// Shared by the entries of one project (a run holds hundreds of thousands).
    pub department: Arc<str>,
    pub project: Arc<str>,
    pub indicator: CompactString,
    pub change: Change,
    pub op: Option<CompactString>,
    pub value: Option<Value>,
    pub unit: Option<CompactString>,
    pub baseline_op: Option<CompactString>,
    pub baseline_value: Option<Value>,
    pub baseline_unit: Option<CompactString>,
    /// Where this year's project and indicator are.
    #[serde(skip)]
    pub project_at: Option<Here>,
    #[serde(skip)]
    pub at: Option<IndicatorAt>,
}

/// A target as the 对比 and 指标 sheets show it: "≥ 95 %", a qualitative target's words.
fn shown(op: Option<&str>, value: Option<&Value>, unit: Option<&str>) -> String {
    let op = op
        .filter(|o| *o != crate::normalize::QUALITATIVE)
        .unwrap_or("");
    let value = match value {
        Some(Value::Number(n)) => crate::text::format_number(*n),
        Some(Value::Words(w)) => w.to_string(),
        None => String::new(),
    };
    [op, value.as_str(), unit.unwrap_or("")]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

impl IndicatorEntry {
    /// This year's target as shown: "≥ 95 %"; "" for a dropped indicator.
    pub fn target(&self) -> String {
        shown(
            self.op.as_deref(),
            self.value.as_ref(),
            self.unit.as_deref(),
        )
    }

    /// Last year's target as shown; "" for a new indicator.
    pub fn baseline_target(&self) -> String {
        shown(
            self.baseline_op.as_deref(),
            self.baseline_value.as_ref(),
            self.baseline_unit.as_deref(),
        )
    }
}

/// The report's `comparison`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline: BaselineInfo,
    pub projects: Vec<ProjectEntry>,
    pub indicators: Vec<IndicatorEntry>,
}

impl Comparison {
    /// Last year's budget per department, by folded name, for 合计 (every department of
    /// last year, paired or dropped; none for a department new this year). One pass.
    pub fn baseline_budgets(&self) -> HashMap<String, f64> {
        let mut sums: HashMap<String, f64> = HashMap::new();
        for p in self.projects.iter().filter(|p| p.kind != Match::New) {
            *sums.entry(fold(&p.department).into_owned()).or_default() +=
                p.baseline_budget_wan.unwrap_or(0.0);
        }
        for v in sums.values_mut() {
            *v = crate::text::round_amount(*v);
        }
        sums
    }
}

/// The name a project keeps across years: a year in it (2023年, 2023年度, 2023) folded out,
/// and whitespace, brackets and width differences with it.
pub fn loose_name(name: &str) -> String {
    let folded = fold(name);
    let chars: Vec<char> = folded.chars().collect();
    let mut out = String::with_capacity(folded.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let year = i + 4 <= chars.len()
            && chars[i..i + 4].iter().all(char::is_ascii_digit)
            && matches!(chars[i], '1' | '2')
            && (i == 0 || !chars[i - 1].is_ascii_digit())
            && chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if year {
            // Folded out: 2023年度X, 2024年X and X pair alike.
            i += 4;
            if chars.get(i) == Some(&'年') {
                i += 1;
                if chars.get(i) == Some(&'度') {
                    i += 1;
                }
            }
            continue;
        }
        if !is_bracket(c) {
            out.extend(c.to_lowercase());
        }
        i += 1;
    }
    out
}

fn is_bracket(c: char) -> bool {
    matches!(
        c,
        '(' | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | '（'
            | '）'
            | '【'
            | '】'
            | '〔'
            | '〕'
            | '〈'
            | '〉'
            | '《'
            | '》'
            | '「'
            | '」'
            | '『'
            | '』'
            | '〖'
            | '〗'
    )
}

/// An indicator's name as the years pair it.
fn indicator_key(name: &str) -> String {
    fold(name).to_lowercase()
}

/// The operator's kind: asks for more, for less, or for exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    More { strict: bool },
    Less { strict: bool },
    Exactly,
}

fn op_kind(op: &str) -> Option<OpKind> {
    match op {
        "≥" => Some(OpKind::More { strict: false }),
        ">" => Some(OpKind::More { strict: true }),
        "≤" => Some(OpKind::Less { strict: false }),
        "<" => Some(OpKind::Less { strict: true }),
        "=" => Some(OpKind::Exactly),
        _ => None,
    }
}

fn same_number(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// How this year's target compares with last year's, after normalization.
pub fn compare_targets(now: &YearIndicator, then: &YearIndicator, rules: &CompareRules) -> Change {
    let (a, b) = (fold(&now.text), fold(&then.text));
    // A range (either year) is neither more nor less ambitious: the same as written, or changed.
    let range = crate::normalize::RANGE;
    if now.op == range || then.op == range {
        return if now.op == then.op && a == b && now.unit == then.unit {
            Change::Unchanged
        } else {
            Change::Changed
        };
    }
    match (now.value, then.value) {
        (None, None) => {
            if now.op == then.op && a == b && now.unit == then.unit {
                Change::Unchanged
            } else {
                Change::Changed
            }
        }
        (Some(_), None) | (None, Some(_)) => Change::Changed,
        (Some(x), Some(y)) => {
            if now.unit != then.unit {
                return Change::Changed;
            }
            // -1: less ambitious, 0: the same, 1: more.
            let ambition = |higher_is_more: bool, strict_now: bool, strict_then: bool| {
                if same_number(x, y) {
                    i8::from(strict_now) - i8::from(strict_then)
                } else if (x > y) == higher_is_more {
                    1
                } else {
                    -1
                }
            };
            let step = match (op_kind(&now.op), op_kind(&then.op)) {
                (Some(OpKind::More { strict: s }), Some(OpKind::More { strict: t })) => {
                    ambition(true, s, t)
                }
                (Some(OpKind::Less { strict: s }), Some(OpKind::Less { strict: t })) => {
                    ambition(false, s, t)
                }
                (Some(OpKind::Exactly), Some(OpKind::Exactly)) => {
                    if same_number(x, y) {
                        0
                    } else {
                        match rules.direction(&now.name) {
                            Some(Direction::Up) => ambition(true, false, false),
                            Some(Direction::Down) => ambition(false, false, false),
                            None => return Change::Changed,
                        }
                    }
                }
                // No operator (or one the rules do not know) either year: the same, or not.
                (None, None) if now.op == then.op && same_number(x, y) => 0,
                _ => return Change::Changed,
            };
            match step {
                0 => Change::Unchanged,
                s if s > 0 => Change::Raised,
                _ => Change::Lowered,
            }
        }
    }
}

/// A target as the messages show it: "≥ 95 %".
fn target_words(i: &YearIndicator) -> String {
    if i.op == crate::normalize::RANGE {
        return crate::normalize::target_words(&i.op, &i.text, &i.unit);
    }
    let value = match i.value {
        Some(v) => crate::text::format_number(v),
        None => i.text.to_string(),
    };
    let op = if i.op == crate::normalize::QUALITATIVE {
        ""
    } else {
        i.op.as_str()
    };
    [op, value.as_str(), i.unit.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn value_of(i: &YearIndicator) -> Option<Value> {
    if i.op == crate::normalize::RANGE && !i.text.is_empty() {
        return Some(Value::Words(i.text.clone()));
    }
    match i.value {
        Some(v) => Some(Value::Number(v)),
        None if i.text.is_empty() => None,
        None => Some(Value::Words(i.text.clone())),
    }
}

/// The comparison and its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub comparison: Comparison,
    pub findings: Vec<Finding>,
}

/// Pairs the projects of one department: (this year's index, last year's index, match).
fn pair_projects(now: &[YearProject], then: &[YearProject]) -> Vec<Option<(usize, Match)>> {
    let mut pairs: Vec<Option<(usize, Match)>> = vec![None; now.len()];
    let mut taken = vec![false; then.len()];
    let mut exact: HashMap<&str, Vec<usize>> = HashMap::new();
    for (j, p) in then.iter().enumerate().rev() {
        exact.entry(p.name.as_str()).or_default().push(j);
    }
    for (i, p) in now.iter().enumerate() {
        if let Some(j) = exact.get_mut(p.name.as_str()).and_then(Vec::pop) {
            pairs[i] = Some((j, Match::Same));
            taken[j] = true;
        }
    }
    let mut loose: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, p) in then.iter().enumerate().rev() {
        if !taken[j] {
            loose.entry(loose_name(&p.name)).or_default().push(j);
        }
    }
    for (i, p) in now.iter().enumerate() {
        if pairs[i].is_some() {
            continue;
        }
        if let Some(j) = loose.get_mut(&loose_name(&p.name)).and_then(Vec::pop) {
            pairs[i] = Some((j, Match::Renamed));
        }
    }
    pairs
}

/// Pairs the indicators of a matched project: for each of this year's, last year's index.
fn pair_indicators(now: &[YearIndicator], then: &[YearIndicator]) -> Vec<Option<usize>> {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (j, i) in then.iter().enumerate().rev() {
        by_name.entry(indicator_key(&i.name)).or_default().push(j);
    }
    now.iter()
        .map(|i| by_name.get_mut(&indicator_key(&i.name)).and_then(Vec::pop))
        .collect()
}

/// Compares this year with last year's baseline, one department of either year at a time.
pub fn compare(
    now: &impl Source,
    then: &impl Source,
    paths: Vec<String>,
    rules: &CompareRules,
) -> Outcome {
    let mut out = Outcome {
        comparison: Comparison {
            baseline: BaselineInfo {
                paths,
                departments: then.len(),
                projects: 0,
                indicators: 0,
            },
            projects: Vec::new(),
            indicators: Vec::new(),
        },
        findings: Vec::new(),
    };
    let mut then_index: HashMap<String, usize> = HashMap::new();
    for j in 0..then.len() {
        then_index
            .entry(fold(then.name(j)).into_owned())
            .or_insert(j);
    }
    let mut then_used = vec![false; then.len()];
    let (mut projects, mut indicators) = (0, 0);
    let mut count = |d: &YearDepartment| {
        projects += d.projects.len();
        indicators += d.projects.iter().map(|p| p.indicators.len()).sum::<usize>();
    };
    for k in 0..now.len() {
        let d = now.department(k);
        let last = then_index.get(&*fold(&d.name)).copied().map(|j| {
            then_used[j] = true;
            then.department(j)
        });
        let last_projects: &[YearProject] = last.as_ref().map_or(&[], |l| &l.projects);
        if let Some(l) = &last {
            count(l);
        }
        let pairs = pair_projects(&d.projects, last_projects);
        for (p, pair) in d.projects.iter().zip(&pairs) {
            match pair {
                Some((j, kind)) => {
                    compare_project(&mut out, &d.name, p, &last_projects[*j], *kind, rules)
                }
                None => {
                    out.comparison.projects.push(ProjectEntry {
                        department: d.name.clone(),
                        project: p.name.clone(),
                        kind: Match::New,
                        baseline_project: None,
                        budget_wan: p.budget_wan,
                        baseline_budget_wan: None,
                        counts: ChangeCounts::default(),
                        at: p.at.clone(),
                    });
                    let n = names(&d.name, &p.name);
                    for i in &p.indicators {
                        out.comparison
                            .indicators
                            .push(one_sided(&n, p, i, Change::New));
                    }
                }
            }
        }
        let mut taken = vec![false; last_projects.len()];
        for (j, _) in pairs.iter().flatten() {
            taken[*j] = true;
        }
        for (q, _) in last_projects.iter().zip(&taken).filter(|(_, t)| !**t) {
            dropped_project(&mut out, &d.name, q);
        }
    }
    for j in (0..then.len()).filter(|j| !then_used[*j]) {
        let d = then.department(j);
        count(&d);
        for q in &d.projects {
            dropped_project(&mut out, &d.name, q);
        }
    }
    out.comparison.baseline.projects = projects;
    out.comparison.baseline.indicators = indicators;
    out
}

fn dropped_project(out: &mut Outcome, department: &str, q: &YearProject) {
    out.comparison.projects.push(ProjectEntry {
        department: department.to_string(),
        project: q.name.clone(),
        kind: Match::Dropped,
        baseline_project: Some(q.name.clone()),
        budget_wan: None,
        baseline_budget_wan: q.budget_wan,
        counts: ChangeCounts::default(),
        at: None,
    });
    let n = names(department, &q.name);
    for i in &q.indicators {
        out.comparison
            .indicators
            .push(one_sided(&n, q, i, Change::Dropped));
    }
}

/// A department's and a project's names, shared by the project's entries.
type Names = (Arc<str>, Arc<str>);

fn names(department: &str, project: &str) -> Names {
    (Arc::from(department), Arc::from(project))
}

/// An indicator of one year only: `new` (this year's, in `p`) or `dropped` (last year's).
fn one_sided(names: &Names, p: &YearProject, i: &YearIndicator, change: Change) -> IndicatorEntry {
    let (mine, theirs) = if change == Change::Dropped {
        (None, Some(i))
    } else {
        (Some(i), None)
    };
    IndicatorEntry {
        department: names.0.clone(),
        project: names.1.clone(),
        indicator: i.name.clone(),
        change,
        op: mine.map(|i| i.op.clone()),
        value: mine.and_then(value_of),
        unit: mine.map(|i| i.unit.clone()),
        baseline_op: theirs.map(|i| i.op.clone()),
        baseline_value: theirs.and_then(value_of),
        baseline_unit: theirs.map(|i| i.unit.clone()),
        project_at: if change == Change::Dropped {
            None
        } else {
            p.at.as_ref().map(ProjectAt::here)
        },
        at: mine.and_then(|i| i.at),
    }
}

fn compare_project(
    out: &mut Outcome,
    department: &str,
    p: &YearProject,
    q: &YearProject,
    kind: Match,
    rules: &CompareRules,
) {
    let pairs = pair_indicators(&p.indicators, &q.indicators);
    let names = names(department, &p.name);
    let mut counts = ChangeCounts::default();
    let mut all_same = true;
    let mut taken = vec![false; q.indicators.len()];
    let renamed = if kind == Match::Renamed {
        format!("(上年项目名称「{}」)", q.name)
    } else {
        String::new()
    };
    for (i, pair) in p.indicators.iter().zip(&pairs) {
        let Some(j) = *pair else {
            all_same = false;
            out.comparison
                .indicators
                .push(one_sided(&names, p, i, Change::New));
            continue;
        };
        taken[j] = true;
        let last = &q.indicators[j];
        let change = compare_targets(i, last, rules);
        match change {
            Change::Lowered => counts.lowered += 1,
            Change::Raised => counts.raised += 1,
            Change::Changed => counts.changed += 1,
            _ => {}
        }
        if change != Change::Unchanged {
            all_same = false;
        }
        if change == Change::Lowered
            && let (Some(pa), Some(ia)) = (&p.at, i.at)
        {
            let site = Site {
                file: &pa.file,
                sheet: &pa.sheet,
            };
            let mut f = site.finding(
                Code::TargetLowered,
                Some(ia.target),
                Subject::Indicator {
                    project: Some(pa.project),
                    position: ia.position,
                    field: crate::finding::IndicatorField::Target,
                },
                format!(
                    "项目「{}」的指标「{}」({})目标「{}」低于上年的「{}」{renamed};低于上年的目标需要说明理由",
                    p.name,
                    i.name,
                    ia.cell,
                    target_words(i),
                    target_words(last)
                ),
            );
            f.department = department.into();
            out.findings.push(f);
        }
        out.comparison.indicators.push(IndicatorEntry {
            department: names.0.clone(),
            project: names.1.clone(),
            indicator: i.name.clone(),
            change,
            op: Some(i.op.clone()),
            value: value_of(i),
            unit: Some(i.unit.clone()),
            baseline_op: Some(last.op.clone()),
            baseline_value: value_of(last),
            baseline_unit: Some(last.unit.clone()),
            project_at: p.at.as_ref().map(ProjectAt::here),
            at: i.at,
        });
    }
    for (last, _) in q.indicators.iter().zip(&taken).filter(|(_, t)| !**t) {
        all_same = false;
        let mut entry = one_sided(&names, p, last, Change::Dropped);
        entry.project_at = p.at.as_ref().map(ProjectAt::here);
        out.comparison.indicators.push(entry);
        if let Some(pa) = &p.at {
            let site = Site {
                file: &pa.file,
                sheet: &pa.sheet,
            };
            let mut f = site.finding(
                Code::IndicatorDropped,
                Some(pa.cell),
                Subject::Project {
                    project: pa.project,
                    field: ProjectField::Name,
                },
                format!(
                    "项目「{}」{renamed}上年的指标「{}」({})今年没有",
                    p.name,
                    last.name,
                    target_words(last)
                ),
            );
            f.department = department.into();
            out.findings.push(f);
        }
    }
    if all_same
        && !p.indicators.is_empty()
        && let (Some(now), Some(then), Some(pa)) = (p.budget_wan, q.budget_wan, &p.at)
        && then > 0.0
        && (now - then).abs() > rules.copied_budget_share * then + 1e-9
    {
        let site = Site {
            file: &pa.file,
            sheet: &pa.sheet,
        };
        let share = (now - then) / then * 100.0;
        let mut f = site.finding(
            Code::TargetsCopied,
            Some(pa.budget_cell.unwrap_or(pa.cell)),
            Subject::Project {
                project: pa.project,
                field: ProjectField::Budget,
            },
            format!(
                "项目「{}」{renamed}的{}个指标(首个为「{}」)与上年完全相同,预算金额却从 {:.2} 万元变为 {:.2} 万元({share:+.1} %):指标可能照抄上年",
                p.name,
                p.indicators.len(),
                p.indicators[0].name,
                then,
                now
            ),
        );
        f.department = department.into();
        out.findings.push(f);
    }
    out.comparison.projects.push(ProjectEntry {
        department: department.to_string(),
        project: p.name.clone(),
        kind,
        baseline_project: Some(q.name.clone()),
        budget_wan: p.budget_wan,
        baseline_budget_wan: q.budget_wan,
        counts,
        at: p.at.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> CompareRules {
        crate::rules::Rules::builtin().expect("rules").compare
    }

    fn ind(name: &str, op: &str, value: Option<f64>, text: &str, unit: &str) -> YearIndicator {
        YearIndicator {
            name: name.into(),
            op: op.into(),
            value,
            text: text.into(),
            unit: unit.into(),
            at: None,
        }
    }

    fn num(name: &str, op: &str, value: f64, unit: &str) -> YearIndicator {
        ind(name, op, Some(value), "", unit)
    }

    fn change(now: YearIndicator, then: YearIndicator) -> Change {
        compare_targets(&now, &then, &rules())
    }

    #[test]
    fn a_range_is_unchanged_only_as_written_and_never_lowered() {
        use Change::*;
        let range = |text: &str, low: f64| ind("群众满意度", "range", Some(low), text, "%");
        // Last year's from a summary workbook: 指标 shows the range as written, no number.
        let written = |text: &str| ind("群众满意度", "range", None, text, "%");
        assert_eq!(
            change(range("90%-95%", 90.0), range("90%-95%", 90.0)),
            Unchanged
        );
        assert_eq!(
            change(range("90%-95%", 90.0), written("90%-95%")),
            Unchanged
        );
        assert_eq!(
            change(range("90%-99%", 90.0), range("90%-95%", 90.0)),
            Changed
        );
        assert_eq!(
            change(range("85%-95%", 85.0), range("90%-95%", 90.0)),
            Changed
        );
        assert_eq!(
            change(range("90%-95%", 90.0), num("群众满意度", "≥", 95.0, "%")),
            Changed
        );
        assert_eq!(
            change(num("群众满意度", "≥", 80.0, "%"), range("90%-95%", 90.0)),
            Changed
        );
    }

    #[test]
    fn more_and_less_targets_compare_by_ambition() {
        use Change::*;
        let n = |op, v| num("培训人次", op, v, "人次");
        assert_eq!(change(n("≥", 90.0), n("≥", 100.0)), Lowered);
        assert_eq!(change(n("≥", 110.0), n("≥", 100.0)), Raised);
        assert_eq!(change(n("≥", 100.0), n("≥", 100.0)), Unchanged);
        assert_eq!(change(n(">", 100.0), n("≥", 100.0)), Raised);
        assert_eq!(change(n("≥", 100.0), n(">", 100.0)), Lowered);
        let d = |op, v| num("响应时间", op, v, "小时");
        assert_eq!(change(d("≤", 3.0), d("≤", 2.0)), Lowered);
        assert_eq!(change(d("≤", 1.0), d("≤", 2.0)), Raised);
        assert_eq!(change(d("<", 2.0), d("≤", 2.0)), Raised);
        assert_eq!(change(d("≤", 2.0), d("<", 2.0)), Lowered);
        // An operator of another kind is no comparison of ambition.
        assert_eq!(change(d("≥", 2.0), d("≤", 2.0)), Changed);
        assert_eq!(change(d("=", 2.0), d("≤", 2.0)), Changed);
    }

    #[test]
    fn exact_targets_follow_the_direction_words_in_the_rules_order() {
        use Change::*;
        let up = |v| num("群众满意度", "=", v, "%");
        assert_eq!(change(up(90.0), up(95.0)), Lowered);
        assert_eq!(change(up(98.0), up(95.0)), Raised);
        let down = |v| num("设备故障率", "=", v, "%");
        assert_eq!(change(down(3.0), down(2.0)), Lowered);
        assert_eq!(change(down(1.0), down(2.0)), Raised);
        let none = |v| num("发放册数", "=", v, "册");
        assert_eq!(change(none(10.0), none(12.0)), Changed);
        assert_eq!(change(none(12.0), none(12.0)), Unchanged);
        // 投诉处理满意度 holds a down word and an up word: 满意度 comes first in the rules.
        let both = |v| num("投诉处理满意度", "=", v, "%");
        assert_eq!(change(both(90.0), both(95.0)), Lowered);
        let mut r = rules();
        r.good_direction.reverse();
        assert_eq!(compare_targets(&both(90.0), &both(95.0), &r), Raised);
    }

    #[test]
    fn incomparable_targets_are_changed() {
        use Change::*;
        assert_eq!(
            change(
                num("完成率", "≥", 95.0, "%"),
                num("完成率", "≥", 95.0, "项")
            ),
            Changed
        );
        assert_eq!(
            change(
                num("完成率", "≥", 95.0, "%"),
                ind("完成率", "定性", None, "明显", "")
            ),
            Changed
        );
        assert_eq!(
            change(
                ind("效率", "定性", None, "明显提升", ""),
                ind("效率", "定性", None, "有所提升", "")
            ),
            Changed
        );
        assert_eq!(
            change(
                ind("效率", "定性", None, "明显提升", ""),
                ind("效率", "定性", None, "明显 提升", "")
            ),
            Unchanged
        );
    }

    #[test]
    fn years_brackets_spaces_and_width_fold_out_of_project_names() {
        assert_eq!(
            loose_name("2024年老干部活动经费"),
            loose_name("2023年度老干部活动经费")
        );
        assert_eq!(
            loose_name("人大立法经费(2024)"),
            loose_name("人大立法经费（2023）")
        );
        assert_eq!(loose_name("数字 人大 运维"), loose_name("数字人大运维"));
        assert_eq!(loose_name("ＡＢＣ系统运维"), loose_name("abc系统运维"));
        assert_eq!(loose_name("【专项】培训费"), loose_name("专项培训费"));
        assert_ne!(loose_name("一期运维"), loose_name("二期运维"));
        // A number that is no year stays.
        assert_ne!(loose_name("10000户改造"), loose_name("20000户改造"));
    }

    fn project(name: &str, budget: Option<f64>, indicators: Vec<YearIndicator>) -> YearProject {
        YearProject {
            name: name.into(),
            budget_wan: budget,
            indicators,
            at: None,
        }
    }

    fn here(mut p: YearProject, department: usize, n: u32) -> YearProject {
        let cell = CellRef::parse("B2").expect("cell");
        p.at = Some(ProjectAt {
            department,
            project: n,
            file: Arc::from("a.xlsx"),
            sheet: "表".into(),
            cell,
            budget_cell: CellRef::parse("D2"),
        });
        for (k, i) in p.indicators.iter_mut().enumerate() {
            i.at = Some(IndicatorAt {
                position: n * 100 + k as u32,
                cell,
                target: cell,
            });
        }
        p
    }

    fn year(departments: Vec<(&str, Vec<YearProject>)>) -> Year {
        Year {
            departments: departments
                .into_iter()
                .map(|(name, projects)| YearDepartment {
                    name: name.into(),
                    projects,
                })
                .collect(),
        }
    }

    fn sat(v: f64) -> YearIndicator {
        num("受益人员满意度", "≥", v, "%")
    }

    #[test]
    fn projects_pair_exactly_then_renamed_then_new_and_dropped() {
        let now = year(vec![
            (
                "市 教育局",
                vec![
                    here(
                        project("2024年教师培训", Some(100.0), vec![sat(90.0)]),
                        0,
                        0,
                    ),
                    here(project("校舍维修", Some(50.0), vec![sat(95.0)]), 0, 1),
                    here(project("智慧校园", Some(30.0), vec![sat(95.0)]), 0, 2),
                ],
            ),
            (
                "市新设局",
                vec![here(project("开办费", Some(1.0), vec![sat(95.0)]), 1, 0)],
            ),
        ]);
        let then = year(vec![
            (
                "市教育局",
                vec![
                    project("校舍维修", Some(50.0), vec![sat(95.0)]),
                    project("2023年度教师培训", Some(100.0), vec![sat(95.0)]),
                    project("学生营养餐", Some(80.0), vec![sat(95.0)]),
                ],
            ),
            (
                "市撤并局",
                vec![project("旧项目", Some(9.0), vec![sat(95.0)])],
            ),
        ]);
        let out = compare(&now, &then, vec!["last".into()], &rules());
        let c = &out.comparison;
        let kinds: Vec<(&str, Match, Option<&str>)> = c
            .projects
            .iter()
            .map(|p| (p.project.as_str(), p.kind, p.baseline_project.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("2024年教师培训", Match::Renamed, Some("2023年度教师培训")),
                ("校舍维修", Match::Same, Some("校舍维修")),
                ("智慧校园", Match::New, None),
                ("学生营养餐", Match::Dropped, Some("学生营养餐")),
                ("开办费", Match::New, None),
                ("旧项目", Match::Dropped, Some("旧项目")),
            ]
        );
        assert_eq!(c.baseline.departments, 2);
        assert_eq!(c.baseline.projects, 4);
        assert_eq!(c.baseline.indicators, 4);
        // Every indicator of either year once, the new and dropped projects' too.
        let changes: Vec<(&str, Change)> = c
            .indicators
            .iter()
            .map(|i| (&*i.project, i.change))
            .collect();
        assert_eq!(
            changes,
            [
                ("2024年教师培训", Change::Lowered),
                ("校舍维修", Change::Unchanged),
                ("智慧校园", Change::New),
                ("学生营养餐", Change::Dropped),
                ("开办费", Change::New),
                ("旧项目", Change::Dropped),
            ]
        );
        // The renamed project's lowered target is the only finding: new and dropped projects
        // are listed, not findings.
        let codes: Vec<Code> = out.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, [Code::TargetLowered]);
        let f = &out.findings[0];
        assert!(f.message.contains("2024年教师培训"), "{}", f.message);
        assert!(f.message.contains("受益人员满意度"), "{}", f.message);
        assert!(f.message.contains("≥ 90 %") && f.message.contains("≥ 95 %"));
        assert!(f.message.contains("2023年度教师培训"), "{}", f.message);
        assert_eq!(f.department, "市 教育局");
        assert_eq!(c.projects[0].counts.lowered, 1);
    }

    #[test]
    fn one_baseline_project_pairs_with_one_project_at_most() {
        let now = year(vec![(
            "局",
            vec![
                here(project("2024年培训", None, vec![]), 0, 0),
                here(project("2025年培训", None, vec![]), 0, 1),
            ],
        )]);
        let then = year(vec![("局", vec![project("2023年培训", None, vec![])])]);
        let out = compare(&now, &then, vec![], &rules());
        let kinds: Vec<Match> = out.comparison.projects.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [Match::Renamed, Match::New]);
    }

    #[test]
    fn indicators_of_a_matched_project_new_dropped_and_paired_by_folded_name() {
        let now = year(vec![(
            "局",
            vec![here(
                project(
                    "培训",
                    Some(10.0),
                    vec![num("培训 人次", "≥", 100.0, "人次"), sat(95.0)],
                ),
                0,
                0,
            )],
        )]);
        let then = year(vec![(
            "局",
            vec![project(
                "培训",
                Some(10.0),
                vec![
                    num("培训人次", "≥", 100.0, "人次"),
                    num("课程数", "≥", 5.0, "门"),
                ],
            )],
        )]);
        let out = compare(&now, &then, vec![], &rules());
        let changes: Vec<(&str, Change)> = out
            .comparison
            .indicators
            .iter()
            .map(|i| (i.indicator.as_str(), i.change))
            .collect();
        assert_eq!(
            changes,
            [
                ("培训 人次", Change::Unchanged),
                ("受益人员满意度", Change::New),
                ("课程数", Change::Dropped),
            ]
        );
        let dropped = &out.comparison.indicators[2];
        assert_eq!(dropped.baseline_value, Some(Value::Number(5.0)));
        assert_eq!(dropped.value, None);
        let codes: Vec<Code> = out.findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, [Code::IndicatorDropped]);
        assert!(out.findings[0].message.contains("课程数"));
        assert!(out.findings[0].message.contains("培训"));
        assert_eq!(
            out.findings[0].subject,
            Subject::Project {
                project: 0,
                field: ProjectField::Name
            }
        );
    }

    fn copied(now_budget: Option<f64>, then_budget: Option<f64>) -> Vec<Code> {
        let now = year(vec![(
            "局",
            vec![here(project("培训", now_budget, vec![sat(95.0)]), 0, 0)],
        )]);
        let then = year(vec![(
            "局",
            vec![project("培训", then_budget, vec![sat(95.0)])],
        )]);
        compare(&now, &then, vec![], &rules())
            .findings
            .iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn copied_targets_need_a_budget_that_moved_by_more_than_the_share() {
        assert_eq!(copied(Some(130.0), Some(100.0)), [Code::TargetsCopied]);
        assert_eq!(copied(Some(70.0), Some(100.0)), [Code::TargetsCopied]);
        // Exactly 20 % is not strictly more.
        assert!(copied(Some(120.0), Some(100.0)).is_empty());
        assert!(copied(Some(110.0), Some(100.0)).is_empty());
        assert!(copied(Some(130.0), Some(0.0)).is_empty());
        assert!(copied(Some(130.0), None).is_empty());
        assert!(copied(None, Some(100.0)).is_empty());
    }

    #[test]
    fn a_project_with_a_changed_target_is_not_copied() {
        let now = year(vec![(
            "局",
            vec![here(project("培训", Some(200.0), vec![sat(96.0)]), 0, 0)],
        )]);
        let then = year(vec![(
            "局",
            vec![project("培训", Some(100.0), vec![sat(95.0)])],
        )]);
        let out = compare(&now, &then, vec![], &rules());
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        assert_eq!(out.comparison.indicators[0].change, Change::Raised);
        assert_eq!(out.comparison.projects[0].counts.raised, 1);
    }

    #[test]
    fn a_qualitative_value_is_its_words() {
        let now = year(vec![(
            "局",
            vec![here(
                project(
                    "培训",
                    None,
                    vec![ind("效率", "定性", None, "明显提升", "")],
                ),
                0,
                0,
            )],
        )]);
        let out = compare(&now, &Year::default(), vec![], &rules());
        let json = serde_json::to_value(&out.comparison).expect("json");
        assert_eq!(json["indicators"][0]["value"], "明显提升");
        assert_eq!(json["indicators"][0]["change"], "new");
        assert_eq!(json["projects"][0]["match"], "new");
        assert_eq!(
            json["projects"][0]["baseline_project"],
            serde_json::Value::Null
        );
    }
}
