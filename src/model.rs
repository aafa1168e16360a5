//! The normalized model: what every department's table means once read, repaired and checked.
//! These plain types are what consolidation, the workbook and the JSON report are built from;
//! their serde names are the report's contract (see README.md).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// One indicator (绩效指标) after normalization, with what was written beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub name: CompactString,
    /// ≥ ≤ = > <, "定性" for a qualitative target, or "" where none was written.
    pub op: CompactString,
    /// The numeric target; null for a qualitative or missing one.
    pub value: Option<f64>,
    /// The target as text: the number as written, or the qualitative words.
    pub text: CompactString,
    pub unit: CompactString,
    pub raw: RawValues,
    /// 一级指标 (产出指标, 效益指标, 满意度指标, 成本指标), as given or inferred; null if neither.
    pub level1: Option<CompactString>,
    /// 二级指标 (数量指标, 质量指标 …), as given or inferred.
    pub level2: Option<CompactString>,
    /// Whether the categories were given by the file or inferred from the name.
    pub category_source: CategorySource,
    /// How many identical rows this one stands for (1 unless duplicates were collapsed).
    pub copies: u32,
    /// Where the indicator's name was read, as "Sheet!H7".
    pub source: CompactString,
    /// What was repaired, in words (the 标注 column).
    pub notes: Vec<String>,
    /// The cells of every copy, first one first ("H28").
    #[serde(skip)]
    pub cells: Vec<CompactString>,
    /// The cells of the operator, target and unit as read ("I7", "J7", "K7"; empty where the
    /// table has no such column), for findings about them.
    #[serde(skip)]
    pub field_cells: [CompactString; 3],
}

/// Where an indicator's categories came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategorySource {
    /// The file gave 一级/二级 (the three-level layout).
    Given,
    /// jixiao classified the indicator by its name and unit with the rules' keywords.
    #[default]
    Inferred,
}

impl Indicator {
    /// The repairs in one line, as the 标注 column shows them.
    pub fn annotation(&self) -> String {
        self.notes.join(";")
    }
}

/// The operator, target and unit exactly as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawValues {
    pub op: CompactString,
    pub value: CompactString,
    pub unit: CompactString,
}

/// One project (项目) with its indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub seq: CompactString,
    pub name: String,
    pub overview: String,
    pub goal: String,
    pub budget_wan: Option<f64>,
    pub own_wan: Option<f64>,
    pub transfer_wan: Option<f64>,
    /// Where the project's name was read, as "Sheet!B6".
    pub source: CompactString,
    /// The 预算金额 cell ("D6"), or the name cell where the table has no amounts.
    #[serde(skip)]
    pub budget_cell: CompactString,
    pub notes: Vec<String>,
    pub indicators: Vec<Indicator>,
    /// How many findings name this project.
    pub finding_count: usize,
}

/// An indicator row that lost its project, kept in the department's (未归属) group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unassigned {
    /// 序号 of the project it followed in the source, if any.
    pub after_seq: Option<CompactString>,
    /// Name of the project it followed, if any.
    pub after_project: Option<String>,
    #[serde(flatten)]
    pub indicator: Indicator,
}

/// The figures a department declares about its own table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Declared {
    /// The number of projects the footnote declares.
    pub project_count: Option<u32>,
    /// The total budget (万元) the footnote declares.
    pub footnote_total_wan: Option<f64>,
    /// The 合计 row's 预算金额, 本级支出 and 转移支付支出 (万元).
    pub sum_row_wan: Option<f64>,
    pub sum_row_own_wan: Option<f64>,
    pub sum_row_transfer_wan: Option<f64>,
    #[serde(skip)]
    pub count_cell: String,
    #[serde(skip)]
    pub footnote_cell: String,
    /// The 合计 row's cells for budget, own and transfer.
    #[serde(skip)]
    pub sum_row_cells: [String; 3],
}

/// One department's table: a file, or one sheet of a file with several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub name: String,
    /// Where the name came from: a cell ("Sheet1!A163") or "file name".
    pub name_source: String,
    pub file: String,
    pub sheet: String,
    pub year: Option<i32>,
    pub declared: Declared,
    pub projects: Vec<Project>,
    pub unassigned: Vec<Unassigned>,
}

impl Department {
    /// Every indicator row kept: the projects', then the unassigned ones.
    pub fn indicator_count(&self) -> usize {
        self.projects
            .iter()
            .map(|p| p.indicators.len())
            .sum::<usize>()
            + self.unassigned.len()
    }

    /// Rows removed by collapsing identical duplicates.
    pub fn duplicates_collapsed(&self) -> usize {
        self.projects
            .iter()
            .flat_map(|p| &p.indicators)
            .chain(self.unassigned.iter().map(|u| &u.indicator))
            .map(|i| i.copies.saturating_sub(1) as usize)
            .sum()
    }

    /// The sum of the projects' amounts (万元), each column separately.
    pub fn budget_sums(&self) -> [f64; 3] {
        let mut sums = [0.0; 3];
        for p in &self.projects {
            for (sum, v) in sums
                .iter_mut()
                .zip([p.budget_wan, p.own_wan, p.transfer_wan])
            {
                *sum += v.unwrap_or(0.0);
            }
        }
        sums.map(crate::text::round_amount)
    }
}
