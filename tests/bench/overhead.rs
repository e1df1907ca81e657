//! What supervision costs, measured against the kernel's own limit and
//! against strace, in one run with the cases interleaved.
//!
//!     cargo bench --bench overhead
//!     cargo bench --bench overhead -- --n 50000 --reps 9 --call mkdirat
//!
//! Every run starts `unotify-benchprog`, which times a batch of calls the
//! case traps and a batch of `getpid` calls nothing traps, from the inside.
//! Each repetition runs every case once, in a rotated order, so a noisy
//! moment on the machine spreads over all cases instead of hitting one.
//! The table gives the median and the min–max over the repetitions. A
//! ratio is taken within each repetition, whose runs are seconds apart
//! (a VM's speed changes from one moment to the next): its median over
//! the repetitions, with their min–max, and beside them the ratio of the
//! two cases' medians, which a change of speed between repetitions moves
//! more.
//!
//! Options (or environment variables):
//!   --n N            trapped calls per run (UNOTIFY_BENCH_N, default 20000)
//!   --untrapped M    untrapped calls per run (UNOTIFY_BENCH_UNTRAPPED,
//!                    default 2000000; plain strace makes as many untrapped
//!                    calls as trapped ones: it stops on every call)
//!   --reps R         repetitions (UNOTIFY_BENCH_REPS, default 9)
//!   --call C         getppid or mkdirat (UNOTIFY_BENCH_CALL, default getppid)
//!   --only LIST      comma-separated case keys to run (UNOTIFY_BENCH_ONLY),
//!                    e.g. 1,2,3,5; the probes 5p, 5v and 5w (the reference
//!                    plus poll, ID_VALID, a channel wake-up per call) and
//!                    5k (the reference's filter with WAIT_KILLABLE_RECV,
//!                    as unotify-tui sets it) run only when named
//!
//! Cases: 0 whole runs: `unotify-tui --headless -- true` against `true`,
//! interleaved, the time each takes from start to exit, wall clock and CPU (what supervision
//! adds to every run, however short; the difference of the medians should
//! stay within 5 ms) · 1 no filter · 1f a filter that traps nothing · 2 unotify-tui,
//! call not trapped · 3 / 3o unotify-tui --headless with a rule, with and
//! without SYNC_WAKE_UP · 3s (3) with the program in its own session (it
//! calls setsid), as the TUI starts it · 4 the TUI on a pty · 5 / 5o the
//! reference RECV → CONTINUE loop, with and without SYNC_WAKE_UP · 5s the
//! reference with the program in its own session · 6 strace · 6b strace
//! --seccomp-bpf. Cases 3o, 5o, 6 and 6b make N/4 trapped calls (they
//! take tens of microseconds each); times are per call.
//!
//! With --call mkdirat, also what real paths and emulation cost, each
//! unotify-tui --headless with the trace to /dev/null (so it finds real
//! paths only where a decision depends on them): 3a the default action
//! allows, no path rule could apply (pays nothing for real paths) · 3b a
//! rule with a `path` condition allows (the real path is walked before
//! deciding) · 3e a rule emulates (fresh identity, a thread, the walk as
//! the program; EEXIST like the real call) · 3an / 3en as 3a / 3e with a
//! new directory each call (in /dev/shm when it is a tmpfs, so the
//! disk's journal stays out of the times). After them, the identity part
//! of an emulation alone, timed inside this process. 3r10 / 3r1k / 3r10k:
//! as 3a, with a rule file of 10, 1,000 or 10,000 path rules on mkdirat
//! that don't match (the real path is walked, as for any path rule; the
//! rules must not add to it): the cost of a call must not grow with the
//! number of rules. 5m: the reference that also reads the call's path
//! (process_vm_readv) and checks NOTIF_ID_VALID, the least any
//! supervisor that looks at a path does; (3a)/(5m) is what unotify-tui
//! adds to that for a call no path rule decides, and (3b)/(5m) with
//! walking the real path for a path rule, reported on its own. (With
//! --call mkdirat, (3)'s rule has a path condition too.)
#![allow(unsafe_code)]

use std::collections::BTreeMap;
use std::ffi::{CString, OsString};
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::Pid;
use syscalls::Sysno;
use unotify_tui::sys::notify::{Response, USER_NOTIF_FD_SYNC_WAKE_UP};
use unotify_tui::sys::spawn::{Launched, SpawnSpec, spawn};

#[path = "../common/example.rs"]
mod example;

const BIN: &str = env!("CARGO_BIN_EXE_unotify-tui");
/// The workload, an example target (see tests/common/example.rs); built
/// on first use. Use as `*PROG`.
static PROG: std::sync::LazyLock<&'static str> =
    std::sync::LazyLock::new(|| example::example("unotify-benchprog").leak());
/// Calls of each kind the workload makes before it starts timing.
const WARMUP: u64 = 16;
/// Set for the workload of (3s): it makes itself a session leader.
const SETSID_VAR: &str = "UNOTIFY_BENCHPROG_SETSID";
/// No single run may take longer than this.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Debug)]
struct Config {
    n: u64,
    untrapped: u64,
    reps: usize,
    call: String,
    only: Option<Vec<String>>,
}

fn config() -> Result<Config, String> {
    let env = |k: &str| std::env::var(k).ok();
    let mut c = Config {
        n: 20_000,
        untrapped: 2_000_000,
        reps: 9,
        call: "getppid".into(),
        only: None,
    };
    let mut set = |key: &str, v: &str| -> Result<(), String> {
        let num = |v: &str| {
            v.parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{key}: `{v}` is not a positive number"))
        };
        match key {
            "n" => c.n = num(v)?,
            "untrapped" => c.untrapped = num(v)?,
            "reps" => c.reps = num(v)? as usize,
            "call" if v == "getppid" || v == "mkdirat" => c.call = v.into(),
            "call" => return Err(format!("call: `{v}` is not getppid or mkdirat")),
            "only" => c.only = Some(v.split(',').map(|s| s.trim().to_string()).collect()),
            _ => return Err(format!("unknown option --{key}")),
        }
        Ok(())
    };
    for key in ["n", "untrapped", "reps", "call", "only"] {
        if let Some(v) = env(&format!("UNOTIFY_BENCH_{}", key.to_uppercase())) {
            set(key, &v)?;
        }
    }
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            // cargo bench passes --bench to harness = false benches.
            "--bench" => {}
            "-h" | "--help" => {
                let doc = include_str!("overhead.rs");
                for l in doc.lines().take_while(|l| l.starts_with("//!")) {
                    let l = l.trim_start_matches("//!");
                    println!("{}", l.strip_prefix(' ').unwrap_or(l));
                }
                std::process::exit(0);
            }
            _ => match a.strip_prefix("--") {
                Some(key) => {
                    let (key, v) = match key.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (
                            key.to_string(),
                            args.next().ok_or(format!("--{key} needs a value"))?,
                        ),
                    };
                    set(&key, &v)?;
                }
                None => return Err(format!("unexpected argument `{a}` (see --help)")),
            },
        }
    }
    Ok(c)
}

/// The key of the whole-run case (not a per-call [`Case`]: it times whole
/// runs, and has its own table).
const WHOLE_RUN: &str = "0";

