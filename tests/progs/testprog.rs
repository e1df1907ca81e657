//! A target for the integration tests: each mode makes a few precise
//! system calls and prints what it saw, so tests can check the effect of
//! each answer from the target's side.
#![allow(unsafe_code)]
// Its unsafe blocks are short raw-syscall sequences, each a test step with
// one SAFETY comment; one-operation blocks are the rule for src/sys.
#![allow(clippy::multiple_unsafe_ops_per_block)]

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;

fn errno_name(e: i32) -> String {
    match e {
        libc::EPERM => "EPERM".into(),
        libc::ENOENT => "ENOENT".into(),
        libc::EACCES => "EACCES".into(),
        libc::EFAULT => "EFAULT".into(),
        libc::EEXIST => "EEXIST".into(),
        libc::ENOSYS => "ENOSYS".into(),
        libc::EOPNOTSUPP => "EOPNOTSUPP".into(),
        libc::ENAMETOOLONG => "ENAMETOOLONG".into(),
        libc::EINTR => "EINTR".into(),
        libc::EXDEV => "EXDEV".into(),
        libc::EAGAIN => "EAGAIN".into(),
        libc::EMFILE => "EMFILE".into(),
        libc::EBADF => "EBADF".into(),
        libc::EINVAL => "EINVAL".into(),
        libc::ESRCH => "ESRCH".into(),
        n => format!("errno {n}"),
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Prints `ok N` or `err NAME` for a raw syscall return.
fn report(what: &str, rc: i64) {
    println!("{what}: {}", outcome(rc));
}

/// `ok N` or `err NAME` for a raw syscall return.
fn outcome(rc: i64) -> String {
    if rc < 0 {
        format!("err {}", errno_name(last_errno()))
    } else {
        format!("ok {rc}")
    }
}

/// Opens `path`, prints `open: ok fd N content "first line"` or
/// `open: err NAME`.
fn read_first_line(path: &[u8]) {
    match std::fs::File::open(std::ffi::OsStr::from_bytes(path)) {
        Ok(mut f) => {
            use std::os::fd::AsRawFd;
            let mut s = String::new();
            let _ = f.read_to_string(&mut s);
            println!(
                "open: ok fd {} content {:?}",
                f.as_raw_fd(),
                s.lines().next().unwrap_or("")
            );
        }
        Err(e) => println!("open: err {}", errno_name(e.raw_os_error().unwrap_or(0))),
    }
}

fn mkdir(path: &[u8]) -> i64 {
    let c = CString::new(path).unwrap();
    // SAFETY: a valid NUL-terminated string.
    unsafe { libc::syscall(libc::SYS_mkdir, c.as_ptr(), 0o755) }
}

/// How many times the SIGUSR1 handler of the `restart` mode ran.
static HANDLED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

extern "C" fn on_usr1(_: libc::c_int) {
    HANDLED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// Installs a SIGUSR1 handler, restarting interrupted calls or not.
fn handle_usr1(restart: bool) {
    // SAFETY: a zeroed sigaction is valid; the handler only touches an
    // atomic, which is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_usr1 as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = if restart { libc::SA_RESTART } else { 0 };
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut());
    }
}

/// A BPF statement (load, return) for the filters below.
fn bpf_stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

/// A BPF jump if the accumulator equals `k`.
fn bpf_jeq(k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    }
}

/// Installs a seccomp filter that makes seccomp(2) fail with EPERM: every
/// seccomp(2) call (`all`), or only SECCOMP_SET_MODE_FILTER (`set-filter`),
/// as container runtimes and sandboxes do; or (`openat2`) that makes
/// openat2 fail with ENOSYS, as older container profiles did.
fn forbid_seccomp(which: &[u8]) {
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    const OFF_NR: u32 = 0;
    const OFF_ARCH: u32 = 4;
    const OFF_ARG0: u32 = 16;
    let (stmt, jeq) = (bpf_stmt, bpf_jeq);
    let ld = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;
    let eperm = libc::SECCOMP_RET_ERRNO | libc::EPERM as u32;
    // `all` jumps from the syscall check straight to EPERM; `set-filter`
    // first looks at the operation (arg0).
    let on_seccomp = if which == b"all" { 2 } else { 0 };
    let prog = if which == b"openat2" {
        vec![
            stmt(ld, OFF_ARCH),
            jeq(AUDIT_ARCH_X86_64, 0, 3),
            stmt(ld, OFF_NR),
            jeq(libc::SYS_openat2 as u32, 0, 1),
            stmt(ret, libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32),
            stmt(ret, libc::SECCOMP_RET_ALLOW),
        ]
    } else {
        vec![
            stmt(ld, OFF_ARCH),
            jeq(AUDIT_ARCH_X86_64, 0, 5),
            stmt(ld, OFF_NR),
            jeq(libc::SYS_seccomp as u32, on_seccomp, 3),
            stmt(ld, OFF_ARG0),
            jeq(libc::SECCOMP_SET_MODE_FILTER, 0, 1),
            stmt(ret, eperm),
            stmt(ret, libc::SECCOMP_RET_ALLOW),
        ]
    };
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prctl with a filter program that outlives the call.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                &fprog as *const libc::sock_fprog,
            ) != 0
        {
            eprintln!(
                "testprog: installing the filter: {}",
                std::io::Error::last_os_error()
            );
            std::process::exit(70);
        }
    }
}

/// Installs a filter that sends mkdir to a new listener (as a container
/// runtime's NOTIFY profile does) and returns the listener.
fn trap_mkdir_with_listener() -> i32 {
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    let (stmt, jeq) = (bpf_stmt, bpf_jeq);
    let ld = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
    let ret = libc::BPF_RET | libc::BPF_K;
    let prog = [
        stmt(ld, 4),
        jeq(AUDIT_ARCH_X86_64, 0, 3),
        stmt(ld, 0),
        jeq(libc::SYS_mkdir as u32, 0, 1),
        stmt(ret, libc::SECCOMP_RET_USER_NOTIF),
        stmt(ret, libc::SECCOMP_RET_ALLOW),
    ];
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    // SAFETY: prctl and seccomp with a filter program that outlives the
    // calls.
    let fd = unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            -1
        } else {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
                &fprog as *const libc::sock_fprog,
            ) as i32
        }
    };
    if fd < 0 {
        eprintln!(
            "testprog: installing the filter: {}",
            std::io::Error::last_os_error()
        );
        std::process::exit(70);
    }
    fd
}

