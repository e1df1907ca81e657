//! The decoder: registers and target memory into named, typed arguments,
//! following the syscall table.

use std::cell::{OnceCell, RefCell};

use syscalls::Sysno;

use super::flags::{self, CLONE_NS, OPEN, RESOLVE, format_mode};
use super::ioctl;
use super::memory::{PATH_MAX, ReadStr, TargetView, field_u64, read_cstring, read_exact, read_u64};
use super::sockaddr::{SOCKADDR_STORAGE_LEN, parse_sockaddr};
use super::table::{GENERIC_NAMES, Kind, Params, Reach, params};
use crate::model::{Arg, Copies, SockAddr, Value};

/// `sizeof(struct sockaddr_storage)`: the kernel rejects longer addresses.
const SOCKADDR_MAX: usize = SOCKADDR_STORAGE_LEN;
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
/// `struct pollfd`: int fd, short events, short revents.
const POLLFD_SIZE: usize = 8;
/// How many entries of a poll array are shown.
const POLLFD_MAX: u32 = 8;

/// Decodes the arguments of a call: one [`Arg`] per parameter of the
/// syscall, or `arg0`..`arg5` in hex for calls without a table entry
/// (including unknown numbers).
pub fn decode_args(sysno: Option<Sysno>, args: &[u64; 6], view: &dyn TargetView) -> Vec<Arg> {
    decode_with_copies(sysno, args, view).0
}

/// The x86_64 syscall a notification is about; `None` for a number we
/// do not know, and for every call of another architecture (someone
/// else's filter, under `attach`, may let i386 or x32 calls through:
/// their numbers mean other syscalls). Such calls are shown raw and can
/// still be answered; rules never match them by name.
pub fn native_sysno(n: &crate::model::Notif) -> Option<Sysno> {
    if n.arch != crate::model::AUDIT_ARCH_X86_64 || n.nr as u32 & X32_SYSCALL_BIT != 0 {
        return None;
    }
    usize::try_from(n.nr).ok().and_then(Sysno::new)
}

/// x32 calls come with x86_64's AUDIT_ARCH and this bit in the number.
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// [`decode_args`], plus the raw [`Copies`] emulation needs, taken from the
/// very bytes that were decoded: memory is read once, so what is shown,
/// what rules match and what emulation does cannot differ even if the
/// target rewrites its memory meanwhile.
pub fn decode_with_copies(
    sysno: Option<Sysno>,
    args: &[u64; 6],
    view: &dyn TargetView,
) -> (Vec<Arg>, Copies) {
    decode_reusing(sysno, args, view, Vec::new())
}

/// How far decoding a call of `sysno` reaches: the widest [`Reach`] of
/// its parameters. A call of [`Reach::Registers`] can be decoded after it
/// was answered and show what it showed before; one of
/// [`Reach::Gathered`] can be, from what [`super::gather`] read while it
/// waited. Unknown numbers are shown raw, from their registers.
pub fn reach(sysno: Option<Sysno>) -> Reach {
    sysno.and_then(params).map_or(Reach::Registers, |params| {
        params
            .iter()
            .map(|&(_, kind)| kind.reach())
            .max()
            .unwrap_or(Reach::Registers)
    })
}

