//! The supervisor's library API as the TUI drives it, against real
//! seccomp: calls wait for a person (no default action), and timeouts,
//! holds, decisions and new rules answer them — each exactly once.

mod common;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use clap::Parser;
use common::*;
use unotify_tui::cli::Cli;
use unotify_tui::errno::Errno;
use unotify_tui::model::Call;
use unotify_tui::model::{Answer, DecidedBy};
use unotify_tui::model::{Outcome, Record};
use unotify_tui::output::format as trace;
use unotify_tui::policy::scope::{Lifetime, Narrow, ScopeKind, scopes};
use unotify_tui::policy::write::save_session_rules;
use unotify_tui::session::{self as run, Running, Target};
use unotify_tui::supervisor::{Decision, Event};

/// Every supervised run reaps children with `waitpid(-1)` (and its reaper
/// thread lingers), so runs in one test process could take each other's
/// exit statuses: one at a time, none through `std::process::Command`
/// here, and nothing waits for an exit status, only for the listener to
/// close.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

struct Live {
    running: Running,
    /// What the target wrote to its terminal, read as it comes (so its
    /// writes never block or fail).
    output: Arc<Mutex<Vec<u8>>>,
    /// Records seen per call id, over the whole run.
    seen: Mutex<HashMap<u64, usize>>,
    _turn: MutexGuard<'static, ()>,
}

/// Launches the test program with `opts`, every undecided call waiting
/// for a person.
fn start(opts: &[&str], args: &[&[u8]]) -> Live {
    start_with(opts, args, None)
}

/// Launches with `fallback` as the answer for undecided calls (headless).
fn start_with(opts: &[&str], args: &[&[u8]], fallback: Option<Answer>) -> Live {
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut argv = vec!["unotify-tui", "--no-default-rules", "--trap", "mkdir"];
    argv.extend_from_slice(opts);
    let cli = Cli::try_parse_from(argv).unwrap();
    let plan = run::plan(&cli.opts, Vec::new()).unwrap();
    let pty = nix::pty::openpty(None, None).unwrap();
    let target = Target {
        program: (*PROG).into(),
        args: args.iter().map(|a| OsStr::from_bytes(a).into()).collect(),
        cwd: None,
    };
    let running = run::launch(&target, plan, fallback, Some(pty.slave)).unwrap();
    let output = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&output);
    let mut master = std::fs::File::from(pty.master);
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 4096];
        // Ends with EIO once the target's side is closed.
        while let Ok(n @ 1..) = master.read(&mut buf) {
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    Live {
        running,
        output,
        seen: Mutex::new(HashMap::new()),
        _turn: turn,
    }
}

