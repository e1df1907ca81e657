//! The TUI's state and its reactions to keys and supervisor events.
//!
//! `App` never talks to the kernel or the terminal: it turns input into
//! [`Command`]s that the runtime carries out, and the `ui` module renders
//! it without changing it. So every screen and every key can be tested
//! without a target.

pub mod dialogs;
pub mod explain;
pub mod find;
pub mod keymap;
pub mod notes;
mod policy;
pub mod termkeys;
mod text_input;

pub use dialogs::{Dialog, ScopeDialog, errno_matches};
pub use text_input::TextInput;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};

use crate::errno::Errno;
use crate::model::emulation as emulate;
use crate::model::{Answer, DecidedBy};
use crate::model::{Call, Container};
use crate::model::{Outcome, Record, Tally};
use crate::output::exec::ExecWatch;
use crate::output::summary;
use crate::policy::rules::{RuleId, RuleSet};
use crate::supervisor::{Decision, Event};
use dialogs::{RuleList, Scroll};
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
    /// Change the rule list (from the rule-list dialog).
    EditRule(RuleEdit),
    /// Run the rule list over the waiting calls again (after an edit that
    /// can decide more of them).
    Reconsider,
    /// Write the session rules marked "save" to this file.
    SaveRules(std::path::PathBuf),
    /// Stop the timeout countdown of this call.
    Hold(u64),
}

/// An edit of the live rule list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleEdit {
    SetEnabled(RuleId, bool),
    /// One place towards the front (tried earlier).
    MoveUp(RuleId),
    MoveDown(RuleId),
    Delete(RuleId),
}

