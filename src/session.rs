//! A session: the checked plan made from the options, launching the
//! target under the filter, and the running target with its supervisor.

use std::ffi::{CString, OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::Receiver;
use syscalls::Sysno;

use crate::cli::Options;
use crate::decode::groups;
use crate::errno::Errno;
use crate::error::Error;
use crate::model::{Answer, Notif};
use crate::policy::rules::{Rule, RuleSet, builtin_rules, load_rules};
use crate::supervisor::{Event, Settings, Supervisor, Timeout};
use crate::sys::bpf;
use crate::sys::leader;
use crate::sys::notify::{self, NotifyFd, USER_NOTIF_FD_SYNC_WAKE_UP};
use crate::sys::proc as sysproc;
use crate::sys::spawn::{self, Launched, SpawnError, SpawnSpec, Stage};
use nix::sys::stat::SFlag;

/// Records waiting for the trace and the log at most, in every mode;
/// beyond that the supervisor, and so the program, waits for them. Enough
/// to ride out a write that takes a while (a few MB), small next to what a
/// stalled reader would otherwise pile up.
pub const EVENTS_BOUND: usize = 8192;
/// Target data in messages is escaped like everywhere else.
fn shown(p: &OsStr) -> String {
    crate::escape::escape_bytes(p.as_bytes())
}

/// Finds PROGRAM like a shell does: as a path when it has a slash, else
/// in $PATH. Done before fork, so the child only calls execve.
pub fn resolve_program(program: &OsStr) -> Result<PathBuf, Error> {
    let name = shown(program);
    let check = |p: &Path| -> Result<PathBuf, Error> {
        let meta = std::fs::metadata(p).map_err(|_| Error::NotFound(name.clone()))?;
        if meta.is_dir() {
            return Err(Error::CannotExecute(name.clone(), "Is a directory".into()));
        }
        if nix::unistd::access(p, nix::unistd::AccessFlags::X_OK).is_err() {
            return Err(Error::CannotExecute(
                name.clone(),
                "Permission denied".into(),
            ));
        }
        Ok(p.to_path_buf())
    };
    if program.is_empty() {
        return Err(Error::NotFound(name));
    }
    if program.as_bytes().contains(&b'/') {
        return check(Path::new(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    let mut first_err = None;
    for dir in std::env::split_paths(&path) {
        match check(&dir.join(program)) {
            Ok(p) => return Ok(p),
            Err(Error::NotFound(_)) => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or(Error::NotFound(name)))
}

fn cstring(b: impl Into<Vec<u8>>, what: &str) -> Result<CString, Error> {
    CString::new(b).map_err(|_| Error::Usage(format!("{what} contains a NUL byte")))
}

/// The parsed, checked form of [`Options`].
pub struct Plan {
    pub trapped: Vec<Sysno>,
    pub rules: Vec<Rule>,
    pub default_action: Answer,
    pub errno: Errno,
    pub sync_wakeup: Option<bool>,
    /// `--timeout` and `--timeout-action`.
    pub timeout: Option<Timeout>,
    /// Ask for WAIT_KILLABLE_RECV (used when the kernel has it).
    pub wait_killable: bool,
    /// Find every path-carrying call's real paths as it arrives: they are
    /// shown (the TUI, a trace), logged or learned. Without this they are
    /// found only where a decision depends on them.
    pub resolve_paths: bool,
    /// How many records may wait for the runtime before the supervisor
    /// waits for it (`None`: no limit). Headless, the trace and the log
    /// are the record: when they are slower than the calls, the program
    /// is slowed rather than memory growing.
    pub events_bound: Option<usize>,
    /// Which of the program's fds 0, 1, 2 become the pty, when `launch`
    /// is given one (all by default); the others are ours as they are.
    pub pty_stdio: [bool; 3],
    /// `--stack`: capture each call's stack before answering it.
    pub stack: bool,
}

/// The actions a default or a timeout can be: emulation exists for a
/// few syscalls only, and these answer any call.
const ANY_CALL_ACTIONS: &str = "allow, deny, deny:ERRNO or return:N";

/// Parses the ACTION of `flag` (`--default-action`, `--timeout-action`),
/// which must answer any call: emulate is refused with `no_emulate`.
pub(crate) fn any_call_action(
    flag: &str,
    s: &str,
    errno: Errno,
    no_emulate: &str,
) -> Result<Answer, Error> {
    let word = s.split_once(':').map_or(s, |(w, _)| w);
    let known = ["allow", "deny", "return", "emulate"];
    if !known.contains(&word) {
        let hint = crate::suggest::closest(
            &word.to_lowercase(),
            ["allow", "deny", "return"].into_iter(),
        )
        .map(|w| format!("did you mean `{w}`? "))
        .unwrap_or_default();
        return Err(Error::Usage(format!(
            "{flag}: unknown action `{s}` ({hint}expected {ANY_CALL_ACTIONS})"
        )));
    }
    match Answer::parse(s, errno) {
        Ok(Answer::Emulate) => Err(Error::Usage(format!("{flag}: {no_emulate}"))),
        Ok(a) => Ok(a),
        Err(e) => Err(Error::Usage(format!("{flag}: {e}"))),
    }
}

/// Parses `--timeout SECS` and `--timeout-action ACTION` (`None`: the
/// default, deny). The action is checked first: a wrong action is the
/// mistake to hear about even when --timeout is missing too.
pub fn parse_timeout(
    secs: Option<&str>,
    action: Option<&str>,
    errno: Errno,
) -> Result<Option<Timeout>, Error> {
    let answer = match action {
        Some(a) => any_call_action(
            "--timeout-action",
            a,
            errno,
            &format!("emulate cannot answer every call; use {ANY_CALL_ACTIONS}"),
        )?,
        None => Answer::Deny(errno),
    };
    let Some(secs) = secs else {
        if action.is_some() {
            return Err(Error::Usage(
                "--timeout-action needs --timeout <SECS> (how long a call may wait before it gets \
                 the action)"
                    .into(),
            ));
        }
        return Ok(None);
    };
    let after = secs
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "--timeout: `{secs}` is not a positive number of seconds"
            ))
        })?;
    Ok(Some(Timeout { after, answer }))
}

/// What decides calls: the errno a plain deny means, the default action
/// and the rules in order (files, then `extra`, then the built-in quiet
/// rules when `builtin`). A launch, the agent and `rules export` read
/// their options the same way.
pub(crate) struct Policy {
    pub errno: Errno,
    pub default_action: Answer,
    pub rules: Vec<Rule>,
}

pub(crate) fn policy(
    errno: &str,
    default_action: &str,
    files: &[std::path::PathBuf],
    extra: Vec<Rule>,
    builtin: bool,
) -> Result<Policy, Error> {
    let errno = Errno::parse(errno).map_err(|e| Error::Usage(format!("--errno: {e}")))?;
    let default_action = any_call_action(
        "--default-action",
        default_action,
        errno,
        "emulate cannot be a default (most calls have no emulation); use a rule with \
         action = \"emulate\"",
    )?;
    let mut rules = Vec::new();
    for file in files {
        rules.extend(load_rules(file, errno)?);
    }
    rules.extend(extra);
    if builtin {
        rules.extend(builtin_rules());
    }
    Ok(Policy {
        errno,
        default_action,
        rules,
    })
}

/// Checks every option before anything runs; rule files are read here.
pub fn plan(opts: &Options, extra_rules: Vec<Rule>) -> Result<Plan, Error> {
    if opts.history == 0 {
        return Err(Error::Usage("--history: must be at least 1".into()));
    }
    let trapped =
        groups::parse_trap_list(&opts.trap).map_err(|e| Error::Usage(format!("--trap: {e}")))?;
    let Policy {
        errno,
        default_action,
        rules,
    } = policy(
        &opts.errno,
        &opts.default_action,
        &opts.rules,
        extra_rules,
        !opts.no_default_rules,
    )?;
    let sync_wakeup = match opts.sync_wakeup.as_str() {
        "auto" => None,
        "on" => Some(true),
        "off" => Some(false),
        other => {
            return Err(Error::Usage(format!(
                "--sync-wakeup: `{other}` is not on, off or auto"
            )));
        }
    };
    let timeout = parse_timeout(
        opts.timeout.as_deref(),
        opts.timeout_action.as_deref(),
        errno,
    )?;
    let wait_killable = match opts.wait_killable.as_str() {
        "on" => true,
        "off" => false,
        other => {
            return Err(Error::Usage(format!(
                "--wait-killable: `{other}` is not on or off"
            )));
        }
    };
    // Headless with the trace and the log thrown away and nothing learned
    // (the benchmark) is the one run where nobody looks at real paths.
    let discarded =
        |p: &Option<std::path::PathBuf>| p.as_deref() == Some(std::path::Path::new("/dev/null"));
    let trace_discarded = match &opts.output {
        Some(_) => discarded(&opts.output),
        None => stderr_is_dev_null(),
    };
    let resolve_paths = !opts.headless
        || opts.save_rules.is_some()
        || (opts.log.is_some() && !discarded(&opts.log))
        || !trace_discarded;
    Ok(Plan {
        trapped,
        rules,
        default_action,
        errno,
        sync_wakeup,
        timeout,
        resolve_paths,
        events_bound: Some(EVENTS_BOUND),
        pty_stdio: [true; 3],
        wait_killable,
        stack: opts.stack,
    })
}

/// Whether stderr (the headless trace without --output) is /dev/null, as
/// under the benchmark or `2>/dev/null`: then nobody sees real paths.
fn stderr_is_dev_null() -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(err), Ok(null)) = (
        nix::sys::stat::fstat(io::stderr()),
        std::fs::metadata("/dev/null"),
    ) else {
        return false;
    };
    SFlag::from_bits_truncate(err.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFCHR
        && err.st_rdev == null.rdev()
}

