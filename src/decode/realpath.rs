//! The real path: which file a path argument will make the kernel touch,
//! as the calling program sees the filesystem.
//!
//! A rule that says `deny /etc/**` must also catch `/tmp/l/hostname` when
//! `/tmp/l -> /etc`, `/proc/self/root/etc/hostname` and
//! `/proc/self/fd/3/hostname`. So every path is walked one component at a
//! time, the way the kernel's path walk does it, but from the program's
//! side:
//!
//! - absolute paths start at the program's root (`/proc/TID/root`),
//!   relative ones at its cwd (`/proc/TID/cwd`) or the dirfd
//!   (`/proc/TID/fd/N`); `..` climbs from there up to the program's root
//!   and no further;
//! - symlinks are read and followed (at most [`MAX_SYMLINKS`], as the
//!   kernel), absolute ones from the program's root again, so no link the
//!   program planted can walk the supervisor outside that root;
//! - `/proc/self` and `/proc/thread-self` mean the program, not us;
//!   procfs' magic links (`/proc/PID/root`, `cwd`, `fd/N`, `exe`) are
//!   followed by the object they stand for, as the kernel does;
//! - the last component is followed or not as the call would
//!   ([`Follow`]).
//!
//! Every step is an `O_PATH` open, a stat or a readlink: nothing is
//! created, opened for reading or changed.

use std::collections::VecDeque;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno as NixErrno;
use nix::fcntl::{OFlag, openat, readlinkat};
use nix::sys::stat::{Mode, SFlag, fstat};
use nix::sys::statfs::{PROC_SUPER_MAGIC, fstatfs};

use syscalls::Sysno;

use super::table::{Kind, params};
use crate::model::{Call, RealPath, RealPaths, Value};

/// The kernel's limit on symlinks followed in one lookup (`MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// How the call treats a symlink in the last component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Follow {
    /// The call follows it (open, chdir, stat, …): the object is the
    /// link's target.
    Final,
    /// The call acts on the link itself (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
    /// unlink, rmdir, rename, O_CREAT|O_EXCL, mkdir, symlink's linkpath):
    /// the object is the name in the resolved parent directory.
    NoFinal,
}

/// Where a relative path starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The program's cwd (`AT_FDCWD`, or a call without a dirfd).
    Cwd,
    /// The directory behind the program's fd `N`.
    DirFd(i32),
}

/// Why the real path could not be found. The caller then matches the
/// path as written (never something looser) and says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// More than [`MAX_SYMLINKS`] links (the call gets ELOOP).
    Loop,
    /// A directory on the way does not exist or is not a directory (the
    /// call fails with this errno: ENOENT, ENOTDIR).
    Missing(i32),
    /// The program's root, cwd or dirfd could not be opened (it exited,
    /// or we may not look at it), or a step failed with this errno.
    Unreachable(i32),
    /// The walk left the program's root through a magic link whose
    /// object has no path inside it (a socket, a pipe, another root).
    Outside,
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name =
            |e: i32| crate::errno::Errno::new(e).map_or_else(|| format!("errno {e}"), |e| e.name());
        match self {
            Unresolved::Loop => write!(f, "too many symlinks (ELOOP)"),
            Unresolved::Missing(e) => write!(f, "a directory on the way is missing ({})", name(*e)),
            Unresolved::Unreachable(e) => {
                write!(f, "the program's view could not be read ({})", name(*e))
            }
            Unresolved::Outside => write!(f, "a link leads outside the program's root"),
        }
    }
}

/// The calling thread: `tid` for `/proc/thread-self`, `tgid` for
/// `/proc/self`, both as the kernel numbers them for us (the caller's
/// pid namespace is dealt with when `self` is met).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    pub tid: u32,
    pub tgid: u32,
}

impl Caller {
    /// The thread that made `call`.
    pub fn of(call: &Call) -> Caller {
        Caller {
            tid: call.notif.pid,
            tgid: call.proc.tgid,
        }
    }
}

