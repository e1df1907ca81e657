//! Mode dispatch: from parsed options to the TUI or the headless runner.

use std::ffi::OsString;
use std::io;

use crate::cli::Options;
use crate::decode::groups;
use crate::error::Error;
use crate::session::{Target, print_filter};

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
    if interactive(opts) {
        crate::tui::run(opts, &target, Vec::new(), None)
    } else {
        crate::headless::run_headless(opts, &target, Vec::new())
    }
}

/// The TUI runs when stdout is a terminal and --headless was not given.
pub fn interactive(opts: &Options) -> bool {
    use std::io::IsTerminal;
    !opts.headless && io::stdout().is_terminal()
}
