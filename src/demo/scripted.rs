//! A headless run whose answers a lesson gives itself, call by call: it
//! can hold a call, signal the target meanwhile, try SEND and ID_VALID
//! itself, or close the listener. The trace and the log are written as in
//! any headless run.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, select};

use crate::cli::Options;
use crate::error::Error;
use crate::model::{Answer, Call, DecidedBy};
use crate::output::sink::{OutputError, Sink, TraceTo};
use crate::session::{self, Running, Target};
use crate::supervisor::{Decision, Event, Supervisor};
use crate::sys::notify::{NotifyFd, Response};
use crate::sys::proc as sysproc;

pub(super) struct Scripted {
    /// `None` once the lesson closed the listener.
    supervisor: Option<Supervisor>,
    events: Receiver<Event>,
    exits: Receiver<i32>,
    sink: Sink,
    pid: u32,
    /// The target's wait status, once it has exited.
    status: Option<i32>,
    /// No call can come any more (every process under the filter is
    /// gone, or the listener was closed).
    closed: bool,
    /// Whether the kernel accepted SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV.
    pub wait_killable: bool,
}

impl Scripted {
    /// Starts `target` under the filter, every call waiting for the
    /// lesson (built-in quiet rules and `--rules` still answer first).
    /// `sink` is opened once per lesson ([`open_sink`]): a lesson in two
    /// parts writes one trace.
    pub fn launch(
        opts: &Options,
        target: &Target,
        wait_killable: Option<bool>,
        sink: Sink,
    ) -> Result<Scripted, Error> {
        let mut plan = session::plan(opts, Vec::new())?;
        if let Some(w) = wait_killable {
            plan.wait_killable = w;
        }
        let running = session::launch(target, plan, None, None)?;
        let Running {
            pid,
            supervisor,
            events,
            exits,
            features,
            ..
        } = running;
        Ok(Scripted {
            supervisor: Some(supervisor),
            events,
            exits,
            sink,
            pid,
            status: None,
            closed: false,
            wait_killable: features.wait_killable,
        })
    }

    /// The next call waiting for an answer, writing records on the way;
    /// `None` once no call can come any more.
    pub fn next(&mut self) -> Option<Arc<Call>> {
        let call = self.next_event();
        self.closed = call.is_none();
        call
    }

    fn next_event(&mut self) -> Option<Arc<Call>> {
        if self.closed {
            return None;
        }
        loop {
            let ev = if self.status.is_none() {
                select! {
                    recv(self.events) -> ev => ev.ok(),
                    recv(self.exits) -> st => {
                        self.status = Some(st.unwrap_or(0));
                        continue;
                    }
                }
            } else {
                self.events.recv().ok()
            };
            match ev? {
                Event::Pending(call) => return Some(call),
                Event::Answered(rec) => {
                    let news = self.sink.record(&rec);
                    noted(news);
                    noted(self.sink.flush());
                }
                Event::ListenerClosed => return None,
                Event::Failed(msg) => {
                    eprintln!("unotify-tui: {msg}; killing the program");
                    sysproc::kill(self.pid, libc::SIGKILL);
                    return None;
                }
            }
        }
    }

    /// Answers `call` (the lesson decided: recorded as the supervisor's).
    pub fn answer(&self, call: Arc<Call>, answer: Answer) {
        if let Some(s) = &self.supervisor {
            s.decide(Decision {
                call,
                answer,
                by: DecidedBy::Supervisor,
            });
        }
    }

    /// The listener, for the lesson's own ID_VALID and SEND.
    pub fn notify(&self) -> Option<&NotifyFd> {
        self.supervisor.as_ref().map(Supervisor::notify_fd)
    }

    /// `SECCOMP_IOCTL_NOTIF_SEND` (CONTINUE) for `id`, outside the
    /// supervisor's bookkeeping: what the kernel says.
    pub fn send_continue(&self, id: u64) -> std::io::Result<()> {
        match self.notify() {
            Some(n) => n.send(Response::continue_call(id)),
            None => Err(std::io::Error::from_raw_os_error(libc::EBADF)),
        }
    }

