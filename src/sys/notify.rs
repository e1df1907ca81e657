//! The listener fd: RECV, ID_VALID, SEND, ADDFD, SET_FLAGS.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use crate::errno::Errno;

/// The raw notification, as `SECCOMP_IOCTL_NOTIF_RECV` filled it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Notif {
    /// Cookie identifying this call for ID_VALID / SEND / ADDFD.
    pub id: u64,
    /// Thread id of the caller (in the supervisor's pid namespace).
    pub pid: u32,
    pub flags: u32,
    /// Syscall number.
    pub nr: i32,
    /// `AUDIT_ARCH_*` of the call.
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

/// `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (linux 6.6): wake the supervisor
/// on the same CPU the target runs on, which saves a migration per call.
pub const USER_NOTIF_FD_SYNC_WAKE_UP: u64 = 1;

/// An answer ready for `SECCOMP_IOCTL_NOTIF_SEND`. Built only through
/// constructors that keep the kernel's rules: CONTINUE carries neither
/// value nor error; a denial carries a positive errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

impl Response {
    /// Let the kernel run the call as asked.
    pub fn continue_call(id: u64) -> Response {
        Response {
            id,
            val: 0,
            error: 0,
            flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        }
    }

    /// Fail the call with `errno`.
    pub fn error(id: u64, errno: Errno) -> Response {
        Response {
            id,
            val: 0,
            error: -errno.raw(),
            flags: 0,
        }
    }

    /// Make the call return `val` without running it.
    pub fn value(id: u64, val: i64) -> Response {
        Response {
            id,
            val,
            error: 0,
            flags: 0,
        }
    }
}

/// A target's fd number: meaningful only inside the target, never to be
/// used as one of ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignFd(pub i32);

/// The seccomp listener, owned.
#[derive(Debug)]
pub struct NotifyFd(OwnedFd);

/// `SEND` or `ADDFD` found the call no longer pending (interrupted by a
/// signal, or the target died). Normal, never fatal.
pub fn is_gone(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOENT)
}

impl NotifyFd {
    pub fn new(fd: OwnedFd) -> NotifyFd {
        NotifyFd(fd)
    }

