//! [`MemoryDedupStore`]: the bounded, in-process duplicate store.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use hashlink::LinkedHashMap;

use crate::store::{
    Claim, ClaimToken, DedupStore, Settle, Settled, StoreError, DEFAULT_CAPACITY, DEFAULT_DONE_TTL,
    DEFAULT_LEASE,
};

/// When an entry stops counting; `None` is never (a duration too long for the clock, such as
/// `Duration::MAX`, means "forever").
type Deadline = Option<Instant>;

fn deadline(now: Instant, after: Duration) -> Deadline {
    now.checked_add(after)
}

fn expired(deadline: Deadline, now: Instant) -> bool {
    deadline.is_some_and(|at| at <= now)
}

/// A bounded, in-process [`DedupStore`]: at most `capacity` ids, each handled id remembered
/// for `done_ttl`, each claim leased for `lease`.
///
/// When full, it makes room by forgetting expired entries first, then the handled id
/// completed longest ago; it never evicts a claim in flight (that would let a duplicate run
/// beside it): with every slot held by a live claim, a new claim is a [`StoreError`] and the
/// delivery is answered 503 for Stripe to retry. Every step is O(1).
///
/// Durations are taken as given: `Duration::ZERO` as a lease means a claim never blocks a
/// concurrent delivery, and as a done TTL that handled ids are not remembered; a duration the
/// clock cannot add (such as `Duration::MAX`) means forever.
///
/// It sees only the deliveries of its own process; for several instances use a shared store.
#[derive(Debug)]
pub struct MemoryDedupStore {
    state: Mutex<State>,
    done_ttl: Duration,
    lease: Duration,
}

#[derive(Debug)]
struct State {
    capacity: usize,
    next_token: u128,
    // Each map in the order its deadlines fall (one lease, one TTL for all entries), so the
    // front of each is the first to expire.
    in_flight: LinkedHashMap<Box<str>, (ClaimToken, Deadline)>,
    done: LinkedHashMap<Box<str>, Deadline>,
}

impl State {
    fn len(&self) -> usize {
        self.in_flight.len() + self.done.len()
    }

    /// Frees one slot if the store is full: an expired entry, else the oldest handled id.
    fn make_room(&mut self, now: Instant) -> Result<(), StoreError> {
        while self.len() >= self.capacity {
            if self.done.front().is_some_and(|(_, at)| expired(*at, now)) {
                self.done.pop_front();
            } else if self
                .in_flight
                .front()
                .is_some_and(|(_, (_, at))| expired(*at, now))
            {
                self.in_flight.pop_front();
            } else if self.done.pop_front().is_none() {
                return Err(StoreError::new(format!(
                    "the in-memory duplicate store is full: all {} ids are claims in flight; \
                     raise its capacity (MemoryDedupStore::with_limits) or limit concurrent \
                     deliveries",
                    self.capacity
                )));
            }
        }
        Ok(())
    }

    fn claim(
        &mut self,
        event_id: &str,
        now: Instant,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        if let Some(until) = self.done.get(event_id) {
            if !expired(*until, now) {
                return Ok(Claim::Done);
            }
            self.done.remove(event_id);
        }
        if let Some((_, until)) = self.in_flight.get(event_id) {
            if !expired(*until, now) {
                return Ok(Claim::InFlight);
            }
            // The lease ran out: this claim takes over, with a new token.
            self.in_flight.remove(event_id);
        }
        self.make_room(now)?;
        let token = ClaimToken::from_u128(self.next_token);
        self.next_token = self.next_token.wrapping_add(1);
        self.in_flight
            .insert(Box::from(event_id), (token.clone(), deadline(now, lease)));
        Ok(Claim::Acquired(token))
    }

    fn settle(
        &mut self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
        now: Instant,
        done_ttl: Duration,
    ) -> Result<Settled, StoreError> {
        let lease_held = |holder: &ClaimToken, until: &Deadline| {
            if holder == token && !expired(*until, now) {
                Settled::Held
            } else {
                Settled::LeaseLost
            }
        };
        match settle {
            Settle::Release => {
                let Some((holder, until)) = self.in_flight.get(event_id) else {
                    return Ok(Settled::LeaseLost);
                };
                let settled = lease_held(holder, until);
                // Ours (expired or not) is dropped; another claim's is left alone.
                if holder == token {
                    self.in_flight.remove(event_id);
                }
                Ok(settled)
            }
            Settle::Complete => {
                // Done supersedes any claim on the id: a later claim's settle finds it done.
                // The claim's key moves over, so completing allocates nothing.
                let (key, settled) = match self.in_flight.remove_entry(event_id) {
                    Some((key, (holder, until))) => (key, lease_held(&holder, &until)),
                    None => {
                        let key = self
                            .done
                            .remove_entry(event_id)
                            .map_or_else(|| Box::from(event_id), |(key, _)| key);
                        (key, Settled::LeaseLost)
                    }
                };
                self.make_room(now)?;
                self.done.insert(key, deadline(now, done_ttl));
                Ok(settled)
            }
        }
    }
}

