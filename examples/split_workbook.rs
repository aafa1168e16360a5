//! A summary of 1.1 million indicators, generated in memory, written to a workbook and checked:
//! the workbook opens, 指标 holds Excel's maximum and continues on 指标(2), the links of 问题
//! land on the right rows of 指标(2), and 合计's cached totals are the computed ones. Prints the
//! time taken and the peak memory (VmHWM). Exits non-zero when a check fails. CI runs it:
//!
//!     cargo run --release --example split_workbook [-- INDICATORS [OUT.xlsx]]
//!
//! The corpus is built as the pipeline would hand it to consolidation (one outcome per file),
//! so that the 2,000 input files such a run needs in real life are not written to disk.

#[path = "support/procfs.rs"]
mod procfs;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use calamine::{Data, DataRef, Reader, Xlsx};
use compact_str::{ToCompactString, format_compact};
use jixiao::finding::{Code, IndicatorField, Site, Subject};
use jixiao::grid::CellRef;
use jixiao::model::{
    About, CategorySource, Declared, Department, FieldCells, Indicator, NameSource, Project,
    RawValues, Unassigned,
};
use jixiao::sheets::{IndicatorColumn, TotalColumn};
use jixiao::{FileOutcome, SheetRecord, SheetStatus, Status, StoredDepartment, Summary};

const PROJECTS: usize = 50;
const INDICATORS: usize = 20;
/// Rows per department that lost their project, each with a shifted_row finding.
const LOST: usize = 2;

fn indicator(n: usize, row: u32) -> Indicator {
    let glued = n.is_multiple_of(7);
    let at = |col: u32| CellRef::new(row - 1, col);
    Indicator {
        name: format_compact!("指标{n}"),
        op: "≥".into(),
        value: Some(95.0),
        value_to: None,
        text: "95".into(),
        unit: if glued { "GB/月" } else { "%" }.into(),
        raw: RawValues {
            op: "≧".into(),
            value: if glued { "95G" } else { "95" }.into(),
            unit: if glued { "月" } else { "%" }.into(),
        },
        level1: Some("产出指标".into()),
        level2: Some("数量指标".into()),
        category_source: CategorySource::Inferred,
        copies: 1,
        cell: at(7),
        copy_cells: Vec::new(),
        field_cells: FieldCells {
            op: Some(at(8)),
            target: at(9),
            unit: Some(at(10)),
        },
        notes: if glued {
            vec!["95G + 月 → 95 GB/月".to_string()]
        } else {
            Vec::new()
        },
        extra: None,
    }
}

fn outcome(d: usize) -> FileOutcome {
    let file = format!("gen/{d:05}.xlsx");
    let mut projects = Vec::with_capacity(PROJECTS);
    let mut row = 5u32;
    for p in 0..PROJECTS {
        let first = row;
        let indicators = (0..INDICATORS)
            .map(|i| {
                row += 1;
                indicator(i, row)
            })
            .collect();
        projects.push(Project {
            seq: (p + 1).to_compact_string(),
            name: format!("项目{p}"),
            overview: "对全市中小学校舍进行维修改造,消除安全隐患,改善办学条件".to_string(),
            goal: "按期完成维修改造任务".to_string(),
            budget_wan: Some(10.5),
            own_wan: Some(10.5),
            transfer_wan: Some(0.0),
            cell: CellRef::new(first, 1),
            budget_cell: Some(CellRef::new(first, 3)),
            notes: Vec::new(),
            indicators,
            finding_count: 0,
            form: None,
        });
    }
    let mut findings = Vec::new();
    let site = Site {
        file: &file,
        sheet: "Sheet1",
    };
    let unassigned = (0..LOST)
        .map(|k| {
            row += 1;
            let mut i = indicator(k, row);
            i.cell = CellRef::new(row - 1, 0);
            i.notes = vec!["原行错位,已对齐;不属于任何项目".to_string()];
            let mut f = site.finding(
                Code::ShiftedRow,
                Some(i.cell),
                Subject::Indicator {
                    project: None,
                    position: (PROJECTS * INDICATORS + k) as u32,
                    field: IndicatorField::Project,
                },
                format!("第{row}行的指标失去了所属项目"),
            );
            f.department = format!("部门{d:05}").into();
            findings.push(f);
            Unassigned {
                after_seq: Some(PROJECTS.to_compact_string()),
                after_project: Some(format!("项目{}", PROJECTS - 1)),
                indicator: i,
            }
        })
        .collect();
    let department = Department {
        about: About {
            name: format!("部门{d:05}"),
            name_source: NameSource::FileName,
            file: file.clone(),
            sheet: "Sheet1".to_string(),
            year: Some(2024),
            year_source: Some(jixiao::model::YearSource::FileName),
            years_found: Vec::new(),
            declared: Declared {
                project_count: Some(PROJECTS as u32),
                footnote_total_wan: Some(10.5 * PROJECTS as f64),
                ..Declared::default()
            },
        },
        projects,
        unassigned,
        overall: None,
    };
    FileOutcome {
        display: file,
        status: Status::Ok,
        reason: None,
        sha256: Some(format!("{d:064x}")),
        modified: None,
        sheets: vec![SheetRecord {
            name: "Sheet1".to_string(),
            status: SheetStatus::Table,
        }],
        departments: vec![StoredDepartment::new(department)],
        findings,
    }
}

fn peak_memory() -> String {
    format!("{} kB", procfs::peak_kb())
}

