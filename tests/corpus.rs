//! The benchmark's corpus read back: every figure jixiao reports for the generated workbooks
//! equals what the generator wrote. This keeps the benchmark honest (it measures a run that
//! gets the answer right) and tests the whole read path on the seed's quirks at volume.

#[path = "../examples/support/corpus.rs"]
mod corpus;

use corpus::{GenDepartment, GenIndicator, Target};
use jixiao::model::{Department, Indicator};

const FILES: usize = 60;

/// What jixiao should make of an operator as the generator writes it.
fn expected_op(written: &str) -> &'static str {
    match written {
        "≧" | "≥" | ">=" | "＞＝" => "≥",
        "≦" | "≤" | "<=" => "≤",
        "=" | "＝" => "=",
        ">" => ">",
        other => panic!("the generator wrote an operator this test does not know: {other}"),
    }
}

/// Parses a number the way a person typed it: trimmed, full-width digits folded.
fn number_text(text: &str) -> Option<f64> {
    let folded: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | '．' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect();
    folded.parse().ok()
}

fn assert_indicator(got: &Indicator, want: &GenIndicator, at: &str) {
    assert_eq!(got.name, want.name, "{at}");
    let numeric = match &want.target {
        Target::Number(v) => Some(*v),
        Target::Text(t) => number_text(t),
    };
    match (&want.target, numeric) {
        (_, Some(v)) => {
            assert_eq!(got.op, expected_op(&want.op), "{at}: operator");
            assert_eq!(got.value, Some(v), "{at}: value");
            let unit = match want.unit.as_str() {
                "比例" => "%",
                "次数" => "次",
                u => u,
            };
            assert_eq!(got.unit, unit, "{at}: unit");
        }
        (Target::Text(t), None) if t == "10G" => {
            assert_eq!(got.value, Some(10.0), "{at}: 10G");
            assert_eq!(got.unit, "GB/月", "{at}: 10G + 月");
        }
        (Target::Text(t), None) => {
            assert_eq!(got.op, "定性", "{at}: qualitative");
            assert_eq!(got.text, *t, "{at}");
            assert_eq!(got.value, None, "{at}");
        }
        (Target::Number(_), None) => unreachable!("a number target is always numeric"),
    }
    assert_eq!(got.raw.op, want.op, "{at}: the operator as written stays");
}

fn assert_department(got: &Department, want: &GenDepartment) {
    assert_eq!(got.about.name, want.name);
    assert!(
        got.about.file.ends_with(&want.file_name),
        "{}",
        got.about.file
    );
    assert_eq!(got.projects.len(), want.projects.len(), "{}", want.name);
    assert_eq!(
        got.about.declared.project_count,
        Some(want.declared_count as u32),
        "{}",
        want.name
    );
    assert_eq!(got.about.declared.sum_row_wan, Some(want.budget_total()[0]));
    for (p, wp) in got.projects.iter().zip(&want.projects) {
        let at = format!("{} / {}", want.name, wp.name);
        assert_eq!(p.name, wp.name, "{at}");
        assert_eq!(
            [p.budget_wan, p.own_wan, p.transfer_wan],
            wp.amounts.map(Some),
            "{at}: amounts"
        );
        // Deliberate duplicate rows collapse into one with copies = 2.
        let mut distinct: Vec<(&GenIndicator, u32)> = Vec::new();
        for i in &wp.indicators {
            match distinct.last_mut() {
                Some((last, n)) if *last == i => *n += 1,
                _ => distinct.push((i, 1)),
            }
        }
        assert_eq!(p.indicators.len(), distinct.len(), "{at}: indicator rows");
        for (g, (w, copies)) in p.indicators.iter().zip(&distinct) {
            assert_indicator(g, w, &at);
            assert_eq!(g.copies, *copies, "{at}: {}", w.name);
        }
    }
    // Rows that lost their project are kept, unassigned, with the project they followed.
    assert_eq!(got.unassigned.len(), want.lost.len(), "{}", want.name);
    for (u, (after, _, wi)) in got.unassigned.iter().zip(&want.lost) {
        assert_indicator(&u.indicator, wi, &format!("{} (未归属)", want.name));
        assert_eq!(
            u.after_project.as_deref(),
            Some(want.projects[*after].name.as_str())
        );
    }
}

#[test]
fn the_generated_corpus_reads_back_as_generated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stats = corpus::generate(dir.path(), FILES, &|_| {}).expect("corpus");
    assert_eq!(stats.files, FILES);

    let rules = jixiao::load_rules(None).expect("rules");
    let options = jixiao::ConsolidateOptions::new(
        vec![dir.path().display().to_string()],
        dir.path().join("summary.xlsx"),
    );
    let summary = jixiao::build_summary(&options, &rules, &|_| {}).expect("summary");

    let want: Vec<GenDepartment> = (0..FILES).map(corpus::department).collect();
    assert_eq!(summary.departments.len(), FILES, "one department per file");
    for (got, want) in summary.departments.iter().zip(&want) {
        assert_department(&got, want);
    }

    let t = &summary.totals;
    assert_eq!(t.files_ok, FILES);
    assert_eq!(
        t.projects,
        want.iter().map(|d| d.projects.len()).sum::<usize>()
    );
    let rows: usize = want.iter().map(GenDepartment::rows).sum();
    assert_eq!(
        t.indicators + t.duplicates_collapsed,
        rows,
        "every row kept"
    );
    assert_eq!(
        t.unassigned,
        want.iter().map(|d| d.lost.len()).sum::<usize>()
    );
    let budget: f64 = want.iter().map(|d| d.budget_total()[0]).sum();
    assert!((t.budget_wan - budget).abs() < 0.005, "{}", t.budget_wan);
    assert_eq!(t.findings.error, 0, "the corpus has no error-level fault");
    // Each of the corpus's quirks is reported where it is.
    let count = |code: &str| {
        summary
            .findings
            .iter()
            .filter(|f| f.code.as_str() == code)
            .count()
    };
    assert_eq!(count("shifted_row"), t.unassigned);
    assert_eq!(count("duplicate_department"), 0);
    assert_eq!(
        count("declared_count_mismatch"),
        want.iter()
            .filter(|d| d.declared_count != d.projects.len())
            .count()
    );
}

#[test]
fn the_corpus_is_deterministic_and_prefix_stable() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    corpus::generate(a.path(), 3, &|_| {}).expect("corpus");
    corpus::generate(b.path(), 5, &|_| {}).expect("corpus");
    for i in 0..3 {
        let name = corpus::file_name(i);
        let x = std::fs::read(a.path().join(&name)).expect("read");
        let y = std::fs::read(b.path().join(&name)).expect("read");
        assert!(
            x == y,
            "{name} differs between a 3-file and a 5-file corpus"
        );
    }
    let names: std::collections::BTreeSet<String> =
        (0..24_576).map(corpus::department_name).collect();
    assert_eq!(names.len(), 24_576, "department names are distinct");
}
