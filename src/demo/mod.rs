//! `unotify-tui demo [LESSON]`: built-in targets that show seccomp user
//! notification one mechanism at a time. Each lesson's target runs from
//! this binary (the hidden `__demo-target` and `__lesson-target`
//! subcommands), so the lessons work from an installed binary.
//!
//! In the TUI the person answers, helped by hints the target prints in
//! the program pane; headless, each lesson answers itself (rules or a
//! script built into the lesson), runs to the end and says what happened
//! and why, naming the kernel's terms.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::errno::Errno;
use crate::error::Error;
use crate::policy::rules::{Rule, parse_rules};
use crate::run;
use crate::session::Target;
use crate::sys::proc as sysproc;

mod basics;
mod enosys;
mod listen;
mod precedence;
mod scripted;
mod signals;
mod strict;
mod trap;

pub use basics::{DEMO_RULES, demo_rules, target_main};

/// One lesson: its name (a contract: scripts and the README use it) and
/// one line on what it shows.
pub struct Lesson {
    pub name: &'static str,
    pub shows: &'static str,
}

/// Every lesson, in the order `demo --list` shows them.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        name: "basics",
        shows: "the tour (plain `demo`): emulate, allow, deny with an errno, ADDFD, listen and connect",
    },
    Lesson {
        name: "attach",
        shows: "a target with its own filter; unotify-tui takes its listener with pidfd_getfd",
    },
    Lesson {
        name: "precedence",
        shows: "a second filter: SECCOMP_RET_ERRNO beats USER_NOTIF, SECCOMP_RET_TRACE does not",
    },
    Lesson {
        name: "signals",
        shows: "a signal withdraws a pending call (SEND fails with ENOENT); SA_RESTART; WAIT_KILLABLE_RECV",
    },
    Lesson {
        name: "enosys",
        shows: "the supervisor closes the listener: trapped calls fail with ENOSYS",
    },
    Lesson {
        name: "listen",
        shows: "listen(2): the port read via pidfd_getfd + getsockname, refused with EACCES",
    },
    Lesson {
        name: "strict",
        shows: "SECCOMP_MODE_STRICT: read and write work, fork is killed with SIGKILL",
    },
    Lesson {
        name: "trap",
        shows: "SECCOMP_RET_TRAP: a SIGSYS handler reads si_syscall and names the call",
    },
];

/// `unotify-tui demo [LESSON]` and `demo --list`.
pub fn run(lesson: Option<&str>, list: bool, opts: &Options) -> Result<i32, Error> {
    if list {
        return print_list(&mut io::stdout().lock());
    }
    match lesson.unwrap_or("basics") {
        "basics" => basics::run(opts),
        "attach" => {
            let exe = std::env::current_exe().map_err(|source| Error::OwnBinary { source })?;
            crate::attach::lesson(opts, &exe, &mut io::stdout().lock())
        }
        "precedence" => precedence::run(opts),
        "signals" => signals::run(opts),
        "enosys" => enosys::run(opts),
        "listen" => listen::run(opts),
        "strict" => strict::run(opts),
        "trap" => trap::run(opts),
        other => Err(unknown_lesson(other)),
    }
}

fn print_list(out: &mut dyn Write) -> Result<i32, Error> {
    let width = LESSONS.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for l in LESSONS {
        text.push_str(&format!("{:<width$}  {}\n", l.name, l.shows));
    }
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| Error::Print {
            what: "lesson list",
            source,
        })?;
    Ok(0)
}

fn unknown_lesson(name: &str) -> Error {
    let hint = crate::suggest::closest(&name.to_lowercase(), LESSONS.iter().map(|l| l.name))
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    Error::Usage(format!(
        "demo: unknown lesson `{}` ({hint}`unotify-tui demo --list` lists them)",
        crate::escape::escape_str(name)
    ))
}

/// The hidden `__lesson-target LESSON [--hints] [--part PART]`: a lesson's
/// target, run in the lesson's workspace (its cwd).
pub fn lesson_target_main(lesson: &str, hints: bool, part: Option<&str>) -> i32 {
    let out = Out { hints };
    match lesson {
        "precedence" => precedence::target(&out),
        "signals" => signals::target(&out, part),
        "enosys" => enosys::target(&out),
        "listen" => listen::target(&out),
        "strict" => strict::target(&out),
        "trap" => trap::target(&out),
        other => {
            out.say(&format!(
                "no lesson target `{}`",
                crate::escape::escape_str(other)
            ));
            2
        }
    }
}

/// What a lesson's target prints: its steps, and in the TUI the hints.
pub(crate) struct Out {
    hints: bool,
}

impl Out {
    fn say(&self, s: &str) {
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "demo: {s}");
        let _ = out.flush();
    }

    /// A sentence on the mechanism and what to press, before the step
    /// (the TUI only: headless, nobody presses anything).
    fn hint(&self, s: &str) {
        if self.hints {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "\x1b[36mnext: {s}\x1b[0m");
            let _ = out.flush();
        }
    }
}

/// How a call ended, as the target saw it: `ok` or `failed: ENAME (text)`.
fn outcome<T>(r: &io::Result<T>) -> String {
    match r {
        Ok(_) => "ok".to_string(),
        Err(e) => match e.raw_os_error().and_then(Errno::new) {
            Some(n) => format!("failed: {} ({})", n.name(), n.description()),
            None => format!("failed: {e}"),
        },
    }
}

