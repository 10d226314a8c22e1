//! Forwarding throughput: events per second from stored to delivered (and recorded), to a no-op
//! loopback HTTP target (hyper in this process on `127.0.0.1:0`, on its own two threads: it
//! reads each body and answers 204), beside its floor in the same group, at 8 sends in flight
//! (the default) and 32:
//!
//! - `floor_post`: the same client library (reqwest, a `Client` with the sink's settings: no
//!   redirects, the sink's per-request timeout) POSTing the same bodies with the same headers
//!   (`content-type`, a `stripe-signature` with an HMAC computed per request, the event id,
//!   type, delivery time and attempt) with the same concurrency (`C` tasks, each sending its
//!   next as soon as its last is answered) to the same target; no database. What the network
//!   part costs.
//! - `inbox_run_forwarders`: the inbox holding the backlog, stored through a real
//!   `Dispatcher::inbox(…).forward(Target::http(…).concurrency(C))` via `dispatch` (so each
//!   event's forward row is written in its commit), timed from the start of `run_forwarders`
//!   (the production path: one task per target keeps `C` sends in flight; each step is one
//!   transaction that records the sends finished and claims as many due forwards, with their
//!   bodies, as there are free slots) until the target has answered every event and
//!   `run_forwarders` has returned, which it does once the sends in flight are recorded. Every
//!   forward is then checked `delivered` (not timed).
//!
//! Each iteration drains a backlog of `N` events (criterion's figure is events/s): the rows of
//! the database cases are written before the clock starts and deleted after it stops, so every
//! iteration starts from empty tables. The bodies are realistic (about 4.5 KB:
//! `EventBuilder`'s `invoice.paid` with three line items). Each case first runs two iterations
//! that are not measured, to size its measurement: about two iterations per sample (a second
//! at least), so the whole bench takes about two minutes.
//!
//! SQLite always; Postgres when `DATABASE_URL_POSTGRES` names a server (`.ci/postgres.sh
//! start`), in a fresh database per run. Run with `cargo bench -p stripe-webhooks-integration
//! --bench forward --features forward,sqlite,postgres`.

#![allow(clippy::unwrap_used)]

#[path = "common/durable_pool.rs"]
mod durable_pool;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::forward::{headers, Target, DEFAULT_TIMEOUT};
use stripe_webhooks::inbox::{ForwardStatus, Inbox};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};
use tokio::sync::watch;

/// Stripe's secret (the dispatcher verifies with it) and the target's (the forwarder and the
/// floors sign with it).
const SECRET: &str = "whsec_bench_forward";
const TARGET_SECRET: &str = "whsec_bench_forward_target";
/// Events per iteration: the backlog drained.
const N: u64 = 1_000;
/// Sends in flight: the default ([`stripe_webhooks::forward::DEFAULT_CONCURRENCY`]) and more.
const CONCURRENCY: [usize; 2] = [8, 32];
/// Concurrent deliveries while storing the backlog (not timed): group commit makes it fast.
const INGEST_CONCURRENCY: usize = 64;
const SAMPLES: u32 = 10;
const EVENT_TYPE: &str = "invoice.paid";
/// The sink's user agent is `stripe-webhooks/<version> (forward)`; the floors send one as long.
const USER_AGENT: &str = "stripe-webhooks/0.1.0 (forward)";

/// A new event id for every event of the run, so that each one is stored.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A new event of `EVENT_TYPE`: its id and body, as Stripe would send it, about 4.5 KB: the
/// sample invoice with three line items instead of one.
fn event() -> (String, Vec<u8>) {
    let id = format!(
        "evt_bench_forward_{:020}",
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    );
    let builder = EventBuilder::new(EVENT_TYPE).id(&id);
    let mut invoice = builder.to_value()["data"]["object"].take();
    let lines = &mut invoice["lines"];
    let line = lines["data"][0].clone();
    for (n, description) in [(2, "Seat add-on"), (3, "Metered usage")] {
        let mut extra = line.clone();
        extra["id"] = format!("{}_{n}", line["id"].as_str().unwrap_or("il")).into();
        extra["description"] = description.into();
        lines["data"].as_array_mut().unwrap().push(extra);
    }
    lines["total_count"] = 3.into();
    (id, builder.object(invoice).build())
}

/// The no-op target: a hyper server on its own two-thread runtime (so that it does not share
/// the client's scheduler), counting the requests it answered.
struct Loopback {
    url: String,
    /// Requests whose body was read in full, since the last [`Loopback::reset`].
    received: Arc<watch::Sender<u64>>,
    _runtime: tokio::runtime::Runtime,
}

