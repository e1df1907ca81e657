//! strace-grade decoding end to end: a program makes one call of each kind
//! the decoder names, under `--trap` for exactly those calls, and the trace
//! shows the names.

mod common;

use common::*;

/// The calls `testprog decode-calls` makes, and what their trace lines
/// must show (each needle in some line of that syscall).
const EXPECTED: &[(&str, &[&str])] = &[
    ("setresuid", &["setresuid(-1, -1, -1)"]),
    ("prctl", &["prctl(PR_SET_NAME, \"unotify-dec\""]),
    (
        "ioctl",
        &[
            "TCGETS",
            "TIOCGWINSZ",
            "FIONREAD",
            "FIOCLEX",
            "BLKGETSIZE64",
            "SIOCGIFINDEX",
            "_IOC(_IOC_READ, 0xaa, 0x1, 0x8)",
        ],
    ),
    (
        "mmap",
        &["PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)"],
    ),
    ("mprotect", &[", 4096, PROT_READ)"]),
    ("madvise", &[", 4096, MADV_DONTNEED)"]),
    ("flock", &["LOCK_EX|LOCK_NB)"]),
    ("getrandom", &[", 8, GRND_NONBLOCK)"]),
    ("prlimit64", &["prlimit64(0, RLIMIT_NOFILE, NULL, 0x"]),
    ("getrlimit", &["getrlimit(RLIMIT_CORE, 0x"]),
    ("setrlimit", &["setrlimit(RLIMIT_CORE, {rlim_cur="]),
    ("eventfd2", &["eventfd2(0, EFD_NONBLOCK|EFD_CLOEXEC)"]),
    ("epoll_create1", &["epoll_create1(EPOLL_CLOEXEC)"]),
    (
        "epoll_ctl",
        &["EPOLL_CTL_ADD", "{events=EPOLLIN|EPOLLET, data=0x7})"],
    ),
    (
        "setsockopt",
        &[
            "SOL_SOCKET, SO_REUSEADDR, [1], 4)",
            "SOL_TCP, TCP_NODELAY, [1], 4)",
            "SOL_IP, IP_TOS, [1], 4)",
            "SOL_IPV6, IPV6_V6ONLY, [1], 4)",
        ],
    ),
    ("getsockopt", &["SOL_SOCKET, SO_ERROR, 0x"]),
    ("wait4", &["wait4(-1, NULL, WNOHANG, NULL)"]),
    ("waitid", &["waitid(P_ALL, 0, 0x", "WNOHANG|WEXITED, NULL)"]),
    (
        "futex",
        &[
            "FUTEX_WAKE_PRIVATE, 1) →",
            "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY)",
        ],
    ),
    ("arch_prctl", &["arch_prctl(ARCH_GET_FS, 0x"]),
    ("fcntl", &["F_SETFD, FD_CLOEXEC)"]),
    (
        "rt_sigaction",
        &["rt_sigaction(SIGURG, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, NULL, 8)"],
    ),
    ("rt_sigprocmask", &["rt_sigprocmask(SIG_BLOCK, [USR2], 0x"]),
    ("setitimer", &["setitimer(ITIMER_REAL, 0x"]),
    (
        "capget",
        &["capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, 0x"],
    ),
    (
        "capset",
        &["capset({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective="],
    ),
    ("pkey_alloc", &["pkey_alloc(0x0, PKEY_DISABLE_WRITE)"]),
    // No O_CREAT: the mode register is not shown.
    (
        "openat",
        &[
            "openat(AT_FDCWD, \".\"",
            ", O_RDONLY|O_CLOEXEC|O_DIRECTORY) →",
        ],
    ),
];

#[test]
fn each_call_shows_its_named_constants_in_the_trace() {
    let dir = tempdir();
    let trap: Vec<&str> = EXPECTED.iter().map(|(name, _)| *name).collect();
    let trap = trap.join(",");
    let r = prog(
        dir.path(),
        &["--trap", &trap, "--default-action", "allow"],
        &[b"decode-calls"],
    );
    assert!(
        r.stdout.contains("decode-calls: done"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let mut missing = Vec::new();
    for (name, needles) in EXPECTED {
        let lines = r.trace_of(name);
        for needle in *needles {
            if !lines.iter().any(|l| l.contains(needle)) {
                missing.push(format!("{name}: {needle}"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}\n{}", r.trace);
    // The garbage mode register of the openat without O_CREAT never shows.
    assert!(!r.trace.contains("0175007"), "{}", r.trace);
}
