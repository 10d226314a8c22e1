//! The verifier through the public API: Stripe's published vector, the negative cases the
//! official SDKs test, strict cases of our own, secret rolls and tampered bodies.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod support;

use std::time::Duration;

use stripe_webhooks::testing::{signature_header, SignatureHeader};
use stripe_webhooks::{Error, ErrorKind, Secret, Webhook};
use support::at;

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "whsec_test_secret";
const BODY: &[u8] = br#"{"id":"evt_test_webhook","object":"event","type":"customer.created","created":1700000000,"livemode":false,"data":{"object":{"id":"cus_1","object":"customer"}}}"#;

fn webhook() -> Webhook {
    Webhook::new(SECRET)
}

#[test]
fn stripe_dotnet_published_vector() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    let body = std::fs::read(fixtures.join("events/stripe-dotnet/event_test_signature.json"))
        .expect("stripe-dotnet's signed event");
    assert_eq!(body.len(), 484);
    assert_eq!(body.last(), Some(&b'\n'));
    let expected =
        "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7";

    assert_eq!(
        signature_header(&body, "webhook_secret", 1533204620),
        expected
    );

    let webhook = Webhook::new("webhook_secret");
    let verified = webhook.verify_at(&body, expected, at(1533204620)).unwrap();
    assert_eq!(verified.timestamp().unix_timestamp(), 1533204620);
    let event = verified.parse().unwrap();
    assert_eq!(event.event_type().as_str(), "customer.created");
}

#[test]
fn valid_header_verifies_and_parses() {
    let header = signature_header(BODY, SECRET, NOW);
    let event = webhook()
        .verify_and_parse_at(BODY, &header, at(NOW))
        .unwrap();
    assert_eq!(event.id(), "evt_test_webhook");
}

/// The cases the official SDKs' webhook test suites run, each with its exact variant.
#[test]
fn sdk_negative_cases() {
    let good = signature_header(BODY, SECRET, NOW);
    let forged = SignatureHeader::new(NOW).forged(BODY, SECRET).to_string();
    let other_secret = signature_header(BODY, "whsec_other", NOW);
    let cases: Vec<(&str, String, ErrorKind)> = vec![
        (
            "bad header",
            "bad_header".into(),
            ErrorKind::TimestampMissing,
        ),
        ("empty header", String::new(), ErrorKind::HeaderEmpty),
        (
            "no timestamp",
            good.replacen(&format!("t={NOW},"), "", 1),
            ErrorKind::TimestampMissing,
        ),
        (
            "no signatures",
            format!("t={NOW}"),
            ErrorKind::SignatureMissing,
        ),
        (
            "v0 only",
            format!("t={NOW},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"),
            ErrorKind::SignatureMissing,
        ),
        (
            "bad signature",
            forged.clone(),
            ErrorKind::SignatureMismatch,
        ),
        ("wrong secret", other_secret, ErrorKind::SignatureMismatch),
        (
            "garbage v1 only",
            format!("t={NOW},v1=bad_signature"),
            ErrorKind::SignatureMismatch,
        ),
        (
            "empty v1",
            format!("t={NOW},v1="),
            ErrorKind::SignatureMismatch,
        ),
        (
            "repeated t",
            format!("{good},t={NOW}"),
            ErrorKind::TimestampRepeated,
        ),
        (
            "non-numeric t",
            good.replacen(&NOW.to_string(), "1700000000a", 1),
            ErrorKind::TimestampInvalid,
        ),
    ];
    for (name, header, kind) in cases {
        let err = webhook().verify_at(BODY, &header, at(NOW)).unwrap_err();
        assert_eq!(err.kind(), kind, "{name}: {header:?} gave {err}");
    }
}

#[test]
fn valid_plus_garbage_v1_still_verifies() {
    let header = SignatureHeader::new(NOW)
        .entry("v1", "bad_signature")
        .sign(BODY, SECRET)
        .entry("v1", "")
        .entry("v2", "whatever")
        .to_string();
    assert!(webhook().verify_at(BODY, &header, at(NOW)).is_ok());
}

