//! Forwarding (feature `forward`) with real parts: events dispatched through a real
//! `Dispatcher::inbox` (SQLite file and Postgres, `backends!`), forwarded to real HTTP targets
//! on the loopback (axum servers that verify what they get with their own secret) and to real
//! Redis streams read by a consumer group.
//!
//! - The headline: 1,000 events to three targets with their own secrets and filters, one of
//!   them down (connection refused) until the two healthy ones have everything, then failing
//!   30 % of its requests; every target ends with exactly its events, byte for byte, signed
//!   with its own secret, and the inbox records every attempt.
//! - Focused: headers and byte-exact bodies, two secrets, timeouts, redirects, the last
//!   attempt and a replay, duplicates, prune, setup errors, the dispatcher's filter.
//! - Redis Streams: exactly once per event through a consumer group, signatures as of the
//!   entry's time, a replay that adds nothing, a Redis that is down.
//!
//! Needs `DATABASE_URL_POSTGRES` and `REDIS_URL` (`bash .ci/run` starts both); without them
//! the tests that need them say so loudly and check nothing, and under `CI=true` they fail.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[macro_use] // `backends!`
mod inbox {
    #[macro_use]
    pub(crate) mod databases;
}

mod forwarding {
    pub(crate) mod targets;
}

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Ready;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use forwarding::targets::{
    closed_port, eventually, eventually_async, Received, Reply, TargetServer, DEADLINE,
};
use inbox::databases::{fresh, Backend};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::forward::{
    headers, ForwardError, Forwarded, HttpSink, RedisStreamSink, Target,
};
use stripe_webhooks::inbox::{
    Backoff, Entry, EntryStatus, ForwardAttempt, ForwardRecord, ForwardStatus, Inbox, Replay,
};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};
use time::OffsetDateTime;

/// The secret "Stripe" signs the deliveries to the edge with.
const STRIPE: &str = "whsec_stripe_to_the_edge";

type Succeed = fn(Event) -> Ready<Result<(), HandlerError>>;

/// The handler: takes every event (forwarding does not depend on it).
fn succeed(_event: Event) -> Ready<Result<(), HandlerError>> {
    std::future::ready(Ok(()))
}

type Edge = Dispatcher<Succeed, Inbox>;

async fn open(backend: Backend, test: &str) -> Option<Inbox> {
    let url = fresh(backend, &format!("fwd_{test}"))?;
    Some(Inbox::open(&url).await.unwrap())
}

/// A dispatcher on `inbox` with `targets` attached.
fn edge(inbox: &Inbox, targets: impl IntoIterator<Item = Target>) -> Edge {
    let mut edge = Dispatcher::new(Webhook::new(STRIPE), succeed as Succeed).inbox(inbox.clone());
    for target in targets {
        edge = edge.forward(target).unwrap();
    }
    edge
}

