//! The one place records leave unotify-tui: a trace line per call (headless)
//! and a JSON Lines record per call (`--log`, in every mode).
//!
//! The two outputs fail apart: when one cannot be written it stops, and
//! the other goes on. Every method that writes returns the failures it
//! found (once each, when they happen) so the caller can say so at once;
//! [`Sink::finish`] gives the first one again at the end. A log record is
//! written whole or not at all: a write cut short (a full disk) is rolled
//! back to the last whole line.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use crate::model::{DecidedBy, Record};
use crate::output::exec::ExecWatch;
use crate::output::format;

/// Which output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Trace,
    Log,
}

/// An output that could not be opened or written; it is stopped.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", self.describe())]
pub struct OutputError {
    pub output: Output,
    /// The file, unless it is stderr.
    pub path: Option<PathBuf>,
    #[source]
    pub source: io::Error,
}

impl OutputError {
    /// `the log calls.jsonl`, `the trace (stderr)`.
    fn describe(&self) -> String {
        let what = match self.output {
            Output::Trace => "the trace",
            Output::Log => "the log",
        };
        match &self.path {
            Some(p) => format!(
                "writing {what} {}",
                crate::escape::escape_bytes(p.as_os_str().as_encoded_bytes())
            ),
            None => format!("writing {what} (stderr)"),
        }
    }
}

/// Where trace lines go.
pub enum TraceTo {
    /// No trace (the TUI shows the calls instead).
    Nowhere,
    Stderr,
    File(PathBuf),
}

/// One output and whether it has failed.
struct Channel<W> {
    out: W,
    path: Option<PathBuf>,
    /// Set by the first failure; nothing more is written.
    failed: Option<io::Error>,
}

impl<W> Channel<W> {
    fn new(out: W, path: Option<PathBuf>) -> Self {
        Channel {
            out,
            path,
            failed: None,
        }
    }

    fn live(&self) -> bool {
        self.failed.is_none()
    }

    /// Notes the outcome of a write: a failure stops this output and is
    /// handed to the caller (a copy stays for [`Sink::finish`]).
    fn note(&mut self, r: io::Result<()>, which: Output, news: &mut Vec<OutputError>) {
        if let Err(e) = r {
            news.push(OutputError {
                output: which,
                path: self.path.clone(),
                source: copy(&e),
            });
            self.failed = Some(e);
        }
    }
}

