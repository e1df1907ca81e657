//! Rule files: parsing `[[rule]]` tables into [`Rule`]s with errors that
//! name file, line and column.

use std::io::Read;
use std::ops::Range;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use syscalls::Sysno;
use toml::Spanned;
use toml::de::{DeInteger, DeTable, DeValue};

use super::rule::{Conditions, Origin, Rule, RuleAction};
use crate::decode::groups;
use crate::errno::Errno;
use crate::escape::one_line;
use crate::model::Answer;
use crate::model::emulation::{can_emulate, emulable};
use crate::policy::matcher::{Access, Addr, Glob, OPEN_CALLS, Paths, Ports, Syscalls};
use std::fmt;

/// A rule file that could not be loaded. Displays as
/// `file:line:column: message`; when the file could not be read at all
/// (`line` is 0) only the message, which then names the file itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    /// 1-based; 0 when the error is not about a place in the file.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages quote what the file says, and a file name can hold
        // anything: neither may break the line or reach the terminal raw.
        let (file, message) = (one_line(&self.file), one_line(&self.message));
        if self.line == 0 {
            f.write_str(&message)
        } else {
            write!(f, "{file}:{}:{}: {message}", self.line, self.column)
        }
    }
}

impl std::error::Error for RuleError {}

/// The largest rule file read: far more than any policy needs, and a
/// bound on what a wrong path (a device, a huge file) can make us read.
pub const MAX_RULE_FILE: u64 = 16 << 20;

/// Reads and parses a rule file. Errors name the file as `path` displays.
pub fn load_rules(path: &Path, default_errno: Errno) -> Result<Vec<Rule>, RuleError> {
    let file = path.display().to_string();
    let bytes = read_rule_file(path).map_err(|reason| RuleError {
        message: format!("cannot read {file}: {reason}"),
        file: file.clone(),
        line: 0,
        column: 0,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse_rules(&text, &file, default_errno),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            // The valid prefix is valid UTF-8 by construction.
            let good = std::str::from_utf8(good).unwrap_or_default();
            Err(Source::new(good, &file).error(good.len(), "the file is not valid UTF-8"))
        }
    }
}

/// Why a rule file could not be read.
#[derive(Debug)]
pub enum ReadRuleFile {
    Io(std::io::Error),
    /// A device, FIFO, socket or directory.
    NotRegular,
    /// Larger than [`MAX_RULE_FILE`].
    TooLarge,
}

impl fmt::Display for ReadRuleFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // io::Error's Display appends "(os error 2)"; the C text alone
            // reads better in a one-line message.
            ReadRuleFile::Io(e) => match e.raw_os_error().and_then(Errno::new) {
                Some(n) => f.write_str(&n.description()),
                None => write!(f, "{e}"),
            },
            ReadRuleFile::NotRegular => f.write_str("not a regular file"),
            ReadRuleFile::TooLarge => write!(f, "larger than {} MiB", MAX_RULE_FILE >> 20),
        }
    }
}

/// The bytes of the rule file at `path`: only a regular file of at most
/// [`MAX_RULE_FILE`] bytes is read (a device such as /dev/zero would be
/// read without end, a FIFO could block).
pub fn read_rule_file(path: &Path) -> Result<Vec<u8>, ReadRuleFile> {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; regular
    // files ignore it.
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(ReadRuleFile::Io)?;
    let meta = f.metadata().map_err(ReadRuleFile::Io)?;
    if !meta.is_file() {
        return Err(ReadRuleFile::NotRegular);
    }
    if meta.len() > MAX_RULE_FILE {
        return Err(ReadRuleFile::TooLarge);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // One byte more than the cap tells a file that grew since the stat.
    (&mut f)
        .take(MAX_RULE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadRuleFile::Io)?;
    if bytes.len() as u64 > MAX_RULE_FILE {
        return Err(ReadRuleFile::TooLarge);
    }
    Ok(bytes)
}

/// The origin file name of the built-in rules.
pub const BUILTIN_FILE: &str = "builtin";

/// The rules shipped in `assets/default-rules.toml` (file name `builtin`).
pub fn builtin_rules() -> Vec<Rule> {
    parse_rules(
        include_str!("../../../assets/default-rules.toml"),
        BUILTIN_FILE,
        Errno::EPERM,
    )
    .expect("the built-in rules parse (a unit test checks this)")
}

/// Parses the text of a rule file. `file` is the name errors and origins
/// show; a bare `deny` means `default_errno`.
pub fn parse_rules(text: &str, file: &str, default_errno: Errno) -> Result<Vec<Rule>, RuleError> {
    let src = Source::new(text, file);
    let doc = DeTable::parse(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        src.error(at, format!("invalid TOML: {}", e.message()))
    })?;
    let mut rules = Vec::new();
    for (key, value) in in_source_order(doc.get_ref()) {
        if key.get_ref() != "rule" {
            let hint = match crate::suggest::closest(key.get_ref(), ["rule"].into_iter()) {
                Some(_) => " (did you mean `rule`?)",
                None => " (a rule file holds only [[rule]] tables)",
            };
            return Err(src.error(
                key.span().start,
                format!("unknown top-level key `{}`{hint}", key.get_ref()),
            ));
        }
        let DeValue::Array(items) = value.get_ref() else {
            return Err(src.error(
                value.span().start,
                "`rule` must be an array of tables: write each rule as `[[rule]]`",
            ));
        };
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                return Err(src.error(item.span().start, "each rule must be a table"));
            };
            rules.push(src.rule(item.span(), table, default_errno)?);
        }
    }
    Ok(rules)
}

