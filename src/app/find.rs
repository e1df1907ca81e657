//! Finding things in history: the query that `/` searches for and `&`
//! filters by, the filtered view of history, and moving to a match.
//!
//! A query is words, all of which must match (AND):
//!
//! - an answer: `allow`, `deny`, `return`, `emulate`, `gone`
//! - who decided: `rule`, `you`, `default`, `timeout`, `continue`
//! - a syscall name or a group: `openat`, `@net`
//! - `pid N`: the process (or thread) N
//! - `comm NAME`: the process name (a glob: `comm py*`)
//! - `container ID`: the container a call comes from (the agent; a glob
//!   on its id). This word filters the pending calls too.
//! - a path glob: `/etc/*` (`*` within a directory, `**` across); a glob
//!   not starting with `/` matches the end of a path (`*.so`, `*hostname`)

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

use syscalls::Sysno;

use super::{App, Focus};
use crate::model::{Answer, Call, DecidedBy, Outcome, RealPath, Record};
use crate::policy::Glob;

/// What the query syntax is, for error messages.
const SYNTAX: &str = "words: allow deny return emulate gone, rule you default timeout continue, \
                      a syscall or @group, pid N, comm NAME, container ID, a path glob (/etc/*, \
                      *.so)";

#[derive(Clone, Debug)]
enum Term {
    Answer(&'static str),
    By(&'static str),
    Syscalls(Vec<Sysno>),
    Pid(u32),
    Comm(Glob),
    Container(Glob),
    Path(Glob),
}

/// A parsed query; its text as typed is kept to show and to edit again.
#[derive(Clone, Debug)]
pub struct Query {
    text: String,
    terms: Vec<Term>,
}

/// Shown escaped: a pasted query may hold control characters.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::escape::escape_str(&self.text))
    }
}

const ANSWERS: [&str; 5] = ["allow", "deny", "return", "emulate", "gone"];
const DECIDERS: [&str; 5] = ["rule", "you", "default", "timeout", "continue"];

/// Whether a word can only be meant as a path glob.
fn looks_like_path(w: &str) -> bool {
    w.contains(['/', '*', '?', '[', '.', '{'])
}

impl Query {
    /// Parses `text`; `Err` says why in a line. An empty query is an error
    /// too: the caller decides what "nothing" means.
    pub fn parse(text: &str) -> Result<Query, String> {
        let mut words = text.split_whitespace();
        let mut terms = Vec::new();
        while let Some(w) = words.next() {
            let term = if let Some(a) = ANSWERS.iter().find(|a| **a == w) {
                Term::Answer(a)
            } else if let Some(d) = DECIDERS.iter().find(|d| **d == w) {
                Term::By(d)
            } else if w == "pid" {
                let n = words
                    .next()
                    .ok_or("`pid` needs a number, e.g. `pid 1234`")?;
                Term::Pid(
                    n.parse()
                        .map_err(|_| format!("`pid {n}`: `{n}` is not a process id"))?,
                )
            } else if w == "comm" {
                let n = words
                    .next()
                    .ok_or("`comm` needs a process name, e.g. `comm cat`")?;
                Term::Comm(Glob::new(n)?)
            } else if w == "container" {
                let n = words
                    .next()
                    .ok_or("`container` needs a container id, e.g. `container web-*`")?;
                Term::Container(Glob::new(n)?)
            } else if w.starts_with('@') {
                Term::Syscalls(crate::decode::groups::expand(w)?)
            } else if let Ok(s) = w.parse::<Sysno>() {
                Term::Syscalls(vec![s])
            } else if looks_like_path(w) {
                let glob = if w.starts_with('/') {
                    w.to_string()
                } else {
                    format!("**/{w}")
                };
                Term::Path(Glob::new(&glob)?)
            } else {
                let words = ANSWERS
                    .iter()
                    .chain(DECIDERS.iter())
                    .copied()
                    .chain(["pid", "comm", "container"])
                    .chain(Sysno::iter().map(|s| s.name()));
                let hint = match crate::suggest::closest(&w.to_lowercase(), words) {
                    Some(best) => format!("did you mean `{best}`? "),
                    None => String::new(),
                };
                return Err(format!(
                    "`{}` is not a word a query knows ({hint}a file name: `*{}`); {SYNTAX}",
                    crate::escape::escape_str(w),
                    crate::escape::escape_str(w)
                ));
            };
            terms.push(term);
        }
        if terms.is_empty() {
            return Err(format!("an empty query; {SYNTAX}"));
        }
        Ok(Query {
            text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            terms,
        })
    }

