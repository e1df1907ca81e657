//! Wall-clock times as text, without time-zone data, and the monotonic
//! clock as one number.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A moment of the monotonic clock (CLOCK_MONOTONIC, what [`Instant`]
/// reads), in nanoseconds. The receiver reads the clock once per call and
/// works out the call's wall time, its cache's freshness and its answer's
/// latency from it: on one integer, a difference is a subtraction, where
/// an `Instant`'s (seconds and nanoseconds, normalized at every step)
/// cost it about forty instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mono(u64);

impl Mono {
    pub fn now() -> Mono {
        Mono(crate::sys::clock::monotonic_nanos())
    }

    /// How long after `earlier` this is (zero if it is not after).
    pub fn saturating_duration_since(self, earlier: Mono) -> Duration {
        Duration::from_nanos(self.nanos_since(earlier))
    }

    /// [`saturating_duration_since`](Self::saturating_duration_since) in
    /// nanoseconds.
    pub fn nanos_since(self, earlier: Mono) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    pub fn elapsed(self) -> Duration {
        Mono::now().saturating_duration_since(self)
    }

    /// The same moment as an [`Instant`] (for deadlines compared with
    /// `Instant::now()`): off by the time between two clock reads.
    pub fn to_instant(self) -> Instant {
        let now = Instant::now();
        now.checked_sub(self.elapsed()).unwrap_or(now)
    }
}

impl std::ops::Add<Duration> for Mono {
    type Output = Mono;

    /// Saturates (at 584 years of uptime).
    fn add(self, d: Duration) -> Mono {
        Mono(
            self.0
                .saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
        )
    }
}

/// `t` in nanoseconds since the Unix epoch (0 before it; saturates in
/// 2554).
pub fn nanos_since_epoch(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// `t` in microseconds since the Unix epoch (0 before it).
pub fn micros_since_epoch(t: SystemTime) -> u64 {
    nanos_since_epoch(t) / 1000
}

/// RFC 3339 UTC with microseconds.
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn monotonic_moments_agree_with_instants() {
        let (i0, m0) = (Instant::now(), Mono::now());
        std::thread::sleep(Duration::from_millis(20));
        let (m1, i1) = (Mono::now(), Instant::now());
        let mono = m1.saturating_duration_since(m0);
        let inst = i1.duration_since(i0);
        // The same clock: the two differences differ by the reads only
        // (and a busy machine's preemption between two of them).
        assert!(mono >= Duration::from_millis(20), "{mono:?}");
        assert!(
            mono.abs_diff(inst) < Duration::from_millis(100),
            "{mono:?} {inst:?}"
        );
        assert_eq!(m0.saturating_duration_since(m1), Duration::ZERO);
        assert_eq!(m0 + mono, m1);
        assert_eq!((m0 + Duration::from_nanos(5)).nanos_since(m0), 5);
        let back = m0.to_instant();
        assert!(back.max(i0) - back.min(i0) < Duration::from_millis(100));
        assert!(m0.elapsed() >= mono);
        // Counted from boot (not the wall clock: a step of it would show
        // in every latency and freshness).
        assert!(m0.0 < nanos_since_epoch(SystemTime::now()) / 2);
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let t = UNIX_EPOCH + Duration::from_micros(1_763_802_305_123_456);
        assert_eq!(rfc3339(t), "2025-11-22T09:05:05.123456Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert!(rfc3339(leap).starts_with("2000-02-29T00:00:00"));
    }
}
