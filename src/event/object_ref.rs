//! [`ObjectRef`]: which object an event is about, read from `data.object` without typing it.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::scan::Cursor;

/// The identity of the object an event is about: `data.object.id` and `data.object.object`.
///
/// Read leniently: a value that is not a string is `None`, and a key given twice counts with
/// its last value, as `serde_json::Value` (and so
/// [`EventObject::Unknown`](crate::EventObject::Unknown)) reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ObjectRef {
    /// `data.object.id`, e.g. `pi_…`.
    pub id: Option<String>,
    /// `data.object.object`, e.g. `payment_intent`.
    pub kind: Option<String>,
}

impl ObjectRef {
    /// The identity of a raw object; an empty one for anything that is not a JSON object.
    ///
    /// Read on the scanner, which steps over every other value without building it (this
    /// runs for every delivery an inbox stores); the `Deserialize` impl decides where the
    /// scanner gives up: an escape in a key or in the strings it keeps, an `id` or `object`
    /// that is no string.
    pub(crate) fn of(raw: &RawValue) -> ObjectRef {
        ObjectRef::scanned(raw.get())
            .unwrap_or_else(|| serde_json::from_str(raw.get()).unwrap_or_default())
    }

    fn scanned(text: &str) -> Option<ObjectRef> {
        let mut identity = ObjectRef::default();
        Cursor::new(text).members(|cursor, key| {
            match key {
                "id" => identity.id = Some(cursor.plain()?.to_owned()),
                "object" => identity.kind = Some(cursor.plain()?.to_owned()),
                _ => {
                    cursor.value()?;
                }
            }
            Some(())
        })?;
        Some(identity)
    }
}

impl<'de> Deserialize<'de> for ObjectRef {
    /// Only a JSON object has an identity; any other value is an error (callers default it).
    // Hand-written rather than derived: a derive refuses a repeated key, which made a typed
    // resource with a repeated `object` key fall back to `EventObject::Unknown` without a
    // word (fuzz finding, tests/regression/duplicate_object_key.rs), and it also read a JSON
    // array positionally as if it were an object.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RefVisitor;

        impl<'de> Visitor<'de> for RefVisitor {
            type Value = ObjectRef;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ObjectRef, A::Error> {
                let mut identity = ObjectRef::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "id" => identity.id = lenient_string(map.next_value()?),
                        "object" => identity.kind = lenient_string(map.next_value()?),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(identity)
            }
        }

        deserializer.deserialize_map(RefVisitor)
    }
}

/// A string, or `None` for anything else (never an error).
fn lenient_string(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;

    use super::ObjectRef;

    #[test]
    fn the_scanner_reads_what_the_deserializer_reads() {
        for json in [
            r#"{"id":"pi_1","object":"payment_intent","amount":1,"nested":{"id":"x","object":"y"}}"#,
            r#"{ "object" : "charge" , "id" : "ch_1" }"#,
            r#"{"id":"a","id":"b","object":"c","object":"d"}"#,
            r#"{"list":[{"id":"x"}],"id":"ch_é"}"#,
            r#"{"id":null,"object":7}"#,
            r#"{"id":"\u0041","object":"x"}"#,
            r#"{"\u0069d":"ch_1"}"#,
            r#"{"id":{"deep":[1,2]}}"#,
            r#"{}"#,
            r#"[{"id":"x"}]"#,
            r#""ch_1""#,
            "null",
        ] {
            let raw = RawValue::from_string(json.to_owned()).unwrap();
            let reference: ObjectRef = serde_json::from_str(json).unwrap_or_default();
            assert_eq!(ObjectRef::of(&raw), reference, "{json}");
        }
        // The common shapes are the scanner's, not left to the deserializer.
        assert!(
            ObjectRef::scanned(r#"{"id":"pi_1","object":"payment_intent","n":[{}]}"#).is_some()
        );
        assert!(ObjectRef::scanned("{}").is_some());
    }
}
