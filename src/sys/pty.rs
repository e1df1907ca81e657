//! The target's pseudo-terminal.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

use nix::fcntl::{FcntlArg, FdFlag, fcntl};
use nix::pty::{Winsize, openpty};

/// Both ends of a new pseudo-terminal. The slave becomes the target's
/// stdin, stdout, stderr and controlling terminal; we keep the master.
pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

fn winsize(rows: u16, cols: u16) -> Winsize {
    Winsize {
        ws_row: rows.max(1),
        ws_col: cols.max(1),
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// Opens a pty of `rows` × `cols`. Both ends are close-on-exec: the spawn
/// code dup2()s the slave onto 0–2 in the child, and the master must never
/// reach the target.
pub fn open(rows: u16, cols: u16) -> io::Result<Pty> {
    let r = openpty(Some(&winsize(rows, cols)), None).map_err(io::Error::from)?;
    for fd in [&r.master, &r.slave] {
        fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).map_err(io::Error::from)?;
    }
    Ok(Pty {
        master: r.master,
        slave: r.slave,
    })
}

/// Tells the pty (and so the target, by SIGWINCH) its new size.
pub fn set_size(master: BorrowedFd<'_>, rows: u16, cols: u16) -> io::Result<()> {
    let ws = winsize(rows, cols);
    // SAFETY: TIOCSWINSZ reads one `struct winsize` from the pointer, which
    // points at a live local.
    let rc = unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn size_is_set_and_read_back() {
        let p = open(10, 40).unwrap();
        set_size(p.master.as_fd(), 33, 101).unwrap();
        let mut ws = winsize(0, 0);
        // SAFETY: TIOCGWINSZ writes one `struct winsize` into a live local.
        let rc = unsafe { libc::ioctl(p.slave.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
        assert_eq!(rc, 0);
        assert_eq!((ws.ws_row, ws.ws_col), (33, 101));
    }
}
