//! The supervisor threads: one receives and decides, one carries out the
//! user's decisions, and each emulation gets a thread of its own, so no
//! answer ever holds up receiving the next notification. The relay
//! thread ([`super::relay`]) makes the records of calls the receiver
//! answered at once.

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};
use syscalls::Sysno;

use super::emulate::{self, Emulated};
use super::relay::{Entry, Received, Relay, Unbuilt};
use super::target::{self, LiveTarget, RegistersOnly, proc_info};
use crate::decode::{self, Gathered, Reach};
use crate::errno::Errno;
use crate::model::emulation;
use crate::model::{
    Answer, Arg, Call, Container, DecidedBy, Notif, Outcome, ProcFacts, Record, Stack,
};
use crate::policy::rules::{Rule, RuleAction, RuleSet, RuleView};
use crate::sys::notify::{self, NotifyFd, RecvWaker, Response, is_gone};
use crate::time::Mono;

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

/// `--timeout`: a call waiting for a person gets `answer` once `after` has
/// passed since it was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout {
    pub after: Duration,
    pub answer: Answer,
}

/// How calls are decided without a person.
pub struct Settings {
    /// The live rule list; the UI edits it through [`Supervisor::rules`].
    pub rules: Arc<RuleSet>,
    /// Headless: the answer for calls no rule decides. `None`: ask the UI.
    pub fallback: Option<Answer>,
    /// Answer calls nobody answered in time.
    pub timeout: Option<Timeout>,
    /// Find the real paths of every path-carrying call before answering
    /// it, because they will be shown, logged or learned (afterwards the
    /// program may have moved on: a relative path would be walked from a
    /// new cwd). Otherwise only where a decision depends on them.
    pub resolve_paths: bool,
    /// RECV returns by itself once the last process under the filter is
    /// gone (Linux 6.11): no thread needs to watch for that.
    pub recv_sees_hangup: bool,
    /// How many events may wait in the queue before a sender waits for
    /// room (`None`: no limit). The queue given to [`Supervisor::start`]
    /// should be unbounded: the bound is kept here.
    pub events_bound: Option<usize>,
    /// `--stack`: capture each call's stack before answering it.
    pub stack: bool,
}

/// The queue into the runtime, with its bound kept on the sending side.
///
/// A bounded crossbeam channel allocates and writes every slot when it
/// is made: at 8192 slots, that cost a short run (`unotify-tui -- true`)
/// about 0.3 ms of page faults. The unbounded one grows in small blocks
/// as events come, so a run pays for the events it has.
#[derive(Clone)]
struct Events {
    tx: Sender<Event>,
    bound: Option<usize>,
    /// Set once the supervisor is being stopped: whoever reads the
    /// queue may be the one stopping it, waiting for threads that would
    /// otherwise wait for room. What is still sent then is little (the
    /// calls being answered) and is all read afterwards.
    unbound: Arc<AtomicBool>,
    /// Records to be made after their calls were answered, and the
    /// events sent behind them.
    relay: Arc<Relay>,
    /// Records to write the relay's into (`Shared::spare`).
    spares: Receiver<Spares>,
    /// What was gathered for calls the relay has recorded, given back a
    /// batch at a time for the receiver to gather into again.
    gathered: (Sender<GatheredBack>, Receiver<GatheredBack>),
}

impl Events {
    fn new(tx: Sender<Event>, bound: Option<usize>, spares: Receiver<Spares>) -> Events {
        Events {
            tx,
            bound,
            unbound: Arc::new(AtomicBool::new(false)),
            relay: Arc::default(),
            spares,
            gathered: crossbeam_channel::bounded(SPARE_BATCHES),
        }
    }

    fn has_room(&self) -> bool {
        self.bound
            .is_none_or(|b| self.tx.len() + self.relay.queued() < b)
            || self.unbound.load(Ordering::Relaxed)
    }

    /// Sends unless the queue is full; gives the event back when it is.
    fn try_send(&self, ev: Event) -> Result<(), Event> {
        if !self.has_room() {
            return Err(ev);
        }
        self.put(ev);
        Ok(())
    }

    /// Sends, first waiting for room ([`wait_for_room`](Self::wait_for_room)).
    fn send(&self, ev: Event) {
        self.wait_for_room();
        self.put(ev);
    }

    /// Hands on the makings of a record, to be made by the relay thread.
    fn later(&self, unbuilt: Unbuilt) {
        self.wait_for_room();
        self.relay
            .push(Entry::Unbuilt(unbuilt), |entry| self.hand_on(entry));
    }

    /// Into the queue, or behind the entries waiting for the relay.
    fn put(&self, ev: Event) {
        if self.relay.queued() == 0 {
            let _ = self.tx.send(ev);
        } else {
            self.relay
                .push(Entry::Event(ev), |entry| self.hand_on(entry));
        }
    }

    /// Into the queue, a record made first.
    fn hand_on(&self, entry: Entry) {
        let ev = match entry {
            Entry::Event(ev) => ev,
            Entry::Unbuilt(u) => Event::Answered(build_record(u, &self.spares, &self.gathered.0)),
        };
        let _ = self.tx.send(ev);
    }

    /// Waits for room: the runtime is behind (its output slower than the
    /// calls), so the program waits rather than memory growing. Looked at
    /// again soon, then every millisecond; a runtime that is gone empties
    /// the queue, which ends the wait.
    ///
    /// The room is looked at once every [`ROOM_CHECK_EVERY`] sends of a
    /// thread: the queue's length is read from the reader's side of the
    /// channel, a cache miss that cost the receiver as much as the send.
    /// Each sending thread can overshoot the bound by that many at most.
    fn wait_for_room(&self) {
        let due = UNCHECKED_SENDS.with(|n| {
            let due = n.get() + 1 >= ROOM_CHECK_EVERY;
            n.set(if due { 0 } else { n.get() + 1 });
            due
        });
        if due {
            let mut pause = Duration::from_micros(50);
            while !self.has_room() {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(1));
            }
        }
    }
}

/// How many events a thread sends between two looks at the queue's room
/// ([`Events::send`]).
const ROOM_CHECK_EVERY: u32 = 32;

