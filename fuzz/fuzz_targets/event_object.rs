//! `EventObject::from_raw` (what `event.object()` runs) on arbitrary JSON.
//!
//! Properties (where `serde_json::Value` can read the input at all): an object whose `object`
//! string the crate does not type is `Unknown` with
//! exactly the input's value, never an error; a typed object names its own `object` string;
//! the only error is `ObjectShape`, and only for a typed `object` string (or for JSON nested
//! deeper than `serde_json::Value` accepts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;
use serde_json::Value;
use stripe_webhooks::{Error, EventObject};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = serde_json::from_slice::<Box<RawValue>>(data) else {
        return;
    };
    let value = serde_json::from_str::<Value>(raw.get()).ok();
    let kind = value
        .as_ref()
        .and_then(|v| v.get("object"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let typed = kind.as_deref().is_some_and(|k| EventObject::OBJECT_NAMES.contains(&k));

    match EventObject::from_raw(&raw) {
        Ok(EventObject::Unknown(unknown)) => {
            assert!(!typed, "a {kind:?} fell back to Unknown");
            assert_eq!(Some(&unknown), value.as_ref(), "Unknown changed the JSON");
        }
        Ok(object) => {
            // A typed resource skips the fields it does not know without building them, so
            // it can hold what `Value` refuses (deeper than 128 levels, a number beyond f64);
            // where `Value` reads the input too, both agree on the `object` string.
            if value.is_some() {
                assert!(
                    typed,
                    "typed as {:?} but `object` is {kind:?}",
                    object.object_name()
                );
                assert_eq!(object.object_name(), kind.as_deref());
            }
            let _ = format!("{object:?}");
        }
        Err(Error::ObjectShape { .. }) => {
            assert!(typed || value.is_none(), "an untyped {kind:?} failed");
        }
        Err(other) => panic!("EventObject::from_raw returned {other:?}"),
    }
});
