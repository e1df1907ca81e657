//! The supervisor threads: one receives and decides, one carries out the
//! user's decisions, and each emulation gets a thread of its own, so no
//! answer ever holds up receiving the next notification.

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};
use syscalls::Sysno;

use super::answer::{Answer, DecidedBy};
use super::decode;
use super::emulate::{self, Emulated};
use super::event::{Call, Notif};
use super::target::{LiveTarget, ProcInfo, proc_info};
use crate::errno::Errno;
use crate::policy::rules::{RuleAction, RuleSet};
use crate::sys::notify::{self, NotifyFd, RecvWaker, Response, is_gone};

/// What the target got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// CONTINUE was sent: the kernel ran the call; its result is the
    /// kernel's business.
    Continued,
    /// The call returned this value (return, or a successful emulation).
    Returned(i64),
    /// The call failed with this errno (deny, or a failed emulation).
    Failed(Errno),
    /// The call went away (signal, or the target died) before the answer
    /// reached it.
    Gone,
}

/// One answered (or vanished) call, for history, trace and log.
#[derive(Clone, Debug)]
pub struct Record {
    pub call: Arc<Call>,
    /// `None` when the call vanished before anything was decided.
    pub answer: Option<Answer>,
    pub decided_by: DecidedBy,
    pub outcome: Outcome,
    /// From RECV to the answer.
    pub latency: Duration,
    pub answered_wall: SystemTime,
}

/// Messages into the UI (or the headless writer).
#[derive(Debug)]
pub enum Event {
    /// A call waits for a person.
    Pending(Arc<Call>),
    /// A call was answered, or vanished.
    Answered(Box<Record>),
    /// Every process under the filter is gone.
    ListenerClosed,
    /// Receiving failed for good (the message says why).
    Failed(String),
}

/// A decision made in the UI, carried out by the supervisor.
#[derive(Debug)]
pub struct Decision {
    pub call: Arc<Call>,
    pub answer: Answer,
    pub by: DecidedBy,
}

/// How calls are decided without a person.
pub struct Settings {
    pub rules: Arc<RuleSet>,
    /// Headless: the answer for calls no rule decides. `None`: ask the UI.
    pub fallback: Option<Answer>,
}

/// Shared by the supervisor threads.
struct Shared {
    notify: Arc<NotifyFd>,
    events: Sender<Event>,
    continue_mode: AtomicBool,
    stop: AtomicBool,
    /// Every process under the filter is gone (seen by the hang-up watcher).
    hung_up: AtomicBool,
    /// The receiver has left its loop: no need to wake it any more.
    receiver_done: AtomicBool,
}

/// The running supervisor.
pub struct Supervisor {
    shared: Arc<Shared>,
    decisions: Sender<Decision>,
    receiver: Option<JoinHandle<()>>,
    answerer: Option<JoinHandle<()>>,
    watcher: Option<JoinHandle<()>>,
}

impl Supervisor {
    /// Starts the threads. `first` is a notification the launch already
    /// received (the target's own execve).
    pub fn start(
        notify: NotifyFd,
        first: Option<Notif>,
        settings: Settings,
        events: Sender<Event>,
    ) -> Supervisor {
        let shared = Arc::new(Shared {
            notify: Arc::new(notify),
            events,
            continue_mode: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            hung_up: AtomicBool::new(false),
            receiver_done: AtomicBool::new(false),
        });
        let (dtx, drx) = crossbeam_channel::unbounded::<Decision>();
        let s = Arc::clone(&shared);
        let installed = RecvWaker::install();
        let receiver = std::thread::Builder::new()
            .name("unotify-recv".into())
            .spawn(move || match installed {
                Ok(()) => receive_loop(&s, first, &settings),
                Err(e) => {
                    s.receiver_done.store(true, Ordering::Relaxed);
                    let _ = s.events.send(Event::Failed(format!(
                        "installing the signal handler that wakes the receiver: {e}"
                    )));
                }
            })
            .expect("spawning the receiver thread");
        // The receiver blocks in RECV, which does not return when the
        // last process under the filter exits: this thread waits for that
        // and wakes it.
        let s = Arc::clone(&shared);
        let waker = RecvWaker::for_thread(&receiver);
        let watcher = std::thread::Builder::new()
            .name("unotify-hangup".into())
            .spawn(move || watch_hangup(&s, &waker))
            .expect("spawning the hang-up watcher");
        let s = Arc::clone(&shared);
        let answerer = std::thread::Builder::new()
            .name("unotify-answer".into())
            .spawn(move || answer_loop(&s, &drx))
            .expect("spawning the answer thread");
        Supervisor {
            shared,
            decisions: dtx,
            receiver: Some(receiver),
            answerer: Some(answerer),
            watcher: Some(watcher),
        }
    }

