//! An HTML table read as a sheet, the way Excel opens an ".xls" that old systems export as a web
//! page: each `<tr>` a row, each `<td>`/`<th>` a cell, `rowspan`/`colspan` merged blocks, and
//! text outside the tables (a title, a 单位 line, a footnote) one row each, in document order.
//! A small tolerant scanner, not a full HTML parser: these exports are plain tables, often with
//! unclosed cells and upper-case tags, in GBK as often as in UTF-8.

use std::collections::HashSet;

use crate::grid::{Grid, Merge};

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
        _ => super::decode_text(bytes),
    }
}

/// Decodes the character references of a text run.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
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
fn span(tag: &str, name: &str) -> u32 {
    let lower = tag.to_lowercase();
    let Some(at) = lower.find(name) else {
        return 1;
    };
    let rest = lower[at + name.len()..].trim_start_matches([' ', '=', '"', '\'']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    // A span beyond a sheet's size is a broken page, not a table to allocate.
    digits.parse::<u32>().unwrap_or(1).clamp(1, 1000)
}

struct Builder {
    grid: Grid,
    merges: Vec<Merge>,
    occupied: HashSet<(u32, u32)>,
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
            self.grid.set(self.next_row, 0, super::text_cell(text));
            self.next_row += 1;
        }
    }

    fn start_row(&mut self) {
        self.end_row();
        self.row = Some(self.next_row);
        self.next_row += 1;
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
        while self.occupied.contains(&(row, self.col)) {
            self.col += 1;
        }
        let col = self.col;
        let (rows, cols) = (span(&tag, "rowspan"), span(&tag, "colspan"));
        for r in row..row + rows {
            for c in col..col + cols {
                self.occupied.insert((r, c));
            }
        }
        if rows > 1 || cols > 1 {
            self.merges.push(Merge {
                first_row: row,
                first_col: col,
                last_row: row + rows - 1,
                last_col: col + cols - 1,
            });
        }
        self.grid
            .set(row, col, super::text_cell(collapse(&unescape(&text))));
        self.col += cols;
    }

    fn text(&mut self, text: &str) {
        match (&mut self.cell, self.depth) {
            (Some((_, cell)), _) => cell.push_str(text),
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

/// Reads the tables of an HTML page into one grid named `sheet`.
pub fn read_html(bytes: &[u8], sheet: &str) -> Grid {
    let page = decode(bytes);
    let mut b = Builder {
        grid: Grid::new(sheet),
        merges: Vec::new(),
        occupied: HashSet::new(),
        row: None,
        next_row: 0,
        col: 0,
        cell: None,
        loose: String::new(),
        depth: 0,
    };
    let mut rest = page.as_str();
    while let Some(open) = rest.find('<') {
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
            ("p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "caption", _) => {
                if b.cell.is_some() {
                    b.line_break();
                } else if b.depth == 0 || name == "caption" {
                    b.flush_loose();
                }
            }
            _ => {}
        }
    }
    b.text(rest);
    b.end_row();
    b.flush_loose();
    let mut grid = b.grid;
    grid.merges = Some(b.merges);
    grid
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
        let grid = read_html(page.as_bytes(), "s");
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
        assert_eq!(read_html(&bytes, "s").text(0, 0), "项目名称");
    }
}
