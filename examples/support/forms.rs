//! The sample forms of examples/forms/: per-project 申报表 in the variants published templates
//! show, a 部门整体 table, and a self-evaluation that must be set aside. Each is written from a
//! tab-separated block (one line a row) and the merged blocks the template has.

use std::path::Path;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
};

/// One sheet of a sample form: its rows and merged blocks (first row, first col, last row,
/// last col).
pub struct FormSheet {
    pub name: &'static str,
    pub rows: String,
    pub merges: Vec<[u32; 4]>,
    pub hidden: bool,
}

impl FormSheet {
    pub fn new(name: &'static str, rows: &str, merges: &[[u32; 4]]) -> FormSheet {
        FormSheet {
            name,
            rows: rows.to_string(),
            merges: merges.to_vec(),
            hidden: false,
        }
    }

    /// Cells by row: text, or a number where the text reads as one.
    pub fn cells(&self) -> Vec<Vec<String>> {
        self.rows
            .lines()
            .map(|l| l.split('\t').map(|c| c.replace("\\n", "\n")).collect())
            .collect()
    }
}

/// An .xlsx of the sheets, merges as real merged cells, a fixed creation time.
pub fn write_xlsx(path: &Path, sheets: &[FormSheet]) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 15)?),
    );
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    for s in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(s.name)?;
        if s.hidden {
            sheet.set_hidden(true);
        }
        let rows = s.cells();
        let top = |r: u32, c: u32| s.merges.iter().any(|m| m[0] == r && m[1] == c);
        let covered = |r: u32, c: u32| {
            s.merges
                .iter()
                .any(|m| (m[0]..=m[2]).contains(&r) && (m[1]..=m[3]).contains(&c))
        };
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u32);
                if text.is_empty() || covered(r, c) {
                    continue;
                }
                match text.parse::<f64>() {
                    Ok(n) => sheet.write_number_with_format(r, c as u16, n, &cell)?,
                    Err(_) => sheet.write_string_with_format(r, c as u16, text, &cell)?,
                };
            }
        }
        for m in &s.merges {
            let text = rows
                .get(m[0] as usize)
                .and_then(|r| r.get(m[1] as usize))
                .cloned()
                .unwrap_or_default();
            debug_assert!(top(m[0], m[1]));
            sheet.merge_range(m[0], m[1] as u16, m[2], m[3] as u16, &text, &cell)?;
        }
        sheet.set_column_width(0, 16)?;
        for c in 1..8u16 {
            sheet.set_column_width(c, 18)?;
        }
    }
    workbook.save(path)
}

/// The 财政部 template as the 水利局 fills it in: values right of their labels, 其中 lines,
/// the label column and the 一级/二级 cells merged down.
pub fn water_supply() -> FormSheet {
    FormSheet::new(
        "项目1",
        "项目支出绩效目标申报表
(2024年度)
项目名称\t农村饮用水安全巩固提升
主管部门及代码\t市水利局 113001\t实施单位\t市农村水利管理中心
项目负责人\t王五\t联系电话\t0574-87000001
项目属性\t新增□ 延续☑\t项目期限\t2024年1月-2024年12月
项目资金(万元)\t年度资金总额:\t680
\t其中:财政拨款\t600
\t其他资金\t80
年度总体目标\t完成12个农村供水工程改造,巩固提升30万农村人口饮水安全
绩效指标\t一级指标\t二级指标\t三级指标\t指标值
\t产出指标\t数量指标\t改造供水工程数量\t≥12处
\t\t\t受益农村人口\t≥30万人
\t\t质量指标\t水质达标率(≥**%)\t95
\t\t时效指标\t工程完工时间\t2024年11月底前
\t\t成本指标\t单处工程平均投资\t≤56万元
\t效益指标\t社会效益指标\t农村饮水安全保障水平\t明显提升
\t\t生态效益指标\t本项目不适用此指标\t
\t满意度指标\t服务对象满意度指标\t受益群众满意度\t≥90%
其他需说明的问题\t无
主管部门审核意见\t同意申报",
        &[
            [0, 0, 0, 4],
            [1, 0, 1, 4],
            [2, 1, 2, 4],
            [6, 0, 8, 0],
            [9, 1, 9, 4],
            [10, 0, 18, 0],
            [11, 1, 15, 1],
            [11, 2, 12, 2],
            [16, 1, 17, 1],
        ],
    )
}

/// A variant: amounts in a 中期/年度 pair of columns, the goal split into 长期目标 | 年度目标,
/// a 中长期指标值 column beside the year's, 指标值符号 and 计量单位 columns.
pub fn flood_control() -> FormSheet {
    FormSheet::new(
        "项目2",
        "项目绩效目标表
项目名称\t城区防洪排涝能力提升\t\t
主管部门\t市水利局\t实施单位\t市河道管理处
项目资金(万元)\t\t中期资金总额\t年度资金总额
\t资金总额\t3600\t1200
\t其中:财政拨款\t3000\t1000
\t其他资金\t600\t200
总体目标\t长期目标\t年度目标
\t三年内城区主要易涝点全部整治\t完成8处易涝点整治
一级指标\t二级指标\t三级指标\t指标值符号\t年度指标值\t中长期指标值\t计量单位
产出指标\t数量指标\t整治易涝点数量\t≥\t8\t24\t处
\t质量指标\t工程验收合格率\t=\t100\t100\t%
效益指标\t社会效益指标\t城区积水时长缩短\t≥\t30\t50\t%
满意度指标\t服务对象满意度指标\t周边居民满意度\t≥\t85\t90\t%",
        &[[3, 0, 6, 0], [7, 0, 8, 0], [10, 0, 11, 0]],
    )
}

