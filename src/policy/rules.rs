//! Rule files: parsing `[[rule]]` tables into [`Rule`]s with errors that
//! name file, line and column, and deciding calls with a [`RuleSet`].
//!
//! ```toml
//! [[rule]]
//! syscall = ["mkdir", "mkdirat"]   # a name, a @group, or a list; absent = any
//! path = "/tmp/**"                 # glob (or list of globs) on the resolved path
//! action = "emulate"               # allow | deny | return | emulate | ask
//! ```
//!
//! Other keys: `errno` (deny only), `value` (return only), `port`, `addr`,
//! `comm`, `exe`, and `access = "read" | "write"` (open-family calls only).
//! The first enabled rule whose every key matches decides the call.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use syscalls::Sysno;
use toml::Spanned;
use toml::de::{DeInteger, DeTable, DeValue};

use super::matcher::{Access, Addr, Glob, OPEN_CALLS, Paths, Ports, Syscalls};
use crate::decode::groups;
use crate::errno::Errno;
use crate::escape::{escape_str, one_line};
use crate::model::Answer;
use crate::model::Call;
use crate::model::emulation::{can_emulate, emulable};

/// What a matching rule does with a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleAction {
    /// Answer at once, without asking.
    Answer(Answer),
    /// Always put the call in front of a person, even in continue mode.
    Ask,
}

impl fmt::Display for RuleAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleAction::Answer(a) => a.fmt(f),
            RuleAction::Ask => f.write_str("ask"),
        }
    }
}

/// Where a rule came from: a rule file (its display name, `builtin` for
/// the built-in rules, and the line of its `[[rule]]` header), or a
/// decision made during this session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File {
        file: String,
        line: usize,
    },
    /// Made in this session (the TUI's `A`/`X`/`E`).
    Session {
        /// When it was made.
        made: SystemTime,
        /// The call it was made from, one line, already escaped for
        /// display (`[1234 mkdir] mkdir("/tmp/x", 0777)`).
        from: String,
        /// Whether the person chose "save to the rule file" rather than
        /// "this session only".
        save: bool,
    },
}

impl Origin {
    /// A rule-file origin.
    pub fn file(file: impl Into<String>, line: usize) -> Origin {
        Origin::File {
            file: file.into(),
            line,
        }
    }

    /// Whether the rule is one of the built-in quiet rules.
    pub fn is_builtin(&self) -> bool {
        matches!(self, Origin::File { file, .. } if file == BUILTIN_FILE)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line } => write!(f, "{file}:{line}"),
            Origin::Session { .. } => f.write_str("this session"),
        }
    }
}

/// A rule's identity inside a [`RuleSet`], stable while rules are added,
/// moved and removed (positions are not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u64);

/// One rule: conditions on a call, and what to do when they all hold.
#[derive(Debug)]
pub struct Rule {
    pub action: RuleAction,
    origin: Origin,
    /// Set once, when a session rule has been written to a rule file: from
    /// then on the rule shows (and is logged with) that file and line.
    written: OnceLock<Origin>,
    /// `origin()` as text, made once: every decision carries it, and
    /// formatting it per call cost more than the rule match.
    label: Arc<str>,
    written_label: OnceLock<Arc<str>>,
    /// 0 until the rule is put into a [`RuleSet`].
    id: u64,
    /// Disabled rules are skipped by [`RuleSet::decide`]. The counters are
    /// atomic because a rule set is shared between the supervisor's
    /// receiving thread and the UI.
    enabled: AtomicBool,
    hits: AtomicU64,
    /// Microseconds since the Unix epoch of the last hit; 0 = never.
    last_hit_us: AtomicU64,
    cond: Conditions,
}

/// The keys of one rule other than its action; `None` matches anything.
#[derive(Clone, Debug, Default)]
pub(crate) struct Conditions {
    pub(crate) syscalls: Option<Syscalls>,
    pub(crate) paths: Option<Paths>,
    pub(crate) access: Option<Access>,
    pub(crate) ports: Option<Ports>,
    pub(crate) addr: Option<Addr>,
    pub(crate) comm: Option<Glob>,
    pub(crate) exe: Option<Glob>,
}

impl Clone for Rule {
    /// A copy with the same counters at this moment, counting on its own
    /// from then on.
    fn clone(&self) -> Self {
        let written = OnceLock::new();
        if let Some(o) = self.written.get() {
            let _ = written.set(o.clone());
        }
        let written_label = OnceLock::new();
        if let Some(l) = self.written_label.get() {
            let _ = written_label.set(Arc::clone(l));
        }
        Rule {
            action: self.action,
            origin: self.origin.clone(),
            written,
            label: Arc::clone(&self.label),
            written_label,
            id: self.id,
            enabled: AtomicBool::new(self.enabled()),
            hits: AtomicU64::new(self.hit_count()),
            last_hit_us: AtomicU64::new(self.last_hit_us.load(Ordering::Relaxed)),
            cond: self.cond.clone(),
        }
    }
}

impl Rule {
    pub(crate) fn from_parts(action: RuleAction, origin: Origin, cond: Conditions) -> Rule {
        Rule {
            action,
            label: origin.to_string().into(),
            origin,
            written: OnceLock::new(),
            written_label: OnceLock::new(),
            id: 0,
            enabled: AtomicBool::new(true),
            hits: AtomicU64::new(0),
            last_hit_us: AtomicU64::new(0),
            cond,
        }
    }

    pub(crate) fn conditions(&self) -> &Conditions {
        &self.cond
    }

    /// Where the rule is written: its rule file and line, or "this
    /// session" until a session rule has been saved.
    pub fn origin(&self) -> &Origin {
        self.written.get().unwrap_or(&self.origin)
    }

    /// Where the rule was first made (a session rule stays a session rule
    /// here after it was saved).
    pub fn first_origin(&self) -> &Origin {
        &self.origin
    }

    /// Records that a session rule now lives in `file` at `line`. Only the
    /// first call has an effect; returns whether it was that one.
    pub fn mark_written(&self, file: &str, line: usize) -> bool {
        let origin = Origin::file(file, line);
        let label: Arc<str> = origin.to_string().into();
        let first = self.written.set(origin).is_ok();
        if first {
            let _ = self.written_label.set(label);
        }
        first
    }

    /// [`Rule::origin`] as text (`file:line`, `this session`), without
    /// formatting it again.
    pub fn origin_label(&self) -> Arc<str> {
        Arc::clone(self.written_label.get().unwrap_or(&self.label))
    }

    /// Whether this is a session rule the person asked to save and that is
    /// not written yet.
    pub fn wants_saving(&self) -> bool {
        matches!(self.origin, Origin::Session { save: true, .. }) && self.written.get().is_none()
    }

