//! The one keymap table: key dispatch on the main screen and in every
//! dialog, the footers and the help screen are all built from it, so they
//! cannot drift apart. Each binding belongs to one or more [`Context`]s
//! (the main screen, the program pane, each dialog), like the layers of a
//! keymap: a key means only what its context's bindings say.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for, on the main screen or in a dialog.
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
    /// Scroll the detail pane.
    DetailUp,
    DetailDown,
    /// Show or hide the stack section of the detail pane (`--stack`).
    ToggleStack,
    /// Leave the program pane (the only key it does not pass on).
    LeaveProgram,
    /// `/`: search history.
    Search,
    /// The next match of the search, further back (`n`) or forward (`N`).
    SearchOlder,
    SearchNewer,
    /// Show only the history entries matching a query.
    FilterHistory,
    /// The agent: show only the next container's calls, then all again.
    NextContainer,
    /// The stats view: calls per syscall, answers, who decided, latency.
    Stats,
    /// Scroll the program pane back into its scrollback, or forward.
    ProgramBack,
    ProgramForward,
    // ----- in dialogs
    /// A printable character for a text field (see [`Press::typed`]).
    Type,
    /// Erase the last character of a text field.
    Erase,
    /// Enter: do what the dialog is for.
    Confirm,
    /// Close the dialog without doing anything.
    Cancel,
    /// Scope dialog: cycle who the rule covers.
    Narrow,
    /// Scope dialog: session only, or saved too.
    Keep,
    /// Rule list: enable or disable the selected rule.
    ToggleRule,
    MoveRuleUp,
    MoveRuleDown,
    DeleteRule,
    /// Quit dialog: kill the program.
    Kill,
    /// Quit dialog: detach, leaving the program with a holder.
    Detach,
    /// Stats view: sort by the next column, or the one before.
    SortNext,
    SortPrev,
    /// Quit dialog: close the listener, the program runs on unsupervised.
    CloseListener,
}

/// Where a binding applies. A dialog takes every key while it is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// The main screen (pending calls and history have the focus).
    Ui,
    /// The program pane, where every other key goes to the program.
    Program,
    /// `D`: the errno picker.
    DenyWith,
    /// `X`: the errno picker, before the scope dialog.
    AlwaysDenyWith,
    /// `r`: the value to return.
    Return,
    /// `?`: this help.
    Help,
    /// `f`: the BPF filter.
    Filter,
    /// `q`: kill, detach or close the listener.
    Quit,
    /// `q` in the agent while containers run: leave them unsupervised.
    QuitAgent,
    /// `A`, `X`, `E`: which calls a new rule covers.
    Scope,
    /// `R`: the rule list.
    Rules,
    /// `w` without `--save-rules`: the file to write.
    SavePath,
    /// `/`: what to search history for.
    Search,
    /// `&`: which history entries to show.
    FilterHistory,
    /// `s`: calls per syscall.
    Stats,
}

impl Context {
    /// Every context, main screen first, dialogs in the order the help
    /// lists them.
    pub const ALL: [Context; 15] = [
        Context::Ui,
        Context::Program,
        Context::DenyWith,
        Context::AlwaysDenyWith,
        Context::Return,
        Context::Scope,
        Context::Rules,
        Context::SavePath,
        Context::Search,
        Context::FilterHistory,
        Context::Stats,
        Context::Quit,
        Context::QuitAgent,
        Context::Help,
        Context::Filter,
    ];

    /// The contexts of dialogs.
    pub fn dialogs() -> impl Iterator<Item = Context> {
        Context::ALL
            .into_iter()
            .filter(|c| !matches!(c, Context::Ui | Context::Program))
    }

