//! What the command line makes besides runs: completion scripts and the
//! manual page, both from the one CLI definition.

mod common;

use std::process::Command;

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
fn completions_for_each_shell_know_the_options_and_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = bin(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(err.is_empty(), "{shell}: {err}");
        // fish names long options as `-l trap`.
        let long = |name: &str| match shell {
            "fish" => format!("-l {name}"),
            _ => format!("--{name}"),
        };
        for option in ["trap", "default-action", "headless"] {
            assert!(out.contains(&long(option)), "{shell}: no {option}");
        }
        for word in ["demo", "rules", "check", "export", "completions", "manpage"] {
            assert!(out.contains(word), "{shell}: no {word}");
        }
        // Hidden commands and options are nobody's to complete.
        assert!(!out.contains("__demo-target"), "{shell}");
        assert!(!out.contains(&long("stats")), "{shell}");
    }
}

#[test]
fn bash_accepts_the_bash_script() {
    let have_bash = Command::new("bash").arg("--version").output().is_ok();
    if !require(have_bash, "bash (to check the bash completion script)") {
        return;
    }
    let dir = tempdir();
    let script = dir.path().join("unotify-tui.bash");
    let (_, out, _) = bin(&["completions", "bash"]);
    std::fs::write(&script, out).unwrap();
    let st = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(st.status.success(), "{st:?}");
    // And it registers the completion when sourced.
    let st = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {} && complete -p unotify-tui",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(st.status.success(), "{st:?}");
    assert!(String::from_utf8_lossy(&st.stdout).contains("unotify-tui"));
}

#[test]
fn an_unknown_shell_is_one_line() {
    let (code, out, err) = bin(&["completions", "nosuch"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "unotify-tui: completions: unknown shell `nosuch` (expected bash, zsh or fish)\n"
    );
}

#[test]
fn the_manual_page_is_roff_naming_the_options() {
    let (code, out, err) = bin(&["manpage"]);
    assert_eq!(code, 0, "{err}");
    let head: String = out.chars().take(200).collect();
    assert!(out.starts_with('.'), "not roff: {head}");
    assert!(out.contains(".TH unotify-tui 1"), "no .TH header: {head}");
    assert!(out.contains(".SH NAME") && out.contains(".SH SYNOPSIS"));
    for word in [
        "\\-\\-trap",
        "\\-\\-default\\-action",
        "\\-\\-headless",
        "completions",
        "manpage",
    ] {
        assert!(out.contains(word), "no {word}");
    }
}

#[test]
fn the_manual_page_is_one_page_describing_each_subcommand() {
    let (code, out, err) = bin(&["manpage"]);
    assert_eq!(code, 0, "{err}");
    // clap_mangen's default points at pages nobody installs.
    assert!(
        !out.contains("unotify\\-tui\\-demo(1)") && !out.contains("\\-rules(1)"),
        "refers to separate pages:\n{out}"
    );
    let subs = &out[out.find(".SH SUBCOMMANDS").expect("no SUBCOMMANDS section")..];
    for usage in [
        "\\fBunotify\\-tui demo",
        "\\fBunotify\\-tui rules check",
        "\\fBunotify\\-tui rules export",
        "\\fBunotify\\-tui completions",
        "\\fBunotify\\-tui manpage",
        "\\-\\-socket PATH",
    ] {
        assert!(subs.contains(usage), "no {usage} in:\n{subs}");
    }
    assert!(
        !subs.contains("rules help"),
        "the help subcommand is listed"
    );
    // Examples keep one line each (unfilled).
    let examples = &out[out
        .find(".SH EXAMPLES\n.nf\n")
        .expect("no EXAMPLES section")..];
    assert!(examples.contains("unotify\\-tui demo\n"), "{examples}");
}

#[test]
fn a_program_named_like_a_command_runs_after_double_dash() {
    let dir = tempdir();
    for name in ["manpage", "completions"] {
        let prog = dir.path().join(name);
        std::fs::write(&prog, "#!/bin/sh\nexit 7\n").unwrap();
        std::fs::set_permissions(&prog, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for name in ["manpage", "completions"] {
        let out = Command::new(BIN)
            .args(["--headless", "--output", "/dev/null", "--", name])
            .env("PATH", &path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(7), "{name}: {out:?}");
    }
}
