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
mod observe;
mod outcome;
mod typed;

pub use dispatcher::{Dispatcher, DEFAULT_MAX_BODY_SIZE};
pub use handler::{sync_handler, Handler, HandlerError, Retry, SyncHandler};
pub use metrics::Metrics;
pub use outcome::{Disposition, Outcome, OutcomeKind};
pub use typed::{Typed, TypedHandler};
