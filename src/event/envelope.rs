//! [`Event`]: the envelope of a snapshot event, lossless as JSON values, with `data.object`,
//! `data.previous_attributes` and every unknown field kept as the raw text Stripe sent.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::event_type::EventType;
use super::object::{parse_as, EventObject};
use super::object_ref::ObjectRef;
use super::wire::{
    as_sent, put, raw_string, value, RawFields, Slot, EVENT_OBJECT, THIN_EVENT_OBJECT,
};
use crate::error::Error;

mod fast;

/// A Stripe snapshot event (`"object": "event"`).
///
/// Parsing reads the envelope and keeps `data.object` as its raw JSON text, so code that reads
/// only the envelope pays only for the envelope; [`object`](Event::object) and
/// [`object_as`](Event::object_as) parse the resource when asked.
///
/// Only `id`, `type`, `created` (integer seconds) and an object `data` are required; anything
/// else may be missing or `null`, and fields this crate does not know may hold any JSON (a
/// number like `1e400` or nesting deeper than `serde_json::Value` accepts included), so no
/// genuine event of any API version is rejected for its content.
///
/// # Lossless, exactly
///
/// An `Event` is lossless as a JSON *value*, not as bytes: `serde_json::to_value(&event)`
/// equals `serde_json::from_slice::<serde_json::Value>(body)` for every body that fits a
/// `Value` (for one that does not, `to_value` fails and `serde_json::to_string` still works).
/// When the event is written with `serde_json::to_string` (or `to_vec`, `to_writer`):
///
/// - **Kept byte for byte**: the values of `data.object` and `data.previous_attributes`; the
///   value of every field this crate does not know, at the top level and inside `data`; the
///   values of `request` and `pending_webhooks`. Unknown fields keep their order among
///   themselves, and a repeated unknown key is written as often as it came (a repeated known
///   field is refused when parsing).
/// - **Re-rendered**: the whitespace between envelope tokens (the output is compact, and a
///   trailing newline is gone); the key order of the envelope (the known fields first, in a
///   fixed order, then the unknown ones; in `data`, `object` and `previous_attributes` first);
///   the escaping of every key and of the known string fields (`id`, `object`, `type`,
///   `api_version`, `account`, `context`): `"\u00e9"` is written `"é"` and `"\/"` is written
///   `"/"`; `created` is written from its integer value.
///
/// The bytes Stripe signed are [`Verified::payload`](crate::Verified::payload): keep them (or
/// store them) wherever bytes matter, e.g. to verify the signature again later.
///
/// ```
/// use stripe_webhooks::Event;
///
/// let body = br#"{ "id": "evt_1", "type": "customer.updated", "created": 1700000000,
///   "account": "acct_Ren\u00e9e", "data": {"object": {"name": "Ren\u00e9e",  "n": 1.50}} }"#;
/// let written = serde_json::to_string(&Event::from_slice(body)?).unwrap();
/// // Re-rendered: whitespace, and the escaping of a known envelope field.
/// assert!(written.starts_with(r#"{"id":"evt_1","type":"customer.updated""#));
/// assert!(written.contains(r#""account":"acct_Renée""#));
/// // Kept byte for byte: `data.object`, its spacing, escapes and number spelling included.
/// assert!(written.contains(r#"{"name": "Ren\u00e9e",  "n": 1.50}"#));
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
///
/// # Examples
///
/// ```
/// use stripe_webhooks::{Event, EventObject, EventType};
///
/// let body = br#"{
///   "id": "evt_1", "object": "event", "type": "payment_intent.payment_failed",
///   "api_version": "2026-10-28.endive", "created": 1700000000, "livemode": false,
///   "pending_webhooks": 1, "request": {"id": null, "idempotency_key": null},
///   "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 2000,
///                       "currency": "usd", "status": "requires_payment_method"}}
/// }"#;
/// let event = Event::from_slice(body)?;
/// assert_eq!(event.event_type(), &EventType::PaymentIntentPaymentFailed);
/// assert_eq!(event.created().unix_timestamp(), 1_700_000_000);
/// match event.object()? {
///     EventObject::PaymentIntent(intent) => assert_eq!(intent.amount, 2000),
///     other => panic!("unexpected {other:?}"),
/// }
/// // Lossless as a JSON value: the event serializes back to what was delivered.
/// let sent: serde_json::Value = serde_json::from_slice(body).unwrap();
/// assert_eq!(serde_json::to_value(&event).unwrap(), sent);
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Clone)]
pub struct Event {
    id: String,
    object: Slot<String>,
    event_type: EventType,
    created: OffsetDateTime,
    livemode: Slot<bool>,
    api_version: Slot<String>,
    /// Raw, so a count beyond `i64` (or written `2.0`) never fails the parse.
    pending_webhooks: Slot<Box<RawValue>>,
    /// Raw as sent; `request_info` is what [`Event::request`] reads, taken from it at parse time.
    request: Slot<Box<RawValue>>,
    request_info: Option<Request>,
    account: Slot<String>,
    context: Slot<String>,
    data: EventData,
    extra: RawFields,
}

