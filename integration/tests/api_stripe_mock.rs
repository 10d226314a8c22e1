//! The API client (feature `api`) against Stripe's own API double, stripe-mock, which checks
//! every request against Stripe's OpenAPI spec (API version 2020-08-27) and answers from
//! fixtures. What it proves:
//!
//! - every call of [`Client`] (webhook endpoints: create, retrieve, list, update, pause,
//!   resume, delete; events: list with each part of an [`EventQuery`], retrieve) sends a
//!   request Stripe's spec accepts, and its answer parses into the typed objects with the
//!   exact values stripe-mock answered; a fetched event's body is the JSON answered, byte for
//!   byte, as a plain HTTP GET (ureq) reads it;
//! - Stripe's refusals come back typed ([`ApiError::Stripe`] with status, type, message and
//!   request id): an unknown event type, a live key stripe-mock refuses (its message echoes
//!   the `Authorization` header: the client scrubs the key out of it); arguments the client
//!   refuses itself ([`ApiError::InvalidArgument`], [`ApiError::InvalidKey`]) make no
//!   request at all; no error shows the key;
//! - [`EndpointSpec`] → [`Plan`] against the listed fixture endpoint gives the right
//!   [`Action`] (up to date, the events added and removed, the description, a create, a
//!   version conflict), its `Display` says so, and [`Client::apply`] of it is accepted by
//!   stripe-mock (or refused, typed, when the expansion has types newer than its spec);
//! - [`EndpointSpec::for_dispatcher`] expands the dispatcher's `invoice.*` to exactly the
//!   `invoice.` types (not `invoiceitem.*`, not `invoice_payment.*`);
//! - a base URL with a path (a proxy) keeps it in front of every call's path, stripe-mock's
//!   404 naming the path it got, with or without a trailing slash.
//!
//! Needs stripe-mock at `STRIPE_MOCK_URL` (`bash .ci/run` starts it; by hand:
//! `bash ../shared/tools/stripe-mock.sh start target/stripe-mock 12111` and
//! `STRIPE_MOCK_URL=http://127.0.0.1:12111`). Without it the tests say so loudly and check
//! nothing, except under `CI=true`, where they fail.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;
use stripe_webhooks::api::{
    Action, ApiError, ApiKey, Applied, Client, CreateEndpoint, EndpointSpec, EndpointStatus,
    EventQuery, RetryPolicy, StripeErrorType, UpdateEndpoint, WebhookEndpoint,
};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
use stripe_webhooks::{Event, EventType, Webhook};
use time::macros::datetime;

/// The key every call sends (stripe-mock takes any `sk_test_` key).
const KEY: &str = "sk_test_stripemock4eC39HqLyjWDarjtT1zdp7dc";
/// The API version of stripe-mock's OpenAPI spec.
const VERSION: &str = "2020-08-27";
/// stripe-mock's one listed endpoint.
const FIXTURE_ID: &str = "we_1KgrhhEzs4zNlWI5NqTerseD";
const FIXTURE_URL: &str = "https://example.com/my/webhook/endpoint";
const FIXTURE_DESCRIPTION: &str = "This is my webhook, I like it a lot";
/// stripe-mock's one event (listed), a `plan.created` whose object is a plan.
const FIXTURE_EVENT: &str = "evt_1KgrhhEzs4zNlWI5MqNtDIJh";

/// stripe-mock's URL, or `None` (said loudly; a failure under `CI=true`) when it is not set.
fn stripe_mock() -> Option<String> {
    match std::env::var("STRIPE_MOCK_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().trim_end_matches('/').to_owned()),
        _ => {
            let message = "STRIPE_MOCK_URL is not set: the stripe-mock API tests check nothing \
                           (start it with `bash ../shared/tools/stripe-mock.sh start \
                           target/stripe-mock 12111` and set \
                           STRIPE_MOCK_URL=http://127.0.0.1:12111)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
            None
        }
    }
}

/// A client of `url` with `key`, pinned to stripe-mock's version, never retrying.
fn client_with(url: &str, key: &str) -> Client {
    Client::builder(ApiKey::new(key).unwrap())
        .base_url(url)
        .api_version(VERSION)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn client(url: &str) -> Client {
    client_with(url, KEY)
}

/// The text of a plain GET with the key, as Stripe answered it.
fn raw_get(url: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {KEY}"))
        .header("Stripe-Version", VERSION)
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "GET {url}");
    response.body_mut().read_to_string().unwrap()
}

