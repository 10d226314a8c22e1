//! Arbitrary bytes as the `Stripe-Signature` header, through the public `Webhook::verify_at`.
//!
//! Properties: a random header never verifies; the length and entry bounds hold exactly; the
//! signature count in `SignatureMismatch` is the number of `v1` entries; padding with spaces
//! changes nothing; and any header that is only missing the right signature verifies once the
//! right signature is appended (so no syntax the parser accepts is then mishandled).
#![no_main]

#[path = "common.rs"]
mod common;

use common::{at, entries, reference_signature, NOW, SECRET};
use libfuzzer_sys::fuzz_target;
use stripe_webhooks::{Error, ErrorKind, Webhook, MAX_HEADER_ENTRIES, MAX_HEADER_LEN};

const BODY: &[u8] = br#"{"id":"evt_fuzz","object":"event","type":"charge.failed","created":1700000000,"data":{"object":{}}}"#;

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let webhook = Webhook::new(SECRET);
    let now = at(NOW);
    let result = webhook.verify_at(BODY, &header, now);

    let error = match result {
        Ok(verified) => {
            // Only possible if the input carries the right signature for its own `t`.
            let expected = reference_signature(BODY, SECRET, verified.timestamp().unix_timestamp());
            assert!(
                entries(&header, "v1")
                    .iter()
                    .any(|v| v.eq_ignore_ascii_case(&expected)),
                "a header without the right signature verified: {header:?}"
            );
            return;
        }
        Err(error) => error,
    };

    // Bounds: exactly the documented ones.
    if header.len() > MAX_HEADER_LEN {
        assert!(
            matches!(error, Error::HeaderTooLong { len, max } if len == header.len() && max == MAX_HEADER_LEN),
            "{} bytes gave {error:?}",
            header.len()
        );
        return;
    }
    if let Error::HeaderTooManyEntries { max } = error {
        assert_eq!(max, MAX_HEADER_ENTRIES);
        assert!(header.split(',').count() > MAX_HEADER_ENTRIES);
    }
    assert!(
        matches!(
            error.kind(),
            ErrorKind::HeaderEmpty
                | ErrorKind::HeaderTooManyEntries
                | ErrorKind::TimestampMissing
                | ErrorKind::TimestampRepeated
                | ErrorKind::TimestampInvalid
                | ErrorKind::SignatureMissing
                | ErrorKind::SignatureMismatch
        ),
        "a header problem reported as {error:?}"
    );
    // Error messages never echo the expected signature.
    let expected_now = reference_signature(BODY, SECRET, NOW);
    assert!(!error.to_string().contains(&expected_now));

    // Padding with spaces changes nothing.
    let padded = format!(" {header} ");
    if padded.len() <= MAX_HEADER_LEN {
        let again = webhook
            .verify_at(BODY, &padded, now)
            .map(|_| ())
            .map_err(|e| e.kind());
        assert_eq!(
            again,
            Err(error.kind()),
            "padding changed the result for {header:?}"
        );
    }

    if let Error::SignatureMismatch {
        signatures,
        secrets,
    } = error
    {
        assert_eq!(secrets, 1);
        assert_eq!(signatures, entries(&header, "v1").len());
        // The header is well-formed: with the right signature appended it must verify, at its
        // own timestamp, if the bounds leave room for one more entry.
        let timestamps = entries(&header, "t");
        assert_eq!(
            timestamps.len(),
            1,
            "accepted a header with {} timestamps",
            timestamps.len()
        );
        let timestamp: i64 = timestamps[0].parse().expect("the verifier accepted this t");
        let signed = format!(
            "{header},v1={}",
            reference_signature(BODY, SECRET, timestamp)
        );
        if signed.len() <= MAX_HEADER_LEN && signed.split(',').count() <= MAX_HEADER_ENTRIES {
            let verified = webhook
                .verify_at(BODY, &signed, at(timestamp))
                .unwrap_or_else(|e| panic!("{signed:?} with its right signature: {e:?}"));
            assert_eq!(verified.timestamp().unix_timestamp(), timestamp);
            assert_eq!(verified.payload(), BODY);
            assert_eq!(verified.secret_index(), 0);
        }
    }
});
