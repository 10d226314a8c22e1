//! Fuzz finding (target `thin_event`): a snapshot event whose top-level `object` key appears
//! twice. The crate was right (the last value counts, as `serde_json::Value` reads it, so the
//! thin parser names the snapshot parser); the fuzz property read `object` through a derived
//! struct, which refuses a repeated key. Kept here: the thin parser reads the last value, and
//! the snapshot parser refuses a repeated known field by name, as documented on `Event`.

use stripe_webhooks::{Error, Event, ThinEvent};

// Minimized from the fuzzer's input.
const SNAPSHOT: &str = r#"{"id":"evt_1","object":"event","type":"payment_method.up","object":"event","type":"payment_method.updated","created":1700000000,"livemode":false,"data":{"object":{"id":"pm_1"}}}"#;

#[test]
fn the_snapshot_parser_refuses_the_repeated_field_by_name() {
    match Event::from_slice(SNAPSHOT.as_bytes()) {
        Err(Error::NotAnEvent { reason }) => {
            assert!(reason.contains("duplicate field `object`"), "{reason}");
        }
        other => panic!("expected NotAnEvent, got {other:?}"),
    }
}

#[test]
fn the_thin_parser_refuses_it_as_a_snapshot_event() {
    assert!(matches!(
        ThinEvent::from_slice(SNAPSHOT.as_bytes()),
        Err(Error::SnapshotEventPayload)
    ));
}

#[test]
fn a_thin_object_sent_last_makes_it_thin() {
    let body = r#"{"id":"evt_1","object":"event","type":"v1.x","created":"2024-09-17T06:20:52Z","object":"v2.core.event"}"#;
    assert_eq!(
        ThinEvent::from_slice(body.as_bytes()).unwrap().id(),
        "evt_1"
    );
}

#[test]
fn an_earlier_object_that_is_no_string_does_not_count() {
    // Second fuzz input: an earlier `object` holds a lone surrogate escape, the last one is
    // "event"; only the last value is read.
    let body = r#"{"id":"evt_1","object":"v2.\ud800vent","type":"v1.x","created":"2024-09-17T06:20:52Z","object":"event"}"#;
    assert!(matches!(
        ThinEvent::from_slice(body.as_bytes()),
        Err(Error::SnapshotEventPayload)
    ));
}
