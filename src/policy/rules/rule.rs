//! One rule: its conditions, its action, where it was written, and its
//! counters.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::BUILTIN_FILE;
#[cfg(doc)]
use super::RuleSet;
use crate::escape::escape_str;
use crate::model::Answer;
use crate::model::Call;
use crate::policy::matcher::{Access, Addr, Glob, Paths, Ports, Syscalls};

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
    /// 0 until the rule is put into a [`RuleSet`], which
    /// numbers it.
    pub(super) id: u64,
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
    /// A glob on the id of the container the call comes from (the
    /// agent): never matches a call from outside a container.
    pub(crate) container: Option<Glob>,
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

    /// Whether the rule has no condition but (perhaps) the syscall: it
    /// matches every call of the syscalls it names.
    pub(crate) fn decides_by_syscall_alone(&self) -> bool {
        // Destructured so a new condition cannot be forgotten here.
        let Conditions {
            syscalls: _,
            paths,
            access,
            ports,
            addr,
            comm,
            exe,
            container,
        } = &self.cond;
        paths.is_none()
            && access.is_none()
            && ports.is_none()
            && addr.is_none()
            && comm.is_none()
            && exe.is_none()
            && container.is_none()
    }

    /// Whether every condition of the rule holds for `call` (regardless of
    /// `enabled`).
    pub fn matches(&self, call: &Call) -> bool {
        let c = &self.cond;
        c.syscalls.as_ref().is_none_or(|s| s.contains(call.sysno))
            && c.access.is_none_or(|a| a.matches(call))
            && c.paths
                .as_ref()
                .is_none_or(|p| p.matches(call, self.refuses()))
            && c.ports.as_ref().is_none_or(|p| p.matches(call))
            && c.addr.as_ref().is_none_or(|a| a.matches(call))
            && c.comm.as_ref().is_none_or(|g| g.is_match(&call.proc.comm))
            && c.exe.as_ref().is_none_or(|g| g.is_match(&call.proc.exe))
            && c.container.as_ref().is_none_or(|g| {
                call.container
                    .as_ref()
                    .is_some_and(|k| g.is_match(k.id.as_bytes()))
            })
    }

    /// Whether trying the rule on `call` would look at the call's paths:
    /// it is enabled, has a `path` condition, and the conditions checked
    /// before the paths (syscall, access) hold.
    pub(super) fn could_look_at_paths(&self, call: &Call) -> bool {
        let c = &self.cond;
        self.enabled()
            && c.paths.is_some()
            && c.syscalls.as_ref().is_none_or(|s| s.contains(call.sysno))
            && c.access.is_none_or(|a| a.matches(call))
    }

    /// Whether the rule has a `path` condition and could apply to `sysno`.
    pub fn has_path_condition_for(&self, sysno: Option<syscalls::Sysno>) -> bool {
        self.cond.paths.is_some()
            && self
                .cond
                .syscalls
                .as_ref()
                .is_none_or(|s| s.contains(sysno))
    }

    /// Whether the rule refuses or stops the call (deny, ask): for such a
    /// rule one matching path of a multi-path call is enough.
    fn refuses(&self) -> bool {
        matches!(
            self.action,
            RuleAction::Ask | RuleAction::Answer(crate::model::Answer::Deny(_))
        )
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
        self.hit_at_us(crate::time::micros_since_epoch(at));
    }

    /// [`hit`](Self::hit) with the time in microseconds since the Unix
    /// epoch, as the receiver has it at hand.
    pub fn hit_at_us(&self, us: u64) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        self.last_hit_us.fetch_max(us.max(1), Ordering::Relaxed);
    }

    /// Sets the counters as another process had them (a rule handed over
    /// at detach or re-attach).
    pub(crate) fn set_counters(&self, hits: u64, last_hit_us: u64) {
        self.hits.store(hits, Ordering::Relaxed);
        self.last_hit_us.store(last_hit_us, Ordering::Relaxed);
    }

    /// [`Rule::last_hit`] in microseconds since the Unix epoch (0: never).
    pub(crate) fn last_hit_us(&self) -> u64 {
        self.last_hit_us.load(Ordering::Relaxed)
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
        if let Some(k) = &c.container {
            s.push_str(&format!(" in container {}", g(k)));
        }
        if let RuleAction::Answer(Answer::Deny(e)) = self.action {
            s.push_str(&format!(" ({e})"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use syscalls::Sysno;

    use crate::model::testing::{call, inet, with_paths, with_sockaddr};
    use crate::model::{Arg, SockAddr, Value};
    use crate::policy::rules::fixtures::*;

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
    fn container_globs_the_id_and_never_matches_outside_a_container() {
        use crate::model::Container;
        let r = one("[[rule]]\ncontainer = \"web-*\"\naction = \"deny\"");
        let mut c = call(Sysno::getpid, [0; 6], vec![]);
        assert!(!r.matches(&c), "no container");
        let in_ = |id: &str| {
            Some(std::sync::Arc::new(Container {
                id: id.into(),
                metadata: None,
            }))
        };
        c.container = in_("web-1");
        assert!(r.matches(&c));
        c.container = in_("db-1");
        assert!(!r.matches(&c));
        assert_eq!(r.describe(), "deny any call in container web-* (EPERM)");
    }

    #[test]
    fn comm_and_exe() {
        let r = one("[[rule]]\ncomm = \"python3\"\naction = \"allow\"");
        let mut c = with_paths(Sysno::mkdir, &["/a"]);
        assert!(!r.matches(&c));
        std::sync::Arc::make_mut(&mut c.proc).comm = b"python3"[..].into();
        assert!(r.matches(&c));
        std::sync::Arc::make_mut(&mut c.proc).comm = b"python3.12"[..].into();
        assert!(!r.matches(&c), "a plain comm is an exact match");
        let r = one("[[rule]]\ncomm = \"python3*\"\nexe = \"/usr/bin/*\"\naction = \"allow\"");
        std::sync::Arc::make_mut(&mut c.proc).exe = b"/usr/bin/python3.12"[..].into();
        assert!(r.matches(&c));
        std::sync::Arc::make_mut(&mut c.proc).exe = b"/usr/local/bin/python3.12"[..].into();
        assert!(!r.matches(&c));
        std::sync::Arc::make_mut(&mut c.proc).exe = b"/usr/bin/sub/python3"[..].into();
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
        // creat always writes: a write rule on it matches.
        let write_creat =
            one("[[rule]]\nsyscall = \"creat\"\naccess = \"write\"\naction = \"deny\"");
        assert!(write_creat.matches(&creat));
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
        raw.copies.get_or_insert_default().open_how = Some([O_WRONLY, 0, 0]);
        assert!(!read.matches(&raw));
        raw.copies.get_or_insert_default().open_how = Some([O_RDONLY, 0, 0]);
        assert!(read.matches(&raw));
        // An unreadable open_how matches neither kind.
        assert!(!read.matches(&call(Sysno::openat2, [0; 6], vec![])));
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
}
