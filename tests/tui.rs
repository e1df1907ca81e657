//! The real TUI in a real terminal: tmux runs the binary, the test reads
//! the screen and types keys like a person would.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{BIN, PROG, tempdir};

/// The TUI in tmux, with this test process adopting orphans first (so
/// a test can see zombies left behind).
fn tmux_start(dir: &Path, args: &[&str]) -> Tmux {
    adopt_orphans();
    Tmux::start(dir, args)
}

/// [`tmux_start`] for a shell command line.
fn tmux_shell(dir: &Path, command: &str) -> Tmux {
    adopt_orphans();
    Tmux::start_shell(dir, command)
}

/// Waits for the target's own execve (trapped by @exec) and allows it.
fn allow_exec(t: &Tmux) {
    t.wait_for("execve(pathname, argv, envp)");
    t.keys(&["a"]);
}

/// The test program's mkdir of DIR/never, waiting for an answer.
fn pending_mkdir() -> (tempfile::TempDir, PathBuf, Tmux) {
    let dir = tempdir();
    let target = dir.path().join("never");
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--",
            *PROG,
            "mkdir",
            target.to_str().unwrap(),
        ],
    );
    t.wait_for("mkdir(pathname, mode)");
    (dir, target, t)
}

/// The program says what it got, in its output and in its exit status
/// (the errno, EPERM = 1): what the person chose is what it saw.
/// Makes this test process a child subreaper, once: the orphans of
/// every unotify-tui it starts come here, so one that unotify-tui leaves
/// unreaped stays visible as a zombie instead of being reaped by init.
fn adopt_orphans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER"));
}

/// The one process whose command line matches `pattern` (pgrep -f).
fn pid_of(pattern: &str) -> u32 {
    let out = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .expect("pgrep");
    let text = String::from_utf8_lossy(&out.stdout);
    let pids: Vec<u32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
    assert_eq!(pids.len(), 1, "processes matching {pattern:?}: {text}");
    pids[0]
}

/// The state letter of process `pid` (`Z` for a zombie), or `None` once
/// it is reaped, after a moment for a dying process to finish.
fn proc_state(pid: u32) -> Option<char> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, r)| r.trim_start().chars().next())
            });
        match state {
            Some(c) if c != 'Z' && Instant::now() < deadline => {}
            other => return other,
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Cleans up after a failed check: kills `pid`, and reaps it if it is
/// ours (a subreaper's orphan).
fn reap_or_kill(pid: u32) {
    let p = nix::unistd::Pid::from_raw(pid as i32);
    let _ = nix::sys::signal::kill(p, nix::sys::signal::Signal::SIGKILL);
    let _ = nix::sys::wait::waitpid(p, None);
}

#[test]
fn deny_mkdir_from_the_keyboard() {
    let dir = tempdir();
    let target = dir.path().join("DIR");
    let t = tmux_start(
        dir.path(),
        &["--", *PROG, "mkdir-exit", target.to_str().unwrap()],
    );
    allow_exec(&t);
    let screen = t.wait_for("mkdir(pathname, mode)");
    assert!(screen.contains("waiting on you"), "{screen}");
    t.keys(&["d"]);
    // The program's own line; unotify-tui's reads "deny = -1 EPERM".
    t.wait_for_all(&[
        "exited 1",
        "mkdir: err EPERM",
        "Operation not permitted",
        "deny = -1 EPERM",
    ]);
    assert!(!target.exists());
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), libc::EPERM);
}

#[test]
fn allow_mkdir_from_the_keyboard() {
    let dir = tempdir();
    let target = dir.path().join("DIR");
    let t = tmux_start(dir.path(), &["--", "mkdir", target.to_str().unwrap()]);
    allow_exec(&t);
    t.wait_for("mkdir(pathname, mode)");
    t.keys(&["a"]);
    t.wait_for("exited 0");
    assert!(target.is_dir());
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

#[test]
fn emulated_open_writes_through_the_injected_fd() {
    let dir = tempdir();
    let file = dir.path().join("out.txt");
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "open,openat,creat",
            "--",
            *PROG,
            "write",
            file.to_str().unwrap(),
            "hello from the target",
        ],
    );
    let screen = t.wait_for("openat(dirfd, pathname, flags, mode)");
    assert!(screen.contains("out.txt"), "{screen}");
    t.keys(&["e"]);
    t.wait_for_all(&["write: ok", "emulate = "]);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "hello from the target"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

