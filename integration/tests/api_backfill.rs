//! Backfill (feature `api`) into real dispatchers: events fetched from a stand-in of Stripe's
//! Events API (an axum server on the loopback that lists its events newest first, a few per
//! page, filtered by `type` and `delivery_success` as Stripe does) are fed to an inbox-mode
//! dispatcher on a real SQLite file and a real Postgres (`backends!`), and to an inline one.
//!
//! What it shows: events fetched twice are stored once and handled once; an event Stripe
//! did deliver (signed) before the backfill is not stored nor handled again; the delivery
//! log marks the backfilled deliveries (no secret index); the dispatcher's own event types
//! decide what is asked for; a backfill that would fetch too much fetches nothing.
//!
//! Needs `DATABASE_URL_POSTGRES` for the Postgres half (`bash .ci/run` starts one).
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[macro_use] // `backends!`
mod inbox {
    #[macro_use]
    pub(crate) mod databases;
}

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use inbox::databases::{fresh, Backend};
use stripe_webhooks::api::{ApiError, ApiKey, Backfill, Client, RetryPolicy};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::{EntryStatus, Inbox};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_backfill_test";
/// The stand-in lists this many events per page, whatever `limit` asks, so every backfill
/// here spans several pages.
const PAGE: usize = 4;
/// The types the dispatchers take.
const ENABLED: [&str; 2] = ["invoice.*", "customer.subscription.*"];

/// One event the stand-in knows: its JSON, and whether its delivery failed.
struct Listed {
    id: String,
    event_type: String,
    created: i64,
    failed: bool,
    json: serde_json::Value,
}

