//! The interactive runtime: terminal set-up and restore, the event loop
//! that feeds the `App`, the program's pseudo-terminal, and quitting.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, select};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self as ct, Event as TermEvent};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::layout::Rect;

use crate::app::{App, Command, Config, QuitHow};
use crate::cli::Options;
use crate::error::{self, Error, terminal};
use crate::escape::escape_bytes;
use crate::output::recorder::{Ended, Recorder, Shown};
use crate::output::sink::{Sink, TraceTo};
use crate::policy::rules::Rule;
use crate::session::{self, Running, Target};
use crate::supervisor::Event;
use crate::sys::proc as sysproc;
use crate::sys::pty;
use crate::ui;

/// The longest the screen waits to show news; keys redraw at once.
const FRAME: Duration = Duration::from_millis(33);
/// How often pending calls are checked with ID_VALID.
const TICK: Duration = Duration::from_millis(250);
/// The most time spent taking supervisor events before a redraw, so a
/// flood of rule-decided calls never starves the keyboard.
const EVENT_BUDGET: Duration = Duration::from_millis(15);
/// How long to wait, once the TUI has quit, for the last records.
const LATE_RECORDS: Duration = Duration::from_millis(20);
/// How long, after that, a log write may take before its records are
/// given up as unwritable (a log nobody reads must not keep us running).
const STUCK_WRITER: Duration = Duration::from_secs(2);

/// Puts the terminal back however the TUI ends: normal return, error, or
/// panic (the hook), and kills the program if it still runs.
struct Restore {
    pid: u32,
    /// The session leader (see [`crate::sys::leader`]).
    leader: Option<u32>,
    /// The process every process under the filter descends from: us,
    /// or the session leader of a program taken over from a holder.
    root: u32,
    armed: bool,
}

/// Whether the terminal is in the TUI's state (raw, alternate screen).
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// The terminal the TUI draws on: /dev/tty, as fzf and less do, so that
/// whatever of stdin, stdout and stderr is redirected goes to the program
/// as it is. Crossterm reads keys, sets raw mode and reads the size on
/// the same terminal (stdin when that is one, /dev/tty otherwise).
static TTY: OnceLock<File> = OnceLock::new();

/// Opens /dev/tty once (close-on-exec: the program never gets it).
fn open_tty() -> io::Result<&'static File> {
    if let Some(tty) = TTY.get() {
        return Ok(tty);
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    Ok(TTY.get_or_init(|| tty))
}

/// Writes to the TUI's terminal ([`TTY`]); write-only, so crossterm's
/// macros see one `by_ref`.
#[derive(Clone, Copy)]
struct TtyOut(&'static File);

impl Write for TtyOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut f = self.0;
        f.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut f = self.0;
        f.flush()
    }
}

/// Leaves raw mode and the alternate screen, once: leaving the alternate
/// screen twice would move the cursor back over what was printed since.
fn restore_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        if let Some(tty) = TTY.get() {
            let _ = execute!(TtyOut(tty), LeaveAlternateScreen, cursor::Show);
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        restore_terminal();
        if self.armed {
            kill_tree(self.pid, self.leader, self.root);
        }
    }
}

/// How long ending every process under the filter may take.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Kills the program and what it started. With a session leader, every
/// one of them descends from us (the leader is a subreaper): each is
/// killed through a pidfd once its ancestry is checked, so a pid reused
/// after the program was reaped is never hit; the leader, spared, reaps
/// them and exits. Without one, the program is its own session and
/// process group leader, so the group is everything it did not move away.
fn kill_tree(pid: u32, leader: Option<u32>, root: u32) {
    match leader {
        Some(l) => {
            sysproc::kill_descendants_but(root, Some(l), Instant::now() + KILL_GRACE);
        }
        None => {
            sysproc::kill_group(pid, libc::SIGKILL);
            sysproc::kill(pid, libc::SIGKILL);
        }
    }
}

/// A line on stderr that may be gone (SIGHUP: the terminal was closed);
/// eprintln! would panic there and skip the cleanup that follows.
fn say(msg: &str) {
    let _ = writeln!(io::stderr(), "unotify-tui: {msg}");
}

fn set_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

/// The program pane's size for a terminal of `cols` × `rows`.
fn program_size(cols: u16, rows: u16) -> (u16, u16) {
    match ui::layout(Rect::new(0, 0, cols, rows)) {
        Some(a) => {
            let r = a.program_inner();
            (r.height.max(1), r.width.max(1))
        }
        None => (rows.max(1), cols.max(1)),
    }
}

/// The thread reading the program's output, which can be told to stop
/// reading: what the program writes after that stays in the pty for
/// whoever reads it next (a detach's holder).
struct PtyReader {
    stop: File,
    /// Closed when the thread has ended.
    ended: Receiver<()>,
}

impl PtyReader {
    /// Stops the thread; whether it ended within `wait`.
    fn stop(&self, wait: Duration) -> bool {
        let _ = (&self.stop).write_all(b"x");
        matches!(
            self.ended.recv_timeout(wait),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected)
        )
    }
}

/// Reads the program's output from the pty master until it closes or the
/// reader is stopped.
fn spawn_pty_reader(master: File, tx: Sender<Vec<u8>>) -> io::Result<PtyReader> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let (stop_r, stop_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
    let (ended_tx, ended) = crossbeam_channel::bounded::<()>(0);
    std::thread::Builder::new()
        .name("unotify-pty-read".into())
        .spawn(move || {
            let _ended = ended_tx;
            let mut master = master;
            let mut buf = vec![0u8; 16384];
            loop {
                let mut fds = [
                    PollFd::new(master.as_fd(), PollFlags::POLLIN),
                    PollFd::new(stop_r.as_fd(), PollFlags::POLLIN),
                ];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => return,
                }
                // Stopping wins over output waiting to be read: that
                // output is the next reader's.
                if fds[1].revents().is_some_and(|r| !r.is_empty()) {
                    return;
                }
                match master.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // EIO: every slave fd is closed (the program and its
                    // children are gone).
                    Err(_) => return,
                }
            }
        })?;
    Ok(PtyReader {
        stop: File::from(stop_w),
        ended,
    })
}

