//! Word documents (.docx) and Excel 2003 XML (SpreadsheetML, under an ".xls" or ".xml" name),
//! read by the real binary from files built here: a row table in either reads as the same table
//! in an xlsx does; a Word 97-2003 .doc is refused with the advice to save it as .docx; broken
//! and hostile files fail with a reason while the run goes on.

mod common;

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use common::*;
use serde_json::Value;

/// Runs `consolidate` on `input` and returns the report; the summary is `<stem>.out.xlsx`.
fn consolidate(wd: &Workdir, input: &str, extra: &[&str]) -> Value {
    let stem = input.replace('/', "_");
    let out = format!("{stem}.out.xlsx");
    let mut args = vec!["consolidate", input, "-o", &out, "-q", "--fail-on", "never"];
    args.extend_from_slice(extra);
    wd.run_expect(&args, 0);
    wd.report(&format!("{stem}.out.json"))
}

fn codes(report: &Value) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        *map.entry(f["code"].as_str().expect("code").to_string())
            .or_insert(0) += 1;
    }
    map
}

fn statuses(report: &Value) -> BTreeMap<String, (String, String)> {
    report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("path").to_string(),
                (
                    i["status"].as_str().expect("status").to_string(),
                    i["reason"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect()
}

/// The row table in the standard layout, with a title and a 单位 line above it.
const ROADS: &str = "市住房和城乡建设局2024年项目绩效目标表\n\
单位:万元\n\
序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
1\t道路维修\t120\t维修道路长度\t≥\t15\t公里\n\
\t\t\t路面合格率\t≥\t98\t%\n\
\t\t\t群众满意度\t≥\t90\t%\n\
2\t路灯改造\t45.5\t改造路灯数量\t≥\t300\t盏\n\
\t\t\t亮灯率\t≥\t95\t%\n\
合计\t\t165.5";

/// The project cells (序号, 项目名称, 预算金额) merged down over each project's rows, as a
/// department's table has them: [first row, first col, last row, last col] of the grid.
const PROJECT_BLOCKS: [[u32; 4]; 6] = [
    [3, 0, 5, 0],
    [3, 1, 5, 1],
    [3, 2, 5, 2],
    [6, 0, 7, 0],
    [6, 1, 7, 1],
    [6, 2, 7, 2],
];

fn roads_xlsx() -> Vec<u8> {
    let grid = rows(ROADS);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in grid.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            match text.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).expect("number"),
                Err(_) => sheet.write_string(r, c, text).expect("string"),
            };
        }
    }
    for [r0, c0, r1, c1] in PROJECT_BLOCKS {
        let top = &grid[r0 as usize][c0 as usize];
        let format = rust_xlsxwriter::Format::new();
        sheet
            .merge_range(r0, c0 as u16, r1, c1 as u16, "", &format)
            .expect("merge");
        match top.parse::<f64>() {
            Ok(n) => sheet.write_number(r0, c0 as u16, n).expect("number"),
            Err(_) => sheet.write_string(r0, c0 as u16, top).expect("string"),
        };
    }
    workbook.save_to_buffer().expect("xlsx")
}

/// The table as a Word document: the title and the 单位 line as paragraphs above the table.
fn roads_docx() -> Vec<u8> {
    let grid = rows(ROADS);
    let table: Vec<Vec<String>> = grid[2..].to_vec();
    let blocks: Vec<[u32; 4]> = PROJECT_BLOCKS
        .iter()
        .map(|[r0, c0, r1, c1]| [r0 - 2, *c0, r1 - 2, *c1])
        .collect();
    let body = format!(
        "{}{}{}",
        docx_paragraph(&grid[0][0]),
        docx_paragraph(&grid[1][0]),
        docx_table(&table, &blocks)
    );
    docx(&body)
}

/// The table as SpreadsheetML, with a hidden drop-down sheet beside it as budget systems leave.
fn roads_spreadsheetml() -> String {
    let sheet = PROJECT_BLOCKS.iter().fold(
        FxSheet::from_rows("项目绩效目标", &rows(ROADS)),
        |s, m| s.merge(m[0], m[1], m[2], m[3]),
    );
    let lists = FxSheet::from_rows(
        "下拉选项",
        &rows("序号\t项目名称\t指标名称\t年度目标值\n9\t不该读\t数量\t1"),
    )
    .hidden();
    spreadsheetml(&[sheet, lists])
}

/// The projects of a summary's 汇总 sheet: (项目名称, 预算金额) by the header's labels.
fn summary_projects(wd: &Workdir, summary: &str) -> Vec<(String, f64)> {
    let book = read_workbook(&wd.path(summary));
    let projects = sheet(&book, "汇总");
    let col = |label: &str| {
        projects[0]
            .iter()
            .position(|h| text(h).contains(label))
            .unwrap_or_else(|| panic!("no column {label} in {:?}", projects[0]))
    };
    let (name, budget) = (col("项目名称"), col("预算"));
    projects[1..]
        .iter()
        .map(|r| (text(&r[name]), number(&r[budget])))
        .collect()
}