/// `data`, with `object` and `previous_attributes` kept as raw text.
#[derive(Clone)]
struct EventData {
    object: Slot<Box<RawValue>>,
    previous_attributes: Slot<Box<RawValue>>,
    extra: RawFields,
}

/// The owned strings behind [`RequestInfo`].
#[derive(Clone, Default)]
struct Request {
    id: Option<String>,
    idempotency_key: Option<String>,
}

/// The request that caused an event, if any: `event.request`.
///
/// Before API version 2017-05-25 Stripe sent the request id as a bare string; both shapes
/// give this view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestInfo<'a> {
    /// The id of the API request (`req_…`), or `None` for automatic events.
    pub id: Option<&'a str>,
    /// The idempotency key the request was made with, if any.
    pub idempotency_key: Option<&'a str>,
}

impl Event {
    /// Parses a snapshot event without verifying it, for bytes that were verified elsewhere
    /// (a queue, a database). For a request, use [`Webhook::verify_and_parse`](crate::Webhook::verify_and_parse).
    ///
    /// # Errors
    ///
    /// - [`Error::Json`]: the bytes are not JSON.
    /// - [`Error::ThinEventPayload`]: a thin event (`"object": "v2.core.event"`).
    /// - [`Error::NotAnEvent`]: JSON, but not an event (not an object, `object` is neither
    ///   `event` nor absent, a required field is missing, or a known field has the wrong JSON
    ///   type); the reason names the field.
    pub fn from_slice(payload: &[u8]) -> Result<Event, Error> {
        if let Some(event) = fast::parse(payload) {
            return Ok(event);
        }
        match serde_json::from_slice::<Parsed>(payload) {
            Ok(Parsed::Event(event)) => Ok(*event),
            Ok(Parsed::Thin) => Err(Error::ThinEventPayload),
            Ok(Parsed::Invalid(reason)) => Err(Error::not_an_event(reason)),
            // `take` names the field in a custom error, which makes a syntax error inside a
            // known field (a raw NUL or bad UTF-8 in `id`, a body cut off there) look like a
            // data error; and a body that starts like an array is refused before the rest is
            // read. So on this, the error path, the bytes decide: not JSON is `Json`, with
            // the syntax error and its position (found by tests/hostile.rs,
            // tests/regression/syntax_error_in_known_field.rs).
            Err(error) if error.is_data() => match serde_json::from_slice::<&RawValue>(payload) {
                Err(syntax) => Err(Error::Json(syntax)),
                Ok(_) => Err(Error::not_an_event(error)),
            },
            Err(error) => Err(Error::Json(error)),
        }
    }

    /// The event id (`evt_…`): the key for duplicate detection.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The event type.
    #[must_use]
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    /// When the event was created (whole seconds; not an order between events).
    #[must_use]
    pub fn created(&self) -> OffsetDateTime {
        self.created
    }

