//! Writes a deterministic corpus of N departmental workbooks in the seed layout (merged project
//! cells, ≧/≦ operators, 比例/次数 units, "10G"+月, 明显, duplicate rows, numbers stored as
//! text, rows that lost their project), to reproduce the benchmark figures in README.md.
//!
//!     cargo run --release --example gen_corpus -- 2000 target/bench/corpus-2000
//!
//! Department i depends only on i: the same N gives the same files, byte for byte, and the
//! first N files of a larger corpus are the N-file corpus.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gen_corpus <N> <DIR>";
    let files: usize = args.next().ok_or(usage)?.parse()?;
    let dir = PathBuf::from(args.next().ok_or(usage)?);
    let done = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let stats = corpus::generate(&dir, files, &|_| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(1000) {
            eprintln!("gen_corpus: {n}/{files}");
        }
    })?;
    println!(
        "gen_corpus: {} files, {} indicator rows, {:.1} MB in {} ({:.1} s)",
        stats.files,
        stats.rows,
        stats.bytes as f64 / 1e6,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
