//! Stage 5: turn a raw table into the normalized model. Operators, targets and units are
//! rewritten to one canonical form (the raw spelling is kept beside it), identical indicator
//! rows are collapsed, and rows that lost their project are realigned into the department's
//! (未归属) group. Every repair is written into the row's notes; every doubt is a finding.
//!
//! A target may carry its operator and unit in the same cell ("≥95%", "不低于95%", "95%以上",
//! "不少于1000个"): the operator words and the units that may follow the number are in the
//! rules; what does not read as operator, number and unit stays a qualitative target in words.

use std::collections::{HashMap, HashSet};

use compact_str::CompactString;

use crate::extract::{
    Located, LostHow, LostRow, OtherKind, RawExtra, RawIndicator, RawProject, RawTable,
};
use crate::finding::{Code, DepartmentField, Finding, IndicatorField, ProjectField, Site, Subject};
use crate::grid::{CellRef, CellValue, Grid};
use crate::model::{
    About, CategorySource, Declared, Department, Detail, FieldCells, Indicator, IndicatorExtra,
    NameSource, Project, RawValues, Unassigned, YearSource,
};
use crate::rules::Rules;
use crate::text::{clean, fold, format_number, parse_number, round_amount, split_leading_number};

pub mod form;

/// Reads each formula without a stored result that is a bare literal — an operator (`=>`), a
/// number, a percentage, an operator with a number and a unit (`=100%`, `=>95%`) — as the text
/// the person typed: a script (openpyxl and the like) writes every text starting with "=" as a
/// formula. The cells so read are listed in the grid's `formulas_as_text`; other formulas stay.
pub fn formulas_as_text(grid: &mut Grid, rules: &Rules) {
    if grid.formula_results_stored {
        return;
    }
    let mut read = Vec::new();
    for (r, cells) in grid.rows.iter_mut().enumerate() {
        for (c, value) in cells.iter_mut().enumerate() {
            let CellValue::Formula(formula) = value else {
                continue;
            };
            if let Some(typed) = formula_literal(formula, rules) {
                *value = CellValue::Text(typed.as_str().into());
                read.push((CellRef::new(r as u32, c as u32), typed));
            }
        }
    }
    grid.formulas_as_text.extend(read);
}

/// The text typed, "=" included, when a formula is a bare literal.
fn formula_literal(formula: &str, rules: &Rules) -> Option<String> {
    if formula.trim().is_empty() {
        return None;
    }
    // An ods formula carries its namespace: "of:=100%".
    let formula = match formula.split_once(":=") {
        Some((ns, rest)) if !ns.is_empty() && ns.chars().all(|c| c.is_ascii_alphabetic()) => rest,
        _ => formula,
    };
    let typed = if formula.starts_with('=') {
        formula.to_string()
    } else {
        format!("={formula}")
    };
    let literal = rules.operator(&typed).is_some()
        || matches!(
            parse_target(&typed, "", rules),
            Target::Number(..) | Target::Split { .. }
        );
    literal.then_some(typed)
}

/// The year in a file's name ("市水利局_项目申报表_2024.xlsx"), if it names one: four digits
/// starting 19 or 20 that no other digit touches.
pub fn file_year(file: &str) -> Option<i32> {
    let stem = std::path::Path::new(file).file_stem()?.to_string_lossy();
    let digits: Vec<char> = stem.chars().collect();
    (0..digits.len().saturating_sub(3)).find_map(|i| {
        let w: String = digits[i..i + 4].iter().collect();
        let bounded = |j: Option<&char>| j.is_none_or(|c| !c.is_ascii_digit());
        let before = i.checked_sub(1).and_then(|j| digits.get(j));
        (bounded(before)
            && bounded(digits.get(i + 4))
            && (w.starts_with("19") || w.starts_with("20")))
        .then(|| w.parse().ok())
        .flatten()
    })
}

/// The canonical operator of a qualitative (定性) indicator.
pub const QUALITATIVE: &str = "定性";

/// The operator of a range target ("90%-95%"): `value` is its low end, `value_to` its high.
pub const RANGE: &str = "range";

/// A target as messages and 汇总 show it: "≥ 95 %", "明显", a range as written ("90%-95%",
/// with the unit cell's unit after it where the text has none).
pub fn target_words(op: &str, text: &str, unit: &str) -> String {
    if op == RANGE {
        return if unit.is_empty() || text.ends_with(unit) {
            text.to_string()
        } else {
            format!("{text} {unit}")
        };
    }
    let op = if op == QUALITATIVE { "" } else { op };
    [op, text, unit]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a table came from, for naming it in findings.
pub struct Origin<'a> {
    /// The input's path as displayed.
    pub file: &'a str,
    /// The department name to use when the table itself names none.
    pub fallback_department: &'a str,
    /// Where that name comes from: the file's name or the sheet's.
    pub fallback_source: NameSource,
}

/// A doubt about one indicator row, raised while normalizing it: what of the row it is about,
/// placed once the row's position in its department is known.
pub struct IndicatorDoubt {
    pub code: Code,
    pub cell: Option<CellRef>,
    pub field: IndicatorField,
    pub message: String,
}

