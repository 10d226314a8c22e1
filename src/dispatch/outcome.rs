//! [`Outcome`]: what the dispatcher did with a delivery, and the HTTP answer it calls for.

use std::fmt;

use super::handler::HandlerError;
use crate::store::StoreError;
use crate::{Error, EventType};

/// What happened to one delivery, and how to answer Stripe.
///
/// [`status`](Outcome::status) is the HTTP status to return and [`body`](Outcome::body) a short
/// text for the response. The mapping makes Stripe retry exactly when a retry can help:
///
/// | outcome | status | Stripe |
/// |---|---|---|
/// | `Handled`, `Ignored`, `Duplicate` | 200 | done |
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
/// use stripe_webhooks::dispatch::Outcome;
/// use stripe_webhooks::Error;
///
/// let outcome = Outcome::Rejected(Error::HeaderMissing);
/// assert_eq!(outcome.status(), 400);
/// assert!(!outcome.is_success());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The handler succeeded.
    Handled {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
    },
    /// The event type is not enabled for this dispatcher; acknowledged unhandled.
    Ignored {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
    },
    /// The event was already handled; acknowledged without running the handler again.
    Duplicate {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
    },
    /// Another delivery of the same event is being handled right now; Stripe should retry.
    InProgress {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
    },
    /// The request was refused before any handling: no header, bad signature, stale
    /// timestamp, oversize or unparsable body, or a misconfigured secret.
    Rejected(Error),
    /// The handler returned an error.
    Failed {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
        /// What the handler said; its [`retry`](HandlerError::retry) decides the status.
        error: HandlerError,
    },
    /// The handler panicked; the panic was caught and the event will be retried.
    Panicked {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
        /// The panic message, when it was a string.
        message: String,
    },
    /// The duplicate store could not be reached; the handler did not run.
    StoreUnavailable {
        /// The event id.
        event_id: String,
        /// The event type.
        event_type: EventType,
        /// What the store said.
        error: StoreError,
    },
}

impl Outcome {
    /// The HTTP status to answer Stripe with.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Outcome::Handled { .. } | Outcome::Ignored { .. } | Outcome::Duplicate { .. } => 200,
            Outcome::Failed { error, .. } if !error.is_transient() => 200,
            Outcome::Failed { .. } | Outcome::Panicked { .. } => 500,
            Outcome::Rejected(error) => error.kind().status(),
            Outcome::InProgress { .. } | Outcome::StoreUnavailable { .. } => 503,
        }
    }

    /// Whether Stripe will count the delivery as successful (a 2xx status).
    #[must_use]
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status())
    }

    /// A short, stable label for metrics and logs.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Handled { .. } => "handled",
            Outcome::Ignored { .. } => "ignored",
            Outcome::Duplicate { .. } => "duplicate",
            Outcome::InProgress { .. } => "in_progress",
            Outcome::Rejected(_) => "rejected",
            Outcome::Failed { error, .. } if error.is_transient() => "failed_transient",
            Outcome::Failed { .. } => "failed_permanent",
            Outcome::Panicked { .. } => "panicked",
            Outcome::StoreUnavailable { .. } => "store_unavailable",
        }
    }

    /// The event id, once the event was parsed.
    #[must_use]
    pub fn event_id(&self) -> Option<&str> {
        match self {
            Outcome::Handled { event_id, .. }
            | Outcome::Ignored { event_id, .. }
            | Outcome::Duplicate { event_id, .. }
            | Outcome::InProgress { event_id, .. }
            | Outcome::Failed { event_id, .. }
            | Outcome::Panicked { event_id, .. }
            | Outcome::StoreUnavailable { event_id, .. } => Some(event_id),
            Outcome::Rejected(_) => None,
        }
    }

    /// The event type, once the event was parsed.
    #[must_use]
    pub fn event_type(&self) -> Option<&EventType> {
        match self {
            Outcome::Handled { event_type, .. }
            | Outcome::Ignored { event_type, .. }
            | Outcome::Duplicate { event_type, .. }
            | Outcome::InProgress { event_type, .. }
            | Outcome::Failed { event_type, .. }
            | Outcome::Panicked { event_type, .. }
            | Outcome::StoreUnavailable { event_type, .. } => Some(event_type),
            Outcome::Rejected(_) => None,
        }
    }

    /// A short plain-text response body; it never contains a secret or the request body.
    #[must_use]
    pub fn body(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Handled { event_id, .. } => write!(f, "handled {event_id}"),
            Outcome::Ignored {
                event_id,
                event_type,
            } => {
                write!(f, "ignored {event_id}: {event_type} is not enabled")
            }
            Outcome::Duplicate { event_id, .. } => {
                write!(f, "duplicate {event_id}: already handled")
            }
            Outcome::InProgress { event_id, .. } => {
                write!(
                    f,
                    "{event_id} is being handled by another delivery: retry later"
                )
            }
            Outcome::Rejected(error) => write!(f, "rejected: {error}"),
            Outcome::Failed {
                event_id, error, ..
            } if error.is_transient() => {
                write!(f, "{event_id} failed, retry: {error}")
            }
            Outcome::Failed {
                event_id, error, ..
            } => {
                write!(f, "{event_id} failed permanently, not retried: {error}")
            }
            Outcome::Panicked { event_id, .. } => {
                write!(f, "{event_id}: the handler panicked, retry")
            }
            Outcome::StoreUnavailable { event_id, .. } => {
                write!(f, "{event_id}: duplicate store unavailable, retry later")
            }
        }
    }
}