    /// The id a [`RuleSet`] gave it (`RuleId(0)` before that).
    pub fn id(&self) -> RuleId {
        RuleId(self.id)
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::Relaxed);
    }

    /// Whether every condition of the rule holds for `call` (regardless of
    /// `enabled`).
    pub fn matches(&self, call: &Call) -> bool {
        let c = &self.cond;
        c.syscalls.as_ref().is_none_or(|s| s.contains(call.sysno))
            && c.access.is_none_or(|a| a.matches(call))
            && c.paths.as_ref().is_none_or(|p| p.matches(call))
            && c.ports.as_ref().is_none_or(|p| p.matches(call))
            && c.addr.as_ref().is_none_or(|a| a.matches(call))
            && c.comm.as_ref().is_none_or(|g| g.is_match(&call.comm))
            && c.exe.as_ref().is_none_or(|g| g.is_match(&call.exe))
    }

    /// The current hit count.
    pub fn hit_count(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// When the rule last decided a call.
    pub fn last_hit(&self) -> Option<SystemTime> {
        match self.last_hit_us.load(Ordering::Relaxed) {
            0 => None,
            us => Some(UNIX_EPOCH + Duration::from_micros(us)),
        }
    }

    /// Counts one decided call at `at` (the call's receive time: reading
    /// the clock again would cost the receive path for nothing).
    pub fn hit(&self, at: SystemTime) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        let us = at.duration_since(UNIX_EPOCH).map_or(1, |d| {
            u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
        });
        self.last_hit_us.fetch_max(us, Ordering::Relaxed);
    }

    /// The rule in plain words, e.g. "allow mkdir, mkdirat under /tmp/**",
    /// "deny connect to port 80, 443 (EPERM)", "allow any call by comm
    /// python3". Globs are escaped: session rules carry target data.
    pub fn describe(&self) -> String {
        let c = &self.cond;
        let mut s = match self.action {
            RuleAction::Answer(Answer::Allow) => "allow".to_string(),
            RuleAction::Answer(Answer::Deny(_)) => "deny".to_string(),
            RuleAction::Answer(Answer::Emulate) => "emulate".to_string(),
            RuleAction::Answer(Answer::Return(v)) => format!("return {v} from"),
            RuleAction::Ask => "ask about".to_string(),
        };
        s.push(' ');
        match &c.syscalls {
            Some(sc) => s.push_str(&sc.written.join(", ")),
            None => s.push_str("any call"),
        }
        match c.access {
            Some(Access::Read) => s.push_str(" for reading"),
            Some(Access::Write) => s.push_str(" for writing"),
            None => {}
        }
        if let Some(p) = &c.paths {
            let word = if p.all_subtrees() { "under" } else { "on" };
            s.push_str(&format!(" {word} {}", escape_str(&p.to_string())));
        }
        match (&c.addr, &c.ports) {
            (Some(a), Some(p)) => {
                s.push_str(&format!(" to {} port {p}", escape_str(&a.to_string())))
            }
            (Some(a), None) => s.push_str(&format!(" to {}", escape_str(&a.to_string()))),
            (None, Some(p)) => s.push_str(&format!(" to port {p}")),
            (None, None) => {}
        }
        let g = |g: &Glob| escape_str(g.as_str());
        match (&c.comm, &c.exe) {
            (Some(comm), Some(exe)) => s.push_str(&format!(" by comm {}, exe {}", g(comm), g(exe))),
            (Some(comm), None) => s.push_str(&format!(" by comm {}", g(comm))),
            (None, Some(exe)) => s.push_str(&format!(" by exe {}", g(exe))),
            (None, None) => {}
        }
        if let RuleAction::Answer(Answer::Deny(e)) = self.action {
            s.push_str(&format!(" ({e})"));
        }
        s
    }
}

/// One rule as the rule list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: RuleId,
    /// 1-based position: the number `DecidedBy::Rule` would give it now.
    pub number: usize,
    pub description: String,
    /// `file:line`, or `this session`.
    pub origin: String,
    pub action: RuleAction,
    pub enabled: bool,
    pub hits: u64,
    pub last_hit: Option<SystemTime>,
    /// A session rule marked "save to the rule file" that is not written
    /// yet.
    pub unsaved: bool,
}

/// The live rule list: the first enabled match decides. Shared between the
/// supervisor (which decides every call with it) and the UI (which edits
/// it while the program runs).
///
/// Deciding takes the read side of an `RwLock` and clones one `Arc` for
/// the rule that matched: no allocation and no waiting unless the UI is in
/// the middle of an edit (which holds the write side for a `Vec` insert or
/// remove, not longer).
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: RwLock<Vec<Arc<Rule>>>,
    next_id: AtomicU64,
}

impl RuleSet {
    /// A rule set holding `rules` in this order.
    pub fn new(rules: Vec<Rule>) -> Self {
        let set = RuleSet {
            rules: RwLock::new(Vec::with_capacity(rules.len())),
            next_id: AtomicU64::new(1),
        };
        {
            let mut list = set.write();
            for r in rules {
                list.push(set.adopt(r));
            }
        }
        set
    }

    fn read(&self) -> RwLockReadGuard<'_, Vec<Arc<Rule>>> {
        // A panic elsewhere while holding the lock leaves the list itself
        // intact (every edit is one Vec operation), so keep using it.
        self.rules.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Vec<Arc<Rule>>> {
        self.rules.write().unwrap_or_else(|e| e.into_inner())
    }

    fn adopt(&self, mut rule: Rule) -> Arc<Rule> {
        rule.id = self.next_id.fetch_add(1, Ordering::Relaxed).max(1);
        Arc::new(rule)
    }

    /// The rules in order, at this moment.
    pub fn list(&self) -> Vec<Arc<Rule>> {
        self.read().clone()
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// First enabled matching rule: its 1-based number and the rule,
    /// without counting a hit.
    pub fn find(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let list = self.read();
        let (i, rule) = list
            .iter()
            .enumerate()
            .find(|(_, r)| r.enabled() && r.matches(call))?;
        Some((i + 1, Arc::clone(rule)))
    }

    /// [`find`](Self::find), and counts the hit at the call's receive time.
    pub fn decide(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let found = self.find(call)?;
        found.1.hit(call.received_wall);
        Some(found)
    }

    /// Puts `rule` at `index` (0 = first; past the end = last) and returns
    /// its id. Session rules made in the TUI go first, so they override the
    /// rule files.
    pub fn insert(&self, index: usize, rule: Rule) -> RuleId {
        let rule = self.adopt(rule);
        let id = rule.id();
        let mut list = self.write();
        let at = index.min(list.len());
        list.insert(at, rule);
        id
    }

    /// Appends `rule` and returns its id.
    pub fn push(&self, rule: Rule) -> RuleId {
        self.insert(usize::MAX, rule)
    }

    fn index_of(list: &[Arc<Rule>], id: RuleId) -> Option<usize> {
        list.iter().position(|r| r.id() == id)
    }

    /// The rule with this id.
    pub fn get(&self, id: RuleId) -> Option<Arc<Rule>> {
        let list = self.read();
        Self::index_of(&list, id).map(|i| Arc::clone(&list[i]))
    }

    /// The rule's 1-based number now.
    pub fn number(&self, id: RuleId) -> Option<usize> {
        Self::index_of(&self.read(), id).map(|i| i + 1)
    }

    /// Removes the rule; `None` when there is no such rule.
    pub fn remove(&self, id: RuleId) -> Option<Arc<Rule>> {
        let mut list = self.write();
        let i = Self::index_of(&list, id)?;
        Some(list.remove(i))
    }

    /// Enables or disables the rule; false when there is no such rule.
    pub fn set_enabled(&self, id: RuleId, on: bool) -> bool {
        self.get(id).map(|r| r.set_enabled(on)).is_some()
    }

    /// Moves the rule one place towards the front (earlier = tried
    /// first). False when there is no such rule or it is first already.
    pub fn move_up(&self, id: RuleId) -> bool {
        let mut list = self.write();
        match Self::index_of(&list, id) {
            Some(i) if i > 0 => {
                list.swap(i - 1, i);
                true
            }
            _ => false,
        }
    }

    /// Moves the rule one place towards the end. False when there is no
    /// such rule or it is last already.
    pub fn move_down(&self, id: RuleId) -> bool {
        let mut list = self.write();
        match Self::index_of(&list, id) {
            Some(i) if i + 1 < list.len() => {
                list.swap(i, i + 1);
                true
            }
            _ => false,
        }
    }

    /// Every rule as the rule list shows it.
    pub fn snapshot(&self) -> Vec<RuleInfo> {
        self.list()
            .iter()
            .enumerate()
            .map(|(i, r)| RuleInfo {
                id: r.id(),
                number: i + 1,
                description: r.describe(),
                origin: r.origin().to_string(),
                action: r.action,
                enabled: r.enabled(),
                hits: r.hit_count(),
                last_hit: r.last_hit(),
                unsaved: r.wants_saving(),
            })
            .collect()
    }

    /// Session rules marked for saving and not yet written, in rule order.
    pub fn unsaved(&self) -> Vec<Arc<Rule>> {
        self.read()
            .iter()
            .filter(|r| r.wants_saving())
            .cloned()
            .collect()
    }
}

/// A rule file that could not be loaded. Displays as
/// `file:line:column: message`; when the file could not be read at all
/// (`line` is 0) only the message, which then names the file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    /// 1-based; 0 when the error is not about a place in the file.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages quote what the file says, and a file name can hold
        // anything: neither may break the line or reach the terminal raw.
        let (file, message) = (one_line(&self.file), one_line(&self.message));
        if self.line == 0 {
            f.write_str(&message)
        } else {
            write!(f, "{file}:{}:{}: {message}", self.line, self.column)
        }
    }
}

impl std::error::Error for RuleError {}