/// Short waits between attempts, no jitter: the tests wait for retries, not for minutes.
fn fast() -> Backoff {
    Backoff::default()
        .initial(Duration::from_millis(20))
        .max(Duration::from_millis(200))
        .jitter(0.0)
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Delivers `body` as Stripe would (signed now) and says what the edge answered.
async fn deliver(edge: &Edge, body: &[u8]) -> stripe_webhooks::dispatch::Outcome {
    let header = signature_header(body, STRIPE, now());
    edge.dispatch(body, Some(&header)).await
}

/// Delivers `body` and checks that it was stored as a new event.
async fn store(edge: &Edge, body: &[u8]) {
    let outcome = deliver(edge, body).await;
    assert_eq!(outcome.kind(), OutcomeKind::Stored, "{outcome:?}");
    assert_eq!(outcome.status(), 200);
}

fn body(id: &str, event_type: &str) -> Vec<u8> {
    EventBuilder::new(event_type).id(id).build()
}

async fn entry(inbox: &Inbox, id: &str) -> Entry {
    inbox
        .entry(id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no entry {id}"))
}

/// The forward of `id` to `target`.
async fn record(inbox: &Inbox, id: &str, target: &str) -> ForwardRecord {
    let entry = entry(inbox, id).await;
    entry
        .forwards
        .iter()
        .find(|forward| forward.target == target)
        .unwrap_or_else(|| panic!("{id} has no forward to {target}: {:?}", entry.forwards))
        .clone()
}

/// Runs `forward_due` until the forward of `id` to `target` is `status` (retries wait their
/// backoff, so one call may not get there); fails after [`DEADLINE`].
async fn forward_until(
    edge: &Edge,
    inbox: &Inbox,
    id: &str,
    target: &str,
    status: ForwardStatus,
) -> ForwardRecord {
    let started = Instant::now();
    loop {
        edge.forward_due().await.unwrap();
        let forward = record(inbox, id, target).await;
        if forward.status == status {
            return forward;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the forward of {id} to {target} is not {status:?} after {DEADLINE:?}: {forward:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `target`'s forwards by status, the statuses with none left out.
async fn counts(inbox: &Inbox, target: &str) -> BTreeMap<String, u64> {
    inbox
        .forward_counts(target)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(status, count)| (status.as_str().to_owned(), count))
        .collect()
}

fn only(status: ForwardStatus, count: u64) -> BTreeMap<String, u64> {
    BTreeMap::from([(status.as_str().to_owned(), count)])
}

fn results(log: &[ForwardAttempt]) -> Vec<(u32, &str, Option<u16>)> {
    log.iter()
        .map(|attempt| {
            (
                attempt.attempt,
                attempt.result.as_str(),
                attempt.response_status,
            )
        })
        .collect()
}

/// The `v1` entries of a `Stripe-Signature` header, and its timestamp.
fn parse_signature(header: &str) -> (i64, Vec<String>) {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let (scheme, value) = part.split_once('=').unwrap_or_else(|| panic!("`{header}`"));
        match scheme {
            "t" => {
                assert!(timestamp.is_none(), "two t= in `{header}`");
                timestamp = Some(value.parse().unwrap());
            }
            "v1" => {
                assert_eq!(value.len(), 64, "`{header}`");
                assert!(value
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
                v1.push(value.to_owned());
            }
            other => panic!("unexpected scheme `{other}` in `{header}`"),
        }
    }
    (
        timestamp.unwrap_or_else(|| panic!("no t= in `{header}`")),
        v1,
    )
}

/// FNV-1a: the failing target's coin, the same on every run.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Whether the failing target answers 500 to this attempt of this event: 30 % of them.
fn flaky(event_id: &str, attempt: u32) -> bool {
    fnv(&format!("{event_id}#{attempt}")) % 100 < 30
}

/// The event types of the headline, by `i % 10`: three for the invoice target, four for the
/// payments target, three for neither (`invoiceitem.created` is not `invoice.*`).
const TYPES: [&str; 10] = [
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.finalized",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "charge.succeeded",
    "charge.dispute.created",
    "customer.created",
    "invoiceitem.created",
    "checkout.session.completed",
];

/// One of the headline's targets, and what it should end with.
struct Expect<'a> {
    name: &'static str,
    server: &'a TargetServer,
    secret: &'static str,
    types: &'a [&'static str],
    ids: BTreeSet<String>,
}

const SECRET_A: &str = "whsec_target_a_everything";
const SECRET_B: &str = "whsec_target_b_invoices";
const SECRET_C: &str = "whsec_target_c_payments";
const SECRETS: [&str; 3] = [SECRET_A, SECRET_B, SECRET_C];

/// Checks every request a headline target got: its own signature (and no other target's),
/// the body byte for byte, the headers, and only the types it takes.
fn check_requests(
    expect: &Expect<'_>,
    sent: &HashMap<String, Vec<u8>>,
    received_at: &HashMap<String, i64>,
) -> Vec<Received> {
    let requests = expect.server.received();
    let own = Webhook::new(expect.secret);
    let mut failed_verifications = 0;
    let mut foreign_verifications = 0;
    for request in &requests {
        let id = request.event_id();
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, format!("/hook/{}", expect.name));
        assert_eq!(
            request.header("content-type"),
            "application/json; charset=utf-8"
        );
        let signature = request.header("stripe-signature");
        if own.verify(&request.body, signature).is_err() {
            failed_verifications += 1;
        }
        for other in SECRETS.iter().filter(|secret| **secret != expect.secret) {
            if Webhook::new(*other)
                .verify(&request.body, signature)
                .is_ok()
            {
                foreign_verifications += 1;
            }
        }
        assert_eq!(parse_signature(signature).1.len(), 1, "one secret, one v1");
        let dispatched = sent
            .get(id)
            .unwrap_or_else(|| panic!("{} got {id}, which was never dispatched", expect.name));
        assert!(
            request.body == *dispatched,
            "{}: the body of {id} is not the one dispatched",
            expect.name
        );
        let json: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(json["id"], id, "the event-id header and the body disagree");
        let event_type = request.header(headers::EVENT_TYPE);
        assert_eq!(
            json["type"], event_type,
            "the event-type header and the body disagree"
        );
        assert!(
            expect.types.contains(&event_type) && expect.ids.contains(id),
            "{} does not take {id} ({event_type}) and got it",
            expect.name
        );
        assert_eq!(
            request.header(headers::DELIVERED_AT),
            received_at[id].to_string(),
            "{}: delivered-at of {id}",
            expect.name
        );
        assert!(request.attempt() >= 1);
    }
    assert_eq!(
        failed_verifications, 0,
        "{}: requests not signed with its own secret",
        expect.name
    );
    assert_eq!(
        foreign_verifications, 0,
        "{}: requests that verify with another target's secret",
        expect.name
    );
    requests
}

/// Each id of `requests` that the target took, with how many times it took it.
fn accepted(requests: &[Received]) -> BTreeMap<String, usize> {
    let mut ids = BTreeMap::new();
    for request in requests.iter().filter(|request| request.accepted()) {
        *ids.entry(request.event_id().to_owned()).or_default() += 1;
    }
    ids
}

fn unique_ids(requests: &[Received]) -> BTreeSet<String> {
    requests
        .iter()
        .map(|request| request.event_id().to_owned())
        .collect()
}

/// Every entry of `ids`, read a few at a time.
async fn entries(inbox: &Inbox, ids: &[String]) -> HashMap<String, Entry> {
    let mut read = HashMap::new();
    for chunk in ids.chunks(50) {
        let mut reads = tokio::task::JoinSet::new();
        for id in chunk {
            let (inbox, id) = (inbox.clone(), id.clone());
            reads.spawn(async move {
                let entry = inbox.entry(&id).await.unwrap();
                (id, entry)
            });
        }
        while let Some(done) = reads.join_next().await {
            let (id, entry) = done.unwrap();
            read.insert(id.clone(), entry.unwrap_or_else(|| panic!("no entry {id}")));
        }
    }
    read
}

backends! {
    async fn a_thousand_events_reach_three_targets_each_on_its_own(backend: Backend) {
        let Some(inbox) = open(backend, "fanout").await else {
            return;
        };
        let a = TargetServer::accepting().await;
        let b = TargetServer::accepting().await;
        // Down (nothing listens on its port) until the healthy targets have everything; then
        // up, failing 30 % of its requests after reading them in full.
        let c = TargetServer::reserve(|request| {
            if flaky(request.event_id(), request.attempt()) {
                Reply::Status(500, "flaky: try again".to_owned())
            } else {
                Reply::Status(200, "ok".to_owned())
            }
        });
        let edge = Arc::new(edge(
            &inbox,
            [
                Target::http("a", &a.url("a"), SECRET_A)
                    .unwrap()
                    .backoff(fast()),
                Target::http("b", &b.url("b"), SECRET_B)
                    .unwrap()
                    .enabled_events(["invoice.*"])
                    .backoff(fast()),
                Target::http("c", &c.url("c"), SECRET_C)
                    .unwrap()
                    .enabled_events(["payment_intent.*", "charge.*"])
                    .backoff(fast().max_attempts(1_000_000)),
            ],
        ));

        // The forwarders run from the start: they pick the events up as they are stored.
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let forwarders = tokio::spawn({
            let edge = Arc::clone(&edge);
            async move {
                edge.run_forwarders(async {
                    let _ = stopped.await;
                })
                .await;
            }
        });

        let mut sent = HashMap::new();
        let mut order = Vec::new();
        let (mut for_a, mut for_b, mut for_c) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for i in 0..1000 {
            let id = format!("evt_fanout_{i:04}");
            let kind = i % 10;
            sent.insert(id.clone(), body(&id, TYPES[kind]));
            for_a.insert(id.clone());
            if kind < 3 {
                for_b.insert(id.clone());
            } else if kind < 7 {
                for_c.insert(id.clone());
            }
            order.push(id);
        }
        let dispatch_started = now();
        let mut deliveries = tokio::task::JoinSet::new();
        for id in &order {
            let (edge, body) = (Arc::clone(&edge), sent[id].clone());
            deliveries.spawn(async move { deliver(&edge, &body).await.kind() });
        }
        while let Some(kind) = deliveries.join_next().await {
            assert_eq!(kind.unwrap(), OutcomeKind::Stored);
        }
        assert!(now() >= dispatch_started);

        // The healthy targets get all of theirs while the failing one is down.
        a.wait_for(
            "target a to receive all 1000 events while target c is down",
            |requests| unique_ids(requests) == for_a,
        )
        .await;
        b.wait_for(
            "target b to receive its 300 events while target c is down",
            |requests| unique_ids(requests) == for_b,
        )
        .await;
        assert_eq!((for_b.len(), for_c.len()), (300, 400));
        // ... and the failing one was tried meanwhile (its sends refused).
        eventually_async(
            "target c's forwarder to record refused connections",
            || async { counts(&inbox, "c").await.contains_key("retrying") },
        )
        .await;
        assert_eq!(c.count(), 0);
        let c_counts = counts(&inbox, "c").await;
        assert!(!c_counts.contains_key("delivered"), "{c_counts:?}");
        assert_eq!(c_counts.values().sum::<u64>(), 400, "{c_counts:?}");

        c.up().await;
        c.wait_for("target c to take its 400 events once up", |requests| {
            accepted(requests).len() == for_c.len()
        })
        .await;
        eventually_async("every forward recorded as delivered", || async {
            counts(&inbox, "a").await == only(ForwardStatus::Delivered, 1000)
                && counts(&inbox, "b").await == only(ForwardStatus::Delivered, 300)
                && counts(&inbox, "c").await == only(ForwardStatus::Delivered, 400)
        })
        .await;
        let _ = stop.send(());
        tokio::time::timeout(DEADLINE, forwarders)
            .await
            .expect("run_forwarders returns once shut down")
            .unwrap();

        let entries = entries(&inbox, &order).await;
        let received_at: HashMap<String, i64> = entries
            .iter()
            .map(|(id, entry)| (id.clone(), entry.received_at.unix_timestamp()))
            .collect();
        let a_requests = check_requests(
            &Expect {
                name: "a",
                server: &a,
                secret: SECRET_A,
                types: &TYPES,
                ids: for_a.clone(),
            },
            &sent,
            &received_at,
        );
        let b_requests = check_requests(
            &Expect {
                name: "b",
                server: &b,
                secret: SECRET_B,
                types: &TYPES[..3],
                ids: for_b.clone(),
            },
            &sent,
            &received_at,
        );
        let c_requests = check_requests(
            &Expect {
                name: "c",
                server: &c,
                secret: SECRET_C,
                types: &TYPES[3..7],
                ids: for_c.clone(),
            },
            &sent,
            &received_at,
        );
        // The healthy targets got each of theirs once, on the first attempt.
        for (name, requests, ids) in [("a", &a_requests, &for_a), ("b", &b_requests, &for_b)] {
            assert_eq!(requests.len(), ids.len(), "{name} got an event twice");
            assert!(requests
                .iter()
                .all(|request| request.attempt() == 1 && request.accepted()));
        }
        // The failing one took each of its events once (after refusals and 500s).
        let c_accepted = accepted(&c_requests);
        assert_eq!(c_accepted.keys().cloned().collect::<BTreeSet<_>>(), for_c);
        assert!(
            c_accepted.values().all(|times| *times == 1),
            "{c_accepted:?}"
        );
        let answered_500 = c_requests
            .iter()
            .filter(|request| !request.accepted())
            .count();
        assert!(
            answered_500 > 0,
            "target c never failed: the test tests nothing"
        );

        // The inbox: every forward delivered, the failing target's retries in its log.
        let mut refused = 0;
        let mut logged_answers = BTreeSet::new();
        for (id, entry) in &entries {
            let expected: Vec<&str> = [("a", &for_a), ("b", &for_b), ("c", &for_c)]
                .into_iter()
                .filter(|(_, ids)| ids.contains(id))
                .map(|(name, _)| name)
                .collect();
            let targets: Vec<&str> = entry.forwards.iter().map(|f| f.target.as_str()).collect();
            assert_eq!(targets, expected, "{id}'s forwards");
            for forward in &entry.forwards {
                assert_eq!(
                    forward.status,
                    ForwardStatus::Delivered,
                    "{id}: {forward:?}"
                );
                assert!(forward.finished_at.is_some() && forward.last_error.is_none());
                let log = &forward.attempt_log;
                assert_eq!(log.len(), forward.attempts as usize, "{id}: {forward:?}");
                let numbers: Vec<u32> = log.iter().map(|attempt| attempt.attempt).collect();
                assert_eq!(numbers, (1..=forward.attempts).collect::<Vec<_>>());
                let (last, retries) = log.split_last().unwrap();
                assert_eq!(last.result, "delivered");
                assert!(last.error.is_none());
                if forward.target != "c" {
                    assert_eq!(results(log), [(1, "delivered", Some(204))], "{id}");
                    continue;
                }
                assert_eq!(last.response_status, Some(200));
                logged_answers.insert((id.clone(), last.attempt, 200));
                let mut answered = false;
                for attempt in retries {
                    assert_eq!(attempt.result, "retry", "{id}: {attempt:?}");
                    let error = attempt.error.as_deref().unwrap_or_default();
                    match attempt.response_status {
                        Some(status) => {
                            assert_eq!(status, 500, "{id}: {attempt:?}");
                            assert_eq!(
                                error,
                                "the target answered 500 Internal Server Error: flaky: try again"
                            );
                            logged_answers.insert((id.clone(), attempt.attempt, 500));
                            answered = true;
                        }
                        None => {
                            assert!(
                                error.starts_with("could not connect: "),
                                "{id}: {attempt:?}"
                            );
                            assert!(!answered, "{id}: refused after it was up: {log:?}");
                            refused += 1;
                        }
                    }
                }
            }
        }
        assert!(
            refused > 0,
            "no refused connection was logged while target c was down"
        );
        eprintln!(
            "{backend:?}: target c got {} requests for its {} events ({answered_500} answered 500), \
             and {refused} sends were refused while it was down",
            c_requests.len(),
            for_c.len()
        );
        // What target c answered is what the inbox logged, attempt for attempt.
        let served: BTreeSet<(String, u32, u16)> = c_requests
            .iter()
            .map(|request| {
                let status = match request.reply {
                    Reply::Status(status, _) => status,
                    ref other => panic!("{other:?}"),
                };
                (request.event_id().to_owned(), request.attempt(), status)
            })
            .collect();
        assert_eq!(
            served.len(),
            c_requests.len(),
            "target c got one attempt twice"
        );
        assert_eq!(served, logged_answers);
    }

    async fn an_http_target_gets_the_bytes_stripe_sent_and_the_headers(backend: Backend) {
        let Some(inbox) = open(backend, "headers").await else {
            return;
        };
        let server = TargetServer::accepting().await;
        let edge = edge(
            &inbox,
            [
                Target::http("billing", &server.url("billing"), "whsec_billing")
                    .unwrap()
                    .backoff(fast()),
            ],
        );
        // Whitespace, key order, escapes, raw and escaped non-ASCII, numbers that a
        // re-serialization would rewrite: none of it may change on the way.
        let odd = "{\"id\" :\"evt_odd_bytes\" ,\t\"object\":\"event\",\r\n \"type\":\"invoice.paid\",\
                   \"livemode\":false,\"created\":1700000000,\"api_version\":null,\"data\":{\"object\":\
                   {\"object\":\"invoice\",\"id\":\"in_odd\",\"description\":\"caf\u{e9} \\u00e9 \
                   \u{1F600} \\ud83d\\ude00 \\\"quoted\\\" \\/slash\\n\",\"amount\":1.50e3,\
                   \"ratio\":10.0,\"zero\":-0,\"big\":123456789012345678901234567890,\
                   \"empty\":{ },\"list\":[ 1 ,2 ]}}}\n\n  ";
        let bodies = [
            odd.as_bytes().to_vec(),
            body("evt_pretty_bytes", "customer.subscription.updated"),
        ];
        let before = now();
        for body in &bodies {
            store(&edge, body).await;
        }
        assert_eq!(edge.forward_due().await.unwrap().delivered, 2);
        let after = now();
        let requests = server.received();
        assert_eq!(requests.len(), 2);
        for (sent, id, event_type) in [
            (&bodies[0], "evt_odd_bytes", "invoice.paid"),
            (
                &bodies[1],
                "evt_pretty_bytes",
                "customer.subscription.updated",
            ),
        ] {
            let request = requests
                .iter()
                .find(|request| request.event_id() == id)
                .unwrap();
            assert!(
                request.body == **sent,
                "{id}: the body changed on the way:\n{:?}",
                String::from_utf8_lossy(&request.body)
            );
            assert_eq!(
                entry(&inbox, id).await.body,
                **sent,
                "{id}: stored byte for byte"
            );
            assert_eq!(request.method, "POST");
            assert_eq!(request.path, "/hook/billing");
            assert_eq!(
                request.header("content-type"),
                "application/json; charset=utf-8"
            );
            assert!(request.header("user-agent").starts_with("stripe-webhooks/"));
            assert_eq!(request.header(headers::EVENT_TYPE), event_type);
            assert_eq!(request.header(headers::ATTEMPT), "1");
            let entry = entry(&inbox, id).await;
            assert_eq!(
                request.header(headers::DELIVERED_AT),
                entry.received_at.unix_timestamp().to_string()
            );
            let signature = request.header("stripe-signature");
            let (t, v1) = parse_signature(signature);
            assert!(
                (before..=after).contains(&t),
                "signed at {t}, sent in {before}..={after}"
            );
            assert_eq!(signature, signature_header(sent, "whsec_billing", t));
            let event = Webhook::new("whsec_billing")
                .verify_and_parse(&request.body, signature)
                .unwrap();
            assert_eq!(event.id(), id);
            assert!(
                Webhook::new(STRIPE)
                    .verify(&request.body, signature)
                    .is_err(),
                "re-signed, not passed through"
            );
            assert_eq!(v1.len(), 1);
        }
    }

    async fn a_target_with_two_secrets_signs_with_both(backend: Backend) {
        let Some(inbox) = open(backend, "two_secrets").await else {
            return;
        };
        let server = TargetServer::accepting().await;
        let target = Target::http("rolling", &server.url("rolling"), "whsec_old_one")
            .unwrap()
            .with_secret("whsec_new_one")
            .unwrap();
        let edge = edge(&inbox, [target]);
        let sent = body("evt_two_secrets", "charge.refunded");
        store(&edge, &sent).await;
        assert_eq!(edge.forward_due().await.unwrap().delivered, 1);
        let requests = server.received();
        assert_eq!(requests.len(), 1);
        let signature = requests[0].header("stripe-signature");
        let (t, v1) = parse_signature(signature);
        assert_eq!(v1.len(), 2, "{signature}");
        let v1_of = |secret: &str| {
            parse_signature(&signature_header(&sent, secret, t))
                .1
                .remove(0)
        };
        assert_eq!(v1, [v1_of("whsec_old_one"), v1_of("whsec_new_one")]);
        let old = Webhook::new("whsec_old_one")
            .verify(&requests[0].body, signature)
            .unwrap();
        let new = Webhook::new("whsec_new_one")
            .verify(&requests[0].body, signature)
            .unwrap();
        assert_eq!((old.secret_index(), new.secret_index()), (0, 0));
        assert!(Webhook::new("whsec_neither")
            .verify(&requests[0].body, signature)
            .is_err());
    }

    async fn a_target_that_hangs_past_its_timeout_is_retried(backend: Backend) {
        let Some(inbox) = open(backend, "hang").await else {
            return;
        };
        // No answer to the first attempt; the second is taken.
        let server = Arc::new(
            TargetServer::start(|request| {
                if request.attempt() == 1 {
                    Reply::Hang
                } else {
                    Reply::Status(204, String::new())
                }
            })
            .await,
        );
        let edge = Arc::new(edge(
            &inbox,
            [Target::http("slow", &server.url("slow"), "whsec_slow")
                .unwrap()
                .timeout(Duration::from_millis(300))
                .backoff(fast())],
        ));
        store(&edge, &body("evt_hang", "invoice.paid")).await;
        let first = tokio::spawn({
            let edge = Arc::clone(&edge);
            async move { edge.forward_due().await.unwrap() }
        });
        // While the first send hangs, the forward is being sent: a replay leaves it alone.
        server
            .wait_for("the first attempt to reach the target", |requests| {
                !requests.is_empty()
            })
            .await;
        assert_eq!(
            counts(&inbox, "slow").await,
            only(ForwardStatus::Sending, 1)
        );
        assert_eq!(
            inbox.replay_forward("evt_hang", "slow").await.unwrap(),
            Replay::Running
        );
        let first: Forwarded = tokio::time::timeout(DEADLINE, first)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.lease_lost, 0);
        let after_first = record(&inbox, "evt_hang", "slow").await;
        let timed_out = &after_first.attempt_log[0];
        assert_eq!(
            (
                timed_out.attempt,
                timed_out.result.as_str(),
                timed_out.response_status
            ),
            (1, "retry", None)
        );
        assert_eq!(timed_out.error.as_deref(), Some("no answer within 300ms"));

        let delivered =
            forward_until(&edge, &inbox, "evt_hang", "slow", ForwardStatus::Delivered).await;
        assert_eq!(
            results(&delivered.attempt_log),
            [(1, "retry", None), (2, "delivered", Some(204))]
        );
        assert_eq!(delivered.attempts, 2);
        assert!(delivered.last_error.is_none());
        let attempts: Vec<u32> = server.received().iter().map(Received::attempt).collect();
        assert_eq!(attempts, [1, 2]);
    }

    async fn a_redirect_is_not_followed_and_counts_as_a_failure(backend: Backend) {
        let Some(inbox) = open(backend, "redirect").await else {
            return;
        };
        let destination = TargetServer::accepting().await;
        let moved_to = destination.url("moved");
        let redirector = TargetServer::start(move |request| {
            let status = if request.event_id().ends_with("found") {
                302
            } else {
                307
            };
            Reply::Redirect(status, moved_to.clone())
        })
        .await;
        let edge = edge(
            &inbox,
            [
                Target::http("moving", &redirector.url("old"), "whsec_moving")
                    .unwrap()
                    .backoff(fast().max_attempts(2)),
            ],
        );
        store(&edge, &body("evt_redirect_temporary", "invoice.paid")).await;
        store(&edge, &body("evt_redirect_found", "invoice.paid")).await;
        for (id, status, text) in [
            ("evt_redirect_temporary", 307, "307 Temporary Redirect"),
            ("evt_redirect_found", 302, "302 Found"),
        ] {
            let failed = forward_until(&edge, &inbox, id, "moving", ForwardStatus::Failed).await;
            assert_eq!(
                results(&failed.attempt_log),
                [(1, "retry", Some(status)), (2, "failed", Some(status))]
            );
            assert_eq!(
                failed.attempt_log[0].error.as_deref(),
                Some(format!("the target answered {text}").as_str())
            );
            assert_eq!(
                failed.last_error.as_deref(),
                Some(format!("the target answered {text} (attempt 2, the last)").as_str())
            );
            assert!(failed.finished_at.is_some());
        }
        assert_eq!(
            counts(&inbox, "moving").await,
            only(ForwardStatus::Failed, 2)
        );
        assert_eq!(redirector.count(), 4);
        assert_eq!(destination.count(), 0, "a redirect was followed");
    }

    async fn the_last_attempt_fails_the_forward_and_a_replay_sends_it_again(backend: Backend) {
        let Some(inbox) = open(backend, "last_attempt").await else {
            return;
        };
        let failing = Arc::new(AtomicBool::new(true));
        let long_reason = format!("ledger down: {}", "x".repeat(2000));
        let server = TargetServer::start({
            let failing = Arc::clone(&failing);
            let long_reason = long_reason.clone();
            move |_| {
                if failing.load(Ordering::SeqCst) {
                    Reply::Status(500, long_reason.clone())
                } else {
                    Reply::Status(200, String::new())
                }
            }
        })
        .await;
        let edge = edge(
            &inbox,
            [
                Target::http("ledger", &server.url("ledger"), "whsec_ledger")
                    .unwrap()
                    .backoff(fast().max_attempts(3)),
            ],
        );
        store(&edge, &body("evt_last_attempt", "invoice.paid")).await;
        let failed = forward_until(
            &edge,
            &inbox,
            "evt_last_attempt",
            "ledger",
            ForwardStatus::Failed,
        )
        .await;
        assert_eq!(failed.attempts, 3);
        assert_eq!(
            results(&failed.attempt_log),
            [
                (1, "retry", Some(500)),
                (2, "retry", Some(500)),
                (3, "failed", Some(500))
            ]
        );
        // The answer's body is kept, cut to 512 bytes.
        let prefix = "the target answered 500 Internal Server Error: ";
        let expected = format!("{prefix}{}", &long_reason[..512]);
        assert_eq!(
            failed.attempt_log[0].error.as_deref(),
            Some(expected.as_str())
        );
        assert_eq!(
            failed.last_error.as_deref(),
            Some(format!("{expected} (attempt 3, the last)").as_str())
        );
        assert_eq!(
            counts(&inbox, "ledger").await,
            only(ForwardStatus::Failed, 1)
        );
        // A dead letter is not due again by itself.
        assert_eq!(edge.forward_due().await.unwrap(), Forwarded::default());
        assert_eq!(server.count(), 3);

        failing.store(false, Ordering::SeqCst);
        assert_eq!(
            inbox
                .replay_forward("evt_last_attempt", "ledger")
                .await
                .unwrap(),
            Replay::Queued
        );
        let queued = record(&inbox, "evt_last_attempt", "ledger").await;
        assert_eq!(queued.status, ForwardStatus::Pending);
        assert!(queued.finished_at.is_none());
        assert_eq!(
            entry(&inbox, "evt_last_attempt").await.status(),
            EntryStatus::Pending,
            "the handler's entry is left alone"
        );
        assert_eq!(edge.forward_due().await.unwrap().delivered, 1);
        let delivered = record(&inbox, "evt_last_attempt", "ledger").await;
        assert_eq!(delivered.status, ForwardStatus::Delivered);
        assert!(delivered.last_error.is_none());
        assert_eq!(delivered.attempt_log.len(), 4);
        assert_eq!(
            results(&delivered.attempt_log[3..]),
            [(4, "delivered", Some(200))]
        );
        let attempts: Vec<u32> = server.received().iter().map(Received::attempt).collect();
        assert_eq!(attempts, [1, 2, 3, 4]);
        assert_eq!(
            counts(&inbox, "ledger").await,
            only(ForwardStatus::Delivered, 1)
        );
    }

    async fn an_id_no_header_can_carry_fails_at_once_and_the_rest_goes_on(backend: Backend) {
        let Some(inbox) = open(backend, "header_unsafe_id").await else {
            return;
        };
        let server = TargetServer::accepting().await;
        let edge = edge(
            &inbox,
            [Target::http("billing", &server.url("billing"), "whsec_billing")
                .unwrap()
                .backoff(fast())],
        );
        // Signed, so genuine; no Stripe id looks like this, and no retry could send it.
        store(&edge, &body("evt_new\nline", "invoice.paid")).await;
        store(&edge, &body("evt_plain", "invoice.paid")).await;
        let forwarded = edge.forward_due().await.unwrap();
        assert_eq!((forwarded.delivered, forwarded.failed, forwarded.retrying), (1, 1, 0));
        let failed = record(&inbox, "evt_new\nline", "billing").await;
        assert_eq!(failed.status, ForwardStatus::Failed);
        assert_eq!(failed.attempts, 1);
        assert!(
            failed.last_error.as_deref().unwrap().contains("an HTTP header cannot carry"),
            "{failed:?}"
        );
        assert_eq!(unique_ids(&server.received()), BTreeSet::from(["evt_plain".to_owned()]));
    }

    async fn an_http_sinks_own_headers_go_with_every_send(backend: Backend) {
        let Some(inbox) = open(backend, "sink_headers").await else {
            return;
        };
        let server = TargetServer::accepting().await;
        let sink = HttpSink::new(&server.url("billing"))
            .unwrap()
            .header("Authorization", "Bearer internal-token")
            .unwrap()
            .header("x-route", "billing-eu")
            .unwrap();
        let edge = edge(&inbox, [Target::new("billing", sink, "whsec_billing").unwrap()]);
        store(&edge, &body("evt_with_headers", "invoice.paid")).await;
        assert_eq!(edge.forward_due().await.unwrap().delivered, 1);
        let received = server.received();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].header("authorization"), "Bearer internal-token");
        assert_eq!(received[0].header("x-route"), "billing-eu");
        // The sink's own headers are still its own.
        assert!(Webhook::new("whsec_billing")
            .verify(&received[0].body, received[0].header("stripe-signature"))
            .is_ok());
        for name in ["Stripe-Signature", "content-type", "stripe-webhooks-event-id", "bad name"] {
            let refused = HttpSink::new(&server.url("x")).unwrap().header(name, "v");
            assert!(
                matches!(refused, Err(ForwardError::InvalidHeader { .. })),
                "{name}: {refused:?}"
            );
        }
        let refused = HttpSink::new(&server.url("x")).unwrap().header("x-ok", "line\nbreak");
        assert!(matches!(refused, Err(ForwardError::InvalidHeader { .. })));
    }

    async fn a_retired_target_lets_its_entries_go(backend: Backend) {
        let Some(inbox) = open(backend, "retire_target").await else {
            return;
        };
        let kept = TargetServer::accepting().await;
        let both = edge(
            &inbox,
            [
                Target::http("gone", "http://127.0.0.1:9/never", "whsec_gone").unwrap(),
                Target::http("kept", &kept.url("kept"), "whsec_kept").unwrap(),
            ],
        );
        store(&both, &body("evt_retire_1", "invoice.paid")).await;
        store(&both, &body("evt_retire_2", "invoice.paid")).await;
        assert_eq!(both.process_due().await.unwrap().handled, 2);
        // "gone" leaves the config before its forwarder ever runs; "kept" sends its own.
        let kept_only = edge(
            &inbox,
            [Target::http("kept", &kept.url("kept"), "whsec_kept").unwrap()],
        );
        assert_eq!(kept_only.forward_due().await.unwrap().delivered, 2);
        assert_eq!(inbox.prune(Duration::ZERO).await.unwrap(), 0, "gone's forwards hold them");
        assert_eq!(inbox.retire_target("gone").await.unwrap(), 2);
        assert_eq!(inbox.retire_target("gone").await.unwrap(), 0, "nothing left to retire");
        let retired = record(&inbox, "evt_retire_1", "gone").await;
        assert_eq!(retired.status, ForwardStatus::Failed);
        assert_eq!(retired.last_error.as_deref(), Some("the target was retired: not sent"));
        let delivered = record(&inbox, "evt_retire_1", "kept").await;
        assert_eq!(delivered.status, ForwardStatus::Delivered, "the other target is left alone");
        assert_eq!(inbox.prune(Duration::ZERO).await.unwrap(), 2);
    }

    async fn replaying_a_forward_that_does_not_exist_is_not_found(backend: Backend) {
        let Some(inbox) = open(backend, "replay_unknown").await else {
            return;
        };
        let server = TargetServer::accepting().await;
        let edge = edge(
            &inbox,
            [
                Target::http("billing", &server.url("billing"), "whsec_billing")
                    .unwrap()
                    .enabled_events(["invoice.*"]),
            ],
        );
        store(&edge, &body("evt_known_invoice", "invoice.paid")).await;
        store(&edge, &body("evt_known_customer", "customer.created")).await;
        for (id, target) in [
            ("evt_never_stored", "billing"),
            ("evt_known_invoice", "no-such-target"),
            ("evt_known_invoice", ""),
            ("evt_known_customer", "billing"), // stored, but not a billing event
        ] {
            assert_eq!(
                inbox.replay_forward(id, target).await.unwrap(),
                Replay::NotFound,
                "{id} to {target:?}"
            );
        }
        assert!(entry(&inbox, "evt_known_customer")
            .await
            .forwards
            .is_empty());
        assert_eq!(
            inbox
                .replay_forward("evt_known_invoice", "billing")
                .await
                .unwrap(),
            Replay::Queued
        );
        assert_eq!(edge.forward_due().await.unwrap().delivered, 1);
        assert_eq!(
            unique_ids(&server.received()),
            BTreeSet::from(["evt_known_invoice".to_owned()])
        );
    }

    async fn a_duplicate_delivery_is_forwarded_once(backend: Backend) {
        let Some(inbox) = open(backend, "duplicates").await else {
            return;
        };
        let server = TargetServer::accepting().await;
        let edge = Arc::new(edge(
            &inbox,
            [Target::http("once", &server.url("once"), "whsec_once")
                .unwrap()
                .backoff(fast())],
        ));
        // Stripe's retry: the same body, signed again later.
        let retried = body("evt_retried", "invoice.paid");
        store(&edge, &retried).await;
        let header = signature_header(&retried, STRIPE, now() + 1);
        assert_eq!(
            edge.dispatch(&retried, Some(&header)).await.kind(),
            OutcomeKind::Duplicate
        );
        // Deliveries of one event at the same moment, which can share one commit.
        let burst = body("evt_burst", "charge.succeeded");
        let mut deliveries = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (edge, burst) = (Arc::clone(&edge), burst.clone());
            deliveries.spawn(async move { deliver(&edge, &burst).await.kind() });
        }
        let mut kinds = Vec::new();
        while let Some(kind) = deliveries.join_next().await {
            kinds.push(kind.unwrap());
        }
        assert_eq!(
            kinds
                .iter()
                .filter(|kind| **kind == OutcomeKind::Stored)
                .count(),
            1,
            "{kinds:?}"
        );
        assert_eq!(
            kinds
                .iter()
                .filter(|kind| **kind == OutcomeKind::Duplicate)
                .count(),
            7,
            "{kinds:?}"
        );

        assert_eq!(
            counts(&inbox, "once").await,
            only(ForwardStatus::Pending, 2)
        );
        assert_eq!(edge.forward_due().await.unwrap().delivered, 2);
        // Once more after it was forwarded: still nothing new to send.
        assert_eq!(
            deliver(&edge, &retried).await.kind(),
            OutcomeKind::Duplicate
        );
        assert_eq!(edge.forward_due().await.unwrap(), Forwarded::default());
        let mut ids: Vec<String> = server
            .received()
            .iter()
            .map(|r| r.event_id().to_owned())
            .collect();
        ids.sort();
        assert_eq!(ids, ["evt_burst", "evt_retried"]);
        for (id, deliveries) in [("evt_retried", 3), ("evt_burst", 8)] {
            let entry = entry(&inbox, id).await;
            assert_eq!(entry.delivery_count, deliveries);
            assert_eq!(entry.forwards.len(), 1);
            assert_eq!(
                results(&entry.forwards[0].attempt_log),
                [(1, "delivered", Some(204))]
            );
        }
        assert_eq!(
            counts(&inbox, "once").await,
            only(ForwardStatus::Delivered, 2)
        );
    }

    async fn a_replay_sends_again_only_what_it_names(backend: Backend) {
        let Some(inbox) = open(backend, "replay_scope").await else {
            return;
        };
        let first = TargetServer::accepting().await;
        let second = TargetServer::accepting().await;
        let edge = edge(
            &inbox,
            [
                Target::http("first", &first.url("first"), "whsec_first")
                    .unwrap()
                    .backoff(fast()),
                Target::http("second", &second.url("second"), "whsec_second")
                    .unwrap()
                    .backoff(fast()),
            ],
        );
        store(&edge, &body("evt_replay_scope", "invoice.paid")).await;
        store(&edge, &body("evt_replay_other", "invoice.paid")).await;
        assert_eq!(edge.forward_due().await.unwrap().delivered, 4);
        assert_eq!(edge.process_due().await.unwrap().handled, 2);

        // One forward of one event, delivered already: sent again to that target alone.
        assert_eq!(
            inbox
                .replay_forward("evt_replay_scope", "first")
                .await
                .unwrap(),
            Replay::Queued
        );
        assert_eq!(
            counts(&inbox, "first").await,
            BTreeMap::from([("delivered".to_owned(), 1), ("pending".to_owned(), 1)])
        );
        assert_eq!(
            counts(&inbox, "second").await,
            only(ForwardStatus::Delivered, 2)
        );
        assert_eq!(
            entry(&inbox, "evt_replay_scope").await.status(),
            EntryStatus::Handled,
            "the handler's entry is left alone"
        );
        assert_eq!(edge.forward_due().await.unwrap().delivered, 1);
        let ids = |server: &TargetServer| {
            let mut ids: Vec<(String, u32)> = server
                .received()
                .iter()
                .map(|r| (r.event_id().to_owned(), r.attempt()))
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(
            ids(&first),
            [
                ("evt_replay_other".to_owned(), 1),
                ("evt_replay_scope".to_owned(), 1),
                ("evt_replay_scope".to_owned(), 2)
            ]
        );
        assert_eq!(
            ids(&second),
            [
                ("evt_replay_other".to_owned(), 1),
                ("evt_replay_scope".to_owned(), 1)
            ]
        );

        // The handler's replay runs the handler again and forwards nothing.
        assert_eq!(
            inbox.replay("evt_replay_scope").await.unwrap(),
            Replay::Queued
        );
        assert_eq!(edge.process_due().await.unwrap().handled, 1);
        assert_eq!(edge.forward_due().await.unwrap(), Forwarded::default());
        assert_eq!((first.count(), second.count()), (3, 2));
    }

    async fn prune_keeps_an_entry_until_its_forwards_are_sent(backend: Backend) {
        let Some(inbox) = open(backend, "prune").await else {
            return;
        };
        let down = Arc::new(AtomicBool::new(true));
        let server = TargetServer::start({
            let down = Arc::clone(&down);
            move |_| {
                if down.load(Ordering::SeqCst) {
                    Reply::Status(503, "maintenance".to_owned())
                } else {
                    Reply::Status(200, String::new())
                }
            }
        })
        .await;
        let dead_end = format!("http://{}/gone", closed_port());
        let edge = edge(
            &inbox,
            [
                Target::http("later", &server.url("later"), "whsec_later")
                    .unwrap()
                    .enabled_events(["invoice.*"])
                    .backoff(fast().max_attempts(1000)),
                Target::http("dead", &dead_end, "whsec_dead")
                    .unwrap()
                    .enabled_events(["customer.*"])
                    .backoff(fast().max_attempts(1)),
            ],
        );
        store(&edge, &body("evt_prune_retrying", "invoice.paid")).await;
        store(&edge, &body("evt_prune_dead", "customer.created")).await;
        edge.forward_due().await.unwrap();
        store(&edge, &body("evt_prune_pending", "invoice.paid")).await;
        assert_eq!(edge.process_due().await.unwrap().handled, 3);
        for id in ["evt_prune_retrying", "evt_prune_dead", "evt_prune_pending"] {
            assert_eq!(entry(&inbox, id).await.status(), EntryStatus::Handled);
        }
        assert_eq!(
            record(&inbox, "evt_prune_retrying", "later").await.status,
            ForwardStatus::Retrying
        );
        assert_eq!(
            record(&inbox, "evt_prune_pending", "later").await.status,
            ForwardStatus::Pending
        );
        assert_eq!(
            record(&inbox, "evt_prune_dead", "dead").await.status,
            ForwardStatus::Failed
        );

        // Only the entry whose forward is finished goes (its failed forward with it).
        assert_eq!(inbox.prune(Duration::ZERO).await.unwrap(), 1);
        assert!(inbox.entry("evt_prune_dead").await.unwrap().is_none());
        assert!(
            counts(&inbox, "dead").await.is_empty(),
            "the pruned entry's forward is left"
        );
        assert_eq!(
            entry(&inbox, "evt_prune_retrying").await.status(),
            EntryStatus::Handled
        );
        assert_eq!(
            entry(&inbox, "evt_prune_pending").await.status(),
            EntryStatus::Handled
        );

        down.store(false, Ordering::SeqCst);
        forward_until(
            &edge,
            &inbox,
            "evt_prune_retrying",
            "later",
            ForwardStatus::Delivered,
        )
        .await;
        forward_until(
            &edge,
            &inbox,
            "evt_prune_pending",
            "later",
            ForwardStatus::Delivered,
        )
        .await;
        assert_eq!(inbox.prune(Duration::ZERO).await.unwrap(), 2);
        assert!(inbox.entry("evt_prune_retrying").await.unwrap().is_none());
        assert!(inbox.entry("evt_prune_pending").await.unwrap().is_none());
        assert!(counts(&inbox, "later").await.is_empty());
    }

    async fn the_dispatchers_filter_decides_what_is_stored_and_forwarded(backend: Backend) {
        let Some(inbox) = open(backend, "filter").await else {
            return;
        };
        // Stored before any target was attached: not forwarded to those attached later.
        let bare = Dispatcher::new(Webhook::new(STRIPE), succeed as Succeed).inbox(inbox.clone());
        let before_targets = body("evt_before_targets", "invoice.paid");
        let header = signature_header(&before_targets, STRIPE, now());
        let outcome = bare.dispatch(&before_targets, Some(&header)).await;
        assert_eq!(outcome.kind(), OutcomeKind::Stored);

        let everything = TargetServer::accepting().await;
        let billing = TargetServer::accepting().await;
        let edge = Dispatcher::new(Webhook::new(STRIPE), succeed as Succeed)
            .enabled_events(["invoice.*", "customer.created"])
            .inbox(inbox.clone())
            .forward(Target::http("everything", &everything.url("all"), "whsec_all").unwrap())
            .unwrap()
            .forward(
                Target::http("billing", &billing.url("billing"), "whsec_billing")
                    .unwrap()
                    .enabled_events(["invoice.*"]),
            )
            .unwrap();
        let names: Vec<&str> = edge.targets().map(Target::name).collect();
        assert_eq!(names, ["everything", "billing"]);
        let ignored = deliver(&edge, &body("evt_filtered_charge", "charge.succeeded")).await;
        assert_eq!(
            (ignored.kind(), ignored.status()),
            (OutcomeKind::Ignored, 200)
        );
        assert!(inbox.entry("evt_filtered_charge").await.unwrap().is_none());
        store(&edge, &body("evt_filtered_invoice", "invoice.paid")).await;
        store(&edge, &body("evt_filtered_customer", "customer.created")).await;

        let forwarded = edge.forward_due().await.unwrap();
        assert_eq!(
            (forwarded.delivered, forwarded.retrying, forwarded.failed),
            (3, 0, 0)
        );
        assert_eq!(
            unique_ids(&everything.received()),
            BTreeSet::from([
                "evt_filtered_invoice".to_owned(),
                "evt_filtered_customer".to_owned()
            ])
        );
        assert_eq!(
            unique_ids(&billing.received()),
            BTreeSet::from(["evt_filtered_invoice".to_owned()])
        );
        assert_eq!((everything.count(), billing.count()), (2, 1));
        let targets = |entry: Entry| {
            entry
                .forwards
                .into_iter()
                .map(|f| f.target)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            targets(entry(&inbox, "evt_filtered_invoice").await),
            ["billing", "everything"]
        );
        assert_eq!(
            targets(entry(&inbox, "evt_filtered_customer").await),
            ["everything"]
        );
        assert!(targets(entry(&inbox, "evt_before_targets").await).is_empty());
    }

    async fn redis_stream_consumers_read_each_event_once_signed(backend: Backend) {
        let Some(redis) = Redis::new(backend, "stream").await else {
            return;
        };
        let Some(inbox) = open(backend, "redis_stream").await else {
            return;
        };
        let mut connection = redis.connection().await;
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&redis.stream)
            .arg("workers")
            .arg("0")
            .arg("MKSTREAM")
            .query_async::<()>(&mut connection)
            .await
            .unwrap();
        let sink = RedisStreamSink::new(redis.client.clone(), &redis.stream)
            .dedup_for(Duration::from_secs(600));
        let edge = edge(
            &inbox,
            [Target::new("queue", sink, "whsec_queue")
                .unwrap()
                .backoff(fast())],
        );
        let mut sent = HashMap::new();
        for i in 0..40 {
            let id = format!("evt_stream_{i:02}");
            let body = body(&id, TYPES[i % TYPES.len()]);
            store(&edge, &body).await;
            sent.insert(id, body);
        }
        let odd = "{\"id\":\"evt_stream_odd\", \"object\":\"event\",\"type\":\"charge.failed\",\"created\":1700000000,\
                   \"data\":{\"object\":{\"id\":\"ch_1\",\"object\":\"charge\",\"note\":\"\u{e9}\u{1F600}\\u0000\"}}}\r\n";
        store(&edge, odd.as_bytes()).await;
        sent.insert("evt_stream_odd".to_owned(), odd.as_bytes().to_vec());
        assert_eq!(edge.forward_due().await.unwrap().delivered, 41);
        assert_eq!(
            counts(&inbox, "queue").await,
            only(ForwardStatus::Delivered, 41)
        );

        let read = redis.read_group(&mut connection, "workers", "c1").await;
        assert_eq!(read.len(), 41, "each event once");
        let ids: BTreeSet<&str> = read.iter().map(|entry| entry.field("id")).collect();
        assert_eq!(ids, sent.keys().map(String::as_str).collect());
        let own = Webhook::new("whsec_queue");
        for stream_entry in &read {
            let id = stream_entry.field("id");
            let stored = entry(&inbox, id).await;
            let fields: BTreeSet<&str> = stream_entry.fields.keys().map(String::as_str).collect();
            assert_eq!(
                fields,
                BTreeSet::from(["id", "type", "delivered_at", "attempt", "signature", "body"])
            );
            assert!(
                stream_entry.bytes("body") == sent[id].as_slice(),
                "{id}: the body changed"
            );
            assert_eq!(stream_entry.field("type"), stored.event_type.as_str());
            assert_eq!(
                stream_entry.field("delivered_at"),
                stored.received_at.unix_timestamp().to_string()
            );
            assert_eq!(stream_entry.field("attempt"), "1");
            let signature = stream_entry.field("signature");
            let added_at = stream_entry.added_at();
            let verified = own
                .verify_at(stream_entry.bytes("body"), signature, added_at)
                .unwrap();
            assert!(
                verified.timestamp() <= added_at,
                "signed before it was added"
            );
            assert!(Webhook::new("whsec_other")
                .verify_at(stream_entry.bytes("body"), signature, added_at)
                .is_err());
            assert!(Webhook::new(STRIPE)
                .verify_at(stream_entry.bytes("body"), signature, added_at)
                .is_err());
            // The marker beside the stream holds the entry's id.
            let marker: String = redis::cmd("GET")
                .arg(redis.marker(id))
                .query_async(&mut connection)
                .await
                .unwrap();
            assert_eq!(marker, stream_entry.id);
        }
        let ttl: i64 = redis::cmd("PTTL")
            .arg(redis.marker("evt_stream_00"))
            .query_async(&mut connection)
            .await
            .unwrap();
        assert!(ttl > 0 && ttl <= 600_000, "marker TTL {ttl} ms");
        assert!(
            redis
                .read_group(&mut connection, "workers", "c2")
                .await
                .is_empty(),
            "read twice"
        );
        assert_eq!(redis.pending(&mut connection, "workers").await, 0);

        // A replay of a delivered event sends it again; the marker keeps it off the stream.
        assert_eq!(
            inbox
                .replay_forward("evt_stream_07", "queue")
                .await
                .unwrap(),
            Replay::Queued
        );
        assert_eq!(edge.forward_due().await.unwrap().delivered, 1);
        let replayed = record(&inbox, "evt_stream_07", "queue").await;
        assert_eq!(
            results(&replayed.attempt_log),
            [(1, "delivered", None), (2, "delivered", None)]
        );
        assert_eq!(redis.len(&mut connection).await, 41);
        assert!(redis
            .read_group(&mut connection, "workers", "c1")
            .await
            .is_empty());
        redis.clean().await;
    }

    async fn a_redis_that_is_down_is_retried_and_the_other_targets_go_on(backend: Backend) {
        let Some(redis) = Redis::new(backend, "down").await else {
            return;
        };
        let Some(inbox) = open(backend, "redis_down").await else {
            return;
        };
        let nowhere = redis::Client::open(format!("redis://{}/", closed_port())).unwrap();
        let edge = edge(
            &inbox,
            [
                Target::redis_stream("gone", nowhere, &redis.stream, "whsec_gone")
                    .unwrap()
                    .timeout(Duration::from_millis(500))
                    .backoff(fast().max_attempts(3)),
                Target::redis_stream("queue", redis.client.clone(), &redis.stream, "whsec_queue")
                    .unwrap()
                    .backoff(fast()),
            ],
        );
        let ids = ["evt_down_1", "evt_down_2", "evt_down_3"];
        for id in ids {
            store(&edge, &body(id, "invoice.paid")).await;
        }
        for id in ids {
            let failed = forward_until(&edge, &inbox, id, "gone", ForwardStatus::Failed).await;
            assert_eq!(
                results(&failed.attempt_log),
                [(1, "retry", None), (2, "retry", None), (3, "failed", None)]
            );
            for attempt in &failed.attempt_log {
                let error = attempt.error.as_deref().unwrap_or_default();
                assert!(
                    error.starts_with("Redis XADD failed: ")
                        || error.starts_with("Redis did not answer within"),
                    "{id}: {error}"
                );
            }
            assert!(failed
                .last_error
                .as_deref()
                .unwrap()
                .ends_with("(attempt 3, the last)"));
            assert_eq!(
                record(&inbox, id, "queue").await.status,
                ForwardStatus::Delivered
            );
        }
        assert_eq!(counts(&inbox, "gone").await, only(ForwardStatus::Failed, 3));
        assert_eq!(redis.len(&mut redis.connection().await).await, 3);
        redis.clean().await;
    }
}

