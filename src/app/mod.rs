//! The TUI's state and its reactions to keys and supervisor events.
//!
//! `App` never talks to the kernel or the terminal: it turns input into
//! [`Command`]s that the runtime carries out, and the `ui` module renders
//! it without changing it. So every screen and every key can be tested
//! without a target.

pub mod explain;
pub mod keymap;
pub mod notes;
mod policy;
pub use policy::ScopeDialog;
pub mod termkeys;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::errno::Errno;
use crate::model::Call;
use crate::model::emulation as emulate;
use crate::model::{Answer, DecidedBy, parse_value};
use crate::model::{Outcome, Record};
use crate::supervisor::{Decision, Event};
use keymap::{Action, Context};

/// What the runtime must do for the app.
#[derive(Debug)]
pub enum Command {
    /// Send this answer to the supervisor.
    Decide(Decision),
    /// Switch the supervisor's continue mode.
    SetContinue(bool),
    /// Bytes typed into the program pane.
    ToProgram(Vec<u8>),
    /// End the session.
    Quit(QuitHow),
    /// Put this rule first and let it answer the waiting calls it matches.
    AddRule(Box<crate::policy::rules::Rule>),
    /// Run the rule list over the waiting calls again (after an edit that
    /// can decide more of them).
    Reconsider,
    /// Write the session rules marked "save" to this file.
    SaveRules(std::path::PathBuf),
    /// Stop the timeout countdown of this call.
    Hold(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuitHow {
    /// Kill the program (and so answer whatever it has pending).
    Kill,
    /// Close the listener and let the program run on without us; its
    /// trapped calls then fail with ENOSYS.
    Detach,
    /// The program is gone already.
    Exited,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Pending,
    History,
    Program,
}

/// The state of the supervised program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetState {
    Running,
    /// Exited with this shell-style status (128+N for signal N).
    Exited(i32),
}

/// A call waiting for a person.
#[derive(Clone, Debug)]
pub struct PendingCall {
    pub call: Arc<Call>,
    /// The target thread's cwd when the call arrived (escaped on display).
    pub cwd: Option<Vec<u8>>,
    /// When the call was found to be gone (interrupted, or the target died).
    pub gone_since: Option<Instant>,
    /// The supervisor's record of the call going away; it moves to history
    /// once the person has had a moment to see the call marked gone.
    pub gone: Option<Box<Record>>,
    /// When the timeout answers it; `None` without a timeout or once the
    /// person touched it.
    pub deadline: Option<Instant>,
}

/// A modal dialog over the main screen.
#[derive(Clone, Debug)]
pub enum Dialog {
    /// `D` (and `X`, before the scope): choose an errno. `input` filters
    /// the list (a name, part of one, or a number); `selected` indexes the
    /// filtered list; `always` goes on to the scope dialog.
    Errno {
        input: String,
        selected: usize,
        always: bool,
    },
    /// `r`: type the value to return. `error` says why the last Enter was
    /// refused.
    Return {
        input: String,
        error: Option<String>,
    },
    Help {
        scroll: u16,
    },
    Filter {
        scroll: u16,
    },
    /// `q`: kill (default) or let it run.
    Quit,
    /// `A`, `X`, `E`: which calls the new rule covers, and for how long.
    Scope(policy::ScopeDialog),
    /// `R`: the rule list.
    Rules {
        selected: usize,
    },
    /// `w` without `--save-rules`: where to write.
    SavePath {
        input: String,
        error: Option<String>,
    },
}

/// Counts for the status line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub answered: u64,
    pub by_rules: u64,
    pub by_you: u64,
    pub by_continue: u64,
    pub by_timeout: u64,
    pub gone: u64,
}

