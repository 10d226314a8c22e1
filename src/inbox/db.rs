//! The database behind an inbox: one pool per backend, chosen by the URL, and `on_db!`, which
//! writes a query once for both.

use std::str::FromStr;
use std::time::Duration;

use time::OffsetDateTime;

use crate::store::StoreError;

/// A connection pool to one of the backends this build has.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool: the same query text and binds serve
/// both (sqlx's SQLite driver takes `$1` placeholders too), compiled once per backend.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            #[cfg(feature = "sqlite")]
            $crate::inbox::db::Db::Sqlite($pool) => $body,
            #[cfg(feature = "postgres")]
            $crate::inbox::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_db;

/// How long a statement may wait for SQLite's write lock before it fails (and the delivery is
/// answered 503, for Stripe to retry).
#[cfg(feature = "sqlite")]
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Ingest's committers on Postgres.
#[cfg(feature = "postgres")]
const POSTGRES_WRITERS: usize = 4;
/// Room for the committers, the workers' claims and results, and reads.
#[cfg(feature = "postgres")]
const POSTGRES_CONNECTIONS: u32 = 16;

impl Db {
    /// Connects to `url`: `sqlite://PATH` (the file is created if missing) or
    /// `postgres://…` / `postgresql://…`.
    pub(crate) async fn connect(url: &str) -> Result<Db, StoreError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            #[cfg(feature = "sqlite")]
            "sqlite" => {
                use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|error| StoreError::new("invalid SQLite URL").with_source(error))?
                    .create_if_missing(true)
                    // WAL with FULL: a commit is fsynced before it returns, so a 200 means the
                    // event survives a power cut; readers never block the writer.
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true);
                // Opening a connection sets WAL mode, which waits for no busy timeout: while
                // another instance migrates the same file, it fails with SQLITE_BUSY at once.
                // Such a failure is retried for as long as a statement would wait.
                let started = std::time::Instant::now();
                loop {
                    let opened = sqlx::pool::PoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(SQLITE_BUSY_TIMEOUT)
                        .connect_with(options.clone())
                        .await;
                    match opened {
                        Ok(pool) => return Ok(Db::Sqlite(pool)),
                        Err(error)
                            if is_busy(&error) && started.elapsed() < SQLITE_BUSY_TIMEOUT =>
                        {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(error) => return Err(unavailable("SQLite", error)),
                    }
                }
            }
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => {
                use sqlx::postgres::PgConnectOptions;
                let options = PgConnectOptions::from_str(url)
                    .map_err(|error| StoreError::new("invalid Postgres URL").with_source(error))?
                    // A commit returns once its WAL record is flushed, whatever the server's
                    // default: a 200 means the event is durable.
                    .options([("synchronous_commit", "on")]);
                let pool = sqlx::pool::PoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await
                    .map_err(|error| unavailable("Postgres", error))?;
                Ok(Db::Postgres(pool))
            }
            // A bare path (`/var/lib/events.db`, `events.db`) is the usual slip: say how to write it.
            "" => Err(StoreError::new(format!(
                "`{url}` is not an inbox URL: give a URL such as `sqlite://{url}`; this build takes {SCHEMES}"
            ))),
            _ => Err(StoreError::new(format!(
                "unsupported inbox URL scheme `{scheme}:`: this build takes {SCHEMES}"
            ))),
        }
    }

    /// How many transactions ingest runs at once: SQLite takes one writer at a time; Postgres
    /// flushes concurrent commits' WAL together, so several committers share its fsyncs.
    pub(crate) fn writers(&self) -> usize {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => 1,
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => POSTGRES_WRITERS,
        }
    }

    /// The backend's name, for messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => "SQLite",
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => "Postgres",
        }
    }
}

const SCHEMES: &str = {
    #[cfg(all(feature = "sqlite", feature = "postgres"))]
    {
        "`sqlite://PATH` and `postgres://…`"
    }
    #[cfg(all(feature = "sqlite", not(feature = "postgres")))]
    {
        "`sqlite://PATH` (enable the `postgres` feature for `postgres://…`)"
    }
    #[cfg(all(feature = "postgres", not(feature = "sqlite")))]
    {
        "`postgres://…` (enable the `sqlite` feature for `sqlite://PATH`)"
    }
};

/// Whether SQLite said the file is locked by another connection (`SQLITE_BUSY`, code 5).
#[cfg(feature = "sqlite")]
fn is_busy(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.code().as_deref() == Some("5"))
}

/// A database error as a [`StoreError`] saying what could not be done.
pub(crate) fn unavailable(what: &str, error: sqlx::Error) -> StoreError {
    StoreError::new(format!("{what}: the inbox database did not answer")).with_source(error)
}

/// A database error while doing `what`.
pub(crate) fn failed(what: &str) -> impl FnOnce(sqlx::Error) -> StoreError + '_ {
    move |error| StoreError::new(format!("inbox: {what} failed")).with_source(error)
}

/// Times are stored as Unix microseconds (`BIGINT`), the same in both backends.
pub(crate) fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The inverse of [`micros`]; a value out of range (never written by us) reads as the epoch.
pub(crate) fn from_micros(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A duration in microseconds, saturating.
pub(crate) fn duration_micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::Db;

    #[test]
    fn a_bare_path_or_another_scheme_is_refused_with_what_to_write() {
        let Err(error) = pollster::block_on(Db::connect("/var/lib/stripe/events.db")) else {
            panic!("a bare path is not a URL");
        };
        assert!(
            error
                .to_string()
                .contains("give a URL such as `sqlite:///var/lib/stripe/events.db`"),
            "{error}"
        );
        let Err(error) = pollster::block_on(Db::connect("mysql://localhost/events")) else {
            panic!("no MySQL backend");
        };
        assert!(
            error
                .to_string()
                .contains("unsupported inbox URL scheme `mysql:`"),
            "{error}"
        );
    }
}
