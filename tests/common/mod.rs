//! Shared helpers for the integration tests: run the real binary against
//! the test program under real seccomp.
#![allow(dead_code)]

mod example;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::LazyLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_unotify-tui");
/// The test program (an example target: see `example`). Use as `*PROG`.
pub static PROG: LazyLock<&'static str> =
    LazyLock::new(|| example::example("unotify-testprog").leak());

/// Result of one supervised run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The headless trace (written with --output).
    pub trace: String,
    /// The JSONL log, one value per line.
    pub log: Vec<serde_json::Value>,
}

impl Run {
    /// The trace lines about syscall `name`.
    pub fn trace_of(&self, name: &str) -> Vec<&str> {
        let needle = format!("] {name}(");
        self.trace.lines().filter(|l| l.contains(&needle)).collect()
    }

    pub fn log_of(&self, name: &str) -> Vec<&serde_json::Value> {
        self.log.iter().filter(|v| v["syscall"] == name).collect()
    }
}

fn from_output(out: Output, trace: &Path, log: &Path) -> Run {
    let trace = std::fs::read_to_string(trace).unwrap_or_default();
    let log = std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
        .collect();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        trace,
        log,
    }
}

/// Runs `unotify-tui --headless OPTS -- PROGRAM ARGS` with trace and log
/// captured in `dir`.
pub fn headless(dir: &Path, opts: &[&str], program: &str, args: &[&[u8]]) -> Run {
    headless_under(&[], dir, opts, program, args)
}

/// [`headless`], with unotify-tui started by `wrapper` (a command and its
/// arguments, e.g. `setpriv --reuid=…`) when it is not empty.
pub fn headless_under(
    wrapper: &[&str],
    dir: &Path,
    opts: &[&str],
    program: &str,
    args: &[&[u8]],
) -> Run {
    use std::os::unix::ffi::OsStrExt;
    let trace = dir.join("trace.txt");
    let log = dir.join("log.jsonl");
    let _ = std::fs::remove_file(&trace);
    let _ = std::fs::remove_file(&log);
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(BIN);
            c
        }
        None => Command::new(BIN),
    };
    cmd.arg("--headless")
        .arg("--output")
        .arg(&trace)
        .arg("--log")
        .arg(&log)
        .args(opts)
        .arg("--")
        .arg(program);
    for a in args {
        cmd.arg(std::ffi::OsStr::from_bytes(a));
    }
    let out = cmd.output().expect("running unotify-tui");
    from_output(out, &trace, &log)
}

/// Runs the test program under supervision.
pub fn prog(dir: &Path, opts: &[&str], args: &[&[u8]]) -> Run {
    headless(dir, opts, *PROG, args)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("unotify-test-")
        .tempdir_in("/tmp")
        .expect("temp dir")
}

pub fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

pub fn write_rules(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("rules.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs the test program with only `mkdir` trapped, `action` as the
/// default action, and `extra` options.
pub fn mkdir_trapped(dir: &Path, action: &str, extra: &[&str], args: &[&[u8]]) -> Run {
    let mut opts = vec!["--trap", "mkdir", "--default-action", action];
    opts.extend_from_slice(extra);
    prog(dir, &opts, args)
}

/// Whether the test may go on: `have` says whether a prerequisite is
/// there, `what` names it. A missing prerequisite fails the test under CI
/// (`CI=true`), so the suite never passes there without having run it;
/// elsewhere the test is skipped with `SKIPPED: <test>: <what>` on stdout.
/// Use as `if !require(cond, "what") { return; }`.
pub fn require(have: bool, what: &str) -> bool {
    if have {
        return true;
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("this test");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "{test}: missing under CI: {what}");
    // Straight to stdout: libtest captures print! and println!, and would
    // hide the skip of a passing test.
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "SKIPPED: {test}: {what}");
    false
}

/// Whether the tests run as root (real uid 0).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

/// Fails unless `seen` is `expected`, a list of pairs: first naming the
/// pairs whose first element is not in its place (`wrong` says what that
/// means), so a failure says which calls came out of order.
pub fn assert_pairs_in_order(seen: &[String], expected: &[String], wrong: &str) {
    let pairs = expected.len() / 2;
    let out: Vec<usize> = (0..pairs)
        .filter(|&i| seen.get(2 * i) != Some(&expected[2 * i]))
        .collect();
    assert!(
        out.is_empty(),
        "{} of {pairs} pairs out of order: {wrong} (pairs {out:?})",
        out.len()
    );
    assert_eq!(seen, expected);
}

/// A log record's notification id: a decimal string (ids use all 64 bits).
pub fn log_id(v: &serde_json::Value) -> u64 {
    v["id"]
        .as_str()
        .expect("ids are strings")
        .parse()
        .expect("a decimal id")
}

/// Waits until no launch's reaper thread is left in this process: a
/// reaper waits for every child of the process until none is left, so
/// one still running after its session could reap the next session's
/// program, or a test's own child. Tests that launch in-process run
/// one at a time and call this before each launch.
pub fn wait_for_reapers_to_leave() {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while thread_named("unotify-reap") {
        assert!(
            std::time::Instant::now() < deadline,
            "the previous reaper never left"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Whether a thread of this process has the name `name`.
pub fn thread_named(name: &str) -> bool {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .any(|c| c.trim_end() == name)
}