    /// Whether the event happened in live mode (`false` when absent).
    #[must_use]
    pub fn livemode(&self) -> bool {
        matches!(self.livemode, Some(Some(true)))
    }

    /// The API version `data.object` was rendered with; `None` for events older than
    /// 2014-06-02 or when Stripe sent `null`.
    #[must_use]
    pub fn api_version(&self) -> Option<&str> {
        value(&self.api_version)
    }

    /// How many webhook deliveries of this event had not yet succeeded when it was sent;
    /// `None` when absent, `null`, or a number that is not an integer in `i64` range (such a
    /// number is still kept, and serialized back, as sent).
    #[must_use]
    pub fn pending_webhooks(&self) -> Option<i64> {
        let raw = value(&self.pending_webhooks)?;
        serde_json::from_str(raw.get()).ok()
    }

    /// The API request that caused the event, if any.
    ///
    /// Read leniently: a bare string (before API version 2017-05-25) is the request id; an
    /// object gives its `id` and `idempotency_key` where they are strings; anything else
    /// (`null` included) is `None`, never an error.
    #[must_use]
    pub fn request(&self) -> Option<RequestInfo<'_>> {
        let request = self.request_info.as_ref()?;
        Some(RequestInfo {
            id: request.id.as_deref(),
            idempotency_key: request.idempotency_key.as_deref(),
        })
    }

    /// The connected account (`acct_…`) the event happened on, for Connect endpoints.
    #[must_use]
    pub fn account(&self) -> Option<&str> {
        value(&self.account)
    }

    /// The `context` of the event (an account or organization context), if any.
    #[must_use]
    pub fn context(&self) -> Option<&str> {
        value(&self.context)
    }

    /// `data.object` exactly as Stripe sent it (the JSON `null` when it was absent).
    #[must_use]
    pub fn object_raw(&self) -> &RawValue {
        value(&self.data.object).unwrap_or(RawValue::NULL)
    }

    /// `data.previous_attributes` exactly as sent: on `*.updated` events, the old values of
    /// the fields that changed.
    #[must_use]
    pub fn previous_attributes_raw(&self) -> Option<&RawValue> {
        as_sent(&self.data.previous_attributes)
    }

    /// `data.previous_attributes` read as `T` (a `serde_json::Map`, or a struct of the fields
    /// you watch).
    ///
    /// # Errors
    ///
    /// [`Error::ObjectShape`] when it does not fit `T`; the path starts at `previous_attributes`.
    pub fn previous_attributes_as<T: DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        self.previous_attributes_raw()
            .map(|raw| parse_as(raw, ".previous_attributes"))
            .transpose()
    }

    /// The typed resource in `data.object`, picked by its `object` string; a resource this
    /// crate does not type is [`EventObject::Unknown`], never an error.
    ///
    /// A typed view never fails a genuine event: a member whose JSON type is not the one Stripe
    /// documents (old test payloads send `"metadata": null`, `"charge": 0`) is set aside, read
    /// as not sent, and [`object_raw`](Event::object_raw) still holds it;
    /// [`object_strict`](Event::object_strict) names it instead.
    ///
    /// # Errors
    ///
    /// [`Error::ObjectShape`] only when `data.object` cannot be read as JSON at all (nested
    /// beyond the depth limit), or has more than 64 members to set aside.
    pub fn object(&self) -> Result<EventObject, Error> {
        EventObject::from_raw(self.object_raw())
    }

    /// [`object`](Event::object), but the first member of a hand-written resource whose JSON
    /// type is not the documented one is an error naming its path: what `object()` would set
    /// aside.
    ///
    /// # Errors
    ///
    /// [`Error::ObjectShape`] naming the field path, the event (with `object_raw`) intact.
    pub fn object_strict(&self) -> Result<EventObject, Error> {
        EventObject::from_raw_strict(self.object_raw())
    }

    /// `data.object` read as any `T`: one of this crate's resources, or a struct of your own
    /// with just the fields you need.
    ///
    /// # Errors
    ///
    /// [`Error::ObjectShape`] naming the field path where the object does not fit `T`.
    pub fn object_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        parse_as(self.object_raw(), "")
    }

    /// `data.object.id` and `data.object.object` (for ordering and grouping), read without
    /// parsing the rest of the object.
    #[must_use]
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::of(self.object_raw())
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("id", &self.id)
            .field("type", &self.event_type)
            .field("created", &self.created.unix_timestamp())
            .field("livemode", &self.livemode())
            .field("api_version", &self.api_version())
            .field("account", &self.account())
            .field("object_len", &self.object_raw().get().len())
            .finish_non_exhaustive()
    }
}