    /// Blocks until a trapped call arrives. `EINTR` (a signal, such as
    /// [`RecvWaker::wake`]) and `ENOENT` (the call went away before RECV
    /// took it) come back as errors for the caller to retry.
    pub fn recv(&self) -> io::Result<Notif> {
        // Zeroed before each RECV, as the kernel requires. The libc struct
        // matches the kernel's size on every kernel we support
        // (SECCOMP_GET_NOTIF_SIZES is checked once at start-up).
        // SAFETY: seccomp_notif is plain old data; all-zero is a valid value.
        let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: the fd is a seccomp listener and `n` is a writable
        // seccomp_notif that outlives the call.
        let rc = unsafe {
            libc::ioctl(
                self.0.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_RECV as _,
                &mut n as *mut libc::seccomp_notif,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Notif {
            id: n.id,
            pid: n.pid,
            flags: n.flags,
            nr: n.data.nr,
            arch: n.data.arch,
            instruction_pointer: n.data.instruction_pointer,
            args: n.data.args,
        })
    }

    /// Whether the call `id` is still pending (and its pid not recycled).
    pub fn id_valid(&self, id: u64) -> bool {
        loop {
            // SAFETY: ID_VALID reads one u64 through the pointer.
            let rc = unsafe {
                libc::ioctl(
                    self.0.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_ID_VALID as _,
                    &id as *const u64,
                )
            };
            // EINTR comes before the kernel looked (it waits for a lock):
            // ask again rather than call a pending call gone.
            if rc < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return rc == 0;
        }
    }

    /// Answers a call. `ENOENT` means the call is gone (see [`is_gone`]).
    pub fn send(&self, r: Response) -> io::Result<()> {
        let mut resp = libc::seccomp_notif_resp {
            id: r.id,
            val: r.val,
            error: r.error,
            flags: r.flags,
        };
        loop {
            // SAFETY: `resp` is a valid seccomp_notif_resp for the duration
            // of the call.
            let rc = unsafe {
                libc::ioctl(
                    self.0.as_raw_fd(),
                    libc::SECCOMP_IOCTL_NOTIF_SEND as _,
                    &mut resp as *mut libc::seccomp_notif_resp,
                )
            };
            if rc == 0 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            // SEND fails with EINTR only while waiting for the listener's
            // lock, before it answered anything: the call is still ours.
            if e.raw_os_error() != Some(libc::EINTR) {
                return Err(e);
            }
        }
    }

    /// Installs `src` into the target of call `id`. With `send`, the call
    /// is answered with the new fd number in the same step
    /// (`SECCOMP_ADDFD_FLAG_SEND`, linux 5.14). Returns the target's fd.
    pub fn add_fd(
        &self,
        id: u64,
        src: BorrowedFd<'_>,
        cloexec: bool,
        send: bool,
    ) -> io::Result<ForeignFd> {
        let mut flags = 0u32;
        if send {
            flags |= libc::SECCOMP_ADDFD_FLAG_SEND as u32;
        }
        let addfd = libc::seccomp_notif_addfd {
            id,
            flags,
            srcfd: src.as_raw_fd() as u32,
            newfd: 0,
            newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
        };
        // SAFETY: `addfd` is a valid seccomp_notif_addfd and `src` is an
        // open fd borrowed for the duration of the call.
        let rc = unsafe {
            libc::ioctl(
                self.0.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_ADDFD as _,
                &addfd as *const libc::seccomp_notif_addfd,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(ForeignFd(rc))
    }

    /// Sets listener flags (`SECCOMP_IOCTL_NOTIF_SET_FLAGS`, linux 6.6).
    pub fn set_flags(&self, flags: u64) -> io::Result<()> {
        // SAFETY: SET_FLAGS takes the flags by value in the argument.
        let rc = unsafe {
            libc::ioctl(
                self.0.as_raw_fd(),
                libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS as _,
                flags,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub fn raw(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

impl AsFd for NotifyFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// The kernel's sizes of the notification structs.
#[derive(Clone, Copy, Debug)]
pub struct NotifSizes {
    pub notif: u16,
    pub resp: u16,
    pub data: u16,
}

/// `seccomp(SECCOMP_GET_NOTIF_SIZES)`: checks that the structs we pass are
/// at least as large as the kernel writes.
pub fn notif_sizes() -> io::Result<NotifSizes> {
    let mut s = libc::seccomp_notif_sizes {
        seccomp_notif: 0,
        seccomp_notif_resp: 0,
        seccomp_data: 0,
    };
    // SAFETY: GET_NOTIF_SIZES writes a seccomp_notif_sizes into `s`.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_GET_NOTIF_SIZES,
            0,
            &mut s as *mut libc::seccomp_notif_sizes,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(NotifSizes {
        notif: s.seccomp_notif,
        resp: s.seccomp_notif_resp,
        data: s.seccomp_data,
    })
}

/// Whether the libc structs are large enough for what this kernel writes.
pub fn sizes_fit(s: &NotifSizes) -> bool {
    usize::from(s.notif) <= std::mem::size_of::<libc::seccomp_notif>()
        && usize::from(s.resp) <= std::mem::size_of::<libc::seccomp_notif_resp>()
        && usize::from(s.data) <= std::mem::size_of::<libc::seccomp_data>()
}

/// Wakes a thread blocked in [`NotifyFd::recv`]. RECV only returns for a
/// trapped call or a signal, so this sends the thread a signal whose
/// handler does nothing and is installed without `SA_RESTART`: the ioctl
/// fails with `EINTR` and the thread can look at why it was woken.
///
/// Blocking in RECV instead of polling first saves a syscall per trapped
/// call on the hot path (README, Performance).
pub struct RecvWaker {
    thread: libc::pthread_t,
}

extern "C" fn ignore_wake(_: libc::c_int) {}

/// The signal [`RecvWaker`] sends: the first real-time signal libc leaves
/// to programs; nothing else in unotify-tui uses it.
fn wake_signal() -> libc::c_int {
    libc::SIGRTMIN()
}

impl RecvWaker {
    /// Installs the do-nothing handler (idempotent, process-wide).
    pub fn install() -> io::Result<()> {
        // SAFETY: sigaction is plain old data; all-zero is a valid start.
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = ignore_wake as *const () as libc::sighandler_t;
        // No SA_RESTART: the point is that RECV returns EINTR.
        sa.sa_flags = 0;
        // SAFETY: `sa.sa_mask` is a valid sigset_t to clear.
        unsafe { libc::sigemptyset(&mut sa.sa_mask) };
        // SAFETY: the handler is async-signal-safe (it does nothing); `sa`
        // outlives the call; a null pointer for the old action is allowed.
        let rc = unsafe { libc::sigaction(wake_signal(), &sa, std::ptr::null_mut()) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// For the thread `handle` runs. The handle must stay unjoined while
    /// [`RecvWaker::wake`] is used, so the thread id stays valid.
    pub fn for_thread<T>(handle: &std::thread::JoinHandle<T>) -> RecvWaker {
        use std::os::unix::thread::JoinHandleExt;
        RecvWaker {
            thread: handle.as_pthread_t(),
        }
    }

    /// Interrupts the thread's RECV, if it is in one. A signal that lands
    /// just before the thread enters RECV is lost: callers repeat until
    /// the thread shows it has seen why it was woken.
    pub fn wake(&self) {
        // SAFETY: `thread` is a thread that has not been joined (see
        // `for_thread`), so its id is valid even if it has finished.
        unsafe {
            libc::pthread_kill(self.thread, wake_signal());
        }
    }
}

/// Blocks until every process under the filter is gone (`POLLHUP` on the
/// listener), or `timeout_ms` passed. Returns whether it hung up.
///
/// Asks poll for no events at all, so the kernel does not wake this
/// waiter for each trapped call (those wake-ups carry `POLLIN`), only for
/// the hang-up.
pub fn wait_hangup(fd: BorrowedFd<'_>, timeout_ms: i32) -> io::Result<bool> {
    let mut p = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let rc = unsafe { libc::poll(&mut p, 1, timeout_ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EINTR) {
            return Ok(false);
        }
        return Err(e);
    }
    Ok(rc > 0 && p.revents & (libc::POLLHUP | libc::POLLERR) != 0)
}
