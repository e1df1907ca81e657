//! `unotify-tui agent`: the OCI seccomp agent, against real runc
//! containers and against a runtime stand-in (the test program hands its
//! own listener over, as runc does, or the test sends bad input).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{BIN, PROG, is_root, require, tempdir};

/// Generous: the machine running the tests may be very busy.
const DEADLINE: Duration = Duration::from_secs(60);

/// Text a child writes, collected as it comes, and whether the stream
/// has ended.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<String>>, Arc<std::sync::atomic::AtomicBool>);

impl Collected {
    fn from(stream: impl std::io::Read + Send + 'static) -> Collected {
        let c = Collected::default();
        let (text, ended) = (Arc::clone(&c.0), Arc::clone(&c.1));
        std::thread::spawn(move || {
            let mut r = BufReader::new(stream);
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) {
                text.lock().unwrap().push_str(&line);
                line.clear();
            }
            ended.store(true, std::sync::atomic::Ordering::Release);
        });
        c
    }

    /// All the text, once the stream has ended.
    fn whole(&self) -> String {
        let until = Instant::now() + DEADLINE;
        while !self.1.load(std::sync::atomic::Ordering::Acquire) {
            assert!(Instant::now() < until, "the stream never ended");
            std::thread::sleep(Duration::from_millis(5));
        }
        self.text()
    }

    fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    /// Waits until the text holds `needle` `times` times.
    fn wait_for_n(&self, needle: &str, times: usize, what: &str) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let t = self.text();
            if t.matches(needle).count() >= times {
                return t;
            }
            assert!(
                Instant::now() < until,
                "{what}: no {needle:?} (x{times}) in time; so far:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&self, needle: &str, what: &str) -> String {
        self.wait_for_n(needle, 1, what)
    }
}

/// A running agent with its trace and log in a directory.
struct Agent {
    child: Child,
    socket: PathBuf,
    trace: PathBuf,
    log: PathBuf,
    stderr: Collected,
}

impl Agent {
    /// Starts `unotify-tui agent` on DIR/agent.sock with `opts`, and waits
    /// until it listens.
    fn start(dir: &Path, opts: &[&str]) -> Agent {
        let socket = dir.join("agent.sock");
        let trace = dir.join("trace.txt");
        let log = dir.join("log.jsonl");
        let mut child = Command::new(BIN)
            .arg("agent")
            .arg("--headless")
            .arg("--socket")
            .arg(&socket)
            .arg("--output")
            .arg(&trace)
            .arg("--log")
            .arg(&log)
            .args(opts)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting the agent");
        let stderr = Collected::from(child.stderr.take().unwrap());
        let agent = Agent {
            child,
            socket,
            trace,
            log,
            stderr,
        };
        agent
            .stderr
            .wait_for("agent listening on", "the agent starting");
        agent
    }

    fn trace(&self) -> String {
        std::fs::read_to_string(&self.trace).unwrap_or_default()
    }

