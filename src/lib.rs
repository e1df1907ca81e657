//! unotify-tui: run a program under a seccomp user-notification filter and
//! answer each trapped system call.

pub mod errno;
pub mod escape;
pub mod policy;
pub mod suggest;
pub mod supervisor;
pub mod sys;
