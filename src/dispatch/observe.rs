//! Tracing of deliveries, behind the `tracing` feature; without it every function here is an
//! empty inline call. Spans carry the event id, type, outcome and status; never the body nor a
//! secret.

#[cfg(feature = "tracing")]
use super::outcome::Disposition;
use super::outcome::Outcome;
use crate::store::{Settle, StoreError};
use crate::Event;

#[cfg(feature = "tracing")]
pub(crate) fn delivery_span() -> tracing::Span {
    tracing::info_span!(
        "stripe_webhook",
        event_id = tracing::field::Empty,
        event_type = tracing::field::Empty,
        outcome = tracing::field::Empty,
        status = tracing::field::Empty,
    )
}

/// Notes the parsed event on the current delivery span.
#[inline]
pub(crate) fn event(event: &Event) {
    #[cfg(feature = "tracing")]
    {
        let span = tracing::Span::current();
        span.record("event_id", event.id());
        span.record("event_type", event.event_type().as_str());
    }
    let _ = event;
}

/// Notes the outcome on the current delivery span.
#[inline]
pub(crate) fn outcome(outcome: &Outcome) {
    #[cfg(feature = "tracing")]
    {
        let span = tracing::Span::current();
        span.record("outcome", outcome.kind().as_str());
        span.record("status", outcome.status());
        match outcome {
            Outcome::Rejected(error) => {
                tracing::warn!(reason = error.kind().as_str(), "delivery rejected")
            }
            Outcome::Delivered { disposition, .. } => match disposition {
                Disposition::Failed(error) => tracing::warn!(error = %error, "handler failed"),
                Disposition::Panicked(message) => {
                    tracing::error!(panic = %message, "handler panicked")
                }
                Disposition::StoreUnavailable(error) => {
                    tracing::error!(error = %error, "duplicate store unavailable")
                }
                _ => tracing::debug!("delivery done"),
            },
        }
    }
    let _ = outcome;
}

/// Notes a handler that outlived its claim's lease.
#[inline]
pub(crate) fn lease_lost(settle: Settle) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        settle = ?settle,
        "the handler outlived its claim's lease: make the lease longer than the slowest handler"
    );
    let _ = settle;
}

/// Notes a settle the duplicate store failed after the handler ran.
#[inline]
pub(crate) fn settle_error(settle: Settle, error: &StoreError) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        settle = ?settle,
        error = %error,
        "duplicate store failed after the handler ran: the claim expires with its lease"
    );
    let _ = (settle, error);
}

/// Notes a delivery dropped while it held a claim.
#[inline]
pub(crate) fn cancelled(settle: Settle) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        settle = ?settle,
        "delivery dropped while holding its claim: settled without waiting"
    );
    let _ = settle;
}
