//! The open family: open or create a file as the program would and
//! install the fd in the target (open, openat, openat2, creat).

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use nix::fcntl::{OFlag, openat};
use nix::sys::stat::{Mode, SFlag, fstat};
use syscalls::Sysno;

use super::{Done, PathPlan, Stop, answer_value, errno_of, nix_errno, plan_path, reopen};
use crate::decode::realpath::Follow;
use crate::errno::Errno;
use crate::model::Call;
use crate::sys::notify::{ForeignFd, NotifyFd, is_gone};

pub(super) struct Plan {
    path: PathPlan,
    flags: OFlag,
    mode: u32,
}

pub(super) fn prepare(call: &Call, sysno: Sysno) -> Result<Plan, Stop> {
    let a = &call.notif.args;
    let (dirfd, index, flags, mode) = match sysno {
        Sysno::open => (None, 0, a[1], a[2]),
        Sysno::creat => (
            None,
            0,
            (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64,
            a[1],
        ),
        Sysno::openat => (Some(a[0]), 1, a[2], a[3]),
        Sysno::openat2 => {
            let how = call.copies().open_how.ok_or(Errno::EFAULT)?;
            if how[2] != 0 {
                // RESOLVE_* restrictions need openat2 itself; refusing is
                // safer than opening with fewer restrictions.
                return Err(Stop::Fail(Errno::EOPNOTSUPP));
            }
            (Some(a[0]), 1, how[0], how[1])
        }
        // Not in this family (see model::emulation::FAMILIES).
        _ => return Err(Stop::Fail(Errno::ENOSYS)),
    };
    if flags & libc::O_PATH as u64 != 0 {
        // SECCOMP_IOCTL_NOTIF_ADDFD cannot install an O_PATH file in the
        // program (the kernel takes it with fget, which refuses them):
        // said plainly instead of an EBADF that looks like a bad fd.
        return Err(Stop::Fail(Errno::EOPNOTSUPP));
    }
    Ok(Plan {
        path: plan_path(call, dirfd, index)?,
        flags: OFlag::from_bits_retain(flags as i32),
        mode: mode as u32,
    })
}

pub(super) fn act(notify: &NotifyFd, call: &Call, plan: Plan) -> Result<Done, Stop> {
    let flags = plan.flags;
    let create = flags.contains(OFlag::O_CREAT);
    let exclusive = create && flags.contains(OFlag::O_EXCL);
    // O_NOFOLLOW and O_CREAT|O_EXCL act on the last component itself;
    // O_CREAT alone follows a dangling link and creates its target.
    let follow = if flags.contains(OFlag::O_NOFOLLOW) || exclusive {
        Follow::NoFinal
    } else {
        Follow::Final
    };
    let found = plan.path.walk(follow)?;
    let target_cloexec = flags.contains(OFlag::O_CLOEXEC);
    let fd = match (&found.object, &found.name) {
        (Some(_), _) if exclusive => return Err(Stop::Fail(Errno::EEXIST)),
        (Some(object), Some(name)) => {
            if is_symlink(object) && !flags.contains(OFlag::O_PATH) {
                // Only reachable with O_NOFOLLOW: the kernel's ELOOP.
                return Err(Stop::Fail(Errno::ELOOP));
            }
            // The walk followed every link: open that very name without
            // following anything that appeared there since. The program's
            // flags go as they are: O_CREAT on a directory is the kernel's
            // EISDIR (with O_DIRECTORY, EINVAL), and O_EXCL without
            // O_CREAT means something of its own on a block device.
            openat(
                found.dir.as_fd(),
                OsStr::from_bytes(name),
                flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(plan.mode),
            )
            .map_err(nix_errno)?
        }
        // The root, or an object reached through a magic link.
        (Some(object), None) => reopen(object, flags)?,
        (None, Some(name)) if create => openat(
            found.dir.as_fd(),
            OsStr::from_bytes(name),
            flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(plan.mode),
        )
        .map_err(nix_errno)?,
        (None, _) => return Err(Stop::Fail(Errno::ENOENT)),
    };
    Ok(install_fd(notify, call.notif.id, &fd, target_cloexec)?)
}

fn is_symlink(fd: &OwnedFd) -> bool {
    fstat(fd.as_fd())
        .is_ok_and(|st| SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFLNK)
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
