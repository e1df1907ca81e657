//! Records made after the answer, and the ordered list that carries them.
//!
//! With `SYNC_WAKE_UP` the program and the receiver take turns on one
//! CPU: everything the receiver does for a call, before or after its
//! SEND, adds to the call's time. For a call its syscall alone decides
//! (`allow getppid`, or the default action for a syscall no rule names)
//! whose arguments are all in its registers, the receiver answers and
//! keeps only what the record needs ([`Unbuilt`]); the relay thread, on
//! the other CPU, builds the records and hands them on a batch at a time.
//! That was about half of what the receiver did for such a call. A call
//! of strings, paths and fds is answered the same way once what its
//! decoding reads was read and vouched for ([`crate::decode::Gathered`],
//! kept in its [`Unbuilt`]): the relay decodes from that.
//!
//! While such records wait, every other event goes into the list behind
//! them, so whoever reads the queue gets all in the order they were sent.
//! With nothing waiting, events go straight into the queue as before.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::Thread;
use std::time::{Duration, SystemTime};

use syscalls::Sysno;

use super::worker::Event;
use crate::model::{Answer, Container, DecidedBy, Notif, Outcome, ProcFacts};
use crate::time::Mono;

/// How long the relay gathers entries before handing them on: one
/// wake-up per batch, not per call.
const GATHER: Duration = Duration::from_millis(1);

/// A notification and what the receiver knew of it before decoding:
/// what a call is made of, with its arguments.
pub struct Received {
    pub notif: Notif,
    pub proc: Arc<ProcFacts>,
    pub sysno: Option<Sysno>,
    pub at: Mono,
    pub wall: SystemTime,
    pub container: Option<Arc<Container>>,
}

/// What the record of a call answered at once is made of.
pub struct Unbuilt {
    pub received: Received,
    pub answer: Answer,
    pub decided_by: DecidedBy,
    pub outcome: Outcome,
    pub latency: Duration,
    /// What decoding the call reads, read while it waited; `None` for a
    /// call decoded from its registers.
    pub gathered: Option<Box<crate::decode::Gathered>>,
}

/// An event, or the makings of a record. Not boxed: an allocation per
/// call is what the receiver is spared here.
#[allow(clippy::large_enum_variant)]
pub enum Entry {
    Event(Event),
    Unbuilt(Unbuilt),
}

/// The list and the relay thread's state.
#[derive(Default)]
pub struct Relay {
    list: Mutex<List>,
    /// Entries put in the list and not handed on yet. While there are
    /// any, an event joins them in the list rather than overtake them.
    queued: AtomicUsize,
    /// The relay thread, woken when an entry finds the list empty.
    thread: OnceLock<Thread>,
    /// Set when the supervisor stops: the relay hands on what is left
    /// and closes the list.
    stop: AtomicBool,
}

#[derive(Default)]
struct List {
    entries: Vec<Entry>,
    /// The relay has ended: entries go straight on.
    closed: bool,
}

impl Relay {
    fn list(&self) -> MutexGuard<'_, List> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Entries waiting in the list or being handed on.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Puts `entry` behind those waiting. Once the relay has ended,
    /// nothing waits any more: `hand_on` hands it on at once.
    pub fn push(&self, entry: Entry, hand_on: impl FnOnce(Entry)) {
        let was_empty = {
            let mut list = self.list();
            if list.closed {
                drop(list);
                return hand_on(entry);
            }
            list.entries.push(entry);
            self.queued.fetch_add(1, Ordering::AcqRel);
            list.entries.len() == 1
        };
        if was_empty && let Some(t) = self.thread.get() {
            t.unpark();
        }
    }

    /// The relay thread: hands on the entries in the order they came,
    /// with `hand_on`, until [`stop`](Self::stop).
    pub fn run(&self, mut hand_on: impl FnMut(Entry)) {
        let _ = self.thread.set(std::thread::current());
        let mut batch = Vec::new();
        loop {
            let stopping = self.stop.load(Ordering::Acquire);
            std::mem::swap(&mut self.list().entries, &mut batch);
            let n = batch.len();
            batch.drain(..).for_each(&mut hand_on);
            self.queued.fetch_sub(n, Ordering::AcqRel);
            if stopping && n == 0 {
                break;
            }
            match (stopping, n) {
                (true, _) => {}
                (false, 0) => std::thread::park(),
                (false, _) => std::thread::sleep(GATHER),
            }
        }
        // Closed with the lock held while the last entries go on: an
        // event sent now waits, then goes straight into the queue behind
        // them.
        let mut list = self.list();
        let n = list.entries.len();
        list.entries.drain(..).for_each(&mut hand_on);
        self.queued.fetch_sub(n, Ordering::AcqRel);
        list.closed = true;
    }

    /// Tells the relay thread to hand on what is left and end.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.get() {
            t.unpark();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn numbered(i: usize) -> Entry {
        Entry::Event(Event::Failed(i.to_string()))
    }

    fn number(e: Entry) -> usize {
        match e {
            Entry::Event(Event::Failed(s)) => s.parse().unwrap(),
            _ => panic!("not a numbered entry"),
        }
    }

    /// Starts a relay thread sending what it hands on into a channel.
    fn started() -> (
        Arc<Relay>,
        crossbeam_channel::Receiver<usize>,
        std::thread::JoinHandle<()>,
    ) {
        let relay = Arc::new(Relay::default());
        let (tx, rx) = crossbeam_channel::unbounded();
        let r = Arc::clone(&relay);
        let h = std::thread::spawn(move || r.run(|e| tx.send(number(e)).unwrap()));
        (relay, rx, h)
    }

    #[test]
    fn entries_go_on_in_the_order_they_came_and_are_counted_until_then() {
        let (relay, rx, h) = started();
        for i in 0..10_000 {
            relay.push(numbered(i), |_| panic!("open"));
        }
        let got: Vec<usize> = (0..10_000)
            .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        assert!(got.iter().copied().eq(0..10_000));
        // Counted down once handed on (just after the batch's last one).
        let until = Instant::now() + Duration::from_secs(5);
        while relay.queued() > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(relay.queued(), 0);
        relay.stop();
        h.join().unwrap();
    }

    #[test]
    fn an_entry_into_an_idle_relay_goes_on_at_once() {
        let (relay, rx, h) = started();
        // Idle: parked, with nothing to wake it but the entry.
        std::thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        relay.push(numbered(7), |_| panic!("open"));
        assert_eq!(rx.recv_timeout(Duration::from_secs(2)), Ok(7));
        assert!(start.elapsed() < Duration::from_millis(500));
        relay.stop();
        h.join().unwrap();
    }

    #[test]
    fn stopping_hands_on_what_is_left_then_entries_are_given_back() {
        let (relay, rx, h) = started();
        for i in 0..100 {
            relay.push(numbered(i), |_| panic!("open"));
        }
        relay.stop();
        h.join().unwrap();
        let got: Vec<usize> = rx.try_iter().collect();
        assert!(got.iter().copied().eq(0..100), "{got:?}");
        assert_eq!(relay.queued(), 0);
        // Nothing would hand it on now: the sender does it itself.
        let mut given_back = None;
        relay.push(numbered(100), |e| given_back = Some(number(e)));
        assert_eq!(given_back, Some(100));
    }
}