/// The keys a rule may have, for "did you mean" suggestions.
const KEYS: &[&str] = &[
    "syscall",
    "path",
    "action",
    "errno",
    "value",
    "port",
    "addr",
    "comm",
    "exe",
    "access",
    "container",
];

const ACTIONS: &[&str] = &["allow", "deny", "return", "emulate", "ask"];

/// The text being parsed and its display name; turns byte offsets into
/// positioned errors.
struct Source<'a> {
    text: &'a str,
    file: &'a str,
    lines: Lines,
}

type Entry<'a, 'i> = (
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
);

/// A table's entries in the order they appear in the file (the parsed map
/// is sorted by key), so the first error reported is the first in the file.
fn in_source_order<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

/// A value and where it starts.
type At<T> = (usize, T);

/// What the keys of one rule said, before they are checked together.
#[derive(Default)]
struct Keys {
    cond: Conditions,
    /// Each syscall with where it was written, for emulate's complaint.
    syscall_items: Vec<At<(String, Vec<Sysno>)>>,
    action: Option<At<&'static str>>,
    errno: Option<At<Errno>>,
    value: Option<At<i64>>,
    access_at: usize,
}

impl<'a> Source<'a> {
    fn new(text: &'a str, file: &'a str) -> Source<'a> {
        Source {
            text,
            file,
            lines: Lines::new(text),
        }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> RuleError {
        let (line, column) = self.lines.line_column(self.text, offset);
        RuleError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// One `[[rule]]` table: its keys read one by one, then checked
    /// together (the action against errno, value, emulate and access).
    fn rule(
        &self,
        span: Range<usize>,
        table: &DeTable<'_>,
        default_errno: Errno,
    ) -> Result<Rule, RuleError> {
        let mut keys = Keys::default();
        for (key, v) in in_source_order(table) {
            self.key(&mut keys, key, v)?;
        }
        let Some((action_at, action_word)) = keys.action else {
            return Err(self.error(
                span.start,
                "this rule has no `action` (one of allow, deny, return, emulate, ask)",
            ));
        };
        self.check_action_keys(&keys, action_word)?;
        let action = self.action(&keys, action_at, action_word, default_errno)?;
        if keys.cond.access.is_some() {
            self.check_access(&keys)?;
        }
        Ok(Rule::from_parts(
            action,
            Origin::file(self.file, self.lines.line(span.start)),
            keys.cond,
        ))
    }

    /// Reads one key of a rule into `keys`.
    fn key(
        &self,
        keys: &mut Keys,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        v: &Spanned<DeValue<'_>>,
    ) -> Result<(), RuleError> {
        let at = v.span().start;
        let name = key.get_ref().as_ref();
        match name {
            "syscall" => self.syscall_key(keys, v)?,
            "path" => keys.cond.paths = Some(self.paths(v)?),
            "action" => keys.action = Some((at, self.action_word(v)?)),
            "errno" => keys.errno = Some((at, self.errno(v)?)),
            "value" => keys.value = Some((at, self.value(v)?)),
            "port" => keys.cond.ports = Some(self.ports(v)?),
            "addr" => {
                let s = self.string(name, v)?;
                keys.cond.addr = Some(Addr::parse(s).map_err(|e| self.error(at, e))?);
            }
            "comm" | "exe" | "container" => {
                let s = self.string(name, v)?;
                let g = Glob::new(s).map_err(|e| self.error(at, format!("`{name}`: {e}")))?;
                match name {
                    "comm" => keys.cond.comm = Some(g),
                    "exe" => keys.cond.exe = Some(g),
                    _ => keys.cond.container = Some(g),
                }
            }
            "access" => {
                keys.access_at = at;
                let s = self.string(name, v)?;
                keys.cond.access = Some(Access::parse(s).map_err(|e| self.error(at, e))?);
            }
            other => {
                let hint = match crate::suggest::closest(other, KEYS.iter().copied()) {
                    Some(best) => format!(" (did you mean `{best}`?)"),
                    None => format!(" (rule keys: {})", KEYS.join(", ")),
                };
                return Err(self.error(key.span().start, format!("unknown key `{other}`{hint}")));
            }
        }
        Ok(())
    }

    /// `syscall`: names and @groups, each remembered with where it was
    /// written; the set they add up to goes into the conditions.
    fn syscall_key(&self, keys: &mut Keys, v: &Spanned<DeValue<'_>>) -> Result<(), RuleError> {
        let items = self.strings("syscall", v)?;
        if items.is_empty() {
            return Err(self.error(
                v.span().start,
                "`syscall` is an empty list (leave it out to match any call)",
            ));
        }
        for (pos, item) in items {
            let set = groups::expand(item).map_err(|e| self.error(pos, e))?;
            keys.syscall_items
                .push((pos, (item.trim().to_string(), set)));
        }
        let mut set: Vec<Sysno> = keys
            .syscall_items
            .iter()
            .flat_map(|(_, (_, s))| s.iter().copied())
            .collect();
        set.sort_by_key(|s| s.id());
        set.dedup();
        let written = keys
            .syscall_items
            .iter()
            .map(|(_, (w, _))| w.clone())
            .collect();
        keys.cond.syscalls = Some(Syscalls { written, set });
        Ok(())
    }

    /// `path`: a glob or a list of globs, each on absolute paths.
    fn paths(&self, v: &Spanned<DeValue<'_>>) -> Result<Paths, RuleError> {
        let items = self.strings("path", v)?;
        if items.is_empty() {
            return Err(self.error(
                v.span().start,
                "`path` is an empty list (leave it out to match any path)",
            ));
        }
        let mut globs = Vec::new();
        for (pos, item) in items {
            // Rules see resolved absolute paths, so a relative
            // glob would silently never match.
            if !(item.starts_with('/') || item.starts_with("**") || item.starts_with('{')) {
                return Err(self.error(
                    pos,
                    format!(
                        "`path` globs match absolute paths: `{item}` should start \
                         with `/` (or `**/`)"
                    ),
                ));
            }
            globs.push(Glob::new(item).map_err(|e| self.error(pos, e))?);
        }
        Ok(Paths(globs))
    }

    /// `action`: one of [`ACTIONS`], with a hint for the likely mistakes.
    fn action_word(&self, v: &Spanned<DeValue<'_>>) -> Result<&'static str, RuleError> {
        let s = self.string("action", v)?;
        if let Some(word) = ACTIONS.iter().find(|a| **a == s) {
            return Ok(word);
        }
        let hint = if s.starts_with("deny:") {
            " (write the errno separately: `action = \"deny\"` and `errno = \"…\"`)".to_string()
        } else if s.starts_with("return:") {
            " (write the value separately: `action = \"return\"` and `value = …`)".to_string()
        } else {
            match crate::suggest::closest(s, ACTIONS.iter().copied()) {
                Some(best) => format!(" (did you mean `{best}`?)"),
                None => " (expected allow, deny, return, emulate or ask)".into(),
            }
        };
        Err(self.error(v.span().start, format!("unknown action `{s}`{hint}")))
    }

    /// `errno`: a name or a number.
    fn errno(&self, v: &Spanned<DeValue<'_>>) -> Result<Errno, RuleError> {
        let at = v.span().start;
        let e = match v.get_ref() {
            DeValue::String(s) => Errno::parse(s),
            DeValue::Integer(i) => Errno::parse(&integer(i).unwrap_or(0).to_string()),
            _ => {
                return Err(self.error(
                    at,
                    "`errno` must be an errno name like \"EACCES\" or a number",
                ));
            }
        };
        e.map_err(|e| self.error(at, e))
    }

    /// `value`: an integer in the full 64-bit register range (0xffff… is
    /// -1).
    fn value(&self, v: &Spanned<DeValue<'_>>) -> Result<i64, RuleError> {
        let at = v.span().start;
        let DeValue::Integer(i) = v.get_ref() else {
            return Err(self.error(at, "`value` must be an integer"));
        };
        integer(i)
            .and_then(|n| {
                i64::try_from(n)
                    .ok()
                    .or_else(|| u64::try_from(n).ok().map(|u| u as i64))
            })
            .ok_or_else(|| self.error(at, "`value` does not fit in 64 bits"))
    }

    /// `errno` only with deny, `value` only with return.
    fn check_action_keys(&self, keys: &Keys, action_word: &str) -> Result<(), RuleError> {
        if let Some((at, _)) = keys.errno
            && action_word != "deny"
        {
            return Err(self.error(
                at,
                format!("`errno` applies only to `action = \"deny\"`, not `{action_word}`"),
            ));
        }
        if let Some((at, _)) = keys.value
            && action_word != "return"
        {
            return Err(self.error(
                at,
                format!("`value` applies only to `action = \"return\"`, not `{action_word}`"),
            ));
        }
        Ok(())
    }

    /// The rule's action from its word and the keys that complete it.
    fn action(
        &self,
        keys: &Keys,
        action_at: usize,
        action_word: &str,
        default_errno: Errno,
    ) -> Result<RuleAction, RuleError> {
        Ok(match action_word {
            "allow" => RuleAction::Answer(Answer::Allow),
            "deny" => {
                RuleAction::Answer(Answer::Deny(keys.errno.map_or(default_errno, |(_, e)| e)))
            }
            "return" => match keys.value {
                Some((_, v)) => RuleAction::Answer(Answer::Return(v)),
                None => {
                    return Err(self.error(
                        action_at,
                        "`action = \"return\"` needs a `value`, e.g. `value = 0`",
                    ));
                }
            },
            "emulate" => {
                self.check_emulable(keys, action_at)?;
                RuleAction::Answer(Answer::Emulate)
            }
            // "ask", the only word left after the check in `action_word`.
            _ => RuleAction::Ask,
        })
    }

    /// emulate needs `syscall`, naming only calls that can be emulated.
    fn check_emulable(&self, keys: &Keys, action_at: usize) -> Result<(), RuleError> {
        let can = emulable().map(|s| s.name()).collect::<Vec<_>>().join(", ");
        if keys.syscall_items.is_empty() {
            return Err(self.error(
                action_at,
                format!(
                    "emulate needs `syscall` naming only calls unotify-tui can \
                     emulate: {can}"
                ),
            ));
        }
        for (pos, (written, set)) in &keys.syscall_items {
            if let Some(bad) = set.iter().find(|s| !can_emulate(**s)) {
                return Err(self.error(
                    *pos,
                    format!(
                        "emulate is not available for `{}`{}: unotify-tui can \
                         emulate {can}",
                        bad.name(),
                        in_group(written)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `access` needs `syscall`, naming only open-family calls.
    fn check_access(&self, keys: &Keys) -> Result<(), RuleError> {
        let open_names = "open, openat, openat2 and creat";
        if keys.cond.syscalls.is_none() {
            return Err(self.error(
                keys.access_at,
                format!("`access` needs `syscall` naming only {open_names}"),
            ));
        }
        // Name the first offender in the order it was written.
        let bad = keys.syscall_items.iter().find_map(|(_, (written, set))| {
            let bad = set.iter().find(|s| !OPEN_CALLS.contains(s))?;
            Some((written, bad))
        });
        if let Some((written, bad)) = bad {
            return Err(self.error(
                keys.access_at,
                format!(
                    "`access` applies only to {open_names}, but this rule's \
                     `syscall` includes `{}`{}",
                    bad.name(),
                    in_group(written)
                ),
            ));
        }
        Ok(())
    }

    /// A string value.
    fn string<'v>(&self, key: &str, v: &'v Spanned<DeValue<'_>>) -> Result<&'v str, RuleError> {
        match v.get_ref() {
            DeValue::String(s) => Ok(s),
            _ => Err(self.error(v.span().start, format!("`{key}` must be a string"))),
        }
    }

    /// A string or a list of strings, each with its position.
    fn strings<'v>(
        &self,
        key: &str,
        v: &'v Spanned<DeValue<'_>>,
    ) -> Result<Vec<At<&'v str>>, RuleError> {
        let bad = |at| self.error(at, format!("`{key}` must be a string or a list of strings"));
        match v.get_ref() {
            DeValue::String(s) => Ok(vec![(v.span().start, s.as_ref())]),
            DeValue::Array(items) => items
                .iter()
                .map(|item| match item.get_ref() {
                    DeValue::String(s) => Ok((item.span().start, s.as_ref())),
                    _ => Err(bad(item.span().start)),
                })
                .collect(),
            _ => Err(bad(v.span().start)),
        }
    }

    /// `port`: a number, a `"lo-hi"` string, or a list of those.
    fn ports(&self, v: &Spanned<DeValue<'_>>) -> Result<Ports, RuleError> {
        let one = |item: &Spanned<DeValue<'_>>| -> Result<(u16, u16), RuleError> {
            let at = item.span().start;
            match item.get_ref() {
                DeValue::Integer(i) => {
                    let n = integer(i).unwrap_or(i128::MAX);
                    crate::policy::matcher::port_from_int(n)
                        .map(|p| (p, p))
                        .map_err(|e| self.error(at, e))
                }
                DeValue::String(s) => {
                    crate::policy::matcher::parse_port_range(s).map_err(|e| self.error(at, e))
                }
                _ => Err(self.error(
                    at,
                    "`port` must be a number, a range like \"8000-8999\", or a list of those",
                )),
            }
        };
        match v.get_ref() {
            DeValue::Array(items) if items.is_empty() => Err(self.error(
                v.span().start,
                "`port` is an empty list (leave it out to match any port)",
            )),
            DeValue::Array(items) => items.iter().map(one).collect::<Result<_, _>>().map(Ports),
            _ => one(v).map(|r| Ports(vec![r])),
        }
    }
}

/// " (in @group)" when a syscall came from a group, so the user sees where
/// a name they never wrote came from.
fn in_group(written: &str) -> String {
    if written.starts_with('@') {
        format!(" (in {written})")
    } else {
        String::new()
    }
}

/// A TOML integer's value (TOML integers fit in i64; hex, octal and binary
/// ones are unsigned and may not).
fn integer(i: &DeInteger<'_>) -> Option<i128> {
    i128::from_str_radix(i.as_str(), i.radix()).ok()
}

/// Where each line of a text starts, so that a byte offset becomes a line
/// by binary search: every rule's origin needs its line, and counting
/// newlines from the start for each rule made loading quadratic.
struct Lines {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let newlines = text.bytes().enumerate().filter(|&(_, b)| b == b'\n');
        let starts = std::iter::once(0)
            .chain(newlines.map(|(i, _)| i + 1))
            .collect();
        Lines { starts }
    }

    /// 1-based line of a byte offset (offsets past the end are on the
    /// last line).
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// 1-based line and column (in characters) of a byte offset in `text`
    /// (the text these lines were made from); offsets past the end or
    /// inside a character are clamped.
    fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut off = offset.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        let line = self.line(off);
        let line_start = self.starts[line - 1];
        (line, text[line_start..off].chars().count() + 1)
    }
}

#[cfg(test)]
mod tests {
    use syscalls::Sysno;

    use super::*;
    use crate::model::testing::with_paths;
    use crate::policy::rules::RuleSet;
    use crate::policy::rules::fixtures::*;

    #[test]
    fn actions() {
        let deny = one("[[rule]]\naction = \"deny\"");
        assert_eq!(deny.action, RuleAction::Answer(Answer::Deny(Errno::EPERM)));
        let r = parse_rules("[[rule]]\naction = \"deny\"", "f", Errno::ENOSYS).unwrap();
        assert_eq!(r[0].action, RuleAction::Answer(Answer::Deny(Errno::ENOSYS)));
        let r = one("[[rule]]\naction = \"deny\"\nerrno = 13");
        assert_eq!(r.action, RuleAction::Answer(Answer::Deny(Errno::EACCES)));
        let r = one("[[rule]]\naction = \"deny\"\nerrno = \"enotsup\"");
        assert_eq!(
            r.action,
            RuleAction::Answer(Answer::Deny(Errno::EOPNOTSUPP))
        );
        let r = one("[[rule]]\naction = \"return\"\nvalue = -5");
        assert_eq!(r.action, RuleAction::Answer(Answer::Return(-5)));
        let r = one("[[rule]]\naction = \"return\"\nvalue = 0xffffffffffffffff");
        assert_eq!(r.action, RuleAction::Answer(Answer::Return(-1)));
        assert_eq!(one("[[rule]]\naction = \"ask\"").action, RuleAction::Ask);
        let r = one("[[rule]]\nsyscall = [\"mkdir\", \"openat\"]\naction = \"emulate\"");
        assert_eq!(r.action, RuleAction::Answer(Answer::Emulate));
        // Inline-table spelling works too.
        let r = parse("rule = [{ action = \"allow\" }, { action = \"ask\" }]");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].origin(), &Origin::file("t.toml", 1));
    }

    #[test]
    fn empty_files() {
        assert!(parse("").is_empty());
        assert!(parse("# only a comment\n\n").is_empty());
        assert!(parse("rule = []").is_empty());
    }

    #[test]
    fn toml_syntax_errors() {
        assert_err("[[rule]]\naction = allow\n", 2, 10, "invalid TOML");
        assert_err(
            "[[rule]]\naction = \"allow\"\naction = \"deny\"\n",
            3,
            1,
            "duplicate key",
        );
        assert_err("[[rule]\n", 1, 8, "invalid TOML");
    }

    #[test]
    fn unknown_keys() {
        assert_err(
            "[[rule]]\nsyscall = \"mkdir\"\n  paht = \"/tmp/**\"\naction = \"allow\"\n",
            3,
            3,
            "unknown key `paht` (did you mean `path`?)",
        );
        assert_err(
            "[[rule]]\nzzzzzzzzzz = 1\naction = \"allow\"\n",
            2,
            1,
            "rule keys:",
        );
        assert_err(
            "[rules]\n",
            1,
            2,
            "unknown top-level key `rules` (did you mean `rule`?)",
        );
        assert_err("x = 1\n", 1, 1, "unknown top-level key `x`");
        assert_err(
            "[rule]\naction = \"allow\"\n",
            1,
            1,
            "write each rule as `[[rule]]`",
        );
        assert_err("rule = [1]\n", 1, 9, "each rule must be a table");
        // Keys of a rule are checked in file order, whatever their names.
        assert_err("[[rule]]\nzz = 1\naa = 2\n", 2, 1, "`zz`");
    }

    #[test]
    fn bad_values() {
        assert_err(
            "[[rule]]\nsyscall = [\"mkdir\", \"mkdri\"]\naction = \"allow\"\n",
            2,
            21,
            "unknown syscall `mkdri` (did you mean `mkdir`?)",
        );
        assert_err(
            "[[rule]]\nsyscall = \"@fiel\"\naction = \"allow\"\n",
            2,
            11,
            "did you mean `@file`?",
        );
        assert_err(
            "[[rule]]\nsyscall = []\naction = \"allow\"\n",
            2,
            11,
            "empty list",
        );
        assert_err(
            "[[rule]]\nsyscall = 5\naction = \"allow\"\n",
            2,
            11,
            "must be a string",
        );
        assert_err(
            "[[rule]]\naction = \"deny\"\nerrno = \"EPREM\"\n",
            3,
            9,
            "unknown errno `EPREM` (did you mean EPERM?)",
        );
        assert_err(
            "[[rule]]\naction = \"deny\"\nerrno = 0\n",
            3,
            9,
            "out of range",
        );
        assert_err(
            "[[rule]]\naction = \"alow\"\n",
            2,
            10,
            "did you mean `allow`?",
        );
        assert_err("[[rule]]\naction = \"deny:EACCES\"\n", 2, 10, "`errno = ");
        assert_err(
            "[[rule]]\npath = [\"/ok/**\", \"/a/[\"]\naction = \"allow\"\n",
            2,
            19,
            "bad glob `/a/[`",
        );
        assert_err(
            "[[rule]]\npath = \"tmp/**\"\naction = \"allow\"\n",
            2,
            8,
            "absolute",
        );
        assert_err(
            "[[rule]]\ncomm = \"a{b\"\naction = \"allow\"\n",
            2,
            8,
            "`comm`: bad glob",
        );
        assert_err("[[rule]]\nexe = \"\"\naction = \"allow\"\n", 2, 7, "empty");
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = \"8999-8000\"\n",
            3,
            8,
            "bad port range `8999-8000`",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = [80, 70000]\n",
            3,
            13,
            "out of range",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = \"http\"\n",
            3,
            8,
            "bad port range",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = []\n",
            3,
            8,
            "empty list",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\nport = 1.5\n",
            3,
            8,
            "`port` must be",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\naddr = \"10.0.0.0/33\"\n",
            3,
            8,
            "bad CIDR `10.0.0.0/33`",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\naddr = \"10.1.0.0/8\"\n",
            3,
            8,
            "did you mean `10.0.0.0/8`?",
        );
        assert_err(
            "[[rule]]\naction = \"allow\"\naddr = \"localhost\"\n",
            3,
            8,
            "bad address",
        );
        assert_err(
            "[[rule]]\nsyscall = \"open\"\naction = \"allow\"\naccess = \"rw\"\n",
            4,
            10,
            "unknown access `rw`",
        );
        assert_err(
            "[[rule]]\nsyscall = \"@file\"\naccess = \"read\"\naction = \"allow\"\n",
            3,
            10,
            "includes `mkdir` (in @file)",
        );
        assert_err(
            "[[rule]]\naccess = \"read\"\naction = \"allow\"\n",
            2,
            10,
            "needs `syscall`",
        );
    }