/// Waits until what the target wrote contains `text`; fails with it.
fn wait_output(output: &Mutex<Vec<u8>>, text: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
        if out.contains(text) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "the program never wrote {text:?}; it wrote {out:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

const WAIT: Duration = Duration::from_secs(10);

impl Live {
    fn next(&self) -> Event {
        self.running
            .events
            .recv_timeout(WAIT)
            .expect("an event in time")
    }

    /// The next `n` calls waiting for a person.
    fn pending(&self, n: usize) -> Vec<Arc<Call>> {
        (0..n)
            .map(|_| match self.next() {
                Event::Pending(c) => c,
                other => panic!("expected a pending call, got {other:?}"),
            })
            .collect()
    }

    fn answered(&self) -> Record {
        match self.next() {
            Event::Answered(r) => {
                self.count(&r);
                *r
            }
            other => panic!("expected an answer, got {other:?}"),
        }
    }

    /// Counts a record for its call: no call gets two.
    fn count(&self, r: &Record) {
        let mut seen = self.seen.lock().unwrap();
        let n = seen.entry(r.call.notif.id).or_default();
        *n += 1;
        assert_eq!(*n, 1, "a second record for call {}: {r:?}", r.call.notif.id);
    }

    /// Every record until the program is gone and the supervisor stopped:
    /// the events channel closes only when nothing can send on it any
    /// more, so a late record (an emulation, a duplicate) is seen however
    /// late it comes.
    fn finish(self) -> Vec<Record> {
        let mut out = Vec::new();
        loop {
            match self.next() {
                Event::Answered(r) => {
                    self.count(&r);
                    out.push(*r);
                }
                Event::ListenerClosed => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        let Live {
            running,
            seen,
            output: _,
            _turn: turn,
        } = self;
        let Running {
            supervisor, events, ..
        } = running;
        supervisor.stop();
        let mut seen = seen.into_inner().unwrap();
        loop {
            match events.recv_timeout(WAIT) {
                Ok(Event::Answered(r)) => {
                    let n = seen.entry(r.call.notif.id).or_default();
                    *n += 1;
                    assert_eq!(*n, 1, "a second record for call {}: {r:?}", r.call.notif.id);
                    out.push(*r);
                }
                Ok(other) => panic!("unexpected after the hang-up: {other:?}"),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
                Err(e) => panic!("the events channel stayed open: {e}"),
            }
        }
        drop(turn);
        out
    }

    fn decide(&self, call: &Arc<Call>, answer: Answer) -> bool {
        self.running.supervisor.decide(Decision {
            call: Arc::clone(call),
            answer,
            by: DecidedBy::User,
        })
    }
}

fn path_of(c: &Call) -> Vec<u8> {
    c.paths()[0].to_vec()
}

fn join(dir: &Path, name: &str) -> Vec<u8> {
    path_bytes(&dir.join(name))
}

#[test]
fn timeout_answers_with_the_timeout_action_once() {
    let dir = tempdir();
    let target = dir.path().join("x");
    let live = start(
        &["--timeout", "0.2", "--timeout-action", "deny:EACCES"],
        &[b"mkdir", &path_bytes(&target)],
    );
    let output = Arc::clone(&live.output);
    let call = live.pending(1).remove(0);
    let sup = &live.running.supervisor;
    // 200 ms after the call was received (give or take the reads of
    // the clock that turn the moment into an Instant, which a busy
    // machine can pull apart).
    let deadline = sup.deadline(call.notif.id).expect("a deadline");
    let want = call.received.to_instant() + Duration::from_millis(200);
    assert!(
        deadline.max(want) - deadline.min(want) < Duration::from_millis(50),
        "{deadline:?} against {want:?}"
    );
    let rec = live.answered();
    assert_eq!(rec.decided_by, DecidedBy::Timeout);
    assert_eq!(rec.answer, Some(Answer::Deny(Errno::EACCES)));
    assert_eq!(rec.outcome, Outcome::Failed(Errno::EACCES));
    assert!(
        rec.latency >= Duration::from_millis(200),
        "{:?}",
        rec.latency
    );
    assert_eq!(trace::log_record(&rec)["decided_by"], "timeout");
    assert!(trace::trace_line(&rec).ends_with("(timeout)"));
    // The person's answer arrives too late: dropped, no second record.
    assert!(!live.decide(&call, Answer::Allow));
    assert_eq!(sup.deadline(call.notif.id), None);
    assert!(!sup.is_waiting(call.notif.id));
    let rest = live.finish();
    assert!(rest.is_empty(), "{rest:?}");
    assert!(!target.exists());
    // What the program saw: the timeout action's errno.
    wait_output(&output, "mkdir: err EACCES");
}

#[test]
fn hold_stops_the_countdown_of_that_call_only() {
    let dir = tempdir();
    let (held, timed) = (join(dir.path(), "held"), join(dir.path(), "timed"));
    // Long enough that the hold comes first on a busy machine; the held
    // call's deadline, had it kept one, passes before the check below
    // (both calls came at once).
    let live = start(&["--timeout", "1"], &[b"mkdirs", &held, &timed]);
    let calls = live.pending(2);
    let sup = &live.running.supervisor;
    let h = calls.iter().find(|c| path_of(c) == held).unwrap();
    assert!(sup.hold(h.notif.id));
    assert!(!sup.hold(h.notif.id), "already on hold");
    assert_eq!(sup.deadline(h.notif.id), None);
    let rec = live.answered();
    assert_eq!(path_of(&rec.call), timed);
    assert_eq!(rec.decided_by, DecidedBy::Timeout);
    // The default timeout action is a plain deny.
    assert_eq!(rec.answer, Some(Answer::Deny(Errno::EPERM)));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        live.running.events.is_empty(),
        "the held call is not answered"
    );
    assert!(sup.is_waiting(h.notif.id));
    assert!(live.decide(h, Answer::Allow));
    let rest = live.finish();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].decided_by, DecidedBy::User);
    assert!(dir.path().join("held").is_dir());
    assert!(!dir.path().join("timed").exists());
}