/// oci-client (see main): a container runtime's handover of a listener
/// to an agent, then the container's own calls.
fn oci_client(socket: &[u8], id: &str, path: &[u8], then: Option<&[u8]>) {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    use std::os::fd::AsRawFd;
    let listener = trap_mkdir_with_listener();
    let stream = std::os::unix::net::UnixStream::connect(std::ffi::OsStr::from_bytes(socket))
        .unwrap_or_else(|e| {
            eprintln!("testprog: connect: {e}");
            std::process::exit(71);
        });
    // SAFETY: getpid has no preconditions.
    let pid = unsafe { libc::getpid() };
    let json = format!(
        r#"{{"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":{pid},"metadata":"meta-{id}","state":{{"ociVersion":"1.0.2-dev","id":"{id}","status":"creating","pid":{pid},"bundle":"/bundle/{id}","annotations":{{}}}}}}"#
    );
    // Two writes, the fd with the first, as a runtime may send it.
    let (first, rest) = json.as_bytes().split_at(json.len() / 2);
    let fds = [listener];
    let sent = sendmsg::<()>(
        stream.as_raw_fd(),
        &[std::io::IoSlice::new(first)],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    );
    std::thread::sleep(std::time::Duration::from_millis(50));
    let sent = sent.and_then(|_| {
        sendmsg::<()>(
            stream.as_raw_fd(),
            &[std::io::IoSlice::new(rest)],
            &[],
            MsgFlags::empty(),
            None,
        )
    });
    if let Err(e) = sent {
        eprintln!("testprog: sendmsg: {e}");
        std::process::exit(71);
    }
    drop(stream);
    // SAFETY: our own copy of the listener, not used again.
    unsafe { libc::close(listener) };
    report("mkdir", mkdir(path));
    if let Some(then) = then {
        println!("waiting");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        report("mkdir", mkdir(then));
    }
}

