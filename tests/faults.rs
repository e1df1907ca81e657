//! Load and bad pointers: every trapped call is answered exactly once.

mod common;

use common::*;

#[test]
fn fork_storm_every_call_answered_exactly_once() {
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"return\"\nvalue = 0\n",
    );
    let (procs, calls) = (32, 500);
    let r = mkdir_trapped(
        dir.path(),
        "deny",
        &["--rules", rules.to_str().unwrap()],
        &[
            b"storm",
            procs.to_string().as_bytes(),
            calls.to_string().as_bytes(),
            b"/nonexistent/x",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("storm: 0 processes"), "{}", r.stdout);
    let mkdirs = r.log_of("mkdir");
    assert_eq!(mkdirs.len(), procs * calls);
    let mut ids: Vec<u64> = mkdirs.iter().map(|v| log_id(v)).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), procs * calls, "notification ids are unique");
    assert!(
        mkdirs
            .iter()
            .all(|v| v["result"] == "sent" && v["answer"]["action"] == "return")
    );
    let pids: std::collections::HashSet<u64> =
        mkdirs.iter().map(|v| v["pid"].as_u64().unwrap()).collect();
    assert_eq!(pids.len(), procs);
}

#[test]
fn null_and_overlong_paths_are_decoded_and_answered() {
    let dir = tempdir();
    let r = mkdir_trapped(dir.path(), "deny", &[], &[b"mkdir-null"]);
    assert!(r.stdout.contains("mkdir: err EPERM"), "{}", r.stdout);
    assert!(
        r.trace_of("mkdir")[0].contains("mkdir(NULL, 0755)"),
        "{}",
        r.trace
    );

    let long = vec![b'a'; 5000];
    let r = mkdir_trapped(dir.path(), "allow", &[], &[b"mkdir", &long]);
    assert!(r.stdout.contains("mkdir: err ENAMETOOLONG"), "{}", r.stdout);
    let line = r.trace_of("mkdir")[0];
    assert!(line.contains("\"..."), "a cut-off path is marked: {line}");
    assert!(line.len() < 4096 + 200, "the trace line is bounded");
}

/// The target's child SIGKILLs itself while its threads keep making
/// trapped calls, so some are pending at that moment; then the target
/// kills itself too. unotify-tui reports the signal and 128+9, and the log
/// accounts for every call: each one the child saw return was logged as
/// answered, and no call is logged that was never made. An `ask` rule
/// sends every call through the headless loop, which answers in batches a
/// few milliseconds apart, so the kill finds calls received and not yet
/// answered; the parent living on keeps them from being dropped at the
/// hang-up, so they are answered, their SEND fails, and they must be
/// logged `gone`.
#[test]
fn target_killed_mid_storm_is_reported_and_nothing_is_lost() {
    let dir = tempdir();
    let counters = dir.path().join("counters");
    let threads = 8u64;
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"ask\"\n",
    );
    let r = mkdir_trapped(
        dir.path(),
        "deny",
        &["--rules", rules.to_str().unwrap()],
        &[
            b"kill-storm-child",
            threads.to_string().as_bytes(),
            &path_bytes(&counters),
            b"/nonexistent/k",
        ],
    );
    assert_eq!(r.code, 128 + 9, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.trace.lines().last(), Some("+++ killed by SIGKILL +++"));

    // Per thread: calls started, calls returned (shared memory that
    // outlived the target).
    let raw = std::fs::read(&counters).unwrap();
    let word = |i: usize| u64::from_ne_bytes(raw[8 * i..8 * i + 8].try_into().unwrap());
    let started: u64 = (0..threads as usize).map(|t| word(2 * t)).sum();
    let returned: u64 = (0..threads as usize).map(|t| word(2 * t + 1)).sum();
    assert!(returned >= 200 && started - returned <= threads);

    let mkdirs = r.log_of("mkdir");
    let mut ids: Vec<u64> = mkdirs.iter().map(|v| log_id(v)).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), mkdirs.len(), "each call logged once");
    let sent = mkdirs.iter().filter(|v| v["result"] == "sent").count() as u64;
    let gone = mkdirs.iter().filter(|v| v["result"] == "gone").count() as u64;
    assert_eq!(sent + gone, mkdirs.len() as u64, "only sent or gone");
    // A call can be answered and its thread killed before it counts the
    // return: at most one per thread.
    assert!(
        (returned..=returned + threads).contains(&sent),
        "returned {returned}, answered {sent}"
    );
    assert!(
        sent + gone <= started,
        "started {started}, logged {}",
        sent + gone
    );
    // The calls the kill found waiting: each one logged, as gone.
    assert!(gone >= 1, "no call logged gone; {sent} sent");
    assert!(
        gone <= started - returned,
        "gone {gone}, but only {} calls never returned",
        started - returned
    );
    assert!(
        mkdirs
            .iter()
            .all(|v| v["answer"]["action"] == "deny" || v["result"] == "gone"),
        "{}",
        r.trace
    );
}

/// Bad pointers in every kind of argument: unmapped, NULL, a string that
/// runs into an unmapped page, an address length the kernel refuses. Each
/// is decoded as what it is, logged once, and answered.
#[test]
fn bad_pointers_in_every_argument_kind_are_decoded_and_answered() {
    let dir = tempdir();
    let rules = write_rules(
        dir.path(),
        &format!(
            "[[rule]]\nsyscall = \"execve\"\npath = \"{prog}\"\naction = \"allow\"\n\
             # The loader's searches; an unreadable path matches no glob.\n\
             [[rule]]\nsyscall = \"openat\"\npath = \"/**\"\naction = \"allow\"\n",
            prog = *PROG
        ),
    );
    let r = prog(
        dir.path(),
        &[
            "--trap",
            "openat,connect,bind,rename,symlink,execve,openat2",
            "--default-action",
            "deny:EXDEV",
            "--rules",
            rules.to_str().unwrap(),
        ],
        &[b"bad-pointers"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let expect = [
        ("openat", "openat(AT_FDCWD, <unreadable: EFAULT>, O_RDONLY)"),
        ("connect", ", <unreadable: EFAULT>, 16)"),
        ("connect", ", {AF_INET too long: 4096 bytes}, 4096)"),
        ("bind", ", NULL, 16)"),
        ("rename", "rename(\"aaaaaa\"...<unreadable: EFAULT>, NULL)"),
        (
            "symlink",
            "symlink(\"aaaaaa\"...<unreadable: EFAULT>, <unreadable: EFAULT>)",
        ),
        (
            "execve",
            "execve(<unreadable: EFAULT>, <unreadable: EFAULT>, NULL)",
        ),
        (
            "openat2",
            "openat2(AT_FDCWD, \"/x\", <unreadable: EFAULT>, 24)",
        ),
    ];
    for (name, decoded) in expect {
        assert!(
            r.trace_of(name)
                .iter()
                .any(|l| l.contains(decoded) && l.contains("deny = -1 EXDEV")),
            "{decoded}\n{}",
            r.trace
        );
    }
    // The target saw our answer for each of its eight calls.
    assert_eq!(
        r.stdout
            .lines()
            .filter(|l| l.ends_with(": err EXDEV"))
            .count(),
        8,
        "{}",
        r.stdout
    );
    // The loader's opens add allowed entries; every entry is answered once.
    let mut ids: Vec<u64> = r.log.iter().map(log_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), r.log.len());
    assert!(r.log.iter().all(|v| v["result"] == "sent"));
    let denied = r
        .log
        .iter()
        .filter(|v| v["answer"]["action"] == "deny")
        .count();
    assert_eq!(denied, 8, "{}", r.trace);
}
