//! Hostile input: what anyone on the internet can send a webhook endpoint. Each case gets its
//! specific error variant (never a panic, never an accepted forgery). Bounds on time and
//! memory are stated in SECURITY.md; nothing here asserts a wall-clock time.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, Outcome, DEFAULT_MAX_BODY_SIZE};
use stripe_webhooks::testing::{signature_header, SignatureHeader};
use stripe_webhooks::{
    Error, Event, EventObject, ThinEvent, Webhook, MAX_HEADER_ENTRIES, MAX_HEADER_LEN,
};
use time::OffsetDateTime;

const SECRET: &str = "whsec_hostile_test_secret";
const NOW: i64 = 1_700_000_000;
const EVENT: &str = r#"{"id":"evt_1","object":"event","type":"charge.failed","created":1700000000,"livemode":false,"data":{"object":{"id":"ch_1","object":"charge"}}}"#;
const THIN: &str = r#"{"id":"evt_test_65R","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false,"related_object":{"id":"mtr_1","type":"billing.meter","url":"/v1/billing/meters/mtr_1"}}"#;

fn at(unix_seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap()
}

fn webhook() -> Webhook {
    Webhook::new(SECRET)
}

/// Verifies a body correctly signed at `NOW`, then parses it as a snapshot event.
fn signed_parse(body: &[u8]) -> Result<Event, Error> {
    webhook().verify_and_parse_at(body, &signature_header(body, SECRET, NOW), at(NOW))
}

/// Verifies `header` over the sample event at `NOW`.
fn verify_header(header: &str) -> Result<(), Error> {
    webhook()
        .verify_at(EVENT.as_bytes(), header, at(NOW))
        .map(|_| ())
}

