//! The dispatcher through its public API: every outcome and its status, filters, duplicates
//! under concurrency, retries after failure, panics, eviction, metrics.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pollster::block_on;
use stripe_webhooks::dispatch::OutcomeKind;
use stripe_webhooks::dispatch::{
    sync_handler, Dispatcher, Disposition, Handler, HandlerError, Outcome,
};
use stripe_webhooks::store::{Claim, DedupStore, MemoryDedupStore, Settle};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::ErrorKind;
use stripe_webhooks::{Error, Event, EventType, Webhook};
use support::stores::Down;
use time::OffsetDateTime;

const SECRET: &str = "whsec_dispatch_tests";
const NOW: i64 = 1_763_856_000;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).unwrap()
}

fn body(id: &str, event_type: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","created":{NOW},"livemode":false,"data":{{"object":{{"id":"obj_{id}","object":"charge"}}}}}}"#
    )
    .into_bytes()
}

fn signed(body: &[u8]) -> String {
    signature_header(body, SECRET, NOW)
}

/// A handler that records the ids it saw and answers as told.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Handler for Recorder {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        self.seen.lock().unwrap().push(event.id().to_owned());
        match event.event_type().as_str() {
            "test.transient" => Err(HandlerError::transient("database down")),
            "test.permanent" => Err(HandlerError::permanent("no such account")),
            "test.panic" => panic!("handler bug for {}", event.id()),
            _ => Ok(()),
        }
    }
}

fn dispatcher(recorder: &Recorder) -> Dispatcher<Recorder> {
    Dispatcher::new(Webhook::new(SECRET), recorder.clone())
}

fn run<H: Handler, D: DedupStore>(
    d: &Dispatcher<H, D>,
    body: &[u8],
    header: Option<&str>,
) -> Outcome {
    block_on(d.dispatch_at(body, header, now()))
}

