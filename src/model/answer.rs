//! The four answers a trapped call can get, and who chose them.

use std::fmt;

use crate::errno::Errno;

/// What the supervisor does with a trapped call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    /// `SECCOMP_USER_NOTIF_FLAG_CONTINUE`: the kernel runs the call as asked.
    Allow,
    /// The call fails with this errno; nothing is done.
    Deny(Errno),
    /// The call "succeeds" with this value; nothing is done.
    Return(i64),
    /// The supervisor performs the call itself with the arguments it copied.
    Emulate,
}

impl Answer {
    /// The keyword used on the command line, in rule files and in the log.
    pub fn keyword(&self) -> &'static str {
        match self {
            Answer::Allow => "allow",
            Answer::Deny(_) => "deny",
            Answer::Return(_) => "return",
            Answer::Emulate => "emulate",
        }
    }

    /// Parses `allow`, `deny`, `deny:ERRNO`, `return:N` or `emulate`.
    /// `default_errno` is what a bare `deny` means.
    pub fn parse(s: &str, default_errno: Errno) -> Result<Answer, String> {
        let (word, arg) = match s.split_once(':') {
            Some((w, a)) => (w, Some(a)),
            None => (s, None),
        };
        match (word, arg) {
            ("allow", None) => Ok(Answer::Allow),
            ("emulate", None) => Ok(Answer::Emulate),
            ("deny", None) => Ok(Answer::Deny(default_errno)),
            ("deny", Some(e)) => Errno::parse(e).map(Answer::Deny),
            ("return", Some(v)) => parse_value(v).map(Answer::Return),
            ("return", None) => Err("`return` needs a value, e.g. `return:0`".into()),
            ("allow" | "emulate", Some(_)) => Err(format!("`{word}` takes no argument")),
            _ => Err(format!(
                "unknown action `{s}` (expected allow, deny, deny:ERRNO, return:N or emulate)"
            )),
        }
    }
}

/// Parses a return value: decimal (possibly negative) or `0x` hex.
pub fn parse_value(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let parsed = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).map(|v| v as i64).ok()
    } else {
        t.parse::<i64>().ok()
    };
    parsed.ok_or_else(|| format!("`{s}` is not a number"))
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Deny(e) => write!(f, "deny {}", e.name()),
            Answer::Return(v) => write!(f, "return {v}"),
            a => f.write_str(a.keyword()),
        }
    }
}

/// Who chose an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    /// A rule: its 1-based number in the combined rule list and where it
    /// was written (`file:line`, `builtin:line`). `quiet` marks the
    /// built-in rules, whose calls the trace leaves out (the log keeps
    /// them).
    Rule {
        number: usize,
        origin: std::sync::Arc<str>,
        quiet: bool,
    },
    /// `--default-action` (headless).
    Default,
    /// A person, from the keyboard.
    User,
    /// Continue mode in the TUI.
    Continue,
    /// `--timeout`: nobody answered in time; `--timeout-action` did.
    Timeout,
    /// The supervisor itself (shutting down, launch handshake).
    Supervisor,
}

impl fmt::Display for DecidedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecidedBy::Rule { number, origin, .. } => write!(f, "rule {number}, {origin}"),
            DecidedBy::Default => f.write_str("default"),
            DecidedBy::User => f.write_str("user"),
            DecidedBy::Continue => f.write_str("continue"),
            DecidedBy::Timeout => f.write_str("timeout"),
            DecidedBy::Supervisor => f.write_str("supervisor"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_actions() {
        let eperm = Errno::EPERM;
        assert_eq!(Answer::parse("allow", eperm), Ok(Answer::Allow));
        assert_eq!(Answer::parse("deny", eperm), Ok(Answer::Deny(eperm)));
        assert_eq!(
            Answer::parse("deny:EACCES", eperm),
            Ok(Answer::Deny(Errno::EACCES))
        );
        assert_eq!(
            Answer::parse("deny:2", eperm),
            Ok(Answer::Deny(Errno::ENOENT))
        );
        assert_eq!(Answer::parse("return:-5", eperm), Ok(Answer::Return(-5)));
        assert_eq!(Answer::parse("return:0x10", eperm), Ok(Answer::Return(16)));
        assert!(Answer::parse("return", eperm).is_err());
        assert!(Answer::parse("deny:ENOPE", eperm).is_err());
        assert!(Answer::parse("maybe", eperm).is_err());
    }
}
