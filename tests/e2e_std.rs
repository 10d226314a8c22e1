//! End to end over real HTTP on loopback: the standard-library endpoint of the examples, and a
//! client that delivers as Stripe does (POST, Stripe's headers, a fresh signature per attempt,
//! retries with backoff after any non-2xx). Asserts what the handler saw and what was
//! acknowledged: every genuine event handled exactly once, nothing forged handled, nothing lost.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../examples/common/std_server.rs"]
mod std_server;
#[path = "../examples/common/stripe_sender.rs"]
mod stripe_sender;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use stripe_sender::{Sender, Signing};
use stripe_webhooks::dispatch::OutcomeKind;
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError};
use stripe_webhooks::store::EventOrder;
use stripe_webhooks::testing::EventBuilder;
use stripe_webhooks::ErrorKind;
use stripe_webhooks::{Event, Webhook};

const SECRET: &str = "whsec_e2e_loopback";

/// Records every event it handles; events whose id starts with `evt_flaky` fail transiently
/// twice first; subscription updates go through the stale-event helper.
#[derive(Default)]
struct Ledger {
    handled: Mutex<BTreeMap<String, usize>>,
    attempts: Mutex<BTreeMap<String, usize>>,
    applied_status: Mutex<BTreeMap<String, String>>,
    order: EventOrder,
}

impl Handler for Ledger {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        let id = event.id().to_owned();
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let count = attempts.entry(id.clone()).or_default();
            *count += 1;
            *count
        };
        if id.starts_with("evt_flaky") && attempt <= 2 {
            return Err(HandlerError::transient(format!(
                "flaky dependency, attempt {attempt}"
            )));
        }
        if event.event_type().as_str() == "customer.subscription.updated" {
            let freshness = self
                .order
                .freshness(&event)
                .await
                .map_err(HandlerError::transient)?;
            if !freshness.is_stale() {
                let object: serde_json::Value = event.object_as()?;
                let sub = object["id"].as_str().unwrap_or_default().to_owned();
                let status = object["status"].as_str().unwrap_or_default().to_owned();
                self.applied_status.lock().unwrap().insert(sub, status);
                self.order
                    .record(&event)
                    .await
                    .map_err(HandlerError::transient)?;
            }
        }
        *self.handled.lock().unwrap().entry(id).or_default() += 1;
        Ok(())
    }
}

fn start(max_body: usize) -> (Arc<Ledger>, Arc<Dispatcher<Arc<Ledger>>>, String) {
    let ledger = Arc::new(Ledger::default());
    let dispatcher =
        Arc::new(Dispatcher::new(Webhook::new(SECRET), ledger.clone()).max_body_size(max_body));
    let addr = std_server::spawn("127.0.0.1:0", dispatcher.clone()).unwrap();
    (ledger, dispatcher, format!("http://{addr}/webhook"))
}

fn statuses(answers: &[Result<stripe_sender::Answer, String>]) -> Vec<u16> {
    answers
        .iter()
        .map(|a| a.as_ref().map(|a| a.status).unwrap_or(0))
        .collect()
}