#[test]
fn every_outcome_and_its_status() {
    let recorder = Recorder::default();
    let d = dispatcher(&recorder)
        .enabled_events(["charge.*", "test.*"])
        .max_body_size(4096);

    let ok = body("evt_ok", "charge.succeeded");
    let outcome = run(&d, &ok, Some(&signed(&ok)));
    assert_eq!(outcome.kind(), OutcomeKind::Handled, "{outcome:?}");
    assert_eq!(
        (outcome.status(), outcome.kind().as_str()),
        (200, "handled")
    );
    assert_eq!(outcome.event_id(), Some("evt_ok"));
    assert_eq!(outcome.event_type(), Some(&EventType::ChargeSucceeded));

    let outcome = run(&d, &ok, Some(&signed(&ok)));
    assert_eq!(outcome.kind(), OutcomeKind::Duplicate);
    assert_eq!(outcome.status(), 200);

    let ignored = body("evt_ignored", "invoice.paid");
    let outcome = run(&d, &ignored, Some(&signed(&ignored)));
    assert_eq!(outcome.kind(), OutcomeKind::Ignored);
    assert_eq!(outcome.status(), 200);

    let transient = body("evt_transient", "test.transient");
    let outcome = run(&d, &transient, Some(&signed(&transient)));
    assert!(
        matches!(&outcome, Outcome::Delivered { disposition: Disposition::Failed(error), .. } if error.is_transient())
    );
    assert_eq!(
        (outcome.status(), outcome.kind().as_str()),
        (500, "failed_transient")
    );

    let permanent = body("evt_permanent", "test.permanent");
    let outcome = run(&d, &permanent, Some(&signed(&permanent)));
    assert_eq!(
        (outcome.status(), outcome.kind().as_str()),
        (200, "failed_permanent")
    );
    // Not retried forever: a redelivery is a duplicate.
    assert_eq!(
        run(&d, &permanent, Some(&signed(&permanent))).kind(),
        OutcomeKind::Duplicate
    );

    let panics = body("evt_panic", "test.panic");
    let outcome = run(&d, &panics, Some(&signed(&panics)));
    match &outcome {
        Outcome::Delivered {
            event_id,
            disposition: Disposition::Panicked(message),
            ..
        } => {
            assert_eq!(event_id, "evt_panic");
            assert!(message.contains("handler bug for evt_panic"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(outcome.status(), 500);
    assert!(outcome.to_string().contains("evt_panic"));

    let rejections: Vec<(Vec<u8>, Option<String>, u16, &str)> = vec![
        (ok.clone(), None, 400, "header_missing"),
        (
            ok.clone(),
            Some("t=1,v1=00".into()),
            400,
            "signature_mismatch",
        ),
        (
            b"tampered".to_vec(),
            Some(signed(&ok)),
            400,
            "signature_mismatch",
        ),
        (
            ok.clone(),
            Some(signature_header(&ok, SECRET, NOW - 3600)),
            400,
            "timestamp_too_old",
        ),
        (
            ok.clone(),
            Some(signature_header(&ok, SECRET, NOW + 3600)),
            400,
            "timestamp_in_future",
        ),
        (b"not json".to_vec(), Some(signed(b"not json")), 400, "json"),
        (b"[]".to_vec(), Some(signed(b"[]")), 400, "not_an_event"),
        (
            vec![b' '; 5000],
            Some(signed(&[b' '; 5000])),
            413,
            "body_too_large",
        ),
    ];
    for (payload, header, status, reason) in rejections {
        let outcome = run(&d, &payload, header.as_deref());
        match &outcome {
            Outcome::Rejected(error) => assert_eq!(error.kind().as_str(), reason),
            other => panic!("{reason}: {other:?}"),
        }
        assert_eq!(outcome.status(), status, "{reason}");
        assert!(!outcome.to_string().contains(SECRET));
    }

    let missing_secret = Dispatcher::new(Webhook::new(""), recorder.clone());
    let outcome = run(&missing_secret, &ok, Some(&signed(&ok)));
    assert!(matches!(
        outcome,
        Outcome::Rejected(Error::SecretMissing { .. })
    ));
    assert_eq!(
        outcome.status(),
        500,
        "a configuration error must make Stripe retry"
    );

    // Only genuine, enabled, first deliveries reached the handler.
    assert_eq!(
        recorder.seen(),
        ["evt_ok", "evt_transient", "evt_permanent", "evt_panic"]
    );

    let metrics = d.metrics();
    assert_eq!(metrics.received, 15);
    assert_eq!(metrics.count(OutcomeKind::Handled), 1);
    assert_eq!(metrics.count(OutcomeKind::Duplicate), 2);
    assert_eq!(metrics.count(OutcomeKind::Ignored), 1);
    assert_eq!(metrics.count(OutcomeKind::FailedTransient), 1);
    assert_eq!(metrics.count(OutcomeKind::FailedPermanent), 1);
    assert_eq!(metrics.count(OutcomeKind::Panicked), 1);
    assert_eq!(metrics.rejected_total(), 8);
    assert_eq!(metrics.rejected(ErrorKind::SignatureMismatch), 2);
    assert_eq!(metrics.verified, 9);
}

#[test]
fn panicking_handler_leaves_the_dispatcher_working() {
    let recorder = Recorder::default();
    let d = dispatcher(&recorder);
    let panics = body("evt_p", "test.panic");
    assert_eq!(run(&d, &panics, Some(&signed(&panics))).status(), 500);
    // The panic released the claim, so Stripe's retry runs the handler again.
    assert_eq!(run(&d, &panics, Some(&signed(&panics))).status(), 500);
    let next = body("evt_next", "charge.failed");
    assert_eq!(
        run(&d, &next, Some(&signed(&next))).kind(),
        OutcomeKind::Handled
    );
    assert_eq!(recorder.seen(), ["evt_p", "evt_p", "evt_next"]);
}

#[test]
fn a_panic_while_creating_the_future_is_caught_too() {
    let d = Dispatcher::new(
        Webhook::new(SECRET),
        sync_handler(|event: Event| -> Result<(), HandlerError> {
            panic!("sync bug in {}", event.id())
        }),
    );
    let b = body("evt_sync", "charge.failed");
    match run(&d, &b, Some(&signed(&b))) {
        Outcome::Delivered {
            disposition: Disposition::Panicked(message),
            ..
        } => assert_eq!(message, "sync bug in evt_sync"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn failing_handler_then_retry_runs_again_and_succeeds() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let d = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
        let attempt = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if attempt < 2 {
                Err(HandlerError::transient(format!("attempt {attempt} failed")))
            } else {
                Ok(())
            }
        }
    });
    let b = body("evt_retry", "invoice.payment_failed");
    // Each retry carries a new timestamp and signature, as Stripe's do.
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            let t = NOW + i * 60;
            let at = OffsetDateTime::from_unix_timestamp(t).unwrap();
            block_on(d.dispatch_at(&b, Some(&signature_header(&b, SECRET, t)), at)).status()
        })
        .collect();
    assert_eq!(statuses, [500, 500, 200, 200]);
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "ran until it succeeded, then never again"
    );
}