/// Writes keys to the program on a thread of its own: a program that
/// stops reading must not freeze the UI.
fn spawn_pty_writer(master: File) -> Sender<Vec<u8>> {
    let (tx, rx) = crossbeam_channel::unbounded::<Vec<u8>>();
    let _ = std::thread::Builder::new()
        .name("unotify-pty-write".into())
        .spawn(move || {
            let mut master = master;
            for bytes in rx {
                if master.write_all(&bytes).is_err() {
                    return;
                }
            }
        });
    tx
}

/// Reads terminal events until `stop` is set (polling, so the thread can
/// be stopped before the terminal is handed to someone else).
fn spawn_input(stop: Arc<AtomicBool>) -> Receiver<io::Result<TermEvent>> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let _ = std::thread::Builder::new()
        .name("unotify-input".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match ct::poll(Duration::from_millis(100)) {
                    Ok(false) => {}
                    Ok(true) => {
                        if tx.send(ct::read()).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        });
    rx
}

/// The filter's disassembly for the `f` view.
fn filter_lines(trap: &[syscalls::Sysno]) -> Vec<String> {
    let mut out = Vec::new();
    let _ = session::print_filter(trap, &mut out);
    String::from_utf8_lossy(&out)
        .lines()
        .map(str::to_string)
        .collect()
}

/// What the status line lists as kernel features in use.
fn features(running: &Running) -> Vec<&'static str> {
    let mut f = Vec::new();
    if running.features.addfd_send {
        f.push("ADDFD_SEND");
    }
    if running.features.wait_killable {
        f.push("WAIT_KILLABLE");
    }
    if running.features.sync_wakeup {
        f.push("SYNC_WAKE_UP");
    }
    f
}

fn program_label(target: &Target) -> String {
    let mut words = vec![escape_bytes(
        std::path::Path::new(&target.program)
            .file_name()
            .map(|n| n.as_encoded_bytes())
            .unwrap_or(target.program.as_encoded_bytes()),
    )];
    words.extend(
        target
            .args
            .iter()
            .map(|a: &OsString| escape_bytes(a.as_encoded_bytes())),
    );
    words.join(" ")
}

/// Runs `target` with the interactive UI; returns its exit status.
pub fn run(
    opts: &Options,
    target: &Target,
    extra_rules: Vec<Rule>,
    label: Option<String>,
) -> Result<i32, Error> {
    let mut plan = tui_plan(opts, extra_rules)?;
    // Redirected streams go to the program, not to its pty.
    plan.pty_stdio = session::terminal_streams();
    let mut setup = setup(opts, &plan, label.unwrap_or_else(|| program_label(target)))?;
    let signals = sysproc::block_signals();
    let detach = DetachInfo::new(opts, &plan);
    let running = session::launch(target, plan, None, setup.slave.take())?;
    run_session(
        setup,
        opts,
        running,
        signals,
        (None, None),
        (std::process::id(), detach),
    )
}

/// `unotify-tui attach` with the TUI: supervises `attached` through
/// `listener`, its listener copied. No program pane (its output stays on
/// its own terminal); nothing is killed; leaving answers what waits.
pub fn run_attached(
    opts: &Options,
    attached: session::Attached,
    listener: crate::sys::notify::NotifyFd,
    extra_rules: Vec<Rule>,
) -> Result<i32, Error> {
    let plan = tui_plan(opts, extra_rules)?;
    let view = crate::app::AttachedView {
        label: attached.label(),
        leave_answer: plan.default_action,
    };
    let mut setup = setup(opts, &plan, format!("attach {}", attached.label()))?;
    // The filter is the process's own: ours would be the wrong one to show.
    setup.config.trap = "its own filter".into();
    setup.config.filter = vec![format!(
        "# The filter of {} is its own: unotify-tui did not install it and has no copy \
         of it to show (what it traps is that program's choice).",
        attached.label()
    )];
    let signals = sysproc::block_signals();
    let detach = DetachInfo::new(opts, &plan);
    let root = attached.pid;
    let running = session::attach(listener, attached, plan, None)?;
    run_session(
        setup,
        opts,
        running,
        signals,
        (Some(view), None),
        (root, detach),
    )
}

/// `unotify-tui agent` with the TUI: the calls of every container the
/// runtimes hand over, each row naming its container; what no rule
/// decides waits for the person. Quitting leaves the containers still
/// running unsupervised (ENOSYS for their trapped calls).
pub fn run_agent(args: &crate::cli::AgentArgs) -> Result<i32, Error> {
    let errno = crate::errno::Errno::parse(&args.errno)
        .map_err(|e| Error::Usage(format!("--errno: {e}")))?;
    // A --save-rules file that exists must load (a regular rule file) now,
    // not when the person presses w after a long session.
    if let Some(path) = args.save_rules.as_deref().filter(|p| p.exists()) {
        crate::policy::rules::load_rules(path, errno)?;
    }
    // Everything that can fail comes before the socket is bound, so a
    // failure leaves no socket behind.
    let sink = Sink::open(TraceTo::Nowhere, args.log.as_deref()).map_err(Error::opening)?;
    let tty = open_tty().map_err(terminal("opening /dev/tty"))?;
    let (cols, rows) =
        ratatui::crossterm::terminal::size().map_err(terminal("reading the terminal size"))?;
    // No program: the pty stays unused (as attached).
    let pty = pty::open(2, 2).map_err(error::pty("opening a pseudo-terminal"))?;
    // Before any thread starts: every thread inherits the mask.
    let signals = sysproc::block_signals();
    let mut running = crate::agent::start(args, true)?;
    let Some(for_tui) = running.tui.take() else {
        return Err(Error::Kernel(
            "the agent started without its TUI side".into(),
        ));
    };
    let socket = running.socket_shown();
    let mut features = Vec::new();
    if session::kernel_at_least(5, 14) {
        features.push("ADDFD_SEND");
    }
    // Set on each container's listener as it comes.
    if session::kernel_at_least(6, 6) {
        features.push("SYNC_WAKE_UP");
    }
    let config = Config {
        errno,
        history_cap: 100_000,
        log: args.log.clone(),
        features,
        trap: "each container's own profile".into(),
        filter: vec![
            "# The filters are the containers' own: each seccomp profile's SCMP_ACT_NOTIFY \
             entries say what is trapped, and its runtime installed it. unotify-tui has no \
             copy to show."
                .into(),
        ],
        program: format!("agent on {socket}"),
        started: SystemTime::now(),
        timeout: running.timeout().map(|t| t.after),
        save_path: args.save_rules.clone(),
    };
    let mut app = App::new(config.clone(), 2, 2);
    app.rules = Arc::clone(running.containers().rules());
    app.agent = Some(crate::app::AgentView {
        socket: socket.clone(),
        containers: Vec::new(),
    });
    app.say(
        format!("listening on {socket}: calls no rule decides wait here; ? explains the keys"),
        Instant::now(),
    );
    let setup = Setup {
        sink,
        tty,
        screen: (cols, rows),
        size: (2, 2),
        master: pty.master,
        slave: Some(pty.slave),
        config,
    };
    let guard = Restore {
        pid: 0,
        leader: None,
        root: 0,
        // Nothing here is ours to kill.
        armed: false,
    };
    let detach = DetachInfo {
        default: crate::model::Answer::Allow,
        errno: errno.name(),
        log: args.log.clone(),
        keep_output: false,
    };
    let ends = Ends {
        exits: crossbeam_channel::never(),
        gone: crossbeam_channel::never(),
        news: for_tui.news,
    };
    run_host(
        setup,
        app,
        Host::Agent(running),
        (guard, ends, for_tui.events),
        signals,
        detach,
        (None, false),
    )
}

