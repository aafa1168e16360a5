//! Excel 2003 XML (SpreadsheetML), as Java budget systems export it under an ".xls" (or
//! ".xml") name, and as WPS writes it: `<Workbook xmlns="urn:schemas-microsoft-com:office:
//! spreadsheet">`, with or without the `ss:` prefix. No maintained crate reads it (calamine
//! does not), so it is read here with quick-xml, streamed, by local names.
//!
//! Every `Worksheet` is a sheet named by its `ss:Name`; rows and cells fall where their
//! `ss:Index` puts them (1-based; without it, after the one before — a merged cell's
//! `ss:MergeAcross` included), `ss:Span` on a row stands for that many more rows like it, and
//! `ss:MergeAcross`/`ss:MergeDown` are merged blocks. `Data` gives the value by its `ss:Type`:
//! Number a number, String text (rich text's `html:` children give their text), DateTime the
//! date as the user sees it, Boolean TRUE/FALSE, Error an error cell. A cell with an
//! `ss:Formula` gives its stored result; one without a `Data` is a formula without a value, as
//! the other readers mark it. A cell's comment is not its value. A worksheet hidden by its
//! `WorksheetOptions/Visible` (SheetHidden, SheetVeryHidden) is skipped as hidden; styles are
//! ignored.
//!
//! Limits: the file is read up to `--max-file-mb`; each sheet's cells are charged against
//! `--max-cells` as they are set (a sheet over it is skipped, the rest read); indices and
//! spans stop at Excel's last column and row; the XML limits of `xml.rs` apply.

use quick_xml::events::{BytesStart, Event};

use super::guard::{Budget, Limits, too_many_cells};
use super::xml::{self, MAX_COLUMNS, MAX_DEPTH, MAX_ROWS};
use super::{FileContent, ReadError, hidden};
use crate::grid::{CellValue, Grid, Merge};

/// Reads every worksheet of a SpreadsheetML workbook.
pub(super) fn read_spreadsheetml(bytes: &[u8], limits: &Limits) -> Result<FileContent, ReadError> {
    let text = xml::decode(bytes);
    parse(&text, limits).map_err(|message| ReadError::Workbook {
        format: "SpreadsheetML",
        message,
    })
}

/// One worksheet being read.
struct Sheet {
    grid: Grid,
    budget: Budget,
    merges: Vec<Merge>,
    hidden: bool,
    /// More cells than the cap: the rest is parsed (to reach the next worksheet), not kept.
    over: bool,
    next_row: u32,
    /// The row being read, and the column its next cell takes without an `ss:Index`.
    row: Option<u32>,
    next_col: u32,
    /// A row's `ss:Span`: the rows after it that it stands for.
    row_span: u32,
}

/// One cell being read.
#[derive(Default)]
struct CellBuild {
    row: u32,
    col: u32,
    formula: Option<String>,
    kind: Option<String>,
    data: Option<String>,
}

/// Where the parser is, as far as text is concerned.
#[derive(Default, PartialEq, Eq)]
enum In {
    #[default]
    Elsewhere,
    /// A cell's `Data`: its text is the value.
    Data,
    /// `WorksheetOptions/Visible`.
    Visible,
}

