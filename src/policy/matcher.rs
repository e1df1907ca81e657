//! The conditions one rule places on a call — syscall set, path globs,
//! ports, addresses, comm/exe globs, open access mode — parsed from their
//! rule-file text and tested against a decoded [`Call`].
//!
//! Parse errors here are plain messages; `rules` attaches file positions.

use std::ffi::OsStr;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::OnceLock;

use globset::{GlobBuilder, GlobMatcher};
use syscalls::Sysno;

use crate::model::{Call, SockAddr, Value};

/// A shell-style glob over bytes. `*`, `?` and `[…]` stay within one path
/// component; `**` crosses `/`. So `/tmp/*` matches `/tmp/a` but not
/// `/tmp/a/b`, and `/tmp/**` matches everything below `/tmp` (`/tmp/`,
/// `/tmp/a`, `/tmp/a/b`) but not `/tmp` itself.
#[derive(Clone, Debug)]
pub struct Glob {
    text: String,
    how: How,
}

/// How a glob is matched. Most rule globs are a plain path or a directory
/// and everything below it: those are compared as bytes. The others get a
/// regex, compiled on first use: a run pays only for the globs its calls
/// reach (compiling every built-in rule's regex at start-up cost more
/// than the rest of a short run together).
#[derive(Clone, Debug)]
enum How {
    /// No wildcard: the text itself.
    Exact,
    /// `DIR/**` with a literal `DIR/`: everything that starts with it.
    Below(usize),
    /// Anything else.
    Regex(globset::Glob, OnceLock<GlobMatcher>),
}

/// The bytes that make a glob's text more than literal.
const SPECIAL: &[u8] = b"*?[]{}\\";

impl Glob {
    pub fn new(text: &str) -> Result<Glob, String> {
        if text.is_empty() {
            return Err("the glob is empty".into());
        }
        let bytes = text.as_bytes();
        let literal = |b: &[u8]| !b.iter().any(|c| SPECIAL.contains(c));
        // Literal text, and literal text before a last `/**`, always
        // parse; anything else is parsed (and so checked) now.
        let how = if literal(bytes) {
            How::Exact
        } else if let Some(dir) = bytes.strip_suffix(b"**")
            && dir.ends_with(b"/")
            && literal(dir)
        {
            How::Below(dir.len())
        } else {
            let parsed = GlobBuilder::new(text)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("bad glob `{text}`: {}", e.kind()))?;
            How::Regex(parsed, OnceLock::new())
        };
        Ok(Glob {
            text: text.to_string(),
            how,
        })
    }

    /// Whether the glob matches these bytes (a path, comm or socket name;
    /// not necessarily UTF-8).
    pub fn is_match(&self, bytes: &[u8]) -> bool {
        match &self.how {
            How::Exact => bytes == self.text.as_bytes(),
            How::Below(n) => bytes.starts_with(&self.text.as_bytes()[..*n]),
            How::Regex(g, m) => m
                .get_or_init(|| g.compile_matcher())
                .is_match(Path::new(OsStr::from_bytes(bytes))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// The syscalls a rule names, as written (`@file`, `mkdir`) and expanded.
#[derive(Clone, Debug)]
pub struct Syscalls {
    /// The names and groups as written, for `describe`.
    pub written: Vec<String>,
    /// Every syscall they stand for, sorted by number, without duplicates.
    pub set: Vec<Sysno>,
}

impl Syscalls {
    pub fn contains(&self, s: Option<Sysno>) -> bool {
        s.is_some_and(|s| self.set.contains(&s))
    }
}

/// Path globs, matched against the real path of each path argument (what
/// the kernel will touch, symlinks and `..` followed in the program's
/// view), or the path as written where that could not be found. The
/// calling process's own `/proc/PID/…` also matches as `/proc/self/…`, so
/// `/proc/{self}/**` means "the program's own /proc entries".
///
/// A call with several paths (rename, link) matches a rule that refuses
/// (`any`: deny, ask) when any of its paths matches, and a rule that lets
/// it through (allow, return, emulate) only when every path does: a deny
/// rule on `secret*` catches `link(secret1, x)`, and an allow rule on
/// `/tmp/**` does not let `rename(/tmp/a, /etc/a)` through.
#[derive(Clone, Debug)]
pub struct Paths(pub Vec<Glob>);

impl Paths {
    pub fn matches(&self, call: &Call, any: bool) -> bool {
        let paths = crate::decode::realpath::policy_paths(call);
        let proc_self = call.real.get().and_then(|r| r.proc_self);
        let hit = |p: &&[u8]| {
            let self_form = crate::decode::realpath::as_proc_self(p, proc_self);
            self.0
                .iter()
                .any(|g| g.is_match(p) || self_form.as_deref().is_some_and(|s| g.is_match(s)))
        };
        !paths.is_empty()
            && if any {
                paths.iter().any(hit)
            } else {
                paths.iter().all(hit)
            }
    }

    /// Whether every glob names a subtree (`/x/**`), for the wording of
    /// `describe` ("under" rather than "on").
    pub fn all_subtrees(&self) -> bool {
        self.0.iter().all(|g| g.as_str().ends_with("/**"))
    }
}

impl fmt::Display for Paths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        join(f, self.0.iter().map(Glob::as_str))
    }
}

/// Ports and inclusive port ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ports(pub Vec<(u16, u16)>);

impl Ports {
    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| (lo..=hi).contains(&port))
    }

    pub fn matches(&self, call: &Call) -> bool {
        call.sockaddr()
            .and_then(SockAddr::port)
            .is_some_and(|p| self.contains(p))
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        join(
            f,
            self.0.iter().map(|&(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            }),
        )
    }
}

