//! The merged blocks of xlsx sheets, read from the part of each sheet's XML after its cells.
//!
//! calamine's `merge_cells_by_sheet_name` parses the whole sheet a second time, event by event,
//! to reach `<mergeCells>`, which the schema puts after `<sheetData>`: on our corpus that second
//! parse was a fifth of the time spent reading. Here the sheet is only inflated and searched for
//! the end of its cells; just the rest is parsed. `<` cannot appear unescaped in XML text or in an
//! attribute value, so the first `</sheetData>` is the real end of the cells.
//!
//! This is a fast path, not a second implementation: whenever something is not as expected (a
//! part where the usual path does not find it, a prefix or spacing it does not look for, a
//! reference it cannot parse, XML it cannot read), it gives up and the caller asks calamine,
//! which then gives its own answer or error.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use crate::grid::Merge;

/// The largest sheet XML read whole for its merged cells. A department's sheet is well under a
/// megabyte; a larger one is left to calamine, which streams it, so that a huge sheet does not
/// also cost its whole XML in memory.
const WHOLE_SHEET_AT_MOST: u64 = 32 * 1024 * 1024;

/// A workbook's sheet parts, by sheet name, for the sheets calamine lists.
pub(super) struct SheetParts<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    parts: HashMap<String, String>,
}

impl<'a> SheetParts<'a> {
    /// Finds where each sheet's XML is, as calamine does: `_rels/.rels` names the workbook part,
    /// the workbook lists its sheets by relationship id, and the workbook's relationships give
    /// each id's part. `sheet_names` is calamine's list; a workbook whose sheets come out
    /// otherwise gets None.
    pub(super) fn find(bytes: &'a [u8], sheet_names: &[&str]) -> Option<SheetParts<'a>> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
        let root = read_part(&mut archive, "_rels/.rels", u64::MAX)?;
        let workbook = relationships(&root)?
            .into_values()
            .find(|(kind, _)| kind.ends_with("/relationships/officeDocument"))?
            .1;
        let workbook = workbook.strip_prefix('/').unwrap_or(&workbook).to_string();
        let (dir, name) = workbook.split_at(workbook.rfind('/').map_or(0, |i| i + 1));
        let rels = read_part(&mut archive, &format!("{dir}_rels/{name}.rels"), u64::MAX)?;
        let targets = relationships(&rels)?;
        let listing = read_part(&mut archive, &workbook, u64::MAX)?;
        let sheets = workbook_sheets(&listing)?;
        if sheets.len() != sheet_names.len()
            || sheets.iter().zip(sheet_names).any(|((n, _), m)| n != m)
        {
            return None;
        }
        let mut parts = HashMap::new();
        for (sheet, id) in sheets {
            let (_, target) = targets.get(&id)?;
            let part = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("{dir}{target}"),
            };
            parts.insert(sheet, part);
        }
        Some(SheetParts { archive, parts })
    }

    /// The merged blocks of one sheet, or None where calamine must be asked. `max_bytes` caps
    /// what the sheet may inflate to.
    pub(super) fn merges(&mut self, sheet: &str, max_bytes: u64) -> Option<Vec<Merge>> {
        let part = self.parts.get(sheet)?;
        let xml = read_part(&mut self.archive, part, max_bytes.min(WHOLE_SHEET_AT_MOST))?;
        merges_after_cells(&xml)
    }
}

/// One part of the archive, whole; None if it is missing, unreadable or over `max_bytes`.
fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    max_bytes: u64,
) -> Option<Vec<u8>> {
    let file = archive.by_name(name).ok()?;
    let declared = file.size().min(max_bytes).min(1 << 26);
    let mut out = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= max_bytes).then_some(out)
}

fn reader(xml: &[u8]) -> quick_xml::Reader<&[u8]> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    reader
}

/// An attribute by its local name, unescaped as calamine does.
fn attribute(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            quick_xml::escape::unescape(&a.value)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A relationships part: Id → (Type, Target).
fn relationships(xml: &[u8]) -> Option<HashMap<String, (String, String)>> {
    let mut reader = reader(xml);
    let mut out = HashMap::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let id = attribute(&e, "Id")?;
                let kind = attribute(&e, "Type").unwrap_or_default();
                let target = attribute(&e, "Target").unwrap_or_default();
                out.insert(id, (kind, target));
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// The workbook part's sheets, in order: (name, relationship id).
fn workbook_sheets(xml: &[u8]) -> Option<Vec<(String, String)>> {
    let mut reader = reader(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                out.push((attribute(&e, "name")?, attribute(&e, "id")?));
            }
            Event::Eof => return Some(out),
            _ => {}
        }
    }
}

/// Where the text after the first `</sheetData>` (or `</x:sheetData>`) starts.
fn after_cells(xml: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"sheetData>";
    for at in memchr::memmem::find_iter(xml, NAME) {
        let before = &xml[..at];
        let closes = before.ends_with(b"</")
            || (before.ends_with(b":")
                && before.iter().rposition(|&b| b == b'<').is_some_and(|lt| {
                    let prefix = &before[lt + 1..before.len() - 1];
                    prefix.first() == Some(&b'/')
                        && prefix[1..]
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                }));
        if closes {
            return Some(at + NAME.len());
        }
    }
    None
}

