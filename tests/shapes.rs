//! Every layout and format departments publish (issue 3), each read by the real binary from a
//! file built here, with the projects, budgets in 万元, indicators and findings checked.

mod common;

use std::collections::BTreeMap;

use common::*;
use rust_xlsxwriter::{Format, Formula, Workbook};
use serde_json::Value;

/// Runs `consolidate` on `input` (a path in the work directory) and returns the report.
fn consolidate(wd: &Workdir, input: &str) -> Value {
    let stem = input.replace('/', "_");
    let out = format!("{stem}.out.xlsx");
    wd.run_expect(
        &["consolidate", input, "-o", &out, "-q", "--fail-on", "never"],
        0,
    );
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

fn projects(report: &Value, dept: usize) -> &Vec<Value> {
    report["departments"][dept]["projects"]
        .as_array()
        .expect("projects")
}

fn indicator<'a>(project: &'a Value, name: &str) -> &'a Value {
    project["indicators"]
        .as_array()
        .expect("indicators")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no indicator {name} in {project}"))
}

/// (op, value, unit) of an indicator, for compact assertions.
fn target(i: &Value) -> (String, Option<f64>, String) {
    (
        i["op"].as_str().expect("op").to_string(),
        i["value"].as_f64(),
        i["unit"].as_str().expect("unit").to_string(),
    )
}

fn t(op: &str, value: f64, unit: &str) -> (String, Option<f64>, String) {
    (op.to_string(), Some(value), unit.to_string())
}

/// Writes rows of text to an xlsx sheet, figures as numbers; `merges` are (r0, c0, r1, c1).
fn xlsx_sheet(workbook: &mut Workbook, name: &str, grid: &[Vec<String>], merges: &[Block]) {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).expect("name");
    let covered = |r: u32, c: u16| {
        merges
            .iter()
            .any(|&(r0, c0, r1, c1)| r >= r0 && r <= r1 && c >= c0 && c <= c1 && (r, c) != (r0, c0))
    };
    for (r, row) in grid.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if text.is_empty() || covered(r, c) {
                continue;
            }
            match text.parse::<f64>() {
                Ok(n) => sheet.write_number(r, c, n).expect("number"),
                Err(_) => sheet.write_string(r, c, text).expect("string"),
            };
        }
    }
    for &(r0, c0, r1, c1) in merges {
        let top = &grid[r0 as usize][c0 as usize];
        sheet
            .merge_range(r0, c0, r1, c1, "", &Format::new())
            .expect("merge");
        match top.parse::<f64>() {
            Ok(n) => sheet.write_number(r0, c0, n).expect("number"),
            Err(_) => sheet.write_string(r0, c0, top).expect("string"),
        };
    }
}

/// A merged block: first row, first column, last row, last column.
type Block = (u32, u16, u32, u16);

/// A sheet to write: its name, rows of text and merged blocks.
type SheetSpec<'a> = (&'a str, &'a [Vec<String>], &'a [Block]);

fn xlsx(sheets: &[SheetSpec<'_>]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, grid, merges) in sheets {
        xlsx_sheet(&mut workbook, name, grid, merges);
    }
    workbook.save_to_buffer().expect("xlsx")
}

// ---------------------------------------------------------------- 1. header anywhere, synonyms

