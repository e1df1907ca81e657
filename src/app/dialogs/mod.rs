//! The modal dialogs over the main screen, one file each: its state, how
//! it opens and what its keys do. Keys reach a dialog only as the
//! [`Press`]es its context of the keymap table defines, so a dialog cannot
//! react to a key the table (and so its footer and the help) does not
//! list.

pub mod errno;
pub mod find;
pub mod quit;
pub mod return_value;
pub mod rules;
pub mod save_path;
pub mod scope;
pub mod scroll;
pub mod stats;

use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use super::keymap::{self, Context, Press};
use super::{App, Command};

pub use errno::{ErrnoPicker, errno_matches};
pub use find::FindPrompt;
pub use return_value::ReturnDialog;
pub use rules::RuleList;
pub use save_path::SavePrompt;
pub use scope::ScopeDialog;
pub use scroll::Scroll;
pub use stats::StatsView;

/// A modal dialog over the main screen.
#[derive(Clone, Debug)]
pub enum Dialog {
    /// `D` (and `X`, before the scope): choose an errno.
    Errno(ErrnoPicker),
    /// `r`: type the value to return.
    Return(ReturnDialog),
    Help(Scroll),
    Filter(Scroll),
    /// `q`: kill (default) or let it run.
    Quit,
    /// `q` in the agent while containers run.
    QuitAgent,
    /// `A`, `X`, `E`: which calls the new rule covers, and for how long.
    Scope(ScopeDialog),
    /// `R`: the rule list.
    Rules(RuleList),
    /// `w` without `--save-rules`: where to write.
    SavePath(SavePrompt),
    /// `/` and `&`: a query for history.
    Find(FindPrompt),
    /// `s`: calls per syscall.
    Stats(StatsView),
}

/// What a dialog's key leaves behind: the dialog to show next (`None`
/// closes it) and what the runtime must do.
pub type Step = (Option<Dialog>, Vec<Command>);

impl Dialog {
    /// The keymap context its keys are looked up in.
    pub fn context(&self) -> Context {
        match self {
            Dialog::Errno(d) => d.context(),
            Dialog::Return(_) => Context::Return,
            Dialog::Help(_) => Context::Help,
            Dialog::Filter(_) => Context::Filter,
            Dialog::Quit => Context::Quit,
            Dialog::QuitAgent => Context::QuitAgent,
            Dialog::Scope(_) => Context::Scope,
            Dialog::Rules(_) => Context::Rules,
            Dialog::SavePath(_) => Context::SavePath,
            Dialog::Find(d) => d.context(),
            Dialog::Stats(_) => Context::Stats,
        }
    }
}

impl App {
    /// A key while a dialog is open: looked up in the dialog's context; a
    /// key the context does not bind changes nothing.
    pub(super) fn dialog_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Command> {
        let Some(dialog) = self.dialog.take() else {
            return Vec::new();
        };
        let Some(press) = keymap::lookup(dialog.context(), &key) else {
            self.dialog = Some(dialog);
            return Vec::new();
        };
        let (next, out) = self.dialog_press(dialog, press, now);
        self.dialog = next;
        out
    }

    fn dialog_press(&mut self, dialog: Dialog, press: Press, now: Instant) -> Step {
        match dialog {
            Dialog::Errno(d) => d.on(self, press, now),
            Dialog::Return(d) => d.on(self, press, now),
            Dialog::Help(s) => (s.on(press).map(Dialog::Help), vec![]),
            Dialog::Filter(s) => (s.on(press).map(Dialog::Filter), vec![]),
            Dialog::Quit => quit::on(press),
            Dialog::QuitAgent => quit::on_agent(press),
            Dialog::Scope(d) => d.on(self, press, now),
            Dialog::Rules(d) => d.on(self, press, now),
            Dialog::SavePath(d) => d.on(self, press),
            Dialog::Find(d) => d.on(self, press, now),
            Dialog::Stats(d) => d.on(press),
        }
    }

    /// Opens `dialog` over the main screen.
    pub(super) fn open(&mut self, dialog: Dialog) -> Vec<Command> {
        self.dialog = Some(dialog);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A dialog reacts only to the actions its keymap context maps keys
    /// to: no dialog file (this one aside, which looks keys up) nor the
    /// line editor may read a key itself.
    #[test]
    fn dialogs_see_keys_only_through_the_keymap() {
        let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
        let mut files = vec![app.join("text_input.rs")];
        for entry in std::fs::read_dir(app.join("dialogs")).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n != "mod.rs") {
                files.push(path);
            }
        }
        assert!(files.len() >= 8, "{files:?}");
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for word in ["KeyCode", "KeyEvent", "KeyModifiers", "crossterm"] {
                assert!(!source.contains(word), "{} uses {word}", file.display());
            }
        }
    }
}
