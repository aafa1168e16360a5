//! A deterministic corpus of departmental workbooks in the seed layout, for benchmarks and for
//! anyone who wants to reproduce the README's figures. Shared by `examples/gen_corpus.rs` and
//! `examples/bench.rs` (included with `#[path]`; not an example of its own).
//!
//! Department `i` depends only on `i` and [`SEED`], so files can be written in parallel, a
//! corpus of N files is the first N of any larger one, and every run gives the same bytes.
//!
//! Each workbook: a merged title, the two-level header of the seed (核心绩效指标 over 指标名称 |
//! 运算符 | 年度目标值 | 单位), 5–40 projects of 3–12 indicators whose project cells are merged
//! down over their rows, then the 合计 row and the footnote. The quirks of the seed are mixed in
//! at fixed rates: ≧/≦ and the other operator spellings, units 比例 and 次数, "10G" with unit 月,
//! qualitative targets (明显), duplicate rows, numbers stored as text, amounts as "1,709.50"
//! text, rows shifted into the project columns and rows outside every merged block.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jixiao::template::{HEADER, INDICATOR_HEADER};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, XlsxError};

/// The seed of every random choice. Changing it changes the corpus.
pub const SEED: u64 = 0x6a69_7869_616f_2024;

/// Bumped whenever the generator's output changes, so that a cached corpus is regenerated.
pub const GENERATOR_VERSION: u32 = 2;

/// The name of the sheet every generated workbook holds its table on.
pub const SHEET: &str = "项目绩效目标";

/// SplitMix64: tiny, fast and good enough to pick words; fully determined by its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// True with probability `per_mille`/1000, so rare quirks can be rare.
    pub fn per_mille(&mut self, per_mille: u64) -> bool {
        self.next_u64() % 1000 < per_mille
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// One indicator row as it will be written: name, operator, target, unit.
#[derive(Debug, Clone, PartialEq)]
pub struct GenIndicator {
    pub name: String,
    pub op: String,
    pub target: Target,
    pub unit: String,
}

/// A target cell: a number cell, or text (a number stored as text, "10G", 明显).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenProject {
    pub name: String,
    pub overview: String,
    pub goal: String,
    /// 预算金额, 本级支出, 转移支付支出 (万元).
    pub amounts: [f64; 3],
    pub indicators: Vec<GenIndicator>,
}

/// How a row lost its project.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lost {
    /// Written from column A instead of H, as row 56 of the seed.
    ShiftedLeft,
    /// In the indicator columns, but below the project's merged block.
    OutsideMerge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GenDepartment {
    pub index: usize,
    pub name: String,
    pub file_name: String,
    pub projects: Vec<GenProject>,
    /// Rows that lost their project: after which project (index), how, and the row.
    pub lost: Vec<(usize, Lost, GenIndicator)>,
    /// Amounts written as text such as "1,709.50" rather than number cells.
    pub amounts_as_text: bool,
    /// The project count the footnote declares (usually the real one).
    pub declared_count: usize,
}

impl GenDepartment {
    /// Indicator rows as written, the lost ones included (duplicates counted each time).
    pub fn rows(&self) -> usize {
        self.projects
            .iter()
            .map(|p| p.indicators.len())
            .sum::<usize>()
            + self.lost.len()
    }

    pub fn budget_total(&self) -> [f64; 3] {
        let mut t = [0.0; 3];
        for p in &self.projects {
            for (k, v) in p.amounts.iter().enumerate() {
                t[k] += v;
            }
        }
        t.map(|v| (v * 100.0).round() / 100.0)
    }
}

const CITIES: &[&str] = &[
    "宁波市",
    "杭州市",
    "温州市",
    "嘉兴市",
    "湖州市",
    "绍兴市",
    "金华市",
    "衢州市",
    "舟山市",
    "台州市",
    "丽水市",
    "海曙区",
    "江北区",
    "北仑区",
    "镇海区",
    "鄞州区",
    "奉化区",
    "余姚市",
    "慈溪市",
    "象山县",
    "宁海县",
    "西湖区",
    "上城区",
    "拱墅区",
    "滨江区",
    "萧山区",
    "余杭区",
    "富阳区",
    "临安区",
    "桐庐县",
    "淳安县",
    "建德市",
];

const BUREAUS: &[&str] = &[
    "人民代表大会常务委员会办公厅",
    "人民政府办公厅",
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "经济和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化广电旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "体育局",
    "统计局",
    "医疗保障局",
    "机关事务管理局",
    "档案馆",
    "图书馆",
    "疾病预防控制中心",
    "城市管理局",
];