/// Facts fixed for the whole session.
#[derive(Clone, Debug)]
pub struct Config {
    pub errno: Errno,
    pub history_cap: usize,
    /// Kernel features in use, by name, for the status line.
    pub features: Vec<&'static str>,
    /// The trap set as given (`@file,@net,@exec`).
    pub trap: String,
    /// The BPF filter, disassembled and commented.
    pub filter: Vec<String>,
    /// The program and its arguments, escaped.
    pub program: String,
    /// When the session started: history shows times relative to it.
    pub started: SystemTime,
    /// `--timeout`: how long a call waits before the timeout answers it.
    pub timeout: Option<Duration>,
    /// `--save-rules`: where `w` writes.
    pub save_path: Option<std::path::PathBuf>,
}

/// How long a gone call stays in the pending list before it moves to
/// history, so the person sees what happened to it.
pub const GONE_LINGER: Duration = Duration::from_secs(3);
/// How long a message in the status area stays.
const MESSAGE_TIME: Duration = Duration::from_secs(6);
/// Lines the program pane keeps above its screen.
const SCROLLBACK: usize = 1000;

pub struct App {
    pub config: Config,
    pub pending: Vec<PendingCall>,
    /// The selected pending call, by notification id: an index would move
    /// to another call when an earlier one is answered or goes away.
    pub selected: Option<u64>,
    pub history: VecDeque<Record>,
    /// The selected history entry as an offset from the newest (0 = the
    /// newest); `None` follows the newest.
    pub history_back: Option<usize>,
    pub focus: Focus,
    pub dialog: Option<Dialog>,
    pub state: TargetState,
    pub counts: Counts,
    pub continue_mode: bool,
    /// A short message for the person, and when it was shown.
    pub message: Option<(String, Instant)>,
    /// The program's terminal.
    pub screen: vt100::Parser,
    /// Rows in a page of the history pane, as last drawn.
    pub page: usize,
    /// The supervisor failed for good.
    pub failed: Option<String>,
    /// The live rule list, shared with the supervisor.
    pub rules: std::sync::Arc<crate::policy::rules::RuleSet>,
}

impl App {
    pub fn new(config: Config, rows: u16, cols: u16) -> App {
        App {
            config,
            pending: Vec::new(),
            selected: None,
            history: VecDeque::new(),
            history_back: None,
            focus: Focus::Pending,
            dialog: None,
            state: TargetState::Running,
            counts: Counts::default(),
            continue_mode: false,
            message: None,
            screen: vt100::Parser::new(rows.max(1), cols.max(1), SCROLLBACK),
            page: 10,
            failed: None,
            rules: Default::default(),
        }
    }