/// The plan with what the TUI needs on top of the options.
fn tui_plan(opts: &Options, extra_rules: Vec<Rule>) -> Result<session::Plan, Error> {
    let mut plan = session::plan(opts, extra_rules)?;
    // Every call is shown.
    plan.resolve_paths = true;
    // A --save-rules file that exists must load (a regular rule file) now,
    // not when the person presses w after a long session.
    if let Some(path) = opts.save_rules.as_deref().filter(|p| p.exists()) {
        crate::policy::rules::load_rules(path, plan.errno)?;
    }
    Ok(plan)
}

/// What is opened before the supervised process exists: the log, the
/// terminal, the program's pty (attached, it stays unused: the program
/// pane shows what is attached instead).
struct Setup {
    sink: Sink,
    tty: &'static File,
    screen: (u16, u16),
    size: (u16, u16),
    master: OwnedFd,
    /// Given to the program by a launch; attached, it is closed unused.
    slave: Option<OwnedFd>,
    config: Config,
}

fn setup(opts: &Options, plan: &session::Plan, program: String) -> Result<Setup, Error> {
    // The TUI has no trace (the screen is one); `--output` is headless only.
    let sink = Sink::open(TraceTo::Nowhere, opts.log.as_deref()).map_err(Error::opening)?;
    let tty = open_tty().map_err(terminal("opening /dev/tty"))?;
    let (cols, rows) =
        ratatui::crossterm::terminal::size().map_err(terminal("reading the terminal size"))?;
    let (prow, pcol) = program_size(cols, rows);
    let pty = pty::open(prow, pcol).map_err(error::pty("opening a pseudo-terminal"))?;
    let config = Config {
        errno: plan.errno,
        history_cap: opts.history,
        log: opts.log.clone(),
        features: Vec::new(),
        trap: opts.trap.clone(),
        filter: filter_lines(&plan.trapped),
        program,
        started: SystemTime::now(),
        timeout: plan.timeout.map(|t| t.after),
        save_path: opts.save_rules.clone(),
    };
    Ok(Setup {
        sink,
        tty,
        screen: (cols, rows),
        size: (prow, pcol),
        master: pty.master,
        slave: Some(pty.slave),
        config,
    })
}

/// Runs the TUI on a program taken over from a detach holder (see
/// [`crate::handover`]): `master` is its pty, `label` what it is called,
/// `trap` the trap list its filter was made from.
/// `said` goes to the message line first.
pub fn run_adopted(
    opts: &Options,
    plan: session::Plan,
    (adopted, master): (session::Adopted, OwnedFd),
    label: String,
    trap: String,
    said: Option<String>,
) -> Result<i32, Error> {
    let sink = Sink::open(TraceTo::Nowhere, opts.log.as_deref()).map_err(Error::opening)?;
    let tty = open_tty().map_err(terminal("opening /dev/tty"))?;
    let (cols, rows) =
        ratatui::crossterm::terminal::size().map_err(terminal("reading the terminal size"))?;
    let trapped = crate::decode::groups::parse_trap_list(&trap).unwrap_or_default();
    let config = Config {
        errno: plan.errno,
        history_cap: opts.history,
        log: opts.log.clone(),
        features: Vec::new(),
        trap,
        filter: filter_lines(&trapped),
        program: label,
        started: SystemTime::now(),
        timeout: plan.timeout.map(|t| t.after),
        save_path: opts.save_rules.clone(),
    };
    let (prow, pcol) = program_size(cols, rows);
    let _ = pty::set_size(master.as_fd(), prow, pcol);
    let setup = Setup {
        sink,
        tty,
        screen: (cols, rows),
        size: (prow, pcol),
        master,
        slave: None,
        config,
    };
    let signals = sysproc::block_signals();
    let detach = DetachInfo::new(opts, &plan);
    // Every process under the filter descends from the session leader.
    let root = adopted.leader.unwrap_or(adopted.program);
    let running = session::adopt(adopted, plan, None)?;
    run_session(setup, opts, running, signals, (None, said), (root, detach))
}

/// What a detach hands the holder besides the fds.
struct DetachInfo {
    default: crate::model::Answer,
    errno: String,
    log: Option<std::path::PathBuf>,
    keep_output: bool,
}

impl DetachInfo {
    fn new(opts: &Options, plan: &session::Plan) -> DetachInfo {
        DetachInfo {
            default: plan.default_action,
            errno: plan.errno.name(),
            log: opts.log.clone(),
            keep_output: !opts.no_detach_output,
        }
    }
}

/// Runs the session on `running` until the person quits or it ends;
/// returns the exit status.
fn run_session(
    setup: Setup,
    opts: &Options,
    running: Running,
    signals: nix::sys::signal::SigSet,
    (attached, said): (Option<crate::app::AttachedView>, Option<String>),
    (root, detach): (u32, DetachInfo),
) -> Result<i32, Error> {
    let leader = running.leader.as_ref().map(|l| l.pid);
    let guard = Restore {
        pid: running.pid,
        leader,
        root,
        // Never armed for an attached process: it is not ours to kill.
        armed: running.attached().is_none(),
    };
    let (exits, gone) = (
        running.exits.clone(),
        match &running.leader {
            Some(l) => l.gone.clone(),
            None => crossbeam_channel::never(),
        },
    );
    let events = running.events.clone();
    let mut app = new_app(setup.config.clone(), &running, setup.size);
    app.attached = attached;
    if let Some(s) = said {
        app.say(s, Instant::now());
    }
    let ends = Ends {
        exits,
        gone,
        news: crossbeam_channel::never(),
    };
    run_host(
        setup,
        app,
        Host::Program(running),
        (guard, ends, events),
        signals,
        detach,
        (opts.stats.as_deref(), opts.summary),
    )
}

