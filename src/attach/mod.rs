//! `unotify-tui attach PID [FD]`: supervise a process that installed its
//! own user-notification filter, as the classic two-process example does.
//!
//! The listener is found among the process's fds (`/proc/PID/fd/N` reads
//! `anon_inode:seccomp notify`) and copied with pidfd_open +
//! pidfd_getfd; from then on the session is a launch's (rules, default
//! action, emulation, log, timeout, TUI or headless), except that the
//! process is not ours: no reaper, no pty, nothing ever killed. It ends
//! when the listener hangs up or the person leaves, and leaving answers
//! every call received first.
//!
//! Options that only shape a filter we install (--trap, --print-filter,
//! --wait-killable, --sync-wakeup) are refused: the filter is the
//! process's own. There is no PROGRAM and no `--`: nothing is started.

pub mod target;

use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cli::Options;
use crate::errno::Errno;
use crate::error::Error;
use crate::escape::escape_bytes;
use crate::policy::rules::parse_rules;
use crate::session::Attached;
use crate::sys::notify::{ForeignFd, NotifyFd};
use crate::sys::pidfd;

/// What `/proc/PID/fd/N` reads for a seccomp listener.
const LISTENER_LINK: &[u8] = b"anon_inode:seccomp notify";

/// `unotify-tui attach [OPTIONS] PID [FD]`.
pub fn run(opts: &Options, pid: &str, fd: Option<&str>) -> Result<i32, Error> {
    refuse_filter_options(opts)?;
    let pid = parse_pid(pid)?;
    let fd = fd.map(parse_fd).transpose()?;
    // A program unotify-tui detached from: its holder hands it back
    // (listener, terminal and rules), whichever of the two pids is given.
    if fd.is_none() {
        if let Some(code) = crate::run::reattach(opts, pid)? {
            return Ok(code);
        }
    }
    let (attached, listener) = take_listener(pid, fd)?;
    supervise(opts, attached, listener, Vec::new())
}

/// The TUI or headless, as for a launch.
fn supervise(
    opts: &Options,
    attached: Attached,
    listener: NotifyFd,
    rules: Vec<crate::policy::rules::Rule>,
) -> Result<i32, Error> {
    if crate::run::interactive(opts) {
        crate::tui::run_attached(opts, attached, listener, rules)
    } else {
        crate::headless::run_attached(opts, attached, listener, rules)
    }
}

/// Refuses the options that shape a filter unotify-tui installs. Given
/// with their default value they are not told apart from not given.
fn refuse_filter_options(opts: &Options) -> Result<(), Error> {
    let given = [
        (opts.trap != crate::decode::groups::DEFAULT_TRAP, "--trap"),
        (opts.print_filter, "--print-filter"),
        (opts.wait_killable != "on", "--wait-killable"),
        (opts.sync_wakeup != "auto", "--sync-wakeup"),
    ];
    match given.iter().find(|(on, _)| *on) {
        Some((_, flag)) => Err(Error::Usage(format!(
            "attach: {flag} is for a filter unotify-tui installs; an attached process has its \
             own filter (what it traps is its choice)"
        ))),
        None => Ok(()),
    }
}

fn parse_pid(s: &str) -> Result<u32, Error> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|&p| p > 0 && i32::try_from(p).is_ok())
        .ok_or_else(|| {
            Error::Attach(format!(
                "`{}` is not a process id (attach starts nothing: give the PID of a process that \
                 holds a seccomp listener)",
                crate::escape::escape_str(s)
            ))
        })
}

fn parse_fd(s: &str) -> Result<i32, Error> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|&f| f >= 0)
        .ok_or_else(|| {
            Error::Attach(format!(
                "`{}` is not a file descriptor number",
                crate::escape::escape_str(s)
            ))
        })
}

