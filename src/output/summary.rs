//! `--summary` and the TUI's stats view: per syscall, how many calls,
//! which answers, who decided, and how long they waited (receipt to
//! answer), in the spirit of `strace -c`.
//!
//! Memory stays bounded whatever the run's length: a row of counters per
//! syscall seen and a latency histogram of fixed size ([`Latency`]), never
//! the samples themselves.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::model::{Answer, DecidedBy, Outcome, Record};

/// Sub-buckets per power of two: a percentile is off by at most 1/16
/// (6.25 %) of its value.
const SUB_BITS: u32 = 4;
const SUB: usize = 1 << SUB_BITS;
/// Buckets for every `u64` nanosecond value: exact below `SUB`, then
/// `SUB` per power of two up to 2^63.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// A log-linear histogram of latencies in nanoseconds (HdrHistogram's
/// idea at a fixed precision): a few kilobytes however many samples.
#[derive(Clone)]
pub struct Latency {
    counts: Box<[u64; BUCKETS]>,
    n: u64,
    min: u64,
    max: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Latency {
            counts: Box::new([0; BUCKETS]),
            n: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

impl std::fmt::Debug for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Latency")
            .field("n", &self.n)
            .field("min", &self.min)
            .field("max", &self.max)
            .finish()
    }
}

fn bucket(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let e = 63 - v.leading_zeros();
    let sub = ((v >> (e - SUB_BITS)) as usize) & (SUB - 1);
    (e - SUB_BITS + 1) as usize * SUB + sub
}

/// The middle of bucket `b`'s range of values.
fn middle(b: usize) -> u64 {
    if b < SUB {
        return b as u64;
    }
    let shift = (b / SUB - 1) as u32;
    let low = ((SUB + b % SUB) as u64) << shift;
    low + (1u64 << shift) / 2
}

impl Latency {
    pub fn add(&mut self, d: Duration) {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.counts[bucket(ns)] += 1;
        self.n += 1;
        self.min = self.min.min(ns);
        self.max = self.max.max(ns);
    }

    pub fn merge(&mut self, other: &Latency) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.n += other.n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// The `p`-th quantile (0 < p ≤ 1), within 6.25 %; `None` without
    /// samples. The smallest and largest samples are exact.
    pub fn quantile(&self, p: f64) -> Option<Duration> {
        if self.n == 0 {
            return None;
        }
        let rank = ((p * self.n as f64).ceil() as u64).clamp(1, self.n);
        if rank == 1 {
            return Some(Duration::from_nanos(self.min));
        }
        if rank == self.n {
            return Some(Duration::from_nanos(self.max));
        }
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let v = middle(b).clamp(self.min, self.max);
                return Some(Duration::from_nanos(v));
            }
        }
        Some(Duration::from_nanos(self.max))
    }
}

/// One syscall's counts.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub name: String,
    pub calls: u64,
    pub allow: u64,
    pub deny: u64,
    pub ret: u64,
    pub emulate: u64,
    pub gone: u64,
    pub rule: u64,
    pub you: u64,
    pub default: u64,
    pub timeout: u64,
    pub cont: u64,
    /// Decided by unotify-tui itself (shutting down): in no column of
    /// its own, so the deciders add up to `calls`.
    pub supervisor: u64,
    /// From receipt to answer, of calls that got an answer.
    pub latency: Latency,
}

impl Row {
    fn add(&mut self, rec: &Record) {
        self.calls += 1;
        match (rec.outcome, rec.answer) {
            (Outcome::Gone, _) | (_, None) => self.gone += 1,
            (_, Some(Answer::Allow)) => self.allow += 1,
            (_, Some(Answer::Deny(_))) => self.deny += 1,
            (_, Some(Answer::Return(_))) => self.ret += 1,
            (_, Some(Answer::Emulate)) => self.emulate += 1,
        }
        match rec.decided_by {
            DecidedBy::Rule { .. } => self.rule += 1,
            DecidedBy::User => self.you += 1,
            DecidedBy::Default => self.default += 1,
            DecidedBy::Timeout => self.timeout += 1,
            DecidedBy::Continue => self.cont += 1,
            DecidedBy::Supervisor => self.supervisor += 1,
        }
        // A call that vanished before it was decided waited for nothing.
        if rec.answer.is_some() {
            self.latency.add(rec.latency);
        }
    }

