//! `unotify-tui demo LESSON`: every lesson run headless to its end, each
//! checked by what the kernel did (the errno the target saw and printed
//! itself, SEND's ENOENT and the `gone` record, the death by SIGKILL, the
//! SIGSYS report) as well as by what unotify-tui says about it.

mod common;

use std::path::Path;
use std::process::Command;

use common::{BIN, Run, require, tempdir};

/// Runs `unotify-tui demo LESSON --headless` with its trace and log in
/// `dir`.
fn lesson(dir: &Path, name: &str) -> Run {
    let trace = dir.join("trace.txt");
    let log = dir.join("log.jsonl");
    let out = Command::new(BIN)
        .current_dir(dir)
        .args(["demo", name, "--headless", "--output"])
        .arg(&trace)
        .arg("--log")
        .arg(&log)
        .output()
        .expect("running unotify-tui");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        trace: std::fs::read_to_string(&trace).unwrap_or_default(),
        log: std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
            .collect(),
    }
}

/// The mkdir records of the log for the path `name` (the lessons' paths
/// are relative, as given).
fn mkdirs<'a>(r: &'a Run, name: &str) -> Vec<&'a serde_json::Value> {
    r.log_of("mkdir")
        .into_iter()
        .filter(|v| v["decoded"][0]["path"] == name)
        .collect()
}

/// The paths and results of the log's mkdir records, for messages.
fn mkdir_log(r: &Run) -> Vec<String> {
    r.log_of("mkdir")
        .iter()
        .map(|v| format!("{} {}", v["decoded"][0]["path"], v["result"]))
        .collect()
}

/// The target's own line for step `step` (`[2/3]`), from its stdout.
fn step<'a>(r: &'a Run, step: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l.starts_with(&format!("demo: {step} ")))
        .unwrap_or_else(|| panic!("no step {step} in:\n{}\n{}", r.stdout, r.stderr))
}

fn kernel_at_least(major: u32, minor: u32) -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

#[test]
fn demo_list_shows_every_lesson_on_one_line() {
    let out = Command::new(BIN).args(["demo", "--list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "basics",
            "attach",
            "precedence",
            "signals",
            "enosys",
            "listen",
            "strict",
            "trap"
        ],
        "{stdout}"
    );
    assert!(stdout.lines().all(|l| l.len() > 20), "{stdout}");
}