/// What supervision adds to a whole run: `unotify-tui --headless -- true`
/// and `true`, taking turns, each timed from spawn to exit.
///
/// Beside the wall-clock times (the target), the CPU time each run took
/// (user + system, of the process and everything it waited for, from
/// getrusage(RUSAGE_CHILDREN)): on a machine busy with other work the
/// wall clock mostly measures the wait for a CPU, the CPU time does not.
fn whole_run(reps: usize) {
    let pairs = 10 * reps.max(3);
    // Wall-clock and CPU milliseconds of one run.
    let time = |cmd: &mut Command| -> Option<(f64, f64)> {
        // cargo bench sets LD_LIBRARY_PATH (the toolchain's and target/'s
        // library directories): with it, the loader of `true` first looks
        // for libc in each of them and their glibc-hwcaps subdirectories,
        // a dozen failed opens that unotify-tui traps. That roughly
        // doubled what this case measured against a run from a shell.
        cmd.env_remove("LD_LIBRARY_PATH");
        let cpu0 = children_cpu_ms();
        let t = Instant::now();
        let st = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        let wall = t.elapsed().as_secs_f64() * 1e3;
        st.success().then(|| (wall, children_cpu_ms() - cpu0))
    };
    let bare = || time(&mut Command::new("true"));
    let supervised = || time(Command::new(BIN).args(["--headless", "--", "true"]));
    // For scale: what starting and ending the binary alone costs.
    let version = || time(Command::new(BIN).arg("--version"));
    let (mut a, mut b, mut diffs, mut v) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut a_cpu, mut b_cpu, mut v_cpu) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        if let Some((w, c)) = version() {
            v.push(w);
            v_cpu.push(c);
        }
        // Alternate which one goes first.
        let (x, y) = if i % 2 == 0 {
            let x = supervised();
            (x, bare())
        } else {
            let y = bare();
            (supervised(), y)
        };
        if let (Some(x), Some(y)) = (x, y) {
            a.push(x.0);
            b.push(y.0);
            a_cpu.push(x.1);
            b_cpu.push(y.1);
            diffs.push(x.0 - y.0);
        }
    }
    println!();
    if a.is_empty() {
        println!("(0) whole runs: `unotify-tui --headless -- true` did not run");
        return;
    }
    let ms = |v: &[f64]| {
        let (lo, hi) = spread(v);
        format!("{:.2} ms ({lo:.2}–{hi:.2})", median(&mut v.to_vec()))
    };
    println!(
        "(0) whole runs, {} interleaved pairs (median, min–max):",
        a.len()
    );
    println!("  {:<34} {:<26} CPU (user+sys)", "", "wall clock");
    println!("  {:<34} {:<26} {}", "true", ms(&b), ms(&b_cpu));
    println!(
        "  {:<34} {:<26} {}",
        "unotify-tui --headless -- true",
        ms(&a),
        ms(&a_cpu)
    );
    if !v.is_empty() {
        println!(
            "  {:<34} {:<26} {}",
            "unotify-tui --version (for scale)",
            ms(&v),
            ms(&v_cpu)
        );
    }
    let d = median(&mut a.clone()) - median(&mut b.clone());
    let (lo, hi) = spread(&diffs);
    println!(
        "  {:<34} {d:.2} ms ({lo:.2}–{hi:.2} within a pair)  target ≤ 5 ms  {}",
        "difference of the medians",
        if d <= 5.0 { "PASS" } else { "MISS" }
    );
    println!(
        "  {:<34} {:.2} ms",
        "  the same in CPU time",
        median(&mut a_cpu.clone()) - median(&mut b_cpu.clone())
    );
}

/// CPU time (user + system) of the children this process has waited
/// for, in milliseconds.
fn children_cpu_ms() -> f64 {
    let mut ru = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the buffer it is given,
    // which is large enough and lives across the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, ru.as_mut_ptr()) };
    if rc != 0 {
        return 0.0;
    }
    // SAFETY: getrusage succeeded, so it filled the buffer (and it was
    // zeroed before, so every field is initialised either way).
    let ru = unsafe { ru.assume_init() };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(ru.ru_utime) + ms(ru.ru_stime)
}

/// The cases, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Case {
    /// (1) The workload alone.
    NoFilter,
    /// (1f) Reference: a filter that traps nothing. Any seccomp filter
    /// sends every syscall through the kernel's slower entry path; this
    /// is the cheapest a filter can be, the floor for (2).
    Floor,
    /// (2) unotify-tui with the default trap list, which leaves the
    /// benchmark's calls untrapped.
    Untrapped,
    /// (3) unotify-tui --headless, a rule allows the call.
    Headless { sync: bool },
    /// (3s) (3) with the program in a session of its own (it calls
    /// setsid first), as the TUI starts it: (4) against this is what
    /// the TUI itself adds, and this against (5s) what the receiver adds
    /// when the round trip crosses two sessions.
    HeadlessSession,
    /// (3a, 3b, 3e, 3an, 3en) unotify-tui --headless on mkdirat, the
    /// trace to /dev/null: how the call is decided, and whether each call
    /// creates a new directory (else it fails with EEXIST).
    Mkdir { how: Decide, new: bool },
    /// (4) unotify-tui with its TUI on a pty, the same rule.
    Tui,
    /// (5) The minimal supervisor: RECV → CONTINUE, nothing else.
    Reference { sync: bool },
    /// (5m) The least any supervisor that looks at a path does (mkdirat
    /// only): RECV, the path read with process_vm_readv, NOTIF_ID_VALID,
    /// CONTINUE.
    ReferencePath,
    /// (5+) Not run unless named with --only: the reference plus, step
    /// by step, the kernel work unotify-tui's receiver does per call, to
    /// see where the time between (5) and (3) goes.
    Probe(Extra),
    /// (5s) The reference with the program in a session of its own on a
    /// pty, as the TUI starts it. With the scheduler's autogroups (a task
    /// group per session) the round trip then crosses two groups, which
    /// costs the kernel more: (4) compares fairly with this.
    ReferenceSession,
    /// (5k) Not run unless named: the reference with the filter flag
    /// unotify-tui sets by default, WAIT_KILLABLE_RECV (what it costs the
    /// kernel's round trip).
    ReferenceKillable,
    /// (6) strace -f -e trace=CALL.
    Strace,
    /// (6b) strace -f --seccomp-bpf -e trace=CALL: strace's fast mode,
    /// in which untrapped calls do not stop.
    StraceBpf,
}

impl Case {
    fn all() -> Vec<Case> {
        vec![
            Case::NoFilter,
            Case::Floor,
            Case::Untrapped,
            Case::Headless { sync: true },
            Case::Headless { sync: false },
            Case::HeadlessSession,
            Case::Mkdir {
                how: Decide::Default,
                new: false,
            },
            Case::Mkdir {
                how: Decide::PathRule,
                new: false,
            },
            Case::Mkdir {
                how: Decide::Emulate,
                new: false,
            },
            Case::Mkdir {
                how: Decide::Default,
                new: true,
            },
            Case::Mkdir {
                how: Decide::Emulate,
                new: true,
            },
            MKDIR_UNMATCHED[0],
            MKDIR_UNMATCHED[1],
            MKDIR_UNMATCHED[2],
            Case::Tui,
            Case::Reference { sync: true },
            Case::Reference { sync: false },
            Case::ReferencePath,
            Case::Probe(Extra::Poll),
            Case::Probe(Extra::Valid),
            Case::Probe(Extra::Wake),
            Case::ReferenceSession,
            Case::ReferenceKillable,
            Case::Strace,
            Case::StraceBpf,
        ]
    }

    /// Cases a plain run leaves out.
    fn on_request(self) -> bool {
        matches!(self, Case::Probe(_) | Case::ReferenceKillable)
    }

    /// Cases that exist only for `--call mkdirat`.
    fn mkdirat_only(self) -> bool {
        matches!(self, Case::Mkdir { .. } | Case::ReferencePath)
    }