/// An event whose `data.object` is `object` (raw JSON text).
fn event_with_object(object: &str) -> String {
    format!(
        r#"{{"id":"evt_1","object":"event","type":"charge.failed","created":1700000000,"data":{{"object":{object}}}}}"#
    )
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

// --- bodies ---

#[test]
fn invalid_utf8_is_a_json_error() {
    for body in [
        b"\xff\xfe\xfd".as_slice(),
        b"{\"id\":\"evt_\xff\"}".as_slice(),
        b"{\"id\":\"evt_\xc3\x28\",\"object\":\"event\",\"type\":\"charge.failed\",\"created\":1,\"data\":{\"object\":{}}}",
    ] {
        assert!(matches!(Event::from_slice(body), Err(Error::Json(_))), "{body:?}");
        assert!(matches!(ThinEvent::from_slice(body), Err(Error::Json(_))));
        // The signature covers bytes, so it holds; the parse after it refuses.
        assert!(matches!(signed_parse(body), Err(Error::Json(_))));
    }
}

#[test]
fn byte_order_mark_is_a_json_error() {
    let body = [b"\xEF\xBB\xBF".as_slice(), EVENT.as_bytes()].concat();
    assert!(matches!(Event::from_slice(&body), Err(Error::Json(_))));
    assert!(matches!(signed_parse(&body), Err(Error::Json(_))));
    assert!(matches!(ThinEvent::from_slice(&body), Err(Error::Json(_))));
}

#[test]
fn nesting_10_000_deep() {
    let deep = nested(10_000);
    // As the whole body: not an object, refused at the first byte.
    assert!(matches!(
        Event::from_slice(deep.as_bytes()),
        Err(Error::NotAnEvent { .. })
    ));
    // In an unknown envelope field: kept as raw text, skipped without recursion like
    // data.object (tests/regression/out_of_range_numbers.rs), so the rest decides.
    let in_field = format!(r#"{{"id":"evt_1","x":{deep}}}"#);
    match Event::from_slice(in_field.as_bytes()) {
        Err(Error::NotAnEvent { reason }) => assert!(reason.contains("`type`"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        ThinEvent::from_slice(in_field.as_bytes()),
        Err(Error::NotAnEvent { .. })
    ));
    let in_event = EVENT.replacen('{', &format!(r#"{{"x":{deep},"#), 1);
    let written = serde_json::to_string(&Event::from_slice(in_event.as_bytes()).unwrap()).unwrap();
    assert!(written.contains(&deep));
    let thin = THIN.replacen('{', &format!(r#"{{"x":{deep},"#), 1);
    let written = serde_json::to_string(&ThinEvent::from_slice(thin.as_bytes()).unwrap()).unwrap();
    assert!(written.contains(&deep));
    // In data.object: kept as raw text (skipped without recursion, so the envelope parses),
    // and reading it as a resource hits the depth limit as an ObjectShape error.
    let event = Event::from_slice(event_with_object(&deep).as_bytes()).unwrap();
    assert_eq!(event.object_raw().get().len(), 20_000);
    assert!(matches!(event.object(), Err(Error::ObjectShape { .. })));
    assert!(matches!(
        event.object_as::<Value>(),
        Err(Error::ObjectShape { .. })
    ));
    // Losslessly written back, byte for byte.
    let written = serde_json::to_string(&event).unwrap();
    assert!(written.contains(&deep));
}

#[test]
fn numbers_beyond_i64_and_u64() {
    for created in [
        "18446744073709551616",
        "9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "1e3",
    ] {
        let body = EVENT.replace("1700000000", created);
        match Event::from_slice(body.as_bytes()) {
            Err(Error::NotAnEvent { reason }) => assert!(reason.contains("created"), "{reason}"),
            other => panic!("created {created}: {other:?}"),
        }
    }
    // Beyond i64, or beyond f64 in an unknown field: kept as sent, never a refusal
    // (tests/regression/out_of_range_numbers.rs).
    let body = EVENT.replace(
        r#""livemode":false"#,
        r#""pending_webhooks":18446744073709551616"#,
    );
    assert_eq!(
        Event::from_slice(body.as_bytes())
            .unwrap()
            .pending_webhooks(),
        None
    );
    let body = EVENT.replace(r#""livemode":false"#, r#""pending_webhooks":"2""#);
    match Event::from_slice(body.as_bytes()) {
        Err(Error::NotAnEvent { reason }) => {
            assert!(reason.contains("pending_webhooks"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let body = EVENT.replace(r#""livemode":false"#, r#""x":1e400"#);
    let written = serde_json::to_string(&Event::from_slice(body.as_bytes()).unwrap()).unwrap();
    assert!(written.contains(r#""x":1e400"#));
    // Inside data.object the digits are kept exactly; a typed field names its path.
    let object = r#"{"id":"pi_1","object":"payment_intent","amount":18446744073709551616123}"#;
    let event = Event::from_slice(event_with_object(object).as_bytes()).unwrap();
    assert_eq!(event.object_raw().get(), object);
    match event.object_strict() {
        Err(Error::ObjectShape { path, .. }) => assert_eq!(&*path, ".amount"),
        other => panic!("{other:?}"),
    }
    // The lenient view sets the number aside (the raw object above keeps its digits).
    match event.object() {
        Ok(EventObject::PaymentIntent(intent)) => {
            assert_eq!((&*intent.id, intent.amount), ("pi_1", 0))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicate_keys() {
    // A known envelope field twice: refused, never "first wins" or "last wins" silently.
    for field in [
        r#""id":"evt_2""#,
        r#""type":"invoice.paid""#,
        r#""object":"event""#,
    ] {
        let body = EVENT.replacen('{', &format!("{{{field},"), 1);
        match Event::from_slice(body.as_bytes()) {
            Err(Error::NotAnEvent { reason }) => {
                assert!(reason.contains("duplicate field"), "{reason}")
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    // An unknown field twice keeps its last value, as serde_json::Value reads it.
    let body = EVENT.replacen('{', r#"{"x":1,"x":2,"#, 1);
    let event = Event::from_slice(body.as_bytes()).unwrap();
    assert_eq!(serde_json::to_value(&event).unwrap()["x"], 2);
    // Inside a typed resource: an ObjectShape error for the strict view, never a silent
    // fallback to Unknown; the lenient view reads the last value, as ObjectRef does.
    let object = r#"{"id":"ch_1","object":"charge","amount":1,"amount":2}"#;
    let event = Event::from_slice(event_with_object(object).as_bytes()).unwrap();
    assert!(matches!(
        event.object_strict(),
        Err(Error::ObjectShape { .. })
    ));
    match event.object() {
        Ok(EventObject::Charge(charge)) => assert_eq!(charge.amount, 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nul_bytes() {
    // A raw NUL in a string, or between tokens: not JSON.
    for body in [
        EVENT.replace("evt_1", "evt_\0").into_bytes(),
        [EVENT.as_bytes(), b"\0"].concat(),
        [b"\0".as_slice(), EVENT.as_bytes()].concat(),
    ] {
        assert!(matches!(Event::from_slice(&body), Err(Error::Json(_))));
        assert!(matches!(signed_parse(&body), Err(Error::Json(_))));
    }
    // An escaped NUL is valid JSON: the id carries it, and nothing breaks downstream.
    let body = EVENT.replace("evt_1", r"evt_\u0000");
    let event = signed_parse(body.as_bytes()).unwrap();
    assert_eq!(event.id(), "evt_\0");
    // In the header: not digits, so not a timestamp; in a v1 value, not hex, so no match.
    assert!(matches!(
        verify_header("t=1700000000\0,v1=00"),
        Err(Error::TimestampInvalid)
    ));
    let sig = signature_header(EVENT.as_bytes(), SECRET, NOW);
    let with_nul = format!("{}\0", sig);
    assert!(matches!(
        verify_header(&with_nul),
        Err(Error::SignatureMismatch { signatures: 1, .. })
    ));
}

#[test]
fn ten_megabyte_body() {
    let filler = "x".repeat(10 * 1024 * 1024);
    let body = EVENT.replacen('{', &format!(r#"{{"filler":"{filler}","#), 1);
    assert!(body.len() > 10 * 1024 * 1024);
    let header = signature_header(body.as_bytes(), SECRET, NOW);

    // Through the dispatcher with its default limit: refused before verifying or parsing.
    let calls = AtomicUsize::new(0);
    let dispatcher = Dispatcher::new(webhook(), |_event: Event| {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), HandlerError>(()) }
    });
    assert_eq!(dispatcher.get_max_body_size(), DEFAULT_MAX_BODY_SIZE);
    let outcome =
        pollster::block_on(dispatcher.dispatch_at(body.as_bytes(), Some(&header), at(NOW)));
    match &outcome {
        Outcome::Rejected(Error::BodyTooLarge { len, max }) => {
            assert_eq!(*len, body.len());
            assert_eq!(*max, DEFAULT_MAX_BODY_SIZE);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(outcome.status(), 413);
    assert_eq!(dispatcher.metrics().verified, 0);
    assert_eq!(calls.load(Ordering::SeqCst), 0);

    // Event::from_slice has no size limit of its own (that is the framework's and the
    // dispatcher's job): a genuine 10 MB event parses, in one linear pass.
    let event = Event::from_slice(body.as_bytes()).unwrap();
    assert_eq!(event.id(), "evt_1");
    // So does the verifier: one HMAC pass over the body.
    assert!(signed_parse(body.as_bytes()).is_ok());
    // 10 MB that are not JSON: a Json error.
    assert!(matches!(
        Event::from_slice(filler.as_bytes()),
        Err(Error::Json(_))
    ));
}

// --- the Stripe-Signature header ---

#[test]
fn header_of_10_000_v1_entries() {
    let sig = signature_header(EVENT.as_bytes(), SECRET, NOW);
    let v1 = &sig[sig.find("v1=").unwrap()..];
    let header = format!("t={NOW}{}", format!(",{v1}").repeat(10_000));
    match verify_header(&header) {
        Err(Error::HeaderTooLong { len, max }) => {
            assert_eq!(len, header.len());
            assert_eq!(max, MAX_HEADER_LEN);
        }
        other => panic!("{other:?}"),
    }
    // Short entries fit the length cap, and then the entry cap refuses them.
    let short = format!("t={NOW}{}", ",v1=0".repeat(10_000));
    assert!(matches!(
        verify_header(&short),
        Err(Error::HeaderTooLong { .. })
    ));
    let many = format!("t={NOW}{}", ",v1=0".repeat(MAX_HEADER_ENTRIES));
    assert!(many.len() <= MAX_HEADER_LEN);
    assert!(matches!(
        verify_header(&many),
        Err(Error::HeaderTooManyEntries {
            max: MAX_HEADER_ENTRIES
        })
    ));
}

#[test]
fn header_of_one_megabyte() {
    let header = format!("t={NOW},v1={}", "a".repeat(1024 * 1024));
    assert!(matches!(
        verify_header(&header),
        Err(Error::HeaderTooLong { len, max: MAX_HEADER_LEN }) if len == header.len()
    ));
    let spaces = " ".repeat(1024 * 1024);
    assert!(matches!(
        verify_header(&spaces),
        Err(Error::HeaderTooLong { .. })
    ));
}

#[test]
fn timestamp_of_ten_to_the_thirty() {
    let header = format!("t=1{},v1={}", "0".repeat(30), "0".repeat(64));
    assert!(matches!(
        verify_header(&header),
        Err(Error::TimestampInvalid)
    ));
    // Digits within i64 but beyond the dates `time` represents: the same error.
    let header = format!("t={},v1={}", i64::MAX, "0".repeat(64));
    assert!(matches!(
        verify_header(&header),
        Err(Error::TimestampInvalid)
    ));
}

#[test]
fn negative_and_zero_timestamps() {
    for t in ["-1", "-1700000000", "-0"] {
        let header = format!("t={t},v1={}", "0".repeat(64));
        assert!(
            matches!(verify_header(&header), Err(Error::TimestampInvalid)),
            "{t}"
        );
    }
    // t=0 is a valid time (1970): a right signature is then simply far too old.
    let zero = signature_header(EVENT.as_bytes(), SECRET, 0);
    assert!(matches!(
        verify_header(&zero),
        Err(Error::TimestampTooOld { age_secs, tolerance_secs: 300 }) if age_secs == NOW as u64
    ));
    // A forged signature at t=0 fails on the signature, before any timestamp is judged.
    let forged = SignatureHeader::new(0)
        .forged(EVENT.as_bytes(), SECRET)
        .to_string();
    assert!(matches!(
        verify_header(&forged),
        Err(Error::SignatureMismatch { .. })
    ));
}

#[test]
fn non_ascii_digits_in_timestamp() {
    for t in [
        "١٧٠٠٠٠٠٠٠٠",
        "１７００００００００",
        "¹⁷⁰⁰",
        "1700000000\u{200b}",
        "17OOOOOOOO",
    ] {
        let header = format!("t={t},v1={}", "0".repeat(64));
        assert!(
            matches!(verify_header(&header), Err(Error::TimestampInvalid)),
            "{t}"
        );
    }
}

#[test]
fn secret_with_non_ascii_bytes() {
    let secret = "whsec_clé_ключ_秘密";
    let body = EVENT.as_bytes();
    let webhook = Webhook::new(secret);
    // The key is the secret's UTF-8 bytes exactly as given.
    let header = signature_header(body, secret, NOW);
    assert_eq!(
        webhook
            .verify_at(body, &header, at(NOW))
            .unwrap()
            .secret_index(),
        0
    );
    // No Unicode normalization: the same text in decomposed form is another key.
    let decomposed = "whsec_cle\u{301}_ключ_秘密";
    let other = signature_header(body, decomposed, NOW);
    let error = webhook.verify_at(body, &other, at(NOW)).unwrap_err();
    assert!(matches!(
        error,
        Error::SignatureMismatch {
            signatures: 1,
            secrets: 1
        }
    ));
    assert!(!format!("{error} {error:?} {webhook:?}").contains("ключ"));
    // Non-ASCII whitespace is not trimmed nor refused: it is part of the key.
    let nbsp = "whsec_x\u{a0}";
    let header = signature_header(body, nbsp, NOW);
    assert!(Webhook::new(nbsp).verify_at(body, &header, at(NOW)).is_ok());
}

// --- thin versus snapshot ---

#[test]
fn thin_payload_to_the_snapshot_parser_and_back() {
    assert!(matches!(
        Event::from_slice(THIN.as_bytes()),
        Err(Error::ThinEventPayload)
    ));
    assert!(matches!(
        ThinEvent::from_slice(EVENT.as_bytes()),
        Err(Error::SnapshotEventPayload)
    ));
    assert!(matches!(
        signed_parse(THIN.as_bytes()),
        Err(Error::ThinEventPayload)
    ));
    let header = signature_header(EVENT.as_bytes(), SECRET, NOW);
    assert!(matches!(
        webhook().verify_and_parse_thin_at(EVENT.as_bytes(), &header, at(NOW)),
        Err(Error::SnapshotEventPayload)
    ));
    // Each error names the function to use instead.
    assert!(Error::ThinEventPayload
        .to_string()
        .contains("verify_and_parse_thin"));
    assert!(Error::SnapshotEventPayload
        .to_string()
        .contains("verify_and_parse`"));
    // Through the dispatcher: refused (400), the handler never sees it.
    let dispatcher = Dispatcher::new(webhook(), |_event: Event| async {
        Err::<(), _>(HandlerError::permanent("must not run"))
    });
    let header = signature_header(THIN.as_bytes(), SECRET, NOW);
    let outcome =
        pollster::block_on(dispatcher.dispatch_at(THIN.as_bytes(), Some(&header), at(NOW)));
    assert!(
        matches!(outcome, Outcome::Rejected(Error::ThinEventPayload)),
        "{outcome:?}"
    );
    assert_eq!(outcome.status(), 400);
    // And the right parser takes it.
    let thin = ThinEvent::from_slice(THIN.as_bytes()).unwrap();
    assert_eq!(thin.related_object().unwrap().id, "mtr_1");
    assert!(matches!(
        Event::from_slice(event_with_object("{}").as_bytes())
            .unwrap()
            .object()
            .unwrap(),
        EventObject::Unknown(_)
    ));
}
