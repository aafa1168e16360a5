//! What a file's bytes really are, whatever its name says. Old systems export HTML tables or
//! tab-separated text named ".xls", people rename an xlsx to ".xls", and a PDF or Word file
//! ends up in the folder under a workbook's name: each is read as what it is, or refused with a
//! reason that says what it is, never read as garbage.

use std::io::{Cursor, Read};

use crate::discover::Format;

/// What the bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// A format jixiao reads.
    Workbook(Format),
    /// An HTML page holding a table (an ".xls" exported by an old system, or saved as a web page).
    Html,
    /// An encrypted (password-protected) Office file.
    Encrypted,
    /// Something jixiao does not read, described in Chinese and English.
    Foreign { zh: &'static str, en: &'static str },
    /// A binary Word 97-2003 document (.doc): refused with the advice to save it as .docx.
    Word97,
    /// A summary or report jixiao wrote: never read back as a department's table. The words
    /// say which (for the reason).
    Own(&'static str),
    /// Nothing certain: let the reader the extension names decide (and explain its failure).
    Unknown,
}

/// The custom document property that marks a summary workbook as jixiao's (its value is the
/// run id); the report starts with [`REPORT_START`].
pub const SUMMARY_MARK: &str = "jixiao_run_id";
pub const REPORT_START: &str = "{\"report_version\":";

/// The titles earlier versions gave their summaries (Chinese and English), with their fixed
/// creation time: summaries written before the mark was added are recognised by them.
const SUMMARY_TITLES: [&str; 2] = ["项目绩效目标汇总", "Summary of project performance targets"];
const FIXED_CREATED: &str = "2000-01-01T00:00:00Z";

const OWN_SUMMARY: &str =
    "这是 jixiao 写出的汇总表,不作为输入读取 (a summary written by jixiao; not read as an input)";
const OWN_REPORT: &str = "这是 jixiao 写出的 JSON 报告,不作为输入读取 (a report written by jixiao; not read as an input)";

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ODS_MIME: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Looks at the bytes.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(b"PK\x03\x04") {
        return sniff_zip(bytes);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return sniff_ole(bytes);
    }
    if bytes.starts_with(b"%PDF") {
        return Sniffed::Foreign {
            zh: "PDF 文件",
            en: "a PDF file",
        };
    }
    if bytes.starts_with(b"{\\rtf") {
        return Sniffed::Foreign {
            zh: "RTF 文档",
            en: "an RTF document",
        };
    }
    sniff_text(bytes)
}

fn sniff_zip(bytes: &[u8]) -> Sniffed {
    // Only the central directory is read here (and a few bytes of "mimetype"); nothing large is
    // decompressed before the archive's sizes are checked.
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Sniffed::Unknown;
    };
    let has = |archive: &zip::ZipArchive<Cursor<&[u8]>>, name: &str| {
        archive
            .file_names()
            .any(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case(name)))
    };
    if has(&archive, "xl/workbook.xml") {
        if is_own_summary(&mut archive) {
            return Sniffed::Own(OWN_SUMMARY);
        }
        return Sniffed::Workbook(Format::Xlsx);
    }
    if has(&archive, "xl/workbook.bin") {
        return Sniffed::Workbook(Format::Xlsb);
    }
    if has(&archive, "word/document.xml") {
        return Sniffed::Workbook(Format::Docx);
    }
    if has(&archive, "ppt/presentation.xml") {
        return Sniffed::Foreign {
            zh: "PowerPoint 演示文稿 (pptx)",
            en: "a PowerPoint presentation (pptx)",
        };
    }
    if let Ok(entry) = archive.by_name("mimetype") {
        let mut mime = Vec::new();
        if entry.take(100).read_to_end(&mut mime).is_ok() {
            return if mime.starts_with(ODS_MIME) {
                Sniffed::Workbook(Format::Ods)
            } else {
                Sniffed::Foreign {
                    zh: "OpenDocument 文档 (不是表格)",
                    en: "an OpenDocument file that is not a spreadsheet",
                }
            };
        }
    }
    Sniffed::Unknown
}

/// Is this xlsx a summary jixiao wrote? Its custom properties carry [`SUMMARY_MARK`]; one
/// written before them has the summary's title and fixed creation time in its core properties.
fn is_own_summary(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    let mut small_entry = |name: &str| -> Option<String> {
        let entry = archive.by_name(name).ok()?;
        let mut text = String::new();
        entry.take(64 * 1024).read_to_string(&mut text).ok()?;
        Some(text)
    };
    if small_entry("docProps/custom.xml")
        .is_some_and(|custom| custom.contains(&format!("name=\"{SUMMARY_MARK}\"")))
    {
        return true;
    }
    small_entry("docProps/core.xml").is_some_and(|core| {
        core.contains(FIXED_CREATED)
            && SUMMARY_TITLES
                .iter()
                .any(|t| core.contains(&format!("<dc:title>{t}</dc:title>")))
    })
}

