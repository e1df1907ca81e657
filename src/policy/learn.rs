//! Learning mode (`--save-rules FILE`, headless): every call the default
//! action answered becomes part of a rule, and the rules are written at
//! exit, so that running the program again with `--rules FILE
//! --default-action deny` lets exactly those calls through.
//!
//! Grouping, so the file stays reviewable:
//! - one rule per kind of call (a syscall and its siblings, e.g. `open`,
//!   `openat`, `openat2`; opens for reading apart from opens for writing,
//!   the former with `access = "read"`) and per directory: its `path`
//!   lists the exact paths seen, until more than [`COLLAPSE`] different
//!   names were seen in one directory, which then becomes `/dir/*`;
//! - a path the program removed or renamed away during the run (a temp
//!   or lock file: `config.lock`, a random `tToJeGH`) is written as its
//!   directory, `/dir/*`, in every rule it appears in: its name will differ
//!   next time, or it exists only for a moment;
//! - socket calls: one rule per syscall and address, listing the ports
//!   (listen and accept have no port: theirs is the socket's own, often
//!   picked by the kernel anew each run); unix sockets one rule per path;
//! - calls with nothing to narrow by (no path or address, or a path that
//!   could not be resolved): one rule per syscall, any argument;
//! - names of one shape: where at least [`SHAPE_MIN`] sibling
//!   directories share a shape (a run of hex digits like git's
//!   `objects/3f`, a number, a random run of letters and digits), they
//!   become one glob for that shape (`objects/[0-9a-f][0-9a-f]`), and so
//!   do as many sibling file names (`tmp_obj_*`); the glob stays within
//!   the one directory level the names were in and keeps their literal
//!   parts, so it never covers more than names of that shape there;
//! - a kind of call seen in more than [`COLLAPSE`] directories is one rule
//!   listing them all (sorted, so the tree reads in order).
//!
//! Rules come in the order their first call came, so the file reads like
//! what the program did.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::SystemTime;

use syscalls::Sysno;

use super::matcher::{Access, Addr, Glob, Paths, Ports, Syscalls};
use super::rules::{Conditions, Origin, Rule, RuleAction};
use super::scope::{call_line, glob_literal, siblings};
use super::write::{NewRule, short_time};
use crate::model::Answer;
use crate::model::{Call, SockAddr, Value};

/// More than this many different names in one directory (for one kind of
/// call) are written as `/dir/*` rather than one by one; a kind of call
/// seen in more than this many directories becomes one rule.
pub const COLLAPSE: usize = 4;

/// At least this many sibling names of one shape are written as the glob
/// of that shape.
pub const SHAPE_MIN: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum What {
    /// The directories of the call's paths, in argument order.
    Dirs(Vec<Vec<u8>>),
    Ip(IpAddr),
    /// A unix socket path, or `@name`.
    Socket(Vec<u8>),
    /// Nothing to narrow by.
    Any,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    syscalls: Vec<Sysno>,
    access: Option<Access>,
    answer: Answer,
    what: What,
}

struct Group {
    key: Key,
    /// Distinct paths (every path of every call), in first-seen order.
    paths: Vec<Vec<u8>>,
    ports: Vec<u16>,
    calls: usize,
    example: String,
    /// Why the rule is wider than the calls (a path not resolved).
    note: Option<&'static str>,
}

/// Collects the calls the default action answered.
#[derive(Default)]
pub struct Learner {
    groups: Vec<Group>,
    index: HashMap<Key, usize>,
    calls: usize,
    started: Option<SystemTime>,
    /// Paths unlinked, removed or renamed away during the run.
    removed: Vec<Vec<u8>>,
}

fn parent(path: &[u8]) -> Vec<u8> {
    match path.iter().rposition(|&b| b == b'/') {
        Some(0) => b"/".to_vec(),
        Some(i) => path[..i].to_vec(),
        None => Vec::new(),
    }
}

/// The calls a learned rule for `sysno` covers, and whether it covers
/// reads only.
fn family_and_access(call: &Call, sysno: Sysno) -> (Vec<Sysno>, Option<Access>) {
    if matches!(sysno, Sysno::open | Sysno::openat | Sysno::openat2) {
        // Reads stay reads; a write rule covers reading too.
        let access = (Access::of_call(call) == Some(Access::Read)).then_some(Access::Read);
        (siblings(sysno), access)
    } else if sysno == Sysno::creat {
        (vec![Sysno::creat], None)
    } else {
        (siblings(sysno), None)
    }
}

/// Whether `sysno` takes its (first) path away.
fn removes(sysno: Sysno) -> bool {
    matches!(
        sysno,
        Sysno::unlink
            | Sysno::unlinkat
            | Sysno::rmdir
            | Sysno::rename
            | Sysno::renameat
            | Sysno::renameat2
    )
}

/// What one call was about: what groups it, its resolved paths and port.
struct Seen {
    what: What,
    paths: Vec<Vec<u8>>,
    port: Option<u16>,
    note: Option<&'static str>,
}

