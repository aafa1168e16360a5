//! Property tests (proptest, a fixed number of cases so CI time is bounded): the value parsers
//! and the table reader never panic on any input, every row below the header is accounted for,
//! and normalizing a normalized indicator changes nothing.

use jixiao::grid::{CellValue, Grid, Merge};
use jixiao::model::NameSource;
use jixiao::rules::Rules;
use jixiao::{
    Located, Origin, RawIndicator, detect, extract, fold, normalize, normalize_indicator,
    parse_number, split_leading_number,
};
use proptest::prelude::*;

/// Cells that matter to the reader, plus arbitrary text now and then.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "", "", "", "1", "2", "12", "合计", "甲项目", "满意度", "受益人员满意度", "≧", "≦", "=",
            ">", "＞＝", "95", "10G", "明显", "%", "比例", "次数", "1,709.50", "１２", "-5", "元",
            "2024年,某局部门全面公开预算项目支出绩效目标,其中,本级部门预算项目3个,预算金额20万元",
            "说明:另行报送", "#REF!",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[0-9.,%GＧ个次]{1,6}",
    ]
}

fn raw_indicator(name: &str, op: &str, target: &str, unit: &str) -> RawIndicator {
    let at = |col: u32, text: &str| Located {
        value: CellValue::Text(text.into()),
        row: 9,
        col,
    };
    RawIndicator {
        row: 9,
        name: at(7, name),
        op: Some(at(8, op)),
        target: at(9, target),
        unit: Some(at(10, unit)),
        level1: None,
        level2: None,
        extra: None,
    }
}

const HEADER: [&str; 11] = [
    "序号",
    "项目名称",
    "项目概况",
    "预算金额(万元)",
    "本级支出(万元)",
    "转移支付支出(万元)",
    "年度绩效目标",
    "核心绩效指标",
    "",
    "",
    "",
];
const SUB_HEADER: [&str; 11] = [
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "指标名称",
    "运算符",
    "年度目标值",
    "单位",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn value_parsers_never_panic(s in any::<String>()) {
        let folded = fold(&s);
        let _ = parse_number(&s);
        if let Some((number, rest)) = split_leading_number(&folded) {
            prop_assert_eq!(format!("{number}{rest}"), folded.clone());
        }
        if let Some(v) = parse_number(&s) {
            prop_assert!(v.is_finite());
        }
    }

    #[test]
    fn normalizing_twice_changes_nothing(
        name in cell(), op in cell(), target in cell(), unit in cell()
    ) {
        let rules = Rules::builtin().expect("rules");
        let once = normalize_indicator(&raw_indicator(&name, &op, &target, &unit), &rules, &mut Vec::new());
        let twice = normalize_indicator(
            &raw_indicator(&once.name, &once.op, &once.text, &once.unit), &rules, &mut Vec::new(),
        );
        prop_assert_eq!(&twice.op, &once.op);
        prop_assert_eq!(twice.value, once.value);
        prop_assert_eq!(&twice.text, &once.text);
        prop_assert_eq!(&twice.unit, &once.unit);
    }

    #[test]
    fn every_row_below_the_header_is_accounted_for(
        rows in prop::collection::vec(prop::collection::vec(cell(), 0..12), 0..25),
        merge_spans in prop::collection::vec((0u32..25, 1u32..4), 0..4),
        preamble in prop::collection::vec(cell(), 0..3),
    ) {
        let rules = Rules::builtin().expect("rules");
        let mut grid = Grid::new("S");
        let top = preamble.len() as u32;
        for (r, text) in preamble.iter().enumerate() {
            grid.set(r as u32, 0, CellValue::Text(text.as_str().into()));
        }
        for (c, h) in HEADER.iter().enumerate() {
            grid.set(top, c as u32, CellValue::Text((*h).into()));
        }
        for (c, h) in SUB_HEADER.iter().enumerate() {
            grid.set(top + 1, c as u32, CellValue::Text((*h).into()));
        }
        let first_data = top + 2;
        for (r, cells) in rows.iter().enumerate() {
            for (c, text) in cells.iter().enumerate() {
                let value = match parse_number(text) {
                    Some(n) if c % 3 == 0 => CellValue::Number(n),
                    _ if text.starts_with('#') => CellValue::Error(text.clone()),
                    _ => CellValue::Text(text.as_str().into()),
                };
                grid.set(first_data + r as u32, c as u32, value);
            }
        }
        if !merge_spans.is_empty() {
            grid.merges = Some(merge_spans.iter().map(|&(start, len)| Merge {
                first_row: first_data + start,
                first_col: 1,
                last_row: first_data + start + len,
                last_col: 1,
            }).collect());
        }

        let layout = detect(&grid, &rules);
        prop_assume!(layout.is_some());
        let layout = layout.expect("layout");
        let raw = extract(&grid, &layout, &rules);
        let origin = Origin { file: "f", fallback_department: "d", fallback_source: NameSource::FileName };
        let (dept, _) = normalize(&raw, &origin, &rules);
        let _ = jixiao::check(&dept, &rules);

        for row in layout.header_last_row + 1..grid.row_count() {
            if grid.row_is_empty(row) {
                continue;
            }
            let accounted = raw.projects.iter().any(|p| (p.first_row..=p.last_row).contains(&row))
                || raw.lost_rows.iter().any(|l| l.indicator.row == row)
                || raw.other_rows.iter().any(|o| o.row == row)
                || raw.sum_row.as_ref().is_some_and(|s| s.row == row)
                || raw.footnote_rows.contains(&row);
            prop_assert!(accounted, "row {} not accounted for", row + 1);
        }
        // Every indicator row read is kept or counted as a collapsed copy.
        let read: usize = raw.projects.iter().map(|p| p.indicators.len()).sum::<usize>() + raw.lost_rows.len();
        let kept: u32 = dept.projects.iter().flat_map(|p| &p.indicators).map(|i| i.copies).sum::<u32>()
            + dept.unassigned.iter().map(|u| u.indicator.copies).sum::<u32>();
        prop_assert_eq!(read, kept as usize);
    }
}
