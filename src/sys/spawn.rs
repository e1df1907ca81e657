//! Starting the target: fork, install the filter in the child, hand the
//! listener to the parent over a socketpair, wait for the go-ahead, exec.
//!
//! Everything the child touches is prepared before `fork`, so the child
//! only makes async-signal-safe calls (no allocation, no locks): the
//! parent may have other threads whose locks are frozen in the child.

use std::ffi::CString;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use sendfd::RecvWithFd;

use super::bpf::{self, Insn};
use super::notify::Notif;
use super::notify::NotifyFd;

/// What to start and how.
pub struct SpawnSpec {
    /// The resolved executable path (PATH lookup happens before).
    pub path: CString,
    pub argv: Vec<CString>,
    pub envp: Vec<CString>,
    /// Directory to change to before exec.
    pub cwd: Option<CString>,
    /// The terminal the target gets as its controlling terminal and as
    /// the standard streams `pty_stdio` names (TUI mode). `None` keeps
    /// ours.
    pub pty_slave: Option<OwnedFd>,
    /// Which of the target's fds 0, 1, 2 become `pty_slave`; the others
    /// stay ours as they are (a pipe or file the user redirected).
    pub pty_stdio: [bool; 3],
    /// Syscalls to trap.
    pub trapped: Vec<syscalls::Sysno>,
    /// Ask for `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV` (linux 5.19).
    pub wait_killable: bool,
}

/// The steps the child takes, to say which one failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Session,
    Leader,
    Terminal,
    Chdir,
    NoNewPrivs,
    Seccomp,
    SendListener,
    Exec,
}

impl Stage {
    fn from_byte(b: u8) -> Stage {
        match b {
            1 => Stage::Session,
            2 => Stage::Terminal,
            3 => Stage::Chdir,
            4 => Stage::NoNewPrivs,
            5 => Stage::Seccomp,
            6 => Stage::SendListener,
            8 => Stage::Leader,
            _ => Stage::Exec,
        }
    }

    fn byte(self) -> u8 {
        match self {
            Stage::Session => 1,
            Stage::Terminal => 2,
            Stage::Chdir => 3,
            Stage::NoNewPrivs => 4,
            Stage::Seccomp => 5,
            Stage::SendListener => 6,
            Stage::Exec => 7,
            Stage::Leader => 8,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Stage::Session => "setsid",
            Stage::Leader => "starting the session leader",
            Stage::Terminal => "setting up the terminal",
            Stage::Chdir => "chdir",
            Stage::NoNewPrivs => "prctl(PR_SET_NO_NEW_PRIVS)",
            Stage::Seccomp => "installing the seccomp filter",
            Stage::SendListener => "sending the listener fd",
            Stage::Exec => "execve",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("socketpair: {0}")]
    Socketpair(io::Error),
    #[error("fork: {0}")]
    Fork(io::Error),
    #[error("receiving the listener fd: {0}")]
    Recv(io::Error),
    #[error("{}: {}", .stage.describe(), io::Error::from_raw_os_error(*.errno))]
    Child { stage: Stage, errno: i32 },
    #[error("the child exited before handing over the listener")]
    ChildVanished,
}

/// A started target whose listener the parent holds.
pub struct Spawned {
    /// The program's pid.
    pub pid: u32,
    /// The session leader (from [`spawn_with_leader`]).
    pub leader: Option<Leader>,
    listener: Option<NotifyFd>,
    /// Whether the kernel accepted WAIT_KILLABLE_RECV.
    pub wait_killable: bool,
    sock: UnixStream,
}

/// The session leader we forked, and the read end of the pipe that
/// carries the program's wait status (see [`super::leader::watch`]).
pub struct Leader {
    pub pid: u32,
    pub status: OwnedFd,
}

// The payload the child sends with the listener fd (then its pid).
const PAYLOAD_KILLABLE: u8 = b'K';
const PAYLOAD_PLAIN: u8 = b'L';

/// Everything the child needs, as raw memory prepared before fork.
struct Prepared<'a> {
    path: *const libc::c_char,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    cwd: Option<*const libc::c_char>,
    pty: Option<RawFd>,
    pty_stdio: [bool; 3],
    /// The write end of the status pipe, when a session leader is forked.
    status: Option<RawFd>,
    filter: Vec<libc::sock_filter>,
    wait_killable: bool,
    sock: RawFd,
    _spec: &'a SpawnSpec,
}

