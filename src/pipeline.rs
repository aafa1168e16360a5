//! The per-file pipeline (read → layout → extract → normalize → check) and the run that maps
//! it over every input in parallel. Rayon sits here and nowhere else; results come back in
//! input order, so nothing downstream can depend on thread timing.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{InputFile, Status};
use crate::finding::{Code, DepartmentField, Finding, Site, Subject};
use crate::grid::Grid;
use crate::layout::SheetLayout;
use crate::layout::form::FormKind;
use crate::model::NameSource;
use crate::normalize::Origin;
use crate::read::{FileContent, Limits};
use crate::rules::Rules;
use crate::store::StoredDepartment;
use crate::{check, classify, extract, layout, normalize, read};

/// What became of one sheet of an input.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SheetRecord {
    pub name: String,
    pub status: SheetStatus,
}

/// What one sheet held, or why it was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SheetStatus {
    /// Read as a department's table of projects.
    Table,
    /// Read as one or more per-project forms (申报表).
    Form,
    /// Read as a 部门整体 table: the department's overall targets.
    Overall,
    /// A 绩效自评表: set aside.
    SelfEvaluation,
    /// No table header was found on it.
    NoTable,
    /// Instructions or a cover, by its name; not searched.
    Ignored,
    Hidden,
    Empty,
    /// Over the cell cap.
    TooLarge,
}

impl SheetStatus {
    /// The name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            SheetStatus::Table => "table",
            SheetStatus::Form => "form",
            SheetStatus::Overall => "overall",
            SheetStatus::SelfEvaluation => "self_evaluation",
            SheetStatus::NoTable => "no_table",
            SheetStatus::Ignored => "ignored",
            SheetStatus::Hidden => "hidden",
            SheetStatus::Empty => "empty",
            SheetStatus::TooLarge => "too_large",
        }
    }

    /// The words in the 说明 sheet's input list (the label key, in Chinese).
    pub fn label_zh(self) -> &'static str {
        match self {
            SheetStatus::Table => "已读取",
            SheetStatus::Form => "申报表",
            SheetStatus::Overall => "部门整体",
            SheetStatus::SelfEvaluation => "绩效自评表,未汇总",
            SheetStatus::NoTable => "无绩效目标表",
            SheetStatus::Ignored => "已忽略",
            SheetStatus::Hidden => "隐藏",
            SheetStatus::Empty => "空",
            SheetStatus::TooLarge => "过大",
        }
    }
}

/// Everything one input produced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileOutcome {
    pub display: String,
    pub status: Status,
    pub reason: Option<String>,
    pub sha256: Option<String>,
    /// The file's modification time when listed: the later of two duplicates is the one used.
    pub modified: Option<std::time::SystemTime>,
    pub sheets: Vec<SheetRecord>,
    /// The file's tables, packed as soon as they are read (see [`crate::store`]).
    pub departments: Vec<StoredDepartment>,
    pub findings: Vec<Finding>,
}

impl FileOutcome {
    /// An input that was set aside without being read.
    pub fn set_aside(display: &str, status: Status, code: Code, reason: &str) -> FileOutcome {
        FileOutcome {
            display: display.to_string(),
            status,
            reason: Some(reason.to_string()),
            sha256: None,
            modified: None,
            sheets: Vec::new(),
            departments: Vec::new(),
            findings: vec![Finding::about_input(
                code,
                display,
                format!("{display}: {reason}"),
            )],
        }
    }
}

/// Reads, interprets and checks one input. Whatever goes wrong becomes the outcome's status and
/// findings; even a bug that panics on some file fails that file only, not the run.
pub fn process_file(input: &InputFile, rules: &Rules, limits: &Limits) -> FileOutcome {
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        process_file_inner(input, rules, limits)
    }));
    attempt.unwrap_or_else(|payload| {
        // What went wrong and where, for the bug report the code asks for.
        let what = crate::scratch::take_panic_note().unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        });
        FileOutcome::set_aside(
            &input.display,
            Status::Failed,
            Code::InternalError,
            &format!("jixiao 处理该文件时出错 (internal error while processing this file): {what}"),
        )
    })
}

