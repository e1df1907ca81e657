//! Command-line definitions.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::error::Error;

#[derive(Debug, Parser)]
#[command(
    name = "unotify-tui",
    version,
    about = "Run a program under a seccomp user-notification filter and allow, deny, \
             spoof or emulate each trapped system call",
    override_usage = "unotify-tui [OPTIONS] -- PROGRAM [ARGS...]\n       \
                      unotify-tui demo [OPTIONS]\n       \
                      unotify-tui rules check FILE\n       \
                      unotify-tui rules export --format oci [OPTIONS] FILE...\n       \
                      unotify-tui completions bash|zsh|fish\n       \
                      unotify-tui manpage",
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  \
        unotify-tui -- mkdir /tmp/x   (the TUI: answer each trapped call)\n  \
        unotify-tui demo\n  \
        unotify-tui --headless -- mkdir /tmp/x\n  \
        unotify-tui --headless --trap @net --log calls.jsonl -- curl -s http://127.0.0.1:8080/\n  \
        unotify-tui --headless --rules my.toml --default-action deny -- ./program\n  \
        unotify-tui --headless --save-rules app.toml -- ./program   (learn a policy)\n  \
        unotify-tui rules check app.toml\n  \
        unotify-tui rules export --format oci --socket /run/unotify.sock app.toml > profile.json\n  \
        unotify-tui demo --headless\n\n\
        A program named like a command (demo, rules, completions, manpage) runs after `--`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub opts: Options,

    /// The program to run and its arguments (after `--`).
    #[arg(value_name = "PROGRAM", trailing_var_arg = true, num_args = 1..)]
    pub program: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a built-in target that walks through the classic examples.
    Demo {
        // Boxed: the options are much larger than the other variants.
        #[command(flatten)]
        opts: Box<Options>,
    },
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print a completion script for bash, zsh or fish on stdout.
    Completions {
        /// bash, zsh or fish.
        #[arg(value_name = "SHELL", value_parser = ShellName)]
        shell: String,
    },
    /// Print the manual page (roff) on stdout.
    Manpage,
    /// (internal) the program `demo` runs under the filter.
    #[command(name = "__demo-target", hide = true)]
    DemoTarget {
        workspace: PathBuf,
        /// Say which key to try before each step (the TUI demo).
        #[arg(long)]
        hints: bool,
    },
    /// (internal) the holder a detach leaves behind; its stdin is the
    /// socket the session comes on.
    #[command(name = "__hold", hide = true)]
    Hold,
    /// (internal, until `attach` does it) take back a detached program:
    /// PID is its holder's or the program's.
    #[command(name = "__reattach", hide = true)]
    Reattach {
        #[command(flatten)]
        opts: Box<Options>,
        #[arg(value_name = "PID")]
        pid: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check a rule file and print each rule in plain words; errors name
    /// file, line and column (exit status 2).
    Check {
        /// The rule file.
        file: PathBuf,
        /// The errno a plain deny means (as --errno).
        #[arg(long, value_name = "NAME", default_value = "EPERM")]
        errno: String,
    },
    /// Write a docker/OCI seccomp profile (JSON) made from rule files on
    /// stdout. Calls outside the trap set are allowed, as they run under
    /// unotify-tui; what rules decide by syscall alone maps to ALLOW or
    /// ERRNO; the rest goes to an agent (SCMP_ACT_NOTIFY, needs --socket).
    Export(ExportArgs),
}

/// `unotify-tui rules export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The profile's format; `oci` (docker, podman, runc, crun) is the
    /// one there is.
    #[arg(long, value_name = "FORMAT", default_value = "oci")]
    pub format: String,

    /// Syscalls and groups trapped, as for running a program: the profile
    /// has an entry for each of them.
    #[arg(long, value_name = "LIST", default_value = crate::decode::groups::DEFAULT_TRAP)]
    pub trap: String,

    /// What a trapped call no rule decides gets: allow, deny, deny:ERRNO
    /// or return:N.
    #[arg(long, value_name = "ACTION", default_value = "allow")]
    pub default_action: String,

    /// The unix socket an agent listens on (the profile's listenerPath):
    /// needed when some call can only be decided by looking at it.
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    /// The errno a plain deny means (as --errno).
    #[arg(long, value_name = "NAME", default_value = "EPERM")]
    pub errno: String,

    /// Leave out the built-in quiet rules (as --no-default-rules).
    #[arg(long)]
    pub no_default_rules: bool,

    /// Rule files, tried in order as `--rules` tries them.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// The shells `completions` knows. Any word is taken here and checked by
/// [`shell`], so that a wrong one is a one-line error like every other
/// usage mistake; the possible values still reach `--help` and the
/// completion scripts.
#[derive(Clone, Copy, Debug)]
struct ShellName;

