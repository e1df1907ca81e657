//! Short notes for learners about each syscall, shown in the detail pane.
//!
//! The text lives in `assets/syscall-notes.toml` (one table per syscall
//! name, with `what` and, for calls unotify-tui can emulate, `emulate`),
//! embedded at build time and parsed once on first use. The file is ours
//! and fixed at build time, so its mistakes are caught by the tests below
//! rather than reported to users.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const NOTES_TOML: &str = include_str!("../../assets/syscall-notes.toml");

/// What one syscall does, in plain words.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// What the call does, in one or two sentences.
    pub what: String,
    /// What unotify-tui does itself when the call is emulated; present
    /// exactly for the calls in `model::emulation::FAMILIES`.
    pub emulate: Option<String>,
}

fn parse(text: &str) -> Result<HashMap<String, Note>, toml::de::Error> {
    toml::from_str(text)
}

fn notes() -> &'static HashMap<String, Note> {
    static NOTES: OnceLock<HashMap<String, Note>> = OnceLock::new();
    // A broken embedded file fails the unit tests; in a build that slipped
    // through anyway, the pane just shows no note instead of crashing.
    NOTES.get_or_init(|| parse(NOTES_TOML).unwrap_or_default())
}

/// The note for the syscall named `syscall` (as `Sysno::name()` spells
/// it), if there is one.
pub fn note(syscall: &str) -> Option<&'static Note> {
    notes().get(syscall)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::groups::GROUPS;
    use crate::decode::{TargetView, decode_args};
    use crate::model::emulation::{can_emulate, emulable};
    use syscalls::Sysno;

    /// A target with no readable memory, fds or cwd: enough to learn which
    /// syscalls the decoder has a table entry for.
    struct Nothing;

    impl TargetView for Nothing {
        fn read_mem(&self, _addr: u64, _buf: &mut [u8]) -> Result<usize, i32> {
            Err(libc::EFAULT)
        }
        fn fd_target(&self, _fd: i32) -> Option<Vec<u8>> {
            None
        }
        fn cwd(&self) -> Option<Vec<u8>> {
            None
        }
        fn socket_local(&self, _fd: i32) -> Option<Vec<u8>> {
            None
        }
    }

    /// Syscalls the decoder table knows: calls without an entry decode to
    /// the generic `arg0`..`arg5`, which no table entry starts with.
    fn decoded() -> Vec<Sysno> {
        Sysno::iter()
            .filter(|&s| {
                let args = decode_args(Some(s), &[0; 6], &Nothing);
                args.first().map(|a| a.name) != Some("arg0")
            })
            .collect()
    }

    fn parsed() -> HashMap<String, Note> {
        parse(NOTES_TOML).unwrap_or_else(|e| panic!("assets/syscall-notes.toml: {e}"))
    }

    #[test]
    fn embedded_file_parses() {
        let map = parsed();
        // The accessor serves the same parse, not the empty fallback.
        assert_eq!(notes().len(), map.len());
        assert_eq!(note("openat"), map.get("openat"));
    }

    #[test]
    fn decoder_table_is_found() {
        let d = decoded();
        assert!(d.contains(&Sysno::openat) && d.contains(&Sysno::fork));
        // Every syscall has a table entry; the never-implemented ones
        // decode to raw words, as calls without an entry would.
        assert!(
            !d.contains(&Sysno::afs_syscall),
            "afs_syscall decodes to raw words"
        );
        assert!(d.len() > 100, "only {} decoded syscalls found", d.len());
    }

    #[test]
    fn every_decoded_syscall_has_a_note() {
        let missing: Vec<&str> = decoded()
            .into_iter()
            .map(|s| s.name())
            .filter(|n| note(n).is_none())
            .collect();
        assert!(missing.is_empty(), "no note for {missing:?}");
    }

    #[test]
    fn every_grouped_syscall_has_a_note() {
        let missing: Vec<String> = GROUPS
            .iter()
            .flat_map(|g| g.members.iter().map(move |s| (g.name, s.name())))
            .filter(|(_, n)| note(n).is_none())
            .map(|(g, n)| format!("{g}: {n}"))
            .collect();
        assert!(missing.is_empty(), "no note for {missing:?}");
    }

    #[test]
    fn every_note_names_a_real_syscall() {
        let bad: Vec<String> = parsed()
            .into_keys()
            .filter(|k| k.parse::<Sysno>().is_err())
            .collect();
        assert!(bad.is_empty(), "not syscall names: {bad:?}");
    }

    #[test]
    fn emulate_entries_match_what_can_be_emulated() {
        for (name, n) in &parsed() {
            // Unknown names are `every_note_names_a_real_syscall`'s to report.
            let Ok(sysno) = name.parse::<Sysno>() else {
                continue;
            };
            assert_eq!(
                n.emulate.is_some(),
                can_emulate(sysno),
                "{name}: `emulate` entry present = {}, can_emulate = {}",
                n.emulate.is_some(),
                can_emulate(sysno)
            );
        }
        for s in emulable() {
            let n = note(s.name()).unwrap_or_else(|| panic!("no note for {}", s.name()));
            assert!(
                n.emulate.is_some(),
                "{} is emulated but has no `emulate`",
                s.name()
            );
        }
    }

    #[test]
    fn notes_are_short_plain_text() {
        const MAX: usize = 240;
        for (name, n) in &parsed() {
            for (field, text) in [("what", Some(&n.what)), ("emulate", n.emulate.as_ref())] {
                let Some(text) = text else { continue };
                assert!(!text.trim().is_empty(), "{name}.{field} is empty");
                let len = text.chars().count();
                assert!(len <= MAX, "{name}.{field} is {len} chars (max {MAX})");
                assert!(
                    !text.chars().any(char::is_control),
                    "{name}.{field} contains a control character"
                );
            }
        }
    }

    #[test]
    fn parse_errors_are_reported() {
        // The checks above rely on a bad file failing loudly in `parse`.
        assert!(parse("[openat]\nwhat = 1\n").is_err());
        assert!(parse("[openat]\nwhta = \"x\"\n").is_err());
        assert!(parse("[openat]\nemulate = \"x\"\n").is_err());
        assert!(parse("[openat]\nwhat = \"x\"\n").is_ok());
    }
}