/// A port number from a TOML integer.
pub fn port_from_int(n: i128) -> Result<u16, String> {
    u16::try_from(n).map_err(|_| format!("port {n} is out of range (0-65535)"))
}

/// A port range from a string: `"8080"` or `"8000-8999"`.
pub fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    let one = |t: &str| -> Result<u16, String> {
        let t = t.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "bad port range `{s}` (expected a port like \"8080\" or a range like \"8000-8999\")"
            ));
        }
        t.parse::<u16>()
            .map_err(|_| format!("port {t} is out of range (0-65535)"))
    };
    match s.split_once('-') {
        None => one(s).map(|p| (p, p)),
        Some((a, b)) => {
            let (lo, hi) = (one(a)?, one(b)?);
            if lo > hi {
                Err(format!(
                    "bad port range `{s}`: {lo} is above {hi} (did you mean \"{hi}-{lo}\"?)"
                ))
            } else {
                Ok((lo, hi))
            }
        }
    }
}

/// What `addr` matches: an IP network or a unix socket name.
#[derive(Clone, Debug)]
pub enum Addr {
    /// An address and prefix length; a plain IP has the full length.
    Ip { net: IpAddr, prefix: u8 },
    /// A glob over AF_UNIX names: a path, or `@name` for the abstract
    /// namespace.
    Unix(Glob),
}

impl Addr {
    /// Parses `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`, `/run/*.sock`
    /// or `@name*`.
    pub fn parse(s: &str) -> Result<Addr, String> {
        let t = s.trim();
        if t.starts_with('/') || t.starts_with('@') {
            return Glob::new(t).map(Addr::Unix);
        }
        let (ip_text, prefix_text) = match t.split_once('/') {
            Some((ip, p)) => (ip, Some(p)),
            None => (t, None),
        };
        let net: IpAddr = ip_text.parse().map_err(|_| {
            format!(
                "bad address `{s}` (expected an IP like 127.0.0.1, a CIDR like 10.0.0.0/8, \
                 a unix socket path like /run/*.sock, or an abstract name like @name)"
            )
        })?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_text {
            None => max,
            Some(p) => {
                let p: u8 =
                    p.parse().ok().filter(|n| *n <= max).ok_or_else(|| {
                        format!("bad CIDR `{s}`: the prefix length must be 0-{max}")
                    })?;
                let base = mask(net, p);
                if base != net {
                    // Someone writing 10.1.2.3/8 probably meant the network;
                    // say so rather than silently widening or narrowing it.
                    return Err(format!(
                        "bad CIDR `{s}`: it has host bits set (did you mean `{base}/{p}`?)"
                    ));
                }
                p
            }
        };
        Ok(Addr::Ip { net, prefix })
    }

