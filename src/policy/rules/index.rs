//! Which rules could decide a call, found without trying every rule.
//!
//! Rules are grouped by the syscalls they name (rules that name none form
//! a group that applies to every call), and in each group the globs of one
//! field are keyed by the literal text any match must start with. A call
//! looks up its syscall's groups and, per field, the keys its own strings
//! start with: the rules found there are the only ones that can match.
//! Each candidate list is in rule order, and the first candidate whose full
//! conditions hold (and that is enabled) wins; the smallest such position
//! over all lists is the first match of the plain scan, since a rule that
//! matches is always among the candidates.
//!
//! Keys, for a glob's text:
//! - no wildcard at all: the exact text (the glob matches only that);
//! - else the literal text before the first wildcard, cut after its last
//!   `/`: every match starts with that directory prefix. A string is
//!   looked up by each of its prefixes that ends in `/`, and by "".
//!
//! So a call costs a hash lookup per `/` in each of its strings, however
//! many rules there are, unless many rules share the call's directory.
//! Building is linear in the rules; the index is rebuilt whole on an edit
//! (see [`super::RuleSet`]) and never changed in place.

use std::collections::HashMap;
use std::sync::Arc;

use syscalls::Sysno;

use super::rule::Rule;
use crate::decode::realpath::{as_proc_self, policy_paths};
use crate::model::Call;
use crate::policy::matcher::Glob;

/// Rule positions (0-based), ascending.
type Positions = Vec<u32>;

/// The bytes after which a glob's text stops being literal: wildcards,
/// classes, alternations and escapes.
const SPECIAL: &[u8] = b"*?[]{}\\";

/// The globs of one field, keyed by what any match must start with.
#[derive(Debug, Default)]
struct GlobIndex {
    /// Globs without wildcards, by the text they match exactly.
    exact: HashMap<Box<[u8]>, Positions>,
    /// Other globs, by their literal directory prefix ("" when none).
    dirs: HashMap<Box<[u8]>, Positions>,
}

/// Where a glob goes in a [`GlobIndex`]: `(exact, key)`.
fn glob_key(text: &str) -> (bool, &[u8]) {
    let text = text.as_bytes();
    match text.iter().position(|b| SPECIAL.contains(b)) {
        None => (true, text),
        Some(i) => {
            let cut = text[..i]
                .iter()
                .rposition(|&b| b == b'/')
                .map_or(0, |j| j + 1);
            (false, &text[..cut])
        }
    }
}

impl GlobIndex {
    fn add(&mut self, glob: &Glob, pos: u32) {
        let (exact, key) = glob_key(glob.as_str());
        let map = if exact {
            &mut self.exact
        } else {
            &mut self.dirs
        };
        let list = match map.get_mut(key) {
            Some(l) => l,
            None => map.entry(key.into()).or_default(),
        };
        // A rule with two globs under one key is listed once.
        if list.last() != Some(&pos) {
            list.push(pos);
        }
    }

    fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.dirs.is_empty()
    }

    /// Calls `each` with every list of rules whose globs could match `s`:
    /// the exact text first, then the directory prefixes from the longest.
    /// Any order finds the same first match; this one tends to find it
    /// first, since rules on a narrow directory usually come before broad
    /// ones (`/**/*.so` last): rules after it are then not tried, and
    /// their globs never compiled.
    fn candidates<'a>(&'a self, s: &[u8], mut each: impl FnMut(&'a [u32])) {
        if let Some(l) = self.exact.get(s) {
            each(l);
        }
        if self.dirs.is_empty() {
            return;
        }
        for (i, &b) in s.iter().enumerate().rev() {
            if b == b'/'
                && let Some(l) = self.dirs.get(&s[..=i])
            {
                each(l);
            }
        }
        if let Some(l) = self.dirs.get(&b""[..]) {
            each(l);
        }
    }
}

/// The rules that name the same syscalls (or none), by the field they are
/// indexed under: the path if they have one, else comm, else exe, else
/// nothing (tried in turn).
#[derive(Debug, Default)]
struct Group {
    /// The position of the group's first rule.
    first: u32,
    paths: GlobIndex,
    /// Every rule of the group with a path condition.
    path_rules: Positions,
    /// Every rule of the group with a `comm` or `exe` condition.
    identity_rules: Positions,
    comm: GlobIndex,
    exe: GlobIndex,
    rest: Positions,
}

/// The index over one rule list, in its order.
#[derive(Debug, Default)]
pub(super) struct Index {
    groups: Vec<Group>,
    /// The group of the rules without a `syscall` condition.
    any: Option<usize>,
    /// By syscall number: the groups whose rules name that syscall.
    by_sysno: Vec<Vec<usize>>,
    /// By syscall number: the rule that decides every call of that
    /// syscall while it is enabled, if there is one: the first rule that
    /// could apply, when it has no condition but the syscall (an "allow
    /// getppid"). Such a call needs no matching at all.
    settled: Vec<Option<u32>>,
    /// The same for syscalls no rule names: the first rule without a
    /// `syscall` condition, if it has no condition at all.
    settled_any: Option<u32>,
}