impl Start {
    /// Where a path relative to the raw dirfd argument `raw` starts.
    pub fn at(raw: u64) -> Start {
        match raw as u32 as i32 {
            libc::AT_FDCWD => Start::Cwd,
            fd => Start::DirFd(fd),
        }
    }
}

/// Finds the real path of `path` for `caller`: absolute, in the program's
/// view of the filesystem (relative to its root), with no `.`, `..` or
/// symlink left in it. The last component may not exist (a file the call
/// will create).
pub fn real_path(
    caller: Caller,
    start: Start,
    path: &[u8],
    follow: Follow,
) -> Result<Vec<u8>, Unresolved> {
    Lookup::prepare(caller, start, path)?
        .walk(path, follow)
        .map(|r| r.path)
}

/// A lookup whose starting points (the program's root, and its cwd or
/// dirfd) are open, so the walk itself can run later on a thread that has
/// taken the program's identity: then every directory on the way is
/// searched with the program's rights, not ours.
pub struct Lookup(Walk);

/// Where a walk ended: the real path, and handles on what it found, so
/// that an emulated call acts on exactly the object that was checked
/// instead of looking the path up again.
pub struct Resolved {
    pub path: Vec<u8>,
    /// The directory holding the object (or the object itself, when
    /// `name` is `None`).
    pub dir: OwnedFd,
    /// The object's name in `dir`: `None` for the root, or an object
    /// reached through a magic link (open it through `object`).
    pub name: Option<Vec<u8>>,
    /// An `O_PATH` handle on the object; `None` when it does not exist
    /// yet (a file the call would create).
    pub object: Option<OwnedFd>,
}

impl Lookup {
    /// Opens the program's root, and its cwd or dirfd when `path` is
    /// relative.
    pub fn prepare(caller: Caller, start: Start, path: &[u8]) -> Result<Lookup, Unresolved> {
        let mut walk = Walk::new(caller)?;
        if path.first() != Some(&b'/') {
            walk.start_at(start)?;
        }
        Ok(Lookup(walk))
    }

    /// Walks `path` as the call would.
    pub fn walk(self, path: &[u8], follow: Follow) -> Result<Resolved, Unresolved> {
        let mut walk = self.0;
        walk.run(path, follow)?;
        Ok(walk.finish())
    }
}

/// The real paths of `call`'s path arguments, found once per call: now if
/// nobody has yet (the walk reads the program's /proc; the receiver does
/// it before NOTIF_ID_VALID when a decision depends on it).
pub fn real_paths(call: &Call) -> &RealPaths {
    call.real.get_or_init(|| of_call(call))
}

/// The paths rules match: the real path of each path argument, or the
/// lexical one (absolute, `..` folded) where the real one is unknown.
/// Walks now if nobody has yet: for deciding a call still pending.
pub fn policy_paths(call: &Call) -> Vec<&[u8]> {
    paths_with(call, Some(real_paths(call)))
}

/// [`policy_paths`] for a call that may be answered already (learning,
/// display): only what was found while it was pending, never a walk now,
/// when the program may have moved on (a new cwd, a removed link).
pub fn known_policy_paths(call: &Call) -> Vec<&[u8]> {
    paths_with(call, call.real.get())
}

fn paths_with<'a>(call: &'a Call, real: Option<&'a RealPaths>) -> Vec<&'a [u8]> {
    call.args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match &a.value {
            Value::Path { given, resolved } => Some(match real.and_then(|r| r.of_arg(i)) {
                Some(RealPath::Found(p)) => p.as_slice(),
                _ => resolved.as_deref().unwrap_or(given.as_slice()),
            }),
            _ => None,
        })
        .collect()
}

/// `/proc/N/…` of the calling process written as `/proc/self/…`, the form
/// a rule's `/proc/{self}/**` (or `/proc/self/**`) matches; `None` for
/// any other path.
pub fn as_proc_self(path: &[u8], proc_self: Option<u32>) -> Option<Vec<u8>> {
    let n = proc_self?.to_string();
    let rest = path.strip_prefix(b"/proc/")?.strip_prefix(n.as_bytes())?;
    if !rest.is_empty() && rest[0] != b'/' {
        return None;
    }
    let mut out = b"/proc/self".to_vec();
    out.extend_from_slice(rest);
    Some(out)
}

