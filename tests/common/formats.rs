//! Writers for the workbook formats rust_xlsxwriter cannot write, so that every format jixiao
//! reads is tested on a file built in the test: .xls (BIFF8 in an OLE compound file), .xlsb
//! (binary records in a zip), .ods (OpenDocument XML in a zip), .docx (WordprocessingML in a
//! zip: [`docx`] of [`docx_paragraph`]s and [`docx_table`]s), Excel 2003 XML
//! ([`spreadsheetml`]) and a binary Word 97-2003 file ([`word97_document`]). Each writes only
//! what the readers need to read cells, merges, hidden sheets and formula results, after the
//! published specs ([MS-XLS], [MS-XLSB], ODF 1.2, ECMA-376, the Office 2003 XML reference).

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

/// One cell of a fixture sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum FxCell {
    Text(String),
    Number(f64),
    /// An Excel error value typed in the cell, such as "#REF!".
    Error(&'static str),
    /// A formula (`=` + `text`) with its stored result, or none stored.
    Formula {
        text: &'static str,
        cached: Option<Cached>,
    },
}

/// A formula's stored result.
#[derive(Debug, Clone, PartialEq)]
pub enum Cached {
    Number(f64),
    Error(&'static str),
}

/// One sheet: cells by (row, col), merged blocks (first row, first col, last row, last col).
#[derive(Debug, Clone, Default)]
pub struct FxSheet {
    pub name: String,
    pub hidden: bool,
    pub cells: BTreeMap<(u32, u32), FxCell>,
    pub merges: Vec<[u32; 4]>,
}

impl FxSheet {
    /// A sheet from rows of text; cells that read as numbers are written as numbers.
    pub fn from_rows(name: &str, rows: &[Vec<String>]) -> FxSheet {
        let mut sheet = FxSheet {
            name: name.to_string(),
            ..FxSheet::default()
        };
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if text.is_empty() {
                    continue;
                }
                let cell = match text.replace(',', "").parse::<f64>() {
                    Ok(n) => FxCell::Number(n),
                    Err(_) => FxCell::Text(text.clone()),
                };
                sheet.cells.insert((r as u32, c as u32), cell);
            }
        }
        sheet
    }

    pub fn set(mut self, row: u32, col: u32, cell: FxCell) -> FxSheet {
        self.cells.insert((row, col), cell);
        self
    }

    /// Merges a block; the cells it covers, but its first, are cleared as Excel does.
    pub fn merge(mut self, r0: u32, c0: u32, r1: u32, c1: u32) -> FxSheet {
        for r in r0..=r1 {
            for c in c0..=c1 {
                if (r, c) != (r0, c0) {
                    self.cells.remove(&(r, c));
                }
            }
        }
        self.merges.push([r0, c0, r1, c1]);
        self
    }

    pub fn hidden(mut self) -> FxSheet {
        self.hidden = true;
        self
    }
}

