//! strace-grade decoding, call by call: registers and target memory in,
//! the one-line form out, against a fake target (no kernel).

use syscalls::Sysno;

use super::fake::*;

/// Memory the cases point into.
const SIGSET: u64 = BUF;
const SIGACT: u64 = BUF + 0x100;
const RLIM: u64 = BUF + 0x200;
const EVENT: u64 = BUF + 0x300;
const CAPHDR: u64 = BUF + 0x400;
const CAPDATA: u64 = BUF + 0x500;
const INT1: u64 = BUF + 0x600;
const POLLFDS: u64 = BUF + 0x700;

fn target() -> FakeTarget {
    let mut t = FakeTarget::new();
    t.str(STR, b"worker")
        .fd(3, b"/dev/pts/0")
        .fd(4, b"anon_inode:[eventpoll]")
        .fd(5, b"socket:[42]");
    // SIGINT and SIGTERM.
    let set: u64 = (1 << (libc::SIGINT - 1)) | (1 << (libc::SIGTERM - 1));
    t.map(SIGSET, &set.to_ne_bytes());
    // sigaction: handler SIG_IGN, flags SA_RESTORER|SA_RESTART, restorer,
    // mask {SIGCHLD}.
    let mut act = Vec::new();
    act.extend(1u64.to_ne_bytes());
    act.extend(0x1400_0000u64.to_ne_bytes());
    act.extend(0x7f00_0000_1000u64.to_ne_bytes());
    act.extend((1u64 << (libc::SIGCHLD - 1)).to_ne_bytes());
    t.map(SIGACT, &act);
    let mut rlim = Vec::new();
    rlim.extend(1024u64.to_ne_bytes());
    rlim.extend(u64::MAX.to_ne_bytes());
    t.map(RLIM, &rlim);
    // epoll_event is packed: u32 events, u64 data.
    let mut ev = Vec::new();
    ev.extend(((libc::EPOLLIN | libc::EPOLLET) as u32).to_ne_bytes());
    ev.extend(5u64.to_ne_bytes());
    t.map(EVENT, &ev);
    let mut hdr = Vec::new();
    hdr.extend(0x2008_0522u32.to_ne_bytes());
    hdr.extend(0i32.to_ne_bytes());
    t.map(CAPHDR, &hdr);
    // effective = permitted = {CAP_CHOWN, CAP_KILL}, inheritable 0; then
    // the high halves, CAP_BPF (39) in effective.
    let mut data = Vec::new();
    for v in [0x21u32, 0x21, 0, 1 << 7, 0, 0] {
        data.extend(v.to_ne_bytes());
    }
    t.map(CAPDATA, &data);
    t.map(INT1, &1i32.to_ne_bytes());
    let mut fds = Vec::new();
    fds.extend(3i32.to_ne_bytes());
    fds.extend((libc::POLLIN as u16).to_ne_bytes());
    fds.extend(0u16.to_ne_bytes());
    t.map(POLLFDS, &fds);
    t
}

