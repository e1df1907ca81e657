//! `unotify-tui rules export --format oci FILE...`: a docker/OCI seccomp
//! profile (runtime-spec config-linux.md, `linux.seccomp`) made from rule
//! files.
//!
//! Two things differ from running a program under unotify-tui, and the
//! profile is built around them:
//!
//! - unotify-tui's default action covers only the *trapped* calls, while a
//!   profile's `defaultAction` covers every syscall. So `defaultAction` is
//!   SCMP_ACT_ALLOW (calls outside the trap set run, as they do under
//!   unotify-tui) and each trapped syscall gets an entry of its own.
//! - A profile has no first-match order and sees only the syscall number:
//!   a syscall whose answer depends on what only the supervisor can see
//!   (paths, addresses, ports, comm, exe, access mode) or needs the
//!   supervisor (return, emulate, ask) goes to an agent as a whole
//!   (SCMP_ACT_NOTIFY, `listenerPath`), which decides it by the same rules.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use syscalls::Sysno;

use crate::cli::ExportArgs;
use crate::decode::groups;
use crate::errno::Errno;
use crate::error::Error;
use crate::model::Answer;
use crate::policy::rules::{Origin, Rule, RuleAction};

/// What one trapped syscall becomes in the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OciAction {
    Allow,
    /// SCMP_ACT_ERRNO with this errno (`errnoRet`).
    Errno(Errno),
    /// SCMP_ACT_NOTIFY: the agent at `listenerPath` decides.
    Notify,
}

impl OciAction {
    fn name(self) -> &'static str {
        match self {
            OciAction::Allow => "SCMP_ACT_ALLOW",
            OciAction::Errno(_) => "SCMP_ACT_ERRNO",
            OciAction::Notify => "SCMP_ACT_NOTIFY",
        }
    }

    /// Where its entries go in the profile: allow, then errno, then
    /// notify.
    fn order(self) -> (u8, i32) {
        match self {
            OciAction::Allow => (0, 0),
            OciAction::Errno(e) => (1, e.raw()),
            OciAction::Notify => (2, 0),
        }
    }

    /// The profile action that gives a call the same answer.
    fn of(action: RuleAction) -> OciAction {
        match action {
            RuleAction::Answer(Answer::Allow) => OciAction::Allow,
            RuleAction::Answer(Answer::Deny(e)) => OciAction::Errno(e),
            // A made-up return value, the supervisor's own work, a person:
            // only the agent can give these.
            RuleAction::Answer(Answer::Return(_) | Answer::Emulate) | RuleAction::Ask => {
                OciAction::Notify
            }
        }
    }
}

/// One trapped syscall's verdict: its action, and the rules (and the
/// default) it came from, in words for the entry's `comment`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub action: OciAction,
    pub comment: String,
    /// Why the agent is needed, for the error when there is no --socket.
    pub why_notify: Option<String>,
}

/// What decides `sysno` under `rules` (in order) and `default`: every
/// rule that could match it up to the first that matches it whatever its
/// arguments (that one always wins; later ones never get a turn), else the
/// default. When all of those give the same answer the syscall maps
/// directly, with no agent; otherwise the answer depends on what only the
/// supervisor sees, and the agent decides.
pub fn verdict(sysno: Sysno, rules: &[Rule], default: Answer) -> Verdict {
    let mut deciders: Vec<&Rule> = Vec::new();
    let mut unconditional = false;
    for r in rules.iter().filter(|r| r.enabled()) {
        let c = r.conditions();
        if c.syscalls
            .as_ref()
            .is_some_and(|s| !s.contains(Some(sysno)))
        {
            continue;
        }
        deciders.push(r);
        if unseen_conditions(r).is_empty() {
            unconditional = true;
            break;
        }
    }
    let mut actions: Vec<OciAction> = deciders.iter().map(|r| OciAction::of(r.action)).collect();
    if !unconditional {
        actions.push(OciAction::of(RuleAction::Answer(default)));
    }
    let action = if actions.windows(2).all(|w| w[0] == w[1]) {
        actions[0]
    } else {
        OciAction::Notify
    };

    let mut parts: Vec<String> = if deciders.len() == 1 {
        vec![format!(
            "{} {}",
            deciders[0].origin(),
            deciders[0].describe()
        )]
    } else {
        runs(&deciders)
    };
    if !unconditional {
        let default = match default {
            Answer::Deny(e) => format!("deny:{}", e.name()),
            Answer::Return(v) => format!("return:{v}"),
            a => a.keyword().to_string(),
        };
        parts.push(if deciders.is_empty() {
            format!("no rule: --default-action {default}")
        } else {
            format!("--default-action {default}")
        });
    }
    let why_notify = (action == OciAction::Notify).then(|| {
        match deciders
            .iter()
            .find(|r| OciAction::of(r.action) == OciAction::Notify)
        {
            Some(r) => format!("{} is `{}`", r.origin(), r.action),
            None if matches!(default, Answer::Return(_)) => {
                "--default-action is `return`".to_string()
            }
            None => {
                let r = deciders
                    .iter()
                    .find(|r| !unseen_conditions(r).is_empty())
                    .expect("answers differ only when a rule has conditions");
                format!(
                    "{} looks at {}",
                    r.origin(),
                    unseen_conditions(r).join(" and ")
                )
            }
        }
    });
    Verdict {
        action,
        comment: parts.join("; "),
        why_notify,
    }
}

