//! Calls held pending through the library, as the TUI holds them while a
//! person decides: many at once, answered out of order, the target killed
//! under them, a signal interrupting them. Every call is answered exactly
//! once, and the answer reaches the thread that made the call.
//!
//! `launch` makes the test process a child subreaper and reaps every child
//! with `waitpid(-1)`, so these tests run one at a time and never share the
//! process with tests that start programs another way.

mod common;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use clap::Parser;
use common::{PROG, require, tempdir};
use unotify_tui::cli::Cli;
use unotify_tui::errno::Errno;
use unotify_tui::model::{Answer, DecidedBy};
use unotify_tui::model::{Call, Value};
use unotify_tui::model::{Outcome, Record};
use unotify_tui::session::{Running, Target, launch, plan};
use unotify_tui::supervisor::{Decision, Event};

static SERIAL: Mutex<()> = Mutex::new(());

const WAIT: Duration = Duration::from_secs(10);

/// A target started under the supervisor with no fallback answer: every
/// trapped call arrives as `Event::Pending`.
struct Session {
    running: Option<Running>,
    /// `Event::ListenerClosed` was seen (it may come before the records
    /// of late decisions: the last process can leave first).
    closed: std::cell::Cell<bool>,
    /// The target's wait status, once reaped.
    status: std::cell::Cell<Option<i32>>,
    out: PathBuf,
    _dir: tempfile::TempDir,
    _serial: MutexGuard<'static, ()>,
}

/// What the session saw after the target ended.
struct Ended {
    code: i32,
    stdout: String,
    /// Records that arrived while waiting for the end.
    records: Vec<Record>,
    /// Calls that arrived pending while waiting for the end.
    pending: usize,
}

impl Session {
    /// Runs `unotify-testprog ARGS` with `opts` (unotify-tui options); its
    /// output goes to a file.
    fn start(opts: &[&str], args: &[&[u8]]) -> Session {
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        // The previous session's reaper leaves once it has no child left;
        // until then it could reap ours.
        common::wait_for_reapers_to_leave();
        let dir = tempdir();
        let out = dir.path().join("stdout.txt");
        let mut argv = vec!["unotify-tui", "--no-default-rules"];
        argv.extend_from_slice(opts);
        argv.extend(["--", "unused"]);
        let cli = Cli::try_parse_from(argv).expect("options parse");
        let plan = plan(&cli.opts, Vec::new()).expect("a valid plan");
        use std::os::unix::ffi::OsStringExt;
        let mut target_args = vec![
            OsString::from("-c"),
            OsString::from(format!("exec \"$0\" \"$@\" >'{}' 2>&1", out.display())),
            OsString::from(*PROG),
        ];
        target_args.extend(args.iter().map(|a| OsString::from_vec(a.to_vec())));
        let target = Target {
            program: "/bin/sh".into(),
            args: target_args,
            cwd: None,
        };
        let running = launch(&target, plan, None, None).expect("launch");
        Session {
            running: Some(running),
            closed: std::cell::Cell::new(false),
            status: std::cell::Cell::new(None),
            out,
            _dir: dir,
            _serial: serial,
        }
    }

    fn running(&self) -> &Running {
        self.running.as_ref().unwrap()
    }

    fn pid(&self) -> u32 {
        self.running().pid
    }

    fn signal(&self, sig: i32) {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.pid() as i32),
            nix::sys::signal::Signal::try_from(sig).unwrap(),
        )
        .unwrap();
    }

    fn next(&self, deadline: Instant, what: &str) -> Event {
        let left = deadline.saturating_duration_since(Instant::now());
        self.running()
            .events
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
    }

    /// The next `n` events, which must all be pending calls.
    fn pending(&self, n: usize) -> Vec<Arc<Call>> {
        let deadline = Instant::now() + WAIT;
        (0..n)
            .map(
                |i| match self.next(deadline, &format!("pending call {i}")) {
                    Event::Pending(c) => c,
                    other => panic!("expected a pending call, got {other:?}"),
                },
            )
            .collect()
    }

    /// The next `n` records; no call may arrive pending meanwhile.
    fn answered(&self, n: usize) -> Vec<Record> {
        let deadline = Instant::now() + WAIT;
        let mut records = Vec::new();
        while records.len() < n {
            match self.next(deadline, &format!("record {}", records.len())) {
                Event::Answered(r) => records.push(*r),
                Event::ListenerClosed if !self.closed.replace(true) => {}
                other => panic!("expected a record, got {other:?}"),
            }
        }
        records
    }

    /// Waits for the target to exit; its wait status.
    fn status(&self) -> i32 {
        if let Some(st) = self.status.get() {
            return st;
        }
        let st = self
            .running()
            .exits
            .recv_timeout(WAIT)
            .expect("the target exits");
        self.status.set(Some(st));
        st
    }

    /// False when the call was answered already (or went away and the
    /// supervisor reported it gone): nothing is sent then.
    fn decide(&self, call: &Arc<Call>, answer: Answer) -> bool {
        self.running().supervisor.decide(Decision {
            call: Arc::clone(call),
            answer,
            by: DecidedBy::User,
        })
    }

    fn id_valid(&self, call: &Call) -> bool {
        self.running()
            .supervisor
            .notify_fd()
            .id_valid(call.notif.id)
    }

    /// Waits for the target's exit and for the listener to close.
    fn end(mut self) -> Ended {
        let status = self.status();
        let deadline = Instant::now() + WAIT;
        let running = self.running.take().unwrap();
        let (mut records, mut pending) = (Vec::new(), 0);
        while !self.closed.get() {
            let left = deadline.saturating_duration_since(Instant::now());
            match running
                .events
                .recv_timeout(left)
                .expect("the listener closes")
            {
                Event::Answered(r) => records.push(*r),
                Event::Pending(_) => pending += 1,
                Event::ListenerClosed => self.closed.set(true),
                Event::Failed(m) => panic!("the supervisor failed: {m}"),
            }
        }
        let code = running.exit_code(status);
        running.supervisor.stop();
        Ended {
            code,
            stdout: std::fs::read_to_string(&self.out).unwrap_or_default(),
            records,
            pending,
        }
    }
}