    /// Whether `rec` matches every word.
    pub fn matches(&self, rec: &Record) -> bool {
        self.terms.iter().all(|t| term_matches(t, rec))
    }

    /// The calls of the container with exactly this `id` (the runtime's
    /// string: shown escaped, matched as it is).
    pub fn container(id: &str) -> Query {
        let glob = crate::policy::scope::glob_literal(id.as_bytes());
        Query {
            text: format!("container {}", crate::escape::escape_bytes(glob.as_bytes())),
            terms: Glob::new(&glob).map(Term::Container).into_iter().collect(),
        }
    }

    /// Whether the query names a container (it then filters the pending
    /// calls too).
    pub fn names_container(&self) -> bool {
        self.terms.iter().any(|t| matches!(t, Term::Container(_)))
    }

    /// Whether a waiting call passes the query's container words (the
    /// other words are about answers, which it has not had yet).
    pub fn container_matches(&self, call: &Call) -> bool {
        self.terms.iter().all(|t| match t {
            Term::Container(g) => container_is(g, call),
            _ => true,
        })
    }
}

fn container_is(g: &Glob, c: &Call) -> bool {
    c.container
        .as_ref()
        .is_some_and(|k| g.is_match(k.id.as_bytes()))
}

fn answer_word(rec: &Record) -> &'static str {
    match (rec.outcome, rec.answer) {
        (Outcome::Gone, _) | (_, None) => "gone",
        (_, Some(Answer::Allow)) => "allow",
        (_, Some(Answer::Deny(_))) => "deny",
        (_, Some(Answer::Return(_))) => "return",
        (_, Some(Answer::Emulate)) => "emulate",
    }
}

fn decider_word(by: &DecidedBy) -> &'static str {
    match by {
        DecidedBy::Rule { .. } => "rule",
        DecidedBy::User => "you",
        DecidedBy::Default => "default",
        DecidedBy::Timeout => "timeout",
        DecidedBy::Continue => "continue",
        DecidedBy::Supervisor => "unotify-tui",
    }
}

fn term_matches(t: &Term, rec: &Record) -> bool {
    let c = &rec.call;
    match t {
        Term::Answer(a) => answer_word(rec) == *a,
        Term::By(d) => decider_word(&rec.decided_by) == *d,
        Term::Syscalls(set) => c.sysno.is_some_and(|s| set.contains(&s)),
        Term::Pid(p) => c.proc.tgid == *p || c.notif.pid == *p,
        Term::Comm(g) => g.is_match(&c.proc.comm),
        Term::Container(g) => container_is(g, c),
        Term::Path(g) => {
            c.paths().iter().any(|p| g.is_match(p))
                || c.real.get().is_some_and(|r| {
                    r.paths.iter().any(|(_, p)| match p {
                        RealPath::Found(p) => g.is_match(p),
                        RealPath::Unresolved(_) => false,
                    })
                })
        }
    }
}

/// The filter on history: the query, and the history entries that match
/// it by sequence number (oldest first), kept up to date as entries come
/// and go, so drawing never scans the whole history.
#[derive(Clone, Debug)]
pub struct HistoryFilter {
    pub query: Query,
    pub hits: VecDeque<u64>,
}

impl App {
    /// The sequence number of `history[0]`.
    fn first_seq(&self) -> u64 {
        self.history_seq - self.history.len() as u64
    }

    /// How many entries history shows (all, or those the filter lets
    /// through).
    pub fn view_len(&self) -> usize {
        match &self.filter {
            Some(f) => f.hits.len(),
            None => self.history.len(),
        }
    }

