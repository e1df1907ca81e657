//! Decoding of trapped calls into named, typed arguments, and their
//! strace-like one-line rendering.
//!
//! Pure and table-driven: [`params`] lists each syscall's parameters (names
//! from the man pages) and how to decode each one; target memory, fds and
//! cwd are reached only through [`TargetView`], so everything here is
//! tested without a kernel.

mod flags;
pub mod groups;
pub mod realpath;
mod sockaddr;

use std::cell::{OnceCell, RefCell};

use syscalls::Sysno;

pub use flags::{format_mode, open_flags};
pub use sockaddr::{SOCKADDR_STORAGE_LEN, format_sockaddr, parse_sockaddr};

use crate::errno::Errno;
use crate::escape::{escape_bytes, escape_str};
use crate::model::{Arg, Call, Copies, SockAddr, Value};
use flags::{
    ACCESS, AT, AT_ACCESS, AT_UNLINK, CLOEXEC, CLONE, CLONE_NS, Enum, FAMILIES, FCNTL_CMD, FlagSet,
    MAP, MSG, OPEN, PIPE2, PROT, PTRACE, RENAME, RESOLVE, SHUTDOWN_HOW, SIGPROCMASK_HOW,
    SOCK_FLAGS, SOCK_TYPE, WHENCE,
};

/// Access to the target the decoder needs; the real one reads /proc and
/// process_vm_readv, tests use a fake.
pub trait TargetView {
    /// Read target memory at `addr` into `buf`. Returns bytes read (may be
    /// short when the range crosses into an unmapped page) or an errno
    /// (e.g. `libc::EFAULT`).
    fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32>;
    /// What fd `fd` of the target refers to (readlink of /proc/TID/fd/N):
    /// "/etc/hosts", "socket:[123]", "pipe:[9]".
    fn fd_target(&self, fd: i32) -> Option<Vec<u8>>;
    /// The target's cwd (readlink /proc/TID/cwd).
    fn cwd(&self) -> Option<Vec<u8>>;
    /// Local address a socket fd of the target is bound to (getsockname on
    /// a pidfd_getfd copy), as raw sockaddr bytes.
    fn socket_local(&self, fd: i32) -> Option<Vec<u8>>;
}

/// Longest path the kernel accepts, including its NUL. A path read with
/// `PATH_MAX` bytes and no NUL is truncated (the kernel would fail the call
/// with ENAMETOOLONG); such values are shown with a trailing `...`.
pub const PATH_MAX: usize = 4096;

/// Reads of C strings never cross this boundary in one request, so a
/// string that ends just before an unmapped page is read without touching
/// that page. 4096 divides every Linux page size, so it is safe everywhere.
const PAGE_SIZE: u64 = 4096;
/// `sizeof(struct sockaddr_storage)`: the kernel rejects longer addresses.
const SOCKADDR_MAX: usize = sockaddr::SOCKADDR_STORAGE_LEN;
/// How many `argv` strings are read for display.
const ARGV_MAX: usize = 8;
const PTR_SIZE: u64 = 8;
/// `struct open_how`: flags, mode, resolve, each a `u64`.
const OPEN_HOW_SIZE: usize = 24;
const OPEN_HOW_MODE: usize = 8;
const OPEN_HOW_RESOLVE: usize = 16;
/// The prefix of `struct clone_args` up to and including `exit_signal`.
const CLONE_ARGS_PREFIX: usize = 40;
const CLONE_ARGS_EXIT_SIGNAL: usize = 32;

/// A NUL-terminated string read from the target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadStr {
    /// The bytes before the NUL.
    Full(Vec<u8>),
    /// `max` bytes were read without finding a NUL: those bytes.
    Truncated(Vec<u8>),
    /// The string ran into unreadable memory before a NUL: the bytes read
    /// so far and the errno of the failed read.
    Unterminated(Vec<u8>, i32),
    /// The first byte could not be read (NULL, unmapped): the errno.
    Unreadable(i32),
}

/// Reads a NUL-terminated string at `addr`, examining at most `max` bytes
/// (so a [`ReadStr::Full`] string is at most `max - 1` bytes long).
///
/// Each `read_mem` request stops at the next 4096-byte boundary, so memory
/// after the NUL is never asked for.
pub fn read_cstring(view: &dyn TargetView, addr: u64, max: usize) -> ReadStr {
    let mut out = Vec::new();
    let mut buf = [0u8; PAGE_SIZE as usize];
    let mut cur = addr;
    while out.len() < max {
        let to_boundary = (PAGE_SIZE - cur % PAGE_SIZE) as usize;
        let want = to_boundary.min(max - out.len());
        let got = match view.read_mem(cur, &mut buf[..want]) {
            // A reader that returns nothing would make us spin; the kernel's
            // process_vm_readv reports that case as EFAULT.
            Ok(0) => Err(libc::EFAULT),
            Ok(n) => Ok(n.min(want)),
            Err(e) => Err(e),
        };
        let n = match got {
            Ok(n) => n,
            Err(e) if out.is_empty() => return ReadStr::Unreadable(e),
            Err(e) => return ReadStr::Unterminated(out, e),
        };
        if let Some(nul) = buf[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..nul]);
            return ReadStr::Full(out);
        }
        out.extend_from_slice(&buf[..n]);
        match cur.checked_add(n as u64) {
            Some(next) => cur = next,
            None => return ReadStr::Unterminated(out, libc::EFAULT),
        }
    }
    ReadStr::Truncated(out)
}

/// Fills `buf` from `addr`, or fails with the errno of the read that could
/// not continue (a short read counts as EFAULT).
fn read_exact(view: &dyn TargetView, addr: u64, buf: &mut [u8]) -> Result<(), i32> {
    let mut done = 0;
    while done < buf.len() {
        let at = addr.checked_add(done as u64).ok_or(libc::EFAULT)?;
        match view.read_mem(at, &mut buf[done..])? {
            0 => return Err(libc::EFAULT),
            n => done += n,
        }
    }
    Ok(())
}

fn read_u64(view: &dyn TargetView, addr: u64) -> Result<u64, i32> {
    let mut b = [0u8; 8];
    read_exact(view, addr, &mut b)?;
    Ok(u64::from_ne_bytes(b))
}

/// The `u64` at `offset` of a struct read as bytes.
fn field_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[offset..offset + 8]);
    u64::from_ne_bytes(b)
}

/// How one parameter is decoded.
#[derive(Clone, Copy)]
enum Kind {
    /// C `int` (pid, backlog, count): low 32 bits, sign-extended.
    Int,
    /// C `unsigned int` (`socklen_t`, `nfds_t`): low 32 bits.
    UInt,
    /// `long`, `off_t`.
    Long,
    /// `size_t`: a count, hex if it does not fit an `i64`.
    Size,
    /// A pointer we do not follow (buffers, out-parameters): NULL or hex.
    Ptr,
    /// Raw bits shown in hex (ioctl requests, flag words we do not name).
    Hex,
    /// A file descriptor.
    Fd,
    /// A socket fd whose local address is worth showing (listen, accept,
    /// bind, connect, sendto).
    SockFd,
    /// The dirfd of an `*at` call: `AT_FDCWD` or an fd.
    DirFd,
    /// A path, relative ones resolved against the cwd.
    Path,
    /// A path, relative ones resolved against the dirfd at that index.
    PathAt(usize),
    /// A string that is not resolved (a symlink's target, a name).
    Str,
    /// A file mode.
    Mode,
    /// open's mode, which the kernel only looks at when the flags create a
    /// file; [`format_call`] leaves it out otherwise.
    CreateMode,
    /// open(2) flags.
    OpenFlags,
    /// A flag word.
    Flags(&'static FlagSet),
    /// A word of `AT_*` flags; `AT_EMPTY_PATH` in it lets the first path
    /// parameter be empty and mean the dirfd itself.
    AtFlags(&'static FlagSet),
    /// One of a list of named values.
    Named(&'static Enum),
    /// A signal number.
    Signal,
    /// A socket address whose length is the argument at that index.
    Addr(usize),
    /// execve's `argv`.
    Argv,
    /// openat2's `struct open_how *`.
    OpenHow,
    /// clone3's `struct clone_args *`.
    CloneArgs,
}

type Params = &'static [(&'static str, Kind)];

/// Names of the arguments of calls without a table entry.
const GENERIC_NAMES: [&str; 6] = ["arg0", "arg1", "arg2", "arg3", "arg4", "arg5"];

/// Each syscall's parameters in register order (x86_64), with the names the
/// man pages use for the kernel's signature (which is not always the libc
/// wrapper's: fchmodat takes no flags, clone's argument order is the
/// x86_64 one).
fn params(sysno: Sysno) -> Option<Params> {
    use Kind::*;
    Some(match sysno {
        // @file
        Sysno::open => &[
            ("pathname", Path),
            ("flags", OpenFlags),
            ("mode", CreateMode),
        ],
        Sysno::openat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("flags", OpenFlags),
            ("mode", CreateMode),
        ],
        Sysno::openat2 => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("how", OpenHow),
            ("size", Size),
        ],
        Sysno::creat => &[("pathname", Path), ("mode", Mode)],
        Sysno::mkdir => &[("pathname", Path), ("mode", Mode)],
        Sysno::mkdirat => &[("dirfd", DirFd), ("pathname", PathAt(0)), ("mode", Mode)],
        Sysno::rmdir => &[("pathname", Path)],
        Sysno::unlink => &[("pathname", Path)],
        Sysno::unlinkat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("flags", Flags(&AT_UNLINK)),
        ],
        Sysno::rename => &[("oldpath", Path), ("newpath", Path)],
        Sysno::renameat => &[
            ("olddirfd", DirFd),
            ("oldpath", PathAt(0)),
            ("newdirfd", DirFd),
            ("newpath", PathAt(2)),
        ],
        Sysno::renameat2 => &[
            ("olddirfd", DirFd),
            ("oldpath", PathAt(0)),
            ("newdirfd", DirFd),
            ("newpath", PathAt(2)),
            ("flags", Flags(&RENAME)),
        ],
        Sysno::link => &[("oldpath", Path), ("newpath", Path)],
        Sysno::linkat => &[
            ("olddirfd", DirFd),
            ("oldpath", PathAt(0)),
            ("newdirfd", DirFd),
            ("newpath", PathAt(2)),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::symlink => &[("target", Str), ("linkpath", Path)],
        Sysno::symlinkat => &[
            ("target", Str),
            ("newdirfd", DirFd),
            ("linkpath", PathAt(1)),
        ],
        Sysno::chmod => &[("pathname", Path), ("mode", Mode)],
        Sysno::fchmodat => &[("dirfd", DirFd), ("pathname", PathAt(0)), ("mode", Mode)],
        Sysno::fchmodat2 => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("mode", Mode),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::truncate => &[("path", Path), ("length", Long)],

        // @net
        Sysno::socket => &[
            ("domain", Named(&FAMILIES)),
            ("type", Flags(&SOCK_TYPE)),
            ("protocol", Int),
        ],
        Sysno::connect => &[("sockfd", SockFd), ("addr", Addr(2)), ("addrlen", UInt)],
        Sysno::bind => &[("sockfd", SockFd), ("addr", Addr(2)), ("addrlen", UInt)],
        Sysno::listen => &[("sockfd", SockFd), ("backlog", Int)],
        // addr/addrlen of accept are out-parameters: nothing to read yet.
        Sysno::accept => &[("sockfd", SockFd), ("addr", Ptr), ("addrlen", Ptr)],
        Sysno::accept4 => &[
            ("sockfd", SockFd),
            ("addr", Ptr),
            ("addrlen", Ptr),
            ("flags", Flags(&SOCK_FLAGS)),
        ],
        Sysno::sendto => &[
            ("sockfd", SockFd),
            ("buf", Ptr),
            ("len", Size),
            ("flags", Flags(&MSG)),
            ("dest_addr", Addr(5)),
            ("addrlen", UInt),
        ],

        // @exec
        Sysno::execve => &[("pathname", Path), ("argv", Argv), ("envp", Ptr)],
        Sysno::execveat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("argv", Argv),
            ("envp", Ptr),
            ("flags", AtFlags(&AT)),
        ],