fn of_call(call: &Call) -> RealPaths {
    let mut out = RealPaths::default();
    let Some(sysno) = call.sysno else {
        return out;
    };
    let Some(table) = params(sysno) else {
        return out;
    };
    let caller = Caller::of(call);
    for (i, (_, kind)) in table.iter().enumerate() {
        let start = match kind {
            Kind::Path => Start::Cwd,
            Kind::PathAt(d) => Start::at(call.notif.args[*d]),
            _ => continue,
        };
        let real = match call.args.get(i).map(|a| &a.value) {
            Some(Value::Path { given, .. }) => one(call, sysno, i, caller, start, given),
            _ => RealPath::Unresolved("the path could not be read".into()),
        };
        out.paths.push((i, real));
    }
    // Which number /proc/self names for the program matters only for a
    // path in /proc (and costs a read of its status): found only then.
    let in_proc = |r: &RealPath| matches!(r, RealPath::Found(p) if p.starts_with(b"/proc/"));
    if out.paths.iter().any(|(_, r)| in_proc(r)) {
        out.proc_self = inner_pid(call.proc.tgid).or(Some(call.proc.tgid));
    }
    out
}

fn one(
    call: &Call,
    sysno: Sysno,
    i: usize,
    caller: Caller,
    start: Start,
    given: &[u8],
) -> RealPath {
    if sysno == Sysno::openat2 && call.copies().open_how.is_some_and(|h| h[2] != 0) {
        return RealPath::Unresolved("openat2 with RESOLVE_* flags: matched as written".into());
    }
    if given.is_empty() && !at_flag(call, libc::AT_EMPTY_PATH) {
        return RealPath::Unresolved("an empty path (the call fails with ENOENT)".into());
    }
    if given.len() >= super::PATH_MAX {
        return RealPath::Unresolved("longer than PATH_MAX".into());
    }
    match real_path(caller, start, given, follow(call, sysno, i)) {
        Ok(p) => RealPath::Found(p),
        Err(e) => RealPath::Unresolved(e.to_string()),
    }
}

/// The raw value of the call's `AT_*` flags argument has `bit`.
fn at_flag(call: &Call, bit: i32) -> bool {
    let Some(table) = call.sysno.and_then(params) else {
        return false;
    };
    table
        .iter()
        .position(|(_, k)| matches!(k, Kind::AtFlags(_)))
        .is_some_and(|i| call.notif.args[i] as i32 & bit != 0)
}

/// Calls that act on the last component itself: they create it, remove
/// it, rename or link it, or look at a link as a link.
const ACT_ON_NAME: &[Sysno] = &[
    Sysno::mkdir,
    Sysno::mkdirat,
    Sysno::mknod,
    Sysno::mknodat,
    Sysno::rmdir,
    Sysno::unlink,
    Sysno::unlinkat,
    Sysno::rename,
    Sysno::renameat,
    Sysno::renameat2,
    Sysno::link,
    Sysno::symlink,
    Sysno::symlinkat,
    Sysno::lchown,
    Sysno::lstat,
    Sysno::readlink,
    Sysno::readlinkat,
    Sysno::lsetxattr,
    Sysno::lgetxattr,
    Sysno::llistxattr,
    Sysno::lremovexattr,
];

