//! End-to-end runs of the real binary, headless, under real seccomp.

mod common;

use common::*;

#[test]
fn deny_keeps_directory_from_being_created() {
    let dir = tempdir();
    let target = dir.path().join("denied");
    let r = mkdir_trapped(dir.path(), "deny", &[], &[b"mkdir", &path_bytes(&target)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("mkdir: err EPERM"), "{}", r.stdout);
    assert!(!target.exists());
    let lines = r.trace_of("mkdir");
    assert_eq!(lines.len(), 1, "{}", r.trace);
    assert!(
        lines[0].contains("deny = -1 EPERM (Operation not permitted)"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(&format!("{:?}", target.to_str().unwrap())),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("(default)"), "{}", lines[0]);
}

#[test]
fn allow_creates_directory_and_errno_option_changes_deny() {
    let dir = tempdir();
    let target = dir.path().join("allowed");
    let r = mkdir_trapped(dir.path(), "allow", &[], &[b"mkdir", &path_bytes(&target)]);
    assert!(r.stdout.contains("mkdir: ok 0"), "{}", r.stdout);
    assert!(target.is_dir());
    assert!(r.trace_of("mkdir")[0].contains("→ allow"), "{}", r.trace);

    let other = dir.path().join("enoent");
    let r = mkdir_trapped(
        dir.path(),
        "deny",
        &["--errno", "EACCES"],
        &[b"mkdir", &path_bytes(&other)],
    );
    assert!(r.stdout.contains("mkdir: err EACCES"), "{}", r.stdout);
    let r = mkdir_trapped(
        dir.path(),
        "deny:ENOENT",
        &[],
        &[b"mkdir", &path_bytes(&other)],
    );
    assert!(r.stdout.contains("mkdir: err ENOENT"), "{}", r.stdout);
    assert!(!other.exists());
}

#[test]
fn return_spoofs_success_without_doing_anything() {
    let dir = tempdir();
    let target = dir.path().join("spoofed");
    let r = mkdir_trapped(
        dir.path(),
        "return:7",
        &[],
        &[b"mkdir", &path_bytes(&target)],
    );
    assert!(r.stdout.contains("mkdir: ok 7"), "{}", r.stdout);
    assert!(!target.exists());
    assert!(r.trace_of("mkdir")[0].contains("return = 7"), "{}", r.trace);
}

#[test]
fn emulated_mkdir_is_done_by_the_supervisor_with_relative_path_resolved() {
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = [\"mkdir\", \"mkdirat\"]\npath = \"{}/**\"\naction = \"emulate\"\n",
            dir.path().display()
        ),
    );
    let target = dir.path().join("emulated");
    let r = mkdir_trapped(
        dir.path(),
        "deny",
        &["--rules", rules.to_str().unwrap()],
        &[b"mkdir", &path_bytes(&target)],
    );
    assert!(
        r.stdout.contains("mkdir: ok 0"),
        "{} {}",
        r.stdout,
        r.stderr
    );
    assert!(target.is_dir());
    let line = r.trace_of("mkdir")[0];
    assert!(line.contains("emulate = 0"), "{line}");
    assert!(line.contains("rules.toml:1"), "{line}");
    // Emulating again: the supervisor's mkdir fails, and the target sees why.
    let r = mkdir_trapped(
        dir.path(),
        "allow",
        &["--rules", rules.to_str().unwrap()],
        &[b"mkdir", &path_bytes(&target)],
    );
    assert!(r.stdout.contains("mkdir: err EEXIST"), "{}", r.stdout);
    let log = r.log_of("mkdir");
    assert_eq!(log[0]["answer"]["action"], "emulate");
    assert_eq!(log[0]["return"]["errno"], "EEXIST");
}

/// A relative path in an emulated call resolves against the program's cwd,
/// not unotify-tui's: unotify-tui runs in `sup`, the program moves to
/// `work` before its mkdir.
#[test]
fn emulated_relative_mkdir_lands_in_the_programs_cwd() {
    let dir = tempdir();
    let (sup, work) = (dir.path().join("sup"), dir.path().join("work"));
    std::fs::create_dir(&sup).unwrap();
    std::fs::create_dir(&work).unwrap();
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"emulate\"\n",
    );
    let trace = dir.path().join("trace.txt");
    let out = std::process::Command::new(BIN)
        .current_dir(&sup)
        .args(["--headless", "--trap", "mkdir", "--default-action", "deny"])
        .arg("--rules")
        .arg(&rules)
        .arg("--output")
        .arg(&trace)
        .arg("--")
        .arg(*PROG)
        .arg("chdir-mkdir")
        .arg(&work)
        .arg("rel")
        .output()
        .expect("running unotify-tui");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let trace = std::fs::read_to_string(&trace).unwrap_or_default();
    assert!(stdout.contains("mkdir: ok 0"), "{stdout}\n{trace}");
    assert!(trace.contains("emulate = 0"), "{trace}");
    assert!(
        !sup.join("rel").exists(),
        "made in unotify-tui's cwd instead of the program's"
    );
    assert!(work.join("rel").is_dir(), "{trace}");
}

