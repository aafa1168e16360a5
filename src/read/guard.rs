//! Limits and guards: what one input may cost before and while it is read.
//!
//! Every cap is checked as early as the format allows, because the libraries underneath do
//! not protect themselves: calamine has no zip-bomb protection and builds dense ranges (one
//! stray cell at XFD1048576 asks for rows × columns), so the archive's declared sizes are
//! checked before anything is inflated ([`check_archive`]), and each sheet is charged cell by
//! cell as it is read ([`Budget`]). A file is read once, as one consistent version of it
//! ([`read_stable`]), so that its hash and its cells describe the same bytes.

use std::io::{Cursor, Read};
use std::path::Path;

use super::{ReadError, SkippedSheet};
use crate::discover::Listed;
use crate::finding::Code;
use crate::grid::{CellValue, Grid};

/// Caps that keep one hostile or broken file from exhausting the machine. The defaults are far
/// above any real performance table (a department's workbook holds a few thousand cells and a
/// few megabytes of XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// How many times a file that changes while it is read is read again before it is given up.
const READ_ATTEMPTS: usize = 4;

/// A file changed this recently (or dated in the future: a server's clock ahead of ours) may
/// be in the middle of being saved, within the resolution of its timestamps (FAT's 2 s is the
/// coarsest): it is read twice, a moment apart, and taken only if both reads agree.
const RECENT: std::time::Duration = std::time::Duration::from_secs(2);
const SECOND_LOOK: std::time::Duration = std::time::Duration::from_millis(50);

/// Reads the file's bytes, making sure they are one consistent version of it. The file is
/// identified before and after each read (size, modification and change times, device and
/// inode, through the open handle and through its path): a file that changed, or was replaced,
/// while it was read is read again, up to [`READ_ATTEMPTS`] times, then given up. A recently
/// changed file is read a second time and taken only when both reads give the same bytes.
pub(super) fn read_stable(
    path: &Path,
    limits: &Limits,
) -> Result<(Vec<u8>, std::fs::Metadata), ReadError> {
    for attempt in 0..READ_ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(SECOND_LOOK * attempt as u32);
        }
        let Some((bytes, after)) = read_once(path, limits)? else {
            continue;
        };
        if recently_changed(&after) {
            std::thread::sleep(SECOND_LOOK);
            match read_once(path, limits)? {
                Some((again, later))
                    if again == bytes && Listed::of(&later) == Listed::of(&after) => {}
                _ => continue,
            }
        }
        return Ok((bytes, after));
    }
    Err(ReadError::Changing)
}

fn recently_changed(m: &std::fs::Metadata) -> bool {
    let young = |t: std::time::SystemTime| t.elapsed().map_or(true, |age| age < RECENT);
    #[cfg(unix)]
    let changed = {
        use std::os::unix::fs::MetadataExt;
        u64::try_from(m.ctime())
            .ok()
            .map(|s| std::time::UNIX_EPOCH + std::time::Duration::new(s, m.ctime_nsec() as u32))
    };
    #[cfg(not(unix))]
    let changed: Option<std::time::SystemTime> = None;
    m.modified().ok().into_iter().chain(changed).any(young)
}

/// One read: the bytes and the file's metadata after it, or None when the file changed (or was
/// replaced) while it was read.
fn read_once(
    path: &Path,
    limits: &Limits,
) -> Result<Option<(Vec<u8>, std::fs::Metadata)>, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // A FIFO put in the file's place must not block the open.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let before_path = std::fs::metadata(path)?;
    if before_path.is_dir() {
        return Err(ReadError::Directory);
    }
    let mut file = options.open(path)?;
    let before = file.metadata()?;
    if before.is_dir() {
        return Err(ReadError::Directory);
    }
    if !before.is_file() {
        return Err(ReadError::NotRegular);
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
    let mut bytes = Vec::with_capacity(before.len() as usize);
    // A file still growing is read no further than the cap (and then found changed).
    (&mut file)
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let after = file.metadata()?;
    let after_path = std::fs::metadata(path)?;
    let same = Listed::of(&before) == Listed::of(&after)
        && Listed::of(&before_path) == Listed::of(&after_path)
        && Listed::of(&after) == Listed::of(&after_path)
        && bytes.len() as u64 == after.len();
    Ok(same.then_some((bytes, after)))
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
    let mut shared_strings = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| ReadError::Workbook {
            format,
            message: e.to_string(),
        })?;
        let (size, packed) = (entry.size(), entry.compressed_size().max(1));
        total = total.saturating_add(size);
        let is_sst = entry
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        if format == "xlsx" && is_sst {
            shared_strings.push(i);
        }
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
    for i in shared_strings {
        check_shared_strings(&mut archive, i)?;
    }
    Ok(())
}

