//! What leaves unotify-tui about each call: the trace line and the JSON
//! Lines log record.

pub mod format;
