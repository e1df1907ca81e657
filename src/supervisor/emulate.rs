//! Emulation: the supervisor performs the call itself, with the arguments
//! it copied out of the target, and answers with the result.

use syscalls::Sysno;

/// Syscalls unotify-tui can emulate.
pub const EMULATED: &[Sysno] = &[
    Sysno::mkdir,
    Sysno::mkdirat,
    Sysno::open,
    Sysno::openat,
    Sysno::openat2,
    Sysno::creat,
    Sysno::unlink,
    Sysno::unlinkat,
    Sysno::rmdir,
    Sysno::connect,
    Sysno::bind,
    Sysno::listen,
];

pub fn can_emulate(s: Sysno) -> bool {
    EMULATED.contains(&s)
}