    fn key(self) -> &'static str {
        match self {
            Case::NoFilter => "1",
            Case::Floor => "1f",
            Case::Untrapped => "2",
            Case::Headless { sync: true } => "3",
            Case::Headless { sync: false } => "3o",
            Case::HeadlessSession => "3s",
            Case::Mkdir { how, new } => match (how, new) {
                (Decide::Default, false) => "3a",
                (Decide::PathRule, false) => "3b",
                (Decide::Emulate, false) => "3e",
                (Decide::Default, true) => "3an",
                (Decide::PathRule, true) => "3bn",
                (Decide::Emulate, true) => "3en",
                (Decide::Unmatched(n), _) => match n {
                    10 => "3r10",
                    1000 => "3r1k",
                    _ => "3r10k",
                },
            },
            Case::Tui => "4",
            Case::Reference { sync: true } => "5",
            Case::Reference { sync: false } => "5o",
            Case::ReferencePath => "5m",
            Case::Probe(Extra::None) => "5",
            Case::Probe(Extra::Poll) => "5p",
            Case::Probe(Extra::Valid) => "5v",
            Case::Probe(Extra::Wake) => "5w",
            Case::ReferenceSession => "5s",
            Case::ReferenceKillable => "5k",
            Case::Strace => "6",
            Case::StraceBpf => "6b",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Case::NoFilter => "no filter",
            Case::Floor => "filter that traps nothing (kernel floor)",
            Case::Untrapped => "unotify-tui, call not trapped",
            Case::Headless { sync: true } => "unotify-tui --headless, rule allows",
            Case::Headless { sync: false } => "  same, --sync-wakeup off",
            Case::HeadlessSession => "  same, the program in its own session",
            Case::Mkdir { how, new } => match (how, new) {
                (Decide::Default, false) => "  headless, default allows, no path rule",
                (Decide::PathRule, false) => "  headless, a path rule allows",
                (Decide::Emulate, false) => "  headless, a rule emulates",
                (Decide::Default, true) => "  (3a), a new directory each call",
                (Decide::PathRule, true) => "  (3b), a new directory each call",
                (Decide::Emulate, true) => "  (3e), a new directory each call",
                (Decide::Unmatched(n), _) => match n {
                    10 => "  (3a), 10 path rules that don't match",
                    1000 => "  (3a), 1,000 path rules that don't match",
                    _ => "  (3a), 10,000 path rules that don't match",
                },
            },
            Case::Tui => "unotify-tui TUI on a pty, rule allows",
            Case::Reference { sync: true } => "reference RECV→CONTINUE loop",
            Case::Reference { sync: false } => "  same, without SYNC_WAKE_UP",
            Case::ReferencePath => "  (5) + read the path, NOTIF_ID_VALID",
            Case::Probe(Extra::None) => "reference RECV→CONTINUE loop",
            Case::Probe(Extra::Poll) => "  (5) + poll before each RECV",
            Case::Probe(Extra::Valid) => "  (5p) + NOTIF_ID_VALID",
            Case::Probe(Extra::Wake) => "  (5v) + a channel send to a waiting thread",
            Case::ReferenceSession => "  (5), the program in its own session (pty)",
            Case::ReferenceKillable => "  (5), the filter with WAIT_KILLABLE_RECV",
            Case::Strace => "strace -f -e trace=CALL",
            Case::StraceBpf => "strace -f --seccomp-bpf -e trace=CALL",
        }
    }

    /// How the reference supervisor runs in this case (`None`: not a
    /// reference case).
    fn reference(self) -> Option<Reference> {
        let d = Reference::default();
        Some(match self {
            Case::Reference { sync } => Reference { sync, ..d },
            Case::ReferencePath => Reference {
                read_path: true,
                ..d
            },
            Case::ReferenceSession => Reference {
                own_session: true,
                ..d
            },
            Case::Probe(extra) => Reference { extra, ..d },
            Case::ReferenceKillable => Reference {
                wait_killable: true,
                ..d
            },
            _ => return None,
        })
    }

    /// Trapped calls per run. The cases that take tens of microseconds a
    /// call (strace, no SYNC_WAKE_UP on an idle machine) make a quarter as
    /// many, so the default run stays short; times are per call anyway.
    fn trapped_calls(self, n: u64) -> u64 {
        match self {
            Case::Strace
            | Case::StraceBpf
            | Case::Headless { sync: false }
            | Case::Reference { sync: false } => (n / 4).max(1000).min(n),
            _ => n,
        }
    }

    /// Whether the case traps the benchmark's call.
    fn traps(self) -> bool {
        !matches!(self, Case::NoFilter | Case::Floor | Case::Untrapped)
    }
}

const MKDIR_DEFAULT: Case = Case::Mkdir {
    how: Decide::Default,
    new: false,
};
const MKDIR_PATH_RULE: Case = Case::Mkdir {
    how: Decide::PathRule,
    new: false,
};
const MKDIR_EMULATE: Case = Case::Mkdir {
    how: Decide::Emulate,
    new: false,
};
const MKDIR_DEFAULT_NEW: Case = Case::Mkdir {
    how: Decide::Default,
    new: true,
};
const MKDIR_EMULATE_NEW: Case = Case::Mkdir {
    how: Decide::Emulate,
    new: true,
};
/// The rule counts of the `Unmatched` cases.
const UNMATCHED_COUNTS: [usize; 3] = [10, 1000, 10_000];
const MKDIR_UNMATCHED: [Case; 3] = [
    Case::Mkdir {
        how: Decide::Unmatched(UNMATCHED_COUNTS[0]),
        new: false,
    },
    Case::Mkdir {
        how: Decide::Unmatched(UNMATCHED_COUNTS[1]),
        new: false,
    },
    Case::Mkdir {
        how: Decide::Unmatched(UNMATCHED_COUNTS[2]),
        new: false,
    },
];

/// How a `Mkdir` case decides the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Decide {
    /// `--default-action allow`, no rule file: only the built-in quiet
    /// rules, whose path conditions are for opens, so the call's real
    /// path is never walked.
    Default,
    /// A rule on mkdirat with a `path` condition that matches: the real
    /// path is walked before deciding.
    PathRule,
    /// A rule on mkdirat, no path condition, action `emulate`.
    Emulate,
    /// This many rules on mkdirat with a `path` condition that does not
    /// match (`DIR/elsewhere/N/**`, next to the directory the calls name):
    /// the default action decides, after the real path was walked.
    Unmatched(usize),
}

impl Decide {
    /// Whether a rule with a path condition for mkdirat is loaded (the
    /// receiver then walks the real path before deciding).
    fn has_path_rule(self) -> bool {
        matches!(self, Decide::PathRule | Decide::Unmatched(_))
    }
}

/// What a probe adds to the reference loop, cumulatively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Extra {
    None,
    /// poll(2) on the listener before each RECV (unotify-tui's receiver
    /// did this until it learnt to block in RECV).
    Poll,
    /// And SECCOMP_IOCTL_NOTIF_ID_VALID before answering (unotify-tui
    /// does it when it read the target's memory or /proc).
    Valid,
    /// And, after answering, a message on a crossbeam channel to a thread
    /// asleep on it (unotify-tui's trace writer and UI were, for each
    /// record, until they took records in batches).
    Wake,
}

/// One run's result: nanoseconds per call.
#[derive(Clone, Copy, Debug)]
struct Sample {
    trapped: f64,
    untrapped: f64,
}

/// Files the runs share.
struct Env {
    cfg: Config,
    dir: PathBuf,
    rules: PathBuf,
    /// Rule files of the `Mkdir` cases: a path rule that allows, a rule
    /// that emulates.
    path_rules: PathBuf,
    emulate_rules: PathBuf,
    /// Rule files of the `Unmatched` cases, by rule count.
    unmatched_rules: BTreeMap<usize, PathBuf>,
    /// Where the runs that create directories make them: a tmpfs if
    /// there is one, so the disk's journal doesn't dominate the times.
    new_parent: PathBuf,
    /// The existing directory mkdirat is pointed at.
    target_dir: PathBuf,
    strace: Option<String>,
    /// Set once a TUI run showed the alternate screen.
    tui_seen: Arc<AtomicBool>,
    notes: Vec<String>,
    seq: u64,
}

impl Env {
    fn out_file(&mut self) -> PathBuf {
        self.seq += 1;
        self.dir.join(format!("out-{}", self.seq))
    }

    fn workload_args(&self, out: &Path, trapped: u64, untrapped: u64) -> Vec<OsString> {
        self.workload_args_for(&self.cfg.call, &self.target_dir, out, trapped, untrapped)
    }

    fn workload_args_for(
        &self,
        call: &str,
        dir: &Path,
        out: &Path,
        trapped: u64,
        untrapped: u64,
    ) -> Vec<OsString> {
        vec![
            call.into(),
            trapped.to_string().into(),
            untrapped.to_string().into(),
            out.as_os_str().to_owned(),
            dir.as_os_str().to_owned(),
        ]
    }

    /// The command of a `Mkdir` case (the program's arguments follow),
    /// with `log` as its --log (None: no log, as timed).
    fn mkdir_cmd(&self, how: Decide, log: Option<&Path>) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(["--headless", "--output", "/dev/null", "--trap", "mkdirat"]);
        if let Some(log) = log {
            cmd.arg("--log").arg(log);
        }
        match how {
            Decide::Default => {}
            Decide::PathRule => {
                cmd.arg("--rules").arg(&self.path_rules);
            }
            Decide::Emulate => {
                cmd.arg("--rules").arg(&self.emulate_rules);
            }
            Decide::Unmatched(n) => {
                cmd.arg("--rules").arg(&self.unmatched_rules[&n]);
            }
        }
        cmd.args(["--default-action", "allow", "--"]).arg(*PROG);
        cmd
    }

    /// An empty directory for a run that creates directories in it.
    fn fresh_dir(&mut self) -> Result<PathBuf, String> {
        self.seq += 1;
        let d = self.new_parent.join(format!("new-{}", self.seq));
        std::fs::create_dir(&d).map_err(|e| format!("creating {}: {e}", d.display()))?;
        Ok(d)
    }

    /// Options that make unotify-tui trap exactly the benchmark's call
    /// and allow it by a rule; anything else would be denied.
    fn trap_opts(&self) -> Vec<OsString> {
        vec![
            "--trap".into(),
            self.cfg.call.clone().into(),
            "--rules".into(),
            self.rules.clone().into(),
            "--default-action".into(),
            "deny".into(),
        ]
    }
}

fn read_sample(out: &Path) -> Result<Sample, String> {
    let text = std::fs::read_to_string(out)
        .map_err(|e| format!("no result from the workload ({}): {e}", out.display()))?;
    let f: Vec<&str> = text.split_whitespace().collect();
    let num = |i: usize| -> Result<f64, String> {
        f.get(i)
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| format!("bad workload output {text:?}"))
    };
    let _ = std::fs::remove_file(out);
    Ok(Sample {
        trapped: num(2)? / num(1)?,
        untrapped: num(5)? / num(4)?,
    })
}