/// (syscall, registers, the line strace-like decoding must give).
fn cases() -> Vec<(Sysno, Vec<u64>, &'static str)> {
    let m1 = u64::MAX;
    let m1_32 = 0xffff_ffff;
    vec![
        // Ids: -1 leaves one unchanged, as -1; three arguments.
        (
            Sysno::setresuid,
            vec![m1_32, m1_32, 1000],
            "setresuid(-1, -1, 1000)",
        ),
        (Sysno::setresgid, vec![m1, 0, m1_32], "setresgid(-1, 0, -1)"),
        (
            Sysno::setreuid,
            vec![3_000_000_000, m1],
            "setreuid(3000000000, -1)",
        ),
        (
            Sysno::fchown,
            vec![3, 0, m1_32],
            "fchown(3</dev/pts/0>, 0, -1)",
        ),
        // prctl.
        (
            Sysno::prctl,
            vec![15, STR, 0, 0, 0],
            "prctl(PR_SET_NAME, \"worker\", 0x0, 0x0, 0x0)",
        ),
        (
            Sysno::prctl,
            vec![38, 1, 0, 0, 0],
            "prctl(PR_SET_NO_NEW_PRIVS, 0x1, 0x0, 0x0, 0x0)",
        ),
        (
            Sysno::prctl,
            vec![1, 9, 0, 0, 0],
            "prctl(PR_SET_PDEATHSIG, SIGKILL, 0x0, 0x0, 0x0)",
        ),
        (
            Sysno::prctl,
            vec![23, 21, 0, 0, 0],
            "prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0x0, 0x0, 0x0)",
        ),
        (
            Sysno::prctl,
            vec![47, 2, 10, 0, 0],
            "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0x0, 0x0)",
        ),
        (
            Sysno::prctl,
            vec![22, 2, BUF, 0, 0],
            "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, 0x30000, 0x0, 0x0)",
        ),
        (
            Sysno::prctl,
            vec![0x5356_4d41, 0, BUF, 4096, STR],
            "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x30000, 0x1000, \"worker\")",
        ),
        (
            Sysno::prctl,
            vec![999, 1, 2, 3, 4],
            "prctl(999, 0x1, 0x2, 0x3, 0x4)",
        ),
        // ioctl: terminal, file, block, socket, and unknown requests.
        (
            Sysno::ioctl,
            vec![3, 0x5401, BUF],
            "ioctl(3</dev/pts/0>, TCGETS, 0x30000)",
        ),
        (
            Sysno::ioctl,
            vec![3, 0x5413, BUF],
            "ioctl(3</dev/pts/0>, TIOCGWINSZ, 0x30000)",
        ),
        (
            Sysno::ioctl,
            vec![3, 0x541b, BUF],
            "ioctl(3</dev/pts/0>, FIONREAD, 0x30000)",
        ),
        (Sysno::ioctl, vec![7, 0x5451, 0], "ioctl(7, FIOCLEX, 0x0)"),
        (
            Sysno::ioctl,
            vec![7, 0x8008_1272, BUF],
            "ioctl(7, BLKGETSIZE64, 0x30000)",
        ),
        (
            Sysno::ioctl,
            vec![5, 0x8933, BUF],
            "ioctl(5<socket:[42]>, SIOCGIFINDEX, 0x30000)",
        ),
        (
            Sysno::ioctl,
            vec![7, 0xc010_aa02, BUF],
            "ioctl(7, _IOC(_IOC_READ|_IOC_WRITE, 0xaa, 0x2, 0x10), 0x30000)",
        ),
        // Memory.
        (
            Sysno::mprotect,
            vec![BUF, 4096, (libc::PROT_READ | libc::PROT_EXEC) as u64],
            "mprotect(0x30000, 4096, PROT_READ|PROT_EXEC)",
        ),
        (
            Sysno::mprotect,
            vec![BUF, 4096, 0],
            "mprotect(0x30000, 4096, PROT_NONE)",
        ),
        (
            Sysno::madvise,
            vec![BUF, 4096, libc::MADV_DONTNEED as u64],
            "madvise(0x30000, 4096, MADV_DONTNEED)",
        ),
        (
            Sysno::madvise,
            vec![BUF, 4096, 77],
            "madvise(0x30000, 4096, 77)",
        ),
        (
            Sysno::pkey_alloc,
            vec![0, 2],
            "pkey_alloc(0x0, PKEY_DISABLE_WRITE)",
        ),
        // Files.
        (
            Sysno::flock,
            vec![3, (libc::LOCK_EX | libc::LOCK_NB) as u64],
            "flock(3</dev/pts/0>, LOCK_EX|LOCK_NB)",
        ),
        (
            Sysno::fcntl,
            vec![3, libc::F_SETFD as u64, libc::FD_CLOEXEC as u64],
            "fcntl(3</dev/pts/0>, F_SETFD, FD_CLOEXEC)",
        ),
        (
            Sysno::fcntl,
            vec![
                3,
                libc::F_SETFL as u64,
                (libc::O_RDWR | libc::O_NONBLOCK) as u64,
            ],
            "fcntl(3</dev/pts/0>, F_SETFL, O_RDWR|O_NONBLOCK)",
        ),
        (
            Sysno::fcntl,
            vec![3, libc::F_DUPFD_CLOEXEC as u64, 10],
            "fcntl(3</dev/pts/0>, F_DUPFD_CLOEXEC, 10)",
        ),
        (
            Sysno::fcntl,
            vec![
                3,
                libc::F_ADD_SEALS as u64,
                (libc::F_SEAL_SEAL | libc::F_SEAL_WRITE) as u64,
            ],
            "fcntl(3</dev/pts/0>, F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_WRITE)",
        ),
        // F_GETFD takes no argument: the register's leftover is not shown.
        (
            Sysno::fcntl,
            vec![3, libc::F_GETFD as u64, 0x1234],
            "fcntl(3</dev/pts/0>, F_GETFD)",
        ),
        (
            Sysno::getrandom,
            vec![BUF, 16, libc::GRND_NONBLOCK as u64],
            "getrandom(0x30000, 16, GRND_NONBLOCK)",
        ),
        // Limits.
        (
            Sysno::prlimit64,
            vec![0, libc::RLIMIT_NOFILE as u64, RLIM, 0],
            "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=RLIM64_INFINITY}, NULL)",
        ),
        (
            Sysno::prlimit64,
            vec![0, libc::RLIMIT_STACK as u64, 0, BUF],
            "prlimit64(0, RLIMIT_STACK, NULL, 0x30000)",
        ),
        (
            Sysno::getrlimit,
            vec![libc::RLIMIT_CORE as u64, BUF],
            "getrlimit(RLIMIT_CORE, 0x30000)",
        ),
        (
            Sysno::setrlimit,
            vec![libc::RLIMIT_AS as u64, RLIM],
            "setrlimit(RLIMIT_AS, {rlim_cur=1024, rlim_max=RLIM64_INFINITY})",
        ),
        // Events.
        (
            Sysno::eventfd2,
            vec![0, (libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) as u64],
            "eventfd2(0, EFD_NONBLOCK|EFD_CLOEXEC)",
        ),
        (
            Sysno::epoll_create1,
            vec![libc::EPOLL_CLOEXEC as u64],
            "epoll_create1(EPOLL_CLOEXEC)",
        ),
        (
            Sysno::epoll_ctl,
            vec![4, libc::EPOLL_CTL_ADD as u64, 5, EVENT],
            "epoll_ctl(4<anon_inode:[eventpoll]>, EPOLL_CTL_ADD, 5<socket:[42]>, \
             {events=EPOLLIN|EPOLLET, data=0x5})",
        ),
        (
            Sysno::epoll_ctl,
            vec![4, libc::EPOLL_CTL_DEL as u64, 5, 0],
            "epoll_ctl(4<anon_inode:[eventpoll]>, EPOLL_CTL_DEL, 5<socket:[42]>, NULL)",
        ),
        (
            Sysno::poll,
            vec![POLLFDS, 1, 0],
            "poll([{fd=3, events=POLLIN}], 1, 0)",
        ),
        // Socket options.
        (
            Sysno::setsockopt,
            vec![5, 1, 2, INT1, 4],
            "setsockopt(5<socket:[42]>, SOL_SOCKET, SO_REUSEADDR, [1], 4)",
        ),
        (
            Sysno::setsockopt,
            vec![5, 6, 1, INT1, 4],
            "setsockopt(5<socket:[42]>, SOL_TCP, TCP_NODELAY, [1], 4)",
        ),
        (
            Sysno::setsockopt,
            vec![5, 0, 1, INT1, 4],
            "setsockopt(5<socket:[42]>, SOL_IP, IP_TOS, [1], 4)",
        ),
        (
            Sysno::setsockopt,
            vec![5, 41, 26, INT1, 4],
            "setsockopt(5<socket:[42]>, SOL_IPV6, IPV6_V6ONLY, [1], 4)",
        ),
        (
            Sysno::getsockopt,
            vec![5, 1, 4, BUF, BUF + 8],
            "getsockopt(5<socket:[42]>, SOL_SOCKET, SO_ERROR, 0x30000, 0x30008)",
        ),
        // An unknown level: the option is a number.
        (
            Sysno::setsockopt,
            vec![5, 999, 2, BUF, 16],
            "setsockopt(5<socket:[42]>, 999, 2, 0x30000, 16)",
        ),
        (
            Sysno::socket,
            vec![libc::AF_INET6 as u64, libc::SOCK_DGRAM as u64, 17],
            "socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP)",
        ),
        (
            Sysno::socket,
            vec![libc::AF_NETLINK as u64, libc::SOCK_RAW as u64, 0],
            "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)",
        ),
        (
            Sysno::socket,
            vec![libc::AF_UNIX as u64, libc::SOCK_STREAM as u64, 0],
            "socket(AF_UNIX, SOCK_STREAM, 0)",
        ),
        // Waiting for children.
        (
            Sysno::wait4,
            vec![m1, 0, libc::WNOHANG as u64, 0],
            "wait4(-1, NULL, WNOHANG, NULL)",
        ),
        (
            Sysno::wait4,
            vec![m1, BUF, 0x4000_0000, 0],
            "wait4(-1, 0x30000, __WALL, NULL)",
        ),
        (
            Sysno::waitid,
            vec![
                libc::P_PID as u64,
                42,
                BUF,
                (libc::WEXITED | libc::WNOWAIT) as u64,
                0,
            ],
            "waitid(P_PID, 42, 0x30000, WEXITED|WNOWAIT, NULL)",
        ),
        // Futexes.
        (
            Sysno::futex,
            vec![BUF, 0x81, 1, 0, 0, 0],
            "futex(0x30000, FUTEX_WAKE_PRIVATE, 1)",
        ),
        (
            Sysno::futex,
            vec![BUF, 0x189, 0, BUF + 8, 0, 0xffff_ffff],
            "futex(0x30000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, 0x30008, \
             NULL, FUTEX_BITSET_MATCH_ANY)",
        ),
        (
            Sysno::futex,
            vec![BUF, 0x81, 1, 0x55, 0x66, 0x77],
            "futex(0x30000, FUTEX_WAKE_PRIVATE, 1)",
        ),
        (
            Sysno::futex,
            vec![BUF, 4, 1, 2, BUF + 8, 9],
            "futex(0x30000, FUTEX_CMP_REQUEUE, 1, 0x2, 0x30008, 9)",
        ),
        (
            Sysno::futex,
            vec![BUF, 0, 7, 0, 0, 0],
            "futex(0x30000, FUTEX_WAIT, 7, NULL)",
        ),
        // arch_prctl.
        (
            Sysno::arch_prctl,
            vec![0x1002, 0x7f00_0000_0740],
            "arch_prctl(ARCH_SET_FS, 0x7f0000000740)",
        ),
        (Sysno::arch_prctl, vec![0x3001, 0], "arch_prctl(12289, 0x0)"),
        // Signals.
        (
            Sysno::rt_sigaction,
            vec![libc::SIGTERM as u64, SIGACT, BUF, 8],
            "rt_sigaction(SIGTERM, {sa_handler=SIG_IGN, sa_mask=[CHLD], \
             sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f0000001000}, 0x30000, 8)",
        ),
        (
            Sysno::rt_sigaction,
            vec![libc::SIGINT as u64, 0, BUF, 8],
            "rt_sigaction(SIGINT, NULL, 0x30000, 8)",
        ),
        (
            Sysno::rt_sigprocmask,
            vec![libc::SIG_BLOCK as u64, SIGSET, 0, 8],
            "rt_sigprocmask(SIG_BLOCK, [INT TERM], NULL, 8)",
        ),
        (
            Sysno::setitimer,
            vec![libc::ITIMER_REAL as u64, BUF, 0],
            "setitimer(ITIMER_REAL, 0x30000, NULL)",
        ),
        (
            Sysno::getitimer,
            vec![libc::ITIMER_PROF as u64, BUF],
            "getitimer(ITIMER_PROF, 0x30000)",
        ),
        // Capabilities.
        (
            Sysno::capget,
            vec![CAPHDR, BUF],
            "capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, 0x30000)",
        ),
        (
            Sysno::capset,
            vec![CAPHDR, CAPDATA],
            "capset({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, \
             {effective=1<<CAP_CHOWN|1<<CAP_KILL|1<<CAP_BPF, \
             permitted=1<<CAP_CHOWN|1<<CAP_KILL, inheritable=0})",
        ),
        // Clocks and the rest.
        (
            Sysno::clock_nanosleep,
            vec![libc::CLOCK_MONOTONIC as u64, 1, BUF, 0],
            "clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, 0x30000, NULL)",
        ),
        (
            Sysno::preadv2,
            vec![3, BUF, 2, 0, 0xdead, 8],
            "preadv2(3</dev/pts/0>, 0x30000, 2, 0, RWF_NOWAIT)",
        ),
        (
            Sysno::close_range,
            vec![3, 0xffff_ffff, 4],
            "close_range(3, 4294967295, CLOSE_RANGE_CLOEXEC)",
        ),
    ]
}

