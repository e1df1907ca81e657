//! unotify-tui: run a program under a seccomp user-notification filter and
//! answer each trapped system call.

pub mod app;
pub mod cli;
pub mod demo;
pub mod errno;
pub mod escape;
pub mod policy;
pub mod run;
pub mod suggest;
pub mod supervisor;
pub mod sys;
pub mod tui;
pub mod ui;
