//! Writes the sample departmental tables under examples/departments/, the inputs the README's
//! first command consolidates beside the real seed, and last year's version of some of them
//! under examples-2023/ (beside examples/, not in it: the README's `--baseline` command).
//! Deterministic: rerunning rewrites the same bytes.
//!
//!     cargo run --example make_examples

use std::path::Path;

use jixiao::template::{HEADER, INDICATOR_HEADER};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

#[path = "support/forms.rs"]
mod forms;

// The .ods writer the tests use (rust_xlsxwriter writes only xlsx).
#[allow(dead_code)]
#[path = "../tests/common/formats.rs"]
mod formats;

/// One project: 序号, 名称, 概况, 预算, 本级, 转移支付, indicators (名称, 运算符, 目标值, 单位).
struct Project {
    name: &'static str,
    overview: &'static str,
    amounts: [f64; 3],
    indicators: &'static [[&'static str; 4]],
}

const EDUCATION: &[Project] = &[
    Project {
        name: "中小学校舍维修改造",
        overview: "对全市12所中小学校舍进行维修改造,消除安全隐患",
        amounts: [850.0, 600.0, 250.0],
        indicators: &[
            ["维修改造学校数量", "≥", "12", "所"],
            ["校园安全保障水平提升", "", "明显", ""],
            ["工程验收合格率", "=", "100", "%"],
            ["按期完工率", "≥", "95", "%"],
            ["师生满意度", "≥", "90", "%"],
        ],
    },
    Project {
        name: "教师培训经费",
        overview: "组织全市中小学教师参加市级以上专业培训",
        amounts: [120.5, 120.5, 0.0],
        indicators: &[
            ["培训人次", "≧", "3000", "人次"],
            ["培训合格率", "≧", "95", "比例"],
            ["教学质量提升", "", "明显", ""],
            ["参训教师满意度", "≧", "90", "%"],
        ],
    },
    Project {
        name: "学生资助补助",
        overview: "落实家庭经济困难学生资助政策",
        amounts: [300.0, 200.0, 90.0],
        indicators: &[
            ["资助学生人数", "≥", "5000", "人"],
            ["困难家庭教育负担减轻", "", "明显", ""],
            ["资金发放及时率", "=", "100", "%"],
            ["受助学生满意度", "≥", "95", "%"],
            ["受助学生满意度", "≥", "95", "%"],
        ],
    },
];

const HEALTH: &[Project] = &[
    Project {
        name: "基本公共卫生服务",
        overview: "为城乡居民免费提供基本公共卫生服务",
        amounts: [2400.0, 1400.0, 1000.0],
        indicators: &[
            ["居民健康档案建档率", "≥", "90", "%"],
            ["居民健康水平提升", "", "逐步提高", ""],
            ["老年人健康管理率", "≥", "70", "%"],
            ["服务对象满意度", "≥", "85", "%"],
        ],
    },
    Project {
        name: "疾病预防控制专项",
        overview: "开展重大传染病防控和免疫规划工作",
        amounts: [560.0, 560.0, 0.0],
        indicators: &[
            ["适龄儿童免疫规划疫苗接种率", "≥", "95", "%"],
            ["重大传染病疫情", "", "有效控制", ""],
            ["传染病报告及时率", "≥", "98", "%"],
            ["疫情处置响应时间", "≤", "2", "小时"],
            ["群众满意度", "≥", "90", "%"],
        ],
    },
];

fn fixed_properties() -> Result<DocProperties, XlsxError> {
    Ok(DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?))
}

/// The seed layout: title, two-level header, project cells merged down over the indicators
/// (`merged`), or written once with the continuation rows left blank (`!merged`), then the
/// 合计 row and the footnote.
fn write_xlsx(
    path: &Path,
    title: &str,
    department: &str,
    projects: &[Project],
    merged: bool,
) -> Result<(), XlsxError> {
    write_xlsx_of(path, title, department, projects, merged, 2024)
}

