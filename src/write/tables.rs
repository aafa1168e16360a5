//! `--tables DIR`: the report's contents as flat tables — inputs, departments, projects,
//! indicators, findings — each as Parquet (for DuckDB, Spark, polars: where a province's data
//! goes next) and as CSV in UTF-8 with a BOM (which Excel opens as UTF-8). Their rows are the
//! report's, one for one, and they carry the same ids (run_id, department_id = 部门编号,
//! project_id, indicator_id, finding_id), so they join with each other and with the report.
//!
//! Each table is written in one pass over the summary (departments unpacked one at a time),
//! into both files at once; Parquet row groups hold [`ROW_GROUP`] rows, each column plain or
//! dictionary-encoded and compressed with Snappy (what every Parquet reader reads).

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::consolidate::Summary;
use crate::discover::Status;
use crate::model::{Department, Indicator, NameSource};
use crate::report::Ids;

use super::staged::{Staged, WriteError, stage};

/// Rows per Parquet row group.
const ROW_GROUP: usize = 65_536;

/// The tables, by name; each is written as NAME.parquet and NAME.csv.
pub const TABLES: [&str; 5] = [
    "inputs",
    "departments",
    "projects",
    "indicators",
    "findings",
];

/// Every file `--tables` writes, for the stale-file cleanup.
pub const TABLE_FILES: [&str; 10] = [
    "inputs.parquet",
    "inputs.csv",
    "departments.parquet",
    "departments.csv",
    "projects.parquet",
    "projects.csv",
    "indicators.parquet",
    "indicators.csv",
    "findings.parquet",
    "findings.csv",
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
}

/// One cell of a row; None is null.
enum Value<'a> {
    Text(Option<Cow<'a, str>>),
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
}

fn text<'a>(s: &'a str) -> Value<'a> {
    Value::Text(Some(Cow::Borrowed(s)))
}
fn owned(s: String) -> Value<'static> {
    Value::Text(Some(Cow::Owned(s)))
}
fn opt_text<'a>(s: Option<&'a str>) -> Value<'a> {
    Value::Text(s.map(Cow::Borrowed))
}
fn int(n: usize) -> Value<'static> {
    Value::Int(Some(n as i64))
}
fn opt_int(n: Option<usize>) -> Value<'static> {
    Value::Int(n.map(|n| n as i64))
}

/// The columns of each table: name and kind.
fn columns(table: &str) -> &'static [(&'static str, Kind)] {
    use Kind::*;
    match table {
        "inputs" => &[
            ("run_id", Text),
            ("input_id", Int),
            ("path", Text),
            ("status", Text),
            ("code", Text),
            ("reason", Text),
            ("sha256", Text),
            ("sheets", Text),
            ("superseded_by", Text),
        ],
        "departments" => &[
            ("run_id", Text),
            ("department_id", Int),
            ("department", Text),
            ("name_source", Text),
            ("file", Text),
            ("sheet", Text),
            ("year", Int),
            ("projects", Int),
            ("indicators", Int),
            ("unassigned", Int),
            ("budget_wan", Float),
            ("own_wan", Float),
            ("transfer_wan", Float),
            ("declared_project_count", Int),
            ("footnote_total_wan", Float),
            ("sum_row_wan", Float),
            ("sum_row_own_wan", Float),
            ("sum_row_transfer_wan", Float),
            ("overall_budget_wan", Float),
        ],
        "projects" => &[
            ("run_id", Text),
            ("department_id", Int),
            ("project_id", Int),
            ("department", Text),
            ("file", Text),
            ("sheet", Text),
            ("seq", Text),
            ("name", Text),
            ("overview", Text),
            ("goal", Text),
            ("budget_wan", Float),
            ("own_wan", Float),
            ("transfer_wan", Float),
            ("indicators", Int),
            ("finding_count", Int),
            ("source", Text),
            ("notes", Text),
            ("source_kind", Text),
            ("implementing_unit", Text),
            ("fiscal_wan", Float),
            ("other_wan", Float),
            ("cumulative_wan", Float),
        ],
        "indicators" => &[
            ("run_id", Text),
            ("department_id", Int),
            ("project_id", Int),
            ("indicator_id", Int),
            ("department", Text),
            ("seq", Text),
            ("project", Text),
            ("name", Text),
            ("op", Text),
            ("value", Float),
            ("text", Text),
            ("unit", Text),
            ("raw_op", Text),
            ("raw_value", Text),
            ("raw_unit", Text),
            ("level1", Text),
            ("level2", Text),
            ("category_source", Text),
            ("copies", Int),
            ("source", Text),
            ("notes", Text),
            ("unassigned", Bool),
            ("after_seq", Text),
            ("after_project", Text),
            ("overall", Bool),
            ("value_kind", Text),
            ("weight", Float),
            ("value_to", Float),
        ],
        _ => &[
            ("run_id", Text),
            ("finding_id", Int),
            ("severity", Text),
            ("code", Text),
            ("department_id", Int),
            ("project_id", Int),
            ("file", Text),
            ("department", Text),
            ("sheet", Text),
            ("cell", Text),
            ("message", Text),
        ],
    }
}