thread_local! {
    /// Events this thread sent since it last looked at the queue's room.
    static UNCHECKED_SENDS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// A call handed to the UI and not answered yet.
struct Waiting {
    call: Arc<Call>,
    /// When the timeout answers it; `None` without a timeout, or once the
    /// person put the call on hold.
    deadline: Option<Instant>,
}

/// Shared by the supervisor threads.
struct Shared {
    notify: Arc<NotifyFd>,
    events: Events,
    rules: Arc<RuleSet>,
    timeout: Option<Timeout>,
    continue_mode: AtomicBool,
    stop: AtomicBool,
    /// Every process under the filter is gone (seen by the hang-up watcher).
    hung_up: AtomicBool,
    /// Answers being carried out (SEND, then the record), emulations
    /// included: `ListenerClosed` waits for them, so it comes after the
    /// record of every call answered before the program was gone.
    in_flight: Arc<AtomicUsize>,
    /// Held by a thread other than the receiver from just before it sends
    /// an answer until the call's record is queued. The program goes on at
    /// SEND (with SYNC_WAKE_UP on that very CPU), so the receiver can
    /// have its next call recorded while that thread is still between
    /// SEND and queueing: the receiver takes this lock before queueing
    /// while answers are in flight, and the records come in the order
    /// the calls were answered ([`Shared::in_answer_order`]).
    answer_order: Arc<Mutex<()>>,
    /// The receiver has left its loop: no need to wake it any more.
    receiver_done: AtomicBool,
    /// Calls sent to the UI as `Event::Pending`, by notification id. An
    /// answer for such a call is carried out only by whoever removes it
    /// from here first (the person's decision, the timeout, a new rule):
    /// the claim that makes every call answered at most once.
    waiting: Mutex<HashMap<u64, Waiting>>,
    /// Wakes the timeout thread when a deadline is added or on stop.
    wake: Condvar,
    /// The watch thread, started with the first call handed to the UI:
    /// until then nothing waits (a headless run without `ask` rules
    /// never needs it).
    watch: Mutex<Option<JoinHandle<()>>>,
    /// The container every call comes from (the agent), put on each call.
    container: Option<Arc<Container>>,
    /// Records their reader is done with, given back a batch at a time
    /// ([`Supervisor::give_back`]).
    spare: (Sender<Spares>, Receiver<Spares>),
}

/// Records given back to be written into again: the boxes are the point
/// (an `Event::Answered` carries one), not the records in them.
#[allow(clippy::vec_box)]
pub type Spares = Vec<Box<Record>>;

/// What was gathered for calls already recorded, to gather into again: the
/// boxes are the point (an [`Unbuilt`] carries one), as with [`Spares`].
#[allow(clippy::vec_box)]
type GatheredBack = Vec<Box<Gathered>>;

/// How many batches of read records wait to be reused.
const SPARE_BATCHES: usize = 4;

/// How many written records a reader gives back at once
/// ([`Supervisor::give_back`]).
const GIVE_BACK: usize = 256;

/// Supplies the receiver a batch of blank records for every batch of
/// records read ([`Supervisor::blanks`]).
#[derive(Clone)]
pub struct Blanks {
    to: Sender<Spares>,
    taken: usize,
}

impl Blanks {
    /// Counts one record read; sends a batch of blanks once a batch was
    /// read (none when the receiver has enough waiting).
    pub fn took_one(&mut self) {
        self.taken += 1;
        if self.taken >= GIVE_BACK {
            self.taken = 0;
            if !self.to.is_full() {
                let _ = self.to.try_send(blank_records(GIVE_BACK));
            }
        }
    }
}

/// `n` records holding calls, all to be written over.
fn blank_records(n: usize) -> Spares {
    let nobody = Arc::new(ProcFacts::default());
    let (now, then) = (Mono::now(), SystemTime::UNIX_EPOCH);
    (0..n)
        .map(|_| {
            let call = Call {
                notif: Notif::default(),
                proc: Arc::clone(&nobody),
                copies: None,
                sysno: None,
                args: Vec::new(),
                received: now,
                received_wall: then,
                real: std::sync::OnceLock::new(),
                container: None,
                stack: None,
            };
            Box::new(Record {
                call: Arc::new(call),
                answer: None,
                decided_by: DecidedBy::Supervisor,
                outcome: Outcome::Gone,
                latency: Duration::ZERO,
            })
        })
        .collect()
}

/// Records a reader is done with, kept until there is a batch to give
/// back ([`Supervisor::give_back`]).
#[derive(Default)]
pub struct ReadRecords(Spares);

impl ReadRecords {
    /// Keeps `rec`; returns the batch once it is full.
    pub fn keep(&mut self, rec: Box<Record>) -> Option<Spares> {
        self.0.push(rec);
        (self.0.len() >= GIVE_BACK).then(|| std::mem::take(&mut self.0))
    }
}

/// What a thread that records calls keeps for writing its next records
/// into: one thread-local for both, looked at once to record a call and
/// once to make one (each look costs the receiver a few dozen
/// instructions).
struct Stash {
    /// The batch of spare records this thread writes its next records
    /// into: taken from `Shared::spare` a batch at a time, so a call
    /// costs no look at a channel the reader writes to.
    records: Spares,
    /// The calls of reused records: the next calls are written over them
    /// in place ([`write_over`]), where nothing else still refers to them.
    calls: Vec<Arc<Call>>,
    /// This is the receiver's thread: its records wait for answers other
    /// threads are recording ([`Shared::in_answer_order`]).
    receiver: bool,
    /// On the receiver, boxes to gather into ([`gather_now`]); on the
    /// relay, those it is done with, until there is a batch to give back.
    gathered: GatheredBack,
}

thread_local! {
    static STASH: std::cell::RefCell<Stash> = const {
        std::cell::RefCell::new(Stash {
            records: Vec::new(),
            calls: Vec::new(),
            receiver: false,
            gathered: Vec::new(),
        })
    };
}

/// A spare call to write the next one over ([`write_over`]).
fn spare_call() -> Option<Arc<Call>> {
    STASH.with_borrow_mut(|s| s.calls.pop())
}

/// The call `make` makes, in an allocation of its own: `spare` written
/// over when nothing else refers to it (no free, no allocation), and
/// `make` given the spare's arguments to decode the new ones over. The
/// spare is looked at once: whether it is shared is a locked instruction.
fn write_over(mut spare: Option<Arc<Call>>, make: impl FnOnce(Vec<Arg>) -> Call) -> Arc<Call> {
    match spare.as_mut().and_then(Arc::get_mut) {
        Some(slot) => {
            *slot = make(std::mem::take(&mut slot.args));
            spare.expect("the slot is the spare's call")
        }
        None => Arc::new(make(Vec::new())),
    }
}

impl Stash {
    /// Queues `rec` for the runtime, written into a spare record; on the
    /// receiver, after the answers other threads are recording
    /// ([`Shared::in_answer_order`]).
    fn queue(&mut self, shared: &Shared, rec: Record) {
        if self.receiver {
            shared.in_answer_order();
        }
        shared
            .events
            .send(Event::Answered(self.fill(rec, &shared.spare.1)));
        self.prefetch();
    }

    /// Writes `rec` into a spare record (one from `more` when none is
    /// left), or into a new one.
    fn fill(&mut self, rec: Record, more: &Receiver<Spares>) -> Box<Record> {
        if self.records.is_empty()
            && let Ok(batch) = more.try_recv()
        {
            self.records = batch;
        }
        match self.records.pop() {
            Some(mut spare) => {
                let old = std::mem::replace(&mut *spare, rec);
                self.keep_call(old.call);
                spare
            }
            None => Box::new(rec),
        }
    }

    /// Keeps the call of a record being reused for [`write_over`] (at
    /// most a batch of them). Whether anything else still refers to it is
    /// left to `write_over`: the reference count sits on a line the reader touched
    /// last, and looking at it now would wait for that line, where the
    /// prefetch at the end of this call brings it in while the program
    /// runs.
    fn keep_call(&mut self, call: Arc<Call>) {
        if self.calls.len() < GIVE_BACK {
            self.calls.push(call);
        }
    }

    /// Starts bringing in the memory the next calls will be written to,
    /// while the program runs until the next call: the spares were last
    /// touched hundreds of calls ago (the writer thread read them on the
    /// other CPU), and waiting for them then would add to the call. A
    /// step ahead each: what a pointer leads to is asked for once the
    /// memory holding the pointer came in at the last call.
    fn prefetch(&self) {
        let n = self.records.len();
        // The record after next.
        if n >= 2 {
            prefetch_record(&self.records[n - 2]);
        }
        // The next record, and the call in it, which the call after next
        // is written over.
        if let Some(r) = self.records.last() {
            prefetch_record(r);
            prefetch_call(&r.call);
        }
        // The next call, and its arguments, which the next call's are
        // decoded over.
        if let Some(c) = self.calls.last() {
            prefetch_call(c);
            crate::sys::cache::prefetch(
                c.args.as_ptr().cast(),
                c.args.len() * std::mem::size_of::<Arg>(),
            );
        }
    }
}

fn prefetch_record(r: &Record) {
    crate::sys::cache::prefetch((r as *const Record).cast(), std::mem::size_of::<Record>());
}

/// A call, from the reference counts just before it.
fn prefetch_call(c: &Arc<Call>) {
    let counts = 2 * std::mem::size_of::<usize>();
    let start = Arc::as_ptr(c).cast::<u8>().wrapping_sub(counts);
    crate::sys::cache::prefetch(start, counts + std::mem::size_of::<Call>());
}

impl Shared {
    fn waiting(&self) -> MutexGuard<'_, HashMap<u64, Waiting>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Held while answering from a thread other than the receiver: from
    /// before SEND until the record is queued ([`send_and_record`], the
    /// emulation's [`emulate::AnswerGate`]).
    fn answering(&self) -> MutexGuard<'_, ()> {
        self.answer_order.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// On the receiver, before it queues an event: waits for an answer
    /// another thread has sent and not yet recorded. The receiver got its
    /// call after that SEND (the program went on from there), so that
    /// record comes first. An answer counts in flight from before its
    /// SEND, and the kernel orders the SEND before the receiver's RECV:
    /// with none in flight there is nothing to wait for, and the lock is
    /// not touched.
    fn in_answer_order(&self) {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            drop(self.answering());
        }
    }

    /// Hands a call to the UI, registered first so an answer can claim it.
    fn ask(self: &Arc<Self>, call: Arc<Call>) {
        self.start_watch();
        self.in_answer_order();
        let deadline = self.timeout.map(|t| call.received.to_instant() + t.after);
        let mut waiting = self.waiting();
        waiting.insert(
            call.notif.id,
            Waiting {
                call: Arc::clone(&call),
                deadline,
            },
        );
        // Sent under the lock: whoever answers the call (the timeout, the
        // gone sweep) needs the lock, so its record always comes after
        // this event, even when this thread is slow. A bounded queue that
        // is full (headless, output slower than the calls) is waited on
        // without the lock: the runtime that drains the queue may need the
        // lock to answer an earlier call. Headless, nothing depends on
        // that order.
        match self.events.try_send(Event::Pending(call)) {
            Err(ev) => {
                drop(waiting);
                self.events.send(ev);
            }
            Ok(()) => drop(waiting),
        }
        // The watch thread sleeps without a deadline while nothing waits.
        self.wake.notify_one();
    }

    /// Starts the watch thread unless it runs already.
    fn start_watch(self: &Arc<Self>) {
        let mut watch = self.watch.lock().unwrap_or_else(|e| e.into_inner());
        if watch.is_none() {
            let s = Arc::clone(self);
            *watch = Some(
                std::thread::Builder::new()
                    .name("unotify-watch".into())
                    .spawn(move || watch_loop(&s))
                    .expect("spawning the watch thread"),
            );
        }
    }

    /// Takes the right to answer call `id`; `None` when it was answered
    /// (or claimed) already or never waited for a person.
    fn claim(&self, id: u64) -> Option<Arc<Call>> {
        self.waiting().remove(&id).map(|w| w.call)
    }
}

