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
    let mut ids: Vec<u64> = mkdirs.iter().map(|v| v["id"].as_u64().unwrap()).collect();
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
