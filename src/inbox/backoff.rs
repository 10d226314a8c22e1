//! [`Backoff`]: when a failed entry is due again.

use std::time::Duration;

/// Exponential backoff with jitter between attempts, and how many attempts an entry gets.
///
/// The n-th retry waits `initial × 2ⁿ⁻¹`, at most `max`, less up to `jitter` of it (so entries
/// that failed together do not retry together). The jitter is drawn from the event id and the
/// attempt, so one entry's schedule is the same on every worker and in tests.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use stripe_webhooks::inbox::Backoff;
///
/// let backoff = Backoff::default().initial(Duration::from_secs(10)).jitter(0.0);
/// assert_eq!(backoff.delay("evt_1", 1), Duration::from_secs(10));
/// assert_eq!(backoff.delay("evt_1", 3), Duration::from_secs(40));
/// assert_eq!(backoff.delay("evt_1", 40), Duration::from_secs(6 * 3600)); // capped at `max`
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    jitter: f64,
    max_attempts: u32,
}

impl Default for Backoff {
    /// 30 s, doubling to at most 6 h, 10 % jitter, 25 attempts: about four days, as long as
    /// Stripe itself retries a delivery.
    fn default() -> Backoff {
        Backoff {
            initial: Duration::from_secs(30),
            max: Duration::from_secs(6 * 3600),
            jitter: 0.1,
            max_attempts: 25,
        }
    }
}

impl Backoff {
    /// The wait before the first retry. A zero wait is taken as one millisecond: a retry that
    /// is due at once would spin on a handler that fails at once.
    #[must_use]
    pub fn initial(mut self, wait: Duration) -> Backoff {
        self.initial = wait.max(Duration::from_millis(1));
        self
    }

    /// The longest wait.
    #[must_use]
    pub fn max(mut self, wait: Duration) -> Backoff {
        self.max = wait.max(Duration::from_millis(1));
        self
    }

    /// The share of each wait taken off at random, from 0.0 (none) to 1.0; clamped.
    #[must_use]
    pub fn jitter(mut self, share: f64) -> Backoff {
        self.jitter = if share.is_nan() {
            0.0
        } else {
            share.clamp(0.0, 1.0)
        };
        self
    }

    /// Runs of the handler before an entry that keeps failing is `failed` (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Backoff {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The configured number of attempts.
    #[must_use]
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after the `attempt`-th run (1 for the first) of `event_id` failed. Never zero.
    #[must_use]
    pub fn delay(&self, event_id: &str, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1);
        let full = self
            .initial
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max);
        let cut = full.mul_f64(self.jitter * unit(event_id, attempt));
        (full - cut.min(full)).max(Duration::from_millis(1))
    }
}

/// A number in [0, 1) drawn from the event id and attempt (FNV-1a, then a splitmix finish).
fn unit(event_id: &str, attempt: u32) -> f64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for byte in event_id.bytes().chain(attempt.to_le_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 31;
    hash = hash.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    hash ^= hash >> 29;
    // The top 53 bits, as f64 holds them exactly.
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_stay_under_max_and_are_never_zero() {
        let backoff = Backoff::default();
        let mut previous = Duration::ZERO;
        for attempt in 1..=60 {
            let wait = backoff.delay("evt_x", attempt);
            assert!(wait > Duration::ZERO);
            assert!(wait <= Duration::from_secs(6 * 3600), "{attempt}: {wait:?}");
            let full = Duration::from_secs(30)
                .saturating_mul(1 << (attempt - 1).min(20))
                .min(Duration::from_secs(6 * 3600));
            assert!(
                wait >= full.mul_f64(0.9),
                "{attempt}: {wait:?} within 10 % of {full:?}"
            );
            if full < Duration::from_secs(6 * 3600) {
                assert!(wait > previous, "{attempt}: grows");
            }
            previous = wait;
        }
        let zero = Backoff::default().initial(Duration::ZERO).jitter(1.0);
        assert!(zero.delay("evt_x", 1) > Duration::ZERO);
    }

    #[test]
    fn jitter_spreads_entries_and_is_the_same_on_every_call() {
        let backoff = Backoff::default();
        let waits: std::collections::BTreeSet<Duration> = (0..100)
            .map(|n| backoff.delay(&format!("evt_{n}"), 1))
            .collect();
        assert!(waits.len() > 90, "{} distinct waits of 100", waits.len());
        assert_eq!(backoff.delay("evt_7", 2), backoff.delay("evt_7", 2));
    }
}
