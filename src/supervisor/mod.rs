//! The worker side: receiving notifications, decoding, deciding, answering.

pub mod answer;
pub mod decode;
pub mod emulate;
pub mod event;
pub mod target;
pub mod trace;
pub mod worker;
