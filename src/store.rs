//! Departments kept compact between reading and writing. A provincial run holds tens of
//! thousands of departments and millions of indicators; as objects they cost about 600 bytes an
//! indicator (2 GB at 20,000 files). Each department is therefore packed as soon as its file is
//! read — postcard-encoded, then LZ4-compressed, about 60 bytes an indicator — and unpacked one
//! at a time by whoever needs the whole of it (the workbook's sheets, the report). What the
//! consolidation needs about every department without unpacking it is kept beside it as a
//! [`Head`].

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::model::{Declared, Department, Indicator, Project, Unassigned};

/// What is known of a department without unpacking it.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub name: String,
    /// Where the name came from (see [`Department::name_source`]).
    pub name_source: String,
    pub file: String,
    pub sheet: String,
    pub year: Option<i32>,
    /// The projects' names, in order: two files of one department are the same table only if
    /// they name a project alike.
    pub project_names: Vec<String>,
    pub indicators: usize,
    pub unassigned: usize,
    pub duplicates_collapsed: usize,
    /// The sums of the projects' 预算金额, 本级支出 and 转移支付支出 (万元).
    pub budget_sums: [f64; 3],
    pub declared: Declared,
    /// How many indicators each 一级 category holds, by category, in name order.
    pub level1_counts: Vec<(CompactString, usize)>,
    /// What the summary's sheets need to know of it before writing any (set by the pipeline).
    pub survey: crate::write::DepartmentSurvey,
}

impl Head {
    pub fn projects(&self) -> usize {
        self.project_names.len()
    }

    /// How many indicators fall in a 一级 category.
    pub fn level1_count(&self, category: &str) -> usize {
        self.level1_counts
            .binary_search_by(|(c, _)| c.as_str().cmp(category))
            .map_or(0, |i| self.level1_counts[i].1)
    }
}

fn level1_counts(department: &Department) -> Vec<(CompactString, usize)> {
    let mut counts: std::collections::BTreeMap<&CompactString, usize> = Default::default();
    for i in department
        .projects
        .iter()
        .flat_map(|p| &p.indicators)
        .chain(department.unassigned.iter().map(|u| &u.indicator))
    {
        if let Some(level1) = &i.level1 {
            *counts.entry(level1).or_default() += 1;
        }
    }
    counts.into_iter().map(|(c, n)| (c.clone(), n)).collect()
}

/// One department, packed.
#[derive(Debug, Clone)]
pub struct StoredDepartment {
    pub head: Head,
    packed: Box<[u8]>,
}

/// The cells a department's findings are placed by: the model leaves them out of the report,
/// so they travel beside it in the pack.
#[derive(Serialize, Deserialize)]
struct Cells {
    /// Per indicator (the projects' in order, then the unassigned ones): every copy's cell
    /// and the operator, target and unit cells.
    indicators: Vec<(Vec<CompactString>, [CompactString; 3])>,
    /// Per project: the 预算金额 cell.
    budgets: Vec<CompactString>,
    count_cell: String,
    footnote_cell: String,
    sum_row_cells: [String; 3],
}

/// An unassigned row, without the `flatten` that the report's layout needs and postcard cannot
/// read back.
#[derive(Serialize, Deserialize)]
struct PackedUnassigned {
    after_seq: Option<CompactString>,
    after_project: Option<String>,
    indicator: Indicator,
}

#[derive(Serialize, Deserialize)]
struct Pack {
    /// The department with no unassigned rows (they follow, in their own shape).
    department: Department,
    unassigned: Vec<PackedUnassigned>,
    cells: Cells,
}

