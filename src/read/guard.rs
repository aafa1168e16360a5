//! Limits and guards: what one input may cost before and while it is read.
//!
//! Every cap is checked as early as the format allows, because the libraries underneath do
//! not protect themselves: calamine has no zip-bomb protection and builds dense ranges (one
//! stray cell at XFD1048576 asks for rows × columns), so the archive's declared sizes are
//! checked before anything is inflated ([`check_archive`]), and each sheet is charged cell by
//! cell as it is read ([`Budget`]). A file is read once, as one consistent version of it
//! ([`read_stable`]), so that its hash and its cells describe the same bytes.

use std::io::Cursor;
use std::path::Path;

use super::{ReadError, SkippedSheet};
use crate::finding::Code;
use crate::grid::{CellValue, Grid};

/// Caps that keep one hostile or broken file from exhausting the machine. The defaults are far
/// above any real performance table (a department's workbook holds a few thousand cells and a
/// few megabytes of XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most cells read from one sheet: its rows, and in each row the cells up to its last
    /// non-empty one (what the sheet costs in memory; an HTML merged block counts all the cells
    /// it covers). For xls and ods, whose reader builds every sheet whole on opening, the
    /// workbook is measured first and refused when one of its sheets would exceed this.
    pub max_cells: usize,
    /// The most bytes a file may hold once uncompressed (the file itself for text; the sum of
    /// the archive's entries for xlsx/xlsm/xlsb/ods).
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cells: 5_000_000,
            max_bytes: 512 * 1024 * 1024,
        }
    }
}

/// An archive entry larger than this must not be compressed more than `MAX_RATIO` times: real
/// worksheet XML compresses 5–50 times, a zip bomb thousands of times.
const RATIO_CHECK_FLOOR: u64 = 16 * 1024 * 1024;
const MAX_RATIO: u64 = 200;

/// Reads the file's bytes once, making sure they are one consistent version of it: a file
/// still being saved (size or time changing under us) is read again once, then given up.
pub(super) fn read_stable(
    path: &Path,
    limits: &Limits,
) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    let mut last_error = ReadError::Changing;
    for _ in 0..2 {
        let before = std::fs::metadata(path)?;
        if before.is_dir() {
            return Err(ReadError::Directory);
        }
        if before.len() == 0 {
            return Err(ReadError::Empty);
        }
        if before.len() > limits.max_bytes {
            return Err(ReadError::TooLarge {
                what: "the file".into(),
                size: before.len(),
                limit: limits.max_bytes,
            });
        }
        let bytes = std::fs::read(path)?;
        let after = std::fs::metadata(path)?;
        if same_version(&before, &after) && bytes.len() as u64 == after.len() {
            return Ok((bytes, after));
        }
        last_error = ReadError::Changing;
    }
    Err(last_error)
}

fn same_version(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Checks an archive's declared sizes before any of it is decompressed.
pub(super) fn check_archive(
    bytes: &[u8],
    limits: &Limits,
    format: &'static str,
) -> Result<(), ReadError> {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(a) => a,
        // Not a zip: calamine says what it is not (and spots an encrypted workbook, which is an
        // OLE container rather than a zip).
        Err(_) => return Ok(()),
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| ReadError::Workbook {
            format,
            message: e.to_string(),
        })?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        if size > RATIO_CHECK_FLOOR && size / packed > MAX_RATIO {
            return Err(ReadError::ZipBomb(format!(
                "entry {} expands {} times to {} bytes",
                entry.name().map(|n| n.into_owned()).unwrap_or_default(),
                size / packed,
                size
            )));
        }
    }
    if total > limits.max_bytes {
        return Err(ReadError::TooLarge {
            what: "the uncompressed workbook".into(),
            size: total,
            limit: limits.max_bytes,
        });
    }
    Ok(())
}

/// A sheet that holds more cells than `Limits::max_cells`.
#[derive(Debug)]
pub(crate) struct OverLimit;

/// What a sheet costs as it is read, against `Limits::max_cells`: its rows, and in each row
/// the cells up to its last non-empty one, which is what its grid holds in memory.
pub(crate) struct Budget {
    limit: u64,
    used: u64,
}

impl Budget {
    pub(crate) fn new(max_cells: usize) -> Budget {
        Budget {
            limit: max_cells as u64,
            used: 0,
        }
    }

    /// Counts `n` more cells.
    pub(crate) fn charge(&mut self, n: u64) -> Result<(), OverLimit> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            Err(OverLimit)
        } else {
            Ok(())
        }
    }

    /// Sets a cell, counting what the grid grows by; over the limit nothing is set.
    pub(crate) fn set(
        &mut self,
        grid: &mut Grid,
        row: u32,
        col: u32,
        value: CellValue,
    ) -> Result<(), OverLimit> {
        if value.is_empty() {
            return Ok(());
        }
        let new_rows = (u64::from(row) + 1).saturating_sub(grid.rows.len() as u64);
        let len = grid.rows.get(row as usize).map_or(0, Vec::len) as u64;
        let new_cells = (u64::from(col) + 1).saturating_sub(len);
        self.charge(new_rows + new_cells)?;
        grid.set(row, col, value);
        Ok(())
    }
}

/// The reason given for a sheet over the cell cap.
pub(super) fn too_many_cells(name: &str, limits: &Limits) -> SkippedSheet {
    let max = limits.max_cells;
    SkippedSheet {
        sheet: name.to_string(),
        code: Code::SheetTooLarge,
        reason: format!(
            "工作表超过 {max} 个单元格,未读取 (sheet holds more than {max} cells, counting its rows and each row's cells up to its last non-empty one)"
        ),
    }
}
