//! Scopes for "always" decisions: from one call, the rules a person may
//! mean when they say "always allow this" — this exact path, this
//! directory, this tree, this port, this network, this syscall — each with
//! a label, a count of the calls it covers, and the rule it becomes.
//!
//! Every path here is the resolved absolute path the decoder produced,
//! turned into a glob with its glob characters escaped, so a file named
//! `a*b` gives a rule for `a*b` only.

use std::net::IpAddr;
use std::time::SystemTime;

use syscalls::Sysno;

use super::matcher::{Access, Addr, Glob, Paths, Ports, Syscalls};
use super::rules::{Conditions, Origin, Rule, RuleAction};
use crate::decode::format_call;
use crate::decode::groups::GROUPS;
use crate::escape::escape_bytes;
use crate::model::Answer;
use crate::model::emulation::can_emulate;
use crate::model::{Call, SockAddr};

/// Which kind of scope a candidate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// This exact path (every path of the call).
    Path,
    /// Every entry of the path's directory: `/dir/*`.
    Directory,
    /// Everything below the path's directory: `/dir/**`.
    Tree,
    /// Files with the same extension below the directory: `/dir/**/*.ext`.
    Extension,
    /// This IP address and port.
    AddressPort,
    /// This port, any address.
    Port,
    /// This IP address, any port.
    Address,
    /// The network around the address (`prefix` bits: /24 and /16 for
    /// IPv4, /64 and /48 for IPv6).
    Network { prefix: u8 },
    /// This unix socket path or abstract name.
    Socket,
    /// Unix sockets in the same directory: `/dir/*`.
    SocketDirectory,
    /// This syscall (and its siblings, see [`siblings`]) with any argument.
    Syscall,
    /// Every syscall of the group this one belongs to (`@file` …).
    Group,
}

/// Narrowing a scope to the calling program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Narrow {
    /// Any program.
    #[default]
    Any,
    /// Only this executable (`exe` = the caller's exe path).
    Exe,
    /// Only processes with this name (`comm`).
    Comm,
    /// Only calls from this container (`container` = its id; the agent).
    Container,
}

/// How long a rule made from a scope lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lifetime {
    /// Until unotify-tui exits.
    #[default]
    Session,
    /// Also written to the rule file (`w`).
    Save,
}

/// One candidate scope for a call.
#[derive(Clone, Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    /// For people, target data escaped: `this directory: /tmp/x/*`.
    pub label: String,
    /// The most likely choice for this call (exactly one per list).
    pub preselected: bool,
    /// Syscall names for the rule's `syscall` key.
    syscalls: Vec<Sysno>,
    /// `path` globs.
    paths: Vec<String>,
    addr: Option<String>,
    port: Option<u16>,
    /// What the call was, for `to_rule`.
    access: Option<Access>,
    comm: Vec<u8>,
    exe: Vec<u8>,
    /// The id of the container the call came from (the agent).
    container: Option<String>,
    from: String,
}

/// Calls that do the same thing under other names, so a rule made from
/// one covers the others: a program (or its libc version) may use either.
const FAMILIES: &[&[Sysno]] = &[
    &[Sysno::open, Sysno::openat, Sysno::openat2],
    &[Sysno::mkdir, Sysno::mkdirat],
    &[Sysno::unlink, Sysno::unlinkat],
    &[Sysno::rename, Sysno::renameat, Sysno::renameat2],
    &[Sysno::link, Sysno::linkat],
    &[Sysno::symlink, Sysno::symlinkat],
    &[Sysno::chmod, Sysno::fchmodat],
    &[Sysno::execve, Sysno::execveat],
    &[Sysno::accept, Sysno::accept4],
];

/// `sysno` and the calls that do the same thing under other names.
pub fn siblings(sysno: Sysno) -> Vec<Sysno> {
    match FAMILIES.iter().find(|f| f.contains(&sysno)) {
        Some(f) => f.to_vec(),
        None => vec![sysno],
    }
}

/// The one-line description of a call used in rule comments and session
/// origins: `[1234 mkdir] mkdir("/tmp/x", 0777)`, escaped.
pub fn call_line(call: &Call) -> String {
    format!(
        "[{} {}] {}",
        call.proc.tgid,
        escape_bytes(&call.proc.comm),
        format_call(call)
    )
}

/// Escapes glob syntax in `bytes` so the glob matches exactly them. Bytes
/// that are not UTF-8 cannot be written in a TOML rule file; each run of
/// them becomes `*` (any characters within that path component).
pub fn glob_literal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    // Whether `out` ends with a wildcard this function added: two in a
    // row would make `**`, which means something else.
    let mut wild = false;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
                out.push('\\');
            }
            out.push(c);
            wild = false;
        }
        if !chunk.invalid().is_empty() && !wild {
            out.push('*');
            wild = true;
        }
    }
    out
}