    pub fn matches(&self, call: &Call) -> bool {
        match (self, call.sockaddr()) {
            (Addr::Ip { net, prefix }, Some(SockAddr::Inet { ip, .. })) => ip_forms(*ip)
                .into_iter()
                .flatten()
                .any(|ip| ip.is_ipv4() == net.is_ipv4() && mask(ip, *prefix) == *net),
            (Addr::Unix(g), Some(SockAddr::Unix(path))) => g.is_match(path),
            (Addr::Unix(g), Some(SockAddr::Abstract(name))) => {
                let mut at = Vec::with_capacity(name.len() + 1);
                at.push(b'@');
                at.extend_from_slice(name);
                g.is_match(&at)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Ip { net, prefix } => {
                let full = if net.is_ipv4() { 32 } else { 128 };
                if *prefix == full {
                    write!(f, "{net}")
                } else {
                    write!(f, "{net}/{prefix}")
                }
            }
            Addr::Unix(g) => f.write_str(g.as_str()),
        }
    }
}

/// The address itself and its other spelling: an IPv4-mapped IPv6 address
/// (`::ffff:127.0.0.1`, what a dual-stack socket reports) also counts as
/// the IPv4 address, and the other way round.
fn ip_forms(ip: IpAddr) -> [Option<IpAddr>; 2] {
    let other = match ip {
        IpAddr::V4(v4) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
    };
    [Some(ip), other]
}

/// The first `prefix` bits of `ip`, the rest zeroed.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(bits & m))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// How an open-family call opens its file (the `access` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// `O_RDONLY` and neither `O_CREAT` nor `O_TRUNC`.
    Read,
    /// Anything else: `O_WRONLY`, `O_RDWR`, `O_CREAT`, `O_TRUNC`; `creat`.
    Write,
}

/// The syscalls `access` applies to.
pub const OPEN_CALLS: &[Sysno] = &[Sysno::open, Sysno::openat, Sysno::openat2, Sysno::creat];

/// Flag names in a decoded `open_how` that make an openat2 a write.
const WRITE_FLAG_NAMES: &[&str] = &["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_TMPFILE"];

impl Access {
    pub fn parse(s: &str) -> Result<Access, String> {
        match s {
            "read" => Ok(Access::Read),
            "write" => Ok(Access::Write),
            _ => Err(format!(
                "unknown access `{s}` (expected \"read\" or \"write\")"
            )),
        }
    }

    /// How `call` opens its file; `None` for calls that are not opens, and
    /// for an openat2 whose `open_how` could not be read (then neither
    /// `read` nor `write` rules match).
    pub fn of_call(call: &Call) -> Option<Access> {
        // For open and openat the flags are a plain register, so decide
        // from the raw value rather than from decoded text.
        let from_raw = |raw: u64| {
            let flags = raw as i32;
            let read = flags & libc::O_ACCMODE == libc::O_RDONLY
                && flags & (libc::O_CREAT | libc::O_TRUNC) == 0;
            if read { Access::Read } else { Access::Write }
        };
        match call.sysno? {
            Sysno::open => Some(from_raw(call.notif.args[1])),
            Sysno::openat => Some(from_raw(call.notif.args[2])),
            Sysno::creat => Some(Access::Write),
            // openat2's flags live in a struct in the target's memory: use
            // the raw copy the supervisor made, else the decoded flag names.
            Sysno::openat2 => match call.copies().open_how {
                Some([flags, _, _]) => Some(from_raw(flags)),
                None => Access::from_flag_names(call),
            },
            _ => None,
        }
    }

    /// An openat2's access from the decoded `open_how` text (`O_RDONLY|…`).
    fn from_flag_names(call: &Call) -> Option<Access> {
        call.args.iter().find_map(|a| match &a.value {
            Value::Flags(text) if matches!(a.name, "how" | "flags") => {
                let write = text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|word| WRITE_FLAG_NAMES.contains(&word));
                Some(if write { Access::Write } else { Access::Read })
            }
            _ => None,
        })
    }

    pub fn matches(self, call: &Call) -> bool {
        Access::of_call(call) == Some(self)
    }
}

