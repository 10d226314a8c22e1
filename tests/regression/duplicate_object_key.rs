//! Fuzz finding (target `event_object`): a typed resource whose `object` key appears twice
//! became `EventObject::Unknown` without a word, because the identity read refused the repeated
//! key and fell back to "no identity"; and a JSON array was read positionally as an identity.
//! Now the identity reads a repeated key with its last value, as `serde_json::Value` does: the
//! resource is typed, and a repeated field of the type is reported as an `ObjectShape` error.

use serde_json::value::RawValue;
use stripe_webhooks::{Error, Event, EventObject};

fn event_with(object: &str) -> Event {
    let body = format!(
        r#"{{"id":"evt_1","object":"event","type":"charge.refund.updated","created":1700000000,"data":{{"object":{object}}}}}"#
    );
    Event::from_slice(body.as_bytes()).unwrap()
}

#[test]
fn repeated_object_key_still_gives_the_typed_resource() {
    // Minimized from the fuzzer's input: a refund with its `object` key repeated.
    let event = event_with(r#"{"id":"re_1","object":"refund","amount":2500,"object":"refund"}"#);
    let identity = event.object_ref();
    assert_eq!(identity.id.as_deref(), Some("re_1"));
    assert_eq!(identity.kind.as_deref(), Some("refund"));
    match event.object().unwrap() {
        EventObject::Refund(refund) => assert_eq!(refund.amount, 2500),
        other => panic!("expected a Refund, got {other:?}"),
    }
}

#[test]
fn repeated_typed_field_is_a_shape_error_not_unknown() {
    let event = event_with(r#"{"id":"re_1","object":"refund","amount":1,"amount":2}"#);
    match event.object_strict() {
        Err(Error::ObjectShape { error, .. }) => {
            assert!(
                error.to_string().contains("duplicate field `amount`"),
                "{error}"
            );
        }
        other => panic!("expected ObjectShape, got {other:?}"),
    }
}

#[test]
fn repeated_key_counts_with_its_last_value_like_serde_json_value() {
    let raw = r#"{"id":"re_1","object":"refund","id":"re_2","object":"teleport"}"#;
    let event = event_with(raw);
    let value: serde_json::Value = serde_json::from_str(raw).unwrap();
    let identity = event.object_ref();
    assert_eq!(identity.id.as_deref(), value["id"].as_str());
    assert_eq!(identity.kind.as_deref(), value["object"].as_str());
    // An object this crate does not type is Unknown, with the same last-wins value.
    assert_eq!(
        EventObject::from_raw(&RawValue::from_string(raw.to_owned()).unwrap()).unwrap(),
        EventObject::Unknown(value)
    );
}

#[test]
fn an_array_has_no_identity() {
    let event = event_with(r#"["re_1","refund"]"#);
    assert_eq!(event.object_ref(), Default::default());
    assert!(matches!(
        event.object().unwrap(),
        EventObject::Unknown(serde_json::Value::Array(_))
    ));
}