fn parse(text: &str, limits: &Limits) -> Result<FileContent, String> {
    let mut reader = xml::reader(text);
    let mut p = Parser {
        content: FileContent::default(),
        limits: *limits,
        sheet: None,
        cell: None,
        inside: In::Elsewhere,
        visible: String::new(),
        in_options: false,
        unnamed: 0,
    };
    let mut depth: usize = 0;
    // Inside an element whose text is not the cell's value (a comment), from this depth.
    let mut skip: Option<usize> = None;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| xml::syntax_error(&e, at))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(xml::too_deep());
                }
                if skip.is_none() && p.open(&e, false) {
                    skip = Some(depth);
                }
            }
            Event::Empty(e) if skip.is_none() => {
                // An empty comment has nothing to skip; anything else opens and closes at once.
                let skipped = p.open(&e, true);
                if !skipped {
                    p.close(e.local_name().as_ref());
                }
            }
            Event::End(e) => {
                let closing = depth;
                depth = depth.saturating_sub(1);
                match skip {
                    Some(d) if d == closing => skip = None,
                    Some(_) => {}
                    None => p.close(e.local_name().as_ref()),
                }
            }
            Event::Text(t) if skip.is_none() => p.text(&t.xml10_content()),
            Event::CData(t) if skip.is_none() => p.text(&t.xml10_content()),
            Event::GeneralRef(r) if skip.is_none() => {
                if let Some(c) = xml::reference(&r) {
                    p.text(c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => {
                if depth > 0 {
                    return Err(xml::truncated(at));
                }
                break;
            }
            _ => {}
        }
    }
    Ok(p.content)
}

struct Parser {
    content: FileContent,
    limits: Limits,
    sheet: Option<Sheet>,
    cell: Option<CellBuild>,
    inside: In,
    visible: String,
    in_options: bool,
    /// Worksheets without a name so far, to name them as Excel would.
    unnamed: u32,
}

/// A 1-based `ss:Index` (or a count such as `ss:MergeAcross`) as a zero-based position,
/// clamped to the sheet: a hostile value cannot ask for more than the sheet holds.
fn index(e: &BytesStart<'_>, name: &str, limit: u32) -> Option<u32> {
    xml::number_attribute(e, name)
        .filter(|&i| i > 0)
        .map(|i| i.min(limit) - 1)
}

fn count(e: &BytesStart<'_>, name: &str, limit: u32) -> u32 {
    xml::number_attribute(e, name).unwrap_or(0).min(limit)
}

impl Parser {
    /// An element starts; true when its content is to be skipped.
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> bool {
        let local = e.local_name();
        match local.as_ref() {
            "Worksheet" => {
                self.finish_sheet();
                let name = xml::attribute(e, "Name").unwrap_or_else(|| {
                    self.unnamed += 1;
                    format!("Sheet{}", self.unnamed)
                });
                self.sheet = Some(Sheet {
                    grid: Grid::new(name),
                    budget: Budget::new(self.limits.max_cells),
                    merges: Vec::new(),
                    hidden: false,
                    over: false,
                    next_row: 0,
                    row: None,
                    next_col: 0,
                    row_span: 0,
                });
            }
            "Row" => {
                if let Some(sheet) = &mut self.sheet {
                    let row = index(e, "Index", MAX_ROWS).unwrap_or(sheet.next_row);
                    sheet.row = Some(row);
                    sheet.next_col = 0;
                    sheet.row_span = count(e, "Span", MAX_ROWS);
                }
            }
            "Cell" => {
                let Some(sheet) = &mut self.sheet else {
                    return false;
                };
                let row = match sheet.row {
                    Some(row) => row,
                    // A cell outside any row (only broken files have one) takes a row of its own.
                    None => {
                        sheet.row = Some(sheet.next_row);
                        sheet.next_col = 0;
                        sheet.next_row
                    }
                };
                let col = index(e, "Index", MAX_COLUMNS).unwrap_or(sheet.next_col);
                let across = count(e, "MergeAcross", MAX_COLUMNS);
                let down = count(e, "MergeDown", MAX_ROWS);
                let last_col = col.saturating_add(across).min(MAX_COLUMNS - 1);
                let last_row = row.saturating_add(down).min(MAX_ROWS - 1);
                if last_col > col || last_row > row {
                    sheet.merges.push(Merge {
                        first_row: row,
                        first_col: col,
                        last_row,
                        last_col,
                    });
                }
                sheet.next_col = last_col.saturating_add(1);
                self.cell = Some(CellBuild {
                    row,
                    col,
                    formula: xml::attribute(e, "Formula"),
                    ..CellBuild::default()
                });
            }
            "Data" => {
                if let Some(cell) = &mut self.cell {
                    cell.kind = xml::attribute(e, "Type");
                    cell.data.get_or_insert_with(String::new);
                    if !empty {
                        self.inside = In::Data;
                    }
                }
            }
            // A comment's text (its own `Data`) and phonetic guides are not the cell's value.
            "Comment" | "PhoneticText" => return !empty,
            "WorksheetOptions" => self.in_options = !empty,
            "Visible" if self.in_options && !empty => {
                self.visible.clear();
                self.inside = In::Visible;
            }
            _ => {}
        }
        false
    }