/// What ends a session or tells the TUI something besides calls.
struct Ends {
    /// The program's wait status.
    exits: Receiver<i32>,
    /// The session leader's exit.
    gone: Receiver<i32>,
    /// The agent's messages.
    news: Receiver<String>,
}

/// Runs the TUI on `host` until the person quits or it ends; returns
/// the exit status.
fn run_host(
    setup: Setup,
    app: App,
    host: Host,
    (guard, ends, events): (Restore, Ends, Receiver<Event>),
    signals: nix::sys::signal::SigSet,
    detach: DetachInfo,
    (stats_path, summary): (Option<&Path>, bool),
) -> Result<i32, Error> {
    let Setup {
        sink,
        tty,
        screen: (cols, rows),
        size: (prow, pcol),
        master,
        slave,
        config: _,
    } = setup;
    drop(slave);
    let sig_rx = sysproc::signal_channel(signals);
    let (out_rx, to_program, pty_reader) = connect_pty(&master)?;
    let (terminal, stop_input, input) = take_terminal(tty)?;
    // The history keeps every record: the receiver writes into blank
    // ones made on the recorder's thread instead of fresh memory.
    let blanks = match &host {
        Host::Program(r) => Some(r.supervisor.blanks()),
        _ => None,
    };
    let (recorder, shown) = Recorder::start(sink, events, app.summary.clone(), blanks);
    let Ends { exits, gone, news } = ends;

    let mut tui = Tui {
        guard,
        app,
        host,
        recorder,
        shown,
        terminal,
        master,
        to_program,
        out_rx: out_rx.clone(),
        output: out_rx,
        pty_reader,
        exits,
        gone,
        news,
        all_gone: false,
        kill_sent: false,
        keys: input,
        sig_rx,
        stats: stats_path.map(|_| Stats::default()),
        screen: (cols, rows),
        size: (prow, pcol),
        status: None,
        dirty: true,
        last_draw: Instant::now() - FRAME,
        last_tick: Instant::now(),
        by_signal: None,
        detach,
    };
    let how = tui.event_loop()?;
    stop_input.store(true, Ordering::Relaxed);
    tui.finish(how, stats_path, summary)
}

/// The App with what the launch found out, and the first hint.
fn new_app(mut config: Config, running: &Running, (prow, pcol): (u16, u16)) -> App {
    config.features = features(running);
    let mut app = App::new(config, prow, pcol);
    app.rules = Arc::clone(running.supervisor.rules());
    app.say(
        "each trapped call waits here: a allows, d denies, e emulates; ? explains it all",
        Instant::now(),
    );
    app
}

/// Threads that carry the program's output to us and keys to it.
fn connect_pty(master: &OwnedFd) -> Result<(Receiver<Bytes>, Sender<Bytes>, PtyReader), Error> {
    let dup = || {
        master
            .try_clone()
            .map(File::from)
            .map_err(error::pty("duplicating the pty"))
    };
    let (out_tx, out_rx) = crossbeam_channel::unbounded();
    let reader = spawn_pty_reader(dup()?, out_tx).map_err(error::pty("reading the pty"))?;
    let to_program = spawn_pty_writer(dup()?);
    Ok((out_rx, to_program, reader))
}

type Bytes = Vec<u8>;
/// Frames are written whole: one write per frame, not one per cell
/// change (a terminal would show half-drawn frames).
type Screen = Terminal<CrosstermBackend<io::BufWriter<TtyOut>>>;
type Keys = Receiver<io::Result<TermEvent>>;

/// Raw mode, the alternate screen, and a thread reading keys (stopped
/// by setting the flag).
fn take_terminal(tty: &'static File) -> Result<(Screen, Arc<AtomicBool>, Keys), Error> {
    set_panic_hook();
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    enable_raw_mode().map_err(terminal("setting up the terminal"))?;
    execute!(TtyOut(tty), EnterAlternateScreen).map_err(terminal("setting up the terminal"))?;
    let screen = Terminal::new(CrosstermBackend::new(io::BufWriter::with_capacity(
        1 << 16,
        TtyOut(tty),
    )))
    .map_err(terminal("setting up the terminal"))?;
    let stop_input = Arc::new(AtomicBool::new(false));
    let input = spawn_input(Arc::clone(&stop_input));
    Ok((screen, stop_input, input))
}

/// The interactive session between set-up and teardown.
struct Tui {
    /// First, so it is dropped first when an error ends the loop.
    guard: Restore,
    app: App,
    host: Host,
    /// Writes the log and passes the events on to `shown`.
    recorder: Recorder,
    shown: Receiver<Shown>,
    terminal: Screen,
    master: OwnedFd,
    to_program: Sender<Vec<u8>>,
    /// The program's output, for the relay after a detach.
    out_rx: Receiver<Vec<u8>>,
    pty_reader: PtyReader,
    // A channel whose sender is gone is always ready in `select!`: once
    // the pty reader, the reaper or the input thread has ended, its arm
    // is swapped for one that never fires, or the loop would spin.
    output: Receiver<Vec<u8>>,
    exits: Receiver<i32>,
    /// The session leader's exit: nothing under the filter is left.
    gone: Receiver<i32>,
    /// The agent's messages for the message line.
    news: Receiver<String>,
    all_gone: bool,
    /// Whether the program and its descendants were killed after the
    /// supervisor failed.
    kill_sent: bool,
    keys: Keys,
    sig_rx: Receiver<i32>,
    stats: Option<Stats>,
    /// The terminal size at start, for when it cannot be read.
    screen: (u16, u16),
    /// The program pane's size.
    size: (u16, u16),
    /// The program's exit code, once it has exited.
    status: Option<i32>,
    dirty: bool,
    last_draw: Instant,
    last_tick: Instant,
    by_signal: Option<i32>,
    detach: DetachInfo,
}

