//! `api::Client` (features `api` and `tracing`) against a stand-in for Stripe's API: a real
//! axum server on 127.0.0.1 that records every request in full (method, path, raw query,
//! headers, body) and answers from its test's script. What it proves, with exact values:
//!
//! - Retries as Stripe advises: 409, 429, 5xx and no answer are retried, other 4xx and
//!   `Stripe-Should-Retry: false` are not, `Stripe-Should-Retry: true` is; `Retry-After` is
//!   honoured up to `max_retry_after` and gives up beyond; `max_retries` bounds the tries
//!   and the last error is the one returned. Every try of a POST carries the same
//!   `Idempotency-Key` and body, two calls never share a key, and GETs and DELETEs carry none;
//!   every request carries the bearer key and the pinned `Stripe-Version`.
//! - Errors: Stripe's error body read field by field with the `Request-Id`, a body that is not
//!   Stripe's error shape as `Decode`, a refused connection as `Transport`.
//! - Pagination: `limit` and `starting_after` (the last id of the previous page) on every
//!   page, items in order through `next`, `next_page` and `collect`, `collect`'s bound
//!   (nothing fetched past it), an empty page ending the list, a page that does not move on
//!   refused; `EventQuery`'s filters in the query string exactly.
//! - Backfill: events from several queries and pages, each once, oldest first, with
//!   `delivery_success=false` and `created[gte]` on every query; dispatched oldest first,
//!   duplicates on a second run, types the dispatcher does not take ignored.
//! - The secret key never shows: in no `Debug`, no error's `Display` or `Debug`, no log line
//!   (the retry warnings are captured), and not in a Stripe message that echoes it.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod logs;

use std::collections::HashSet;
use std::future::Ready;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use logs::Captured;
use serde_json::{json, Value};
use stripe_webhooks::api::{
    Action, ApiError, ApiKey, Backfill, Client, CreateEndpoint, EndpointSpec, EventQuery,
    RetryPolicy, StripeErrorType, UpdateEndpoint, WebhookEndpoint,
};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::testing::EventBuilder;
use stripe_webhooks::{Event, Webhook, API_VERSION};
use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

/// The key every client here is built with: distinctive, so a leak cannot hide.
const KEY: &str = "sk_test_SECRETKEY0123456789";
/// The part of the key after its kind (`sk_test_`, which `Debug` shows): it must show nowhere.
const SECRET_PART: &str = "SECRETKEY0123456789";
/// What the client writes in place of the key when it scrubs a message.
const REDACTED: &str = "sk_test_<redacted>";
/// The body of the endpoint the tests create.
const CREATE_BODY: &str = "url=https%3A%2F%2Fexample.com%2Fhook&enabled_events%5B0%5D=invoice.paid&enabled_events%5B1%5D=charge.failed";

// ---------------------------------------------------------------------------------------
// The stand-in
// ---------------------------------------------------------------------------------------

/// One request the stand-in received, read in full.
#[derive(Debug, Clone)]
struct Request {
    method: Method,
    path: String,
    /// The query as sent (still percent-encoded); "" without one.
    query: String,
    headers: HeaderMap,
    body: String,
}