#[test]
fn old_and_future_timestamps_say_how_far() {
    let header = signature_header(BODY, SECRET, NOW);
    let webhook = webhook().tolerance(Duration::from_secs(10));

    assert!(webhook.verify_at(BODY, &header, at(NOW + 10)).is_ok());
    assert!(webhook.verify_at(BODY, &header, at(NOW - 10)).is_ok());
    match webhook.verify_at(BODY, &header, at(NOW + 11)) {
        Err(Error::TimestampTooOld {
            age_secs: 11,
            tolerance_secs: 10,
        }) => {}
        other => panic!("expected too old, got {other:?}"),
    }
    match webhook.verify_at(BODY, &header, at(NOW - 11)) {
        Err(Error::TimestampInFuture {
            ahead_secs: 11,
            tolerance_secs: 10,
        }) => {}
        other => panic!("expected in future, got {other:?}"),
    }
}

#[test]
fn default_tolerance_is_five_minutes_and_zero_means_zero() {
    let header = signature_header(BODY, SECRET, NOW);
    assert!(webhook().verify_at(BODY, &header, at(NOW + 300)).is_ok());
    assert!(webhook().verify_at(BODY, &header, at(NOW + 301)).is_err());
    let strict = webhook().tolerance(Duration::ZERO);
    assert!(strict.verify_at(BODY, &header, at(NOW)).is_ok());
    assert_eq!(
        strict
            .verify_at(BODY, &header, at(NOW + 1))
            .unwrap_err()
            .kind(),
        ErrorKind::TimestampTooOld
    );
    assert_eq!(
        strict
            .verify_at(BODY, &header, at(NOW - 1))
            .unwrap_err()
            .kind(),
        ErrorKind::TimestampInFuture
    );
}

#[test]
fn a_stale_forgery_is_a_mismatch_not_a_stale_event() {
    // The signature is checked first: "too old" always means "genuine, but late".
    let forged = SignatureHeader::new(NOW).forged(BODY, SECRET).to_string();
    let err = webhook()
        .verify_at(BODY, &forged, at(NOW + 10_000))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
}

#[test]
fn two_secrets_either_matches_and_is_named() {
    let webhook = Webhook::new("whsec_new").with_secret("whsec_old");
    let by_new = signature_header(BODY, "whsec_new", NOW);
    let by_old = signature_header(BODY, "whsec_old", NOW);
    assert_eq!(
        webhook
            .verify_at(BODY, &by_new, at(NOW))
            .unwrap()
            .secret_index(),
        0
    );
    assert_eq!(
        webhook
            .verify_at(BODY, &by_old, at(NOW))
            .unwrap()
            .secret_index(),
        1
    );
    assert_eq!(webhook.secret_count(), 2);
}