/// io::Error is not Clone; the caller and the sink each keep one.
fn copy(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(n) => io::Error::from_raw_os_error(n),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// The JSONL file: whole lines queue in `pending` and are written in one
/// go; what a failed write left of a line is cut off again.
struct LogFile {
    file: File,
    pending: Vec<u8>,
    /// The file's length after the last whole line (regular files only:
    /// only they can be truncated back).
    whole: Option<u64>,
}

/// Lines queue up to this much before they are written.
const LOG_BUFFER: usize = 64 * 1024;

impl LogFile {
    fn open(path: &Path) -> io::Result<LogFile> {
        let file = OpenOptions::new().append(true).create(true).open(path)?;
        let whole = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        Ok(LogFile {
            file,
            pending: Vec::with_capacity(LOG_BUFFER),
            whole,
        })
    }

    fn push(&mut self, rec: &Record) -> io::Result<()> {
        serde_json::to_writer(&mut self.pending, &format::log_record(rec))?;
        self.pending.push(b'\n');
        if self.pending.len() >= LOG_BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut done = 0;
        while done < self.pending.len() {
            match self.file.write(&self.pending[done..]) {
                Ok(0) => {
                    self.roll_back(done);
                    return Err(io::ErrorKind::WriteZero.into());
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.roll_back(done);
                    return Err(e);
                }
            }
        }
        if let Some(w) = self.whole.as_mut() {
            *w += done as u64;
        }
        self.pending.clear();
        Ok(())
    }

    /// `done` bytes of `pending` reached the file: keep the whole lines
    /// among them, cut the rest.
    fn roll_back(&mut self, done: usize) {
        let kept = self.pending[..done]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if let Some(w) = self.whole {
            // Best effort: the failure itself is what gets reported.
            let _ = self.file.set_len(w + kept as u64);
        }
        self.pending.clear();
    }
}

/// The trace and the log of one run.
pub struct Sink {
    trace: Option<Channel<Box<dyn Write + Send>>>,
    log: Option<Channel<LogFile>>,
    /// Which allowed execve ran, for a line of its own in the trace.
    execs: ExecWatch,
}

impl Sink {
    /// Opens the outputs: the trace is truncated, the log appended to.
    pub fn open(trace: TraceTo, log: Option<&Path>) -> Result<Sink, OutputError> {
        let opening = |output, path: &Path| {
            let path = Some(path.to_path_buf());
            move |source| OutputError {
                output,
                path,
                source,
            }
        };
        // An output that is /dev/null (`--output /dev/null`, `2>/dev/null`,
        // `--log /dev/null`) is opened as asked, then left out: nothing
        // written there can be seen or fail, and formatting a line per
        // call for it costs as much as the rest of the headless runtime.
        let trace = match trace {
            TraceTo::Nowhere => None,
            TraceTo::Stderr if is_dev_null(&io::stderr()) => None,
            TraceTo::Stderr => Some(Channel::new(
                Box::new(BufWriter::new(io::stderr())) as Box<dyn Write + Send>,
                None,
            )),
            TraceTo::File(p) => {
                let f = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&p)
                    .map_err(opening(Output::Trace, &p))?;
                (!is_dev_null(&f)).then(|| {
                    Channel::new(
                        Box::new(BufWriter::new(f)) as Box<dyn Write + Send>,
                        Some(p),
                    )
                })
            }
        };
        let log = match log {
            Some(p) => {
                let file = LogFile::open(p).map_err(opening(Output::Log, p))?;
                (!is_dev_null(&file.file)).then(|| Channel::new(file, Some(p.to_path_buf())))
            }
            None => None,
        };
        Ok(Sink {
            trace,
            log,
            execs: ExecWatch::default(),
        })
    }

    /// Whether there is anything to write to.
    pub fn is_empty(&self) -> bool {
        self.trace.is_none() && self.log.is_none()
    }

    /// One answered call: a trace line (unless a built-in quiet rule
    /// decided it) and a log record.
    #[must_use]
    pub fn record(&mut self, rec: &Record) -> Vec<OutputError> {
        let mut news = Vec::new();
        // Calls the built-in quiet rules decided stay out of the trace;
        // the log keeps everything.
        let quiet = matches!(rec.decided_by, DecidedBy::Rule { quiet: true, .. });
        if let Some(t) = self.trace.as_mut().filter(|t| t.live()) {
            let mut r = Ok(());
            if let Some(exec) = self.execs.saw(rec) {
                r = writeln!(t.out, "{}", format::exec_ran_line(&exec, &rec.call));
            }
            if !quiet {
                r = r.and_then(|()| writeln!(t.out, "{}", format::trace_line(rec)));
                if let Some(stack) = &rec.call.stack {
                    for line in format::stack_lines(stack) {
                        r = r.and_then(|()| writeln!(t.out, "{line}"));
                    }
                }
            }
            t.note(r, Output::Trace, &mut news);
        }
        if let Some(l) = self.log.as_mut().filter(|l| l.live()) {
            let r = l.out.push(rec);
            l.note(r, Output::Log, &mut news);
        }
        news
    }

    /// Ends the trace with how the target ended.
    #[must_use]
    pub fn exit(&mut self, status: i32) -> Vec<OutputError> {
        let mut news = Vec::new();
        if let Some(t) = self.trace.as_mut().filter(|t| t.live()) {
            let r = writeln!(t.out, "{}", format::exit_line(status));
            t.note(r, Output::Trace, &mut news);
        }
        news
    }

    /// Writes out what is buffered.
    #[must_use]
    pub fn flush(&mut self) -> Vec<OutputError> {
        let mut news = Vec::new();
        if let Some(t) = self.trace.as_mut().filter(|t| t.live()) {
            let r = t.out.flush();
            t.note(r, Output::Trace, &mut news);
        }
        if let Some(l) = self.log.as_mut().filter(|l| l.live()) {
            let r = l.out.flush();
            l.note(r, Output::Log, &mut news);
        }
        news
    }

    /// Flushes and closes; the first failure of the run, if any (the
    /// trace's before the log's).
    pub fn finish(mut self) -> Result<(), OutputError> {
        let _ = self.flush();
        let first = |c: Option<Channel<_>>, output| {
            c.and_then(|c: Channel<_>| {
                c.failed.map(|source| OutputError {
                    output,
                    path: c.path,
                    source,
                })
            })
        };
        let trace = first(self.trace.take().map(untyped), Output::Trace);
        let log = first(self.log.take().map(untyped), Output::Log);
        match trace.or(log) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Whether `fd` is the null device (by device number, so a link to it or
/// another node of it counts too).
fn is_dev_null(fd: &impl AsFd) -> bool {
    use nix::sys::stat::{SFlag, fstat};
    use std::os::unix::fs::MetadataExt;
    let (Ok(st), Ok(null)) = (fstat(fd.as_fd()), std::fs::metadata("/dev/null")) else {
        return false;
    };
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFCHR
        && st.st_rdev == null.rdev()
}

/// A channel with its writer dropped (closing it): what [`Sink::finish`]
/// needs of it.
fn untyped<W>(c: Channel<W>) -> Channel<()> {
    Channel {
        out: (),
        path: c.path,
        failed: c.failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_that_fails_leaves_the_trace_going() {
        let dir = tempfile::tempdir().unwrap();
        let trace = dir.path().join("trace");
        let mut sink = Sink::open(TraceTo::File(trace.clone()), Some(Path::new("/dev/full")))
            .expect("both open");
        let rec = Record {
            call: std::sync::Arc::new(crate::model::testing::call(
                syscalls::Sysno::getpid,
                [0; 6],
                Vec::new(),
            )),
            answer: Some(crate::model::Answer::Allow),
            decided_by: DecidedBy::Default,
            outcome: crate::model::Outcome::Continued,
            latency: std::time::Duration::ZERO,
        };
        let mut news = Vec::new();
        for _ in 0..3 {
            news.extend(sink.record(&rec));
            news.extend(sink.flush());
        }
        assert_eq!(news.len(), 1, "said once: {news:?}");
        assert_eq!(news[0].output, Output::Log);
        let err = sink.finish().unwrap_err();
        assert_eq!(err.output, Output::Log);
        let text = std::fs::read_to_string(&trace).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn a_cut_write_is_rolled_back_to_the_last_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "{\"old\":1}\n").unwrap();
        let mut log = LogFile::open(&path).unwrap();
        // As if a full disk had taken a line and a half.
        log.pending = b"{\"a\":1}\n{\"b\":".to_vec();
        log.file.write_all(&log.pending.clone()).unwrap();
        log.roll_back(log.pending.len());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"old\":1}\n{\"a\":1}\n"
        );
    }

    #[test]
    fn a_cut_write_after_whole_writes_keeps_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "{\"old\":1}\n").unwrap();
        let mut log = LogFile::open(&path).unwrap();
        for line in ["{\"a\":1}\n", "{\"b\":2}\n"] {
            log.pending = line.as_bytes().to_vec();
            log.flush().unwrap();
        }
        // Then a full disk takes a line and a half.
        log.pending = b"{\"c\":3}\n{\"d\":".to_vec();
        log.file.write_all(&log.pending.clone()).unwrap();
        log.roll_back(log.pending.len());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n"
        );
    }
}
