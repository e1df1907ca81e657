//! The headless runtime: rules and the default action answer every call;
//! each call becomes a trace line and a log record.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, TryRecvError, select};

use crate::cli::Options;
use crate::error::Error;
use crate::model::{Answer, DecidedBy};
use crate::output::sink::{OutputError, Sink, TraceTo};
use crate::output::summary::Summary;
use crate::policy::learn::Learner;
use crate::policy::rules::Rule;
use crate::policy::write;
use crate::session::{self, Attached, Running, Target, launch, plan};
use crate::supervisor::{Decision, Event, ReadRecords};
use crate::sys::notify::NotifyFd;
use crate::sys::proc as sysproc;

/// How long headless mode lets records queue up while calls keep coming
/// (so a trace line can lag its call by this much).
const BATCH_PAUSE: Duration = Duration::from_millis(5);

/// How long to wait, once the target is gone, for records of answers
/// still being carried out. The supervisor waited for them already before
/// it said the listener closed (2 s): what is still out is stuck (an
/// emulation on a FIFO, say) and must not hold the end for ever.
const LATE_RECORDS: Duration = Duration::from_millis(500);

/// Headless mode: answer by rules and the default action, print a trace
/// line per call, log JSONL, return the target's exit status.
///
/// The run lasts until every process under the filter is gone: the
/// program and whatever it left running (said on stderr when it
/// exits). Every descendant of this process counts as one of those:
/// unotify-tui is a child subreaper, so the program's orphans become its
/// children, and it starts no other processes.
pub fn run_headless(opts: &Options, target: &Target, extra_rules: Vec<Rule>) -> Result<i32, Error> {
    run_headless_saying(opts, target, extra_rules, false)
}

/// [`run_headless`]; with `no_terminal`, says once the program runs that
/// the run is headless for want of a terminal.
pub fn run_headless_saying(
    opts: &Options,
    target: &Target,
    extra_rules: Vec<Rule>,
    no_terminal: bool,
) -> Result<i32, Error> {
    let plan = plan(opts, extra_rules)?;
    let sink = open_outputs(opts)?;
    let fallback = plan.default_action;
    let learner = start_learning(opts.save_rules.as_deref())?;
    let signals = sysproc::block_signals();
    let running = launch(target, plan, Some(fallback), None)?;
    if no_terminal {
        crate::run::say_no_terminal();
    }
    drive(opts, running, sink, learner, fallback, signals)
}

/// Headless supervision of a program taken over from a detach holder
/// (see [`crate::handover`]): as [`run_headless`], with the program's
/// terminal output (its pty `master`) copied to our stdout.
pub fn run_adopted(
    opts: &Options,
    plan: crate::session::Plan,
    adopted: crate::session::Adopted,
    master: std::os::fd::OwnedFd,
) -> Result<i32, Error> {
    let sink = open_outputs(opts)?;
    let fallback = plan.default_action;
    let learner = start_learning(opts.save_rules.as_deref())?;
    let signals = sysproc::block_signals();
    let running = crate::session::adopt(adopted, plan, Some(fallback))?;
    let (copied, done) = crossbeam_channel::bounded::<()>(1);
    // Held until the run ends: the last master closed hangs the terminal
    // up, and that SIGHUP could kill the session leader before it has
    // passed on the program's exit status.
    let held = master
        .try_clone()
        .map_err(crate::error::pty("duplicating the pty"))?;
    let _ = std::thread::Builder::new()
        .name("unotify-pty-copy".into())
        .spawn(move || {
            // The program's own output, as it would have reached our
            // stdout had it run here; ends with the pty (EIO).
            let mut master = std::fs::File::from(master);
            let _ = io::copy(&mut master, &mut io::stdout());
            let _ = io::stdout().flush();
            drop(copied);
        });
    let code = drive(opts, running, sink, learner, fallback, signals);
    // What the program wrote just before it ended is still in the pty.
    let _ = done.recv_timeout(Duration::from_secs(2));
    drop(held);
    code
}