#[test]
fn decisions_racing_the_timeout_answer_each_call_exactly_once() {
    let dir = tempdir();
    let paths: Vec<Vec<u8>> = (0..24)
        .map(|i| join(dir.path(), &format!("r{i}")))
        .collect();
    let mut args: Vec<&[u8]> = vec![b"mkdirs"];
    args.extend(paths.iter().map(|p| p.as_slice()));
    let live = start(&["--timeout", "0.05"], &args);
    // On a loaded machine a call may time out before the last thread's
    // call arrives: its record comes among the pending calls.
    let mut calls = Vec::new();
    let mut early = Vec::new();
    while calls.len() < paths.len() {
        match live.next() {
            Event::Pending(c) => calls.push(c),
            Event::Answered(r) => {
                live.count(&r);
                early.push(*r);
            }
            other => panic!("expected calls, got {other:?}"),
        }
    }
    // Decide each call twice, around its deadline (from 12 ms before to
    // 11 ms after): some decisions beat the timeout, some lose to it, and
    // every second one must lose. Only the outcome per call is checked,
    // so a slow machine shifting the mix cannot fail the test.
    calls.sort_by_key(|c| c.received);
    let mut won = 0;
    for (i, c) in calls.iter().enumerate() {
        let at =
            c.received.to_instant() + Duration::from_millis(50) + Duration::from_millis(i as u64);
        let at = at.checked_sub(Duration::from_millis(12)).unwrap_or(at);
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        if live.decide(c, Answer::Allow) {
            won += 1;
        }
        assert!(
            !live.decide(c, Answer::Deny(Errno::EACCES)),
            "decided twice"
        );
    }
    let mut recs = early;
    recs.extend(live.finish());
    let mut per_id: HashMap<u64, Vec<&Record>> = HashMap::new();
    for r in &recs {
        per_id.entry(r.call.notif.id).or_default().push(r);
    }
    assert_eq!(per_id.len(), paths.len());
    assert!(per_id.values().all(|v| v.len() == 1), "one record per call");
    let by_user = recs
        .iter()
        .filter(|r| r.decided_by == DecidedBy::User)
        .count();
    assert_eq!(by_user, won);
    assert_eq!(
        recs.len() - by_user,
        recs.iter()
            .filter(|r| r.decided_by == DecidedBy::Timeout)
            .count()
    );
    // What the program saw matches who won.
    for r in &recs {
        let made = Path::new(OsStr::from_bytes(&path_of(&r.call))).exists();
        assert_eq!(made, r.decided_by == DecidedBy::User, "{r:?}");
    }
}

