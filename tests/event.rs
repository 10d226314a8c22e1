//! The `Event` envelope: lossless round trips, every shape the envelope has had, on-demand
//! typed objects, and the errors for what is not an event.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use serde_json::{json, Value};
use stripe_webhooks::{Error, ErrorKind, Event, EventObject, EventType, ThinEvent};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_lossless(bytes: &[u8]) -> Event {
    let event = Event::from_slice(bytes).unwrap();
    let sent: Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(serde_json::to_value(&event).unwrap(), sent);
    // And the bytes it serializes to parse back into the same event.
    let again = Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), sent);
    event
}

#[test]
fn crate_fixtures_are_lossless_and_typed() {
    let cases = [
        (
            "payment_intent.payment_failed.json",
            EventType::PaymentIntentPaymentFailed,
            "payment_intent",
        ),
        (
            "invoice.payment_failed.basil.json",
            EventType::InvoicePaymentFailed,
            "invoice",
        ),
        ("charge.failed.json", EventType::ChargeFailed, "charge"),
        (
            "customer.subscription.updated.connect.json",
            EventType::CustomerSubscriptionUpdated,
            "subscription",
        ),
    ];
    for (file, event_type, object) in cases {
        let event = assert_lossless(&fixture(file));
        assert_eq!(event.event_type(), &event_type, "{file}");
        let typed = event.object().unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(typed.object_name(), Some(object), "{file}");
        assert!(!matches!(typed, EventObject::Unknown(_)), "{file}");
    }
}

#[test]
fn envelope_accessors() {
    let event = Event::from_slice(&fixture("payment_intent.payment_failed.json")).unwrap();
    assert_eq!(event.id(), "evt_3QxFailedPaymentIntent01");
    assert_eq!(event.created().unix_timestamp(), 1763856000);
    assert!(!event.livemode());
    assert_eq!(event.api_version(), Some("2026-10-28.endive"));
    assert_eq!(event.pending_webhooks(), Some(2));
    let request = event.request().unwrap();
    assert_eq!(request.id, Some("req_FailedRequest01"));
    assert_eq!(
        request.idempotency_key,
        Some("5f6a3e1c-2d4b-4c8e-9a7f-0b1c2d3e4f50")
    );
    assert_eq!(event.account(), None);
    let identity = event.object_ref();
    assert_eq!(identity.id.as_deref(), Some("pi_3QxFailedPaymentIntent01"));
    assert_eq!(identity.kind.as_deref(), Some("payment_intent"));
    assert!(stripe_webhooks::same_release_train(
        event.api_version().unwrap()
    ));
}

#[test]
fn connect_event_with_account_context_and_previous_attributes() {
    let event = assert_lossless(&fixture("customer.subscription.updated.connect.json"));
    assert_eq!(event.account(), Some("acct_1QxConnected0001"));
    assert_eq!(event.context(), Some("acct_1QxConnected0001"));
    let previous: serde_json::Map<String, Value> = event.previous_attributes_as().unwrap().unwrap();
    assert_eq!(previous["cancel_at_period_end"], false);
    assert!(previous["cancel_at"].is_null());
}