/// kill-storm (see main): THREADS threads make mkdir calls on PATH
/// without end; once 200 have returned the process SIGKILLs itself.
fn kill_storm(threads: usize, file: &[u8], path: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(std::ffi::OsStr::from_bytes(file))
        .unwrap();
    let len = threads * 2 * 8;
    file.set_len(len as u64).unwrap();
    // SAFETY: a shared mapping of a file we sized; it stays mapped
    // until the process dies.
    let counters: &'static [AtomicU64] = unsafe {
        use std::os::fd::AsRawFd;
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        );
        assert_ne!(p, libc::MAP_FAILED);
        std::slice::from_raw_parts(p as *const AtomicU64, threads * 2)
    };
    let path = CString::new(path).unwrap();
    for t in 0..threads {
        let path = path.clone();
        std::thread::spawn(move || {
            loop {
                counters[2 * t].fetch_add(1, Ordering::SeqCst);
                // SAFETY: a valid NUL-terminated path.
                unsafe { libc::syscall(libc::SYS_mkdir, path.as_ptr(), 0o755) };
                counters[2 * t + 1].fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    while (0..threads)
        .map(|t| counters[2 * t + 1].load(Ordering::SeqCst))
        .sum::<u64>()
        < 200
    {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // SAFETY: signalling ourselves.
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
}

/// decode-calls: one call of each kind the decoder names (issue 16), with
/// arguments chosen so the trace can be checked. Their results do not
/// matter (many fail harmlessly); the process's state is left as it was.
fn decode_calls() {
    use libc::{c_long, syscall};
    let name = c"unotify-dec";
    let mut word = [0u64; 64];
    let w = word.as_mut_ptr();
    let mut futex_word: u32 = 0;
    let fw = &mut futex_word as *mut u32;
    let one: libc::c_int = 1;
    let onep = &one as *const libc::c_int;
    let int_len = std::mem::size_of::<libc::c_int>() as c_long;
    let mut pipe = [0i32; 2];
    // SAFETY: each call below passes integers, NULL, or pointers to live
    // locals of the size the kernel reads or writes; fds are ours.
    unsafe {
        libc::pipe(pipe.as_mut_ptr());
        let (rd, wr) = (pipe[0] as c_long, pipe[1] as c_long);
        let inet = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) as c_long;
        let inet6 = libc::socket(libc::AF_INET6, libc::SOCK_STREAM, 0) as c_long;
        syscall(
            libc::SYS_setresuid,
            -1 as c_long,
            -1 as c_long,
            -1 as c_long,
        );
        syscall(
            libc::SYS_prctl,
            libc::PR_SET_NAME as c_long,
            name.as_ptr(),
            0,
            0,
            0,
        );
        syscall(libc::SYS_ioctl, 0 as c_long, libc::TCGETS, w);
        syscall(libc::SYS_ioctl, 0 as c_long, libc::TIOCGWINSZ, w);
        syscall(libc::SYS_ioctl, rd, libc::FIONREAD, w);
        syscall(libc::SYS_ioctl, rd, libc::FIOCLEX, 0);
        syscall(libc::SYS_ioctl, rd, 0x8008_1272 as c_long, w); // BLKGETSIZE64
        syscall(libc::SYS_ioctl, inet, libc::SIOCGIFINDEX, w);
        syscall(libc::SYS_ioctl, rd, 0x8008_aa01 as c_long, w); // unknown
        let map = syscall(
            libc::SYS_mmap,
            0,
            4096 as c_long,
            (libc::PROT_READ | libc::PROT_WRITE) as c_long,
            (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as c_long,
            -1 as c_long,
            0,
        );
        if map > 0 {
            syscall(
                libc::SYS_mprotect,
                map,
                4096 as c_long,
                libc::PROT_READ as c_long,
            );
            syscall(
                libc::SYS_madvise,
                map,
                4096 as c_long,
                libc::MADV_DONTNEED as c_long,
            );
            syscall(libc::SYS_munmap, map, 4096 as c_long);
        }
        syscall(
            libc::SYS_flock,
            rd,
            (libc::LOCK_EX | libc::LOCK_NB) as c_long,
        );
        syscall(
            libc::SYS_getrandom,
            w,
            8 as c_long,
            libc::GRND_NONBLOCK as c_long,
        );
        syscall(libc::SYS_prlimit64, 0, libc::RLIMIT_NOFILE as c_long, 0, w);
        syscall(libc::SYS_getrlimit, libc::RLIMIT_CORE as c_long, w);
        // Sets the core limit to what it is.
        syscall(libc::SYS_setrlimit, libc::RLIMIT_CORE as c_long, w);
        let efd = syscall(
            libc::SYS_eventfd2,
            0,
            (libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) as c_long,
        );
        let ep = syscall(libc::SYS_epoll_create1, libc::EPOLL_CLOEXEC as c_long);
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: 7,
        };
        syscall(
            libc::SYS_epoll_ctl,
            ep,
            libc::EPOLL_CTL_ADD as c_long,
            efd,
            &mut ev,
        );
        syscall(
            libc::SYS_setsockopt,
            inet,
            libc::SOL_SOCKET as c_long,
            libc::SO_REUSEADDR as c_long,
            onep,
            int_len,
        );
        syscall(
            libc::SYS_setsockopt,
            inet,
            libc::IPPROTO_TCP as c_long,
            libc::TCP_NODELAY as c_long,
            onep,
            int_len,
        );
        syscall(
            libc::SYS_setsockopt,
            inet,
            libc::IPPROTO_IP as c_long,
            libc::IP_TOS as c_long,
            onep,
            int_len,
        );
        syscall(
            libc::SYS_setsockopt,
            inet6,
            libc::IPPROTO_IPV6 as c_long,
            libc::IPV6_V6ONLY as c_long,
            onep,
            int_len,
        );
        let mut len = int_len as libc::socklen_t;
        syscall(
            libc::SYS_getsockopt,
            inet,
            libc::SOL_SOCKET as c_long,
            libc::SO_ERROR as c_long,
            w,
            &mut len,
        );
        syscall(libc::SYS_wait4, -1 as c_long, 0, libc::WNOHANG as c_long, 0);
        syscall(
            libc::SYS_waitid,
            libc::P_ALL as c_long,
            0,
            w,
            (libc::WEXITED | libc::WNOHANG) as c_long,
            0,
        );
        syscall(
            libc::SYS_futex,
            fw,
            (libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG) as c_long,
            1 as c_long,
            0,
            0,
            0,
        );
        // The word is 0, not 1: EAGAIN at once.
        syscall(
            libc::SYS_futex,
            fw,
            (libc::FUTEX_WAIT_BITSET | libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME)
                as c_long,
            1 as c_long,
            0,
            0,
            0xffff_ffff as c_long,
        );
        syscall(libc::SYS_arch_prctl, 0x1003 as c_long, w); // ARCH_GET_FS
        syscall(
            libc::SYS_fcntl,
            rd,
            libc::F_SETFD as c_long,
            libc::FD_CLOEXEC as c_long,
        );
        // SIGURG is ignored by default: setting SIG_IGN changes nothing.
        let act: [u64; 4] = [1, 0, 0, 0];
        syscall(
            libc::SYS_rt_sigaction,
            libc::SIGURG as c_long,
            act.as_ptr(),
            0,
            8 as c_long,
        );
        let mut old: u64 = 0;
        let set: u64 = 1 << (libc::SIGUSR2 - 1);
        syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_BLOCK as c_long,
            &set,
            &mut old,
            8 as c_long,
        );
        syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK as c_long,
            &old,
            0,
            8 as c_long,
        );
        // Disarms a timer that is not armed.
        let zero = [0u64; 4];
        syscall(
            libc::SYS_setitimer,
            libc::ITIMER_REAL as c_long,
            zero.as_ptr(),
            0,
        );
        let mut hdr: [u32; 2] = [0x2008_0522, 0];
        let mut data = [0u32; 6];
        syscall(libc::SYS_capget, hdr.as_mut_ptr(), data.as_mut_ptr());
        // Sets the capabilities to what they are.
        syscall(libc::SYS_capset, hdr.as_mut_ptr(), data.as_ptr());
        let pkey = syscall(libc::SYS_pkey_alloc, 0, 2 as c_long); // PKEY_DISABLE_WRITE
        if pkey >= 0 {
            syscall(libc::SYS_pkey_free, pkey);
        }
        // A mode without O_CREAT: the kernel ignores it. (Not /dev/null:
        // a built-in quiet rule keeps its opens out of the trace.)
        let dot = c".";
        let fd = syscall(
            libc::SYS_openat,
            libc::AT_FDCWD as c_long,
            dot.as_ptr(),
            (libc::O_RDONLY | libc::O_CLOEXEC | libc::O_DIRECTORY) as c_long,
            0o175007 as c_long,
        );
        for f in [fd, efd, ep, inet, inet6, rd, wr] {
            if f >= 0 {
                libc::close(f as i32);
            }
        }
    }
    println!("decode-calls: done");
}

/// The outer frame of the `stack` mode's known call chain.
#[inline(never)]
fn stack_outer_fn(depth: u64) -> i64 {
    // black_box after the call keeps it a call, not a tail jump.
    std::hint::black_box(stack_inner_fn(std::hint::black_box(depth)))
}

/// The inner frame: makes the call through libc's syscall().
#[inline(never)]
fn stack_inner_fn(depth: u64) -> i64 {
    // SAFETY: getppid takes no arguments.
    let r = unsafe { libc::syscall(libc::SYS_getppid) };
    std::hint::black_box(depth);
    r
}

/// One argument of the `sys` mode: `s:TEXT` is a pointer to the string
/// TEXT, `how:FLAGS:MODE:RESOLVE` a pointer to a struct open_how, anything
/// else a number (decimal, or hex after 0x; may be negative). The strings
/// and structs are leaked: they must live until the call.
fn sys_arg(a: &[u8]) -> i64 {
    if let Some(text) = a.strip_prefix(b"s:") {
        return CString::new(text).unwrap().into_raw() as i64;
    }
    if let Some(how) = a.strip_prefix(b"how:") {
        let v: Vec<u64> = how
            .split(|b| *b == b':')
            .map(|n| sys_num(n) as u64)
            .collect();
        let how: &'static mut [u64; 3] = Box::leak(Box::new([v[0], v[1], v[2]]));
        return how.as_ptr() as i64;
    }
    sys_num(a)
}

fn sys_num(a: &[u8]) -> i64 {
    let s = String::from_utf8_lossy(a);
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, &*s),
    };
    let n = match s.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16),
        None => s.parse(),
    }
    .unwrap_or_else(|_| panic!("testprog: not a number: {s}"));
    if neg { -n } else { n }
}

