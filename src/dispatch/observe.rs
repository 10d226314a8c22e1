//! Tracing of deliveries, behind the `tracing` feature; without it every function here is an
//! empty inline call. Spans carry the event id, type, outcome and status; never the body nor a
//! secret.

use super::outcome::Outcome;
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

/// Notes the outcome on the current delivery span and passes it through.
#[inline]
pub(crate) fn outcome(outcome: Outcome) -> Outcome {
    #[cfg(feature = "tracing")]
    {
        let span = tracing::Span::current();
        span.record("outcome", outcome.label());
        span.record("status", outcome.status());
        match &outcome {
            Outcome::Rejected(error) => {
                tracing::warn!(reason = error.kind().as_str(), "delivery rejected")
            }
            Outcome::Failed { error, .. } => tracing::warn!(error = %error, "handler failed"),
            Outcome::Panicked { message, .. } => {
                tracing::error!(panic = %message, "handler panicked")
            }
            Outcome::StoreUnavailable { error, .. } => {
                tracing::error!(error = %error, "duplicate store unavailable")
            }
            _ => tracing::debug!("delivery done"),
        }
    }
    outcome
}