/// The known event types that start with `prefix` (`"charge."`), sorted: computed here from
/// the strings, not with `EventType::matches`.
fn known_types(prefix: &str) -> Vec<String> {
    let mut types: Vec<String> = EventType::ALL
        .iter()
        .map(EventType::as_str)
        .filter(|name| name.starts_with(prefix))
        .map(str::to_owned)
        .collect();
    types.sort();
    types
}

/// The error shows the key nowhere: not in `Display`, not in `Debug`.
fn assert_no_key(error: &ApiError, key: &str) {
    assert!(!error.to_string().contains(key), "Display: {error}");
    assert!(!format!("{error:?}").contains(key), "Debug: {error:?}");
}

/// stripe-mock's fixture endpoint as every read answers it (`id` aside).
fn assert_fixture_endpoint(endpoint: &WebhookEndpoint, id: &str) {
    assert_eq!(endpoint.id, id);
    assert_eq!(endpoint.url, FIXTURE_URL);
    assert_eq!(
        endpoint.enabled_events,
        ["charge.failed", "charge.succeeded"]
    );
    assert_eq!(endpoint.api_version, None);
    assert_eq!(endpoint.application, None);
    assert_eq!(endpoint.description.as_deref(), Some(FIXTURE_DESCRIPTION));
    assert!(endpoint.metadata.is_empty());
    assert_eq!(endpoint.status, EndpointStatus::Enabled);
    assert!(endpoint.is_enabled());
    assert!(!endpoint.livemode);
    assert_eq!(endpoint.created, datetime!(2009-02-13 23:31:30 UTC));
    assert!(
        endpoint.secret().is_none(),
        "only a creation answers a secret"
    );
}

#[tokio::test]
async fn every_endpoint_call_is_accepted_and_parses() {
    let Some(url) = stripe_mock() else { return };
    let client = client(&url);
    assert!(!client.is_live());
    assert_eq!(client.api_version(), VERSION);

    // Create, with every parameter: stripe-mock echoes url, enabled_events, api_version and
    // description (its fixture keeps its own metadata, `{}`, and has no secret).
    let create = CreateEndpoint::new(
        "https://example.com/stripe/billing",
        [
            "charge.failed",
            "invoice.paid",
            "customer.subscription.deleted",
        ],
    )
    .api_version(VERSION)
    .description("billing service")
    .metadata("team", "payments")
    .metadata("env", "test & staging")
    .connect(true);
    let created = client.create_endpoint(&create).await.unwrap();
    assert!(created.id.starts_with("we_"), "{}", created.id);
    assert!(created.id.len() > "we_".len());
    assert_eq!(created.url, "https://example.com/stripe/billing");
    assert_eq!(
        created.enabled_events,
        [
            "charge.failed",
            "invoice.paid",
            "customer.subscription.deleted"
        ]
    );
    assert_eq!(created.api_version.as_deref(), Some(VERSION));
    assert_eq!(created.description.as_deref(), Some("billing service"));
    assert_eq!(created.status, EndpointStatus::Enabled);
    assert!(created.is_enabled());
    assert!(!created.livemode);
    assert_eq!(created.created, datetime!(2009-02-13 23:31:30 UTC));
    assert!(
        created.metadata.is_empty(),
        "stripe-mock answers its fixture's metadata: {:?}",
        created.metadata
    );

    // Retrieve: the id asked is echoed, the rest is the fixture.
    let retrieved = client.retrieve_endpoint("we_123abcXYZ").await.unwrap();
    assert_fixture_endpoint(&retrieved, "we_123abcXYZ");

    // List, item by item: one endpoint, then the end (has_more false: no second call).
    let mut pages = client.list_endpoints();
    let first = pages.next().await.unwrap().unwrap();
    assert_fixture_endpoint(&first, FIXTURE_ID);
    assert!(pages.next().await.unwrap().is_none());
    assert!(
        pages.next().await.unwrap().is_none(),
        "the end stays the end"
    );
    assert!(pages.next_page().await.unwrap().is_none());

    // List, page by page.
    let mut pages = client.list_endpoints();
    let page = pages.next_page().await.unwrap().unwrap();
    assert_eq!(page.len(), 1);
    assert_fixture_endpoint(&page[0], FIXTURE_ID);
    assert!(pages.next_page().await.unwrap().is_none());

    // List, collected; and the bound.
    let all = client.list_endpoints().collect(16).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_fixture_endpoint(&all[0], FIXTURE_ID);
    match client.list_endpoints().collect(0).await {
        Err(ApiError::TooMany { what, max }) => {
            assert_eq!((what, max), ("webhook_endpoints", 0));
        }
        other => panic!("expected TooMany, got {other:?}"),
    }

    // Update, with every part: url, events, description, a metadata entry set and one
    // removed, disabled. stripe-mock echoes url, events and description; it keeps its
    // fixture's metadata and status (it has no state to pause).
    let update = UpdateEndpoint::new()
        .url("https://example.com/stripe/v2")
        .enabled_events(["charge.refunded", "invoice.payment_failed"])
        .description("moved")
        .metadata("team", "billing")
        .remove_metadata("legacy")
        .disabled(true);
    let updated = client.update_endpoint(FIXTURE_ID, &update).await.unwrap();
    assert_eq!(updated.id, FIXTURE_ID);
    assert_eq!(updated.url, "https://example.com/stripe/v2");
    assert_eq!(
        updated.enabled_events,
        ["charge.refunded", "invoice.payment_failed"]
    );
    assert_eq!(updated.description.as_deref(), Some("moved"));
    assert_eq!(updated.api_version, None);
    assert_eq!(updated.created, datetime!(2009-02-13 23:31:30 UTC));

    // An update to the description alone: the rest stays the fixture's.
    let described = client
        .update_endpoint(FIXTURE_ID, &UpdateEndpoint::new().description("only this"))
        .await
        .unwrap();
    assert_eq!(described.url, FIXTURE_URL);
    assert_eq!(
        described.enabled_events,
        ["charge.failed", "charge.succeeded"]
    );
    assert_eq!(described.description.as_deref(), Some("only this"));

    // Pause and resume: `disabled=true` / `false` are accepted as the spec's boolean;
    // stripe-mock answers the fixture's `enabled` status either way (no state).
    let paused = client.pause_endpoint("we_paused1").await.unwrap();
    assert_fixture_endpoint(&paused, "we_paused1");
    let resumed = client.resume_endpoint("we_paused1").await.unwrap();
    assert_fixture_endpoint(&resumed, "we_paused1");

    // Delete.
    let deleted = client.delete_endpoint("we_gone42").await.unwrap();
    assert_eq!(deleted.id, "we_gone42");
    assert!(deleted.deleted);
}