    /// The help screen's heading for a dialog's keys.
    pub fn title(self) -> &'static str {
        match self {
            Context::Ui => "Keys",
            Context::Program => "In the program pane",
            Context::DenyWith => "Deny with which errno (D)",
            Context::AlwaysDenyWith => "Always deny: which errno (X)",
            Context::Return => "Return which value (r)",
            Context::Help => "This help (?)",
            Context::Filter => "The filter view (f)",
            Context::Quit => "Quit (q)",
            Context::QuitAgent => "Quit the agent (q)",
            Context::Scope => "Always …: which calls (A, X, E)",
            Context::Rules => "The rule list (R)",
            Context::SavePath => "Write the rules to which file (w)",
            Context::Search => "Search history (/)",
            Context::FilterHistory => "Show only matching history (&)",
            Context::Stats => "Calls per syscall (s)",
        }
    }
}

/// What a key matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    Code(KeyCode),
    /// Any printable character not bound otherwise (text fields).
    AnyChar,
    /// Any key not bound otherwise ("any other key closes").
    AnyKey,
}

/// A key as the table writes it: a pattern plus the modifiers that must
/// be held (Shift is implied by an upper-case letter and never required).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub pattern: Pattern,
    pub ctrl: bool,
    /// Shift must be held (for keys other than letters, where a binding
    /// without it takes the key whether Shift is held or not).
    pub shift: bool,
    /// Another spelling of a key the label names already (what some
    /// terminals send for it), so the label need not name it.
    pub alias: bool,
}

const fn k(c: char) -> Key {
    code(KeyCode::Char(c))
}

const fn code(code: KeyCode) -> Key {
    Key {
        pattern: Pattern::Code(code),
        ctrl: false,
        shift: false,
        alias: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        pattern: Pattern::Code(KeyCode::Char(c)),
        ctrl: true,
        shift: false,
        alias: false,
    }
}

const fn shift(key: KeyCode) -> Key {
    Key {
        shift: true,
        ..code(key)
    }
}

const fn alias(key: Key) -> Key {
    Key { alias: true, ..key }
}

const ANY_CHAR: Key = Key {
    pattern: Pattern::AnyChar,
    ctrl: false,
    shift: false,
    alias: false,
};

const ANY_KEY: Key = Key {
    pattern: Pattern::AnyKey,
    ctrl: false,
    shift: false,
    alias: false,
};

impl Key {
    /// How the key is written in labels.
    pub fn written(&self) -> String {
        let base = match self.pattern {
            Pattern::AnyChar => return "type".into(),
            Pattern::AnyKey => return "any other key".into(),
            Pattern::Code(KeyCode::Char(' ')) => "space".to_string(),
            Pattern::Code(KeyCode::Char(c)) if self.ctrl => c.to_uppercase().to_string(),
            Pattern::Code(KeyCode::Char(c)) => c.to_string(),
            Pattern::Code(KeyCode::Up) => "↑".into(),
            Pattern::Code(KeyCode::Down) => "↓".into(),
            Pattern::Code(KeyCode::Left) => "←".into(),
            Pattern::Code(KeyCode::Right) => "→".into(),
            Pattern::Code(KeyCode::PageUp) => "PgUp".into(),
            Pattern::Code(KeyCode::PageDown) => "PgDn".into(),
            Pattern::Code(KeyCode::Delete) => "Del".into(),
            Pattern::Code(KeyCode::Enter) => "Enter".into(),
            Pattern::Code(KeyCode::Esc) => "Esc".into(),
            Pattern::Code(KeyCode::Tab) => "Tab".into(),
            Pattern::Code(KeyCode::Backspace) => "Backspace".into(),
            Pattern::Code(KeyCode::Home) => "Home".into(),
            Pattern::Code(KeyCode::End) => "End".into(),
            Pattern::Code(other) => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else if self.shift {
            format!("Shift-{base}")
        } else {
            base
        }
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
    pub contexts: &'static [Context],
    /// Shown in the footer; every binding is in the help.
    pub in_footer: bool,
}

const UI: &[Context] = &[Context::Ui];
const PROGRAM: &[Context] = &[Context::Program];
const ERRNO: &[Context] = &[Context::DenyWith, Context::AlwaysDenyWith];
const TEXT: &[Context] = &[
    Context::DenyWith,
    Context::AlwaysDenyWith,
    Context::Return,
    Context::SavePath,
];
const VIEWS: &[Context] = &[Context::Help, Context::Filter];
const FIND: &[Context] = &[Context::Search, Context::FilterHistory];
const UI_AND_PROGRAM: &[Context] = &[Context::Ui, Context::Program];

/// A binding of the main screen: all of them show in the footer.
const fn ui(
    keys: &'static [(Key, Action)],
    label: &'static str,
    hint: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        hint,
        help,
        contexts: UI,
        in_footer: true,
    }
}

/// A binding of the dialogs in `contexts`, shown in their footers.
const fn dialog(
    contexts: &'static [Context],
    keys: &'static [(Key, Action)],
    label: &'static str,
    hint: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        label,
        hint,
        help,
        contexts,
        in_footer: true,
    }
}