impl Seen {
    fn of(call: &Call, sysno: Sysno) -> Seen {
        // What rules match: the real paths, the program's own /proc
        // entries as /proc/self (they would never match again under
        // another pid).
        let proc_self = call.real.get().and_then(|r| r.proc_self);
        let resolved: Option<Vec<Vec<u8>>> = crate::decode::realpath::known_policy_paths(call)
            .into_iter()
            .map(|p| {
                p.starts_with(b"/").then(|| {
                    crate::decode::realpath::as_proc_self(p, proc_self)
                        .unwrap_or_else(|| p.to_vec())
                })
            })
            .collect();
        let has_path_arg = call
            .args
            .iter()
            .any(|a| matches!(a.value, Value::Path { .. }));
        let mut seen = Seen {
            what: What::Any,
            paths: Vec::new(),
            port: None,
            note: None,
        };
        match resolved {
            Some(ps) if !ps.is_empty() => {
                seen.what = What::Dirs(ps.iter().map(|p| parent(p)).collect());
                seen.paths = ps;
            }
            _ if has_path_arg => {
                seen.note = Some("a path could not be resolved, so any path");
            }
            _ => (seen.what, seen.port) = Seen::socket(call, sysno),
        }
        seen
    }

    /// What a call's socket address groups by, and the port to list
    /// (none for listen and accept, whose address is their own).
    fn socket(call: &Call, sysno: Sysno) -> (What, Option<u16>) {
        match call.sockaddr() {
            Some(SockAddr::Inet { ip, port }) => {
                let port = (!matches!(sysno, Sysno::listen | Sysno::accept | Sysno::accept4))
                    .then_some(*port);
                (What::Ip(ip.to_canonical()), port)
            }
            Some(SockAddr::Unix(p)) => (What::Socket(glob_literal(p).into_bytes()), None),
            Some(SockAddr::Abstract(n)) => (
                What::Socket(format!("@{}", glob_literal(n)).into_bytes()),
                None,
            ),
            _ => (What::Any, None),
        }
    }
}

impl Group {
    /// Counts one more call with these paths and port.
    fn add(&mut self, paths: Vec<Vec<u8>>, port: Option<u16>) {
        self.calls += 1;
        for p in paths {
            if !self.paths.contains(&p) {
                self.paths.push(p);
            }
        }
        if let Some(p) = port
            && !self.ports.contains(&p)
        {
            self.ports.push(p);
        }
    }
}

impl Learner {
    pub fn new() -> Learner {
        Learner {
            started: Some(SystemTime::now()),
            ..Learner::default()
        }
    }

    /// How many calls were recorded.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Records a call that `answer` answered. Calls with a syscall number
    /// unotify-tui does not know cannot be named in a rule and are skipped
    /// (returns false).
    pub fn record(&mut self, call: &Call, answer: Answer) -> bool {
        let Some(sysno) = call.sysno else {
            return false;
        };
        self.calls += 1;
        let (syscalls, access) = family_and_access(call, sysno);
        let seen = Seen::of(call, sysno);
        let key = Key {
            syscalls,
            access,
            answer,
            what: seen.what,
        };
        let i = self.group_index(key, call, seen.note);
        if removes(sysno)
            && let Some(first) = seen.paths.first()
            && !self.removed.contains(first)
        {
            self.removed.push(first.clone());
        }
        self.groups[i].add(seen.paths, seen.port);
        true
    }

    /// The index of the group for `key`, made (with `call` as its
    /// example) if it is the first of its kind.
    fn group_index(&mut self, key: Key, call: &Call, note: Option<&'static str>) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.groups.push(Group {
            key: key.clone(),
            paths: Vec::new(),
            ports: Vec::new(),
            calls: 0,
            example: call_line(call),
            note,
        });
        self.index.insert(key, self.groups.len() - 1);
        self.groups.len() - 1
    }

    /// The learned rules with their comments, in first-seen order.
    pub fn rules(&self) -> Vec<(Rule, String)> {
        let when = short_time(self.started.unwrap_or_else(SystemTime::now));
        let shapes = Shapes::of(
            self.groups
                .iter()
                .flat_map(|g| &g.paths)
                .chain(&self.removed),
        );
        let removed: Vec<String> = self.removed.iter().map(|p| shapes.path(p)).collect();
        let groups = shaped_groups(&self.groups, &shapes);
        let mut out = Vec::new();
        for merged in merge_kinds(groups) {
            let Some(rule) = merged_rule(&merged, &removed) else {
                continue;
            };
            let g = &merged[0];
            let calls: usize = merged.iter().map(|g| g.calls).sum();
            let calls = if calls == 1 {
                "1 call".to_string()
            } else {
                format!("{calls} calls")
            };
            let dirs = if merged.len() > 1 {
                format!(" in {} directories", merged.len())
            } else {
                String::new()
            };
            let mut comment = format!("learned {when} from {calls}{dirs}, e.g. {}", g.example);
            if let Some(n) = g.note {
                comment.push_str(&format!("\n({n})"));
            }
            out.push((rule, comment));
        }
        out
    }

    /// The rules as [`NewRule`]s for [`super::write::append_rules`].
    pub fn new_rules(rules: &[(Rule, String)]) -> Vec<NewRule<'_>> {
        rules
            .iter()
            .map(|(rule, comment)| NewRule {
                rule,
                comment: comment.clone(),
            })
            .collect()
    }
}

