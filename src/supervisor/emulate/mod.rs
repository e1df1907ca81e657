//! Emulation: the supervisor performs the call itself, with the arguments
//! it copied out of the target, and answers with the result.
//!
//! Every emulation runs on a thread of its own that first takes the
//! target's view of the filesystem: a private fs_struct
//! (`unshare(CLONE_FS)`) with the target's cwd and umask, and, when we are
//! root, the target's fsuid, fsgid and groups. So relative paths resolve
//! as they would for the target, and nothing succeeds that the target
//! could not have done itself.
//!
//! Each family of `model::emulation::FAMILIES` has a handler module of its
//! own; [`perform`] picks it with an exhaustive match, so a family added
//! to the table without a handler does not compile.

mod fs;
mod open;
mod socket;

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::sys::stat::{Mode, umask};

use crate::errno::Errno;
use crate::model::emulation::{Family, family};
use crate::model::{Call, Value};
use crate::sys::creds;
use crate::sys::notify::{NotifyFd, Response, is_gone};

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

/// Runs the handler of the call's family.
fn run(notify: &NotifyFd, call: &Call) -> Result<Done, Errno> {
    let sysno = call.sysno.ok_or(Errno::ENOSYS)?;
    let handler = match family(sysno).ok_or(Errno::ENOSYS)? {
        Family::Filesystem => fs::run,
        Family::Open => open::run,
        Family::Socket => socket::run,
    };
    handler(notify, call, sysno)
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
