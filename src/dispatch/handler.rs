//! The plain [`Handler`] trait, [`HandlerError`], and the adapters that make closures handlers.

use std::fmt;
use std::future::Future;

use crate::error::{Error, Message};
use crate::Event;

/// What your code does with an event that passed every check.
///
/// One method, written as an `async fn` in your impl. Return `Ok(())` once the event is
/// safely handled, [`HandlerError::transient`] when a retry may succeed (Stripe will deliver
/// again), or [`HandlerError::permanent`] when it cannot (reported, acknowledged, not retried).
///
/// An async closure taking an [`Event`] is a handler as it is; wrap a synchronous closure
/// with [`sync_handler`], and implement [`TypedHandler`](super::TypedHandler) instead to get one
/// method per event type with the resource already parsed.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dispatch::{Handler, HandlerError};
/// use stripe_webhooks::{Event, EventType};
///
/// struct Grants;
///
/// impl Handler for Grants {
///     async fn handle(&self, event: Event) -> Result<(), HandlerError> {
///         match event.event_type() {
///             EventType::CustomerSubscriptionCreated => { /* grant access */ Ok(()) }
///             _ => Ok(()),
///         }
///     }
/// }
///
/// // A closure works too:
/// let handler = |event: Event| async move {
///     println!("{}", event.id());
///     Ok::<(), HandlerError>(())
/// };
/// # fn is_handler(_: impl Handler) {}
/// # is_handler(Grants);
/// # is_handler(handler);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a webhook handler",
    note = "implement `stripe_webhooks::dispatch::Handler` (one `async fn handle(&self, event: Event) -> Result<(), HandlerError>`), \
            pass an async closure `|event: Event| async move {{ ... }}`, or wrap a synchronous closure with `dispatch::sync_handler`"
)]
pub trait Handler: Send + Sync {
    /// Handles one verified, parsed, enabled and not-yet-seen event.
    fn handle(&self, event: Event) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

impl<F, Fut> Handler for F
where
    F: Fn(Event) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), HandlerError>> + Send,
{
    fn handle(&self, event: Event) -> impl Future<Output = Result<(), HandlerError>> + Send {
        self(event)
    }
}

/// A shared handler is a handler: keep an `Arc` to read its state while the dispatcher owns
/// the other.
impl<H: Handler> Handler for std::sync::Arc<H> {
    fn handle(&self, event: Event) -> impl Future<Output = Result<(), HandlerError>> + Send {
        H::handle(self, event)
    }
}

/// Makes a synchronous closure a [`Handler`].
///
/// The closure runs on the task that calls `dispatch`; keep it quick (enqueue, write a row),
/// as Stripe expects an answer within seconds.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dispatch::{sync_handler, HandlerError};
/// use stripe_webhooks::Event;
///
/// let handler = sync_handler(|event: Event| {
///     println!("got {}", event.event_type());
///     Ok::<(), HandlerError>(())
/// });
/// # fn is_handler(_: impl stripe_webhooks::dispatch::Handler) {}
/// # is_handler(handler);
/// ```
pub fn sync_handler<F>(handler: F) -> SyncHandler<F>
where
    F: Fn(Event) -> Result<(), HandlerError> + Send + Sync,
{
    SyncHandler(handler)
}

/// A synchronous closure as a [`Handler`]; made by [`sync_handler`].
#[derive(Clone)]
pub struct SyncHandler<F>(F);

impl<F> fmt::Debug for SyncHandler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncHandler")
    }
}

impl<F> Handler for SyncHandler<F>
where
    F: Fn(Event) -> Result<(), HandlerError> + Send + Sync,
{
    fn handle(&self, event: Event) -> impl Future<Output = Result<(), HandlerError>> + Send {
        std::future::ready((self.0)(event))
    }
}

/// Whether a failed event is worth delivering again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Retry {
    /// A retry may succeed (a database or service was down): answer 5xx, Stripe retries.
    Transient,
    /// A retry cannot succeed (the event refers to something that does not exist for you):
    /// answer 2xx, report it, do not retry.
    Permanent,
}

/// A handler's failure, which says whether a retry can help.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dispatch::{HandlerError, Retry};
///
/// let down = HandlerError::transient("database unavailable");
/// assert_eq!(down.retry(), Retry::Transient);
/// let bad = HandlerError::permanent(format_args!("no account for customer {}", "cus_1"));
/// assert_eq!(bad.to_string(), "no account for customer cus_1");
/// ```
#[derive(Debug)]
pub struct HandlerError {
    retry: Retry,
    message: Message,
}

impl HandlerError {
    /// A failure a retry may fix: the delivery is answered with 500 and Stripe retries.
    pub fn transient(message: impl fmt::Display) -> HandlerError {
        HandlerError {
            retry: Retry::Transient,
            message: Message::new(message),
        }
    }

    /// A failure no retry can fix: the delivery is answered with 200 and reported.
    pub fn permanent(message: impl fmt::Display) -> HandlerError {
        HandlerError {
            retry: Retry::Permanent,
            message: Message::new(message),
        }
    }

    /// Attaches the underlying error, kept as `source()` (and not repeated in the message).
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> HandlerError {
        self.message = self.message.with_source(source);
        self
    }

    /// Whether a retry may help.
    #[must_use]
    pub fn retry(&self) -> Retry {
        self.retry
    }

    /// Whether a retry may help (`retry() == Retry::Transient`).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        self.retry == Retry::Transient
    }

    /// The message given.
    #[must_use]
    pub fn message(&self) -> &str {
        self.message.text()
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message.fmt(f)
    }
}

impl std::error::Error for HandlerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.message.source()
    }
}

/// A crate error inside a handler (typically a typed object that does not fit its model) is
/// permanent: the same bytes will not fit on a retry. Its message, which holds every detail,
/// becomes the handler error's message.
impl From<Error> for HandlerError {
    fn from(error: Error) -> Self {
        HandlerError::permanent(error)
    }
}
