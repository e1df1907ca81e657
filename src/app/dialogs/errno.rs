//! `D` and `X`: choose an errno from a list filtered by what is typed.

use std::time::Instant;

use super::{Dialog, Step};
use crate::app::keymap::{Action, Context, Press};
use crate::app::{App, Command, TextInput};
use crate::errno::Errno;
use crate::model::Answer;

/// Longest filter text.
const MAX_INPUT: usize = 32;
/// Entries PgUp and PgDn move by.
const PAGE: usize = 10;

#[derive(Clone, Debug)]
pub struct ErrnoPicker {
    /// Filters the list: a name, part of one, or a number.
    pub input: TextInput,
    /// Indexes the filtered list.
    pub selected: usize,
    /// `X`: go on to the scope dialog instead of answering.
    pub always: bool,
}

impl ErrnoPicker {
    pub fn context(&self) -> Context {
        if self.always {
            Context::AlwaysDenyWith
        } else {
            Context::DenyWith
        }
    }

    pub(super) fn on(mut self, app: &mut App, press: Press, now: Instant) -> Step {
        let last = errno_matches(self.input.text()).len().saturating_sub(1);
        match press.action {
            Action::Cancel => return (None, vec![]),
            Action::Confirm => return self.confirm(app, now),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(PAGE),
            Action::PageDown => self.selected = (self.selected + PAGE).min(last),
            _ => {
                if self.input.edit(press) {
                    self.selected = 0;
                }
            }
        }
        (Some(Dialog::Errno(self)), vec![])
    }

    /// Enter: the selected errno, or the number typed.
    fn confirm(self, app: &mut App, now: Instant) -> Step {
        let chosen = errno_matches(self.input.text())
            .get(self.selected)
            .copied()
            .or_else(|| Errno::parse(self.input.text()).ok());
        match chosen {
            Some(e) if self.always => {
                app.open_scope(Answer::Deny(e), now);
                (app.dialog.take(), vec![])
            }
            Some(e) => (None, app.answer(Answer::Deny(e), now)),
            None => {
                app.say(
                    format!("`{}` is not an errno name or number", self.input.text()),
                    now,
                );
                (Some(Dialog::Errno(self)), vec![])
            }
        }
    }
}

impl App {
    /// `D` (`always` false) and `X` (true): the errno picker for the
    /// selected call.
    pub(in crate::app) fn open_errno_picker(&mut self, always: bool, now: Instant) -> Vec<Command> {
        if self.answerable(now).is_none() {
            return Vec::new();
        }
        // For X the default errno comes first in the list, ready for Enter.
        let start = if always {
            self.config.errno.name()
        } else {
            String::new()
        };
        self.open(Dialog::Errno(ErrnoPicker {
            input: TextInput::new(start, MAX_INPUT),
            selected: 0,
            always,
        }))
    }
}

/// The errnos the picker lists for what was typed: all of them for
/// nothing; the one with that number for a number; else those whose name
/// contains the text, names starting with it first.
pub fn errno_matches(input: &str) -> Vec<Errno> {
    let t = input.trim();
    if t.is_empty() {
        return Errno::all().collect();
    }
    if let Ok(n) = t.parse::<i32>() {
        return Errno::new(n).into_iter().collect();
    }
    let up = t.to_ascii_uppercase();
    let mut starts: Vec<Errno> = Vec::new();
    let mut contains: Vec<Errno> = Vec::new();
    for e in Errno::all() {
        let name = e.name();
        if name.starts_with(&up) || name.trim_start_matches('E').starts_with(&up) {
            starts.push(e);
        } else if name.contains(&up) {
            contains.push(e);
        }
    }
    starts.extend(contains);
    starts
}
