//! strace-like rendering of decoded calls and values, every target byte
//! escaped.

use super::flags::{self, format_mode};
use super::memory::PATH_MAX;
use super::sockaddr::{self, format_sockaddr};
use super::table::{Kind, Params, params};
use crate::errno::Errno;
use crate::escape::{escape_bytes, escape_str};
use crate::model::RealPath;
use crate::model::{Arg, Call, SockAddr, Value};

fn errno_name(errno: i32) -> String {
    Errno::new(errno).map_or_else(|| errno.to_string(), |e| e.name())
}

/// `"bytes"`, escaped, with `...` after the quote when the string was cut
/// at [`PATH_MAX`].
fn quoted(bytes: &[u8]) -> String {
    let cut = if bytes.len() >= PATH_MAX { "..." } else { "" };
    format!("\"{}\"{cut}", escape_bytes(bytes))
}

/// `3</etc/hosts>`, `3<socket:[77] 0.0.0.0:8080>`, or `3` when the target
/// is unknown.
fn fd_text(fd: i32, target: Option<&[u8]>, local: Option<&SockAddr>) -> String {
    match (target, local) {
        (Some(t), Some(l)) => format!("{fd}<{} {}>", escape_bytes(t), format_sockaddr(l)),
        (Some(t), None) => format!("{fd}<{}>", escape_bytes(t)),
        (None, _) => fd.to_string(),
    }
}

