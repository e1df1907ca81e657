//! Nothing unbounded: when the trace's reader stalls, the program waits
//! for the trace instead of unotify-tui's memory growing, and nothing is
//! dropped once the reader reads again.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{BIN, PROG};

/// Peak resident memory of process `pid`, in kB.
fn vm_hwm(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_stalled_trace_reader_slows_the_program_and_memory_stays_flat() {
    const CALLS: usize = 300_000;
    let dir = common::tempdir();
    let log = dir.path().join("log.jsonl");
    // The trace goes to stderr, a pipe this test does not read at first.
    let mut child = Command::new(BIN)
        .args([
            "--headless",
            "--trap",
            "getppid",
            "--default-action",
            "allow",
            "--log",
        ])
        .arg(&log)
        .args(["--", &PROG, "getppid", &CALLS.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let stalled_peak = vm_hwm(child.id());
    let log_lines_while_stalled = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .count();
    // Now read the trace to the end: everything must come.
    let mut trace = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut trace)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(
        stalled_peak < 100 * 1024,
        "peak RSS {stalled_peak} kB with the reader stalled"
    );
    assert!(
        log_lines_while_stalled < CALLS,
        "the program was held back while the trace could not be written"
    );
    let traced = trace.lines().filter(|l| l.contains("] getppid(")).count();
    assert_eq!(traced, CALLS, "every call is in the trace");
    let logged = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(logged, CALLS, "every call is in the log");
}