#[test]
fn quit_with_a_pending_call_kills_the_program_and_restores_the_terminal() {
    let (_dir, target, t) = pending_mkdir();
    t.keys(&["q"]);
    let screen = t.wait_for("Quit unotify-tui?");
    assert!(screen.contains("1 call still waits"), "{screen}");
    t.keys(&["Enter"]);
    assert_eq!(t.exit_status(), 128 + 9);
    // Back on the normal screen: the TUI's frame is gone.
    let screen = t.screen();
    assert!(!screen.contains("Pending"), "{screen}");
    assert!(!target.exists());
}

#[test]
fn quit_with_a_hundred_pending_calls_leaves_nothing_behind() {
    let dir = tempdir();
    let prefix = dir.path().join("t");
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--",
            *PROG,
            "threads",
            "100",
            prefix.to_str().unwrap(),
        ],
    );
    t.wait_for("Pending (100)");
    let pid = pid_of(&format!("^{} threads 100 {}$", *PROG, prefix.display()));
    t.keys(&["q"]);
    let screen = t.wait_for("Quit unotify-tui?");
    assert!(screen.contains("100 calls still wait"), "{screen}");
    t.keys(&["Enter"]);
    assert_eq!(t.exit_status(), 128 + 9);
    assert!(!t.screen().contains("Pending"));
    // Reaped by unotify-tui itself: an unreaped child would have come to
    // this process (a subreaper) as a zombie when unotify-tui exited.
    if let Some(state) = proc_state(pid) {
        reap_or_kill(pid);
        panic!("the program ({pid}) was left behind, state {state}");
    }
    // No process of the test program is left, not even a zombie.
    let left = Command::new("pgrep")
        .args(["-f", "unotify-testprog threads 100"])
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "left behind: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}

#[test]
fn keys_reach_an_interactive_program_in_the_pane() {
    let dir = tempdir();
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--",
            "sh",
            "-c",
            "printf 'name? '; read name; echo \"hello $name\"",
        ],
    );
    t.wait_for("name?");
    t.keys(&["Tab", "Tab"]);
    t.wait_for("keys go here");
    t.keys(&["-l", "ada"]);
    t.keys(&["Enter"]);
    t.wait_for_all(&["hello ada", "exited 0"]);
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// The program ignores SIGHUP and SIGTERM and would run on once its call
/// is answered: only a kill ends it, and the screen says it was killed.
#[test]
fn sigterm_restores_the_terminal_and_kills_the_program() {
    let dir = tempdir();
    let target = dir.path().join("never");
    let pidfile = dir.path().join("pid");
    let (target_s, pidfile_s) = (target.to_str().unwrap(), pidfile.to_str().unwrap());
    let t = tmux_start(
        dir.path(),
        &[
            "--trap", "mkdir", "--", *PROG, "stubborn", pidfile_s, target_s,
        ],
    );
    t.wait_for("mkdir(pathname, mode)");
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The pattern names this test's own target path: other tests run
    // similar command lines at the same time.
    let ok = Command::new("pkill")
        .args([
            "-TERM",
            "-f",
            &format!(
                "^{BIN} --trap mkdir -- {} stubborn {pidfile_s} {target_s}$",
                *PROG
            ),
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    assert_eq!(t.exit_status(), 128 + 15);
    let screen = t.screen();
    assert!(screen.contains("terminated by signal 15"), "{screen}");
    assert!(!screen.contains("Pending"), "{screen}");
    assert!(!target.exists());
    // Dead (a zombie at most, for the zombie test to care about).
    if let Some(state) = proc_state(pid).filter(|s| *s != 'Z') {
        reap_or_kill(pid);
        panic!("the program ({pid}) still runs, state {state}");
    }
    reap_or_kill(pid);
}

#[test]
fn a_rule_made_with_always_is_saved_and_decides_the_same_way_headless() {
    let dir = tempdir();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let rules = dir.path().join("learned.toml");
    let (a, b) = (work.join("a"), work.join("b"));
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--save-rules",
            rules.to_str().unwrap(),
            "--",
            *PROG,
            "mkdirs",
            a,
            b,
        ],
    );
    t.wait_for("Pending (2)");
    t.keys(&["A"]);
    // The whole dialog, not a frame caught half drawn.
    let screen = t.wait_for("2 waiting");
    assert!(screen.contains("which calls?"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_until("exited 0 and two lines `: ok 0`", |s| {
        s.contains("exited 0") && s.matches(": ok 0").count() == 2
    });
    t.keys(&["w"]);
    t.wait_for("wrote 1 rule(s)");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);

    // The same run, headless, with everything else denied.
    std::fs::remove_dir(a).unwrap();
    std::fs::remove_dir(b).unwrap();
    let out = Command::new(BIN)
        .args([
            "--headless",
            "--trap",
            "mkdir",
            "--default-action",
            "deny",
            "--rules",
        ])
        .arg(&rules)
        .args(["--", *PROG, "mkdirs", a, b])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout.matches(": ok 0").count(), 2, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("(rule 1, ").count(), 2, "{stderr}");
}