/// [`write_xlsx`] for a year's table.
fn write_xlsx_of(
    path: &Path,
    title: &str,
    department: &str,
    projects: &[Project],
    merged: bool,
    year: u16,
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties()?);
    let wrap = Format::new()
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let sheet = workbook.add_worksheet();
    sheet.set_name("项目绩效目标")?;
    sheet.merge_range(0, 0, 0, 10, title, &Format::new().set_bold())?;
    if merged {
        for (c, h) in HEADER.iter().enumerate() {
            sheet.merge_range(1, c as u16, 2, c as u16, h, &wrap)?;
        }
        sheet.merge_range(1, 7, 1, 10, "核心绩效指标", &wrap)?;
    } else {
        for (c, h) in HEADER.iter().enumerate() {
            sheet.write_string_with_format(1, c as u16, *h, &wrap)?;
        }
        sheet.write_string_with_format(1, 7, "核心绩效指标", &wrap)?;
    }
    for (c, h) in INDICATOR_HEADER.iter().enumerate() {
        sheet.write_string_with_format(2, 7 + c as u16, *h, &wrap)?;
    }
    let mut row = 3u32;
    let mut total = [0.0; 3];
    for (i, p) in projects.iter().enumerate() {
        let first = row;
        let last = row + p.indicators.len() as u32 - 1;
        let seq = (i + 1) as f64;
        for (k, t) in total.iter_mut().enumerate() {
            *t += p.amounts[k];
        }
        if merged && last > first {
            sheet.merge_range(first, 0, last, 0, "", &wrap)?;
            sheet.write_number_with_format(first, 0, seq, &wrap)?;
            sheet.merge_range(first, 1, last, 1, p.name, &wrap)?;
            sheet.merge_range(first, 2, last, 2, p.overview, &wrap)?;
            for k in 0..3 {
                sheet.merge_range(first, 3 + k as u16, last, 3 + k as u16, "", &wrap)?;
                sheet.write_number_with_format(first, 3 + k as u16, p.amounts[k], &wrap)?;
            }
            sheet.merge_range(first, 6, last, 6, p.overview, &wrap)?;
        } else {
            sheet.write_number(first, 0, seq)?;
            sheet.write_string(first, 1, p.name)?;
            sheet.write_string(first, 2, p.overview)?;
            for k in 0..3 {
                sheet.write_number(first, 3 + k as u16, p.amounts[k])?;
            }
            sheet.write_string(first, 6, p.overview)?;
        }
        for ind in p.indicators {
            for (c, v) in ind.iter().enumerate() {
                if v.is_empty() {
                    continue;
                }
                match (c, v.parse::<f64>()) {
                    (2, Ok(n)) => sheet.write_number(row, 9, n)?,
                    _ => sheet.write_string(row, 7 + c as u16, *v)?,
                };
            }
            row += 1;
        }
    }
    sheet.write_string(row, 0, "合计")?;
    for (k, t) in total.iter().enumerate() {
        sheet.write_number(row, 3 + k as u16, *t)?;
    }
    let footnote = format!(
        "{year}年,{department}部门全面公开预算项目支出绩效目标,其中,本级部门预算项目{}个,预算金额{}万元。",
        projects.len(),
        total[0]
    );
    sheet.write_string(row + 2, 0, &footnote)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 30)?;
    sheet.set_column_width(6, 30)?;
    sheet.set_column_width(7, 26)?;
    workbook.save(path)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/departments");
    std::fs::create_dir_all(&dir)?;
    write_xlsx(
        &dir.join("市教育局_2024.xlsx"),
        "市教育局2024年项目绩效目标表",
        "市教育局",
        EDUCATION,
        true,
    )?;
    write_xlsx(
        &dir.join("市卫生健康委员会_2024.xlsx"),
        "项目绩效目标汇总表",
        "市卫生健康委员会",
        HEALTH,
        false,
    )?;

    // A comma-separated export in GBK, with a 单位名称 line and amounts in the 合计 row that
    // disagree with the projects.
    let csv = "单位名称:市交通运输局\n\
               序号,项目名称,项目概况,预算金额(万元),本级支出(万元),转移支付支出(万元),年度绩效目标,指标名称,运算符,年度目标值,单位\n\
               1,农村公路养护,养护农村公路,\"1,200.00\",800.00,400.00,保障农村公路通畅,养护里程,≥,350,公里\n\
               ,,,,,,,路况优良率,≥,80,%\n\
               ,,,,,,,群众出行便捷性提升,,明显,\n\
               ,,,,,,,群众满意度,≥,90,比例\n\
               2,公交运营补贴,补贴城市公交运营,600.00,600.00,0.00,保障公交正常运营,公交准点率,≥,95,%\n\
               ,,,,,,,公共交通出行分担率增长,≥,2,%\n\
               ,,,,,,,乘客满意度,≥,85,%\n\
               合计,,,\"1,900.00\",\"1,400.00\",400.00,,,,,\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    std::fs::write(dir.join("市交通运输局_2024.csv"), &gbk)?;

    write_three_level(&dir.join("市民政局_2024.xlsx"))?;
    std::fs::write(dir.join("市统计局_2024.xls"), html_export())?;
    std::fs::write(dir.join("市文化广电旅游局_2024.ods"), several_sheets())?;
    println!("wrote examples to {}", dir.display());

    // What departments submit: a form per project (two sheets of one workbook, beside the
    // template's instructions and its hidden drop-down lists), the 部门整体 table, and last
    // year's self-evaluation saved in the same folder.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/forms");
    std::fs::create_dir_all(&dir)?;
    let [help, lists] = forms::template_sheets();
    forms::write_xlsx(
        &dir.join("市水利局_项目申报表_2024.xlsx"),
        &[forms::water_supply(), forms::flood_control(), help, lists],
    )?;
    forms::write_xlsx(
        &dir.join("市水利局_部门整体_2024.xlsx"),
        &[forms::water_overall()],
    )?;
    forms::write_xlsx(
        &dir.join("市水利局_2023年度自评表.xlsx"),
        &[forms::water_self_evaluation()],
    )?;
    // A Word form: the title and 填报单位 as paragraphs above its table.
    let labour = forms::labour_docx();
    let mut body: String = forms::labour_docx_paragraphs()
        .iter()
        .map(|p| formats::docx_paragraph(p))
        .collect();
    body.push_str(&formats::docx_table(&labour.cells(), &labour.merges));
    std::fs::write(
        dir.join("市人力资源和社会保障局_见习补贴_2024.docx"),
        formats::docx(&body),
    )?;
    // A budget system's export: Excel 2003 XML under an ".xls" name.
    let farming = forms::farming_export();
    let sheet = formats::FxSheet::from_rows(farming.name, &farming.cells());
    std::fs::write(
        dir.join("市农业农村局_2024.xls"),
        formats::spreadsheetml(&[sheet]),
    )?;
    println!("wrote examples to {}", dir.display());

    // Last year's tables of two of these departments and of one that submits none this year,
    // for `--baseline examples-2023`: each kind of change in them.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-2023");
    std::fs::create_dir_all(&dir)?;
    write_xlsx_of(
        &dir.join("市教育局_2023.xlsx"),
        "市教育局2023年项目绩效目标表",
        "市教育局",
        EDUCATION_2023,
        true,
        2023,
    )?;
    write_xlsx_of(
        &dir.join("市卫生健康委员会_2023.xlsx"),
        "项目绩效目标汇总表",
        "市卫生健康委员会",
        HEALTH_2023,
        false,
        2023,
    )?;
    write_xlsx_of(
        &dir.join("市机关事务管理局_2023.xlsx"),
        "市机关事务管理局2023年项目绩效目标表",
        "市机关事务管理局",
        OFFICES_2023,
        true,
        2023,
    )?;
    println!("wrote last year's examples to {}", dir.display());
    Ok(())
}

