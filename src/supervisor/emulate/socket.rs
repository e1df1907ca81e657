//! The socket family: act on the target's own socket (connect, bind,
//! listen) through a copy of its fd.

use std::os::fd::AsFd;

use syscalls::Sysno;

use super::{Done, answer_value, errno_of};
use crate::errno::Errno;
use crate::model::Call;
use crate::sys::notify::{ForeignFd, NotifyFd};
use crate::sys::{pidfd, sock};

const CAP_NET_BIND_SERVICE: u64 = 1 << 10;

pub(super) fn run(notify: &NotifyFd, call: &Call, sysno: Sysno) -> Result<Done, Errno> {
    match sysno {
        Sysno::connect | Sysno::bind => connect_or_bind(notify, call, sysno),
        Sysno::listen => listen(notify, call),
        // Not in this family (see model::emulation::FAMILIES).
        _ => Err(Errno::ENOSYS),
    }
}

fn connect_or_bind(notify: &NotifyFd, call: &Call, sysno: Sysno) -> Result<Done, Errno> {
    let a = &call.notif.args;
    // Longer than sockaddr_storage: the kernel's EINVAL, before it
    // would read anything (the decoder copied nothing).
    if a[2] as u32 as usize > crate::decode::SOCKADDR_STORAGE_LEN {
        return Err(Errno::EINVAL);
    }
    let addr = call.copies.sockaddr.as_deref().ok_or(Errno::EFAULT)?;
    if sysno == Sysno::bind
        && needs_bind_cap(addr)
        && call.creds.cap_eff & CAP_NET_BIND_SERVICE == 0
    {
        // We may hold CAP_NET_BIND_SERVICE; the target does not.
        return Err(Errno::EACCES);
    }
    let sockfd = pidfd::copy_fd(call.tgid, ForeignFd(a[0] as i32)).map_err(|e| errno_of(&e))?;
    let r = if sysno == Sysno::connect {
        sock::connect(sockfd.as_fd(), addr)
    } else {
        sock::bind(sockfd.as_fd(), addr)
    };
    r.map_err(|e| errno_of(&e))?;
    answer_value(notify, call.notif.id, 0)
}

fn listen(notify: &NotifyFd, call: &Call) -> Result<Done, Errno> {
    let a = &call.notif.args;
    let sockfd = pidfd::copy_fd(call.tgid, ForeignFd(a[0] as i32)).map_err(|e| errno_of(&e))?;
    sock::listen(sockfd.as_fd(), a[1] as i32).map_err(|e| errno_of(&e))?;
    answer_value(notify, call.notif.id, 0)
}

/// Whether binding this address needs CAP_NET_BIND_SERVICE.
fn needs_bind_cap(addr: &[u8]) -> bool {
    if addr.len() < 4 {
        return false;
    }
    let family = u16::from_ne_bytes([addr[0], addr[1]]) as i32;
    if family != libc::AF_INET && family != libc::AF_INET6 {
        return false;
    }
    let port = u16::from_be_bytes([addr[2], addr[3]]);
    let start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(1024);
    port != 0 && port < start
}