/// Normalizes one raw table into a department and the findings it raised.
pub fn normalize(raw: &RawTable, origin: &Origin<'_>, rules: &Rules) -> (Department, Vec<Finding>) {
    let mut n = Normalizer {
        site: Site {
            file: origin.file,
            sheet: &raw.sheet,
        },
        rules,
        scale: raw.layout.amount_scale,
        findings: Vec::new(),
    };
    if let Some((bracket, cell)) = &raw.layout.unknown_amount_unit {
        n.raise(
            Code::UnknownAmountUnit,
            Some(*cell),
            Subject::Department(DepartmentField::Name),
            format!("金额表头注明「{bracket}」,规则中没有这个金额单位;金额按万元读取,请核对"),
        );
    }
    let (name, name_source) = match &raw.document.department {
        Some((name, cell)) => (name.clone(), NameSource::Cell(*cell)),
        None => (
            origin.fallback_department.to_string(),
            origin.fallback_source,
        ),
    };
    let mut projects = n.project_shells(raw);
    let declared = n.declared(raw);
    let mut position = 0;
    for (index, rp) in raw.projects.iter().enumerate() {
        if rp.name.value.is_empty() {
            n.raise(
                Code::MissingProjectName,
                Some(rp.name.cell()),
                Subject::Project {
                    project: index as u32,
                    field: ProjectField::Name,
                },
                format!("第{}行的项目没有项目名称", rp.first_row + 1),
            );
        }
        projects[index].indicators = n.indicators_of(
            Some(index as u32),
            &rp.indicators,
            &projects[index].name,
            position,
        );
        position += projects[index].indicators.len();
    }
    let unassigned = n.lost_rows(raw, &projects, position);
    // A table that names no year: the file's name may ("…_2024.xlsx").
    let file_year = file_year(origin.file);
    n.other_rows(raw);
    let mut department = Department {
        about: About {
            name,
            name_source,
            file: origin.file.to_string(),
            sheet: raw.sheet.clone(),
            year: raw.document.year.map(|(y, _)| y).or(file_year),
            year_source: raw
                .document
                .year
                .map(|(_, source)| source)
                .or(file_year.map(|_| YearSource::FileName)),
            years_found: raw
                .document
                .years
                .iter()
                .copied()
                .chain(file_year.map(|y| (y, YearSource::FileName)))
                .collect(),
            declared,
        },
        projects,
        unassigned,
        overall: None,
    };
    n.bad_cells(&raw.bad_cells, &raw.formulas_as_text, &department);
    let mut findings = n.findings;
    for f in &mut findings {
        f.department = department.about.name.as_str().into();
    }
    department.projects.shrink_to_fit();
    (department, findings)
}

/// One table being normalized, with the findings raised so far, in the order they are raised.
struct Normalizer<'a> {
    site: Site<'a>,
    rules: &'a Rules,
    /// Amounts are multiplied by this to give 万元.
    scale: f64,
    findings: Vec<Finding>,
}