/// Supervises `running` until every process under the filter is gone.
fn drive(
    opts: &Options,
    mut running: Running,
    sink: Sink,
    learner: Option<Learner>,
    fallback: Answer,
    signals: nix::sys::signal::SigSet,
) -> Result<i32, Error> {
    let ending = Arc::new(Ending::default());
    sysproc::spawn_signal_forwarder(
        signals,
        Arc::clone(&running.handle),
        true,
        end_on_signal(&ending, &running.handle, running.events.clone()),
    );

    let mut run = Headless {
        running: &mut running,
        sink,
        learner,
        fallback,
        status: None,
        closed: false,
        left_notice: None,
        quit: crossbeam_channel::never(),
        quit_by: None,
        summary: opts.summary.then(Summary::default),
        read: ReadRecords::default(),
    };
    run.supervise();
    run.take_late_records();
    let status = run.status.unwrap_or(0);
    run.end_trace(status);
    // Each failure was said when it happened; the first one, said again,
    // ends the run.
    let (written, learner) = run.close();
    let mut code = running.exit_code(status);
    running.supervisor.stop();
    if let (Some(l), Some(path)) = (learner, &opts.save_rules) {
        save_learned(&l, path)?;
    }
    ending.finished.store(true, Ordering::Release);
    // Ended by a signal: the shell's 128+N, whatever the program said.
    let sig = ending.signal.load(Ordering::Acquire);
    if sig != 0 {
        code = 128 + sig;
    }
    written.map_err(Error::writing)?;
    Ok(code)
}

/// `unotify-tui attach --headless`: supervises `attached` through
/// `listener` (its listener, copied) until the listener hangs up (every
/// process under that filter is gone: status 0) or a signal (SIGINT,
/// SIGTERM, SIGHUP, SIGQUIT) says to leave (status 0 too: the person
/// quit). Signals are not passed on and nothing is ever killed: the
/// process is not ours. Leaving, every call received and not answered
/// yet gets the default action first, and stderr says what happens to
/// the process's later calls.
pub fn run_attached(
    opts: &Options,
    attached: Attached,
    listener: NotifyFd,
    extra_rules: Vec<Rule>,
) -> Result<i32, Error> {
    let plan = plan(opts, extra_rules)?;
    let sink = open_outputs(opts)?;
    let fallback = plan.default_action;
    let learner = start_learning(opts.save_rules.as_deref())?;
    let signals = sysproc::block_signals();
    let mut running = session::attach(listener, attached.clone(), plan, Some(fallback))?;
    let _ = writeln!(
        io::stderr(),
        "unotify-tui: attached to {}: its trapped calls come here",
        attached.label()
    );
    let mut run = Headless {
        running: &mut running,
        sink,
        learner,
        fallback,
        status: None,
        closed: false,
        left_notice: None,
        quit: sysproc::signal_channel(signals),
        quit_by: None,
        summary: opts.summary.then(Summary::default),
        read: ReadRecords::default(),
    };
    run.supervise();
    let answered = run
        .quit_by
        .map(|_| run.running.supervisor.stop_answering(fallback));
    run.take_late_records();
    let (written, learner) = run.close();
    let end = match answered {
        Some(n) => attached.after_leaving(n, fallback),
        None => format!(
            "the listener hung up: every process under the filter of {} is gone",
            attached.label()
        ),
    };
    let _ = writeln!(io::stderr(), "unotify-tui: {end}");
    running.supervisor.stop();
    if let (Some(l), Some(path)) = (learner, &opts.save_rules) {
        save_learned(&l, path)?;
    }
    written.map_err(Error::writing)?;
    Ok(0)
}

/// How long a run may take to end after SIGTERM, SIGHUP or SIGINT before
/// unotify-tui exits by itself.
const END_GRACE: Duration = Duration::from_secs(2);

/// How long the program has, after such a signal, to exit by itself
/// (passed on, the signal is its to handle) before it is killed. What it
/// left running is ended as soon as it has exited.
const PROGRAM_GRACE: Duration = Duration::from_millis(1000);

/// Shared between the run and the thread that ends it after a signal.
#[derive(Default)]
struct Ending {
    /// The run has ended by itself.
    finished: AtomicBool,
    /// The signal that ends the run (0: none yet).
    signal: AtomicI32,
}

/// What to do after a signal: SIGTERM, SIGHUP, and a SIGINT that was
/// passed on (or a second one from the terminal, or any once the program
/// has exited: there is nobody else to hand it to) end the run. The
/// program has `PROGRAM_GRACE` to exit by itself, is killed after that,
/// and then every process still under the filter is killed: left alone,
/// they would run on with every trapped call failing (ENOSYS) once we
/// are gone. Even when the trace or log blocks on a reader that never
/// reads, the run ends `END_GRACE` after the signal: saying how many
/// records were still waiting to be written (when stderr can take it),
/// exiting 128+N.
fn end_on_signal(
    ending: &Arc<Ending>,
    program: &Arc<sysproc::ProcHandle>,
    queued: crossbeam_channel::Receiver<Event>,
) -> impl Fn(i32, bool) + Send + 'static {
    let ending = Arc::clone(ending);
    let program = Arc::clone(program);
    let interrupts = std::sync::atomic::AtomicUsize::new(0);
    move |sig, passed_on| {
        let ends = match sig {
            libc::SIGTERM | libc::SIGHUP => true,
            libc::SIGINT => {
                passed_on || program.has_exited() || interrupts.fetch_add(1, Ordering::Relaxed) >= 1
            }
            _ => false,
        };
        // Only the first ending signal counts.
        if !ends
            || ending
                .signal
                .compare_exchange(0, sig, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        let (ending, program, queued) = (Arc::clone(&ending), Arc::clone(&program), queued.clone());
        let _ = std::thread::Builder::new()
            .name("unotify-end".into())
            .spawn(move || end_run(&ending, &program, &queued, sig));
    }
}