impl Index {
    pub(super) fn new(rules: &[Arc<Rule>]) -> Index {
        let mut index = Index::default();
        let mut by_set: HashMap<Option<&[Sysno]>, usize> = HashMap::new();
        for (pos, rule) in rules.iter().enumerate() {
            let pos = u32::try_from(pos).expect("fewer than 2^32 rules");
            let c = rule.conditions();
            let set = c.syscalls.as_ref().map(|s| s.set.as_slice());
            let g = match by_set.get(&set) {
                Some(&g) => g,
                None => {
                    let g = index.groups.len();
                    index.groups.push(Group {
                        first: pos,
                        ..Group::default()
                    });
                    by_set.insert(set, g);
                    match set {
                        None => index.any = Some(g),
                        Some(set) => {
                            for s in set {
                                let n = s.id() as usize;
                                if index.by_sysno.len() <= n {
                                    index.by_sysno.resize_with(n + 1, Vec::new);
                                }
                                index.by_sysno[n].push(g);
                            }
                        }
                    }
                    g
                }
            };
            let group = &mut index.groups[g];
            if c.comm.is_some() || c.exe.is_some() {
                group.identity_rules.push(pos);
            }
            if let Some(paths) = &c.paths {
                for glob in &paths.0 {
                    group.paths.add(glob, pos);
                }
                group.path_rules.push(pos);
            } else if let Some(comm) = &c.comm {
                group.comm.add(comm, pos);
            } else if let Some(exe) = &c.exe {
                group.exe.add(exe, pos);
            } else {
                group.rest.push(pos);
            }
        }
        index.settle(rules);
        index
    }

    /// Finds, for each syscall, the rule that decides all of its calls
    /// ([`Index::settled`]).
    fn settle(&mut self, rules: &[Arc<Rule>]) {
        let alone = |p: u32| rules[p as usize].decides_by_syscall_alone();
        let first_any = self.any.map(|g| self.groups[g].first);
        self.settled_any = first_any.filter(|&p| alone(p));
        self.settled = self
            .by_sysno
            .iter()
            .map(|groups| {
                let first = groups.iter().map(|&g| self.groups[g].first);
                first.chain(first_any).min().filter(|&p| alone(p))
            })
            .collect();
    }

    /// The position of the enabled rule that decides every call of
    /// `sysno`, if there is one.
    fn settled(&self, rules: &[Arc<Rule>], sysno: Option<Sysno>) -> Option<usize> {
        let p = match sysno {
            Some(s) => self
                .settled
                .get(s.id() as usize)
                .copied()
                .unwrap_or(self.settled_any),
            None => self.settled_any,
        }? as usize;
        rules[p].enabled().then_some(p)
    }

    /// Whether no rule could apply to a call of `sysno`: none names it,
    /// and every rule names its syscalls (a `mkdirat` under rules that
    /// are all about opens).
    fn unruled(&self, sysno: Option<Sysno>) -> bool {
        self.any.is_none()
            && sysno
                .and_then(|s| self.by_sysno.get(s.id() as usize))
                .is_none_or(Vec::is_empty)
    }

    /// The groups whose rules could apply to a call of `sysno`.
    fn groups(&self, sysno: Option<Sysno>) -> impl Iterator<Item = &Group> + Clone {
        let named = sysno
            .and_then(|s| self.by_sysno.get(s.id() as usize))
            .map_or(&[][..], Vec::as_slice);
        self.any.iter().chain(named).map(move |&g| &self.groups[g])
    }

    /// What the enabled rules that could apply to a call of `sysno` look
    /// at besides its arguments ([`super::RuleSet::needs`]).
    pub(super) fn needs(&self, rules: &[Arc<Rule>], sysno: Option<Sysno>) -> super::Needs {
        // Decided by the syscall alone, or by no rule: nothing else is
        // looked at.
        if self.settled(rules, sysno).is_some() || self.unruled(sysno) {
            return super::Needs::default();
        }
        let any_enabled = |list: &[u32]| list.iter().any(|&p| rules[p as usize].enabled());
        let mut needs = super::Needs::default();
        for g in self.groups(sysno) {
            needs.real_paths |= any_enabled(&g.path_rules);
            needs.fresh_identity |= any_enabled(&g.identity_rules);
        }
        needs
    }

    /// The position of the rule that decides every call of `sysno`
    /// (`Some(None)`: no rule could apply to one); `None` when which rule
    /// decides depends on the call.
    pub(super) fn by_syscall_alone(
        &self,
        rules: &[Arc<Rule>],
        sysno: Option<Sysno>,
    ) -> Option<Option<usize>> {
        match self.settled(rules, sysno) {
            Some(p) => Some(Some(p)),
            None => self.unruled(sysno).then_some(None),
        }
    }

