//! `/` and `&`: the query to search history for, or to filter it by.

use std::time::Instant;

use super::{Dialog, Step};
use crate::app::keymap::{Action, Context, Press};
use crate::app::{App, TextInput};

/// Longest query.
const MAX_INPUT: usize = 200;

#[derive(Clone, Debug)]
pub struct FindPrompt {
    pub input: TextInput,
    /// `&` (filter) rather than `/` (search).
    pub filter: bool,
}

impl FindPrompt {
    pub fn context(&self) -> Context {
        if self.filter {
            Context::FilterHistory
        } else {
            Context::Search
        }
    }

    pub(super) fn on(mut self, app: &mut App, press: Press, now: Instant) -> Step {
        match press.action {
            Action::Cancel => return (None, vec![]),
            Action::Confirm => {
                if self.filter {
                    app.set_filter(self.input.text(), now);
                } else {
                    app.start_search(self.input.text(), now);
                }
                return (None, vec![]);
            }
            _ => {
                self.input.edit(press);
            }
        }
        (Some(Dialog::Find(self)), vec![])
    }
}

impl App {
    /// `/`: the search prompt, holding the last search to edit or repeat.
    pub(in crate::app) fn open_search(&mut self) -> Vec<crate::app::Command> {
        let text = self.search.as_ref().map(|q| q.to_string());
        self.open(Dialog::Find(FindPrompt {
            input: TextInput::new(text.unwrap_or_default(), MAX_INPUT),
            filter: false,
        }))
    }

    /// `&`: the filter prompt, holding the filter in force to edit.
    pub(in crate::app) fn open_filter(&mut self) -> Vec<crate::app::Command> {
        let text = self.filter.as_ref().map(|f| f.query.to_string());
        self.open(Dialog::Find(FindPrompt {
            input: TextInput::new(text.unwrap_or_default(), MAX_INPUT),
            filter: true,
        }))
    }
}
