//! Figures the examples print about their own process, from Linux's /proc. Shared by
//! `examples/bench.rs` and `examples/split_workbook.rs` (included with `#[path]`).

#![allow(dead_code)]

/// A figure in kB from a /proc file of `key: value kB` lines, such as `VmHWM` (peak resident
/// memory) in /proc/self/status or `MemTotal` in /proc/meminfo; None where there is none.
pub fn kb(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// This process's peak resident memory (VmHWM), in kB; 0 where /proc does not tell.
pub fn peak_kb() -> u64 {
    kb("/proc/self/status", "VmHWM").unwrap_or(0)
}
