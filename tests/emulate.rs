//! Emulation when its thread cannot start: the call still gets exactly
//! one answer (EAGAIN) and one record.

mod common;

use common::*;

/// Runs unotify-tui as an ordinary user whose RLIMIT_NPROC the target
/// fills with waiting threads before its mkdir: the supervisor's threads
/// are already running, but the emulation thread cannot be created.
#[test]
fn a_failed_emulation_thread_spawn_answers_eagain_and_is_recorded_once() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: needs root to run unotify-tui as another user");
        return;
    }
    let dir = tempdir();
    // The ordinary user writes the trace and log here.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .unwrap();
    // A user of its own, so that processes of other users (or another
    // run of this test) do not count against the limit.
    let uid = 200_000 + std::process::id() % 100_000;
    let (reuid, regid) = (format!("--reuid={uid}"), format!("--regid={uid}"));
    let wrapper = [
        "prlimit",
        "--nproc=64",
        "setpriv",
        &reuid,
        &regid,
        "--clear-groups",
    ];
    let rules = write_rules(
        dir.path(),
        "[[rule]]\nsyscall = \"mkdir\"\naction = \"emulate\"\n",
    );
    let target = dir.path().join("made");
    let r = headless_under(
        &wrapper,
        dir.path(),
        &["--trap", "mkdir", "--rules", rules.to_str().unwrap()],
        *PROG,
        &[b"exhaust-threads", &path_bytes(&target)],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("mkdir: err EAGAIN"), "{}", r.stdout);
    assert!(!target.exists(), "the mkdir was not performed");
    let mkdirs = r.log_of("mkdir");
    assert_eq!(mkdirs.len(), 1, "{:?}", r.log);
    assert_eq!(mkdirs[0]["answer"]["action"], "emulate");
    assert_eq!(mkdirs[0]["result"], "sent");
    assert_eq!(mkdirs[0]["return"]["errno"], "EAGAIN");
    let lines = r.trace_of("mkdir");
    assert_eq!(lines.len(), 1, "{}", r.trace);
    assert!(lines[0].contains("emulate = -1 EAGAIN"), "{}", lines[0]);
}
