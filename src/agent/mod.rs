//! `unotify-tui agent --socket PATH`: the OCI seccomp agent. Container
//! runtimes (runc, crun) connect to PATH, the seccomp profile's
//! `listenerPath`, and hand over each container's listener with its
//! container process state. Every container gets a supervisor of its own,
//! until its last process is gone. In the TUI (`crate::tui::run_agent`)
//! rules answer what they decide and the rest waits for a person;
//! headless (`--headless`, or no terminal), rules and --default-action
//! answer every call. Every trace line, log record and row on the screen
//! names the container.
//!
//! Bad input from a client (malformed JSON, no fd, an fd that is not a
//! listener, silence) costs that connection a one-line message and
//! nothing else. SIGTERM, SIGINT or SIGHUP end the agent; the containers
//! still running then get ENOSYS for their trapped calls (the kernel's
//! answer once the listener is closed), and the agent says which.

mod conn;
pub mod containers;
mod listen;
pub mod state;

use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::cli::AgentArgs;
use crate::error::Error;
use crate::escape::escape_bytes;
use crate::model::{Answer, DecidedBy, Record};
use crate::output::sink::{OutputError, Sink, TraceTo};
use crate::policy::rules::RuleSet;
use crate::session::{EVENTS_BOUND, kernel_at_least};
use crate::supervisor::{Decision, Event, ReadRecords, Settings, Supervisor, Timeout};
use crate::sys::notify::{self, NotifyFd, USER_NOTIF_FD_SYNC_WAKE_UP};
use crate::sys::proc as sysproc;

pub use containers::{ContainerInfo, Containers};

/// How long a client has, from its connection, to send the whole state
/// and the fds.
pub const HANDOVER_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the agent's calls and messages go.
enum Outlet {
    /// Trace lines and log records through the sink, messages on stderr.
    Headless(Mutex<Sink>),
    /// The TUI: every event of every container on one queue (its
    /// recorder writes the log), messages for the message line.
    Tui {
        events: Sender<Event>,
        news: Sender<String>,
    },
}

/// What every connection's thread shares.
struct Agent {
    outlet: Outlet,
    containers: Arc<Containers>,
    /// Headless: the answer for calls no rule decides (and `ask` rules).
    fallback: Answer,
    /// The TUI: `--timeout`.
    timeout: Option<Timeout>,
}

impl Agent {
    fn sink(&self) -> Option<MutexGuard<'_, Sink>> {
        match &self.outlet {
            Outlet::Headless(s) => Some(s.lock().unwrap_or_else(|e| e.into_inner())),
            Outlet::Tui { .. } => None,
        }
    }

    /// A message: on stderr after the trace lines written so far (the
    /// trace may be stderr too), or on the TUI's message line (stderr is
    /// the screen there).
    fn say(&self, msg: &str) {
        match &self.outlet {
            Outlet::Tui { news, .. } => {
                let _ = news.send(msg.to_string());
            }
            Outlet::Headless(_) => {
                let mut sink = self.sink().expect("headless");
                let news = sink.flush();
                // Not eprintln!: stderr may be a pipe nobody reads any more.
                let _ = writeln!(io::stderr(), "unotify-tui: {msg}");
                noted(&news);
            }
        }
    }

    /// One answered call: its trace line and log record, or to the TUI.
    /// Headless, the record is handed back once written, for the
    /// supervisor to reuse ([`Supervisor::give_back`]).
    fn record(&self, rec: Box<Record>) -> Option<Box<Record>> {
        match &self.outlet {
            Outlet::Tui { events, .. } => {
                let _ = events.send(Event::Answered(rec));
                None
            }
            Outlet::Headless(_) => {
                let mut sink = self.sink().expect("headless");
                let mut news = sink.record(&rec);
                news.extend(sink.flush());
                noted(&news);
                Some(rec)
            }
        }
    }

    fn tui(&self) -> bool {
        matches!(self.outlet, Outlet::Tui { .. })
    }
}

/// An output failed: said at once; the other output goes on.
fn noted(news: &[OutputError]) {
    for e in news {
        let _ = writeln!(io::stderr(), "unotify-tui: {e}");
    }
}

