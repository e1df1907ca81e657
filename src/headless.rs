//! The headless runtime: rules and the default action answer every call;
//! each call becomes a trace line and a log record.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossbeam_channel::{TryRecvError, select};

use crate::cli::Options;
use crate::error::Error;
use crate::model::{Answer, DecidedBy};
use crate::output::sink::{OutputError, Sink, TraceTo};
use crate::policy::learn::Learner;
use crate::policy::rules::Rule;
use crate::policy::write;
use crate::session::{Running, Target, launch, plan};
use crate::supervisor::{Decision, Event};
use crate::sys::proc as sysproc;

/// How long headless mode lets records queue up while calls keep coming
/// (so a trace line can lag its call by this much).
const BATCH_PAUSE: Duration = Duration::from_millis(5);

/// How long to wait, once the target is gone, for records of emulations
/// still finishing.
const LATE_RECORDS: Duration = Duration::from_millis(20);

/// Records waiting for the trace and the log at most; beyond that the
/// supervisor, and so the program, waits for them. Enough to ride out a
/// write that takes a while (a few MB), small next to what a stalled
/// reader would otherwise pile up.
const EVENTS_BOUND: usize = 8192;

/// Headless mode: answer by rules and the default action, print a trace
/// line per call, log JSONL, return the target's exit status.
pub fn run_headless(opts: &Options, target: &Target, extra_rules: Vec<Rule>) -> Result<i32, Error> {
    let mut plan = plan(opts, extra_rules)?;
    plan.events_bound = Some(EVENTS_BOUND);
    let sink = open_outputs(opts)?;
    let fallback = plan.default_action;
    let learner = start_learning(opts.save_rules.as_deref())?;
    let signals = sysproc::block_signals();
    let running = launch(target, plan, Some(fallback), None)?;
    let finished = Arc::new(AtomicBool::new(false));
    sysproc::spawn_signal_forwarder(
        signals,
        running.pid,
        true,
        end_if_stuck(&finished, running.pid, running.events.clone()),
    );

    let mut run = Headless {
        running: &running,
        sink,
        learner,
        fallback,
        status: None,
        closed: false,
    };
    run.supervise();
    run.take_late_records();
    let status = run.status.unwrap_or(0);
    run.end_trace(status);
    let Headless { sink, learner, .. } = run;
    // Each failure was said when it happened; the first one, said again,
    // ends the run.
    let written = sink.finish();
    let code = running.exit_code(status);
    running.supervisor.stop();
    if let (Some(l), Some(path)) = (learner, &opts.save_rules) {
        save_learned(&l, path)?;
    }
    finished.store(true, Ordering::Release);
    written.map_err(Error::writing)?;
    Ok(code)
}

/// How long a run may take to end after SIGTERM, SIGHUP or SIGINT before
/// unotify-tui ends it itself.
const END_GRACE: Duration = Duration::from_secs(2);

/// What to do after a signal: SIGTERM, SIGHUP, and a SIGINT that was
/// passed on (or a second one from the terminal), must end the run even
/// when the trace or log blocks on a reader that never reads. If the run
/// has not ended `END_GRACE` later: kill the program, say how many records
/// were still waiting to be written (when stderr can take it), exit
/// 128+N.
fn end_if_stuck(
    finished: &Arc<AtomicBool>,
    pid: u32,
    queued: crossbeam_channel::Receiver<Event>,
) -> impl Fn(i32, bool) + Send + 'static {
    let finished = Arc::clone(finished);
    let interrupts = std::sync::atomic::AtomicUsize::new(0);
    move |sig, passed_on| {
        let ends = match sig {
            libc::SIGTERM | libc::SIGHUP => true,
            libc::SIGINT => passed_on || interrupts.fetch_add(1, Ordering::Relaxed) >= 1,
            _ => false,
        };
        if !ends {
            return;
        }
        let (finished, queued) = (Arc::clone(&finished), queued.clone());
        let _ = std::thread::Builder::new()
            .name("unotify-end".into())
            .spawn(move || {
                std::thread::sleep(END_GRACE);
                if finished.load(Ordering::Acquire) {
                    return;
                }
                sysproc::kill(pid, libc::SIGKILL);
                let n = queued.len();
                let msg = format!(
                    "unotify-tui: ended by signal {sig} while the trace or log could not be \
                     written; {n} record(s) not written\n"
                );
                write_if_ready(msg.as_bytes());
                std::process::exit(128 + sig);
            });
    }
}

/// Writes to stderr only if it can take the bytes now: stderr may be the
/// very pipe nobody reads.
fn write_if_ready(bytes: &[u8]) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let stderr = io::stderr();
    let mut fds = [PollFd::new(stderr.as_fd(), PollFlags::POLLOUT)];
    if poll(&mut fds, PollTimeout::ZERO).is_ok_and(|n| n > 0) {
        let _ = stderr.lock().write_all(bytes);
    }
}

