//! Adding rules to a rule file without losing anything already in it.
//!
//! The file is edited with `toml_edit`, which keeps every comment, blank
//! line and key order as written; new rules go at the end, each under a
//! comment saying when and from what it was made. The result is checked by
//! loading it the way `--rules` does before it replaces the file, and it
//! replaces the file atomically (a temporary file in the same directory,
//! then `rename`), so a crash leaves the old file or the new one, never
//! half of one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

use super::matcher::Access;
use super::rules::{
    Origin, ReadRuleFile, Rule, RuleAction, RuleError, RuleSet, parse_rules, read_rule_file,
};
use crate::errno::Errno;
use crate::model::Answer;
use crate::time::rfc3339;

/// A rule to write and the comment to put above it (one or more lines,
/// without `#`; control characters are escaped).
pub struct NewRule<'a> {
    pub rule: &'a Rule,
    pub comment: String,
}

/// Why rules could not be written. The file is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    /// The existing file does not load as a rule file: adding to it would
    /// give a file `--rules` rejects.
    #[error("cannot add rules to {file}: it does not load as a rule file ({error})")]
    Invalid { file: String, error: RuleError },
    #[error("cannot write {0}: {1}")]
    Write(String, String),
    /// The written rules did not read back as they were (a bug).
    #[error("cannot add rules to {0}: the result did not read back the same ({1})")]
    Check(String, String),
}

/// `2026-11-22 14:03 UTC`.
pub fn short_time(t: SystemTime) -> String {
    let full = rfc3339(t);
    format!("{} {} UTC", &full[..10], &full[11..16])
}

/// The comment for a rule made in this session: `added 2026-11-22 14:03
/// UTC from: [1234 mkdir] mkdir("/tmp/x", 0777)`. For rules from a file,
/// where it came from.
pub fn comment_for(rule: &Rule) -> String {
    match rule.first_origin() {
        Origin::Session { made, from, .. } => {
            format!("added {} from: {from}", short_time(*made))
        }
        Origin::File { file, line } => format!("copied from {file}:{line}"),
    }
}

/// The rule as a `[[rule]]` table, keys in reading order.
pub fn rule_table(rule: &Rule) -> Table {
    let c = rule.conditions();
    let mut t = Table::new();
    let strings = |items: Vec<String>| -> Item {
        if items.len() == 1 {
            toml_edit::value(items.into_iter().next().unwrap_or_default())
        } else {
            toml_edit::value(long_list(Array::from_iter(items)))
        }
    };
    if let Some(s) = &c.syscalls {
        t.insert("syscall", strings(s.written.clone()));
    }
    if let Some(p) = &c.paths {
        t.insert(
            "path",
            strings(p.0.iter().map(|g| g.as_str().to_string()).collect()),
        );
    }
    if let Some(a) = c.access {
        let word = match a {
            Access::Read => "read",
            Access::Write => "write",
        };
        t.insert("access", toml_edit::value(word));
    }
    if let Some(a) = &c.addr {
        t.insert("addr", toml_edit::value(a.to_string()));
    }
    if let Some(p) = &c.ports {
        let one = |&(lo, hi): &(u16, u16)| -> Value {
            if lo == hi {
                Value::from(i64::from(lo))
            } else {
                Value::from(format!("{lo}-{hi}"))
            }
        };
        let item = if p.0.len() == 1 {
            Item::Value(one(&p.0[0]))
        } else {
            toml_edit::value(Array::from_iter(p.0.iter().map(one)))
        };
        t.insert("port", item);
    }
    if let Some(g) = &c.comm {
        t.insert("comm", toml_edit::value(g.as_str()));
    }
    if let Some(g) = &c.exe {
        t.insert("exe", toml_edit::value(g.as_str()));
    }
    if let Some(g) = &c.container {
        t.insert("container", toml_edit::value(g.as_str()));
    }
    match rule.action {
        RuleAction::Answer(a) => {
            t.insert("action", toml_edit::value(a.keyword()));
            match a {
                // Written out even when it is the default: the file may be
                // loaded with another --errno.
                Answer::Deny(e) => {
                    t.insert("errno", toml_edit::value(e.name()));
                }
                Answer::Return(v) => {
                    t.insert("value", toml_edit::value(v));
                }
                Answer::Allow | Answer::Emulate => {}
            }
        }
        RuleAction::Ask => {
            t.insert("action", toml_edit::value("ask"));
        }
    }
    t
}

