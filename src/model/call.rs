//! What the supervisor knows about one trapped call.

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use syscalls::Sysno;

use crate::time::Mono;

pub use crate::sys::notify::Notif;

/// `AUDIT_ARCH_X86_64`: the architecture whose calls are decoded.
pub const AUDIT_ARCH_X86_64: u32 = crate::sys::bpf::AUDIT_ARCH_X86_64;
/// `AUDIT_ARCH_I386`: 32-bit x86 calls (int 0x80) on an x86_64 kernel.
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;

/// A socket address read from the target, decoded by family.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Inet {
        ip: IpAddr,
        port: u16,
    },
    /// `AF_UNIX` with a filesystem path.
    Unix(Vec<u8>),
    /// `AF_UNIX` in the abstract namespace (shown as `@name`).
    Abstract(Vec<u8>),
    /// `AF_UNIX` with no name (autobind / unnamed).
    UnixUnnamed,
    /// Any other family, by its number (the decoder names it).
    Other {
        family: u16,
    },
    /// The length was too short for the family it claims, or longer than
    /// any address (`sockaddr_storage`): the kernel refuses it with EINVAL.
    Invalid {
        family: u16,
        len: usize,
    },
}

impl SockAddr {
    pub fn port(&self) -> Option<u16> {
        match self {
            SockAddr::Inet { port, .. } => Some(*port),
            _ => None,
        }
    }
}

/// One decoded argument value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A signed integer (counts, pids, backlog).
    Int(i64),
    /// An unsigned number shown in hex (pointers we do not follow, raw bits).
    Hex(u64),
    /// A file descriptor of the target and what it refers to
    /// (`/etc/hosts`, `socket:[1234]`, `pipe:[99]`), plus the local address
    /// when it is a bound socket.
    Fd {
        fd: i32,
        target: Option<Vec<u8>>,
        local: Option<SockAddr>,
    },
    /// A directory fd for the `*at` calls: `AT_FDCWD` or an fd, and what
    /// the fd refers to (never read for `AT_FDCWD`: a relative path's
    /// resolved form shows the cwd).
    DirFd { fd: i32, target: Option<Vec<u8>> },
    /// A path as the target gave it, and resolved to absolute form against
    /// its cwd or dirfd (`None` when it could not be resolved).
    Path {
        given: Vec<u8>,
        resolved: Option<Vec<u8>>,
    },
    /// A string that is not a path to resolve (a symlink's target).
    Str(Vec<u8>),
    /// A pointer whose memory could not be read (errno of the read).
    Unreadable { addr: u64, errno: i32 },
    /// A string that ran into unreadable memory before its NUL: the bytes
    /// read so far, and the errno of the read that failed.
    Partial { bytes: Vec<u8>, errno: i32 },
    /// A NULL pointer.
    Null,
    /// Flags shown symbolically, e.g. `O_WRONLY|O_CREAT|O_TRUNC`.
    Flags(String),
    /// A file mode, shown in octal.
    Mode(u32),
    /// A socket address.
    SockAddr(SockAddr),
    /// `argv` of execve: the first few strings, and whether more followed.
    Argv { items: Vec<Vec<u8>>, more: bool },
}

/// One argument of a decoded call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The parameter's name from the man page (`pathname`, `flags`).
    pub name: &'static str,
    /// The raw register value.
    pub raw: u64,
    pub value: Value,
}

/// What /proc says about the calling thread's process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcFacts {
    /// Thread group id (the process) of the calling thread.
    pub tgid: u32,
    /// Parent of the process.
    pub ppid: u32,
    pub comm: Arc<[u8]>,
    pub exe: Arc<[u8]>,
    pub creds: Creds,
}

/// The filesystem identity and rights of the calling process, which
/// emulation adopts so it never does more than the target could.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Creds {
    pub fsuid: u32,
    pub fsgid: u32,
    pub groups: Arc<[u32]>,
    pub umask: u32,
    /// Effective capability bits.
    pub cap_eff: u64,
}

/// Raw bytes copied out of the target once, before deciding, so that
/// emulation works on exactly what was shown and decided (never re-read).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copies {
    /// The socket address argument of connect/bind/sendto.
    pub sockaddr: Option<Vec<u8>>,
    /// openat2's `struct open_how`: flags, mode, resolve.
    pub open_how: Option<[u64; 3]>,
}

impl Copies {
    const NONE: Copies = Copies {
        sockaddr: None,
        open_how: None,
    };

