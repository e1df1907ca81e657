//! Symbolic names for flag words and enumerated argument values
//! (`O_*`, `AT_*`, `CLONE_*`, address families, signals, ptrace requests).
//!
//! Values are the x86_64 Linux ones. Where `libc` has the constant it is
//! used; the few it lacks (or defines wrongly for the kernel's view) are
//! spelled out here with a comment.

/// `c_int` flag constants widened without sign extension (`CLONE_IO` is
/// negative as an `i32`).
const fn i(v: libc::c_int) -> u64 {
    v as u32 as u64
}

/// `c_uint` constants.
const fn u(v: libc::c_uint) -> u64 {
    v as u64
}

/// A multi-bit field inside a flag word that holds one value rather than
/// independent bits: open's access mode, the socket type, clone's exit
/// signal.
pub(super) struct Field {
    pub mask: u64,
    /// Names a field value; `None` leaves it out of the rendering.
    pub name: fn(u64) -> Option<String>,
    /// Render the field after the bits (clone's signal) instead of first.
    pub last: bool,
}

/// A flag word: an optional field plus named bits.
pub(super) struct FlagSet {
    pub field: Option<Field>,
    /// Named bits, in rendering order. A multi-bit name (`O_TMPFILE`,
    /// `O_SYNC`) must come before the names of its parts so it wins.
    pub bits: &'static [(u64, &'static str)],
    /// What to print when nothing is set.
    pub zero: &'static str,
    /// The argument is 64 bits wide. Otherwise it is a C `int` and the
    /// kernel only sees the low 32 bits of the register.
    pub wide: bool,
}

impl FlagSet {
    /// The value the kernel sees for a raw register value.
    pub fn width(&self, raw: u64) -> u64 {
        if self.wide { raw } else { raw & 0xffff_ffff }
    }

    /// `NAME|NAME|0x..`: the field, every named bit that is fully set, and
    /// whatever is left over in hex.
    pub fn format(&self, value: u64) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut rest = value;
        let mut field_text = None;
        if let Some(field) = &self.field {
            field_text = (field.name)(value & field.mask);
            rest &= !field.mask;
            if !field.last {
                parts.extend(field_text.take());
            }
        }
        for &(mask, name) in self.bits {
            if mask != 0 && rest & mask == mask {
                parts.push(name.to_string());
                rest &= !mask;
            }
        }
        if rest != 0 {
            parts.push(format!("{rest:#x}"));
        }
        parts.extend(field_text);
        if parts.is_empty() {
            self.zero.to_string()
        } else {
            parts.join("|")
        }
    }
}

/// A list of named values (address family, ptrace request, `whence`).
pub(super) struct Enum {
    pub names: &'static [(u64, &'static str)],
    /// See [`FlagSet::wide`].
    pub wide: bool,
}

impl Enum {
    /// The name of the value the kernel sees, if it has one.
    pub fn name(&self, raw: u64) -> Option<&'static str> {
        let v = if self.wide { raw } else { raw & 0xffff_ffff };
        self.names.iter().find(|(n, _)| *n == v).map(|(_, s)| *s)
    }
}

// ---- open(2) -------------------------------------------------------------

/// The kernel's `O_LARGEFILE` on x86_64; glibc's header defines it as 0 on
/// 64-bit targets, but the kernel sets this bit itself and it shows up in
/// flags read back from 32-bit callers and in `openat2`.
const O_LARGEFILE: u64 = 0o100000;

/// The `O_TMPFILE` bit without the `O_DIRECTORY` bit it is defined with;
/// only the pair together is a valid `O_TMPFILE`.
pub(super) const O_TMPFILE_BIT: u64 = i(libc::O_TMPFILE) & !i(libc::O_DIRECTORY);

fn access_mode(v: u64) -> Option<String> {
    Some(
        match v {
            0 => "O_RDONLY",
            1 => "O_WRONLY",
            2 => "O_RDWR",
            _ => "O_ACCMODE",
        }
        .to_string(),
    )
}

pub(super) const OPEN: FlagSet = FlagSet {
    field: Some(Field {
        mask: i(libc::O_ACCMODE),
        name: access_mode,
        last: false,
    }),
    bits: &[
        (i(libc::O_CREAT), "O_CREAT"),
        (i(libc::O_EXCL), "O_EXCL"),
        (i(libc::O_NOCTTY), "O_NOCTTY"),
        (i(libc::O_TRUNC), "O_TRUNC"),
        (i(libc::O_APPEND), "O_APPEND"),
        (i(libc::O_NONBLOCK), "O_NONBLOCK"),
        (i(libc::O_SYNC), "O_SYNC"),
        (i(libc::O_DSYNC), "O_DSYNC"),
        (i(libc::O_ASYNC), "O_ASYNC"),
        (i(libc::O_DIRECT), "O_DIRECT"),
        (O_LARGEFILE, "O_LARGEFILE"),
        (i(libc::O_NOFOLLOW), "O_NOFOLLOW"),
        (i(libc::O_NOATIME), "O_NOATIME"),
        (i(libc::O_CLOEXEC), "O_CLOEXEC"),
        (i(libc::O_PATH), "O_PATH"),
        (i(libc::O_TMPFILE), "O_TMPFILE"),
        (i(libc::O_DIRECTORY), "O_DIRECTORY"),
    ],
    zero: "O_RDONLY",
    wide: false,
};

