//! The console's deliveries page over an inbox of 100,000 entries, rendered server-side through
//! the router (`GET /` with the bearer token, the body collected), beside its floor: the same
//! `Inbox::list` query alone, measured in the same run. The goal (the issue): the page in well
//! under 100 ms, served by indexes rather than a full scan.
//!
//! Per backend (`console_list/sqlite`, `console_list/postgres`):
//!
//! - `page` (`GET /`: the overview strip and the newest 50) and `rows` (`GET /rows`, the live
//!   refresh) beside `floor_list` (`ListFilter::new().limit(50)`);
//! - `page_failed` (`?status=failed`) beside `floor_failed`, `page_invoice` (`?type=invoice.*`,
//!   a family, ~20% of the entries) beside `floor_invoice`, `page_search` (`?q=<an object id>`)
//!   beside `floor_search`;
//! - `strip_counts`, `strip_activity`, `strip_rejections`: the overview strip's other queries
//!   (`Inbox::counts_since(24 h ago)`, `activity(24)`, `rejections(24 h)`), alone, so that the
//!   difference between a page and its floor can be read off; and `counts_all`
//!   (`Inbox::counts`, every entry counted, what the strip no longer does), for comparison.
//!
//! The inbox: `Inbox::open` makes the schema, then the rows are written directly (multi-row
//! inserts, a few big transactions): received over the last 30 days, 40 event types with a
//! skew (payment intents and charges first, ~20% `invoice.*`), ~1% failed (dead letters),
//! ~0.5% retrying, the last ten minutes pending, the last seconds processing, ~5% in test
//! mode, an object id per entry shared by ~3 entries, a real pretty-printed body each
//! (`EventBuilder`), a delivery-log row each, one attempts-log row per handler run, and a few
//! rejection counts over the last day. It is built once and kept (`target/bench-console/` for
//! SQLite, a database `bench_console_<size>` on the Postgres server) for 12 hours; building
//! it is not measured. SQLite gets no `ANALYZE` (the crate does not run one, so the planner
//! works without statistics, as in production); Postgres gets `VACUUM ANALYZE` (what its
//! autovacuum would do shortly after the load anyway).
//!
//! Before measuring, each response is checked: 200, and as many `data-event-id=` rows as the
//! floor returns, which is as many as a direct `COUNT` says (50 at most), so that an error page
//! cannot be measured.
//!
//! SQLite always; Postgres when `DATABASE_URL_POSTGRES` names a server (`.ci/postgres.sh
//! start`). Run with `cargo bench -p stripe-webhooks-integration --features
//! console,sqlite,postgres --bench console_list`.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use http_body_util::BodyExt;
use stripe_webhooks::console::{Access, AccessToken, Console};
use stripe_webhooks::inbox::{EntryStatus, Inbox, ListFilter};
use stripe_webhooks::testing::EventBuilder;
use stripe_webhooks::{EventType, Webhook, API_VERSION};
use tower::ServiceExt;

/// The inbox's entries.
const ENTRIES: usize = 100_000;
/// The entries under `--test` (and `cargo test --benches`), where each bench runs once: a
/// check that the bench works, which should not spend a minute building a database.
const TEST_ENTRIES: usize = 10_000;
/// The version of what `generate` writes: a cached database of another version is rebuilt.
const LAYOUT: i64 = 2;
/// A cached database older than this is rebuilt (its times are relative to when it was built:
/// the page's "last 24 hours" should stay full).
const MAX_AGE: Duration = Duration::from_secs(12 * 3600);
/// The span the entries were received over.
const SPAN_DAYS: i64 = 30;
/// Rows per multi-row insert (17 binds each: under both backends' limits), and entries per
/// transaction.
const CHUNK: usize = 500;
const PER_TRANSACTION: usize = 20_000;
const PAGE: usize = 50;
const TOKEN_CHARS: usize = 40;