/// A learned path as it will be written: its directory as a glob (names
/// of a shape already replaced), and its name, still literal unless it
/// took its directory siblings' shape.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shaped {
    dir: String,
    name: Name,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Name {
    Literal(Vec<u8>),
    Glob(String),
}

impl Shaped {
    fn glob(&self) -> String {
        let name = match &self.name {
            Name::Literal(n) => glob_literal(n),
            Name::Glob(g) => g.clone(),
        };
        join_dir(&self.dir, &name)
    }
}

fn join_dir(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// The kind of one run of letters and digits in a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    Digits,
    Hex,
    Random,
}

impl Run {
    /// The glob for a run of `len` characters of this kind: exact for a
    /// short run, else its first character's class and `*` (a glob has no
    /// repeat count; the literal parts around it and the directory keep
    /// it to names of this shape).
    fn glob(self, len: usize) -> String {
        let class = match self {
            Run::Digits => "[0-9]",
            Run::Hex => "[0-9a-f]",
            Run::Random => return "*".into(),
        };
        if len <= 4 {
            class.repeat(len)
        } else {
            format!("{class}*")
        }
    }
}

/// The glob for a name's shape: its runs of digits, of lowercase hex
/// digits (with at least one digit), and of random-looking letters and
/// digits (six or more, both kinds) replaced by globs for their kind, the
/// rest kept literally. `None` when nothing in the name varies.
fn name_shape(name: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut varies = false;
    let mut i = 0;
    while i < name.len() {
        let start = i;
        if !name[i].is_ascii_alphanumeric() {
            while i < name.len() && !name[i].is_ascii_alphanumeric() {
                i += 1;
            }
            out.push_str(&glob_literal(&name[start..i]));
            continue;
        }
        while i < name.len() && name[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &name[start..i];
        let digits = run.iter().filter(|b| b.is_ascii_digit()).count();
        let letters = run.len() - digits;
        let kind = if digits == run.len() {
            Some((0, Run::Digits))
        } else if run.len() >= 2
            && digits > 0
            && run.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            Some((0, Run::Hex))
        } else if let Some(k) = run.iter().position(u8::is_ascii_digit)
            && run[k..].iter().all(u8::is_ascii_digit)
        {
            // A word and a number: `python3`, `tty12`.
            Some((k, Run::Digits))
        } else if run.len() >= 6 && digits > 0 && letters > 0 {
            Some((0, Run::Random))
        } else {
            None
        };
        match kind {
            Some((k, r)) => {
                out.push_str(&glob_literal(&run[..k]));
                out.push_str(&r.glob(run.len() - k));
                varies = true;
            }
            None => out.push_str(&glob_literal(run)),
        }
    }
    // Two wildcards in a row would make `**`, which crosses directories.
    (varies && !out.contains("**")).then_some(out)
}

/// The shape globs each of `names` (siblings) is written as: a shape
/// that at least [`SHAPE_MIN`] of them share, and that every other
/// sibling it matches joins. Names of no shared shape are not in the map.
fn sibling_shapes<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> HashMap<&'a [u8], String> {
    sibling_shapes_with(names, [])
}

/// [`sibling_shapes`], where `others` are siblings that join a shape they
/// match but do not count towards one (a directory's name as the last
/// component of a `mkdir`, next to directories seen in use).
fn sibling_shapes_with<'a>(
    names: impl IntoIterator<Item = &'a [u8]>,
    others: impl IntoIterator<Item = &'a [u8]>,
) -> HashMap<&'a [u8], String> {
    let mut names: Vec<&[u8]> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    let mut by_shape: HashMap<String, usize> = HashMap::new();
    let shapes: Vec<Option<String>> = names.iter().map(|n| name_shape(n)).collect();
    for s in shapes.iter().flatten() {
        *by_shape.entry(s.clone()).or_default() += 1;
    }
    let mut classes: Vec<(String, Glob)> = by_shape
        .into_iter()
        .filter(|(_, n)| *n >= SHAPE_MIN)
        .filter_map(|(s, _)| Some((s.clone(), Glob::new(&s).ok()?)))
        .collect();
    classes.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = HashMap::new();
    if classes.is_empty() {
        return out;
    }
    // A name goes to the matching shape that covers most siblings: `57`
    // and `3f` both to `[0-9a-f][0-9a-f]`, not `57` to `[0-9][0-9]`.
    let reach: Vec<usize> = classes
        .iter()
        .map(|(_, g)| names.iter().filter(|n| g.is_match(n)).count())
        .collect();
    let best = |name: &[u8]| -> Option<String> {
        classes
            .iter()
            .zip(&reach)
            .filter(|((_, g), _)| g.is_match(name))
            .max_by_key(|(_, r)| **r)
            .map(|((c, _), _)| c.clone())
    };
    for name in names.iter().copied().chain(others) {
        if let Some(c) = best(name) {
            out.entry(name).or_insert(c);
        }
    }
    out
}