/// What the TUI supervises: a program (launched, attached or adopted),
/// or the containers of the agent, each with its own supervisor.
enum Host {
    Program(Running),
    Agent(crate::agent::Running),
}

impl Host {
    fn program(&self) -> Option<&Running> {
        match self {
            Host::Program(r) => Some(r),
            Host::Agent(_) => None,
        }
    }

    fn rules(&self) -> &Arc<crate::policy::rules::RuleSet> {
        match self {
            Host::Program(r) => r.supervisor.rules(),
            Host::Agent(a) => a.containers().rules(),
        }
    }

    fn decide(&self, d: crate::supervisor::Decision) -> bool {
        match self {
            Host::Program(r) => r.supervisor.decide(d),
            Host::Agent(a) => a.containers().decide(d),
        }
    }

    fn set_continue(&self, on: bool) {
        match self {
            Host::Program(r) => r.supervisor.set_continue(on),
            Host::Agent(a) => a.containers().set_continue(on),
        }
    }

    fn add_rule(&self, rule: Rule, waiting: &[Arc<crate::model::Call>]) -> Vec<u64> {
        match self {
            Host::Program(r) => r.supervisor.add_rule(rule, waiting).1,
            Host::Agent(a) => a.containers().add_rule(rule, waiting),
        }
    }

    fn reconsider(&self, waiting: &[Arc<crate::model::Call>]) -> Vec<u64> {
        match self {
            Host::Program(r) => r.supervisor.reconsider(waiting),
            Host::Agent(a) => a.containers().reconsider(waiting),
        }
    }

    fn hold(&self, id: u64) -> bool {
        match self {
            Host::Program(r) => r.supervisor.hold(id),
            Host::Agent(a) => a.containers().hold(id),
        }
    }
}

/// What woke the event loop.
enum Woken {
    Commands(Vec<Command>),
    Quit(QuitHow),
}

impl Tui {
    /// Draws, waits, ticks and carries out commands until told to quit.
    fn event_loop(&mut self) -> Result<QuitHow, Error> {
        loop {
            self.draw_if_due()?;
            let commands = match self.wait()? {
                Woken::Commands(c) => c,
                Woken::Quit(how) => return Ok(how),
            };
            self.tick();
            for c in commands {
                if let Some(how) = self.command(c) {
                    return Ok(how);
                }
            }
        }
    }

    fn draw_if_due(&mut self) -> Result<(), Error> {
        let now = Instant::now();
        if !self.dirty || now.duration_since(self.last_draw) < FRAME {
            return Ok(());
        }
        // What queued up while the frame was due (see `wait`), so the
        // frame shows everything known now.
        self.take_queued();
        self.fit_program_pane();
        let drawing = Instant::now();
        let app = &self.app;
        self.terminal
            .draw(|f| ui::draw(f, app, now))
            .map_err(terminal("drawing the screen"))?;
        if let Some(s) = self.stats.as_mut() {
            s.frame(self.app.history.len(), drawing.elapsed());
        }
        if let Some(a) = ui::layout(self.terminal.get_frame().area()) {
            self.app.page = a.history.height.saturating_sub(2) as usize;
        }
        self.dirty = false;
        self.last_draw = now;
        Ok(())
    }

    /// Follows the terminal's size with the program's pty.
    fn fit_program_pane(&mut self) {
        let (cols, rows) = self.screen;
        let (c, r) = ratatui::crossterm::terminal::size().unwrap_or((cols, rows));
        let want = program_size(c, r);
        if want != self.size {
            self.size = want;
            let _ = pty::set_size(self.master.as_fd(), want.0, want.1);
            self.app.resize_program(want.0, want.1);
        }
    }

    /// Sleeps until something happens or a frame or tick is due.
    fn wait(&mut self) -> Result<Woken, Error> {
        let now = Instant::now();
        let wait = if self.dirty {
            FRAME.saturating_sub(now.duration_since(self.last_draw))
        } else {
            TICK.saturating_sub(now.duration_since(self.last_tick))
        };
        // Supervisor events wait for the next frame once one is due: a
        // thread asleep on the channel is woken for every record, and that
        // wake-up sits in the receiver between two trapped calls (README,
        // Performance). Keys, output and exits still wake us at once.
        let no_events = crossbeam_channel::never::<Shown>();
        let events = if self.dirty { &no_events } else { &self.shown };
        let mut commands = Vec::new();
        select! {
            recv(self.keys) -> ev => match ev {
                Ok(Ok(TermEvent::Key(k))) => {
                    commands.extend(self.app.on_key(k, Instant::now()));
                    // Keys show their effect at once.
                    self.last_draw = Instant::now() - FRAME;
                    self.dirty = true;
                }
                Ok(Ok(_)) => self.dirty = true,
                Ok(Err(e)) => return Err(terminal("reading the keyboard")(e)),
                Err(_) => self.keys = crossbeam_channel::never(),
            },
            recv(events) -> ev => {
                if let Ok(ev) = ev {
                    self.take_event(ev);
                    self.take_queued();
                    self.dirty = true;
                }
            },
            recv(self.output) -> bytes => {
                if let Ok(b) = bytes {
                    self.app.on_output(&b);
                    while let Ok(b) = self.out_rx.try_recv() {
                        self.app.on_output(&b);
                    }
                    self.dirty = true;
                } else {
                    self.output = crossbeam_channel::never();
                }
            },
            recv(self.exits) -> st => {
                if st.is_err() {
                    self.exits = crossbeam_channel::never();
                }
                if let Ok(st) = st {
                    self.on_exit(st);
                }
            },
            recv(self.gone) -> st => {
                self.gone = crossbeam_channel::never();
                self.on_all_gone(st.ok());
            },
            recv(self.news) -> msg => match msg {
                Ok(m) => {
                    self.app.say(m, Instant::now());
                    self.refresh_containers();
                    self.dirty = true;
                }
                Err(_) => self.news = crossbeam_channel::never(),
            },
            recv(self.sig_rx) -> sig => {
                if let Ok(sig) = sig {
                    if sig == libc::SIGTERM || sig == libc::SIGHUP {
                        self.by_signal = Some(sig);
                        return Ok(Woken::Quit(QuitHow::Kill));
                    }
                    // SIGINT or SIGQUIT sent to us with kill(2); an
                    // attached process is not ours to signal. The agent
                    // ends by it, as headless.
                    match self.host.program() {
                        Some(r) if r.attached().is_none() => sysproc::kill_group(r.pid, sig),
                        Some(_) => {}
                        None => {
                            self.by_signal = Some(sig);
                            return Ok(Woken::Quit(QuitHow::CloseListener));
                        }
                    }
                }
            },
            default(wait) => {},
        }
        Ok(Woken::Commands(commands))
    }