/// A stand-in of `GET /v1/events`: newest first, `starting_after`, `type` (exact or
/// `prefix.*`), `delivery_success`, `created[gte]`; every query it was sent, kept.
#[derive(Clone)]
struct Stripe {
    events: Arc<Vec<Listed>>,
    queries: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl Stripe {
    /// 30 events, one a minute over the last half hour, cycling through an invoice, a
    /// subscription and a charge type; every third one's delivery succeeded.
    fn new() -> Stripe {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let types = [
            "invoice.payment_failed",
            "customer.subscription.updated",
            "charge.refunded",
        ];
        let mut events: Vec<Listed> = (0..30)
            .map(|n| {
                let id = format!("evt_bf_{n:03}");
                let event_type = types[n % 3].to_owned();
                let created = now - 1800 + 60 * i64::try_from(n).unwrap();
                let json = EventBuilder::new(&event_type)
                    .id(&id)
                    .created(created)
                    .to_value();
                Listed {
                    id,
                    event_type,
                    created,
                    failed: n % 4 != 3,
                    json,
                }
            })
            .collect();
        events.reverse(); // newest first, as Stripe lists
        Stripe {
            events: Arc::new(events),
            queries: Arc::default(),
        }
    }

    /// The ids a backfill of failed deliveries of the enabled types should get, oldest first.
    fn expected(&self) -> Vec<String> {
        let mut ids: Vec<(i64, String)> = self
            .events
            .iter()
            .filter(|e| e.failed && ENABLED.iter().any(|p| matches(&e.event_type, p)))
            .map(|e| (e.created, e.id.clone()))
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    fn body(&self, id: &str) -> Vec<u8> {
        let listed = self.events.iter().find(|e| e.id == id).unwrap();
        serde_json::to_vec(&listed.json).unwrap()
    }

    async fn serve(self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/v1/events", axum::routing::get(list))
            .with_state(self);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        address
    }
}

fn matches(event_type: &str, pattern: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(prefix) => event_type.starts_with(&format!("{prefix}.")),
        None => event_type == pattern,
    }
}

async fn list(State(stripe): State<Stripe>, RawQuery(query): RawQuery) -> Response {
    let query: BTreeMap<String, String> =
        form_urlencoded::parse(query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    stripe.queries.lock().unwrap().push(query.clone());
    let since: i64 = query.get("created[gte]").map_or(0, |v| v.parse().unwrap());
    let failed_only = query.get("delivery_success").map(String::as_str) == Some("false");
    let selected: Vec<&Listed> = stripe
        .events
        .iter()
        .filter(|e| e.created >= since)
        .filter(|e| !failed_only || e.failed)
        .filter(|e| query.get("type").is_none_or(|t| matches(&e.event_type, t)))
        .collect();
    let start = match query.get("starting_after") {
        None => 0,
        Some(after) => match selected.iter().position(|e| &e.id == after) {
            Some(index) => index + 1,
            None => return (StatusCode::BAD_REQUEST, "unknown cursor").into_response(),
        },
    };
    let page: Vec<&serde_json::Value> = selected
        .iter()
        .skip(start)
        .take(PAGE)
        .map(|e| &e.json)
        .collect();
    let body = serde_json::json!({
        "object": "list",
        "url": "/v1/events",
        "has_more": start + PAGE < selected.len(),
        "data": page,
    });
    axum::Json(body).into_response()
}

fn client(address: SocketAddr) -> Client {
    Client::builder(ApiKey::new("sk_test_backfill").unwrap())
        .base_url(format!("http://{address}"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// How many times the handler ran for each event id, and in which order.
#[derive(Clone, Default)]
struct Runs(Arc<Mutex<Vec<String>>>);

impl Runs {
    fn handler(
        &self,
    ) -> impl Fn(Event) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send>> + Clone
    {
        let runs = self.clone();
        move |event: Event| {
            let runs = runs.clone();
            Box::pin(async move {
                runs.0.lock().unwrap().push(event.id().to_owned());
                Ok(())
            })
        }
    }

    fn ids(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for id in self.ids() {
            *counts.entry(id).or_default() += 1;
        }
        counts
    }
}

fn ids_of(report: &stripe_webhooks::api::BackfillReport) -> Vec<String> {
    report
        .outcomes
        .iter()
        .map(|outcome| outcome.event_id().unwrap().to_owned())
        .collect()
}

fn one_day() -> Duration {
    Duration::from_secs(24 * 3600)
}

backends! {
    async fn fetched_twice_is_stored_once_and_handled_once(backend: Backend) {
        let Some(url) = fresh(backend, "backfill_twice") else { return };
        let inbox = Inbox::open(&url).await.unwrap();
        let stripe = Stripe::new();
        let expected = stripe.expected();
        assert!(expected.len() > 2 * PAGE, "the backfill spans pages: {}", expected.len());
        let address = stripe.clone().serve().await;
        let runs = Runs::default();
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), runs.handler())
            .enabled_events(ENABLED)
            .inbox(inbox.clone());

        // Stripe did deliver one of them (its retry reached us before the backfill).
        let delivered = expected[2].clone();
        let body = stripe.body(&delivered);
        let header = signature_header(&body, SECRET, OffsetDateTime::now_utc().unix_timestamp());
        assert_eq!(dispatcher.dispatch(&body, Some(&header)).await.kind(), OutcomeKind::Stored);

        let backfill = Backfill::failed_since(one_day()).unwrap();
        let first = client(address).backfill(&backfill, &dispatcher).await.unwrap();
        assert_eq!(ids_of(&first), expected, "every failed delivery of the enabled types, oldest first");
        assert_eq!(first.count(OutcomeKind::Stored), expected.len() - 1);
        assert_eq!(first.count(OutcomeKind::Duplicate), 1);
        let duplicate = first.outcomes.iter().find(|o| o.kind() == OutcomeKind::Duplicate).unwrap();
        assert_eq!(duplicate.event_id(), Some(delivered.as_str()));

        // Each query asked for failed deliveries of the last day, of one of the dispatcher's
        // families: nothing else was fetched.
        let queries = stripe.queries.lock().unwrap().clone();
        assert!(queries.len() >= expected.len() / PAGE, "{queries:?}");
        let now = OffsetDateTime::now_utc().unix_timestamp();
        for query in &queries {
            assert_eq!(query.get("delivery_success").map(String::as_str), Some("false"));
            let since: i64 = query["created[gte]"].parse().unwrap();
            assert!((now - 24 * 3600 - since).abs() < 60, "{since}");
            assert!(ENABLED.contains(&query["type"].as_str()), "{query:?}");
        }

        let processed = dispatcher.process_due().await.unwrap();
        assert_eq!(processed.handled, expected.len() as u64);

        // Again: everything is a duplicate, nothing is stored or run twice.
        let second = client(address).backfill(&backfill, &dispatcher).await.unwrap();
        assert_eq!(ids_of(&second), expected);
        assert_eq!(second.count(OutcomeKind::Duplicate), expected.len());
        assert_eq!(dispatcher.process_due().await.unwrap().handled, 0);
        let counts = runs.counts();
        assert_eq!(counts.len(), expected.len());
        assert!(counts.values().all(|&n| n == 1), "{counts:?}");
        assert_eq!(
            inbox.counts().await.unwrap().into_iter().find(|(s, _)| *s == EntryStatus::Handled).map(|(_, n)| n),
            Some(expected.len() as u64)
        );

        // The delivery log tells a backfill from a delivery.
        let backfilled = inbox.entry(&expected[0]).await.unwrap().unwrap();
        let log: Vec<(&str, Option<usize>)> = backfilled
            .deliveries
            .iter()
            .map(|d| (d.outcome.as_str(), d.secret_index))
            .collect();
        assert_eq!(log, [("backfilled", None), ("backfilled_duplicate", None)]);
        assert!(backfilled.deliveries.iter().all(|d| d.is_backfill()));
        assert_eq!(backfilled.body, stripe.body(&expected[0]), "stored byte for byte as fetched");
        let signed = inbox.entry(&delivered).await.unwrap().unwrap();
        let log: Vec<(&str, Option<usize>)> =
            signed.deliveries.iter().map(|d| (d.outcome.as_str(), d.secret_index)).collect();
        assert_eq!(
            log,
            [("stored", Some(0)), ("backfilled_duplicate", None), ("backfilled_duplicate", None)]
        );
    }

    async fn too_many_events_fetch_nothing_into_the_inbox(backend: Backend) {
        let Some(url) = fresh(backend, "backfill_too_many") else { return };
        let inbox = Inbox::open(&url).await.unwrap();
        let stripe = Stripe::new();
        let address = stripe.clone().serve().await;
        let runs = Runs::default();
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), runs.handler())
            .enabled_events(ENABLED)
            .inbox(inbox.clone());
        let backfill = Backfill::failed_since(one_day()).unwrap().max_events(5);
        let error = client(address).backfill(&backfill, &dispatcher).await.unwrap_err();
        assert!(matches!(error, ApiError::TooMany { max: 5, .. }), "{error}");
        assert!(inbox.counts().await.unwrap().iter().all(|(_, n)| *n == 0));
        // It stopped at the page that went past the bound.
        assert!(stripe.queries.lock().unwrap().len() <= 2);
    }
}

/// Inline mode: the duplicate store is the guard. A signed delivery first, then two
/// backfills: each event's handler runs once; types the dispatcher does not take are
/// ignored when asked for explicitly.
#[tokio::test]
async fn inline_backfills_run_each_handler_once() {
    let stripe = Stripe::new();
    let expected = stripe.expected();
    let address = stripe.clone().serve().await;
    let runs = Runs::default();
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), runs.handler()).enabled_events(ENABLED);

    let delivered = expected[0].clone();
    let body = stripe.body(&delivered);
    let header = signature_header(&body, SECRET, OffsetDateTime::now_utc().unix_timestamp());
    assert_eq!(
        dispatcher.dispatch(&body, Some(&header)).await.kind(),
        OutcomeKind::Handled
    );

    let backfill = Backfill::failed_since(one_day()).unwrap();
    let first = client(address)
        .backfill(&backfill, &dispatcher)
        .await
        .unwrap();
    assert_eq!(first.count(OutcomeKind::Handled), expected.len() - 1);
    assert_eq!(first.count(OutcomeKind::Duplicate), 1);
    assert_eq!(
        runs.ids(),
        expected,
        "handled oldest first (the delivered one first, by hand)"
    );

    let second = client(address)
        .backfill(&backfill, &dispatcher)
        .await
        .unwrap();
    assert_eq!(second.count(OutcomeKind::Duplicate), expected.len());
    assert_eq!(runs.ids().len(), expected.len(), "nothing ran twice");

    // Asked for a type the dispatcher does not take: fetched, then ignored.
    let charges = Backfill::since(one_day())
        .unwrap()
        .types(["charge.refunded"]);
    let ignored = client(address)
        .backfill(&charges, &dispatcher)
        .await
        .unwrap();
    assert_eq!(ignored.fetched(), 10);
    assert_eq!(ignored.count(OutcomeKind::Ignored), 10);
    assert_eq!(runs.ids().len(), expected.len());
    // Backfills are not deliveries: the dispatcher's metrics count only the signed one.
    assert_eq!(dispatcher.metrics().received, 1);
    assert_eq!(dispatcher.metrics().count(OutcomeKind::Handled), 1);
}
