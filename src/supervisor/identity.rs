//! The program's identity at the moment of one call, read fresh for an
//! emulation (never from the /proc cache the display uses), so that an
//! emulated call runs with exactly the rights the program had: its uids,
//! gids, groups, capabilities that count, and umask.

use std::io;
use std::os::unix::fs::MetadataExt;

use crate::sys::creds::{self, ThreadCreds};

/// What emulation takes on before it acts for the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub creds: ThreadCreds,
    pub umask: u32,
    /// The program lives in another user namespace than unotify-tui. Its
    /// capabilities count only inside that namespace, and a thread can't
    /// join it (setns(CLONE_NEWUSER) needs a single-threaded caller), so
    /// emulation then runs with no capabilities at all: stricter than the
    /// program, never looser.
    pub other_user_ns: bool,
}

/// Reads the identity of thread `tid` from `/proc/TID/status` (ids as our
/// user namespace sees them) and its user namespace.
pub fn read(tid: u32) -> io::Result<Identity> {
    let status = std::fs::read(format!("/proc/{tid}/status"))?;
    let mut id = parse_status(&status).ok_or_else(|| io::Error::from_raw_os_error(libc::EIO))?;
    let theirs = std::fs::metadata(format!("/proc/{tid}/ns/user"))?;
    id.other_user_ns = Some((theirs.dev(), theirs.ino())) != our_user_ns();
    if id.other_user_ns {
        id.creds.cap_eff = 0;
        id.creds.cap_prm = 0;
        id.creds.cap_inh = 0;
    }
    Ok(id)
}

/// unotify-tui's own user namespace (device and inode of its ns file),
/// read once: a process cannot leave the user namespace it runs in once
/// it has threads.
fn our_user_ns() -> Option<(u64, u64)> {
    static OURS: std::sync::OnceLock<Option<(u64, u64)>> = std::sync::OnceLock::new();
    *OURS.get_or_init(|| {
        std::fs::metadata("/proc/self/ns/user")
            .ok()
            .map(|m| (m.dev(), m.ino()))
    })
}

/// The identity fields of a status file; `None` when one is missing (the
/// thread was exiting).
pub fn parse_status(status: &[u8]) -> Option<Identity> {
    let text = String::from_utf8_lossy(status);
    let (mut uids, mut gids, mut groups, mut umask) = (None, None, Vec::new(), None);
    let (mut inh, mut prm, mut eff) = (None, None, None);
    for line in text.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let ids = || -> Option<[u32; 4]> {
            let v: Vec<u32> = rest
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            v.try_into().ok()
        };
        let hex = || u64::from_str_radix(rest.trim(), 16).ok();
        match key {
            "Uid" => uids = ids(),
            "Gid" => gids = ids(),
            "Groups" => {
                groups = rest
                    .split_whitespace()
                    .filter_map(|w| w.parse().ok())
                    .collect()
            }
            "Umask" => umask = u32::from_str_radix(rest.trim(), 8).ok(),
            "CapInh" => inh = hex(),
            "CapPrm" => prm = hex(),
            "CapEff" => eff = hex(),
            _ => {}
        }
    }
    Some(Identity {
        creds: ThreadCreds {
            uids: uids?,
            gids: gids?,
            groups,
            cap_inh: inh?,
            cap_prm: prm?,
            cap_eff: eff?,
        },
        umask: umask?,
        other_user_ns: false,
    })
}

/// Makes the calling thread take `id`. The thread must be one of its own
/// (after `unshare(CLONE_FS)` for the umask) that does one emulation and
/// ends. On failure the reason is for the user: emulation is refused.
pub fn adopt(id: &Identity) -> Result<(), String> {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(id.umask));
    creds::take_thread_creds(&id.creds).map_err(|e| {
        format!(
            "cannot take the program's identity (uid {}, gid {}): {e}",
            id.creds.uids[1], id.creds.gids[1]
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let status = b"Name:\tcat\nUmask:\t0077\nUid:\t1000\t1001\t1002\t1003\n\
            Gid:\t10\t11\t12\t13\nGroups:\t4 24 27 \nCapInh:\t0000000000000000\n\
            CapPrm:\t0000000000000400\nCapEff:\t0000000000000400\n";
        let id = parse_status(status).unwrap();
        assert_eq!(id.creds.uids, [1000, 1001, 1002, 1003]);
        assert_eq!(id.creds.gids, [10, 11, 12, 13]);
        assert_eq!(id.creds.groups, vec![4, 24, 27]);
        assert_eq!(id.creds.cap_eff, 1 << 10);
        assert_eq!(id.umask, 0o077);
        assert!(parse_status(b"Name:\tcat\nUid:\t1\t1\t1\t1\n").is_none());
    }

    #[test]
    fn own_identity_is_read_fresh() {
        let id = read(std::process::id()).unwrap();
        assert!(!id.other_user_ns);
        let uid = nix::unistd::geteuid().as_raw();
        assert_eq!(id.creds.uids[1], uid);
    }

    /// A thread that takes another identity changes only itself: the
    /// process (and so every other thread) keeps its own.
    #[test]
    fn taking_an_identity_changes_one_thread_only() {
        if !nix::unistd::geteuid().is_root() {
            // Only root can take another uid.
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs the tests as root"
            );
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "SKIPPED: taking an identity needs root");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "x").unwrap();
        std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let secret2 = secret.clone();
        let mut want = read(std::process::id()).unwrap();
        want.creds.uids = [65534; 4];
        want.creds.gids = [65534; 4];
        want.creds.groups = vec![];
        want.creds.cap_eff = 0;
        want.creds.cap_prm = 0;
        want.umask = 0o077;
        let inside = std::thread::spawn(move || {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_FS).unwrap();
            adopt(&want).unwrap();
            let st = std::fs::read_to_string("/proc/thread-self/status").unwrap();
            let ok = std::fs::read(&secret2).map_err(|e| e.raw_os_error());
            (
                read_line(&st, "Uid"),
                read_line(&st, "CapEff"),
                read_line(&st, "Umask"),
                ok,
            )
        })
        .join()
        .unwrap();
        assert_eq!(inside.0, "65534\t65534\t65534\t65534");
        assert_eq!(inside.1, "0000000000000000");
        assert_eq!(inside.2, "0077");
        assert_eq!(inside.3, Err(Some(libc::EACCES)));
        assert!(
            std::fs::read(&secret).is_ok(),
            "the process itself is still root"
        );
        let st = std::fs::read_to_string("/proc/thread-self/status").unwrap();
        assert_eq!(read_line(&st, "Uid"), "0\t0\t0\t0");
    }

    fn read_line(status: &str, key: &str) -> String {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:\t")))
            .unwrap_or_default()
            .to_string()
    }
}
