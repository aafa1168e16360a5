//! The normalized model: what every department's table means once read, repaired and checked.
//! These plain types are what consolidation, the workbook and the JSON report are built from.
//! They serve the pipeline: cells are kept as [`CellRef`]s for findings and the workbook, and
//! nothing here is shaped for the report, whose own types (`report.rs`) are built from these.
//! They derive serde only to be packed by the store between reading and writing.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::grid::CellRef;

/// One indicator (绩效指标) after normalization, with what was written beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub name: CompactString,
    /// ≥ ≤ = > <, "定性" for a qualitative target, or "" where none was written.
    pub op: CompactString,
    /// The numeric target; none for a qualitative or missing one. For a range (op `range`),
    /// its low end.
    pub value: Option<f64>,
    /// A range's high end (op `range`); none for every other target.
    pub value_to: Option<f64>,
    /// The target as text: the number as written, or the qualitative words.
    pub text: CompactString,
    pub unit: CompactString,
    pub raw: RawValues,
    /// 一级指标 (产出指标, 效益指标, 满意度指标, 成本指标), as given or inferred; none if neither.
    pub level1: Option<CompactString>,
    /// 二级指标 (数量指标, 质量指标 …), as given or inferred.
    pub level2: Option<CompactString>,
    /// Whether the categories were given by the file or inferred from the name.
    pub category_source: CategorySource,
    /// How many identical rows this one stands for (1 unless duplicates were collapsed).
    pub copies: u32,
    /// The cell its name was read from (of the first copy): its source.
    pub cell: CellRef,
    /// The name cells of the further copies collapsed into this one, in order.
    pub copy_cells: Vec<CellRef>,
    /// The cells of the operator, target and unit as read, for findings about them.
    pub field_cells: FieldCells,
    /// What was repaired, in words (the 标注 column).
    pub notes: Vec<String>,
    /// What a form's indicator block says beside the target (none for a row table's).
    pub extra: Option<Box<IndicatorExtra>>,
}

/// What a form's indicator block gives beside an indicator's target: kept, never read as the
/// target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicatorExtra {
    /// 指标值类型 as written (定量, 定性).
    pub value_kind: Option<CompactString>,
    /// 权重, as a number.
    pub weight: Option<f64>,
    /// Last year's actual value, as written.
    pub prior_actual: Option<String>,
    /// The text columns (指标解释, 评(扣)分标准, 指标值设定依据, 备注, past years' actuals …).
    pub details: Vec<Detail>,
}

/// A label and what was written beside it (in the report as `{"label": …, "value": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub label: String,
    pub value: String,
}

/// Where an indicator's operator, target and unit were read (of its first copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCells {
    /// None where the table has no operator column.
    pub op: Option<CellRef>,
    pub target: CellRef,
    /// None where the table has no unit column.
    pub unit: Option<CellRef>,
}

/// Where an indicator's categories came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CategorySource {
    /// The file gave 一级/二级 (the three-level layout).
    Given,
    /// jixiao classified the indicator by its name and unit with the rules' keywords.
    #[default]
    Inferred,
}

impl CategorySource {
    /// The name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            CategorySource::Given => "given",
            CategorySource::Inferred => "inferred",
        }
    }

    /// The words in the 指标 sheet's 分类来源 column (the label key, in Chinese).
    pub fn label_zh(self) -> &'static str {
        match self {
            CategorySource::Given => "原表给定",
            CategorySource::Inferred => "按名称推断",
        }
    }
}

impl Indicator {
    /// The repairs in one line, as the 标注 column shows them.
    pub fn annotation(&self) -> String {
        self.notes.join(";")
    }

    /// The name cell of every copy, the first one first.
    pub fn cells(&self) -> impl Iterator<Item = CellRef> + '_ {
        std::iter::once(self.cell).chain(self.copy_cells.iter().copied())
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
    /// The cell its name was read from: its source.
    pub cell: CellRef,
    /// The 预算金额 cell, where the table has an amount column.
    pub budget_cell: Option<CellRef>,
    pub notes: Vec<String>,
    pub indicators: Vec<Indicator>,
    /// How many findings name this project.
    pub finding_count: usize,
    /// What a form gives beyond a row table's columns; none for a row table's project.
    pub form: Option<Box<FormFields>>,
}