#[test]
fn header_below_titles_and_blank_rows_with_synonyms_and_no_second_level() {
    let wd = Workdir::new();
    let grid = rows(
        "市文化广电旅游局2024年度部门预算项目绩效目标\n\
         单位名称:市文化广电旅游局\n\
         单位:万元\n\
         \n\
         \n\
         编号\t项目\t项目简介\t资金总额\t本级资金\t转移支付资金\t绩效目标\t绩效指标名称\t比较符\t年度指标值\t度量单位\n\
         1\t文物保护修缮\t修缮文物\t80\t80\t0\t完成修缮\t修缮文物数量\t≥\t6\t处\n\
         \t\t\t\t\t\t\t验收合格率\t=\t100\t%\n\
         \t\t\t\t\t\t\t文物利用率提升\t≥\t5\t%\n\
         \t\t\t\t\t\t\t游客满意度\t≥\t90\t%\n\
         2\t公共文化服务\t开展活动\t45.5\t30\t15.5\t丰富生活\t举办活动场次\t≥\t120\t场\n\
         \t\t\t\t\t\t\t群众参与率\t≥\t60\t%\n\
         \t\t\t\t\t\t\t群众满意度\t≥\t90\t%\n\
         合计\t\t\t125.5\t110\t15.5",
    );
    wd.write("culture.xlsx", &xlsx(&[("Sheet1", &grid, &[])]));
    let report = consolidate(&wd, "culture.xlsx");
    let dept = &report["departments"][0];
    assert_eq!(dept["name"], "市文化广电旅游局");
    assert_eq!(dept["name_source"], "Sheet1!A2");
    assert_eq!(dept["declared"]["sum_row_wan"], 125.5);
    let p = projects(&report, 0);
    assert_eq!(p.len(), 2);
    assert_eq!(
        (p[0]["seq"].as_str(), p[0]["name"].as_str()),
        (Some("1"), Some("文物保护修缮"))
    );
    assert_eq!(p[0]["budget_wan"], 80.0);
    assert_eq!(
        (p[1]["budget_wan"].as_f64(), p[1]["own_wan"].as_f64()),
        (Some(45.5), Some(30.0))
    );
    assert_eq!(p[1]["transfer_wan"], 15.5);
    assert_eq!(p[0]["indicators"].as_array().expect("i").len(), 4);
    assert_eq!(target(indicator(&p[0], "修缮文物数量")), t("≥", 6.0, "处"));
    assert_eq!(target(indicator(&p[0], "验收合格率")), t("=", 100.0, "%"));
    assert_eq!(
        target(indicator(&p[1], "举办活动场次")),
        t("≥", 120.0, "场")
    );
    assert_eq!(indicator(&p[1], "举办活动场次")["source"], "Sheet1!H11");
    // A 万元 unit line changes nothing, and nothing is amiss in the reading (the reviewer marks
    // the 产出 coverage of both projects).
    assert!(p[0]["notes"].as_array().expect("notes").is_empty());
    assert_eq!(
        codes(&report),
        BTreeMap::from([("incomplete_output".to_string(), 2)]),
        "{report}"
    );
}

// ---------------------------------------------------------------- 2. three levels

#[test]
fn three_level_indicators_keep_their_levels_merged_or_blank() {
    let wd = Workdir::new();
    let header =
        "序号\t项目名称\t预算数(万元)\t一级指标\t二级指标\t三级指标\t指标值符号\t指标值\t计量单位";
    let grid = rows(&format!(
        "市民政局2024年项目支出绩效目标表\n{header}\n\
         1\t社会救助\t500\t产出指标\t数量指标\t救助人数\t≥\t3000\t人\n\
         \t\t\t\t\t发放批次\t≥\t12\t批\n\
         \t\t\t\t质量指标\t发放准确率\t=\t100\t%\n\
         \t\t\t效益指标\t满意度指标\t受助对象满意度\t≥\t90\t%\n\
         2\t养老服务补贴\t200\t产出指标\t时效指标\t补贴发放及时率\t≥\t95\t%\n\
         \t\t\t\t\t补贴发放及时率\t≥\t95\t%\n\
         合计\t\t700"
    ));
    // The workbook merges the project cells and the level cells down; the text leaves them blank.
    let merges = [
        (2, 0, 5, 0),
        (2, 1, 5, 1),
        (2, 2, 5, 2),
        (2, 3, 4, 3),
        (2, 4, 3, 4),
        (6, 0, 7, 0),
        (6, 1, 7, 1),
        (6, 2, 7, 2),
        (6, 3, 7, 3),
        (6, 4, 7, 4),
    ];
    wd.write("xlsx/Sheet1.xlsx", &xlsx(&[("Sheet1", &grid, &merges)]));
    let tsv: Vec<String> = grid.iter().map(|r| r.join("\t")).collect();
    wd.write("txt/Sheet1.txt", tsv.join("\n").as_bytes());

    let mut reports = Vec::new();
    for input in ["xlsx", "txt"] {
        let report = consolidate(&wd, input);
        let p = projects(&report, 0);
        assert_eq!(p.len(), 2, "{input}");
        assert_eq!(p[0]["budget_wan"], 500.0);
        let levels = |project: &Value| -> Vec<(String, String, String)> {
            project["indicators"]
                .as_array()
                .expect("i")
                .iter()
                .map(|i| {
                    (
                        i["level1"].as_str().unwrap_or("-").to_string(),
                        i["level2"].as_str().unwrap_or("-").to_string(),
                        i["name"].as_str().expect("name").to_string(),
                    )
                })
                .collect()
        };
        let l = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            levels(&p[0]),
            vec![
                l("产出指标", "数量指标", "救助人数"),
                l("产出指标", "数量指标", "发放批次"),
                l("产出指标", "质量指标", "发放准确率"),
                l("效益指标", "满意度指标", "受助对象满意度"),
            ],
            "{input}"
        );
        assert_eq!(target(indicator(&p[0], "发放批次")), t("≥", 12.0, "批"));
        // The two identical rows of project 2 are one, with their levels.
        let timely = indicator(&p[1], "补贴发放及时率");
        assert_eq!(timely["copies"], 2);
        assert_eq!(
            (timely["level1"].as_str(), timely["level2"].as_str()),
            (Some("产出指标"), Some("时效指标"))
        );
        assert_eq!(findings(&report, "duplicate_row").len(), 1);
        assert_eq!(findings(&report, "unrecognized_row").len(), 0);
        reports.push(report);
    }
    // The 指标 sheet shows the levels in the two columns after 来源.
    let book = read_workbook(&wd.path("xlsx.out.xlsx"));
    let sheet_rows = sheet(&book, "指标");
    assert_eq!(text(&sheet_rows[0][12]), "一级指标");
    assert_eq!(text(&sheet_rows[0][13]), "二级指标");
    let row = sheet_rows
        .iter()
        .find(|r| text(&r[3]) == "受助对象满意度")
        .expect("row");
    assert_eq!(
        (text(&row[12]).as_str(), text(&row[13]).as_str()),
        ("效益指标", "满意度指标")
    );
    // Levels the file gives are marked as given; a table without them has them inferred.
    assert_eq!(
        indicator(&projects(&reports[0], 0)[0], "救助人数")["category_source"],
        "given"
    );
    let wd2 = Workdir::new();
    wd2.write("seed.txt", seed_text().as_bytes());
    let seed = consolidate(&wd2, "seed.txt");
    let first = &projects(&seed, 0)[0]["indicators"][0];
    assert_eq!(first["category_source"], "inferred", "{first}");
}

