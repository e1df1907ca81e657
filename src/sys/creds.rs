//! Per-thread filesystem credentials, so emulation runs with the target's
//! rights rather than the supervisor's.

use std::io;

/// Sets this thread's fsuid, fsgid and supplementary groups. Linux keeps
/// credentials per thread; the raw syscalls (unlike glibc's `setgroups`,
/// which changes every thread of the process) affect only the caller.
/// Needs CAP_SETUID/CAP_SETGID; call it on a thread that does nothing else
/// afterwards.
pub fn set_thread_fs_creds(fsuid: u32, fsgid: u32, groups: &[u32]) -> io::Result<()> {
    // SAFETY: `groups` is valid for `groups.len()` gid_t (u32) values,
    // which the kernel only reads.
    if unsafe { libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // setfsgid before setfsuid: once fsuid is not 0 we may lose the
    // capability to change fsgid.
    // SAFETY: integer arguments only.
    unsafe { libc::syscall(libc::SYS_setfsgid, fsgid) };
    // SAFETY: integer arguments only.
    unsafe { libc::syscall(libc::SYS_setfsuid, fsuid) };
    // setfs*id return the previous value and never fail visibly; read
    // back (an invalid id changes nothing) to check that the change took
    // effect.
    // SAFETY: integer arguments only.
    let now_gid = unsafe { libc::syscall(libc::SYS_setfsgid, u32::MAX) } as u32;
    // SAFETY: integer arguments only.
    let now_uid = unsafe { libc::syscall(libc::SYS_setfsuid, u32::MAX) } as u32;
    if now_gid != fsgid || now_uid != fsuid {
        return Err(io::Error::from_raw_os_error(libc::EPERM));
    }
    Ok(())
}