    fn merge(&mut self, o: &Row) {
        self.calls += o.calls;
        self.allow += o.allow;
        self.deny += o.deny;
        self.ret += o.ret;
        self.emulate += o.emulate;
        self.gone += o.gone;
        self.rule += o.rule;
        self.you += o.you;
        self.default += o.default;
        self.timeout += o.timeout;
        self.cont += o.cont;
        self.supervisor += o.supervisor;
        self.latency.merge(&o.latency);
    }

    /// The value of a numeric column (for sorting); latencies in ns.
    fn value(&self, c: Column) -> u64 {
        let q = |p| self.latency.quantile(p).map_or(0, |d| d.as_nanos() as u64);
        match c {
            Column::Syscall => 0,
            Column::Calls => self.calls,
            Column::Allow => self.allow,
            Column::Deny => self.deny,
            Column::Return => self.ret,
            Column::Emulate => self.emulate,
            Column::Gone => self.gone,
            Column::Rule => self.rule,
            Column::You => self.you,
            Column::Default => self.default,
            Column::Timeout => self.timeout,
            Column::Continue => self.cont,
            Column::P50 => q(0.5),
            Column::P99 => q(0.99),
        }
    }
}

/// A column of the table, which it can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Column {
    Syscall,
    #[default]
    Calls,
    Allow,
    Deny,
    Return,
    Emulate,
    Gone,
    Rule,
    You,
    Default,
    Timeout,
    Continue,
    P50,
    P99,
}

impl Column {
    pub const ALL: [Column; 14] = [
        Column::Syscall,
        Column::Calls,
        Column::Allow,
        Column::Deny,
        Column::Return,
        Column::Emulate,
        Column::Gone,
        Column::Rule,
        Column::You,
        Column::Default,
        Column::Timeout,
        Column::Continue,
        Column::P50,
        Column::P99,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Column::Syscall => "syscall",
            Column::Calls => "calls",
            Column::Allow => "allow",
            Column::Deny => "deny",
            Column::Return => "return",
            Column::Emulate => "emulate",
            Column::Gone => "gone",
            Column::Rule => "rule",
            Column::You => "you",
            Column::Default => "default",
            Column::Timeout => "timeout",
            Column::Continue => "continue",
            Column::P50 => "p50 µs",
            Column::P99 => "p99 µs",
        }
    }

    /// The next column to sort by (`back`: the one before), wrapping.
    pub fn cycle(self, back: bool) -> Column {
        let n = Column::ALL.len();
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[if back { (i + n - 1) % n } else { (i + 1) % n }]
    }

    /// The group a column belongs to (a `│` between groups in the table):
    /// the call, the answers, who decided, the latencies.
    fn group(self) -> u8 {
        match self {
            Column::Syscall | Column::Calls => 0,
            Column::Allow | Column::Deny | Column::Return | Column::Emulate | Column::Gone => 1,
            Column::Rule | Column::You | Column::Default | Column::Timeout | Column::Continue => 2,
            Column::P50 | Column::P99 => 3,
        }
    }
}

/// The counts of a run, per syscall.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    rows: HashMap<i32, Row>,
}

/// The summary the TUI's recorder thread fills and the stats view reads.
pub type Shared = Arc<Mutex<Summary>>;

/// Microseconds as the table writes them: one decimal below 100.
fn micros(d: Option<Duration>) -> String {
    match d {
        None => "-".into(),
        Some(d) => {
            let us = d.as_secs_f64() * 1e6;
            if us < 100.0 {
                format!("{us:.1}")
            } else {
                format!("{us:.0}")
            }
        }
    }
}

