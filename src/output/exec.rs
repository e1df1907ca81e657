//! Which allowed execve ran. Allowing is CONTINUE: the kernel runs the
//! call and unotify-tui never sees its result. A PATH search makes
//! several execve calls of which all but the last fail; the one that ran
//! shows afterwards, when the process's next trapped call comes from a new
//! executable.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{Call, Outcome, Record};

/// Processes followed at most; beyond that the oldest knowledge is
/// dropped (a process that exec'd and never made another trapped call).
const PROCESSES: usize = 4096;
/// Allowed execs remembered per process (a PATH search is a handful).
const TRIES: usize = 64;

/// Allowed execve calls per process since its executable last changed.
#[derive(Default)]
pub struct ExecWatch {
    tried: HashMap<u32, Vec<Arc<Call>>>,
}

fn is_exec(c: &Call) -> bool {
    matches!(
        c.sysno,
        Some(syscalls::Sysno::execve) | Some(syscalls::Sysno::execveat)
    )
}

impl ExecWatch {
    /// Takes the next record; returns the execve that ran once that is
    /// known: the last one allowed before the process's executable changed.
    pub fn saw(&mut self, rec: &Record) -> Option<Arc<Call>> {
        let c = &rec.call;
        let changed = self
            .tried
            .get(&c.proc.tgid)
            .and_then(|t| t.last())
            .is_some_and(|last| last.proc.exe != c.proc.exe);
        let ran = if changed {
            self.tried.remove(&c.proc.tgid).and_then(|mut t| t.pop())
        } else {
            None
        };
        if is_exec(c) && rec.outcome == Outcome::Continued {
            if self.tried.len() >= PROCESSES {
                self.tried.clear();
            }
            let tries = self.tried.entry(c.proc.tgid).or_default();
            if tries.len() >= TRIES {
                tries.remove(0);
            }
            tries.push(Arc::clone(c));
        }
        ran
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::{FakeCall, record};
    use crate::model::{Answer, DecidedBy};
    use syscalls::Sysno;

    fn call(id: u64, sysno: Sysno, exe: &str) -> Call {
        let mut c = FakeCall::new(Some(sysno), [0; 6]).id(id).build();
        std::sync::Arc::make_mut(&mut c.proc).exe = exe.as_bytes().into();
        c
    }

    fn allowed(c: Call) -> Record {
        record(c, Answer::Allow, DecidedBy::Default)
    }

    #[test]
    fn the_last_exec_before_the_executable_changes_is_the_one_that_ran() {
        let mut w = ExecWatch::default();
        // A PATH search from a shell: two misses, then the real one.
        for id in 1..=3 {
            assert!(
                w.saw(&allowed(call(id, Sysno::execve, "/bin/sh")))
                    .is_none()
            );
        }
        let next = allowed(call(4, Sysno::openat, "/usr/bin/ls"));
        assert_eq!(w.saw(&next).map(|c| c.notif.id), Some(3));
        // Known once: later calls say nothing more.
        assert!(
            w.saw(&allowed(call(5, Sysno::openat, "/usr/bin/ls")))
                .is_none()
        );
    }

    #[test]
    fn nothing_is_claimed_while_the_executable_stays_the_same() {
        let mut w = ExecWatch::default();
        assert!(w.saw(&allowed(call(1, Sysno::execve, "/bin/sh"))).is_none());
        // Every try failed: the shell goes on as itself.
        assert!(w.saw(&allowed(call(2, Sysno::openat, "/bin/sh"))).is_none());
        // A denied exec never ran.
        let denied = record(
            call(3, Sysno::execve, "/bin/sh"),
            Answer::Deny(crate::errno::Errno::EPERM),
            DecidedBy::User,
        );
        let mut denied = denied;
        denied.outcome = Outcome::Failed(crate::errno::Errno::EPERM);
        assert!(w.saw(&denied).is_none());
        assert!(w.saw(&allowed(call(4, Sysno::openat, "/bin/sh"))).is_none());
    }
}
