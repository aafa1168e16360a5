//! A look at an xls workbook's cell records before calamine parses it. calamine builds every
//! sheet of an xls as a dense rectangle when the file is opened (from its first to its last
//! cell, and again for the formulas), so a 6 KB file with cells at A1 and IV65536 costs a
//! gigabyte. This walk mirrors calamine's (the BoundSheet8 offsets of the globals, then each
//! sheet's records up to its EOF, nested substreams skipped) and measures what it would build.

use std::io::{Cursor, Read};

use super::ReadError;

/// BIFF8 sheets hold at most 65,536 rows × 256 columns; calamine reserves room for what a
/// sheet's DIMENSIONS record says, so a larger claim is refused whatever `max_cells` is.
const BIFF8_CELLS: u64 = 65_536 * 256;

/// What calamine would build for one sheet.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SheetExtent {
    /// The cells from the first to the last cell record (rows × columns of that box).
    pub area: u64,
    /// The cells the sheet's DIMENSIONS record makes calamine reserve room for.
    pub reserved: u64,
}

/// Refuses the workbook when one of its sheets would be materialized beyond `max_cells`.
/// A container that cannot be opened, or a stream larger than the file, is refused as damaged.
pub fn check(bytes: &[u8], max_cells: usize) -> Result<(), ReadError> {
    let damaged = |message: String| ReadError::Workbook {
        format: "xls",
        message,
    };
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| damaged(format!("damaged OLE container: {e}")))?;
    let streams: Vec<(std::path::PathBuf, u64)> = file
        .walk()
        .filter(|e| {
            e.is_stream()
                && (e.name().eq_ignore_ascii_case("Workbook")
                    || e.name().eq_ignore_ascii_case("Book"))
        })
        .map(|e| (e.path().to_path_buf(), e.len()))
        .collect();
    for (path, len) in streams {
        if len > bytes.len() as u64 {
            return Err(damaged(format!(
                "the {} stream claims {len} bytes in a {}-byte file",
                path.display(),
                bytes.len()
            )));
        }
        let mut stream = Vec::new();
        file.open_stream(&path)
            .and_then(|s| s.take(len).read_to_end(&mut stream))
            .map_err(|e| damaged(format!("unreadable {} stream: {e}", path.display())))?;
        if let Some(damage) = damaged_records(&stream) {
            return Err(damaged(damage));
        }
        let extents = sheet_extents(&stream);
        // The cap holds for the workbook as well: calamine builds every sheet on opening.
        let total: u64 = extents.iter().map(|(_, e)| e.area).sum();
        if total > max_cells as u64 && extents.len() > 1 {
            return Err(ReadError::TooManyCells {
                sheet: "(全部工作表 all sheets)".into(),
                cells: total,
                limit: max_cells,
            });
        }
        for (name, extent) in extents {
            let cells = extent.area.max(extent.reserved);
            if extent.area > max_cells as u64 || extent.reserved > BIFF8_CELLS.max(max_cells as u64)
            {
                return Err(ReadError::TooManyCells {
                    sheet: name,
                    cells,
                    limit: max_cells,
                });
            }
        }
    }
    Ok(())
}

/// One BIFF record: its type and data. CONTINUE records come out as records of their own,
/// which is what calamine's walk amounts to for the records measured here.
struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let head = self.rest.get(..4)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
        // A truncated record ends the walk, as it ends calamine's with an error.
        let data = self.rest.get(4..4 + len)?;
        self.rest = &self.rest[4 + len..];
        Some((typ, data))
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 2)
        .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Each sheet the globals list (BoundSheet8), with what calamine would build for it.
pub fn sheet_extents(stream: &[u8]) -> Vec<(String, SheetExtent)> {
    let mut sheets = Vec::new();
    for (typ, data) in (Records { rest: stream }) {
        match typ {
            // FILEPASS: the rest is encrypted; calamine stops here and says so.
            0x002F if u16_at(data, 0).is_some_and(|v| v != 0) => return Vec::new(),
            0x0085 => {
                let Some(pos) = u32_at(data, 0) else { continue };
                let name = sheet_name(data).unwrap_or_else(|| format!("#{}", sheets.len() + 1));
                sheets.push((pos as usize, name));
            }
            0x000A => break,
            _ => {}
        }
    }
    sheets
        .into_iter()
        .map(|(pos, name)| {
            let extent = stream.get(pos..).map(sheet_extent).unwrap_or_default();
            (name, extent)
        })
        .collect()
}

