//! [`Digest`]: how a flood of failures becomes a few e-mails; and the window that decides,
//! for each failure, whether it is sent at once or kept for the next digest.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::failure::PaymentFailure;

/// The longest window a digest may wait: a window the clock cannot add would never end.
const MAX_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// How many failures one digest lists; beyond it they are counted, not listed.
pub const MAX_LISTED: usize = 1000;

/// When failures are e-mailed one by one and when they are batched.
///
/// After a quiet period, the first `burst` failures within `window` are each sent at once.
/// From the next one on, failures are kept and sent as one digest (a table of failures) when
/// the window ends; the flood goes on in digests, one per window, until a whole window passes
/// without a failure. So a card-testing attack of hundreds of failures a minute costs
/// `burst` e-mails and then one a window.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use stripe_webhooks::failure::Digest;
///
/// let digest = Digest::new(Duration::from_secs(60), 5);
/// assert_eq!(digest.window(), Duration::from_secs(60));
/// assert_eq!(Digest::default(), digest);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    window: Duration,
    burst: usize,
}

impl Digest {
    /// Up to `burst` failures per `window` sent at once (at least one), the rest batched.
    /// A window longer than a day is a day.
    #[must_use]
    pub fn new(window: Duration, burst: usize) -> Digest {
        Digest {
            window: window.min(MAX_WINDOW),
            burst: burst.max(1),
        }
    }

    /// Every failure sent at once, never batched.
    #[must_use]
    pub fn off() -> Digest {
        Digest {
            window: Duration::ZERO,
            burst: usize::MAX,
        }
    }

    /// The window.
    #[must_use]
    pub fn window(&self) -> Duration {
        self.window
    }

    /// How many failures of a window are sent at once.
    #[must_use]
    pub fn burst(&self) -> usize {
        self.burst
    }
}

impl Default for Digest {
    /// A minute, five at once.
    fn default() -> Self {
        Digest::new(Duration::from_secs(60), 5)
    }
}

/// What to do with one failure.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admit {
    /// Send it now, on its own.
    SendNow,
    /// Kept for the digest; `start_flusher` when a task must be started to send it at `at`.
    Kept { start_flusher: Option<Instant> },
}

/// What the flusher does at the end of a window.
#[derive(Debug)]
pub(super) enum Flush {
    /// Nothing came in during the window: the flood is over, the flusher stops.
    Done,
    /// Send these (and say that `unlisted` more were not listed), then wait until `next`.
    Send {
        failures: Vec<PaymentFailure>,
        unlisted: usize,
        next: Instant,
    },
}

#[derive(Debug)]
enum Phase {
    Quiet,
    Counting { until: Instant, sent: usize },
    Flooding { until: Instant },
}

/// The state of the window; all times are given, so tests need no clock.
#[derive(Debug)]
pub(super) struct Window {
    digest: Digest,
    phase: Phase,
    kept: VecDeque<PaymentFailure>,
    unlisted: usize,
}

impl Window {
    pub(super) fn new(digest: Digest) -> Window {
        Window {
            digest,
            phase: Phase::Quiet,
            kept: VecDeque::new(),
            unlisted: 0,
        }
    }

    fn end_of_window(&self, from: Instant) -> Instant {
        // `window` is at most a day, which any clock can add.
        from.checked_add(self.digest.window).unwrap_or(from)
    }

    pub(super) fn admit(&mut self, failure: &PaymentFailure, now: Instant) -> Admit {
        match self.phase {
            Phase::Counting { until, sent } if now < until && sent < self.digest.burst => {
                self.phase = Phase::Counting {
                    until,
                    sent: sent + 1,
                };
                Admit::SendNow
            }
            Phase::Counting { until, .. } if now < until => {
                self.phase = Phase::Flooding { until };
                self.keep(failure);
                Admit::Kept {
                    start_flusher: Some(until),
                }
            }
            Phase::Flooding { .. } => {
                self.keep(failure);
                Admit::Kept {
                    start_flusher: None,
                }
            }
            Phase::Quiet | Phase::Counting { .. } => {
                self.phase = Phase::Counting {
                    until: self.end_of_window(now),
                    sent: 1,
                };
                Admit::SendNow
            }
        }
    }

    fn keep(&mut self, failure: &PaymentFailure) {
        if self.kept.len() < MAX_LISTED {
            self.kept.push_back(failure.clone());
        } else {
            self.unlisted = self.unlisted.saturating_add(1);
        }
    }

