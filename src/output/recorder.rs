//! Between the supervisor and the TUI: a thread that writes every record
//! to the log and passes the events on to the screen.
//!
//! The log is the record, so it is never thinned: the queue into this
//! thread is bounded, and when the log is slower than the calls the
//! supervisor waits on it (the program is slowed, nothing is dropped). The
//! screen is not the record: when it falls behind, records of calls no
//! person waited for are counted instead of queued ([`Shown::NotDrawn`]), so a
//! rule-decided call never waits for a frame to be drawn. Everything a
//! person must see — a call waiting, the answer to it, a failure — is
//! always passed on.

use std::collections::HashSet;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};

use super::sink::{OutputError, Sink};
use super::summary;
use crate::model::Tally;
use crate::supervisor::{Blanks, Event};

/// Events queued for the screen at most; with long paths a record is a
/// few kilobytes, so this bounds the queue to tens of megabytes.
pub const SCREEN_QUEUE: usize = 4096;

/// How long a count of records not drawn may wait for the next event
/// before it is passed on by itself.
const COUNT_AFTER: Duration = Duration::from_millis(50);

/// How long records may queue up while calls keep coming (so the log and
/// the screen can lag a call by this much; a frame is 33 ms).
const BATCH_PAUSE: Duration = Duration::from_millis(5);

/// What the screen is told.
#[derive(Debug)]
pub enum Shown {
    Event(Event),
    /// Calls the screen could not keep up with, passed over.
    NotDrawn(Tally),
    /// The log could not be written (said at once).
    OutputFailed(OutputError),
}

/// The running recorder thread.
pub struct Recorder {
    handle: JoinHandle<Result<(), OutputError>>,
    /// The supervisor's queue into the thread, to count what is left in it
    /// if the thread is stuck in a write at the end.
    events: Receiver<Event>,
    /// Tells the thread to finish once the calls have gone quiet.
    finish: Sender<Duration>,
}

/// How the recorder ended.
#[derive(Debug)]
pub enum Ended {
    /// Everything was written; the first output failure of the run, if any.
    Done(Result<(), OutputError>),
    /// A write did not return in time (a log nobody reads): this many
    /// records or more were not written.
    Stuck(usize),
}

impl Recorder {
    /// Starts the thread: it takes `events` from the supervisor, writes
    /// them to `sink`, counts them in `summary` (every one, also those the
    /// screen passes over) and passes them to the screen's queue
    /// (returned).
    pub fn start(
        sink: Sink,
        events: Receiver<Event>,
        summary: summary::Shared,
        blanks: Option<Blanks>,
    ) -> (Recorder, Receiver<Shown>) {
        Recorder::with_queue(sink, events, summary, SCREEN_QUEUE, blanks)
    }

    fn with_queue(
        sink: Sink,
        events: Receiver<Event>,
        summary: summary::Shared,
        queue: usize,
        blanks: Option<Blanks>,
    ) -> (Recorder, Receiver<Shown>) {
        let (to_screen, shown) = crossbeam_channel::bounded(queue);
        let (finish, finish_rx) = crossbeam_channel::bounded(1);
        let from = events.clone();
        let handle = std::thread::Builder::new()
            .name("unotify-recorder".into())
            .spawn(move || Relay::new(sink, to_screen, summary, blanks).run(&from, &finish_rx))
            .expect("spawning the recorder thread");
        (
            Recorder {
                handle,
                events,
                finish,
            },
            shown,
        )
    }