#[test]
fn an_unknown_lesson_is_a_one_line_error_with_a_suggestion() {
    let out = Command::new(BIN).args(["demo", "sigals"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("unknown lesson `sigals`"), "{stderr}");
    assert!(stderr.contains("did you mean `signals`?"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn precedence_errno_beats_user_notif_and_user_notif_beats_trace() {
    let dir = tempdir();
    let r = lesson(dir.path(), "precedence");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // What the target saw: the TRACE-stacked call ran (it reached the
    // supervisor, whose rule allows it); the ERRNO-stacked one failed
    // with the second filter's EROFS although the rules allow it.
    assert!(step(&r, "[1/3]").ends_with("→ ok"), "{}", r.stdout);
    assert!(step(&r, "[2/3]").ends_with("→ ok"), "{}", r.stdout);
    assert!(
        step(&r, "[3/3]").contains("→ failed: EROFS"),
        "{}",
        r.stdout
    );
    // Where they landed: the first two came to unotify-tui, the third not.
    assert_eq!(mkdirs(&r, "plain").len(), 1, "{:?}", mkdir_log(&r));
    assert_eq!(mkdirs(&r, "under-trace").len(), 1, "{:?}", mkdir_log(&r));
    assert!(mkdirs(&r, "under-errno").is_empty(), "{:?}", mkdir_log(&r));
    assert!(r.stdout.contains("SECCOMP_RET_ERRNO"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE"),
        "{}",
        r.stdout
    );
}

#[test]
fn signals_a_withdrawn_call_fails_send_with_enoent_and_sa_restart_brings_it_back() {
    let dir = tempdir();
    let r = lesson(dir.path(), "signals");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // The target's own view: EINTR without SA_RESTART, success with it.
    assert!(
        step(&r, "[1/2]").contains("→ failed: EINTR"),
        "{}",
        r.stdout
    );
    assert!(
        step(&r, "[2/2]").contains("→ ok; signals handled: 2"),
        "{}",
        r.stdout
    );
    // The kernel's answers to the supervisor, for both withdrawn calls.
    let send_enoent = r
        .stdout
        .lines()
        .filter(|l| l.contains("SECCOMP_IOCTL_NOTIF_SEND(") && l.contains("→ ENOENT"))
        .count();
    assert_eq!(send_enoent, 2, "{}", r.stdout);
    let valid_enoent = r
        .stdout
        .lines()
        .filter(|l| l.contains("SECCOMP_IOCTL_NOTIF_ID_VALID(") && l.contains("→ ENOENT"))
        .count();
    assert_eq!(valid_enoent, 2, "{}", r.stdout);
    // The log: the interrupted call is gone; the restarted one is gone
    // once, then arrives under a new id and is allowed.
    let eintr = mkdirs(&r, "signals-eintr");
    assert_eq!(eintr.len(), 1, "{eintr:?}");
    assert_eq!(eintr[0]["result"], "gone", "{eintr:?}");
    let restart = mkdirs(&r, "signals-restart");
    assert_eq!(restart.len(), 2, "{restart:?}");
    let gone: Vec<_> = restart.iter().filter(|v| v["result"] == "gone").collect();
    let sent: Vec<_> = restart.iter().filter(|v| v["result"] == "sent").collect();
    assert_eq!((gone.len(), sent.len()), (1, 1), "{restart:?}");
    assert_ne!(gone[0]["id"], sent[0]["id"], "{restart:?}");
    // Part 2: with WAIT_KILLABLE_RECV the same signal waits.
    if !require(
        kernel_at_least(5, 19),
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)",
    ) {
        return;
    }
    assert!(
        step(&r, "[1/1]").contains("→ ok; signals handled: 1"),
        "{}",
        r.stdout
    );
    let wait = mkdirs(&r, "signals-wait");
    assert_eq!(wait.len(), 1, "{wait:?}");
    assert_eq!(wait[0]["result"], "sent", "{wait:?}");
    assert!(
        r.stdout.contains("still succeeds: the signal waits"),
        "{}",
        r.stdout
    );
}

#[test]
fn enosys_once_the_listener_is_closed_trapped_calls_fail_with_enosys() {
    let dir = tempdir();
    let r = lesson(dir.path(), "enosys");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(step(&r, "[1/4]").ends_with("→ ok"), "{}", r.stdout);
    for s in ["[2/4]", "[3/4]", "[4/4]"] {
        assert!(step(&r, s).contains("→ failed: ENOSYS"), "{}", r.stdout);
    }
    assert_eq!(mkdirs(&r, "enosys-first").len(), 1, "{:?}", mkdir_log(&r));
    assert!(mkdirs(&r, "enosys-after").is_empty(), "{:?}", mkdir_log(&r));
    assert!(r.stdout.contains("closes its listener"), "{}", r.stdout);
}

#[test]
fn listen_shows_the_port_read_from_the_socket_and_refuses_it_with_eacces() {
    let dir = tempdir();
    let r = lesson(dir.path(), "listen");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let bound = step(&r, "[1/2]");
    let port = bound
        .rsplit("chose port ")
        .next()
        .and_then(|p| p.trim_end_matches(')').parse::<u16>().ok())
        .unwrap_or_else(|| panic!("{bound}"));
    assert_ne!(port, 0);
    assert_eq!(
        step(&r, "[2/2]"),
        format!("demo: [2/2] listen on 127.0.0.1:{port} → failed: EACCES (Permission denied)")
    );
    // The port the target was given is the one unotify-tui read from its
    // socket (pidfd_getfd + getsockname) and showed.
    let listen = r.trace_of("listen");
    assert_eq!(listen.len(), 1, "{}", r.trace);
    assert!(
        listen[0].contains(&format!("127.0.0.1:{port}>")) && listen[0].contains("EACCES"),
        "{}",
        listen[0]
    );
}

#[test]
fn strict_mode_lets_read_and_write_through_and_kills_fork_with_sigkill() {
    let dir = tempdir();
    let r = lesson(dir.path(), "strict");
    // The target's status, as for any program: killed by signal 9.
    assert_eq!(r.code, 128 + 9, "{}\n{}", r.stdout, r.stderr);
    assert!(step(&r, "[1/3]").ends_with("→ ok"), "{}", r.stdout);
    assert!(
        step(&r, "[2/3]").contains("→ ok: read \"ping\""),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("fork returned"), "{}", r.stdout);
    assert!(r.stdout.contains("killed by SIGKILL"), "{}", r.stdout);
    assert!(
        r.stdout.contains("no notification could ever"),
        "{}",
        r.stdout
    );
    assert!(r.log.is_empty(), "{:?}", mkdir_log(&r));
}

#[test]
fn trap_the_sigsys_handler_names_the_call_from_si_syscall() {
    let dir = tempdir();
    let r = lesson(dir.path(), "trap");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(step(&r, "[1/2]").ends_with("→ ok"), "{}", r.stdout);
    let trapped = step(&r, "[2/2]");
    assert!(
        trapped.contains("→ failed: ENOSYS")
            && trapped.contains("si_syscall = 83 (mkdir)")
            && trapped.contains("AUDIT_ARCH_X86_64"),
        "{trapped}"
    );
    // TRAP ranks above USER_NOTIF: only the first mkdir reached us.
    assert_eq!(r.log_of("mkdir").len(), 1, "{:?}", mkdir_log(&r));
    assert!(r.stdout.contains("SECCOMP_RET_TRAP"), "{}", r.stdout);
}

/// `demo attach`: the target, started outside any filter, holds its own
/// listener; unotify-tui takes a copy with pidfd_getfd and the lesson's
/// rule refuses noopen.txt, which the target itself reports.
#[test]
fn the_attach_lesson_denies_noopen_in_the_target_itself() {
    let dir = tempdir();
    let r = lesson(dir.path(), "attach");
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("target: noopen.txt: open failed: Operation not permitted"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("target: open.txt: open succeeded"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("pidfd_getfd"), "{}", r.stdout);
    // The log has the refused open, answered by the lesson's rule.
    let refused: Vec<_> = r
        .log
        .iter()
        .filter(|v| v.to_string().contains("noopen.txt"))
        .collect();
    assert!(
        refused.iter().any(|v| v["answer"]["action"] == "deny"),
        "no denied noopen.txt in {:?}",
        r.log
    );
}

/// A scripted lesson (signals, enosys) stopped with SIGTERM part-way:
/// it exits 128+15 with its target killed and its workspace removed.
#[test]
fn a_scripted_lesson_stopped_with_sigterm_leaves_nothing_behind() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // enosys has no pause of its own: on a busy machine it can be over
    // before the signal comes (exit 0), and is then run again.
    let mut runs = [("signals", 1), ("enosys", 5)]
        .into_iter()
        .flat_map(|(name, tries)| std::iter::repeat_n(name, tries))
        .peekable();
    while let Some(name) = runs.next() {
        let dir = tempdir();
        let mut child = Command::new(BIN)
            .current_dir(dir.path())
            .args(["demo", name, "--headless"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running unotify-tui");
        let pid = child.id();
        let workspace = std::path::PathBuf::from(format!("/tmp/unotify-demo-{pid}"));
        // The first trace line: the lesson's target runs, its workspace
        // made.
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "{name}: no output");
        let target =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let status = child.wait().unwrap();
        let rest = std::io::read_to_string(err).unwrap_or_default();
        if status.code() == Some(0) && runs.peek() == Some(&name) {
            assert!(!workspace.exists(), "{name}: workspace left");
            continue;
        }
        assert_eq!(status.code(), Some(128 + 15), "{name}: {line}{rest}");
        assert!(!workspace.exists(), "{name}: workspace left");
        for t in target.split_whitespace() {
            let stat = std::fs::read_to_string(format!("/proc/{t}/stat")).unwrap_or_default();
            assert!(
                stat.is_empty() || stat.contains(") Z "),
                "{name}: the target {t} runs on: {stat}"
            );
        }
        // Stopped once: the tries left are not needed.
        while runs.next_if_eq(&name).is_some() {}
    }
}
