//! `Webhook::verify_at` with an arbitrary header and body, two secrets configured.
//!
//! The input is `<mode><header>\n<body>`. Mode 0 passes both as given: nothing random may
//! verify, and whatever does verify must re-sign (with an independent HMAC) to one of the
//! header's `v1` values under the secret it names. Mode 1 puts the right signature first and
//! the fuzzed entries after it, with `now` up to ±400 s off: it must verify exactly when the
//! timestamp is within the 300 s tolerance and the fuzzed part breaks no header rule. Mode 2
//! does the same with one hex digit of the signature changed: it must never verify.
#![no_main]

#[path = "common.rs"]
mod common;

use common::{at, entries, reference_signature, split, NOW, OLD_SECRET, SECRET};
use libfuzzer_sys::fuzz_target;
use stripe_webhooks::{ErrorKind, Webhook};

fuzz_target!(|data: &[u8]| {
    let Some((mode, header, body)) = split(data) else {
        return;
    };
    let webhook = Webhook::new(SECRET).with_secret(OLD_SECRET);
    let secrets = [SECRET, OLD_SECRET];

    match mode % 3 {
        0 => {
            if let Ok(verified) = webhook.verify_at(body, &header, at(NOW)) {
                let secret = secrets[verified.secret_index()];
                let timestamp = verified.timestamp().unix_timestamp();
                let expected = reference_signature(body, secret, timestamp);
                assert!(
                    entries(&header, "v1")
                        .iter()
                        .any(|v| v.eq_ignore_ascii_case(&expected)),
                    "verified without the right signature: {header:?}"
                );
                assert_eq!(verified.payload(), body);
            }
        }
        signed => {
            // The timestamp and the clock skew come from the body's length and first byte,
            // so the fuzzer controls them without a second length field.
            let timestamp = NOW + (body.len() as i64 % 97) * 1_000;
            let skew = i64::from(body.first().copied().unwrap_or(0)) * 4 - 500; // -500..=520
            let which = usize::from(mode / 3 % 2);
            let mut signature = reference_signature(body, secrets[which], timestamp);
            let forged = signed == 2;
            if forged {
                let position = usize::from(mode) % 64;
                let digit = signature.as_bytes()[position];
                let replacement = if digit == b'0' { "1" } else { "0" };
                signature.replace_range(position..=position, replacement);
            }
            let full = format!("t={timestamp},v1={signature},{header}");
            let result = webhook.verify_at(body, &full, at(timestamp + skew));
            let within = skew.abs() <= 300;
            match result {
                Ok(verified) => {
                    // (Unless the fuzzed part itself carries a right signature, under either
                    // secret: a seed can hand one over.)
                    let carried = secrets.iter().any(|secret| {
                        let right = reference_signature(body, secret, timestamp);
                        entries(&header, "v1")
                            .iter()
                            .any(|v| v.eq_ignore_ascii_case(&right))
                    });
                    assert!(!forged || carried, "a forged signature verified: {full:?}");
                    assert!(within, "verified {skew} s off the signed time");
                    assert_eq!(verified.timestamp().unix_timestamp(), timestamp);
                    assert!(carried || verified.secret_index() == which);
                    assert_eq!(verified.payload(), body);
                }
                Err(error) => {
                    let kind = error.kind();
                    let header_rule = matches!(
                        kind,
                        ErrorKind::HeaderTooLong
                            | ErrorKind::HeaderTooManyEntries
                            | ErrorKind::TimestampRepeated
                    );
                    let expected = if forged {
                        header_rule || kind == ErrorKind::SignatureMismatch
                    } else if within {
                        header_rule
                    } else {
                        header_rule
                            || (skew > 0 && kind == ErrorKind::TimestampTooOld)
                            || (skew < 0 && kind == ErrorKind::TimestampInFuture)
                    };
                    assert!(
                        expected,
                        "{kind:?} for {full:?} (skew {skew}, forged {forged})"
                    );
                    let message = format!("{error} {error:?}");
                    for secret in secrets {
                        assert!(!message.contains(secret));
                        let right = reference_signature(body, secret, timestamp);
                        assert!(!message.contains(&right));
                    }
                }
            }
        }
    }
});
