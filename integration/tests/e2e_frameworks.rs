//! End to end over real HTTP: the axum, actix-web and hyper examples' apps, each started on
//! 127.0.0.1 (an ephemeral port) on a tokio runtime, receive deliveries made exactly as Stripe
//! makes them (POST, `Content-Type: application/json; charset=utf-8`, Stripe's `User-Agent`, a
//! `Stripe-Signature` header) by a blocking `ureq` client.
//!
//! Each framework gets the same deliveries: a genuine event, the same event again, a forged
//! signature, no header, a repeated header, a non-ASCII header and an oversize body. The
//! handler records what it saw, so every refusal is checked to have run nothing.
//!
//! The signatures carry the current time: the servers verify with the wall clock.

#![allow(clippy::unwrap_used)]
// a test fails loudly on what it did not expect
// Each included example brings its own copy of `examples/common/config.rs`.
#![allow(clippy::duplicate_mod)]

// `pub` so that the examples' `pub` app functions count as reachable (`unreachable_pub`).
#[path = "../examples/actix_web.rs"]
pub mod actix_example;
#[path = "../examples/axum.rs"]
pub mod axum_example;
#[path = "../examples/hyper.rs"]
pub mod hyper_example;

use std::sync::{Arc, Mutex};

use stripe_webhooks::dispatch::OutcomeKind;
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError, Metrics};
use stripe_webhooks::testing::{signature_header, SignatureHeader};
use stripe_webhooks::ErrorKind;
use stripe_webhooks::{Event, Webhook};
use tokio::runtime::Runtime;

const SECRET: &str = "whsec_e2e_frameworks";
/// The body limit of every server here: small, so the oversize body is small too.
const LIMIT: usize = 16 * 1024;
const STRIPE_USER_AGENT: &str = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

/// A handler that records the id of every event it runs for.
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
        Ok(())
    }
}

fn dispatcher(recorder: &Recorder) -> Dispatcher<Recorder> {
    Dispatcher::new(Webhook::new(SECRET), recorder.clone()).max_body_size(LIMIT)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn event(id: &str, padding: usize) -> Vec<u8> {
    let now = now();
    format!(
        r#"{{"id":"{id}","object":"event","api_version":"2026-10-28.endive","created":{now},"livemode":false,"pending_webhooks":1,"request":{{"id":null,"idempotency_key":null}},"type":"charge.failed","data":{{"object":{{"id":"ch_{id}","object":"charge","amount":2000,"currency":"usd","failure_code":"card_declined","description":"{}"}}}}}}"#,
        "x".repeat(padding)
    )
    .into_bytes()
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// What came back for one delivery.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// Posts `body` to `url` as Stripe does, with these `Stripe-Signature` values (none, one or
/// several).
fn deliver(url: &str, body: &[u8], signatures: &[&[u8]]) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent
        .post(url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("User-Agent", STRIPE_USER_AGENT)
        .header("Cache-Control", "no-cache");
    for signature in signatures {
        request = request.header("Stripe-Signature", *signature);
    }
    let mut response = request.send(body).unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    Answer {
        status: response.status().as_u16(),
        content_type,
        body: response.body_mut().read_to_string().unwrap(),
    }
}

/// The deliveries every framework gets, and what each must answer. `oversize_body` is the
/// start of the framework's own text for a body over its limit.
fn deliver_like_stripe(
    url: &str,
    recorder: &Recorder,
    metrics: impl Fn() -> Metrics,
    oversize_body: &str,
) {
    let received = || metrics().received;
    let text_plain = Some("text/plain; charset=utf-8".to_owned());

    // A genuine event: handled once.
    let body = event("evt_e2e_genuine", 0);
    let header = signature_header(&body, SECRET, now());
    let answer = deliver(url, &body, &[header.as_bytes()]);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "handled evt_e2e_genuine");
    assert_eq!(answer.content_type, text_plain);
    assert_eq!(recorder.seen(), ["evt_e2e_genuine"]);

    // Stripe's retry of the same event, signed anew: acknowledged, not handled again.
    let header = SignatureHeader::new(now() + 1)
        .sign(&body, SECRET)
        .to_string();
    let answer = deliver(url, &body, &[header.as_bytes()]);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "duplicate evt_e2e_genuine: already handled");
    assert_eq!(recorder.seen(), ["evt_e2e_genuine"]);

    // A forged signature on a new event: refused, nothing runs.
    let body = event("evt_e2e_forged", 0);
    let forged = SignatureHeader::new(now())
        .forged(&body, SECRET)
        .to_string();
    let answer = deliver(url, &body, &[forged.as_bytes()]);
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        answer.body.starts_with("rejected: no v1 signature matches"),
        "{answer:?}"
    );
    assert_eq!(answer.content_type, text_plain);

    // No Stripe-Signature header at all.
    let body = event("evt_e2e_unsigned", 0);
    let answer = deliver(url, &body, &[]);
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        answer
            .body
            .starts_with("rejected: the request has no Stripe-Signature header"),
        "{answer:?}"
    );

    // Two Stripe-Signature headers, each a genuine signature: refused all the same.
    let body = event("evt_e2e_repeated", 0);
    let header = signature_header(&body, SECRET, now());
    let answer = deliver(url, &body, &[header.as_bytes(), header.as_bytes()]);
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        answer
            .body
            .starts_with("rejected: the request has 2 Stripe-Signature headers"),
        "{answer:?}"
    );

    // A header value that is not ASCII (a Latin-1 byte after a genuine signature).
    let body = event("evt_e2e_latin1", 0);
    let mut header = signature_header(&body, SECRET, now()).into_bytes();
    header.push(0xe9);
    let answer = deliver(url, &body, &[&header]);
    assert_eq!(answer.status, 400, "{answer:?}");
    assert!(
        answer.body.starts_with(
            "rejected: the Stripe-Signature header holds a byte that is not visible ASCII"
        ),
        "{answer:?}"
    );

    assert_eq!(recorder.seen(), ["evt_e2e_genuine"]);

    // A genuinely signed event over the body limit: the framework's own limit refuses it with
    // 413 before the dispatcher sees it.
    let received_before = received();
    let body = event("evt_e2e_oversize", LIMIT + 1024);
    assert!(body.len() > LIMIT);
    let header = signature_header(&body, SECRET, now());
    let answer = deliver(url, &body, &[header.as_bytes()]);
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(answer.body.starts_with(oversize_body), "{answer:?}");
    assert_eq!(
        received(),
        received_before,
        "the dispatcher saw the oversize body"
    );

    assert_eq!(recorder.seen(), ["evt_e2e_genuine"]);

    let metrics = metrics();
    assert_eq!(metrics.count(OutcomeKind::Handled), 1);
    assert_eq!(metrics.count(OutcomeKind::Duplicate), 1);
    assert_eq!(metrics.rejected(ErrorKind::SignatureMismatch), 1);
    assert_eq!(metrics.rejected(ErrorKind::HeaderMissing), 1);
}

