//! `q` while the program runs: kill it, or let it run on unsupervised.

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::app::{Command, QuitHow};

pub(super) fn on(press: Press) -> Step {
    match press.action {
        Action::Kill => (None, vec![Command::Quit(QuitHow::Kill)]),
        Action::Detach => (None, vec![Command::Quit(QuitHow::Detach)]),
        Action::Cancel => (None, vec![]),
        _ => (Some(Dialog::Quit), vec![]),
    }
}
