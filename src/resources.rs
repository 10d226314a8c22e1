//! Typed Stripe resources, one module per object, and the shapes they share.
//!
//! Each struct has every field of the current API reference. The rules, for every resource:
//!
//! - Unknown fields are ignored (the [`Event`](crate::Event) keeps them, so nothing is lost).
//! - A field Stripe documents as nullable, or that some API version does not send, is an
//!   `Option`; a missing non-nullable field takes its default (`0`, `""`, empty), so an old
//!   or trimmed payload never fails to parse.
//! - Every enum-like string is an open enum with an `Unknown(String)` arm; failure and decline
//!   codes, which number in the hundreds, stay `String`.
//! - Amounts are `i64` in the currency's minor unit; timestamps are Unix seconds
//!   ([`Timestamp`], see [`to_datetime`]); ids that an API request may expand are
//!   [`Expandable`].
//! - Option bags (`next_action`, `payment_method_options`, `payment_method_details`,
//!   `automatic_tax`, …) are typed too: `tools/typegen` generates their types
//!   ([`PaymentIntentNextAction`] and the rest, in this module) from Stripe's API description,
//!   always compiled. A field still [`serde_json::Value`] holds another resource that a family
//!   feature types (a tax rate, a discount, a plan, a card or a source: the hand-written
//!   resources depend on no feature) or a field of an old API version; each struct's docs
//!   name them.

mod common;
mod generated;
pub(crate) mod json;

mod charge;
mod checkout_session;
mod customer;
mod dispute;
mod invoice;
mod payment_intent;
mod payment_method;
mod payout;
mod price;
mod product;
mod refund;
mod setup_intent;
mod subscription;

pub use charge::*;
pub use checkout_session::*;
pub use common::*;
pub use customer::*;
pub use dispute::*;
// The family modules (`resources::billing`, …), each behind its feature.
#[allow(unused_imports, unreachable_pub)]
pub use generated::*;
pub use invoice::*;
pub use payment_intent::*;
pub use payment_method::*;
pub use payout::*;
pub use price::*;
pub use product::*;
pub use refund::*;
pub use setup_intent::*;
pub use subscription::*;