/// `--print-filter`.
pub fn print_filter(trapped: &[Sysno], out: &mut dyn Write) -> io::Result<()> {
    let prog = bpf::build(&bpf::FilterSpec {
        trapped: trapped.to_vec(),
        launch_fd: Some(3),
    });
    writeln!(
        out,
        "# seccomp filter: {} instructions, {} syscall{} trapped (USER_NOTIF), \
         everything else allowed.\n# A `sendmsg` on the launch socket (fd 3 here) is let \
         through: it hands the listener to unotify-tui.",
        prog.len(),
        trapped.len(),
        if trapped.len() == 1 { "" } else { "s" }
    )?;
    for line in bpf::disassemble(&prog) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// How the target is started.
pub struct Target {
    pub program: OsString,
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
}

/// Kernel features found at start-up, for the status line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    pub wait_killable: bool,
    pub sync_wakeup: bool,
    /// SECCOMP_ADDFD_FLAG_SEND (Linux 5.14): emulated opens answer in one
    /// step; older kernels take two.
    pub addfd_send: bool,
}

/// Whether the running kernel is at least `major.minor`.
pub fn kernel_at_least(major: u32, minor: u32) -> bool {
    // Read once: several features are checked at every launch.
    static VERSION: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    let version = *VERSION.get_or_init(|| {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut parts = release
            .trim()
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    });
    version >= (major, minor)
}

