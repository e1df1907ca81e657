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

/// Whether open flags make the kernel look at the mode: `O_CREAT` or
/// `O_TMPFILE`.
pub(super) fn creates(flags: u64) -> bool {
    flags & (i(libc::O_CREAT) | O_TMPFILE_BIT) != 0
}

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

// ---- the rest of the calls strace names (issue 16) -----------------------
//
// Values from the kernel's uapi headers for x86_64 (<linux/prctl.h>,
// <asm-generic/ioctls.h>, <linux/futex.h>, <asm/prctl.h>, ...); libc lacks
// many of them or spells them per libc version, so they are written out.

/// A plain flag word with these bits and `0` for none.
const fn bits(bits: &'static [(u64, &'static str)]) -> FlagSet {
    FlagSet {
        field: None,
        bits,
        zero: "0",
        wide: false,
    }
}

/// A list of names for an `int` argument.
const fn names(names: &'static [(u64, &'static str)]) -> Enum {
    Enum { names, wide: false }
}

pub(super) const PRCTL: Enum = names(&[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (5, "PR_GET_UNALIGN"),
    (6, "PR_SET_UNALIGN"),
    (7, "PR_GET_KEEPCAPS"),
    (8, "PR_SET_KEEPCAPS"),
    (9, "PR_GET_FPEMU"),
    (10, "PR_SET_FPEMU"),
    (11, "PR_GET_FPEXC"),
    (12, "PR_SET_FPEXC"),
    (13, "PR_GET_TIMING"),
    (14, "PR_SET_TIMING"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (19, "PR_GET_ENDIAN"),
    (20, "PR_SET_ENDIAN"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (25, "PR_GET_TSC"),
    (26, "PR_SET_TSC"),
    (27, "PR_GET_SECUREBITS"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (30, "PR_GET_TIMERSLACK"),
    (31, "PR_TASK_PERF_EVENTS_DISABLE"),
    (32, "PR_TASK_PERF_EVENTS_ENABLE"),
    (33, "PR_MCE_KILL"),
    (34, "PR_MCE_KILL_GET"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (40, "PR_GET_TID_ADDRESS"),
    (41, "PR_SET_THP_DISABLE"),
    (42, "PR_GET_THP_DISABLE"),
    (43, "PR_MPX_ENABLE_MANAGEMENT"),
    (44, "PR_MPX_DISABLE_MANAGEMENT"),
    (45, "PR_SET_FP_MODE"),
    (46, "PR_GET_FP_MODE"),
    (47, "PR_CAP_AMBIENT"),
    (50, "PR_SVE_SET_VL"),
    (51, "PR_SVE_GET_VL"),
    (52, "PR_GET_SPECULATION_CTRL"),
    (53, "PR_SET_SPECULATION_CTRL"),
    (54, "PR_PAC_RESET_KEYS"),
    (55, "PR_SET_TAGGED_ADDR_CTRL"),
    (56, "PR_GET_TAGGED_ADDR_CTRL"),
    (57, "PR_SET_IO_FLUSHER"),
    (58, "PR_GET_IO_FLUSHER"),
    (59, "PR_SET_SYSCALL_USER_DISPATCH"),
    (60, "PR_PAC_SET_ENABLED_KEYS"),
    (61, "PR_PAC_GET_ENABLED_KEYS"),
    (62, "PR_SCHED_CORE"),
    (63, "PR_SME_SET_VL"),
    (64, "PR_SME_GET_VL"),
    (65, "PR_SET_MDWE"),
    (66, "PR_GET_MDWE"),
    (67, "PR_SET_MEMORY_MERGE"),
    (68, "PR_GET_MEMORY_MERGE"),
    (74, "PR_GET_SHADOW_STACK_STATUS"),
    (75, "PR_SET_SHADOW_STACK_STATUS"),
    (76, "PR_LOCK_SHADOW_STACK_STATUS"),
    (77, "PR_TIMER_CREATE_RESTORE_IDS"),
    (0x5356_4d41, "PR_SET_VMA"),
    (0x5961_6d61, "PR_SET_PTRACER"),
]);

pub(super) const PR_SET_PDEATHSIG: i32 = 1;
pub(super) const PR_SET_NAME: i32 = 15;
pub(super) const PR_SET_SECCOMP: i32 = 22;
pub(super) const PR_CAPBSET_READ: i32 = 23;
pub(super) const PR_CAPBSET_DROP: i32 = 24;
pub(super) const PR_SET_MM: i32 = 35;
pub(super) const PR_CAP_AMBIENT: i32 = 47;
pub(super) const PR_SET_VMA: i32 = 0x5356_4d41;
pub(super) const PR_SET_PTRACER: i32 = 0x5961_6d61;

pub(super) const PR_CAP_AMBIENT_OPS: Enum = names(&[
    (1, "PR_CAP_AMBIENT_IS_SET"),
    (2, "PR_CAP_AMBIENT_RAISE"),
    (3, "PR_CAP_AMBIENT_LOWER"),
    (4, "PR_CAP_AMBIENT_CLEAR_ALL"),
]);

pub(super) const PR_SET_MM_OPS: Enum = names(&[
    (1, "PR_SET_MM_START_CODE"),
    (2, "PR_SET_MM_END_CODE"),
    (3, "PR_SET_MM_START_DATA"),
    (4, "PR_SET_MM_END_DATA"),
    (5, "PR_SET_MM_START_STACK"),
    (6, "PR_SET_MM_START_BRK"),
    (7, "PR_SET_MM_BRK"),
    (8, "PR_SET_MM_ARG_START"),
    (9, "PR_SET_MM_ARG_END"),
    (10, "PR_SET_MM_ENV_START"),
    (11, "PR_SET_MM_ENV_END"),
    (12, "PR_SET_MM_AUXV"),
    (13, "PR_SET_MM_EXE_FILE"),
    (14, "PR_SET_MM_MAP"),
    (15, "PR_SET_MM_MAP_SIZE"),
]);

pub(super) const SECCOMP_MODE: Enum = names(&[
    (0, "SECCOMP_MODE_DISABLED"),
    (1, "SECCOMP_MODE_STRICT"),
    (2, "SECCOMP_MODE_FILTER"),
]);

pub(super) const PR_SET_VMA_OPS: Enum = names(&[(0, "PR_SET_VMA_ANON_NAME")]);

/// Capability numbers (<linux/capability.h>).
pub(super) const CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// `CAP_SYS_ADMIN`, or the number.
pub(super) fn cap_name(n: u64) -> String {
    usize::try_from(n)
        .ok()
        .and_then(|i| CAPS.get(i))
        .map_or_else(|| n.to_string(), |s| s.to_string())
}

/// A capability mask as strace writes it: `1<<CAP_CHOWN|1<<CAP_KILL`.
pub(super) fn cap_set(mask: u64) -> String {
    if mask == 0 {
        return "0".to_string();
    }
    let mut parts = Vec::new();
    let mut rest = mask;
    for (i, name) in CAPS.iter().enumerate() {
        if mask & (1 << i) != 0 {
            parts.push(format!("1<<{name}"));
            rest &= !(1 << i);
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

pub(super) const CAP_VERSION: Enum = names(&[
    (0x1998_0330, "_LINUX_CAPABILITY_VERSION_1"),
    (0x2007_1026, "_LINUX_CAPABILITY_VERSION_2"),
    (0x2008_0522, "_LINUX_CAPABILITY_VERSION_3"),
]);

/// futex(2)'s operation: the command, `_PRIVATE` when
/// `FUTEX_PRIVATE_FLAG` is set (as strace writes it), then
/// `FUTEX_CLOCK_REALTIME` and any unknown bits.
pub(super) fn futex_op(op: u64) -> String {
    const CMDS: &[&str] = &[
        "FUTEX_WAIT",
        "FUTEX_WAKE",
        "FUTEX_FD",
        "FUTEX_REQUEUE",
        "FUTEX_CMP_REQUEUE",
        "FUTEX_WAKE_OP",
        "FUTEX_LOCK_PI",
        "FUTEX_UNLOCK_PI",
        "FUTEX_TRYLOCK_PI",
        "FUTEX_WAIT_BITSET",
        "FUTEX_WAKE_BITSET",
        "FUTEX_WAIT_REQUEUE_PI",
        "FUTEX_CMP_REQUEUE_PI",
        "FUTEX_LOCK_PI2",
    ];
    const PRIVATE: u64 = 128;
    const CLOCK_REALTIME: u64 = 256;
    let op = op & 0xffff_ffff;
    let cmd = op & 0x7f;
    let mut rest = op & !0x7f;
    let mut parts = Vec::new();
    match usize::try_from(cmd).ok().and_then(|c| CMDS.get(c)) {
        Some(name) if op & PRIVATE != 0 => {
            parts.push(format!("{name}_PRIVATE"));
            rest &= !PRIVATE;
        }
        Some(name) => parts.push(name.to_string()),
        None => parts.push(cmd.to_string()),
    }
    if rest & PRIVATE != 0 {
        parts.push("FUTEX_PRIVATE_FLAG".to_string());
        rest &= !PRIVATE;
    }
    if rest & CLOCK_REALTIME != 0 {
        parts.push("FUTEX_CLOCK_REALTIME".to_string());
        rest &= !CLOCK_REALTIME;
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    parts.join("|")
}

/// How many of futex's six arguments the operation reads (strace shows
/// those): FUTEX_WAKE only `uaddr, op, val`.
pub(super) fn futex_arg_count(op: u64) -> usize {
    match op & 0x7f {
        // FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI
        7 | 8 => 2,
        // FUTEX_WAKE, FUTEX_FD
        1 | 2 => 3,
        // FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_LOCK_PI2
        0 | 6 | 13 => 4,
        // FUTEX_REQUEUE, FUTEX_WAIT_REQUEUE_PI
        3 | 11 => 5,
        _ => 6,
    }
}

/// fcntl commands that take no third argument.
pub(super) fn fcntl_ignores_arg(cmd: u64) -> bool {
    matches!(
        cmd as u32 as i32,
        libc::F_GETFD
            | libc::F_GETFL
            | libc::F_GETOWN
            | 11 // F_GETSIG
            | libc::F_GETLEASE
            | libc::F_GETPIPE_SZ
            | libc::F_GET_SEALS
    )
}

/// The futex commands whose `val3` is a bitset.
pub(super) fn futex_uses_bitset(op: u64) -> bool {
    matches!(op & 0x7f, 9 | 10)
}

pub(super) const ARCH_PRCTL: Enum = names(&[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x4001, "ARCH_GET_UNTAG_MASK"),
    (0x4002, "ARCH_ENABLE_TAGGED_ADDR"),
    (0x4003, "ARCH_GET_MAX_TAG_BITS"),
    (0x4004, "ARCH_FORCE_TAGGED_SVA"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
]);

pub(super) const MADVISE: Enum = names(&[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
    (102, "MADV_GUARD_INSTALL"),
    (103, "MADV_GUARD_REMOVE"),
]);

pub(super) const FLOCK: FlagSet = bits(&[
    (1, "LOCK_SH"),
    (2, "LOCK_EX"),
    (4, "LOCK_NB"),
    (8, "LOCK_UN"),
    (32, "LOCK_MAND"),
    (64, "LOCK_READ"),
    (128, "LOCK_WRITE"),
]);

pub(super) const GETRANDOM: FlagSet = bits(&[
    (1, "GRND_NONBLOCK"),
    (2, "GRND_RANDOM"),
    (4, "GRND_INSECURE"),
]);

pub(super) const RLIMIT: Enum = names(&[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
]);

pub(super) const EVENTFD: FlagSet = bits(&[
    (1, "EFD_SEMAPHORE"),
    (0o4000, "EFD_NONBLOCK"),
    (0o2000000, "EFD_CLOEXEC"),
]);

pub(super) const EPOLL_CREATE: FlagSet = bits(&[(0o2000000, "EPOLL_CLOEXEC")]);

pub(super) const POLL_EVENTS: FlagSet = FlagSet {
    field: None,
    bits: &[
        (0x1, "POLLIN"),
        (0x2, "POLLPRI"),
        (0x4, "POLLOUT"),
        (0x8, "POLLERR"),
        (0x10, "POLLHUP"),
        (0x20, "POLLNVAL"),
        (0x40, "POLLRDNORM"),
        (0x80, "POLLRDBAND"),
        (0x100, "POLLWRNORM"),
        (0x200, "POLLWRBAND"),
        (0x400, "POLLMSG"),
        (0x1000, "POLLREMOVE"),
        (0x2000, "POLLRDHUP"),
    ],
    zero: "0",
    wide: false,
};

pub(super) const EPOLL_CTL: Enum = names(&[
    (1, "EPOLL_CTL_ADD"),
    (2, "EPOLL_CTL_DEL"),
    (3, "EPOLL_CTL_MOD"),
]);

pub(super) const EPOLL_EVENTS: FlagSet = bits(&[
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 27, "EPOLL_URING_WAKE"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
]);

const WAIT_KERNEL_BITS: [(u64, &str); 3] = [
    (0x2000_0000, "__WNOTHREAD"),
    (0x4000_0000, "__WALL"),
    (0x8000_0000, "__WCLONE"),
];

pub(super) const WAIT4: FlagSet = bits(&[
    (1, "WNOHANG"),
    (2, "WUNTRACED"),
    (8, "WCONTINUED"),
    WAIT_KERNEL_BITS[0],
    WAIT_KERNEL_BITS[1],
    WAIT_KERNEL_BITS[2],
]);

pub(super) const WAITID: FlagSet = bits(&[
    (1, "WNOHANG"),
    (2, "WSTOPPED"),
    (4, "WEXITED"),
    (8, "WCONTINUED"),
    (0x0100_0000, "WNOWAIT"),
    WAIT_KERNEL_BITS[0],
    WAIT_KERNEL_BITS[1],
    WAIT_KERNEL_BITS[2],
]);

pub(super) const IDTYPE: Enum = names(&[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")]);

pub(super) const ITIMER: Enum = names(&[
    (0, "ITIMER_REAL"),
    (1, "ITIMER_VIRTUAL"),
    (2, "ITIMER_PROF"),
]);

pub(super) const PKEY_ACCESS: FlagSet =
    bits(&[(1, "PKEY_DISABLE_ACCESS"), (2, "PKEY_DISABLE_WRITE")]);

pub(super) const CLOCKS: Enum = names(&[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (11, "CLOCK_TAI"),
]);

pub(super) const TIMER_ABSTIME: FlagSet = bits(&[(1, "TIMER_ABSTIME")]);

pub(super) const TFD_CREATE: FlagSet =
    bits(&[(0o4000, "TFD_NONBLOCK"), (0o2000000, "TFD_CLOEXEC")]);

pub(super) const TFD_SETTIME: FlagSet =
    bits(&[(1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")]);

pub(super) const SFD: FlagSet = bits(&[(0o4000, "SFD_NONBLOCK"), (0o2000000, "SFD_CLOEXEC")]);

pub(super) const IN_INIT: FlagSet = bits(&[(0o4000, "IN_NONBLOCK"), (0o2000000, "IN_CLOEXEC")]);

pub(super) const IN_MASK: FlagSet = bits(&[
    (0x1, "IN_ACCESS"),
    (0x2, "IN_MODIFY"),
    (0x4, "IN_ATTRIB"),
    (0x8, "IN_CLOSE_WRITE"),
    (0x10, "IN_CLOSE_NOWRITE"),
    (0x20, "IN_OPEN"),
    (0x40, "IN_MOVED_FROM"),
    (0x80, "IN_MOVED_TO"),
    (0x100, "IN_CREATE"),
    (0x200, "IN_DELETE"),
    (0x400, "IN_DELETE_SELF"),
    (0x800, "IN_MOVE_SELF"),
    (0x2000, "IN_UNMOUNT"),
    (0x4000, "IN_Q_OVERFLOW"),
    (0x8000, "IN_IGNORED"),
    (0x0100_0000, "IN_ONLYDIR"),
    (0x0200_0000, "IN_DONT_FOLLOW"),
    (0x0400_0000, "IN_EXCL_UNLINK"),
    (0x1000_0000, "IN_MASK_CREATE"),
    (0x2000_0000, "IN_MASK_ADD"),
    (0x4000_0000, "IN_ISDIR"),
    (0x8000_0000, "IN_ONESHOT"),
]);

pub(super) const MFD: FlagSet = bits(&[
    (1, "MFD_CLOEXEC"),
    (2, "MFD_ALLOW_SEALING"),
    (4, "MFD_HUGETLB"),
    (8, "MFD_NOEXEC_SEAL"),
    (0x10, "MFD_EXEC"),
]);

pub(super) const CLOSE_RANGE: FlagSet =
    bits(&[(2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC")]);

pub(super) const STATX_MASK: FlagSet = bits(&[
    (0xfff, "STATX_ALL"),
    (0x7ff, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
    (0x8000, "STATX_SUBVOL"),
    (0x1_0000, "STATX_WRITE_ATOMIC"),
    (0x2_0000, "STATX_DIO_READ_ALIGN"),
]);

pub(super) const MREMAP: FlagSet = bits(&[
    (1, "MREMAP_MAYMOVE"),
    (2, "MREMAP_FIXED"),
    (4, "MREMAP_DONTUNMAP"),
]);

pub(super) const MSYNC: FlagSet = bits(&[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")]);

pub(super) const MLOCKALL: FlagSet =
    bits(&[(1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT")]);

pub(super) const MLOCK2: FlagSet = bits(&[(1, "MLOCK_ONFAULT")]);

pub(super) const FALLOC: FlagSet = bits(&[
    (0x1, "FALLOC_FL_KEEP_SIZE"),
    (0x2, "FALLOC_FL_PUNCH_HOLE"),
    (0x4, "FALLOC_FL_NO_HIDE_STALE"),
    (0x8, "FALLOC_FL_COLLAPSE_RANGE"),
    (0x10, "FALLOC_FL_ZERO_RANGE"),
    (0x20, "FALLOC_FL_INSERT_RANGE"),
    (0x40, "FALLOC_FL_UNSHARE_RANGE"),
]);

pub(super) const FADVISE: Enum = names(&[
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
]);

pub(super) const RUSAGE: Enum = names(&[
    (0, "RUSAGE_SELF"),
    (0xffff_ffff, "RUSAGE_CHILDREN"),
    (1, "RUSAGE_THREAD"),
]);

pub(super) const PRIO_WHICH: Enum =
    names(&[(0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER")]);

pub(super) const SECCOMP_OP: Enum = names(&[
    (0, "SECCOMP_SET_MODE_STRICT"),
    (1, "SECCOMP_SET_MODE_FILTER"),
    (2, "SECCOMP_GET_ACTION_AVAIL"),
    (3, "SECCOMP_GET_NOTIF_SIZES"),
]);

pub(super) const SECCOMP_FLAGS: FlagSet = bits(&[
    (1, "SECCOMP_FILTER_FLAG_TSYNC"),
    (2, "SECCOMP_FILTER_FLAG_LOG"),
    (4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
    (8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
    (16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"),
    (32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
]);

pub(super) const UMOUNT: FlagSet = bits(&[
    (1, "MNT_FORCE"),
    (2, "MNT_DETACH"),
    (4, "MNT_EXPIRE"),
    (8, "UMOUNT_NOFOLLOW"),
]);

pub(super) const MOUNT: FlagSet = FlagSet {
    field: None,
    bits: &[
        (1, "MS_RDONLY"),
        (2, "MS_NOSUID"),
        (4, "MS_NODEV"),
        (8, "MS_NOEXEC"),
        (16, "MS_SYNCHRONOUS"),
        (32, "MS_REMOUNT"),
        (64, "MS_MANDLOCK"),
        (128, "MS_DIRSYNC"),
        (256, "MS_NOSYMFOLLOW"),
        (1024, "MS_NOATIME"),
        (2048, "MS_NODIRATIME"),
        (4096, "MS_BIND"),
        (8192, "MS_MOVE"),
        (16384, "MS_REC"),
        (32768, "MS_SILENT"),
        (1 << 16, "MS_POSIXACL"),
        (1 << 17, "MS_UNBINDABLE"),
        (1 << 18, "MS_PRIVATE"),
        (1 << 19, "MS_SLAVE"),
        (1 << 20, "MS_SHARED"),
        (1 << 21, "MS_RELATIME"),
        (1 << 22, "MS_KERNMOUNT"),
        (1 << 23, "MS_I_VERSION"),
        (1 << 24, "MS_STRICTATIME"),
        (1 << 25, "MS_LAZYTIME"),
        (0xc0ed_0000, "MS_MGC_VAL"),
    ],
    zero: "0",
    wide: true,
};

pub(super) const XATTR: FlagSet = bits(&[(1, "XATTR_CREATE"), (2, "XATTR_REPLACE")]);

pub(super) const SPLICE: FlagSet = bits(&[
    (1, "SPLICE_F_MOVE"),
    (2, "SPLICE_F_NONBLOCK"),
    (4, "SPLICE_F_MORE"),
    (8, "SPLICE_F_GIFT"),
]);

pub(super) const SYNC_FILE_RANGE: FlagSet = bits(&[
    (1, "SYNC_FILE_RANGE_WAIT_BEFORE"),
    (2, "SYNC_FILE_RANGE_WRITE"),
    (4, "SYNC_FILE_RANGE_WAIT_AFTER"),
]);

pub(super) const PIDFD_OPEN: FlagSet = bits(&[(0x80, "PIDFD_THREAD"), (0o4000, "PIDFD_NONBLOCK")]);

pub(super) const USERFAULTFD: FlagSet = bits(&[
    (1, "UFFD_USER_MODE_ONLY"),
    (0o4000, "O_NONBLOCK"),
    (0o2000000, "O_CLOEXEC"),
]);

pub(super) const RWF: FlagSet = bits(&[
    (1, "RWF_HIPRI"),
    (2, "RWF_DSYNC"),
    (4, "RWF_SYNC"),
    (8, "RWF_NOWAIT"),
    (0x10, "RWF_APPEND"),
    (0x20, "RWF_NOAPPEND"),
    (0x40, "RWF_ATOMIC"),
    (0x80, "RWF_DONTCACHE"),
]);

pub(super) const IPC_CMD: Enum = names(&[
    (0, "IPC_RMID"),
    (1, "IPC_SET"),
    (2, "IPC_STAT"),
    (3, "IPC_INFO"),
    (11, "SHM_LOCK"),
    (12, "SHM_UNLOCK"),
    (13, "SHM_STAT"),
    (14, "SHM_INFO"),
]);

pub(super) const SCHED_POLICY: Enum = names(&[
    (0, "SCHED_OTHER"),
    (1, "SCHED_FIFO"),
    (2, "SCHED_RR"),
    (3, "SCHED_BATCH"),
    (5, "SCHED_IDLE"),
    (6, "SCHED_DEADLINE"),
    (7, "SCHED_EXT"),
]);

pub(super) const MEMBARRIER: Enum = names(&[
    (0, "MEMBARRIER_CMD_QUERY"),
    (1, "MEMBARRIER_CMD_GLOBAL"),
    (2, "MEMBARRIER_CMD_GLOBAL_EXPEDITED"),
    (4, "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED"),
    (8, "MEMBARRIER_CMD_PRIVATE_EXPEDITED"),
    (16, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED"),
    (32, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE"),
    (64, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE"),
    (128, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ"),
    (256, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ"),
    (512, "MEMBARRIER_CMD_GET_REGISTRATIONS"),
]);

// ---- fcntl(2)'s third argument --------------------------------------------

pub(super) const FD_FLAGS: FlagSet = bits(&[(1, "FD_CLOEXEC")]);

pub(super) const LEASE: Enum = names(&[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")]);

pub(super) const SEALS: FlagSet = bits(&[
    (1, "F_SEAL_SEAL"),
    (2, "F_SEAL_SHRINK"),
    (4, "F_SEAL_GROW"),
    (8, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
    (0x20, "F_SEAL_EXEC"),
]);

pub(super) const DNOTIFY: FlagSet = bits(&[
    (1, "DN_ACCESS"),
    (2, "DN_MODIFY"),
    (4, "DN_CREATE"),
    (8, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x8000_0000, "DN_MULTISHOT"),
]);

// ---- signals in structs -----------------------------------------------------

pub(super) const SA_FLAGS: FlagSet = FlagSet {
    field: None,
    bits: &[
        (0x1, "SA_NOCLDSTOP"),
        (0x2, "SA_NOCLDWAIT"),
        (0x4, "SA_SIGINFO"),
        (0x400, "SA_UNSUPPORTED"),
        (0x800, "SA_EXPOSE_TAGBITS"),
        (0x0400_0000, "SA_RESTORER"),
        (0x0800_0000, "SA_ONSTACK"),
        (0x1000_0000, "SA_RESTART"),
        (0x4000_0000, "SA_NODEFER"),
        (0x8000_0000, "SA_RESETHAND"),
    ],
    zero: "0",
    wide: true,
};

pub(super) const SA_RESTORER: u64 = 0x0400_0000;

/// A signal set as strace writes it: `[INT TERM]`, or `~[...]` listing
/// the signals not in it when more than half are.
pub(super) fn sigset(mask: u64) -> String {
    let list = |m: u64| {
        (1..=KERNEL_SIGRTMAX)
            .filter(|s| m & (1 << (s - 1)) != 0)
            .map(|s| {
                let name = signal_name(s);
                name.strip_prefix("SIG")
                    .map_or(name.clone(), str::to_string)
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if mask.count_ones() > 32 {
        format!("~[{}]", list(!mask))
    } else {
        format!("[{}]", list(mask))
    }
}

// ---- sockets: protocols, levels and options ---------------------------------

pub(super) const IPPROTO: Enum = names(&[
    (0, "IPPROTO_IP"),
    (1, "IPPROTO_ICMP"),
    (2, "IPPROTO_IGMP"),
    (4, "IPPROTO_IPIP"),
    (6, "IPPROTO_TCP"),
    (8, "IPPROTO_EGP"),
    (12, "IPPROTO_PUP"),
    (17, "IPPROTO_UDP"),
    (22, "IPPROTO_IDP"),
    (29, "IPPROTO_TP"),
    (33, "IPPROTO_DCCP"),
    (41, "IPPROTO_IPV6"),
    (46, "IPPROTO_RSVP"),
    (47, "IPPROTO_GRE"),
    (50, "IPPROTO_ESP"),
    (51, "IPPROTO_AH"),
    (58, "IPPROTO_ICMPV6"),
    (92, "IPPROTO_MTP"),
    (94, "IPPROTO_BEETPH"),
    (98, "IPPROTO_ENCAP"),
    (103, "IPPROTO_PIM"),
    (108, "IPPROTO_COMP"),
    (115, "IPPROTO_L2TP"),
    (132, "IPPROTO_SCTP"),
    (136, "IPPROTO_UDPLITE"),
    (137, "IPPROTO_MPLS"),
    (143, "IPPROTO_ETHERNET"),
    (255, "IPPROTO_RAW"),
    (262, "IPPROTO_MPTCP"),
]);

pub(super) const NETLINK_PROTO: Enum = names(&[
    (0, "NETLINK_ROUTE"),
    (1, "NETLINK_UNUSED"),
    (2, "NETLINK_USERSOCK"),
    (3, "NETLINK_FIREWALL"),
    (4, "NETLINK_SOCK_DIAG"),
    (5, "NETLINK_NFLOG"),
    (6, "NETLINK_XFRM"),
    (7, "NETLINK_SELINUX"),
    (8, "NETLINK_ISCSI"),
    (9, "NETLINK_AUDIT"),
    (10, "NETLINK_FIB_LOOKUP"),
    (11, "NETLINK_CONNECTOR"),
    (12, "NETLINK_NETFILTER"),
    (13, "NETLINK_IP6_FW"),
    (14, "NETLINK_DNRTMSG"),
    (15, "NETLINK_KOBJECT_UEVENT"),
    (16, "NETLINK_GENERIC"),
    (18, "NETLINK_SCSITRANSPORT"),
    (19, "NETLINK_ECRYPTFS"),
    (20, "NETLINK_RDMA"),
    (21, "NETLINK_CRYPTO"),
    (22, "NETLINK_SMC"),
]);

pub(super) const SOL_SOCKET: u64 = 1;
pub(super) const SOL_IP: u64 = 0;
pub(super) const SOL_TCP: u64 = 6;
pub(super) const SOL_UDP: u64 = 17;
pub(super) const SOL_IPV6: u64 = 41;

/// Socket option levels, named as strace names them (`SOL_TCP` for
/// `IPPROTO_TCP`: the same number).
pub(super) const SOCK_LEVEL: Enum = names(&[
    (SOL_IP, "SOL_IP"),
    (SOL_SOCKET, "SOL_SOCKET"),
    (SOL_TCP, "SOL_TCP"),
    (SOL_UDP, "SOL_UDP"),
    (SOL_IPV6, "SOL_IPV6"),
    (58, "SOL_ICMPV6"),
    (132, "SOL_SCTP"),
    (255, "SOL_RAW"),
    (263, "SOL_PACKET"),
    (270, "SOL_NETLINK"),
    (274, "SOL_BLUETOOTH"),
    (279, "SOL_ALG"),
    (282, "SOL_TLS"),
    (283, "SOL_XDP"),
    (284, "SOL_MPTCP"),
]);

pub(super) const SO: Enum = names(&[
    (1, "SO_DEBUG"),
    (2, "SO_REUSEADDR"),
    (3, "SO_TYPE"),
    (4, "SO_ERROR"),
    (5, "SO_DONTROUTE"),
    (6, "SO_BROADCAST"),
    (7, "SO_SNDBUF"),
    (8, "SO_RCVBUF"),
    (9, "SO_KEEPALIVE"),
    (10, "SO_OOBINLINE"),
    (11, "SO_NO_CHECK"),
    (12, "SO_PRIORITY"),
    (13, "SO_LINGER"),
    (14, "SO_BSDCOMPAT"),
    (15, "SO_REUSEPORT"),
    (16, "SO_PASSCRED"),
    (17, "SO_PEERCRED"),
    (18, "SO_RCVLOWAT"),
    (19, "SO_SNDLOWAT"),
    (20, "SO_RCVTIMEO_OLD"),
    (21, "SO_SNDTIMEO_OLD"),
    (22, "SO_SECURITY_AUTHENTICATION"),
    (23, "SO_SECURITY_ENCRYPTION_TRANSPORT"),
    (24, "SO_SECURITY_ENCRYPTION_NETWORK"),
    (25, "SO_BINDTODEVICE"),
    (26, "SO_ATTACH_FILTER"),
    (27, "SO_DETACH_FILTER"),
    (28, "SO_PEERNAME"),
    (29, "SO_TIMESTAMP_OLD"),
    (30, "SO_ACCEPTCONN"),
    (31, "SO_PEERSEC"),
    (32, "SO_SNDBUFFORCE"),
    (33, "SO_RCVBUFFORCE"),
    (34, "SO_PASSSEC"),
    (35, "SO_TIMESTAMPNS_OLD"),
    (36, "SO_MARK"),
    (37, "SO_TIMESTAMPING_OLD"),
    (38, "SO_PROTOCOL"),
    (39, "SO_DOMAIN"),
    (40, "SO_RXQ_OVFL"),
    (41, "SO_WIFI_STATUS"),
    (42, "SO_PEEK_OFF"),
    (43, "SO_NOFCS"),
    (44, "SO_LOCK_FILTER"),
    (45, "SO_SELECT_ERR_QUEUE"),
    (46, "SO_BUSY_POLL"),
    (47, "SO_MAX_PACING_RATE"),
    (48, "SO_BPF_EXTENSIONS"),
    (49, "SO_INCOMING_CPU"),
    (50, "SO_ATTACH_BPF"),
    (51, "SO_ATTACH_REUSEPORT_CBPF"),
    (52, "SO_ATTACH_REUSEPORT_EBPF"),
    (53, "SO_CNX_ADVICE"),
    (55, "SO_MEMINFO"),
    (56, "SO_INCOMING_NAPI_ID"),
    (57, "SO_COOKIE"),
    (59, "SO_PEERGROUPS"),
    (60, "SO_ZEROCOPY"),
    (61, "SO_TXTIME"),
    (62, "SO_BINDTOIFINDEX"),
    (63, "SO_TIMESTAMP_NEW"),
    (64, "SO_TIMESTAMPNS_NEW"),
    (65, "SO_TIMESTAMPING_NEW"),
    (66, "SO_RCVTIMEO_NEW"),
    (67, "SO_SNDTIMEO_NEW"),
    (68, "SO_DETACH_REUSEPORT_BPF"),
    (69, "SO_PREFER_BUSY_POLL"),
    (70, "SO_BUSY_POLL_BUDGET"),
    (71, "SO_NETNS_COOKIE"),
    (72, "SO_BUF_LOCK"),
    (73, "SO_RESERVE_MEM"),
    (74, "SO_TXREHASH"),
    (75, "SO_RCVMARK"),
    (76, "SO_PASSPIDFD"),
    (77, "SO_PEERPIDFD"),
]);

pub(super) const TCP_OPT: Enum = names(&[
    (1, "TCP_NODELAY"),
    (2, "TCP_MAXSEG"),
    (3, "TCP_CORK"),
    (4, "TCP_KEEPIDLE"),
    (5, "TCP_KEEPINTVL"),
    (6, "TCP_KEEPCNT"),
    (7, "TCP_SYNCNT"),
    (8, "TCP_LINGER2"),
    (9, "TCP_DEFER_ACCEPT"),
    (10, "TCP_WINDOW_CLAMP"),
    (11, "TCP_INFO"),
    (12, "TCP_QUICKACK"),
    (13, "TCP_CONGESTION"),
    (14, "TCP_MD5SIG"),
    (15, "TCP_COOKIE_TRANSACTIONS"),
    (16, "TCP_THIN_LINEAR_TIMEOUTS"),
    (17, "TCP_THIN_DUPACK"),
    (18, "TCP_USER_TIMEOUT"),
    (19, "TCP_REPAIR"),
    (20, "TCP_REPAIR_QUEUE"),
    (21, "TCP_QUEUE_SEQ"),
    (22, "TCP_REPAIR_OPTIONS"),
    (23, "TCP_FASTOPEN"),
    (24, "TCP_TIMESTAMP"),
    (25, "TCP_NOTSENT_LOWAT"),
    (26, "TCP_CC_INFO"),
    (27, "TCP_SAVE_SYN"),
    (28, "TCP_SAVED_SYN"),
    (29, "TCP_REPAIR_WINDOW"),
    (30, "TCP_FASTOPEN_CONNECT"),
    (31, "TCP_ULP"),
    (32, "TCP_MD5SIG_EXT"),
    (33, "TCP_FASTOPEN_KEY"),
    (34, "TCP_FASTOPEN_NO_COOKIE"),
    (35, "TCP_ZEROCOPY_RECEIVE"),
    (36, "TCP_INQ"),
    (37, "TCP_TX_DELAY"),
]);

pub(super) const UDP_OPT: Enum = names(&[
    (1, "UDP_CORK"),
    (100, "UDP_ENCAP"),
    (101, "UDP_NO_CHECK6_TX"),
    (102, "UDP_NO_CHECK6_RX"),
    (103, "UDP_SEGMENT"),
    (104, "UDP_GRO"),
]);

pub(super) const IP_OPT: Enum = names(&[
    (1, "IP_TOS"),
    (2, "IP_TTL"),
    (3, "IP_HDRINCL"),
    (4, "IP_OPTIONS"),
    (5, "IP_ROUTER_ALERT"),
    (6, "IP_RECVOPTS"),
    (7, "IP_RETOPTS"),
    (8, "IP_PKTINFO"),
    (9, "IP_PKTOPTIONS"),
    (10, "IP_MTU_DISCOVER"),
    (11, "IP_RECVERR"),
    (12, "IP_RECVTTL"),
    (13, "IP_RECVTOS"),
    (14, "IP_MTU"),
    (15, "IP_FREEBIND"),
    (16, "IP_IPSEC_POLICY"),
    (17, "IP_XFRM_POLICY"),
    (18, "IP_PASSSEC"),
    (19, "IP_TRANSPARENT"),
    (20, "IP_RECVORIGDSTADDR"),
    (21, "IP_MINTTL"),
    (22, "IP_NODEFRAG"),
    (23, "IP_CHECKSUM"),
    (24, "IP_BIND_ADDRESS_NO_PORT"),
    (25, "IP_RECVFRAGSIZE"),
    (26, "IP_RECVERR_RFC4884"),
    (32, "IP_MULTICAST_IF"),
    (33, "IP_MULTICAST_TTL"),
    (34, "IP_MULTICAST_LOOP"),
    (35, "IP_ADD_MEMBERSHIP"),
    (36, "IP_DROP_MEMBERSHIP"),
    (37, "IP_UNBLOCK_SOURCE"),
    (38, "IP_BLOCK_SOURCE"),
    (39, "IP_ADD_SOURCE_MEMBERSHIP"),
    (40, "IP_DROP_SOURCE_MEMBERSHIP"),
    (41, "IP_MSFILTER"),
    (42, "MCAST_JOIN_GROUP"),
    (43, "MCAST_BLOCK_SOURCE"),
    (44, "MCAST_UNBLOCK_SOURCE"),
    (45, "MCAST_LEAVE_GROUP"),
    (46, "MCAST_JOIN_SOURCE_GROUP"),
    (47, "MCAST_LEAVE_SOURCE_GROUP"),
    (48, "MCAST_MSFILTER"),
    (49, "IP_MULTICAST_ALL"),
    (50, "IP_UNICAST_IF"),
    (51, "IP_LOCAL_PORT_RANGE"),
    (52, "IP_PROTOCOL"),
]);

pub(super) const IPV6_OPT: Enum = names(&[
    (1, "IPV6_ADDRFORM"),
    (2, "IPV6_2292PKTINFO"),
    (3, "IPV6_2292HOPOPTS"),
    (4, "IPV6_2292DSTOPTS"),
    (5, "IPV6_2292RTHDR"),
    (6, "IPV6_2292PKTOPTIONS"),
    (7, "IPV6_CHECKSUM"),
    (8, "IPV6_2292HOPLIMIT"),
    (9, "IPV6_NEXTHOP"),
    (10, "IPV6_AUTHHDR"),
    (11, "IPV6_FLOWINFO"),
    (16, "IPV6_UNICAST_HOPS"),
    (17, "IPV6_MULTICAST_IF"),
    (18, "IPV6_MULTICAST_HOPS"),
    (19, "IPV6_MULTICAST_LOOP"),
    (20, "IPV6_ADD_MEMBERSHIP"),
    (21, "IPV6_DROP_MEMBERSHIP"),
    (22, "IPV6_ROUTER_ALERT"),
    (23, "IPV6_MTU_DISCOVER"),
    (24, "IPV6_MTU"),
    (25, "IPV6_RECVERR"),
    (26, "IPV6_V6ONLY"),
    (27, "IPV6_JOIN_ANYCAST"),
    (28, "IPV6_LEAVE_ANYCAST"),
    (29, "IPV6_MULTICAST_ALL"),
    (30, "IPV6_ROUTER_ALERT_ISOLATE"),
    (31, "IPV6_RECVERR_RFC4884"),
    (32, "IPV6_FLOWLABEL_MGR"),
    (33, "IPV6_FLOWINFO_SEND"),
    (34, "IPV6_IPSEC_POLICY"),
    (35, "IPV6_XFRM_POLICY"),
    (36, "IPV6_HDRINCL"),
    (49, "IPV6_RECVPKTINFO"),
    (50, "IPV6_PKTINFO"),
    (51, "IPV6_RECVHOPLIMIT"),
    (52, "IPV6_HOPLIMIT"),
    (53, "IPV6_RECVHOPOPTS"),
    (54, "IPV6_HOPOPTS"),
    (55, "IPV6_RTHDRDSTOPTS"),
    (56, "IPV6_RECVRTHDR"),
    (57, "IPV6_RTHDR"),
    (58, "IPV6_RECVDSTOPTS"),
    (59, "IPV6_DSTOPTS"),
    (60, "IPV6_RECVPATHMTU"),
    (61, "IPV6_PATHMTU"),
    (62, "IPV6_DONTFRAG"),
    (66, "IPV6_RECVTCLASS"),
    (67, "IPV6_TCLASS"),
    (70, "IPV6_AUTOFLOWLABEL"),
    (72, "IPV6_ADDR_PREFERENCES"),
    (73, "IPV6_MINHOPCOUNT"),
    (74, "IPV6_RECVORIGDSTADDR"),
    (75, "IPV6_TRANSPARENT"),
    (76, "IPV6_UNICAST_IF"),
    (77, "IPV6_RECVFRAGSIZE"),
    (78, "IPV6_FREEBIND"),
]);

/// The option names of a socket option level, if we know them.
pub(super) fn sockopt_names(level: u64) -> Option<&'static Enum> {
    Some(match level {
        SOL_SOCKET => &SO,
        SOL_IP => &IP_OPT,
        SOL_TCP => &TCP_OPT,
        SOL_UDP => &UDP_OPT,
        SOL_IPV6 => &IPV6_OPT,
        _ => return None,
    })
}

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
    fn enum_names_are_unique() {
        for e in ENUMS {
            for (k, (v, n)) in e.names.iter().enumerate() {
                assert!(
                    e.names[k + 1..].iter().all(|(w, m)| w != v && m != n),
                    "{n} {v}"
                );
            }
        }
    }

    #[test]
    fn futex_ops_and_sigsets() {
        assert_eq!(futex_op(0x81), "FUTEX_WAKE_PRIVATE");
        assert_eq!(futex_op(0), "FUTEX_WAIT");
        assert_eq!(
            futex_op(0x189),
            "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"
        );
        assert_eq!(futex_op(0x7f | 0x1000), "127|0x1000");
        assert_eq!(sigset(0), "[]");
        assert_eq!(sigset(1 << 1 | 1 << 14), "[INT TERM]");
        assert_eq!(sigset(!(1u64 << 8)), "~[KILL]");
        assert_eq!(cap_set(0), "0");
        assert_eq!(cap_set(1 | 1 << 63), "1<<CAP_CHOWN|0x8000000000000000");
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
        ("FLOCK", &FLOCK),
        ("GETRANDOM", &GETRANDOM),
        ("EVENTFD", &EVENTFD),
        ("EPOLL_CREATE", &EPOLL_CREATE),
        ("EPOLL_EVENTS", &EPOLL_EVENTS),
        ("POLL_EVENTS", &POLL_EVENTS),
        ("WAIT4", &WAIT4),
        ("WAITID", &WAITID),
        ("PKEY_ACCESS", &PKEY_ACCESS),
        ("TIMER_ABSTIME", &TIMER_ABSTIME),
        ("TFD_CREATE", &TFD_CREATE),
        ("TFD_SETTIME", &TFD_SETTIME),
        ("SFD", &SFD),
        ("IN_INIT", &IN_INIT),
        ("IN_MASK", &IN_MASK),
        ("MFD", &MFD),
        ("CLOSE_RANGE", &CLOSE_RANGE),
        ("STATX_MASK", &STATX_MASK),
        ("MREMAP", &MREMAP),
        ("MSYNC", &MSYNC),
        ("MLOCKALL", &MLOCKALL),
        ("MLOCK2", &MLOCK2),
        ("FALLOC", &FALLOC),
        ("SECCOMP_FLAGS", &SECCOMP_FLAGS),
        ("UMOUNT", &UMOUNT),
        ("MOUNT", &MOUNT),
        ("XATTR", &XATTR),
        ("SPLICE", &SPLICE),
        ("SYNC_FILE_RANGE", &SYNC_FILE_RANGE),
        ("PIDFD_OPEN", &PIDFD_OPEN),
        ("USERFAULTFD", &USERFAULTFD),
        ("RWF", &RWF),
        ("FD_FLAGS", &FD_FLAGS),
        ("SEALS", &SEALS),
        ("DNOTIFY", &DNOTIFY),
        ("SA_FLAGS", &SA_FLAGS),
    ];

    const ENUMS: &[&Enum] = &[
        &FAMILIES,
        &SHUTDOWN_HOW,
        &PTRACE,
        &SIGPROCMASK_HOW,
        &WHENCE,
        &FCNTL_CMD,
        &PRCTL,
        &ARCH_PRCTL,
        &MADVISE,
        &RLIMIT,
        &EPOLL_CTL,
        &IDTYPE,
        &ITIMER,
        &CLOCKS,
        &SOCK_LEVEL,
        &SO,
        &TCP_OPT,
        &IP_OPT,
        &IPV6_OPT,
        &IPPROTO,
        &NETLINK_PROTO,
        &CAP_VERSION,
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