/// The fixture event's fields, as the typed [`Event`] reads them.
fn assert_fixture_event(event: &Event, id: &str) {
    assert_eq!(event.id(), id);
    assert_eq!(event.event_type(), &EventType::PlanCreated);
    assert_eq!(event.event_type().as_str(), "plan.created");
    assert_eq!(event.created(), datetime!(2009-02-13 23:31:30 UTC));
    assert!(!event.livemode());
    assert_eq!(event.api_version(), None);
    assert_eq!(event.pending_webhooks(), Some(0));
    let request = event.request().unwrap();
    assert_eq!((request.id, request.idempotency_key), (None, None));
    let object: Value = serde_json::from_str(event.object_raw().get()).unwrap();
    assert_eq!(object["object"], "plan");
    assert_eq!(object["id"], "price_1KgrhdEzs4zNlWI5s7uKfDfB");
    assert_eq!(object["amount"], 2000);
}

#[tokio::test]
async fn every_event_query_is_accepted_and_parses() {
    let Some(url) = stripe_mock() else { return };
    let client = client(&url);
    let since = datetime!(2026-01-01 00:00:00 UTC);
    let until = datetime!(2026-01-02 00:00:00 UTC);

    // What a plain GET answers, to compare the fetched bodies with.
    let raw_list = raw_get(&format!("{url}/v1/events"));
    let raw_list_json: Value = serde_json::from_str(&raw_list).unwrap();
    let raw_item = &raw_list_json["data"][0];
    assert_eq!(raw_item["id"], FIXTURE_EVENT);

    let queries = [
        // Everything.
        EventQuery::new(),
        // One type (sent as `type`), every other part too.
        EventQuery::new()
            .types(["invoice.payment_failed"])
            .unwrap()
            .created_since(since)
            .created_until(until)
            .delivery_success(false)
            .page_size(3),
        // Several types (sent as `types[n]`).
        EventQuery::new()
            .types(["invoice.payment_failed", "charge.failed", "charge.refunded"])
            .unwrap()
            .created_since(since)
            .delivery_success(true)
            .page_size(100),
        // One pattern (Stripe takes a wildcard in `type`).
        EventQuery::new()
            .types(["customer.subscription.*"])
            .unwrap()
            .created_until(until)
            .page_size(1),
    ];
    for query in &queries {
        // Item by item.
        let mut pages = client.list_events(query);
        let fetched = pages.next().await.unwrap().unwrap();
        assert_fixture_event(fetched.event(), FIXTURE_EVENT);
        let body = std::str::from_utf8(fetched.body()).unwrap();
        assert_eq!(&serde_json::from_str::<Value>(body).unwrap(), raw_item);
        assert!(
            raw_list.contains(body),
            "the body is the bytes answered: {body}"
        );
        assert!(pages.next().await.unwrap().is_none(), "{query:?}");

        // Page by page.
        let mut pages = client.list_events(query);
        let page = pages.next_page().await.unwrap().unwrap();
        assert_eq!(page.len(), 1);
        assert_fixture_event(page[0].event(), FIXTURE_EVENT);
        assert_eq!(page[0].body(), fetched.body());
        assert!(pages.next_page().await.unwrap().is_none());

        // Collected.
        let all = client.list_events(query).collect(10).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].body(), fetched.body());
        assert_eq!(all[0].clone().into_event().id(), FIXTURE_EVENT);
    }

    // What the query cannot take is refused before any call.
    assert!(matches!(
        EventQuery::new().types(["invoice.*", "charge.failed"]),
        Err(ApiError::InvalidArgument(_))
    ));
    assert!(matches!(
        EventQuery::new().types((0..21).map(|n| format!("charge.t{n}"))),
        Err(ApiError::InvalidArgument(_))
    ));

    // Retrieve: the id asked is echoed; the body is exactly the JSON answered (the answer's
    // trailing newline is not part of the value).
    let id = "evt_1RetrieveMe42";
    let fetched = client.retrieve_event(id).await.unwrap();
    assert_fixture_event(fetched.event(), id);
    let raw = raw_get(&format!("{url}/v1/events/{id}"));
    assert_eq!(
        serde_json::from_slice::<Value>(fetched.body()).unwrap(),
        serde_json::from_str::<Value>(&raw).unwrap()
    );
    assert_eq!(fetched.body(), raw.trim().as_bytes());
    assert_eq!(fetched.into_event().id(), id);
}

