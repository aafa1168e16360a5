//! Forms into the model: each 申报表 one project of its sheet's department, a 部门整体 table the
//! department's overall targets. The same normalization as a row table's (operators, values,
//! units, duplicates) runs on their indicators; what a form gives beyond a row table (实施单位,
//! 财政拨款 and 其他资金, a cumulative total, long-term goals and indicators, attributes) is kept
//! in the project's `form` fields.

use crate::extract::Located;
use crate::extract::form::RawForm;
use crate::finding::{Code, DepartmentField, Finding, ProjectField, Site, Subject};
use crate::grid::{CellRef, CellValue};
use crate::layout::form::FormKind;
use crate::model::{
    About, Declared, Department, Detail, FormFields, NameSource, Overall, Project, YearSource,
};
use crate::rules::Rules;
use crate::text::{
    clean, fold, fold_width, format_number, parse_number, round_amount, split_leading_number,
};

use super::{Normalizer, Origin, normalize_indicator};

/// What the forms of one sheet hold, and the rest of the sheet the model must account for.
pub struct SheetForms<'a> {
    pub sheet: &'a str,
    pub forms: &'a [RawForm],
    /// Regions that looked like a form but hold neither indicators nor amounts.
    pub covers: &'a [(u32, u32)],
    pub bad_cells: &'a [Located],
    /// Formulas without a result read as the literal typed (formula_as_text).
    pub formulas_as_text: &'a [(crate::grid::CellRef, String)],
}

/// Normalizes the forms of one sheet into its department and the findings they raised.
pub fn normalize_forms(
    sheet: &SheetForms<'_>,
    origin: &Origin<'_>,
    rules: &Rules,
) -> (Department, Vec<Finding>) {
    let mut n = Normalizer {
        site: Site {
            file: origin.file,
            sheet: sheet.sheet,
        },
        rules,
        scale: 1.0,
        findings: Vec::new(),
    };
    let (name, name_source) = department_name(sheet.forms, rules).unwrap_or_else(|| {
        (
            origin.fallback_department.to_string(),
            origin.fallback_source,
        )
    });
    let mut projects = Vec::new();
    let mut overall: Option<Box<Overall>> = None;
    let mut position = 0;
    for form in sheet.forms {
        match form.kind {
            // An unfilled form (a template) is no project: the sheet then has none (no_projects).
            FormKind::Project if is_blank(form) => {}
            FormKind::Project => {
                let index = projects.len();
                let project = n.form_project(form, index, position);
                position += project.indicators.len();
                projects.push(project);
            }
            FormKind::Overall if overall.is_none() => {
                overall = Some(Box::new(n.overall(form, &name)));
            }
            FormKind::Overall => n.raise(
                Code::UnrecognizedRow,
                Some(CellRef::new(form.first_row, 0)),
                Subject::Department(DepartmentField::Name),
                format!(
                    "第{}行起是又一个部门整体支出绩效目标表,只读取了第一个",
                    form.first_row + 1
                ),
            ),
        }
    }
    // The overall targets' indicators follow the projects' in the department.
    if let Some(o) = &mut overall {
        let rows = &sheet
            .forms
            .iter()
            .find(|f| f.kind == FormKind::Overall)
            .map(|f| f.indicators.as_slice())
            .unwrap_or_default();
        o.indicators = n.indicators_of(None, rows, "部门整体", position);
    }
    for form in sheet.forms {
        n.form_notes(form);
    }
    for &(first, last) in sheet.covers {
        n.raise(
            Code::NoteRow,
            Some(CellRef::new(first, 0)),
            Subject::Department(DepartmentField::Name),
            format!(
                "第{}–{}行像申报表的封面或联系表:有项目名称,但没有绩效指标和资金,不作为项目",
                first + 1,
                last + 1
            ),
        );
    }
    // A form's title often names no year: the file's name does ("…_2024.xlsx").
    let year = sheet
        .forms
        .iter()
        .find_map(|f| form_year(f, rules))
        .map(|(y, cell)| (y, YearSource::Form(cell)))
        .or_else(|| super::file_year(origin.file).map(|y| (y, YearSource::FileName)));
    let years_found: Vec<(i32, YearSource)> = sheet
        .forms
        .iter()
        .flat_map(|f| form_years(f, rules))
        .chain(super::file_year(origin.file).map(|y| (y, YearSource::FileName)))
        .collect();
    let mut department = Department {
        about: About {
            name,
            name_source,
            file: origin.file.to_string(),
            sheet: sheet.sheet.to_string(),
            year: year.map(|(y, _)| y),
            year_source: year.map(|(_, source)| source),
            years_found,
            declared: Declared::default(),
        },
        projects,
        unassigned: Vec::new(),
        overall,
    };
    n.bad_cells(sheet.bad_cells, sheet.formulas_as_text, &department);
    let mut findings = n.findings;
    for f in &mut findings {
        f.department = department.about.name.as_str().into();
    }
    department.projects.shrink_to_fit();
    (department, findings)
}