/// A list with more than [`ONE_LINE`] items, or too long for one line,
/// one item a line: a learned rule can list dozens of paths.
fn long_list(mut arr: Array) -> Array {
    let width: usize = arr.iter().map(|v| v.to_string().len() + 2).sum();
    if arr.len() > ONE_LINE || width > 80 {
        for v in arr.iter_mut() {
            v.decor_mut().set_prefix("\n    ");
            v.decor_mut().set_suffix("");
        }
        arr.set_trailing_comma(true);
        arr.set_trailing("\n");
    }
    arr
}

/// At most this many items go on one line.
const ONE_LINE: usize = 3;

/// The rule as rule-file text (a `[[rule]]` table), e.g. to show what `w`
/// will write.
pub fn rule_text(rule: &Rule) -> String {
    let mut doc = DocumentMut::new();
    let mut aot = ArrayOfTables::new();
    aot.push(rule_table(rule));
    doc.insert("rule", Item::ArrayOfTables(aot));
    doc.to_string()
}

/// `# ` before every line, control characters (which TOML forbids in
/// comments, and which could rewrite a terminal showing the file) escaped.
fn comment_block(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        out.push_str("# ");
        for c in line.chars() {
            if c.is_control() && c != '\t' {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// The path to write: a symlink's target, so the link stays a link.
fn real_path(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).unwrap_or(path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// Appends `rules` to the rule file at `path` (created when missing) and
/// returns the line of each new rule's `[[rule]]` header, in order.
pub fn append_rules(path: &Path, rules: &[NewRule<'_>]) -> Result<Vec<usize>, WriteError> {
    let name = path.display().to_string();
    let target = real_path(path);
    let invalid = |message: String| WriteError::Invalid {
        file: name.clone(),
        error: RuleError {
            file: name.clone(),
            line: 0,
            column: 0,
            message,
        },
    };
    let old = match read_rule_file(&target) {
        Ok(b) => {
            Some(String::from_utf8(b).map_err(|_| invalid("the file is not valid UTF-8".into()))?)
        }
        Err(ReadRuleFile::Io(e)) if e.kind() == io::ErrorKind::NotFound => None,
        Err(ReadRuleFile::Io(e)) => return Err(WriteError::Read(name, reason(&e))),
        // A device or FIFO would be read without end (/dev/zero) or
        // replaced by the rename that writes the file: refused, like a
        // file that does not load.
        Err(e) => return Err(invalid(e.to_string())),
    };
    let old_text = old.as_deref().unwrap_or("");
    let before =
        parse_rules(old_text, &name, Errno::EPERM).map_err(|error| WriteError::Invalid {
            file: name.clone(),
            error,
        })?;
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let text = appended(old_text, rules).map_err(|e| WriteError::Check(name.clone(), e))?;
    let after = parse_rules(&text, &name, Errno::EPERM)
        .map_err(|e| WriteError::Check(name.clone(), e.to_string()))?;
    let new = after.get(before.len()..).unwrap_or_default();
    if new.len() != rules.len()
        || new
            .iter()
            .zip(rules)
            .any(|(a, b)| a.describe() != b.rule.describe())
    {
        return Err(WriteError::Check(
            name,
            "the new rules read back differently".into(),
        ));
    }
    write_atomically(&target, text.as_bytes()).map_err(|e| WriteError::Write(name, reason(&e)))?;
    Ok(new
        .iter()
        .map(|r| match r.origin() {
            Origin::File { line, .. } => *line,
            Origin::Session { .. } => 0,
        })
        .collect())
}

/// The new file text: `old` with the rules added at the end.
fn appended(old: &str, rules: &[NewRule<'_>]) -> Result<String, String> {
    let mut doc: DocumentMut = old
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    // Comments after the last rule belong to the end of the file: the new
    // rules go after them, not before.
    let trailing = doc.trailing().as_str().unwrap_or("").to_string();
    doc.set_trailing("");
    let lead = |i: usize| -> String {
        let mut prefix = String::new();
        if i == 0 {
            prefix.push_str(&trailing);
        }
        let empty_so_far = i == 0 && old.trim().is_empty() && trailing.trim().is_empty();
        if !empty_so_far && !prefix.ends_with("\n\n") {
            prefix.push('\n');
        }
        prefix.push_str(&comment_block(&rules[i].comment));
        prefix
    };
    match doc.get_mut("rule") {
        None => {
            let mut aot = ArrayOfTables::new();
            for (i, r) in rules.iter().enumerate() {
                let mut t = rule_table(r.rule);
                t.decor_mut().set_prefix(lead(i));
                aot.push(t);
            }
            doc.insert("rule", Item::ArrayOfTables(aot));
        }
        Some(Item::ArrayOfTables(aot)) => {
            for (i, r) in rules.iter().enumerate() {
                let mut t = rule_table(r.rule);
                t.decor_mut().set_prefix(lead(i));
                aot.push(t);
            }
        }
        // `rule = [{ … }, …]`: the same form, one inline table a line.
        Some(Item::Value(Value::Array(arr))) => {
            for r in rules {
                let mut t: InlineTable = rule_table(r.rule).into_inline_table();
                t.fmt();
                let mut v = Value::InlineTable(t);
                let indent = "\n    ";
                let prefix = format!(
                    "{indent}{}{indent}",
                    comment_block(&r.comment).trim_end().replace('\n', indent)
                );
                v.decor_mut().set_prefix(prefix);
                arr.push_formatted(v);
            }
            arr.set_trailing("\n");
        }
        Some(_) => return Err("`rule` is neither [[rule]] tables nor a list of tables".into()),
    }
    let mut text = doc.to_string();
    if !trailing.is_empty() && doc.get("rule").is_some_and(|i| i.is_value()) {
        // Inline form: the trailing comments stay where they were.
        text.push_str(&trailing);
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

fn reason(e: &io::Error) -> String {
    e.raw_os_error()
        .and_then(Errno::new)
        .map_or_else(|| e.to_string(), |n| n.description())
}

/// Writes `bytes` to `target` through a temporary file in the same
/// directory and a rename. An existing file's mode and owner are kept.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rules".into());
    let old = fs::metadata(target).ok();
    let mode = old
        .as_ref()
        .map_or(0o644, |m| m.permissions().mode() & 0o7777);
    let (tmp, mut file) = (0..1000)
        .find_map(|n| {
            let tmp = dir.join(format!(".{base}.{}.{n}.tmp", std::process::id()));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp)
            {
                Ok(f) => Some(Ok((tmp, f))),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| Err(io::Error::from(io::ErrorKind::AlreadyExists)))?;
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(m) = &old {
            // The creation mode went through the umask; restore the
            // original exactly. The owner matters when root edits a user's
            // file; failing to keep it (not root) is not an error.
            file.set_permissions(fs::Permissions::from_mode(mode))?;
            let _ = std::os::unix::fs::fchown(&file, Some(m.uid()), Some(m.gid()));
        }
        file.sync_all()?;
        fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // The rename is durable once the directory is synced.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes the session rules marked "save" that are not written yet (`w`):
/// appends them to `path` in rule-list order, then shows each as
/// `path:line` in the rule list. Returns how many were written.
pub fn save_session_rules(set: &RuleSet, path: &Path) -> Result<usize, WriteError> {
    let rules: Vec<Arc<Rule>> = set.unsaved();
    let new: Vec<NewRule<'_>> = rules
        .iter()
        .map(|r| NewRule {
            rule: r,
            comment: comment_for(r),
        })
        .collect();
    let lines = append_rules(path, &new)?;
    let name = path.display().to_string();
    for (r, line) in rules.iter().zip(lines) {
        r.mark_written(&name, line);
    }
    Ok(rules.len())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn rules(text: &str) -> Vec<Rule> {
        parse_rules(text, "src.toml", Errno::EPERM).unwrap_or_else(|e| panic!("{e}"))
    }

    const NEW: &str = r#"
[[rule]]
syscall = ["mkdir", "mkdirat"]
path = ["/tmp/a b/*", "/tmp/x\\*y"]
action = "deny"
errno = "EACCES"

[[rule]]
syscall = "connect"
addr = "10.0.0.0/8"
port = [80, "8000-8999"]
comm = "py*"
exe = "/usr/bin/python3"
action = "return"
value = -1

[[rule]]
syscall = "openat"
access = "read"
action = "allow"

[[rule]]
action = "ask"
"#;

    fn new_rules(rs: &[Rule]) -> Vec<NewRule<'_>> {
        rs.iter()
            .enumerate()
            .map(|(i, r)| NewRule {
                rule: r,
                comment: format!("rule {i}\nsecond line \x1b[31m"),
            })
            .collect()
    }

    const COMMENTED: &str = "# My policy for the build.\n\
        # Keep /etc out of it.\n\
        \n\
        [[rule]]   # the first rule\n\
        syscall = \"mkdir\"  # only mkdir\n\
        # the path:\n\
        path = \"/etc/**\"\n\
        action = \"deny\"\n\
        \n\
        # A commented-out rule at the end:\n\
        # [[rule]]\n\
        # action = \"allow\"\n";

    #[test]
    fn appending_keeps_every_comment_and_rule_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        fs::write(&path, COMMENTED).unwrap();
        let new = rules(NEW);
        let lines = append_rules(&path, &new_rules(&new)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with(COMMENTED),
            "old text kept verbatim:\n{text}"
        );
        assert!(
            text.contains("# rule 0\n# second line \\x1b[31m\n[[rule]]"),
            "{text}"
        );
        let all = parse_rules(&text, "p.toml", Errno::ENOSYS).unwrap();
        assert_eq!(all.len(), 1 + new.len());
        for (a, b) in all[1..].iter().zip(&new) {
            assert_eq!(a.describe(), b.describe());
            assert_eq!(a.action, b.action, "errno written explicitly");
        }
        assert_eq!(lines.len(), 4);
        for (l, r) in lines.iter().zip(&all[1..]) {
            assert_eq!(r.origin(), &Origin::file("p.toml", *l));
            assert_eq!(text.lines().nth(l - 1), Some("[[rule]]"));
        }
        // Appending again keeps the first additions too.
        let more = rules("[[rule]]\nsyscall = \"rmdir\"\naction = \"allow\"\n");
        append_rules(&path, &new_rules(&more)).unwrap();
        let again = fs::read_to_string(&path).unwrap();
        assert!(again.starts_with(&text), "{again}");
        assert_eq!(parse_rules(&again, "p", Errno::EPERM).unwrap().len(), 6);
        // No temp files left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn creates_missing_file_and_handles_empty_and_inline_forms() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.toml");
        let new = rules(NEW);
        append_rules(&path, &new_rules(&new[..1])).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# rule 0\n"),
            "no blank first line: {text:?}"
        );
        assert_eq!(parse_rules(&text, "n", Errno::EPERM).unwrap().len(), 1);

        let only_comments = dir.path().join("c.toml");
        fs::write(&only_comments, "# just a note").unwrap();
        append_rules(&only_comments, &new_rules(&new[..2])).unwrap();
        let text = fs::read_to_string(&only_comments).unwrap();
        assert!(text.starts_with("# just a note\n"), "{text}");
        assert_eq!(parse_rules(&text, "c", Errno::EPERM).unwrap().len(), 2);

        let inline = dir.path().join("i.toml");
        let before = "# inline form\nrule = [{ syscall = \"rmdir\", action = \"allow\" }]\n# end\n";
        fs::write(&inline, before).unwrap();
        append_rules(&inline, &new_rules(&new)).unwrap();
        let text = fs::read_to_string(&inline).unwrap();
        assert!(
            text.starts_with("# inline form\nrule = [{ syscall = \"rmdir\", action = \"allow\" }"),
            "{text}"
        );
        assert!(text.contains("# rule 3"), "{text}");
        assert!(text.contains("# end"), "{text}");
        let all = parse_rules(&text, "i", Errno::EPERM).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(all.len(), 5);
        assert_eq!(all[4].describe(), new[3].describe());
    }

    #[test]
    fn refuses_files_that_do_not_load_and_leaves_them_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        let bad = "[[rule]]\nsyscall = \"mkdri\"\naction = \"allow\"\n";
        fs::write(&path, bad).unwrap();
        let new = rules(NEW);
        let e = append_rules(&path, &new_rules(&new)).unwrap_err();
        assert!(e.to_string().contains("bad.toml:2:11"), "{e}");
        assert_eq!(fs::read_to_string(&path).unwrap(), bad);
        let e = append_rules(&dir.path().join("no/such/dir.toml"), &new_rules(&new)).unwrap_err();
        assert!(e.to_string().starts_with("cannot write "), "{e}");
        assert!(e.to_string().ends_with("No such file or directory"), "{e}");
    }

    #[test]
    fn keeps_mode_and_writes_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        fs::write(&real, "").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let new = rules(NEW);
        append_rules(&link, &new_rules(&new[..1])).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            parse_rules(&fs::read_to_string(&real).unwrap(), "r", Errno::EPERM)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn rule_text_and_comments() {
        let new = rules(NEW);
        assert_eq!(
            rule_text(&new[0]),
            "[[rule]]\nsyscall = [\"mkdir\", \"mkdirat\"]\npath = [\"/tmp/a b/*\", '/tmp/x\\*y']\naction = \"deny\"\nerrno = \"EACCES\"\n"
        );
        assert_eq!(
            short_time(UNIX_EPOCH + Duration::from_secs(1_795_356_180)),
            "2026-11-22 14:03 UTC"
        );
        assert_eq!(comment_for(&new[0]), "copied from src.toml:2");
        let session = Rule::from_parts(
            new[0].action,
            Origin::Session {
                made: UNIX_EPOCH + Duration::from_secs(1_795_356_180),
                from: "[1 mk] mkdir(\"/x\", 0777)".into(),
                save: true,
            },
            new[0].conditions().clone(),
        );
        assert_eq!(
            comment_for(&session),
            "added 2026-11-22 14:03 UTC from: [1 mk] mkdir(\"/x\", 0777)"
        );
    }

    #[test]
    fn save_session_rules_writes_each_once_and_relabels_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        let base = rules(NEW);
        let session = |i: usize, save: bool| {
            Rule::from_parts(
                base[i].action,
                Origin::Session {
                    made: SystemTime::now(),
                    from: format!("call {i}"),
                    save,
                },
                base[i].conditions().clone(),
            )
        };
        let set = RuleSet::new(base.clone());
        let kept = set.insert(0, session(0, true));
        let dropped = set.insert(0, session(1, false));
        assert_eq!(set.snapshot()[1].origin, "this session");
        assert!(set.snapshot()[1].unsaved);
        assert_eq!(save_session_rules(&set, &path).unwrap(), 1);
        let info = set.snapshot();
        let name = path.display().to_string();
        assert_eq!(info[1].id, kept);
        assert_eq!(info[1].origin, format!("{name}:2"));
        assert!(!info[1].unsaved);
        assert_eq!(info[0].id, dropped);
        assert_eq!(info[0].origin, "this session");
        // A second `w` has nothing new to write.
        assert_eq!(save_session_rules(&set, &path).unwrap(), 0);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("[[rule]]").count(), 1);
        assert!(text.contains("from: call 0"), "{text}");
    }
}