/// The process that holds the program's terminal session (see
/// [`crate::sys::leader`]).
pub struct SessionLeader {
    pub pid: u32,
    /// The leader's wait status once it has exited: no process under the
    /// filter is left then.
    pub gone: Receiver<i32>,
}

/// A supervised target: launched under our filter, or attached to.
pub struct Running {
    pub pid: u32,
    /// The program, to signal safely even after it was reaped. Never
    /// used on an attached process: it is not ours to signal.
    pub handle: Arc<sysproc::ProcHandle>,
    pub supervisor: Supervisor,
    pub events: Receiver<Event>,
    /// The program's wait status, once it has exited. Attached, there is
    /// none (it is not our child): the channel is closed from the start,
    /// and the end is the listener's hang-up (`Event::ListenerClosed`).
    pub exits: Receiver<i32>,
    /// The TUI's session leader, when there is one.
    pub leader: Option<SessionLeader>,
    pub features: Features,
    origin: Origin,
    /// A copy of the read end of the session leader's status pipe, for
    /// whoever supervises next after a detach (see [`crate::handover`]).
    pub status_pipe: Option<std::os::fd::OwnedFd>,
}

/// Where the listener came from.
enum Origin {
    /// Our own filter on a program we started.
    Launched(spawn::Spawned),
    /// Someone else's filter: `unotify-tui attach`.
    Attached(Attached),
    /// Our filter on a program an earlier unotify-tui launched, handed
    /// over by its detach holder.
    Adopted,
}

/// A process whose listener `unotify-tui attach` took with pidfd_getfd.
#[derive(Clone, Debug)]
pub struct Attached {
    pub pid: u32,
    /// The listener's fd number in that process.
    pub fd: i32,
    /// Its command name, raw (escape it to show it).
    pub comm: Vec<u8>,
}

impl Attached {
    /// `pid 4242 (attach-target), fd 3`, escaped.
    pub fn label(&self) -> String {
        format!(
            "pid {} ({}), listener fd {}",
            self.pid,
            crate::escape::escape_bytes(&self.comm),
            self.fd
        )
    }