/// The running supervisor.
pub struct Supervisor {
    shared: Arc<Shared>,
    /// Each decision travels with its count in flight.
    decisions: Sender<(Decision, InFlight)>,
    /// Where the answer thread takes them from, until it is started with
    /// the first decision (headless runs without `ask` rules make none).
    answerer: Mutex<Answerer>,
    receiver: Option<JoinHandle<()>>,
    hangup: Option<JoinHandle<()>>,
    /// Makes the records of calls answered at once ([`super::relay`]).
    relay: Option<JoinHandle<()>>,
}

/// The answer thread, or what it needs to start.
enum Answerer {
    NotStarted(Receiver<(Decision, InFlight)>),
    Running(JoinHandle<()>),
    Stopped,
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
        Self::start_with(notify, first, settings, events, None)
    }

    /// Starts the threads on a container's listener (the agent): every
    /// call carries `container`, for rules, the trace and the log.
    pub fn start_in_container(
        notify: NotifyFd,
        settings: Settings,
        events: Sender<Event>,
        container: Arc<Container>,
    ) -> Supervisor {
        Self::start_with(notify, None, settings, events, Some(container))
    }

    fn start_with(
        notify: NotifyFd,
        first: Option<Notif>,
        settings: Settings,
        events: Sender<Event>,
        container: Option<Arc<Container>>,
    ) -> Supervisor {
        let spare = crossbeam_channel::bounded(SPARE_BATCHES);
        let shared = Arc::new(Shared {
            notify: Arc::new(notify),
            events: Events::new(events, settings.events_bound, spare.1.clone()),
            rules: Arc::clone(&settings.rules),
            timeout: settings.timeout,
            continue_mode: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            hung_up: AtomicBool::new(false),
            in_flight: Arc::new(AtomicUsize::new(0)),
            answer_order: Arc::new(Mutex::new(())),
            receiver_done: AtomicBool::new(false),
            waiting: Mutex::new(HashMap::new()),
            wake: Condvar::new(),
            watch: Mutex::new(None),
            container,
            spare,
        });
        let s = Arc::clone(&shared);
        let relay = std::thread::Builder::new()
            .name("unotify-relay".into())
            .spawn(move || s.events.relay.run(|entry| s.events.hand_on(entry)))
            .expect("spawning the relay thread");
        let (dtx, drx) = crossbeam_channel::unbounded::<(Decision, InFlight)>();
        let recv_sees_hangup = settings.recv_sees_hangup;
        let s = Arc::clone(&shared);
        let installed = RecvWaker::install();
        let receiver = std::thread::Builder::new()
            .name("unotify-recv".into())
            .spawn(move || match installed {
                Ok(()) => receive_loop(&s, first, &settings),
                Err(e) => {
                    s.receiver_done.store(true, Ordering::Relaxed);
                    s.events.send(Event::Failed(format!(
                        "installing the signal handler that wakes the receiver: {e}"
                    )));
                }
            })
            .expect("spawning the receiver thread");
        // The receiver blocks in RECV, which before Linux 6.11 does not
        // return when the last process under the filter exits: this
        // thread waits for that and wakes it.
        let hangup = (!recv_sees_hangup).then(|| {
            let s = Arc::clone(&shared);
            let waker = RecvWaker::for_thread(&receiver);
            std::thread::Builder::new()
                .name("unotify-hangup".into())
                .spawn(move || watch_hangup(&s, &waker))
                .expect("spawning the hang-up watcher")
        });
        Supervisor {
            shared,
            decisions: dtx,
            answerer: Mutex::new(Answerer::NotStarted(drx)),
            receiver: Some(receiver),
            hangup,
            relay: Some(relay),
        }
    }

    /// Sends a decision to the answer thread, started on first use.
    fn send_decision(&self, d: Decision, counted: InFlight) {
        let mut answerer = self.answerer.lock().unwrap_or_else(|e| e.into_inner());
        if let Answerer::NotStarted(drx) = &*answerer {
            let (s, drx) = (Arc::clone(&self.shared), drx.clone());
            *answerer = Answerer::Running(
                std::thread::Builder::new()
                    .name("unotify-answer".into())
                    .spawn(move || answer_loop(&s, &drx))
                    .expect("spawning the answer thread"),
            );
        }
        let _ = self.decisions.send((d, counted));
    }

    /// Hands a person's decision to the supervisor. Returns false, and
    /// does nothing, when the call was answered already (its timeout fired,
    /// a new rule answered it, or it was decided twice): every call is
    /// answered at most once, and the loser gets no second record.
    pub fn decide(&self, d: Decision) -> bool {
        // Counted in flight before the claim: from the moment the call
        // leaves the waiting list until its record is sent.
        let guard = InFlight::new(&self.shared.in_flight);
        if self.shared.claim(d.call.notif.id).is_none() {
            return false;
        }
        self.send_decision(d, guard);
        true
    }

    /// Gives records back once read (dropped here when enough wait). The
    /// receiver writes later records into them, and the calls they held
    /// are freed on the receiver's thread, so the next calls' memory
    /// comes back warm: a record freed on another thread leaves the
    /// receiver writing memory no cache has seen for every call, which
    /// cost more than deciding the call.
    pub fn give_back(&self, recs: Spares) {
        if !recs.is_empty() {
            let _ = self.shared.spare.0.try_send(recs);
        }
    }

    /// Blank records for the receiver to write its next records into, for
    /// a reader that keeps what it reads (the TUI's history). Made on the
    /// reader's thread: the receiver then writes memory that is mapped
    /// and brought in while the program runs, not fresh pages.
    pub fn blanks(&self) -> Blanks {
        Blanks {
            to: self.shared.spare.0.clone(),
            taken: 0,
        }
    }

    /// The live rule list. Edit it with [`RuleSet::insert`],
    /// [`RuleSet::set_enabled`], [`RuleSet::move_up`] … while the program
    /// runs; every call received after an edit is decided by the new list.
    /// Follow an edit that can decide more calls with
    /// [`reconsider`](Self::reconsider).
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.shared.rules
    }

    /// Puts `rule` first in the rule list (session rules override the
    /// rule files) and answers the calls in `pending` it now decides;
    /// returns the rule's id and the notification ids of those calls.
    pub fn add_rule(
        &self,
        rule: Rule,
        pending: &[Arc<Call>],
    ) -> (crate::policy::rules::RuleId, Vec<u64>) {
        let id = self.shared.rules.insert(0, rule);
        (id, self.reconsider(pending))
    }

    /// Runs the current rule list over calls still waiting for a person
    /// and answers each one a rule with an answer (not `ask`) now decides,
    /// as if it had just arrived (continue mode and the default action do
    /// not apply). Returns the notification ids of the calls answered; each
    /// gets its `Event::Answered` record soon after, like any decision.
    /// Calls answered meanwhile by something else are skipped.
    pub fn reconsider(&self, pending: &[Arc<Call>]) -> Vec<u64> {
        let mut answered = Vec::new();
        for call in pending {
            let Some((number, rule)) = self.shared.rules.find(call) else {
                continue;
            };
            let RuleAction::Answer(answer) = rule.action else {
                continue;
            };
            let guard = InFlight::new(&self.shared.in_flight);
            let Some(call) = self.shared.claim(call.notif.id) else {
                continue;
            };
            rule.hit(SystemTime::now());
            answered.push(call.notif.id);
            self.send_decision(
                Decision {
                    call,
                    answer,
                    by: rule_decided(number, &rule),
                },
                guard,
            );
        }
        answered
    }

    /// Stops the countdown of a waiting call (the person is looking at it).
    /// False when the call is not waiting (or there is no timeout).
    pub fn hold(&self, id: u64) -> bool {
        match self.shared.waiting().get_mut(&id) {
            Some(w) => w.deadline.take().is_some(),
            None => false,
        }
    }

    /// When the timeout will answer waiting call `id`: `Call::received`
    /// plus `--timeout`. `None` without a timeout, once the call is on hold,
    /// or when it is not waiting any more.
    pub fn deadline(&self, id: u64) -> Option<Instant> {
        self.shared.waiting().get(&id).and_then(|w| w.deadline)
    }

    /// The timeout setting.
    pub fn timeout(&self) -> Option<Timeout> {
        self.shared.timeout
    }

    /// Whether call `id` still waits for an answer from the UI.
    pub fn is_waiting(&self, id: u64) -> bool {
        self.shared.waiting().contains_key(&id)
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
        self.stop_receiving();
        let (dtx, _) = crossbeam_channel::unbounded();
        drop(std::mem::replace(&mut self.decisions, dtx));
        self.join_the_rest();
    }

    /// Stops receiving, then answers with `answer` every call received
    /// and not answered yet (those waiting for a person), then waits for
    /// the threads; returns how many it answered. For a listener someone
    /// else holds a copy of (`attach`): the kernel hands each call to one
    /// receiver only, so a call we took and left unanswered would hang
    /// its thread for as long as that copy is open. Afterwards only
    /// [`answers_in_flight`](Self::answers_in_flight) and
    /// [`stop`](Self::stop) still mean something.
    pub fn stop_answering(&mut self, answer: Answer) -> usize {
        self.stop_receiving();
        // The receiver has ended: nothing joins the waiting list now.
        let left: Vec<(Arc<Call>, InFlight)> = {
            let mut waiting = self.shared.waiting();
            waiting
                .drain()
                .map(|(_, w)| (w.call, InFlight::new(&self.shared.in_flight)))
                .collect()
        };
        let n = left.len();
        // Through the answer thread, like a person's decisions, so they
        // go out after those already made and the records are counted in
        // flight until sent.
        for (call, counted) in left {
            self.send_decision(
                Decision {
                    call,
                    answer,
                    by: DecidedBy::Default,
                },
                counted,
            );
        }
        let (dtx, _) = crossbeam_channel::unbounded();
        drop(std::mem::replace(&mut self.decisions, dtx));
        self.join_the_rest();
        n
    }

    /// Stops receiving, answers every call received and not answered yet
    /// (by the rules, else with `default`: a received call can never be
    /// received by anyone else), waits for the answers being carried out,
    /// and returns a copy of the listener for whoever supervises next.
    /// Calls not received yet stay queued in the kernel for them.
    pub fn hand_over(mut self, default: Answer) -> std::io::Result<std::os::fd::OwnedFd> {
        let listener = self.shared.notify.as_fd().try_clone_to_owned()?;
        self.stop_receiving();
        // Nothing joins the waiting list any more.
        let left: Vec<Arc<Call>> = self
            .shared
            .waiting()
            .values()
            .map(|w| Arc::clone(&w.call))
            .collect();
        self.reconsider(&left);
        for call in left {
            // False for those a rule has just answered.
            self.decide(Decision {
                call,
                answer: default,
                by: DecidedBy::Default,
            });
        }
        let shared = Arc::clone(&self.shared);
        self.stop();
        wait_for_answers_in_flight(&shared);
        Ok(listener)
    }

    /// Sets the stop flag and waits for the receiver and the hang-up
    /// watcher to end.
    fn stop_receiving(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        // A thread waiting for room in the queue would never see the stop
        // while the queue's reader waits here for it.
        self.shared.events.unbound.store(true, Ordering::Relaxed);
        for h in [self.receiver.take(), self.hangup.take()]
            .into_iter()
            .flatten()
        {
            // Both may be blocked (in RECV, in poll): wake them until they
            // see the stop flag. Usually they have ended or are ending:
            // look again soon, then less often.
            let waker = RecvWaker::for_thread(&h);
            let mut pause = Duration::from_micros(20);
            while !h.is_finished() {
                waker.wake();
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(1));
            }
            let _ = h.join();
        }
    }

    /// Waits for the answer thread (it carries out the decisions queued)
    /// and the watch thread.
    fn join_the_rest(&mut self) {
        let answerer = std::mem::replace(
            &mut *self.answerer.lock().unwrap_or_else(|e| e.into_inner()),
            Answerer::Stopped,
        );
        if let Answerer::Running(h) = answerer {
            let _ = h.join();
        }
        {
            // Notify under the lock: the timeout thread checks `stop` with
            // it held, so it cannot miss this wake-up.
            let _guard = self.shared.waiting();
            self.shared.wake.notify_all();
        }
        let watch = self
            .shared
            .watch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = watch {
            let _ = h.join();
        }
        // Last: the threads above may have sent events behind records
        // still to be made.
        self.shared.events.relay.stop();
        if let Some(h) = self.relay.take() {
            let _ = h.join();
        }
    }

    /// Answers being carried out whose records are not sent yet, and
    /// events waiting for the relay thread. Once the listener closed,
    /// records can only come from these.
    pub fn answers_in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::Acquire) + self.shared.events.relay.queued()
    }

    pub fn notify_fd(&self) -> &NotifyFd {
        &self.shared.notify
    }
}

