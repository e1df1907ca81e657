//! Bad input: clear one-line errors and the documented exit statuses.

mod common;

use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn command_not_found_is_127() {
    let (code, _, err) = run(&["--headless", "--", "no-such-program-xyz"]);
    assert_eq!(code, 127);
    assert_eq!(
        err.trim(),
        "unotify-tui: no-such-program-xyz: command not found"
    );
}

#[test]
fn not_executable_and_directory_are_127_with_reason() {
    let dir = tempdir();
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, "x").unwrap();
    let (code, _, err) = run(&["--headless", "--", file.to_str().unwrap()]);
    assert_eq!(code, 127);
    assert!(err.contains("cannot execute: Permission denied"), "{err}");
    let (code, _, err) = run(&["--headless", "--", "/tmp"]);
    assert_eq!(code, 127);
    assert!(err.contains("cannot execute: Is a directory"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn bad_rule_file_names_file_line_and_column() {
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        "[[rule]]\naction = \"allow\"\npaht = \"/tmp\"\n",
    );
    let (code, _, err) = run(&[
        "--headless",
        "--rules",
        rules.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert_eq!(code, 2);
    let first = err.lines().next().unwrap();
    assert!(first.contains("rules.toml:3:1"), "{err}");
    assert!(err.contains("paht"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_syscall_suggests_the_closest() {
    let (code, _, err) = run(&["--headless", "--trap", "mkdri", "--", "true"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `mkdir`"), "{err}");
    let (code, _, err) = run(&["--headless", "--default-action", "maybe", "--", "true"]);
    assert_eq!(code, 2);
    assert!(err.contains("--default-action"), "{err}");
    let (code, _, err) = run(&["--headless", "--errno", "EPREM", "--", "true"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean EPERM"), "{err}");
    let (code, _, err) = run(&["--history", "0", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(err.trim(), "unotify-tui: --history: must be at least 1");
}

#[test]
fn missing_program_is_a_usage_error() {
    let (code, _, err) = run(&["--headless"]);
    assert_eq!(code, 2);
    assert!(err.contains("no program given"), "{err}");
}

#[test]
fn print_filter_explains_the_program() {
    let (code, out, _) = run(&["--trap", "mkdir,openat", "--print-filter"]);
    assert_eq!(code, 0);
    assert!(out.contains("AUDIT_ARCH_X86_64"), "{out}");
    assert!(out.contains("mkdir (83)"), "{out}");
    assert!(out.contains("openat (257)"), "{out}");
    assert!(out.contains("SECCOMP_RET_USER_NOTIF"), "{out}");
}

#[test]
fn works_as_an_ordinary_user() {
    // As an ordinary user already, the other tests cover this one's case;
    // it still says that it did not run.
    if !require(is_root(), "root, to become an ordinary user with setpriv") {
        return;
    }
    let dir = tempdir();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    let target = dir.path().join("by-nobody");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(BIN)
        .args(["--headless", "--trap", "mkdir", "--"])
        .arg(*PROG)
        .arg("mkdir")
        .arg(&target)
        .output()
        .expect("setpriv (util-linux)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout} {stderr}");
    assert!(stdout.contains("mkdir: ok 0"), "{stdout} {stderr}");
    assert!(stderr.contains("] mkdir("), "{stderr}");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&target).unwrap().uid(), 65534);
}

/// unotify-tui inside a seccomp policy that refuses seccomp(2), as some
/// containers and sandboxes do: one clear line, status 1, and the target
/// never runs.
#[test]
fn refused_filter_is_a_clear_error() {
    let dir = tempdir();
    let marker = dir.path().join("ran");
    for which in ["all", "set-filter"] {
        let out = Command::new(*PROG)
            .args(["no-seccomp", which, BIN, "--headless", "--", *PROG, "mkdir"])
            .arg(&marker)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{which}: {err}");
        assert_eq!(err.lines().count(), 1, "{which}: {err}");
        assert!(err.starts_with("unotify-tui: "), "{which}: {err}");
        assert!(
            err.contains("EPERM (Operation not permitted)")
                && err.contains("seccomp policy (a container or sandbox) that forbids seccomp(2)"),
            "{which}: {err}"
        );
        assert!(
            !err.contains("os error") && !err.contains("Linux 5.0"),
            "{err}"
        );
        assert!(!marker.exists(), "the program must not run unsupervised");
    }
}

/// A process tree can have only one user-notification listener: run under
/// itself, unotify-tui says so instead of blaming the kernel.
#[test]
fn nested_supervisor_is_a_clear_error() {
    let dir = tempdir();
    let inner = [b"--headless".as_slice(), b"--", b"true"];
    let r = headless(dir.path(), &["--trap", "@exec"], BIN, &inner);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("EBUSY") && r.stderr.contains("another seccomp supervisor"),
        "{}",
        r.stderr
    );
    // The outer run answered the inner's exec and saw it end.
    assert_eq!(r.log_of("execve").len(), 1, "{}", r.trace);
    assert_eq!(
        r.trace.lines().last(),
        Some("+++ exited with 1 +++"),
        "{}",
        r.trace
    );
}