    /// The `i`-th entry history shows, oldest first.
    pub fn view_get(&self, i: usize) -> Option<&Record> {
        match &self.filter {
            Some(f) => {
                let seq = *f.hits.get(i)?;
                self.history
                    .get((seq - self.first_seq()) as usize)
                    .map(|r| &**r)
            }
            None => self.history.get(i).map(|r| &**r),
        }
    }

    /// A new entry is at the end of history with sequence number
    /// `history_seq - 1`; `dropped` the one that left at the front.
    pub(super) fn filter_pushed(&mut self, dropped: Option<u64>) {
        let seq = self.history_seq - 1;
        let Some(f) = self.filter.as_mut() else {
            return;
        };
        if let Some(d) = dropped
            && f.hits.front() == Some(&d)
        {
            f.hits.pop_front();
        }
        let rec = self.history.back().expect("just pushed");
        if f.query.matches(rec) {
            f.hits.push_back(seq);
        }
    }

    /// `&` with `text`: filter history by it (empty: show everything).
    /// A query that does not parse leaves the filter as it was and says
    /// why.
    pub fn set_filter(&mut self, text: &str, now: Instant) {
        if text.trim().is_empty() {
            if self.filter.take().is_some() {
                self.history_back = None;
                self.say("filter off: history shows every entry", now);
            }
            return;
        }
        let query = match Query::parse(text) {
            Ok(q) => q,
            Err(e) => {
                let kept = match &self.filter {
                    Some(f) => format!("the filter stays `{}`", f.query),
                    None => "no filter".to_string(),
                };
                self.say(format!("filter not changed ({kept}): {e}"), now);
                return;
            }
        };
        self.filter_by(query, now);
        self.focus = Focus::History;
    }

    /// Filters history (and, for a query naming a container, the pending
    /// calls) by `query`.
    pub(super) fn filter_by(&mut self, query: Query, now: Instant) {
        let first = self.first_seq();
        let hits: VecDeque<u64> = self
            .history
            .iter()
            .enumerate()
            .filter(|(_, r)| query.matches(r))
            .map(|(i, _)| first + i as u64)
            .collect();
        let n = hits.len();
        self.say(
            format!(
                "filter `{query}`: {n} of {} entries; & changes it, & then Enter on nothing shows all",
                self.history.len()
            ),
            now,
        );
        self.filter = Some(HistoryFilter { query, hits });
        self.history_back = None;
        self.select_shown_pending();
    }

    /// `/` with `text`: find the nearest earlier entry that matches, and
    /// remember the query for `n` and `N`.
    pub fn start_search(&mut self, text: &str, now: Instant) {
        match Query::parse(text) {
            Ok(q) => {
                self.search = Some(q);
                // Starting on the newest entry itself, when nothing was
                // selected yet: it may be the one wanted.
                let from_newest = self.focus != Focus::History && self.history_back.is_none();
                self.find(true, from_newest, now);
            }
            Err(e) => self.say(format!("not searched: {e}"), now),
        }
    }

    /// `n` (`older`) and `N`: the next match further back, or forward.
    pub fn search_again(&mut self, older: bool, now: Instant) {
        if self.search.is_none() {
            self.say("nothing searched yet: / searches history", now);
            return;
        }
        self.find(older, false, now);
    }