/// [`decode_with_copies`], written into the argument list of an earlier
/// call: its vector, and the bytes of its paths and strings, are written
/// over where the new call has them too, not freed and allocated again
/// (the receiver decodes every call, and a path call allocated three
/// times).
pub fn decode_reusing(
    sysno: Option<Sysno>,
    args: &[u64; 6],
    view: &dyn TargetView,
    mut earlier: Vec<Arg>,
) -> (Vec<Arg>, Copies) {
    let Some(params) = sysno.and_then(params) else {
        earlier.clear();
        earlier.extend(GENERIC_NAMES.iter().zip(args).map(|(&name, &raw)| Arg {
            name,
            raw,
            value: Value::Hex(raw),
        }));
        return (earlier, Copies::default());
    };
    // A call without arguments (getppid, sched_yield) needs no decoder:
    // the receiver is spared building one for every such call.
    if params.is_empty() {
        earlier.clear();
        return (earlier, Copies::default());
    }
    let decoder = Decoder {
        params,
        args,
        view,
        open_how: OnceCell::new(),
        sockaddr: RefCell::new(None),
        cwd: OnceCell::new(),
        spare: RefCell::default(),
    };
    let mut decoded = earlier;
    decoded.truncate(params.len());
    for (i, &(name, kind)) in params.iter().enumerate() {
        if let Some(old) = decoded.get_mut(i) {
            *decoder.spare.borrow_mut() = SpareBytes::from(&mut old.value);
        }
        let arg = Arg {
            name,
            raw: args[i],
            value: decoder.value(i, kind),
        };
        match decoded.get_mut(i) {
            Some(old) => *old = arg,
            None => decoded.push(arg),
        }
    }
    let copies = Copies {
        sockaddr: decoder.sockaddr.into_inner(),
        open_how: decoder.open_how.get().and_then(|how| how.ok()),
    };
    (decoded, copies)
}

/// The byte buffers of an earlier call's argument at the same position,
/// for the new argument's string and resolved path to be written into.
#[derive(Default)]
struct SpareBytes {
    string: Vec<u8>,
    resolved: Vec<u8>,
}

impl SpareBytes {
    /// Takes the buffers out of `value` (left holding empty ones).
    fn from(value: &mut Value) -> SpareBytes {
        let take = std::mem::take;
        match value {
            Value::Path { given, resolved } => SpareBytes {
                string: take(given),
                resolved: resolved.take().unwrap_or_default(),
            },
            Value::Str(bytes) | Value::Partial { bytes, .. } => SpareBytes {
                string: take(bytes),
                resolved: Vec::new(),
            },
            _ => SpareBytes::default(),
        }
    }
}

/// The low 32 bits of a register as a C `int`: the kernel truncates `int`
/// parameters, so whatever the upper half holds is not part of the value
/// (`AT_FDCWD` often arrives as `0x00000000ffffff9c`).
pub(super) fn int(raw: u64) -> i32 {
    raw as u32 as i32
}

