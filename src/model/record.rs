//! What became of a trapped call: the answer, who chose it, what the
//! target got.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

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