/// The TUI's side of a running agent.
pub struct ForTui {
    /// Every container's calls, in the order each container's came.
    pub events: Receiver<Event>,
    /// Messages for the message line: a container came or went, a
    /// client sent bad input.
    pub news: Receiver<String>,
}

/// A running agent: the socket, the accept thread, the containers.
pub struct Running {
    agent: Arc<Agent>,
    socket: listen::Socket,
    /// The accept thread stopped for good (the message says why).
    pub failed: Receiver<String>,
    /// With the TUI: where its calls and news come.
    pub tui: Option<ForTui>,
}

impl Running {
    pub fn containers(&self) -> &Arc<Containers> {
        &self.agent.containers
    }

    /// `--timeout` (the TUI).
    pub fn timeout(&self) -> Option<Timeout> {
        self.agent.timeout
    }

    /// The socket's path, escaped.
    pub fn socket_shown(&self) -> String {
        escape_bytes(self.socket.path().as_os_str().as_encoded_bytes())
    }

    /// Stops listening (removes the socket) and returns the last words:
    /// which containers lose their supervisor now. `why`: `ended by
    /// SIGTERM`, `quit`…
    pub fn stop(&self, why: &str) -> String {
        self.socket.remove();
        let live = self.agent.containers.live_ids();
        if live.is_empty() {
            format!("agent {why}; no container was still supervised")
        } else {
            format!(
                "agent {why} while supervising {} container{} ({}): their trapped calls now \
                 fail with ENOSYS",
                live.len(),
                if live.len() == 1 { "" } else { "s" },
                live.join(", ")
            )
        }
    }
}

/// The checks of a kernel that can run the agent at all.
fn check_kernel() -> Result<(), Error> {
    let sizes = notify::notif_sizes().map_err(|e| {
        Error::Kernel(format!(
            "seccomp user notification is not available here (seccomp(2): {e})"
        ))
    })?;
    if !notify::sizes_fit(&sizes) {
        return Err(Error::Kernel(format!(
            "this kernel's seccomp_notif is larger ({} bytes) than unotify-tui knows; refusing \
             to run",
            sizes.notif
        )));
    }
    Ok(())
}

/// Starts the agent: binds the socket and accepts connections on a
/// thread of its own. `tui`: calls no rule decides wait for a person
/// (their events come through [`Running::tui`]); otherwise
/// --default-action answers them and the trace and the log are written
/// here. Block the signals first: every thread inherits the mask.
pub fn start(args: &AgentArgs, tui: bool) -> Result<Running, Error> {
    let crate::session::Policy {
        default_action: fallback,
        rules,
        errno,
    } = crate::session::policy(
        &args.errno,
        &args.default_action,
        &args.rules,
        Vec::new(),
        !args.no_default_rules,
    )?;
    let timeout = crate::session::parse_timeout(
        args.timeout.as_deref(),
        args.timeout_action.as_deref(),
        errno,
    )?;
    if !tui {
        if args.timeout.is_some() {
            return Err(Error::Usage(
                "--timeout: headless, nothing waits (--default-action answers at once); the \
                 timeout is for the TUI"
                    .into(),
            ));
        }
        if args.save_rules.is_some() {
            return Err(Error::Usage(
                "--save-rules: the agent writes rules from the TUI (`w`), not headless".into(),
            ));
        }
    } else if args.output.is_some() {
        return Err(Error::Usage(
            "--output: the TUI shows the calls; a trace file is for --headless (--log keeps \
             every call)"
                .into(),
        ));
    }
    check_kernel()?;
    let (outlet, for_tui) = if tui {
        let (events, erx) = crossbeam_channel::bounded(EVENTS_BOUND);
        let (news, nrx) = crossbeam_channel::unbounded();
        (
            Outlet::Tui { events, news },
            Some(ForTui {
                events: erx,
                news: nrx,
            }),
        )
    } else {
        let trace = match &args.output {
            Some(p) => TraceTo::File(p.clone()),
            None => TraceTo::Stderr,
        };
        let sink = Sink::open(trace, args.log.as_deref()).map_err(Error::opening)?;
        (Outlet::Headless(Mutex::new(sink)), None)
    };
    let socket = listen::bind(&args.socket, args.force)?;
    let agent = Arc::new(Agent {
        outlet,
        containers: Arc::new(Containers::new(Arc::new(RuleSet::new(rules)))),
        fallback,
        timeout,
    });
    let (failed_tx, failed) = crossbeam_channel::bounded::<String>(1);
    let listener = socket
        .listener
        .try_clone()
        .map_err(|e| Error::Kernel(format!("--socket: {e}")))?;
    {
        let agent = Arc::clone(&agent);
        std::thread::Builder::new()
            .name("unotify-accept".into())
            .spawn(move || accept_loop(&agent, &listener, &failed_tx))
            .map_err(|e| Error::Kernel(format!("starting the agent: {e}")))?;
    }
    Ok(Running {
        agent,
        socket,
        failed,
        tui: for_tui,
    })
}