#[test]
fn emulated_open_installs_the_fd_in_the_target() {
    let dir = tempdir();
    let file = dir.path().join("hello.txt");
    std::fs::write(&file, "hello from the supervisor\n").unwrap();
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = [\"open\", \"openat\"]\npath = \"{}\"\naction = \"emulate\"\n",
            file.display()
        ),
    );
    let r = prog(
        dir.path(),
        &["--rules", rules.to_str().unwrap()],
        &[b"read", &path_bytes(&file)],
    );
    assert!(
        r.stdout.contains("content \"hello from the supervisor\""),
        "stdout: {}\ntrace: {}",
        r.stdout,
        r.trace
    );
    let line = r
        .trace
        .lines()
        .find(|l| l.contains("] openat(") && l.contains("hello.txt"))
        .expect("open traced");
    assert!(line.contains("emulate = "), "{line}");
    let fd: i64 = line
        .rsplit("emulate = ")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        r.stdout.contains(&format!("open: ok fd {fd} ")),
        "{} vs {line}",
        r.stdout
    );
}

#[test]
fn threads_and_forked_children_are_attributed_to_the_right_pid() {
    let dir = tempdir();
    let prefix = dir.path().join("t");
    let r = mkdir_trapped(
        dir.path(),
        "allow",
        &[],
        &[b"threads", b"4", &path_bytes(&prefix)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mkdirs = r.log_of("mkdir");
    assert_eq!(mkdirs.len(), 4, "{}", r.trace);
    for line in r.stdout.lines().filter(|l| l.starts_with("thread ")) {
        let parts: Vec<&str> = line.split(' ').collect();
        let (tid, path) = (parts[1].parse::<u64>().unwrap(), parts[2]);
        let entry = mkdirs
            .iter()
            .find(|v| v["decoded"][0]["path"] == path)
            .unwrap_or_else(|| panic!("no log entry for {path}"));
        assert_eq!(entry["tid"], tid, "{entry}");
        assert_ne!(entry["pid"], tid, "threads share the process id");
    }

    let prefix = dir.path().join("f");
    let r = mkdir_trapped(
        dir.path(),
        "allow",
        &[],
        &[b"fork", b"3", &path_bytes(&prefix)],
    );
    let mkdirs = r.log_of("mkdir");
    assert_eq!(mkdirs.len(), 3, "{}", r.trace);
    for line in r.stdout.lines().filter(|l| l.starts_with("child ")) {
        let parts: Vec<&str> = line.split(' ').collect();
        let (pid, path) = (parts[1].parse::<u64>().unwrap(), parts[2]);
        let entry = mkdirs
            .iter()
            .find(|v| v["decoded"][0]["path"] == path)
            .unwrap();
        assert_eq!(entry["pid"], pid, "{entry}");
        assert_eq!(entry["tid"], pid, "{entry}");
    }
}

#[test]
fn unreadable_pointers_are_decoded_as_such_and_answered() {
    let dir = tempdir();
    let r = mkdir_trapped(dir.path(), "deny", &[], &[b"mkdir-addr", b"1"]);
    assert!(r.stdout.contains("mkdir: err EPERM"), "{}", r.stdout);
    assert!(
        r.trace_of("mkdir")[0].contains("<unreadable: EFAULT>"),
        "{}",
        r.trace
    );

    let r = mkdir_trapped(dir.path(), "deny", &[], &[b"mkdir-unterminated"]);
    assert!(r.stdout.contains("mkdir: err EPERM"), "{}", r.stdout);
    let line = r.trace_of("mkdir")[0];
    assert!(line.contains("aaaa\"...<unreadable: EFAULT>"), "{line}");
}

#[test]
fn target_strings_are_escaped_in_the_trace_and_exact_in_the_log() {
    let dir = tempdir();
    let mut path = path_bytes(dir.path());
    path.extend_from_slice(b"/red\x1b[31mdir\xff\n");
    let r = mkdir_trapped(dir.path(), "deny", &[], &[b"mkdir", &path]);
    let line = r.trace_of("mkdir")[0];
    assert!(!line.contains('\x1b'), "raw escape in {line:?}");
    assert!(line.contains("red\\e[31mdir\\xff\\n"), "{line}");
    assert!(!r.trace.contains('\x1b'));
    let entry = r.log_of("mkdir")[0];
    let hex = entry["decoded"][0]["path"]["hex"]
        .as_str()
        .expect("invalid UTF-8 is logged as hex");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(bytes, path);
}

#[test]
fn listen_shows_the_bound_port() {
    let dir = tempdir();
    let r = prog(dir.path(), &["--trap", "@net"], &[b"listen"]);
    let port = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("listen: ok port "))
        .unwrap_or_else(|| panic!("{}", r.stdout))
        .trim()
        .to_string();
    let line = r.trace_of("listen")[0];
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
}

#[test]
fn traced_execve_is_the_first_event() {
    let dir = tempdir();
    let r = prog(dir.path(), &["--trap", "execve,mkdir"], &[b"exit", b"0"]);
    let first = r.trace.lines().next().expect("a trace line");
    assert!(first.contains("] execve(\""), "{first}");
    assert!(first.contains("unotify-testprog"), "{first}");
    assert_eq!(r.log[0]["syscall"], "execve");
}

#[test]
fn exit_status_is_the_targets() {
    let dir = tempdir();
    assert_eq!(prog(dir.path(), &[], &[b"exit", b"3"]).code, 3);
    assert_eq!(prog(dir.path(), &[], &[b"kill-self", b"9"]).code, 128 + 9);
}

#[test]
fn demo_runs_headless() {
    let out = std::process::Command::new(BIN)
        .args(["demo", "--headless"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("[1/7] mkdir") && stdout.contains("made-by-supervisor → ok"),
        "{stdout}"
    );
    assert!(stdout.contains("relative-dir"), "{stdout}");
    assert!(stdout.contains("failed: EOPNOTSUPP"), "{stdout}");
    assert!(
        stdout.contains("[4/7] create noopen.txt → failed: EPERM"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[5/7] create and write open.txt → ok"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[7/7] connect") && stdout.contains("message → ok"),
        "{stdout}"
    );
    assert!(stderr.contains("emulate = 0"), "{stderr}");
    assert!(stderr.contains("deny = -1 EOPNOTSUPP"), "{stderr}");
}

/// Emulation must not give the target more than it could do itself: when
/// unotify-tui is root and the target is not, the work runs with the
/// target's fsuid/fsgid.
#[test]
fn emulation_runs_with_the_targets_credentials() {
    if !require(is_root(), "root, to start a target as another user") {
        return;
    }
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempdir();
    let closed = dir.path().join("root-only");
    let open = dir.path().join("open");
    std::fs::create_dir(&closed).unwrap();
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&closed, PermissionsExt::from_mode(0o700)).unwrap();
    std::fs::set_permissions(&open, PermissionsExt::from_mode(0o777)).unwrap();
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/**\"\naction = \"emulate\"\n",
            dir.path().display()
        ),
    );
    let as_nobody = |target: &std::path::Path| {
        let mut args: Vec<Vec<u8>> = [
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--",
            *PROG,
            "mkdir",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        args.push(path_bytes(target));
        let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        headless(
            dir.path(),
            &["--trap", "mkdir", "--rules", rules.to_str().unwrap()],
            "setpriv",
            &refs,
        )
    };
    let r = as_nobody(&closed.join("x"));
    assert!(
        r.stdout.contains("mkdir: err EACCES"),
        "{} {}",
        r.stdout,
        r.trace
    );
    assert!(
        r.trace_of("mkdir")[0].contains("emulate = -1 EACCES"),
        "{}",
        r.trace
    );
    assert!(!closed.join("x").exists());

    let r = as_nobody(&open.join("y"));
    assert!(r.stdout.contains("mkdir: ok 0"), "{} {}", r.stdout, r.trace);
    let meta = std::fs::metadata(open.join("y")).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
}

/// An allowed call's result is the kernel's: the trace says `= ?` and the
/// log `return_unknown`. Of the execve calls a PATH search allows, the
/// trace names the one that ran once the process's next call shows it.
#[test]
fn allowed_calls_say_their_result_is_unknown_and_the_exec_that_ran_is_named() {
    let dir = tempdir();
    let log = dir.path().join("log.jsonl");
    let out = std::process::Command::new(BIN)
        .args([
            "--headless",
            "--trap",
            "execve,openat",
            "--default-action",
            "allow",
        ])
        .args(["--log", log.to_str().unwrap(), "--", "env", "true"])
        .env(
            "PATH",
            "/nonexistent-unotify/a:/nonexistent-unotify/b:/usr/bin:/bin",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let trace = String::from_utf8_lossy(&out.stderr);
    let execs: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("] execve(\"") && !l.contains("] ran: "))
        .collect();
    assert_eq!(execs.len(), 4, "env, two misses, true:\n{trace}");
    assert!(execs.iter().all(|l| l.contains("→ allow = ?")), "{trace}");
    let ran: Vec<&str> = trace.lines().filter(|l| l.contains("] ran: ")).collect();
    assert_eq!(ran.len(), 2, "env, then true:\n{trace}");
    assert!(ran[0].contains("ran: execve(\"/usr/bin/env\""), "{trace}");
    assert!(ran[1].contains("ran: execve(\"/usr/bin/true\""), "{trace}");
    assert!(
        ran[1].contains("the process is now /usr/bin/true"),
        "{trace}"
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let exec_records: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["syscall"] == "execve")
        .collect();
    assert_eq!(exec_records.len(), 4, "one record per call, no extra lines");
    assert!(
        exec_records
            .iter()
            .all(|r| r["return"].is_null()
                && r["return_unknown"] == "result unknown: the kernel ran it"),
        "{records:?}"
    );
}

/// With no rule that needs it, the trace still shows where a path really
/// leads (found before the answer, in the program's view).
#[test]
fn the_trace_shows_the_real_path_behind_a_symlink() {
    let dir = tempdir();
    let link = dir.path().join("l");
    std::os::unix::fs::symlink("/etc", &link).unwrap();
    let target = link.join("hostname");
    let out = std::process::Command::new(BIN)
        .args(["--headless", "--no-default-rules", "--trap", "openat"])
        .args(["--default-action", "allow", "--", "cat"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let trace = String::from_utf8_lossy(&out.stderr);
    let line = trace
        .lines()
        .find(|l| l.contains("/l/hostname"))
        .unwrap_or_else(|| panic!("{trace}"));
    assert!(line.contains("→ /etc/hostname"), "{line}");
}

/// The `--summary` table's row for `syscall`, by column header.
fn summary_row(stderr: &str, syscall: &str) -> std::collections::HashMap<String, String> {
    let mut lines = stderr
        .lines()
        .skip_while(|l| !l.starts_with("unotify-tui: summary"))
        .skip(1);
    let cells = |l: &str| -> Vec<String> {
        l.replace(" µs", "")
            .split_whitespace()
            .filter(|w| *w != "│")
            .map(str::to_string)
            .collect()
    };
    let header = cells(lines.next().expect("a summary table on stderr"));
    let row = lines
        .map(cells)
        .find(|c| c[0] == syscall)
        .unwrap_or_else(|| panic!("no {syscall} row in\n{stderr}"));
    assert_eq!(header.len(), row.len(), "{header:?} {row:?}");
    header.into_iter().zip(row).collect()
}

#[test]
fn summary_counts_each_call_with_its_answer_and_who_decided() {
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\nerrno = \"EACCES\"\n",
    );
    let paths: Vec<Vec<u8>> = (0..7)
        .map(|i| path_bytes(&dir.path().join(format!("d{i}"))))
        .collect();
    let mut args: Vec<&[u8]> = vec![b"mkdirs"];
    args.extend(paths.iter().map(Vec::as_slice));
    let rules = rules.to_str().unwrap();
    let r = prog(
        dir.path(),
        &["--trap", "mkdir", "--rules", rules, "--summary"],
        &args,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // What the program saw, and the file system.
    assert_eq!(r.stdout.matches(": err EACCES").count(), 7, "{}", r.stdout);
    assert!((0..7).all(|i| !dir.path().join(format!("d{i}")).exists()));
    let row = summary_row(&r.stderr, "mkdir");
    for (column, want) in [
        ("calls", "7"),
        ("deny", "7"),
        ("rule", "7"),
        ("allow", "0"),
        ("gone", "0"),
        ("you", "0"),
        ("default", "0"),
    ] {
        assert_eq!(row[column], want, "{column} in\n{}", r.stderr);
    }
    let p50: f64 = row["p50"].parse().expect("p50 in µs");
    let p99: f64 = row["p99"].parse().expect("p99 in µs");
    assert!(p50 > 0.0 && p50 <= p99, "{}", r.stderr);
    assert_eq!(summary_row(&r.stderr, "total")["calls"], "7");
    // Without --summary there is no table.
    let r = prog(dir.path(), &["--trap", "mkdir", "--rules", rules], &args);
    assert!(!r.stderr.contains("summary"), "{}", r.stderr);
}

/// The receiver decodes each call into the memory of an earlier one
/// (once the trace writer has given records back): a short path after
/// long ones, a path with `..`, a relative one, must each be shown,
/// logged and matched as the program gave it, with nothing of the call
/// before. The deny rule on the short path is the outcome the program
/// sees.
#[test]
fn paths_of_successive_calls_are_each_their_own() {
    let dir = tempdir();
    let base = dir.path().canonicalize().unwrap();
    let filler = base.join("a-much-longer-directory-name-than-any-that-follows");
    std::fs::create_dir(&filler).unwrap();
    let short = base.join("b");
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = {:?}\naction = \"deny\"\n",
            short.to_str().unwrap()
        ),
    );
    let up = format!("{}/../c", filler.display());
    let r = prog(
        dir.path(),
        &[
            "--trap",
            "mkdir",
            "--default-action",
            "allow",
            "--rules",
            rules.to_str().unwrap(),
        ],
        &[
            b"mkdir-seq",
            b"3000",
            &path_bytes(&filler),
            &path_bytes(&base),
            &path_bytes(&short),
            up.as_bytes(),
            b"rel",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // What the program saw: only the short path was refused.
    let shown = |p: &str, how: &str| format!("mkdir {p}: {how}");
    let short_s = short.display().to_string();
    assert!(
        r.stdout.contains(&shown(&short_s, "err EPERM")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&shown(&up, "ok 0")), "{}", r.stdout);
    assert!(r.stdout.contains(&shown("rel", "ok 0")), "{}", r.stdout);
    assert!(!short.exists() && base.join("c").is_dir() && base.join("rel").is_dir());
    // What was logged: each path exactly, resolved on its own.
    let logged: Vec<(String, String)> = r
        .log_of("mkdir")
        .into_iter()
        .map(|v| {
            let arg = &v["decoded"][0];
            let text = |k: &str| arg[k].as_str().unwrap_or_default().to_string();
            (text("path"), text("resolved"))
        })
        .filter(|(given, _)| *given != filler.display().to_string())
        .collect();
    let base_s = base.display().to_string();
    let want = [
        (short_s.clone(), short_s.clone()),
        (up.clone(), format!("{base_s}/c")),
        ("rel".to_string(), format!("{base_s}/rel")),
    ];
    assert_eq!(logged, want);
    assert_eq!(r.log_of("mkdir").len(), 3003, "every call logged");
    // And shown: the trace line of the short path, denied by the rule.
    let lines: Vec<&str> = r
        .trace_of("mkdir")
        .into_iter()
        .filter(|l| l.contains(&format!("{short_s:?}")))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("deny") && lines[0].contains("rule 1"),
        "{}",
        lines[0]
    );
}

/// An emulation answers on a thread of its own, and the program goes on
/// the moment the answer reaches the kernel: its next call, allowed by a
/// rule, is recorded by the receiver at once. The trace and the log still
/// list the calls in the order they were answered, each emulated call
/// before the mkdir the program made after it, whichever way the
/// emulation answered: a value (a new directory), an error (one that
/// exists already), or a new fd installed in the program (an open).
#[test]
fn trace_and_log_keep_the_order_of_answers_across_emulations() {
    let dir = tempdir();
    let base = dir.path().canonicalize().unwrap();
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = [\"{0}/e*\", \"{0}/x*\"]\naction = \"emulate\"\n\
             [[rule]]\nsyscall = \"openat\"\npath = \"{0}/o*\"\naction = \"emulate\"\n\
             [[rule]]\nsyscall = \"mkdir\"\npath = \"{0}/r*\"\naction = \"allow\"\n",
            base.display()
        ),
    );
    const PAIRS: usize = 900;
    // Each emulated call, then the mkdir the rule allows.
    let calls: Vec<(&str, String)> = (0..PAIRS)
        .flat_map(|i| {
            let emulated = match i % 3 {
                0 => ("mkdir", format!("e{i}")),
                1 => ("mkdir", format!("x{i}")),
                _ => ("open", format!("o{i}")),
            };
            [emulated, ("mkdir", format!("r{i}"))]
        })
        .collect();
    for (_, n) in calls.iter().filter(|(_, n)| n.starts_with('x')) {
        std::fs::create_dir(base.join(n)).unwrap();
    }
    let seq: Vec<String> = calls.iter().map(|(c, n)| format!("{c}:{n}")).collect();
    let base_bytes = path_bytes(&base);
    let mut args: Vec<&[u8]> = vec![b"seq", &base_bytes];
    args.extend(seq.iter().map(|a| a.as_bytes()));
    let r = prog(
        dir.path(),
        &[
            "--trap",
            "mkdir,openat",
            "--default-action",
            "allow",
            "--rules",
            rules.to_str().unwrap(),
        ],
        &args,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // What the program got: the emulations answered each way.
    for (c, n) in &calls {
        let got = if n.starts_with('x') {
            "err EEXIST"
        } else {
            "ok "
        };
        assert!(
            r.stdout.contains(&format!("{c} {n}: {got}")),
            "{c} {n}: {}",
            r.stdout
        );
    }
    assert!(base.join("e0").is_dir() && base.join("o2").is_file() && base.join("r1").is_dir());
    // The name each line or record is about, in order.
    let names: Vec<&String> = calls.iter().map(|(_, n)| n).collect();
    let named = |text: &str| {
        names
            .iter()
            .find(|n| text.contains(&format!("\"{n}\"")))
            .map(|n| n.to_string())
    };
    let ours = |l: &&str| l.contains("] mkdir(") || l.contains("] openat(");
    let traced: Vec<String> = r.trace.lines().filter(ours).filter_map(named).collect();
    let logged: Vec<String> = r
        .log
        .iter()
        .filter(|v| v["syscall"] == "mkdir" || v["syscall"] == "openat")
        .filter_map(|v| named(&v["decoded"].to_string()))
        .collect();
    let expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    for (what, order) in [("trace", &traced), ("log", &logged)] {
        let wrong = format!("{what}: an emulated call after the mkdir the program made next");
        assert_pairs_in_order(order, &expected, &wrong);
    }
}

/// The trace's getpriority and mkdir calls of `prio-mkdir` as `pN` and
/// `mN` (N: the call's index), in the order the trace has them.
fn prio_mkdir_order(run: &Run) -> Vec<String> {
    run.trace
        .lines()
        .filter_map(|l| {
            if let Some(rest) = l.split("] getpriority(PRIO_PROCESS, ").nth(1) {
                let who: u64 = rest.split(')').next()?.parse().ok()?;
                Some(format!("p{}", who - (1 << 30)))
            } else {
                let rest = l.split("] mkdir(\"").nth(1)?;
                let name = rest.split('"').next()?.rsplit('/').next()?;
                Some(name.to_string())
            }
        })
        .collect()
}

/// What the test program's `prio-mkdir N DIR` prints run without
/// unotify-tui, in `dir` (made here).
fn prio_mkdir_alone(dir: &std::path::Path, n: usize) -> String {
    std::fs::create_dir(dir).unwrap();
    let out = std::process::Command::new(*PROG)
        .args(["prio-mkdir", &n.to_string()])
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A call its syscall alone decides (`allow getpriority`), whose
/// arguments are all in its registers, is answered at once and recorded
/// after the answer, off the receiver. The calls between them decided the
/// usual way (mkdir, whose path is read before the answer) must still be
/// traced and logged in the order they were made, none lost, the last
/// before the exit line; and each call gets what it gets without
/// unotify-tui.
#[test]
fn calls_answered_at_once_keep_their_place_among_the_others() {
    const N: usize = 2000;
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"getpriority\"\naction = \"allow\"\n",
    );
    let made = dir.path().join("made");
    std::fs::create_dir(&made).unwrap();
    let r = prog(
        dir.path(),
        &[
            "--trap",
            "getpriority,mkdir",
            "--rules",
            rules.to_str().unwrap(),
            "--default-action",
            "allow",
        ],
        &[b"prio-mkdir", N.to_string().as_bytes(), &path_bytes(&made)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, prio_mkdir_alone(&dir.path().join("alone"), N));
    assert!(
        r.stdout.contains(&format!("getpriority: err ESRCH × {N}")),
        "{}",
        r.stdout
    );

    let expected: Vec<String> = (0..N)
        .flat_map(|i| [format!("p{i}"), format!("m{i}")])
        .collect();
    let wrong = "a call answered at once traced after the mkdir that came after it";
    assert_pairs_in_order(&prio_mkdir_order(&r), &expected, wrong);
    assert!(
        r.trace.trim_end().ends_with("+++ exited with 0 +++"),
        "{}",
        &r.trace[r.trace.len().saturating_sub(500)..]
    );
    let first = r.trace_of("getpriority")[0];
    assert!(first.contains("→ allow = ?"), "{first}");
    assert!(first.contains("(rule 1, "), "{first}");

    // The log has them in the same order, each with its rule and the
    // time from receipt to answer.
    let logged: Vec<String> = r
        .log
        .iter()
        .filter_map(|v| match v["syscall"].as_str()? {
            "getpriority" => {
                let who = u64::from_str_radix(v["args"][1].as_str()?.trim_start_matches("0x"), 16);
                Some(format!("p{}", who.ok()? - (1 << 30)))
            }
            "mkdir" => {
                let text = v["decoded"][0]["text"].as_str()?;
                Some(text.trim_matches('"').rsplit('/').next()?.to_string())
            }
            _ => None,
        })
        .collect();
    assert_pairs_in_order(&logged, &expected, wrong);
    let prio = r.log_of("getpriority");
    assert!(
        prio.iter()
            .all(|v| v["decided_by"].as_str().unwrap().starts_with("rule 1, ")),
        "{}",
        prio[0]
    );
    assert!(prio.iter().all(|v| v["latency_us"].is_u64()), "{}", prio[0]);
    assert!(
        prio.iter()
            .all(|v| v["pid"] == prio[0]["pid"] && v["comm"] != "")
    );
}

/// Between installing the filter and handing its listener over, the
/// launcher makes no call a filter could trap (nobody could answer it
/// yet), and the calls it makes after, up to the exec, are answered by
/// the launch and never shown: with the calls it uses trapped, the
/// program still starts, its own calls are the first shown, and it ends.
#[test]
fn the_launchers_own_calls_never_hold_up_the_launch() {
    let dir = tempdir();
    let trap = "getpid,close,read,write,sendmsg,prctl,seccomp,getppid";
    let mut child = std::process::Command::new(BIN)
        .args(["--headless", "--trap", trap, "--default-action", "allow"])
        .arg("--output")
        .arg(dir.path().join("trace.txt"))
        .args(["--", &PROG, "getppid", "3"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the launch hung with {trap} trapped");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    assert!(status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("getppid: done"));
    let trace = std::fs::read_to_string(dir.path().join("trace.txt")).unwrap();
    assert_eq!(
        trace.lines().filter(|l| l.contains("] getppid()")).count(),
        3,
        "{trace}"
    );
    assert!(
        !trace
            .lines()
            .any(|l| l.contains("[") && l.contains("unotify-tui]")),
        "the launcher's calls are not the program's: {trace}"
    );
}

/// Calls answered at once get the answer they were promised, as the
/// usual lane gives it: the default action for a syscall no rule names
/// (deny, return), and a rule that names only the syscall (deny with an
/// errno). Each run traps getpriority only: mkdir runs as it would alone.
#[test]
fn answers_given_at_once_are_the_ones_promised() {
    const N: usize = 50;
    let dir = tempdir();
    let made = dir.path().join("made");
    std::fs::create_dir(&made).unwrap();
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"getpriority\"\naction = \"deny\"\nerrno = \"EACCES\"\n",
    );
    let cases: [(&[&str], &str, &str); 3] = [
        (&["--default-action", "deny"], "err EPERM", "(default)"),
        (&["--default-action", "return:7"], "ok 7", "(default)"),
        (
            &[
                "--rules",
                rules.to_str().unwrap(),
                "--default-action",
                "allow",
            ],
            "err EACCES",
            "(rule 1, ",
        ),
    ];
    for (i, (opts, got, by)) in cases.into_iter().enumerate() {
        let out = made.join(i.to_string());
        std::fs::create_dir(&out).unwrap();
        let mut all = vec!["--trap", "getpriority"];
        all.extend_from_slice(opts);
        let r = prog(
            dir.path(),
            &all,
            &[b"prio-mkdir", N.to_string().as_bytes(), &path_bytes(&out)],
        );
        assert_eq!(r.code, 0, "{opts:?}: {}", r.stderr);
        assert!(
            r.stdout.contains(&format!("getpriority: {got} × {N}")),
            "{opts:?}: {}",
            r.stdout
        );
        assert!(
            r.stdout.contains(&format!("mkdir: ok 0 × {N}")),
            "{}",
            r.stdout
        );
        let traced = r.trace_of("getpriority");
        assert_eq!(traced.len(), N, "{}", r.trace);
        assert!(
            traced.iter().all(|l| l.contains(by)),
            "{opts:?}: {}",
            traced[0]
        );
    }
}

/// Path calls nothing but their syscall decides, with nobody wanting
/// their real paths (the trace and the log thrown away), are answered
/// before they are decoded: they get the answer promised, as the usual
/// lane gives it, and a path rule that could apply still decides.
#[test]
fn path_calls_answered_before_their_decoding_get_the_answers_promised() {
    const N: usize = 50;
    let dir = tempdir();
    let base = dir.path().join("made");
    std::fs::create_dir(&base).unwrap();
    let alone_out = prio_mkdir_alone(&base.join("alone"), N);
    assert!(
        alone_out.contains(&format!("mkdir: ok 0 × {N}")),
        "{alone_out}"
    );
    let errno_rule = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\nerrno = \"EACCES\"\n",
    );
    let path_rule_file = dir.path().join("path-rule.toml");
    std::fs::write(
        &path_rule_file,
        format!(
            "[[rule]]\nsyscall = \"mkdir\"\npath = \"{}/4/m1*\"\naction = \"deny\"\nerrno = \"EACCES\"\n",
            base.display()
        ),
    )
    .unwrap();
    let (errno_rule, path_rule) = (
        errno_rule.to_str().unwrap(),
        path_rule_file.to_str().unwrap(),
    );
    // Options, what the program says of its N mkdirs, how many were made.
    let cases: [(&[&str], String, usize); 5] = [
        (
            &["--default-action", "deny"],
            format!("mkdir: err EPERM × {N}"),
            0,
        ),
        (
            &["--default-action", "return:7"],
            format!("mkdir: ok 7 × {N}"),
            0,
        ),
        (
            &["--rules", errno_rule, "--default-action", "allow"],
            format!("mkdir: err EACCES × {N}"),
            0,
        ),
        (&["--default-action", "allow"], alone_out.clone(), N),
        // m1 and m10..m19 are the rule's.
        (
            &["--rules", path_rule, "--default-action", "allow"],
            format!("mkdir: err EACCES × 11\nmkdir: ok 0 × {}", N - 11),
            N - 11,
        ),
    ];
    for (i, (opts, said, made)) in cases.into_iter().enumerate() {
        let out = base.join(i.to_string());
        std::fs::create_dir(&out).unwrap();
        let run = std::process::Command::new(BIN)
            .args(["--headless", "--output", "/dev/null", "--trap", "mkdir"])
            .args(opts)
            .arg("--")
            .arg(*PROG)
            .args(["prio-mkdir", &N.to_string()])
            .arg(&out)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{opts:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(stdout.contains(&said), "{opts:?}: {stdout}");
        assert_eq!(
            std::fs::read_dir(&out).unwrap().count(),
            made,
            "{opts:?}: directories made"
        );
    }
}