impl Loopback {
    fn start() -> Loopback {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("loopback-target")
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let received = Arc::new(watch::channel(0u64).0);
        let counter = Arc::clone(&received);
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let counter = Arc::clone(&counter);
                tokio::spawn(async move {
                    let service = service_fn(move |request: Request<Incoming>| {
                        let counter = Arc::clone(&counter);
                        async move {
                            let body = request.into_body().collect().await?.to_bytes();
                            std::hint::black_box(body.len());
                            counter.send_modify(|count| *count += 1);
                            let mut response = Response::new(Empty::<Bytes>::new());
                            *response.status_mut() = StatusCode::NO_CONTENT;
                            Ok::<_, hyper::Error>(response)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Loopback {
            url: format!("http://{address}/stripe"),
            received,
            _runtime: runtime,
        }
    }

    /// Starts counting from zero; a receiver that sees the count from now on.
    fn reset(&self) -> watch::Receiver<u64> {
        self.received.send_replace(0);
        self.received.subscribe()
    }
}

/// The dispatcher with a no-op handler (never run here) and one target, named so that the
/// ingest tasks can share it.
type ForwardDispatcher =
    Dispatcher<fn(Event) -> std::future::Ready<Result<(), HandlerError>>, Inbox>;

fn no_op(_event: Event) -> std::future::Ready<Result<(), HandlerError>> {
    std::future::ready(Ok(()))
}

/// Stores `count` new events through `dispatch`, `INGEST_CONCURRENCY` at a time; each gets
/// its forward to the dispatcher's target in its commit.
async fn ingest(dispatcher: &Arc<ForwardDispatcher>, count: u64) {
    let tasks: Vec<_> = (0..INGEST_CONCURRENCY)
        .map(|task| {
            let dispatcher = Arc::clone(dispatcher);
            let share = (task as u64..count).step_by(INGEST_CONCURRENCY).count();
            tokio::spawn(async move {
                for _ in 0..share {
                    let (_id, body) = event();
                    let now = time::OffsetDateTime::now_utc().unix_timestamp();
                    let header = signature_header(&body, SECRET, now);
                    let outcome = dispatcher.dispatch(&body, Some(&header)).await;
                    assert_eq!(outcome.kind(), OutcomeKind::Stored, "{outcome}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("an ingest task");
    }
}

/// One iteration of `inbox_run_forwarders`: stores `N` events (not timed), runs the
/// forwarders until the target has answered `N` requests, then stops them (`run_forwarders`
/// returns once the sends in flight are recorded), checks that every forward is delivered
/// and clears the tables (not timed); the time the forwarders took.
async fn forward_backlog(
    dispatcher: &Arc<ForwardDispatcher>,
    target_name: &str,
    target: &Loopback,
    tables: &Tables,
) -> Duration {
    ingest(dispatcher, N).await;
    let mut received = target.reset();
    let started = Instant::now();
    let run = dispatcher.run_forwarders(async move {
        received
            .wait_for(|received| *received >= N)
            .await
            .expect("the target runs");
    });
    tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the forwarders sent everything within 2 minutes");
    let elapsed = started.elapsed();
    let inbox = dispatcher.dedup();
    let counts = inbox.forward_counts(target_name).await.unwrap();
    let delivered = counts
        .iter()
        .find(|(status, _)| *status == ForwardStatus::Delivered)
        .map_or(0, |(_, count)| *count);
    let all: u64 = counts.iter().map(|(_, count)| count).sum();
    assert_eq!(
        (delivered, all),
        (N, N),
        "every forward delivered: {counts:?}"
    );
    tables.clear().await;
    elapsed
}

/// The inbox's tables, emptied after each iteration (not timed): every event with its
/// forwards, attempts and deliveries.
enum Tables {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

const CLEAR: [&str; 5] = [
    "DELETE FROM stripe_webhooks_forward_attempts",
    "DELETE FROM stripe_webhooks_forwards",
    "DELETE FROM stripe_webhooks_deliveries",
    "DELETE FROM stripe_webhooks_attempts",
    "DELETE FROM stripe_webhooks_events",
];

impl Tables {
    async fn open(url: &str) -> Tables {
        if url.starts_with("sqlite:") {
            Tables::Sqlite(durable_pool::sqlite(url).await)
        } else {
            Tables::Postgres(durable_pool::postgres(url, 2).await)
        }
    }

    async fn clear(&self) {
        for sql in CLEAR {
            match self {
                Tables::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
                Tables::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            }
            .expect("clearing the inbox");
        }
        // Dead rows would slow the claims' index scans from one iteration to the next.
        if let Tables::Postgres(pool) = self {
            sqlx::query(
                "VACUUM stripe_webhooks_forward_attempts, stripe_webhooks_forwards,
                 stripe_webhooks_deliveries, stripe_webhooks_events",
            )
            .execute(pool)
            .await
            .expect("vacuuming the inbox");
        }
    }
}

/// The floors' client, built as the HTTP sink builds its own.
fn floor_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(USER_AGENT)
        .build()
        .expect("the floor's client")
}

/// POSTs one event as the HTTP sink does: the same headers, signed now, the body copied into
/// the request, a 2xx expected.
async fn post(client: &reqwest::Client, url: &reqwest::Url, event_id: &str, body: &[u8]) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let signature = signature_header(body, TARGET_SECRET, now);
    let response = client
        .post(url.clone())
        .timeout(DEFAULT_TIMEOUT)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .header("stripe-signature", &signature)
        .header(headers::EVENT_ID, event_id)
        .header(headers::EVENT_TYPE, EVENT_TYPE)
        .header(headers::DELIVERED_AT, now)
        .header(headers::ATTEMPT, 1_i64)
        .body(body.to_vec())
        .send()
        .await
        .expect("the floor's send");
    assert!(response.status().is_success(), "{}", response.status());
}

/// Runs `concurrency` copies of `worker` at once and waits for all; the time it took.
async fn timed<F, Fut>(concurrency: usize, worker: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency).map(|_| tokio::spawn(worker())).collect();
    for task in tasks {
        task.await.expect("a floor task");
    }
    started.elapsed()
}

/// One iteration of `floor_post`: `concurrency` tasks POST the `events`, each taking the next
/// one as soon as its last is answered; the time it took.
async fn floor_post(
    client: &reqwest::Client,
    url: &reqwest::Url,
    events: &Arc<[(String, Vec<u8>)]>,
    concurrency: usize,
) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    timed(concurrency, || {
        let (client, url, events, next) = (
            client.clone(),
            url.clone(),
            Arc::clone(events),
            Arc::clone(&next),
        );
        async move {
            while let Some((event_id, body)) = events.get(next.fetch_add(1, Ordering::Relaxed)) {
                post(&client, &url, event_id, body).await;
            }
        }
    })
    .await
}

/// Benches `iteration` (one backlog; its time) as `id` in `group`, after two iterations not
/// measured whose longer one sizes the measurement: a one-iteration warm-up, then about two
/// iterations per sample (criterion's flat sampling warns at one), a second at least in all.
fn bench_backlog<F, Fut>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &tokio::runtime::Runtime,
    id: BenchmarkId,
    iteration: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = Duration>,
{
    let probe = runtime.block_on(async { iteration().await.max(iteration().await) });
    group.warm_up_time(Duration::from_millis(1));
    group.measurement_time((probe * 2 * SAMPLES).max(Duration::from_secs(1)));
    group.bench_function(id, |b| {
        b.iter_custom(|iterations| {
            runtime.block_on(async {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iterations {
                    elapsed += iteration().await;
                }
                elapsed
            })
        });
    });
}

fn bench_backend(c: &mut Criterion, name: &str, inbox_url: &str, target: &Loopback) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let inbox = runtime.block_on(Inbox::open(inbox_url)).expect("the inbox");
    let tables = runtime.block_on(Tables::open(inbox_url));
    runtime.block_on(tables.clear());
    let client = floor_client();
    let url = reqwest::Url::parse(&target.url).expect("the target's URL");
    let events: Arc<[(String, Vec<u8>)]> = (0..N).map(|_| event()).collect();
    eprintln!(
        "forward/{name}: backlogs of {N} events of about {} bytes",
        events[0].1.len()
    );

    let mut group = c.benchmark_group(format!("forward/{name}"));
    group.throughput(Throughput::Elements(N));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(SAMPLES as usize);
    for concurrency in CONCURRENCY {
        bench_backlog(
            &mut group,
            &runtime,
            BenchmarkId::new("floor_post", concurrency),
            || floor_post(&client, &url, &events, concurrency),
        );
        let target_name = format!("loopback-{concurrency}");
        let dispatcher: Arc<ForwardDispatcher> = Arc::new(
            Dispatcher::new(Webhook::new(SECRET), no_op as fn(Event) -> _)
                .inbox(inbox.clone())
                .forward(
                    Target::http(&target_name, &target.url, TARGET_SECRET)
                        .expect("the target")
                        .concurrency(concurrency),
                )
                .expect("one target"),
        );
        bench_backlog(
            &mut group,
            &runtime,
            BenchmarkId::new("inbox_run_forwarders", concurrency),
            || forward_backlog(&dispatcher, &target_name, target, &tables),
        );
    }
    group.finish();
}

fn forward(c: &mut Criterion) {
    let target = Loopback::start();
    let dir = durable_pool::fresh_dir("forward");
    bench_backend(
        c,
        "sqlite",
        &format!("sqlite://{}", dir.join("inbox.db").display()),
        &target,
    );
    if let Ok(base) = std::env::var("DATABASE_URL_POSTGRES") {
        let name = format!("bench_forward_{}", std::process::id());
        let url = durable_pool::fresh_postgres(&base, &name);
        bench_backend(c, "postgres", &url, &target);
    } else {
        eprintln!("DATABASE_URL_POSTGRES is not set: the Postgres forwarding bench is skipped");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, forward);
criterion_main!(benches);