/// Rows of a sheet and the 来源 (column L) of one row, reading the sheet as a stream.
fn stream_rows(
    book: &mut Xlsx<std::io::BufReader<std::fs::File>>,
    sheet: &str,
    want: u32,
) -> Result<(u32, String), String> {
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("{sheet}: {e}"))?;
    let mut last = 0;
    let mut source = String::new();
    while let Some(cell) = reader.next_cell().map_err(|e| format!("{sheet}: {e}"))? {
        let (row, col) = cell.get_position();
        last = last.max(row);
        if row == want && col == u32::from(IndicatorColumn::Source.index()) {
            if let DataRef::String(s) = cell.get_value() {
                source = s.clone();
            } else if let DataRef::SharedString(s) = cell.get_value() {
                source = s.to_string();
            }
        }
    }
    Ok((last + 1, source))
}

fn check(summary: &Summary, path: &PathBuf) -> Result<(), String> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).map_err(|e| format!("open: {e}"))?;
    let names = book.sheet_names();
    let expected = ["汇总", "指标", "指标(2)", "合计", "图表", "问题", "说明"];
    if names != expected {
        return Err(format!("sheets {names:?}, expected {expected:?}"));
    }
    let total = summary.totals.indicators;
    let first_part = jixiao::sheets::MAX_DATA_ROWS as usize;

    // The last shifted row sits on 指标(2); its 问题 row links there.
    let formulas = book
        .worksheet_formula("问题")
        .map_err(|e| format!("问题: {e}"))?;
    let (_, first_col) = formulas.start().ok_or("问题 has no formulas")?;
    let last_link = formulas
        .used_cells()
        .rfind(|(_, col, _)| {
            *col as u32 + first_col == u32::from(jixiao::sheets::FindingColumn::Place.index())
        })
        .map(|(_, _, f)| f.clone())
        .ok_or("问题 has no links")?;
    let expected_cell = summary
        .findings
        .last()
        .and_then(|f| f.cell)
        .ok_or("no findings")?;
    let target_row = total - first_part; // the last indicator, 1-based on 指标(2)
    let expected_link = format!(
        "HYPERLINK(\"#'指标(2)'!C{0}\",\"指标(2)!C{0}\")",
        target_row + 1
    );
    if last_link != expected_link {
        return Err(format!("last link {last_link}, expected {expected_link}"));
    }

    let (rows, _) = stream_rows(&mut book, "指标", 0)?;
    if rows as usize != first_part + 1 {
        return Err(format!("指标 has {rows} rows, expected {}", first_part + 1));
    }
    let (rows, source) = stream_rows(&mut book, "指标(2)", target_row as u32)?;
    if rows as usize != total - first_part + 1 {
        return Err(format!(
            "指标(2) has {rows} rows, expected {}",
            total - first_part + 1
        ));
    }
    if !source.ends_with(&format!("!{expected_cell}")) {
        return Err(format!(
            "the linked row of 指标(2) comes from {source}, not {expected_cell}"
        ));
    }

    // 合计's grand total: cached values equal the computed totals.
    let totals = book
        .worksheet_range("合计")
        .map_err(|e| format!("合计: {e}"))?;
    // 总计 is the row so labelled (the unsplit row stands under it).
    let grand = totals
        .rows()
        .find(|row| {
            row.iter().any(
                |c| matches!(c, Data::String(s) if s.as_str() == jixiao::sheets::GRAND_TOTAL_LABEL),
            )
        })
        .ok_or("合计 has no 总计 row")?;
    let figure = |col: usize| match grand.get(col) {
        Some(Data::Float(v)) => Some(*v),
        _ => None,
    };
    let (budget, indicators) = (
        TotalColumn::Budget.index() as usize,
        TotalColumn::Indicators.index() as usize,
    );
    if figure(budget) != Some(summary.totals.budget_wan) || figure(indicators) != Some(total as f64)
    {
        return Err(format!(
            "总计 shows {:?} 万元 and {:?} indicators, expected {} and {total}",
            figure(budget),
            figure(indicators),
            summary.totals.budget_wan
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let wanted: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_100_000);
    let path = args.get(1).map(PathBuf::from).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("jixiao-split-{}.xlsx", std::process::id()))
    });
    let per_department = PROJECTS * INDICATORS + LOST;
    let departments = wanted.div_ceil(per_department);

    let start = Instant::now();
    let outcomes: Vec<FileOutcome> = (0..departments).map(outcome).collect();
    let rules = match jixiao::rules::Rules::builtin() {
        Ok(rules) => rules,
        Err(e) => {
            eprintln!("split_workbook: {e}");
            std::process::exit(1);
        }
    };
    let summary = jixiao::summarize(outcomes, &rules);
    let built = start.elapsed();
    let memory_built = peak_memory();
    if let Err(e) = jixiao::write_workbook(&summary, &path) {
        eprintln!("split_workbook: {e}");
        return ExitCode::FAILURE;
    }
    let written = start.elapsed();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "split_workbook: {} departments, {} projects, {} indicators, {} findings",
        summary.totals.departments,
        summary.totals.projects,
        summary.totals.indicators,
        summary.findings.len()
    );
    println!(
        "split_workbook: built in {:.1} s (peak memory {memory_built}), written in {:.1} s ({:.1} MB), peak memory {}",
        built.as_secs_f64(),
        (written - built).as_secs_f64(),
        size as f64 / 1e6,
        peak_memory()
    );
    let result = check(&summary, &path);
    println!(
        "split_workbook: read back in {:.1} s",
        (start.elapsed() - written).as_secs_f64()
    );
    if args.get(1).is_none() {
        let _ = std::fs::remove_file(&path);
    }
    match result {
        Ok(()) => {
            println!("split_workbook: ok: 指标 and 指标(2) hold every row, links and totals hold");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("split_workbook: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