/// Waits for a child, killing it after `limit`.
fn wait_child(child: &mut Child, limit: Duration) -> Result<std::process::ExitStatus, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return Ok(st),
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting: {e}")),
        }
    }
}

/// Runs a command to completion; its stderr is kept for the error message.
fn run_cmd(mut cmd: Command, out: &Path) -> Result<Sample, String> {
    let err_file = out.with_extension("err");
    let err = std::fs::File::create(&err_file).map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .map_err(|e| format!("starting {:?}: {e}", cmd.get_program()))?;
    let st = wait_child(&mut child, RUN_TIMEOUT)?;
    let stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
    let _ = std::fs::remove_file(&err_file);
    if !st.success() {
        return Err(format!("{st}: {}", stderr.trim()));
    }
    read_sample(out)
}

fn run_case(env: &mut Env, case: Case) -> Result<Sample, String> {
    let out = env.out_file();
    let n = case.trapped_calls(env.cfg.n);
    match case {
        Case::NoFilter => {
            let mut cmd = Command::new(*PROG);
            cmd.args(env.workload_args(&out, n, env.cfg.untrapped));
            run_cmd(cmd, &out)
        }
        Case::Floor => reference(
            env,
            &out,
            Vec::new(),
            n,
            Reference {
                sync: false,
                ..Reference::default()
            },
        ),
        Case::Untrapped => {
            // The default trap list, minus the benchmark's call.
            let trap = if env.cfg.call == "mkdirat" {
                "@net,@exec,open,openat,mkdir"
            } else {
                unotify_tui::decode::groups::DEFAULT_TRAP
            };
            let mut cmd = Command::new(BIN);
            cmd.args(["--headless", "--output", "/dev/null", "--trap", trap, "--"])
                .arg(*PROG)
                .args(env.workload_args(&out, n, env.cfg.untrapped));
            run_cmd(cmd, &out)
        }
        Case::Headless { .. } | Case::HeadlessSession => {
            let sync = case != Case::Headless { sync: false };
            let mut cmd = Command::new(BIN);
            cmd.args(["--headless", "--output", "/dev/null"])
                .args(env.trap_opts())
                .args(["--sync-wakeup", if sync { "on" } else { "off" }, "--"])
                .arg(*PROG)
                .args(env.workload_args(&out, n, env.cfg.untrapped));
            if case == Case::HeadlessSession {
                cmd.env(SETSID_VAR, "1");
            }
            run_cmd(cmd, &out)
        }
        Case::Mkdir { how, new } => {
            let (call, dir) = if new {
                ("mkdirat-new", env.fresh_dir()?)
            } else {
                ("mkdirat", env.target_dir.clone())
            };
            let mut cmd = env.mkdir_cmd(how, None);
            cmd.args(env.workload_args_for(call, &dir, &out, n, env.cfg.untrapped));
            let r = run_cmd(cmd, &out);
            if new {
                let _ = std::fs::remove_dir_all(&dir);
            }
            r
        }
        Case::Tui => tui(env, &out, n),
        Case::Reference { .. }
        | Case::ReferencePath
        | Case::ReferenceSession
        | Case::Probe(_)
        | Case::ReferenceKillable => {
            let how = case.reference().expect("a reference case");
            reference_on_call(env, &out, n, how)
        }
        Case::Strace | Case::StraceBpf => {
            let Some(strace) = env.strace.clone() else {
                return Err("strace not found (apt-get install strace)".into());
            };
            let mut cmd = Command::new(strace);
            cmd.args(["-f", "-qq", "-o", "/dev/null"]);
            // Plain strace stops on every syscall: the untrapped batch
            // gets as many calls as the trapped one, or it would dominate
            // the run time.
            let untrapped = if case == Case::StraceBpf {
                cmd.arg("--seccomp-bpf");
                env.cfg.untrapped
            } else {
                n.min(env.cfg.untrapped)
            };
            cmd.arg("-e")
                .arg(format!("trace={}", env.cfg.call))
                .arg("--")
                .arg(*PROG)
                .args(env.workload_args(&out, n, untrapped));
            run_cmd(cmd, &out)
        }
    }
}

fn sysno(call: &str) -> Sysno {
    match call {
        "mkdirat" => Sysno::mkdirat,
        _ => Sysno::getppid,
    }
}

fn cstr(b: impl Into<Vec<u8>>) -> CString {
    CString::new(b).expect("no NUL bytes in the benchmark's arguments")
}

/// The minimal supervisor (5): the crate's launcher installs the filter
/// and hands over the listener; then only RECV and SEND(CONTINUE). With
/// no syscall trapped it measures the filter floor (1f). With `read_path`
/// (5m, mkdirat) it also reads the call's path as any supervisor that
/// looks at it must: one process_vm_readv up to the page's end (where the
/// path may stop being mapped), the NUL found, then NOTIF_ID_VALID
/// before answering.
/// The reference trapping the benchmark's call.
fn reference_on_call(env: &Env, out: &Path, n: u64, how: Reference) -> Result<Sample, String> {
    reference(env, out, vec![sysno(&env.cfg.call)], n, how)
}

/// How the reference supervisor runs.
#[derive(Clone, Copy)]
struct Reference {
    /// SYNC_WAKE_UP on the listener.
    sync: bool,
    extra: Extra,
    /// The program a session leader on a pty of its own.
    own_session: bool,
    /// Read the call's path and check NOTIF_ID_VALID (5m).
    read_path: bool,
    /// The filter with WAIT_KILLABLE_RECV.
    wait_killable: bool,
}

impl Default for Reference {
    fn default() -> Reference {
        Reference {
            sync: true,
            extra: Extra::None,
            own_session: false,
            read_path: false,
            wait_killable: false,
        }
    }
}

