//! Worker throughput (no-op handler): events per second that `process_due` takes from due to
//! handled, with 1 and 4 concurrent `process_due` calls, beside its floor: the same driver
//! (sqlx) doing the least durable work a queue worker must do per event, with the same
//! durability (SQLite in WAL mode with `synchronous=FULL`; Postgres with
//! `synchronous_commit=on`). The floor is a naive one-at-a-time worker on a table of the same
//! shape (`id`, `status`, `body`, `due_at`, with a partial index on the due rows as the
//! inbox has): per event, one transaction claims one due row (`UPDATE … RETURNING`, on
//! Postgres picking it `FOR UPDATE SKIP LOCKED`), and a second one marks it done. The goal
//! (the issue): the inbox at ≥ 0.8× the floor at 1.
//!
//! What the inbox does beyond the floor, per event: it parses the stored body back into an
//! `Event` and runs the handler (a no-op here) under `catch_panic`, its result write is fenced
//! by the lease token and also appends a row to the attempts log (two statements in one
//! transaction), and it claims 16 entries in one statement (which is what lets it spend fewer
//! commits per event than the floor).
//!
//! Each sample ingests its events first (through `dispatch_at`, 64 at a time, not timed), then
//! times processing all of them, then deletes the processed rows (not timed), so that every
//! sample starts from the same table size, in the inbox and in the floor alike.
//!
//! SQLite always; Postgres when `DATABASE_URL_POSTGRES` names a server (`.ci/postgres.sh
//! start`), in a fresh database per run. Run with `cargo bench -p stripe-webhooks-integration
//! --bench inbox_worker --features sqlite,postgres`.

#[path = "common/durable_pool.rs"]
mod durable_pool;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::Inbox;
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, Webhook};

const SECRET: &str = "whsec_bench_inbox_worker";
const T: i64 = 1_764_547_200;
/// Concurrent `process_due` calls (or floor workers).
const CONCURRENCY: [usize; 2] = [1, 4];
/// Concurrent deliveries while ingesting (untimed): group commit makes this fast.
const INGEST_CONCURRENCY: u64 = 64;

/// A new event id for every event of the run.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A new event: its id and body (the same shape as the ingest bench's).
fn event() -> (String, Vec<u8>) {
    let id = format!(
        "evt_bench_worker_{:020}",
        NEXT_ID.fetch_add(1, Ordering::Relaxed)
    );
    let body = format!(
        r#"{{"id":"{id}","object":"event","type":"invoice.paid","api_version":"2026-10-28.endive","created":{T},"livemode":false,"data":{{"object":{{"id":"in_1","object":"invoice","amount_due":2000,"currency":"usd","customer":"cus_1","status":"paid"}}}}}}"#
    );
    (id, body.into_bytes())
}

/// The dispatcher with the no-op handler, named so that the tasks can share it.
type InboxDispatcher = Dispatcher<fn(Event) -> std::future::Ready<Result<(), HandlerError>>, Inbox>;

fn no_op(_event: Event) -> std::future::Ready<Result<(), HandlerError>> {
    std::future::ready(Ok(()))
}

