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

use common::{BIN, PROG, is_root, require, tempdir};

/// Generous: the machine running the tests may be very busy.
const DEADLINE: Duration = Duration::from_secs(60);

/// Text a child writes, collected as it comes.
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<String>>);

impl Collected {
    fn from(stream: impl std::io::Read + Send + 'static) -> Collected {
        let c = Collected::default();
        let text = Arc::clone(&c.0);
        std::thread::spawn(move || {
            let mut r = BufReader::new(stream);
            let mut line = String::new();
            while r.read_line(&mut line).is_ok_and(|n| n > 0) {
                text.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        c
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
        // The reader thread may still be taking the last line.
        std::thread::sleep(Duration::from_millis(50));
        self.stdout.text()
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
