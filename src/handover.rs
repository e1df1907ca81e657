//! Detach and re-attach: a program launched by the TUI goes on under a
//! small background holder, and a later unotify-tui takes it back.
//!
//! Detach: the TUI answers every call it received, starts
//! `unotify-tui __hold` (a fresh exec, not a fork of the multithreaded
//! TUI) with one end of a socketpair as its stdin, and sends it a
//! [`Handover`] with the listener, the pty master and the session
//! leader's status pipe attached (SCM_RIGHTS). The holder takes a session
//! of its own, answers every call with the rules handed over then the
//! default action, appends to `--log`, drains the pty (into a file, or
//! nowhere), and ends when the listener hangs up: the program's last
//! process is gone. It records itself in a state file
//! ([`state_dir`]`/HOLDER.state`, mode 0600) and listens on
//! `HOLDER.sock` beside it.
//!
//! Re-attach ([`take_over`]), on the holder's socket:
//!
//! 1. client → holder: `attach\n`
//! 2. the holder stops receiving, answers what it received, and sends a
//!    frame: [`Handover`] with the listener, the pty master and the
//!    status pipe attached
//! 3. client → holder: `ok\n`; the holder removes its files and exits.
//!    Without the `ok` (the client died), it goes on holding.
//!
//! A frame is a 4-byte little-endian length, sent with the fds, then that
//! many bytes of JSON.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use crossbeam_channel::select;
use serde::{Deserialize, Serialize};

use crate::errno::Errno;
use crate::model::{Answer, DecidedBy};
use crate::output::sink::{Sink, TraceTo};
use crate::policy::rules::{Origin, Rule, RuleSet, parse_rules};
use crate::policy::write::rule_text;
use crate::session::{Adopted, EVENTS_BOUND, kernel_at_least};
use crate::supervisor::{Decision, Event, Settings, Supervisor};
use crate::sys::fdpass;
use crate::sys::notify::NotifyFd;

/// The session a detach hands to the holder, and the holder to whoever
/// re-attaches.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Handover {
    /// The program's pid.
    pub program: u32,
    /// The session leader that owns the program's terminal session.
    pub leader: Option<u32>,
    /// The program and its arguments, as the TUI shows them (escaped).
    pub label: String,
    /// The trap list the filter was made from (`--trap`).
    pub trap: String,
    /// What calls no rule decides get: `allow`, `deny:ERRNO`, `return:N`.
    pub default_action: String,
    /// The errno a plain deny means (`--errno`).
    pub errno: String,
    /// `--log`, appended to.
    pub log: Option<PathBuf>,
    /// Whether the holder keeps the program's terminal output in a file.
    pub keep_output: bool,
    /// The program's wait status, when it exited before the detach.
    pub exited: Option<i32>,
    /// The rule list in force, in order.
    pub rules: Vec<HandedRule>,
    /// What the fds attached to the frame are, in order: `listener`,
    /// `pty`, `status`.
    pub fds: Vec<String>,
}

/// One rule of the list, with what the rule list shows about it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HandedRule {
    /// The rule as rule-file text (one `[[rule]]` table).
    text: String,
    origin: HandedOrigin,
    /// Where a session rule was saved (`w`).
    written: Option<(String, usize)>,
    enabled: bool,
    hits: u64,
    last_hit_us: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
enum HandedOrigin {
    File {
        file: String,
        line: usize,
    },
    Session {
        made_us: u64,
        from: String,
        save: bool,
    },
}

/// The rules of `set`, in order, ready to hand over.
pub fn handed_rules(set: &RuleSet) -> Vec<HandedRule> {
    set.list()
        .iter()
        .map(|r| {
            let origin = match r.first_origin() {
                Origin::File { file, line } => HandedOrigin::File {
                    file: file.clone(),
                    line: *line,
                },
                Origin::Session { made, from, save } => HandedOrigin::Session {
                    made_us: made
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
                    from: from.clone(),
                    save: *save,
                },
            };
            let written = match r.origin() {
                Origin::File { file, line } if !matches!(origin, HandedOrigin::File { .. }) => {
                    Some((file.clone(), *line))
                }
                _ => None,
            };
            HandedRule {
                text: rule_text(r),
                origin,
                written,
                enabled: r.enabled(),
                hits: r.hit_count(),
                last_hit_us: r.last_hit_us(),
            }
        })
        .collect()
}