fn process_file_inner(input: &InputFile, rules: &Rules, limits: &Limits) -> FileOutcome {
    let mut content = match read::read_file(input, limits) {
        Ok(content) => content,
        Err(read::ReadError::Unsupported(reason)) => {
            return FileOutcome::set_aside(
                &input.display,
                Status::Skipped,
                Code::UnsupportedFormat,
                &reason,
            );
        }
        Err(read::ReadError::OwnOutput(reason)) => {
            return FileOutcome::set_aside(
                &input.display,
                Status::Skipped,
                Code::OwnOutput,
                &reason,
            );
        }
        Err(e @ read::ReadError::NotRegular) => {
            return FileOutcome::set_aside(
                &input.display,
                Status::Skipped,
                Code::NotAFile,
                &e.to_string(),
            );
        }
        Err(e) => {
            return FileOutcome::set_aside(
                &input.display,
                Status::Failed,
                Code::ReadFailed,
                &e.to_string(),
            );
        }
    };
    let mut outcome = FileOutcome {
        display: input.display.clone(),
        status: Status::Ok,
        reason: None,
        sha256: Some(content.sha256.clone()),
        modified: input.listed.as_ref().and_then(|l| l.modified),
        sheets: Vec::new(),
        departments: Vec::new(),
        findings: Vec::new(),
    };
    note_reading(&mut outcome, &content);
    for grid in &mut content.grids {
        normalize::formulas_as_text(grid, rules);
    }
    read_tables(&mut outcome, input, &content, rules);
    // One copy of the file's name for all its findings.
    let shared: Arc<str> = Arc::from(input.display.as_str());
    for f in &mut outcome.findings {
        if f.file == shared {
            f.file = Arc::clone(&shared);
        }
    }
    outcome.findings.shrink_to_fit();
    outcome.departments.shrink_to_fit();
    if outcome.departments.is_empty() {
        (outcome.status, outcome.reason) = nothing_read(&content, &outcome.sheets);
    }
    outcome
}

/// The findings about how the file was read: changed since listing, another format than its
/// name says, sheets skipped.
fn note_reading(outcome: &mut FileOutcome, content: &FileContent) {
    let file = outcome.display.as_str();
    if content.changed_since_listing {
        outcome.findings.push(Finding::about_input(
            Code::FileChanged,
            file,
            format!("{file}: 文件在列出后被修改,汇总的是读取时的版本 (changed after listing)"),
        ));
    }
    if let Some(note) = &content.format_note {
        outcome.findings.push(Finding::about_input(
            Code::FormatMismatch,
            file,
            format!("{file}: {note}"),
        ));
    }
    for skipped in &content.skipped_sheets {
        outcome.sheets.push(SheetRecord {
            name: skipped.sheet.clone(),
            status: match skipped.code {
                Code::HiddenSheet => SheetStatus::Hidden,
                _ => SheetStatus::TooLarge,
            },
        });
        let site = Site {
            file,
            sheet: &skipped.sheet,
        };
        outcome.findings.push(site.about_sheet(
            skipped.code,
            format!("工作表「{}」: {}", skipped.sheet, skipped.reason),
        ));
    }
}

/// Finds the table or forms on each sheet and reads every one found into a department.
fn read_tables(outcome: &mut FileOutcome, input: &InputFile, content: &FileContent, rules: &Rules) {
    let stem = Path::new(&input.path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display.clone());
    // Tables are found first, so that a workbook with one table and a notes sheet still names
    // its department after the file, not after the table's sheet.
    let layouts: Vec<SheetLayout> = content
        .grids
        .iter()
        .map(|g| {
            if g.row_count() > 0 && !rules.is_ignored_sheet(&g.sheet) {
                layout::detect_sheet(g, rules)
            } else {
                SheetLayout::Nothing
            }
        })
        .collect();
    let tables = layouts
        .iter()
        .filter(|l| matches!(l, SheetLayout::RowTable(_) | SheetLayout::Forms(_)))
        .count();
    let (fallback, fallback_source) = if tables > 1 {
        (None, NameSource::SheetName)
    } else {
        (Some(stem.as_str()), NameSource::FileName)
    };
    for (grid, sheet_layout) in content.grids.iter().zip(layouts) {
        let status = match (&sheet_layout, grid.row_count()) {
            (_, 0) => SheetStatus::Empty,
            _ if rules.is_ignored_sheet(&grid.sheet) => SheetStatus::Ignored,
            (SheetLayout::RowTable(_), _) => SheetStatus::Table,
            (SheetLayout::Forms(f), _) if f.forms.iter().all(|f| f.kind == FormKind::Overall) => {
                SheetStatus::Overall
            }
            (SheetLayout::Forms(_), _) => SheetStatus::Form,
            (SheetLayout::SelfEvaluation, _) => SheetStatus::SelfEvaluation,
            (SheetLayout::Nothing, _) => SheetStatus::NoTable,
        };
        outcome.sheets.push(SheetRecord {
            name: grid.sheet.clone(),
            status,
        });
        let site = Site {
            file: &outcome.display,
            sheet: &grid.sheet,
        };
        let origin = Origin {
            file: &outcome.display,
            fallback_department: fallback.unwrap_or(&grid.sheet),
            fallback_source,
        };
        let (stored, findings) = match sheet_layout {
            _ if matches!(status, SheetStatus::Empty | SheetStatus::Ignored) => continue,
            SheetLayout::Nothing => {
                outcome.findings.push(site.about_sheet(
                    Code::NoTable,
                    format!(
                        "工作表「{}」前{}行中没有找到项目绩效目标表的表头 (项目名称、指标名称、年度目标值),也没有找到申报表 (项目名称与绩效指标区)",
                        grid.sheet, rules.header_search_rows
                    ),
                ));
                continue;
            }
            SheetLayout::SelfEvaluation => {
                outcome.findings.push(site.about_sheet(
                    Code::SelfEvaluation,
                    format!(
                        "工作表「{}」是绩效自评表(实际完成值、得分等),不是本年度的绩效目标,未汇总",
                        grid.sheet
                    ),
                ));
                continue;
            }
            SheetLayout::RowTable(table_layout) => read_table(grid, &table_layout, &origin, rules),
            SheetLayout::Forms(forms) => read_forms(grid, &forms, &origin, rules),
        };
        outcome.findings.extend(findings);
        outcome.departments.push(stored);
    }
}