/// How long cached /proc facts about a thread stay fresh. Reading
/// /proc/TID/{status,comm,exe} costs more than the whole kernel round
/// trip, so a burst of calls from one thread reads them once.
const PROC_TTL: Duration = Duration::from_millis(200);

/// What only the receiver thread uses, kept from one call to the next.
struct Local {
    cache: ProcCache,
    /// The rules, looked up without a lock (brought up to date per call).
    rules: RuleView,
    wall: WallClock,
    pin: super::pin::Pin,
}

/// How long the wall clock time of a call is counted from one reading of
/// both clocks before they are read together again.
const WALL_ANCHOR: Duration = Duration::from_millis(100);

/// Wall clock times worked out from the monotonic clock and one reading
/// of both: the receiver reads one clock per call instead of two. A step
/// of the wall clock shows within `WALL_ANCHOR`.
struct WallClock {
    mono: Mono,
    /// The wall clock at `mono`, in nanoseconds since the Unix epoch
    /// (until 2554).
    wall_ns: u64,
}

impl WallClock {
    fn new() -> WallClock {
        let wall = SystemTime::now();
        WallClock {
            mono: Mono::now(),
            wall_ns: crate::time::nanos_since_epoch(wall),
        }
    }

    /// The wall clock time at `now`, also in microseconds since the Unix
    /// epoch (what a rule's last hit is kept in).
    fn at(&mut self, now: Mono) -> (SystemTime, u64) {
        let since = now.nanos_since(self.mono);
        if since < WALL_ANCHOR.as_nanos() as u64 {
            return wall_time(self.wall_ns + since);
        }
        self.reanchor()
    }