#[test]
fn stripe_like_deliveries_end_to_end() {
    let (ledger, dispatcher, url) = start(64 * 1024);
    let sender = Sender::new(&url, SECRET);
    let backoff = Duration::from_millis(20);
    let mut genuine = BTreeSet::new();

    // Ordinary events, one of each common family.
    for event_type in [
        "payment_intent.succeeded",
        "invoice.paid",
        "charge.refunded",
        "customer.created",
        "checkout.session.completed",
    ] {
        let event = EventBuilder::new(event_type);
        let id = event.to_value()["id"].as_str().unwrap().to_owned();
        let answers = sender.deliver_with_retries(&event.build(), 5, backoff);
        assert_eq!(statuses(&answers), [200], "{event_type}");
        genuine.insert(id);
    }

    // A handler that fails twice, then succeeds: Stripe's retries get it through.
    let flaky = EventBuilder::new("invoice.payment_failed").id("evt_flaky_1");
    let answers = sender.deliver_with_retries(&flaky.build(), 5, backoff);
    assert_eq!(statuses(&answers), [500, 500, 200]);
    genuine.insert("evt_flaky_1".to_owned());

    // Duplicate deliveries of an already handled event: acknowledged, not handled again.
    let duplicate = EventBuilder::new("payment_intent.payment_failed").id("evt_dup_1");
    genuine.insert("evt_dup_1".to_owned());
    for _ in 0..4 {
        assert_eq!(
            sender
                .deliver(&duplicate.build(), Signing::Genuine)
                .unwrap()
                .status,
            200
        );
    }

    // Out of order: the newer state arrives first; the older one is handled but not applied.
    let newer = EventBuilder::new("customer.subscription.updated")
        .id("evt_sub_new")
        .created(2_000)
        .object_field("id", json!("sub_e2e"))
        .object_field("status", json!("canceled"));
    let older = EventBuilder::new("customer.subscription.updated")
        .id("evt_sub_old")
        .created(1_000)
        .object_field("id", json!("sub_e2e"))
        .object_field("status", json!("active"));
    for event in [&newer, &older] {
        assert_eq!(
            statuses(&sender.deliver_with_retries(&event.build(), 3, backoff)),
            [200]
        );
    }
    genuine.extend(["evt_sub_new".to_owned(), "evt_sub_old".to_owned()]);
    assert_eq!(ledger.applied_status.lock().unwrap()["sub_e2e"], "canceled");

    // Forged, stale, unsigned and oversize deliveries: refused, never handled.
    let forged = EventBuilder::new("charge.succeeded").id("evt_forged");
    assert_eq!(
        sender
            .deliver(&forged.build(), Signing::Forged)
            .unwrap()
            .status,
        400
    );
    let stale = EventBuilder::new("charge.succeeded").id("evt_stale");
    assert_eq!(
        sender
            .deliver(&stale.build(), Signing::Stale(600))
            .unwrap()
            .status,
        400
    );
    let unsigned = EventBuilder::new("charge.succeeded").id("evt_unsigned");
    assert_eq!(
        sender
            .deliver(&unsigned.build(), Signing::Missing)
            .unwrap()
            .status,
        400
    );
    let huge = EventBuilder::new("charge.succeeded")
        .id("evt_huge")
        .object_field("description", json!("x".repeat(100_000)));
    let answer = sender.deliver(&huge.build(), Signing::Genuine).unwrap();
    assert_eq!(answer.status, 413, "{}", answer.body);

    // What the handler saw: every genuine event exactly once, nothing else.
    let handled = ledger.handled.lock().unwrap().clone();
    assert_eq!(handled.keys().cloned().collect::<BTreeSet<_>>(), genuine);
    assert!(handled.values().all(|count| *count == 1), "{handled:?}");
    let metrics = dispatcher.metrics();
    assert_eq!(metrics.count(OutcomeKind::Handled) as usize, genuine.len());
    assert_eq!(metrics.count(OutcomeKind::FailedTransient), 2);
    assert_eq!(metrics.count(OutcomeKind::Duplicate), 3);
    // The oversize body was refused by the server before reading it, and counted.
    assert_eq!(metrics.rejected_total(), 4);
    assert_eq!(metrics.rejected(ErrorKind::BodyTooLarge), 1);
}

#[test]
fn repeated_signature_header_and_wrong_routes() {
    let (_ledger, _dispatcher, url) = start(64 * 1024);
    let body = EventBuilder::new("charge.succeeded").build();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = stripe_webhooks::testing::signature_header(&body, SECRET, now);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let response = agent
        .post(&url)
        .header("Stripe-Signature", &header)
        .header("Stripe-Signature", &header)
        .send(&body[..])
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let wrong = agent
        .post(&url.replace("/webhook", "/other"))
        .send(&body[..])
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 404);
    let get = agent.get(&url).call().unwrap();
    assert_eq!(get.status().as_u16(), 405);
}

/// 10,000 events from 8 concurrent clients, with duplicates and forgeries mixed in.
#[test]
fn soak_ten_thousand_events_from_eight_clients() {
    let (ledger, dispatcher, url) = start(64 * 1024);
    let clients = 8;
    let per_client = 1_250;
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            let sender = Sender::new(&url, SECRET);
            std::thread::spawn(move || {
                let mut sent = Vec::new();
                for n in 0..per_client {
                    let id = format!("evt_soak_{client}_{n}");
                    let body = EventBuilder::new("payment_intent.succeeded")
                        .id(&id)
                        .build();
                    let answers = sender.deliver_with_retries(&body, 5, Duration::from_millis(10));
                    assert!(
                        matches!(answers.last(), Some(Ok(a)) if a.status == 200),
                        "{id}: {answers:?}"
                    );
                    if n % 10 == 0 {
                        // A duplicate delivery, as Stripe sometimes makes.
                        assert_eq!(sender.deliver(&body, Signing::Genuine).unwrap().status, 200);
                    }
                    if n % 25 == 0 {
                        let forged = EventBuilder::new("payment_intent.succeeded")
                            .id(&format!("evt_forged_{client}_{n}"))
                            .build();
                        assert_eq!(
                            sender.deliver(&forged, Signing::Forged).unwrap().status,
                            400
                        );
                    }
                    sent.push(id);
                }
                sent
            })
        })
        .collect();
    let mut genuine = BTreeSet::new();
    for thread in threads {
        genuine.extend(thread.join().unwrap());
    }
    assert_eq!(genuine.len(), clients * per_client);
    let handled = ledger.handled.lock().unwrap();
    assert_eq!(handled.len(), genuine.len(), "nothing lost, nothing extra");
    assert!(
        handled.keys().all(|id| genuine.contains(id)),
        "nothing forged handled"
    );
    assert!(handled.values().all(|count| *count == 1), "exactly once");
    let metrics = dispatcher.metrics();
    assert_eq!(
        metrics.count(OutcomeKind::Handled) as usize,
        clients * per_client
    );
    assert_eq!(
        metrics.count(OutcomeKind::Duplicate) as usize,
        clients * per_client / 10
    );
    assert_eq!(metrics.rejected_total() as usize, clients * per_client / 25);
}
