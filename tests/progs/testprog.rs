//! A target for the integration tests: each mode makes a few precise
//! system calls and prints what it saw, so tests can check the effect of
//! each answer from the target's side.
#![allow(unsafe_code)]

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
        n => format!("errno {n}"),
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Prints `ok N` or `err NAME` for a raw syscall return.
fn report(what: &str, rc: i64) {
    if rc < 0 {
        println!("{what}: err {}", errno_name(last_errno()));
    } else {
        println!("{what}: ok {rc}");
    }
}

fn mkdir(path: &[u8]) -> i64 {
    let c = CString::new(path).unwrap();
    // SAFETY: a valid NUL-terminated string.
    unsafe { libc::syscall(libc::SYS_mkdir, c.as_ptr(), 0o755) }
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
        // mkdir-addr ADDR: mkdir with a raw pointer (unreadable memory)
        "mkdir-addr" => {
            // SAFETY: the kernel checks the pointer; a bad one is EFAULT.
            let rc = unsafe { libc::syscall(libc::SYS_mkdir, num(1) as usize, 0o755) };
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
        "read" => match std::fs::File::open(std::ffi::OsStr::from_bytes(&arg(1))) {
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
        },
        // write PATH TEXT: create and write
        "write" => {
            let r = std::fs::File::create(std::ffi::OsStr::from_bytes(&arg(1)))
                .and_then(|mut f| f.write_all(&arg(2)));
            match r {
                Ok(()) => println!("write: ok"),
                Err(e) => println!("write: err {}", errno_name(e.raw_os_error().unwrap_or(0))),
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
        // listen: bind 127.0.0.1:0 and listen; print the port
        "listen" => match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(l) => println!("listen: ok port {}", l.local_addr().unwrap().port()),
            Err(e) => println!("listen: err {}", errno_name(e.raw_os_error().unwrap_or(0))),
        },
        // exit N
        "exit" => std::process::exit(num(1) as i32),
        // kill-self SIG
        "kill-self" => {
            // SAFETY: signalling ourselves.
            unsafe { libc::kill(libc::getpid(), num(1) as i32) };
        }
        // getppid N: N trapped-if-asked cheap calls
        "getppid" => {
            for _ in 0..num(1) {
                // SAFETY: no arguments.
                unsafe { libc::getppid() };
            }
            println!("getppid: done");
        }
        _ => {
            eprintln!("testprog: unknown mode {mode:?}");
            std::process::exit(64);
        }
    }
}