// Last year's 市教育局: 校舍维修改造 the same project, one target raised (学校数量 10 → 12),
// one lowered (按期完工率 98 → 95), an = target raised by its direction word (合格率 98 → 100)
// and an indicator this year dropped; 教师培训经费 under last year's name (renamed), its
// targets word for word this year's (≧ 95 比例 then, ≥ 95 % now) while its budget grew by half
// (copied); 学生资助补助 with other qualitative words (changed); 校园安保服务 not continued.
const EDUCATION_2023: &[Project] = &[
    Project {
        name: "中小学校舍维修改造",
        overview: "对全市10所中小学校舍进行维修改造,消除安全隐患",
        amounts: [800.0, 560.0, 240.0],
        indicators: &[
            ["维修改造学校数量", "≥", "10", "所"],
            ["校园安全保障水平提升", "", "明显", ""],
            ["工程验收合格率", "=", "98", "%"],
            ["按期完工率", "≥", "98", "%"],
            ["安全隐患整改率", "≥", "100", "%"],
            ["师生满意度", "≥", "90", "%"],
        ],
    },
    Project {
        name: "2023年度教师培训经费",
        overview: "组织全市中小学教师参加市级以上专业培训",
        amounts: [80.0, 80.0, 0.0],
        indicators: &[
            ["培训人次", "≥", "3000", "人次"],
            ["培训合格率", "≥", "95", "%"],
            ["教学质量提升", "", "明显", ""],
            ["参训教师满意度", "≥", "90", "%"],
        ],
    },
    Project {
        name: "学生资助补助",
        overview: "落实家庭经济困难学生资助政策",
        amounts: [300.0, 200.0, 100.0],
        indicators: &[
            ["资助学生人数", "≥", "5000", "人"],
            ["困难家庭教育负担减轻", "", "有效减轻", ""],
            ["资金发放及时率", "=", "100", "%"],
            ["受助学生满意度", "≥", "95", "%"],
        ],
    },
    Project {
        name: "校园安保服务",
        overview: "购买中小学校园安保服务",
        amounts: [150.0, 150.0, 0.0],
        indicators: &[
            ["安保人员配备学校数", "≥", "40", "所"],
            ["校园安全事故发生率", "≤", "1", "%"],
            ["家长满意度", "≥", "90", "%"],
        ],
    },
];

