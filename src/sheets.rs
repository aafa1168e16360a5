//! The summary workbook's sheets described as data: their names, and for each sheet an enum of
//! its columns with the header's label key, what its cells hold and how wide it is. The writer
//! lays sheets out from these tables and builds every formula from them (column letters are
//! derived, never typed), so moving a column moves its formulas with it. What a department's
//! rows need on these sheets (their height, their notes) is surveyed here too, while the
//! department is in hand, so that writing never unpacks a department just to learn it.

use crate::model::{Department, Indicator};
use crate::text::{clean, column_name, parse_number};
use unicode_width::UnicodeWidthStr;

/// The sheet names, in workbook order. Part of the output contract.
pub const SHEET_PROJECTS: &str = "汇总";
pub const SHEET_INDICATORS: &str = "指标";
pub const SHEET_TOTALS: &str = "合计";
pub const SHEET_FINDINGS: &str = "问题";
/// Charts of 合计 and 问题 (budget by department, findings by kind), beside their data.
pub const SHEET_CHARTS: &str = "图表";
/// How the summary was made, the legend and the finding codes; the last sheet.
pub const SHEET_README: &str = "说明";

/// Shown in 项目名称 for the indicators that lost their project.
pub const UNASSIGNED_LABEL: &str = "(未归属)";

/// Shown in 项目名称 for the indicators of a department's 部门整体 table.
pub const OVERALL_LABEL: &str = "(部门整体)";

/// The workbooks' font: 宋体 (SimSun), the East-Asian font every Windows and WPS installation
/// has (等线 comes only with Office 2016 and later); LibreOffice substitutes its CJK serif.
pub const WORKBOOK_FONT: &str = "宋体";
/// GB2312, the character set Excel records with a Chinese font.
pub const WORKBOOK_FONT_CHARSET: u8 = 134;

/// A format in the workbooks' font, to build every other format from.
pub fn font() -> rust_xlsxwriter::Format {
    rust_xlsxwriter::Format::new()
        .set_font_name(WORKBOOK_FONT)
        .set_font_charset(WORKBOOK_FONT_CHARSET)
}

/// Sets the workbooks' font as the default of `workbook`, before any sheet is added.
pub fn set_workbook_font(
    workbook: &mut rust_xlsxwriter::Workbook,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    // 20 px rows and 64 px columns, as Excel's own default for an 11 pt font.
    workbook.set_default_format(&font().set_font_size(11), 20, 64)?;
    Ok(())
}

/// The label of the grand-total row of 合计.
pub const GRAND_TOTAL_LABEL: &str = "总计";

/// The label of the row under 总计 that holds the budget split into neither 本级 nor 转移支付.
pub const UNSPLIT_LABEL: &str = "其中:未拆分本级/转移支付(万元)";

/// Excel's last row is 1,048,576; one is the header.
pub const MAX_DATA_ROWS: u32 = 1_048_575;

/// Wrapped text columns show at most this many lines; the cell holds the rest.
pub const MAX_LINES: usize = 3;

/// The name of the n-th 指标 sheet (0: 指标, 1: 指标(2), …).
pub fn indicator_sheet_name(part: usize) -> String {
    part_sheet_name(SHEET_INDICATORS, part)
}

/// The name of the n-th part of a sheet continued past Excel's row limit (0: the sheet
/// itself, 1: its name with (2), …): 指标, 汇总 and 问题 continue this way.
pub fn part_sheet_name(sheet: &str, part: usize) -> String {
    if part == 0 {
        sheet.to_string()
    } else {
        format!("{sheet}({})", part + 1)
    }
}

/// What a column's cells hold, for their format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Text in a column of fixed width, wrapped.
    Wrap,
    /// 万元, two decimals.
    Amount,
    /// A count or a figure as written.
    Count,
    /// A link to another cell of the summary.
    Link,
}

/// How a column is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Values; the column's default format is its kind's, so that plain cells need none.
    Values,
    /// Formulas (with their results stored), each written with its kind's format.
    Formulas,
}

/// How wide a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// As wide as its widest text (CJK characters count double), at most this.
    Fit(usize),
    /// This wide, its text wrapped.
    Wrap(usize),
}

