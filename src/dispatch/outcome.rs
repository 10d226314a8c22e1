//! [`Outcome`]: what the dispatcher did with a delivery, and the HTTP answer it calls for.

use std::fmt;

use super::handler::HandlerError;
use crate::error::Error;
use crate::store::StoreError;
use crate::EventType;

/// What happened to one delivery, and how to answer Stripe.
///
/// A delivery is either refused before its event could be read ([`Rejected`](Outcome::Rejected)),
/// or it carried a genuine event, and [`Disposition`] says what became of it.
/// [`status`](Outcome::status) is the HTTP status to return; `Display` gives a short text for
/// the response body that never holds a secret or the request body. The mapping makes Stripe
/// retry exactly when a retry can help:
///
/// | outcome | status | Stripe |
/// |---|---|---|
/// | `Handled`, `Ignored`, `Duplicate`, `Stored` | 200 | done |
/// | `Failed` with a permanent error | 200 | done; the failure is yours to report |
/// | `Rejected` (signature, timestamp, payload) | 400 (413 for an oversize body) | retries, and fails again: a forgery stays out |
/// | `Rejected` for a missing secret | 500 | retries: fix the configuration and it succeeds |
/// | `Failed` with a transient error, `Panicked` | 500 | retries with backoff |
/// | `InProgress`, `StoreUnavailable` | 503 | retries later |
///
/// Answer quickly: Stripe counts a slow answer as a failure.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dispatch::{Disposition, Outcome, OutcomeKind};
/// use stripe_webhooks::{Error, EventType};
///
/// let outcome = Outcome::Rejected(Error::HeaderMissing);
/// assert_eq!(outcome.status(), 400);
/// assert_eq!(outcome.kind(), OutcomeKind::Rejected);
///
/// let outcome = Outcome::Delivered {
///     event_id: "evt_1".into(),
///     event_type: EventType::InvoicePaid,
///     disposition: Disposition::Duplicate,
/// };
/// assert!(outcome.is_success());
/// assert_eq!(outcome.to_string(), "duplicate evt_1: already handled");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The request was refused before any handling: no header, bad signature, stale
    /// timestamp, oversize or unparsable body, or a misconfigured secret.
    Rejected(Error),
    /// The delivery carried a genuine event.
    Delivered {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
        /// What became of it.
        disposition: Disposition,
    },
}

/// What became of a genuine event: [`Outcome::Delivered`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Disposition {
    /// The handler succeeded.
    Handled,
    /// The event type is not enabled for this dispatcher; acknowledged unhandled.
    Ignored,
    /// The event was already handled; acknowledged without running the handler again.
    Duplicate,
    /// Another delivery of the same event is being handled right now; Stripe should retry.
    InProgress,
    /// The handler returned an error; its [`retry`](HandlerError::retry) decides the status.
    Failed(HandlerError),
    /// The handler panicked; the panic was caught and the event will be retried. Holds the
    /// panic message, when it was a string.
    Panicked(String),
    /// The duplicate store could not be reached, or (ack-first) the inbox could not store the
    /// event; the handler did not run.
    StoreUnavailable(StoreError),
    /// Ack-first: the event is durably in the inbox, and a worker will run the handler.
    Stored,
}

crate::label_enum::label_enum! {
    /// The kind of an [`Outcome`]: a fixed label for metrics and logs, and the index of its
    /// counter in [`Metrics`](super::Metrics).
    pub enum OutcomeKind {
        /// [`Disposition::Handled`].
        Handled => "handled",
        /// [`Disposition::Ignored`].
        Ignored => "ignored",
        /// [`Disposition::Duplicate`].
        Duplicate => "duplicate",
        /// [`Disposition::InProgress`].
        InProgress => "in_progress",
        /// [`Outcome::Rejected`]; [`Metrics::rejected`](super::Metrics::rejected) counts them by
        /// [`ErrorKind`](crate::ErrorKind).
        Rejected => "rejected",
        /// [`Disposition::Failed`] with a transient error (retried).
        FailedTransient => "failed_transient",
        /// [`Disposition::Failed`] with a permanent error (acknowledged, not retried).
        FailedPermanent => "failed_permanent",
        /// [`Disposition::Panicked`].
        Panicked => "panicked",
        /// [`Disposition::StoreUnavailable`].
        StoreUnavailable => "store_unavailable",
        /// [`Disposition::Stored`].
        Stored => "stored",
    }
}