impl Request {
    /// A header's value; `None` when it is missing.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap_or("<not text>"))
    }

    /// The query's pairs, decoded, in order.
    fn params(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The decoded value of the query parameter `name`.
    fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// What the stand-in answers to one request.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    /// `status` with this JSON.
    fn json(status: u16, body: &Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    /// `status` with this text.
    fn text(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.to_owned(),
        }
    }

    /// The same answer with one more header.
    fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Stripe's error answer: `{"error": {…}}`.
fn stripe_error(
    status: u16,
    error_type: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> Answer {
    let mut error = json!({ "type": error_type, "message": message });
    if let Some(code) = code {
        error["code"] = json!(code);
        error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{code}"));
    }
    if let Some(param) = param {
        error["param"] = json!(param);
    }
    Answer::json(status, &json!({ "error": error }))
}

/// The answer to a request the script did not expect: a 400 never retried, whose message
/// says what came, so the test fails saying it.
fn unexpected(request: &Request, why: &str) -> Answer {
    stripe_error(
        400,
        "invalid_request_error",
        Some("stand_in_unexpected"),
        None,
        &format!(
            "the stand-in did not expect {} {}?{} ({why})",
            request.method, request.path, request.query
        ),
    )
    .header("stripe-should-retry", "false")
}

/// A webhook endpoint as Stripe renders it.
fn endpoint_json(id: &str, secret: Option<&str>) -> Value {
    let mut endpoint = json!({
        "id": id,
        "object": "webhook_endpoint",
        "url": "https://example.com/hook",
        "enabled_events": ["invoice.paid", "charge.failed"],
        "api_version": null,
        "application": null,
        "description": null,
        "metadata": {},
        "status": "enabled",
        "livemode": false,
        "created": 1_700_000_000,
    });
    if let Some(secret) = secret {
        endpoint["secret"] = json!(secret);
    }
    endpoint
}

/// One page of a Stripe list.
fn list(url: &str, data: &[Value], has_more: bool) -> Answer {
    Answer::json(
        200,
        &json!({ "object": "list", "url": url, "has_more": has_more, "data": data }),
    )
}

/// Stripe's list semantics over `items` (newest first, as Stripe lists): the page after
/// `starting_after` (which must be an id of the list), `limit` items but at most `cap`.
fn list_page(url: &str, items: &[Value], request: &Request, cap: usize) -> Answer {
    let Some(limit) = request.param("limit").and_then(|l| l.parse::<usize>().ok()) else {
        return unexpected(request, "no limit");
    };
    let start = match request.param("starting_after") {
        None => 0,
        Some(after) => match items.iter().position(|item| item["id"] == after.as_str()) {
            Some(index) => index + 1,
            None => return unexpected(request, "starting_after is not an id of the list"),
        },
    };
    let end = (start + limit.min(cap)).min(items.len());
    list(url, &items[start..end], end < items.len())
}

type Script = dyn Fn(&Request, usize) -> Answer + Send + Sync;

struct Shared {
    script: Box<Script>,
    log: Mutex<Vec<Request>>,
}

/// A stand-in for Stripe's API on the loopback.
struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl StandIn {
    /// Answers each request as `script` says, given the request and how many came before it.
    async fn start(script: impl Fn(&Request, usize) -> Answer + Send + Sync + 'static) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            script: Box::new(script),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(take).with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        StandIn { addr, shared, task }
    }

    /// Answers the requests with `answers`, in order; a request beyond them is unexpected.
    async fn answering(answers: Vec<Answer>) -> StandIn {
        StandIn::start(move |request, index| {
            answers
                .get(index)
                .cloned()
                .unwrap_or_else(|| unexpected(request, "more requests than answers"))
        })
        .await
    }

    /// Answers every request the same.
    async fn always(answer: Answer) -> StandIn {
        StandIn::start(move |_, _| answer.clone()).await
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client of this stand-in with the test key and `retry`.
    fn client(&self, retry: RetryPolicy) -> Client {
        client_at(&self.url(), retry)
    }

    /// Every request so far, in the order they arrived.
    fn requests(&self) -> Vec<Request> {
        self.shared.log.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.shared.log.lock().unwrap().len()
    }

    /// The raw query of every request so far.
    fn queries(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.query).collect()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn take(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Request {
        method,
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or("").to_owned(),
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    };
    let index = {
        let mut log = shared.log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    let answer = (shared.script)(&request, index);
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap();
    for (name, value) in answer.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(&value).unwrap(),
        );
    }
    response
}

/// A server that accepts each connection, reads the request's head, and hangs up without an
/// answer: "no answer", countable.
struct Silent {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Silent {
    async fn start() -> Silent {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&heads);
        let task = tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                log.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                drop(socket);
            }
        });
        Silent { addr, heads, task }
    }

    /// The value of header `name` in each request head, in order.
    fn header(&self, name: &str) -> Vec<String> {
        self.heads
            .lock()
            .unwrap()
            .iter()
            .map(|head| {
                head.lines()
                    .find_map(|line| {
                        let (key, value) = line.split_once(':')?;
                        key.eq_ignore_ascii_case(name)
                            .then(|| value.trim().to_owned())
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address where nothing listens: bound to learn a free port, then let go.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Retries with waits of a few milliseconds: the tests count tries, not seconds.
fn fast(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial: Duration::from_millis(1),
        max: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(1),
    }
}

fn key() -> ApiKey {
    ApiKey::new(KEY).unwrap()
}

fn client_at(url: &str, retry: RetryPolicy) -> Client {
    Client::builder(key())
        .base_url(url)
        .retry(retry)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Checks that `error` shows the key in neither its `Display` nor its `Debug`.
#[track_caller]
fn keyless(error: ApiError) -> ApiError {
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        assert!(!text.contains(SECRET_PART), "the key leaked into: {text}");
    }
    error
}

/// The error of a call that must fail, checked for the key.
#[track_caller]
fn failed<T: std::fmt::Debug>(result: Result<T, ApiError>) -> ApiError {
    keyless(result.expect_err("the call should have failed"))
}

fn new_endpoint() -> CreateEndpoint {
    CreateEndpoint::new(
        "https://example.com/hook",
        ["invoice.paid", "charge.failed"],
    )
}

/// Checks the headers every call carries.
#[track_caller]
fn assert_common_headers(request: &Request, version: &str) {
    assert_eq!(
        request.header("stripe-version"),
        Some(version),
        "{request:?}"
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "{request:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 1. Retries, idempotency keys, pinned version
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_post_answered_429_then_500_then_200_is_one_call_tried_three_times() {
    let stand = StandIn::answering(vec![
        stripe_error(
            429,
            "invalid_request_error",
            Some("rate_limit"),
            None,
            "Too many requests",
        ),
        stripe_error(500, "api_error", None, None, "An unknown error occurred"),
        Answer::json(200, &endpoint_json("we_created", Some("whsec_created"))),
    ])
    .await;
    let client = stand.client(fast(2));
    assert_eq!(client.api_version(), API_VERSION);

    let created = client.create_endpoint(&new_endpoint()).await.unwrap();
    assert_eq!(created.id, "we_created");
    assert_eq!(
        created.secret().map(|secret| secret.expose_secret()),
        Some("whsec_created")
    );
    assert_eq!(created.enabled_events, ["invoice.paid", "charge.failed"]);

    let requests = stand.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let idempotency_key = requests[0].header("idempotency-key").unwrap().to_owned();
    let random = idempotency_key
        .strip_prefix("stripe-webhooks-")
        .unwrap_or_else(|| panic!("`{idempotency_key}` has not the crate's prefix"));
    assert!(!random.is_empty(), "{idempotency_key}");
    for request in &requests {
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.path, "/v1/webhook_endpoints");
        assert_eq!(request.query, "");
        assert_eq!(request.body, CREATE_BODY);
        assert_eq!(
            request.header("idempotency-key"),
            Some(idempotency_key.as_str())
        );
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_common_headers(request, API_VERSION);
    }
}

#[tokio::test]
async fn every_post_has_its_own_idempotency_key_and_reads_carry_none() {
    let stand =
        StandIn::start(
            |request, _| match (request.method.as_str(), request.path.as_str()) {
                ("POST", "/v1/webhook_endpoints") => {
                    Answer::json(200, &endpoint_json("we_1", Some("whsec_1")))
                }
                ("POST" | "GET", "/v1/webhook_endpoints/we_1") => {
                    Answer::json(200, &endpoint_json("we_1", None))
                }
                ("DELETE", "/v1/webhook_endpoints/we_1") => Answer::json(
                    200,
                    &json!({ "id": "we_1", "object": "webhook_endpoint", "deleted": true }),
                ),
                ("GET", "/v1/events/evt_1") => Answer::json(
                    200,
                    &EventBuilder::new("invoice.paid").id("evt_1").to_value(),
                ),
                _ => unexpected(request, "no such route"),
            },
        )
        .await;
    let client = stand.client(fast(2));

    client.create_endpoint(&new_endpoint()).await.unwrap();
    client.create_endpoint(&new_endpoint()).await.unwrap();
    let paused = client.pause_endpoint("we_1").await.unwrap();
    assert_eq!(paused.id, "we_1");
    assert!(paused.secret().is_none());
    let read = client.retrieve_endpoint("we_1").await.unwrap();
    assert_eq!(read.url, "https://example.com/hook");
    let deleted = client.delete_endpoint("we_1").await.unwrap();
    assert_eq!((deleted.id.as_str(), deleted.deleted), ("we_1", true));
    let event = client.retrieve_event("evt_1").await.unwrap();
    assert_eq!(event.event().id(), "evt_1");

    let requests = stand.requests();
    let shape: Vec<(&str, &str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.body.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            ("POST", "/v1/webhook_endpoints", CREATE_BODY),
            ("POST", "/v1/webhook_endpoints", CREATE_BODY),
            ("POST", "/v1/webhook_endpoints/we_1", "disabled=true"),
            ("GET", "/v1/webhook_endpoints/we_1", ""),
            ("DELETE", "/v1/webhook_endpoints/we_1", ""),
            ("GET", "/v1/events/evt_1", ""),
        ]
    );
    let keys: Vec<&str> = requests[..3]
        .iter()
        .map(|r| r.header("idempotency-key").unwrap())
        .collect();
    assert!(
        keys.iter().all(|k| k.starts_with("stripe-webhooks-")),
        "{keys:?}"
    );
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        3,
        "each POST its own key: {keys:?}"
    );
    for request in &requests[3..] {
        assert_eq!(request.header("idempotency-key"), None, "{request:?}");
        assert_eq!(request.header("content-type"), None, "{request:?}");
        assert_eq!(request.query, "");
    }
    for request in &requests {
        assert_common_headers(request, API_VERSION);
    }
}

#[tokio::test]
async fn the_pinned_api_version_is_sent_on_every_try_of_every_call() {
    let stand = StandIn::start(|request, index| match index {
        0 => stripe_error(503, "api_error", None, None, "Service unavailable"),
        1 => Answer::json(200, &endpoint_json("we_1", Some("whsec_1"))),
        2 => list(
            "/v1/webhook_endpoints",
            &[endpoint_json("we_1", None)],
            false,
        ),
        3 => Answer::json(200, &endpoint_json("we_1", None)),
        _ => unexpected(request, "four requests only"),
    })
    .await;
    let client = Client::builder(key())
        .base_url(stand.url())
        .api_version("2020-08-27")
        .retry(fast(2))
        .build()
        .unwrap();
    assert_eq!(client.api_version(), "2020-08-27");

    client.create_endpoint(&new_endpoint()).await.unwrap();
    let all = client.list_endpoints().collect(10).await.unwrap();
    assert_eq!(all.len(), 1);
    client.retrieve_endpoint("we_1").await.unwrap();

    let requests = stand.requests();
    assert_eq!(requests.len(), 4);
    for request in &requests {
        assert_common_headers(request, "2020-08-27");
    }
}

// ---------------------------------------------------------------------------------------
// 2. What is retried, and the errors
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn should_retry_false_stops_a_500_at_once() {
    let stand = StandIn::always(
        stripe_error(500, "api_error", None, None, "Do not retry this one")
            .header("stripe-should-retry", "false"),
    )
    .await;
    let error = failed(stand.client(fast(2)).create_endpoint(&new_endpoint()).await);
    assert_eq!(stand.count(), 1);
    let ApiError::Stripe { status, error } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 500);
    assert_eq!(error.error_type, StripeErrorType::ApiError);
    assert_eq!(error.message.as_deref(), Some("Do not retry this one"));
}

#[tokio::test]
async fn should_retry_true_retries_a_400_and_a_409_is_retried() {
    let stand = StandIn::answering(vec![
        stripe_error(
            400,
            "invalid_request_error",
            None,
            None,
            "A transient refusal",
        )
        .header("stripe-should-retry", "true"),
        Answer::json(200, &endpoint_json("we_1", None)),
        stripe_error(
            409,
            "idempotency_error",
            Some("lock_timeout"),
            None,
            "Another request holds the lock",
        ),
        Answer::json(200, &endpoint_json("we_2", None)),
    ])
    .await;
    let client = stand.client(fast(2));
    assert_eq!(client.retrieve_endpoint("we_1").await.unwrap().id, "we_1");
    assert_eq!(stand.count(), 2);
    assert_eq!(client.retrieve_endpoint("we_2").await.unwrap().id, "we_2");
    assert_eq!(stand.count(), 4);
}

#[tokio::test]
async fn other_4xx_are_not_retried_and_stripes_error_is_read_whole() {
    let stand = StandIn::start(|request, _| match request.path.as_str() {
        "/v1/webhook_endpoints" => stripe_error(
            400,
            "invalid_request_error",
            Some("url_invalid"),
            Some("url"),
            "Invalid URL: must be publicly accessible.",
        )
        .header("request-id", "req_400"),
        "/v1/webhook_endpoints/we_missing" => stripe_error(
            404,
            "invalid_request_error",
            Some("resource_missing"),
            Some("id"),
            "No such webhook endpoint: 'we_missing'",
        )
        .header("request-id", "req_404"),
        path => {
            // `/v1/webhook_endpoints/we_<status>`: that status, Stripe's body, no header.
            let status = path.trim_start_matches("/v1/webhook_endpoints/we_");
            stripe_error(
                status.parse().unwrap(),
                "invalid_request_error",
                None,
                None,
                "refused",
            )
        }
    })
    .await;
    let client = stand.client(fast(3));

    let error = failed(client.create_endpoint(&new_endpoint()).await);
    assert_eq!(stand.count(), 1);
    assert_eq!(error.status(), Some(400));
    let stripe = error.stripe().unwrap();
    assert_eq!(stripe.error_type, StripeErrorType::InvalidRequestError);
    assert_eq!(stripe.code.as_deref(), Some("url_invalid"));
    assert_eq!(stripe.param.as_deref(), Some("url"));
    assert_eq!(
        stripe.message.as_deref(),
        Some("Invalid URL: must be publicly accessible.")
    );
    assert_eq!(
        stripe.doc_url.as_deref(),
        Some("https://stripe.com/docs/error-codes/url_invalid")
    );
    assert_eq!(stripe.request_id.as_deref(), Some("req_400"));

    let error = failed(client.retrieve_endpoint("we_missing").await);
    assert_eq!(stand.count(), 2);
    let ApiError::Stripe { status, error } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 404);
    assert_eq!(error.error_type.as_str(), "invalid_request_error");
    assert_eq!(error.code.as_deref(), Some("resource_missing"));
    assert_eq!(error.param.as_deref(), Some("id"));
    assert_eq!(
        error.message.as_deref(),
        Some("No such webhook endpoint: 'we_missing'")
    );

    for status in [401u16, 402, 403, 404] {
        let before = stand.count();
        let error = failed(client.retrieve_endpoint(&format!("we_{status}")).await);
        assert_eq!(error.status(), Some(status));
        assert_eq!(stand.count(), before + 1, "{status} is not retried");
    }
}

#[tokio::test]
async fn a_request_id_header_is_read_exactly() {
    let answer = stripe_error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        Some("id"),
        "No such event: 'evt_gone'",
    );
    let stand = StandIn::always(answer.header("Request-Id", "req_9Xb2aQ")).await;
    let error = failed(stand.client(fast(2)).retrieve_event("evt_gone").await);
    assert_eq!(stand.count(), 1);
    let stripe = error.stripe().unwrap();
    assert_eq!(stripe.request_id.as_deref(), Some("req_9Xb2aQ"));
    assert_eq!(
        error.to_string(),
        "Stripe refused the request (HTTP 404): invalid_request_error resource_missing (param id): \
         No such event: 'evt_gone' [request req_9Xb2aQ]"
    );
}

#[tokio::test]
async fn exhausted_retries_return_the_last_error_after_max_retries_plus_one_tries() {
    let stand = StandIn::start(|_, index| {
        stripe_error(503, "api_error", None, None, &format!("try {}", index + 1))
    })
    .await;
    let error = failed(stand.client(fast(3)).retrieve_endpoint("we_1").await);
    assert_eq!(stand.count(), 4);
    assert_eq!(error.status(), Some(503));
    assert_eq!(
        error.stripe().unwrap().message.as_deref(),
        Some("try 4"),
        "the last error, not the first"
    );

    let error = failed(
        stand
            .client(RetryPolicy::none())
            .retrieve_endpoint("we_1")
            .await,
    );
    assert_eq!(stand.count(), 5, "no retry at all");
    assert_eq!(error.stripe().unwrap().message.as_deref(), Some("try 5"));
}

#[tokio::test]
async fn retry_after_is_honoured_and_one_beyond_the_cap_gives_up_at_once() {
    let too_many = || {
        stripe_error(
            429,
            "invalid_request_error",
            Some("rate_limit"),
            None,
            "slow down",
        )
    };

    // `Retry-After: 0` replaces a backoff of a minute: the retry comes at once.
    let stand = StandIn::answering(vec![
        too_many().header("retry-after", "0"),
        Answer::json(200, &endpoint_json("we_1", None)),
    ])
    .await;
    let patient = RetryPolicy {
        max_retries: 1,
        initial: Duration::from_secs(60),
        max: Duration::from_secs(60),
        max_retry_after: Duration::from_secs(60),
    };
    let started = Instant::now();
    stand
        .client(patient)
        .retrieve_endpoint("we_1")
        .await
        .unwrap();
    assert_eq!(stand.count(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the backoff (at least 30 s) was used, not Retry-After: 0"
    );

    // `Retry-After: 1` replaces a backoff of a millisecond: the retry waits a second.
    let stand = StandIn::answering(vec![
        too_many().header("retry-after", "1"),
        Answer::json(200, &endpoint_json("we_1", None)),
    ])
    .await;
    let started = Instant::now();
    stand
        .client(RetryPolicy {
            max_retry_after: Duration::from_secs(2),
            ..fast(1)
        })
        .retrieve_endpoint("we_1")
        .await
        .unwrap();
    assert_eq!(stand.count(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1));

    // Longer than `max_retry_after` (1 s): given up at once, with Stripe's error.
    let stand = StandIn::always(too_many().header("retry-after", "120")).await;
    let started = Instant::now();
    let error = failed(stand.client(fast(2)).retrieve_endpoint("we_1").await);
    assert_eq!(stand.count(), 1);
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.stripe().unwrap().code.as_deref(), Some("rate_limit"));
    assert!(started.elapsed() < Duration::from_secs(20));

    // A `Retry-After` date is not seconds: the backoff applies.
    let stand = StandIn::answering(vec![
        too_many().header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
        Answer::json(200, &endpoint_json("we_1", None)),
    ])
    .await;
    stand
        .client(fast(1))
        .retrieve_endpoint("we_1")
        .await
        .unwrap();
    assert_eq!(stand.count(), 2);
}

#[tokio::test]
async fn a_502_that_is_not_json_is_a_decode_error_after_the_retries() {
    let stand = StandIn::always(
        Answer::text(502, "<html><body>502 Bad Gateway</body></html>")
            .header("request-id", "req_gateway"),
    )
    .await;
    let error = failed(stand.client(fast(2)).retrieve_endpoint("we_1").await);
    assert_eq!(stand.count(), 3);
    let ApiError::Decode {
        call,
        status,
        request_id,
        reason,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(call, "GET /v1/webhook_endpoints/we_1");
    assert_eq!(*status, 502);
    assert_eq!(request_id.as_deref(), Some("req_gateway"));
    assert_eq!(
        reason,
        "not Stripe's error shape: <html><body>502 Bad Gateway</body></html>"
    );

    // A 2xx that is not the object asked for: a decode error too, not retried.
    let stand = StandIn::always(Answer::json(200, &json!({ "id": 7 }))).await;
    let error = failed(stand.client(fast(2)).retrieve_endpoint("we_1").await);
    assert_eq!(stand.count(), 1);
    assert!(
        matches!(&error, ApiError::Decode { status: 200, call, .. } if call == "GET /v1/webhook_endpoints/we_1"),
        "{error:?}"
    );
}

#[tokio::test]
async fn no_answer_is_retried_with_the_same_idempotency_key() {
    let silent = Silent::start().await;
    let client = client_at(&format!("http://{}", silent.addr), fast(2));
    let error = failed(client.create_endpoint(&new_endpoint()).await);
    assert!(matches!(error, ApiError::Transport(_)), "{error:?}");
    let keys = silent.header("idempotency-key");
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys[0].starts_with("stripe-webhooks-"), "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_after_the_retries() {
    let (log, _guard) = Captured::install();
    let client = client_at(&format!("http://{}", closed_port()), fast(2));
    Captured::refresh_interest();
    let error = failed(client.retrieve_endpoint("we_1").await);
    let ApiError::Transport(message) = &error else {
        panic!("{error:?}")
    };
    assert!(message.starts_with("could not connect"), "{message}");
    assert_eq!(error.status(), None);
    let log = log.text();
    assert_eq!(
        log.matches("retrying a Stripe API call").count(),
        2,
        "two retries after the first try:\n{log}"
    );
}

// ---------------------------------------------------------------------------------------
// 3. Pagination
// ---------------------------------------------------------------------------------------

/// The account's five endpoints in three pages, as Stripe pages them; any other request is
/// unexpected.
async fn five_endpoints() -> StandIn {
    StandIn::start(|request, _| {
        if request.method != Method::GET || request.path != "/v1/webhook_endpoints" {
            return unexpected(request, "not the endpoint list");
        }
        if request.param("limit").as_deref() != Some("100") {
            return unexpected(request, "limit is not 100");
        }
        let page = |ids: &[&str], more| {
            let data: Vec<Value> = ids.iter().map(|id| endpoint_json(id, None)).collect();
            list("/v1/webhook_endpoints", &data, more)
        };
        match request.param("starting_after").as_deref() {
            None => page(&["we_1", "we_2"], true),
            Some("we_2") => page(&["we_3", "we_4"], true),
            Some("we_4") => page(&["we_5"], false),
            Some(_) => unexpected(request, "not the last id of a page"),
        }
    })
    .await
}

const FIVE_ENDPOINTS_QUERIES: [&str; 3] = [
    "limit=100",
    "limit=100&starting_after=we_2",
    "limit=100&starting_after=we_4",
];

fn ids(endpoints: &[WebhookEndpoint]) -> Vec<&str> {
    endpoints.iter().map(|e| e.id.as_str()).collect()
}

#[tokio::test]
async fn next_reads_every_page_in_order_and_stops() {
    let stand = five_endpoints().await;
    let client = stand.client(fast(0));
    let mut pages = client.list_endpoints();
    let mut seen = Vec::new();
    while let Some(endpoint) = pages.next().await.unwrap() {
        seen.push(endpoint.id);
    }
    assert_eq!(seen, ["we_1", "we_2", "we_3", "we_4", "we_5"]);
    assert!(pages.next().await.unwrap().is_none());
    assert!(pages.next_page().await.unwrap().is_none());
    assert_eq!(stand.queries(), FIVE_ENDPOINTS_QUERIES);
}

#[tokio::test]
async fn next_page_reads_page_by_page_and_the_rest_of_a_started_one() {
    let stand = five_endpoints().await;
    let client = stand.client(fast(0));

    let mut pages = client.list_endpoints();
    let mut seen = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        seen.push(ids(&page).join(","));
    }
    assert_eq!(seen, ["we_1,we_2", "we_3,we_4", "we_5"]);
    assert_eq!(stand.queries(), FIVE_ENDPOINTS_QUERIES);

    let mut pages = client.list_endpoints();
    assert_eq!(pages.next().await.unwrap().unwrap().id, "we_1");
    assert_eq!(ids(&pages.next_page().await.unwrap().unwrap()), ["we_2"]);
    assert_eq!(
        ids(&pages.next_page().await.unwrap().unwrap()),
        ["we_3", "we_4"]
    );
    assert_eq!(pages.next().await.unwrap().unwrap().id, "we_5");
    assert!(pages.next().await.unwrap().is_none());
    assert_eq!(stand.count(), 6);
}

#[tokio::test]
async fn collect_reads_up_to_its_bound_and_fetches_nothing_past_it() {
    let stand = five_endpoints().await;
    let client = stand.client(fast(0));

    let all = client.list_endpoints().collect(5).await.unwrap();
    assert_eq!(ids(&all), ["we_1", "we_2", "we_3", "we_4", "we_5"]);
    assert_eq!(stand.queries(), FIVE_ENDPOINTS_QUERIES);

    let error = failed(client.list_endpoints().collect(3).await);
    let ApiError::TooMany { what, max } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*what, *max), ("webhook_endpoints", 3));
    assert_eq!(
        error.to_string(),
        "more than 3 webhook_endpoints: narrow the query, or raise the bound"
    );
    assert_eq!(
        stand.queries()[3..],
        FIVE_ENDPOINTS_QUERIES[..2],
        "the third page is not fetched once the bound is passed"
    );
}

