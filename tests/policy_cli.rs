//! The rule-file features of the binary: `rules check`, learning mode
//! (`--save-rules` headless) on real programs, timeout options.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;

fn bin(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rules_check_prints_each_rule_in_plain_words() {
    let dir = tempdir();
    let file = write_rules(
        dir.path(),
        "# a comment\n\
         [[rule]]\nsyscall = [\"mkdir\", \"mkdirat\"]\npath = \"/tmp/**\"\naction = \"allow\"\n\n\
         [[rule]]\nsyscall = \"connect\"\nport = [80, 443]\naction = \"deny\"\n",
    );
    let f = file.to_str().unwrap();
    let (code, out, err) = bin(&["rules", "check", f]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "1  allow mkdir, mkdirat under /tmp/**   ({f}:2)\n\
             2  deny connect to port 80, 443 (EPERM)   ({f}:7)\n\
             {f}: 2 rules, no errors\n"
        )
    );
    let (code, out, _) = bin(&["rules", "check", "--errno", "EACCES", f]);
    assert_eq!(code, 0);
    assert!(out.contains("(EACCES)"), "{out}");
}

#[test]
fn rules_check_errors_name_the_place_and_exit_2() {
    let dir = tempdir();
    let file = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdri\"\naction = \"allow\"\n",
    );
    let f = file.to_str().unwrap();
    let (code, out, err) = bin(&["rules", "check", f]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        format!("unotify-tui: {f}:2:11: unknown syscall `mkdri` (did you mean `mkdir`?)\n")
    );
    let missing = dir.path().join("missing.toml");
    let m = missing.to_str().unwrap();
    let (code, _, err) = bin(&["rules", "check", m]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!("unotify-tui: cannot read {m}: No such file or directory\n")
    );
    // The program mode and the demo still parse as before.
    let (code, _, err) = bin(&["--print-filter", "--trap", "mkdir"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn timeout_options_are_checked() {
    for (args, needle) in [
        (
            &["--timeout", "soon", "--", "true"][..],
            "--timeout: `soon` is not a positive number of seconds",
        ),
        (
            &["--timeout", "0", "--", "true"][..],
            "is not a positive number",
        ),
        (
            &[
                "--timeout",
                "1",
                "--timeout-action",
                "emulate",
                "--",
                "true",
            ][..],
            "--timeout-action: emulate cannot answer every call",
        ),
        (
            &[
                "--timeout",
                "1",
                "--timeout-action",
                "deny:ENOPE",
                "--",
                "true",
            ][..],
            "--timeout-action: ",
        ),
        (
            &["--timeout-action", "allow", "--", "true"][..],
            "--timeout <SECS>",
        ),
    ] {
        let args = [&["--headless"][..], args].concat();
        let (code, _, err) = bin(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn learning_then_deny_by_default_decides_the_same_calls_the_same_way() {
    let dir = tempdir();
    let file = dir.path().join("learned.toml");
    let f = file.to_str().unwrap();
    let names = ["a", "b", "c/d"];
    let paths: Vec<Vec<u8>> = names
        .iter()
        .map(|n| path_bytes(&dir.path().join(n)))
        .collect();
    let mut args: Vec<&[u8]> = vec![b"mkdirs"];
    args.extend(paths.iter().map(|p| p.as_slice()));
    let first = mkdir_trapped(dir.path(), "allow", &["--save-rules", f], &args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains(&format!("learned 2 rules from 3 calls, added to {f}")),
        "{}",
        first.stderr
    );
    for n in &names[..2] {
        std::fs::remove_dir(dir.path().join(n)).unwrap();
    }
    let second = mkdir_trapped(dir.path(), "deny", &["--rules", f], &args);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_eq!(first.stdout.lines().count(), 3);
    // Same results (c/d fails with ENOENT both times: c does not exist).
    let sorted = |s: &str| {
        let mut l: Vec<String> = s.lines().map(str::to_string).collect();
        l.sort();
        l
    };
    assert_eq!(sorted(&first.stdout), sorted(&second.stdout));
    assert!(first.stdout.contains("c/d: err ENOENT"), "{}", first.stdout);
    for v in second.log_of("mkdir") {
        assert!(
            v["decided_by"].as_str().unwrap().starts_with("rule "),
            "{v}"
        );
        assert_eq!(v["answer"]["action"], "allow");
    }
    // Learning again adds to the file; nothing already there is lost.
    let before = std::fs::read_to_string(&file).unwrap();
    let again = mkdir_trapped(
        dir.path(),
        "allow",
        &["--save-rules", f],
        &[b"mkdir", &path_bytes(&dir.path().join("e"))],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.starts_with(&before), "{after}");
    assert_eq!(after.matches("[[rule]]").count(), 3);
}

#[test]
fn save_rules_refuses_a_broken_file_before_running() {
    let dir = tempdir();
    let file = write_rules(dir.path(), "[[rule]]\naction = \"alow\"\n");
    let target = dir.path().join("x");
    let r = mkdir_trapped(
        dir.path(),
        "allow",
        &["--save-rules", file.to_str().unwrap()],
        &[b"mkdir", &path_bytes(&target)],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("does not load as a rule file"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("rules.toml:2:10"), "{}", r.stderr);
    assert!(!target.exists(), "the program did not run");
}

/// A device, a FIFO or a huge file given as a rule file is refused at
/// once with one line and exit 2, never read: /dev/zero used to be read
/// until the OOM killer ended the process.
#[test]
fn rule_files_must_be_regular_files_of_bounded_size() {
    let dir = tempdir();
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let big = dir.path().join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((16 << 20) + 1)
        .unwrap();
    let cases = [
        ("/dev/zero".to_string(), "not a regular file"),
        (fifo.to_str().unwrap().to_string(), "not a regular file"),
        (
            dir.path().to_str().unwrap().to_string(),
            "not a regular file",
        ),
        (big.to_str().unwrap().to_string(), "larger than 16 MiB"),
    ];
    for (file, why) in &cases {
        let started = Instant::now();
        let (code, out, err) = bin(&["rules", "check", file]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err, format!("unotify-tui: cannot read {file}: {why}\n"));
        assert!(started.elapsed() < Duration::from_secs(5), "{file}");
    }
    let target = dir.path().join("x");
    // The test program is built first: a build is not what is timed.
    std::sync::LazyLock::force(&PROG);
    let started = Instant::now();
    let r = mkdir_trapped(
        dir.path(),
        "allow",
        &["--rules", "/dev/zero"],
        &[b"mkdir", &path_bytes(&target)],
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "unotify-tui: cannot read /dev/zero: not a regular file\n"
    );
    assert!(!target.exists(), "the program did not run");
}

/// `--save-rules` reads the file it adds to: a device is refused before
/// the program runs, like a file that does not load.
#[test]
fn save_rules_refuses_files_that_are_not_regular() {
    let dir = tempdir();
    let target = dir.path().join("x");
    std::sync::LazyLock::force(&PROG);
    for file in ["/dev/full", "/dev/zero"] {
        let started = Instant::now();
        let r = mkdir_trapped(
            dir.path(),
            "allow",
            &["--save-rules", file],
            &[b"mkdir", &path_bytes(&target)],
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{file}");
        assert_eq!(r.code, 2, "{file}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
        assert!(!target.exists(), "the program did not run");
    }
}

/// A real program: `git init` learned with everything allowed, then run
/// again in the same place with only the learned rules allowing anything.
#[test]
fn learning_git_init() {
    if !require(
        Command::new("git").arg("--version").output().is_ok(),
        "git, the program it learns",
    ) {
        return;
    }
    let dir = tempdir();
    let file = dir.path().join("git.toml");
    let f = file.to_str().unwrap();
    let run = |opts: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.current_dir(dir.path())
            .env("HOME", dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["--headless", "--output", "trace.txt"])
            .args(opts)
            .args(["--", "git", "init", "-q", "repo"]);
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--default-action", "allow", "--save-rules", f]);
    assert_eq!(code, Some(0), "{err}");
    let config = std::fs::read_to_string(dir.path().join("repo/.git/config")).unwrap();
    std::fs::remove_dir_all(dir.path().join("repo")).unwrap();
    let learned = std::fs::read_to_string(&file).unwrap();
    assert!(learned.contains("# learned "), "{learned}");
    let (code, err) = run(&["--default-action", "deny", "--rules", f]);
    let trace = std::fs::read_to_string(dir.path().join("trace.txt")).unwrap();
    assert_eq!(code, Some(0), "{err}\n{trace}\n{learned}");
    assert!(
        !trace.contains("(default)"),
        "nothing fell through to deny:\n{trace}\n{learned}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("repo/.git/config")).unwrap(),
        config
    );
    assert!(dir.path().join("repo/.git/HEAD").is_file());
}

/// A real program whose files have names no one chose: `git clone` of one
/// local repository learned with everything allowed, then a clone of
/// another repository (other files, other commits, so other object
/// directories and names) from the same source path into the same
/// destination with only the learned rules allowing anything. The learned
/// file stays short enough to review: object directories and hashes are
/// written as their shape, not one rule per directory.
#[test]
fn learning_git_clone_replays_for_another_repository() {
    if !require(
        Command::new("git").arg("--version").output().is_ok(),
        "git, the program it learns",
    ) {
        return;
    }
    let dir = tempdir();
    let home = dir.path();
    let git = |cwd: &std::path::Path, args: &[&str]| {
        let out = Command::new("git")
            .current_dir(cwd)
            .env("HOME", home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    // A repository at `src` with these files, committed over `commits`
    // commits (each changes every file).
    let make_repo = |names: &[String], commits: usize, tag: &str| {
        let src = home.join("src");
        let _ = std::fs::remove_dir_all(&src);
        git(home, &["init", "-q", "src"]);
        for c in 0..commits {
            for n in names {
                std::fs::write(src.join(n), format!("{tag} {n} version {c}\n")).unwrap();
            }
            git(&src, &["add", "-A"]);
            git(&src, &["commit", "-q", "-m", &format!("{tag} {c}")]);
        }
    };
    let file = home.join("clone.toml");
    let f = file.to_str().unwrap();
    let run = |opts: &[&str]| {
        let out = Command::new(BIN)
            .current_dir(home)
            .env("HOME", home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["--headless", "--output", "trace.txt"])
            .args(opts)
            .args(["--", "git", "clone", "-q", "src", "dest"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let a: Vec<String> = (0..20).map(|i| format!("notes-{i}.txt")).collect();
    make_repo(&a, 2, "A");
    let (code, err) = run(&["--default-action", "allow", "--save-rules", f]);
    assert_eq!(code, Some(0), "{err}");
    let learned = std::fs::read_to_string(&file).unwrap();
    let rules = learned.matches("[[rule]]").count();
    assert!(rules < 50, "{rules} rules:\n{learned}");
    // Still readable: a comment over every rule, the shapes spelled out.
    assert_eq!(learned.matches("# learned ").count(), rules, "{learned}");
    assert!(
        learned.contains("/dest/.git/objects/[0-9a-f][0-9a-f]"),
        "{learned}"
    );
    assert!(
        !learned.contains("**"),
        "no glob crosses directories:\n{learned}"
    );

    std::fs::remove_dir_all(home.join("dest")).unwrap();
    let b: Vec<String> = (0..9).map(|i| format!("b-{i}.md")).collect();
    make_repo(&b, 3, "B");
    let (code, err) = run(&["--default-action", "deny", "--rules", f]);
    let trace = std::fs::read_to_string(home.join("trace.txt")).unwrap();
    assert_eq!(code, Some(0), "{err}\n{trace}\n{learned}");
    assert!(
        !trace.contains("(default)"),
        "nothing fell through to deny:\n{trace}\n{learned}"
    );
    for n in &b {
        assert_eq!(
            std::fs::read_to_string(home.join("dest").join(n)).unwrap(),
            format!("B {n} version 2\n")
        );
    }
}

/// The rule file the export tests use: an unconditional deny with an
/// errno, an unconditional allow, a path rule and an emulate rule.
const EXPORT_RULES: &str = "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\nerrno = \"EACCES\"\n\n\
    [[rule]]\nsyscall = \"getppid\"\naction = \"allow\"\n\n\
    [[rule]]\nsyscall = \"openat\"\npath = \"/etc/**\"\naction = \"deny\"\n\n\
    [[rule]]\nsyscall = \"unlink\"\naction = \"emulate\"\n";

/// `rules export` on `EXPORT_RULES` with `args` before the file: the
/// profile, parsed and checked against the runtime-spec's shape.
fn export(args: &[&str]) -> (serde_json::Value, String, String) {
    let dir = tempdir();
    let file = write_rules(dir.path(), EXPORT_RULES);
    let f = file.to_str().unwrap().to_string();
    let mut all = vec!["rules", "export"];
    all.extend(args);
    all.push(&f);
    let (code, out, err) = bin(&all);
    assert_eq!(code, 0, "{err}");
    let profile: serde_json::Value = serde_json::from_str(&out).expect("the profile is JSON");
    check_seccomp_shape(&profile);
    (profile, err, f)
}

/// The `linux.seccomp` object of the OCI runtime-spec (config-linux.md):
/// only its fields, each of the right type and with known constants;
/// `comment` is docker's, which runc (Go's JSON) and crun ignore.
fn check_seccomp_shape(p: &serde_json::Value) {
    let top = p.as_object().expect("an object");
    for key in top.keys() {
        assert!(
            [
                "defaultAction",
                "defaultErrnoRet",
                "architectures",
                "flags",
                "listenerPath",
                "listenerMetadata",
                "syscalls"
            ]
            .contains(&key.as_str()),
            "unknown field {key}"
        );
    }
    let actions = [
        "SCMP_ACT_KILL",
        "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW",
        "SCMP_ACT_LOG",
        "SCMP_ACT_NOTIFY",
    ];
    assert!(
        actions.contains(
            &p["defaultAction"]
                .as_str()
                .expect("defaultAction is required")
        )
    );
    for arch in p["architectures"].as_array().expect("architectures") {
        assert!(arch.as_str().unwrap().starts_with("SCMP_ARCH_"), "{arch}");
    }
    let mut notify = false;
    let mut seen = std::collections::HashSet::new();
    for e in p["syscalls"].as_array().expect("syscalls") {
        for key in e.as_object().expect("an entry is an object").keys() {
            assert!(
                ["names", "action", "errnoRet", "args", "comment"].contains(&key.as_str()),
                "unknown entry field {key}"
            );
        }
        let names = e["names"].as_array().expect("names is required");
        assert!(!names.is_empty(), "names must contain at least one entry");
        for n in names {
            let n = n.as_str().expect("a name is a string");
            assert!(n.parse::<syscalls::Sysno>().is_ok(), "unknown syscall {n}");
            assert!(seen.insert(n.to_string()), "{n} in two entries");
        }
        let action = e["action"].as_str().expect("action is required");
        assert!(actions.contains(&action), "{action}");
        notify |= action == "SCMP_ACT_NOTIFY";
        if let Some(errno) = e.get("errnoRet") {
            assert!(errno.is_u64(), "errnoRet is a uint: {errno}");
            assert_eq!(action, "SCMP_ACT_ERRNO", "errnoRet on {action}");
        }
        assert!(e["comment"].is_string());
    }
    // listenerPath is what NOTIFY needs, and is set only then.
    assert_eq!(p.get("listenerPath").is_some(), notify, "{p}");
    if let Some(l) = p.get("listenerPath") {
        assert!(l.is_string());
    }
}

/// The entry that has `name`.
fn entry<'a>(p: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    p["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["names"].as_array().unwrap().iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no entry for {name}: {p}"))
}

#[test]
fn rules_export_makes_an_oci_profile() {
    let (p, err, f) = export(&[
        "--format",
        "oci",
        "--trap",
        "@file,getppid",
        "--socket",
        "/run/unotify.sock",
    ]);
    assert!(err.is_empty(), "{err}");
    assert_eq!(p["defaultAction"], "SCMP_ACT_ALLOW");
    assert_eq!(p["architectures"], serde_json::json!(["SCMP_ARCH_X86_64"]));
    assert_eq!(p["listenerPath"], "/run/unotify.sock");

    let mkdir = entry(&p, "mkdir");
    assert_eq!(mkdir["action"], "SCMP_ACT_ERRNO");
    assert_eq!(mkdir["errnoRet"], libc::EACCES);
    assert_eq!(mkdir["comment"], format!("{f}:1 deny mkdir (EACCES)"));
    let getppid = entry(&p, "getppid");
    assert_eq!(getppid["action"], "SCMP_ACT_ALLOW");
    assert_eq!(getppid["comment"], format!("{f}:6 allow getppid"));
    // The answer depends on the path: the agent decides.
    let openat = entry(&p, "openat");
    assert_eq!(openat["action"], "SCMP_ACT_NOTIFY");
    assert!(
        openat["comment"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{f}:10 deny EPERM; builtin:")),
        "{openat}"
    );
    let unlink = entry(&p, "unlink");
    assert_eq!(unlink["action"], "SCMP_ACT_NOTIFY");
    assert_eq!(unlink["comment"], format!("{f}:15 emulate unlink"));
    // Trapped calls no rule decides get the default action, said so.
    for name in ["mkdirat", "rmdir", "rename", "unlinkat"] {
        let e = entry(&p, name);
        assert_eq!(e["action"], "SCMP_ACT_ALLOW", "{name}");
        assert_eq!(e["comment"], "no rule: --default-action allow", "{name}");
    }
    // Exactly the trap set, each once (the shape check sees "once").
    let count: usize = p["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["names"].as_array().unwrap().len())
        .sum();
    assert_eq!(count, 26 + 1);
    // Outside the trap set nothing is listed: defaultAction allows it.
    for name in ["read", "mmap", "connect", "execve"] {
        assert!(!p.to_string().contains(&format!("\"{name}\"")), "{name}");
    }

    // Another default action: untouched trapped calls get it, and the
    // built-in rules now send the open calls to the agent.
    let (p, _, _) = export(&[
        "--trap",
        "@file,getppid",
        "--default-action",
        "deny:EROFS",
        "--socket",
        "/run/unotify.sock",
    ]);
    for name in ["mkdirat", "rmdir", "rename", "unlinkat"] {
        let e = entry(&p, name);
        assert_eq!(e["action"], "SCMP_ACT_ERRNO", "{name}");
        assert_eq!(e["errnoRet"], libc::EROFS, "{name}");
        assert_eq!(e["comment"], "no rule: --default-action deny:EROFS");
    }
    assert_eq!(entry(&p, "open")["action"], "SCMP_ACT_NOTIFY");
    assert_eq!(entry(&p, "mkdir")["errnoRet"], libc::EACCES);
    // Without the built-in rules an open no rule decides is refused too.
    let (p, _, _) = export(&[
        "--trap",
        "@file,getppid",
        "--default-action",
        "deny",
        "--no-default-rules",
        "--socket",
        "/run/unotify.sock",
    ]);
    assert_eq!(entry(&p, "open")["action"], "SCMP_ACT_ERRNO");
    assert_eq!(entry(&p, "open")["errnoRet"], libc::EPERM);
}

#[test]
fn rules_export_says_what_it_cannot_do() {
    // A rule for a syscall --trap leaves out: a note, and no entry.
    let (p, err, f) = export(&["--socket", "/run/unotify.sock"]);
    assert_eq!(
        err,
        format!(
            "unotify-tui: note: {f}:6 names getppid, which --trap leaves out: the profile \
             allows it, as unotify-tui would\n"
        )
    );
    assert!(!p.to_string().contains("getppid"));

    let dir = tempdir();
    let file = write_rules(dir.path(), EXPORT_RULES);
    let f = file.to_str().unwrap();
    let one_line = |args: &[&str]| {
        let (code, out, err) = bin(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.lines().count(), 1, "{err}");
        err.trim_end().to_string()
    };
    // NOTIFY needs a socket to name.
    assert_eq!(
        one_line(&["rules", "export", f]),
        format!(
            "unotify-tui: openat needs an agent to decide it ({f}:10 looks at paths): give \
             --socket PATH, where the agent listens"
        )
    );
    let missing = dir.path().join("missing.toml");
    let m = missing.to_str().unwrap();
    assert_eq!(
        one_line(&["rules", "export", "--socket", "/s", m]),
        format!("unotify-tui: cannot read {m}: No such file or directory")
    );
    assert_eq!(
        one_line(&["rules", "export", "--format", "docker", f]),
        "unotify-tui: --format: unknown format `docker` (the one there is: oci)"
    );
    assert!(one_line(&["rules", "export"]).contains("no rule file given"));
    assert!(
        one_line(&["rules", "export", "--default-action", "emulate", f])
            .starts_with("unotify-tui: --default-action: emulate cannot be a default")
    );
    assert!(one_line(&["rules", "export", "--trap", "mkdri", f]).contains("did you mean `mkdir`"));
}
