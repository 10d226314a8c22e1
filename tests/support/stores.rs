//! Duplicate stores that fail on purpose, for the outcomes and counters a failing store causes.

use stripe_webhooks::store::{
    Claim, ClaimToken, DedupStore, MemoryDedupStore, Settle, Settled, StoreError,
};

/// A store that is down: every claim and settle fails ("connection refused").
pub(crate) struct Down;

impl DedupStore for Down {
    async fn claim(&self, _event_id: &str) -> Result<Claim, StoreError> {
        Err(StoreError::new("connection refused"))
    }
    async fn settle(
        &self,
        _event_id: &str,
        _token: &ClaimToken,
        _settle: Settle,
    ) -> Result<Settled, StoreError> {
        Err(StoreError::new("connection refused"))
    }
    fn settle_detached(&self, _event_id: &str, _token: ClaimToken, _settle: Settle) {}
}

/// A store whose claims work (a real in-memory store) and whose settles fail ("connection
/// reset by peer"): the store error that comes after the handler ran.
pub(crate) struct SettleFails(pub(crate) MemoryDedupStore);

impl DedupStore for SettleFails {
    async fn claim(&self, event_id: &str) -> Result<Claim, StoreError> {
        self.0.claim(event_id).await
    }
    async fn settle(
        &self,
        _event_id: &str,
        _token: &ClaimToken,
        _settle: Settle,
    ) -> Result<Settled, StoreError> {
        Err(StoreError::new("connection reset by peer"))
    }
    fn settle_detached(&self, _event_id: &str, _token: ClaimToken, _settle: Settle) {}
}
