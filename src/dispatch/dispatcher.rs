//! [`Dispatcher`]: verify, parse, filter, drop duplicates, run the handler, answer.

use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::Poll;

use time::OffsetDateTime;

use super::filter::EventFilter;
use super::handler::Handler;
use super::metrics::{Counters, Metrics};
use super::mode::Mode;
use super::observe;
use super::outcome::{Disposition, Outcome};
use crate::error::Error;
use crate::store::{Claim, ClaimToken, DedupStore, MemoryDedupStore, Settle, Settled};
use crate::{Event, Webhook};

/// The largest body accepted by default: 2 MiB, far above the largest events Stripe sends
/// (an event carries one object, and lists inside it are truncated), small enough that a
/// flood of oversize posts costs nothing before they are refused.
pub const DEFAULT_MAX_BODY_SIZE: usize = 2 * 1024 * 1024;

/// The webhook pipeline: raw request in, [`Outcome`] (and so the HTTP status) out.
///
/// For each delivery: check the body size, verify the signature and timestamp, parse the
/// event, drop it if its type is not enabled, claim its id in the duplicate store, run the
/// handler (catching a panic), then record the id as done or release it for Stripe's retry.
///
/// `Dispatcher` is `Send + Sync` when its handler and store are; share one by reference or
/// `Arc` across requests. `dispatch` returns a `Send` future and needs no particular runtime.
///
/// # Dropped deliveries
///
/// Whatever `.await` the `dispatch` future is dropped at, the claim it holds is settled at
/// once through [`DedupStore::settle_detached`]: released if the handler had not finished
/// (Stripe's retry then runs it without waiting for the lease), completed if it had
/// succeeded. So:
///
/// - a client that hangs up gets its event handled by Stripe's next retry, never blocked by
///   a stale claim;
/// - a timeout that drops the future is the same as a hang-up;
/// - a shutdown that drops in-flight futures is the same too, except that a store settling
///   through a background task (Redis) may find the runtime gone, and the claim then
///   expires with its lease;
/// - a killed process runs nothing: the claim expires with its lease, and a handler that had
///   succeeded without its completion landing runs once more after it.
///
/// Each of these is counted in [`Metrics::cancelled`](super::Metrics::cancelled).
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
/// use stripe_webhooks::{testing, Event, Webhook};
///
/// let dispatcher = Dispatcher::new(Webhook::new("whsec_test"), |event: Event| async move {
///     println!("handling {}", event.id());
///     Ok::<(), HandlerError>(())
/// })
/// .enabled_events(["invoice.*", "payment_intent.payment_failed"]);
///
/// let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
/// let now = time::OffsetDateTime::now_utc().unix_timestamp();
/// let header = testing::signature_header(body, "whsec_test", now);
///
/// let outcome = pollster::block_on(dispatcher.dispatch(body, Some(&header)));
/// assert_eq!(outcome.kind(), OutcomeKind::Handled);
/// assert_eq!(outcome.status(), 200);
///
/// // The same event again is a duplicate: acknowledged, not handled twice.
/// let again = pollster::block_on(dispatcher.dispatch(body, Some(&header)));
/// assert_eq!(again.kind(), OutcomeKind::Duplicate);
/// ```
pub struct Dispatcher<H, D = MemoryDedupStore> {
    webhook: Webhook,
    pub(crate) handler: H,
    pub(crate) dedup: D,
    filter: EventFilter,
    max_body_size: usize,
    pub(crate) counters: Counters,
}

/// A genuine, enabled event on its way to the [`Mode`], with what the modes need of its
/// delivery.
#[derive(Debug)]
// Inline mode reads the event alone; the inbox stores the rest.
#[cfg_attr(not(feature = "inbox"), allow(dead_code))]
pub struct Genuine<'a> {
    pub(crate) event: Event,
    pub(crate) event_id: &'a str,
    /// The verified body, byte for byte.
    pub(crate) payload: &'a [u8],
    /// How it reached us.
    pub(crate) origin: Origin,
    pub(crate) now: OffsetDateTime,
}

/// How a genuine event reached the dispatcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only the inbox's delivery log reads it, and only the `api` feature fetches events.
#[cfg_attr(not(all(feature = "inbox", feature = "api")), allow(dead_code))]
pub(crate) enum Origin {
    /// Delivered by Stripe and verified: which of the verifier's secrets signed it.
    Signed { secret_index: usize },
    /// Fetched from Stripe's API with the secret key (a backfill): genuine because Stripe
    /// answered it over TLS, with no signature to check.
    Fetched,
}

impl<H: Handler> Dispatcher<H> {
    /// A dispatcher for every event type, with a bounded in-memory duplicate store and the
    /// default body limit.
    #[must_use]
    pub fn new(webhook: Webhook, handler: H) -> Dispatcher<H> {
        Dispatcher {
            webhook,
            handler,
            dedup: MemoryDedupStore::new(),
            filter: EventFilter::all(),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            counters: Counters::default(),
        }
    }
}

