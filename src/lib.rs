#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub mod api;
#[cfg(feature = "console")]
#[cfg_attr(docsrs, doc(cfg(feature = "console")))]
pub mod console;
pub mod dispatch;
mod error;
mod event;
pub mod failure;
#[cfg(feature = "forward")]
#[cfg_attr(docsrs, doc(cfg(feature = "forward")))]
pub mod forward;
#[cfg(feature = "inbox")]
#[cfg_attr(docsrs, doc(cfg(any(feature = "sqlite", feature = "postgres"))))]
pub mod inbox;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod integrations;
mod label_enum;
mod open_enum;
pub mod resources;
mod signature;
pub mod store;
pub mod testing;

// One public path per item: the verifier's and the parser's rooms are private, and what they
// make public is here.
pub use error::{Error, ErrorKind};
pub use event::{Event, EventObject, EventType, ObjectRef, RelatedObject, RequestInfo, ThinEvent};
pub use signature::{
    Secret, Verified, Webhook, DEFAULT_TOLERANCE, MAX_HEADER_ENTRIES, MAX_HEADER_LEN,
};

/// The Stripe API version this crate's models were written against.
///
/// Events of any other version parse too (see the crate docs); use
/// [`same_release_train`] to learn whether an event's version is from the same release.
pub const API_VERSION: &str = "2026-10-28.endive";

/// Whether `version` (an event's `api_version`) is from the same release train as
/// [`API_VERSION`]: the part after the date (`endive`) names the train, and versions of one
/// train differ only by additive changes. Never fails: unknown or malformed versions are
/// simply `false`.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::same_release_train;
///
/// assert!(same_release_train("2026-10-28.endive"));
/// assert!(same_release_train("2026-11-17.endive"));
/// assert!(!same_release_train("2025-03-31.basil"));
/// assert!(!same_release_train("2020-08-27"));
/// ```
#[must_use]
pub fn same_release_train(version: &str) -> bool {
    fn train(version: &str) -> Option<&str> {
        version.split_once('.').map(|(_, train)| train)
    }
    train(version).is_some_and(|ours| Some(ours) == train(API_VERSION))
}

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<crate::Webhook>();
        assert_send_sync::<crate::Verified<'static>>();
        assert_send_sync::<crate::Event>();
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::EventObject>();
    }
}