#[tokio::test]
async fn stripe_refusals_come_back_typed_without_the_key() {
    let Some(url) = stripe_mock() else { return };
    let client = client(&url);

    // An event type stripe-mock's spec does not know, in a creation and in an update.
    let create = CreateEndpoint::new(
        "https://example.com/stripe",
        ["charge.failed", "teleport.completed"],
    );
    let update = UpdateEndpoint::new().enabled_events(["charge.failed", "teleport.completed"]);
    let errors = [
        client.create_endpoint(&create).await.unwrap_err(),
        client
            .update_endpoint(FIXTURE_ID, &update)
            .await
            .unwrap_err(),
    ];
    for error in &errors {
        let ApiError::Stripe {
            status,
            error: body,
        } = error
        else {
            panic!("expected Stripe's refusal, got {error:?}");
        };
        assert_eq!(*status, 400);
        assert_eq!(error.status(), Some(400));
        assert_eq!(body.error_type, StripeErrorType::InvalidRequestError);
        let message = body.message.as_deref().unwrap();
        assert!(message.contains("enabled_events"), "{message}");
        assert!(message.contains("not in enumeration"), "{message}");
        assert_eq!(body.request_id.as_deref(), Some("req_123"));
        assert_eq!(error.stripe(), Some(&**body));
        let shown = error.to_string();
        assert!(
            shown.starts_with("Stripe refused the request (HTTP 400): invalid_request_error: "),
            "{shown}"
        );
        assert!(shown.ends_with(" [request req_123]"), "{shown}");
        assert_no_key(error, KEY);
    }

    // A live key: stripe-mock takes test keys only, and its refusal quotes the
    // `Authorization` header it got; the key is scrubbed out of the message.
    for live in [
        "sk_live_51LiveSecretStripeMockRefuses0000",
        "rk_live_51LiveRestrictedStripeMockRefuses",
    ] {
        let client = client_with(&url, live);
        assert!(client.is_live());
        assert!(!format!("{client:?}").contains(live));
        let errors = [
            client.list_endpoints().collect(10).await.unwrap_err(),
            client.retrieve_endpoint(FIXTURE_ID).await.unwrap_err(),
            client.retrieve_event(FIXTURE_EVENT).await.unwrap_err(),
            client
                .create_endpoint(&CreateEndpoint::new(
                    "https://example.com/stripe",
                    ["charge.failed"],
                ))
                .await
                .unwrap_err(),
        ];
        for error in &errors {
            let ApiError::Stripe {
                status,
                error: body,
            } = error
            else {
                panic!("expected Stripe's refusal, got {error:?}");
            };
            assert_eq!(*status, 401);
            assert_eq!(body.error_type, StripeErrorType::InvalidRequestError);
            let message = body.message.as_deref().unwrap();
            assert!(message.contains("testmode secret API key"), "{message}");
            let redacted = format!("Authorization was 'Bearer {}<redacted>'", &live[..8]);
            assert!(message.contains(&redacted), "{message}");
            assert!(!message.contains(live), "{message}");
            assert_no_key(error, live);
        }
    }

    // A publishable key is refused before any call, without showing it.
    for publishable in ["pk_test_51PublishableKeyNeverSent", "pk_live_51Publishable"] {
        let error = ApiKey::new(publishable).unwrap_err();
        assert!(matches!(error, ApiError::InvalidKey(_)), "{error:?}");
        assert!(error.to_string().contains("publishable key"), "{error}");
        assert_no_key(&error, publishable);
    }
}

