//! The inbox's tables, versioned in a table of our own (`stripe_webhooks_schema`), so they
//! never collide with the host application's migrations. Migrating on open is safe when
//! several instances open the same database at once: Postgres takes a transaction-scoped
//! advisory lock, SQLite an immediate (write-locked) transaction, and each migration runs in
//! the transaction that records it.

use super::db::{failed, micros, Db};
use crate::store::StoreError;

/// One step of the schema: its version and its statements, per backend. Append, never edit.
struct Migration {
    version: i64,
    #[cfg(feature = "sqlite")]
    sqlite: &'static str,
    #[cfg(feature = "postgres")]
    postgres: &'static str,
}

/// The body column is the only type that differs between the two backends.
macro_rules! v1 {
    ($blob:literal) => {
        concat!(
            "CREATE TABLE stripe_webhooks_events (
                event_id TEXT PRIMARY KEY,
                event_type TEXT NOT NULL,
                api_version TEXT,
                livemode BOOLEAN NOT NULL,
                account TEXT,
                created BIGINT NOT NULL,
                body ", $blob, " NOT NULL,
                status TEXT NOT NULL
                    CHECK (status IN ('pending', 'processing', 'handled', 'retrying', 'failed')),
                attempts BIGINT NOT NULL DEFAULT 0,
                lease BIGINT NOT NULL DEFAULT 0,
                due_at BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                finished_at BIGINT,
                last_error TEXT,
                deliveries BIGINT NOT NULL DEFAULT 1,
                CHECK ((finished_at IS NOT NULL) = (status IN ('handled', 'failed')))
            );
            CREATE INDEX stripe_webhooks_events_due ON stripe_webhooks_events (due_at, event_id)
                WHERE status IN ('pending', 'retrying', 'processing');
            CREATE INDEX stripe_webhooks_events_finished ON stripe_webhooks_events (finished_at)
                WHERE finished_at IS NOT NULL;
            CREATE INDEX stripe_webhooks_events_received
                ON stripe_webhooks_events (received_at, event_id);
            CREATE TABLE stripe_webhooks_deliveries (
                event_id TEXT NOT NULL
                    REFERENCES stripe_webhooks_events (event_id) ON DELETE CASCADE,
                seq BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                status BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                secret_index BIGINT NOT NULL,
                PRIMARY KEY (event_id, seq)
            );
            CREATE TABLE stripe_webhooks_attempts (
                event_id TEXT NOT NULL
                    REFERENCES stripe_webhooks_events (event_id) ON DELETE CASCADE,
                attempt BIGINT NOT NULL,
                started_at BIGINT NOT NULL,
                duration_us BIGINT NOT NULL,
                result TEXT NOT NULL,
                error TEXT,
                PRIMARY KEY (event_id, attempt)
            );
            CREATE TABLE stripe_webhooks_rejections (
                minute BIGINT NOT NULL,
                kind TEXT NOT NULL,
                count BIGINT NOT NULL,
                PRIMARY KEY (minute, kind)
            );"
        )
    };
}

/// The ring of rejected deliveries kept on request; the id orders them.
macro_rules! v2 {
    ($id:literal, $blob:literal) => {
        concat!(
            "CREATE TABLE stripe_webhooks_rejected (
                id ",
            $id,
            " PRIMARY KEY,
                received_at BIGINT NOT NULL,
                kind TEXT NOT NULL,
                signature TEXT,
                body ",
            $blob,
            " NOT NULL,
                truncated BOOLEAN NOT NULL
            )"
        )
    };
}

/// What the console needs to filter and search without a scan: the object's id (search by
/// `pi_…`), the list by status or type in received order, and the per-hour activity (the
/// failed runs alone: the successful ones are the many).
/// Entries stored before this version have no object id.
const V3: &str = "ALTER TABLE stripe_webhooks_events ADD COLUMN object_id TEXT;
    CREATE INDEX stripe_webhooks_events_object ON stripe_webhooks_events (object_id)
        WHERE object_id IS NOT NULL;
    CREATE INDEX stripe_webhooks_events_status_received
        ON stripe_webhooks_events (status, received_at, event_id);
    CREATE INDEX stripe_webhooks_events_type_received
        ON stripe_webhooks_events (event_type, received_at, event_id);
    CREATE INDEX stripe_webhooks_deliveries_received ON stripe_webhooks_deliveries (received_at);
    CREATE INDEX stripe_webhooks_attempts_failed ON stripe_webhooks_attempts (started_at)
        WHERE result <> 'handled'";

/// v3's `(status, received_at)` index changed at every status change, on the happy path too
/// (pending → processing → handled), and cost the workers a third of their throughput on
/// SQLite. The statuses a list is filtered by that are rare get partial indexes instead, which
/// only an entry entering or leaving them touches; pending and processing entries are the
/// newest, found first in received order.
const V4: &str = "DROP INDEX stripe_webhooks_events_status_received;
    CREATE INDEX stripe_webhooks_events_failed ON stripe_webhooks_events (received_at, event_id)
        WHERE status = 'failed';
    CREATE INDEX stripe_webhooks_events_retrying
        ON stripe_webhooks_events (received_at, event_id) WHERE status = 'retrying'";

