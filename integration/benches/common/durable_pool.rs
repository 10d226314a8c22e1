//! The inbox benches' floors connect with the inbox's durability: SQLite in WAL mode with
//! `synchronous=FULL`, Postgres with `synchronous_commit=on`; one place for both benches.

use std::str::FromStr;
use std::time::Duration;

/// A pool on the SQLite file at `url` (created if missing), each commit fsynced.
pub(crate) async fn sqlite(url: &str) -> sqlx::SqlitePool {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let options = SqliteConnectOptions::from_str(url)
        .expect("an SQLite URL")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(30));
    sqlx::pool::PoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .expect("the floor database")
}

/// A pool of `connections` on the Postgres database at `url`, each commit flushed.
pub(crate) async fn postgres(url: &str, connections: u32) -> sqlx::PgPool {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .expect("a Postgres URL")
        .options([("synchronous_commit", "on")]);
    sqlx::pool::PoolOptions::new()
        .max_connections(connections)
        .connect_with(options)
        .await
        .expect("the floor database")
}