    #[test]
    fn action_key_combinations() {
        assert_err(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"\nerrno = \"EACCES\"\n",
            4,
            9,
            "`errno` applies only to `action = \"deny\"`",
        );
        assert_err(
            "[[rule]]\naction = \"deny\"\nvalue = 1\n",
            3,
            9,
            "`value` applies only to `action = \"return\"`",
        );
        assert_err("[[rule]]\naction = \"return\"\n", 2, 10, "needs a `value`");
        assert_err(
            "[[rule]]\naction = \"return\"\nvalue = \"0\"\n",
            3,
            9,
            "integer",
        );
        assert_err("\n\n[[rule]]\nsyscall = \"mkdir\"\n", 3, 1, "no `action`");
        // The second rule is the bad one.
        assert_err(
            "[[rule]]\naction = \"ask\"\n\n[[rule]]\n",
            4,
            1,
            "no `action`",
        );
    }

    #[test]
    fn emulate_restrictions() {
        let e = err("[[rule]]\nsyscall = [\"mkdir\", \"chmod\"]\naction = \"emulate\"\n");
        assert_eq!((e.line, e.column), (2, 21));
        assert!(
            e.message
                .starts_with("emulate is not available for `chmod`: unotify-tui can emulate mkdir, mkdirat, unlink,"),
            "{e}"
        );
        let e = err("[[rule]]\nsyscall = \"@file\"\naction = \"emulate\"\n");
        assert!(e.message.contains("`rename` (in @file)"), "{e}");
        assert_err(
            "[[rule]]\naction = \"emulate\"\n",
            2,
            10,
            "emulate needs `syscall`",
        );
    }

