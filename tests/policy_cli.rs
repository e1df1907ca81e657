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