/// The department the forms name: the 主管部门 (its code taken off), else the 填报单位 or the
/// 实施单位, else none (the file's name stands for it); for a 部门整体 table its 部门名称 first.
fn department_name(forms: &[RawForm], rules: &Rules) -> Option<(String, NameSource)> {
    let given = |l: &Option<Located>| {
        l.as_ref()
            .map(|v| (rules.form.strip_department_code(&v.text()), v.cell()))
            .filter(|(name, _)| !name.is_empty())
    };
    forms
        .iter()
        .find_map(|f| {
            given(&f.overall_department)
                .or_else(|| given(&f.department))
                .or_else(|| given(&f.reporting_unit))
        })
        .or_else(|| forms.iter().find_map(|f| given(&f.implementing_unit)))
        .map(|(name, cell)| (name, NameSource::Cell(cell)))
}

/// Whether a project form was left unfilled: no name, amount, goal or target.
fn is_blank(form: &RawForm) -> bool {
    let empty = |l: &Option<Located>| l.as_ref().is_none_or(|l| l.value.is_empty());
    [
        &form.project_name,
        &form.total,
        &form.fiscal,
        &form.other,
        &form.goal,
        &form.overview,
    ]
    .into_iter()
    .all(empty)
        && form.indicators.iter().all(|i| i.target.value.is_empty())
}

/// The year a form's titles give (a `Form` source), and the one its 年度 row gives (a 年度
/// line, as a table's), each where it gives one: for `year_mismatch` to tell them apart.
fn form_years(form: &RawForm, rules: &Rules) -> impl Iterator<Item = (i32, YearSource)> {
    form_title_year(form, rules)
        .map(|(y, cell)| (y, YearSource::Form(cell)))
        .into_iter()
        .chain(form_year_row(form).map(|(y, cell)| (y, YearSource::YearLine(cell))))
}

/// The year a form's titles or its 年度 line give.
fn form_year(form: &RawForm, rules: &Rules) -> Option<(i32, CellRef)> {
    form_title_year(form, rules).or_else(|| form_year_row(form))
}

/// The year a form's titles give.
fn form_title_year(form: &RawForm, rules: &Rules) -> Option<(i32, CellRef)> {
    let year_of = |text: &str| {
        let folded = fold_width(text);
        rules.document.title_year.iter().find_map(|p| {
            p.captures(&folded)?
                .name("year")
                .and_then(|y| fold(y.as_str()).parse().ok())
        })
    };
    form.titles
        .iter()
        .find_map(|(t, cell)| year_of(t).map(|y| (y, *cell)))
}

/// The year a form's 年度 row gives.
fn form_year_row(form: &RawForm) -> Option<(i32, CellRef)> {
    form.attributes.iter().find_map(|(label, v)| {
        let text = v.text();
        (fold(label) == "年度")
            .then(|| {
                fold(&text)
                    .trim_end_matches("年度")
                    .trim_end_matches('年')
                    .parse()
                    .ok()
                    .map(|y| (y, v.cell()))
            })
            .flatten()
    })
}

