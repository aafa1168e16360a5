//! Domain rules: header synonyms, operator spellings, unit synonyms and the patterns that find
//! the department and its declared figures. They live in `templates/rules.toml`, compiled in as
//! the default and replaceable with `--rules`, so a bureau can teach jixiao its own wording
//! without a new build. This module only loads and indexes them; the stages apply them.

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::text::fold;

mod form;
mod ranges;
mod review;

pub use form::{FormColumn, FormLabel, FormRules};
pub use ranges::{RangeRules, RangeWords};
pub use review::{REVIEW_CODES, ReviewRules, SpendingStandard, TargetFloor};

/// The rules compiled into the binary.
pub const DEFAULT_RULES: &str = include_str!("../templates/rules.toml");

/// Why a rules file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read rules file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("rules file {origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("rules file {origin}: key {key}: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}

/// The meaning of a table column, as named by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Seq,
    ProjectName,
    Overview,
    Budget,
    Own,
    Transfer,
    Goal,
    IndicatorName,
    Operator,
    Target,
    Unit,
    /// 一级指标 of the three-level indicator layout.
    Level1,
    /// 二级指标 of the three-level indicator layout.
    Level2,
    /// A group header over the indicator columns (核心绩效指标); it names no column itself.
    IndicatorGroup,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    table: RawTable,
    amount_units: HashMap<String, f64>,
    headers: RawHeaders,
    operators: HashMap<String, Vec<String>>,
    units: HashMap<String, Vec<String>>,
    glued_units: HashMap<String, Vec<String>>,
    operator_words: RawOperatorWords,
    target_units: RawTargetUnits,
    document: RawDocument,
    qualitative: RawQualitative,
    checks: CheckRules,
    template: TemplateRules,
    categories: CategoryRules,
    form: form::RawForm,
    /// Absent from rules files copied before it existed: then the defaults.
    #[serde(default)]
    findings: FindingRules,
    /// Year over year (`--baseline`); absent from older rules files: then the defaults.
    #[serde(default)]
    compare: CompareRules,
    /// Range targets; absent from older rules files: then the defaults.
    #[serde(default)]
    ranges: RangeRules,
    /// The reviewer's checks (审核); absent from older rules files: then the defaults.
    #[serde(default)]
    review: ReviewRules,
}

/// How findings are listed (see `[findings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingRules {
    /// Findings of one code in one file listed one by one at most; the rest are counted in one
    /// more finding ("and M more"), so that one broken file cannot bury the others.
    pub max_per_file_and_code: usize,
}

impl Default for FindingRules {
    fn default() -> Self {
        FindingRules {
            max_per_file_and_code: 1000,
        }
    }
}

/// How this year's targets are compared with last year's (see `[compare]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRules {
    /// A matched project whose targets are last year's word for word while its budget moved by
    /// strictly more than this share of last year's budget is `targets_copied`.
    pub copied_budget_share: f64,
    /// Words that give an `=` target its good direction, in order: the first word of the list
    /// an indicator's name contains decides.
    pub good_direction: Vec<GoodDirection>,
}

/// One word of `[compare] good_direction` and the direction it gives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoodDirection {
    pub word: String,
    pub good: Direction,
}

/// Which way an indicator is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Default for CompareRules {
    fn default() -> Self {
        let word = |w: &str, good| GoodDirection {
            word: w.to_string(),
            good,
        };
        CompareRules {
            copied_budget_share: 0.2,
            good_direction: vec![
                word("满意度", Direction::Up),
                word("合格率", Direction::Up),
                word("故障率", Direction::Down),
                word("投诉", Direction::Down),
                word("时长", Direction::Down),
                word("成本", Direction::Down),
            ],
        }
    }
}

impl CompareRules {
    /// The good direction of an indicator by its name: the first of `good_direction`'s words
    /// (in the rules' order) that the name contains; none if it holds none.
    pub fn direction(&self, name: &str) -> Option<Direction> {
        self.good_direction
            .iter()
            .find(|d| name.contains(d.word.as_str()))
            .map(|d| d.good)
    }
}

/// The largest rules file read (the built-in one is 12 KB).
pub const MAX_RULES_BYTES: u64 = 1024 * 1024;

/// The framework's categories and the keyword rules that infer them (see `[categories]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRules {
    /// Every 一级 category, in the order the 合计 sheet counts them.
    pub level1: Vec<String>,
    /// The 一级 categories every project needs at least one indicator of.
    pub required_level1: Vec<String>,
    /// (一级, 二级) for a numeric indicator no rule matches.
    pub fallback_numeric: [String; 2],
    /// (一级, 二级) for a qualitative indicator no rule matches.
    pub fallback_qualitative: [String; 2],
    /// Infer cost indicators as 一级 成本指标 (the 2021 central-framework variant).
    pub cost_as_level1: bool,
    /// (一级, 二级) of a cost indicator when `cost_as_level1` is set.
    pub cost_level1_categories: [String; 2],
    /// Local words for a 一级 category, by the framework's name.
    #[serde(default)]
    pub level1_synonyms: HashMap<String, Vec<String>>,
    /// The 二级 categories, to tell a column of them from a column of indicators.
    #[serde(default)]
    pub level2: Vec<String>,
    pub rules: Vec<CategoryRule>,
}

