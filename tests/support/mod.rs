//! Shared helpers for the integration tests.
#![allow(dead_code)]

pub(crate) mod stores;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use stripe_webhooks::{Error, Event};

/// The repository's root: the root package's folder, where these helpers are
/// (`tests/support/`). The `integration/` package's tests include them from there too (with
/// `#[path]`), so paths are taken from here, never from the including package's folder.
pub(crate) fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .find(|dir| dir.join("tests/support/mod.rs").is_file())
        .expect("the repository root (the folder with tests/support/mod.rs)")
}

/// The shared Stripe corpus (`../shared/stripe/fixtures`), read at test time and never copied
/// into this repository. Absent: `None` with a loud message, or a failure under `CI=true`.
pub(crate) fn shared_fixtures() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/stripe/fixtures");
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

/// Every `.json` file under `dir`, recursively, sorted; folders that cannot be read are passed over.
pub(crate) fn json_files(dir: &Path) -> Vec<PathBuf> {
    json_files_in(dir, Unreadable::Skip)
}

/// A time as `verify_at` takes it.
pub(crate) fn at(unix_seconds: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds).expect("a representable time")
}

/// What `json_files_in` does with a folder or entry it cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// Pass over it.
    Skip,
    /// Fail the test.
    Panic,
}

/// Every `.json` file under `dir`, recursively, sorted; what cannot be read is handled as `unreadable` says.
pub(crate) fn json_files_in(dir: &Path, unreadable: Unreadable) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if unreadable == Unreadable::Panic => {
                panic!("cannot read the folder {}: {e}", current.display())
            }
            Err(_) => continue,
        };
        for entry in entries {
            let path = match entry {
                Ok(entry) => entry.path(),
                Err(e) if unreadable == Unreadable::Panic => {
                    panic!("cannot read an entry of {}: {e}", current.display())
                }
                Err(_) => continue,
            };
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

/// The JSON in the file at `path`; a file that cannot be read or is not JSON fails the test.
pub(crate) fn read_json(path: &Path) -> Value {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The JSON in the file at `path`, or `None` when it is not JSON; a file that cannot be read
/// as UTF-8 text fails the test.
pub(crate) fn try_read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).ok()
}

/// Our own fixture `tests/fixtures/resources/<name>`, as JSON.
pub(crate) fn fixture(name: &str) -> Value {
    read_json(&repo_root().join("tests/fixtures/resources").join(name))
}

/// A snapshot event of `event_type` around `object` (its `data.object`), as Stripe would deliver it.
pub(crate) fn event_around(event_type: &str, object: &Value) -> Event {
    let body = json!({
        "id": "evt_1RkT5fLm2Wq8Rt5YbIlLiNg1",
        "object": "event",
        "api_version": stripe_webhooks::API_VERSION,
        "type": event_type,
        "created": 1_700_000_000,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "data": {"object": object},
    });
    Event::from_slice(&serde_json::to_vec(&body).expect("an envelope serializes"))
        .expect("a valid event")
}

/// The path of the `ObjectShape` error that `object_strict()` gives (and `object()` sets aside) for an event of `event_type` around `object`.
pub(crate) fn shape_error_path(event_type: &str, object: &Value) -> String {
    match event_around(event_type, object).object_strict() {
        Err(Error::ObjectShape { path, .. }) => path.into_string(),
        Err(other) => panic!("expected an ObjectShape error, got {other:?}"),
        Ok(parsed) => panic!("expected an ObjectShape error, parsed {parsed:?}"),
    }
}

/// What `with_nulls` does with a key that is not in the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IfAbsent {
    /// Add the key, as `null`.
    Insert,
    /// Fail the test: the key was meant to be in the fixture.
    Panic,
}

/// `object` with `object[key] = null` for each key; an absent key is handled as `if_absent` says.
pub(crate) fn with_nulls(mut object: Value, keys: &[&str], if_absent: IfAbsent) -> Value {
    let map = object.as_object_mut().expect("an object");
    for key in keys {
        assert!(
            if_absent == IfAbsent::Insert || map.contains_key(*key),
            "{key} is in the fixture"
        );
        map.insert((*key).to_owned(), Value::Null);
    }
    object
}

/// Every JSON object at or under `value` whose `object` string `keep` accepts, parents first,
/// each with its JSON path (`""` for `value` itself, then `.key` and `[index]` steps).
pub(crate) fn objects_where<'a>(
    value: &'a Value,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<(String, &'a Value)> {
    fn walk<'a>(
        value: &'a Value,
        path: String,
        keep: &dyn Fn(&str) -> bool,
        out: &mut Vec<(String, &'a Value)>,
    ) {
        match value {
            Value::Object(map) => {
                if map.get("object").and_then(Value::as_str).is_some_and(keep) {
                    out.push((path.clone(), value));
                }
                for (key, child) in map {
                    walk(child, format!("{path}.{key}"), keep, out);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    walk(child, format!("{path}[{index}]"), keep, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), keep, &mut out);
    out
}

/// An example binary (of either package) built by `cargo test` beside the calling test.
pub(crate) fn example(name: &str) -> std::process::Command {
    let mut path: PathBuf = std::env::current_exe().expect("the test binary's path");
    path.pop();
    if path.ends_with("deps") {
        path.pop();
    }
    let binary = path.join("examples").join(name);
    assert!(
        binary.exists(),
        "{} is not built: run the whole `cargo test --workspace` (it builds the examples) or `cargo build --workspace --examples`",
        binary.display()
    );
    std::process::Command::new(binary)
}

/// Runs an example binary with `args`, requires it to succeed (printing what it wrote if not),
/// and returns its standard output.
pub(crate) fn run_example(name: &str, args: &[&str]) -> String {
    let output = example(name)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run the {name} example: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
