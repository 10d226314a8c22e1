//! Every real event and Stripe example object in the shared corpus (events of API versions
//! 2013 to 2025 written by others, and Stripe's own example of every resource): each event
//! parses, round-trips losslessly, and its object becomes the right typed variant; each typed
//! resource's example object parses into its type.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod support;

use std::path::Path;

use serde_json::Value;
use stripe_webhooks::{Event, EventObject};

/// The `object` strings of the hand-written resources (always typed, whatever the features).
const TYPED: &[&str] = &[
    "charge",
    "checkout.session",
    "customer",
    "dispute",
    "invoice",
    "invoice_payment",
    "payment_intent",
    "payment_method",
    "payout",
    "price",
    "product",
    "refund",
    "setup_intent",
    "subscription",
];

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_real_event_parses_losslessly_into_the_right_variant() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    let files = support::json_files(&fixtures.join("events"));
    assert_eq!(files.len(), 262, "the corpus changed: update this count");
    let mut failures = Vec::new();
    let mut typed = 0;
    let mut typed_expected = 0;
    for path in &files {
        let bytes = read(path);
        let name = path
            .strip_prefix(&fixtures)
            .unwrap_or(path)
            .display()
            .to_string();
        let event = match Event::from_slice(&bytes) {
            Ok(event) => event,
            Err(error) => {
                failures.push(format!("{name}: parse: {error}"));
                continue;
            }
        };
        let sent: Value = serde_json::from_slice(&bytes).unwrap();
        if serde_json::to_value(&event).unwrap() != sent {
            failures.push(format!("{name}: round trip is not lossless"));
        }
        let kind = sent["data"]["object"]["object"].as_str();
        if kind.is_some_and(|k| EventObject::OBJECT_NAMES.contains(&k)) {
            typed_expected += 1;
        }
        match event.object() {
            Ok(EventObject::Unknown(value)) => {
                if let Some(kind) = kind.filter(|k| EventObject::OBJECT_NAMES.contains(k)) {
                    failures.push(format!("{name}: {kind} came back Unknown"));
                }
                assert_eq!(
                    value, sent["data"]["object"],
                    "{name}: Unknown keeps the object"
                );
            }
            Ok(object) => {
                typed += 1;
                if object.object_name() != kind {
                    failures.push(format!(
                        "{name}: {kind:?} became {:?}",
                        object.object_name()
                    ));
                }
            }
            Err(error) => failures.push(format!("{name}: object(): {error}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} events failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert_eq!(typed, typed_expected);
    assert!(
        typed >= 140,
        "only {typed} events had a typed object: the corpus changed?"
    );
}

#[test]
fn the_hand_written_resources_come_first_in_the_typed_list() {
    assert_eq!(TYPED, &EventObject::OBJECT_NAMES[..TYPED.len()]);
}

#[test]
fn stripe_example_object_of_every_typed_resource_parses() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    for kind in TYPED {
        let path = fixtures.join("objects").join(format!("{kind}.json"));
        let raw: Box<serde_json::value::RawValue> =
            serde_json::from_slice(&read(&path)).expect("json");
        let object = EventObject::from_raw(&raw).unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(object.object_name(), Some(*kind));
        assert!(
            !matches!(object, EventObject::Unknown(_)),
            "{kind} is typed"
        );
    }
}

#[test]
fn every_other_example_object_is_unknown_never_an_error() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    let files = support::json_files(&fixtures.join("objects"));
    assert!(files.len() >= 174);
    for path in files {
        let raw: Box<serde_json::value::RawValue> =
            serde_json::from_slice(&read(&path)).expect("json");
        let object =
            EventObject::from_raw(&raw).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let kind = serde_json::from_str::<Value>(raw.get()).unwrap()["object"]
            .as_str()
            .map(str::to_owned);
        if !kind
            .as_deref()
            .is_some_and(|k| EventObject::OBJECT_NAMES.contains(&k))
        {
            assert!(
                matches!(object, EventObject::Unknown(_)),
                "{}",
                path.display()
            );
        }
    }
}