/// Renders open(2) flags: `O_WRONLY|O_CREAT|O_TRUNC`; the access mode is
/// always named (`O_RDONLY` for 0), unknown bits are appended in hex.
pub fn open_flags(bits: u64) -> String {
    OPEN.format(bits)
}

/// Renders a file mode in octal with a leading 0: `0755`, `04755`.
pub fn format_mode(m: u32) -> String {
    format!("0{m:03o}")
}

pub(super) const RESOLVE: FlagSet = FlagSet {
    field: None,
    bits: &[
        (libc::RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV"),
        (libc::RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS"),
        (libc::RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS"),
        (libc::RESOLVE_BENEATH, "RESOLVE_BENEATH"),
        (libc::RESOLVE_IN_ROOT, "RESOLVE_IN_ROOT"),
        (libc::RESOLVE_CACHED, "RESOLVE_CACHED"),
    ],
    zero: "0",
    wide: true,
};

pub(super) const CLOEXEC: FlagSet = FlagSet {
    field: None,
    bits: &[(i(libc::O_CLOEXEC), "O_CLOEXEC")],
    zero: "0",
    wide: false,
};

pub(super) const PIPE2: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::O_NONBLOCK), "O_NONBLOCK"),
        (i(libc::O_DIRECT), "O_DIRECT"),
        (i(libc::O_CLOEXEC), "O_CLOEXEC"),
    ],
    zero: "0",
    wide: false,
};

pub(super) const ACCESS: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::R_OK), "R_OK"),
        (i(libc::W_OK), "W_OK"),
        (i(libc::X_OK), "X_OK"),
    ],
    zero: "F_OK",
    wide: false,
};

// ---- *at(2) flags --------------------------------------------------------

/// The `AT_*` flags shared by most `*at` calls. `AT_REMOVEDIR` and
/// `AT_EACCESS` have the same value (0x200), so the calls that take one of
/// them get their own set.
pub(super) const AT: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::AT_SYMLINK_NOFOLLOW), "AT_SYMLINK_NOFOLLOW"),
        (i(libc::AT_SYMLINK_FOLLOW), "AT_SYMLINK_FOLLOW"),
        (i(libc::AT_NO_AUTOMOUNT), "AT_NO_AUTOMOUNT"),
        (i(libc::AT_EMPTY_PATH), "AT_EMPTY_PATH"),
        (i(libc::AT_STATX_FORCE_SYNC), "AT_STATX_FORCE_SYNC"),
        (i(libc::AT_STATX_DONT_SYNC), "AT_STATX_DONT_SYNC"),
        (i(libc::AT_RECURSIVE), "AT_RECURSIVE"),
    ],
    zero: "0",
    wide: false,
};

pub(super) const AT_UNLINK: FlagSet = FlagSet {
    field: None,
    bits: &[(i(libc::AT_REMOVEDIR), "AT_REMOVEDIR")],
    zero: "0",
    wide: false,
};

pub(super) const AT_ACCESS: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::AT_EACCESS), "AT_EACCESS"),
        (i(libc::AT_SYMLINK_NOFOLLOW), "AT_SYMLINK_NOFOLLOW"),
        (i(libc::AT_EMPTY_PATH), "AT_EMPTY_PATH"),
    ],
    zero: "0",
    wide: false,
};

pub(super) const AT_EMPTY_PATH: u64 = i(libc::AT_EMPTY_PATH);

pub(super) const RENAME: FlagSet = FlagSet {
    field: None,
    bits: &[
        (u(libc::RENAME_NOREPLACE), "RENAME_NOREPLACE"),
        (u(libc::RENAME_EXCHANGE), "RENAME_EXCHANGE"),
        (u(libc::RENAME_WHITEOUT), "RENAME_WHITEOUT"),
    ],
    zero: "0",
    wide: false,
};

// ---- sockets -------------------------------------------------------------