/// The indicators of a summary's 指标 sheet: (指标名称, 运算符, 目标值, 单位).
fn summary_indicators(wd: &Workdir, summary: &str) -> Vec<Vec<String>> {
    let book = read_workbook(&wd.path(summary));
    let indicators = sheet(&book, "指标");
    let header: Vec<String> = indicators[0].iter().map(text).collect();
    let col = |label: &str| {
        header
            .iter()
            .position(|h| h == label)
            .unwrap_or_else(|| panic!("no column {label} in {header:?}"))
    };
    let cols = [col("指标名称"), col("运算符"), col("目标值"), col("单位")];
    indicators[1..]
        .iter()
        .map(|r| cols.iter().map(|&c| text(&r[c])).collect())
        .collect()
}

/// The report with its sources ("Sheet1!D4") reduced to their cells ("D4"): the same table has
/// another sheet name in each format (a docx's is its file's name).
fn cells_only(value: &Value) -> Value {
    match value {
        Value::String(s) => match s.rsplit_once('!') {
            Some((_, cell)) if cell.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => {
                Value::String(cell.to_string())
            }
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(cells_only).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), cells_only(v)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

#[test]
fn a_row_table_in_word_or_spreadsheetml_reads_as_in_a_workbook() {
    let wd = Workdir::new();
    wd.write("xlsx/roads.xlsx", &roads_xlsx());
    wd.write("docx/roads.docx", &roads_docx());
    let xml = roads_spreadsheetml();
    wd.write("xls/roads.xls", xml.as_bytes());
    // The same export in GBK, named .xml, as some systems write it.
    let gbk = xml.replace(r#"encoding="UTF-8""#, r#"encoding="GBK""#);
    wd.write("xml/roads.xml", &encoding_rs::GBK.encode(&gbk).0);

    let baseline = consolidate(&wd, "xlsx", &[]);
    let dept = &baseline["departments"][0];
    assert_eq!(dept["name"], "市住房和城乡建设局");
    assert_eq!(dept["year"], 2024);
    let projects = dept["projects"].as_array().expect("projects");
    let budgets: Vec<(&str, f64)> = projects
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name"),
                p["budget_wan"].as_f64().expect("budget"),
            )
        })
        .collect();
    assert_eq!(budgets, vec![("道路维修", 120.0), ("路灯改造", 45.5)]);
    // Neither project has every 一级 category, nor its 产出 every 二级: the reviewer's checks
    // say so, in every format.
    let base_codes = codes(&baseline);
    assert_eq!(
        base_codes,
        BTreeMap::from([
            ("incomplete_framework".to_string(), 2),
            ("incomplete_output".to_string(), 2)
        ]),
        "{}",
        baseline["findings"]
    );

    for (input, extra) in [
        ("docx", vec![]),
        ("xls", vec!["format_mismatch", "hidden_sheet"]),
        ("xml", vec!["hidden_sheet"]),
    ] {
        let report = consolidate(&wd, input, &[]);
        let got = &report["departments"][0];
        assert_eq!(got["name"], "市住房和城乡建设局", "{input}");
        assert_eq!(
            first_difference(
                &cells_only(&got["projects"]),
                &cells_only(&dept["projects"]),
                input
            ),
            None
        );
        let mut want = base_codes.clone();
        want.extend(extra.iter().map(|c| (c.to_string(), 1)));
        assert_eq!(codes(&report), want, "{input}: {}", report["findings"]);
        let status = statuses(&report);
        assert_eq!(status.len(), 1);
        assert!(status.values().all(|(s, _)| s == "ok"), "{status:?}");
    }
    // The indicators, as read: op, value and unit split as in the workbook.
    let report = consolidate(&wd, "docx", &[]);
    let first = &report["departments"][0]["projects"][0]["indicators"];
    let targets: Vec<(String, String, f64, String)> = first
        .as_array()
        .expect("indicators")
        .iter()
        .map(|i| {
            (
                i["name"].as_str().expect("name").to_string(),
                i["op"].as_str().expect("op").to_string(),
                i["value"].as_f64().expect("value"),
                i["unit"].as_str().expect("unit").to_string(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        vec![
            ("维修道路长度".into(), "≥".into(), 15.0, "公里".into()),
            ("路面合格率".into(), "≥".into(), 98.0, "%".into()),
            ("群众满意度".into(), "≥".into(), 90.0, "%".into()),
        ]
    );
    // The docx's one sheet is named after the file; the SpreadsheetML's by its worksheets.
    let sheets = |report: &Value| -> Vec<(String, String)> {
        report["inputs"][0]["sheets"]
            .as_array()
            .expect("sheets")
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().expect("name").to_string(),
                    s["status"].as_str().expect("status").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(sheets(&report), vec![("roads".into(), "table".into())]);
    let xls = consolidate(&wd, "xls", &[]);
    assert_eq!(
        sheets(&xls),
        vec![
            ("下拉选项".into(), "hidden".into()),
            ("项目绩效目标".into(), "table".into())
        ]
    );
    let mismatch = xls["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "format_mismatch")
        .expect("format_mismatch");
    assert!(
        mismatch["message"]
            .as_str()
            .expect("message")
            .contains("SpreadsheetML"),
        "{mismatch}"
    );

    // The summaries, read back with calamine.
    for summary in ["docx.out.xlsx", "xls.out.xlsx"] {
        assert_eq!(
            summary_projects(&wd, summary),
            vec![
                ("道路维修".to_string(), 120.0),
                ("路灯改造".to_string(), 45.5)
            ],
            "{summary}"
        );
        let indicators = summary_indicators(&wd, summary);
        assert_eq!(indicators.len(), 5, "{summary}: {indicators:?}");
        assert_eq!(
            indicators[0],
            ["维修道路长度", "≥", "15", "公里"],
            "{summary}"
        );
        assert_eq!(indicators[4], ["亮灯率", "≥", "95", "%"], "{summary}");
    }
}

#[test]
fn word_97_files_are_refused_with_the_advice_to_save_them_as_docx() {
    let wd = Workdir::new();
    wd.write("in/申报表.doc", &word97_document());
    wd.write("in/申报表2.xls", &word97_document());
    wd.write(
        "in/config.xml",
        b"<?xml version=\"1.0\"?><configuration><table name=\"x\"/></configuration>",
    );
    // An old system's HTML export under a .doc name is read as the table it is.
    let page = format!(
        "<html><body><p>{}</p><table>{}</table></body></html>",
        "市交通运输局2024年项目绩效目标表",
        rows(ROADS)[2..]
            .iter()
            .map(|r| format!("<tr><td>{}</td></tr>", r.join("</td><td>")))
            .collect::<String>()
    );
    wd.write("in/export.doc", page.as_bytes());
    wd.write("in/roads.docx", &roads_docx());
    let report = consolidate(&wd, "in", &[]);
    let status = statuses(&report);
    for path in ["in/申报表.doc", "in/申报表2.xls"] {
        let (s, reason) = &status[path];
        assert_eq!(s, "skipped", "{path}");
        assert!(reason.contains("另存为 .docx"), "{path}: {reason}");
        assert!(reason.contains("save it as .docx"), "{path}: {reason}");
    }
    let (s, reason) = &status["in/config.xml"];
    assert_eq!(s, "skipped");
    assert!(reason.contains("SpreadsheetML"), "{reason}");
    assert_eq!(status["in/export.doc"].0, "ok", "{status:?}");
    assert_eq!(status["in/roads.docx"].0, "ok", "{status:?}");
    let unsupported = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "unsupported_format")
        .count();
    assert_eq!(unsupported, 3);
    assert_eq!(report["totals"]["projects"], 4);
}

fn deflated(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(*name, options).expect("entry");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish").into_inner()
}

#[test]
fn broken_and_hostile_files_fail_with_a_reason_and_the_run_goes_on() {
    let wd = Workdir::new();
    wd.write("in/good.docx", &roads_docx());
    let good = roads_docx();
    wd.write("in/cut.docx", &good[..good.len() / 2]);
    // 17 MB of one character packed into a few kilobytes.
    let bomb = deflated(&[("word/document.xml", vec![b' '; 17 * 1024 * 1024])]);
    wd.write("in/bomb.docx", &bomb);
    let xml = roads_spreadsheetml();
    let end = xml.find("</Table>").expect("table end");
    wd.write("in/cut.xls", &xml.as_bytes()[..end]);
    // A thousand laughs declared, never expanded.
    let laughs = xml.replacen(
        "<?mso-application",
        "<!DOCTYPE Workbook [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><?mso-application",
        1,
    );
    let laughs = laughs
        .replace("路灯改造", "路灯改造&c;&c;&c;")
        .replace("市住房和城乡建设局", "市城市管理局");
    wd.write("in/laughs.xml", laughs.as_bytes());
    // Spans far past the sheet: clamped, never allocated.
    let wide = docx(&format!(
        "{}<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"4294967295\"/><w:vMerge w:val=\"restart\"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>",
        docx_paragraph("说明")
    ));
    wd.write("in/wide.docx", &wide);
    let report = consolidate(&wd, "in", &[]);
    let status = statuses(&report);
    assert_eq!(status["in/good.docx"].0, "ok");
    assert_eq!(status["in/laughs.xml"].0, "ok");
    assert_eq!(status["in/wide.docx"].0, "skipped", "{status:?}");
    for (path, why) in [
        ("in/cut.docx", "docx"),
        ("in/bomb.docx", "zip bomb"),
        ("in/cut.xls", "truncated"),
    ] {
        let (s, reason) = &status[path];
        assert_eq!(s, "failed", "{path}: {reason}");
        assert!(reason.contains(why), "{path}: {reason}");
    }
    let laughs = report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|d| d["file"] == "in/laughs.xml")
        .expect("laughs read");
    assert_eq!(laughs["projects"][1]["name"], "路灯改造");

    // Over the cell cap, the document's one sheet is refused as too large.
    let report = consolidate(&wd, "in/good.docx", &["--max-cells", "30"]);
    let (s, reason) = &statuses(&report)["in/good.docx"];
    assert_eq!(s, "failed");
    assert!(reason.contains("cell"), "{reason}");
    assert_eq!(codes(&report).get("sheet_too_large"), Some(&1));
}