/// The directory part of an absolute path (`/a/b` → `/a`, `/a` → `/`);
/// `None` for `/` itself and for paths that are not absolute.
fn parent(path: &[u8]) -> Option<&[u8]> {
    if path.first() != Some(&b'/') {
        return None;
    }
    let trimmed = {
        let mut end = path.len();
        while end > 1 && path[end - 1] == b'/' {
            end -= 1;
        }
        &path[..end]
    };
    if trimmed == b"/" {
        return None;
    }
    let cut = trimmed.iter().rposition(|&b| b == b'/')?;
    Some(if cut == 0 { b"/" } else { &trimmed[..cut] })
}

/// `dir` + `/` + `rest`, without doubling the slash of `/`.
fn under(dir_glob: &str, rest: &str) -> String {
    if dir_glob == "/" {
        format!("/{rest}")
    } else {
        format!("{dir_glob}/{rest}")
    }
}

/// The extension of the last component (`x.tar.gz` → `gz`); none for
/// dotfiles like `.bashrc`.
fn extension(path: &[u8]) -> Option<&[u8]> {
    let name = path.rsplit(|&b| b == b'/').next()?;
    let dot = name.iter().rposition(|&b| b == b'.')?;
    if dot == 0 || dot + 1 == name.len() {
        return None;
    }
    Some(&name[dot + 1..])
}

/// The calls whose usual next calls have other names in the same
/// directory, where "this directory" is the likely choice.
fn creates_or_removes(call: &Call) -> bool {
    let creating_open = call.sysno.is_some_and(|s| {
        matches!(s, Sysno::open | Sysno::openat | Sysno::openat2)
            && Access::of_call(call) == Some(Access::Write)
            && creates(call)
    });
    creating_open
        || call.sysno.is_some_and(|s| {
            matches!(
                s,
                Sysno::creat
                    | Sysno::mkdir
                    | Sysno::mkdirat
                    | Sysno::unlink
                    | Sysno::unlinkat
                    | Sysno::rmdir
                    | Sysno::rename
                    | Sysno::renameat
                    | Sysno::renameat2
                    | Sysno::link
                    | Sysno::linkat
                    | Sysno::symlink
                    | Sysno::symlinkat
            )
        })
}

/// Whether an open has O_CREAT (from the raw flags register).
fn creates(call: &Call) -> bool {
    let flags = match call.sysno {
        Some(Sysno::open) => call.notif.args[1],
        Some(Sysno::openat) => call.notif.args[2],
        Some(Sysno::openat2) => call.copies().open_how.map_or(0, |h| h[0]),
        _ => 0,
    };
    (flags as i32) & libc::O_CREAT != 0
}

/// The real path of every path argument (what rules match), if the call
/// has any and all are absolute.
fn absolute_paths(call: &Call) -> Option<Vec<&[u8]>> {
    let paths = crate::decode::realpath::policy_paths(call);
    let ok = !paths.is_empty() && paths.iter().all(|p| p.first() == Some(&b'/'));
    ok.then_some(paths)
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    v.retain(|s| {
        if seen.contains(s) {
            false
        } else {
            seen.push(s.clone());
            true
        }
    });
    v
}

/// The first `prefix` bits of `ip`.
fn network(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & m).into())
        }
        IpAddr::V6(v6) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & m).into())
        }
    }
}

/// The candidate scopes for `call`, most specific first, exactly one
/// marked preselected. Empty for a syscall number unotify-tui does not
/// know (a rule cannot name it).
///
/// What is preselected, and why:
/// - opening or executing a file, chmod, truncate: this exact path — the
///   same file tends to be asked for again, and a wider grant over reads
///   or executables is a choice to make on purpose;
/// - creating or removing (mkdir, creat, open with O_CREAT, unlink,
///   rmdir, rename, link, symlink): this directory — programs create
///   and remove several names side by side (temp files, lock files,
///   `mkdir -p` levels), so the exact name rarely comes back, while a
///   whole tree would reach into subdirectories nobody looked at;
/// - connect and sendto: this address and port — one service;
/// - bind and listen: this port — the address is often a wildcard;
/// - unix sockets: this socket;
/// - anything else (no path or address to narrow by): the syscall.
pub fn scopes(call: &Call) -> Vec<Scope> {
    let Some(sysno) = call.sysno else {
        return Vec::new();
    };
    let base = Scope::base(call, sysno);
    let mut out = Vec::new();
    if let Some(paths) = absolute_paths(call) {
        path_scopes(&base, &paths, &mut out);
        let pick = if creates_or_removes(call) {
            ScopeKind::Directory
        } else {
            ScopeKind::Path
        };
        mark(&mut out, pick);
    } else if let Some(addr) = call.sockaddr() {
        let listening = matches!(sysno, Sysno::bind | Sysno::listen);
        socket_scopes(&base, addr, listening, &mut out);
    }
    syscall_scopes(&base, sysno, &mut out);
    if !out.iter().any(|s| s.preselected) {
        mark(&mut out, ScopeKind::Syscall);
    }
    // Rules from a read cover reads only (see `to_rule`); say so.
    if base.access == Some(Access::Read) {
        for s in out.iter_mut().filter(|s| s.kind != ScopeKind::Group) {
            s.label.push_str(", for reading");
        }
    }
    out
}