#[test]
fn a_scope_rule_answers_the_matching_pending_calls_at_once_and_only_those() {
    let dir = tempdir();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    let names = ["a/1", "a/2", "b/1", "a/sub/3"];
    let paths: Vec<Vec<u8>> = names.iter().map(|n| join(dir.path(), n)).collect();
    let mut args: Vec<&[u8]> = vec![b"mkdirs"];
    args.extend(paths.iter().map(|p| p.as_slice()));
    let live = start(&[], &args);
    let pending = live.pending(names.len());
    let sup = &live.running.supervisor;
    let a1 = pending.iter().find(|c| path_of(c) == paths[0]).unwrap();
    let s = scopes(a1);
    let scope = s.iter().find(|s| s.preselected).unwrap();
    assert_eq!(scope.kind, ScopeKind::Directory);
    assert_eq!(
        scope.label,
        format!("this directory: {}/a/*", dir.path().display())
    );
    let refs = pending.iter().map(|c| c.as_ref());
    assert_eq!(scope.count(Answer::Allow, Narrow::Any, refs), 2);
    let rule = scope
        .to_rule(Answer::Allow, Narrow::Any, Lifetime::Save)
        .unwrap();
    let (rid, mut answered) = sup.add_rule(rule, &pending);
    answered.sort_unstable();
    let mut expect: Vec<u64> = pending
        .iter()
        .filter(|c| path_of(c) == paths[0] || path_of(c) == paths[1])
        .map(|c| c.notif.id)
        .collect();
    expect.sort_unstable();
    assert_eq!(answered, expect);
    for _ in 0..2 {
        let rec = live.answered();
        assert!(expect.contains(&rec.call.notif.id));
        assert_eq!(
            rec.decided_by,
            DecidedBy::Rule {
                number: 1,
                origin: "this session".into(),
                quiet: false
            }
        );
        assert_eq!(rec.outcome, Outcome::Continued);
    }
    assert_eq!(sup.rules().get(rid).unwrap().hit_count(), 2);
    // The others still wait, and the rule does not answer them later.
    std::thread::sleep(Duration::from_millis(100));
    assert!(live.running.events.is_empty());
    assert!(sup.reconsider(&pending).is_empty());
    for c in pending.iter().filter(|c| !expect.contains(&c.notif.id)) {
        assert!(sup.is_waiting(c.notif.id));
        assert!(live.decide(c, Answer::Deny(Errno::EACCES)));
    }
    assert!(
        !live.decide(a1, Answer::Deny(Errno::EACCES)),
        "a1 was answered by the rule"
    );

    // Saved, and loaded by a headless run: the same calls, the same way.
    let file = dir.path().join("session.toml");
    assert_eq!(save_session_rules(sup.rules(), &file).unwrap(), 1);
    assert_eq!(
        sup.rules().snapshot()[0].origin,
        format!("{}:2", file.display())
    );
    let recs = live.finish();
    assert_eq!(recs.len(), 2);
    assert!(dir.path().join("a/1").is_dir() && dir.path().join("a/2").is_dir());
    assert!(!dir.path().join("b/1").exists());

    std::fs::remove_dir(dir.path().join("a/1")).unwrap();
    std::fs::remove_dir(dir.path().join("a/2")).unwrap();
    let again = start_with(
        &["--rules", file.to_str().unwrap()],
        &args,
        Some(Answer::Deny(Errno::EACCES)),
    );
    let recs = again.finish();
    assert_eq!(recs.len(), 4);
    for r in &recs {
        let p = path_of(&r.call);
        if p == paths[0] || p == paths[1] {
            assert_eq!(
                r.decided_by,
                DecidedBy::Rule {
                    number: 1,
                    origin: format!("{}:2", file.display()).into(),
                    quiet: false
                }
            );
            assert_eq!(r.outcome, Outcome::Continued);
        } else {
            assert_eq!(r.decided_by, DecidedBy::Default);
            assert_eq!(r.outcome, Outcome::Failed(Errno::EACCES));
        }
    }
    assert!(dir.path().join("a/1").is_dir() && dir.path().join("a/2").is_dir());
    assert!(!dir.path().join("b/1").exists());
}

