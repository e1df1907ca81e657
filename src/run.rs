//! Mode dispatch: from parsed options to the TUI or the headless runner.

use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use crate::cli::Options;
use crate::decode::groups;
use crate::error::Error;
use crate::session::{Target, print_filter, resolve_program};

/// `unotify-tui [OPTIONS] -- PROGRAM [ARGS...]`.
pub fn main(opts: &Options, mut program: Vec<OsString>) -> Result<i32, Error> {
    if opts.print_filter {
        let trapped = groups::parse_trap_list(&opts.trap)
            .map_err(|e| Error::Usage(format!("--trap: {e}")))?;
        print_filter(&trapped, &mut io::stdout().lock())
            .map_err(|source| Error::PrintFilter { source })?;
        return Ok(0);
    }
    if program.is_empty() {
        return Err(Error::Usage(
            "no program given (usage: unotify-tui [OPTIONS] -- PROGRAM [ARGS...], or `unotify-tui demo`)"
                .into(),
        ));
    }
    let target = Target {
        program: program.remove(0),
        args: program,
        cwd: None,
    };
    if let Some(cmd) = mistyped_command(&target.program) {
        return Err(Error::Usage(format!(
            "`{}` is not a command of unotify-tui nor a program on PATH (did you mean \
             `unotify-tui {cmd}`?)",
            crate::escape::escape_bytes(target.program.as_bytes())
        )));
    }
    if interactive(opts) {
        crate::tui::run(opts, &target, Vec::new(), None)
    } else {
        crate::headless::run_headless(opts, &target, Vec::new())
    }
}

/// The TUI runs unless --headless was given or there is no terminal at
/// all: it draws on /dev/tty, so redirected standard streams don't turn it
/// off (they go to the program, as with fzf or less). Running headless
/// without being asked allows what the rules don't decide, so that is
/// said on stderr.
pub fn interactive(opts: &Options) -> bool {
    if opts.headless {
        return false;
    }
    if has_terminal() {
        return true;
    }
    let _ = writeln!(
        io::stderr(),
        "unotify-tui: no terminal: running headless (--headless to say so)"
    );
    false
}

/// Whether this process has a terminal to draw on (a controlling
/// terminal: /dev/tty opens).
fn has_terminal() -> bool {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .is_ok()
}

/// The subcommand `program` looks like a typo of (`dmeo` → `demo`), when
/// it is not a program that exists: a name on PATH or a path runs as
/// always.
fn mistyped_command(program: &OsStr) -> Option<&'static str> {
    let name = program.to_str()?;
    if name.contains('/') || !matches!(resolve_program(program), Err(Error::NotFound(_))) {
        return None;
    }
    crate::suggest::closest(
        &name.to_lowercase(),
        ["demo", "attach", "agent", "rules", "completions", "manpage"].into_iter(),
    )
}