/// Writes items separated by ", ".
fn join<S: AsRef<str>>(f: &mut fmt::Formatter<'_>, items: impl Iterator<Item = S>) -> fmt::Result {
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(item.as_ref())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_semantics() {
        let g = Glob::new("/tmp/**").unwrap();
        assert!(g.is_match(b"/tmp/a"));
        assert!(g.is_match(b"/tmp/a/b"));
        assert!(g.is_match(b"/tmp/"));
        assert!(!g.is_match(b"/tmp"));
        assert!(!g.is_match(b"/tmpx/a"));
        let g = Glob::new("/tmp/*").unwrap();
        assert!(g.is_match(b"/tmp/a"));
        assert!(!g.is_match(b"/tmp/a/b"));
        let g = Glob::new("**/*.so").unwrap();
        assert!(g.is_match(b"/usr/lib/x.so"));
        let g = Glob::new("/proc/[0-9]*/maps").unwrap();
        assert!(g.is_match(b"/proc/12/maps"));
        assert!(!g.is_match(b"/proc/1/2/maps"));
        // Non-UTF-8 bytes still match wildcards.
        assert!(Glob::new("/tmp/*").unwrap().is_match(b"/tmp/\xff\xfe"));
        assert!(Glob::new("[").is_err());
        assert!(Glob::new("").is_err());
    }

    /// The byte comparisons for plain and `DIR/**` globs agree with the
    /// regex globset compiles for them.
    #[test]
    fn fast_globs_match_like_the_regex() {
        let globs = [
            "/dev/null",
            "/tmp/",
            "/tmp/**",
            "/**",
            "/usr/lib/**",
            "a",
            "/proc/self/**",
        ];
        let inputs: [&[u8]; 14] = [
            b"/dev/null",
            b"/dev/null/",
            b"/dev/nul",
            b"/tmp",
            b"/tmp/",
            b"/tmp/a",
            b"/tmp/a/b
c",
            b"/",
            b"",
            b"a",
            b"/usr/lib/x.so",
            b"/usr/lib",
            b"/proc/self/maps",
            b"/tmp/\xff",
        ];
        for text in globs {
            let fast = Glob::new(text).unwrap();
            assert!(!matches!(fast.how, How::Regex(..)), "{text}");
            let re = GlobBuilder::new(text)
                .literal_separator(true)
                .build()
                .unwrap()
                .compile_matcher();
            for i in inputs {
                assert_eq!(
                    fast.is_match(i),
                    re.is_match(Path::new(OsStr::from_bytes(i))),
                    "{text} on {i:?}"
                );
            }
        }
        for text in ["/tmp/*", "/a\\*", "/a/**/b", "**", "/a/[bc]/**"] {
            assert!(
                matches!(Glob::new(text).unwrap().how, How::Regex(..)),
                "{text}"
            );
        }
    }

    #[test]
    fn port_ranges() {
        assert_eq!(parse_port_range("80"), Ok((80, 80)));
        assert_eq!(parse_port_range("8000-8999"), Ok((8000, 8999)));
        // A range of one port is a range, not a mistake.
        assert_eq!(parse_port_range("8080-8080"), Ok((8080, 8080)));
        assert_eq!(parse_port_range(" 1 - 2 "), Ok((1, 2)));
        assert!(
            parse_port_range("9-1")
                .unwrap_err()
                .contains("did you mean \"1-9\"")
        );
        assert!(parse_port_range("80-").is_err());
        assert!(parse_port_range("-80").is_err());
        assert!(
            parse_port_range("70000")
                .unwrap_err()
                .contains("out of range")
        );
        assert!(parse_port_range("http").is_err());
        assert!(port_from_int(65536).is_err());
        assert!(port_from_int(-1).is_err());
        assert_eq!(port_from_int(0), Ok(0));
        let p = Ports(vec![(80, 80), (8000, 8999)]);
        assert!(p.contains(8500) && p.contains(80) && !p.contains(81));
        assert_eq!(p.to_string(), "80, 8000-8999");
    }

    #[test]
    fn addresses() {
        assert!(matches!(
            Addr::parse("10.0.0.0/8"),
            Ok(Addr::Ip { prefix: 8, .. })
        ));
        assert!(matches!(
            Addr::parse("::1"),
            Ok(Addr::Ip { prefix: 128, .. })
        ));
        assert!(matches!(
            Addr::parse("0.0.0.0/0"),
            Ok(Addr::Ip { prefix: 0, .. })
        ));
        assert!(matches!(Addr::parse("@dbus*"), Ok(Addr::Unix(_))));
        let e = Addr::parse("10.1.2.3/8").unwrap_err();
        assert!(e.contains("did you mean `10.0.0.0/8`"), "{e}");
        assert!(Addr::parse("10.0.0.0/33").is_err());
        assert!(Addr::parse("fd00::/129").is_err());
        assert!(Addr::parse("localhost").is_err());
        assert!(Addr::parse("/run/[").is_err());
        assert_eq!(
            Addr::parse("127.0.0.0/8").unwrap().to_string(),
            "127.0.0.0/8"
        );
        assert_eq!(Addr::parse("::1").unwrap().to_string(), "::1");
    }
}