#[tokio::test]
async fn an_empty_page_that_says_has_more_ends_the_list() {
    let stand = StandIn::start(
        |request, _| match request.param("starting_after").as_deref() {
            None => list(
                "/v1/webhook_endpoints",
                &[endpoint_json("we_1", None)],
                true,
            ),
            Some("we_1") => list("/v1/webhook_endpoints", &[], true),
            Some(_) => unexpected(request, "past the end"),
        },
    )
    .await;
    let client = stand.client(fast(0));
    let mut pages = client.list_endpoints();
    assert_eq!(pages.next().await.unwrap().unwrap().id, "we_1");
    assert!(pages.next().await.unwrap().is_none());
    assert!(pages.next().await.unwrap().is_none());
    assert!(pages.next_page().await.unwrap().is_none());
    assert_eq!(
        stand.queries(),
        ["limit=100", "limit=100&starting_after=we_1"]
    );

    let all = client.list_endpoints().collect(10).await.unwrap();
    assert_eq!(ids(&all), ["we_1"]);
    assert_eq!(stand.count(), 4);
}

#[tokio::test]
async fn a_page_that_does_not_move_past_the_cursor_is_a_decode_error() {
    let stand = StandIn::start(|request, _| {
        let page = |ids: &[&str]| {
            let data: Vec<Value> = ids.iter().map(|id| endpoint_json(id, None)).collect();
            list("/v1/webhook_endpoints", &data, true)
        };
        match request.param("starting_after").as_deref() {
            None => page(&["we_1", "we_2"]),
            Some("we_2") => page(&["we_2"]),
            Some(_) => unexpected(request, "past the repeated page"),
        }
    })
    .await;
    let client = stand.client(fast(2));
    let mut pages = client.list_endpoints();
    assert_eq!(
        ids(&pages.next_page().await.unwrap().unwrap()),
        ["we_1", "we_2"]
    );
    let error = failed(pages.next_page().await);
    let ApiError::Decode {
        call,
        status,
        request_id,
        reason,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(call, "GET /v1/webhook_endpoints");
    assert_eq!(*status, 200);
    assert_eq!(*request_id, None);
    assert_eq!(reason, "the page after `we_2` ends with `we_2` again");
    assert_eq!(stand.count(), 2, "not retried, not asked again");

    // `collect` stops on it too, instead of looping.
    let error = failed(client.list_endpoints().collect(1000).await);
    assert!(matches!(error, ApiError::Decode { .. }), "{error:?}");
    assert_eq!(stand.count(), 4);
}

#[tokio::test]
async fn list_events_pages_with_its_filters_in_the_query_exactly() {
    let events: Vec<Value> = (1..=5)
        .rev()
        .map(|n| {
            let event_type = if n % 2 == 0 {
                "charge.failed"
            } else {
                "invoice.paid"
            };
            EventBuilder::new(event_type)
                .id(&format!("evt_{n}"))
                .created(1_700_000_000 + n)
                .to_value()
        })
        .collect();
    let served = events.clone();
    let stand = StandIn::start(move |request, _| {
        if request.path != "/v1/events" {
            return unexpected(request, "not the event list");
        }
        list_page("/v1/events", &served, request, 100)
    })
    .await;
    let client = stand.client(fast(0));
    let since = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let until = time::OffsetDateTime::from_unix_timestamp(1_700_086_400).unwrap();
    let query = EventQuery::new()
        .types(["invoice.paid", "charge.failed"])
        .unwrap()
        .created_since(since)
        .created_until(until)
        .delivery_success(false)
        .page_size(2);

    let mut pages = client.list_events(&query);
    let mut fetched = Vec::new();
    while let Some(event) = pages.next().await.unwrap() {
        fetched.push(event);
    }
    let fetched_ids: Vec<&str> = fetched.iter().map(|f| f.event().id()).collect();
    assert_eq!(fetched_ids, ["evt_5", "evt_4", "evt_3", "evt_2", "evt_1"]);
    for (fetched, served) in fetched.iter().zip(&events) {
        assert_eq!(fetched.body(), serde_json::to_vec(served).unwrap());
        assert_eq!(
            fetched.event().event_type().as_str(),
            served["type"].as_str().unwrap()
        );
    }
    let filters = "types%5B0%5D=invoice.paid&types%5B1%5D=charge.failed\
                   &created%5Bgte%5D=1700000000&created%5Blte%5D=1700086400\
                   &delivery_success=false&limit=2";
    assert_eq!(
        stand.queries(),
        [
            filters.to_owned(),
            format!("{filters}&starting_after=evt_4"),
            format!("{filters}&starting_after=evt_2"),
        ]
    );

    // One wildcard goes in `type`; no filter at all sends only the limit.
    let wildcard = EventQuery::new()
        .types(["invoice.*"])
        .unwrap()
        .delivery_success(true);
    client.list_events(&wildcard).collect(10).await.unwrap();
    client
        .list_events(&EventQuery::new())
        .collect(10)
        .await
        .unwrap();
    assert_eq!(
        stand.queries()[3..],
        [
            "type=invoice.*&delivery_success=true&limit=100",
            "limit=100"
        ]
    );
    let decoded = &stand.requests()[3];
    assert_eq!(decoded.param("type").as_deref(), Some("invoice.*"));
}

// ---------------------------------------------------------------------------------------
// 4. Backfill
// ---------------------------------------------------------------------------------------

const ONE_DAY: Duration = Duration::from_secs(24 * 3600);

/// Five invoice events of the last hours, oldest (`evt_a`) to newest (`evt_e`), with their
/// types.
fn five_invoice_events(now: i64) -> Vec<Value> {
    [
        ("evt_a", "invoice.payment_failed", 5000),
        ("evt_b", "invoice.finalized", 4000),
        ("evt_c", "invoice.payment_failed", 3000),
        ("evt_d", "invoice.paid", 2000),
        ("evt_e", "invoice.payment_failed", 1000),
    ]
    .iter()
    .map(|(id, event_type, ago)| {
        EventBuilder::new(event_type)
            .id(id)
            .created(now - ago)
            .to_value()
    })
    .collect()
}

/// Stripe's Events list over `events`, newest first, pages of at most `cap`, each query
/// narrowed by its `type` or `types[n]` as Stripe does; a backfill's query must say
/// `delivery_success=false` (when `failed`), `created[gte]`, and `limit=100`.
async fn events_api(events: Vec<Value>, cap: usize, failed: bool) -> StandIn {
    StandIn::start(move |request, _| {
        if request.method != Method::GET || request.path != "/v1/events" {
            return unexpected(request, "not the event list");
        }
        if request.param("limit").as_deref() != Some("100") {
            return unexpected(request, "limit is not 100");
        }
        if request.param("created[gte]").is_none() {
            return unexpected(request, "no created[gte]");
        }
        let expected = failed.then(|| "false".to_owned());
        if request.param("delivery_success") != expected {
            return unexpected(request, "delivery_success");
        }
        let params = request.params();
        let single = request.param("type");
        let many: Vec<&str> = params
            .iter()
            .filter(|(name, _)| name.starts_with("types["))
            .map(|(_, value)| value.as_str())
            .collect();
        let mut selected: Vec<Value> = events
            .iter()
            .filter(|event| {
                let event_type = event["type"].as_str().unwrap();
                let by_single =
                    single
                        .as_deref()
                        .is_none_or(|wanted| match wanted.strip_suffix('*') {
                            Some(prefix) => event_type.starts_with(prefix),
                            None => event_type == wanted,
                        });
                by_single && (many.is_empty() || many.contains(&event_type))
            })
            .cloned()
            .collect();
        selected.sort_by_key(|event| std::cmp::Reverse(event["created"].as_i64().unwrap()));
        list_page("/v1/events", &selected, request, cap)
    })
    .await
}

/// The `created[gte]` of every request, checked to be the same and about `now - window`.
#[track_caller]
fn assert_created_gte(stand: &StandIn, now: i64, window: Duration) -> i64 {
    let values: HashSet<String> = stand
        .requests()
        .iter()
        .map(|r| r.param("created[gte]").unwrap())
        .collect();
    assert_eq!(values.len(), 1, "one `since` for every query: {values:?}");
    let gte: i64 = values.into_iter().next().unwrap().parse().unwrap();
    let expected = now - i64::try_from(window.as_secs()).unwrap();
    assert!(
        (gte - expected).abs() <= 5,
        "created[gte]={gte}, expected about {expected}"
    );
    gte
}

#[tokio::test]
async fn backfill_events_are_each_once_oldest_first_across_queries_and_pages() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let events = five_invoice_events(now);
    let stand = events_api(events.clone(), 3, true).await;
    let client = stand.client(fast(0));
    let backfill = Backfill::failed_since(ONE_DAY)
        .unwrap()
        .types(["invoice.*", "invoice.payment_failed"]);

    let fetched = client.backfill_events(&backfill).await.unwrap();
    let fetched_ids: Vec<&str> = fetched.iter().map(|f| f.event().id()).collect();
    assert_eq!(fetched_ids, ["evt_a", "evt_b", "evt_c", "evt_d", "evt_e"]);
    for (fetched, served) in fetched.iter().zip(&events) {
        assert_eq!(fetched.body(), serde_json::to_vec(served).unwrap());
    }

    let gte = assert_created_gte(&stand, now, ONE_DAY);
    let wildcard =
        format!("type=invoice.*&created%5Bgte%5D={gte}&delivery_success=false&limit=100");
    let exact = format!(
        "type=invoice.payment_failed&created%5Bgte%5D={gte}&delivery_success=false&limit=100"
    );
    assert_eq!(
        stand.queries(),
        [
            wildcard.clone(),
            format!("{wildcard}&starting_after=evt_c"),
            exact,
        ],
        "two queries: the wildcard alone (two pages), then the exact type (one page)"
    );
}

