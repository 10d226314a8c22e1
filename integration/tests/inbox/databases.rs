//! A fresh database per test: an SQLite file in a temporary folder, or a Postgres database
//! created on the server `.ci/run` starts (`DATABASE_URL_POSTGRES`).
#![allow(dead_code)] // each test binary that includes this uses a part

use std::path::PathBuf;
use std::process::Command;

/// Declares each test once per backend: `sqlite::name` and `postgres::name`.
#[allow(unused_macros)] // the test binaries that include this without running on both
macro_rules! backends {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)+) => {
        $(async fn $name($backend: Backend) $body)+
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(super::Backend::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() { super::$name(super::Backend::Postgres).await })+
        }
    };
}

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// A URL for a new, empty database named after `test`, or `None` (with a loud message) when
/// the backend is not available here; under `CI=true` a missing backend fails the test.
pub(crate) fn fresh(backend: Backend, test: &str) -> Option<String> {
    match backend {
        Backend::Sqlite => {
            let dir = sqlite_dir(test);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Some(format!("sqlite://{}", dir.join("events.db").display()))
        }
        Backend::Postgres => {
            let Ok(base) = std::env::var("DATABASE_URL_POSTGRES") else {
                let message = "DATABASE_URL_POSTGRES is not set: the Postgres inbox tests check \
                               nothing (start one with `bash .ci/postgres.sh start`)";
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
                eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
                return None;
            };
            let name = format!("inbox_{}_{}", test, std::process::id());
            psql(&base, &format!("DROP DATABASE IF EXISTS {name}"));
            psql(&base, &format!("CREATE DATABASE {name}"));
            let (server, _) = base.rsplit_once('/').unwrap();
            Some(format!("{server}/{name}"))
        }
    }
}

/// The folder of an SQLite test's files.
pub(crate) fn sqlite_dir(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "stripe-webhooks-inbox-{}-{test}",
        std::process::id()
    ))
}

/// Runs one SQL statement with `psql` (the client Debian's `postgresql` brings).
pub(crate) fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .expect("psql runs (Debian's postgresql-client)");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}