    /// Boxed for a [`Call`] when there is anything: most calls have no
    /// copies, and a call's size is memory written for every call.
    pub fn boxed(self) -> Option<Box<Copies>> {
        (self != Copies::NONE).then(|| Box::new(self))
    }
}

/// The object a path argument makes the kernel touch, found by walking
/// the path as the program sees the filesystem (`decode::realpath`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RealPath {
    /// The real path, absolute in the program's view, no symlink left.
    Found(Vec<u8>),
    /// It could not be found (why, in words): rules then match the path as
    /// written, never something looser.
    Unresolved(String),
}

/// The real paths of a call's path arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RealPaths {
    /// By argument index.
    pub paths: Vec<(usize, RealPath)>,
    /// The number `/proc/self` names for the calling process, so rules can
    /// say "the calling process" (`/proc/{self}/**`).
    pub proc_self: Option<u32>,
}

impl RealPaths {
    pub fn of_arg(&self, index: usize) -> Option<&RealPath> {
        self.paths.iter().find(|(i, _)| *i == index).map(|(_, r)| r)
    }
}

/// The container a call comes from, as its runtime described it when it
/// handed the container's listener to `unotify-tui agent` (the OCI
/// container process state). Both strings are the runtime's: escape them
/// for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// `state.id`: the container's id (`runc run … ID`).
    pub id: String,
    /// `metadata`: the seccomp profile's `listenerMetadata`, if any.
    pub metadata: Option<String>,
}

/// A trapped call, read and decoded, ready for rules and display.
#[derive(Clone, Debug)]
pub struct Call {
    pub notif: Notif,
    /// The calling thread's process, shared with the receiver's cache of
    /// /proc facts: a call costs one reference count, not a copy of them
    /// (nor a free on another thread).
    pub proc: Arc<ProcFacts>,
    /// See [`Call::copies`].
    pub copies: Option<Box<Copies>>,
    /// The syscall, if the number is a known x86_64 one.
    pub sysno: Option<Sysno>,
    pub args: Vec<Arg>,
    /// When RECV returned it.
    pub received: Mono,
    pub received_wall: SystemTime,
    /// Found where a decision depends on them (a path rule for this
    /// syscall, a person deciding) before the call is answered, else when
    /// first shown: see `decode::realpath::real_paths`.
    pub real: OnceLock<RealPaths>,
    /// The container the call comes from (the agent), else `None`.
    pub container: Option<std::sync::Arc<Container>>,
    /// The call site (`--stack`), captured before the call was answered.
    /// Boxed: a call's size is memory written for every call.
    pub stack: Option<Box<super::Stack>>,
}

impl Call {
    /// The raw copies made before deciding (none for most calls).
    pub fn copies(&self) -> &Copies {
        self.copies.as_deref().unwrap_or(&Copies::NONE)
    }

    /// The syscall's name, or `syscall_N` for unknown numbers; a call of
    /// another architecture says which (`i386:syscall_5`, `x32:syscall_2`):
    /// its number means another syscall there.
    pub fn name(&self) -> String {
        const X32_SYSCALL_BIT: u32 = 0x4000_0000;
        let nr = self.notif.nr as u32;
        match (self.sysno, self.notif.arch) {
            (Some(s), _) => s.name().to_string(),
            (None, AUDIT_ARCH_X86_64) if nr & X32_SYSCALL_BIT != 0 => {
                format!("x32:syscall_{}", nr & !X32_SYSCALL_BIT)
            }
            (None, AUDIT_ARCH_X86_64) => format!("syscall_{}", self.notif.nr),
            (None, AUDIT_ARCH_I386) => format!("i386:syscall_{nr}"),
            (None, arch) => format!("arch_{arch:#x}:syscall_{nr}"),
        }
    }

    /// Every resolved absolute path among the arguments (the given path
    /// when it could not be resolved).
    pub fn paths(&self) -> Vec<&[u8]> {
        self.args
            .iter()
            .filter_map(|a| match &a.value {
                Value::Path { given, resolved } => {
                    Some(resolved.as_deref().unwrap_or(given.as_slice()))
                }
                _ => None,
            })
            .collect()
    }

    /// The socket address the call is about: the address argument of
    /// bind/connect/sendto, else the local address of its socket fd
    /// (listen, accept).
    pub fn sockaddr(&self) -> Option<&SockAddr> {
        self.args
            .iter()
            .find_map(|a| match &a.value {
                Value::SockAddr(s) => Some(s),
                _ => None,
            })
            .or_else(|| {
                self.args.iter().find_map(|a| match &a.value {
                    Value::Fd { local: Some(s), .. } => Some(s),
                    _ => None,
                })
            })
    }
}