impl Drop for Session {
    /// A failed test must not leave its target blocked for ever.
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(r.pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
            if self.status.get().is_none() {
                let _ = r.exits.recv_timeout(WAIT);
            }
            r.supervisor.stop();
        }
    }
}

fn path_of(call: &Call) -> String {
    match &call.args[0].value {
        Value::Path { given, .. } => String::from_utf8(given.clone()).unwrap(),
        other => panic!("mkdir's path decoded as {other:?}"),
    }
}

fn ids(records: &[Record]) -> Vec<u64> {
    records.iter().map(|r| r.call.notif.id).collect()
}

/// Every id in `records` once, and exactly the ids of `calls`.
fn assert_each_answered_once(calls: &[Arc<Call>], records: &[Record]) {
    let got = ids(records);
    let unique: HashSet<u64> = got.iter().copied().collect();
    assert_eq!(
        unique.len(),
        got.len(),
        "a call was answered twice: {got:?}"
    );
    let asked: HashSet<u64> = calls.iter().map(|c| c.notif.id).collect();
    assert_eq!(unique, asked, "answered ids differ from the pending ones");
}

#[test]
fn thread_storm_is_answered_in_reverse_order_each_thread_getting_its_own_answer() {
    let s = Session::start(&["--trap", "mkdir"], &[b"threads", b"16", b"/x/t"]);
    let calls = s.pending(16);
    let tids: HashSet<u32> = calls.iter().map(|c| c.notif.pid).collect();
    assert_eq!(tids.len(), 16, "16 threads, each with one call pending");
    assert!(
        calls.iter().all(|c| s.id_valid(c)),
        "all 16 pending at once"
    );

    // The k-th call to arrive gets 1000 + k; answers go out last first.
    let value: HashMap<u64, i64> = calls
        .iter()
        .enumerate()
        .map(|(k, c)| (c.notif.id, 1000 + k as i64))
        .collect();
    for c in calls.iter().rev() {
        s.decide(c, Answer::Return(value[&c.notif.id]));
    }
    let records = s.answered(16);
    assert_each_answered_once(&calls, &records);
    let reversed: Vec<u64> = calls.iter().rev().map(|c| c.notif.id).collect();
    assert_eq!(ids(&records), reversed, "answered in the order decided");
    for r in &records {
        assert_eq!(r.outcome, Outcome::Returned(value[&r.call.notif.id]));
    }

    let end = s.end();
    assert_eq!(end.code, 0, "{}", end.stdout);
    assert!(end.records.is_empty() && end.pending == 0);
    // `thread TID PATH RC`: every thread saw the value meant for its call.
    let mut seen = 0;
    for line in end.stdout.lines().filter(|l| l.starts_with("thread ")) {
        let f: Vec<&str> = line.split(' ').collect();
        let (tid, path, rc): (u32, &str, i64) =
            (f[1].parse().unwrap(), f[2], f[3].parse().unwrap());
        let call = calls
            .iter()
            .find(|c| path_of(c) == path)
            .unwrap_or_else(|| panic!("no call for {line}"));
        assert_eq!(call.notif.pid, tid, "{line}");
        assert_eq!(rc, value[&call.notif.id], "{line}");
        seen += 1;
    }
    assert_eq!(seen, 16, "{}", end.stdout);
}