impl Binding {
    /// Listed in the help only, not in the footer.
    const fn help_only(self) -> Binding {
        Binding {
            in_footer: false,
            ..self
        }
    }

    pub fn applies_in(&self, context: Context) -> bool {
        self.contexts.contains(&context)
    }
}

pub const KEYMAP: &[Binding] = &[
    // ----- the main screen
    ui(
        &[(k('a'), Action::Allow)],
        "a",
        "allow",
        "allow: the kernel runs the call as asked (SECCOMP_USER_NOTIF_FLAG_CONTINUE)",
    ),
    ui(
        &[(k('d'), Action::Deny)],
        "d",
        "deny",
        "deny: the call fails with the default errno (--errno, EPERM unless set)",
    ),
    ui(
        &[(k('D'), Action::DenyPick)],
        "D",
        "deny with…",
        "deny, choosing the errno from a list (type a name or a number)",
    ),
    ui(
        &[(k('r'), Action::Return)],
        "r",
        "return…",
        "return a value you type: the call \"succeeds\" but nothing is done",
    ),
    ui(
        &[(k('e'), Action::Emulate)],
        "e",
        "emulate",
        "emulate: unotify-tui performs the call itself with the arguments it copied",
    ),
    ui(
        &[(k('A'), Action::AlwaysAllow)],
        "A",
        "always allow…",
        "always allow: make a rule from this call (choose the scope: path, directory, port, syscall…)",
    ),
    ui(
        &[(k('X'), Action::AlwaysDeny)],
        "X",
        "always deny…",
        "always deny: choose the errno, then the scope of the rule",
    ),
    ui(
        &[(k('E'), Action::AlwaysEmulate)],
        "E",
        "always emulate…",
        "always emulate: a rule that emulates every call in the scope you choose",
    ),
    ui(
        &[(k('R'), Action::RuleList)],
        "R",
        "rules",
        "the rule list: hits, origin; enable/disable, reorder, delete",
    ),
    ui(
        &[(k('w'), Action::Save)],
        "w",
        "write rules",
        "write the rules made with \"save\" to the rule file (--save-rules, or asked)",
    ),
    ui(
        &[(k('c'), Action::Continue)],
        "c",
        "continue",
        "continue: allow this call and every later one without asking (they still show in history)",
    ),
    ui(
        &[(k(' '), Action::Pause)],
        "space",
        "pause",
        "pause continue mode: ask again from the next call",
    ),
    ui(
        &[
            (code(KeyCode::Up), Action::Up),
            (k('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (k('j'), Action::Down),
        ],
        "↑↓ jk",
        "select",
        "select a pending call (or a history entry when history has the focus)",
    ),
    ui(
        &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (code(KeyCode::Home), Action::Top),
            (code(KeyCode::End), Action::Bottom),
        ],
        "PgUp PgDn Home End",
        "scroll",
        "move by a page, or to the first or last entry",
    ),
    ui(
        &[(code(KeyCode::Tab), Action::Focus)],
        "Tab",
        "focus",
        "move the focus: pending → history → program (keys then go to the program)",
    ),
    ui(
        &[(k('f'), Action::Filter)],
        "f",
        "filter",
        "show the BPF filter the program runs under, disassembled and explained",
    ),
    ui(
        &[(k('/'), Action::Search)],
        "/",
        "search",
        "search history for a query (the words & takes: deny, openat, pid 1234, /etc/*…); \
         the match comes into view however far back it is",
    ),
    ui(
        &[(k('n'), Action::SearchOlder), (k('N'), Action::SearchNewer)],
        "n N",
        "next/prev match",
        "the next match of the search, further back (n) or forward (N); the search wraps around",
    )
    .help_only(),
    ui(
        &[(k('&'), Action::FilterHistory)],
        "&",
        "show only…",
        "history shows only the entries matching a query (words all must match): an answer \
         (allow deny return emulate gone), who decided (rule you default timeout continue), a \
         syscall or @group, pid N, comm NAME, a path glob (/etc/*, *.so); nothing typed shows all",
    ),
    // The agent's footer shows it (see `ui::footer_items_for`); launched
    // or attached, there is no container.
    ui(
        &[(k('C'), Action::NextContainer)],
        "C",
        "container",
        "the agent: show only one container's calls, pending and history (each C the next \
         container, then all again); & takes `container ID` too",
    )
    .help_only(),
    ui(
        &[(k('s'), Action::Stats)],
        "s",
        "stats",
        "calls per syscall: answers, who decided, latency p50/p99 (as --summary prints at exit)",
    ),
    Binding {
        keys: &[
            (shift(KeyCode::PageUp), Action::ProgramBack),
            (shift(KeyCode::PageDown), Action::ProgramForward),
        ],
        label: "Shift-PgUp Shift-PgDn",
        hint: "scroll program",
        help: "scroll the program pane back through its last 10,000 lines, or forward again \
               (also while it has the keyboard)",
        contexts: UI_AND_PROGRAM,
        in_footer: false,
    },
    // Named in the detail pane's title when it has more than it shows.
    ui(
        &[(k('['), Action::DetailUp), (k(']'), Action::DetailDown)],
        "[ ]",
        "scroll detail",
        "scroll the detail pane: on a short terminal what each answer would do is further down",
    )
    .help_only(),
    // Named in the detail pane's stack heading, which shows only with
    // --stack: the footer has no room to spare for it.
    ui(
        &[(k('b'), Action::ToggleStack)],
        "b",
        "stack",
        "show or hide the call site's stack (backtrace) in the detail pane (--stack)",
    )
    .help_only(),
    ui(&[(k('?'), Action::Help)], "?", "help", "this help"),
    ui(
        &[(k('q'), Action::Quit)],
        "q",
        "quit",
        "quit: kill the program, detach from it, or close the listener",
    ),
    // How people stop terminal programs; the footer has q for it.
    ui(
        &[(ctrl('c'), Action::Quit)],
        "Ctrl-C",
        "quit",
        "asks to quit, like q (in the program pane it goes to the program)",
    )
    .help_only(),
    Binding {
        // Terminals send Ctrl-] as the byte 0x1d, which crossterm reports
        // as Ctrl-5; the kitty keyboard protocol reports it as Ctrl-].
        keys: &[
            (ctrl(']'), Action::LeaveProgram),
            (alias(ctrl('5')), Action::LeaveProgram),
        ],
        label: "Ctrl-]",
        hint: "back to the calls",
        help: "leave the program pane (every other key goes to the program)",
        contexts: PROGRAM,
        in_footer: true,
    },
    // ----- the errno picker (D, X)
    dialog(
        ERRNO,
        &[(ANY_CHAR, Action::Type)],
        "type",
        "to filter",
        "filter the list: a name, part of one, or a number",
    ),
    dialog(
        ERRNO,
        &[
            (code(KeyCode::Up), Action::Up),
            (code(KeyCode::Down), Action::Down),
        ],
        "↑↓",
        "choose",
        "choose an errno (letters are typed into the filter)",
    ),
    dialog(
        ERRNO,
        &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
        ],
        "PgUp PgDn",
        "page",
        "move by ten entries",
    )
    .help_only(),
    dialog(
        &[Context::DenyWith],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "deny",
        "deny the call with the chosen errno (or the number typed)",
    ),
    dialog(
        &[Context::AlwaysDenyWith],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "next: scope",
        "go on to choose which calls the rule denies with this errno",
    ),
    // ----- the return dialog (r)
    dialog(
        &[Context::Return],
        &[(ANY_CHAR, Action::Type)],
        "type",
        "a value (decimal or 0x…)",
        "the value the call returns, in decimal or 0x… hex",
    ),
    dialog(
        &[Context::Return],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "send",
        "answer the call with this value",
    ),
    // ----- the save prompt (w)
    dialog(
        &[Context::SavePath],
        &[(ANY_CHAR, Action::Type)],
        "type",
        "a file name",
        "the rule file to add the rules to (it is created if missing)",
    ),
    dialog(
        &[Context::SavePath],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "write",
        "write the rules marked \"save\"; later w writes to the same file",
    ),
    // ----- the scope dialog (A, X, E)
    dialog(
        &[Context::Scope],
        &[
            (code(KeyCode::Up), Action::Up),
            (k('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (k('j'), Action::Down),
        ],
        "↑↓ jk",
        "choose",
        "choose which calls the rule covers",
    ),
    // The dialog shows these two with their current setting.
    dialog(
        &[Context::Scope],
        &[(k('n'), Action::Narrow)],
        "n",
        "who",
        "who the rule covers: any program, this executable, this process name (and, for a \
         call from a container, that container only)",
    )
    .help_only(),
    dialog(
        &[Context::Scope],
        &[(k('s'), Action::Keep)],
        "s",
        "keep",
        "keep the rule for this session only, or also save it (w writes it to the rule file)",
    )
    .help_only(),
    dialog(
        &[Context::Scope],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "make the rule (it answers the matching waiting calls now)",
        "make the rule; it goes first and answers the matching waiting calls now",
    ),
    // ----- the text fields, the errno picker and the scope dialog
    dialog(
        &[
            Context::DenyWith,
            Context::AlwaysDenyWith,
            Context::Return,
            Context::SavePath,
            Context::Scope,
        ],
        &[(code(KeyCode::Esc), Action::Cancel)],
        "Esc",
        "cancel",
        "cancel: the call keeps waiting, nothing is written",
    ),
    dialog(
        TEXT,
        &[(code(KeyCode::Backspace), Action::Erase)],
        "Backspace",
        "erase",
        "erase the last character typed",
    )
    .help_only(),
    // ----- the rule list (R)
    dialog(
        &[Context::Rules],
        &[
            (code(KeyCode::Up), Action::Up),
            (k('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (k('j'), Action::Down),
        ],
        "↑↓ jk",
        "select",
        "select a rule",
    ),
    dialog(
        &[Context::Rules],
        &[
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (code(KeyCode::Home), Action::Top),
            (code(KeyCode::End), Action::Bottom),
        ],
        "PgUp PgDn Home End",
        "scroll",
        "move by ten rules, or to the first or last",
    )
    .help_only(),
    dialog(
        &[Context::Rules],
        &[(k(' '), Action::ToggleRule), (k('t'), Action::ToggleRule)],
        "space t",
        "enable/disable",
        "enable or disable the rule (enabled again, it answers the matching waiting calls)",
    ),
    dialog(
        &[Context::Rules],
        &[
            (k('K'), Action::MoveRuleUp),
            (k('+'), Action::MoveRuleUp),
            (k('J'), Action::MoveRuleDown),
            (k('-'), Action::MoveRuleDown),
        ],
        "K/J +/-",
        "move up/down",
        "move the rule up (tried earlier) or down",
    ),
    dialog(
        &[Context::Rules],
        &[
            (k('x'), Action::DeleteRule),
            (code(KeyCode::Delete), Action::DeleteRule),
        ],
        "x Del",
        "delete",
        "delete the rule (for this session; rule files are not changed)",
    ),
    dialog(
        &[Context::Rules],
        &[(k('w'), Action::Save)],
        "w",
        "write",
        "write the rules made with \"save\" to the rule file",
    ),
    dialog(
        &[Context::Rules],
        &[
            (code(KeyCode::Esc), Action::Cancel),
            (k('q'), Action::Cancel),
            (k('R'), Action::Cancel),
        ],
        "Esc q R",
        "close",
        "close the rule list",
    ),
    // ----- search (/) and the history filter (&)
    dialog(
        FIND,
        &[(ANY_CHAR, Action::Type)],
        "type",
        "a query",
        "words that must all match: deny, openat, pid 1234, comm cat, /etc/*, *.so, @net, you…",
    ),
    dialog(
        &[Context::Search],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "find",
        "find the nearest earlier match (then n older, N newer)",
    ),
    dialog(
        &[Context::FilterHistory],
        &[(code(KeyCode::Enter), Action::Confirm)],
        "Enter",
        "filter",
        "show only the matching entries (nothing typed: all); a query that does not parse keeps \
         the filter as it was",
    ),
    dialog(
        FIND,
        &[(code(KeyCode::Backspace), Action::Erase)],
        "Backspace",
        "erase",
        "erase the last character typed",
    )
    .help_only(),
    dialog(
        FIND,
        &[(code(KeyCode::Esc), Action::Cancel)],
        "Esc",
        "cancel",
        "cancel: history stays as it was",
    ),
    // ----- the stats view (s)
    dialog(
        &[Context::Stats],
        &[
            (k('s'), Action::SortNext),
            (code(KeyCode::Right), Action::SortNext),
            (k('S'), Action::SortPrev),
            (code(KeyCode::Left), Action::SortPrev),
        ],
        "s S → ←",
        "sort by next column",
        "sort by the next column (s, →) or the one before (S, ←); numbers largest first",
    ),
    dialog(
        &[Context::Stats],
        &[
            (code(KeyCode::Up), Action::Up),
            (k('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (k('j'), Action::Down),
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (code(KeyCode::Home), Action::Top),
        ],
        "↑↓ jk PgUp PgDn Home",
        "scroll",
        "scroll by a line or a page, or back to the top",
    ),
    dialog(
        &[Context::Stats],
        &[
            (code(KeyCode::Esc), Action::Cancel),
            (k('q'), Action::Cancel),
        ],
        "Esc q",
        "close",
        "close the stats view",
    ),
    // ----- the quit dialog (q); it lists its keys with their help
    dialog(
        &[Context::Quit],
        &[
            (k('k'), Action::Kill),
            (code(KeyCode::Enter), Action::Kill),
            (k('y'), Action::Kill),
            (k('q'), Action::Kill),
        ],
        "k Enter y q",
        "kill",
        "kill the program (its pending calls end with it)",
    ),
    dialog(
        &[Context::Quit],
        &[(k('l'), Action::Detach), (k('d'), Action::Detach)],
        "l d",
        "detach",
        "let it run, detached: a background holder answers its calls with the \
         rules, then the default action (waiting calls too), and keeps its output; \
         `unotify-tui attach PID` takes it back",
    ),
    dialog(
        &[Context::Quit],
        &[(k('c'), Action::CloseListener)],
        "c",
        "close the listener",
        "close the listener and let it run unsupervised: every trapped call \
         (waiting ones too) then fails with ENOSYS, as after the classic `/bye`; \
         its terminal is relayed here until it exits",
    ),
    dialog(
        &[Context::Quit],
        &[
            (code(KeyCode::Esc), Action::Cancel),
            (k('n'), Action::Cancel),
        ],
        "Esc n",
        "stay",
        "stay",
    ),
    dialog(
        &[Context::QuitAgent],
        &[
            (k('q'), Action::CloseListener),
            (code(KeyCode::Enter), Action::CloseListener),
            (k('y'), Action::CloseListener),
        ],
        "q Enter y",
        "quit",
        "quit: the socket goes, and the containers run on unsupervised: their trapped calls \
         (waiting ones too) then fail with ENOSYS",
    ),
    dialog(
        &[Context::QuitAgent],
        &[
            (code(KeyCode::Esc), Action::Cancel),
            (k('n'), Action::Cancel),
        ],
        "Esc n",
        "stay",
        "stay",
    ),
    // ----- the help and the filter view (?, f)
    dialog(
        VIEWS,
        &[
            (code(KeyCode::Up), Action::Up),
            (k('k'), Action::Up),
            (code(KeyCode::Down), Action::Down),
            (k('j'), Action::Down),
            (code(KeyCode::PageUp), Action::PageUp),
            (code(KeyCode::PageDown), Action::PageDown),
            (k(' '), Action::PageDown),
            (code(KeyCode::Home), Action::Top),
        ],
        "↑↓ jk PgUp PgDn space Home",
        "scroll",
        "scroll by a line or a page, or back to the top",
    ),
    dialog(
        VIEWS,
        &[(ANY_KEY, Action::Cancel)],
        "any other key",
        "closes",
        "close",
    ),
];

/// A key press as a context's bindings read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Press {
    pub action: Action,
    /// The character, for [`Action::Type`].
    pub typed: Option<char>,
}

/// What `key` means in `context`, if anything: a key bound by its code
/// first, then "any character", then "any key".
pub fn lookup(context: Context, key: &KeyEvent) -> Option<Press> {
    let held_ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let keys = || {
        KEYMAP
            .iter()
            .filter(move |b| b.applies_in(context))
            .flat_map(|b| b.keys.iter())
    };
    let press = |action| Press {
        action,
        typed: None,
    };
    if key
        .modifiers
        .intersects(KeyModifiers::ALT | KeyModifiers::SUPER)
    {
        return keys()
            .find(|(k, _)| k.pattern == Pattern::AnyKey)
            .map(|(_, a)| press(*a));
    }
    // A binding that needs Shift first; the others take the key with or
    // without it.
    let held_shift = key.modifiers.contains(KeyModifiers::SHIFT);
    if let Some((_, a)) = keys().find(|(k, _)| {
        k.pattern == Pattern::Code(key.code) && k.ctrl == held_ctrl && k.shift && held_shift
    }) {
        return Some(press(*a));
    }
    if let Some((_, a)) = keys()
        .find(|(k, _)| k.pattern == Pattern::Code(key.code) && k.ctrl == held_ctrl && !k.shift)
    {
        return Some(press(*a));
    }
    if let KeyCode::Char(c) = key.code
        && !held_ctrl
        && !c.is_control()
        && let Some((_, a)) = keys().find(|(k, _)| k.pattern == Pattern::AnyChar)
    {
        return Some(Press {
            action: *a,
            typed: Some(c),
        });
    }
    keys()
        .find(|(k, _)| k.pattern == Pattern::AnyKey)
        .map(|(_, a)| press(*a))
}

/// The action `key` is bound to in `context` (a shortcut for the main
/// screen, where nothing is typed).
pub fn action(context: Context, key: &KeyEvent) -> Option<Action> {
    lookup(context, key).map(|p| p.action)
}

/// Every binding of `context`, in table order (what the help lists).
pub fn bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    KEYMAP.iter().filter(move |b| b.applies_in(context))
}

/// The bindings shown in the footer for `context`.
pub fn footer(context: Context) -> impl Iterator<Item = &'static Binding> {
    bindings(context).filter(|b| b.in_footer)
}

/// The binding of `action` in `context`, for dialogs that show a key
/// next to its current setting.
pub fn binding_of(context: Context, action: Action) -> Option<&'static Binding> {
    bindings(context).find(|b| b.keys.iter().any(|(_, a)| *a == action))
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
        for ctx in Context::ALL {
            let keys: Vec<(Pattern, bool, bool)> = bindings(ctx)
                .flat_map(|b| b.keys.iter().map(|(k, _)| (k.pattern, k.ctrl, k.shift)))
                .collect();
            assert!(!keys.is_empty(), "{ctx:?} has keys");
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{a:?} bound twice in {ctx:?}");
            }
        }
    }

    #[test]
    fn labels_name_their_keys() {
        for b in KEYMAP {
            for (key, _) in b.keys.iter().filter(|(k, _)| !k.alias) {
                let w = key.written();
                assert!(
                    b.label.contains(&w),
                    "the label `{}` does not name {w}",
                    b.label
                );
            }
        }
    }

    #[test]
    fn shifted_letters_and_ctrl() {
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            action(Context::Ui, &ev(KeyCode::Char('D'), shift)),
            Some(Action::DenyPick)
        );
        assert_eq!(
            action(Context::Ui, &ev(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some(Action::Deny)
        );
        // Ctrl-d is not d.
        assert_eq!(
            action(Context::Ui, &ev(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(
            action(
                Context::Program,
                &ev(KeyCode::Char('5'), KeyModifiers::CONTROL)
            ),
            Some(Action::LeaveProgram)
        );
        assert_eq!(
            action(
                Context::Program,
                &ev(KeyCode::Char('a'), KeyModifiers::NONE)
            ),
            None
        );
    }

    #[test]
    fn shift_page_keys_scroll_the_program_pane() {
        let shift = KeyModifiers::SHIFT;
        let none = KeyModifiers::NONE;
        for ctx in [Context::Ui, Context::Program] {
            assert_eq!(
                action(ctx, &ev(KeyCode::PageUp, shift)),
                Some(Action::ProgramBack)
            );
            assert_eq!(
                action(ctx, &ev(KeyCode::PageDown, shift)),
                Some(Action::ProgramForward)
            );
        }
        // Without Shift, PgUp is still the history's and goes to the program.
        assert_eq!(
            action(Context::Ui, &ev(KeyCode::PageUp, none)),
            Some(Action::PageUp)
        );
        assert_eq!(action(Context::Program, &ev(KeyCode::PageUp, none)), None);
        // A binding without Shift still takes the key with it.
        assert_eq!(
            action(Context::Ui, &ev(KeyCode::Up, shift)),
            Some(Action::Up)
        );
        assert_eq!(
            action(Context::Ui, &ev(KeyCode::Char('&'), shift)),
            Some(Action::FilterHistory)
        );
    }

    #[test]
    fn bound_keys_before_typed_characters_and_any_key() {
        let none = KeyModifiers::NONE;
        // In a text field letters are typed, Backspace erases.
        assert_eq!(
            lookup(Context::DenyWith, &ev(KeyCode::Char('k'), none)),
            Some(Press {
                action: Action::Type,
                typed: Some('k')
            })
        );
        assert_eq!(
            action(Context::DenyWith, &ev(KeyCode::Backspace, none)),
            Some(Action::Erase)
        );
        // Ctrl-a types nothing.
        assert_eq!(
            action(
                Context::DenyWith,
                &ev(KeyCode::Char('a'), KeyModifiers::CONTROL)
            ),
            None
        );
        // In the help k scrolls and any other key closes.
        assert_eq!(
            action(Context::Help, &ev(KeyCode::Char('k'), none)),
            Some(Action::Up)
        );
        assert_eq!(
            action(Context::Help, &ev(KeyCode::Char('x'), none)),
            Some(Action::Cancel)
        );
        assert_eq!(
            action(Context::Help, &ev(KeyCode::F(1), none)),
            Some(Action::Cancel)
        );
    }
}