/// Several rules in words, `file:line action`; consecutive rules of one
/// file with one action as one `file:line,line,line action`.
fn runs(rules: &[&Rule]) -> Vec<String> {
    let mut parts: Vec<(String, Vec<String>, String)> = Vec::new();
    for r in rules {
        let (file, line) = match r.origin() {
            Origin::File { file, line } => (file.clone(), line.to_string()),
            other => (other.to_string(), String::new()),
        };
        let action = r.action.to_string();
        match parts.last_mut() {
            Some((f, lines, a)) if *f == file && *a == action && !line.is_empty() => {
                lines.push(line)
            }
            _ => parts.push((file, vec![line], action)),
        }
    }
    parts
        .into_iter()
        .map(|(file, lines, action)| match lines.join(",") {
            l if l.is_empty() => format!("{file} {action}"),
            l => format!("{file}:{l} {action}"),
        })
        .collect()
}

/// The keys of `rule` other than `syscall`: a seccomp profile sees only the
/// syscall number, so none of them can be checked there.
fn unseen_conditions(rule: &Rule) -> Vec<&'static str> {
    let c = rule.conditions();
    [
        (c.paths.is_some(), "paths"),
        (c.access.is_some(), "the access mode"),
        (c.addr.is_some(), "addresses"),
        (c.ports.is_some(), "ports"),
        (c.comm.is_some(), "comm"),
        (c.exe.is_some(), "exe"),
        (c.container.is_some(), "container"),
    ]
    .into_iter()
    .filter_map(|(set, what)| set.then_some(what))
    .collect()
}

/// A profile, its fields in the order the runtime-spec lists them
/// (`linux.seccomp`; `comment` is docker's, which runtimes ignore).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub default_action: &'static str,
    pub architectures: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_path: Option<String>,
    pub syscalls: Vec<Entry>,
}

/// One `syscalls` entry.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub names: Vec<&'static str>,
    pub action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u32>,
    pub comment: String,
}

/// Entries in profile order: by action ([`OciAction::order`]), then
/// comment.
type EntryKey = ((u8, i32), String);