/// Forwarding (feature `forward`): one row per event and target it goes to, with the target's
/// own delivery state, lease and schedule, so that one failing target neither blocks nor
/// re-sends to the others; and the attempts of each. Created whatever the features, so that
/// one database serves builds with and without forwarding.
const V5: &str = "CREATE TABLE stripe_webhooks_forwards (
        event_id TEXT NOT NULL
            REFERENCES stripe_webhooks_events (event_id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('pending', 'sending', 'delivered', 'retrying', 'failed')),
        attempts BIGINT NOT NULL DEFAULT 0,
        lease BIGINT NOT NULL DEFAULT 0,
        due_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        finished_at BIGINT,
        last_error TEXT,
        PRIMARY KEY (event_id, target),
        CHECK ((finished_at IS NOT NULL) = (status IN ('delivered', 'failed')))
    );
    CREATE INDEX stripe_webhooks_forwards_due ON stripe_webhooks_forwards (target, due_at, event_id)
        WHERE status IN ('pending', 'retrying', 'sending');
    CREATE INDEX stripe_webhooks_forwards_failed ON stripe_webhooks_forwards (target, finished_at)
        WHERE status = 'failed';
    CREATE TABLE stripe_webhooks_forward_attempts (
        event_id TEXT NOT NULL,
        target TEXT NOT NULL,
        attempt BIGINT NOT NULL,
        started_at BIGINT NOT NULL,
        duration_us BIGINT NOT NULL,
        result TEXT NOT NULL,
        response_status BIGINT,
        error TEXT,
        PRIMARY KEY (event_id, target, attempt),
        FOREIGN KEY (event_id, target)
            REFERENCES stripe_webhooks_forwards (event_id, target) ON DELETE CASCADE
    )";

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        #[cfg(feature = "sqlite")]
        sqlite: v1!("BLOB"),
        #[cfg(feature = "postgres")]
        postgres: v1!("BYTEA"),
    },
    Migration {
        version: 2,
        #[cfg(feature = "sqlite")]
        sqlite: v2!("INTEGER", "BLOB"),
        #[cfg(feature = "postgres")]
        postgres: v2!("BIGINT GENERATED ALWAYS AS IDENTITY", "BYTEA"),
    },
    Migration {
        version: 3,
        #[cfg(feature = "sqlite")]
        sqlite: V3,
        #[cfg(feature = "postgres")]
        postgres: V3,
    },
    Migration {
        version: 4,
        #[cfg(feature = "sqlite")]
        sqlite: V4,
        #[cfg(feature = "postgres")]
        postgres: V4,
    },
    Migration {
        version: 5,
        #[cfg(feature = "sqlite")]
        sqlite: V5,
        #[cfg(feature = "postgres")]
        postgres: V5,
    },
];

/// The newest schema version this build knows.
pub(crate) const SCHEMA_VERSION: i64 = 5;

const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS stripe_webhooks_schema (
    version BIGINT PRIMARY KEY,
    applied_at BIGINT NOT NULL
)";

/// Applies the missing migrations on `$conn` (a `&mut` connection inside the caller's
/// transaction), reading each migration's statements from `$field`. A macro rather than a
/// generic function: sqlx's bounds for "any backend" would outweigh the body.
macro_rules! apply {
    ($conn:expr, $field:ident, $now:expr) => {{
        sqlx::query(VERSION_TABLE)
            .execute(&mut *$conn)
            .await
            .map_err(failed("creating the schema table"))?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM stripe_webhooks_schema")
                .fetch_one(&mut *$conn)
                .await
                .map_err(failed("reading the schema version"))?;
        let current = current.unwrap_or(0);
        if current > SCHEMA_VERSION {
            return Err(StoreError::new(format!(
                "the inbox schema is at version {current}, newer than this build's \
                 {SCHEMA_VERSION}: upgrade stripe-webhooks, or open another database"
            )));
        }
        for migration in MIGRATIONS {
            if migration.version <= current {
                continue;
            }
            // One statement at a time (our own DDL: no `;` inside a statement).
            for statement in migration
                .$field
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                sqlx::query(statement)
                    .persistent(false)
                    .execute(&mut *$conn)
                    .await
                    .map_err(failed("migrating the schema"))?;
            }
            sqlx::query("INSERT INTO stripe_webhooks_schema (version, applied_at) VALUES ($1, $2)")
                .bind(migration.version)
                .bind($now)
                .execute(&mut *$conn)
                .await
                .map_err(failed("recording the schema version"))?;
        }
        Ok::<(), StoreError>(())
    }};
}

/// Brings the schema to [`SCHEMA_VERSION`]; refuses a database migrated by a newer build.
///
/// Boxed as a `Send` future where it is written: left to inference, the borrows of sqlx's
/// executors inside it defeat the check that `Inbox::open` is `Send` (rustc's "implementation
/// of `Executor` is not general enough").
pub(crate) fn migrate(
    db: &Db,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), StoreError>> + Send + '_>> {
    Box::pin(migrate_now(db))
}

async fn migrate_now(db: &Db) -> Result<(), StoreError> {
    let now = micros(time::OffsetDateTime::now_utc());
    match db {
        #[cfg(feature = "sqlite")]
        Db::Sqlite(pool) => {
            let mut conn = pool
                .acquire()
                .await
                .map_err(failed("opening a connection"))?;
            // IMMEDIATE takes the write lock up front: a second instance opening the same file
            // waits here (busy timeout) and then finds the schema done.
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut *conn)
                .await
                .map_err(failed("locking the schema"))?;
            let result = async { apply!(conn, sqlite, now) }.await;
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            sqlx::query(end)
                .execute(&mut *conn)
                .await
                .map_err(failed("committing the schema"))?;
            result
        }
        #[cfg(feature = "postgres")]
        Db::Postgres(pool) => {
            let mut tx = pool
                .begin()
                .await
                .map_err(failed("opening a transaction"))?;
            // Any constant works as the key; instances of this crate only need to agree on it.
            sqlx::query("SELECT pg_advisory_xact_lock(7361946803548715011)")
                .execute(&mut *tx)
                .await
                .map_err(failed("locking the schema"))?;
            apply!(tx, postgres, now)?;
            tx.commit().await.map_err(failed("committing the schema"))
        }
    }
}