/// The fewest bytes one string of a shared-string table takes (`<si/>`).
const MIN_SHARED_STRING_BYTES: u64 = 5;

/// calamine reserves room for as many strings as the table's `uniqueCount` declares before it
/// reads one: a 7 KB file declaring 4,294,967,295 asks for 100 GB, and the process aborts. A
/// table cannot hold more strings than fit in its bytes, so a larger claim is a damaged file.
fn check_shared_strings(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
) -> Result<(), ReadError> {
    use quick_xml::events::Event;
    let damaged = |message: String| ReadError::Workbook {
        format: "xlsx",
        message,
    };
    let Ok(entry) = archive.by_index(index) else {
        // calamine says what is wrong with an entry that cannot be opened.
        return Ok(());
    };
    let (name, size) = (
        entry.name().map(|n| n.into_owned()).unwrap_or_default(),
        entry.size(),
    );
    // The <sst> tag is the first element; what comes before it is a declaration or comments.
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(entry.take(64 * 1024)));
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() != "sst" {
                    return Ok(());
                }
                let declared = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "uniqueCount")
                    .and_then(|a| a.value.trim().parse::<u64>().ok());
                let fit = size / MIN_SHARED_STRING_BYTES + 1;
                return match declared {
                    Some(n) if n > fit => Err(damaged(format!(
                        "{name} declares {n} shared strings in {size} bytes, where at most {fit} fit: the file is damaged"
                    ))),
                    _ => Ok(()),
                };
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
    }
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

    /// Cells counted so far.
    pub(crate) fn used(&self) -> u64 {
        self.used
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

/// The reason given for a sheet not read because the workbook's sheets together reached the
/// cell cap (a workbook may list one large part many times over).
pub(super) fn workbook_too_many_cells(name: &str, limits: &Limits) -> SkippedSheet {
    let max = limits.max_cells;
    SkippedSheet {
        sheet: name.to_string(),
        code: Code::SheetTooLarge,
        reason: format!(
            "工作簿各工作表合计超过 {max} 个单元格,此表未读取 (the workbook's sheets together hold more than {max} cells; this one was not read)"
        ),
    }
}

/// What is left of a workbook's cells for its next sheet, as a cap on that sheet.
pub(super) fn sheet_allowance(limits: &Limits, workbook_used: u64) -> u64 {
    (limits.max_cells as u64).saturating_sub(workbook_used)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn xlsx_with_sst(sst: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("xl/workbook.xml", options).expect("entry");
        zip.write_all(b"<workbook/>").expect("write");
        zip.start_file("xl/sharedStrings.xml", options)
            .expect("entry");
        zip.write_all(sst.as_bytes()).expect("write");
        zip.finish().expect("zip").into_inner()
    }

    #[test]
    fn a_shared_string_count_larger_than_its_bytes_hold_is_refused() {
        let limits = Limits::default();
        let lie = xlsx_with_sst(
            r#"<?xml version="1.0"?><sst xmlns="x" count="4294967295" uniqueCount="4294967295"><si><t>a</t></si></sst>"#,
        );
        let err = check_archive(&lie, &limits, "xlsx").expect_err("refused");
        assert!(
            err.to_string().contains("4294967295 shared strings"),
            "{err}"
        );
        let honest =
            xlsx_with_sst(r#"<sst uniqueCount="2"><si><t>a</t></si><si><t>b</t></si></sst>"#);
        assert!(check_archive(&honest, &limits, "xlsx").is_ok());
        // An ods has no shared strings to look at.
        assert!(check_archive(&lie, &limits, "ods").is_ok());
    }

    #[test]
    fn a_file_rewritten_while_read_is_not_taken_torn() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.csv");
        std::fs::write(&path, vec![b'a'; 4096]).expect("write");
        let (bytes, _) = read_stable(&path, &Limits::default()).expect("read");
        assert_eq!(bytes, vec![b'a'; 4096]);
        // A writer rewriting the file in place, at the same size, all the while.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let (path, stop) = (path.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0u8;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n = n.wrapping_add(1);
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .open(&path)
                        .expect("open");
                    for _ in 0..4 {
                        f.write_all(&[b'a' + n % 2; 1024]).expect("write");
                    }
                }
            })
        };
        for _ in 0..20 {
            if let Ok((bytes, _)) = read_stable(&path, &Limits::default()) {
                // Whatever was taken is one whole version, never half of each.
                assert!(
                    bytes.iter().all(|&b| b == bytes[0]),
                    "a torn read was taken"
                );
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        writer.join().expect("writer");
    }
}
