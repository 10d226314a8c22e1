//! Duplicate deliveries: the [`DedupStore`] trait, its fenced claims ([`ClaimToken`]), and
//! [`NoDedup`].
//!
//! Stripe may deliver one event more than once, and twice at the same moment. The dispatcher
//! claims each event id before running the handler, then settles the claim: *complete* after
//! the handler succeeded (later deliveries are duplicates), *release* after a failure Stripe
//! should retry. A claim is a lease: if the process dies while handling, the claim expires and
//! a later delivery may take it over. Each claim carries a token, and a settle acts on the
//! claim only while that token still holds it, so a handler that outlived its lease can never
//! undo the work of the delivery that took over.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::StoreError;

/// How long a handled id is remembered by default: a little over Stripe's three days of
/// retries in live mode.
pub const DEFAULT_DONE_TTL: Duration = Duration::from_secs(73 * 60 * 60);
/// How long a claim lasts by default before another delivery may take it over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// How many ids the in-memory store remembers by default.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// The proof of one claim on an event id: the fencing token a settle presents.
///
/// Only the store that issued it can tell whether it still holds the claim; a new claim on the
/// same id (after the lease ran out) gets a new token. Stores choose the value: a counter, a
/// random number, a row's version.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::store::ClaimToken;
///
/// let token = ClaimToken::from_u128(7);
/// assert_eq!(token.as_u128(), 7);
/// assert_eq!(token.to_string(), "00000000000000000000000000000007");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken(u128);

impl ClaimToken {
    /// A token with this value.
    #[must_use]
    pub const fn from_u128(value: u128) -> ClaimToken {
        ClaimToken(value)
    }

    /// The token's value.
    #[must_use]
    pub const fn as_u128(&self) -> u128 {
        self.0
    }
}

impl fmt::Display for ClaimToken {
    /// 32 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// The answer to a claim on an event id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Nobody holds it: run the handler, then settle the claim with this token.
    Acquired(ClaimToken),
    /// It was handled already: acknowledge without running the handler.
    Done,
    /// Another delivery is handling it right now: ask Stripe to retry later.
    InFlight,
}

/// What to do with a claim once its handler has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settle {
    /// The handler succeeded, or failed in a way no retry can fix: remember the id as done,
    /// so later deliveries are [`Claim::Done`].
    Complete,
    /// The handler failed transiently, panicked, or never finished: give the claim back so a
    /// retry can claim it.
    Release,
}

/// Whether a settled claim was still held by its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settled {
    /// The token still held the claim: the settle did what it asked.
    Held,
    /// The lease had run out (and another delivery may have taken the id over). A release
    /// then changed nothing; a completion still recorded the id as done, since a handler
    /// that succeeded is a fact, and forgetting it could only cause one more run.
    LeaseLost,
}

/// Where the dispatcher records which event ids were handled.
///
/// Implement it over a shared store (Redis, a SQL table) when several instances of your
/// endpoint run; each method must be atomic for one id across all of them. The rules:
///
/// - [`claim`](DedupStore::claim) gives [`Claim::Acquired`] to at most one caller until that
///   claim is settled or its lease runs out, each time with a token never issued before for
///   this id. Its future must be safe to drop: a claim sent but not answered must not be
///   left behind for longer than its lease (give it back, or let it expire).
/// - [`settle`](DedupStore::settle) with [`Settle::Release`] acts only while the token still
///   holds the claim; with [`Settle::Complete`] it records the id as done whatever happened
///   since, and both say whether the token still held it ([`Settled`]).
/// - [`settle_detached`](DedupStore::settle_detached) does the same without the caller
///   waiting: the dispatcher calls it when its future is dropped while it holds a claim (a
///   client that hung up, a timeout, a shutdown), from `Drop`, so it must not block.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::store::{Claim, DedupStore, MemoryDedupStore, Settle, Settled};
/// # pollster::block_on(async {
/// let store = MemoryDedupStore::new();
/// let Claim::Acquired(token) = store.claim("evt_1").await? else { unreachable!() };
/// assert_eq!(store.claim("evt_1").await?, Claim::InFlight);
/// assert_eq!(store.settle("evt_1", &token, Settle::Complete).await?, Settled::Held);
/// assert_eq!(store.claim("evt_1").await?, Claim::Done);
/// # Ok::<(), stripe_webhooks::store::StoreError>(())
/// # }).unwrap();
/// ```
pub trait DedupStore: Send + Sync {
    /// Claims `event_id` for handling.
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Settles the claim `token` holds on `event_id`, after the handler ran.
    fn settle(
        &self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
    ) -> impl Future<Output = Result<Settled, StoreError>> + Send;

    /// Settles the claim as [`settle`](DedupStore::settle) does, without waiting for it to
    /// land: do it now if that is cheap and cannot block (in memory), or hand it to a
    /// background task (a spawned task on your runtime). Called from `Drop`; never panic.
    /// A store that cannot do either leaves the claim to expire with its lease.
    fn settle_detached(&self, event_id: &str, token: ClaimToken, settle: Settle);
}

/// No duplicate detection: every delivery runs the handler. For handlers that are idempotent
/// on their own (an upsert keyed by the object id).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoDedup;

impl DedupStore for NoDedup {
    fn claim(&self, _event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        std::future::ready(Ok(Claim::Acquired(ClaimToken::from_u128(0))))
    }

    fn settle(
        &self,
        _event_id: &str,
        _token: &ClaimToken,
        _settle: Settle,
    ) -> impl Future<Output = Result<Settled, StoreError>> + Send {
        std::future::ready(Ok(Settled::Held))
    }

    fn settle_detached(&self, _event_id: &str, _token: ClaimToken, _settle: Settle) {}
}

/// A shared reference to a store is a store: keep the store outside the dispatcher to inspect
/// it or share it between dispatchers.
impl<S: DedupStore> DedupStore for std::sync::Arc<S> {
    fn claim(&self, event_id: &str) -> impl Future<Output = Result<Claim, StoreError>> + Send {
        S::claim(self, event_id)
    }

    fn settle(
        &self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
    ) -> impl Future<Output = Result<Settled, StoreError>> + Send {
        S::settle(self, event_id, token, settle)
    }

    fn settle_detached(&self, event_id: &str, token: ClaimToken, settle: Settle) {
        S::settle_detached(self, event_id, token, settle);
    }
}
