//! Ack-first ingest into the inbox at 1, 16 and 64 concurrent deliveries, beside two floors of
//! the same driver (sqlx) with the same durability (SQLite in WAL mode with
//! `synchronous=FULL`; Postgres with `synchronous_commit=on`), one transaction per delivery,
//! as an endpoint without group commit would:
//!
//! - `floor_same_rows`: the rows the inbox writes (the event with its indexes, and the
//!   delivery-log row) into the inbox's own schema;
//! - `floor_one_row`: one narrow row into a table with only a primary key, the least an
//!   endpoint that stores anything can do.
//!
//! The inbox path also verifies and parses each delivery; group commit should put it above
//! the floors at 64. With the `forward` feature, `inbox_dispatch_2_forwards` is the same with
//! two forwarding targets attached (each event also gets two forward rows in its commit; no
//! forwarder runs), which is what forwarding costs ingest.
//!
//! SQLite always; Postgres when `DATABASE_URL_POSTGRES` names a server (`.ci/postgres.sh
//! start`). Run with `cargo bench -p stripe-webhooks-integration --bench inbox_ingest
//! --features sqlite,postgres`.

#[path = "common/durable_pool.rs"]
mod durable_pool;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
#[cfg(feature = "forward")]
use stripe_webhooks::forward::Target;
use stripe_webhooks::inbox::Inbox;
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, Webhook};

const SECRET: &str = "whsec_bench_inbox";
const T: i64 = 1_764_547_200;
const CONCURRENCY: [usize; 3] = [1, 16, 64];

/// A new event id for every delivery of the run, so that each one is stored.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn delivery() -> (String, Vec<u8>, String) {
    let id = format!("evt_bench_{:020}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let body = format!(
        r#"{{"id":"{id}","object":"event","type":"invoice.paid","api_version":"2026-10-28.endive","created":{T},"livemode":false,"data":{{"object":{{"id":"in_1","object":"invoice","amount_due":2000,"currency":"usd","customer":"cus_1","status":"paid"}}}}}}"#
    );
    let header = signature_header(body.as_bytes(), SECRET, T);
    (id, body.into_bytes(), header)
}

/// `count` deliveries from `concurrency` tasks, each running `one` for its share; the time.
async fn run<F, Fut>(count: u64, concurrency: usize, one: F) -> Duration
where
    F: Fn(String, Vec<u8>, String) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let per_task = count.div_ceil(concurrency as u64);
    let work: Vec<Vec<_>> = (0..concurrency)
        .map(|_| (0..per_task).map(|_| delivery()).collect())
        .collect();
    let one = Arc::new(one);
    let started = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|deliveries| {
            let one = Arc::clone(&one);
            tokio::spawn(async move {
                for (id, body, header) in deliveries {
                    one(id, body, header).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a delivery task");
    }
    started.elapsed()
}

const FLOOR_TABLE: &str = "CREATE TABLE IF NOT EXISTS floor_events (
    event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, body BLOB NOT NULL,
    received_at BIGINT NOT NULL)";

fn bench_backend(
    c: &mut Criterion,
    name: &str,
    inbox_url: &str,
    floor_url: &str,
    same_rows_url: &str,
) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let inbox = runtime.block_on(Inbox::open(inbox_url)).expect("the inbox");
    #[cfg(feature = "forward")]
    let forwarding = Arc::new(
        Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
            Ok::<(), HandlerError>(())
        })
        .inbox(inbox.clone())
        .forward(Target::http("one", "http://127.0.0.1:9/", "whsec_one").expect("a target"))
        .expect("one target")
        .forward(Target::http("two", "http://127.0.0.1:9/", "whsec_two").expect("a target"))
        .expect("two targets"),
    );
    let dispatcher = Arc::new(
        Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
            Ok::<(), HandlerError>(())
        })
        .inbox(inbox),
    );
    let now = time::OffsetDateTime::from_unix_timestamp(T).expect("time");
    let floor = runtime.block_on(floor_pool(floor_url));
    let same_rows = runtime.block_on(same_rows_pool(same_rows_url));

    let mut group = c.benchmark_group(format!("inbox_ingest/{name}"));
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(6));
    for concurrency in CONCURRENCY {
        let same = same_rows.clone();
        group.bench_function(BenchmarkId::new("floor_same_rows", concurrency), |b| {
            b.iter_custom(|count| {
                let same = same.clone();
                runtime.block_on(run(count, concurrency, move |id, body, _header| {
                    let same = same.clone();
                    async move { same.insert_same_rows(id, body).await }
                }))
            });
        });
        let floor = floor.clone();
        group.bench_function(BenchmarkId::new("floor_one_row", concurrency), |b| {
            b.iter_custom(|count| {
                let floor = floor.clone();
                runtime.block_on(run(count, concurrency, move |id, body, _header| {
                    let floor = floor.clone();
                    async move { floor.insert(id, body).await }
                }))
            });
        });
        let dispatcher = Arc::clone(&dispatcher);
        group.bench_function(BenchmarkId::new("inbox_dispatch", concurrency), |b| {
            b.iter_custom(|count| {
                let dispatcher = Arc::clone(&dispatcher);
                runtime.block_on(run(count, concurrency, move |_id, body, header| {
                    let dispatcher = Arc::clone(&dispatcher);
                    async move {
                        let outcome = dispatcher.dispatch_at(&body, Some(&header), now).await;
                        assert_eq!(outcome.kind(), OutcomeKind::Stored, "{outcome}");
                    }
                }))
            });
        });
        #[cfg(feature = "forward")]
        {
            let forwarding = Arc::clone(&forwarding);
            group.bench_function(
                BenchmarkId::new("inbox_dispatch_2_forwards", concurrency),
                |b| {
                    b.iter_custom(|count| {
                        let forwarding = Arc::clone(&forwarding);
                        runtime.block_on(run(count, concurrency, move |_id, body, header| {
                            let forwarding = Arc::clone(&forwarding);
                            async move {
                                let outcome =
                                    forwarding.dispatch_at(&body, Some(&header), now).await;
                                assert_eq!(outcome.kind(), OutcomeKind::Stored, "{outcome}");
                            }
                        }))
                    });
                },
            );
        }
    }
    group.finish();
}