/// How every learned path is written once sibling directories of one
/// shape are one glob: decided over all paths of all rules, level by
/// level from the root, so `objects/3f/…` and `objects/a0/…` both become
/// `objects/[0-9a-f][0-9a-f]/…` and their contents then are siblings.
struct Shapes {
    /// Each path's directory, as a glob.
    dirs: HashMap<Vec<u8>, String>,
    /// The paths whose name took the shape of sibling directories.
    names: HashMap<Vec<u8>, String>,
}

impl Shapes {
    fn of<'a>(paths: impl Iterator<Item = &'a Vec<u8>>) -> Shapes {
        let mut paths: Vec<&[u8]> = paths.map(Vec::as_slice).collect();
        paths.sort_unstable();
        paths.dedup();
        let split: Vec<Vec<&[u8]>> = paths
            .iter()
            .map(|p| p.split(|&b| b == b'/').collect())
            .collect();
        // The components as written so far: literal until a shape applies.
        let mut written: Vec<Vec<String>> = split
            .iter()
            .map(|cs| cs.iter().map(|c| glob_literal(c)).collect())
            .collect();
        let depth = split.iter().map(Vec::len).max().unwrap_or(0);
        let mut names: HashMap<Vec<u8>, String> = HashMap::new();
        // A directory takes a shape its sibling directories share; a name
        // (a path's last component) one of those it matches, or a shape
        // with a long varying run that its siblings of any kind share.
        for d in 1..depth {
            // By parent (as written): the names of directories, and the
            // names that end a path.
            type Names<'a> = (Vec<&'a [u8]>, Vec<&'a [u8]>);
            let mut siblings: HashMap<String, Names<'_>> = HashMap::new();
            for (cs, w) in split.iter().zip(&written) {
                if d < cs.len() {
                    let (dirs, last) = siblings.entry(w[..d].join("/")).or_default();
                    if d + 1 < cs.len() {
                        dirs.push(cs[d])
                    } else {
                        last.push(cs[d])
                    }
                }
            }
            // Per parent: the shapes of its directories (which names there
            // join), and the shapes with a long varying run (hashes, random
            // suffixes) of all its names, which names alone take.
            type Found<'a> = (HashMap<&'a [u8], String>, HashMap<&'a [u8], String>);
            let shaped: HashMap<String, Found<'_>> = siblings
                .into_iter()
                .map(|(parent, (dirs, last))| {
                    let long = sibling_shapes(dirs.iter().chain(&last).copied())
                        .into_iter()
                        .filter(|(_, g)| g.contains('*'))
                        .collect();
                    (parent, (sibling_shapes_with(dirs, last), long))
                })
                .collect();
            for ((p, cs), w) in paths.iter().zip(&split).zip(written.iter_mut()) {
                if d >= cs.len() {
                    continue;
                }
                let Some((of_dirs, long)) = shaped.get(&w[..d].join("/")) else {
                    continue;
                };
                if d + 1 < cs.len() {
                    if let Some(g) = of_dirs.get(cs[d]) {
                        w[d] = g.clone();
                    }
                } else if let Some(g) = of_dirs.get(cs[d]).or_else(|| long.get(cs[d])) {
                    names.insert(p.to_vec(), g.clone());
                }
            }
        }
        let dirs = paths
            .iter()
            .zip(&written)
            .map(|(p, w)| {
                let dir = w[..w.len() - 1].join("/");
                (p.to_vec(), if dir.is_empty() { "/".into() } else { dir })
            })
            .collect();
        Shapes { dirs, names }
    }

    fn shaped(&self, path: &[u8]) -> Shaped {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        let dir = self
            .dirs
            .get(path)
            .cloned()
            .unwrap_or_else(|| glob_literal(&parent(path)));
        let name = match self.names.get(path) {
            Some(g) => Name::Glob(g.clone()),
            None => Name::Literal(name.to_vec()),
        };
        Shaped { dir, name }
    }

    /// The path as a glob, its name literal.
    fn path(&self, path: &[u8]) -> String {
        self.shaped(path).glob()
    }
}

/// A group with its paths shaped: groups whose directories became the
/// same glob are one.
struct ShapedGroup<'a> {
    key: (&'a Key, Vec<String>),
    paths: Vec<Shaped>,
    ports: Vec<u16>,
    calls: usize,
    example: &'a str,
    note: Option<&'static str>,
}

