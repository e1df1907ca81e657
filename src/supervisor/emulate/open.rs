//! The open family: open or create a file as the program would and
//! install the fd in the target (open, openat, openat2, creat).

use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat, openat2};
use nix::sys::stat::Mode;
use syscalls::Sysno;

use super::{Done, PathPlan, Reply, Stop, errno_of, nix_errno, plan_path, reopen};
use crate::decode::realpath::Follow;
use crate::errno::Errno;
use crate::model::Call;
use crate::model::emulation::{Family, family, open_args, unsupported_open};
use crate::sys::notify::{ForeignFd, is_gone};

pub(super) struct Plan {
    path: PathPlan,
    flags: OFlag,
    mode: u64,
    /// The program called openat2, which checks its flags and mode
    /// strictly; the older calls drop what they do not know.
    strict: bool,
}

pub(super) fn prepare(call: &Call, sysno: Sysno) -> Result<Plan, Stop> {
    if family(sysno) != Some(Family::Open) {
        return Err(Stop::Fail(Errno::ENOSYS));
    }
    let args = open_args(call).ok_or(Errno::EFAULT)?;
    if unsupported_open(call).is_some() {
        // O_PATH (ADDFD would fail with an EBADF that looks like a bad
        // fd) or RESOLVE_* restrictions: said plainly.
        return Err(Stop::Fail(Errno::EOPNOTSUPP));
    }
    Ok(Plan {
        path: plan_path(call, args.dirfd, args.path)?,
        flags: OFlag::from_bits_retain(args.flags as i32),
        mode: args.mode,
        strict: sysno == Sysno::openat2,
    })
}

pub(super) fn act(reply: &Reply, call: &Call, plan: Plan) -> Result<Done, Stop> {
    let Plan {
        path,
        flags,
        mode,
        strict,
    } = plan;
    let create = flags.contains(OFlag::O_CREAT);
    let exclusive = create && flags.contains(OFlag::O_EXCL);
    // O_NOFOLLOW and O_CREAT|O_EXCL act on the last component itself;
    // O_CREAT alone follows a dangling link and creates its target.
    let follow = if flags.contains(OFlag::O_NOFOLLOW) || exclusive {
        Follow::NoFinal
    } else {
        Follow::Final
    };
    let found = path.walk(follow)?;
    let target_cloexec = flags.contains(OFlag::O_CLOEXEC);
    let fd = match (&found.object, &found.name) {
        (Some(_), _) if exclusive => return Err(Stop::Fail(Errno::EEXIST)),
        // The walk followed every link (but a last one with O_NOFOLLOW,
        // which the open refuses with ELOOP as the kernel would): open
        // that very name without following anything that appeared there
        // since. O_CREAT on a directory is the kernel's EISDIR (with
        // O_DIRECTORY, EINVAL), and O_EXCL without O_CREAT means something
        // of its own on a block device: the open says so.
        (Some(_), Some(name)) => open_found(found.dir.as_fd(), name, flags, mode, strict)?,
        // The root, or an object reached through a magic link.
        (Some(object), None) => reopen(object, flags)?,
        (None, Some(name)) if create => open_found(found.dir.as_fd(), name, flags, mode, strict)?,
        (None, _) => return Err(Stop::Fail(Errno::ENOENT)),
    };
    Ok(install_fd(reply, call.notif.id, &fd, target_cloexec)?)
}

/// Every flag open(2) knows (the kernel's VALID_OPEN_FLAGS); open and
/// openat drop the rest, openat2 refuses them.
const VALID_OPEN_FLAGS: i32 = libc::O_ACCMODE
    | libc::O_CREAT
    | libc::O_EXCL
    | libc::O_NOCTTY
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_NONBLOCK
    | libc::O_SYNC
    | libc::O_DSYNC
    | libc::O_ASYNC
    | libc::O_DIRECT
    | libc::O_LARGEFILE
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_NOATIME
    | libc::O_CLOEXEC
    | libc::O_PATH
    | libc::O_TMPFILE;

/// Opens `name` in `dir` with the program's flags and mode, not following
/// a link that appeared there since the walk. RESOLVE_NO_SYMLINKS does
/// that, not O_NOFOLLOW: the kernel keeps open flags in the file, and the
/// program's F_GETFL would show an O_NOFOLLOW it never asked for.
///
/// openat2 checks what open and openat let pass, so for those the flags
/// and mode are first cut down as the kernel does for them: unknown flags
/// dropped, the mode kept only when a file may be created.
fn open_found(
    dir: BorrowedFd<'_>,
    name: &[u8],
    flags: OFlag,
    mode: u64,
    strict: bool,
) -> Result<OwnedFd, Errno> {
    let (mut flags, mut mode) = (flags.bits(), mode);
    if strict && mode > u64::from(libc::mode_t::MAX) {
        // Bits the kernel would see and refuse that mode_t cannot carry.
        return Err(Errno::EINVAL);
    }
    if !strict {
        flags &= VALID_OPEN_FLAGS;
        // The kernel's WILL_CREATE: O_CREAT, or O_TMPFILE's own bit.
        let creates = flags & (libc::O_CREAT | (libc::O_TMPFILE & !libc::O_DIRECTORY)) != 0;
        mode = if creates { mode & 0o7777 } else { 0 };
    }
    let (flags, mode) = (
        OFlag::from_bits_retain(flags | libc::O_CLOEXEC),
        Mode::from_bits_retain(mode as libc::mode_t),
    );
    let how = OpenHow::new()
        .flags(flags)
        .mode(mode)
        .resolve(ResolveFlag::RESOLVE_NO_SYMLINKS);
    let name = OsStr::from_bytes(name);
    match openat2(dir, name, how) {
        // A seccomp filter on unotify-tui itself (a container runtime's
        // older default profile) may refuse openat2: O_NOFOLLOW guards
        // the same, at the cost of the flag showing in F_GETFL.
        Err(nix::errno::Errno::ENOSYS) => {
            openat(dir, name, flags | OFlag::O_NOFOLLOW, mode).map_err(nix_errno)
        }
        r => r.map_err(nix_errno),
    }
}

/// Installs our fd into the target as the call's result, atomically with
/// the answer where the kernel can (ADDFD_FLAG_SEND, linux 5.14).
fn install_fd(reply: &Reply, id: u64, fd: &OwnedFd, cloexec: bool) -> Result<Done, Errno> {
    // ADDFD with SEND answers the call: the program goes on from there.
    reply.gate.close();
    match reply.notify.add_fd(id, fd.as_fd(), cloexec, true) {
        Ok(ForeignFd(n)) => Ok(Done::Answered(i64::from(n))),
        Err(e) if is_gone(&e) => Ok(Done::Gone),
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            // Older kernel: install, then answer with the number.
            match reply.notify.add_fd(id, fd.as_fd(), cloexec, false) {
                Ok(ForeignFd(n)) => reply.value(id, i64::from(n)),
                Err(e) if is_gone(&e) => Ok(Done::Gone),
                Err(e) => Err(errno_of(&e)),
            }
        }
        Err(e) => Err(errno_of(&e)),
    }
}