/// 40 event types and their weights (per ~1000): payment intents and charges first, then
/// Checkout, invoices (`invoice.*`: ~21%) and subscriptions, a tail of rarer types.
/// `invoiceitem.created` is not in the `invoice.*` family.
const TYPES: &[(&str, u32)] = &[
    ("payment_intent.created", 120),
    ("payment_intent.succeeded", 120),
    ("charge.succeeded", 120),
    ("charge.updated", 60),
    ("checkout.session.completed", 50),
    ("invoice.created", 40),
    ("invoice.finalized", 40),
    ("invoice.paid", 40),
    ("invoice.payment_succeeded", 40),
    ("customer.subscription.updated", 35),
    ("payment_intent.payment_failed", 25),
    ("charge.failed", 25),
    ("customer.created", 25),
    ("customer.updated", 25),
    ("invoice.updated", 20),
    ("payment_method.attached", 20),
    ("payment_intent.requires_action", 15),
    ("customer.subscription.created", 15),
    ("invoiceitem.created", 12),
    ("invoice.upcoming", 12),
    ("invoice.payment_failed", 12),
    ("setup_intent.created", 10),
    ("setup_intent.succeeded", 10),
    ("checkout.session.expired", 10),
    ("payment_intent.canceled", 8),
    ("payment_intent.processing", 8),
    ("charge.refunded", 8),
    ("refund.created", 8),
    ("customer.subscription.deleted", 6),
    ("customer.subscription.trial_will_end", 5),
    ("payment_method.detached", 5),
    ("charge.captured", 5),
    ("invoice.voided", 4),
    ("invoice.marked_uncollectible", 3),
    ("payout.created", 3),
    ("payout.paid", 3),
    ("balance.available", 3),
    ("charge.dispute.created", 2),
    ("product.updated", 2),
    ("price.created", 1),
];

/// The prefix of the object ids of a type's family.
fn object_prefix(event_type: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("payment_intent.", "pi"),
        ("charge.dispute.", "dp"),
        ("charge.", "ch"),
        ("checkout.session.", "cs"),
        ("invoiceitem.", "ii"),
        ("invoice.", "in"),
        ("customer.subscription.", "sub"),
        ("customer.", "cus"),
        ("payment_method.", "pm"),
        ("setup_intent.", "seti"),
        ("refund.", "re"),
        ("payout.", "po"),
        ("product.", "prod"),
        ("price.", "price"),
    ];
    PREFIXES
        .iter()
        .find(|(family, _)| event_type.starts_with(family))
        .map_or("obj", |(_, prefix)| prefix)
}

/// SplitMix64: a deterministic inbox without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn below_i64(&mut self, n: i64) -> i64 {
        i64::try_from(self.below(u64::try_from(n.max(1)).unwrap_or(1))).unwrap_or(0)
    }

    /// True `per_mille` times in 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

/// One handler run, as the attempts log holds it.
struct Run {
    attempt: i64,
    started_at: i64,
    duration_us: i64,
    result: &'static str,
    error: Option<String>,
}

/// One entry, its row of `stripe_webhooks_events` and its runs.
struct Entry {
    event_id: String,
    event_type: &'static str,
    livemode: bool,
    object_id: String,
    created: i64,
    body: Vec<u8>,
    status: &'static str,
    attempts: i64,
    due_at: i64,
    received_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
    last_error: Option<String>,
    runs: Vec<Run>,
}

const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

fn now_micros() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000).unwrap_or(0)
}