/// What fd `fd` is, as the program sees it: its open flags (F_GETFL),
/// close-on-exec, file type, permission bits and size.
fn describe_fd(fd: i32) {
    // SAFETY: fcntl on our own fd number; a bad one fails.
    let (fl, fd_flags) = unsafe {
        (
            libc::fcntl(fd, libc::F_GETFL),
            libc::fcntl(fd, libc::F_GETFD),
        )
    };
    // SAFETY: fstat writes the zeroed struct it is given.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::fstat(fd, &mut st) };
    let kind = match st.st_mode & libc::S_IFMT {
        libc::S_IFREG => "reg",
        libc::S_IFDIR => "dir",
        libc::S_IFLNK => "link",
        libc::S_IFCHR => "chr",
        libc::S_IFSOCK => "sock",
        _ => "other",
    };
    println!(
        "fd: flags {fl:#x} cloexec {} type {kind} mode {:o} size {}",
        fd_flags & libc::FD_CLOEXEC != 0,
        st.st_mode & 0o7777,
        st.st_size
    );
}

/// Connects a unix stream socket to `addr` (`len` bytes of it) and prints
/// what the server says, as `connect-unix` does.
fn connect_unix_raw(addr: &libc::sockaddr_un, len: usize) {
    // SAFETY: a fresh socket; `addr` is valid for `len` bytes.
    let (fd, rc) = unsafe {
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
        let rc = libc::connect(fd, (addr as *const libc::sockaddr_un).cast(), len as u32);
        (fd, rc)
    };
    if rc != 0 {
        println!("connect: err {}", errno_name(last_errno()));
        return;
    }
    use std::os::fd::FromRawFd;
    // SAFETY: the connected socket is ours alone from here on.
    let mut s = unsafe { std::os::unix::net::UnixStream::from_raw_fd(fd) };
    let mut line = String::new();
    let _ = s.read_to_string(&mut line);
    println!("connect: ok server said {:?}", line.trim());
}

