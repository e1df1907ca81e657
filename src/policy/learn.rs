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
//!   could not be resolved): one rule per syscall, any argument.
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
/// call) are written as `/dir/*` rather than one by one.
pub const COLLAPSE: usize = 4;

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
        self.groups
            .iter()
            .filter_map(|g| {
                let rule = group_rule(g, &self.removed)?;
                let calls = if g.calls == 1 {
                    "1 call".to_string()
                } else {
                    format!("{} calls", g.calls)
                };
                let mut comment = format!("learned {when} from {calls}, e.g. {}", g.example);
                if let Some(n) = g.note {
                    comment.push_str(&format!("\n({n})"));
                }
                Some((rule, comment))
            })
            .collect()
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

/// The globs for the paths of a group: exact paths, or `/dir/*` for a
/// directory with more than [`COLLAPSE`] names and for removed paths.
fn path_globs(paths: &[Vec<u8>], removed: &[Vec<u8>]) -> Vec<String> {
    let mut per_dir: Vec<(Vec<u8>, usize)> = Vec::new();
    for p in paths {
        let d = parent(p);
        match per_dir.iter_mut().find(|(x, _)| *x == d) {
            Some((_, n)) => *n += 1,
            None => per_dir.push((d, 1)),
        }
    }
    // A directory written as `/dir/*` covers every path in it.
    let wild: Vec<Vec<u8>> = paths
        .iter()
        .filter(|p| removed.contains(p))
        .map(|p| parent(p))
        .chain(
            per_dir
                .iter()
                .filter(|(_, n)| *n > COLLAPSE)
                .map(|(d, _)| d.clone()),
        )
        .collect();
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        let d = parent(p);
        let many = wild.contains(&d);
        let g = if many {
            let dir = glob_literal(&d);
            if dir == "/" {
                "/*".to_string()
            } else {
                format!("{dir}/*")
            }
        } else {
            glob_literal(p)
        };
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

fn group_rule(g: &Group, removed: &[Vec<u8>]) -> Option<Rule> {
    let k = &g.key;
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
            let globs = path_globs(&g.paths, removed)
                .iter()
                .map(|t| Glob::new(t))
                .collect::<Result<Vec<_>, _>>()
                .ok()?;
            cond.paths = Some(Paths(globs));
        }
        What::Ip(ip) => {
            cond.addr = Some(Addr::parse(&ip.to_string()).ok()?);
            if !g.ports.is_empty() {
                let mut ports = g.ports.clone();
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
}
