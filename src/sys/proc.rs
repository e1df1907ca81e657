//! Process housekeeping: reaping, signals, exit statuses.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

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

/// Waits for any child (threads too) to change state; its pid and wait
/// status, or `None` once there is no child left. Async-signal-safe: the
/// session leader calls it after fork.
pub(crate) fn reap_any() -> Option<(u32, i32)> {
    loop {
        let mut status = 0;
        // SAFETY: `status` is writable.
        let rc = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
        if rc >= 0 {
            return Some((rc as u32, status));
        }
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return None;
        }
    }
}

/// Reaps every child until none is left; sends the wait status of `main`
/// when it exits.
pub fn spawn_reaper(main: u32) -> Receiver<i32> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("unotify-reap".into())
        .spawn(move || {
            while let Some((pid, status)) = reap_any() {
                if pid == main {
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
/// Once the target has exited, nothing is passed on.
///
/// `then(sig, passed_on)` runs after each signal, with whether it was
/// passed on (a Ctrl-C from the shared terminal already reached the
/// program itself).
pub fn spawn_signal_forwarder(
    set: SigSet,
    target: std::sync::Arc<ProcHandle>,
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
                    target.signal(sig);
                }
                then(sig, pass_on);
            }
        });
}

/// A process we started, signalled through a pidfd when the kernel has
/// them: once it has exited and been reaped its pid may belong to
/// someone else, and a pidfd never reaches that someone.
pub struct ProcHandle {
    pid: u32,
    pidfd: Option<OwnedFd>,
}

impl ProcHandle {
    /// A handle on `pid`, which must be our child and not reaped yet (so
    /// the pid is still its own).
    pub fn of_child(pid: u32) -> ProcHandle {
        ProcHandle {
            pid,
            pidfd: super::pidfd::open(pid).ok(),
        }
    }

    /// Sends `sig`; nothing happens once the process is gone.
    pub fn signal(&self, sig: i32) {
        match &self.pidfd {
            Some(fd) => {
                let _ = send_signal(fd.as_fd(), sig);
            }
            // Without pidfds (before Linux 5.3): only while the pid is
            // still our child's, so never a stranger that got the pid.
            None => {
                if stat(self.pid).is_some_and(|s| s.ppid == std::process::id() && s.alive()) {
                    kill(self.pid, sig);
                }
            }
        }
    }

    /// Whether the process has exited (reaped or not).
    pub fn has_exited(&self) -> bool {
        match &self.pidfd {
            // A pidfd polls readable once the process has exited.
            Some(fd) => {
                use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
                let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
                poll(&mut fds, PollTimeout::ZERO).is_ok_and(|n| n > 0)
            }
            None => !stat(self.pid).is_some_and(|s| s.ppid == std::process::id() && s.alive()),
        }
    }
}

/// `pidfd_send_signal(2)` (Linux 5.1).
fn send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> std::io::Result<()> {
    // SAFETY: plain syscall with integer arguments; a null siginfo means
    // "as kill(2) would send it".
    let rc = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What /proc/PID/stat says about a process.
#[derive(Clone, Debug)]
pub struct ProcStat {
    pub pid: u32,
    pub ppid: u32,
    /// The state letter: R, S, D, Z, T …
    pub state: u8,
    /// The command name, raw (the process chose it: escape to show it).
    pub comm: Vec<u8>,
}

impl ProcStat {
    /// Not a zombie (or dead): it still runs and can be signalled.
    pub fn alive(&self) -> bool {
        !matches!(self.state, b'Z' | b'X' | b'x')
    }
}

/// Parses /proc/PID/stat: `pid (comm) state ppid …`. The comm may hold
/// spaces and parentheses, so it ends at the last `)`.
fn parse_stat(text: &[u8]) -> Option<ProcStat> {
    let open = text.iter().position(|&b| b == b'(')?;
    let close = text.iter().rposition(|&b| b == b')')?;
    let pid = std::str::from_utf8(&text[..open])
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let comm = text.get(open + 1..close)?.to_vec();
    let rest = std::str::from_utf8(text.get(close + 1..)?).ok()?;
    let mut fields = rest.split_ascii_whitespace();
    let state = *fields.next()?.as_bytes().first()?;
    let ppid = fields.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        ppid,
        state,
        comm,
    })
}

/// /proc/PID/stat now; `None` when there is no such process.
pub fn stat(pid: u32) -> Option<ProcStat> {
    parse_stat(&std::fs::read(format!("/proc/{pid}/stat")).ok()?)
}