/// The rules handed over, as they were: origin, on/off, counters.
pub fn rules_from(handed: &[HandedRule], errno: Errno) -> Result<Vec<Rule>, String> {
    handed
        .iter()
        .map(|h| {
            let parsed = parse_rules(&h.text, "handover", errno).map_err(|e| e.to_string())?;
            let [one] = <[Rule; 1]>::try_from(parsed)
                .map_err(|v| format!("a handed-over rule is {} rules", v.len()))?;
            let origin = match &h.origin {
                HandedOrigin::File { file, line } => Origin::file(file.clone(), *line),
                HandedOrigin::Session {
                    made_us,
                    from,
                    save,
                } => Origin::Session {
                    made: UNIX_EPOCH + Duration::from_micros(*made_us),
                    from: from.clone(),
                    save: *save,
                },
            };
            let rule = Rule::from_parts(one.action, origin, one.conditions().clone());
            rule.set_enabled(h.enabled);
            rule.set_counters(h.hits, h.last_hit_us);
            if let Some((file, line)) = &h.written {
                rule.mark_written(file, *line);
            }
            Ok(rule)
        })
        .collect()
}

/// An answer as [`Answer::parse`] reads it back.
pub fn answer_text(a: Answer) -> String {
    match a {
        Answer::Deny(e) => format!("deny:{}", e.name()),
        Answer::Return(v) => format!("return:{v}"),
        a => a.keyword().to_string(),
    }
}

/// The largest frame accepted: rule lists are small.
const MAX_FRAME: usize = 64 << 20;

fn send_frame(sock: &UnixStream, h: &Handover, fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let body = serde_json::to_vec(h).map_err(io::Error::other)?;
    let head = u32::try_from(body.len())
        .map_err(io::Error::other)?
        .to_le_bytes();
    let n = fdpass::send(sock, &head, fds)?;
    let mut w = sock;
    w.write_all(&head[n..])?;
    w.write_all(&body)
}

fn recv_frame(sock: &UnixStream) -> io::Result<(Handover, Vec<OwnedFd>)> {
    let mut head = [0u8; 4];
    let (n, fds) = fdpass::recv(sock, &mut head)?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let mut r = sock;
    r.read_exact(&mut head[n..])?;
    let len = u32::from_le_bytes(head) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::other(format!("a frame of {len} bytes")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    let h: Handover = serde_json::from_slice(&body).map_err(io::Error::other)?;
    if h.fds.len() != fds.len() {
        return Err(io::Error::other(format!(
            "{} fds announced, {} received",
            h.fds.len(),
            fds.len()
        )));
    }
    Ok((h, fds))
}

/// Takes the fd named `what` out of a received frame.
fn take_fd(h: &Handover, fds: &mut [Option<OwnedFd>], what: &str) -> Option<OwnedFd> {
    let i = h.fds.iter().position(|f| f == what)?;
    fds.get_mut(i)?.take()
}

// ----- the state directory and files

/// What a state file records.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub holder: u32,
    pub program: u32,
    pub socket: PathBuf,
    /// Where the program's terminal output goes while detached.
    pub output: Option<PathBuf>,
}

/// Ours, under $XDG_RUNTIME_DIR, else /run/user/UID when it exists, else
/// /tmp (a directory per user there): created with mode 0700, and refused
/// when someone else owns it or others may write in it.
pub fn state_dir() -> io::Result<PathBuf> {
    let uid = nix::unistd::getuid().as_raw();
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir())
        .or_else(|| Some(PathBuf::from(format!("/run/user/{uid}"))).filter(|p| p.is_dir()));
    let dir = match runtime {
        Some(r) => r.join("unotify-tui"),
        None => PathBuf::from(format!("/tmp/unotify-tui-{uid}")),
    };
    match fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let meta = fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
        return Err(io::Error::other(format!(
            "{} is not a directory of ours that only we can write to",
            dir.display()
        )));
    }
    Ok(dir)
}

