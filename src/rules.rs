//! Domain rules: header synonyms, operator spellings, unit synonyms and the patterns that find
//! the department and its declared figures. They live in `templates/rules.toml`, compiled in as
//! the default and replaceable with `--rules`, so a bureau can teach jixiao its own wording
//! without a new build. This module only loads and indexes them; the stages apply them.

use std::collections::HashMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;

use crate::text::fold;

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
    /// A group header over the indicator columns (核心绩效指标); it names no column itself.
    IndicatorGroup,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    table: RawTable,
    headers: RawHeaders,
    operators: HashMap<String, Vec<String>>,
    units: HashMap<String, Vec<String>>,
    glued_units: HashMap<String, Vec<String>>,
    document: RawDocument,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    header_search_rows: usize,
    sum_row_labels: Vec<String>,
    amount_tolerance_wan: f64,
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
    unit_line_department: Vec<String>,
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
    pub unit_line_department: Vec<Regex>,
}

/// The loaded, indexed rules. Built once per run and shared by reference.
#[derive(Debug)]
pub struct Rules {
    /// Where the rules came from: "built-in" or the file's path.
    pub origin: String,
    /// The text they were loaded from, kept for `jixiao rules` and the report.
    pub source_text: String,
    pub header_search_rows: usize,
    pub amount_tolerance_wan: f64,
    sum_row_labels: Vec<String>,
    headers: HashMap<String, Field>,
    operators: HashMap<String, String>,
    units: HashMap<String, String>,
    glued_units: HashMap<String, String>,
    pub document: DocumentPatterns,
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
        Rules::from_toml(DEFAULT_RULES, "built-in")
    }

    /// Loads a rules file given with `--rules`.
    pub fn from_file(path: &Path) -> Result<Rules, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Rules::from_toml(&text, &path.display().to_string())
    }

    /// Parses rules from TOML text. `origin` names the text in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Rules, RulesError> {
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
        let groups: [(&str, &Vec<String>, Field); 12] = [
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
                if let Some(previous) = headers.insert(folded, field)
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
            unit_line_department: compile(
                "document.unit_line_department",
                &d.unit_line_department,
            )?,
        };

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

        Ok(Rules {
            origin: origin.to_string(),
            source_text: text.to_string(),
            header_search_rows: raw.table.header_search_rows,
            amount_tolerance_wan: raw.table.amount_tolerance_wan,
            sum_row_labels: raw.table.sum_row_labels.iter().map(|s| fold(s)).collect(),
            headers,
            operators,
            units,
            glued_units,
            document,
        })
    }

    /// The field a header cell names, with the unit it gives in brackets ("预算金额(万元)").
    pub fn header_field(&self, cell: &str) -> Option<(Field, Option<String>)> {
        let folded = fold(cell);
        if let Some(&field) = self.headers.get(&folded) {
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

    /// Is this cell a 合计 label?
    pub fn is_sum_label(&self, cell: &str) -> bool {
        let folded = fold(cell);
        !folded.is_empty() && self.sum_row_labels.contains(&folded)
    }

    /// The canonical operator for a written one (≧ → ≥), if the rules know it.
    pub fn operator(&self, written: &str) -> Option<&str> {
        self.operators.get(&fold(written)).map(String::as_str)
    }

    /// The canonical unit for a written one (比例 → %); unknown units come back as written.
    pub fn unit(&self, written: &str) -> String {
        let folded = fold(written);
        match self.units.get(&folded) {
            Some(canonical) => canonical.clone(),
            None => crate::text::clean(written).to_string(),
        }
    }

    /// The canonical unit for one glued to a number ("10G" → GB), if the rules know it.
    pub fn glued_unit(&self, suffix: &str) -> Option<&str> {
        self.glued_units.get(&fold(suffix)).map(String::as_str)
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
            if let Some(previous) = index.insert(folded, canonical.clone())
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
        let err = Rules::from_toml(&broken, "my.toml").expect_err("broken rules");
        let text = err.to_string();
        assert!(text.contains("my.toml"), "{text}");
        assert!(text.contains("line"), "{text}");
    }

    #[test]
    fn conflicting_synonyms_name_the_key() {
        let broken = DEFAULT_RULES.replace(r#""次" = ["次数"]"#, r#""次" = ["次数", "比例"]"#);
        let err = Rules::from_toml(&broken, "my.toml").expect_err("conflict");
        assert!(err.to_string().contains("units."), "{err}");
    }

    #[test]
    fn bad_regex_names_the_key() {
        let broken = DEFAULT_RULES.replace(
            r#"footnote_year = ['(?P<year>(?:19|20)\d{2})\s*年']"#,
            r#"footnote_year = ['(?P<year>']"#,
        );
        let err = Rules::from_toml(&broken, "my.toml").expect_err("bad regex");
        assert!(err.to_string().contains("document.footnote_year"), "{err}");
    }
}
