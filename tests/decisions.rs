//! Decisions mean what they say: an emulated call gets exactly what the
//! same program gets when it runs without unotify-tui. Each case runs the
//! program twice, unsupervised and under an `emulate` rule, and compares
//! what the program itself printed and what it left in the file system.
//!
//! These run as root (as CI does): they take other identities with
//! setpriv and unshare.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::{BIN, PROG, path_bytes, tempdir, write_rules};

const EMULATE: &str = r#"
[[rule]]
syscall = [
    "mkdir", "mkdirat", "open", "openat", "openat2", "creat",
    "unlink", "unlinkat", "rmdir", "bind", "connect", "listen",
]
exe = "**/unotify-testprog"
action = "emulate"
"#;

/// Root is needed to run the program as other users; CI runs as root,
/// so there a missing root is a failure, never a silent pass.
fn need_root() -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "these tests need root under CI"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "SKIPPED: needs root");
    false
}

/// The program's own output, run as `argv` without unotify-tui.
fn plain(argv: &[&[u8]]) -> String {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(std::ffi::OsStr::from_bytes(argv[0]))
        .args(argv[1..].iter().map(|a| std::ffi::OsStr::from_bytes(a)))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The program's own output under unotify-tui with the emulate rule,
/// and the log records of the calls emulated.
fn emulated(dir: &Path, argv: &[&[u8]]) -> (String, Vec<serde_json::Value>) {
    emulated_under(&[], dir, argv)
}

/// [`emulated`], with unotify-tui started by `wrapper` (a command and its
/// arguments, ending where unotify-tui's path goes).
fn emulated_under(
    wrapper: &[&str],
    dir: &Path,
    argv: &[&[u8]],
) -> (String, Vec<serde_json::Value>) {
    use std::os::unix::ffi::OsStrExt;
    let rules = write_rules(dir, EMULATE);
    let log = dir.join("emulated.jsonl");
    let mut cmd = match wrapper.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(BIN);
            c
        }
        None => Command::new(BIN),
    };
    let child = cmd
        .arg("--headless")
        .arg("--output")
        .arg("/dev/null")
        .arg("--log")
        .arg(&log)
        .arg("--rules")
        .arg(&rules)
        .arg("--")
        .args(argv.iter().map(|a| std::ffi::OsStr::from_bytes(a)))
        // The same stdin as `plain` gets (`output` gives it /dev/null):
        // the cases open /proc/self/fd/0, which must be the same object
        // in both runs, whatever terminal the tests run in.
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A call never answered would leave the program waiting for ever:
    // a failure, not a hang.
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let shown: Vec<_> = argv.iter().map(|a| String::from_utf8_lossy(a)).collect();
            panic!("`{}` did not end within 60 s", shown.join(" "));
        }
    };
    let records = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["answer"]["action"] == "emulate")
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), records)
}