impl Normalizer<'_> {
    fn raise(&mut self, code: Code, cell: Option<CellRef>, subject: Subject, message: String) {
        self.findings.push(
            self.site
                .finding(code, Some(cell).flatten(), subject, message),
        );
    }

    /// An amount cell in 万元: empty, a number, or a finding about `subject` saying why not.
    fn amount(&mut self, cell: &Option<Located>, what: &str, subject: Subject) -> Option<f64> {
        let located = cell.as_ref()?;
        let scale = self.scale;
        let (code, message) = match &located.value {
            CellValue::Empty => return None,
            CellValue::Number(n) => return Some(round_amount(n * scale)),
            CellValue::Text(t) => match parse_number(t) {
                Some(n) => return Some(round_amount(n * scale)),
                None if clean(t).is_empty() => return None,
                // Template residue (XX, **, 待定): the project's amount was never filled in.
                None if self.rules.is_placeholder(t) => (
                    Code::PlaceholderValue,
                    format!("{what}「{}」是模板占位符,没有填写金额,按空值处理", clean(t)),
                ),
                None => (
                    Code::BadAmount,
                    format!("{what}「{}」不是数字,按空值处理", clean(t)),
                ),
            },
            CellValue::Error(e) => (
                Code::CellError,
                format!("{what}单元格是 Excel 错误值 {e},按空值处理"),
            ),
            CellValue::Formula(f) => (
                Code::FormulaWithoutValue,
                format!(
                    "{what}单元格是公式 {},文件中没有可读取的计算结果,按空值处理",
                    shown_formula(f)
                ),
            ),
        };
        self.raise(code, Some(located.cell()), subject, message);
        None
    }

    /// The projects with their amounts, before their indicators.
    fn project_shells(&mut self, raw: &RawTable) -> Vec<Project> {
        let mut projects = Vec::with_capacity(raw.projects.len());
        for (index, rp) in raw.projects.iter().enumerate() {
            let on = |field| Subject::Project {
                project: index as u32,
                field,
            };
            // Messages name the project.
            let name = rp.name.text();
            let what = |field: &str| {
                if name.is_empty() {
                    field.to_string()
                } else {
                    format!("项目「{name}」的{field}")
                }
            };
            let budget_wan = self.amount(&rp.budget, &what("预算金额"), on(ProjectField::Budget));
            let own_wan = self.amount(&rp.own, &what("本级支出"), on(ProjectField::Own));
            let transfer_wan = self.amount(
                &rp.transfer,
                &what("转移支付支出"),
                on(ProjectField::Transfer),
            );
            projects.push(project_shell(rp, budget_wan, own_wan, transfer_wan, raw));
        }
        projects
    }

    /// What the footnote and the 合计 row declare.
    fn declared(&mut self, raw: &RawTable) -> Declared {
        let document = &raw.document;
        let sum = raw.sum_row.as_ref();
        let on = |field| Subject::Department(field);
        let sum_amount = |n: &mut Self, cell: Option<&Option<Located>>, what, field| {
            cell.and_then(|c| n.amount(c, what, on(field)))
        };
        Declared {
            project_count: document.declared_count.as_ref().map(|d| d.0),
            footnote_total_wan: document.footnote_total.as_ref().map(|d| round_amount(d.0)),
            sum_row_wan: sum_amount(
                self,
                sum.map(|s| &s.budget),
                "合计行预算金额",
                DepartmentField::SumBudget,
            ),
            sum_row_own_wan: sum_amount(
                self,
                sum.map(|s| &s.own),
                "合计行本级支出",
                DepartmentField::SumOwn,
            ),
            sum_row_transfer_wan: sum_amount(
                self,
                sum.map(|s| &s.transfer),
                "合计行转移支付支出",
                DepartmentField::SumTransfer,
            ),
            count_cell: document.declared_count.as_ref().map(|d| d.1),
            footnote_cell: document.footnote_total.as_ref().map(|d| d.1),
            sum_row_cells: sum
                .map(|s| [&s.budget, &s.own, &s.transfer].map(|c| c.as_ref().map(Located::cell)))
                .unwrap_or_default(),
        }
    }

    /// One project's indicators (`project` none for the department's own), normalized,
    /// identical rows collapsed into one, with the findings about them; `start` is the position
    /// of the first in the department.
    fn indicators_of(
        &mut self,
        project: Option<u32>,
        rows: &[RawIndicator],
        project_name: &str,
        start: usize,
    ) -> Vec<Indicator> {
        let mut kept: Vec<Indicator> = Vec::new();
        let mut by_key: HashMap<[CompactString; 6], usize> = HashMap::new();
        // Each raw row's doubts, with the kept indicator the row became.
        let mut doubts: Vec<(usize, Vec<IndicatorDoubt>)> = Vec::new();
        for ri in rows {
            let mut raised = Vec::new();
            let indicator = normalize_indicator(ri, self.rules, &mut raised);
            let key = [
                indicator.name.clone(),
                indicator.op.clone(),
                // A range by both its ends, as written.
                indicator
                    .value
                    .filter(|_| indicator.op != RANGE)
                    .map(|v| CompactString::from(format_number(v)))
                    .unwrap_or_else(|| indicator.text.clone()),
                indicator.unit.clone(),
                indicator.level1.clone().unwrap_or_default(),
                indicator.level2.clone().unwrap_or_default(),
            ];
            let at = match by_key.get(&key) {
                Some(&at) => {
                    kept[at].copies += 1;
                    kept[at].copy_cells.push(indicator.cell);
                    at
                }
                None => {
                    by_key.insert(key, kept.len());
                    kept.push(indicator);
                    kept.len() - 1
                }
            };
            doubts.push((at, raised));
        }
        let on = |at: usize, field| Subject::Indicator {
            project,
            position: (start + at) as u32,
            field,
        };
        for (at, raised) in doubts {
            for d in raised {
                let message = if d.code == Code::BadRange && !project_name.is_empty() {
                    format!("项目「{project_name}」的{}", d.message)
                } else {
                    d.message
                };
                self.raise(d.code, d.cell, on(at, d.field), message);
            }
        }
        for (at, indicator) in kept.iter_mut().enumerate().filter(|(_, i)| i.copies > 1) {
            let cells = join_cells(indicator.cells());
            indicator
                .notes
                .push(format!("{}行相同,已合并为一行 ({cells})", indicator.copies));
            let message = format!(
                "项目「{project_name}」的指标「{}」出现{}次 ({cells}),规范化后完全相同,已合并为一行",
                describe(indicator),
                indicator.copies
            );
            self.raise(
                Code::DuplicateRow,
                Some(indicator.cell),
                on(at, IndicatorField::Name),
                message,
            );
        }
        let mut seen_names: Vec<&str> = Vec::new();
        for (at, indicator) in kept.iter().enumerate() {
            if seen_names.contains(&indicator.name.as_str()) || indicator.name.is_empty() {
                continue;
            }
            let same: Vec<&Indicator> = kept.iter().filter(|i| i.name == indicator.name).collect();
            if same.len() > 1 {
                let targets: Vec<String> = same
                    .iter()
                    .map(|i| format!("{} ({})", describe_target(i), i.cell))
                    .collect();
                self.raise(
                    Code::ConflictingDuplicate,
                    Some(indicator.cell),
                    on(at, IndicatorField::Name),
                    format!(
                        "项目「{project_name}」的指标「{}」出现{}次且目标不同:{};均已保留",
                        indicator.name,
                        same.len(),
                        targets.join("、")
                    ),
                );
            }
            seen_names.push(&indicator.name);
        }
        kept
    }

    /// The rows that lost their project, realigned, as the department's (未归属) group; the
    /// first of them stands at `start` among the department's indicators.
    fn lost_rows(&mut self, raw: &RawTable, projects: &[Project], start: usize) -> Vec<Unassigned> {
        let mut unassigned = Vec::with_capacity(raw.lost_rows.len());
        for (k, lost) in raw.lost_rows.iter().enumerate() {
            let on = |field| Subject::Indicator {
                project: None,
                position: (start + k) as u32,
                field,
            };
            let mut raised = Vec::new();
            let mut indicator = normalize_indicator(&lost.indicator, self.rules, &mut raised);
            for d in raised {
                self.raise(d.code, d.cell, on(d.field), d.message);
            }
            let after = lost.after_project.and_then(|i| projects.get(i));
            let after_text = match after {
                Some(p) => format!("位于序号{}「{}」之后", p.seq, p.name),
                None => "位于第一个项目之前".to_string(),
            };
            let (how, note) = how_lost(lost, &after_text);
            indicator.notes.push(note);
            self.raise(
                Code::ShiftedRow,
                Some(lost.indicator.name.cell()),
                on(IndicatorField::Project),
                format!(
                    "第{}行的指标「{}」失去了所属项目({after_text}),{how},归入(未归属)",
                    lost.indicator.row + 1,
                    indicator.name
                ),
            );
            unassigned.push(Unassigned {
                after_seq: after.map(|p| p.seq.clone()),
                after_project: after.map(|p| p.name.clone()),
                indicator,
            });
        }
        unassigned
    }

    /// The rows inside and after the table that are neither projects nor indicators.
    fn other_rows(&mut self, raw: &RawTable) {
        for other in &raw.other_rows {
            let (code, what) = match other.kind {
                OtherKind::Unrecognized => (Code::UnrecognizedRow, "表内既不是项目也不是指标的行"),
                OtherKind::Note if raw.sum_row.as_ref().is_some_and(|s| s.row < other.row) => {
                    (Code::NoteRow, "表后的说明行")
                }
                OtherKind::Note => (Code::NoteRow, "说明行(注、备注、联系人等),不是项目"),
                OtherKind::Subtotal => (Code::SubtotalRow, "小计行,不计入项目与合计"),
                OtherKind::RepeatedHeader => (Code::RepeatedHeader, "重复的表头行"),
                OtherKind::ExtraSum => (
                    Code::UnrecognizedRow,
                    "又一个合计行(只有第一个合计行作为申报数)",
                ),
                OtherKind::TemplateExample => (
                    Code::TemplateExample,
                    "模板的示例行(序号为示例标记),不是项目,未汇总",
                ),
            };
            self.raise(
                code,
                Some(CellRef::new(other.row, other.col)),
                Subject::Department(DepartmentField::Name),
                format!("第{}行是{what},原文:{}", other.row + 1, other.text),
            );
        }
    }

    /// Every error or result-less formula anywhere on the sheet is reported once, also where no
    /// field read it (a title, a name, an overview): on the indicator whose row it is on, if
    /// any, else on the department.
    fn bad_cells(
        &mut self,
        bad_cells: &[Located],
        as_text: &[(CellRef, String)],
        department: &Department,
    ) {
        if bad_cells.is_empty() && as_text.is_empty() {
            return;
        }
        let reported: HashSet<CellRef> = self
            .findings
            .iter()
            .filter(|f| matches!(f.code, Code::CellError | Code::FormulaWithoutValue))
            .filter_map(|f| f.cell)
            .collect();
        // The first indicator on each source row, by any copy's cell.
        let mut rows: HashMap<u32, (Option<usize>, usize)> = HashMap::new();
        for (position, (owner, i)) in department.indicators().enumerate() {
            for cell in i.cells() {
                rows.entry(cell.row).or_insert((owner.project(), position));
            }
        }
        for bad in bad_cells {
            let cell = bad.cell();
            if reported.contains(&cell) {
                continue;
            }
            let (code, message, field) = match &bad.value {
                CellValue::Error(e) => (
                    Code::CellError,
                    format!("单元格 {cell} 是 Excel 错误值 {e},按空值处理"),
                    IndicatorField::Target,
                ),
                CellValue::Formula(f) => (
                    Code::FormulaWithoutValue,
                    format!(
                        "单元格 {cell} 是公式 {},文件中没有可读取的计算结果,按空值处理",
                        shown_formula(f)
                    ),
                    IndicatorField::Name,
                ),
                _ => continue,
            };
            let subject = match rows.get(&cell.row) {
                Some(&(project, position)) => Subject::Indicator {
                    project: project.map(|p| p as u32),
                    position: position as u32,
                    field,
                },
                None => Subject::Department(DepartmentField::Name),
            };
            self.raise(code, Some(cell), subject, message);
        }
        // The indicators named in their messages, by position.
        let names: Vec<(Option<usize>, &str)> = if as_text.is_empty() {
            Vec::new()
        } else {
            department
                .indicators()
                .map(|(owner, i)| (owner.project(), i.name.as_str()))
                .collect()
        };
        for (cell, shown) in as_text {
            let (subject, about) = match rows.get(&cell.row) {
                Some(&(project, position)) => {
                    let indicator = names.get(position).map_or("", |n| n.1);
                    let about = match project.and_then(|p| department.projects.get(p)) {
                        Some(p) => format!("项目「{}」的指标「{indicator}」: ", p.name),
                        None => format!("指标「{indicator}」: "),
                    };
                    let subject = Subject::Indicator {
                        project: project.map(|p| p as u32),
                        position: position as u32,
                        field: IndicatorField::Target,
                    };
                    (subject, about)
                }
                None => (Subject::Department(DepartmentField::Name), String::new()),
            };
            self.raise(
                Code::FormulaAsText,
                Some(*cell),
                subject,
                format!(
                    "{about}单元格 {cell} 是没有计算结果的公式 {shown},它只是一个值(以 = 开头的文字被写成了公式),按填写的文字「{shown}」读取"
                ),
            );
        }
    }
}