/// Subordinate units, so that a corpus of tens of thousands of files still has one department per
/// file, as a province's does ("" is the bureau itself).
const UNITS: &[&str] = &[
    "",
    "机关",
    "信息中心",
    "服务中心",
    "执法大队",
    "培训中心",
    "研究院",
    "档案室",
    "后勤服务中心",
    "宣传中心",
    "监测站",
    "技术中心",
    "保障中心",
    "事务中心",
    "指导中心",
    "发展中心",
    "综合服务站",
    "评审中心",
    "调查队",
    "办公室",
    "管理处",
    "稽查队",
    "数据中心",
    "会计核算中心",
];

/// Department `index`'s name: distinct for every index below 32 × 32 × 24 = 24,576, so that no
/// file of the corpus supersedes another as a second submission of the same department.
pub fn department_name(index: usize) -> String {
    let city = CITIES[index % CITIES.len()];
    let bureau = BUREAUS[(index / CITIES.len()) % BUREAUS.len()];
    let unit = UNITS[(index / (CITIES.len() * BUREAUS.len())) % UNITS.len()];
    format!("{city}{bureau}{unit}")
}

const PROJECT_SUBJECTS: &[&str] = &[
    "无纸化设备租赁",
    "立法",
    "老干部活动中心维护",
    "综合保障",
    "“数字人大”一期运维",
    "立法基础研究综合业务",
    "中小学校舍维修改造",
    "教师培训",
    "学生资助",
    "基本公共卫生服务",
    "疾病预防控制专项",
    "农村公路养护",
    "公交运营补贴",
    "信息系统运维",
    "档案数字化",
    "政务服务大厅运行",
    "安全生产监管",
    "食品安全抽检",
    "河道保洁",
    "垃圾分类宣传",
    "社区养老服务",
    "残疾人就业",
    "文化惠民演出",
    "全民健身设施维护",
    "网络安全等级保护",
    "应急物资储备",
    "法律援助",
    "退役军人走访慰问",
    "农田水利建设",
    "森林防火",
    "统计调查",
    "审计业务外包",
    "办公用房维修",
    "公务用车运行维护",
    "政策研究课题",
    "人才引进",
];

const PROJECT_SUFFIXES: &[&str] = &["经费", "费", "专项经费", "项目", "补助资金", "工作经费"];

const OVERVIEW_FRAGMENTS: &[&str] = &[
    "为人大代表履职提供无纸化办公等信息化手段",
    "用于人大立法方面经费,包括立法咨询、立法评估,全市立法工作会议、培训,外出考察调研等",
    "包括房租费用、活动中心维护费用等各项",
    "保障日常费用、体检、就医保障费用以及读书会等",
    "按照竣工验收建设费用*10%测算运维经费",
    "配合工作机构开展基础研究等工作,协助抓好“智库”建设和人才培养",
    "对全市中小学校舍进行维修改造,消除安全隐患",
    "组织全市中小学教师参加市级以上专业培训",
    "落实家庭经济困难学生资助政策",
    "为城乡居民免费提供基本公共卫生服务",
    "开展重大传染病防控和免疫规划工作",
    "确保系统全年稳定运行,故障及时排除",
    "提升群众办事便利度和满意度",
    "按照年度工作计划,做好调研、评估等各项工作",
    "一年一般召开9次左右,提供网络保障以及不少于1名的运维保障人员",
    "租用650张5G流量卡,流量不低于10G/月",
];

const GOAL_FRAGMENTS: &[&str] = &[
    "确保项目正常运行",
    "为高质量发展提供保障",
    "确保活动中心运行正常,为老同志创造良好舒适的活动环境",
    "提升履职效率和服务水平",
    "按期完成年度任务,资金使用规范",
    "群众满意度稳步提高",
    "保障好新闻信息中心高质量发展",
];

