//! `unotify-tui __attach-target FILE...`: the target of the classic
//! two-process example, for `attach` and its lesson. It installs its own
//! filter (SECCOMP_FILTER_FLAG_NEW_LISTENER) trapping open and openat,
//! says which fd the listener is, waits for a line on stdin (so a
//! supervisor can attach first), then creates each FILE and says how
//! that went, in its own words.
//!
//! It must start outside any user-notification filter: a process can
//! have one listener in its filter chain (a second NEW_LISTENER fails
//! with EBUSY).

use std::fs::OpenOptions;
use std::io::{self, BufRead, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use syscalls::Sysno;

use crate::errno::Errno;
use crate::escape::escape_bytes;
use crate::sys::own_filter;

/// Runs the target; its exit status.
pub fn target_main(files: &[PathBuf]) -> i32 {
    let mut out = io::stdout().lock();
    // Named as what it is, for ps and for unotify-tui's screen.
    own_filter::set_name(c"attach-target");
    own_filter::allow_any_tracer();
    let listener = match own_filter::install_listener(&[Sysno::open, Sysno::openat]) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(out, "seccomp: {}", strerror(&e));
            return 1;
        }
    };
    // The classic target's first line: where a supervisor finds us.
    let _ = writeln!(
        out,
        "tid: {}, notify fd: {}",
        own_filter::gettid(),
        listener.as_raw_fd()
    );
    let _ = out.flush();
    // Until a supervisor holds the listener, each open would wait in the
    // kernel anyway; the pause lets one attach before the first call.
    let mut line = String::new();
    let _ = io::stdin().lock().read_line(&mut line);
    for f in files {
        let name = escape_bytes(f.as_os_str().as_bytes());
        let r = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(f);
        let _ = match r {
            Ok(_) => writeln!(out, "{name}: open succeeded"),
            Err(e) => writeln!(out, "{name}: open failed: {}", strerror(&e)),
        };
        let _ = out.flush();
    }
    // The listener goes with us: once no process is under the filter,
    // whoever holds a copy sees it hang up.
    drop(listener);
    0
}

/// `Operation not permitted`, as strerror(3) says it.
fn strerror(e: &io::Error) -> String {
    match e.raw_os_error().and_then(Errno::new) {
        Some(n) => n.description(),
        None => e.to_string(),
    }
}