/// The inbox's entries `range` (of `size`, oldest first), received over the `SPAN_DAYS` up to
/// `now`: one slot each, at a random point of it.
fn generate(size: usize, range: std::ops::Range<usize>, now: i64) -> Vec<Entry> {
    let total_weight: u64 = TYPES.iter().map(|&(_, weight)| u64::from(weight)).sum();
    let span = SPAN_DAYS * 24 * HOUR;
    let slot = span / i64::try_from(size).unwrap_or(1);
    range
        .map(|index| {
            // A generator per entry: any chunk comes out the same, whichever is built first.
            let mut rng = Rng(0x5EED ^ (index as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let index_i64 = i64::try_from(index).unwrap_or(0);
            let received_at = now - span + index_i64 * slot + rng.below_i64(slot);
            let age = now - received_at;
            let mut pick = rng.below(total_weight);
            let event_type = TYPES
                .iter()
                .find(|&&(_, weight)| {
                    let hit = pick < u64::from(weight);
                    pick = pick.saturating_sub(u64::from(weight));
                    hit
                })
                .map_or(TYPES[0].0, |&(name, _)| name);
            let livemode = !rng.chance(50);
            // The family's objects: about a third as many as its entries.
            let prefix = object_prefix(event_type);
            let family: u64 = TYPES
                .iter()
                .filter(|(name, _)| object_prefix(name) == prefix)
                .map(|&(_, weight)| u64::from(weight))
                .sum();
            let objects = (size as u64 * family / total_weight / 3).max(1);
            let object_id = format!("{prefix}_1Bench{:010}", rng.below(objects));
            let event_id = format!("evt_1Bench{index:014}");
            let created = received_at / SECOND - 1;
            let body = EventBuilder::new(event_type)
                .id(&event_id)
                .created(created)
                .livemode(livemode)
                .object_field("id", serde_json::Value::String(object_id.clone()))
                .build();
            let status = if age < 20 * SECOND {
                "processing"
            } else if age < 10 * MINUTE {
                "pending"
            } else {
                match rng.below(1000) {
                    0..10 => "failed",
                    10..15 => "retrying",
                    _ => "handled",
                }
            };
            let runs_count: i64 = match status {
                "pending" | "processing" => 0,
                "failed" => {
                    if rng.chance(400) {
                        1
                    } else {
                        25
                    }
                }
                "retrying" => 1 + rng.below_i64(8),
                _ => match rng.below(100) {
                    0..96 => 1,
                    96..99 => 2,
                    _ => 3,
                },
            };
            let mut runs = Vec::new();
            let mut start = received_at + 2_000 + rng.below_i64(50_000);
            for attempt in 1..=runs_count {
                // Runs took 1 ms to ~0.25 s, a few of them much longer.
                let fast = rng.below_i64(500);
                let duration_us = 1_000 + fast * fast + rng.below_i64(1_000);
                let last = attempt == runs_count;
                let result = match (status, last) {
                    ("handled", true) => "handled",
                    ("failed", true) => "failed",
                    _ => "retry",
                };
                let error = (result != "handled").then(|| {
                    format!("handler: the fulfilment service answered 503 (attempt {attempt})")
                });
                runs.push(Run {
                    attempt,
                    started_at: start.min(now - SECOND),
                    duration_us,
                    result,
                    error,
                });
                // The backoff: 30 s doubling, at most 6 hours.
                start += ((30 * SECOND) << (attempt - 1).min(20)).min(6 * HOUR) + duration_us;
            }
            let ended = runs
                .last()
                .map(|run| run.started_at + run.duration_us)
                .unwrap_or(received_at);
            let (attempts, due_at, finished_at) = match status {
                "processing" => (1, now + 5 * MINUTE, None),
                "pending" => (0, received_at, None),
                "retrying" => (runs_count, start, None),
                _ => (runs_count, ended, Some(ended)),
            };
            Entry {
                last_error: runs.last().and_then(|run| run.error.clone()),
                event_id,
                event_type,
                livemode,
                object_id,
                created,
                body,
                status,
                attempts,
                due_at,
                received_at,
                updated_at: ended,
                finished_at,
                runs,
            }
        })
        .collect()
}

/// A pool on the bench's database, for building it and for the checks.
#[derive(Clone)]
enum Raw {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Writes `entries` (their events, deliveries and runs) in one transaction, `CHUNK` rows a
/// statement.
async fn insert(raw: &Raw, entries: &[Entry]) {
    macro_rules! insert {
        ($pool:expr, $db:ty) => {{
            let mut tx = $pool.begin().await.expect("a transaction");
            for chunk in entries.chunks(CHUNK) {
                let mut events = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO stripe_webhooks_events
                        (event_id, event_type, api_version, livemode, account, created, body,
                         object_id, status, attempts, lease, due_at, received_at, updated_at,
                         finished_at, last_error, deliveries) ",
                );
                events.push_values(chunk, |mut values, entry| {
                    values
                        .push_bind(entry.event_id.as_str())
                        .push_bind(entry.event_type)
                        .push_bind(API_VERSION)
                        .push_bind(entry.livemode)
                        .push_bind(None::<&str>)
                        .push_bind(entry.created)
                        .push_bind(entry.body.as_slice())
                        .push_bind(entry.object_id.as_str())
                        .push_bind(entry.status)
                        .push_bind(entry.attempts)
                        .push_bind(entry.attempts)
                        .push_bind(entry.due_at)
                        .push_bind(entry.received_at)
                        .push_bind(entry.updated_at)
                        .push_bind(entry.finished_at)
                        .push_bind(entry.last_error.as_deref())
                        .push_bind(1_i64);
                });
                events.build().execute(&mut *tx).await.expect("the events");
                let mut deliveries = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO stripe_webhooks_deliveries
                        (event_id, seq, received_at, status, outcome, secret_index) ",
                );
                deliveries.push_values(chunk, |mut values, entry| {
                    values
                        .push_bind(entry.event_id.as_str())
                        .push_bind(1_i64)
                        .push_bind(entry.received_at)
                        .push_bind(200_i64)
                        .push_bind("stored")
                        .push_bind(0_i64);
                });
                deliveries
                    .build()
                    .execute(&mut *tx)
                    .await
                    .expect("the deliveries");
                let runs: Vec<(&str, &Run)> = chunk
                    .iter()
                    .flat_map(|entry| entry.runs.iter().map(|run| (entry.event_id.as_str(), run)))
                    .collect();
                for runs in runs.chunks(CHUNK * 2) {
                    let mut attempts = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO stripe_webhooks_attempts
                            (event_id, attempt, started_at, duration_us, result, error) ",
                    );
                    attempts.push_values(runs, |mut values, (event_id, run)| {
                        values
                            .push_bind(*event_id)
                            .push_bind(run.attempt)
                            .push_bind(run.started_at)
                            .push_bind(run.duration_us)
                            .push_bind(run.result)
                            .push_bind(run.error.as_deref());
                    });
                    attempts
                        .build()
                        .execute(&mut *tx)
                        .await
                        .expect("the attempts");
                }
            }
            tx.commit().await.expect("a commit");
        }};
    }
    match raw {
        Raw::Sqlite(pool) => insert!(pool, sqlx::Sqlite),
        Raw::Postgres(pool) => insert!(pool, sqlx::Postgres),
    }
}