/// The kind of table a project was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A row of a table of projects (the published 汇总表 shape).
    RowTable,
    /// A per-project form (项目支出绩效目标申报表).
    Form,
}

impl SourceKind {
    /// The name in the report.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::RowTable => "row_table",
            SourceKind::Form => "form",
        }
    }

    /// The words in 汇总's 来源类型 column (the label key, in Chinese).
    pub fn label_zh(self) -> &'static str {
        match self {
            SourceKind::RowTable => "汇总表",
            SourceKind::Form => "申报表",
        }
    }
}

/// What a per-project form gives beyond a row table's columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormFields {
    /// 实施单位 (the unit carrying the project out).
    pub implementing_unit: Option<String>,
    /// 财政拨款 and 其他资金 of the year's amount (万元); parts of it, never added to it.
    pub fiscal_wan: Option<f64>,
    pub other_wan: Option<f64>,
    /// The project's cumulative total (项目资金总额, 中期资金总额), kept apart from the year's.
    pub cumulative_wan: Option<f64>,
    /// 长期目标 / 中期目标 beside the year's goal.
    pub long_term_goal: Option<String>,
    /// Indicators of the long-term block or column: kept apart from the year's.
    pub long_term_indicators: Vec<Indicator>,
    /// Every other label with its value (项目负责人, 联系电话, 项目属性, 审核意见 …).
    pub attributes: Vec<Detail>,
}

impl Project {
    /// The cell findings about the project's amounts name: its 预算金额, else its name.
    pub fn amount_cell(&self) -> CellRef {
        self.budget_cell.unwrap_or(self.cell)
    }

    /// The kind of table it was read from.
    pub fn source_kind(&self) -> SourceKind {
        match self.form {
            Some(_) => SourceKind::Form,
            None => SourceKind::RowTable,
        }
    }
}

/// A 部门整体支出绩效目标表: the department as the subject, with its own budget and indicators,
/// not a project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    pub budget_wan: Option<f64>,
    pub fiscal_wan: Option<f64>,
    pub other_wan: Option<f64>,
    /// 年度总体绩效目标.
    pub goal: String,
    /// 部门(单位)职责.
    pub duties: String,
    /// The cell the table's name (or title) was read from.
    pub cell: Option<CellRef>,
    /// The cell of its total amount.
    pub budget_cell: Option<CellRef>,
    pub notes: Vec<String>,
    pub attributes: Vec<Detail>,
    pub indicators: Vec<Indicator>,
}

/// An indicator row that lost its project, kept in the department's (未归属) group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unassigned {
    /// 序号 of the project it followed in the source, if any.
    pub after_seq: Option<CompactString>,
    /// Name of the project it followed, if any.
    pub after_project: Option<String>,
    pub indicator: Indicator,
}

/// The figures a department declares about its own table, and where each was read.
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
    pub count_cell: Option<CellRef>,
    pub footnote_cell: Option<CellRef>,
    /// The 合计 row's cells for budget, own and transfer.
    pub sum_row_cells: [Option<CellRef>; 3],
}

/// Where a department's name was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NameSource {
    /// A cell of the table's sheet (a 单位名称 line, the footnote, the title).
    Cell(CellRef),
    /// The table names none: the file's name stands for it.
    FileName,
    /// The table names none, and its file holds several: the sheet's name stands for it.
    SheetName,
}

impl NameSource {
    /// Whether the table itself gives the name (a file or sheet name says nothing).
    pub fn is_given(self) -> bool {
        matches!(self, NameSource::Cell(_))
    }

    /// The cell the name was read from, if any.
    pub fn cell(self) -> Option<CellRef> {
        match self {
            NameSource::Cell(cell) => Some(cell),
            NameSource::FileName | NameSource::SheetName => None,
        }
    }
}

/// Where a department's year was read: the 年度 column of every sheet and `year_source` in the
/// report say it, so a folder holding two years can be told apart and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum YearSource {
    /// A "年度:2024" line above the table (the template's 年度 cell).
    YearLine(CellRef),
    /// The footnote ("2024年,XX局部门全面公开…").
    Footnote(CellRef),
    /// The title above the header ("XX局2024年项目绩效目标表").
    Title(CellRef),
    /// A form's title or its 年度 row.
    Form(CellRef),
    /// None of these: the file's name ("…_2024.xlsx").
    FileName,
}

