//! What leaves unotify-tui about each call: the trace line and the JSON
//! Lines log record, and the sink that writes them.

pub mod exec;
pub mod format;
pub mod recorder;
pub mod sink;
