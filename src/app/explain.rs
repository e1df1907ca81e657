//! Plain words about one call: what each answer would do to it.

use syscalls::Sysno;

use crate::errno::Errno;
use crate::escape::escape_bytes;
use crate::supervisor::decode::format_sockaddr;
use crate::supervisor::emulate;
use crate::supervisor::event::Call;

/// The call's first path (resolved when possible), or its socket address,
/// escaped: what the call is "about".
pub fn object(call: &Call) -> Option<String> {
    if let Some(p) = call.paths().first() {
        return Some(escape_bytes(p));
    }
    call.sockaddr().map(format_sockaddr)
}

/// What the supervisor would do itself for `emulate`, for calls it can
/// emulate.
fn emulation(call: &Call) -> String {
    let what = object(call).unwrap_or_else(|| "the object".into());
    let creds = "with the target's cwd, umask and file-system credentials";
    match call.sysno {
        Some(Sysno::mkdir | Sysno::mkdirat) => {
            format!("unotify-tui creates {what} itself {creds} and returns its result")
        }
        Some(Sysno::open | Sysno::openat | Sysno::openat2 | Sysno::creat) => format!(
            "unotify-tui opens {what} itself {creds}, then installs the fd in the target \
             with SECCOMP_IOCTL_NOTIF_ADDFD"
        ),
        Some(Sysno::unlink | Sysno::unlinkat | Sysno::rmdir) => {
            format!("unotify-tui removes {what} itself {creds} and returns its result")
        }
        Some(Sysno::connect | Sysno::bind | Sysno::listen) => format!(
            "unotify-tui takes a copy of the target's socket (pidfd_getfd) and does the {} \
             on it{}; the target's socket changes with it",
            call.name(),
            match call.sysno {
                Some(Sysno::listen) => String::new(),
                _ => format!(" to {what}"),
            }
        ),
        _ => format!("unotify-tui performs {} itself", call.name()),
    }
}

/// One line per answer key: (key, what it would do to this call).
pub fn effects(call: &Call, errno: Errno) -> Vec<(&'static str, String)> {
    let name = call.name();
    let emulate = match emulate::refusal(call) {
        Some(why) => format!("not available: {why}"),
        None => emulation(call),
    };
    vec![
        (
            "a",
            format!("the kernel runs {name} as asked (not a security boundary: ? explains)"),
        ),
        (
            "d",
            format!("{name} fails with {} ({})", errno.name(), errno.description()),
        ),
        ("D", format!("{name} fails with an errno you pick")),
        ("r", format!("{name} returns a number you type; nothing is done")),
        ("e", emulate),
    ]
}
