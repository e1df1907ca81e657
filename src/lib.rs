//! unotify-tui: run a program under a seccomp user-notification filter and
//! answer each trapped system call.
//!
//! Layers, bottom to top; each uses only those below it:
//! `sys` (all the unsafe code) → `model` (shared plain data) → `decode`
//! → `policy` → `supervisor` → `output` → `app`, `ui` → the runtimes
//! (`tui`, `headless`) → `run` and `main`. Leaf helpers (`errno`,
//! `escape`, `suggest`, `time`) use nothing but each other.

pub mod errno;
pub mod escape;
pub mod suggest;
pub mod time;

pub mod sys;

pub mod model;

pub mod decode;

pub mod policy;

pub mod supervisor;

pub mod output;

pub mod app;
pub mod ui;

pub mod check;
pub mod cli;
pub mod demo;
pub mod run;
pub mod tui;