// Last year's 市卫生健康委员会: 老年人健康管理率 is new this year, 服务对象满意度 was an = target
// (an operator of another kind: changed); 疫情处置响应时间 was ≤ 1 小时 (lowered to ≤ 2) and
// 群众满意度 was counted in 分 (unit changed).
const HEALTH_2023: &[Project] = &[
    Project {
        name: "基本公共卫生服务",
        overview: "为城乡居民免费提供基本公共卫生服务",
        amounts: [2300.0, 1350.0, 950.0],
        indicators: &[
            ["居民健康档案建档率", "≥", "90", "%"],
            ["居民健康水平提升", "", "逐步提高", ""],
            ["服务对象满意度", "=", "85", "%"],
        ],
    },
    Project {
        name: "疾病预防控制专项",
        overview: "开展重大传染病防控和免疫规划工作",
        amounts: [540.0, 540.0, 0.0],
        indicators: &[
            ["适龄儿童免疫规划疫苗接种率", "≥", "95", "%"],
            ["重大传染病疫情", "", "有效控制", ""],
            ["传染病报告及时率", "≥", "98", "%"],
            ["疫情处置响应时间", "≤", "1", "小时"],
            ["群众满意度", "≥", "90", "分"],
        ],
    },
];

// A department that submitted last year and not this year: dropped with its projects.
const OFFICES_2023: &[Project] = &[Project {
    name: "公务用车运行维护",
    overview: "保障机关公务用车运行",
    amounts: [90.0, 90.0, 0.0],
    indicators: &[
        ["保障车辆数", "≥", "30", "辆"],
        ["车辆故障率", "≤", "2", "%"],
        ["用车单位满意度", "≥", "90", "%"],
    ],
}];