#[test]
fn rolled_keys_header_with_one_signature_per_secret() {
    // During a roll Stripe sends one v1 per active secret.
    let header = SignatureHeader::new(NOW)
        .sign(BODY, "whsec_new")
        .sign(BODY, "whsec_old")
        .to_string();
    let only_old = Webhook::new("whsec_old");
    assert!(only_old.verify_at(BODY, &header, at(NOW)).is_ok());
    let only_new = Webhook::new("whsec_new");
    assert!(only_new.verify_at(BODY, &header, at(NOW)).is_ok());
    let both = Webhook::new("whsec_new").with_secret("whsec_old");
    assert_eq!(
        both.verify_at(BODY, &header, at(NOW))
            .unwrap()
            .secret_index(),
        0
    );
    let neither = Webhook::new("whsec_gone");
    match neither.verify_at(BODY, &header, at(NOW)) {
        Err(Error::SignatureMismatch {
            signatures: 2,
            secrets: 1,
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn blank_secret_fails_every_verification_and_says_so() {
    let header = signature_header(BODY, "", NOW);
    for blank in ["", "   ", "\n"] {
        let err = Webhook::new(blank)
            .verify_at(BODY, &header, at(NOW))
            .unwrap_err();
        assert!(
            matches!(err, Error::SecretMissing { position: 0 }),
            "{err:?}"
        );
        assert!(err.to_string().contains("environment variable"));
    }
    // Beside a usable secret a blank one is skipped, never used as the empty key: a header
    // signed with the empty key matches nothing.
    let err = Webhook::new(SECRET)
        .with_secret("")
        .verify_at(BODY, &header, at(NOW))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::SignatureMismatch {
                signatures: 1,
                secrets: 1
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_blank_old_secret_during_a_roll_is_skipped() {
    // `with_secret(std::env::var("OLD").unwrap_or_default())` with OLD unset.
    let webhook = Webhook::new("whsec_new").with_secret(String::new());
    assert_eq!(webhook.blank_secrets(), 1);
    assert_eq!(webhook.secret_count(), 2);
    let header = signature_header(BODY, "whsec_new", NOW);
    let verified = webhook.verify_at(BODY, &header, at(NOW)).unwrap();
    assert_eq!(verified.secret_index(), 0);
    assert_eq!(
        webhook
            .verify_and_parse_at(BODY, &header, at(NOW))
            .unwrap()
            .id(),
        "evt_test_webhook"
    );
    // A forgery is still a mismatch, counted against the one usable secret.
    let forged = signature_header(BODY, "whsec_other", NOW);
    match webhook.verify_at(BODY, &forged, at(NOW)) {
        Err(Error::SignatureMismatch {
            signatures: 1,
            secrets: 1,
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(Webhook::new("whsec_new").blank_secrets(), 0);
}

#[test]
fn a_blank_first_secret_with_a_good_second_verifies_with_index_1() {
    let webhook = Webhook::new(" \n")
        .with_secret("whsec_old")
        .with_secret("\t");
    assert_eq!(webhook.blank_secrets(), 2);
    let header = signature_header(BODY, "whsec_old", NOW);
    let verified = webhook.verify_at(BODY, &header, at(NOW)).unwrap();
    // Positions count the blank secrets too: the index is the configuration order.
    assert_eq!(verified.secret_index(), 1);
}

#[test]
fn only_blank_secrets_is_still_secret_missing() {
    let header = signature_header(BODY, "", NOW);
    let webhook = Webhook::new("").with_secret("  ").with_secret("\r\n");
    assert_eq!(webhook.blank_secrets(), 3);
    let err = webhook.verify_at(BODY, &header, at(NOW)).unwrap_err();
    assert!(
        matches!(err, Error::SecretMissing { position: 0 }),
        "{err:?}"
    );
    assert_eq!(err.kind().status(), 500);
}

#[test]
fn whitespace_around_a_real_secret_is_still_an_error_beside_a_good_one() {
    let header = signature_header(BODY, "whsec_new", NOW);
    // After the good one, before it, and beside a blank one: always the whitespace error,
    // naming the mangled secret, even though the good secret would match.
    for (webhook, position) in [
        (Webhook::new("whsec_new").with_secret("whsec_old\n"), 1),
        (Webhook::new(" whsec_old").with_secret("whsec_new"), 0),
        (
            Webhook::new("")
                .with_secret("whsec_new")
                .with_secret("\twhsec_old"),
            2,
        ),
    ] {
        match webhook.verify_at(BODY, &header, at(NOW)) {
            Err(Error::SecretWhitespace { position: p }) => assert_eq!(p, position),
            other => panic!("{other:?}"),
        }
        assert_eq!(webhook.blank_secrets(), usize::from(position == 2));
    }
}

#[test]
fn pasted_secret_with_newline_is_refused() {
    let header = signature_header(BODY, SECRET, NOW);
    let err = Webhook::new(format!("{SECRET}\n"))
        .verify_at(BODY, &header, at(NOW))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SecretWhitespace);
    assert!(Secret::new(format!("{SECRET}\n")).is_err());
}

#[test]
fn tampered_bodies_fail_with_the_raw_body_hint() {
    let header = signature_header(BODY, SECRET, NOW);
    let value: serde_json::Value = serde_json::from_slice(BODY).unwrap();
    let mut one_byte = BODY.to_vec();
    one_byte[10] ^= 0x20;
    let mut newline = BODY.to_vec();
    newline.push(b'\n');
    let tampered: Vec<(&str, Vec<u8>)> = vec![
        ("one byte changed", one_byte),
        ("trailing newline", newline),
        (
            "re-serialized, sorted keys",
            serde_json::to_vec(&value).unwrap(),
        ),
        (
            "re-serialized, pretty",
            serde_json::to_vec_pretty(&value).unwrap(),
        ),
        (
            "CRLF",
            String::from_utf8(serde_json::to_vec_pretty(&value).unwrap())
                .unwrap()
                .replace('\n', "\r\n")
                .into_bytes(),
        ),
    ];
    for (name, body) in tampered {
        assert_ne!(body, BODY, "{name} must differ");
        let err = webhook().verify_at(&body, &header, at(NOW)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SignatureMismatch, "{name}");
        let message = err.to_string();
        assert!(message.contains("raw request body"), "{name}: {message}");
        assert!(message.contains("whsec_"), "{name}: {message}");
        assert!(message.contains("secret roll"), "{name}: {message}");
    }
}

#[test]
fn errors_never_contain_the_secret_or_expected_signature() {
    let header = signature_header(BODY, SECRET, NOW);
    let expected_hex = header.split("v1=").nth(1).unwrap().to_owned();
    let forged = SignatureHeader::new(NOW).forged(BODY, SECRET).to_string();
    let webhook = webhook().with_secret("whsec_second_secret");
    let errors = [
        webhook.verify_at(b"other", &header, at(NOW)).unwrap_err(),
        webhook.verify_at(BODY, &forged, at(NOW)).unwrap_err(),
        webhook
            .verify_at(BODY, &header, at(NOW + 1000))
            .unwrap_err(),
    ];
    for err in errors {
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("test_secret"), "{text}");
            assert!(!text.contains("second_secret"), "{text}");
            assert!(!text.contains(&expected_hex), "{text}");
        }
    }
    let debug = format!("{webhook:?}");
    assert!(
        !debug.contains("secret_") && debug.contains("secrets: 2"),
        "{debug}"
    );
}

#[test]
fn header_bounds_are_enforced() {
    let long = format!("t={NOW},v1={}", "0".repeat(9000));
    assert_eq!(
        webhook()
            .verify_at(BODY, &long, at(NOW))
            .unwrap_err()
            .kind(),
        ErrorKind::HeaderTooLong
    );
    let many = SignatureHeader::new(NOW);
    let many = (0..64)
        .fold(many, |h, _| h.entry("v1", "00"))
        .sign(BODY, SECRET)
        .to_string();
    assert_eq!(
        webhook()
            .verify_at(BODY, &many, at(NOW))
            .unwrap_err()
            .kind(),
        ErrorKind::HeaderTooManyEntries
    );
}

#[test]
fn entry_order_does_not_matter() {
    let header = SignatureHeader::new(NOW)
        .sign(BODY, SECRET)
        .timestamp_last()
        .to_string();
    assert!(header.starts_with("v1="));
    assert!(webhook().verify_at(BODY, &header, at(NOW)).is_ok());
}

#[test]
fn uppercase_hex_signature_matches() {
    // Decoding compares bytes, so the case of the hex digits does not matter.
    let header = signature_header(BODY, SECRET, NOW);
    let (t, v1) = header.split_once(",v1=").unwrap();
    let upper = format!("{t},v1={}", v1.to_uppercase());
    assert!(webhook().verify_at(BODY, &upper, at(NOW)).is_ok());
}

#[test]
fn verified_can_be_kept_and_parsed_later() {
    let header = signature_header(BODY, SECRET, NOW);
    let verified = {
        let owned_body = BODY.to_vec();
        webhook()
            .verify_at(&owned_body, &header, at(NOW))
            .unwrap()
            .into_owned()
    };
    let handle = std::thread::spawn(move || verified.parse().map(|event| event.id().to_owned()));
    assert_eq!(handle.join().unwrap().unwrap(), "evt_test_webhook");
}

#[test]
fn thin_and_snapshot_payloads_name_the_right_function() {
    let thin = br#"{"id":"evt_1","object":"v2.core.event","type":"v1.billing.meter.no_meter_found","created":"2024-09-17T06:20:52.246Z","livemode":false}"#;
    let header = signature_header(thin, SECRET, NOW);
    let err = webhook()
        .verify_and_parse_at(thin, &header, at(NOW))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ThinEventPayload);
    assert!(err.to_string().contains("verify_and_parse_thin"));
    assert!(webhook()
        .verify_and_parse_thin_at(thin, &header, at(NOW))
        .is_ok());

    let header = signature_header(BODY, SECRET, NOW);
    let err = webhook()
        .verify_and_parse_thin_at(BODY, &header, at(NOW))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SnapshotEventPayload);
    assert!(err.to_string().contains("verify_and_parse"));
}

#[test]
fn verified_body_that_is_not_json_or_not_an_event() {
    for (body, kind) in [
        (&b"not json"[..], ErrorKind::Json),
        (b"[1,2]", ErrorKind::NotAnEvent),
        (br#"{"id":"x"}"#, ErrorKind::NotAnEvent),
        (
            br#"{"id":"x","object":"charge","type":"a","created":1,"data":{}}"#,
            ErrorKind::NotAnEvent,
        ),
    ] {
        let header = signature_header(body, SECRET, NOW);
        let err = webhook()
            .verify_and_parse_at(body, &header, at(NOW))
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{}", String::from_utf8_lossy(body));
    }
}