/// The scopes of the call's paths: the paths themselves, their
/// directories, their trees, and their extension when they share one.
fn path_scopes(base: &Scope, paths: &[&[u8]], out: &mut Vec<Scope>) {
    let shown = paths
        .iter()
        .map(|p| escape_bytes(p))
        .collect::<Vec<_>>()
        .join(", ");
    let exact = dedup(paths.iter().map(|p| glob_literal(p)).collect());
    let what = if paths.len() > 1 {
        "these paths"
    } else {
        "this path"
    };
    out.push(base.with_paths(ScopeKind::Path, format!("{what}: {shown}"), exact));
    let Some(dirs) = paths
        .iter()
        .map(|p| parent(p))
        .collect::<Option<Vec<&[u8]>>>()
    else {
        return;
    };
    let mut dirs_unique: Vec<&[u8]> = Vec::new();
    for d in dirs {
        if !dirs_unique.contains(&d) {
            dirs_unique.push(d);
        }
    }
    directory_scopes(base, paths, &dirs_unique, out);
}

/// The scopes below the paths' directories `dirs`: each directory, each
/// tree, and the paths' common extension in those trees.
fn directory_scopes(base: &Scope, paths: &[&[u8]], dirs: &[&[u8]], out: &mut Vec<Scope>) {
    let globs = |rest: &str| -> Vec<String> {
        dedup(dirs.iter().map(|d| under(&glob_literal(d), rest)).collect())
    };
    let shown_dirs = |rest: &str| {
        dirs.iter()
            .map(|d| under(&escape_bytes(d), rest))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let plural = dirs.len() > 1;
    out.push(base.with_paths(
        ScopeKind::Directory,
        format!(
            "{}: {}",
            if plural {
                "these directories"
            } else {
                "this directory"
            },
            shown_dirs("*")
        ),
        globs("*"),
    ));
    out.push(base.with_paths(
        ScopeKind::Tree,
        format!(
            "{}: {}",
            if plural { "these trees" } else { "this tree" },
            shown_dirs("**")
        ),
        globs("**"),
    ));
    let exts: Vec<&[u8]> = paths.iter().filter_map(|p| extension(p)).collect();
    if exts.len() == paths.len() && exts.iter().all(|e| *e == exts[0]) {
        let ext = exts[0];
        let rest_glob = format!("**/*.{}", glob_literal(ext));
        let rest_shown = format!("**/*.{}", escape_bytes(ext));
        out.push(base.with_paths(
            ScopeKind::Extension,
            format!("same extension: {}", shown_dirs(&rest_shown)),
            globs(&rest_glob),
        ));
    }
}

/// The scopes of a socket address, one of them preselected.
fn socket_scopes(base: &Scope, addr: &SockAddr, listening: bool, out: &mut Vec<Scope>) {
    match addr {
        SockAddr::Inet { ip, port } => {
            inet_scopes(base, ip.to_canonical(), *port, out);
            let pick = if listening {
                ScopeKind::Port
            } else {
                ScopeKind::AddressPort
            };
            mark(out, pick);
        }
        SockAddr::Unix(path) => {
            out.push(base.with_addr(
                ScopeKind::Socket,
                format!("this socket: {}", escape_bytes(path)),
                Some(glob_literal(path)),
                None,
            ));
            if let Some(dir) = parent(path) {
                out.push(base.with_addr(
                    ScopeKind::SocketDirectory,
                    format!(
                        "sockets in this directory: {}",
                        under(&escape_bytes(dir), "*")
                    ),
                    Some(under(&glob_literal(dir), "*")),
                    None,
                ));
            }
            mark(out, ScopeKind::Socket);
        }
        SockAddr::Abstract(name) => {
            out.push(base.with_addr(
                ScopeKind::Socket,
                format!("this socket: @{}", escape_bytes(name)),
                Some(format!("@{}", glob_literal(name))),
                None,
            ));
            mark(out, ScopeKind::Socket);
        }
        _ => {}
    }
}

/// An IP address and port: both, the port, the address, and the networks
/// around the address.
fn inet_scopes(base: &Scope, ip: IpAddr, port: u16, out: &mut Vec<Scope>) {
    let hostport = match ip {
        IpAddr::V4(_) => format!("{ip}:{port}"),
        IpAddr::V6(_) => format!("[{ip}]:{port}"),
    };
    out.push(base.with_addr(
        ScopeKind::AddressPort,
        format!("this address and port: {hostport}"),
        Some(ip.to_string()),
        Some(port),
    ));
    out.push(base.with_addr(
        ScopeKind::Port,
        format!("this port: {port}"),
        None,
        Some(port),
    ));
    out.push(base.with_addr(
        ScopeKind::Address,
        format!("this address: {ip}"),
        Some(ip.to_string()),
        None,
    ));
    // A network around the wildcard address means nothing.
    if !ip.is_unspecified() {
        let prefixes: &[u8] = if ip.is_ipv4() { &[24, 16] } else { &[64, 48] };
        for &p in prefixes {
            let net = format!("{}/{p}", network(ip, p));
            out.push(base.with_addr(
                ScopeKind::Network { prefix: p },
                format!("this network: {net}"),
                Some(net),
                None,
            ));
        }
    }
}

/// The scopes without arguments: the call and its siblings, and its group.
fn syscall_scopes(base: &Scope, sysno: Sysno, out: &mut Vec<Scope>) {
    let names = base
        .syscalls
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ");
    out.push(base.with_paths(
        ScopeKind::Syscall,
        format!("{names} with any argument"),
        Vec::new(),
    ));
    if let Some(g) = GROUPS.iter().find(|g| g.members.contains(&sysno)) {
        let mut s = base.clone();
        s.kind = ScopeKind::Group;
        s.label = format!("the {} group: {}", g.name, g.about);
        s.syscalls = g.members.to_vec();
        out.push(s);
    }
}

fn mark(scopes: &mut [Scope], kind: ScopeKind) {
    if let Some(s) = scopes.iter_mut().find(|s| s.kind == kind) {
        s.preselected = true;
    }
}

impl Scope {
    /// What every scope of `call` shares: its syscall and siblings (creat
    /// with the open family), what it did, and who made it.
    fn base(call: &Call, sysno: Sysno) -> Scope {
        let family = if sysno == Sysno::creat {
            vec![Sysno::open, Sysno::openat, Sysno::openat2, Sysno::creat]
        } else {
            siblings(sysno)
        };
        Scope {
            kind: ScopeKind::Syscall,
            label: String::new(),
            preselected: false,
            syscalls: family,
            paths: Vec::new(),
            addr: None,
            port: None,
            access: Access::of_call(call),
            comm: call.proc.comm.to_vec(),
            exe: call.proc.exe.to_vec(),
            container: call.container.as_ref().map(|k| k.id.clone()),
            from: call_line(call),
        }
    }

    /// This scope as one of `kind` on these `path` globs.
    fn with_paths(&self, kind: ScopeKind, label: String, paths: Vec<String>) -> Scope {
        Scope {
            kind,
            label,
            paths,
            ..self.clone()
        }
    }

    /// This scope as one of `kind` on this `addr` and `port`.
    fn with_addr(
        &self,
        kind: ScopeKind,
        label: String,
        addr: Option<String>,
        port: Option<u16>,
    ) -> Scope {
        Scope {
            kind,
            label,
            addr,
            port,
            ..self.clone()
        }
    }

    /// The label with the narrowing added: `… · by exe /usr/bin/git`.
    pub fn label_with(&self, narrow: Narrow) -> String {
        match narrow {
            Narrow::Any => self.label.clone(),
            Narrow::Exe => format!("{} · by exe {}", self.label, escape_bytes(&self.exe)),
            Narrow::Comm => format!("{} · by comm {}", self.label, escape_bytes(&self.comm)),
            Narrow::Container => format!(
                "{} · in container {}",
                self.label,
                escape_bytes(self.container.as_deref().unwrap_or_default().as_bytes())
            ),
        }
    }

    /// The rule this scope makes with `answer`, first in line, as a
    /// session rule made from the call.
    ///
    /// An open the call made for reading gives `access = "read"` (allowing
    /// a read must not allow writing). An open for writing gives `access =
    /// "write"` only with deny and return, so refusing writes leaves reads
    /// alone, while allowing a write covers reading too.
    ///
    /// Errors (in words for the person): emulate for a call unotify-tui
    /// cannot emulate, or narrowing by an exe or comm that is unknown.
    pub fn to_rule(
        &self,
        answer: Answer,
        narrow: Narrow,
        lifetime: Lifetime,
    ) -> Result<Rule, String> {
        let mut syscalls = self.syscalls.clone();
        if answer == Answer::Emulate {
            syscalls.retain(|s| can_emulate(*s));
            if syscalls.is_empty()
                || self.kind == ScopeKind::Group && syscalls.len() != self.syscalls.len()
            {
                let what = match self.kind {
                    ScopeKind::Group => "every call of this group",
                    _ => "this call",
                };
                return Err(format!("unotify-tui cannot emulate {what}"));
            }
        }
        let opens = syscalls.iter().all(|s| {
            matches!(
                s,
                Sysno::open | Sysno::openat | Sysno::openat2 | Sysno::creat
            )
        });
        let access = match (self.access, answer) {
            _ if !opens || self.kind == ScopeKind::Group => None,
            (Some(Access::Read), _) => Some(Access::Read),
            (Some(Access::Write), Answer::Deny(_) | Answer::Return(_)) => Some(Access::Write),
            _ => None,
        };
        let written = if self.kind == ScopeKind::Group {
            GROUPS
                .iter()
                .find(|g| g.members == syscalls.as_slice())
                .map(|g| vec![g.name.to_string()])
                .unwrap_or_else(|| syscalls.iter().map(|s| s.name().to_string()).collect())
        } else {
            syscalls.iter().map(|s| s.name().to_string()).collect()
        };
        let mut set = syscalls.clone();
        set.sort_by_key(|s| s.id());
        set.dedup();
        let glob = |text: &str| Glob::new(text).map_err(|e| format!("cannot make a rule: {e}"));
        let paths = if self.paths.is_empty() {
            None
        } else {
            Some(Paths(
                self.paths
                    .iter()
                    .map(|p| glob(p))
                    .collect::<Result<Vec<_>, _>>()?,
            ))
        };
        let addr = match &self.addr {
            Some(a) => Some(Addr::parse(a).map_err(|e| format!("cannot make a rule: {e}"))?),
            None => None,
        };
        let container = match (narrow, &self.container) {
            (Narrow::Container, Some(id)) => Some(glob(&glob_literal(id.as_bytes()))?),
            (Narrow::Container, None) => {
                return Err("the call comes from no container".into());
            }
            _ => None,
        };
        let (comm, exe) = match narrow {
            Narrow::Any | Narrow::Container => (None, None),
            Narrow::Comm if self.comm.is_empty() => {
                return Err("the process name is unknown".into());
            }
            Narrow::Exe if self.exe.is_empty() => {
                return Err("the executable is unknown".into());
            }
            Narrow::Comm => (Some(glob(&glob_literal(&self.comm))?), None),
            Narrow::Exe => (None, Some(glob(&glob_literal(&self.exe))?)),
        };
        let cond = Conditions {
            syscalls: Some(Syscalls { written, set }),
            paths,
            access,
            ports: self.port.map(|p| Ports(vec![(p, p)])),
            addr,
            comm,
            exe,
            container,
        };
        let origin = Origin::Session {
            made: SystemTime::now(),
            from: self.from.clone(),
            save: lifetime == Lifetime::Save,
        };
        Ok(Rule::from_parts(RuleAction::Answer(answer), origin, cond))
    }

    /// How many of `calls` the rule made with `answer` and `narrow` would
    /// match (0 when no such rule can be made).
    pub fn count<'a>(
        &self,
        answer: Answer,
        narrow: Narrow,
        calls: impl IntoIterator<Item = &'a Call>,
    ) -> usize {
        match self.to_rule(answer, narrow, Lifetime::Session) {
            Ok(rule) => count_matches(&rule, calls),
            Err(_) => 0,
        }
    }
}

