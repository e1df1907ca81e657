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
    let (code, _, err) = run(&["--headless", "--history", "0", "--", "true"]);
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

/// The one line a usage mistake prints, and its status.
fn one_line(args: &[&str]) -> (i32, String) {
    let (code, _, err) = run(args);
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    (code, err.trim_end().to_string())
}

#[test]
fn a_mistyped_command_that_is_no_program_suggests_the_command() {
    let (code, err) = one_line(&["dmeo"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "unotify-tui: `dmeo` is not a command of unotify-tui nor a program on PATH \
         (did you mean `unotify-tui demo`?)"
    );
    let (code, err) = one_line(&["rulse", "check", "x.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.ends_with("(did you mean `unotify-tui rules`?)"),
        "{err}"
    );
    // A program by that name runs as ever.
    let dir = tempdir();
    let prog = dir.path().join("dmeo");
    std::fs::write(&prog, "#!/bin/sh\nexit 5\n").unwrap();
    std::fs::set_permissions(&prog, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(BIN)
        .args(["--headless", "--output", "/dev/null", "dmeo"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{out:?}");
}

#[test]
fn print_filter_into_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    // A reader that has gone before the first byte: every write is EPIPE.
    let (reader, writer) = nix::unistd::pipe().unwrap();
    drop(reader);
    let out = Command::new(BIN)
        .args(["--print-filter", "--trap", "@all"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn counts_are_singular_and_plural() {
    let (code, out, _) = run(&["--print-filter", "--trap", "mkdir"]);
    assert_eq!(code, 0);
    assert!(out.contains(", 1 syscall trapped (USER_NOTIF)"), "{out}");
    let (_, out, _) = run(&["--print-filter", "--trap", "mkdir,rmdir"]);
    assert!(out.contains(", 2 syscalls trapped (USER_NOTIF)"), "{out}");
}

#[test]
fn calls_a_process_needs_to_die_cannot_be_trapped() {
    for name in ["exit_group", "exit", "rt_sigreturn"] {
        let (code, err) = one_line(&["--headless", "--trap", name, "--", "true"]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.starts_with(&format!(
                "unotify-tui: --trap: `{name}` cannot be trapped: "
            )),
            "{err}"
        );
    }
    let (_, err) = one_line(&["--headless", "--trap", "openat,exit_group", "--", "true"]);
    assert!(
        err.contains("a process must always be able to exit"),
        "{err}"
    );
    let (_, err) = one_line(&["--headless", "--trap", "rt_sigreturn", "--", "true"]);
    assert!(
        err.contains("a process must always be able to return from a signal handler"),
        "{err}"
    );
}

#[test]
fn default_action_lists_only_actions_it_can_be() {
    let (code, err) = one_line(&["--headless", "--default-action", "alow", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "unotify-tui: --default-action: unknown action `alow` (did you mean `allow`? \
         expected allow, deny, deny:ERRNO or return:N)"
    );
}

#[test]
fn timeout_action_is_checked_before_its_missing_timeout() {
    let (code, err) = one_line(&["--headless", "--timeout-action", "kill", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "unotify-tui: --timeout-action: unknown action `kill` (expected allow, deny, \
         deny:ERRNO or return:N)"
    );
    let (code, err) = one_line(&["--headless", "--timeout-action", "allow", "--", "true"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("unotify-tui: --timeout-action needs --timeout <SECS>"),
        "{err}"
    );
}

#[test]
fn a_negative_timeout_is_refused_in_plain_words() {
    let (code, err) = one_line(&["--headless", "--timeout", "-1", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "unotify-tui: --timeout: `-1` is not a positive number of seconds"
    );
}

#[test]
fn a_log_in_a_missing_directory_is_a_usage_error() {
    let dir = tempdir();
    let log = dir.path().join("nodir/x");
    let (code, err) = one_line(&["--headless", "--log", log.to_str().unwrap(), "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "unotify-tui: --log: cannot open {}: there is no directory {}",
            log.display(),
            dir.path().join("nodir").display()
        )
    );
    let (code, err) = one_line(&["--headless", "--output", "/", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(err, "unotify-tui: --output: cannot open /: Is a directory");
}

#[test]
fn trap_names_are_suggested_whatever_their_case() {
    let (code, err) = one_line(&["--headless", "--trap", "@NET", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "unotify-tui: --trap: unknown group `@NET` (did you mean `@net`?)"
    );
    let (code, err) = one_line(&["--headless", "--trap", "MKDIR", "--", "true"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "unotify-tui: --trap: unknown syscall `MKDIR` (did you mean `mkdir`?)"
    );
}

/// Without a terminal (setsid: no controlling terminal), a run goes
/// headless and says so, but only once the program runs: a mistake in the
/// options or the program's name stays a one-line error.
#[test]
fn without_a_terminal_bad_input_is_still_one_line() {
    if !require(
        Command::new("setsid").arg("--version").output().is_ok(),
        "setsid (Debian package util-linux)",
    ) {
        return;
    }
    let stderr_of = |args: &[&str]| {
        let out = Command::new("setsid")
            .arg("--wait")
            .arg(BIN)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (args, code) in [
        (&["--trap", "exit_group", "--", "true"][..], 2),
        (&["--timeout", "-1", "--", "true"][..], 2),
        (&["--", "no-such-program-here"][..], 127),
    ] {
        let (c, err) = stderr_of(args);
        assert_eq!(c, code, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("no terminal"), "{args:?}: {err}");
    }
    // A good run says it once.
    let (c, err) = stderr_of(&["--output", "/dev/null", "--", "true"]);
    assert_eq!(c, 0, "{err}");
    assert_eq!(
        err.trim_end(),
        "unotify-tui: no terminal: running headless (--headless to say so)"
    );
}
