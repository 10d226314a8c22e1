//! A map with a cap on entries, evicting the oldest insertion first: the storage of the
//! in-memory duplicate and ordering stores.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

#[derive(Debug)]
pub(crate) struct BoundedMap<V> {
    capacity: usize,
    // The map and the queue share each key's one allocation.
    entries: HashMap<Arc<str>, (u64, V)>,
    // Insertion order with the sequence number each key had then; a key re-inserted later
    // has a newer number, so its stale place in the queue is skipped.
    order: VecDeque<(Arc<str>, u64)>,
    next: u64,
}

impl<V> BoundedMap<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedMap {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            order: VecDeque::new(),
            next: 0,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key).map(|(_, value)| value)
    }

    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.entries.get_mut(key).map(|(_, value)| value)
    }

    /// Inserts or replaces, then evicts the oldest entries beyond the capacity.
    pub(crate) fn insert(&mut self, key: &str, value: V) {
        let sequence = self.next;
        self.next += 1;
        let key: Arc<str> = Arc::from(key);
        self.entries.insert(key.clone(), (sequence, value));
        self.order.push_back((key, sequence));
        while self.entries.len() > self.capacity {
            let Some((oldest, sequence)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&oldest)
                .is_some_and(|(s, _)| *s == sequence)
            {
                self.entries.remove(&oldest);
            }
        }
        // Keep the queue from growing without bound when keys are replaced often.
        if self.order.len() > self.capacity.saturating_mul(2) {
            let entries = &self.entries;
            self.order
                .retain(|(key, sequence)| entries.get(key).is_some_and(|(s, _)| s == sequence));
        }
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_first_and_stays_bounded() {
        let mut map = BoundedMap::new(3);
        for key in ["a", "b", "c", "d"] {
            map.insert(key, ());
        }
        assert_eq!(map.len(), 3);
        assert!(map.get("a").is_none());
        // Re-inserting refreshes a key's place.
        map.insert("b", ());
        map.insert("e", ());
        assert!(map.get("b").is_some());
        assert!(map.get("c").is_none());
        let mut replaced = BoundedMap::new(3);
        for i in 0..1000 {
            replaced.insert("same", i);
        }
        assert!(replaced.order.len() <= 6);
        assert_eq!(replaced.get("same"), Some(&999));
    }
}
