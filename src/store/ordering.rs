//! Out-of-order deliveries: tell whether an event is older than the newest one already applied
//! to the same object, so a stale `customer.subscription.updated` can be skipped.
//!
//! Stripe does not promise order: retries and parallel deliveries can bring an older state of
//! an object after a newer one. [`EventOrder`] keeps, per object id, the `created` time of the
//! newest event applied, in a pluggable [`OrderingStore`]: in memory, or with the `redis`
//! feature in Redis (`RedisOrderingStore`), shared by several instances.
//!
//! **Record after applying.** [`EventOrder::freshness`] only reads; [`EventOrder::record`],
//! called once the event was applied, moves the mark forward. An event whose handler failed
//! is therefore never recorded, and an older event that arrives next is still applied.
//!
//! **Ties.** `created` has one-second resolution, so two events of the same object in the same
//! second cannot be ordered by it. They are reported as [`Freshness::SameSecond`] and are not
//! stale: apply them, with updates that are idempotent, or fetch the object from the API when
//! the exact latest state matters. Only an event strictly older than the newest applied one is
//! [`Freshness::Stale`].

use std::future::Future;

use super::{MemoryOrderingStore, StoreError};
use crate::Event;

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
    /// How `created` compares with `newest`, the newest time recorded (if any).
    #[must_use]
    pub fn compare(created: i64, newest: Option<i64>) -> Freshness {
        match newest {
            None => Freshness::First,
            Some(previous) if created > previous => Freshness::Newer { previous },
            Some(previous) if created == previous => Freshness::SameSecond,
            Some(newest) => Freshness::Stale { newest },
        }
    }

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
    /// The newest time recorded for `key`, if any.
    fn newest(&self, key: &str) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// Records `created` for `key` unless an equal or newer time is recorded, and says how it
    /// compared with the time recorded before ([`Freshness::compare`]).
    fn advance(
        &self,
        key: &str,
        created: i64,
    ) -> impl Future<Output = Result<Freshness, StoreError>> + Send;
}

impl<S: OrderingStore> OrderingStore for std::sync::Arc<S> {
    fn newest(&self, key: &str) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send {
        S::newest(self, key)
    }

    fn advance(
        &self,
        key: &str,
        created: i64,
    ) -> impl Future<Output = Result<Freshness, StoreError>> + Send {
        S::advance(self, key, created)
    }
}

/// Tells stale events from fresh ones, per object (`data.object.object` and
/// `data.object.id`: objects of different kinds never share a key).
///
/// In your handler: ask [`freshness`](EventOrder::freshness), skip a stale event, apply the
/// others, then [`record`](EventOrder::record) the applied one. Between the two calls a
/// concurrent delivery of another event of the same object is not held back: when two events
/// of one object race, make the write itself conditional (`UPDATE … WHERE updated_at <
/// created`) or fetch the object from the API.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::store::{EventOrder, Freshness};
/// use pollster::block_on;
/// use stripe_webhooks::Event;
///
/// let event = |id: &str, created: i64| {
///     Event::from_slice(format!(
///         r#"{{"id":"{id}","type":"customer.subscription.updated","created":{created},
///             "data":{{"object":{{"id":"sub_1","object":"subscription"}}}}}}"#
///     ).as_bytes()).unwrap()
/// };
/// let order = EventOrder::new();
/// block_on(async {
///     let newer = event("evt_b", 200);
///     assert_eq!(order.freshness(&newer).await?, Freshness::First);
///     // … apply it, then:
///     order.record(&newer).await?;
///     assert!(order.freshness(&event("evt_a", 100)).await?.is_stale()); // arrived late: skip
///     assert_eq!(order.freshness(&event("evt_c", 200)).await?, Freshness::SameSecond);
///     Ok::<(), stripe_webhooks::store::StoreError>(())
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

    /// Compares `event` with the newest event recorded for the same object. Reads only.
    ///
    /// # Errors
    ///
    /// What the store returns when it cannot answer.
    pub async fn freshness(&self, event: &Event) -> Result<Freshness, StoreError> {
        let Some(key) = EventOrder::<S>::key(event) else {
            return Ok(Freshness::Unordered);
        };
        let newest = self.store.newest(&key).await?;
        Ok(Freshness::compare(event.created().unix_timestamp(), newest))
    }

    /// Records `event` as applied to its object, unless a newer one was recorded meanwhile,
    /// and says how it compared. Call it after the event was applied.
    ///
    /// # Errors
    ///
    /// What the store returns when it cannot answer.
    pub async fn record(&self, event: &Event) -> Result<Freshness, StoreError> {
        let Some(key) = EventOrder::<S>::key(event) else {
            return Ok(Freshness::Unordered);
        };
        self.store
            .advance(&key, event.created().unix_timestamp())
            .await
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &S {
        &self.store
    }

    fn key(event: &Event) -> Option<String> {
        let identity = event.object_ref();
        let id = identity.id?;
        Some(format!("{}/{id}", identity.kind.as_deref().unwrap_or("")))
    }
}