impl RuleEdit {
    /// Carries the edit out; false when there is no such rule (or it
    /// cannot move further).
    pub fn apply(self, rules: &RuleSet) -> bool {
        match self {
            RuleEdit::SetEnabled(id, on) => rules.set_enabled(id, on),
            RuleEdit::MoveUp(id) => rules.move_up(id),
            RuleEdit::MoveDown(id) => rules.move_down(id),
            RuleEdit::Delete(id) => rules.remove(id).is_some(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuitHow {
    /// Kill the program (and so answer whatever it has pending).
    Kill,
    /// Let the program run on under a holder that answers its calls by
    /// the rules and the default action, until someone re-attaches.
    Detach,
    /// Close the listener and let the program run on without us; its
    /// trapped calls then fail with ENOSYS.
    CloseListener,
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

/// Facts fixed for the whole session.
#[derive(Clone, Debug)]
pub struct Config {
    pub errno: Errno,
    pub history_cap: usize,
    /// The --log file, if any (what history skips is kept there).
    pub log: Option<PathBuf>,
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
/// Lines the program pane keeps above its screen (Shift-PgUp shows them).
pub const SCROLLBACK: usize = 10_000;
/// The program's latest output kept to redraw its pane at a new size
/// (see [`App::resize_program`]); at most twice this is held.
const OUTPUT_KEPT: usize = 256 * 1024;

/// The program's screen at `rows` × `cols`, 2 × 2 at least: vt100 0.16
/// panics wrapping a line on a single row, or a wide character in a
/// single column.
fn parser(rows: u16, cols: u16) -> vt100::Parser {
    let (rows, cols) = parser_size(rows, cols);
    vt100::Parser::new(rows, cols, SCROLLBACK)
}

fn parser_size(rows: u16, cols: u16) -> (u16, u16) {
    (rows.max(2), cols.max(2))
}

pub struct App {
    pub config: Config,
    pub pending: Vec<PendingCall>,
    /// The selected pending call, by notification id: an index would move
    /// to another call when an earlier one is answered or goes away.
    pub selected: Option<u64>,
    pub history: VecDeque<Box<Record>>,
    /// The selected history entry as an offset from the newest (0 = the
    /// newest); `None` follows the newest.
    pub history_back: Option<usize>,
    pub focus: Focus,
    pub dialog: Option<Dialog>,
    pub state: TargetState,
    /// Processes the program started that still run after it exited
    /// (its session stays open for them).
    pub still_running: usize,
    pub counts: Tally,
    /// Answered calls passed over while the screen was behind (counted
    /// in `counts` too; the log has them all).
    pub not_drawn: u64,
    pub continue_mode: bool,
    /// A short message for the person, and when it was shown.
    pub message: Option<(String, Instant)>,
    /// The program's terminal.
    pub screen: vt100::Parser,
    /// The program's latest output, replayed into `screen` when the pane
    /// changes size.
    output: Vec<u8>,
    /// Rows in a page of the history pane, as last drawn.
    pub page: usize,
    /// The supervisor failed for good.
    pub failed: Option<String>,
    /// The log could not be written (kept on the status line: the message
    /// line may have moved on before anyone looked).
    pub log_failed: bool,
    /// Which allowed execve ran, and what the process became (by the
    /// execve's notification id).
    pub execs: ExecWatch,
    pub ran: HashMap<u64, Vec<u8>>,
    /// The detail pane's scroll: the call it was scrolled for, and how far.
    pub detail_scroll: (Option<u64>, u16),
    /// The live rule list, shared with the supervisor.
    pub rules: Arc<RuleSet>,
    /// `unotify-tui attach`: the process is someone else's (no program
    /// pane, never killed).
    pub attached: Option<AttachedView>,
    /// `unotify-tui agent`: the containers (no program pane; its place
    /// lists them).
    pub agent: Option<AgentView>,
    /// Attached, `q` was pressed once while calls waited (the second
    /// leaves).
    quit_asked: bool,
    /// Whether the detail pane shows the call's stack (`b`), when it was
    /// captured (`--stack`).
    pub show_stack: bool,
    /// Entries ever added to history: the sequence number of the next.
    pub history_seq: u64,
    /// `&`: history shows only the entries matching this.
    pub filter: Option<find::HistoryFilter>,
    /// `/`: the last search, for `n` and `N`.
    pub search: Option<find::Query>,
    /// Every answered call counted per syscall (the recorder thread fills
    /// it, so it has the calls history passed over too): the stats view
    /// and `--summary`.
    pub summary: summary::Shared,
}

/// What the TUI shows of an attached process.
#[derive(Clone, Debug)]
pub struct AttachedView {
    /// `pid 4242 (target), listener fd 3`, escaped.
    pub label: String,
    /// What calls still waiting get when the person leaves
    /// (`--default-action`).
    pub leave_answer: Answer,
}

/// What the TUI shows of the agent: where it listens and the containers
/// it has seen.
#[derive(Clone, Debug, Default)]
pub struct AgentView {
    /// The socket's path, escaped.
    pub socket: String,
    pub containers: Vec<ContainerRow>,
}

/// One container the agent has seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerRow {
    /// Its id and metadata: the runtime's strings (escape them).
    pub container: Arc<Container>,
    /// The container process's pid on the host, as its runtime said.
    pub pid: Option<i64>,
    /// Trapped calls answered so far.
    pub calls: u64,
    /// Still supervised (its listener is open).
    pub live: bool,
}

impl AgentView {
    /// How many containers are still supervised.
    pub fn live(&self) -> usize {
        self.containers.iter().filter(|c| c.live).count()
    }
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
            still_running: 0,
            counts: Tally::default(),
            not_drawn: 0,
            continue_mode: false,
            message: None,
            screen: parser(rows, cols),
            output: Vec::new(),
            page: 10,
            failed: None,
            log_failed: false,
            execs: ExecWatch::default(),
            ran: HashMap::new(),
            detail_scroll: (None, 0),
            show_stack: true,
            rules: Default::default(),
            attached: None,
            agent: None,
            quit_asked: false,
            history_seq: 0,
            filter: None,
            search: None,
            summary: Default::default(),
        }
    }

    /// The selected pending call's index (a call the filter hides is
    /// never the selected one: keys act on what is shown).
    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected?;
        self.pending
            .iter()
            .position(|p| p.call.notif.id == id)
            .filter(|&i| self.pending_shown(&self.pending[i].call))
    }

    /// Whether the pending list shows `call`: a filter naming a
    /// container (`&`, `C`) hides the other containers' calls.
    pub fn pending_shown(&self, call: &Call) -> bool {
        self.filter
            .as_ref()
            .is_none_or(|f| f.query.container_matches(call))
    }

    /// The indices of the pending calls shown, in order.
    pub fn shown_pending(&self) -> Vec<usize> {
        (0..self.pending.len())
            .filter(|&i| self.pending_shown(&self.pending[i].call))
            .collect()
    }

    /// After the filter changed: the selection moves to a call shown.
    pub(crate) fn select_shown_pending(&mut self) {
        if self.selected_index().is_none() {
            self.selected = self
                .shown_pending()
                .first()
                .map(|&i| self.pending[i].call.notif.id);
        }
    }

    /// The agent's containers, as the runtime found them now; true when
    /// they changed.
    pub fn set_containers(&mut self, rows: Vec<ContainerRow>) -> bool {
        match &mut self.agent {
            Some(a) if a.containers != rows => {
                a.containers = rows;
                true
            }
            _ => false,
        }
    }

    /// `C`: show only the next container's calls (pending and history),
    /// then every container's again.
    fn next_container(&mut self, now: Instant) -> Vec<Command> {
        let Some(a) = &self.agent else {
            self.say(
                "C shows one container's calls: for `unotify-tui agent`",
                now,
            );
            return Vec::new();
        };
        let mut ids: Vec<String> = Vec::new();
        for r in &a.containers {
            if !ids.contains(&r.container.id) {
                ids.push(r.container.id.clone());
            }
        }
        if ids.is_empty() {
            self.say("no container has connected yet", now);
            return Vec::new();
        }
        let current = self
            .filter
            .as_ref()
            .filter(|f| f.query.names_container())
            .map(|f| f.query.to_string());
        let at = ids
            .iter()
            .position(|id| Some(find::Query::container(id).to_string()) == current);
        let next = match at {
            None => Some(0),
            Some(i) if i + 1 < ids.len() => Some(i + 1),
            Some(_) => None,
        };
        match next {
            Some(i) => {
                let q = find::Query::container(&ids[i]);
                self.filter_by(q, now);
                let shown = self.shown_pending().len();
                self.say(
                    format!(
                        "only container {}: {shown} waiting, {} in history (C: the next \
                         container, & changes the filter)",
                        crate::escape::escape_bytes(ids[i].as_bytes()),
                        self.view_len()
                    ),
                    now,
                );
            }
            None => {
                self.filter = None;
                self.history_back = None;
                self.select_shown_pending();
                self.say("every container's calls are shown again", now);
            }
        }
        Vec::new()
    }

    pub fn selected_call(&self) -> Option<&PendingCall> {
        self.selected_index().map(|i| &self.pending[i])
    }

    /// The call the detail pane shows, by notification id.
    pub fn shown_id(&self) -> Option<u64> {
        if self.focus == Focus::History {
            self.selected_record().map(|r| r.call.notif.id)
        } else {
            self.selected_call().map(|p| p.call.notif.id)
        }
    }

    /// How far the detail pane is scrolled: back to the top for another call.
    pub fn detail_offset(&self) -> u16 {
        match self.detail_scroll {
            (id, at) if id.is_some() && id == self.shown_id() => at,
            _ => 0,
        }
    }

    /// The history entry the history pane has selected.
    pub fn selected_record(&self) -> Option<&Record> {
        let back = self.history_back.unwrap_or(0);
        let n = self.view_len();
        if n == 0 {
            return None;
        }
        self.view_get(n - 1 - back.min(n - 1))
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
                // A q pressed before this call came did not mean it.
                self.quit_asked = false;
                if self.selected_index().is_none() && self.pending_shown(&call) {
                    self.selected = Some(call.notif.id);
                }
                let deadline = self.config.timeout.map(|t| call.received.to_instant() + t);
                self.pending.push(PendingCall {
                    call,
                    cwd,
                    gone_since: None,
                    gone: None,
                    deadline,
                });
            }
            Event::Answered(rec) => {
                if let Some(exec) = self.execs.saw(&rec) {
                    if self.ran.len() >= self.config.history_cap.max(1) {
                        self.ran.clear();
                    }
                    self.ran.insert(exec.notif.id, rec.call.proc.exe.to_vec());
                }
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
                        self.push_history(rec);
                    }
                    None => self.push_history(rec),
                }
            }
            // A launch learns the end from the program's exit; attached,
            // the hang-up is all there is.
            Event::ListenerClosed if self.attached.is_some() => {
                self.state = TargetState::Exited(0);
                self.say(
                    "the listener hung up: every process under the filter is gone; q quits",
                    now,
                );
            }
            Event::ListenerClosed => {}
            Event::Failed(msg) => {
                self.say(format!("supervisor stopped: {msg}"), now);
                self.failed = Some(msg);
            }
        }
    }

    /// Calls were answered while the screen could not keep up: counted,
    /// not drawn.
    pub fn on_not_drawn(&mut self, n: Tally, now: Instant) {
        if self.not_drawn == 0 {
            let where_ = if self.config.log.is_some() {
                "every call is in the log"
            } else {
                "--log keeps every call"
            };
            self.say(
                format!(
                    "calls come faster than the screen can draw: history skips some ({where_})"
                ),
                now,
            );
        }
        self.not_drawn += n.answered;
        self.counts.merge(&n);
    }

    /// The log could not be written: said now, and marked until the end.
    pub fn on_output_failed(&mut self, what: String, now: Instant) {
        self.say(what, now);
        self.log_failed = true;
    }

    /// The program output some bytes.
    pub fn on_output(&mut self, bytes: &[u8]) {
        self.screen.process(bytes);
        self.output.extend_from_slice(bytes);
        if self.output.len() > 2 * OUTPUT_KEPT {
            // Cut at a line's start, so the replay starts with whole lines.
            let from = self.output.len() - OUTPUT_KEPT;
            let cut = self.output[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(from, |i| from + i + 1);
            self.output.drain(..cut);
        }
    }

    /// Shift-PgUp (`back`) and Shift-PgDn: the program pane moves by a
    /// page through its scrollback.
    pub fn scroll_program(&mut self, back: bool) {
        let page = usize::from(self.screen.screen().size().0.saturating_sub(1).max(1));
        let at = self.screen.screen().scrollback();
        let to = if back {
            at.saturating_add(page)
        } else {
            at.saturating_sub(page)
        };
        // vt100 stops at the oldest line kept.
        self.screen.screen_mut().set_scrollback(to);
    }

    /// How far the program pane is scrolled back, in lines (0: following
    /// the program).
    pub fn program_scrolled(&self) -> usize {
        self.screen.screen().scrollback()
    }

    /// The program pane was resized. vt100's own resize cuts off the rows
    /// and columns that no longer fit, and growing again brings back only
    /// blanks; instead the screen is rebuilt at the new size from the
    /// output kept, so lines re-wrap and come back as a terminal shows
    /// them. A full-screen program redraws itself anyway (the pty's size
    /// follows the pane, and it gets SIGWINCH).
    pub fn resize_program(&mut self, rows: u16, cols: u16) {
        if self.screen.screen().size() == parser_size(rows, cols) {
            return;
        }
        self.screen = parser(rows, cols);
        self.screen.process(&self.output);
    }

    pub fn on_exit(&mut self, code: i32, now: Instant) {
        self.state = TargetState::Exited(code);
        if self.focus == Focus::Program {
            self.focus = Focus::Pending;
        }
        let n = self.still_running;
        let msg = match n {
            0 => format!("the program exited with status {code}; q quits"),
            1 => format!(
                "the program exited with status {code}; 1 process it started still runs (q asks)"
            ),
            n => format!(
                "the program exited with status {code}; {n} processes it started still run (q asks)"
            ),
        };
        self.say(msg, now);
    }

    /// How many processes the program started still run after it exited.
    pub fn on_still_running(&mut self, n: usize) {
        self.still_running = n;
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
            // The next call shown takes the place of the one that left.
            let shown = self.shown_pending();
            self.selected = shown
                .iter()
                .find(|&&j| j >= i)
                .or(shown.last())
                .map(|&j| self.pending[j].call.notif.id);
        }
        Some(p)
    }

    /// Moves a gone call to history, with the supervisor's record of it.
    fn retire_gone(&mut self, id: u64) {
        if let Some(rec) = self.remove_pending(id).and_then(|p| p.gone) {
            self.push_history(rec);
        }
    }

    fn push_history(&mut self, rec: Box<Record>) {
        self.counts.add(&rec);
        let shown_before = self.view_len();
        let mut dropped = None;
        if self.history.len() >= self.config.history_cap.max(1) {
            self.history.pop_front();
            dropped = Some(self.history_seq - self.config.history_cap.max(1) as u64);
        }
        self.history.push_back(rec);
        self.history_seq += 1;
        self.filter_pushed(dropped);
        // Keep the same entry selected as new ones arrive below it (while
        // none leaves at the top).
        if self.view_len() > shown_before
            && let Some(back) = self.history_back.as_mut()
        {
            *back += 1;
        }
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
            return self.program_key(key);
        }
        // Any key while a call is selected means someone is looking at it:
        // its countdown stops.
        let mut out = self.hold_selected();
        if let Some(a) = keymap::action(Context::Ui, &key) {
            out.extend(self.action(a, now));
        }
        out
    }

    /// A key in the program pane: it goes to the program, except the one
    /// that leaves the pane.
    fn program_key(&mut self, key: KeyEvent) -> Vec<Command> {
        match keymap::action(Context::Program, &key) {
            Some(Action::LeaveProgram) => return self.leave_program(),
            Some(a @ (Action::ProgramBack | Action::ProgramForward)) => {
                self.scroll_program(a == Action::ProgramBack);
                return Vec::new();
            }
            _ => {}
        }
        if self.state != TargetState::Running {
            return Vec::new();
        }
        // Typing answers what the program shows now.
        self.screen.screen_mut().set_scrollback(0);
        termkeys::bytes(&key)
            .map(Command::ToProgram)
            .into_iter()
            .collect()
    }

    /// Carries out a main-screen action.
    pub fn action(&mut self, a: Action, now: Instant) -> Vec<Command> {
        match a {
            Action::Allow => self.answer(Answer::Allow, now),
            Action::Deny => self.answer(Answer::Deny(self.config.errno), now),
            Action::DenyPick => self.open_errno_picker(false, now),
            Action::Return => self.open_return(now),
            Action::Emulate => self.emulate(now),
            Action::AlwaysAllow => self.open_scope(Answer::Allow, now),
            Action::AlwaysDeny => self.open_errno_picker(true, now),
            Action::AlwaysEmulate => self.open_scope(Answer::Emulate, now),
            Action::RuleList => self.open(Dialog::Rules(RuleList::default())),
            Action::Save => self.save(now),
            Action::Continue => self.continue_all(now),
            Action::Pause => self.pause(now),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => {
                self.move_selection(a);
                Vec::new()
            }
            Action::Focus => self.next_focus(now),
            Action::Filter => self.open(Dialog::Filter(Scroll::default())),
            Action::Help => self.open(Dialog::Help(Scroll::default())),
            Action::DetailUp | Action::DetailDown => {
                let step = if a == Action::DetailUp { -3 } else { 3 };
                let at = (i32::from(self.detail_offset()) + step).clamp(0, i32::from(u16::MAX));
                self.detail_scroll = (self.shown_id(), at as u16);
                Vec::new()
            }
            Action::ToggleStack => {
                self.show_stack = !self.show_stack;
                let what = if self.show_stack { "shown" } else { "hidden" };
                self.say(format!("stack {what} in the detail pane"), now);
                Vec::new()
            }
            Action::Quit => self.quit(),
            Action::LeaveProgram => self.leave_program(),
            Action::Search => self.open_search(),
            Action::SearchOlder | Action::SearchNewer => {
                self.search_again(a == Action::SearchOlder, now);
                Vec::new()
            }
            Action::FilterHistory => self.open_filter(),
            Action::NextContainer => self.next_container(now),
            Action::Stats => self.open(Dialog::Stats(Default::default())),
            Action::ProgramBack | Action::ProgramForward => {
                self.scroll_program(a == Action::ProgramBack);
                Vec::new()
            }
            // Dialog keys: the main screen binds none of them.
            Action::Type
            | Action::Erase
            | Action::Confirm
            | Action::Cancel
            | Action::Narrow
            | Action::Keep
            | Action::ToggleRule
            | Action::MoveRuleUp
            | Action::MoveRuleDown
            | Action::DeleteRule
            | Action::Kill
            | Action::Detach
            | Action::SortNext
            | Action::SortPrev
            | Action::CloseListener => Vec::new(),
        }
    }

    /// `e`: emulate the selected call, unless it has no emulation.
    fn emulate(&mut self, now: Instant) -> Vec<Command> {
        let Some(p) = self.answerable(now) else {
            return Vec::new();
        };
        if let Some(why) = emulate::refusal(&p.call) {
            self.say(why, now);
            return Vec::new();
        }
        self.answer(Answer::Emulate, now)
    }

    /// `space`: leave continue mode.
    fn pause(&mut self, now: Instant) -> Vec<Command> {
        if self.continue_mode {
            self.continue_mode = false;
            self.say("paused: the next trapped call waits for you", now);
            vec![Command::SetContinue(false)]
        } else {
            self.say("already asking for every call (c continues)", now);
            Vec::new()
        }
    }

    /// `Tab`: pending → history → program (while it runs) → pending.
    fn next_focus(&mut self, now: Instant) -> Vec<Command> {
        self.focus = match self.focus {
            Focus::Pending => Focus::History,
            Focus::History
                if self.state == TargetState::Running
                    && self.attached.is_none()
                    && self.agent.is_none() =>
            {
                Focus::Program
            }
            Focus::History | Focus::Program => Focus::Pending,
        };
        if self.focus == Focus::Program {
            self.say("keys now go to the program; Ctrl-] comes back", now);
        }
        Vec::new()
    }

    fn leave_program(&mut self) -> Vec<Command> {
        self.focus = Focus::Pending;
        // The message that said keys go to the program is no longer true.
        self.say("keys are back with unotify-tui", Instant::now());
        Vec::new()
    }

    /// `q`: asks while the program, or anything it started, runs; quits
    /// at once after they all exited.
    fn quit(&mut self) -> Vec<Command> {
        if let Some(a) = &self.agent {
            // Containers still running lose their supervisor: asked first.
            return if a.live() > 0 {
                self.open(Dialog::QuitAgent)
            } else {
                vec![Command::Quit(QuitHow::CloseListener)]
            };
        }
        if let Some(a) = &self.attached {
            // Leaving never harms the process, so no dialog; but calls
            // still waiting would get the default action, so the first q
            // says so.
            let waiting = self.waiting();
            if self.state != TargetState::Running {
                return vec![Command::Quit(QuitHow::Exited)];
            }
            if waiting == 0 || self.quit_asked {
                return vec![Command::Quit(QuitHow::Detach)];
            }
            let msg = format!(
                "{waiting} call{} still wait{}: answer, or q again to leave ({} then)",
                if waiting == 1 { "" } else { "s" },
                if waiting == 1 { "s" } else { "" },
                a.leave_answer
            );
            self.quit_asked = true;
            self.say(msg, Instant::now());
            return Vec::new();
        }
        if self.state == TargetState::Running || self.still_running > 0 {
            self.open(Dialog::Quit)
        } else {
            vec![Command::Quit(QuitHow::Exited)]
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
                let n = self.view_len();
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
                // Over the calls shown (a container filter hides some).
                let shown = self.shown_pending();
                let n = shown.len();
                if n == 0 {
                    return;
                }
                let i = self
                    .selected_index()
                    .and_then(|s| shown.iter().position(|&j| j == s))
                    .unwrap_or(0);
                let i = match a {
                    Action::Up => i.saturating_sub(1),
                    Action::Down => (i + 1).min(n - 1),
                    Action::PageUp => i.saturating_sub(self.page.max(1)),
                    Action::PageDown => (i + self.page.max(1)).min(n - 1),
                    Action::Top => 0,
                    _ => n - 1,
                };
                self.selected = Some(self.pending[shown[i]].call.notif.id);
            }
        }
    }
}
