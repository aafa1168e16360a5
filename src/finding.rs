//! Findings: everything jixiao noticed, repaired or could not do, with a stable code and the
//! place it is about. One type for every stage, so the report, the 问题 sheet and the README's
//! table of codes all come from the same list.

use std::sync::Arc;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::grid::CellRef;

/// How much a finding matters to the person reading the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A figure cannot be trusted as it stands, or data could not be read.
    Error,
    /// Something a reviewer should look at; the data was kept as written or repaired.
    Warning,
    /// A certain repair or a fact worth recording.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// The word shown in the 问题 sheet.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident, $meaning:literal; )*) => {
        /// Every finding code. The snake_case names are stable: scheduled jobs match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Code {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable snake_case name.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The severity a finding of this code has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One line on what the code means, as documented in the README.
            pub fn meaning(self) -> &'static str {
                match self { $(Code::$variant => $meaning,)* }
            }
        }
    };
}

codes! {
    /// The file could not be opened or parsed.
    ReadFailed = "read_failed", Error, "The file could not be read (damaged, encrypted, not a workbook); nothing from it is in the summary.";
    /// An input named on the command line does not exist or cannot be listed.
    InputNotFound = "input_not_found", Error, "An INPUT does not exist, cannot be listed, or its pattern matched no file.";
    /// A directory named like a workbook, or a symlink loop.
    NotAFile = "not_a_file", Info, "A directory named like a workbook, or a symbolic link loop; listed, not read as a workbook.";
    /// The file changed between listing and reading.
    FileChanged = "file_changed", Warning, "The file changed between being listed and being read (someone is editing it); the version read is the one summarized.";
    /// jixiao itself failed on the file.
    InternalError = "internal_error", Error, "jixiao failed on this file (a bug, please report it); the file is listed as failed and the run went on.";
    /// An Office/WPS lock or temporary file.
    LockFile = "lock_file", Info, "An Excel/WPS/LibreOffice lock or temporary file (~$名称.xlsx, .~lock.名称#) was skipped.";
    /// The input's kind is not one jixiao reads.
    UnsupportedFormat = "unsupported_format", Warning, "The file's type is not one jixiao reads; it was skipped.";
    /// The file's bytes are another format than its extension says.
    FormatMismatch = "format_mismatch", Info, "The file's content is another format than its extension says (an .xls that is really an HTML table, an xlsx renamed .xls, text named .xls); it was read as what it is.";
    /// A sheet holds no recognisable performance table.
    NoTable = "no_table", Warning, "No 项目绩效目标 table header and no 申报表 form was found on the sheet; a file with no table or form at all is listed as skipped, and a person must look at it: the bureau cannot read it.";
    /// A hidden sheet was not read.
    HiddenSheet = "hidden_sheet", Info, "A hidden sheet was skipped.";
    /// A sheet too large to be a real table was not read.
    SheetTooLarge = "sheet_too_large", Error, "The sheet's used range exceeds the cell cap; it was not read.";
    /// A cell holds an Excel error value.
    CellError = "cell_error", Warning, "A cell holds an Excel error (#REF!, #VALUE!…); it was read as empty.";
    /// A formula cell without a stored result.
    FormulaWithoutValue = "formula_without_value", Warning, "A formula cell has no stored result that can be read (the file was saved by a program that does not calculate); it was read as empty.";
    /// A formula without a result that is a bare literal, read as its text.
    FormulaAsText = "formula_as_text", Info, "A formula cell without a stored result is a bare literal — an operator (=>, =<), a number, a percentage, an operator with a number and a unit (=100%): a script wrote what a person typed as a formula; it was read as that text (=100% is = 100 %).";
    /// An amount header names a money unit the rules do not know.
    UnknownAmountUnit = "unknown_amount_unit", Warning, "An amount header names a money unit the rules do not know (e.g. 千美元); the amounts were read as 万元 — check them, or add the unit to [amount_units].";
    /// An amount cell is not a number.
    BadAmount = "bad_amount", Error, "A budget cell is not a number; the amount was left empty.";
    /// An operator the rules do not know.
    UnknownOperator = "unknown_operator", Warning, "The operator is not one the rules know; it was kept as written.";
    /// A row that lost its project.
    ShiftedRow = "shifted_row", Warning, "An indicator row that lost its project (shifted into the project columns, or outside every project's merged cells); realigned and kept under (未归属).";
    /// Identical indicator rows collapsed to one.
    DuplicateRow = "duplicate_row", Info, "Indicator rows of one project identical after normalization were collapsed to one; the count is kept in copies.";
    /// Same indicator name with different targets.
    ConflictingDuplicate = "conflicting_duplicate", Warning, "One project lists the same indicator name with different targets; all are kept.";
    /// A text row after the table that is not a recognised footnote, or a note row anywhere.
    NoteRow = "note_row", Info, "A text row after the table that is not a recognised footnote, or a row anywhere in the table whose only text is a note (注, 说明, 备注, 联系人, 填表人 …, [table] note_words; also in the 项目名称 column below a project): never a project; its text is quoted in the message.";
    /// A 小计 row.
    SubtotalRow = "subtotal_row", Info, "A 小计 (partial sum) row inside the table; it is no project and is left out of the sums.";
    /// The header repeated inside the table.
    RepeatedHeader = "repeated_header", Info, "The header row repeated inside the table (a printed table repeats it on every page); skipped.";
    /// A row inside the table that is neither a project nor an indicator.
    UnrecognizedRow = "unrecognized_row", Warning, "A row inside the table that is neither a project nor an indicator; its text is quoted in the message.";
    /// A project row without a name.
    MissingProjectName = "missing_project_name", Warning, "A project row has a 序号 or amounts but no 项目名称.";
    /// A template placeholder left in.
    PlaceholderValue = "placeholder_value", Error, "A template placeholder (XX, **, ＊＊, 待定, 请填写, (略), {单位} … [checks] placeholders; a lone *, /, -, _ or — as a whole target, [checks] placeholder_targets) was left in an indicator's target or name, or in a project's name or amount (then the amount is read as empty).";
    /// An indicator without a target.
    MissingTarget = "missing_target", Warning, "An indicator has no target value.";
    /// A project without indicators.
    MissingIndicators = "missing_indicators", Error, "A project has no performance indicator at all.";
    /// A project without one of the framework's required categories.
    IncompleteFramework = "incomplete_framework", Warning, "A project lacks an indicator of one of the framework's required categories (at least one 产出, one 效益 and one 满意度 indicator).";
    /// The unit contradicts the indicator's name.
    UnitMismatch = "unit_mismatch", Warning, "The unit contradicts the indicator's name (a 满意度 or 率 not in %, a 人数 in %, a 次数 in 元…).";
    /// The operator points the wrong way for the indicator.
    DirectionMismatch = "direction_mismatch", Warning, "The operator points against the indicator's good direction (故障率 ≥ …, 满意度 ≤ …).";
    /// A target that looks like a percentage cell read as a fraction.
    PercentAsFraction = "percent_as_fraction", Warning, "A target of at most 1 on an indicator that should be high (满意度 ≥ 0.95): probably a cell formatted as a percentage (95%); check it.";
    /// A given 一级 category the framework does not know.
    UnknownCategory = "unknown_category", Warning, "The file gives a 一级指标 that is not one of the framework's categories in the rules.";
    /// A percentage outside 0–100.
    PercentOutOfRange = "percent_out_of_range", Error, "A % target above 100 on a 率/度 indicator, or a negative one.";
    /// A range target whose low end is above its high end.
    BadRange = "bad_range", Error, "A range target's low end is above its high end (95%-90%); its ends were kept as written (value the first, value_to the second): check it.";
    /// Qualitative words under a numeric operator.
    QualitativeWithOperator = "qualitative_with_operator", Info, "Qualitative words under a numeric operator (≧ 明显); read as 定性, the operator kept in the raw columns.";
    /// Two names of one project that differ by one character.
    NearDuplicateName = "near_duplicate_name", Warning, "Two indicators of one project whose names differ in one character only (收益人员满意度 / 受益人员满意度): probably one indicator mistyped.";
    // The reviewer's checks (`[review]`).
    /// A project's 产出 indicators lack a required 二级 category.
    IncompleteOutput = "incomplete_output", Warning, "A project's 产出 indicators do not cover every 二级 category the rules require ([review] required_output: 数量, 质量 and 时效 by default); the message names what is missing.";
    /// A given category contradicts the indicator's name.
    CategoryMismatch = "category_mismatch", Warning, "A 一级/二级 category the file gives contradicts the indicator's name, by the words the rules infer categories with (a …满意度 under 效益指标, a …及时率 under 数量指标).";
    /// A numeric target without a unit.
    MissingUnit = "missing_unit", Warning, "A numeric target without a unit, where the name does not make the unit obvious ([review] unit_obvious_endings: a …率 is in %).";
    /// A numeric target without an operator.
    MissingOperator = "missing_operator", Warning, "A numeric target without an operator (≥, ≤, =) in a table that has an operator column.";
    /// A 定量 target without a number.
    QuantitativeWithoutNumber = "quantitative_without_number", Warning, "A target declared 定量 (a form's 指标值类型) whose value holds no number.";
    /// Most of a project's indicators are qualitative.
    MostlyQualitative = "mostly_qualitative", Warning, "More than [review] qualitative_share (one half) of a project's indicators are qualitative (定性): 尽量进行定量表述.";
    /// A target above its spending standard.
    OverStandard = "over_standard", Warning, "A target above the 预算支出标准 of [[review.standards]] it falls under (一类会议 above 550 元 per person and day); the message names the standard. The shipped standards are an example a bureau replaces.";
    /// A cost target above the project's budget.
    CostOverBudget = "cost_over_budget", Error, "A 成本 target in 万元 (or another money unit of [amount_units]) above the project's own 预算金额.";
    /// A target below the bureau's floor.
    TargetBelowFloor = "target_below_floor", Warning, "A target below the floor the bureau sets in [[review.floors]] (满意度 ≥ 85 % by default; no national floor exists).";
    /// An indicator name too long.
    NameTooLong = "name_too_long", Warning, "An indicator name longer than [review] name_max_chars (100) characters: a sentence pasted as a name.";
    /// The target's unit contradicts the unit column.
    UnitConflict = "unit_conflict", Warning, "A unit written onto the target contradicts the unit column (28.8万元 under %); the target's unit was kept, both are quoted.";
    /// The table's years disagree.
    YearMismatch = "year_mismatch", Warning, "The years a table gives disagree (its title, footnote, 年度 line or form's 年度 row, the file's name); the message names each.";
    /// The 合计 row disagrees with the projects.
    SumMismatch = "sum_mismatch", Error, "The 合计 row differs from the sum of the projects' amounts.";
    /// 本级 + 转移支付 ≠ 预算金额.
    OwnPlusTransferMismatch = "own_plus_transfer_mismatch", Error, "A project's 本级支出 plus 转移支付支出 differs from its 预算金额.";
    /// The footnote declares another number of projects.
    DeclaredCountMismatch = "declared_count_mismatch", Warning, "The footnote declares a different number of projects than the table names.";
    /// The footnote declares another total.
    DeclaredTotalMismatch = "declared_total_mismatch", Error, "The footnote declares a different total than the sum of the projects' budgets.";
    /// Two inputs with identical content.
    DuplicateFile = "duplicate_file", Warning, "Two inputs have identical content; only the later (by modification time) is summarized, the other is listed as skipped (its reason and superseded_by name the file summarized) and not counted in files_ok.";
    /// Two files for the same department and year.
    DuplicateDepartment = "duplicate_department", Warning, "Two files hold the same department and year; only the later (by modification time) is summarized, the other is listed but not counted (a file none of whose tables is summarized is skipped, its reason and superseded_by naming the file summarized).";
    /// A text longer than a spreadsheet cell holds.
    TextTooLong = "text_too_long", Warning, "A text is longer than a spreadsheet cell holds (32,767 characters); the summary shows its beginning, the JSON report has it whole.";
    /// A form without a readable annual amount.
    MissingBudget = "missing_budget", Warning, "A 申报表 (or 部门整体 table) gives no readable annual amount (年度资金总额 …); its budget is left empty, not counted as 0.";
    /// An indicator row that says it does not apply.
    NotApplicable = "not_applicable", Info, "A row of a form's indicator block says it does not apply (本项目不适用此指标, 无, 是否适用: 否); it is not an indicator.";
    /// A self-evaluation table, set aside.
    SelfEvaluation = "self_evaluation", Info, "The sheet is a 绩效自评表 (last year's results against last year's targets: 实际完成值, 得分 …), not this year's targets; it was set aside.";
    /// The template's example row.
    TemplateExample = "template_example", Info, "A row whose 序号 is the template's example marker (示例), with the indicator rows under it, is the template's grey example, not a project; it is not summarized.";
    /// A table or form with nothing in it.
    NoProjects = "no_projects", Error, "A table or form was recognized but holds no project, no indicator and no 部门整体 targets (an unfilled template); nothing from it can be summarized.";
    /// A file or folder left out by `--exclude`.
    Excluded = "excluded", Info, "The file or folder matched an --exclude pattern; it is listed, not read.";
    /// A summary, report or table jixiao wrote.
    OwnOutput = "own_output", Info, "The file is a summary or report jixiao wrote (this run's own target, or marked as jixiao's); it is not read as an input.";
    /// Reading the file took longer than `--file-timeout`.
    ReadTimeout = "read_timeout", Error, "Reading the file took longer than --file-timeout; it was stopped, nothing from it is in the summary, and the run went on.";
    /// The process reading the file ended abnormally.
    ReaderCrashed = "reader_crashed", Error, "The process reading the file ended abnormally (out of memory, or a fault in a library); nothing from it is in the summary, and the run went on.";
    // Year over year (`--baseline`).
    /// A target less ambitious than last year's.
    TargetLowered = "target_lowered", Warning, "With --baseline: an indicator's target is less ambitious than last year's (a lower ≥ value, a higher ≤ value, an = target against the indicator's good direction); both targets are in the message.";
    /// Last year's targets word for word while the budget moved.
    TargetsCopied = "targets_copied", Info, "With --baseline: a project's indicators are exactly last year's (none added, dropped or changed) while its budget moved by more than [compare] copied_budget_share (20 %) of last year's: probably copied.";
    /// An indicator of last year gone from a matched project.
    IndicatorDropped = "indicator_dropped", Info, "With --baseline: an indicator last year's project had is gone from this year's (one finding per indicator, on the project's row).";
}

