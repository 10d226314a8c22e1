//! The envelope read on the scanner ([`crate::event::scan`]): the road every well-formed event
//! takes, with serde_json's reader ([`super::Parsed`]) behind it for everything else.
//!
//! This reader only ever says "here is the event" or "not mine": on anything it does not
//! expect (an escape in a key or a known string field, a field of the wrong type, a missing or
//! repeated field, a thin event, bytes that are not JSON) it gives up and the serde reader
//! decides, with its errors. So where it answers, it gives exactly the `Event` the serde
//! reader would (integration/tests/envelope_fast_path.rs holds it to that), and it never
//! makes an error of its own.

use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::{is_number, Event, EventData, Request};
use crate::event::raw::raw_value;
use crate::event::scan::{literal_end, number_end, Cursor};
use crate::event::wire::{value, RawFields, Slot, EVENT_OBJECT};

/// The event in `payload`, or `None` for the serde reader to decide.
pub(super) fn parse(payload: &[u8]) -> Option<Event> {
    let mut reader = Cursor::new(std::str::from_utf8(payload).ok()?);
    let mut id = None;
    let mut object = None;
    let mut event_type = None;
    let mut created = None;
    let mut livemode = None;
    let mut api_version = None;
    let mut pending_webhooks = None;
    let mut request = None;
    let mut account = None;
    let mut context = None;
    let mut data = None;
    let mut extra = RawFields::new();

    reader.members(|reader, key| match key {
        "id" => once(&mut id, reader.string()?),
        "object" => once(&mut object, reader.string_or_null()?),
        "type" => once(&mut event_type, reader.plain()?.parse().ok()?),
        "created" => once(&mut created, reader.seconds()?),
        "livemode" => once(&mut livemode, reader.bool_or_null()?),
        "api_version" => once(&mut api_version, reader.string_or_null()?),
        "pending_webhooks" => {
            let raw = reader.raw_or_null()?;
            if raw.as_ref().is_some_and(|raw| !is_number(raw)) {
                return None;
            }
            once(&mut pending_webhooks, raw)
        }
        "request" => once(&mut request, reader.raw_or_null()?),
        "account" => once(&mut account, reader.string_or_null()?),
        "context" => once(&mut context, reader.string_or_null()?),
        "data" => once(&mut data, reader.data()?),
        _ => {
            extra.push((key.to_owned(), reader.raw()?));
            Some(())
        }
    })?;
    if !reader.at_end() {
        return None;
    }
    if value(&object).is_some_and(|object| object != EVENT_OBJECT) {
        return None;
    }
    let request_info = value(&request).and_then(Request::read);
    Some(Event {
        id: id?,
        object,
        event_type: event_type?,
        created: created?,
        livemode,
        api_version,
        pending_webhooks,
        request,
        request_info,
        account,
        context,
        data: data?,
        extra,
    })
}

/// Fills a field's slot the first time; a repeated field is the serde reader's to refuse.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