fn file_of(dir: &Path, holder: u32, ext: &str) -> PathBuf {
    dir.join(format!("{holder}.{ext}"))
}

/// Writes `bytes` to `path`, mode 0600, through a rename.
fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

/// Every state file there is, with what it says.
fn states(dir: &Path) -> Vec<(PathBuf, State)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "state"))
        .filter_map(|p| {
            let s = serde_json::from_slice(&fs::read(&p).ok()?).ok()?;
            Some((p, s))
        })
        .collect()
}

/// Whether process `pid` exists.
fn alive(pid: u32) -> bool {
    let Ok(p) = i32::try_from(pid) else {
        return false;
    };
    !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(p), None),
        Err(nix::errno::Errno::ESRCH)
    )
}

/// Removes a holder's state file and socket (not its output: that is
/// the person's to read).
fn remove_files(state: &Path, s: &State) {
    let _ = fs::remove_file(&s.socket);
    let _ = fs::remove_file(state);
}

/// The state file naming `pid` as its holder or its program. Those whose
/// holder is gone are removed, each said on stderr.
pub fn find(pid: u32) -> io::Result<Option<(PathBuf, State)>> {
    let dir = state_dir()?;
    for (path, s) in states(&dir) {
        if s.holder != pid && s.program != pid {
            continue;
        }
        if !alive(s.holder) || !s.socket.exists() {
            remove_files(&path, &s);
            let _ = writeln!(
                io::stderr(),
                "unotify-tui: removed {}: its holder (pid {}) is gone",
                path.display(),
                s.holder
            );
            continue;
        }
        return Ok(Some((path, s)));
    }
    Ok(None)
}

// ----- detach: the TUI's side

/// What the holder says once it holds everything.
#[derive(Debug, Serialize, Deserialize)]
pub struct Detached {
    pub holder: u32,
    pub state: PathBuf,
    pub socket: PathBuf,
    pub output: Option<PathBuf>,
}

/// How long the holder may take to say it holds everything.
const HOLDER_START: Duration = Duration::from_secs(10);

/// Starts the holder and hands it the session: `listener` (the calls it
/// received all answered), the pty `master` and the leader's `status`
/// pipe. Returns once the holder holds them.
pub fn detach(
    h: &Handover,
    listener: &OwnedFd,
    master: BorrowedFd<'_>,
    status: Option<BorrowedFd<'_>>,
) -> io::Result<Detached> {
    let (ours, theirs) = UnixStream::pair()?;
    // /proc/self/exe still runs this binary when its file was replaced
    // (a rebuild) since we started.
    let mut cmd = std::process::Command::new("/proc/self/exe");
    std::os::unix::process::CommandExt::arg0(&mut cmd, "unotify-tui");
    // Not waited for: it outlives us, and init (or the nearest subreaper)
    // reaps it.
    let _child = cmd
        .arg("__hold")
        .stdin(OwnedFd::from(theirs))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut h = h.clone();
    let mut fds = vec![listener.as_fd(), master];
    h.fds = vec!["listener".into(), "pty".into()];
    if let Some(s) = status {
        fds.push(s);
        h.fds.push("status".into());
    }
    send_frame(&ours, &h, &fds)?;
    ours.set_read_timeout(Some(HOLDER_START))?;
    let mut line = String::new();
    BufReader::new(&ours).read_line(&mut line)?;
    match line.trim_end().split_once(' ') {
        Some(("ready", json)) => serde_json::from_str(json).map_err(io::Error::other),
        Some(("error", why)) => Err(io::Error::other(why.to_string())),
        _ => Err(io::Error::other("the holder ended before it was ready")),
    }
}

// ----- the holder

/// `unotify-tui __hold`: the holder, with its socketpair end as stdin.
/// Returns its exit status.
pub fn hold_main() -> i32 {
    // Its own session, no terminal: closing the TUI's terminal hangs up
    // nothing here. SIGHUP is blocked anyway (a holder started by hand
    // from a shell).
    let _ = nix::unistd::setsid();
    let mut hup = nix::sys::signal::SigSet::empty();
    hup.add(nix::sys::signal::Signal::SIGHUP);
    let _ = hup.thread_block();
    let sock = match io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => UnixStream::from(fd),
        Err(_) => return 2,
    };
    match hold(&sock) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(&sock, "error {e}");
            1
        }
    }
}