/// Columns fit their text up to this width unless their table says otherwise.
const FIT: Width = Width::Fit(50);

macro_rules! columns {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $header:literal, $kind:ident, $fill:ident, $width:expr, $total:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every column, left to right.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The headers' label keys (the Chinese text, translated by `Labels`), in order.
            pub const HEADERS: &'static [&'static str] = &[$($header),*];

            /// Zero-based column index.
            pub fn index(self) -> u16 {
                self as u16
            }

            /// The header's label key.
            pub fn header(self) -> &'static str {
                Self::HEADERS[self as usize]
            }

            /// What its cells hold.
            pub fn kind(self) -> Kind {
                match self { $($name::$variant => Kind::$kind,)* }
            }

            /// How it is filled.
            pub fn fill(self) -> Fill {
                match self { $($name::$variant => Fill::$fill,)* }
            }

            /// How wide it is.
            pub fn width(self) -> Width {
                match self { $($name::$variant => $width,)* }
            }

            /// Whether the sheet's total row sums it.
            pub fn totalled(self) -> bool {
                match self { $($name::$variant => $total,)* }
            }

            /// Its letter: A, B, …
            pub fn letter(self) -> String {
                column_name(self as u32)
            }

            /// The name of its cell on a one-based spreadsheet row: "C2".
            pub fn at(self, row: u32) -> String {
                format!("{}{row}", self.letter())
            }
        }

        impl From<$name> for u16 {
            fn from(column: $name) -> u16 {
                column as u16
            }
        }

        impl Columns for $name {
            const ALL: &'static [$name] = &[$($name::$variant),*];

            fn index(self) -> u16 {
                self as u16
            }

            fn header(self) -> &'static str {
                Self::HEADERS[self as usize]
            }

            fn kind(self) -> Kind {
                $name::kind(self)
            }

            fn fill(self) -> Fill {
                $name::fill(self)
            }

            fn width(self) -> Width {
                $name::width(self)
            }
        }
    };
}

/// A sheet's table of columns, for laying the sheet out.
pub trait Columns: Copy + Into<u16> + 'static {
    /// Every column, left to right.
    const ALL: &'static [Self];
    fn index(self) -> u16;
    fn header(self) -> &'static str;
    fn kind(self) -> Kind;
    fn fill(self) -> Fill;
    fn width(self) -> Width;

    /// The kind whose format is the column's default: wrapped and amount columns of values
    /// have their own, every other column plain text (formulas and links carry their format).
    fn default_kind(self) -> Kind {
        match (self.kind(), self.fill()) {
            (Kind::Wrap, _) => Kind::Wrap,
            (Kind::Amount, Fill::Values) => Kind::Amount,
            _ => Kind::Text,
        }
    }
}

columns! {
    /// 汇总: one row per project.
    ProjectColumn {
        Department = "部门", Wrap, Values, Width::Wrap(20), false;
        Seq = "序号", Text, Values, FIT, false;
        Name = "项目名称", Wrap, Values, Width::Wrap(24), false;
        Budget = "预算金额(万元)", Amount, Values, FIT, false;
        Own = "本级支出(万元)", Amount, Values, FIT, false;
        Transfer = "转移支付支出(万元)", Amount, Values, FIT, false;
        Indicators = "指标数", Count, Values, FIT, false;
        Findings = "问题数", Count, Values, FIT, false;
        /// [file]sheet!cell of the project's name.
        Source = "来源", Wrap, Values, Width::Wrap(30), false;
        Overview = "项目概况", Wrap, Values, Width::Wrap(40), false;
        Goal = "年度绩效目标", Wrap, Values, Width::Wrap(40), false;
        /// A link to the project's first row of 指标.
        FirstIndicator = "首条指标", Link, Values, FIT, false;
        /// The department's number, which 合计's formulas key on.
        Key = "部门编号", Count, Values, FIT, false;
        // What a form gives beyond a row table's columns (empty for a row table's project),
        // after the columns row tables have always had.
        /// 汇总表 or 申报表.
        SourceKind = "来源类型", Text, Values, FIT, false;
        /// 实施单位.
        ImplementingUnit = "实施单位", Text, Values, Width::Fit(24), false;
        /// 财政拨款 and 其他资金 (parts of 预算金额), and the cumulative total.
        Fiscal = "财政拨款(万元)", Amount, Values, FIT, false;
        Other = "其他资金(万元)", Amount, Values, FIT, false;
        Cumulative = "项目资金总额(万元)", Amount, Values, FIT, false;
        /// 长期目标 and the long-term indicators, kept apart from the year's.
        LongTermGoal = "长期目标", Wrap, Values, Width::Wrap(30), false;
        LongTermIndicators = "长期绩效指标", Wrap, Values, Width::Wrap(30), false;
        /// The other labels: 项目负责人, 联系电话, 项目属性, 审核意见 …
        Attributes = "项目属性", Wrap, Values, Width::Wrap(30), false;
        /// The department's year (its source is in the report's `year_source`).
        Year = "年度", Count, Values, FIT, false;
    }
}