    #[cold]
    #[inline(never)]
    fn reanchor(&mut self) -> (SystemTime, u64) {
        *self = WallClock::new();
        wall_time(self.wall_ns)
    }
}

/// `ns` nanoseconds after the Unix epoch, as a time and in microseconds.
fn wall_time(ns: u64) -> (SystemTime, u64) {
    (UNIX_EPOCH + Duration::from_nanos(ns), ns / 1000)
}

/// Thread ids are small integers the kernel hands out: hashing them with
/// SipHash (a defence against chosen keys) costs more than the lookup.
#[derive(Default)]
struct TidHasher(u64);

impl std::hash::Hasher for TidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        // Fibonacci hashing: spreads consecutive tids over the high bits
        // hashbrown takes its control bytes from.
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

struct ProcCache {
    /// The facts by tid, with when they stop being fresh (compared, not
    /// subtracted: a subtraction of two clock readings costs dozens of
    /// instructions on every call).
    map: HashMap<u32, (Mono, Arc<ProcFacts>), std::hash::BuildHasherDefault<TidHasher>>,
    /// With `--stack`: maps and parsed objects, for the stacks.
    stacks: Option<decode::stack::Capturer>,
}

impl ProcCache {
    /// The facts about `tid` cached and still fresh at `now`.
    fn cached(&self, tid: u32, now: Mono) -> Option<&Arc<ProcFacts>> {
        self.map
            .get(&tid)
            .and_then(|(until, info)| (now < *until).then_some(info))
    }

    /// The facts, and whether they were read just now (not cached).
    fn get(&mut self, tid: u32, now: Mono) -> (Arc<ProcFacts>, bool) {
        if let Some(info) = self.cached(tid, now) {
            return (Arc::clone(info), false);
        }
        self.read(tid, now)
    }

    /// Reads the facts anew and caches them.
    #[cold]
    #[inline(never)]
    fn read(&mut self, tid: u32, now: Mono) -> (Arc<ProcFacts>, bool) {
        if self.map.len() > 4096 {
            self.map.retain(|_, (until, _)| now < *until);
        }
        let info = Arc::new(proc_info(tid));
        self.map.insert(tid, (now + PROC_TTL, Arc::clone(&info)));
        (info, true)
    }

    /// The facts with comm and exe read again now (kept for later calls):
    /// a rule on them must see the program the thread runs now, even if
    /// it exec'd (execve not trapped) or renamed itself since the facts
    /// were cached.
    #[cold]
    #[inline(never)]
    fn refresh_identity(&mut self, tid: u32, info: &mut Arc<ProcFacts>) {
        let (comm, exe) = target::proc_identity(tid);
        let facts = Arc::make_mut(info);
        if let Some(c) = comm {
            facts.comm = c;
        }
        if let Some(e) = exe {
            facts.exe = e;
        }
        if let Some((_, cached)) = self.map.get_mut(&tid) {
            *cached = Arc::clone(info);
        }
    }

    /// exec changes comm, exe and possibly credentials, of the whole
    /// thread group: when a thread other than the leader execs, the
    /// kernel ends the other threads and the new program goes on under
    /// the leader's tid, whose facts are those of the old program.
    #[cold]
    #[inline(never)]
    fn forget_group(&mut self, tid: u32, tgid: u32) {
        self.map
            .retain(|&t, (_, info)| t != tid && info.tgid != tgid);
    }
}

