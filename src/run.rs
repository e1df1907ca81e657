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
    if tui_possible(opts) {
        crate::tui::run(opts, &target, Vec::new(), None)
    } else {
        // Said once the program runs: a mistake in the options or the
        // program's name stays a one-line error.
        crate::headless::run_headless_saying(opts, &target, Vec::new(), !opts.headless)
    }
}

/// `unotify-tui agent`: the TUI when there is a terminal, else headless
/// (said on stderr unless --headless asked for it).
pub fn agent(args: &crate::cli::AgentArgs) -> Result<i32, Error> {
    if !args.headless && has_terminal() {
        return crate::tui::run_agent(args);
    }
    crate::agent::run(args, !args.headless)
}

/// The TUI runs unless --headless was given or there is no terminal at
/// all: it draws on /dev/tty, so redirected standard streams don't turn it
/// off (they go to the program, as with fzf or less). Running headless
/// without being asked allows what the rules don't decide, so that is
/// said on stderr.
pub fn interactive(opts: &Options) -> bool {
    let tui = tui_possible(opts);
    if !tui && !opts.headless {
        say_no_terminal();
    }
    tui
}

/// Whether the TUI runs: not --headless, and a terminal to draw on.
fn tui_possible(opts: &Options) -> bool {
    !opts.headless && has_terminal()
}

/// Says that the run is headless for want of a terminal.
pub fn say_no_terminal() {
    let _ = writeln!(
        io::stderr(),
        "unotify-tui: no terminal: running headless (--headless to say so)"
    );
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
    if name.contains('/') {
        return None;
    }
    // PATH is searched only for a name close to a subcommand: every run
    // would otherwise search it twice.
    let near = crate::suggest::closest(
        &name.to_lowercase(),
        ["demo", "attach", "agent", "rules", "completions", "manpage"].into_iter(),
    )?;
    matches!(resolve_program(program), Err(Error::NotFound(_))).then_some(near)
}

/// Takes back the program a detach left with a holder (see
/// [`crate::handover`]) and supervises it, in the TUI or headless, with
/// the rule list, default action, errno and `--log` it had (`--rules`
/// given here are tried after that list). `pid` is the holder's or the
/// program's. `None` when no detached program has that pid (state files
/// of holders that are gone are removed, said on stderr).
pub fn reattach(opts: &Options, pid: u32) -> Result<Option<i32>, Error> {
    // Options are checked before the session is taken: once it is, a
    // mistake here would end in closing the listener.
    crate::session::plan(opts, Vec::new())?;
    let Some(t) = crate::handover::take_over(pid).map_err(Error::Kernel)? else {
        return Ok(None);
    };
    let interactive = interactive(opts);
    let mut o = opts.clone();
    o.default_action = crate::handover::answer_text(t.default_action);
    o.errno = t.errno.name();
    if o.log.is_none() {
        o.log = t.handover.log.clone();
    }
    // The list handed over has the built-in rules already, if they were on.
    o.no_default_rules = true;
    let files = std::mem::take(&mut o.rules);
    let mut plan = crate::session::plan(&o, t.rules)?;
    for f in &files {
        plan.rules
            .extend(crate::policy::rules::load_rules(f, plan.errno)?);
    }
    // The holder's file stays: it is the only copy of that output.
    let kept = t.output.as_ref().map(|p| {
        format!(
            "what the program printed while detached is in {}",
            crate::escape::escape_bytes(p.as_os_str().as_encoded_bytes())
        )
    });
    let code = if interactive {
        crate::tui::run_adopted(
            &o,
            plan,
            (t.adopted, t.master),
            t.handover.label,
            t.handover.trap,
            kept,
        )?
    } else {
        if let Some(k) = kept {
            eprintln!("unotify-tui: {k}");
        }
        crate::headless::run_adopted(&o, plan, t.adopted, t.master)?
    };
    Ok(Some(code))
}
