//! When a failed call is tried again, and after how long: as Stripe advises, and as its
//! official SDKs do.

use std::time::Duration;

/// How many times, and how patiently, a [`Client`](super::Client) retries a call that failed
/// in a way a retry can fix.
///
/// A call is retried when:
/// - there was no answer (the connection failed or timed out); POSTs carry an idempotency
///   key, kept across the retries, so Stripe never applies one twice;
/// - Stripe answered `Stripe-Should-Retry: true`;
/// - or, without that header, Stripe answered 409 (a lock held by another request), 429 (too
///   many requests) or a 5xx.
///
/// It is never retried when Stripe answered `Stripe-Should-Retry: false`, or any other 4xx.
///
/// The wait before retry `n` (1, 2, …) is `initial × 2ⁿ⁻¹`, at most `max`, with a random
/// jitter taking up to half of it off, so many clients that failed together do not come back
/// together; a `Retry-After` of at most `max_retry_after` replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first try (0: never retry).
    pub max_retries: u32,
    /// The first wait.
    pub initial: Duration,
    /// The longest computed wait.
    pub max: Duration,
    /// The longest `Retry-After` honoured; a longer one gives up instead.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, 0.5 s then 1 s (capped at 5 s), `Retry-After` up to 60 s: the official
    /// SDKs' defaults.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    #[must_use]
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }
}

/// What one try came to, as far as retrying goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Tried<'a> {
    /// No answer.
    NoAnswer,
    /// An answer with this status and these headers.
    Answered {
        status: u16,
        should_retry: Option<&'a str>,
        retry_after: Option<&'a str>,
    },
}

impl RetryPolicy {
    /// The wait before retry `retry` (1 for the first), or `None` to give up. `random` is a
    /// uniform draw in `[0, 1)`, for the jitter.
    pub(crate) fn wait(&self, tried: Tried<'_>, retry: u32, random: f64) -> Option<Duration> {
        if retry > self.max_retries {
            return None;
        }
        let backoff = || {
            let doubled = self
                .initial
                .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
            doubled
                .min(self.max)
                .mul_f64(1.0 - 0.5 * random.clamp(0.0, 1.0))
        };
        match tried {
            Tried::NoAnswer => Some(backoff()),
            Tried::Answered {
                status,
                should_retry,
                retry_after,
            } => {
                let retryable = match should_retry {
                    Some("true") => true,
                    Some("false") => false,
                    _ => matches!(status, 409 | 429 | 500..=599),
                };
                if !retryable {
                    return None;
                }
                match retry_after.and_then(|value| value.trim().parse::<u64>().ok()) {
                    Some(seconds) if Duration::from_secs(seconds) > self.max_retry_after => None,
                    Some(seconds) => Some(Duration::from_secs(seconds)),
                    None => Some(backoff()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, should_retry: Option<&str>) -> Tried<'_> {
        Tried::Answered {
            status,
            should_retry,
            retry_after: None,
        }
    }

    #[test]
    fn what_is_retried() {
        let policy = RetryPolicy::default();
        for status in [409, 429, 500, 502, 503] {
            assert!(
                policy.wait(answered(status, None), 1, 0.0).is_some(),
                "{status}"
            );
        }
        for status in [400, 401, 402, 403, 404] {
            assert!(
                policy.wait(answered(status, None), 1, 0.0).is_none(),
                "{status}"
            );
        }
        assert!(policy.wait(answered(500, Some("false")), 1, 0.0).is_none());
        assert!(policy.wait(answered(400, Some("true")), 1, 0.0).is_some());
        assert!(policy.wait(Tried::NoAnswer, 1, 0.0).is_some());
        assert!(
            policy.wait(Tried::NoAnswer, 3, 0.0).is_none(),
            "two retries at most"
        );
        assert!(RetryPolicy::none().wait(Tried::NoAnswer, 1, 0.0).is_none());
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter_and_honours_retry_after() {
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        let wait = |retry, random| policy.wait(Tried::NoAnswer, retry, random);
        assert_eq!(wait(1, 0.0), Some(Duration::from_millis(500)));
        assert_eq!(wait(2, 0.0), Some(Duration::from_secs(1)));
        assert_eq!(wait(3, 0.0), Some(Duration::from_secs(2)));
        assert_eq!(wait(8, 0.0), Some(Duration::from_secs(5)));
        assert_eq!(wait(2, 0.5), Some(Duration::from_millis(750)));
        let after = |value| Tried::Answered {
            status: 429,
            should_retry: None,
            retry_after: Some(value),
        };
        assert_eq!(
            policy.wait(after("7"), 1, 0.9),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            policy.wait(after("61"), 1, 0.0),
            None,
            "longer than allowed: give up"
        );
        assert_eq!(
            policy.wait(after("Wed, 21 Oct 2015 07:28:00 GMT"), 1, 0.0),
            Some(Duration::from_millis(500))
        );
    }
}