/// One keyword rule: an indicator whose name contains one of `name_contains` (when given) and
/// whose unit is one of `units` (when given) is (level1, level2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    #[serde(default)]
    pub name_contains: Vec<String>,
    #[serde(default)]
    pub units: Vec<String>,
    pub level1: String,
    pub level2: String,
}

/// What `jixiao template` offers in its blank workbook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateRules {
    pub units: Vec<String>,
    pub rows: u32,
    /// The 序号 of the template's example row: a row (and its indicator rows) so marked is the
    /// example, not a project (template_example). Absent from older rules files: "示例".
    #[serde(default = "default_example_marker")]
    pub example_marker: String,
}

fn default_example_marker() -> String {
    "示例".to_string()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQualitative {
    words: Vec<String>,
}

/// The reviewer's checks and their tolerances (see `[checks]` in the rules file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRules {
    pub placeholders: Vec<String>,
    /// Placeholders only as a whole target or name (a lone * / - _ —); absent from older
    /// rules files: then none.
    #[serde(default)]
    pub placeholder_targets: Vec<String>,
    pub max_percent: f64,
    pub percent_unit: String,
    pub percent_name_endings: Vec<String>,
    pub near_duplicate_min_chars: usize,
    pub direction: DirectionRules,
    pub unit_rules: Vec<UnitRule>,
}

/// Names whose good direction is down (a ≥ target is suspicious) or up (a ≤ one is).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionRules {
    /// Operators that ask for more (≥ >) and for less (≤ <).
    pub more: Vec<String>,
    pub less: Vec<String>,
    pub down: Vec<String>,
    pub up: Vec<String>,
}

/// The units an indicator's name implies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UnitRule {
    pub name_contains: Vec<String>,
    pub name_ends_with: Vec<String>,
    pub name_excludes: Vec<String>,
    pub units: Vec<String>,
    pub forbidden_units: Vec<String>,
}

impl UnitRule {
    /// Does the rule speak about an indicator of this name?
    pub fn applies_to(&self, name: &str) -> bool {
        let hit = self.name_contains.iter().any(|w| name.contains(w.as_str()))
            || self
                .name_ends_with
                .iter()
                .any(|w| name.ends_with(w.as_str()));
        hit && !self.name_excludes.iter().any(|w| name.contains(w.as_str()))
    }

