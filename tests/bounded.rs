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

/// unotify-tui headless on `calls` trapped getppid calls, every one
/// allowed, the trace on stderr: a pipe the test reads only when it wants.
fn getppid_with_trace_on_a_pipe(calls: usize, opts: &[&str]) -> std::process::Child {
    Command::new(BIN)
        .args([
            "--headless",
            "--trap",
            "getppid",
            "--default-action",
            "allow",
        ])
        .args(opts)
        .args(["--", &PROG, "getppid", &calls.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_stalled_trace_reader_slows_the_program_and_memory_stays_flat() {
    const CALLS: usize = 300_000;
    let dir = common::tempdir();
    let log = dir.path().join("log.jsonl");
    // The trace goes to stderr, a pipe this test does not read at first.
    let mut child = getppid_with_trace_on_a_pipe(CALLS, &["--log", log.to_str().unwrap()]);
    std::thread::sleep(Duration::from_secs(5));
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

/// A reader that never reads must not make unotify-tui unkillable: with
/// the trace stuck in a full pipe, SIGTERM still ends the run soon, with
/// 128+15, and the program with it.
#[test]
fn sigterm_ends_a_run_whose_trace_reader_never_reads() {
    let mut child = getppid_with_trace_on_a_pipe(100_000_000, &[]);
    // Let the pipe fill and everything block on it.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running, blocked"
    );
    let program: Vec<u32> =
        std::fs::read_to_string(format!("/proc/{}/task/{}/children", child.id(), child.id()))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
    assert_eq!(program.len(), 1, "the program runs as unotify-tui's child");
    let sent = std::time::Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if sent.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("unotify-tui did not end within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(128 + 15));
    assert!(
        sent.elapsed() < Duration::from_secs(8),
        "{:?}",
        sent.elapsed()
    );
    // The program is gone too (not left blocked in a call nobody answers).
    std::thread::sleep(Duration::from_millis(200));
    let state = std::fs::read_to_string(format!("/proc/{}/stat", program[0])).unwrap_or_default();
    assert!(
        state.is_empty() || state.contains(") Z "),
        "the program still runs: {state}"
    );
}

/// Many calls with long distinct paths (each record a few kilobytes), the
/// trace on a pipe read as it comes and the log on: memory stays flat.
/// UNOTIFY_LONG_PATHS=1000000 gives the figure (about a minute).
#[test]
fn long_distinct_paths_keep_memory_flat() {
    let calls: usize = std::env::var("UNOTIFY_LONG_PATHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let dir = common::tempdir();
    let log = dir.path().join("log.jsonl");
    let mut child = Command::new(BIN)
        .args([
            "--headless",
            "--trap",
            "openat",
            "--default-action",
            "allow",
            "--log",
            log.to_str().unwrap(),
            "--",
            &PROG,
            "open-long",
            &calls.to_string(),
            "2000",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stderr = child.stderr.take().unwrap();
    // Counts trace lines as they come, while the main thread samples the
    // peak (the process is gone once it exits).
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut lines = 0usize;
        loop {
            match stderr.read(&mut buf) {
                Ok(0) | Err(_) => return lines,
                Ok(n) => lines += buf[..n].iter().filter(|b| **b == b'\n').count(),
            }
        }
    });
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let traced = reader.join().unwrap();
    println!("{calls} long-path opens: peak RSS {peak} kB");
    assert!(peak > 0, "the peak was sampled");
    assert!(peak < 100 * 1024, "peak RSS {peak} kB");
    // One line per call and the exit line.
    assert!(traced > calls, "{traced} trace lines for {calls} calls");
    let logged =
        std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(&log).unwrap()))
            .filter(|l| l.as_ref().unwrap().contains("nonexistent-unotify"))
            .count();
    assert_eq!(logged, calls, "every call is in the log");
}
