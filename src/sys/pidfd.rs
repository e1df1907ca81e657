//! pidfds: a stable handle on a process, and copying its fds.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use super::notify::ForeignFd;

/// `pidfd_open(2)` (linux 5.3).
pub fn open(pid: u32) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `pidfd_getfd(2)` (linux 5.6): a duplicate of the target's fd `fd`,
/// sharing its open file description (so `connect` on it connects the
/// target's socket). Comes back with `FD_CLOEXEC` set.
pub fn get_fd(pidfd: BorrowedFd<'_>, fd: ForeignFd) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments.
    let new = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd.0, 0) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new as i32) })
}

/// Copies fd `fd` out of process `pid` (opens a pidfd for the occasion).
pub fn copy_fd(pid: u32, fd: ForeignFd) -> io::Result<OwnedFd> {
    let pidfd = open(pid)?;
    use std::os::fd::AsFd;
    get_fd(pidfd.as_fd(), fd)
}