fn receive_loop(shared: &Arc<Shared>, first: Option<Notif>, settings: &Settings) {
    let mut local = Local {
        cache: ProcCache {
            map: HashMap::default(),
            stacks: settings.stack.then(decode::stack::Capturer::new),
        },
        rules: shared.rules.view(),
        wall: WallClock::new(),
        pin: super::pin::Pin::new(),
    };
    STASH.with_borrow_mut(|s| s.receiver = true);
    if let Some(n) = first {
        handle(shared, settings, &mut local, n);
    }
    // RECV without a poll before it: one syscall less per call. Stop and
    // hang-up come as a signal that makes RECV fail with EINTR.
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            break;
        }
        if shared.hung_up.load(Ordering::Relaxed) {
            // No process is left under the filter: nothing still waiting
            // can be answered any more; each such call gets its record.
            let left: Vec<Arc<Call>> = shared.waiting().drain().map(|(_, w)| w.call).collect();
            for call in left {
                record(shared, call, None, DecidedBy::Supervisor, Outcome::Gone);
            }
            wait_for_answers_in_flight(shared);
            shared.events.send(Event::ListenerClosed);
            break;
        }
        match shared.notify.recv() {
            Ok(n) => handle(shared, settings, &mut local, n),
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
                shared
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
                shared
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
fn handle(shared: &Arc<Shared>, settings: &Settings, local: &mut Local, n: Notif) {
    let received = Mono::now();
    let sysno = decode::native_sysno(&n);
    // One state of the rules for the whole call: what it needs and what
    // decides it.
    shared.rules.refresh(&mut local.rules);
    let reach = decode::reach(sysno);
    // A call of numbers its syscall decides, from a thread whose /proc
    // facts are cached (nothing read that ID_VALID would have to vouch
    // for), with no stack to capture, is answered first; even its facts
    // and wall clock time are taken after the answer.
    if reach == Reach::Registers
        && local.cache.stacks.is_none()
        && let Some(proc) = local.cache.cached(n.pid, received)
        && let Some(decided) = decided_at_once(shared, settings, &local.rules, sysno)
    {
        let wall = &mut local.wall;
        answer_now(shared, n.id, decided, received, None, || {
            let (wall, us) = wall.at(received);
            let received = Received {
                notif: n,
                proc: Arc::clone(proc),
                sysno,
                at: received,
                wall,
                container: shared.container.clone(),
            };
            (received, us)
        });
        local.pin.quick(n.pid, received);
        return;
    }
    local.pin.other();
    let (received_wall, received_us) = local.wall.at(received);
    let cache = &mut local.cache;
    let (proc, mut fresh) = cache.get(n.pid, received);
    let mut parts = Received {
        notif: n,
        proc,
        sysno,
        at: received,
        wall: received_wall,
        container: shared.container.clone(),
    };
    let needs = local.rules.needs(sysno);
    if !fresh && needs.fresh_identity {
        cache.refresh_identity(n.pid, &mut parts.proc);
        fresh = true;
    }
    // The real paths (what the kernel will touch, in the program's view)
    // are found before NOTIF_ID_VALID vouches for what was read, where a
    // decision depends on them: a path rule that could apply, or a person
    // deciding; and where they are written down. Other calls find them
    // only when shown.
    let asks_a_person =
        settings.fallback.is_none() && !shared.continue_mode.load(Ordering::Relaxed);
    let real_paths_wanted = settings.resolve_paths || asks_a_person || needs.real_paths;
    let view = LiveTarget::new(n.pid);
    // A call of strings, paths and fds its syscall decides, whose real
    // paths nobody wants: what its decoding reads is read now, vouched
    // for, and the call answered; the decoding is done afterwards from
    // what was read.
    if reach == Reach::Gathered
        && !real_paths_wanted
        && cache.stacks.is_none()
        && let Some(decided) = decided_at_once(shared, settings, &local.rules, sysno)
        && let Some(gathered) = gather_now(&shared.events, sysno, &parts.notif.args, &view)
    {
        if (fresh || view.read_anything()) && !shared.notify.id_valid(n.id) {
            let call = decoded_call(parts, &*gathered, None);
            record(shared, call, None, DecidedBy::Supervisor, Outcome::Gone);
            // Gathered into again by the next call, as the relay's are.
            STASH.with_borrow_mut(|s| s.gathered.push(gathered));
            return;
        }
        answer_now(shared, n.id, decided, received, Some(gathered), || {
            (parts, received_us)
        });
        return;
    }
    let tgid = parts.proc.tgid;
    // The stack is read while the thread is parked in this call: after
    // the answer it would have moved on. Vouched for by ID_VALID below
    // with everything else read.
    let stack = cache.stacks.as_mut().map(|c| {
        view.note_read();
        Box::new(c.capture(n.pid, tgid))
    });
    if matches!(sysno, Some(Sysno::execve | Sysno::execveat)) {
        cache.forget_group(n.pid, tgid);
        if let Some(c) = cache.stacks.as_mut() {
            c.forget(tgid);
        }
    }
    let call = decoded_call(parts, &view, stack);
    let has_path = call
        .args
        .iter()
        .any(|a| matches!(a.value, crate::model::Value::Path { .. }));
    if has_path && real_paths_wanted {
        decode::realpath::real_paths(&call);
        view.note_read();
    }
    // What we read is only trustworthy if the call is still pending: the
    // thread may have died and its tid been reused while we read. With
    // nothing read just now (no pointer followed, /proc facts cached)
    // there is nothing to vouch for, and SEND reports a call that went
    // away: the ioctl is skipped on that hot path.
    if (fresh || view.read_anything()) && !shared.notify.id_valid(n.id) {
        record(shared, call, None, DecidedBy::Supervisor, Outcome::Gone);
        return;
    }
    if let Some((number, rule)) = local.rules.decide_at(&call, received_us) {
        match rule.action {
            RuleAction::Answer(a) => {
                dispatch(shared, call, a, rule_decided(number, rule));
                return;
            }
            // An `ask` rule interrupts continue mode and the fallback.
            RuleAction::Ask => {
                shared.ask(call);
                return;
            }
        }
    }
    if shared.continue_mode.load(Ordering::Relaxed) {
        dispatch(shared, call, Answer::Allow, DecidedBy::Continue);
    } else if let Some(a) = settings.fallback {
        dispatch(shared, call, a, DecidedBy::Default);
    } else {
        shared.ask(call);
    }
}

/// The answer to a call of `sysno` when nothing but its syscall decides
/// it (the first rule that could apply has no other condition, or no rule
/// could apply and continue mode or the default action answers), with
/// the rule that answers. `None` where the call itself is needed, a
/// person asked, or the answer is an emulation.
fn decided_at_once<'r>(
    shared: &Shared,
    settings: &Settings,
    rules: &'r RuleView,
    sysno: Option<Sysno>,
) -> Option<AtOnce<'r>> {
    match rules.by_syscall_alone(sysno)? {
        Some((number, rule)) => match rule.action {
            RuleAction::Answer(Answer::Emulate) | RuleAction::Ask => None,
            RuleAction::Answer(a) => Some((a, Decider::Rule(number, rule))),
        },
        None if shared.continue_mode.load(Ordering::Relaxed) => {
            Some((Answer::Allow, Decider::Continue))
        }
        None => match settings.fallback? {
            Answer::Emulate => None,
            a => Some((a, Decider::Default)),
        },
    }
}

/// What decoding a call will read, read now ([`decode::Gathered`]) into a
/// box the relay gave back: a call costs the receiver no allocation.
fn gather_now(
    events: &Events,
    sysno: Option<Sysno>,
    args: &[u64; 6],
    view: &LiveTarget,
) -> Option<Box<Gathered>> {
    let spare = STASH.with_borrow_mut(|s| {
        if s.gathered.is_empty()
            && let Ok(batch) = events.gathered.1.try_recv()
        {
            s.gathered = batch;
        }
        s.gathered.pop()
    });
    let mut gathered = spare.unwrap_or_default();
    gathered.gather(sysno, args, view).then_some(gathered)
}

/// An answer [`decided_at_once`], and who decided it.
type AtOnce<'r> = (Answer, Decider<'r>);

/// Who decided a call at once. A rule's [`DecidedBy`] holds its label,
/// shared with the threads that show records: it is made, and the hit
/// counted, after the answer, so that no memory another thread writes is
/// touched before it.
enum Decider<'r> {
    Rule(usize, &'r Rule),
    Continue,
    Default,
}