fn status_text(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Skipped => "skipped",
        Status::Failed => "failed",
    }
}

fn name_source(d: &Department) -> String {
    match d.about.name_source {
        NameSource::Cell(cell) => format!("{}!{cell}", d.about.sheet),
        NameSource::FileName => "file name".into(),
        NameSource::SheetName => "sheet name".into(),
    }
}

/// Every row of one table, in the report's order.
fn rows(
    table: &str,
    summary: &Summary,
    emit: &mut dyn FnMut(&[Value<'_>]) -> Result<(), String>,
) -> Result<(), String> {
    let run = summary.run_id.as_str();
    match table {
        "inputs" => {
            for (n, i) in summary.inputs.iter().enumerate() {
                let sheets = i
                    .sheets
                    .iter()
                    .map(|s| format!("{}:{}", s.name, s.status.as_str()))
                    .collect::<Vec<_>>()
                    .join("; ");
                emit(&[
                    text(run),
                    int(n + 1),
                    text(&i.path),
                    text(status_text(i.status)),
                    opt_text(i.code.map(|c| c.as_str())),
                    opt_text(i.reason.as_deref()),
                    opt_text(i.sha256.as_deref()),
                    owned(sheets),
                    opt_text(i.superseded_by.as_deref()),
                ])?;
            }
        }
        "departments" => {
            let group_of = Ids::new(summary).group_of;
            for (n, d) in summary.departments.iter().enumerate() {
                let n = group_of.get(n).copied().unwrap_or(n);
                let sums = d.budget_sums();
                let decl = &d.about.declared;
                emit(&[
                    text(run),
                    int(n + 1),
                    text(&d.about.name),
                    owned(name_source(&d)),
                    text(&d.about.file),
                    text(&d.about.sheet),
                    Value::Int(d.about.year.map(i64::from)),
                    int(d.projects.len()),
                    int(d.indicator_count()),
                    int(d.unassigned.len()),
                    Value::Float(Some(crate::text::round_amount(sums[0]))),
                    Value::Float(Some(crate::text::round_amount(sums[1]))),
                    Value::Float(Some(crate::text::round_amount(sums[2]))),
                    Value::Int(decl.project_count.map(i64::from)),
                    Value::Float(decl.footnote_total_wan),
                    Value::Float(decl.sum_row_wan),
                    Value::Float(decl.sum_row_own_wan),
                    Value::Float(decl.sum_row_transfer_wan),
                    Value::Float(d.overall.as_ref().and_then(|o| o.budget_wan)),
                ])?;
            }
        }
        "projects" => {
            let mut project = 0;
            let group_of = Ids::new(summary).group_of;
            for (n, d) in summary.unpacked().enumerate() {
                let n = group_of.get(n).copied().unwrap_or(n);
                for p in &d.projects {
                    project += 1;
                    let form = p.form.as_deref();
                    emit(&[
                        text(run),
                        int(n + 1),
                        int(project),
                        text(&d.about.name),
                        text(&d.about.file),
                        text(&d.about.sheet),
                        text(&p.seq),
                        text(&p.name),
                        text(&p.overview),
                        text(&p.goal),
                        Value::Float(p.budget_wan),
                        Value::Float(p.own_wan),
                        Value::Float(p.transfer_wan),
                        int(p.indicators.len()),
                        int(p.finding_count),
                        owned(format!("{}!{}", d.about.sheet, p.cell)),
                        owned(p.notes.join("; ")),
                        text(p.source_kind().as_str()),
                        opt_text(form.and_then(|f| f.implementing_unit.as_deref())),
                        Value::Float(form.and_then(|f| f.fiscal_wan)),
                        Value::Float(form.and_then(|f| f.other_wan)),
                        Value::Float(form.and_then(|f| f.cumulative_wan)),
                    ])?;
                }
            }
        }
        "indicators" => {
            let (mut project, mut indicator) = (0, 0);
            let group_of = Ids::new(summary).group_of;
            for (n, d) in summary.departments.iter().enumerate() {
                let n = group_of.get(n).copied().unwrap_or(n);
                let mut row = |project_id: Option<usize>,
                               seq: Option<&str>,
                               project_name: Option<&str>,
                               i: &Indicator,
                               after: Option<(Option<&str>, Option<&str>)>,
                               overall: bool|
                 -> Result<(), String> {
                    let extra = i.extra.as_deref();
                    indicator += 1;
                    emit(&[
                        text(run),
                        int(n + 1),
                        opt_int(project_id),
                        int(indicator),
                        text(&d.about.name),
                        opt_text(seq),
                        opt_text(project_name),
                        text(&i.name),
                        text(&i.op),
                        Value::Float(i.value),
                        text(&i.text),
                        text(&i.unit),
                        text(&i.raw.op),
                        text(&i.raw.value),
                        text(&i.raw.unit),
                        opt_text(i.level1.as_deref()),
                        opt_text(i.level2.as_deref()),
                        text(i.category_source.as_str()),
                        int(i.copies as usize),
                        owned(format!("{}!{}", d.about.sheet, i.cell)),
                        owned(i.notes.join("; ")),
                        Value::Bool(Some(after.is_some())),
                        opt_text(after.and_then(|a| a.0)),
                        opt_text(after.and_then(|a| a.1)),
                        Value::Bool(Some(overall)),
                        opt_text(extra.and_then(|e| e.value_kind.as_deref())),
                        Value::Float(extra.and_then(|e| e.weight)),
                        Value::Float(i.value_to),
                    ])
                };
                for p in &d.projects {
                    project += 1;
                    for i in &p.indicators {
                        row(Some(project), Some(&p.seq), Some(&p.name), i, None, false)?;
                    }
                }
                for u in &d.unassigned {
                    let after = (u.after_seq.as_deref(), u.after_project.as_deref());
                    row(None, None, None, &u.indicator, Some(after), false)?;
                }
                for i in d.overall.iter().flat_map(|o| &o.indicators) {
                    row(None, None, None, i, None, true)?;
                }
            }
        }
        _ => {
            let ids = Ids::new(summary);
            for (n, f) in summary.findings.iter().enumerate() {
                let (d, p) = ids.of_finding(f);
                let cell = f.cell.map(|c| c.to_string()).unwrap_or_default();
                emit(&[
                    text(run),
                    int(n + 1),
                    text(f.severity.as_str()),
                    text(f.code.as_str()),
                    opt_int(d.map(|d| ids.group_of[d] + 1)),
                    opt_int(p.map(|p| p + 1)),
                    text(&f.file),
                    text(&f.department),
                    text(&f.sheet),
                    owned(cell),
                    text(&f.message),
                ])?;
            }
        }
    }
    Ok(())
}

/// A column's values not yet written: the present ones and every row's definition level.
enum Buffer {
    Text(Vec<ByteArray>, Vec<i16>),
    Int(Vec<i64>, Vec<i16>),
    Float(Vec<f64>, Vec<i16>),
    Bool(Vec<bool>, Vec<i16>),
}

struct ParquetSink<'f> {
    writer: SerializedFileWriter<&'f mut File>,
    buffers: Vec<Buffer>,
    rows: usize,
}

impl<'f> ParquetSink<'f> {
    fn new(file: &'f mut File, table: &str) -> Result<ParquetSink<'f>, String> {
        let fields: Vec<String> = columns(table)
            .iter()
            .map(|(name, kind)| match kind {
                Kind::Text => format!("OPTIONAL BYTE_ARRAY {name} (UTF8);"),
                Kind::Int => format!("OPTIONAL INT64 {name};"),
                Kind::Float => format!("OPTIONAL DOUBLE {name};"),
                Kind::Bool => format!("OPTIONAL BOOLEAN {name};"),
            })
            .collect();
        let message = format!("message {table} {{ {} }}", fields.join(" "));
        let schema =
            parquet::schema::parser::parse_message_type(&message).map_err(|e| e.to_string())?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("jixiao {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
            .map_err(|e| e.to_string())?;
        let buffers = columns(table)
            .iter()
            .map(|(_, kind)| match kind {
                Kind::Text => Buffer::Text(Vec::new(), Vec::new()),
                Kind::Int => Buffer::Int(Vec::new(), Vec::new()),
                Kind::Float => Buffer::Float(Vec::new(), Vec::new()),
                Kind::Bool => Buffer::Bool(Vec::new(), Vec::new()),
            })
            .collect();
        Ok(ParquetSink {
            writer,
            buffers,
            rows: 0,
        })
    }

    fn push(&mut self, row: &[Value<'_>]) -> Result<(), String> {
        for (buffer, value) in self.buffers.iter_mut().zip(row) {
            match (buffer, value) {
                (Buffer::Text(v, d), Value::Text(x)) => {
                    d.push(i16::from(x.is_some()));
                    if let Some(x) = x {
                        v.push(ByteArray::from(x.as_bytes().to_vec()));
                    }
                }
                (Buffer::Int(v, d), Value::Int(x)) => {
                    d.push(i16::from(x.is_some()));
                    v.extend(x);
                }
                (Buffer::Float(v, d), Value::Float(x)) => {
                    d.push(i16::from(x.is_some()));
                    v.extend(x);
                }
                (Buffer::Bool(v, d), Value::Bool(x)) => {
                    d.push(i16::from(x.is_some()));
                    v.extend(x);
                }
                _ => return Err("a value of the wrong kind for its column".into()),
            }
        }
        self.rows += 1;
        if self.rows == ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows == 0 {
            return Ok(());
        }
        let e = |e: parquet::errors::ParquetError| e.to_string();
        let mut group = self.writer.next_row_group().map_err(e)?;
        for buffer in &mut self.buffers {
            let Some(mut column) = group.next_column().map_err(e)? else {
                return Err("fewer columns than the schema".into());
            };
            match buffer {
                Buffer::Text(v, d) => {
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(v, Some(d), None)
                        .map_err(e)?;
                    v.clear();
                    d.clear();
                }
                Buffer::Int(v, d) => {
                    column
                        .typed::<Int64Type>()
                        .write_batch(v, Some(d), None)
                        .map_err(e)?;
                    v.clear();
                    d.clear();
                }
                Buffer::Float(v, d) => {
                    column
                        .typed::<DoubleType>()
                        .write_batch(v, Some(d), None)
                        .map_err(e)?;
                    v.clear();
                    d.clear();
                }
                Buffer::Bool(v, d) => {
                    column
                        .typed::<BoolType>()
                        .write_batch(v, Some(d), None)
                        .map_err(e)?;
                    v.clear();
                    d.clear();
                }
            }
            column.close().map_err(e)?;
        }
        group.close().map_err(e)?;
        self.rows = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        self.flush()?;
        self.writer.close().map_err(|e| e.to_string())?;
        Ok(())
    }
}

fn csv_value(value: &Value<'_>) -> String {
    match value {
        Value::Text(x) => x.as_deref().unwrap_or("").to_string(),
        Value::Int(x) => x.map(|n| n.to_string()).unwrap_or_default(),
        Value::Float(x) => x.map(|n| n.to_string()).unwrap_or_default(),
        Value::Bool(x) => x.map(|b| b.to_string()).unwrap_or_default(),
    }
}

/// Stages every table in `dir`, as Parquet and as CSV: ten files, to be renamed into place
/// with the summary and the report.
pub fn stage_tables(summary: &Summary, dir: &Path) -> Result<Vec<Staged>, WriteError> {
    let mut staged = Vec::new();
    for table in TABLES {
        let parquet_path = dir.join(format!("{table}.parquet"));
        let csv_path = dir.join(format!("{table}.csv"));
        let io = |path: &Path, message: String| WriteError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(message),
        };
        let mut csv_file: Option<Staged> = None;
        let parquet = stage(&parquet_path, |pq| {
            let csv = stage(&csv_path, |csv| {
                // The BOM: Excel opens UTF-8 text as UTF-8 only with it.
                let mut buffered = std::io::BufWriter::new(csv);
                buffered
                    .write_all("\u{feff}".as_bytes())
                    .map_err(|e| io(&csv_path, e.to_string()))?;
                let mut out = csv::Writer::from_writer(buffered);
                out.write_record(columns(table).iter().map(|(name, _)| *name))
                    .map_err(|e| io(&csv_path, e.to_string()))?;
                let mut sink = ParquetSink::new(pq, table).map_err(|m| io(&parquet_path, m))?;
                rows(table, summary, &mut |row| {
                    out.write_record(row.iter().map(csv_value))
                        .map_err(|e| e.to_string())?;
                    sink.push(row)
                })
                .map_err(|m| io(&parquet_path, m))?;
                sink.finish().map_err(|m| io(&parquet_path, m))?;
                out.flush().map_err(|e| io(&csv_path, e.to_string()))?;
                Ok(())
            })?;
            csv_file = Some(csv);
            Ok(())
        })?;
        staged.push(parquet);
        staged.extend(csv_file);
    }
    Ok(staged)
}
