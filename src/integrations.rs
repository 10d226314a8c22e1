//! Adapters for web frameworks, each behind the feature named after it.
//!
//! The core crate needs only the raw body bytes and the `Stripe-Signature` header, so any
//! framework works without these. They save the few lines every endpoint writes anyway:
//!
//! - `integrations::http` (feature `http`): read the header from an `http::HeaderMap`
//!   (rejecting a repeated or garbled one), dispatch an `http::Request<B>`, turn an
//!   [`Outcome`](crate::dispatch::Outcome) into an `http::Response<String>`. This is the common
//!   ground of hyper, tower, axum and reqwest.
//! - `integrations::axum` (feature `axum`): `Outcome` as an axum response, and the extractors
//!   `StripeDelivery` (raw body and header, for a dispatcher) and `VerifiedEvent` (an event
//!   verified with the `Webhook` in the router's state).

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