#[tokio::test]
async fn a_backfill_of_every_event_sends_one_query_without_filters() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stand = events_api(five_invoice_events(now), 2, false).await;
    let client = stand.client(fast(0));
    let window = Duration::from_secs(3600 * 2);
    let fetched = client
        .backfill_events(&Backfill::since(window).unwrap())
        .await
        .unwrap();
    assert_eq!(fetched.len(), 5);
    let gte = assert_created_gte(&stand, now, window);
    let query = format!("created%5Bgte%5D={gte}&limit=100");
    assert_eq!(
        stand.queries(),
        [
            query.clone(),
            format!("{query}&starting_after=evt_d"),
            format!("{query}&starting_after=evt_b"),
        ]
    );
}

#[tokio::test]
async fn backfill_max_events_is_a_bound_on_the_events() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stand = events_api(five_invoice_events(now), 3, true).await;
    let client = stand.client(fast(0));
    let backfill = Backfill::failed_since(ONE_DAY)
        .unwrap()
        .types(["invoice.*"]);

    let error = failed(
        client
            .backfill_events(&backfill.clone().max_events(4))
            .await,
    );
    let ApiError::TooMany { what, max } = error else {
        panic!("{error:?}")
    };
    assert_eq!((what, max), ("events", 4));
    let fetched = client
        .backfill_events(&backfill.max_events(5))
        .await
        .unwrap();
    assert_eq!(fetched.len(), 5);
}

