//! Plain data every layer shares: the notification and the decoded call,
//! the answers and who chose them, what became of a call, and which calls
//! can be emulated.

pub mod answer;
pub mod call;
pub mod emulation;
pub mod record;
pub mod stack;

pub use answer::{Answer, DecidedBy, parse_value};
pub use call::{
    AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, Arg, Call, Container, Copies, Creds, Notif, ProcFacts,
    RealPath, RealPaths, SockAddr, Value,
};
pub use record::{Outcome, Record, Refusal, Tally};
pub use stack::Stack;
#[cfg(test)]
pub(crate) mod testing;