    /// Hands a person's decision to the supervisor.
    pub fn decide(&self, d: Decision) {
        let _ = self.decisions.send(d);
    }

    /// Continue mode: allow every call no rule decides, without asking.
    pub fn set_continue(&self, on: bool) {
        self.shared.continue_mode.store(on, Ordering::Relaxed);
    }

    pub fn continue_mode(&self) -> bool {
        self.shared.continue_mode.load(Ordering::Relaxed)
    }

    /// Stops receiving and waits for the threads. Calls still pending in
    /// the kernel stay there until the listener is closed (they then fail
    /// with ENOSYS) or the target dies.
    pub fn stop(mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        let (dtx, _) = crossbeam_channel::unbounded();
        drop(std::mem::replace(&mut self.decisions, dtx));
        for h in [self.receiver.take(), self.watcher.take()]
            .into_iter()
            .flatten()
        {
            // Both may be blocked (in RECV, in poll): wake them until they
            // see the stop flag.
            let waker = RecvWaker::for_thread(&h);
            while !h.is_finished() {
                waker.wake();
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = h.join();
        }
        if let Some(h) = self.answerer.take() {
            let _ = h.join();
        }
    }

    pub fn notify_fd(&self) -> &NotifyFd {
        &self.shared.notify
    }
}

/// How long cached /proc facts about a thread stay fresh. Reading
/// /proc/TID/{status,comm,exe} costs more than the whole kernel round
/// trip, so a burst of calls from one thread reads them once.
const PROC_TTL: Duration = Duration::from_millis(200);

struct ProcCache {
    map: HashMap<u32, (Instant, ProcInfo)>,
}

impl ProcCache {
    /// The facts, and whether they were read just now (not cached).
    fn get(&mut self, tid: u32, now: Instant) -> (ProcInfo, bool) {
        if let Some((at, info)) = self.map.get(&tid)
            && now.duration_since(*at) < PROC_TTL
        {
            return (info.clone(), false);
        }
        if self.map.len() > 4096 {
            self.map
                .retain(|_, (at, _)| now.duration_since(*at) < PROC_TTL);
        }
        let info = proc_info(tid);
        self.map.insert(tid, (now, info.clone()));
        (info, true)
    }

    /// exec changes comm, exe and possibly credentials.
    fn forget(&mut self, tid: u32) {
        self.map.remove(&tid);
    }
}

fn receive_loop(shared: &Shared, first: Option<Notif>, settings: &Settings) {
    let mut cache = ProcCache {
        map: HashMap::new(),
    };
    if let Some(n) = first {
        handle(shared, settings, &mut cache, n);
    }
    // RECV without a poll before it: one syscall less per call. Stop and
    // hang-up come as a signal that makes RECV fail with EINTR.
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        if shared.hung_up.load(Ordering::Relaxed) {
            let _ = shared.events.send(Event::ListenerClosed);
            break;
        }
        match shared.notify.recv() {
            Ok(n) => handle(shared, settings, &mut cache, n),
            // Woken on purpose: the flags above say why.
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => {}
            // The call went away before RECV took it, or (Linux 6.11+)
            // every process under the filter is gone: RECV then fails at
            // once, so look rather than spin until the watcher says so.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                if notify::wait_hangup(shared.notify.as_fd(), 0).unwrap_or(false) {
                    shared.hung_up.store(true, Ordering::Relaxed);
                }
            }
            Err(e) => {
                let _ = shared
                    .events
                    .send(Event::Failed(format!("SECCOMP_IOCTL_NOTIF_RECV: {e}")));
                break;
            }
        }
    }
    shared.receiver_done.store(true, Ordering::Relaxed);
}