#[tokio::test]
async fn arguments_the_client_refuses_make_no_request() {
    // A server that never answers: a request would be a connection waiting in its backlog.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let client = client(&format!("http://{}", listener.local_addr().unwrap()));

    let bad_ids = [
        "we_1/../../v1/charges",
        "we_1/x",
        "..",
        "we_..",
        "we_1%2F..",
        "we_1?expand[]=x",
        "we_1#",
        "we 1",
        "",
    ];
    let mut errors = Vec::new();
    for id in bad_ids {
        errors.push(client.retrieve_endpoint(id).await.unwrap_err());
        errors.push(client.delete_endpoint(id).await.unwrap_err());
        errors.push(client.pause_endpoint(id).await.unwrap_err());
        errors.push(client.resume_endpoint(id).await.unwrap_err());
        errors.push(
            client
                .update_endpoint(id, &UpdateEndpoint::new().description("x"))
                .await
                .unwrap_err(),
        );
        errors.push(client.retrieve_event(id).await.unwrap_err());
    }
    for (error, id) in errors.iter().zip(bad_ids.iter().flat_map(|id| [id; 6])) {
        let ApiError::InvalidArgument(message) = error else {
            panic!("{id:?}: expected InvalidArgument, got {error:?}");
        };
        assert!(message.contains("is not a Stripe"), "{id:?}: {message}");
    }
    let shown = client.retrieve_endpoint("we_1/../x").await.unwrap_err();
    assert_eq!(shown.to_string(), "`we_1/../x` is not a Stripe endpoint id");
    let shown = client.retrieve_event("evt_1/../x").await.unwrap_err();
    assert_eq!(shown.to_string(), "`evt_1/../x` is not a Stripe event id");

    // An update that changes nothing.
    let error = client
        .update_endpoint(FIXTURE_ID, &UpdateEndpoint::new())
        .await
        .unwrap_err();
    assert!(UpdateEndpoint::new().is_empty());
    let ApiError::InvalidArgument(message) = &error else {
        panic!("expected InvalidArgument, got {error:?}");
    };
    assert_eq!(
        message,
        &format!("the update of endpoint `{FIXTURE_ID}` changes nothing")
    );
    errors.push(error);

    for error in &errors {
        assert_no_key(error, KEY);
    }
    // Not one connection was made.
    match listener.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("a request was made (from {from})"),
        Err(error) => panic!("accept: {error}"),
    }
}