/// Reads and parses a rule file. Errors name the file as `path` displays.
pub fn load_rules(path: &Path, default_errno: Errno) -> Result<Vec<Rule>, RuleError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        // io::Error's Display appends "(os error 2)"; the C text alone
        // reads better in a one-line message.
        let reason = e
            .raw_os_error()
            .and_then(Errno::new)
            .map_or_else(|| e.to_string(), |n| n.description().to_string());
        RuleError {
            message: format!("cannot read {file}: {reason}"),
            file: file.clone(),
            line: 0,
            column: 0,
        }
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse_rules(&text, &file, default_errno),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // The valid prefix is valid UTF-8 by construction.
            let good = std::str::from_utf8(good).unwrap_or_default();
            Err(Source {
                text: good,
                file: &file,
            }
            .error(good.len(), "the file is not valid UTF-8"))
        }
    }
}

/// The origin file name of the built-in rules.
pub const BUILTIN_FILE: &str = "builtin";

/// The rules shipped in `assets/default-rules.toml` (file name `builtin`).
pub fn builtin_rules() -> Vec<Rule> {
    parse_rules(
        include_str!("../../assets/default-rules.toml"),
        BUILTIN_FILE,
        Errno::EPERM,
    )
    .expect("the built-in rules parse (a unit test checks this)")
}

/// Parses the text of a rule file. `file` is the name errors and origins
/// show; a bare `deny` means `default_errno`.
pub fn parse_rules(text: &str, file: &str, default_errno: Errno) -> Result<Vec<Rule>, RuleError> {
    let src = Source { text, file };
    let doc = DeTable::parse(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        src.error(at, format!("invalid TOML: {}", e.message()))
    })?;
    let mut rules = Vec::new();
    for (key, value) in in_source_order(doc.get_ref()) {
        if key.get_ref() != "rule" {
            let hint = match crate::suggest::closest(key.get_ref(), ["rule"].into_iter()) {
                Some(_) => " (did you mean `rule`?)",
                None => " (a rule file holds only [[rule]] tables)",
            };
            return Err(src.error(
                key.span().start,
                format!("unknown top-level key `{}`{hint}", key.get_ref()),
            ));
        }
        let DeValue::Array(items) = value.get_ref() else {
            return Err(src.error(
                value.span().start,
                "`rule` must be an array of tables: write each rule as `[[rule]]`",
            ));
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                return Err(src.error(item.span().start, "each rule must be a table"));
            };
            rules.push(src.rule(item.span(), table, default_errno)?);
        }
    }
    Ok(rules)
}

/// The keys a rule may have, for "did you mean" suggestions.
const KEYS: &[&str] = &[
    "syscall", "path", "action", "errno", "value", "port", "addr", "comm", "exe", "access",
];

const ACTIONS: &[&str] = &["allow", "deny", "return", "emulate", "ask"];

/// The text being parsed and its display name; turns byte offsets into
/// positioned errors.
struct Source<'a> {
    text: &'a str,
    file: &'a str,
}

type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

/// A table's entries in the order they appear in the file (the parsed map
/// is sorted by key), so the first error reported is the first in the file.
fn in_source_order<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

/// A value and where it starts.
type At<T> = (usize, T);