// ---------------------------------------------------------------- 3. one-cell targets

#[test]
fn targets_with_operator_and_unit_in_one_cell_are_split() {
    let wd = Workdir::new();
    let cases = [
        ("覆盖率", "≥95%"),
        ("响应时间", "≤1小时"),
        ("验收合格率", "=100%"),
        ("达标率", "95%以上"),
        ("满意度", "不低于95%"),
        ("服务人次", "不少于1000个"),
        ("办理时限", "不超过0.5小时"),
        ("使用年限", "大于6年"),
        ("完成率", "达到100%"),
        ("服务质量", "明显提升"),
        ("工作效率", "较上年提高"),
        ("流量", "≥ 10G/月"),
        ("故障率", "＜＝ 1 ％"),
    ];
    let mut text = String::from("序号,项目名称,预算金额(万元),指标名称,指标值\n1,政务服务,88");
    for (i, (name, value)) in cases.iter().enumerate() {
        if i == 0 {
            text.push_str(&format!(",{name},{value}\n"));
        } else {
            text.push_str(&format!(",,,{name},{value}\n"));
        }
    }
    wd.write("one_cell.csv", text.as_bytes());
    let report = consolidate(&wd, "one_cell.csv");
    let p = &projects(&report, 0)[0];
    assert_eq!(p["budget_wan"], 88.0);
    let expect = [
        ("覆盖率", t("≥", 95.0, "%")),
        ("响应时间", t("≤", 1.0, "小时")),
        ("验收合格率", t("=", 100.0, "%")),
        ("达标率", t("≥", 95.0, "%")),
        ("满意度", t("≥", 95.0, "%")),
        ("服务人次", t("≥", 1000.0, "个")),
        ("办理时限", t("≤", 0.5, "小时")),
        ("使用年限", t(">", 6.0, "年")),
        // 达到 means at least.
        ("完成率", t("≥", 100.0, "%")),
        ("流量", t("≥", 10.0, "GB/月")),
        ("故障率", t("≤", 1.0, "%")),
    ];
    for (name, want) in expect {
        let i = indicator(p, name);
        assert_eq!(target(i), want, "{name}: {i}");
        // The cell as written is kept, and the split is noted.
        let raw = cases.iter().find(|c| c.0 == name).expect("case").1;
        assert_eq!(i["raw"]["value"], raw);
        assert_eq!(i["raw"]["op"], "");
        assert!(
            i["notes"]
                .as_array()
                .expect("notes")
                .iter()
                .any(|n| n.as_str().expect("note").contains('→')),
            "{i}"
        );
    }
    for (name, words) in [("服务质量", "明显提升"), ("工作效率", "较上年提高")] {
        let i = indicator(p, name);
        assert_eq!(
            (i["op"].as_str(), i["value"].is_null(), i["text"].as_str()),
            (Some("定性"), true, Some(words))
        );
    }
    assert_eq!(indicator(p, "满意度")["text"], "95");
    assert_eq!(findings(&report, "unknown_operator").len(), 0);
}

