//! The interactive runtime: terminal set-up and restore, the event loop
//! that feeds the `App`, the program's pseudo-terminal, and quitting.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
use crate::escape::escape_bytes;
use crate::policy::rules::Rule;
use crate::run::{self, Error, Running, Target};
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

/// Puts the terminal back however the TUI ends: normal return, error, or
/// panic (the hook), and kills the program if it still runs.
struct Restore {
    pid: u32,
    armed: bool,
}

/// Whether the terminal is in the TUI's state (raw, alternate screen).
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// Leaves raw mode and the alternate screen, once: leaving the alternate
/// screen twice would move the cursor back over what was printed since.
fn restore_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        restore_terminal();
        if self.armed {
            kill_tree(self.pid);
        }
    }
}

/// The program is its own session and process group leader (launch did
/// setsid for the pty), so the group is everything it did not move away.
fn kill_tree(pid: u32) {
    sysproc::kill_group(pid, libc::SIGKILL);
    sysproc::kill(pid, libc::SIGKILL);
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

/// Reads the program's output from the pty master until it closes.
fn spawn_pty_reader(master: File, tx: Sender<Vec<u8>>) {
    let _ = std::thread::Builder::new()
        .name("unotify-pty-read".into())
        .spawn(move || {
            let mut master = master;
            let mut buf = vec![0u8; 16384];
            loop {
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
        });
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

fn io_err(what: &str) -> impl FnOnce(io::Error) -> Error + '_ {
    move |e| Error::Io(what.to_string(), e)
}

/// The filter's disassembly for the `f` view.
fn filter_lines(trap: &[syscalls::Sysno]) -> Vec<String> {
    let mut out = Vec::new();
    let _ = run::print_filter(trap, &mut out);
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
    let plan = run::plan(opts, extra_rules)?;
    let (cols, rows) =
        ratatui::crossterm::terminal::size().map_err(io_err("reading the terminal size"))?;
    let (prow, pcol) = program_size(cols, rows);
    let pty = pty::open(prow, pcol).map_err(io_err("opening a pseudo-terminal"))?;
    let filter = filter_lines(&plan.trapped);
    let errno = plan.errno;
    let timeout = plan.timeout.map(|t| t.after);
    let signals = sysproc::block_signals();
    let running = run::launch(target, plan, None, Some(pty.slave))?;
    let mut guard = Restore {
        pid: running.pid,
        armed: true,
    };
    let sig_rx = sysproc::signal_channel(signals);

    let config = Config {
        errno,
        history_cap: opts.history,
        features: features(&running),
        trap: opts.trap.clone(),
        filter,
        program: label.unwrap_or_else(|| program_label(target)),
        started: SystemTime::now(),
        timeout,
        save_path: opts.save_rules.clone(),
    };
    let mut app = App::new(config, prow, pcol);
    app.rules = Arc::clone(running.supervisor.rules());
    app.say(
        "each trapped call waits here: a allows, d denies, e emulates; ? explains it all",
        Instant::now(),
    );

    let master: OwnedFd = pty.master;
    let reader = File::from(master.try_clone().map_err(io_err("duplicating the pty"))?);
    let (out_tx, out_rx) = crossbeam_channel::unbounded();
    spawn_pty_reader(reader, out_tx);
    let to_program = spawn_pty_writer(File::from(
        master.try_clone().map_err(io_err("duplicating the pty"))?,
    ));

    set_panic_hook();
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    enable_raw_mode().map_err(io_err("setting up the terminal"))?;
    execute!(io::stdout(), EnterAlternateScreen).map_err(io_err("setting up the terminal"))?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))
        .map_err(io_err("setting up the terminal"))?;
    let stop_input = Arc::new(AtomicBool::new(false));
    let input = spawn_input(Arc::clone(&stop_input));

    let mut stats = opts.stats.as_ref().map(|_| Stats::default());
    let mut size = (prow, pcol);
    let mut status: Option<i32> = None;
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let mut last_tick = Instant::now();
    let how: QuitHow;
    let mut by_signal: Option<i32> = None;

    let no_events = crossbeam_channel::never::<Event>();
    // A channel whose sender is gone is always ready in `select!`: once
    // the pty reader, the reaper or the input thread has ended, its arm
    // is swapped for one that never fires, or the loop would spin.
    let mut output = out_rx.clone();
    let mut exits = running.exits.clone();
    let mut keys = input.clone();
    'main: loop {
        let now = Instant::now();
        if dirty && now.duration_since(last_draw) >= FRAME {
            // What queued up while the frame was due (see below), so the
            // frame shows everything known now.
            take_queued(&mut app, &running.events);
            if app.failed.is_some() && status.is_none() {
                kill_tree(running.pid);
            }
            let (c, r) = ratatui::crossterm::terminal::size().unwrap_or((cols, rows));
            let want = program_size(c, r);
            if want != size {
                size = want;
                let _ = pty::set_size(master.as_fd(), want.0, want.1);
                app.resize_program(want.0, want.1);
            }
            let drawing = Instant::now();
            terminal
                .draw(|f| ui::draw(f, &app, now))
                .map_err(io_err("drawing the screen"))?;
            if let Some(s) = stats.as_mut() {
                s.frame(app.history.len(), drawing.elapsed());
            }
            if let Some(a) = ui::layout(terminal.get_frame().area()) {
                app.page = a.history.height.saturating_sub(2) as usize;
            }
            dirty = false;
            last_draw = now;
        }
        let wait = if dirty {
            FRAME.saturating_sub(now.duration_since(last_draw))
        } else {
            TICK.saturating_sub(now.duration_since(last_tick))
        };
        // Supervisor events wait for the next frame once one is due: a
        // thread asleep on the channel is woken for every record, and that
        // wake-up sits in the receiver between two trapped calls (README,
        // Performance). Keys, output and exits still wake us at once.
        let events = if dirty { &no_events } else { &running.events };
        let mut commands = Vec::new();
        select! {
            recv(keys) -> ev => match ev {
                Ok(Ok(TermEvent::Key(k))) => {
                    commands.extend(app.on_key(k, Instant::now()));
                    // Keys show their effect at once.
                    last_draw = Instant::now() - FRAME;
                    dirty = true;
                }
                Ok(Ok(_)) => dirty = true,
                Ok(Err(e)) => return Err(Error::Io("reading the keyboard".into(), e)),
                Err(_) => keys = crossbeam_channel::never(),
            },
            recv(events) -> ev => {
                if let Ok(ev) = ev {
                    take_event(&mut app, ev);
                    take_queued(&mut app, &running.events);
                    if app.failed.is_some() && status.is_none() {
                        // Nobody can answer its calls any more.
                        kill_tree(running.pid);
                    }
                    dirty = true;
                }
            },
            recv(output) -> bytes => {
                if let Ok(b) = bytes {
                    app.on_output(&b);
                    while let Ok(b) = out_rx.try_recv() {
                        app.on_output(&b);
                    }
                    dirty = true;
                } else {
                    output = crossbeam_channel::never();
                }
            },
            recv(exits) -> st => {
                if st.is_err() {
                    exits = crossbeam_channel::never();
                }
                if let Ok(st) = st {
                    let (code, note) = running.exit_status(st);
                    status = Some(code);
                    app.on_exit(code, Instant::now());
                    if let Some(n) = note {
                        app.say(n, Instant::now());
                    }
                    guard.armed = false;
                    dirty = true;
                }
            },
            recv(sig_rx) -> sig => {
                if let Ok(sig) = sig {
                    if sig == libc::SIGTERM || sig == libc::SIGHUP {
                        by_signal = Some(sig);
                        how = QuitHow::Kill;
                        break 'main;
                    }
                    // SIGINT or SIGQUIT sent to us with kill(2).
                    sysproc::kill_group(running.pid, sig);
                }
            },
            default(wait) => {},
        }
        if last_tick.elapsed() >= TICK {
            last_tick = Instant::now();
            if !app.pending.is_empty() {
                app.on_tick(last_tick);
                dirty = true;
            }
            if app.message.is_some() {
                dirty = true;
            }
        }
        for c in commands {
            match c {
                Command::Decide(d) => {
                    // False: a rule or the timeout answered it first.
                    running.supervisor.decide(d);
                }
                Command::SetContinue(on) => running.supervisor.set_continue(on),
                Command::ToProgram(b) => {
                    let _ = to_program.send(b);
                }
                Command::Quit(h) => {
                    how = h;
                    break 'main;
                }
                Command::AddRule(rule) => {
                    let (_, ids) = running
                        .supervisor
                        .add_rule(*rule, &app.waiting_calls().cloned().collect::<Vec<_>>());
                    app.answered_by_rule(&ids);
                }
                Command::EditRule(edit) => {
                    edit.apply(running.supervisor.rules());
                }
                Command::Reconsider => {
                    let ids = running
                        .supervisor
                        .reconsider(&app.waiting_calls().cloned().collect::<Vec<_>>());
                    app.answered_by_rule(&ids);
                }
                Command::SaveRules(path) => {
                    let now = Instant::now();
                    match crate::policy::write::save_session_rules(
                        running.supervisor.rules(),
                        &path,
                    ) {
                        Ok(n) => app.say(
                            format!(
                                "wrote {n} rule(s) to {}",
                                escape_bytes(path.as_os_str().as_encoded_bytes())
                            ),
                            now,
                        ),
                        Err(e) => app.say(format!("not written: {e}"), now),
                    }
                }
                Command::Hold(id) => {
                    running.supervisor.hold(id);
                }
            }
        }
    }

    stop_input.store(true, Ordering::Relaxed);
    drop(terminal);
    restore_terminal();
    let code = match how {
        QuitHow::Exited => status.unwrap_or(0),
        QuitHow::Kill => {
            kill_tree(running.pid);
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
            let exits = running.exits.clone();
            running.supervisor.stop();
            say(&format!(
                "supervision ended; {} runs on unsupervised (its trapped calls now fail with \
                 ENOSYS). Its terminal is relayed here until it exits.",
                app.config.program
            ));
            relay(&master, &out_rx, &exits, status)?
        }
    };
    guard.armed = false;
    if let (Some(s), Some(path)) = (stats, &opts.stats) {
        s.write(path, app.config.history_cap)
            .map_err(io_err("writing the statistics"))?;
    }
    Ok(code)
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

/// Takes what else is queued, within a budget.
fn take_queued(app: &mut App, events: &Receiver<Event>) {
    let start = Instant::now();
    while start.elapsed() < EVENT_BUDGET {
        match events.try_recv() {
            Ok(ev) => take_event(app, ev),
            Err(_) => break,
        }
    }
}

fn take_event(app: &mut App, ev: Event) {
    // The cwd belongs in the detail of a call that waits for a person;
    // reading it for rule-decided calls would cost for nothing.
    let cwd = match &ev {
        Event::Pending(call) => std::fs::read_link(format!("/proc/{}/cwd", call.notif.pid))
            .ok()
            .map(|p| p.into_os_string().into_encoded_bytes()),
        _ => None,
    };
    app.on_event(ev, cwd, Instant::now());
}

/// After `l`: our terminal talks to the program's pty directly until the
/// program exits.
fn relay(
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
        master.try_clone().map_err(io_err("duplicating the pty"))?,
    ));
    let _ = std::thread::Builder::new()
        .name("unotify-relay-in".into())
        .spawn(move || {
            let mut stdin = io::stdin().lock();
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 || to_program.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
    let mut out = io::stdout().lock();
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
