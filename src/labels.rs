//! The words of the summary workbook — column headers, labels, the 说明 sheet — in the
//! languages jixiao writes them in. Chinese is the default and the key: every other language is
//! a table in `templates/headers.toml` (compiled in, like the rules) that maps the Chinese text
//! to its translation. Sheet names are never translated: they are part of the output contract.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use serde::Deserialize;

use crate::finding::Code;

/// The translation table compiled into the binary.
pub const HEADER_TABLE: &str = include_str!("../templates/headers.toml");

/// The default language, written without any table.
pub const DEFAULT_LANG: &str = "zh";

/// Why a language cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LabelsError {
    #[error("unknown language {0:?}; available: {1}")]
    Unknown(String, String),
    #[error("templates/headers.toml: {0}")]
    Table(String),
}

#[derive(Debug, Deserialize)]
struct RawTable {
    /// Chinese meaning of each finding code, for the 说明 sheet in the default language.
    codes_zh: BTreeMap<String, String>,
    /// A short Chinese title per finding code, for 问题类型.
    code_titles_zh: BTreeMap<String, String>,
    /// Per language: Chinese text → translation.
    #[serde(flatten)]
    languages: BTreeMap<String, BTreeMap<String, String>>,
}

/// The workbook's words in one language.
#[derive(Debug)]
pub struct Labels {
    lang: String,
    /// Chinese → translation; empty for Chinese.
    table: HashMap<String, String>,
    codes_zh: HashMap<String, String>,
    code_titles_zh: HashMap<String, String>,
    /// Texts asked for that the table lacks, so a test can show none is left untranslated.
    missing: Mutex<BTreeSet<String>>,
}

impl Clone for Labels {
    fn clone(&self) -> Self {
        Labels::build(
            &self.lang,
            self.table.clone(),
            self.codes_zh.clone(),
            self.code_titles_zh.clone(),
        )
    }
}

impl Default for Labels {
    fn default() -> Self {
        Labels::new(DEFAULT_LANG).unwrap_or_else(|_| {
            Labels::build(DEFAULT_LANG, HashMap::new(), HashMap::new(), HashMap::new())
        })
    }
}

fn parse_table() -> Result<RawTable, LabelsError> {
    toml::from_str(HEADER_TABLE).map_err(|e| LabelsError::Table(e.to_string()))
}

impl Labels {
    fn build(
        lang: &str,
        table: HashMap<String, String>,
        codes_zh: HashMap<String, String>,
        code_titles_zh: HashMap<String, String>,
    ) -> Labels {
        Labels {
            lang: lang.to_string(),
            table,
            codes_zh,
            code_titles_zh,
            missing: Mutex::new(BTreeSet::new()),
        }
    }

    /// The labels of `lang` ("zh", or a language of templates/headers.toml).
    pub fn new(lang: &str) -> Result<Labels, LabelsError> {
        let mut raw = parse_table()?;
        let codes_zh = raw.codes_zh.into_iter().collect();
        let titles = raw.code_titles_zh.into_iter().collect();
        if lang == DEFAULT_LANG {
            return Ok(Labels::build(lang, HashMap::new(), codes_zh, titles));
        }
        match raw.languages.remove(lang) {
            Some(table) => Ok(Labels::build(
                lang,
                table.into_iter().collect(),
                codes_zh,
                titles,
            )),
            None => Err(LabelsError::Unknown(
                lang.to_string(),
                Labels::languages().join(", "),
            )),
        }
    }

    /// Every language jixiao can write, the default first.
    pub fn languages() -> Vec<String> {
        let mut all = vec![DEFAULT_LANG.to_string()];
        if let Ok(raw) = parse_table() {
            all.extend(raw.languages.into_keys());
        }
        all
    }

    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The text in this language; the Chinese text itself where the table has no entry.
    pub fn t<'a>(&'a self, zh: &'a str) -> &'a str {
        match self.table.get(zh) {
            Some(t) => t,
            None => {
                if self.lang != DEFAULT_LANG
                    && let Ok(mut missing) = self.missing.lock()
                {
                    missing.insert(zh.to_string());
                }
                zh
            }
        }
    }

    /// The texts asked for so far that this language's table does not translate.
    pub fn missing(&self) -> Vec<String> {
        self.missing
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// What a finding code means, in this language.
    pub fn code_meaning(&self, code: Code) -> &str {
        if self.lang == DEFAULT_LANG
            && let Some(m) = self.codes_zh.get(code.as_str())
        {
            return m;
        }
        code.meaning()
    }

    /// A finding code's short title in this language (问题类型); the code itself where the
    /// table has none.
    pub fn code_title(&self, code: Code) -> &str {
        match self.code_titles_zh.get(code.as_str()) {
            Some(zh) => self.t(zh),
            None => code.as_str(),
        }
    }

    /// Finding codes without a short title.
    pub fn codes_without_title(&self) -> Vec<&'static str> {
        Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !self.code_titles_zh.contains_key(*c))
            .collect()
    }

    /// Whether the default language has its own wording for every finding code.
    pub fn codes_without_zh_meaning(&self) -> Vec<&'static str> {
        Code::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !self.codes_zh.contains_key(*c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_english() {
        assert_eq!(Labels::languages(), vec!["zh", "en"]);
        let en = Labels::new("en").expect("en");
        assert_eq!(en.t("部门"), "Department");
        let zh = Labels::new("zh").expect("zh");
        assert_eq!(zh.t("部门"), "部门");
        assert!(Labels::new("fr").is_err());
    }

    #[test]
    fn every_code_has_a_chinese_meaning() {
        let zh = Labels::default();
        assert_eq!(zh.codes_without_zh_meaning(), Vec::<&str>::new());
        assert_eq!(zh.codes_without_title(), Vec::<&str>::new());
        let titles: std::collections::HashSet<&str> =
            Code::ALL.iter().map(|&c| zh.code_title(c)).collect();
        assert_eq!(titles.len(), Code::ALL.len(), "one title per code");
        let en = Labels::new("en").expect("en");
        for &c in Code::ALL {
            assert_ne!(en.t(zh.code_title(c)), zh.code_title(c), "{c:?} in English");
        }
        assert_ne!(
            zh.code_meaning(Code::SumMismatch),
            Code::SumMismatch.meaning()
        );
        let en = Labels::new("en").expect("en");
        assert_eq!(
            en.code_meaning(Code::SumMismatch),
            Code::SumMismatch.meaning()
        );
    }
}