/// An OLE compound file: an xls workbook, an encrypted Office file (any extension), or a Word
/// or PowerPoint file. Told apart by the streams of its root storage, not by searching the bytes
/// (a Word file whose text says "Book" is not a workbook).
fn sniff_ole(bytes: &[u8]) -> Sniffed {
    let Ok(file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Sniffed::Unknown;
    };
    let names: Vec<String> = file
        .read_root_storage()
        .filter(|e| e.is_stream())
        .map(|e| e.name().to_string())
        .collect();
    let has_stream = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    if has_stream("EncryptedPackage") {
        Sniffed::Encrypted
    } else if has_stream("Workbook") || has_stream("Book") {
        Sniffed::Workbook(Format::Xls)
    } else if has_stream("WordDocument") {
        Sniffed::Word97
    } else if has_stream("PowerPoint Document") {
        Sniffed::Foreign {
            zh: "PowerPoint 演示文稿 (ppt)",
            en: "a PowerPoint presentation (ppt)",
        }
    } else {
        Sniffed::Unknown
    }
}

/// Markup or plain text. Only the start of the file is looked at.
fn sniff_text(bytes: &[u8]) -> Sniffed {
    let head = &bytes[..bytes.len().min(4096)];
    let text = super::decode_text(head).to_lowercase();
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if trimmed.starts_with(REPORT_START) {
        return Sniffed::Own(OWN_REPORT);
    }
    if trimmed.starts_with("mime-version:") {
        return Sniffed::Foreign {
            zh: "MHTML 网页存档 (单个文件网页)",
            en: "an MHTML web archive (single file web page)",
        };
    }
    if trimmed.starts_with('<') {
        // The root element, with or without the ss: prefix (WPS writes both ways).
        if text.contains("urn:schemas-microsoft-com:office:spreadsheet")
            && (text.contains("<workbook") || text.contains(":workbook"))
        {
            return Sniffed::Workbook(Format::SpreadsheetMl);
        }
        if text.contains("<table") || text.contains("<html") || text.contains("<!doctype html") {
            return Sniffed::Html;
        }
        return Sniffed::Foreign {
            zh: "XML 文件",
            en: "an XML file",
        };
    }
    // Text: no NUL byte (UTF-16 text has its BOM, handled by the text reader) and a separator.
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if (utf16 || !head.contains(&0)) && (text.contains('\t') || text.contains(',')) {
        return Sniffed::Workbook(Format::Delimited);
    }
    Sniffed::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_formats_apart_by_their_bytes() {
        assert_eq!(
            sniff(b"<html><body><table><tr><td>1</td></tr></table>"),
            Sniffed::Html
        );
        assert_eq!(
            sniff("\u{FEFF}  <!DOCTYPE html><TABLE>".as_bytes()),
            Sniffed::Html
        );
        assert_eq!(
            sniff(b"%PDF-1.4 ..."),
            Sniffed::Foreign {
                zh: "PDF 文件",
                en: "a PDF file"
            }
        );
        assert_eq!(
            sniff("序号\t项目名称\n".as_bytes()),
            Sniffed::Workbook(Format::Delimited)
        );
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">"),
            Sniffed::Workbook(Format::SpreadsheetMl)
        );
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<ss:Workbook xmlns:ss=\"urn:schemas-microsoft-com:office:spreadsheet\">"),
            Sniffed::Workbook(Format::SpreadsheetMl)
        );
        // An HTML page Excel saved names the excel namespace, not the spreadsheet one.
        assert_eq!(
            sniff(b"<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><x:ExcelWorkbook/><table>"),
            Sniffed::Html
        );
        assert!(
            matches!(sniff(b"MIME-Version: 1.0\r\n"), Sniffed::Foreign { en, .. } if en.contains("MHTML"))
        );
        assert_eq!(sniff(b"PK\x03\x04 broken"), Sniffed::Unknown);
        assert_eq!(sniff(&[1, 2, 0, 4]), Sniffed::Unknown);
    }

    fn ole(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
        use std::io::Write;
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
        for (name, bytes) in streams {
            if let Some((storage, _)) = name.rsplit_once('/').filter(|(s, _)| !s.is_empty()) {
                file.create_storage_all(storage).expect("storage");
            }
            let mut stream = file.create_stream(name).expect("stream");
            stream.write_all(bytes).expect("write");
        }
        file.flush().expect("flush");
        file.into_inner().into_inner()
    }

    #[test]
    fn ole_files_are_told_apart_by_their_streams_not_their_text() {
        // A Word file whose text speaks of a "Workbook" and an "EncryptedPackage".
        let words: Vec<u8> = "Book Workbook EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let doc = ole(&[
            ("/WordDocument", words.repeat(200)),
            ("/1Table", vec![0; 64]),
        ]);
        assert_eq!(sniff(&doc), Sniffed::Word97);
        let xls = ole(&[("/Book", vec![0; 64])]);
        assert_eq!(sniff(&xls), Sniffed::Workbook(Format::Xls));
        let encrypted = ole(&[
            ("/EncryptionInfo", vec![4; 8]),
            ("/EncryptedPackage", vec![7; 64]),
        ]);
        assert_eq!(sniff(&encrypted), Sniffed::Encrypted);
        // A workbook embedded in a storage of another document does not make it a workbook.
        let embedded = ole(&[
            ("/PowerPoint Document", vec![0; 64]),
            ("/ObjectPool/_1/Workbook", vec![0; 64]),
        ]);
        assert!(
            matches!(sniff(&embedded), Sniffed::Foreign { en, .. } if en.contains("PowerPoint"))
        );
        let mut broken = xls.clone();
        broken.truncate(600);
        assert_eq!(sniff(&broken), Sniffed::Unknown);
    }
}
