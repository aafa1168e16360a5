//! Test helpers: a temporary work directory that runs the real binary, seed-layout fixtures
//! built with rust_xlsxwriter, and readers that take the written summary back with calamine.

#![allow(dead_code)]

mod formats;
// Not every test crate writes these formats.
#[allow(unused_imports)]
pub use formats::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

/// The seed shipped in examples/.
pub fn seed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed/000_17e04ae03005bf38.txt")
}

pub fn seed_text() -> String {
    std::fs::read_to_string(seed_path()).expect("seed file")
}

/// The seed as another department's table (its footnote names `department`), so that it is
/// not taken for a duplicate of the seed.
pub fn seed_text_as(department: &str) -> String {
    seed_text().replace("宁波市人民代表大会常务委员会办公厅", department)
}

/// A temporary directory in which the real `jixiao` binary is run.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create fixture directory");
        }
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    /// Runs jixiao with the arguments, in this directory.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jixiao"));
        cmd.args(args).current_dir(self.root());
        cmd.output().expect("run jixiao")
    }

    /// Runs jixiao and fails the test, showing everything, unless it exits with `code`.
    pub fn run_expect(&self, args: &[&str], code: i32) -> Output {
        let out = self.run(args);
        if out.status.code() != Some(code) {
            panic!(
                "jixiao {:?} exited {:?}, expected {code}\n--- stdout\n{}\n--- stderr\n{}",
                args,
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    pub fn report(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path(name)).expect("report written");
        serde_json::from_str(&text).expect("report is JSON")
    }
}

/// Every sheet of a written workbook, read back with calamine: (name, rows of cells).
pub fn read_workbook(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).expect("open summary with calamine");
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

pub fn sheet<'a>(book: &'a [(String, Vec<Vec<Data>>)], name: &str) -> &'a [Vec<Data>] {
    &book
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
        .1
}

pub fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

pub fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// The seed text as a grid of strings, row by row as Excel shows it.
pub fn text_grid(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// Writes a grid of strings to an .xlsx the way a department's workbook holds the seed table:
/// figures as numbers, the two-level header merged, and each project's cells (序号 to
/// 年度绩效目标) merged down over its indicator rows. A project runs from its 序号 row over the
/// following rows whose first seven cells are empty; rows that start in the first column are
/// left outside every project, as in the published table, and so are the `detached` rows.
pub fn seed_layout_xlsx(grid: &[Vec<String>], sheet_name: &str, detached: &[usize]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name).expect("sheet name");
    let merge_format = Format::new().set_text_wrap();
    let cell = |row: usize, col: usize| -> &str {
        grid.get(row)
            .and_then(|r| r.get(col))
            .map(String::as_str)
            .unwrap_or("")
    };
    let header = grid
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("序号"))
        .expect("header row");

    // Project spans: (first row, last row).
    let mut spans = Vec::new();
    let mut row = header + 2;
    while row < grid.len() {
        if cell(row, 0).parse::<u32>().is_ok() {
            let start = row;
            while row + 1 < grid.len()
                && !detached.contains(&(row + 1))
                && (0..7).all(|c| cell(row + 1, c).is_empty())
                && !cell(row + 1, 7).is_empty()
            {
                row += 1;
            }
            spans.push((start, row));
        }
        row += 1;
    }

    let in_span = |r: usize| spans.iter().any(|&(a, b)| r > a && r <= b);
    for (r, cells) in grid.iter().enumerate() {
        for (c, value) in cells.iter().enumerate() {
            if value.is_empty() || (c < 7 && in_span(r)) {
                continue;
            }
            let (r16, c16) = (r as u32, c as u16);
            let amount = (3..=5).contains(&c) && r > header + 1;
            let plain = value.replace(',', "");
            match plain.parse::<f64>() {
                Ok(n) if amount || (c == 0 && r > header + 1) || c == 9 => {
                    sheet.write_number(r16, c16, n).expect("number");
                }
                _ => {
                    sheet.write_string(r16, c16, value).expect("string");
                }
            }
        }
    }
    // The two-level header: project columns merged down, 核心绩效指标 merged across.
    for c in 0..7u16 {
        let title = cell(header, c as usize);
        sheet
            .merge_range(header as u32, c, header as u32 + 1, c, title, &merge_format)
            .expect("header merge");
    }
    sheet
        .merge_range(
            header as u32,
            7,
            header as u32,
            10,
            cell(header, 7),
            &merge_format,
        )
        .expect("group merge");
    for &(start, end) in &spans {
        if end == start {
            continue;
        }
        for c in 0..7u16 {
            let value = cell(start, c as usize);
            let plain = value.replace(',', "");
            let (r0, r1) = (start as u32, end as u32);
            match plain.parse::<f64>() {
                Ok(n) if c == 0 || (3..=5).contains(&c) => {
                    sheet
                        .merge_range(r0, c, r1, c, "", &merge_format)
                        .expect("project merge");
                    sheet
                        .write_number_with_format(r0, c, n, &merge_format)
                        .expect("merged number");
                }
                _ => {
                    sheet
                        .merge_range(r0, c, r1, c, value, &merge_format)
                        .expect("project merge");
                }
            }
        }
    }
    workbook.save_to_buffer().expect("fixture workbook")
}

/// The first place where two JSON values differ, as a path, for short failure messages.
pub fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let (xa, yb) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                first_difference(xa, yb, &format!("{path}.{k}"))
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (xa, yb))| first_difference(xa, yb, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}

/// The report's findings of one code.
pub fn findings<'a>(report: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// Dates a file's modification time `secs_ago` seconds back (which of two copies is newer).
pub fn set_mtime(path: &Path, secs_ago: u64) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(secs_ago))
        .expect("set mtime");
}
