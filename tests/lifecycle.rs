//! How a headless run ends: a program that leaves a detached process
//! behind is waited for (and the wait is said), and SIGINT, SIGTERM and
//! SIGHUP end the run, and every process under the filter, within 2 s.

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Whether a program is on $PATH.
fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

/// A started `unotify-tui --headless -- sh -c SCRIPT`, its stderr read by a
/// thread.
struct Started {
    child: Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Started {
    fn new(dir: &std::path::Path, script: &str) -> Started {
        let mut child = Command::new(BIN)
            .arg("--headless")
            .arg("--output")
            .arg(dir.join("trace.txt"))
            .args(["--", "sh", "-c", script])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting unotify-tui");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Started { child, stderr }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr holds `needle` (10 s at most).
    fn wait_for_stderr(&mut self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.stderr();
            if text.contains(needle) {
                return text;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("no `{needle}` on stderr within 10 s: {text}");
            }
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("unotify-tui ended ({st}) without `{needle}`: {text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the exit (10 s at most); the status and how long it took.
    fn wait(&mut self) -> (std::process::ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return (st, start.elapsed());
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("unotify-tui did not end within 10 s: {}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), sig).unwrap();
    }
}

/// The pids a script wrote to `file`, one a line, once it is complete.
fn pids_in(file: &std::path::Path, n: usize) -> Vec<u32> {
    let start = Instant::now();
    loop {
        let pids: Vec<u32> = std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        if pids.len() >= n {
            return pids;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the script did not write {n} pids to {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is a `sleep` that still runs (not a zombie).
fn sleep_runs(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.contains("(sleep)") && !stat.contains(") Z ")
}

/// A script that starts `setsid sleep 40` in the background, writes its
/// pid, and exits 0.
const DETACHED: &str = "setsid sleep 40 & echo $! > pids; exit 0";

#[test]
fn a_detached_child_is_named_and_each_signal_ends_it_within_2_s() {
    if !require(
        on_path("setsid") && on_path("sleep"),
        "setsid and sleep (util-linux, coreutils)",
    ) {
        return;
    }
    use nix::sys::signal::Signal;
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        let dir = tempdir();
        let mut run = Started::new(dir.path(), DETACHED);
        let sleep = pids_in(&dir.path().join("pids"), 1)[0];
        let said = run.wait_for_stderr("Ctrl-C ends them");
        assert!(
            said.contains(&format!(
                "unotify-tui: program exited 0; waiting for 1 process: {sleep} sleep — Ctrl-C ends them\n"
            )),
            "{said}"
        );
        assert!(sleep_runs(sleep), "the detached sleep runs");
        assert!(
            run.child.try_wait().unwrap().is_none(),
            "the run waits for the detached sleep"
        );
        run.signal(sig);
        let (status, took) = run.wait();
        assert_eq!(
            status.code(),
            Some(128 + sig as i32),
            "{sig}: {}",
            run.stderr()
        );
        assert!(took < Duration::from_millis(2500), "{sig}: took {took:?}");
        assert!(!sleep_runs(sleep), "{sig}: the detached sleep is gone");
        assert_eq!(said.matches("waiting for").count(), 1, "said once: {said}");
    }
}

#[test]
fn the_message_counts_processes_in_the_plural() {
    if !require(
        on_path("setsid") && on_path("sleep"),
        "setsid and sleep (util-linux, coreutils)",
    ) {
        return;
    }
    let dir = tempdir();
    let mut run = Started::new(
        dir.path(),
        "setsid sleep 40 & echo $! > pids; sleep 40 & echo $! >> pids; exit 3",
    );
    let pids = pids_in(&dir.path().join("pids"), 2);
    let said = run.wait_for_stderr("Ctrl-C ends them");
    assert!(
        said.contains(&format!(
            "program exited 3; waiting for 2 processes: {} sleep, {} sleep — Ctrl-C ends them",
            pids[0].min(pids[1]),
            pids[0].max(pids[1])
        )),
        "{said}"
    );
    run.signal(nix::sys::signal::Signal::SIGTERM);
    let (status, took) = run.wait();
    assert_eq!(status.code(), Some(128 + 15));
    // The grace (2 s) and then some on a busy machine; far from the
    // 40 s of the detached sleep.
    assert!(took < Duration::from_secs(8), "took {took:?}");
    for p in pids {
        assert!(!sleep_runs(p), "sleep {p} is gone");
    }
}

/// A program that ignores SIGTERM, with a detached child: both are ended,
/// the program after its grace, the child with it.
#[test]
fn a_program_that_ignores_the_signal_is_ended_with_its_children() {
    if !require(
        on_path("setsid") && on_path("sleep"),
        "setsid and sleep (util-linux, coreutils)",
    ) {
        return;
    }
    let dir = tempdir();
    let mut run = Started::new(
        dir.path(),
        "trap '' TERM HUP; setsid sleep 40 & echo $! > pids; echo $$ >> pids; while :; do sleep 1; done",
    );
    let pids = pids_in(&dir.path().join("pids"), 2);
    std::thread::sleep(Duration::from_millis(200));
    run.signal(nix::sys::signal::Signal::SIGHUP);
    let (status, took) = run.wait();
    assert_eq!(status.code(), Some(128 + 1), "{}", run.stderr());
    // The grace (2 s) and then some on a busy machine; far from the
    // 40 s of the detached sleep.
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(!sleep_runs(pids[0]), "the detached sleep is gone");
    let shell = std::fs::read_to_string(format!("/proc/{}/stat", pids[1])).unwrap_or_default();
    assert!(
        shell.is_empty() || shell.contains(") Z ") || !shell.contains("(sh)"),
        "the program is gone: {shell}"
    );
    assert!(
        !run.stderr().contains("waiting for"),
        "nothing to say while the program runs: {}",
        run.stderr()
    );
}

/// Children that end with the program are not worth a message, and the
/// run ends with the program's status.
#[test]
fn no_message_when_nothing_is_left() {
    let dir = tempdir();
    let out = Command::new(BIN)
        .args(["--headless", "--output", "/dev/null", "--", "sh", "-c"])
        .arg("sleep 0.1 & wait; exit 4")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
