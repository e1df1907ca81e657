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
        Some(s) if can_emulate(s) => unsupported_open(call)
            .map(|why| format!("unotify-tui cannot emulate this {}: {why}", call.name())),
        _ => Some(format!(
            "unotify-tui cannot emulate {}: emulation exists for {}",
            call.name(),
            emulable().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// An open's arguments, wherever its syscall keeps them.
pub struct OpenArgs {
    /// The raw dirfd (`None`: relative to the cwd, open and creat).
    pub dirfd: Option<u64>,
    /// Which argument is the path.
    pub path: usize,
    pub flags: u64,
    pub mode: u64,
    /// openat2's RESOLVE_* restrictions (0 for the others).
    pub resolve: u64,
}

/// The arguments of an open, openat, openat2 or creat; `None` for other
/// calls, and for an openat2 whose `open_how` could not be read.
pub fn open_args(call: &Call) -> Option<OpenArgs> {
    let a = &call.notif.args;
    let (dirfd, path, flags, mode, resolve) = match call.sysno? {
        Sysno::open => (None, 0, a[1], a[2], 0),
        Sysno::creat => (
            None,
            0,
            (libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC) as u64,
            a[1],
            0,
        ),
        Sysno::openat => (Some(a[0]), 1, a[2], a[3], 0),
        Sysno::openat2 => {
            let how = call.copies().open_how?;
            (Some(a[0]), 1, how[0], how[1], how[2])
        }
        _ => return None,
    };
    Some(OpenArgs {
        dirfd,
        path,
        flags,
        mode,
        resolve,
    })
}

/// Why this open, of a syscall that can be emulated, cannot be: emulation
/// answers it with EOPNOTSUPP, and the UI does not offer it. (Unread
/// openat2 arguments are emulation's to say: EFAULT.)
pub fn unsupported_open(call: &Call) -> Option<&'static str> {
    let OpenArgs { flags, resolve, .. } = open_args(call)?;
    if flags & libc::O_PATH as u64 != 0 {
        // The kernel takes an ADDFD file with fget, which refuses them.
        Some("ADDFD cannot install an O_PATH file in the program")
    } else if resolve != 0 {
        Some("its RESOLVE_* restrictions would be lost (only openat2 itself keeps them)")
    } else {
        None
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

    #[test]
    fn o_path_opens_and_resolve_restrictions_are_refused_by_name() {
        use crate::model::testing::FakeCall;
        let openat =
            |flags: i32| FakeCall::new(Some(Sysno::openat), [0, 0, flags as u64, 0, 0, 0]).build();
        assert_eq!(refusal(&openat(libc::O_RDONLY)), None);
        assert_eq!(refusal(&openat(libc::O_CREAT | libc::O_WRONLY)), None);
        let why = refusal(&openat(libc::O_PATH)).unwrap();
        assert!(
            why.starts_with("unotify-tui cannot emulate this openat: ADDFD cannot install"),
            "{why}"
        );
        let open = FakeCall::new(Some(Sysno::open), [0, libc::O_PATH as u64, 0, 0, 0, 0]);
        assert!(refusal(&open.build()).is_some());
        let openat2 = |how: [u64; 3]| {
            let mut c = FakeCall::new(Some(Sysno::openat2), [0; 6]).build();
            c.copies = Some(Box::new(crate::model::Copies {
                open_how: Some(how),
                ..Default::default()
            }));
            c
        };
        assert!(refusal(&openat2([0, 0, 0x4])).unwrap().contains("RESOLVE_"));
        assert!(refusal(&openat2([libc::O_PATH as u64, 0, 0])).is_some());
        assert_eq!(refusal(&openat2([libc::O_RDONLY as u64, 0, 0])), None);
        // Other families look at no flags.
        let mkdir = FakeCall::new(Some(Sysno::mkdir), [0, libc::O_PATH as u64, 0, 0, 0, 0]);
        assert_eq!(refusal(&mkdir.build()), None);
    }
}