/// How a row lost its project, for its finding and its note.
fn how_lost(lost: &LostRow, after_text: &str) -> (String, String) {
    match lost.how {
        LostHow::ShiftedLeft => {
            let first = &lost.indicator.name;
            let last = [
                Some(&lost.indicator.target),
                lost.indicator.unit.as_ref(),
                lost.indicator.op.as_ref(),
            ]
            .into_iter()
            .flatten()
            .map(|l| l.col)
            .max()
            .unwrap_or(first.col);
            let span = format!("{}:{}", first.cell(), CellRef::new(first.row, last));
            (
                format!("数据错位到项目列 ({span}),已按指标列对齐"),
                format!("原行错位 ({span}),已对齐;不属于任何项目,{after_text}"),
            )
        }
        LostHow::OutsideMerge => (
            "在所有项目的合并单元格之外,项目列为空".to_string(),
            format!("不在任何项目的合并单元格内;{after_text}"),
        ),
        LostHow::BeforeFirstProject => (
            "出现在第一个项目之前".to_string(),
            "出现在第一个项目之前,不属于任何项目".to_string(),
        ),
    }
}

/// "H28, H29, H34", for messages.
fn join_cells(cells: impl Iterator<Item = CellRef>) -> String {
    cells.map(CellRef::name).collect::<Vec<_>>().join(", ")
}

