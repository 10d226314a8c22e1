//! Fenced claims and dropped deliveries with the in-memory store: a dispatch future dropped at
//! each `.await` (claim, handler, settle), a handler slower than its lease, extreme durations,
//! a store full of claims in flight, and store errors after the handler.
//!
//! The in-memory store answers at once, so its claim and settle have no `.await` of their
//! own; `Delayed` puts one in front of each (a real `MemoryDedupStore` behind a sleep) so the
//! future can be dropped there. The same scenarios run against a real Redis in
//! `tests/redis_store.rs`.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pollster::block_on;
use stripe_webhooks::dispatch::{
    Dispatcher, Disposition, Handler, HandlerError, Outcome, OutcomeKind,
};
use stripe_webhooks::store::{
    Claim, ClaimToken, DedupStore, MemoryDedupStore, Settle, Settled, StoreError,
};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Error, Event, Webhook};
use support::stores::SettleFails;
use time::OffsetDateTime;

const SECRET: &str = "whsec_claims_tests";
const NOW: i64 = 1_763_856_000;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).unwrap()
}

fn body(id: &str, event_type: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","created":{NOW},"data":{{"object":{{"id":"obj_{id}","object":"charge"}}}}}}"#
    )
    .into_bytes()
}

async fn deliver<H: Handler, D: DedupStore>(d: &Dispatcher<H, D>, body: &[u8]) -> Outcome {
    d.dispatch_at(body, Some(&signature_header(body, SECRET, NOW)), now())
        .await
}

/// Delivers, dropping the dispatch future after `after` if it has not finished by then.
async fn deliver_dropped_after<H: Handler, D: DedupStore>(
    d: &Dispatcher<H, D>,
    body: &[u8],
    after: Duration,
) {
    let outcome = tokio::time::timeout(after, deliver(d, body)).await;
    assert!(
        outcome.is_err(),
        "the delivery finished before the drop: {outcome:?}"
    );
}

/// Counts runs and successes; `test.slow` sleeps 300 ms first, `test.slow_then_transient` sleeps
/// 300 ms and fails transiently on its first run only.
#[derive(Clone, Default)]
struct Scripted {
    runs: Arc<AtomicUsize>,
    successes: Arc<AtomicUsize>,
}

impl Scripted {
    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
    fn successes(&self) -> usize {
        self.successes.load(Ordering::SeqCst)
    }
}

impl Handler for Scripted {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        match event.event_type().as_str() {
            "test.slow" => tokio::time::sleep(Duration::from_millis(300)).await,
            "test.slow_then_transient" if run == 1 => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                return Err(HandlerError::transient(
                    "the first run timed out downstream",
                ));
            }
            _ => {}
        }
        self.successes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A real store behind a sleep before each claim and settle, so a delivery can be dropped at
/// those points.
struct Delayed {
    inner: MemoryDedupStore,
    claim_delay: Duration,
    settle_delay: Duration,
}

impl Delayed {
    fn new(claim_delay: Duration, settle_delay: Duration) -> Delayed {
        Delayed {
            inner: MemoryDedupStore::new(),
            claim_delay,
            settle_delay,
        }
    }
}

impl DedupStore for Delayed {
    async fn claim(&self, event_id: &str) -> Result<Claim, StoreError> {
        tokio::time::sleep(self.claim_delay).await;
        self.inner.claim(event_id).await
    }
    async fn settle(
        &self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
    ) -> Result<Settled, StoreError> {
        tokio::time::sleep(self.settle_delay).await;
        self.inner.settle(event_id, token, settle).await
    }
    fn settle_detached(&self, event_id: &str, token: ClaimToken, settle: Settle) {
        self.inner.settle_detached(event_id, token, settle);
    }
}

#[tokio::test]
async fn dropped_at_the_claim_the_next_delivery_is_handled_at_once() {
    let handler = Scripted::default();
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(Delayed::new(Duration::from_millis(200), Duration::ZERO));
    let b = body("evt_claim_drop", "charge.succeeded");
    deliver_dropped_after(&d, &b, Duration::from_millis(50)).await;
    assert_eq!(handler.runs(), 0);
    assert_eq!(deliver(&d, &b).await.kind(), OutcomeKind::Handled);
    assert_eq!(deliver(&d, &b).await.kind(), OutcomeKind::Duplicate);
    assert_eq!(handler.successes(), 1);
    assert_eq!(
        d.metrics().cancelled,
        0,
        "no claim was held when it was dropped"
    );
}

