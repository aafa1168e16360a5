//! Departments kept compact between reading and writing. A provincial run holds tens of
//! thousands of departments and millions of indicators; as objects they cost about 600 bytes an
//! indicator (2 GB at 20,000 files). Each department is therefore packed as soon as its file is
//! read — postcard-encoded, then LZ4-compressed, about 60 bytes an indicator — and unpacked one
//! at a time by whoever needs the whole of it (the workbook's sheets, the report). What the
//! consolidation needs about every department without unpacking it is kept beside it as a
//! [`Head`]. The pack is the model itself: nothing is moved aside for it.

use compact_str::CompactString;

use crate::model::{About, Department};
use crate::sheets::Survey;

/// What is known of a department without unpacking it: what its table says about it, and the
/// figures consolidation and the summary's sheets need of its rows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Head {
    pub about: About,
    /// The projects' names, in order: two files of one department are the same table only if
    /// they name a project alike.
    pub project_names: Vec<String>,
    pub figures: Figures,
    /// What the summary's sheets need to know of it before writing any.
    pub survey: Survey,
}

/// A department's figures, counted once when it is packed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    /// Whether it was read from forms (申报表, a 部门整体 table) rather than a row table.
    pub from_forms: bool,
    /// The budget of its 部门整体 table, and how many indicators that holds.
    pub overall_budget: Option<f64>,
    pub overall_indicators: usize,
    pub indicators: usize,
    pub unassigned: usize,
    pub duplicates_collapsed: usize,
    /// The sums of the projects' 预算金额, 本级支出 and 转移支付支出 (万元).
    pub budget_sums: [f64; 3],
    /// Whether any project splits its budget into 本级支出 and 转移支付支出: where none does,
    /// 合计 leaves those blank rather than show 0.00.
    pub split: bool,
    /// How many indicators each 一级 category holds, by category, in name order.
    pub level1_counts: Vec<(CompactString, usize)>,
}

impl Head {
    pub fn projects(&self) -> usize {
        self.project_names.len()
    }

    /// How many indicators fall in a 一级 category.
    pub fn level1_count(&self, category: &str) -> usize {
        let counts = &self.figures.level1_counts;
        counts
            .binary_search_by(|(c, _)| c.as_str().cmp(category))
            .map_or(0, |i| counts[i].1)
    }
}

fn level1_counts(department: &Department) -> Vec<(CompactString, usize)> {
    let mut counts: std::collections::BTreeMap<&CompactString, usize> = Default::default();
    for (_, i) in department.indicators() {
        if let Some(level1) = &i.level1 {
            *counts.entry(level1).or_default() += 1;
        }
    }
    counts.into_iter().map(|(c, n)| (c.clone(), n)).collect()
}

/// One department, packed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredDepartment {
    pub head: Head,
    packed: Box<[u8]>,
}

impl StoredDepartment {
    /// Packs a department, surveying it for the summary while it is in hand.
    pub fn new(department: Department) -> StoredDepartment {
        let head = Head {
            about: department.about.clone(),
            project_names: department.projects.iter().map(|p| p.name.clone()).collect(),
            figures: Figures {
                from_forms: department.overall.is_some()
                    || department.projects.iter().any(|p| p.form.is_some()),
                overall_budget: department.overall.as_ref().and_then(|o| o.budget_wan),
                overall_indicators: department
                    .overall
                    .as_ref()
                    .map_or(0, |o| o.indicators.len()),
                indicators: department.indicator_count(),
                unassigned: department.unassigned.len(),
                duplicates_collapsed: department.duplicates_collapsed(),
                budget_sums: department.budget_sums(),
                split: department
                    .projects
                    .iter()
                    .any(|p| p.own_wan.is_some() || p.transfer_wan.is_some()),
                level1_counts: level1_counts(&department),
            },
            survey: crate::sheets::survey(&department),
        };
        // Strings, numbers and sequences of known length always encode; were that ever to fail,
        // the panic is raised here, in the file's worker, which reports it as internal_error for
        // this file and goes on with the others.
        let encoded = postcard::to_stdvec(&department).expect("a department encodes");
        StoredDepartment {
            head,
            packed: lz4_flex::compress_prepend_size(&encoded).into_boxed_slice(),
        }
    }

    /// The department as it was packed.
    pub fn unpack(&self) -> Department {
        // The bytes were written by `new` in this process: failing to read them back is a bug,
        // not a property of any input.
        let encoded = lz4_flex::decompress_size_prepended(&self.packed)
            .expect("a packed department decompresses");
        postcard::from_bytes(&encoded).expect("a packed department decodes")
    }