/// The bound counts distinct events: overlapping queries (a wildcard and an exact type it
/// also covers) with 5 distinct events fit in `max_events(6)`, although 8 were listed.
#[tokio::test]
async fn backfill_max_events_counts_each_event_once_when_queries_overlap() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stand = events_api(five_invoice_events(now), 3, true).await;
    let client = stand.client(fast(0));
    let backfill = Backfill::failed_since(ONE_DAY)
        .unwrap()
        .types(["invoice.*", "invoice.payment_failed"])
        .max_events(6);
    let fetched = client
        .backfill_events(&backfill)
        .await
        .map_err(keyless)
        .unwrap();
    assert_eq!(fetched.len(), 5);
}

type Recording = Arc<Mutex<Vec<String>>>;

/// A handler that records the id of each event it handles.
fn recording() -> (
    Recording,
    impl Fn(Event) -> Ready<Result<(), HandlerError>> + Send + Sync,
) {
    let handled = Recording::default();
    let log = Arc::clone(&handled);
    let handler = move |event: Event| {
        log.lock().unwrap().push(event.id().to_owned());
        std::future::ready(Ok(()))
    };
    (handled, handler)
}

#[tokio::test]
async fn backfill_dispatches_oldest_first_and_a_second_run_only_finds_duplicates() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stand = events_api(five_invoice_events(now), 3, true).await;
    let client = stand.client(fast(0));
    let (handled, handler) = recording();
    let dispatcher =
        Dispatcher::new(Webhook::new("whsec_x"), handler).enabled_events(["invoice.*"]);
    // No types: the dispatcher's.
    let backfill = Backfill::failed_since(ONE_DAY).unwrap();

    let report = client.backfill(&backfill, &dispatcher).await.unwrap();
    let all = ["evt_a", "evt_b", "evt_c", "evt_d", "evt_e"];
    let outcome_ids: Vec<&str> = report
        .outcomes
        .iter()
        .map(|o| o.event_id().unwrap())
        .collect();
    assert_eq!(outcome_ids, all);
    assert!(report
        .outcomes
        .iter()
        .all(|o| o.kind() == OutcomeKind::Handled));
    assert_eq!(report.fetched(), 5);
    assert_eq!(report.count(OutcomeKind::Handled), 5);
    assert_eq!(*handled.lock().unwrap(), all);

    let again = client.backfill(&backfill, &dispatcher).await.unwrap();
    let kinds: Vec<OutcomeKind> = again.outcomes.iter().map(|o| o.kind()).collect();
    assert_eq!(kinds, [OutcomeKind::Duplicate; 5]);
    assert_eq!(again.count(OutcomeKind::Duplicate), 5);
    assert_eq!(
        *handled.lock().unwrap(),
        all,
        "the handler did not run again"
    );

    let gte = assert_created_gte(&stand, now, ONE_DAY);
    let query = format!("type=invoice.*&created%5Bgte%5D={gte}&delivery_success=false&limit=100");
    let one_run = [query.clone(), format!("{query}&starting_after=evt_c")];
    assert_eq!(stand.queries(), [one_run.clone(), one_run].concat());
}