/// What a finding is about, recorded by the stage that raised it, which knew. The summary shows
/// the finding there (a fill, and the link from its row of 问题); the JSON report names its
/// source cell instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// The input, or one of its sheets, as a whole: its row in the 说明 sheet's input list.
    Input,
    /// The department's table, or a part of it the model does not keep (a note row, a 小计 row,
    /// an error in a title): the department's row of 合计.
    Department(DepartmentField),
    /// A project, by its index in its department: its row of 汇总.
    Project { project: u32, field: ProjectField },
    /// An indicator, by its position in its department (the projects' indicators in order, then
    /// the unassigned ones): its row of 指标. `project` is the project it belongs to, none for a
    /// row that lost its project.
    Indicator {
        project: Option<u32>,
        position: u32,
        field: IndicatorField,
    },
}

/// What of a department's table a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DepartmentField {
    /// The table as a whole, or its name.
    Name,
    /// The project count its footnote declares.
    DeclaredCount,
    /// The total its footnote (or 合计 row) declares.
    DeclaredAmount,
    /// The 合计 row's 预算金额, 本级支出 and 转移支付支出.
    SumBudget,
    SumOwn,
    SumTransfer,
}

/// What of a project a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProjectField {
    Name,
    Budget,
    Own,
    Transfer,
}

