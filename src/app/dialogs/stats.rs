//! `s`: the stats view, calls per syscall, sorted by a column the keys
//! cycle through.

use super::{Dialog, Step};
use crate::app::keymap::{Action, Press};
use crate::output::summary::Column;

/// Lines PgUp and PgDn move by.
const PAGE: u16 = 10;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsView {
    pub sort: Column,
    /// The first row shown.
    pub scroll: u16,
}

impl StatsView {
    pub(super) fn on(self, press: Press) -> Step {
        let s = self.scroll;
        let next = match press.action {
            Action::SortNext | Action::SortPrev => StatsView {
                sort: self.sort.cycle(press.action == Action::SortPrev),
                ..self
            },
            Action::Up => StatsView {
                scroll: s.saturating_sub(1),
                ..self
            },
            Action::Down => StatsView {
                scroll: s.saturating_add(1),
                ..self
            },
            Action::PageUp => StatsView {
                scroll: s.saturating_sub(PAGE),
                ..self
            },
            Action::PageDown => StatsView {
                scroll: s.saturating_add(PAGE),
                ..self
            },
            Action::Top => StatsView { scroll: 0, ..self },
            _ => return (None, vec![]),
        };
        (Some(Dialog::Stats(next)), vec![])
    }
}