#[tokio::test]
async fn dropped_in_the_handler_the_claim_is_given_back_and_the_retry_runs() {
    let handler = Scripted::default();
    // The default 60 s lease: an answer other than 503 below proves no wait for it.
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone());
    let b = body("evt_handler_drop", "test.slow");
    deliver_dropped_after(&d, &b, Duration::from_millis(100)).await;
    assert_eq!((handler.runs(), handler.successes()), (1, 0));
    assert_eq!(d.metrics().cancelled, 1);
    assert_eq!(d.dedup().len(), 0, "the claim was given back");

    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    assert_eq!(deliver(&d, &b).await.kind(), OutcomeKind::Duplicate);
    assert_eq!((handler.runs(), handler.successes()), (2, 1));
}

#[tokio::test]
async fn dropped_during_the_completion_the_completion_still_lands() {
    let handler = Scripted::default();
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(Delayed::new(Duration::ZERO, Duration::from_millis(300)));
    let b = body("evt_settle_drop", "charge.succeeded");
    deliver_dropped_after(&d, &b, Duration::from_millis(100)).await;
    assert_eq!(handler.successes(), 1, "the handler had finished");
    assert_eq!(d.metrics().cancelled, 1);

    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Duplicate, "{retry:?}");
    assert_eq!((handler.runs(), handler.successes()), (1, 1));
}

