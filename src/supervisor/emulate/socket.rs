//! The socket family: act on the program's own socket (connect, bind,
//! listen) through a copy of its fd, with the program's credentials, so
//! the kernel's own checks apply: a port below ip_unprivileged_port_start
//! needs a CAP_NET_BIND_SERVICE that counts in the socket's network
//! namespace, and a unix-socket peer's SO_PEERCRED shows the program's uid
//! and gid (its pid is unotify-tui's: the kernel takes the pid of the
//! process that calls connect or listen).

use std::os::fd::{AsFd, OwnedFd};

use syscalls::Sysno;

use super::{Done, PathPlan, Reply, Stop, errno_of, nix_errno, plan_lookup};
use crate::decode::realpath::{Follow, Start};
use crate::errno::Errno;
use crate::model::Call;
use crate::sys::notify::ForeignFd;
use crate::sys::{pidfd, sock};

pub(super) struct Plan {
    socket: OwnedFd,
    op: Op,
}

enum Op {
    Listen(i32),
    Connect(Address),
    Bind(Address),
}

enum Address {
    /// Used as copied: IP addresses, abstract and unnamed unix sockets.
    Raw(Vec<u8>),
    /// A unix socket path, walked as the program sees the filesystem.
    UnixPath(PathPlan),
}

pub(super) fn prepare(call: &Call, sysno: Sysno) -> Result<Plan, Stop> {
    let a = &call.notif.args;
    let op = match sysno {
        Sysno::listen => Op::Listen(a[1] as i32),
        Sysno::connect | Sysno::bind => {
            // Longer than sockaddr_storage: the kernel's EINVAL, before it
            // would read anything (the decoder copied nothing).
            if a[2] as u32 as usize > crate::decode::SOCKADDR_STORAGE_LEN {
                return Err(Stop::Fail(Errno::EINVAL));
            }
            let addr = call.copies().sockaddr.as_deref().ok_or(Errno::EFAULT)?;
            let addr = address(call, addr)?;
            if sysno == Sysno::connect {
                Op::Connect(addr)
            } else {
                Op::Bind(addr)
            }
        }
        // Not in this family (see model::emulation::FAMILIES).
        _ => return Err(Stop::Fail(Errno::ENOSYS)),
    };
    let socket =
        pidfd::copy_fd(call.proc.tgid, ForeignFd(a[0] as i32)).map_err(|e| errno_of(&e))?;
    Ok(Plan { socket, op })
}

/// The path of an `AF_UNIX` address with a filesystem name, if it is one.
fn unix_path(addr: &[u8]) -> Option<&[u8]> {
    let family = u16::from_ne_bytes([*addr.first()?, *addr.get(1)?]);
    let path = addr.get(2..)?;
    if i32::from(family) != libc::AF_UNIX || path.first().is_none_or(|b| *b == 0) {
        return None;
    }
    Some(path.split(|b| *b == 0).next().unwrap_or(path))
}

fn address(call: &Call, addr: &[u8]) -> Result<Address, Stop> {
    let Some(path) = unix_path(addr) else {
        return Ok(Address::Raw(addr.to_vec()));
    };
    Ok(Address::UnixPath(plan_lookup(
        call,
        Start::Cwd,
        path.to_vec(),
    )?))
}

/// The address to hand the kernel: for a unix path, the name in the
/// directory the walk found, which this thread makes its cwd (it has a
/// private fs context), so nothing is looked up from the path again.
fn resolve(addr: Address, follow: Follow) -> Result<Vec<u8>, Stop> {
    let plan = match addr {
        Address::Raw(bytes) => return Ok(bytes),
        Address::UnixPath(plan) => plan,
    };
    let found = plan.walk(follow)?;
    let Some(name) = found.name else {
        return Err(Stop::Fail(Errno::EINVAL));
    };
    nix::unistd::fchdir(found.dir.as_fd()).map_err(nix_errno)?;
    let mut bytes = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
    bytes.extend_from_slice(&name);
    bytes.push(0);
    Ok(bytes)
}

pub(super) fn act(reply: &Reply, call: &Call, plan: Plan) -> Result<Done, Stop> {
    let fd = plan.socket.as_fd();
    let r = match plan.op {
        Op::Listen(backlog) => sock::listen(fd, backlog),
        // connect follows a symlink to the socket; bind creates the name
        // itself and fails on anything already there.
        Op::Connect(addr) => sock::connect(fd, &resolve(addr, Follow::Final)?),
        Op::Bind(addr) => sock::bind(fd, &resolve(addr, Follow::NoFinal)?),
    };
    r.map_err(|e| errno_of(&e))?;
    Ok(reply.value(call.notif.id, 0)?)
}
