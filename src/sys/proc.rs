//! Process housekeeping: reaping, signals, exit statuses.

use crossbeam_channel::Receiver;
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};

/// Makes orphaned descendants our children, so we can reap them.
pub fn set_child_subreaper() {
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

pub fn kill(pid: u32, sig: i32) {
    // SAFETY: kill with integer arguments.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// Signals every process in the group `pgid`.
pub fn kill_group(pgid: u32, sig: i32) {
    // SAFETY: kill with integer arguments; a negative pid names a group.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), sig);
    }
}

/// Waits for `pid`; returns its raw wait status.
pub fn reap(pid: u32) -> i32 {
    let mut status = 0;
    loop {
        // SAFETY: `status` is writable.
        let rc = unsafe { libc::waitpid(pid as libc::pid_t, &mut status, libc::__WALL) };
        if rc >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return status;
        }
    }
}

/// A shell's view of a wait status: the exit code, or 128+N for signal N.
pub fn exit_code(status: i32) -> i32 {
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        1
    }
}

/// Reaps every child until none is left; sends the wait status of `main`
/// when it exits.
pub fn spawn_reaper(main: u32) -> Receiver<i32> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("unotify-reap".into())
        .spawn(move || {
            loop {
                let mut status = 0;
                // SAFETY: `status` is writable.
                let rc = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
                if rc < 0 {
                    if std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                        continue;
                    }
                    return;
                }
                if rc as u32 == main {
                    let _ = tx.send(status);
                }
            }
        })
        .expect("spawning the reaper thread");
    rx
}

const FORWARDED: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTERM,
    Signal::SIGHUP,
];

/// Blocks the signals we forward, in this thread and every thread it
/// starts later (the child unblocks them before exec).
pub fn block_signals() -> SigSet {
    let mut set = SigSet::empty();
    for s in FORWARDED {
        set.add(s);
    }
    let _ = nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
    set
}

/// Delivers the (blocked) signals in `set` as numbers on a channel.
pub fn signal_channel(set: SigSet) -> Receiver<i32> {
    let (tx, rx) = crossbeam_channel::unbounded();
    if let Ok(sfd) = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC) {
        let _ = std::thread::Builder::new()
            .name("unotify-signals".into())
            .spawn(move || {
                while let Ok(Some(info)) = sfd.read_signal() {
                    if tx.send(info.ssi_signo as i32).is_err() {
                        return;
                    }
                }
            });
    }
    rx
}

/// si_code of signals the terminal driver sends (Ctrl-C, Ctrl-\).
const SI_KERNEL: i32 = 0x80;

/// Passes SIGTERM and SIGHUP on to the target. SIGINT and SIGQUIT from
/// the terminal already reached it when it shares our terminal
/// (`shares_tty`); sent with kill(2) to us alone, they are passed on too.
///
/// `then(sig, passed_on)` runs after each signal, with whether it was
/// passed on (a Ctrl-C from the shared terminal already reached the
/// program itself).
pub fn spawn_signal_forwarder(
    set: SigSet,
    target: u32,
    shares_tty: bool,
    then: impl Fn(i32, bool) + Send + 'static,
) {
    let Ok(sfd) = SignalFd::with_flags(&set, SfdFlags::SFD_CLOEXEC) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("unotify-signals".into())
        .spawn(move || {
            while let Ok(Some(info)) = sfd.read_signal() {
                let sig = info.ssi_signo as i32;
                let from_tty = info.ssi_code == SI_KERNEL;
                let interactive = sig == libc::SIGINT || sig == libc::SIGQUIT;
                let pass_on = !(interactive && from_tty && shares_tty);
                if pass_on {
                    kill(target, sig);
                }
                then(sig, pass_on);
            }
        });
}
