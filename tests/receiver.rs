//! The receiver blocks in RECV (no poll before it); these check that it
//! still ends when asked while the program runs on, and when the last
//! process under the filter exits. And a call it answers before decoding
//! shows what it was given.

mod common;

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use clap::Parser;
use unotify_tui::cli::Cli;
use unotify_tui::model::{Answer, DecidedBy, Record};
use unotify_tui::session::{self as run, Target};
use unotify_tui::supervisor::Event;

/// Taken by each test first, for its whole run. A launch reaps every
/// child of this process until none is left, the cargo run that builds
/// the test program ([`common::PROG`]) included, which then fails with
/// ECHILD: the first test to get here builds it, before anything was
/// launched, and the tests run one at a time, each once the reaper of
/// the one before has left (it could reap this one's children).
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    std::sync::LazyLock::force(&common::PROG);
    common::wait_for_reapers_to_leave();
    one
}

fn launch(trap: &str, program: &str, args: &[&str]) -> run::Running {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    launch_with(&["--trap", trap], None, OsStr::new(program), &args)
}

/// Launches `program` with `options` (unotify-tui's, before `--`), no
/// default rules, every call no rule decides allowed; `resolve_paths`,
/// where given, says whether real paths are looked for before answers
/// (false: as with the trace written nowhere).
fn launch_with(
    options: &[&str],
    resolve_paths: Option<bool>,
    program: &OsStr,
    args: &[&OsStr],
) -> run::Running {
    let mut argv = vec!["unotify-tui", "--no-default-rules"];
    argv.extend_from_slice(options);
    argv.extend(["--", "x"]);
    let cli = Cli::parse_from(argv);
    let mut plan = run::plan(&cli.opts, Vec::new()).expect("plan");
    if let Some(r) = resolve_paths {
        plan.resolve_paths = r;
    }
    let target = Target {
        program: program.into(),
        args: args.iter().map(|a| a.into()).collect(),
        cwd: None,
    };
    run::launch(&target, plan, Some(Answer::Allow), None).expect("launch")
}

/// The records of a run to its end, which must be the program's exit 0;
/// no call may wait for a person.
fn records_to_the_end(running: &run::Running) -> Vec<Record> {
    let mut records = Vec::new();
    loop {
        match running.events.recv_timeout(Duration::from_secs(30)) {
            Ok(Event::Answered(rec)) => records.push(*rec),
            Ok(Event::ListenerClosed) => break,
            Ok(Event::Pending(call)) => panic!("asked about {call:?}"),
            Ok(Event::Failed(why)) => panic!("{why}"),
            Err(e) => panic!("no end of the run: {e}"),
        }
    }
    let status = running.exits.recv_timeout(Duration::from_secs(10));
    assert_eq!(status, Ok(0), "the program's wait status");
    records
}

/// How long `Supervisor::stop` takes while the receiver sits in RECV.
fn stop_time(after: Duration) -> Duration {
    // `sleep` makes no mkdir: the receiver sits in RECV the whole time.
    let running = launch("mkdir", "sleep", &["30"]);
    std::thread::sleep(after);
    let pid = running.pid;
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    let start = Instant::now();
    std::thread::spawn(move || {
        running.supervisor.stop();
        let _ = done_tx.send(());
    });
    // A receiver nobody can wake would hang here: fail instead.
    let stopped = done_rx.recv_timeout(Duration::from_secs(3));
    let took = start.elapsed();
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    assert!(stopped.is_ok(), "stop did not return in {took:?}");
    took
}

