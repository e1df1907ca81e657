//! Rules: which trapped calls get which answer without asking.

pub mod learn;
mod matcher;
pub mod rules;
pub mod scope;
pub mod write;

/// Globs as rules write them, for the TUI's history queries too.
pub use matcher::Glob;
