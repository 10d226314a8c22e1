//! Fuzz finding (target `thin_event`): a snapshot event whose `data.object` holds a lone
//! surrogate escape (`"\ud800"`, which `serde_json::Value` refuses) was refused by the thin
//! parser with `SnapshotEventPayload`, as it should, while the fuzz property wrongly demanded
//! that the whole body parse as a `Value`. The crate's behaviour, kept here: the envelope
//! parses (nothing Stripe sent is refused for content it does not read), `data.object` keeps
//! the escape byte for byte, and the thin parser names the right function.

use stripe_webhooks::{Error, Event, ThinEvent};

const BODY: &str = r#"{"id":"evt_surrogate","object":"event","type":"customer.updated","created":1700000000,"data":{"object":{"id":"cus_1","object":"customer","exp_mon\ud800th":4}}}"#;

#[test]
fn a_lone_surrogate_inside_the_object_parses_and_is_kept() {
    assert!(serde_json::from_str::<serde_json::Value>(BODY).is_err());
    let event = Event::from_slice(BODY.as_bytes()).unwrap();
    assert_eq!(event.id(), "evt_surrogate");
    assert!(event.object_raw().get().contains(r#""exp_mon\ud800th":4"#));
}

#[test]
fn the_thin_parser_refuses_it_as_a_snapshot_event() {
    assert!(matches!(
        ThinEvent::from_slice(BODY.as_bytes()),
        Err(Error::SnapshotEventPayload)
    ));
}