#[test]
fn stop_returns_while_the_receiver_waits_in_recv() {
    let _one = one_at_a_time();
    // Woken at once, not after a poll timeout. One stop may by luck come
    // just before the timeout of a receiver that polls every 100 ms; the
    // median of ten stops at every phase of it is half its period, far
    // above this limit, while a woken receiver stays far below it even
    // with a few slow stops on a busy machine.
    const RUNS: u32 = 10;
    // Each stop comes 10 ms later after the launch than the one before,
    // so they fall at every phase of a 100 ms poll begun at the launch.
    let times: Vec<Duration> = (0..RUNS)
        .map(|i| stop_time(Duration::from_millis(100 + 10 * u64::from(i))))
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert!(
        sorted[RUNS as usize / 2] < Duration::from_millis(25),
        "stops took {times:?}"
    );
}

#[test]
fn hang_up_is_reported_after_the_last_process_exits() {
    let _one = one_at_a_time();
    // The shell forks a child that outlives it a little: the listener
    // hangs up only when both are gone.
    let running = launch(
        "mkdir,mkdirat",
        "sh",
        &["-c", "(sleep 0.3; mkdir /proc/x 2>/dev/null) &"],
    );
    let start = Instant::now();
    let mut answered = 0;
    loop {
        match running.events.recv_timeout(Duration::from_secs(5)) {
            Ok(Event::ListenerClosed) => break,
            Ok(Event::Answered(rec))
                if matches!(
                    rec.call.sysno,
                    Some(syscalls::Sysno::mkdir | syscalls::Sysno::mkdirat)
                ) =>
            {
                answered += 1
            }
            Ok(_) => {}
            Err(e) => panic!("no hang-up after {:?}: {e}", start.elapsed()),
        }
    }
    assert_eq!(
        answered, 1,
        "the orphan's mkdir was answered before the hang-up"
    );
    assert!(start.elapsed() >= Duration::from_millis(250));
    running.supervisor.stop();
}