    /// What happens once we have let go: said on the screen or stderr
    /// when an attach session ends by the person's choice. `answered`
    /// calls we had received got `answer`.
    pub fn after_leaving(&self, answered: usize, answer: Answer) -> String {
        let answered = match answered {
            0 => "no received call was left unanswered".to_string(),
            1 => format!("the 1 call still waiting got {answer}"),
            n => format!("the {n} calls still waiting got {answer}"),
        };
        format!(
            "let go of {} ({answered}). It still holds its own copy of the listener \
             (pidfd_getfd shares the same open file), so its next trapped calls wait for whoever \
             holds it: they hang until someone attaches again (unotify-tui attach {}); they do \
             not fail with ENOSYS, as they would once the last copy was closed.",
            self.label(),
            self.pid
        )
    }
}

/// Refuses to run on a kernel whose notification structs are larger than
/// ours (or without seccomp user notification at all).
fn check_notif_sizes() -> Result<(), Error> {
    let sizes = notify::notif_sizes().map_err(|e| seccomp_unavailable(&e))?;
    if !notify::sizes_fit(&sizes) {
        return Err(Error::Kernel(format!(
            "this kernel's seccomp_notif is larger ({} bytes) than unotify-tui knows; refusing to run",
            sizes.notif
        )));
    }
    Ok(())
}

/// Starts the supervisor on `listener`, with the channel its events come
/// on: what a launch and an attach share once the listener is ours.
/// `first` is a notification received already (a launch's execve).
fn supervise(
    listener: NotifyFd,
    first: Option<Notif>,
    plan: Plan,
    fallback: Option<Answer>,
) -> (Supervisor, Receiver<Event>) {
    // Unbounded underneath: the supervisor keeps `events_bound` itself
    // (see `Settings::events_bound`).
    let (etx, erx) = crossbeam_channel::unbounded();
    let supervisor = Supervisor::start(
        listener,
        first,
        Settings {
            rules: Arc::new(RuleSet::new(plan.rules)),
            fallback,
            timeout: plan.timeout,
            resolve_paths: plan.resolve_paths,
            recv_sees_hangup: kernel_at_least(6, 11),
            events_bound: plan.events_bound,
            stack: plan.stack,
        },
        etx,
    );
    (supervisor, erx)
}

/// Supervises `attached` through `listener`, a copy of its listener.
/// Nothing is ours to reap or kill: the session ends when the listener
/// hangs up (every process under that filter is gone) or when the person
/// leaves.
pub fn attach(
    listener: NotifyFd,
    attached: Attached,
    plan: Plan,
    fallback: Option<Answer>,
) -> Result<Running, Error> {
    check_notif_sizes()?;
    let pid = attached.pid;
    let (supervisor, events) = supervise(listener, None, plan, fallback);
    let (_, exits) = crossbeam_channel::bounded(1);
    Ok(Running {
        pid,
        handle: Arc::new(sysproc::ProcHandle::of_child(pid)),
        supervisor,
        events,
        exits,
        leader: None,
        // The filter is someone else's: which flags it has is not known
        // here, and the listener's flags are not ours to change.
        features: Features {
            addfd_send: kernel_at_least(5, 14),
            ..Features::default()
        },
        origin: Origin::Attached(attached),
        status_pipe: None,
    })
}