#[test]
fn filters_exact_star_prefix_and_unknown_types() {
    let cases: &[(&[&str], &str, bool)] = &[
        (&["*"], "anything.new", true),
        (&["*"], "charge.failed", true),
        (&["charge.failed"], "charge.failed", true),
        (&["charge.failed"], "charge.failed.extra", false),
        (&["charge.failed"], "charge.succeeded", false),
        (&["invoice.*"], "invoice.payment_failed", true),
        (&["invoice.*"], "invoiceitem.created", false),
        (
            &["customer.subscription.*"],
            "customer.subscription.updated",
            true,
        ),
        (&["customer.subscription.*"], "customer.updated", false),
        (&["brand_new.*"], "brand_new.thing", true),
        (&[], "charge.failed", false),
    ];
    for (i, (patterns, event_type, handled)) in cases.iter().enumerate() {
        let recorder = Recorder::default();
        let d = dispatcher(&recorder).enabled_events(patterns.iter().copied());
        let b = body(&format!("evt_{i}"), event_type);
        let outcome = run(&d, &b, Some(&signed(&b)));
        assert_eq!(
            matches!(
                outcome,
                Outcome::Delivered {
                    disposition: Disposition::Handled,
                    ..
                }
            ),
            *handled,
            "{patterns:?} {event_type}"
        );
        if !handled {
            assert_eq!(outcome.kind(), OutcomeKind::Ignored);
            assert_eq!(outcome.status(), 200);
            assert!(recorder.seen().is_empty());
        }
    }
}

/// A handler slow enough that concurrent deliveries overlap.
#[derive(Clone, Default)]
struct Slow {
    runs: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
    overlapped: Arc<AtomicUsize>,
}

