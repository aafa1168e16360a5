//! `[ranges]`: how a range target is written ("90%-95%", "介于90%和95%之间").

use serde::Deserialize;

use crate::text::fold;

/// How a range target is written (see `[ranges]`): "90%-95%", "介于90%和95%之间".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeRules {
    /// What stands between the low and the high end: "-", "~", "至".
    pub separators: Vec<String>,
    /// Words around the two ends: 介于 … 和 … 之间.
    pub enclosing: Vec<RangeWords>,
}

/// One way of writing a range in words: `before` low `between` high `after`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeWords {
    pub before: String,
    pub between: String,
    #[serde(default)]
    pub after: String,
}

impl Default for RangeRules {
    fn default() -> Self {
        let words = |before: &str, between: &str, after: &str| RangeWords {
            before: before.to_string(),
            between: between.to_string(),
            after: after.to_string(),
        };
        RangeRules {
            separators: ["-", "~", "～", "—", "–", "至", "到"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            enclosing: vec![words("介于", "和", "之间"), words("介于", "与", "之间")],
        }
    }
}

impl RangeRules {
    /// The words folded as the targets they are matched against are; empty separators and
    /// pairs without a `between` are dropped, as they would match everywhere.
    pub(super) fn folded(self) -> RangeRules {
        let f = |s: &str| fold(s).into_owned();
        RangeRules {
            separators: self
                .separators
                .iter()
                .map(|s| f(s))
                .filter(|s| !s.is_empty())
                .collect(),
            enclosing: self
                .enclosing
                .iter()
                .map(|w| RangeWords {
                    before: f(&w.before),
                    between: f(&w.between),
                    after: f(&w.after),
                })
                .filter(|w| !w.between.is_empty())
                .collect(),
        }
    }
}
