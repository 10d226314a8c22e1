//! Out-of-order deliveries: tell whether an event is older than the newest one already applied
//! to the same object, so a stale `customer.subscription.updated` can be skipped.
//!
//! Stripe does not promise order: retries and parallel deliveries can bring an older state of
//! an object after a newer one. [`EventOrder`] keeps, per object id, the `created` time of the
//! newest event applied, in a pluggable [`OrderingStore`]: in memory, or with the `redis`
//! feature in Redis (`RedisOrderingStore`), shared by several instances.
//!
//! **Ties.** `created` has one-second resolution, so two events of the same object in the same
//! second cannot be ordered by it. They are reported as [`Freshness::SameSecond`] and are not
//! stale: apply them, with updates that are idempotent, or fetch the object from the API when
//! the exact latest state matters. Only an event strictly older than the newest applied one is
//! [`Freshness::Stale`].

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use crate::bounded::BoundedMap;
use crate::dedup::StoreError;
use crate::Event;

#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use self::redis::RedisOrderingStore;

/// How an event's `created` compares with the newest event already applied to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// The first event seen for this object.
    First,
    /// Newer than every event applied so far.
    Newer {
        /// `created` of the newest event before this one.
        previous: i64,
    },
    /// Created in the same second as the newest applied event: not orderable, not stale.
    SameSecond,
    /// Older than an event already applied: skip it.
    Stale {
        /// `created` of the newest event applied.
        newest: i64,
    },
    /// The event's object has no id, so there is nothing to order against.
    Unordered,
}

impl Freshness {
    /// Whether the event should be skipped.
    #[must_use]
    pub fn is_stale(&self) -> bool {
        matches!(self, Freshness::Stale { .. })
    }
}

/// Where the newest `created` per object is kept.
///
/// `advance` must be atomic per key across all instances that share the store.
pub trait OrderingStore: Send + Sync {
    /// Compares `created` with the newest time recorded for `key`, records `created` unless it
    /// is older, and says how they compared.
    fn advance(
        &self,
        key: &str,
        created: i64,
    ) -> impl Future<Output = Result<Freshness, StoreError>> + Send;
}

/// A bounded, in-process [`OrderingStore`] (oldest keys evicted first).
#[derive(Debug)]
pub struct MemoryOrderingStore {
    newest: Mutex<BoundedMap<i64>>,
}

impl MemoryOrderingStore {
    /// A store for at most `capacity` objects.
    #[must_use]
    pub fn new(capacity: usize) -> MemoryOrderingStore {
        MemoryOrderingStore {
            newest: Mutex::new(BoundedMap::new(capacity)),
        }
    }

    fn advance_now(&self, key: &str, created: i64) -> Freshness {
        let mut newest = self.newest.lock().unwrap_or_else(PoisonError::into_inner);
        let freshness = match newest.get(key).copied() {
            None => Freshness::First,
            Some(previous) if created > previous => Freshness::Newer { previous },
            Some(previous) if created == previous => return Freshness::SameSecond,
            Some(previous) => return Freshness::Stale { newest: previous },
        };
        newest.insert(key, created);
        freshness
    }
}

impl Default for MemoryOrderingStore {
    /// Room for 100,000 objects.
    fn default() -> Self {
        MemoryOrderingStore::new(100_000)
    }
}

impl OrderingStore for MemoryOrderingStore {
    fn advance(
        &self,
        key: &str,
        created: i64,
    ) -> impl Future<Output = Result<Freshness, StoreError>> + Send {
        std::future::ready(Ok(self.advance_now(key, created)))
    }
}

impl<S: OrderingStore> OrderingStore for std::sync::Arc<S> {
    fn advance(
        &self,
        key: &str,
        created: i64,
    ) -> impl Future<Output = Result<Freshness, StoreError>> + Send {
        S::advance(self, key, created)
    }
}

/// Tells stale events from fresh ones, per object (`data.object.id`).
///
/// # Examples
///
/// ```
/// use stripe_webhooks::ordering::{EventOrder, Freshness};
/// use stripe_webhooks::{testing::block_on, Event};
///
/// let event = |id: &str, created: i64| {
///     Event::from_slice(format!(
///         r#"{{"id":"{id}","type":"customer.subscription.updated","created":{created},
///             "data":{{"object":{{"id":"sub_1","object":"subscription"}}}}}}"#
///     ).as_bytes()).unwrap()
/// };
/// let order = EventOrder::new();
/// block_on(async {
///     assert_eq!(order.check(&event("evt_b", 200)).await?, Freshness::First);
///     assert!(order.check(&event("evt_a", 100)).await?.is_stale()); // arrived late: skip it
///     assert_eq!(order.check(&event("evt_c", 200)).await?, Freshness::SameSecond);
///     Ok::<(), stripe_webhooks::dedup::StoreError>(())
/// }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct EventOrder<S = MemoryOrderingStore> {
    store: S,
}

impl EventOrder {
    /// Remembers the newest event per object in memory ([`MemoryOrderingStore::default`]).
    #[must_use]
    pub fn new() -> EventOrder {
        EventOrder::default()
    }
}

impl<S: OrderingStore> EventOrder<S> {
    /// Uses `store` to remember the newest event per object.
    #[must_use]
    pub fn with_store(store: S) -> EventOrder<S> {
        EventOrder { store }
    }

    /// Compares `event` with the newest event applied to the same object, and records it
    /// unless it is stale. Call it in your handler before applying the event.
    ///
    /// The key is `data.object.object` and `data.object.id` (objects of different kinds never
    /// share a key).
    ///
    /// # Errors
    ///
    /// What the store returns when it cannot answer.
    pub async fn check(&self, event: &Event) -> Result<Freshness, StoreError> {
        let identity = event.object_ref();
        let Some(id) = identity.id else {
            return Ok(Freshness::Unordered);
        };
        let key = format!("{}/{id}", identity.kind.as_deref().unwrap_or(""));
        self.store
            .advance(&key, event.created().unix_timestamp())
            .await
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &S {
        &self.store
    }
}