/// Whether the call follows a symlink in the last component of its path
/// argument `i`.
fn follow(call: &Call, sysno: Sysno, i: usize) -> Follow {
    let a = &call.notif.args;
    let open_flags = match sysno {
        Sysno::open => Some(a[1]),
        Sysno::openat => Some(a[2]),
        Sysno::openat2 => call.copies().open_how.map(|h| h[0]),
        Sysno::creat => return Follow::Final,
        _ => None,
    };
    if let Some(flags) = open_flags {
        let flags = flags as i32;
        let exclusive = flags & libc::O_CREAT != 0 && flags & libc::O_EXCL != 0;
        return if flags & libc::O_NOFOLLOW != 0 || exclusive {
            Follow::NoFinal
        } else {
            Follow::Final
        };
    }
    match sysno {
        // linkat's old path and name_to_handle_at follow only when asked.
        Sysno::linkat if i == 1 => {
            if at_flag(call, libc::AT_SYMLINK_FOLLOW) {
                Follow::Final
            } else {
                Follow::NoFinal
            }
        }
        Sysno::linkat => Follow::NoFinal,
        Sysno::name_to_handle_at => {
            if at_flag(call, libc::AT_SYMLINK_FOLLOW) {
                Follow::Final
            } else {
                Follow::NoFinal
            }
        }
        s if ACT_ON_NAME.contains(&s) => Follow::NoFinal,
        _ if at_flag(call, libc::AT_SYMLINK_NOFOLLOW) => Follow::NoFinal,
        _ => Follow::Final,
    }
}

fn unreachable(e: NixErrno) -> Unresolved {
    Unresolved::Unreachable(e as i32)
}

fn open_path(dir: BorrowedFd<'_>, name: &[u8], flags: OFlag) -> nix::Result<OwnedFd> {
    openat(
        dir,
        std::ffi::OsStr::from_bytes(name),
        OFlag::O_PATH | OFlag::O_CLOEXEC | flags,
        Mode::empty(),
    )
}

fn link_text(fd: BorrowedFd<'_>) -> nix::Result<Vec<u8>> {
    readlinkat(fd, "").map(|s| s.as_bytes().to_vec())
}