    /// The program has exited with wait status `st`.
    fn on_exit(&mut self, st: i32) {
        let (code, note) = match self.host.program() {
            Some(r) => r.exit_status(st),
            None => (sysproc::exit_code(st), None),
        };
        self.status = Some(code);
        self.count_still_running();
        self.app.on_exit(code, Instant::now());
        if let Some(n) = note {
            self.app.say(n, Instant::now());
        }
        // With a session leader, what the program started may run on; the
        // guard still ends them.
        if self.guard.leader.is_none() {
            self.guard.armed = false;
        }
        self.dirty = true;
    }

    /// The session leader has exited (with `st`, if known): every process
    /// under the filter is gone.
    fn on_all_gone(&mut self, st: Option<i32>) {
        // The program's status is sent before the leader's.
        while let Ok(s) = self.exits.try_recv() {
            self.on_exit(s);
        }
        if self.status.is_none() {
            self.on_exit(st.unwrap_or(128 + libc::SIGKILL));
        }
        self.all_gone = true;
        self.app.on_still_running(0);
        self.guard.armed = false;
        self.dirty = true;
    }

    /// After the program exited: how many processes it started still run
    /// (every descendant of ours but the session leader).
    fn count_still_running(&mut self) {
        let Some(leader) = self.guard.leader else {
            return;
        };
        if self.all_gone {
            return;
        }
        let n = sysproc::descendants(self.guard.root)
            .iter()
            .filter(|s| s.alive() && s.pid != leader)
            .count();
        if n != self.app.still_running {
            self.app.on_still_running(n);
            self.dirty = true;
        }
    }

    /// Rechecks pending calls and keeps the message line fresh.
    fn tick(&mut self) {
        if self.last_tick.elapsed() < TICK {
            return;
        }
        self.last_tick = Instant::now();
        if self.status.is_some() {
            self.count_still_running();
        }
        if !self.app.pending.is_empty() {
            self.app.on_tick(self.last_tick);
            self.dirty = true;
        }
        if self.app.message.is_some() {
            self.dirty = true;
        }
        self.refresh_containers();
    }

    /// The agent's containers as the screen lists them (calls counted).
    fn refresh_containers(&mut self) {
        if let Host::Agent(a) = &self.host {
            let list = a
                .containers()
                .list()
                .into_iter()
                .map(|c| crate::app::ContainerRow {
                    container: c.container,
                    pid: c.pid,
                    calls: c.calls,
                    live: c.live,
                })
                .collect();
            if self.app.set_containers(list) {
                self.dirty = true;
            }
        }
    }

    /// Carries out a command of the App; `Some` to quit.
    fn command(&mut self, c: Command) -> Option<QuitHow> {
        let host = &self.host;
        match c {
            Command::Decide(d) => {
                // False: a rule or the timeout answered it first.
                host.decide(d);
            }
            Command::SetContinue(on) => host.set_continue(on),
            Command::ToProgram(b) => {
                let _ = self.to_program.send(b);
            }
            Command::Quit(h) => return Some(h),
            Command::AddRule(rule) => {
                let waiting = self.app.waiting_calls().cloned().collect::<Vec<_>>();
                let ids = host.add_rule(*rule, &waiting);
                self.app.answered_by_rule(&ids);
            }
            Command::EditRule(edit) => {
                edit.apply(host.rules());
            }
            Command::Reconsider => {
                let waiting = self.app.waiting_calls().cloned().collect::<Vec<_>>();
                let ids = host.reconsider(&waiting);
                self.app.answered_by_rule(&ids);
            }
            Command::SaveRules(path) => self.save_rules(&path),
            Command::Hold(id) => {
                host.hold(id);
            }
        }
        None
    }

    fn save_rules(&mut self, path: &Path) {
        let now = Instant::now();
        match crate::policy::write::save_session_rules(self.host.rules(), path) {
            Ok(n) => self.app.say(
                format!(
                    "wrote {n} rule(s) to {}",
                    escape_bytes(path.as_os_str().as_encoded_bytes())
                ),
                now,
            ),
            Err(e) => self.app.say(format!("not written: {e}"), now),
        }
    }

    /// Takes what else is queued, within a budget.
    fn take_queued(&mut self) {
        let start = Instant::now();
        while start.elapsed() < EVENT_BUDGET {
            match self.shown.try_recv() {
                Ok(ev) => self.take_event(ev),
                Err(_) => break,
            }
        }
        if let Some(r) = self.host.program()
            && self.app.failed.is_some()
            && self.guard.armed
            && !self.kill_sent
        {
            // Nobody can answer their calls any more.
            self.kill_sent = true;
            kill_tree(r.pid, self.guard.leader, self.guard.root);
        }
    }

    fn take_event(&mut self, shown: Shown) {
        let now = Instant::now();
        let ev = match shown {
            Shown::Event(ev) => ev,
            Shown::NotDrawn(n) => return self.app.on_not_drawn(n, now),
            // Said at once on the message line, and again at exit.
            Shown::OutputFailed(e) => return self.app.on_output_failed(e.to_string(), now),
        };
        // The cwd belongs in the detail of a call that waits for a person;
        // reading it for rule-decided calls would cost for nothing.
        let cwd = match &ev {
            Event::Pending(call) => std::fs::read_link(format!("/proc/{}/cwd", call.notif.pid))
                .ok()
                .map(|p| p.into_os_string().into_encoded_bytes()),
            _ => None,
        };
        // With --stack the detail pane shows names: they are worked out on
        // a thread of their own, and show from the next frame on.
        match &ev {
            Event::Pending(call) => crate::decode::stack::symbolize_in_background(call),
            Event::Answered(rec) => crate::decode::stack::symbolize_in_background(&rec.call),
            _ => {}
        }
        self.app.on_event(ev, cwd, now);
    }