/// Rows of text from a tab-separated block, one line a row.
pub fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn error_code(e: &str) -> u8 {
    match e {
        "#NULL!" => 0x00,
        "#DIV/0!" => 0x07,
        "#VALUE!" => 0x0F,
        "#REF!" => 0x17,
        "#NAME?" => 0x1D,
        "#NUM!" => 0x24,
        "#N/A" => 0x2A,
        other => panic!("not an error value: {other}"),
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

// ---------------------------------------------------------------- xls (BIFF8)

fn biff_record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend(typ.to_le_bytes());
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
}

/// XLUnicodeString, always stored as UTF-16.
fn biff_string(s: &str) -> Vec<u8> {
    let mut v = (s.encode_utf16().count() as u16).to_le_bytes().to_vec();
    v.push(1);
    v.extend(utf16(s));
    v
}

fn biff_cell_head(row: u32, col: u32) -> Vec<u8> {
    let mut v = (row as u16).to_le_bytes().to_vec();
    v.extend((col as u16).to_le_bytes());
    v.extend(0u16.to_le_bytes()); // ixfe
    v
}

fn biff_sheet(sheet: &FxSheet) -> Vec<u8> {
    let mut out = Vec::new();
    let mut bof = vec![0x00, 0x06, 0x10, 0x00];
    bof.extend([0u8; 12]);
    biff_record(&mut out, 0x0809, &bof);
    for (&(row, col), cell) in &sheet.cells {
        let mut data = biff_cell_head(row, col);
        match cell {
            FxCell::Text(t) => {
                data.extend(biff_string(t));
                biff_record(&mut out, 0x0204, &data);
            }
            FxCell::Number(n) => {
                data.extend(n.to_le_bytes());
                biff_record(&mut out, 0x0203, &data);
            }
            FxCell::Error(e) => {
                data.extend([error_code(e), 1]);
                biff_record(&mut out, 0x0205, &data);
            }
            FxCell::Formula { cached, .. } => {
                match cached {
                    Some(Cached::Number(n)) => data.extend(n.to_le_bytes()),
                    Some(Cached::Error(e)) => {
                        data.extend([0x02, 0, error_code(e), 0, 0, 0, 0xFF, 0xFF])
                    }
                    None => panic!("an xls file always stores a formula's result"),
                }
                data.extend(0u16.to_le_bytes()); // grbit
                data.extend(0u32.to_le_bytes()); // chn
                // =7: PtgInt 7.
                data.extend(3u16.to_le_bytes());
                data.extend([0x1E, 7, 0]);
                biff_record(&mut out, 0x0006, &data);
            }
        }
    }
    if !sheet.merges.is_empty() {
        let mut data = (sheet.merges.len() as u16).to_le_bytes().to_vec();
        for [r0, c0, r1, c1] in &sheet.merges {
            for v in [r0, r1, c0, c1] {
                data.extend((*v as u16).to_le_bytes());
            }
        }
        biff_record(&mut out, 0x00E5, &data);
    }
    biff_record(&mut out, 0x000A, &[]);
    out
}

/// An .xls (BIFF8) workbook.
pub fn xls_workbook(sheets: &[FxSheet]) -> Vec<u8> {
    let bodies: Vec<Vec<u8>> = sheets.iter().map(biff_sheet).collect();
    let globals = |offsets: &[u32]| {
        let mut out = Vec::new();
        let mut bof = vec![0x00, 0x06, 0x05, 0x00];
        bof.extend([0u8; 12]);
        biff_record(&mut out, 0x0809, &bof);
        biff_record(&mut out, 0x0042, &1200u16.to_le_bytes());
        for (sheet, offset) in sheets.iter().zip(offsets) {
            let mut data = offset.to_le_bytes().to_vec();
            data.push(u8::from(sheet.hidden));
            data.push(0);
            data.push(sheet.name.encode_utf16().count() as u8);
            data.push(1);
            data.extend(utf16(&sheet.name));
            biff_record(&mut out, 0x0085, &data);
        }
        biff_record(&mut out, 0x000A, &[]);
        out
    };
    // The globals' length does not depend on the offsets, so measure once, then place.
    let head = globals(&vec![0; sheets.len()]).len() as u32;
    let mut offsets = Vec::new();
    let mut at = head;
    for body in &bodies {
        offsets.push(at);
        at += body.len() as u32;
    }
    let mut stream = globals(&offsets);
    for body in &bodies {
        stream.extend(body);
    }
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    file.create_stream("/Workbook")
        .expect("stream")
        .write_all(&stream)
        .expect("write stream");
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

// ---------------------------------------------------------------- xlsb

fn xlsb_record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut len = data.len();
    loop {
        let byte = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend(data);
}

fn wide(s: &str) -> Vec<u8> {
    let mut v = (s.encode_utf16().count() as u32).to_le_bytes().to_vec();
    v.extend(utf16(s));
    v
}

fn xlsb_sheet(sheet: &FxSheet) -> Vec<u8> {
    let mut out = Vec::new();
    xlsb_record(&mut out, 0x0081, &[]); // BrtBeginSheet
    let last_row = sheet.cells.keys().map(|k| k.0).max().unwrap_or(0);
    let last_col = sheet.cells.keys().map(|k| k.1).max().unwrap_or(0);
    let mut dim = Vec::new();
    for v in [0, last_row, 0, last_col] {
        dim.extend(v.to_le_bytes());
    }
    xlsb_record(&mut out, 0x0094, &dim); // BrtWsDim
    xlsb_record(&mut out, 0x0091, &[]); // BrtBeginSheetData
    let mut row = None;
    for (&(r, c), cell) in &sheet.cells {
        if row != Some(r) {
            let mut hdr = r.to_le_bytes().to_vec();
            hdr.extend([0u8; 13]);
            xlsb_record(&mut out, 0x0000, &hdr); // BrtRowHdr
            row = Some(r);
        }
        let mut data = c.to_le_bytes().to_vec();
        data.extend(0u32.to_le_bytes()); // style
        let formula = || {
            // =7: PtgInt 7, then no extra data.
            let mut f = 3u32.to_le_bytes().to_vec();
            f.extend([0x1E, 7, 0]);
            f.extend(0u32.to_le_bytes());
            f
        };
        match cell {
            FxCell::Text(t) => {
                data.extend(wide(t));
                xlsb_record(&mut out, 0x0006, &data);
            }
            FxCell::Number(n) => {
                data.extend(n.to_le_bytes());
                xlsb_record(&mut out, 0x0005, &data);
            }
            FxCell::Error(e) => {
                data.push(error_code(e));
                xlsb_record(&mut out, 0x0003, &data);
            }
            FxCell::Formula { cached, .. } => match cached {
                Some(Cached::Number(n)) => {
                    data.extend(n.to_le_bytes());
                    data.extend(0u16.to_le_bytes());
                    data.extend(formula());
                    xlsb_record(&mut out, 0x0009, &data); // BrtFmlaNum
                }
                Some(Cached::Error(e)) => {
                    data.push(error_code(e));
                    data.extend(0u16.to_le_bytes());
                    data.extend(formula());
                    xlsb_record(&mut out, 0x000B, &data); // BrtFmlaError
                }
                None => panic!("an xlsb file always stores a formula's result"),
            },
        }
    }
    xlsb_record(&mut out, 0x0092, &[]); // BrtEndSheetData
    xlsb_record(&mut out, 0x0082, &[]); // BrtEndSheet
    out
}

fn zip_file(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        // The ods "mimetype" entry must be first and stored; storing everything is simplest.
        // A fixed time, so that the same content gives the same bytes.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default());
        zip.start_file(*name, options).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}

/// An .xlsb workbook.
pub fn xlsb_workbook(sheets: &[FxSheet]) -> Vec<u8> {
    let mut workbook = Vec::new();
    xlsb_record(&mut workbook, 0x0083, &[]); // BrtBeginBook
    xlsb_record(&mut workbook, 0x008F, &[]); // BrtBeginBundleShs
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    let mut entries = Vec::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let id = format!("rId{}", i + 1);
        let mut data = u32::from(sheet.hidden).to_le_bytes().to_vec();
        data.extend((i as u32 + 1).to_le_bytes());
        data.extend(wide(&id));
        data.extend(wide(&sheet.name));
        xlsb_record(&mut workbook, 0x009C, &data); // BrtBundleSh
        rels.push_str(&format!(
            r#"<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{}.bin"/>"#,
            i + 1
        ));
        entries.push((
            format!("xl/worksheets/sheet{}.bin", i + 1),
            xlsb_sheet(sheet),
        ));
    }
    xlsb_record(&mut workbook, 0x0090, &[]); // BrtEndBundleShs
    xlsb_record(&mut workbook, 0x009D, &[0u8; 16]); // BrtCalcProp
    xlsb_record(&mut workbook, 0x0084, &[]); // BrtEndBook
    rels.push_str("</Relationships>");
    let mut all: Vec<(&str, Vec<u8>)> = vec![
        ("xl/workbook.bin", workbook),
        ("xl/_rels/workbook.bin.rels", rels.into_bytes()),
    ];
    for (name, bytes) in &entries {
        all.push((name.as_str(), bytes.clone()));
    }
    zip_file(&all)
}

// ---------------------------------------------------------------- ods

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An .ods workbook. Merged blocks are written as ODF spans with covered cells.
pub fn ods_workbook(sheets: &[FxSheet]) -> Vec<u8> {
    let mut body = String::new();
    for sheet in sheets {
        let style = if sheet.hidden { "ta2" } else { "ta1" };
        body.push_str(&format!(
            r#"<table:table table:name="{}" table:style-name="{style}">"#,
            xml_escape(&sheet.name)
        ));
        let last_row = sheet.cells.keys().map(|k| k.0).max().unwrap_or(0);
        let last_col = sheet.cells.keys().map(|k| k.1).max().unwrap_or(0);
        let covered = |r: u32, c: u32| {
            sheet.merges.iter().any(|[r0, c0, r1, c1]| {
                (*r0..=*r1).contains(&r) && (*c0..=*c1).contains(&c) && (r, c) != (*r0, *c0)
            })
        };
        for r in 0..=last_row {
            body.push_str("<table:table-row>");
            for c in 0..=last_col {
                if covered(r, c) {
                    body.push_str("<table:covered-table-cell/>");
                    continue;
                }
                let span = sheet
                    .merges
                    .iter()
                    .find(|m| m[0] == r && m[1] == c)
                    .map(|[r0, c0, r1, c1]| {
                        format!(
                            r#" table:number-rows-spanned="{}" table:number-columns-spanned="{}""#,
                            r1 - r0 + 1,
                            c1 - c0 + 1
                        )
                    })
                    .unwrap_or_default();
                let cell = match sheet.cells.get(&(r, c)) {
                    None => format!("<table:table-cell{span}/>"),
                    Some(FxCell::Text(t)) => format!(
                        r#"<table:table-cell{span} office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                        xml_escape(t)
                    ),
                    Some(FxCell::Number(n)) => format!(
                        r#"<table:table-cell{span} office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                    ),
                    Some(FxCell::Error(e)) => format!(
                        r#"<table:table-cell{span} office:value-type="string"><text:p>{e}</text:p></table:table-cell>"#
                    ),
                    Some(FxCell::Formula { text, cached }) => {
                        let f = format!(r#" table:formula="of:={}""#, xml_escape(text));
                        match cached {
                            Some(Cached::Number(n)) => format!(
                                r#"<table:table-cell{span}{f} office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                            ),
                            Some(Cached::Error(e)) => format!(
                                r#"<table:table-cell{span}{f} office:value-type="string" office:string-value="" calcext:value-type="error"><text:p>{e}</text:p></table:table-cell>"#
                            ),
                            None => format!("<table:table-cell{span}{f}/>"),
                        }
                    }
                };
                body.push_str(&cell);
            }
            body.push_str("</table:table-row>");
        }
        body.push_str("</table:table>");
    }
    ods_from_body(&body)
}

/// An .ods workbook whose spreadsheet body (its `<table:table>` elements) is given as XML, for
/// tables the writer above does not write (repeated rows and columns).
pub fn ods_from_body(body: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.2"><office:automatic-styles><style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style><style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style></office:automatic-styles><office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_file(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        ("content.xml", content.into_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes().to_vec()),
    ])
}

// ---------------------------------------------------------------- xlsx without results

/// Removes the stored result of the formulas in `cells` ("D5") of every worksheet of an xlsx
/// written by rust_xlsxwriter (which always stores one), as a program that does not calculate
/// leaves them.
pub fn strip_formula_results(xlsx: &[u8], cells: &[&str]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).expect("xlsx zip");
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            let mut xml = String::from_utf8(bytes).expect("utf-8 xml");
            for cell in cells {
                let pattern = regex::Regex::new(&format!(
                    r#"(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v>[^<]*</v>"#
                ))
                .expect("pattern");
                xml = pattern.replace(&xml, "$1$2").into_owned();
            }
            bytes = xml.into_bytes();
        }
        entries.push((name, bytes));
    }
    let refs: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    zip_file(&refs)
}

