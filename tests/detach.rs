//! Detach and re-attach: the TUI's quit dialog leaves the program with a
//! background holder that answers its calls; `attach PID` takes it
//! back into a TUI. Real programs (python3's http.server, sh and the test
//! program), real terminals (tmux), and the outcomes where a user sees
//! them: HTTP answers, files made or not, the program's own messages.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::{Tmux, quote};
use common::{BIN, PROG, require, tempdir};

/// Generous: the machine is busy.
const PATIENCE: Duration = Duration::from_secs(30);

/// One tmux server with one 120×40 window running a shell command line.
/// unotify-tui with `args` in a tmux window in `dir`, with `runtime` as
/// its XDG_RUNTIME_DIR (where the holder's state files go).
fn start(dir: &Path, runtime: &Path, args: &[&str]) -> Tmux {
    let command: Vec<String> = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    Tmux::start_shell(
        dir,
        &format!(
            "XDG_RUNTIME_DIR={} {}",
            quote(&runtime.display().to_string()),
            command.join(" ")
        ),
    )
    .joined()
}

/// Kills what a detach left running when the test ends, however it ends:
/// the program's process group and the holder.
struct Leftovers(Vec<i32>);

impl Drop for Leftovers {
    fn drop(&mut self) {
        for &pid in &self.0 {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(-pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// The holder's state file in `runtime`, read: (path, its JSON).
fn state_files(runtime: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let Ok(dir) = std::fs::read_dir(runtime.join("unotify-tui")) else {
        return Vec::new();
    };
    dir.flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "state"))
        .filter_map(|p| {
            let v = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            Some((p, v))
        })
        .collect()
}

fn the_state_file(runtime: &Path) -> (PathBuf, serde_json::Value) {
    let mut all = state_files(runtime);
    assert_eq!(all.len(), 1, "state files: {all:?}");
    all.remove(0)
}

fn pid_field(v: &serde_json::Value, key: &str) -> i32 {
    v[key].as_u64().unwrap_or_else(|| panic!("{key} in {v}")) as i32
}

fn alive(pid: i32) -> bool {
    // A zombie has exited: /proc/PID/stat says Z.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .and_then(|(_, r)| r.trim_start().chars().next())
        })
        .is_some_and(|c| c != 'Z' && c != 'X')
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `GET /` over plain TCP; the whole response.
fn http_get(port: u16) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real python3 binary (not a pyenv shim script), if there is one.
fn python3() -> Option<String> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let p = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !p.is_empty()).then_some(p)
}