/// Path calls in DIR whose every input changes the moment each call
/// returns: the path buffer is scribbled over, the cwd moves, the dirfd is
/// closed and its number reused for another directory. A record made from
/// anything read after the answer would show the new inputs. Writes
/// `<what>: <outcome>` lines to DIR/report.
fn paths_moving(dir: &[u8]) {
    use libc::{AT_FDCWD, AT_REMOVEDIR, O_DIRECTORY, O_RDONLY, SYS_mkdir, SYS_mkdirat, syscall};
    let dir = String::from_utf8(dir.to_vec()).expect("DIR is UTF-8");
    let mut report = Vec::new();
    let mut buf = vec![0u8; 6000];
    let p = buf.as_mut_ptr() as libc::c_long;
    let q = p + 3000;
    let set = |buf: &mut Vec<u8>, at: usize, s: &str| {
        buf[at..at + 512].fill(0);
        buf[at..at + s.len()].copy_from_slice(s.as_bytes());
    };
    let scribble = |buf: &mut Vec<u8>| {
        buf[..8].copy_from_slice(b"MOVED/xx");
        buf[3000..3008].copy_from_slice(b"MOVED/yy");
    };
    let chdir = |to: &str| {
        let c = CString::new(to).unwrap();
        // SAFETY: a valid NUL-terminated string.
        assert_eq!(unsafe { libc::chdir(c.as_ptr()) }, 0, "chdir {to}");
    };
    let open_dir = |path: &str| {
        let c = CString::new(path).unwrap();
        // SAFETY: a valid NUL-terminated string.
        unsafe { libc::open(c.as_ptr(), O_RDONLY | O_DIRECTORY) as libc::c_long }
    };
    let mut done = |what: &str, rc: i64| report.push(format!("{what}: {}", outcome(rc)));
    chdir(&dir);
    // SAFETY: every syscall below gets integers, and pointers into
    // `buf`, which holds NUL-terminated strings at `p` and `q`, or into
    // nothing at all (1, an address never mapped).
    unsafe {
        set(&mut buf, 0, "a");
        done("mkdirat cwd a", syscall(SYS_mkdirat, AT_FDCWD, p, 0o755));
        scribble(&mut buf);
        chdir("a");
        set(&mut buf, 0, "b");
        done("mkdir b", syscall(SYS_mkdir, p, 0o700));
        scribble(&mut buf);
        chdir("/");
        let fd = open_dir(&format!("{dir}/a"));
        set(&mut buf, 0, "c");
        done("mkdirat fd c", syscall(SYS_mkdirat, fd, p, 0o755));
        scribble(&mut buf);
        libc::close(fd as i32);
        // The same number, another directory.
        let fd = open_dir(&dir);
        set(&mut buf, 0, "a/c");
        set(&mut buf, 3000, "a/d");
        done(
            "renameat a/c a/d",
            syscall(libc::SYS_renameat, fd, p, fd, q),
        );
        scribble(&mut buf);
        set(&mut buf, 0, "a/d");
        done(
            "unlinkat a/d",
            syscall(libc::SYS_unlinkat, fd, p, AT_REMOVEDIR),
        );
        scribble(&mut buf);
        set(&mut buf, 0, "a");
        set(&mut buf, 3000, &format!("{dir}/s"));
        done(
            "symlinkat a s",
            syscall(libc::SYS_symlinkat, p, AT_FDCWD, q),
        );
        scribble(&mut buf);
        libc::close(fd as i32);
        done("mkdirat NULL", syscall(SYS_mkdirat, AT_FDCWD, 0, 0o755));
        done("mkdirat unmapped", syscall(SYS_mkdirat, AT_FDCWD, 1, 0o755));
        set(&mut buf, 0, "");
        done("mkdirat empty", syscall(SYS_mkdirat, AT_FDCWD, p, 0o755));
        set(&mut buf, 0, "e");
        done("mkdirat bad fd", syscall(SYS_mkdirat, 1000, p, 0o755));
        buf[..5000].fill(b'x');
        done("mkdirat long", syscall(SYS_mkdirat, AT_FDCWD, p, 0o755));
    }
    report.push(String::new());
    std::fs::write(format!("{dir}/report"), report.join("\n")).expect("writing the report");
}

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let mode = args
        .first()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let arg = |i: usize| {
        args.get(i)
            .map(|s| s.as_bytes().to_vec())
            .unwrap_or_default()
    };
    let num = |i: usize| String::from_utf8_lossy(&arg(i)).parse::<u64>().unwrap_or(0);
    match mode.as_str() {
        // mkdir PATH
        "mkdir" => report("mkdir", mkdir(&arg(1))),
        // mkdir-exit PATH: mkdir, print the result, and exit with the
        // errno it failed with (0 on success), so the exit status says it too
        "mkdir-exit" => {
            let rc = mkdir(&arg(1));
            let errno = if rc < 0 { last_errno() } else { 0 };
            report("mkdir", rc);
            std::process::exit(errno);
        }
        // chdir-mkdir DIR PATH: chdir to DIR, then mkdir PATH (typically
        // relative, so it resolves against DIR)
        "chdir-mkdir" => {
            if let Err(e) = std::env::set_current_dir(std::ffi::OsStr::from_bytes(&arg(1))) {
                eprintln!("testprog: chdir: {e}");
                std::process::exit(72);
            }
            report("mkdir", mkdir(&arg(2)));
        }
        // stubborn PIDFILE PATH: ignore SIGHUP and SIGTERM, write our pid
        // to PIDFILE, mkdir PATH, then run on: only SIGKILL ends it
        "stubborn" => {
            // SAFETY: SIG_IGN for two catchable signals.
            unsafe {
                libc::signal(libc::SIGHUP, libc::SIG_IGN);
                libc::signal(libc::SIGTERM, libc::SIG_IGN);
            }
            let pidfile = arg(1);
            std::fs::write(
                std::ffi::OsStr::from_bytes(&pidfile),
                std::process::id().to_string(),
            )
            .unwrap();
            // Nothing printed: its terminal may be gone by then, and a
            // failed println! would end it.
            mkdir(&arg(2));
            loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
            }
        }
        // mkdir-addr ADDR: mkdir with a raw pointer (unreadable memory)
        "mkdir-addr" => {
            // SAFETY: the kernel checks the pointer; a bad one is EFAULT.
            let rc = unsafe { libc::syscall(libc::SYS_mkdir, num(1) as usize, 0o755) };
            report("mkdir", rc);
        }
        // mkdirat-fd FD PATH: mkdirat relative to the fd number FD
        "mkdirat-fd" => {
            let c = CString::new(arg(2)).unwrap();
            // SAFETY: a valid NUL-terminated string; the kernel checks FD.
            let rc = unsafe { libc::syscall(libc::SYS_mkdirat, num(1) as i32, c.as_ptr(), 0o755) };
            report("mkdir", rc);
        }
        // mkdir-unterminated: a path that runs into an unmapped page
        "mkdir-unterminated" => {
            // SAFETY: mapping two fresh pages, unmapping the second, and
            // filling the first; the pointer stays within the first page.
            let rc = unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    8192,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                ) as *mut u8;
                libc::munmap(p.add(4096).cast(), 4096);
                std::ptr::write_bytes(p, b'a', 4096);
                libc::syscall(libc::SYS_mkdir, p.add(4000), 0o755)
            };
            report("mkdir", rc);
        }
        // read PATH: open and print the first line
        "read" => read_first_line(&arg(1)),
        // write PATH TEXT: create and write
        "write" => {
            let r = std::fs::File::create(std::ffi::OsStr::from_bytes(&arg(1)))
                .and_then(|mut f| f.write_all(&arg(2)));
            match r {
                Ok(()) => println!("write: ok"),
                Err(e) => println!("write: err {}", errno_name(e.raw_os_error().unwrap_or(0))),
            }
        }
        // mkdir-seq N FILLER DIR PATH...: in DIR, mkdir FILLER N times
        // (quietly), then each PATH, printing `mkdir PATH: ok 0` / `mkdir
        // PATH: err NAME`: the supervisor has records and calls to reuse
        // by the time the PATHs come
        "mkdir-seq" => {
            std::env::set_current_dir(std::ffi::OsStr::from_bytes(&arg(3))).unwrap();
            for _ in 0..num(1) {
                mkdir(&arg(2));
            }
            for p in &args[4..] {
                let what = format!("mkdir {}", String::from_utf8_lossy(p.as_bytes()));
                report(&what, mkdir(p.as_bytes()));
            }
        }
        // seq DIR CALL:PATH...: in DIR, each call in turn, CALL `mkdir`
        // (mode 0755) or `open` (O_CREAT|O_WRONLY|O_CLOEXEC, mode 0644),
        // printing `CALL PATH: ok N` / `CALL PATH: err NAME`
        "seq" => {
            std::env::set_current_dir(std::ffi::OsStr::from_bytes(&arg(1))).unwrap();
            for a in &args[2..] {
                let a = a.as_bytes();
                let colon = a.iter().position(|&b| b == b':').expect("CALL:PATH");
                let (call, path) = (&a[..colon], &a[colon + 1..]);
                let rc = match call {
                    b"mkdir" => mkdir(path),
                    b"open" => {
                        let c = CString::new(path).unwrap();
                        let flags = libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC;
                        // SAFETY: a valid NUL-terminated path; the fd is
                        // left open, its number printed.
                        i64::from(unsafe { libc::open(c.as_ptr(), flags, 0o644) })
                    }
                    other => panic!("seq: no call {}", String::from_utf8_lossy(other)),
                };
                let what = format!(
                    "{} {}",
                    String::from_utf8_lossy(call),
                    String::from_utf8_lossy(path)
                );
                report(&what, rc);
            }
        }
        // mkdirs PATH...: one thread per path, all at once, each mkdir its
        // path; prints `mkdir PATH: ok 0` / `mkdir PATH: err NAME` in order
        "mkdirs" => {
            let hs: Vec<_> = args[1..]
                .iter()
                .map(|p| {
                    let p = p.as_bytes().to_vec();
                    std::thread::spawn(move || {
                        let rc = mkdir(&p);
                        let how = if rc < 0 {
                            format!("err {}", errno_name(last_errno()))
                        } else {
                            format!("ok {rc}")
                        };
                        (String::from_utf8_lossy(&p).into_owned(), how)
                    })
                })
                .collect();
            for h in hs {
                let (p, how) = h.join().unwrap();
                println!("mkdir {p}: {how}");
            }
        }
        // threads N PREFIX: N threads, each mkdir PREFIX-i; prints tids
        "threads" => {
            let n = num(1);
            let prefix = arg(2);
            let hs: Vec<_> = (0..n)
                .map(|i| {
                    let mut p = prefix.clone();
                    p.extend(format!("-{i}").as_bytes());
                    std::thread::spawn(move || {
                        // SAFETY: gettid has no arguments.
                        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
                        let rc = mkdir(&p);
                        (tid, String::from_utf8_lossy(&p).into_owned(), rc)
                    })
                })
                .collect();
            for h in hs {
                let (tid, p, rc) = h.join().unwrap();
                println!("thread {tid} {p} {rc}");
            }
        }
        // exhaust-threads PATH: starts threads (which then wait) until
        // RLIMIT_NPROC refuses one, then mkdir PATH; prints the count
        "exhaust-threads" => {
            let mut started = 0;
            while std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(|| {
                    loop {
                        std::thread::park();
                    }
                })
                .is_ok()
            {
                started += 1;
            }
            println!("threads: {started}");
            report("mkdir", mkdir(&arg(1)));
            // The waiting threads go with the process.
            std::process::exit(0);
        }
        // fork N PREFIX: N child processes, each mkdir PREFIX-i; prints pids
        "fork" => {
            let n = num(1);
            let prefix = arg(2);
            let mut kids = Vec::new();
            for i in 0..n {
                let mut p = prefix.clone();
                p.extend(format!("-{i}").as_bytes());
                let c = CString::new(p).unwrap();
                // SAFETY: the child only makes raw syscalls and _exits.
                let pid = unsafe { libc::fork() };
                if pid == 0 {
                    // SAFETY: as above.
                    unsafe {
                        libc::syscall(libc::SYS_mkdir, c.as_ptr(), 0o755);
                        libc::_exit(0);
                    }
                }
                kids.push((pid, c));
            }
            for (pid, c) in kids {
                let mut st = 0;
                // SAFETY: waiting for our own child.
                unsafe { libc::waitpid(pid, &mut st, 0) };
                println!("child {pid} {}", c.to_string_lossy());
            }
        }
        // storm P N PATH: P processes, each making N mkdir calls on PATH;
        // prints how many calls returned 0
        "storm" => {
            let (procs, calls) = (num(1), num(2));
            let c = CString::new(arg(3)).unwrap();
            let mut kids = Vec::new();
            for _ in 0..procs {
                // SAFETY: the child only makes raw syscalls and _exits.
                let pid = unsafe { libc::fork() };
                if pid == 0 {
                    let mut ok = 0;
                    for _ in 0..calls {
                        // SAFETY: a valid NUL-terminated path.
                        if unsafe { libc::syscall(libc::SYS_mkdir, c.as_ptr(), 0o755) } == 0 {
                            ok += 1;
                        }
                    }
                    // SAFETY: leaving the child without running destructors.
                    unsafe { libc::_exit(if ok == calls { 0 } else { 1 }) };
                }
                kids.push(pid);
            }
            let mut failed = 0;
            for pid in kids {
                let mut st = 0;
                // SAFETY: waiting for our own child.
                unsafe { libc::waitpid(pid, &mut st, 0) };
                if !(libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0) {
                    failed += 1;
                }
            }
            println!("storm: {failed} processes saw a failure");
            std::process::exit(i32::from(failed != 0));
        }
        // mkdir-null: mkdir(NULL)
        "mkdir-null" => {
            // SAFETY: the kernel rejects NULL with EFAULT.
            let rc = unsafe { libc::syscall(libc::SYS_mkdir, 0usize, 0o755) };
            report("mkdir", rc);
        }
        // restart PATH [norestart]: a SIGUSR1 handler (SA_RESTART unless
        // `norestart`), then mkdir PATH; prints the result and how often
        // the handler ran
        "restart" => {
            handle_usr1(arg(2) != b"norestart");
            report("mkdir", mkdir(&arg(1)));
            println!(
                "handler: {}",
                HANDLED.load(std::sync::atomic::Ordering::SeqCst)
            );
        }
        // kill-storm THREADS FILE PATH: THREADS threads make mkdir calls on
        // PATH without end; once 200 have returned the process SIGKILLs
        // itself. Per thread, FILE (shared memory, so it survives the
        // kill) counts calls started and calls returned.
        "kill-storm" => kill_storm(num(1) as usize, &arg(2), &arg(3)),
        // kill-storm-child THREADS FILE PATH: kill-storm in a child
        // process, while this one stays: the filter keeps a user, so the
        // dead child's calls are still answered (and their SEND fails).
        // 200 ms after the child is gone this process SIGKILLs itself too.
        "kill-storm-child" => {
            // SAFETY: the process is single-threaded here; the child goes
            // on as the kill-storm mode would.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                kill_storm(num(1) as usize, &arg(2), &arg(3));
                // SAFETY: not reached; kill_storm ends in SIGKILL.
                unsafe { libc::_exit(0) };
            }
            let mut st = 0;
            // SAFETY: waiting for our own child.
            unsafe { libc::waitpid(pid, &mut st, 0) };
            std::thread::sleep(std::time::Duration::from_millis(200));
            // SAFETY: signalling ourselves.
            unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
        }
        // no-seccomp all|set-filter|openat2 PROGRAM ARGS...: run PROGRAM
        // where seccomp(2) fails with EPERM (or openat2 with ENOSYS)
        "no-seccomp" => {
            use std::os::unix::process::CommandExt;
            forbid_seccomp(&arg(1));
            let e = std::process::Command::new(&args[2]).args(&args[3..]).exec();
            eprintln!("testprog: exec: {e}");
            std::process::exit(71);
        }
        // bad-pointers: calls whose pointer arguments are unmapped, NULL,
        // strings running into an unmapped page, or a length too large
        "bad-pointers" => {
            // SAFETY: two fresh pages; the second is unmapped again and
            // the first filled, so a string at its end has no NUL before
            // unmapped memory. Every pointer below is only handed to the
            // kernel, which checks it.
            unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    8192,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                ) as *mut u8;
                let bad = p.add(4096);
                libc::munmap(bad.cast(), 4096);
                std::ptr::write_bytes(p, b'a', 4096);
                let edge = p.add(4090);
                let sock = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                let mut sin: libc::sockaddr_in = std::mem::zeroed();
                sin.sin_family = libc::AF_INET as u16;
                sin.sin_port = 9u16.to_be();
                sin.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
                let sinp = &sin as *const libc::sockaddr_in;
                let slash_x = c"/x".as_ptr();
                let at = libc::AT_FDCWD;
                let calls: [(&str, i64); 8] = [
                    ("openat", libc::syscall(libc::SYS_openat, at, bad, 0)),
                    ("connect", libc::syscall(libc::SYS_connect, sock, bad, 16)),
                    (
                        "connect-len",
                        libc::syscall(libc::SYS_connect, sock, sinp, 4096),
                    ),
                    ("bind", libc::syscall(libc::SYS_bind, sock, 0usize, 16)),
                    ("rename", libc::syscall(libc::SYS_rename, edge, 0usize)),
                    ("symlink", libc::syscall(libc::SYS_symlink, edge, bad)),
                    ("execve", libc::syscall(libc::SYS_execve, bad, bad, 0usize)),
                    (
                        "openat2",
                        libc::syscall(libc::SYS_openat2, at, slash_x, bad, 24),
                    ),
                ];
                for (what, rc) in calls {
                    report(what, rc);
                }
            }
        }
        // listen: bind 127.0.0.1:0 and listen; print the port
        "listen" => match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(l) => println!("listen: ok port {}", l.local_addr().unwrap().port()),
            Err(e) => println!("listen: err {}", errno_name(e.raw_os_error().unwrap_or(0))),
        },
        // read-at-fd DIR NAME: open DIR with O_PATH, then read
        // /proc/self/fd/N/NAME through it
        "read-at-fd" => {
            let dir = CString::new(arg(1)).unwrap();
            // SAFETY: a valid NUL-terminated path.
            let fd = unsafe { libc::open(dir.as_ptr(), libc::O_PATH | libc::O_DIRECTORY) };
            let mut via = format!("/proc/self/fd/{fd}/").into_bytes();
            via.extend_from_slice(&arg(2));
            read_first_line(&via);
        }
        // chdir-read DIR PATH: chdir to DIR, then read PATH
        "chdir-read" => {
            if let Err(e) = std::env::set_current_dir(std::ffi::OsStr::from_bytes(&arg(1))) {
                eprintln!("testprog: chdir: {e}");
                std::process::exit(72);
            }
            read_first_line(&arg(2));
        }
        // link OLD NEW / rename OLD NEW
        "link" | "rename" => {
            let (old, new) = (CString::new(arg(1)).unwrap(), CString::new(arg(2)).unwrap());
            let nr = if mode == "link" {
                libc::SYS_link
            } else {
                libc::SYS_rename
            };
            // SAFETY: two valid NUL-terminated paths.
            let rc = unsafe { libc::syscall(nr, old.as_ptr(), new.as_ptr()) };
            report(&mode, rc);
        }
        // setresuid-mkdir ID PATH: take uid and gid ID (raw syscalls, this
        // thread only: the process has one), then mkdir PATH
        "setresuid-mkdir" => {
            let id = num(1);
            // SAFETY: integer-only syscalls on our own credentials.
            let rc = unsafe {
                libc::syscall(libc::SYS_setresgid, id, id, id);
                libc::syscall(libc::SYS_setresuid, id, id, id)
            };
            if rc != 0 {
                report("setresuid", rc);
            }
            report("mkdir", mkdir(&arg(2)));
        }
        // umask-mkdir MASK PATH: umask (octal), then mkdir PATH 0777
        "umask-mkdir" => {
            let mask = u32::from_str_radix(&String::from_utf8_lossy(&arg(1)), 8).unwrap_or(0);
            // SAFETY: umask only changes our own mask.
            unsafe { libc::umask(mask) };
            report("mkdir", mkdir(&arg(2)));
        }
        // bind PORT: bind a TCP socket to 127.0.0.1:PORT
        "bind" => match std::net::TcpListener::bind(("127.0.0.1", num(1) as u16)) {
            Ok(_) => println!("bind: ok"),
            Err(e) => println!("bind: err {}", errno_name(e.raw_os_error().unwrap_or(0))),
        },
        // connect-unix PATH: connect and print the first line the server says
        "connect-unix" => {
            match std::os::unix::net::UnixStream::connect(std::ffi::OsStr::from_bytes(&arg(1))) {
                Ok(mut s) => {
                    let mut line = String::new();
                    let _ = s.read_to_string(&mut line);
                    println!("connect: ok server said {:?}", line.trim());
                }
                Err(e) => {
                    println!("connect: err {}", errno_name(e.raw_os_error().unwrap_or(0)))
                }
            }
        }
        // decode-calls: see decode_calls
        "decode-calls" => decode_calls(),
        // exit N
        "exit" => std::process::exit(num(1) as i32),
        // kill-self SIG
        "kill-self" => {
            // SAFETY: signalling ourselves.
            unsafe { libc::kill(libc::getpid(), num(1) as i32) };
        }
        // open-long N LEN: N opens of distinct paths LEN bytes long under
        // a directory that does not exist (each fails with ENOENT)
        "open-long" => {
            let (n, len) = (num(1), num(2) as usize);
            let mut path = b"/nonexistent-unotify/".to_vec();
            path.resize(len.max(32), b'x');
            // Names of 200 bytes, as a deep real tree would have.
            for at in (221..path.len()).step_by(201) {
                path[at] = b'/';
            }
            for i in 0..n {
                let tag = format!("{i:016}");
                let at = path.len() - tag.len();
                path[at..].copy_from_slice(tag.as_bytes());
                let c = CString::new(path.clone()).unwrap();
                // SAFETY: a valid NUL-terminated path.
                unsafe { libc::open(c.as_ptr(), libc::O_RDONLY) };
            }
            println!("open-long: done");
        }
        // open-at-limit PATH: lowers RLIMIT_NOFILE so no fd is free, then
        // opens PATH (EMFILE, unless something gives it a free fd)
        "open-at-limit" => {
            let c = CString::new(arg(1)).unwrap();
            // SAFETY: dup returns the lowest free fd, which we close again.
            let free = unsafe { libc::dup(0) };
            // SAFETY: closing the fd dup just made.
            unsafe { libc::close(free) };
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit writes the struct it is given.
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
            lim.rlim_cur = free as libc::rlim_t;
            // SAFETY: a valid rlimit for this process (the hard limit kept).
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
                report("setrlimit", -1);
            }
            // SAFETY: a valid NUL-terminated path.
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY) };
            report("open", i64::from(fd));
        }
        // open-as-0 PATH: closes stdin, then opens PATH (fd 0 is the
        // lowest free one)
        "open-as-0" => {
            let c = CString::new(arg(1)).unwrap();
            // SAFETY: closing our own stdin.
            unsafe { libc::close(0) };
            // SAFETY: a valid NUL-terminated path.
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY) };
            report("open", i64::from(fd));
        }
        // mkdir-after N DIR PATH: mkdir DIR/0 … DIR/N-1 one after the
        // other, then mkdir PATH
        "mkdir-after" => {
            let dir = arg(2);
            for i in 0..num(1) {
                let mut p = dir.clone();
                p.extend_from_slice(format!("/{i}").as_bytes());
                mkdir(&p);
            }
            report("mkdir", mkdir(&arg(3)));
        }
        // thread-exec PATH PROGRAM ARGS...: mkdir PATH from the main
        // thread (so a supervisor has seen this process as it is), then
        // execve PROGRAM from a second thread: the kernel ends the main
        // thread and PROGRAM goes on under the main thread's pid
        // rename-mkdir A NAME B: mkdir A, rename the thread NAME
        // (PR_SET_NAME, which no filter traps), mkdir B
        "rename-mkdir" => {
            report("mkdir", mkdir(&arg(1)));
            let name = CString::new(arg(2)).unwrap();
            // SAFETY: a NUL-terminated string alive for the call.
            unsafe { libc::prctl(libc::PR_SET_NAME, name.as_ptr(), 0, 0, 0) };
            report("mkdir", mkdir(&arg(3)));
        }
        "thread-exec" => {
            report("mkdir", mkdir(&arg(1)));
            let argv: Vec<CString> = (2..args.len())
                .map(|i| CString::new(arg(i)).unwrap())
                .collect();
            let t = std::thread::spawn(move || {
                let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
                ptrs.push(std::ptr::null());
                // SAFETY: NUL-terminated strings and a null-terminated
                // array, alive for the call; environ is the process's.
                unsafe { libc::execv(ptrs[0], ptrs.as_ptr()) };
                println!("execv failed");
            });
            let _ = t.join();
        }
        // oci-client SOCKET ID PATH [PATH2]: trap mkdir with a listener,
        // hand it to the agent at SOCKET with a container process state
        // for container ID, mkdir PATH; with PATH2, print "waiting", wait
        // for a line on stdin and mkdir PATH2
        "oci-client" => {
            let then = arg(4);
            oci_client(
                &arg(1),
                &String::from_utf8_lossy(&arg(2)),
                &arg(3),
                (!then.is_empty()).then_some(&then[..]),
            );
        }
        // prio-mkdir N DIR: N times getpriority(PRIO_PROCESS, 2^30 + i)
        // (no such process: ESRCH), then mkdir DIR/m<i>; prints how each
        // kind of call came out, counted: `getpriority: err ESRCH × N`
        "prio-mkdir" => {
            let mut counts = std::collections::BTreeMap::<String, u64>::new();
            for i in 0..num(1) {
                // SAFETY: integers only.
                let rc = unsafe {
                    libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, (1u64 << 30) + i)
                };
                *counts
                    .entry(format!("getpriority: {}", outcome(rc)))
                    .or_default() += 1;
                let mut path = arg(2);
                path.extend_from_slice(format!("/m{i}").as_bytes());
                *counts
                    .entry(format!("mkdir: {}", outcome(mkdir(&path))))
                    .or_default() += 1;
            }
            for (what, n) in counts {
                println!("{what} × {n}");
            }
        }
        // paths-moving DIR: path calls whose every input changes as soon
        // as the call returns (paths/<what>.txt in DIR says how each came
        // out: `ok 0`, `err ENOENT`)
        "paths-moving" => paths_moving(&arg(1)),
        // getppid N: N trapped-if-asked cheap calls
        "getppid" => {
            for _ in 0..num(1) {
                // SAFETY: no arguments.
                unsafe { libc::getppid() };
            }
            println!("getppid: done");
        }
        // stack: getppid through libc's syscall() from a known call
        // chain, main → stack_outer_fn → stack_inner_fn (for --stack)
        "stack" => {
            let ppid = stack_outer_fn(3);
            println!("stack: ppid {ppid}");
        }
        // sys CALL ARG...: the raw syscall CALL (open, openat, openat2,
        // creat, mkdirat, unlink, unlinkat, rmdir) with ARGs as `sys_arg`
        // reads them; prints `CALL: ok N` or `CALL: err NAME`, and for an
        // open that succeeded, what the fd is (see describe_fd)
        "sys" => {
            let name = String::from_utf8_lossy(&arg(1)).into_owned();
            let nr = match name.as_str() {
                "open" => libc::SYS_open,
                "openat" => libc::SYS_openat,
                "openat2" => libc::SYS_openat2,
                "creat" => libc::SYS_creat,
                "mkdirat" => libc::SYS_mkdirat,
                "unlink" => libc::SYS_unlink,
                "unlinkat" => libc::SYS_unlinkat,
                "rmdir" => libc::SYS_rmdir,
                _ => panic!("testprog: sys: unknown call {name}"),
            };
            let mut a = [0i64; 4];
            for (i, v) in a.iter_mut().enumerate() {
                *v = args.get(i + 2).map_or(0, |x| sys_arg(x.as_bytes()));
            }
            // SAFETY: the kernel checks every argument; pointers made by
            // sys_arg are valid and leaked.
            let rc = unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3]) };
            report(&name, rc);
            if rc >= 0 && (name.contains("open") || name == "creat") {
                describe_fd(rc as i32);
            }
        }
        // connect-abstract NAME: connect to the abstract unix socket NAME
        // and print the first line the server says
        "connect-abstract" => {
            // SAFETY: sockaddr_un is plain data; zeroed is valid.
            let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
            addr.sun_family = libc::AF_UNIX as u16;
            let name = arg(1);
            for (d, s) in addr.sun_path[1..].iter_mut().zip(&name) {
                *d = *s as libc::c_char;
            }
            connect_unix_raw(&addr, 2 + 1 + name.len());
        }
        // bind-len LEN: bind a TCP socket to 127.0.0.1:0, passing LEN as
        // the address length (a sockaddr_storage holds it)
        "bind-len" => {
            // SAFETY: sockaddr_storage is plain data; zeroed is valid.
            let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            // SAFETY: sockaddr_in fits in sockaddr_storage.
            let sin = unsafe {
                &mut *(&mut ss as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>()
            };
            sin.sin_family = libc::AF_INET as u16;
            sin.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
            // SAFETY: a fresh socket; `ss` is valid for its whole size and
            // the kernel refuses a larger LEN before reading.
            let rc = unsafe {
                let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                libc::bind(
                    fd,
                    (&ss as *const libc::sockaddr_storage).cast(),
                    num(1) as u32,
                )
            };
            report("bind", i64::from(rc));
        }
        _ => {
            eprintln!("testprog: unknown mode {mode:?}");
            std::process::exit(64);
        }
    }
}