    /// Moves the history selection to the next entry matching the search,
    /// towards older entries or newer, wrapping around; `here` counts the
    /// selected entry itself.
    fn find(&mut self, older: bool, here: bool, now: Instant) {
        let Some(q) = self.search.clone() else {
            return;
        };
        let n = self.view_len();
        if n == 0 {
            self.say(format!("`{q}`: history is empty"), now);
            return;
        }
        let sel = n - 1 - self.history_back.unwrap_or(0).min(n - 1);
        let step = |i: usize| {
            if older { (i + n - 1) % n } else { (i + 1) % n }
        };
        let mut i = if here { sel } else { step(sel) };
        for k in 0..n {
            if self.view_get(i).is_some_and(|r| q.matches(r)) {
                // Past the oldest (or newest) end, or all the way round.
                let circled = i == sel && !(here && k == 0);
                let wrapped = circled || if older { i > sel } else { i < sel };
                self.focus = Focus::History;
                let back = n - 1 - i;
                self.history_back = (back > 0).then_some(back);
                let place = format!("entry {} of {n}", i + 1);
                self.say(
                    if wrapped {
                        format!("`{q}`: {place} (search wrapped around); n older, N newer")
                    } else {
                        format!("`{q}`: {place}; n older, N newer")
                    },
                    now,
                );
                return;
            }
            i = step(i);
        }
        let within = if self.filter.is_some() {
            " among the filtered entries"
        } else {
            ""
        };
        self.say(format!("`{q}`: no match{within}"), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;
    use crate::model::testing::{FakeCall, openat, record, with_paths};

    fn rec(call: crate::model::Call, answer: Answer, by: DecidedBy) -> Record {
        record(call, answer, by)
    }

    #[test]
    fn a_query_is_shown_escaped() {
        let q = Query::parse("/tmp/\x1bx\u{202e}y").unwrap();
        let shown = q.to_string();
        assert!(
            !shown.contains('\x1b') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
        assert!(shown.starts_with("/tmp/"), "{shown:?}");
    }

    #[test]
    fn words_are_anded() {
        let q = Query::parse("deny openat /etc/*").unwrap();
        let deny = Answer::Deny(Errno::EPERM);
        assert!(q.matches(&rec(openat("/etc/passwd", 0), deny, DecidedBy::User)));
        assert!(!q.matches(&rec(openat("/etc/ssl/x", 0), deny, DecidedBy::User)));
        assert!(!q.matches(&rec(
            openat("/etc/passwd", 0),
            Answer::Allow,
            DecidedBy::User
        )));
        let mk = with_paths(Sysno::mkdir, &["/etc/x"]);
        assert!(!q.matches(&rec(mk, deny, DecidedBy::User)));
        // A glob not starting with / matches the end of a path.
        let q = Query::parse("*hostname").unwrap();
        assert!(q.matches(&rec(openat("/etc/hostname", 0), deny, DecidedBy::User)));
        let q = Query::parse("*.so you").unwrap();
        assert!(q.matches(&rec(openat("/lib/libc.so", 0), deny, DecidedBy::User)));
        assert!(!q.matches(&rec(openat("/lib/libc.so", 0), deny, DecidedBy::Default)));
        // Groups, and who decided.
        let q = Query::parse("@file default").unwrap();
        assert!(q.matches(&rec(openat("/a", 0), deny, DecidedBy::Default)));
    }

    #[test]
    fn pid_and_comm() {
        let call = FakeCall::new(Some(Sysno::getppid), [0; 6])
            .thread(1234, 1240, 1)
            .program("python3")
            .build();
        let r = rec(call, Answer::Allow, DecidedBy::User);
        assert!(Query::parse("pid 1234").unwrap().matches(&r));
        assert!(Query::parse("pid 1240").unwrap().matches(&r));
        assert!(!Query::parse("pid 1").unwrap().matches(&r));
        assert!(Query::parse("comm py*").unwrap().matches(&r));
        assert!(!Query::parse("comm cat").unwrap().matches(&r));
    }

    #[test]
    fn mistakes_say_why() {
        let err = |t: &str| Query::parse(t).unwrap_err();
        assert!(err("pid").contains("needs a number"), "{}", err("pid"));
        assert!(err("pid abc").contains("not a process id"));
        assert!(
            err("dney").contains("did you mean `deny`"),
            "{}",
            err("dney")
        );
        assert!(err("opneat").contains("did you mean `openat`"));
        assert!(err("/etc/[").contains("bad glob"), "{}", err("/etc/["));
        assert!(err("@nett").contains("did you mean `@net`"));
        assert!(err("  ").contains("empty"));
        // Target-like bytes in a mistake are escaped.
        assert!(err("a\u{1b}b").contains("a\\eb"), "{}", err("a\u{1b}b"));
    }
}
