//! `r`: type the value the call returns.

use std::time::Instant;

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::app::{App, Command, TextInput};
use crate::model::{Answer, parse_value};

/// Longest value text.
const MAX_INPUT: usize = 24;

#[derive(Clone, Debug)]
pub struct ReturnDialog {
    pub input: TextInput,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

impl ReturnDialog {
    pub(super) fn on(mut self, app: &mut App, press: Press, now: Instant) -> Step {
        match press.action {
            Action::Cancel => return (None, vec![]),
            Action::Confirm => match parse_value(self.input.text()) {
                Ok(v) => return (None, app.answer(Answer::Return(v), now)),
                Err(e) => self.error = Some(e),
            },
            _ => {
                if self.input.edit(press) {
                    self.error = None;
                }
            }
        }
        (Some(Dialog::Return(self)), vec![])
    }
}

impl App {
    /// `r`: the return dialog for the selected call, starting at 0.
    pub(in crate::app) fn open_return(&mut self, now: Instant) -> Vec<Command> {
        if self.answerable(now).is_none() {
            return Vec::new();
        }
        self.open(Dialog::Return(ReturnDialog {
            input: TextInput::new("0", MAX_INPUT),
            error: None,
        }))
    }
}
