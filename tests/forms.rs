//! The forms departments submit: the per-project 项目支出绩效目标申报表 in the variants published
//! templates show, the 部门整体 table, and the look-alikes that are not targets. Each is built
//! in the test (as .xlsx with real merged cells, or .xls, .ods and text), run through the real
//! binary, and checked in the report and the summary read back.

mod common;

use std::collections::BTreeMap;

use common::*;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;

/// An .xlsx holding the sheets, with their merges as real merged cells.
fn xlsx(sheets: &[FxSheet]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let plain = Format::new();
    for s in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&s.name).expect("name");
        if s.hidden {
            sheet.set_hidden(true);
        }
        let mut merged_tops: BTreeMap<(u32, u32), [u32; 4]> = BTreeMap::new();
        for m in &s.merges {
            merged_tops.insert((m[0], m[1]), *m);
        }
        for (&(r, c), cell) in &s.cells {
            if merged_tops.contains_key(&(r, c)) {
                continue;
            }
            match cell {
                FxCell::Text(t) => sheet.write_string(r, c as u16, t).map(|_| ()),
                FxCell::Number(n) => sheet.write_number(r, c as u16, *n).map(|_| ()),
                other => panic!("not in these fixtures: {other:?}"),
            }
            .expect("cell");
        }
        for m in &s.merges {
            let text = match s.cells.get(&(m[0], m[1])) {
                Some(FxCell::Text(t)) => t.clone(),
                Some(FxCell::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            sheet
                .merge_range(m[0], m[1] as u16, m[2], m[3] as u16, &text, &plain)
                .expect("merge");
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

/// The standard form of the 财政部 template, as departments fill it in.
const STANDARD: &str = "项目支出绩效目标申报表
(2024年度)
项目名称\t社区居家养老服务补贴
主管部门及代码\t宁波市某某局 102003\t实施单位\t宁波市某某服务中心
项目负责人\t张三\t联系电话\t0574-88888888
项目属性\t新增□ 延续☑\t项目期限\t2024年1月-12月
项目资金(万元)\t年度资金总额:\t120
\t其中:财政拨款\t100
\t其他资金\t20
年度总体目标\t为全市500名困难老人提供居家养老服务,服务满意度达到90%以上
绩效指标\t一级指标\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t服务老人人数\t≥500人
\t\t\t服务时长\t不少于1000小时
\t\t质量指标\t验收合格率(≥**%)\t98
\t\t时效指标\t补贴发放及时性\t每季度末前发放
\t\t成本指标\t人均补贴标准\t≤2400元/人
\t效益指标\t社会效益指标\t老人生活质量\t明显提升
\t\t经济效益指标\t本项目不适用此指标\t
\t满意度指标\t服务对象满意度指标\t服务对象满意度\t≥90%
其他需说明的问题\t无
主管部门审核意见\t同意";

/// The standard form with its label column merged as the template merges it.
fn standard_sheet(name: &str) -> FxSheet {
    FxSheet::from_rows(name, &rows(STANDARD))
        .merge(0, 0, 0, 4)
        .merge(1, 0, 1, 4)
        .merge(2, 1, 2, 4)
        .merge(6, 0, 8, 0)
        .merge(9, 1, 9, 4)
        .merge(10, 0, 18, 0)
        .merge(11, 1, 15, 1)
        .merge(11, 2, 12, 2)
        .merge(16, 1, 17, 1)
}

fn consolidate(wd: &Workdir, inputs: &[&str]) -> Value {
    let mut args = vec!["consolidate"];
    args.extend(inputs);
    args.extend(["-o", "s.xlsx", "-q", "--fail-on", "never"]);
    wd.run_expect(&args, 0);
    wd.report("s.json")
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

/// (name, op, value or text, unit, level1, level2) of each indicator.
fn indicators(project: &Value, key: &str) -> Vec<(String, String, String, String, String, String)> {
    project[key]
        .as_array()
        .expect("indicators")
        .iter()
        .map(|i| {
            let value = match i["value"].as_f64() {
                Some(v) => v.to_string(),
                None => i["text"].as_str().expect("text").to_string(),
            };
            let s = |k: &str| i[k].as_str().unwrap_or("").to_string();
            (
                s("name"),
                s("op"),
                value,
                s("unit"),
                s("level1"),
                s("level2"),
            )
        })
        .collect()
}

fn tuple(
    name: &str,
    op: &str,
    value: &str,
    unit: &str,
    l1: &str,
    l2: &str,
) -> (String, String, String, String, String, String) {
    (
        name.into(),
        op.into(),
        value.into(),
        unit.into(),
        l1.into(),
        l2.into(),
    )
}

#[test]
fn the_standard_form_reads_as_a_careful_clerk_would() {
    let wd = Workdir::new();
    wd.write("养老服务.xlsx", &xlsx(&[standard_sheet("申报表")]));
    let report = consolidate(&wd, &["养老服务.xlsx"]);
    assert_eq!(report["inputs"][0]["sheets"][0]["status"], "form");
    let d = &report["departments"][0];
    assert_eq!(
        d["name"], "宁波市某某局",
        "the 主管部门, its code taken off"
    );
    assert_eq!(d["name_source"], "申报表!B4");
    assert_eq!(d["year"], 2024);
    let p = &d["projects"][0];
    assert_eq!(p["name"], "社区居家养老服务补贴");
    assert_eq!(p["source_kind"], "form");
    assert_eq!(p["implementing_unit"], "宁波市某某服务中心");
    assert_eq!(p["budget_wan"], 120.0);
    assert_eq!(p["fiscal_wan"], 100.0);
    assert_eq!(p["other_wan"], 20.0);
    assert_eq!(p["own_wan"], Value::Null);
    assert!(p["goal"].as_str().expect("goal").starts_with("为全市500名"));
    let attributes: Vec<(String, String)> = p["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["label"].as_str().expect("l").to_string(),
                a["value"].as_str().expect("v").to_string(),
            )
        })
        .collect();
    for (label, value) in [
        ("项目负责人", "张三"),
        ("联系电话", "0574-88888888"),
        ("项目属性", "新增□ 延续☑"),
        ("项目期限", "2024年1月-12月"),
        ("其他需说明的问题", "无"),
        ("主管部门审核意见", "同意"),
    ] {
        assert!(
            attributes.contains(&(label.to_string(), value.to_string())),
            "{label}: {attributes:?}"
        );
    }
    assert_eq!(
        indicators(p, "indicators"),
        [
            tuple("服务老人人数", "≥", "500", "人", "产出指标", "数量指标"),
            tuple("服务时长", "≥", "1000", "小时", "产出指标", "数量指标"),
            tuple("验收合格率", "≥", "98", "%", "产出指标", "质量指标"),
            tuple(
                "补贴发放及时性",
                "定性",
                "每季度末前发放",
                "",
                "产出指标",
                "时效指标"
            ),
            tuple("人均补贴标准", "≤", "2400", "元/人", "产出指标", "成本指标"),
            tuple(
                "老人生活质量",
                "定性",
                "明显提升",
                "",
                "效益指标",
                "社会效益指标"
            ),
            tuple(
                "服务对象满意度",
                "≥",
                "90",
                "%",
                "满意度指标",
                "服务对象满意度指标"
            ),
        ]
    );
    let codes = codes(&report);
    assert_eq!(codes, ["not_applicable"], "{codes:?}");
    assert_eq!(report["totals"]["projects"], 1);
    assert_eq!(report["totals"]["budget_wan"], 120.0);

    // The summary shows it: 汇总 with the form's columns, 指标 with its indicators.
    let book = read_workbook(&wd.path("s.xlsx"));
    let summary = sheet(&book, "汇总");
    let col = |c: jixiao::sheets::ProjectColumn| c.index() as usize;
    use jixiao::sheets::ProjectColumn as P;
    assert_eq!(text(&summary[1][col(P::Name)]), "社区居家养老服务补贴");
    assert_eq!(number(&summary[1][col(P::Budget)]), 120.0);
    assert_eq!(number(&summary[1][col(P::Fiscal)]), 100.0);
    assert_eq!(text(&summary[1][col(P::SourceKind)]), "申报表");
    assert_eq!(
        text(&summary[1][col(P::ImplementingUnit)]),
        "宁波市某某服务中心"
    );
    assert!(text(&summary[1][col(P::Attributes)]).contains("项目负责人: 张三"));
    assert_eq!(sheet(&book, "指标").len(), 8);
}

#[test]
fn every_format_reads_the_same_form() {
    let wd = Workdir::new();
    let sheet = standard_sheet("申报表");
    wd.write("a.xlsx", &xlsx(std::slice::from_ref(&sheet)));
    wd.write("b.xls", &xls_workbook(std::slice::from_ref(&sheet)));
    wd.write("c.ods", &ods_workbook(std::slice::from_ref(&sheet)));
    wd.write("d.csv", STANDARD.replace('\t', ",").as_bytes());
    for name in ["a.xlsx", "b.xls", "c.ods", "d.csv"] {
        let report = consolidate(&wd, &[name]);
        let p = &report["departments"][0]["projects"][0];
        assert_eq!(p["name"], "社区居家养老服务补贴", "{name}");
        assert_eq!(
            (p["budget_wan"].as_f64(), p["fiscal_wan"].as_f64()),
            (Some(120.0), Some(100.0)),
            "{name}"
        );
        assert_eq!(indicators(p, "indicators").len(), 7, "{name}");
        assert_eq!(report["departments"][0]["name"], "宁波市某某局", "{name}");
    }
}

#[test]
fn values_below_in_yuan_and_multi_line_money() {
    let wd = Workdir::new();
    let below = "项目绩效目标表
填报单位(盖章):宁波市某某局
项目名称\t信息系统运维
项目资金(元)\t年度资金总额\t其中:财政拨款\t其他资金
\t860000\t800000\t60000
年度目标\t保障系统全年稳定运行
一级指标\t二级指标\t三级指标\t指标值符号\t指标值\t计量单位\t权重\t指标解释
产出指标\t质量指标\t系统可用率\t≥\t99\t%\t30\t全年可用时长占比
效益指标\t社会效益指标\t服务效率提升\t\t明显\t\t20\t
满意度指标\t服务对象满意度指标\t使用人员满意度\t≥\t90\t%\t10\t";
    wd.write("below.csv", below.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["below.csv"]);
    let d = &report["departments"][0];
    assert_eq!(
        d["name"], "宁波市某某局",
        "the 填报单位 names it when no 主管部门 does"
    );
    let p = &d["projects"][0];
    assert_eq!(p["budget_wan"], 86.0, "元 → 万元");
    assert_eq!(
        (p["fiscal_wan"].as_f64(), p["other_wan"].as_f64()),
        (Some(80.0), Some(6.0))
    );
    assert!(
        p["notes"][0]
            .as_str()
            .expect("note")
            .contains("已换算为万元")
    );
    let i = &p["indicators"][0];
    assert_eq!(
        (i["op"].as_str(), i["value"].as_f64()),
        (Some("≥"), Some(99.0))
    );
    assert_eq!(i["weight"], 30.0, "权重 is kept, never the target");
    assert_eq!(i["details"][0]["label"], "指标解释");
    assert_eq!(i["details"][0]["value"], "全年可用时长占比");

    let multi = "项目名称:档案数字化
主管部门:宁波市档案局
资金情况\t资金总额: 130万\n一、财政拨款:100\n二、自有资金:30
绩效目标\t完成档案数字化
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t数字化档案\t≥5万卷";
    let g = FxSheet::from_rows("Sheet1", &rows(multi));
    wd.write("multi.xlsx", &xlsx(&[g]));
    let report = consolidate(&wd, &["multi.xlsx"]);
    let d = &report["departments"][0];
    assert_eq!(d["name"], "宁波市档案局");
    let p = &d["projects"][0];
    assert_eq!(p["name"], "档案数字化");
    assert_eq!(
        (
            p["budget_wan"].as_f64(),
            p["fiscal_wan"].as_f64(),
            p["other_wan"].as_f64()
        ),
        (Some(130.0), Some(100.0), Some(30.0)),
        "the lines of one cell, parts never added to the total"
    );
}

#[test]
fn the_year_beside_the_period_and_long_term_targets_kept_apart() {
    let wd = Workdir::new();
    let form = "项目支出绩效目标申报表
项目名称\t城乡供水一体化
主管部门\t宁波市水利局
项目资金(万元)\t\t中期资金总额\t年度资金总额
\t资金总额\t3000\t1000
\t其中:财政拨款\t2500\t800
\t其他资金\t500\t200
总体目标\t长期目标\t年度目标
\t三年实现城乡供水全覆盖\t完成一期管网建设
一级指标\t二级指标\t三级指标\t年度指标值\t中长期指标值
产出指标\t数量指标\t新建管网长度\t≥50公里\t≥150公里
满意度指标\t服务对象满意度指标\t群众满意度\t≥85%\t≥90%";
    wd.write(
        "water.xlsx",
        &xlsx(&[FxSheet::from_rows("项目", &rows(form))]),
    );
    let report = consolidate(&wd, &["water.xlsx"]);
    let p = &report["departments"][0]["projects"][0];
    assert_eq!(p["budget_wan"], 1000.0, "the year's, not the period's");
    assert_eq!(p["fiscal_wan"], 800.0);
    assert_eq!(p["other_wan"], 200.0);
    assert_eq!(p["cumulative_wan"], 3000.0);
    assert_eq!(p["goal"], "完成一期管网建设");
    assert_eq!(p["long_term_goal"], "三年实现城乡供水全覆盖");
    let annual = indicators(p, "indicators");
    assert_eq!(annual[0].2, "50");
    let long = indicators(p, "long_term_indicators");
    assert_eq!(long.len(), 2);
    assert_eq!(
        (long[0].0.as_str(), long[0].2.as_str()),
        ("新建管网长度", "150")
    );

    let blocks = "项目名称\t职业技能培训
年度资金总额\t50
长期绩效指标\t一级指标\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t三年培训人次\t≥3000人次
年度绩效指标\t一级指标\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t培训人次\t≥1000人次
\t项目效益指标\t社会效益指标\t就业率提升\t≥5%
\t满意度指标\t服务对象满意度指标\t学员满意度\t≥90%";
    let sheet = FxSheet::from_rows("Sheet1", &rows(blocks))
        .merge(2, 0, 3, 0)
        .merge(4, 0, 7, 0);
    wd.write("blocks.xlsx", &xlsx(&[sheet]));
    let report = consolidate(&wd, &["blocks.xlsx"]);
    let p = &report["departments"][0]["projects"][0];
    let annual = indicators(p, "indicators");
    let names: Vec<&str> = annual.iter().map(|i| i.0.as_str()).collect();
    assert_eq!(names, ["培训人次", "就业率提升", "学员满意度"]);
    assert_eq!(
        annual[1].4, "效益指标",
        "项目效益指标 is the framework's 效益指标"
    );
    assert_eq!(indicators(p, "long_term_indicators")[0].0, "三年培训人次");
    assert!(
        !codes(&report).contains(&"incomplete_framework".to_string()),
        "{:?}",
        codes(&report)
    );
}

#[test]
fn a_name_column_of_categories_and_a_description_column() {
    let wd = Workdir::new();
    let form = "项目名称\t农村道路养护
主管部门\t宁波市交通运输局
资金总额\t86万元
指标类型\t指标名称\t指标值\t指标描述
产出指标\t数量指标\t120公里\t养护里程
\t质量指标\t≥95%\t路况优良率
满意度指标\t服务对象满意度指标\t≥90%\t群众满意度";
    wd.write("roads.csv", form.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["roads.csv"]);
    let p = &report["departments"][0]["projects"][0];
    assert_eq!(p["budget_wan"], 86.0);
    assert_eq!(
        indicators(p, "indicators"),
        [
            tuple("养护里程", "", "120", "公里", "产出指标", "数量指标"),
            tuple("路况优良率", "≥", "95", "%", "产出指标", "质量指标"),
            tuple(
                "群众满意度",
                "≥",
                "90",
                "%",
                "满意度指标",
                "服务对象满意度指标"
            ),
        ]
    );
}

#[test]
fn forms_of_one_department_from_many_files_and_sheets_are_one_department() {
    let wd = Workdir::new();
    let second = STANDARD
        .replace("社区居家养老服务补贴", "老年食堂建设")
        .replace("\t120\n", "\t80\n");
    let third = STANDARD.replace("社区居家养老服务补贴", "养老护理员培训");
    // One workbook of two project sheets beside its instructions and a hidden list sheet.
    let lists = FxSheet::from_rows("下拉列表", &rows("产出指标\n效益指标")).hidden();
    let help = FxSheet::from_rows("填报说明", &rows("请按模板填写"));
    wd.write(
        "a/某某局_项目.xlsx",
        &xlsx(&[
            standard_sheet("项目1"),
            FxSheet::from_rows("项目2", &rows(&second)),
            help,
            lists,
        ]),
    );
    wd.write("b/某某局_护理员.csv", third.replace('\t', ",").as_bytes());
    // Stacked: two forms down one sheet.
    let stacked = format!(
        "{}\n\n{}",
        STANDARD.replace("社区居家养老服务补贴", "助餐点运营"),
        STANDARD.replace("社区居家养老服务补贴", "适老化改造")
    );
    wd.write("c/stacked.csv", stacked.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["a", "b", "c"]);
    let statuses: Vec<&str> = report["inputs"][0]["sheets"]
        .as_array()
        .expect("sheets")
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["hidden", "form", "form", "ignored"]);
    let names: Vec<String> = report["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .flat_map(|d| d["projects"].as_array().expect("projects").clone())
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    assert_eq!(
        names,
        [
            "社区居家养老服务补贴",
            "老年食堂建设",
            "养老护理员培训",
            "助餐点运营",
            "适老化改造"
        ]
    );
    let totals = &report["totals"];
    assert_eq!(totals["departments"], 1, "one department in 合计");
    assert_eq!(totals["projects"], 5);
    assert_eq!(totals["budget_wan"], 560.0);
    // 合计 shows it on one row, keyed by one 部门编号 in 汇总.
    let book = read_workbook(&wd.path("s.xlsx"));
    let totals_sheet = sheet(&book, "合计");
    assert_eq!(
        totals_sheet.len(),
        4,
        "a department row, 总计 and what is not split"
    );
    use jixiao::sheets::{ProjectColumn as P, TotalColumn as T};
    assert_eq!(number(&totals_sheet[1][T::Projects.index() as usize]), 5.0);
    assert_eq!(number(&totals_sheet[1][T::Budget.index() as usize]), 560.0);
    let keys: Vec<f64> = sheet(&book, "汇总")[1..]
        .iter()
        .map(|r| number(&r[P::Key.index() as usize]))
        .collect();
    assert_eq!(keys, [1.0; 5]);
}

#[test]
fn the_same_form_twice_counts_once_and_other_projects_stay() {
    let wd = Workdir::new();
    wd.write("old/养老.csv", STANDARD.replace('\t', ",").as_bytes());
    let revised = STANDARD.replace("\t120\n", "\t125\n").replace('\t', ",");
    wd.write("new/养老.csv", revised.as_bytes());
    // Make the revised file the later one.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(wd.path("new/养老.csv"))
        .expect("open")
        .set_modified(later)
        .expect("mtime");
    let other = STANDARD
        .replace("社区居家养老服务补贴", "老年大学")
        .replace('\t', ",");
    wd.write("old/大学.csv", other.as_bytes());
    let report = consolidate(&wd, &["old", "new"]);
    assert_eq!(report["totals"]["projects"], 2);
    assert_eq!(report["totals"]["budget_wan"], 245.0);
    assert!(codes(&report).contains(&"duplicate_department".to_string()));
}

#[test]
fn the_department_overall_table_is_its_own_block() {
    let wd = Workdir::new();
    let overall = "部门整体支出绩效目标表
(2024年度)
部门(单位)名称\t宁波市某某局
部门职责\t负责全市养老服务管理
部门预算(万元)\t总额\t财政拨款\t其他资金
\t5000\t4500\t500
年度总体绩效目标\t全面完成年度养老服务任务
一级指标\t二级指标\t三级指标\t指标值类型\t指标值\t计量单位\t指标解释\t评(扣)分标准\t权重
产出指标\t数量指标\t养老机构床位数\t定量\t≥3000\t张\t\t\t20
效益指标\t社会效益指标\t养老服务覆盖率\t定量\t28.8万元\t%\t\t\t10
满意度指标\t服务对象满意度指标\t群众满意度\t定性\t按月安排\t\t\t\t10";
    wd.write("整体.csv", overall.replace('\t', ",").as_bytes());
    wd.write("养老.csv", STANDARD.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["整体.csv", "养老.csv"]);
    let statuses: Vec<&str> = report["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .map(|i| i["sheets"][0]["status"].as_str().expect("status"))
        .collect();
    // Inputs in path order: 养老.csv, then 整体.csv.
    assert_eq!(statuses, ["form", "overall"]);
    let departments = report["departments"].as_array().expect("departments");
    let overall_d = departments
        .iter()
        .find(|d| !d["overall"].is_null())
        .expect("overall");
    let o = &overall_d["overall"];
    assert_eq!(overall_d["name"], "宁波市某某局");
    assert_eq!(overall_d["projects"].as_array().expect("p").len(), 0);
    assert_eq!(
        (
            o["budget_wan"].as_f64(),
            o["fiscal_wan"].as_f64(),
            o["other_wan"].as_f64()
        ),
        (Some(5000.0), Some(4500.0), Some(500.0))
    );
    assert_eq!(o["goal"], "全面完成年度养老服务任务");
    assert_eq!(o["indicators"].as_array().expect("i").len(), 3);
    assert_eq!(o["indicators"][0]["value_kind"], "定量");
    assert_eq!(o["indicators"][0]["weight"], 20.0);
    // Not a project: 合计 counts the form's project and budget only, the overall budget in a
    // column of its own, on the same department row.
    let totals = &report["totals"];
    assert_eq!(totals["projects"], 1);
    assert_eq!(totals["budget_wan"], 120.0);
    assert_eq!(totals["departments"], 1);
    let book = read_workbook(&wd.path("s.xlsx"));
    let t = sheet(&book, "合计");
    use jixiao::sheets::TotalColumn as T;
    assert_eq!(number(&t[1][T::Budget.index() as usize]), 120.0);
    assert_eq!(number(&t[1][T::OverallBudget.index() as usize]), 5000.0);
    assert_eq!(number(&t[1][T::OverallIndicators.index() as usize]), 3.0);
    assert_eq!(number(&t[1][T::Indicators.index() as usize]), 10.0);
    let overall_rows = sheet(&book, "指标")
        .iter()
        .filter(|r| text(&r[2]) == "(部门整体)")
        .count();
    assert_eq!(overall_rows, 3);
}

#[test]
fn self_evaluations_and_covers_are_set_aside() {
    let wd = Workdir::new();
    let self_evaluation = "2023年度项目支出绩效自评表
项目名称\t社区养老服务
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因
产出指标\t数量指标\t服务人数\t500\t520\t20\t20\t";
    wd.write("自评.csv", self_evaluation.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["自评.csv"]);
    let input = &report["inputs"][0];
    assert_eq!(input["status"], "skipped");
    assert!(input["reason"].as_str().expect("reason").contains("自评"));
    assert_eq!(input["sheets"][0]["status"], "self_evaluation");
    assert_eq!(codes(&report), ["self_evaluation"]);
    // A self-evaluation laid out as a row table is no target table either.
    let table = "项目名称\t指标名称\t年度目标值\t实际完成值\t得分
办公费\t满意度\t90\t92\t10";
    wd.write("自评表格.csv", table.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["自评表格.csv"]);
    assert_eq!(
        report["inputs"][0]["sheets"][0]["status"],
        "self_evaluation"
    );

    // A cover page with a 项目名称 but neither indicators nor money is no project.
    let with_cover = format!("项目名称\t封面上写的项目\n联系人\t李四\n\n{STANDARD}");
    wd.write("cover.csv", with_cover.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["cover.csv"]);
    let projects = report["departments"][0]["projects"].as_array().expect("p");
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["name"], "社区居家养老服务补贴");
    assert!(codes(&report).contains(&"note_row".to_string()));
}

#[test]
fn a_form_without_a_readable_amount_says_so() {
    let wd = Workdir::new();
    let form = STANDARD.replace("\t120\n", "\t\n");
    wd.write("no-money.csv", form.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["no-money.csv"]);
    let p = &report["departments"][0]["projects"][0];
    assert_eq!(p["budget_wan"], Value::Null, "not a 0 that enters 合计");
    let missing: Vec<&Value> = report["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["code"] == "missing_budget")
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["severity"], "warning");
}

#[test]
fn nothing_readable_fails_check_and_a_run_that_consolidates_nothing_exits_1() {
    let wd = Workdir::new();
    wd.write(
        "收支表.csv",
        "部门收支总表\n收入,金额,支出,金额\n".as_bytes(),
    );
    let out = wd.run(&["check", "收支表.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no table or form found"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("no_table"), "{stdout}");
    let out = wd.run(&["consolidate", "收支表.csv", "-o", "s.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no input was consolidated"), "{stderr}");
    let report = wd.report("s.json");
    assert_eq!(report["findings"][0]["code"], "no_table");
    assert_eq!(report["findings"][0]["severity"], "warning");
}

#[test]
fn the_form_template_filled_in_consolidates_with_no_findings() {
    let wd = Workdir::new();
    wd.run_expect(&["template", "--form", "-o", "blank.xlsx"], 0);
    // Unfilled, it fails the department's self-check.
    let out = wd.run(&["check", "blank.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    let rules = jixiao::load_rules(None).expect("rules");
    let row = |a: &str, b: &str, c: &str, op: &str, v: &str, u: &str| {
        [a, b, c, op, v, u].map(str::to_string)
    };
    let project = jixiao::template::form::FormProject {
        year: "2024".into(),
        name: "社区养老服务".into(),
        department: "宁波市某某局 102003".into(),
        implementing_unit: "宁波市某某中心".into(),
        manager: "张三".into(),
        phone: "123".into(),
        amounts: [120.0, 100.0, 20.0],
        goal: "为500名老人提供服务".into(),
        indicators: vec![
            row("产出指标", "数量指标", "服务老人人数", "≥", "500", "人"),
            row("产出指标", "质量指标", "服务验收合格率", "≥", "95", "%"),
            row("产出指标", "时效指标", "补贴发放及时率", "≥", "95", "%"),
            row(
                "效益指标",
                "社会效益指标",
                "老人生活质量",
                "",
                "明显提升",
                "",
            ),
            row(
                "满意度指标",
                "服务对象满意度指标",
                "服务对象满意度",
                "≥",
                "90",
                "%",
            ),
        ],
    };
    let mut filled = jixiao::template::form::build(&rules, Some(&project)).expect("form");
    wd.write("filled.xlsx", &filled.save_to_buffer().expect("save"));
    let out = wd.run_expect(&["check", "filled.xlsx"], 0);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("错误 0, 警告 0, 提示 0"), "{stdout}");
    let report = consolidate(&wd, &["filled.xlsx"]);
    let d = &report["departments"][0];
    assert_eq!(d["name"], "宁波市某某局");
    assert_eq!(d["year"], 2024);
    assert_eq!(d["projects"][0]["budget_wan"], 120.0);
    assert_eq!(
        d["projects"][0]["indicators"].as_array().expect("i").len(),
        5
    );
}

#[test]
fn shanghai_amounts_in_yuan_and_a_bare_form() {
    let wd = Workdir::new();
    // The 部门预算 style: a cumulative total and its 财政资金 first, then the year's amount and
    // its parts, all in 元.
    let shanghai = "项目支出绩效目标申报表
项目名称\t社区文化活动中心运营
主管部门\t上海市某某区文化旅游局
项目性质\t一次性
项目资金总额\t3000000
其中:财政资金\t2500000
年度资金申请总额\t1200000
其中:当年财政拨款\t1000000
上年结转资金\t150000
其他资金\t50000
项目总目标\t建成运营区级社区文化活动中心
年度总体目标\t全年开展活动200场
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t开展活动场次\t≥200场
满意度指标\t服务对象满意度指标\t参与群众满意度\t≥90%";
    let with_unit = format!("单位:元\n{shanghai}");
    wd.write("sh.csv", with_unit.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["sh.csv"]);
    let p = &report["departments"][0]["projects"][0];
    assert_eq!(p["budget_wan"], 120.0, "the year's amount, in 万元");
    assert_eq!(
        p["fiscal_wan"], 100.0,
        "the year's 财政拨款, not the total's 财政资金"
    );
    assert_eq!(p["cumulative_wan"], 300.0);
    assert_eq!(p["other_wan"], 15.0, "the first of the other lines");
    assert_eq!(p["goal"], "全年开展活动200场");
    assert_eq!(p["long_term_goal"], "建成运营区级社区文化活动中心");

    // No label but the name above the block: still a form, not a two-level header.
    let bare = "项目名称\t老旧小区加装电梯
一级指标\t二级指标\t三级指标\t指标值
产出指标\t数量指标\t加装电梯数量\t≥40部";
    wd.write("bare.csv", bare.replace('\t', ",").as_bytes());
    let report = consolidate(&wd, &["bare.csv"]);
    assert_eq!(report["inputs"][0]["sheets"][0]["status"], "form");
    let p = &report["departments"][0]["projects"][0];
    assert_eq!(p["name"], "老旧小区加装电梯");
    assert_eq!(indicators(p, "indicators")[0].0, "加装电梯数量");
    assert!(codes(&report).contains(&"missing_budget".to_string()));
}

#[test]
fn word_and_spreadsheetml_forms_read_as_the_workbooks_do() {
    let wd = Workdir::new();
    let sheet = standard_sheet("申报表");
    // Word: the title and year as paragraphs above the table of the rest.
    let rows = rows(STANDARD);
    let body_rows: Vec<Vec<String>> = rows[2..].to_vec();
    let merges: Vec<[u32; 4]> = sheet
        .merges
        .iter()
        .filter(|m| m[0] >= 2)
        .map(|m| [m[0] - 2, m[1], m[2] - 2, m[3]])
        .collect();
    let body = format!(
        "{}{}{}",
        docx_paragraph("项目支出绩效目标申报表"),
        docx_paragraph("(2024年度)"),
        docx_table(&body_rows, &merges)
    );
    wd.write("养老.docx", &docx(&body));
    // SpreadsheetML under an ".xls" name, as budget systems export it.
    wd.write("养老导出.xls", spreadsheetml(&[sheet]).as_bytes());
    for name in ["养老.docx", "养老导出.xls"] {
        let report = consolidate(&wd, &[name]);
        assert_eq!(report["inputs"][0]["sheets"][0]["status"], "form", "{name}");
        let d = &report["departments"][0];
        assert_eq!(
            (d["name"].as_str(), d["year"].as_i64()),
            (Some("宁波市某某局"), Some(2024)),
            "{name}"
        );
        let p = &d["projects"][0];
        assert_eq!(p["name"], "社区居家养老服务补贴", "{name}");
        assert_eq!(
            (
                p["budget_wan"].as_f64(),
                p["fiscal_wan"].as_f64(),
                p["other_wan"].as_f64()
            ),
            (Some(120.0), Some(100.0), Some(20.0)),
            "{name}"
        );
        assert_eq!(indicators(p, "indicators").len(), 7, "{name}");
        assert_eq!(
            indicators(p, "indicators")[5].4,
            "效益指标",
            "{name}: merged 一级"
        );
    }
}
