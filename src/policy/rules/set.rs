//! The live rule list shared by the supervisor and the UI.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

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
/// Deciding takes the read side of an `RwLock` and clones one `Arc` for
/// the rule that matched: no allocation and no waiting unless the UI is in
/// the middle of an edit (which holds the write side for a `Vec` insert or
/// remove, not longer).
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: RwLock<Vec<Arc<Rule>>>,
    next_id: AtomicU64,
}

impl RuleSet {
    /// A rule set holding `rules` in this order.
    pub fn new(rules: Vec<Rule>) -> Self {
        let set = RuleSet {
            rules: RwLock::new(Vec::with_capacity(rules.len())),
            next_id: AtomicU64::new(1),
        };
        {
            let mut list = set.write();
            for r in rules {
                list.push(set.adopt(r));
            }
        }
        set
    }

    fn read(&self) -> RwLockReadGuard<'_, Vec<Arc<Rule>>> {
        // A panic elsewhere while holding the lock leaves the list itself
        // intact (every edit is one Vec operation), so keep using it.
        self.rules.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Vec<Arc<Rule>>> {
        self.rules.write().unwrap_or_else(|e| e.into_inner())
    }

    fn adopt(&self, mut rule: Rule) -> Arc<Rule> {
        rule.id = self.next_id.fetch_add(1, Ordering::Relaxed).max(1);
        Arc::new(rule)
    }

    /// The rules in order, at this moment.
    pub fn list(&self) -> Vec<Arc<Rule>> {
        self.read().clone()
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// First enabled matching rule: its 1-based number and the rule,
    /// without counting a hit.
    pub fn find(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let list = self.read();
        let (i, rule) = list
            .iter()
            .enumerate()
            .find(|(_, r)| r.enabled() && r.matches(call))?;
        Some((i + 1, Arc::clone(rule)))
    }

    /// Whether an enabled rule with a path condition could decide a call
    /// of `sysno`: only then does deciding depend on the call's real paths
    /// (and only then does the receiver pay for finding them up front).
    pub fn needs_real_paths(&self, sysno: Option<syscalls::Sysno>) -> bool {
        self.read()
            .iter()
            .any(|r| r.enabled() && r.has_path_condition_for(sysno))
    }

    /// [`find`](Self::find), and counts the hit at the call's receive time.
    pub fn decide(&self, call: &Call) -> Option<(usize, Arc<Rule>)> {
        let found = self.find(call)?;
        found.1.hit(call.received_wall);
        Some(found)
    }

    /// Puts `rule` at `index` (0 = first; past the end = last) and returns
    /// its id. Session rules made in the TUI go first, so they override the
    /// rule files.
    pub fn insert(&self, index: usize, rule: Rule) -> RuleId {
        let rule = self.adopt(rule);
        let id = rule.id();
        let mut list = self.write();
        let at = index.min(list.len());
        list.insert(at, rule);
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
        let list = self.read();
        Self::index_of(&list, id).map(|i| Arc::clone(&list[i]))
    }

    /// The rule's 1-based number now.
    pub fn number(&self, id: RuleId) -> Option<usize> {
        Self::index_of(&self.read(), id).map(|i| i + 1)
    }

    /// Removes the rule; `None` when there is no such rule.
    pub fn remove(&self, id: RuleId) -> Option<Arc<Rule>> {
        let mut list = self.write();
        let i = Self::index_of(&list, id)?;
        Some(list.remove(i))
    }

    /// Enables or disables the rule; false when there is no such rule.
    pub fn set_enabled(&self, id: RuleId, on: bool) -> bool {
        self.get(id).map(|r| r.set_enabled(on)).is_some()
    }

    /// Moves the rule one place towards the front (earlier = tried
    /// first). False when there is no such rule or it is first already.
    pub fn move_up(&self, id: RuleId) -> bool {
        let mut list = self.write();
        match Self::index_of(&list, id) {
            Some(i) if i > 0 => {
                list.swap(i - 1, i);
                true
            }
            _ => false,
        }
    }

    /// Moves the rule one place towards the end. False when there is no
    /// such rule or it is last already.
    pub fn move_down(&self, id: RuleId) -> bool {
        let mut list = self.write();
        match Self::index_of(&list, id) {
            Some(i) if i + 1 < list.len() => {
                list.swap(i, i + 1);
                true
            }
            _ => false,
        }
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
        self.read()
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
}