pub(super) const FAMILIES: Enum = Enum {
    names: &[
        (i(libc::AF_UNSPEC), "AF_UNSPEC"),
        (i(libc::AF_UNIX), "AF_UNIX"),
        (i(libc::AF_INET), "AF_INET"),
        (i(libc::AF_AX25), "AF_AX25"),
        (i(libc::AF_IPX), "AF_IPX"),
        (i(libc::AF_APPLETALK), "AF_APPLETALK"),
        (i(libc::AF_NETROM), "AF_NETROM"),
        (i(libc::AF_BRIDGE), "AF_BRIDGE"),
        (i(libc::AF_ATMPVC), "AF_ATMPVC"),
        (i(libc::AF_X25), "AF_X25"),
        (i(libc::AF_INET6), "AF_INET6"),
        (i(libc::AF_ROSE), "AF_ROSE"),
        (i(libc::AF_DECnet), "AF_DECnet"),
        (i(libc::AF_NETBEUI), "AF_NETBEUI"),
        (i(libc::AF_SECURITY), "AF_SECURITY"),
        (i(libc::AF_KEY), "AF_KEY"),
        (i(libc::AF_NETLINK), "AF_NETLINK"),
        (i(libc::AF_PACKET), "AF_PACKET"),
        (i(libc::AF_ASH), "AF_ASH"),
        (i(libc::AF_ECONET), "AF_ECONET"),
        (i(libc::AF_ATMSVC), "AF_ATMSVC"),
        (i(libc::AF_RDS), "AF_RDS"),
        (i(libc::AF_SNA), "AF_SNA"),
        (i(libc::AF_IRDA), "AF_IRDA"),
        (i(libc::AF_PPPOX), "AF_PPPOX"),
        (i(libc::AF_WANPIPE), "AF_WANPIPE"),
        (i(libc::AF_LLC), "AF_LLC"),
        (i(libc::AF_IB), "AF_IB"),
        (i(libc::AF_MPLS), "AF_MPLS"),
        (i(libc::AF_CAN), "AF_CAN"),
        (i(libc::AF_TIPC), "AF_TIPC"),
        (i(libc::AF_BLUETOOTH), "AF_BLUETOOTH"),
        (i(libc::AF_IUCV), "AF_IUCV"),
        (i(libc::AF_RXRPC), "AF_RXRPC"),
        (i(libc::AF_ISDN), "AF_ISDN"),
        (i(libc::AF_PHONET), "AF_PHONET"),
        (i(libc::AF_IEEE802154), "AF_IEEE802154"),
        (i(libc::AF_CAIF), "AF_CAIF"),
        (i(libc::AF_ALG), "AF_ALG"),
        (i(libc::AF_NFC), "AF_NFC"),
        (i(libc::AF_VSOCK), "AF_VSOCK"),
        // Not in libc for this target; values from <linux/socket.h>.
        (41, "AF_KCM"),
        (42, "AF_QIPCRTR"),
        (43, "AF_SMC"),
        (i(libc::AF_XDP), "AF_XDP"),
        (45, "AF_MCTP"),
    ],
    wide: false,
};

/// `AF_INET`, or `None` for a family Linux does not define.
pub(super) fn family_name(family: u16) -> Option<&'static str> {
    FAMILIES.name(u64::from(family))
}

/// Mask of the socket type inside `socket(2)`'s `type` argument; the bits
/// above it are `SOCK_NONBLOCK`/`SOCK_CLOEXEC`.
const SOCK_TYPE_MASK: u64 = 0xf;

fn sock_type(v: u64) -> Option<String> {
    let name = [
        (i(libc::SOCK_STREAM), "SOCK_STREAM"),
        (i(libc::SOCK_DGRAM), "SOCK_DGRAM"),
        (i(libc::SOCK_RAW), "SOCK_RAW"),
        (i(libc::SOCK_RDM), "SOCK_RDM"),
        (i(libc::SOCK_SEQPACKET), "SOCK_SEQPACKET"),
        (i(libc::SOCK_DCCP), "SOCK_DCCP"),
        // Deprecated in libc (AF_PACKET replaces it) but still accepted.
        (10, "SOCK_PACKET"),
    ]
    .iter()
    .find(|(n, _)| *n == v)
    .map(|(_, s)| s.to_string());
    Some(name.unwrap_or_else(|| v.to_string()))
}

pub(super) const SOCK_TYPE: FlagSet = FlagSet {
    field: Some(Field {
        mask: SOCK_TYPE_MASK,
        name: sock_type,
        last: false,
    }),
    bits: &[
        (i(libc::SOCK_NONBLOCK), "SOCK_NONBLOCK"),
        (i(libc::SOCK_CLOEXEC), "SOCK_CLOEXEC"),
    ],
    zero: "0",
    wide: false,
};

/// `accept4(2)` flags.
pub(super) const SOCK_FLAGS: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::SOCK_NONBLOCK), "SOCK_NONBLOCK"),
        (i(libc::SOCK_CLOEXEC), "SOCK_CLOEXEC"),
    ],
    zero: "0",
    wide: false,
};