    /// Lets the thread write what still comes until nothing has come for
    /// `quiet` (or the supervisor is gone), then waits for it at most
    /// `patience` more.
    pub fn finish(self, quiet: Duration, patience: Duration) -> Ended {
        let _ = self.finish.send(quiet);
        let deadline = Instant::now() + quiet + patience;
        while !self.handle.is_finished() {
            if Instant::now() >= deadline {
                // The one being written, and the queue behind it.
                return Ended::Stuck(self.events.len() + 1);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match self.handle.join() {
            Ok(r) => Ended::Done(r),
            Err(_) => Ended::Stuck(self.events.len()),
        }
    }
}

/// The thread's state.
struct Relay {
    sink: Sink,
    to_screen: Sender<Shown>,
    /// Calls the screen was told are waiting: their answers always reach it.
    waiting: HashSet<u64>,
    not_drawn: Tally,
    /// The screen is gone (the TUI ended): only the log is written.
    screen_gone: bool,
    summary: summary::Shared,
    /// The screen keeps the records: the receiver gets blank ones.
    blanks: Option<Blanks>,
}

impl Relay {
    fn new(
        sink: Sink,
        to_screen: Sender<Shown>,
        summary: summary::Shared,
        blanks: Option<Blanks>,
    ) -> Relay {
        Relay {
            sink,
            to_screen,
            summary,
            waiting: HashSet::new(),
            not_drawn: Tally::default(),
            screen_gone: false,
            blanks,
        }
    }

    fn run(
        mut self,
        events: &Receiver<Event>,
        finish: &Receiver<Duration>,
    ) -> Result<(), OutputError> {
        let mut quiet: Option<Duration> = None;
        // Whether events came since the last time the queue was empty.
        let mut busy = false;
        loop {
            let ev = match events.try_recv() {
                Ok(ev) => {
                    busy = true;
                    ev
                }
                // While calls keep coming, take them in batches: sleep a
                // moment, then drain what queued up. Asleep on the channel
                // instead, this thread is woken for every record, and that
                // wake-up (a futex call, often an interrupt to the other
                // CPU) sits in the receiver thread between two trapped
                // calls, as in headless mode (README, Performance). After
                // a quiet spell the next event wakes it at once again.
                Err(TryRecvError::Empty) if busy && quiet.is_none() => {
                    busy = false;
                    let news = self.sink.flush();
                    self.failed(news);
                    std::thread::sleep(BATCH_PAUSE);
                    continue;
                }
                Err(_) => {
                    // Nothing queued: write out what is buffered, and pass
                    // on a count that waited, before sleeping.
                    let news = self.sink.flush();
                    self.failed(news);
                    if let Some(q) = quiet.or_else(|| finish.try_recv().ok()) {
                        quiet = Some(q);
                        match events.recv_timeout(q) {
                            Ok(ev) => ev,
                            Err(_) => break,
                        }
                    } else {
                        match events.recv_timeout(COUNT_AFTER) {
                            Ok(ev) => ev,
                            Err(RecvTimeoutError::Timeout) => {
                                self.pass_count(true);
                                continue;
                            }
                            Err(RecvTimeoutError::Disconnected) => break,
                        }
                    }
                }
            };
            self.take(ev);
        }
        self.pass_count(true);
        let news = self.sink.flush();
        self.failed(news);
        self.sink.finish()
    }

    fn take(&mut self, ev: Event) {
        match &ev {
            Event::Answered(rec) => {
                if let Some(b) = self.blanks.as_mut() {
                    b.took_one();
                }
                let news = self.sink.record(rec);
                self.failed(news);
                // A panic elsewhere while holding the lock leaves counts
                // that are still worth having.
                self.summary
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .add(rec);
                let id = rec.call.notif.id;
                if !self.waiting.remove(&id) {
                    return self.pass_record(ev);
                }
            }
            Event::Pending(call) => {
                self.waiting.insert(call.notif.id);
            }
            Event::ListenerClosed | Event::Failed(_) => {}
        }
        self.pass_count(true);
        self.pass(Shown::Event(ev));
    }

    /// A record of a call nobody waited for: counted instead when the
    /// screen's queue is full.
    fn pass_record(&mut self, ev: Event) {
        if self.screen_gone {
            return;
        }
        if self.not_drawn.answered > 0 && !self.pass_count(false) {
            if let Event::Answered(rec) = &ev {
                self.not_drawn.add(rec);
            }
            return;
        }
        match self.to_screen.try_send(Shown::Event(ev)) {
            Ok(()) => {}
            Err(TrySendError::Full(Shown::Event(Event::Answered(rec)))) => self.not_drawn.add(&rec),
            Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(_)) => self.screen_gone = true,
        }
    }

    /// Passes on the count of records not drawn, if any: waiting for room
    /// when `wait`; false when there was no room.
    fn pass_count(&mut self, wait: bool) -> bool {
        if self.not_drawn.answered == 0 || self.screen_gone {
            return true;
        }
        let count = Shown::NotDrawn(self.not_drawn);
        let sent = if wait {
            self.to_screen.send(count).map_err(|_| true)
        } else {
            self.to_screen
                .try_send(count)
                .map_err(|e| e.is_disconnected())
        };
        match sent {
            Ok(()) => {
                self.not_drawn = Tally::default();
                true
            }
            Err(gone) => {
                self.screen_gone |= gone;
                false
            }
        }
    }

    /// Passes on what the screen must see, waiting for room.
    fn pass(&mut self, shown: Shown) {
        if !self.screen_gone && self.to_screen.send(shown).is_err() {
            self.screen_gone = true;
        }
    }

    fn failed(&mut self, news: Vec<OutputError>) {
        for e in news {
            self.pass(Shown::OutputFailed(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::model::testing::{FakeCall, record};
    use crate::model::{Answer, DecidedBy};
    use crate::output::sink::TraceTo;

    fn call(id: u64) -> crate::model::Call {
        FakeCall::new(Some(syscalls::Sysno::getppid), [0; 6])
            .id(id)
            .build()
    }

    fn by_rule() -> DecidedBy {
        DecidedBy::Rule {
            number: 1,
            origin: "rules.toml:1".into(),
            quiet: false,
        }
    }

    /// Everything the screen got, once the recorder has ended.
    fn drain(shown: &Receiver<Shown>) -> (Vec<Event>, Tally, usize) {
        let (mut events, mut not_drawn, mut failures) = (Vec::new(), Tally::default(), 0);
        while let Ok(s) = shown.try_recv() {
            match s {
                Shown::Event(e) => events.push(e),
                Shown::NotDrawn(t) => not_drawn.merge(&t),
                Shown::OutputFailed(_) => failures += 1,
            }
        }
        (events, not_drawn, failures)
    }

    #[test]
    fn a_screen_that_falls_behind_gets_counts_and_the_log_gets_everything() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let sink = Sink::open(TraceTo::Nowhere, Some(&log)).unwrap();
        let (tx, rx) = crossbeam_channel::bounded(64);
        let summary = summary::Shared::default();
        let (rec, shown) = Recorder::with_queue(sink, rx, summary.clone(), 16, None);
        // A slow screen: a frame's worth of work for every event it takes.
        let screen = std::thread::spawn(move || {
            let mut all = Vec::new();
            while let Ok(s) = shown.recv() {
                all.push(s);
                std::thread::sleep(Duration::from_micros(200));
            }
            all
        });
        // A call a person waits for, in the middle of a flood of calls
        // rules decide.
        for id in 0..20_000 {
            if id == 10_000 {
                tx.send(Event::Pending(Arc::new(call(id)))).unwrap();
                let answer = record(call(id), Answer::Allow, DecidedBy::User);
                tx.send(Event::Answered(Box::new(answer))).unwrap();
                continue;
            }
            let r = record(call(id), Answer::Allow, by_rule());
            tx.send(Event::Answered(Box::new(r))).unwrap();
        }
        drop(tx);
        assert!(matches!(
            rec.finish(Duration::from_millis(20), Duration::from_secs(20)),
            Ended::Done(Ok(()))
        ));
        let (tx2, rx2) = crossbeam_channel::unbounded();
        for s in screen.join().unwrap() {
            tx2.send(s).unwrap();
        }
        let (events, not_drawn, failures) = drain(&rx2);
        assert_eq!(failures, 0);
        assert_eq!(
            std::fs::read_to_string(&log).unwrap().lines().count(),
            20_000,
            "the log has every call"
        );
        assert!(not_drawn.answered > 0, "the flood was coalesced");
        let counted = summary.lock().unwrap().total();
        assert_eq!(
            (counted.calls, counted.rule, counted.you),
            (20_000, 19_999, 1),
            "the summary counts what the screen passed over too"
        );
        assert_eq!(not_drawn.by_rules, not_drawn.answered);
        let drawn = events
            .iter()
            .filter(|e| matches!(e, Event::Answered(_)))
            .count() as u64;
        assert_eq!(
            drawn + not_drawn.answered,
            20_000,
            "each call drawn or counted once"
        );
        let pending_at = events
            .iter()
            .position(|e| matches!(e, Event::Pending(c) if c.notif.id == 10_000))
            .expect("the waiting call reached the screen");
        assert!(
            events[pending_at..].iter().any(|e| matches!(
                e,
                Event::Answered(r) if r.call.notif.id == 10_000 && r.decided_by == DecidedBy::User
            )),
            "its answer reached the screen after it"
        );
    }

    #[test]
    fn a_full_disk_is_passed_to_the_screen_at_once() {
        let sink = Sink::open(TraceTo::Nowhere, Some(Path::new("/dev/full"))).unwrap();
        let (tx, rx) = crossbeam_channel::unbounded();
        let (rec, shown) = Recorder::start(sink, rx, Default::default(), None);
        let r = record(call(1), Answer::Allow, by_rule());
        tx.send(Event::Answered(Box::new(r))).unwrap();
        // Said while the session goes on, not at the end.
        let mut said = false;
        let deadline = Instant::now() + Duration::from_secs(5);
        while !said && Instant::now() < deadline {
            if let Ok(Shown::OutputFailed(e)) = shown.recv_timeout(Duration::from_millis(100)) {
                said = e.to_string().contains("No space left on device");
            }
        }
        assert!(said);
        drop(tx);
        match rec.finish(Duration::from_millis(20), Duration::from_secs(5)) {
            Ended::Done(Err(e)) => assert!(e.to_string().contains("/dev/full"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_stuck_writer_is_given_up_with_a_count() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        // A reader that never reads.
        let _reader = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo)
            .unwrap();
        let sink = Sink::open(TraceTo::Nowhere, Some(&fifo)).unwrap();
        let (tx, rx) = crossbeam_channel::bounded(1000);
        let (rec, _shown) = Recorder::start(sink, rx, Default::default(), None);
        // Far more than a pipe holds.
        for id in 0..1000 {
            let r = record(call(id), Answer::Allow, by_rule());
            if tx
                .send_timeout(Event::Answered(Box::new(r)), Duration::from_secs(1))
                .is_err()
            {
                break;
            }
        }
        let start = Instant::now();
        match rec.finish(Duration::from_millis(20), Duration::from_millis(500)) {
            Ended::Stuck(n) => assert!(n >= 1, "{n}"),
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