// ---------------------------------------------------------------- 4. amounts in 元

#[test]
fn amounts_in_yuan_become_wan_from_the_header_or_a_unit_line() {
    let wd = Workdir::new();
    let body = "1\t办公设备购置\t1,250,000.00\t设备数量\t≥\t50\t台\n\
                2\t信息系统运维\t386000\t系统可用率\t≥\t99\t%\n\
                合计\t\t1636000";
    let by_header = rows(&format!(
        "序号\t项目名称\t预算数(元)\t指标名称\t运算符\t目标值\t单位\n{body}"
    ));
    let by_line = rows(&format!(
        "市统计局项目绩效目标表\n单位名称:市统计局    单位\u{FF1A}元\n序号\t项目名称\t预算金额\t指标名称\t运算符\t目标值\t单位\n{body}"
    ));
    wd.write("header/Sheet1.xlsx", &xlsx(&[("Sheet1", &by_header, &[])]));
    wd.write("line/Sheet1.xlsx", &xlsx(&[("Sheet1", &by_line, &[])]));
    for (input, from) in [("header", ""), ("line", "A2「单位:元」")] {
        let report = consolidate(&wd, input);
        let p = projects(&report, 0);
        assert_eq!(p[0]["budget_wan"], 125.0, "{input}");
        if input == "line" {
            assert_eq!(report["departments"][0]["name"], "市统计局");
        }
        assert_eq!(p[1]["budget_wan"], 38.6, "{input}");
        assert_eq!(
            report["departments"][0]["declared"]["sum_row_wan"], 163.6,
            "{input}"
        );
        let note = p[0]["notes"][0].as_str().expect("note");
        assert!(note.contains("金额原以元填报"), "{note}");
        assert!(note.contains("已换算为万元 (÷10000)"), "{note}");
        assert!(note.contains(from), "{note}");
        // The 合计 row agrees once both are in 万元.
        assert!(findings(&report, "sum_mismatch").is_empty(), "{input}");
        // The indicator's own 元 is not an amount and stays as written.
        assert_eq!(target(indicator(&p[1], "系统可用率")), t("≥", 99.0, "%"));
    }
}

// ---------------------------------------------------------------- 5. repeated, blank, note rows

#[test]
fn repeated_project_cells_blank_continuations_and_note_rows_inside_the_table() {
    let wd = Workdir::new();
    let grid = rows(
        "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
         1\t道路保洁\t60\t保洁面积\t≥\t200\t万平方米\n\
         1\t道路保洁\t60\t保洁质量达标率\t≥\t95\t%\n\
         1\t道路保洁\t60\t群众满意度\t≥\t90\t%\n\
         \n\
         2\t垃圾清运\t40\t清运量\t≥\t3\t万吨\n\
         \t\t\t清运及时率\t=\t100\t%\n\
         注:以上指标由城管局审核\n\
         \t\t\t\t\t\t备注:清运量按年统计\n\
         合计\t\t100",
    );
    wd.write("city.xlsx", &xlsx(&[("Sheet1", &grid, &[])]));
    let report = consolidate(&wd, "city.xlsx");
    let p = projects(&report, 0);
    assert_eq!(p.len(), 2, "{report}");
    assert_eq!(p[0]["indicators"].as_array().expect("i").len(), 3);
    assert_eq!(
        p[0]["budget_wan"], 60.0,
        "a repeated amount is counted once"
    );
    assert_eq!(p[1]["indicators"].as_array().expect("i").len(), 2);
    assert_eq!(report["totals"]["budget_wan"], 100.0);
    assert!(findings(&report, "sum_mismatch").is_empty());
    // Note rows inside the table (注:…, 备注:…) are findings quoting their text; the blank
    // row is nothing.
    assert!(findings(&report, "unrecognized_row").is_empty());
    let unrecognized = findings(&report, "note_row");
    let cells: Vec<&str> = unrecognized
        .iter()
        .map(|f| f["cell"].as_str().expect("cell"))
        .collect();
    assert_eq!(cells, vec!["A8", "G9"], "{unrecognized:?}");
    assert!(
        unrecognized[0]["message"]
            .as_str()
            .expect("m")
            .contains("注:以上指标由城管局审核")
    );
    assert!(
        unrecognized[1]["message"]
            .as_str()
            .expect("m")
            .contains("备注:清运量按年统计")
    );
    // Rows in: 5 indicator rows, all kept.
    assert_eq!(report["totals"]["indicators"], 5);
}