    /// Gives the terminal back, ends or lets go of the program, and
    /// returns the exit status.
    fn finish(self, how: QuitHow, stats_path: Option<&Path>, summary: bool) -> Result<i32, Error> {
        if matches!(self.host, Host::Agent(_)) {
            return self.finish_agent(summary);
        }
        let Tui {
            mut app,
            host,
            recorder,
            shown,
            terminal,
            master,
            out_rx,
            pty_reader,
            mut guard,
            stats,
            status,
            by_signal,
            all_gone,
            detach,
            ..
        } = self;
        let Host::Program(mut running) = host else {
            unreachable!("the agent finishes above");
        };
        drop(terminal);
        // Nobody draws any more: the recorder only writes the log now.
        drop(shown);
        restore_terminal();
        if how == QuitHow::Detach && pty_reader.stop(Duration::from_secs(1)) {
            // Everything read before the stop is shown in the last screen;
            // the rest stays in the pty for the holder.
            while let Ok(b) = out_rx.try_recv() {
                app.on_output(&b);
            }
        }
        if how != QuitHow::CloseListener {
            // The program's screen as it is, not as scrolled back to.
            app.screen.screen_mut().set_scrollback(0);
            print_last_screen(&app);
        }
        let code = match how {
            // However the session ends, an attached process is let go,
            // never killed or relayed.
            _ if running.attached().is_some() => leave_attached(&mut running, &app, how),
            QuitHow::Exited => status.unwrap_or(0),
            QuitHow::Kill => {
                kill_tree(running.pid, guard.leader, guard.root);
                let code = match status {
                    Some(c) => c,
                    None => match running.exits.recv_timeout(Duration::from_secs(5)) {
                        Ok(st) => running.exit_status(st).0,
                        Err(_) => 128 + libc::SIGKILL,
                    },
                };
                match by_signal {
                    Some(sig) => {
                        say(&format!(
                            "terminated by signal {sig}; the program was killed"
                        ));
                        128 + sig
                    }
                    None => code,
                }
            }
            QuitHow::Detach => {
                guard.armed = false;
                let who = Who {
                    program: running.pid,
                    leader: running.leader.as_ref().map(|l| l.pid),
                    status_pipe: running.status_pipe.as_ref().map(AsFd::as_fd),
                    status,
                };
                detach_to_holder(&app, running.supervisor, &detach, who, &master);
                0
            }
            QuitHow::CloseListener => {
                guard.armed = false;
                let exits = running.exits.clone();
                running.supervisor.stop();
                say(&format!(
                    "supervision ended; {} runs on unsupervised (its trapped calls now fail with \
                     ENOSYS). Its terminal is relayed here until it exits.",
                    app.config.program
                ));
                let tty = open_tty().map_err(error::terminal("opening /dev/tty"))?;
                relay(tty, &master, &out_rx, &exits, status)?
            }
        };
        if let (Some(l), false, true) = (&running.leader, all_gone, guard.armed) {
            // The leader reaps the last of them and exits: nothing is left
            // behind unreaped.
            let _ = l.gone.recv_timeout(Duration::from_secs(5));
        }
        guard.armed = false;
        finish_recorder(recorder, &app, summary);
        if let (Some(s), Some(path)) = (stats, stats_path) {
            s.write(path, app.config.history_cap)
                .map_err(|source| Error::Stats { source })?;
        }
        Ok(code)
    }
}

/// Lets the recorder write the last records (calls answered while the
/// TUI quit: a killed program's calls going away, emulations finishing
/// still belong in the log), then prints the summary if asked.
fn finish_recorder(recorder: Recorder, app: &App, summary: bool) {
    match recorder.finish(LATE_RECORDS, STUCK_WRITER) {
        Ended::Done(Ok(())) => {}
        Ended::Done(Err(e)) => say(&e.to_string()),
        Ended::Stuck(n) => say(&format!(
            "writing the log {} did not return: {n} {} not written",
            app.config
                .log
                .as_deref()
                .map(|p| escape_bytes(p.as_os_str().as_encoded_bytes()))
                .unwrap_or_default(),
            if n == 1 { "record" } else { "records" }
        )),
    }
    if summary {
        // Every record is in by now: the recorder has finished.
        let report = app
            .summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .report();
        print_on_terminal(&report);
    }
}

impl Tui {
    /// Ends the agent's TUI: the socket goes, and the containers still
    /// running lose their supervisor. The calls waiting get ENOSYS now,
    /// as every later trapped call will once the listeners close with
    /// this process; that is said on the terminal given back.
    fn finish_agent(self, summary: bool) -> Result<i32, Error> {
        let Tui {
            app,
            host,
            recorder,
            shown,
            terminal,
            by_signal,
            ..
        } = self;
        let Host::Agent(agent) = host else {
            unreachable!("called for the agent only");
        };
        drop(terminal);
        restore_terminal();
        let why = match by_signal.and_then(|s| nix::sys::signal::Signal::try_from(s).ok()) {
            Some(sig) => format!("ended by {}", sig.as_str()),
            None => "quit".to_string(),
        };
        let msg = agent.stop(&why);
        // Their records still go to the log (the recorder runs on).
        agent.containers().stop_all();
        // Nobody draws any more: the recorder only writes the log now.
        drop(shown);
        finish_recorder(recorder, &app, summary);
        say(&msg);
        Ok(0)
    }
}

/// Ends an attach session: what we received and did not answer gets the
/// default action first (a call received is never received by anyone
/// else), then says what happens next. Status 0: leaving is the person's
/// choice (SIGTERM and SIGHUP included), and a hang-up is the end.
fn leave_attached(running: &mut Running, app: &App, how: QuitHow) -> i32 {
    let (Some(attached), Some(view)) = (running.attached().cloned(), &app.attached) else {
        return 0;
    };
    let answered = running.supervisor.stop_answering(view.leave_answer);
    if how == QuitHow::Exited {
        say(&format!(
            "the listener hung up: every process under the filter of {} is gone",
            attached.label()
        ));
    } else {
        say(&attached.after_leaving(answered, view.leave_answer));
    }
    0
}

/// The program a detach hands over.
struct Who<'a> {
    program: u32,
    leader: Option<u32>,
    /// The session leader's status pipe.
    status_pipe: Option<std::os::fd::BorrowedFd<'a>>,
    /// The program's exit code, when it has exited.
    status: Option<i32>,
}