/// An http.server under the TUI with accept4 trapped: a request waiting
/// in the TUI is answered at detach; the holder serves while detached
/// (its log and output file show it); `attach` brings the TUI back
/// with the rule list, the next request's accept4 waits there, and `a`
/// lets it through.
#[test]
fn a_detached_http_server_serves_and_comes_back_on_reattach() {
    let Some(python) = python3() else {
        require(false, "python3");
        return;
    };
    let dir = tempdir();
    let runtime = tempdir();
    std::fs::write(dir.path().join("hello.txt"), "hi\n").unwrap();
    let rules = dir.path().join("mine.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nsyscall = \"connect\"\nport = 9\naction = \"deny\"\n",
    )
    .unwrap();
    let log = dir.path().join("log.jsonl");
    let port = free_port();
    let port_s = port.to_string();
    let t = start(
        dir.path(),
        runtime.path(),
        &[
            "--trap",
            "accept4,accept",
            "--rules",
            rules.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--",
            &python,
            "-m",
            "http.server",
            &port_s,
            "--bind",
            "127.0.0.1",
        ],
    );
    t.wait_for("Serving HTTP on 127.0.0.1");
    let mut left = Leftovers(Vec::new());

    // A request whose accept4 waits in the TUI when we detach.
    let first = std::thread::spawn(move || http_get(port));
    t.wait_for("accept4(");
    t.keys(&["q"]);
    let screen = t.wait_for("Quit unotify-tui?");
    assert!(screen.contains("detach"), "{screen}");
    assert!(screen.contains("close the listener"), "{screen}");
    t.keys(&["l"]);
    assert_eq!(t.exit_status(), 0);
    let screen = t.screen();
    let first = first.join().unwrap().expect("the first request");
    assert!(first.starts_with("HTTP/1.0 200"), "{first}");
    assert!(first.contains("hello.txt"), "{first}");

    let (state, s) = the_state_file(runtime.path());
    let (holder, program) = (pid_field(&s, "holder"), pid_field(&s, "program"));
    left.0.extend([program, holder]);
    assert!(
        screen.contains(&format!("unotify-tui attach {program}")),
        "{screen}"
    );
    let mode = std::fs::metadata(&state).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{}", state.display());
    assert!(alive(holder), "the holder runs");
    let cmdline = std::fs::read(format!("/proc/{holder}/cmdline")).unwrap();
    assert!(
        String::from_utf8_lossy(&cmdline).contains("__hold"),
        "{cmdline:?}"
    );
    let output = PathBuf::from(s["output"].as_str().expect("an output file"));
    assert!(screen.contains("terminal output goes to"), "{screen}");

    // Detached: the holder answers (the default action, allow).
    let second = http_get(port).expect("a request while detached");
    assert!(second.starts_with("HTTP/1.0 200"), "{second}");
    // The server's own request log line reached the holder's file.
    wait_until("the request in the output file", || {
        std::fs::read_to_string(&output)
            .unwrap_or_default()
            .matches("\"GET / HTTP/1.0\" 200")
            .count()
            >= 1
    });
    let logged = std::fs::read_to_string(&log).unwrap();
    let by_default = logged
        .lines()
        .filter(|l| l.contains("accept4") && l.contains("\"default\""))
        .count();
    assert!(by_default >= 1, "{logged}");

    // Re-attach, with the program's pid.
    let t2 = start(
        dir.path(),
        runtime.path(),
        &["attach", &program.to_string()],
    );
    t2.wait_for("http.server");
    // Where the detached time's output is, said on arrival.
    t2.wait_for("what the program printed while detached is in");
    wait_until("the holder has exited after the handover", || {
        !alive(holder)
    });
    assert!(state_files(runtime.path()).is_empty());
    // The rule list came along, origins and all.
    t2.keys(&["R"]);
    let screen = t2.wait_for("mine.toml:1");
    assert!(screen.contains("connect"), "{screen}");
    t2.escape_from("the first enabled match decides");
    let third = std::thread::spawn(move || http_get(port));
    t2.wait_for("accept4(");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!third.is_finished(), "the request waits for an answer");
    t2.keys(&["a"]);
    let third = third.join().unwrap().expect("the request after re-attach");
    assert!(third.starts_with("HTTP/1.0 200"), "{third}");
    // Quitting with kill ends the program, which is not our child.
    t2.keys(&["q"]);
    t2.wait_for("Quit unotify-tui?");
    t2.keys(&["k"]);
    t2.exit_status();
    wait_until("the server is killed", || !alive(program));
}

/// A shell script that waits for the file `go`, then makes `allowed`
/// (allowed by a rule) and `denied` (the default action: deny), each
/// reported by the test program, then ends.
fn waiting_script(dir: &Path) -> String {
    format!(
        "echo ready; while [ ! -e go ]; do sleep 0.1; done; \
         {p} mkdir {d}/allowed > allowed.out; {p} mkdir {d}/denied > denied.out; \
         echo all-done",
        p = quote(&PROG),
        d = quote(&dir.display().to_string()),
    )
}