// ---------------------------------------------------------------- 6. several tables

#[test]
fn every_visible_sheet_with_a_table_is_its_own_department() {
    let wd = Workdir::new();
    let table = |title: &str| {
        rows(&format!(
            "{title}序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
             1\t项目甲\t10\t数量\t≥\t1\t个\n\
             2\t项目乙\t20\t质量\t=\t100\t%"
        ))
    };
    let education = table("市教育局2024年项目绩效目标表\n");
    let health = table("");
    let notes = rows("填表说明\n1. 金额单位为万元");
    let mut workbook = Workbook::new();
    xlsx_sheet(&mut workbook, "教育", &education, &[]);
    xlsx_sheet(&mut workbook, "卫健委", &health, &[]);
    xlsx_sheet(&mut workbook, "说明", &notes, &[]);
    xlsx_sheet(
        &mut workbook,
        "收支情况",
        &rows("收入\t金额\n财政拨款\t100"),
        &[],
    );
    xlsx_sheet(&mut workbook, "隐藏", &health, &[]);
    workbook
        .worksheet_from_name("隐藏")
        .expect("sheet")
        .set_hidden(true);
    workbook.add_worksheet().set_name("空白").expect("name");
    wd.write("book.xlsx", &workbook.save_to_buffer().expect("xlsx"));

    let report = consolidate(&wd, "book.xlsx");
    let names: Vec<(&str, &str)> = report["departments"]
        .as_array()
        .expect("d")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().expect("n"),
                d["sheet"].as_str().expect("s"),
            )
        })
        .collect();
    assert_eq!(names, vec![("市教育局", "教育"), ("卫健委", "卫健委")]);
    assert_eq!(report["departments"][1]["name_source"], "sheet name");
    assert_eq!(projects(&report, 0)[1]["budget_wan"], 20.0);
    assert_eq!(projects(&report, 1).len(), 2);
    let input = &report["inputs"][0];
    assert_eq!(input["status"], "ok");
    let sheets: Vec<(&str, &str)> = input["sheets"]
        .as_array()
        .expect("sheets")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("n"),
                s["status"].as_str().expect("s"),
            )
        })
        .collect();
    for want in [
        ("教育", "table"),
        ("卫健委", "table"),
        ("说明", "ignored"),
        ("收支情况", "no_table"),
        ("隐藏", "hidden"),
        ("空白", "empty"),
    ] {
        assert!(sheets.contains(&want), "{want:?} not in {sheets:?}");
    }
    assert_eq!(sheets.len(), 6);
    let no_table = findings(&report, "no_table");
    assert_eq!(no_table.len(), 1);
    assert_eq!(no_table[0]["sheet"], "收支情况");
    assert_eq!(findings(&report, "hidden_sheet")[0]["sheet"], "隐藏");
    assert_eq!(report["totals"]["departments"], 2);
}

// ---------------------------------------------------------------- 7. formats

const WATER: &str = "市水利局2024年项目绩效目标表\n\
单位:万元\n\
序号\t项目名称\t项目概况\t预算金额\t本级支出\t转移支付支出\t年度绩效目标\t指标名称\t运算符\t年度目标值\t单位\n\
1\t河道整治\t整治河道\t300\t200\t100\t完成整治\t整治河道长度\t≥\t12\t公里\n\
\t\t\t\t\t\t\t水环境改善率\t≥\t90\t%\n\
\t\t\t\t\t\t\t群众满意度\t≥\t85\t%\n\
2\t水库维护\t维护水库\t150.5\t150.5\t0\t保障安全\t维护水库数量\t=\t8\t座\n\
\t\t\t\t\t\t\t防洪能力提升\t\t明显\t\n\
\t\t\t\t\t\t\t周边群众满意度\t≥\t90\t%\n\
合计\t\t\t450.5\t350.5\t100";

