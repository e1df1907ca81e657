//! Reading the target's memory.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Reads `buf.len()` bytes at `addr` of process `pid` with
/// `process_vm_readv`, falling back to `/proc/PID/mem` when the call is not
/// permitted (some hardened kernels) or not built in. Returns how many
/// bytes were read: short when the range runs into unmapped memory.
pub fn read(pid: u32, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
    if buf.is_empty() {
        return Ok(0);
    }
    match vm_readv(pid, addr, buf) {
        Ok(n) => Ok(n),
        Err(e) if e == libc::EPERM || e == libc::ENOSYS => proc_mem(pid, addr, buf),
        Err(e) => Err(e),
    }
}

fn vm_readv(pid: u32, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` describes `buf`, which is writable for its length;
    // the remote iovec is only interpreted in the other process by the
    // kernel, which checks it.
    let n = unsafe { libc::process_vm_readv(pid as libc::pid_t, &local, 1, &remote, 1, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO));
    }
    Ok(n as usize)
}

fn proc_mem(pid: u32, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
    let f = File::open(format!("/proc/{pid}/mem"))
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    match f.read_at(buf, addr) {
        Ok(n) => Ok(n),
        // /proc/PID/mem reports unmapped memory as EIO; callers expect the
        // same EFAULT process_vm_readv gives.
        Err(e) if e.raw_os_error() == Some(libc::EIO) => Err(libc::EFAULT),
        Err(e) => Err(e.raw_os_error().unwrap_or(libc::EIO)),
    }
}

/// Reads with `/proc/PID/mem` only (for tests of the fallback).
pub fn read_proc_mem(pid: u32, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
    proc_mem(pid, addr, buf)
}
