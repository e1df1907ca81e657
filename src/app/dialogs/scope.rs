//! `A`, `X`, `E`: which calls a rule made from the selected call covers,
//! for whom, and for how long.

use std::sync::Arc;
use std::time::Instant;

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::app::{App, Command};
use crate::model::{Answer, Call};
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

    pub(super) fn on(mut self, app: &mut App, press: Press, now: Instant) -> Step {
        let last = self.scopes.len().saturating_sub(1);
        match press.action {
            Action::Cancel => return (None, vec![]),
            Action::Confirm => return self.make_rule(app, now),
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Narrow => {
                self.narrow = match self.narrow {
                    Narrow::Any => Narrow::Exe,
                    Narrow::Exe => Narrow::Comm,
                    // A call from a container (the agent) can make a rule
                    // for that container alone.
                    Narrow::Comm if self.call.container.is_some() => Narrow::Container,
                    Narrow::Comm | Narrow::Container => Narrow::Any,
                };
                self.count(app);
            }
            Action::Keep => {
                self.lifetime = match self.lifetime {
                    Lifetime::Session => Lifetime::Save,
                    Lifetime::Save => Lifetime::Session,
                };
            }
            _ => {}
        }
        (Some(Dialog::Scope(self)), vec![])
    }

    /// Enter: the rule for the selected scope, as a command.
    fn make_rule(self, app: &mut App, now: Instant) -> Step {
        let Some(scope) = self.scopes.get(self.selected) else {
            return (None, vec![]);
        };
        match scope.to_rule(self.answer, self.narrow, self.lifetime) {
            Ok(rule) => {
                let label = scope.label_with(self.narrow);
                let (waiting, _) = self.counts.get(self.selected).copied().unwrap_or_default();
                let saved = match self.lifetime {
                    Lifetime::Save => "; w writes it to the rule file",
                    Lifetime::Session => " for this session",
                };
                app.say(
                    format!(
                        "new rule: {} {label} — answers {waiting} waiting call(s){saved}",
                        self.answer
                    ),
                    now,
                );
                (None, vec![Command::AddRule(Box::new(rule))])
            }
            Err(e) => {
                app.say(e, now);
                (Some(Dialog::Scope(self)), vec![])
            }
        }
    }
}

impl App {
    /// Opens the scope dialog for a rule answering with `answer`.
    pub(in crate::app) fn open_scope(&mut self, answer: Answer, now: Instant) -> Vec<Command> {
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
        self.open(Dialog::Scope(d))
    }
}
