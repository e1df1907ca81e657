//! A real terminal for the TUI tests: a tmux server of its own, with one
//! window running a command line; the test reads the screen and types
//! keys as a person would.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::BIN;

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// How long a test waits for text on the screen (a loaded machine is
/// slow to start a TUI).
const PATIENCE: Duration = Duration::from_secs(30);

/// One tmux server with one window.
pub struct Tmux {
    socket: String,
    status_file: PathBuf,
    /// Wrapped lines are read joined (`capture-pane -J`).
    joined: bool,
}

/// `a` quoted for sh.
pub fn quote(a: &str) -> String {
    format!("'{}'", a.replace('\'', r"'\''"))
}

impl Tmux {
    /// Runs unotify-tui with `args` in `dir`, in a 120×40 window.
    pub fn start(dir: &Path, args: &[&str]) -> Tmux {
        Tmux::start_sized(dir, (120, 40), args)
    }

    /// Runs unotify-tui with `args` in `dir`, in a window of `size`
    /// (columns, rows).
    pub fn start_sized(dir: &Path, size: (u16, u16), args: &[&str]) -> Tmux {
        let quoted: Vec<String> = std::iter::once(BIN)
            .chain(args.iter().copied())
            .map(quote)
            .collect();
        Tmux::start_shell_sized(dir, size, &quoted.join(" "))
    }

    /// Runs the shell command line `command` in `dir` (for pipes,
    /// redirections and environment), in a 120×40 window.
    pub fn start_shell(dir: &Path, command: &str) -> Tmux {
        Tmux::start_shell_sized(dir, (120, 40), command)
    }

    /// Runs `command` in `dir` in a window of `size`. Its exit status
    /// lands in a file, then the window stays for the test to read.
    pub fn start_shell_sized(dir: &Path, (cols, rows): (u16, u16), command: &str) -> Tmux {
        let socket = format!(
            "unotify-test-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let status_file = dir.join(format!("exit-status-{socket}"));
        let script = format!(
            "cd {} && {}; echo $? > {}; echo unotify-exited; sleep 120",
            quote(&dir.display().to_string()),
            command,
            quote(&status_file.display().to_string()),
        );
        let ok = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string()])
            .args(["sh", "-c", &script])
            .status()
            .expect("tmux must be installed for the TUI tests (.ci/run installs it)");
        assert!(ok.success(), "tmux new-session failed");
        Tmux {
            socket,
            status_file,
            joined: false,
        }
    }

    /// Reads wrapped lines joined from now on.
    pub fn joined(mut self) -> Tmux {
        self.joined = true;
        self
    }

    /// The tmux command for this server.
    pub fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    pub fn screen(&self) -> String {
        let mut c = self.tmux();
        c.args(["capture-pane", "-p"]);
        if self.joined {
            c.arg("-J");
        }
        let out = c.output().expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen contains `text`; fails with the screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Waits until the screen contains every one of `texts`: what comes
    /// from different threads (the program's output, its exit, the
    /// records) can reach the screen a frame apart, in any order.
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("{texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }

    /// Waits until `ok` holds for the screen; fails with `what` and the
    /// screen.
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let s = self.screen();
            if ok(&s) {
                return self.settled(s, &ok);
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `s` once the terminal has finished drawing it. tmux can be captured
    /// between two reads of one frame: the title new, the rows below still
    /// old. A capture a frame later (the TUI draws every 33 ms at most)
    /// that matches the first (or, on a busy screen, still satisfies `ok`)
    /// is whole; a passing state that is gone by then is returned as it
    /// was.
    fn settled(&self, mut s: String, ok: &impl Fn(&str) -> bool) -> String {
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(40));
            let again = self.screen();
            if again == s || !ok(&again) {
                return s;
            }
            s = again;
        }
        s
    }

    /// Types `keys` (tmux key names or text).
    pub fn keys(&self, keys: &[&str]) {
        let ok = self
            .tmux()
            .arg("send-keys")
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(ok.success());
    }

    /// Presses Escape and waits until `dialog` is no longer on the screen.
    /// A key typed right after Escape would arrive in the same read and be
    /// taken as Alt plus that key.
    pub fn escape_from(&self, dialog: &str) {
        self.keys(&["Escape"]);
        self.wait_until(&format!("{dialog:?} closed"), |s| !s.contains(dialog));
    }

    /// Waits for the command to exit; returns its status.
    pub fn exit_status(&self) -> i32 {
        self.wait_for("unotify-exited");
        std::fs::read_to_string(&self.status_file)
            .expect("the exit status file")
            .trim()
            .parse()
            .expect("a number")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}
