//! The receiver blocks in RECV (no poll before it); these check that it
//! still ends when asked while the program runs on, and when the last
//! process under the filter exits.

use std::time::{Duration, Instant};

use clap::Parser;
use unotify_tui::cli::Cli;
use unotify_tui::model::Answer;
use unotify_tui::session::{self as run, Target};
use unotify_tui::supervisor::Event;

fn launch(trap: &str, program: &str, args: &[&str]) -> run::Running {
    let cli = Cli::parse_from([
        "unotify-tui",
        "--trap",
        trap,
        "--no-default-rules",
        "--",
        "x",
    ]);
    let plan = run::plan(&cli.opts, Vec::new()).expect("plan");
    let target = Target {
        program: program.into(),
        args: args.iter().map(|a| a.into()).collect(),
        cwd: None,
    };
    run::launch(&target, plan, Some(Answer::Allow), None).expect("launch")
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
    assert!(took < Duration::from_millis(150), "stop took {took:?}");
    took
}

#[test]
fn stop_returns_while_the_receiver_waits_in_recv() {
    // Woken at once, not after a poll timeout. One stop may by luck come
    // just before the timeout of a receiver that polls every 100 ms; ten
    // stops average half its period, far above this limit, while a woken
    // receiver stays far below it even with a slow stop or two.
    const RUNS: u32 = 10;
    // Each stop comes 10 ms later after the launch than the one before,
    // so they fall at every phase of a 100 ms poll begun at the launch.
    let times: Vec<Duration> = (0..RUNS)
        .map(|i| stop_time(Duration::from_millis(100 + 10 * u64::from(i))))
        .collect();
    let total: Duration = times.iter().sum();
    assert!(
        total < Duration::from_millis(25) * RUNS,
        "stops took {times:?}"
    );
}

#[test]
fn hang_up_is_reported_after_the_last_process_exits() {
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