/// Starts `target` under the filter and the supervisor.
pub fn launch(
    target: &Target,
    plan: Plan,
    fallback: Option<Answer>,
    pty_slave: Option<std::os::fd::OwnedFd>,
) -> Result<Running, Error> {
    check_notif_sizes()?;
    let path = resolve_program(&target.program)?;
    let mut argv = vec![cstring(
        target.program.clone().into_vec(),
        "the program name",
    )?];
    for a in &target.args {
        argv.push(cstring(a.clone().into_vec(), "an argument")?);
    }
    let envp = std::env::vars_os()
        .filter_map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            CString::new(kv).ok()
        })
        .collect();
    let spec = SpawnSpec {
        path: cstring(path.into_os_string().into_vec(), "the program path")?,
        argv,
        envp,
        cwd: match &target.cwd {
            Some(d) => Some(cstring(d.as_os_str().as_bytes().to_vec(), "the directory")?),
            None => None,
        },
        pty_slave,
        pty_stdio: plan.pty_stdio,
        trapped: plan.trapped.clone(),
        wait_killable: plan.wait_killable,
    };
    // Orphans of the target come to us, so every process that was under
    // the filter is reaped and none is left a zombie.
    sysproc::set_child_subreaper();
    // With a terminal (the TUI), the session outlives the program while
    // processes it started run on (a shell's background job).
    let mut spawned =
        spawn::spawn_with_leader(&spec).map_err(|e| spawn_error(&target.program, e))?;
    let sync = plan.sync_wakeup.unwrap_or(true)
        && spawned
            .set_listener_flags(USER_NOTIF_FD_SYNC_WAKE_UP)
            .is_ok();
    let features = Features {
        wait_killable: spawned.wait_killable,
        sync_wakeup: sync,
        addfd_send: kernel_at_least(5, 14),
    };
    let first = match spawned.go() {
        Ok(Launched::Exec(n)) => Some(n),
        Ok(Launched::Running(n)) => n,
        Err(e) => {
            sysproc::kill(spawned.pid, libc::SIGKILL);
            sysproc::reap(spawned.pid);
            return Err(spawn_error(&target.program, e));
        }
    };
    let pid = spawned.pid;
    let listener = spawned.take_listener();
    let (supervisor, erx) = supervise(listener, first, plan, fallback);
    // Before the reaper starts: until it reaps the program, the pid is
    // the program's.
    let handle = Arc::new(sysproc::ProcHandle::of_child(pid));
    let mut status_pipe = None;
    let (exits, leader) = match spawned.leader.take() {
        Some(l) => {
            status_pipe = l.status.try_clone().ok();
            let (exits, gone) = leader::watch(pid, l.pid, l.status);
            (exits, Some(SessionLeader { pid: l.pid, gone }))
        }
        None => (sysproc::spawn_reaper(pid), None),
    };
    Ok(Running {
        pid,
        handle,
        supervisor,
        events: erx,
        exits,
        leader,
        features,
        origin: Origin::Launched(spawned),
        status_pipe,
    })
}

/// A program launched by an earlier unotify-tui, handed over by its
/// detach holder (see [`crate::handover`]).
pub struct Adopted {
    pub listener: std::os::fd::OwnedFd,
    pub program: u32,
    /// The session leader that owns the program's terminal session.
    pub leader: Option<u32>,
    /// The read end of the leader's status pipe.
    pub status_pipe: Option<std::os::fd::OwnedFd>,
    /// The program's wait status, when it had exited before the handover.
    pub exited: Option<i32>,
}

/// Supervises a program that is not our child: [`launch`] without the
/// launch. Its wait status comes from the session leader's status pipe
/// (neither it nor the leader can be waited for); the leader's end is
/// seen through a pidfd.
pub fn adopt(a: Adopted, plan: Plan, fallback: Option<Answer>) -> Result<Running, Error> {
    let (supervisor, erx) = supervise(notify::NotifyFd::new(a.listener), None, plan, fallback);
    let handle = Arc::new(sysproc::ProcHandle::of_child(a.program));
    let (tx, exits) = crossbeam_channel::bounded(1);
    let status_pipe = a.status_pipe.as_ref().and_then(|p| p.try_clone().ok());
    match (a.exited, a.status_pipe) {
        (Some(st), _) => {
            let _ = tx.send(st);
        }
        (None, Some(pipe)) => {
            std::thread::Builder::new()
                .name("unotify-status".into())
                .spawn(move || {
                    let mut b = [0u8; 4];
                    if std::io::Read::read_exact(&mut std::fs::File::from(pipe), &mut b).is_ok() {
                        let _ = tx.send(i32::from_ne_bytes(b));
                    }
                })
                .expect("spawning the status thread");
        }
        (None, None) => {
            let h = Arc::clone(&handle);
            watch_exit(
                move || h.has_exited(),
                move || {
                    let _ = tx.send(0);
                },
            );
        }
    }
    let leader = a.leader.map(|pid| {
        let (gone_tx, gone) = crossbeam_channel::bounded(1);
        let h = sysproc::ProcHandle::of_child(pid);
        watch_exit(
            move || h.has_exited(),
            move || {
                let _ = gone_tx.send(0);
            },
        );
        SessionLeader { pid, gone }
    });
    Ok(Running {
        pid: a.program,
        handle,
        supervisor,
        events: erx,
        exits,
        leader,
        features: Features {
            addfd_send: kernel_at_least(5, 14),
            ..Features::default()
        },
        status_pipe,
        origin: Origin::Adopted,
    })
}

