//! The session leader between unotify-tui and the program (TUI mode).
//!
//! Whoever owns a terminal session is its session leader, and when it
//! exits the kernel hangs the session up: SIGHUP to the terminal's
//! foreground process group. Were the program the leader,
//! `sh -c 'worker & echo started'` would take its background worker with
//! it when the shell exits (outside unotify-tui the worker runs on). So a
//! small process of ours takes the session and the pty instead, and
//! starts the program in a process group of its own, which it makes the
//! terminal's foreground group (Ctrl-C in the pane reaches the program).
//!
//! The leader is not under the filter (it forks before the filter is
//! installed), and it is a child subreaper: every orphan under the filter
//! becomes its child. It reaps them all, writes the program's wait status
//! to a pipe when the program exits, and exits itself once no child is
//! left, so the session ends with the last process under the filter.

use std::fs::File;
use std::io::Read;
use std::os::fd::{OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::Receiver;

use super::spawn::{Stage, fail};

/// In the forked child, once it has the session and the pty: forks the
/// program and returns in it, in a process group of its own that is the
/// terminal's foreground group. The leader itself never returns: it reaps
/// until no child is left, then exits with the program's exit code.
///
/// `status` is the write end of the pipe that carries the program's wait
/// status; `sock` the launch socket, to report a failed step on.
///
/// For the forked child only: async-signal-safe calls, no allocation.
pub(super) fn lead(sock: RawFd, status: RawFd) {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } < 0 {
        fail(sock, Stage::Leader);
    }
    // SAFETY: we are single-threaded (a forked child); the program side
    // returns to the caller, which keeps to async-signal-safe calls.
    let program = unsafe { libc::fork() };
    if program < 0 {
        fail(sock, Stage::Leader);
    }
    if program == 0 {
        become_foreground(sock, status);
        return;
    }
    close_all_but(status);
    let mut code = 127;
    // Until no process under the filter is left.
    while let Some((rc, st)) = super::proc::reap_any() {
        let rc = rc as libc::pid_t;
        if rc == program {
            let bytes = st.to_ne_bytes();
            // SAFETY: `bytes` is a live buffer of 4 bytes.
            unsafe { libc::write(status, bytes.as_ptr().cast(), bytes.len()) };
            code = if libc::WIFEXITED(st) {
                libc::WEXITSTATUS(st)
            } else {
                128 + libc::WTERMSIG(st)
            };
        }
    }
    // SAFETY: `_exit` takes no pointers and never returns.
    unsafe { libc::_exit(code) }
}

/// The program's side of the fork: its own process group, made the
/// terminal's foreground group.
fn become_foreground(sock: RawFd, status: RawFd) {
    // SAFETY: closing our copy of the status pipe; only the leader writes.
    unsafe { libc::close(status) };
    // SAFETY: integer arguments only.
    if unsafe { libc::setpgid(0, 0) } < 0 {
        fail(sock, Stage::Terminal);
    }
    // A background group taking the terminal gets SIGTTOU unless it is
    // ignored; the disposition is put back right after.
    // SAFETY: integer arguments only (SIG_IGN is a constant).
    let old = unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
    // SAFETY: no arguments.
    let me = unsafe { libc::getpid() };
    // The controlling terminal (the pty, since TIOCSCTTY), whichever of
    // fds 0-2 it became: any of them may be a pipe or a file instead.
    // SAFETY: a NUL-terminated constant path; open is async-signal-safe.
    let tty = unsafe { libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    let rc = if tty < 0 {
        -1
    } else {
        // SAFETY: integer arguments only.
        unsafe { libc::tcsetpgrp(tty, me) }
    };
    if tty >= 0 {
        // SAFETY: closing the fd opened just above.
        unsafe { libc::close(tty) };
    }
    // SAFETY: `old` is the disposition signal() returned just above.
    unsafe { libc::signal(libc::SIGTTOU, old) };
    if rc < 0 {
        fail(sock, Stage::Terminal);
    }
}

/// Closes every fd but `keep`: the leader must hold neither the pty (or
/// the session would outlive unotify-tui, and the pane never see EOF) nor
/// the launch socket (its end-of-file says the exec happened).
fn close_all_but(keep: RawFd) {
    let keep = keep as libc::c_uint;
    let close_range = |first: libc::c_uint, last: libc::c_uint| {
        // SAFETY: close_range(2) with integer arguments.
        unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) }
    };
    let low = if keep > 0 {
        close_range(0, keep - 1)
    } else {
        0
    };
    let high = close_range(keep + 1, libc::c_uint::MAX);
    if low == 0 && high == 0 {
        return;
    }
    // Before Linux 5.9: one by one, up to the fd limit.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a writable rlimit.
    let max = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
        lim.rlim_cur.min(65536) as libc::c_uint
    } else {
        4096
    };
    for fd in (0..max).filter(|&fd| fd != keep) {
        // SAFETY: closing fds of this process, which uses none of them.
        unsafe { libc::close(fd as RawFd) };
    }
}

/// Reaps our children and watches the leader. Returns the program's wait
/// status (once: from the leader's pipe, or from our own reaping if the
/// leader died first and the program was passed on to us) and the
/// leader's, once it has exited: then no process under the filter is left.
pub fn watch(program: u32, leader: u32, status: OwnedFd) -> (Receiver<i32>, Receiver<i32>) {
    let (tx, exits) = crossbeam_channel::bounded(1);
    let (gone_tx, gone) = crossbeam_channel::bounded(1);
    let sent = Arc::new(AtomicBool::new(false));
    let piped = {
        let (tx, sent) = (tx.clone(), Arc::clone(&sent));
        std::thread::Builder::new()
            .name("unotify-status".into())
            .spawn(move || {
                let mut b = [0u8; 4];
                if File::from(status).read_exact(&mut b).is_ok()
                    && !sent.swap(true, Ordering::AcqRel)
                {
                    let _ = tx.send(i32::from_ne_bytes(b));
                }
            })
            .expect("spawning the status thread")
    };
    std::thread::Builder::new()
        .name("unotify-reap".into())
        .spawn(move || {
            let mut piped = Some(piped);
            while let Some((rc, st)) = super::proc::reap_any() {
                if rc == program && !sent.swap(true, Ordering::AcqRel) {
                    let _ = tx.send(st);
                }
                if rc == leader {
                    // The pipe has the program's status or its end now:
                    // that one goes first. A leader killed before it
                    // could write stands in for the program.
                    if let Some(p) = piped.take() {
                        let _ = p.join();
                    }
                    if !sent.swap(true, Ordering::AcqRel) {
                        let _ = tx.send(st);
                    }
                    let _ = gone_tx.send(st);
                }
            }
        })
        .expect("spawning the reaper thread");
    (exits, gone)
}