/// Runs the agent headless until a signal ends it. `no_terminal`: it
/// runs headless because there is no terminal, not because --headless
/// said so, and that is said once it has started.
pub fn run(args: &AgentArgs, no_terminal: bool) -> Result<i32, Error> {
    // Before any thread starts: every thread inherits the mask, so the
    // signals reach only the signal thread.
    let signals = sysproc::block_signals();
    let running = start(args, false)?;
    let signals = sysproc::signal_channel(signals);
    if no_terminal {
        running
            .agent
            .say("no terminal: the agent runs headless (--headless to say so)");
    }
    running.agent.say(&format!(
        "agent listening on {} (SIGTERM or Ctrl-C ends it)",
        running.socket_shown()
    ));
    let (code, why) = crossbeam_channel::select! {
        recv(signals) -> sig => {
            let name = sig.ok().and_then(|s| nix::sys::signal::Signal::try_from(s).ok());
            (0, format!("ended by {}", name.map_or("a signal", |s| s.as_str())))
        },
        recv(running.failed) -> msg => (1, msg.unwrap_or_else(|_| "the accept thread ended".into())),
    };
    let msg = running.stop(&why);
    end(&running.agent, &msg);
    Ok(code)
}

/// The last words, after the trace written so far.
fn end(agent: &Agent, msg: &str) {
    // A session thread may be stuck writing to a trace nobody reads: the
    // message goes out without the sink then.
    if let Outlet::Headless(sink) = &agent.outlet {
        let until = Instant::now() + Duration::from_secs(1);
        loop {
            match sink.try_lock() {
                Ok(mut sink) => {
                    let news = sink.flush();
                    noted(&news);
                    break;
                }
                Err(std::sync::TryLockError::Poisoned(_)) => break,
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(std::sync::TryLockError::WouldBlock) => break,
            }
        }
    }
    let _ = writeln!(io::stderr(), "unotify-tui: {msg}");
}

/// Takes connections for ever, each on a thread of its own.
fn accept_loop(
    agent: &Arc<Agent>,
    listener: &std::os::unix::net::UnixListener,
    failed: &crossbeam_channel::Sender<String>,
) {
    let numbers = AtomicU64::new(1);
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                let n = numbers.fetch_add(1, Ordering::Relaxed);
                let a = Arc::clone(agent);
                let spawned = std::thread::Builder::new()
                    .name("unotify-conn".into())
                    .spawn(move || session(&a, n, &stream));
                if let Err(e) = spawned {
                    agent.say(&format!("connection {n}: no thread for it ({e}); closed"));
                }
            }
            // A client that left before we took it, or a passing shortage:
            // the next connection may fare better.
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(
                        libc::EINTR
                            | libc::ECONNABORTED
                            | libc::EMFILE
                            | libc::ENFILE
                            | libc::ENOBUFS
                            | libc::ENOMEM
                    )
                ) =>
            {
                if !matches!(e.raw_os_error(), Some(libc::EINTR | libc::ECONNABORTED)) {
                    agent.say(&format!("accepting a connection: {e}"));
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            Err(e) => {
                let _ = failed.send(format!("stopped: accepting a connection failed: {e}"));
                return;
            }
        }
    }
}

/// Who is at the other end, for messages about a connection.
fn peer(stream: &UnixStream) -> String {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    match getsockopt(stream, PeerCredentials) {
        Ok(c) => format!(" (from pid {})", c.pid()),
        Err(_) => String::new(),
    }
}

