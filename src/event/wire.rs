//! What the snapshot and thin parsers share: the `object` strings that tell the two apart, and
//! the one way a field is kept so that it is written back as it came.

use std::ops::Deref;

use serde::ser::SerializeMap;
use serde::Serialize;
use serde_json::value::RawValue;

/// The `object` string of a snapshot event.
pub(crate) const EVENT_OBJECT: &str = "event";
/// The `object` string of a thin event (event destinations).
pub(crate) const THIN_EVENT_OBJECT: &str = "v2.core.event";

/// A known field: absent (`None`), present as `null` (`Some(None)`), or present with a value.
/// All three are kept apart so that serializing gives back exactly what was received; a field
/// kept raw is a `Slot<Box<RawValue>>` too, so `null` means one thing everywhere.
pub(crate) type Slot<T> = Option<Option<T>>;

/// Fields this crate does not know, as sent: in their order, a repeated key as often as it came,
/// each value as its raw JSON text (so no number or nesting serde_json's `Value` cannot hold
/// can make a genuine event fail to parse).
pub(crate) type RawFields = Vec<(String, Box<RawValue>)>;

/// Writes a slot back as it came: absent stays absent, `null` stays `null`.
pub(crate) fn put<M: SerializeMap, T: Serialize>(
    map: &mut M,
    key: &str,
    slot: &Slot<T>,
) -> Result<(), M::Error> {
    match slot {
        Some(value) => map.serialize_entry(key, value),
        None => Ok(()),
    }
}

/// The value of a slot that holds one (neither absent nor `null`), dereferenced.
pub(crate) fn value<T: Deref>(slot: &Slot<T>) -> Option<&T::Target> {
    slot.as_ref()?.as_deref()
}

/// A raw slot as it was sent: `None` when absent, the JSON `null` when sent as `null`.
pub(crate) fn as_sent(slot: &Slot<Box<RawValue>>) -> Option<&RawValue> {
    let raw = slot.as_ref()?;
    Some(raw.as_deref().unwrap_or(RawValue::NULL))
}

/// A raw JSON string's text, or `None` for any other value (never an error).
pub(crate) fn raw_string(raw: &RawValue) -> Option<String> {
    if raw.get().starts_with('"') {
        serde_json::from_str(raw.get()).ok()
    } else {
        None
    }
}