/// What the envelope visitor found. Thin events and malformed envelopes are values, not serde
/// errors, so `from_slice` can map each to its own variant of [`Error`].
enum Parsed {
    Event(Box<Event>),
    Thin,
    Invalid(String),
}

/// Maps a field's serde error to one that names the field.
fn in_field<E: de::Error>(field: &str) -> impl FnOnce(E) -> E + '_ {
    move |error| E::custom(format_args!("field `{field}`: {error}"))
}

/// Reads the next value of a known field, refusing a second occurrence of it.
fn take<'de, A, T>(map: &mut A, slot: &mut Option<T>, field: &str) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    if slot.is_some() {
        return Err(de::Error::custom(format_args!("duplicate field `{field}`")));
    }
    *slot = Some(map.next_value().map_err(in_field(field))?);
    Ok(())
}

impl<'de> Deserialize<'de> for Parsed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Parsed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Stripe event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Parsed, A::Error> {
        let mut id: Option<String> = None;
        let mut object: Slot<String> = None;
        let mut event_type: Option<EventType> = None;
        // Raw: a thin event's `created` is a string, and the thin check comes last; and a
        // number serde_json cannot hold (`1e400`) is then "not Unix seconds", not a syntax error.
        let mut created: Option<Box<RawValue>> = None;
        let mut livemode: Slot<bool> = None;
        let mut api_version: Slot<String> = None;
        let mut pending_webhooks: Slot<Box<RawValue>> = None;
        let mut request: Slot<Box<RawValue>> = None;
        let mut account: Slot<String> = None;
        let mut context: Slot<String> = None;
        let mut data: Option<EventData> = None;
        let mut extra = RawFields::new();

        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "id" => take(&mut map, &mut id, "id")?,
                "object" => take(&mut map, &mut object, "object")?,
                "type" => take(&mut map, &mut event_type, "type")?,
                "created" => take(&mut map, &mut created, "created")?,
                "livemode" => take(&mut map, &mut livemode, "livemode")?,
                "api_version" => take(&mut map, &mut api_version, "api_version")?,
                "pending_webhooks" => {
                    take(&mut map, &mut pending_webhooks, "pending_webhooks")?;
                    if let Some(Some(raw)) = &pending_webhooks {
                        if !is_number(raw) {
                            return Err(de::Error::custom(
                                "field `pending_webhooks`: expected a number or null",
                            ));
                        }
                    }
                }
                "request" => take(&mut map, &mut request, "request")?,
                "account" => take(&mut map, &mut account, "account")?,
                "context" => take(&mut map, &mut context, "context")?,
                "data" => take(&mut map, &mut data, "data")?,
                _ => extra.push((key.into_owned(), map.next_value()?)),
            }
        }

        match value(&object) {
            None | Some(EVENT_OBJECT) => {}
            Some(THIN_EVENT_OBJECT) => return Ok(Parsed::Thin),
            Some(other) => {
                return Ok(Parsed::Invalid(format!(
                    "`object` is {other:?}, expected {EVENT_OBJECT:?}"
                )))
            }
        }
        let missing = |field: &str| Ok(Parsed::Invalid(format!("missing field `{field}`")));
        let Some(id) = id else { return missing("id") };
        let Some(event_type) = event_type else {
            return missing("type");
        };
        let Some(created_raw) = created else {
            return missing("created");
        };
        let Some(data) = data else {
            return missing("data");
        };
        let Some(created) = serde_json::from_str::<i64>(created_raw.get())
            .ok()
            .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
        else {
            return Ok(Parsed::Invalid(format!(
                "field `created` is {}, expected Unix seconds",
                created_raw.get()
            )));
        };
        let request_info = value(&request).and_then(Request::read);

        Ok(Parsed::Event(Box::new(Event {
            id,
            object,
            event_type,
            created,
            livemode,
            api_version,
            pending_webhooks,
            request,
            request_info,
            account,
            context,
            data,
            extra,
        })))
    }
}

