//! Syscall groups (`@file`, `@net` …) and parsing of `--trap` lists.

use syscalls::Sysno;

/// A named group of syscalls.
pub struct Group {
    pub name: &'static str,
    pub about: &'static str,
    pub members: &'static [Sysno],
}

pub const GROUPS: &[Group] = &[
    Group {
        name: "@file",
        about: "create, open, remove, rename, link, chmod and chown files",
        members: &[
            Sysno::open,
            Sysno::openat,
            Sysno::openat2,
            Sysno::creat,
            Sysno::mkdir,
            Sysno::mkdirat,
            Sysno::rmdir,
            Sysno::unlink,
            Sysno::unlinkat,
            Sysno::rename,
            Sysno::renameat,
            Sysno::renameat2,
            Sysno::link,
            Sysno::linkat,
            Sysno::symlink,
            Sysno::symlinkat,
            Sysno::chmod,
            Sysno::fchmodat,
            Sysno::truncate,
            Sysno::mknod,
            Sysno::mknodat,
            Sysno::chown,
            Sysno::lchown,
            Sysno::fchownat,
            Sysno::name_to_handle_at,
            Sysno::open_by_handle_at,
        ],
    },
    Group {
        name: "@net",
        about: "create sockets, bind, listen, accept, connect and send",
        members: &[
            Sysno::socket,
            Sysno::connect,
            Sysno::bind,
            Sysno::listen,
            Sysno::accept,
            Sysno::accept4,
            Sysno::sendto,
        ],
    },
    Group {
        name: "@exec",
        about: "run another program",
        members: &[Sysno::execve, Sysno::execveat],
    },
    Group {
        name: "@process",
        about: "create, signal and trace processes",
        members: &[
            Sysno::clone,
            Sysno::clone3,
            Sysno::fork,
            Sysno::vfork,
            Sysno::kill,
            Sysno::tgkill,
            Sysno::ptrace,
        ],
    },
];

/// Syscalls `@all` leaves alone, and why: a process must always be able to
/// return from a signal handler and to exit, even when nobody answers
/// (after `q` → "close the listener", a trapped call fails with ENOSYS, and an
/// `exit_group` that fails would leave a process that cannot die).
/// The launch handshake's `sendmsg` of the listener fd is exempted in BPF by
/// its fd number instead (see `sys::bpf`), so `sendmsg` stays trappable.
pub const ALL_EXEMPT: &[Sysno] = &[Sysno::exit, Sysno::exit_group, Sysno::rt_sigreturn];

/// The default `--trap` list.
pub const DEFAULT_TRAP: &str = "@file,@net,@exec";

pub fn group(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name == name)
}

/// Every syscall `@all` traps.
pub fn all_trappable() -> Vec<Sysno> {
    Sysno::iter().filter(|s| !ALL_EXEMPT.contains(s)).collect()
}

/// Why a syscall can never be trapped, for those `@all` leaves alone.
pub fn never_trapped(s: Sysno) -> Option<&'static str> {
    match s {
        Sysno::exit | Sysno::exit_group => Some(
            "a process must always be able to exit, even when nobody answers (a trapped call \
             fails with ENOSYS once unotify-tui is gone)",
        ),
        Sysno::rt_sigreturn => Some(
            "a process must always be able to return from a signal handler, even when nobody \
             answers",
        ),
        _ => None,
    }
}

/// A syscall by name, with a suggestion when it is unknown.
pub fn syscall_by_name(name: &str) -> Result<Sysno, String> {
    if let Ok(s) = name.parse::<Sysno>() {
        return Ok(s);
    }
    let mut names: Vec<&str> = Sysno::iter().map(|s| s.name()).collect();
    names.extend(GROUPS.iter().map(|g| g.name));
    names.push("@all");
    // Names are lower case: `MKDIR` is a plain typo of `mkdir`.
    match crate::suggest::closest(&name.to_lowercase(), names.into_iter()) {
        Some(best) => Err(format!("unknown syscall `{name}` (did you mean `{best}`?)")),
        None => Err(format!("unknown syscall `{name}`")),
    }
}

/// Expands one name or `@group` into syscalls.
pub fn expand(item: &str) -> Result<Vec<Sysno>, String> {
    let item = item.trim();
    if item == "@all" {
        return Ok(all_trappable());
    }
    if item.starts_with('@') {
        return match group(item) {
            Some(g) => Ok(g.members.to_vec()),
            None => {
                let mut names: Vec<&str> = GROUPS.iter().map(|g| g.name).collect();
                names.push("@all");
                match crate::suggest::closest(&item.to_lowercase(), names.into_iter()) {
                    Some(best) => Err(format!("unknown group `{item}` (did you mean `{best}`?)")),
                    None => Err(format!(
                        "unknown group `{item}` (groups: @file, @net, @exec, @process, @all)"
                    )),
                }
            }
        };
    }
    syscall_by_name(item).map(|s| vec![s])
}

/// Parses a comma-separated `--trap` list into a sorted, deduplicated set.
pub fn parse_trap_list(list: &str) -> Result<Vec<Sysno>, String> {
    let mut out = Vec::new();
    for item in list.split(',').filter(|s| !s.trim().is_empty()) {
        let found = expand(item)?;
        // Named alone (a group never holds them): refused, with the reason.
        if let [s] = found[..]
            && let Some(why) = never_trapped(s)
        {
            return Err(format!("`{}` cannot be trapped: {why}", item.trim()));
        }
        out.extend(found);
    }
    if out.is_empty() {
        return Err("the trap list is empty".into());
    }
    out.sort_by_key(|s| s.id());
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_list() {
        let set = parse_trap_list(DEFAULT_TRAP).unwrap();
        assert!(set.contains(&Sysno::openat));
        assert!(set.contains(&Sysno::connect));
        assert!(set.contains(&Sysno::execve));
        assert!(!set.contains(&Sysno::clone));
        assert_eq!(set.len(), 26 + 7 + 2);
    }

    #[test]
    fn all_skips_exempt() {
        let set = parse_trap_list("@all").unwrap();
        assert!(set.contains(&Sysno::read));
        assert!(!set.contains(&Sysno::exit_group));
    }

    #[test]
    fn exempt_calls_are_refused_with_the_reason() {
        for name in ["exit", "exit_group", "rt_sigreturn"] {
            let e = parse_trap_list(&format!("openat,{name}")).unwrap_err();
            assert!(
                e.starts_with(&format!("`{name}` cannot be trapped: ")),
                "{e}"
            );
            assert!(e.contains("must always be able to"), "{e}");
        }
        for s in ALL_EXEMPT {
            assert!(never_trapped(*s).is_some(), "{s:?}");
        }
    }

    #[test]
    fn suggestions_ignore_case() {
        let e = parse_trap_list("MKDIR").unwrap_err();
        assert!(e.contains("did you mean `mkdir`"), "{e}");
        let e = parse_trap_list("@NET").unwrap_err();
        assert!(e.contains("did you mean `@net`"), "{e}");
    }

    #[test]
    fn suggestions() {
        let e = parse_trap_list("openat,mkdri").unwrap_err();
        assert!(e.contains("did you mean `mkdir`"), "{e}");
        let e = parse_trap_list("@fiel").unwrap_err();
        assert!(e.contains("did you mean `@file`"), "{e}");
    }
}
