//! The summary workbook as finance staff read it: sheet order, headers, formulas with cached
//! values that match the computed totals, links that land on the cell a finding is about,
//! notes and fills in the xlsx parts, the 说明 sheet, English headers, long text and the
//! continuation of 指标 on 指标(2)…

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::*;
use jixiao::WorkbookOptions;
use jixiao::labels::Labels;
use jixiao::sheets::{FindingColumn, IndicatorColumn, ProjectColumn, TotalColumn};
use regex::Regex;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Reading the written workbook back.

/// Every sheet's formulas, by sheet, as calamine reads them: (row, col) → formula (no "=").
fn formulas(path: &Path) -> HashMap<String, HashMap<(u32, u32), String>> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).expect("open summary");
    let mut all = HashMap::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_formula(&name).expect("formulas");
        let mut cells = HashMap::new();
        for (row, col, f) in range.used_cells() {
            let (r0, c0) = range.start().unwrap_or((0, 0));
            cells.insert((row as u32 + r0, col as u32 + c0), f.clone());
        }
        all.insert(name, cells);
    }
    all
}

/// One part of the xlsx package, as text.
fn part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).expect("summary");
    let mut zip = zip::ZipArchive::new(file).expect("xlsx is a zip");
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("no part {name}"))
        .read_to_string(&mut text)
        .expect("utf-8 part");
    text
}

