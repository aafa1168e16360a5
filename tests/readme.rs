//! The README documents every finding code with its severity and meaning, exactly as the code
//! defines them, and its quick-start commands are the ones CI runs.

use jixiao::finding::Code;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

#[test]
fn every_finding_code_is_documented_as_defined() {
    let readme = readme();
    let documented: Vec<(String, String, String)> = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells.len() == 3).then(|| {
                (
                    cells[0].trim_matches('`').to_string(),
                    cells[1].to_string(),
                    cells[2].to_string(),
                )
            })
        })
        .collect();
    let defined: Vec<(String, String, String)> = Code::ALL
        .iter()
        .map(|c| {
            (
                c.as_str().to_string(),
                c.severity().as_str().to_string(),
                c.meaning().to_string(),
            )
        })
        .collect();
    assert_eq!(documented, defined);
}

#[test]
fn quick_start_commands_are_the_ci_ones() {
    let readme = readme();
    assert!(readme.contains("cargo run --release -- consolidate examples/ -o summary.xlsx"));
    assert!(readme.contains("\ncargo test\n"));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect("ci");
    assert!(ci.contains("cargo test --locked"));
    assert!(ci.contains("consolidate examples/"));
}

#[test]
fn every_finding_code_has_an_example() {
    let readme = readme();
    let start = readme
        .find("### An example of each finding")
        .expect("examples section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |e| e + 4)];
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !section.contains(&format!("| `{c}` |")))
        .collect();
    assert!(missing.is_empty(), "no example for {missing:?}");
}

#[test]
fn the_report_schema_lists_every_finding_code() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/report.schema.json"
    ))
    .expect("docs/report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    let listed: Vec<&str> = schema["properties"]["findings"]["items"]["properties"]["code"]["enum"]
        .as_array()
        .expect("an enum of codes")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    let defined: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, defined);
}