/// The holder's files, removed when it ends.
struct Files {
    state: PathBuf,
    socket: PathBuf,
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.socket);
        let _ = fs::remove_file(&self.state);
    }
}

fn hold(sock: &UnixStream) -> io::Result<i32> {
    let (h, fds) = recv_frame(sock)?;
    let mut fds: Vec<Option<OwnedFd>> = fds.into_iter().map(Some).collect();
    let listener = take_fd(&h, &mut fds, "listener")
        .ok_or_else(|| io::Error::other("no listener handed over"))?;
    let master =
        take_fd(&h, &mut fds, "pty").ok_or_else(|| io::Error::other("no pty handed over"))?;
    let status = take_fd(&h, &mut fds, "status");
    let errno = Errno::parse(&h.errno).map_err(io::Error::other)?;
    let default = Answer::parse(&h.default_action, errno).map_err(io::Error::other)?;
    let rules = Arc::new(RuleSet::new(
        rules_from(&h.rules, errno).map_err(io::Error::other)?,
    ));

    let dir = state_dir()?;
    let me = std::process::id();
    let files = Files {
        state: file_of(&dir, me, "state"),
        socket: file_of(&dir, me, "sock"),
    };
    let _ = fs::remove_file(&files.socket);
    let server = UnixListener::bind(&files.socket)?;
    fs::set_permissions(&files.socket, fs::Permissions::from_mode(0o600))?;
    let output = if h.keep_output {
        Some(file_of(&dir, me, "out"))
    } else {
        None
    };
    let out_file = match &output {
        Some(p) => Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(p)?,
        ),
        None => None,
    };
    let state = State {
        holder: me,
        program: h.program,
        socket: files.socket.clone(),
        output: output.clone(),
    };
    write_private(
        &files.state,
        &serde_json::to_vec(&state).map_err(io::Error::other)?,
    )?;
    let stop_drain = Arc::new(AtomicBool::new(false));
    let drained = drain(master.try_clone()?, out_file, Arc::clone(&stop_drain));
    let requests = accept(server);
    let ready = Detached {
        holder: me,
        state: files.state.clone(),
        socket: files.socket.clone(),
        output,
    };
    writeln!(
        &*sock,
        "ready {}",
        serde_json::to_string(&ready).map_err(io::Error::other)?
    )?;

    // The log: a failure to write it has nobody to be told to.
    let mut sink = Sink::open(TraceTo::Nowhere, h.log.as_deref()).ok();
    let mut listener = listener;
    loop {
        // Unbounded underneath: the supervisor keeps the bound.
        let (etx, events) = crossbeam_channel::unbounded();
        let supervisor = Supervisor::start(
            NotifyFd::new(listener),
            None,
            Settings {
                rules: Arc::clone(&rules),
                fallback: Some(default),
                timeout: None,
                resolve_paths: h.log.is_some(),
                recv_sees_hangup: kernel_at_least(6, 11),
                events_bound: Some(EVENTS_BOUND),
                stack: false,
            },
            etx,
        );
        let mut record = |ev: Event, supervisor: Option<&Supervisor>| -> bool {
            match ev {
                Event::Answered(rec) => {
                    if let Some(s) = sink.as_mut() {
                        let _ = s.record(&rec);
                        let _ = s.flush();
                    }
                    false
                }
                // An `ask` rule: nobody is here to ask.
                Event::Pending(call) => {
                    if let Some(s) = supervisor {
                        s.decide(Decision {
                            call,
                            answer: default,
                            by: DecidedBy::Default,
                        });
                    }
                    false
                }
                Event::ListenerClosed | Event::Failed(_) => true,
            }
        };
        let conn = loop {
            select! {
                recv(events) -> ev => match ev {
                    Ok(ev) => if record(ev, Some(&supervisor)) {
                        // The program's last process is gone; what it
                        // printed last is still to be read from the pty.
                        supervisor.stop();
                        let _ = drained.recv_timeout(Duration::from_secs(2));
                        return Ok(0);
                    },
                    Err(_) => return Ok(0),
                },
                recv(requests) -> conn => match conn {
                    Ok(c) => break c,
                    Err(_) => return Ok(1),
                },
            }
        };
        listener = supervisor.hand_over(default)?;
        for ev in events.try_iter() {
            record(ev, None);
        }
        let mut next = h.clone();
        next.rules = handed_rules(&rules);
        next.exited = None;
        next.fds = vec!["listener".into(), "pty".into()];
        let mut fds = vec![listener.as_fd(), master.as_fd()];
        if let Some(s) = &status {
            fds.push(s.as_fd());
            next.fds.push("status".into());
        }
        if hand_to(&conn, &next, &fds) {
            stop_drain.store(true, Ordering::Relaxed);
            return Ok(0);
        }
        // The new supervisor never took it: go on holding.
    }
}

