//! [`ObjectRef`]: which object an event is about, read from `data.object` without typing it.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

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