#[tokio::test]
async fn backfilled_events_the_dispatcher_does_not_take_are_ignored() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let stand = events_api(five_invoice_events(now), 3, true).await;
    let client = stand.client(fast(0));
    let (handled, handler) = recording();
    let dispatcher = Dispatcher::new(Webhook::new("whsec_x"), handler)
        .enabled_events(["invoice.payment_failed", "invoice.paid"]);
    let backfill = Backfill::failed_since(ONE_DAY)
        .unwrap()
        .types(["invoice.*"]);

    let report = client.backfill(&backfill, &dispatcher).await.unwrap();
    let outcomes: Vec<(&str, OutcomeKind)> = report
        .outcomes
        .iter()
        .map(|o| (o.event_id().unwrap(), o.kind()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("evt_a", OutcomeKind::Handled),
            ("evt_b", OutcomeKind::Ignored),
            ("evt_c", OutcomeKind::Handled),
            ("evt_d", OutcomeKind::Handled),
            ("evt_e", OutcomeKind::Handled),
        ]
    );
    assert_eq!(
        *handled.lock().unwrap(),
        ["evt_a", "evt_c", "evt_d", "evt_e"]
    );

    let again = client.backfill(&backfill, &dispatcher).await.unwrap();
    assert_eq!(again.count(OutcomeKind::Duplicate), 4);
    assert_eq!(again.count(OutcomeKind::Ignored), 1);
    assert_eq!(handled.lock().unwrap().len(), 4);

    // The default dispatcher takes every event: one query, no type.
    let (_, handler) = recording();
    let everything = Dispatcher::new(Webhook::new("whsec_x"), handler);
    let before = stand.count();
    let report = client
        .backfill(&Backfill::failed_since(ONE_DAY).unwrap(), &everything)
        .await
        .unwrap();
    assert_eq!(report.count(OutcomeKind::Handled), 5);
    assert!(stand.requests()[before..]
        .iter()
        .all(|r| r.param("type").is_none() && !r.query.contains("types")));
}

