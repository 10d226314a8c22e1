//! Property tests of the verifier: signing then verifying always holds, any single change
//! breaks it, and no header string makes it panic.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;

use proptest::prelude::*;
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{ErrorKind, Webhook};
use support::at;

/// Latest second `time` can represent by default (9999-12-31T23:59:59Z).
const MAX_TIMESTAMP: i64 = 253_402_300_799;

fn secret() -> impl Strategy<Value = String> {
    // Printable, no surrounding whitespace (those are refused by design), any length, and
    // sometimes non-ASCII.
    prop_oneof![
        "whsec_[A-Za-z0-9]{1,64}",
        "[!-~]([ -~]{0,80}[!-~])?",
        "[^\\s]{1,8}[\u{80}-\u{10FFFF}]{1,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_holds(
        payload in proptest::collection::vec(any::<u8>(), 0..4096),
        secret in secret(),
        timestamp in 0..MAX_TIMESTAMP,
    ) {
        let header = signature_header(&payload, &secret, timestamp);
        let verified = Webhook::new(secret.as_str()).verify_at(&payload, &header, at(timestamp));
        prop_assert!(verified.is_ok(), "{:?}", verified);
        prop_assert_eq!(verified.unwrap().timestamp().unix_timestamp(), timestamp);
    }

    #[test]
    fn any_payload_byte_change_fails(
        payload in proptest::collection::vec(any::<u8>(), 1..2048),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        secret in secret(),
        timestamp in 0..MAX_TIMESTAMP,
    ) {
        let header = signature_header(&payload, &secret, timestamp);
        let mut changed = payload.clone();
        let i = index.index(changed.len());
        changed[i] ^= flip;
        let err = Webhook::new(secret.as_str()).verify_at(&changed, &header, at(timestamp)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }

    #[test]
    fn any_timestamp_change_fails(
        payload in proptest::collection::vec(any::<u8>(), 0..512),
        secret in secret(),
        timestamp in 1..MAX_TIMESTAMP - 1,
        other in 0..MAX_TIMESTAMP,
    ) {
        prop_assume!(other != timestamp);
        let header = signature_header(&payload, &secret, timestamp);
        let moved = header.replacen(&format!("t={timestamp}"), &format!("t={other}"), 1);
        let err = Webhook::new(secret.as_str()).verify_at(&payload, &moved, at(other)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }

    #[test]
    fn any_signature_digit_change_fails(
        payload in proptest::collection::vec(any::<u8>(), 0..512),
        secret in secret(),
        timestamp in 0..MAX_TIMESTAMP,
        digit in 0usize..64,
        replacement in "[0-9a-f]",
    ) {
        let header = signature_header(&payload, &secret, timestamp);
        let (t, hex) = header.split_once(",v1=").unwrap();
        let mut hex = hex.as_bytes().to_vec();
        let new = replacement.as_bytes()[0];
        prop_assume!(hex[digit] != new);
        hex[digit] = new;
        let forged = format!("{t},v1={}", String::from_utf8(hex).unwrap());
        let err = Webhook::new(secret.as_str()).verify_at(&payload, &forged, at(timestamp)).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::SignatureMismatch);
    }

    #[test]
    fn arbitrary_header_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..16 * 1024)) {
        let header = String::from_utf8_lossy(&bytes);
        let _ = Webhook::new("whsec_x").verify_at(b"{}", &header, at(1_700_000_000));
    }

    #[test]
    fn header_shaped_strings_never_panic(
        entries in proptest::collection::vec(
            ("(t|v1|v0|v2|x|)", "[0-9a-fA-F=, -]{0,70}|[0-9]{0,40}|-?[0-9]{1,25}"),
            0..80,
        ),
    ) {
        let header = entries
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let result = Webhook::new("whsec_x").verify_at(b"{}", &header, at(1_700_000_000));
        // Nothing random may verify.
        prop_assert!(result.is_err());
    }
}