/// Finds the listener of `pid` (fd `fd`, or the only one it has) and
/// copies it with pidfd_open + pidfd_getfd.
pub fn take_listener(pid: u32, fd: Option<i32>) -> Result<(Attached, NotifyFd), Error> {
    if !Path::new(&format!("/proc/{pid}")).exists() {
        return Err(no_such_process(pid));
    }
    let comm = std::fs::read(format!("/proc/{pid}/comm"))
        .map(|mut c| {
            if c.last() == Some(&b'\n') {
                c.pop();
            }
            c
        })
        .unwrap_or_default();
    let who = format!("pid {pid} ({})", escape_bytes(&comm));
    let fd = match fd {
        Some(fd) => {
            check_listener(pid, fd, &who)?;
            fd
        }
        None => only_listener(pid, &who)?,
    };
    let pidfd = pidfd::open(pid).map_err(|e| match errno(&e) {
        libc::ESRCH => no_such_process(pid),
        libc::EINVAL => Error::Attach(format!(
            "{pid} is a thread, not a process: give its process id (Tgid in /proc/{pid}/status)"
        )),
        libc::ENOSYS => Error::Attach(
            "this kernel has no pidfd_open (it needs Linux 5.3, and pidfd_getfd 5.6)".into(),
        ),
        _ => Error::Attach(format!("pidfd_open({pid}): {}", errno_text(&e))),
    })?;
    let listener = pidfd::get_fd(pidfd.as_fd(), ForeignFd(fd)).map_err(|e| match errno(&e) {
        libc::EPERM | libc::EACCES => not_permitted(&who, "pidfd_getfd", &e),
        libc::ENOSYS => Error::Attach("this kernel has no pidfd_getfd (it needs Linux 5.6)".into()),
        libc::ESRCH => no_such_process(pid),
        libc::EBADF => Error::Attach(format!("{who} has no fd {fd} (any more)")),
        _ => Error::Attach(format!("pidfd_getfd({who}, fd {fd}): {}", errno_text(&e))),
    })?;
    Ok((Attached { pid, fd, comm }, NotifyFd::new(listener)))
}

/// The fds of `pid` that are seccomp listeners, in order.
fn listeners(pid: u32, who: &str) -> Result<Vec<i32>, Error> {
    let dir = format!("/proc/{pid}/fd");
    let entries = std::fs::read_dir(&dir).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => no_such_process(pid),
        io::ErrorKind::PermissionDenied => not_permitted(who, "reading /proc/PID/fd", &e),
        _ => Error::Attach(format!("reading {dir}: {}", errno_text(&e))),
    })?;
    let mut fds: Vec<i32> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.as_os_str().as_bytes() == LISTENER_LINK)
        })
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    fds.sort_unstable();
    Ok(fds)
}

/// The one listener of `pid`; none, or several (then the person says
/// which), is an error.
fn only_listener(pid: u32, who: &str) -> Result<i32, Error> {
    match listeners(pid, who)?.as_slice() {
        [] => Err(Error::Attach(format!(
            "{who} has no seccomp listener (none of its fds reads `anon_inode:seccomp notify`)"
        ))),
        [fd] => Ok(*fd),
        many => {
            let list: Vec<String> = many.iter().map(i32::to_string).collect();
            Err(Error::Attach(format!(
                "{who} has {} seccomp listeners (fds {}): say which, e.g. `unotify-tui attach \
                 {pid} {}`",
                many.len(),
                list.join(", "),
                many[0]
            )))
        }
    }
}

/// Checks that fd `fd` of `pid` is a seccomp listener.
fn check_listener(pid: u32, fd: i32, who: &str) -> Result<(), Error> {
    let link = std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            if Path::new(&format!("/proc/{pid}")).exists() {
                Error::Attach(format!("{who} has no fd {fd}"))
            } else {
                no_such_process(pid)
            }
        }
        io::ErrorKind::PermissionDenied => not_permitted(who, "reading /proc/PID/fd", &e),
        _ => Error::Attach(format!("reading fd {fd} of {who}: {}", errno_text(&e))),
    })?;
    let link = link.as_os_str().as_bytes();
    if link != LISTENER_LINK {
        return Err(Error::Attach(format!(
            "fd {fd} of {who} is no seccomp listener (it is {})",
            escape_bytes(link)
        )));
    }
    Ok(())
}

fn no_such_process(pid: u32) -> Error {
    Error::Attach(format!("no such process: {pid}"))
}

/// EPERM taking the process's fds: what it takes to be allowed.
fn not_permitted(who: &str, what: &str, e: &io::Error) -> Error {
    Error::Attach(format!(
        "not allowed to take the fds of {who} ({what}: {}): that needs the same uid as the \
         process and a Yama ptrace_scope that allows it (/proc/sys/kernel/yama/ptrace_scope 0, \
         or 1 when the process is a descendant of ours or allowed us with PR_SET_PTRACER), or \
         CAP_SYS_PTRACE",
        errno_text(e)
    ))
}

fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// `EPERM (Operation not permitted)`.
fn errno_text(e: &io::Error) -> String {
    match Errno::new(errno(e)) {
        Some(n) => format!("{} ({})", n.name(), n.description()),
        None => e.to_string(),
    }
}

// ----- the `attach` lesson ---------------------------------------------------

/// The lesson's rules (headless): noopen.txt refused with EPERM, any
/// other open allowed. `{dir}` is the workspace.
const LESSON_RULES: &str = r#"
[[rule]]
syscall = ["open", "openat"]
path = "{dir}/noopen.txt"
action = "deny"
errno = "EPERM"

