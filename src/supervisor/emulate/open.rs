//! The open family: open or create a file with the target's view and
//! install the fd in the target (open, openat, openat2, creat).

use std::os::fd::{AsFd, OwnedFd};

use nix::fcntl::{OFlag, openat};
use nix::sys::stat::Mode;
use syscalls::Sysno;

use super::{Done, answer_value, at, dir_handle, errno_of, nix_errno, path_arg};
use crate::errno::Errno;
use crate::model::Call;
use crate::sys::notify::{ForeignFd, NotifyFd, is_gone};

pub(super) fn run(notify: &NotifyFd, call: &Call, sysno: Sysno) -> Result<Done, Errno> {
    let a = &call.notif.args;
    let (dir, path, flags, mode) = match sysno {
        Sysno::open => (None, path_arg(call, 0)?, a[1], a[2]),
        Sysno::creat => (
            None,
            path_arg(call, 0)?,
            (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64,
            a[1],
        ),
        Sysno::openat => (dir_handle(call, a[0])?, path_arg(call, 1)?, a[2], a[3]),
        Sysno::openat2 => {
            let how = call.copies.open_how.ok_or(Errno::EFAULT)?;
            if how[2] != 0 {
                // RESOLVE_* restrictions need openat2 itself; refusing is
                // safer than opening with fewer restrictions.
                return Err(Errno::EOPNOTSUPP);
            }
            (dir_handle(call, a[0])?, path_arg(call, 1)?, how[0], how[1])
        }
        // Not in this family (see model::emulation::FAMILIES).
        _ => return Err(Errno::ENOSYS),
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
    install_fd(notify, call.notif.id, &fd, target_cloexec)
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