/// A call that must wait for a person when the event queue is full (the
/// UI or the log behind) is still handed over once there is room, never
/// dropped: the supervisor waits for the queue without holding the
/// waiting-calls lock.
#[test]
fn a_call_asked_while_the_event_queue_is_full_still_reaches_the_person() {
    let dir = tempdir();
    let flood = dir.path().join("flood");
    std::fs::create_dir(&flood).unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/**\"\naction = \"allow\"\n",
            flood.display()
        ),
    )
    .unwrap();
    let asked = dir.path().join("asked");
    let n = run::EVENTS_BOUND.to_string();
    let flood_b = join(dir.path(), "flood");
    let asked_b = join(dir.path(), "asked");
    let live = start(
        &["--rules", rules.to_str().unwrap()],
        &[b"mkdir-after", n.as_bytes(), &flood_b, &asked_b],
    );
    // Nobody reads until the queue is full of the flood's records and the
    // asked call has come in behind them.
    let deadline = Instant::now() + WAIT;
    while live.running.events.len() < run::EVENTS_BOUND {
        assert!(Instant::now() < deadline, "the queue never filled");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let call = loop {
        match live.next() {
            Event::Answered(r) => live.count(&r),
            Event::Pending(c) => break c,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(call.name(), "mkdir");
    assert!(live.decide(&call, Answer::Allow));
    let recs = live.finish();
    assert!(recs.iter().any(|r| r.call.notif.id == call.notif.id));
    assert!(asked.is_dir(), "the person's answer reached the program");
}

/// A call's real path is found when it arrives, while the kernel vouches
/// for the reads: the person's view and the scopes offered name the file
/// the call named then, not where a symlink points by the time they look;
/// and in continue mode, where nobody is asked, the log still names the
/// file each allowed call touched.
#[test]
fn real_paths_are_those_of_the_moment_of_the_call_asked_or_continued() {
    let dir = tempdir();
    for d in ["a", "b"] {
        std::fs::create_dir(dir.path().join(d)).unwrap();
    }
    let link = dir.path().join("link");
    std::os::unix::fs::symlink("a", &link).unwrap();
    // mkdir link/0, then (once that is answered) mkdir link/y.
    let (l, y) = (join(dir.path(), "link"), join(dir.path(), "link/y"));
    let live = start(&[], &[b"mkdir-after", b"1", &l, &y]);
    let call = live.pending(1).remove(0);
    // The link is moved while the call waits.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("b", &link).unwrap();
    let s = scopes(&call);
    let scope = s.iter().find(|s| s.preselected).unwrap();
    assert_eq!(
        scope.label,
        format!("this directory: {}/a/*", dir.path().display())
    );
    let sup = &live.running.supervisor;
    sup.set_continue(true);
    assert!(live.decide(&call, Answer::Deny(Errno::EACCES)));
    let recs = live.finish();
    assert_eq!(recs.len(), 2, "{recs:?}");
    let real = |r: &Record| trace::log_record(r)["decoded"][0]["real"].clone();
    // In the order answered, though the person's answer is sent from
    // another thread and the program goes on at its SEND.
    let (asked, continued) = (&recs[0], &recs[1]);
    assert_eq!(asked.decided_by, DecidedBy::User);
    assert_eq!(continued.decided_by, DecidedBy::Continue);
    assert_eq!(real(asked), format!("{}/a/0", dir.path().display()));
    assert_eq!(real(continued), format!("{}/b/y", dir.path().display()));
    assert!(!dir.path().join("a/0").exists() && !dir.path().join("b/0").exists());
    assert!(dir.path().join("b/y").is_dir());
}

/// A rule that names only a syscall decides all of its calls without
/// matching: switched off in the TUI, it must stop deciding at once, and
/// the next rule decide instead.
#[test]
fn a_syscall_only_rule_switched_off_stops_deciding() {
    let dir = tempdir();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"ask\"\n\n\
         [[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\nerrno = \"EACCES\"\n",
    )
    .unwrap();
    let (d, b) = (join(dir.path(), "d"), join(dir.path(), "b"));
    let live = start(
        &["--rules", rules.to_str().unwrap()],
        &[b"mkdir-after", b"1", &d, &b],
    );
    // The first rule asks about mkdir d/0 ...
    let call = live.pending(1).remove(0);
    assert_eq!(path_of(&call), join(dir.path(), "d/0"));
    // ... and is switched off before the person answers.
    let set = live.running.supervisor.rules();
    let first = set.list()[0].id();
    assert!(set.set_enabled(first, false));
    assert!(live.decide(&call, Answer::Allow));
    // mkdir b: the second rule's EACCES, where the program sees it.
    wait_output(&live.output, "mkdir: err EACCES");
    let recs = live.finish();
    let second = recs
        .iter()
        .find(|r| path_of(&r.call) == b)
        .expect("a record of mkdir b");
    assert!(
        matches!(second.decided_by, DecidedBy::Rule { number: 2, .. }),
        "{:?}",
        second.decided_by
    );
    assert_eq!(second.outcome, Outcome::Failed(Errno::EACCES));
    assert!(!dir.path().join("b").exists());
}

/// Runs `mkdir a0, r0, a1, r1, …` (`pairs` of each) with `opts`: each aN
/// waits for a person (decided at once as allow when `decide`, else left
/// to the options), each rN is allowed by a rule as soon as the program
/// makes it. With `one_cpu`, the supervisor's threads and the program all
/// run on CPU 0. Returns the names in the order their records came.
fn answered_then_ruled(opts: &[&str], pairs: usize, decide: bool, one_cpu: bool) -> Vec<String> {
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/r*\"\naction = \"allow\"\n",
            dir.path().display()
        ),
    );
    let mut args: Vec<Vec<u8>> = vec![
        b"mkdir-seq".to_vec(),
        b"0".to_vec(),
        b"-".to_vec(),
        path_bytes(dir.path()),
    ];
    for i in 0..pairs {
        args.push(format!("a{i}").into_bytes());
        args.push(format!("r{i}").into_bytes());
    }
    let argv: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let mut all = vec!["--rules", rules.to_str().unwrap()];
    all.extend_from_slice(opts);
    // The supervisor's threads and the program inherit this thread's
    // affinity.
    let this = nix::unistd::Pid::from_raw(0);
    let before = nix::sched::sched_getaffinity(this).unwrap();
    if one_cpu {
        let mut one = nix::sched::CpuSet::new();
        one.set(0).unwrap();
        nix::sched::sched_setaffinity(this, &one).unwrap();
    }
    let live = start(&all, &argv);
    nix::sched::sched_setaffinity(this, &before).unwrap();
    let mut order = Vec::new();
    while order.len() < 2 * pairs {
        match live.next() {
            Event::Pending(c) if decide => assert!(live.decide(&c, Answer::Allow)),
            Event::Pending(_) => {}
            Event::Answered(r) => {
                live.count(&r);
                let p = path_of(&r.call);
                let name = p.rsplit(|&b| b == b'/').next().unwrap().to_vec();
                order.push(String::from_utf8(name).unwrap());
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(live.finish().is_empty());
    for i in 0..pairs {
        assert!(dir.path().join(format!("a{i}")).is_dir());
        assert!(dir.path().join(format!("r{i}")).is_dir());
    }
    order
}

/// `{first}0`, `{second}0`, `{first}1`, … (`n` pairs).
fn pairs(n: usize, (first, second): (&str, &str)) -> Vec<String> {
    (0..n)
        .flat_map(|i| [format!("{first}{i}"), format!("{second}{i}")])
        .collect()
}

/// A person's answer is sent from the answer thread, and the program goes
/// on at once: its next call, decided by a rule, is recorded by the
/// receiver. The records must still come in the order the calls were
/// answered, the person's first, as the history, the trace and the log
/// show them.
#[test]
fn records_come_in_the_order_the_calls_were_answered() {
    const PAIRS: usize = 2000;
    let order = answered_then_ruled(&[], PAIRS, true, false);
    let wrong = "a rule-decided call recorded before the call the person answered just before it";
    assert_pairs_in_order(&order, &pairs(PAIRS, ("a", "r")), wrong);
}

/// The same for calls the timeout answers, from the watch thread. On one
/// CPU, where the program goes on right at the watch thread's SEND:
/// without the lock the order went wrong that way in each of four runs,
/// on two CPUs in one of six.
#[test]
fn records_of_timed_out_calls_come_in_the_order_answered() {
    const PAIRS: usize = 2000;
    let order = answered_then_ruled(
        &["--timeout", "0.001", "--timeout-action", "allow"],
        PAIRS,
        false,
        true,
    );
    let wrong = "a rule-decided call recorded before the call the timeout answered just before it";
    assert_pairs_in_order(&order, &pairs(PAIRS, ("a", "r")), wrong);
}

/// A person's answer and the program's next call, which waits for a
/// person too: the answered call's record comes before the next call is
/// shown as waiting, in the order things happened.
#[test]
fn an_answered_call_is_recorded_before_the_next_call_waits() {
    let dir = tempdir();
    const CALLS: usize = 1000;
    let mut args: Vec<Vec<u8>> = vec![
        b"mkdir-seq".to_vec(),
        b"0".to_vec(),
        b"-".to_vec(),
        path_bytes(dir.path()),
    ];
    args.extend((0..CALLS).map(|i| format!("a{i}").into_bytes()));
    let argv: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let live = start(&[], &argv);
    // The events as they came: `?N` a call waiting, `=N` its record.
    let mut seen = Vec::new();
    let name = |c: &Call| {
        let p = path_of(c);
        String::from_utf8(p.rsplit(|&b| b == b'/').next().unwrap()[1..].to_vec()).unwrap()
    };
    while seen.len() < 2 * CALLS {
        match live.next() {
            Event::Pending(c) => {
                seen.push(format!("?{}", name(&c)));
                assert!(live.decide(&c, Answer::Allow));
            }
            Event::Answered(r) => {
                live.count(&r);
                seen.push(format!("={}", name(&r.call)));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(live.finish().is_empty());
    let wrong = "a call shown waiting before the record of the call answered just before it";
    assert_pairs_in_order(&seen, &pairs(CALLS, ("?", "=")), wrong);
}