    /// The selected pending call's index.
    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected?;
        self.pending.iter().position(|p| p.call.notif.id == id)
    }

    pub fn selected_call(&self) -> Option<&PendingCall> {
        self.selected_index().map(|i| &self.pending[i])
    }

    /// The history entry the history pane has selected.
    pub fn selected_record(&self) -> Option<&Record> {
        let back = self.history_back.unwrap_or(0);
        let n = self.history.len();
        if n == 0 {
            return None;
        }
        self.history.get(n - 1 - back.min(n - 1))
    }

    pub fn say(&mut self, msg: impl Into<String>, now: Instant) {
        self.message = Some((msg.into(), now));
    }

    /// The message to show, if it is still fresh.
    pub fn current_message(&self, now: Instant) -> Option<&str> {
        match &self.message {
            Some((m, at)) if now.duration_since(*at) < MESSAGE_TIME => Some(m),
            _ => None,
        }
    }

    /// Pending calls still answerable (not gone).
    pub fn waiting_calls(&self) -> impl Iterator<Item = &Arc<Call>> {
        self.pending
            .iter()
            .filter(|p| p.gone_since.is_none())
            .map(|p| &p.call)
    }

    /// How many calls are still answerable.
    pub fn waiting(&self) -> usize {
        self.waiting_calls().count()
    }

    // ----- supervisor side -------------------------------------------------

    /// Takes one supervisor event. `cwd` is the calling thread's cwd for a
    /// pending call (the runtime reads it; the app does no I/O).
    pub fn on_event(&mut self, ev: Event, cwd: Option<Vec<u8>>, now: Instant) {
        match ev {
            Event::Pending(call) => {
                if self.selected_index().is_none() {
                    self.selected = Some(call.notif.id);
                }
                let deadline = self.config.timeout.map(|t| call.received + t);
                self.pending.push(PendingCall {
                    call,
                    cwd,
                    gone_since: None,
                    gone: None,
                    deadline,
                });
            }
            Event::Answered(rec) => {
                let id = rec.call.notif.id;
                let vanished = rec.answer.is_none() && rec.outcome == Outcome::Gone;
                match self.pending.iter_mut().find(|p| p.call.notif.id == id) {
                    // Marked gone in place first, so it does not just vanish.
                    Some(p) if vanished => {
                        p.gone_since = Some(now);
                        p.gone = Some(rec);
                    }
                    Some(_) => {
                        self.remove_pending(id);
                        self.push_history(*rec);
                    }
                    None => self.push_history(*rec),
                }
            }
            Event::ListenerClosed => {}
            Event::Failed(msg) => {
                self.say(format!("supervisor stopped: {msg}"), now);
                self.failed = Some(msg);
            }
        }
    }

    /// The program output some bytes.
    pub fn on_output(&mut self, bytes: &[u8]) {
        self.screen.process(bytes);
    }

    /// The program pane was resized.
    pub fn resize_program(&mut self, rows: u16, cols: u16) {
        self.screen.screen_mut().set_size(rows.max(1), cols.max(1));
    }

    pub fn on_exit(&mut self, code: i32, now: Instant) {
        self.state = TargetState::Exited(code);
        if self.focus == Focus::Program {
            self.focus = Focus::Pending;
        }
        self.say(
            format!("the program exited with status {code}; q quits"),
            now,
        );
    }

    /// Periodic upkeep: moves calls gone for a while into history.
    pub fn on_tick(&mut self, now: Instant) {
        let expired: Vec<u64> = self
            .pending
            .iter()
            .filter(|p| {
                p.gone_since
                    .is_some_and(|t| now.duration_since(t) >= GONE_LINGER)
            })
            .map(|p| p.call.notif.id)
            .collect();
        for id in expired {
            self.retire_gone(id);
        }
    }

    fn remove_pending(&mut self, id: u64) -> Option<PendingCall> {
        let i = self.pending.iter().position(|p| p.call.notif.id == id)?;
        let was_selected = self.selected == Some(id);
        let p = self.pending.remove(i);
        if was_selected || self.selected_index().is_none() {
            // The next call takes the place of the one that left.
            self.selected = self
                .pending
                .get(i.min(self.pending.len().saturating_sub(1)))
                .map(|p| p.call.notif.id);
        }
        Some(p)
    }

    /// Moves a gone call to history, with the supervisor's record of it.
    fn retire_gone(&mut self, id: u64) {
        if let Some(rec) = self.remove_pending(id).and_then(|p| p.gone) {
            self.push_history(*rec);
        }
    }

    fn push_history(&mut self, rec: Record) {
        let c = &mut self.counts;
        c.answered += 1;
        match rec.decided_by {
            DecidedBy::Rule { .. } => c.by_rules += 1,
            DecidedBy::User => c.by_you += 1,
            DecidedBy::Continue => c.by_continue += 1,
            DecidedBy::Timeout => c.by_timeout += 1,
            DecidedBy::Default | DecidedBy::Supervisor => {}
        }
        if rec.outcome == Outcome::Gone {
            c.gone += 1;
        }
        if self.history.len() >= self.config.history_cap.max(1) {
            self.history.pop_front();
        } else if let Some(back) = self.history_back.as_mut() {
            // Keep the same entry selected as new ones arrive below it.
            *back += 1;
        }
        self.history.push_back(rec);
    }

    // ----- keys --------------------------------------------------------------

    /// Takes one key press; returns what the runtime must do.
    pub fn on_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Command> {
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        if self.dialog.is_some() {
            return self.dialog_key(key, now);
        }
        if self.focus == Focus::Program {
            if keymap::lookup(Context::Program, &key) == Some(Action::LeaveProgram) {
                self.focus = Focus::Pending;
                return Vec::new();
            }
            if self.state != TargetState::Running {
                return Vec::new();
            }
            return termkeys::bytes(&key)
                .map(Command::ToProgram)
                .into_iter()
                .collect();
        }
        // Any key while a call is selected means someone is looking at it:
        // its countdown stops.
        let mut out = self.hold_selected();
        // Ctrl-C is how people stop terminal programs: offer to quit.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            out.extend(self.action(Action::Quit, now));
            return out;
        }
        if let Some(a) = keymap::lookup(Context::Ui, &key) {
            out.extend(self.action(a, now));
        }
        out
    }

    /// Carries out a keymap action.
    pub fn action(&mut self, a: Action, now: Instant) -> Vec<Command> {
        match a {
            Action::Allow => self.answer(Answer::Allow, now),
            Action::Deny => self.answer(Answer::Deny(self.config.errno), now),
            Action::DenyPick => {
                if self.answerable(now).is_some() {
                    self.dialog = Some(Dialog::Errno {
                        input: String::new(),
                        selected: 0,
                        always: false,
                    });
                }
                Vec::new()
            }
            Action::AlwaysAllow => self.open_scope(Answer::Allow, now),
            Action::AlwaysDeny => {
                if self.answerable(now).is_some() {
                    // The default errno first in the list, ready for Enter.
                    self.dialog = Some(Dialog::Errno {
                        input: self.config.errno.name(),
                        selected: 0,
                        always: true,
                    });
                }
                Vec::new()
            }
            Action::AlwaysEmulate => self.open_scope(Answer::Emulate, now),
            Action::RuleList => {
                self.dialog = Some(Dialog::Rules { selected: 0 });
                Vec::new()
            }
            Action::Save => self.save(now),
            Action::Return => {
                if self.answerable(now).is_some() {
                    self.dialog = Some(Dialog::Return {
                        input: "0".into(),
                        error: None,
                    });
                }
                Vec::new()
            }
            Action::Emulate => {
                let Some(p) = self.answerable(now) else {
                    return Vec::new();
                };
                if let Some(why) = emulate::refusal(&p.call) {
                    self.say(why, now);
                    return Vec::new();
                }
                self.answer(Answer::Emulate, now)
            }
            Action::Continue => self.continue_all(now),
            Action::Pause => {
                if self.continue_mode {
                    self.continue_mode = false;
                    self.say("paused: the next trapped call waits for you", now);
                    vec![Command::SetContinue(false)]
                } else {
                    self.say("already asking for every call (c continues)", now);
                    Vec::new()
                }
            }
            Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                self.move_selection(a);
                Vec::new()
            }
            Action::Top | Action::Bottom => {
                self.move_selection(a);
                Vec::new()
            }
            Action::Focus => {
                self.focus = match self.focus {
                    Focus::Pending => Focus::History,
                    Focus::History if self.state == TargetState::Running => Focus::Program,
                    Focus::History | Focus::Program => Focus::Pending,
                };
                if self.focus == Focus::Program {
                    self.say("keys now go to the program; Ctrl-] comes back", now);
                }
                Vec::new()
            }
            Action::Filter => {
                self.dialog = Some(Dialog::Filter { scroll: 0 });
                Vec::new()
            }
            Action::Help => {
                self.dialog = Some(Dialog::Help { scroll: 0 });
                Vec::new()
            }
            Action::Quit => {
                if self.state == TargetState::Running {
                    self.dialog = Some(Dialog::Quit);
                    Vec::new()
                } else {
                    vec![Command::Quit(QuitHow::Exited)]
                }
            }
            Action::LeaveProgram => {
                self.focus = Focus::Pending;
                Vec::new()
            }
        }
    }

    /// The selected call if it can be answered; otherwise says why not
    /// (and moves a gone call to history).
    fn answerable(&mut self, now: Instant) -> Option<&PendingCall> {
        let Some(i) = self.selected_index() else {
            self.say("no call is waiting for an answer", now);
            return None;
        };
        if self.pending[i].gone_since.is_some() {
            let id = self.pending[i].call.notif.id;
            self.retire_gone(id);
            self.say(
                "that call went away before it was answered (a signal, or its thread exited)",
                now,
            );
            return None;
        }
        self.selected_index().map(|i| &self.pending[i])
    }

    /// Answers the selected call. It leaves the pending list at once; its
    /// history entry comes back from the supervisor with the result.
    fn answer(&mut self, answer: Answer, now: Instant) -> Vec<Command> {
        let Some(p) = self.answerable(now) else {
            return Vec::new();
        };
        let call = Arc::clone(&p.call);
        self.remove_pending(call.notif.id);
        vec![Command::Decide(Decision {
            call,
            answer,
            by: DecidedBy::User,
        })]
    }

    /// `c`: allow the selected call and everything waiting, and stop asking.
    fn continue_all(&mut self, now: Instant) -> Vec<Command> {
        let mut out = vec![Command::SetContinue(true)];
        self.continue_mode = true;
        let selected = self.selected;
        let waiting: Vec<Arc<Call>> = self.waiting_calls().cloned().collect();
        for call in waiting {
            self.remove_pending(call.notif.id);
            let by = if Some(call.notif.id) == selected {
                DecidedBy::User
            } else {
                DecidedBy::Continue
            };
            out.push(Command::Decide(Decision {
                call,
                answer: Answer::Allow,
                by,
            }));
        }
        self.say(
            "continue mode: calls are allowed without asking (space pauses)",
            now,
        );
        out
    }

    fn move_selection(&mut self, a: Action) {
        match self.focus {
            Focus::History => {
                let n = self.history.len();
                if n == 0 {
                    return;
                }
                let back = self.history_back.unwrap_or(0);
                let page = self.page.max(1);
                let back = match a {
                    Action::Up => back + 1,
                    Action::Down => back.saturating_sub(1),
                    Action::PageUp => back + page,
                    Action::PageDown => back.saturating_sub(page),
                    Action::Top => n - 1,
                    _ => 0,
                }
                .min(n - 1);
                self.history_back = if back == 0 { None } else { Some(back) };
            }
            Focus::Pending | Focus::Program => {
                let n = self.pending.len();
                if n == 0 {
                    return;
                }
                let i = self.selected_index().unwrap_or(0);
                let i = match a {
                    Action::Up => i.saturating_sub(1),
                    Action::Down => (i + 1).min(n - 1),
                    Action::PageUp => i.saturating_sub(self.page.max(1)),
                    Action::PageDown => (i + self.page.max(1)).min(n - 1),
                    Action::Top => 0,
                    _ => n - 1,
                };
                self.selected = Some(self.pending[i].call.notif.id);
            }
        }
    }

    // ----- dialogs -------------------------------------------------------------

    fn dialog_key(&mut self, key: KeyEvent, now: Instant) -> Vec<Command> {
        let Some(dialog) = self.dialog.take() else {
            return Vec::new();
        };
        let (next, out) = match dialog {
            Dialog::Errno {
                input,
                selected,
                always,
            } => self.errno_key(key, input, selected, always, now),
            Dialog::Scope(d) => self.scope_key(key, d, now),
            Dialog::Rules { selected } => self.rules_key(key, selected, now),
            Dialog::SavePath { input, error } => self.save_path_key(key, input, error, now),
            Dialog::Return { input, error } => self.return_key(key, input, error, now),
            Dialog::Help { scroll } => (
                scroll_key(key, scroll).map(|s| Dialog::Help { scroll: s }),
                vec![],
            ),
            Dialog::Filter { scroll } => (
                scroll_key(key, scroll).map(|s| Dialog::Filter { scroll: s }),
                vec![],
            ),
            Dialog::Quit => match key.code {
                KeyCode::Enter | KeyCode::Char('k') | KeyCode::Char('y') | KeyCode::Char('q') => {
                    (None, vec![Command::Quit(QuitHow::Kill)])
                }
                KeyCode::Char('l') => (None, vec![Command::Quit(QuitHow::Detach)]),
                KeyCode::Esc | KeyCode::Char('n') => (None, vec![]),
                _ => (Some(Dialog::Quit), vec![]),
            },
        };
        self.dialog = next;
        out
    }

    fn errno_key(
        &mut self,
        key: KeyEvent,
        mut input: String,
        mut selected: usize,
        always: bool,
        now: Instant,
    ) -> (Option<Dialog>, Vec<Command>) {
        let matches = errno_matches(&input);
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Enter => {
                let chosen = matches
                    .get(selected)
                    .copied()
                    .or_else(|| Errno::parse(&input).ok());
                return match chosen {
                    Some(e) if always => {
                        self.open_scope(Answer::Deny(e), now);
                        (self.dialog.take(), vec![])
                    }
                    Some(e) => (None, self.answer(Answer::Deny(e), now)),
                    None => {
                        self.say(format!("`{}` is not an errno name or number", input), now);
                        (
                            Some(Dialog::Errno {
                                input,
                                selected,
                                always,
                            }),
                            vec![],
                        )
                    }
                };
            }
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Down => selected = (selected + 1).min(matches.len().saturating_sub(1)),
            KeyCode::PageUp => selected = selected.saturating_sub(10),
            KeyCode::PageDown => selected = (selected + 10).min(matches.len().saturating_sub(1)),
            KeyCode::Backspace => {
                input.pop();
                selected = 0;
            }
            KeyCode::Char(c) if !c.is_control() && input.len() < 32 => {
                input.push(c);
                selected = 0;
            }
            _ => {}
        }
        (
            Some(Dialog::Errno {
                input,
                selected,
                always,
            }),
            vec![],
        )
    }

    fn return_key(
        &mut self,
        key: KeyEvent,
        mut input: String,
        mut error: Option<String>,
        now: Instant,
    ) -> (Option<Dialog>, Vec<Command>) {
        match key.code {
            KeyCode::Esc => return (None, vec![]),
            KeyCode::Enter => match parse_value(&input) {
                Ok(v) => return (None, self.answer(Answer::Return(v), now)),
                Err(e) => error = Some(e),
            },
            KeyCode::Backspace => {
                input.pop();
                error = None;
            }
            KeyCode::Char(c) if !c.is_control() && input.len() < 24 => {
                input.push(c);
                error = None;
            }
            _ => {}
        }
        (Some(Dialog::Return { input, error }), vec![])
    }
}