fn to_sock_filter(prog: &[Insn]) -> Vec<libc::sock_filter> {
    prog.iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect()
}

/// Forks and starts the target. Returns once the listener is in our hands;
/// the child then waits for [`Spawned::go`]. With a `pty_slave`, the
/// program is the session leader of its terminal.
pub fn spawn(spec: &SpawnSpec) -> Result<Spawned, SpawnError> {
    spawn_inner(spec, false)
}

/// [`spawn`], but with a `pty_slave` a session leader of ours holds the
/// session and the terminal, and the program runs as its child (see
/// [`super::leader`]): the session outlives the program while processes
/// it started run on.
pub fn spawn_with_leader(spec: &SpawnSpec) -> Result<Spawned, SpawnError> {
    spawn_inner(spec, true)
}

fn spawn_inner(spec: &SpawnSpec, leader: bool) -> Result<Spawned, SpawnError> {
    let (parent_sock, child_sock) = UnixStream::pair().map_err(SpawnError::Socketpair)?;
    let status_pipe = if leader && spec.pty_slave.is_some() {
        Some(
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| SpawnError::Fork(e.into()))?,
        )
    } else {
        None
    };
    let filter = bpf::build(&bpf::FilterSpec {
        trapped: spec.trapped.clone(),
        launch_fd: Some(child_sock.as_raw_fd() as u32),
    });
    let prep = Prepared {
        path: spec.path.as_ptr(),
        argv: spec
            .argv
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect(),
        envp: spec
            .envp
            .iter()
            .map(|a| a.as_ptr())
            .chain(std::iter::once(std::ptr::null()))
            .collect(),
        cwd: spec.cwd.as_ref().map(|c| c.as_ptr()),
        pty: spec.pty_slave.as_ref().map(|f| f.as_raw_fd()),
        pty_stdio: spec.pty_stdio,
        status: status_pipe.as_ref().map(|(_, w)| w.as_raw_fd()),
        filter: to_sock_filter(&filter),
        wait_killable: spec.wait_killable,
        sock: child_sock.as_raw_fd(),
        _spec: spec,
    };

    // SAFETY: the child branch only runs `child`, which makes
    // async-signal-safe calls on memory prepared above and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(SpawnError::Fork(io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: we are the freshly forked child; see `child`.
        unsafe { child(&prep) }
    }
    drop(child_sock);
    let forked = pid as u32;
    let status_read = status_pipe.map(|(r, _)| r);

    let mut payload = [0u8; 8];
    let mut fds = [0 as RawFd; 1];
    let (n, nfds) = loop {
        match parent_sock.recv_with_fd(&mut payload, &mut fds) {
            Ok(r) => break r,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                reap(forked);
                return Err(SpawnError::Recv(e));
            }
        }
    };
    if nfds == 1 {
        // SAFETY: recv_with_fd handed us a new fd that nothing else owns.
        let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fds[0]) };
        set_cloexec(fd.as_raw_fd());
        let pid = match payload.get(1..5) {
            Some(b) if n >= 5 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            _ => forked,
        };
        return Ok(Spawned {
            pid,
            leader: status_read.map(|status| Leader {
                pid: forked,
                status,
            }),
            listener: Some(NotifyFd::new(fd)),
            wait_killable: n >= 1 && payload[0] == PAYLOAD_KILLABLE,
            sock: parent_sock,
        });
    }
    reap(forked);
    match parse_report(&payload[..n]) {
        Some((stage, errno)) => Err(SpawnError::Child { stage, errno }),
        None => Err(SpawnError::ChildVanished),
    }
}

fn parse_report(b: &[u8]) -> Option<(Stage, i32)> {
    if b.len() < 5 {
        return None;
    }
    let errno = i32::from_le_bytes([b[1], b[2], b[3], b[4]]);
    Some((Stage::from_byte(b[0]), errno))
}

fn set_cloexec(fd: RawFd) {
    // SAFETY: fcntl on an fd we own, with integer arguments.
    unsafe {
        libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
    }
}

