//! What the two XML readers (docx, SpreadsheetML) share: the bytes decoded as the file says,
//! the parser's settings, references, attributes, and the limits every XML input is held to.
//!
//! quick-xml does not expand entities declared in a DOCTYPE: an `&name;` it does not know
//! arrives as a reference event, and only the five predefined entities and character references
//! are turned into text here. Anything else is dropped, so a "billion laughs" document costs
//! what its bytes cost. The parser keeps no stack of its own that deep nesting could grow, and
//! [`MAX_DEPTH`] bounds the readers' nesting (a real document nests a few dozen elements).

use quick_xml::events::BytesRef;
use quick_xml::events::BytesStart;

/// A sheet's last column and row, as Excel has them: spans and indices are clamped to them.
pub(super) const MAX_COLUMNS: u32 = 16_384;
pub(super) const MAX_ROWS: u32 = 1_048_576;

/// The deepest element nesting read; deeper is refused as a broken or hostile file.
pub(super) const MAX_DEPTH: usize = 1_000;

/// The text of an XML file: UTF-16 or UTF-8 where a byte-order mark (or the first bytes) say
/// so, else the encoding its declaration names (GBK, GB2312 and GB18030 included), else UTF-8,
/// falling back to GB18030 as for text files.
pub(super) fn decode(bytes: &[u8]) -> String {
    if let Some(body) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(body).into_owned();
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(b"<\0?\0") {
        let body = bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes);
        return encoding_rs::UTF_16LE
            .decode_without_bom_handling(body)
            .0
            .into_owned();
    }
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(b"\0<\0?") {
        let body = bytes.strip_prefix(&[0xFE, 0xFF]).unwrap_or(bytes);
        return encoding_rs::UTF_16BE
            .decode_without_bom_handling(body)
            .0
            .into_owned();
    }
    // A declaration that names UTF-16 while the bytes are not is wrong about them: ignore it.
    match declared_encoding(bytes) {
        Some(encoding)
            if encoding != encoding_rs::UTF_8
                && encoding != encoding_rs::UTF_16LE
                && encoding != encoding_rs::UTF_16BE =>
        {
            encoding.decode_without_bom_handling(bytes).0.into_owned()
        }
        _ => super::decode_text(bytes),
    }
}

/// The encoding named by `<?xml … encoding="…"?>` at the start of the bytes.
fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = &head[..end];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = &decl[at + 8..];
    let rest = &rest[rest.iter().position(|&b| b == b'"' || b == b'\'')? + 1..];
    let label = &rest[..rest.iter().position(|&b| b == b'"' || b == b'\'')?];
    encoding_rs::Encoding::for_label(label)
}

/// A parser for decoded XML text. A bare `&` (which some exporters leave unescaped) is text.
pub(super) fn reader(text: &str) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().allow_dangling_amp = true;
    reader
}

/// The text a reference stands for: a character reference or one of XML's five predefined
/// entities. Entities a DOCTYPE declares are not expanded (None).
pub(super) fn reference(r: &BytesRef<'_>) -> Option<char> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten();
    }
    match &**r {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// An attribute's value by its local name (whatever its prefix), references resolved; a value
/// with a reference that cannot be resolved is taken as written.
pub(super) fn attribute(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| match quick_xml::escape::unescape(&a.value) {
            Ok(v) => v.into_owned(),
            Err(_) => a.value.into_owned(),
        })
}

/// A numeric attribute, saturating: a value past `u32` is the largest, so clamping it later
/// gives the limit rather than wrapping; a value that is not a number is None.
pub(super) fn number_attribute(e: &BytesStart<'_>, local: &str) -> Option<u32> {
    let value = attribute(e, local)?;
    let digits = value.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<u32>().unwrap_or(u32::MAX))
}

/// Why an XML part could not be read, with where: for the report's reason.
pub(super) fn syntax_error(e: &quick_xml::Error, at: u64) -> String {
    format!("XML 格式错误 (malformed XML) at byte {at}: {e}")
}

pub(super) fn truncated(at: u64) -> String {
    format!(
        "XML 在第 {at} 字节处意外结束,文件不完整 (the XML ends at byte {at} before its elements are closed: a truncated file)"
    )
}

pub(super) fn too_deep() -> String {
    format!("XML 嵌套超过 {MAX_DEPTH} 层,未读取 (elements nested more than {MAX_DEPTH} deep)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_and_marked_encodings_are_decoded() {
        let text = "<?xml version=\"1.0\" encoding=\"GB2312\"?><a>项目名称</a>";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert!(decode(&gbk).contains("项目名称"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert!(decode(&utf16).contains("项目名称"));
        // Declared UTF-16, written as UTF-8: the bytes win.
        let wrong = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>甲</a>";
        assert!(decode(wrong.as_bytes()).contains('甲'));
        // Undeclared GBK falls back as text files do.
        let (bare, _, _) = encoding_rs::GBK.encode("<a>预算</a>");
        assert!(decode(&bare).contains("预算"));
    }

    #[test]
    fn numbers_saturate_and_non_numbers_are_none() {
        let xml = r#"<c a="12" b="99999999999999" c="-3" d="x"/>"#;
        let mut r = reader(xml);
        let Ok(quick_xml::events::Event::Empty(e)) = r.read_event() else {
            panic!("an empty element");
        };
        assert_eq!(number_attribute(&e, "a"), Some(12));
        assert_eq!(number_attribute(&e, "b"), Some(u32::MAX));
        assert_eq!(number_attribute(&e, "c"), None);
        assert_eq!(number_attribute(&e, "d"), None);
        assert_eq!(number_attribute(&e, "e"), None);
    }
}
