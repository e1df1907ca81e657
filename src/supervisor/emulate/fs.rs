//! The filesystem family: create and remove directory entries (mkdir,
//! mkdirat, unlink, unlinkat, rmdir). All of them act on the last
//! component itself, so the walk follows no final symlink.

use std::ffi::OsStr;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;

use nix::sys::stat::{Mode, mkdirat};
use nix::unistd::{UnlinkatFlags, unlinkat};
use syscalls::Sysno;

use super::{Done, PathPlan, Reply, Stop, nix_errno, plan_path};
use crate::decode::realpath::Follow;
use crate::errno::Errno;
use crate::model::Call;

pub(super) enum Op {
    Mkdir(u32),
    Unlink { dir: bool },
}

pub(super) struct Plan {
    path: PathPlan,
    op: Op,
}

pub(super) fn prepare(call: &Call, sysno: Sysno) -> Result<Plan, Stop> {
    let a = &call.notif.args;
    let (dirfd, index, op) = match sysno {
        Sysno::mkdir => (None, 0, Op::Mkdir(a[1] as u32)),
        Sysno::mkdirat => (Some(a[0]), 1, Op::Mkdir(a[2] as u32)),
        Sysno::unlink => (None, 0, Op::Unlink { dir: false }),
        Sysno::rmdir => (None, 0, Op::Unlink { dir: true }),
        Sysno::unlinkat => {
            if a[2] as i32 & !libc::AT_REMOVEDIR != 0 {
                return Err(Stop::Fail(Errno::EINVAL));
            }
            let dir = a[2] as i32 & libc::AT_REMOVEDIR != 0;
            (Some(a[0]), 1, Op::Unlink { dir })
        }
        // Not in this family (see model::emulation::FAMILIES).
        _ => return Err(Stop::Fail(Errno::ENOSYS)),
    };
    Ok(Plan {
        path: plan_path(call, dirfd, index)?,
        op,
    })
}

pub(super) fn act(reply: &Reply, call: &Call, plan: Plan) -> Result<Done, Stop> {
    let found = plan.path.walk(Follow::NoFinal)?;
    match plan.op {
        Op::Mkdir(mode) => {
            let Some(name) = found.name.filter(|_| found.object.is_none()) else {
                return Err(Stop::Fail(Errno::EEXIST));
            };
            mkdirat(
                found.dir.as_fd(),
                OsStr::from_bytes(&name),
                Mode::from_bits_truncate(mode),
            )
            .map_err(nix_errno)?;
        }
        Op::Unlink { dir } => {
            if found.object.is_none() {
                return Err(Stop::Fail(Errno::ENOENT));
            }
            // The root, or an object reached by a magic link: rmdir("/")
            // is EBUSY, and a magic link is no name to remove.
            let Some(name) = found.name else {
                return Err(Stop::Fail(if dir { Errno::EBUSY } else { Errno::EPERM }));
            };
            let how = if dir {
                UnlinkatFlags::RemoveDir
            } else {
                UnlinkatFlags::NoRemoveDir
            };
            unlinkat(found.dir.as_fd(), OsStr::from_bytes(&name), how).map_err(nix_errno)?;
        }
    }
    Ok(reply.value(call.notif.id, 0)?)
}