/// The floor's connection pool and its one statement.
#[derive(Clone)]
enum Floor {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Floor {
    /// The event row and its first delivery-log row, as the inbox writes them, in one
    /// transaction.
    async fn insert_same_rows(&self, id: String, body: Vec<u8>) {
        const EVENT: &str = "INSERT INTO stripe_webhooks_events
                (event_id, event_type, api_version, livemode, account, created, body,
                 status, attempts, lease, due_at, received_at, updated_at, deliveries)
             VALUES ($1, 'invoice.paid', '2026-10-28.endive', false, NULL, $2, $3,
                     'pending', 0, 0, $4, $4, $4, 1)";
        const DELIVERY: &str = "INSERT INTO stripe_webhooks_deliveries
                (event_id, seq, received_at, status, outcome, secret_index)
             VALUES ($1, 1, $2, 200, 'stored', 0)";
        let received = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000)
            .unwrap_or(0);
        macro_rules! insert {
            ($pool:expr) => {{
                let mut tx = $pool.begin().await.expect("a transaction");
                sqlx::query(EVENT)
                    .bind(&id)
                    .bind(T)
                    .bind(body)
                    .bind(received)
                    .execute(&mut *tx)
                    .await
                    .expect("a floor event");
                sqlx::query(DELIVERY)
                    .bind(&id)
                    .bind(received)
                    .execute(&mut *tx)
                    .await
                    .expect("a floor delivery");
                tx.commit().await.expect("a floor commit");
            }};
        }
        match self {
            Floor::Sqlite(pool) => insert!(pool),
            Floor::Postgres(pool) => insert!(pool),
        }
    }

    async fn insert(&self, id: String, body: Vec<u8>) {
        const INSERT: &str = "INSERT INTO floor_events (event_id, event_type, body, received_at)
                              VALUES ($1, 'invoice.paid', $2, $3)";
        let received = i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000)
            .unwrap_or(0);
        // One statement for both pools, compiled once per backend (as the crate's `on_db!`).
        macro_rules! insert {
            ($pool:expr) => {{
                sqlx::query(INSERT)
                    .bind(id)
                    .bind(body)
                    .bind(received)
                    .execute($pool)
                    .await
                    .expect("a floor insert");
            }};
        }
        match self {
            Floor::Sqlite(pool) => insert!(pool),
            Floor::Postgres(pool) => insert!(pool),
        }
    }
}

async fn floor_pool(url: &str) -> Floor {
    if url.starts_with("sqlite:") {
        let pool = durable_pool::sqlite(url).await;
        sqlx::query(FLOOR_TABLE)
            .execute(&pool)
            .await
            .expect("the floor table");
        Floor::Sqlite(pool)
    } else {
        let pool = durable_pool::postgres(url, 16).await;
        sqlx::query(&FLOOR_TABLE.replace("BLOB", "BYTEA"))
            .execute(&pool)
            .await
            .expect("the floor table");
        Floor::Postgres(pool)
    }
}

/// A pool on a database that holds the inbox's schema (made by `Inbox::open`), with the
/// floor's connection settings.
async fn same_rows_pool(url: &str) -> Floor {
    drop(Inbox::open(url).await.expect("the inbox schema"));
    floor_pool(url).await
}

fn ingest(c: &mut Criterion) {
    let dir = durable_pool::fresh_dir("inbox");
    bench_backend(
        c,
        "sqlite",
        &format!("sqlite://{}", dir.join("inbox.db").display()),
        &format!("sqlite://{}", dir.join("floor.db").display()),
        &format!("sqlite://{}", dir.join("same_rows.db").display()),
    );
    if let Ok(base) = std::env::var("DATABASE_URL_POSTGRES") {
        let name = format!("bench_inbox_{}", std::process::id());
        let urls: Vec<String> = [name.clone(), format!("{name}_same_rows")]
            .iter()
            .map(|database| durable_pool::fresh_postgres(&base, database))
            .collect();
        bench_backend(c, "postgres", &urls[0], &urls[0], &urls[1]);
    } else {
        eprintln!("DATABASE_URL_POSTGRES is not set: the Postgres ingest bench is skipped");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, ingest);
criterion_main!(benches);