fn reference(
    env: &Env,
    out: &Path,
    trapped: Vec<Sysno>,
    n: u64,
    how: Reference,
) -> Result<Sample, String> {
    let Reference {
        sync,
        extra,
        own_session,
        read_path,
        wait_killable,
    } = how;
    let expect = if trapped.is_empty() { 0 } else { n + WARMUP };
    // The launcher makes the program a session leader on this terminal.
    let pty = if own_session {
        Some(nix::pty::openpty(None, None).map_err(|e| format!("openpty: {e}"))?)
    } else {
        None
    };
    let (pty_master, pty_slave) = match pty {
        Some(p) => (Some(p.master), Some(p.slave)),
        None => (None, None),
    };
    let mut argv = vec![cstr(*PROG)];
    argv.extend(
        env.workload_args(out, n, env.cfg.untrapped)
            .into_iter()
            .map(|a| cstr(a.into_vec())),
    );
    let spec = SpawnSpec {
        path: cstr(*PROG),
        argv,
        envp: std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k.into_vec();
                kv.push(b'=');
                kv.extend(v.into_vec());
                cstr(kv)
            })
            .collect(),
        cwd: None,
        pty_slave,
        pty_stdio: [true; 3],
        trapped,
        wait_killable,
    };
    let mut spawned = spawn(&spec).map_err(|e| format!("spawn: {e}"))?;
    let pid = Pid::from_raw(spawned.pid as i32);
    if sync {
        spawned
            .set_listener_flags(USER_NOTIF_FD_SYNC_WAKE_UP)
            .map_err(|e| format!("SECCOMP_IOCTL_NOTIF_SET_FLAGS: {e}"))?;
    }
    let first = match spawned.go().map_err(|e| format!("launch: {e}"))? {
        Launched::Exec(n) => Some(n),
        Launched::Running(n) => n,
    };
    let listener = spawned.take_listener();

    // RECV blocks for ever if a call never comes: a watchdog ends the
    // whole benchmark rather than hang it.
    let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(1);
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(RUN_TIMEOUT).is_err() {
            let _ = kill(pid, Signal::SIGKILL);
            eprintln!(
                "overhead: the reference supervisor got fewer calls than expected; giving up"
            );
            std::process::exit(1);
        }
    });

    let mut left = expect;
    if let Some(n) = first {
        let _ = listener.send(Response::continue_call(n.id));
        left = left.saturating_sub(1);
    }
    // Only for the Wake probe: a thread that blocks on a channel the way
    // the trace writer does.
    let (tx, rx) = crossbeam_channel::unbounded::<Box<u64>>();
    let sink = (extra >= Extra::Wake).then(|| std::thread::spawn(move || rx.iter().count()));
    while left > 0 {
        if extra >= Extra::Poll {
            let mut p = [nix::poll::PollFd::new(
                listener.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            let _ = nix::poll::poll(&mut p, nix::poll::PollTimeout::from(200u16));
        }
        match listener.recv() {
            Ok(n) => {
                if read_path {
                    // mkdirat(dirfd, path, mode): the path is argument 1.
                    let addr = n.args[1];
                    let len = 4096 - (addr % 4096) as usize;
                    let mut buf = [0u8; 4096];
                    let got = unotify_tui::sys::mem::read(n.pid, addr, &mut buf[..len]);
                    let got = got.unwrap_or(0);
                    std::hint::black_box(buf[..got].iter().position(|&b| b == 0));
                    std::hint::black_box(listener.id_valid(n.id));
                }
                if extra >= Extra::Valid {
                    std::hint::black_box(listener.id_valid(n.id));
                }
                // ENOENT (the call went away) is not ours to handle here.
                let _ = listener.send(Response::continue_call(n.id));
                if extra >= Extra::Wake {
                    let _ = tx.send(Box::new(n.id));
                }
                left -= 1;
            }
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => {}
            Err(e) => {
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
                let _ = done_tx.send(());
                return Err(format!("SECCOMP_IOCTL_NOTIF_RECV: {e}"));
            }
        }
    }
    drop(tx);
    if let Some(h) = sink {
        let _ = h.join();
    }
    let status = waitpid(pid, None);
    let _ = done_tx.send(());
    let _ = watchdog.join();
    drop(listener);
    drop(pty_master);
    match status {
        Ok(WaitStatus::Exited(_, 0)) => read_sample(out),
        other => Err(format!("workload ended with {other:?}")),
    }
}

/// (4) The TUI on a pseudo-terminal, as a person would run it.
///
/// The TUI gives the workload a terminal of its own, so the result comes
/// back through the OUT file. The master side is drained all along (a
/// full pty would stall the TUI) and watched for the alternate screen,
/// which tells whether a TUI really ran: a build without one runs
/// headless, and the row then says so.
fn tui(env: &mut Env, out: &Path, n: u64) -> Result<Sample, String> {
    tui_with(env, out, n, &[])
}

/// Runs the TUI on a pty with `extra` options before the program.
fn tui_with(env: &mut Env, out: &Path, n: u64, extra: &[OsString]) -> Result<Sample, String> {
    let ws = nix::pty::Winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = nix::pty::openpty(&ws, None).map_err(|e| format!("openpty: {e}"))?;
    for fd in [&pty.master, &pty.slave] {
        let _ = nix::fcntl::fcntl(
            fd,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        );
    }
    let slave = |p: &OwnedFd| -> Result<Stdio, String> {
        Ok(Stdio::from(p.try_clone().map_err(|e| e.to_string())?))
    };
    let mut cmd = Command::new(BIN);
    cmd.args(env.trap_opts())
        .args(extra)
        .arg("--")
        .arg(*PROG)
        .args(env.workload_args(out, n, env.cfg.untrapped))
        .env("TERM", "xterm-256color")
        .stdin(slave(&pty.slave)?)
        .stdout(slave(&pty.slave)?)
        .stderr(slave(&pty.slave)?);
    // SAFETY: between fork and exec `take_pty` only makes two
    // async-signal-safe syscalls (setsid, ioctl) on fd 0, which is the
    // pty slave by then.
    unsafe { cmd.pre_exec(take_pty) };
    let mut child = cmd.spawn().map_err(|e| format!("starting the TUI: {e}"))?;
    // Only the TUI may hold the slave now: the drain below ends when
    // the last slave fd closes, and `cmd` holds copies.
    drop(cmd);
    drop(pty.slave);

    let mut master = std::fs::File::from(pty.master);
    let mut reader = master.try_clone().map_err(|e| e.to_string())?;
    let seen = Arc::clone(&env.tui_seen);
    let drain = std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        let mut tail: Vec<u8> = Vec::new();
        // EIO once every slave fd is closed.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&buf[..n]);
            if tail.windows(8).any(|w| w == b"\x1b[?1049h") {
                seen.store(true, Ordering::Relaxed);
            }
            let keep = tail.len().saturating_sub(7);
            tail.drain(..keep);
        }
    });

    // Wait for the workload's result, then for the TUI to end by itself;
    // if it stays up (waiting for a person), press q, then insist.
    let start = Instant::now();
    let mut finished_at = None;
    let mut pressed = false;
    let mut killed = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Ok(st),
            Ok(None) => {}
            Err(e) => break Err(format!("waiting for the TUI: {e}")),
        }
        if finished_at.is_none() && std::fs::metadata(out).is_ok_and(|m| m.len() > 0) {
            finished_at = Some(Instant::now());
        }
        let since = finished_at.map(|t| t.elapsed()).unwrap_or_default();
        if finished_at.is_some() && !pressed && since > Duration::from_millis(300) {
            let _ = master.write_all(b"q");
            pressed = true;
        }
        let stuck = since > Duration::from_secs(5) || start.elapsed() > RUN_TIMEOUT;
        if stuck && !killed {
            let _ = child.kill();
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    drop(master);
    let _ = drain.join();
    if killed && !env.notes.iter().any(|n| n.starts_with("(4)")) {
        env.notes
            .push("(4) the TUI did not exit after the program ended and q; it was killed".into());
    }
    match status? {
        st if st.success() || killed => read_sample(out),
        st => Err(format!("unotify-tui (TUI) ended with {st}")),
    }
}