impl<H, D> Dispatcher<H, D> {
    /// Handles only these event types (exact, `*`, or `prefix.*`); others are acknowledged
    /// with 200 and counted as ignored.
    #[must_use]
    pub fn enabled_events<I, S>(mut self, patterns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.filter = EventFilter::new(patterns);
        self
    }

    /// Uses another duplicate store: a shared one for several instances, an `Arc` to keep a
    /// handle, or [`NoDedup`](crate::store::NoDedup).
    #[must_use]
    pub fn dedup_store<D2: DedupStore>(self, store: D2) -> Dispatcher<H, D2> {
        self.with_mode(store)
    }

    /// The same dispatcher in another mode.
    pub(crate) fn with_mode<D2: Mode>(self, store: D2) -> Dispatcher<H, D2> {
        Dispatcher {
            webhook: self.webhook,
            handler: self.handler,
            dedup: store,
            filter: self.filter,
            max_body_size: self.max_body_size,
            counters: self.counters,
        }
    }

    /// Refuses bodies larger than `bytes` (413) before any other work. Default
    /// [`DEFAULT_MAX_BODY_SIZE`]. Limit the body in your framework as well, so an oversize
    /// request is never read into memory.
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The body limit in bytes, as set by [`max_body_size`](Dispatcher::max_body_size) (the
    /// `get_` prefix, as in `std::process::Command`, because the builder holds the name).
    #[must_use]
    pub fn get_max_body_size(&self) -> usize {
        self.max_body_size
    }

    /// The event-type patterns set by [`enabled_events`](Dispatcher::enabled_events) (`["*"]`
    /// by default), as given: what an endpoint's declared events are built from.
    #[must_use]
    pub fn get_enabled_events(&self) -> &[String] {
        self.filter.patterns()
    }

    /// The verifier.
    #[must_use]
    pub fn webhook(&self) -> &Webhook {
        &self.webhook
    }

    /// The handler.
    #[must_use]
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The duplicate store.
    #[must_use]
    pub fn dedup(&self) -> &D {
        &self.dedup
    }

    /// The counters so far.
    #[must_use]
    pub fn metrics(&self) -> Metrics {
        self.counters.snapshot()
    }

    /// The one place every outcome passes: traced and counted.
    fn finish(&self, outcome: Outcome) -> Outcome {
        observe::outcome(&outcome);
        self.counters.record(&outcome);
        outcome
    }

    /// Counts and answers a delivery refused before it could be dispatched: a repeated
    /// `Stripe-Signature` header, or a body your server refused to read. The metrics and the
    /// tracing span then see every delivery, not only the dispatched ones.
    ///
    /// # Examples
    ///
    /// ```
    /// # use stripe_webhooks::{dispatch::{Dispatcher, HandlerError}, Event, Error, ErrorKind, Webhook};
    /// # let dispatcher = Dispatcher::new(Webhook::new("whsec_x"), |_e: Event| async { Ok::<(), HandlerError>(()) });
    /// let outcome = dispatcher.reject(Error::HeaderRepeated { count: 2 });
    /// assert_eq!(outcome.status(), 400);
    /// assert_eq!(dispatcher.metrics().rejected(ErrorKind::HeaderRepeated), 1);
    /// ```
    pub fn reject(&self, error: Error) -> Outcome {
        self.counters.received();
        self.finish(Outcome::Rejected(error))
    }

    fn verify_and_parse(
        &self,
        payload: &[u8],
        signature: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(Event, usize), Error> {
        if payload.len() > self.max_body_size {
            return Err(Error::BodyTooLarge {
                len: payload.len(),
                max: self.max_body_size,
            });
        }
        let signature = signature.ok_or(Error::HeaderMissing)?;
        let verified = self.webhook.verify_at(payload, signature, now)?;
        self.counters.verified();
        Ok((verified.parse()?, verified.secret_index()))
    }
}

impl<H: Handler, D: Mode> Dispatcher<H, D> {
    /// Runs one delivery: `payload` is the raw request body, `signature` the
    /// `Stripe-Signature` header if the request had one. Answer Stripe with
    /// [`Outcome::status`].
    pub async fn dispatch(&self, payload: &[u8], signature: Option<&str>) -> Outcome {
        self.dispatch_at(payload, signature, OffsetDateTime::now_utc())
            .await
    }

    /// [`dispatch`](Dispatcher::dispatch) as if the current time were `now`.
    pub async fn dispatch_at(
        &self,
        payload: &[u8],
        signature: Option<&str>,
        now: OffsetDateTime,
    ) -> Outcome {
        self.counters.received();
        let delivery = async {
            let outcome = self.deliver(payload, signature, now).await;
            self.finish(outcome)
        };
        #[cfg(feature = "tracing")]
        let delivery = tracing::Instrument::instrument(delivery, observe::delivery_span());
        delivery.await
    }

    async fn deliver(
        &self,
        payload: &[u8],
        signature: Option<&str>,
        now: OffsetDateTime,
    ) -> Outcome {
        let (event, secret_index) = match self.verify_and_parse(payload, signature, now) {
            Ok(verified) => verified,
            Err(error) => {
                self.dedup.rejected(now, error.kind(), payload, signature);
                return Outcome::Rejected(error);
            }
        };
        observe::event(&event);
        self.deliver_genuine(event, payload, Origin::Signed { secret_index }, now)
            .await
    }

    /// A genuine event, verified or fetched from Stripe: filtered, then handed to the mode.
    pub(crate) async fn deliver_genuine(
        &self,
        event: Event,
        payload: &[u8],
        origin: Origin,
        now: OffsetDateTime,
    ) -> Outcome {
        let event_id = event.id().to_owned();
        let event_type = event.event_type().clone();
        let disposition = if self.filter.allows(&event_type) {
            let genuine = Genuine {
                event,
                event_id: &event_id,
                payload,
                origin,
                now,
            };
            D::dispose(self, genuine).await
        } else {
            Disposition::Ignored
        };
        Outcome::Delivered {
            event_id,
            event_type,
            disposition,
        }
    }
}

impl<H: Handler, D: DedupStore> Dispatcher<H, D> {
    /// Inline mode: claim, handler, settle.
    pub(crate) async fn run_inline(&self, genuine: Genuine<'_>) -> Disposition {
        let Genuine {
            event, event_id, ..
        } = genuine;
        let token = match self.dedup.claim(event_id).await {
            Ok(Claim::Acquired(token)) => token,
            Ok(Claim::Done) => return Disposition::Duplicate,
            Ok(Claim::InFlight) => return Disposition::InProgress,
            Err(error) => return Disposition::StoreUnavailable(error),
        };
        // From here until the settle has landed, dropping this future settles the claim
        // without waiting (`ClaimGuard::drop`).
        let mut guard = ClaimGuard {
            dispatcher: self,
            event_id,
            token,
            settle: Settle::Release,
            armed: true,
        };

        let result = catch_panic(|| self.handler.handle(event)).await;
        // No retry can fix a permanent failure: remember it so a redelivery is not run again.
        let settle = match &result {
            Ok(Ok(())) => Settle::Complete,
            Ok(Err(error)) if !error.is_transient() => Settle::Complete,
            Ok(Err(_)) | Err(_) => Settle::Release,
        };
        guard.settle = settle;
        let settled = self.dedup.settle(event_id, &guard.token, settle).await;
        guard.armed = false;
        drop(guard);
        match settled {
            Ok(Settled::Held) => {}
            Ok(Settled::LeaseLost) => {
                self.counters.lease_lost();
                observe::lease_lost(settle);
            }
            // The claim then expires with its lease: the worst case is one more run of a
            // handler that succeeded, or a retry that waits for the lease.
            Err(error) => {
                self.counters.settle_error();
                observe::settle_error(settle, &error);
            }
        }
        match result {
            Ok(Ok(())) => Disposition::Handled,
            Ok(Err(error)) => Disposition::Failed(error),
            Err(message) => Disposition::Panicked(message),
        }
    }
}

impl<H, D> fmt::Debug for Dispatcher<H, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dispatcher")
            .field("webhook", &self.webhook)
            .field("filter", &self.filter)
            .field("max_body_size", &self.max_body_size)
            .finish_non_exhaustive()
    }
}

