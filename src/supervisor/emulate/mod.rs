//! Emulation: the supervisor performs the call itself, with the arguments
//! it copied out of the target, and answers with the result.
//!
//! An emulated call never does more than the program itself could. Each
//! emulation runs on a thread of its own, in three steps:
//!
//! 1. With our own rights: read the program's identity fresh for this
//!    call (uids, gids, groups, capabilities, umask; never the display's
//!    /proc cache), open its root and its cwd or dirfd, copy its socket;
//!    then check with NOTIF_ID_VALID that the call (and so the tid) is
//!    still the one we read.
//! 2. Take that identity on this thread only (`unshare(CLONE_FS)` for the
//!    umask, raw setres*id, setgroups, capset): from here every permission
//!    check is the program's.
//! 3. Walk the path as the program sees the filesystem
//!    ([`crate::decode::realpath`]: its root and mount namespace, its
//!    `/proc/self`) and act on the directory and name the walk found, with
//!    `*at` calls and no symlink followed again, so a rename race can't
//!    swap what is touched.
//!
//! Each family of `model::emulation::FAMILIES` has a handler module of its
//! own; [`perform`] picks it with an exhaustive match, so a family added
//! to the table without a handler does not compile.

mod fs;
mod open;
mod socket;

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use nix::fcntl::OFlag;
use nix::sys::stat::Mode;

use super::identity::{self, Identity};
use crate::decode::realpath::{Caller, Follow, Lookup, Resolved, Start, Unresolved};
use crate::errno::Errno;
use crate::model::emulation::{Family, family};
use crate::model::{Call, Refusal, Value};
use crate::sys::notify::{NotifyFd, Response, is_gone};

/// What the target got from an emulated call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emulated {
    /// The call returned this value (0, or the new fd for opens).
    Value(i64),
    /// The call failed with this errno.
    Error(Errno),
    /// Nothing was done: the call failed with this errno because the
    /// program's rights could not be taken.
    Refused(Errno, Refusal),
    /// The call went away before the answer (SEND/ADDFD said ENOENT).
    Gone,
}

/// Where an emulation's answer falls among the answers other threads
/// send and record. The program goes on the moment its answer reaches the
/// kernel, and its next call may be recorded by the receiver at once: so
/// the gate is closed (its lock taken) just before the answer is sent,
/// and whoever called [`perform`] keeps it closed until the call's record
/// is queued. Closed only then: the emulation itself may block (an open
/// on a FIFO), and the receiver waits on this lock.
pub struct AnswerGate<'a> {
    order: &'a Mutex<()>,
    held: RefCell<Option<MutexGuard<'a, ()>>>,
}

