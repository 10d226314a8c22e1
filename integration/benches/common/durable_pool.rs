//! The inbox benches' databases: a fresh folder or Postgres database per run, and the floors'
//! pools with the inbox's durability (SQLite in WAL mode with `synchronous=FULL`, Postgres with
//! `synchronous_commit=on`); one place for both benches.

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

/// An empty folder for this run's SQLite files, `stripe-webhooks-bench-<name>-<pid>`.
pub(crate) fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stripe-webhooks-bench-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a bench folder");
    dir
}

/// The URL of an empty database `database` on the server of `base` (`DATABASE_URL_POSTGRES`),
/// dropped and created again with `psql`.
pub(crate) fn fresh_postgres(base: &str, database: &str) -> String {
    let (server, _) = base.rsplit_once('/').expect("a database URL");
    for sql in [
        format!("DROP DATABASE IF EXISTS {database}"),
        format!("CREATE DATABASE {database}"),
    ] {
        let status = std::process::Command::new("psql")
            .args([base, "-qc", &sql])
            .status()
            .expect("psql");
        assert!(status.success(), "{sql}");
    }
    format!("{server}/{database}")
}