/// The three-level layout: 一级指标 | 二级指标 | 三级指标 under a 绩效指标 group, with the
/// project cells and the level cells merged down, as the 民政 template has them.
fn write_three_level(path: &Path) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(&fixed_properties()?);
    let wrap = Format::new()
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let sheet = workbook.add_worksheet();
    sheet.set_name("项目支出绩效目标")?;
    sheet.merge_range(
        0,
        0,
        0,
        9,
        "市民政局2024年项目支出绩效目标表",
        &Format::new().set_bold(),
    )?;
    for (c, h) in ["序号", "项目名称", "项目概况", "预算数(万元)"]
        .iter()
        .enumerate()
    {
        sheet.merge_range(1, c as u16, 2, c as u16, h, &wrap)?;
    }
    sheet.merge_range(1, 4, 1, 9, "绩效指标", &wrap)?;
    let sub = [
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值符号",
        "指标值",
        "计量单位",
    ];
    for (c, h) in sub.iter().enumerate() {
        sheet.write_string_with_format(2, 4 + c as u16, *h, &wrap)?;
    }
    // (序号, 名称, 概况, 预算, rows of [一级, 二级, 三级, 符号, 指标值, 单位]); an empty level
    // continues the one above, merged.
    type Row = [&'static str; 6];
    let projects: [(&str, &str, f64, &[Row]); 2] = [
        (
            "城乡低保救助",
            "保障城乡低保对象基本生活",
            1860.0,
            &[
                [
                    "产出指标",
                    "数量指标",
                    "保障低保对象人数",
                    "≥",
                    "12000",
                    "人",
                ],
                ["", "", "资金发放批次", "=", "12", "批"],
                ["", "质量指标", "资金发放准确率", "=", "100", "%"],
                ["", "时效指标", "资金按月发放及时率", "≥", "98", "%"],
                [
                    "效益指标",
                    "社会效益指标",
                    "困难群众基本生活保障水平",
                    "",
                    "有效提升",
                    "",
                ],
                [
                    "满意度指标",
                    "服务对象满意度指标",
                    "低保对象满意度",
                    "≥",
                    "90",
                    "%",
                ],
            ],
        ),
        (
            "养老服务体系建设",
            "建设社区养老服务设施",
            640.0,
            &[
                [
                    "产出指标",
                    "数量指标",
                    "新建社区养老服务站",
                    "≥",
                    "15",
                    "个",
                ],
                ["", "成本指标", "单站建设补助标准", "≤", "40", "万元"],
                [
                    "效益指标",
                    "社会效益指标",
                    "社区养老服务覆盖率",
                    "≥",
                    "85",
                    "%",
                ],
                [
                    "满意度指标",
                    "服务对象满意度指标",
                    "老年人满意度",
                    "≥",
                    "90",
                    "%",
                ],
            ],
        ),
    ];
    let mut row = 3u32;
    for (k, (name, overview, budget, rows)) in projects.iter().enumerate() {
        let (first, last) = (row, row + rows.len() as u32 - 1);
        sheet.merge_range(first, 0, last, 0, "", &wrap)?;
        sheet.write_number_with_format(first, 0, (k + 1) as f64, &wrap)?;
        sheet.merge_range(first, 1, last, 1, name, &wrap)?;
        sheet.merge_range(first, 2, last, 2, overview, &wrap)?;
        sheet.merge_range(first, 3, last, 3, "", &wrap)?;
        sheet.write_number_with_format(first, 3, *budget, &wrap)?;
        for level in 0..2u16 {
            // Each level value is merged down over the rows that leave it empty.
            let mut start = 0usize;
            while start < rows.len() {
                let mut end = start;
                while end + 1 < rows.len() && rows[end + 1][level as usize].is_empty() {
                    end += 1;
                }
                let (r0, r1) = (first + start as u32, first + end as u32);
                let text = rows[start][level as usize];
                if r1 > r0 {
                    sheet.merge_range(r0, 4 + level, r1, 4 + level, text, &wrap)?;
                } else {
                    sheet.write_string_with_format(r0, 4 + level, text, &wrap)?;
                }
                start = end + 1;
            }
        }
        for r in rows.iter() {
            for (c, v) in r.iter().enumerate().skip(2) {
                if v.is_empty() {
                    continue;
                }
                match (c, v.parse::<f64>()) {
                    (4, Ok(n)) => sheet.write_number(row, 4 + c as u16, n)?,
                    _ => sheet.write_string(row, 4 + c as u16, *v)?,
                };
            }
            row += 1;
        }
    }
    sheet.write_string(row, 0, "合计")?;
    sheet.write_number(row, 3, 2500.0)?;
    sheet.set_column_width(1, 20)?;
    sheet.set_column_width(2, 26)?;
    sheet.set_column_width(6, 28)?;
    workbook.save(path)
}