fn project_shell(
    rp: &RawProject,
    budget_wan: Option<f64>,
    own_wan: Option<f64>,
    transfer_wan: Option<f64>,
    raw: &RawTable,
) -> Project {
    let text = |l: &Option<Located>| l.as_ref().map(Located::text).unwrap_or_default();
    let mut notes = Vec::new();
    if raw.layout.amount_scale != 1.0 && budget_wan.is_some() {
        let unit = raw.layout.amount_unit.as_deref().unwrap_or("元");
        let from = match &raw.layout.amount_unit_cell {
            Some(cell) => format!(" ({cell}「单位:{unit}」)"),
            None => String::new(),
        };
        let factor = if raw.layout.amount_scale < 1.0 {
            format!(
                "÷{}",
                format_number(round_amount(1.0 / raw.layout.amount_scale))
            )
        } else {
            format!("×{}", format_number(raw.layout.amount_scale))
        };
        notes.push(format!("金额原以{unit}填报{from},已换算为万元 ({factor})"));
    }
    Project {
        seq: text(&rp.seq).into(),
        name: rp.name.text(),
        overview: text(&rp.overview),
        goal: text(&rp.goal),
        budget_wan,
        own_wan,
        transfer_wan,
        cell: rp.name.cell(),
        budget_cell: rp.budget.as_ref().map(Located::cell),
        notes,
        indicators: Vec::new(),
        finding_count: 0,
        form: None,
    }
}

/// "受益人员满意度 ≥ 95 %", for messages.
fn describe(i: &Indicator) -> String {
    format!("{} {}", i.name, describe_target(i))
}

fn describe_target(i: &Indicator) -> String {
    target_words(&i.op, &i.text, &i.unit)
}