fn shaped_groups<'a>(groups: &'a [Group], shapes: &Shapes) -> Vec<ShapedGroup<'a>> {
    let mut out: Vec<ShapedGroup<'a>> = Vec::new();
    type ShapedKey = (
        Vec<Sysno>,
        Option<Access>,
        Answer,
        Option<What>,
        Vec<String>,
    );
    let mut index: HashMap<ShapedKey, usize> = HashMap::new();
    for g in groups {
        let paths: Vec<Shaped> = g.paths.iter().map(|p| shapes.shaped(p)).collect();
        // The group's directories as globs: those of its paths in them.
        let dirs: Vec<String> = match &g.key.what {
            What::Dirs(ds) => ds
                .iter()
                .map(|d| {
                    g.paths
                        .iter()
                        .zip(&paths)
                        .find(|(p, _)| parent(p) == *d)
                        .map_or_else(|| glob_literal(d), |(_, s)| s.dir.clone())
                })
                .collect(),
            _ => Vec::new(),
        };
        let k = &g.key;
        let what = (!matches!(k.what, What::Dirs(_))).then(|| k.what.clone());
        let key = (k.syscalls.clone(), k.access, k.answer, what, dirs.clone());
        match index.get(&key) {
            Some(&i) => {
                let s = &mut out[i];
                s.calls += g.calls;
                for p in paths {
                    if !s.paths.contains(&p) {
                        s.paths.push(p);
                    }
                }
                for p in &g.ports {
                    if !s.ports.contains(p) {
                        s.ports.push(*p);
                    }
                }
                s.note = s.note.or(g.note);
            }
            None => {
                index.insert(key, out.len());
                out.push(ShapedGroup {
                    key: (&g.key, dirs),
                    paths,
                    ports: g.ports.clone(),
                    calls: g.calls,
                    example: &g.example,
                    note: g.note,
                });
            }
        }
    }
    out
}

/// The groups in first-seen order, each kind of call seen in more than
/// [`COLLAPSE`] directories made one (at the place of its first).
fn merge_kinds(groups: Vec<ShapedGroup<'_>>) -> Vec<Vec<ShapedGroup<'_>>> {
    let kind = |g: &ShapedGroup<'_>| {
        let k = g.key.0;
        matches!(k.what, What::Dirs(_)).then(|| (k.syscalls.clone(), k.access, k.answer))
    };
    let mut dirs_of_kind: HashMap<_, usize> = HashMap::new();
    for g in &groups {
        if let Some(k) = kind(g) {
            *dirs_of_kind.entry(k).or_default() += 1;
        }
    }
    let mut out: Vec<Vec<ShapedGroup<'_>>> = Vec::new();
    let mut at: HashMap<_, usize> = HashMap::new();
    for g in groups {
        match kind(&g).filter(|k| dirs_of_kind[k] > COLLAPSE) {
            Some(k) => match at.get(&k) {
                Some(&i) => out[i].push(g),
                None => {
                    at.insert(k, out.len());
                    out.push(vec![g]);
                }
            },
            None => out.push(vec![g]),
        }
    }
    out
}