    #[test]
    fn positions_count_characters() {
        // "é" is two bytes but one column.
        assert_err("[[rule]]\ncomm = \"é\" ; x\n", 2, 12, "invalid TOML");
        let line_column = |text: &str, offset| Lines::new(text).line_column(text, offset);
        assert_eq!(line_column("ab\ncd", 100), (2, 3));
        assert_eq!(line_column("é", 1), (1, 1));
        assert_eq!(line_column("", 0), (1, 1));
    }

    #[test]
    fn load_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = load_rules(&missing, Errno::EPERM).unwrap_err();
        assert_eq!(e.line, 0);
        assert_eq!(
            e.to_string(),
            format!(
                "cannot read {}: No such file or directory",
                missing.display()
            )
        );
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"[[rule]]\naction = \"allow\"\n# \xff\n").unwrap();
        let e = load_rules(&bad, Errno::EPERM).unwrap_err();
        assert_eq!((e.line, e.column), (3, 3));
        assert!(
            e.to_string().ends_with(":3:3: the file is not valid UTF-8"),
            "{e}"
        );
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "[[rule]]\naction = \"allow\"\n").unwrap();
        let rules = load_rules(&good, Errno::EPERM).unwrap();
        assert_eq!(
            rules[0].origin().to_string(),
            format!("{}:1", good.display())
        );
    }

    #[test]
    fn builtin_rules_parse_and_decide() {
        let set = RuleSet::new(builtin_rules());
        assert!(!set.is_empty());
        assert!(set.list().iter().all(|r| r.origin().is_builtin()));
        let libc_so = "/usr/lib/x86_64-linux-gnu/libc.so.6";
        let (_, r) = set.decide(&openat(libc_so, O_RDONLY | O_CLOEXEC)).unwrap();
        assert_eq!(r.action, RuleAction::Answer(Answer::Allow));
        assert!(set.decide(&openat(libc_so, O_WRONLY)).is_none());
        assert!(set.decide(&openat("/etc/passwd", O_RDONLY)).is_none());
        assert!(set.decide(&openat("/etc/ld.so.cache", O_RDONLY)).is_some());
        assert!(set.decide(&openat("/proc/self/maps", O_RDONLY)).is_some());
        assert!(set.decide(&openat("/dev/null", O_WRONLY)).is_some());
        assert!(set.decide(&openat("/dev/tty", O_RDONLY)).is_none());
        assert!(set.decide(&openat("/dev/urandom", O_WRONLY)).is_none());
        assert!(set.decide(&with_paths(Sysno::unlink, &[libc_so])).is_none());
        // Every built-in rule reads as a sentence.
        for r in &set.list() {
            assert!(
                r.describe().starts_with("allow open, openat, openat2"),
                "{}",
                r.describe()
            );
        }
    }

    mod fuzz {
        use proptest::prelude::*;

        use super::super::parse_rules;
        use crate::errno::Errno;

        const VALID: &str = r#"
[[rule]]
syscall = ["mkdir", "@net"]
path = ["/tmp/**", "/var/*"]
action = "deny"
errno = "EACCES"
port = [80, "8000-8999"]
addr = "10.0.0.0/8"
comm = "py*"
exe = "/usr/bin/*"

[[rule]]
syscall = "openat"
access = "read"
action = "return"
value = -1
"#;

        proptest! {
            #[test]
            fn never_panics_on_any_text(text in "\\PC*") {
                let _ = parse_rules(&text, "f", Errno::EPERM);
            }

            #[test]
            fn never_panics_on_any_chars(text in any::<String>()) {
                let _ = parse_rules(&text, "f", Errno::EPERM);
            }

            #[test]
            fn never_panics_on_mutations(edits in arb_edits()) {
                check(&mutate(VALID, edits));
            }

            /// The files that ship: the built-in rules and the demo's.
            #[test]
            fn never_panics_on_mutated_shipped_files(
                demo in any::<bool>(),
                edits in arb_edits(),
            ) {
                let base = if demo {
                    include_str!("../../../assets/demo-rules.toml")
                } else {
                    include_str!("../../../assets/default-rules.toml")
                };
                check(&mutate(base, edits));
            }

            /// Well-formed TOML with keys and values drawn from what rule
            /// files hold: deep checks run, not only the TOML parser.
            #[test]
            fn never_panics_on_generated_rules(
                rules in prop::collection::vec(
                    prop::collection::vec((arb_key(), arb_value()), 0..6),
                    0..4,
                )
            ) {
                let mut text = String::new();
                for rule in rules {
                    text.push_str("[[rule]]\n");
                    let mut seen = std::collections::HashSet::new();
                    for (k, v) in rule {
                        // A repeated key is a TOML error; keep the text valid TOML.
                        if seen.insert(k.clone()) {
                            text.push_str(&format!("{k} = {v}\n"));
                        }
                    }
                }
                check(&text);
            }
        }

        /// Found by the mutation test: a value with a newline or an escape
        /// sequence was quoted raw in the one-line error.
        #[test]
        fn quoted_input_is_escaped_in_errors() {
            let text = "[[rule]]\nsyscall = \"bi\\nd\\u001b[2J\"\naction = \"allow\"\n";
            let e = parse_rules(text, "f\nx", Errno::EPERM).unwrap_err();
            assert_eq!(e.to_string().lines().count(), 1, "{e}");
            assert!(e.to_string().starts_with("f\\nx:2:"), "{e}");
            assert!(e.to_string().contains("`bi\\nd\\e[2J`"), "{e}");
        }

        fn arb_edits() -> impl Strategy<Value = Vec<(prop::sample::Index, usize, char)>> {
            prop::collection::vec(
                (any::<prop::sample::Index>(), 0usize..4, any::<char>()),
                1..8,
            )
        }

        fn mutate(base: &str, edits: Vec<(prop::sample::Index, usize, char)>) -> String {
            let mut chars: Vec<char> = base.chars().collect();
            for (at, kind, c) in edits {
                if chars.is_empty() {
                    chars.push(c);
                    continue;
                }
                let i = at.index(chars.len());
                match kind {
                    0 => chars.insert(i, c),
                    1 => {
                        chars.remove(i);
                    }
                    2 => chars[i] = c,
                    // Duplicate a slice, e.g. a whole line or key.
                    _ => {
                        let end = (i + 12).min(chars.len());
                        let copy: Vec<char> = chars[i..end].to_vec();
                        chars.splice(i..i, copy);
                    }
                }
            }
            chars.into_iter().collect()
        }

        /// An error points into the text and reads as one line.
        fn check(text: &str) {
            if let Err(e) = parse_rules(text, "f", Errno::EPERM) {
                let shown = e.to_string();
                assert!(e.line >= 1 && e.column >= 1, "{shown}");
                assert!(e.line <= text.split('\n').count(), "{shown}");
                assert!(!shown.contains('\n'), "one line: {shown:?}");
            }
        }

        fn arb_key() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(super::super::KEYS).prop_map(str::to_string),
                Just("acton".to_string()),
                "[a-z]{1,8}",
            ]
        }

        fn quoted(s: &str) -> String {
            // TOML basic strings take JSON-style escapes.
            serde_json::to_string(s).unwrap()
        }

        fn arb_scalar() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(vec![
                    "allow",
                    "deny",
                    "return",
                    "emulate",
                    "ask",
                    "EPERM",
                    "eacces",
                    "9999",
                    "mkdir",
                    "@net",
                    "@file",
                    "@all",
                    "openat2",
                    "nosuchcall",
                    "/tmp/**",
                    "/**",
                    "[",
                    "{a,b}",
                    "**/x",
                    "",
                    "read",
                    "write",
                    "127.0.0.1",
                    "10.0.0.0/8",
                    "::1/129",
                    "1.2.3.4/33",
                    "80-79",
                    "0-65535",
                    "8000-",
                    "py*",
                    "\\",
                ])
                .prop_map(quoted),
                any::<String>().prop_map(|s| quoted(&s)),
                any::<i64>().prop_map(|i| i.to_string()),
                prop::sample::select(vec![
                    "0",
                    "-1",
                    "65535",
                    "65536",
                    "0x10",
                    "1e3",
                    "true",
                    "3.5",
                    "nan",
                    "1979-05-27",
                    "{}",
                    "{ a = 1 }",
                    "[]",
                ])
                .prop_map(str::to_string),
            ]
        }

        fn arb_value() -> impl Strategy<Value = String> {
            prop_oneof![
                3 => arb_scalar(),
                1 => prop::collection::vec(arb_scalar(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
            ]
        }
    }
}
