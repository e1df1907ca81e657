//! Socket calls on raw address bytes copied from the target.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};

/// `getsockname(2)`: the raw bytes of the local address.
pub fn local_addr(fd: BorrowedFd<'_>) -> io::Result<Vec<u8>> {
    // SAFETY: sockaddr_storage is plain old data; zero is valid.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `ss` is writable for `len` bytes, and `len` is updated.
    let rc = unsafe {
        libc::getsockname(
            fd.as_raw_fd(),
            (&mut ss as *mut libc::sockaddr_storage).cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = (len as usize).min(std::mem::size_of::<libc::sockaddr_storage>());
    // SAFETY: `ss` is a valid object of at least `n` bytes.
    let bytes = unsafe {
        std::slice::from_raw_parts((&ss as *const libc::sockaddr_storage).cast::<u8>(), n)
    };
    Ok(bytes.to_vec())
}

type AddrCall =
    unsafe extern "C" fn(libc::c_int, *const libc::sockaddr, libc::socklen_t) -> libc::c_int;

fn with_addr(fd: BorrowedFd<'_>, addr: &[u8], call: AddrCall) -> io::Result<()> {
    // SAFETY: `call` is connect or bind; the kernel reads `addr.len()`
    // bytes from the pointer and validates them, and the slice is valid
    // for that length.
    let rc = unsafe {
        call(
            fd.as_raw_fd(),
            addr.as_ptr().cast(),
            addr.len() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `connect(2)` with an address given as raw bytes.
pub fn connect(fd: BorrowedFd<'_>, addr: &[u8]) -> io::Result<()> {
    with_addr(fd, addr, libc::connect)
}

/// `bind(2)` with an address given as raw bytes.
pub fn bind(fd: BorrowedFd<'_>, addr: &[u8]) -> io::Result<()> {
    with_addr(fd, addr, libc::bind)
}

/// `listen(2)`.
pub fn listen(fd: BorrowedFd<'_>, backlog: i32) -> io::Result<()> {
    // SAFETY: plain syscall with an fd and an integer.
    let rc = unsafe { libc::listen(fd.as_raw_fd(), backlog) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The most fds one [`recv_with_fds`] takes; more are closed by the
/// kernel (and the message says so with `MSG_CTRUNC`).
pub const MAX_RECV_FDS: usize = 16;

/// What one [`recv_with_fds`] got.
pub struct Received {
    /// Bytes put at the start of the buffer (0: the peer closed).
    pub len: usize,
    /// The fds that came with them (SCM_RIGHTS), close-on-exec, ours.
    pub fds: Vec<OwnedFd>,
    /// More fds came than there was room for: the rest were closed.
    pub fds_cut: bool,
}

/// `recvmsg(2)` on a stream socket: bytes into `buf`, and the fds that
/// came with them as owned fds.
pub fn recv_with_fds(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Received> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut iov = [io::IoSliceMut::new(buf)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; MAX_RECV_FDS]);
    let msg = recvmsg::<()>(
        fd.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(io::Error::from)?;
    let mut fds = Vec::new();
    for c in msg.cmsgs().map_err(io::Error::from)? {
        if let ControlMessageOwned::ScmRights(raw) = c {
            for r in raw {
                // SAFETY: SCM_RIGHTS installed `r` in this process just
                // now; nothing else knows it, so it is ours to own.
                fds.push(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(r) });
            }
        }
    }
    Ok(Received {
        len: msg.bytes,
        fds,
        fds_cut: msg.flags.contains(MsgFlags::MSG_CTRUNC),
    })
}