/// The holder answers with the rules, then --default-action; it ends
/// (state file removed) once the program ends, and the output file has
/// what the program printed.
#[test]
fn the_holder_uses_the_rules_and_the_default_action_and_ends_with_the_program() {
    let dir = tempdir();
    let runtime = tempdir();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/allowed\"\naction = \"allow\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let script = waiting_script(dir.path());
    let t = start(
        dir.path(),
        runtime.path(),
        &[
            "--trap",
            "mkdir",
            "--rules",
            rules.to_str().unwrap(),
            "--default-action",
            "deny:EACCES",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    t.wait_for("ready");
    t.keys(&["q"]);
    t.wait_for("Quit unotify-tui?");
    t.keys(&["d"]);
    assert_eq!(t.exit_status(), 0);
    let (state, s) = the_state_file(runtime.path());
    let (holder, program) = (pid_field(&s, "holder"), pid_field(&s, "program"));
    let _left = Leftovers(vec![program, holder]);
    let output = PathBuf::from(s["output"].as_str().expect("an output file"));
    std::fs::write(dir.path().join("go"), "").unwrap();
    wait_until("the holder ends with the program", || !alive(holder));
    assert!(!state.exists(), "the state file is removed");
    assert!(dir.path().join("allowed").is_dir());
    assert!(!dir.path().join("denied").exists());
    let said = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(said("allowed.out").trim(), "mkdir: ok 0");
    assert_eq!(said("denied.out").trim(), "mkdir: err EACCES");
    let out = std::fs::read_to_string(&output).unwrap();
    assert!(out.contains("all-done"), "{out:?}");
}

/// What the program prints the moment the handover answers its waiting
/// call is not lost: the TUI stops reading the program's terminal before
/// it answers, so the holder's output file gets it.
#[test]
fn output_printed_as_the_waiting_call_is_answered_reaches_the_holder() {
    let dir = tempdir();
    let runtime = tempdir();
    let script = format!(
        "echo ready; {p} mkdir {d}/x > /dev/null; echo printed-after-the-answer; sleep 30",
        p = quote(&PROG),
        d = quote(&dir.path().display().to_string()),
    );
    let t = start(
        dir.path(),
        runtime.path(),
        &[
            "--trap",
            "mkdir",
            "--default-action",
            "allow",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    t.wait_for("ready");
    // The mkdir waits for a person.
    t.wait_for("Pending (1)");
    t.keys(&["q"]);
    t.wait_for("Quit unotify-tui?");
    t.keys(&["d"]);
    assert_eq!(t.exit_status(), 0);
    let (_, s) = the_state_file(runtime.path());
    let (holder, program) = (pid_field(&s, "holder"), pid_field(&s, "program"));
    let _left = Leftovers(vec![program, holder]);
    assert!(
        dir.path().join("x").is_dir(),
        "the waiting mkdir was allowed"
    );
    let output = PathBuf::from(s["output"].as_str().expect("an output file"));
    wait_until("the holder has the line printed after the answer", || {
        std::fs::read_to_string(&output).is_ok_and(|o| o.contains("printed-after-the-answer"))
    });
}

/// "close the listener" is the old way out, kept: the program runs on,
/// and its next trapped call fails with ENOSYS.
#[test]
fn closing_the_listener_makes_trapped_calls_fail_with_enosys() {
    let dir = tempdir();
    let runtime = tempdir();
    let script = waiting_script(dir.path());
    let t = start(
        dir.path(),
        runtime.path(),
        &["--trap", "mkdir", "--", "sh", "-c", &script],
    );
    t.wait_for("ready");
    t.keys(&["q"]);
    t.wait_for("Quit unotify-tui?");
    t.keys(&["c"]);
    t.wait_for("ENOSYS");
    std::fs::write(dir.path().join("go"), "").unwrap();
    assert_eq!(t.exit_status(), 0);
    let said = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(said("allowed.out").trim(), "mkdir: err ENOSYS");
    assert_eq!(said("denied.out").trim(), "mkdir: err ENOSYS");
    assert!(!dir.path().join("allowed").exists());
    assert!(state_files(runtime.path()).is_empty(), "no holder");
}

/// A pid no detach left: one line, exit 2. A state file whose holder is
/// gone is removed, and said.
#[test]
fn reattach_to_nothing_is_one_line_and_stale_state_is_removed() {
    let runtime = tempdir();
    let run = |pid: &str| {
        Command::new(BIN)
            .args(["attach", "--headless", pid])
            .env("XDG_RUNTIME_DIR", runtime.path())
            .output()
            .unwrap()
    };
    let out = run("4000000");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // No holder names it, so attach looks for a listener in that process.
    assert!(err.contains("no such process: 4000000"), "{err}");

    // A holder that is gone: a child of ours that has exited and been reaped.
    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let states = runtime.path().join("unotify-tui");
    // Made by the run above already.
    std::fs::create_dir_all(&states).unwrap();
    std::fs::set_permissions(&states, std::fs::Permissions::from_mode(0o700)).unwrap();
    let state = states.join(format!("{dead_pid}.state"));
    std::fs::write(
        &state,
        format!(
            "{{\"holder\":{dead_pid},\"program\":4000001,\"socket\":\"{}\",\"output\":null}}",
            states.join(format!("{dead_pid}.sock")).display()
        ),
    )
    .unwrap();
    let out = run("4000001");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("its holder (pid {dead_pid}) is gone")),
        "{err}"
    );
    assert!(!state.exists());
}

/// `attach` takes options like a launch; a bad one is refused before
/// anything is taken.
#[test]
fn reattach_checks_its_options_first() {
    let out = Command::new(BIN)
        .args(["attach", "--default-action", "maybe", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--default-action"), "{err}");
}

/// Re-attached headless: the rules and the default action handed over
/// decide, each call is traced, and the run ends with the program, with
/// its exit status (read from the session leader's status pipe, handed
/// over with the listener).
#[test]
fn a_headless_reattach_supervises_to_the_end_with_the_program_status() {
    let dir = tempdir();
    let runtime = tempdir();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/allowed\"\naction = \"allow\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let script = format!("{}; exit 7", waiting_script(dir.path()));
    let t = start(
        dir.path(),
        runtime.path(),
        &[
            "--trap",
            "mkdir",
            "--rules",
            rules.to_str().unwrap(),
            "--default-action",
            "deny:EACCES",
            "--",
            "sh",
            "-c",
            &script,
        ],
    );
    t.wait_for("ready");
    t.keys(&["q"]);
    t.wait_for("Quit unotify-tui?");
    t.keys(&["l"]);
    assert_eq!(t.exit_status(), 0);
    let (_, s) = the_state_file(runtime.path());
    let (holder, program) = (pid_field(&s, "holder"), pid_field(&s, "program"));
    let _left = Leftovers(vec![program, holder]);
    let trace = dir.path().join("trace");
    let child = Command::new(BIN)
        .args(["attach", "--headless", "--output"])
        .arg(&trace)
        .arg(holder.to_string())
        .env("XDG_RUNTIME_DIR", runtime.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the holder hands over", || !alive(holder));
    std::fs::write(dir.path().join("go"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    let kept = s["output"].as_str().expect("an output file");
    assert!(
        err.contains(&format!(
            "what the program printed while detached is in {kept}"
        )),
        "{err}"
    );
    assert!(Path::new(kept).exists(), "{kept}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("all-done"),
        "the program's output: {stdout:?}"
    );
    let trace = std::fs::read_to_string(&trace).unwrap();
    let mkdirs: Vec<&str> = trace.lines().filter(|l| l.contains("mkdir(")).collect();
    assert_eq!(mkdirs.len(), 2, "{trace}");
    assert!(mkdirs[0].contains("rules.toml:1"), "{trace}");
    assert!(mkdirs[1].contains("EACCES"), "{trace}");
    let said = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    assert_eq!(said("allowed.out").trim(), "mkdir: ok 0");
    assert_eq!(said("denied.out").trim(), "mkdir: err EACCES");
    assert!(state_files(runtime.path()).is_empty());
}