/// Help and filter views scroll; any other key closes them.
fn scroll_key(key: KeyEvent, scroll: u16) -> Option<u16> {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => Some(scroll.saturating_sub(1)),
        KeyCode::Down | KeyCode::Char('j') => Some(scroll.saturating_add(1)),
        KeyCode::PageUp => Some(scroll.saturating_sub(10)),
        KeyCode::PageDown | KeyCode::Char(' ') => Some(scroll.saturating_add(10)),
        KeyCode::Home => Some(0),
        _ => None,
    }
}

/// The errnos the picker lists for what was typed: all of them for
/// nothing; the one with that number for a number; else those whose name
/// contains the text, names starting with it first.
pub fn errno_matches(input: &str) -> Vec<Errno> {
    let t = input.trim();
    if t.is_empty() {
        return Errno::all().collect();
    }
    if let Ok(n) = t.parse::<i32>() {
        return Errno::new(n).into_iter().collect();
    }
    let up = t.to_ascii_uppercase();
    let mut starts: Vec<Errno> = Vec::new();
    let mut contains: Vec<Errno> = Vec::new();
    for e in Errno::all() {
        let name = e.name();
        if name.starts_with(&up) || name.trim_start_matches('E').starts_with(&up) {
            starts.push(e);
        } else if name.contains(&up) {
            contains.push(e);
        }
    }
    starts.extend(contains);
    starts
}