fn open_dir(p: &Path, mode: u32) {
    std::fs::create_dir_all(p).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

const NOBODY: [&[u8]; 4] = [
    b"setpriv",
    b"--reuid=65534",
    b"--regid=65534",
    b"--clear-groups",
];

fn argv<'a>(prefix: &[&'a [u8]], rest: &[&'a [u8]]) -> Vec<&'a [u8]> {
    prefix.iter().chain(rest).copied().collect()
}

#[test]
fn nobody_gets_nobodys_rights() {
    if !need_root() {
        return;
    }
    for run in ["plain", "emulated"] {
        let d = tempdir();
        open_dir(d.path(), 0o755);
        open_dir(&d.path().join("ro"), 0o700);
        open_dir(&d.path().join("open"), 0o777);
        let denied = path_bytes(&d.path().join("ro/x"));
        let made = path_bytes(&d.path().join("open/x"));
        let cmd = argv(&NOBODY, &[PROG.as_bytes(), b"mkdir", &denied]);
        let cmd2 = argv(&NOBODY, &[PROG.as_bytes(), b"mkdir", &made]);
        let (a, b, emulated_calls) = if run == "plain" {
            (plain(&cmd), plain(&cmd2), 0)
        } else {
            let (a, r1) = emulated(d.path(), &cmd);
            let (b, r2) = emulated(d.path(), &cmd2);
            (a, b, r1.len() + r2.len())
        };
        assert_eq!(a.trim(), "mkdir: err EACCES", "{run}");
        assert_eq!(b.trim(), "mkdir: ok 0", "{run}");
        let owner = std::fs::metadata(d.path().join("open/x")).unwrap().uid();
        assert_eq!(owner, 65534, "{run}");
        if run == "emulated" {
            assert!(emulated_calls >= 2, "the mkdirs were emulated");
        }
    }
}

#[test]
fn setresuid_and_umask_just_before_the_call_count() {
    if !need_root() {
        return;
    }
    let d = tempdir();
    open_dir(d.path(), 0o755);
    open_dir(&d.path().join("ro"), 0o700);
    open_dir(&d.path().join("open"), 0o777);
    let mut seen = Vec::new();
    for (run, tag) in [(false, "p"), (true, "e")] {
        let denied = path_bytes(&d.path().join(format!("ro/{tag}")));
        let made = path_bytes(&d.path().join(format!("open/{tag}")));
        let masked = path_bytes(&d.path().join(format!("open/m{tag}")));
        let cases: [Vec<&[u8]>; 3] = [
            vec![PROG.as_bytes(), b"setresuid-mkdir", b"65534", &denied],
            vec![PROG.as_bytes(), b"setresuid-mkdir", b"65534", &made],
            vec![PROG.as_bytes(), b"umask-mkdir", b"077", &masked],
        ];
        let outs: Vec<String> = cases
            .iter()
            .map(|c| {
                if run {
                    emulated(d.path(), c).0
                } else {
                    plain(c)
                }
            })
            .collect();
        let made_meta = std::fs::metadata(d.path().join(format!("open/{tag}"))).unwrap();
        let masked_meta = std::fs::metadata(d.path().join(format!("open/m{tag}"))).unwrap();
        seen.push((
            outs,
            made_meta.uid(),
            masked_meta.permissions().mode() & 0o777,
        ));
    }
    assert_eq!(seen[0].0[0].trim(), "mkdir: err EACCES");
    assert_eq!(seen[0].1, 65534);
    assert_eq!(seen[0].2, 0o700);
    assert_eq!(seen[1], seen[0], "emulated = unsupervised");
}

#[test]
fn root_without_capabilities_cannot_read_another_users_file() {
    if !need_root() {
        return;
    }
    let d = tempdir();
    open_dir(d.path(), 0o755);
    let f = d.path().join("secret");
    std::fs::write(&f, "secret\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&f, Some(1000), Some(1000)).unwrap();
    let fb = path_bytes(&f);
    let cmd: Vec<&[u8]> = vec![
        b"setpriv",
        b"--inh-caps=-all",
        b"--bounding-set=-all",
        PROG.as_bytes(),
        b"read",
        &fb,
    ];
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    assert_eq!(p.trim(), "open: err EACCES");
    assert_eq!(e.trim(), p.trim());
    assert!(!records.is_empty(), "the open was emulated");
}

#[test]
fn a_child_user_namespace_gives_no_low_port() {
    if !need_root() {
        return;
    }
    let d = tempdir();
    open_dir(d.path(), 0o755);
    // Root inside a user namespace of its own, nobody outside: its
    // capabilities don't count for the host's network namespace.
    let cmd = argv(
        &NOBODY,
        &[b"unshare", b"-Ur", PROG.as_bytes(), b"bind", b"81"],
    );
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    assert_eq!(p.trim(), "bind: err EACCES");
    assert_eq!(e.trim(), p.trim());
    assert!(
        records.iter().any(|r| r["syscall"] == "bind"),
        "the bind was emulated"
    );
}

#[test]
fn a_private_mount_namespace_is_the_programs_view() {
    if !need_root() {
        return;
    }
    let d = tempdir();
    open_dir(d.path(), 0o755);
    let m = d.path().join("m");
    open_dir(&m, 0o755);
    // What the host sees at that path; the program mounts a tmpfs over it.
    std::fs::write(m.join("f"), "host\n").unwrap();
    let script = format!(
        "mount -t tmpfs none {m} && echo inside > {m}/f && {prog} read {m}/f",
        m = m.display(),
        prog = *PROG
    );
    let cmd: Vec<&[u8]> = vec![b"unshare", b"-m", b"sh", b"-c", script.as_bytes()];
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    assert!(p.contains("content \"inside\""), "{p}");
    assert!(e.contains("content \"inside\""), "{e}");
    assert!(!records.is_empty(), "the open was emulated");
}

#[test]
fn a_proc_self_symlink_means_the_program() {
    let d = tempdir();
    let link = d.path().join("maps");
    std::os::unix::fs::symlink("/proc/self/maps", &link).unwrap();
    let lb = path_bytes(&link);
    let cmd: Vec<&[u8]> = vec![PROG.as_bytes(), b"read", &lb];
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    // The first mapping is the reader's own executable.
    assert!(p.contains("unotify-testprog"), "{p}");
    assert!(e.contains("unotify-testprog"), "emulated: {e}");
    assert!(!records.is_empty(), "the open was emulated");
}

/// The test program's `MODE FILE` on a file of its own, alone and with
/// its opens emulated: what it printed each time, and the log record of
/// the emulated open of FILE.
fn open_alone_and_emulated(mode: &[u8]) -> (String, String, serde_json::Value) {
    let d = tempdir();
    let file = d.path().join("f");
    std::fs::write(&file, "x\n").unwrap();
    let fb = path_bytes(&file);
    let cmd: Vec<&[u8]> = vec![PROG.as_bytes(), mode, &fb];
    let alone = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    let file_s = file.to_str().unwrap();
    let opens: Vec<_> = records
        .into_iter()
        .filter(|r| r["decoded"][1]["path"] == file_s)
        .collect();
    assert_eq!(opens.len(), 1, "one emulated open of {file_s}");
    (alone, e, opens.into_iter().next().unwrap())
}

/// A program with no free fd gets EMFILE from an emulated open, as it
/// does alone: the fd could not be installed in it, and the call is
/// answered with that error (not taken for gone, which would leave the
/// program waiting for ever).
#[test]
fn an_emulated_open_in_a_program_without_a_free_fd_fails_with_emfile() {
    let (alone, emulated, record) = open_alone_and_emulated(b"open-at-limit");
    assert_eq!(alone.trim(), "open: err EMFILE");
    assert_eq!(emulated.trim(), "open: err EMFILE", "emulated");
    assert_eq!(record["result"], "sent");
    assert_eq!(record["return"]["errno"], "EMFILE");
}

/// fd 0 is a file descriptor like any other: an emulated open in a
/// program that closed stdin gets 0, as it would alone.
#[test]
fn an_emulated_open_can_return_fd_0() {
    let (alone, emulated, record) = open_alone_and_emulated(b"open-as-0");
    assert_eq!(alone.trim(), "open: ok 0");
    assert_eq!(emulated.trim(), "open: ok 0", "emulated");
    assert_eq!(record["return"]["value"], 0);
}

#[test]
fn a_unix_socket_peer_sees_the_programs_uid() {
    if !need_root() {
        return;
    }
    use std::io::Write;
    use std::os::unix::net::UnixListener;
    let d = tempdir();
    open_dir(d.path(), 0o755);
    let sock = d.path().join("sock");
    let listener = UnixListener::bind(&sock).unwrap();
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Serves until the test ends, and is never waited for: a program that
    // does not connect fails the test instead of hanging it.
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let cred = nix::sys::socket::getsockopt(&s, nix::sys::socket::sockopt::PeerCredentials)
                .unwrap();
            let _ = writeln!(s, "uid={} gid={}", cred.uid(), cred.gid());
        }
    });
    let sb = path_bytes(&sock);
    let cmd = argv(&NOBODY, &[PROG.as_bytes(), b"connect-unix", &sb]);
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    assert_eq!(p.trim(), "connect: ok server said \"uid=65534 gid=65534\"");
    assert_eq!(e.trim(), p.trim());
    assert!(records.iter().any(|r| r["syscall"] == "connect"));
}