    /// Is this (canonical) unit wrong for a name the rule applies to?
    pub fn rejects(&self, unit: &str) -> bool {
        (!self.units.is_empty() && !self.units.iter().any(|u| u == unit))
            || self.forbidden_units.iter().any(|u| u == unit)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperatorWords {
    prefix: HashMap<String, Vec<String>>,
    suffix: HashMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargetUnits {
    known: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    header_search_rows: usize,
    sum_row_labels: Vec<String>,
    subtotal_labels: Vec<String>,
    ignored_sheets: Vec<String>,
    amount_tolerance_wan: f64,
    /// Absent from rules files copied before it existed: then none.
    #[serde(default)]
    note_words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeaders {
    seq: Vec<String>,
    project_name: Vec<String>,
    overview: Vec<String>,
    budget: Vec<String>,
    own: Vec<String>,
    transfer: Vec<String>,
    goal: Vec<String>,
    indicator_name: Vec<String>,
    operator: Vec<String>,
    target: Vec<String>,
    unit: Vec<String>,
    level1: Vec<String>,
    level2: Vec<String>,
    indicator_group: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    footnote_department: Vec<String>,
    footnote_year: Vec<String>,
    footnote_count: Vec<String>,
    footnote_total: Vec<String>,
    title_department: Vec<String>,
    title_year: Vec<String>,
    amount_unit_line: Vec<String>,
    unit_line_department: Vec<String>,
    /// Absent from rules files copied before it existed: then the default.
    #[serde(default = "default_unit_line_year")]
    unit_line_year: Vec<String>,
    department_reject: Vec<String>,
}

fn default_unit_line_year() -> Vec<String> {
    vec![r"^(?:预算)?年度\s*:\s*(?P<year>(?:19|20)\d{2})".to_string()]
}

/// Patterns that read the department, year and declared figures from text around the table.
#[derive(Debug)]
pub struct DocumentPatterns {
    pub footnote_department: Vec<Regex>,
    pub footnote_year: Vec<Regex>,
    pub footnote_count: Vec<Regex>,
    pub footnote_total: Vec<Regex>,
    pub title_department: Vec<Regex>,
    pub title_year: Vec<Regex>,
    /// A "单位:元" line above the header; the group `unit` is the amounts' unit.
    pub amount_unit_line: Vec<Regex>,
    pub unit_line_department: Vec<Regex>,
    /// A "年度:2024" line (the template's 年度 cell); tried before the footnote and title.
    pub unit_line_year: Vec<Regex>,
    /// Captures that name no department (a bare year, 附件3, 表5, 部门).
    pub department_reject: Vec<Regex>,
}

/// Where a run's rules came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesOrigin {
    /// `templates/rules.toml`, compiled in.
    BuiltIn,
    /// A file given with `--rules`.
    File(std::path::PathBuf),
}

impl std::fmt::Display for RulesOrigin {
    /// "built-in", or the file's path: what the report's `rules` says.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RulesOrigin::BuiltIn => f.write_str("built-in"),
            RulesOrigin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The loaded, indexed rules. Built once per run and shared by reference.
#[derive(Debug)]
pub struct Rules {
    /// Where the rules came from.
    pub origin: RulesOrigin,
    /// The text they were loaded from, kept for `jixiao rules` and the report.
    pub source_text: String,
    pub header_search_rows: usize,
    pub amount_tolerance_wan: f64,
    sum_row_labels: Vec<String>,
    subtotal_labels: Vec<String>,
    ignored_sheets: Vec<String>,
    /// `table.note_words`, folded.
    note_words: Vec<String>,
    headers: HashMap<String, Field>,
    operators: HashMap<String, String>,
    units: HashMap<String, String>,
    glued_units: HashMap<String, String>,
    /// Folded unit → factor to 万元.
    amount_units: HashMap<String, f64>,
    /// Operator spellings and words written before a number, longest first: (folded, canonical).
    leading_operators: Vec<(String, String)>,
    /// Operator words written after a number and its unit, longest first.
    trailing_operators: Vec<(String, String)>,
    /// Folded units recognised after the number of a one-cell target.
    target_units: std::collections::HashSet<String>,
    pub document: DocumentPatterns,
    /// Words that mark a target as qualitative (folded).
    qualitative_words: Vec<String>,
    /// `checks.placeholders`, folded once here rather than on every cell.
    placeholders: WordSet,
    /// `checks.placeholder_targets`, folded.
    placeholder_targets: std::collections::HashSet<String>,
    /// `checks.direction.down` and `.up`, searched for all at once.
    direction_down: WordSet,
    direction_up: WordSet,
    /// Every word of `categories.rules[..].name_contains`, with the rule it belongs to.
    category_words: WordSet,
    category_word_rule: Vec<usize>,
    pub checks: CheckRules,
    pub findings: FindingRules,
    /// Year over year (`--baseline`).
    pub compare: CompareRules,
    /// How a range target is written (folded).
    pub ranges: RangeRules,
    /// The reviewer's checks (`[review]`).
    pub review: ReviewRules,
    pub template: TemplateRules,
    pub categories: CategoryRules,
    /// How forms (申报表, 部门整体 tables) are read.
    pub form: FormRules,
}

impl Rules {
    /// SHA-256 of the text the rules were loaded from, to say exactly which rules made a run.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.source_text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The rules compiled into the binary.
    pub fn builtin() -> Result<Rules, RulesError> {
        Rules::from_toml(DEFAULT_RULES, RulesOrigin::BuiltIn)
    }

    /// Loads a rules file given with `--rules`.
    /// Only a regular file is read (a FIFO would block for ever, a device never end), and no
    /// more than [`MAX_RULES_BYTES`] of it.
    pub fn from_file(path: &Path) -> Result<Rules, RulesError> {
        use std::io::Read;
        let io = |source: std::io::Error| RulesError::Io {
            path: path.display().to_string(),
            source,
        };
        let not = |what: &str| io(std::io::Error::other(what.to_string()));
        let metadata = std::fs::metadata(path).map_err(io)?;
        if !metadata.is_file() {
            return Err(not("not a regular file"));
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(io)?;
        if !file.metadata().map_err(io)?.is_file() {
            return Err(not("not a regular file"));
        }
        let mut bytes = Vec::new();
        file.take(MAX_RULES_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_RULES_BYTES {
            return Err(not(&format!(
                "larger than {MAX_RULES_BYTES} bytes: not a rules file"
            )));
        }
        let text = String::from_utf8(bytes).map_err(|_| not("not UTF-8 text"))?;
        Rules::from_toml(&text, RulesOrigin::File(path.to_path_buf()))
    }

    /// Parses rules from TOML text. `origin` names the text in error messages.
    pub fn from_toml(text: &str, rules_origin: RulesOrigin) -> Result<Rules, RulesError> {
        let origin = rules_origin.to_string();
        let origin = origin.as_str();
        let raw: RawRules = toml::from_str(text).map_err(|e| RulesError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let invalid = |key: &str, message: String| RulesError::Invalid {
            origin: origin.to_string(),
            key: key.to_string(),
            message,
        };

        let mut headers = HashMap::new();
        let h = &raw.headers;
        let groups: [(&str, &Vec<String>, Field); 14] = [
            ("headers.seq", &h.seq, Field::Seq),
            ("headers.project_name", &h.project_name, Field::ProjectName),
            ("headers.overview", &h.overview, Field::Overview),
            ("headers.budget", &h.budget, Field::Budget),
            ("headers.own", &h.own, Field::Own),
            ("headers.transfer", &h.transfer, Field::Transfer),
            ("headers.goal", &h.goal, Field::Goal),
            (
                "headers.indicator_name",
                &h.indicator_name,
                Field::IndicatorName,
            ),
            ("headers.operator", &h.operator, Field::Operator),
            ("headers.target", &h.target, Field::Target),
            ("headers.unit", &h.unit, Field::Unit),
            ("headers.level1", &h.level1, Field::Level1),
            ("headers.level2", &h.level2, Field::Level2),
            (
                "headers.indicator_group",
                &h.indicator_group,
                Field::IndicatorGroup,
            ),
        ];
        for (key, names, field) in groups {
            for name in names {
                let folded = fold(name);
                if folded.is_empty() {
                    return Err(invalid(key, "an empty header name matches nothing".into()));
                }
                if let Some(previous) = headers.insert(folded.into_owned(), field)
                    && previous != field
                {
                    return Err(invalid(
                        key,
                        format!("header name {name:?} is already listed for another field"),
                    ));
                }
            }
        }

        let operators = index_synonyms(&raw.operators, "operators", &invalid)?;
        let units = index_synonyms(&raw.units, "units", &invalid)?;
        let glued_units = index_synonyms(&raw.glued_units, "glued_units", &invalid)?;

        // Operator words must name an operator the rules know, so that every op they give is
        // canonical.
        let mut word_lists = Vec::new();
        for (key, table) in [
            ("operator_words.prefix", &raw.operator_words.prefix),
            ("operator_words.suffix", &raw.operator_words.suffix),
        ] {
            for canonical in table.keys() {
                if !raw.operators.contains_key(canonical) {
                    return Err(invalid(
                        &format!("{key}.{canonical}"),
                        format!("{canonical:?} is not an operator listed under [operators]"),
                    ));
                }
            }
            let index = index_synonyms(table, key, &invalid)?;
            // The canonical symbol itself is indexed too; as a word it would only repeat
            // [operators], so keep the words proper.
            let mut words: Vec<(String, String)> = index
                .into_iter()
                .filter(|(word, op)| word != &fold(op))
                .collect();
            words.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
            word_lists.push(words);
        }
        let trailing_operators = word_lists.pop().unwrap_or_default();
        let mut leading_operators = word_lists.pop().unwrap_or_default();
        leading_operators.extend(operators.iter().map(|(w, op)| (w.clone(), op.clone())));
        leading_operators.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));

        let target_units = raw
            .target_units
            .known
            .iter()
            .map(|u| fold(u).into_owned())
            .filter(|u| !u.is_empty())
            .collect();

        let mut amount_units = HashMap::new();
        for (unit, factor) in &raw.amount_units {
            if !factor.is_finite() || *factor <= 0.0 {
                return Err(invalid(
                    &format!("amount_units.{unit}"),
                    "the factor to 万元 must be a positive number".into(),
                ));
            }
            amount_units.insert(fold(unit).into_owned(), *factor);
        }

        let compile = |key: &str, patterns: &[String]| -> Result<Vec<Regex>, RulesError> {
            patterns
                .iter()
                .map(|p| Regex::new(p).map_err(|e| invalid(key, e.to_string())))
                .collect()
        };
        let d = &raw.document;
        let document = DocumentPatterns {
            footnote_department: compile("document.footnote_department", &d.footnote_department)?,
            footnote_year: compile("document.footnote_year", &d.footnote_year)?,
            footnote_count: compile("document.footnote_count", &d.footnote_count)?,
            footnote_total: compile("document.footnote_total", &d.footnote_total)?,
            title_department: compile("document.title_department", &d.title_department)?,
            title_year: compile("document.title_year", &d.title_year)?,
            amount_unit_line: compile("document.amount_unit_line", &d.amount_unit_line)?,
            unit_line_department: compile(
                "document.unit_line_department",
                &d.unit_line_department,
            )?,
            unit_line_year: compile("document.unit_line_year", &d.unit_line_year)?,
            department_reject: compile("document.department_reject", &d.department_reject)?,
        };

        let c = &raw.categories;
        for level1 in c
            .rules
            .iter()
            .map(|r| &r.level1)
            .chain(&c.required_level1)
            .chain([&c.fallback_numeric[0], &c.fallback_qualitative[0]])
        {
            if !c.level1.contains(level1) {
                return Err(invalid(
                    "categories",
                    format!("{level1:?} is not one of categories.level1"),
                ));
            }
        }
        if raw.findings.max_per_file_and_code == 0 {
            return Err(invalid(
                "findings.max_per_file_and_code",
                "must be at least 1".into(),
            ));
        }
        let share = raw.compare.copied_budget_share;
        if !share.is_finite() || share < 0.0 {
            return Err(invalid(
                "compare.copied_budget_share",
                "must be a share of zero or more (0.2 for 20 %)".into(),
            ));
        }
        if raw.compare.good_direction.iter().any(|d| d.word.is_empty()) {
            return Err(invalid(
                "compare.good_direction",
                "an empty word matches every name".into(),
            ));
        }
        raw.review
            .validate(&raw.categories)
            .map_err(|(key, message)| invalid(key, message))?;
        if raw.table.header_search_rows == 0 {
            return Err(invalid(
                "table.header_search_rows",
                "must be at least 1".into(),
            ));
        }
        if raw.table.amount_tolerance_wan.is_nan() || raw.table.amount_tolerance_wan < 0.0 {
            return Err(invalid(
                "table.amount_tolerance_wan",
                "must be zero or more".into(),
            ));
        }

        let words = |key: &str, words: Vec<String>| {
            WordSet::new(&words).map_err(|e| invalid(key, e.to_string()))
        };
        let direction_down = words("checks.direction.down", raw.checks.direction.down.clone())?;
        let direction_up = words("checks.direction.up", raw.checks.direction.up.clone())?;
        let category_words = words(
            "categories.rules",
            raw.categories
                .rules
                .iter()
                .flat_map(|r| r.name_contains.iter().cloned())
                .collect(),
        )?;
        let placeholders = words(
            "checks.placeholders",
            raw.checks
                .placeholders
                .iter()
                .map(|p| fold(p).into_owned())
                .collect(),
        )?;

        for (level1, words) in &raw.categories.level1_synonyms {
            if !raw.categories.level1.contains(level1) {
                return Err(invalid(
                    "categories.level1_synonyms",
                    format!("{level1:?} is not one of categories.level1"),
                ));
            }
            if words.iter().any(|w| fold(w).is_empty()) {
                return Err(invalid(
                    "categories.level1_synonyms",
                    "an empty word matches nothing".into(),
                ));
            }
        }
        let form = FormRules::new(raw.form).map_err(|(key, message)| invalid(&key, message))?;

        let placeholder_targets = raw
            .checks
            .placeholder_targets
            .iter()
            .map(|p| fold(p).into_owned())
            .filter(|p| !p.is_empty())
            .collect();
        Ok(Rules {
            origin: rules_origin,
            source_text: text.to_string(),
            header_search_rows: raw.table.header_search_rows,
            amount_tolerance_wan: raw.table.amount_tolerance_wan,
            sum_row_labels: raw
                .table
                .sum_row_labels
                .iter()
                .map(|s| fold(s).into_owned())
                .collect(),
            subtotal_labels: raw
                .table
                .subtotal_labels
                .iter()
                .map(|s| fold(s).into_owned())
                .collect(),
            ignored_sheets: raw
                .table
                .ignored_sheets
                .iter()
                .map(|s| fold(s).into_owned())
                .collect(),
            note_words: raw
                .table
                .note_words
                .iter()
                .map(|s| fold(s).into_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            headers,
            operators,
            units,
            glued_units,
            amount_units,
            leading_operators,
            trailing_operators,
            target_units,
            document,
            qualitative_words: raw
                .qualitative
                .words
                .iter()
                .map(|w| fold(w).into_owned())
                .collect(),
            direction_down,
            direction_up,
            category_words,
            category_word_rule: raw
                .categories
                .rules
                .iter()
                .enumerate()
                .flat_map(|(n, r)| std::iter::repeat_n(n, r.name_contains.len()))
                .collect(),
            placeholders,
            placeholder_targets,
            findings: raw.findings,
            compare: raw.compare,
            ranges: raw.ranges.folded(),
            review: raw.review,
            checks: raw.checks,
            template: raw.template,
            categories: raw.categories,
            form,
        })
    }

    /// The factor that turns amounts in this unit into 万元 ("元" → 0.0001), if the rules know it.
    pub fn amount_scale(&self, unit: &str) -> Option<f64> {
        self.amount_units.get(&*fold(unit)).copied()
    }

    /// An operator written at the start of folded text ("≥95", "不低于95"): the canonical
    /// operator and the byte length of what was written. The longest spelling wins.
    pub fn leading_operator(&self, folded: &str) -> Option<(&str, usize)> {
        self.leading_operators
            .iter()
            .find(|(word, _)| folded.starts_with(word.as_str()))
            .map(|(word, op)| (op.as_str(), word.len()))
    }

    /// An operator word written at the end of folded text ("95%以上").
    pub fn trailing_operator(&self, folded: &str) -> Option<(&str, usize)> {
        self.trailing_operators
            .iter()
            .find(|(word, _)| folded.ends_with(word.as_str()))
            .map(|(word, op)| (op.as_str(), word.len()))
    }

    /// An operator cell written in words ("不低于", "以上"): the operator the word means.
    pub fn operator_word(&self, written: &str) -> Option<&str> {
        let folded = fold(written);
        self.leading_operators
            .iter()
            .chain(&self.trailing_operators)
            .find(|(word, _)| *word == folded)
            .map(|(_, op)| op.as_str())
    }

    /// Is this (folded) text a unit that may follow the number of a one-cell target?
    pub fn is_target_unit(&self, folded: &str) -> bool {
        self.target_units.contains(folded)
            || self.glued_units.contains_key(folded)
            || self.units.contains_key(folded)
    }

    /// The field a header cell names, with the unit it gives in brackets ("预算金额(万元)").
    pub fn header_field(&self, cell: &str) -> Option<(Field, Option<String>)> {
        let folded = fold(cell);
        if let Some(&field) = self.headers.get(&*folded) {
            return Some((field, None));
        }
        // "预算金额(万元)" or "预算金额[元]": the name before the bracket, the unit inside it.
        let open = folded.find(['(', '[', '【'])?;
        let name = &folded[..open];
        let unit = folded[open..]
            .trim_start_matches(['(', '[', '【'])
            .trim_end_matches([')', ']', '】'])
            .to_string();
        let &field = self.headers.get(name)?;
        Some((field, (!unit.is_empty()).then_some(unit)))
    }

    /// Is this a sheet of instructions or a cover, not to be searched for a table?
    pub fn is_ignored_sheet(&self, name: &str) -> bool {
        let folded = fold(name);
        self.ignored_sheets.iter().any(|s| *s == folded)
    }

    /// Is this cell a 小计 label?
    pub fn is_subtotal_label(&self, cell: &str) -> bool {
        let folded = fold(cell);
        !folded.is_empty() && self.subtotal_labels.iter().any(|l| *l == folded)
    }

    /// Does this text read as a note (注:…, 说明:…, 联系人:…): it starts with one of
    /// `table.note_words`, followed by nothing or by no letter (a colon, a number, a bracket)?
    pub fn is_note_text(&self, text: &str) -> bool {
        let folded = fold(text);
        self.note_words.iter().any(|w| {
            folded
                .strip_prefix(w.as_str())
                .is_some_and(|rest| rest.chars().next().is_none_or(|c| !c.is_alphabetic()))
        })
    }

    /// Is this cell a 合计 label?
    pub fn is_sum_label(&self, cell: &str) -> bool {
        let folded = fold(cell);
        !folded.is_empty() && self.sum_row_labels.iter().any(|l| *l == folded)
    }

    /// The canonical operators, sorted (≤ < = > ≥), for drop-downs.
    pub fn canonical_operators(&self) -> Vec<String> {
        let mut ops: Vec<String> = self.operators.values().cloned().collect();
        ops.sort();
        ops.dedup();
        ops
    }

    /// The canonical operator for a written one (≧ → ≥), if the rules know it.
    pub fn operator(&self, written: &str) -> Option<&str> {
        self.operators.get(&*fold(written)).map(String::as_str)
    }

    /// The canonical unit for a written one (比例 → %); unknown units come back as written.
    pub fn unit(&self, written: &str) -> String {
        let folded = fold(written);
        match self.units.get(&*folded) {
            Some(canonical) => canonical.clone(),
            None => crate::text::clean(written).to_string(),
        }
    }

    /// Does this target hold one of the qualitative words (明显, 提升…)?
    pub fn has_qualitative_word(&self, target: &str) -> bool {
        let folded = fold(target);
        self.qualitative_words
            .iter()
            .any(|w| folded.contains(w.as_str()))
    }

    /// The first word of `checks.direction.down` (in the rules' order) that `name` contains:
    /// a name whose good direction is down.
    pub fn direction_down_word(&self, name: &str) -> Option<&str> {
        self.direction_down.first_in(name)
    }

    /// The first word of `checks.direction.up` that `name` contains.
    pub fn direction_up_word(&self, name: &str) -> Option<&str> {
        self.direction_up.first_in(name)
    }

    /// For each of `categories.rules`, whether `name` contains one of its words.
    fn named_rules(&self, name: &str) -> Vec<bool> {
        let mut named = vec![false; self.categories.rules.len()];
        for word in self.category_words.all_in(name) {
            if let Some(&rule) = self.category_word_rule.get(word) {
                named[rule] = true;
            }
        }
        named
    }

    /// The first of `categories.rules` whose words (any of them, or none listed) `name` contains
    /// and whose units (any, or none listed) include `unit`.
    pub fn category_rule(&self, name: &str, unit: &str) -> Option<&CategoryRule> {
        let named = self.named_rules(name);
        self.categories
            .rules
            .iter()
            .zip(named)
            .find_map(|(r, named)| {
                let by_name = r.name_contains.is_empty() || named;
                let by_unit = r.units.is_empty() || r.units.iter().any(|u| u == unit);
                (by_name && by_unit).then_some(r)
            })
    }

    /// Every one of `categories.rules` that names a word `name` contains (rules of units only
    /// are left out) and whose units (any, or none listed) include `unit`, in the rules' order.
    pub fn category_rules_named(&self, name: &str, unit: &str) -> Vec<&CategoryRule> {
        let named = self.named_rules(name);
        self.categories
            .rules
            .iter()
            .zip(named)
            .filter(|(r, named)| {
                *named && (r.units.is_empty() || r.units.iter().any(|u| u == unit))
            })
            .map(|(r, _)| r)
            .collect()
    }

    /// Is this text a template placeholder left in (XX, ＊＊)?
    pub fn is_placeholder(&self, text: &str) -> bool {
        let folded = fold(text);
        !folded.is_empty() && self.placeholders.all_in(&folded).next().is_some()
    }

    /// Is this whole target or name a placeholder: one of `checks.placeholders` in it, or it
    /// is one of `checks.placeholder_targets` (a lone *, /, -, _ or —)?
    pub fn is_placeholder_target(&self, text: &str) -> bool {
        self.is_placeholder(text) || self.placeholder_targets.contains(&*fold(text))
    }

    /// The canonical unit for one glued to a number ("10G" → GB), if the rules know it.
    pub fn glued_unit(&self, suffix: &str) -> Option<&str> {
        self.glued_units.get(&*fold(suffix)).map(String::as_str)
    }
}

/// A list of words searched for in a text all at once (Aho-Corasick), rather than with one
/// `contains` per word: every indicator is classified and checked against dozens of words, and
/// that was a tenth of the time spent reading.
#[derive(Debug, Clone)]
struct WordSet {
    words: Vec<String>,
    automaton: aho_corasick::AhoCorasick,
}

impl WordSet {
    /// Fails only for word lists far beyond any rules file (the automaton's size limits).
    fn new(words: &[String]) -> Result<WordSet, aho_corasick::BuildError> {
        Ok(WordSet {
            words: words.to_vec(),
            automaton: aho_corasick::AhoCorasick::new(words)?,
        })
    }

    /// The indexes of the words `text` contains, once for each place one stands.
    fn all_in<'a>(&'a self, text: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.automaton
            .find_overlapping_iter(text)
            .map(|m| m.pattern().as_usize())
    }

    /// The first word, in the list's order, that `text` contains.
    fn first_in(&self, text: &str) -> Option<&str> {
        let first = self.all_in(text).min()?;
        self.words.get(first).map(String::as_str)
    }
}

fn index_synonyms(
    table: &HashMap<String, Vec<String>>,
    key: &str,
    invalid: &dyn Fn(&str, String) -> RulesError,
) -> Result<HashMap<String, String>, RulesError> {
    let mut index = HashMap::new();
    // Sorted so that a conflict is reported the same way on every run.
    let mut canonicals: Vec<&String> = table.keys().collect();
    canonicals.sort();
    for canonical in canonicals {
        let mut spellings = table[canonical].clone();
        spellings.push(canonical.clone());
        for spelling in spellings {
            let folded = fold(&spelling);
            if folded.is_empty() {
                return Err(invalid(
                    &format!("{key}.{canonical}"),
                    "an empty spelling matches nothing".into(),
                ));
            }
            if let Some(previous) = index.insert(folded.into_owned(), canonical.clone())
                && &previous != canonical
            {
                return Err(invalid(
                    &format!("{key}.{canonical}"),
                    format!("{spelling:?} is already listed under {previous:?}"),
                ));
            }
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_sets_find_what_contains_finds() {
        let rules = Rules::builtin().expect("rules");
        let c = &rules.categories;
        let d = &rules.checks.direction;
        // Names made of the rules' own words, alone, in pairs and inside other text.
        let words: Vec<&String> = c
            .rules
            .iter()
            .flat_map(|r| &r.name_contains)
            .chain(&d.up)
            .chain(&d.down)
            .collect();
        let mut names = vec![
            "".to_string(),
            "群众满意度".to_string(),
            "发放代表人数".to_string(),
        ];
        for (n, a) in words.iter().enumerate() {
            names.push(format!("年度{a}情况"));
            names.push(format!("{a}{}", words[(n * 7 + 3) % words.len()]));
        }
        let units = ["", "%", "次", "万元", "人"];
        for name in &names {
            let naive = |list: &[String]| list.iter().find(|w| name.contains(w.as_str())).cloned();
            assert_eq!(
                rules.direction_up_word(name).map(str::to_string),
                naive(&d.up),
                "{name}"
            );
            assert_eq!(
                rules.direction_down_word(name).map(str::to_string),
                naive(&d.down),
                "{name}"
            );
            for unit in units {
                let naive = c.rules.iter().position(|r| {
                    (r.name_contains.is_empty()
                        || r.name_contains.iter().any(|w| name.contains(w.as_str())))
                        && (r.units.is_empty() || r.units.iter().any(|u| u == unit))
                });
                let fast = rules
                    .category_rule(name, unit)
                    .and_then(|r| c.rules.iter().position(|q| std::ptr::eq(q, r)));
                assert_eq!(fast, naive, "{name} {unit}");
            }
        }
    }

    #[test]
    fn the_review_defaults_are_the_shipped_section() {
        // A rules file without [review], or with some of its keys, gets exactly these.
        let rules = Rules::builtin().expect("rules");
        assert_eq!(rules.review, ReviewRules::default());
        let cut = DEFAULT_RULES
            .find("\n[review]")
            .expect("the shipped section");
        // A file copied before the section existed.
        let older = &DEFAULT_RULES[..cut];
        let rules = Rules::from_toml(older, RulesOrigin::BuiltIn).expect("older rules");
        assert_eq!(rules.review, ReviewRules::default());
    }

    #[test]
    fn builtin_rules_load() {
        let rules = Rules::builtin().expect("built-in rules");
        assert_eq!(rules.operator("≧"), Some("≥"));
        assert_eq!(rules.operator("＞＝"), Some("≥"));
        assert_eq!(rules.operator("≦"), Some("≤"));
        assert_eq!(rules.operator("＝"), Some("="));
        assert_eq!(rules.operator("明显"), None);
        assert_eq!(rules.unit("比例"), "%");
        assert_eq!(rules.unit("次数"), "次");
        assert_eq!(rules.unit(" 人次 "), "人次");
        assert_eq!(rules.glued_unit("G"), Some("GB"));
    }

    #[test]
    fn headers_match_with_bracketed_units() {
        let rules = Rules::builtin().expect("built-in rules");
        assert_eq!(
            rules.header_field("预算金额(万元)"),
            Some((Field::Budget, Some("万元".to_string())))
        );
        assert_eq!(
            rules.header_field("本级支出（万元）"),
            Some((Field::Own, Some("万元".to_string())))
        );
        assert_eq!(
            rules.header_field("年度目标值"),
            Some((Field::Target, None))
        );
        assert_eq!(rules.header_field("单位名称"), None);
        assert!(rules.is_sum_label("合 计"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let broken = DEFAULT_RULES.replace("header_search_rows = 30", "header_search_rows = ");
        let err = Rules::from_toml(&broken, RulesOrigin::File("my.toml".into()))
            .expect_err("broken rules");
        let text = err.to_string();
        assert!(text.contains("my.toml"), "{text}");
        assert!(text.contains("line"), "{text}");
    }

    #[test]
    fn conflicting_synonyms_name_the_key() {
        let broken = DEFAULT_RULES.replace(r#""次" = ["次数"]"#, r#""次" = ["次数", "比例"]"#);
        let err =
            Rules::from_toml(&broken, RulesOrigin::File("my.toml".into())).expect_err("conflict");
        assert!(err.to_string().contains("units."), "{err}");
    }

    #[test]
    fn unknown_categories_name_the_key() {
        let broken = DEFAULT_RULES.replace(
            r#"level1 = "满意度指标"
level2"#,
            r#"level1 = "满意指标"
level2"#,
        );
        assert_ne!(broken, DEFAULT_RULES);
        let err = Rules::from_toml(&broken, RulesOrigin::File("my.toml".into()))
            .expect_err("unknown category");
        assert!(err.to_string().contains("categories"), "{err}");
    }

    #[test]
    fn bad_regex_names_the_key() {
        let broken = DEFAULT_RULES.replace(
            r#"footnote_year = ['(?P<year>(?:19|20)\d{2})\s*年']"#,
            r#"footnote_year = ['(?P<year>']"#,
        );
        let err =
            Rules::from_toml(&broken, RulesOrigin::File("my.toml".into())).expect_err("bad regex");
        assert!(err.to_string().contains("document.footnote_year"), "{err}");
    }

    #[test]
    fn operator_words_longest_first_and_only_known_operators() {
        let rules = Rules::builtin().expect("rules");
        assert_eq!(
            rules.leading_operator("大于等于5"),
            Some(("≥", "大于等于".len()))
        );
        assert_eq!(rules.leading_operator("大于5"), Some((">", "大于".len())));
        assert_eq!(rules.leading_operator(">=5"), Some(("≥", 2)));
        assert_eq!(
            rules.trailing_operator("5个以上"),
            Some(("≥", "以上".len()))
        );
        assert_eq!(rules.leading_operator("明显"), None);
        assert_eq!(rules.amount_scale("元"), Some(0.0001));
        assert!(rules.is_target_unit("小时") && rules.is_target_unit("G"));
        let broken = DEFAULT_RULES.replace(r#""≤" = ["以内","#, r#""约" = ["以内","#);
        let err = Rules::from_toml(&broken, RulesOrigin::File("my.toml".into()))
            .expect_err("unknown operator");
        assert!(
            err.to_string().contains("operator_words.suffix.约"),
            "{err}"
        );
    }
}