/// The `<mergeCell ref>`s of the first `<mergeCells>` after the cells. None: no end of cells
/// found, unreadable XML, or a reference [`crate::text::parse_cell`] does not take.
fn merges_after_cells(xml: &[u8]) -> Option<Vec<Merge>> {
    let mut reader = reader(&xml[after_cells(xml)?..]);
    let mut merges = Vec::new();
    let mut inside = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "mergeCells" => inside = true,
            Event::End(e) if inside && e.local_name().as_ref() == "mergeCells" => {
                return Some(merges);
            }
            Event::Start(e) | Event::Empty(e)
                if inside && e.local_name().as_ref() == "mergeCell" =>
            {
                if let Some(reference) = attribute(&e, "ref") {
                    merges.push(merge(&reference)?);
                }
            }
            // Unclosed <mergeCells>: calamine's error is the one to report.
            Event::Eof if inside => return None,
            Event::Eof => return Some(merges),
            _ => {}
        }
    }
}

/// "B3:D7" (or "B3") as calamine reads it: first cell, then last, as written.
fn merge(reference: &str) -> Option<Merge> {
    let mut cells = reference.split(':').map(crate::text::parse_cell);
    let first = cells.next()??;
    let last = match cells.next() {
        Some(cell) => cell?,
        None => first,
    };
    if cells.next().is_some() {
        return None;
    }
    Some(Merge {
        first_row: first.0,
        first_col: first.1,
        last_row: last.0,
        last_col: last.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closing_tag_ends_the_cells() {
        let xml = br#"<worksheet><sheetData><row><c t="inlineStr"><is><t>sheetData&gt; and sheetData></t></is></c></row></sheetData><mergeCells count="2"><mergeCell ref="A1:A3"/><mergeCell ref="B2"/></mergeCells></worksheet>"#;
        let merges = merges_after_cells(xml).expect("readable");
        assert_eq!(
            merges,
            vec![
                Merge {
                    first_row: 0,
                    first_col: 0,
                    last_row: 2,
                    last_col: 0
                },
                Merge {
                    first_row: 1,
                    first_col: 1,
                    last_row: 1,
                    last_col: 1
                },
            ]
        );
        let prefixed = br#"<x:worksheet><x:sheetData></x:sheetData><x:mergeCells><x:mergeCell ref="C1:D2"></x:mergeCell></x:mergeCells></x:worksheet>"#;
        assert_eq!(merges_after_cells(prefixed).map(|m| m.len()), Some(1));
    }

    #[test]
    fn each_sheet_gets_its_own_merges_as_calamine_reads_them() {
        use calamine::Reader;
        let mut book = rust_xlsxwriter::Workbook::new();
        let blocks: [&[(u32, u16, u32, u16)]; 3] = [
            &[(1, 0, 3, 0), (1, 1, 3, 1)],
            &[],
            &[(0, 0, 0, 6), (4, 2, 9, 2), (12, 1, 12, 2)],
        ];
        for (n, merges) in blocks.iter().enumerate() {
            let sheet = book.add_worksheet();
            sheet.set_name(format!("表 & {n}")).expect("name");
            sheet.write_string(20, 0, "<sheetData>").expect("cell");
            for &(r1, c1, r2, c2) in *merges {
                sheet
                    .merge_range(r1, c1, r2, c2, "x", &rust_xlsxwriter::Format::new())
                    .expect("merge");
            }
        }
        let bytes = book.save_to_buffer().expect("saved");
        let mut calamine = calamine::Xlsx::new(Cursor::new(bytes.as_slice())).expect("opens");
        let names: Vec<String> = calamine.sheet_names();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut parts = SheetParts::find(&bytes, &refs).expect("parts found");
        for (name, merges) in names.iter().zip(blocks) {
            let fast = parts.merges(name, u64::MAX).expect("fast path taken");
            let slow: Vec<Merge> = calamine
                .merge_cells_by_sheet_name(name)
                .expect("calamine reads")
                .iter()
                .map(|d| Merge {
                    first_row: d.start.0,
                    first_col: d.start.1,
                    last_row: d.end.0,
                    last_col: d.end.1,
                })
                .collect();
            assert_eq!(fast, slow, "{name}");
            assert_eq!(fast.len(), merges.len(), "{name}");
        }
        // Sheets listed otherwise than calamine lists them: no fast path.
        assert!(SheetParts::find(&bytes, &["表 & 0"]).is_none());
    }

    #[test]
    fn anything_unexpected_is_left_to_calamine() {
        // No end of cells found (self-closed sheetData).
        assert_eq!(
            merges_after_cells(b"<worksheet><sheetData/></worksheet>"),
            None
        );
        // A reference it does not parse.
        let odd = br#"<worksheet><sheetData></sheetData><mergeCells><mergeCell ref="a1:b2"/></mergeCells></worksheet>"#;
        assert_eq!(merges_after_cells(odd), None);
        // mergeCells never closed.
        let open = br#"<worksheet><sheetData></sheetData><mergeCells><mergeCell ref="A1:B2"/>"#;
        assert_eq!(merges_after_cells(open), None);
        // No merges at all.
        assert_eq!(
            merges_after_cells(b"<worksheet><sheetData></sheetData></worksheet>"),
            Some(Vec::new())
        );
    }
}
