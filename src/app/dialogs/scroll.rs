//! `?` and `f`: the help and the filter view, which only scroll.

use crate::app::keymap::{Action, Press};

/// Lines PgUp and PgDn move by.
const PAGE: u16 = 10;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scroll {
    /// The first line shown.
    pub scroll: u16,
}

impl Scroll {
    /// The view after `press`; `None` closes it.
    pub(super) fn on(self, press: Press) -> Option<Scroll> {
        let s = self.scroll;
        let scroll = match press.action {
            Action::Up => s.saturating_sub(1),
            Action::Down => s.saturating_add(1),
            Action::PageUp => s.saturating_sub(PAGE),
            Action::PageDown => s.saturating_add(PAGE),
            Action::Top => 0,
            _ => return None,
        };
        Some(Scroll { scroll })
    }
}
