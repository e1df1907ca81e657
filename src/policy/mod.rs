//! Rules: which trapped calls get which answer without asking.

pub mod groups;
pub mod rules;