impl Summary {
    pub fn add(&mut self, rec: &Record) {
        self.rows
            .entry(rec.call.notif.nr)
            .or_insert_with(|| Row {
                name: rec.call.name(),
                ..Row::default()
            })
            .add(rec);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every syscall's row, sorted by `by` (numbers largest first, names
    /// alphabetically; ties by name).
    pub fn rows(&self, by: Column) -> Vec<&Row> {
        let mut rows: Vec<&Row> = self.rows.values().collect();
        rows.sort_by(|a, b| {
            let key = if by == Column::Syscall {
                std::cmp::Ordering::Equal
            } else {
                b.value(by).cmp(&a.value(by))
            };
            key.then_with(|| a.name.cmp(&b.name))
        });
        rows
    }

    /// Every row added up.
    pub fn total(&self) -> Row {
        let mut t = Row {
            name: "total".into(),
            ..Row::default()
        };
        for r in self.rows.values() {
            t.merge(r);
        }
        t
    }

    /// The table as lines of text: a header, a row per syscall sorted by
    /// `by`, a rule and the total.
    pub fn table(&self, by: Column) -> Vec<String> {
        self.table_of(by, &Column::ALL)
    }

    /// The table for a screen `width` characters wide: when the whole
    /// table is wider, the columns that are 0 in every row are left out
    /// (never the syscall, calls, the latencies or the sorted column), and
    /// a last line names them.
    pub fn table_within(&self, by: Column, width: usize) -> Vec<String> {
        let full = self.table(by);
        if full.first().is_none_or(|h| h.chars().count() <= width) {
            return full;
        }
        let total = self.total();
        let always = |c: Column| {
            c == by
                || matches!(
                    c,
                    Column::Syscall | Column::Calls | Column::P50 | Column::P99
                )
        };
        let (keep, left): (Vec<Column>, Vec<Column>) = Column::ALL
            .iter()
            .partition(|&&c| always(c) || total.value(c) > 0);
        let mut t = self.table_of(by, &keep);
        if !left.is_empty() {
            let names: Vec<&str> = left.iter().map(|c| c.header()).collect();
            t.push(format!("(not shown, 0 everywhere: {})", names.join(", ")));
        }
        t
    }

    fn table_of(&self, by: Column, columns: &[Column]) -> Vec<String> {
        let rows = self.rows(by);
        let total = self.total();
        let all: Vec<&Row> = rows
            .iter()
            .copied()
            .chain(std::iter::once(&total))
            .collect();
        let cell = |r: &Row, c: Column| -> String {
            match c {
                Column::Syscall => r.name.clone(),
                Column::P50 => micros(r.latency.quantile(0.5)),
                Column::P99 => micros(r.latency.quantile(0.99)),
                c => r.value(c).to_string(),
            }
        };
        let widths: Vec<usize> = columns
            .iter()
            .map(|&c| {
                all.iter()
                    .map(|r| cell(r, c).chars().count())
                    .chain(std::iter::once(c.header().chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &dyn Fn(Column) -> String| -> String {
            let mut s = String::new();
            let mut group = None;
            for (&c, &w) in columns.iter().zip(&widths) {
                let text = cells(c);
                if c == Column::Syscall {
                    let _ = write!(s, "{text:<w$}");
                } else {
                    let starts = group.is_some_and(|g| g != c.group());
                    s.push_str(if starts { " │ " } else { " " });
                    let _ = write!(s, "{text:>w$}");
                }
                group = Some(c.group());
            }
            s.trim_end().to_string()
        };
        let mut out = vec![line(&|c| c.header().to_string())];
        out.extend(rows.iter().map(|r| line(&|c| cell(r, c))));
        let width = out[0].chars().count();
        out.push("─".repeat(width));
        out.push(line(&|c| cell(&total, c)));
        if total.supervisor > 0 {
            out.push(format!(
                "({} decided by unotify-tui itself while it shut down)",
                total.supervisor
            ));
        }
        out
    }

    /// What `--summary` prints at exit.
    pub fn report(&self) -> String {
        if self.is_empty() {
            return "unotify-tui: summary: no trapped calls\n".into();
        }
        let mut s = String::from(
            "unotify-tui: summary (answers; who decided; latency from receipt to answer)\n",
        );
        for l in self.table(Column::Calls) {
            s.push_str(&l);
            s.push('\n');
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errno::Errno;
    use crate::model::testing::{FakeCall, record};
    use syscalls::Sysno;

    fn rec(sysno: Sysno, answer: Option<Answer>, by: DecidedBy, us: u64) -> Record {
        let call = FakeCall::new(Some(sysno), [0; 6]).build();
        let mut r = record(call, answer.unwrap_or(Answer::Allow), by);
        r.answer = answer;
        if answer.is_none() {
            r.outcome = Outcome::Gone;
        }
        r.latency = Duration::from_micros(us);
        r
    }

    fn rule() -> DecidedBy {
        DecidedBy::Rule {
            number: 1,
            origin: "r.toml:1".into(),
            quiet: false,
        }
    }

    #[test]
    fn buckets_cover_every_value_in_order() {
        let mut last = 0;
        for v in (0..5000u64).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let b = bucket(v);
            assert!(b < BUCKETS);
            assert!(b >= last, "{v}");
            last = b;
            // The middle of a value's bucket is within 1/16 of it.
            let m = middle(b) as f64;
            assert!((m - v as f64).abs() <= v as f64 / 16.0 + 0.5, "{v} → {m}");
        }
    }

    #[test]
    fn percentiles_are_within_the_histograms_precision() {
        let mut l = Latency::default();
        assert_eq!(l.quantile(0.5), None);
        // 1..=1000 µs, each once: p50 is 500 µs, p99 990 µs.
        for us in 1..=1000 {
            l.add(Duration::from_micros(us));
        }
        let near = |d: Duration, want: f64| {
            let got = d.as_secs_f64() * 1e6;
            assert!((got - want).abs() <= want / 16.0, "{got} vs {want}");
        };
        near(l.quantile(0.5).unwrap(), 500.0);
        near(l.quantile(0.99).unwrap(), 990.0);
        assert_eq!(l.quantile(1.0), Some(Duration::from_micros(1000)));
        assert_eq!(l.quantile(0.0001), Some(Duration::from_micros(1)));
        // A single sample is exact.
        let mut one = Latency::default();
        one.add(Duration::from_nanos(6043));
        assert_eq!(one.quantile(0.5), Some(Duration::from_nanos(6043)));
        assert_eq!(one.quantile(0.99), Some(Duration::from_nanos(6043)));
    }

    #[test]
    fn a_skewed_distribution_keeps_its_tail() {
        let mut l = Latency::default();
        for _ in 0..990 {
            l.add(Duration::from_micros(5));
        }
        for _ in 0..10 {
            l.add(Duration::from_millis(2));
        }
        let p50 = l.quantile(0.5).unwrap().as_secs_f64() * 1e6;
        assert!((4.7..=5.3).contains(&p50), "{p50}");
        let p99 = l.quantile(0.99).unwrap().as_secs_f64() * 1e6;
        assert!((4.7..=5.3).contains(&p99), "{p99}");
        let p999 = l.quantile(0.999).unwrap().as_secs_f64() * 1e6;
        assert!(p999 > 1800.0, "{p999}");
    }

    #[test]
    fn counts_per_answer_and_decider_add_up() {
        let mut s = Summary::default();
        for _ in 0..3 {
            s.add(&rec(
                Sysno::mkdir,
                Some(Answer::Deny(Errno::EPERM)),
                rule(),
                10,
            ));
        }
        s.add(&rec(
            Sysno::mkdir,
            Some(Answer::Emulate),
            DecidedBy::User,
            900,
        ));
        s.add(&rec(Sysno::mkdir, None, DecidedBy::Supervisor, 5000));
        s.add(&rec(
            Sysno::openat,
            Some(Answer::Allow),
            DecidedBy::Continue,
            7,
        ));
        s.add(&rec(
            Sysno::openat,
            Some(Answer::Return(0)),
            DecidedBy::Default,
            7,
        ));
        s.add(&rec(
            Sysno::openat,
            Some(Answer::Allow),
            DecidedBy::Timeout,
            7,
        ));
        let rows = s.rows(Column::Calls);
        assert_eq!(rows.len(), 2);
        let m = rows[0];
        assert_eq!(m.name, "mkdir");
        assert_eq!(
            (m.calls, m.deny, m.emulate, m.gone, m.allow, m.ret),
            (5, 3, 1, 1, 0, 0)
        );
        assert_eq!((m.rule, m.you, m.supervisor), (3, 1, 1));
        // The gone call waited for no answer: not in the latencies.
        assert_eq!(m.latency.count(), 4);
        let o = rows[1];
        assert_eq!((o.calls, o.allow, o.ret), (3, 2, 1));
        assert_eq!((o.cont, o.default, o.timeout), (1, 1, 1));
        let t = s.total();
        assert_eq!(t.calls, 8);
        assert_eq!(t.allow + t.deny + t.ret + t.emulate + t.gone, 8);
        assert_eq!(
            t.rule + t.you + t.default + t.timeout + t.cont + t.supervisor,
            8
        );
        assert_eq!(t.latency.count(), 7);
    }

    #[test]
    fn a_narrow_screen_leaves_out_columns_of_zeros_and_names_them() {
        let mut s = Summary::default();
        for _ in 0..3 {
            s.add(&rec(Sysno::openat, Some(Answer::Allow), rule(), 40));
        }
        s.add(&rec(
            Sysno::mkdir,
            Some(Answer::Deny(Errno::EPERM)),
            DecidedBy::User,
            900,
        ));
        let full = s.table(Column::Calls);
        let wide = full[0].chars().count();
        assert_eq!(s.table_within(Column::Calls, wide), full);
        let narrow = s.table_within(Column::Timeout, 70);
        for l in &narrow[..narrow.len() - 1] {
            assert!(l.chars().count() <= 70, "{l:?} in {narrow:#?}");
        }
        let header = &narrow[0];
        for kept in [
            "syscall", "calls", "allow", "deny", "rule", "you", "timeout", "p50",
        ] {
            assert!(header.contains(kept), "{kept}: {header}");
        }
        for gone in ["return", "emulate", "gone", "default", "continue"] {
            assert!(!header.contains(gone), "{gone}: {header}");
        }
        assert_eq!(
            narrow.last().unwrap(),
            "(not shown, 0 everywhere: return, emulate, gone, default, continue)"
        );
        // Groups stay apart: answers │ deciders │ latencies.
        assert_eq!(header.matches('│').count(), 3, "{header}");
    }

    #[test]
    fn sorted_by_any_column() {
        let mut s = Summary::default();
        for _ in 0..3 {
            s.add(&rec(Sysno::openat, Some(Answer::Allow), rule(), 5));
        }
        s.add(&rec(
            Sysno::mkdir,
            Some(Answer::Deny(Errno::EPERM)),
            rule(),
            500,
        ));
        s.add(&rec(
            Sysno::unlink,
            Some(Answer::Deny(Errno::EPERM)),
            rule(),
            50,
        ));
        let names = |c| {
            s.rows(c)
                .iter()
                .map(|r| r.name.clone())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(names(Column::Calls), "openat mkdir unlink");
        assert_eq!(names(Column::Syscall), "mkdir openat unlink");
        assert_eq!(names(Column::Deny), "mkdir unlink openat");
        assert_eq!(names(Column::P99), "mkdir unlink openat");
        assert_eq!(Column::P99.cycle(false), Column::Syscall);
        assert_eq!(Column::Syscall.cycle(true), Column::P99);
    }

    #[test]
    fn the_table_lines_up() {
        let mut s = Summary::default();
        for _ in 0..12 {
            s.add(&rec(
                Sysno::mkdir,
                Some(Answer::Deny(Errno::EPERM)),
                rule(),
                6,
            ));
        }
        s.add(&rec(
            Sysno::openat,
            Some(Answer::Allow),
            DecidedBy::User,
            1500,
        ));
        let t = s.table(Column::Calls);
        insta::assert_snapshot!(t.join("\n"), @r"
        syscall calls │ allow deny return emulate gone │ rule you default timeout continue │ p50 µs p99 µs
        mkdir      12 │     0   12      0       0    0 │   12   0       0       0        0 │    6.0    6.0
        openat      1 │     1    0      0       0    0 │    0   1       0       0        0 │   1500   1500
        ──────────────────────────────────────────────────────────────────────────────────────────────────
        total      13 │     1   12      0       0    0 │   12   1       0       0        0 │    6.0   1500
        ");
        assert_eq!(
            Summary::default().report(),
            "unotify-tui: summary: no trapped calls\n"
        );
    }
}
