//! What leaves unotify-tui about each call: the trace line and the JSON
//! Lines log record, the sink that writes them, and the summary of a
//! run (`--summary`).

pub mod exec;
pub mod format;
pub mod recorder;
pub mod sink;
pub mod summary;
