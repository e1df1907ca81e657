//! unotify-tui: run a program under a seccomp user-notification filter and
//! answer each trapped system call.
//!
//! Layers, bottom to top; each uses only those below it: `sys` (the
//! only code that may skip the compiler's memory checks) → `model`
//! (shared plain data) → `decode` → `policy` → `supervisor` → `output` → `app`, `ui` → `cli`, `error`
//! and `session` (plan, launch, the running target) → the runtimes
//! (`tui`, `headless`, `agent`) → `run` (mode dispatch), `attach` (taking
//! another process's listener, then a runtime) and `main`. Leaf helpers
//! (`errno`, `escape`, `suggest`, `time`) use nothing but each other.

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

pub mod cli;
pub mod error;
pub mod session;

pub mod agent;
pub mod handover;

pub mod headless;
pub mod tui;

pub mod attach;
pub mod check;
pub mod demo;
pub mod export;
pub mod run;