    fn log(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("every log line is JSON"))
            .collect()
    }

    /// Waits until the trace has a line holding `needle`.
    fn wait_trace(&self, needle: &str) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let t = self.trace();
            if t.contains(needle) {
                return t;
            }
            assert!(
                Instant::now() < until,
                "no {needle:?} in the trace; trace:\n{t}\nstderr:\n{}",
                self.stderr.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `sig` and waits for the agent's exit status.
    fn end(&mut self, sig: i32) -> i32 {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::try_from(sig).unwrap());
        let until = Instant::now() + DEADLINE;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            assert!(Instant::now() < until, "the agent did not end after {sig}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The test program as a runtime stand-in and container in one:
/// `oci-client SOCKET ID PATH [PATH2]`.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Collected,
}

impl Client {
    fn start(socket: &Path, id: &str, path: &Path, then: Option<&Path>) -> Client {
        let mut cmd = Command::new(*PROG);
        cmd.arg("oci-client").arg(socket).arg(id).arg(path);
        if let Some(p) = then {
            cmd.arg(p);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the test program");
        let stdin = child.stdin.take();
        let stdout = Collected::from(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
        }
    }

    /// Lets a client with PATH2 go on to its second mkdir.
    fn release(&mut self) {
        let mut stdin = self.stdin.take().expect("released once");
        stdin.write_all(b"go\n").unwrap();
    }

    fn finish(mut self) -> String {
        drop(self.stdin.take());
        let until = Instant::now() + DEADLINE;
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < until,
                "the client did not finish; it said:\n{}",
                self.stdout.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stdout.whole()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_containers_at_once_each_named_and_selected_by_rules() {
    let dir = tempdir();
    let d = dir.path();
    let rules = common::write_rules(
        d,
        &format!(
            "[[rule]]\ncontainer = \"box-b*\"\npath = \"{}/**\"\naction = \"deny\"\n",
            d.display()
        ),
    );
    let agent = Agent::start(d, &["--rules", rules.to_str().unwrap()]);
    // A stays supervised (its first mkdir answered, the second waiting
    // for the test) while B comes and goes: connections are served at
    // the same time, not one after the other.
    let mut a = Client::start(&agent.socket, "box-a", &d.join("a"), Some(&d.join("a2")));
    let a_pid = a.child.id();
    a.stdout.wait_for("waiting", "container A's first mkdir");
    let b = Client::start(&agent.socket, "box-b1", &d.join("b"), None);
    let b_pid = b.child.id();
    let b_out = b.finish();
    assert!(b_out.contains("mkdir: err EPERM"), "{b_out}");
    assert!(!d.join("b").exists());
    a.release();
    let a_out = a.finish();
    assert_eq!(a_out.matches("mkdir: ok 0").count(), 2, "{a_out}");
    assert!(d.join("a").is_dir() && d.join("a2").is_dir());

    agent
        .stderr
        .wait_for_n("done, its last process is gone", 2, "both sessions ending");
    let trace = agent.trace();
    let a_line = format!("[box-a] [{a_pid} ");
    assert_eq!(trace.matches(&a_line).count(), 2, "{trace}");
    assert!(trace.contains(&format!("[box-b1] [{b_pid} ")), "{trace}");
    let b_line = trace.lines().find(|l| l.starts_with("[box-b1] ")).unwrap();
    assert!(b_line.contains("deny = -1 EPERM"), "{b_line}");
    assert!(
        b_line.contains("(rule 1, ") && b_line.ends_with("rules.toml:1)"),
        "{b_line}"
    );
    let log = agent.log();
    let of = |id: &str| -> Vec<&serde_json::Value> {
        log.iter().filter(|r| r["container"]["id"] == id).collect()
    };
    assert_eq!(of("box-a").len(), 2, "{log:?}");
    assert_eq!(of("box-b1").len(), 1, "{log:?}");
    assert_eq!(of("box-a")[0]["container"]["metadata"], "meta-box-a");
    assert_eq!(of("box-b1")[0]["answer"]["action"], "deny");
    assert_eq!(log.len(), 3, "every record names its container: {log:?}");
    let err = agent.stderr.text();
    assert!(
        err.contains("container box-a: supervising (pid")
            && err.contains("bundle /bundle/box-a, metadata meta-box-a"),
        "{err}"
    );
    // Each listener gets SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP where the
    // kernel has it (6.6), as a launch's does.
    if kernel_at_least(6, 6) {
        assert!(
            err.contains("metadata meta-box-a, sync wake-up)")
                && err.contains("metadata meta-box-b1, sync wake-up)"),
            "{err}"
        );
    }
}

/// Whether the running kernel is at least `major.minor`.
fn kernel_at_least(major: u32, minor: u32) -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (major, minor)
}

#[test]
fn without_a_terminal_the_agent_runs_headless_and_says_so() {
    let dir = tempdir();
    let d = dir.path();
    let socket = d.join("agent.sock");
    // setsid: a new session with no controlling terminal, so /dev/tty
    // does not open, whatever terminal the test suite runs in.
    let mut child = Command::new("setsid")
        .args(["-w", BIN, "agent", "--output"])
        .arg(d.join("trace.txt"))
        .arg("--socket")
        .arg(&socket)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("setsid (util-linux)");
    let err = Collected::from(child.stderr.take().unwrap());
    err.wait_for("agent listening on", "the agent starting");
    assert!(
        err.text().starts_with(
            "unotify-tui: no terminal: the agent runs headless (--headless to say so)\n"
        ),
        "{}",
        err.text()
    );
    let c = Client::start(&socket, "no-tty", &d.join("x"), None);
    assert!(c.finish().contains("mkdir: ok 0"));
    assert!(d.join("x").is_dir());
    let _ = child.kill();
    let _ = child.wait();
}

/// Connects to the agent and sends `bytes` with `fds`.
fn send_raw(socket: &Path, bytes: &[u8], fds: &[i32]) -> UnixStream {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let s = UnixStream::connect(socket).expect("connecting to the agent");
    let cmsg = [ControlMessage::ScmRights(fds)];
    sendmsg::<()>(
        s.as_raw_fd(),
        &[std::io::IoSlice::new(bytes)],
        if fds.is_empty() { &[] } else { &cmsg },
        MsgFlags::empty(),
        None,
    )
    .expect("sendmsg");
    s
}

const STATE: &str = r#"{"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":1,"metadata":"",
    "state":{"ociVersion":"1.0.2-dev","id":"bad","status":"creating","pid":1,"bundle":"/b"}}"#;

/// Waits until the peer (the agent) closes the connection.
fn wait_closed(s: &mut UnixStream, what: &str) {
    use std::io::Read;
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut b = [0u8; 16];
    match s.read(&mut b) {
        Ok(0) => {}
        other => panic!("{what}: the agent did not close the connection: {other:?}"),
    }
}

#[test]
fn bad_input_costs_one_line_and_the_agent_goes_on() {
    let dir = tempdir();
    let d = dir.path();
    let agent = Agent::start(d, &[]);
    let (pipe_r, _pipe_w) = nix::unistd::pipe().unwrap();
    let fd = pipe_r.as_raw_fd();

    let mut s = send_raw(&agent.socket, b"{\"fds\": [\"seccompFd\"], oops}", &[fd]);
    agent.stderr.wait_for("malformed JSON", "bad JSON");
    wait_closed(&mut s, "bad JSON");

    let s = send_raw(&agent.socket, b"{\"fds\": [\"secc", &[fd]);
    drop(s);
    agent
        .stderr
        .wait_for("closed in the middle of it", "JSON cut short");

    let mut s = send_raw(&agent.socket, STATE.as_bytes(), &[]);
    agent.stderr.wait_for("no fd came with the state", "no fd");
    wait_closed(&mut s, "no fd");

    let mut s = send_raw(&agent.socket, STATE.as_bytes(), &[fd]);
    agent.stderr.wait_for(
        "the fd named \"seccompFd\" is not a seccomp listener (it is pipe:[",
        "a pipe for a listener",
    );
    wait_closed(&mut s, "not a listener");

    // A client that sends nothing is given up after 5 s.
    let started = Instant::now();
    let mut silent = UnixStream::connect(&agent.socket).unwrap();
    let err = agent
        .stderr
        .wait_for("sent nothing within 5 s", "a silent client");
    wait_closed(&mut silent, "silent client");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(4500),
        "given up after {waited:?}"
    );
    // Each is one line naming the connection and its peer.
    let line = err
        .lines()
        .find(|l| l.contains("sent nothing"))
        .unwrap()
        .to_string();
    assert!(
        line.starts_with("unotify-tui: connection 5 (from pid ") && line.ends_with("; ignored"),
        "{line}"
    );
    assert_eq!(err.matches("; ignored").count(), 5, "{err}");

    // And the agent still serves containers.
    let c = Client::start(&agent.socket, "good", &d.join("x"), None);
    let out = c.finish();
    assert!(out.contains("mkdir: ok 0"), "{out}");
    agent.wait_trace("[good] [");
    assert!(d.join("x").is_dir());
}

#[test]
fn a_signal_ends_the_agent_and_running_containers_get_enosys() {
    let dir = tempdir();
    let d = dir.path();
    let mut agent = Agent::start(d, &[]);
    let mut c = Client::start(&agent.socket, "left", &d.join("c"), Some(&d.join("c2")));
    c.stdout.wait_for("waiting", "the first mkdir");
    assert!(c.stdout.text().contains("mkdir: ok 0"));
    assert_eq!(agent.end(libc::SIGTERM), 0);
    let err = agent.stderr.text();
    assert!(
        err.contains(
            "agent ended by SIGTERM while supervising 1 container (left): their trapped calls \
             now fail with ENOSYS"
        ),
        "{err}"
    );
    assert!(!agent.socket.exists(), "the socket is removed at the end");
    c.release();
    let out = c.finish();
    assert!(out.contains("mkdir: err ENOSYS"), "{out}");
    assert!(!d.join("c2").exists());
}

#[test]
fn a_socket_in_use_is_refused_and_a_stale_one_replaced_only_with_force() {
    let dir = tempdir();
    let d = dir.path();
    let run = |opts: &[&str]| {
        let out = Command::new(BIN)
            .arg("agent")
            .arg("--socket")
            .arg(d.join("agent.sock"))
            .args(opts)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let mut agent = Agent::start(d, &[]);
    for force in [&[][..], &["--force"][..]] {
        let (code, err) = run(force);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("is in use: something listens on it already"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // The first agent is unharmed.
    let c = Client::start(&agent.socket, "still", &d.join("s"), None);
    assert!(c.finish().contains("mkdir: ok 0"));
    assert_eq!(agent.end(libc::SIGINT), 0);
    assert!(agent.stderr.text().contains("agent ended by SIGINT"));

    // A socket nobody listens on: what a killed agent leaves.
    drop(std::os::unix::net::UnixListener::bind(&agent.socket).unwrap());
    let (code, err) = run(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is a stale socket (nobody listens on it); --force replaces it"),
        "{err}"
    );
    let agent = Agent::start(d, &["--force"]);
    let c = Client::start(&agent.socket, "forced", &d.join("f"), None);
    assert!(c.finish().contains("mkdir: ok 0"));
    drop(agent);

    // Anything else is never replaced.
    let file = d.join("file");
    std::fs::write(&file, "keep").unwrap();
    let out = Command::new(BIN)
        .args(["agent", "--force", "--socket"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists and is not a socket"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep");
}

// ---- runc ----

/// Whether `path` is a statically linked ELF (no PT_INTERP): it runs in a
/// rootfs with nothing else in it.
fn is_static_elf(path: &Path) -> bool {
    let Ok(b) = std::fs::read(path) else {
        return false;
    };
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 {
        return false;
    }
    let u16_at = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(b[0x20..0x28].try_into().unwrap()) as usize;
    let (size, n) = (u16_at(0x36), u16_at(0x38));
    (0..n).all(|i| {
        let o = phoff + i * size;
        b.get(o..o + 4)
            .is_some_and(|t| u32::from_le_bytes(t.try_into().unwrap()) != 3)
    })
}

fn have_user_notif() -> bool {
    std::fs::read_to_string("/proc/sys/kernel/seccomp/actions_avail")
        .is_ok_and(|s| s.split_whitespace().any(|a| a == "user_notif"))
}

/// Whether runc can run here: present, run as root, and a kernel with
/// user notification. Says what is missing through `require`.
fn runc_ready() -> bool {
    // Only the kernel may skip this test outside CI's rules: the rest is
    // installed by .ci/run.
    if !have_user_notif() {
        let _ = writeln!(
            std::io::stdout().lock(),
            "SKIPPED: this kernel has no seccomp user notification"
        );
        return false;
    }
    let runc = Command::new("runc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    require(runc, "runc (Debian package runc)")
        && require(
            is_static_elf(Path::new("/bin/busybox")),
            "a static /bin/busybox (Debian package busybox-static)",
        )
        && require(is_root(), "root, to run runc")
}

/// A runc bundle: a busybox rootfs, `sh -c SCRIPT` as the process, a
/// tmpfs at /tmp, and mkdir/mkdirat sent to the agent at `socket`.
fn bundle(dir: &Path, socket: &Path, script: &str) -> PathBuf {
    let seccomp = serde_json::json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}],
        "listenerPath": socket,
        "listenerMetadata": "from-the-test",
    });
    bundle_with(dir, script, seccomp)
}

/// [`bundle`] with `seccomp` as its `linux.seccomp`.
fn bundle_with(dir: &Path, script: &str, seccomp: serde_json::Value) -> PathBuf {
    let b = dir.join("bundle");
    let bin = b.join("rootfs/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy("/bin/busybox", bin.join("busybox")).unwrap();
    for tool in ["sh", "mkdir", "echo", "cat"] {
        std::os::unix::fs::symlink("busybox", bin.join(tool)).unwrap();
    }
    let st = Command::new("runc")
        .arg("spec")
        .current_dir(&b)
        .status()
        .unwrap();
    assert!(st.success(), "runc spec");
    let path = b.join("config.json");
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    c["process"]["terminal"] = false.into();
    c["process"]["args"] = serde_json::json!(["sh", "-c", script]);
    c["mounts"].as_array_mut().unwrap().push(serde_json::json!({
        "destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
        "options": ["nosuid", "nodev", "mode=1777"]
    }));
    c["linux"]["seccomp"] = seccomp;
    std::fs::write(&path, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    b
}

/// `runc run -b BUNDLE ID`: its exit code and what the container wrote.
fn runc_run(bundle: &Path, id: &str) -> (i32, String, String) {
    let out = Command::new("runc")
        .arg("run")
        .arg("-b")
        .arg(bundle)
        .arg(id)
        .stdin(Stdio::null())
        .output()
        .expect("running runc");
    // A container that failed half-way is not left behind.
    let _ = Command::new("runc")
        .args(["delete", "--force", id])
        .output();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn runc_containers_are_decided_by_id_in_their_own_view() {
    if !runc_ready() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let rules = common::write_rules(
        d,
        "[[rule]]\ncontainer = \"unotify-deny-*\"\npath = \"/tmp/x\"\naction = \"deny\"\n",
    );
    let agent = Agent::start(d, &["--rules", rules.to_str().unwrap()]);
    // The second mkdir is relative: its real path is found in the
    // container's view (cwd /tmp in its own mount namespace).
    let b = bundle(
        d,
        &agent.socket,
        "mkdir /tmp/x; echo rc=$?; cd /tmp && mkdir x; echo rc2=$?",
    );
    let n = std::process::id();
    let denied = format!("unotify-deny-{n}");
    let (code, out, err) = runc_run(&b, &denied);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=1") && out.contains("rc2=1"), "{out}{err}");
    assert!(
        err.contains("mkdir: can't create directory '/tmp/x': Operation not permitted")
            && err.contains("mkdir: can't create directory 'x': Operation not permitted"),
        "{err}"
    );
    let allowed = format!("unotify-ok-{n}");
    let (code, out, err) = runc_run(&b, &allowed);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=0") && out.contains("rc2=1"), "{out}{err}");
    assert!(
        err.contains("File exists"),
        "the second mkdir finds the first's: {err}"
    );

    agent
        .stderr
        .wait_for_n("done, its last process is gone", 2, "both containers");
    let trace = agent.trace();
    let lines = |id: &str| -> Vec<&str> {
        trace
            .lines()
            .filter(|l| l.starts_with(&format!("[{id}] [")))
            .collect()
    };
    let d_lines = lines(&denied);
    assert_eq!(d_lines.len(), 2, "{trace}");
    assert!(
        d_lines[0].contains("mkdir(\"/tmp/x\", 0777) → deny = -1 EPERM"),
        "{trace}"
    );
    // The path as the container sees it, not where its /tmp is on the host.
    assert!(
        d_lines[1].contains("mkdir(\"x\"</tmp/x>, 0777) → deny"),
        "{trace}"
    );
    assert_eq!(lines(&allowed).len(), 2, "{trace}");
    assert!(
        lines(&allowed).iter().all(|l| l.contains("→ allow")),
        "{trace}"
    );
    let log = agent.log();
    let denied_log: Vec<_> = log
        .iter()
        .filter(|r| r["container"]["id"] == denied.as_str())
        .collect();
    assert_eq!(denied_log.len(), 2, "{log:?}");
    assert_eq!(denied_log[1]["decoded"][0]["real"], "/tmp/x");
    assert_eq!(denied_log[0]["container"]["metadata"], "from-the-test");
    assert_eq!(log.len(), 4, "{log:?}");
}

#[test]
fn a_learned_policy_exported_runs_under_runc_with_the_agent_deciding() {
    if !runc_ready() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    // Learn what a busybox script does with directories on the host: the
    // directory it makes and removes again is learned as `/tmp/*`.
    let learned = d.join("learned.toml");
    let name = format!("/tmp/unotify-learn-{}", std::process::id());
    let out = Command::new(BIN)
        .args([
            "--headless",
            "--trap",
            "mkdir,mkdirat,rmdir",
            "--save-rules",
        ])
        .arg(&learned)
        .args(["--", "/bin/busybox", "sh", "-c"])
        .arg(format!("mkdir {name} && rmdir {name}"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rules = std::fs::read_to_string(&learned).unwrap();
    assert!(rules.contains("\"/tmp/*\""), "{rules}");
    let socket = d.join("agent.sock");
    let out = Command::new(BIN)
        .args([
            "rules",
            "export",
            "--format",
            "oci",
            "--trap",
            "mkdir,mkdirat,rmdir",
        ])
        .args(["--default-action", "deny", "--socket"])
        .arg(&socket)
        .arg(&learned)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let profile: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let agent = Agent::start(
        d,
        &[
            "--rules",
            learned.to_str().unwrap(),
            "--default-action",
            "deny",
        ],
    );
    // What was learned runs (decided by the agent: a path rule); a
    // directory one level deeper was never seen, and is refused.
    let b = bundle_with(
        d,
        "mkdir /tmp/ok; echo rc=$?; mkdir /tmp/ok/no; echo rc2=$?",
        profile,
    );
    let id = format!("unotify-learned-{}", std::process::id());
    let (code, out, err) = runc_run(&b, &id);
    assert_eq!(code, 0, "the container starts: {out}{err}");
    assert!(out.contains("rc=0") && out.contains("rc2=1"), "{out}{err}");
    assert!(
        err.contains("mkdir: can't create directory '/tmp/ok/no': Operation not permitted"),
        "{err}"
    );
    agent
        .stderr
        .wait_for("done, its last process is gone", "the container ending");
    let trace = agent.trace();
    let lines: Vec<&str> = trace
        .lines()
        .filter(|l| l.starts_with(&format!("[{id}] [")))
        .collect();
    assert_eq!(lines.len(), 2, "{trace}");
    assert!(
        lines[0].contains("mkdir(\"/tmp/ok\", 0777) → allow") && lines[0].contains("learned.toml:"),
        "{trace}"
    );
    assert!(
        lines[1].contains("mkdir(\"/tmp/ok/no\", 0777) → deny = -1 EPERM")
            && lines[1].ends_with("(default)"),
        "{trace}"
    );
}

// ---- the agent's TUI (tmux) ----

fn tmux_ready() -> bool {
    require(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tmux (Debian package tmux)",
    )
}

/// `runc run` on a thread of its own: the container waits for the person
/// at the TUI. Joined, it gives runc's exit code and the container's own
/// stdout and stderr.
fn runc_in_background(bundle: &Path, id: &str) -> std::thread::JoinHandle<(i32, String, String)> {
    let (b, id) = (bundle.to_path_buf(), id.to_string());
    std::thread::spawn(move || runc_run(&b, &id))
}

/// Lines of `screen` holding `a` and `b`.
fn lines_with(screen: &str, a: &str, b: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.contains(a) && l.contains(b))
        .count()
}

#[test]
fn the_agent_tui_asks_for_each_containers_calls_and_filters_by_container() {
    if !runc_ready() || !tmux_ready() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let socket = d.join("agent.sock");
    let log = d.join("log.jsonl");
    let t = Tmux::start_sized(
        d,
        (100, 30),
        &[
            "agent",
            "--socket",
            socket.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
    );
    t.wait_for("no container yet; listening on");
    let b = bundle(d, &socket, "mkdir /tmp/x; echo rc=$?");
    let n = std::process::id();
    let (ua, ub, uc) = (format!("ua-{n}"), format!("ub-{n}"), format!("uc-{n}"));
    // A pending row has room for the path, history for the whole call.
    let (path, mkdir) = ("\"/tmp/x\"", "mkdir(\"/tmp/x\"");

    // The first container's mkdir waits, its row naming the container;
    // d denies it.
    let first = runc_in_background(&b, &ua);
    // Said on the message line, just above the status line (stderr is
    // the screen: written there, it would land anywhere).
    let said = format!("container {ua}: supervising (pid");
    let screen = t.wait_for(&said);
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines.iter().position(|l| l.contains(&said)).unwrap();
    assert!(
        lines[at].starts_with(&format!(" {said}"))
            && lines.get(at + 1).is_some_and(|l| l.contains(" pending ")),
        "{screen}"
    );
    t.wait_until("ua's pending mkdir", |s| {
        s.contains("Pending (1)") && lines_with(s, &ua, path) == 1
    });
    t.keys(&["d"]);
    let (code, out, err) = first.join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=1"), "{out}{err}");
    assert!(
        err.contains("can't create directory '/tmp/x': Operation not permitted"),
        "{err}"
    );

    // The second container's call: a allows it.
    let second = runc_in_background(&b, &ub);
    t.wait_until("ub's pending mkdir", |s| {
        s.contains("Pending (1)") && lines_with(s, &ub, path) == 1
    });
    t.keys(&["a"]);
    let (code, out, err) = second.join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=0"), "{out}{err}");
    // Both in history, and both containers listed (ended).
    let screen = t.wait_until("both in history and ended", |s| {
        lines_with(s, &ua, "→ deny") == 1
            && lines_with(s, &ub, "→ allow") == 1
            && lines_with(s, &ua, "ended") == 1
            && lines_with(s, &ub, "ended") == 1
    });
    assert!(screen.contains("Containers (0 live of 2)"), "{screen}");

    // C: only the first container's calls.
    // The title is drawn before the rows: both are waited for.
    t.keys(&["C"]);
    t.wait_until("only the first container's calls", |s| {
        s.contains(&format!("History: only `container {ua}`"))
            && lines_with(s, &ua, "→ deny") == 1
            && lines_with(s, mkdir, "→ allow") == 0
    });
    // A third container's call while the filter shows the first: it waits
    // unseen in the pending list, and is counted.
    let third = runc_in_background(&b, &uc);
    t.wait_for(&format!("Pending (0 of 1: only `container {ua}`)"));
    // C again: the second container, then the third, with its call.
    t.keys(&["C"]);
    t.wait_until("only the second container's calls", |s| {
        s.contains(&format!("History: only `container {ub}`"))
            && lines_with(s, &ub, "→ allow") == 1
            && lines_with(s, mkdir, "→ deny") == 0
    });
    t.keys(&["C"]);
    t.wait_until("uc's pending mkdir, shown", |s| {
        s.contains(&format!("History: only `container {uc}`")) && lines_with(s, &uc, path) == 1
    });
    // Quitting while it runs asks, and says what its calls get.
    t.keys(&["q"]);
    let screen = t.wait_for("Quit the agent?");
    assert!(
        screen.contains(&format!("1 container still runs: {uc}.")),
        "{screen}"
    );
    assert!(screen.contains("fail with ENOSYS"), "{screen}");
    t.keys(&["y"]);
    assert_eq!(t.exit_status(), 0);
    let (code, out, err) = third.join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=1"), "{out}{err}");
    assert!(err.contains("Function not implemented"), "{err}");
    let screen = t.screen();
    assert!(
        screen.contains(&format!("agent quit while supervising 1 container ({uc})")),
        "{screen}"
    );
    // The log has every call, each with its container.
    let text = std::fs::read_to_string(&log).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |id: &str| {
        records
            .iter()
            .filter(|r| r["container"]["id"] == id)
            .count()
    };
    assert_eq!((of(&ua), of(&ub), of(&uc)), (1, 1, 1), "{text}");
}

#[test]
fn a_rule_for_one_container_made_in_the_tui_replays_for_that_container_only() {
    if !runc_ready() || !tmux_ready() {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let socket = d.join("agent.sock");
    let rules = d.join("learned.toml");
    let t = Tmux::start_sized(
        d,
        (100, 30),
        &[
            "agent",
            "--socket",
            socket.to_str().unwrap(),
            "--save-rules",
            rules.to_str().unwrap(),
        ],
    );
    t.wait_for("no container yet; listening on");
    let b = bundle(d, &socket, "mkdir /tmp/x; echo rc=$?");
    let n = std::process::id();
    let (sa, sb) = (format!("sa-{n}"), format!("sb-{n}"));
    let first = runc_in_background(&b, &sa);
    t.wait_until("sa's pending mkdir", |s| {
        s.contains("Pending (1)") && lines_with(s, &sa, "\"/tmp/x\"") == 1
    });
    // Always allow, for this container only (n: exe, comm, container).
    t.keys(&["A"]);
    t.wait_for("always allow — which calls?");
    t.keys(&["n"]);
    t.keys(&["n"]);
    t.keys(&["n"]);
    t.wait_for(&format!("this container only: {sa}"));
    t.keys(&["Enter"]);
    let (code, out, err) = first.join().unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=0"), "{out}{err}");
    t.keys(&["w"]);
    t.wait_for("wrote 1 rule(s)");
    // Once the container is gone, q quits without asking.
    t.wait_for("Containers (0 live of 1)");
    t.keys(&["q"]);
    assert_eq!(t.exit_status(), 0);
    let written = std::fs::read_to_string(&rules).unwrap();
    assert!(
        written.contains(&format!("container = \"{sa}\"")),
        "{written}"
    );

    // Replayed headless with deny for the rest: that container's mkdir
    // goes through, another container's does not.
    let replay = tempdir();
    let agent = Agent::start(
        replay.path(),
        &[
            "--rules",
            rules.to_str().unwrap(),
            "--default-action",
            "deny",
        ],
    );
    let b = bundle(replay.path(), &agent.socket, "mkdir /tmp/x; echo rc=$?");
    let (code, out, err) = runc_run(&b, &sa);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=0"), "{out}{err}");
    let (code, out, err) = runc_run(&b, &sb);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=1"), "{out}{err}");
    assert!(err.contains("Operation not permitted"), "{err}");
}

// ---- crun ----

/// Whether /sys/fs/cgroup/unified is a mount point here (a hybrid cgroup
/// layout, which crun 1.8 refuses).
fn hybrid_cgroups() -> bool {
    std::fs::read_to_string("/proc/self/mountinfo").is_ok_and(|m| {
        m.lines()
            .any(|l| l.split(' ').nth(4) == Some("/sys/fs/cgroup/unified"))
    })
}

/// `crun run -b BUNDLE ID`, in a mount namespace of its own without the
/// hybrid layout's cgroup2 mount when there is one: its exit code and
/// what the container wrote.
fn crun_run(bundle: &Path, id: &str) -> (i32, String, String) {
    let umount = if hybrid_cgroups() {
        "umount /sys/fs/cgroup/unified && "
    } else {
        ""
    };
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(format!("{umount}exec crun run -b \"$0\" \"$1\""))
        .arg(bundle)
        .arg(id)
        .stdin(Stdio::null())
        .output()
        .expect("unshare (util-linux)");
    let _ = Command::new("crun")
        .args(["delete", "--force", id])
        .output();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn crun_containers_are_decided_by_id_as_runc_ones_are() {
    if !runc_ready() {
        return;
    }
    let crun = Command::new("crun")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !require(crun, "crun (Debian package crun)") {
        return;
    }
    let dir = tempdir();
    let d = dir.path();
    let rules = common::write_rules(
        d,
        "[[rule]]\ncontainer = \"crun-deny-*\"\npath = \"/tmp/x\"\naction = \"deny\"\n",
    );
    let agent = Agent::start(d, &["--rules", rules.to_str().unwrap()]);
    // runc's bundle serves crun as it is.
    let b = bundle(d, &agent.socket, "mkdir /tmp/x; echo rc=$?");
    let n = std::process::id();
    let denied = format!("crun-deny-{n}");
    let (code, out, err) = crun_run(&b, &denied);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=1"), "{out}{err}");
    assert!(err.contains("Operation not permitted"), "{err}");
    let allowed = format!("crun-ok-{n}");
    let (code, out, err) = crun_run(&b, &allowed);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rc=0"), "{out}{err}");
    agent
        .stderr
        .wait_for_n("done, its last process is gone", 2, "both containers");
    let trace = agent.trace();
    assert!(
        trace.contains(&format!("[{denied}] [")) && trace.contains("→ deny"),
        "{trace}"
    );
    assert!(trace.contains(&format!("[{allowed}] [")), "{trace}");
    // crun's state says ociVersion 0.2.0: not a reason to turn it away.
    let log = agent.log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["container"]["metadata"], "from-the-test");
}