/// How long a re-attaching client may take to ask and to confirm.
const CLIENT_PATIENCE: Duration = Duration::from_secs(10);

/// Sends the session to `conn` once it asks; whether it confirmed.
fn hand_to(conn: &UnixStream, h: &Handover, fds: &[BorrowedFd<'_>]) -> bool {
    let _ = conn.set_read_timeout(Some(CLIENT_PATIENCE));
    if send_frame(conn, h, fds).is_err() {
        return false;
    }
    let mut line = String::new();
    BufReader::new(conn).read_line(&mut line).is_ok() && line.trim_end() == "ok"
}

/// Accepts connections from the same user that ask `attach`, passed on
/// one at a time.
fn accept(server: UnixListener) -> crossbeam_channel::Receiver<UnixStream> {
    let (tx, rx) = crossbeam_channel::bounded(0);
    let me = nix::unistd::getuid().as_raw();
    let _ = std::thread::Builder::new()
        .name("unotify-hold-accept".into())
        .spawn(move || {
            for conn in server.incoming().flatten() {
                let same_user =
                    nix::sys::socket::getsockopt(&conn, nix::sys::socket::sockopt::PeerCredentials)
                        .is_ok_and(|c| c.uid() == me);
                if !same_user {
                    continue;
                }
                let _ = conn.set_read_timeout(Some(CLIENT_PATIENCE));
                let mut line = String::new();
                if BufReader::new(&conn).read_line(&mut line).is_err()
                    || line.trim_end() != "attach"
                {
                    continue;
                }
                if tx.send(conn).is_err() {
                    return;
                }
            }
        });
    rx
}

/// Reads the program's terminal output so it never blocks on a full pty,
/// into `to` (or nowhere), until `stop` is set or no process has the
/// terminal open any more; the channel closes then.
fn drain(
    master: OwnedFd,
    mut to: Option<File>,
    stop: Arc<AtomicBool>,
) -> crossbeam_channel::Receiver<()> {
    let (done, drained) = crossbeam_channel::bounded::<()>(1);
    let _ = std::thread::Builder::new()
        .name("unotify-hold-drain".into())
        .spawn(move || {
            let _done = done;
            use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
            let mut master = File::from(master);
            let mut buf = vec![0u8; 16384];
            while !stop.load(Ordering::Relaxed) {
                let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(200u16)) {
                    Ok(0) => continue,
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => return,
                }
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                match master.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        if let Some(f) = to.as_mut() {
                            let _ = f.write_all(&buf[..n]);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // EIO: every slave fd is closed, nothing writes to
                    // the terminal any more.
                    Err(_) => return,
                }
            }
        });
    drained
}

// ----- re-attach: the client's side

/// What [`take_over`] got from a holder.
pub struct TakenOver {
    pub adopted: Adopted,
    /// The program's pty master.
    pub master: OwnedFd,
    pub handover: Handover,
    /// The rule list as it was in the holder.
    pub rules: Vec<Rule>,
    pub errno: Errno,
    pub default_action: Answer,
    /// Where the output went while detached.
    pub output: Option<PathBuf>,
}

