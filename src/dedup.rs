//! Duplicate deliveries: the [`DedupStore`] trait and the bounded in-memory [`MemoryDedupStore`];
//! with the `redis` feature, `RedisDedupStore` for several instances of one endpoint.
//!
//! Stripe may deliver one event more than once. The dispatcher claims each event id before
//! running the handler, marks it done only after the handler succeeded, and releases it when
//! the handler failed, so that Stripe's retry runs it again. A claim is a lease: if the
//! process dies while handling, the claim expires and a later delivery can take it.

use std::fmt;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::bounded::BoundedMap;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::RedisDedupStore;

/// The answer to a claim on an event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Nobody has handled it: run the handler, then `complete` or `release`.
    Acquired,
    /// It was handled already: acknowledge without running the handler.
    Done,
    /// Another delivery is handling it right now: ask Stripe to retry later.
    InFlight,
}

/// Where the dispatcher records which event ids were handled.
///
/// Implement it over a shared store (Redis, a SQL table) when several instances of your
/// endpoint run; each method must be atomic for one id across all of them.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dedup::{Claim, DedupStore, MemoryDedupStore};
/// # stripe_webhooks::testing::block_on(async {
/// let store = MemoryDedupStore::new();
/// assert_eq!(store.claim("evt_1").await.unwrap(), Claim::Acquired);
/// assert_eq!(store.claim("evt_1").await.unwrap(), Claim::InFlight);
/// store.complete("evt_1").await.unwrap();
/// assert_eq!(store.claim("evt_1").await.unwrap(), Claim::Done);
/// # });
/// ```
pub trait DedupStore: Send + Sync {
    /// Claims `event_id` for handling: atomically, at most one caller gets
    /// [`Claim::Acquired`] until it completes or releases the id, or its lease expires.
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Records `event_id` as handled, so later deliveries are [`Claim::Done`].
    fn complete(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives up a claim after a failed handler, so a retry can claim it again.
    fn release(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A duplicate store that could not answer.
#[derive(Debug)]
pub struct StoreError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// A store error with a message.
    pub fn new(message: impl fmt::Display) -> StoreError {
        StoreError {
            message: message.to_string(),
            source: None,
        }
    }

    /// Attaches the underlying error, kept as `source()`.
    #[must_use]
    pub fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        self.source = Some(Box::new(source));
        self
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// How long a handled id is remembered by default: a little over Stripe's three days of
/// retries in live mode.
pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(73 * 60 * 60);
/// How long a claim lasts by default before another delivery may take it over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// How many ids the in-memory store remembers by default (oldest evicted first).
pub const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Debug, Clone, Copy)]
enum State {
    InFlight { until: Instant },
    Done { until: Instant },
}

/// A bounded, in-process [`DedupStore`]: at most `capacity` ids (oldest evicted first), each
/// handled id remembered for `done_ttl`, each claim leased for `lease`.
///
/// It sees only the deliveries of its own process; for several instances use a shared store.
#[derive(Debug)]
pub struct MemoryDedupStore {
    state: Mutex<BoundedMap<State>>,
    done_ttl: Duration,
    lease: Duration,
}

impl MemoryDedupStore {
    /// A store with the default capacity, time-to-live and lease.
    #[must_use]
    pub fn new() -> MemoryDedupStore {
        MemoryDedupStore::with_limits(DEFAULT_CAPACITY, DEFAULT_DONE_TTL, DEFAULT_LEASE)
    }

    /// A store remembering at most `capacity` ids, each handled id for `done_ttl`, each claim
    /// for `lease`.
    #[must_use]
    pub fn with_limits(capacity: usize, done_ttl: Duration, lease: Duration) -> MemoryDedupStore {
        MemoryDedupStore {
            state: Mutex::new(BoundedMap::new(capacity)),
            done_ttl,
            lease,
        }
    }

    /// How many ids are remembered now (claimed or done, expired ones included until touched).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no id is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoundedMap<State>> {
        // The map stays consistent at every step, so a panic elsewhere cannot leave it broken.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, event_id: &str) -> Claim {
        let now = Instant::now();
        let mut state = self.lock();
        match state.get(event_id) {
            Some(State::Done { until }) if *until > now => Claim::Done,
            Some(State::InFlight { until }) if *until > now => Claim::InFlight,
            _ => {
                state.insert(
                    event_id,
                    State::InFlight {
                        until: now + self.lease,
                    },
                );
                Claim::Acquired
            }
        }
    }

    fn complete_now(&self, event_id: &str) {
        let until = Instant::now() + self.done_ttl;
        let mut state = self.lock();
        match state.get_mut(event_id) {
            Some(slot) => *slot = State::Done { until },
            None => state.insert(event_id, State::Done { until }),
        }
    }
}

impl Default for MemoryDedupStore {
    fn default() -> Self {
        MemoryDedupStore::new()
    }
}

impl DedupStore for MemoryDedupStore {
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        std::future::ready(Ok(self.claim_now(event_id)))
    }

    fn complete(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.complete_now(event_id);
        std::future::ready(Ok(()))
    }

    fn release(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.lock().remove(event_id);
        std::future::ready(Ok(()))
    }
}

/// No duplicate detection: every delivery runs the handler. For handlers that are idempotent
/// on their own (an upsert keyed by the object id).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDedup;

impl DedupStore for NoDedup {
    fn claim(&self, _event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        std::future::ready(Ok(Claim::Acquired))
    }

    fn complete(&self, _event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(Ok(()))
    }

    fn release(&self, _event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        std::future::ready(Ok(()))
    }
}

/// A shared reference to a store is a store: keep the store outside the dispatcher to inspect
/// it or share it between dispatchers.
impl<S: DedupStore> DedupStore for std::sync::Arc<S> {
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        S::claim(self, event_id)
    }

    fn complete(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::complete(self, event_id)
    }

    fn release(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        S::release(self, event_id)
    }
}
