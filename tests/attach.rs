//! `unotify-tui attach PID [FD]`: a target of ours installs its own
//! filter with a listener (as the classic two-process example does),
//! started here, not under unotify-tui; unotify-tui takes the listener
//! with pidfd_getfd and answers. Outcomes are checked where they land:
//! the target's own words, the files, exit statuses.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{BIN, is_root, require, tempdir, write_rules};

/// The target: `unotify-tui __attach-target FILE...` in its own temp
/// dir, started outside any filter. It prints `tid: N, notify fd: M`,
/// waits for a line on stdin, then creates each FILE and says how that
/// went.
struct Target {
    child: Child,
    dir: tempfile::TempDir,
    pid: u32,
    fd: i32,
    stdin: Option<ChildStdin>,
    /// Its lines after the first, as they come.
    lines: crossbeam_channel::Receiver<String>,
}

impl Target {
    fn start(files: &[&str]) -> Target {
        let dir = tempdir();
        let mut child = Command::new(BIN)
            .arg("__attach-target")
            .args(files)
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the attach target");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).expect("the target's first line");
        let (pid, fd) = parse_first(&first);
        assert_eq!(pid, child.id(), "{first}");
        let (tx, lines) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for l in out.lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        Target {
            stdin: child.stdin.take(),
            child,
            dir,
            pid,
            fd,
            lines,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Lets it go on to its opens.
    fn go(&mut self) {
        let mut stdin = self.stdin.take().expect("go once");
        stdin.write_all(b"go\n").unwrap();
    }

    /// Its next line, waited for generously.
    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line from the target in time")
    }

    /// Waits for it to exit; its exit code.
    fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the target did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether it is still running (not exited) after `for_` passed.
    fn still_running_after(&mut self, for_: Duration) -> bool {
        std::thread::sleep(for_);
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_first(line: &str) -> (u32, i32) {
    let rest = line
        .strip_prefix("tid: ")
        .unwrap_or_else(|| panic!("{line:?}"));
    let (tid, fd) = rest
        .trim()
        .split_once(", notify fd: ")
        .unwrap_or_else(|| panic!("{line:?}"));
    (tid.parse().unwrap(), fd.parse().unwrap())
}

/// `unotify-tui attach --headless OPTS PID [FD]` started in the
/// background, its stderr piped.
fn attach_headless(opts: &[&str], pid: u32, fd: Option<i32>) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.args(["attach", "--headless"])
        .args(opts)
        .arg(pid.to_string());
    if let Some(fd) = fd {
        cmd.arg(fd.to_string());
    }
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running unotify-tui attach")
}

/// Waits for unotify-tui (a child) to end; its output.
fn finish(child: Child) -> Output {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("unotify-tui ended in time")
        .expect("its output")
}

/// Waits until `path` (a growing file or stderr copy) contains `text`.
fn wait_for_file(path: &Path, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = std::fs::read_to_string(path).unwrap_or_default();
        if s.contains(text) {
            return s;
        }
        assert!(Instant::now() < deadline, "no {text:?} in:\n{s}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lesson's rule: noopen.txt refused with EPERM; the rest falls to
/// the default action (allow).
fn deny_noopen(dir: &Path) -> PathBuf {
    write_rules(
        dir,
        "[[rule]]\nsyscall = [\"open\", \"openat\"]\npath = \"**/noopen.txt\"\naction = \"deny\"\n\
         errno = \"EPERM\"\n",
    )
}

/// Attaches headless with a rule denying noopen.txt; checks the
/// target's words, the files and the statuses.
fn noopen_refused_open_created(with_fd: bool) {
    let mut t = Target::start(&["noopen.txt", "open.txt"]);
    let rules_dir = tempdir();
    let rules = deny_noopen(rules_dir.path());
    let trace = rules_dir.path().join("trace");
    let u = attach_headless(
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--output",
            trace.to_str().unwrap(),
        ],
        t.pid,
        with_fd.then_some(t.fd),
    );
    // Its opens wait in the kernel for whoever receives; go at once.
    t.go();
    assert_eq!(t.line(), "noopen.txt: open failed: Operation not permitted");
    assert_eq!(t.line(), "open.txt: open succeeded");
    assert_eq!(t.wait(), 0);
    assert!(!t.path("noopen.txt").exists());
    assert!(t.path("open.txt").exists());
    // The target gone, the listener hangs up: the session ends with 0.
    let out = finish(u);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the listener hung up"), "{stderr}");
    let trace = std::fs::read_to_string(&trace).unwrap();
    assert!(
        trace.contains("\"noopen.txt\"") && trace.contains("EPERM"),
        "{trace}"
    );
    // Paths in the program's view: its cwd, not ours.
    let real = std::fs::canonicalize(t.dir.path()).unwrap();
    assert!(
        trace.contains(&format!("{}/open.txt", real.display())),
        "{trace}"
    );
}

#[test]
fn with_the_fd_given_noopen_is_refused_and_open_created() {
    noopen_refused_open_created(true);
}

#[test]
fn without_the_fd_the_listener_is_found_in_proc() {
    noopen_refused_open_created(false);
}

/// Runs `unotify-tui attach ARGS` to its end.
fn attach_output(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .arg("attach")
        .args(args)
        .output()
        .expect("running unotify-tui attach");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A one-line error and status 2.
fn one_line_error(args: &[&str], says: &str) {
    let (code, stderr) = attach_output(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
}

#[test]
fn no_process_no_listener_and_bad_numbers_are_one_line_errors() {
    // A pid that is free: the highest possible one is never in use here.
    let max = std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap();
    let free = max.trim().parse::<u32>().unwrap() + 1;
    one_line_error(&["--headless", &free.to_string()], "no such process");
    // This test process has no listener.
    let me = std::process::id().to_string();
    one_line_error(&["--headless", &me], "no seccomp listener");
    // fd 1 is no listener; fd 999 is not open.
    one_line_error(&["--headless", &me, "1"], "is no seccomp listener");
    one_line_error(&["--headless", &me, "999"], "has no fd 999");
    one_line_error(&["--headless", "12ab"], "is not a process id");
    one_line_error(&["--headless", &me, "x"], "is not a file descriptor number");
}

#[test]
fn options_for_a_filter_we_install_are_refused() {
    let t = Target::start(&["open.txt"]);
    let pid = t.pid.to_string();
    for args in [
        vec!["--trap", "mkdir"],
        vec!["--print-filter"],
        vec!["--wait-killable", "off"],
        vec!["--sync-wakeup", "on"],
    ] {
        let flag = args[0];
        let mut all = vec!["--headless"];
        all.extend(&args);
        all.push(&pid);
        one_line_error(
            &all,
            &format!("{flag} is for a filter unotify-tui installs"),
        );
    }
}

#[test]
fn not_allowed_says_what_is_needed() {
    if !require(
        is_root(),
        "root, to attach as an ordinary user with setpriv",
    ) {
        return;
    }
    // The target runs as root; unotify-tui as nobody may not take its fds.
    let t = Target::start(&["open.txt"]);
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(BIN)
        .args(["attach", "--headless", &t.pid.to_string()])
        .output()
        .expect("setpriv (util-linux)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not allowed"), "{stderr}");
    assert!(
        stderr.contains("same uid") && stderr.contains("CAP_SYS_PTRACE"),
        "{stderr}"
    );
}

/// Leaving on a signal: status 0, and what happens next is said; the
/// process's next trapped call then waits (it does not fail with
/// ENOSYS) until someone attaches again.
#[test]
fn after_leaving_the_next_call_waits_for_the_next_attach() {
    let mut t = Target::start(&["open.txt"]);
    let dir = tempdir();
    let err = dir.path().join("stderr");
    let u = Command::new(BIN)
        .args(["attach", "--headless", &t.pid.to_string()])
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    wait_for_file(&err, "attached to");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(u.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = finish(u);
    let said = std::fs::read_to_string(&err).unwrap();
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("let go of"), "{said}");
    assert!(said.contains("not fail with ENOSYS"), "{said}");
    // Nobody holds the listener but the target: its open waits.
    t.go();
    assert!(
        t.still_running_after(Duration::from_millis(500)),
        "the open did not wait"
    );
    assert!(t.lines.try_recv().is_err(), "the open did not wait");
    // Until the next holder answers it.
    let u = attach_headless(&[], t.pid, None);
    assert_eq!(t.line(), "open.txt: open succeeded");
    assert_eq!(t.wait(), 0);
    assert_eq!(finish(u).status.code(), Some(0));
}

#[test]
fn the_lesson_runs_headless_and_shows_the_kernel_outcome() {
    let dir = tempdir();
    let trace = dir.path().join("trace");
    let cli = <unotify_tui::cli::Cli as clap::Parser>::try_parse_from([
        "unotify-tui",
        "--headless",
        "--output",
        trace.to_str().unwrap(),
    ])
    .unwrap();
    let mut out = Vec::new();
    let code = unotify_tui::attach::lesson(&cli.opts, Path::new(BIN), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("target: noopen.txt: open failed: Operation not permitted"),
        "{out}"
    );
    assert!(out.contains("target: open.txt: open succeeded"), "{out}");
    for term in [
        "NEW_LISTENER",
        "pidfd_open",
        "pidfd_getfd",
        "/mem",
        "SECCOMP_IOCTL_NOTIF_SEND",
    ] {
        assert!(out.contains(term), "{term}: {out}");
    }
    let trace = std::fs::read_to_string(&trace).unwrap();
    assert!(trace.contains("EPERM"), "{trace}");
}

// ----- the TUI ---------------------------------------------------------------

fn have_tmux() -> bool {
    Command::new("tmux").arg("-V").output().is_ok()
}

/// The person denies noopen.txt from the keyboard; open.txt, received
/// and not answered, is answered (allow, the default action) when they
/// leave with q q: the target goes on, and the screen says what happens
/// to its later calls.
#[test]
fn tui_answers_a_call_and_leaving_answers_the_one_still_waiting() {
    if !require(have_tmux(), "tmux") {
        return;
    }
    let mut t = Target::start(&["noopen.txt", "open.txt"]);
    let dir = tempdir();
    let tmux = Tmux::start_sized(dir.path(), (80, 24), &["attach", &t.pid.to_string()]).joined();
    // No program pane: what is attached, and where its output goes.
    let s = tmux.wait_for("own terminal");
    assert!(s.contains(&format!("pid {} (attach-target)", t.pid)), "{s}");
    t.go();
    tmux.wait_for("noopen.txt");
    tmux.keys(&["d"]);
    assert_eq!(t.line(), "noopen.txt: open failed: Operation not permitted");
    assert!(!t.path("noopen.txt").exists());
    // open.txt now waits for the person, who leaves instead.
    // Not the frame from before `d`, which showed noopen.txt waiting.
    tmux.wait_for_all(&["Pending (1)", "/open.txt"]);
    tmux.keys(&["q"]);
    tmux.wait_for("q again to leave");
    assert!(t.lines.try_recv().is_err(), "the first q answered nothing");
    tmux.keys(&["q"]);
    assert_eq!(tmux.exit_status(), 0);
    let s = tmux.screen();
    assert!(s.contains("the 1 call still waiting got allow"), "{s}");
    assert!(s.contains("they hang"), "{s}");
    assert_eq!(t.line(), "open.txt: open succeeded");
    assert_eq!(t.wait(), 0);
    assert!(t.path("open.txt").exists());
}
