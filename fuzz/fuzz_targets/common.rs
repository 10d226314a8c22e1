//! Helpers shared by the fuzz targets: input splitting, an independent signer, fixed secrets.
#![allow(dead_code)]

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

/// The secrets every target configures (index 0 and 1, as during a secret roll).
pub const SECRET: &str = "whsec_fuzz_primary_secret";
pub const OLD_SECRET: &str = "whsec_fuzz_old_secret";

/// A fixed "now" for the targets that sign: 2023-11-14T22:13:20Z.
pub const NOW: i64 = 1_700_000_000;

/// Splits `data` into a mode byte, a header (up to the first `\n`) and the body (the rest).
///
/// The seed script writes inputs in this shape: `<mode><header>\n<body>`.
pub fn split(data: &[u8]) -> Option<(u8, String, &[u8])> {
    let (&mode, rest) = data.split_first()?;
    let newline = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let header = String::from_utf8_lossy(&rest[..newline]).into_owned();
    let body = rest.get(newline + 1..).unwrap_or(&[]);
    Some((mode, header, body))
}

/// HMAC-SHA256 of `"{t}.{body}"` under `secret`, lowercase hex: Stripe's v1 scheme, computed
/// here with `hmac` directly rather than through the crate under test.
pub fn reference_signature(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The trimmed values of every entry whose trimmed key is exactly `key`.
pub fn entries<'a>(header: &'a str, key: &str) -> Vec<&'a str> {
    header
        .split(',')
        .filter_map(|entry| entry.trim().split_once('='))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .collect()
}

pub fn at(unix_seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_seconds).expect("a representable time")
}
