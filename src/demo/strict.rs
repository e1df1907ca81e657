//! `demo strict`: SECCOMP_MODE_STRICT, the original seccomp. Only read,
//! write, _exit and sigreturn are allowed; any other call kills the
//! process with SIGKILL. Strict mode fails with EINVAL once a filter is
//! installed, so this target runs outside unotify-tui's filter: there is
//! nothing to answer, and no notification could ever come from it.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::process::ExitStatusExt;

use super::{Out, explain, narrate};
use crate::cli::Options;
use crate::error::Error;
use crate::sys::lesson;

pub(super) fn run(opts: &Options) -> Result<i32, Error> {
    if crate::run::interactive(opts) {
        narrate(
            "strict mode cannot run under the TUI: SECCOMP_MODE_STRICT fails with EINVAL in a \
             process that has a filter, and unotify-tui's is one. The target runs here, on its \
             own.",
        );
    }
    narrate("strict: starting the target outside unotify-tui's filter");
    let exe = std::env::current_exe().map_err(|source| Error::OwnBinary { source })?;
    let status = std::process::Command::new(exe)
        .args(["__lesson-target", "strict"])
        .status()
        .map_err(|e| Error::Kernel(format!("starting the strict target: {e}")))?;
    let code = match status.signal() {
        Some(sig) => {
            let name = if sig == libc::SIGKILL {
                "SIGKILL".to_string()
            } else {
                format!("signal {sig}")
            };
            narrate(&format!(
                "the target was killed by {name} (signal {sig}), right at its fork(2)"
            ));
            128 + sig
        }
        None => {
            let c = status.code().unwrap_or(1);
            narrate(&format!(
                "the target exited with status {c}: it was not killed (strict mode was not in \
                 force?)"
            ));
            c
        }
    };
    explain(&[
        "strict: SECCOMP_MODE_STRICT allows read(2), write(2), _exit(2) and sigreturn(2) only; \
         the kernel ends a process that makes any other call with SIGKILL, which cannot be \
         caught. There is no filter, so no SECCOMP_RET_USER_NOTIF: no notification could ever \
         come from strict mode, and no supervisor can answer anything.",
        "  Strict mode also cannot be stacked on a filter (seccomp(2) fails with EINVAL): that \
         is why this target ran outside unotify-tui's filter.",
    ]);
    Ok(code)
}

/// The lesson's target: enters strict mode, shows write and read still
/// work, then forks.
pub(super) fn target(out: &Out) -> i32 {
    let (r, w) = match nix::unistd::pipe() {
        Ok(p) => p,
        Err(e) => {
            out.say(&format!("pipe → {e}"));
            return 1;
        }
    };
    if nix::unistd::write(&w, b"ping").is_err() {
        out.say("writing to the pipe failed");
        return 1;
    }
    out.say("entering SECCOMP_MODE_STRICT: from now on only read, write, _exit and sigreturn");
    let _ = io::stdout().flush();
    let stdout = io::stdout();
    let fd = stdout.as_fd();
    // Nothing below may allocate or call anything but read and write:
    // the messages are ready-made bytes.
    if let Err(e) = lesson::enter_strict() {
        out.say(&format!("seccomp(SECCOMP_SET_MODE_STRICT) → {e}"));
        return 1;
    }
    lesson::raw_write(fd, b"demo: [1/3] write(2) in strict mode \xe2\x86\x92 ok\n");
    let mut buf = [0u8; 4];
    let n = lesson::raw_read(r.as_fd(), &mut buf);
    if n == 4 {
        lesson::raw_write(
            fd,
            b"demo: [2/3] read(2) in strict mode \xe2\x86\x92 ok: read \"",
        );
        lesson::raw_write(fd, &buf);
        lesson::raw_write(fd, b"\" from a pipe\n");
    } else {
        lesson::raw_write(
            fd,
            b"demo: [2/3] read(2) in strict mode \xe2\x86\x92 failed\n",
        );
    }
    lesson::raw_write(
        fd,
        b"demo: [3/3] fork(2) in strict mode: not allowed, the kernel kills the process\n",
    );
    lesson::raw_fork();
    lesson::raw_write(fd, b"demo: fork returned: strict mode is not in force\n");
    lesson::raw_exit(1)
}
