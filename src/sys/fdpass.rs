//! Passing fds over a unix socket (SCM_RIGHTS), for the detach holder.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use sendfd::{RecvWithFd, SendWithFd};

/// The most fds one message carries.
pub const MAX_FDS: usize = 8;

/// Sends `bytes` with `fds` attached; returns how many bytes went (the
/// fds travel with the first of them).
pub fn send(sock: &UnixStream, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
    let raw: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
    loop {
        match sock.send_with_fd(bytes, &raw) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            r => return r,
        }
    }
}

/// Receives into `buf` and takes ownership of the fds that came along
/// (close-on-exec); returns the byte count and the fds.
pub fn recv(sock: &UnixStream, buf: &mut [u8]) -> io::Result<(usize, Vec<OwnedFd>)> {
    let mut raw = [-1 as RawFd; MAX_FDS];
    let (n, nfds) = loop {
        match sock.recv_with_fd(buf, &mut raw) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            r => break r?,
        }
    };
    let fds = raw[..nfds]
        .iter()
        .map(|&fd| {
            // SAFETY: recvmsg just installed each of these fds in our
            // table; nothing else knows or owns them.
            let owned = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: fcntl with integer arguments on an fd we own.
            unsafe { libc::fcntl(owned.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
            owned
        })
        .collect();
    Ok((n, fds))
}