/// Our own view of where `fd` is (`/proc/self/fd/N`).
fn our_path(fd: BorrowedFd<'_>) -> nix::Result<Vec<u8>> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map(|p| p.as_os_str().as_bytes().to_vec())
        .map_err(|e| NixErrno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
}

fn is_procfs_root(fd: BorrowedFd<'_>) -> bool {
    let on_proc = fstatfs(fd).is_ok_and(|s| s.filesystem_type() == PROC_SUPER_MAGIC);
    // The root directory of every procfs instance is inode 1.
    on_proc && fstat(fd).is_ok_and(|st| st.st_ino == 1)
}

fn on_procfs(fd: BorrowedFd<'_>) -> bool {
    fstatfs(fd).is_ok_and(|s| s.filesystem_type() == PROC_SUPER_MAGIC)
}

/// The innermost pid-namespace number of `tid` (`NSpid:` in its status):
/// what `/proc/self` names inside the program's own pid namespace.
fn inner_pid(tid: u32) -> Option<u32> {
    let status = std::fs::read(format!("/proc/{tid}/status")).ok()?;
    let line = status
        .split(|b| *b == b'\n')
        .find(|l| l.starts_with(b"NSpid:"))?;
    let last = line[6..]
        .split(|b| b.is_ascii_whitespace())
        .rfind(|w| !w.is_empty())?;
    std::str::from_utf8(last).ok()?.parse().ok()
}

struct Walk {
    caller: Caller,
    /// The program's root directory.
    root: OwnedFd,
    /// Where the program's root is in our view ("/" unless it chrooted or
    /// lives in another mount namespace's tree); read when first needed
    /// (a relative path, a magic link), not for every absolute path.
    root_ours: std::cell::OnceCell<Option<Vec<u8>>>,
    /// The directory reached so far, and its components below the root.
    cur: OwnedFd,
    names: Vec<Vec<u8>>,
    links: usize,
    /// Set once the last component named a non-directory object outside
    /// any path (a socket behind /proc/PID/fd/N), with a handle on it.
    pseudo: Option<(Vec<u8>, OwnedFd)>,
    /// The directory `cur` was found in, while `cur` is the last name in
    /// `names` reached by a plain step (not `..` nor a jump).
    parent: Option<OwnedFd>,
    /// The last component does not exist: `cur` is its directory.
    absent: bool,
}

impl Walk {
    fn new(caller: Caller) -> Result<Walk, Unresolved> {
        let root = open_path(
            nix::fcntl::AT_FDCWD,
            format!("/proc/{}/root", caller.tid).as_bytes(),
            OFlag::O_DIRECTORY,
        )
        .map_err(unreachable)?;
        let cur = root
            .try_clone()
            .map_err(|e| Unresolved::Unreachable(e.raw_os_error().unwrap_or(libc::EIO)))?;
        Ok(Walk {
            caller,
            root,
            root_ours: std::cell::OnceCell::new(),
            cur,
            names: Vec::new(),
            links: 0,
            pseudo: None,
            parent: None,
            absent: false,
        })
    }

    /// Starts at the cwd or a dirfd instead of the root.
    fn start_at(&mut self, start: Start) -> Result<(), Unresolved> {
        let link = match start {
            Start::Cwd => format!("/proc/{}/cwd", self.caller.tid),
            Start::DirFd(n) => format!("/proc/{}/fd/{n}", self.caller.tid),
        };
        let dir = open_path(nix::fcntl::AT_FDCWD, link.as_bytes(), OFlag::empty()).map_err(
            |e| match (start, e) {
                (Start::DirFd(_), NixErrno::ENOENT) => Unresolved::Unreachable(libc::EBADF),
                (_, e) => unreachable(e),
            },
        )?;
        self.jump(dir)
    }

    /// Moves to the object behind `fd` (reached through a magic link or
    /// as the start), naming it by where it is below the program's root.
    fn jump(&mut self, fd: OwnedFd) -> Result<(), Unresolved> {
        let ours = our_path(fd.as_fd()).map_err(unreachable)?;
        let below = self.below_root(&ours).ok_or(Unresolved::Outside)?;
        self.names = below;
        self.cur = fd;
        self.parent = None;
        Ok(())
    }

    /// The components of `ours` (a path in our view) below the program's
    /// root, or `None` when it is not below it.
    fn below_root(&self, ours: &[u8]) -> Option<Vec<Vec<u8>>> {
        if !ours.starts_with(b"/") || ours.ends_with(b" (deleted)") {
            return None;
        }
        let root_ours = self
            .root_ours
            .get_or_init(|| our_path(self.root.as_fd()).ok())
            .as_deref()?;
        let rest = if root_ours == b"/" {
            ours
        } else {
            let rest = ours.strip_prefix(root_ours)?;
            if !rest.is_empty() && rest[0] != b'/' {
                return None;
            }
            rest
        };
        Some(
            rest.split(|b| *b == b'/')
                .filter(|c| !c.is_empty())
                .map(<[u8]>::to_vec)
                .collect(),
        )
    }

    fn go_root(&mut self) -> Result<(), Unresolved> {
        self.cur = self
            .root
            .try_clone()
            .map_err(|e| Unresolved::Unreachable(e.raw_os_error().unwrap_or(libc::EIO)))?;
        self.names.clear();
        self.parent = None;
        Ok(())
    }

    fn run(&mut self, path: &[u8], follow: Follow) -> Result<(), Unresolved> {
        // A trailing slash makes the last component a directory, which
        // the kernel follows even for calls that otherwise don't.
        let follow = if path.len() > 1 && path.ends_with(b"/") {
            Follow::Final
        } else {
            follow
        };
        let mut todo: VecDeque<Vec<u8>> = components(path);
        if path.starts_with(b"/") {
            self.go_root()?;
        }
        while let Some(name) = todo.pop_front() {
            let last = todo.is_empty();
            if self.pseudo.is_some() {
                // Something under a socket or a pipe: the call fails.
                return Err(Unresolved::Missing(libc::ENOTDIR));
            }
            match name.as_slice() {
                b"." => continue,
                b".." => {
                    self.up()?;
                    continue;
                }
                _ => {}
            }
            if let Some(target) = self.proc_self(&name) {
                self.count_link()?;
                prepend(&mut todo, &target);
                continue;
            }
            let fd = match open_path(self.cur.as_fd(), &name, OFlag::O_NOFOLLOW) {
                Ok(fd) => fd,
                Err(NixErrno::ENOENT) if last => {
                    // The object does not exist yet: the call may create it.
                    self.names.push(name);
                    self.parent = None;
                    self.absent = true;
                    return Ok(());
                }
                Err(e @ (NixErrno::ENOENT | NixErrno::ENOTDIR)) => {
                    return Err(Unresolved::Missing(e as i32));
                }
                Err(e) => return Err(unreachable(e)),
            };
            let st = fstat(fd.as_fd()).map_err(unreachable)?;
            let kind = SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT;
            let is_link = kind == SFlag::S_IFLNK;
            if is_link && (!last || follow == Follow::Final) {
                self.count_link()?;
                if on_procfs(self.cur.as_fd()) {
                    self.magic_link(&name, last)?;
                } else {
                    let target = link_text(fd.as_fd()).map_err(unreachable)?;
                    if target.starts_with(b"/") {
                        self.go_root()?;
                    }
                    prepend(&mut todo, &target);
                }
                continue;
            }
            if !last && kind != SFlag::S_IFDIR {
                return Err(Unresolved::Missing(libc::ENOTDIR));
            }
            self.names.push(name);
            self.parent = Some(std::mem::replace(&mut self.cur, fd));
        }
        Ok(())
    }

    /// `..`: the parent, but never above the program's root.
    fn up(&mut self) -> Result<(), Unresolved> {
        if self.names.is_empty() {
            return Ok(());
        }
        let parent = open_path(self.cur.as_fd(), b"..", OFlag::O_DIRECTORY).map_err(unreachable)?;
        self.names.pop();
        self.cur = parent;
        self.parent = None;
        Ok(())
    }

    fn count_link(&mut self) -> Result<(), Unresolved> {
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(Unresolved::Loop);
        }
        Ok(())
    }

    /// `self` and `thread-self` in a procfs root name the program, not
    /// the reader: the link text the kernel would give the program.
    fn proc_self(&self, name: &[u8]) -> Option<Vec<u8>> {
        if name != b"self" && name != b"thread-self" {
            return None;
        }
        if !is_procfs_root(self.cur.as_fd()) {
            return None;
        }
        let tgid = inner_pid(self.caller.tgid).unwrap_or(self.caller.tgid);
        Some(if name == b"self" {
            tgid.to_string().into_bytes()
        } else {
            let tid = inner_pid(self.caller.tid).unwrap_or(self.caller.tid);
            format!("{tgid}/task/{tid}").into_bytes()
        })
    }

    /// A symlink on procfs: `/proc/PID/{root,cwd,exe,fd/N,…}` are magic
    /// links the kernel follows by the object, not by their text. Opening
    /// it (following) lets the kernel make that jump for us.
    fn magic_link(&mut self, name: &[u8], last: bool) -> Result<(), Unresolved> {
        let fd = match open_path(self.cur.as_fd(), name, OFlag::empty()) {
            Ok(fd) => fd,
            Err(e @ (NixErrno::ENOENT | NixErrno::ENOTDIR)) => {
                return Err(Unresolved::Missing(e as i32));
            }
            Err(e) => return Err(unreachable(e)),
        };
        let ours = our_path(fd.as_fd()).map_err(unreachable)?;
        if !ours.starts_with(b"/") {
            // socket:[N], pipe:[N], anon_inode:…: an object with no path.
            if last {
                self.pseudo = Some((ours, fd));
                return Ok(());
            }
            return Err(Unresolved::Missing(libc::ENOTDIR));
        }
        self.jump(fd)
    }

    fn finish(self) -> Resolved {
        let path = self.path();
        if let Some((_, fd)) = self.pseudo {
            let dir = self.cur;
            return Resolved {
                path,
                dir,
                name: None,
                object: Some(fd),
            };
        }
        if self.absent {
            return Resolved {
                path,
                dir: self.cur,
                name: self.names.last().cloned(),
                object: None,
            };
        }
        match self.parent {
            Some(parent) => Resolved {
                path,
                dir: parent,
                name: self.names.last().cloned(),
                object: Some(self.cur),
            },
            None => {
                let object = self.cur.try_clone().ok();
                Resolved {
                    path,
                    dir: self.cur,
                    name: None,
                    object,
                }
            }
        }
    }

    fn path(&self) -> Vec<u8> {
        if let Some((p, _)) = &self.pseudo {
            return p.clone();
        }
        if self.names.is_empty() {
            return b"/".to_vec();
        }
        let mut out = Vec::new();
        for n in &self.names {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        out
    }
}

fn components(path: &[u8]) -> VecDeque<Vec<u8>> {
    path.split(|b| *b == b'/')
        .filter(|c| !c.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn prepend(todo: &mut VecDeque<Vec<u8>>, target: &[u8]) {
    for c in components(target).into_iter().rev() {
        todo.push_front(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::Path;

    fn me() -> Caller {
        let tgid = std::process::id();
        let tid = nix::unistd::gettid().as_raw() as u32;
        Caller { tid, tgid }
    }

    fn real(path: &str, follow: Follow) -> Result<String, Unresolved> {
        real_path(me(), Start::Cwd, path.as_bytes(), follow).map(|b| String::from_utf8(b).unwrap())
    }

    fn tmp() -> (tempfile::TempDir, String) {
        let d = tempfile::tempdir().unwrap();
        let canon = std::fs::canonicalize(d.path()).unwrap();
        let s = canon.to_str().unwrap().to_string();
        (d, s)
    }

    #[test]
    fn symlinks_and_dotdot_are_followed_as_the_kernel_does() {
        let (_d, t) = tmp();
        std::fs::create_dir_all(format!("{t}/etc/ssl")).unwrap();
        std::fs::write(format!("{t}/etc/hostname"), "h").unwrap();
        symlink(format!("{t}/etc"), format!("{t}/l")).unwrap();
        symlink(format!("{t}/etc/ssl"), format!("{t}/ls")).unwrap();
        symlink("etc/hostname", format!("{t}/rel")).unwrap();
        assert_eq!(
            real(&format!("{t}/l/hostname"), Follow::Final).unwrap(),
            format!("{t}/etc/hostname")
        );
        // `..` after a symlink is the link target's parent, not lexical.
        assert_eq!(
            real(&format!("{t}/ls/../hostname"), Follow::Final).unwrap(),
            format!("{t}/etc/hostname")
        );
        assert_eq!(
            real(&format!("{t}/rel"), Follow::Final).unwrap(),
            format!("{t}/etc/hostname")
        );
        // Acting on the link itself: the link's own path.
        assert_eq!(
            real(&format!("{t}/rel"), Follow::NoFinal).unwrap(),
            format!("{t}/rel")
        );
        // A name that does not exist yet, below a symlinked directory.
        assert_eq!(
            real(&format!("{t}/l/new"), Follow::NoFinal).unwrap(),
            format!("{t}/etc/new")
        );
        // A dangling final symlink followed: its target (O_CREAT creates it).
        symlink(format!("{t}/etc/created"), format!("{t}/dangling")).unwrap();
        assert_eq!(
            real(&format!("{t}/dangling"), Follow::Final).unwrap(),
            format!("{t}/etc/created")
        );
    }

    #[test]
    fn proc_self_means_the_caller_and_magic_links_are_followed() {
        let (_d, t) = tmp();
        std::fs::create_dir_all(format!("{t}/etc")).unwrap();
        assert_eq!(
            real("/proc/self/root/etc/hostname", Follow::Final).unwrap(),
            "/etc/hostname"
        );
        assert_eq!(
            real("/proc/thread-self/root/etc", Follow::Final).unwrap(),
            "/etc"
        );
        let pid = std::process::id();
        assert_eq!(
            real(&format!("/proc/{pid}/root{t}/etc/x"), Follow::Final).unwrap(),
            format!("{t}/etc/x")
        );
        assert_eq!(
            real("/proc/self/maps", Follow::Final).unwrap(),
            format!("/proc/{pid}/maps")
        );
        let dir = std::fs::File::open(format!("{t}/etc")).unwrap();
        let n = dir.as_raw_fd();
        assert_eq!(
            real(&format!("/proc/self/fd/{n}/hostname"), Follow::Final).unwrap(),
            format!("{t}/etc/hostname")
        );
        let cwd = std::env::current_dir().unwrap();
        let up = "../".repeat(cwd.components().count() + 3);
        assert_eq!(
            real(&format!("/proc/self/cwd/{up}etc/hostname"), Follow::Final).unwrap(),
            "/etc/hostname"
        );
    }

    #[test]
    fn dotdot_stops_at_the_root_and_dirfds_start_the_walk() {
        let (_d, t) = tmp();
        std::fs::create_dir_all(format!("{t}/a/b")).unwrap();
        assert_eq!(
            real("/../../etc/../etc/hostname", Follow::Final).unwrap(),
            "/etc/hostname"
        );
        let dir = std::fs::File::open(format!("{t}/a/b")).unwrap();
        let got = real_path(
            me(),
            Start::DirFd(dir.as_raw_fd()),
            b"../../x",
            Follow::NoFinal,
        )
        .unwrap();
        assert_eq!(got, format!("{t}/x").into_bytes());
        let up = "../".repeat(Path::new(&t).components().count() + 2);
        let got = real_path(
            me(),
            Start::DirFd(dir.as_raw_fd()),
            format!("{up}etc").as_bytes(),
            Follow::Final,
        )
        .unwrap();
        assert_eq!(got, b"/etc");
    }

    #[test]
    fn a_walk_hands_back_the_directory_and_name_it_checked() {
        let (_d, t) = tmp();
        std::fs::create_dir_all(format!("{t}/etc")).unwrap();
        std::fs::write(format!("{t}/etc/hostname"), "h").unwrap();
        symlink(format!("{t}/etc"), format!("{t}/l")).unwrap();
        let p = format!("{t}/l/hostname");
        let r = Lookup::prepare(me(), Start::Cwd, p.as_bytes())
            .unwrap()
            .walk(p.as_bytes(), Follow::Final)
            .unwrap();
        assert_eq!(r.path, format!("{t}/etc/hostname").into_bytes());
        assert_eq!(r.name.as_deref(), Some(&b"hostname"[..]));
        assert_eq!(
            our_path(r.dir.as_fd()).unwrap(),
            format!("{t}/etc").into_bytes()
        );
        assert!(r.object.is_some());
        let p = format!("{t}/l/new");
        let r = Lookup::prepare(me(), Start::Cwd, p.as_bytes())
            .unwrap()
            .walk(p.as_bytes(), Follow::NoFinal)
            .unwrap();
        assert_eq!(r.name.as_deref(), Some(&b"new"[..]));
        assert!(r.object.is_none());
        assert_eq!(
            our_path(r.dir.as_fd()).unwrap(),
            format!("{t}/etc").into_bytes()
        );
    }

    #[test]
    fn loops_missing_directories_and_bad_fds_are_said() {
        let (_d, t) = tmp();
        symlink(format!("{t}/b"), format!("{t}/a")).unwrap();
        symlink(format!("{t}/a"), format!("{t}/b")).unwrap();
        assert_eq!(
            real(&format!("{t}/a"), Follow::Final),
            Err(Unresolved::Loop)
        );
        assert_eq!(
            real(&format!("{t}/a/x"), Follow::NoFinal),
            Err(Unresolved::Loop)
        );
        assert_eq!(
            real(&format!("{t}/nope/x"), Follow::Final),
            Err(Unresolved::Missing(libc::ENOENT))
        );
        std::fs::write(format!("{t}/f"), "").unwrap();
        assert_eq!(
            real(&format!("{t}/f/x"), Follow::Final),
            Err(Unresolved::Missing(libc::ENOTDIR))
        );
        assert!(matches!(
            real_path(me(), Start::DirFd(999_999), b"x", Follow::Final),
            Err(Unresolved::Unreachable(_))
        ));
    }
}
