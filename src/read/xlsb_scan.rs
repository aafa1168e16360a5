//! A look at an xlsb workbook's sheet list before calamine opens it. calamine indexes the
//! BrtBundleSh records of `xl/workbook.bin` (one per sheet) without checking their length, and
//! looks the sheet's relationship id up in the workbook's relationships without checking it is
//! there: a damaged record panics inside the library (the mutation campaign found both). This
//! walk refuses such a workbook as damaged before calamine sees it.

use std::io::{Cursor, Read};

use quick_xml::events::Event;

use super::ReadError;

/// The sheets' records: BrtWbProp, BrtBundleSh.
const WB_PROP: u16 = 0x0099;
const BUNDLE_SH: u16 = 0x009C;

/// Refuses the workbook when a sheet record of `xl/workbook.bin` is one calamine would read
/// past its end or whose relationship is missing. Anything else is left to calamine.
pub fn check(bytes: &[u8], limits: &super::Limits) -> Result<(), ReadError> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let ids = relationship_ids(&mut archive);
    // calamine finds parts by name without regard to case: every spelling is looked at.
    let parts: Vec<usize> = (0..archive.len())
        .filter(|&i| {
            archive
                .name_for_index(i)
                .is_some_and(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case("xl/workbook.bin")))
        })
        .collect();
    for i in parts {
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        // A checksum that fails at the end still leaves the bytes calamine would parse.
        let mut stream = Vec::new();
        let _ = entry.take(limits.max_bytes).read_to_end(&mut stream);
        if let Some(message) = damage(&stream, &ids) {
            return Err(ReadError::Workbook {
                format: "xlsb",
                message: format!("xl/workbook.bin is damaged: {message}"),
            });
        }
    }
    Ok(())
}

fn relationship_ids(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Vec<String> {
    let Ok(rels) = archive.by_name("xl/_rels/workbook.bin.rels") else {
        return Vec::new();
    };
    // (calamine reads the relationships by this exact name.)
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(rels.take(16 << 20)));
    let mut ids = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.name().as_ref() == "Relationship" => {
                if let Some(id) = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.as_ref() == "Id")
                {
                    ids.push(id.value.into_owned());
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    ids
}

/// What is wrong with the sheet records of a workbook.bin stream, if anything.
fn damage(stream: &[u8], ids: &[String]) -> Option<String> {
    let mut at = 0usize;
    let byte = |at: &mut usize| -> Option<u8> {
        let b = *stream.get(*at)?;
        *at += 1;
        Some(b)
    };
    loop {
        // A record: its type in one or two bytes, its length in one to four, 7 bits each.
        let b = byte(&mut at)?;
        let typ = if b & 0x80 != 0 {
            let c = byte(&mut at)?;
            u16::from(b & 0x7F) + (u16::from(c & 0x7F) << 7)
        } else {
            u16::from(b)
        };
        let mut b = byte(&mut at)?;
        let mut len = usize::from(b & 0x7F);
        for i in 1..4 {
            if b & 0x80 == 0 {
                break;
            }
            let next = byte(&mut at)?;
            b = next;
            len += usize::from(b & 0x7F) << (7 * i);
        }
        let data = stream.get(at..at + len)?;
        at += len;
        match typ {
            WB_PROP if data.is_empty() => return Some("an empty BrtWbProp record".into()),
            BUNDLE_SH => {
                let Some(rel) = data.get(8..12) else {
                    return Some(format!(
                        "a BrtBundleSh record of {len} bytes, shorter than 12"
                    ));
                };
                let rel_len = u32::from_le_bytes([rel[0], rel[1], rel[2], rel[3]]);
                if rel_len == u32::MAX {
                    continue;
                }
                let end = 12usize.saturating_add(rel_len as usize * 2);
                let Some(id) = data.get(12..end) else {
                    return Some(format!(
                        "a BrtBundleSh record of {len} bytes naming a relationship of {rel_len} characters"
                    ));
                };
                let units: Vec<u16> = id
                    .chunks_exact(2)
                    .map(|u| u16::from_le_bytes([u[0], u[1]]))
                    .collect();
                let id = String::from_utf16_lossy(&units);
                if !ids.contains(&id) {
                    return Some(format!(
                        "a sheet's relationship {id:?} is not in the workbook's relationships"
                    ));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![typ & 0x7F];
        if typ & 0x80 != 0 {
            out[0] |= 0x80;
            out.push(typ >> 7);
        }
        out.push(data.len() as u8);
        out.extend(data);
        out
    }

    fn bundle(rel: &str) -> Vec<u8> {
        let mut data = vec![0u8; 8];
        data.extend((rel.encode_utf16().count() as u32).to_le_bytes());
        data.extend(rel.encode_utf16().flat_map(u16::to_le_bytes));
        data
    }

    #[test]
    fn sheet_records_calamine_would_misread_are_found() {
        let ids = vec!["rId1".to_string()];
        let good = record(0x9C, &bundle("rId1"));
        assert_eq!(damage(&good, &ids), None);
        let missing = record(0x9C, &bundle("rId9"));
        assert!(damage(&missing, &ids).expect("damaged").contains("rId9"));
        let mut long = bundle("rId1");
        long[8..12].copy_from_slice(&900u32.to_le_bytes());
        assert!(
            damage(&record(0x9C, &long), &ids)
                .expect("damaged")
                .contains("900")
        );
        assert!(damage(&record(0x9C, &[1, 2, 3]), &ids).is_some());
        assert!(damage(&record(0x99, &[]), &ids).is_some());
    }
}
