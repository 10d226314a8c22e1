//! Helpers for your own tests: sign payloads exactly as Stripe does.
//!
//! ```
//! use stripe_webhooks::{testing, Webhook};
//! use time::OffsetDateTime;
//!
//! let body = br#"{"id":"evt_1","object":"event","type":"charge.failed","created":1700000000,"data":{"object":{"id":"ch_1","object":"charge"}}}"#;
//! let now = OffsetDateTime::now_utc().unix_timestamp();
//! let header = testing::signature_header(body, "whsec_test", now);
//! assert!(Webhook::new("whsec_test").verify_and_parse(body, &header).is_ok());
//! ```

use crate::signature::verify::sign;

mod samples;

pub use samples::{sample_event, EventBuilder};

/// The `Stripe-Signature` header value Stripe would send for `payload` signed with `secret` at
/// `timestamp`: `t=<timestamp>,v1=<lowercase hex HMAC-SHA256 of "{timestamp}.{payload}">`.
///
/// # Examples
///
/// ```
/// // Stripe's published vector (stripe-dotnet's webhook tests) signs a 484-byte body; any
/// // body shows the shape:
/// let header = stripe_webhooks::testing::signature_header(b"{}", "whsec_x", 1533204620);
/// assert!(header.starts_with("t=1533204620,v1="));
/// assert_eq!(header.len(), "t=1533204620,v1=".len() + 64);
/// ```
#[must_use]
pub fn signature_header(payload: &[u8], secret: &str, timestamp: i64) -> String {
    SignatureHeader::new(timestamp)
        .sign(payload, secret)
        .to_string()
}

/// Builds `Stripe-Signature` headers for tests: several signatures (as during a secret roll),
/// extra schemes such as `v0`, forged signatures, and entries in any order.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::testing::SignatureHeader;
/// use stripe_webhooks::Webhook;
///
/// let body = b"{}";
/// let header = SignatureHeader::new(1_700_000_000)
///     .sign(body, "whsec_new")
///     .sign(body, "whsec_old")
///     .entry("v0", "6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39")
///     .to_string();
/// let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
/// let verified = Webhook::new("whsec_old").verify_at(body, &header, now).unwrap();
/// assert_eq!(verified.secret_index(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    timestamp: i64,
    entries: Vec<(String, String)>,
}

impl SignatureHeader {
    /// A header with `t=<timestamp>` and no signatures yet.
    #[must_use]
    pub fn new(timestamp: i64) -> SignatureHeader {
        SignatureHeader {
            timestamp,
            entries: vec![("t".to_owned(), timestamp.to_string())],
        }
    }

    /// Adds the `v1` signature of `payload` under `secret`, for this header's timestamp.
    #[must_use]
    pub fn sign(self, payload: &[u8], secret: &str) -> SignatureHeader {
        let signature = sign(secret.as_bytes(), &self.timestamp.to_string(), payload);
        self.entry("v1", &hex::encode(signature))
    }

    /// Adds a `v1` signature whose first byte is flipped: a forgery that is right everywhere
    /// else.
    #[must_use]
    pub fn forged(self, payload: &[u8], secret: &str) -> SignatureHeader {
        let mut signature = sign(secret.as_bytes(), &self.timestamp.to_string(), payload);
        signature[0] ^= 1;
        self.entry("v1", &hex::encode(signature))
    }

    /// Adds any `scheme=value` entry as given (a `v0`, a malformed `v1`, a second `t`).
    #[must_use]
    pub fn entry(mut self, scheme: &str, value: &str) -> SignatureHeader {
        self.entries.push((scheme.to_owned(), value.to_owned()));
        self
    }

    /// Puts the `t=` entry last instead of first.
    #[must_use]
    pub fn timestamp_last(mut self) -> SignatureHeader {
        if !self.entries.is_empty() {
            let first = self.entries.remove(0);
            self.entries.push(first);
        }
        self
    }
}

impl std::fmt::Display for SignatureHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (scheme, value)) in self.entries.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{scheme}={value}")?;
        }
        Ok(())
    }
}
