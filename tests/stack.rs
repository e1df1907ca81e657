//! `--stack`: the call site of each trapped call, unwound from the
//! parked thread's sp and pc and named, in the trace and the log.

mod common;

use common::*;
use serde_json::Value;

/// The frames' symbols of a log record, `""` where unknown.
fn symbols(rec: &Value) -> Vec<String> {
    rec["stack"]
        .as_array()
        .expect("a stack array with --stack")
        .iter()
        .map(|f| f["symbol"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_stack_names_the_known_call_chain_in_order() {
    let dir = tempdir();
    let run = prog(dir.path(), &["--stack", "--trap", "getppid"], &[b"stack"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The call ran: the program saw its real parent.
    assert!(run.stdout.contains("stack: ppid "), "{}", run.stdout);
    let recs = run.log_of("getppid");
    assert_eq!(recs.len(), 1, "{:?}", run.log);
    let rec = recs[0];
    let syms = symbols(rec);
    // libc's syscall() made the call; its caller is the inner function,
    // called by the outer one, called by main.
    assert!(syms[0].starts_with("syscall+"), "{syms:?}");
    let at = |name: &str| {
        syms.iter()
            .position(|s| s.contains(name))
            .unwrap_or_else(|| panic!("no frame {name} in {syms:?}"))
    };
    let (inner, outer, main) = (
        at("stack_inner_fn+"),
        at("stack_outer_fn+"),
        at("unotify_testprog::main+"),
    );
    assert_eq!((inner, outer, main), (1, 2, 3), "{syms:?}");
    let frame = &rec["stack"][inner];
    assert!(
        frame["object"]
            .as_str()
            .is_some_and(|o| o.ends_with("/unotify-testprog")),
        "{frame}"
    );
    // Examples are built with line tables at least.
    assert!(
        frame["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("tests/progs/testprog.rs")),
        "{frame}"
    );
    assert!(frame["line"].as_u64().is_some(), "{frame}");
    assert!(frame["addr"].as_str().is_some_and(|a| a.starts_with("0x")));
    // The walk reached the program's first frame or said why not.
    assert!(rec["stack"].as_array().unwrap().len() > 3);
    // The trace: one indented line per frame under the call.
    let lines: Vec<&str> = run.trace.lines().collect();
    let call = lines
        .iter()
        .position(|l| l.contains("] getppid("))
        .expect("the call in the trace");
    assert!(lines[call + 1].starts_with("    #0 0x"), "{}", run.trace);
    assert!(
        lines[call + 2].starts_with("    #1 0x") && lines[call + 2].contains("stack_inner_fn+"),
        "{}",
        run.trace
    );
    assert!(lines[call + 3].contains("stack_outer_fn+"), "{}", run.trace);
}

#[test]
fn without_the_flag_no_stack_is_taken() {
    let dir = tempdir();
    let run = prog(dir.path(), &["--trap", "getppid"], &[b"stack"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rec = run.log_of("getppid")[0];
    assert!(rec.get("stack").is_none(), "{rec}");
    assert!(!run.trace.contains("    #0 "), "{}", run.trace);
}

/// A C program: libc's frames by name, or an honest stop, never a frame
/// made up.
#[test]
fn ls_shows_libc_frames_by_name_or_says_where_the_walk_stopped() {
    let ls = ["/bin/ls", "/usr/bin/ls"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    if !require(ls.is_some(), "ls in /bin or /usr/bin") {
        return;
    }
    let dir = tempdir();
    let listed = dir.path().join("listed");
    std::fs::create_dir(&listed).unwrap();
    std::fs::write(listed.join("hello-stack"), "").unwrap();
    let run = headless(
        dir.path(),
        &["--stack", "--trap", "@file"],
        ls.unwrap(),
        &[&path_bytes(&listed)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // ls did its work under supervision.
    assert!(run.stdout.contains("hello-stack"), "{}", run.stdout);
    let opens = run.log_of("openat");
    assert!(!opens.is_empty());
    for rec in &opens {
        let frames = rec["stack"].as_array().expect("a stack");
        assert!(!frames.is_empty(), "{rec}");
        // Each frame lies in a mapped object the program names.
        for f in frames {
            assert!(
                f["object"].as_str().is_some_and(|o| o.starts_with('/')),
                "{rec}"
            );
        }
        // An unnamed outer frame is fine, but the walk must end where the
        // rules end or say why it stopped there.
        assert!(
            rec["stack_stop"].is_null()
                || rec["stack_stop"].as_str().is_some_and(|s| !s.is_empty()),
            "{rec}"
        );
    }
    // The directory's opendir goes through libc, named by its exports.
    let dir_open = opens
        .iter()
        .find(|r| {
            r["decoded"][1]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/listed"))
        })
        .expect("ls opened the directory");
    let syms = symbols(dir_open);
    assert!(
        syms.iter()
            .any(|s| s.starts_with("opendir+") || s.starts_with("__opendir+")),
        "{syms:?}"
    );
    assert!(
        dir_open["stack"][0]["object"]
            .as_str()
            .is_some_and(|o| o.contains("libc.so")),
        "{dir_open}"
    );
}