/// One connection: the handover, then the container's supervisor until
/// its last process is gone.
fn session(agent: &Agent, n: u64, stream: &UnixStream) {
    let handover = match conn::read_handover(stream, Instant::now() + HANDOVER_TIMEOUT) {
        Ok(h) => h,
        Err(msg) => {
            agent.say(&format!("connection {n}{}: {msg}; ignored", peer(stream)));
            return;
        }
    };
    let st = handover.state;
    let container = Arc::new(st.container);
    let id = escape_bytes(container.id.as_bytes());
    let listener = NotifyFd::new(handover.listener);
    // The container's thread is woken on the CPU that answers it (Linux
    // 6.6); older kernels refuse the flag, and nothing else changes.
    let sync_wakeup =
        kernel_at_least(6, 6) && listener.set_flags(USER_NOTIF_FD_SYNC_WAKE_UP).is_ok();
    let mut about = Vec::new();
    if let Some(pid) = st.pid {
        about.push(format!("pid {pid}"));
    }
    if let Some(b) = &st.bundle {
        about.push(format!("bundle {}", escape_bytes(b.as_bytes())));
    }
    if let Some(m) = &container.metadata {
        about.push(format!("metadata {}", escape_bytes(m.as_bytes())));
    }
    if sync_wakeup {
        about.push("sync wake-up".into());
    }
    // Unbounded underneath: the supervisor keeps the bound (see launch).
    let (etx, events) = crossbeam_channel::unbounded();
    let tui = agent.tui();
    let supervisor = Supervisor::start_in_container(
        listener,
        Settings {
            rules: Arc::clone(agent.containers.rules()),
            // The TUI asks the person; headless, the default answers.
            fallback: (!tui).then_some(agent.fallback),
            timeout: agent.timeout.filter(|_| tui),
            resolve_paths: true,
            recv_sees_hangup: kernel_at_least(6, 11),
            events_bound: Some(EVENTS_BOUND),
            stack: false,
        },
        etx,
        Arc::clone(&container),
    );
    agent.containers.add(
        ContainerInfo {
            number: n,
            container: Arc::clone(&container),
            pid: st.pid,
            calls: 0,
            live: true,
            sync_wakeup,
        },
        supervisor,
    );
    agent.say(&format!(
        "container {id}: supervising{}",
        if about.is_empty() {
            String::new()
        } else {
            format!(" ({})", about.join(", "))
        }
    ));
    let mut calls = 0u64;
    let mut failed = None;
    let mut read = ReadRecords::default();
    for ev in &events {
        match ev {
            Event::Answered(rec) => {
                calls += 1;
                agent.containers.count_call(n);
                if let Some(batch) = agent.record(rec).and_then(|r| read.keep(r)) {
                    agent.containers.with_supervisor(n, |s| s.give_back(batch));
                }
            }
            Event::Pending(call) => match &agent.outlet {
                Outlet::Tui { events, .. } => {
                    let _ = events.send(Event::Pending(call));
                }
                // An `ask` rule has nobody to ask: the default action answers.
                Outlet::Headless(_) => {
                    agent.containers.with_supervisor(n, |s| {
                        s.decide(Decision {
                            call,
                            answer: agent.fallback,
                            by: DecidedBy::Default,
                        })
                    });
                }
            },
            Event::ListenerClosed => break,
            Event::Failed(msg) => {
                failed = Some(msg);
                break;
            }
        }
    }
    if let Some(s) = agent.containers.end(n) {
        s.stop();
    }
    // Records of answers carried out while the supervisor stopped.
    while let Ok(ev) = events.try_recv() {
        if let Event::Answered(rec) = ev {
            calls += 1;
            agent.containers.count_call(n);
            agent.record(rec);
        }
    }
    let calls = format!("{calls} call{}", if calls == 1 { "" } else { "s" });
    match failed {
        Some(msg) => agent.say(&format!(
            "container {id}: {msg}; no longer supervised after {calls} (its trapped calls now \
             fail with ENOSYS)"
        )),
        None => agent.say(&format!(
            "container {id}: done, its last process is gone ({calls})"
        )),
    }
}