/// The claim of a delivery between its claim and the end of its settle. Dropped while it still
/// holds the token (the dispatch future was dropped: a client that hung up, a timeout, a
/// shutdown), it hands the store the settle to do without waiting: a release while the
/// handler had not finished, else what the handler's result called for.
struct ClaimGuard<'a, H, D: DedupStore> {
    dispatcher: &'a Dispatcher<H, D>,
    event_id: &'a str,
    token: ClaimToken,
    settle: Settle,
    /// Cleared once the settle has landed.
    armed: bool,
}

impl<H, D: DedupStore> Drop for ClaimGuard<'_, H, D> {
    fn drop(&mut self) {
        if self.armed {
            self.dispatcher.counters.cancelled();
            observe::cancelled(self.settle);
            self.dispatcher
                .dedup
                .settle_detached(self.event_id, self.token.clone(), self.settle);
        }
    }
}

/// Runs the future `make` creates, turning a panic in its creation or in any poll into
/// `Err(message)`. The future is pinned in place: nothing is boxed per delivery.
pub(crate) async fn catch_panic<F: Future>(make: impl FnOnce() -> F) -> Result<F::Output, String> {
    let future =
        catch_unwind(AssertUnwindSafe(make)).map_err(|payload| panic_message(&*payload))?;
    let mut future = pin!(future);
    // A future that panicked is never polled again: `poll_fn` is done once it is ready.
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(&*payload))),
        },
    )
    .await
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