fn html_table(grid: &[Vec<String>]) -> String {
    let mut page = String::from(
        "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\"></head><body>",
    );
    page.push_str(&format!(
        "<h3>{}</h3><p>{}</p><table border=1>",
        grid[0][0], grid[1][0]
    ));
    for row in &grid[2..] {
        page.push_str("<tr>");
        for cell in row {
            page.push_str(&format!("<td>{}</td>", cell.replace('&', "&amp;")));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table></body></html>");
    page
}

#[test]
fn every_format_gives_the_same_table() {
    let wd = Workdir::new();
    let grid = rows(WATER);
    let xlsx_bytes = xlsx(&[("Sheet1", &grid, &[])]);
    // In a workbook that merges its projects, every multi-row project is merged.
    let merged = |sheet: FxSheet| (0..7).fold(sheet, |s, c| s.merge(3, c, 5, c).merge(6, c, 8, c));
    let hidden = FxSheet::from_rows(
        "旧表",
        &rows("序号\t项目名称\t指标名称\t目标值\n9\t不该读\t数量\t1"),
    )
    .hidden();
    wd.write("xlsx/Sheet1.xlsx", &xlsx_bytes);
    wd.write(
        "xls/Sheet1.xls",
        &xls_workbook(&[merged(FxSheet::from_rows("Sheet1", &grid)), hidden.clone()]),
    );
    wd.write(
        "xlsb/Sheet1.xlsb",
        &xlsb_workbook(&[FxSheet::from_rows("Sheet1", &grid), hidden.clone()]),
    );
    wd.write(
        "ods/Sheet1.ods",
        &ods_workbook(&[merged(FxSheet::from_rows("Sheet1", &grid)), hidden]),
    );
    let tsv = WATER.to_string();
    let csv: String = grid
        .iter()
        .map(|r| r.join(","))
        .collect::<Vec<_>>()
        .join("\r\n");
    wd.write("utf8/Sheet1.tsv", tsv.as_bytes());
    wd.write("bom/Sheet1.csv", format!("\u{FEFF}{csv}").as_bytes());
    wd.write("gbk/Sheet1.csv", &encoding_rs::GBK.encode(&csv).0);
    wd.write("gb18030/Sheet1.txt", &encoding_rs::GB18030.encode(&tsv).0);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(tsv.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    wd.write("utf16/Sheet1.txt", &utf16);
    wd.write(
        "html/Sheet1.xls",
        &encoding_rs::GBK.encode(&html_table(&grid)).0,
    );
    wd.write("renamed/Sheet1.xls", &xlsx_bytes);
    wd.write("textxls/Sheet1.xls", tsv.as_bytes());

    let baseline = consolidate(&wd, "xlsx");
    let dept = &baseline["departments"][0];
    assert_eq!(dept["name"], "市水利局");
    assert_eq!(dept["year"], 2024);
    let p = projects(&baseline, 0);
    assert_eq!(p.len(), 2);
    assert_eq!(
        p.iter()
            .map(|p| p["budget_wan"].as_f64().expect("budget"))
            .collect::<Vec<_>>(),
        vec![300.0, 150.5]
    );
    assert_eq!(p[0]["indicators"].as_array().expect("i").len(), 3);
    assert_eq!(
        target(indicator(&p[0], "整治河道长度")),
        t("≥", 12.0, "公里")
    );
    assert_eq!(target(indicator(&p[1], "维护水库数量")), t("=", 8.0, "座"));
    // Nothing amiss in the reading; the reviewer marks the 产出 coverage of both projects.
    assert_eq!(
        codes(&baseline),
        BTreeMap::from([("incomplete_output".to_string(), 2)]),
        "{baseline}"
    );

    for (input, extra) in [
        ("xls", Some("hidden_sheet")),
        ("xlsb", Some("hidden_sheet")),
        ("ods", Some("hidden_sheet")),
        ("utf8", None),
        ("bom", None),
        ("gbk", None),
        ("gb18030", None),
        ("utf16", None),
        ("html", Some("format_mismatch")),
        ("renamed", Some("format_mismatch")),
        ("textxls", Some("format_mismatch")),
    ] {
        let report = consolidate(&wd, input);
        assert_eq!(
            first_difference(
                &report["departments"][0]["projects"],
                &dept["projects"],
                input
            ),
            None
        );
        assert_eq!(report["departments"][0]["name"], "市水利局", "{input}");
        let mut want = codes(&baseline);
        if let Some(code) = extra {
            want.insert(code.to_string(), 1);
        }
        assert_eq!(codes(&report), want, "{input}: {}", report["findings"]);
        if input == "html" {
            let m = findings(&report, "format_mismatch")[0]["message"]
                .as_str()
                .expect("m")
                .to_string();
            assert!(m.contains("HTML"), "{m}");
        }
        if extra == Some("hidden_sheet") {
            assert_eq!(findings(&report, "hidden_sheet")[0]["sheet"], "旧表");
        }
    }
}

#[test]
fn files_that_are_not_tables_under_a_workbook_name_are_refused_with_the_reason() {
    let wd = Workdir::new();
    wd.write("in/report.xls", b"%PDF-1.4\n%binary");
    wd.write(
        "in/mhtml.xls",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n",
    );
    wd.write("in/word.xls", &word97_document());
    wd.write("in/seed.txt", seed_text().as_bytes());
    let report = consolidate(&wd, "in");
    let inputs: BTreeMap<&str, (&str, &str)> = report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().expect("p"),
                (
                    i["status"].as_str().expect("s"),
                    i["reason"].as_str().unwrap_or(""),
                ),
            )
        })
        .collect();
    for (path, what) in [
        ("in/report.xls", "PDF"),
        ("in/mhtml.xls", "MHTML"),
        ("in/word.xls", "另存为 .docx"),
    ] {
        let (status, reason) = inputs[path];
        assert_eq!(status, "skipped", "{path}");
        assert!(reason.contains(what), "{path}: {reason}");
    }
    assert_eq!(findings(&report, "unsupported_format").len(), 3);
    assert_eq!(report["totals"]["projects"], 11);
}

