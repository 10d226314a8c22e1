//! [`ThinEvent`]: the lightweight notification that event destinations send.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::envelope::THIN_EVENT_OBJECT;
use crate::Error;

/// A thin event (`"object": "v2.core.event"`), as sent to event destinations.
///
/// It names what happened and the object it happened to, without a snapshot of the object:
/// fetch the object (or the full event) from the API when you need it. It is signed exactly
/// like a snapshot event; verify it with
/// [`Webhook::verify_and_parse_thin`](crate::Webhook::verify_and_parse_thin).
/// Every field is kept: serializing gives back the JSON that was received.
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ThinEvent {
    id: String,
    object: String,
    #[serde(rename = "type")]
    event_type: String,
    created: String,
    // Absent stays absent and `null` stays `null` (`Some(None)` / `Some(Value::Null)`): a
    // plain `Option` read `null` as absent and dropped it on the way back out (fuzz finding,
    // tests/regression/thin_event_null_fields.rs).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    livemode: Option<Option<bool>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    context: Option<Value>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    reason: Option<Value>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    related_object: Option<Value>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// A field that is present, even as `null`: `Some(value)`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
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

impl ThinEvent {
    /// Parses a thin event without verifying it.
    ///
    /// # Errors
    ///
    /// [`Error::Json`] for bytes that are not JSON, [`Error::SnapshotEventPayload`] for a
    /// snapshot event (`"object": "event"`), [`Error::NotAnEvent`] for anything else that is
    /// not a thin event.
    pub fn from_slice(payload: &[u8]) -> Result<ThinEvent, Error> {
        let value: Value = serde_json::from_slice(payload).map_err(Error::Json)?;
        match value.get("object").and_then(Value::as_str) {
            Some(THIN_EVENT_OBJECT) => {}
            Some("event") => return Err(Error::SnapshotEventPayload),
            Some(other) => {
                return Err(Error::not_an_event(format_args!(
                    "`object` is {other:?}, expected \"v2.core.event\""
                )))
            }
            None => return Err(Error::not_an_event("missing field `object`")),
        }
        serde_json::from_value(value).map_err(Error::not_an_event)
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
        self.context.as_ref()?.as_str()
    }

    /// Why the event happened (`reason`), as sent (`None` when absent or `null`).
    #[must_use]
    pub fn reason(&self) -> Option<&Value> {
        self.reason.as_ref().filter(|reason| !reason.is_null())
    }

    /// The object the event is about.
    #[must_use]
    pub fn related_object(&self) -> Option<RelatedObject> {
        let related = self.related_object.as_ref()?;
        Some(RelatedObject {
            id: related.get("id")?.as_str()?.to_owned(),
            object_type: related.get("type")?.as_str()?.to_owned(),
            url: related
                .get("url")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}
