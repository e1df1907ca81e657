//! What became of a trapped call: the answer, who chose it, what the
//! target got.

use std::sync::Arc;
use std::time::Duration;

use super::answer::{Answer, DecidedBy};
use super::call::Call;
use crate::errno::Errno;

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
    /// Emulation was refused: the call failed with this errno, and nothing
    /// was done, because unotify-tui could not act with no more rights than
    /// the program (see [`Refusal`]).
    Refused(Errno, Refusal),
}

/// Why unotify-tui refused to emulate a call rather than risk doing more
/// than the program itself could.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The program's credentials could not be read (it was exiting).
    IdentityUnreadable,
    /// This thread could not take the program's uids, gids or groups
    /// (unotify-tui is not root and the program runs as someone else).
    IdentityNotTaken,
    /// The program's root, cwd or directory fd could not be opened.
    ViewUnreachable,
}

impl Refusal {
    /// In words, for the trace, the log and the detail pane.
    pub fn text(self) -> &'static str {
        match self {
            Refusal::IdentityUnreadable => "the program's credentials could not be read",
            Refusal::IdentityNotTaken => {
                "unotify-tui could not take the program's uids, gids and groups"
            }
            Refusal::ViewUnreachable => "the program's root, cwd or directory could not be opened",
        }
    }
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
}

impl Record {
    /// The record of `call`, answered now: one clock read.
    pub fn now(
        call: Arc<Call>,
        answer: Option<Answer>,
        decided_by: DecidedBy,
        outcome: Outcome,
    ) -> Record {
        let latency = call.received.elapsed();
        Record {
            call,
            answer,
            decided_by,
            outcome,
            latency,
        }
    }
}

/// Answered calls counted by who decided them (the TUI's status line, and
/// what it passed over when the screen fell behind).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub answered: u64,
    pub by_rules: u64,
    pub by_you: u64,
    pub by_continue: u64,
    pub by_timeout: u64,
    pub gone: u64,
}

impl Tally {
    pub fn add(&mut self, rec: &Record) {
        self.answered += 1;
        match rec.decided_by {
            DecidedBy::Rule { .. } => self.by_rules += 1,
            DecidedBy::User => self.by_you += 1,
            DecidedBy::Continue => self.by_continue += 1,
            DecidedBy::Timeout => self.by_timeout += 1,
            DecidedBy::Default | DecidedBy::Supervisor => {}
        }
        if rec.outcome == Outcome::Gone {
            self.gone += 1;
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.answered += other.answered;
        self.by_rules += other.by_rules;
        self.by_you += other.by_you;
        self.by_continue += other.by_continue;
        self.by_timeout += other.by_timeout;
        self.gone += other.gone;
    }
}