#[tokio::test]
async fn dropped_during_the_release_the_release_still_lands() {
    let handler = Scripted::default();
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(Delayed::new(Duration::ZERO, Duration::from_millis(300)));
    let b = body("evt_release_drop", "test.slow_then_transient");
    // The first run fails transiently after 300 ms; the release then waits 300 ms more.
    deliver_dropped_after(&d, &b, Duration::from_millis(450)).await;
    assert_eq!((handler.runs(), handler.successes()), (1, 0));
    // Given back: the retry claims it at once instead of finding it in flight.
    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    assert_eq!(handler.successes(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_its_lease_that_fails_last_leaves_the_id_handled() {
    let handler = Scripted::default();
    let store =
        MemoryDedupStore::with_limits(100, Duration::from_secs(3600), Duration::from_millis(100));
    let d = Arc::new(Dispatcher::new(Webhook::new(SECRET), handler.clone()).dedup_store(store));
    let b = Arc::new(body("evt_takeover", "test.slow_then_transient"));

    let first = {
        let (d, b) = (d.clone(), b.clone());
        tokio::spawn(async move { deliver(&d, &b).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    // The first run's lease ran out: Stripe's retry takes the id over and succeeds.
    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    // The first run finishes last, failing transiently: its release must not free the id.
    let late = first.await.unwrap();
    assert!(
        matches!(
            late,
            Outcome::Delivered {
                disposition: Disposition::Failed(_),
                ..
            }
        ),
        "{late:?}"
    );
    assert_eq!(d.metrics().lease_lost, 1);
    assert_eq!(deliver(&d, &b).await.kind(), OutcomeKind::Duplicate);
    assert_eq!((handler.runs(), handler.successes()), (2, 1));
}

#[test]
fn a_late_settle_never_undoes_the_claim_that_took_over() {
    let store = MemoryDedupStore::with_limits(10, Duration::from_secs(60), Duration::ZERO);
    block_on(async {
        let Claim::Acquired(first) = store.claim("evt").await.unwrap() else {
            panic!("acquired")
        };
        // A zero lease is over at once: the next claim takes over with a new token.
        let Claim::Acquired(second) = store.claim("evt").await.unwrap() else {
            panic!("taken over")
        };
        assert_ne!(first, second);
        assert_eq!(
            store.settle("evt", &first, Settle::Release).await.unwrap(),
            Settled::LeaseLost
        );
        // The newer claim is still there (the first release did not delete it)...
        assert_eq!(store.len(), 1);
        // ...until it settles itself (its own lease, zero, is over too: LeaseLost, but ours).
        assert_eq!(
            store.settle("evt", &second, Settle::Release).await.unwrap(),
            Settled::LeaseLost
        );
        assert_eq!(store.len(), 0);
        // A late completion records the id whoever holds it: a success is a fact.
        assert_eq!(
            store.settle("evt", &first, Settle::Complete).await.unwrap(),
            Settled::LeaseLost
        );
        assert_eq!(store.claim("evt").await.unwrap(), Claim::Done);
    });
}

#[test]
fn leases_and_ttls_of_duration_max_mean_forever_and_never_panic() {
    let handler = Scripted::default();
    let store = MemoryDedupStore::with_limits(10, Duration::MAX, Duration::MAX);
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone()).dedup_store(store);
    let b = body("evt_max", "charge.succeeded");
    assert_eq!(block_on(deliver(&d, &b)).kind(), OutcomeKind::Handled);
    assert_eq!(block_on(deliver(&d, &b)).kind(), OutcomeKind::Duplicate);
    assert_eq!(handler.successes(), 1);
    block_on(async {
        assert!(matches!(
            d.dedup().claim("evt_held").await.unwrap(),
            Claim::Acquired(_)
        ));
        assert_eq!(d.dedup().claim("evt_held").await.unwrap(), Claim::InFlight);
    });
}

#[test]
fn leases_and_ttls_of_zero_never_block_and_never_remember() {
    let handler = Scripted::default();
    let store = MemoryDedupStore::with_limits(10, Duration::ZERO, Duration::ZERO);
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone()).dedup_store(store);
    let b = body("evt_zero", "charge.succeeded");
    // A zero done TTL remembers nothing: each delivery runs the handler.
    for _ in 0..3 {
        assert_eq!(block_on(deliver(&d, &b)).kind(), OutcomeKind::Handled);
    }
    assert_eq!(handler.successes(), 3);
    // A zero lease never blocks a concurrent claim.
    block_on(async {
        for _ in 0..2 {
            assert!(matches!(
                d.dedup().claim("evt_open").await.unwrap(),
                Claim::Acquired(_)
            ));
        }
    });
}

#[test]
fn tolerance_max_accepts_any_time_and_zero_only_the_same_second() {
    let b = body("evt_tolerance", "charge.succeeded");
    let at = |t: i64| OffsetDateTime::from_unix_timestamp(t).unwrap();
    let header = signature_header(&b, SECRET, NOW);
    let forever = Webhook::new(SECRET).tolerance(Duration::MAX);
    for now in [at(0), at(NOW), at(253_402_300_799), at(-377_705_116_800)] {
        assert!(forever.verify_at(&b, &header, now).is_ok(), "{now}");
    }
    let exact = Webhook::new(SECRET).tolerance(Duration::ZERO);
    assert!(exact.verify_at(&b, &header, at(NOW)).is_ok());
    assert!(matches!(
        exact.verify_at(&b, &header, at(NOW + 1)),
        Err(Error::TimestampTooOld {
            age_secs: 1,
            tolerance_secs: 0
        })
    ));
    assert!(matches!(
        exact.verify_at(&b, &header, at(NOW - 1)),
        Err(Error::TimestampInFuture {
            ahead_secs: 1,
            tolerance_secs: 0
        })
    ));
}

#[test]
fn a_store_full_of_claims_in_flight_refuses_new_ones_and_evicts_none() {
    let handler = Scripted::default();
    let store = Arc::new(MemoryDedupStore::with_limits(
        2,
        Duration::from_secs(60),
        Duration::from_secs(60),
    ));
    block_on(async {
        for id in ["evt_a", "evt_b"] {
            assert!(matches!(store.claim(id).await.unwrap(), Claim::Acquired(_)));
        }
    });
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone()).dedup_store(store.clone());
    let outcome = block_on(deliver(&d, &body("evt_c", "charge.succeeded")));
    match &outcome {
        Outcome::Delivered {
            disposition: Disposition::StoreUnavailable(error),
            ..
        } => {
            assert!(error.to_string().contains("raise its capacity"), "{error}");
        }
        other => panic!("expected StoreUnavailable, got {other:?}"),
    }
    assert_eq!(outcome.status(), 503);
    assert_eq!(handler.runs(), 0);
    // Both claims are still in flight: neither was evicted to make room.
    block_on(async {
        for id in ["evt_a", "evt_b"] {
            assert_eq!(store.claim(id).await.unwrap(), Claim::InFlight);
        }
    });
}

#[test]
fn store_errors_after_the_handler_are_counted_not_swallowed() {
    let handler = Scripted::default();
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(SettleFails(MemoryDedupStore::new()));
    let outcome = block_on(deliver(&d, &body("evt_settle_error", "charge.succeeded")));
    // The handler's result decides the answer; the failed completion is counted.
    assert_eq!(outcome.kind(), OutcomeKind::Handled, "{outcome:?}");
    assert_eq!(d.metrics().settle_errors, 1);
    assert_eq!(d.metrics().cancelled, 0);
}
