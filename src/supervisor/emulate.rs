//! Emulation: the supervisor performs the call itself, with the arguments
//! it copied out of the target, and answers with the result.
//!
//! Every emulation runs on a thread of its own that first takes the
//! target's view of the filesystem: a private fs_struct
//! (`unshare(CLONE_FS)`) with the target's cwd and umask, and, when we are
//! root, the target's fsuid, fsgid and groups. So relative paths resolve
//! as they would for the target, and nothing succeeds that the target
//! could not have done itself.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, OwnedFd};

use nix::fcntl::{OFlag, openat};
use nix::sys::stat::{Mode, mkdirat, umask};
use nix::unistd::{UnlinkatFlags, unlinkat};
use syscalls::Sysno;

use crate::errno::Errno;
use crate::model::{Call, Value};
use crate::sys::notify::{ForeignFd, NotifyFd, Response, is_gone};
use crate::sys::{creds, pidfd, sock};

/// What the target got from an emulated call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emulated {
    /// The call returned this value (0, or the new fd for opens).
    Value(i64),
    /// The call failed with this errno.
    Error(Errno),
    /// The call went away before the answer (SEND/ADDFD said ENOENT).
    Gone,
}

const AT_FDCWD: i32 = libc::AT_FDCWD;
const CAP_NET_BIND_SERVICE: u64 = 1 << 10;

fn errno_of(e: &io::Error) -> Errno {
    e.raw_os_error().and_then(Errno::new).unwrap_or(Errno::EIO)
}

fn nix_errno(e: nix::Error) -> Errno {
    Errno::new(e as i32).unwrap_or(Errno::EIO)
}

/// Performs `call` and answers it. Must run on a thread dedicated to this
/// one emulation: it changes the thread's cwd, umask and credentials.
pub fn perform(notify: &NotifyFd, call: &Call) -> Emulated {
    let result = adopt_target_view(call).and_then(|()| run(notify, call));
    match result {
        Ok(Done::Answered(v)) => Emulated::Value(v),
        Ok(Done::Gone) => Emulated::Gone,
        Err(errno) => match notify.send(Response::error(call.notif.id, errno)) {
            Err(e) if is_gone(&e) => Emulated::Gone,
            _ => Emulated::Error(errno),
        },
    }
}

enum Done {
    /// Answered (by ADDFD+SEND or SEND) with this value.
    Answered(i64),
    Gone,
}

fn adopt_target_view(call: &Call) -> Result<(), Errno> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS).map_err(nix_errno)?;
    let cwd = format!("/proc/{}/cwd", call.notif.pid);
    nix::unistd::chdir(cwd.as_str()).map_err(nix_errno)?;
    umask(Mode::from_bits_truncate(call.creds.umask));
    // Only root can change credentials, and only root could exceed the
    // target's rights.
    if nix::unistd::geteuid().is_root() && (call.creds.fsuid != 0 || call.creds.fsgid != 0) {
        creds::set_thread_fs_creds(call.creds.fsuid, call.creds.fsgid, &call.creds.groups)
            .map_err(|e| errno_of(&e))?;
    }
    Ok(())
}

/// The path argument named `pathname`/`path` as given (bytes), or the
/// errno the real call would have failed with.
fn path_arg(call: &Call, index: usize) -> Result<CString, Errno> {
    let arg = call.args.get(index).ok_or(Errno::EINVAL)?;
    match &arg.value {
        Value::Path { given, .. } => CString::new(given.clone()).map_err(|_| Errno::EINVAL),
        Value::Unreadable { errno, .. } => Err(Errno::new(*errno).unwrap_or(Errno::EFAULT)),
        Value::Null => Err(Errno::EFAULT),
        _ => Err(Errno::EINVAL),
    }
}

/// A directory handle for a `*at` call's dirfd argument: our cwd (which
/// now is the target's) for AT_FDCWD, else the target's fd via /proc.
fn dir_handle(call: &Call, raw: u64) -> Result<Option<OwnedFd>, Errno> {
    let fd = raw as u32 as i32;
    if fd == AT_FDCWD {
        return Ok(None);
    }
    let p = format!("/proc/{}/fd/{fd}", call.notif.pid);
    nix::fcntl::open(p.as_str(), OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
        .map(Some)
        .map_err(|_| Errno::EBADF)
}

fn at<'a>(dir: &'a Option<OwnedFd>) -> std::os::fd::BorrowedFd<'a> {
    match dir {
        Some(d) => d.as_fd(),
        None => nix::fcntl::AT_FDCWD,
    }
}

fn answer_value(notify: &NotifyFd, id: u64, v: i64) -> Result<Done, Errno> {
    match notify.send(Response::value(id, v)) {
        Ok(()) => Ok(Done::Answered(v)),
        Err(e) if is_gone(&e) => Ok(Done::Gone),
        Err(e) => Err(errno_of(&e)),
    }
}