/// One table: extracted, normalized, classified, checked, and packed with its findings counted
/// on its projects.
fn read_table(
    grid: &Grid,
    table_layout: &layout::TableLayout,
    origin: &Origin<'_>,
    rules: &Rules,
) -> (StoredDepartment, Vec<Finding>) {
    let raw = extract::extract(grid, table_layout, rules);
    let (department, findings) = normalize::normalize(&raw, origin, rules);
    finish(department, findings, rules)
}

/// The forms of one sheet, as one department.
fn read_forms(
    grid: &Grid,
    forms: &layout::form::Forms,
    origin: &Origin<'_>,
    rules: &Rules,
) -> (StoredDepartment, Vec<Finding>) {
    let raw = extract::form::extract_forms(grid, &forms.forms, rules);
    let bad_cells = extract::bad_cells(grid);
    let sheet = normalize::form::SheetForms {
        sheet: &grid.sheet,
        forms: &raw,
        covers: &forms.covers,
        bad_cells: &bad_cells,
        formulas_as_text: &grid.formulas_as_text,
    };
    let (department, findings) = normalize::form::normalize_forms(&sheet, origin, rules);
    finish(department, findings, rules)
}

/// A department classified, checked, its findings counted on its projects, and packed.
fn finish(
    mut department: crate::model::Department,
    mut findings: Vec<Finding>,
    rules: &Rules,
) -> (StoredDepartment, Vec<Finding>) {
    classify::classify(&mut department, rules);
    findings.extend(check::check(&department, rules));
    if department.projects.is_empty()
        && department.unassigned.is_empty()
        && department.overall.is_none()
    {
        let about = &department.about;
        let site = Site {
            file: &about.file,
            sheet: &about.sheet,
        };
        let mut f = site.finding(
            Code::NoProjects,
            None,
            Subject::Department(DepartmentField::Name),
            format!(
                "工作表「{}」认出了表头,但没有填写任何项目或指标(空白模板?),没有可汇总的内容",
                about.sheet
            ),
        );
        f.department = about.name.as_str().into();
        findings.push(f);
    }
    for f in &findings {
        if let Some(p) = f
            .subject
            .project()
            .and_then(|i| department.projects.get_mut(i))
        {
            p.finding_count += 1;
        }
    }
    (StoredDepartment::new(department), findings)
}

/// The status of a file no table was read from, and why.
fn nothing_read(content: &FileContent, sheets: &[SheetRecord]) -> (Status, Option<String>) {
    let too_large = content
        .skipped_sheets
        .iter()
        .any(|s| s.code == Code::SheetTooLarge);
    if too_large {
        (
            Status::Failed,
            Some(
                "工作表超过单元格上限,未读取 (a sheet exceeds the cell cap; see --max-cells)"
                    .to_string(),
            ),
        )
    } else {
        (
            Status::Skipped,
            Some(
                if sheets
                    .iter()
                    .any(|s| s.status == SheetStatus::SelfEvaluation)
                {
                    "绩效自评表,不是本年度的绩效目标 (a self-evaluation, not this year's targets)"
                } else {
                    "没有找到项目绩效目标表或申报表 (no performance table or form found)"
                }
                .to_string(),
            ),
        )
    }
}

/// Processes every input on a pool of `jobs` threads (0: one per core), calling `progress`
/// after each file. Outcomes come back in the order of `inputs`.
pub fn process_all(
    inputs: &[InputFile],
    rules: &Rules,
    limits: &Limits,
    jobs: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<FileOutcome>, rayon::ThreadPoolBuildError> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    Ok(pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                let outcome = process_file(input, rules, limits);
                progress();
                outcome
            })
            .collect()
    }))
}