pub(super) const MSG: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::MSG_OOB), "MSG_OOB"),
        (i(libc::MSG_PEEK), "MSG_PEEK"),
        (i(libc::MSG_DONTROUTE), "MSG_DONTROUTE"),
        (i(libc::MSG_CTRUNC), "MSG_CTRUNC"),
        // Not in libc; <linux/socket.h>.
        (0x10, "MSG_PROXY"),
        (i(libc::MSG_TRUNC), "MSG_TRUNC"),
        (i(libc::MSG_DONTWAIT), "MSG_DONTWAIT"),
        (i(libc::MSG_EOR), "MSG_EOR"),
        (i(libc::MSG_WAITALL), "MSG_WAITALL"),
        (i(libc::MSG_FIN), "MSG_FIN"),
        (i(libc::MSG_SYN), "MSG_SYN"),
        (i(libc::MSG_CONFIRM), "MSG_CONFIRM"),
        (i(libc::MSG_RST), "MSG_RST"),
        (i(libc::MSG_ERRQUEUE), "MSG_ERRQUEUE"),
        (i(libc::MSG_NOSIGNAL), "MSG_NOSIGNAL"),
        (i(libc::MSG_MORE), "MSG_MORE"),
        (i(libc::MSG_WAITFORONE), "MSG_WAITFORONE"),
        (0x40000, "MSG_BATCH"),
        (i(libc::MSG_ZEROCOPY), "MSG_ZEROCOPY"),
        (i(libc::MSG_FASTOPEN), "MSG_FASTOPEN"),
        (i(libc::MSG_CMSG_CLOEXEC), "MSG_CMSG_CLOEXEC"),
    ],
    zero: "0",
    wide: false,
};

pub(super) const SHUTDOWN_HOW: Enum = Enum {
    names: &[
        (i(libc::SHUT_RD), "SHUT_RD"),
        (i(libc::SHUT_WR), "SHUT_WR"),
        (i(libc::SHUT_RDWR), "SHUT_RDWR"),
    ],
    wide: false,
};

// ---- processes -----------------------------------------------------------

/// `CSIGNAL`: the low byte of clone(2)'s flags is the signal sent to the
/// parent when the child exits.
const CSIGNAL: u64 = 0xff;

fn exit_signal(v: u64) -> Option<String> {
    (v != 0).then(|| signal_name(v))
}