/// `mkdir(2)`, once: no retry on EINTR, which the signals lesson shows.
fn mkdir(path: &str) -> io::Result<()> {
    nix::unistd::mkdir(path, nix::sys::stat::Mode::from_bits_truncate(0o755))
        .map_err(|e| io::Error::from_raw_os_error(e as i32))
}

/// What unotify-tui says about a lesson headless: after the target's own
/// lines, what happened and why.
fn explain(lines: &[&str]) {
    let mut out = io::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "lesson: {l}");
    }
    let _ = out.flush();
}

/// One line of what unotify-tui did or saw, as it happens.
fn narrate(line: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "lesson: {line}");
    let _ = out.flush();
}

/// A lesson's directory under /tmp (the target's cwd), removed however
/// the run ends.
struct Workspace(PathBuf);

impl Workspace {
    fn create() -> Result<Workspace, Error> {
        let path = PathBuf::from(format!("/tmp/unotify-demo-{}", std::process::id()));
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|source| Error::DemoWorkspace {
                path: path.clone(),
                source,
            })?;
        Ok(Workspace(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// For a scripted lesson, which has no run loop that would see a
    /// signal: SIGINT, SIGQUIT, SIGTERM or SIGHUP kill the lesson's
    /// processes, remove the workspace and exit with 128+N. Called before
    /// any other thread starts, so every thread has them blocked.
    fn end_on_signals(&self) {
        let signals = sysproc::signal_channel(sysproc::block_signals());
        let path = self.0.clone();
        let _ = std::thread::Builder::new()
            .name("unotify-lesson-signals".into())
            .spawn(move || {
                if let Ok(sig) = signals.recv() {
                    STOPPED_BY_SIGNAL.store(true, std::sync::atomic::Ordering::SeqCst);
                    let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
                    sysproc::kill_descendants(std::process::id(), until);
                    let _ = fs::remove_dir_all(&path);
                    std::process::exit(128 + sig);
                }
            });
    }
}

/// Set when a signal stops a scripted lesson: the thread that saw it ends
/// the process, with 128+N, once the lesson's processes are killed.
static STOPPED_BY_SIGNAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Drop for Workspace {
    fn drop(&mut self) {
        // The lesson ended because its target was killed: its status is
        // not the one to exit with.
        while STOPPED_BY_SIGNAL.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The lesson's target: this binary's `__lesson-target`, in `cwd`.
fn lesson_target(
    lesson: &str,
    cwd: Option<&Path>,
    hints: bool,
    part: Option<&str>,
) -> Result<Target, Error> {
    let exe = std::env::current_exe().map_err(|source| Error::OwnBinary { source })?;
    let mut args = vec![OsString::from("__lesson-target"), OsString::from(lesson)];
    if hints {
        args.push("--hints".into());
    }
    if let Some(p) = part {
        args.push("--part".into());
        args.push(p.into());
    }
    Ok(Target {
        program: exe.into_os_string(),
        args,
        cwd: cwd.map(Path::to_path_buf),
    })
}

/// The rules a lesson answers with headless.
fn lesson_rules(lesson: &str, text: &str, opts: &Options) -> Vec<Rule> {
    let errno = Errno::parse(&opts.errno).unwrap_or(Errno::EPERM);
    parse_rules(text, &format!("demo-{lesson}-rules"), errno)
        .expect("a lesson's embedded rules parse")
}

/// Runs a lesson's target under unotify-tui's filter: in the TUI the
/// person answers; headless, `rules` do and `why` is said afterwards.
fn supervised(opts: &Options, lesson: &str, rules: &str, why: &[&str]) -> Result<i32, Error> {
    let ws = Workspace::create()?;
    let interactive = run::interactive(opts);
    let target = lesson_target(lesson, Some(ws.path()), interactive, None)?;
    if interactive {
        crate::tui::run(
            opts,
            &target,
            Vec::new(),
            Some(format!("unotify-tui demo {lesson}")),
        )
    } else {
        let code = crate::headless::run_headless(opts, &target, lesson_rules(lesson, rules, opts))?;
        explain(why);
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_names_are_the_contract() {
        let names: Vec<&str> = LESSONS.iter().map(|l| l.name).collect();
        assert_eq!(
            names,
            [
                "basics",
                "attach",
                "precedence",
                "signals",
                "enosys",
                "listen",
                "strict",
                "trap"
            ]
        );
    }

    #[test]
    fn every_lesson_rule_set_parses() {
        let opts = <crate::cli::Cli as clap::Parser>::parse_from(["unotify-tui", "demo"]);
        let Some(crate::cli::Command::Demo { opts, .. }) = opts.command else {
            panic!("demo parses");
        };
        for (name, text) in [
            ("precedence", precedence::RULES),
            ("listen", listen::RULES),
            ("trap", trap::RULES),
        ] {
            assert!(!lesson_rules(name, text, &opts).is_empty(), "{name}");
        }
    }

    #[test]
    fn unknown_lesson_suggests_the_closest() {
        let e = unknown_lesson("sigals").to_string();
        assert!(e.contains("did you mean `signals`?"), "{e}");
        assert!(
            !unknown_lesson("zzzzzzzz")
                .to_string()
                .contains("did you mean")
        );
    }
}