/// Hands the program to a holder (see [`crate::handover`]): every call
/// received is answered first (the rules, else the default action), then
/// the holder gets the listener, the pty and the rules, and the terminal
/// says how to take the program back. When that fails, the program runs
/// on unsupervised, as with "close the listener", and that is said.
fn detach_to_holder(
    app: &App,
    supervisor: crate::supervisor::Supervisor,
    detach: &DetachInfo,
    who: Who<'_>,
    master: &OwnedFd,
) {
    let Who {
        program,
        leader,
        status_pipe,
        status,
    } = who;
    use crate::handover;
    let rules = Arc::clone(supervisor.rules());
    let listener = match supervisor.hand_over(detach.default) {
        Ok(l) => l,
        Err(e) => {
            return say(&format!(
                "cannot detach (copying the listener: {e}); the program runs on unsupervised, \
                 its trapped calls failing with ENOSYS"
            ));
        }
    };
    let h = handover::Handover {
        program,
        leader,
        label: app.config.program.clone(),
        trap: app.config.trap.clone(),
        default_action: handover::answer_text(detach.default),
        errno: detach.errno.clone(),
        log: detach.log.clone(),
        keep_output: detach.keep_output,
        // Back from the shell's code to a wait status.
        exited: status.map(|c| match c {
            129..=192 => c - 128,
            c => (c & 0xff) << 8,
        }),
        rules: handover::handed_rules(&rules),
        fds: Vec::new(),
    };
    match handover::detach(&h, &listener, master.as_fd(), status_pipe) {
        Ok(d) => {
            say(&format!(
                "detached: {} runs on; holder {} answers its trapped calls with the rules, then \
                 {} (the default action){}.",
                app.config.program,
                d.holder,
                detach.default,
                match &detach.log {
                    Some(p) => format!(
                        ", logging to {}",
                        escape_bytes(p.as_os_str().as_encoded_bytes())
                    ),
                    None => String::new(),
                }
            ));
            say(&match &d.output {
                Some(p) => format!(
                    "its terminal output goes to {}",
                    escape_bytes(p.as_os_str().as_encoded_bytes())
                ),
                None => "its terminal output is thrown away (--no-detach-output)".into(),
            });
            say(&format!("take it back with: unotify-tui attach {program}"));
        }
        Err(e) => say(&format!(
            "cannot detach (starting the holder: {e}); the program runs on unsupervised, its \
             trapped calls failing with ENOSYS"
        )),
    }
}

/// The program's last screen, on the terminal the TUI gives back: what it
/// printed there (a page, a compiler's errors) is not lost with the TUI.
/// A redirected stdout got the program's output itself, so this never
/// goes there.
fn print_last_screen(app: &App) {
    let text = app.screen.screen().contents();
    let text = text.trim_end();
    if !text.is_empty() {
        if let Some(mut tty) = TTY.get() {
            let _ = writeln!(tty, "{text}");
            let _ = tty.flush();
        }
    }
}

/// `text` on the terminal the TUI gave back (where `--summary` goes).
fn print_on_terminal(text: &str) {
    if let Some(mut tty) = TTY.get() {
        let _ = tty.write_all(text.as_bytes());
        let _ = tty.flush();
    }
}

/// Frame times and memory use, for the benchmark (`--stats FILE`).
#[derive(Default)]
struct Stats {
    /// (history entries when drawn, microseconds to draw).
    frames: Vec<(usize, u32)>,
}

impl Stats {
    fn frame(&mut self, history: usize, took: Duration) {
        let us = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.frames.push((history, us));
    }

    /// One line of `key value` pairs: frame counts and p50/p99/max draw
    /// times over all frames and over those drawn with a full history,
    /// then VmRSS and VmHWM in kB.
    fn write(&self, path: &std::path::Path, cap: usize) -> io::Result<()> {
        fn pct(v: &mut [u32], p: f64) -> u32 {
            if v.is_empty() {
                return 0;
            }
            v.sort_unstable();
            v[((v.len() - 1) as f64 * p).round() as usize]
        }
        let mut all: Vec<u32> = self.frames.iter().map(|f| f.1).collect();
        let mut full: Vec<u32> = self
            .frames
            .iter()
            .filter(|f| f.0 >= cap)
            .map(|f| f.1)
            .collect();
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.split_whitespace().next())
                .unwrap_or("0")
                .to_string()
        };
        let line = format!(
            "frames {} p50_us {} p99_us {} max_us {} full_frames {} full_p50_us {} full_p99_us {} \
             rss_kb {} hwm_kb {}\n",
            all.len(),
            pct(&mut all, 0.5),
            pct(&mut all, 0.99),
            pct(&mut all, 1.0),
            full.len(),
            pct(&mut full, 0.5),
            pct(&mut full, 0.99),
            kb("VmRSS:"),
            kb("VmHWM:"),
        );
        std::fs::write(path, line)
    }
}

/// After `l`: our terminal (`tty`) talks to the program's pty directly
/// until the program exits.
fn relay(
    tty: &'static File,
    master: &OwnedFd,
    out_rx: &Receiver<Vec<u8>>,
    exits: &Receiver<i32>,
    status: Option<i32>,
) -> Result<i32, Error> {
    if let Some(code) = status {
        return Ok(code);
    }
    if let Ok((c, r)) = ratatui::crossterm::terminal::size() {
        let _ = pty::set_size(master.as_fd(), r, c);
    }
    let _ = enable_raw_mode();
    let to_program = spawn_pty_writer(File::from(
        master
            .try_clone()
            .map_err(error::pty("duplicating the pty"))?,
    ));
    let _ = std::thread::Builder::new()
        .name("unotify-relay-in".into())
        .spawn(move || {
            let mut keys = tty;
            let mut buf = [0u8; 4096];
            while let Ok(n) = keys.read(&mut buf) {
                if n == 0 || to_program.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
    let mut out = tty;
    let code = loop {
        select! {
            recv(out_rx) -> b => if let Ok(b) = b {
                let _ = out.write_all(&b);
                let _ = out.flush();
            },
            recv(exits) -> st => {
                break match st {
                    Ok(st) => sysproc::exit_code(st),
                    Err(_) => 0,
                };
            },
        }
    };
    // What the program wrote just before it exited.
    while let Ok(b) = out_rx.recv_timeout(Duration::from_millis(50)) {
        let _ = out.write_all(&b);
    }
    let _ = out.flush();
    let _ = disable_raw_mode();
    Ok(code)
}