/// The globs for the paths of a group: exact paths; `/dir/*` for a
/// directory with more than [`COLLAPSE`] names and for removed paths;
/// sibling names of one shape with a long varying run (`tmp_obj_*`) as
/// its glob.
fn path_globs(paths: &[Shaped], removed: &[String]) -> Vec<String> {
    let mut per_dir: Vec<(&str, Vec<&Name>)> = Vec::new();
    for p in paths {
        match per_dir.iter_mut().find(|(d, _)| *d == p.dir) {
            Some((_, names)) => {
                if !names.contains(&&p.name) {
                    names.push(&p.name);
                }
            }
            None => per_dir.push((&p.dir, vec![&p.name])),
        }
    }
    // A directory written as `/dir/*` covers every path in it.
    let wild: Vec<&str> = paths
        .iter()
        .filter(|p| removed.contains(&p.glob()))
        .map(|p| p.dir.as_str())
        .chain(
            per_dir
                .iter()
                .filter(|(_, n)| n.len() > COLLAPSE)
                .map(|(d, _)| *d),
        )
        .collect();
    let shapes: HashMap<&str, HashMap<&[u8], String>> = per_dir
        .iter()
        .map(|(d, names)| {
            let literal = names.iter().filter_map(|n| match n {
                Name::Literal(l) => Some(l.as_slice()),
                Name::Glob(_) => None,
            });
            (*d, sibling_shapes(literal))
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        let g = if wild.contains(&p.dir.as_str()) {
            join_dir(&p.dir, "*")
        } else {
            match &p.name {
                // Only long runs (random suffixes, hashes): a handful of
                // short numbered names (`f1`, `python3`) stay listed.
                Name::Literal(n) => match shapes
                    .get(p.dir.as_str())
                    .and_then(|m| m.get(n.as_slice()))
                    .filter(|shape| shape.contains('*'))
                {
                    Some(shape) => join_dir(&p.dir, shape),
                    None => p.glob(),
                },
                Name::Glob(_) => p.glob(),
            }
        };
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

/// Drops paths that another glob of the list covers, and sorts the rest.
fn tidy(mut globs: Vec<String>) -> Vec<String> {
    let wild: Vec<Glob> = globs
        .iter()
        .filter(|g| g.bytes().any(|b| b"*?[]{}\\".contains(&b)))
        .filter_map(|g| Glob::new(g).ok())
        .collect();
    globs.retain(|g| {
        g.bytes().any(|b| b"*?[]{}\\".contains(&b))
            || !wild.iter().any(|w| w.is_match(g.as_bytes()))
    });
    globs.sort();
    globs.dedup();
    globs
}

/// One rule for groups of one kind of call (one group, or a kind merged).
fn merged_rule(groups: &[ShapedGroup<'_>], removed: &[String]) -> Option<Rule> {
    let first = groups.first()?;
    let k = first.key.0;
    let mut set = k.syscalls.clone();
    set.sort_by_key(|s| s.id());
    set.dedup();
    let syscalls = Syscalls {
        written: k.syscalls.iter().map(|s| s.name().to_string()).collect(),
        set,
    };
    let mut cond = Conditions {
        syscalls: Some(syscalls),
        access: k.access,
        ..Conditions::default()
    };
    match &k.what {
        What::Dirs(_) => {
            let mut texts: Vec<String> = Vec::new();
            for g in groups {
                for t in path_globs(&g.paths, removed) {
                    if !texts.contains(&t) {
                        texts.push(t);
                    }
                }
            }
            if groups.len() > 1 {
                texts = tidy(texts);
            }
            let globs = texts
                .iter()
                .map(|t| Glob::new(t))
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            cond.paths = Some(Paths(globs));
        }
        What::Ip(ip) => {
            cond.addr = Some(Addr::parse(&ip.to_string()).ok()?);
            if !first.ports.is_empty() {
                let mut ports = first.ports.clone();
                ports.sort_unstable();
                cond.ports = Some(Ports(ports.into_iter().map(|p| (p, p)).collect()));
            }
        }
        What::Socket(name) => {
            cond.addr = Some(Addr::parse(&String::from_utf8_lossy(name)).ok()?);
        }
        What::Any => {}
    }
    let origin = Origin::file("learned", 0);
    Some(Rule::from_parts(RuleAction::Answer(k.answer), origin, cond))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;
    use crate::model::Arg;
    use crate::model::testing::*;
    use crate::policy::rules::{RuleSet, parse_rules};
    use crate::policy::write::append_rules;

    const RD: i32 = libc::O_RDONLY;
    const WR: i32 = libc::O_WRONLY | libc::O_CREAT;

    fn learn(calls: &[Call]) -> Vec<String> {
        let mut l = Learner::new();
        for c in calls {
            l.record(c, Answer::Allow);
        }
        l.rules().iter().map(|(r, _)| r.describe()).collect()
    }

    #[test]
    fn groups_by_kind_and_directory_and_collapses_busy_directories() {
        let mut calls = vec![
            openat("/etc/a.conf", RD),
            openat("/etc/a.conf", RD),
            openat("/etc/b.conf", RD),
            openat("/etc/b.conf", WR),
            with_paths(Sysno::mkdir, &[b"/w/out"]),
            with_paths(Sysno::mkdirat, &[b"/w/out/x"]),
        ];
        for i in 0..=COLLAPSE {
            calls.push(openat(&format!("/usr/share/t/f{i}"), RD));
        }
        assert_eq!(
            learn(&calls),
            [
                "allow open, openat, openat2 for reading on /etc/a.conf, /etc/b.conf",
                "allow open, openat, openat2 on /etc/b.conf",
                "allow mkdir, mkdirat on /w/out",
                "allow mkdir, mkdirat on /w/out/x",
                "allow open, openat, openat2 for reading on /usr/share/t/*",
            ]
        );
        // At the limit, names are still listed one by one.
        let few: Vec<Call> = (0..COLLAPSE)
            .map(|i| openat(&format!("/d/f{i}"), RD))
            .collect();
        assert!(learn(&few)[0].ends_with("/d/f0, /d/f1, /d/f2, /d/f3"));
    }

    #[test]
    fn removed_names_become_their_directory() {
        let calls = [
            openat("/r/.git/config.lock", WR),
            openat("/r/.git/HEAD", WR),
            with_paths(Sysno::rename, &["/r/.git/config.lock", "/r/.git/config"]),
            with_paths(Sysno::symlink, &[b"/r/.git/tXyZ12"]),
            with_paths(Sysno::unlink, &[b"/r/.git/tXyZ12"]),
        ];
        assert_eq!(
            learn(&calls),
            [
                "allow open, openat, openat2 on /r/.git/*",
                "allow rename, renameat, renameat2 on /r/.git/*",
                "allow symlink, symlinkat on /r/.git/*",
                "allow unlink, unlinkat on /r/.git/*",
            ]
        );
    }

    #[test]
    fn sockets_and_calls_without_arguments() {
        let listen = call(
            Sysno::listen,
            [3, 128, 0, 0, 0, 0],
            vec![Arg {
                name: "sockfd",
                raw: 3,
                value: Value::Fd {
                    fd: 3,
                    target: None,
                    local: Some(inet("127.0.0.1", 45123)),
                },
            }],
        );
        let calls = [
            with_sockaddr(Sysno::connect, inet("10.0.0.1", 443)),
            with_sockaddr(Sysno::connect, inet("10.0.0.1", 80)),
            with_sockaddr(Sysno::connect, inet("::ffff:10.0.0.1", 80)),
            with_sockaddr(Sysno::connect, inet("10.0.0.2", 80)),
            listen,
            with_sockaddr(Sysno::connect, SockAddr::Unix(b"/run/a*.sock".to_vec())),
            with_sockaddr(Sysno::connect, SockAddr::Abstract(b"bus".to_vec())),
            call(Sysno::socket, [2, 1, 0, 0, 0, 0], vec![]),
            call(Sysno::socket, [10, 1, 0, 0, 0, 0], vec![]),
        ];
        assert_eq!(
            learn(&calls),
            [
                "allow connect to 10.0.0.1 port 80, 443",
                "allow connect to 10.0.0.2 port 80",
                "allow listen to 127.0.0.1",
                "allow connect to /run/a\\\\*.sock",
                "allow connect to @bus",
                "allow socket",
            ]
        );
        let mut unknown = call(Sysno::socket, [0; 6], vec![]);
        unknown.sysno = None;
        let mut l = Learner::new();
        assert!(!l.record(&unknown, Answer::Allow));
        assert!(l.rules().is_empty());
    }

    #[test]
    fn written_rules_decide_every_learned_call_the_same_way() {
        let mut calls = vec![
            openat("/etc/a.conf", RD),
            openat("/w/new", WR),
            with_paths(Sysno::rename, &["/w/new", "/w/final"]),
            with_paths(Sysno::mkdir, &[b"/w/\xffodd*dir"]),
            with_sockaddr(Sysno::connect, inet("10.0.0.1", 443)),
            call(Sysno::socket, [2, 1, 0, 0, 0, 0], vec![]),
        ];
        for i in 0..10 {
            calls.push(openat(&format!("/usr/lib/x/{i}.so"), RD));
        }
        let mut l = Learner::new();
        for c in &calls {
            l.record(c, Answer::Deny(Errno::EACCES));
        }
        let rules = l.rules();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("learned.toml");
        append_rules(&path, &Learner::new_rules(&rules)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# learned "), "{text}");
        assert!(
            text.contains("from 10 calls, e.g. [100 prog] openat("),
            "{text}"
        );
        let set = RuleSet::new(parse_rules(&text, "learned.toml", Errno::EPERM).unwrap());
        for c in &calls {
            let (_, r) = set.decide(c).unwrap_or_else(|| panic!("{}", call_line(c)));
            assert_eq!(r.action, RuleAction::Answer(Answer::Deny(Errno::EACCES)));
        }
        // And not what was never seen.
        assert!(set.decide(&openat("/etc/other", RD)).is_none());
        assert!(set.decide(&openat("/etc/a.conf", WR)).is_none());
        assert!(
            set.decide(&with_sockaddr(Sysno::connect, inet("10.0.0.1", 80)))
                .is_none()
        );
    }

    #[test]
    fn shapes_of_names() {
        let shape = |n: &[u8]| name_shape(n);
        assert_eq!(shape(b"3f").as_deref(), Some("[0-9a-f][0-9a-f]"));
        assert_eq!(shape(b"57").as_deref(), Some("[0-9][0-9]"));
        assert_eq!(shape(b"python3").as_deref(), Some("python[0-9]"));
        assert_eq!(shape(b"tty12").as_deref(), Some("tty[0-9][0-9]"));
        assert_eq!(shape(b"1234567").as_deref(), Some("[0-9]*"));
        assert_eq!(
            shape(b"4d7e80d82d98d735b1ad85cce4b78f60156a8a").as_deref(),
            Some("[0-9a-f]*")
        );
        assert_eq!(
            shape(b"pack-0123456789abcdef0123456789abcdef01234567.idx").as_deref(),
            Some("pack-[0-9a-f]*.idx")
        );
        assert_eq!(shape(b"tmp_obj_A1b2C3").as_deref(), Some("tmp_obj_*"));
        assert_eq!(shape(b"tmp_obj_x9Yk2Q").as_deref(), Some("tmp_obj_*"));
        // Literal parts are escaped as in any learned glob.
        assert_eq!(shape(b"a[1]").as_deref(), Some("a\\[[0-9]\\]"));
        // Nothing varies: words, hex-looking words without a digit.
        for word in [
            &b"HEAD"[..],
            b"ab",
            b"cafe",
            b"multi-pack-index",
            b"README.md",
            b"x",
        ] {
            assert_eq!(shape(word), None, "{}", String::from_utf8_lossy(word));
        }
        // Two wildcards in a row would cross directories: no shape.
        assert_eq!(shape(b"x-\xffA1b2c3"), None);
        // A shape stays within one name.
        for n in [
            &b"3f"[..],
            b"1234567",
            b"tmp_obj_A1b2C3",
            b"pack-0123456789.idx",
        ] {
            let g = shape(n).unwrap();
            assert!(!g.contains('/') && !g.contains("**"), "{g}");
            let glob = Glob::new(&g).unwrap();
            assert!(glob.is_match(n));
            let mut deeper = n.to_vec();
            deeper.extend_from_slice(b"/x");
            assert!(!glob.is_match(&deeper), "{g}");
        }
    }

    #[test]
    fn siblings_of_one_shape() {
        let names: [&[u8]; 9] = [
            b"3f", b"57", b"a0", b"12", b"ab", b"c4", b"info", b"pack", b"x1",
        ];
        let m = sibling_shapes(names);
        // `ab` (no digit) and `57` (only digits) join the shape most of
        // their siblings have; words keep their names.
        for n in [&b"3f"[..], b"57", b"a0", b"12", b"ab", b"c4"] {
            assert_eq!(m.get(n).map(String::as_str), Some("[0-9a-f][0-9a-f]"));
        }
        for n in [&b"info"[..], b"pack", b"x1"] {
            assert_eq!(m.get(n), None);
        }
        // Fewer than SHAPE_MIN of a shape: nothing changes.
        assert!(sibling_shapes([&b"3f"[..], b"a0", b"info"]).is_empty());
        // `others` join a shape but do not make one.
        let m = sibling_shapes_with([&b"3f"[..], b"info"], [&b"a0"[..], b"c4"]);
        assert!(m.is_empty());
        let m = sibling_shapes_with([&b"3f"[..], b"a0", b"c4"], [&b"d5"[..], b"docs"]);
        assert_eq!(
            m.get(&b"d5"[..]).map(String::as_str),
            Some("[0-9a-f][0-9a-f]")
        );
        assert_eq!(m.get(&b"docs"[..]), None);
    }

    #[test]
    fn object_directories_become_one_glob_and_nothing_wider() {
        let objects = "/r/.git/objects";
        let mut calls = vec![with_paths(Sysno::mkdir, &[format!("{objects}/pack")])];
        for (i, d) in ["3f", "57", "a0", "c4", "12"].iter().enumerate() {
            let hash = format!("{i}d7e80d82d98d735b1ad85cce4b78f60156a8a");
            let tmp = format!("{objects}/{d}/tmp_obj_A{i}b2C3");
            calls.push(with_paths(Sysno::mkdir, &[format!("{objects}/{d}")]));
            calls.push(openat(&tmp, WR));
            calls.push(with_paths(
                Sysno::rename,
                &[tmp.clone(), format!("{objects}/{d}/{hash}")],
            ));
            calls.push(openat(&format!("{objects}/{d}/{hash}"), RD));
        }
        let mut l = Learner::new();
        for c in &calls {
            l.record(c, Answer::Allow);
        }
        let rules = l.rules();
        let described: Vec<String> = rules.iter().map(|(r, _)| r.describe()).collect();
        assert_eq!(
            described,
            [
                "allow mkdir, mkdirat on /r/.git/objects/pack, /r/.git/objects/[0-9a-f][0-9a-f]",
                "allow open, openat, openat2 on /r/.git/objects/[0-9a-f][0-9a-f]/*",
                "allow rename, renameat, renameat2 on /r/.git/objects/[0-9a-f][0-9a-f]/*",
                "allow open, openat, openat2 for reading on /r/.git/objects/[0-9a-f][0-9a-f]/[0-9a-f]*",
            ]
        );
        let text: String = rules
            .iter()
            .map(|(r, _)| crate::policy::write::rule_text(r))
            .collect();
        let set = RuleSet::new(parse_rules(&text, "l.toml", Errno::EPERM).unwrap());
        // Every call learned, and another repository's objects, replay...
        for c in &calls {
            assert!(set.decide(c).is_some(), "{}", call_line(c));
        }
        assert!(
            set.decide(&with_paths(Sysno::mkdir, &["/r/.git/objects/e9"]))
                .is_some()
        );
        assert!(
            set.decide(&openat("/r/.git/objects/e9/0123456789abcdef", RD))
                .is_some()
        );
        // ...but nothing of another shape or at another level.
        for p in [
            "/r/.git/objects/info",
            "/r/.git/objects/abc",
            "/r/.git/objects/3f/x/y",
            "/r/.git/3f",
            "/r/other/objects/3f",
        ] {
            assert!(set.decide(&with_paths(Sysno::mkdir, &[p])).is_none(), "{p}");
        }
        assert!(
            set.decide(&openat("/r/.git/objects/info/HEAD", RD))
                .is_none()
        );
        assert!(!text.contains("**"), "{text}");
    }

    #[test]
    fn a_kind_of_call_in_many_directories_is_one_rule() {
        let dirs = ["/p/a", "/p/b", "/q/c", "/q/d", "/r/e"];
        let mut calls: Vec<Call> = dirs.iter().map(|d| openat(&format!("{d}/f"), RD)).collect();
        calls.push(with_paths(Sysno::mkdir, &[b"/p/a"]));
        let mut l = Learner::new();
        for c in &calls[..4] {
            l.record(c, Answer::Allow);
        }
        // Four directories: a rule each, as before.
        assert_eq!(l.rules().len(), 4);
        for c in &calls[4..] {
            l.record(c, Answer::Allow);
        }
        let rules = l.rules();
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0].0.describe(),
            "allow open, openat, openat2 for reading on /p/a/f, /p/b/f, /q/c/f, /q/d/f, /r/e/f"
        );
        assert!(
            rules[0].1.contains("from 5 calls in 5 directories, e.g. "),
            "{}",
            rules[0].1
        );
        // Written one path a line.
        let text = crate::policy::write::rule_text(&rules[0].0);
        assert!(
            text.contains("path = [\n    \"/p/a/f\",\n    \"/p/b/f\",\n"),
            "{text}"
        );
        assert!(text.contains("    \"/r/e/f\",\n]\n"), "{text}");
    }
}