/// What of an indicator a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndicatorField {
    Name,
    Operator,
    Target,
    /// The project it belongs to (a row that lost its project).
    Project,
}

impl Subject {
    /// The project of its department a finding is about (an indicator's project included), for
    /// the per-project counts.
    pub fn project(self) -> Option<usize> {
        match self {
            Subject::Project { project, .. } => Some(project as usize),
            Subject::Indicator { project, .. } => project.map(|p| p as usize),
            Subject::Input | Subject::Department(_) => None,
        }
    }
}

/// One thing noticed about an input, with where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: Code,
    /// The input's path as given on the command line or found under a directory; one
    /// allocation shared by a file's findings (a run can raise half a million).
    pub file: Arc<str>,
    /// The department (unit) the finding belongs to, where known.
    pub department: CompactString,
    pub sheet: CompactString,
    /// The source cell it is about; none when it is about the whole file or sheet.
    pub cell: Option<CellRef>,
    pub message: String,
    /// What it is about, for placing it in the summary.
    pub subject: Subject,
}

impl Finding {
    /// A finding about a whole input, with the code's own severity.
    pub fn about_input(code: Code, file: &str, message: String) -> Finding {
        Site { file, sheet: "" }.finding(code, None, Subject::Input, message)
    }
}

/// Where the findings about one table are raised: its input and sheet. Findings are made from
/// it, so a file name and a sheet name cannot trade places.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub file: &'a str,
    pub sheet: &'a str,
}

impl Site<'_> {
    /// A finding about `subject`, read at `cell`, with the code's own severity.
    pub fn finding(
        &self,
        code: Code,
        cell: Option<CellRef>,
        subject: Subject,
        message: String,
    ) -> Finding {
        Finding {
            severity: code.severity(),
            code,
            file: Arc::from(self.file),
            department: CompactString::default(),
            sheet: self.sheet.into(),
            cell,
            message,
            subject,
        }
    }

    /// A finding about the sheet as a whole.
    pub fn about_sheet(&self, code: Code, message: String) -> Finding {
        self.finding(code, None, Subject::Input, message)
    }
}

/// Counts of findings by severity.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl SeverityCounts {
    /// All of them.
    pub fn total(self) -> usize {
        self.error + self.warning + self.info
    }

    /// Both counts added.
    pub fn plus(self, other: SeverityCounts) -> SeverityCounts {
        SeverityCounts {
            error: self.error + other.error,
            warning: self.warning + other.warning,
            info: self.info + other.info,
        }
    }

    pub fn count<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for f in findings {
            match f.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Info => counts.info += 1,
            }
        }
        counts
    }
}
