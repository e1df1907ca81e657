//! `unotify-tui agent --socket PATH`: the OCI seccomp agent. Container
//! runtimes (runc, crun) connect to PATH, the seccomp profile's
//! `listenerPath`, and hand over each container's listener with its
//! container process state. Every container gets a supervisor of its own,
//! until its last process is gone; rules and --default-action answer the
//! calls, and every trace line and log record names the container.
//!
//! Bad input from a client (malformed JSON, no fd, an fd that is not a
//! listener, silence) costs that connection a one-line message and
//! nothing else. SIGTERM, SIGINT or SIGHUP end the agent; the containers
//! still running then get ENOSYS for their trapped calls (the kernel's
//! answer once the listener is closed), and the agent says which.

mod conn;
mod listen;
pub mod state;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::cli::AgentArgs;
use crate::error::Error;
use crate::escape::escape_bytes;
use crate::model::{Answer, DecidedBy, Record};
use crate::output::sink::{OutputError, Sink, TraceTo};
use crate::policy::rules::RuleSet;
use crate::session::{EVENTS_BOUND, kernel_at_least};
use crate::supervisor::{Decision, Event, Settings, Supervisor};
use crate::sys::notify::{self, NotifyFd};
use crate::sys::proc as sysproc;

/// How long a client has, from its connection, to send the whole state
/// and the fds.
pub const HANDOVER_TIMEOUT: Duration = Duration::from_secs(5);

/// What every connection's thread shares.
struct Agent {
    sink: Mutex<Sink>,
    rules: Arc<RuleSet>,
    fallback: Answer,
    /// The containers being supervised, by connection number: their ids,
    /// escaped for display.
    live: Mutex<BTreeMap<u64, String>>,
}

impl Agent {
    fn sink(&self) -> MutexGuard<'_, Sink> {
        self.sink.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn live(&self) -> MutexGuard<'_, BTreeMap<u64, String>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A message on stderr, after the trace lines written so far (the
    /// trace may be stderr too).
    fn say(&self, msg: &str) {
        let mut sink = self.sink();
        let news = sink.flush();
        // Not eprintln!: stderr may be a pipe nobody reads any more.
        let _ = writeln!(io::stderr(), "unotify-tui: {msg}");
        noted(&news);
    }

    /// One answered call: its trace line and log record.
    fn record(&self, rec: &Record) {
        let mut sink = self.sink();
        let mut news = sink.record(rec);
        news.extend(sink.flush());
        noted(&news);
    }
}

/// An output failed: said at once; the other output goes on.
fn noted(news: &[OutputError]) {
    for e in news {
        let _ = writeln!(io::stderr(), "unotify-tui: {e}");
    }
}

/// Runs the agent until a signal ends it.
pub fn run(args: &AgentArgs) -> Result<i32, Error> {
    let crate::session::Policy {
        default_action: fallback,
        rules,
        ..
    } = crate::session::policy(
        &args.errno,
        &args.default_action,
        &args.rules,
        Vec::new(),
        !args.no_default_rules,
    )?;
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
    let trace = match &args.output {
        Some(p) => TraceTo::File(p.clone()),
        None => TraceTo::Stderr,
    };
    let sink = Sink::open(trace, args.log.as_deref()).map_err(Error::opening)?;
    // Before any thread starts: every thread inherits the mask, so the
    // signals reach only the signal thread.
    let signals = sysproc::block_signals();
    let socket = listen::bind(&args.socket, args.force)?;
    let signals = sysproc::signal_channel(signals);
    let agent = Arc::new(Agent {
        sink: Mutex::new(sink),
        rules: Arc::new(RuleSet::new(rules)),
        fallback,
        live: Mutex::new(BTreeMap::new()),
    });
    agent.say(&format!(
        "agent listening on {} (SIGTERM or Ctrl-C ends it)",
        escape_bytes(socket.path().as_os_str().as_encoded_bytes())
    ));
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
    let (code, why) = crossbeam_channel::select! {
        recv(signals) -> sig => {
            let name = sig.ok().and_then(|s| nix::sys::signal::Signal::try_from(s).ok());
            (0, format!("ended by {}", name.map_or("a signal", |s| s.as_str())))
        },
        recv(failed) -> msg => (1, msg.unwrap_or_else(|_| "the accept thread ended".into())),
    };
    socket.remove();
    end(&agent, &why);
    Ok(code)
}

/// The last words: which containers lose their supervisor now.
fn end(agent: &Agent, why: &str) {
    let live: Vec<String> = agent.live().values().cloned().collect();
    let msg = if live.is_empty() {
        format!("agent {why}; no container was being supervised")
    } else {
        format!(
            "agent {why} while supervising {} container{} ({}): their trapped calls now fail \
             with ENOSYS",
            live.len(),
            if live.len() == 1 { "" } else { "s" },
            live.join(", ")
        )
    };
    // A session thread may be stuck writing to a trace nobody reads: the
    // message goes out without the sink then.
    let until = Instant::now() + Duration::from_secs(1);
    loop {
        match agent.sink.try_lock() {
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
    agent.live().insert(n, id.clone());
    agent.say(&format!(
        "container {id}: supervising{}",
        if about.is_empty() {
            String::new()
        } else {
            format!(" ({})", about.join(", "))
        }
    ));
    // Unbounded underneath: the supervisor keeps the bound (see launch).
    let (etx, events) = crossbeam_channel::unbounded();
    let supervisor = Supervisor::start_in_container(
        NotifyFd::new(handover.listener),
        Settings {
            rules: Arc::clone(&agent.rules),
            fallback: Some(agent.fallback),
            timeout: None,
            resolve_paths: true,
            recv_sees_hangup: kernel_at_least(6, 11),
            events_bound: Some(EVENTS_BOUND),
            stack: false,
        },
        etx,
        Arc::clone(&container),
    );
    let mut calls = 0u64;
    let mut failed = None;
    for ev in &events {
        match ev {
            Event::Answered(rec) => {
                calls += 1;
                agent.record(&rec);
            }
            // An `ask` rule has nobody to ask: the default action answers.
            Event::Pending(call) => {
                supervisor.decide(Decision {
                    call,
                    answer: agent.fallback,
                    by: DecidedBy::Default,
                });
            }
            Event::ListenerClosed => break,
            Event::Failed(msg) => {
                failed = Some(msg);
                break;
            }
        }
    }
    supervisor.stop();
    // Records of answers carried out while the supervisor stopped.
    while let Ok(ev) = events.try_recv() {
        if let Event::Answered(rec) = ev {
            calls += 1;
            agent.record(&rec);
        }
    }
    agent.live().remove(&n);
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
