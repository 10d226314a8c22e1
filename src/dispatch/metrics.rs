//! Delivery counters, readable from the dispatcher at any time.

use std::sync::atomic::{AtomicU64, Ordering};

use super::outcome::{Outcome, OutcomeKind};
use crate::error::ErrorKind;

const OUTCOMES: usize = OutcomeKind::ALL.len();
const REJECTIONS: usize = ErrorKind::ALL.len();

/// Counters of one dispatcher, updated without locks: one per [`OutcomeKind`] and one per
/// [`ErrorKind`] of rejection, indexed by the kind.
#[derive(Debug)]
pub(crate) struct Counters {
    received: AtomicU64,
    verified: AtomicU64,
    lease_lost: AtomicU64,
    settle_errors: AtomicU64,
    cancelled: AtomicU64,
    outcomes: [AtomicU64; OUTCOMES],
    rejected: [AtomicU64; REJECTIONS],
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            received: AtomicU64::new(0),
            verified: AtomicU64::new(0),
            lease_lost: AtomicU64::new(0),
            settle_errors: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            outcomes: std::array::from_fn(|_| AtomicU64::new(0)),
            rejected: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn read(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

impl Counters {
    pub(crate) fn received(&self) {
        bump(&self.received);
    }

    pub(crate) fn verified(&self) {
        bump(&self.verified);
    }

    pub(crate) fn lease_lost(&self) {
        bump(&self.lease_lost);
    }

    pub(crate) fn settle_error(&self) {
        bump(&self.settle_errors);
    }

    pub(crate) fn cancelled(&self) {
        bump(&self.cancelled);
    }

    pub(crate) fn record(&self, outcome: &Outcome) {
        bump(&self.outcomes[outcome.kind() as usize]);
        if let Outcome::Rejected(error) = outcome {
            bump(&self.rejected[error.kind() as usize]);
        }
    }

    pub(crate) fn snapshot(&self) -> Metrics {
        Metrics {
            received: read(&self.received),
            verified: read(&self.verified),
            lease_lost: read(&self.lease_lost),
            settle_errors: read(&self.settle_errors),
            cancelled: read(&self.cancelled),
            outcomes: self.outcomes.each_ref().map(read),
            rejected: self.rejected.each_ref().map(read),
        }
    }
}

/// A snapshot of a dispatcher's counters since it was built.
///
/// # Examples
///
/// ```
/// # use stripe_webhooks::{dispatch::{Dispatcher, HandlerError, OutcomeKind}, Event, ErrorKind, Webhook};
/// # let dispatcher = Dispatcher::new(Webhook::new("whsec_x"), |_e: Event| async { Ok::<(), HandlerError>(()) });
/// pollster::block_on(dispatcher.dispatch(b"{}", None));
/// let metrics = dispatcher.metrics();
/// assert_eq!(metrics.received, 1);
/// assert_eq!(metrics.count(OutcomeKind::Rejected), 1);
/// assert_eq!(metrics.rejected(ErrorKind::HeaderMissing), 1);
/// for (kind, count) in metrics.outcomes() {
///     println!("stripe_webhook_outcomes{{outcome=\"{kind}\"}} {count}");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Deliveries received.
    pub received: u64,
    /// Deliveries whose signature and timestamp held.
    pub verified: u64,
    /// Handler runs that outlived their claim's lease: when they settled, another delivery
    /// may have taken the id over. Make the lease longer than your slowest handler.
    pub lease_lost: u64,
    /// Settles (complete or release) that the duplicate store failed after the handler ran;
    /// the claim then expires with its lease.
    pub settle_errors: u64,
    /// Deliveries dropped while holding a claim (a client that hung up, a timeout, a
    /// shutdown); their claim was handed to the store to settle without waiting.
    pub cancelled: u64,
    outcomes: [u64; OUTCOMES],
    rejected: [u64; REJECTIONS],
}

impl Metrics {
    /// How many deliveries ended this way.
    #[must_use]
    pub fn count(&self, kind: OutcomeKind) -> u64 {
        self.outcomes[kind as usize]
    }

    /// How many deliveries were rejected for this reason.
    #[must_use]
    pub fn rejected(&self, kind: ErrorKind) -> u64 {
        self.rejected[kind as usize]
    }

    /// All rejected deliveries, whatever the reason.
    #[must_use]
    pub fn rejected_total(&self) -> u64 {
        self.count(OutcomeKind::Rejected)
    }

    /// Every outcome kind with its count, in [`OutcomeKind::ALL`] order: for exporters.
    pub fn outcomes(&self) -> impl Iterator<Item = (OutcomeKind, u64)> + '_ {
        OutcomeKind::ALL.into_iter().zip(self.outcomes)
    }

    /// Every rejection reason with its count, in [`ErrorKind::ALL`] order: for exporters.
    pub fn rejections(&self) -> impl Iterator<Item = (ErrorKind, u64)> + '_ {
        ErrorKind::ALL.into_iter().zip(self.rejected)
    }
}
