//! Forwarding (feature `forward`): verify once at the edge, fan each event out to internal
//! services and queues, each with its own filter, secret, schedule and delivery state.
//!
//! ```text
//! Stripe -> dispatch -> verify -> parse -> filter -> commit: the event + one forward per target
//!                                                    whose filter takes it -> 200
//!   forwarder, per target: claim due (lease) -> send -> delivered | retrying (backoff) | failed
//! ```
//!
//! - **Targets**: [`Target::http`] POSTs the body byte for byte, signed again with the
//!   target's own secret in Stripe's `Stripe-Signature` scheme (the internal service verifies
//!   it with this crate's [`Webhook`](crate::Webhook), as it would verify Stripe), with the
//!   event id, type and the time Stripe delivered it in headers;
//!   [`Target::redis_stream`] (with the `redis` feature) adds an entry to a Redis stream
//!   (`XADD`), once per event, for queue consumers.
//! - **Durable and independent**: the forwards are written in the same commit as the event,
//!   so a 200 to Stripe means every target will get it. Each target has its own rows in the
//!   inbox (pending, sending, delivered, retrying, failed), its own [`Backoff`], its own
//!   concurrency and lease: a target that fails or hangs only delays itself, and a retry to
//!   one target never re-sends to another.
//! - **At least once**: a forwarder killed after a target took an event and before the record
//!   sends it again after the lease, so consumers dedup by event id (the
//!   `Stripe-Webhooks-Event-Id` header), as they would for Stripe's own retries. The Redis
//!   target adds a stream entry at most once per event (within [`RedisStreamSink::dedup_for`]).
//! - **Independent of the handler**: forwarding does not wait for the handler nor depend on
//!   its result; the dispatcher's [`enabled_events`](crate::dispatch::Dispatcher::enabled_events)
//!   decides what is stored, and each target's filter picks among the stored events.
//! - Attempts show on the console's event page and in [`Entry::forwards`](crate::inbox::Entry);
//!   [`Inbox::replay_forward`] sends one again.
//!
//! Events stored before a target was attached are not sent to it; a target that is renamed
//! is a new target (its name keys its delivery state).
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "sqlite")]
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
//! use stripe_webhooks::forward::Target;
//! use stripe_webhooks::inbox::{ForwardStatus, Inbox};
//! use stripe_webhooks::{testing, Event, Webhook};
//!
//! // An internal service that takes what it is sent (a real one would verify it).
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let billing_url = format!("http://{}/stripe", listener.local_addr()?);
//! tokio::spawn(async move {
//!     use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!     let (mut socket, _) = listener.accept().await.unwrap();
//!     let mut request = vec![0; 64 * 1024];
//!     let _ = socket.read(&mut request).await;
//!     let _ = socket.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").await;
//! });
//!
//! let dir = std::env::temp_dir().join(format!("forward-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let inbox = Inbox::open(&format!("sqlite://{}/events.db", dir.display())).await?;
//! let dispatcher = Dispatcher::new(Webhook::new("whsec_from_stripe"), |_event: Event| async {
//!     Ok::<(), HandlerError>(())
//! })
//! .inbox(inbox.clone())
//! .forward(Target::http("billing", &billing_url, "whsec_billing")?.enabled_events(["invoice.*"]))?;
//!
//! let body = br#"{"id":"evt_fwd","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
//! let now = time::OffsetDateTime::now_utc().unix_timestamp();
//! let header = testing::signature_header(body, "whsec_from_stripe", now);
//! assert_eq!(dispatcher.dispatch(body, Some(&header)).await.status(), 200);
//!
//! let forwarded = dispatcher.forward_due().await?;
//! assert_eq!(forwarded.delivered, 1);
//! let entry = inbox.entry("evt_fwd").await?.unwrap();
//! assert_eq!(entry.forwards[0].status, ForwardStatus::Delivered);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod error;
mod http;
mod lease;
#[cfg(feature = "redis")]
mod redis_stream;
mod sink;
mod target;
mod worker;

use std::sync::Arc;

pub use error::ForwardError;
pub use http::HttpSink;
#[cfg(feature = "redis")]
pub use redis_stream::{RedisStreamSink, DEFAULT_DEDUP_FOR};
pub use sink::Sink;
pub use target::{Target, DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, MAX_CONCURRENCY};
pub use worker::Forwarded;

use crate::dispatch::{Dispatcher, Handler};
use crate::inbox::Inbox;
use crate::EventType;

#[cfg(doc)]
use crate::inbox::Backoff;

/// The headers an HTTP target gets beside `Stripe-Signature`, for consumers that route or
/// dedup before they parse.
pub mod headers {
    /// The event's id (`evt_…`): what a consumer dedups by.
    pub const EVENT_ID: &str = "stripe-webhooks-event-id";
    /// The event's type (`invoice.paid`).
    pub const EVENT_TYPE: &str = "stripe-webhooks-event-type";
    /// When Stripe's delivery of the event reached the edge, in Unix seconds.
    pub const DELIVERED_AT: &str = "stripe-webhooks-delivered-at";
    /// Which send to this target this is (1 for the first).
    pub const ATTEMPT: &str = "stripe-webhooks-attempt";
}

/// The targets attached to an inbox: each new event is checked against their filters at
/// ingest. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub(crate) struct Targets {
    list: Arc<[Arc<Target>]>,
}

impl Targets {
    /// The names of the targets whose filter takes `event_type`.
    pub(crate) fn taking(&self, event_type: &EventType) -> Vec<Arc<str>> {
        self.list
            .iter()
            .filter(|target| target.takes(event_type))
            .map(|target| Arc::clone(target.name_arc()))
            .collect()
    }

    /// Wakes the forwarders of the targets that take `event_type`: one was just stored.
    pub(crate) fn wake(&self, event_type: &EventType) {
        for target in self.list.iter().filter(|target| target.takes(event_type)) {
            target.wake().notify_one();
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<Target>> {
        self.list.iter()
    }

    fn with(&self, target: Target) -> Result<Targets, ForwardError> {
        if self.list.iter().any(|known| known.name() == target.name()) {
            return Err(ForwardError::DuplicateTarget {
                name: target.name().to_owned(),
            });
        }
        let mut list = self.list.to_vec();
        list.push(Arc::new(target));
        Ok(Targets { list: list.into() })
    }
}

impl<H: Handler> Dispatcher<H, Inbox> {
    /// Forwards every stored event that `target`'s filter takes to it, from now on: events
    /// stored by this dispatcher get a forward to the target in the same commit.
    /// [`forward_due`](Dispatcher::forward_due) and
    /// [`run_forwarders`](Dispatcher::run_forwarders) send them.
    ///
    /// # Errors
    ///
    /// [`ForwardError::DuplicateTarget`] when a target of that name is attached already (the
    /// name keys the target's delivery state).
    pub fn forward(mut self, target: Target) -> Result<Self, ForwardError> {
        self.dedup.targets = self.dedup.targets.with(target)?;
        Ok(self)
    }

    /// The attached targets, in the order they were attached.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.dedup.targets.iter().map(|target| &**target)
    }
}