/// Normalizes one indicator row; each doubt about it is added to `doubts`.
pub fn normalize_indicator(
    raw: &RawIndicator,
    rules: &Rules,
    doubts: &mut Vec<IndicatorDoubt>,
) -> Indicator {
    let mut report = |code, cell: Option<CellRef>, field, message| {
        doubts.push(IndicatorDoubt {
            code,
            cell,
            field,
            message,
        })
    };
    let text_of = |l: &Option<Located>| l.as_ref().map(Located::compact_text).unwrap_or_default();
    let raw_op = text_of(&raw.op);
    let raw_unit = text_of(&raw.unit);
    let raw_value = raw.target.compact_text();
    let mut notes = Vec::new();

    let written_unit = rules.unit(&raw_unit);
    if !raw_unit.is_empty() && written_unit != clean(&raw_unit) {
        notes.push(format!("单位 {} → {written_unit}", clean(&raw_unit)));
    }
    let mut unit = written_unit.clone();
    // An operator written in the target cell itself ("≥95%", "不低于95%").
    let mut cell_op: Option<String> = None;
    let mut value_to = None;

    let (value, text) = match &raw.target.value {
        CellValue::Number(n) => (Some(*n), format_number(*n)),
        CellValue::Error(e) => {
            report(
                Code::CellError,
                Some(raw.target.cell()),
                IndicatorField::Target,
                format!("目标值单元格是 Excel 错误值 {e}"),
            );
            (None, String::new())
        }
        CellValue::Formula(f) => {
            report(
                Code::FormulaWithoutValue,
                Some(raw.target.cell()),
                IndicatorField::Name,
                format!(
                    "目标值单元格是公式 {},文件中没有可读取的计算结果,按空值处理",
                    shown_formula(f)
                ),
            );
            (None, String::new())
        }
        _ => match parse_target(&raw_value, &written_unit, rules) {
            Target::Number(v, t) => (Some(v), t),
            Target::Split {
                op,
                value,
                text,
                unit: cell_unit,
            } => {
                if let Some(cell_unit) = cell_unit {
                    unit = if written_unit.is_empty() || written_unit == cell_unit {
                        cell_unit
                    } else if rules.glued_unit(&cell_unit).is_some() {
                        // 10G with 月 in the unit cell: 10 GB per month.
                        format!("{cell_unit}/{written_unit}")
                    } else {
                        notes.push(format!(
                            "单位单元格为 {written_unit},目标值中写作 {cell_unit},按目标值"
                        ));
                        cell_unit
                    };
                }
                let with_unit = if raw_unit.is_empty() {
                    String::new()
                } else {
                    format!(" + {}", clean(&raw_unit))
                };
                let shown = [op.as_deref().unwrap_or(""), text.as_str(), unit.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                notes.push(format!("{}{with_unit} → {shown}", clean(&raw_value)));
                cell_op = op;
                (Some(value), text)
            }
            Target::Range {
                low,
                high,
                unit: range_unit,
            } => {
                if let Some(range_unit) = range_unit {
                    if !written_unit.is_empty() && written_unit != range_unit {
                        notes.push(format!(
                            "单位单元格为 {written_unit},目标值中写作 {range_unit},按目标值"
                        ));
                    }
                    unit = range_unit;
                }
                let shown = [
                    format!("{} – {}", format_number(low), format_number(high)),
                    unit.clone(),
                ]
                .join(" ");
                notes.push(format!("{} → 区间 {}", clean(&raw_value), shown.trim_end()));
                if low > high {
                    report(
                        Code::BadRange,
                        Some(raw.target.cell()),
                        IndicatorField::Target,
                        format!(
                            "指标「{}」的目标值区间「{}」下限 {} 大于上限 {},请核对",
                            raw.name.text(),
                            clean(&raw_value),
                            format_number(low),
                            format_number(high)
                        ),
                    );
                }
                cell_op = Some(RANGE.to_string());
                value_to = Some(high);
                // 指标 shows a range as written.
                (Some(low), clean(&raw_value).to_string())
            }
            Target::Words(words) => (None, words),
        },
    };

    let qualitative = value.is_none() && !text.is_empty();
    let op = if qualitative {
        if !raw_op.is_empty() {
            notes.push(format!("定性指标,原运算符 {raw_op} 不适用"));
        }
        QUALITATIVE.to_string()
    } else if let Some(cell_op) = cell_op {
        let written_op = rules
            .operator(&raw_op)
            .or_else(|| rules.operator_word(&raw_op));
        if !raw_op.is_empty() && written_op != Some(cell_op.as_str()) {
            notes.push(format!(
                "运算符单元格为 {raw_op},目标值中写作 {cell_op},按目标值"
            ));
        }
        cell_op
    } else if raw_op.is_empty() {
        String::new()
    } else {
        match (rules.operator(&raw_op), rules.operator_word(&raw_op)) {
            (Some(op), _) => op.to_string(),
            // The operator column written in words: 不低于 95.
            (None, Some(op)) => {
                notes.push(format!("运算符 {} → {op}", clean(&raw_op)));
                op.to_string()
            }
            (None, None) => {
                report(
                    Code::UnknownOperator,
                    raw.op.as_ref().map(Located::cell),
                    IndicatorField::Operator,
                    format!(
                        "指标「{}」的运算符「{raw_op}」无法识别,按原样保留",
                        raw.name.text()
                    ),
                );
                raw_op.to_string()
            }
        }
    };

    Indicator {
        name: raw.name.compact_text(),
        level1: raw.level1.as_ref().map(Located::compact_text),
        level2: raw.level2.as_ref().map(Located::compact_text),
        op: op.into(),
        value,
        value_to,
        text: text.into(),
        unit: unit.into(),
        raw: RawValues {
            op: raw_op,
            value: raw_value,
            unit: raw_unit,
        },
        category_source: CategorySource::Inferred,
        copies: 1,
        cell: raw.name.cell(),
        copy_cells: Vec::new(),
        field_cells: FieldCells {
            op: raw.op.as_ref().map(Located::cell),
            target: raw.target.cell(),
            unit: raw.unit.as_ref().map(Located::cell),
        },
        notes,
        extra: raw.extra.as_deref().map(extra_of),
    }
}

/// What a form's block gives beside the target, as kept on the indicator.
fn extra_of(raw: &RawExtra) -> Box<IndicatorExtra> {
    let text = |l: &Option<Located>| l.as_ref().map(Located::text).filter(|t| !t.is_empty());
    Box::new(IndicatorExtra {
        value_kind: text(&raw.value_kind).map(Into::into),
        weight: raw
            .weight
            .as_ref()
            .and_then(|w| parse_number(w.text().trim_end_matches(['%', '％']))),
        prior_actual: text(&raw.prior_actual),
        details: raw
            .details
            .iter()
            .map(|(label, value)| Detail {
                label: label.clone(),
                value: value.text(),
            })
            .collect(),
    })
}

/// A formula as Excel shows it in the formula bar ("=SUM(D6:D9)").
fn shown_formula(formula: &str) -> String {
    if formula.is_empty() {
        "(共享公式)".to_string()
    } else {
        format!("={}", formula.trim_start_matches('='))
    }
}

enum Target {
    /// A plain number, with its text as written (full-width digits folded, separators dropped).
    Number(f64, String),
    /// A number written with an operator and/or a unit in the same cell ("≥95%", "10G",
    /// "不少于1000个"): the canonical operator and unit, if written.
    Split {
        op: Option<String>,
        value: f64,
        text: String,
        unit: Option<String>,
    },
    /// A range ("90%-95%", "介于90%和95%之间", "1-3天"): its ends as written and the unit of
    /// either.
    Range {
        low: f64,
        high: f64,
        unit: Option<String>,
    },
    /// Words: a qualitative target.
    Words(String),
}

fn parse_target(raw: &str, written_unit: &str, rules: &Rules) -> Target {
    let folded = fold(raw);
    if let Some(v) = parse_number(&folded) {
        return Target::Number(v, format_number(v));
    }
    let words = || Target::Words(clean(raw).to_string());
    if let Some(range) = parse_range(&folded, written_unit, rules) {
        return range;
    }
    let (lead, rest) = match rules.leading_operator(&folded) {
        Some((op, len)) => (Some(op), &folded[len..]),
        None => (None, &*folded),
    };
    let (trail, rest) = match rules.trailing_operator(rest) {
        Some((op, len)) => (Some(op), &rest[..rest.len() - len]),
        None => (None, rest),
    };
    let Some((number, suffix)) = split_leading_number(rest) else {
        return words();
    };
    let Some(value) = parse_number(number) else {
        return words();
    };
    let unit = if suffix.is_empty() {
        None
    } else {
        match target_unit(suffix, written_unit, rules) {
            Some(unit) => Some(unit),
            None => return words(),
        }
    };
    Target::Split {
        op: lead.or(trail).map(str::to_string),
        value,
        text: format_number(value),
        unit,
    }
}

/// A range target: "low SEP high" with a separator of `[ranges] separators`, or the low and
/// high ends between the words of `[ranges] enclosing` (介于 … 和 … 之间); a unit may follow
/// either end, and where both have one it must be the same.
fn parse_range(folded: &str, written_unit: &str, rules: &Rules) -> Option<Target> {
    let ranges = &rules.ranges;
    let ends = ranges
        .enclosing
        .iter()
        .find_map(|w| {
            let inner = folded
                .strip_prefix(w.before.as_str())?
                .strip_suffix(w.after.as_str())?;
            inner.split_once(w.between.as_str())
        })
        .or_else(|| {
            ranges.separators.iter().find_map(|sep| {
                // Not at the start: "-5%" is a negative number.
                let first = folded.chars().next()?.len_utf8();
                let at = folded[first..].find(sep.as_str())? + first;
                Some((&folded[..at], &folded[at + sep.len()..]))
            })
        })?;
    let end = |text: &str| -> Option<(f64, Option<String>)> {
        let (number, suffix) = split_leading_number(text)?;
        let value = parse_number(number)?;
        let unit = if suffix.is_empty() {
            None
        } else {
            Some(target_unit(suffix, written_unit, rules)?)
        };
        Some((value, unit))
    };
    let (low, low_unit) = end(ends.0)?;
    let (high, high_unit) = end(ends.1)?;
    let unit = match (low_unit, high_unit) {
        (Some(a), Some(b)) if a != b => return None,
        (a, b) => a.or(b),
    };
    Some(Target::Range { low, high, unit })
}

/// The canonical unit for what follows the number of a target ("G" → GB, "％" → %), when it is
/// one the rules know or the one in the unit cell; "GB/月" style pairs part by part.
fn target_unit(suffix: &str, written_unit: &str, rules: &Rules) -> Option<String> {
    if let Some(glued) = rules.glued_unit(suffix) {
        return Some(glued.to_string());
    }
    let canonical = rules.unit(suffix);
    if (!written_unit.is_empty() && canonical == written_unit) || rules.is_target_unit(suffix) {
        return Some(canonical);
    }
    let (a, b) = suffix.split_once('/')?;
    Some(format!(
        "{}/{}",
        target_unit(a, written_unit, rules)?,
        target_unit(b, written_unit, rules)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, op: &str, target: &str, unit: &str) -> RawIndicator {
        let at = |col: u32, text: &str| Located {
            value: CellValue::Text(text.into()),
            row: 6,
            col,
        };
        RawIndicator {
            row: 6,
            name: at(7, name),
            op: Some(at(8, op)),
            target: at(9, target),
            unit: Some(at(10, unit)),
            level1: None,
            level2: None,
            extra: None,
        }
    }

    fn norm(name: &str, op: &str, target: &str, unit: &str) -> (Indicator, Vec<Code>) {
        let rules = Rules::builtin().expect("rules");
        let mut doubts = Vec::new();
        let i = normalize_indicator(&raw(name, op, target, unit), &rules, &mut doubts);
        (i, doubts.into_iter().map(|d| d.code).collect())
    }

    #[test]
    fn operators_and_units_are_canonical() {
        let (i, codes) = norm("满意度", "≧", "95", "比例");
        assert_eq!(
            (i.op.as_str(), i.value, i.unit.as_str()),
            ("≥", Some(95.0), "%")
        );
        assert_eq!(i.raw.op, "≧");
        assert_eq!(i.raw.unit, "比例");
        assert_eq!(i.cell.name(), "H7");
        assert!(codes.is_empty());
        assert_eq!(norm("x", "＜＝", "1", "次数").0.op, "≤");
        assert_eq!(norm("x", "＜＝", "1", "次数").0.unit, "次");
        assert_eq!(norm("x", "＝", "1", "").0.op, "=");
    }

    #[test]
    fn qualitative_targets_take_the_qualitative_operator() {
        let (i, _) = norm("品牌", "=", "华为", "国产");
        assert_eq!(
            (i.op.as_str(), i.value, i.text.as_str()),
            ("定性", None, "华为")
        );
        assert_eq!(i.raw.op, "=");
        let (i, _) = norm("质效提升", "", "明显", "");
        assert_eq!(i.op, "定性");
    }

    #[test]
    fn glued_units_are_split() {
        let (i, _) = norm("流量", "≧", "10G", "月");
        assert_eq!(
            (i.value, i.text.as_str(), i.unit.as_str()),
            (Some(10.0), "10", "GB/月")
        );
        assert!(
            i.notes.iter().any(|n| n.contains("10G + 月 → 10 GB/月")),
            "{:?}",
            i.notes
        );
        let (i, _) = norm("率", "≥", "９５％", "");
        assert_eq!((i.value, i.unit.as_str()), (Some(95.0), "%"));
    }

    #[test]
    fn full_width_and_separators() {
        let (i, _) = norm("数量", "≥", " １,０００ ", "个");
        assert_eq!((i.value, i.text.as_str()), (Some(1000.0), "1000"));
    }

    #[test]
    fn unknown_operators_are_flagged() {
        let (i, codes) = norm("数量", "约", "3", "个");
        assert_eq!(i.op, "约");
        assert_eq!(codes, vec![Code::UnknownOperator]);
    }

    fn split(target: &str, unit: &str) -> (String, Option<f64>, String, String) {
        let (i, _) = norm("x", "", target, unit);
        (i.op.into(), i.value, i.unit.into(), i.text.into())
    }

    #[test]
    fn operator_and_unit_in_the_target_cell() {
        let s = |op: &str, v: f64, unit: &str| {
            (op.to_string(), Some(v), unit.to_string(), format_number(v))
        };
        assert_eq!(split("不低于95%", ""), s("≥", 95.0, "%"));
        assert_eq!(split("95%以上", ""), s("≥", 95.0, "%"));
        assert_eq!(split("3天以内", ""), s("≤", 3.0, "天"));
        assert_eq!(split("小于5%", ""), s("<", 5.0, "%"));
        assert_eq!(split("大于等于 90 %", ""), s("≥", 90.0, "%"));
        assert_eq!(split("≥98", "%"), s("≥", 98.0, "%"));
        // A unit the rules do not list is accepted when the unit cell says it.
        assert_eq!(split("≥3座次", "座次"), s("≥", 3.0, "座次"));
        // 达到 means at least.
        assert_eq!(split("达到100%", ""), s("≥", 100.0, "%"));
        // Not an operator, number and unit: words, kept whole. ("1-3天" is a range now.)
        for words in [
            "不低于上年",
            "100%完成",
            "3年内完成",
            "1-3年内",
            "95%左右",
            "2024-12-31",
        ] {
            let (op, value, _, text) = split(words, "");
            assert_eq!((op.as_str(), value, text.as_str()), ("定性", None, words));
        }
    }

    #[test]
    fn ranges_are_read_with_both_ends() {
        let range = |target: &str, unit: &str| {
            let (i, codes) = norm("群众满意度", "", target, unit);
            (
                i.op.to_string(),
                i.value,
                i.value_to,
                i.unit.to_string(),
                i.text.to_string(),
                codes,
            )
        };
        let r = |low: f64, high: f64, unit: &str, text: &str| {
            (
                RANGE.to_string(),
                Some(low),
                Some(high),
                unit.to_string(),
                text.to_string(),
                Vec::<Code>::new(),
            )
        };
        assert_eq!(range("90%-95%", ""), r(90.0, 95.0, "%", "90%-95%"));
        assert_eq!(range("90%~95%", ""), r(90.0, 95.0, "%", "90%~95%"));
        assert_eq!(range("90％～95％", ""), r(90.0, 95.0, "%", "90％～95％"));
        assert_eq!(range("90%至95%", ""), r(90.0, 95.0, "%", "90%至95%"));
        assert_eq!(range("90-95", "%"), r(90.0, 95.0, "%", "90-95"));
        assert_eq!(
            range("介于90%和95%之间", ""),
            r(90.0, 95.0, "%", "介于90%和95%之间")
        );
        // The unit test of old: "1-3天" was words; it is the range 1 to 3 days.
        assert_eq!(range("1-3天", ""), r(1.0, 3.0, "天", "1-3天"));
        // Different units at the two ends, or words: not a range.
        for words in ["1天-3年", "一至三天", "-5%"] {
            assert_ne!(range(words, "").0, RANGE, "{words}");
        }
        // The low end above the high end.
        let (i, codes) = norm("群众满意度", "", "95%-90%", "");
        assert_eq!((i.value, i.value_to), (Some(95.0), Some(90.0)));
        assert_eq!(codes, vec![Code::BadRange]);
        let i = norm("群众满意度", "", "90%-95%", "").0;
        assert!(
            i.notes
                .iter()
                .any(|n| n.contains("90%-95% → 区间 90 – 95 %")),
            "{:?}",
            i.notes
        );
        assert_eq!(target_words(&i.op, &i.text, &i.unit), "90%-95%");
    }

    #[test]
    fn a_target_cell_operator_wins_over_a_different_operator_cell_with_a_note() {
        let (i, codes) = norm("满意度", "=", "≥95%", "%");
        assert_eq!((i.op.as_str(), i.value), ("≥", Some(95.0)));
        assert_eq!(i.raw.op, "=");
        assert!(
            i.notes.iter().any(|n| n.contains("按目标值")),
            "{:?}",
            i.notes
        );
        assert!(codes.is_empty());
        let (i, _) = norm("时长", "", "2年", "月");
        assert_eq!(i.unit, "年");
        assert!(
            i.notes.iter().any(|n| n.contains("单位单元格为 月")),
            "{:?}",
            i.notes
        );
    }

    #[test]
    fn operator_cells_in_words() {
        let (i, codes) = norm("满意度", "不低于", "95", "%");
        assert_eq!((i.op.as_str(), i.value), ("≥", Some(95.0)));
        assert_eq!(i.raw.op, "不低于");
        assert!(codes.is_empty());
        assert_eq!(norm("时长", "以内", "2", "天").0.op, "≤");
        let (i, _) = norm("满意度", "不低于", "95%以上", "");
        assert!(
            !i.notes.iter().any(|n| n.contains("按目标值")),
            "{:?}",
            i.notes
        );
    }

    #[test]
    fn literal_formulas_are_read_as_typed_others_stay() {
        let rules = Rules::builtin().expect("rules");
        let literal = |f: &str| formula_literal(f, &rules);
        assert_eq!(literal(">").as_deref(), Some("=>"));
        assert_eq!(literal("<").as_deref(), Some("=<"));
        assert_eq!(literal("100%").as_deref(), Some("=100%"));
        assert_eq!(literal("95").as_deref(), Some("=95"));
        assert_eq!(literal(">95%").as_deref(), Some("=>95%"));
        assert_eq!(literal("3天").as_deref(), Some("=3天"));
        assert_eq!(literal("of:=100%").as_deref(), Some("=100%"));
        assert_eq!(literal("=>").as_deref(), Some("=>"));
        for formula in ["SUM(A1:A3)", "A1", "1+1", "B2*2", "TODAY()", "", "1/2"] {
            assert_eq!(literal(formula), None, "{formula}");
        }
        let mut grid = Grid::new("s");
        grid.set(0, 0, CellValue::Formula("100%".into()));
        grid.set(0, 1, CellValue::Formula("SUM(A1:A3)".into()));
        formulas_as_text(&mut grid, &rules);
        assert_eq!(grid.get(0, 0), &CellValue::Text("=100%".into()));
        assert_eq!(grid.get(0, 1), &CellValue::Formula("SUM(A1:A3)".into()));
        assert_eq!(
            grid.formulas_as_text,
            vec![(CellRef::new(0, 0), "=100%".to_string())]
        );
    }

    #[test]
    fn formula_and_error_targets_are_reported() {
        let rules = Rules::builtin().expect("rules");
        let mut r = raw("数量", "≥", "", "个");
        r.target.value = CellValue::Formula("SUM(A1:A3)".into());
        let mut seen = Vec::new();
        let i = normalize_indicator(&r, &rules, &mut seen);
        assert_eq!(i.value, None);
        assert_eq!(seen[0].code, Code::FormulaWithoutValue);
        assert_eq!(seen[0].cell.map(CellRef::name).as_deref(), Some("J7"));
        assert!(
            seen[0].message.contains("=SUM(A1:A3)"),
            "{}",
            seen[0].message
        );
    }
}
