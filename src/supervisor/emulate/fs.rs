//! The filesystem family: create and remove directory entries (mkdir,
//! mkdirat, unlink, unlinkat, rmdir).

use nix::sys::stat::{Mode, mkdirat};
use nix::unistd::{UnlinkatFlags, unlinkat};
use syscalls::Sysno;

use super::{Done, answer_value, at, dir_handle, nix_errno, path_arg};
use crate::errno::Errno;
use crate::model::Call;
use crate::sys::notify::NotifyFd;

pub(super) fn run(notify: &NotifyFd, call: &Call, sysno: Sysno) -> Result<Done, Errno> {
    match sysno {
        Sysno::mkdir | Sysno::mkdirat => mkdir(notify, call, sysno),
        Sysno::unlink | Sysno::rmdir | Sysno::unlinkat => unlink(notify, call, sysno),
        // Not in this family (see model::emulation::FAMILIES).
        _ => Err(Errno::ENOSYS),
    }
}

fn mkdir(notify: &NotifyFd, call: &Call, sysno: Sysno) -> Result<Done, Errno> {
    let a = &call.notif.args;
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
    answer_value(notify, call.notif.id, 0)
}

fn unlink(notify: &NotifyFd, call: &Call, sysno: Sysno) -> Result<Done, Errno> {
    let a = &call.notif.args;
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
    answer_value(notify, call.notif.id, 0)
}
