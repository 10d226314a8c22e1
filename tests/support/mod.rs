//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared Stripe corpus (`../shared/stripe/fixtures`), read at test time and never copied
/// into this repository. Absent: `None` with a loud message, or a failure under `CI=true`.
pub(crate) fn shared_fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/stripe/fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "the shared Stripe fixtures are missing at {}: these tests check nothing without them",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
    None
}

/// Every `.json` file under `dir`, recursively, sorted.
pub(crate) fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A time as `verify_at` takes it.
pub(crate) fn at(unix_seconds: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds).expect("a representable time")
}
