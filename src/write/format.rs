//! The summary's cell formats: one per kind of cell and fill (none, error, warning), and the
//! few named ones of headers, totals and the 说明 sheet. Every format is registered with the
//! workbook up front, in a fixed order, so that sheets written on several threads number the
//! styles the same on every run.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, FormatUnderline, Workbook};

use crate::finding::Severity;
use crate::sheets::Kind;

pub const ERROR_FILL: &str = "#FFC7CE";
pub const ERROR_FONT: &str = "#9C0006";
pub const WARNING_FILL: &str = "#FFEB9C";
pub const WARNING_FONT: &str = "#9C5700";

pub struct Formats {
    /// By kind, then fill: none, error, warning.
    cells: Vec<[Format; 3]>,
    pub header: Format,
    pub total_label: Format,
    pub total_amount: Format,
    pub total_count: Format,
    pub title: Format,
    pub section: Format,
    pub label: Format,
}

/// The kinds in the order of `Formats::cells`.
const KINDS: [Kind; 5] = [
    Kind::Text,
    Kind::Wrap,
    Kind::Amount,
    Kind::Count,
    Kind::Link,
];

fn kind_index(kind: Kind) -> usize {
    match kind {
        Kind::Text => 0,
        Kind::Wrap => 1,
        Kind::Amount => 2,
        Kind::Count => 3,
        Kind::Link => 4,
    }
}

fn fill_index(severity: Option<Severity>) -> usize {
    match severity {
        Some(Severity::Error) => 1,
        Some(Severity::Warning) => 2,
        _ => 0,
    }
}

impl Formats {
    pub fn new() -> Formats {
        let base = crate::sheets::font().set_align(FormatAlign::Top);
        let amount = base.clone().set_num_format("#,##0.00");
        let cells = KINDS
            .map(|kind| match kind {
                Kind::Text | Kind::Count => base.clone(),
                Kind::Wrap => base.clone().set_text_wrap(),
                Kind::Amount => amount.clone(),
                Kind::Link => base
                    .clone()
                    .set_font_color("#0563C1")
                    .set_underline(FormatUnderline::Single),
            })
            .into_iter()
            .map(|f| {
                [
                    f.clone(),
                    f.clone()
                        .set_background_color(ERROR_FILL)
                        .set_font_color(ERROR_FONT),
                    f.set_background_color(WARNING_FILL)
                        .set_font_color(WARNING_FONT),
                ]
            })
            .collect();
        Formats {
            cells,
            header: crate::sheets::font()
                .set_bold()
                .set_background_color("#DDEBF7")
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
            total_label: crate::sheets::font().set_bold(),
            total_amount: amount.set_bold(),
            total_count: crate::sheets::font().set_bold(),
            title: crate::sheets::font().set_bold().set_font_size(14),
            section: crate::sheets::font()
                .set_bold()
                .set_background_color("#DDEBF7")
                .set_border_bottom(FormatBorder::Thin),
            label: crate::sheets::font().set_bold().set_align(FormatAlign::Top),
        }
    }

    /// Gives every format its number in the workbook's styles, in this fixed order.
    pub fn register(&self, workbook: &mut Workbook) {
        let named = [
            &self.header,
            &self.total_label,
            &self.total_amount,
            &self.total_count,
            &self.title,
            &self.section,
            &self.label,
        ];
        for format in self.cells.iter().flatten().chain(named) {
            // Hidden in rust_xlsxwriter's docs, and documented in its source for exactly this:
            // fixing format numbers before constant-memory sheets are written on several
            // threads.
            workbook.register_format(format);
        }
    }

    /// The format of a cell of `kind`, filled for a finding of `severity` (errors and warnings
    /// fill; info does not).
    pub fn cell(&self, kind: Kind, severity: Option<Severity>) -> &Format {
        &self.cells[kind_index(kind)][fill_index(severity)]
    }

    /// The total row's format for a column of `kind`.
    pub fn total(&self, kind: Kind) -> &Format {
        match kind {
            Kind::Amount => &self.total_amount,
            _ => &self.total_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_follow_severity() {
        let f = Formats::new();
        assert_eq!(f.cell(Kind::Text, None), f.cell(Kind::Count, None));
        assert_eq!(
            f.cell(Kind::Text, Some(Severity::Info)),
            f.cell(Kind::Text, None)
        );
        assert_ne!(
            f.cell(Kind::Amount, Some(Severity::Error)),
            f.cell(Kind::Amount, Some(Severity::Warning))
        );
        assert_eq!(f.total(Kind::Amount), &f.total_amount);
        assert_eq!(f.total(Kind::Count), &f.total_count);
    }
}
