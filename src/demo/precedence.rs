//! `demo precedence`: a second filter stacked under ours. The kernel runs
//! every filter and keeps the action of highest precedence, so
//! SECCOMP_RET_ERRNO beats SECCOMP_RET_USER_NOTIF (the call never
//! arrives) and USER_NOTIF beats SECCOMP_RET_TRACE (it does).

use syscalls::Sysno;

use super::{Out, mkdir, outcome, supervised};
use crate::cli::Options;
use crate::error::Error;
use crate::sys::lesson::{self, RET_ERRNO, RET_TRACE};

/// Headless: every mkdir that arrives is allowed, so a failure can only
/// come from the second filter.
pub(super) const RULES: &str = r#"
[[rule]]
syscall = ["mkdir", "mkdirat"]
action = "allow"
"#;

const MKDIR: &[Sysno] = &[Sysno::mkdir, Sysno::mkdirat];

pub(super) fn run(opts: &Options) -> Result<i32, Error> {
    supervised(
        opts,
        "precedence",
        RULES,
        &[
            "precedence: three mkdir calls, each under one more filter.",
            "  [1] only unotify-tui's filter: SECCOMP_RET_USER_NOTIF, the call came to unotify-tui \
             (the trace shows it) and was allowed.",
            "  [2] a second filter returned SECCOMP_RET_TRACE: USER_NOTIF ranks higher, so the call \
             still came to unotify-tui and ran (with no tracer, TRACE alone would fail it with \
             ENOSYS).",
            "  [3] a third filter returned SECCOMP_RET_ERRNO (EROFS): ERRNO ranks higher than \
             USER_NOTIF, so the kernel failed the call itself; it never reached unotify-tui (no \
             trace line), although its rules allow every mkdir.",
            "  The kernel runs every filter of the process and keeps the action of highest \
             precedence: KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > \
             ALLOW.",
        ],
    )
}

/// The lesson's target: mkdir under our filter alone, then with a TRACE
/// filter, then with an ERRNO filter stacked on top.
pub(super) fn target(out: &Out) -> i32 {
    out.hint(
        "mkdir plain: only unotify-tui's filter is installed; it returns SECCOMP_RET_USER_NOTIF, \
         so the call waits here for you: press a",
    );
    let r = mkdir("plain");
    out.say(&format!(
        "[1/3] mkdir plain (unotify-tui's filter only) → {}",
        outcome(&r)
    ));
    if let Err(e) = lesson::install_filter(MKDIR, RET_TRACE) {
        out.say(&format!(
            "installing a filter returning SECCOMP_RET_TRACE → {}",
            outcome::<()>(&Err(e))
        ));
        return 1;
    }
    out.say("a second filter now returns SECCOMP_RET_TRACE for mkdir");
    out.hint(
        "mkdir under-trace: TRACE ranks below USER_NOTIF, so the call still comes here (with no \
         tracer, TRACE alone would fail it with ENOSYS): press a",
    );
    let r = mkdir("under-trace");
    out.say(&format!(
        "[2/3] mkdir under-trace (plus a SECCOMP_RET_TRACE filter) → {}",
        outcome(&r)
    ));
    let errno = RET_ERRNO | libc::EROFS as u32;
    if let Err(e) = lesson::install_filter(MKDIR, errno) {
        out.say(&format!(
            "installing a filter returning SECCOMP_RET_ERRNO → {}",
            outcome::<()>(&Err(e))
        ));
        return 1;
    }
    out.say("a third filter now returns SECCOMP_RET_ERRNO (EROFS) for mkdir");
    out.hint(
        "mkdir under-errno: ERRNO ranks above USER_NOTIF: nothing comes here, the kernel fails \
         the call with EROFS at once. Press q when you have read the list below",
    );
    let r = mkdir("under-errno");
    out.say(&format!(
        "[3/3] mkdir under-errno (plus a SECCOMP_RET_ERRNO filter) → {}",
        outcome(&r)
    ));
    out.say(
        "precedence, highest first: KILL_PROCESS > KILL_THREAD > TRAP (demo trap) > ERRNO (step \
         3: fails in the kernel) > USER_NOTIF (steps 1 and 2: wait for unotify-tui) > TRACE > LOG \
         > ALLOW",
    );
    0
}
