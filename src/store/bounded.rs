//! A map with a cap on entries that evicts the least recently written entry first: the
//! storage of the in-memory ordering store and of the alert handler's delivery record.

use hashlink::LinkedHashMap;

#[derive(Debug)]
pub(crate) struct BoundedMap<V> {
    capacity: usize,
    // Ordered by last write: the front is the entry written longest ago.
    entries: LinkedHashMap<Box<str>, V>,
}

impl<V> BoundedMap<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedMap {
            capacity: capacity.max(1),
            entries: LinkedHashMap::new(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&V> {
        self.entries.get(key)
    }

    /// Inserts or replaces (the entry becomes the newest), then evicts the oldest entries
    /// beyond the capacity: O(1) each.
    pub(crate) fn insert(&mut self, key: &str, value: V) {
        if let Some(slot) = self.entries.get_mut(key) {
            *slot = value;
            self.entries.to_back(key);
            return;
        }
        self.entries.insert(Box::from(key), value);
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
        }
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_written_first_and_stays_bounded() {
        let mut map = BoundedMap::new(3);
        for key in ["a", "b", "c", "d"] {
            map.insert(key, ());
        }
        assert_eq!(map.len(), 3);
        assert!(map.get("a").is_none());
        // Writing a key again makes it the newest.
        map.insert("b", ());
        map.insert("e", ());
        assert!(map.get("b").is_some());
        assert!(map.get("c").is_none());
        let mut replaced = BoundedMap::new(3);
        for i in 0..1000 {
            replaced.insert("same", i);
        }
        assert_eq!(replaced.len(), 1);
        assert_eq!(replaced.get("same"), Some(&999));
        let mut zero = BoundedMap::new(0);
        zero.insert("only", 1);
        assert_eq!(zero.get("only"), Some(&1));
    }
}