/// Answers call `id` decided at once, then counts its rule's hit and
/// hands the makings of its record (from `parts`: the parts and the
/// receive time in microseconds since the Unix epoch) to the relay
/// thread ([`super::relay`]), with what its decoding will read.
fn answer_now(
    shared: &Shared,
    id: u64,
    (answer, decider): AtOnce,
    at: Mono,
    gathered: Option<Box<Gathered>>,
    parts: impl FnOnce() -> (Received, u64),
) {
    let (resp, ok) = reply(id, answer).expect("decided_at_once never emulates");
    let outcome = send_or_gone(shared, resp, ok);
    let latency = at.elapsed();
    let (received, at_us) = parts();
    let decided_by = match decider {
        Decider::Rule(number, rule) => {
            rule.hit_at_us(at_us);
            rule_decided(number, rule)
        }
        Decider::Continue => DecidedBy::Continue,
        Decider::Default => DecidedBy::Default,
    };
    shared.in_answer_order();
    shared.events.later(Unbuilt {
        received,
        answer,
        decided_by,
        outcome,
        latency,
        gathered,
    });
}

/// The response that carries out `answer`, and what the program gets;
/// `None` for an emulation, which is carried out first.
fn reply(id: u64, answer: Answer) -> Option<(Response, Outcome)> {
    match answer {
        Answer::Allow => Some((Response::continue_call(id), Outcome::Continued)),
        Answer::Deny(e) => Some((Response::error(id, e), Outcome::Failed(e))),
        Answer::Return(v) => Some((Response::value(id, v), Outcome::Returned(v))),
        Answer::Emulate => None,
    }
}

/// The call `r` is, its arguments decoded through `view`: written over a
/// spare call, and its arguments over the spare's.
fn decoded_call(
    r: Received,
    view: &dyn decode::TargetView,
    stack: Option<Box<Stack>>,
) -> Arc<Call> {
    write_over(spare_call(), |earlier| {
        // The raw copies emulation uses come from the same reads as the
        // decoded values that are shown and decided on.
        let (args, copies) = decode::decode_reusing(r.sysno, &r.notif.args, view, earlier);
        Call {
            notif: r.notif,
            proc: r.proc,
            copies: copies.boxed(),
            sysno: r.sysno,
            args,
            received: r.at,
            received_wall: r.wall,
            real: std::sync::OnceLock::new(),
            container: r.container,
            stack,
        }
    })
}

/// The record of a call answered at once, made on the relay thread: its
/// arguments decoded from its registers or from what was gathered while
/// it waited (that box then kept to be given back to the receiver),
/// written into spare records.
fn build_record(
    u: Unbuilt,
    more: &Receiver<Spares>,
    gathered_back: &Sender<GatheredBack>,
) -> Box<Record> {
    let call = match &u.gathered {
        Some(gathered) => decoded_call(u.received, &**gathered, None),
        None => decoded_call(u.received, &RegistersOnly, None),
    };
    let rec = Record {
        call,
        answer: Some(u.answer),
        decided_by: u.decided_by,
        outcome: u.outcome,
        latency: u.latency,
    };
    STASH.with_borrow_mut(|s| {
        if let Some(gathered) = u.gathered {
            s.gathered.push(gathered);
            if s.gathered.len() >= GIVE_BACK {
                let _ = gathered_back.try_send(std::mem::take(&mut s.gathered));
            }
        }
        let boxed = s.fill(rec, more);
        s.prefetch();
        boxed
    })
}

fn rule_decided(number: usize, rule: &Rule) -> DecidedBy {
    DecidedBy::Rule {
        number,
        origin: rule.origin_label(),
        quiet: rule.origin().is_builtin(),
    }
}

/// How often calls waiting for a person are checked with ID_VALID, so a
/// call whose thread was interrupted or died is reported gone.
const GONE_SWEEP: Duration = Duration::from_millis(250);