columns! {
    /// 指标: one row per indicator.
    IndicatorColumn {
        Department = "部门", Text, Values, Width::Fit(34), false;
        Seq = "序号", Text, Values, FIT, false;
        Project = "项目名称", Text, Values, FIT, false;
        Name = "指标名称", Text, Values, FIT, false;
        Operator = "运算符", Text, Values, FIT, false;
        /// The number, or the qualitative words.
        Value = "目标值", Count, Values, FIT, false;
        Unit = "单位", Text, Values, FIT, false;
        RawOperator = "原始运算符", Text, Values, FIT, false;
        RawValue = "原始目标值", Text, Values, FIT, false;
        RawUnit = "原始单位", Text, Values, FIT, false;
        Notes = "标注", Text, Values, Width::Fit(50), false;
        Source = "来源", Text, Values, Width::Fit(40), false;
        Level1 = "一级指标", Text, Values, FIT, false;
        Level2 = "二级指标", Text, Values, FIT, false;
        CategorySource = "分类来源", Text, Values, FIT, false;
        /// A form's 指标值类型, 权重, text columns and last year's actual value.
        ValueKind = "指标值类型", Text, Values, FIT, false;
        Weight = "权重", Count, Values, FIT, false;
        Details = "指标说明", Text, Values, Width::Fit(40), false;
        PriorActual = "上年实际值", Text, Values, FIT, false;
        /// The department's year.
        Year = "年度", Count, Values, FIT, false;
    }
}

columns! {
    /// 合计: one row per department, a grand total, then one count per 一级 category after
    /// these columns (their number comes from the rules).
    TotalColumn {
        Department = "部门", Text, Values, Width::Fit(34), false;
        Projects = "项目数", Count, Formulas, FIT, true;
        Budget = "预算金额(万元)", Amount, Formulas, FIT, true;
        Own = "本级支出(万元)", Amount, Formulas, FIT, true;
        Transfer = "转移支付支出(万元)", Amount, Formulas, FIT, true;
        DeclaredCount = "申报项目数", Count, Values, FIT, true;
        DeclaredAmount = "申报金额(万元)", Amount, Values, FIT, true;
        /// 预算金额 − 申报金额.
        Difference = "差额(万元)", Amount, Formulas, FIT, true;
        Indicators = "指标数", Count, Formulas, FIT, true;
        Duplicates = "重复指标数", Count, Values, FIT, true;
        Findings = "问题数", Count, Values, FIT, true;
        /// Of 问题数, the error-level and the warning-level ones.
        Errors = "错误数", Count, Values, FIT, true;
        Warnings = "警告数", Count, Values, FIT, true;
        Unassigned = "未归属指标数", Count, Values, FIT, true;
        File = "来源文件", Text, Values, Width::Fit(40), false;
        /// The department's number, as in 汇总.
        Key = "部门编号", Count, Values, FIT, false;
        /// A 部门整体 table's budget, beside the projects' sum, and its indicators.
        OverallBudget = "部门整体预算(万元)", Amount, Values, FIT, true;
        OverallIndicators = "部门整体指标数", Count, Values, FIT, true;
        /// The department's year.
        Year = "年度", Count, Values, FIT, false;
    }
}

