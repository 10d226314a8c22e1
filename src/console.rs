//! The webhook console (feature `console`): Stripe's Dashboard webhook pages over your own
//! inbox, as an axum [`Router`] to mount next to the webhook route.
//!
//! - **Deliveries**, newest first, filtered by status, type (`invoice.paid` or `invoice.*`),
//!   mode and event or object id, a page at a time; new entries appear without a reload.
//!   Above them, the last 24 hours as a chart, the counts by status, the dead letters and
//!   the rejected deliveries by kind.
//! - **An event**: its envelope, its object as pretty JSON, what an `*.updated` event
//!   changed, every delivery and every handler run, and a failed payment's summary.
//! - **Actions**: replay an event, requeue the dead letters, send a test event (signed with
//!   the endpoint's secret and POSTed to the endpoint, so it runs the whole pipeline).
//! - **`metrics`**, in Prometheus's text format: deliveries by outcome, entries by status,
//!   the age of the oldest due entry, the dead letters, handler durations.
//!
//! Server-rendered HTML (maud), a small script served by the console itself, nothing from
//! elsewhere: it works offline. Every request needs the [`AccessToken`] (a `?token=` link
//! once, then a cookie; or `Authorization: Bearer` for a scraper), unless
//! [`Access::UnauthenticatedLoopback`] says otherwise; forms carry a CSRF token; every value
//! from an event is escaped; the Content-Security-Policy allows the console's own script
//! and style only; no secret is rendered. See SECURITY.md.
//!
//! # Examples
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use stripe_webhooks::console::{Access, AccessToken, Console};
//! use stripe_webhooks::inbox::Inbox;
//! use stripe_webhooks::Webhook;
//!
//! let dir = std::env::temp_dir().join(format!("console-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let inbox = Inbox::open(&format!("sqlite://{}/events.db", dir.display())).await?;
//! let token = AccessToken::generate();
//! let console = Console::new(
//!     inbox,
//!     Webhook::new("whsec_test"),
//!     "http://127.0.0.1:3000/stripe/webhook",
//!     Access::Token(token.clone()),
//! )?;
//! // Mounted next to the webhook route; open `/stripe/console/?token=…` once.
//! let app: axum::Router = axum::Router::new().nest("/stripe/console", console.router());
//! println!("console: http://127.0.0.1:3000/stripe/console/?token={}", token.expose());
//! # let _ = app;
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod access;
mod actions;
mod assets;
mod filters;
mod json;
mod metrics;
mod pages;

use std::fmt;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use access::{Access, AccessToken};

use crate::dispatch::Metrics;
use crate::inbox::Inbox;
use crate::Webhook;

/// A configuration the console refuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    /// The access token is too short to resist guessing.
    #[error("the console's access token must be at least {min} characters (it has {len}): use AccessToken::generate()")]
    TokenTooShort {
        /// The least length.
        min: usize,
        /// Its length.
        len: usize,
    },
    /// The access token holds a character other than a letter, a digit, or `-_.~`.
    #[error("the console's access token may hold only letters, digits and -_.~ (it travels in a URL and a cookie)")]
    TokenCharacters,
    /// The endpoint URL is not an `http://` or `https://` URL.
    #[error("the console's endpoint URL `{0}` is not an http:// or https:// URL")]
    EndpointUrl(String),
    /// The HTTP client for test deliveries could not be built.
    #[error("the console's HTTP client could not be built: {0}")]
    Client(String),
}

/// The console: build it once, mount its [`router`](Console::router) under a path of your
/// choice. Cheap to clone.
#[derive(Clone)]
pub struct Console {
    shared: Shared,
}

/// What every route reads.
#[derive(Clone)]
pub(crate) struct Shared {
    inbox: Inbox,
    webhook: Webhook,
    endpoint_url: reqwest::Url,
    access: Access,
    csrf: String,
    client: reqwest::Client,
    dispatcher_metrics: Option<Arc<dyn Fn() -> Metrics + Send + Sync>>,
}

impl fmt::Debug for Console {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Console")
            .field("inbox", &self.shared.inbox.backend())
            .field("endpoint_url", &self.shared.endpoint_url.as_str())
            .field("access", &self.shared.access)
            .finish_non_exhaustive()
    }
}

impl Console {
    /// A console over `inbox`. Test events are signed with `webhook`'s first secret and POSTed
    /// to `endpoint_url` (your webhook route, as this process reaches it).
    ///
    /// # Errors
    ///
    /// An endpoint URL that is not `http(s)://`, or an HTTP client that cannot be built.
    pub fn new(
        inbox: Inbox,
        webhook: Webhook,
        endpoint_url: &str,
        access: Access,
    ) -> Result<Console, ConsoleError> {
        let url = reqwest::Url::parse(endpoint_url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| ConsoleError::EndpointUrl(endpoint_url.to_owned()))?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| ConsoleError::Client(error.to_string()))?;
        Ok(Console {
            shared: Shared {
                inbox,
                webhook,
                endpoint_url: url,
                csrf: access::csrf_token(&access),
                access,
                client,
                dispatcher_metrics: None,
            },
        })
    }

    /// Adds the dispatcher's delivery counters to the `metrics` route (deliveries by outcome
    /// and status, rejections by kind): pass `move || dispatcher.metrics()`, the dispatcher
    /// in an `Arc`.
    #[must_use]
    pub fn dispatcher_metrics(
        mut self,
        metrics: impl Fn() -> Metrics + Send + Sync + 'static,
    ) -> Console {
        self.shared.dispatcher_metrics = Some(Arc::new(metrics));
        self
    }

    /// The console's routes, relative to where you mount them (`Router::nest`).
    pub fn router(&self) -> Router {
        let shared = Arc::new(self.shared.clone());
        Router::new()
            .route("/", get(pages::deliveries::page))
            .route("/rows", get(pages::deliveries::rows))
            .route("/events/{id}", get(pages::event::page))
            .route("/events/{id}/replay", post(actions::replay))
            .route(
                "/events/{id}/forwards/{target}/replay",
                post(actions::replay_forward),
            )
            .route("/requeue", post(actions::requeue))
            .route("/test-event", post(actions::test_event))
            .route("/metrics", get(metrics::render))
            .route("/assets/console.css", get(assets::css))
            .route("/assets/console.js", get(assets::js))
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&shared),
                access::guard,
            ))
            .with_state(shared)
    }
}