#[test]
fn axum_example_answers_deliveries_as_stripe_expects() {
    let runtime = runtime();
    let recorder = Recorder::default();
    let dispatcher = Arc::new(dispatcher(&recorder));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let app = axum_example::app(Arc::clone(&dispatcher));
    let server = runtime.spawn(async move { axum::serve(listener, app).await });

    deliver_like_stripe(
        &url,
        &recorder,
        || dispatcher.metrics(),
        "Failed to buffer the request body",
    );
    server.abort();
}

#[test]
fn actix_web_example_answers_deliveries_as_stripe_expects() {
    let runtime = runtime();
    let recorder = Recorder::default();
    let dispatcher = actix_web::web::Data::new(dispatcher(&recorder));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let server = runtime.block_on(async { actix_example::server(listener, dispatcher.clone()) });
    let server = server.unwrap();
    let handle = server.handle();
    runtime.spawn(server);

    deliver_like_stripe(
        &url,
        &recorder,
        || dispatcher.metrics(),
        "payload reached size limit",
    );
    runtime.block_on(handle.stop(false));
}

#[test]
fn hyper_example_answers_deliveries_as_stripe_expects() {
    let runtime = runtime();
    let recorder = Recorder::default();
    let dispatcher = Arc::new(dispatcher(&recorder));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let server = runtime.spawn(hyper_example::serve(listener, Arc::clone(&dispatcher)));

    deliver_like_stripe(
        &url,
        &recorder,
        || dispatcher.metrics(),
        &format!("the body is over the limit of {LIMIT} bytes"),
    );
    server.abort();
}

#[test]
fn hyper_example_refuses_other_paths_and_methods() {
    let runtime = runtime();
    let recorder = Recorder::default();
    let dispatcher = Arc::new(dispatcher(&recorder));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = runtime.spawn(hyper_example::serve(listener, Arc::clone(&dispatcher)));

    let body = event("evt_e2e_elsewhere", 0);
    let header = signature_header(&body, SECRET, now());
    let answer = deliver(&format!("{base}/other"), &body, &[header.as_bytes()]);
    assert_eq!(answer.status, 404, "{answer:?}");

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent.get(&format!("{base}/webhook")).call().unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert!(recorder.seen().is_empty());
    assert_eq!(dispatcher.metrics().received, 0);
    server.abort();
}
