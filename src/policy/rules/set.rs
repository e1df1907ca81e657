//! The live rule list shared by the supervisor and the UI.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use super::index::Index;
use super::rule::{Rule, RuleAction, RuleId};
use crate::model::Call;

/// One rule as the rule list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: RuleId,
    /// 1-based position: the number `DecidedBy::Rule` would give it now.
    pub number: usize,
    pub description: String,
    /// `file:line`, or `this session`.
    pub origin: String,
    pub action: RuleAction,
    pub enabled: bool,
    pub hits: u64,
    pub last_hit: Option<SystemTime>,
    /// A session rule marked "save to the rule file" that is not written
    /// yet.
    pub unsaved: bool,
}

/// The live rule list: the first enabled match decides. Shared between the
/// supervisor (which decides every call with it) and the UI (which edits
/// it while the program runs).
///
/// The list and its [`Index`] live together in one immutable state behind
/// an `RwLock<Arc<…>>`. Deciding takes the read side only to clone that
/// `Arc`, then looks the call up in the index: its cost does not grow with
/// the number of rules. An edit (made by the UI thread, never by the
/// receiver) copies the list, changes it, builds a new index, and only
/// then takes the write side to swap the new state in whole; a call being
/// decided meanwhile finishes on the old one. Enabling and disabling a
/// rule is an atomic flag on the rule itself, read at decision time, so it
/// needs no new index.
#[derive(Debug)]
pub struct RuleSet {
    state: RwLock<Arc<State>>,
    /// Counts the swaps of `state`, so a [`RuleView`] sees with one load
    /// whether it is still current.
    generation: AtomicU64,
    /// Serialises edits, so none is lost between copying and swapping.
    edit: Mutex<()>,
    next_id: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    rules: Vec<Arc<Rule>>,
    index: Index,
}

impl State {
    fn new(rules: Vec<Arc<Rule>>) -> Arc<State> {
        let index = Index::new(&rules);
        Arc::new(State { rules, index })
    }
}

/// One thread's copy of a [`RuleSet`]'s state, kept current with
/// [`RuleSet::refresh`]: deciding with it takes no lock.
#[derive(Debug)]
pub struct RuleView {
    generation: u64,
    state: Arc<State>,
}

impl RuleView {
    /// As [`RuleSet::needs`].
    pub fn needs(&self, sysno: Option<syscalls::Sysno>) -> Needs {
        self.state.index.needs(&self.state.rules, sysno)
    }

    /// As [`RuleSet::decide`]: the first enabled matching rule, its hit
    /// counted at the call's receive time.
    pub fn decide(&self, call: &Call) -> Option<(usize, &Arc<Rule>)> {
        self.decide_at(call, crate::time::micros_since_epoch(call.received_wall))
    }

    /// The first enabled rule that could apply to a call of `sysno` when
    /// it decides every such call whatever the call holds (`Some(None)`:
    /// no rule could apply to one); `None` when deciding needs the call.
    /// Its hit is not counted.
    pub fn by_syscall_alone(
        &self,
        sysno: Option<syscalls::Sysno>,
    ) -> Option<Option<(usize, &Arc<Rule>)>> {
        let found = self
            .state
            .index
            .by_syscall_alone(&self.state.rules, sysno)?;
        Some(found.map(|i| (i + 1, &self.state.rules[i])))
    }

    /// [`decide`](Self::decide) with the call's receive time in
    /// microseconds since the Unix epoch, as the receiver has it at hand.
    pub fn decide_at(&self, call: &Call, at_us: u64) -> Option<(usize, &Arc<Rule>)> {
        let i = self.state.index.first_match(&self.state.rules, call)?;
        let rule = &self.state.rules[i];
        rule.hit_at_us(at_us);
        Some((i + 1, rule))
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::new(Vec::new())
    }
}

/// What an enabled rule that could decide a call looks at besides the
/// call's arguments ([`RuleSet::needs`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// A path condition: deciding depends on the call's real paths (and
    /// only then does the receiver pay for finding them up front).
    pub real_paths: bool,
    /// A `comm` or `exe` condition: the caller's name and program must be
    /// read fresh, not taken from a cache that an exec or a rename it did
    /// not see has made stale.
    pub fresh_identity: bool,
}

