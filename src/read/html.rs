//! An HTML table read as a sheet, the way Excel opens an ".xls" that old systems export as a web
//! page: each `<tr>` a row, each `<td>`/`<th>` a cell, `rowspan`/`colspan` merged blocks, and
//! text outside the tables (a title, a 单位 line, a footnote) one row each, in document order.
//! A small tolerant scanner, not a full HTML parser: these exports are plain tables, often with
//! unclosed cells and upper-case tags, in GBK as often as in UTF-8.
//!
//! Built to take hostile pages in linear time and bounded memory: merged blocks are tracked as
//! one "covered until row" mark per column (never cell by cell), columns stop at Excel's
//! 16,384, and every cell a page asks for, covered ones included, counts against the cap.

use super::guard::{Budget, OverLimit};
use crate::grid::{Grid, Merge};

/// Excel's last column, and the largest spans HTML allows (colspan 1000, rowspan 65534).
const MAX_COLUMNS: u32 = 16_384;
const MAX_COLSPAN: u32 = 1_000;
const MAX_ROWSPAN: u32 = 65_534;

/// Decodes the page: the charset its `<meta>` names, else UTF-8 / GB18030 as for text files.
fn decode(bytes: &[u8]) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_lowercase();
    let label = head.find("charset").and_then(|at| {
        let rest = head[at + "charset".len()..].trim_start_matches([' ', '=', '"', '\'']);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        encoding_rs::Encoding::for_label(&rest.as_bytes()[..end])
    });
    match label {
        Some(encoding) if !bytes.starts_with(b"\xEF\xBB\xBF") => {
            encoding.decode(bytes).0.into_owned()
        }
        _ => super::text::decode_text(bytes),
    }
}

/// Decodes the character references of a text run.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // A reference is short: look for its ';' only a few bytes ahead, so that a text full of
        // '&' is read in linear time.
        let end = rest.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "nbsp" | "ensp" | "emsp" => Some(' '),
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let code =
                        if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                            u32::from_str_radix(hex, 16).ok()
                        } else {
                            name.strip_prefix('#').and_then(|d| d.parse().ok())
                        };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// HTML collapses runs of white space; line breaks written as `<br>` are kept as '\n'.
