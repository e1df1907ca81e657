//! The benchmark's target program: makes a batch of cheap calls that the
//! supervisor traps and a batch it never traps, and times each batch from
//! the inside, so the numbers hold no start-up, exec or supervisor set-up.
//!
//!     unotify-benchprog CALL TRAPPED_N UNTRAPPED_N OUT [DIR]
//!
//! CALL is `getppid` (no arguments: the pure round trip), `mkdirat`
//! (`mkdirat(AT_FDCWD, DIR, 0755)` on an existing directory, so it fails
//! with EEXIST and changes nothing, but the supervisor has a path to read
//! and decode) or `mkdirat-new` (`mkdirat(AT_FDCWD, DIR/I, 0755)` with a
//! new name I each call, so every call creates a directory: DIR should be
//! empty). The untrapped call is always `getpid`. The result goes to
//! the file OUT, because under the TUI our stdout is the TUI's own pane:
//!
//!     CALL TRAPPED_N TRAPPED_NS getpid UNTRAPPED_N UNTRAPPED_NS
//!
//! With UNOTIFY_BENCHPROG_SETSID=1 in its environment it first makes
//! itself the leader of a new session (and so of a new scheduler
//! autogroup), as a program the TUI starts is.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::time::Instant;

/// Calls of each kind made before timing.
const WARMUP: u64 = 16;

fn usage() -> ! {
    eprintln!(
        "usage: unotify-benchprog getppid|mkdirat|mkdirat-new TRAPPED_N UNTRAPPED_N OUT [DIR]"
    );
    std::process::exit(64)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        usage();
    }
    // SAFETY: setsid has no arguments and changes only this process.
    if std::env::var_os("UNOTIFY_BENCHPROG_SETSID").is_some() && unsafe { libc::setsid() } < 0 {
        eprintln!(
            "unotify-benchprog: setsid: {}",
            std::io::Error::last_os_error()
        );
        std::process::exit(1);
    }
    let call = args[0].as_str();
    let count = |s: &str| s.parse::<u64>().unwrap_or_else(|_| usage());
    let (trapped_n, untrapped_n) = (count(&args[1]), count(&args[2]));
    let dir = CString::new(args.get(4).map(String::as_str).unwrap_or("/")).unwrap();

    // Raw syscalls: no libc caching and no wrapper differences between
    // the two batches.
    let trapped: Box<dyn Fn() -> i64> = match call {
        // SAFETY: getppid has no arguments.
        "getppid" => Box::new(|| unsafe { libc::syscall(libc::SYS_getppid) }),
        // SAFETY: a valid NUL-terminated path that outlives the closure.
        "mkdirat" => Box::new(move || unsafe {
            libc::syscall(libc::SYS_mkdirat, libc::AT_FDCWD, dir.as_ptr(), 0o755)
        }),
        "mkdirat-new" => {
            // Every name made before timing, so the timed loop only takes
            // the next one.
            let names: Vec<CString> = (0..trapped_n + WARMUP)
                .map(|i| {
                    let mut p = dir.as_bytes().to_vec();
                    p.extend_from_slice(format!("/{i}").as_bytes());
                    CString::new(p).unwrap()
                })
                .collect();
            let next = std::cell::Cell::new(0usize);
            Box::new(move || {
                let i = next.get();
                next.set(i + 1);
                let name = &names[i.min(names.len() - 1)];
                // SAFETY: a valid NUL-terminated path that outlives the closure.
                unsafe { libc::syscall(libc::SYS_mkdirat, libc::AT_FDCWD, name.as_ptr(), 0o755) }
            })
        }
        _ => usage(),
    };
    // SAFETY: getpid has no arguments.
    let untrapped = || unsafe { libc::syscall(libc::SYS_getpid) };

    // A few calls first: page faults and the first trap of a new thread
    // (a /proc read in the supervisor) stay out of the timing.
    for _ in 0..WARMUP {
        untrapped();
        trapped();
    }
    let t = Instant::now();
    for _ in 0..untrapped_n {
        untrapped();
    }
    let untrapped_ns = t.elapsed().as_nanos();
    let t = Instant::now();
    for _ in 0..trapped_n {
        trapped();
    }
    let trapped_ns = t.elapsed().as_nanos();

    let line = format!("{call} {trapped_n} {trapped_ns} getpid {untrapped_n} {untrapped_ns}\n");
    if let Err(e) = std::fs::write(&args[3], line) {
        eprintln!("unotify-benchprog: writing {}: {e}", args[3]);
        std::process::exit(1);
    }
}