impl Source<'_> {
    fn error(&self, offset: usize, message: impl Into<String>) -> RuleError {
        let (line, column) = line_column(self.text, offset);
        RuleError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn rule(
        &self,
        span: Range<usize>,
        table: &DeTable<'_>,
        default_errno: Errno,
    ) -> Result<Rule, RuleError> {
        let mut cond = Conditions::default();
        // Each syscall with where it was written, for emulate's complaint.
        let mut syscall_items: Vec<At<(String, Vec<Sysno>)>> = Vec::new();
        let mut action: Option<At<&str>> = None;
        let mut errno: Option<At<Errno>> = None;
        let mut value: Option<At<i64>> = None;
        let mut access_at = 0;

        for (key, v) in in_source_order(table) {
            let at = v.span().start;
            let name = key.get_ref().as_ref();
            match name {
                "syscall" => {
                    let items = self.strings(name, v)?;
                    if items.is_empty() {
                        return Err(self.error(
                            at,
                            "`syscall` is an empty list (leave it out to match any call)",
                        ));
                    }
                    for (pos, item) in items {
                        let set = groups::expand(item).map_err(|e| self.error(pos, e))?;
                        syscall_items.push((pos, (item.trim().to_string(), set)));
                    }
                    let mut set: Vec<Sysno> = syscall_items
                        .iter()
                        .flat_map(|(_, (_, s))| s.iter().copied())
                        .collect();
                    set.sort_by_key(|s| s.id());
                    set.dedup();
                    let written = syscall_items.iter().map(|(_, (w, _))| w.clone()).collect();
                    cond.syscalls = Some(Syscalls { written, set });
                }
                "path" => {
                    let items = self.strings(name, v)?;
                    if items.is_empty() {
                        return Err(self.error(
                            at,
                            "`path` is an empty list (leave it out to match any path)",
                        ));
                    }
                    let mut globs = Vec::new();
                    for (pos, item) in items {
                        // Rules see resolved absolute paths, so a relative
                        // glob would silently never match.
                        if !(item.starts_with('/')
                            || item.starts_with("**")
                            || item.starts_with('{'))
                        {
                            return Err(self.error(
                                pos,
                                format!(
                                    "`path` globs match absolute paths: `{item}` should start \
                                     with `/` (or `**/`)"
                                ),
                            ));
                        }
                        globs.push(Glob::new(item).map_err(|e| self.error(pos, e))?);
                    }
                    cond.paths = Some(Paths(globs));
                }
                "action" => {
                    let s = self.string(name, v)?;
                    if !ACTIONS.contains(&s) {
                        let hint = if s.starts_with("deny:") {
                            " (write the errno separately: `action = \"deny\"` and \
                             `errno = \"…\"`)"
                                .to_string()
                        } else if s.starts_with("return:") {
                            " (write the value separately: `action = \"return\"` and \
                             `value = …`)"
                                .to_string()
                        } else {
                            match crate::suggest::closest(s, ACTIONS.iter().copied()) {
                                Some(best) => format!(" (did you mean `{best}`?)"),
                                None => " (expected allow, deny, return, emulate or ask)".into(),
                            }
                        };
                        return Err(self.error(at, format!("unknown action `{s}`{hint}")));
                    }
                    action = Some((at, s));
                }
                "errno" => {
                    let e = match v.get_ref() {
                        DeValue::String(s) => Errno::parse(s),
                        DeValue::Integer(i) => Errno::parse(&integer(i).unwrap_or(0).to_string()),
                        _ => {
                            return Err(self.error(
                                at,
                                "`errno` must be an errno name like \"EACCES\" or a number",
                            ));
                        }
                    };
                    errno = Some((at, e.map_err(|e| self.error(at, e))?));
                }
                "value" => {
                    let DeValue::Integer(i) = v.get_ref() else {
                        return Err(self.error(at, "`value` must be an integer"));
                    };
                    // Accept the full 64-bit register range: 0xffff… is -1.
                    let n = integer(i)
                        .and_then(|n| {
                            i64::try_from(n)
                                .ok()
                                .or_else(|| u64::try_from(n).ok().map(|u| u as i64))
                        })
                        .ok_or_else(|| self.error(at, "`value` does not fit in 64 bits"))?;
                    value = Some((at, n));
                }
                "port" => {
                    cond.ports = Some(self.ports(v)?);
                }
                "addr" => {
                    let s = self.string(name, v)?;
                    cond.addr = Some(Addr::parse(s).map_err(|e| self.error(at, e))?);
                }
                "comm" | "exe" => {
                    let s = self.string(name, v)?;
                    let g = Glob::new(s).map_err(|e| self.error(at, format!("`{name}`: {e}")))?;
                    if name == "comm" {
                        cond.comm = Some(g);
                    } else {
                        cond.exe = Some(g);
                    }
                }
                "access" => {
                    access_at = at;
                    let s = self.string(name, v)?;
                    cond.access = Some(Access::parse(s).map_err(|e| self.error(at, e))?);
                }
                other => {
                    let hint = match crate::suggest::closest(other, KEYS.iter().copied()) {
                        Some(best) => format!(" (did you mean `{best}`?)"),
                        None => format!(" (rule keys: {})", KEYS.join(", ")),
                    };
                    return Err(
                        self.error(key.span().start, format!("unknown key `{other}`{hint}"))
                    );
                }
            }
        }

        let Some((action_at, action_word)) = action else {
            return Err(self.error(
                span.start,
                "this rule has no `action` (one of allow, deny, return, emulate, ask)",
            ));
        };
        if let Some((at, _)) = errno
            && action_word != "deny"
        {
            return Err(self.error(
                at,
                format!("`errno` applies only to `action = \"deny\"`, not `{action_word}`"),
            ));
        }
        if let Some((at, _)) = value
            && action_word != "return"
        {
            return Err(self.error(
                at,
                format!("`value` applies only to `action = \"return\"`, not `{action_word}`"),
            ));
        }
        let action = match action_word {
            "allow" => RuleAction::Answer(Answer::Allow),
            "deny" => RuleAction::Answer(Answer::Deny(errno.map_or(default_errno, |(_, e)| e))),
            "return" => match value {
                Some((_, v)) => RuleAction::Answer(Answer::Return(v)),
                None => {
                    return Err(self.error(
                        action_at,
                        "`action = \"return\"` needs a `value`, e.g. `value = 0`",
                    ));
                }
            },
            "emulate" => {
                let can = emulable().map(|s| s.name()).collect::<Vec<_>>().join(", ");
                if syscall_items.is_empty() {
                    return Err(self.error(
                        action_at,
                        format!(
                            "emulate needs `syscall` naming only calls unotify-tui can \
                             emulate: {can}"
                        ),
                    ));
                }
                for (pos, (written, set)) in &syscall_items {
                    if let Some(bad) = set.iter().find(|s| !can_emulate(**s)) {
                        return Err(self.error(
                            *pos,
                            format!(
                                "emulate is not available for `{}`{}: unotify-tui can \
                                 emulate {can}",
                                bad.name(),
                                in_group(written)
                            ),
                        ));
                    }
                }
                RuleAction::Answer(Answer::Emulate)
            }
            // "ask", the only word left after the check above.
            _ => RuleAction::Ask,
        };
        if cond.access.is_some() {
            let open_names = "open, openat, openat2 and creat";
            match &cond.syscalls {
                None => {
                    return Err(self.error(
                        access_at,
                        format!("`access` needs `syscall` naming only {open_names}"),
                    ));
                }
                Some(_) => {
                    // Name the first offender in the order it was written.
                    let bad = syscall_items.iter().find_map(|(_, (written, set))| {
                        let bad = set.iter().find(|s| !OPEN_CALLS.contains(s))?;
                        Some((written, bad))
                    });
                    if let Some((written, bad)) = bad {
                        return Err(self.error(
                            access_at,
                            format!(
                                "`access` applies only to {open_names}, but this rule's \
                                 `syscall` includes `{}`{}",
                                bad.name(),
                                in_group(written)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(Rule::from_parts(
            action,
            Origin::file(self.file, line_column(self.text, span.start).0),
            cond,
        ))
    }

    /// A string value.
    fn string<'v>(&self, key: &str, v: &'v Spanned<DeValue<'_>>) -> Result<&'v str, RuleError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s),
            _ => Err(self.error(v.span().start, format!("`{key}` must be a string"))),
        }
    }

    /// A string or a list of strings, each with its position.
    fn strings<'v>(
        &self,
        key: &str,
        v: &'v Spanned<DeValue<'_>>,
    ) -> Result<Vec<At<&'v str>>, RuleError> {
        let bad = |at| self.error(at, format!("`{key}` must be a string or a list of strings"));
        match v.get_ref() {
            DeValue::String(s) => Ok(vec![(v.span().start, s.as_ref())]),
            DeValue::Array(items) => items
                .iter()
                .map(|item| match item.get_ref() {
                    DeValue::String(s) => Ok((item.span().start, s.as_ref())),
                    _ => Err(bad(item.span().start)),
                })
                .collect(),
            _ => Err(bad(v.span().start)),
        }
    }

    /// `port`: a number, a `"lo-hi"` string, or a list of those.
    fn ports(&self, v: &Spanned<DeValue<'_>>) -> Result<Ports, RuleError> {
        let one = |item: &Spanned<DeValue<'_>>| -> Result<(u16, u16), RuleError> {
            let at = item.span().start;
            match item.get_ref() {
                DeValue::Integer(i) => {
                    let n = integer(i).unwrap_or(i128::MAX);
                    super::matcher::port_from_int(n)
                        .map(|p| (p, p))
                        .map_err(|e| self.error(at, e))
                }
                DeValue::String(s) => {
                    super::matcher::parse_port_range(s).map_err(|e| self.error(at, e))
                }
                _ => Err(self.error(
                    at,
                    "`port` must be a number, a range like \"8000-8999\", or a list of those",
                )),
            }
        };
        match v.get_ref() {
            DeValue::Array(items) if items.is_empty() => Err(self.error(
                v.span().start,
                "`port` is an empty list (leave it out to match any port)",
            )),
            DeValue::Array(items) => items.iter().map(one).collect::<Result<_, _>>().map(Ports),
            _ => one(v).map(|r| Ports(vec![r])),
        }
    }
}

/// " (in @group)" when a syscall came from a group, so the user sees where
/// a name they never wrote came from.
fn in_group(written: &str) -> String {
    if written.starts_with('@') {
        format!(" (in {written})")
    } else {
        String::new()
    }
}

/// A TOML integer's value (TOML integers fit in i64; hex, octal and binary
/// ones are unsigned and may not).
fn integer(i: &DeInteger<'_>) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

/// 1-based line and column (in characters) of a byte offset; offsets past
/// the end or inside a character are clamped.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = &text[..off];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::model::{Arg, SockAddr, Value};

    const O_RDONLY: u64 = libc::O_RDONLY as u64;
    const O_WRONLY: u64 = libc::O_WRONLY as u64;
    const O_CREAT: u64 = libc::O_CREAT as u64;
    const O_TRUNC: u64 = libc::O_TRUNC as u64;
    const O_CLOEXEC: u64 = libc::O_CLOEXEC as u64;
    const AT_FDCWD: u64 = libc::AT_FDCWD as u64;

    use crate::model::testing::{call, path_arg, with_paths};

    fn openat(path: &str, flags: u64) -> Call {
        let mut c = call(
            Sysno::openat,
            [AT_FDCWD, 0x1000, flags, 0, 0, 0],
            vec![path_arg("pathname", path)],
        );
        c.args.push(Arg {
            name: "flags",
            raw: flags,
            value: Value::Flags("…".into()),
        });
        c
    }

    fn with_sockaddr(sysno: Sysno, addr: SockAddr) -> Call {
        let arg = Arg {
            name: "addr",
            raw: 0x1000,
            value: Value::SockAddr(addr),
        };
        call(sysno, [3, 0x1000, 16, 0, 0, 0], vec![arg])
    }

    fn inet(ip: &str, port: u16) -> SockAddr {
        SockAddr::Inet {
            ip: ip.parse::<IpAddr>().unwrap(),
            port,
        }
    }

    fn parse(text: &str) -> Vec<Rule> {
        parse_rules(text, "t.toml", Errno::EPERM).unwrap_or_else(|e| panic!("{e}"))
    }

    fn one(text: &str) -> Rule {
        let mut rules = parse(text);
        assert_eq!(rules.len(), 1);
        rules.remove(0)
    }

    fn err(text: &str) -> RuleError {
        match parse_rules(text, "t.toml", Errno::EPERM) {
            Ok(r) => panic!("expected an error, got {} rules", r.len()),
            Err(e) => e,
        }
    }

    /// Asserts line, column and that the message contains `needle`.
    #[track_caller]
    fn assert_err(text: &str, line: usize, column: usize, needle: &str) {
        let e = err(text);
        assert_eq!((e.line, e.column), (line, column), "{e}");
        assert!(e.message.contains(needle), "{e:?} lacks {needle:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("t.toml:{line}:{column}: "))
        );
    }

    #[test]
    fn first_match_wins() {
        let set = RuleSet::new(parse(
            r#"
[[rule]]
syscall = "mkdir"
path = "/tmp/secret/**"
action = "deny"
errno = "EACCES"

[[rule]]
syscall = "mkdir"
action = "allow"
"#,
        ));
        let (n, r) = set
            .decide(&with_paths(Sysno::mkdir, &["/tmp/secret/x"]))
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(r.action, RuleAction::Answer(Answer::Deny(Errno::EACCES)));
        assert_eq!(r.origin().to_string(), "t.toml:2");
        let (n, r) = set.decide(&with_paths(Sysno::mkdir, &["/tmp/x"])).unwrap();
        assert_eq!(n, 2);
        assert_eq!(r.origin(), &Origin::file("t.toml", 8));
        assert!(set.decide(&with_paths(Sysno::rmdir, &["/tmp/x"])).is_none());
    }

    #[test]
    fn syscall_names_groups_and_lists() {
        let r = one("[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"");
        assert!(r.matches(&with_paths(Sysno::mkdir, &["/a"])));
        assert!(!r.matches(&with_paths(Sysno::mkdirat, &["/a"])));
        let r = one("[[rule]]\nsyscall = [\"mkdir\", \"@net\"]\naction = \"allow\"");
        assert!(r.matches(&with_paths(Sysno::mkdir, &["/a"])));
        assert!(r.matches(&with_sockaddr(Sysno::connect, inet("1.2.3.4", 80))));
        assert!(!r.matches(&with_paths(Sysno::unlink, &["/a"])));
        let r = one("[[rule]]\naction = \"allow\"");
        assert!(r.matches(&with_paths(Sysno::unlink, &["/a"])));
        // An unknown syscall number matches only rules without `syscall`.
        let mut unknown = with_paths(Sysno::mkdir, &["/a"]);
        unknown.sysno = None;
        assert!(r.matches(&unknown));
        assert!(!one("[[rule]]\nsyscall = \"@file\"\naction = \"allow\"").matches(&unknown));
    }

    #[test]
    fn path_globs() {
        let star = one("[[rule]]\npath = \"/tmp/*\"\naction = \"allow\"");
        let stars = one("[[rule]]\npath = \"/tmp/**\"\naction = \"allow\"");
        let a = with_paths(Sysno::mkdir, &["/tmp/a"]);
        let ab = with_paths(Sysno::mkdir, &["/tmp/a/b"]);
        let tmp = with_paths(Sysno::mkdir, &["/tmp"]);
        assert!(star.matches(&a) && !star.matches(&ab) && !star.matches(&tmp));
        assert!(stars.matches(&a) && stars.matches(&ab) && !stars.matches(&tmp));
        // A list: any glob may match.
        let both = one("[[rule]]\npath = [\"/tmp\", \"/tmp/**\"]\naction = \"allow\"");
        assert!(both.matches(&tmp) && both.matches(&ab));
        // No path argument: no match.
        assert!(!stars.matches(&with_sockaddr(Sysno::connect, inet("1.1.1.1", 1))));
        // The resolved path is what counts, not the given one.
        let mut rel = with_paths::<&str>(Sysno::mkdir, &[]);
        rel.args.push(Arg {
            name: "pathname",
            raw: 0,
            value: Value::Path {
                given: b"a".to_vec(),
                resolved: Some(b"/tmp/a".to_vec()),
            },
        });
        assert!(star.matches(&rel));
    }

    #[test]
    fn every_path_must_match() {
        let r = one("[[rule]]\nsyscall = \"rename\"\npath = \"/tmp/**\"\naction = \"allow\"");
        assert!(r.matches(&with_paths(Sysno::rename, &["/tmp/a", "/tmp/b"])));
        assert!(!r.matches(&with_paths(Sysno::rename, &["/tmp/a", "/etc/b"])));
        assert!(!r.matches(&with_paths(Sysno::rename, &["/etc/a", "/tmp/b"])));
    }

    #[test]
    fn ports() {
        let r = one("[[rule]]\nport = 8080\naction = \"allow\"");
        assert!(r.matches(&with_sockaddr(Sysno::connect, inet("1.2.3.4", 8080))));
        assert!(!r.matches(&with_sockaddr(Sysno::connect, inet("1.2.3.4", 8081))));
        assert!(!r.matches(&with_paths(Sysno::mkdir, &["/a"])));
        assert!(!r.matches(&with_sockaddr(
            Sysno::connect,
            SockAddr::Unix(b"/x".to_vec())
        )));
        let r = one("[[rule]]\nport = [80, 443]\naction = \"allow\"");
        assert!(r.matches(&with_sockaddr(Sysno::bind, inet("::", 443))));
        assert!(!r.matches(&with_sockaddr(Sysno::bind, inet("::", 444))));
        let r = one("[[rule]]\nport = \"8000-8999\"\naction = \"allow\"");
        for (p, m) in [(7999, false), (8000, true), (8999, true), (9000, false)] {
            assert_eq!(
                r.matches(&with_sockaddr(Sysno::bind, inet("0.0.0.0", p))),
                m,
                "{p}"
            );
        }
        let r = one("[[rule]]\nport = [22, \"8000-8001\"]\naction = \"allow\"");
        assert!(r.matches(&with_sockaddr(Sysno::bind, inet("0.0.0.0", 8001))));
        // listen has no address argument: the socket's local address counts.
        let listen = call(
            Sysno::listen,
            [3, 128, 0, 0, 0, 0],
            vec![Arg {
                name: "sockfd",
                raw: 3,
                value: Value::Fd {
                    fd: 3,
                    target: Some(b"socket:[1]".to_vec()),
                    local: Some(inet("0.0.0.0", 22)),
                },
            }],
        );
        assert!(r.matches(&listen));
    }

    #[test]
    fn addresses() {
        let v4 = one("[[rule]]\naddr = \"127.0.0.0/8\"\naction = \"allow\"");
        let c = |ip| with_sockaddr(Sysno::connect, inet(ip, 80));
        assert!(v4.matches(&c("127.0.0.1")));
        assert!(v4.matches(&c("127.255.0.9")));
        assert!(!v4.matches(&c("128.0.0.1")));
        assert!(
            v4.matches(&c("::ffff:127.0.0.1")),
            "mapped v4 matches a v4 CIDR"
        );
        assert!(!v4.matches(&c("::1")));
        let exact = one("[[rule]]\naddr = \"10.1.2.3\"\naction = \"allow\"");
        assert!(exact.matches(&c("10.1.2.3")) && !exact.matches(&c("10.1.2.4")));
        let v6 = one("[[rule]]\naddr = \"fd00::/8\"\naction = \"allow\"");
        assert!(v6.matches(&c("fd12::1")) && !v6.matches(&c("fe80::1")));
        assert!(!v6.matches(&c("10.0.0.1")));
        let lo6 = one("[[rule]]\naddr = \"::1\"\naction = \"allow\"");
        assert!(lo6.matches(&c("::1")) && !lo6.matches(&c("::2")));
        // A mapped-address rule matches the plain v4 address too.
        let mapped = one("[[rule]]\naddr = \"::ffff:10.0.0.1\"\naction = \"allow\"");
        assert!(mapped.matches(&c("10.0.0.1")));
        // Address and port together.
        let both = one("[[rule]]\naddr = \"127.0.0.1\"\nport = 80\naction = \"allow\"");
        assert!(both.matches(&c("127.0.0.1")));
        assert!(!both.matches(&with_sockaddr(Sysno::connect, inet("127.0.0.1", 81))));

        let unix = one("[[rule]]\naddr = \"/run/**\"\naction = \"allow\"");
        let u = |a| with_sockaddr(Sysno::connect, a);
        assert!(unix.matches(&u(SockAddr::Unix(b"/run/dbus/system_bus_socket".to_vec()))));
        assert!(!unix.matches(&u(SockAddr::Unix(b"/tmp/x".to_vec()))));
        assert!(!unix.matches(&u(SockAddr::Abstract(b"/run/x".to_vec()))));
        assert!(!unix.matches(&c("127.0.0.1")));
        assert!(!unix.matches(&u(SockAddr::UnixUnnamed)));
        let abs = one("[[rule]]\naddr = \"@dbus-*\"\naction = \"allow\"");
        assert!(abs.matches(&u(SockAddr::Abstract(b"dbus-1234".to_vec()))));
        assert!(!abs.matches(&u(SockAddr::Unix(b"dbus-1234".to_vec()))));
        assert!(!v4.matches(&u(SockAddr::Unix(b"/run/x".to_vec()))));
    }

    #[test]
    fn comm_and_exe() {
        let r = one("[[rule]]\ncomm = \"python3\"\naction = \"allow\"");
        let mut c = with_paths(Sysno::mkdir, &["/a"]);
        assert!(!r.matches(&c));
        c.comm = b"python3".to_vec();
        assert!(r.matches(&c));
        c.comm = b"python3.12".to_vec();
        assert!(!r.matches(&c), "a plain comm is an exact match");
        let r = one("[[rule]]\ncomm = \"python3*\"\nexe = \"/usr/bin/*\"\naction = \"allow\"");
        c.exe = b"/usr/bin/python3.12".to_vec();
        assert!(r.matches(&c));
        c.exe = b"/usr/local/bin/python3.12".to_vec();
        assert!(!r.matches(&c));
        c.exe = b"/usr/bin/sub/python3".to_vec();
        assert!(!r.matches(&c), "* does not cross /");
    }

    #[test]
    fn access_modes() {
        let read = one(
            "[[rule]]\nsyscall = [\"open\", \"openat\", \"openat2\", \"creat\"]\n\
             access = \"read\"\naction = \"allow\"",
        );
        let write = one("[[rule]]\nsyscall = \"openat\"\naccess = \"write\"\naction = \"ask\"");
        assert!(write.matches(&openat("/x", O_WRONLY)));
        assert!(write.matches(&openat("/x", O_RDONLY | O_CREAT)));
        assert!(!write.matches(&openat("/x", O_RDONLY)));
        assert!(read.matches(&openat("/x", O_RDONLY | O_CLOEXEC)));
        assert!(!read.matches(&openat("/x", O_WRONLY)));
        assert!(!read.matches(&openat("/x", O_RDONLY | O_CREAT)));
        assert!(!read.matches(&openat("/x", O_RDONLY | O_TRUNC)));
        assert!(!read.matches(&openat("/x", libc::O_RDWR as u64)));
        let open = call(Sysno::open, [0x1000, O_RDONLY, 0, 0, 0, 0], vec![]);
        assert!(read.matches(&open));
        let creat = call(Sysno::creat, [0x1000, 0o644, 0, 0, 0, 0], vec![]);
        assert!(!read.matches(&creat));
        let how = |text: &str| {
            call(
                Sysno::openat2,
                [AT_FDCWD, 0x1000, 0x2000, 24, 0, 0],
                vec![Arg {
                    name: "how",
                    raw: 0x2000,
                    value: Value::Flags(text.into()),
                }],
            )
        };
        assert!(read.matches(&how("O_RDONLY|O_CLOEXEC")));
        assert!(read.matches(&how("{flags=O_RDONLY, mode=0, resolve=RESOLVE_BENEATH}")));
        assert!(!read.matches(&how("O_WRONLY|O_CREAT")));
        assert!(!read.matches(&how("{flags=O_RDWR, mode=0644}")));
        // The raw copy of open_how wins over the decoded text.
        let mut raw = how("O_RDONLY");
        raw.copies.open_how = Some([O_WRONLY, 0, 0]);
        assert!(!read.matches(&raw));
        raw.copies.open_how = Some([O_RDONLY, 0, 0]);
        assert!(read.matches(&raw));
        // An unreadable open_how matches neither kind.
        assert!(!read.matches(&call(Sysno::openat2, [0; 6], vec![])));
    }

    #[test]
    fn disabled_rules_and_hits() {
        let rules = parse(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\n\
             [[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"",
        );
        rules[0].set_enabled(false);
        let set = RuleSet::new(rules);
        let c = with_paths(Sysno::mkdir, &["/a"]);
        for _ in 0..3 {
            let (n, r) = set.decide(&c).unwrap();
            assert_eq!(n, 2, "numbering counts disabled rules");
            assert_eq!(r.action, RuleAction::Answer(Answer::Allow));
        }
        let list = set.list();
        assert_eq!(list[0].hit_count(), 0);
        assert_eq!(list[1].hit_count(), 3);
        assert_eq!(list[0].last_hit(), None);
        // Kept in microseconds: the call's receive time, truncated.
        let last = list[1].last_hit().unwrap();
        assert!(c.received_wall.duration_since(last).unwrap().as_micros() == 0);
        assert!(list[0].matches(&c), "matches ignores `enabled`");
        assert!(set.decide(&with_paths(Sysno::rmdir, &["/a"])).is_none());
        assert_eq!(list[1].as_ref().clone().hit_count(), 3);
        // `find` does not count.
        assert!(set.find(&c).is_some());
        assert_eq!(list[1].hit_count(), 3);
    }

    #[test]
    fn live_edits_keep_ids_counters_and_numbering() {
        let set = RuleSet::new(parse(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\n\
             [[rule]]\nsyscall = \"rmdir\"\naction = \"allow\"",
        ));
        let mk = with_paths(Sysno::mkdir, &["/a"]);
        let ids: Vec<RuleId> = set.list().iter().map(|r| r.id()).collect();
        assert_ne!(ids[0], ids[1]);
        assert!(ids.iter().all(|i| i.0 != 0));
        set.decide(&mk).unwrap();
        // A session rule first overrides the file.
        let allow_mk = one("[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"");
        let new = set.insert(0, allow_mk);
        let (n, r) = set.decide(&mk).unwrap();
        assert_eq!((n, r.id()), (1, new));
        assert_eq!(set.number(ids[0]), Some(2));
        // Disabled: the file rule decides again, numbered by position.
        assert!(set.set_enabled(new, false));
        let (n, r) = set.decide(&mk).unwrap();
        assert_eq!((n, r.id()), (2, ids[0]));
        assert!(set.set_enabled(new, true));
        // Move it below the deny rule: the deny decides.
        assert!(set.move_down(new));
        assert!(!set.move_up(set.list()[0].id()), "first cannot move up");
        let (n, r) = set.decide(&mk).unwrap();
        assert_eq!((n, r.id()), (1, ids[0]));
        assert!(set.move_down(new));
        assert!(!set.move_down(new), "last cannot move down");
        assert!(set.move_up(new));
        let info = set.snapshot();
        assert_eq!(
            info.iter().map(|i| (i.number, i.id)).collect::<Vec<_>>(),
            [(1, ids[0]), (2, new), (3, ids[1])]
        );
        assert_eq!(info[0].hits, 3, "counters survive moves");
        assert_eq!(info[1].hits, 1);
        assert_eq!(info[0].description, "deny mkdir (EPERM)");
        assert_eq!(info[0].origin, "t.toml:1");
        assert!(info[0].last_hit.is_some() && info[2].last_hit.is_none());
        assert_eq!(set.remove(new).map(|r| r.id()), Some(new));
        assert!(set.remove(new).is_none());
        assert!(!set.set_enabled(new, true));
        assert_eq!(set.len(), 2);
        assert_eq!(set.push(one("[[rule]]\naction = \"ask\"")), RuleId(4));
        assert_eq!(set.number(RuleId(4)), Some(3));
    }

    #[test]
    fn deciding_while_the_list_changes() {
        let set = Arc::new(RuleSet::new(parse(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"",
        )));
        let s = Arc::clone(&set);
        let editor = std::thread::spawn(move || {
            for i in 0..2000 {
                let id = s.insert(
                    i % 3,
                    one("[[rule]]\nsyscall = \"rmdir\"\naction = \"deny\""),
                );
                s.move_down(id);
                s.remove(id);
            }
        });
        let mk = with_paths(Sysno::mkdir, &["/a"]);
        let mut decided = 0;
        while !editor.is_finished() || decided == 0 {
            let (n, r) = set.decide(&mk).expect("the mkdir rule is always there");
            assert!(matches!(r.action, RuleAction::Answer(Answer::Allow)));
            assert!((1..=3).contains(&n));
            decided += 1;
        }
        editor.join().unwrap();
        assert_eq!(set.list()[0].hit_count(), decided);
    }

    #[test]
    fn actions() {
        let deny = one("[[rule]]\naction = \"deny\"");
        assert_eq!(deny.action, RuleAction::Answer(Answer::Deny(Errno::EPERM)));
        let r = parse_rules("[[rule]]\naction = \"deny\"", "f", Errno::ENOSYS).unwrap();
        assert_eq!(r[0].action, RuleAction::Answer(Answer::Deny(Errno::ENOSYS)));
        let r = one("[[rule]]\naction = \"deny\"\nerrno = 13");
        assert_eq!(r.action, RuleAction::Answer(Answer::Deny(Errno::EACCES)));
        let r = one("[[rule]]\naction = \"deny\"\nerrno = \"enotsup\"");
        assert_eq!(
            r.action,
            RuleAction::Answer(Answer::Deny(Errno::EOPNOTSUPP))
        );
        let r = one("[[rule]]\naction = \"return\"\nvalue = -5");
        assert_eq!(r.action, RuleAction::Answer(Answer::Return(-5)));
        let r = one("[[rule]]\naction = \"return\"\nvalue = 0xffffffffffffffff");
        assert_eq!(r.action, RuleAction::Answer(Answer::Return(-1)));
        assert_eq!(one("[[rule]]\naction = \"ask\"").action, RuleAction::Ask);
        let r = one("[[rule]]\nsyscall = [\"mkdir\", \"openat\"]\naction = \"emulate\"");
        assert_eq!(r.action, RuleAction::Answer(Answer::Emulate));
        // Inline-table spelling works too.
        let r = parse("rule = [{ action = \"allow\" }, { action = \"ask\" }]");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].origin(), &Origin::file("t.toml", 1));
    }

    #[test]
    fn empty_files() {
        assert!(parse("").is_empty());
        assert!(parse("# only a comment\n\n").is_empty());
        assert!(parse("rule = []").is_empty());
    }

    #[test]
    fn describe() {
        let d = |t: &str| one(t).describe();
        assert_eq!(
            d(
                "[[rule]]\nsyscall = [\"mkdir\", \"mkdirat\"]\npath = \"/tmp/**\"\naction = \"allow\""
            ),
            "allow mkdir, mkdirat under /tmp/**"
        );
        assert_eq!(
            d("[[rule]]\nsyscall = \"connect\"\nport = [80, 443]\naction = \"deny\""),
            "deny connect to port 80, 443 (EPERM)"
        );
        assert_eq!(
            d("[[rule]]\ncomm = \"python3\"\naction = \"allow\""),
            "allow any call by comm python3"
        );
        assert_eq!(
            d(
                "[[rule]]\nsyscall = \"@net\"\naddr = \"10.0.0.0/8\"\nport = \"1-9\"\n\
               exe = \"/bin/*\"\ncomm = \"x\"\naction = \"ask\""
            ),
            "ask about @net to 10.0.0.0/8 port 1-9 by comm x, exe /bin/*"
        );
        assert_eq!(
            d("[[rule]]\nsyscall = \"openat\"\naccess = \"read\"\n\
               path = [\"/etc/a\", \"/lib/**\"]\naction = \"allow\""),
            "allow openat for reading on /etc/a, /lib/**"
        );
        assert_eq!(
            d("[[rule]]\nsyscall = \"getuid\"\naction = \"return\"\nvalue = 0"),
            "return 0 from getuid"
        );
        assert_eq!(
            d("[[rule]]\naddr = \"@x\"\naction = \"deny\"\nerrno = \"EACCES\""),
            "deny any call to @x (EACCES)"
        );
    }

    #[test]
    fn toml_syntax_errors() {
        assert_err("[[rule]]\naction = allow\n", 2, 10, "invalid TOML");
        assert_err(
            "[[rule]]\naction = \"allow\"\naction = \"deny\"\n",
            3,
            1,
            "duplicate key",
        );
        assert_err("[[rule]\n", 1, 8, "invalid TOML");
    }

    #[test]
    fn unknown_keys() {
        assert_err(
            "[[rule]]\nsyscall = \"mkdir\"\n  paht = \"/tmp/**\"\naction = \"allow\"\n",
            3,
            3,
            "unknown key `paht` (did you mean `path`?)",
        );
        assert_err(
            "[[rule]]\nzzzzzzzzzz = 1\naction = \"allow\"\n",
            2,
            1,
            "rule keys:",
        );
        assert_err(
            "[rules]\n",
            1,
            2,
            "unknown top-level key `rules` (did you mean `rule`?)",
        );
        assert_err("x = 1\n", 1, 1, "unknown top-level key `x`");
        assert_err(
            "[rule]\naction = \"allow\"\n",
            1,
            1,
            "write each rule as `[[rule]]`",
        );
        assert_err("rule = [1]\n", 1, 9, "each rule must be a table");
        // Keys of a rule are checked in file order, whatever their names.
        assert_err("[[rule]]\nzz = 1\naa = 2\n", 2, 1, "`zz`");
    }

    #[test]
    fn bad_values() {
        assert_err(
            "[[rule]]\nsyscall = [\"mkdir\", \"mkdri\"]\naction = \"allow\"\n",
            2,
            21,
            "unknown syscall `mkdri` (did you mean `mkdir`?)",
        );
        assert_err(
            "[[rule]]\nsyscall = \"@fiel\"\naction = \"allow\"\n",
            2,
            11,
            "did you mean `@file`?",
        );
        assert_err(
            "[[rule]]\nsyscall = []\naction = \"allow\"\n",
            2,
            11,
            "empty list",
        );
        assert_err(
            "[[rule]]\nsyscall = 5\naction = \"allow\"\n",
            2,
            11,
            "must be a string",
        );
        assert_err(
            "[[rule]]\naction = \"deny\"\nerrno = \"EPREM\"\n",
            3,
            9,
            "unknown errno `EPREM` (did you mean EPERM?)",
        );
        assert_err(
            "[[rule]]\naction = \"deny\"\nerrno = 0\n",
            3,
            9,
            "out of range",
        );
        assert_err(
            "[[rule]]\naction = \"alow\"\n",
            2,
            10,
            "did you mean `allow`?",
        );
        assert_err("[[rule]]\naction = \"deny:EACCES\"\n", 2, 10, "`errno = ");
        assert_err(
            "[[rule]]\npath = [\"/ok/**\", \"/a/[\"]\naction = \"allow\"\n",
            2,
            19,
            "bad glob `/a/[`",
        );
        assert_err(
            "[[rule]]\npath = \"tmp/**\"\naction = \"allow\"\n",
            2,
            8,
            "absolute",
        );
        assert_err(
            "[[rule]]\ncomm = \"a{b\"\naction = \"allow\"\n",
            2,
            8,
            "`comm`: bad glob",
        );
        assert_err("[[rule]]\nexe = \"\"\naction = \"allow\"\n", 2, 7, "empty");
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = \"8999-8000\"\n",
            3,
            8,
            "bad port range `8999-8000`",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = [80, 70000]\n",
            3,
            13,
            "out of range",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = \"http\"\n",
            3,
            8,
            "bad port range",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = []\n",
            3,
            8,
            "empty list",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = 1.5\n",
            3,
            8,
            "`port` must be",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\naddr = \"10.0.0.0/33\"\n",
            3,
            8,
            "bad CIDR `10.0.0.0/33`",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\naddr = \"10.1.0.0/8\"\n",
            3,
            8,
            "did you mean `10.0.0.0/8`?",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\naddr = \"localhost\"\n",
            3,
            8,
            "bad address",
        );
        assert_err(
            "[[rule]]\nsyscall = \"open\"\naction = \"allow\"\naccess = \"rw\"\n",
            4,
            10,
            "unknown access `rw`",
        );
        assert_err(
            "[[rule]]\nsyscall = \"@file\"\naccess = \"read\"\naction = \"allow\"\n",
            3,
            10,
            "includes `mkdir` (in @file)",
        );
        assert_err(
            "[[rule]]\naccess = \"read\"\naction = \"allow\"\n",
            2,
            10,
            "needs `syscall`",
        );
    }

    #[test]
    fn action_key_combinations() {
        assert_err(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"\nerrno = \"EACCES\"\n",
            4,
            9,
            "`errno` applies only to `action = \"deny\"`",
        );
        assert_err(
            "[[rule]]\naction = \"deny\"\nvalue = 1\n",
            3,
            9,
            "`value` applies only to `action = \"return\"`",
        );
        assert_err("[[rule]]\naction = \"return\"\n", 2, 10, "needs a `value`");
        assert_err(
            "[[rule]]\naction = \"return\"\nvalue = \"0\"\n",
            3,
            9,
            "integer",
        );
        assert_err("\n\n[[rule]]\nsyscall = \"mkdir\"\n", 3, 1, "no `action`");
        // The second rule is the bad one.
        assert_err(
            "[[rule]]\naction = \"ask\"\n\n[[rule]]\n",
            4,
            1,
            "no `action`",
        );
    }

    #[test]
    fn emulate_restrictions() {
        let e = err("[[rule]]\nsyscall = [\"mkdir\", \"chmod\"]\naction = \"emulate\"\n");
        assert_eq!((e.line, e.column), (2, 21));
        assert!(
            e.message
                .starts_with("emulate is not available for `chmod`: unotify-tui can emulate mkdir, mkdirat, unlink,"),
            "{e}"
        );
        let e = err("[[rule]]\nsyscall = \"@file\"\naction = \"emulate\"\n");
        assert!(e.message.contains("`rename` (in @file)"), "{e}");
        assert_err(
            "[[rule]]\naction = \"emulate\"\n",
            2,
            10,
            "emulate needs `syscall`",
        );
    }

    #[test]
    fn positions_count_characters() {
        // "é" is two bytes but one column.
        assert_err("[[rule]]\ncomm = \"é\" ; x\n", 2, 12, "invalid TOML");
        assert_eq!(line_column("ab\ncd", 100), (2, 3));
        assert_eq!(line_column("é", 1), (1, 1));
        assert_eq!(line_column("", 0), (1, 1));
    }

    #[test]
    fn load_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = load_rules(&missing, Errno::EPERM).unwrap_err();
        assert_eq!(e.line, 0);
        assert_eq!(
            e.to_string(),
            format!(
                "cannot read {}: No such file or directory",
                missing.display()
            )
        );
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"[[rule]]\naction = \"allow\"\n# \xff\n").unwrap();
        let e = load_rules(&bad, Errno::EPERM).unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        assert!(
            e.to_string().ends_with(":3:3: the file is not valid UTF-8"),
            "{e}"
        );
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "[[rule]]\naction = \"allow\"\n").unwrap();
        let rules = load_rules(&good, Errno::EPERM).unwrap();
        assert_eq!(
            rules[0].origin().to_string(),
            format!("{}:1", good.display())
        );
    }

    #[test]
    fn builtin_rules_parse_and_decide() {
        let set = RuleSet::new(builtin_rules());
        assert!(!set.is_empty());
        assert!(set.list().iter().all(|r| r.origin().is_builtin()));
        let libc_so = "/usr/lib/x86_64-linux-gnu/libc.so.6";
        let (_, r) = set.decide(&openat(libc_so, O_RDONLY | O_CLOEXEC)).unwrap();
        assert_eq!(r.action, RuleAction::Answer(Answer::Allow));
        assert!(set.decide(&openat(libc_so, O_WRONLY)).is_none());
        assert!(set.decide(&openat("/etc/passwd", O_RDONLY)).is_none());
        assert!(set.decide(&openat("/etc/ld.so.cache", O_RDONLY)).is_some());
        assert!(set.decide(&openat("/proc/self/maps", O_RDONLY)).is_some());
        assert!(set.decide(&openat("/dev/null", O_WRONLY)).is_some());
        assert!(set.decide(&openat("/dev/tty", O_RDONLY)).is_none());
        assert!(set.decide(&openat("/dev/urandom", O_WRONLY)).is_none());
        assert!(set.decide(&with_paths(Sysno::unlink, &[libc_so])).is_none());
        // Every built-in rule reads as a sentence.
        for r in &set.list() {
            assert!(
                r.describe().starts_with("allow open, openat, openat2"),
                "{}",
                r.describe()
            );
        }
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::super::parse_rules;
        use crate::errno::Errno;

        const VALID: &str = r#"
[[rule]]
syscall = ["mkdir", "@net"]
path = ["/tmp/**", "/var/*"]
action = "deny"
errno = "EACCES"
port = [80, "8000-8999"]
addr = "10.0.0.0/8"
comm = "py*"
exe = "/usr/bin/*"

[[rule]]
syscall = "openat"
access = "read"
action = "return"
value = -1
"#;

        proptest! {
            #[test]
            fn never_panics_on_any_text(text in "\\PC*") {
                let _ = parse_rules(&text, "f", Errno::EPERM);
            }

            #[test]
            fn never_panics_on_any_chars(text in any::<String>()) {
                let _ = parse_rules(&text, "f", Errno::EPERM);
            }

            #[test]
            fn never_panics_on_mutations(edits in arb_edits()) {
                check(&mutate(VALID, edits));
            }

            /// The files that ship: the built-in rules and the demo's.
            #[test]
            fn never_panics_on_mutated_shipped_files(
                demo in any::<bool>(),
                edits in arb_edits(),
            ) {
                let base = if demo {
                    include_str!("../../assets/demo-rules.toml")
                } else {
                    include_str!("../../assets/default-rules.toml")
                };
                check(&mutate(base, edits));
            }

            /// Well-formed TOML with keys and values drawn from what rule
            /// files hold: deep checks run, not only the TOML parser.
            #[test]
            fn never_panics_on_generated_rules(
                rules in prop::collection::vec(
                    prop::collection::vec((arb_key(), arb_value()), 0..6),
                    0..4,
                )
            ) {
                let mut text = String::new();
                for rule in rules {
                    text.push_str("[[rule]]\n");
                    let mut seen = std::collections::HashSet::new();
                    for (k, v) in rule {
                        // A repeated key is a TOML error; keep the text valid TOML.
                        if seen.insert(k.clone()) {
                            text.push_str(&format!("{k} = {v}\n"));
                        }
                    }
                }
                check(&text);
            }
        }

        /// Found by the mutation test: a value with a newline or an escape
        /// sequence was quoted raw in the one-line error.
        #[test]
        fn quoted_input_is_escaped_in_errors() {
            let text = "[[rule]]\nsyscall = \"bi\\nd\\u001b[2J\"\naction = \"allow\"\n";
            let e = parse_rules(text, "f\nx", Errno::EPERM).unwrap_err();
            assert_eq!(e.to_string().lines().count(), 1, "{e}");
            assert!(e.to_string().starts_with("f\\nx:2:"), "{e}");
            assert!(e.to_string().contains("`bi\\nd\\e[2J`"), "{e}");
        }

        fn arb_edits() -> impl Strategy<Value = Vec<(prop::sample::Index, usize, char)>> {
            prop::collection::vec(
                (any::<prop::sample::Index>(), 0usize..4, any::<char>()),
                1..8,
            )
        }

        fn mutate(base: &str, edits: Vec<(prop::sample::Index, usize, char)>) -> String {
            let mut chars: Vec<char> = base.chars().collect();
            for (at, kind, c) in edits {
                if chars.is_empty() {
                    chars.push(c);
                    continue;
                }
                let i = at.index(chars.len());
                match kind {
                    0 => chars.insert(i, c),
                    1 => {
                        chars.remove(i);
                    }
                    2 => chars[i] = c,
                    // Duplicate a slice, e.g. a whole line or key.
                    _ => {
                        let end = (i + 12).min(chars.len());
                        let copy: Vec<char> = chars[i..end].to_vec();
                        chars.splice(i..i, copy);
                    }
                }
            }
            chars.into_iter().collect()
        }

        /// An error points into the text and reads as one line.
        fn check(text: &str) {
            if let Err(e) = parse_rules(text, "f", Errno::EPERM) {
                let shown = e.to_string();
                assert!(e.line >= 1 && e.column >= 1, "{shown}");
                assert!(e.line <= text.split('\n').count(), "{shown}");
                assert!(!shown.contains('\n'), "one line: {shown:?}");
            }
        }

        fn arb_key() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(super::super::KEYS).prop_map(str::to_string),
                Just("acton".to_string()),
                "[a-z]{1,8}",
            ]
        }

        fn quoted(s: &str) -> String {
            // TOML basic strings take JSON-style escapes.
            serde_json::to_string(s).unwrap()
        }

        fn arb_scalar() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(vec![
                    "allow",
                    "deny",
                    "return",
                    "emulate",
                    "ask",
                    "EPERM",
                    "eacces",
                    "9999",
                    "mkdir",
                    "@net",
                    "@file",
                    "@all",
                    "openat2",
                    "nosuchcall",
                    "/tmp/**",
                    "/**",
                    "[",
                    "{a,b}",
                    "**/x",
                    "",
                    "read",
                    "write",
                    "127.0.0.1",
                    "10.0.0.0/8",
                    "::1/129",
                    "1.2.3.4/33",
                    "80-79",
                    "0-65535",
                    "8000-",
                    "py*",
                    "\\",
                ])
                .prop_map(quoted),
                any::<String>().prop_map(|s| quoted(&s)),
                any::<i64>().prop_map(|i| i.to_string()),
                prop::sample::select(vec![
                    "0",
                    "-1",
                    "65535",
                    "65536",
                    "0x10",
                    "1e3",
                    "true",
                    "3.5",
                    "nan",
                    "1979-05-27",
                    "{}",
                    "{ a = 1 }",
                    "[]",
                ])
                .prop_map(str::to_string),
            ]
        }

        fn arb_value() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => arb_scalar(),
                1 => prop::collection::vec(arb_scalar(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
            ]
        }
    }
}
