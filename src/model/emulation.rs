//! Which calls unotify-tui can emulate, grouped into families that one
//! handler each carries out (see `supervisor::emulate`). This table is the
//! only list of emulable calls: rule loading, scopes, the UI and the
//! supervisor all ask it.

use syscalls::Sysno;

use super::call::Call;

/// A family of syscalls that one emulation handler performs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Create and remove directory entries: mkdir, unlink, rmdir.
    Filesystem,
    /// Open or create a file and install the fd in the target.
    Open,
    /// Act on the target's own socket: connect, bind, listen.
    Socket,
}

/// Every family with the syscalls it covers.
pub const FAMILIES: &[(Family, &[Sysno])] = &[
    (
        Family::Filesystem,
        &[
            Sysno::mkdir,
            Sysno::mkdirat,
            Sysno::unlink,
            Sysno::unlinkat,
            Sysno::rmdir,
        ],
    ),
    (
        Family::Open,
        &[Sysno::open, Sysno::openat, Sysno::openat2, Sysno::creat],
    ),
    (
        Family::Socket,
        &[Sysno::connect, Sysno::bind, Sysno::listen],
    ),
];

/// The family that emulates `s`, if any.
pub fn family(s: Sysno) -> Option<Family> {
    FAMILIES
        .iter()
        .find(|(_, calls)| calls.contains(&s))
        .map(|(f, _)| *f)
}

pub fn can_emulate(s: Sysno) -> bool {
    family(s).is_some()
}

/// Every emulable syscall, family by family.
pub fn emulable() -> impl Iterator<Item = Sysno> {
    FAMILIES.iter().flat_map(|(_, calls)| calls.iter().copied())
}

/// Why a call cannot be emulated, in words for the user.
pub fn refusal(call: &Call) -> Option<String> {
    match call.sysno {
        Some(s) if can_emulate(s) => None,
        _ => Some(format!(
            "unotify-tui cannot emulate {}: emulation exists for {}",
            call.name(),
            emulable().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_call_is_in_two_families() {
        let all: Vec<Sysno> = emulable().collect();
        for s in &all {
            assert_eq!(all.iter().filter(|t| *t == s).count(), 1, "{s:?}");
        }
        assert_eq!(all.len(), 12);
    }
}
