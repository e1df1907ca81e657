//! The containers the agent has seen, each with its supervisor while its
//! listener is open: what the TUI lists, and where a person's decision
//! for a call goes (the supervisor of the container the call came from).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::escape::escape_bytes;
use crate::model::{Call, Container};
use crate::policy::rules::{Rule, RuleSet};
use crate::supervisor::{Decision, Supervisor};

/// One container as the TUI lists it.
#[derive(Clone, Debug)]
pub struct ContainerInfo {
    /// The connection it came on (1, 2, …): ids may repeat over time.
    pub number: u64,
    pub container: Arc<Container>,
    /// The container process's pid on the host, as its runtime said.
    pub pid: Option<i64>,
    /// Trapped calls answered so far.
    pub calls: u64,
    /// Its listener is still open (a process of it still runs).
    pub live: bool,
    /// SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is set on its listener.
    pub sync_wakeup: bool,
}

impl ContainerInfo {
    /// The id, escaped: the runtime's string is untrusted.
    pub fn shown_id(&self) -> String {
        escape_bytes(self.container.id.as_bytes())
    }
}

struct Entry {
    info: ContainerInfo,
    /// While the container is supervised.
    supervisor: Option<Supervisor>,
}

/// Every container seen, by connection number, and the rules and the
/// continue mode they share.
pub struct Containers {
    entries: Mutex<BTreeMap<u64, Entry>>,
    rules: Arc<RuleSet>,
    continue_mode: AtomicBool,
}

impl Containers {
    pub fn new(rules: Arc<RuleSet>) -> Containers {
        Containers {
            entries: Mutex::new(BTreeMap::new()),
            rules,
            continue_mode: AtomicBool::new(false),
        }
    }

    fn entries(&self) -> MutexGuard<'_, BTreeMap<u64, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The live rule list every container's supervisor decides by.
    pub fn rules(&self) -> &Arc<RuleSet> {
        &self.rules
    }

    /// Registers a newly supervised container.
    pub(super) fn add(&self, info: ContainerInfo, supervisor: Supervisor) {
        supervisor.set_continue(self.continue_mode.load(Ordering::Relaxed));
        self.entries().insert(
            info.number,
            Entry {
                info,
                supervisor: Some(supervisor),
            },
        );
    }

    /// One more call of container `number` answered.
    pub(super) fn count_call(&self, number: u64) {
        if let Some(e) = self.entries().get_mut(&number) {
            e.info.calls += 1;
        }
    }

    /// Runs `f` on the supervisor of container `number`, if it is live.
    pub(super) fn with_supervisor<T>(
        &self,
        number: u64,
        f: impl FnOnce(&Supervisor) -> T,
    ) -> Option<T> {
        self.entries()
            .get(&number)
            .and_then(|e| e.supervisor.as_ref())
            .map(f)
    }

    /// Container `number` is no longer supervised: its supervisor, to be
    /// stopped (outside the lock), is handed back.
    pub(super) fn end(&self, number: u64) -> Option<Supervisor> {
        let mut entries = self.entries();
        let e = entries.get_mut(&number)?;
        e.info.live = false;
        e.supervisor.take()
    }

    /// Stops supervising every container: the calls waiting for a person
    /// get ENOSYS, as every later trapped call will once the listeners
    /// are closed (which dropping the supervisors does).
    pub fn stop_all(&self) {
        let taken: Vec<Supervisor> = self
            .entries()
            .values_mut()
            .filter_map(|e| {
                e.info.live = false;
                e.supervisor.take()
            })
            .collect();
        let enosys = crate::errno::Errno::new(libc::ENOSYS).map(crate::model::Answer::Deny);
        for mut s in taken {
            if let Some(a) = enosys {
                s.stop_answering(a);
            }
            s.stop();
        }
    }

    /// Every container seen, in the order they came.
    pub fn list(&self) -> Vec<ContainerInfo> {
        self.entries().values().map(|e| e.info.clone()).collect()
    }

    /// The escaped ids of the containers still supervised.
    pub fn live_ids(&self) -> Vec<String> {
        self.entries()
            .values()
            .filter(|e| e.info.live)
            .map(|e| e.info.shown_id())
            .collect()
    }

    /// Hands a person's decision to the supervisor of the container the
    /// call came from; false when that one is gone or the call was
    /// answered already.
    pub fn decide(&self, d: Decision) -> bool {
        let entries = self.entries();
        let Some(sup) = entries
            .values()
            .filter(|e| same(&e.info.container, &d.call))
            .find_map(|e| e.supervisor.as_ref())
        else {
            return false;
        };
        sup.decide(d)
    }

    /// Continue mode in every container, and in those still to come.
    pub fn set_continue(&self, on: bool) {
        self.continue_mode.store(on, Ordering::Relaxed);
        for s in self
            .entries()
            .values()
            .filter_map(|e| e.supervisor.as_ref())
        {
            s.set_continue(on);
        }
    }

    /// Puts `rule` first and lets it answer the waiting calls it matches
    /// (in whichever container they wait); returns their notification ids.
    pub fn add_rule(&self, rule: Rule, waiting: &[Arc<Call>]) -> Vec<u64> {
        self.rules.insert(0, rule);
        self.reconsider(waiting)
    }

    /// Runs the rule list over the waiting calls again, each in its own
    /// container's supervisor.
    pub fn reconsider(&self, waiting: &[Arc<Call>]) -> Vec<u64> {
        let entries = self.entries();
        let mut answered = Vec::new();
        for e in entries.values() {
            let Some(sup) = &e.supervisor else {
                continue;
            };
            let mine: Vec<Arc<Call>> = waiting
                .iter()
                .filter(|c| same(&e.info.container, c))
                .cloned()
                .collect();
            if !mine.is_empty() {
                answered.extend(sup.reconsider(&mine));
            }
        }
        answered
    }

    /// Stops the timeout countdown of waiting call `id`.
    pub fn hold(&self, id: u64) -> bool {
        self.entries()
            .values()
            .filter_map(|e| e.supervisor.as_ref())
            .any(|s| s.hold(id))
    }
}

/// Whether `call` comes from `container` (the very one: ids can repeat).
fn same(container: &Arc<Container>, call: &Call) -> bool {
    call.container
        .as_ref()
        .is_some_and(|c| Arc::ptr_eq(c, container))
}