/// An ".xls" as old finance systems export it: an HTML page in GBK, with rowspan'd project
/// cells, amounts in 元 (a 单位:元 line) and each target written in one cell with its operator
/// and unit ("不低于95%", "≤2个工作日").
fn html_export() -> Vec<u8> {
    // (项目名称, 预算数 in 元, [(指标, 指标值)]).
    type Project = (
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    );
    let projects: [Project; 2] = [
        (
            "第五次全国经济普查",
            "1250000.00",
            &[
                ("普查单位清查数量", "不少于8000个"),
                ("数据差错率", "≤1%"),
                ("数据上报及时率", "100%"),
                ("统计数据利用率提升", "明显提升"),
                ("普查对象满意度", "95%以上"),
            ],
        ),
        (
            "统计执法检查",
            "180000.00",
            &[
                ("执法检查企业数", "≥120家"),
                ("案件办结时限", "不超过30天"),
                ("统计违法行为发生率下降", "较上年下降"),
                ("被检查单位满意度", "不低于90%"),
            ],
        ),
    ];
    let mut page = String::from(
        "<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\">\n<head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head>\n<body>\n<h3>市统计局2024年项目绩效目标表</h3>\n<p>单位名称：市统计局　　单位：元</p>\n<table border=\"1\">\n<tr><td>序号</td><td>项目名称</td><td>预算数</td><td>绩效指标</td><td>指标值</td></tr>\n",
    );
    let mut total = 0.0;
    for (k, (name, amount, indicators)) in projects.iter().enumerate() {
        total += amount.parse::<f64>().unwrap_or(0.0);
        for (i, (indicator, target)) in indicators.iter().enumerate() {
            page.push_str("<tr>");
            if i == 0 {
                let span = indicators.len();
                page.push_str(&format!(
                    "<td rowspan=\"{span}\">{}</td><td rowspan=\"{span}\">{name}</td><td rowspan=\"{span}\" x:num>{amount}</td>",
                    k + 1
                ));
            }
            page.push_str(&format!("<td>{indicator}</td><td>{target}</td></tr>\n"));
        }
    }
    page.push_str(&format!(
        "<tr><td>合计</td><td></td><td x:num>{total:.2}</td><td></td><td></td></tr>\n</table>\n</body>\n</html>\n"
    ));
    encoding_rs::GBK.encode(&page).0.into_owned()
}

/// One workbook, several tables: the bureau's own on a titled sheet, its library's on a sheet
/// named after it (with the project cells repeated on every row), an instructions sheet and
/// a hidden old version. Written as .ods.
fn several_sheets() -> Vec<u8> {
    use formats::{FxSheet, ods_workbook, rows};
    let own = FxSheet::from_rows(
        "本级",
        &rows(
            "市文化广电旅游局2024年项目绩效目标表\n\
             序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
             1\t文物保护修缮\t260\t修缮文物保护单位数量\t≥\t6\t处\n\
             \t\t\t修缮工程验收合格率\t=\t100\t%\n\
             \t\t\t文物开放利用率提升\t≥\t10\t%\n\
             \t\t\t游客满意度\t≥\t90\t%\n\
             2\t文旅惠民活动\t85.5\t举办惠民演出场次\t≥\t120\t场\n\
             \t\t\t群众参与率提升\t≥\t5\t%\n\
             \t\t\t观众满意度\t≥\t92\t%\n\
             合计\t\t345.5",
        ),
    )
    .merge(0, 0, 0, 6);
    let library = FxSheet::from_rows(
        "市图书馆",
        &rows(
            "序号\t项目名称\t预算金额(万元)\t指标名称\t运算符\t年度目标值\t单位\n\
             1\t图书采购\t120\t新增馆藏图书\t≥\t30000\t册\n\
             1\t图书采购\t120\t图书借阅量增长率\t≥\t5\t%\n\
             1\t图书采购\t120\t读者满意度\t≥\t90\t%\n\
             合计\t\t120",
        ),
    );
    let instructions = FxSheet::from_rows(
        "填表说明",
        &rows("1. 每个项目至少填写产出、效益、满意度指标\n2. 金额单位为万元"),
    );
    let old = FxSheet::from_rows(
        "旧版",
        &rows("序号\t项目名称\t指标名称\t年度目标值\n1\t旧项目\t数量\t1"),
    )
    .hidden();
    ods_workbook(&[own, library, instructions, old])
}
