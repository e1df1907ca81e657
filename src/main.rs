//! The binary: parse the command line, run, exit with the target's status.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use unotify_tui::cli::{self, Cli, Command, RulesCommand};
use unotify_tui::{attach, check, demo, export, handover, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::DemoTarget { workspace, hints }) => Ok(demo::target_main(&workspace, hints)),
        Some(Command::LessonTarget {
            lesson,
            hints,
            part,
        }) => Ok(demo::lesson_target_main(&lesson, hints, part.as_deref())),
        Some(Command::Demo { lesson, list, opts }) => demo::run(lesson.as_deref(), list, &opts),
        Some(Command::Agent(args)) => run::agent(&args),
        Some(Command::Attach { opts, pid, fd }) => attach::run(&opts, &pid, fd.as_deref()),
        Some(Command::AttachTarget { files }) => Ok(attach::target::target_main(&files)),
        Some(Command::Hold) => Ok(handover::hold_main()),
        Some(Command::Rules {
            command: RulesCommand::Check { file, errno },
        }) => check::check(&file, &errno, &mut std::io::stdout().lock()),
        Some(Command::Rules {
            command: RulesCommand::Export(args),
        }) => export::export(&args, &mut std::io::stdout().lock(), &mut std::io::stderr()),
        Some(Command::Completions { shell }) => cli::completions(&shell, &mut std::io::stdout()),
        Some(Command::Manpage) => cli::manpage(&mut std::io::stdout()),
        None => run::main(&cli.opts, cli.program),
    };
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        // `--print-filter | head`: ends quietly, as other tools do.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Not eprintln!: stderr may be a terminal that was closed.
            let _ = writeln!(std::io::stderr(), "unotify-tui: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