/// A tree like the one a user protects: T/etc/hostname, a secret file, a
/// plain file, and the links a program could use to walk around a rule.
struct Tree {
    _dir: tempfile::TempDir,
    t: String,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempdir();
        let t = std::fs::canonicalize(dir.path())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        std::fs::create_dir_all(format!("{t}/etc/ssl")).unwrap();
        std::fs::create_dir_all(format!("{t}/secretdir")).unwrap();
        std::fs::create_dir_all(format!("{t}/plain")).unwrap();
        std::fs::write(format!("{t}/etc/hostname"), "protected\n").unwrap();
        std::fs::write(format!("{t}/secret1"), "secret\n").unwrap();
        std::fs::write(format!("{t}/plain/ok"), "fine\n").unwrap();
        std::os::unix::fs::symlink(format!("{t}/etc"), format!("{t}/l")).unwrap();
        std::os::unix::fs::symlink(format!("{t}/etc/ssl"), format!("{t}/ls")).unwrap();
        std::os::unix::fs::symlink(format!("{t}/secret1"), format!("{t}/x.so")).unwrap();
        Tree { _dir: dir, t }
    }

    fn p(&self, rel: &str) -> String {
        format!("{}/{rel}", self.t)
    }

    /// The program's output unsupervised and under `rules` with `opts`.
    fn both(&self, rules: &str, opts: &[&str], args: &[&str]) -> (String, String) {
        let mut argv: Vec<&[u8]> = vec![PROG.as_bytes()];
        argv.extend(args.iter().map(|a| a.as_bytes()));
        let p = plain(&argv);
        let rules = write_rules(Path::new(&self.t), rules);
        let out = Command::new(BIN)
            .arg("--headless")
            .args(["--output", &self.p("trace.txt")])
            .arg("--rules")
            .arg(&rules)
            .args(opts)
            .arg("--")
            .args(argv.iter().map(|a| std::str::from_utf8(a).unwrap()))
            .output()
            .unwrap();
        (p, String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

fn deny_rule(t: &Tree) -> String {
    format!(
        "[[rule]]\npath = [\"{}/etc/**\", \"**/secret*\"]\naction = \"deny\"\n",
        t.t
    )
}

#[test]
fn a_deny_rule_holds_whatever_path_leads_to_the_file() {
    let t = Tree::new();
    let rule = deny_rule(&t);
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("direct", vec!["read".into(), t.p("etc/hostname")]),
        ("symlink", vec!["read".into(), t.p("l/hostname")]),
        (
            ".. through a symlink",
            vec!["read".into(), t.p("ls/../hostname")],
        ),
        (
            "/proc/self/root",
            vec![
                "read".into(),
                format!("/proc/self/root{}", t.p("etc/hostname")),
            ],
        ),
        (
            "/proc/thread-self/root",
            vec![
                "read".into(),
                format!("/proc/thread-self/root{}", t.p("etc/hostname")),
            ],
        ),
        (
            "/proc/self/cwd/..",
            vec![
                "chdir-read".into(),
                t.p("plain"),
                format!("/proc/self/cwd/{}{}", "../".repeat(20), t.p("etc/hostname")),
            ],
        ),
        (
            "/proc/self/fd/N/",
            vec!["read-at-fd".into(), t.p("etc"), "hostname".into()],
        ),
        (
            "relative after chdir through a symlink",
            vec!["chdir-read".into(), t.p("l"), "hostname".into()],
        ),
    ];
    for (what, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (p, e) = t.both(&rule, &[], &args);
        assert!(
            p.starts_with("open: ok"),
            "{what}: unsupervised it reads: {p}"
        );
        assert!(p.contains("protected"), "{what}: {p}");
        assert_eq!(e.trim(), "open: err EPERM", "{what}: under the rule");
    }
    // Sanity: a file the rule does not name still opens.
    let (p, e) = t.both(&rule, &[], &["read", &t.p("plain/ok")]);
    assert!(p.contains("fine"));
    assert_eq!(e, p);
}

#[test]
fn one_denied_path_is_enough_for_link_and_rename() {
    let t = Tree::new();
    let rule = deny_rule(&t);
    // Supervised first (the link must not appear), then unsupervised.
    let rules = write_rules(Path::new(&t.t), &rule);
    let out = Command::new(BIN)
        .args(["--headless", "--output", "/dev/null", "--rules"])
        .arg(&rules)
        .args(["--", &PROG, "link", &t.p("secret1"), &t.p("plain/hl")])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "link: err EPERM"
    );
    assert!(!Path::new(&t.p("plain/hl")).exists());
    let p = plain(&[
        PROG.as_bytes(),
        b"link",
        t.p("secret1").as_bytes(),
        t.p("plain/hl").as_bytes(),
    ]);
    assert_eq!(p.trim(), "link: ok 0", "unsupervised the link is made");
    // rename(secretdir, plain/moved): supervised first, then plain.
    let rules = write_rules(Path::new(&t.t), &rule);
    let out = Command::new(BIN)
        .args(["--headless", "--output", "/dev/null", "--rules"])
        .arg(&rules)
        .args([
            "--",
            &PROG,
            "rename",
            &t.p("secretdir"),
            &t.p("plain/moved"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "rename: err EPERM"
    );
    assert!(Path::new(&t.p("secretdir")).is_dir());
    let p = plain(&[
        PROG.as_bytes(),
        b"rename",
        t.p("secretdir").as_bytes(),
        t.p("plain/moved").as_bytes(),
    ]);
    assert_eq!(p.trim(), "rename: ok 0");
}

#[test]
fn quiet_rules_let_nothing_through_that_a_default_deny_refuses() {
    let t = Tree::new();
    let exec = "[[rule]]\nsyscall = [\"execve\"]\naction = \"allow\"\n";
    let deny = ["--default-action", "deny"];
    // `*.so` files are read-allowed by a built-in rule; this one is a link
    // to a secret.
    let (p, e) = t.both(exec, &deny, &["read", &t.p("x.so")]);
    assert!(p.contains("secret"), "{p}");
    assert_eq!(e.trim(), "open: err EPERM");
    // The program's own /proc is allowed; its root is not /proc.
    let (p, e) = t.both(
        exec,
        &deny,
        &["read", &format!("/proc/self/root{}", t.p("secret1"))],
    );
    assert!(p.contains("secret"), "{p}");
    assert_eq!(e.trim(), "open: err EPERM");
    let trace = std::fs::read_to_string(t.p("trace.txt")).unwrap();
    assert!(
        trace.contains("(default)"),
        "the denial shows in the trace: {trace}"
    );
    // And its own /proc entries still pass quietly.
    let (_, e) = t.both(exec, &deny, &["read", "/proc/self/status"]);
    assert!(e.starts_with("open: ok"), "{e}");
}

/// A rule on `exe` sees the program that runs now: when a thread other
/// than the leader execs, the new program goes on under the leader's pid,
/// whose facts unotify-tui had cached from the old program a moment
/// before. The new program (mkdir) must be denied by an `exe` rule naming
/// it, as its own error message shows.
#[test]
fn an_exe_rule_sees_the_program_a_non_leader_thread_exec_started() {
    thread_exec_under_an_exe_rule("mkdir,mkdirat,execve");
}

/// The same exec with execve not trapped: nothing tells unotify-tui that
/// the program changed, and its cached facts (from the test program's own
/// mkdir a moment before) name the old program. An `exe` rule must still
/// see mkdir(1): the facts a rule depends on are read fresh for each call.
#[test]
fn an_exe_rule_sees_a_program_an_untrapped_exec_started() {
    thread_exec_under_an_exe_rule("mkdir,mkdirat");
}

/// The test program run headless with only `trap` trapped under the one
/// rule `condition` (a `comm` or `exe` line) denying mkdir and mkdirat,
/// with `args` after it.
fn under_a_deny_rule(
    dir: &Path,
    trap: &str,
    condition: &str,
    args: &[&std::ffi::OsStr],
) -> std::process::Output {
    let rules = write_rules(
        dir,
        &format!("[[rule]]\nsyscall = [\"mkdir\", \"mkdirat\"]\n{condition}\naction = \"deny\"\n"),
    );
    Command::new(BIN)
        .args([
            "--headless",
            "--output",
            "/dev/null",
            "--trap",
            trap,
            "--rules",
        ])
        .arg(&rules)
        .arg("--")
        .arg(*PROG)
        .args(args)
        .output()
        .unwrap()
}

/// The test program mkdirs `first` itself, then execs mkdir(1) of
/// `second` from a second thread, trapping `trap`, under a rule denying
/// mkdir to programs named mkdir: the first is made, the second denied.
fn thread_exec_under_an_exe_rule(trap: &str) {
    let dir = tempdir();
    let mkdir_bin = ["/usr/bin/mkdir", "/bin/mkdir"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("mkdir(1)");
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    let out = under_a_deny_rule(
        dir.path(),
        trap,
        "exe = \"**/mkdir\"",
        &[
            "thread-exec".as_ref(),
            first.as_os_str(),
            mkdir_bin.as_ref(),
            second.as_os_str(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The test program's own mkdir: no rule names it.
    assert!(stdout.contains("mkdir: ok"), "{stdout}\n{stderr}");
    assert!(first.is_dir());
    // mkdir(1), run from the second thread, is denied by the exe rule.
    assert!(!second.exists(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("Operation not permitted"),
        "{stdout}\n{stderr}"
    );
    assert_ne!(out.status.code(), Some(0));
}

/// A thread that renames itself (PR_SET_NAME, never trapped) between two
/// mkdirs: a `comm` rule on the new name decides the second, as the
/// program's own report of each mkdir shows.
#[test]
fn a_comm_rule_sees_a_name_the_thread_just_took() {
    let dir = tempdir();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    let out = under_a_deny_rule(
        dir.path(),
        "mkdir,mkdirat",
        "comm = \"renamed\"",
        &[
            "rename-mkdir".as_ref(),
            first.as_os_str(),
            "renamed".as_ref(),
            second.as_os_str(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reports: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("mkdir: "))
        .collect();
    assert_eq!(reports.len(), 2, "{stdout}\n{stderr}");
    assert!(reports[0].starts_with("mkdir: ok"), "{stdout}\n{stderr}");
    assert_eq!(reports[1], "mkdir: err EPERM", "{stdout}\n{stderr}");
    assert!(first.is_dir());
    assert!(!second.exists());
}

/// Path arguments the kernel would refuse fail an emulated call with the
/// kernel's own errno: NULL, an unmapped pointer and a path running into
/// unmapped memory with EFAULT, an empty path with ENOENT, a dirfd that
/// is not open with EBADF.
#[test]
fn emulated_calls_with_bad_paths_fail_as_they_do_alone() {
    let d = tempdir();
    let cases: [&[&[u8]]; 5] = [
        &[b"mkdir-null"],
        // Below mmap_min_addr: never mapped.
        &[b"mkdir-addr", b"4096"],
        &[b"mkdir-unterminated"],
        &[b"mkdir", b""],
        &[b"mkdirat-fd", b"999", b"x"],
    ];
    for args in cases {
        let cmd = argv(&[PROG.as_bytes()], args);
        let alone = plain(&cmd);
        let (e, records) = emulated(d.path(), &cmd);
        assert!(alone.contains("err E"), "{args:?} alone: {alone}");
        assert_eq!(e, alone, "{args:?} emulated");
        assert!(!records.is_empty(), "{args:?}: nothing was emulated");
    }
}

/// A fresh directory for one run of a case in [`alone_and_emulated`]: a
/// file `f` ("x\n", 0644), a directory `d` with a file in it, an empty
/// directory `e`, a symlink `l` to `f` and a dangling symlink `dl` to `gone`.
fn fixture() -> tempfile::TempDir {
    let d = tempdir();
    let p = d.path();
    std::fs::write(p.join("f"), "x\n").unwrap();
    std::fs::set_permissions(p.join("f"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::create_dir(p.join("d")).unwrap();
    std::fs::write(p.join("d/in"), "in\n").unwrap();
    std::fs::create_dir(p.join("e")).unwrap();
    std::os::unix::fs::symlink("f", p.join("l")).unwrap();
    std::os::unix::fs::symlink("gone", p.join("dl")).unwrap();
    d
}

/// What a directory holds, one line per entry (recursively, sorted):
/// name, type, permission bits, and a file's content or a link's target.
fn snapshot(root: &Path) -> String {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            let m = std::fs::symlink_metadata(&path).unwrap();
            let mode = m.permissions().mode() & 0o7777;
            if m.file_type().is_symlink() {
                let to = std::fs::read_link(&path).unwrap();
                out.push(format!("{name} link -> {}", to.display()));
            } else if m.is_dir() {
                out.push(format!("{name} dir {mode:o}"));
                walk(root, &path, out);
            } else {
                let text = std::fs::read(&path).unwrap();
                out.push(format!(
                    "{name} file {mode:o} {:?}",
                    String::from_utf8_lossy(&text)
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out.join("\n")
}

/// Runs the test program with `args` (where `{}` stands for a fresh
/// [`fixture`] directory) alone and under the emulate rule, each on a
/// fixture of its own, and asserts that it printed the same and left the
/// same files behind. Returns what it printed.
fn alone_and_emulated(args: &[&str]) -> String {
    let log = tempdir();
    let mut seen = Vec::new();
    for run_emulated in [false, true] {
        let fx = fixture();
        let dir = fx.path().to_str().unwrap();
        let args: Vec<String> = args.iter().map(|a| a.replace("{}", dir)).collect();
        let mut cmd: Vec<&[u8]> = vec![PROG.as_bytes()];
        cmd.extend(args.iter().map(|a| a.as_bytes()));
        let (out, records) = if run_emulated {
            emulated(log.path(), &cmd)
        } else {
            (plain(&cmd), Vec::new())
        };
        if run_emulated {
            assert!(!records.is_empty(), "{args:?}: nothing was emulated");
        }
        seen.push((out, snapshot(fx.path())));
    }
    assert_eq!(seen[1].0, seen[0].0, "{args:?}: what the program printed");
    assert_eq!(seen[1].1, seen[0].1, "{args:?}: the files it left");
    seen.swap_remove(0).0
}

/// unlink, rmdir and unlinkat, emulated, do what they do alone: remove
/// the entry named (a link, not its target), fail on the wrong kind of
/// entry, and refuse unknown unlinkat flags.
#[test]
fn emulated_unlink_and_rmdir_remove_what_they_remove_alone() {
    const AT_FDCWD: &str = "-100";
    let cases: [(&[&str], &str); 13] = [
        (&["sys", "unlink", "s:{}/f"], "unlink: ok 0"),
        (&["sys", "unlink", "s:{}/l"], "unlink: ok 0"),
        (&["sys", "unlink", "s:{}/d"], "unlink: err errno 21"),
        (&["sys", "unlink", "s:{}/nothing"], "unlink: err ENOENT"),
        (&["sys", "rmdir", "s:{}/e"], "rmdir: ok 0"),
        (&["sys", "rmdir", "s:{}/d"], "rmdir: err errno 39"),
        (&["sys", "rmdir", "s:{}/f"], "rmdir: err errno 20"),
        (&["sys", "rmdir", "s:/"], "rmdir: err errno 16"),
        (
            &["sys", "unlinkat", AT_FDCWD, "s:{}/f", "0"],
            "unlinkat: ok 0",
        ),
        (
            &["sys", "unlinkat", AT_FDCWD, "s:{}/e", "0x200"],
            "unlinkat: ok 0",
        ),
        (
            &["sys", "unlinkat", AT_FDCWD, "s:{}/e", "0"],
            "unlinkat: err errno 21",
        ),
        (
            &["sys", "unlinkat", AT_FDCWD, "s:{}/f", "0x1"],
            "unlinkat: err EINVAL",
        ),
        (
            &["sys", "unlinkat", AT_FDCWD, "s:{}/e", "0x201"],
            "unlinkat: err EINVAL",
        ),
    ];
    for (args, expect) in cases {
        assert_eq!(alone_and_emulated(args).trim(), expect, "{args:?}");
    }
}

/// open, openat, openat2 and creat, emulated, give the program the same
/// fd (its open flags, close-on-exec, what it is) or the same error as
/// alone, and leave the same files: creating, truncating, appending,
/// O_EXCL and O_NOFOLLOW on links, dangling links, directories, the root
/// and a magic link. (O_PATH is left out: the kernel's SECCOMP_IOCTL_NOTIF_ADDFD
/// refuses to install an O_PATH file, so an emulated O_PATH open fails
/// with EBADF.)
#[test]
fn emulated_opens_give_the_fd_or_error_they_give_alone() {
    // x86_64 open flags.
    const AT_FDCWD: &str = "-100";
    let cases: [(&[&str], &str); 34] = [
        (&["sys", "open", "s:{}/f", "0"], "open: ok"),
        (&["sys", "open", "s:{}/f", "0x401"], "open: ok"),
        (&["sys", "open", "s:{}/new", "0x41", "0x1a4"], "open: ok"),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x202"],
            "openat: ok",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x80000"],
            "openat: ok",
        ),
        (&["sys", "creat", "s:{}/new", "0x1a0"], "creat: ok"),
        (&["sys", "creat", "s:{}/f", "0x1a0"], "creat: ok"),
        // O_CREAT on an existing file opens it, on a directory fails.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x41", "0x1a4"],
            "openat: ok",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/d", "0x40", "0x1a4"],
            "openat: err errno 21",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/d", "0x10040", "0x1a4"],
            "openat: err EINVAL",
        ),
        // O_CREAT|O_EXCL: never an existing name, not even a dangling link.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0xc1", "0x1a4"],
            "openat: err EEXIST",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/dl", "0xc1", "0x1a4"],
            "openat: err EEXIST",
        ),
        // O_CREAT alone follows the dangling link and creates `gone`.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/dl", "0x41", "0x1a4"],
            "openat: ok",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/l", "0x20000"],
            "openat: err errno 40",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/nothing", "0"],
            "openat: err ENOENT",
        ),
        // The root, and a magic link (the program's stdin, /dev/null).
        (&["sys", "openat", AT_FDCWD, "s:/", "0x10000"], "openat: ok"),
        (
            &["sys", "openat", AT_FDCWD, "s:/proc/self/fd/0", "0x1"],
            "openat: ok",
        ),
        // O_CREAT there too: EISDIR on /, and an open of what the link names.
        (
            &["sys", "openat", AT_FDCWD, "s:/", "0x40", "0"],
            "openat: err errno 21",
        ),
        (
            &[
                "sys",
                "openat",
                AT_FDCWD,
                "s:/proc/self/fd/0",
                "0x41",
                "0x1a4",
            ],
            "openat: ok",
        ),
        (
            &["sys", "openat2", AT_FDCWD, "s:{}/f", "how:0x401:0:0", "24"],
            "openat2: ok",
        ),
        (
            &[
                "sys",
                "openat2",
                AT_FDCWD,
                "s:{}/new",
                "how:0xc1:0x1a4:0",
                "24",
            ],
            "openat2: ok",
        ),
        // The program's own O_NOFOLLOW stays in F_GETFL; emulation adds none.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x20000"],
            "openat: ok",
        ),
        // openat drops flags it does not know and ignores a mode when it
        // creates nothing; openat2 refuses both.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x4", "0x1ff"],
            "openat: ok",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/new", "0x41", "0x71ff"],
            "openat: ok",
        ),
        (
            &["sys", "openat2", AT_FDCWD, "s:{}/f", "how:0:0x1ff:0", "24"],
            "openat2: err EINVAL",
        ),
        (
            &["sys", "openat2", AT_FDCWD, "s:{}/f", "how:0x4:0:0", "24"],
            "openat2: err EINVAL",
        ),
        // A mode only counts when creating: not with O_RDWR or
        // O_DIRECTORY alone; a mode wider than mode_t, openat2 refuses.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x2", "0x1ff"],
            "openat: ok",
        ),
        (
            &["sys", "openat", AT_FDCWD, "s:{}/d", "0x10000", "0x1ff"],
            "openat: ok",
        ),
        (
            &[
                "sys",
                "openat2",
                AT_FDCWD,
                "s:{}/f",
                "how:0:0x100000000:0",
                "24",
            ],
            "openat2: err EINVAL",
        ),
        // Every flag open keeps in the file, at once: O_WRONLY|O_APPEND|
        // O_NONBLOCK|O_SYNC|O_NOATIME|O_ASYNC|O_NOCTTY.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x143d01"],
            "openat: ok",
        ),
        // O_DIRECTORY on a file is ENOTDIR; O_DIRECT, whatever this file
        // system makes of it, the same as alone.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/f", "0x10000"],
            "openat: err errno 20",
        ),
        (&["sys", "openat", AT_FDCWD, "s:{}/f", "0x4000"], "openat: "),
        // O_CREAT|O_DIRECTORY of a new name: EINVAL, nothing made.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/newd", "0x10040", "0x1a4"],
            "openat: err EINVAL",
        ),
        // O_TMPFILE|O_RDWR: an unnamed file in the directory.
        (
            &["sys", "openat", AT_FDCWD, "s:{}/d", "0x410002", "0x180"],
            "openat: ok",
        ),
    ];
    for (args, expect) in cases {
        let out = alone_and_emulated(args);
        assert!(out.starts_with(expect), "{args:?}: {out}");
    }
}

/// openat2 with RESOLVE_* restrictions is refused (EOPNOTSUPP) rather
/// than emulated with fewer restrictions than the program asked for.
#[test]
fn emulated_openat2_with_resolve_flags_is_refused() {
    let fx = fixture();
    let f = format!("s:{}/f", fx.path().display());
    // RESOLVE_NO_SYMLINKS: alone, f is no link and opens.
    let cmd: Vec<&[u8]> = vec![
        PROG.as_bytes(),
        b"sys",
        b"openat2",
        b"-100",
        f.as_bytes(),
        b"how:0:0:0x4",
        b"24",
    ];
    assert!(plain(&cmd).starts_with("openat2: ok"));
    let (e, records) = emulated(fx.path(), &cmd);
    assert_eq!(e.trim(), "openat2: err EOPNOTSUPP");
    assert!(records.iter().any(|r| r["syscall"] == "openat2"));
}

/// An O_PATH open cannot be emulated (the kernel will not install such a
/// file in another process): it is refused with EOPNOTSUPP, not left to
/// fail with an EBADF that reads like a bad descriptor.
#[test]
fn emulated_o_path_open_is_refused() {
    let fx = fixture();
    let f = format!("s:{}/f", fx.path().display());
    let cmd: Vec<&[u8]> = vec![
        PROG.as_bytes(),
        b"sys",
        b"openat",
        b"-100",
        f.as_bytes(),
        b"0x200000",
    ];
    assert!(plain(&cmd).starts_with("openat: ok"), "{}", plain(&cmd));
    let (e, records) = emulated(fx.path(), &cmd);
    assert_eq!(e.trim(), "openat: err EOPNOTSUPP");
    assert!(records.iter().any(|r| r["syscall"] == "openat"));
}

/// Where unotify-tui itself may not call openat2 (an older container
/// runtime's seccomp profile answers it ENOSYS), an emulated open still
/// opens the file, guarded by O_NOFOLLOW instead, which F_GETFL then shows.
#[test]
fn emulated_open_works_where_openat2_is_refused_to_unotify_tui() {
    let fx = fixture();
    let f = format!("s:{}/f", fx.path().display());
    let cmd: Vec<&[u8]> = vec![
        PROG.as_bytes(),
        b"sys",
        b"openat",
        b"-100",
        f.as_bytes(),
        b"0",
    ];
    let alone = plain(&cmd);
    // The fd's number depends on what the test inherited; its flags are
    // O_LARGEFILE (0x8000) alone.
    assert!(
        alone.starts_with("openat: ok ") && alone.contains("\nfd: flags 0x8000 "),
        "{alone}"
    );
    let (e, records) = emulated_under(&[&PROG, "no-seccomp", "openat2"], fx.path(), &cmd);
    let nofollow = format!("fd: flags {:#x} ", 0x8000 | libc::O_NOFOLLOW);
    assert_eq!(e, alone.replace("fd: flags 0x8000 ", &nofollow));
    assert!(records.iter().any(|r| r["syscall"] == "openat"));
    // The same open without that filter shows no O_NOFOLLOW.
    assert_eq!(emulated(fx.path(), &cmd).0, alone);
}

/// A unix-socket server answering each connection with "hello", until the
/// test ends. Nobody waits for it: a program that does not connect fails
/// the test instead of hanging it.
fn serve_unix(listener: std::os::unix::net::UnixListener) {
    std::thread::spawn(move || {
        use std::io::Write;
        for mut s in listener.incoming().flatten() {
            let _ = writeln!(s, "hello");
        }
    });
}

/// bind, connect and listen, emulated, act as they do alone: a relative
/// unix-socket path is the program's (after its chdir), an abstract name
/// is no path, an address length is checked as the kernel does, an IP
/// port is no path, and listen listens.
#[test]
fn emulated_socket_calls_do_what_they_do_alone() {
    use std::os::unix::net::{SocketAddr, UnixListener};
    // Relative to the program's cwd, which is not the supervisor's.
    let d = tempdir();
    let listener = UnixListener::bind(d.path().join("sock")).unwrap();
    serve_unix(listener);
    let script = format!(
        "cd {} && exec {} connect-unix sock",
        d.path().display(),
        *PROG
    );
    let cmd: Vec<&[u8]> = vec![b"sh", b"-c", script.as_bytes()];
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    assert_eq!(p.trim(), "connect: ok server said \"hello\"");
    assert_eq!(e, p, "relative path");
    assert!(records.iter().any(|r| r["syscall"] == "connect"));

    // An abstract name.
    use std::os::linux::net::SocketAddrExt;
    let name = format!("unotify-test-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let listener = UnixListener::bind_addr(&addr).unwrap();
    serve_unix(listener);
    let cmd: Vec<&[u8]> = vec![PROG.as_bytes(), b"connect-abstract", name.as_bytes()];
    let p = plain(&cmd);
    let (e, records) = emulated(d.path(), &cmd);
    assert_eq!(p.trim(), "connect: ok server said \"hello\"");
    assert_eq!(e, p, "abstract name");
    assert!(records.iter().any(|r| r["syscall"] == "connect"));

    // Address lengths: a whole sockaddr_storage is fine, one more is not.
    assert_eq!(
        alone_and_emulated(&["bind-len", "128"]).trim(),
        "bind: ok 0"
    );
    assert_eq!(
        alone_and_emulated(&["bind-len", "129"]).trim(),
        "bind: err EINVAL"
    );

    // A port whose first byte (network order) is not 0: an IP address is
    // used as it is, never read as a path.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(port >= 256);
    let port = port.to_string();
    assert_eq!(alone_and_emulated(&["bind", &port]).trim(), "bind: ok");

    // listen: bind and listen on a port of the kernel's choosing.
    let cmd: Vec<&[u8]> = vec![PROG.as_bytes(), b"listen"];
    assert!(plain(&cmd).starts_with("listen: ok port "));
    let (e, records) = emulated(d.path(), &cmd);
    assert!(e.starts_with("listen: ok port "), "{e}");
    assert!(records.iter().any(|r| r["syscall"] == "listen"));
}

/// The tids of `pid`'s threads named `name`.
fn threads_named(pid: u32, name: &str) -> Vec<u32> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter(|t| {
                    std::fs::read_to_string(format!("/proc/{pid}/task/{t}/comm"))
                        .is_ok_and(|c| c.trim() == name)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The program is killed while the supervisor carries out its emulated
/// open, which waits on a FIFO for a writer. When a writer comes, the
/// open completes, and installing its fd in the program finds the call
/// gone: the record says gone, not that the open failed.
#[test]
fn a_program_killed_during_its_emulated_open_is_recorded_gone() {
    use std::os::unix::fs::OpenOptionsExt;
    use std::time::{Duration, Instant};
    let dir = tempdir();
    let fifo = dir.path().join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let rules = write_rules(dir.path(), EMULATE);
    let log = dir.path().join("log.jsonl");
    let mut child = Command::new(BIN)
        .args(["--headless", "--output", "/dev/null", "--log"])
        .arg(&log)
        .arg("--rules")
        .arg(&rules)
        .args(["--", &PROG, "read"])
        .arg(&fifo)
        .spawn()
        .unwrap();
    let me = child.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    // The emulation thread waits in its open of the FIFO (openat2, 437,
    // in /proc/…/syscall); the program waits for its answer.
    let in_open = || {
        threads_named(me, "unotify-emulate").iter().any(|t| {
            std::fs::read_to_string(format!("/proc/{me}/task/{t}/syscall"))
                .is_ok_and(|s| s.starts_with("437 "))
        })
    };
    while !in_open() {
        assert!(
            Instant::now() < deadline,
            "no emulation waiting in its open"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let children = std::fs::read_to_string(format!("/proc/{me}/task/{me}/children")).unwrap();
    let program: i32 = children.split_whitespace().next().unwrap().parse().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(program),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    // Gone for good (a zombie, or reaped) before the open can complete:
    // SIGKILL is delivered, not done, when kill returns.
    let dead = || {
        std::fs::read_to_string(format!("/proc/{program}/stat")).map_or(true, |s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        })
    };
    while !dead() {
        assert!(Instant::now() < deadline, "the program did not die");
        std::thread::sleep(Duration::from_millis(5));
    }
    // A writer: the supervisor's open of the FIFO returns.
    let _writer = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "unotify-tui did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    let fifo_s = fifo.to_str().unwrap();
    let opens: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["answer"]["action"] == "emulate" && v.to_string().contains(fifo_s))
        .collect();
    assert_eq!(opens.len(), 1, "{opens:?}");
    assert_eq!(opens[0]["result"], "gone", "{}", opens[0]);
}