/// Nobody reads the events (as when the reader is the one stopping the
/// supervisor: `attach --headless` leaving on a signal): the receiver
/// waits for room in the full queue, and must still stop, answering what
/// waits, instead of both waiting for each other for ever.
#[test]
fn stopping_with_the_event_queue_full_returns() {
    let _one = one_at_a_time();
    // dd reads one byte a million times. (Not the test program: building
    // it runs cargo, whose exit another test's launch may reap first.)
    let mut running = launch(
        "read",
        "dd",
        &["if=/dev/zero", "of=/dev/null", "bs=1", "count=1000000"],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while running.events.len() < run::EVENTS_BOUND {
        assert!(
            Instant::now() < deadline,
            "the queue did not fill: {} events",
            running.events.len()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The program now waits for its next call's answer, which waits for
    // room in the queue.
    let pid = running.pid;
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    let events = running.events.clone();
    std::thread::spawn(move || {
        running.supervisor.stop_answering(Answer::Allow);
        let _ = done_tx.send(());
    });
    let stopped = done_rx.recv_timeout(Duration::from_secs(10));
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    );
    assert!(stopped.is_ok(), "stop_answering did not return");
    // Nothing was dropped to get there: the record of the call that
    // waited for room is in the queue too.
    assert!(events.len() > run::EVENTS_BOUND, "{}", events.len());
}

/// The records of one run of the test program's `paths-moving` in `dir`,
/// every trapped call allowed by the default action; real paths looked
/// for before each answer or not (when nothing wants them, path calls are
/// answered first and decoded afterwards, from what was read while they
/// waited).
fn paths_moving_records(dir: &std::path::Path, resolve_paths: bool) -> Vec<String> {
    let running = launch_with(
        &["--trap", "mkdir,mkdirat,renameat,unlinkat,symlinkat"],
        Some(resolve_paths),
        OsStr::new(*common::PROG),
        &[OsStr::new("paths-moving"), dir.as_os_str()],
    );
    let records = records_to_the_end(&running)
        .iter()
        .map(|rec| {
            format!(
                "{} → {:?} {:?}",
                unotify_tui::decode::format_call(&rec.call),
                rec.decided_by,
                rec.outcome
            )
        })
        .collect();
    running.supervisor.stop();
    records
}

/// A path call answered before it is decoded shows what the kernel was
/// given, not what the program made of its memory, cwd and fds after the
/// answer; it shows what the same call shows decoded before its answer,
/// and the program gets what it gets without unotify-tui.
#[test]
fn path_calls_decoded_after_their_answer_show_what_the_kernel_was_given() {
    let _one = one_at_a_time();
    let alone = common::tempdir();
    let out = std::process::Command::new(*common::PROG)
        .arg("paths-moving")
        .arg(alone.path())
        .status()
        .unwrap();
    assert!(out.success());
    let expected_report = std::fs::read_to_string(alone.path().join("report")).unwrap();
    let mut seen = Vec::new();
    for resolve_paths in [false, true] {
        let dir = common::tempdir();
        let records = paths_moving_records(dir.path(), resolve_paths);
        let report = std::fs::read_to_string(dir.path().join("report")).unwrap();
        assert_eq!(report, expected_report, "resolve_paths {resolve_paths}");
        // What was done is what the program did alone.
        assert!(dir.path().join("a/b").is_dir());
        assert!(!dir.path().join("a/c").exists() && !dir.path().join("a/d").exists());
        assert_eq!(
            std::fs::read_link(dir.path().join("s")).unwrap(),
            std::path::Path::new("a")
        );
        // One name for both runs' directories.
        let d = dir.path().to_str().unwrap();
        seen.push(
            records
                .iter()
                .map(|r| r.replace(d, "DIR"))
                .collect::<Vec<_>>(),
        );
    }
    let long = format!("\"{}\"...", "x".repeat(4096));
    let expected = [
        "mkdirat(AT_FDCWD, \"a\"<DIR/a>, 0755)",
        "mkdir(\"b\"<DIR/a/b>, 0700)",
        "mkdirat(3<DIR/a>, \"c\"<DIR/a/c>, 0755)",
        "renameat(3<DIR>, \"a/c\"<DIR/a/c>, 3<DIR>, \"a/d\"<DIR/a/d>)",
        "unlinkat(3<DIR>, \"a/d\"<DIR/a/d>, AT_REMOVEDIR)",
        "symlinkat(\"a\", AT_FDCWD, \"DIR/s\")",
        "mkdirat(AT_FDCWD, NULL, 0755)",
        "mkdirat(AT_FDCWD, <unreadable: EFAULT>, 0755)",
        "mkdirat(AT_FDCWD, \"\", 0755)",
        "mkdirat(1000, \"e\", 0755)",
        &format!("mkdirat(AT_FDCWD, {long}, 0755)"),
    ];
    for (lane, records) in seen.iter().enumerate() {
        let calls: Vec<&str> = records
            .iter()
            .map(|r| r.split(" → ").next().unwrap())
            .collect();
        assert_eq!(calls.len(), expected.len(), "{records:#?}");
        for (got, want) in calls.iter().zip(&expected) {
            assert!(got.starts_with(want), "lane {lane}: {got}\n  not {want}");
        }
        assert!(
            records.iter().all(|r| r.ends_with("→ Default Continued")),
            "{records:#?}"
        );
    }
    assert_eq!(seen[0], seen[1], "the two lanes' records");
}

/// Calls a rule decides by their syscall alone are answered before they
/// are decoded, in both quick lanes (numbers: getpriority; a path:
/// mkdir): the rule's hits still count every one of them, with the time
/// of the last, as the rule list shows them.
#[test]
fn rules_that_answer_before_decoding_count_every_hit() {
    let _one = one_at_a_time();
    let dir = common::tempdir();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nsyscall = \"getpriority\"\naction = \"allow\"\n\n\
         [[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\nerrno = \"EACCES\"\n",
    )
    .unwrap();
    let started = std::time::SystemTime::now();
    // Nobody wants real paths, as with the trace written nowhere.
    let running = launch_with(
        &[
            "--trap",
            "getpriority,mkdir",
            "--rules",
            rules.to_str().unwrap(),
        ],
        Some(false),
        OsStr::new(*common::PROG),
        &[
            OsStr::new("prio-mkdir"),
            OsStr::new("300"),
            dir.path().as_os_str(),
        ],
    );
    let mut by_rule = [0usize; 2];
    for rec in records_to_the_end(&running) {
        match rec.decided_by {
            DecidedBy::Rule { number, .. } => by_rule[number - 1] += 1,
            other => panic!("decided by {other:?}"),
        }
    }
    let ended = std::time::SystemTime::now();
    assert_eq!(by_rule, [300, 300], "records by rule");
    let info = running.supervisor.rules().snapshot();
    running.supervisor.stop();
    for rule in &info[..2] {
        assert_eq!(rule.hits, 300, "{}", rule.description);
        let last = rule.last_hit.expect("a last hit");
        // Kept in microseconds.
        let started = started - Duration::from_micros(1);
        assert!(started <= last && last <= ended, "{}", rule.description);
    }
    // The program got the rule's answer.
    assert!(!dir.path().join("m0").exists());
}

/// The CPUs the task whose `/proc` directory is `task` may run on, as
/// its `Cpus_allowed_list` gives them.
fn cpus_allowed(task: &std::path::Path) -> Option<String> {
    let status = std::fs::read_to_string(task.join("status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|l| l.trim().to_owned())
}

/// The CPUs the receiver thread of this process may run on; `None`
/// while there is no receiver.
fn receivers_cpus() -> Option<String> {
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .filter_map(|t| t.ok())
        .find(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|c| c.trim_end() == "unotify-recv")
        })
        .and_then(|t| cpus_allowed(&t.path()))
}

/// A CPU list such as `0-3,6` names one CPU.
fn one_cpu(list: &str) -> bool {
    !list.contains([',', '-'])
}

/// While one thread's rule-decided calls pour in, the receiver keeps to
/// one CPU (the program's thread is woken where the receiver runs, so
/// the pair stays together); the pin is lifted again, and the program
/// gets every answer as without it.
#[test]
fn the_receiver_keeps_to_one_cpu_while_one_thread_calls() {
    let _one = one_at_a_time();
    let free = cpus_allowed(std::path::Path::new("/proc/self")).unwrap();
    let dir = common::tempdir();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nsyscall = \"getppid\"\naction = \"allow\"\n",
    )
    .unwrap();
    let running = launch_with(
        &["--trap", "getppid", "--rules", rules.to_str().unwrap()],
        Some(false),
        OsStr::new(*common::PROG),
        &[OsStr::new("getppid"), OsStr::new("200000")],
    );
    let watch = std::thread::spawn(move || {
        let (mut pinned, mut unpinned) = (0, 0);
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            match receivers_cpus() {
                Some(list) if one_cpu(&list) => pinned += 1,
                Some(_) => unpinned += 1,
                None if pinned + unpinned > 0 => break,
                None => {}
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        (pinned, unpinned)
    });
    let records = records_to_the_end(&running);
    let answered = records
        .iter()
        .filter(|r| {
            r.call.sysno == Some(syscalls::Sysno::getppid) && r.answer == Some(Answer::Allow)
        })
        .count();
    assert_eq!(answered, 200_000, "every getppid allowed and recorded");
    drop(running);
    let (pinned, unpinned) = watch.join().unwrap();
    if one_cpu(&free) {
        // Nothing to pin to: the receiver was seen, on the one CPU.
        assert!(pinned > 0 && unpinned == 0, "only {free} to run on");
    } else {
        assert!(
            pinned > 0,
            "never kept to one CPU ({unpinned} looks, CPUs {free})"
        );
        // Not all along: only after a run of calls, and lifted every
        // 20 ms for the scheduler to move it.
        assert!(unpinned > 0, "never free ({pinned} looks)");
    }
}
