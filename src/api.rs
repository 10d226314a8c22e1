//! Stripe's API for a webhook receiver (feature `api`): its webhook endpoints from code, and
//! the events it missed.
//!
//! - [`Client`]: a small typed client (reqwest with rustls) for
//!   [webhook endpoints](Client::create_endpoint) (create, retrieve, list, update, pause and
//!   resume, delete) and [events](Client::list_events) (list by type, creation time and
//!   delivery success; retrieve). `Stripe-Version` pinned, idempotency keys on POSTs, retries
//!   as Stripe advises ([`RetryPolicy`]), Stripe's error body as [`StripeError`]. The key
//!   ([`ApiKey`]) never shows in a `Debug`, an error or a log line.
//! - [`EndpointSpec`] → [`Plan`] → [`Client::apply`]: the endpoint declared next to the
//!   handler (its URL, the dispatcher's event types with `prefix.*` expanded), compared with
//!   the account's, changed only after the plan was read.
//! - [`Backfill`]: the events whose delivery failed in the last hours (up to Stripe's 30
//!   days), fetched and dispatched oldest first through
//!   [`Dispatcher::dispatch_fetched`](crate::dispatch::Dispatcher::dispatch_fetched); the
//!   duplicate guard (or the inbox) drops the ones already handled.
//!
//! # Examples
//!
//! Declare the endpoint next to the dispatcher, plan, read, apply:
//!
//! ```no_run
//! use stripe_webhooks::api::{Applied, ApiKey, Backfill, Client, EndpointSpec};
//! use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
//! use stripe_webhooks::{Event, Webhook};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let dispatcher = Dispatcher::new(Webhook::new("whsec_..."), |event: Event| async move {
//!     println!("{}", event.id());
//!     Ok::<(), HandlerError>(())
//! })
//! .enabled_events(["invoice.*", "customer.subscription.*"]);
//!
//! let client = Client::new(ApiKey::from_env("STRIPE_SECRET_KEY")?)?;
//! let spec = EndpointSpec::for_dispatcher("https://example.com/stripe", &dispatcher);
//! let plan = client.plan(&spec).await?;
//! println!("{plan}");
//! if let Applied::Created(endpoint) = client.apply(&plan).await? {
//!     // Shown once: store it where the receiver reads its secret.
//!     let secret = endpoint.secret().map(|s| s.expose_secret().to_owned());
//! }
//!
//! // After an outage: what Stripe could not deliver in the last day, handled once.
//! let one_day = std::time::Duration::from_secs(24 * 3600);
//! let report = client.backfill(&Backfill::failed_since(one_day)?, &dispatcher).await?;
//! println!("{} events fetched", report.fetched());
//! # Ok(()) }
//! ```
//!
//! `examples/endpoints.rs` in the `integration` package is a command-line tool over all of
//! it, tested against Stripe's API double (stripe-mock).

mod backfill;
mod client;
mod endpoints;
mod error;
mod events;
mod form;
mod key;
mod list;
mod plan;
mod retry;
mod spec;

pub use backfill::{Backfill, BackfillReport, DEFAULT_MAX_EVENTS, MAX_BACKFILL_WINDOW};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_TIMEOUT};
pub use endpoints::{
    CreateEndpoint, DeletedEndpoint, EndpointStatus, UpdateEndpoint, WebhookEndpoint,
};
pub use error::{ApiError, StripeError, StripeErrorType};
pub use events::{EventQuery, FetchedEvent, MAX_QUERY_TYPES};
pub use key::ApiKey;
pub use list::{Pages, MAX_PAGE_SIZE};
pub use plan::{Action, Applied, Plan};
pub use retry::RetryPolicy;
pub use spec::EndpointSpec;

/// `id` if it can only be an id (letters, digits, `_`), so that it cannot change the path.
fn check_id<'a>(what: &str, id: &'a str) -> Result<&'a str, ApiError> {
    let valid = !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(id)
    } else {
        Err(ApiError::InvalidArgument(format!(
            "`{}` is not a Stripe {what} id",
            id.escape_debug()
        )))
    }
}