    /// `SECCOMP_IOCTL_NOTIF_ID_VALID` for `id`.
    pub fn id_valid(&self, id: u64) -> bool {
        self.notify().is_some_and(|n| n.id_valid(id))
    }

    /// Stops supervising and closes the listener (its last copy).
    pub fn close_listener(&mut self) {
        if let Some(s) = self.supervisor.take() {
            s.stop();
        }
        self.closed = true;
        self.write_queued_records();
    }

    /// Writes the records still queued once the supervisor has stopped:
    /// a lesson stops reading at the event it waits for, and records can
    /// be queued behind it (calls of other threads answered meanwhile).
    fn write_queued_records(&mut self) {
        while let Ok(ev) = self.events.try_recv() {
            if let Event::Answered(rec) = ev {
                noted(self.sink.record(&rec));
            }
        }
        noted(self.sink.flush());
    }

    /// Answers what is still coming with allow until the target is gone,
    /// writes the trace's exit line; the target's exit status (128+N for
    /// signal N) and the outputs, to go on with or [`close`].
    pub fn finish(mut self) -> (i32, Sink) {
        while let Some(call) = self.next() {
            self.answer(call, Answer::Allow);
        }
        let status = match self.status {
            Some(s) => s,
            None => self
                .exits
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or(0),
        };
        if let Some(s) = self.supervisor.take() {
            s.stop();
        }
        self.write_queued_records();
        noted(self.sink.exit(status));
        (sysproc::exit_code(status), self.sink)
    }
}

/// The trace (`--output`, else stderr) and the log (`--log`).
pub(super) fn open_sink(opts: &Options) -> Result<Sink, Error> {
    let trace = match &opts.output {
        Some(p) => TraceTo::File(p.clone()),
        None => TraceTo::Stderr,
    };
    Sink::open(trace, opts.log.as_deref()).map_err(Error::opening)
}

/// Flushes and closes the outputs; the first failure of the run.
pub(super) fn close(sink: Sink) -> Result<(), Error> {
    sink.finish().map_err(Error::writing)
}

fn noted(news: Vec<OutputError>) {
    for e in news {
        eprintln!("unotify-tui: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::FakeCall;
    use crate::model::{Outcome, Record};
    use syscalls::Sysno;

    /// The record of a call the lesson answered arrives after the next
    /// call's `Pending` (the answer thread sent it after the program went
    /// on): closing the listener on that `Pending` must still log it.
    #[test]
    fn a_record_queued_behind_the_pending_call_is_logged_when_the_listener_closes() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let (tx, events) = crossbeam_channel::unbounded();
        // The program has exited: nothing to wait for at the end.
        let (_, exits) = crossbeam_channel::unbounded::<i32>();
        let mut run = Scripted {
            supervisor: None,
            events,
            exits,
            sink: Sink::open(TraceTo::Nowhere, Some(&log)).unwrap(),
            pid: 0,
            status: None,
            closed: false,
            wait_killable: true,
        };
        let answered = FakeCall::new(Some(Sysno::mkdir), [0; 6]).id(1).build();
        let next = FakeCall::new(Some(Sysno::mkdir), [0; 6]).id(2).build();
        tx.send(Event::Pending(Arc::new(next))).unwrap();
        tx.send(Event::Answered(Box::new(Record::now(
            Arc::new(answered),
            Some(Answer::Allow),
            DecidedBy::Supervisor,
            Outcome::Continued,
        ))))
        .unwrap();
        let pending = run.next().expect("the pending call");
        assert_eq!(pending.notif.id, 2);
        run.close_listener();
        let (_, sink) = run.finish();
        drop(sink);
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("\"mkdir\""), "{text}");
    }
}
