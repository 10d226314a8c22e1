//! [`MemoryOrderingStore`]: the bounded, in-process ordering store.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::store::{BoundedMap, Freshness, OrderingStore, StoreError};

/// A bounded, in-process [`OrderingStore`]: the objects advanced longest ago are forgotten
/// first once `capacity` objects are kept.
#[derive(Debug)]
pub struct MemoryOrderingStore {
    newest: Mutex<BoundedMap<i64>>,
}

impl MemoryOrderingStore {
    /// A store for at most `capacity` objects (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> MemoryOrderingStore {
        MemoryOrderingStore {
            newest: Mutex::new(BoundedMap::new(capacity)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, BoundedMap<i64>> {
        // Every step leaves the map consistent, so a panic elsewhere cannot break it.
        self.newest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn advance_now(&self, key: &str, created: i64) -> Freshness {
        let mut newest = self.lock();
        let freshness = Freshness::compare(created, newest.get(key).copied());
        if matches!(freshness, Freshness::First | Freshness::Newer { .. }) {
            newest.insert(key, created);
        }
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
    fn newest(&self, key: &str) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send {
        std::future::ready(Ok(self.lock().get(key).copied()))
    }

    fn advance(
        &self,
        key: &str,
        created: i64,
    ) -> impl Future<Output = Result<Freshness, StoreError>> + Send {
        std::future::ready(Ok(self.advance_now(key, created)))
    }
}
