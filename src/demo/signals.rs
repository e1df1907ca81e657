//! `demo signals`: a signal reaches the target while unotify-tui holds
//! its call. Without SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV the kernel
//! withdraws the call: NOTIF_ID_VALID and SEND fail with ENOENT, and the
//! call returns EINTR, or with SA_RESTART comes back under a new id. With
//! the flag (Linux 5.19), the signal waits for the answer.

use std::time::{Duration, Instant};

use super::scripted::{self, Scripted};
use super::{Out, Workspace, explain, lesson_target, mkdir, narrate, outcome};
use crate::cli::Options;
use crate::errno::Errno;
use crate::error::Error;
use crate::model::{Answer, Call, Value};
use crate::output::sink::Sink;
use crate::run;
use crate::sys::lesson;
use crate::sys::proc as sysproc;

/// The target's two runs: under a filter without WAIT_KILLABLE_RECV, and
/// under one with it.
const WITHDRAW: &str = "withdraw";
const WAIT: &str = "wait";

/// How long the target waits, in the TUI, before its alarm interrupts the
/// call (time to read the hint and see the call arrive).
const ALARM_SECS: u32 = 4;

pub(super) fn run(opts: &Options) -> Result<i32, Error> {
    let ws = Workspace::create()?;
    if run::interactive(opts) {
        let mut o = opts.clone();
        o.wait_killable = "off".into();
        let first = lesson_target("signals", Some(ws.path()), true, Some(WITHDRAW))?;
        let code = crate::tui::run(
            &o,
            &first,
            Vec::new(),
            Some("unotify-tui demo signals (1/2: without WAIT_KILLABLE_RECV)".into()),
        )?;
        o.wait_killable = "on".into();
        let second = lesson_target("signals", Some(ws.path()), true, Some(WAIT))?;
        let code2 = crate::tui::run(
            &o,
            &second,
            Vec::new(),
            Some("unotify-tui demo signals (2/2: with WAIT_KILLABLE_RECV)".into()),
        )?;
        return Ok(if code != 0 { code } else { code2 });
    }
    ws.end_on_signals();
    let sink = scripted::open_sink(opts)?;
    let (code, sink) = withdraw(opts, &ws, sink)?;
    let (code2, sink) = wait(opts, &ws, sink)?;
    scripted::close(sink)?;
    Ok(if code != 0 { code } else { code2 })
}

/// The last path component a mkdir call asks for.
fn mkdir_name(call: &Call) -> Option<String> {
    call.args.iter().find_map(|a| match &a.value {
        Value::Path { given, .. } => {
            let name = given.rsplit(|b| *b == b'/').next().unwrap_or(given);
            Some(crate::escape::escape_bytes(name))
        }
        _ => None,
    })
}

/// Sends SIGUSR1 to the caller of `call` (the target is single-threaded:
/// its tid is its pid).
fn signal_caller(call: &Call) {
    sysproc::kill(call.notif.pid, libc::SIGUSR1);
}

fn errno_name(e: &std::io::Error) -> String {
    e.raw_os_error()
        .and_then(Errno::new)
        .map_or_else(|| e.to_string(), |n| n.name().to_string())
}

/// Part 1, headless: each held call is interrupted by SIGUSR1.
fn withdraw(opts: &Options, ws: &Workspace, sink: Sink) -> Result<(i32, Sink), Error> {
    let target = lesson_target("signals", Some(ws.path()), false, Some(WITHDRAW))?;
    let mut run = Scripted::launch(opts, &target, Some(false), sink)?;
    narrate(
        "signals, part 1: the filter has no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; unotify-tui \
         holds each mkdir and sends the target SIGUSR1 meanwhile",
    );
    let mut interrupted = std::collections::HashSet::new();
    while let Some(call) = run.next() {
        let name = mkdir_name(&call).unwrap_or_default();
        let id = call.notif.id;
        let held = matches!(name.as_str(), "signals-eintr" | "signals-restart");
        if !held || !interrupted.insert(name.clone()) {
            if held {
                narrate(&format!(
                    "mkdir {name} arrived again as notification id {id:#x}: SA_RESTART restarted \
                     the call, the filter trapped it anew; unotify-tui allows it"
                ));
            }
            run.answer(call, Answer::Allow);
            continue;
        }
        narrate(&format!(
            "received mkdir {name} as notification id {id:#x}; holding it and sending SIGUSR1 to \
             the target"
        ));
        signal_caller(&call);
        let until = Instant::now() + Duration::from_secs(30);
        while run.id_valid(id) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        if run.id_valid(id) {
            narrate(&format!(
                "SECCOMP_IOCTL_NOTIF_ID_VALID({id:#x}) still succeeds after 30 s: the signal did \
                 not withdraw the call"
            ));
        } else {
            narrate(&format!(
                "SECCOMP_IOCTL_NOTIF_ID_VALID({id:#x}) → ENOENT: the signal interrupted the \
                 target's wait and the kernel withdrew the call"
            ));
        }
        match run.send_continue(id) {
            Ok(()) => narrate(&format!(
                "SECCOMP_IOCTL_NOTIF_SEND({id:#x}) succeeded: the call was still pending"
            )),
            Err(e) => narrate(&format!(
                "SECCOMP_IOCTL_NOTIF_SEND({id:#x}) → {}: nothing is left to answer; unotify-tui \
                 records the call as gone",
                errno_name(&e)
            )),
        }
    }
    let (code, sink) = run.finish();
    explain(&[
        "signals, part 1: without WAIT_KILLABLE_RECV, a signal interrupts a call the supervisor \
         holds. The kernel withdraws the notification (SECCOMP_IOCTL_NOTIF_ID_VALID and \
         SECCOMP_IOCTL_NOTIF_SEND fail with ENOENT; the log records the call as gone).",
        "  The call returns -ERESTARTSYS: with a handler without SA_RESTART the program sees \
         EINTR; with SA_RESTART the kernel restarts it, and it arrives again under a new id.",
    ]);
    Ok((code, sink))
}