/// Ends the run after signal `sig`: see [`end_on_signal`].
fn end_run(
    ending: &Ending,
    program: &sysproc::ProcHandle,
    queued: &crossbeam_channel::Receiver<Event>,
    sig: i32,
) {
    let start = Instant::now();
    let finished = || ending.finished.load(Ordering::Acquire);
    while !program.has_exited() && start.elapsed() < PROGRAM_GRACE {
        if finished() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    program.signal(libc::SIGKILL);
    // Margin left for the run to take its last records and end.
    let until = start + END_GRACE - Duration::from_millis(300);
    sysproc::kill_descendants(std::process::id(), until);
    while start.elapsed() < END_GRACE {
        if finished() {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if finished() {
        return;
    }
    let n = queued.len();
    let msg = format!(
        "unotify-tui: ended by signal {sig} while the trace or log could not be written; \
         {n} record{} not written\n",
        if n == 1 { "" } else { "s" }
    );
    write_if_ready(msg.as_bytes());
    std::process::exit(128 + sig);
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
    running: &'a mut Running,
    sink: Sink,
    learner: Option<Learner>,
    fallback: Answer,
    /// The target's wait status, once it has exited.
    status: Option<i32>,
    /// Whether the supervisor has stopped receiving.
    closed: bool,
    /// When to say which processes the program left running, if the run
    /// has not ended by then (once: `None` again after).
    left_notice: Option<Instant>,
    /// Signals that end an attach session (never, for a launch: see
    /// [`end_on_signal`]).
    quit: crossbeam_channel::Receiver<i32>,
    /// The signal that ended an attach session.
    quit_by: Option<i32>,
    /// `--summary`: every record counted, printed at exit.
    summary: Option<Summary>,
    /// Records written out, given back to the supervisor a batch at a
    /// time ([`Supervisor::give_back`]).
    read: ReadRecords,
}

impl Headless<'_> {
    /// Ends the outputs: the sink finished (its first failure given back
    /// to end the run with), the `--summary` table printed; hands back
    /// what was learned.
    fn close(self) -> (Result<(), OutputError>, Option<Learner>) {
        let written = self.sink.finish();
        if let Some(s) = self.summary {
            // Not eprintln!: stderr may be a pipe nobody reads any more.
            let _ = io::stderr().write_all(s.report().as_bytes());
        }
        (written, self.learner)
    }
}

/// How long after the program's exit its descendants are looked for:
/// children finishing along with it (a pipeline's last stage) are not
/// worth a message.
const LEFT_NOTICE_AFTER: Duration = Duration::from_millis(100);

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
    ///
    /// The pause ends early when the program exits, and once it has exited
    /// events are taken as they come: the end of a run is not held up by
    /// pauses.
    fn supervise(&mut self) {
        let mut busy = false;
        while self.status.is_none() || !self.closed {
            busy = if busy && self.status.is_none() {
                self.pause();
                self.take_batch()
            } else {
                self.wait()
            };
        }
    }

    /// Sleeps `BATCH_PAUSE`, or until the program exits.
    fn pause(&mut self) {
        match self.running.exits.recv_timeout(BATCH_PAUSE) {
            Ok(st) => self.exited(st),
            // The reaper ended without seeing the program: nothing to wait for.
            Err(RecvTimeoutError::Disconnected) => self.exited(0),
            Err(RecvTimeoutError::Timeout) => {}
        }
    }

    /// The program has exited with wait status `st` (the first status
    /// counts: a closed reaper channel says nothing new).
    fn exited(&mut self, st: i32) {
        if self.status.is_some() {
            return;
        }
        self.status = Some(st);
        // Attached, nothing of ours runs: the end is the hang-up.
        if !self.closed && self.running.attached().is_none() {
            self.left_notice = Some(Instant::now() + LEFT_NOTICE_AFTER);
        }
    }

    /// Says, once, which processes the program left running: the run
    /// waits for them.
    fn say_whats_left(&self) {
        let left: Vec<sysproc::ProcStat> = sysproc::descendants(std::process::id())
            .into_iter()
            .filter(sysproc::ProcStat::alive)
            .collect();
        if left.is_empty() {
            return;
        }
        let (code, _) = self.running.exit_status(self.status.unwrap_or(0));
        let named: Vec<String> = left
            .iter()
            .map(|p| format!("{} {}", p.pid, crate::escape::escape_bytes(&p.comm)))
            .collect();
        // Not eprintln!: stderr may be a pipe nobody reads any more.
        let _ = writeln!(
            io::stderr(),
            "unotify-tui: program exited {code}; waiting for {} process{}: {} — Ctrl-C ends them",
            left.len(),
            if left.len() == 1 { "" } else { "es" },
            named.join(", ")
        );
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
            Ok(st) => self.exited(st),
            Err(TryRecvError::Disconnected) => self.exited(0),
            Err(TryRecvError::Empty) => {}
        }
        self.flush();
        took
    }

    /// Sleeps until an event or the exit; whether an event came.
    fn wait(&mut self) -> bool {
        let running = &*self.running;
        if let Ok(sig) = self.quit.try_recv() {
            return self.leave(sig);
        }
        if self.status.is_some() {
            // Said when due even while events keep coming.
            if self.left_notice.is_some_and(|at| Instant::now() >= at) {
                self.left_notice = None;
                self.say_whats_left();
            }
            // The reaper's channel may be closed by now: selecting on it
            // would return at once, again and again.
            let ev = match self.left_notice {
                Some(at) => running.events.recv_deadline(at).map_err(|e| e.is_timeout()),
                None => select! {
                    recv(running.events) -> ev => ev.map_err(|_| false),
                    recv(self.quit) -> sig => {
                        return sig.is_ok_and(|sig| self.leave(sig));
                    },
                },
            };
            return match ev {
                Err(true) => {
                    self.left_notice = None;
                    self.say_whats_left();
                    false
                }
                Ok(ev) => self.take(Some(ev)),
                Err(_) => self.take(None),
            };
        }
        select! {
            recv(running.events) -> ev => self.take(ev.ok()),
            recv(running.exits) -> st => {
                match st {
                    Ok(st) => self.exited(st),
                    // The reaper ended without seeing the target: nothing to wait for.
                    Err(_) => self.exited(0),
                }
                false
            },
        }
    }

    /// A signal ended an attach session: the loop ends (the caller
    /// answers what is left). Returns false: no event came.
    fn leave(&mut self, sig: i32) -> bool {
        self.quit_by = Some(sig);
        self.status.get_or_insert(0);
        self.closed = true;
        false
    }

    /// An event written out, or `None` once the supervisor's queue has
    /// closed; whether an event came.
    fn take(&mut self, ev: Option<Event>) -> bool {
        match ev {
            Some(ev) => {
                self.handle(ev);
                self.flush();
                true
            }
            None => {
                self.closed = true;
                false
            }
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
                if let Some(s) = self.summary.as_mut() {
                    s.add(&rec);
                }
                let news = self.sink.record(&rec);
                self.noted(news);
                if let Some(batch) = self.read.keep(rec) {
                    self.running.supervisor.give_back(batch);
                }
            }
            Event::ListenerClosed => self.closed = true,
            Event::Failed(msg) if self.running.attached().is_some() => {
                // Not ours to kill: its calls wait for the next holder.
                eprintln!("unotify-tui: {msg}");
                self.closed = true;
            }
            Event::Failed(msg) => {
                // Nobody can answer the target's calls any more: end it
                // rather than leave it blocked for ever.
                eprintln!("unotify-tui: {msg}; killing the program");
                self.running.handle.signal(libc::SIGKILL);
                // And what it started: their calls would wait for ever too.
                sysproc::kill_descendants(std::process::id(), Instant::now() + END_GRACE);
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

    /// Records of answers still being carried out after the last process
    /// left. Normally there are none: `ListenerClosed` comes after the
    /// record of every answer in flight. Waited for only while some are
    /// counted, so an ordinary run ends at once.
    fn take_late_records(&mut self) {
        let until = Instant::now() + LATE_RECORDS;
        loop {
            // Counted before taking what is queued: an answer no longer
            // counted has sent its record already.
            let in_flight = self.running.supervisor.answers_in_flight();
            while let Ok(ev) = self.running.events.try_recv() {
                self.handle(ev);
            }
            if in_flight == 0 {
                break;
            }
            let left = until.saturating_duration_since(Instant::now());
            match self
                .running
                .events
                .recv_timeout(left.min(Duration::from_millis(1)))
            {
                Ok(ev) => self.handle(ev),
                Err(_) if left.is_zero() => break,
                Err(_) => {}
            }
        }
        self.flush();
    }

    /// The trace's last line: how the target ended.
    fn end_trace(&mut self, status: i32) {
        let news = self.sink.exit(status);
        self.noted(news);
        self.flush();
    }
}
