//! The generated resources against Stripe's own example objects (`shared/stripe/fixtures/
//! objects/`) and the event-type → object-type map the generator used
//! (`tools/typegen/event-objects.tsv`, from stripe-node's `Events.d.ts`).
//!
//! Both tests need every family compiled in: `cargo test --features all-resources` (CI runs
//! the workspace with `--all-features`).
#![cfg(feature = "all-resources")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use stripe_webhooks::{Event, EventObject};

/// Event type → the object types its `data.object` may carry, as the generator wrote it.
fn event_objects() -> BTreeMap<String, Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/typegen/event-objects.tsv");
    let text = std::fs::read_to_string(&path).expect("tools/typegen/event-objects.tsv");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (event_type, objects) = line.split_once('\t').expect("a tab");
            let objects = objects.split(' ').map(str::to_owned).collect();
            (event_type.to_owned(), objects)
        })
        .collect()
}

/// Stripe's example of an object type, if the fixtures hold one.
fn example(fixtures: &Path, object: &str) -> Option<PathBuf> {
    [
        fixtures.join("objects").join(format!("{object}.json")),
        fixtures.join("objects/beta").join(format!("{object}.json")),
    ]
    .into_iter()
    .find(|path| path.is_file())
}

/// How many resources are written by hand (the first entries of `OBJECT_NAMES`).
const HAND_WRITTEN: usize = 14;

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("JSON")
}

/// `value` without its `null` members, at every depth: the typed view writes an absent
/// `Option` as no member, so `null` and absent are the same to it.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| (key, without_nulls(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// What a required member that was not sent reads as (and is written back as).
fn is_default(value: &Value) -> bool {
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.values().all(is_default),
        Value::Null => true,
    }
}

/// The first place the sent value and the written one part, as a JSON path. A member written
/// with its default where none was sent is no difference (a required member an API version
/// does not send reads as its default); `filled` counts them.
fn first_difference(
    path: &str,
    sent: &Value,
    written: &Value,
    filled: &mut usize,
) -> Option<String> {
    match (sent, written) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter()
                .find_map(|key| match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => first_difference(&format!("{path}.{key}"), x, y, filled),
                    (None, Some(y)) if is_default(y) => {
                        *filled += 1;
                        None
                    }
                    (x, y) => Some(format!("{path}.{key}: {x:?} vs {y:?}")),
                })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(&format!("{path}[{i}]"), x, y, filled)),
        _ if sent == written => None,
        _ => Some(format!("{path}: {sent} vs {written}")),
    }
}

#[test]
fn every_event_type_carries_a_typed_object() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    let map = event_objects();
    let listed: BTreeSet<String> = std::fs::read_to_string(fixtures.join("../event-types.txt"))
        .expect("event-types.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let mapped: BTreeSet<String> = map.keys().cloned().collect();
    assert_eq!(
        listed, mapped,
        "the generator's map covers exactly the listed event types"
    );

    let mut typed = 0;
    let mut checked = 0;
    let mut without_example = BTreeSet::new();
    let mut failures = Vec::new();
    for (event_type, objects) in &map {
        let every_object_typed = objects
            .iter()
            .all(|object| EventObject::OBJECT_NAMES.contains(&object.as_str()));
        if every_object_typed {
            typed += 1;
        } else {
            failures.push(format!("{event_type}: {objects:?} not all catalogued"));
        }
        for object in objects {
            let Some(path) = example(&fixtures, object) else {
                without_example.insert(object.clone());
                continue;
            };
            let body = serde_json::json!({
                "id": "evt_1", "object": "event", "type": event_type, "created": 1_700_000_000,
                "livemode": false, "api_version": "2026-10-28.endive",
                "data": {"object": read_json(&path)},
            });
            let event = Event::from_slice(body.to_string().as_bytes()).expect("an envelope");
            checked += 1;
            match event.object() {
                Ok(EventObject::Unknown(_)) => {
                    failures.push(format!("{event_type}: {object} is Unknown"))
                }
                Ok(typed) if typed.object_name() != Some(object.as_str()) => failures.push(
                    format!("{event_type}: {object} typed as {:?}", typed.object_name()),
                ),
                Ok(_) => {}
                Err(error) => failures.push(format!("{event_type}: {object}: {error}")),
            }
        }
    }
    println!(
        "coverage: {typed} / {} event types carry only typed objects; {checked} event \
         envelopes built around Stripe's examples typed; no example for {without_example:?}",
        map.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(typed, map.len());
    assert!(
        checked >= 250,
        "only {checked} envelopes checked: the fixtures changed?"
    );
}

#[test]
fn every_example_of_an_event_carried_object_types_and_round_trips() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    // The hand-written resources keep fields of older API versions and are not written back
    // member for member; the generated ones are.
    let hand_written = &EventObject::OBJECT_NAMES[..HAND_WRITTEN];
    let carried: BTreeSet<String> = event_objects()
        .into_values()
        .flatten()
        .filter(|object| !hand_written.contains(&object.as_str()))
        .collect();
    let mut filled = 0;
    let mut typed = 0;
    let mut round_trips = 0;
    let mut failures = Vec::new();
    let mut files = support::json_files(&fixtures.join("objects"));
    files.sort();
    let mut examples = 0;
    for path in &files {
        let sent = read_json(path);
        let Some(kind) = sent["object"]
            .as_str()
            .filter(|k| carried.contains(*k))
            .map(str::to_owned)
        else {
            continue;
        };
        examples += 1;
        let raw = serde_json::value::RawValue::from_string(sent.to_string()).expect("raw");
        let object = match EventObject::from_raw(&raw) {
            Ok(EventObject::Unknown(_)) => {
                failures.push(format!("{kind}: Unknown"));
                continue;
            }
            Ok(object) => object,
            Err(error) => {
                failures.push(format!("{kind}: {error}"));
                continue;
            }
        };
        typed += 1;
        let written = without_nulls(object.to_value());
        match first_difference(&kind, &without_nulls(sent), &written, &mut filled) {
            None => round_trips += 1,
            Some(difference) => failures.push(format!("{kind}: round trip: {difference}")),
        }
    }
    println!(
        "coverage: {typed} / {examples} examples of event-carried objects typed, \
         {round_trips} round-trip to an equal JSON value (nulls aside; {filled} required \
         members not sent came back as their defaults)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(round_trips, examples);
    assert!(
        examples >= 70,
        "only {examples} examples: the fixtures changed?"
    );
}
