//! Checking the `Stripe-Signature` header: [`Webhook`], [`Secret`] and [`Verified`].
//!
//! Stripe signs `"{t}.{raw body}"` with HMAC-SHA256 keyed by the endpoint's `whsec_…` secret
//! (its UTF-8 bytes as given, prefix included) and sends `t=<unix seconds>,v1=<hex>[,v1=…]`.
//! The types and the protocol's named limits are re-exported at the crate root.

mod header;
mod secret;
pub(crate) mod verify;

pub use header::{MAX_HEADER_ENTRIES, MAX_HEADER_LEN};
pub use secret::Secret;
pub use verify::{Verified, Webhook, DEFAULT_TOLERANCE};