/// The `CLONE_*` bits, shared by clone, clone3, unshare and setns.
/// `CLONE_NEWTIME` lies inside `CSIGNAL`: clone(2) masks the signal byte
/// out before the bits are matched, so it only shows for the others.
const CLONE_BITS: &[(u64, &str)] = &[
    (i(libc::CLONE_NEWTIME), "CLONE_NEWTIME"),
    (i(libc::CLONE_VM), "CLONE_VM"),
    (i(libc::CLONE_FS), "CLONE_FS"),
    (i(libc::CLONE_FILES), "CLONE_FILES"),
    (i(libc::CLONE_SIGHAND), "CLONE_SIGHAND"),
    (i(libc::CLONE_PIDFD), "CLONE_PIDFD"),
    (i(libc::CLONE_PTRACE), "CLONE_PTRACE"),
    (i(libc::CLONE_VFORK), "CLONE_VFORK"),
    (i(libc::CLONE_PARENT), "CLONE_PARENT"),
    (i(libc::CLONE_THREAD), "CLONE_THREAD"),
    (i(libc::CLONE_NEWNS), "CLONE_NEWNS"),
    (i(libc::CLONE_SYSVSEM), "CLONE_SYSVSEM"),
    (i(libc::CLONE_SETTLS), "CLONE_SETTLS"),
    (i(libc::CLONE_PARENT_SETTID), "CLONE_PARENT_SETTID"),
    (i(libc::CLONE_CHILD_CLEARTID), "CLONE_CHILD_CLEARTID"),
    (i(libc::CLONE_DETACHED), "CLONE_DETACHED"),
    (i(libc::CLONE_UNTRACED), "CLONE_UNTRACED"),
    (i(libc::CLONE_CHILD_SETTID), "CLONE_CHILD_SETTID"),
    (i(libc::CLONE_NEWCGROUP), "CLONE_NEWCGROUP"),
    (i(libc::CLONE_NEWUTS), "CLONE_NEWUTS"),
    (i(libc::CLONE_NEWIPC), "CLONE_NEWIPC"),
    (i(libc::CLONE_NEWUSER), "CLONE_NEWUSER"),
    (i(libc::CLONE_NEWPID), "CLONE_NEWPID"),
    (i(libc::CLONE_NEWNET), "CLONE_NEWNET"),
    (i(libc::CLONE_IO), "CLONE_IO"),
    // libc declares these two as overflowing `c_int`s; values from
    // <linux/sched.h>. clone3 only.
    (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"),
    (0x2_0000_0000, "CLONE_INTO_CGROUP"),
];

/// clone(2): the bits, then the exit signal from the low byte.
pub(super) const CLONE: FlagSet = FlagSet {
    field: Some(Field {
        mask: CSIGNAL,
        name: exit_signal,
        last: true,
    }),
    bits: CLONE_BITS,
    zero: "0",
    wide: true,
};

/// clone3's `flags`, unshare(2) and setns(2): no signal byte.
pub(super) const CLONE_NS: FlagSet = FlagSet {
    field: None,
    bits: CLONE_BITS,
    zero: "0",
    wide: true,
};

const SIGNALS: &[(u64, &str)] = &[
    (i(libc::SIGHUP), "SIGHUP"),
    (i(libc::SIGINT), "SIGINT"),
    (i(libc::SIGQUIT), "SIGQUIT"),
    (i(libc::SIGILL), "SIGILL"),
    (i(libc::SIGTRAP), "SIGTRAP"),
    (i(libc::SIGABRT), "SIGABRT"),
    (i(libc::SIGBUS), "SIGBUS"),
    (i(libc::SIGFPE), "SIGFPE"),
    (i(libc::SIGKILL), "SIGKILL"),
    (i(libc::SIGUSR1), "SIGUSR1"),
    (i(libc::SIGSEGV), "SIGSEGV"),
    (i(libc::SIGUSR2), "SIGUSR2"),
    (i(libc::SIGPIPE), "SIGPIPE"),
    (i(libc::SIGALRM), "SIGALRM"),
    (i(libc::SIGTERM), "SIGTERM"),
    (i(libc::SIGSTKFLT), "SIGSTKFLT"),
    (i(libc::SIGCHLD), "SIGCHLD"),
    (i(libc::SIGCONT), "SIGCONT"),
    (i(libc::SIGSTOP), "SIGSTOP"),
    (i(libc::SIGTSTP), "SIGTSTP"),
    (i(libc::SIGTTIN), "SIGTTIN"),
    (i(libc::SIGTTOU), "SIGTTOU"),
    (i(libc::SIGURG), "SIGURG"),
    (i(libc::SIGXCPU), "SIGXCPU"),
    (i(libc::SIGXFSZ), "SIGXFSZ"),
    (i(libc::SIGVTALRM), "SIGVTALRM"),
    (i(libc::SIGPROF), "SIGPROF"),
    (i(libc::SIGWINCH), "SIGWINCH"),
    (i(libc::SIGIO), "SIGIO"),
    (i(libc::SIGPWR), "SIGPWR"),
    (i(libc::SIGSYS), "SIGSYS"),
];

/// The kernel's first real-time signal. glibc reserves the first two and
/// calls 34 its `SIGRTMIN`, so real-time signals are named by their offset
/// from the kernel's (`SIGRT_2` = 34) to avoid a name that means different
/// numbers in different places.
const KERNEL_SIGRTMIN: u64 = 32;
const KERNEL_SIGRTMAX: u64 = 64;

/// `SIGTERM`, `SIGRT_3`, or the number.
pub(super) fn signal_name(n: u64) -> String {
    if let Some((_, name)) = SIGNALS.iter().find(|(v, _)| *v == n) {
        return name.to_string();
    }
    if (KERNEL_SIGRTMIN..=KERNEL_SIGRTMAX).contains(&n) {
        return format!("SIGRT_{}", n - KERNEL_SIGRTMIN);
    }
    n.to_string()
}

/// Whether `n` is a signal number Linux defines (1..=64).
pub(super) fn is_signal(n: i64) -> bool {
    (1..=KERNEL_SIGRTMAX as i64).contains(&n)
}

pub(super) const PTRACE: Enum = Enum {
    names: &[
        (u(libc::PTRACE_TRACEME), "PTRACE_TRACEME"),
        (u(libc::PTRACE_PEEKTEXT), "PTRACE_PEEKTEXT"),
        (u(libc::PTRACE_PEEKDATA), "PTRACE_PEEKDATA"),
        (u(libc::PTRACE_PEEKUSER), "PTRACE_PEEKUSER"),
        (u(libc::PTRACE_POKETEXT), "PTRACE_POKETEXT"),
        (u(libc::PTRACE_POKEDATA), "PTRACE_POKEDATA"),
        (u(libc::PTRACE_POKEUSER), "PTRACE_POKEUSER"),
        (u(libc::PTRACE_CONT), "PTRACE_CONT"),
        (u(libc::PTRACE_KILL), "PTRACE_KILL"),
        (u(libc::PTRACE_SINGLESTEP), "PTRACE_SINGLESTEP"),
        (u(libc::PTRACE_GETREGS), "PTRACE_GETREGS"),
        (u(libc::PTRACE_SETREGS), "PTRACE_SETREGS"),
        (u(libc::PTRACE_GETFPREGS), "PTRACE_GETFPREGS"),
        (u(libc::PTRACE_SETFPREGS), "PTRACE_SETFPREGS"),
        (u(libc::PTRACE_ATTACH), "PTRACE_ATTACH"),
        (u(libc::PTRACE_DETACH), "PTRACE_DETACH"),
        (u(libc::PTRACE_GETFPXREGS), "PTRACE_GETFPXREGS"),
        (u(libc::PTRACE_SETFPXREGS), "PTRACE_SETFPXREGS"),
        (u(libc::PTRACE_SYSCALL), "PTRACE_SYSCALL"),
        // x86 only, not in libc; <asm/ptrace-abi.h>.
        (30, "PTRACE_ARCH_PRCTL"),
        (u(libc::PTRACE_SYSEMU), "PTRACE_SYSEMU"),
        (
            u(libc::PTRACE_SYSEMU_SINGLESTEP),
            "PTRACE_SYSEMU_SINGLESTEP",
        ),
        (33, "PTRACE_SINGLEBLOCK"),
        (u(libc::PTRACE_SETOPTIONS), "PTRACE_SETOPTIONS"),
        (u(libc::PTRACE_GETEVENTMSG), "PTRACE_GETEVENTMSG"),
        (u(libc::PTRACE_GETSIGINFO), "PTRACE_GETSIGINFO"),
        (u(libc::PTRACE_SETSIGINFO), "PTRACE_SETSIGINFO"),
        (u(libc::PTRACE_GETREGSET), "PTRACE_GETREGSET"),
        (u(libc::PTRACE_SETREGSET), "PTRACE_SETREGSET"),
        (u(libc::PTRACE_SEIZE), "PTRACE_SEIZE"),
        (u(libc::PTRACE_INTERRUPT), "PTRACE_INTERRUPT"),
        (u(libc::PTRACE_LISTEN), "PTRACE_LISTEN"),
        (u(libc::PTRACE_PEEKSIGINFO), "PTRACE_PEEKSIGINFO"),
        (u(libc::PTRACE_GETSIGMASK), "PTRACE_GETSIGMASK"),
        (u(libc::PTRACE_SETSIGMASK), "PTRACE_SETSIGMASK"),
        // Not in libc; <linux/ptrace.h>.
        (0x420c, "PTRACE_SECCOMP_GET_FILTER"),
        (0x420d, "PTRACE_SECCOMP_GET_METADATA"),
        (u(libc::PTRACE_GET_SYSCALL_INFO), "PTRACE_GET_SYSCALL_INFO"),
        (
            u(libc::PTRACE_GET_RSEQ_CONFIGURATION),
            "PTRACE_GET_RSEQ_CONFIGURATION",
        ),
        (
            u(libc::PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG),
            "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG",
        ),
        (
            u(libc::PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG),
            "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG",
        ),
        (u(libc::PTRACE_SET_SYSCALL_INFO), "PTRACE_SET_SYSCALL_INFO"),
    ],
    // The request is a `long`.
    wide: true,
};

pub(super) const SIGPROCMASK_HOW: Enum = Enum {
    names: &[
        (i(libc::SIG_BLOCK), "SIG_BLOCK"),
        (i(libc::SIG_UNBLOCK), "SIG_UNBLOCK"),
        (i(libc::SIG_SETMASK), "SIG_SETMASK"),
    ],
    wide: false,
};

// ---- files and memory ----------------------------------------------------

pub(super) const WHENCE: Enum = Enum {
    names: &[
        (i(libc::SEEK_SET), "SEEK_SET"),
        (i(libc::SEEK_CUR), "SEEK_CUR"),
        (i(libc::SEEK_END), "SEEK_END"),
        (i(libc::SEEK_DATA), "SEEK_DATA"),
        (i(libc::SEEK_HOLE), "SEEK_HOLE"),
    ],
    wide: false,
};

pub(super) const FCNTL_CMD: Enum = Enum {
    names: &[
        (i(libc::F_DUPFD), "F_DUPFD"),
        (i(libc::F_GETFD), "F_GETFD"),
        (i(libc::F_SETFD), "F_SETFD"),
        (i(libc::F_GETFL), "F_GETFL"),
        (i(libc::F_SETFL), "F_SETFL"),
        (i(libc::F_GETLK), "F_GETLK"),
        (i(libc::F_SETLK), "F_SETLK"),
        (i(libc::F_SETLKW), "F_SETLKW"),
        (i(libc::F_SETOWN), "F_SETOWN"),
        (i(libc::F_GETOWN), "F_GETOWN"),
        // Not in libc for this target; <asm-generic/fcntl.h>.
        (10, "F_SETSIG"),
        (11, "F_GETSIG"),
        (i(libc::F_OFD_GETLK), "F_OFD_GETLK"),
        (i(libc::F_OFD_SETLK), "F_OFD_SETLK"),
        (i(libc::F_OFD_SETLKW), "F_OFD_SETLKW"),
        (i(libc::F_SETLEASE), "F_SETLEASE"),
        (i(libc::F_GETLEASE), "F_GETLEASE"),
        (i(libc::F_NOTIFY), "F_NOTIFY"),
        (i(libc::F_DUPFD_CLOEXEC), "F_DUPFD_CLOEXEC"),
        (i(libc::F_SETPIPE_SZ), "F_SETPIPE_SZ"),
        (i(libc::F_GETPIPE_SZ), "F_GETPIPE_SZ"),
        (i(libc::F_ADD_SEALS), "F_ADD_SEALS"),
        (i(libc::F_GET_SEALS), "F_GET_SEALS"),
    ],
    wide: false,
};

pub(super) const PROT: FlagSet = FlagSet {
    field: None,
    bits: &[
        (i(libc::PROT_READ), "PROT_READ"),
        (i(libc::PROT_WRITE), "PROT_WRITE"),
        (i(libc::PROT_EXEC), "PROT_EXEC"),
        // Not in libc; <asm-generic/mman-common.h>.
        (0x8, "PROT_SEM"),
        (i(libc::PROT_GROWSDOWN), "PROT_GROWSDOWN"),
        (i(libc::PROT_GROWSUP), "PROT_GROWSUP"),
    ],
    zero: "PROT_NONE",
    wide: false,
};

/// `MAP_TYPE`: the sharing mode is a 4-bit field of mmap(2)'s flags.
const MAP_TYPE: u64 = 0xf;

fn map_type(v: u64) -> Option<String> {
    Some(match v {
        1 => "MAP_SHARED".to_string(),
        2 => "MAP_PRIVATE".to_string(),
        3 => "MAP_SHARED_VALIDATE".to_string(),
        0 => return None,
        v => format!("{v:#x}"),
    })
}

pub(super) const MAP: FlagSet = FlagSet {
    field: Some(Field {
        mask: MAP_TYPE,
        name: map_type,
        last: false,
    }),
    bits: &[
        (i(libc::MAP_FIXED), "MAP_FIXED"),
        (i(libc::MAP_ANONYMOUS), "MAP_ANONYMOUS"),
        (i(libc::MAP_32BIT), "MAP_32BIT"),
        (i(libc::MAP_GROWSDOWN), "MAP_GROWSDOWN"),
        (i(libc::MAP_DENYWRITE), "MAP_DENYWRITE"),
        (i(libc::MAP_EXECUTABLE), "MAP_EXECUTABLE"),
        (i(libc::MAP_LOCKED), "MAP_LOCKED"),
        (i(libc::MAP_NORESERVE), "MAP_NORESERVE"),
        (i(libc::MAP_POPULATE), "MAP_POPULATE"),
        (i(libc::MAP_NONBLOCK), "MAP_NONBLOCK"),
        (i(libc::MAP_STACK), "MAP_STACK"),
        (i(libc::MAP_HUGETLB), "MAP_HUGETLB"),
        (i(libc::MAP_SYNC), "MAP_SYNC"),
        (i(libc::MAP_FIXED_NOREPLACE), "MAP_FIXED_NOREPLACE"),
        // Not in libc; <asm-generic/mman-common.h>.
        (0x4000000, "MAP_UNINITIALIZED"),
    ],
    zero: "0",
    wide: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_first_and_last() {
        assert_eq!(open_flags(0), "O_RDONLY");
        assert_eq!(
            CLONE.format(
                i(libc::CLONE_VM) | i(libc::CLONE_FS) | i(libc::SIGCHLD) | i(libc::CLONE_IO)
            ),
            "CLONE_VM|CLONE_FS|CLONE_IO|SIGCHLD"
        );
        assert_eq!(CLONE.format(0), "0");
        assert_eq!(
            SOCK_TYPE.format(i(libc::SOCK_STREAM
                | libc::SOCK_CLOEXEC
                | libc::SOCK_NONBLOCK)),
            "SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC"
        );
        assert_eq!(SOCK_TYPE.format(0x40f), "15|0x400");
    }

    #[test]
    fn clone3_flags_name_newtime() {
        assert_eq!(CLONE_NS.format(0x80), "CLONE_NEWTIME");
        assert_eq!(
            CLONE_NS.format(0x80 | i(libc::CLONE_NEWUSER)),
            "CLONE_NEWTIME|CLONE_NEWUSER"
        );
        assert_eq!(CLONE_NS.format(0), "0");
        assert_eq!(
            CLONE_NS.format(0x1_0000_0000 | 0x40_0000_0000),
            "CLONE_CLEAR_SIGHAND|0x4000000000"
        );
        // In clone(2) the same byte is the exit signal.
        assert_eq!(CLONE.format(0x80 | i(libc::CLONE_VM)), "CLONE_VM|128");
    }

    #[test]
    fn signals() {
        assert_eq!(signal_name(15), "SIGTERM");
        assert_eq!(signal_name(34), "SIGRT_2");
        assert_eq!(signal_name(65), "65");
    }

    /// Every flag word the decoder renders, by name.
    const SETS: &[(&str, &FlagSet)] = &[
        ("OPEN", &OPEN),
        ("RESOLVE", &RESOLVE),
        ("CLOEXEC", &CLOEXEC),
        ("PIPE2", &PIPE2),
        ("ACCESS", &ACCESS),
        ("AT", &AT),
        ("AT_UNLINK", &AT_UNLINK),
        ("AT_ACCESS", &AT_ACCESS),
        ("RENAME", &RENAME),
        ("SOCK_TYPE", &SOCK_TYPE),
        ("SOCK_FLAGS", &SOCK_FLAGS),
        ("MSG", &MSG),
        ("CLONE", &CLONE),
        ("CLONE_NS", &CLONE_NS),
        ("PROT", &PROT),
        ("MAP", &MAP),
    ];

    const ENUMS: &[&Enum] = &[
        &FAMILIES,
        &SHUTDOWN_HOW,
        &PTRACE,
        &SIGPROCMASK_HOW,
        &WHENCE,
        &FCNTL_CMD,
    ];

    /// Reads a rendering back into the value: each `|`-separated part is a
    /// bit name, a field value's name, or leftover bits in hex. `None` when
    /// a part means nothing or two parts claim the same bits.
    fn reparse(set: &FlagSet, text: &str) -> Option<u64> {
        if text == set.zero {
            return Some(0);
        }
        let mut value = 0u64;
        for part in text.split('|') {
            let bits = if let Some(&(mask, _)) = set.bits.iter().find(|(_, n)| *n == part) {
                mask
            } else if let Some(f) = set.field.as_ref().and_then(|f| {
                (0..=f.mask).find(|&v| v & !f.mask == 0 && (f.name)(v).as_deref() == Some(part))
            }) {
                f
            } else {
                u64::from_str_radix(part.strip_prefix("0x")?, 16).ok()?
            };
            if value & bits != 0 {
                return None;
            }
            value |= bits;
        }
        Some(value)
    }

    use proptest::prelude::*;

    proptest! {
        /// No bit is lost or invented: the text reads back as the value the
        /// kernel sees, whatever the register holds.
        #[test]
        fn flag_words_render_losslessly(
            which in 0..SETS.len(),
            raw in prop_oneof![
                any::<u64>(),
                any::<u32>().prop_map(u64::from),
                0u64..0x1000,
                (0u32..64).prop_map(|b| 1u64 << b),
            ],
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            let (name, set) = SETS[which];
            let mut raw = raw;
            for p in &picks {
                if !set.bits.is_empty() {
                    raw |= set.bits[p.index(set.bits.len())].0;
                }
            }
            let value = set.width(raw);
            let text = set.format(value);
            prop_assert!(!text.is_empty() && !text.chars().any(char::is_control), "{}", text);
            prop_assert_eq!(reparse(set, &text), Some(value), "{} {:#x} → {}", name, value, text);
        }

        #[test]
        fn enums_name_only_what_the_kernel_sees(which in 0..ENUMS.len(), raw in any::<u64>()) {
            let e = ENUMS[which];
            let name = e.name(raw);
            if !e.wide {
                prop_assert_eq!(name, e.name(raw & 0xffff_ffff));
            }
            if let Some(n) = name {
                let v = if e.wide { raw } else { raw & 0xffff_ffff };
                prop_assert!(e.names.iter().any(|&(k, s)| k == v && s == n));
            }
        }

    }

    /// A signal's name identifies it: clone's exit signal reads back.
    #[test]
    fn signal_names_are_unambiguous() {
        let names: std::collections::HashSet<String> = (0..=255).map(signal_name).collect();
        assert_eq!(names.len(), 256);
    }

    #[test]
    fn enums_see_the_kernels_width() {
        // `int` arguments: garbage in the upper half is not part of the value.
        assert_eq!(FAMILIES.name(0xdead_0000_0000_0002), Some("AF_INET"));
        // `long` arguments: it is.
        assert_eq!(PTRACE.name(0x1_0000_0010), None);
        assert_eq!(PTRACE.name(16), Some("PTRACE_ATTACH"));
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

    proptest! {
        #[test]
        fn open_flags_never_panics(bits in any::<u64>()) {
            let s = open_flags(bits);
            let first = s.split('|').next().unwrap_or("");
            prop_assert!(
                ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"].contains(&first),
                "{}", s
            );
        }
    }
}
