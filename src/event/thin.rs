//! [`ThinEvent`]: the lightweight notification that event destinations send.

use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::wire::{
    as_sent, put, raw_string, value, RawFields, Slot, EVENT_OBJECT, THIN_EVENT_OBJECT,
};
use crate::error::Error;

/// A thin event (`"object": "v2.core.event"`), as sent to event destinations.
///
/// It names what happened and the object it happened to, without a snapshot of the object:
/// fetch the object (or the full event) from the API when you need it. It is signed exactly
/// like a snapshot event; verify it with
/// [`Webhook::verify_and_parse_thin`](crate::Webhook::verify_and_parse_thin).
///
/// Every field is kept: serializing gives back the JSON value that was received. As for
/// [`Event`](crate::Event), that is exact for values, not bytes: `context`, `reason`,
/// `related_object` and every unknown field are kept as their raw JSON text (so any number or
/// nesting parses, and is written back byte for byte, unknown fields in their order), while
/// whitespace between top-level tokens, the order of the known fields and the escaping of
/// keys and of `id`, `object`, `type` and `created` are re-rendered. A known field sent twice
/// counts with its last value, as `serde_json::Value` reads it.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::ThinEvent;
///
/// let body = br#"{"id":"evt_test_65R","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered",
///   "created":"2024-09-17T06:20:52.246Z","livemode":false,
///   "related_object":{"id":"mtr_test_61R","type":"billing.meter","url":"/v1/billing/meters/mtr_test_61R"}}"#;
/// let event = ThinEvent::from_slice(body)?;
/// assert_eq!(event.event_type(), "v1.billing.meter.error_report_triggered");
/// assert_eq!(event.related_object().unwrap().id, "mtr_test_61R");
/// assert_eq!(event.created().unwrap().year(), 2024);
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Clone)]
pub struct ThinEvent {
    id: String,
    object: String,
    event_type: String,
    created: String,
    // Slots keep absent and `null` apart: a plain `Option` read `null` as absent and dropped
    // it on the way back out (fuzz finding, tests/regression/thin_event_null_fields.rs).
    livemode: Slot<bool>,
    context: Slot<Box<RawValue>>,
    reason: Slot<Box<RawValue>>,
    related_object: Slot<Box<RawValue>>,
    extra: RawFields,
    // Read from the raw fields above at parse time, for the accessors.
    context_str: Option<String>,
    related: Option<RelatedObject>,
    // Read on the first call of `reason()` only: most handlers never ask.
    reason_value: OnceLock<Option<Value>>,
}

impl fmt::Debug for ThinEvent {
    /// The fields as sent; what the accessors read from them is left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThinEvent")
            .field("id", &self.id)
            .field("object", &self.object)
            .field("event_type", &self.event_type)
            .field("created", &self.created)
            .field("livemode", &self.livemode)
            .field("context", &self.context)
            .field("reason", &self.reason)
            .field("related_object", &self.related_object)
            .field("extra", &self.extra)
            .finish()
    }
}

impl PartialEq for ThinEvent {
    /// Equal when both hold the same fields with the same values, the raw ones compared as
    /// the JSON text they were sent as.
    fn eq(&self, other: &Self) -> bool {
        fn raw(slot: &Slot<Box<RawValue>>) -> Option<&str> {
            as_sent(slot).map(RawValue::get)
        }
        self.id == other.id
            && self.object == other.object
            && self.event_type == other.event_type
            && self.created == other.created
            && self.livemode == other.livemode
            && raw(&self.context) == raw(&other.context)
            && raw(&self.reason) == raw(&other.reason)
            && raw(&self.related_object) == raw(&other.related_object)
            && self.extra.len() == other.extra.len()
            && self
                .extra
                .iter()
                .zip(&other.extra)
                .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.get() == v2.get())
    }
}

/// The object a thin event is about: `related_object`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RelatedObject {
    /// The object's id.
    pub id: String,
    /// The object's type, e.g. `billing.meter`.
    pub object_type: String,
    /// The API path to fetch it from.
    pub url: Option<String>,
}

impl RelatedObject {
    /// Reads `related_object` leniently: an object with string `id` and `type` (and a string
    /// `url`, or none) gives one; anything else is `None`, never an error. A repeated key
    /// counts with its last value.
    fn read(raw: &RawValue) -> Option<RelatedObject> {
        struct RelatedVisitor;

        impl<'de> Visitor<'de> for RelatedVisitor {
            type Value = Option<RelatedObject>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a related object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut id, mut object_type, mut url) = (None, None, None);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match &*key {
                        "id" => &mut id,
                        "type" => &mut object_type,
                        "url" => &mut url,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = raw_string(map.next_value::<&RawValue>()?);
                }
                Ok(id.zip(object_type).map(|(id, object_type)| RelatedObject {
                    id,
                    object_type,
                    url,
                }))
            }
        }

        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        deserializer.deserialize_any(RelatedVisitor).ok().flatten()
    }
}

/// What the thin-event visitor found: a wrong `object` or a bad field is a value, not a serde
/// error, so `from_slice` can map each to its own variant of [`Error`].
enum Parsed {
    Thin(Box<ThinEvent>),
    Snapshot,
    Invalid(String),
}

impl<'de> Deserialize<'de> for Parsed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ThinVisitor)
    }
}

struct ThinVisitor;

