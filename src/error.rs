//! The crate's one error type, [`Error`], and its stable classification, [`ErrorKind`].

use std::fmt;

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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configured signing secret is empty or blank.
    #[error(
        "the webhook signing secret #{position} is empty: set it to this endpoint's `whsec_...` \
         secret (an unset environment variable is the usual cause)"
    )]
    SecretMissing {
        /// Which secret: 0 for the one given to `Webhook::new`, then 1, 2, … in `with_secret` order.
        position: usize,
    },

    /// A configured signing secret starts or ends with whitespace.
    #[error(
        "the webhook signing secret #{position} has leading or trailing whitespace: trim it \
         (a pasted secret often carries a trailing newline)"
    )]
    SecretWhitespace {
        /// Which secret: 0 for the one given to `Webhook::new`, then 1, 2, … in `with_secret` order.
        position: usize,
    },

    /// The request carried no `Stripe-Signature` header.
    #[error(
        "the request has no Stripe-Signature header: only Stripe's signed deliveries are accepted \
         (check that a proxy does not strip the header)"
    )]
    HeaderMissing,

    /// The request carried more than one `Stripe-Signature` header.
    #[error(
        "the request has {count} Stripe-Signature headers: Stripe sends exactly one (check for a \
         proxy that duplicates headers)"
    )]
    HeaderRepeated {
        /// How many were present.
        count: usize,
    },

    /// The `Stripe-Signature` header holds a byte that is not visible ASCII (a control
    /// character, or a byte of a non-ASCII or non-UTF-8 text), so it cannot be read as text.
    #[error(
        "the Stripe-Signature header holds a byte that is not visible ASCII: Stripe sends only \
         `t=`, digits, `v1=` and hex (check for a proxy or client that re-encodes headers)"
    )]
    HeaderNotAscii,

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
    },

    /// The `Stripe-Signature` header is empty.
    #[error("the Stripe-Signature header is empty: pass the header value exactly as received")]
    HeaderEmpty,

    /// The `Stripe-Signature` header is longer than [`MAX_HEADER_LEN`](crate::signature::MAX_HEADER_LEN).
    #[error(
        "the Stripe-Signature header is {len} bytes, over the limit of {max}: this is not a \
         header Stripe sends"
    )]
    HeaderTooLong {
        /// The header's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// The header has more comma-separated entries than
    /// [`MAX_HEADER_ENTRIES`](crate::signature::MAX_HEADER_ENTRIES).
    #[error(
        "the Stripe-Signature header has more than {max} entries: this is not a header Stripe sends"
    )]
    HeaderTooManyEntries {
        /// The limit.
        max: usize,
    },

    /// The header has no `t=` entry.
    #[error(
        "the Stripe-Signature header has no timestamp (t=...): pass the whole header value, \
         e.g. `t=1492774577,v1=5257a8...`"
    )]
    TimestampMissing,

    /// The header has more than one `t=` entry.
    #[error(
        "the Stripe-Signature header has more than one timestamp (t=...): Stripe sends exactly one"
    )]
    TimestampRepeated,

    /// The `t=` value is not a whole number of seconds in the representable range.
    #[error(
        "the Stripe-Signature timestamp is not a Unix time in seconds (ASCII digits within the \
         range of dates): this is not a header Stripe sends"
    )]
    TimestampInvalid,

    /// The header has no `v1=` entry at all (only `v0` or unknown schemes, or none).
    #[error(
        "the Stripe-Signature header has no v1 signature: Stripe signs with v1; v0 and other \
         schemes are never accepted"
    )]
    SignatureMissing,

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
    },

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
    },

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
    },

    /// The body is not JSON.
    #[error("the body is not valid JSON ({0}): pass the raw request body as received")]
    Json(#[source] serde_json::Error),

    /// The body is JSON, but not a Stripe event.
    #[error("the body is JSON but not a Stripe event: {reason}")]
    NotAnEvent {
        /// What is wrong with it.
        reason: Box<str>,
    },

    /// A thin event (`"object": "v2.core.event"`) was given to the snapshot-event parser.
    #[error(
        "this is a thin event (object \"v2.core.event\"), not a snapshot event: parse it with \
         `verify_and_parse_thin` or `ThinEvent::from_slice`"
    )]
    ThinEventPayload,

    /// A snapshot event (`"object": "event"`) was given to the thin-event parser.
    #[error(
        "this is a snapshot event (object \"event\"), not a thin event: parse it with \
         `verify_and_parse` or `Event::from_slice`"
    )]
    SnapshotEventPayload,

    /// The event's `data.object` could not be read as the requested type.
    ///
    /// The event itself is intact: `event.object_raw()` still holds every byte Stripe sent.
    #[error("data.object{path} does not fit {target}: {source}")]
    ObjectShape {
        /// Where in the object (e.g. `.last_payment_error.code`); empty for the object itself.
        path: Box<str>,
        /// The Rust type that was asked for.
        target: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
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
            Error::SecretMissing { .. } => ErrorKind::SecretMissing,
            Error::SecretWhitespace { .. } => ErrorKind::SecretWhitespace,
            Error::HeaderMissing => ErrorKind::HeaderMissing,
            Error::HeaderRepeated { .. } => ErrorKind::HeaderRepeated,
            Error::HeaderNotAscii => ErrorKind::HeaderNotAscii,
            Error::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
            Error::HeaderEmpty => ErrorKind::HeaderEmpty,
            Error::HeaderTooLong { .. } => ErrorKind::HeaderTooLong,
            Error::HeaderTooManyEntries { .. } => ErrorKind::HeaderTooManyEntries,
            Error::TimestampMissing => ErrorKind::TimestampMissing,
            Error::TimestampRepeated => ErrorKind::TimestampRepeated,
            Error::TimestampInvalid => ErrorKind::TimestampInvalid,
            Error::SignatureMissing => ErrorKind::SignatureMissing,
            Error::TimestampTooOld { .. } => ErrorKind::TimestampTooOld,
            Error::TimestampInFuture { .. } => ErrorKind::TimestampInFuture,
            Error::SignatureMismatch { .. } => ErrorKind::SignatureMismatch,
            Error::Json(_) => ErrorKind::Json,
            Error::NotAnEvent { .. } => ErrorKind::NotAnEvent,
            Error::ThinEventPayload => ErrorKind::ThinEventPayload,
            Error::SnapshotEventPayload => ErrorKind::SnapshotEventPayload,
            Error::ObjectShape { .. } => ErrorKind::ObjectShape,
        }
    }

    pub(crate) fn not_an_event(reason: impl fmt::Display) -> Self {
        Error::NotAnEvent {
            reason: reason.to_string().into_boxed_str(),
        }
    }
}