#[test]
fn target_killed_with_calls_pending_leaves_nothing_behind() {
    let s = Session::start(&["--trap", "mkdir"], &[b"threads", b"4", b"/x/k"]);
    let calls = s.pending(4);
    s.signal(libc::SIGKILL);
    let status = s.status();
    assert_eq!(s.running().exit_code(status), 128 + 9);
    for c in &calls {
        assert!(!s.id_valid(c), "a dead thread's call is no longer pending");
    }
    // The supervisor reports each call gone by itself, once, and a
    // decision that comes too late sends nothing and records nothing.
    let records = s.answered(4);
    assert_each_answered_once(&calls, &records);
    for r in &records {
        assert_eq!(r.outcome, Outcome::Gone);
        assert_eq!(r.answer, None);
        assert_eq!(r.decided_by, DecidedBy::Supervisor);
    }
    for c in &calls {
        assert!(!s.decide(c, Answer::Deny(Errno::EPERM)));
    }
    let end = s.end();
    assert_eq!(end.code, 128 + 9);
    assert!(
        end.records.is_empty() && end.pending == 0,
        "nothing else arrives"
    );
}

#[test]
fn signal_interrupts_a_pending_call_which_restarts_as_a_new_one() {
    let s = Session::start(
        &["--trap", "mkdir", "--wait-killable", "off"],
        &[b"restart", b"/x/r"],
    );
    assert!(!s.running().features.wait_killable);
    let first = s.pending(1).remove(0);
    s.signal(libc::SIGUSR1);
    // The sweep may find the first call gone before the restart arrives:
    // its record is kept for the count below.
    let deadline = Instant::now() + WAIT;
    let mut early = Vec::new();
    let second = loop {
        match s.next(deadline, "the restarted call") {
            Event::Pending(c) => break c,
            Event::Answered(r) => early.push(*r),
            other => panic!("expected the restarted call, got {other:?}"),
        }
    };
    assert_ne!(second.notif.id, first.notif.id, "the restart is a new call");
    assert_eq!(second.notif.pid, first.notif.pid);
    assert_eq!(path_of(&second), "/x/r");
    assert!(!s.id_valid(&first), "the interrupted call is gone");
    assert!(s.id_valid(&second));

    assert!(s.decide(&second, Answer::Return(7)));
    // The interrupted call is reported gone by the supervisor's sweep.
    let mut records = early;
    records.extend(s.answered(2 - records.len()));
    assert_each_answered_once(&[Arc::clone(&first), Arc::clone(&second)], &records);
    records.sort_by_key(|r| r.call.notif.id == second.notif.id);
    assert_eq!(records[0].outcome, Outcome::Gone);
    assert_eq!(records[0].answer, None);
    assert_eq!(records[1].outcome, Outcome::Returned(7));
    assert!(!s.decide(&first, Answer::Return(1)), "too late");

    let end = s.end();
    assert_eq!(end.code, 0);
    assert!(end.records.is_empty() && end.pending == 0);
    assert!(end.stdout.contains("mkdir: ok 7"), "{}", end.stdout);
    assert!(end.stdout.contains("handler: 1"), "{}", end.stdout);
}

#[test]
fn signal_without_sa_restart_fails_the_pending_call_with_eintr() {
    let s = Session::start(
        &["--trap", "mkdir", "--wait-killable", "off"],
        &[b"restart", b"/x/n", b"norestart"],
    );
    let first = s.pending(1).remove(0);
    s.signal(libc::SIGUSR1);
    let end_of_call = Instant::now() + WAIT;
    while s.id_valid(&first) {
        assert!(Instant::now() < end_of_call, "the signal never interrupted");
        std::thread::sleep(Duration::from_millis(1));
    }
    let records = s.answered(1);
    assert_each_answered_once(&[Arc::clone(&first)], &records);
    assert_eq!(records[0].outcome, Outcome::Gone);
    assert!(!s.decide(&first, Answer::Return(1)), "too late");
    let end = s.end();
    assert_eq!(end.pending, 0, "no restart without SA_RESTART");
    assert!(end.records.is_empty());
    assert!(end.stdout.contains("mkdir: err EINTR"), "{}", end.stdout);
    assert!(end.stdout.contains("handler: 1"), "{}", end.stdout);
}

/// With WAIT_KILLABLE_RECV (the default), a received call is not
/// interrupted by a signal: the answer reaches the target, and the handler
/// runs afterwards.
#[test]
fn with_wait_killable_a_signal_waits_for_the_answer() {
    let s = Session::start(&["--trap", "mkdir"], &[b"restart", b"/x/w"]);
    if !require(
        s.running().features.wait_killable,
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19 or later)",
    ) {
        return;
    }
    let first = s.pending(1).remove(0);
    s.signal(libc::SIGUSR1);
    // kill(2) has queued the signal; the call stays pending regardless.
    assert!(s.id_valid(&first));
    assert!(s.decide(&first, Answer::Return(7)));
    let records = s.answered(1);
    assert_each_answered_once(&[first], &records);
    assert_eq!(records[0].outcome, Outcome::Returned(7));
    let end = s.end();
    assert_eq!(end.pending, 0);
    assert!(end.stdout.contains("mkdir: ok 7"), "{}", end.stdout);
    assert!(end.stdout.contains("handler: 1"), "{}", end.stdout);
}