fn collapse(text: &str) -> String {
    text.split('\n')
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value of a numeric attribute such as `rowspan="3"`, within a tag's text.
fn span(tag: &str, name: &str, max: u32) -> u32 {
    let lower = tag.to_lowercase();
    let Some(at) = lower.find(name) else {
        return 1;
    };
    let rest = lower[at + name.len()..].trim_start_matches([' ', '=', '"', '\'']);
    let digits: String = rest
        .chars()
        .take(8)
        .take_while(char::is_ascii_digit)
        .collect();
    // A span beyond what HTML allows is a broken page, not a table to allocate.
    digits.parse::<u32>().unwrap_or(1).clamp(1, max)
}

struct Builder {
    grid: Grid,
    merges: Vec<Merge>,
    /// For each column, the row before which a merged block from an earlier row covers it.
    covered_until: Vec<u32>,
    budget: Budget,
    /// Set once the page asks for more cells than the cap: reading stops.
    over: bool,
    in_caption: bool,
    /// The row being filled, if inside a `<tr>`.
    row: Option<u32>,
    next_row: u32,
    col: u32,
    /// The cell being read: its tag's text and what has been read of it.
    cell: Option<(String, String)>,
    /// Text outside any table, waiting for a block boundary.
    loose: String,
    depth: usize,
}

impl Builder {
    fn flush_loose(&mut self) {
        let text = collapse(&unescape(&self.loose));
        self.loose.clear();
        if !text.is_empty() {
            let cell = super::cells::text_cell(text);
            self.over |= self
                .budget
                .set(&mut self.grid, self.next_row, 0, cell)
                .is_err();
            self.next_row = self.next_row.saturating_add(1);
        }
    }

    fn start_row(&mut self) {
        self.end_row();
        // A caption left open ends where the table's rows begin.
        if self.in_caption {
            self.in_caption = false;
            self.flush_loose();
        }
        self.row = Some(self.next_row);
        self.next_row = self.next_row.saturating_add(1);
        self.col = 0;
    }

    fn end_row(&mut self) {
        self.end_cell();
        self.row = None;
    }

    fn start_cell(&mut self, tag: &str) {
        self.end_cell();
        if self.row.is_none() {
            self.start_row();
        }
        self.cell = Some((tag.to_string(), String::new()));
    }

    fn end_cell(&mut self) {
        let (Some((tag, text)), Some(row)) = (self.cell.take(), self.row) else {
            return;
        };
        // Each covered column skipped here was counted when its block was placed.
        while self
            .covered_until
            .get(self.col as usize)
            .is_some_and(|&until| until > row)
        {
            self.col += 1;
        }
        let col = self.col;
        if col >= MAX_COLUMNS {
            // A row wider than a sheet: more than a sheet can hold.
            self.over = true;
            return;
        }
        let rows = span(&tag, "rowspan", MAX_ROWSPAN);
        let cols = span(&tag, "colspan", MAX_COLSPAN).min(MAX_COLUMNS - col);
        // The cells a merged block covers count like any others; the top-left one is counted
        // when it is set.
        let covered = u64::from(rows) * u64::from(cols) - 1;
        if self.budget.charge(covered).is_err() {
            self.over = true;
            return;
        }
        let last_row = row.saturating_add(rows - 1);
        if rows > 1 {
            let end = (col + cols) as usize;
            if self.covered_until.len() < end {
                self.covered_until.resize(end, 0);
            }
            for until in &mut self.covered_until[col as usize..end] {
                *until = (*until).max(last_row.saturating_add(1));
            }
        }
        if rows > 1 || cols > 1 {
            self.merges.push(Merge {
                first_row: row,
                first_col: col,
                last_row,
                last_col: col + cols - 1,
            });
        }
        let value = super::cells::text_cell(collapse(&unescape(&text)));
        self.over |= self.budget.set(&mut self.grid, row, col, value).is_err();
        self.col = col + cols;
    }

    fn text(&mut self, text: &str) {
        match (&mut self.cell, self.depth) {
            (Some((_, cell)), _) => cell.push_str(text),
            (None, _) if self.in_caption => self.loose.push_str(text),
            (None, 0) => self.loose.push_str(text),
            // Text between cells inside a table is not shown by Excel either.
            _ => {}
        }
    }

    fn line_break(&mut self) {
        self.text("\n");
    }
}

/// Where an ASCII `needle` first occurs in `hay`, ignoring ASCII case.
fn find_ignoring_case(hay: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Reads the tables of an HTML page into one grid named `sheet`, or refuses a page that asks
/// for more than `max_cells` cells.
pub fn read_html(bytes: &[u8], sheet: &str, max_cells: usize) -> Result<Grid, OverLimit> {
    let page = decode(bytes);
    let mut b = Builder {
        grid: Grid::new(sheet),
        merges: Vec::new(),
        covered_until: Vec::new(),
        budget: Budget::new(max_cells),
        over: false,
        in_caption: false,
        row: None,
        next_row: 0,
        col: 0,
        cell: None,
        loose: String::new(),
        depth: 0,
    };
    let mut rest = page.as_str();
    while let Some(open) = rest.find('<') {
        if b.over {
            return Err(OverLimit);
        }
        // Only '<' before a letter, '/', '!' or '?' starts a tag, as in browsers: "<=" and
        // "<" in a cell are its text (operators, in old exports).
        let starts_tag = rest
            .as_bytes()
            .get(open + 1)
            .is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'!' | b'?'));
        if !starts_tag {
            b.text(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        }
        b.text(&rest[..open]);
        rest = &rest[open..];
        // Comments and the bodies of script/style elements are not content.
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        let Some(close) = rest.find('>') else {
            break;
        };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let lower = tag.to_lowercase();
        let closing = lower.starts_with('/');
        let name: String = lower
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !closing && (name == "script" || name == "style") {
            let end = format!("</{name}");
            rest = find_ignoring_case(rest, &end).map_or("", |e| &rest[e..]);
            continue;
        }
        match (name.as_str(), closing) {
            ("table", false) => {
                if b.depth == 0 {
                    b.flush_loose();
                }
                b.depth += 1;
            }
            ("table", true) => {
                b.end_row();
                b.depth = b.depth.saturating_sub(1);
            }
            ("tr", false) if b.depth > 0 => b.start_row(),
            ("tr", true) if b.depth > 0 => b.end_row(),
            ("td" | "th", false) if b.depth > 0 => b.start_cell(tag),
            ("td" | "th", true) if b.depth > 0 => b.end_cell(),
            ("br", _) => b.line_break(),
            // A table's caption (often its 单位 line) is a row of its own, as text outside the
            // table is.
            ("caption", _) if b.cell.is_none() => {
                b.flush_loose();
                b.in_caption = !closing;
            }
            ("p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "caption", _) => {
                if b.cell.is_some() {
                    b.line_break();
                } else if b.depth == 0 || b.in_caption {
                    b.flush_loose();
                }
            }
            _ => {}
        }
    }
    b.text(rest);
    b.end_row();
    b.flush_loose();
    if b.over {
        return Err(OverLimit);
    }
    let mut grid = b.grid;
    grid.merges = Some(b.merges);
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cells_spans_and_loose_text() {
        let page = "<html><head><meta charset=\"utf-8\"><style>td{color:red}</style></head><body>\
            <h2>市某局2024年项目绩效目标表</h2><p>单位:元</p>\
            <table border=1><TR><TD rowspan=2>1</TD><td colspan='2'>甲&amp;乙</td></tr>\
            <tr><td>a<br>b<td>&#x4E2D;&nbsp;</tr></table><!-- <td>no</td> --><p>注:说明</p>";
        let grid = read_html(page.as_bytes(), "s", usize::MAX).expect("read");
        assert_eq!(grid.text(0, 0), "市某局2024年项目绩效目标表");
        assert_eq!(grid.text(1, 0), "单位:元");
        assert_eq!(grid.text(2, 0), "1");
        assert_eq!(grid.text(2, 1), "甲&乙");
        // Row 3 starts after the rowspan of A3.
        assert_eq!(grid.text(3, 1), "a\nb");
        assert_eq!(grid.text(3, 2), "中");
        assert_eq!(grid.text(4, 0), "注:说明");
        let merges = grid.merges.expect("merges");
        assert!(merges.contains(&Merge {
            first_row: 2,
            first_col: 0,
            last_row: 3,
            last_col: 0
        }));
        assert!(merges.contains(&Merge {
            first_row: 2,
            first_col: 1,
            last_row: 2,
            last_col: 2
        }));
    }

    #[test]
    fn gbk_pages_are_decoded_by_their_meta_charset() {
        let page = "<html><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\"><table><tr><td>项目名称</td></tr></table>";
        let (bytes, _, _) = encoding_rs::GBK.encode(page);
        assert_eq!(
            read_html(&bytes, "s", usize::MAX).expect("read").text(0, 0),
            "项目名称"
        );
    }

    fn read(page: &str) -> Grid {
        read_html(page.as_bytes(), "s", usize::MAX).expect("read")
    }

    #[test]
    fn a_lone_less_than_sign_is_text() {
        let grid =
            read("<table><tr><td><=</td><td><</td><td>< 5</td><td>a<b>c</b></td></tr></table>");
        assert_eq!(grid.text(0, 0), "<=");
        assert_eq!(grid.text(0, 1), "<");
        assert_eq!(grid.text(0, 2), "< 5");
        assert_eq!(grid.text(0, 3), "ac");
    }

    #[test]
    fn a_caption_is_a_row_of_its_own() {
        let grid = read(
            "<table><caption>单位:元</caption><tr><td>序号</td></tr></table>\
             <table><caption>注:未闭合<tr><td>1</td></tr></table>",
        );
        assert_eq!(grid.text(0, 0), "单位:元");
        assert_eq!(grid.text(1, 0), "序号");
        assert_eq!(grid.text(2, 0), "注:未闭合");
        assert_eq!(grid.text(3, 0), "1");
    }

    #[test]
    fn spans_cover_the_cells_below_and_beside_them() {
        // B1:B3 and A2:A2..., and a block that overlaps one from above, as broken pages do.
        let grid = read(
            "<table><tr><td>a</td><td rowspan=3>b</td><td>c</td></tr>\
             <tr><td rowspan=2 colspan=3>d</td><td>e</td></tr>\
             <tr><td>f</td></tr><tr><td>g</td><td>h</td></tr></table>",
        );
        assert_eq!(grid.text(0, 2), "c");
        // Row 2: A is free, B is covered by b; d spans A2:C3 (overlapping b's B3, as a browser
        // would place it), e follows it.
        assert_eq!(grid.text(1, 0), "d");
        assert_eq!(grid.text(1, 3), "e");
        // Row 3: A..C covered, f goes to D.
        assert_eq!(grid.text(2, 3), "f");
        assert_eq!(grid.text(3, 0), "g");
        assert_eq!(grid.text(3, 1), "h");
    }

    #[test]
    fn spans_are_clamped_and_counted() {
        // A span of a billion is taken as the largest HTML allows, and a row cannot run past
        // the sheet's last column.
        let page = "<table><tr><td rowspan=99999999999 colspan=99999999999>x</td></tr></table>";
        let grid = read(page);
        let merge = grid.merges.as_ref().expect("merges")[0];
        assert_eq!(
            (merge.last_row, merge.last_col),
            (MAX_ROWSPAN - 1, MAX_COLSPAN - 1)
        );
        assert!(read_html(page.as_bytes(), "s", 1_000_000).is_err());
        let wide = format!(
            "<table><tr>{}</tr></table>",
            "<td colspan=1000>x</td>".repeat(17)
        );
        let grid = read(&wide);
        let last = grid
            .merges
            .as_ref()
            .expect("merges")
            .last()
            .copied()
            .expect("merge");
        assert_eq!(last.last_col, MAX_COLUMNS - 1);
        let wider = format!(
            "<table><tr>{}</tr></table>",
            "<td colspan=1000>x</td>".repeat(18)
        );
        assert!(read_html(wider.as_bytes(), "s", usize::MAX).is_err());
    }

    #[test]
    fn ampersands_without_references_are_kept() {
        // Each '&' looks only a few bytes ahead for its ';' (this took minutes when each
        // searched the rest of the text).
        let text = "&".repeat(1_000_000);
        let page = format!("<table><tr><td>{text};&amp;</td></tr></table>");
        let cell = read(&page).text(0, 0);
        assert_eq!(cell.len(), 1_000_002);
        assert!(cell.ends_with("&;&"));
        assert_eq!(unescape("&lt;&#60;&#x3C;&nbsp&bogus;"), "<<<&nbsp&bogus;");
    }
}
