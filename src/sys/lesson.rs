//! What the demo lessons' targets do to themselves: stack a second
//! seccomp filter, enter strict mode, handle signals (with or without
//! SA_RESTART) and SIGSYS, and make raw calls strict mode allows.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicUsize, Ordering};

use syscalls::Sysno;

use super::bpf::{AUDIT_ARCH_X86_64, BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
use super::bpf::{Insn, RET_ALLOW};

/// `SECCOMP_RET_TRAP`: the kernel sends SIGSYS instead of running the call.
pub const RET_TRAP: u32 = 0x0003_0000;
/// `SECCOMP_RET_ERRNO`: the call fails with the errno in the low 16 bits.
pub const RET_ERRNO: u32 = 0x0005_0000;
/// `SECCOMP_RET_TRACE`: a ptrace tracer would be told (none here).
pub const RET_TRACE: u32 = 0x7ff0_0000;

/// A filter that answers `action` for the calls in `nrs` and allows the
/// rest (foreign architectures too: our own filter below sees them).
fn program(nrs: &[Sysno], action: u32) -> Vec<Insn> {
    let n = nrs.len();
    let mut prog = vec![
        Insn {
            code: BPF_LD | BPF_W | BPF_ABS,
            jt: 0,
            jf: 0,
            k: 4, // seccomp_data.arch
        },
        Insn {
            code: BPF_JMP | BPF_JEQ | BPF_K,
            jt: 0,
            // Not x86_64: to the final ALLOW, past the loads, the
            // comparisons and the action.
            jf: (n + 3) as u8,
            k: AUDIT_ARCH_X86_64,
        },
        Insn {
            code: BPF_LD | BPF_W | BPF_ABS,
            jt: 0,
            jf: 0,
            k: 0, // seccomp_data.nr
        },
    ];
    for (i, nr) in nrs.iter().enumerate() {
        // A match jumps to the action, right after the last comparison.
        prog.push(Insn {
            code: BPF_JMP | BPF_JEQ | BPF_K,
            jt: (n - i) as u8,
            jf: 0,
            k: nr.id() as u32,
        });
    }
    // No comparison matched: skip the action.
    prog.push(Insn {
        code: BPF_JMP | super::bpf::BPF_JA,
        jt: 0,
        jf: 0,
        k: 1,
    });
    prog.push(Insn {
        code: BPF_RET | BPF_K,
        jt: 0,
        jf: 0,
        k: action,
    });
    prog.push(Insn {
        code: BPF_RET | BPF_K,
        jt: 0,
        jf: 0,
        k: RET_ALLOW,
    });
    prog
}

/// Installs a second filter (no listener) on this thread: `action` for
/// the calls in `nrs`. The kernel runs every filter and takes the action
/// of highest precedence.
pub fn install_filter(nrs: &[Sysno], action: u32) -> io::Result<()> {
    let prog: Vec<libc::sock_filter> = program(nrs, action)
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect();
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prctl with integer arguments. Needed without CAP_SYS_ADMIN;
    // a process under our filter has it set already.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fprog` points at `prog`, which lives until the call
    // returns; the kernel copies the program.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `seccomp(SECCOMP_SET_MODE_STRICT)`: from now on only read, write,
/// _exit and sigreturn; anything else kills the process with SIGKILL.
pub fn enter_strict() -> io::Result<()> {
    // SAFETY: plain syscall with integer arguments and a NULL pointer,
    // which strict mode requires.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_STRICT,
            0,
            std::ptr::null::<libc::c_void>(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `write(2)` itself, nothing else (strict mode allows no other call).
pub fn raw_write(fd: BorrowedFd<'_>, bytes: &[u8]) -> isize {
    // SAFETY: the slice is valid for `bytes.len()` bytes.
    unsafe { libc::syscall(libc::SYS_write, fd.as_raw_fd(), bytes.as_ptr(), bytes.len()) as isize }
}

/// `read(2)` itself, nothing else.
pub fn raw_read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> isize {
    // SAFETY: the slice is writable for `buf.len()` bytes.
    unsafe { libc::syscall(libc::SYS_read, fd.as_raw_fd(), buf.as_mut_ptr(), buf.len()) as isize }
}

/// `fork(2)` as a raw syscall (glibc's fork makes other calls first). In
/// strict mode the kernel kills the caller instead. Returns what the call
/// returned; a child that comes into being exits at once with `_exit`.
pub fn raw_fork() -> i64 {
    // SAFETY: a raw fork; the child, if any, only calls _exit, which is
    // async-signal-safe and touches nothing the parent owns.
    let rc = unsafe { libc::syscall(libc::SYS_fork) };
    if rc == 0 {
        raw_exit(0);
    }
    rc
}

/// `_exit(2)` (SYS_exit, the one strict mode allows; exit_group is not).
pub fn raw_exit(code: i32) -> ! {
    loop {
        // SAFETY: ends this thread (the only one); never returns.
        unsafe { libc::syscall(libc::SYS_exit, code) };
    }
}

static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_sig: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// Installs a handler for `sig` that only counts it; with `restart`,
/// SA_RESTART: a call the signal interrupted is restarted afterwards.
pub fn count_signals(sig: i32, restart: bool) -> io::Result<()> {
    // SAFETY: a zeroed sigaction is valid; the handler only touches an
    // atomic (async-signal-safe).
    let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
    sa.sa_sigaction = count_signal as *const () as usize;
    sa.sa_flags = if restart { libc::SA_RESTART } else { 0 };
    // SAFETY: `sa` is initialised and outlives the call.
    let rc = unsafe { libc::sigaction(sig, &sa, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// How many signals the handler of [`count_signals`] has seen.
pub fn signals_handled() -> usize {
    HANDLED.load(Ordering::SeqCst)
}

/// `alarm(2)`: SIGALRM in `secs` seconds (0 cancels).
pub fn alarm(secs: u32) {
    // SAFETY: plain call with an integer.
    unsafe { libc::alarm(secs) };
}

static SIGSYS_NR: AtomicI32 = AtomicI32::new(-1);
static SIGSYS_ARCH: AtomicU32 = AtomicU32::new(0);

// struct siginfo for SIGSYS (asm-generic/siginfo.h): si_signo, si_errno,
// si_code, padding, then the union: _call_addr (8 bytes), _syscall (int),
// _arch (unsigned int).
const SI_SYSCALL: usize = 24;
const SI_ARCH: usize = 28;

extern "C" fn on_sigsys(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let base = info.cast::<u8>();
    let nr_at = base.wrapping_add(SI_SYSCALL).cast::<i32>();
    let arch_at = base.wrapping_add(SI_ARCH).cast::<u32>();
    // SAFETY: the kernel passes a full siginfo_t (128 bytes) for SIGSYS;
    // the offset is that of _sigsys._syscall on 64-bit Linux.
    let nr = unsafe { nr_at.read_unaligned() };
    // SAFETY: as above, for _sigsys._arch.
    let arch = unsafe { arch_at.read_unaligned() };
    SIGSYS_NR.store(nr, Ordering::SeqCst);
    SIGSYS_ARCH.store(arch, Ordering::SeqCst);
    // The trapped call was not run; what it returns is what the handler
    // leaves in rax, restored by sigreturn: make it fail with ENOSYS.
    // SAFETY: with SA_SIGINFO, `ctx` is the ucontext_t the kernel saved
    // and will restore; writing one register of it is how handlers
    // change the result.
    unsafe {
        let uc = ctx.cast::<libc::ucontext_t>();
        (*uc).uc_mcontext.gregs[libc::REG_RAX as usize] = -(libc::ENOSYS as i64);
    }
}

/// Installs a SIGSYS handler (SA_SIGINFO) that notes `si_syscall` and
/// `si_arch` and makes the trapped call fail with ENOSYS.
pub fn report_sigsys() -> io::Result<()> {
    // SAFETY: a zeroed sigaction is valid; the handler touches atomics and
    // the saved context only.
    let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
    sa.sa_sigaction = on_sigsys as *const () as usize;
    sa.sa_flags = libc::SA_SIGINFO;
    // SAFETY: `sa` is initialised and outlives the call.
    let rc = unsafe { libc::sigaction(libc::SIGSYS, &sa, std::ptr::null_mut()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The `si_syscall` and `si_arch` of the last SIGSYS, if one came.
pub fn last_sigsys() -> Option<(i32, u32)> {
    let nr = SIGSYS_NR.load(Ordering::SeqCst);
    (nr >= 0).then(|| (nr, SIGSYS_ARCH.load(Ordering::SeqCst)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::bpf::run;

    #[test]
    fn second_filter_acts_on_its_calls_only() {
        let prog = program(&[Sysno::mkdir, Sysno::mkdirat], RET_ERRNO | 30);
        let a = AUDIT_ARCH_X86_64;
        assert_eq!(run(&prog, a, Sysno::mkdir.id() as u32, 0), RET_ERRNO | 30);
        assert_eq!(run(&prog, a, Sysno::mkdirat.id() as u32, 0), RET_ERRNO | 30);
        assert_eq!(run(&prog, a, Sysno::openat.id() as u32, 0), RET_ALLOW);
        assert_eq!(
            run(&prog, 0x4000_0003, Sysno::mkdir.id() as u32, 0),
            RET_ALLOW
        );
    }
}