/// The profile for `trapped` under `rules` and `default`. `socket` is the
/// agent's listener path, required when some syscall goes to the agent.
pub fn profile(
    trapped: &[Sysno],
    rules: &[Rule],
    default: Answer,
    socket: Option<&Path>,
) -> Result<Profile, Error> {
    let mut names: Vec<Sysno> = trapped.to_vec();
    names.sort_by_key(|s| s.name());
    // One entry per (action, comment): syscalls one rule names together,
    // and those no rule decides, share an entry.
    let mut entries: BTreeMap<EntryKey, (OciAction, Vec<&'static str>)> = BTreeMap::new();
    let mut first_notify: Option<(Sysno, String)> = None;
    for s in names {
        let v = verdict(s, rules, default);
        if let (None, Some(why)) = (&first_notify, v.why_notify) {
            first_notify = Some((s, why));
        }
        entries
            .entry((v.action.order(), v.comment))
            .or_insert_with(|| (v.action, Vec::new()))
            .1
            .push(s.name());
    }
    let listener_path = match (first_notify, socket) {
        (None, _) => None,
        (Some(_), Some(socket)) => Some(socket.display().to_string()),
        (Some((sysno, why)), None) => {
            return Err(Error::Usage(format!(
                "{} needs an agent to decide it ({why}): give --socket PATH, where \
                 the agent listens",
                sysno.name()
            )));
        }
    };
    let syscalls = entries
        .into_iter()
        .map(|((_, comment), (action, names))| Entry {
            names,
            action: action.name(),
            errno_ret: match action {
                OciAction::Errno(e) => u32::try_from(e.raw()).ok(),
                _ => None,
            },
            comment,
        })
        .collect();
    Ok(Profile {
        default_action: "SCMP_ACT_ALLOW",
        architectures: vec!["SCMP_ARCH_X86_64"],
        listener_path,
        syscalls,
    })
}

/// For each rule that names syscalls outside the trap set, a note: under
/// unotify-tui such a rule never decides those calls, and neither does
/// the profile (they are allowed, as all calls outside the trap set are).
pub fn untrapped_notes(trapped: &[Sysno], rules: &[Rule]) -> Vec<String> {
    let mut notes = Vec::new();
    for r in rules.iter().filter(|r| !r.origin().is_builtin()) {
        let Some(sc) = &r.conditions().syscalls else {
            continue;
        };
        let out: Vec<&str> = sc
            .set
            .iter()
            .filter(|s| !trapped.contains(s))
            .map(|s| s.name())
            .collect();
        if out.is_empty() {
            continue;
        }
        let list = match out.len() {
            1..=3 => out.join(", "),
            n => format!("{} and {} more", out[..3].join(", "), n - 3),
        };
        let them = if out.len() == 1 { "it" } else { "them" };
        notes.push(format!(
            "note: {} names {list}, which --trap leaves out: the profile allows {them}, \
             as unotify-tui would",
            r.origin()
        ));
    }
    notes
}

/// `unotify-tui rules export`: loads the rule files as `--rules` does
/// (then the built-in rules, unless --no-default-rules) and prints the
/// profile.
/// Notes about rules that cannot take effect go to `notes` (stderr).
pub fn export(args: &ExportArgs, out: &mut dyn Write, notes: &mut dyn Write) -> Result<i32, Error> {
    if args.format != "oci" {
        return Err(Error::Usage(format!(
            "--format: unknown format `{}` (the one there is: oci)",
            crate::escape::escape_str(&args.format)
        )));
    }
    if args.files.is_empty() {
        return Err(Error::Usage(
            "no rule file given (usage: unotify-tui rules export --format oci [OPTIONS] FILE...)"
                .into(),
        ));
    }
    let trapped =
        groups::parse_trap_list(&args.trap).map_err(|e| Error::Usage(format!("--trap: {e}")))?;
    let crate::session::Policy {
        default_action: default,
        rules,
        ..
    } = crate::session::policy(
        &args.errno,
        &args.default_action,
        &args.files,
        Vec::new(),
        !args.no_default_rules,
    )?;
    let profile = profile(&trapped, &rules, default, args.socket.as_deref())?;
    for note in untrapped_notes(&trapped, &rules) {
        // A note that cannot be written changes nothing in the profile.
        let _ = writeln!(notes, "unotify-tui: {note}");
    }
    let mut text = serde_json::to_string_pretty(&profile).expect("a profile serializes");
    text.push('\n');
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| Error::Print {
            what: "profile",
            source,
        })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::policy::rules::parse_rules;

    fn rules(text: &str) -> Vec<Rule> {
        parse_rules(text, "t.toml", Errno::EPERM).unwrap()
    }

    fn json_profile(t: &[Sysno], r: &[Rule], d: Answer, socket: Option<&Path>) -> Value {
        serde_json::to_value(profile(t, r, d, socket).unwrap()).unwrap()
    }

    fn act(s: Sysno, text: &str, default: Answer) -> OciAction {
        verdict(s, &rules(text), default).action
    }

    #[test]
    fn first_unconditional_rule_wins() {
        let t = "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\nerrno = \"EACCES\"\n\
                 [[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"\n";
        assert_eq!(
            act(Sysno::mkdir, t, Answer::Allow),
            OciAction::Errno(Errno::EACCES)
        );
        let v = verdict(Sysno::mkdir, &rules(t), Answer::Allow);
        assert_eq!(v.comment, "t.toml:1 deny mkdir (EACCES)");
        // Other syscalls: the default, said so.
        let v = verdict(Sysno::rmdir, &rules(t), Answer::Deny(Errno::EPERM));
        assert_eq!(v.action, OciAction::Errno(Errno::EPERM));
        assert_eq!(v.comment, "no rule: --default-action deny:EPERM");
    }

    #[test]
    fn conditional_rules_before_it_need_the_agent() {
        let t = "[[rule]]\nsyscall = \"openat\"\npath = \"/tmp/**\"\naction = \"deny\"\n\
                 [[rule]]\nsyscall = \"openat\"\naction = \"allow\"\n";
        let v = verdict(Sysno::openat, &rules(t), Answer::Allow);
        assert_eq!(v.action, OciAction::Notify);
        assert_eq!(v.comment, "t.toml:1 deny EPERM; t.toml:5 allow");
        // Rules in a row from one file with one action: one part.
        let t = "[[rule]]\nsyscall = \"openat\"\npath = \"/a\"\naction = \"allow\"\n\
                 [[rule]]\nsyscall = \"openat\"\npath = \"/b\"\naction = \"allow\"\n";
        let v = verdict(Sysno::openat, &rules(t), Answer::Deny(Errno::EACCES));
        assert_eq!(v.comment, "t.toml:1,5 allow; --default-action deny:EACCES");
        assert_eq!(v.why_notify.as_deref(), Some("t.toml:1 looks at paths"));
        // After it: never reached.
        let t = "[[rule]]\nsyscall = \"openat\"\naction = \"allow\"\n\
                 [[rule]]\nsyscall = \"openat\"\npath = \"/tmp/**\"\naction = \"deny\"\n";
        assert_eq!(act(Sysno::openat, t, Answer::Allow), OciAction::Allow);
    }

    #[test]
    fn conditions_that_change_nothing_need_no_agent() {
        // An allow on some paths, allow otherwise: allowed whatever the path.
        let t = "[[rule]]\nsyscall = \"openat\"\npath = \"/tmp/**\"\naction = \"allow\"\n";
        assert_eq!(act(Sysno::openat, t, Answer::Allow), OciAction::Allow);
        assert_eq!(
            act(Sysno::openat, t, Answer::Deny(Errno::EPERM)),
            OciAction::Notify
        );
        // Different errnos are different answers.
        let t = "[[rule]]\nsyscall = \"openat\"\npath = \"/tmp/**\"\naction = \"deny\"\n\
                 errno = \"EACCES\"\n";
        assert_eq!(
            act(Sysno::openat, t, Answer::Deny(Errno::EPERM)),
            OciAction::Notify
        );
    }

    #[test]
    fn answers_only_the_supervisor_gives_need_the_agent() {
        for action in [
            "action = \"emulate\"",
            "action = \"ask\"",
            "action = \"return\"\nvalue = 0",
        ] {
            let t = format!("[[rule]]\nsyscall = \"mkdir\"\n{action}\n");
            let v = verdict(Sysno::mkdir, &rules(&t), Answer::Allow);
            assert_eq!(v.action, OciAction::Notify, "{action}");
            assert!(v.why_notify.unwrap().starts_with("t.toml:1 is `"));
        }
        let v = verdict(Sysno::mkdir, &[], Answer::Return(0));
        assert_eq!(v.action, OciAction::Notify);
        assert_eq!(v.comment, "no rule: --default-action return:0");
    }

    #[test]
    fn rules_for_any_call_count_for_every_syscall() {
        let t = "[[rule]]\ncomm = \"sh\"\naction = \"deny\"\n";
        for s in [Sysno::mkdir, Sysno::connect] {
            assert_eq!(act(s, t, Answer::Allow), OciAction::Notify);
        }
        let t = "[[rule]]\naction = \"deny\"\n";
        assert_eq!(
            act(Sysno::connect, t, Answer::Allow),
            OciAction::Errno(Errno::EPERM)
        );
    }

    #[test]
    fn the_agent_needs_a_socket() {
        let r = rules("[[rule]]\nsyscall = \"mkdir\"\naction = \"emulate\"\n");
        let e = profile(&[Sysno::mkdir], &r, Answer::Allow, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "mkdir needs an agent to decide it (t.toml:1 is `emulate`): give --socket PATH, \
             where the agent listens"
        );
        let p = json_profile(
            &[Sysno::mkdir],
            &r,
            Answer::Allow,
            Some(Path::new("/run/a")),
        );
        assert_eq!(p["listenerPath"], "/run/a");
        // No NOTIFY entry: no listenerPath, even when given.
        let p = json_profile(
            &[Sysno::rmdir],
            &r,
            Answer::Allow,
            Some(Path::new("/run/a")),
        );
        assert!(p.get("listenerPath").is_none(), "{p}");
    }

    #[test]
    fn entries_share_a_rule() {
        let r = rules("[[rule]]\nsyscall = [\"mkdir\", \"mkdirat\"]\naction = \"deny\"\n");
        let p = json_profile(
            &[Sysno::mkdir, Sysno::mkdirat, Sysno::rmdir, Sysno::unlink],
            &r,
            Answer::Allow,
            None,
        );
        assert_eq!(p["defaultAction"], "SCMP_ACT_ALLOW");
        assert_eq!(p["architectures"], json!(["SCMP_ARCH_X86_64"]));
        assert_eq!(
            p["syscalls"],
            json!([
                {"names": ["rmdir", "unlink"], "action": "SCMP_ACT_ALLOW",
                 "comment": "no rule: --default-action allow"},
                {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                 "errnoRet": libc::EPERM, "comment": "t.toml:1 deny mkdir, mkdirat (EPERM)"},
            ])
        );
    }
}
