//! With the `tracing` feature, each delivery has a span with the event id, type, outcome and
//! status, and nothing logged ever holds the body or a secret.
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod logs;
#[path = "../../tests/support/mod.rs"]
mod support;

use logs::Captured;
use pollster::block_on;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, Webhook};
use support::stores::SettleFails;

#[test]
fn spans_name_the_event_and_never_the_body_or_secret() {
    const SECRET: &str = "whsec_tracing_never_logged";
    let (captured, subscriber) = Captured::subscriber();

    let dispatcher = Dispatcher::new(Webhook::new(SECRET), |event: Event| async move {
        if event.event_type().as_str() == "charge.failed" {
            Err(HandlerError::transient("downstream timeout"))
        } else {
            Ok(())
        }
    });
    let t = 1_763_856_000;
    let now = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
    let ok = br#"{"id":"evt_traced_ok","object":"event","type":"invoice.paid","created":1763856000,"data":{"object":{"id":"in_1","object":"invoice","description":"BODY_MARKER_1"}}}"#;
    let failing = br#"{"id":"evt_traced_fail","object":"event","type":"charge.failed","created":1763856000,"data":{"object":{"id":"ch_1","object":"charge","description":"BODY_MARKER_2"}}}"#;
    tracing::subscriber::with_default(subscriber, || {
        block_on(dispatcher.dispatch_at(ok, Some(&signature_header(ok, SECRET, t)), now));
        block_on(dispatcher.dispatch_at(failing, Some(&signature_header(failing, SECRET, t)), now));
        block_on(dispatcher.dispatch_at(ok, Some("t=1763856000,v1=00"), now));
    });

    let log = captured.text();
    assert!(log.contains("event_id=\"evt_traced_ok\""), "{log}");
    assert!(log.contains("event_type=\"invoice.paid\""), "{log}");
    assert!(log.contains("outcome=\"handled\""), "{log}");
    assert!(log.contains("event_id=\"evt_traced_fail\""), "{log}");
    assert!(log.contains("handler failed"), "{log}");
    assert!(log.contains("downstream timeout"), "{log}");
    assert!(log.contains("reason=\"signature_mismatch\""), "{log}");
    for forbidden in ["BODY_MARKER", "tracing_never_logged"] {
        assert!(!log.contains(forbidden), "{forbidden} leaked into:\n{log}");
    }
}

#[test]
fn a_store_error_after_the_handler_is_logged() {
    const SECRET: &str = "whsec_tracing_settle";
    let (captured, subscriber) = Captured::subscriber();
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), |_event: Event| async move {
        Ok::<(), HandlerError>(())
    })
    .dedup_store(SettleFails(stripe_webhooks::store::MemoryDedupStore::new()));
    let t = 1_763_856_000;
    let now = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
    let body = br#"{"id":"evt_settle_traced","object":"event","type":"invoice.paid","created":1763856000,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
    tracing::subscriber::with_default(subscriber, || {
        block_on(dispatcher.dispatch_at(body, Some(&signature_header(body, SECRET, t)), now));
    });
    let log = captured.text();
    assert!(
        log.contains("duplicate store failed after the handler ran"),
        "{log}"
    );
    assert!(log.contains("connection reset by peer"), "{log}");
    assert!(log.contains("settle=Complete"), "{log}");
    assert!(log.contains("event_id=\"evt_settle_traced\""), "{log}");
    assert_eq!(dispatcher.metrics().settle_errors, 1);
}

#[test]
fn a_blank_secret_beside_another_is_warned_about_without_any_secret() {
    let (captured, subscriber) = Captured::subscriber();
    tracing::subscriber::with_default(subscriber, || {
        // A blank old secret added: warned once, for #1.
        let _ = Webhook::new("whsec_unit_new").with_secret("");
        // A blank first secret: warned when a second one comes beside it, and only then.
        let _ = Webhook::new(" ")
            .with_secret("whsec_unit_new")
            .with_secret("whsec_unit_third");
        // No blank secret: nothing.
        let _ = Webhook::new("whsec_unit_new").with_secret("whsec_unit_old");
    });
    let logs = captured.text();
    assert_eq!(logs.matches("WARN").count(), 2, "{logs}");
    assert!(logs.contains("secret #1 is empty"), "{logs}");
    assert!(logs.contains("secret #0 is empty"), "{logs}");
    assert!(!logs.contains("whsec_"), "{logs}");
}
