//! Fuzz finding (target `thin_event`): a thin event's `livemode`, `context`, `reason` or
//! `related_object` sent as `null` was read as absent and left out when the event was
//! serialized again, breaking the promise that a `ThinEvent` serializes back to what was
//! received. Now `null` is kept apart from absent, and the accessors still read it as "none".

use serde_json::{json, Value};
use stripe_webhooks::ThinEvent;

#[test]
fn null_fields_survive_a_round_trip() {
    // Minimized from the fuzzer's input (`"related_object": null`), with the other three.
    let body = br#"{"id":"evt_1","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered",
        "created":"2024-09-17T06:20:52.246Z","livemode":null,"context":null,"reason":null,"related_object":null}"#;
    let thin = ThinEvent::from_slice(body).unwrap();
    let sent: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(serde_json::to_value(&thin).unwrap(), sent);
    assert!(!thin.livemode());
    assert_eq!(thin.context(), None);
    assert_eq!(thin.reason(), None);
    assert_eq!(thin.related_object(), None);
}

#[test]
fn absent_fields_stay_absent_and_values_are_kept() {
    let absent = br#"{"id":"evt_1","object":"v2.core.event","type":"v1.x","created":"2024-09-17T06:20:52Z"}"#;
    let thin = ThinEvent::from_slice(absent).unwrap();
    assert_eq!(
        serde_json::to_value(&thin).unwrap(),
        serde_json::from_slice::<Value>(absent).unwrap()
    );

    let full = json!({"id":"evt_1","object":"v2.core.event","type":"v1.x","created":"2024-09-17T06:20:52Z",
        "livemode":true,"context":"acct_1","reason":{"type":"request"},"related_object":{"id":"mtr_1","type":"billing.meter"}});
    let thin = ThinEvent::from_slice(full.to_string().as_bytes()).unwrap();
    assert_eq!(serde_json::to_value(&thin).unwrap(), full);
    assert!(thin.livemode());
    assert_eq!(thin.context(), Some("acct_1"));
    assert_eq!(thin.reason(), Some(&json!({"type":"request"})));
    assert_eq!(thin.related_object().unwrap().id, "mtr_1");
}