/// Finds the holder of `pid` (its own pid or the program's), asks it for
/// the session and takes it: `None` when no state file names `pid`.
pub fn take_over(pid: u32) -> Result<Option<TakenOver>, String> {
    let failed = |what: &str| {
        let what = what.to_string();
        move |e: io::Error| format!("re-attaching to {pid}: {what}: {e}")
    };
    let Some((path, state)) = find(pid).map_err(failed("the state directory"))? else {
        return Ok(None);
    };
    let conn = match UnixStream::connect(&state.socket) {
        Ok(c) => c,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ECONNREFUSED | libc::ENOENT)) => {
            // Nobody listens: the holder died and its pid went to someone.
            remove_files(&path, &state);
            let _ = writeln!(
                io::stderr(),
                "unotify-tui: removed {}: its holder (pid {}) is gone",
                path.display(),
                state.holder
            );
            return Ok(None);
        }
        Err(e) => return Err(failed("connecting to the holder")(e)),
    };
    conn.set_read_timeout(Some(CLIENT_PATIENCE))
        .map_err(failed("the holder's socket"))?;
    (&conn)
        .write_all(b"attach\n")
        .map_err(failed("asking the holder"))?;
    let (h, fds) = recv_frame(&conn).map_err(failed("receiving the session"))?;
    let mut fds: Vec<Option<OwnedFd>> = fds.into_iter().map(Some).collect();
    let listener = take_fd(&h, &mut fds, "listener").ok_or("the holder sent no listener")?;
    let master = take_fd(&h, &mut fds, "pty").ok_or("the holder sent no pty")?;
    let status = take_fd(&h, &mut fds, "status");
    let errno = Errno::parse(&h.errno)?;
    let default_action = Answer::parse(&h.default_action, errno)?;
    let rules = rules_from(&h.rules, errno)?;
    (&conn)
        .write_all(b"ok\n")
        .map_err(failed("confirming to the holder"))?;
    Ok(Some(TakenOver {
        adopted: Adopted {
            listener,
            program: h.program,
            leader: h.leader,
            status_pipe: status,
            exited: h.exited,
        },
        master,
        rules,
        errno,
        default_action,
        output: state.output,
        handover: h,
    }))
}

/// Microseconds since the epoch, for tests of the rule round trip.
#[cfg(test)]
fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn rules_survive_the_handover_with_origins_switches_and_counters() {
        let errno = Errno::parse("EPERM").unwrap();
        let mut rules = parse_rules(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"/tmp/**\"\naction = \"deny\"\nerrno = \"EACCES\"\n\n\
             [[rule]]\nsyscall = \"connect\"\nport = [80, \"8000-8080\"]\naction = \"allow\"\n",
            "mine.toml",
            errno,
        )
        .unwrap();
        rules.push(Rule::from_parts(
            crate::policy::rules::RuleAction::Answer(Answer::Return(7)),
            Origin::Session {
                made: UNIX_EPOCH + Duration::from_micros(now_us()),
                from: "[1 x] getpid()".into(),
                save: true,
            },
            parse_rules(
                "[[rule]]\nsyscall = \"getpid\"\naction = \"allow\"",
                "x",
                errno,
            )
            .unwrap()[0]
                .conditions()
                .clone(),
        ));
        let set = RuleSet::new(rules);
        let list = set.list();
        list[1].set_enabled(false);
        list[0].hit(SystemTime::now());
        list[2].mark_written("saved.toml", 12);
        let back = RuleSet::new(rules_from(&handed_rules(&set), errno).unwrap());
        let (a, b) = (set.list(), back.list());
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b.iter()) {
            assert_eq!(rule_text(x), rule_text(y));
            assert_eq!(x.origin(), y.origin());
            assert_eq!(x.first_origin(), y.first_origin());
            assert_eq!(x.enabled(), y.enabled());
            assert_eq!(x.hit_count(), y.hit_count());
            assert_eq!(x.last_hit(), y.last_hit());
            assert_eq!(x.describe(), y.describe());
        }
    }

    #[test]
    fn answers_read_back() {
        let errno = Errno::parse("EPERM").unwrap();
        for a in [
            Answer::Allow,
            Answer::Deny(Errno::parse("ENOENT").unwrap()),
            Answer::Return(-3),
        ] {
            assert_eq!(Answer::parse(&answer_text(a), errno), Ok(a));
        }
    }
}