impl RuleSet {
    /// A rule set holding `rules` in this order.
    pub fn new(rules: Vec<Rule>) -> Self {
        let set = RuleSet {
            state: RwLock::new(Arc::default()),
            generation: AtomicU64::new(0),
            edit: Mutex::new(()),
            next_id: AtomicU64::new(1),
        };
        let list = rules.into_iter().map(|r| set.adopt(r)).collect();
        *set.state.write().unwrap_or_else(|e| e.into_inner()) = State::new(list);
        set
    }

    /// The state at this moment.
    fn current(&self) -> Arc<State> {
        // A panic elsewhere while holding the lock cannot leave a half-made
        // state (the swap is one assignment), so keep using it.
        Arc::clone(&self.state.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Applies `change` to a copy of the list and swaps in the result with
    /// its new index; returns what `change` returned.
    fn edit<T>(&self, change: impl FnOnce(&mut Vec<Arc<Rule>>) -> T) -> T {
        let _one_at_a_time = self.edit.lock().unwrap_or_else(|e| e.into_inner());
        let mut list = self.current().rules.clone();
        let out = change(&mut list);
        let next = State::new(list);
        *self.state.write().unwrap_or_else(|e| e.into_inner()) = next;
        // After the swap: a view that sees the new count takes the new
        // state (or a later one).
        self.generation.fetch_add(1, Ordering::SeqCst);
        out
    }

    fn adopt(&self, mut rule: Rule) -> Arc<Rule> {
        rule.id = self.next_id.fetch_add(1, Ordering::Relaxed).max(1);
        Arc::new(rule)
    }

    /// The rules in order, at this moment.
    pub fn list(&self) -> Vec<Arc<Rule>> {
        self.current().rules.clone()
    }

    pub fn len(&self) -> usize {
        self.current().rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.current().rules.is_empty()
    }

    /// First enabled matching rule: its 1-based number and the rule,
    /// without counting a hit.
    pub fn find(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let state = self.current();
        let i = state.index.first_match(&state.rules, call)?;
        Some((i + 1, Arc::clone(&state.rules[i])))
    }

    /// [`find`](Self::find) by trying every rule in order: what the index
    /// must agree with.
    #[cfg(test)]
    fn find_linear(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let state = self.current();
        let (i, rule) = state
            .rules
            .iter()
            .enumerate()
            .find(|(_, r)| r.enabled() && r.matches(call))?;
        Some((i + 1, Arc::clone(rule)))
    }

    /// What deciding a call of `sysno` depends on besides its arguments,
    /// found in one look at the rules (the receiver asks for every call).
    pub fn needs(&self, sysno: Option<syscalls::Sysno>) -> Needs {
        self.view().needs(sysno)
    }

    /// [`find`](Self::find), and counts the hit at the call's receive time.
    pub fn decide(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let view = self.view();
        view.decide(call).map(|(n, r)| (n, Arc::clone(r)))
    }

    /// The rules as they are now, for one thread to decide many calls with
    /// ([`refresh`](Self::refresh) before each).
    pub fn view(&self) -> RuleView {
        let generation = self.generation.load(Ordering::SeqCst);
        RuleView {
            generation,
            state: self.current(),
        }
    }

    /// Brings `view` up to date with the last edit. Without an edit since,
    /// this is one atomic load: the receiver asks for every call, and the
    /// lock and reference count `current` takes would cost it each time.
    pub fn refresh(&self, view: &mut RuleView) {
        let now = self.generation.load(Ordering::SeqCst);
        if now != view.generation {
            *view = self.view();
        }
    }

    /// Puts `rule` at `index` (0 = first; past the end = last) and returns
    /// its id. Session rules made in the TUI go first, so they override the
    /// rule files.
    pub fn insert(&self, index: usize, rule: Rule) -> RuleId {
        let rule = self.adopt(rule);
        let id = rule.id();
        self.edit(|list| {
            let at = index.min(list.len());
            list.insert(at, rule);
        });
        id
    }

    /// Appends `rule` and returns its id.
    pub fn push(&self, rule: Rule) -> RuleId {
        self.insert(usize::MAX, rule)
    }

    fn index_of(list: &[Arc<Rule>], id: RuleId) -> Option<usize> {
        list.iter().position(|r| r.id() == id)
    }

    /// The rule with this id.
    pub fn get(&self, id: RuleId) -> Option<Arc<Rule>> {
        let state = self.current();
        Self::index_of(&state.rules, id).map(|i| Arc::clone(&state.rules[i]))
    }

    /// The rule's 1-based number now.
    pub fn number(&self, id: RuleId) -> Option<usize> {
        Self::index_of(&self.current().rules, id).map(|i| i + 1)
    }

    /// Removes the rule; `None` when there is no such rule.
    pub fn remove(&self, id: RuleId) -> Option<Arc<Rule>> {
        // No new index for a rule that is not there.
        self.get(id)?;
        self.edit(|list| Self::index_of(list, id).map(|i| list.remove(i)))
    }

    /// Enables or disables the rule; false when there is no such rule.
    pub fn set_enabled(&self, id: RuleId, on: bool) -> bool {
        self.get(id).map(|r| r.set_enabled(on)).is_some()
    }

    /// Moves the rule one place towards the front (earlier = tried
    /// first). False when there is no such rule or it is first already.
    pub fn move_up(&self, id: RuleId) -> bool {
        match self.number(id) {
            Some(n) if n > 1 => {}
            _ => return false,
        }
        self.edit(|list| match Self::index_of(list, id) {
            Some(i) if i > 0 => {
                list.swap(i - 1, i);
                true
            }
            _ => false,
        })
    }

    /// Moves the rule one place towards the end. False when there is no
    /// such rule or it is last already.
    pub fn move_down(&self, id: RuleId) -> bool {
        let state = self.current();
        match Self::index_of(&state.rules, id) {
            Some(i) if i + 1 < state.rules.len() => {}
            _ => return false,
        }
        self.edit(|list| match Self::index_of(list, id) {
            Some(i) if i + 1 < list.len() => {
                list.swap(i, i + 1);
                true
            }
            _ => false,
        })
    }

    /// Every rule as the rule list shows it.
    pub fn snapshot(&self) -> Vec<RuleInfo> {
        self.list()
            .iter()
            .enumerate()
            .map(|(i, r)| RuleInfo {
                id: r.id(),
                number: i + 1,
                description: r.describe(),
                origin: r.origin().to_string(),
                action: r.action,
                enabled: r.enabled(),
                hits: r.hit_count(),
                last_hit: r.last_hit(),
                unsaved: r.wants_saving(),
            })
            .collect()
    }

    /// Session rules marked for saving and not yet written, in rule order.
    pub fn unsaved(&self) -> Vec<Arc<Rule>> {
        self.current()
            .rules
            .iter()
            .filter(|r| r.wants_saving())
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use syscalls::Sysno;

    use super::*;
    use crate::errno::Errno;
    use crate::model::Answer;
    use crate::model::testing::with_paths;
    use crate::policy::rules::Origin;
    use crate::policy::rules::fixtures::*;

    #[test]
    fn a_view_follows_every_edit_and_counts_hits_on_the_live_rule() {
        let set = RuleSet::new(parse(
            r#"
[[rule]]
syscall = "mkdir"
action = "allow"
"#,
        ));
        let call = with_paths(Sysno::mkdir, &["/tmp/x"]);
        let mut view = set.view();
        let (n, r) = view.decide(&call).unwrap();
        assert_eq!((n, r.action), (1, RuleAction::Answer(Answer::Allow)));
        assert_eq!(set.list()[0].hit_count(), 1);

        // A rule put first: a view not refreshed still decides as before,
        // a refreshed one sees it.
        set.insert(
            0,
            parse("[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\n").remove(0),
        );
        assert_eq!(view.decide(&call).unwrap().0, 1);
        set.refresh(&mut view);
        let (n, r) = view.decide(&call).unwrap();
        assert_eq!(
            (n, r.action),
            (1, RuleAction::Answer(Answer::Deny(Errno::EPERM)))
        );
        assert_eq!(set.list()[0].hit_count(), 1);

        // Removed, moved, disabled: each seen after a refresh.
        let first = set.list()[0].id();
        set.move_down(first);
        set.refresh(&mut view);
        assert_eq!(
            view.decide(&call).unwrap().1.action,
            RuleAction::Answer(Answer::Allow)
        );
        set.set_enabled(first, false);
        set.remove(set.list()[0].id());
        set.refresh(&mut view);
        assert!(view.decide(&call).is_none());
        assert!(!view.needs(Some(Sysno::mkdir)).real_paths);
        set.push(
            parse("[[rule]]\nsyscall = \"mkdir\"\npath = \"/a\"\naction = \"deny\"\n").remove(0),
        );
        set.refresh(&mut view);
        assert!(view.needs(Some(Sysno::mkdir)).real_paths);
    }

    #[test]
    fn first_match_wins() {
        let set = RuleSet::new(parse(
            r#"
[[rule]]
syscall = "mkdir"
path = "/tmp/secret/**"
action = "deny"
errno = "EACCES"

[[rule]]
syscall = "mkdir"
action = "allow"
"#,
        ));
        let (n, r) = set
            .decide(&with_paths(Sysno::mkdir, &["/tmp/secret/x"]))
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(r.action, RuleAction::Answer(Answer::Deny(Errno::EACCES)));
        assert_eq!(r.origin().to_string(), "t.toml:2");
        let (n, r) = set.decide(&with_paths(Sysno::mkdir, &["/tmp/x"])).unwrap();
        assert_eq!(n, 2);
        assert_eq!(r.origin(), &Origin::file("t.toml", 8));
        assert!(set.decide(&with_paths(Sysno::rmdir, &["/tmp/x"])).is_none());
    }

    #[test]
    fn disabled_rules_and_hits() {
        let rules = parse(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\n\
             [[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"",
        );
        rules[0].set_enabled(false);
        let set = RuleSet::new(rules);
        let c = with_paths(Sysno::mkdir, &["/a"]);
        for _ in 0..3 {
            let (n, r) = set.decide(&c).unwrap();
            assert_eq!(n, 2, "numbering counts disabled rules");
            assert_eq!(r.action, RuleAction::Answer(Answer::Allow));
        }
        let list = set.list();
        assert_eq!(list[0].hit_count(), 0);
        assert_eq!(list[1].hit_count(), 3);
        assert_eq!(list[0].last_hit(), None);
        // Kept in microseconds: the call's receive time, truncated.
        let last = list[1].last_hit().unwrap();
        assert!(c.received_wall.duration_since(last).unwrap().as_micros() == 0);
        assert!(list[0].matches(&c), "matches ignores `enabled`");
        assert!(set.decide(&with_paths(Sysno::rmdir, &["/a"])).is_none());
        assert_eq!(list[1].as_ref().clone().hit_count(), 3);
        // `find` does not count.
        assert!(set.find(&c).is_some());
        assert_eq!(list[1].hit_count(), 3);
    }

    #[test]
    fn live_edits_keep_ids_counters_and_numbering() {
        let set = RuleSet::new(parse(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"deny\"\n\
             [[rule]]\nsyscall = \"rmdir\"\naction = \"allow\"",
        ));
        let mk = with_paths(Sysno::mkdir, &["/a"]);
        let ids: Vec<RuleId> = set.list().iter().map(|r| r.id()).collect();
        assert_ne!(ids[0], ids[1]);
        assert!(ids.iter().all(|i| i.0 != 0));
        set.decide(&mk).unwrap();
        // A session rule first overrides the file.
        let allow_mk = one("[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"");
        let new = set.insert(0, allow_mk);
        let (n, r) = set.decide(&mk).unwrap();
        assert_eq!((n, r.id()), (1, new));
        assert_eq!(set.number(ids[0]), Some(2));
        // Disabled: the file rule decides again, numbered by position.
        assert!(set.set_enabled(new, false));
        let (n, r) = set.decide(&mk).unwrap();
        assert_eq!((n, r.id()), (2, ids[0]));
        assert!(set.set_enabled(new, true));
        // Move it below the deny rule: the deny decides.
        assert!(set.move_down(new));
        assert!(!set.move_up(set.list()[0].id()), "first cannot move up");
        let (n, r) = set.decide(&mk).unwrap();
        assert_eq!((n, r.id()), (1, ids[0]));
        assert!(set.move_down(new));
        assert!(!set.move_down(new), "last cannot move down");
        assert!(set.move_up(new));
        let info = set.snapshot();
        assert_eq!(
            info.iter().map(|i| (i.number, i.id)).collect::<Vec<_>>(),
            [(1, ids[0]), (2, new), (3, ids[1])]
        );
        assert_eq!(info[0].hits, 3, "counters survive moves");
        assert_eq!(info[1].hits, 1);
        assert_eq!(info[0].description, "deny mkdir (EPERM)");
        assert_eq!(info[0].origin, "t.toml:1");
        assert!(info[0].last_hit.is_some() && info[2].last_hit.is_none());
        assert_eq!(set.remove(new).map(|r| r.id()), Some(new));
        assert!(set.remove(new).is_none());
        assert!(!set.set_enabled(new, true));
        assert_eq!(set.len(), 2);
        assert_eq!(set.push(one("[[rule]]\naction = \"ask\"")), RuleId(4));
        assert_eq!(set.number(RuleId(4)), Some(3));
    }

    #[test]
    fn deciding_while_the_list_changes() {
        let set = Arc::new(RuleSet::new(parse(
            "[[rule]]\nsyscall = \"mkdir\"\naction = \"allow\"",
        )));
        let s = Arc::clone(&set);
        let editor = std::thread::spawn(move || {
            for i in 0..2000 {
                let id = s.insert(
                    i % 3,
                    one("[[rule]]\nsyscall = \"rmdir\"\naction = \"deny\""),
                );
                s.move_down(id);
                s.remove(id);
            }
        });
        let mk = with_paths(Sysno::mkdir, &["/a"]);
        let mut decided = 0;
        while !editor.is_finished() || decided == 0 {
            let (n, r) = set.decide(&mk).expect("the mkdir rule is always there");
            assert!(matches!(r.action, RuleAction::Answer(Answer::Allow)));
            assert!((1..=3).contains(&n));
            decided += 1;
        }
        editor.join().unwrap();
        assert_eq!(set.list()[0].hit_count(), decided);
    }

    mod index_agrees_with_the_plain_scan {
        use proptest::prelude::*;
        use syscalls::Sysno;

        use super::super::RuleSet;
        use crate::model::testing::{inet, openat, with_paths, with_sockaddr};
        use crate::model::{Call, RealPaths};
        use crate::policy::rules::parse_rules;

        const GLOB_PARTS: &[&str] = &[
            "a", "b", "ab", "*", "?", "[ab]", "{a,b}", "**", "a*", "x\\*", "proc", "self",
        ];
        const PATH_PARTS: &[&str] = &["a", "b", "ab", "x*", "proc", "self", "7", ""];
        const SYSCALLS: &[&str] = &[
            "",
            "syscall = \"mkdir\"\n",
            "syscall = [\"mkdir\", \"rename\"]\n",
            "syscall = \"openat\"\n",
            "syscall = \"connect\"\n",
        ];

        fn glob() -> impl Strategy<Value = String> {
            prop_oneof![
                8 => (any::<bool>(), prop::collection::vec(prop::sample::select(GLOB_PARTS), 1..4))
                    .prop_map(|(abs, parts)| format!("{}{}", if abs { "/" } else { "" }, parts.join("/"))),
                1 => prop::sample::select(vec!["/proc/{self}/**", "/proc/self/a", "/proc/7/*", "**"])
                    .prop_map(String::from),
            ]
        }

        fn path() -> impl Strategy<Value = String> {
            (
                any::<bool>(),
                prop::collection::vec(prop::sample::select(PATH_PARTS), 1..4),
            )
                .prop_map(|(abs, parts)| {
                    format!("{}{}", if abs { "/" } else { "" }, parts.join("/"))
                })
        }

        /// One rule's text, and whether it starts disabled.
        fn rule() -> impl Strategy<Value = (String, bool)> {
            (
                0..SYSCALLS.len(),
                prop::option::of(prop::collection::vec(glob(), 1..3)),
                prop::option::of(prop::sample::select(vec!["read", "write"])),
                prop::option::of(prop::sample::select(vec!["prog", "p*", "x"])),
                prop::option::of(prop::sample::select(vec!["/bin/prog", "/bin/*"])),
                prop::option::of(prop::sample::select(vec![80u16, 81])),
                prop::sample::select(vec!["allow", "deny", "ask"]),
                prop::bool::weighted(0.15),
            )
                .prop_map(|(sc, paths, access, comm, exe, port, action, off)| {
                    let mut t = format!("[[rule]]\n{}", SYSCALLS[sc]);
                    if let Some(p) = paths {
                        let list: Vec<String> = p.iter().map(|g| format!("'{g}'")).collect();
                        t.push_str(&format!("path = [{}]\n", list.join(", ")));
                    }
                    if let (3, Some(a)) = (sc, access) {
                        t.push_str(&format!("access = \"{a}\"\n"));
                    }
                    if let Some(c) = comm {
                        t.push_str(&format!("comm = '{c}'\n"));
                    }
                    if let Some(e) = exe {
                        t.push_str(&format!("exe = '{e}'\n"));
                    }
                    if let Some(p) = port {
                        t.push_str(&format!("port = {p}\n"));
                    }
                    t.push_str(&format!("action = \"{action}\"\n"));
                    (t, off)
                })
        }

        fn call() -> impl Strategy<Value = Call> {
            (
                0..5usize,
                path(),
                path(),
                prop::sample::select(vec!["prog", "px", "x"]),
                prop::sample::select(vec!["/bin/prog", "/usr/bin/prog"]),
                any::<bool>(),
            )
                .prop_map(|(kind, a, b, comm, exe, in_proc)| {
                    let mut c = match kind {
                        0 => with_paths(Sysno::mkdir, &[&a]),
                        1 => with_paths(Sysno::rename, &[&a, &b]),
                        2 => openat(&a, libc::O_RDONLY),
                        3 => openat(&a, libc::O_WRONLY),
                        _ => with_sockaddr(Sysno::connect, inet("10.0.0.1", 80)),
                    };
                    std::sync::Arc::make_mut(&mut c.proc).comm = comm.as_bytes().into();
                    std::sync::Arc::make_mut(&mut c.proc).exe = exe.as_bytes().into();
                    if in_proc {
                        c.real = std::sync::OnceLock::from(RealPaths {
                            paths: Vec::new(),
                            proc_self: Some(7),
                        });
                    }
                    c
                })
        }

        fn build(rules: &[(String, bool)]) -> RuleSet {
            let mut list = Vec::new();
            for (text, off) in rules {
                // Globs the parser refuses are left out.
                if let Ok(mut r) = parse_rules(text, "p.toml", crate::errno::Errno::EPERM) {
                    let r = r.remove(0);
                    r.set_enabled(!off);
                    list.push(r);
                }
            }
            RuleSet::new(list)
        }

        fn agree(set: &RuleSet, calls: &[Call]) -> Result<(), TestCaseError> {
            let ids = |f: Option<(usize, std::sync::Arc<super::super::Rule>)>| {
                f.map(|(n, r)| (n, r.id()))
            };
            for c in calls {
                prop_assert_eq!(ids(set.find(c)), ids(set.find_linear(c)), "{:?}", c.args);
                // Real paths may be needed only if an enabled path rule
                // could apply, and must be if one comes before the first
                // enabled rule that decides every call of the syscall.
                let list = set.list();
                let path_rule = |r: &std::sync::Arc<super::super::Rule>| {
                    r.enabled() && r.has_path_condition_for(c.sysno)
                };
                let settles = |r: &std::sync::Arc<super::super::Rule>| {
                    r.enabled()
                        && r.decides_by_syscall_alone()
                        && r.conditions()
                            .syscalls
                            .as_ref()
                            .is_none_or(|s| s.contains(c.sysno))
                };
                let may = list.iter().any(path_rule);
                let settled_at = list.iter().position(settles).unwrap_or(list.len());
                let must = list[..settled_at].iter().any(path_rule);
                let needs = set.needs(c.sysno).real_paths;
                prop_assert!(!must || needs, "real paths not asked for");
                prop_assert!(!needs || may, "real paths asked for with no path rule");
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]
            #[test]
            fn same_first_match(
                rules in prop::collection::vec(rule(), 0..24),
                calls in prop::collection::vec(call(), 1..12),
                edits in prop::collection::vec((0..4u8, 0..30usize, rule()), 0..6),
            ) {
                let set = build(&rules);
                agree(&set, &calls)?;
                // Live edits: the index is rebuilt, the flags read live.
                for (what, at, (text, _)) in edits {
                    let list = set.list();
                    let id = list.get(at % list.len().max(1)).map(|r| r.id());
                    match (what, id) {
                        (0, _) => {
                            if let Ok(mut r) = parse_rules(&text, "s", crate::errno::Errno::EPERM) {
                                set.insert(at, r.remove(0));
                            }
                        }
                        (1, Some(id)) => { set.remove(id); }
                        (2, Some(id)) => { set.move_up(id); set.move_down(id); set.move_down(id); }
                        (_, Some(id)) => {
                            let on = set.get(id).is_some_and(|r| r.enabled());
                            set.set_enabled(id, !on);
                        }
                        _ => {}
                    }
                    agree(&set, &calls)?;
                }
            }
        }
    }
}