/// A rule made in the TUI decides the calls that arrive after it by
/// itself, not only the calls waiting when it was made: the second mkdir
/// of the same path is answered by the rule with nobody pressing a key
/// (the kernel's EEXIST, from the real call).
#[test]
fn a_rule_made_in_the_tui_decides_the_calls_that_come_after_it() {
    let dir = tempdir();
    let a = dir.path().join("a");
    let p = common::tmux::quote(&PROG);
    let a = common::tmux::quote(a.to_str().unwrap());
    let script = format!("{p} mkdir {a}; {p} mkdir {a}");
    let t = tmux_start(dir.path(), &["--trap", "mkdir", "--", "sh", "-c", &script]);
    t.wait_for("Pending (1)");
    t.keys(&["A"]);
    t.wait_for("which calls?");
    t.keys(&["Enter"]);
    // Both by the rule: the waiting one when it was made, the later one
    // as it arrived.
    t.wait_until("both mkdirs by the new rule, and the exit", |s| {
        [
            "exited 0",
            "mkdir: ok 0",
            "mkdir: err EEXIST",
            "answered 2 (rules 2, you 0)",
        ]
        .iter()
        .all(|w| s.contains(w))
            && s.matches("rule 1 (this session)").count() == 2
    });
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

#[test]
fn closing_the_terminal_ends_the_demo_and_removes_its_workspace() {
    let dir = tempdir();
    let t = tmux_start(dir.path(), &["demo"]);
    t.wait_for("execve(pathname, argv, envp)");
    let pane = t
        .tmux()
        .args(["list-panes", "-F", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&pane.stdout).trim().to_string();
    let children = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
    let pid = String::from_utf8_lossy(&children.stdout).trim().to_string();
    let workspace = PathBuf::from(format!("/tmp/unotify-demo-{pid}"));
    assert!(workspace.is_dir(), "{}", workspace.display());
    // The terminal goes away: SIGHUP, and writes to it fail from now on.
    let _ = t.tmux().args(["kill-server"]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while workspace.exists() {
        assert!(
            Instant::now() < deadline,
            "{} was left behind",
            workspace.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_log_has_one_record_per_call_decided_by_rules_and_keys() {
    let dir = tempdir();
    let ruled = dir.path().join("ruled");
    std::fs::create_dir(&ruled).unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/**\"\naction = \"allow\"\n",
            ruled.display()
        ),
    )
    .unwrap();
    let log = dir.path().join("calls.jsonl");
    let by_rule: Vec<String> = (0..5)
        .map(|i| ruled.join(format!("d{i}")).to_str().unwrap().to_string())
        .collect();
    let by_key = dir.path().join("asked");
    let mut args = vec![
        "--trap",
        "mkdir",
        "--rules",
        rules.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--",
        *PROG,
        "mkdirs",
        by_key.to_str().unwrap(),
    ];
    args.extend(by_rule.iter().map(String::as_str));
    let t = tmux_start(dir.path(), &args);
    t.wait_for("Pending (1)");
    t.keys(&["a"]);
    t.wait_for("exited 0");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);

    let text = std::fs::read_to_string(&log).expect("the TUI writes --log");
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
        .collect();
    assert_eq!(records.len(), 6, "one record per call:\n{text}");
    let ids: std::collections::HashSet<String> =
        records.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids.len(), 6, "ids are unique:\n{text}");
    assert!(records.iter().all(|r| r["syscall"] == "mkdir"), "{text}");
    let by = |who: &str| {
        records
            .iter()
            .filter(|r| r["decided_by"].as_str().unwrap().starts_with(who))
            .count()
    };
    assert_eq!(by("rule 1"), 5, "{text}");
    assert_eq!(by("user"), 1, "{text}");
}

/// A --save-rules file that could never be written is refused at start,
/// not after a session's worth of decisions.
#[test]
fn a_save_rules_file_that_is_not_a_rule_file_is_refused_at_start() {
    let dir = tempdir();
    let t = tmux_start(dir.path(), &["--save-rules", "/dev/zero", "--", "true"]);
    assert_eq!(t.exit_status(), 2);
    let screen = t.screen();
    assert!(
        screen.contains("cannot read /dev/zero: not a regular file"),
        "{screen}"
    );
}

/// A rule file allowing every getppid: the flood of calls no person sees.
fn getppid_rules(dir: &Path) -> PathBuf {
    let rules = dir.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nsyscall = \"getppid\"\naction = \"allow\"\n",
    )
    .unwrap();
    rules
}

/// A log that cannot be written is said on the message line while the
/// session goes on (not only at exit), and again after it; the program's
/// exit status stays its own.
#[test]
fn a_log_on_a_full_disk_is_said_at_once_and_the_session_goes_on() {
    let dir = tempdir();
    let rules = getppid_rules(dir.path());
    let asked = dir.path().join("asked");
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "getppid,mkdir",
            "--rules",
            rules.to_str().unwrap(),
            "--log",
            "/dev/full",
            "--",
            "sh",
            "-c",
            &format!("{} getppid 20 && mkdir {}", *PROG, asked.display()),
        ],
    );
    // Rule-decided calls were logged (and failed) before this call waits.
    let screen = t.wait_for("mkdir(pathname, mode)");
    let screen = if screen.contains("No space left on device") {
        screen
    } else {
        t.wait_for("No space left on device")
    };
    assert!(
        screen.contains("writing the log /dev/full: No space left on device"),
        "{screen}"
    );
    t.keys(&["a"]);
    t.wait_for("exited 0");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0, "the program's status, not the log's");
    assert!(asked.is_dir(), "the session went on after the log failed");
    let screen = t.screen();
    assert!(
        screen.contains("writing the log /dev/full: No space left on device"),
        "said again at exit:\n{screen}"
    );
}

/// A log nobody reads (a FIFO whose reader never reads) slows the program
/// instead of filling memory, and does not make unotify-tui unkillable:
/// q ends it within seconds and says how many records were not written.
#[test]
fn a_log_nobody_reads_does_not_keep_the_tui_from_quitting() {
    let dir = tempdir();
    let rules = getppid_rules(dir.path());
    let fifo = dir.path().join("log.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    // A reader that never reads: opening for writing then succeeds, and
    // writes block once the pipe is full.
    let _reader = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&fifo)
        .unwrap();
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "getppid",
            "--rules",
            rules.to_str().unwrap(),
            "--log",
            fifo.to_str().unwrap(),
            "--",
            *PROG,
            "getppid",
            "1000000",
        ],
    );
    t.wait_for("answered");
    // The program is held back by the log: the count stops growing well
    // short of the million.
    std::thread::sleep(Duration::from_millis(1500));
    let answered = |s: &str| -> u64 {
        let at = s.find("answered ").expect("the status line") + "answered ".len();
        s[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let before = answered(&t.screen());
    std::thread::sleep(Duration::from_millis(500));
    let after = answered(&t.screen());
    assert_eq!(before, after, "calls go on while the log is stuck");
    assert!(before < 100_000, "{before} calls answered past a stuck log");
    // The screen still answers keys.
    t.keys(&["?"]);
    t.wait_for("Keys");
    t.escape_from("Keys");
    t.keys(&["q"]);
    t.wait_for("Quit unotify-tui?");
    let quit = Instant::now();
    t.keys(&["Enter"]);
    assert_eq!(t.exit_status(), 128 + 9);
    assert!(
        quit.elapsed() < Duration::from_secs(10),
        "{:?}",
        quit.elapsed()
    );
    let screen = t.screen();
    assert!(screen.contains("did not return"), "{screen}");
    assert!(screen.contains("records not written"), "{screen}");
}

/// `BIN` and the test program, quoted for a shell command line.
fn quoted_bin_and_prog() -> (String, String) {
    let q = |a: &str| format!("'{}'", a.replace('\'', r"'\''"));
    (q(BIN), q(*PROG))
}

#[test]
fn piped_stdin_and_redirected_stdout_go_to_the_program_under_the_tui() {
    // As with fzf or less: the TUI draws on the terminal, and the pipe
    // and the file are the program's own stdin and stdout.
    let dir = tempdir();
    let (bin, _) = quoted_bin_and_prog();
    let t = tmux_shell(
        dir.path(),
        &format!("echo piped-x | {bin} --trap write -- cat > out"),
    );
    t.wait_for("write(fd, buf, count)");
    // The status line, drawn on the terminal: stdout is the file.
    t.wait_for("waiting on you");
    t.keys(&["a"]);
    t.wait_for("exited 0");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out")).unwrap(),
        "piped-x\n"
    );
}

#[test]
fn stdin_from_a_file_reaches_the_program_and_its_output_the_pane() {
    let dir = tempdir();
    std::fs::write(dir.path().join("in"), "from-the-file\n").unwrap();
    let (bin, _) = quoted_bin_and_prog();
    let t = tmux_shell(dir.path(), &format!("{bin} --trap write -- cat < in"));
    t.wait_for("write(fd, buf, count)");
    t.keys(&["a"]);
    // Written to the pty: the program pane shows it.
    t.wait_for_all(&["exited 0", "from-the-file"]);
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    // And the TUI gives the terminal back with the program's last screen.
    t.wait_for("from-the-file");
}

#[test]
fn without_a_terminal_it_runs_headless_and_says_so() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let err = dir.path().join("err");
    // setsid: a new session with no controlling terminal, so /dev/tty
    // does not open, whatever terminal the test suite runs in.
    let status = Command::new("setsid")
        .args(["-w", BIN, "--output"])
        .arg(dir.path().join("trace"))
        .args(["--", *PROG, "mkdir-exit"])
        .arg(dir.path().join("made"))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .status()
        .expect("setsid (util-linux)");
    let err = std::fs::read_to_string(&err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(
        err,
        "unotify-tui: no terminal: running headless (--headless to say so)\n"
    );
    assert!(dir.path().join("made").is_dir());
    let trace = std::fs::read_to_string(dir.path().join("trace")).unwrap();
    assert!(trace.contains("mkdir("), "{trace}");
}

/// A shell's background job outlives the shell, as it does outside
/// unotify-tui: the session stays open for it (the kernel would hang it
/// up when its leader exits), its calls still wait for a person, the
/// status line says it runs, and q asks before ending it.
#[test]
fn a_background_child_outlives_the_program_and_is_still_supervised() {
    let dir = tempdir();
    let target = dir.path().join("DIR");
    let script = format!("(sleep 1 && mkdir '{}') & echo started", target.display());
    let t = tmux_start(dir.path(), &["--trap", "mkdir", "--", "sh", "-c", &script]);
    let screen = t.wait_for("mkdir(pathname, mode)");
    assert!(screen.contains("started"), "{screen}");
    assert!(screen.contains("program exited 0 · "), "{screen}");
    assert!(screen.contains("still running"), "{screen}");
    t.keys(&["q"]);
    let screen = t.wait_for("Quit unotify-tui?");
    assert!(screen.contains("1 call still waits"), "{screen}");
    assert!(screen.contains("it started still"), "{screen}");
    t.escape_from("Quit unotify-tui?");
    t.keys(&["a"]);
    // Everything has exited: the status line says only how the program did.
    let deadline = Instant::now() + Duration::from_secs(15);
    let screen = loop {
        let s = t.screen();
        if s.contains(" exited 0 ") && !s.contains("still running") {
            break s;
        }
        assert!(Instant::now() < deadline, "still running:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(target.is_dir(), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// The program's process group is its terminal's foreground group (the
/// session leader made it so): Ctrl-C typed in the pane reaches it.
#[test]
fn ctrl_c_in_the_pane_reaches_the_program() {
    let dir = tempdir();
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--",
            "sh",
            "-c",
            // `ready` in two pieces: the pane's title shows the command
            // line, and only the shell's output, once the trap is set,
            // may end the wait.
            "trap 'echo caught; exit 3' INT; printf 'rea%s\\n' dy; while :; do sleep 1; done",
        ],
    );
    t.wait_for("ready");
    t.keys(&["Tab", "Tab"]);
    t.wait_for("keys go here");
    t.keys(&["C-c"]);
    t.wait_for_all(&["exited 3", "caught"]);
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 3);
}

/// A lesson beyond basics in the TUI: the program pane says what happens
/// and what to press at each step, the person answers, and the pane shows
/// what the kernel did (the stacked ERRNO filter won: EROFS, and the call
/// never came to the TUI).
#[test]
fn the_precedence_lesson_hints_what_to_press_and_shows_the_errno_filter_win() {
    let dir = tempdir();
    let t = tmux_start(dir.path(), &["demo", "precedence"]);
    allow_exec(&t);
    t.wait_for("next: mkdir plain: only unotify-tui's filter is installed");
    t.wait_for("\"plain\"</tmp/unotify-demo-");
    t.keys(&["a"]);
    t.wait_for("[1/3] mkdir plain (unotify-tui's filter only) → ok");
    t.wait_for("next: mkdir under-trace: TRACE ranks below USER_NOTIF");
    t.wait_for("\"under-trace\"</tmp/unotify-demo-");
    t.keys(&["a"]);
    // Three answers by the person: execve, plain, under-trace; nothing
    // else came to ask.
    let screen = t.wait_for_all(&["exited 0", "failed: EROFS", "you 3)"]);
    assert!(!screen.contains("\"under-errno\""), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// A program that printed 500 lines: Shift-PgUp brings its first line
/// back into the pane, Shift-PgDn returns to the live screen.
#[test]
fn the_program_pane_scrolls_back_to_an_early_line() {
    let dir = tempdir();
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--",
            "sh",
            "-c",
            "i=1; while [ $i -le 500 ]; do echo \"row-$i-end\"; i=$((i+1)); done",
        ],
    );
    let screen = t.wait_for("row-500-end");
    t.wait_for("exited 0");
    assert!(!screen.contains("row-1-end"), "{screen}");
    // A page is the pane's height less a line (11 here): 60 pages reach
    // the top whatever the layout.
    t.keys(&["S-PPage"; 60]);
    let screen = t.wait_for("row-1-end");
    assert!(screen.contains("lines back"), "{screen}");
    assert!(!screen.contains("row-500-end"), "{screen}");
    t.keys(&["S-NPage"; 60]);
    let screen = t.wait_for("row-500-end");
    assert!(!screen.contains("lines back"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
}

/// 301 mkdirs decided by rules, the denied one first: `/` brings it back
/// into view long after it scrolled away, `&` shows only the matching
/// entries, `s` counts them all, and `--summary` prints the same table on
/// the terminal once the TUI has ended.
#[test]
fn search_filter_and_stats_find_calls_that_scrolled_away() {
    let dir = tempdir();
    let early = dir.path().join("early");
    let ruled = dir.path().join("ruled");
    std::fs::create_dir(&ruled).unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}\"\naction = \"deny\"\n\n\
             [[rule]]\nsyscall = \"mkdir\"\npath = \"{}/*\"\naction = \"allow\"\n",
            early.display(),
            ruled.display()
        ),
    )
    .unwrap();
    let script = dir.path().join("run.sh");
    let later: Vec<String> = (0..300)
        .map(|i| format!("'{}/d{i}'", ruled.display()))
        .collect();
    std::fs::write(
        &script,
        format!(
            "'{prog}' mkdir '{early}'\n'{prog}' mkdirs {later}\n",
            prog = *PROG,
            early = early.display(),
            later = later.join(" ")
        ),
    )
    .unwrap();
    let t = tmux_start(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--rules",
            rules.to_str().unwrap(),
            "--summary",
            "--",
            "sh",
            script.to_str().unwrap(),
        ],
    );
    t.wait_for("exited 0");
    let screen = t.wait_for("answered 301");
    // The program saw the deny; the file system agrees.
    assert!(!early.exists());
    assert!(ruled.join("d299").exists());
    assert!(!screen.contains("early\""), "scrolled away:\n{screen}");

    t.keys(&["/"]);
    t.wait_for("search history for");
    t.keys(&["-l", "deny mkdir"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("entry 1 of 301");
    assert!(screen.contains("/early\" → deny = -1 EPERM"), "{screen}");

    t.keys(&["&"]);
    t.wait_for("show only the history entries matching");
    t.keys(&["-l", "allow */d1?"]);
    t.keys(&["Enter"]);
    // The title is drawn before the rows: a capture can catch the frame
    // half drawn, the dialog's last line and the old rows still there.
    let screen = t.wait_until("the filtered history, all of it drawn", |s| {
        s.contains("History: only `allow */d1?` (10 of 301")
            && (10..20).all(|i| s.contains(&format!("/d{i}\"")))
    });
    assert!(
        !screen.contains("/d20\"") && !screen.contains("/d9\""),
        "{screen}"
    );
    assert!(!screen.contains("early\""), "{screen}");
    // A filter that does not parse says why and keeps this one.
    t.keys(&["&"]);
    t.wait_for("show only the history entries matching");
    t.keys(&["-l", " pid"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("filter not changed");
    assert!(
        screen.contains("History: only `allow */d1?` (10 of 301"),
        "{screen}"
    );

    t.keys(&["s"]);
    let screen = t.wait_for("Calls per syscall, sorted by calls");
    let row = screen
        .lines()
        .find(|l| l.contains("│mkdir "))
        .unwrap_or_else(|| panic!("a mkdir row:\n{screen}"));
    let table = &row[row.find("│mkdir ").unwrap()..];
    let cells: Vec<&str> = table.split(['│', ' ']).filter(|w| !w.is_empty()).collect();
    // mkdir, calls, allow, deny, return, emulate, gone, rule, …
    assert_eq!(
        &cells[..8],
        ["mkdir", "301", "300", "1", "0", "0", "0", "301"],
        "{row}"
    );
    t.escape_from("Calls per syscall");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    let screen = t.wait_for("unotify-tui: summary");
    let row = screen
        .lines()
        .skip_while(|l| !l.starts_with("unotify-tui: summary"))
        .find(|l| l.starts_with("mkdir "))
        .unwrap_or_else(|| panic!("a mkdir row after the TUI:\n{screen}"));
    let cells: Vec<&str> = row.split_whitespace().filter(|w| *w != "│").collect();
    assert_eq!(
        &cells[..8],
        ["mkdir", "301", "300", "1", "0", "0", "0", "301"],
        "{row}"
    );
}