impl<'a> AnswerGate<'a> {
    pub fn new(order: &'a Mutex<()>) -> AnswerGate<'a> {
        AnswerGate {
            order,
            held: RefCell::new(None),
        }
    }

    /// Takes the lock, once, before the answer is sent.
    fn close(&self) {
        let mut held = self.held.borrow_mut();
        if held.is_none() {
            *held = Some(self.order.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }
}

fn errno_of(e: &io::Error) -> Errno {
    e.raw_os_error().and_then(Errno::new).unwrap_or(Errno::EIO)
}

fn nix_errno(e: nix::Error) -> Errno {
    Errno::new(e as i32).unwrap_or(Errno::EIO)
}

/// Why an emulation stopped before answering.
enum Stop {
    /// The call fails with this errno, as the real call would have.
    Fail(Errno),
    /// The program's rights could not be taken: refuse.
    Refuse(Refusal),
    /// The call is gone (NOTIF_ID_VALID said so).
    Gone,
}

impl From<Errno> for Stop {
    fn from(e: Errno) -> Stop {
        Stop::Fail(e)
    }
}

/// What a handler opened in step 1, to use in step 3.
enum Plan {
    Fs(fs::Plan),
    Open(open::Plan),
    Socket(socket::Plan),
}

/// Performs `call` and answers it. Must run on a thread dedicated to this
/// one emulation: it changes the thread's fs context and credentials.
pub fn perform(notify: &NotifyFd, call: &Call, gate: &AnswerGate) -> Emulated {
    let id = call.notif.id;
    let reply = Reply { notify, gate };
    let result = prepare(notify, call).and_then(|(who, plan)| {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS).map_err(nix_errno)?;
        identity::adopt(&who).map_err(|_| Stop::Refuse(Refusal::IdentityNotTaken))?;
        act(&reply, call, plan)
    });
    let (errno, refused) = match result {
        Ok(Done::Answered(v)) => return Emulated::Value(v),
        Ok(Done::Gone) | Err(Stop::Gone) => return Emulated::Gone,
        Err(Stop::Fail(e)) => (e, None),
        // EPERM: the program is told "not allowed", which is what a refusal is.
        Err(Stop::Refuse(why)) => (Errno::EPERM, Some(why)),
    };
    match reply.error(id, errno) {
        Err(e) if is_gone(&e) => Emulated::Gone,
        _ => match refused {
            Some(why) => Emulated::Refused(errno, why),
            None => Emulated::Error(errno),
        },
    }
}

/// Step 1: everything that needs our own rights.
fn prepare(notify: &NotifyFd, call: &Call) -> Result<(Identity, Plan), Stop> {
    let sysno = call.sysno.ok_or(Errno::ENOSYS)?;
    let who =
        identity::read(call.notif.pid).map_err(|_| Stop::Refuse(Refusal::IdentityUnreadable))?;
    let plan = match family(sysno).ok_or(Errno::ENOSYS)? {
        Family::Filesystem => Plan::Fs(fs::prepare(call, sysno)?),
        Family::Open => Plan::Open(open::prepare(call, sysno)?),
        Family::Socket => Plan::Socket(socket::prepare(call, sysno)?),
    };
    // What we read must belong to the call we are answering: the thread
    // may have died and its tid been reused meanwhile.
    if !notify.id_valid(call.notif.id) {
        return Err(Stop::Gone);
    }
    Ok((who, plan))
}

/// Step 3, as the program.
fn act(reply: &Reply, call: &Call, plan: Plan) -> Result<Done, Stop> {
    match plan {
        Plan::Fs(p) => fs::act(reply, call, p),
        Plan::Open(p) => open::act(reply, call, p),
        Plan::Socket(p) => socket::act(reply, call, p),
    }
}

enum Done {
    /// Answered (by ADDFD+SEND or SEND) with this value.
    Answered(i64),
    Gone,
}

/// The path argument at `index` as given (bytes), or the errno the real
/// call would have failed with.
fn path_arg(call: &Call, index: usize) -> Result<Vec<u8>, Errno> {
    let arg = call.args.get(index).ok_or(Errno::EINVAL)?;
    match &arg.value {
        Value::Path { given, .. } if given.is_empty() => Err(Errno::ENOENT),
        Value::Path { given, .. } if given.contains(&0) => Err(Errno::EINVAL),
        Value::Path { given, .. } => Ok(given.clone()),
        // A path that runs into unreadable memory before its NUL: the
        // kernel's own copy fails the same way.
        Value::Unreadable { errno, .. } | Value::Partial { errno, .. } => {
            Err(Errno::new(*errno).unwrap_or(Errno::EFAULT))
        }
        Value::Null => Err(Errno::EFAULT),
        _ => Err(Errno::EINVAL),
    }
}

/// A path to walk later as the program: the path and its open start.
struct PathPlan {
    path: Vec<u8>,
    lookup: Lookup,
}

/// Opens the program's root and the start of `path` (its cwd, or the
/// dirfd in raw argument `dirfd`), while we still have our own rights.
fn plan_path(call: &Call, dirfd: Option<u64>, index: usize) -> Result<PathPlan, Stop> {
    let path = path_arg(call, index)?;
    plan_lookup(call, dirfd.map_or(Start::Cwd, Start::at), path)
}

/// Opens the program's root and `start` for walking `path` later.
fn plan_lookup(call: &Call, start: Start, path: Vec<u8>) -> Result<PathPlan, Stop> {
    let lookup = Lookup::prepare(Caller::of(call), start, &path).map_err(|e| match e {
        Unresolved::Unreachable(libc::EBADF) => Stop::Fail(Errno::EBADF),
        Unresolved::Missing(e) => Stop::Fail(Errno::new(e).unwrap_or(Errno::ENOENT)),
        _ => Stop::Refuse(Refusal::ViewUnreachable),
    })?;
    Ok(PathPlan { path, lookup })
}

impl PathPlan {
    /// Step 3: the walk, with the program's rights; a failure is the errno
    /// the program's own lookup would have met.
    fn walk(self, follow: Follow) -> Result<Resolved, Errno> {
        self.lookup.walk(&self.path, follow).map_err(|e| match e {
            Unresolved::Loop => Errno::ELOOP,
            Unresolved::Missing(e) | Unresolved::Unreachable(e) => {
                Errno::new(e).unwrap_or(Errno::ENOENT)
            }
            // A magic link the program followed out of its own root to an
            // object without a path: nothing we can name safely.
            Unresolved::Outside => Errno::EXDEV,
        })
    }
}

/// Reopens an `O_PATH` handle with real access flags: the kernel checks
/// them against the object with this thread's (the program's) rights.
fn reopen(object: &OwnedFd, flags: OFlag) -> Result<OwnedFd, Errno> {
    use std::os::fd::AsRawFd;
    let p = format!("/proc/thread-self/fd/{}", object.as_fd().as_raw_fd());
    nix::fcntl::open(p.as_str(), flags | OFlag::O_CLOEXEC, Mode::empty()).map_err(nix_errno)
}

/// How a handler answers: the listener, with the gate each answer closes
/// first.
struct Reply<'a, 'g> {
    notify: &'a NotifyFd,
    gate: &'a AnswerGate<'g>,
}

impl Reply<'_, '_> {
    /// Fails call `id` with `e`.
    fn error(&self, id: u64, e: Errno) -> io::Result<()> {
        self.gate.close();
        self.notify.send(Response::error(id, e))
    }

    /// Answers call `id` with the value `v`.
    fn value(&self, id: u64, v: i64) -> Result<Done, Errno> {
        self.gate.close();
        match self.notify.send(Response::value(id, v)) {
            Ok(()) => Ok(Done::Answered(v)),
            Err(e) if is_gone(&e) => Ok(Done::Gone),
            Err(e) => Err(errno_of(&e)),
        }
    }
}