    fn close(&mut self, local: &str) {
        match local {
            "Worksheet" => self.finish_sheet(),
            "Row" => {
                if let Some(sheet) = &mut self.sheet
                    && let Some(row) = sheet.row.take()
                {
                    sheet.next_row = row
                        .saturating_add(1)
                        .saturating_add(sheet.row_span)
                        .min(MAX_ROWS);
                }
            }
            "Cell" => self.finish_cell(),
            "Data" if self.inside == In::Data => self.inside = In::Elsewhere,
            "WorksheetOptions" => self.in_options = false,
            "Visible" if self.inside == In::Visible => {
                self.inside = In::Elsewhere;
                let value = self.visible.trim();
                if (value.eq_ignore_ascii_case("SheetHidden")
                    || value.eq_ignore_ascii_case("SheetVeryHidden"))
                    && let Some(sheet) = &mut self.sheet
                {
                    sheet.hidden = true;
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        match self.inside {
            In::Data => {
                if let Some(data) = self.cell.as_mut().and_then(|c| c.data.as_mut()) {
                    data.push_str(text);
                }
            }
            In::Visible => self.visible.push_str(text),
            In::Elsewhere => {}
        }
    }

    fn finish_cell(&mut self) {
        let (Some(cell), Some(sheet)) = (self.cell.take(), &mut self.sheet) else {
            return;
        };
        self.inside = In::Elsewhere;
        if sheet.over {
            return;
        }
        let value = match (cell.data, cell.formula) {
            (Some(data), _) => value(cell.kind.as_deref(), data),
            (None, Some(formula)) => CellValue::Formula(formula),
            (None, None) => return,
        };
        if cell.row >= MAX_ROWS || cell.col >= MAX_COLUMNS {
            sheet.over = !value.is_empty();
            return;
        }
        if sheet
            .budget
            .set(&mut sheet.grid, cell.row, cell.col, value)
            .is_err()
        {
            sheet.over = true;
        }
    }

    fn finish_sheet(&mut self) {
        self.cell = None;
        self.inside = In::Elsewhere;
        self.in_options = false;
        let Some(mut sheet) = self.sheet.take() else {
            return;
        };
        let name = sheet.grid.sheet.clone();
        if sheet.hidden {
            self.content.skipped_sheets.push(hidden(&name));
        } else if sheet.over {
            self.content
                .skipped_sheets
                .push(too_many_cells(&name, &self.limits));
        } else {
            sheet.grid.merges = Some(sheet.merges);
            self.content.grids.push(sheet.grid);
        }
    }
}

/// A cell's value by its `ss:Type`.
fn value(kind: Option<&str>, data: String) -> CellValue {
    let kind = kind.unwrap_or("String");
    if kind.eq_ignore_ascii_case("Number") {
        match data.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => CellValue::Number(n),
            _ => CellValue::Text(data.into()),
        }
    } else if kind.eq_ignore_ascii_case("DateTime") {
        CellValue::Text(date_text(&data).into())
    } else if kind.eq_ignore_ascii_case("Boolean") {
        match data.trim() {
            "1" => CellValue::Text("TRUE".into()),
            "0" => CellValue::Text("FALSE".into()),
            other if other.eq_ignore_ascii_case("true") => CellValue::Text("TRUE".into()),
            other if other.eq_ignore_ascii_case("false") => CellValue::Text("FALSE".into()),
            _ => CellValue::Text(data.into()),
        }
    } else if kind.eq_ignore_ascii_case("Error") {
        CellValue::Error(data.trim().to_string())
    } else {
        CellValue::Text(data.into())
    }
}

/// "2024-03-01T00:00:00.000" as the user sees it (2024-03-01), as the other readers give dates;
/// with its time where it has one.
fn date_text(data: &str) -> String {
    let data = data.trim();
    let Some((date, time)) = data.split_once('T') else {
        return data.to_string();
    };
    let time = time.split('.').next().unwrap_or("");
    if time.is_empty() || time == "00:00:00" {
        date.to_string()
    } else {
        format!("{date} {time}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workbook(worksheets: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles><Style ss:ID="s1"><Font ss:Bold="1"/></Style></Styles>
{worksheets}
</Workbook>"#
        )
    }

    fn read(text: &str) -> FileContent {
        read_spreadsheetml(text.as_bytes(), &Limits::default()).expect("readable")
    }

    fn merge(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> Merge {
        Merge {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }

    #[test]
    fn cells_fall_where_their_indices_and_merges_put_them() {
        let text = workbook(
            r#"<Worksheet ss:Name="项目">
  <Table ss:ExpandedColumnCount="99999999" ss:ExpandedRowCount="99999999">
   <Row><Cell ss:MergeAcross="2" ss:StyleID="s1"><Data ss:Type="String">市某局2024年项目绩效目标表</Data></Cell></Row>
   <Row ss:Index="3"><Cell><Data ss:Type="String">序号</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">预算金额</Data></Cell><Cell><Data ss:Type="String">指标名称</Data></Cell></Row>
   <Row><Cell ss:MergeDown="1"><Data ss:Type="Number">1</Data></Cell><Cell ss:MergeAcross="1"><Data ss:Type="Number">120.5</Data></Cell><Cell><Data ss:Type="String">数量</Data></Cell></Row>
   <Row ss:Span="1"/>
   <Row><Cell ss:Index="4"><Data ss:Type="String">after span</Data></Cell></Row>
  </Table>
 </Worksheet>"#,
        );
        let content = read(&text);
        let grid = &content.grids[0];
        assert_eq!(grid.sheet, "项目");
        assert_eq!(grid.text(0, 0), "市某局2024年项目绩效目标表");
        assert!(grid.row_is_empty(1));
        assert_eq!(grid.text(2, 0), "序号");
        assert_eq!(grid.text(2, 2), "预算金额");
        assert_eq!(grid.text(2, 3), "指标名称");
        assert_eq!(grid.get(3, 0), &CellValue::Number(1.0));
        assert_eq!(grid.get(3, 1), &CellValue::Number(120.5));
        // After a cell merged across two columns, the next one is in the third.
        assert_eq!(grid.text(3, 3), "数量");
        // `<Row ss:Span="1"/>` stands for rows 5 and 6.
        assert_eq!(grid.text(6, 3), "after span");
        assert_eq!(
            grid.merges.as_deref(),
            Some(&[merge(0, 0, 0, 2), merge(3, 0, 4, 0), merge(3, 1, 3, 2)][..])
        );
    }

    #[test]
    fn values_by_type_formulas_errors_and_rich_text() {
        let text = workbook(
            r##"<ss:Worksheet ss:Name="值"><ss:Table>
   <ss:Row>
    <ss:Cell><ss:Data ss:Type="DateTime">2024-03-01T00:00:00.000</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="DateTime">2024-03-01T08:30:00.000</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Boolean">1</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Error">#REF!</ss:Data></ss:Cell>
    <ss:Cell ss:Formula="=SUM(R[1]C:R[2]C)"><ss:Data ss:Type="Number">30</ss:Data></ss:Cell>
    <ss:Cell ss:Formula="=R[1]C&amp;&quot;x&quot;"/>
    <ss:Cell ss:Formula="=1/0"><ss:Data ss:Type="Error">#DIV/0!</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>一、</B><Font html:Color="#FF0000">财政拨款</Font>&#10;100</ss:Data><Comment ss:Author="审核"><ss:Data><B>不是值</B></ss:Data></Comment></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Number">1.5E+3</ss:Data></ss:Cell>
    <ss:Cell><ss:Data ss:Type="Number">约100</ss:Data></ss:Cell>
   </ss:Row>
  </ss:Table></ss:Worksheet>"##,
        );
        let content = read(&text);
        let grid = &content.grids[0];
        assert_eq!(grid.text(0, 0), "2024-03-01");
        assert_eq!(grid.text(0, 1), "2024-03-01 08:30:00");
        assert_eq!(grid.text(0, 2), "TRUE");
        assert_eq!(grid.get(0, 3), &CellValue::Error("#REF!".into()));
        assert_eq!(grid.get(0, 4), &CellValue::Number(30.0));
        assert_eq!(grid.get(0, 5), &CellValue::Formula("=R[1]C&\"x\"".into()));
        assert_eq!(grid.get(0, 6), &CellValue::Error("#DIV/0!".into()));
        assert_eq!(grid.text(0, 7), "一、财政拨款\n100");
        assert_eq!(grid.get(0, 8), &CellValue::Number(1500.0));
        assert_eq!(grid.text(0, 9), "约100");
    }

    #[test]
    fn every_worksheet_is_a_sheet_and_hidden_ones_are_skipped() {
        let text = workbook(
            r#"<Worksheet ss:Name="填报说明"><Table><Row><Cell><Data ss:Type="String">说明</Data></Cell></Row></Table></Worksheet>
 <Worksheet ss:Name="下拉"><Table><Row><Cell><Data ss:Type="String">产出指标</Data></Cell></Row></Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions></Worksheet>
 <Worksheet ss:Name="很隐藏"><WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetVeryHidden</Visible></WorksheetOptions></Worksheet>
 <Worksheet ss:Name="空"/>
 <Worksheet ss:Name="项目2"><Table><Row><Cell><Data ss:Type="String">甲</Data></Cell></Row></Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Selected/></WorksheetOptions></Worksheet>"#,
        );
        let content = read(&text);
        let names: Vec<&str> = content.grids.iter().map(|g| g.sheet.as_str()).collect();
        assert_eq!(names, vec!["填报说明", "空", "项目2"]);
        let skipped: Vec<(&str, crate::finding::Code)> = content
            .skipped_sheets
            .iter()
            .map(|s| (s.sheet.as_str(), s.code))
            .collect();
        use crate::finding::Code;
        assert_eq!(
            skipped,
            vec![("下拉", Code::HiddenSheet), ("很隐藏", Code::HiddenSheet)]
        );
        assert_eq!(content.grids[2].text(0, 0), "甲");
    }

    #[test]
    fn gbk_declared_workbooks_are_decoded() {
        let text = workbook(
            r#"<Worksheet ss:Name="绩效目标"><Table><Row><Cell><Data ss:Type="String">项目名称</Data></Cell></Row></Table></Worksheet>"#,
        )
        .replace(r#"<?xml version="1.0"?>"#, r#"<?xml version="1.0" encoding="GB2312"?>"#);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        assert!(std::str::from_utf8(&gbk).is_err());
        let content = read_spreadsheetml(&gbk, &Limits::default()).expect("readable");
        assert_eq!(content.grids[0].sheet, "绩效目标");
        assert_eq!(content.grids[0].text(0, 0), "项目名称");
    }

    #[test]
    fn hostile_indices_and_spans_are_clamped() {
        let text = workbook(
            r#"<Worksheet ss:Name="s"><Table>
  <Row ss:Index="4294967295999"><Cell ss:Index="99999999" ss:MergeAcross="99999999" ss:MergeDown="99999999"><Data ss:Type="String">far</Data></Cell></Row>
  <Row ss:Index="1"><Cell ss:MergeAcross="4294967295" ss:MergeDown="4"><Data ss:Type="String">wide</Data></Cell></Row>
 </Table></Worksheet>"#,
        );
        let content = read(&text);
        let grid = &content.grids[0];
        // The far cell lands on the last cell of the sheet, and its merge stops there.
        assert_eq!(grid.text(MAX_ROWS - 1, MAX_COLUMNS - 1), "far");
        assert_eq!(grid.text(0, 0), "wide");
        assert_eq!(
            grid.merges.as_deref(),
            Some(&[merge(0, 0, 4, MAX_COLUMNS - 1)][..])
        );
        // A cell after one that reaches the last column, or rows after a span past the last
        // row, are more than a sheet holds: those sheets are refused, the others read.
        let text = workbook(
            r#"<Worksheet ss:Name="s"><Table><Row><Cell ss:MergeAcross="4294967295"><Data ss:Type="String">wide</Data></Cell><Cell><Data ss:Type="String">past the end</Data></Cell></Row></Table></Worksheet>
 <Worksheet ss:Name="t"><Table><Row ss:Span="99999999"/><Row><Cell><Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet>
 <Worksheet ss:Name="u"><Table><Row ss:Span="99999999"/></Table></Worksheet>"#,
        );
        let content = read(&text);
        let skipped: Vec<(&str, crate::finding::Code)> = content
            .skipped_sheets
            .iter()
            .map(|s| (s.sheet.as_str(), s.code))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("s", crate::finding::Code::SheetTooLarge),
                ("t", crate::finding::Code::SheetTooLarge)
            ]
        );
        assert_eq!(content.grids.len(), 1);
        assert_eq!(content.grids[0].row_count(), 0);
    }

    #[test]
    fn the_cell_cap_skips_a_sheet_and_reads_the_rest() {
        let cells = r#"<Cell><Data ss:Type="String">x</Data></Cell>"#.repeat(30);
        let text = workbook(&format!(
            r#"<Worksheet ss:Name="大"><Table><Row>{cells}</Row></Table></Worksheet><Worksheet ss:Name="小"><Table><Row><Cell><Data ss:Type="String">y</Data></Cell></Row></Table></Worksheet>"#
        ));
        let limits = Limits {
            max_cells: 20,
            ..Limits::default()
        };
        let content = read_spreadsheetml(text.as_bytes(), &limits).expect("readable");
        assert_eq!(content.grids.len(), 1);
        assert_eq!(content.grids[0].sheet, "小");
        assert_eq!(content.skipped_sheets[0].sheet, "大");
        assert_eq!(
            content.skipped_sheets[0].code,
            crate::finding::Code::SheetTooLarge
        );
    }

    #[test]
    fn entities_are_not_expanded_and_broken_files_fail() {
        let bomb = workbook(
            r#"<Worksheet ss:Name="s"><Table><Row><Cell><Data ss:Type="String">a&lol9;b</Data></Cell></Row></Table></Worksheet>"#,
        )
        .replace(
            "<?xml version=\"1.0\"?>",
            r#"<?xml version="1.0"?><!DOCTYPE Workbook [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>"#,
        );
        let content = read(&bomb);
        assert_eq!(content.grids[0].text(0, 0), "ab");

        let whole = workbook(
            r#"<Worksheet ss:Name="s"><Table><Row><Cell><Data ss:Type="String">a</Data></Cell></Row>"#,
        );
        let cut = &whole[..whole.rfind("</Workbook>").expect("end")];
        let err = read_spreadsheetml(cut.as_bytes(), &Limits::default()).expect_err("truncated");
        assert!(err.to_string().contains("truncated"), "{err}");
        assert!(err.to_string().contains("SpreadsheetML"), "{err}");
        let bad = workbook("<Worksheet><Table></Row></Table></Worksheet>");
        let err = read_spreadsheetml(bad.as_bytes(), &Limits::default()).expect_err("malformed");
        assert!(err.to_string().contains("malformed"), "{err}");
        let deep = workbook(&format!("{}{}", "<x>".repeat(5_000), "</x>".repeat(5_000)));
        let err = read_spreadsheetml(deep.as_bytes(), &Limits::default()).expect_err("deep");
        assert!(err.to_string().contains("nested"), "{err}");
    }
}
