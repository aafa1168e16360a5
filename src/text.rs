//! Small text helpers shared by every stage: width folding, number parsing and cell names.

use std::borrow::Cow;

/// Folds full-width ASCII forms (Ａ, １, ＞, （) to their half-width forms and removes all
/// white space, including the ideographic space. Rules and input are both folded before
/// they are compared, so a rules file never has to list both widths.
/// Most cells need no folding; they come back borrowed, without an allocation.
pub fn fold(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c.is_whitespace() || fold_char(c) != c) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(fold_char)
            .collect(),
    )
}

/// Folds full-width ASCII forms to half-width and the ideographic space to a space, keeping
/// every character in its place (one char for one char), so a pattern written with half-width
/// punctuation matches "单位：元" and a match's char positions are the original's.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\u{3000}' { ' ' } else { fold_char(c) })
        .collect()
}

/// Folds one character: full-width ASCII (U+FF01..U+FF5E) to ASCII, others unchanged.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Trims white space, including the ideographic space U+3000 and no-break spaces.
pub fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

/// Parses an amount or a target written as text: "1,709.50", "１１０", " 95 ".
/// Thousands separators are accepted only in their proper places, so "1,5" is not 15.
pub fn parse_number(s: &str) -> Option<f64> {
    let folded = fold(s);
    if folded.is_empty() {
        return None;
    }
    let plain = strip_thousands(&folded)?;
    let body = plain.strip_prefix('+').unwrap_or(&plain);
    // Only plain decimal notation: "inf", "NaN" and "1e5" are not how tables write figures.
    let digits = body.strip_prefix('-').unwrap_or(body);
    if digits.is_empty()
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        || digits.chars().filter(|&c| c == '.').count() > 1
        || !digits.chars().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    body.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Splits a folded value into its leading number and what follows it ("10G" → ("10", "G")).
/// Returns None when the text does not start with a number.
pub fn split_leading_number(folded: &str) -> Option<(&str, &str)> {
    let bytes = folded.as_bytes();
    let mut end = 0;
    let mut seen_digit = false;
    let mut seen_dot = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'-' | b'+' if i == 0 => {}
            b'0'..=b'9' => seen_digit = true,
            b',' if seen_digit && !seen_dot => {}
            b'.' if !seen_dot => seen_dot = true,
            _ => break,
        }
        end = i + 1;
    }
    if !seen_digit {
        return None;
    }
    // A trailing separator belongs to the rest ("10." stays a number; "10," is 10 and ",").
    let mut number = &folded[..end];
    while number.ends_with(',') {
        number = &number[..number.len() - 1];
    }
    Some((number, &folded[number.len()..]))
}

fn strip_thousands(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_string());
    }
    let (int_part, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let unsigned = int_part.trim_start_matches(['-', '+']);
    let groups: Vec<&str> = unsigned.split(',').collect();
    let well_formed =
        !groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3);
    if !well_formed || frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    Some(s.replace(',', ""))
}

/// Writes a number the way a person would: 110 not 110.0, 0.5 not .5, never in exponent
/// notation. The digits are the shortest that read back as the same number, so text and value
/// always agree; sums are rounded (see `round_amount`) before they are written.
pub fn format_number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Rounds an amount in 万元 to the cent (0.000001 万元 is well below any real figure),
/// so sums do not carry float noise into the report.
pub fn round_amount(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The most characters a spreadsheet cell holds. Excel counts UTF-16 code units, so a
/// character outside the Basic Multilingual Plane counts twice.
pub const MAX_CELL_CHARS: usize = 32_767;

/// The length of a text as Excel counts it (UTF-16 code units).
pub fn cell_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// The text cut to what a cell holds: the beginning, ending in "…" when it was cut.
pub fn cut_for_cell(s: &str) -> std::borrow::Cow<'_, str> {
    cut_to(s, MAX_CELL_CHARS)
}

/// The text cut to at most `max` UTF-16 code units, ending in "…" when it was cut.
pub fn cut_to(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    // A char never takes more UTF-16 units than UTF-8 bytes: short text needs no counting.
    if s.len() <= max || cell_len(s) <= max {
        return s.into();
    }
    let mut used = 0;
    let mut end = 0;
    for (at, c) in s.char_indices() {
        // Room for the ellipsis, which is one code unit.
        if used + c.len_utf16() > max.saturating_sub(1) {
            break;
        }
        used += c.len_utf16();
        end = at + c.len_utf8();
    }
    format!("{}…", &s[..end]).into()
}

/// Parses a cell name such as "H28" into zero-based (row, column).
pub fn parse_cell(cell: &str) -> Option<(u32, u32)> {
    let split = cell.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = cell.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    let col = letters
        .bytes()
        .fold(0u32, |n, b| n * 26 + u32::from(b - b'A') + 1);
    Some((row.checked_sub(1)?, col - 1))
}

/// The spreadsheet name of a zero-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::with_capacity(12);
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The spreadsheet name of a zero-based cell: (0, 0) → A1. Every indicator takes a few, so
/// this spells them without the formatting machinery.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut out = column_name(col);
    let mut digits = [0u8; 10];
    let (mut n, mut at) = (u64::from(row) + 1, digits.len());
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_spaces() {
        assert_eq!(fold("＞＝ １０ "), ">=10");
        assert_eq!(fold("合\u{3000}计"), "合计");
    }

    #[test]
    fn parses_amounts() {
        assert_eq!(parse_number("1,709.50"), Some(1709.5));
        assert_eq!(parse_number("１１０．００"), Some(110.0));
        assert_eq!(parse_number(" 95 "), Some(95.0));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("1,5"), None);
        assert_eq!(parse_number("明显"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("1e5"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("."), None);
    }

    #[test]
    fn splits_glued_units() {
        assert_eq!(split_leading_number("10G"), Some(("10", "G")));
        assert_eq!(split_leading_number("95%"), Some(("95", "%")));
        assert_eq!(split_leading_number("1,000个"), Some(("1,000", "个")));
        assert_eq!(split_leading_number("明显"), None);
    }

    #[test]
    fn names_cells() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
        assert_eq!(cell_name(160, 3), "D161");
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(9, 26), "AA10");
        assert_eq!(cell_name(u32::MAX, 16383), "XFD4294967296");
        for (row, col) in [(0, 0), (99, 7), (1_048_575, 16_383)] {
            assert_eq!(parse_cell(&cell_name(row, col)), Some((row, col)));
        }
    }

    #[test]
    fn parses_cells() {
        assert_eq!(parse_cell("H28"), Some((27, 7)));
        assert_eq!(parse_cell("AA1"), Some((0, 26)));
        assert_eq!(parse_cell("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_cell("28"), None);
        assert_eq!(parse_cell(""), None);
        assert_eq!(parse_cell("h2"), None);
    }

    #[test]
    fn cuts_text_to_what_a_cell_holds() {
        assert_eq!(cut_to("abc", 3), "abc");
        assert_eq!(cut_to("abcd", 3), "ab…");
        // A character outside the BMP counts twice, as Excel counts it.
        assert_eq!(cell_len("a😀"), 3);
        assert_eq!(cut_to("a😀b", 3), "a…");
        let long = "汉".repeat(MAX_CELL_CHARS + 5);
        let cut = cut_for_cell(&long);
        assert_eq!(cell_len(&cut), MAX_CELL_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(format_number(110.0), "110");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(round_amount(0.1 + 0.2)), "0.3");
        assert_eq!(format_number(1e-10), "0.0000000001");
        assert_eq!(format_number(-0.0), "0");
    }
}
