//! Decisions that cover more than one call: calls a new rule answered,
//! writing the rule file (`w`), and the timeout countdown. The dialogs
//! that make and edit rules are in `dialogs`.

use std::time::Instant;

use super::dialogs::SavePrompt;
use super::{App, Command, Dialog, Focus};

impl App {
    /// Stops the countdown of the selected call (someone is looking at it).
    pub(super) fn hold_selected(&mut self) -> Vec<Command> {
        if self.focus != Focus::Pending {
            return Vec::new();
        }
        let Some(i) = self.selected_index() else {
            return Vec::new();
        };
        match self.pending[i].deadline.take() {
            Some(_) => vec![Command::Hold(self.pending[i].call.notif.id)],
            None => Vec::new(),
        }
    }

    /// Calls a new rule answered: they leave the waiting list now; their
    /// records arrive from the supervisor.
    pub fn answered_by_rule(&mut self, ids: &[u64]) {
        for id in ids {
            self.remove_pending(*id);
        }
    }

    /// `w`: writes the rules marked "save", asking for the file when
    /// `--save-rules` was not given.
    pub(super) fn save(&mut self, now: Instant) -> Vec<Command> {
        if self.rules.unsaved().is_empty() {
            self.say(
                "no rule to write: make one with A, X or E and choose \"save\" (s)",
                now,
            );
            return Vec::new();
        }
        match &self.config.save_path {
            Some(p) => vec![Command::SaveRules(p.clone())],
            None => self.open(Dialog::SavePath(SavePrompt::new())),
        }
    }
}