/// The sheet's name in a BIFF8 BoundSheet8 record (best effort: it only names a refusal).
fn sheet_name(data: &[u8]) -> Option<String> {
    let len = usize::from(*data.get(6)?);
    let flags = *data.get(7)?;
    let chars = data.get(8..)?;
    if flags & 1 == 1 {
        let units: Vec<u16> = chars
            .chunks_exact(2)
            .take(len)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        Some(String::from_utf16_lossy(&units))
    } else {
        Some(chars.iter().take(len).map(|&b| char::from(b)).collect())
    }
}

/// Records calamine would index past their end (it panics on them, rather than refusing the
/// file): a BoundSheet8 shorter than its fixed fields or pointing past the stream, a
/// MergeCells shorter than the blocks it counts. Walked as calamine walks them: the globals up
/// to their EOF, then each sheet's own records, nested substreams skipped.
pub fn damaged_records(stream: &[u8]) -> Option<String> {
    let mut sheets = Vec::new();
    let short = |typ: u16, len: usize, min: usize| {
        (len < min).then(|| format!("a record 0x{typ:04X} of {len} bytes, shorter than {min}"))
    };
    for (typ, data) in (Records { rest: stream }) {
        // FilePass, CodePage, DateMode, BOF, ExternSheet: calamine reads a u16 unchecked.
        if matches!(typ, 0x002F | 0x0042 | 0x0022 | 0x0809 | 0x0017)
            && let Some(damage) = short(typ, data.len(), 2)
        {
            return Some(damage);
        }
        // Lbl: its fixed part, and a formula no longer than the record.
        if typ == 0x0018 {
            if let Some(damage) = short(typ, data.len(), 14) {
                return Some(damage);
            }
            if u16_at(data, 4).is_some_and(|cce| cce as usize > data.len() - 14) {
                return Some("a Lbl record whose formula is longer than the record".into());
            }
        }
        match typ {
            0x002F if u16_at(data, 0).is_some_and(|v| v != 0) => return None,
            0x0085 => {
                let Some(pos) = u32_at(data, 0).filter(|_| data.len() >= 6) else {
                    return Some(format!(
                        "a BoundSheet8 record of {} bytes, shorter than its 6 fixed ones",
                        data.len()
                    ));
                };
                if pos as usize > stream.len() {
                    return Some(format!(
                        "a BoundSheet8 record points at byte {pos} of a {}-byte stream",
                        stream.len()
                    ));
                }
                sheets.push(pos as usize);
            }
            0x000A => break,
            _ => {}
        }
    }
    for pos in sheets {
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (typ, data) in (Records {
            rest: &stream[pos..],
        }) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            if typ == 0x0809
                && let Some(damage) = short(typ, data.len(), 2)
            {
                return Some(damage);
            }
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => break,
                0x00E5 => {
                    let count = u16_at(data, 0).map_or(0, |c| c as usize);
                    if data.len() < 2 || data.len() < 2 + 8 * count {
                        return Some(format!(
                            "a MergeCells record of {} bytes counting {count} blocks",
                            data.len()
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Walks one sheet's records as calamine does and measures its cell box and reservation.
fn sheet_extent(sheet: &[u8]) -> SheetExtent {
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut bounds: Option<(u32, u32, u32, u32)> = None;
    let mut reserved = 0u64;
    let mut add = |row: u32, first_col: u32, last_col: u32| {
        let (lo, hi) = (first_col.min(last_col), first_col.max(last_col));
        bounds = Some(match bounds {
            None => (row, row, lo, hi),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(lo), c1.max(hi)),
        });
    };
    for (typ, data) in (Records { rest: sheet }) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x000A => break,
            0x0200 => reserved = reserved.max(dimensions_reservation(data)),
            // NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA: one cell each. BLANK and
            // MULBLANK are left out: calamine does not keep them.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                    add(row, col, col);
                }
            }
            // MULRK: a row of cells from its first to its last column (the record's last u16).
            0x00BD => {
                if let (Some(row), Some(first), Some(last)) = (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    data.len().checked_sub(2).and_then(|at| u16_at(data, at)),
                ) {
                    add(row, first, last);
                }
            }
            _ => {}
        }
    }
    let area = bounds.map_or(0, |(r0, r1, c0, c1)| {
        u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1)
    });
    SheetExtent { area, reserved }
}