/// Whether a raw JSON value is a number (of any size or precision).
fn is_number(raw: &RawValue) -> bool {
    matches!(raw.get().as_bytes().first(), Some(b'-' | b'0'..=b'9'))
}

impl Request {
    /// Reads `event.request` leniently: a string is the id, an object gives its string `id`
    /// and `idempotency_key`, anything else is `None`. Numbers of any size, nesting of any
    /// depth and repeated keys (the last one counts, as in `serde_json::Value`) are fine.
    fn read(raw: &RawValue) -> Option<Request> {
        struct RequestVisitor;

        impl<'de> Visitor<'de> for RequestVisitor {
            type Value = Request;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request id or a request object")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<Request, E> {
                Ok(Request {
                    id: Some(id.to_owned()),
                    idempotency_key: None,
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Request, A::Error> {
                let mut request = Request::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match &*key {
                        "id" => &mut request.id,
                        "idempotency_key" => &mut request.idempotency_key,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = raw_string(map.next_value::<&RawValue>()?);
                }
                Ok(request)
            }
        }

        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        deserializer.deserialize_any(RequestVisitor).ok()
    }
}

impl<'de> Deserialize<'de> for EventData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor;

        impl<'de> Visitor<'de> for DataVisitor {
            type Value = EventData;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with `object` and optional `previous_attributes`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventData, A::Error> {
                let mut data = EventData {
                    object: None,
                    previous_attributes: None,
                    extra: RawFields::new(),
                };
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match &*key {
                        "object" => take(&mut map, &mut data.object, "data.object")?,
                        "previous_attributes" => take(
                            &mut map,
                            &mut data.previous_attributes,
                            "data.previous_attributes",
                        )?,
                        _ => data.extra.push((key.into_owned(), map.next_value()?)),
                    }
                }
                Ok(data)
            }
        }

        deserializer.deserialize_map(DataVisitor)
    }
}

impl<'de> Deserialize<'de> for Event {
    /// Reads an event from any serde format, as [`Event::from_slice`] does from bytes.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Parsed::deserialize(deserializer)? {
            Parsed::Event(event) => Ok(*event),
            Parsed::Thin => Err(de::Error::custom(Error::ThinEventPayload)),
            Parsed::Invalid(reason) => Err(de::Error::custom(reason)),
        }
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &self.id)?;
        put(&mut map, "object", &self.object)?;
        map.serialize_entry("type", &self.event_type)?;
        map.serialize_entry("created", &self.created.unix_timestamp())?;
        put(&mut map, "livemode", &self.livemode)?;
        put(&mut map, "api_version", &self.api_version)?;
        put(&mut map, "pending_webhooks", &self.pending_webhooks)?;
        put(&mut map, "request", &self.request)?;
        put(&mut map, "account", &self.account)?;
        put(&mut map, "context", &self.context)?;
        map.serialize_entry("data", &self.data)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl Serialize for EventData {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        put(&mut map, "object", &self.object)?;
        put(&mut map, "previous_attributes", &self.previous_attributes)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