/// Part 2, headless: the same signal, under a filter with
/// WAIT_KILLABLE_RECV.
fn wait(opts: &Options, ws: &Workspace, sink: Sink) -> Result<(i32, Sink), Error> {
    let target = lesson_target("signals", Some(ws.path()), false, Some(WAIT))?;
    let mut run = Scripted::launch(opts, &target, Some(true), sink)?;
    if run.wait_killable {
        narrate(
            "signals, part 2: the filter has SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; the same \
             mkdir, the same SIGUSR1",
        );
    } else {
        narrate(
            "signals, part 2: this kernel has no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux \
             5.19): the call will be withdrawn as in part 1",
        );
    }
    while let Some(call) = run.next() {
        let id = call.notif.id;
        if mkdir_name(&call).as_deref() == Some("signals-wait") {
            narrate(&format!(
                "received mkdir signals-wait as notification id {id:#x}; holding it and sending \
                 SIGUSR1 to the target"
            ));
            signal_caller(&call);
            std::thread::sleep(Duration::from_millis(500));
            if run.id_valid(id) {
                narrate(&format!(
                    "0.5 s later SECCOMP_IOCTL_NOTIF_ID_VALID({id:#x}) still succeeds: the \
                     signal waits; unotify-tui allows the call now"
                ));
            } else {
                narrate(&format!(
                    "0.5 s later SECCOMP_IOCTL_NOTIF_ID_VALID({id:#x}) → ENOENT: the call was \
                     withdrawn"
                ));
            }
        }
        run.answer(call, Answer::Allow);
    }
    let (code, sink) = run.finish();
    explain(
        &["signals, part 2: once the supervisor has received a call, \
         SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV makes the target wait killably: only a fatal \
         signal ends the wait. SIGUSR1 stayed pending, the answer arrived (no ENOENT, no EINTR), \
         and the handler ran after the call returned."],
    );
    Ok((code, sink))
}

/// The lesson's target: `part` is `withdraw` or `wait`.
pub(super) fn target(out: &Out, part: Option<&str>) -> i32 {
    let handlers = |restart| {
        lesson::count_signals(libc::SIGUSR1, restart)
            .and_then(|()| lesson::count_signals(libc::SIGALRM, restart))
    };
    // In the TUI the target interrupts itself (SIGALRM); headless,
    // unotify-tui sends SIGUSR1 once it holds the call.
    let alarm = || {
        if out.hints {
            lesson::alarm(ALARM_SECS);
        }
    };
    match part {
        Some(WITHDRAW) => {
            if let Err(e) = handlers(false) {
                out.say(&format!("sigaction → {}", outcome::<()>(&Err(e))));
                return 1;
            }
            out.hint(&format!(
                "mkdir signals-eintr: don't answer it. In {ALARM_SECS} s the target gets SIGALRM \
                 (a handler without SA_RESTART): the kernel withdraws the call, it shows as gone, \
                 and mkdir fails with EINTR"
            ));
            alarm();
            let r = mkdir("signals-eintr");
            out.say(&format!(
                "[1/2] mkdir signals-eintr, a signal meanwhile (handler without SA_RESTART) → {}; \
                 signals handled: {}",
                outcome(&r),
                lesson::signals_handled()
            ));
            if let Err(e) = handlers(true) {
                out.say(&format!("sigaction → {}", outcome::<()>(&Err(e))));
                return 1;
            }
            out.hint(&format!(
                "mkdir signals-restart: don't answer it. In {ALARM_SECS} s SIGALRM again, now \
                 with SA_RESTART: the call goes, then comes back under a new id: press a on that \
                 one"
            ));
            alarm();
            let r = mkdir("signals-restart");
            out.say(&format!(
                "[2/2] mkdir signals-restart, a signal meanwhile (handler with SA_RESTART) → {}; \
                 signals handled: {}",
                outcome(&r),
                lesson::signals_handled()
            ));
            out.hint("part 2 comes next, under a filter with WAIT_KILLABLE_RECV: press q");
            0
        }
        Some(WAIT) => {
            if let Err(e) = handlers(false) {
                out.say(&format!("sigaction → {}", outcome::<()>(&Err(e))));
                return 1;
            }
            out.hint(&format!(
                "mkdir signals-wait: this filter has SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV. SIGALRM \
                 comes in {ALARM_SECS} s but waits for your answer: after that, press a, and \
                 mkdir succeeds"
            ));
            alarm();
            let r = mkdir("signals-wait");
            out.say(&format!(
                "[1/1] mkdir signals-wait, a signal meanwhile (handler without SA_RESTART, \
                 WAIT_KILLABLE_RECV) → {}; signals handled: {}",
                outcome(&r),
                lesson::signals_handled()
            ));
            0
        }
        _ => {
            out.say("signals: --part withdraw or --part wait");
            2
        }
    }
}
