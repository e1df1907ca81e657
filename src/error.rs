//! Everything that ends a run early, each variant naming the step that
//! failed, with the exit status it maps to.

use std::io;
use std::path::PathBuf;

use crate::output::sink::{Output, OutputError};
use crate::policy::rules::RuleError;
use crate::policy::write::WriteError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A rule file failed to load (exit 2).
    #[error("{0}")]
    Rules(#[from] RuleError),
    /// `attach` cannot take the listener: no such process, no listener
    /// in it, not allowed, or a kernel without pidfd_getfd (exit 2).
    #[error("attach: {0}")]
    Attach(String),
    #[error("{0}: command not found")]
    NotFound(String),
    #[error("{0}: cannot execute: {1}")]
    CannotExecute(String, String),
    /// The kernel refused something we need (exit 1).
    #[error("{0}")]
    Kernel(String),
    /// `--save-rules` could not write its file (exit 1).
    #[error("{0}")]
    Save(#[from] WriteError),
    /// `--output` could not be opened (exit 2: the path was given).
    #[error("--output: cannot open {}: {}", path.display(), plain(source, path))]
    OpenTrace {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `--log` could not be opened (exit 2: the path was given).
    #[error("--log: cannot open {}: {}", path.display(), plain(source, path))]
    OpenLog {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Writing a trace line failed (found at exit).
    #[error("writing the trace or log: {source}")]
    WriteTrace {
        #[source]
        source: io::Error,
    },
    /// Writing a log record failed (found at exit).
    #[error("writing the trace or log: {source}")]
    WriteLog {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// `--print-filter` could not write the filter.
    #[error("writing the filter: {source}")]
    PrintFilter {
        #[source]
        source: io::Error,
    },
    /// `rules check` could not write its report.
    #[error("writing the rule list: {source}")]
    RuleList {
        #[source]
        source: io::Error,
    },
    /// Writing what a printing command makes (completion script, manual
    /// page, profile) to stdout failed.
    #[error("writing the {what}: {source}")]
    Print {
        what: &'static str,
        #[source]
        source: io::Error,
    },
    /// The demo's workspace could not be made.
    #[error("cannot create {}: {source}", path.display())]
    DemoWorkspace {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The demo could not find its own binary to run as the target.
    #[error("cannot find the unotify-tui binary: {source}")]
    OwnBinary {
        #[source]
        source: io::Error,
    },
    /// Taking, drawing on or reading the terminal failed; `step` says
    /// which ("setting up the terminal", "reading the keyboard", …).
    #[error("{step}: {source}")]
    Terminal {
        step: &'static str,
        #[source]
        source: io::Error,
    },
    /// Opening or duplicating the program's pseudo-terminal failed.
    #[error("{step}: {source}")]
    Pty {
        step: &'static str,
        #[source]
        source: io::Error,
    },
    /// `--stats` could not be written.
    #[error("writing the statistics: {source}")]
    Stats {
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_)
            | Error::Rules(_)
            | Error::Save(WriteError::Invalid { .. })
            | Error::OpenTrace { .. }
            | Error::OpenLog { .. }
            | Error::Attach(_) => 2,
            Error::NotFound(_) | Error::CannotExecute(..) => 127,
            Error::Kernel(_)
            | Error::Save(_)
            | Error::WriteTrace { .. }
            | Error::WriteLog { .. }
            | Error::PrintFilter { .. }
            | Error::RuleList { .. }
            | Error::Print { .. }
            | Error::DemoWorkspace { .. }
            | Error::OwnBinary { .. }
            | Error::Terminal { .. }
            | Error::Pty { .. }
            | Error::Stats { .. } => 1,
        }
    }

    /// Standard output was closed by its reader (`--print-filter | head`):
    /// not an error, the reader has what it wanted.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::PrintFilter { source }
            | Error::RuleList { source }
            | Error::Print { source, .. } => source.kind() == io::ErrorKind::BrokenPipe,
            _ => false,
        }
    }

    /// An output file that could not be opened.
    pub fn opening(e: OutputError) -> Error {
        let path = e.path.unwrap_or_default();
        match e.output {
            Output::Trace => Error::OpenTrace {
                path,
                source: e.source,
            },
            Output::Log => Error::OpenLog {
                path,
                source: e.source,
            },
        }
    }

    /// An output that failed while the program ran.
    pub fn writing(e: OutputError) -> Error {
        match e.output {
            Output::Trace => Error::WriteTrace { source: e.source },
            Output::Log => Error::WriteLog {
                path: e.path.unwrap_or_default(),
                source: e.source,
            },
        }
    }
}

/// `map_err(terminal("drawing the screen"))`.
pub fn terminal(step: &'static str) -> impl FnOnce(io::Error) -> Error {
    move |source| Error::Terminal { step, source }
}

/// `map_err(pty("duplicating the pty"))`.
pub fn pty(step: &'static str) -> impl FnOnce(io::Error) -> Error {
    move |source| Error::Pty { step, source }
}

/// Why `path` could not be opened, in words (no "(os error 2)"): a
/// missing directory is named.
fn plain(e: &io::Error, path: &std::path::Path) -> String {
    if e.kind() == io::ErrorKind::NotFound
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return format!("there is no directory {}", dir.display());
    }
    match e.raw_os_error().and_then(crate::errno::Errno::new) {
        Some(errno) => errno.description(),
        None => e.to_string(),
    }
}
