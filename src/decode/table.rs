//! The syscall table: each syscall's parameters in register order, with
//! their names and how each one is decoded.

use syscalls::Sysno;

use super::flags::{
    ACCESS, AT, AT_ACCESS, AT_UNLINK, CLOEXEC, CLONE, CLONE_NS, Enum, FAMILIES, FCNTL_CMD, FlagSet,
    MAP, MSG, PIPE2, PROT, PTRACE, RENAME, SHUTDOWN_HOW, SIGPROCMASK_HOW, SOCK_FLAGS, SOCK_TYPE,
    WHENCE,
};

/// How one parameter is decoded.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
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
    /// file; [`format_call`](super::format_call) leaves it out otherwise.
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

pub(crate) type Params = &'static [(&'static str, Kind)];

/// Names of the arguments of calls without a table entry.
pub(super) const GENERIC_NAMES: [&str; 6] = ["arg0", "arg1", "arg2", "arg3", "arg4", "arg5"];

/// Each syscall's parameters in register order (x86_64), with the names the
/// man pages use for the kernel's signature (which is not always the libc
/// wrapper's: fchmodat takes no flags, clone's argument order is the
/// x86_64 one).
pub(crate) fn params(sysno: Sysno) -> Option<Params> {
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
        Sysno::name_to_handle_at => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("handle", Ptr),
            ("mount_id", Ptr),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::open_by_handle_at => &[("mount_fd", Fd), ("handle", Ptr), ("flags", OpenFlags)],
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::groups::GROUPS;

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
            ("mknod", 3),
            ("mknodat", 4),
            ("chown", 3),
            ("lchown", 3),
            ("fchownat", 5),
            ("name_to_handle_at", 5),
            ("open_by_handle_at", 3),
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
}
