//! Delivery counters, readable from the dispatcher at any time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use super::outcome::Outcome;
use crate::ErrorKind;

/// Counters of one dispatcher, updated without locks on the hot path.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: AtomicU64,
    verified: AtomicU64,
    ignored: AtomicU64,
    duplicates: AtomicU64,
    in_progress: AtomicU64,
    handled: AtomicU64,
    failed_transient: AtomicU64,
    failed_permanent: AtomicU64,
    panicked: AtomicU64,
    store_unavailable: AtomicU64,
    lease_lost: AtomicU64,
    settle_errors: AtomicU64,
    cancelled: AtomicU64,
    // Rejections are the rare path; a lock there costs nothing that matters.
    rejected: Mutex<BTreeMap<&'static str, u64>>,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
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
        match outcome {
            Outcome::Handled { .. } => bump(&self.handled),
            Outcome::Ignored { .. } => bump(&self.ignored),
            Outcome::Duplicate { .. } => bump(&self.duplicates),
            Outcome::InProgress { .. } => bump(&self.in_progress),
            Outcome::Failed { error, .. } if error.is_transient() => bump(&self.failed_transient),
            Outcome::Failed { .. } => bump(&self.failed_permanent),
            Outcome::Panicked { .. } => bump(&self.panicked),
            Outcome::StoreUnavailable { .. } => bump(&self.store_unavailable),
            Outcome::Rejected(error) => self.rejected(error.kind()),
        }
    }

    fn rejected(&self, kind: ErrorKind) {
        let mut rejected = self.rejected.lock().unwrap_or_else(PoisonError::into_inner);
        *rejected.entry(kind.as_str()).or_default() += 1;
    }

    pub(crate) fn snapshot(&self) -> Metrics {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Metrics {
            received: read(&self.received),
            verified: read(&self.verified),
            ignored: read(&self.ignored),
            duplicates: read(&self.duplicates),
            in_progress: read(&self.in_progress),
            handled: read(&self.handled),
            failed_transient: read(&self.failed_transient),
            failed_permanent: read(&self.failed_permanent),
            panicked: read(&self.panicked),
            store_unavailable: read(&self.store_unavailable),
            lease_lost: read(&self.lease_lost),
            settle_errors: read(&self.settle_errors),
            cancelled: read(&self.cancelled),
            rejected: self
                .rejected
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

/// A snapshot of a dispatcher's counters since it was built.
///
/// # Examples
///
/// ```
/// # use stripe_webhooks::{dispatch::{Dispatcher, HandlerError}, testing, Event, Webhook};
/// # let dispatcher = Dispatcher::new(Webhook::new("whsec_x"), |_e: Event| async { Ok::<(), HandlerError>(()) });
/// testing::block_on(dispatcher.dispatch(b"{}", None));
/// let metrics = dispatcher.metrics();
/// assert_eq!(metrics.received, 1);
/// assert_eq!(metrics.rejected["header_missing"], 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Deliveries received.
    pub received: u64,
    /// Deliveries whose signature and timestamp held.
    pub verified: u64,
    /// Events of a type not enabled.
    pub ignored: u64,
    /// Events already handled.
    pub duplicates: u64,
    /// Events refused because another delivery was handling them.
    pub in_progress: u64,
    /// Events the handler handled.
    pub handled: u64,
    /// Handler failures that Stripe will retry.
    pub failed_transient: u64,
    /// Handler failures acknowledged without retry.
    pub failed_permanent: u64,
    /// Handler panics (retried).
    pub panicked: u64,
    /// Deliveries refused because the duplicate store was unreachable.
    pub store_unavailable: u64,
    /// Handler runs that outlived their claim's lease: when they settled, another delivery
    /// may have taken the id over. Make the lease longer than your slowest handler.
    pub lease_lost: u64,
    /// Settles (complete or release) that the duplicate store failed after the handler ran;
    /// the claim then expires with its lease.
    pub settle_errors: u64,
    /// Deliveries dropped while holding a claim (a client that hung up, a timeout, a
    /// shutdown); their claim was handed to the store to settle without waiting.
    pub cancelled: u64,
    /// Rejected deliveries by [`ErrorKind::as_str`] label.
    pub rejected: BTreeMap<&'static str, u64>,
}

impl Metrics {
    /// All rejected deliveries, whatever the reason.
    #[must_use]
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}
