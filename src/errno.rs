//! Errno values by name and number, for deny answers and trace lines.

use std::fmt;

/// A positive errno value (`EPERM` = 1 …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Errno(i32);

/// The highest errno number Linux defines (`EHWPOISON`).
const LAST: i32 = 133;

impl Errno {
    pub const EPERM: Errno = Errno(libc::EPERM);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EACCES: Errno = Errno(libc::EACCES);
    pub const ENOSYS: Errno = Errno(libc::ENOSYS);
    pub const EOPNOTSUPP: Errno = Errno(libc::EOPNOTSUPP);
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const EIO: Errno = Errno(libc::EIO);
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const EEXIST: Errno = Errno(libc::EEXIST);
    pub const EBUSY: Errno = Errno(libc::EBUSY);
    pub const ELOOP: Errno = Errno(libc::ELOOP);
    pub const EXDEV: Errno = Errno(libc::EXDEV);

    /// An errno from its number; `None` unless `1..=4095`.
    pub fn new(n: i32) -> Option<Errno> {
        (1..4096).contains(&n).then_some(Errno(n))
    }

    pub fn raw(self) -> i32 {
        self.0
    }

    /// `EPERM`, or the number when Linux has no name for it.
    pub fn name(self) -> String {
        match syscalls::Errno::new(self.0).name() {
            Some(n) => n.to_string(),
            None => self.0.to_string(),
        }
    }

    /// The C library's text ("Operation not permitted"), as strerror(3)
    /// gives it, so it reads like the target's own error messages.
    pub fn description(self) -> String {
        let text = std::io::Error::from_raw_os_error(self.0).to_string();
        match text.rfind(" (os error ") {
            Some(i) => text[..i].to_string(),
            None => text,
        }
    }

    /// Every named errno, in number order (for pickers and suggestions).
    pub fn all() -> impl Iterator<Item = Errno> {
        (1..=LAST)
            .map(Errno)
            .filter(|e| syscalls::Errno::new(e.0).name().is_some())
    }

    /// Parses `EPERM`, `eperm` or a number.
    pub fn parse(s: &str) -> Result<Errno, String> {
        let t = s.trim();
        if let Ok(n) = t.parse::<i32>() {
            return Errno::new(n).ok_or_else(|| format!("errno {n} is out of range (1-4095)"));
        }
        let upper = t.to_ascii_uppercase();
        if let Some(e) = Errno::all().find(|e| e.name() == upper) {
            return Ok(e);
        }
        // Aliases the table lists under another name.
        match upper.as_str() {
            "EWOULDBLOCK" => return Ok(Errno(libc::EAGAIN)),
            "EDEADLOCK" => return Ok(Errno(libc::EDEADLK)),
            "ENOTSUP" => return Ok(Errno(libc::EOPNOTSUPP)),
            _ => {}
        }
        let names: Vec<String> = Errno::all().map(Errno::name).collect();
        match crate::suggest::closest(&upper, names.iter().map(String::as_str)) {
            Some(best) => Err(format!("unknown errno `{t}` (did you mean {best}?)")),
            None => Err(format!("unknown errno `{t}`")),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(Errno::parse("EPERM"), Ok(Errno::EPERM));
        assert_eq!(Errno::parse("eacces"), Ok(Errno::EACCES));
        assert_eq!(Errno::parse("95"), Ok(Errno::EOPNOTSUPP));
        assert_eq!(Errno::parse("ENOTSUP"), Ok(Errno::EOPNOTSUPP));
        assert_eq!(Errno::EOPNOTSUPP.name(), "EOPNOTSUPP");
        assert_eq!(Errno::EPERM.description(), "Operation not permitted");
        assert_eq!(Errno::EOPNOTSUPP.description(), "Operation not supported");
        assert!(Errno::parse("0").is_err());
        let err = Errno::parse("EPREM").unwrap_err();
        assert!(err.contains("did you mean EPERM"), "{err}");
    }
}
