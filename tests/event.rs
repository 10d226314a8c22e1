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
    match event.object().unwrap_err() {
        Error::ObjectShape { path, target, .. } => {
            assert_eq!(&*path, ".amount");
            assert!(target.ends_with("PaymentIntent"), "{target}");
        }
        other => panic!("{other:?}"),
    }
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