/// Indicator templates: name, direction (true: at least), number range, decimals, unit.
const INDICATORS: &[(&str, bool, u64, u64, bool, &str)] = &[
    ("受益人员满意度", true, 80, 98, false, "%"),
    ("租赁设备数量", true, 10, 2000, false, "个"),
    ("租赁时长", true, 1, 3, false, "年"),
    ("租赁流量卡数量", true, 10, 900, false, "个"),
    ("租赁设备故障率", false, 1, 5, false, "%"),
    ("设备故障排除时间", false, 1, 24, false, "小时"),
    ("上报建议、意见数量", true, 10, 1000, false, "个"),
    ("公众号订阅人数增长率", true, 5, 30, false, "%"),
    ("培训班次(会议次数)", true, 1, 20, false, "次"),
    ("立法调研项目", true, 1, 10, false, "个"),
    ("主流媒体报道次数", true, 5, 50, false, "次"),
    ("活动中心利用率", true, 60, 95, false, "%"),
    ("保障老干部数量", true, 50, 300, false, "人"),
    ("培训(参会)人次", true, 10, 3000, false, "人次"),
    ("培训(会议)天数", true, 1, 30, false, "天"),
    ("系统模块维护数量", true, 1, 20, false, "个"),
    ("系统验收合格率", true, 100, 100, false, "%"),
    ("系统故障修复处理时间", false, 1, 8, true, "小时"),
    ("系统运行维护响应时间", false, 5, 30, false, "分钟"),
    ("官方网站更新消息数量", true, 100, 5000, false, "条"),
    ("宣贯政策知晓率", true, 80, 98, false, "%"),
    ("资金发放及时率", true, 100, 100, false, "%"),
    ("按期完工率", true, 90, 100, false, "%"),
    ("工程验收合格率", true, 95, 100, false, "%"),
    ("三类会议标准", false, 200, 600, false, "元"),
    ("人均培训成本", false, 100, 2000, true, "元"),
    ("资助学生人数", true, 100, 8000, false, "人"),
    ("疫情处置响应时间", false, 1, 4, false, "小时"),
    ("养护里程", true, 10, 500, true, "公里"),
    ("抽检批次", true, 50, 3000, false, "批次"),
];

const QUALITATIVE: &[(&str, &str)] = &[
    ("提升人大代表履职效率", "明显"),
    ("人大立法质效提升", "明显"),
    ("社会效益", "显著提升"),
    ("群众获得感", "有所提升"),
    ("租赁设备品牌", "华为"),
];

/// The name of department `index`'s file.
pub fn file_name(index: usize) -> String {
    format!("dept_{index:05}.xlsx")
}

fn amount(rng: &mut Rng) -> f64 {
    // 1.00 … 3000.00 万元, cents only, skewed towards small projects.
    let cents = match rng.range(0, 9) {
        0..=5 => rng.range(100, 10_000),
        6..=8 => rng.range(10_000, 100_000),
        _ => rng.range(100_000, 300_000),
    };
    cents as f64 / 100.0
}

fn sentence(rng: &mut Rng, fragments: &[&str], min: u64, max: u64) -> String {
    let n = rng.range(min, max);
    let mut s = String::new();
    for k in 0..n {
        if k > 0 {
            s.push(',');
        }
        let fragment: &str = rng.pick::<&str>(fragments);
        s.push_str(fragment);
    }
    s.push('。');
    s
}

fn indicator(rng: &mut Rng) -> GenIndicator {
    if rng.per_mille(40) {
        let (name, words) = *rng.pick(QUALITATIVE);
        // The seed writes 明显 with ≧ or with no operator at all.
        let op = if rng.per_mille(500) { "≧" } else { "" };
        return GenIndicator {
            name: name.to_string(),
            op: op.to_string(),
            target: Target::Text(words.to_string()),
            unit: String::new(),
        };
    }
    if rng.per_mille(15) {
        return GenIndicator {
            name: "租赁代表流量卡流量".to_string(),
            op: "≧".to_string(),
            target: Target::Text("10G".to_string()),
            unit: "月".to_string(),
        };
    }
    let &(name, at_least, lo, hi, decimals, unit) = rng.pick(INDICATORS);
    let value = if decimals {
        rng.range(lo * 10, hi * 10) as f64 / 10.0
    } else {
        rng.range(lo, hi) as f64
    };
    let op = if value == 100.0 && unit == "%" {
        if rng.per_mille(500) { "=" } else { "＝" }
    } else if at_least {
        match rng.range(0, 99) {
            0..=59 => "≧",
            60..=79 => "≥",
            80..=87 => ">=",
            88..=93 => "＞＝",
            _ => ">",
        }
    } else {
        match rng.range(0, 99) {
            0..=69 => "≦",
            70..=89 => "≤",
            _ => "<=",
        }
    };
    let unit = match unit {
        "%" if rng.per_mille(60) => "比例",
        "次" if rng.per_mille(250) => "次数",
        u => u,
    };
    // Numbers stored as text, sometimes with full-width digits or stray spaces.
    let target = if rng.per_mille(100) {
        let text = format_plain(value);
        match rng.range(0, 3) {
            0 => Target::Text(format!(" {text} ")),
            1 => Target::Text(text.chars().map(full_width).collect()),
            _ => Target::Text(text),
        }
    } else {
        Target::Number(value)
    };
    GenIndicator {
        name: name.to_string(),
        op: op.to_string(),
        target,
        unit: unit.to_string(),
    }
}