impl Handler for Slow {
    async fn handle(&self, _event: Event) -> Result<(), HandlerError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        if self.running.fetch_add(1, Ordering::SeqCst) > 0 {
            self.overlapped.fetch_add(1, Ordering::SeqCst);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_deliveries_of_one_id_run_the_handler_once() {
    let slow = Slow::default();
    let d = Arc::new(Dispatcher::new(Webhook::new(SECRET), slow.clone()));
    let b = Arc::new(body("evt_concurrent", "payment_intent.succeeded"));
    let header = Arc::new(signed(&b));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (d, b, header) = (d.clone(), b.clone(), header.clone());
            tokio::spawn(async move { d.dispatch_at(&b, Some(&header), now()).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status());
    }
    assert_eq!(slow.runs.load(Ordering::SeqCst), 1);
    assert_eq!(slow.overlapped.load(Ordering::SeqCst), 0);
    assert!(statuses.contains(&200), "{statuses:?}");
    // The others were told to retry (in flight) or acknowledged as duplicates.
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    // After it finished, every redelivery is a duplicate.
    let later = d.dispatch_at(&b, Some(&header), now()).await;
    assert_eq!(later.kind(), OutcomeKind::Duplicate);
}

#[test]
fn memory_store_capacity_and_ttl_eviction() {
    let store =
        MemoryDedupStore::with_limits(2, Duration::from_millis(100), Duration::from_secs(60));
    block_on(async {
        for id in ["a", "b", "c"] {
            let Claim::Acquired(token) = store.claim(id).await.unwrap() else {
                panic!("{id} must be acquired")
            };
            store.settle(id, &token, Settle::Complete).await.unwrap();
        }
        assert_eq!(store.len(), 2);
        // "a" was evicted (oldest done first): it would run again.
        assert!(matches!(
            store.claim("a").await.unwrap(),
            Claim::Acquired(_)
        ));
        assert_eq!(store.claim("c").await.unwrap(), Claim::Done);
        std::thread::sleep(Duration::from_millis(150));
        assert!(
            matches!(store.claim("c").await.unwrap(), Claim::Acquired(_)),
            "expired after its TTL"
        );
    });
}

#[test]
fn an_expired_lease_can_be_taken_over() {
    let store =
        MemoryDedupStore::with_limits(10, Duration::from_secs(60), Duration::from_millis(50));
    block_on(async {
        let Claim::Acquired(first) = store.claim("evt").await.unwrap() else {
            panic!("the first claim must be acquired")
        };
        assert_eq!(store.claim("evt").await.unwrap(), Claim::InFlight);
        std::thread::sleep(Duration::from_millis(80));
        let Claim::Acquired(second) = store.claim("evt").await.unwrap() else {
            panic!("an expired lease must be taken over")
        };
        assert_ne!(first, second, "a takeover gets a new token");
    });
}

#[test]
fn unreachable_store_answers_503_and_never_runs_the_handler() {
    let recorder = Recorder::default();
    let d = dispatcher(&recorder).dedup_store(Down);
    let b = body("evt_store", "charge.failed");
    let outcome = run(&d, &b, Some(&signed(&b)));
    assert_eq!(outcome.kind(), OutcomeKind::StoreUnavailable);
    assert_eq!(outcome.status(), 503);
    assert!(recorder.seen().is_empty());
}

#[test]
fn a_shared_store_sees_both_dispatchers() {
    let store = Arc::new(MemoryDedupStore::new());
    let recorder = Recorder::default();
    let one = dispatcher(&recorder).dedup_store(store.clone());
    let two = dispatcher(&recorder).dedup_store(store.clone());
    let b = body("evt_shared", "charge.failed");
    assert_eq!(
        run(&one, &b, Some(&signed(&b))).kind(),
        OutcomeKind::Handled
    );
    assert_eq!(
        run(&two, &b, Some(&signed(&b))).kind(),
        OutcomeKind::Duplicate
    );
    assert_eq!(store.len(), 1);
}

#[test]
fn dispatcher_is_send_sync_and_its_future_is_send() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    fn assert_send<T: Send>(_: &T) {}
    let d = dispatcher(&Recorder::default());
    assert_send_sync(&d);
    let future = d.dispatch(b"{}", None);
    assert_send(&future);
    drop(future);
}

#[test]
fn sync_and_async_closures_are_handlers() {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let sync = Dispatcher::new(
        Webhook::new(SECRET),
        sync_handler(move |_event: Event| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }),
    );
    let c = count.clone();
    let asynchronous = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
        let c = c.clone();
        async move {
            c.fetch_add(1, Ordering::SeqCst);
            Ok::<(), HandlerError>(())
        }
    });
    let b = body("evt_closure", "charge.failed");
    assert_eq!(run(&sync, &b, Some(&signed(&b))).status(), 200);
    assert_eq!(run(&asynchronous, &b, Some(&signed(&b))).status(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}
