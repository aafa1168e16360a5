//! Writes the sample departmental tables under examples/departments/, the inputs the README's
//! first command consolidates beside the real seed. Deterministic: rerunning rewrites the same
//! bytes.
//!
//!     cargo run --example make_examples

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

/// One project: 序号, 名称, 概况, 预算, 本级, 转移支付, indicators (名称, 运算符, 目标值, 单位).
struct Project {
    name: &'static str,
    overview: &'static str,
    amounts: [f64; 3],
    indicators: &'static [[&'static str; 4]],
}

const HEADER: [&str; 7] = [
    "序号",
    "项目名称",
    "项目概况",
    "预算金额(万元)",
    "本级支出(万元)",
    "转移支付支出(万元)",
    "年度绩效目标",
];
const INDICATOR_HEADER: [&str; 4] = ["指标名称", "运算符", "年度目标值", "单位"];

const EDUCATION: &[Project] = &[
    Project {
        name: "中小学校舍维修改造",
        overview: "对全市12所中小学校舍进行维修改造,消除安全隐患",
        amounts: [850.0, 600.0, 250.0],
        indicators: &[
            ["维修改造学校数量", "≥", "12", "所"],
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
        "2024年,{department}部门全面公开预算项目支出绩效目标,其中,本级部门预算项目{}个,预算金额{}万元。",
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
               ,,,,,,,群众满意度,≥,90,比例\n\
               2,公交运营补贴,补贴城市公交运营,600.00,600.00,0.00,保障公交正常运营,公交准点率,≥,95,%\n\
               ,,,,,,,乘客满意度,≥,85,%\n\
               合计,,,\"1,900.00\",\"1,400.00\",400.00,,,,,\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(csv);
    std::fs::write(dir.join("市交通运输局_2024.csv"), &gbk)?;
    println!("wrote examples to {}", dir.display());
    Ok(())
}
