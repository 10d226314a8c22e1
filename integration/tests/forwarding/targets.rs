//! Loopback HTTP targets for the forwarding tests: real axum servers on 127.0.0.1 that read
//! every request in full, record it (headers, body, what they answered) and answer as their
//! test tells them: a status, a redirect, or no answer at all. A target can be reserved
//! (its port learned, nothing listening: connections are refused) and brought up later on
//! the same port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::task::JoinHandle;

/// How long the tests wait for anything before they fail: a deadline against hangs, not a
/// measure of speed.
pub(crate) const DEADLINE: Duration = Duration::from_secs(90);

/// What a target answers to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// This status, with this body.
    Status(u16, String),
    /// A redirect with this status to this location.
    Redirect(u16, String),
    /// No answer for a minute (longer than any test's send timeout).
    Hang,
}

/// One request a target received, read in full.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// What the target answered.
    pub(crate) reply: Reply,
}

impl Received {
    /// A header's value as text; "" when it is missing.
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |value| value.to_str().unwrap_or("<not text>"))
    }

    /// The `stripe-webhooks-event-id` header.
    pub(crate) fn event_id(&self) -> &str {
        self.header(stripe_webhooks::forward::headers::EVENT_ID)
    }

    /// The `stripe-webhooks-attempt` header, as a number.
    pub(crate) fn attempt(&self) -> u32 {
        let attempt = self.header(stripe_webhooks::forward::headers::ATTEMPT);
        attempt
            .parse()
            .unwrap_or_else(|_| panic!("stripe-webhooks-attempt `{attempt}` is not a number"))
    }

    /// Whether the target took it (a 2xx answer).
    pub(crate) fn accepted(&self) -> bool {
        matches!(self.reply, Reply::Status(code, _) if (200..300).contains(&code))
    }
}

type Behaviour = dyn Fn(&Received) -> Reply + Send + Sync;

struct Shared {
    behaviour: Box<Behaviour>,
    log: Mutex<Vec<Received>>,
}

/// A loopback target.
pub(crate) struct TargetServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl TargetServer {
    /// A target that is up, answering each request as `behaviour` says.
    pub(crate) async fn start(
        behaviour: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> TargetServer {
        let server = TargetServer::reserve(behaviour);
        server.up().await;
        server
    }

    /// A target that always answers `204 No Content`.
    pub(crate) async fn accepting() -> TargetServer {
        TargetServer::start(|_| Reply::Status(204, String::new())).await
    }

    /// A target whose port is known but where nothing listens yet (connections are refused):
    /// [`up`](TargetServer::up) brings it up on that port.
    pub(crate) fn reserve(
        behaviour: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> TargetServer {
        let addr = closed_port();
        TargetServer {
            addr,
            shared: Arc::new(Shared {
                behaviour: Box::new(behaviour),
                log: Mutex::new(Vec::new()),
            }),
            task: Mutex::new(None),
        }
    }

    /// Starts listening on the target's port, and serving.
    pub(crate) async fn up(&self) {
        let started = Instant::now();
        // The port was free a moment ago; binding it again can race with the kernel only
        // briefly (and never with a listener: nothing accepted a connection on it).
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(error) if started.elapsed() < Duration::from_secs(10) => {
                    eprintln!("binding {} again: {error}; retrying", self.addr);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("could not bind {} again: {error}", self.addr),
            }
        };
        let app = Router::new()
            .fallback(take)
            .with_state(Arc::clone(&self.shared));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let old = self.task.lock().unwrap().replace(task);
        assert!(old.is_none(), "the target {} was up already", self.addr);
    }

    /// The URL to POST to (`/hook/<path>`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}/hook/{path}", self.addr)
    }

    /// Every request so far, in the order they arrived.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().clone()
    }

    /// How many requests so far.
    pub(crate) fn count(&self) -> usize {
        self.shared.log.lock().unwrap().len()
    }

    /// Waits until `done` holds of the requests so far; fails, saying `what`, after
    /// [`DEADLINE`].
    pub(crate) async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) {
        eventually(what, || done(&self.shared.log.lock().unwrap())).await;
    }
}

impl Drop for TargetServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }
}

async fn take(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut received = Received {
        method,
        path: uri.path().to_owned(),
        headers,
        body: body.to_vec(),
        reply: Reply::Hang,
    };
    let reply = (shared.behaviour)(&received);
    received.reply = reply.clone();
    shared.log.lock().unwrap().push(received);
    match reply {
        Reply::Status(code, text) => (StatusCode::from_u16(code).unwrap(), text).into_response(),
        Reply::Redirect(code, location) => (
            StatusCode::from_u16(code).unwrap(),
            [(axum::http::header::LOCATION, location)],
        )
            .into_response(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

/// A loopback address where nothing listens: bound to learn a free port, then let go.
pub(crate) fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Polls `done` until it holds; fails, saying `what`, after [`DEADLINE`].
pub(crate) async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < DEADLINE,
            "gave up after {DEADLINE:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls the async `check` until it holds; fails, saying `what`, after [`DEADLINE`].
pub(crate) async fn eventually_async<F: Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < DEADLINE,
            "gave up after {DEADLINE:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