impl StoredDepartment {
    /// Packs a department.
    pub fn new(mut department: Department) -> StoredDepartment {
        let head = Head {
            name: department.name.clone(),
            name_source: department.name_source.clone(),
            file: department.file.clone(),
            sheet: department.sheet.clone(),
            year: department.year,
            project_names: department.projects.iter().map(|p| p.name.clone()).collect(),
            indicators: department.indicator_count(),
            unassigned: department.unassigned.len(),
            duplicates_collapsed: department.duplicates_collapsed(),
            budget_sums: department.budget_sums(),
            declared: department.declared.clone(),
            level1_counts: level1_counts(&department),
            survey: Default::default(),
        };
        let indicators = department
            .projects
            .iter_mut()
            .flat_map(|p| p.indicators.iter_mut())
            .chain(department.unassigned.iter_mut().map(|u| &mut u.indicator))
            .map(|i| {
                (
                    std::mem::take(&mut i.cells),
                    std::mem::take(&mut i.field_cells),
                )
            })
            .collect();
        let budgets = department
            .projects
            .iter_mut()
            .map(|p: &mut Project| std::mem::take(&mut p.budget_cell))
            .collect();
        let declared: &mut Declared = &mut department.declared;
        let cells = Cells {
            indicators,
            budgets,
            count_cell: std::mem::take(&mut declared.count_cell),
            footnote_cell: std::mem::take(&mut declared.footnote_cell),
            sum_row_cells: std::mem::take(&mut declared.sum_row_cells),
        };
        let unassigned = std::mem::take(&mut department.unassigned)
            .into_iter()
            .map(|u| PackedUnassigned {
                after_seq: u.after_seq,
                after_project: u.after_project,
                indicator: u.indicator,
            })
            .collect();
        let pack = Pack {
            department,
            unassigned,
            cells,
        };
        // Strings, numbers and sequences of known length always encode; were that ever to fail,
        // the panic is raised here, in the file's worker, which reports it as internal_error for
        // this file and goes on with the others.
        let encoded = postcard::to_stdvec(&pack).expect("a department encodes");
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
        let pack: Pack = postcard::from_bytes(&encoded).expect("a packed department decodes");
        let Pack {
            mut department,
            unassigned,
            cells,
        } = pack;
        department.unassigned = unassigned
            .into_iter()
            .map(|u| Unassigned {
                after_seq: u.after_seq,
                after_project: u.after_project,
                indicator: u.indicator,
            })
            .collect();
        let mut indicator_cells = cells.indicators.into_iter();
        for i in department
            .projects
            .iter_mut()
            .flat_map(|p| p.indicators.iter_mut())
            .chain(department.unassigned.iter_mut().map(|u| &mut u.indicator))
        {
            if let Some((copies, fields)) = indicator_cells.next() {
                i.cells = copies;
                i.field_cells = fields;
            }
        }
        for (p, cell) in department.projects.iter_mut().zip(cells.budgets) {
            p.budget_cell = cell;
        }
        department.declared.count_cell = cells.count_cell;
        department.declared.footnote_cell = cells.footnote_cell;
        department.declared.sum_row_cells = cells.sum_row_cells;
        department
    }

    /// Bytes the pack takes.
    pub fn packed_len(&self) -> usize {
        self.packed.len()
    }
}

/// Every department of a run, packed, in the summary's order. Serialized (the report's
/// `departments`), each is unpacked in turn, so the report never holds them all.
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

impl Serialize for Departments {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CategorySource, RawValues};

    fn indicator(name: &str, cell: &str) -> Indicator {
        Indicator {
            name: name.into(),
            op: "≥".into(),
            value: Some(95.0),
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
            source: format!("表!{cell}").into(),
            notes: vec!["比例 → %".to_string()],
            cells: vec![cell.into(), "H9".into()],
            field_cells: ["I7".into(), "J7".into(), "K7".into()],
        }
    }

    #[test]
    fn a_department_unpacks_as_it_was_packed() {
        let department = Department {
            name: "市人大办公厅".to_string(),
            name_source: "表!A163".to_string(),
            file: "a.xlsx".to_string(),
            sheet: "表".to_string(),
            year: Some(2024),
            declared: Declared {
                project_count: Some(22),
                footnote_total_wan: Some(1709.5),
                sum_row_wan: Some(1709.5),
                sum_row_own_wan: None,
                sum_row_transfer_wan: Some(0.0),
                count_cell: "A163".to_string(),
                footnote_cell: "A163".to_string(),
                sum_row_cells: ["D161".to_string(), "E161".to_string(), String::new()],
            },
            projects: vec![Project {
                seq: "1".into(),
                name: "无纸化设备租赁费".to_string(),
                overview: "概况".to_string(),
                goal: "目标".to_string(),
                budget_wan: Some(110.0),
                own_wan: Some(110.0),
                transfer_wan: None,
                source: "表!B6".into(),
                budget_cell: "D6".into(),
                notes: Vec::new(),
                indicators: vec![indicator("受益人员满意度", "H7"), indicator("x", "H8")],
                finding_count: 3,
            }],
            unassigned: vec![Unassigned {
                after_seq: Some("1".into()),
                after_project: Some("无纸化设备租赁费".to_string()),
                indicator: indicator("三类会议标准", "A56"),
            }],
        };
        let stored = StoredDepartment::new(department.clone());
        assert_eq!(stored.unpack(), department);
        assert_eq!(stored.head.indicators, 3);
        assert_eq!(stored.head.project_names, ["无纸化设备租赁费"]);
        assert_eq!(stored.head.budget_sums, [110.0, 110.0, 0.0]);
        assert_eq!(stored.head.level1_count("满意度指标"), 3);
        assert_eq!(stored.head.level1_count("产出指标"), 0);
        // The report reads the same from packed departments as from the model.
        let packed = Departments::new(vec![stored]);
        assert_eq!(
            serde_json::to_string(&packed).expect("json"),
            serde_json::to_string(&vec![department]).expect("json")
        );
    }
}
