//! `q` while the program runs: kill it, detach from it (a holder answers
//! its calls), or close the listener and let it run on unsupervised.

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::app::{Command, QuitHow};

pub(super) fn on(press: Press) -> Step {
    match press.action {
        Action::Kill => (None, vec![Command::Quit(QuitHow::Kill)]),
        Action::Detach => (None, vec![Command::Quit(QuitHow::Detach)]),
        Action::CloseListener => (None, vec![Command::Quit(QuitHow::CloseListener)]),
        Action::Cancel => (None, vec![]),
        _ => (Some(Dialog::Quit), vec![]),
    }
}

/// `q` in the agent while containers run: quit (they lose their
/// supervisor) or stay.
pub(super) fn on_agent(press: Press) -> Step {
    match press.action {
        Action::CloseListener => (None, vec![Command::Quit(QuitHow::CloseListener)]),
        Action::Cancel => (None, vec![]),
        _ => (Some(Dialog::QuitAgent), vec![]),
    }
}