/// A form's amount text as a number and the factor it is written in: "86万元", "130万",
/// "1,200,000" (in the form's unit), with the unit it named, if any.
fn amount_with_unit(text: &str, rules: &Rules) -> Option<(f64, Option<f64>)> {
    if let Some(n) = parse_number(text) {
        return Some((n, None));
    }
    let folded = fold(text);
    let (number, unit) = split_leading_number(&folded)?;
    let scale = rules.amount_scale(unit)?;
    Some((parse_number(number)?, Some(scale)))
}

impl Normalizer<'_> {
    /// A form's amount in 万元: a number, a number with its money unit, or a finding.
    fn form_amount(
        &mut self,
        cell: &Option<Located>,
        form_scale: f64,
        what: &str,
        subject: Subject,
    ) -> Option<f64> {
        let located = cell.as_ref()?;
        if let CellValue::Text(t) = &located.value
            && let Some((n, Some(scale))) = amount_with_unit(t, self.rules)
        {
            return Some(round_amount(n * scale));
        }
        self.scale = form_scale;
        self.amount(cell, what, subject)
    }

    /// One 申报表 as the `index`-th project of its department; its first indicator stands at
    /// `start` among the department's.
    fn form_project(&mut self, form: &RawForm, index: usize, start: usize) -> Project {
        let on = |field| Subject::Project {
            project: index as u32,
            field,
        };
        let name = text(&form.project_name);
        let name_cell = form
            .project_name
            .as_ref()
            .map(Located::cell)
            .or(form.name_label)
            .unwrap_or(CellRef::new(form.first_row, 0));
        if name.is_empty() {
            self.raise(
                Code::MissingProjectName,
                Some(name_cell),
                on(ProjectField::Name),
                format!("第{}行起的申报表没有项目名称", form.first_row + 1),
            );
        }
        let scale = form.amount_scale;
        let budget_wan =
            self.form_amount(&form.total, scale, "年度资金总额", on(ProjectField::Budget));
        let fiscal_wan =
            self.form_amount(&form.fiscal, scale, "财政拨款", on(ProjectField::Budget));
        let other_wan = self.form_amount(&form.other, scale, "其他资金", on(ProjectField::Budget));
        let cumulative_wan = self.form_amount(
            &form.cumulative,
            scale,
            "项目资金总额",
            on(ProjectField::Budget),
        );
        if budget_wan.is_none() && !has_text(&form.total) {
            self.raise(
                Code::MissingBudget,
                Some(name_cell),
                on(ProjectField::Budget),
                format!(
                    "申报表「{}」没有可读取的年度资金总额,预算金额留空,不计入合计",
                    shown_name(&name)
                ),
            );
        }
        let indicators = self.indicators_of(Some(index as u32), &form.indicators, &name, start);
        let long_term_indicators = self.long_term(form, index, &name);
        Project {
            seq: Default::default(),
            name,
            overview: text(&form.overview),
            goal: text(&form.goal),
            budget_wan,
            own_wan: None,
            transfer_wan: None,
            cell: name_cell,
            budget_cell: form.total.as_ref().map(Located::cell),
            notes: unit_note(form, budget_wan.is_some()),
            indicators,
            finding_count: 0,
            form: Some(Box::new(FormFields {
                implementing_unit: Some(text(&form.implementing_unit)).filter(|t| !t.is_empty()),
                fiscal_wan,
                other_wan,
                cumulative_wan,
                long_term_goal: Some(text(&form.long_term_goal)).filter(|t| !t.is_empty()),
                long_term_indicators,
                attributes: attributes(form),
            })),
        }
    }

    /// The long-term indicators of a form, normalized; their doubts are raised on the project.
    fn long_term(
        &mut self,
        form: &RawForm,
        index: usize,
        name: &str,
    ) -> Vec<crate::model::Indicator> {
        let mut kept = Vec::with_capacity(form.long_term.len());
        for ri in &form.long_term {
            let mut doubts = Vec::new();
            let indicator = normalize_indicator(ri, self.rules, &mut doubts);
            for d in doubts {
                self.raise(
                    d.code,
                    d.cell,
                    Subject::Project {
                        project: index as u32,
                        field: ProjectField::Name,
                    },
                    format!("项目「{}」的长期指标:{}", shown_name(name), d.message),
                );
            }
            kept.push(indicator);
        }
        kept
    }

    /// A 部门整体 table as the department's overall targets (its indicators follow).
    fn overall(&mut self, form: &RawForm, department: &str) -> Overall {
        let on = Subject::Department(DepartmentField::Name);
        let scale = form.amount_scale;
        let budget_wan = self.form_amount(&form.total, scale, "部门预算总额", on);
        let fiscal_wan = self.form_amount(&form.fiscal, scale, "财政拨款", on);
        let other_wan = self.form_amount(&form.other, scale, "其他资金", on);
        let cell = form
            .overall_department
            .as_ref()
            .or(form.department.as_ref())
            .map(Located::cell)
            .or(form.titles.first().map(|t| t.1));
        if budget_wan.is_none() && !has_text(&form.total) {
            self.raise(
                Code::MissingBudget,
                cell,
                on,
                format!("「{department}」的部门整体支出绩效目标表没有可读取的预算总额"),
            );
        }
        Overall {
            budget_wan,
            fiscal_wan,
            other_wan,
            goal: text(&form.goal),
            duties: text(&form.duties),
            cell,
            budget_cell: form.total.as_ref().map(Located::cell),
            notes: unit_note(form, budget_wan.is_some()),
            attributes: attributes(form),
            indicators: Vec::new(),
        }
    }

    /// Rows a form leaves out and text on it that is nothing the model keeps.
    fn form_notes(&mut self, form: &RawForm) {
        for row in &form.not_applicable {
            self.raise(
                Code::NotApplicable,
                Some(row.cell()),
                Subject::Department(DepartmentField::Name),
                format!(
                    "第{}行写明「{}」,不作为指标",
                    row.row + 1,
                    clean(&row.text())
                ),
            );
        }
        for stray in &form.stray {
            self.raise(
                Code::NoteRow,
                Some(stray.cell()),
                Subject::Department(DepartmentField::Name),
                format!(
                    "第{}行是申报表上的说明文字,原文:{}",
                    stray.row + 1,
                    clean(&stray.text())
                ),
            );
        }
    }
}

fn text(l: &Option<Located>) -> String {
    l.as_ref().map(Located::text).unwrap_or_default()
}

fn has_text(l: &Option<Located>) -> bool {
    l.as_ref().is_some_and(|v| !v.value.is_empty())
}

fn shown_name(name: &str) -> &str {
    if name.is_empty() { "(无名称)" } else { name }
}

/// Every attribute of a form as (label, value).
fn attributes(form: &RawForm) -> Vec<Detail> {
    form.attributes
        .iter()
        .map(|(label, value)| Detail {
            label: label.clone(),
            value: value.text(),
        })
        .collect()
}

/// The note that says a form's amounts were converted to 万元.
fn unit_note(form: &RawForm, converted: bool) -> Vec<String> {
    let Some((unit, cell)) = &form.amount_unit else {
        return Vec::new();
    };
    if form.amount_scale == 1.0 || !converted {
        return Vec::new();
    }
    let factor = if form.amount_scale < 1.0 {
        format!("÷{}", format_number(round_amount(1.0 / form.amount_scale)))
    } else {
        format!("×{}", format_number(form.amount_scale))
    };
    vec![format!(
        "金额原以{unit}填报 ({cell}「{unit}」),已换算为万元 ({factor})"
    )]
}
