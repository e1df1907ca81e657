//! The worker side: receiving notifications, deciding, answering,
//! emulating. No UI here: the UI and the headless runner talk to it
//! through [`Event`]s and [`Decision`]s.

pub mod emulate;
pub mod identity;
mod pin;
mod relay;
pub mod target;
pub mod worker;

pub use worker::{Blanks, Decision, Event, ReadRecords, Settings, Spares, Supervisor, Timeout};
