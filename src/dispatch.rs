//! The webhook pipeline: [`Handler`] traits, the [`Dispatcher`], and the [`Outcome`] that
//! says which HTTP status to answer.
//!
//! ```text
//! raw body + Stripe-Signature
//!   -> size limit -> verify -> parse -> enabled-event filter -> duplicate claim
//!   -> handler (panics caught) -> done or released -> Outcome -> HTTP status
//! ```

mod dispatcher;
mod filter;
mod handler;
mod metrics;
mod mode;
mod observe;
mod outcome;
mod typed;

#[cfg(any(feature = "inbox", feature = "api"))]
pub(crate) use dispatcher::Origin;
#[cfg(feature = "inbox")]
pub(crate) use dispatcher::{catch_panic, Genuine};
pub use dispatcher::{Dispatcher, DEFAULT_MAX_BODY_SIZE};
#[cfg(feature = "forward")]
pub(crate) use filter::EventFilter;
pub use handler::{sync_handler, Handler, HandlerError, Retry, SyncHandler};
pub use metrics::Metrics;
#[cfg(feature = "inbox")]
pub(crate) use mode::sealed::Dispose;
pub use mode::Mode;
pub use outcome::{Disposition, Outcome, OutcomeKind};
pub use typed::{Typed, TypedHandler};