const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

impl clap::builder::TypedValueParser for ShellName {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            SHELLS.iter().map(|s| clap::builder::PossibleValue::new(*s)),
        ))
    }
}

/// The shell named by `completions SHELL`.
pub fn shell(name: &str) -> Result<clap_complete::Shell, Error> {
    match name {
        "bash" => Ok(clap_complete::Shell::Bash),
        "zsh" => Ok(clap_complete::Shell::Zsh),
        "fish" => Ok(clap_complete::Shell::Fish),
        other => Err(Error::Usage(format!(
            "completions: unknown shell `{}` (expected bash, zsh or fish)",
            crate::escape::escape_str(other)
        ))),
    }
}

/// `unotify-tui completions SHELL`: the script, made from [`Cli`].
pub fn completions(name: &str, out: &mut dyn Write) -> Result<i32, Error> {
    let shell = shell(name)?;
    let mut cmd = visible(&Cli::command());
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "unotify-tui", &mut script);
    print("completion script", &script, out)
}

/// `cmd` without its hidden arguments and subcommands: clap_complete's
/// scripts would offer them (`__demo-target`, `--stats`).
fn visible(cmd: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(cmd.get_name().to_string())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        );
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        out = out.version(version.to_string());
    }
    out
}

/// `unotify-tui manpage`: roff, made from [`Cli`].
pub fn manpage(out: &mut dyn Write) -> Result<i32, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|source| Error::Print {
            what: "manual page",
            source,
        })?;
    print("manual page", &page, out)
}

fn print(what: &'static str, bytes: &[u8], out: &mut dyn Write) -> Result<i32, Error> {
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| Error::Print { what, source })?;
    Ok(0)
}

#[derive(Debug, Clone, Args)]
pub struct Options {
    /// Syscalls and groups to trap, comma-separated. Groups: @file, @net,
    /// @exec, @process, @all.
    #[arg(long, value_name = "LIST", default_value = crate::decode::groups::DEFAULT_TRAP)]
    pub trap: String,

    /// TOML rule file; may be given several times, tried in order.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Do not load the built-in quiet rules (show every call).
    #[arg(long)]
    pub no_default_rules: bool,

    /// What an undecided call gets in headless mode: allow, deny,
    /// deny:ERRNO or return:N.
    #[arg(long, value_name = "ACTION", default_value = "allow")]
    pub default_action: String,

    /// No TUI: answer by rules and --default-action, print a trace.
    #[arg(long)]
    pub headless: bool,

    /// Answer a call nobody answered after SECS seconds (decimals allowed)
    /// with --timeout-action. Default: no timeout, the program waits.
    // Negative numbers are taken as the value, to be refused in plain
    // words (clap's own advice, `-- -1`, would make -1 the program).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub timeout: Option<String>,

    /// What a timed-out call gets: allow, deny, deny:ERRNO or return:N
    /// [default: deny]. Needs --timeout.
    #[arg(long, value_name = "ACTION")]
    pub timeout_action: Option<String>,

    /// Rule file to add rules to: headless, one rule per kind of call the
    /// default action answered (learning mode); in the TUI, where `w`
    /// writes the rules made with "save". Existing content is kept.
    #[arg(long, value_name = "FILE")]
    pub save_rules: Option<PathBuf>,

    /// Append one JSON object per trapped call to FILE.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Where headless trace lines go (default: stderr).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print the generated BPF program, explained, and exit.
    #[arg(long)]
    pub print_filter: bool,

    /// The errno a plain deny uses (name or number).
    #[arg(long, value_name = "NAME", default_value = "EPERM")]
    pub errno: String,

    /// How many answered calls the TUI keeps in memory (the log keeps all).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub history: usize,

    /// Whether to set SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (linux 6.6):
    /// on, off or auto.
    #[arg(long, value_name = "WHEN", default_value = "auto", hide = true)]
    pub sync_wakeup: String,

    /// Whether to ask for SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (linux
    /// 5.19): on or off. Off lets a non-fatal signal interrupt a call the
    /// supervisor already received (the call is then restarted or fails
    /// with EINTR), which the fault tests exercise.
    #[arg(long, value_name = "WHEN", default_value = "on", hide = true)]
    pub wait_killable: String,

    /// After a detach (q, then l in the TUI), throw the program's terminal
    /// output away instead of keeping it in a file.
    #[arg(long)]
    pub no_detach_output: bool,

    /// (benchmark) write the TUI's frame times and memory use to FILE when
    /// it ends.
    #[arg(long, value_name = "FILE", hide = true)]
    pub stats: Option<PathBuf>,
}