columns! {
    /// 问题: one row per finding.
    FindingColumn {
        Severity = "级别", Text, Values, FIT, false;
        Code = "代码", Text, Values, FIT, false;
        /// The code's short title in the workbook's language.
        Kind = "问题类型", Text, Values, FIT, false;
        Department = "部门", Text, Values, Width::Fit(34), false;
        File = "文件", Text, Values, Width::Fit(36), false;
        Sheet = "工作表", Text, Values, FIT, false;
        Cell = "单元格", Text, Values, FIT, false;
        Message = "说明", Wrap, Values, Width::Wrap(60), false;
        /// A link to the cell of the summary the finding is about.
        Place = "位置", Link, Values, FIT, false;
    }
}

// Year over year (`--baseline`): the 对比 sheet, and the columns 指标 and 合计 gain only with a
// baseline (after their own, so that a run without one writes what it always has).

/// One row per project of either year, then one per indicator whose target is not last
/// year's; written only with `--baseline`, after 问题.
pub const SHEET_COMPARISON: &str = "对比";

/// 合计's column after its per-category counts, with a baseline: last year's budget.
pub const BASELINE_BUDGET_HEADER: &str = "上年预算金额(万元)";

columns! {
    /// 对比: a project's row fills the project and budget columns; an indicator's the
    /// indicator and target columns (and its project's names).
    CompareColumn {
        Department = "部门", Text, Values, Width::Fit(34), false;
        Project = "项目名称", Text, Values, Width::Fit(40), false;
        BaselineProject = "上年项目名称", Text, Values, Width::Fit(40), false;
        /// 同名, 更名, 新增, 取消 (the report's `match`).
        Match = "项目对比", Text, Values, FIT, false;
        Budget = "预算金额(万元)", Amount, Values, FIT, false;
        BaselineBudget = "上年预算金额(万元)", Amount, Values, FIT, false;
        Delta = "增减(万元)", Amount, Values, FIT, false;
        DeltaShare = "增减(%)", Count, Values, FIT, false;
        Lowered = "降低指标数", Count, Values, FIT, false;
        Raised = "提高指标数", Count, Values, FIT, false;
        Changed = "改变指标数", Count, Values, FIT, false;
        Indicator = "指标名称", Text, Values, FIT, false;
        /// 降低, 提高, 改变, 新增, 取消 (the report's `change`).
        Change = "指标对比", Text, Values, FIT, false;
        Target = "本年目标", Text, Values, FIT, false;
        BaselineTarget = "上年目标", Text, Values, FIT, false;
        /// A link to this year's row in 汇总 or 指标.
        Place = "位置", Link, Values, FIT, false;
    }
}

columns! {
    /// 指标's columns after its own, with a baseline: last year's target beside this year's.
    IndicatorBaselineColumn {
        Operator = "上年运算符", Text, Values, FIT, false;
        Value = "上年目标值", Count, Values, FIT, false;
        Unit = "上年单位", Text, Values, FIT, false;
        /// 降低, 提高, 未变, 改变, 新增.
        Change = "与上年相比", Text, Values, FIT, false;
    }
}

impl IndicatorBaselineColumn {
    /// Its column on 指标, after 指标's own.
    pub fn on_sheet(self) -> u16 {
        (IndicatorColumn::ALL.len() + self as usize) as u16
    }
}

