//! [`EventObject`]: the typed resource in `data.object`, picked by its `object` string.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use super::object_ref::ObjectRef;
use super::one_pass::{self, FirstKind};
use super::shape_path::{Path, Step};
use crate::error::Error;
use crate::resources;

/// Declares `EventObject` from `Variant(Type) => "object string"` lines, each maybe behind the
/// feature of its family.
macro_rules! event_objects {
    ($($(#[cfg(feature = $feature:literal)])? $variant:ident($($ty:ident)::+) => $object:literal,)+) => {
        /// Every catalogued `object` string, and whether its family is compiled in.
        const CATALOG: &[(&str, bool)] = &[$(($object, true $(&& cfg!(feature = $feature))?),)+];
        const TYPED: [&str; typed_count(CATALOG)] = typed_names(CATALOG);

        /// The resource an event is about, typed when this crate knows its `object` string.
        ///
        /// A resource the crate does not type (or one Stripe adds later) is
        /// [`Unknown`](EventObject::Unknown) with the whole JSON value, never an error.
        ///
        /// # Examples
        ///
        /// ```
        /// use stripe_webhooks::{Event, EventObject};
        ///
        /// let body = br#"{"id":"evt_1","object":"event","type":"teleport.completed","created":1700000000,
        ///   "data":{"object":{"id":"tp_1","object":"teleport","distance":"far"}}}"#;
        /// let event = Event::from_slice(body)?;
        /// let EventObject::Unknown(value) = event.object()? else { panic!() };
        /// assert_eq!(value["distance"], "far");
        /// # Ok::<(), stripe_webhooks::Error>(())
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum EventObject {
            $(
                $(#[cfg(feature = $feature)])?
                #[doc = concat!("`\"object\": \"", $object, "\"`: a [`resources::", stringify!($($ty)::+), "`]",
                    $(" (feature `", $feature, "`)",)? ".")]
                $variant(Box<resources::$($ty)::+>),
            )+
            /// Any other object (or none), as JSON.
            Unknown(Value),
        }

        impl EventObject {
            /// The `object` strings that get a typed variant, in declaration order.
            pub const OBJECT_NAMES: &'static [&'static str] = &TYPED;

            /// Parses `raw`, choosing the type by its `object` field (a key given twice counts
            /// with its last value, as in [`ObjectRef`]).
            ///
            /// The read is lenient, so that a genuine event never fails its typed view: a member
            /// whose JSON type is not the described one is set aside (read as not sent: `None`,
            /// empty, or its default) and the raw object keeps it;
            /// [`from_raw_strict`](EventObject::from_raw_strict) reports it instead.
            ///
            /// # Errors
            ///
            /// [`Error::ObjectShape`] only for JSON that is not a readable object at all (nested
            /// beyond serde_json's depth limit, say), or with more than 64 members set aside.
            pub fn from_raw(raw: &RawValue) -> Result<EventObject, Error> {
                EventObject::read(raw, false)
            }

            /// [`from_raw`](EventObject::from_raw), but a member of a hand-written resource
            /// whose JSON type is not the documented one is an error naming it (the generated
            /// resources are always read leniently). For tests and drift checks: it tells what
            /// `from_raw` would set aside first.
            ///
            /// # Errors
            ///
            /// [`Error::ObjectShape`] naming the field whose JSON type is not the documented one.
            pub fn from_raw_strict(raw: &RawValue) -> Result<EventObject, Error> {
                EventObject::read(raw, true)
            }

            fn read(raw: &RawValue, strict: bool) -> Result<EventObject, Error> {
                match one_pass::first_kind(raw) {
                    FirstKind::Named(kind) => {
                        if let Some(object) = EventObject::read_once(raw, &kind) {
                            return Ok(object);
                        }
                    }
                    FirstKind::Absent => return parse_as(raw, "").map(EventObject::Unknown),
                    FirstKind::Unreadable => {}
                }
                EventObject::read_twice(raw, strict)
            }

            /// The one-pass read, where it gives what the two-pass one would.
            fn read_once(raw: &RawValue, kind: &str) -> Option<EventObject> {
                match kind {
                    $($(#[cfg(feature = $feature)])?
                    $object => one_pass::read::<resources::$($ty)::+>(raw, kind)
                        .map(|object| EventObject::$variant(Box::new(object))),)+
                    _ => one_pass::read(raw, kind).map(EventObject::Unknown),
                }
            }

            /// The lenient identity read, then the typed parse: the reference behaviour.
            fn read_twice(raw: &RawValue, strict: bool) -> Result<EventObject, Error> {
                let identity = ObjectRef::of(raw);
                match identity.kind.as_deref() {
                    $($(#[cfg(feature = $feature)])?
                    Some($object) => parse_typed::<resources::$($ty)::+>(raw, strict)
                        .map(|object| EventObject::$variant(Box::new(object))),)+
                    _ => parse_as(raw, "").map(EventObject::Unknown),
                }
            }

            /// The typed view written back as JSON: every member it read, in the described shape
            /// (for the generated resources, `null` members are left out).
            #[must_use]
            pub fn to_value(&self) -> Value {
                match self {
                    $($(#[cfg(feature = $feature)])?
                    EventObject::$variant(object) => serde_json::to_value(object).unwrap_or(Value::Null),)+
                    EventObject::Unknown(value) => value.clone(),
                }
            }

            /// The `object` string of the resource (`None` for an `Unknown` without one).
            #[must_use]
            pub fn object_name(&self) -> Option<&str> {
                match self {
                    $($(#[cfg(feature = $feature)])?
                    EventObject::$variant(_) => Some($object),)+
                    EventObject::Unknown(value) => value.get("object").and_then(Value::as_str),
                }
            }
        }
    };
}

// The catalogue itself is generated (tools/typegen): the hand-written resources, then the
// generated ones, each behind its family's feature.
include!("catalog.rs");

const fn typed_count(catalog: &[(&str, bool)]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < catalog.len() {
        if catalog[i].1 {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn typed_names<const N: usize>(catalog: &[(&'static str, bool)]) -> [&'static str; N] {
    let mut names = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < catalog.len() {
        if catalog[i].1 {
            names[n] = catalog[i].0;
            n += 1;
        }
        i += 1;
    }
    names
}

/// Reads `raw` as `T`, reporting the field path of the first mismatch.
///
/// The path comes from where in the text serde_json stopped ([`Path::of_error`]), so the
/// resource's `Deserialize` is compiled for one deserializer only and the common case pays
/// nothing for good error messages.
pub(crate) fn parse_as<T: DeserializeOwned>(raw: &RawValue, prefix: &str) -> Result<T, Error> {
    serde_json::from_str(raw.get())
        .map_err(|error| shape_error(raw.get(), error, prefix, std::any::type_name::<T>()))
}

/// How many mismatched members one object may have set aside before it is an error.
const MAX_SET_ASIDE: usize = 64;

/// Reads `raw` as a typed resource the lenient way, so that a genuine event never fails its
/// typed view: a member whose JSON type is not the one the resource describes (Stripe's old
/// test payloads send `"metadata": null`, `"charge": 0`) is set aside, as if it had not been
/// sent, and the read tried again. The raw object keeps everything.
///
/// The common case is one strict parse; only a mismatch pays for the retries.
fn parse_typed<T: DeserializeOwned>(raw: &RawValue, strict: bool) -> Result<T, Error> {
    let first = match one_pass::from_text::<T>(raw.get())
        .map_err(|error| shape_error(raw.get(), error, "", std::any::type_name::<T>()))
    {
        Ok(value) => return Ok(value),
        Err(error) if strict => return Err(error),
        Err(error) => error,
    };
    let Ok(mut value) = serde_json::from_str::<Value>(raw.get()) else {
        return Err(first);
    };
    for _ in 0..MAX_SET_ASIDE {
        // Through text rather than `&Value`, so the resource's `Deserialize` is compiled for
        // one deserializer (the one the one-pass read uses), not a second.
        let text = value.to_string();
        match one_pass::from_text::<T>(&text) {
            Ok(read) => return Ok(read),
            Err(error) => {
                if !set_aside(&mut value, &Path::of_error(&text, &error)) {
                    break;
                }
            }
        }
    }
    Err(first)
}

/// Removes the member (or array element) at `path`; false when there is none to remove.
// Not generic, so it is compiled once rather than once per `T`.
fn set_aside(value: &mut Value, path: &Path) -> bool {
    let Some((last, parents)) = path.0.split_last() else {
        return false;
    };
    let mut here = value;
    for step in parents {
        here = match (step, here) {
            (Step::Key(key), Value::Object(map)) => match map.get_mut(key.as_str()) {
                Some(next) => next,
                None => return false,
            },
            (Step::Index(index), Value::Array(items)) => match items.get_mut(*index) {
                Some(next) => next,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, here) {
        (Step::Key(key), Value::Object(map)) => map.remove(key.as_str()).is_some(),
        (Step::Index(index), Value::Array(items)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

// Not generic, so it is compiled once rather than once per `T`.
fn shape_error(text: &str, error: serde_json::Error, prefix: &str, target: &'static str) -> Error {
    let path = format!("{prefix}{}", Path::of_error(text, &error));
    Error::ObjectShape {
        path: path.into_boxed_str(),
        target,
        error,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::value::RawValue;

    use super::EventObject;

    /// `from_raw` (one pass where it can) against the two-pass read it stands for: the same
    /// object, or the same error.
    fn same_as_two_passes(json: &str) {
        let raw = RawValue::from_string(json.to_owned()).unwrap();
        let once = format!("{:?}", EventObject::from_raw(&raw));
        let twice = format!("{:?}", EventObject::read_twice(&raw, false));
        assert_eq!(once, twice, "{json}");
    }

    #[test]
    fn the_shapes_that_take_one_pass_or_give_up_read_as_two_passes_do() {
        for json in [
            r#"{"id":"re_1","object":"refund","amount":2500}"#,
            r#"{"object":"refund","id":"re_1","amount":2500,"object":"refund"}"#,
            r#"{"id":"re_1","object":"refund","object":"teleport"}"#,
            r#"{"id":"re_1","object":"teleport","object":"refund","amount":1}"#,
            r#"{"id":"re_1","object":"refund","amount":1,"amount":2}"#,
            r#"{"id":"re_1","object":"refund","amount":"many"}"#,
            r#"{"id":1,"object":"refund"}"#,
            r#"{"id":"re_1","object":"refund","id":null}"#,
            r#"{"id":"\ud800","object":"refund"}"#,
            r#"{"id":"re_1","object":"re\u0066und","n":1e400}"#,
            r#"{"id":"tp_1","object":"teleport","n":1e400}"#,
            r#"{"id":"tp_1","object":"teleport","n":1.50,"k":{"a":[1,2]}}"#,
            r#"{"object":null,"id":"re_1"}"#,
            r#"{"object":7}"#,
            r#"{"id":"re_1","amount":2500}"#,
            r#"{}"#,
            r#"[{"object":"refund"}]"#,
            r#""refund""#,
            "null",
        ] {
            same_as_two_passes(json);
        }
    }

    #[test]
    fn stripe_shaped_objects_take_one_pass() {
        for (json, kind) in [
            (r#"{"id":"re_1","object":"refund","amount":2500}"#, "refund"),
            (r#"{"id":"tp_1","object":"teleport","n":1.5}"#, "teleport"),
            (r#"{"id":"re_1","object":"refund","n":1e400}"#, "refund"),
        ] {
            let raw = RawValue::from_string(json.to_owned()).unwrap();
            assert!(EventObject::read_once(&raw, kind).is_some(), "{json}");
        }
    }

    /// The keys and values where the two reads could part ways.
    const KEYS: [&str; 5] = ["id", "object", "amount", "currency", "x"];
    const VALUES: [&str; 12] = [
        r#""refund""#,
        r#""charge""#,
        r#""teleport""#,
        r#""re_1""#,
        r#""usd""#,
        r#""\ud800""#,
        r#""re\u0066und""#,
        "null",
        "7",
        "1e400",
        "[]",
        r#"{"object":"charge"}"#,
    ];

    fn object_of(entries: impl IntoIterator<Item = usize>) -> String {
        let entries: Vec<String> = entries
            .into_iter()
            .map(|entry| {
                let (key, value) = (KEYS[entry % KEYS.len()], VALUES[entry / KEYS.len()]);
                format!("{key:?}:{value}")
            })
            .collect();
        format!("{{{}}}", entries.join(","))
    }

    /// Every object of up to two entries, and then longer ones picked by a fixed-seed
    /// generator (xorshift: a failure names its input and replays the same on every run).
    #[test]
    fn one_pass_reads_as_two_passes() {
        let pairs = KEYS.len() * VALUES.len();
        same_as_two_passes(&object_of([]));
        for first in 0..pairs {
            same_as_two_passes(&object_of([first]));
            for second in 0..pairs {
                same_as_two_passes(&object_of([first, second]));
            }
        }
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % 1_000_003).unwrap_or(0)
        };
        for _ in 0..5_000 {
            let len = 3 + next() % 4;
            let entries: Vec<usize> = (0..len).map(|_| next() % pairs).collect();
            same_as_two_passes(&object_of(entries));
        }
    }
}
