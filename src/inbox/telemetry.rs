//! What this process's workers measured, for a metrics scrape: handler durations as a
//! histogram, updated without locks. Per process, as Prometheus expects of a counter; the
//! database keeps the history of every process.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The histogram's upper bounds, in seconds (Prometheus's default buckets).
pub(crate) const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Handler durations, one counter per bucket and one past the last bound (not cumulative: a
/// run counts once, in the first bucket that holds it).
#[derive(Debug, Default)]
pub(crate) struct HandlerTimes {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// A reading of [`HandlerTimes`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HandlerTimesSnapshot {
    /// `(upper bound in seconds, runs in this bucket and not a lower one)`, ascending; the
    /// last bound is infinite, the exposition format's `+Inf`.
    pub(crate) buckets: Vec<(f64, u64)>,
    /// Runs, the buckets' sum.
    pub(crate) count: u64,
    pub(crate) sum_seconds: f64,
}

impl HandlerTimes {
    pub(crate) fn record(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> HandlerTimesSnapshot {
        let buckets: Vec<(f64, u64)> = BUCKETS
            .iter()
            .chain([&f64::INFINITY])
            .zip(&self.buckets)
            .map(|(&bound, count)| (bound, count.load(Ordering::Relaxed)))
            .collect();
        HandlerTimesSnapshot {
            count: buckets.iter().map(|(_, count)| count).sum(),
            buckets,
            sum_seconds: self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_counts_in_one_bucket_and_the_slow_ones_past_the_last() {
        let times = HandlerTimes::default();
        times.record(Duration::from_millis(3));
        times.record(Duration::from_millis(30));
        times.record(Duration::from_secs(60));
        let snapshot = times.snapshot();
        assert_eq!(snapshot.buckets[0], (0.005, 1));
        assert_eq!(snapshot.buckets[2], (0.025, 0));
        assert_eq!(snapshot.buckets[3], (0.05, 1));
        assert_eq!(snapshot.buckets.len(), BUCKETS.len() + 1);
        assert_eq!(snapshot.buckets.last(), Some(&(f64::INFINITY, 1)));
        assert_eq!(snapshot.count, 3);
        assert!((snapshot.sum_seconds - 60.033).abs() < 1e-9);
    }
}