impl YearSource {
    /// The source's name in the report.
    pub fn kind(self) -> &'static str {
        match self {
            YearSource::YearLine(_) => "year_line",
            YearSource::Footnote(_) => "footnote",
            YearSource::Title(_) => "title",
            YearSource::Form(_) => "form",
            YearSource::FileName => "file_name",
        }
    }

    /// The cell the year was read from, if any.
    pub fn cell(self) -> Option<CellRef> {
        match self {
            YearSource::YearLine(c)
            | YearSource::Footnote(c)
            | YearSource::Title(c)
            | YearSource::Form(c) => Some(c),
            YearSource::FileName => None,
        }
    }
}

/// What a table says about its department, and where the table is: everything but its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct About {
    pub name: String,
    pub name_source: NameSource,
    pub file: String,
    pub sheet: String,
    pub year: Option<i32>,
    /// Where `year` was read; `None` exactly when it is.
    pub year_source: Option<YearSource>,
    /// Every year the table's sources give (the 年度 line, footnote, title, a form's title and
    /// 年度 row, the file's name), each with where it was read: for `year_mismatch`.
    #[serde(default)]
    pub years_found: Vec<(i32, YearSource)>,
    pub declared: Declared,
}

/// One department's table: a file, or one sheet of a file with several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    pub about: About,
    pub projects: Vec<Project>,
    pub unassigned: Vec<Unassigned>,
    /// The department's overall targets (a 部门整体 table), where the table is one.
    pub overall: Option<Box<Overall>>,
}

/// What an indicator row of a department belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The project of this index.
    Project(usize),
    /// No project: a row that lost its project.
    Unassigned,
    /// The department's overall targets.
    Overall,
}

impl Owner {
    /// The project, if it is one's.
    pub fn project(self) -> Option<usize> {
        match self {
            Owner::Project(p) => Some(p),
            Owner::Unassigned | Owner::Overall => None,
        }
    }
}

impl Department {
    /// Every indicator row kept, with what it belongs to: the projects', then the unassigned
    /// ones, then the overall targets'. Positions in this order are what findings and 指标
    /// count by.
    pub fn indicators(&self) -> impl Iterator<Item = (Owner, &Indicator)> {
        self.projects
            .iter()
            .enumerate()
            .flat_map(|(p, project)| {
                project
                    .indicators
                    .iter()
                    .map(move |i| (Owner::Project(p), i))
            })
            .chain(
                self.unassigned
                    .iter()
                    .map(|u| (Owner::Unassigned, &u.indicator)),
            )
            .chain(
                self.overall
                    .iter()
                    .flat_map(|o| o.indicators.iter().map(|i| (Owner::Overall, i))),
            )
    }

    /// Every indicator row kept, to change in place, in the order of [`Department::indicators`].
    pub fn indicators_mut(&mut self) -> impl Iterator<Item = &mut Indicator> {
        self.projects
            .iter_mut()
            .flat_map(|p| p.indicators.iter_mut())
            .chain(self.unassigned.iter_mut().map(|u| &mut u.indicator))
            .chain(
                self.overall
                    .iter_mut()
                    .flat_map(|o| o.indicators.iter_mut()),
            )
    }

    /// Every indicator row kept, the unassigned and overall ones included.
    pub fn indicator_count(&self) -> usize {
        self.projects
            .iter()
            .map(|p| p.indicators.len())
            .sum::<usize>()
            + self.unassigned.len()
            + self.overall.as_ref().map_or(0, |o| o.indicators.len())
    }

    /// The position (see [`Department::indicators`]) of each project's first indicator, and
    /// of the first unassigned one last.
    pub fn indicator_starts(&self) -> Vec<usize> {
        let mut starts = Vec::with_capacity(self.projects.len() + 1);
        let mut at = 0;
        for p in &self.projects {
            starts.push(at);
            at += p.indicators.len();
        }
        starts.push(at);
        starts
    }

    /// Rows removed by collapsing identical duplicates.
    pub fn duplicates_collapsed(&self) -> usize {
        self.indicators()
            .map(|(_, i)| i.copies.saturating_sub(1) as usize)
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
