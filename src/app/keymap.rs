//! The one keymap table: dispatch, the footer hints and the help screen
//! are all built from it, so they cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for outside dialogs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    DenyPick,
    Return,
    Emulate,
    AlwaysAllow,
    AlwaysDeny,
    AlwaysEmulate,
    RuleList,
    Save,
    Continue,
    Pause,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Focus,
    Filter,
    Help,
    Quit,
    /// Leave the program pane (the only key it does not pass on).
    LeaveProgram,
}

/// Where a binding applies: the approval UI, or the program pane (where
/// every other key goes to the program).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Ui,
    Program,
}

/// A key as the table writes it: a code plus the modifiers that must be
/// held (Shift is implied by an upper-case letter and never required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn code(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

pub struct Binding {
    pub keys: &'static [(Key, Action)],
    /// How the keys are written in the footer and the help.
    pub label: &'static str,
    /// One or two words for the footer.
    pub hint: &'static str,
    /// A sentence for the help screen.
    pub help: &'static str,
    pub context: Context,
}

pub const KEYMAP: &[Binding] = &[
    Binding {
        keys: &[(k('a'), Action::Allow)],
        label: "a",
        hint: "allow",
        help: "allow: the kernel runs the call as asked (SECCOMP_USER_NOTIF_FLAG_CONTINUE)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('d'), Action::Deny)],
        label: "d",
        hint: "deny",
        help: "deny: the call fails with the default errno (--errno, EPERM unless set)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('D'), Action::DenyPick)],
        label: "D",
        hint: "deny with…",
        help: "deny, choosing the errno from a list (type a name or a number)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('r'), Action::Return)],
        label: "r",
        hint: "return…",
        help: "return a value you type: the call \"succeeds\" but nothing is done",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('e'), Action::Emulate)],
        label: "e",
        hint: "emulate",
        help: "emulate: unotify-tui performs the call itself with the arguments it copied",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('A'), Action::AlwaysAllow)],
        label: "A",
        hint: "always allow…",
        help: "always allow: make a rule from this call (choose the scope: path, directory, port, syscall…)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('X'), Action::AlwaysDeny)],
        label: "X",
        hint: "always deny…",
        help: "always deny: choose the errno, then the scope of the rule",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('E'), Action::AlwaysEmulate)],
        label: "E",
        hint: "always emulate…",
        help: "always emulate: a rule that emulates every call in the scope you choose",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('R'), Action::RuleList)],
        label: "R",
        hint: "rules",
        help: "the rule list: hits, origin; enable/disable, reorder, delete",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('w'), Action::Save)],
        label: "w",
        hint: "write rules",
        help: "write the rules made with \"save\" to the rule file (--save-rules, or asked)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('c'), Action::Continue)],
        label: "c",
        hint: "continue",
        help: "continue: allow this call and every later one without asking (they still show in history)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k(' '), Action::Pause)],
        label: "space",
        hint: "pause",
        help: "pause continue mode: ask again from the next call",
        context: Context::Ui,
    },
    Binding {
        keys: &[
            (code(KeyCode::Up), Action::Up),
            (k('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (k('j'), Action::Down),
        ],
        label: "↑↓ jk",
        hint: "select",
        help: "select a pending call (or a history entry when history has the focus)",
        context: Context::Ui,
    },
    Binding {
        keys: &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (code(KeyCode::Home), Action::Top),
            (code(KeyCode::End), Action::Bottom),
        ],
        label: "PgUp PgDn Home End",
        hint: "scroll",
        help: "move by a page, or to the first or last entry",
        context: Context::Ui,
    },
    Binding {
        keys: &[(code(KeyCode::Tab), Action::Focus)],
        label: "Tab",
        hint: "focus",
        help: "move the focus: pending → history → program (keys then go to the program)",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('f'), Action::Filter)],
        label: "f",
        hint: "filter",
        help: "show the BPF filter the program runs under, disassembled and explained",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('?'), Action::Help)],
        label: "?",
        hint: "help",
        help: "this help",
        context: Context::Ui,
    },
    Binding {
        keys: &[(k('q'), Action::Quit)],
        label: "q",
        hint: "quit",
        help: "quit: kill the program, or let it run on unsupervised",
        context: Context::Ui,
    },
    Binding {
        // Terminals send Ctrl-] as the byte 0x1d, which crossterm reports
        // as Ctrl-5; the kitty keyboard protocol reports it as Ctrl-].
        keys: &[
            (ctrl(']'), Action::LeaveProgram),
            (ctrl('5'), Action::LeaveProgram),
        ],
        label: "Ctrl-]",
        hint: "back to the calls",
        help: "leave the program pane (every other key goes to the program)",
        context: Context::Program,
    },
];

/// The action bound to `key` in `context`, if any.
pub fn lookup(context: Context, key: &KeyEvent) -> Option<Action> {
    let held_ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if key
        .modifiers
        .intersects(KeyModifiers::ALT | KeyModifiers::SUPER)
    {
        return None;
    }
    KEYMAP
        .iter()
        .filter(|b| b.context == context)
        .flat_map(|b| b.keys.iter())
        .find(|(k, _)| k.code == key.code && k.ctrl == held_ctrl)
        .map(|(_, a)| *a)
}

/// The bindings shown in the footer for `context`.
pub fn footer(context: Context) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.context == context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers: mods,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn every_key_is_bound_once_per_context() {
        for ctx in [Context::Ui, Context::Program] {
            let keys: Vec<Key> = KEYMAP
                .iter()
                .filter(|b| b.context == ctx)
                .flat_map(|b| b.keys.iter().map(|(k, _)| *k))
                .collect();
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{a:?} bound twice");
            }
        }
    }

    #[test]
    fn shifted_letters_and_ctrl() {
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            lookup(Context::Ui, &ev(KeyCode::Char('D'), shift)),
            Some(Action::DenyPick)
        );
        assert_eq!(
            lookup(Context::Ui, &ev(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some(Action::Deny)
        );
        // Ctrl-d is not d.
        assert_eq!(
            lookup(Context::Ui, &ev(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            lookup(
                Context::Program,
                &ev(KeyCode::Char('5'), KeyModifiers::CONTROL)
            ),
            Some(Action::LeaveProgram)
        );
        assert_eq!(
            lookup(
                Context::Program,
                &ev(KeyCode::Char('a'), KeyModifiers::NONE)
            ),
            None
        );
    }
}