// ---------------------------------------------------------------- docx

/// A .docx whose document body is `body` (WordprocessingML, the `w:` prefix bound), packed with
/// the parts Word needs to open it. Build the body from [`docx_paragraph`] and [`docx_table`].
pub fn docx(body: &str) -> Vec<u8> {
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    zip_file(&[
        ("[Content_Types].xml", types.as_bytes().to_vec()),
        ("_rels/.rels", rels.as_bytes().to_vec()),
        ("word/document.xml", document.into_bytes()),
    ])
}

/// The runs of one paragraph's text: "\n" is a line break (`w:br`), "\t" a tab.
fn docx_runs(text: &str) -> String {
    let mut runs = String::from("<w:r>");
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            runs.push_str("<w:br/>");
        }
        for (j, part) in line.split('\t').enumerate() {
            if j > 0 {
                runs.push_str("<w:tab/>");
            }
            if !part.is_empty() {
                runs.push_str(&format!(
                    r#"<w:t xml:space="preserve">{}</w:t>"#,
                    xml_escape(part)
                ));
            }
        }
    }
    runs.push_str("</w:r>");
    runs
}

/// A paragraph of the body (a title, a 填报单位 line); "\n" in `text` are line breaks.
pub fn docx_paragraph(text: &str) -> String {
    format!("<w:p>{}</w:p>", docx_runs(text))
}