// ---------------------------------------------------------------------------------------
// 5. The key shows nowhere
// ---------------------------------------------------------------------------------------

#[test]
fn the_key_shows_in_no_debug() {
    let key = key();
    assert_eq!(format!("{key:?}"), "ApiKey(sk_test_<redacted>)");
    let builder = Client::builder(key.clone()).base_url("http://127.0.0.1:1");
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let pages = client.list_endpoints();
    for text in [
        format!("{key:?}"),
        format!("{key:#?}"),
        builder_debug,
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{pages:?}"),
    ] {
        assert!(!text.contains(SECRET_PART), "the key leaked into: {text}");
    }
    assert!(format!("{client:?}").contains(REDACTED));
}

/// A server that echoes the `Authorization` header in Stripe's error message, as stripe-mock
/// does for a key it refuses, and in a gateway's HTML.
async fn echoing() -> StandIn {
    StandIn::start(|request, _| {
        let authorization = request.header("authorization").unwrap_or("").to_owned();
        match request.path.as_str() {
            "/v1/webhook_endpoints/we_gateway" => {
                Answer::text(502, &format!("<p>upstream refused {authorization}</p>"))
            }
            _ => stripe_error(
                401,
                "invalid_request_error",
                None,
                None,
                &format!("Invalid API Key provided: {authorization}"),
            ),
        }
    })
    .await
}