/// Waits until every process under the filter is gone, then wakes the
/// receiver (repeatedly: a signal that lands just before it enters RECV
/// is lost) until it has left its loop. Before Linux 6.11 RECV does not
/// return at hang-up by itself.
fn watch_hangup(shared: &Shared, receiver: &RecvWaker) {
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        match notify::wait_hangup(shared.notify.as_fd(), 200) {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => {
                let _ = shared
                    .events
                    .send(Event::Failed(format!("poll on the listener: {e}")));
                break;
            }
        }
    }
    shared.hung_up.store(true, Ordering::Relaxed);
    while !shared.receiver_done.load(Ordering::Relaxed) && !shared.stop.load(Ordering::Relaxed) {
        receiver.wake();
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Reads, decodes and decides one notification.
fn handle(shared: &Shared, settings: &Settings, cache: &mut ProcCache, n: Notif) {
    let received = Instant::now();
    let received_wall = SystemTime::now();
    let sysno = usize::try_from(n.nr).ok().and_then(Sysno::new);
    let (info, fresh) = cache.get(n.pid, received);
    let view = LiveTarget::new(n.pid);
    // The raw copies emulation uses come from the same reads as the
    // decoded values that are shown and decided on.
    let (args, copies) = decode::decode_with_copies(sysno, &n.args, &view);
    if matches!(sysno, Some(Sysno::execve | Sysno::execveat)) {
        cache.forget(n.pid);
    }
    let call = Arc::new(Call {
        notif: n,
        tgid: info.tgid,
        ppid: info.ppid,
        comm: info.comm,
        exe: info.exe,
        creds: info.creds,
        copies,
        sysno,
        args,
        received,
        received_wall,
    });
    // What we read is only trustworthy if the call is still pending: the
    // thread may have died and its tid been reused while we read. With
    // nothing read just now (no pointer followed, /proc facts cached)
    // there is nothing to vouch for, and SEND reports a call that went
    // away: the ioctl is skipped on that hot path.
    if (fresh || view.read_anything()) && !shared.notify.id_valid(n.id) {
        record(shared, &call, None, DecidedBy::Supervisor, Outcome::Gone);
        return;
    }
    if let Some((number, rule)) = settings.rules.decide(&call) {
        match &rule.action {
            RuleAction::Answer(a) => {
                let by = DecidedBy::Rule {
                    number,
                    origin: rule.origin.to_string(),
                    quiet: rule.origin.file == crate::policy::rules::BUILTIN_FILE,
                };
                dispatch(shared, call, *a, by);
                return;
            }
            // An `ask` rule interrupts continue mode and the fallback.
            RuleAction::Ask => {
                let _ = shared.events.send(Event::Pending(call));
                return;
            }
        }
    }
    if shared.continue_mode.load(Ordering::Relaxed) {
        dispatch(shared, call, Answer::Allow, DecidedBy::Continue);
    } else if let Some(a) = settings.fallback {
        dispatch(shared, call, a, DecidedBy::Default);
    } else {
        let _ = shared.events.send(Event::Pending(call));
    }
}

fn answer_loop(shared: &Shared, decisions: &Receiver<Decision>) {
    for d in decisions {
        dispatch(shared, d.call, d.answer, d.by);
    }
}

fn record(
    shared: &Shared,
    call: &Arc<Call>,
    answer: Option<Answer>,
    by: DecidedBy,
    outcome: Outcome,
) {
    let rec = Record {
        call: Arc::clone(call),
        answer,
        decided_by: by,
        outcome,
        latency: call.received.elapsed(),
        answered_wall: SystemTime::now(),
    };
    let _ = shared.events.send(Event::Answered(Box::new(rec)));
}

/// Carries out an answer. Emulation goes to a thread of its own.
fn dispatch(shared: &Shared, call: Arc<Call>, answer: Answer, by: DecidedBy) {
    let id = call.notif.id;
    let (resp, outcome) = match answer {
        Answer::Allow => (Response::continue_call(id), Outcome::Continued),
        Answer::Deny(e) => (Response::error(id, e), Outcome::Failed(e)),
        Answer::Return(v) => (Response::value(id, v), Outcome::Returned(v)),
        Answer::Emulate => {
            if emulate::refusal(&call).is_some() {
                // The UI and rule loading refuse this earlier; never leave
                // the call hanging if it slips through.
                let e = Errno::ENOSYS;
                let outcome = send_or_gone(shared, Response::error(id, e), Outcome::Failed(e));
                record(shared, &call, Some(Answer::Deny(e)), by, outcome);
                return;
            }
            let notify = Arc::clone(&shared.notify);
            let events = shared.events.clone();
            let spawned = std::thread::Builder::new()
                .name("unotify-emulate".into())
                .spawn(move || {
                    let outcome = match emulate::perform(&notify, &call) {
                        Emulated::Value(v) => Outcome::Returned(v),
                        Emulated::Error(e) => Outcome::Failed(e),
                        Emulated::Gone => Outcome::Gone,
                    };
                    let rec = Record {
                        latency: call.received.elapsed(),
                        call,
                        answer: Some(Answer::Emulate),
                        decided_by: by,
                        outcome,
                        answered_wall: SystemTime::now(),
                    };
                    let _ = events.send(Event::Answered(Box::new(rec)));
                });
            if spawned.is_err() {
                let e = Errno::EAGAIN;
                let _ = shared.notify.send(Response::error(id, e));
            }
            return;
        }
    };
    let outcome = send_or_gone(shared, resp, outcome);
    record(shared, &call, Some(answer), by, outcome);
}

fn send_or_gone(shared: &Shared, resp: Response, ok: Outcome) -> Outcome {
    match shared.notify.send(resp) {
        Ok(()) => ok,
        Err(e) if is_gone(&e) => Outcome::Gone,
        // Any other SEND failure also means the target never got this
        // answer; the call is no longer ours to answer.
        Err(_) => Outcome::Gone,
    }
}
