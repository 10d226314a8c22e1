//! `EventType` against Stripe's published list, the single source of its variants.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;

use std::collections::BTreeSet;

use proptest::prelude::*;
use stripe_webhooks::EventType;

#[test]
fn every_listed_type_is_its_own_known_variant_and_back() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    let list =
        std::fs::read_to_string(fixtures.join("../event-types.txt")).expect("event-types.txt");
    let listed: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(listed.len(), 275);

    let mut variants = BTreeSet::new();
    for &name in &listed {
        let parsed: EventType = name.parse().unwrap();
        assert!(parsed.is_known(), "{name} has no variant");
        assert_eq!(parsed.as_str(), name);
        assert_eq!(parsed.to_string(), name);
        let json = serde_json::to_string(&parsed).unwrap();
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<EventType>(&json).unwrap(), parsed);
        assert!(
            variants.insert(format!("{parsed:?}")),
            "{name} shares a variant"
        );
    }
    // And nothing beyond the list: the enum and the list are the same set.
    let ours: BTreeSet<&str> = EventType::ALL.iter().map(EventType::as_str).collect();
    let theirs: BTreeSet<&str> = listed.iter().copied().collect();
    assert_eq!(ours, theirs);
}

#[test]
fn unknown_types_keep_their_string() {
    for name in [
        "",
        "v2.core.event_destination.ping",
        "payment_intent.teleported",
        "ÜNÏCØDÉ",
    ] {
        let parsed: EventType = name.parse().unwrap();
        assert_eq!(parsed, EventType::Unknown(name.to_owned()));
        assert_eq!(parsed.as_str(), name);
        let back: EventType =
            serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
        assert_eq!(back, parsed);
    }
}

#[test]
fn escaped_strings_are_read_as_their_text() {
    let parsed: EventType = serde_json::from_str(r#""charge\u002efailed""#).unwrap();
    assert_eq!(parsed, EventType::ChargeFailed);
}

proptest! {
    #[test]
    fn any_string_round_trips(name in "\\PC{0,60}") {
        let parsed: EventType = name.parse().unwrap();
        prop_assert_eq!(parsed.as_str(), name.as_str());
        let json = serde_json::to_string(&parsed).unwrap();
        prop_assert_eq!(serde_json::from_str::<EventType>(&json).unwrap(), parsed);
    }
}
