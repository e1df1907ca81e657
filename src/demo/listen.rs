//! `demo listen`: listen(2) has only a socket fd; the port it would
//! listen on is read by taking the target's socket (pidfd_getfd) and
//! asking it (getsockname). A rule on that address refuses it (EACCES).

use std::os::fd::AsRawFd;

use nix::sys::socket::{
    AddressFamily, Backlog, SockFlag, SockType, SockaddrIn, bind, getsockname, listen, socket,
};

use super::{Out, outcome, supervised};
use crate::cli::Options;
use crate::error::Error;

/// Headless: the socket and its bind go through; listening on loopback
/// is refused with EACCES.
pub(super) const RULES: &str = r#"
[[rule]]
syscall = "socket"
action = "allow"

[[rule]]
syscall = "bind"
addr = "127.0.0.0/8"
action = "allow"

[[rule]]
syscall = "listen"
addr = "127.0.0.0/8"
action = "deny"
errno = "EACCES"
"#;

pub(super) fn run(opts: &Options) -> Result<i32, Error> {
    supervised(
        opts,
        "listen",
        RULES,
        &[
            "listen: listen(2) passes only a socket fd and a backlog; the address is in the \
             target's socket, not in its memory.",
            "  unotify-tui took a copy of that socket with pidfd_getfd(2) (Linux 5.6) and called \
             getsockname(2) on it: the trace shows listen(FD<socket:[…] 127.0.0.1:PORT>, …) \
             with the port the kernel chose at bind.",
            "  A rule on that address (syscall = \"listen\", addr = \"127.0.0.0/8\") answered \
             deny with EACCES: the target's listen failed with EACCES and nothing listens.",
        ],
    )
}

/// The lesson's target: a TCP socket bound to an ephemeral loopback port,
/// then listen.
pub(super) fn target(out: &Out) -> i32 {
    let sock = match socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    ) {
        Ok(s) => s,
        Err(e) => {
            out.say(&format!(
                "socket → {}",
                outcome::<()>(&Err(std::io::Error::from_raw_os_error(e as i32)))
            ));
            return 1;
        }
    };
    out.hint("bind to 127.0.0.1, any port: press a (the kernel picks the port)");
    let bound = bind(sock.as_raw_fd(), &SockaddrIn::new(127, 0, 0, 1, 0))
        .map_err(|e| std::io::Error::from_raw_os_error(e as i32));
    let port = getsockname::<SockaddrIn>(sock.as_raw_fd())
        .map(|a| a.port())
        .unwrap_or(0);
    out.say(&format!(
        "[1/2] bind to 127.0.0.1, port 0 → {} (the kernel chose port {port})",
        outcome(&bound)
    ));
    out.hint(&format!(
        "listen: the detail shows port {port}, which unotify-tui read by copying the socket \
         with pidfd_getfd and calling getsockname; press D and pick EACCES to refuse it"
    ));
    let r = Backlog::new(16)
        .map_err(|e| std::io::Error::from_raw_os_error(e as i32))
        .and_then(|b| listen(&sock, b).map_err(|e| std::io::Error::from_raw_os_error(e as i32)));
    out.say(&format!(
        "[2/2] listen on 127.0.0.1:{port} → {}",
        outcome(&r)
    ));
    0
}