/// Runs `then` once `gone` says so (a process that is not our child
/// has exited: looked at every 100 ms).
fn watch_exit(gone: impl Fn() -> bool + Send + 'static, then: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .name("unotify-exit-watch".into())
        .spawn(move || {
            while !gone() {
                std::thread::sleep(Duration::from_millis(100));
            }
            then();
        })
        .expect("spawning the exit watcher");
}

/// Which of our stdin, stdout and stderr are terminals: the TUI gives the
/// program its pty for those (`Plan::pty_stdio`), the others (a pipe, a
/// file) reach it as they are, as with fzf or less:
/// `echo x | unotify-tui -- cat > out`.
pub fn terminal_streams() -> [bool; 3] {
    use std::io::IsTerminal;
    [
        io::stdin().is_terminal(),
        io::stdout().is_terminal(),
        io::stderr().is_terminal(),
    ]
}

fn spawn_error(program: &OsStr, e: SpawnError) -> Error {
    match e {
        SpawnError::Child {
            stage: Stage::Exec,
            errno,
        } => Error::CannotExecute(
            shown(program),
            io::Error::from_raw_os_error(errno).to_string(),
        ),
        SpawnError::Child {
            stage: Stage::Seccomp,
            errno,
        } => Error::Kernel(filter_refused(errno)),
        e => Error::Kernel(format!("starting {}: {e}", shown(program))),
    }
}

/// `EPERM (Operation not permitted)`.
fn errno_text(errno: i32) -> String {
    match Errno::new(errno) {
        Some(e) => format!("{} ({})", e.name(), e.description()),
        None => format!("error {errno}"),
    }
}

/// seccomp(SECCOMP_GET_NOTIF_SIZES) failed: says whether the kernel is too
/// old or something forbids seccomp(2), which look alike otherwise.
fn seccomp_unavailable(e: &io::Error) -> Error {
    let errno = e.raw_os_error().unwrap_or(0);
    let why = match errno {
        libc::EINVAL => {
            "this kernel has no seccomp user notification (it needs Linux 5.0 or newer)"
        }
        libc::EPERM | libc::EACCES => {
            "unotify-tui seems to run under a seccomp policy (a container or sandbox) that forbids seccomp(2)"
        }
        libc::ENOSYS => "the kernel was built without seccomp, or a sandbox hides seccomp(2)",
        _ => "seccomp user notification is not available here",
    };
    Error::Kernel(format!(
        "seccomp(2) failed with {}: {why}",
        errno_text(errno)
    ))
}

/// The child's seccomp(SECCOMP_SET_MODE_FILTER) failed with `errno`.
fn filter_refused(errno: i32) -> String {
    let why = match errno {
        // The kernel allows one user-notification listener per filter chain.
        libc::EBUSY => {
            "another seccomp supervisor already receives this process's calls (unotify-tui cannot \
             run under itself or under another user-notification supervisor)"
        }
        libc::EPERM | libc::EACCES => {
            "unotify-tui seems to run under a seccomp policy (a container or sandbox) that forbids \
             seccomp(2)"
        }
        libc::EINVAL => {
            "this kernel does not support user-notification filters (Linux 5.0 or newer)"
        }
        _ => "the filter could not be installed",
    };
    format!(
        "the kernel refused the seccomp filter with {}: {why}",
        errno_text(errno)
    )
}

impl Running {
    /// The process attached to, when this is an `attach` session: never
    /// ours to signal, kill or reap.
    pub fn attached(&self) -> Option<&Attached> {
        match &self.origin {
            Origin::Attached(a) => Some(a),
            Origin::Launched(_) | Origin::Adopted => None,
        }
    }

    /// The exit status to report once the target has exited with `status`
    /// (a wait status): its own code, or 128+N for signal N; an exec
    /// refused after launch (a denied execve) prints why and gives 127.
    pub fn exit_code(&self, status: i32) -> i32 {
        let (code, note) = self.exit_status(status);
        if let Some(n) = note {
            eprintln!("unotify-tui: {n}");
        }
        code
    }

    /// [`Running::exit_code`] without printing: the status, and why the
    /// program never ran when that is the case.
    pub fn exit_status(&self, status: i32) -> (i32, Option<String>) {
        let failed_exec = match &self.origin {
            Origin::Launched(spawned) => spawned.failed_exec(),
            Origin::Attached(_) | Origin::Adopted => None,
        };
        match failed_exec {
            Some(errno) => (
                127,
                Some(format!(
                    "cannot execute the program: {}",
                    io::Error::from_raw_os_error(errno)
                )),
            ),
            None => (sysproc::exit_code(status), None),
        }
    }
}