#[tokio::test]
async fn plans_against_the_listed_endpoint() {
    let Some(url) = stripe_mock() else { return };
    let client = client(&url);
    let charge_types = known_types("charge.");
    assert!(charge_types.len() > 2, "{charge_types:?}");
    assert!(charge_types.contains(&"charge.dispute.created".to_owned()));

    // As listed: up to date, and applying it calls nothing.
    let plan = client
        .plan(&EndpointSpec::new(
            FIXTURE_URL,
            ["charge.succeeded", "charge.failed"],
        ))
        .await
        .unwrap();
    assert_eq!(
        plan.action(),
        &Action::UpToDate {
            id: FIXTURE_ID.to_owned(),
            enabled: true
        }
    );
    assert!(plan.is_up_to_date());
    assert_eq!(
        plan.to_string(),
        format!("{FIXTURE_ID} at {FIXTURE_URL} is up to date\n")
    );
    match client.apply(&plan).await.unwrap() {
        Applied::Unchanged { id } => assert_eq!(id, FIXTURE_ID),
        other => panic!("expected Unchanged, got {other:?}"),
    }

    // `charge.*`: every other charge type added, none removed; the update sends the whole
    // list.
    let plan = client
        .plan(&EndpointSpec::new(FIXTURE_URL, ["charge.*"]))
        .await
        .unwrap();
    let added: Vec<String> = charge_types
        .iter()
        .filter(|t| *t != "charge.failed" && *t != "charge.succeeded")
        .cloned()
        .collect();
    assert_eq!(
        plan.action(),
        &Action::Update {
            id: FIXTURE_ID.to_owned(),
            added: added.clone(),
            removed: vec![],
            description: None,
            enabled: true,
            update: UpdateEndpoint::new().enabled_events(charge_types.clone()),
        }
    );
    assert!(!plan.is_up_to_date());
    let mut expected = format!("update {FIXTURE_ID} at {FIXTURE_URL}\n");
    for event in &added {
        expected.push_str(&format!("  + {event}\n"));
    }
    assert_eq!(plan.to_string(), expected);
    assert!(plan.to_string().contains("  + charge.captured\n"));
    // Applied: stripe-mock's 2020-08-27 spec knows every charge type, and echoes them.
    match client.apply(&plan).await.unwrap() {
        Applied::Updated(endpoint) => {
            assert_eq!(endpoint.id, FIXTURE_ID);
            assert_eq!(endpoint.url, FIXTURE_URL);
            assert_eq!(endpoint.enabled_events, charge_types);
        }
        other => panic!("expected Updated, got {other:?}"),
    }

    // One type fewer: removed, none added.
    let plan = client
        .plan(&EndpointSpec::new(FIXTURE_URL, ["charge.failed"]))
        .await
        .unwrap();
    assert_eq!(
        plan.action(),
        &Action::Update {
            id: FIXTURE_ID.to_owned(),
            added: vec![],
            removed: vec!["charge.succeeded".to_owned()],
            description: None,
            enabled: true,
            update: UpdateEndpoint::new().enabled_events(["charge.failed"]),
        }
    );
    assert_eq!(
        plan.to_string(),
        format!("update {FIXTURE_ID} at {FIXTURE_URL}\n  - charge.succeeded\n")
    );
    match client.apply(&plan).await.unwrap() {
        Applied::Updated(endpoint) => {
            assert_eq!(endpoint.id, FIXTURE_ID);
            assert_eq!(endpoint.enabled_events, ["charge.failed"]);
        }
        other => panic!("expected Updated, got {other:?}"),
    }

    // Added and removed at once.
    let plan = client
        .plan(&EndpointSpec::new(
            FIXTURE_URL,
            ["charge.failed", "charge.refunded", "invoice.paid"],
        ))
        .await
        .unwrap();
    let Action::Update { added, removed, .. } = plan.action() else {
        panic!("expected Update, got {plan:?}");
    };
    assert_eq!(added, &["charge.refunded", "invoice.paid"]);
    assert_eq!(removed, &["charge.succeeded"]);
    assert_eq!(
        plan.to_string(),
        format!(
            "update {FIXTURE_ID} at {FIXTURE_URL}\n  + charge.refunded\n  + invoice.paid\n  - charge.succeeded\n"
        )
    );

    // The same events, another description: the description alone changes.
    let plan = client
        .plan(
            &EndpointSpec::new(FIXTURE_URL, ["charge.failed", "charge.succeeded"])
                .description("billing service"),
        )
        .await
        .unwrap();
    assert_eq!(
        plan.action(),
        &Action::Update {
            id: FIXTURE_ID.to_owned(),
            added: vec![],
            removed: vec![],
            description: Some((
                Some(FIXTURE_DESCRIPTION.to_owned()),
                "billing service".to_owned()
            )),
            enabled: true,
            update: UpdateEndpoint::new().description("billing service"),
        }
    );
    assert_eq!(
        plan.to_string(),
        format!(
            "update {FIXTURE_ID} at {FIXTURE_URL}\n  description: \"{FIXTURE_DESCRIPTION}\" -> \"billing service\"\n"
        )
    );
    match client.apply(&plan).await.unwrap() {
        Applied::Updated(endpoint) => {
            assert_eq!(endpoint.id, FIXTURE_ID);
            assert_eq!(endpoint.description.as_deref(), Some("billing service"));
            assert_eq!(
                endpoint.enabled_events,
                ["charge.failed", "charge.succeeded"]
            );
        }
        other => panic!("expected Updated, got {other:?}"),
    }
    // The description it already has: up to date.
    let plan = client
        .plan(
            &EndpointSpec::new(FIXTURE_URL, ["charge.failed", "charge.succeeded"])
                .description(FIXTURE_DESCRIPTION),
        )
        .await
        .unwrap();
    assert!(plan.is_up_to_date(), "{plan}");

    // Another URL: a creation with the expanded events, and the rest of the spec.
    let other_url = "https://example.com/stripe/charges";
    let spec = EndpointSpec::new(other_url, ["charge.*", "invoice.paid"])
        .api_version(VERSION)
        .description("charges")
        .connect(true);
    let plan = client.plan(&spec).await.unwrap();
    let mut events = charge_types.clone();
    events.push("invoice.paid".to_owned());
    assert_eq!(
        plan.action(),
        &Action::Create(
            CreateEndpoint::new(other_url, events.clone())
                .api_version(VERSION)
                .description("charges")
                .connect(true)
        )
    );
    let Action::Create(create) = plan.action() else {
        unreachable!()
    };
    assert_eq!(create.url(), other_url);
    assert_eq!(create.enabled_events(), events.as_slice());
    assert_eq!(
        plan.to_string(),
        format!(
            "create a webhook endpoint at {other_url}\n  events ({}): {}\n  api version: {VERSION}\n  description: \"charges\"\n  connect: events of connected accounts\n",
            events.len(),
            events.join(", ")
        )
    );
    match client.apply(&plan).await.unwrap() {
        Applied::Created(endpoint) => {
            assert!(endpoint.id.starts_with("we_"), "{}", endpoint.id);
            assert_ne!(endpoint.id, FIXTURE_ID);
            assert_eq!(endpoint.url, other_url);
            assert_eq!(endpoint.enabled_events, events);
            assert_eq!(endpoint.api_version.as_deref(), Some(VERSION));
            assert_eq!(endpoint.description.as_deref(), Some("charges"));
            assert!(endpoint.is_enabled());
        }
        other => panic!("expected Created, got {other:?}"),
    }

    // A version the fixture (`api_version: null`, the account's default) does not render
    // in: a conflict, which apply refuses without a call.
    let plan = client
        .plan(
            &EndpointSpec::new(FIXTURE_URL, ["charge.failed", "charge.succeeded"])
                .api_version("2019-01-01"),
        )
        .await
        .unwrap();
    let Action::Conflict { reason } = plan.action() else {
        panic!("expected Conflict, got {plan:?}");
    };
    assert!(reason.starts_with(&format!(
        "endpoint {FIXTURE_ID} renders events in API version (the account's default), the spec wants 2019-01-01"
    )), "{reason}");
    assert!(reason.contains("create a new endpoint"), "{reason}");
    assert_eq!(
        plan.to_string(),
        format!("cannot plan {FIXTURE_URL}: {reason}\n")
    );
    match client.apply(&plan).await {
        Err(ApiError::Conflict(why)) => {
            assert_eq!(&why, reason);
            let error = ApiError::Conflict(why);
            assert_eq!(
                error.to_string(),
                format!("the plan cannot be applied: {reason}")
            );
            assert_no_key(&error, KEY);
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    // Its own version (stripe-mock's fixture has none): the same conflict, not an update.
    let plan = client
        .plan(&EndpointSpec::new(FIXTURE_URL, ["charge.*"]).api_version(VERSION))
        .await
        .unwrap();
    assert!(matches!(plan.action(), Action::Conflict { .. }), "{plan:?}");

    // A pattern that selects nothing is refused before any call.
    let error = client
        .plan(&EndpointSpec::new(FIXTURE_URL, ["chrage.*"]))
        .await
        .unwrap_err();
    assert!(matches!(error, ApiError::InvalidArgument(_)), "{error:?}");
}

#[tokio::test]
async fn a_dispatchers_events_expand_to_exactly_its_types() {
    let dispatcher = Dispatcher::new(Webhook::new("whsec_x"), |_event: Event| async move {
        Ok::<(), HandlerError>(())
    })
    .enabled_events(["invoice.*"]);
    let url = "https://example.com/stripe/invoices";
    let spec = EndpointSpec::for_dispatcher(url, &dispatcher);
    assert_eq!(spec.url(), url);
    let events = spec.enabled_events().unwrap();
    let invoice_types = known_types("invoice.");
    assert_eq!(events, invoice_types);
    assert!(events.contains(&"invoice.payment_failed".to_owned()));
    assert!(events.contains(&"invoice.paid".to_owned()));
    for event in &events {
        assert!(event.starts_with("invoice."), "{event}");
    }
    // Their neighbours in the list are not selected: `invoiceitem.*`, `invoice_payment.*`.
    assert!(EventType::ALL
        .iter()
        .any(|t| t.as_str().starts_with("invoiceitem.")));
    assert!(!events.iter().any(|e| e.starts_with("invoiceitem")));
    assert!(!events.iter().any(|e| e.starts_with("invoice_payment")));

    // With no endpoint at the URL, the plan creates one with exactly those.
    let plan = spec.plan(&[]).unwrap();
    assert_eq!(
        plan.action(),
        &Action::Create(CreateEndpoint::new(url, invoice_types.clone()))
    );

    // Several patterns and exact types, merged and sorted without repeats.
    let dispatcher = Dispatcher::new(Webhook::new("whsec_x"), |_event: Event| async move {
        Ok::<(), HandlerError>(())
    })
    .enabled_events([
        "invoice.*",
        "charge.failed",
        "invoice.paid",
        "customer.subscription.*",
    ]);
    let events = EndpointSpec::for_dispatcher(url, &dispatcher)
        .enabled_events()
        .unwrap();
    let mut expected = invoice_types.clone();
    expected.extend(known_types("customer.subscription."));
    expected.push("charge.failed".to_owned());
    expected.sort();
    assert_eq!(events, expected);

    // A dispatcher for every event: `*`, not a list.
    let everything = Dispatcher::new(Webhook::new("whsec_x"), |_event: Event| async move {
        Ok::<(), HandlerError>(())
    });
    assert_eq!(
        EndpointSpec::for_dispatcher(url, &everything)
            .enabled_events()
            .unwrap(),
        ["*"]
    );

    // Against stripe-mock: the crate's list is newer than its 2020-08-27 spec, which does not
    // know some `invoice.` types (`invoice.overdue`, `invoice.will_be_due`, …): applying the
    // creation is Stripe's typed refusal naming `enabled_events`, nothing pretends it worked.
    let Some(mock) = stripe_mock() else { return };
    let client = client(&mock);
    let plan = client.plan(&spec).await.unwrap();
    assert_eq!(
        plan.action(),
        &Action::Create(CreateEndpoint::new(url, invoice_types.clone()))
    );
    let error = client.apply(&plan).await.unwrap_err();
    let ApiError::Stripe {
        status,
        error: body,
    } = &error
    else {
        panic!("expected Stripe's refusal, got {error:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(body.error_type, StripeErrorType::InvalidRequestError);
    let message = body.message.as_deref().unwrap();
    assert!(message.contains("enabled_events"), "{message}");
    assert_no_key(&error, KEY);

    // The `invoice.` types stripe-mock's spec knows are accepted, and echoed.
    let known_in_2020: Vec<String> = invoice_types
        .iter()
        .filter(|t| {
            ![
                "invoice.overdue",
                "invoice.overpaid",
                "invoice.payment_attempt_required",
                "invoice.will_be_due",
            ]
            .contains(&t.as_str())
        })
        .cloned()
        .collect();
    let created = client
        .create_endpoint(&CreateEndpoint::new(url, known_in_2020.clone()))
        .await
        .unwrap();
    assert_eq!(created.enabled_events, known_in_2020);
}

/// stripe-mock names the path it got in its 404 for an unknown URL: the witness that a base
/// URL's path is kept in front of every call's path (a proxy at `https://proxy/stripe`).
#[tokio::test]
async fn a_base_url_path_is_kept_in_front_of_the_calls() {
    let Some(url) = stripe_mock() else { return };
    for base in [format!("{url}/prefix/"), format!("{url}/prefix")] {
        let client = client(&base);
        let error = client
            .list_endpoints()
            .collect(10)
            .await
            .map(|all| all.len());
        // Without the trailing slash too: a join would replace the last segment, sending the
        // call to `/v1/webhook_endpoints` silently (stripe-mock answers that list).
        let Err(ApiError::Stripe { status, error }) = error else {
            panic!("base {base}: the prefix was dropped, stripe-mock answered {error:?}");
        };
        assert_eq!(status, 404, "base {base}");
        assert_eq!(
            error.message.as_deref(),
            Some("Unrecognized request URL (GET: /prefix/v1/webhook_endpoints)."),
            "base {base}"
        );
    }
}
