//! The floor every verifier bench is measured against: one bare HMAC-SHA256 over
//! `"{t}.{payload}"` with the same crates, plus the hex decode of the header's signature.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Whether `header` (`t=…,v1=…`) signs `payload` under `secret`, with no parsing beyond
/// splitting at `,v1=` and no checks beyond the MAC.
pub(crate) fn hmac_floor(secret: &str, payload: &[u8], header: &str) -> bool {
    let (t, signature) = header.split_once(",v1=").unwrap_or_default();
    let mut expected = [0u8; 32];
    let decoded = hex::decode_to_slice(signature, &mut expected).is_ok();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(t.trim_start_matches("t=").as_bytes());
    mac.update(b".");
    mac.update(payload);
    decoded && mac.verify_slice(&expected).is_ok()
}
