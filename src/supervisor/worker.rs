//! The supervisor threads: one receives and decides, one carries out the
//! user's decisions, and each emulation gets a thread of its own, so no
//! answer ever holds up receiving the next notification.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
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
use crate::sys::notify::{NotifyFd, Response, is_gone};

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
}

/// The running supervisor.
pub struct Supervisor {
    shared: Arc<Shared>,
    decisions: Sender<Decision>,
    receiver: Option<JoinHandle<()>>,
    answerer: Option<JoinHandle<()>>,
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
        });
        let (dtx, drx) = crossbeam_channel::unbounded::<Decision>();
        let s = Arc::clone(&shared);
        let receiver = std::thread::Builder::new()
            .name("unotify-recv".into())
            .spawn(move || receive_loop(&s, first, &settings))
            .expect("spawning the receiver thread");
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
        if let Some(h) = self.receiver.take() {
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
    fn get(&mut self, tid: u32, now: Instant) -> ProcInfo {
        if let Some((at, info)) = self.map.get(&tid)
            && now.duration_since(*at) < PROC_TTL
        {
            return info.clone();
        }
        if self.map.len() > 4096 {
            self.map
                .retain(|_, (at, _)| now.duration_since(*at) < PROC_TTL);
        }
        let info = proc_info(tid);
        self.map.insert(tid, (now, info.clone()));
        info
    }

    /// exec changes comm, exe and possibly credentials.
    fn forget(&mut self, tid: u32) {
        self.map.remove(&tid);
    }
}

fn poll_listener(fd: BorrowedFd<'_>, timeout_ms: i32) -> io::Result<i16> {
    let mut p = [nix::poll::PollFd::new(fd, nix::poll::PollFlags::POLLIN)];
    let t = nix::poll::PollTimeout::try_from(timeout_ms).unwrap_or(nix::poll::PollTimeout::NONE);
    match nix::poll::poll(&mut p, t) {
        Ok(0) => Ok(0),
        Ok(_) => Ok(p[0].revents().map(|r| r.bits()).unwrap_or(0)),
        Err(nix::errno::Errno::EINTR) => Ok(0),
        Err(e) => Err(io::Error::from(e)),
    }
}

fn receive_loop(shared: &Shared, first: Option<Notif>, settings: &Settings) {
    let mut cache = ProcCache {
        map: HashMap::new(),
    };
    if let Some(n) = first {
        handle(shared, settings, &mut cache, n);
    }
    let fd = shared.notify.as_fd();
    while !shared.stop.load(Ordering::Relaxed) {
        // A timeout so `stop` is noticed; RECV itself would block forever.
        let revents = match poll_listener(fd, 200) {
            Ok(r) => r,
            Err(e) => {
                let _ = shared
                    .events
                    .send(Event::Failed(format!("poll on the listener: {e}")));
                return;
            }
        };
        if revents & libc::POLLIN != 0 {
            match shared.notify.recv() {
                Ok(n) => handle(shared, settings, &mut cache, n),
                // Interrupted, or the call went away between poll and RECV.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EINTR | libc::ENOENT)) => {}
                Err(e) => {
                    let _ = shared
                        .events
                        .send(Event::Failed(format!("SECCOMP_IOCTL_NOTIF_RECV: {e}")));
                    return;
                }
            }
        } else if revents & (libc::POLLHUP | libc::POLLERR) != 0 {
            let _ = shared.events.send(Event::ListenerClosed);
            return;
        }
    }
}

/// Reads, decodes and decides one notification.
fn handle(shared: &Shared, settings: &Settings, cache: &mut ProcCache, n: Notif) {
    let received = Instant::now();
    let received_wall = SystemTime::now();
    let sysno = usize::try_from(n.nr).ok().and_then(Sysno::new);
    let info = cache.get(n.pid, received);
    let view = LiveTarget { tid: n.pid };
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
    // thread may have died and its tid been reused while we read.
    if !shared.notify.id_valid(n.id) {
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