/// Stores `count` new events through the dispatcher (the timestamp `T`, so they are due).
async fn ingest(dispatcher: &Arc<InboxDispatcher>, count: u64) {
    let now = time::OffsetDateTime::from_unix_timestamp(T).expect("time");
    let tasks: Vec<_> = (0..INGEST_CONCURRENCY.min(count))
        .map(|task| {
            let dispatcher = Arc::clone(dispatcher);
            let share = (task..count).step_by(INGEST_CONCURRENCY as usize).count();
            tokio::spawn(async move {
                for _ in 0..share {
                    let (_id, body) = event();
                    let header = signature_header(&body, SECRET, T);
                    let outcome = dispatcher.dispatch_at(&body, Some(&header), now).await;
                    assert_eq!(outcome.kind(), OutcomeKind::Stored, "{outcome}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("an ingest task");
    }
}

/// Runs `concurrency` copies of `worker` at once and waits for all; the time it took and the
/// events they processed in all.
async fn timed<F, Fut>(concurrency: usize, worker: F) -> (Duration, u64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = u64> + Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency).map(|_| tokio::spawn(worker())).collect();
    let mut processed = 0;
    for task in tasks {
        processed += task.await.expect("a worker task");
    }
    (started.elapsed(), processed)
}

fn bench_backend(c: &mut Criterion, name: &str, inbox_url: &str, floor_url: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let inbox = runtime.block_on(Inbox::open(inbox_url)).expect("the inbox");
    let dispatcher: Arc<InboxDispatcher> = Arc::new(
        Dispatcher::new(Webhook::new(SECRET), no_op as fn(Event) -> _).inbox(inbox.clone()),
    );
    let floor = runtime.block_on(Floor::open(floor_url));

    let mut group = c.benchmark_group(format!("inbox_worker/{name}"));
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    for concurrency in CONCURRENCY {
        group.bench_function(
            BenchmarkId::new("floor_claim_then_done", concurrency),
            |b| {
                b.iter_custom(|count| {
                    runtime.block_on(async {
                        floor.fill(count).await;
                        let (elapsed, processed) = timed(concurrency, || {
                            let floor = floor.clone();
                            async move { floor.work().await }
                        })
                        .await;
                        assert_eq!(processed, count, "the floor processed every row");
                        floor.clear().await;
                        elapsed
                    })
                });
            },
        );
        group.bench_function(BenchmarkId::new("inbox_process_due", concurrency), |b| {
            b.iter_custom(|count| {
                runtime.block_on(async {
                    ingest(&dispatcher, count).await;
                    let (elapsed, processed) = timed(concurrency, || {
                        let dispatcher = Arc::clone(&dispatcher);
                        async move {
                            let processed = dispatcher.process_due().await.expect("process_due");
                            assert_eq!(
                                (processed.retrying, processed.failed, processed.lease_lost),
                                (0, 0, 0),
                                "{processed:?}"
                            );
                            processed.handled
                        }
                    })
                    .await;
                    assert_eq!(processed, count, "the inbox handled every event");
                    inbox.prune(Duration::ZERO).await.expect("pruning");
                    elapsed
                })
            });
        });
    }
    group.finish();
}

/// The floor's connection pool (the inbox's settings: 4 SQLite connections, 8 Postgres ones)
/// and its statements.
#[derive(Clone)]
enum Floor {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

const FLOOR_TABLE: &str = "CREATE TABLE IF NOT EXISTS floor_jobs (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, body BLOB NOT NULL, due_at BIGINT NOT NULL)";
/// The claim's index, as the inbox's `stripe_webhooks_events_due`.
const FLOOR_INDEX: &str = "CREATE INDEX IF NOT EXISTS floor_jobs_due ON floor_jobs (due_at, id)
    WHERE status = 'pending'";
const FLOOR_INSERT: &str =
    "INSERT INTO floor_jobs (id, status, body, due_at) VALUES ($1, 'pending', $2, $3)";
const SQLITE_CLAIM: &str = "UPDATE floor_jobs SET status = 'running'
    WHERE id = (SELECT id FROM floor_jobs WHERE status = 'pending' AND due_at <= $1
                ORDER BY due_at, id LIMIT 1)
    RETURNING id, body";
/// The same claim fenced by a CTE, as the inbox's: concurrent workers skip each other's rows.
const POSTGRES_CLAIM: &str = "WITH due AS (
        SELECT id FROM floor_jobs WHERE status = 'pending' AND due_at <= $1
        ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    UPDATE floor_jobs AS j SET status = 'running' FROM due WHERE j.id = due.id
    RETURNING j.id, j.body";
const FLOOR_DONE: &str = "UPDATE floor_jobs SET status = 'done' WHERE id = $1";

/// One statement on either pool, compiled once per backend (as the crate's `on_db!`).
macro_rules! on_floor {
    ($floor:expr, $pool:ident, $claim:ident => $body:expr) => {
        match $floor {
            Floor::Sqlite($pool) => {
                let $claim = SQLITE_CLAIM;
                $body
            }
            Floor::Postgres($pool) => {
                let $claim = POSTGRES_CLAIM;
                $body
            }
        }
    };
}

impl Floor {
    async fn open(url: &str) -> Floor {
        let floor = if url.starts_with("sqlite:") {
            let pool = durable_pool::sqlite(url).await;
            sqlx::query(FLOOR_TABLE)
                .execute(&pool)
                .await
                .expect("the floor table");
            Floor::Sqlite(pool)
        } else {
            let pool = durable_pool::postgres(url, 8).await;
            sqlx::query(&FLOOR_TABLE.replace("BLOB", "BYTEA"))
                .execute(&pool)
                .await
                .expect("the floor table");
            Floor::Postgres(pool)
        };
        on_floor!(&floor, pool, _claim => sqlx::query(FLOOR_INDEX)
            .execute(pool)
            .await
            .expect("the floor index")
            .rows_affected());
        floor
    }

    /// Adds `count` due rows (one transaction: not timed, and not what is measured).
    async fn fill(&self, count: u64) {
        on_floor!(self, pool, _claim => {
            let mut tx = pool.begin().await.expect("a floor transaction");
            for _ in 0..count {
                let (id, body) = event();
                sqlx::query(FLOOR_INSERT)
                    .bind(id)
                    .bind(body)
                    .bind(T * 1_000_000)
                    .execute(&mut *tx)
                    .await
                    .expect("a floor row");
            }
            tx.commit().await.expect("the floor rows");
        });
    }

    /// A naive worker: claims one due row, then marks it done, each in its own (autocommit)
    /// transaction, until none is due; the number it processed.
    async fn work(&self) -> u64 {
        let now = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000)
            .unwrap_or(i64::MAX);
        let mut processed = 0;
        on_floor!(self, pool, claim => loop {
            let claimed: Option<(String, Vec<u8>)> = sqlx::query_as(claim)
                .bind(now)
                .fetch_optional(pool)
                .await
                .expect("a floor claim");
            let Some((id, body)) = claimed else {
                break;
            };
            std::hint::black_box(body);
            sqlx::query(FLOOR_DONE)
                .bind(id)
                .execute(pool)
                .await
                .expect("a floor done");
            processed += 1;
        });
        processed
    }

    /// Deletes the processed rows (not timed).
    async fn clear(&self) {
        on_floor!(self, pool, _claim => sqlx::query("DELETE FROM floor_jobs WHERE status = 'done'")
            .execute(pool)
            .await
            .expect("clearing the floor")
            .rows_affected());
    }
}

fn worker(c: &mut Criterion) {
    let dir = durable_pool::fresh_dir("inbox-worker");
    bench_backend(
        c,
        "sqlite",
        &format!("sqlite://{}", dir.join("inbox.db").display()),
        &format!("sqlite://{}", dir.join("floor.db").display()),
    );
    if let Ok(base) = std::env::var("DATABASE_URL_POSTGRES") {
        let name = format!("bench_inbox_worker_{}", std::process::id());
        let url = durable_pool::fresh_postgres(&base, &name);
        bench_backend(c, "postgres", &url, &url);
    } else {
        eprintln!("DATABASE_URL_POSTGRES is not set: the Postgres worker bench is skipped");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, worker);
criterion_main!(benches);
