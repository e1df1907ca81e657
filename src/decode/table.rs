//! The syscall table: each syscall's parameters in register order, with
//! their names and how each one is decoded.

use syscalls::Sysno;

use super::flags::*;

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
    /// A register the kernel ignores on x86_64 (the high half of a 64-bit
    /// offset split for 32-bit callers): kept so later parameters sit at
    /// their register, never shown in the one-line form.
    Unused,
    /// A uid or gid: `-1` ("leave unchanged") shows as -1, others unsigned.
    Id,
    /// ioctl's request: its name, or `_IOC(dir, type, nr, size)`.
    Ioctl,
    /// prctl's argument `n` (2..=5), decoded by the option (argument 0):
    /// `PR_SET_NAME`'s string, `PR_CAPBSET_READ`'s capability.
    PrctlArg(u8),
    /// futex's operation: `FUTEX_WAIT_PRIVATE`, `|FUTEX_CLOCK_REALTIME`.
    FutexOp,
    /// futex's `val3`, a bitset for the operation at that index.
    FutexVal3(usize),
    /// A socket option name, by the level at that index.
    SockOpt(usize),
    /// setsockopt's value, read as an `int` when the length at that index
    /// is 4: `[1]`.
    SockOptVal(usize),
    /// socket(2)'s protocol, named by the domain at that index.
    Protocol(usize),
    /// fcntl's third argument, by the command at that index.
    FcntlArg(usize),
    /// A `sigset_t *` the call reads: `[INT TERM]`.
    SigSet,
    /// rt_sigaction's `act`: the handler, mask, flags and restorer.
    SigAction,
    /// A `struct rlimit *` the call reads.
    Rlimit,
    /// epoll_ctl's `struct epoll_event *`.
    EpollEvent,
    /// capget/capset's `cap_user_header_t`.
    CapHeader,
    /// capset's `cap_user_data_t` (two 32-bit halves of each set).
    CapData,
    /// poll's `struct pollfd` array, as long as the count at that index.
    PollFds(usize),
}

/// What decoding a value of some [`Kind`] looks at besides its register,
/// from the least to the most: a call reaches as far as its widest
/// parameter ([`super::reach`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Nothing: the value is the register's.
    Registers,
    /// A C string the register points to (with the cwd or the dirfd's
    /// path for a relative path), or what an fd refers to: read in
    /// advance by [`super::gather`], the same way for every syscall.
    Gathered,
    /// Memory laid out as only the decoder knows (structures, arrays,
    /// socket addresses) or a socket's local address.
    Decoder,
}

impl Kind {
    /// What decoding a value of this kind looks at: anything but
    /// [`Reach::Registers`] looks at the target (its memory, its fds in
    /// /proc/TID/fd, its cwd or its sockets) and has to be read while the
    /// call waits: once answered, the program may change or free what it
    /// pointed to, or close the fd.
    pub(crate) const fn reach(self) -> Reach {
        use Kind::*;
        match self {
            Int | UInt | Long | Size | Ptr | Hex | Mode | CreateMode | OpenFlags | Flags(_)
            | AtFlags(_) | Named(_) | Signal | Unused | Id | Ioctl | FutexOp | FutexVal3(_)
            | SockOpt(_) | Protocol(_) | FcntlArg(_) => Reach::Registers,
            Fd | DirFd | Path | PathAt(_) | Str => Reach::Gathered,
            SockFd | Addr(_) | Argv | OpenHow | CloneArgs | PrctlArg(_) | SockOptVal(_)
            | SigSet | SigAction | Rlimit | EpollEvent | CapHeader | CapData | PollFds(_) => {
                Reach::Decoder
            }
        }
    }
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
            ("protocol", Protocol(0)),
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