fn run(notify: &NotifyFd, call: &Call) -> Result<Done, Errno> {
    let a = &call.notif.args;
    let id = call.notif.id;
    let sysno = call.sysno.ok_or(Errno::ENOSYS)?;
    match sysno {
        Sysno::mkdir | Sysno::mkdirat => {
            let (dir, path, mode) = if sysno == Sysno::mkdir {
                (None, path_arg(call, 0)?, a[1])
            } else {
                (dir_handle(call, a[0])?, path_arg(call, 1)?, a[2])
            };
            mkdirat(
                at(&dir),
                path.as_c_str(),
                Mode::from_bits_truncate(mode as u32),
            )
            .map_err(nix_errno)?;
            answer_value(notify, id, 0)
        }
        Sysno::unlink | Sysno::rmdir | Sysno::unlinkat => {
            let (dir, path, remove_dir) = match sysno {
                Sysno::unlink => (None, path_arg(call, 0)?, false),
                Sysno::rmdir => (None, path_arg(call, 0)?, true),
                _ => (
                    dir_handle(call, a[0])?,
                    path_arg(call, 1)?,
                    a[2] as i32 & libc::AT_REMOVEDIR != 0,
                ),
            };
            let how = if remove_dir {
                UnlinkatFlags::RemoveDir
            } else {
                UnlinkatFlags::NoRemoveDir
            };
            unlinkat(at(&dir), path.as_c_str(), how).map_err(nix_errno)?;
            answer_value(notify, id, 0)
        }
        Sysno::open | Sysno::openat | Sysno::creat | Sysno::openat2 => {
            let (dir, path, flags, mode) = match sysno {
                Sysno::open => (None, path_arg(call, 0)?, a[1], a[2]),
                Sysno::creat => (
                    None,
                    path_arg(call, 0)?,
                    (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64,
                    a[1],
                ),
                Sysno::openat => (dir_handle(call, a[0])?, path_arg(call, 1)?, a[2], a[3]),
                _ => {
                    let how = call.copies.open_how.ok_or(Errno::EFAULT)?;
                    if how[2] != 0 {
                        // RESOLVE_* restrictions need openat2 itself; refusing is
                        // safer than opening with fewer restrictions.
                        return Err(Errno::EOPNOTSUPP);
                    }
                    (dir_handle(call, a[0])?, path_arg(call, 1)?, how[0], how[1])
                }
            };
            let oflags = OFlag::from_bits_retain(flags as i32);
            let target_cloexec = oflags.contains(OFlag::O_CLOEXEC);
            let fd = openat(
                at(&dir),
                path.as_c_str(),
                oflags | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(mode as u32),
            )
            .map_err(nix_errno)?;
            install_fd(notify, id, &fd, target_cloexec)
        }
        Sysno::connect | Sysno::bind => {
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
            let sockfd =
                pidfd::copy_fd(call.tgid, ForeignFd(a[0] as i32)).map_err(|e| errno_of(&e))?;
            let r = if sysno == Sysno::connect {
                sock::connect(sockfd.as_fd(), addr)
            } else {
                sock::bind(sockfd.as_fd(), addr)
            };
            r.map_err(|e| errno_of(&e))?;
            answer_value(notify, id, 0)
        }
        Sysno::listen => {
            let sockfd =
                pidfd::copy_fd(call.tgid, ForeignFd(a[0] as i32)).map_err(|e| errno_of(&e))?;
            sock::listen(sockfd.as_fd(), a[1] as i32).map_err(|e| errno_of(&e))?;
            answer_value(notify, id, 0)
        }
        _ => Err(Errno::ENOSYS),
    }
}

/// Installs our fd into the target as the call's result, atomically with
/// the answer where the kernel can (ADDFD_FLAG_SEND, linux 5.14).
fn install_fd(notify: &NotifyFd, id: u64, fd: &OwnedFd, cloexec: bool) -> Result<Done, Errno> {
    match notify.add_fd(id, fd.as_fd(), cloexec, true) {
        Ok(ForeignFd(n)) => Ok(Done::Answered(i64::from(n))),
        Err(e) if is_gone(&e) => Ok(Done::Gone),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            // Older kernel: install, then answer with the number.
            match notify.add_fd(id, fd.as_fd(), cloexec, false) {
                Ok(ForeignFd(n)) => answer_value(notify, id, i64::from(n)),
                Err(e) if is_gone(&e) => Ok(Done::Gone),
                Err(e) => Err(errno_of(&e)),
            }
        }
        Err(e) => Err(errno_of(&e)),
    }
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
