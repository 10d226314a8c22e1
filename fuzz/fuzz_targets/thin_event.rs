//! `ThinEvent::from_slice` on arbitrary bytes, and the snapshot parser on the same bytes.
//!
//! Properties: a thin event serializes back to the JSON value it came from and its accessors
//! agree with it; the snapshot parser never accepts a thin event; `SnapshotEventPayload` comes
//! only for `"object": "event"`, `Json` only for bytes that are not JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stripe_webhooks::{Error, Event, ThinEvent};

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<Value>(data).ok();
    match ThinEvent::from_slice(data) {
        Ok(thin) => {
            let value = value.expect("a thin event is JSON");
            let back = serde_json::to_value(&thin).expect("a thin event serializes");
            assert_eq!(back, value, "lossy round trip");
            assert_eq!(value["id"].as_str(), Some(thin.id()));
            assert_eq!(value["type"].as_str(), Some(thin.event_type()));
            assert_eq!(value["created"].as_str(), Some(thin.created_raw()));
            let _ = (
                thin.created(),
                thin.related_object(),
                thin.context(),
                thin.reason(),
            );
            match Event::from_slice(data) {
                Ok(event) => panic!("the snapshot parser accepted a thin event: {event:?}"),
                Err(Error::ThinEventPayload | Error::NotAnEvent { .. }) => {}
                Err(other) => panic!("a thin event given to Event::from_slice: {other:?}"),
            }
        }
        Err(Error::Json(_)) => assert!(value.is_none(), "valid JSON reported as not JSON"),
        Err(Error::SnapshotEventPayload) => {
            assert_eq!(value.expect("JSON")["object"], "event");
        }
        Err(Error::NotAnEvent { .. }) => {}
        Err(other) => panic!("ThinEvent::from_slice returned {other:?}"),
    }
});