/// A stable, copyable classification of an [`Error`].
///
/// [`as_str`](ErrorKind::as_str) gives a fixed snake_case label for metrics, and
/// [`status`](ErrorKind::status) the HTTP status to answer Stripe with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::SecretMissing`].
    SecretMissing,
    /// See [`Error::SecretWhitespace`].
    SecretWhitespace,
    /// See [`Error::HeaderMissing`].
    HeaderMissing,
    /// See [`Error::HeaderRepeated`].
    HeaderRepeated,
    /// See [`Error::HeaderNotAscii`].
    HeaderNotAscii,
    /// See [`Error::BodyTooLarge`].
    BodyTooLarge,
    /// See [`Error::HeaderEmpty`].
    HeaderEmpty,
    /// See [`Error::HeaderTooLong`].
    HeaderTooLong,
    /// See [`Error::HeaderTooManyEntries`].
    HeaderTooManyEntries,
    /// See [`Error::TimestampMissing`].
    TimestampMissing,
    /// See [`Error::TimestampRepeated`].
    TimestampRepeated,
    /// See [`Error::TimestampInvalid`].
    TimestampInvalid,
    /// See [`Error::SignatureMissing`].
    SignatureMissing,
    /// See [`Error::TimestampTooOld`].
    TimestampTooOld,
    /// See [`Error::TimestampInFuture`].
    TimestampInFuture,
    /// See [`Error::SignatureMismatch`].
    SignatureMismatch,
    /// See [`Error::Json`].
    Json,
    /// See [`Error::NotAnEvent`].
    NotAnEvent,
    /// See [`Error::ThinEventPayload`].
    ThinEventPayload,
    /// See [`Error::SnapshotEventPayload`].
    SnapshotEventPayload,
    /// See [`Error::ObjectShape`].
    ObjectShape,
}