    /// Called by the flusher at the end of a window.
    pub(super) fn flush(&mut self) -> Flush {
        let Phase::Flooding { until } = self.phase else {
            return Flush::Done;
        };
        if self.kept.is_empty() && self.unlisted == 0 {
            self.phase = Phase::Quiet;
            return Flush::Done;
        }
        let next = self.end_of_window(until);
        self.phase = Phase::Flooding { until: next };
        Flush::Send {
            failures: self.kept.drain(..).collect(),
            unlisted: std::mem::take(&mut self.unlisted),
            next,
        }
    }

    /// Puts back a digest that could not be sent, ahead of what came in since.
    /// Over the list's bound, the newest are the ones counted instead of listed.
    pub(super) fn put_back(&mut self, failures: Vec<PaymentFailure>, unlisted: usize) {
        let since = std::mem::take(&mut self.kept);
        self.kept = failures.into_iter().chain(since).collect();
        let over = self.kept.len().saturating_sub(MAX_LISTED);
        self.kept.truncate(MAX_LISTED);
        self.unlisted = self.unlisted.saturating_add(unlisted).saturating_add(over);
    }

    /// Everything kept, now (for a flush before shutdown); the flood state stays.
    pub(super) fn take_all(&mut self) -> (Vec<PaymentFailure>, usize) {
        (
            self.kept.drain(..).collect(),
            std::mem::take(&mut self.unlisted),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::EventBuilder;
    use crate::Event;

    fn failure(id: &str) -> PaymentFailure {
        let body = EventBuilder::new("charge.failed").id(id).build();
        let event = Event::from_slice(&body).unwrap_or_else(|e| panic!("{e}"));
        PaymentFailure::from_event(&event)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("a failure"))
    }

    #[test]
    fn a_flood_is_burst_then_one_digest_per_window_then_quiet_again() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let mut window = Window::new(Digest::new(Duration::from_secs(60), 2));
        assert_eq!(window.admit(&failure("evt_1"), start), Admit::SendNow);
        assert_eq!(
            window.admit(&failure("evt_2"), start + second),
            Admit::SendNow
        );
        let end = start + Duration::from_secs(60);
        assert_eq!(
            window.admit(&failure("evt_3"), start + 2 * second),
            Admit::Kept {
                start_flusher: Some(end)
            }
        );
        for i in 4..=100 {
            assert_eq!(
                window.admit(&failure(&format!("evt_{i}")), start + 3 * second),
                Admit::Kept {
                    start_flusher: None
                }
            );
        }
        let Flush::Send {
            failures,
            unlisted,
            next,
        } = window.flush()
        else {
            panic!("a digest is due")
        };
        assert_eq!((failures.len(), unlisted), (98, 0));
        assert_eq!(failures[0].event_id, "evt_3");
        assert_eq!(next, end + Duration::from_secs(60));
        // Still flooding in the next window: kept, no new flusher.
        assert!(matches!(
            window.admit(&failure("evt_101"), end + second),
            Admit::Kept {
                start_flusher: None
            }
        ));
        assert!(matches!(window.flush(), Flush::Send { .. }));
        // A whole window with nothing: the flood is over, and the next failure goes at once.
        assert!(matches!(window.flush(), Flush::Done));
        assert_eq!(
            window.admit(&failure("evt_200"), end + Duration::from_secs(200)),
            Admit::SendNow
        );
    }

    #[test]
    fn a_digest_that_failed_goes_back_first_and_the_list_is_bounded() {
        let start = Instant::now();
        let mut window = Window::new(Digest::new(Duration::from_secs(60), 1));
        assert_eq!(window.admit(&failure("evt_0"), start), Admit::SendNow);
        for i in 1..=(MAX_LISTED + 10) {
            let _ = window.admit(&failure(&format!("evt_{i}")), start);
        }
        let Flush::Send {
            failures, unlisted, ..
        } = window.flush()
        else {
            panic!("due")
        };
        assert_eq!((failures.len(), unlisted), (MAX_LISTED, 10));
        let _ = window.admit(&failure("evt_late"), start);
        window.put_back(failures, unlisted);
        let (kept, unlisted) = window.take_all();
        assert_eq!(kept[0].event_id, "evt_1");
        assert_eq!(kept.len(), MAX_LISTED);
        assert_eq!(unlisted, 11, "the late one and the ten unlisted");
    }

    #[test]
    fn windows_are_bounded_and_bursts_at_least_one() {
        assert_eq!(Digest::new(Duration::MAX, 0).window(), MAX_WINDOW);
        assert_eq!(Digest::new(Duration::MAX, 0).burst(), 1);
        let mut off = Window::new(Digest::off());
        let now = Instant::now();
        for i in 0..100 {
            assert_eq!(
                off.admit(&failure(&format!("evt_{i}")), now),
                Admit::SendNow
            );
        }
    }
}