#[tokio::test]
async fn a_key_echoed_in_an_answer_is_scrubbed_from_the_error() {
    let stand = echoing().await;
    let client = stand.client(fast(2));

    let error = failed(client.retrieve_endpoint("we_1").await);
    assert_eq!(stand.count(), 1, "a 401 is not retried");
    assert_eq!(
        stand.requests()[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "the stand-in did see the key"
    );
    assert_eq!(error.status(), Some(401));
    assert_eq!(
        error.stripe().unwrap().message.as_deref(),
        Some("Invalid API Key provided: Bearer sk_test_<redacted>")
    );

    let error = failed(client.retrieve_endpoint("we_gateway").await);
    let ApiError::Decode { reason, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        reason,
        "not Stripe's error shape: <p>upstream refused Bearer sk_test_<redacted></p>"
    );
}

#[tokio::test]
async fn no_error_of_any_kind_holds_the_key() {
    let mut errors = Vec::new();

    let stand = echoing().await;
    let client = stand.client(fast(1));
    errors.push(failed(client.retrieve_endpoint("we_1").await));
    errors.push(failed(client.retrieve_endpoint("we_gateway").await));
    errors.push(failed(client.list_endpoints().collect(10).await));
    errors.push(failed(
        client
            .backfill_events(&Backfill::failed_since(ONE_DAY).unwrap())
            .await,
    ));

    let stand = five_endpoints().await;
    let client = stand.client(fast(1));
    errors.push(failed(client.list_endpoints().collect(1).await));
    errors.push(failed(
        client.retrieve_endpoint("we_1/../../v1/charges").await,
    ));
    errors.push(failed(
        client.update_endpoint("we_1", &UpdateEndpoint::new()).await,
    ));
    let twins: Vec<WebhookEndpoint> = ["we_1", "we_2"]
        .iter()
        .map(|id| serde_json::from_value(endpoint_json(id, None)).unwrap())
        .collect();
    let plan = EndpointSpec::new("https://example.com/hook", ["invoice.paid"])
        .plan(&twins)
        .unwrap();
    assert!(matches!(plan.action(), Action::Conflict { .. }));
    errors.push(failed(client.apply(&plan).await));

    let refused = client_at(&format!("http://{}", closed_port()), fast(1));
    errors.push(failed(refused.retrieve_endpoint("we_1").await));

    errors.push(failed(ApiKey::new(format!("{KEY} "))));
    errors.push(failed(ApiKey::new(KEY.replace("sk_", "pk_"))));
    errors.push(failed(ApiKey::new(KEY.replace("sk_test_", "sk_tset_"))));
    errors.push(failed(
        Client::builder(key()).base_url("ftp://127.0.0.1/").build(),
    ));
    errors.push(failed(
        Client::builder(key()).api_version("2020-08-27\n").build(),
    ));
    errors.push(failed(Backfill::since(Duration::ZERO)));

    // Every kind is there (`failed` checked each for the key).
    let kinds: HashSet<&str> = errors
        .iter()
        .map(|error| match error {
            ApiError::Stripe { .. } => "stripe",
            ApiError::Transport(_) => "transport",
            ApiError::Decode { .. } => "decode",
            ApiError::InvalidKey(_) => "invalid_key",
            ApiError::Config(_) => "config",
            ApiError::InvalidArgument(_) => "invalid_argument",
            ApiError::TooMany { .. } => "too_many",
            ApiError::Conflict(_) => "conflict",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        HashSet::from([
            "stripe",
            "transport",
            "decode",
            "invalid_key",
            "config",
            "invalid_argument",
            "too_many",
            "conflict",
        ])
    );
    let stripe_messages: Vec<String> = errors
        .iter()
        .filter_map(|e| e.stripe()?.message.clone())
        .collect();
    assert!(
        stripe_messages.iter().all(|m| m.contains(REDACTED)),
        "{stripe_messages:?}"
    );
}

#[tokio::test] // current-thread: the subscriber set here sees every event of the test
async fn retries_are_logged_and_the_key_is_not() {
    let (log, _guard) = Captured::install();

    let stand = StandIn::start(|request, index| {
        let authorization = request.header("authorization").unwrap_or("").to_owned();
        match index {
            0 => stripe_error(
                500,
                "api_error",
                None,
                None,
                &format!("boom for {authorization}"),
            ),
            1 => Answer::text(503, &format!("<p>busy, {authorization}</p>")),
            _ => Answer::json(200, &endpoint_json("we_1", None)),
        }
    })
    .await;
    let client = stand.client(fast(2));
    Captured::refresh_interest();
    client.create_endpoint(&new_endpoint()).await.unwrap();
    assert_eq!(stand.count(), 3);
    let refused = client_at(&format!("http://{}", closed_port()), fast(1));
    failed(refused.list_endpoints().next().await);

    let log = log.text();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("retrying a Stripe API call"))
        .collect();
    assert_eq!(warnings.len(), 3, "{log}");
    assert!(warnings.iter().all(|line| line.contains("WARN")), "{log}");
    assert!(warnings[0].contains("method=POST"), "{log}");
    assert!(
        warnings[0].contains("path=\"/v1/webhook_endpoints\""),
        "{log}"
    );
    assert!(warnings[0].contains("retry=1"), "{log}");
    assert!(warnings[0].contains("HTTP 500"), "{log}");
    assert!(warnings[0].contains(REDACTED), "{log}");
    assert!(warnings[1].contains("retry=2"), "{log}");
    assert!(warnings[1].contains("HTTP 503"), "{log}");
    assert!(warnings[2].contains("method=GET"), "{log}");
    assert!(warnings[2].contains("could not connect"), "{log}");
    assert!(
        !log.contains(SECRET_PART),
        "the key leaked into the log:\n{log}"
    );
}