#[test]
fn target_setup_errors_are_typed() {
    for name in [
        "",
        "two words",
        &"n".repeat(65),
        "naïve",
        "a/b",
        "a:b",
        "tab\t",
    ] {
        match Target::http(name, "http://127.0.0.1:1/", "whsec_x") {
            Err(ForwardError::InvalidName { name: given }) => assert_eq!(given, name),
            other => panic!("{name:?}: {other:?}"),
        }
    }
    for name in [&"n".repeat(64), "billing-v2_eu.west", "A"] {
        assert_eq!(
            Target::http(name, "http://127.0.0.1:1/", "whsec_x")
                .unwrap()
                .name(),
            name
        );
    }
    for url in [
        "",
        "not a url",
        "billing.internal/stripe",
        "ftp://files.internal/stripe",
        "mailto:ops@example.com",
        "http://",
        "unix:/run/billing.sock",
    ] {
        match Target::http("billing", url, "whsec_x") {
            Err(error @ ForwardError::InvalidUrl { .. }) => {
                let ForwardError::InvalidUrl { url: given, .. } = &error else {
                    unreachable!()
                };
                assert_eq!(given, url);
                assert!(error.to_string().contains(url), "{error}");
            }
            other => panic!("{url:?}: {other:?}"),
        }
        assert!(matches!(
            HttpSink::new(url),
            Err(ForwardError::InvalidUrl { .. })
        ));
    }
    for url in [
        "https://billing.internal/stripe?x=1",
        "http://127.0.0.1:8080/",
        "HTTP://Billing.Internal",
    ] {
        assert!(HttpSink::new(url).is_ok(), "{url}");
    }
    for secret in ["", "   ", " whsec_padded", "whsec_padded\n", "\t"] {
        match Target::http("billing", "http://127.0.0.1:1/", secret) {
            Err(error @ ForwardError::Secret { .. }) => {
                let ForwardError::Secret { name, .. } = &error else {
                    unreachable!()
                };
                assert_eq!(name, "billing");
                assert!(
                    !error.to_string().contains("whsec_padded"),
                    "the secret shows: {error}"
                );
                assert!(
                    !format!("{error:?}").contains("whsec_padded"),
                    "the secret shows: {error:?}"
                );
            }
            other => panic!("{secret:?}: {other:?}"),
        }
        let second = Target::http("billing", "http://127.0.0.1:1/", "whsec_x")
            .unwrap()
            .with_secret(secret);
        assert!(
            matches!(second, Err(ForwardError::Secret { .. })),
            "{secret:?}"
        );
    }
}

