//! The JSON report of `examples/` pinned byte for byte: its keys, their order and their values
//! are the contract scheduled jobs read, so none may move by accident. A change that means to
//! change the report rewrites the pinned copy with `JIXIAO_BLESS=1 cargo test --test golden`
//! and shows the difference in its diff.

mod common;

use std::path::Path;

use common::*;

const GOLDEN: &str = "tests/fixtures/examples-summary.json";

#[test]
fn the_examples_report_is_as_pinned() {
    let wd = Workdir::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = wd.path("summary.xlsx");
    // Run from the repository's root with a relative INPUT, as the README's quick start does,
    // so the paths in the report are the same on every machine.
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["consolidate", "examples", "-o"])
        .arg(&out)
        .args(["--quiet", "--fail-on", "never"])
        .current_dir(root)
        .status()
        .expect("run jixiao");
    assert_eq!(status.code(), Some(0));
    let written = std::fs::read_to_string(wd.path("summary.json")).expect("report");
    let golden = root.join(GOLDEN);
    if std::env::var_os("JIXIAO_BLESS").is_some() {
        std::fs::write(&golden, &written).expect("bless");
    }
    let pinned = std::fs::read_to_string(&golden).expect("the pinned report");
    if written != pinned {
        // Name the first difference rather than printing two 100 KB lines.
        let at = written
            .bytes()
            .zip(pinned.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(written.len().min(pinned.len()));
        let from = at.saturating_sub(80);
        let show = |s: &str| {
            String::from_utf8_lossy(&s.as_bytes()[from..(at + 80).min(s.len())]).into_owned()
        };
        panic!(
            "the report of examples/ differs from {GOLDEN} at byte {at}:\n  written: …{}…\n  pinned:  …{}…\n(JIXIAO_BLESS=1 rewrites the pinned copy when the change is meant)",
            show(&written),
            show(&pinned)
        );
    }
}