/// In the TUI's child before exec: a new session whose controlling
/// terminal is fd 0 (the pty slave).
fn take_pty() -> std::io::Result<()> {
    // SAFETY: no arguments.
    if unsafe { libc::setsid() } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: TIOCSCTTY takes an integer argument, not a pointer.
    if unsafe { libc::ioctl(0, libc::TIOCSCTTY, 0) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The TUI's own figures while rule-decided calls pour in: the time to
/// draw a frame once history holds its cap of 100000 calls, and the
/// resident memory at the end, after 200000 and after 1000000 calls. With
/// the history capped, memory must not grow with the call count.
fn ui_under_load(env: &mut Env) {
    println!();
    println!(
        "TUI under load ({} on a 120×40 pty, --history 100000):",
        env.cfg.call
    );
    println!(
        "{:>9}  {:>7}  {:>22}  {:>22}  {:>9}",
        "calls", "frames", "draw p50 / p99 (all)", "p50 / p99 (full hist.)", "peak RSS"
    );
    let mut peaks = Vec::new();
    for n in [200_000u64, 1_000_000] {
        let out = env.out_file();
        let stats = env.dir.join(format!("stats-{n}"));
        let extra: Vec<OsString> = vec![
            "--history".into(),
            "100000".into(),
            "--stats".into(),
            stats.clone().into(),
        ];
        let r = tui_with(env, &out, n, &extra).and_then(|_| {
            std::fs::read_to_string(&stats).map_err(|e| format!("no statistics: {e}"))
        });
        let text = match r {
            Ok(t) => t,
            Err(e) => {
                println!("{n:>9}  failed: {e}");
                continue;
            }
        };
        let f: Vec<&str> = text.split_whitespace().collect();
        let get = |k: &str| -> u64 {
            f.iter()
                .position(|w| *w == k)
                .and_then(|i| f.get(i + 1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let ms = |us: u64| format!("{:.2} ms", us as f64 / 1000.0);
        println!(
            "{n:>9}  {:>7}  {:>22}  {:>22}  {:>6} MB",
            get("frames"),
            format!("{} / {}", ms(get("p50_us")), ms(get("p99_us"))),
            format!("{} / {}", ms(get("full_p50_us")), ms(get("full_p99_us"))),
            get("hwm_kb") / 1024
        );
        peaks.push((get("hwm_kb"), get("full_p99_us")));
    }
    if let [(a, _), (b, p99)] = peaks[..] {
        let p99_ok = if p99 < 10_000 { "PASS" } else { "MISS" };
        println!(
            "frame p99 with a full history: {:.2} ms, target < 10 ms: {p99_ok}; \
             peak RSS 1M/200k calls: {:.2} (bounded by the history cap, not the call count)",
            p99 as f64 / 1000.0,
            b as f64 / a.max(1) as f64
        );
    }
}

/// Checks before timing anything that the supervised cases really trap
/// the call and answer it by the rule: the log must hold every call.
fn preflight(env: &mut Env) -> Result<(), String> {
    let out = env.out_file();
    let log = env.dir.join("preflight.jsonl");
    let mut cmd = Command::new(BIN);
    cmd.args(["--headless", "--output", "/dev/null", "--log"])
        .arg(&log)
        .args(env.trap_opts())
        .arg("--")
        .arg(*PROG)
        .args(env.workload_args(&out, env.cfg.n, 1));
    run_cmd(cmd, &out)?;
    let text = std::fs::read_to_string(&log).map_err(|e| format!("preflight log: {e}"))?;
    let by_rule = text
        .lines()
        .filter(|l| {
            l.contains(&format!("\"syscall\":\"{}\"", env.cfg.call)) && l.contains("\"rule 1")
        })
        .count() as u64;
    let want = env.cfg.n + WARMUP;
    if by_rule != want {
        return Err(format!(
            "preflight: {by_rule} of {want} {} calls were allowed by the rule",
            env.cfg.call
        ));
    }
    Ok(())
}

/// Checks before timing that each `Mkdir` case traps every call and
/// decides it as it says, and that only the path rule makes the receiver
/// walk real paths (a rule with a path condition for mkdirat, built-in
/// ones included, would make (3a) pay for them too).
fn preflight_mkdir(env: &mut Env, cases: &[Case]) -> Result<(), String> {
    use unotify_tui::policy::rules::{RuleSet, builtin_rules, load_rules};
    for &case in cases {
        let Case::Mkdir { how, new } = case else {
            continue;
        };
        let key = case.key();
        let mut rules = match how {
            Decide::Default => Vec::new(),
            Decide::PathRule => load_rules(&env.path_rules, unotify_tui::errno::Errno::EPERM)
                .map_err(|e| e.to_string())?,
            Decide::Emulate => load_rules(&env.emulate_rules, unotify_tui::errno::Errno::EPERM)
                .map_err(|e| e.to_string())?,
            Decide::Unmatched(n) => {
                load_rules(&env.unmatched_rules[&n], unotify_tui::errno::Errno::EPERM)
                    .map_err(|e| e.to_string())?
            }
        };
        rules.extend(builtin_rules());
        let walks = RuleSet::new(rules).needs(Some(Sysno::mkdirat)).real_paths;
        if walks != how.has_path_rule() {
            return Err(format!(
                "preflight ({key}): the rules {} a path condition for mkdirat",
                if walks { "have" } else { "lack" }
            ));
        }

        let n = 100;
        let out = env.out_file();
        let log = env.dir.join(format!("preflight-{key}.jsonl"));
        let (call, dir) = if new {
            ("mkdirat-new", env.fresh_dir()?)
        } else {
            ("mkdirat", env.target_dir.clone())
        };
        let mut cmd = env.mkdir_cmd(how, Some(&log));
        cmd.args(env.workload_args_for(call, &dir, &out, n, 1));
        run_cmd(cmd, &out).map_err(|e| format!("preflight ({key}): {e}"))?;
        let made = if new {
            let made = std::fs::read_dir(&dir).map_or(0, |d| d.count()) as u64;
            let _ = std::fs::remove_dir_all(&dir);
            made
        } else {
            0
        };
        let text = std::fs::read_to_string(&log).map_err(|e| format!("preflight log: {e}"))?;
        let want_by = |by: &str| match how {
            Decide::Default | Decide::Unmatched(_) => by == "default",
            _ => by.starts_with("rule 1,"),
        };
        let want_action = if how == Decide::Emulate {
            "emulate"
        } else {
            "allow"
        };
        let good = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["syscall"] == "mkdirat")
            .filter(|v| v["decided_by"].as_str().is_some_and(want_by))
            .filter(|v| v["answer"]["action"] == want_action)
            // An emulation answers with the call's own result.
            .filter(|v| match (how, new) {
                (Decide::Emulate, false) => v["return"]["errno"] == "EEXIST",
                (Decide::Emulate, true) => v["return"]["value"] == 0,
                _ => true,
            })
            .count() as u64;
        let want = n + WARMUP;
        if good != want {
            return Err(format!(
                "preflight ({key}): {good} of {want} mkdirat calls were decided as expected \
                 ({how:?}, {want_action})"
            ));
        }
        if new && made != want {
            return Err(format!(
                "preflight ({key}): {made} of {want} directories were made"
            ));
        }
    }
    Ok(())
}

/// The identity part of an emulation, timed here: reading a thread's
/// identity from /proc (`identity::read`), and a thread that unshares
/// its fs context and takes an identity (`identity::adopt`), against an
/// empty thread. This process's own identity stands in for the
/// program's (the same files are read; taking the same uids skips
/// setgroups, which a different program would add). The measurements
/// take turns batch by batch, like the cases, and the differences are
/// taken within a batch.
fn identity_cost(reps: usize) {
    use unotify_tui::supervisor::identity;
    const K: u32 = 200;
    let batches = 3 * reps.max(3);
    let pid = std::process::id();
    let who = match identity::read(pid) {
        Ok(w) => w,
        Err(e) => {
            println!("identity: cannot read our own identity: {e}");
            return;
        }
    };
    let status = format!("/proc/{pid}/status");
    let status_only = || {
        std::hint::black_box(std::fs::read(&status).ok());
    };
    let read = || {
        std::hint::black_box(identity::read(pid).ok());
    };
    let empty = || {
        let _ = std::thread::spawn(|| {}).join();
    };
    let adopt = || {
        let who = who.clone();
        let _ = std::thread::spawn(move || {
            let _ = nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS);
            std::hint::black_box(identity::adopt(&who).is_ok());
        })
        .join();
    };
    let all = || {
        let _ = std::thread::spawn(move || {
            let Ok(who) = identity::read(pid) else { return };
            let _ = nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS);
            std::hint::black_box(identity::adopt(&who).is_ok());
        })
        .join();
    };
    let steps: [(&str, &dyn Fn()); 5] = [
        ("reading /proc/PID/status alone", &status_only),
        (
            "identity::read (/proc/TID/status, two ns/user stats)",
            &read,
        ),
        ("thread spawn + join, empty", &empty),
        ("thread: unshare(CLONE_FS) + identity::adopt", &adopt),
        ("thread: read + unshare + adopt (all of it)", &all),
    ];
    // times[step][batch], ns per call.
    let mut times = vec![Vec::with_capacity(batches); steps.len()];
    for b in 0..batches {
        for i in 0..steps.len() {
            // Rotated, as the cases are.
            let i = (i + b) % steps.len();
            let t = Instant::now();
            for _ in 0..K {
                (steps[i].1)();
            }
            times[i].push(t.elapsed().as_nanos() as f64 / f64::from(K));
        }
    }
    println!();
    println!(
        "identity part of an emulation, per call ({batches} interleaved batches of {K}, \
         median (min–max)):"
    );
    for ((what, _), v) in steps.iter().zip(&times) {
        println!("  {what:<54} {}", cell(v));
    }
    let diff = |a: usize, b: usize| -> Vec<f64> {
        times[a].iter().zip(&times[b]).map(|(x, y)| x - y).collect()
    };
    println!(
        "  {:<54} {}",
        "the identity (all − empty thread, within a batch)",
        cell(&diff(4, 2))
    );
    println!(
        "  {:<54} {}",
        "unshare + adopt (adopt − empty thread, within a batch)",
        cell(&diff(3, 2))
    );
}

/// `n` rules on mkdirat with a path condition that no call of the
/// benchmark matches: subtrees next to the directory it names.
fn unmatched_rule_file(dir: &Path, n: usize) -> String {
    let mut text = String::with_capacity(n * 100);
    for i in 0..n {
        text.push_str(&format!(
            "[[rule]]\nsyscall = \"mkdirat\"\npath = \"{}/elsewhere/{i}/**\"\naction = \"deny\"\n\n",
            dir.display()
        ));
    }
    text
}

/// How long loading a rule file of N path rules takes (the whole parse,
/// checks and glob compilation, in this process), and building the rule
/// set's index from them: both must stay linear.
fn rule_loading() {
    let dir = std::env::temp_dir().join(format!("unotify-bench-rules-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    println!();
    println!(
        "rule loading (`--rules FILE` with N path rules, median of the runs; then the index):"
    );
    for (n, runs) in [(20_000usize, 3usize), (100_000, 1)] {
        let file = dir.join(format!("{n}.toml"));
        let mut text = String::with_capacity(n * 80);
        for i in 0..n {
            text.push_str(&format!(
                "[[rule]]\nsyscall = \"mkdirat\"\npath = \"/nowhere/{i}/**\"\naction = \"deny\"\n\n"
            ));
        }
        if std::fs::write(&file, text).is_err() {
            println!("  {n} rules: could not write the file");
            continue;
        }
        let (mut load, mut index): (Vec<f64>, Vec<f64>) = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let loaded =
                    unotify_tui::policy::rules::load_rules(&file, unotify_tui::errno::Errno::EPERM)
                        .unwrap_or_default();
                let load = t.elapsed().as_secs_f64();
                assert_eq!(loaded.len(), n, "the file loads");
                let t = Instant::now();
                let set = unotify_tui::policy::rules::RuleSet::new(loaded);
                let index = t.elapsed().as_secs_f64();
                assert_eq!(set.len(), n);
                (load, index)
            })
            .unzip();
        println!(
            "  {n:>7} rules: {:.2} s, then the index {:.3} s",
            median(&mut load),
            median(&mut index)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn spread(v: &[f64]) -> (f64, f64) {
    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo, hi)
}

/// Samples of one case, by repetition (a failed run leaves a gap).
type Series = Vec<Option<Sample>>;

fn column(s: &Series, f: fn(&Sample) -> f64) -> Vec<f64> {
    s.iter().flatten().map(f).collect()
}

fn fmt_time(ns: f64) -> String {
    if ns.abs() >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn cell(v: &[f64]) -> String {
    if v.is_empty() {
        return "—".into();
    }
    let mut m = v.to_vec();
    let med = median(&mut m);
    let (lo, hi) = spread(v);
    format!("{} ({}–{})", fmt_time(med), fmt_time(lo), fmt_time(hi))
}

struct Ratio {
    num: Case,
    den: Case,
    /// Compare the trapped column (else the untrapped one).
    trapped: bool,
    /// (≤ or ≥, target); None: for information.
    target: Option<(bool, f64)>,
    what: &'static str,
}

fn main() {
    let cfg = match config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("overhead: {e}");
            std::process::exit(2);
        }
    };
    let dir = tempfile::Builder::new()
        .prefix("unotify-bench-")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let shm = tempfile::Builder::new()
        .prefix("unotify-bench-")
        .tempdir_in("/dev/shm")
        .ok()
        .filter(|d| {
            nix::sys::statfs::statfs(d.path())
                .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::TMPFS_MAGIC)
        });
    let new_parent = shm
        .as_ref()
        .map_or_else(|| dir.path().to_path_buf(), |d| d.path().to_path_buf());
    let target_dir = dir.path().join("exists");
    std::fs::create_dir(&target_dir).expect("creating the mkdirat directory");
    // Rules match the real path: /tmp may be a symlink.
    let real_dir = dir
        .path()
        .canonicalize()
        .unwrap_or_else(|_| dir.path().to_path_buf());
    let path_rules = dir.path().join("path-rule.toml");
    std::fs::write(
        &path_rules,
        format!(
            "[[rule]]\nsyscall = \"mkdirat\"\npath = [\"{0}\", \"{0}/**\"]\naction = \"allow\"\n",
            real_dir.display()
        ),
    )
    .expect("writing the path rule file");
    let emulate_rules = dir.path().join("emulate-rule.toml");
    std::fs::write(
        &emulate_rules,
        "[[rule]]\nsyscall = \"mkdirat\"\naction = \"emulate\"\n",
    )
    .expect("writing the emulate rule file");
    let mut unmatched_rules = BTreeMap::new();
    for n in UNMATCHED_COUNTS {
        let file = dir.path().join(format!("unmatched-{n}.toml"));
        std::fs::write(&file, unmatched_rule_file(&real_dir, n))
            .expect("writing the unmatched rule file");
        unmatched_rules.insert(n, file);
    }
    let rules = dir.path().join("bench.toml");
    let rule = if cfg.call == "mkdirat" {
        format!(
            "[[rule]]\nsyscall = \"mkdirat\"\npath = [\"{0}\", \"{0}/**\"]\naction = \"allow\"\n",
            target_dir.display()
        )
    } else {
        "[[rule]]\nsyscall = \"getppid\"\naction = \"allow\"\n".to_string()
    };
    std::fs::write(&rules, rule).expect("writing the rule file");
    let strace = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()
        .filter(|s| s.success())
        .map(|_| "strace".to_string());
    let mut env = Env {
        cfg: cfg.clone(),
        dir: dir.path().to_path_buf(),
        rules,
        path_rules,
        emulate_rules,
        unmatched_rules,
        new_parent,
        target_dir,
        strace,
        tui_seen: Arc::new(AtomicBool::new(false)),
        notes: Vec::new(),
        seq: 0,
    };

    if let Some(unknown) = cfg
        .only
        .iter()
        .flatten()
        .find(|k| *k != WHOLE_RUN && !Case::all().iter().any(|c| c.key() == k.as_str()))
    {
        eprintln!("overhead: --only: no case `{unknown}` (see --help)");
        std::process::exit(2);
    }
    let mkdirat = cfg.call == "mkdirat";
    if let Some(c) = Case::all()
        .into_iter()
        .find(|c| !mkdirat && c.mkdirat_only() && cfg.only.iter().flatten().any(|k| k == c.key()))
    {
        eprintln!("overhead: case {} needs --call mkdirat", c.key());
        std::process::exit(2);
    }
    let cases: Vec<Case> = Case::all()
        .into_iter()
        .filter(|c| mkdirat || !c.mkdirat_only())
        .filter(|c| {
            cfg.only
                .as_ref()
                .map_or(!c.on_request(), |o| o.iter().any(|k| k == c.key()))
        })
        .collect();
    let whole_runs = cfg
        .only
        .as_ref()
        .is_none_or(|o| o.iter().any(|k| k == WHOLE_RUN));
    if cases.is_empty() {
        if whole_runs {
            println!("unotify-tui overhead: whole runs");
            whole_run(cfg.reps);
        }
        return;
    }
    println!(
        "unotify-tui overhead: {} × {} trapped + {} untrapped getpid per run, {} interleaved repetitions",
        cfg.n, cfg.call, cfg.untrapped, cfg.reps
    );
    if let Err(e) = preflight(&mut env).and_then(|()| preflight_mkdir(&mut env, &cases)) {
        eprintln!("overhead: {e}");
        std::process::exit(1);
    }

    let started = Instant::now();
    let mut results: BTreeMap<Case, Series> = BTreeMap::new();
    let mut errors: BTreeMap<Case, String> = BTreeMap::new();
    for rep in 0..cfg.reps {
        eprint!("  repetition {}/{}:", rep + 1, cfg.reps);
        // Rotate the order so no case always runs right after another.
        let k = rep % cases.len().max(1);
        let order: Vec<Case> = cases[k..].iter().chain(&cases[..k]).copied().collect();
        for case in order {
            eprint!(" {}", case.key());
            let _ = std::io::stderr().flush();
            let r = run_case(&mut env, case);
            let slot = results.entry(case).or_insert_with(|| vec![None; cfg.reps]);
            match r {
                Ok(s) => slot[rep] = Some(s),
                Err(e) => {
                    errors.entry(case).or_insert(e);
                }
            }
        }
        eprintln!();
    }
    let elapsed = started.elapsed();

    let call = &cfg.call;
    // Columns as wide as the longest key among the cases run.
    let key_len = cases.iter().map(|c| c.key().len()).max().unwrap_or(2);
    let kw = (key_len + 2).max(4);
    let rw = (2 * key_len + 5).max(10);
    println!();
    println!(
        "{:<kw$} {:<42} {:<32} getpid, never trapped",
        "case",
        "",
        format!("{call} (median, min–max)"),
    );
    for case in &cases {
        let s = results.get(case).cloned().unwrap_or_default();
        let mut label = case.label().replace("CALL", call);
        if !case.traps() {
            label.push_str(" ¹");
        }
        if *case == Case::Tui && !env.tui_seen.load(Ordering::Relaxed) {
            label.push_str(" ²");
        }
        println!(
            "{:<kw$} {:<42} {:<32} {}",
            format!("({})", case.key()),
            label,
            cell(&column(&s, |x| x.trapped)),
            cell(&column(&s, |x| x.untrapped)),
        );
    }
    if cases.iter().any(|c| !c.traps()) {
        println!("¹ the {call} column is untrapped there too");
    }
    if cases.contains(&Case::Tui) && !env.tui_seen.load(Ordering::Relaxed) {
        println!("² no TUI showed up on the pty (no alternate screen): this build ran headless");
    }
    for (case, e) in &errors {
        println!("({}) skipped or failed: {e}", case.key());
    }
    for n in &env.notes {
        println!("{n}");
    }

    let ratios = [
        Ratio {
            num: Case::Headless { sync: true },
            den: Case::Reference { sync: true },
            trapped: true,
            target: Some((true, 1.1)),
            what: "decode, rule match and log on top of the kernel",
        },
        Ratio {
            num: Case::Headless { sync: false },
            den: Case::Reference { sync: false },
            trapped: true,
            target: Some((true, 1.2)),
            what: "the same without SYNC_WAKE_UP",
        },
        Ratio {
            num: Case::Tui,
            den: Case::Reference { sync: true },
            trapped: true,
            target: Some((true, 1.3)),
            what: "with the TUI drawing",
        },
        Ratio {
            num: Case::Tui,
            den: Case::ReferenceSession,
            trapped: true,
            target: Some((true, 1.1)),
            what: "the TUI against the reference started the same way",
        },
        Ratio {
            num: Case::Tui,
            den: Case::HeadlessSession,
            trapped: true,
            target: None,
            what: "the TUI against headless started the same way",
        },
        Ratio {
            num: Case::HeadlessSession,
            den: Case::ReferenceSession,
            trapped: true,
            target: None,
            what: "headless against the reference, both in their own session",
        },
        Ratio {
            num: Case::ReferenceSession,
            den: Case::Reference { sync: true },
            trapped: true,
            target: None,
            what: "what a session of its own (autogroup) costs the round trip",
        },
        Ratio {
            num: Case::Untrapped,
            den: Case::NoFilter,
            trapped: false,
            target: Some((true, 1.05)),
            what: "an untrapped call under unotify-tui",
        },
        Ratio {
            num: Case::Untrapped,
            den: Case::Floor,
            trapped: false,
            target: None,
            what: "our filter against the cheapest possible filter",
        },
        Ratio {
            num: Case::Floor,
            den: Case::NoFilter,
            trapped: false,
            target: None,
            what: "what any seccomp filter costs an untrapped call",
        },
        Ratio {
            num: Case::Strace,
            den: Case::Headless { sync: true },
            trapped: true,
            target: Some((false, 2.0)),
            what: "strace against unotify-tui",
        },
        Ratio {
            num: Case::StraceBpf,
            den: Case::Headless { sync: true },
            trapped: true,
            target: None,
            what: "strace --seccomp-bpf against unotify-tui",
        },
        Ratio {
            num: MKDIR_DEFAULT,
            den: Case::ReferencePath,
            trapped: true,
            target: Some((true, 1.15)),
            what: "mkdirat no path rule decides, against reading its path",
        },
        Ratio {
            num: MKDIR_PATH_RULE,
            den: Case::ReferencePath,
            trapped: true,
            target: None,
            what: "a path rule decides (the real path walked) against reading it",
        },
        Ratio {
            num: MKDIR_PATH_RULE,
            den: MKDIR_DEFAULT,
            trapped: true,
            target: None,
            what: "walking the real path before deciding (a path rule)",
        },
        Ratio {
            num: MKDIR_DEFAULT,
            den: Case::Reference { sync: true },
            trapped: true,
            target: None,
            what: "decided with no path condition, against the kernel",
        },
        Ratio {
            num: MKDIR_EMULATE,
            den: MKDIR_DEFAULT,
            trapped: true,
            target: None,
            what: "an emulation (EEXIST) against letting the call through",
        },
        Ratio {
            num: MKDIR_EMULATE_NEW,
            den: MKDIR_DEFAULT_NEW,
            trapped: true,
            target: None,
            what: "an emulation that makes a directory, against the kernel making it",
        },
        Ratio {
            num: MKDIR_UNMATCHED[2],
            den: MKDIR_UNMATCHED[0],
            trapped: true,
            target: Some((true, 1.3)),
            what: "10,000 path rules that don't match against 10",
        },
        Ratio {
            num: MKDIR_UNMATCHED[1],
            den: MKDIR_UNMATCHED[0],
            trapped: true,
            target: None,
            what: "1,000 path rules that don't match against 10",
        },
        Ratio {
            num: Case::Reference { sync: false },
            den: Case::Reference { sync: true },
            trapped: true,
            target: None,
            what: "what SYNC_WAKE_UP saves the kernel round trip",
        },
        Ratio {
            num: Case::Headless { sync: false },
            den: Case::Headless { sync: true },
            trapped: true,
            target: None,
            what: "what SYNC_WAKE_UP saves unotify-tui",
        },
    ];
    println!();
    println!(
        "{:<rw$} {:>6} {:<14} {:>10} {:<8} {:<6} what",
        "ratio", "median", "(per rep)", "of medians", "target", ""
    );
    for r in &ratios {
        let (Some(a), Some(b)) = (results.get(&r.num), results.get(&r.den)) else {
            continue;
        };
        let pick = |s: &Sample| if r.trapped { s.trapped } else { s.untrapped };
        let (mut va, mut vb) = (Vec::new(), Vec::new());
        let mut paired = Vec::new();
        for (x, y) in a.iter().zip(b) {
            if let Some(x) = x {
                va.push(pick(x));
            }
            if let Some(y) = y {
                vb.push(pick(y));
            }
            if let (Some(x), Some(y)) = (x, y) {
                paired.push(pick(x) / pick(y));
            }
        }
        if va.is_empty() || vb.is_empty() {
            continue;
        }
        let of_medians = median(&mut va) / median(&mut vb);
        let (lo, hi) = spread(&paired);
        let ratio = if paired.is_empty() {
            of_medians
        } else {
            median(&mut paired)
        };
        // The targets of the round trip are set on getppid, the default
        // call; with --call mkdirat, (3) and (4) have a path rule and
        // only the mkdirat cases' own targets apply.
        let applies = !mkdirat || r.num.mkdirat_only();
        let (target, verdict) = match r.target.filter(|_| applies) {
            Some((le, t)) => {
                let pass = if le { ratio <= t } else { ratio >= t };
                let verdict = if pass { "PASS" } else { "MISS" };
                // A ratio shown equal to its target, e.g. 1.15 against
                // ≤ 1.15, says which side it is on.
                let verdict = if format!("{ratio:.2}") == format!("{t:.2}") {
                    format!("{verdict} ({ratio:.3})")
                } else {
                    verdict.to_string()
                };
                (format!("{} {t}", if le { "≤" } else { "≥" }), verdict)
            }
            None => (String::new(), String::new()),
        };
        println!(
            "{:<rw$} {:>6.2} {:<14} {:>10.2} {:<8} {:<6} {}",
            format!("({})/({})", r.num.key(), r.den.key()),
            ratio,
            format!("({lo:.2}–{hi:.2})"),
            of_medians,
            target,
            verdict,
            r.what
        );
    }
    let diffs = [
        (
            MKDIR_PATH_RULE,
            MKDIR_DEFAULT,
            "the real path walked before deciding",
        ),
        (
            MKDIR_DEFAULT,
            Case::Reference { sync: true },
            "unotify-tui on top of the kernel round trip",
        ),
        (MKDIR_EMULATE, MKDIR_DEFAULT, "an emulation (EEXIST)"),
        (
            MKDIR_UNMATCHED[2],
            MKDIR_UNMATCHED[0],
            "10,000 unmatched path rules against 10",
        ),
        (
            MKDIR_EMULATE_NEW,
            MKDIR_DEFAULT_NEW,
            "an emulation that makes a directory",
        ),
    ];
    let mut header = false;
    for (num, den, what) in diffs {
        let (Some(a), Some(b)) = (results.get(&num), results.get(&den)) else {
            continue;
        };
        let (va, vb) = (column(a, |x| x.trapped), column(b, |x| x.trapped));
        if va.is_empty() || vb.is_empty() {
            continue;
        }
        if !header {
            println!();
            println!(
                "{:<15} {:>9} {:<22} what",
                "difference", "median", "(per rep)"
            );
            header = true;
        }
        let paired: Vec<f64> = a
            .iter()
            .zip(b)
            .filter_map(|(x, y)| Some(x.as_ref()?.trapped - y.as_ref()?.trapped))
            .collect();
        let d = median(&mut va.clone()) - median(&mut vb.clone());
        let (lo, hi) = spread(&paired);
        println!(
            "{:<15} {:>9} {:<22} {what} (per call)",
            format!("({})−({})", num.key(), den.key()),
            fmt_time(d),
            format!("({}–{})", fmt_time(lo), fmt_time(hi)),
        );
    }
    if cases.iter().any(|c| {
        matches!(
            c,
            Case::Mkdir {
                how: Decide::Emulate,
                ..
            }
        )
    }) {
        identity_cost(cfg.reps);
    }
    if whole_runs {
        whole_run(cfg.reps);
    }
    if cfg.only.is_none() {
        ui_under_load(&mut env);
        rule_loading();
    }
    println!();
    let only = cfg
        .only
        .as_ref()
        .map(|o| format!(" --only {}", o.join(",")))
        .unwrap_or_default();
    println!(
        "{} runs in {:.0} s; rerun: cargo bench --bench overhead -- --n {} --untrapped {} --reps {} --call {}{only}",
        cases.len() * cfg.reps,
        elapsed.as_secs_f64(),
        cfg.n,
        cfg.untrapped,
        cfg.reps,
        cfg.call
    );
}