#[test]
fn nulls_absences_and_unknown_fields_all_survive() {
    let body = json!({
        "id": "evt_1", "object": "event", "type": "charge.captured", "created": 1,
        "livemode": null, "api_version": null, "pending_webhooks": null, "request": null,
        "account": null, "context": null,
        "brand_new_envelope_field": {"nested": [1, 2, {"x": null}]},
        "data": {"object": {"id": "ch_1", "object": "charge"}, "previous_attributes": null, "also_new": true}
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let event = assert_lossless(&bytes);
    assert!(!event.livemode());
    assert_eq!(event.api_version(), None);
    assert_eq!(event.request(), None);

    let minimal = json!({"id": "evt_2", "type": "x.y", "created": 2, "data": {}});
    let event = assert_lossless(&serde_json::to_vec(&minimal).unwrap());
    assert_eq!(event.object_raw().get(), "null");
    assert!(matches!(
        event.object().unwrap(),
        EventObject::Unknown(Value::Null)
    ));
}

#[test]
fn null_data_object_is_kept_as_null() {
    let body =
        br#"{"id":"evt_1","object":"event","type":"ping","created":1,"data":{"object":null}}"#;
    let event = assert_lossless(body);
    assert_eq!(event.object_raw().get(), "null");
}

#[test]
fn old_request_string_shape() {
    let body = br#"{"id":"evt_1","object":"event","type":"charge.succeeded","created":1400000000,"livemode":true,"request":"req_old","data":{"object":{"id":"ch_1","object":"charge"}}}"#;
    let event = assert_lossless(body);
    assert_eq!(event.request().unwrap().id, Some("req_old"));
    assert_eq!(event.request().unwrap().idempotency_key, None);
    assert!(event.livemode());
}

#[test]
fn brand_new_event_type_and_object_type() {
    let body = br#"{"id":"evt_future","object":"event","api_version":"2031-01-01.zucchini","type":"hologram.projected","created":1900000000,"livemode":false,"data":{"object":{"id":"holo_1","object":"hologram","brightness":9000}}}"#;
    let event = assert_lossless(body);
    assert_eq!(
        event.event_type(),
        &EventType::Unknown("hologram.projected".into())
    );
    assert!(!stripe_webhooks::same_release_train(
        event.api_version().unwrap()
    ));
    match event.object().unwrap() {
        EventObject::Unknown(value) => assert_eq!(value["brightness"], 9000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn object_as_your_own_struct_and_path_errors() {
    #[derive(Debug, serde::Deserialize)]
    struct Mine {
        amount: i64,
    }
    let event = Event::from_slice(&fixture("payment_intent.payment_failed.json")).unwrap();
    assert_eq!(event.object_as::<Mine>().unwrap().amount, 4900);

    let bad = br#"{"id":"evt_1","object":"event","type":"payment_intent.created","created":1,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":"lots","last_payment_error":{"code":5}}}}"#;
    let event = Event::from_slice(bad).unwrap();
    match event.object_strict().unwrap_err() {
        Error::ObjectShape { path, target, .. } => {
            assert_eq!(&*path, ".amount");
            assert!(target.ends_with("PaymentIntent"), "{target}");
        }
        other => panic!("{other:?}"),
    }
    // The lenient view sets both mismatches aside and types the rest.
    let EventObject::PaymentIntent(intent) = event.object().unwrap() else {
        panic!("a payment intent")
    };
    assert_eq!(intent.id, "pi_1");
    assert_eq!(intent.amount, 0);
    assert_eq!(intent.last_payment_error.map(|e| e.code), Some(None));
    // The event itself is intact: nothing Stripe sent is lost.
    assert!(event.object_raw().get().contains("\"lots\""));
    let message = event.object_as::<Mine>().unwrap_err().to_string();
    assert!(message.starts_with("data.object.amount"), "{message}");
}

#[test]
fn what_is_not_an_event() {
    let cases: &[(&[u8], ErrorKind)] = &[
        (b"", ErrorKind::Json),
        (b"{", ErrorKind::Json),
        (b"\xff\xfe", ErrorKind::Json),
        (b"{} trailing", ErrorKind::Json),
        (b"42", ErrorKind::NotAnEvent),
        (b"{}", ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","type":"a.b","created":1}"#, ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","type":"a.b","created":"yesterday","data":{}}"#, ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","type":"a.b","created":1e30,"data":{}}"#, ErrorKind::NotAnEvent),
        (br#"{"id":7,"type":"a.b","created":1,"data":{}}"#, ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","id":"evt_2","type":"a.b","created":1,"data":{}}"#, ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","type":"a.b","created":1,"data":[]}"#, ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","object":"charge","type":"a.b","created":1,"data":{}}"#, ErrorKind::NotAnEvent),
        (br#"{"id":"evt_1","object":"v2.core.event","type":"v1.a","created":"2024-01-01T00:00:00Z"}"#, ErrorKind::ThinEventPayload),
    ];
    for (body, kind) in cases {
        let err = Event::from_slice(body).unwrap_err();
        assert_eq!(
            err.kind(),
            *kind,
            "{}: {err}",
            String::from_utf8_lossy(body)
        );
    }
    let err = Event::from_slice(br#"{"id":7,"type":"a.b","created":1,"data":{}}"#).unwrap_err();
    assert!(err.to_string().contains("`id`"), "{err}");
}

#[test]
fn thin_event_round_trip_and_refusals() {
    let body = br#"{"id":"evt_test_65R9Ijk8","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"context":"acct_123","reason":{"type":"request","request":{"id":"req_1","idempotency_key":"k"}},"related_object":{"id":"mtr_1","type":"billing.meter","url":"/v1/billing/meters/mtr_1"},"future_field":[1]}"#;
    let thin = ThinEvent::from_slice(body).unwrap();
    assert_eq!(thin.id(), "evt_test_65R9Ijk8");
    assert_eq!(thin.context(), Some("acct_123"));
    assert_eq!(thin.related_object().unwrap().object_type, "billing.meter");
    assert_eq!(thin.created().unwrap().unix_timestamp(), 1726554052);
    let sent: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(serde_json::to_value(&thin).unwrap(), sent);

    let snapshot = fixture("charge.failed.json");
    assert_eq!(
        ThinEvent::from_slice(&snapshot).unwrap_err().kind(),
        ErrorKind::SnapshotEventPayload
    );
    assert_eq!(
        ThinEvent::from_slice(b"nope").unwrap_err().kind(),
        ErrorKind::Json
    );
    assert_eq!(
        ThinEvent::from_slice(b"{}").unwrap_err().kind(),
        ErrorKind::NotAnEvent
    );
}

#[test]
fn event_deserializes_from_a_value_too() {
    let value: Value = serde_json::from_slice(&fixture("charge.failed.json")).unwrap();
    let event: Event = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(serde_json::to_value(&event).unwrap(), value);
}

#[test]
fn lossless_is_exact_for_values_and_these_bytes() {
    // Envelope fields out of the written order, spaced, escaped, with a trailing newline.
    let body = concat!(
        "{ \"zeta\" : [1,  2.50,\t1e2] , \"data\" : { \"previous_attributes\" : {\"a\": \"\\/\"},\n",
        "    \"object\" : {\"name\": \"Ren\\u00e9e\",  \"n\": 1.50, \"b\": null, \"a\": 0},",
        " \"later\" : {\"y\": 1E3} },\n",
        "  \"alpha\" : \"\\u00e9\", \"zeta\" : true,",
        "  \"request\" : {\"idempotency_key\": \"k\\/1\", \"id\": \"req_1\"},",
        "  \"pending_webhooks\" : 2.0,",
        "  \"\\u0078tra\" : 1,",
        "  \"account\" : \"acct_\\u00e9\", \"type\" : \"customer.\\u0075pdated\",",
        "  \"created\" : 1700000000, \"id\" : \"evt_\\/1\", \"object\" : \"event\" }\n"
    );
    let event = Event::from_slice(body.as_bytes()).unwrap();
    let written = serde_json::to_string(&event).unwrap();

    // Exact for values.
    let sent: Value = serde_json::from_str(body).unwrap();
    assert_eq!(serde_json::to_value(&event).unwrap(), sent);

    // Kept byte for byte: data.object, data.previous_attributes, the values of unknown
    // fields (top level and in data), of request and of pending_webhooks.
    for kept in [
        r#""object":{"name": "Ren\u00e9e",  "n": 1.50, "b": null, "a": 0}"#,
        r#""previous_attributes":{"a": "\/"}"#,
        r#""later":{"y": 1E3}"#,
        r#""request":{"idempotency_key": "k\/1", "id": "req_1"}"#,
        r#""pending_webhooks":2.0"#,
        "\"zeta\":[1,  2.50,\t1e2]",
        r#""alpha":"\u00e9""#,
    ] {
        assert!(written.contains(kept), "{kept} not in {written}");
    }
    assert_eq!(
        event.object_raw().get(),
        r#"{"name": "Ren\u00e9e",  "n": 1.50, "b": null, "a": 0}"#
    );
    // Unknown fields keep their order among themselves, a repeated key as often as it came.
    assert!(written
        .ends_with("\"zeta\":[1,  2.50,\t1e2],\"alpha\":\"\\u00e9\",\"zeta\":true,\"xtra\":1}"));
    // The request is still read from its raw text.
    assert_eq!(event.request().unwrap().idempotency_key, Some("k/1"));

    // Re-rendered: the known fields first, in a fixed order (data: object, then
    // previous_attributes, then unknown), compact, with the escaping of keys and of known
    // string fields redone.
    assert!(
        written.starts_with(
            r#"{"id":"evt_/1","object":"event","type":"customer.updated","created":1700000000,"pending_webhooks":2.0,"request":{"#
        ),
        "{written}"
    );
    assert!(written.contains(r#""account":"acct_é","data":{"object":{"name""#));
    assert!(written.contains(r#"},"previous_attributes":{"a": "\/"},"later":"#));
    assert!(!written.contains("\\u0078tra") && written.contains(r#""xtra":1"#));
    assert!(!written.contains(" : ") && !written.ends_with('\n'));
    assert_ne!(written, body);

    // The bytes that were signed are the verified payload, untouched.
    let header =
        stripe_webhooks::testing::signature_header(body.as_bytes(), "whsec_l", 1_700_000_000);
    let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let verified = stripe_webhooks::Webhook::new("whsec_l")
        .verify_at(body.as_bytes(), &header, now)
        .unwrap();
    assert_eq!(verified.payload(), body.as_bytes());
}
