//! The per-file pipeline (read → layout → extract → normalize → check) and the run that maps
//! it over every input in parallel. Rayon sits here and nowhere else; results come back in
//! input order, so nothing downstream can depend on thread timing.

use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::discover::{InputFile, Status};
use crate::finding::{Code, Finding};
use crate::normalize::Origin;
use crate::read::Limits;
use crate::rules::Rules;
use crate::store::StoredDepartment;
use crate::{check, classify, extract, layout, normalize, read};

/// What became of one sheet of an input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetRecord {
    pub name: String,
    /// "table" (read as a department), "no_table", "ignored" (instructions, by name), "hidden",
    /// "empty" or "too_large".
    pub status: &'static str,
}

/// Everything one input produced.
#[derive(Debug, Clone)]
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
            findings: vec![Finding::new(
                code,
                display,
                "",
                String::new(),
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
    attempt.unwrap_or_else(|_| {
        FileOutcome::set_aside(
            &input.display,
            Status::Failed,
            Code::InternalError,
            "jixiao 处理该文件时出错 (internal error while processing this file)",
        )
    })
}

fn process_file_inner(input: &InputFile, rules: &Rules, limits: &Limits) -> FileOutcome {
    let content = match read::read_file(input, limits) {
        Ok(content) => content,
        Err(read::ReadError::Unsupported(reason)) => {
            return FileOutcome::set_aside(
                &input.display,
                Status::Skipped,
                Code::UnsupportedFormat,
                &reason,
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
    let file = input.display.as_str();
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
    if content.changed_since_listing {
        outcome.findings.push(Finding::new(
            Code::FileChanged,
            file,
            "",
            String::new(),
            format!("{file}: 文件在列出后被修改,汇总的是读取时的版本 (changed after listing)"),
        ));
    }
    if let Some(note) = &content.format_note {
        outcome.findings.push(Finding::new(
            Code::FormatMismatch,
            file,
            "",
            String::new(),
            format!("{file}: {note}"),
        ));
    }
    for skipped in &content.skipped_sheets {
        outcome.sheets.push(SheetRecord {
            name: skipped.sheet.clone(),
            status: match skipped.code {
                Code::HiddenSheet => "hidden",
                _ => "too_large",
            },
        });
        outcome.findings.push(Finding::new(
            skipped.code,
            file,
            &skipped.sheet,
            String::new(),
            format!("工作表「{}」: {}", skipped.sheet, skipped.reason),
        ));
    }

    let stem = Path::new(&input.path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display.clone());
    // Tables are found first, so that a workbook with one table and a notes sheet still names
    // its department after the file, not after the table's sheet.
    let layouts: Vec<Option<layout::TableLayout>> = content
        .grids
        .iter()
        .map(|g| {
            (g.row_count() > 0 && !rules.is_ignored_sheet(&g.sheet))
                .then(|| layout::detect(g, rules))
                .flatten()
        })
        .collect();
    let several = layouts.iter().filter(|l| l.is_some()).count() > 1;
    for (grid, table_layout) in content.grids.iter().zip(layouts) {
        if grid.row_count() == 0 {
            outcome.sheets.push(SheetRecord {
                name: grid.sheet.clone(),
                status: "empty",
            });
            continue;
        }
        if rules.is_ignored_sheet(&grid.sheet) {
            outcome.sheets.push(SheetRecord {
                name: grid.sheet.clone(),
                status: "ignored",
            });
            continue;
        }
        let Some(table_layout) = table_layout else {
            outcome.sheets.push(SheetRecord {
                name: grid.sheet.clone(),
                status: "no_table",
            });
            outcome.findings.push(Finding::new(
                Code::NoTable,
                file,
                &grid.sheet,
                String::new(),
                format!(
                    "工作表「{}」前{}行中没有找到项目绩效目标表的表头 (项目名称、指标名称、年度目标值)",
                    grid.sheet, rules.header_search_rows
                ),
            ));
            continue;
        };
        outcome.sheets.push(SheetRecord {
            name: grid.sheet.clone(),
            status: "table",
        });
        let raw = extract::extract(grid, &table_layout, rules);
        let (fallback, fallback_source) = if several {
            (grid.sheet.as_str(), "sheet name")
        } else {
            (stem.as_str(), "file name")
        };
        let origin = Origin {
            file,
            fallback_department: fallback,
            fallback_source,
        };
        let (mut department, mut findings) = normalize::normalize(&raw, &origin, rules);
        classify::classify(&mut department, rules);
        findings.extend(check::check(&department, rules));
        for f in &findings {
            if let Some(p) = f.project.and_then(|i| department.projects.get_mut(i)) {
                p.finding_count += 1;
            }
        }
        let survey = crate::write::survey_department(&department, &mut findings);
        outcome.findings.extend(findings);
        let mut stored = StoredDepartment::new(department);
        stored.head.survey = survey;
        outcome.departments.push(stored);
    }
    // One copy of the file's name for all its findings.
    let shared: std::sync::Arc<str> = std::sync::Arc::from(file);
    for f in &mut outcome.findings {
        if f.file == shared {
            f.file = std::sync::Arc::clone(&shared);
        }
    }
    outcome.findings.shrink_to_fit();
    outcome.departments.shrink_to_fit();
    if outcome.departments.is_empty() {
        let too_large = content
            .skipped_sheets
            .iter()
            .any(|s| s.code == Code::SheetTooLarge);
        (outcome.status, outcome.reason) = if too_large {
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
                Some("没有找到项目绩效目标表 (no performance table found)".to_string()),
            )
        };
    }
    outcome
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