    /// Bytes the pack takes.
    pub fn packed_len(&self) -> usize {
        self.packed.len()
    }
}

/// Every department of a run, packed, in the summary's order; whoever needs one whole (the
/// workbook's sheets, the report) unpacks it, one at a time.
#[derive(Debug, Clone, Default)]
pub struct Departments {
    items: Vec<StoredDepartment>,
}

impl Departments {
    pub fn new(items: Vec<StoredDepartment>) -> Departments {
        Departments { items }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn heads(&self) -> impl Iterator<Item = &Head> {
        self.items.iter().map(|d| &d.head)
    }

    pub fn head(&self, index: usize) -> Option<&Head> {
        self.items.get(index).map(|d| &d.head)
    }

    /// Department `index`, unpacked.
    pub fn get(&self, index: usize) -> Option<Department> {
        self.items.get(index).map(StoredDepartment::unpack)
    }

    /// Every department, unpacked one at a time.
    pub fn iter(&self) -> impl Iterator<Item = Department> + '_ {
        self.items.iter().map(StoredDepartment::unpack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::CellRef;
    use crate::model::{
        CategorySource, Declared, FieldCells, Indicator, NameSource, Project, RawValues, Unassigned,
    };

    fn cell(name: &str) -> CellRef {
        CellRef::parse(name).expect("cell name")
    }

    fn indicator(name: &str, at: &str) -> Indicator {
        Indicator {
            name: name.into(),
            op: "≥".into(),
            value: Some(95.0),
            value_to: None,
            text: "95".into(),
            unit: "%".into(),
            raw: RawValues {
                op: "≧".into(),
                value: "95".into(),
                unit: "比例".into(),
            },
            level1: Some("满意度指标".into()),
            level2: None,
            category_source: CategorySource::Inferred,
            copies: 2,
            cell: cell(at),
            copy_cells: vec![cell("H9")],
            field_cells: FieldCells {
                op: Some(cell("I7")),
                target: cell("J7"),
                unit: Some(cell("K7")),
            },
            notes: vec!["比例 → %".to_string()],
            extra: None,
        }
    }

    #[test]
    fn a_department_unpacks_as_it_was_packed() {
        let department = Department {
            about: About {
                name: "市人大办公厅".to_string(),
                name_source: NameSource::Cell(cell("A163")),
                file: "a.xlsx".to_string(),
                sheet: "表".to_string(),
                year: Some(2024),
                year_source: Some(crate::model::YearSource::FileName),
                years_found: vec![(2024, crate::model::YearSource::FileName)],
                declared: Declared {
                    project_count: Some(22),
                    footnote_total_wan: Some(1709.5),
                    sum_row_wan: Some(1709.5),
                    sum_row_own_wan: None,
                    sum_row_transfer_wan: Some(0.0),
                    count_cell: Some(cell("A163")),
                    footnote_cell: Some(cell("A163")),
                    sum_row_cells: [Some(cell("D161")), Some(cell("E161")), None],
                },
            },
            projects: vec![Project {
                seq: "1".into(),
                name: "无纸化设备租赁费".to_string(),
                overview: "概况".to_string(),
                goal: "目标".to_string(),
                budget_wan: Some(110.0),
                own_wan: Some(110.0),
                transfer_wan: None,
                cell: cell("B6"),
                budget_cell: Some(cell("D6")),
                notes: Vec::new(),
                indicators: vec![indicator("受益人员满意度", "H7"), indicator("x", "H8")],
                finding_count: 3,
                form: None,
            }],
            unassigned: vec![Unassigned {
                after_seq: Some("1".into()),
                after_project: Some("无纸化设备租赁费".to_string()),
                indicator: indicator("三类会议标准", "A56"),
            }],
            overall: None,
        };
        let stored = StoredDepartment::new(department.clone());
        assert_eq!(stored.unpack(), department);
        assert_eq!(stored.head.about, department.about);
        assert_eq!(stored.head.figures.indicators, 3);
        assert_eq!(stored.head.figures.duplicates_collapsed, 3);
        assert_eq!(stored.head.project_names, ["无纸化设备租赁费"]);
        assert_eq!(stored.head.figures.budget_sums, [110.0, 110.0, 0.0]);
        assert_eq!(stored.head.level1_count("满意度指标"), 3);
        assert_eq!(stored.head.level1_count("产出指标"), 0);
    }
}