fn full_width(c: char) -> char {
    match c {
        '0'..='9' | '.' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn format_plain(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Amounts as a person types them into a text cell: "1,709.50".
pub fn amount_text(v: f64) -> String {
    let cents = (v * 100.0).round() as i64;
    let (int, frac) = (cents / 100, cents % 100);
    let digits = int.to_string();
    let mut grouped = String::new();
    for (k, ch) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.{frac:02}")
}

/// Department `index`, fully determined by it.
pub fn department(index: usize) -> GenDepartment {
    let mut rng = Rng::new(SEED ^ (index as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let name = department_name(index);
    let project_count = rng.range(5, 40) as usize;
    let mut projects = Vec::with_capacity(project_count);
    for _ in 0..project_count {
        let budget = amount(&mut rng);
        let transfer = if rng.per_mille(200) {
            ((budget * rng.range(10, 90) as f64).round()) / 100.0
        } else {
            0.0
        };
        let own = ((budget - transfer) * 100.0).round() / 100.0;
        let count = rng.range(3, 12) as usize;
        let mut indicators: Vec<GenIndicator> = Vec::with_capacity(count + 1);
        while indicators.len() < count {
            let next = indicator(&mut rng);
            // Each project names an indicator once, unless the row is a deliberate duplicate.
            if indicators.iter().any(|i| i.name == next.name) {
                continue;
            }
            indicators.push(next);
            if rng.per_mille(20) {
                let copy = indicators[indicators.len() - 1].clone();
                indicators.push(copy);
            }
        }
        let subject = rng.pick(PROJECT_SUBJECTS);
        let suffix = rng.pick(PROJECT_SUFFIXES);
        projects.push(GenProject {
            name: format!("{subject}{suffix}"),
            overview: sentence(&mut rng, OVERVIEW_FRAGMENTS, 1, 4),
            goal: sentence(&mut rng, GOAL_FRAGMENTS, 1, 3),
            amounts: [budget, own, transfer],
            indicators,
        });
    }
    let mut lost = Vec::new();
    if rng.per_mille(100) {
        let after = rng.range(0, project_count as u64 - 1) as usize;
        lost.push((after, Lost::ShiftedLeft, indicator(&mut rng)));
    }
    if rng.per_mille(50) {
        let after = rng.range(0, project_count as u64 - 1) as usize;
        lost.push((after, Lost::OutsideMerge, indicator(&mut rng)));
    }
    lost.sort_by_key(|(after, _, _)| *after);
    let amounts_as_text = rng.per_mille(50);
    let declared_count = if rng.per_mille(50) {
        project_count + rng.range(1, 5) as usize
    } else {
        project_count
    };
    GenDepartment {
        index,
        name,
        file_name: file_name(index),
        projects,
        lost,
        amounts_as_text,
        declared_count,
    }
}

/// Writes one department's workbook in the seed layout.
pub fn write_workbook(d: &GenDepartment, path: &Path) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2024, 1, 1)?),
    );
    let cell = Format::new().set_border(FormatBorder::Thin);
    let wrap = cell.clone().set_text_wrap();
    let money = cell.clone().set_num_format("0.00");
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    sheet.merge_range(0, 0, 0, 10, "项目绩效目标汇总表", &Format::new().set_bold())?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.merge_range(1, c as u16, 2, c as u16, h, &wrap)?;
    }
    sheet.merge_range(1, 7, 1, 10, "核心绩效指标", &wrap)?;
    for (c, h) in INDICATOR_HEADER.iter().enumerate() {
        sheet.write_string_with_format(2, 7 + c as u16, *h, &wrap)?;
    }

    let mut row = 3u32;
    let mut lost = d.lost.iter().peekable();
    for (i, p) in d.projects.iter().enumerate() {
        let first = row;
        let last = row + p.indicators.len() as u32 - 1;
        let seq = (i + 1) as f64;
        // Merged when the project spans several rows, as the seed's publishers do.
        let texts = [(1u16, p.name.as_str()), (2, &p.overview), (6, &p.goal)];
        if last > first {
            sheet.merge_range(first, 0, last, 0, "", &wrap)?;
            for (c, t) in texts {
                sheet.merge_range(first, c, last, c, t, &wrap)?;
            }
            for k in 0..3u16 {
                sheet.merge_range(first, 3 + k, last, 3 + k, "", &money)?;
            }
        } else {
            for (c, t) in texts {
                sheet.write_string_with_format(first, c, t, &wrap)?;
            }
        }
        sheet.write_number_with_format(first, 0, seq, &wrap)?;
        for (k, v) in p.amounts.iter().enumerate() {
            let col = 3 + k as u16;
            if d.amounts_as_text {
                sheet.write_string_with_format(first, col, amount_text(*v), &money)?;
            } else {
                sheet.write_number_with_format(first, col, *v, &money)?;
            }
        }
        for ind in &p.indicators {
            write_indicator(sheet, row, 7, ind, &cell)?;
            row += 1;
        }
        while let Some((_, how, ind)) = lost.next_if(|(after, _, _)| *after == i) {
            let col = match how {
                Lost::ShiftedLeft => 0,
                Lost::OutsideMerge => 7,
            };
            write_indicator(sheet, row, col, ind, &cell)?;
            row += 1;
        }
    }
    sheet.write_string_with_format(row, 0, "合计", &cell)?;
    let total = d.budget_total();
    for (k, t) in total.iter().enumerate() {
        let col = 3 + k as u16;
        if d.amounts_as_text {
            sheet.write_string_with_format(row, col, amount_text(*t), &money)?;
        } else {
            sheet.write_number_with_format(row, col, *t, &money)?;
        }
    }
    let footnote = format!(
        "2024年,{}部门全面公开预算项目支出绩效目标(涉密项目除外),其中,本级部门预算项目{}个,预算金额{}万元,转移支付项目0个,预算金额0万元",
        d.name,
        d.declared_count,
        format_plain(total[0])
    );
    sheet.write_string(row + 2, 0, &footnote)?;
    sheet.set_column_width(1, 24)?;
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(6, 40)?;
    sheet.set_column_width(7, 26)?;
    workbook.save(path)
}