        // @process
        Sysno::clone => &[
            ("flags", Flags(&CLONE)),
            ("stack", Ptr),
            ("parent_tid", Ptr),
            ("child_tid", Ptr),
            ("tls", Hex),
        ],
        Sysno::clone3 => &[("cl_args", CloneArgs), ("size", Size)],
        Sysno::fork | Sysno::vfork => &[],
        Sysno::kill => &[("pid", Int), ("sig", Signal)],
        Sysno::tgkill => &[("tgid", Int), ("tid", Int), ("sig", Signal)],
        Sysno::tkill => &[("tid", Int), ("sig", Signal)],
        Sysno::ptrace => &[
            ("request", Named(&PTRACE)),
            ("pid", Int),
            ("addr", Ptr),
            ("data", Ptr),
        ],

        // Common calls seen with @all.
        Sysno::read | Sysno::write => &[("fd", Fd), ("buf", Ptr), ("count", Size)],
        Sysno::pread64 | Sysno::pwrite64 => {
            &[("fd", Fd), ("buf", Ptr), ("count", Size), ("offset", Long)]
        }
        Sysno::readv | Sysno::writev => &[("fd", Fd), ("iov", Ptr), ("iovcnt", Int)],
        Sysno::close | Sysno::fsync | Sysno::fdatasync | Sysno::fchdir | Sysno::syncfs => {
            &[("fd", Fd)]
        }
        Sysno::close_range => &[("first", UInt), ("last", UInt), ("flags", Hex)],
        Sysno::stat | Sysno::lstat => &[("pathname", Path), ("statbuf", Ptr)],
        Sysno::fstat => &[("fd", Fd), ("statbuf", Ptr)],
        Sysno::newfstatat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("statbuf", Ptr),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::statx => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("flags", AtFlags(&AT)),
            ("mask", Hex),
            ("statxbuf", Ptr),
        ],
        Sysno::statfs => &[("path", Path), ("buf", Ptr)],
        Sysno::fstatfs => &[("fd", Fd), ("buf", Ptr)],
        Sysno::access => &[("pathname", Path), ("mode", Flags(&ACCESS))],
        Sysno::faccessat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("mode", Flags(&ACCESS)),
        ],
        Sysno::faccessat2 => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("mode", Flags(&ACCESS)),
            ("flags", AtFlags(&AT_ACCESS)),
        ],
        Sysno::readlink => &[("pathname", Path), ("buf", Ptr), ("bufsiz", Size)],
        Sysno::readlinkat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("buf", Ptr),
            ("bufsiz", Size),
        ],
        Sysno::chdir | Sysno::chroot => &[("path", Path)],
        Sysno::getcwd => &[("buf", Ptr), ("size", Size)],
        Sysno::getdents | Sysno::getdents64 => &[("fd", Fd), ("dirp", Ptr), ("count", UInt)],
        Sysno::lseek => &[("fd", Fd), ("offset", Long), ("whence", Named(&WHENCE))],
        Sysno::ftruncate => &[("fd", Fd), ("length", Long)],
        Sysno::fallocate => &[("fd", Fd), ("mode", Hex), ("offset", Long), ("len", Long)],
        Sysno::fadvise64 => &[("fd", Fd), ("offset", Long), ("len", Long), ("advice", Int)],
        Sysno::fchmod => &[("fd", Fd), ("mode", Mode)],
        // Owner and group are ints so the "leave unchanged" -1 reads as -1.
        Sysno::chown | Sysno::lchown => &[("pathname", Path), ("owner", Int), ("group", Int)],
        Sysno::fchown => &[("fd", Fd), ("owner", Int), ("group", Int)],
        Sysno::fchownat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("owner", Int),
            ("group", Int),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::mknod => &[("pathname", Path), ("mode", Mode), ("dev", Hex)],
        Sysno::mknodat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("mode", Mode),
            ("dev", Hex),
        ],
        Sysno::utime | Sysno::utimes => &[("filename", Path), ("times", Ptr)],
        Sysno::utimensat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("times", Ptr),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::umask => &[("mask", Mode)],
        Sysno::flock => &[("fd", Fd), ("operation", Hex)],
        Sysno::fcntl => &[("fd", Fd), ("cmd", Named(&FCNTL_CMD)), ("arg", Hex)],
        Sysno::ioctl => &[("fd", Fd), ("request", Hex), ("arg", Hex)],
        Sysno::dup => &[("oldfd", Fd)],
        Sysno::dup2 => &[("oldfd", Fd), ("newfd", Fd)],
        Sysno::dup3 => &[("oldfd", Fd), ("newfd", Fd), ("flags", Flags(&CLOEXEC))],
        Sysno::pipe => &[("pipefd", Ptr)],
        Sysno::pipe2 => &[("pipefd", Ptr), ("flags", Flags(&PIPE2))],
        Sysno::sendfile => &[
            ("out_fd", Fd),
            ("in_fd", Fd),
            ("offset", Ptr),
            ("count", Size),
        ],
        Sysno::copy_file_range => &[
            ("fd_in", Fd),
            ("off_in", Ptr),
            ("fd_out", Fd),
            ("off_out", Ptr),
            ("len", Size),
            ("flags", UInt),
        ],
        Sysno::setxattr | Sysno::lsetxattr => &[
            ("path", Path),
            ("name", Str),
            ("value", Ptr),
            ("size", Size),
            ("flags", Hex),
        ],
        Sysno::fsetxattr => &[
            ("fd", Fd),
            ("name", Str),
            ("value", Ptr),
            ("size", Size),
            ("flags", Hex),
        ],
        Sysno::getxattr | Sysno::lgetxattr => &[
            ("path", Path),
            ("name", Str),
            ("value", Ptr),
            ("size", Size),
        ],
        Sysno::fgetxattr => &[("fd", Fd), ("name", Str), ("value", Ptr), ("size", Size)],
        Sysno::listxattr | Sysno::llistxattr => &[("path", Path), ("list", Ptr), ("size", Size)],
        Sysno::flistxattr => &[("fd", Fd), ("list", Ptr), ("size", Size)],
        Sysno::removexattr | Sysno::lremovexattr => &[("path", Path), ("name", Str)],
        Sysno::fremovexattr => &[("fd", Fd), ("name", Str)],
        Sysno::inotify_add_watch => &[("fd", Fd), ("pathname", Path), ("mask", Hex)],
        Sysno::memfd_create => &[("name", Str), ("flags", Hex)],
        Sysno::mount => &[
            ("source", Str),
            ("target", Path),
            ("filesystemtype", Str),
            ("mountflags", Hex),
            ("data", Ptr),
        ],
        Sysno::umount2 => &[("target", Path), ("flags", Hex)],

        Sysno::mmap => &[
            ("addr", Ptr),
            ("length", Size),
            ("prot", Flags(&PROT)),
            ("flags", Flags(&MAP)),
            ("fd", Fd),
            ("offset", Long),
        ],
        Sysno::mprotect => &[("addr", Ptr), ("len", Size), ("prot", Flags(&PROT))],
        Sysno::munmap | Sysno::mlock | Sysno::munlock => &[("addr", Ptr), ("len", Size)],
        Sysno::mremap => &[
            ("old_address", Ptr),
            ("old_size", Size),
            ("new_size", Size),
            ("flags", Hex),
            ("new_address", Ptr),
        ],
        Sysno::madvise => &[("addr", Ptr), ("length", Size), ("advice", Int)],
        Sysno::msync => &[("addr", Ptr), ("length", Size), ("flags", Hex)],
        Sysno::brk => &[("addr", Ptr)],

        Sysno::recvfrom => &[
            ("sockfd", Fd),
            ("buf", Ptr),
            ("len", Size),
            ("flags", Flags(&MSG)),
            ("src_addr", Ptr),
            ("addrlen", Ptr),
        ],
        Sysno::sendmsg | Sysno::recvmsg => &[("sockfd", Fd), ("msg", Ptr), ("flags", Flags(&MSG))],
        Sysno::sendmmsg => &[
            ("sockfd", Fd),
            ("msgvec", Ptr),
            ("vlen", UInt),
            ("flags", Flags(&MSG)),
        ],
        Sysno::recvmmsg => &[
            ("sockfd", Fd),
            ("msgvec", Ptr),
            ("vlen", UInt),
            ("flags", Flags(&MSG)),
            ("timeout", Ptr),
        ],
        Sysno::shutdown => &[("sockfd", Fd), ("how", Named(&SHUTDOWN_HOW))],
        Sysno::getsockname | Sysno::getpeername => {
            &[("sockfd", Fd), ("addr", Ptr), ("addrlen", Ptr)]
        }
        Sysno::socketpair => &[
            ("domain", Named(&FAMILIES)),
            ("type", Flags(&SOCK_TYPE)),
            ("protocol", Int),
            ("sv", Ptr),
        ],
        Sysno::setsockopt => &[
            ("sockfd", Fd),
            ("level", Int),
            ("optname", Int),
            ("optval", Ptr),
            ("optlen", UInt),
        ],
        Sysno::getsockopt => &[
            ("sockfd", Fd),
            ("level", Int),
            ("optname", Int),
            ("optval", Ptr),
            ("optlen", Ptr),
        ],

        Sysno::poll => &[("fds", Ptr), ("nfds", UInt), ("timeout", Int)],
        Sysno::ppoll => &[
            ("fds", Ptr),
            ("nfds", UInt),
            ("tmo_p", Ptr),
            ("sigmask", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::select => &[
            ("nfds", Int),
            ("readfds", Ptr),
            ("writefds", Ptr),
            ("exceptfds", Ptr),
            ("timeout", Ptr),
        ],
        Sysno::pselect6 => &[
            ("nfds", Int),
            ("readfds", Ptr),
            ("writefds", Ptr),
            ("exceptfds", Ptr),
            ("timeout", Ptr),
            ("sigmask", Ptr),
        ],
        Sysno::epoll_create1 => &[("flags", Flags(&CLOEXEC))],
        Sysno::epoll_ctl => &[("epfd", Fd), ("op", Int), ("fd", Fd), ("event", Ptr)],
        Sysno::epoll_wait => &[
            ("epfd", Fd),
            ("events", Ptr),
            ("maxevents", Int),
            ("timeout", Int),
        ],
        Sysno::epoll_pwait => &[
            ("epfd", Fd),
            ("events", Ptr),
            ("maxevents", Int),
            ("timeout", Int),
            ("sigmask", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::eventfd2 => &[("initval", UInt), ("flags", Hex)],
        Sysno::timerfd_create => &[("clockid", Int), ("flags", Hex)],
        Sysno::signalfd4 => &[
            ("fd", Fd),
            ("mask", Ptr),
            ("sizemask", Size),
            ("flags", Hex),
        ],
        Sysno::inotify_init1 => &[("flags", Hex)],

        Sysno::rt_sigaction => &[
            ("signum", Signal),
            ("act", Ptr),
            ("oldact", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::rt_sigprocmask => &[
            ("how", Named(&SIGPROCMASK_HOW)),
            ("set", Ptr),
            ("oldset", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::sigaltstack => &[("ss", Ptr), ("old_ss", Ptr)],
        Sysno::pidfd_open => &[("pid", Int), ("flags", Hex)],
        Sysno::pidfd_getfd => &[("pidfd", Fd), ("targetfd", Int), ("flags", Hex)],
        Sysno::pidfd_send_signal => &[
            ("pidfd", Fd),
            ("sig", Signal),
            ("info", Ptr),
            ("flags", Hex),
        ],
        Sysno::wait4 => &[
            ("pid", Int),
            ("wstatus", Ptr),
            ("options", Hex),
            ("rusage", Ptr),
        ],
        Sysno::waitid => &[
            ("idtype", Int),
            ("id", Int),
            ("infop", Ptr),
            ("options", Hex),
            ("rusage", Ptr),
        ],
        Sysno::exit | Sysno::exit_group => &[("status", Int)],
        Sysno::unshare => &[("flags", Flags(&CLONE_NS))],
        Sysno::setns => &[("fd", Fd), ("nstype", Flags(&CLONE_NS))],
        Sysno::prctl => &[
            ("option", Int),
            ("arg2", Hex),
            ("arg3", Hex),
            ("arg4", Hex),
            ("arg5", Hex),
        ],
        Sysno::arch_prctl => &[("code", Hex), ("addr", Hex)],
        Sysno::seccomp => &[("operation", Int), ("flags", Hex), ("args", Ptr)],
        Sysno::set_tid_address => &[("tidptr", Ptr)],
        Sysno::set_robust_list => &[("head", Ptr), ("len", Size)],
        Sysno::rseq => &[
            ("rseq", Ptr),
            ("rseq_len", UInt),
            ("flags", Int),
            ("sig", Hex),
        ],
        Sysno::futex => &[
            ("uaddr", Ptr),
            ("futex_op", Hex),
            ("val", UInt),
            ("timeout", Ptr),
            ("uaddr2", Ptr),
            ("val3", UInt),
        ],
        Sysno::prlimit64 => &[
            ("pid", Int),
            ("resource", Int),
            ("new_limit", Ptr),
            ("old_limit", Ptr),
        ],
        Sysno::getrlimit | Sysno::setrlimit => &[("resource", Int), ("rlim", Ptr)],
        Sysno::getrusage => &[("who", Int), ("usage", Ptr)],
        Sysno::sched_getaffinity | Sysno::sched_setaffinity => {
            &[("pid", Int), ("cpusetsize", Size), ("mask", Ptr)]
        }
        Sysno::getrandom => &[("buf", Ptr), ("buflen", Size), ("flags", Hex)],
        Sysno::nanosleep => &[("req", Ptr), ("rem", Ptr)],
        Sysno::clock_gettime | Sysno::clock_getres => &[("clockid", Int), ("tp", Ptr)],
        Sysno::clock_nanosleep => &[
            ("clockid", Int),
            ("flags", Hex),
            ("request", Ptr),
            ("remain", Ptr),
        ],
        Sysno::gettimeofday => &[("tv", Ptr), ("tz", Ptr)],
        Sysno::uname | Sysno::sysinfo | Sysno::times => &[("buf", Ptr)],
        Sysno::alarm => &[("seconds", UInt)],
        Sysno::setuid | Sysno::setgid | Sysno::setfsuid | Sysno::setfsgid => &[("id", Int)],
        Sysno::setpgid => &[("pid", Int), ("pgid", Int)],
        Sysno::getpgid | Sysno::getsid => &[("pid", Int)],
        Sysno::getpid
        | Sysno::getppid
        | Sysno::gettid
        | Sysno::getuid
        | Sysno::geteuid
        | Sysno::getgid
        | Sysno::getegid
        | Sysno::getpgrp
        | Sysno::setsid
        | Sysno::sched_yield
        | Sysno::pause
        | Sysno::sync
        | Sysno::rt_sigreturn
        | Sysno::inotify_init => &[],
        _ => return None,
    })
}

/// Decodes the arguments of a call: one [`Arg`] per parameter of the
/// syscall, or `arg0`..`arg5` in hex for calls without a table entry
/// (including unknown numbers).
pub fn decode_args(sysno: Option<Sysno>, args: &[u64; 6], view: &dyn TargetView) -> Vec<Arg> {
    decode_with_copies(sysno, args, view).0
}

/// [`decode_args`], plus the raw [`Copies`] emulation needs, taken from the
/// very bytes that were decoded: memory is read once, so what is shown,
/// what rules match and what emulation does cannot differ even if the
/// target rewrites its memory meanwhile.
pub fn decode_with_copies(
    sysno: Option<Sysno>,
    args: &[u64; 6],
    view: &dyn TargetView,
) -> (Vec<Arg>, Copies) {
    let Some(params) = sysno.and_then(params) else {
        let generic = GENERIC_NAMES
            .iter()
            .zip(args)
            .map(|(&name, &raw)| Arg {
                name,
                raw,
                value: Value::Hex(raw),
            })
            .collect();
        return (generic, Copies::default());
    };
    let decoder = Decoder {
        params,
        args,
        view,
        open_how: OnceCell::new(),
        sockaddr: RefCell::new(None),
        cwd: OnceCell::new(),
    };
    let decoded = params
        .iter()
        .enumerate()
        .map(|(i, &(name, kind))| Arg {
            name,
            raw: args[i],
            value: decoder.value(i, kind),
        })
        .collect();
    let copies = Copies {
        sockaddr: decoder.sockaddr.into_inner(),
        open_how: decoder.open_how.get().and_then(|how| how.ok()),
    };
    (decoded, copies)
}

/// The low 32 bits of a register as a C `int`: the kernel truncates `int`
/// parameters, so whatever the upper half holds is not part of the value
/// (`AT_FDCWD` often arrives as `0x00000000ffffff9c`).
fn int(raw: u64) -> i32 {
    raw as u32 as i32
}

fn pointer(raw: u64) -> Value {
    if raw == 0 {
        Value::Null
    } else {
        Value::Hex(raw)
    }
}

/// Whether a socket's local address says something: a port, or a name.
fn is_named(s: &SockAddr) -> bool {
    match s {
        SockAddr::Inet { port, .. } => *port != 0,
        SockAddr::Unix(path) => !path.is_empty(),
        SockAddr::Abstract(_) => true,
        _ => false,
    }
}

struct Decoder<'a> {
    params: Params,
    args: &'a [u64; 6],
    view: &'a dyn TargetView,
    /// openat2's `struct open_how` (flags, mode, resolve), read at most
    /// once: its display, path resolution under `RESOLVE_IN_ROOT` and
    /// emulation must all see the same copy.
    open_how: OnceCell<Result<[u64; 3], i32>>,
    /// The bytes of the socket address argument, as decoded.
    sockaddr: RefCell<Option<Vec<u8>>>,
    /// The cwd, read at most once and only for a relative path: a /proc
    /// readlink costs about as much as the rest of the decoding together.
    cwd: OnceCell<Option<Vec<u8>>>,
}

impl Decoder<'_> {
    fn value(&self, i: usize, kind: Kind) -> Value {
        let raw = self.args[i];
        match kind {
            Kind::Int => Value::Int(int(raw).into()),
            Kind::UInt => Value::Int((raw as u32).into()),
            Kind::Long => Value::Int(raw as i64),
            Kind::Size => i64::try_from(raw).map_or(Value::Hex(raw), Value::Int),
            Kind::Ptr => pointer(raw),
            Kind::Hex => Value::Hex(raw),
            Kind::Fd => self.fd(raw, false),
            Kind::SockFd => self.fd(raw, true),
            Kind::DirFd => {
                let fd = int(raw);
                // AT_FDCWD shows as such; the cwd shows in the resolved
                // path when a relative path needed it.
                let target = if fd == libc::AT_FDCWD {
                    None
                } else {
                    self.fd_target(fd)
                };
                Value::DirFd { fd, target }
            }
            Kind::Path => self.path(i, raw, None),
            Kind::PathAt(dirfd) => self.path(i, raw, Some(dirfd)),
            Kind::Str => match self.string(raw) {
                Ok(bytes) => Value::Str(bytes),
                Err(v) => v,
            },
            // umode_t is 16 bits: the kernel never sees the rest.
            Kind::Mode | Kind::CreateMode => Value::Mode((raw as u16).into()),
            Kind::OpenFlags => Value::Flags(OPEN.format(OPEN.width(raw))),
            Kind::Flags(set) | Kind::AtFlags(set) => Value::Flags(set.format(set.width(raw))),
            Kind::Named(names) => match names.name(raw) {
                Some(name) => Value::Flags(name.to_string()),
                None if names.wide => Value::Int(raw as i64),
                None => Value::Int(int(raw).into()),
            },
            Kind::Signal => signal(int(raw).into()),
            Kind::Addr(len) => self.sockaddr(raw, self.args[len]),
            Kind::Argv => self.argv(raw),
            Kind::OpenHow => self.open_how(raw),
            Kind::CloneArgs => self.clone_args(raw),
        }
    }

    fn fd_target(&self, fd: i32) -> Option<Vec<u8>> {
        if fd >= 0 {
            self.view.fd_target(fd)
        } else {
            None
        }
    }

    fn fd(&self, raw: u64, socket: bool) -> Value {
        let fd = int(raw);
        let target = self.fd_target(fd);
        let local = match &target {
            Some(t) if socket && t.starts_with(b"socket:[") => self
                .view
                .socket_local(fd)
                .map(|b| parse_sockaddr(&b))
                .filter(is_named),
            _ => None,
        };
        Value::Fd { fd, target, local }
    }

    /// A string argument's bytes, or the value to show instead (NULL,
    /// unreadable, or the part read before unreadable memory: the kernel
    /// would fail such a call with EFAULT).
    fn string(&self, raw: u64) -> Result<Vec<u8>, Value> {
        if raw == 0 {
            return Err(Value::Null);
        }
        match read_cstring(self.view, raw, PATH_MAX) {
            ReadStr::Full(b) | ReadStr::Truncated(b) => Ok(b),
            ReadStr::Unterminated(bytes, errno) if !bytes.is_empty() => {
                Err(Value::Partial { bytes, errno })
            }
            ReadStr::Unterminated(_, errno) | ReadStr::Unreadable(errno) => {
                Err(Value::Unreadable { addr: raw, errno })
            }
        }
    }

    fn path(&self, i: usize, raw: u64, dirfd: Option<usize>) -> Value {
        let given = match self.string(raw) {
            Ok(b) => b,
            Err(v) => return v,
        };
        // A path without NUL within PATH_MAX fails with ENAMETOOLONG: there
        // is nothing to resolve.
        let resolved = if given.len() >= PATH_MAX {
            None
        } else {
            self.resolve(i, &given, dirfd)
        };
        Value::Path { given, resolved }
    }

    /// The absolute, lexically normalized form of the path at parameter
    /// `i`.
    fn resolve(&self, i: usize, given: &[u8], dirfd: Option<usize>) -> Option<Vec<u8>> {
        if given.is_empty() && !self.empty_path_allowed(i) {
            return None;
        }
        if self.resolve_in_root() {
            // openat2 with RESOLVE_IN_ROOT: the dirfd acts as "/" for this
            // lookup, absolute paths included, and ".." stops at it.
            let root = self.base_dir(dirfd)?;
            let mut inner = b"/".to_vec();
            inner.extend_from_slice(given);
            let inner = normalize(&inner);
            let mut joined = normalize(&root);
            if inner != b"/" {
                if joined != b"/" {
                    joined.extend_from_slice(&inner);
                } else {
                    joined = inner;
                }
            }
            return Some(joined);
        }
        if given.starts_with(b"/") {
            return Some(normalize(given));
        }
        let mut joined = self.base_dir(dirfd)?;
        joined.push(b'/');
        joined.extend_from_slice(given);
        Some(normalize(&joined))
    }

    /// The directory a relative path starts from: the cwd, or the dirfd
    /// argument at index `dirfd`. `None` when unknown or when the fd is not
    /// a directory path ("pipe:[9]", "anon_inode:...").
    fn base_dir(&self, dirfd: Option<usize>) -> Option<Vec<u8>> {
        let base = match dirfd.map(|d| int(self.args[d])) {
            None | Some(libc::AT_FDCWD) => self.cwd.get_or_init(|| self.view.cwd()).clone(),
            Some(fd) => self.fd_target(fd),
        }?;
        base.starts_with(b"/").then_some(base)
    }

    /// Whether the call is an openat2 whose `open_how` asks for
    /// `RESOLVE_IN_ROOT`.
    fn resolve_in_root(&self) -> bool {
        self.params
            .iter()
            .position(|(_, k)| matches!(k, Kind::OpenHow))
            .and_then(|i| self.how(self.args[i]))
            .is_some_and(
                |how| matches!(how, Ok([_, _, resolve]) if resolve & libc::RESOLVE_IN_ROOT != 0),
            )
    }

    /// The `struct open_how` at `ptr` (always openat2's `how` argument),
    /// read on first use; `None` for NULL.
    fn how(&self, ptr: u64) -> Option<Result<[u64; 3], i32>> {
        if ptr == 0 {
            return None;
        }
        let how = self.open_how.get_or_init(|| {
            let mut b = [0u8; OPEN_HOW_SIZE];
            read_exact(self.view, ptr, &mut b)?;
            Ok([
                field_u64(&b, 0),
                field_u64(&b, OPEN_HOW_MODE),
                field_u64(&b, OPEN_HOW_RESOLVE),
            ])
        });
        Some(*how)
    }

    /// `AT_EMPTY_PATH` applies to the first path of a call (linkat's
    /// oldpath; the other calls have one path).
    fn empty_path_allowed(&self, i: usize) -> bool {
        let first_path = self
            .params
            .iter()
            .position(|(_, k)| matches!(k, Kind::Path | Kind::PathAt(_)));
        first_path == Some(i)
            && self.params.iter().zip(self.args).any(|((_, k), raw)| {
                matches!(k, Kind::AtFlags(_)) && raw & flags::AT_EMPTY_PATH != 0
            })
    }

    fn sockaddr(&self, ptr: u64, len: u64) -> Value {
        if ptr == 0 {
            return Value::Null;
        }
        // socklen_t. The kernel refuses more than sockaddr_storage with
        // EINVAL before reading anything: such an address is shown invalid
        // (only its family is read, to name it) and nothing is copied, so
        // neither a rule nor emulation can treat it as an address.
        let claimed = len as u32 as usize;
        if claimed > SOCKADDR_MAX {
            let mut family = [0u8; 2];
            return match read_exact(self.view, ptr, &mut family) {
                Ok(()) => Value::SockAddr(SockAddr::Invalid {
                    family: u16::from_ne_bytes(family),
                    len: claimed,
                }),
                Err(errno) => Value::Unreadable { addr: ptr, errno },
            };
        }
        let mut buf = vec![0u8; claimed];
        match read_exact(self.view, ptr, &mut buf) {
            Ok(()) => {
                let value = Value::SockAddr(parse_sockaddr(&buf));
                if !buf.is_empty() {
                    *self.sockaddr.borrow_mut() = Some(buf);
                }
                value
            }
            Err(errno) => Value::Unreadable { addr: ptr, errno },
        }
    }

    /// The first [`ARGV_MAX`] strings of a NULL-terminated pointer array.
    /// An unreadable slot or string makes the whole value unreadable (at
    /// that address), as execve would fail with EFAULT; a slot after the
    /// shown ones that cannot be read only sets `more`.
    fn argv(&self, ptr: u64) -> Value {
        if ptr == 0 {
            return Value::Null;
        }
        let mut items = Vec::new();
        for k in 0..=ARGV_MAX as u64 {
            let Some(slot) = k.checked_mul(PTR_SIZE).and_then(|off| ptr.checked_add(off)) else {
                return Value::Unreadable {
                    addr: ptr,
                    errno: libc::EFAULT,
                };
            };
            let p = match read_u64(self.view, slot) {
                Ok(p) => p,
                Err(_) if k == ARGV_MAX as u64 => return Value::Argv { items, more: true },
                Err(errno) => return Value::Unreadable { addr: slot, errno },
            };
            if p == 0 {
                return Value::Argv { items, more: false };
            }
            if k == ARGV_MAX as u64 {
                return Value::Argv { items, more: true };
            }
            match read_cstring(self.view, p, PATH_MAX) {
                ReadStr::Full(b) | ReadStr::Truncated(b) => items.push(b),
                ReadStr::Unterminated(_, errno) | ReadStr::Unreadable(errno) => {
                    return Value::Unreadable { addr: p, errno };
                }
            }
        }
        Value::Argv { items, more: true }
    }

    /// `{flags=O_RDONLY, mode=0000, resolve=RESOLVE_BENEATH}`. The fields
    /// are `u64`s the kernel checks in full, so no bits are dropped.
    fn open_how(&self, ptr: u64) -> Value {
        let [flags, mode, resolve] = match self.how(ptr) {
            None => return Value::Null,
            Some(Err(errno)) => return Value::Unreadable { addr: ptr, errno },
            Some(Ok(how)) => how,
        };
        let mode = match u32::try_from(mode) {
            Ok(m) => format_mode(m),
            Err(_) => format!("{mode:#x}"),
        };
        Value::Flags(format!(
            "{{flags={}, mode={mode}, resolve={}}}",
            OPEN.format(flags),
            RESOLVE.format(resolve)
        ))
    }

    /// `{flags=CLONE_VM|..., exit_signal=SIGCHLD}` from the start of
    /// `struct clone_args`.
    fn clone_args(&self, ptr: u64) -> Value {
        if ptr == 0 {
            return Value::Null;
        }
        let mut b = [0u8; CLONE_ARGS_PREFIX];
        if let Err(errno) = read_exact(self.view, ptr, &mut b) {
            return Value::Unreadable { addr: ptr, errno };
        }
        let flags = field_u64(&b, 0);
        let exit_signal = field_u64(&b, CLONE_ARGS_EXIT_SIGNAL);
        let sig = match i64::try_from(exit_signal) {
            Ok(n) if flags::is_signal(n) => flags::signal_name(exit_signal),
            _ => exit_signal.to_string(),
        };
        Value::Flags(format!(
            "{{flags={}, exit_signal={sig}}}",
            CLONE_NS.format(flags)
        ))
    }
}

fn signal(n: i64) -> Value {
    if flags::is_signal(n) {
        Value::Flags(flags::signal_name(n as u64))
    } else {
        Value::Int(n)
    }
}

/// Collapses `//`, `/./` and `..` in an absolute path. Lexical only: the
/// supervisor cannot follow the target's symlinks, so `a/link/..` may name
/// something else on disk. `..` at the root stays at the root, as the
/// kernel does.
fn normalize(path: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for comp in path.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::with_capacity(path.len());
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    out
}

fn errno_name(errno: i32) -> String {
    Errno::new(errno).map_or_else(|| errno.to_string(), |e| e.name())
}

/// `"bytes"`, escaped, with `...` after the quote when the string was cut
/// at [`PATH_MAX`].
fn quoted(bytes: &[u8]) -> String {
    let cut = if bytes.len() >= PATH_MAX { "..." } else { "" };
    format!("\"{}\"{cut}", escape_bytes(bytes))
}

/// `3</etc/hosts>`, `3<socket:[77] 0.0.0.0:8080>`, or `3` when the target
/// is unknown.
fn fd_text(fd: i32, target: Option<&[u8]>, local: Option<&SockAddr>) -> String {
    match (target, local) {
        (Some(t), Some(l)) => format!("{fd}<{} {}>", escape_bytes(t), format_sockaddr(l)),
        (Some(t), None) => format!("{fd}<{}>", escape_bytes(t)),
        (None, _) => fd.to_string(),
    }
}

/// Renders one argument value, target bytes escaped:
/// `"/etc/hosts"`, `"sub"</tmp/d/sub>` (a path and its resolved form when
/// they differ), `3</etc/hosts>`, `AT_FDCWD`, `{AF_INET, 127.0.0.1:80}`,
/// `["ls", "-l", ...]`, `<unreadable: EFAULT>`, `NULL`, `0755`.
pub fn format_value(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Hex(n) => format!("{n:#x}"),
        Value::Fd { fd, target, local } => fd_text(*fd, target.as_deref(), local.as_ref()),
        Value::DirFd { fd, .. } if *fd == libc::AT_FDCWD => "AT_FDCWD".to_string(),
        Value::DirFd { fd, target } => fd_text(*fd, target.as_deref(), None),
        Value::Path { given, resolved } => match resolved {
            Some(r) if r != given => format!("{}<{}>", quoted(given), escape_bytes(r)),
            _ => quoted(given),
        },
        Value::Str(bytes) => quoted(bytes),
        Value::Unreadable { errno, .. } => format!("<unreadable: {}>", errno_name(*errno)),
        Value::Partial { bytes, errno } => {
            format!("{}...<unreadable: {}>", quoted(bytes), errno_name(*errno))
        }
        Value::Null => "NULL".to_string(),
        Value::Flags(s) => escape_str(s),
        Value::Mode(m) => format_mode(*m),
        Value::SockAddr(s) => match sockaddr::sockaddr_family(s) {
            Some(family) => format!("{{{family}, {}}}", format_sockaddr(s)),
            None => format!("{{{}}}", format_sockaddr(s)),
        },
        Value::Argv { items, more } => {
            let mut parts: Vec<String> = items.iter().map(|b| quoted(b)).collect();
            if *more {
                parts.push("...".to_string());
            }
            format!("[{}]", parts.join(", "))
        }
    }
}

/// Whether argument `i` is left out of the one-line form: open's mode when
/// the flags neither create a file nor make a tmpfile (the kernel ignores
/// it, and the register then holds leftovers).
fn hidden(params: Option<Params>, args: &[Arg], i: usize) -> bool {
    let Some(params) = params else {
        return false;
    };
    if !matches!(params.get(i), Some((_, Kind::CreateMode))) {
        return false;
    }
    let creating = u64::from(libc::O_CREAT as u32) | flags::O_TMPFILE_BIT;
    params
        .iter()
        .position(|(_, k)| matches!(k, Kind::OpenFlags))
        .and_then(|j| args.get(j))
        .is_some_and(|flags| flags.raw & creating == 0)
}

/// strace-like one-line rendering: `openat(AT_FDCWD, "/etc/hosts",
/// O_RDONLY|O_CLOEXEC)`, every target byte escaped.
pub fn format_call(call: &Call) -> String {
    let params = call.sysno.and_then(params);
    let args: Vec<String> = call
        .args
        .iter()
        .enumerate()
        .filter(|&(i, _)| !hidden(params, &call.args, i))
        .map(|(_, a)| format_value(&a.value))
        .collect();
    format!("{}({})", call.name(), args.join(", "))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::{BTreeMap, HashMap};
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::{Instant, SystemTime};

    use proptest::prelude::*;

    use super::*;
    use crate::decode::groups::GROUPS;
    use crate::model::{Creds, Notif};

    const PAGE: u64 = PAGE_SIZE;

    /// A target with page-granular memory: a read returns the bytes up to
    /// the first unmapped page, or EFAULT if the first byte is unmapped.
    /// Every read request is recorded.
    #[derive(Debug, Default)]
    struct FakeTarget {
        pages: BTreeMap<u64, Vec<u8>>,
        cwd: Option<Vec<u8>>,
        fds: HashMap<i32, Vec<u8>>,
        sockets: HashMap<i32, Vec<u8>>,
        reads: RefCell<Vec<(u64, usize)>>,
    }

    impl FakeTarget {
        fn new() -> Self {
            FakeTarget {
                cwd: Some(b"/tmp/d".to_vec()),
                ..Default::default()
            }
        }

        /// Maps the pages covering `addr..addr+len` (zero-filled) and
        /// writes `bytes` there.
        fn map(&mut self, addr: u64, bytes: &[u8]) -> &mut Self {
            let first = addr / PAGE;
            let last = (addr + bytes.len().max(1) as u64 - 1) / PAGE;
            for p in first..=last {
                self.pages
                    .entry(p)
                    .or_insert_with(|| vec![0; PAGE as usize]);
            }
            for (k, &b) in bytes.iter().enumerate() {
                let a = addr + k as u64;
                self.pages.get_mut(&(a / PAGE)).unwrap()[(a % PAGE) as usize] = b;
            }
            self
        }

        /// Maps a NUL-terminated string.
        fn str(&mut self, addr: u64, s: &[u8]) -> &mut Self {
            let mut b = s.to_vec();
            b.push(0);
            self.map(addr, &b)
        }

        /// Maps a NULL-terminated pointer array.
        fn ptrs(&mut self, addr: u64, ptrs: &[u64]) -> &mut Self {
            let mut b = Vec::new();
            for p in ptrs.iter().chain([&0]) {
                b.extend(p.to_ne_bytes());
            }
            self.map(addr, &b)
        }

        fn fd(&mut self, fd: i32, target: &[u8]) -> &mut Self {
            self.fds.insert(fd, target.to_vec());
            self
        }
    }

    impl TargetView for FakeTarget {
        fn read_mem(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
            self.reads.borrow_mut().push((addr, buf.len()));
            let mut n = 0;
            while n < buf.len() {
                let Some(a) = addr.checked_add(n as u64) else {
                    break;
                };
                let Some(page) = self.pages.get(&(a / PAGE)) else {
                    break;
                };
                buf[n] = page[(a % PAGE) as usize];
                n += 1;
            }
            if n == 0 && !buf.is_empty() {
                Err(libc::EFAULT)
            } else {
                Ok(n)
            }
        }

        fn fd_target(&self, fd: i32) -> Option<Vec<u8>> {
            self.fds.get(&fd).cloned()
        }

        fn cwd(&self) -> Option<Vec<u8>> {
            self.cwd.clone()
        }

        fn socket_local(&self, fd: i32) -> Option<Vec<u8>> {
            self.sockets.get(&fd).cloned()
        }
    }

    const STR: u64 = 0x10_000;
    const STR2: u64 = 0x20_000;
    const BUF: u64 = 0x30_000;
    const AT_FDCWD_REG: u64 = 0xffff_ff9c;

    fn call(view: &FakeTarget, sysno: Option<Sysno>, args: [u64; 6]) -> Call {
        let (decoded, copies) = decode_with_copies(sysno, &args, view);
        Call {
            notif: Notif {
                id: 1,
                pid: 100,
                flags: 0,
                nr: sysno.map_or(9999, |s| s.id()),
                arch: 0,
                instruction_pointer: 0,
                args,
            },
            tgid: 100,
            ppid: 1,
            comm: b"t".to_vec(),
            exe: b"/t".to_vec(),
            creds: Creds::default(),
            copies,
            sysno,
            args: decoded,
            received: Instant::now(),
            received_wall: SystemTime::now(),
        }
    }

    fn line(view: &FakeTarget, sysno: Sysno, args: &[u64]) -> String {
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        format_call(&call(view, Some(sysno), a))
    }

    fn sockaddr_in(ip: [u8; 4], port: u16) -> Vec<u8> {
        let mut b = (libc::AF_INET as u16).to_ne_bytes().to_vec();
        b.extend(port.to_be_bytes());
        b.extend(ip);
        b.extend([0u8; 8]);
        b
    }

    #[test]
    fn every_group_syscall_has_its_parameters() {
        // Counts from the kernel's signatures (man 2), independent of the
        // table.
        let expected: &[(&str, usize)] = &[
            ("open", 3),
            ("openat", 4),
            ("openat2", 4),
            ("creat", 2),
            ("mkdir", 2),
            ("mkdirat", 3),
            ("rmdir", 1),
            ("unlink", 1),
            ("unlinkat", 3),
            ("rename", 2),
            ("renameat", 4),
            ("renameat2", 5),
            ("link", 2),
            ("linkat", 5),
            ("symlink", 2),
            ("symlinkat", 3),
            ("chmod", 2),
            ("fchmodat", 3),
            ("truncate", 2),
            ("socket", 3),
            ("connect", 3),
            ("bind", 3),
            ("listen", 2),
            ("accept", 3),
            ("accept4", 4),
            ("sendto", 6),
            ("execve", 3),
            ("execveat", 5),
            ("clone", 5),
            ("clone3", 2),
            ("fork", 0),
            ("vfork", 0),
            ("kill", 2),
            ("tgkill", 3),
            ("ptrace", 4),
        ];
        let mut seen = 0;
        for group in GROUPS {
            for &s in group.members {
                let want = expected
                    .iter()
                    .find(|(n, _)| *n == s.name())
                    .unwrap_or_else(|| panic!("{} has no expected count", s.name()))
                    .1;
                let p = params(s).unwrap_or_else(|| panic!("{} has no table entry", s.name()));
                assert_eq!(p.len(), want, "{}", s.name());
                seen += 1;
            }
        }
        assert_eq!(seen, expected.len());
    }

    #[test]
    fn table_invariants() {
        // Every index a kind points at is a parameter of the right kind.
        for s in Sysno::iter() {
            let Some(p) = params(s) else { continue };
            assert!(p.len() <= 6, "{}", s.name());
            for (name, kind) in p {
                match kind {
                    Kind::PathAt(d) => {
                        assert!(matches!(p[*d].1, Kind::DirFd), "{} {name}", s.name())
                    }
                    Kind::Addr(l) => {
                        assert!(matches!(p[*l].1, Kind::UInt), "{} {name}", s.name())
                    }
                    Kind::CreateMode => assert!(
                        p.iter().any(|(_, k)| matches!(k, Kind::OpenFlags)),
                        "{}",
                        s.name()
                    ),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn open_flag_rendering() {
        let o = |f: i32| f as u32 as u64;
        assert_eq!(open_flags(0), "O_RDONLY");
        assert_eq!(
            open_flags(o(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC)),
            "O_WRONLY|O_CREAT|O_TRUNC"
        );
        assert_eq!(
            open_flags(o(libc::O_RDWR | libc::O_CLOEXEC | libc::O_DIRECTORY)),
            "O_RDWR|O_CLOEXEC|O_DIRECTORY"
        );
        assert_eq!(
            open_flags(o(libc::O_RDONLY | libc::O_CLOEXEC) | 0x4000_0000),
            "O_RDONLY|O_CLOEXEC|0x40000000"
        );
        assert_eq!(
            open_flags(o(libc::O_RDWR | libc::O_TMPFILE)),
            "O_RDWR|O_TMPFILE"
        );
        assert_eq!(open_flags(0o100000), "O_RDONLY|O_LARGEFILE");
        assert_eq!(open_flags(o(libc::O_SYNC)), "O_RDONLY|O_SYNC");
        assert_eq!(open_flags(3), "O_ACCMODE");
    }

    #[test]
    fn modes() {
        assert_eq!(format_mode(0o755), "0755");
        assert_eq!(format_mode(0o700), "0700");
        assert_eq!(format_mode(0o4755), "04755");
        assert_eq!(format_mode(0), "0000");
    }

    #[test]
    fn strace_like_lines() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/tmp/x").str(STR2, b"/etc/hosts");
        assert_eq!(
            line(&t, Sysno::mkdir, &[STR, 0o700]),
            "mkdir(\"/tmp/x\", 0700)"
        );
        let flags = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
        assert_eq!(
            line(&t, Sysno::openat, &[AT_FDCWD_REG, STR2, flags, 0xdead]),
            "openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC)"
        );
        let flags = (libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC) as u64;
        assert_eq!(
            line(&t, Sysno::open, &[STR, flags, 0o644]),
            "open(\"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644)"
        );
    }

    #[test]
    fn relative_paths_resolve_against_cwd_and_dirfd() {
        let mut t = FakeTarget::new();
        t.str(STR, b"sub").fd(5, b"/srv/data").fd(6, b"pipe:[9]");
        let c = call(&t, Some(Sysno::mkdir), [STR, 0o755, 0, 0, 0, 0]);
        assert_eq!(
            c.args[0].value,
            Value::Path {
                given: b"sub".to_vec(),
                resolved: Some(b"/tmp/d/sub".to_vec())
            }
        );
        assert_eq!(format_call(&c), "mkdir(\"sub\"</tmp/d/sub>, 0755)");
        assert_eq!(c.paths(), vec![b"/tmp/d/sub".as_slice()]);

        // AT_FDCWD with and without the upper half of the register set.
        for dirfd in [AT_FDCWD_REG, libc::AT_FDCWD as i64 as u64] {
            let c = call(&t, Some(Sysno::mkdirat), [dirfd, STR, 0o755, 0, 0, 0]);
            assert_eq!(
                c.args[0].value,
                Value::DirFd {
                    fd: libc::AT_FDCWD,
                    target: None
                }
            );
            assert_eq!(c.paths(), vec![b"/tmp/d/sub".as_slice()]);
        }

        let c = call(&t, Some(Sysno::mkdirat), [5, STR, 0o755, 0, 0, 0]);
        assert_eq!(c.paths(), vec![b"/srv/data/sub".as_slice()]);
        assert_eq!(
            format_call(&c),
            "mkdirat(5</srv/data>, \"sub\"</srv/data/sub>, 0755)"
        );

        // A dirfd that is not a directory path, or unknown: unresolved.
        for fd in [6, 7] {
            let c = call(&t, Some(Sysno::mkdirat), [fd, STR, 0o755, 0, 0, 0]);
            assert!(matches!(
                &c.args[1].value,
                Value::Path { resolved: None, .. }
            ));
        }
        // No cwd known.
        t.cwd = None;
        let c = call(&t, Some(Sysno::mkdir), [STR, 0o755, 0, 0, 0, 0]);
        assert!(matches!(
            &c.args[0].value,
            Value::Path { resolved: None, .. }
        ));
    }

    #[test]
    fn dot_dot_is_normalized_lexically() {
        assert_eq!(normalize(b"/a/b/../../../c/./d//e/"), b"/c/d/e");
        assert_eq!(normalize(b"/"), b"/");
        assert_eq!(normalize(b"/.."), b"/");
        assert_eq!(normalize(b"//x"), b"/x");

        let mut t = FakeTarget::new();
        t.str(STR, b"../../etc/./passwd");
        let c = call(&t, Some(Sysno::open), [STR, 0, 0, 0, 0, 0]);
        assert_eq!(c.paths(), vec![b"/etc/passwd".as_slice()]);
        assert_eq!(
            format_call(&c),
            "open(\"../../etc/./passwd\"</etc/passwd>, O_RDONLY)"
        );
        // An absolute path that is already normal shows once.
        t.str(STR2, b"/etc/passwd");
        assert_eq!(
            line(&t, Sysno::open, &[STR2, 0, 0]),
            "open(\"/etc/passwd\", O_RDONLY)"
        );
    }

    #[test]
    fn empty_path_with_at_empty_path_is_the_dirfd() {
        let mut t = FakeTarget::new();
        t.str(STR, b"").fd(5, b"/usr/bin/true");
        let empty = libc::AT_EMPTY_PATH as u64;
        let c = call(&t, Some(Sysno::newfstatat), [5, STR, BUF, empty, 0, 0]);
        assert_eq!(c.paths(), vec![b"/usr/bin/true".as_slice()]);
        assert_eq!(
            format_call(&c),
            "newfstatat(5</usr/bin/true>, \"\"</usr/bin/true>, 0x30000, AT_EMPTY_PATH)"
        );
        // Without the flag an empty path names nothing.
        let c = call(&t, Some(Sysno::newfstatat), [5, STR, BUF, 0, 0, 0]);
        assert!(matches!(
            &c.args[1].value,
            Value::Path { resolved: None, .. }
        ));
        // linkat: only oldpath may be empty.
        let c = call(&t, Some(Sysno::linkat), [5, STR, 5, STR, empty, 0]);
        assert!(matches!(
            &c.args[1].value,
            Value::Path {
                resolved: Some(_),
                ..
            }
        ));
        assert!(matches!(
            &c.args[3].value,
            Value::Path { resolved: None, .. }
        ));
    }

    #[test]
    fn unreadable_pointer() {
        let t = FakeTarget::new();
        let c = call(&t, Some(Sysno::mkdir), [1, 0o755, 0, 0, 0, 0]);
        assert_eq!(
            c.args[0].value,
            Value::Unreadable {
                addr: 1,
                errno: libc::EFAULT
            }
        );
        assert_eq!(format_call(&c), "mkdir(<unreadable: EFAULT>, 0755)");
        assert_eq!(
            read_cstring(&t, 1, PATH_MAX),
            ReadStr::Unreadable(libc::EFAULT)
        );
        assert_eq!(line(&t, Sysno::unlink, &[0]), "unlink(NULL)");
    }

    #[test]
    fn string_running_into_an_unmapped_page() {
        let mut t = FakeTarget::new();
        let end = STR + PAGE;
        t.map(end - 3, b"abc");
        assert_eq!(
            read_cstring(&t, end - 3, PATH_MAX),
            ReadStr::Unterminated(b"abc".to_vec(), libc::EFAULT)
        );
        // What was read is shown, and where reading stopped.
        assert_eq!(
            line(&t, Sysno::unlink, &[end - 3]),
            "unlink(\"abc\"...<unreadable: EFAULT>)"
        );
    }

    #[test]
    fn string_ending_at_a_page_edge_never_touches_the_next_page() {
        let mut t = FakeTarget::new();
        let end = STR + PAGE;
        t.map(end - 6, b"/a/b\0\0");
        t.map(STR2 - 4000, &vec![b'x'; 3999]);
        assert_eq!(
            read_cstring(&t, end - 6, PATH_MAX),
            ReadStr::Full(b"/a/b".to_vec())
        );
        assert_eq!(
            read_cstring(&t, STR2 - 4000, PATH_MAX),
            ReadStr::Full(vec![b'x'; 3999])
        );
        for &(addr, len) in t.reads.borrow().iter() {
            assert!(addr % PAGE + len as u64 <= PAGE, "{addr:#x}+{len}");
            assert!(t.pages.contains_key(&(addr / PAGE)), "{addr:#x}");
        }
    }

    #[test]
    fn string_longer_than_path_max() {
        let mut t = FakeTarget::new();
        let mut long = vec![b'a'; 5000];
        long[0] = b'/';
        t.str(STR, &long);
        match read_cstring(&t, STR, PATH_MAX) {
            ReadStr::Truncated(b) => assert_eq!(b, long[..PATH_MAX]),
            other => panic!("{other:?}"),
        }
        let c = call(&t, Some(Sysno::mkdir), [STR, 0o755, 0, 0, 0, 0]);
        assert_eq!(
            c.args[0].value,
            Value::Path {
                given: long[..PATH_MAX].to_vec(),
                resolved: None
            }
        );
        let s = format_call(&c);
        assert!(s.ends_with("aaa\"..., 0755)"), "{s}");
        // One byte shorter fits with its NUL.
        assert!(matches!(
            read_cstring(&t, STR + 5000 - 4095, PATH_MAX),
            ReadStr::Full(b) if b.len() == 4095
        ));
    }

    #[test]
    fn target_bytes_are_escaped() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/tmp/\x1b[31mred\x1b[0m")
            .str(STR2, b"caf\xff\xfe")
            .fd(4, b"/tmp/\x1b]0;title\x07");
        let s = line(&t, Sysno::mkdir, &[STR, 0o755]);
        assert!(!s.contains('\x1b'), "{s:?}");
        assert_eq!(s, "mkdir(\"/tmp/\\e[31mred\\e[0m\", 0755)");
        let s = line(&t, Sysno::mkdir, &[STR2, 0o755]);
        assert_eq!(s, "mkdir(\"caf\\xff\\xfe\"</tmp/d/caf\\xff\\xfe>, 0755)");
        let s = line(&t, Sysno::close, &[4]);
        assert_eq!(s, "close(4</tmp/\\e]0;title\\x07>)");
    }

    #[test]
    fn sockets() {
        let mut t = FakeTarget::new();
        t.map(BUF, &sockaddr_in([127, 0, 0, 1], 8080))
            .fd(3, b"socket:[1234]")
            .fd(4, b"socket:[77]")
            .fd(5, b"/etc/hosts");
        t.sockets.insert(4, sockaddr_in([0, 0, 0, 0], 8080));
        // Bound to port 0: not worth showing.
        t.sockets.insert(3, sockaddr_in([0, 0, 0, 0], 0));

        let c = call(&t, Some(Sysno::connect), [3, BUF, 16, 0, 0, 0]);
        assert_eq!(
            format_call(&c),
            "connect(3<socket:[1234]>, {AF_INET, 127.0.0.1:8080}, 16)"
        );
        assert_eq!(c.sockaddr().and_then(SockAddr::port), Some(8080));
        assert_eq!(c.copies.sockaddr, Some(sockaddr_in([127, 0, 0, 1], 8080)));

        let c = call(&t, Some(Sysno::listen), [4, 128, 0, 0, 0, 0]);
        assert_eq!(format_call(&c), "listen(4<socket:[77] 0.0.0.0:8080>, 128)");
        assert_eq!(
            c.sockaddr(),
            Some(&SockAddr::Inet {
                ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                port: 8080
            })
        );

        // Not a socket: no getsockname.
        let c = call(&t, Some(Sysno::listen), [5, 1, 0, 0, 0, 0]);
        assert!(matches!(&c.args[0].value, Value::Fd { local: None, .. }));

        // bind with a length larger than the mapping: unreadable.
        let c = call(&t, Some(Sysno::bind), [3, BUF + PAGE - 8, 16, 0, 0, 0]);
        assert_eq!(
            format_call(&c),
            "bind(3<socket:[1234]>, <unreadable: EFAULT>, 16)"
        );
        assert_eq!(c.copies.sockaddr, None);
        assert_eq!(
            line(&t, Sysno::bind, &[3, 0, 0]),
            "bind(3<socket:[1234]>, NULL, 0)"
        );
        // Longer than sockaddr_storage (or negative): the kernel says EINVAL
        // without reading; nothing to match or emulate with.
        for len in [129, u64::from(u32::MAX)] {
            let c = call(&t, Some(Sysno::connect), [3, BUF, len, 0, 0, 0]);
            assert_eq!(
                format_call(&c),
                format!("connect(3<socket:[1234]>, {{AF_INET too long: {len} bytes}}, {len})")
            );
            assert_eq!(
                c.sockaddr(),
                Some(&SockAddr::Invalid {
                    family: 2,
                    len: len as usize
                })
            );
            assert_eq!(c.copies.sockaddr, None);
        }

        let ty = (libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) as u64;
        assert_eq!(
            line(&t, Sysno::socket, &[libc::AF_INET as u64, ty, 0]),
            "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0)"
        );
        assert_eq!(
            line(&t, Sysno::socket, &[77, 2, 0]),
            "socket(77, SOCK_DGRAM, 0)"
        );
        assert_eq!(
            line(&t, Sysno::accept, &[4, BUF, BUF + 64]),
            "accept(4<socket:[77] 0.0.0.0:8080>, 0x30000, 0x30040)"
        );
        assert_eq!(
            line(&t, Sysno::accept4, &[4, 0, 0, libc::SOCK_CLOEXEC as u64]),
            "accept4(4<socket:[77] 0.0.0.0:8080>, NULL, NULL, SOCK_CLOEXEC)"
        );
        let msg = (libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) as u64;
        assert_eq!(
            line(&t, Sysno::sendto, &[3, BUF, 5, msg, BUF, 16]),
            "sendto(3<socket:[1234]>, 0x30000, 5, MSG_DONTWAIT|MSG_NOSIGNAL, \
             {AF_INET, 127.0.0.1:8080}, 16)"
        );
        assert_eq!(
            line(&t, Sysno::sendto, &[3, BUF, 5, 0, 0, 0]),
            "sendto(3<socket:[1234]>, 0x30000, 5, 0, NULL, 0)"
        );
    }

    #[test]
    fn unix_and_v6_addresses_in_calls() {
        let mut t = FakeTarget::new();
        let mut un = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        un.extend(b"/run/x.sock\0");
        t.map(BUF, &un);
        let mut abs = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        abs.extend(b"\0name");
        t.map(STR, &abs);
        let mut v6 = (libc::AF_INET6 as u16).to_ne_bytes().to_vec();
        v6.extend(443u16.to_be_bytes());
        v6.extend([0; 4]);
        v6.extend(std::net::Ipv6Addr::LOCALHOST.octets());
        v6.extend([0; 4]);
        t.map(STR2, &v6);
        assert_eq!(
            line(&t, Sysno::connect, &[9, BUF, un.len() as u64]),
            "connect(9, {AF_UNIX, /run/x.sock}, 14)"
        );
        assert_eq!(
            line(&t, Sysno::bind, &[9, STR, abs.len() as u64]),
            "bind(9, {AF_UNIX, @name}, 7)"
        );
        assert_eq!(
            line(&t, Sysno::connect, &[9, STR2, 28]),
            "connect(9, {AF_INET6, [::1]:443}, 28)"
        );
        assert_eq!(
            line(&t, Sysno::connect, &[9, STR2, 3]),
            "connect(9, {AF_INET6 too short: 3 bytes}, 3)"
        );
        let nl = (libc::AF_NETLINK as u16).to_ne_bytes();
        t.map(BUF + 512, &nl);
        assert_eq!(
            line(&t, Sysno::bind, &[9, BUF + 512, 12]),
            "bind(9, {AF_NETLINK}, 12)"
        );
    }

    #[test]
    fn execve_argv() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/usr/bin/ls");
        let mut ptrs = Vec::new();
        for k in 0..10u64 {
            let a = STR2 + k * 16;
            t.str(a, format!("a{k}").as_bytes());
            ptrs.push(a);
        }
        t.ptrs(BUF, &ptrs);
        let c = call(&t, Some(Sysno::execve), [STR, BUF, 0x7ffd_0000, 0, 0, 0]);
        match &c.args[1].value {
            Value::Argv { items, more } => {
                assert_eq!(items.len(), 8);
                assert_eq!(items[7], b"a7");
                assert!(*more);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            format_call(&c),
            "execve(\"/usr/bin/ls\", [\"a0\", \"a1\", \"a2\", \"a3\", \"a4\", \"a5\", \
             \"a6\", \"a7\", ...], 0x7ffd0000)"
        );

        // Exactly eight: no "more".
        t.ptrs(BUF + 0x100, &ptrs[..8]);
        let c = call(&t, Some(Sysno::execve), [STR, BUF + 0x100, 0, 0, 0, 0]);
        assert!(matches!(&c.args[1].value, Value::Argv { more: false, items } if items.len() == 8));

        // Short, with envp NULL.
        t.ptrs(BUF + 0x200, &ptrs[..2]);
        assert_eq!(
            line(&t, Sysno::execve, &[STR, BUF + 0x200, 0]),
            "execve(\"/usr/bin/ls\", [\"a0\", \"a1\"], NULL)"
        );

        // A bad string pointer in argv.
        t.ptrs(BUF + 0x300, &[ptrs[0], 8]);
        let c = call(&t, Some(Sysno::execve), [STR, BUF + 0x300, 0, 0, 0, 0]);
        assert_eq!(
            c.args[1].value,
            Value::Unreadable {
                addr: 8,
                errno: libc::EFAULT
            }
        );

        // execveat with AT_EMPTY_PATH runs the dirfd.
        t.str(STR + 0x100, b"").fd(3, b"/usr/bin/true");
        let empty = libc::AT_EMPTY_PATH as u64;
        let c = call(
            &t,
            Some(Sysno::execveat),
            [3, STR + 0x100, BUF + 0x200, 0, empty, 0],
        );
        assert_eq!(c.paths(), vec![b"/usr/bin/true".as_slice()]);
    }

    #[test]
    fn argv_array_ending_at_page_edge() {
        let mut t = FakeTarget::new();
        t.str(STR, b"x");
        // One pointer and the NULL fill the last 16 bytes of the page.
        t.ptrs(BUF + PAGE - 16, &[STR]);
        let c = call(&t, Some(Sysno::execve), [STR, BUF + PAGE - 16, 0, 0, 0, 0]);
        assert_eq!(
            c.args[1].value,
            Value::Argv {
                items: vec![b"x".to_vec()],
                more: false
            }
        );
    }

    #[test]
    fn named_flags_for_other_calls() {
        let mut t = FakeTarget::new();
        t.str(STR, b"old").str(STR2, b"/tmp/new");
        assert_eq!(
            line(
                &t,
                Sysno::unlinkat,
                &[AT_FDCWD_REG, STR, libc::AT_REMOVEDIR as u64]
            ),
            "unlinkat(AT_FDCWD, \"old\"</tmp/d/old>, AT_REMOVEDIR)"
        );
        assert_eq!(
            line(
                &t,
                Sysno::renameat2,
                &[
                    AT_FDCWD_REG,
                    STR,
                    AT_FDCWD_REG,
                    STR2,
                    libc::RENAME_NOREPLACE as u64
                ]
            ),
            "renameat2(AT_FDCWD, \"old\"</tmp/d/old>, AT_FDCWD, \"/tmp/new\", RENAME_NOREPLACE)"
        );
        assert_eq!(
            line(
                &t,
                Sysno::newfstatat,
                &[AT_FDCWD_REG, STR2, BUF, libc::AT_SYMLINK_NOFOLLOW as u64]
            ),
            "newfstatat(AT_FDCWD, \"/tmp/new\", 0x30000, AT_SYMLINK_NOFOLLOW)"
        );
        assert_eq!(
            line(&t, Sysno::kill, &[1234, libc::SIGTERM as u64]),
            "kill(1234, SIGTERM)"
        );
        assert_eq!(line(&t, Sysno::kill, &[u64::MAX, 0]), "kill(-1, 0)");
        assert_eq!(
            line(&t, Sysno::tgkill, &[10, 11, 9]),
            "tgkill(10, 11, SIGKILL)"
        );
        let fl = (libc::CLONE_VM
            | libc::CLONE_FS
            | libc::CLONE_FILES
            | libc::CLONE_SIGHAND
            | libc::CLONE_THREAD
            | libc::SIGCHLD) as u64;
        assert_eq!(
            line(&t, Sysno::clone, &[fl, 0, 0, 0, 0]),
            "clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|SIGCHLD, \
             NULL, NULL, NULL, 0x0)"
        );
        assert_eq!(
            line(&t, Sysno::ptrace, &[libc::PTRACE_ATTACH as u64, 42, 0, 0]),
            "ptrace(PTRACE_ATTACH, 42, NULL, NULL)"
        );
        assert_eq!(line(&t, Sysno::fork, &[]), "fork()");
        assert_eq!(
            line(&t, Sysno::chmod, &[STR2, 0o4755]),
            "chmod(\"/tmp/new\", 04755)"
        );
        assert_eq!(
            line(&t, Sysno::truncate, &[STR2, 4096]),
            "truncate(\"/tmp/new\", 4096)"
        );
    }

    #[test]
    fn symlink_target_is_not_resolved() {
        let mut t = FakeTarget::new();
        t.str(STR, b"../target").str(STR2, b"link");
        let c = call(&t, Some(Sysno::symlink), [STR, STR2, 0, 0, 0, 0]);
        assert_eq!(c.args[0].value, Value::Str(b"../target".to_vec()));
        assert_eq!(c.paths(), vec![b"/tmp/d/link".as_slice()]);
        assert_eq!(
            format_call(&c),
            "symlink(\"../target\", \"link\"</tmp/d/link>)"
        );
        t.fd(7, b"/var");
        let c = call(&t, Some(Sysno::symlinkat), [STR, 7, STR2, 0, 0, 0]);
        assert_eq!(c.paths(), vec![b"/var/link".as_slice()]);
    }

    #[test]
    fn openat2_and_clone3_structs() {
        let mut t = FakeTarget::new();
        t.str(STR, b"/etc");
        let mut how = Vec::new();
        how.extend(0u64.to_ne_bytes());
        how.extend(0u64.to_ne_bytes());
        how.extend(libc::RESOLVE_BENEATH.to_ne_bytes());
        t.map(BUF, &how);
        assert_eq!(
            line(&t, Sysno::openat2, &[AT_FDCWD_REG, STR, BUF, 24]),
            "openat2(AT_FDCWD, \"/etc\", {flags=O_RDONLY, mode=0000, \
             resolve=RESOLVE_BENEATH}, 24)"
        );
        // RESOLVE_IN_ROOT: absolute paths and ".." stay inside the dirfd.
        let mut how = vec![0u8; 24];
        how[16..].copy_from_slice(&libc::RESOLVE_IN_ROOT.to_ne_bytes());
        t.map(BUF + 64, &how)
            .fd(4, b"/srv/root")
            .str(STR + 64, b"/../etc/passwd");
        t.reads.borrow_mut().clear();
        let c = call(&t, Some(Sysno::openat2), [4, STR + 64, BUF + 64, 24, 0, 0]);
        assert_eq!(c.paths(), vec![b"/srv/root/etc/passwd".as_slice()]);
        // The struct is read once for resolution, display and emulation.
        let how_reads = t.reads.borrow().iter().filter(|r| r.0 == BUF + 64).count();
        assert_eq!(how_reads, 1);
        assert_eq!(c.copies.open_how, Some([0, 0, libc::RESOLVE_IN_ROOT]));
        t.fd(5, b"/");
        let c = call(&t, Some(Sysno::openat2), [5, STR + 64, BUF + 64, 24, 0, 0]);
        assert_eq!(c.paths(), vec![b"/etc/passwd".as_slice()]);
        t.str(STR + 128, b"..");
        let c = call(&t, Some(Sysno::openat2), [4, STR + 128, BUF + 64, 24, 0, 0]);
        assert_eq!(c.paths(), vec![b"/srv/root".as_slice()]);
        assert_eq!(
            line(&t, Sysno::openat2, &[AT_FDCWD_REG, STR, 1, 24]),
            "openat2(AT_FDCWD, \"/etc\", <unreadable: EFAULT>, 24)"
        );

        let mut args = vec![0u8; 64];
        let fl = (libc::CLONE_NEWUSER | libc::CLONE_NEWPID) as u64;
        args[..8].copy_from_slice(&fl.to_ne_bytes());
        args[32..40].copy_from_slice(&(libc::SIGCHLD as u64).to_ne_bytes());
        t.map(STR2, &args);
        assert_eq!(
            line(&t, Sysno::clone3, &[STR2, 88]),
            "clone3({flags=CLONE_NEWUSER|CLONE_NEWPID, exit_signal=SIGCHLD}, 88)"
        );
    }

    #[test]
    fn calls_without_a_table_entry() {
        let t = FakeTarget::new();
        let c = call(&t, None, [1, 2, 3, 4, 5, 6]);
        assert_eq!(c.args.len(), 6);
        assert_eq!(c.args[5].name, "arg5");
        assert_eq!(
            format_call(&c),
            "syscall_9999(0x1, 0x2, 0x3, 0x4, 0x5, 0x6)"
        );
        let c = call(&t, Some(Sysno::io_uring_setup), [1, 0, 0, 0, 0, 0]);
        assert_eq!(
            format_call(&c),
            "io_uring_setup(0x1, 0x0, 0x0, 0x0, 0x0, 0x0)"
        );
    }

    #[test]
    fn common_calls() {
        let mut t = FakeTarget::new();
        t.fd(1, b"/dev/pts/3");
        assert_eq!(
            line(&t, Sysno::write, &[1, BUF, 12]),
            "write(1</dev/pts/3>, 0x30000, 12)"
        );
        let prot = (libc::PROT_READ | libc::PROT_WRITE) as u64;
        let map = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
        assert_eq!(
            line(&t, Sysno::mmap, &[0, 8192, prot, map, u64::MAX, 0]),
            "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"
        );
        assert_eq!(line(&t, Sysno::getpid, &[]), "getpid()");
    }

    fn arb_view() -> impl Strategy<Value = FakeTarget> {
        (
            prop::collection::vec((0u64..8, prop::collection::vec(any::<u8>(), 0..600)), 0..6),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
            prop::collection::vec((-2i32..8, prop::collection::vec(any::<u8>(), 0..40)), 0..6),
            prop::collection::vec((0i32..8, prop::collection::vec(any::<u8>(), 0..40)), 0..4),
        )
            .prop_map(|(maps, cwd, fds, socks)| {
                let mut t = FakeTarget::new();
                for (page, bytes) in maps {
                    // Place the bytes at the end of the page so strings run
                    // into the next (maybe unmapped) page.
                    let end = (page + 1) * PAGE;
                    t.map(end - bytes.len().max(1) as u64, &bytes);
                }
                t.cwd = cwd;
                t.fds.extend(fds);
                t.sockets.extend(socks);
                t
            })
    }

    fn arb_arg() -> impl Strategy<Value = u64> {
        prop_oneof![
            any::<u64>(),
            0u64..8 * PAGE,
            Just(0u64),
            Just(AT_FDCWD_REG),
            (-3i64..64).prop_map(|v| v as u64),
        ]
    }

    /// What [`read_cstring`] should return, byte by byte.
    fn cstring_model(t: &FakeTarget, addr: u64, max: usize) -> ReadStr {
        let mut out = Vec::new();
        let mut at = Some(addr);
        while out.len() < max {
            let byte = at.and_then(|a| t.pages.get(&(a / PAGE)).map(|p| p[(a % PAGE) as usize]));
            match byte {
                None if out.is_empty() => return ReadStr::Unreadable(libc::EFAULT),
                None => return ReadStr::Unterminated(out, libc::EFAULT),
                Some(0) => return ReadStr::Full(out),
                Some(b) => out.push(b),
            }
            at = at.and_then(|a| a.checked_add(1));
        }
        ReadStr::Truncated(out)
    }

    proptest! {
        /// Not only well-formed: exactly the target's bytes, however the
        /// string lies across mapped and unmapped pages.
        #[test]
        fn read_cstring_returns_the_targets_bytes(
            t in arb_view(),
            addr in prop_oneof![0u64..9 * PAGE, (1u64..9).prop_map(|p| p * PAGE - 1)],
            max in prop_oneof![0usize..10_000, Just(PATH_MAX)],
        ) {
            prop_assert_eq!(read_cstring(&t, addr, max), cstring_model(&t, addr, max));
        }

        #[test]
        fn parse_sockaddr_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let s = parse_sockaddr(&bytes);
            let text = format_sockaddr(&s);
            prop_assert!(!text.chars().any(char::is_control));
            let _ = format_value(&Value::SockAddr(s));
        }

        #[test]
        fn open_flags_never_panics(bits in any::<u64>()) {
            let s = open_flags(bits);
            let first = s.split('|').next().unwrap_or("");
            prop_assert!(
                ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"].contains(&first),
                "{}", s
            );
        }

        #[test]
        fn read_cstring_is_sane(
            t in arb_view(),
            addr in prop_oneof![0u64..9 * PAGE, any::<u64>(), u64::MAX - 64..=u64::MAX],
            max in 0usize..10_000,
        ) {
            match read_cstring(&t, addr, max) {
                ReadStr::Full(b) => prop_assert!(b.len() < max && !b.contains(&0)),
                ReadStr::Truncated(b) => prop_assert_eq!(b.len(), max),
                ReadStr::Unterminated(b, e) => {
                    prop_assert!(!b.is_empty() && b.len() < max && e == libc::EFAULT)
                }
                ReadStr::Unreadable(e) => prop_assert_eq!(e, libc::EFAULT),
            }
            for &(a, len) in t.reads.borrow().iter() {
                prop_assert!(a % PAGE + len as u64 <= PAGE);
            }
        }

        #[test]
        fn format_call_never_panics(
            t in arb_view(),
            which in any::<prop::sample::Index>(),
            unknown in any::<bool>(),
            args in prop::array::uniform6(arb_arg()),
        ) {
            let all: Vec<Sysno> = Sysno::iter().collect();
            let sysno = (!unknown).then(|| all[which.index(all.len())]);
            let c = call(&t, sysno, args);
            let s = format_call(&c);
            prop_assert!(!s.chars().any(char::is_control), "{:?}", s);
            let _ = c.paths();
            let _ = c.sockaddr();
        }
    }
}