impl<'de> Visitor<'de> for ThinVisitor {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Stripe thin event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        // Every known field is read raw first: `object` decides what the rest must be (a
        // snapshot event's integer `created` is not a thin event's error). A known field sent
        // twice keeps its last value.
        let mut known: [Slot<Box<RawValue>>; KNOWN.len()] = Default::default();
        let mut extra = RawFields::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match KNOWN.iter().position(|field| *field == &*key) {
                Some(index) => known[index] = Some(map.next_value()?),
                None => extra.push((key.into_owned(), map.next_value()?)),
            }
        }
        let [id, object, event_type, created, livemode, context, reason, related_object] = known;

        let Some(object) = value(&object).and_then(raw_string) else {
            return Ok(Parsed::Invalid("missing field `object`".to_owned()));
        };
        match object.as_str() {
            THIN_EVENT_OBJECT => {}
            EVENT_OBJECT => return Ok(Parsed::Snapshot),
            other => {
                return Ok(Parsed::Invalid(format!(
                    "`object` is {other:?}, expected {THIN_EVENT_OBJECT:?}"
                )))
            }
        }
        let string = |slot: Slot<Box<RawValue>>, field: &str| match slot {
            None => Err(format!("missing field `{field}`")),
            Some(raw) => raw
                .as_deref()
                .and_then(raw_string)
                .ok_or_else(|| format!("field `{field}`: expected a string")),
        };
        let fields = (|| {
            let id = string(id, "id")?;
            let event_type = string(event_type, "type")?;
            let created = string(created, "created")?;
            let livemode = livemode
                .map(|raw| {
                    raw.map(|raw| serde_json::from_str::<bool>(raw.get()))
                        .transpose()
                })
                .transpose()
                .map_err(|_| "field `livemode`: expected a boolean or null".to_owned())?;
            Ok::<_, String>((id, event_type, created, livemode))
        })();
        let (id, event_type, created, livemode) = match fields {
            Ok(fields) => fields,
            Err(reason) => return Ok(Parsed::Invalid(reason)),
        };

        let context_str = value(&context).and_then(raw_string);
        let related = value(&related_object).and_then(RelatedObject::read);
        Ok(Parsed::Thin(Box::new(ThinEvent {
            id,
            object,
            event_type,
            created,
            livemode,
            context,
            reason,
            related_object,
            extra,
            context_str,
            related,
            reason_value: OnceLock::new(),
        })))
    }
}

/// The known fields of a thin event, in the order they are written back.
const KNOWN: [&str; 8] = [
    "id",
    "object",
    "type",
    "created",
    "livemode",
    "context",
    "reason",
    "related_object",
];

impl<'de> Deserialize<'de> for ThinEvent {
    /// Reads a thin event from any serde format, as [`ThinEvent::from_slice`] does from bytes.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Parsed::deserialize(deserializer)? {
            Parsed::Thin(event) => Ok(*event),
            Parsed::Snapshot => Err(de::Error::custom(Error::SnapshotEventPayload)),
            Parsed::Invalid(reason) => Err(de::Error::custom(reason)),
        }
    }
}

impl Serialize for ThinEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("object", &self.object)?;
        map.serialize_entry("type", &self.event_type)?;
        map.serialize_entry("created", &self.created)?;
        put(&mut map, "livemode", &self.livemode)?;
        put(&mut map, "context", &self.context)?;
        put(&mut map, "reason", &self.reason)?;
        put(&mut map, "related_object", &self.related_object)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl ThinEvent {
    /// Parses a thin event without verifying it.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] for bytes that are not JSON, [`Error::SnapshotEventPayload`] for a
    /// snapshot event (`"object": "event"`), [`Error::NotAnEvent`] for anything else that is
    /// not a thin event.
    pub fn from_slice(payload: &[u8]) -> Result<ThinEvent, Error> {
        match serde_json::from_slice::<Parsed>(payload) {
            Ok(Parsed::Thin(event)) => Ok(*event),
            Ok(Parsed::Snapshot) => Err(Error::SnapshotEventPayload),
            Ok(Parsed::Invalid(reason)) => Err(Error::not_an_event(reason)),
            // As in `Event::from_slice`: on the error path the bytes decide between "not
            // JSON" and "JSON, but not a thin event" (a body that is not an object).
            Err(error) if error.is_data() => match serde_json::from_slice::<&RawValue>(payload) {
                Err(syntax) => Err(Error::Json(syntax)),
                Ok(_) => Err(Error::not_an_event(error)),
            },
            Err(error) => Err(Error::Json(error)),
        }
    }

    /// The event id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type, e.g. `v1.billing.meter.error_report_triggered`.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// `created` as sent (an RFC 3339 string).
    #[must_use]
    pub fn created_raw(&self) -> &str {
        &self.created
    }

    /// `created` as a time, or `None` when it is not RFC 3339.
    #[must_use]
    pub fn created(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(&self.created, &Rfc3339).ok()
    }

    /// Whether the event happened in live mode (`false` when absent).
    #[must_use]
    pub fn livemode(&self) -> bool {
        matches!(self.livemode, Some(Some(true)))
    }

    /// The account context (e.g. a connected account id), if any.
    #[must_use]
    pub fn context(&self) -> Option<&str> {
        self.context_str.as_deref()
    }

    /// Why the event happened (`reason`), as a JSON value (`None` when absent, `null`, or
    /// beyond what `serde_json::Value` holds, such as a number like `1e400`: see
    /// [`reason_raw`](ThinEvent::reason_raw)).
    #[must_use]
    pub fn reason(&self) -> Option<&Value> {
        self.reason_value
            .get_or_init(|| serde_json::from_str(value(&self.reason)?.get()).ok())
            .as_ref()
    }

    /// `reason` exactly as sent (`None` when absent; the JSON `null` when sent as `null`).
    #[must_use]
    pub fn reason_raw(&self) -> Option<&RawValue> {
        as_sent(&self.reason)
    }

    /// The object the event is about.
    #[must_use]
    pub fn related_object(&self) -> Option<RelatedObject> {
        self.related.clone()
    }
}