#[tokio::test]
async fn two_targets_of_one_name_are_refused() {
    let inbox = open(Backend::Sqlite, "duplicate_target").await.unwrap();
    let first = Target::http("billing", "http://127.0.0.1:1/a", "whsec_a").unwrap();
    let second = Target::http("billing", "http://127.0.0.1:1/b", "whsec_b").unwrap();
    let edge = Dispatcher::new(Webhook::new(STRIPE), succeed as Succeed)
        .inbox(inbox)
        .forward(first)
        .unwrap();
    match edge.forward(second) {
        Err(error @ ForwardError::DuplicateTarget { .. }) => {
            assert!(matches!(&error, ForwardError::DuplicateTarget { name } if name == "billing"));
            assert!(error.to_string().contains("`billing`"), "{error}");
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("two targets named billing were attached"),
    }
}

#[tokio::test]
async fn a_refused_connection_is_logged_without_the_urls_credentials() {
    let inbox = open(Backend::Sqlite, "credentials").await.unwrap();
    let url = format!(
        "http://ops:pa55w0rd-secret@{}/hook?token=t0ken-secret",
        closed_port()
    );
    let target = Target::http("private", &url, "whsec_private")
        .unwrap()
        .backoff(fast());
    let shown = format!("{target:?}");
    assert!(
        !shown.contains("pa55w0rd-secret"),
        "Debug shows the password: {shown}"
    );
    assert!(
        !shown.contains("whsec_private"),
        "Debug shows the secret: {shown}"
    );
    let edge = edge(&inbox, [target]);
    store(&edge, &body("evt_refused", "invoice.paid")).await;
    let forwarded = edge.forward_due().await.unwrap();
    assert!(forwarded.retrying >= 1, "{forwarded:?}");
    let forward = record(&inbox, "evt_refused", "private").await;
    let error = forward.attempt_log[0].error.as_deref().unwrap();
    assert!(error.starts_with("could not connect: "), "{error}");
    for secret in ["pa55w0rd-secret", "t0ken-secret"] {
        assert!(!error.contains(secret), "{error}");
        assert!(!forward.last_error.as_deref().unwrap().contains(secret));
    }
}

/// One test's Redis stream (a key no other test uses), removed with its markers at the end.
struct Redis {
    client: redis::Client,
    stream: String,
}

/// One entry read from a stream.
struct StreamEntry {
    id: String,
    fields: HashMap<String, redis::Value>,
}

impl StreamEntry {
    fn bytes(&self, field: &str) -> &[u8] {
        match self.fields.get(field) {
            Some(redis::Value::BulkString(bytes)) => bytes,
            other => panic!("field {field} of {}: {other:?}", self.id),
        }
    }

    fn field(&self, field: &str) -> &str {
        std::str::from_utf8(self.bytes(field)).unwrap()
    }

    /// When it was added: the entry id's millisecond part.
    fn added_at(&self) -> OffsetDateTime {
        let (millis, _) = self.id.split_once('-').unwrap();
        let millis: i128 = millis.parse().unwrap();
        OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).unwrap()
    }
}