/// A table of rows of text, with merged blocks `[first row, first col, last row, last col]`
/// written as Word writes them: `w:gridSpan` across, `w:vMerge` restart/continue down. Each
/// "\n" in a cell's text starts a new paragraph of the cell.
pub fn docx_table(rows: &[Vec<String>], merges: &[[u32; 4]]) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0) as u32;
    let width = merges.iter().map(|m| m[3] + 1).fold(width, u32::max);
    let mut xml =
        String::from("<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid>");
    xml.push_str(&"<w:gridCol w:w=\"1000\"/>".repeat(width as usize));
    xml.push_str("</w:tblGrid>");
    let height = merges
        .iter()
        .map(|m| m[2] + 1)
        .fold(rows.len() as u32, u32::max);
    for r in 0..height {
        xml.push_str("<w:tr>");
        let mut c = 0;
        while c < width {
            let block = merges
                .iter()
                .find(|m| (m[0]..=m[2]).contains(&r) && (m[1]..=m[3]).contains(&c));
            let (span, vmerge, text) = match block {
                Some(m) if m[1] != c => {
                    c += 1;
                    continue;
                }
                Some(m) => {
                    let vmerge = match (m[2] > m[0], r == m[0]) {
                        (false, _) => "",
                        (true, true) => r#"<w:vMerge w:val="restart"/>"#,
                        (true, false) => "<w:vMerge/>",
                    };
                    let text = if r == m[0] { cell_text(rows, r, c) } else { "" };
                    (m[3] - m[1] + 1, vmerge, text)
                }
                None => (1, "", cell_text(rows, r, c)),
            };
            xml.push_str("<w:tc><w:tcPr><w:tcW w:w=\"1000\" w:type=\"dxa\"/>");
            if span > 1 {
                xml.push_str(&format!(r#"<w:gridSpan w:val="{span}"/>"#));
            }
            xml.push_str(vmerge);
            xml.push_str("</w:tcPr>");
            for paragraph in text.split('\n') {
                if paragraph.is_empty() {
                    xml.push_str("<w:p/>");
                } else {
                    xml.push_str(&format!("<w:p>{}</w:p>", docx_runs(paragraph)));
                }
            }
            xml.push_str("</w:tc>");
            c += span;
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    xml
}

fn cell_text(rows: &[Vec<String>], r: u32, c: u32) -> &str {
    rows.get(r as usize)
        .and_then(|row| row.get(c as usize))
        .map(String::as_str)
        .unwrap_or("")
}

// ---------------------------------------------------------------- SpreadsheetML

/// The sheets as Excel 2003 XML (SpreadsheetML), the way budget systems export it under an
/// ".xls" name: empty cells and rows left out with `ss:Index` on the next one, merged blocks as
/// `ss:MergeAcross`/`ss:MergeDown` on their first cell, a hidden sheet hidden by its
/// `WorksheetOptions`, formulas with their cached result as `Data` or without one.
pub fn spreadsheetml(sheets: &[FxSheet]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles><Style ss:ID="Default" ss:Name="Normal"><Alignment ss:Vertical="Center"/></Style></Styles>
"#,
    );
    for sheet in sheets {
        xml.push_str(&format!(
            " <Worksheet ss:Name=\"{}\">\n  <Table>\n",
            xml_escape(&sheet.name)
        ));
        let mut next_row = 0;
        let mut rows: BTreeMap<u32, Vec<(u32, &FxCell)>> = BTreeMap::new();
        for (&(r, c), cell) in &sheet.cells {
            rows.entry(r).or_default().push((c, cell));
        }
        for (r, cells) in rows {
            let index = if r == next_row {
                String::new()
            } else {
                format!(" ss:Index=\"{}\"", r + 1)
            };
            xml.push_str(&format!("   <Row{index}>"));
            let mut next_col = 0;
            for (c, cell) in cells {
                let mut attrs = String::new();
                if c != next_col {
                    attrs.push_str(&format!(" ss:Index=\"{}\"", c + 1));
                }
                let mut across = 0;
                if let Some([r0, c0, r1, c1]) = sheet.merges.iter().find(|m| m[0] == r && m[1] == c)
                {
                    across = c1 - c0;
                    if across > 0 {
                        attrs.push_str(&format!(" ss:MergeAcross=\"{across}\""));
                    }
                    if r1 > r0 {
                        attrs.push_str(&format!(" ss:MergeDown=\"{}\"", r1 - r0));
                    }
                }
                let data = |kind: &str, value: &str| {
                    format!("<Data ss:Type=\"{kind}\">{}</Data>", xml_escape(value))
                };
                let (formula, content) = match cell {
                    FxCell::Text(t) => (None, Some(data("String", t))),
                    FxCell::Number(n) => (None, Some(data("Number", &n.to_string()))),
                    FxCell::Error(e) => (None, Some(data("Error", e))),
                    FxCell::Formula { text, cached } => (
                        Some(*text),
                        match cached {
                            Some(Cached::Number(n)) => Some(data("Number", &n.to_string())),
                            Some(Cached::Error(e)) => Some(data("Error", e)),
                            None => None,
                        },
                    ),
                };
                if let Some(f) = formula {
                    attrs.push_str(&format!(" ss:Formula=\"={}\"", xml_escape(f)));
                }
                match content {
                    Some(content) => xml.push_str(&format!("<Cell{attrs}>{content}</Cell>")),
                    None => xml.push_str(&format!("<Cell{attrs}/>")),
                }
                next_col = c + across + 1;
            }
            xml.push_str("</Row>\n");
            next_row = r + 1;
        }
        xml.push_str("  </Table>\n");
        if sheet.hidden {
            xml.push_str(
                "  <WorksheetOptions xmlns=\"urn:schemas-microsoft-com:office:excel\"><Visible>SheetHidden</Visible></WorksheetOptions>\n",
            );
        }
        xml.push_str(" </Worksheet>\n");
    }
    xml.push_str("</Workbook>\n");
    xml
}

// ---------------------------------------------------------------- Word 97-2003

/// A binary Word 97-2003 document (.doc): an OLE compound file with a WordDocument stream.
/// Only what tells it apart is written; it is never read as a document.
pub fn word97_document() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
    for (name, bytes) in [
        ("/WordDocument", vec![0xEC, 0xA5, 0xC1, 0x00]),
        ("/1Table", vec![0; 64]),
    ] {
        let mut stream = file.create_stream(name).expect("stream");
        stream.write_all(&bytes.repeat(128)).expect("write stream");
    }
    file.flush().expect("flush");
    file.into_inner().into_inner()
}
