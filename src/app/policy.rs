//! Decisions that cover more than one call: rules made from a call
//! (`A`, `X`, `E`), the rule list (`R`), writing the rule file (`w`), and
//! the timeout countdown.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{App, Command, Dialog, Focus};
use crate::model::Answer;
use crate::model::Call;
use crate::policy::scope::{Lifetime, Narrow, Scope, scopes};

/// The scope dialog's state.
#[derive(Clone, Debug)]
pub struct ScopeDialog {
    pub answer: Answer,
    /// The call the rule is made from.
    pub call: Arc<Call>,
    pub scopes: Vec<Scope>,
    pub selected: usize,
    pub narrow: Narrow,
    pub lifetime: Lifetime,
    /// Per scope: how many (waiting, answered) calls the rule would match.
    /// Counted when the dialog opens or the narrowing changes, not on
    /// every frame: history can hold 100000 calls.
    pub counts: Vec<(usize, usize)>,
}

impl ScopeDialog {
    fn count(&mut self, app: &App) {
        let waiting: Vec<&Call> = app.waiting_calls().map(|c| &**c).collect();
        self.counts = self
            .scopes
            .iter()
            .map(|s| {
                (
                    s.count(self.answer, self.narrow, waiting.iter().copied()),
                    s.count(
                        self.answer,
                        self.narrow,
                        app.history.iter().map(|r| &*r.call),
                    ),
                )
            })
            .collect();
    }
}

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

    /// Opens the scope dialog for a rule answering with `answer`.
    pub(super) fn open_scope(&mut self, answer: Answer, now: Instant) -> Vec<Command> {
        let Some(p) = self.answerable(now) else {
            return Vec::new();
        };
        let call = Arc::clone(&p.call);
        if answer == Answer::Emulate
            && let Some(why) = crate::model::emulation::refusal(&call)
        {
            self.say(why, now);
            return Vec::new();
        }
        let scopes = scopes(&call);
        let selected = scopes.iter().position(|s| s.preselected).unwrap_or(0);
        let mut d = ScopeDialog {
            answer,
            call,
            scopes,
            selected,
            narrow: Narrow::Any,
            lifetime: if self.config.save_path.is_some() {
                Lifetime::Save
            } else {
                Lifetime::Session
            },
            counts: Vec::new(),
        };
        d.count(self);
        self.dialog = Some(Dialog::Scope(d));
        Vec::new()
    }

    pub(super) fn scope_key(
        &mut self,
        key: KeyEvent,
        mut d: ScopeDialog,
        now: Instant,
    ) -> (Option<Dialog>, Vec<Command>) {
        let n = d.scopes.len();
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Up | KeyCode::Char('k') => d.selected = d.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                d.selected = (d.selected + 1).min(n.saturating_sub(1))
            }
            KeyCode::Char('n') => {
                d.narrow = match d.narrow {
                    Narrow::Any => Narrow::Exe,
                    Narrow::Exe => Narrow::Comm,
                    Narrow::Comm => Narrow::Any,
                };
                d.count(self);
            }
            KeyCode::Char('s') => {
                d.lifetime = match d.lifetime {
                    Lifetime::Session => Lifetime::Save,
                    Lifetime::Save => Lifetime::Session,
                };
            }
            KeyCode::Enter => {
                let Some(scope) = d.scopes.get(d.selected) else {
                    return (None, vec![]);
                };
                return match scope.to_rule(d.answer, d.narrow, d.lifetime) {
                    Ok(rule) => {
                        let label = scope.label_with(d.narrow);
                        let (waiting, _) = d.counts.get(d.selected).copied().unwrap_or_default();
                        let saved = match d.lifetime {
                            Lifetime::Save => "; w writes it to the rule file",
                            Lifetime::Session => " for this session",
                        };
                        self.say(
                            format!(
                                "new rule: {} {label} — answers {waiting} waiting call(s){saved}",
                                d.answer
                            ),
                            now,
                        );
                        (None, vec![Command::AddRule(Box::new(rule))])
                    }
                    Err(e) => {
                        self.say(e, now);
                        (Some(Dialog::Scope(d)), vec![])
                    }
                };
            }
            _ => {}
        }
        (Some(Dialog::Scope(d)), vec![])
    }

    /// Calls a new rule answered: they leave the waiting list now; their
    /// records arrive from the supervisor.
    pub fn answered_by_rule(&mut self, ids: &[u64]) {
        for id in ids {
            self.remove_pending(*id);
        }
    }

    pub(super) fn rules_key(
        &mut self,
        key: KeyEvent,
        selected: usize,
        now: Instant,
    ) -> (Option<Dialog>, Vec<Command>) {
        let list = self.rules.snapshot();
        let n = list.len();
        let mut selected = selected.min(n.saturating_sub(1));
        let mut out = Vec::new();
        let current = list.get(selected);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('R') => return (None, vec![]),
            KeyCode::Up | KeyCode::Char('k') => selected = selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                selected = (selected + 1).min(n.saturating_sub(1))
            }
            KeyCode::PageUp => selected = selected.saturating_sub(10),
            KeyCode::PageDown => selected = (selected + 10).min(n.saturating_sub(1)),
            KeyCode::Home => selected = 0,
            KeyCode::End => selected = n.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::Char('t') => {
                if let Some(r) = current {
                    self.rules.set_enabled(r.id, !r.enabled);
                    if !r.enabled {
                        // Enabled again: it may answer calls waiting now.
                        out.push(Command::Reconsider);
                    }
                }
            }
            KeyCode::Char('K') | KeyCode::Char('+') => {
                if let Some(r) = current
                    && self.rules.move_up(r.id)
                {
                    selected = selected.saturating_sub(1);
                    out.push(Command::Reconsider);
                }
            }
            KeyCode::Char('J') | KeyCode::Char('-') => {
                if let Some(r) = current
                    && self.rules.move_down(r.id)
                {
                    selected = (selected + 1).min(n.saturating_sub(1));
                    out.push(Command::Reconsider);
                }
            }
            KeyCode::Char('x') | KeyCode::Delete => {
                if let Some(r) = current
                    && self.rules.remove(r.id).is_some()
                {
                    self.say(format!("deleted rule {}: {}", r.number, r.description), now);
                    out.push(Command::Reconsider);
                }
            }
            KeyCode::Char('w') => {
                out.extend(self.save(now));
                return (self.dialog.take().or(Some(Dialog::Rules { selected })), out);
            }
            _ => {}
        }
        (Some(Dialog::Rules { selected }), out)
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
            None => {
                self.dialog = Some(Dialog::SavePath {
                    input: "unotify-rules.toml".into(),
                    error: None,
                });
                Vec::new()
            }
        }
    }

    pub(super) fn save_path_key(
        &mut self,
        key: KeyEvent,
        mut input: String,
        mut error: Option<String>,
        _now: Instant,
    ) -> (Option<Dialog>, Vec<Command>) {
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Enter => {
                if input.trim().is_empty() {
                    error = Some("type a file name".into());
                } else {
                    let path = PathBuf::from(input.trim());
                    // Later writes go to the same file without asking.
                    self.config.save_path = Some(path.clone());
                    return (None, vec![Command::SaveRules(path)]);
                }
            }
            KeyCode::Backspace => {
                input.pop();
                error = None;
            }
            KeyCode::Char(c) if !c.is_control() && input.len() < 4096 => {
                input.push(c);
                error = None;
            }
            _ => {}
        }
        (Some(Dialog::SavePath { input, error }), vec![])
    }
}