impl Redis {
    /// The shared Redis (`REDIS_URL`), or `None` with a loud message; under `CI=true` a
    /// missing Redis fails the test.
    async fn new(backend: Backend, test: &str) -> Option<Redis> {
        let url = match std::env::var("REDIS_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                let message = "REDIS_URL is not set: the Redis Streams forwarding tests check \
                               nothing (start redis-server on 127.0.0.1:6390 and set \
                               REDIS_URL=redis://127.0.0.1:6390/, as `bash .ci/run` does)";
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
                eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
                return None;
            }
        };
        let nanos = std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .unwrap()
            .as_nanos();
        let redis = Redis {
            client: redis::Client::open(url).unwrap(),
            stream: format!(
                "test:forward:{test}:{backend:?}:{}-{nanos}",
                std::process::id()
            ),
        };
        redis.clean().await;
        Some(redis)
    }

    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        self.client
            .get_multiplexed_async_connection()
            .await
            .expect("REDIS_URL is set but Redis does not answer")
    }

    /// The key that marks `event_id` as added to the stream.
    fn marker(&self, event_id: &str) -> String {
        format!("{{{}}}:seen:{event_id}", self.stream)
    }

    async fn len(&self, connection: &mut redis::aio::MultiplexedConnection) -> u64 {
        redis::cmd("XLEN")
            .arg(&self.stream)
            .query_async(connection)
            .await
            .unwrap()
    }

    /// Reads as `consumer` of `group` every entry not yet given to the group, acknowledging
    /// each batch.
    async fn read_group(
        &self,
        connection: &mut redis::aio::MultiplexedConnection,
        group: &str,
        consumer: &str,
    ) -> Vec<StreamEntry> {
        let mut read = Vec::new();
        loop {
            let reply: Option<redis::streams::StreamReadReply> = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(group)
                .arg(consumer)
                .arg("COUNT")
                .arg(16)
                .arg("STREAMS")
                .arg(&self.stream)
                .arg(">")
                .query_async(connection)
                .await
                .unwrap();
            let batch: Vec<StreamEntry> = reply
                .into_iter()
                .flat_map(|reply| reply.keys)
                .flat_map(|key| key.ids)
                .map(|entry| StreamEntry {
                    id: entry.id,
                    fields: entry.map,
                })
                .collect();
            if batch.is_empty() {
                return read;
            }
            let ids: Vec<&str> = batch.iter().map(|entry| entry.id.as_str()).collect();
            let acked: u64 = redis::cmd("XACK")
                .arg(&self.stream)
                .arg(group)
                .arg(&ids)
                .query_async(connection)
                .await
                .unwrap();
            assert_eq!(acked, ids.len() as u64);
            read.extend(batch);
        }
    }

    /// How many entries `group` has read and not acknowledged.
    async fn pending(
        &self,
        connection: &mut redis::aio::MultiplexedConnection,
        group: &str,
    ) -> u64 {
        let summary: redis::Value = redis::cmd("XPENDING")
            .arg(&self.stream)
            .arg(group)
            .query_async(connection)
            .await
            .unwrap();
        match summary {
            redis::Value::Array(parts) => match parts.first() {
                Some(redis::Value::Int(count)) => u64::try_from(*count).unwrap(),
                other => panic!("XPENDING: {other:?}"),
            },
            other => panic!("XPENDING: {other:?}"),
        }
    }

    /// Deletes the stream and its markers.
    async fn clean(&self) {
        let mut connection = self.connection().await;
        let markers: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*", self.marker("")))
            .query_async(&mut connection)
            .await
            .unwrap();
        let _: () = redis::cmd("DEL")
            .arg(&self.stream)
            .arg(&markers)
            .query_async(&mut connection)
            .await
            .unwrap();
    }
}

/// The helpers' own checks: the fixtures the tests stand on do what they say.
#[tokio::test]
async fn the_loopback_targets_refuse_until_up_and_record_what_they_answer() {
    let server = TargetServer::reserve(|_| Reply::Status(503, "not yet".to_owned()));
    let client = reqwest::Client::new();
    let url = server.url("x");
    let refused = client.post(&url).body("a").send().await.unwrap_err();
    assert!(refused.is_connect(), "{refused}");
    server.up().await;
    let answered = client
        .post(&url)
        .header(headers::EVENT_ID, "evt_probe")
        .header(headers::ATTEMPT, "7")
        .body("probe body")
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 503);
    let requests = server.received();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].event_id(), requests[0].attempt()),
        ("evt_probe", 7)
    );
    assert_eq!(requests[0].body, b"probe body");
    assert!(!requests[0].accepted());
    eventually("the request to be in the log", || server.count() == 1).await;
    assert!(flaky("evt_x", 1) == flaky("evt_x", 1));
    let share = (0..1000).filter(|n| flaky(&format!("evt_{n}"), 1)).count();
    assert!(
        (250..350).contains(&share),
        "{share} of 1000 fail, not about 30 %"
    );
}