impl ErrorKind {
    /// Every kind, in declaration order: for dashboards that pre-register a metric per label.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::SecretMissing,
        ErrorKind::SecretWhitespace,
        ErrorKind::HeaderMissing,
        ErrorKind::HeaderRepeated,
        ErrorKind::HeaderNotAscii,
        ErrorKind::BodyTooLarge,
        ErrorKind::HeaderEmpty,
        ErrorKind::HeaderTooLong,
        ErrorKind::HeaderTooManyEntries,
        ErrorKind::TimestampMissing,
        ErrorKind::TimestampRepeated,
        ErrorKind::TimestampInvalid,
        ErrorKind::SignatureMissing,
        ErrorKind::TimestampTooOld,
        ErrorKind::TimestampInFuture,
        ErrorKind::SignatureMismatch,
        ErrorKind::Json,
        ErrorKind::NotAnEvent,
        ErrorKind::ThinEventPayload,
        ErrorKind::SnapshotEventPayload,
        ErrorKind::ObjectShape,
    ];

    /// A fixed snake_case label, stable across releases, for metrics and logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::SecretMissing => "secret_missing",
            ErrorKind::SecretWhitespace => "secret_whitespace",
            ErrorKind::HeaderMissing => "header_missing",
            ErrorKind::HeaderRepeated => "header_repeated",
            ErrorKind::HeaderNotAscii => "header_not_ascii",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::HeaderEmpty => "header_empty",
            ErrorKind::HeaderTooLong => "header_too_long",
            ErrorKind::HeaderTooManyEntries => "header_too_many_entries",
            ErrorKind::TimestampMissing => "timestamp_missing",
            ErrorKind::TimestampRepeated => "timestamp_repeated",
            ErrorKind::TimestampInvalid => "timestamp_invalid",
            ErrorKind::SignatureMissing => "signature_missing",
            ErrorKind::TimestampTooOld => "timestamp_too_old",
            ErrorKind::TimestampInFuture => "timestamp_in_future",
            ErrorKind::SignatureMismatch => "signature_mismatch",
            ErrorKind::Json => "json",
            ErrorKind::NotAnEvent => "not_an_event",
            ErrorKind::ThinEventPayload => "thin_event_payload",
            ErrorKind::SnapshotEventPayload => "snapshot_event_payload",
            ErrorKind::ObjectShape => "object_shape",
        }
    }

    /// The HTTP status to answer a delivery that failed this way.
    ///
    /// A misconfigured secret is the endpoint's fault and can be fixed, so it answers 500 and
    /// Stripe retries later. Everything wrong with the request itself answers 400 (413 for an
    /// oversized body): a retry of the same bytes cannot succeed. [`ObjectShape`](ErrorKind::ObjectShape) arises in a
    /// handler, after verification, and also answers 500 so that no genuine event is lost.
    #[must_use]
    pub const fn status(self) -> u16 {
        match self {
            ErrorKind::SecretMissing | ErrorKind::SecretWhitespace | ErrorKind::ObjectShape => 500,
            ErrorKind::BodyTooLarge => 413,
            _ => 400,
        }
    }

    /// Whether this is a problem of the endpoint's configuration rather than of the request.
    #[must_use]
    pub const fn is_configuration(self) -> bool {
        matches!(self, ErrorKind::SecretMissing | ErrorKind::SecretWhitespace)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    fn labels_are_unique() {
        let kinds = ErrorKind::ALL;
        let labels: std::collections::HashSet<_> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(labels.len(), kinds.len());
    }
}