// ---------------------------------------------------------------- 8. formulas

#[test]
fn formula_cells_give_their_results_and_unreadable_ones_are_findings() {
    let wd = Workdir::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Sheet1").expect("name");
    let header = [
        "序号",
        "项目名称",
        "项目概况",
        "预算金额(万元)",
        "指标名称",
        "运算符",
        "年度目标值",
        "单位",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    let text_row = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32, cells: &[(u16, &str)]| {
        for (c, v) in cells {
            sheet.write_string(r, *c, *v).expect("cell");
        }
    };
    text_row(sheet, 1, &[(1, "项目甲"), (4, "数量"), (5, "≥"), (7, "个")]);
    sheet.write_number(1, 0, 1.0).expect("seq");
    sheet
        .write_formula(1, 3, Formula::new("=20+30").set_result("50"))
        .expect("f");
    sheet
        .write_formula(1, 6, Formula::new("=2*5").set_result("10"))
        .expect("f");
    text_row(sheet, 2, &[(4, "质量"), (5, "="), (7, "%")]);
    sheet
        .write_formula(2, 6, Formula::new("=SUM(Z1:Z9)").set_result("0"))
        .expect("f");
    text_row(
        sheet,
        3,
        &[(1, "项目乙"), (4, "时效"), (5, "≤"), (6, "2"), (7, "天")],
    );
    sheet.write_number(3, 0, 2.0).expect("seq");
    sheet
        .write_formula(3, 3, Formula::new("=#REF!*2").set_result("#REF!"))
        .expect("f");
    sheet
        .write_formula(3, 2, Formula::new("=Sheet9!A1").set_result("#VALUE!"))
        .expect("f");
    text_row(sheet, 4, &[(0, "合计")]);
    sheet
        .write_formula(4, 3, Formula::new("=D2+D4").set_result("50"))
        .expect("f");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    // G3 and the 合计 row's D5 lose their stored results, as a non-calculating program leaves them.
    wd.write(
        "xlsx/Sheet1.xlsx",
        &strip_formula_results(&bytes, &["G3", "D5"]),
    );

    let report = consolidate(&wd, "xlsx");
    let p = projects(&report, 0);
    assert_eq!(p[0]["budget_wan"], 50.0, "the cached result is used");
    assert_eq!(target(indicator(&p[0], "数量")), t("≥", 10.0, "个"));
    let quality = indicator(&p[0], "质量");
    assert!(quality["value"].is_null(), "{quality}");
    assert!(p[1]["budget_wan"].is_null());
    let cell_of = |code: &str| -> Vec<String> {
        findings(&report, code)
            .iter()
            .map(|f| f["cell"].as_str().expect("cell").to_string())
            .collect()
    };
    let mut errors = cell_of("cell_error");
    errors.sort();
    assert_eq!(errors, vec!["C4", "D4"]);
    let mut missing = cell_of("formula_without_value");
    missing.sort();
    assert_eq!(missing, vec!["D5", "G3"]);
    let g3 = findings(&report, "formula_without_value")
        .into_iter()
        .find(|f| f["cell"] == "G3")
        .expect("G3");
    assert!(
        g3["message"].as_str().expect("m").contains("=SUM(Z1:Z9)"),
        "{g3}"
    );
    let d4 = findings(&report, "cell_error")
        .into_iter()
        .find(|f| f["cell"] == "D4")
        .expect("D4");
    assert!(d4["message"].as_str().expect("m").contains("#REF!"), "{d4}");

    // The other workbook formats: a stored result is read; an error result, or (ods) none, is a
    // finding naming the cell.
    let grid = rows(
        "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
         1\t项目甲\t\t数量\t≥\t\t个\n\
         2\t项目乙\t\t质量\t=\t100\t%",
    );
    let base = || FxSheet::from_rows("Sheet1", &grid);
    let formula = |cached| FxCell::Formula { text: "7", cached };
    let with = |s: FxSheet, budget2, target1| {
        s.set(1, 2, formula(Some(Cached::Number(7.0))))
            .set(2, 2, formula(budget2))
            .set(1, 5, formula(target1))
    };
    wd.write(
        "xls/Sheet1.xls",
        &xls_workbook(&[with(
            base(),
            Some(Cached::Error("#REF!")),
            Some(Cached::Number(7.0)),
        )]),
    );
    wd.write(
        "xlsb/Sheet1.xlsb",
        &xlsb_workbook(&[with(
            base(),
            Some(Cached::Error("#VALUE!")),
            Some(Cached::Number(7.0)),
        )]),
    );
    wd.write(
        "ods/Sheet1.ods",
        &ods_workbook(&[with(base(), Some(Cached::Error("#REF!")), None)]),
    );
    for (input, budget_code, target_code) in [
        ("xls", "cell_error", None),
        ("xlsb", "formula_without_value", None),
        ("ods", "cell_error", Some("formula_as_text")),
    ] {
        let report = consolidate(&wd, input);
        let p = projects(&report, 0);
        assert_eq!(p[0]["budget_wan"], 7.0, "{input}");
        assert!(p[1]["budget_wan"].is_null(), "{input}");
        let f = findings(&report, budget_code);
        assert_eq!(f.len(), 1, "{input}: {}", report["findings"]);
        assert_eq!(f[0]["cell"], "C3", "{input}");
        match target_code {
            // A formula without a result that is a bare number (=7, as a script writes the
            // text "=7") is read as typed; its cell's operator gives way to the target's.
            Some(code) => {
                assert_eq!(findings(&report, code)[0]["cell"], "F2", "{input}");
                assert!(findings(&report, "formula_without_value").is_empty());
                assert_eq!(target(indicator(&p[0], "数量")), t("=", 7.0, "个"));
            }
            None => assert_eq!(target(indicator(&p[0], "数量")), t("≥", 7.0, "个")),
        }
    }
}

// ---------------------------------------------------------------- not a performance table

#[test]
fn an_unrelated_workbook_yields_no_table_and_nothing_else() {
    let wd = Workdir::new();
    let grid = rows(
        "部门收支总表\n\
         单位名称:市财政局\t\t\t单位:万元\n\
         收入\t\t支出\t\n\
         项目\t预算数\t项目\t预算数\n\
         一、一般公共预算拨款收入\t1200\t一、一般公共服务支出\t800\n\
         二、政府性基金预算拨款收入\t300\t二、教育支出\t700\n\
         收入总计\t1500\t支出总计\t1500",
    );
    wd.write(
        "budget.xlsx",
        &xlsx(&[("收支总表", &grid, &[(2, 0, 2, 1), (2, 2, 2, 3)])]),
    );
    let report = consolidate(&wd, "budget.xlsx");
    assert_eq!(report["departments"], Value::Array(vec![]));
    assert_eq!(report["inputs"][0]["status"], "skipped");
    assert_eq!(report["inputs"][0]["sheets"][0]["status"], "no_table");
    let all: Vec<&str> = report["findings"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["code"].as_str().expect("code"))
        .collect();
    assert_eq!(all, vec!["no_table"]);
}