        // Files and fds.
        Sysno::read | Sysno::write => &[("fd", Fd), ("buf", Ptr), ("count", Size)],
        Sysno::pread64 | Sysno::pwrite64 => {
            &[("fd", Fd), ("buf", Ptr), ("count", Size), ("offset", Long)]
        }
        Sysno::readv | Sysno::writev => &[("fd", Fd), ("iov", Ptr), ("iovcnt", Int)],
        Sysno::preadv | Sysno::pwritev => {
            &[("fd", Fd), ("iov", Ptr), ("iovcnt", Int), ("offset", Long)]
        }
        // The kernel's (fd, vec, vlen, pos_l, pos_h, flags): flags are in
        // the sixth register.
        Sysno::preadv2 | Sysno::pwritev2 => &[
            ("fd", Fd),
            ("iov", Ptr),
            ("iovcnt", Int),
            ("offset", Long),
            ("offset_high", Unused),
            ("flags", Flags(&RWF)),
        ],
        Sysno::close | Sysno::fsync | Sysno::fdatasync | Sysno::fchdir | Sysno::syncfs => {
            &[("fd", Fd)]
        }
        Sysno::close_range => &[
            ("first", UInt),
            ("last", UInt),
            ("flags", Flags(&CLOSE_RANGE)),
        ],
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
            ("mask", Flags(&STATX_MASK)),
            ("statxbuf", Ptr),
        ],
        Sysno::statfs => &[("path", Path), ("buf", Ptr)],
        Sysno::fstatfs => &[("fd", Fd), ("buf", Ptr)],
        Sysno::ustat => &[("dev", Hex), ("ubuf", Ptr)],
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
        Sysno::chdir | Sysno::chroot | Sysno::acct | Sysno::swapoff | Sysno::uselib => {
            &[("path", Path)]
        }
        Sysno::swapon => &[("path", Path), ("swapflags", Hex)],
        Sysno::pivot_root => &[("new_root", Path), ("put_old", Path)],
        Sysno::getcwd => &[("buf", Ptr), ("size", Size)],
        Sysno::getdents | Sysno::getdents64 => &[("fd", Fd), ("dirp", Ptr), ("count", UInt)],
        Sysno::lseek => &[("fd", Fd), ("offset", Long), ("whence", Named(&WHENCE))],
        Sysno::ftruncate => &[("fd", Fd), ("length", Long)],
        Sysno::fallocate => &[
            ("fd", Fd),
            ("mode", Flags(&FALLOC)),
            ("offset", Long),
            ("len", Long),
        ],
        Sysno::fadvise64 => &[
            ("fd", Fd),
            ("offset", Long),
            ("len", Long),
            ("advice", Named(&FADVISE)),
        ],
        Sysno::readahead => &[("fd", Fd), ("offset", Long), ("count", Size)],
        Sysno::sync_file_range => &[
            ("fd", Fd),
            ("offset", Long),
            ("nbytes", Long),
            ("flags", Flags(&SYNC_FILE_RANGE)),
        ],
        Sysno::fchmod => &[("fd", Fd), ("mode", Mode)],
        Sysno::chown | Sysno::lchown => &[("pathname", Path), ("owner", Id), ("group", Id)],
        Sysno::fchown => &[("fd", Fd), ("owner", Id), ("group", Id)],
        Sysno::fchownat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("owner", Id),
            ("group", Id),
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
        Sysno::futimesat => &[("dirfd", DirFd), ("pathname", PathAt(0)), ("times", Ptr)],
        Sysno::utimensat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("times", Ptr),
            ("flags", AtFlags(&AT)),
        ],
        Sysno::umask => &[("mask", Mode)],
        Sysno::flock => &[("fd", Fd), ("operation", Flags(&FLOCK))],
        Sysno::fcntl => &[("fd", Fd), ("cmd", Named(&FCNTL_CMD)), ("arg", FcntlArg(1))],
        Sysno::ioctl => &[("fd", Fd), ("request", Ioctl), ("arg", Hex)],
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
        Sysno::splice => &[
            ("fd_in", Fd),
            ("off_in", Ptr),
            ("fd_out", Fd),
            ("off_out", Ptr),
            ("len", Size),
            ("flags", Flags(&SPLICE)),
        ],
        Sysno::tee => &[
            ("fd_in", Fd),
            ("fd_out", Fd),
            ("len", Size),
            ("flags", Flags(&SPLICE)),
        ],
        Sysno::vmsplice => &[
            ("fd", Fd),
            ("iov", Ptr),
            ("nr_segs", Size),
            ("flags", Flags(&SPLICE)),
        ],
        Sysno::cachestat => &[
            ("fd", Fd),
            ("cstat_range", Ptr),
            ("cstat", Ptr),
            ("flags", UInt),
        ],
        Sysno::setxattr | Sysno::lsetxattr => &[
            ("path", Path),
            ("name", Str),
            ("value", Ptr),
            ("size", Size),
            ("flags", Flags(&XATTR)),
        ],
        Sysno::fsetxattr => &[
            ("fd", Fd),
            ("name", Str),
            ("value", Ptr),
            ("size", Size),
            ("flags", Flags(&XATTR)),
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
        Sysno::setxattrat | Sysno::getxattrat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("at_flags", AtFlags(&AT)),
            ("name", Str),
            ("uargs", Ptr),
            ("usize", Size),
        ],
        Sysno::listxattrat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("at_flags", AtFlags(&AT)),
            ("list", Ptr),
            ("size", Size),
        ],
        Sysno::removexattrat => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("at_flags", AtFlags(&AT)),
            ("name", Str),
        ],
        Sysno::file_getattr | Sysno::file_setattr => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("ufattr", Ptr),
            ("usize", Size),
            ("at_flags", AtFlags(&AT)),
        ],
        Sysno::inotify_add_watch => &[("fd", Fd), ("pathname", Path), ("mask", Flags(&IN_MASK))],
        Sysno::inotify_rm_watch => &[("fd", Fd), ("wd", Int)],
        Sysno::fanotify_init => &[("flags", Hex), ("event_f_flags", OpenFlags)],
        Sysno::fanotify_mark => &[
            ("fanotify_fd", Fd),
            ("flags", Hex),
            ("mask", Hex),
            ("dirfd", DirFd),
            ("pathname", PathAt(3)),
        ],
        Sysno::memfd_create => &[("name", Str), ("flags", Flags(&MFD))],
        Sysno::memfd_secret => &[("flags", Flags(&CLOEXEC))],
        Sysno::userfaultfd => &[("flags", Flags(&USERFAULTFD))],

        // Mounts and quotas.
        Sysno::mount => &[
            ("source", Str),
            ("target", Path),
            ("filesystemtype", Str),
            ("mountflags", Flags(&MOUNT)),
            ("data", Ptr),
        ],
        Sysno::umount2 => &[("target", Path), ("flags", Flags(&UMOUNT))],
        Sysno::open_tree => &[("dirfd", DirFd), ("filename", PathAt(0)), ("flags", Hex)],
        Sysno::open_tree_attr => &[
            ("dirfd", DirFd),
            ("filename", PathAt(0)),
            ("flags", Hex),
            ("uattr", Ptr),
            ("usize", Size),
        ],
        Sysno::move_mount => &[
            ("from_dirfd", DirFd),
            ("from_pathname", PathAt(0)),
            ("to_dirfd", DirFd),
            ("to_pathname", PathAt(2)),
            ("flags", Hex),
        ],
        Sysno::fsopen => &[("fsname", Str), ("flags", Hex)],
        Sysno::fsconfig => &[
            ("fd", Fd),
            ("cmd", UInt),
            ("key", Str),
            ("value", Ptr),
            ("aux", Int),
        ],
        Sysno::fsmount => &[("fd", Fd), ("flags", Hex), ("attr_flags", Hex)],
        Sysno::fspick => &[("dirfd", DirFd), ("pathname", PathAt(0)), ("flags", Hex)],
        Sysno::mount_setattr => &[
            ("dirfd", DirFd),
            ("pathname", PathAt(0)),
            ("flags", AtFlags(&AT)),
            ("attr", Ptr),
            ("size", Size),
        ],
        Sysno::statmount => &[
            ("req", Ptr),
            ("buf", Ptr),
            ("bufsize", Size),
            ("flags", Hex),
        ],
        Sysno::listmount => &[
            ("req", Ptr),
            ("mnt_ids", Ptr),
            ("nr_mnt_ids", Size),
            ("flags", Hex),
        ],
        Sysno::quotactl => &[("cmd", Hex), ("special", Path), ("id", Int), ("addr", Ptr)],
        Sysno::quotactl_fd => &[("fd", Fd), ("cmd", Hex), ("id", Int), ("addr", Ptr)],

        // Memory.
        Sysno::mmap => &[
            ("addr", Ptr),
            ("length", Size),
            ("prot", Flags(&PROT)),
            ("flags", Flags(&MAP)),
            ("fd", Fd),
            ("offset", Long),
        ],
        Sysno::mprotect => &[("addr", Ptr), ("len", Size), ("prot", Flags(&PROT))],
        Sysno::pkey_mprotect => &[
            ("addr", Ptr),
            ("len", Size),
            ("prot", Flags(&PROT)),
            ("pkey", Int),
        ],
        Sysno::pkey_alloc => &[("flags", Hex), ("access_rights", Flags(&PKEY_ACCESS))],
        Sysno::pkey_free => &[("pkey", Int)],
        Sysno::munmap | Sysno::mlock | Sysno::munlock => &[("addr", Ptr), ("len", Size)],
        Sysno::mlock2 => &[("addr", Ptr), ("len", Size), ("flags", Flags(&MLOCK2))],
        Sysno::mlockall => &[("flags", Flags(&MLOCKALL))],
        Sysno::mseal | Sysno::map_shadow_stack => &[("addr", Ptr), ("len", Size), ("flags", Hex)],
        Sysno::mremap => &[
            ("old_address", Ptr),
            ("old_size", Size),
            ("new_size", Size),
            ("flags", Flags(&MREMAP)),
            ("new_address", Ptr),
        ],
        Sysno::remap_file_pages => &[
            ("addr", Ptr),
            ("size", Size),
            ("prot", Flags(&PROT)),
            ("pgoff", Size),
            ("flags", Flags(&MAP)),
        ],
        Sysno::madvise => &[("addr", Ptr), ("length", Size), ("advice", Named(&MADVISE))],
        Sysno::process_madvise => &[
            ("pidfd", Fd),
            ("iovec", Ptr),
            ("vlen", Size),
            ("advice", Named(&MADVISE)),
            ("flags", Hex),
        ],
        Sysno::mincore => &[("addr", Ptr), ("length", Size), ("vec", Ptr)],
        Sysno::msync => &[("addr", Ptr), ("length", Size), ("flags", Flags(&MSYNC))],
        Sysno::brk => &[("addr", Ptr)],
        Sysno::mbind => &[
            ("addr", Ptr),
            ("len", Size),
            ("mode", Int),
            ("nodemask", Ptr),
            ("maxnode", Size),
            ("flags", Hex),
        ],
        Sysno::set_mempolicy => &[("mode", Int), ("nodemask", Ptr), ("maxnode", Size)],
        Sysno::get_mempolicy => &[
            ("mode", Ptr),
            ("nodemask", Ptr),
            ("maxnode", Size),
            ("addr", Ptr),
            ("flags", Hex),
        ],
        Sysno::set_mempolicy_home_node => &[
            ("start", Ptr),
            ("len", Size),
            ("home_node", Size),
            ("flags", Hex),
        ],
        Sysno::migrate_pages => &[
            ("pid", Int),
            ("maxnode", Size),
            ("old_nodes", Ptr),
            ("new_nodes", Ptr),
        ],
        Sysno::move_pages => &[
            ("pid", Int),
            ("count", Size),
            ("pages", Ptr),
            ("nodes", Ptr),
            ("status", Ptr),
            ("flags", Hex),
        ],
        Sysno::process_vm_readv | Sysno::process_vm_writev => &[
            ("pid", Int),
            ("local_iov", Ptr),
            ("liovcnt", Size),
            ("remote_iov", Ptr),
            ("riovcnt", Size),
            ("flags", Hex),
        ],
        Sysno::membarrier => &[("cmd", Named(&MEMBARRIER)), ("flags", Hex), ("cpu_id", Int)],

        // Sockets.
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
            ("protocol", Protocol(0)),
            ("sv", Ptr),
        ],
        Sysno::setsockopt => &[
            ("sockfd", Fd),
            ("level", Named(&SOCK_LEVEL)),
            ("optname", SockOpt(1)),
            ("optval", SockOptVal(4)),
            ("optlen", UInt),
        ],
        Sysno::getsockopt => &[
            ("sockfd", Fd),
            ("level", Named(&SOCK_LEVEL)),
            ("optname", SockOpt(1)),
            ("optval", Ptr),
            ("optlen", Ptr),
        ],

        // Waiting for events.
        Sysno::poll => &[("fds", PollFds(1)), ("nfds", UInt), ("timeout", Int)],
        Sysno::ppoll => &[
            ("fds", PollFds(1)),
            ("nfds", UInt),
            ("tmo_p", Ptr),
            ("sigmask", SigSet),
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
        Sysno::epoll_create => &[("size", Int)],
        Sysno::epoll_create1 => &[("flags", Flags(&EPOLL_CREATE))],
        Sysno::epoll_ctl => &[
            ("epfd", Fd),
            ("op", Named(&EPOLL_CTL)),
            ("fd", Fd),
            ("event", EpollEvent),
        ],
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
            ("sigmask", SigSet),
            ("sigsetsize", Size),
        ],
        Sysno::epoll_pwait2 => &[
            ("epfd", Fd),
            ("events", Ptr),
            ("maxevents", Int),
            ("timeout", Ptr),
            ("sigmask", SigSet),
            ("sigsetsize", Size),
        ],
        // Never implemented on x86_64: always ENOSYS.
        Sysno::epoll_ctl_old | Sysno::epoll_wait_old => &GENERIC[..4],
        Sysno::eventfd => &[("initval", UInt)],
        Sysno::eventfd2 => &[("initval", UInt), ("flags", Flags(&EVENTFD))],
        Sysno::timerfd_create => &[("clockid", Named(&CLOCKS)), ("flags", Flags(&TFD_CREATE))],
        Sysno::timerfd_settime => &[
            ("fd", Fd),
            ("flags", Flags(&TFD_SETTIME)),
            ("new_value", Ptr),
            ("old_value", Ptr),
        ],
        Sysno::timerfd_gettime => &[("fd", Fd), ("curr_value", Ptr)],
        Sysno::signalfd => &[("fd", Fd), ("mask", SigSet), ("sizemask", Size)],
        Sysno::signalfd4 => &[
            ("fd", Fd),
            ("mask", SigSet),
            ("sizemask", Size),
            ("flags", Flags(&SFD)),
        ],
        Sysno::inotify_init1 => &[("flags", Flags(&IN_INIT))],
        Sysno::io_setup => &[("nr_events", UInt), ("ctx_idp", Ptr)],
        Sysno::io_destroy => &[("ctx_id", Hex)],
        Sysno::io_submit => &[("ctx_id", Hex), ("nr", Long), ("iocbpp", Ptr)],
        Sysno::io_cancel => &[("ctx_id", Hex), ("iocb", Ptr), ("result", Ptr)],
        Sysno::io_getevents => &[
            ("ctx_id", Hex),
            ("min_nr", Long),
            ("nr", Long),
            ("events", Ptr),
            ("timeout", Ptr),
        ],
        Sysno::io_pgetevents => &[
            ("ctx_id", Hex),
            ("min_nr", Long),
            ("nr", Long),
            ("events", Ptr),
            ("timeout", Ptr),
            ("usig", Ptr),
        ],
        Sysno::io_uring_setup => &[("entries", UInt), ("p", Ptr)],
        Sysno::io_uring_enter => &[
            ("fd", Fd),
            ("to_submit", UInt),
            ("min_complete", UInt),
            ("flags", Hex),
            ("sig", Ptr),
            ("sz", Size),
        ],
        Sysno::io_uring_register => &[
            ("fd", Fd),
            ("opcode", UInt),
            ("arg", Ptr),
            ("nr_args", UInt),
        ],

        // Signals.
        Sysno::rt_sigaction => &[
            ("signum", Signal),
            ("act", SigAction),
            ("oldact", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::rt_sigprocmask => &[
            ("how", Named(&SIGPROCMASK_HOW)),
            ("set", SigSet),
            ("oldset", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::rt_sigpending => &[("set", Ptr), ("sigsetsize", Size)],
        Sysno::rt_sigsuspend => &[("mask", SigSet), ("sigsetsize", Size)],
        Sysno::rt_sigtimedwait => &[
            ("set", SigSet),
            ("info", Ptr),
            ("timeout", Ptr),
            ("sigsetsize", Size),
        ],
        Sysno::rt_sigqueueinfo => &[("tgid", Int), ("sig", Signal), ("info", Ptr)],
        Sysno::rt_tgsigqueueinfo => &[("tgid", Int), ("tid", Int), ("sig", Signal), ("info", Ptr)],
        Sysno::sigaltstack => &[("ss", Ptr), ("old_ss", Ptr)],
        Sysno::pidfd_open => &[("pid", Int), ("flags", Flags(&PIDFD_OPEN))],
        Sysno::pidfd_getfd => &[("pidfd", Fd), ("targetfd", Int), ("flags", Hex)],
        Sysno::pidfd_send_signal => &[
            ("pidfd", Fd),
            ("sig", Signal),
            ("info", Ptr),
            ("flags", Hex),
        ],

        // Processes.
        Sysno::wait4 => &[
            ("pid", Int),
            ("wstatus", Ptr),
            ("options", Flags(&WAIT4)),
            ("rusage", Ptr),
        ],
        Sysno::waitid => &[
            ("idtype", Named(&IDTYPE)),
            ("id", Int),
            ("infop", Ptr),
            ("options", Flags(&WAITID)),
            ("rusage", Ptr),
        ],
        Sysno::exit | Sysno::exit_group => &[("status", Int)],
        Sysno::unshare => &[("flags", Flags(&CLONE_NS))],
        Sysno::setns => &[("fd", Fd), ("nstype", Flags(&CLONE_NS))],
        Sysno::prctl => &[
            ("option", Named(&PRCTL)),
            ("arg2", PrctlArg(2)),
            ("arg3", PrctlArg(3)),
            ("arg4", PrctlArg(4)),
            ("arg5", PrctlArg(5)),
        ],
        Sysno::arch_prctl => &[("code", Named(&ARCH_PRCTL)), ("addr", Hex)],
        Sysno::seccomp => &[
            ("operation", Named(&SECCOMP_OP)),
            ("flags", Flags(&SECCOMP_FLAGS)),
            ("args", Ptr),
        ],
        Sysno::set_tid_address => &[("tidptr", Ptr)],
        Sysno::set_robust_list => &[("head", Ptr), ("len", Size)],
        Sysno::get_robust_list => &[("pid", Int), ("head_ptr", Ptr), ("len_ptr", Ptr)],
        Sysno::rseq => &[
            ("rseq", Ptr),
            ("rseq_len", UInt),
            ("flags", Int),
            ("sig", Hex),
        ],
        Sysno::futex => &[
            ("uaddr", Ptr),
            ("futex_op", FutexOp),
            ("val", UInt),
            ("timeout", Ptr),
            ("uaddr2", Ptr),
            ("val3", FutexVal3(1)),
        ],
        Sysno::futex_waitv => &[
            ("waiters", Ptr),
            ("nr_futexes", UInt),
            ("flags", UInt),
            ("timeout", Ptr),
            ("clockid", Named(&CLOCKS)),
        ],
        Sysno::futex_wake => &[("uaddr", Ptr), ("mask", Hex), ("nr", Int), ("flags", Hex)],
        Sysno::futex_wait => &[
            ("uaddr", Ptr),
            ("val", Hex),
            ("mask", Hex),
            ("flags", Hex),
            ("timeout", Ptr),
            ("clockid", Named(&CLOCKS)),
        ],
        Sysno::futex_requeue => &[
            ("waiters", Ptr),
            ("flags", Hex),
            ("nr_wake", Int),
            ("nr_requeue", Int),
        ],
        Sysno::prlimit64 => &[
            ("pid", Int),
            ("resource", Named(&RLIMIT)),
            ("new_limit", Rlimit),
            ("old_limit", Ptr),
        ],
        Sysno::getrlimit => &[("resource", Named(&RLIMIT)), ("rlim", Ptr)],
        Sysno::setrlimit => &[("resource", Named(&RLIMIT)), ("rlim", Rlimit)],
        Sysno::getrusage => &[("who", Named(&RUSAGE)), ("usage", Ptr)],
        Sysno::getpriority => &[("which", Named(&PRIO_WHICH)), ("who", Int)],
        Sysno::setpriority => &[("which", Named(&PRIO_WHICH)), ("who", Int), ("prio", Int)],
        Sysno::ioprio_get => &[("which", Int), ("who", Int)],
        Sysno::ioprio_set => &[("which", Int), ("who", Int), ("ioprio", Int)],
        Sysno::sched_getaffinity | Sysno::sched_setaffinity => {
            &[("pid", Int), ("cpusetsize", Size), ("mask", Ptr)]
        }
        Sysno::sched_setparam | Sysno::sched_getparam => &[("pid", Int), ("param", Ptr)],
        Sysno::sched_setscheduler => &[
            ("pid", Int),
            ("policy", Named(&SCHED_POLICY)),
            ("param", Ptr),
        ],
        Sysno::sched_getscheduler => &[("pid", Int)],
        Sysno::sched_get_priority_max | Sysno::sched_get_priority_min => {
            &[("policy", Named(&SCHED_POLICY))]
        }
        Sysno::sched_rr_get_interval => &[("pid", Int), ("tp", Ptr)],
        Sysno::sched_setattr => &[("pid", Int), ("attr", Ptr), ("flags", UInt)],
        Sysno::sched_getattr => &[("pid", Int), ("attr", Ptr), ("size", UInt), ("flags", UInt)],
        Sysno::getcpu => &[("cpu", Ptr), ("node", Ptr), ("tcache", Ptr)],
        Sysno::getrandom => &[("buf", Ptr), ("buflen", Size), ("flags", Flags(&GETRANDOM))],
        Sysno::kcmp => &[
            ("pid1", Int),
            ("pid2", Int),
            ("type", Int),
            ("idx1", Hex),
            ("idx2", Hex),
        ],
        Sysno::personality => &[("persona", Hex)],

        // Time.
        Sysno::nanosleep => &[("req", Ptr), ("rem", Ptr)],
        Sysno::clock_gettime | Sysno::clock_getres | Sysno::clock_settime => {
            &[("clockid", Named(&CLOCKS)), ("tp", Ptr)]
        }
        Sysno::clock_adjtime => &[("clockid", Named(&CLOCKS)), ("buf", Ptr)],
        Sysno::clock_nanosleep => &[
            ("clockid", Named(&CLOCKS)),
            ("flags", Flags(&TIMER_ABSTIME)),
            ("request", Ptr),
            ("remain", Ptr),
        ],
        Sysno::gettimeofday | Sysno::settimeofday => &[("tv", Ptr), ("tz", Ptr)],
        Sysno::adjtimex => &[("buf", Ptr)],
        Sysno::time => &[("tloc", Ptr)],
        Sysno::getitimer => &[("which", Named(&ITIMER)), ("curr_value", Ptr)],
        Sysno::setitimer => &[
            ("which", Named(&ITIMER)),
            ("new_value", Ptr),
            ("old_value", Ptr),
        ],
        Sysno::timer_create => &[("clockid", Named(&CLOCKS)), ("sevp", Ptr), ("timerid", Ptr)],
        Sysno::timer_settime => &[
            ("timerid", Int),
            ("flags", Flags(&TIMER_ABSTIME)),
            ("new_value", Ptr),
            ("old_value", Ptr),
        ],
        Sysno::timer_gettime => &[("timerid", Int), ("curr_value", Ptr)],
        Sysno::timer_getoverrun | Sysno::timer_delete => &[("timerid", Int)],
        Sysno::alarm => &[("seconds", UInt)],
        Sysno::uname | Sysno::sysinfo | Sysno::times => &[("buf", Ptr)],

        // Identity.
        Sysno::setuid | Sysno::setgid | Sysno::setfsuid | Sysno::setfsgid => &[("id", Id)],
        Sysno::setreuid => &[("ruid", Id), ("euid", Id)],
        Sysno::setregid => &[("rgid", Id), ("egid", Id)],
        Sysno::setresuid => &[("ruid", Id), ("euid", Id), ("suid", Id)],
        Sysno::setresgid => &[("rgid", Id), ("egid", Id), ("sgid", Id)],
        Sysno::getresuid => &[("ruid", Ptr), ("euid", Ptr), ("suid", Ptr)],
        Sysno::getresgid => &[("rgid", Ptr), ("egid", Ptr), ("sgid", Ptr)],
        Sysno::getgroups => &[("size", Int), ("list", Ptr)],
        Sysno::setgroups => &[("size", Size), ("list", Ptr)],
        Sysno::capget => &[("hdrp", CapHeader), ("datap", Ptr)],
        Sysno::capset => &[("hdrp", CapHeader), ("datap", CapData)],
        Sysno::setpgid => &[("pid", Int), ("pgid", Int)],
        Sysno::getpgid | Sysno::getsid => &[("pid", Int)],
        Sysno::sethostname | Sysno::setdomainname => &[("name", Str), ("len", Size)],

        // System V IPC and POSIX message queues.
        Sysno::shmget => &[("key", Int), ("size", Size), ("shmflg", Hex)],
        Sysno::shmat => &[("shmid", Int), ("shmaddr", Ptr), ("shmflg", Hex)],
        Sysno::shmdt => &[("shmaddr", Ptr)],
        Sysno::shmctl => &[("shmid", Int), ("cmd", Named(&IPC_CMD)), ("buf", Ptr)],
        Sysno::semget => &[("key", Int), ("nsems", Int), ("semflg", Hex)],
        Sysno::semop => &[("semid", Int), ("sops", Ptr), ("nsops", Size)],
        Sysno::semtimedop => &[
            ("semid", Int),
            ("sops", Ptr),
            ("nsops", Size),
            ("timeout", Ptr),
        ],
        Sysno::semctl => &[("semid", Int), ("semnum", Int), ("cmd", Int), ("arg", Hex)],
        Sysno::msgget => &[("key", Int), ("msgflg", Hex)],
        Sysno::msgsnd => &[
            ("msqid", Int),
            ("msgp", Ptr),
            ("msgsz", Size),
            ("msgflg", Hex),
        ],
        Sysno::msgrcv => &[
            ("msqid", Int),
            ("msgp", Ptr),
            ("msgsz", Size),
            ("msgtyp", Long),
            ("msgflg", Hex),
        ],
        Sysno::msgctl => &[("msqid", Int), ("cmd", Named(&IPC_CMD)), ("buf", Ptr)],
        Sysno::mq_open => &[
            ("name", Str),
            ("oflag", OpenFlags),
            ("mode", CreateMode),
            ("attr", Ptr),
        ],
        Sysno::mq_unlink => &[("name", Str)],
        Sysno::mq_timedsend => &[
            ("mqdes", Fd),
            ("msg_ptr", Ptr),
            ("msg_len", Size),
            ("msg_prio", UInt),
            ("abs_timeout", Ptr),
        ],
        Sysno::mq_timedreceive => &[
            ("mqdes", Fd),
            ("msg_ptr", Ptr),
            ("msg_len", Size),
            ("msg_prio", Ptr),
            ("abs_timeout", Ptr),
        ],
        Sysno::mq_notify => &[("mqdes", Fd), ("sevp", Ptr)],
        Sysno::mq_getsetattr => &[("mqdes", Fd), ("newattr", Ptr), ("oldattr", Ptr)],

        // Administration: modules, keys, kexec, BPF, perf, landlock, LSM.
        Sysno::init_module => &[("module_image", Ptr), ("len", Size), ("param_values", Str)],
        Sysno::finit_module => &[("fd", Fd), ("param_values", Str), ("flags", Hex)],
        Sysno::delete_module => &[("name", Str), ("flags", Hex)],
        Sysno::kexec_load => &[
            ("entry", Hex),
            ("nr_segments", Size),
            ("segments", Ptr),
            ("flags", Hex),
        ],
        Sysno::kexec_file_load => &[
            ("kernel_fd", Fd),
            ("initrd_fd", Fd),
            ("cmdline_len", Size),
            ("cmdline", Str),
            ("flags", Hex),
        ],
        Sysno::reboot => &[("magic", Hex), ("magic2", Hex), ("cmd", Hex), ("arg", Ptr)],
        Sysno::add_key => &[
            ("type", Str),
            ("description", Str),
            ("payload", Ptr),
            ("plen", Size),
            ("keyring", Int),
        ],
        Sysno::request_key => &[
            ("type", Str),
            ("description", Str),
            ("callout_info", Str),
            ("dest_keyring", Int),
        ],
        Sysno::keyctl => &[
            ("operation", Int),
            ("arg2", Hex),
            ("arg3", Hex),
            ("arg4", Hex),
            ("arg5", Hex),
        ],
        Sysno::bpf => &[("cmd", Int), ("attr", Ptr), ("size", UInt)],
        Sysno::perf_event_open => &[
            ("attr", Ptr),
            ("pid", Int),
            ("cpu", Int),
            ("group_fd", Fd),
            ("flags", Hex),
        ],
        Sysno::landlock_create_ruleset => &[("attr", Ptr), ("size", Size), ("flags", Hex)],
        Sysno::landlock_add_rule => &[
            ("ruleset_fd", Fd),
            ("rule_type", Int),
            ("rule_attr", Ptr),
            ("flags", Hex),
        ],
        Sysno::landlock_restrict_self => &[("ruleset_fd", Fd), ("flags", Hex)],
        Sysno::lsm_get_self_attr => &[("attr", UInt), ("ctx", Ptr), ("size", Ptr), ("flags", UInt)],
        Sysno::lsm_set_self_attr => &[
            ("attr", UInt),
            ("ctx", Ptr),
            ("size", UInt),
            ("flags", UInt),
        ],
        Sysno::lsm_list_modules => &[("ids", Ptr), ("size", Ptr), ("flags", UInt)],
        Sysno::process_mrelease => &[("pidfd", Fd), ("flags", Hex)],
        Sysno::syslog => &[("type", Int), ("bufp", Ptr), ("len", Int)],
        Sysno::sysfs => &[("option", Int), ("arg1", Hex), ("arg2", Hex)],
        Sysno::_sysctl => &[("args", Ptr)],
        Sysno::iopl => &[("level", Int)],
        Sysno::ioperm => &[("from", Hex), ("num", Size), ("turn_on", Int)],
        Sysno::modify_ldt => &[("func", Int), ("ptr", Ptr), ("bytecount", Size)],
        Sysno::set_thread_area | Sysno::get_thread_area => &[("u_info", Ptr)],
        Sysno::lookup_dcookie => &[("cookie", Hex), ("buffer", Ptr), ("len", Size)],
        Sysno::create_module => &[("name", Str), ("size", Size)],
        Sysno::get_kernel_syms => &[("table", Ptr)],
        // Entry points that exist in the table but were never implemented
        // (or removed): the kernel answers ENOSYS whatever the arguments.
        Sysno::query_module
        | Sysno::getpmsg
        | Sysno::putpmsg
        | Sysno::afs_syscall
        | Sysno::vserver => &GENERIC[..5],
        Sysno::nfsservctl | Sysno::tuxcall | Sysno::security => &GENERIC[..3],

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
        | Sysno::restart_syscall
        | Sysno::munlockall
        | Sysno::vhangup
        | Sysno::uprobe
        | Sysno::uretprobe
        | Sysno::inotify_init => &[],
        _ => return None,
    })
}

/// Six raw words, for entry points whose arguments mean nothing.
static GENERIC: [(&str, Kind); 6] = [
    ("arg0", Kind::Hex),
    ("arg1", Kind::Hex),
    ("arg2", Kind::Hex),
    ("arg3", Kind::Hex),
    ("arg4", Kind::Hex),
    ("arg5", Kind::Hex),
];

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

    /// Every x86_64 syscall's argument count, written from the kernel's
    /// signatures in man 2 (SYNOPSIS; where the libc wrapper differs, the
    /// kernel's: clone has five, preadv2 has its flags in the sixth
    /// register) and cross-checked with strace's x86_64 syscall table.
    /// Entry points that were never implemented keep the count the
    /// kernel's table gives them.
    const ARG_COUNTS: &str = "
        read 3 write 3 open 3 close 1 stat 2 fstat 2 lstat 2 poll 3 lseek 3 mmap 6 mprotect 3 munmap 2 brk 1
        rt_sigaction 4 rt_sigprocmask 4 rt_sigreturn 0 ioctl 3 pread64 4 pwrite64 4 readv 3 writev 3 access 2 pipe 1
        select 5 sched_yield 0 mremap 5 msync 3 mincore 3 madvise 3 shmget 3 shmat 3 shmctl 3 dup 1 dup2 2 pause 0
        nanosleep 2 getitimer 2 alarm 1 setitimer 3 getpid 0 sendfile 4 socket 3 connect 3 accept 3 sendto 6
        recvfrom 6 sendmsg 3 recvmsg 3 shutdown 2 bind 3 listen 2 getsockname 3 getpeername 3 socketpair 4
        setsockopt 5 getsockopt 5 clone 5 fork 0 vfork 0 execve 3 exit 1 wait4 4 kill 2 uname 1 semget 3 semop 3
        semctl 4 shmdt 1 msgget 2 msgsnd 4 msgrcv 5 msgctl 3 fcntl 3 flock 2 fsync 1 fdatasync 1 truncate 2
        ftruncate 2 getdents 3 getcwd 2 chdir 1 fchdir 1 rename 2 mkdir 2 rmdir 1 creat 2 link 2 unlink 1 symlink 2
        readlink 3 chmod 2 fchmod 2 chown 3 fchown 3 lchown 3 umask 1 gettimeofday 2 getrlimit 2 getrusage 2
        sysinfo 1 times 1 ptrace 4 getuid 0 syslog 3 getgid 0 setuid 1 setgid 1 geteuid 0 getegid 0 setpgid 2
        getppid 0 getpgrp 0 setsid 0 setreuid 2 setregid 2 getgroups 2 setgroups 2 setresuid 3 getresuid 3
        setresgid 3 getresgid 3 getpgid 1 setfsuid 1 setfsgid 1 getsid 1 capget 2 capset 2 rt_sigpending 2
        rt_sigtimedwait 4 rt_sigqueueinfo 3 rt_sigsuspend 2 sigaltstack 2 utime 2 mknod 3 uselib 1 personality 1
        ustat 2 statfs 2 fstatfs 2 sysfs 3 getpriority 2 setpriority 3 sched_setparam 2 sched_getparam 2
        sched_setscheduler 3 sched_getscheduler 1 sched_get_priority_max 1 sched_get_priority_min 1
        sched_rr_get_interval 2 mlock 2 munlock 2 mlockall 1 munlockall 0 vhangup 0 modify_ldt 3 pivot_root 2
        _sysctl 1 prctl 5 arch_prctl 2 adjtimex 1 setrlimit 2 chroot 1 sync 0 acct 1 settimeofday 2 mount 5
        umount2 2 swapon 2 swapoff 1 reboot 4 sethostname 2 setdomainname 2 iopl 1 ioperm 3 create_module 2
        init_module 3 delete_module 2 get_kernel_syms 1 query_module 5 quotactl 4 nfsservctl 3 getpmsg 5
        putpmsg 5 afs_syscall 5 tuxcall 3 security 3 gettid 0 readahead 3 setxattr 5 lsetxattr 5 fsetxattr 5
        getxattr 4 lgetxattr 4 fgetxattr 4 listxattr 3 llistxattr 3 flistxattr 3 removexattr 2 lremovexattr 2
        fremovexattr 2 tkill 2 time 1 futex 6 sched_setaffinity 3 sched_getaffinity 3 set_thread_area 1
        io_setup 2 io_destroy 1 io_getevents 5 io_submit 3 io_cancel 3 get_thread_area 1 lookup_dcookie 3
        epoll_create 1 epoll_ctl_old 4 epoll_wait_old 4 remap_file_pages 5 getdents64 3 set_tid_address 1
        restart_syscall 0 semtimedop 4 fadvise64 4 timer_create 3 timer_settime 4 timer_gettime 2
        timer_getoverrun 1 timer_delete 1 clock_settime 2 clock_gettime 2 clock_getres 2 clock_nanosleep 4
        exit_group 1 epoll_wait 4 epoll_ctl 4 tgkill 3 utimes 2 vserver 5 mbind 6 set_mempolicy 3
        get_mempolicy 5 mq_open 4 mq_unlink 1 mq_timedsend 5 mq_timedreceive 5 mq_notify 2 mq_getsetattr 3
        kexec_load 4 waitid 5 add_key 5 request_key 4 keyctl 5 ioprio_set 3 ioprio_get 2 inotify_init 0
        inotify_add_watch 3 inotify_rm_watch 2 migrate_pages 4 openat 4 mkdirat 3 mknodat 4 fchownat 5
        futimesat 3 newfstatat 4 unlinkat 3 renameat 4 linkat 5 symlinkat 3 readlinkat 4 fchmodat 3 faccessat 3
        pselect6 6 ppoll 5 unshare 1 set_robust_list 2 get_robust_list 3 splice 6 tee 4 sync_file_range 4
        vmsplice 4 move_pages 6 utimensat 4 epoll_pwait 6 signalfd 3 timerfd_create 2 eventfd 1 fallocate 4
        timerfd_settime 4 timerfd_gettime 2 accept4 4 signalfd4 4 eventfd2 2 epoll_create1 1 dup3 3 pipe2 2
        inotify_init1 1 preadv 4 pwritev 4 rt_tgsigqueueinfo 4 perf_event_open 5 recvmmsg 5 fanotify_init 2
        fanotify_mark 5 prlimit64 4 name_to_handle_at 5 open_by_handle_at 3 clock_adjtime 2 syncfs 1
        sendmmsg 4 setns 2 getcpu 3 process_vm_readv 6 process_vm_writev 6 kcmp 5 finit_module 3
        sched_setattr 3 sched_getattr 4 renameat2 5 seccomp 3 getrandom 3 memfd_create 2 kexec_file_load 5
        bpf 3 execveat 5 userfaultfd 1 membarrier 3 mlock2 3 copy_file_range 6 preadv2 6 pwritev2 6
        pkey_mprotect 4 pkey_alloc 2 pkey_free 1 statx 5 io_pgetevents 6 rseq 4 uretprobe 0
        pidfd_send_signal 4 io_uring_setup 2 io_uring_enter 6 io_uring_register 4 open_tree 3 move_mount 5
        fsopen 2 fsconfig 5 fsmount 3 fspick 3 pidfd_open 2 clone3 2 close_range 3 openat2 4 pidfd_getfd 3
        faccessat2 4 process_madvise 5 epoll_pwait2 6 mount_setattr 5 quotactl_fd 4 landlock_create_ruleset 3
        landlock_add_rule 4 landlock_restrict_self 2 memfd_secret 1 process_mrelease 2 futex_waitv 5
        set_mempolicy_home_node 4 cachestat 4 fchmodat2 4 map_shadow_stack 3 futex_wake 4 futex_wait 6
        futex_requeue 4 statmount 4 listmount 4 lsm_get_self_attr 4 lsm_set_self_attr 4 lsm_list_modules 3
        mseal 3 setxattrat 6 getxattrat 6 listxattrat 5 removexattrat 4 open_tree_attr 5 file_getattr 5
        file_setattr 5 uprobe 0
    ";

    #[test]
    fn every_syscall_has_its_parameters_with_the_right_count() {
        let toks: Vec<&str> = ARG_COUNTS.split_whitespace().collect();
        let expected: std::collections::HashMap<&str, usize> = toks
            .chunks(2)
            .map(|p| (p[0], p[1].parse().expect("a count")))
            .collect();
        assert_eq!(expected.len() * 2, toks.len(), "a name twice");
        let mut wrong = Vec::new();
        // `Sysno::iter()` stops before the last number (file_setattr):
        // the reference's names are checked too.
        let mut all: Vec<Sysno> = Sysno::iter().collect();
        for name in expected.keys() {
            match name.parse::<Sysno>() {
                Ok(s) if !all.contains(&s) => all.push(s),
                Ok(_) => {}
                Err(_) => wrong.push(format!("{name}: not a syscall")),
            }
        }
        for s in all {
            let Some(&want) = expected.get(s.name()) else {
                wrong.push(format!("{}: no reference count", s.name()));
                continue;
            };
            match params(s) {
                None => wrong.push(format!("{}: no table entry", s.name())),
                Some(p) if p.len() != want => {
                    wrong.push(format!("{}: {} parameters, want {want}", s.name(), p.len()))
                }
                Some(_) => {}
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn parameter_names_are_unique_per_call() {
        for s in Sysno::iter() {
            let Some(p) = params(s) else { continue };
            for (k, (name, _)) in p.iter().enumerate() {
                assert!(
                    p[k + 1..].iter().all(|(n, _)| n != name),
                    "{} has two {name}",
                    s.name()
                );
            }
        }
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
                    Kind::SockOpt(l) => {
                        assert!(matches!(p[*l].1, Kind::Named(_)), "{} {name}", s.name())
                    }
                    Kind::SockOptVal(l) | Kind::PollFds(l) => {
                        assert!(matches!(p[*l].1, Kind::UInt), "{} {name}", s.name())
                    }
                    Kind::Protocol(d) | Kind::FcntlArg(d) | Kind::FutexVal3(d) => assert!(
                        matches!(p[*d].1, Kind::Named(_) | Kind::FutexOp),
                        "{} {name}",
                        s.name()
                    ),
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
