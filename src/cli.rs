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
                      unotify-tui demo [LESSON] [OPTIONS]\n       \
                      unotify-tui demo --list\n       \
                      unotify-tui agent [OPTIONS] --socket PATH\n       \
                      unotify-tui attach [OPTIONS] PID [FD]\n       \
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
        unotify-tui agent --socket /run/unotify.sock --rules app.toml   (containers' listeners)\n  \
        unotify-tui demo --headless\n  \
        unotify-tui demo signals --headless   (one lesson; `demo --list` lists them)\n  \
        unotify-tui attach 4242   (supervise a process that has its own seccomp listener)\n  \
        unotify-tui attach --headless --rules my.toml 4242 3\n\n\
        A program named like a command (demo, attach, agent, rules, completions, manpage) runs \
        after `--`."
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
    /// Run a built-in target that walks through the classic examples; a
    /// LESSON shows one mechanism (`demo --list`).
    Demo {
        /// The lesson: basics (the default), attach, precedence, signals,
        /// enosys, listen, strict or trap.
        #[arg(value_name = "LESSON")]
        lesson: Option<String>,
        /// List the lessons, one line each.
        #[arg(long)]
        list: bool,
        // Boxed: the options are much larger than the other variants.
        #[command(flatten)]
        opts: Box<Options>,
    },
    /// Supervise containers: listen on a unix socket for the seccomp
    /// listeners runc and crun hand over (the profile's listenerPath).
    /// In the TUI, rules answer what they decide and the rest waits for
    /// you, each call naming its container; --headless answers by rules
    /// and --default-action, with a trace line and a log record per call.
    Agent(AgentArgs),
    /// Supervise a process that installed its own seccomp filter with a
    /// listener (SECCOMP_FILTER_FLAG_NEW_LISTENER): the listener is
    /// copied with pidfd_getfd, then its calls are answered as for a
    /// launched program (rules, --default-action, --log, --timeout, the
    /// TUI or --headless). It ends, with status 0, when the listener
    /// hangs up or when you leave; leaving answers every call received
    /// (the default action), and the process's later trapped calls then
    /// wait until someone holds the listener again. Nothing is started
    /// (no PROGRAM); --trap, --print-filter, --wait-killable and
    /// --sync-wakeup shape a filter unotify-tui installs and are refused.
    #[command(after_help = "Examples:\n  \
        unotify-tui attach 4242       (its only listener; several: say which FD)\n  \
        unotify-tui attach --headless --rules my.toml --log calls.jsonl 4242 3\n\n\
        Needs the same uid as the process and a Yama ptrace_scope that allows it, or \
        CAP_SYS_PTRACE; Linux 5.6 or newer (pidfd_getfd).")]
    Attach {
        #[command(flatten)]
        opts: Box<Options>,
        /// The process that holds the listener.
        #[arg(value_name = "PID")]
        pid: String,
        /// The listener's fd number in that process (found in
        /// /proc/PID/fd when not given).
        #[arg(value_name = "FD")]
        fd: Option<String>,
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
    /// (internal) the target of `attach`'s lesson and tests: installs its
    /// own filter with a listener, then creates each FILE.
    #[command(name = "__attach-target", hide = true)]
    AttachTarget { files: Vec<PathBuf> },
    /// (internal) the program `demo` runs under the filter.
    #[command(name = "__demo-target", hide = true)]
    DemoTarget {
        workspace: PathBuf,
        /// Say which key to try before each step (the TUI demo).
        #[arg(long)]
        hints: bool,
    },
    /// (internal) a lesson's target (`demo LESSON`).
    #[command(name = "__lesson-target", hide = true)]
    LessonTarget {
        lesson: String,
        /// Print what to press before each step (the TUI).
        #[arg(long)]
        hints: bool,
        /// Which part of the lesson.
        #[arg(long)]
        part: Option<String>,
    },
    /// (internal) the holder a detach leaves behind; its stdin is the
    /// socket the session comes on.
    #[command(name = "__hold", hide = true)]
    Hold,
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

/// `unotify-tui agent`.
#[derive(Debug, Clone, Args)]
pub struct AgentArgs {
    /// The unix socket to listen on: the seccomp profile's listenerPath.
    #[arg(long, value_name = "PATH", required = true)]
    pub socket: PathBuf,

    /// Replace a stale socket left at PATH (one nobody listens on any
    /// more). A socket in use is never replaced.
    #[arg(long)]
    pub force: bool,

    /// TOML rule file; may be given several times, tried in order. A
    /// rule's `container` key selects containers by id (a glob).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Do not load the built-in quiet rules (show every call).
    #[arg(long)]
    pub no_default_rules: bool,

    /// Headless: what a trapped call no rule decides gets (allow, deny,
    /// deny:ERRNO or return:N). In the TUI such calls wait for you.
    #[arg(long, value_name = "ACTION", default_value = "allow")]
    pub default_action: String,

    /// The errno a plain deny uses (name or number).
    #[arg(long, value_name = "NAME", default_value = "EPERM")]
    pub errno: String,

    /// Append one JSON object per trapped call to FILE (each with its
    /// container).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Where trace lines go (default: stderr). Headless only: the TUI
    /// shows the calls.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// No TUI: answer by rules and --default-action, print a trace (also
    /// when there is no terminal).
    #[arg(long)]
    pub headless: bool,

    /// TUI: answer a call nobody answered after SECS seconds (decimals
    /// allowed) with --timeout-action. Default: the call waits.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub timeout: Option<String>,

    /// What a timed-out call gets: allow, deny, deny:ERRNO or return:N
    /// [default: deny]. Needs --timeout.
    #[arg(long, value_name = "ACTION")]
    pub timeout_action: Option<String>,

    /// TUI: the rule file `w` adds the rules made with "save" to
    /// (existing content is kept).
    #[arg(long, value_name = "FILE")]
    pub save_rules: Option<PathBuf>,
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

/// `unotify-tui manpage`: roff, made from [`Cli`]. One page for the whole
/// tool: clap_mangen's own subcommand section would point at pages such as
/// unotify-tui-demo(1) that nothing installs, so each subcommand is written
/// here with its synopsis, what it does and its options.
pub fn manpage(out: &mut dyn Write) -> Result<i32, Error> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    let rendered = (|| {
        man.render_title(&mut page)?;
        man.render_name_section(&mut page)?;
        man.render_synopsis_section(&mut page)?;
        man.render_description_section(&mut page)?;
        man.render_options_section(&mut page)?;
        page.extend_from_slice(b".SH SUBCOMMANDS\n");
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            subcommand_roff(&mut page, &mut vec!["unotify-tui".into()], sub);
        }
        if let Some(examples) = cmd.get_after_help() {
            // Unfilled, so each example keeps its own line.
            let examples = examples.to_string();
            let text = roff_escape(examples.strip_prefix("Examples:\n").unwrap_or(&examples));
            page.extend_from_slice(format!(".SH EXAMPLES\n.nf\n{text}\n.fi\n").as_bytes());
        }
        man.render_version_section(&mut page)
    })();
    rendered.map_err(|source| Error::Print {
        what: "manual page",
        source,
    })?;
    print("manual page", &page, out)
}

/// One subcommand (and its own subcommands) of the manual page: its usage
/// in bold, its description, then its options and arguments indented.
fn subcommand_roff(page: &mut Vec<u8>, path: &mut Vec<String>, sub: &clap::Command) {
    path.push(sub.get_name().to_string());
    let mut sub = sub.clone().bin_name(path.join(" "));
    let usage = sub.render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim();
    let about = sub
        .get_long_about()
        .or_else(|| sub.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    let mut text = format!(
        ".TP\n\\fB{}\\fR\n{}\n",
        roff_escape(usage),
        roff_escape(&about)
    );
    // A subcommand that takes all the options of running a program (demo)
    // refers to them above instead of repeating them; one that shares a
    // few (rules export's --trap) describes its own.
    let main = Cli::command();
    let in_main = |a: &clap::Arg| {
        a.get_long().is_some()
            && main
                .get_arguments()
                .any(|m| m.get_id() == a.get_id() && m.get_long() == a.get_long())
    };
    let takes_shared = sub.get_arguments().filter(|a| in_main(a)).count() > 8;
    let args: Vec<_> = sub
        .get_arguments()
        .filter(|a| !a.is_hide_set() && a.get_id() != "help" && a.get_id() != "version")
        .filter(|a| !(takes_shared && in_main(a)))
        .collect();
    if takes_shared {
        text.push_str(".br\nTakes the options of running a program (OPTIONS above).\n");
    }
    if !args.is_empty() {
        text.push_str(".RS\n");
        for a in args {
            let name = match (a.get_long(), a.get_value_names()) {
                (Some(l), Some(v)) if a.get_action().takes_values() => format!(
                    "--{l} {}",
                    v.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(" ")
                ),
                (Some(l), _) => format!("--{l}"),
                (None, Some(v)) => v
                    .iter()
                    .map(|v| format!("<{v}>"))
                    .collect::<Vec<_>>()
                    .join(" "),
                (None, None) => a.get_id().to_string(),
            };
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            text.push_str(&format!(
                ".TP\n{}\n{}\n",
                roff_escape(&name),
                roff_escape(&help)
            ));
        }
        text.push_str(".RE\n");
    }
    page.extend_from_slice(text.as_bytes());
    for s in sub
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        subcommand_roff(page, path, s);
    }
    path.pop();
}

/// Text made safe for roff: backslashes and hyphens escaped, and no line
/// may start with a control character (`.` or `'`).
fn roff_escape(s: &str) -> String {
    let escaped = s.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
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

    /// Capture the call site's stack of each trapped call before it is
    /// answered (a cost per call): shown in the trace, the log and the
    /// detail pane.
    #[arg(long)]
    pub stack: bool,

    /// Where headless trace lines go (default: stderr).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// At exit, a table per syscall: calls, answers, who decided, and
    /// latency p50/p99 (headless: on stderr; the TUI: on the terminal).
    #[arg(long)]
    pub summary: bool,

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
