//! `unotify-tui demo basics` (plain `demo`): a built-in target that makes the classic
//! user-notification examples one call at a time, so each answer's effect
//! can be seen.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::errno::Errno;
use crate::error::Error;
use crate::policy::rules::{Rule, parse_rules};
use crate::run;
use crate::session::Target;

use super::outcome;

/// The demo's rules for headless mode (the TUI asks the person instead).
pub const DEMO_RULES: &str = include_str!("../../assets/demo-rules.toml");

pub fn demo_rules(errno: Errno) -> Vec<Rule> {
    parse_rules(DEMO_RULES, "demo-rules", errno).expect("the embedded demo rules parse")
}

fn elsewhere(workspace: &Path) -> PathBuf {
    let name = workspace.file_name().unwrap_or_default().to_string_lossy();
    PathBuf::from(format!("/var/tmp/{name}-elsewhere"))
}

/// Removes the demo's directories however the run ends, a panic included.
struct Cleanup<'a>(&'a Path);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(self.0);
        let _ = fs::remove_dir(elsewhere(self.0));
    }
}

/// Runs the demo under supervision and cleans up after it.
pub fn run(opts: &Options) -> Result<i32, Error> {
    let workspace = PathBuf::from(format!("/tmp/unotify-demo-{}", std::process::id()));
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&workspace)
        .map_err(|source| Error::DemoWorkspace {
            path: workspace.clone(),
            source,
        })?;
    let _cleanup = Cleanup(&workspace);
    let exe = std::env::current_exe().map_err(|source| Error::OwnBinary { source })?;
    let interactive = run::interactive(opts);
    let mut args = vec![
        OsString::from("__demo-target"),
        workspace.clone().into_os_string(),
    ];
    if interactive {
        args.push(OsString::from("--hints"));
    }
    let target = Target {
        program: exe.into_os_string(),
        args,
        cwd: Some(workspace.clone()),
    };
    let errno = Errno::parse(&opts.errno).unwrap_or(Errno::EPERM);
    // In the TUI the person answers; headless, the demo rules do.
    if interactive {
        crate::tui::run(opts, &target, Vec::new(), Some("unotify-tui demo".into()))
    } else {
        crate::headless::run_headless(opts, &target, demo_rules(errno))
    }
}

/// The demo target itself: runs under the filter, in `workspace`. With
/// `hints`, each step first says which key shows it best.
pub fn target_main(workspace: &Path, hints: bool) -> i32 {
    let mut out = io::stdout().lock();
    let mut say = |s: String| {
        let _ = writeln!(out, "demo: {s}");
        let _ = out.flush();
    };
    let total = 7;
    let hint = |s: &str| {
        if hints {
            let _ = writeln!(io::stdout(), "\x1b[36mnext: {s}\x1b[0m");
        }
    };

    let abs = workspace.join("made-by-supervisor");
    hint("mkdir made-by-supervisor: press e, and unotify-tui creates it itself");
    let r = fs::create_dir(&abs);
    say(format!(
        "[1/{total}] mkdir {} → {}",
        abs.display(),
        outcome(&r)
    ));

    hint("mkdir relative-dir: press a; the kernel resolves it against the demo's cwd");
    let r = fs::create_dir("relative-dir");
    say(format!(
        "[2/{total}] mkdir relative-dir (relative to {}) → {}",
        workspace.display(),
        outcome(&r)
    ));

    let other = elsewhere(workspace);
    hint("mkdir outside the workspace: press D and pick EOPNOTSUPP");
    let r = fs::create_dir(&other);
    say(format!(
        "[3/{total}] mkdir {} → {}",
        other.display(),
        outcome(&r)
    ));

    hint("create noopen.txt: press d, and the open fails with EPERM");
    let r = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open("noopen.txt");
    say(format!("[4/{total}] create noopen.txt → {}", outcome(&r)));

    hint("create open.txt: press e; the fd arrives through SECCOMP_IOCTL_NOTIF_ADDFD");
    let r = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open("open.txt")
        .and_then(|mut f| f.write_all(b"written by the demo\n"));
    say(format!(
        "[5/{total}] create and write open.txt → {}",
        outcome(&r)
    ));

    hint("listen on 127.0.0.1: socket, bind and listen each ask; the detail shows the port");
    let listener = TcpListener::bind("127.0.0.1:0");
    let port = listener
        .as_ref()
        .ok()
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.port());
    match (&listener, port) {
        (Ok(_), Some(p)) => say(format!("[6/{total}] listen on 127.0.0.1:{p} → ok")),
        _ => say(format!(
            "[6/{total}] listen on 127.0.0.1 → {}",
            outcome(&listener)
        )),
    }

    match (listener, port) {
        (Ok(l), Some(p)) => {
            hint("connect to that port: a connects; r 0 would fake it, and the send would fail");
            let r = TcpStream::connect(("127.0.0.1", p)).and_then(|mut s| {
                let (mut peer, _) = l.accept()?;
                s.write_all(b"ping")?;
                let mut buf = [0u8; 4];
                peer.read_exact(&mut buf)?;
                Ok(buf)
            });
            say(format!(
                "[7/{total}] connect to 127.0.0.1:{p} and send a message → {}",
                outcome(&r)
            ));
        }
        _ => say(format!(
            "[7/{total}] connect → skipped (nothing is listening)"
        )),
    }
    0
}
