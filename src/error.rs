//! The crate's one error type, [`Error`], and its stable classification, [`ErrorKind`].
//!
//! Both come from one table (`errors!` below): each line is a variant with its message, its
//! metrics label and its HTTP status, so a new failure is one entry, never four lists to keep
//! in step.
//!
//! A variant's message carries every detail (serde's line and column included), and no
//! variant returns a `source()`: a reporter that walks the chain prints nothing twice.

use std::fmt;

mod message;

pub(crate) use message::{message_error, Message};

/// Declares [`Error`], [`ErrorKind`], `Error::kind`, `ErrorKind::ALL`, `as_str` and `status`
/// from `Variant [fields] => "label", status;` entries.
macro_rules! errors {
    (
        $(#[$enum_meta:meta])*
        pub enum Error {
            $(
                $(#[$meta:meta])*
                $variant:ident
                $({ $($(#[$field_meta:meta])* $field:ident : $field_ty:ty),* $(,)? })?
                $(($tuple_ty:ty))?
                => $label:literal, $status:literal;
            )+
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, thiserror::Error)]
        #[non_exhaustive]
        pub enum Error {
            $(
                $(#[$meta])*
                $variant $({ $($(#[$field_meta])* $field: $field_ty),* })? $(($tuple_ty))?,
            )+
        }

        impl Error {
    /// The stable classification of this error, for metrics labels and HTTP status mapping.
    ///
    /// # Examples
    ///
    /// ```
    /// # use stripe_webhooks::{ErrorKind, Webhook};
    /// let err = Webhook::new("").verify(b"{}", "t=1,v1=00").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::SecretMissing);
    /// ```
            #[must_use]
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $(Error::$variant { .. } => ErrorKind::$variant,)+
                }
            }
        }

        crate::label_enum::label_enum! {
            /// A stable, copyable classification of an [`Error`].
            ///
            /// [`as_str`](ErrorKind::as_str) gives a fixed snake_case label for metrics, and
            /// [`status`](ErrorKind::status) the HTTP status to answer Stripe with.
            pub enum ErrorKind {
                $(
                    #[doc = concat!("See [`Error::", stringify!($variant), "`].")]
                    $variant => $label,
                )+
            }
        }

        impl ErrorKind {
            /// The HTTP status to answer a delivery that failed this way.
            ///
            /// A misconfigured secret is the endpoint's fault and can be fixed, so it answers 500
            /// and Stripe retries later. Everything wrong with the request itself answers 400
            /// (413 for an oversized body): a retry of the same bytes cannot succeed.
            /// [`ObjectShape`](ErrorKind::ObjectShape) arises in a handler, after verification,
            /// and also answers 500 so that no genuine event is lost.
            #[must_use]
            pub const fn status(self) -> u16 {
                match self {
                    $(ErrorKind::$variant => $status,)+
                }
            }
        }
    };
}

errors! {
    /// Everything that can go wrong between the raw request and a typed event.
    ///
    /// Each variant is one failure, and its message says what failed and how to fix it. No message
    /// ever contains a secret, an expected signature or the request body: counts, lengths and
    /// timestamps only. Match on [`Error::kind`] for metrics and HTTP status mapping; the variants
    /// themselves may grow (the enum is `#[non_exhaustive]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::{Error, ErrorKind, Webhook};
    ///
    /// let webhook = Webhook::new("whsec_test_secret");
    /// let err = webhook.verify(b"{}", "v1=abc").unwrap_err();
    /// assert!(matches!(err, Error::TimestampMissing));
    /// assert_eq!(err.kind(), ErrorKind::TimestampMissing);
    /// assert_eq!(err.kind().status(), 400);
    /// assert_eq!(err.kind().as_str(), "timestamp_missing");
    /// ```
    pub enum Error {
        /// A configured signing secret is empty or blank.
        #[error(
            "the webhook signing secret #{position} is empty: set it to this endpoint's `whsec_...` \
             secret (an unset environment variable is the usual cause)"
        )]
        SecretMissing {
            /// Which secret: 0 for the one given to `Webhook::new`, then 1, 2, … in `with_secret` order.
            position: usize,
        } => "secret_missing", 500;

        /// A configured signing secret starts or ends with whitespace.
        #[error(
            "the webhook signing secret #{position} has leading or trailing whitespace: trim it \
             (a pasted secret often carries a trailing newline)"
        )]
        SecretWhitespace {
            /// Which secret: 0 for the one given to `Webhook::new`, then 1, 2, … in `with_secret` order.
            position: usize,
        } => "secret_whitespace", 500;

        /// The request carried no `Stripe-Signature` header.
        #[error(
            "the request has no Stripe-Signature header: only Stripe's signed deliveries are accepted \
             (check that a proxy does not strip the header)"
        )]
        HeaderMissing => "header_missing", 400;

        /// The request carried more than one `Stripe-Signature` header.
        #[error(
            "the request has {count} Stripe-Signature headers: Stripe sends exactly one (check for a \
             proxy that duplicates headers)"
        )]
        HeaderRepeated {
            /// How many were present.
            count: usize,
        } => "header_repeated", 400;

        /// The `Stripe-Signature` header holds a byte that is not visible ASCII (a control
        /// character, or a byte of a non-ASCII or non-UTF-8 text), so it cannot be read as text.
        #[error(
            "the Stripe-Signature header holds a byte that is not visible ASCII: Stripe sends only \
             `t=`, digits, `v1=` and hex (check for a proxy or client that re-encodes headers)"
        )]
        HeaderNotAscii => "header_not_ascii", 400;

        /// The body is larger than the configured limit; it was not verified nor parsed.
        #[error(
            "the body is {len} bytes, over the limit of {max}: raise the dispatcher's \
             `max_body_size` if your events are this large"
        )]
        BodyTooLarge {
            /// The body's length in bytes.
            len: usize,
            /// The limit.
            max: usize,
        } => "body_too_large", 413;

        /// The `Stripe-Signature` header is empty.
        #[error("the Stripe-Signature header is empty: pass the header value exactly as received")]
        HeaderEmpty => "header_empty", 400;

        /// The `Stripe-Signature` header is longer than [`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN).
        #[error(
            "the Stripe-Signature header is {len} bytes, over the limit of {max}: this is not a \
             header Stripe sends"
        )]
        HeaderTooLong {
            /// The header's length in bytes.
            len: usize,
            /// The limit.
            max: usize,
        } => "header_too_long", 400;

        /// The header has more comma-separated entries than
        /// [`MAX_HEADER_ENTRIES`](crate::signature::MAX_HEADER_ENTRIES).
        #[error(
            "the Stripe-Signature header has more than {max} entries: this is not a header Stripe sends"
        )]
        HeaderTooManyEntries {
            /// The limit.
            max: usize,
        } => "header_too_many_entries", 400;

        /// The header has no `t=` entry.
        #[error(
            "the Stripe-Signature header has no timestamp (t=...): pass the whole header value, \
             e.g. `t=1492774577,v1=5257a8...`"
        )]
        TimestampMissing => "timestamp_missing", 400;

        /// The header has more than one `t=` entry.
        #[error(
            "the Stripe-Signature header has more than one timestamp (t=...): Stripe sends exactly one"
        )]
        TimestampRepeated => "timestamp_repeated", 400;

        /// The `t=` value is not a whole number of seconds in the representable range.
        #[error(
            "the Stripe-Signature timestamp is not a Unix time in seconds (ASCII digits within the \
             range of dates): this is not a header Stripe sends"
        )]
        TimestampInvalid => "timestamp_invalid", 400;

        /// The header has no `v1=` entry at all (only `v0` or unknown schemes, or none).
        #[error(
            "the Stripe-Signature header has no v1 signature: Stripe signs with v1; v0 and other \
             schemes are never accepted"
        )]
        SignatureMissing => "signature_missing", 400;

        /// The signature is right but the timestamp is further in the past than the tolerance.
        #[error(
            "the signed timestamp is {age_secs} s old, beyond the tolerance of {tolerance_secs} s: a \
             replay, a delivery held up in a queue, or a server clock running fast; use `verify_at` \
             to check an event stored earlier"
        )]
        TimestampTooOld {
            /// How many seconds before `now` the timestamp lies.
            age_secs: u64,
            /// The configured tolerance in seconds.
            tolerance_secs: u64,
        } => "timestamp_too_old", 400;

        /// The signature is right but the timestamp is further in the future than the tolerance.
        #[error(
            "the signed timestamp is {ahead_secs} s in the future, beyond the tolerance of \
             {tolerance_secs} s: the server clock is probably slow (check NTP)"
        )]
        TimestampInFuture {
            /// How many seconds after `now` the timestamp lies.
            ahead_secs: u64,
            /// The configured tolerance in seconds.
            tolerance_secs: u64,
        } => "timestamp_in_future", 400;

        /// No `v1` signature in the header matches the payload under any configured secret.
        #[error(
            "no v1 signature matches this payload ({signatures} signature(s) checked against \
             {secrets} secret(s)): pass the raw request body bytes exactly as received (not \
             re-serialized JSON, no newline or encoding changes); use this endpoint's own `whsec_...` \
             secret (test mode, live mode and the Stripe CLI each have their own); during a secret \
             roll configure both the new and the old secret"
        )]
        SignatureMismatch {
            /// How many well-formed `v1` signatures the header carried.
            signatures: usize,
            /// How many secrets were tried.
            secrets: usize,
        } => "signature_mismatch", 400;

        /// The body is not JSON.
        #[error("the body is not valid JSON ({0}): pass the raw request body as received")]
        Json(serde_json::Error) => "json", 400;

        /// The body is JSON, but not a Stripe event.
        #[error("the body is JSON but not a Stripe event: {reason}")]
        NotAnEvent {
            /// What is wrong with it.
            reason: Box<str>,
        } => "not_an_event", 400;

        /// A thin event (`"object": "v2.core.event"`) was given to the snapshot-event parser.
        #[error(
            "this is a thin event (object \"v2.core.event\"), not a snapshot event: parse it with \
             `verify_and_parse_thin` or `ThinEvent::from_slice`"
        )]
        ThinEventPayload => "thin_event_payload", 400;

        /// A snapshot event (`"object": "event"`) was given to the thin-event parser.
        #[error(
            "this is a snapshot event (object \"event\"), not a thin event: parse it with \
             `verify_and_parse` or `Event::from_slice`"
        )]
        SnapshotEventPayload => "snapshot_event_payload", 400;

        /// The event's `data.object` could not be read as the requested type.
        ///
        /// The event itself is intact: `event.object_raw()` still holds every byte Stripe sent.
        #[error("data.object{path} does not fit {target}: {error}")]
        ObjectShape {
            /// Where in the object (e.g. `.last_payment_error.code`); empty for the object itself.
            path: Box<str>,
            /// The Rust type that was asked for.
            target: &'static str,
            /// What serde said.
            error: serde_json::Error,
        } => "object_shape", 500;
    }
}

impl Error {
    pub(crate) fn not_an_event(reason: impl fmt::Display) -> Self {
        Error::NotAnEvent {
            reason: reason.to_string().into_boxed_str(),
        }
    }
}

impl ErrorKind {
    /// Whether this is a problem of the endpoint's configuration rather than of the request.
    #[must_use]
    pub const fn is_configuration(self) -> bool {
        matches!(self, ErrorKind::SecretMissing | ErrorKind::SecretWhitespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        // A large error makes every `Result` in the hot path slower (serde_json's reasoning):
        // six words at most, the size of `ObjectShape`'s path, type name and boxed source.
        assert!(
            std::mem::size_of::<Error>() <= 48,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn no_variant_prints_its_detail_twice() {
        use std::error::Error as _;
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        let error = Error::Json(json);
        assert!(error.to_string().contains("line 1 column 1"), "{error}");
        assert!(error.source().is_none());
    }
}