/// Watches the calls waiting for a person: answers those whose deadline
/// passed (with a timeout set) and reports those the kernel no longer has
/// (a signal interrupted them, or their thread died) as gone, each with
/// one record. Sleeps until the earliest deadline or the next sweep.
fn watch_loop(shared: &Shared) {
    let mut waiting = shared.waiting();
    let mut last_sweep = Instant::now();
    loop {
        if shared.stop.load(Ordering::Relaxed) {
            return;
        }
        let now = Instant::now();
        let due: Vec<u64> = waiting
            .iter()
            .filter(|(_, w)| w.deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        if let (false, Some(t)) = (due.is_empty(), shared.timeout) {
            // Claimed under the lock: a decision arriving now finds them
            // gone. Counted in flight from the claim to the record.
            let _counted = InFlight::new(&shared.in_flight);
            let calls: Vec<Arc<Call>> = due
                .iter()
                .filter_map(|id| waiting.remove(id))
                .map(|w| w.call)
                .collect();
            drop(waiting);
            for call in calls {
                dispatch(shared, call, t.answer, DecidedBy::Timeout);
            }
            waiting = shared.waiting();
            continue;
        }
        if !waiting.is_empty() && now.duration_since(last_sweep) >= GONE_SWEEP {
            last_sweep = now;
            let ids: Vec<u64> = waiting.keys().copied().collect();
            drop(waiting);
            let _counted = InFlight::new(&shared.in_flight);
            let gone: Vec<u64> = ids
                .into_iter()
                .filter(|id| !shared.notify.id_valid(*id))
                .collect();
            for id in gone {
                if let Some(w) = shared.claim(id) {
                    record(shared, w, None, DecidedBy::Supervisor, Outcome::Gone);
                }
            }
            waiting = shared.waiting();
            continue;
        }
        let mut next = waiting.values().filter_map(|w| w.deadline).min();
        if !waiting.is_empty() {
            let sweep = last_sweep + GONE_SWEEP;
            next = Some(next.map_or(sweep, |d| d.min(sweep)));
        }
        waiting = match next {
            Some(d) => {
                shared
                    .wake
                    .wait_timeout(waiting, d.saturating_duration_since(now))
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => shared.wake.wait(waiting).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

fn answer_loop(shared: &Shared, decisions: &Receiver<(Decision, InFlight)>) {
    for (d, _counted) in decisions {
        dispatch(shared, d.call, d.answer, d.by);
    }
}

fn record(
    shared: &Shared,
    call: Arc<Call>,
    answer: Option<Answer>,
    by: DecidedBy,
    outcome: Outcome,
) {
    let rec = Record::now(call, answer, by, outcome);
    STASH.with_borrow_mut(|s| s.queue(shared, rec));
}

/// Counts one answer in flight until dropped.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(counter: &Arc<AtomicUsize>) -> InFlight {
        counter.fetch_add(1, Ordering::AcqRel);
        InFlight(Arc::clone(counter))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How long `ListenerClosed` waits for answers still being carried out
/// (an emulation stuck on a FIFO must not hold the end for ever).
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(2);

fn wait_for_answers_in_flight(shared: &Shared) {
    let until = Instant::now() + IN_FLIGHT_WAIT;
    while shared.in_flight.load(Ordering::Acquire) > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Carries out an answer. Emulation goes to a thread of its own.
fn dispatch(shared: &Shared, call: Arc<Call>, answer: Answer, by: DecidedBy) {
    let (resp, outcome) = match reply(call.notif.id, answer) {
        Some(plain) => plain,
        None => {
            if !call.sysno.is_some_and(emulation::can_emulate) {
                // The UI and rule loading refuse this earlier; never leave
                // the call hanging if it slips through. (An open that
                // cannot be emulated, O_PATH, is emulation's to refuse,
                // with EOPNOTSUPP: a rule may well ask for it.)
                let e = Errno::ENOSYS;
                fail_with(shared, call, e, Answer::Deny(e), by);
                return;
            }
            // Counted until the thread has sent its record. The other
            // answers are counted by whoever calls this (the receiver,
            // which sends ListenerClosed itself, needs no count).
            let guard = InFlight::new(&shared.in_flight);
            let notify = Arc::clone(&shared.notify);
            let events = shared.events.clone();
            let order = Arc::clone(&shared.answer_order);
            let (thread_call, thread_by) = (Arc::clone(&call), by.clone());
            let spawned = std::thread::Builder::new()
                .name("unotify-emulate".into())
                .spawn(move || {
                    let _guard = guard;
                    // Closed by the emulation as it answers; open again
                    // once the record is queued (dropped first).
                    let gate = emulate::AnswerGate::new(&order);
                    let outcome = match emulate::perform(&notify, &thread_call, &gate) {
                        Emulated::Value(v) => Outcome::Returned(v),
                        Emulated::Error(e) => Outcome::Failed(e),
                        Emulated::Refused(e, why) => Outcome::Refused(e, why),
                        Emulated::Gone => Outcome::Gone,
                    };
                    let rec = Record::now(thread_call, Some(Answer::Emulate), thread_by, outcome);
                    events.send(Event::Answered(Box::new(rec)));
                });
            if spawned.is_err() {
                // No thread (RLIMIT_NPROC, memory): the emulation fails as
                // fork(2) would, with EAGAIN. Recorded as a failed
                // emulation, not a deny: emulate is what was decided.
                fail_with(shared, call, Errno::EAGAIN, Answer::Emulate, by);
            }
            return;
        }
    };
    send_and_record(shared, call, resp, outcome, answer, by);
}

/// Fails the call with `e`, recorded as `answer`.
fn fail_with(shared: &Shared, call: Arc<Call>, e: Errno, answer: Answer, by: DecidedBy) {
    let resp = Response::error(call.notif.id, e);
    send_and_record(shared, call, resp, Outcome::Failed(e), answer, by);
}

/// Sends `resp` and queues the call's record, `ok` its outcome unless the
/// call went away. Off the receiver's thread this holds the answer-order
/// lock from before SEND until the record is queued
/// ([`Shared::answer_order`]).
fn send_and_record(
    shared: &Shared,
    call: Arc<Call>,
    resp: Response,
    ok: Outcome,
    answer: Answer,
    by: DecidedBy,
) {
    // One look at the thread-local for the lock and the record (this is
    // every rule-decided call's path).
    STASH.with_borrow_mut(|s| {
        let _order = (!s.receiver).then(|| shared.answering());
        let outcome = send_or_gone(shared, resp, ok);
        s.queue(shared, Record::now(call, Some(answer), by, outcome));
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_times_follow_the_wall_clock_and_each_other() {
        let early = Mono::now();
        let mut clock = WallClock::new();
        let start = Instant::now();
        // Across several anchors: each time lies between two readings of
        // the wall clock taken around it (give or take a millisecond of
        // drift between the two clocks).
        let slack = Duration::from_millis(1);
        while start.elapsed() < WALL_ANCHOR * 3 {
            let before = SystemTime::now();
            let (t, us) = clock.at(Mono::now());
            let after = SystemTime::now();
            assert!(
                t + slack >= before && t <= after + slack,
                "{t:?} not in {before:?}..{after:?}"
            );
            // The same time in microseconds, as a rule's last hit keeps it.
            assert_eq!(us, crate::time::micros_since_epoch(t));
            std::thread::sleep(Duration::from_millis(7));
        }
        // A moment before the anchor (a call received earlier) is not
        // moved after it.
        let anchored = UNIX_EPOCH + Duration::from_nanos(clock.wall_ns);
        assert!(early < clock.mono);
        assert_eq!(clock.at(early), (anchored, clock.wall_ns / 1000));
    }

    #[test]
    fn tid_hashes_differ_for_neighbouring_tids() {
        use std::hash::BuildHasher;
        let h = std::hash::BuildHasherDefault::<TidHasher>::default();
        let hashes: std::collections::HashSet<u64> =
            (1000u32..1064).map(|t| h.hash_one(t)).collect();
        assert_eq!(hashes.len(), 64);
        // hashbrown takes the control byte from the top 7 bits.
        let tops: std::collections::HashSet<u64> =
            (1000u32..1064).map(|t| h.hash_one(t) >> 57).collect();
        assert!(tops.len() > 32, "{}", tops.len());
    }

    #[test]
    fn a_spare_call_is_written_over_in_place_unless_still_shared() {
        use crate::model::testing::FakeCall;
        let call = |id| FakeCall::new(Some(Sysno::getppid), [0; 6]).id(id).build();
        let keep_spare_call = |c| STASH.with_borrow_mut(|s| s.keep_call(c));
        let mut first = call(1);
        first.args = Vec::with_capacity(3);
        let args_at = first.args.as_ptr();
        let first = write_over(spare_call(), |_| first);
        let at = Arc::as_ptr(&first);
        keep_spare_call(first);
        // Given the spare's arguments (their memory), then written over.
        let second = write_over(spare_call(), |earlier| {
            assert_eq!(earlier.as_ptr(), args_at, "the spare's arguments");
            call(2)
        });
        assert_eq!(Arc::as_ptr(&second), at, "the same allocation");
        assert_eq!(second.notif.id, 2);
        // Still referred to (by a TUI's history, say): never written over,
        // and its arguments are not taken.
        let held = Arc::clone(&second);
        keep_spare_call(second);
        let third = write_over(spare_call(), |earlier| {
            assert_eq!(earlier.capacity(), 0);
            call(3)
        });
        assert_ne!(Arc::as_ptr(&third), at);
        assert_eq!((held.notif.id, third.notif.id), (2, 3));
        // At most a batch is kept.
        for id in 0..GIVE_BACK as u64 + 10 {
            keep_spare_call(write_over(spare_call(), |_| call(id)));
            keep_spare_call(Arc::new(call(id)));
        }
        assert_eq!(STASH.with_borrow(|s| s.calls.len()), GIVE_BACK);
    }

    #[test]
    fn a_full_queue_holds_a_sender_back_after_at_most_a_check_interval() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let events = Events::new(tx, Some(10), crossbeam_channel::never());
        let sender = std::thread::spawn(move || {
            for _ in 0..200 {
                events.send(Event::ListenerClosed);
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        let held = rx.len();
        assert!(
            (10..=10 + ROOM_CHECK_EVERY as usize).contains(&held),
            "{held} events queued against a bound of 10"
        );
        assert!(!sender.is_finished(), "the sender waits for room");
        // Read everything: the sender goes on to the end.
        let mut read = 0;
        while read < 200 {
            rx.recv_timeout(Duration::from_secs(10)).expect("an event");
            read += 1;
        }
        sender.join().unwrap();
    }

    #[test]
    fn a_batch_read_brings_a_batch_of_blanks_the_receiver_can_write_over() {
        let (to, from) = crossbeam_channel::bounded(SPARE_BATCHES);
        let mut blanks = Blanks { to, taken: 0 };
        for _ in 1..GIVE_BACK {
            blanks.took_one();
        }
        assert!(from.is_empty(), "not before a whole batch was read");
        blanks.took_one();
        let batch = from.try_recv().unwrap();
        assert_eq!(batch.len(), GIVE_BACK);
        // Nothing else holds them: write_over() writes over each in place.
        for mut rec in batch {
            assert!(Arc::get_mut(&mut rec.call).is_some());
        }
        // With enough batches waiting, none is made.
        for _ in 0..(SPARE_BATCHES + 2) * GIVE_BACK {
            blanks.took_one();
        }
        assert_eq!(from.len(), SPARE_BATCHES);
    }
}
