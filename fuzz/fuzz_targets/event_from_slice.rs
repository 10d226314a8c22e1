//! `Event::from_slice` on arbitrary bytes.
//!
//! Properties: an event that parses re-serializes to JSON that parses back to the same value
//! as the input, and to the same event (serializing twice gives the same bytes); its accessors
//! agree with the JSON; a failure is `Json` exactly when the bytes are not JSON, and
//! `ThinEventPayload` only for `"object": "v2.core.event"`; and the envelope's fast reader
//! (the scanner) gives exactly what serde_json's reader gives (`Deserialize for Event` always
//! takes the serde road), or gives up and lets it decide.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stripe_webhooks::{Error, Event};

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<Value>(data).ok();
    let parsed = Event::from_slice(data);
    match (&parsed, serde_json::from_slice::<Event>(data)) {
        (Ok(fast), Ok(reference)) => assert_eq!(
            serde_json::to_vec(fast).expect("serializes"),
            serde_json::to_vec(&reference).expect("serializes"),
            "the fast reader and the serde reader read different events"
        ),
        (Err(_), Err(_)) => {}
        (fast, reference) => panic!("fast reader: {fast:?}, serde reader: {reference:?}"),
    }
    match parsed {
        Ok(event) => {
            let bytes = serde_json::to_vec(&event).expect("an event always serializes");
            let again = Event::from_slice(&bytes).expect("a serialized event parses");
            assert_eq!(
                serde_json::to_vec(&again).expect("serializes"),
                bytes,
                "not stable across a round trip"
            );
            // `data.object` is kept raw, so an event can hold nesting deeper than `Value`
            // accepts; where the input parses as a `Value`, the event equals it.
            if let Some(value) = value {
                let back = serde_json::to_value(&event).expect("the input was a Value");
                assert_eq!(back, value, "lossy round trip");
                assert_eq!(value["id"].as_str(), Some(event.id()));
                assert_eq!(value["type"].as_str(), Some(event.event_type().as_str()));
                assert_eq!(
                    value["created"].as_i64(),
                    Some(event.created().unix_timestamp())
                );
                assert_eq!(value["livemode"].as_bool() == Some(true), event.livemode());
                assert_eq!(value["account"].as_str(), event.account());
                assert_eq!(value["api_version"].as_str(), event.api_version());
            }
            // Reading the object never panics, whatever it holds.
            let _ = event.object();
            let _ = event.object_ref();
            let _ = event.request();
            let _ = format!("{event:?}");
        }
        Err(Error::Json(_)) => {
            assert!(value.is_none(), "valid JSON reported as not JSON");
        }
        Err(Error::ThinEventPayload) => {
            let value = value.expect("a thin event is JSON");
            assert_eq!(value["object"], "v2.core.event");
        }
        Err(Error::NotAnEvent { .. }) => {
            // "JSON, but not an event": the bytes must be JSON (of any depth).
            assert!(
                serde_json::from_slice::<&serde_json::value::RawValue>(data).is_ok(),
                "bytes that are not JSON reported as NotAnEvent"
            );
        }
        Err(other) => panic!("Event::from_slice returned {other:?}"),
    }
});