/// The columns of 汇总 whose text wraps, and the text each shows of a project.
pub fn wrapped_project_texts<'a>(
    dept: &'a Department,
    p: &'a crate::model::Project,
) -> [(ProjectColumn, &'a str); 4] {
    [
        (ProjectColumn::Department, &dept.about.name),
        (ProjectColumn::Name, &p.name),
        (ProjectColumn::Overview, &p.overview),
        (ProjectColumn::Goal, &p.goal),
    ]
}

/// The lines a project's row of 汇总 needs (1 to [`MAX_LINES`]): its longest wrapped text's.
pub fn project_row_lines(dept: &Department, p: &crate::model::Project) -> usize {
    sheet_lines(
        wrapped_project_texts(dept, p)
            .into_iter()
            .map(|(col, text)| lines_needed(text, wrap_width(col.width()))),
    )
}

/// The width of a wrapped column, or its widest for a fitted one.
pub fn wrap_width(width: Width) -> usize {
    match width {
        Width::Wrap(w) | Width::Fit(w) => w,
    }
}

/// The cell of an indicator row that shows a repair a reviewer must see there, if any: a
/// value split from its unit, a unit read as another, a row that lost its project, collapsed
/// copies. Other notes (a qualitative target's unused operator) stay in the 标注 column.
pub fn note_column(i: &Indicator, unassigned: bool) -> Option<IndicatorColumn> {
    if i.notes.is_empty() {
        return None;
    }
    let raw_value = clean(&i.raw.value);
    let raw_unit = clean(&i.raw.unit);
    if i.value.is_some() && !raw_value.is_empty() && parse_number(raw_value).is_none() {
        Some(IndicatorColumn::Value)
    } else if !raw_unit.is_empty() && raw_unit != i.unit {
        Some(IndicatorColumn::Unit)
    } else if unassigned {
        Some(IndicatorColumn::Project)
    } else if i.copies > 1 {
        Some(IndicatorColumn::Name)
    } else {
        None
    }
}

/// Lines a text needs in a wrapped column `width` wide (CJK characters count double).
pub fn lines_needed(text: &str, width: usize) -> usize {
    text.lines()
        .map(|l| l.width().div_ceil(width.max(1)).max(1))
        .sum::<usize>()
        .max(1)
}

/// The lines every row of a sheet gets: what its longest wrapped text needs, at most
/// [`MAX_LINES`]. Stops reading at the first text that needs that many.
pub fn sheet_lines(needed: impl Iterator<Item = usize>) -> usize {
    let mut lines = 1;
    for n in needed {
        lines = lines.max(n);
        if lines >= MAX_LINES {
            return MAX_LINES;
        }
    }
    lines
}

/// What writing the summary must know of a department before it writes any sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Survey {
    /// How many of its projects' rows of 汇总 need one, two and three lines (at most
    /// [`MAX_LINES`]): the most common height is the sheet's, the others are set row by row.
    pub project_lines: [u32; MAX_LINES],
    /// Its projects whose figures carry a note.
    pub projects_with_notes: u32,
    /// Its rows of 指标 that carry a note.
    pub noted_rows: u32,
}

/// Surveys one department for the summary, while it is in hand.
pub fn survey(dept: &Department) -> Survey {
    let with_notes = dept.projects.iter().filter(|p| !p.notes.is_empty()).count() as u32;
    let mut project_lines = [0u32; MAX_LINES];
    for p in &dept.projects {
        project_lines[project_row_lines(dept, p) - 1] += 1;
    }
    let noted_rows = dept
        .indicators()
        .filter(|(owner, i)| note_column(i, *owner == crate::model::Owner::Unassigned).is_some())
        .count() as u32;
    Survey {
        project_lines,
        projects_with_notes: with_notes,
        noted_rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_know_their_letters_and_headers() {
        assert_eq!(ProjectColumn::ALL.len(), ProjectColumn::HEADERS.len());
        assert_eq!(ProjectColumn::Key.letter(), "M");
        assert_eq!(ProjectColumn::Budget.header(), "预算金额(万元)");
        assert_eq!(TotalColumn::Key.letter(), "P");
        assert_eq!(TotalColumn::Budget.at(7), "C7");
        assert_eq!(TotalColumn::DeclaredAmount.letter(), "G");
        assert_eq!(TotalColumn::Unassigned.letter(), "N");
        assert_eq!(TotalColumn::Errors.letter(), "L");
        assert_eq!(IndicatorColumn::CategorySource.index(), 14);
        assert_eq!(FindingColumn::Place.index(), 8);
        assert_eq!(FindingColumn::Kind.index(), 2);
        for (n, c) in TotalColumn::ALL.iter().enumerate() {
            assert_eq!(c.index() as usize, n);
        }
    }

    #[test]
    fn lines_count_wrapped_text() {
        assert_eq!(lines_needed("", 20), 1);
        assert_eq!(lines_needed("一二三四五六七八九十", 20), 1);
        assert_eq!(lines_needed("一二三四五六七八九十一", 20), 2);
        assert_eq!(lines_needed("a\nb", 20), 2);
        assert_eq!(sheet_lines([1, 2, 7, 1].into_iter()), MAX_LINES);
        assert_eq!(sheet_lines([1, 2].into_iter()), 2);
    }
}