fn write_indicator(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    ind: &GenIndicator,
    format: &Format,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(row, col, &ind.name, format)?;
    if !ind.op.is_empty() {
        sheet.write_string_with_format(row, col + 1, &ind.op, format)?;
    }
    match &ind.target {
        Target::Number(v) => sheet.write_number_with_format(row, col + 2, *v, format)?,
        Target::Text(t) => sheet.write_string_with_format(row, col + 2, t, format)?,
    };
    if !ind.unit.is_empty() {
        sheet.write_string_with_format(row, col + 3, &ind.unit, format)?;
    }
    Ok(())
}

/// What a corpus directory holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorpusStats {
    pub files: usize,
    /// Indicator rows as written, duplicates and lost rows included.
    pub rows: usize,
    pub bytes: u64,
}

/// The marker that says a directory holds a complete corpus of `files` files.
fn marker(dir: &Path, files: usize) -> PathBuf {
    dir.join(format!(".complete-{files}-{SEED:x}-v{GENERATOR_VERSION}"))
}

/// Is `dir` a complete corpus of exactly `files` files written by this generator?
pub fn is_complete(dir: &Path, files: usize) -> bool {
    marker(dir, files).exists()
}

/// Writes departments `0..files` into `dir` on the current rayon pool, then a marker file.
/// Existing files are overwritten; `progress` is called with each department's index.
pub fn generate(
    dir: &Path,
    files: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<CorpusStats, Box<dyn std::error::Error + Send + Sync>> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(".complete-"))
        {
            std::fs::remove_file(path)?;
        }
    }
    let per_file: Vec<(usize, u64)> = (0..files)
        .into_par_iter()
        .map(
            |i| -> Result<(usize, u64), Box<dyn std::error::Error + Send + Sync>> {
                let d = department(i);
                let path = dir.join(&d.file_name);
                write_workbook(&d, &path)?;
                progress(i);
                Ok((d.rows(), std::fs::metadata(&path)?.len()))
            },
        )
        .collect::<Result<_, _>>()?;
    let stats = CorpusStats {
        files,
        rows: per_file.iter().map(|p| p.0).sum(),
        bytes: per_file.iter().map(|p| p.1).sum(),
    };
    std::fs::write(
        marker(dir, files),
        format!("{} files, {} indicator rows\n", stats.files, stats.rows),
    )?;
    Ok(stats)
}
