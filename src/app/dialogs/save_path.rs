//! `w` without `--save-rules`: the file to write the rules to.

use std::path::PathBuf;

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::app::{App, Command, TextInput};

/// Longest file name (PATH_MAX).
const MAX_INPUT: usize = 4096;

#[derive(Clone, Debug)]
pub struct SavePrompt {
    pub input: TextInput,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

impl SavePrompt {
    pub fn new() -> SavePrompt {
        SavePrompt {
            input: TextInput::new("unotify-rules.toml", MAX_INPUT),
            error: None,
        }
    }

    pub(super) fn on(mut self, app: &mut App, press: Press) -> Step {
        match press.action {
            Action::Cancel => return (None, vec![]),
            Action::Confirm => {
                let name = self.input.text().trim();
                if name.is_empty() {
                    self.error = Some("type a file name".into());
                } else {
                    let path = PathBuf::from(name);
                    // Later writes go to the same file without asking.
                    app.config.save_path = Some(path.clone());
                    return (None, vec![Command::SaveRules(path)]);
                }
            }
            _ => {
                if self.input.edit(press) {
                    self.error = None;
                }
            }
        }
        (Some(Dialog::SavePath(self)), vec![])
    }
}

impl Default for SavePrompt {
    fn default() -> Self {
        SavePrompt::new()
    }
}
