//! `[review]`: the checks a finance bureau's reviewer runs (审核), with its spending
//! standards and target floors.

use serde::Deserialize;

use crate::text::fold;

use super::CategoryRules;

/// The checks a finance bureau's reviewer runs on submitted targets (see `[review]`): what the
/// 产出 indicators must cover, the share of qualitative targets, the spending standards, the
/// floors. A rules file without the section, or without some of its keys, gets these defaults
/// (those of the shipped `templates/rules.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewRules {
    /// The 一级 category whose 二级 categories `required_output` lists.
    pub output_level1: String,
    /// The 二级 categories a project's 产出 indicators must cover (`incomplete_output`).
    pub required_output: Vec<String>,
    /// Name endings that make a numeric target's unit obvious (率 → %): no `missing_unit`.
    pub unit_obvious_endings: Vec<String>,
    /// What a form's 指标值类型 says for a quantitative target (`quantitative_without_number`).
    pub quantitative_kinds: Vec<String>,
    /// A project more than this share of whose indicators are qualitative is
    /// `mostly_qualitative`.
    pub qualitative_share: f64,
    /// Words of `[[categories.rules]]` too loose to contradict a category the file gives
    /// (老人生活质量 is an outcome, 覆盖率 often one): `category_mismatch` ignores them.
    pub weak_category_words: Vec<String>,
    /// The categories (一级 or 二级) of a cost indicator, for `cost_over_budget`.
    pub cost_categories: Vec<String>,
    /// An indicator name longer than this many characters is `name_too_long`.
    pub name_max_chars: usize,
    /// The 预算支出标准 (`over_standard`).
    pub standards: Vec<SpendingStandard>,
    /// The minimum targets a bureau expects (`target_below_floor`).
    pub floors: Vec<TargetFloor>,
    /// Codes of these checks a bureau does not run.
    pub disabled_checks: Vec<crate::finding::Code>,
}

/// The codes the `[review]` checks raise: the ones `disabled_checks` may name.
pub const REVIEW_CODES: [crate::finding::Code; 12] = {
    use crate::finding::Code::*;
    [
        IncompleteOutput,
        CategoryMismatch,
        MissingUnit,
        MissingOperator,
        QuantitativeWithoutNumber,
        MostlyQualitative,
        OverStandard,
        CostOverBudget,
        TargetBelowFloor,
        NameTooLong,
        UnitConflict,
        YearMismatch,
    ]
};

/// One 预算支出标准: a numeric target of an indicator whose name contains one of
/// `name_contains`, in one of `units`, above `ceiling` is `over_standard`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpendingStandard {
    pub name_contains: Vec<String>,
    pub units: Vec<String>,
    pub ceiling: f64,
    /// The standard's name, as the message quotes it.
    pub label: String,
}

/// One floor: a ≥, > or = target of an indicator whose name contains one of `name_contains`
/// (and none of `name_excludes`), in one of `units` or in none, below `floor` is
/// `target_below_floor`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFloor {
    pub name_contains: Vec<String>,
    #[serde(default)]
    pub name_excludes: Vec<String>,
    pub units: Vec<String>,
    pub floor: f64,
}

impl Default for ReviewRules {
    fn default() -> Self {
        let list = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        let per_day = [
            "元",
            "元/人·天",
            "元/人天",
            "元/人/天",
            "元/人.天",
            "元/(人·天)",
        ];
        let standard = |name: &str, ceiling: f64, label: &str| SpendingStandard {
            name_contains: list(&[name]),
            units: list(&per_day),
            ceiling,
            label: label.to_string(),
        };
        ReviewRules {
            output_level1: "产出指标".to_string(),
            required_output: list(&["数量指标", "质量指标", "时效指标"]),
            unit_obvious_endings: list(&[
                "率",
                "满意度",
                "次数",
                "人数",
                "人次",
                "天数",
                "个数",
                "件数",
                "户数",
            ]),
            quantitative_kinds: list(&["定量"]),
            qualitative_share: 0.5,
            weak_category_words: list(&[
                "质量",
                "合格",
                "验收",
                "可靠性",
                "覆盖率",
                "提升",
                "效率",
                "增长",
                "影响",
                "促进",
                "改善",
                "便捷",
                "标准",
                "费用",
                "经费",
                "时间",
                "周期",
            ]),
            cost_categories: list(&[
                "成本指标",
                "经济成本指标",
                "社会成本指标",
                "生态环境成本指标",
            ]),
            name_max_chars: 100,
            standards: vec![
                standard("一类会议", 550.0, "一类会议综合定额 550 元/人·天"),
                standard("三类会议", 400.0, "三类会议综合定额 400 元/人·天"),
            ],
            floors: vec![TargetFloor {
                name_contains: list(&["满意度", "满意率"]),
                name_excludes: Vec::new(),
                units: list(&["%"]),
                floor: 85.0,
            }],
            disabled_checks: Vec::new(),
        }
    }
}

impl SpendingStandard {
    /// Does the standard speak about a target of this name in this (canonical) unit?
    pub fn applies_to(&self, name: &str, unit: &str) -> bool {
        let unit = fold(unit);
        self.name_contains.iter().any(|w| name.contains(w.as_str()))
            && self.units.iter().any(|u| fold(u) == unit)
    }
}

impl TargetFloor {
    /// Does the floor speak about a target of this name in this (canonical) unit?
    pub fn applies_to(&self, name: &str, unit: &str) -> bool {
        let unit = fold(unit);
        self.name_contains.iter().any(|w| name.contains(w.as_str()))
            && !self.name_excludes.iter().any(|w| name.contains(w.as_str()))
            && (unit.is_empty() || self.units.iter().any(|u| fold(u) == unit))
    }
}

impl ReviewRules {
    /// Refuses values no check can use: (the key, why).
    pub(super) fn validate(&self, framework: &CategoryRules) -> Result<(), (&'static str, String)> {
        let r = self;
        if !r.qualitative_share.is_finite() || !(0.0..=1.0).contains(&r.qualitative_share) {
            return Err((
                "review.qualitative_share",
                "must be a share from 0 to 1 (0.5 for one half)".into(),
            ));
        }
        if let Some(code) = r.disabled_checks.iter().find(|c| !REVIEW_CODES.contains(c)) {
            return Err((
                "review.disabled_checks",
                format!("{} is not one of the [review] checks", code.as_str()),
            ));
        }
        if r.name_max_chars == 0 {
            return Err(("review.name_max_chars", "must be at least 1".into()));
        }
        let empty_word = |words: &[String]| words.is_empty() || words.iter().any(|w| w.is_empty());
        for s in &r.standards {
            if empty_word(&s.name_contains) || !s.ceiling.is_finite() {
                return Err((
                    "review.standards",
                    format!(
                        "{:?}: name_contains needs words (an empty one matches every name) and ceiling a number",
                        s.label
                    ),
                ));
            }
        }
        for f in &r.floors {
            if empty_word(&f.name_contains) || !f.floor.is_finite() {
                return Err((
                    "review.floors",
                    "name_contains needs words (an empty one matches every name) and floor a number"
                        .into(),
                ));
            }
        }
        for (key, categories) in [
            (
                "review.output_level1",
                std::slice::from_ref(&r.output_level1),
            ),
            ("review.required_output", r.required_output.as_slice()),
        ] {
            let known = |c: &String| framework.level1.contains(c) || framework.level2.contains(c);
            if let Some(c) = categories.iter().find(|c| !known(c)) {
                return Err((
                    key,
                    format!("{c:?} is not one of categories.level1 or categories.level2"),
                ));
            }
        }
        Ok(())
    }
}