#[test]
fn every_case_decodes_as_strace_would() {
    let t = target();
    let mut wrong = Vec::new();
    for (sysno, regs, want) in cases() {
        let got = line(&t, sysno, &regs);
        if got != want {
            wrong.push(format!("{}:\n   got {got}\n  want {want}", sysno.name()));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn structs_in_unreadable_memory_say_so() {
    let t = target();
    for (sysno, regs) in [
        (Sysno::rt_sigaction, vec![2, 8, 0, 8]),
        (Sysno::rt_sigprocmask, vec![0, 8, 0, 8]),
        (Sysno::prlimit64, vec![0, 7, 8, 0]),
        (Sysno::epoll_ctl, vec![4, 1, 5, 8]),
        (Sysno::capget, vec![8, 0]),
        (Sysno::setsockopt, vec![5, 1, 2, 8, 4]),
        (Sysno::poll, vec![8, 1, 0]),
    ] {
        let got = line(&t, sysno, &regs);
        assert!(got.contains("<unreadable: EFAULT>"), "{got}");
    }
}

#[test]
fn modes_only_when_the_flags_create() {
    let mut t = target();
    t.str(STR2, b"/tmp/f");
    let rd = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
    assert_eq!(
        line(&t, Sysno::open, &[STR2, rd, 0o175007]),
        "open(\"/tmp/f\", O_RDONLY|O_CLOEXEC)"
    );
    let tmp = (libc::O_RDWR | libc::O_TMPFILE) as u64;
    assert_eq!(
        line(&t, Sysno::openat, &[AT_FDCWD_REG, STR2, tmp, 0o600]),
        "openat(AT_FDCWD, \"/tmp/f\", O_RDWR|O_TMPFILE, 0600)"
    );
    // openat2: the struct's mode likewise.
    let mut how = Vec::new();
    how.extend(((libc::O_WRONLY | libc::O_CREAT) as u64).to_ne_bytes());
    how.extend(0o640u64.to_ne_bytes());
    how.extend(0u64.to_ne_bytes());
    t.map(BUF + 0x800, &how);
    assert_eq!(
        line(&t, Sysno::openat2, &[AT_FDCWD_REG, STR2, BUF + 0x800, 24]),
        "openat2(AT_FDCWD, \"/tmp/f\", {flags=O_WRONLY|O_CREAT, mode=0640, resolve=0}, 24)"
    );
}