/// The trace (`--output`, else stderr) and the log (`--log`).
fn open_outputs(opts: &Options) -> Result<Sink, Error> {
    let trace = match &opts.output {
        Some(p) => TraceTo::File(p.clone()),
        None => TraceTo::Stderr,
    };
    Sink::open(trace, opts.log.as_deref()).map_err(Error::opening)
}

/// Learning mode: find out now, not after the run, that the file cannot
/// take the rules.
fn start_learning(save_rules: Option<&Path>) -> Result<Option<Learner>, Error> {
    match save_rules {
        Some(path) => {
            write::append_rules(path, &[])?;
            Ok(Some(Learner::new()))
        }
        None => Ok(None),
    }
}

/// Adds what the learner saw to `--save-rules` and says so.
fn save_learned(l: &Learner, path: &Path) -> Result<(), Error> {
    let rules = l.rules();
    write::append_rules(path, &Learner::new_rules(&rules))?;
    eprintln!(
        "unotify-tui: learned {} rule{} from {} call{}, added to {}",
        rules.len(),
        if rules.len() == 1 { "" } else { "s" },
        l.calls(),
        if l.calls() == 1 { "" } else { "s" },
        path.display()
    );
    Ok(())
}

/// A headless run in progress.
struct Headless<'a> {
    running: &'a Running,
    sink: Sink,
    learner: Option<Learner>,
    fallback: Answer,
    /// The target's wait status, once it has exited.
    status: Option<i32>,
    /// Whether the supervisor has stopped receiving.
    closed: bool,
}

impl Headless<'_> {
    /// Takes events until the target has exited and the supervisor has
    /// stopped receiving.
    ///
    /// While calls keep coming, they are taken in batches: sleep a moment,
    /// then drain what queued up. Sleeping *on the channel* instead means
    /// being woken for every record, and that wake-up (a futex call, often
    /// an interrupt to the other CPU) sits in the receiver thread between
    /// two calls, where it cost more than the rest of the supervisor's
    /// work together (README, Performance). After a quiet spell the next
    /// record wakes us at once again.
    fn supervise(&mut self) {
        let mut busy = false;
        while self.status.is_none() || !self.closed {
            busy = if busy {
                std::thread::sleep(BATCH_PAUSE);
                self.take_batch()
            } else {
                self.wait()
            };
        }
    }

    /// Takes everything queued; whether there was anything.
    fn take_batch(&mut self) -> bool {
        let mut took = false;
        loop {
            match self.running.events.try_recv() {
                Ok(ev) => {
                    self.handle(ev);
                    took = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.closed = true;
                    break;
                }
            }
        }
        match self.running.exits.try_recv() {
            Ok(st) => self.status = Some(st),
            Err(TryRecvError::Disconnected) => self.status = self.status.or(Some(0)),
            Err(TryRecvError::Empty) => {}
        }
        self.flush();
        took
    }

    /// Sleeps until an event or the exit; whether an event came.
    fn wait(&mut self) -> bool {
        let running = self.running;
        select! {
            recv(running.events) -> ev => match ev {
                Ok(ev) => {
                    self.handle(ev);
                    self.flush();
                    true
                }
                Err(_) => {
                    self.closed = true;
                    false
                }
            },
            recv(running.exits) -> st => {
                match st {
                    Ok(st) => self.status = Some(st),
                    // The reaper ended without seeing the target: nothing to wait for.
                    Err(_) => self.status = self.status.or(Some(0)),
                }
                false
            },
        }
    }

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Answered(rec) => {
                if let (Some(l), DecidedBy::Default, Some(a)) =
                    (self.learner.as_mut(), &rec.decided_by, rec.answer)
                {
                    l.record(&rec.call, a);
                }
                let news = self.sink.record(&rec);
                self.noted(news);
            }
            Event::ListenerClosed => self.closed = true,
            Event::Failed(msg) => {
                // Nobody can answer the target's calls any more: end it
                // rather than leave it blocked for ever.
                eprintln!("unotify-tui: {msg}; killing the program");
                sysproc::kill(self.running.pid, libc::SIGKILL);
                self.closed = true;
            }
            // An `ask` rule cannot ask anyone in headless mode: the call
            // gets the default action.
            Event::Pending(call) => {
                self.running.supervisor.decide(Decision {
                    call,
                    answer: self.fallback,
                    by: DecidedBy::Default,
                });
            }
        }
    }

    /// An output failed: said at once; the other output goes on.
    fn noted(&self, news: Vec<OutputError>) {
        for e in news {
            // Not eprintln!: stderr may be the output that failed.
            let _ = writeln!(io::stderr(), "unotify-tui: {e}");
        }
    }

    fn flush(&mut self) {
        let news = self.sink.flush();
        self.noted(news);
    }

    /// Emulations finishing after the last process left.
    fn take_late_records(&mut self) {
        while let Ok(ev) = self.running.events.recv_timeout(LATE_RECORDS) {
            self.handle(ev);
        }
    }

    /// The trace's last line: how the target ended.
    fn end_trace(&mut self, status: i32) {
        let news = self.sink.exit(status);
        self.noted(news);
        self.flush();
    }
}