/// Renders one argument value, target bytes escaped:
/// `"/etc/hosts"`, `"sub"</tmp/d/sub>` (a path and its resolved form when
/// they differ), `3</etc/hosts>`, `AT_FDCWD`, `{AF_INET, 127.0.0.1:80}`,
/// `["ls", "-l", ...]`, `<unreadable: EFAULT>`, `NULL`, `0755`.
pub fn format_value(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Hex(n) => format!("{n:#x}"),
        Value::Fd { fd, target, local } => fd_text(*fd, target.as_deref(), local.as_ref()),
        Value::DirFd { fd, .. } if *fd == libc::AT_FDCWD => "AT_FDCWD".to_string(),
        Value::DirFd { fd, target } => fd_text(*fd, target.as_deref(), None),
        Value::Path { given, resolved } => match resolved {
            Some(r) if r != given => format!("{}<{}>", quoted(given), escape_bytes(r)),
            _ => quoted(given),
        },
        Value::Str(bytes) => quoted(bytes),
        Value::Unreadable { errno, .. } => format!("<unreadable: {}>", errno_name(*errno)),
        Value::Partial { bytes, errno } => {
            format!("{}...<unreadable: {}>", quoted(bytes), errno_name(*errno))
        }
        Value::Null => "NULL".to_string(),
        Value::Flags(s) => escape_str(s),
        Value::Mode(m) => format_mode(*m),
        Value::SockAddr(s) => match sockaddr::sockaddr_family(s) {
            Some(family) => format!("{{{family}, {}}}", format_sockaddr(s)),
            None => format!("{{{}}}", format_sockaddr(s)),
        },
        Value::Argv { items, more } => {
            let mut parts: Vec<String> = items.iter().map(|b| quoted(b)).collect();
            if *more {
                parts.push("...".to_string());
            }
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Whether argument `i` is left out of the one-line form: open's mode when
/// the flags neither create a file nor make a tmpfile (the kernel ignores
/// it, and the register then holds leftovers), registers the kernel
/// ignores on x86_64, fcntl's argument for the commands that take none,
/// and the futex arguments its operation does not use (as strace does).
fn hidden(params: Option<Params>, args: &[Arg], i: usize) -> bool {
    let Some(params) = params else {
        return false;
    };
    // futex reads only the arguments its operation uses; the rest of the
    // registers hold leftovers.
    let futex_uses = params
        .iter()
        .position(|(_, k)| matches!(k, Kind::FutexOp))
        .and_then(|j| args.get(j))
        .map(|op| flags::futex_arg_count(op.raw));
    if futex_uses.is_some_and(|n| i >= n) {
        return true;
    }
    match params.get(i) {
        Some((_, Kind::Unused)) => true,
        Some((_, Kind::FcntlArg(cmd))) => args
            .get(*cmd)
            .is_some_and(|c| flags::fcntl_ignores_arg(c.raw)),
        Some((_, Kind::CreateMode)) => params
            .iter()
            .position(|(_, k)| matches!(k, Kind::OpenFlags))
            .and_then(|j| args.get(j))
            .is_some_and(|flags| !flags::creates(flags.raw)),
        _ => false,
    }
}

/// strace-like one-line rendering: `openat(AT_FDCWD, "/etc/hosts",
/// O_RDONLY|O_CLOEXEC)`, every target byte escaped.
///
/// A path whose real path (what the kernel touches) differs from how it
/// reads is followed by it: `"/tmp/l/hostname" → /etc/hostname`. One whose
/// real path could not be found (most often a directory on the way is
/// missing, and the call fails anyway) shows as written; the detail pane
/// and the log say why.
pub fn format_call(call: &Call) -> String {
    format!("{}({})", call.name(), shown_args(call, |_| true).join(", "))
}

/// The call by its name and what it names — paths and socket addresses —
/// for a row too narrow for every argument: `openat "/etc/hostname"`.
/// `None` when it names nothing.
pub fn format_call_brief(call: &Call) -> Option<String> {
    let named = shown_args(call, |v| {
        matches!(v, Value::Path { .. } | Value::SockAddr(_))
    });
    (!named.is_empty()).then(|| format!("{} {}", call.name(), named.join(" ")))
}

/// The arguments `keep` selects, as `format_call` shows them (a path with
/// the real one it leads to, when that is known and different).
fn shown_args(call: &Call, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let params = call.sysno.and_then(params);
    // Only what was found while the call was pending: never a walk now.
    let real = call.real.get();
    call.args
        .iter()
        .enumerate()
        .filter(|&(i, a)| !hidden(params, &call.args, i) && keep(&a.value))
        .map(|(i, a)| {
            let text = format_value(&a.value);
            match (&a.value, real.and_then(|r| r.of_arg(i))) {
                (Value::Path { given, resolved }, Some(RealPath::Found(r)))
                    if r != resolved.as_ref().unwrap_or(given) =>
                {
                    format!("{text} → {}", escape_bytes(r))
                }
                _ => text,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use syscalls::Sysno;

    use super::*;
    use crate::decode::fake::*;
    use crate::decode::sockaddr::parse_sockaddr;

    #[test]
    fn strace_like_lines() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/tmp/x").str(STR2, b"/etc/hosts");
        assert_eq!(
            line(&t, Sysno::mkdir, &[STR, 0o700]),
            "mkdir(\"/tmp/x\", 0700)"
        );
        let flags = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
        assert_eq!(
            line(&t, Sysno::openat, &[AT_FDCWD_REG, STR2, flags, 0xdead]),
            "openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC)"
        );
        let flags = (libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC) as u64;
        assert_eq!(
            line(&t, Sysno::open, &[STR, flags, 0o644]),
            "open(\"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644)"
        );
    }

    #[test]
    fn target_bytes_are_escaped() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/tmp/\x1b[31mred\x1b[0m")
            .str(STR2, b"caf\xff\xfe")
            .fd(4, b"/tmp/\x1b]0;title\x07");
        let s = line(&t, Sysno::mkdir, &[STR, 0o755]);
        assert!(!s.contains('\x1b'), "{s:?}");
        assert_eq!(s, "mkdir(\"/tmp/\\e[31mred\\e[0m\", 0755)");
        let s = line(&t, Sysno::mkdir, &[STR2, 0o755]);
        assert_eq!(s, "mkdir(\"caf\\xff\\xfe\"</tmp/d/caf\\xff\\xfe>, 0755)");
        let s = line(&t, Sysno::close, &[4]);
        assert_eq!(s, "close(4</tmp/\\e]0;title\\x07>)");
    }

    #[test]
    fn calls_without_a_table_entry() {
        let t = FakeTarget::new();
        let c = call(&t, None, [1, 2, 3, 4, 5, 6]);
        assert_eq!(c.args.len(), 6);
        assert_eq!(c.args[5].name, "arg5");
        assert_eq!(
            format_call(&c),
            "syscall_9999(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)"
        );
        // Every x86_64 syscall has an entry now; the ones never
        // implemented show their registers raw.
        let c = call(&t, Some(Sysno::afs_syscall), [1, 0, 0, 0, 0, 0]);
        assert_eq!(format_call(&c), "afs_syscall(0x1, 0x0, 0x0, 0x0, 0x0)");
    }

    #[test]
    fn common_calls() {
        let mut t = FakeTarget::new();
        t.fd(1, b"/dev/pts/3");
        assert_eq!(
            line(&t, Sysno::write, &[1, BUF, 12]),
            "write(1</dev/pts/3>, 0x30000, 12)"
        );
        let prot = (libc::PROT_READ | libc::PROT_WRITE) as u64;
        let map = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
        assert_eq!(
            line(&t, Sysno::mmap, &[0, 8192, prot, map, u64::MAX, 0]),
            "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
        );
        assert_eq!(line(&t, Sysno::getpid, &[]), "getpid()");
    }

    proptest! {
        #[test]
        fn parse_sockaddr_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let s = parse_sockaddr(&bytes);
            let text = format_sockaddr(&s);
            prop_assert!(!text.chars().any(char::is_control));
            let _ = format_value(&Value::SockAddr(s));
        }

        #[test]
        fn format_call_never_panics(
            t in arb_view(),
            which in any::<prop::sample::Index>(),
            unknown in any::<bool>(),
            args in prop::array::uniform6(arb_arg()),
        ) {
            let all: Vec<Sysno> = Sysno::iter().collect();
            let sysno = (!unknown).then(|| all[which.index(all.len())]);
            let c = call(&t, sysno, args);
            let s = format_call(&c);
            prop_assert!(!s.chars().any(char::is_control), "{:?}", s);
            let _ = c.paths();
            let _ = c.sockaddr();
        }
    }
}
