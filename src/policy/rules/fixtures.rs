//! What the rule tests share: parsing shortcuts and an `openat` with its
//! flags decoded.

use syscalls::Sysno;

use super::{Rule, RuleError, parse_rules};
use crate::errno::Errno;
use crate::model::testing::{call, path_arg};
use crate::model::{Arg, Call, Value};

pub const O_RDONLY: u64 = libc::O_RDONLY as u64;
pub const O_WRONLY: u64 = libc::O_WRONLY as u64;
pub const O_CREAT: u64 = libc::O_CREAT as u64;
pub const O_TRUNC: u64 = libc::O_TRUNC as u64;
pub const O_CLOEXEC: u64 = libc::O_CLOEXEC as u64;
pub const AT_FDCWD: u64 = libc::AT_FDCWD as u64;

pub fn openat(path: &str, flags: u64) -> Call {
    let mut c = call(
        Sysno::openat,
        [AT_FDCWD, 0x1000, flags, 0, 0, 0],
        vec![path_arg("pathname", path)],
    );
    c.args.push(Arg {
        name: "flags",
        raw: flags,
        value: Value::Flags("…".into()),
    });
    c
}

pub fn parse(text: &str) -> Vec<Rule> {
    parse_rules(text, "t.toml", Errno::EPERM).unwrap_or_else(|e| panic!("{e}"))
}

pub fn one(text: &str) -> Rule {
    let mut rules = parse(text);
    assert_eq!(rules.len(), 1);
    rules.remove(0)
}

pub fn err(text: &str) -> RuleError {
    match parse_rules(text, "t.toml", Errno::EPERM) {
        Ok(r) => panic!("expected an error, got {} rules", r.len()),
        Err(e) => e,
    }
}

/// Asserts line, column and that the message contains `needle`.
#[track_caller]
pub fn assert_err(text: &str, line: usize, column: usize, needle: &str) {
    let e = err(text);
    assert_eq!((e.line, e.column), (line, column), "{e}");
    assert!(e.message.contains(needle), "{e:?} lacks {needle:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("t.toml:{line}:{column}: "))
    );
}
