//! Keeping the receiver on one CPU while one thread's calls pour in.
//!
//! With `SYNC_WAKE_UP` the program's thread and the receiver take turns
//! on one CPU. Left free, the receiver is moved to another CPU about
//! once every few hundred calls when the relay and the screen wake up
//! beside it, and every move costs the pair its warm caches and a few
//! wake-ups across CPUs: 6–10 % of a rule-decided call (README,
//! Performance). Pinned, the pair stays together.
//!
//! Only while the calls come from one thread and take the register lane:
//! every trapped thread is woken on the receiver's CPU, so a receiver
//! pinned while several threads call would gather a parallel program onto
//! one CPU. Never for long: the pin is lifted every [`PIN_FOR`], so the
//! scheduler can still move the pair off a CPU something else needs. And
//! lifted before any other call is handled, since a thread the receiver
//! starts for it would inherit the pin.

use std::time::Duration;

use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
use nix::unistd::Pid;

use crate::time::Mono;

/// Calls in a row from one thread before the receiver pins itself.
pub const PIN_AFTER: u32 = 256;

/// How long a pin lasts before it is lifted (and taken again after
/// another [`PIN_AFTER`] calls from one thread).
pub const PIN_FOR: Duration = Duration::from_millis(20);

/// The receiver's pin, if any, and the run of calls that earns one.
pub struct Pin {
    /// The receiver's affinity when it started, given back when the pin
    /// is lifted; `None` where there is only one CPU to run on (or the
    /// affinity could not be read): then it never pins.
    free: Option<CpuSet>,
    last_tid: u32,
    run: u32,
    pinned_at: Option<Mono>,
}

impl Pin {
    /// For the calling thread (the receiver).
    pub fn new() -> Pin {
        let free = sched_getaffinity(Pid::from_raw(0))
            .ok()
            .filter(|set| cpus(set) > 1);
        Pin {
            free,
            last_tid: 0,
            run: 0,
            pinned_at: None,
        }
    }

    /// A call from thread `tid`, received at `at`, was answered in the
    /// register lane.
    pub fn quick(&mut self, tid: u32, at: Mono) {
        if tid != self.last_tid {
            self.last_tid = tid;
            self.run = 0;
            return self.lift();
        }
        match self.pinned_at {
            Some(since) if at.saturating_duration_since(since) >= PIN_FOR => {
                self.run = 0;
                self.lift();
            }
            Some(_) => {}
            None => {
                self.run += 1;
                if self.run >= PIN_AFTER {
                    self.pin(at);
                }
            }
        }
    }

    /// Any other call: the pin is lifted before it is handled.
    pub fn other(&mut self) {
        self.run = 0;
        self.lift();
    }

    fn lift(&mut self) {
        if self.pinned_at.take().is_some()
            && let Some(free) = &self.free
        {
            let _ = sched_setaffinity(Pid::from_raw(0), free);
        }
    }

    fn pin(&mut self, at: Mono) {
        let Some(free) = &self.free else { return };
        let Ok(cpu) = sched_getcpu() else { return };
        if !free.is_set(cpu).unwrap_or(false) {
            return;
        }
        let mut one = CpuSet::new();
        if one.set(cpu).is_ok() && sched_setaffinity(Pid::from_raw(0), &one).is_ok() {
            self.pinned_at = Some(at);
        }
    }
}

/// How many CPUs `set` names.
fn cpus(set: &CpuSet) -> usize {
    (0..CpuSet::count())
        .filter(|&c| set.is_set(c).unwrap_or(false))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpus_of_this_thread() -> usize {
        cpus(&sched_getaffinity(Pid::from_raw(0)).unwrap())
    }

    /// Runs `f` on a thread of its own, whose affinity it may change.
    fn on_a_thread(f: impl FnOnce() + Send + 'static) {
        std::thread::spawn(f).join().unwrap();
    }

    /// More than `PIN_AFTER` calls in a row from thread `tid` at `at`.
    fn calls(pin: &mut Pin, tid: u32, at: Mono) {
        for _ in 0..=PIN_AFTER {
            pin.quick(tid, at);
        }
    }

    #[test]
    fn one_threads_run_of_calls_pins_and_anything_else_lifts_it() {
        on_a_thread(|| {
            let free = cpus_of_this_thread();
            let mut pin = Pin::new();
            let at = Mono::now();
            pin.quick(7, at);
            for _ in 1..PIN_AFTER {
                pin.quick(7, at);
            }
            assert_eq!(
                cpus_of_this_thread(),
                free,
                "pinned before {PIN_AFTER} calls"
            );
            pin.quick(7, at);
            if free == 1 {
                // Nowhere else to go: the affinity is left alone.
                assert!(pin.pinned_at.is_none());
                return;
            }
            assert_eq!(cpus_of_this_thread(), 1, "not pinned after a run of calls");
            // A call from another thread lifts it at once.
            pin.quick(8, at);
            assert_eq!(cpus_of_this_thread(), free);
            // As does any call outside the register lane.
            calls(&mut pin, 8, at);
            assert_eq!(cpus_of_this_thread(), 1);
            pin.other();
            assert_eq!(cpus_of_this_thread(), free);
            // And the time: a pin lasts PIN_FOR.
            let now = Mono::now();
            calls(&mut pin, 8, now);
            pin.quick(8, now);
            assert_eq!(cpus_of_this_thread(), 1, "lifted before its time");
            std::thread::sleep(PIN_FOR);
            pin.quick(8, Mono::now());
            assert_eq!(cpus_of_this_thread(), free, "not lifted after {PIN_FOR:?}");
        });
    }
}