    /// The position of the first enabled rule that matches `call`: what
    /// trying every rule in order would find.
    pub(super) fn first_match(&self, rules: &[Arc<Rule>], call: &Call) -> Option<usize> {
        if let Some(p) = self.settled(rules, call.sysno) {
            return Some(p);
        }
        if self.unruled(call.sysno) {
            return None;
        }
        let mut best = usize::MAX;
        let groups = self.groups(call.sysno);
        for g in groups.clone() {
            try_in_order(rules, call, &g.rest, &mut best);
            if !g.comm.is_empty() {
                g.comm
                    .candidates(&call.proc.comm, |l| try_in_order(rules, call, l, &mut best));
            }
            if !g.exe.is_empty() {
                g.exe
                    .candidates(&call.proc.exe, |l| try_in_order(rules, call, l, &mut best));
            }
        }
        // The call's paths are found only when a rule that could still win
        // would look at them, as the plain scan does: finding them may
        // walk the real path.
        let mut strings: Option<Vec<Vec<u8>>> = None;
        for g in groups {
            let wanted = g
                .path_rules
                .iter()
                .take_while(|&&p| (p as usize) < best)
                .any(|&p| rules[p as usize].could_look_at_paths(call));
            if !wanted {
                continue;
            }
            let strings = strings.get_or_insert_with(|| path_strings(call));
            for s in strings.iter() {
                g.paths
                    .candidates(s, |l| try_in_order(rules, call, l, &mut best));
            }
        }
        (best != usize::MAX).then_some(best)
    }
}

/// The strings a path glob is tried on: each path a rule matches, and the
/// program's own `/proc/N/…` also as `/proc/self/…`.
fn path_strings(call: &Call) -> Vec<Vec<u8>> {
    let paths = policy_paths(call);
    let proc_self = call.real.get().and_then(|r| r.proc_self);
    let mut out = Vec::with_capacity(paths.len());
    for p in paths {
        if let Some(s) = as_proc_self(p, proc_self) {
            out.push(s);
        }
        out.push(p.to_vec());
    }
    out
}

/// Lowers `best` to the first position in `list` (ascending) below it
/// whose rule is enabled and matches.
fn try_in_order(rules: &[Arc<Rule>], call: &Call, list: &[u32], best: &mut usize) {
    for &p in list {
        let p = p as usize;
        if p >= *best {
            return;
        }
        let r = &rules[p];
        if r.enabled() && r.matches(call) {
            *best = p;
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testing::FakeCall;
    use crate::policy::rules::Needs;

    #[test]
    fn keys() {
        assert_eq!(glob_key("/etc/passwd"), (true, &b"/etc/passwd"[..]));
        assert_eq!(glob_key("/tmp/**"), (false, &b"/tmp/"[..]));
        assert_eq!(glob_key("/tmp/x*"), (false, &b"/tmp/"[..]));
        assert_eq!(glob_key("/a/b[cd]/e"), (false, &b"/a/"[..]));
        assert_eq!(glob_key("/a/{b,c}"), (false, &b"/a/"[..]));
        assert_eq!(glob_key("/a/x\\*y"), (false, &b"/a/"[..]));
        assert_eq!(glob_key("**/*.so"), (false, &b""[..]));
        assert_eq!(glob_key("python3*"), (false, &b""[..]));
        assert_eq!(glob_key("python3"), (true, &b"python3"[..]));
    }

    #[test]
    fn a_first_rule_with_only_a_syscall_settles_that_syscall() {
        let rules = |text: &str| -> Vec<Arc<Rule>> {
            crate::policy::rules::parse_rules(text, "t.toml", crate::errno::Errno::EPERM)
                .unwrap()
                .into_iter()
                .map(Arc::new)
                .collect()
        };
        let list = rules(
            "[[rule]]\nsyscall = \"getppid\"\naction = \"allow\"\n\
             [[rule]]\nsyscall = \"mkdir\"\npath = \"/a/**\"\naction = \"deny\"\n\
             [[rule]]\nsyscall = [\"mkdir\", \"getppid\"]\naction = \"allow\"\n",
        );
        let ix = Index::new(&list);
        assert_eq!(ix.settled(&list, Some(Sysno::getppid)), Some(0));
        assert_eq!(
            ix.settled(&list, Some(Sysno::mkdir)),
            None,
            "a path rule first"
        );
        assert_eq!(ix.settled(&list, Some(Sysno::rmdir)), None, "no rule");
        assert!(ix.needs(&list, Some(Sysno::mkdir)).real_paths);
        list[0].set_enabled(false);
        assert_eq!(ix.settled(&list, Some(Sysno::getppid)), None, "disabled");
        assert_eq!(
            ix.first_match(&list, &FakeCall::new(Some(Sysno::getppid), [0; 6]).build()),
            Some(2)
        );
        // A rule without any condition settles every syscall that no
        // rule before it names.
        let list = rules(
            "[[rule]]\nsyscall = \"mkdir\"\ncomm = \"x\"\naction = \"deny\"\n\
             [[rule]]\naction = \"allow\"\n",
        );
        let ix = Index::new(&list);
        assert_eq!(ix.settled(&list, Some(Sysno::rmdir)), Some(1));
        assert_eq!(ix.settled(&list, None), Some(1));
        assert_eq!(ix.settled(&list, Some(Sysno::mkdir)), None);
        assert!(ix.needs(&list, Some(Sysno::mkdir)).fresh_identity);
        assert_eq!(ix.needs(&list, Some(Sysno::rmdir)), Needs::default());
    }
}