/// How many cells calamine reserves for a DIMENSIONS record, with calamine's own arithmetic
/// (u32, wrapping), so a record whose last row is before its first is caught too.
fn dimensions_reservation(data: &[u8]) -> u64 {
    let fields = match data.len() {
        10 => (
            u16_at(data, 0),
            u16_at(data, 2),
            u16_at(data, 4),
            u16_at(data, 6),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u16_at(data, 8),
            u16_at(data, 10),
        ),
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = fields else {
        return 0;
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    if rl < 1 || cl < 1 {
        return 1;
    }
    let rows = (rl - 1).wrapping_sub(rf).wrapping_add(1);
    let cols = (cl - 1).wrapping_sub(cf).wrapping_add(1);
    u64::from(rows) * u64::from(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn cell(typ: u16, row: u16, col: u16) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(col.to_le_bytes());
        data.extend([0u8; 10]);
        record(typ, &data)
    }

    fn workbook(sheet: &[u8]) -> Vec<u8> {
        let mut bound = Vec::new();
        let globals_len: u32 = 8 + 14 + 4; // BOF, BoundSheet8, EOF
        bound.extend(globals_len.to_le_bytes());
        bound.extend([0, 0, 2, 0]);
        bound.extend(b"S1");
        let mut out = record(0x0809, &[0; 4]);
        out.extend(record(0x0085, &bound));
        out.extend(record(0x000A, &[]));
        assert_eq!(out.len() as u32, globals_len);
        out.extend(sheet);
        out
    }

    #[test]
    fn the_cell_box_and_the_reservation_are_measured() {
        let mut sheet = record(0x0809, &[0; 4]);
        sheet.extend(cell(0x0203, 0, 0));
        sheet.extend(cell(0x027E, 65_535, 255));
        // A chart substream's cells do not count.
        sheet.extend(record(0x0809, &[0; 4]));
        sheet.extend(cell(0x0203, 9, 9));
        sheet.extend(record(0x000A, &[]));
        sheet.extend(record(0x000A, &[]));
        let extents = sheet_extents(&workbook(&sheet));
        assert_eq!(extents.len(), 1);
        assert_eq!(extents[0].0, "S1");
        assert_eq!(extents[0].1.area, 65_536 * 256);

        let mut dims = Vec::new();
        for v in [0u32, 1_000_000] {
            dims.extend(v.to_le_bytes());
        }
        dims.extend([0, 0, 0, 1, 0, 0]);
        let mut sheet = record(0x0809, &[0; 4]);
        sheet.extend(record(0x0200, &dims));
        let extents = sheet_extents(&workbook(&sheet));
        assert_eq!(extents[0].1.reserved, 1_000_000 * 256);
    }

    #[test]
    fn records_calamine_would_read_past_are_found() {
        let mut sheet = record(0x0809, &[0; 4]);
        sheet.extend(record(0x00E5, &[1, 0, 0, 0, 0, 0, 1, 0, 1, 0]));
        sheet.extend(record(0x000A, &[]));
        assert_eq!(damaged_records(&workbook(&sheet)), None);
        let mut short = record(0x0809, &[0; 4]);
        short.extend(record(0x00E5, &[9, 0, 0, 0]));
        let found = damaged_records(&workbook(&short)).expect("damaged");
        assert!(found.contains("MergeCells"), "{found}");
        let mut globals = record(0x0809, &[0; 4]);
        globals.extend(record(0x0085, &[1, 2, 3]));
        let found = damaged_records(&globals).expect("damaged");
        assert!(found.contains("BoundSheet8"), "{found}");
        let mut far = record(0x0809, &[0; 4]);
        far.extend(record(0x0085, &[0xFF, 0xFF, 0, 0, 0, 0, 1, 0, b'S']));
        assert!(
            damaged_records(&far)
                .expect("damaged")
                .contains("points at")
        );
    }

    #[test]
    fn truncated_and_garbage_streams_end_the_walk() {
        let mut sheet = record(0x0809, &[0; 4]);
        sheet.extend(cell(0x0203, 3, 4));
        sheet.extend([0x03, 0x02, 0xFF, 0xFF, 1, 2]);
        let full = workbook(&sheet);
        for cut in 0..full.len() {
            let _ = sheet_extents(&full[..cut]);
        }
        assert_eq!(sheet_extents(&full)[0].1.area, 1);
        let mut garbage = 0xdead_beef_u64;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                garbage ^= garbage << 13;
                garbage ^= garbage >> 7;
                garbage ^= garbage << 17;
                garbage as u8
            })
            .collect();
        let _ = sheet_extents(&bytes);
    }
}