/// `N` bytes at `addr`, all of them or the errno.
fn read_array<const N: usize>(view: &dyn TargetView, addr: u64) -> Result<[u8; N], i32> {
    let mut b = [0u8; N];
    read_exact(view, addr, &mut b)?;
    Ok(b)
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
    /// Buffers of the earlier call's argument at the position being
    /// decoded ([`decode_reusing`]).
    spare: RefCell<SpareBytes>,
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
            Kind::Unused => Value::Hex(raw),
            Kind::Id => id(raw),
            Kind::Ioctl => Value::Flags(ioctl::format_request(raw)),
            Kind::PrctlArg(n) => self.prctl_arg(n, raw),
            Kind::FutexOp => Value::Flags(flags::futex_op(raw)),
            Kind::FutexVal3(op) => {
                let v = raw as u32;
                if flags::futex_uses_bitset(self.args[op]) && v == u32::MAX {
                    Value::Flags("FUTEX_BITSET_MATCH_ANY".to_string())
                } else {
                    Value::Int(v.into())
                }
            }
            Kind::SockOpt(level) => {
                let level = self.args[level] & 0xffff_ffff;
                match flags::sockopt_names(level).and_then(|e| e.name(raw)) {
                    Some(name) => Value::Flags(name.to_string()),
                    None => Value::Int(int(raw).into()),
                }
            }
            Kind::SockOptVal(len) => {
                if raw != 0 && self.args[len] as u32 == 4 {
                    match read_array::<4>(self.view, raw) {
                        Ok(b) => Value::Flags(format!("[{}]", i32::from_ne_bytes(b))),
                        Err(errno) => Value::Unreadable { addr: raw, errno },
                    }
                } else {
                    pointer(raw)
                }
            }
            Kind::Protocol(domain) => {
                let names = match int(self.args[domain]) {
                    libc::AF_INET | libc::AF_INET6 => Some(&flags::IPPROTO),
                    libc::AF_NETLINK => Some(&flags::NETLINK_PROTO),
                    _ => None,
                };
                match names.and_then(|e| e.name(raw)) {
                    Some(name) => Value::Flags(name.to_string()),
                    None => Value::Int(int(raw).into()),
                }
            }
            Kind::FcntlArg(cmd) => fcntl_arg(int(self.args[cmd]), raw),
            Kind::SigSet => self.read_with(raw, |b: [u8; 8]| flags::sigset(u64::from_ne_bytes(b))),
            Kind::SigAction => self.read_with(raw, |b: [u8; 32]| sigaction(&b)),
            Kind::Rlimit => self.read_with(raw, |b: [u8; 16]| {
                format!(
                    "{{rlim_cur={}, rlim_max={}}}",
                    rlim(field_u64(&b, 0)),
                    rlim(field_u64(&b, 8))
                )
            }),
            Kind::EpollEvent => self.read_with(raw, |b: [u8; 12]| {
                let events = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
                format!(
                    "{{events={}, data={:#x}}}",
                    flags::EPOLL_EVENTS.format(events.into()),
                    field_u64(&b, 4)
                )
            }),
            Kind::CapHeader => self.read_with(raw, |b: [u8; 8]| {
                let version = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
                let pid = i32::from_ne_bytes([b[4], b[5], b[6], b[7]]);
                let version = flags::CAP_VERSION
                    .name(version.into())
                    .map_or_else(|| format!("{version:#x}"), str::to_string);
                format!("{{version={version}, pid={pid}}}")
            }),
            Kind::PollFds(n) => self.poll_fds(raw, self.args[n] as u32),
            Kind::CapData => self.read_with(raw, |b: [u8; 24]| {
                // Two `{effective, permitted, inheritable}` u32 triples:
                // the low and high halves of each 64-bit set.
                let half = |k: usize| u32::from_ne_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
                let set = |k: usize| u64::from(half(k)) | u64::from(half(k + 12)) << 32;
                format!(
                    "{{effective={}, permitted={}, inheritable={}}}",
                    flags::cap_set(set(0)),
                    flags::cap_set(set(4)),
                    flags::cap_set(set(8))
                )
            }),
        }
    }

    /// A struct of `N` bytes at `ptr` the call reads, rendered by `show`;
    /// NULL or unreadable otherwise.
    fn read_with<const N: usize>(&self, ptr: u64, show: impl Fn([u8; N]) -> String) -> Value {
        if ptr == 0 {
            return Value::Null;
        }
        match read_array::<N>(self.view, ptr) {
            Ok(b) => Value::Flags(show(b)),
            Err(errno) => Value::Unreadable { addr: ptr, errno },
        }
    }

    /// `[{fd=3, events=POLLIN}, ...]`: the first [`POLLFD_MAX`] entries
    /// of poll's array of `count`, `...` after them if there are more.
    fn poll_fds(&self, ptr: u64, count: u32) -> Value {
        if ptr == 0 {
            return Value::Null;
        }
        let shown = count.min(POLLFD_MAX) as usize;
        let mut b = vec![0u8; shown * POLLFD_SIZE];
        if let Err(errno) = read_exact(self.view, ptr, &mut b) {
            return Value::Unreadable { addr: ptr, errno };
        }
        let mut parts: Vec<String> = b
            .chunks_exact(POLLFD_SIZE)
            .map(|e| {
                let fd = i32::from_ne_bytes([e[0], e[1], e[2], e[3]]);
                let events = u16::from_ne_bytes([e[4], e[5]]);
                format!(
                    "{{fd={fd}, events={}}}",
                    flags::POLL_EVENTS.format(events.into())
                )
            })
            .collect();
        if count > POLLFD_MAX {
            parts.push("...".to_string());
        }
        Value::Flags(format!("[{}]", parts.join(", ")))
    }

    /// prctl's argument `n`, by the option in argument 0.
    fn prctl_arg(&self, n: u8, raw: u64) -> Value {
        let named = |e: &flags::Enum| match e.name(raw) {
            Some(name) => Value::Flags(name.to_string()),
            None => Value::Int(raw as i64),
        };
        match (int(self.args[0]), n) {
            (flags::PR_SET_NAME, 2) => match self.string(raw) {
                Ok(bytes) => Value::Str(bytes),
                Err(v) => v,
            },
            (flags::PR_SET_PDEATHSIG, 2) => signal(int(raw).into()),
            (flags::PR_CAPBSET_READ | flags::PR_CAPBSET_DROP, 2) => {
                Value::Flags(flags::cap_name(raw))
            }
            (flags::PR_SET_SECCOMP, 2) => named(&flags::SECCOMP_MODE),
            (flags::PR_CAP_AMBIENT, 2) => named(&flags::PR_CAP_AMBIENT_OPS),
            (flags::PR_CAP_AMBIENT, 3) => Value::Flags(flags::cap_name(raw)),
            (flags::PR_SET_MM, 2) => named(&flags::PR_SET_MM_OPS),
            (flags::PR_SET_VMA, 2) => named(&flags::PR_SET_VMA_OPS),
            (flags::PR_SET_VMA, 5) => match self.string(raw) {
                Ok(bytes) => Value::Str(bytes),
                Err(v) => v,
            },
            (flags::PR_SET_PTRACER, 2) if raw == u64::MAX || raw == 0xffff_ffff => {
                Value::Flags("PR_SET_PTRACER_ANY".to_string())
            }
            _ => Value::Hex(raw),
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
        let into = std::mem::take(&mut self.spare.borrow_mut().string);
        match self.view.cstring(raw, PATH_MAX, into) {
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
            let into = std::mem::take(&mut self.spare.borrow_mut().resolved);
            return Some(normalize_into(given, into));
        }
        let mut joined = self.base_dir(dirfd)?;
        joined.push(b'/');
        joined.extend_from_slice(given);
        Some(normalized(joined))
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

    /// `{flags=O_RDONLY, resolve=RESOLVE_BENEATH}` (the mode only when it
    /// matters, see below). The fields
    /// are `u64`s the kernel checks in full, so no bits are dropped.
    fn open_how(&self, ptr: u64) -> Value {
        let [flags, mode, resolve] = match self.how(ptr) {
            None => return Value::Null,
            Some(Err(errno)) => return Value::Unreadable { addr: ptr, errno },
            Some(Ok(how)) => how,
        };
        // Like open's mode argument, the mode only means something when
        // the flags create a file; the kernel refuses a non-zero mode
        // otherwise, so one is shown then too.
        let mode = if flags::creates(flags) || mode != 0 {
            match u32::try_from(mode) {
                Ok(m) => format!(", mode={}", format_mode(m)),
                Err(_) => format!(", mode={mode:#x}"),
            }
        } else {
            String::new()
        };
        Value::Flags(format!(
            "{{flags={}{mode}, resolve={}}}",
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

/// A uid or gid: `-1` (the kernel's "leave unchanged") as -1.
fn id(raw: u64) -> Value {
    match raw as u32 {
        u32::MAX => Value::Int(-1),
        v => Value::Int(v.into()),
    }
}

/// `RLIM64_INFINITY`, or the number.
fn rlim(v: u64) -> String {
    if v == u64::MAX {
        "RLIM64_INFINITY".to_string()
    } else {
        v.to_string()
    }
}

/// `{sa_handler=SIG_IGN, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART,
/// sa_restorer=0x7f..}` from the kernel's `struct sigaction` (handler,
/// flags, restorer, mask: four u64s on x86_64).
fn sigaction(b: &[u8; 32]) -> String {
    let handler = match field_u64(b, 0) {
        0 => "SIG_DFL".to_string(),
        1 => "SIG_IGN".to_string(),
        h => format!("{h:#x}"),
    };
    let sa_flags = field_u64(b, 8);
    let restorer = field_u64(b, 16);
    let mask = flags::sigset(field_u64(b, 24));
    let flags_text = flags::SA_FLAGS.format(sa_flags);
    if sa_flags & flags::SA_RESTORER != 0 {
        format!(
            "{{sa_handler={handler}, sa_mask={mask}, sa_flags={flags_text}, sa_restorer={restorer:#x}}}"
        )
    } else {
        format!("{{sa_handler={handler}, sa_mask={mask}, sa_flags={flags_text}}}")
    }
}

/// fcntl's third argument, by command: `FD_CLOEXEC` for F_SETFD, open
/// flags for F_SETFL, a signal for F_SETSIG, seals, leases, an fd or
/// pid for the rest that take a number; a pointer (locks) in hex.
fn fcntl_arg(cmd: i32, raw: u64) -> Value {
    let set = |s: &flags::FlagSet| Value::Flags(s.format(s.width(raw)));
    match cmd {
        libc::F_SETFD => set(&flags::FD_FLAGS),
        libc::F_SETFL => Value::Flags(OPEN.format(OPEN.width(raw))),
        libc::F_ADD_SEALS => set(&flags::SEALS),
        libc::F_NOTIFY => set(&flags::DNOTIFY),
        libc::F_SETLEASE => match flags::LEASE.name(raw) {
            Some(n) => Value::Flags(n.to_string()),
            None => Value::Int(int(raw).into()),
        },
        // F_SETSIG
        10 => signal(int(raw).into()),
        libc::F_DUPFD | libc::F_DUPFD_CLOEXEC | libc::F_SETOWN | libc::F_SETPIPE_SZ => {
            Value::Int(int(raw).into())
        }
        _ => Value::Hex(raw),
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
    normalize_into(path, Vec::new())
}

/// [`normalize`] written into `out` (what it held is dropped, its
/// allocation kept).
fn normalize_into(path: &[u8], mut out: Vec<u8>) -> Vec<u8> {
    out.clear();
    if is_normal(path) {
        out.extend_from_slice(path);
        return out;
    }
    normalize_parts(path, out)
}

/// [`normalize`] of a path already in a vector of its own: the vector
/// itself when the path is normal (most are).
fn normalized(path: Vec<u8>) -> Vec<u8> {
    if is_normal(&path) {
        return path;
    }
    normalize_parts(&path, Vec::with_capacity(path.len()))
}

/// Whether `path` is absolute and has no `//`, `.` or `..` to collapse
/// (and no trailing `/` but the root's).
fn is_normal(path: &[u8]) -> bool {
    path == b"/"
        || (path.len() > 1
            && path[0] == b'/'
            && path[1..]
                .split(|&b| b == b'/')
                .all(|c| !matches!(c, b"" | b"." | b"..")))
}

/// [`normalize`] by taking the path apart and putting it together again,
/// into `out` (empty).
fn normalize_parts(path: &[u8], mut out: Vec<u8>) -> Vec<u8> {
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
        out.push(b'/');
        return out;
    }
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::decode::fake::*;
    use crate::decode::format::format_call;

    /// Under `attach`, someone else's filter may let other architectures'
    /// calls through: their numbers mean other syscalls, so they are
    /// never decoded as x86_64 ones, and their name says whose they are.
    #[test]
    fn calls_of_other_architectures_stay_raw_and_say_whose_they_are() {
        use crate::model::testing::FakeCall;
        let notif = |arch: u32, nr: i32| crate::model::Notif {
            id: 1,
            pid: 100,
            flags: 0,
            nr,
            arch,
            instruction_pointer: 0,
            args: [0; 6],
        };
        let x86_64 = crate::model::AUDIT_ARCH_X86_64;
        let i386 = crate::model::AUDIT_ARCH_I386;
        // i386's 5 is open; x86_64's 5 is fstat.
        assert_eq!(native_sysno(&notif(x86_64, 5)), Some(Sysno::fstat));
        assert_eq!(native_sysno(&notif(i386, 5)), None);
        assert_eq!(native_sysno(&notif(x86_64, 0x4000_0002)), None);
        assert_eq!(native_sysno(&notif(0xc000_00b7, 56)), None);
        let named = |n: crate::model::Notif| {
            let mut c = FakeCall::new(None, [0; 6]).build();
            c.notif = n;
            c.name()
        };
        assert_eq!(named(notif(i386, 5)), "i386:syscall_5");
        assert_eq!(named(notif(x86_64, 0x4000_0002)), "x32:syscall_2");
        assert_eq!(named(notif(0xc000_00b7, 56)), "arch_0xc00000b7:syscall_56");
        assert_eq!(named(notif(x86_64, 9999)), "syscall_9999");
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

    /// Counts every look at the target: memory, fds, cwd, sockets.
    #[derive(Default)]
    struct Watched(std::cell::Cell<usize>);

    impl TargetView for Watched {
        fn read_mem(&self, _addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
            self.0.set(self.0.get() + 1);
            Ok(buf.len())
        }
        fn fd_target(&self, _fd: i32) -> Option<Vec<u8>> {
            self.0.set(self.0.get() + 1);
            Some(b"/x".to_vec())
        }
        fn cwd(&self) -> Option<Vec<u8>> {
            self.0.set(self.0.get() + 1);
            Some(b"/".to_vec())
        }
        fn socket_local(&self, _fd: i32) -> Option<Vec<u8>> {
            self.0.set(self.0.get() + 1);
            None
        }
    }

    /// Calls whose arguments are all numbers are decoded after their
    /// answer (the receiver's quick lane); those of strings, paths and
    /// plain fds from what was gathered while they waited; a buffer, a
    /// structure or a socket only the decoder reads, while the call waits.
    #[test]
    fn how_far_each_call_reaches_into_the_target() {
        let cases = [
            (
                Reach::Registers,
                &[Sysno::getppid, Sysno::getpid, Sysno::getpriority][..],
            ),
            (
                Reach::Registers,
                &[Sysno::umask, Sysno::kill, Sysno::setpgid, Sysno::alarm],
            ),
            (
                Reach::Gathered,
                &[Sysno::mkdir, Sysno::mkdirat, Sysno::openat, Sysno::close],
            ),
            (
                Reach::Gathered,
                &[Sysno::read, Sysno::unlinkat, Sysno::renameat2, Sysno::chdir],
            ),
            (
                Reach::Gathered,
                &[
                    Sysno::symlinkat,
                    Sysno::linkat,
                    Sysno::fchmodat,
                    Sysno::open,
                ],
            ),
            (
                Reach::Decoder,
                &[Sysno::connect, Sysno::bind, Sysno::execve, Sysno::prctl],
            ),
            (
                Reach::Decoder,
                &[Sysno::poll, Sysno::rt_sigaction, Sysno::rt_sigprocmask],
            ),
            (
                Reach::Decoder,
                &[Sysno::openat2, Sysno::accept4, Sysno::setsockopt],
            ),
        ];
        for (want, calls) in cases {
            for &s in calls {
                assert_eq!(reach(Some(s)), want, "{s}");
            }
        }
        // An unknown number is shown raw.
        assert_eq!(reach(None), Reach::Registers);
    }

    proptest::proptest! {
        /// Whatever their arguments, the calls said to decode from their
        /// registers never look at the target; every other syscall with
        /// a parameter that does is caught by one of these calls.
        #[test]
        fn calls_said_to_decode_from_registers_never_look_at_the_target(
            args in proptest::array::uniform6(arb_arg()),
        ) {
            for s in Sysno::iter().filter(|&s| reach(Some(s)) == Reach::Registers) {
                let watched = Watched::default();
                let _ = decode_with_copies(Some(s), &args, &watched);
                proptest::prop_assert_eq!(watched.0.get(), 0, "{} looked at the target", s);
            }
        }

        /// The shortcut for paths already normal gives what taking them
        /// apart gives.
        #[test]
        fn normal_paths_are_copied_as_taking_them_apart_would_give(
            path in proptest::collection::vec(proptest::sample::select(&b"/.a"[..]), 0..12),
        ) {
            let parts = normalize_parts(&path, Vec::new());
            proptest::prop_assert_eq!(&normalize(&path), &parts);
            // Into a buffer that held something else, and in place.
            proptest::prop_assert_eq!(&normalize_into(&path, b"/old/stuff".to_vec()), &parts);
            if path.starts_with(b"/") {
                proptest::prop_assert_eq!(&normalized(path.clone()), &parts);
            }
        }

        /// Decoding into an earlier call's arguments (the receiver does,
        /// to reuse their memory) gives what decoding afresh gives,
        /// whatever the two calls are: nothing of the earlier one shows.
        #[test]
        fn decoding_over_an_earlier_call_gives_what_decoding_afresh_gives(
            t in arb_view(),
            calls in proptest::collection::vec(
                (proptest::prelude::any::<proptest::sample::Index>(), proptest::array::uniform6(arb_arg())),
                2..5,
            ),
        ) {
            let some: Vec<Option<Sysno>> = [
                Sysno::mkdirat, Sysno::openat, Sysno::openat2, Sysno::renameat2,
                Sysno::symlinkat, Sysno::linkat, Sysno::execve, Sysno::connect,
                Sysno::prctl, Sysno::getppid, Sysno::mkdir, Sysno::chdir,
            ]
            .into_iter()
            .map(Some)
            .chain([None])
            .collect();
            let mut earlier = Vec::new();
            for (which, args) in calls {
                let sysno = some[which.index(some.len())];
                let fresh = decode_with_copies(sysno, &args, &t);
                let reused = decode_reusing(sysno, &args, &t, earlier);
                proptest::prop_assert_eq!(&reused.0, &fresh.0);
                proptest::prop_assert_eq!(&reused.1, &fresh.1);
                earlier = reused.0;
            }
        }
    }

    /// A path call decoded over an earlier path call writes its path and
    /// resolved path into the earlier call's buffers, and its arguments
    /// into the earlier call's vector: no allocation.
    #[test]
    fn a_path_call_decoded_over_another_keeps_its_buffers() {
        fn path(args: &[Arg]) -> (&Vec<u8>, &Vec<u8>) {
            match &args[1].value {
                Value::Path {
                    given,
                    resolved: Some(resolved),
                } => (given, resolved),
                other => panic!("{other:?}"),
            }
        }
        let mut t = FakeTarget::new();
        t.str(STR, b"/tmp/a-longer-name").str(STR2, b"/tmp/b");
        let first = decode_args(
            Some(Sysno::mkdirat),
            &[AT_FDCWD_REG, STR, 0o755, 0, 0, 0],
            &t,
        );
        let (given, resolved) = path(&first);
        let at = (first.as_ptr(), given.as_ptr(), resolved.as_ptr());
        let (second, _) = decode_reusing(
            Some(Sysno::mkdirat),
            &[AT_FDCWD_REG, STR2, 0o700, 0, 0, 0],
            &t,
            first,
        );
        let (given, resolved) = path(&second);
        assert_eq!(
            (given.as_slice(), resolved.as_slice()),
            (&b"/tmp/b"[..], &b"/tmp/b"[..])
        );
        assert_eq!(second[2].value, Value::Mode(0o700));
        assert_eq!(at, (second.as_ptr(), given.as_ptr(), resolved.as_ptr()));
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
        assert_eq!(c.copies().sockaddr, Some(sockaddr_in([127, 0, 0, 1], 8080)));

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
        assert_eq!(c.copies().sockaddr, None);
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
            assert_eq!(c.copies().sockaddr, None);
        }

        let ty = (libc::SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK) as u64;
        assert_eq!(
            line(&t, Sysno::socket, &[libc::AF_INET as u64, ty, 0]),
            "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC, IPPROTO_IP)"
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
            "openat2(AT_FDCWD, \"/etc\", {flags=O_RDONLY, \
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
        assert_eq!(c.copies().open_how, Some([0, 0, libc::RESOLVE_IN_ROOT]));
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
}