impl OutcomeKind {
    /// The HTTP status deliveries of this kind are answered with; `None` for
    /// [`Rejected`](OutcomeKind::Rejected), whose status is its
    /// [`ErrorKind`](crate::ErrorKind)'s.
    ///
    /// ```
    /// use stripe_webhooks::dispatch::OutcomeKind;
    ///
    /// assert_eq!(OutcomeKind::Stored.status(), Some(200));
    /// assert_eq!(OutcomeKind::FailedTransient.status(), Some(500));
    /// assert_eq!(OutcomeKind::StoreUnavailable.status(), Some(503));
    /// assert_eq!(OutcomeKind::Rejected.status(), None);
    /// ```
    #[must_use]
    pub const fn status(self) -> Option<u16> {
        match self {
            OutcomeKind::Handled
            | OutcomeKind::Ignored
            | OutcomeKind::Duplicate
            | OutcomeKind::Stored
            | OutcomeKind::FailedPermanent => Some(200),
            OutcomeKind::FailedTransient | OutcomeKind::Panicked => Some(500),
            OutcomeKind::InProgress | OutcomeKind::StoreUnavailable => Some(503),
            OutcomeKind::Rejected => None,
        }
    }
}

impl Outcome {
    /// The HTTP status to answer Stripe with.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Rejected(error) => error.kind().status(),
            Outcome::Delivered { disposition, .. } => disposition.status(),
        }
    }

    /// Whether Stripe will count the delivery as successful (a 2xx status).
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status())
    }

    /// The kind, for metrics and logs (`outcome.kind().as_str()` is the label).
    #[must_use]
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Rejected(_) => OutcomeKind::Rejected,
            Outcome::Delivered { disposition, .. } => disposition.kind(),
        }
    }

    /// The event id, once the event was parsed.
    #[must_use]
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Outcome::Delivered { event_id, .. } => Some(event_id),
            Outcome::Rejected(_) => None,
        }
    }

    /// The event type, once the event was parsed.
    #[must_use]
    pub fn event_type(&self) -> Option<&EventType> {
        match self {
            Outcome::Delivered { event_type, .. } => Some(event_type),
            Outcome::Rejected(_) => None,
        }
    }

    /// What became of the event, once it was parsed.
    #[must_use]
    pub fn disposition(&self) -> Option<&Disposition> {
        match self {
            Outcome::Delivered { disposition, .. } => Some(disposition),
            Outcome::Rejected(_) => None,
        }
    }
}

impl Disposition {
    /// The HTTP status this disposition calls for.
    #[must_use]
    pub fn status(&self) -> u16 {
        // A disposition is never a rejection, the one kind without a status of its own.
        self.kind().status().unwrap_or(500)
    }

    /// The kind of the outcome it makes.
    #[must_use]
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Disposition::Handled => OutcomeKind::Handled,
            Disposition::Ignored => OutcomeKind::Ignored,
            Disposition::Duplicate => OutcomeKind::Duplicate,
            Disposition::InProgress => OutcomeKind::InProgress,
            Disposition::Failed(error) if error.is_transient() => OutcomeKind::FailedTransient,
            Disposition::Failed(_) => OutcomeKind::FailedPermanent,
            Disposition::Panicked(_) => OutcomeKind::Panicked,
            Disposition::StoreUnavailable(_) => OutcomeKind::StoreUnavailable,
            Disposition::Stored => OutcomeKind::Stored,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (id, event_type, disposition) = match self {
            Outcome::Rejected(error) => return write!(f, "rejected: {error}"),
            Outcome::Delivered {
                event_id,
                event_type,
                disposition,
            } => (event_id, event_type, disposition),
        };
        match disposition {
            Disposition::Handled => write!(f, "handled {id}"),
            Disposition::Ignored => write!(f, "ignored {id}: {event_type} is not enabled"),
            Disposition::Duplicate => write!(f, "duplicate {id}: already handled"),
            Disposition::InProgress => {
                write!(f, "{id} is being handled by another delivery: retry later")
            }
            Disposition::Failed(error) if error.is_transient() => {
                write!(f, "{id} failed, retry: {error}")
            }
            Disposition::Failed(error) => {
                write!(f, "{id} failed permanently, not retried: {error}")
            }
            Disposition::Panicked(_) => write!(f, "{id}: the handler panicked, retry"),
            Disposition::StoreUnavailable(_) => {
                write!(f, "{id}: store unavailable, retry later")
            }
            Disposition::Stored => write!(f, "stored {id}"),
        }
    }
}
