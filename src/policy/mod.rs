//! Rules: which trapped calls get which answer without asking.

pub mod groups;
mod matcher;
pub mod rules;
