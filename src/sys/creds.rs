//! Per-thread credentials, so emulation runs with the program's rights
//! rather than the supervisor's.

use std::io;

/// Every credential of a thread that the kernel checks when it acts on
/// a file or a socket, as read from `/proc/TID/status` in our user
/// namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadCreds {
    /// Real, effective, saved and filesystem uid.
    pub uids: [u32; 4],
    /// Real, effective, saved and filesystem gid.
    pub gids: [u32; 4],
    pub groups: Vec<u32>,
    /// Inheritable, permitted and effective capability sets.
    pub cap_inh: u64,
    pub cap_prm: u64,
    pub cap_eff: u64,
}

/// `struct __user_cap_header_struct` / `__user_cap_data_struct`, version 3
/// (two 32-bit halves of each 64-bit set).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

fn check(r: libc::c_long) -> io::Result<()> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The calling thread's (effective, permitted, inheritable) capabilities.
pub fn thread_caps() -> io::Result<(u64, u64, u64)> {
    let mut head = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: capget writes two cap_data structs (version 3) into `data`,
    // which is exactly that long; `head` is a valid header.
    check(unsafe { libc::syscall(libc::SYS_capget, &mut head, data.as_mut_ptr()) })?;
    let join = |lo: u32, hi: u32| u64::from(lo) | (u64::from(hi) << 32);
    Ok((
        join(data[0].effective, data[1].effective),
        join(data[0].permitted, data[1].permitted),
        join(data[0].inheritable, data[1].inheritable),
    ))
}

fn set_thread_caps(eff: u64, prm: u64, inh: u64) -> io::Result<()> {
    let mut head = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let half = |v: u64, i: usize| (v >> (32 * i)) as u32;
    let data = [0, 1].map(|i| CapData {
        effective: half(eff, i),
        permitted: half(prm, i),
        inheritable: half(inh, i),
    });
    // SAFETY: capset reads a valid version-3 header and two cap_data
    // structs; pid 0 means the calling thread only.
    check(unsafe { libc::syscall(libc::SYS_capset, &mut head, data.as_ptr()) })
}

/// A syscall whose arguments are all integers (no pointers): ids, flags.
fn int_syscall(
    nr: libc::c_long,
    a: libc::c_ulong,
    b: libc::c_ulong,
    c: libc::c_ulong,
) -> libc::c_long {
    // SAFETY: callers pass only syscalls that take plain integers and
    // change the calling thread's own credentials; no memory is touched.
    unsafe { libc::syscall(nr, a, b, c, 0, 0) }
}

/// Makes the calling thread, and only it, take `want`: its uids, gids,
/// supplementary groups and capabilities (no more than this thread holds:
/// a capability we lack is not granted). Linux keeps credentials per
/// thread; the raw syscalls change only the caller, where glibc's
/// wrappers would change every thread of the process. Meant for a thread
/// that does one emulation and ends.
pub fn take_thread_creds(want: &ThreadCreds) -> io::Result<()> {
    let (_, our_prm, _) = thread_caps()?;
    let groups = &want.groups;
    // PR_SET_KEEPCAPS (per thread) keeps the permitted set across the uid
    // change so capset below can still set the capabilities the program
    // holds.
    let keepcaps = libc::PR_SET_KEEPCAPS as libc::c_ulong;
    check(int_syscall(libc::SYS_prctl, keepcaps, 1, 0))?;
    let current_groups = nix::unistd::getgroups().unwrap_or_default();
    let same_groups = current_groups.len() == groups.len()
        && current_groups
            .iter()
            .zip(groups)
            .all(|(a, b)| a.as_raw() == *b);
    if !same_groups {
        // SAFETY: `groups` is valid for `groups.len()` gid_t values.
        check(unsafe { libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) })?;
    }
    let id = |v: u32| libc::c_ulong::from(v);
    let [rg, eg, sg, fg] = want.gids;
    let [ru, eu, su, fu] = want.uids;
    check(int_syscall(libc::SYS_setresgid, id(rg), id(eg), id(sg)))?;
    check(int_syscall(libc::SYS_setresuid, id(ru), id(eu), id(su)))?;
    // setfs*id return the previous value, never an error.
    int_syscall(libc::SYS_setfsgid, id(fg), 0, 0);
    int_syscall(libc::SYS_setfsuid, id(fu), 0, 0);
    let keep = our_prm;
    set_thread_caps(
        want.cap_eff & keep,
        want.cap_prm & keep,
        want.cap_inh & keep,
    )?;
    check(int_syscall(libc::SYS_prctl, keepcaps, 0, 0))?;
    // Read back: a change the kernel refused silently must not pass
    // (setfs*id with -1 changes nothing and returns the current id).
    let now_fg = int_syscall(libc::SYS_setfsgid, id(u32::MAX), 0, 0) as u32;
    let now_fu = int_syscall(libc::SYS_setfsuid, id(u32::MAX), 0, 0) as u32;
    let (eff, _, _) = thread_caps()?;
    if now_fg != fg || now_fu != fu || eff & !(want.cap_eff & keep) != 0 {
        return Err(io::Error::from_raw_os_error(libc::EPERM));
    }
    Ok(())
}
