//! `demo trap`: a filter returning SECCOMP_RET_TRAP. The kernel does not
//! run the call; it sends the thread SIGSYS, whose siginfo says which
//! call it was (si_syscall, si_arch). TRAP ranks above USER_NOTIF: the
//! call never reaches unotify-tui.

use syscalls::Sysno;

use super::{Out, mkdir, outcome, supervised};
use crate::cli::Options;
use crate::error::Error;
use crate::sys::bpf::AUDIT_ARCH_X86_64;
use crate::sys::lesson::{self, RET_TRAP};

/// Headless: every mkdir that arrives is allowed.
pub(super) const RULES: &str = r#"
[[rule]]
syscall = ["mkdir", "mkdirat"]
action = "allow"
"#;

pub(super) fn run(opts: &Options) -> Result<i32, Error> {
    supervised(
        opts,
        "trap",
        RULES,
        &[
            "trap: the first mkdir came to unotify-tui (SECCOMP_RET_USER_NOTIF) and was allowed.",
            "  Then the target stacked a filter returning SECCOMP_RET_TRAP for mkdir and installed \
             a SIGSYS handler (SA_SIGINFO). TRAP ranks above USER_NOTIF: the second mkdir was \
             not run and never reached unotify-tui; the kernel sent SIGSYS, and the handler read \
             the call's number from si_syscall (and si_arch) and set its result (ENOSYS) in the \
             saved registers.",
        ],
    )
}

/// The lesson's target.
pub(super) fn target(out: &Out) -> i32 {
    out.hint("mkdir before-trap: unotify-tui's filter sends it here (USER_NOTIF): press a");
    let r = mkdir("before-trap");
    out.say(&format!("[1/2] mkdir before-trap → {}", outcome(&r)));
    if let Err(e) = lesson::report_sigsys()
        .and_then(|()| lesson::install_filter(&[Sysno::mkdir, Sysno::mkdirat], RET_TRAP))
    {
        out.say(&format!(
            "installing the SIGSYS handler and the TRAP filter → {}",
            outcome::<()>(&Err(e))
        ));
        return 1;
    }
    out.say("a second filter now returns SECCOMP_RET_TRAP for mkdir; a SIGSYS handler waits");
    out.hint(
        "mkdir trapped: TRAP ranks above USER_NOTIF, so nothing comes here: the kernel sends \
         SIGSYS and the handler names the call. Press q when done",
    );
    let r = mkdir("trapped");
    match lesson::last_sigsys() {
        Some((nr, arch)) => {
            let name = usize::try_from(nr)
                .ok()
                .and_then(Sysno::new)
                .map_or("?", |s| s.name());
            let arch_name = if arch == AUDIT_ARCH_X86_64 {
                " (AUDIT_ARCH_X86_64)"
            } else {
                ""
            };
            out.say(&format!(
                "[2/2] mkdir trapped → {}; SIGSYS: si_syscall = {nr} ({name}), si_arch = \
                 {arch:#x}{arch_name}",
                outcome(&r)
            ));
        }
        None => out.say(&format!(
            "[2/2] mkdir trapped → {}; no SIGSYS came",
            outcome(&r)
        )),
    }
    0
}