/// How many of `calls` `rule` matches (enabled or not).
pub fn count_matches<'a>(rule: &Rule, calls: impl IntoIterator<Item = &'a Call>) -> usize {
    calls.into_iter().filter(|c| rule.matches(c)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;
    use crate::model::testing::*;

    const RD: i32 = libc::O_RDONLY | libc::O_CLOEXEC;
    const WR_CREAT: i32 = libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC;

    fn kinds(s: &[Scope]) -> Vec<ScopeKind> {
        s.iter().map(|s| s.kind).collect()
    }

    fn pre(s: &[Scope]) -> ScopeKind {
        let p: Vec<_> = s.iter().filter(|s| s.preselected).collect();
        assert_eq!(p.len(), 1, "exactly one preselected");
        p[0].kind
    }

    fn get(s: &[Scope], k: ScopeKind) -> &Scope {
        s.iter().find(|s| s.kind == k).unwrap()
    }

    fn allow(s: &Scope) -> Rule {
        s.to_rule(Answer::Allow, Narrow::Any, Lifetime::Session)
            .unwrap()
    }

    #[test]
    fn path_scopes_for_a_read() {
        let c = openat("/tmp/x/a.txt", RD);
        let s = scopes(&c);
        use ScopeKind::*;
        assert_eq!(
            kinds(&s),
            [Path, Directory, Tree, Extension, Syscall, Group]
        );
        assert_eq!(pre(&s), Path);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "this path: /tmp/x/a.txt, for reading",
                "this directory: /tmp/x/*, for reading",
                "this tree: /tmp/x/**, for reading",
                "same extension: /tmp/x/**/*.txt, for reading",
                "open, openat, openat2 with any argument, for reading",
                "the @file group: create, open, remove, rename, link, chmod and chown files",
            ]
        );
        assert_eq!(
            allow(&s[0]).describe(),
            "allow open, openat, openat2 for reading on /tmp/x/a.txt"
        );
        let calls = [
            openat("/tmp/x/a.txt", RD),
            openat("/tmp/x/b.txt", RD),
            openat("/tmp/x/sub/c.txt", RD),
            openat("/tmp/x/sub/d.rs", RD),
            openat("/tmp/x/a.txt", WR_CREAT),
            with_paths(Sysno::mkdir, &[b"/tmp/x/e"]),
            openat("/tmp/y/a.txt", RD),
        ];
        let n = |k| get(&s, k).count(Answer::Allow, Narrow::Any, &calls);
        assert_eq!(n(Path), 1, "reads only: a write open is not covered");
        assert_eq!(n(Directory), 2);
        assert_eq!(n(Tree), 4);
        assert_eq!(n(Extension), 3);
        assert_eq!(n(Syscall), 5, "reads of any path, no writes");
        assert_eq!(n(Group), 7);
        // Denying reads also gives `access = "read"`.
        let deny = s[0]
            .to_rule(Answer::Deny(Errno::EACCES), Narrow::Any, Lifetime::Save)
            .unwrap();
        assert_eq!(
            deny.describe(),
            "deny open, openat, openat2 for reading on /tmp/x/a.txt (EACCES)"
        );
        assert!(deny.wants_saving());
        match deny.origin() {
            Origin::Session { from, save, .. } => {
                assert_eq!(from, "[100 prog] openat(\"/tmp/x/a.txt\")");
                assert!(*save);
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn writes_and_creations() {
        let c = openat("/tmp/x/new.log", WR_CREAT);
        let s = scopes(&c);
        assert_eq!(
            pre(&s),
            ScopeKind::Directory,
            "a created name rarely comes back"
        );
        let d = get(&s, ScopeKind::Directory);
        // Allowing a write covers reading too; denying writes leaves reads alone.
        assert_eq!(
            allow(d).describe(),
            "allow open, openat, openat2 on /tmp/x/*"
        );
        let deny = d
            .to_rule(Answer::Deny(Errno::EPERM), Narrow::Any, Lifetime::Session)
            .unwrap();
        assert_eq!(
            deny.describe(),
            "deny open, openat, openat2 for writing on /tmp/x/* (EPERM)"
        );
        assert!(!deny.matches(&openat("/tmp/x/new.log", RD)));
        let m = scopes(&with_paths(Sysno::mkdir, &[b"/tmp/x/d"]));
        assert_eq!(pre(&m), ScopeKind::Directory);
        let e = get(&m, ScopeKind::Directory)
            .to_rule(Answer::Emulate, Narrow::Any, Lifetime::Session)
            .unwrap();
        assert_eq!(e.describe(), "emulate mkdir, mkdirat on /tmp/x/*");
        assert!(e.matches(&with_paths(Sysno::mkdirat, &[b"/tmp/x/other"])));
        assert!(!e.matches(&with_paths(Sysno::mkdirat, &[b"/tmp/x/other/deeper"])));
        // No extension, no extension scope; a group cannot be emulated.
        assert!(!kinds(&m).contains(&ScopeKind::Extension));
        assert!(
            get(&m, ScopeKind::Group)
                .to_rule(Answer::Emulate, Narrow::Any, Lifetime::Session)
                .is_err()
        );
        let chmod = scopes(&with_paths(Sysno::chmod, &[b"/tmp/f"]));
        assert_eq!(pre(&chmod), ScopeKind::Path);
        let err = chmod[0]
            .to_rule(Answer::Emulate, Narrow::Any, Lifetime::Session)
            .unwrap_err();
        assert_eq!(err, "unotify-tui cannot emulate this call");
        // The root directory has no parent: only the exact path.
        let root = scopes(&with_paths(Sysno::chmod, &[b"/"]));
        assert_eq!(
            kinds(&root),
            [ScopeKind::Path, ScopeKind::Syscall, ScopeKind::Group]
        );
        let top = scopes(&with_paths(Sysno::mkdir, &[b"/x"]));
        assert_eq!(get(&top, ScopeKind::Directory).label, "this directory: /*");
        assert!(allow(get(&top, ScopeKind::Tree)).matches(&with_paths(Sysno::mkdir, &[b"/a/b"])));
    }

    #[test]
    fn two_paths_must_both_be_covered() {
        let c = with_paths(Sysno::rename, &["/a/x.tmp", "/b/x"]);
        let s = scopes(&c);
        assert_eq!(s[0].label, "these paths: /a/x.tmp, /b/x");
        assert_eq!(
            get(&s, ScopeKind::Directory).label,
            "these directories: /a/*, /b/*"
        );
        assert!(
            !kinds(&s).contains(&ScopeKind::Extension),
            "extensions differ"
        );
        let r = allow(get(&s, ScopeKind::Directory));
        assert!(r.matches(&with_paths(Sysno::renameat2, &[b"/a/1", b"/b/2"])));
        assert!(!r.matches(&with_paths(Sysno::rename, &[b"/a/1", b"/c/2"])));
    }

    #[test]
    fn glob_characters_and_odd_bytes_match_only_themselves() {
        let weird = b"/tmp/we*ird[1]/f?{a,b}.txt";
        let c = with_paths(Sysno::unlink, &[weird]);
        let exact = allow(&scopes(&c)[0]);
        assert!(exact.matches(&c));
        assert!(!exact.matches(&with_paths(Sysno::unlink, &[b"/tmp/weXird1/fa.txt"])));
        let dir = allow(get(&scopes(&c), ScopeKind::Directory));
        assert!(dir.matches(&with_paths(Sysno::unlink, &[b"/tmp/we*ird[1]/other"])));
        assert!(!dir.matches(&with_paths(Sysno::unlink, &[b"/tmp/weird1/other"])));

        let odd = b"/tmp/\xff\xfeq/\x1b[31mred";
        let c = with_paths(Sysno::unlink, &[odd]);
        let s = scopes(&c);
        assert_eq!(s[0].label, "this path: /tmp/\\xff\\xfeq/\\e[31mred");
        assert!(!s.iter().any(|s| s.label.contains('\x1b')));
        assert!(allow(&s[0]).matches(&c));
        assert!(allow(get(&s, ScopeKind::Tree)).matches(&c));
        assert_eq!(glob_literal(b"a\xff\xfe\xfd"), "a*");
        assert_eq!(glob_literal(b"\\\xff"), "\\\\*");
        assert_eq!(glob_literal(b"\xffa\xff"), "*a*");
    }

    #[test]
    fn socket_scopes() {
        use ScopeKind::*;
        let c = with_sockaddr(Sysno::connect, inet("10.1.2.3", 443));
        let s = scopes(&c);
        assert_eq!(
            kinds(&s),
            [
                AddressPort,
                Port,
                Address,
                Network { prefix: 24 },
                Network { prefix: 16 },
                Syscall,
                Group
            ]
        );
        assert_eq!(pre(&s), AddressPort);
        assert_eq!(s[0].label, "this address and port: 10.1.2.3:443");
        assert_eq!(s[3].label, "this network: 10.1.2.0/24");
        assert_eq!(allow(&s[4]).describe(), "allow connect to 10.1.0.0/16");
        let calls = [
            with_sockaddr(Sysno::connect, inet("10.1.2.3", 443)),
            with_sockaddr(Sysno::connect, inet("10.1.2.3", 80)),
            with_sockaddr(Sysno::connect, inet("10.1.2.9", 443)),
            with_sockaddr(Sysno::connect, inet("10.1.9.9", 443)),
            with_sockaddr(Sysno::connect, inet("::ffff:10.1.2.3", 443)),
            with_sockaddr(Sysno::bind, inet("10.1.2.3", 443)),
        ];
        let counts: Vec<usize> = s
            .iter()
            .map(|s| s.count(Answer::Allow, Narrow::Any, &calls))
            .collect();
        assert_eq!(counts, [2, 4, 3, 4, 5, 5, 6]);

        let b = scopes(&with_sockaddr(Sysno::bind, inet("0.0.0.0", 8080)));
        assert_eq!(pre(&b), Port, "the address of a bind is often a wildcard");
        assert_eq!(kinds(&b), [AddressPort, Port, Address, Syscall, Group]);
        let emul = get(&b, Port)
            .to_rule(Answer::Emulate, Narrow::Any, Lifetime::Session)
            .unwrap();
        assert_eq!(emul.describe(), "emulate bind to port 8080");

        let v6 = scopes(&with_sockaddr(Sysno::connect, inet("2001:db8:1:2::5", 22)));
        assert_eq!(v6[0].label, "this address and port: [2001:db8:1:2::5]:22");
        assert_eq!(v6[3].label, "this network: 2001:db8:1:2::/64");
        assert_eq!(v6[4].label, "this network: 2001:db8:1::/48");
        let mapped = scopes(&with_sockaddr(Sysno::connect, inet("::ffff:10.1.2.3", 1)));
        assert_eq!(mapped[2].label, "this address: 10.1.2.3");

        let unix = scopes(&with_sockaddr(
            Sysno::connect,
            SockAddr::Unix(b"/run/a b.sock".to_vec()),
        ));
        assert_eq!(kinds(&unix), [Socket, SocketDirectory, Syscall, Group]);
        assert_eq!(pre(&unix), Socket);
        assert_eq!(unix[1].label, "sockets in this directory: /run/*");
        let r = allow(&unix[1]);
        assert!(r.matches(&with_sockaddr(
            Sysno::connect,
            SockAddr::Unix(b"/run/x".to_vec())
        )));
        let abs = scopes(&with_sockaddr(
            Sysno::connect,
            SockAddr::Abstract(b"bus*1".to_vec()),
        ));
        assert_eq!(abs[0].label, "this socket: @bus*1");
        let r = allow(&abs[0]);
        assert!(r.matches(&with_sockaddr(
            Sysno::connect,
            SockAddr::Abstract(b"bus*1".to_vec())
        )));
        assert!(!r.matches(&with_sockaddr(
            Sysno::connect,
            SockAddr::Abstract(b"bus21".to_vec())
        )));
    }

    #[test]
    fn calls_without_arguments_to_narrow_by() {
        let g = scopes(&call(Sysno::getppid, [0; 6], vec![]));
        assert_eq!(kinds(&g), [ScopeKind::Syscall]);
        assert!(g[0].preselected);
        assert_eq!(g[0].label, "getppid with any argument");
        let k = scopes(&call(Sysno::kill, [1, 9, 0, 0, 0, 0], vec![]));
        assert_eq!(kinds(&k), [ScopeKind::Syscall, ScopeKind::Group]);
        let grp = allow(&k[1]);
        assert_eq!(grp.describe(), "allow @process");
        assert!(grp.matches(&call(Sysno::clone3, [0; 6], vec![])));
        let mut unknown = call(Sysno::getppid, [0; 6], vec![]);
        unknown.sysno = None;
        assert!(scopes(&unknown).is_empty());
        // A path that could not be resolved: nothing but the syscall.
        let mut rel = with_paths::<&str>(Sysno::mkdir, &[]);
        rel.args.push(crate::model::Arg {
            name: "pathname",
            raw: 0,
            value: crate::model::Value::Path {
                given: b"x".to_vec(),
                resolved: None,
            },
        });
        assert_eq!(kinds(&scopes(&rel)), [ScopeKind::Syscall, ScopeKind::Group]);
    }

    #[test]
    fn narrowing_to_the_program() {
        let c = with_paths(Sysno::mkdir, &[b"/tmp/d"]);
        let s = &scopes(&c)[1];
        let by_exe = s
            .to_rule(Answer::Allow, Narrow::Exe, Lifetime::Session)
            .unwrap();
        let by_comm = s
            .to_rule(Answer::Allow, Narrow::Comm, Lifetime::Session)
            .unwrap();
        assert_eq!(
            by_exe.describe(),
            "allow mkdir, mkdirat on /tmp/* by exe /usr/bin/prog"
        );
        assert_eq!(
            s.label_with(Narrow::Comm),
            "this directory: /tmp/* · by comm prog"
        );
        let mut other = with_paths(Sysno::mkdir, &[b"/tmp/e"]);
        assert!(by_exe.matches(&other) && by_comm.matches(&other));
        std::sync::Arc::make_mut(&mut other.proc).exe = b"/usr/bin/prog2"[..].into();
        std::sync::Arc::make_mut(&mut other.proc).comm = b"prog2"[..].into();
        assert!(!by_exe.matches(&other) && !by_comm.matches(&other));
        let mut anon = c.clone();
        std::sync::Arc::make_mut(&mut anon.proc).exe = std::sync::Arc::from(&b""[..]);
        assert!(
            scopes(&anon)[1]
                .to_rule(Answer::Allow, Narrow::Exe, Lifetime::Session)
                .is_err()
        );
    }
}
