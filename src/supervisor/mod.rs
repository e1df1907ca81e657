//! The worker side: receiving notifications, decoding, deciding, answering.

pub mod answer;
pub mod decode;
pub mod emulate;
pub mod event;