/// Every process that descends from `root` (not `root` itself), zombies
/// included, by pid. Orphans are re-parented to the nearest child
/// subreaper, so once `root` is one (see [`set_child_subreaper`]) every
/// process ever started below it stays in this set until reaped.
pub fn descendants(root: u32) -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let all: std::collections::HashMap<u32, ProcStat> = dir
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .map(|s| (s.pid, s))
        .collect();
    let mut found: Vec<ProcStat> = all
        .values()
        .filter(|s| descends(s, root, |p| all.get(&p).cloned()))
        .cloned()
        .collect();
    found.sort_by_key(|s| s.pid);
    found
}

/// Whether `s` descends from `root`, looking parents up with `parent`.
fn descends(s: &ProcStat, root: u32, parent: impl Fn(u32) -> Option<ProcStat>) -> bool {
    let mut ppid = s.ppid;
    // Bounded: a loop (pids reused while we read) must end the walk.
    for _ in 0..4096 {
        if ppid == root {
            return true;
        }
        if ppid <= 1 {
            return false;
        }
        match parent(ppid) {
            Some(p) if p.ppid != ppid => ppid = p.ppid,
            _ => return false,
        }
    }
    false
}

/// Kills (SIGKILL) every process that descends from `root`, again and
/// again as orphans come up, until none is left alive or `until` has
/// passed; whether none is left.
///
/// A process is killed only through a pidfd opened on its pid *before*
/// its ancestry is checked (again, fresh from /proc): if the pid was
/// reused in between by a process that does not descend from `root`, the
/// check fails; if it was reused after the check, the pidfd still names
/// the old process, which is gone, and the signal reaches nobody.
pub fn kill_descendants(root: u32, until: std::time::Instant) -> bool {
    kill_descendants_but(root, None, until)
}

/// [`kill_descendants`], sparing `spare` (the TUI's session leader, which
/// reaps the others and then exits by itself).
pub fn kill_descendants_but(root: u32, spare: Option<u32>, until: std::time::Instant) -> bool {
    loop {
        let alive: Vec<ProcStat> = descendants(root)
            .into_iter()
            .filter(|s| s.alive() && Some(s.pid) != spare)
            .collect();
        if alive.is_empty() {
            return true;
        }
        if std::time::Instant::now() >= until {
            return false;
        }
        for s in alive {
            let fd = match super::pidfd::open(s.pid) {
                Ok(fd) => Some(fd),
                // Before Linux 5.3: kill(2) right after the check, which
                // leaves a window of a few microseconds.
                Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => None,
                Err(_) => continue,
            };
            if !stat(s.pid).is_some_and(|now| descends(&now, root, stat)) {
                continue;
            }
            match fd {
                Some(fd) => {
                    let _ = send_signal(fd.as_fd(), libc::SIGKILL);
                }
                None => kill(s.pid, libc::SIGKILL),
            }
        }
        // Killed processes need a moment to become zombies.
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names() {
        let s = parse_stat(b"4242 (a) b (c) S 17 4242 4242 0 -1").unwrap();
        assert_eq!((s.pid, s.ppid, s.state), (4242, 17, b'S'));
        assert_eq!(s.comm, b"a) b (c");
        assert!(s.alive());
        let z = parse_stat(b"7 (sleep) Z 1 7 7").unwrap();
        assert!(!z.alive());
        assert!(parse_stat(b"garbage").is_none());
    }

    #[test]
    fn descent_follows_parents_and_stops_at_init_and_loops() {
        let table = |pid: u32| -> Option<ProcStat> {
            let ppid = match pid {
                10 => 5, // 10 → 5 → root 2
                5 => 2,
                20 => 1,  // 20 → init
                30 => 31, // 30 ⇄ 31: a loop
                31 => 30,
                _ => return None,
            };
            Some(ProcStat {
                pid,
                ppid,
                state: b'S',
                comm: Vec::new(),
            })
        };
        let at = |pid| table(pid).unwrap();
        assert!(descends(&at(10), 2, table));
        assert!(descends(&at(5), 2, table));
        assert!(!descends(&at(20), 2, table));
        assert!(!descends(&at(30), 2, table));
    }

    #[test]
    fn our_own_children_are_our_descendants() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let found = descendants(std::process::id());
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            found
                .iter()
                .any(|s| s.pid == child.id() && s.comm == b"sleep"),
            "{found:?}"
        );
    }
}
