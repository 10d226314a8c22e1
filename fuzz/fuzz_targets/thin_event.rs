//! `ThinEvent::from_slice` on arbitrary bytes, and the snapshot parser on the same bytes.
//!
//! Properties: a thin event serializes to JSON that parses back to the same event, and to the
//! JSON value it came from where the input is a `Value`, and its accessors agree with it; the
//! snapshot parser never accepts a thin event; `SnapshotEventPayload` comes only for
//! `"object": "event"`, `Json` only for bytes that are not JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stripe_webhooks::{Error, Event, ThinEvent};

/// The top-level `object` string, everything else skipped unparsed. A repeated key counts with
/// its last value, as the crate and `serde_json::Value` read it (a derived struct would refuse
/// the repeat: fuzz finding, tests/regression/repeated_envelope_object_key.rs), and only that
/// last value is decoded (an earlier one may hold a lone surrogate escape).
fn object_of(data: &[u8]) -> Option<String> {
    struct ObjectOf;
    impl<'de> serde::de::Visitor<'de> for ObjectOf {
        type Value = Option<Box<serde_json::value::RawValue>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut object = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "object" {
                    object = Some(map.next_value()?);
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(object)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(data);
    let raw = serde::Deserializer::deserialize_map(&mut deserializer, ObjectOf).ok()??;
    serde_json::from_str(raw.get()).ok()
}

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<Value>(data).ok();
    match ThinEvent::from_slice(data) {
        Ok(thin) => {
            // Unknown fields, `context`, `reason` and `related_object` are kept raw, so a thin
            // event can hold numbers or nesting `Value` does not accept; written back, it
            // parses to the same event. Where the input parses as a `Value`, it equals it.
            let bytes = serde_json::to_vec(&thin).expect("a thin event serializes");
            assert_eq!(
                ThinEvent::from_slice(&bytes).expect("a serialized thin event parses"),
                thin
            );
            if let Some(value) = value {
                let back = serde_json::to_value(&thin).expect("the input was a Value");
                assert_eq!(back, value, "lossy round trip");
                assert_eq!(value["id"].as_str(), Some(thin.id()));
                assert_eq!(value["type"].as_str(), Some(thin.event_type()));
                assert_eq!(value["created"].as_str(), Some(thin.created_raw()));
            }
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
            // Read `object` alone: the rest may hold what `Value` refuses but a raw skip
            // accepts (a lone surrogate escape such as "\ud800" in a nested key).
            assert_eq!(object_of(data).as_deref(), Some("event"));
        }
        Err(Error::NotAnEvent { .. }) => {}
        Err(other) => panic!("ThinEvent::from_slice returned {other:?}"),
    }
});