/// The 部门整体支出绩效目标表 of the 水利局.
pub fn water_overall() -> FormSheet {
    FormSheet::new(
        "部门整体",
        "部门整体支出绩效目标表
(2024年度)
部门(单位)名称\t市水利局
部门职责\t负责全市水资源管理、水利工程建设与运行管理、防汛抗旱
部门预算(万元)\t总额\t财政拨款\t其他资金
\t9800\t9000\t800
年度总体绩效目标\t保障全市防洪安全和城乡供水安全,水利工程运行良好
一级指标\t二级指标\t三级指标\t指标值类型\t指标值\t计量单位\t指标解释\t权重
产出指标\t数量指标\t水利工程巡查次数\t定量\t≥52\t次\t每周至少一次\t20
\t质量指标\t水利工程完好率\t定量\t≥95\t%\t\t20
效益指标\t社会效益指标\t防汛责任事故\t定量\t=0\t起\t\t30
满意度指标\t服务对象满意度指标\t社会公众满意度\t定量\t≥90\t%\t\t30",
        &[[0, 0, 0, 7], [1, 0, 1, 7], [4, 0, 5, 0]],
    )
}

/// Last year's self-evaluation, saved in the same folder: set aside, not consolidated.
pub fn water_self_evaluation() -> FormSheet {
    FormSheet::new(
        "自评表",
        "2023年度项目支出绩效自评表
项目名称\t农村饮用水安全巩固提升
一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因
产出指标\t数量指标\t改造供水工程数量\t≥10处\t11处\t20\t20\t
满意度指标\t服务对象满意度指标\t受益群众满意度\t≥90%\t93%\t10\t10\t",
        &[[0, 0, 0, 7]],
    )
}

/// The instructions sheet and the hidden drop-down lists that come with the template.
pub fn template_sheets() -> [FormSheet; 2] {
    let help = FormSheet::new(
        "填报说明",
        "1. 每个项目填写一张申报表。\n2. 金额单位为万元。",
        &[],
    );
    let mut lists = FormSheet::new(
        "下拉选项",
        "产出指标\t数量指标\n效益指标\t质量指标\n满意度指标\t时效指标",
        &[],
    );
    lists.hidden = true;
    [help, lists]
}

/// A Word form of the 人社局: the title, year and 填报单位 are paragraphs above the table.
pub fn labour_docx_paragraphs() -> [&'static str; 3] {
    [
        "2024年项目支出绩效目标申报表",
        "(2024年度)",
        "填报单位(盖章):市人力资源和社会保障局",
    ]
}

pub fn labour_docx() -> FormSheet {
    FormSheet::new(
        "表",
        "项目名称\t高校毕业生就业见习补贴\t项目负责人及电话\t赵六 0574-89000002
主管部门\t市人力资源和社会保障局\t实施单位\t市就业管理服务中心
项目资金(万元)\t资金总额: 260\\n一、财政拨款:240\\n二、自有资金:20\t\t
总体目标\t长期目标\t年度目标\t
\t三年内帮助3000名高校毕业生实现就业\t组织1000名高校毕业生参加就业见习\t
绩效指标\t一级指标\t二级指标\t指标内容\t指标值\t备注
\t产出指标\t数量指标\t参加见习人数\t1000人\t
\t\t时效指标\t补贴发放时间\t11月底前到位\t
\t效益指标\t社会效益指标\t见习后就业率\t不低于60%\t
\t满意度指标\t服务对象满意度指标\t见习人员满意度\t≥90%\t
其他需说明的问题\t无\t\t",
        &[[2, 1, 2, 3], [3, 0, 4, 0], [5, 0, 9, 0]],
    )
}

/// A budget system's export (SpreadsheetML under an ".xls" name): two projects' forms stacked
/// down one sheet, amounts in 元 below their labels, 指标性质 and 计量单位 columns, 权重 and
/// 指标解释 beside the target.
pub fn farming_export() -> FormSheet {
    let form = |name: &str, total: &str, fiscal: &str, count: &str| {
        format!(
            "项目绩效目标表
项目名称\t{name}\t\t\t\t\t
主管部门及代码\t市农业农村局 [126001]\t\t实施单位\t市农业技术推广站\t\t
项目资金(元)\t年度资金总额\t其中:财政拨款\t其他资金\t\t\t
\t{total}\t{fiscal}\t0\t\t\t
年度绩效目标\t推广新品种,带动农户增收\t\t\t\t\t
一级指标\t二级指标\t三级指标\t指标性质\t指标值\t计量单位\t权重\t指标解释
产出指标\t数量指标\t示范推广面积\t≥\t{count}\t亩\t30\t
\t质量指标\t技术到位率\t≥\t95\t%\t20\t
效益指标\t经济效益指标\t农户亩均增收\t≥\t200\t元\t30\t较上年
满意度指标\t服务对象满意度指标\t农户满意度\t≥\t90\t%\t20\t
"
        )
    };
    FormSheet::new(
        "项目绩效目标",
        &format!(
            "{}\n{}",
            form("水稻新品种示范推广", "800000", "800000", "5000"),
            form("高标准农田技术服务", "1500000", "1200000", "8000")
        ),
        &[],
    )
}
