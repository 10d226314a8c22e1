//! A genuine event refused for its content: unknown fields (and `request`, `created`,
//! `pending_webhooks`) were read as `serde_json::Value`, which cannot hold a number beyond
//! `f64` such as `1e400`, so such a body made `Event::from_slice` fail and every one of
//! Stripe's retries was answered 400. Now unknown fields, `request` and `pending_webhooks` are
//! kept as raw JSON text and written back as sent; only a bad signature or a body that is not
//! a JSON event is refused.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pollster::block_on;
use serde_json::Value;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Error, Event, ThinEvent, Webhook};
use time::OffsetDateTime;

/// A snapshot event with `fields` (raw JSON text) inserted before `data`, and `data_fields`
/// inside `data` after `object`.
fn event_with(fields: &str, data_fields: &str) -> String {
    format!(
        r#"{{"id":"evt_1","object":"event","type":"charge.failed","created":1700000000,{fields}"data":{{"object":{{"id":"ch_1","object":"charge"}}{data_fields}}}}}"#
    )
}

/// Parses `body`, writes it back and parses that again: the written text must be stable.
fn round_trip(body: &str) -> (Event, String) {
    let event = Event::from_slice(body.as_bytes()).unwrap();
    let written = serde_json::to_string(&event).unwrap();
    let again = Event::from_slice(written.as_bytes()).unwrap();
    assert_eq!(serde_json::to_string(&again).unwrap(), written);
    (event, written)
}

#[test]
fn an_unknown_top_level_field_holding_1e400_parses_and_keeps_its_spelling() {
    let body = event_with(r#""x":1e400,"#, "");
    // Not even serde_json::Value can read this body.
    assert!(serde_json::from_str::<Value>(&body).is_err());
    let (event, written) = round_trip(&body);
    assert_eq!(event.id(), "evt_1");
    assert!(written.contains(r#""x":1e400"#), "{written}");
    // Not a Value, so `to_value` cannot represent it; it says so instead of changing it.
    assert!(serde_json::to_value(&event).is_err());
}

#[test]
fn minus_1e400_in_an_unknown_field() {
    let (_, written) = round_trip(&event_with(r#""x":-1e400,"y":[1,-1E+400],"#, ""));
    assert!(
        written.contains(r#""x":-1e400,"y":[1,-1E+400]"#),
        "{written}"
    );
}

#[test]
fn an_integer_beyond_u64_in_an_unknown_field_keeps_its_digits() {
    let body = event_with(r#""big":123456789012345678901234567890,"#, "");
    let (event, written) = round_trip(&body);
    assert!(written.contains(r#""big":123456789012345678901234567890"#));
    // It fits a Value (as an f64), so the value round trip holds as well.
    let sent: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(serde_json::to_value(&event).unwrap(), sent);
}

#[test]
fn an_unknown_field_of_data_holding_1e400() {
    let (event, written) = round_trip(&event_with("", r#","extra":{"n":1e400}"#));
    assert!(written.contains(r#""extra":{"n":1e400}"#), "{written}");
    assert_eq!(event.object_ref().id.as_deref(), Some("ch_1"));
}

#[test]
fn one_e400_inside_data_object_is_kept_raw() {
    let body = r#"{"id":"evt_1","object":"event","type":"charge.failed","created":1700000000,"data":{"object":{"id":"ch_1","object":"charge","n":1e400}}}"#;
    let (event, written) = round_trip(body);
    assert_eq!(
        event.object_raw().get(),
        r#"{"id":"ch_1","object":"charge","n":1e400}"#
    );
    assert!(written.contains(r#""n":1e400"#));
}

#[test]
fn one_e400_inside_request() {
    // Beside the id: the id is still read.
    let (event, written) = round_trip(&event_with(
        r#""request":{"id":"req_1","idempotency_key":"k_1","cost":1e400},"#,
        "",
    ));
    let request = event.request().unwrap();
    assert_eq!(request.id, Some("req_1"));
    assert_eq!(request.idempotency_key, Some("k_1"));
    assert!(written.contains(r#""request":{"id":"req_1","idempotency_key":"k_1","cost":1e400}"#));

    // As the id, or as the whole request: no request information, and no error.
    let (event, written) = round_trip(&event_with(r#""request":{"id":1e400},"#, ""));
    assert_eq!(event.request().unwrap().id, None);
    assert!(written.contains(r#""request":{"id":1e400}"#));
    let (event, written) = round_trip(&event_with(r#""request":1e400,"#, ""));
    assert_eq!(event.request(), None);
    assert!(written.contains(r#""request":1e400"#));
}

#[test]
fn a_huge_pending_webhooks() {
    for huge in ["18446744073709551616", "1e400", "-1e400", "2.5"] {
        let (event, written) =
            round_trip(&event_with(&format!(r#""pending_webhooks":{huge},"#), ""));
        assert_eq!(event.pending_webhooks(), None, "{huge}");
        assert!(
            written.contains(&format!(r#""pending_webhooks":{huge}"#)),
            "{written}"
        );
    }
    let (event, _) = round_trip(&event_with(
        r#""pending_webhooks":9223372036854775807,"#,
        "",
    ));
    assert_eq!(event.pending_webhooks(), Some(i64::MAX));
}

#[test]
fn a_created_of_1e400_is_not_unix_seconds_rather_than_not_json() {
    let body = event_with("", "").replace("1700000000", "1e400");
    match Event::from_slice(body.as_bytes()) {
        Err(Error::NotAnEvent { reason }) => assert!(reason.contains("created"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_thin_event_with_1e400_in_an_unknown_field_and_in_reason() {
    let body = r#"{"id":"evt_1","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"context":"acct_1","reason":{"type":"request","n":1e400},"related_object":{"id":"mtr_1","type":"billing.meter","n":-1e400},"x":1e400}"#;
    assert!(serde_json::from_str::<Value>(body).is_err());
    let thin = ThinEvent::from_slice(body.as_bytes()).unwrap();
    assert_eq!(thin.context(), Some("acct_1"));
    assert_eq!(thin.related_object().unwrap().id, "mtr_1");
    // `reason` does not fit a Value; its raw text is there.
    assert_eq!(thin.reason(), None);
    assert_eq!(
        thin.reason_raw().unwrap().get(),
        r#"{"type":"request","n":1e400}"#
    );
    // Written back as received (the known fields were already in the written order).
    assert_eq!(serde_json::to_string(&thin).unwrap(), body);
}

#[test]
fn through_the_dispatcher_it_is_handled_with_200() {
    const SECRET: &str = "whsec_out_of_range_numbers";
    const NOW: i64 = 1_700_000_000;
    let body = event_with(r#""x":1e400,"#, r#","y":-1e400"#);
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
        let counter = counter.clone();
        async move {
            assert_eq!(event.id(), "evt_1");
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<(), HandlerError>(())
        }
    });
    let header = signature_header(body.as_bytes(), SECRET, NOW);
    let now = OffsetDateTime::from_unix_timestamp(NOW).unwrap();
    let outcome = block_on(dispatcher.dispatch_at(body.as_bytes(), Some(&header), now));
    assert_eq!(outcome.kind(), OutcomeKind::Handled, "{outcome:?}");
    assert_eq!(outcome.status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}