[[rule]]
syscall = ["open", "openat"]
action = "allow"
"#;

/// Removes the lesson's workspace however it ends.
struct Workspace(PathBuf);

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `attach` lesson: the classic two-process flow. `exe` is the
/// unotify-tui binary, whose hidden `__attach-target` is the target; it
/// is started outside any filter (this process has none at that point:
/// call this before anything installs one). Headless (`opts.headless`,
/// or no terminal) the rules answer: noopen.txt denied with EPERM,
/// open.txt allowed; in the TUI the person answers. `out` gets the
/// narration and the target's own lines. Returns 0 when the target's
/// outcome is the one the lesson shows (headless), the session's status
/// otherwise.
pub fn lesson(opts: &Options, exe: &Path, out: &mut dyn Write) -> Result<i32, Error> {
    let dir = PathBuf::from(format!("/tmp/unotify-attach-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| Error::DemoWorkspace {
        path: dir.clone(),
        source,
    })?;
    let ws = Workspace(dir.clone());
    let say = |out: &mut dyn Write, s: &str| {
        let _ = writeln!(out, "{s}");
        let _ = out.flush();
    };
    say(
        out,
        "attach: a target program installs its own filter with SECCOMP_FILTER_FLAG_NEW_LISTENER \
         (trapping open and openat) and gets the listener fd back; unotify-tui is not its parent \
         in the story, only another process of the same user.",
    );
    let mut child = Command::new(exe)
        .arg("__attach-target")
        .args(["noopen.txt", "open.txt"])
        .current_dir(&ws.0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| Error::OwnBinary { source })?;
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    say(
        out,
        &format!("target: {}", crate::escape::escape_str(&first)),
    );
    let fd = first
        .rsplit_once("notify fd: ")
        .and_then(|(_, n)| n.trim().parse::<i32>().ok());
    let Some(fd) = fd else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(Error::Kernel(format!(
            "the attach lesson's target did not start as expected: `{}`",
            crate::escape::escape_str(&first)
        )));
    };
    let pid = child.id();
    say(
        out,
        &format!(
            "unotify-tui: pidfd_open({pid}) gives a handle on the process; pidfd_getfd(pidfd, \
             {fd}) copies its listener (the same open file: either copy can receive)."
        ),
    );
    let taken = take_listener(pid, Some(fd));
    // The target waits for a line before its opens; they would wait in
    // the kernel for a receiver anyway.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let _ = stdin.write_all(b"go\n");
    drop(stdin);
    let (attached, listener) = match taken {
        Ok(t) => t,
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
    };
    // The target's own words, as they come.
    let printer = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let headless = !crate::run::interactive(opts);
    let rules = if headless {
        let text = LESSON_RULES.replace("{dir}", &dir.to_string_lossy());
        parse_rules(&text, "attach-lesson", Errno::EPERM).map_err(Error::Rules)?
    } else {
        Vec::new()
    };
    let code = supervise(opts, attached, listener, rules)?;
    let said = printer.join().unwrap_or_default();
    let status = child.wait().ok().and_then(|s| s.code()).unwrap_or(-1);
    for l in &said {
        say(out, &format!("target: {}", crate::escape::escape_str(l)));
    }
    let noopen = dir.join("noopen.txt").exists();
    let open = dir.join("open.txt").exists();
    say(
        out,
        &format!(
            "what happened: each open arrived through SECCOMP_IOCTL_NOTIF_RECV on our copy; \
             unotify-tui read the path from /proc/{pid}/mem (the target's memory, in its view \
             of the file system), and answered with SECCOMP_IOCTL_NOTIF_SEND: noopen.txt with \
             error EPERM (the kernel made open return -1, errno EPERM: the target printed \
             `Operation not permitted`, and noopen.txt {}), open.txt with \
             SECCOMP_USER_NOTIF_FLAG_CONTINUE (the kernel ran the open: open.txt {}). When the \
             target exited, no process was left under its filter: the listener hung up \
             (POLLHUP) and the session ended. The target exited {status}.",
            if noopen {
                "exists"
            } else {
                "was never created"
            },
            if open { "exists" } else { "does not exist" },
        ),
    );
    if headless {
        let as_shown = !noopen
            && open
            && said
                .iter()
                .any(|l| l == "noopen.txt: open failed: Operation not permitted")
            && said.iter().any(|l| l == "open.txt: open succeeded");
        return Ok(if as_shown && code == 0 && status == 0 {
            0
        } else {
            1
        });
    }
    Ok(code)
}