/// Runs one statement without binds.
async fn execute(raw: &Raw, sql: &str) {
    match raw {
        Raw::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(drop),
        Raw::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    }
    .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// One integer from a query with one text bind.
async fn scalar(raw: &Raw, sql: &str, bind: &str) -> i64 {
    match raw {
        Raw::Sqlite(pool) => sqlx::query_scalar(sql).bind(bind).fetch_one(pool).await,
        Raw::Postgres(pool) => sqlx::query_scalar(sql).bind(bind).fetch_one(pool).await,
    }
    .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

/// Whether the database was built by this layout at this size less than `MAX_AGE` ago.
async fn is_current(raw: &Raw, size: usize) -> bool {
    const META: &str = "SELECT built_at FROM bench_console_meta WHERE layout = $1 AND size = $2";
    let size = i64::try_from(size).unwrap_or(0);
    let built: Result<Option<i64>, sqlx::Error> = match raw {
        Raw::Sqlite(pool) => {
            sqlx::query_scalar(META)
                .bind(LAYOUT)
                .bind(size)
                .fetch_optional(pool)
                .await
        }
        Raw::Postgres(pool) => {
            sqlx::query_scalar(META)
                .bind(LAYOUT)
                .bind(size)
                .fetch_optional(pool)
                .await
        }
    };
    let max_age = i64::try_from(MAX_AGE.as_micros()).unwrap_or(i64::MAX);
    matches!(built, Ok(Some(at)) if now_micros() - at < max_age)
}

/// Fills the (empty, just opened) inbox at `raw` with `size` entries.
async fn build(raw: &Raw, size: usize) {
    let started = std::time::Instant::now();
    let now = now_micros();
    let mut from = 0;
    while from < size {
        let to = (from + PER_TRANSACTION).min(size);
        // Generating (the bodies) on the blocking pool, while the previous chunk commits,
        // would be faster; one after the other is fast enough.
        let entries = generate(size, from..to, now);
        insert(raw, &entries).await;
        from = to;
    }
    // A few rejected deliveries over the last day: a bad secret after a rotation, a clock.
    let minute_now = now / MINUTE;
    let mut rejections = Vec::new();
    for (kind, every, count) in [
        ("signature_mismatch", 37, 2),
        ("timestamp_too_old", 181, 1),
        ("header_missing", 613, 1),
    ] {
        let mut minute = minute_now - 24 * 60 + 1;
        while minute <= minute_now {
            rejections.push(format!("({minute}, '{kind}', {count})"));
            minute += every;
        }
    }
    execute(
        raw,
        &format!(
            "INSERT INTO stripe_webhooks_rejections (minute, kind, count) VALUES {}",
            rejections.join(", ")
        ),
    )
    .await;
    execute(
        raw,
        "CREATE TABLE IF NOT EXISTS bench_console_meta
            (layout BIGINT NOT NULL, size BIGINT NOT NULL, built_at BIGINT NOT NULL)",
    )
    .await;
    execute(
        raw,
        &format!("INSERT INTO bench_console_meta VALUES ({LAYOUT}, {size}, {now})"),
    )
    .await;
    match raw {
        Raw::Sqlite(_) => execute(raw, "PRAGMA wal_checkpoint(TRUNCATE)").await,
        Raw::Postgres(_) => execute(raw, "VACUUM ANALYZE").await,
    }
    eprintln!(
        "console_list: built an inbox of {size} entries in {:.1?}",
        started.elapsed()
    );
}

/// The SQLite inbox of `size` entries under `target/bench-console/`: its URL, built if missing
/// or stale.
async fn sqlite_inbox(size: usize) -> String {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let dir = target.join("bench-console");
    std::fs::create_dir_all(&dir).expect("the bench folder");
    let file = dir.join(format!("inbox-{size}.db"));
    let url = format!("sqlite://{}", file.display());
    let connect = || async {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
        let options = SqliteConnectOptions::from_str(&url)
            .expect("an SQLite URL")
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        sqlx::pool::PoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("the bench database")
    };
    if file.exists() {
        let raw = Raw::Sqlite(connect().await);
        let current = is_current(&raw, size).await;
        if let Raw::Sqlite(pool) = raw {
            pool.close().await;
        }
        if current {
            return url;
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    drop(Inbox::open(&url).await.expect("the inbox schema"));
    let raw = Raw::Sqlite(connect().await);
    build(&raw, size).await;
    if let Raw::Sqlite(pool) = raw {
        pool.close().await;
    }
    url
}

/// The Postgres inbox of `size` entries, in the database `bench_console_<size>` of the server
/// of `base`: its URL, built if missing or stale.
async fn postgres_inbox(base: &str, size: usize) -> String {
    let (server, _) = base.rsplit_once('/').expect("a database URL");
    let name = format!("bench_console_{size}");
    let url = format!("{server}/{name}");
    let admin = sqlx::PgPool::connect(base)
        .await
        .expect("the Postgres server");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&admin)
        .await
        .expect("the databases");
    if exists.is_some() {
        let raw = Raw::Postgres(
            sqlx::PgPool::connect(&url)
                .await
                .expect("the bench database"),
        );
        let current = is_current(&raw, size).await;
        if let Raw::Postgres(pool) = raw {
            pool.close().await;
        }
        if current {
            admin.close().await;
            return url;
        }
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&admin)
            .await
            .expect("dropping the stale bench database");
    }
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("the bench database");
    admin.close().await;
    drop(Inbox::open(&url).await.expect("the inbox schema"));
    let pool = sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .expect("the bench database");
    let raw = Raw::Postgres(pool);
    build(&raw, size).await;
    if let Raw::Postgres(pool) = raw {
        pool.close().await;
    }
    url
}

/// `GET uri` through the router with the bearer token: the status and the body.
async fn get(router: &Router, token: &str, uri: &str) -> (StatusCode, Bytes) {
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a request");
    let response = router
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    (status, body)
}

/// One filter of the list: its name, its query string, its `ListFilter`, and the `COUNT` of
/// the entries it matches (with its bind).
struct Case {
    name: &'static str,
    query: String,
    filter: ListFilter,
    count_sql: &'static str,
    count_bind: String,
}

fn bench_backend(c: &mut Criterion, backend: &str, url: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let inbox = runtime.block_on(Inbox::open(url)).expect("the inbox");
    let token = "a".repeat(TOKEN_CHARS);
    let router = Console::new(
        inbox.clone(),
        Webhook::new("whsec_x"),
        "http://127.0.0.1:9/webhook",
        Access::Token(AccessToken::new(token.clone()).expect("a token")),
    )
    .expect("the console")
    .router();
    let raw = runtime.block_on(async {
        if url.starts_with("sqlite:") {
            Raw::Sqlite(sqlx::SqlitePool::connect(url).await.expect("a pool"))
        } else {
            Raw::Postgres(sqlx::PgPool::connect(url).await.expect("a pool"))
        }
    });
    // The object searched for: the one of the newest `invoice.paid` (a few entries each).
    let object: String = runtime.block_on(async {
        const NEWEST_PAID: &str = "SELECT object_id FROM stripe_webhooks_events
            WHERE event_type = $1 ORDER BY received_at DESC LIMIT 1";
        match &raw {
            Raw::Sqlite(pool) => {
                sqlx::query_scalar(NEWEST_PAID)
                    .bind("invoice.paid")
                    .fetch_one(pool)
                    .await
            }
            Raw::Postgres(pool) => {
                sqlx::query_scalar(NEWEST_PAID)
                    .bind("invoice.paid")
                    .fetch_one(pool)
                    .await
            }
        }
        .expect("an invoice.paid entry")
    });
    let cases = [
        Case {
            name: "list",
            query: String::new(),
            filter: ListFilter::new().limit(50),
            count_sql: "SELECT COUNT(*) FROM stripe_webhooks_events WHERE $1 = ''",
            count_bind: String::new(),
        },
        Case {
            name: "failed",
            query: "status=failed".into(),
            filter: ListFilter::new().status(EntryStatus::Failed).limit(50),
            count_sql: "SELECT COUNT(*) FROM stripe_webhooks_events WHERE status = $1",
            count_bind: "failed".into(),
        },
        Case {
            name: "invoice",
            query: "type=invoice.*".into(),
            filter: ListFilter::new().event_type("invoice.*").limit(50),
            count_sql: "SELECT COUNT(*) FROM stripe_webhooks_events WHERE event_type LIKE $1",
            count_bind: "invoice.%".into(),
        },
        Case {
            name: "search",
            query: format!("q={object}"),
            filter: ListFilter::new().search(&object).limit(50),
            count_sql: "SELECT COUNT(*) FROM stripe_webhooks_events
                WHERE event_id = $1 OR object_id = $1",
            count_bind: object.clone(),
        },
    ];

    // The checks: every response a 200 with the rows the floor returns, as many as match.
    for case in &cases {
        let matching = runtime.block_on(scalar(&raw, case.count_sql, &case.count_bind));
        eprintln!(
            "console_list/{backend}: `{}` matches {matching} entries",
            case.query
        );
        let expected = usize::try_from(matching).unwrap_or(0).min(PAGE);
        assert!(expected > 0, "{backend}: no entry matches `{}`", case.query);
        if case.name != "search" {
            assert_eq!(expected, PAGE, "{backend}: `{}` fills a page", case.query);
        }
        let floor = runtime
            .block_on(inbox.list(&case.filter))
            .expect("the floor");
        assert_eq!(floor.entries.len(), expected, "{backend}: `{}`", case.query);
        let mut uris = vec![format!("/?{}", case.query)];
        if case.name == "list" {
            uris.push("/rows".to_owned());
        }
        for uri in uris {
            let (status, body) = runtime.block_on(get(&router, &token, &uri));
            let html = String::from_utf8_lossy(&body);
            assert_eq!(status, StatusCode::OK, "{backend} {uri}: {html}");
            assert_eq!(
                html.matches("data-event-id=").count(),
                expected,
                "{backend} {uri}: the rows"
            );
            assert!(
                html.contains(&floor.entries[0].event_id),
                "{backend} {uri}: the newest entry"
            );
        }
    }
    let day_ago = || time::OffsetDateTime::now_utc() - time::Duration::hours(24);
    assert!(
        !runtime
            .block_on(inbox.rejections(day_ago()))
            .expect("rejections")
            .is_empty(),
        "{backend}: the strip shows rejections"
    );

    let mut group = c.benchmark_group(format!("console_list/{backend}"));
    // Flat: the slow cases (tens of ms) fit 30 samples in the time without a warning.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    for case in &cases {
        let (floor, page) = match case.name {
            "list" => ("floor_list".to_owned(), "page".to_owned()),
            name => (format!("floor_{name}"), format!("page_{name}")),
        };
        group.bench_function(floor, |b| {
            b.iter(|| runtime.block_on(inbox.list(&case.filter)).expect("a page"));
        });
        let uri = format!("/?{}", case.query);
        group.bench_function(page, |b| {
            b.iter(|| runtime.block_on(get(&router, &token, &uri)));
        });
        if case.name == "list" {
            group.bench_function("rows", |b| {
                b.iter(|| runtime.block_on(get(&router, &token, "/rows")));
            });
        }
    }
    // What the strip counts (the open entries, the dead letters, the last day's handled
    // ones), beside the exact count of everything, which grows with the inbox.
    group.bench_function("strip_counts", |b| {
        b.iter(|| {
            runtime
                .block_on(inbox.counts_since(day_ago()))
                .expect("counts")
        });
    });
    group.bench_function("counts_all", |b| {
        b.iter(|| runtime.block_on(inbox.counts()).expect("counts"));
    });
    group.bench_function("strip_activity", |b| {
        b.iter(|| runtime.block_on(inbox.activity(24)).expect("activity"));
    });
    group.bench_function("strip_rejections", |b| {
        b.iter(|| {
            runtime
                .block_on(inbox.rejections(day_ago()))
                .expect("rejections")
        });
    });
    group.finish();
    runtime.block_on(async {
        match raw {
            Raw::Sqlite(pool) => pool.close().await,
            Raw::Postgres(pool) => pool.close().await,
        }
    });
}

fn console_list(c: &mut Criterion) {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|arg| arg == "--test") || !args.iter().any(|arg| arg == "--bench");
    let size = if quick { TEST_ENTRIES } else { ENTRIES };
    for (name, _) in TYPES {
        assert!(
            EventType::ALL.iter().any(|known| known.as_str() == *name),
            "{name} is not a known event type"
        );
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let url = runtime.block_on(sqlite_inbox(size));
    bench_backend(c, "sqlite", &url);
    if let Ok(base) = std::env::var("DATABASE_URL_POSTGRES") {
        let url = runtime.block_on(postgres_inbox(&base, size));
        bench_backend(c, "postgres", &url);
    } else {
        eprintln!("DATABASE_URL_POSTGRES is not set: the Postgres console bench is skipped");
    }
}

criterion_group!(benches, console_list);
criterion_main!(benches);