fn reap(pid: u32) {
    let mut status = 0;
    // SAFETY: waiting for our own child; `status` is writable.
    unsafe {
        libc::waitpid(pid as libc::pid_t, &mut status, 0);
    }
}

/// Where the launch ended.
#[derive(Debug)]
pub enum Launched {
    /// The target's own execve was trapped: this is its notification,
    /// the first event the user sees.
    Exec(Notif),
    /// The exec happened (the launch socket closed on exec) and this call
    /// of the new program arrived while we were still watching.
    Running(Option<Notif>),
}

impl Spawned {
    /// Lets the child go on to exec, then answers the calls the child
    /// makes between the go-ahead and exec (reading the go-ahead byte when
    /// `read` is trapped) until the exec is under way. Those calls are the
    /// launcher's own, not the program's, so they are never shown.
    pub fn go(&mut self) -> Result<Launched, SpawnError> {
        use super::notify::Response;
        self.sock.write_all(b"g").map_err(SpawnError::Recv)?;
        let exec_nr = syscalls::Sysno::execve.id();
        loop {
            let mut fds = [
                libc::pollfd {
                    fd: self.sock.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: self.listener().raw(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: `fds` is a valid array of two pollfds.
            let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if rc < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(SpawnError::Recv(e));
            }
            if fds[0].revents != 0 {
                match self.exec_report()? {
                    Some((stage, errno)) => return Err(SpawnError::Child { stage, errno }),
                    None => return Ok(Launched::Running(None)),
                }
            }
            if fds[1].revents & libc::POLLIN != 0 {
                let n = match self.listener().recv() {
                    Ok(n) => n,
                    Err(_) => continue,
                };
                // A call after a finished exec belongs to the program.
                if self.exec_done()? {
                    return Ok(Launched::Running(Some(n)));
                }
                if n.pid == self.pid && n.nr == exec_nr {
                    return Ok(Launched::Exec(n));
                }
                let _ = self.listener().send(Response::continue_call(n.id));
            } else if fds[1].revents != 0 {
                // POLLHUP: the child is gone.
                return Err(SpawnError::ChildVanished);
            }
        }
    }

    /// Non-blocking: has the child's end closed (exec succeeded)?
    fn exec_done(&self) -> Result<bool, SpawnError> {
        let mut b = [0u8; 1];
        // SAFETY: peeking one byte into a valid buffer.
        let n = unsafe {
            libc::recv(
                self.sock.as_raw_fd(),
                b.as_mut_ptr().cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        Ok(n == 0)
    }

    /// Blocking read of the launch socket: `None` at EOF (exec done),
    /// the failed stage otherwise.
    fn exec_report(&mut self) -> Result<Option<(Stage, i32)>, SpawnError> {
        let mut buf = Vec::new();
        let _ = (&self.sock).read_to_end(&mut buf);
        Ok(parse_report(&buf))
    }

    /// After the target exited: did its exec fail (for instance because
    /// the user denied the trapped execve)? Reads without blocking.
    pub fn failed_exec(&self) -> Option<i32> {
        let _ = self.sock.set_nonblocking(true);
        let mut buf = Vec::new();
        let _ = (&self.sock).read_to_end(&mut buf);
        parse_report(&buf)
            .filter(|(s, _)| *s == Stage::Exec)
            .map(|(_, e)| e)
    }

    fn listener(&self) -> &NotifyFd {
        self.listener
            .as_ref()
            .expect("listener taken only after launch")
    }

    /// Sets listener flags (see [`NotifyFd::set_flags`]).
    pub fn set_listener_flags(&self, flags: u64) -> io::Result<()> {
        self.listener().set_flags(flags)
    }

    /// Hands the listener to the supervisor once the launch is done.
    pub fn take_listener(&mut self) -> NotifyFd {
        self.listener.take().expect("listener taken once")
    }
}

/// Writes `[stage, errno]` to the launch socket and exits with 127.
/// For the forked child: no allocation, async-signal-safe calls only.
pub(super) fn fail(sock: RawFd, stage: Stage) -> ! {
    // Reads errno without allocating.
    let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
    let e = errno.to_le_bytes();
    let msg = [stage.byte(), e[0], e[1], e[2], e[3]];
    // SAFETY: `msg` is a live buffer of `msg.len()` bytes.
    unsafe { libc::write(sock, msg.as_ptr().cast(), msg.len()) };
    exit_child()
}

/// Ends the forked child without running anything of the parent's
/// (no atexit handlers, no flushing of the parent's buffers).
fn exit_child() -> ! {
    // SAFETY: `_exit` takes no pointers and never returns.
    unsafe { libc::_exit(127) }
}

/// The child between fork and exec.
///
/// # Safety
/// Must run only in a freshly forked child, with `p` prepared before the
/// fork. Makes only async-signal-safe calls, allocates nothing, and never
/// returns. Each step below is its own function or unsafe block, with what
/// makes it sound beside it; the pointers in `p` stay valid because the
/// child has its own copy of the parent's memory, which nothing frees.
unsafe fn child(p: &Prepared<'_>) -> ! {
    reset_signals();
    if let Some(tty) = p.pty {
        take_terminal(p.sock, tty, p.pty_stdio);
        if let Some(status) = p.status {
            // Returns in the program only.
            super::leader::lead(p.sock, status);
        }
    }
    if let Some(dir) = p.cwd {
        // SAFETY: `dir` points to the NUL-terminated `SpawnSpec::cwd`,
        // prepared before fork.
        if unsafe { libc::chdir(dir) } < 0 {
            fail(p.sock, Stage::Chdir);
        }
    }
    // SAFETY: integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } < 0 {
        fail(p.sock, Stage::NoNewPrivs);
    }
    // Before the filter: once it is in, a trapped getpid would wait for a
    // supervisor that has no listener yet.
    // SAFETY: no arguments.
    let pid = unsafe { libc::getpid() } as u32;
    let (listener, killable) = install_filter(p);
    send_listener(p.sock, listener, killable, pid);
    // From here on a trapped call is answered by the parent.
    // SAFETY: `listener` is our own fd, already handed to the parent.
    unsafe { libc::close(listener) };
    let mut go = [0u8; 1];
    // SAFETY: `go` is a live, writable buffer of 1 byte.
    if unsafe { libc::read(p.sock, go.as_mut_ptr().cast(), 1) } != 1 {
        exit_child();
    }
    // SAFETY: `path` points to the NUL-terminated `SpawnSpec::path`;
    // `argv` and `envp` are null-terminated arrays of pointers to the
    // spec's NUL-terminated strings, all prepared before fork.
    unsafe { libc::execve(p.path, p.argv.as_ptr(), p.envp.as_ptr()) };
    fail(p.sock, Stage::Exec)
}

/// Signals the supervisor blocks or ignores for itself must not leak into
/// the program: Rust's runtime ignores SIGPIPE.
fn reset_signals() {
    let mut empty = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `empty` is writable memory for one sigset_t, which
    // sigemptyset initialises.
    unsafe { libc::sigemptyset(empty.as_mut_ptr()) };
    // SAFETY: `empty` was initialised just above; a null pointer for the
    // old mask is allowed.
    unsafe { libc::sigprocmask(libc::SIG_SETMASK, empty.as_ptr(), std::ptr::null_mut()) };
    // SAFETY: integer arguments only.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

/// Makes `tty` the controlling terminal of a new session and those of the
/// child's stdin, stdout and stderr that `stdio` names.
fn take_terminal(sock: RawFd, tty: RawFd, stdio: [bool; 3]) {
    // SAFETY: no arguments.
    if unsafe { libc::setsid() } < 0 {
        fail(sock, Stage::Session);
    }
    // SAFETY: TIOCSCTTY takes an integer argument, not a pointer.
    if unsafe { libc::ioctl(tty, libc::TIOCSCTTY, 0) } < 0 {
        fail(sock, Stage::Terminal);
    }
    for target in (0..3).filter(|&fd| stdio[fd as usize]) {
        // SAFETY: integer arguments only.
        if unsafe { libc::dup2(tty, target) } < 0 {
            fail(sock, Stage::Terminal);
        }
    }
    if tty > 2 {
        // SAFETY: `tty` is the child's copy of the pty slave, now dup'ed
        // where it is wanted; nothing else uses this number.
        unsafe { libc::close(tty) };
    }
}

/// Installs the filter with a new listener; returns the listener and
/// whether the kernel took WAIT_KILLABLE_RECV.
fn install_filter(p: &Prepared<'_>) -> (RawFd, bool) {
    let prog = libc::sock_fprog {
        len: p.filter.len() as u16,
        filter: p.filter.as_ptr() as *mut libc::sock_filter,
    };
    let seccomp = |flags: libc::c_ulong| {
        // SAFETY: `prog` describes `p.filter`, a live array of `len`
        // instructions, which the kernel only reads.
        unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                flags,
                &prog as *const libc::sock_fprog,
            )
        }
    };
    let mut killable = p.wait_killable;
    let plain = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
    let mut listener = if killable {
        seccomp(plain | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    } else {
        seccomp(plain)
    };
    if listener < 0 && killable && io::Error::last_os_error().raw_os_error() == Some(libc::EINVAL) {
        // Kernels before 5.19 do not know WAIT_KILLABLE_RECV.
        killable = false;
        listener = seccomp(plain);
    }
    if listener < 0 {
        fail(p.sock, Stage::Seccomp);
    }
    (listener as RawFd, killable)
}

/// The control message space for one fd, `CMSG_SPACE(sizeof(int))`.
const FD_CMSG_SPACE: usize = {
    // SAFETY: CMSG_SPACE is arithmetic on its argument; it touches no memory.
    unsafe { libc::CMSG_SPACE(size_of::<RawFd>() as u32) as usize }
};
/// The control message length for one fd, `CMSG_LEN(sizeof(int))`.
const FD_CMSG_LEN: usize = {
    // SAFETY: CMSG_LEN is arithmetic on its argument; it touches no memory.
    unsafe { libc::CMSG_LEN(size_of::<RawFd>() as u32) as usize }
};

/// Sends the listener to the parent: sendmsg with SCM_RIGHTS, a byte
/// saying whether WAIT_KILLABLE_RECV is on and our pid `pid` (the
/// program's, which the parent did not fork itself when a session leader
/// did). This exact call (on `sock`) is let through by the filter; it is
/// the only call the child makes between installing the filter and
/// handing the listener over.
fn send_listener(sock: RawFd, listener: RawFd, killable: bool, pid: u32) {
    let p = pid.to_le_bytes();
    let kind = if killable {
        PAYLOAD_KILLABLE
    } else {
        PAYLOAD_PLAIN
    };
    let mut payload = [kind, p[0], p[1], p[2], p[3]];
    let mut iov = libc::iovec {
        iov_base: payload.as_mut_ptr().cast(),
        iov_len: payload.len(),
    };
    // u64 array: aligned for cmsghdr, and larger than FD_CMSG_SPACE.
    let mut cbuf = [0u64; 4];
    const { assert!(FD_CMSG_SPACE <= size_of::<[u64; 4]>()) };
    // SAFETY: msghdr is plain data (integers and pointers), for which all
    // zero bytes are a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr().cast();
    msg.msg_controllen = FD_CMSG_SPACE;
    // SAFETY: `msg` is initialised, and its control buffer (`cbuf`) is
    // live and at least one cmsghdr long.
    let cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    // SAFETY: `cmsg` is the start of `cbuf` (not null: the buffer holds a
    // header), aligned for cmsghdr, and nothing else refers to it now.
    let hdr = unsafe { &mut *cmsg };
    hdr.cmsg_level = libc::SOL_SOCKET;
    hdr.cmsg_type = libc::SCM_RIGHTS;
    hdr.cmsg_len = FD_CMSG_LEN;
    // SAFETY: `cmsg` heads a control message of FD_CMSG_LEN bytes
    // inside `cbuf`.
    let data = unsafe { libc::CMSG_DATA(cmsg) };
    // SAFETY: `data` points to the message's payload, room for one fd
    // inside `cbuf` (FD_CMSG_LEN bytes from `cmsg`); it may be unaligned.
    unsafe { std::ptr::write_unaligned(data.cast::<RawFd>(), listener) };
    // SAFETY: `msg` points to `iov` (to `payload`) and `cbuf`, all live.
    if unsafe { libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) } < 0 {
        fail(sock, Stage::SendListener);
    }
}