impl Cursor<'_> {
    fn string(&mut self) -> Option<String> {
        self.plain().map(str::to_owned)
    }

    fn string_or_null(&mut self) -> Option<Option<String>> {
        match self.peek()? {
            b'n' => self.null().map(|()| None),
            _ => self.string().map(Some),
        }
    }

    fn bool_or_null(&mut self) -> Option<Option<bool>> {
        let (word, value): (&[u8], _) = match self.peek()? {
            b't' => (b"true", Some(true)),
            b'f' => (b"false", Some(false)),
            _ => (b"null", None),
        };
        self.i = literal_end(self.bytes(), self.i, word)?;
        Some(value)
    }

    /// `created`: an integer number of seconds that `time` can hold (anything else, `1e3`
    /// and `1.0` included, is the serde reader's to refuse; so is `-0`, which serde_json
    /// reads as the float -0.0: found by the property test).
    fn seconds(&mut self) -> Option<OffsetDateTime> {
        let end = number_end(self.bytes(), self.i)?;
        let token = self.text.get(self.i..end)?;
        if token == "-0" {
            return None;
        }
        let seconds = token.parse::<i64>().ok()?;
        self.i = end;
        OffsetDateTime::from_unix_timestamp(seconds).ok()
    }

    /// Any JSON value, checked and kept as its text.
    fn raw(&mut self) -> Option<Box<RawValue>> {
        raw_value(self.value()?)
    }

    /// A raw slot's value: `null` is "present as null", as the serde reader keeps it.
    fn raw_or_null(&mut self) -> Option<Option<Box<RawValue>>> {
        match self.peek()? {
            b'n' => self.null().map(|()| None),
            _ => self.raw().map(Some),
        }
    }

    /// `data`: an object with `object`, `previous_attributes` and any other fields.
    fn data(&mut self) -> Option<EventData> {
        let mut object: Slot<Box<RawValue>> = None;
        let mut previous_attributes = None;
        let mut extra = RawFields::new();
        self.members(|cursor, key| match key {
            "object" => once(&mut object, cursor.raw_or_null()?),
            "previous_attributes" => once(&mut previous_attributes, cursor.raw_or_null()?),
            _ => {
                extra.push((key.to_owned(), cursor.raw()?));
                Some(())
            }
        })?;
        Some(EventData {
            object,
            previous_attributes,
            extra,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::event::Event;

    const FIXTURES: [&str; 4] = [
        include_str!("../../../tests/fixtures/events/charge.failed.json"),
        include_str!("../../../tests/fixtures/events/customer.subscription.updated.connect.json"),
        include_str!("../../../tests/fixtures/events/invoice.payment_failed.basil.json"),
        include_str!("../../../tests/fixtures/events/payment_intent.payment_failed.json"),
    ];

    /// The fast reader answers (it does not leave the work to the serde reader), with what the
    /// serde reader reads.
    fn answers(body: &str) {
        let fast = parse(body.as_bytes()).unwrap_or_else(|| panic!("gave up on {body}"));
        let reference: Event = serde_json::from_str(body).unwrap();
        assert_eq!(
            serde_json::to_string(&fast).unwrap(),
            serde_json::to_string(&reference).unwrap()
        );
    }

    #[test]
    fn answers_for_stripe_events_pretty_or_compact() {
        for fixture in FIXTURES {
            answers(fixture);
            let value: serde_json::Value = serde_json::from_str(fixture).unwrap();
            answers(&serde_json::to_string(&value).unwrap());
            answers(&format!(
                " \r\n\t{}\n\n",
                serde_json::to_string_pretty(&value).unwrap()
            ));
        }
    }

    #[test]
    fn answers_for_every_shape_a_genuine_event_takes() {
        for body in [
            r#"{"id":"evt_1","type":"charge.failed","created":1,"data":{}}"#,
            r#"{"id":"evt_1","object":null,"type":"x.y","created":-5,"data":{"object":null}}"#,
            r#"{"id":"evt_1","type":"a.b","created":0,"livemode":null,"pending_webhooks":null,"request":null,"account":null,"context":null,"api_version":null,"data":{"object":{},"previous_attributes":null}}"#,
            r#"{"id":"evt_1","type":"a.b","created":1,"pending_webhooks":1e400,"request":"req_1","data":{"object":[1,"\u00e9\ud800"],"x":1,"x":[]},"x":{"y":1.50e3},"x":null}"#,
            r#"{"data":{"object":{"id":"é ✓ 😀"}},"created":1700000000,"type":"invoice.paid","id":"evt_é"}"#,
        ] {
            answers(body);
        }
    }

    #[test]
    fn leaves_the_rest_to_the_serde_reader() {
        for body in [
            r#"{"\u0069d":"evt_1","type":"a.b","created":1,"data":{}}"#,
            r#"{"id":"evt_\u0031","type":"a.b","created":1,"data":{}}"#,
            r#"{"id":"evt_1","id":"evt_2","type":"a.b","created":1,"data":{}}"#,
            r#"{"id":"evt_1","type":"a.b","created":1.0,"data":{}}"#,
            r#"{"id":"evt_1","type":"a.b","created":1e3,"data":{}}"#,
            r#"{"id":"evt_1","type":"a.b","created":-0,"data":{}}"#,
            r#"{"id":"evt_1","type":"a.b","created":99999999999999999,"data":{}}"#,
            r#"{"id":"evt_1","type":"a.b","created":1,"data":[]}"#,
            r#"{"id":"evt_1","type":"a.b","created":1,"pending_webhooks":"1","data":{}}"#,
            r#"{"id":"evt_1","object":"v2.core.event","type":"a.b","created":1,"data":{}}"#,
            r#"{"id":"evt_1","type":"a.b","created":1,"data":{}} x"#,
            r#"{"id":"evt_1","type":"a.b","created":1,"data":{},}"#,
            r#"{"id":"evt_1","type":"a.b","data":{}}"#,
            "{}",
            "[]",
            "",
        ] {
            assert!(parse(body.as_bytes()).is_none(), "{body}");
        }
        assert!(
            parse(b"{\"id\":\"evt_\xff\",\"type\":\"a.b\",\"created\":1,\"data\":{}}").is_none()
        );
    }
}