/// The worksheet part of a sheet: rust_xlsxwriter numbers them in workbook order.
fn sheet_part(book: &[(String, Vec<Vec<Data>>)], name: &str) -> String {
    let n = book
        .iter()
        .position(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no sheet {name}"));
    format!("xl/worksheets/sheet{}.xml", n + 1)
}

/// The notes of a sheet: cell → text.
fn notes(path: &Path, sheet_part: &str) -> BTreeMap<String, String> {
    let rels_name = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels";
    let file = std::fs::File::open(path).expect("summary");
    if zip::ZipArchive::new(file)
        .expect("zip")
        .by_name(&rels_name)
        .is_err()
    {
        return BTreeMap::new();
    }
    let rels = part(path, &rels_name);
    let Some(target) = Regex::new(r#"Target="\.\./(comments\d+\.xml)""#)
        .expect("re")
        .captures(&rels)
        .map(|c| c[1].to_string())
    else {
        return BTreeMap::new();
    };
    let comments = part(path, &format!("xl/{target}"));
    let re = Regex::new(r#"(?s)<comment ref="([A-Z]+\d+)"[^>]*>(.*?)</comment>"#).expect("re");
    let t = Regex::new(r"(?s)<t(?: [^>]*)?>(.*?)</t>").expect("re");
    re.captures_iter(&comments)
        .map(|c| {
            let text: String = t.captures_iter(&c[2]).map(|m| m[1].to_string()).collect();
            (c[1].to_string(), text)
        })
        .collect()
}

/// The `<xf …>` element (with its alignment) that styles a cell of a sheet part; a cell with
/// no style attribute has the default, the first.
fn cell_xf(sheet: &str, styles: &str, cell: &str) -> String {
    let index: usize = Regex::new(&format!(r#"<c r="{cell}" s="(\d+)""#))
        .expect("re")
        .captures(sheet)
        .map_or(0, |c| c[1].parse().expect("style index"));
    let xfs = styles
        .split("<cellXfs")
        .nth(1)
        .and_then(|x| x.split("</cellXfs>").next())
        .expect("cellXfs");
    Regex::new(r"<xf [^>]*>(?:<alignment[^>]*>)?")
        .expect("re")
        .find_iter(xfs)
        .nth(index)
        .expect("xf")
        .as_str()
        .to_string()
}

/// The fill colour (RGB, e.g. "FFC7CE") of a cell, if it has one.
fn fill(path: &Path, sheet_part: &str, cell: &str) -> Option<String> {
    let styles = part(path, "xl/styles.xml");
    let xf = cell_xf(&part(path, sheet_part), &styles, cell);
    let fill_id: usize = Regex::new(r#"fillId="(\d+)""#).expect("re").captures(&xf)?[1]
        .parse()
        .ok()?;
    let fills = styles.split("<fills").nth(1)?.split("</fills>").next()?;
    let fill = Regex::new(r"(?s)<fill>.*?</fill>")
        .expect("re")
        .find_iter(fills)
        .nth(fill_id)?;
    Regex::new(r#"fgColor rgb="FF([0-9A-F]{6})""#)
        .expect("re")
        .captures(fill.as_str())
        .map(|c| c[1].to_string())
}

/// The `<xf …>` element that styles a cell, and the number format code it names, if any.
fn style(path: &Path, sheet_part: &str, cell: &str) -> (String, Option<String>) {
    let styles = part(path, "xl/styles.xml");
    let xf = cell_xf(&part(path, sheet_part), &styles, cell);
    let code = Regex::new(r#"numFmtId="(\d+)""#)
        .expect("re")
        .captures(&xf)
        .and_then(|id| {
            Regex::new(&format!(
                r#"<numFmt numFmtId="{}" formatCode="([^"]*)""#,
                &id[1]
            ))
            .expect("re")
            .captures(&styles)
            .map(|c| c[1].to_string())
        });
    (xf, code)
}

#[test]
fn cells_without_findings_keep_their_column_formats() {
    let wd = Workdir::new();
    let (path, _) = run_seed(&wd, &[]);
    let book = read_workbook(&path);
    let part_name = sheet_part(&book, "汇总");
    let projects = sheet(&book, "汇总");
    // A project whose amounts no finding marks: its figures still show two decimals.
    let row = projects
        .iter()
        .position(|r| text(&r[2]) == "老干部活动中心维护费")
        .expect("project") as u32
        + 1;
    for col in ["D", "E", "F"] {
        let (xf, code) = style(&path, &part_name, &format!("{col}{row}"));
        assert_eq!(code.as_deref(), Some("#,##0.00"), "{col}{row}: {xf}");
        assert!(xf.contains(r#"vertical="top""#), "{col}{row}: {xf}");
    }
    // 项目概况 wraps; 序号 does not, and both sit at the top of the row.
    let (xf, _) = style(&path, &part_name, &format!("J{row}"));
    assert!(xf.contains(r#"wrapText="1""#), "{xf}");
    let (xf, _) = style(&path, &part_name, &format!("B{row}"));
    assert!(
        xf.contains(r#"vertical="top""#) && !xf.contains("wrapText"),
        "{xf}"
    );
}

const RED: &str = "FFC7CE";
const AMBER: &str = "FFEB9C";

/// A HYPERLINK formula's target: (sheet, zero-based row, col) and the text it shows.
fn link_target(formula: &str) -> Option<(String, u32, u32, String)> {
    let c = Regex::new(r##"^HYPERLINK\("#'([^']+)'!([A-Z]+)(\d+)","([^"]*)"\)$"##)
        .expect("re")
        .captures(formula)?;
    let col = c[2]
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1)
        - 1;
    let row: u32 = c[3].parse().ok()?;
    Some((c[1].to_string(), row - 1, col, c[4].to_string()))
}

fn cell<'a>(
    book: &'a [(String, Vec<Vec<Data>>)],
    sheet_name: &str,
    row: u32,
    col: u32,
) -> &'a Data {
    sheet(book, sheet_name)
        .get(row as usize)
        .and_then(|r| r.get(col as usize))
        .unwrap_or(&Data::Empty)
}

fn run_seed(wd: &Workdir, extra: &[&str]) -> (std::path::PathBuf, Value) {
    let seed = seed_path();
    let mut args = vec![
        "consolidate",
        seed.to_str().expect("path"),
        "-o",
        "s.xlsx",
        "-q",
        // These tests read the workbook; the seed's error-level findings would exit 1.
        "--fail-on",
        "never",
    ];
    args.extend(extra);
    wd.run_expect(&args, 0);
    (wd.path("s.xlsx"), wd.report("s.json"))
}

// ---------------------------------------------------------------------------------------------

#[test]
fn sheets_headers_and_totals_formulas_read_back() {
    let wd = Workdir::new();
    let (path, report) = run_seed(&wd, &[]);
    let book = read_workbook(&path);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["汇总", "指标", "合计", "图表", "问题", "说明"]);
    let header = |name: &str| -> Vec<String> { sheet(&book, name)[0].iter().map(text).collect() };
    assert_eq!(header("汇总"), ProjectColumn::HEADERS);
    assert_eq!(header("指标"), IndicatorColumn::HEADERS);
    assert_eq!(
        header("合计")[..TotalColumn::HEADERS.len()],
        *TotalColumn::HEADERS
    );
    assert_eq!(header("问题"), FindingColumn::HEADERS);

    // 合计: each figure of the department row is a formula over 汇总 by 部门编号, and its cached
    // value is the computed total of the report.
    let f = formulas(&path);
    let totals = &f["合计"];
    let dept = &report["departments"][0];
    let budget: f64 = dept["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .map(|p| p["budget_wan"].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(
        totals[&(1, 2)],
        "SUMIFS('汇总'!$D$2:$D$12,'汇总'!$M$2:$M$12,$P2)"
    );
    assert_eq!(number(cell(&book, "合计", 1, 2)), budget);
    assert_eq!(number(cell(&book, "合计", 1, 2)), 1119.5);
    assert_eq!(totals[&(1, 1)], "COUNTIFS('汇总'!$M$2:$M$12,$P2)");
    assert_eq!(number(cell(&book, "合计", 1, 1)), 11.0);
    assert_eq!(
        totals[&(1, 8)],
        "SUMIFS('汇总'!$G$2:$G$12,'汇总'!$M$2:$M$12,$P2)+N2+R2"
    );
    assert_eq!(number(cell(&book, "合计", 1, 8)), 150.0);
    assert_eq!(totals[&(1, 7)], "ROUND(C2-G2,2)");
    assert_eq!(number(cell(&book, "合计", 1, 7)), -590.0);
    assert_eq!(number(cell(&book, "合计", 1, 15)), 1.0, "部门编号");
    // The grand total: SUM over the department rows, cached.
    assert_eq!(text(cell(&book, "合计", 2, 0)), "总计");
    assert_eq!(totals[&(2, 2)], "SUM(C2:C2)");
    assert_eq!(number(cell(&book, "合计", 2, 2)), 1119.5);
    assert_eq!(number(cell(&book, "合计", 2, 7)), -590.0);
    // Every project's 部门编号 is its department's row number in 合计.
    for row in &sheet(&book, "汇总")[1..] {
        assert_eq!(number(&row[12]), 1.0);
    }

    // 差额 is conditionally formatted where it is not zero; the xlsx says so.
    let totals_xml = part(&path, &sheet_part(&book, "合计"));
    assert!(
        totals_xml.contains(r#"<conditionalFormatting sqref="H2:H3">"#)
            && totals_xml.contains(r#"operator="notEqual""#),
        "差额 has a not-zero conditional format"
    );
    // Frozen header; 合计 and 说明 filtered, 汇总, 指标 and 问题 Excel Tables (with their own
    // filter); landscape A4, one page wide where the type stays 8 pt or more, else at 75 % or
    // more with the technical columns on pages of their own.
    let scale_re = Regex::new(r#" scale="(\d+)""#).expect("re");
    for name in ["汇总", "指标", "合计", "问题", "说明"] {
        let xml = part(&path, &sheet_part(&book, name));
        if ["汇总", "指标", "问题"].contains(&name) {
            assert!(
                xml.contains("<tableParts count=\"1\">"),
                "{name} is a Table"
            );
            assert!(!xml.contains("<autoFilter "), "{name}: the Table filters");
        } else {
            assert!(xml.contains("<autoFilter "), "{name} has an autofilter");
        }
        assert!(
            xml.contains(r#"orientation="landscape""#) && xml.contains(r#"paperSize="9""#),
            "{name} prints landscape A4"
        );
        let scale = scale_re
            .captures(&xml)
            .map(|c| c[1].parse::<u32>().expect("scale"));
        match scale {
            Some(scale) => {
                assert!(scale >= 75, "{name} prints at {scale} %");
                assert!(!xml.contains("fitToPage"), "{name}: a scale, not fitted");
            }
            None => assert!(
                xml.contains(r#"fitToHeight="0""#),
                "{name} fits one page wide"
            ),
        }
        if name != "说明" {
            assert!(xml.contains(r#"ySplit="1""#), "{name} freezes its header");
        }
    }
    // 汇总 prints 部门 … 年度绩效目标, 来源 starting a page, 部门 to 项目名称 on every page.
    let projects_xml = part(&path, &sheet_part(&book, "汇总"));
    assert!(
        projects_xml.contains("<colBreaks count=\"1\""),
        "{projects_xml:.0}"
    );
    assert!(
        projects_xml.contains(r#"<brk id="8""#),
        "a page break before 来源 (I)"
    );
    let workbook_xml = part(&path, "xl/workbook.xml");
    for name in ["汇总", "指标", "合计", "问题"] {
        assert!(
            workbook_xml.contains(&format!("{name}!$1:$1<")),
            "{name} repeats its header row on every page"
        );
    }
}

#[test]
fn every_finding_links_to_the_cell_it_is_about() {
    let wd = Workdir::new();
    let (path, report) = run_seed(&wd, &[]);
    let book = read_workbook(&path);
    let f = formulas(&path);
    let findings = report["findings"].as_array().expect("findings");
    let problems = sheet(&book, "问题");
    assert_eq!(problems.len(), findings.len() + 1);
    for finding in findings {
        // 问题 is sorted (errors first): each finding's row is the one with its code, cell
        // and message.
        let row = problems
            .iter()
            .position(|r| {
                text(&r[1]) == finding["code"].as_str().unwrap_or_default()
                    && text(&r[6]) == finding["cell"].as_str().unwrap_or_default()
                    && text(&r[7]) == finding["message"].as_str().unwrap_or_default()
            })
            .expect("the finding's row in 问题") as u32;
        let formula = f["问题"]
            .get(&(row, 8))
            .unwrap_or_else(|| panic!("问题 row {} has no link", row + 1));
        let (target_sheet, r, c, shown) = link_target(formula).expect("a HYPERLINK formula");
        // The cached text is what the link shows without recalculation.
        assert_eq!(text(&problems[row as usize][8]), shown);
        assert_eq!(
            shown,
            format!("{target_sheet}!{}{}", column_letters(c), r + 1)
        );
        let code = finding["code"].as_str().expect("code");
        let source_cell = finding["cell"].as_str().expect("cell");
        match code {
            // Indicator findings land on the indicator's row: its 来源 names the same cell.
            "shifted_row" | "duplicate_row" | "conflicting_duplicate" => {
                assert_eq!(target_sheet, "指标", "{code} at {source_cell}");
                let source = text(cell(&book, "指标", r, 11));
                assert!(
                    source.ends_with(&format!("!{source_cell}")),
                    "{code} at {source_cell} links to a row from {source}"
                );
                let column = if code == "shifted_row" { 2 } else { 3 };
                assert_eq!(c, column, "{code} points at the cell that shows it");
            }
            // The 合计 row's 预算金额, 本级支出, 转移支付支出 (D, E, F in the source).
            "sum_mismatch" => {
                let column = 2 + u32::from(source_cell.as_bytes()[0] - b'D');
                assert_eq!((target_sheet.as_str(), r, c), ("合计", 1, column));
            }
            "declared_count_mismatch" => {
                assert_eq!((target_sheet.as_str(), r, c), ("合计", 1, 5))
            }
            "declared_total_mismatch" => {
                assert_eq!((target_sheet.as_str(), r, c), ("合计", 1, 6))
            }
            _ => assert!(
                ["汇总", "指标", "合计", "说明"].contains(&target_sheet.as_str()),
                "{code} links to {target_sheet}"
            ),
        }
    }

    // 汇总 links each project to its first indicator.
    let projects = sheet(&book, "汇总");
    let indicators = sheet(&book, "指标");
    for (n, project) in projects.iter().enumerate().skip(1) {
        let formula = &f["汇总"][&(n as u32, 11)];
        let (target_sheet, r, c, _) = link_target(formula).expect("link");
        assert_eq!((target_sheet.as_str(), c), ("指标", 3));
        let first = indicators
            .iter()
            .position(|i| text(&i[1]) == text(&project[1]) && text(&i[2]) == text(&project[2]))
            .expect("the project has indicators");
        assert_eq!(
            r as usize,
            first,
            "project {} links to its first row",
            text(&project[2])
        );
    }
}

fn column_letters(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

#[test]
fn repairs_carry_notes_and_findings_fill_their_cells() {
    let wd = Workdir::new();
    let (path, _) = run_seed(&wd, &[]);
    let book = read_workbook(&path);
    let indicators = sheet(&book, "指标");
    let row_of = |name: &str, project: &str| {
        indicators
            .iter()
            .position(|r| text(&r[3]) == name && text(&r[1]) == project)
            .unwrap_or_else(|| panic!("no indicator {name}")) as u32
            + 1
    };
    let part_name = sheet_part(&book, "指标");
    let notes = notes(&path, &part_name);

    // A value split from its unit: the note is on 目标值 and says from what.
    let traffic = row_of("租赁代表流量卡流量", "1");
    assert_eq!(notes[&format!("F{traffic}")], "10G + 月 → 10 GB/月");
    // A unit read as another: on 单位.
    let ratio_row = indicators
        .iter()
        .position(|r| text(&r[9]) == "比例")
        .expect("a 比例 row") as u32
        + 1;
    assert!(notes[&format!("G{ratio_row}")].contains("单位 比例 → %"));
    // Collapsed duplicates: on 指标名称, naming the copies.
    let copies = row_of("受益人员满意度", "3");
    let note = &notes[&format!("D{copies}")];
    assert!(
        note.contains("4行相同") && note.contains("H28, H29, H34, H35"),
        "{note}"
    );
    // A row that lost its project: on 项目名称 (未归属), saying which project it followed.
    let unassigned = indicators
        .iter()
        .position(|r| text(&r[2]) == "(未归属)")
        .expect("an unassigned row") as u32
        + 1;
    assert!(notes[&format!("C{unassigned}")].contains("位于序号5"));
    // A qualitative target's unused operator is not a repair worth a note.
    let brand = row_of("租赁设备品牌", "1");
    assert!(
        !notes
            .keys()
            .any(|k| k.trim_start_matches(|c: char| c.is_ascii_uppercase()) == brand.to_string()),
        "no note on row {brand}"
    );

    // Fills: the shifted row's (未归属) cell is amber (warning); 合计's budget red (error).
    assert_eq!(
        fill(&path, &part_name, &format!("C{unassigned}")).as_deref(),
        Some(AMBER)
    );
    assert_eq!(
        fill(&path, &part_name, &format!("D{copies}")),
        None,
        "info does not fill"
    );
    let totals = sheet_part(&book, "合计");
    assert_eq!(fill(&path, &totals, "C2").as_deref(), Some(RED));
    assert_eq!(fill(&path, &totals, "F2").as_deref(), Some(AMBER));
    assert_eq!(fill(&path, &totals, "G2").as_deref(), Some(RED));
    assert_eq!(fill(&path, &totals, "B2"), None);
    // 问题 shows its severity in colour too.
    let problems = sheet_part(&book, "问题");
    let first_error = sheet(&book, "问题")
        .iter()
        .position(|r| text(&r[0]) == "错误")
        .expect("an error") as u32
        + 1;
    assert_eq!(
        fill(&path, &problems, &format!("A{first_error}")).as_deref(),
        Some(RED)
    );
}

#[test]
fn yuan_amounts_are_noted_on_the_budget_cell() {
    let wd = Workdir::new();
    wd.write(
        "dept.csv",
        "序号,项目名称,预算金额(元),指标名称,运算符,年度目标值,单位\n1,办公费,125000,满意度,≥,90,%\n"
            .as_bytes(),
    );
    wd.run_expect(
        &[
            "consolidate",
            "dept.csv",
            "-o",
            "s.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    let path = wd.path("s.xlsx");
    let book = read_workbook(&path);
    assert_eq!(number(cell(&book, "汇总", 1, 3)), 12.5);
    let notes = notes(&path, &sheet_part(&book, "汇总"));
    assert!(notes["D2"].contains("万元"), "{notes:?}");
}

#[test]
fn the_readme_sheet_says_how_the_summary_was_made() {
    let wd = Workdir::new();
    let (path, report) = run_seed(&wd, &[]);
    let book = read_workbook(&path);
    let readme = sheet(&book, "说明");
    let value_of = |label: &str| -> &Data {
        &readme
            .iter()
            .find(|r| r.first().map(text).as_deref() == Some(label))
            .unwrap_or_else(|| panic!("说明 has no {label}"))[1]
    };
    assert_eq!(text(value_of("程序")), "jixiao 0.1.0");
    assert!(text(value_of("规则文件")).contains("内置"));
    let rules = jixiao::load_rules(None).expect("rules");
    assert_eq!(text(value_of("规则文件 SHA-256")), rules.sha256());
    assert_eq!(rules.sha256().len(), 64);
    assert_eq!(number(value_of("项目数")), 11.0);
    assert_eq!(number(value_of("指标数")), 150.0);
    assert_eq!(
        number(value_of("错误")),
        report["totals"]["findings"]["error"]
            .as_f64()
            .expect("errors")
    );
    assert!(number(value_of("批注")) > 0.0);
    // Every finding code is explained, with its severity.
    for code in jixiao::finding::Code::ALL {
        let row = readme
            .iter()
            .find(|r| r.first().map(text).as_deref() == Some(code.as_str()))
            .unwrap_or_else(|| panic!("说明 does not explain {}", code.as_str()));
        assert_eq!(text(&row[1]), code.severity().label_zh());
        assert!(!text(&row[2]).is_empty());
    }
    // The inputs, with status and hash.
    let input = &report["inputs"][0];
    let row = readme
        .iter()
        .find(|r| r.first().map(text).as_deref() == input["path"].as_str())
        .expect("the input is listed");
    assert_eq!(text(&row[1]), "成功");
    assert_eq!(text(&row[3]), input["sha256"].as_str().expect("sha"));
    // No wall-clock time: a rerun is byte-identical.
    wd.run_expect(
        &[
            "consolidate",
            seed_path().to_str().expect("p"),
            "-o",
            "again.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    assert!(std::fs::read(&path).expect("a") == std::fs::read(wd.path("again.xlsx")).expect("b"));
}

#[test]
fn findings_about_a_whole_file_link_to_its_input_row() {
    let wd = Workdir::new();
    wd.write("in/broken.xlsx", b"PK\x03\x04 not a workbook");
    wd.write("in/dept.txt", seed_text().as_bytes());
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    let path = wd.path("s.xlsx");
    let book = read_workbook(&path);
    let f = formulas(&path);
    let problems = sheet(&book, "问题");
    let row = problems
        .iter()
        .position(|r| text(&r[1]) == "read_failed")
        .expect("read_failed") as u32;
    let (target, r, _, _) = link_target(&f["问题"][&(row, 8)]).expect("link");
    assert_eq!(target, "说明");
    assert_eq!(text(cell(&book, "说明", r, 0)), "in/broken.xlsx");
    assert_eq!(text(cell(&book, "说明", r, 1)), "失败");

    // Nothing readable at all: 合计 is a 总计 of zeros, with no formula summing itself.
    std::fs::remove_file(wd.path("in/dept.txt")).expect("remove");
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "none.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    let path = wd.path("none.xlsx");
    let book = read_workbook(&path);
    let totals = sheet(&book, "合计");
    assert_eq!(totals.len(), 3, "总计 and what is not split");
    assert_eq!(text(&totals[1][0]), "总计");
    assert_eq!(number(&totals[1][2]), 0.0);
    assert_eq!(number(&totals[2][2]), 0.0);
    assert!(formulas(&path)["合计"].is_empty());
}

#[test]
fn two_tables_of_one_department_keep_their_own_totals() {
    // Two files of the same department: same name in 部门, so the totals key on 部门编号.
    let wd = Workdir::new();
    wd.write("in/a.txt", seed_text().as_bytes());
    let mut smaller: Vec<String> = seed_text().lines().map(str::to_string).collect();
    smaller.truncate(15); // title, header and project 1 only
    smaller.push(seed_text().lines().last().expect("footnote").to_string());
    // Another project of the department (no project in common), so both tables are counted
    // rather than one superseding the other.
    let smaller = smaller
        .join("\n")
        .replace("无纸化设备租赁费", "无纸化设备租赁费(二期)");
    wd.write("in/b.txt", smaller.as_bytes());
    wd.run_expect(
        &[
            "consolidate",
            "in",
            "-o",
            "s.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    let path = wd.path("s.xlsx");
    let book = read_workbook(&path);
    let totals = sheet(&book, "合计");
    assert_eq!(
        text(&totals[1][0]),
        text(&totals[2][0]),
        "one department name"
    );
    assert_eq!(number(&totals[1][2]), 1119.5);
    assert_eq!(number(&totals[2][2]), 110.0);

    // Recalculate the SUMIFS the way a spreadsheet does, from 汇总 as written: each row gets
    // its own figure, equal to the cached one.
    let projects = sheet(&book, "汇总");
    let f = formulas(&path);
    let re = Regex::new(
        r"^SUMIFS\('汇总'!\$([A-Z])\$2:\$[A-Z]\$(\d+),'汇总'!\$M\$2:\$M\$\d+,\$P(\d+)\)$",
    )
    .expect("re");
    for row in 1..=2u32 {
        let c = re
            .captures(&f["合计"][&(row, 2)])
            .expect("a SUMIFS over 汇总");
        let col = (c[1].as_bytes()[0] - b'A') as usize;
        let last: usize = c[2].parse().expect("last");
        let key = number(&totals[c[3].parse::<usize>().expect("row") - 1][15]);
        let sum: f64 = projects[1..last]
            .iter()
            .filter(|p| number(&p[12]) == key)
            .map(|p| number(&p[col]))
            .sum();
        assert!((sum - number(&totals[row as usize][2])).abs() < 1e-9);
    }
}

#[test]
fn english_headers_come_from_the_table_and_sheet_names_stay() {
    let wd = Workdir::new();
    let (path, _) = run_seed(&wd, &["--lang", "en"]);
    let book = read_workbook(&path);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["汇总", "指标", "合计", "图表", "问题", "说明"]);
    let header: Vec<String> = sheet(&book, "汇总")[0].iter().map(text).collect();
    assert_eq!(
        header[..4],
        ["Department", "No.", "Project", "Budget (10k CNY)"]
    );
    assert_eq!(text(cell(&book, "合计", 2, 0)), "Total");
    assert!(
        sheet(&book, "指标")
            .iter()
            .any(|r| text(&r[2]) == "(unassigned)")
    );
    assert!(sheet(&book, "问题").iter().any(|r| text(&r[0]) == "Error"));

    // Nothing the writer says is left untranslated.
    let labels = Labels::new("en").expect("en");
    let rules = jixiao::load_rules(None).expect("rules");
    let options = jixiao::ConsolidateOptions::new(
        vec![seed_path().to_string_lossy().into_owned()],
        wd.path("unused.xlsx"),
    );
    let summary = jixiao::build_summary(&options, &rules, &|_| {}).expect("summary");
    jixiao::write_workbook_with(
        &summary,
        &wd.path("en.xlsx"),
        &WorkbookOptions::new(&labels),
    )
    .expect("write");
    assert_eq!(labels.missing(), Vec::<String>::new());

    let out = wd.run(&["consolidate", "x.txt", "-o", "s.xlsx", "--lang", "fr"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown language stops the run"
    );
}

/// Every string the report holds (names, messages, paths, sources, notes, units…): the data the
/// workbook shows as read or as raised, in whatever language it came.
fn report_strings(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.is_empty() => into.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| report_strings(v, into)),
        Value::Object(map) => map.values().for_each(|v| report_strings(v, into)),
        _ => {}
    }
}

/// Chinese (or full-width) characters, as a label left untranslated would show them.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF)
    })
}

#[test]
fn english_workbooks_hold_no_chinese_outside_data() {
    // Every text the writer itself says in --lang en is English; what stays Chinese is data:
    // what the inputs hold, the findings' messages, the rules' own words, the sheet names.
    let wd = Workdir::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    wd.run_expect(
        &[
            "consolidate",
            examples.to_str().expect("path"),
            "-o",
            "en.xlsx",
            "-q",
            "--lang",
            "en",
            "--fail-on",
            "never",
        ],
        0,
    );
    let mut data = Vec::new();
    report_strings(&wd.report("en.json"), &mut data);
    let rules = jixiao::load_rules(None).expect("rules");
    data.extend(rules.categories.level1.iter().cloned());
    data.extend(["汇总", "指标", "合计", "图表", "问题", "说明"].map(String::from));
    // The codes' meanings are the README's English, which names the domain's terms (合计,
    // 满意度, ~$名称.xlsx) as they are written.
    data.extend(
        jixiao::finding::Code::ALL
            .iter()
            .map(|c| c.meaning().to_string()),
    );
    data.sort_by_key(|s| std::cmp::Reverse(s.len()));
    data.dedup();
    let book = read_workbook(&wd.path("en.xlsx"));
    let mut checked = 0;
    for (name, rows) in &book {
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let shown = text(cell);
                if !has_chinese(&shown) {
                    continue;
                }
                checked += 1;
                let mut left = shown.clone();
                for d in &data {
                    if left.contains(d.as_str()) {
                        left = left.replace(d.as_str(), "");
                    }
                }
                assert!(
                    !has_chinese(&left),
                    "{name}!{}{}: {shown:?} says {left:?} in Chinese",
                    column_letters(c as u32),
                    r + 1
                );
            }
        }
    }
    assert!(checked > 100, "{checked} cells hold Chinese data");
}

#[test]
fn text_longer_than_a_cell_is_cut_with_a_finding() {
    let wd = Workdir::new();
    let overview = "概".repeat(40_000);
    wd.write(
        "dept.csv",
        format!(
            "序号,项目名称,项目概况,预算金额(万元),指标名称,运算符,年度目标值,单位\n1,办公费,{overview},12.5,满意度,≥,90,%\n"
        )
        .as_bytes(),
    );
    wd.run_expect(
        &[
            "consolidate",
            "dept.csv",
            "-o",
            "s.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    let report = wd.report("s.json");
    let long: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "text_too_long")
        .collect();
    assert_eq!(long.len(), 1);
    assert_eq!(long[0]["severity"], "warning");
    assert!(long[0]["message"].as_str().expect("m").contains("项目概况"));
    // The report keeps it whole; the cell holds Excel's maximum, ending in "…".
    assert_eq!(
        report["departments"][0]["projects"][0]["overview"]
            .as_str()
            .expect("overview")
            .chars()
            .count(),
        40_000
    );
    let book = read_workbook(&wd.path("s.xlsx"));
    let shown = text(cell(&book, "汇总", 1, 9));
    assert_eq!(shown.chars().count(), 32_767);
    assert!(shown.ends_with('…'));
}

#[test]
fn indicators_continue_on_further_sheets_and_links_follow() {
    let wd = Workdir::new();
    let rules = jixiao::load_rules(None).expect("rules");
    let options = jixiao::ConsolidateOptions::new(
        vec![seed_path().to_string_lossy().into_owned()],
        wd.path("unused.xlsx"),
    );
    let summary = jixiao::build_summary(&options, &rules, &|_| {}).expect("summary");
    let labels = Labels::default();
    let options = WorkbookOptions {
        rows_per_sheet: 40,
        max_notes: 4,
        ..WorkbookOptions::new(&labels)
    };
    let path = wd.path("split.xlsx");
    jixiao::write_workbook_with(&summary, &path, &options).expect("write");
    let book = read_workbook(&path);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "汇总",
            "指标",
            "指标(2)",
            "指标(3)",
            "指标(4)",
            "合计",
            "图表",
            "问题",
            // The seed's 53 findings take two parts of 40 rows, as 指标 does (issue 16).
            "问题(2)",
            "说明"
        ]
    );
    let rows: Vec<usize> = ["指标", "指标(2)", "指标(3)", "指标(4)"]
        .iter()
        .map(|n| sheet(&book, n).len() - 1)
        .collect();
    assert_eq!(rows, [40, 40, 40, 30]);
    for name in ["指标(2)", "指标(3)", "指标(4)"] {
        assert_eq!(sheet(&book, name)[0].len(), IndicatorColumn::HEADERS.len());
        assert_eq!(text(&sheet(&book, name)[0][3]), "指标名称");
    }
    // The last shifted row (A160) is on 指标(4); its 问题 row links there.
    let f = formulas(&path);
    let problems = sheet(&book, "问题");
    let mut seen_parts = std::collections::BTreeSet::new();
    for (n, row) in problems.iter().enumerate().skip(1) {
        if text(&row[1]) != "shifted_row" {
            continue;
        }
        let (target, r, _, _) = link_target(&f["问题"][&(n as u32, 8)]).expect("link");
        let source = text(cell(&book, &target, r, 11));
        assert!(source.ends_with(&format!("!{}", text(&row[6]))), "{source}");
        seen_parts.insert(target);
    }
    assert!(seen_parts.contains("指标(4)"), "{seen_parts:?}");
    // Notes stop at the workbook's allowance; 说明 counts the repairs left without one. The
    // seed has no 元 amounts, so 汇总 leaves its quarter unused and 指标 takes all four.
    let per_part: Vec<usize> = ["汇总", "指标", "指标(2)", "指标(3)", "指标(4)"]
        .iter()
        .map(|n| notes(&path, &sheet_part(&book, n)).len())
        .collect();
    assert_eq!(per_part.iter().sum::<usize>(), 4, "{per_part:?}");
    let readme = sheet(&book, "说明");
    let count = |label: &str| {
        number(
            &readme
                .iter()
                .find(|r| text(&r[0]) == label)
                .unwrap_or_else(|| panic!("说明 has no {label}"))[1],
        )
    };
    let written = count("批注");
    let skipped = count("超出批注上限、只记在标注列的修改");
    assert!(written == 4.0 && skipped > 0.0, "{written} {skipped}");
    // The 说明 sheet lists every part.
    for name in ["指标", "指标(2)", "指标(3)", "指标(4)"] {
        assert!(
            readme.iter().any(|r| text(&r[0]) == name),
            "说明 lists {name}"
        );
    }
}

#[test]
fn amount_and_operator_findings_land_on_their_own_cells() {
    let wd = Workdir::new();
    wd.write(
        "dept.csv",
        "序号,项目名称,预算金额(万元),本级支出(万元),转移支付支出(万元),指标名称,运算符,年度目标值,单位\n\
         1,办公费,12.5,abc,0,满意度,约,90,%\n"
            .as_bytes(),
    );
    wd.run_expect(
        &[
            "consolidate",
            "dept.csv",
            "-o",
            "s.xlsx",
            "-q",
            "--fail-on",
            "never",
        ],
        0,
    );
    let path = wd.path("s.xlsx");
    let book = read_workbook(&path);
    let f = formulas(&path);
    let problems = sheet(&book, "问题");
    let target = |code: &str| {
        let row = problems
            .iter()
            .position(|r| text(&r[1]) == code)
            .unwrap_or_else(|| panic!("no {code}")) as u32;
        link_target(&f["问题"][&(row, 8)]).expect("link")
    };
    // 本级支出 "abc" (D2 in the source) is 汇总's 本级支出 of the project, left empty and red.
    let (sheet_name, r, c, shown) = target("bad_amount");
    assert_eq!((sheet_name.as_str(), r, c), ("汇总", 1, 4));
    assert_eq!(shown, "汇总!E2");
    assert_eq!(
        fill(&path, &sheet_part(&book, "汇总"), "E2").as_deref(),
        Some(RED)
    );
    // The unknown operator (G2, right of the indicator's name) is the indicator's 运算符.
    let (sheet_name, r, c, _) = target("unknown_operator");
    assert_eq!((sheet_name.as_str(), r, c), ("指标", 1, 4));
    assert_eq!(text(cell(&book, "指标", 1, 4)), "约");
    assert_eq!(
        fill(&path, &sheet_part(&book, "指标"), "E2").as_deref(),
        Some(AMBER)
    );
}

/// The summary of examples/ and the seed: six departments' layouts and formats, and findings of
/// most kinds.
fn examples_and_seed() -> (Workdir, jixiao::Summary) {
    let wd = Workdir::new();
    let rules = jixiao::load_rules(None).expect("rules");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/departments");
    let options = jixiao::ConsolidateOptions::new(
        vec![
            examples.to_string_lossy().into_owned(),
            seed_path().to_string_lossy().into_owned(),
        ],
        wd.path("unused.xlsx"),
    );
    let summary = jixiao::build_summary(&options, &rules, &|_| {}).expect("summary");
    (wd, summary)
}

#[test]
fn findings_about_a_cell_say_what_they_are_about() {
    // Each stage records what a finding is about as it raises it, and the workbook places the
    // finding from that alone: a finding that names a source cell is about a part of its
    // department's table, never about the input as a whole; one that names none, about the
    // input or a sheet. Written twice, the workbook is the same bytes.
    let (wd, summary) = examples_and_seed();
    let with_cell = summary.findings.iter().filter(|f| f.cell.is_some()).count();
    assert!(with_cell > 50, "{with_cell} findings name a cell");
    for f in &summary.findings {
        assert_eq!(
            f.cell.is_some(),
            f.subject != jixiao::finding::Subject::Input,
            "{f:?}"
        );
    }
    jixiao::write_workbook(&summary, &wd.path("a.xlsx")).expect("write");
    jixiao::write_workbook(&summary, &wd.path("b.xlsx")).expect("write");
    let (a, b) = (
        std::fs::read(wd.path("a.xlsx")).expect("read"),
        std::fs::read(wd.path("b.xlsx")).expect("read"),
    );
    assert!(a == b, "the two workbooks differ");
}

#[test]
fn split_sheets_give_out_notes_as_one_sheet_would() {
    // Parts of 指标 past the row limit are written side by side; each works out from the
    // departments' surveys how many notes the parts before it gave out. Whatever the split,
    // the same rows must carry the same notes as on one unsplit sheet.
    let (wd, summary) = examples_and_seed();
    let labels = Labels::default();
    // Notes by row of the whole 指标 table (header excluded), over its parts in order.
    let notes_by_row = |rows_per_sheet: u32, max_notes: usize, name: &str| {
        let options = WorkbookOptions {
            rows_per_sheet,
            max_notes,
            ..WorkbookOptions::new(&labels)
        };
        let path = wd.path(name);
        jixiao::write_workbook_with(&summary, &path, &options).expect("write");
        let book = read_workbook(&path);
        let mut all = BTreeMap::new();
        let parts = book.iter().filter(|(n, _)| n.starts_with("指标"));
        for (part, (sheet_name, _)) in parts.enumerate() {
            for (cell, text) in notes(&path, &sheet_part(&book, sheet_name)) {
                let row: usize = cell
                    .trim_start_matches(|c: char| c.is_ascii_uppercase())
                    .parse()
                    .expect("row");
                let column = cell
                    .trim_end_matches(|c: char| c.is_ascii_digit())
                    .to_string();
                all.insert((part * rows_per_sheet as usize + row - 1, column), text);
            }
        }
        all
    };
    let whole = notes_by_row(1_048_575, 4000, "whole.xlsx");
    assert!(whole.len() > 20, "{} notes", whole.len());
    for (rows, cap) in [(37, 4000), (37, 60), (101, 12), (5, 9)] {
        let capped_whole = notes_by_row(1_048_575, cap, &format!("whole-{cap}.xlsx"));
        let split = notes_by_row(rows, cap, &format!("split-{rows}-{cap}.xlsx"));
        assert_eq!(split, capped_whole, "{rows} rows a sheet, {cap} notes");
    }
}
