//! `demo enosys`: the supervisor closes the listener, as the classic
//! example's supervisor does when the target asks for `/bye`. With no
//! listener left, the kernel fails the call waiting for an answer and
//! every later call the filter sends to USER_NOTIF with ENOSYS.

use super::scripted::{self, Scripted};
use super::{Out, Workspace, explain, lesson_target, mkdir, narrate, outcome};
use crate::cli::Options;
use crate::error::Error;
use crate::model::{Answer, Value};
use crate::run;

pub(super) fn run(opts: &Options) -> Result<i32, Error> {
    let ws = Workspace::create()?;
    if run::interactive(opts) {
        let target = lesson_target("enosys", Some(ws.path()), true, None)?;
        return crate::tui::run(
            opts,
            &target,
            Vec::new(),
            Some("unotify-tui demo enosys".into()),
        );
    }
    ws.end_on_signals();
    let target = lesson_target("enosys", Some(ws.path()), false, None)?;
    let mut run = Scripted::launch(opts, &target, None, scripted::open_sink(opts)?)?;
    while let Some(call) = run.next() {
        let bye = call
            .args
            .iter()
            .any(|a| matches!(&a.value, Value::Path { given, .. } if given.as_slice() == b"bye"));
        if !bye {
            run.answer(call, Answer::Allow);
            continue;
        }
        narrate(&format!(
            "received mkdir bye (notification id {:#x}): like the classic supervisor on /bye, \
             unotify-tui closes its listener now, without answering",
            call.notif.id
        ));
        run.close_listener();
        narrate("the listener is closed: nobody can receive this filter's calls any more");
        break;
    }
    let (code, sink) = run.finish();
    scripted::close(sink)?;
    explain(&[
        "enosys: when the last copy of the listener is closed, the kernel answers the calls \
         waiting for it (mkdir bye) with ENOSYS, and every later call the filter returns \
         SECCOMP_RET_USER_NOTIF for fails at once with ENOSYS (mkdir, open): the filter stays, \
         the supervisor is gone.",
        "  Calls the filter allows (write, exit) go on working.",
    ]);
    Ok(code)
}

/// The lesson's target.
pub(super) fn target(out: &Out) -> i32 {
    out.hint("mkdir enosys-first: an ordinary trapped call: press a");
    let r = mkdir("enosys-first");
    out.say(&format!("[1/4] mkdir enosys-first → {}", outcome(&r)));
    out.hint(
        "mkdir bye: as the classic supervisor does on /bye, stop supervising: press q, then c \
         (close the listener; the program runs on unsupervised). The calls after it fail with \
         ENOSYS",
    );
    let r = mkdir("bye");
    out.say(&format!(
        "[2/4] mkdir bye (the supervisor closes its listener) → {}",
        outcome(&r)
    ));
    let r = mkdir("enosys-after");
    out.say(&format!(
        "[3/4] mkdir enosys-after (no listener) → {}",
        outcome(&r)
    ));
    let r = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open("enosys.txt");
    out.say(&format!(
        "[4/4] create enosys.txt (no listener) → {}",
        outcome(&r)
    ));
    0
}
