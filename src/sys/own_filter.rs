//! A program installing a user-notification filter on itself, as the
//! classic two-process example does (the target of `attach` and of the
//! `attach` lesson): no launch socket, the listener stays its own fd.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use syscalls::Sysno;

use super::bpf;

/// Sets no_new_privs (needed to install a filter without
/// CAP_SYS_ADMIN), then installs a filter trapping `trapped` with
/// `SECCOMP_FILTER_FLAG_NEW_LISTENER`, on the calling thread. Returns the
/// listener. Calls of other architectures kill the process, as in
/// unotify-tui's own filter.
pub fn install_listener(trapped: &[Sysno]) -> io::Result<OwnedFd> {
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let filter: Vec<libc::sock_filter> = bpf::build(&bpf::FilterSpec {
        trapped: trapped.to_vec(),
        launch_fd: None,
    })
    .iter()
    .map(|i| libc::sock_filter {
        code: i.code,
        jt: i.jt,
        jf: i.jf,
        k: i.k,
    })
    .collect();
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: `prog` describes `filter`, a live array of `len`
    // instructions, which the kernel only reads.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &prog as *const libc::sock_fprog,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel returned a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// This thread's id (`gettid(2)`), which the classic target prints.
pub fn gettid() -> u32 {
    // SAFETY: no arguments.
    unsafe { libc::syscall(libc::SYS_gettid) as u32 }
}

/// Lets any process of our uid take our fds (`PR_SET_PTRACER_ANY`):
/// under Yama's ptrace_scope 1 only ancestors could otherwise, and the
/// supervisor of the two-process example is a sibling. Without Yama the
/// call fails (EINVAL), and nothing needs it.
pub fn allow_any_tracer() {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_PTRACER, libc::PR_SET_PTRACER_ANY, 0, 0, 0);
    }
}

/// Names the calling thread `name` (`PR_SET_NAME`: /proc/PID/comm, what
/// ps and unotify-tui show), at most 15 bytes.
pub fn set_name(name: &std::ffi::CStr) {
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16
    // bytes (the kernel copies 16 and terminates it); `name` outlives the
    // call.
    unsafe {
        libc::prctl(libc::PR_SET_NAME, name.as_ptr(), 0, 0, 0);
    }
}
