//! Stage 5b: give every indicator its place in the national framework (一级 产出/效益/满意度
//! [/成本], 二级 数量/质量/时效/成本 …). Categories a file gives are kept as given; the others
//! are inferred from the indicator's name and unit with the keyword rules of `[categories]` in
//! the rules file, the first matching rule deciding, and marked as inferred.

use crate::model::{CategorySource, Department, Indicator};
use crate::normalize::QUALITATIVE;
use crate::rules::Rules;

/// Classifies every indicator of the department that the file did not classify.
pub fn classify(dept: &mut Department, rules: &Rules) {
    for indicator in dept.indicators_mut() {
        classify_one(indicator, rules);
    }
}

fn classify_one(i: &mut Indicator, rules: &Rules) {
    if let Some(given) = &i.level1 {
        // "产出" for 产出指标: the framework's name where the file shortens it.
        let known = &rules.categories.level1;
        let folded = crate::text::fold(given);
        let synonyms = &rules.categories.level1_synonyms;
        if let Some(name) = known.iter().find(|k| {
            crate::text::fold(k) == folded
                || crate::text::fold(k) == format!("{folded}指标")
                || synonyms
                    .get(k.as_str())
                    .is_some_and(|words| words.iter().any(|w| crate::text::fold(w) == folded))
        }) {
            i.level1 = Some(name.into());
        }
    }
    if i.level1.is_some() {
        i.category_source = CategorySource::Given;
        if i.level2.is_none() {
            // Only the 二级 is missing: inferred within the given 一级 where the rules agree.
            let (level1, level2) = infer(i, rules);
            if i.level1.as_deref() == Some(level1) {
                i.level2 = Some(level2.into());
            }
        }
        return;
    }
    let (level1, level2) = infer(i, rules);
    i.level1 = Some(level1.into());
    i.level2 = Some(level2.into());
    i.category_source = CategorySource::Inferred;
}

/// The (一级, 二级) the rules give an indicator by its name, unit and kind of target.
fn infer<'r>(i: &Indicator, rules: &'r Rules) -> (&'r str, &'r str) {
    let c = &rules.categories;
    let matched = rules.category_rule(&i.name, &i.unit);
    let (level1, level2) = match matched {
        Some(r) => (r.level1.as_str(), r.level2.as_str()),
        None if i.op == QUALITATIVE => (
            c.fallback_qualitative[0].as_str(),
            c.fallback_qualitative[1].as_str(),
        ),
        None => (
            c.fallback_numeric[0].as_str(),
            c.fallback_numeric[1].as_str(),
        ),
    };
    if c.cost_as_level1 && level2 == c.cost_level1_categories[0] {
        return (
            c.cost_level1_categories[0].as_str(),
            c.cost_level1_categories[1].as_str(),
        );
    }
    (level1, level2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Located, RawIndicator};
    use crate::grid::CellValue;
    use crate::normalize::normalize_indicator;

    fn classified(name: &str, op: &str, target: &str, unit: &str) -> Indicator {
        let rules = Rules::builtin().expect("rules");
        let at = |col: u32, text: &str| Located {
            value: CellValue::Text(text.into()),
            row: 1,
            col,
        };
        let raw = RawIndicator {
            row: 1,
            name: at(0, name),
            op: Some(at(1, op)),
            target: at(2, target),
            unit: Some(at(3, unit)),
            level1: None,
            level2: None,
            extra: None,
        };
        let mut i = normalize_indicator(&raw, &rules, &mut Vec::new());
        classify_one(&mut i, &rules);
        i
    }

    fn levels(i: &Indicator) -> (&str, &str) {
        (
            i.level1.as_deref().unwrap_or(""),
            i.level2.as_deref().unwrap_or(""),
        )
    }

    #[test]
    fn names_and_units_give_the_category() {
        let cases = [
            (
                "受益人员满意度",
                "≧",
                "95",
                "%",
                ("满意度指标", "服务对象满意度指标"),
            ),
            ("系统验收合格率", "=", "100", "%", ("产出指标", "质量指标")),
            (
                "设备故障排除时间",
                "≦",
                "1",
                "小时",
                ("产出指标", "时效指标"),
            ),
            ("一类会议标准", "≦", "550", "元", ("产出指标", "成本指标")),
            (
                "提升人大代表履职效率",
                "≧",
                "明显",
                "",
                ("效益指标", "社会效益指标"),
            ),
            (
                "公众号订阅人数增长率",
                "≧",
                "20",
                "%",
                ("效益指标", "社会效益指标"),
            ),
            ("租赁设备数量", "≧", "900", "个", ("产出指标", "数量指标")),
            (
                "租赁设备品牌",
                "=",
                "华为",
                "国产",
                ("效益指标", "社会效益指标"),
            ),
        ];
        for (name, op, target, unit, want) in cases {
            let i = classified(name, op, target, unit);
            assert_eq!(levels(&i), want, "{name}");
            assert_eq!(i.category_source, CategorySource::Inferred);
        }
    }

    #[test]
    fn given_categories_are_kept() {
        let rules = Rules::builtin().expect("rules");
        let mut i = classified("租赁设备数量", "≧", "900", "个");
        i.level1 = Some("成本指标".into());
        i.level2 = Some("经济成本指标".into());
        classify_one(&mut i, &rules);
        assert_eq!(levels(&i), ("成本指标", "经济成本指标"));
        assert_eq!(i.category_source, CategorySource::Given);
        // A given 一级 without 二级 gets the 二级 the rules infer, when they agree on the 一级.
        let mut i = classified("受益人员满意度", "≧", "95", "%");
        i.level1 = Some("满意度指标".into());
        i.level2 = None;
        classify_one(&mut i, &rules);
        assert_eq!(levels(&i), ("满意度指标", "服务对象满意度指标"));
    }
}