impl MemoryDedupStore {
    /// A store with the default capacity, time-to-live and lease ([`DEFAULT_CAPACITY`],
    /// [`DEFAULT_DONE_TTL`], [`DEFAULT_LEASE`]).
    #[must_use]
    pub fn new() -> MemoryDedupStore {
        MemoryDedupStore::with_limits(DEFAULT_CAPACITY, DEFAULT_DONE_TTL, DEFAULT_LEASE)
    }

    /// A store remembering at most `capacity` ids (at least one), each handled id for
    /// `done_ttl`, each claim for `lease`.
    #[must_use]
    pub fn with_limits(capacity: usize, done_ttl: Duration, lease: Duration) -> MemoryDedupStore {
        MemoryDedupStore {
            state: Mutex::new(State {
                capacity: capacity.max(1),
                next_token: 0,
                in_flight: LinkedHashMap::new(),
                done: LinkedHashMap::new(),
            }),
            done_ttl,
            lease,
        }
    }

    /// How many ids are remembered now (claimed or done, expired ones included until they are
    /// touched or evicted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no id is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every step leaves the maps consistent, so a panic elsewhere cannot leave them broken.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn settle_now(
        &self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
    ) -> Result<Settled, StoreError> {
        self.lock()
            .settle(event_id, token, settle, Instant::now(), self.done_ttl)
    }
}

impl Default for MemoryDedupStore {
    fn default() -> Self {
        MemoryDedupStore::new()
    }
}

impl DedupStore for MemoryDedupStore {
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        std::future::ready(self.lock().claim(event_id, Instant::now(), self.lease))
    }

    fn settle(
        &self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
    ) -> impl Future<Output = Result<Settled, StoreError>> + Send {
        std::future::ready(self.settle_now(event_id, token, settle))
    }

    fn settle_detached(&self, event_id: &str, token: ClaimToken, settle: Settle) {
        // In memory "detached" costs nothing more than now: done before `Drop` returns. The
        // only error (full of claims in flight) cannot be reported from `Drop`; the id is
        // then simply not remembered.
        let _ = self.settle_now(event_id, &token, settle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acquired(claim: Result<Claim, StoreError>) -> ClaimToken {
        match claim {
            Ok(Claim::Acquired(token)) => token,
            other => panic!("expected Acquired, got {other:?}"),
        }
    }

    #[test]
    fn a_full_store_evicts_expired_then_oldest_done_never_a_claim_in_flight() {
        let start = Instant::now();
        let lease = Duration::from_secs(10);
        let ttl = Duration::from_secs(100);
        let mut state = MemoryDedupStore::with_limits(3, ttl, lease)
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let a = acquired(state.claim("a", start, lease));
        let _b = acquired(state.claim("b", start, lease));
        let c = acquired(state.claim("c", start, lease));
        // Full of live claims: a fourth is refused, none is evicted.
        assert!(state.claim("d", start, lease).is_err());
        assert_eq!(state.len(), 3);
        // `a` and `c` done: the oldest done (`a`) goes first to make room.
        state.settle("a", &a, Settle::Complete, start, ttl).unwrap();
        state.settle("c", &c, Settle::Complete, start, ttl).unwrap();
        acquired(state.claim("d", start, lease));
        assert!(state.done.get("a").is_none());
        assert_eq!(state.claim("c", start, lease).unwrap(), Claim::Done);
        assert_eq!(state.claim("b", start, lease).unwrap(), Claim::InFlight);
        // Later, once `b`'s and `d`'s leases ran out, expired claims go before the live done `c`.
        let later = start + Duration::from_secs(11);
        acquired(state.claim("e", later, lease));
        assert_eq!(state.claim("c", later, lease).unwrap(), Claim::Done);
        assert_eq!(state.len(), 3);
    }

    #[test]
    fn durations_too_long_for_the_clock_mean_forever() {
        let now = Instant::now();
        assert_eq!(deadline(now, Duration::MAX), None);
        assert!(!expired(None, now));
        assert!(expired(Some(now), now));
    }
}
