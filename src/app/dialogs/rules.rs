//! `R`: the rule list. Its edits travel to the runtime as
//! [`Command::EditRule`], like a new rule travels as `AddRule`; the list
//! shown is read from the live rule set.

use std::time::Instant;

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::app::{App, Command, RuleEdit};
use crate::policy::rules::RuleInfo;

/// Rules PgUp and PgDn move by.
const PAGE: usize = 10;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleList {
    pub selected: usize,
}

impl RuleList {
    pub(super) fn on(self, app: &mut App, press: Press, now: Instant) -> Step {
        let list = app.rules.snapshot();
        let last = list.len().saturating_sub(1);
        let mut selected = self.selected.min(last);
        let current = list.get(selected);
        let mut out = Vec::new();
        match press.action {
            Action::Cancel => return (None, vec![]),
            Action::Up => selected = selected.saturating_sub(1),
            Action::Down => selected = (selected + 1).min(last),
            Action::PageUp => selected = selected.saturating_sub(PAGE),
            Action::PageDown => selected = (selected + PAGE).min(last),
            Action::Top => selected = 0,
            Action::Bottom => selected = last,
            Action::ToggleRule => out = current.map(toggle).unwrap_or_default(),
            // The list is edited only from here, so the snapshot tells
            // whether the rule can move.
            Action::MoveRuleUp => {
                if let Some(r) = current
                    && selected > 0
                {
                    selected -= 1;
                    out = vec![
                        Command::EditRule(RuleEdit::MoveUp(r.id)),
                        Command::Reconsider,
                    ];
                }
            }
            Action::MoveRuleDown => {
                if let Some(r) = current
                    && selected < last
                {
                    selected += 1;
                    out = vec![
                        Command::EditRule(RuleEdit::MoveDown(r.id)),
                        Command::Reconsider,
                    ];
                }
            }
            Action::DeleteRule => {
                if let Some(r) = current {
                    app.say(format!("deleted rule {}: {}", r.number, r.description), now);
                    out = vec![
                        Command::EditRule(RuleEdit::Delete(r.id)),
                        Command::Reconsider,
                    ];
                }
            }
            Action::Save => {
                out = app.save(now);
                // `w` may open the save prompt in place of the list.
                return (
                    app.dialog
                        .take()
                        .or(Some(Dialog::Rules(RuleList { selected }))),
                    out,
                );
            }
            _ => {}
        }
        (Some(Dialog::Rules(RuleList { selected })), out)
    }
}

/// Enables or disables `r`; enabled again, it may answer calls waiting
/// now.
fn toggle(r: &RuleInfo) -> Vec<Command> {
    let edit = Command::EditRule(RuleEdit::SetEnabled(r.id, !r.enabled));
    if r.enabled {
        vec![edit]
    } else {
        vec![edit, Command::Reconsider]
    }
}
