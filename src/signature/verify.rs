//! [`Webhook`], the verifier, and [`Verified`], the proof that a payload's signature held.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use time::OffsetDateTime;

use super::header::{ParsedHeader, SIGNATURE_LEN};
use super::secret::Secret;
use crate::error::Error;
use crate::event::{Event, ThinEvent};

type HmacSha256 = Hmac<Sha256>;

/// How far a signed timestamp may lie from the current time, in either direction, unless
/// [`Webhook::tolerance`] says otherwise. Every official Stripe SDK uses the same five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies Stripe webhook deliveries for one endpoint.
///
/// Holds one or more signing secrets (more than one while a secret is being rolled, when
/// Stripe signs with each active secret) and the timestamp tolerance. Cheap to clone, `Send`
/// and `Sync`; build it once and share it.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::{testing, Webhook};
///
/// # let body = br#"{"id":"evt_1","object":"event","type":"customer.created","created":1700000000,"livemode":false,"data":{"object":{"id":"cus_1","object":"customer"}}}"#;
/// # let now = time::OffsetDateTime::now_utc().unix_timestamp();
/// # let header = testing::signature_header(body, "whsec_test_secret", now);
/// let webhook = Webhook::new("whsec_test_secret");
/// // `body` is the raw request body, `header` the Stripe-Signature header value.
/// let event = webhook.verify_and_parse(body, &header)?;
/// assert_eq!(event.id(), "evt_1");
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Clone)]
pub struct Webhook {
    keys: Vec<SigningKey>,
    tolerance: Duration,
}

/// A secret with its HMAC key schedule computed once, so each verification only clones the
/// keyed state instead of hashing the key again; `None` for a blank secret, which never
/// verifies anything.
///
/// What is wiped, and how:
/// - the secret's bytes, by [`Secret`] (`zeroize::Zeroizing`) when it is dropped;
/// - the keyed state: `Hmac<Sha256>` holds two SHA-256 midstates (after the key XOR ipad and
///   the key XOR opad blocks), which `sha2`'s `zeroize` feature wipes when they are dropped
///   (`Sha256VarCore`'s `Drop`), here and in every clone `sign` makes;
/// - the block buffer of pending input, by `block-buffer`'s zeroize on drop (through `digest`'s
///   `zeroize` feature, which `hmac`'s `zeroize` turns on).
///
/// What a Rust library cannot promise: copies the compiler or the allocator made (a move may
/// leave the old bytes on the stack or in a freed allocation), the key XOR pad block that
/// `hmac` builds on the stack while keying, and copies made before the secret reached this
/// crate (the environment, the caller's `String`). The unit test below checks that the types
/// implement `ZeroizeOnDrop` (the trait bounds), not what is left in memory.
#[derive(Clone)]
struct SigningKey {
    secret: Secret,
    keyed: Option<HmacSha256>,
}

impl SigningKey {
    fn new(secret: Secret) -> SigningKey {
        let keyed = (!secret.is_blank()).then(|| keyed_mac(secret.expose()));
        SigningKey { secret, keyed }
    }

    /// HMAC-SHA256 of `"{timestamp}.{payload}"`, or `None` for a blank secret.
    fn sign(&self, timestamp: &str, payload: &[u8]) -> Option<[u8; SIGNATURE_LEN]> {
        let keyed = self.keyed.clone()?;
        Some(finish(keyed, timestamp, payload))
    }
}

impl Webhook {
    /// A verifier for one secret, with the default tolerance of five minutes.
    ///
    /// Never panics. Given an empty or blank secret (an unset environment variable is the
    /// usual cause) and no usable secret added with [`with_secret`](Webhook::with_secret),
    /// every verification fails with [`Error::SecretMissing`]; given a secret with leading or
    /// trailing whitespace, with [`Error::SecretWhitespace`] whatever else is configured.
    #[must_use]
    pub fn new(secret: impl Into<Secret>) -> Webhook {
        Webhook {
            keys: vec![SigningKey::new(secret.into())],
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// A `Stripe-Signature` header for `payload` at `timestamp` with a `v1` entry for every
    /// usable secret, as Stripe signs during a secret roll: for the console's test deliveries
    /// to its own endpoint, and for forwarded events. `None` when no secret is usable.
    #[cfg(any(feature = "console", feature = "forward"))]
    pub(crate) fn signature_header(&self, payload: &[u8], timestamp: i64) -> Option<String> {
        use std::fmt::Write;
        let mut digits = itoa::Buffer::new();
        let timestamp = digits.format(timestamp);
        let mut header = format!("t={timestamp}");
        for signature in self
            .keys
            .iter()
            .filter_map(|key| key.sign(timestamp, payload))
        {
            let _ = write!(header, ",v1={}", hex::encode(signature));
        }
        header.contains(",v1=").then_some(header)
    }

    /// Adds another secret that is also accepted: while a secret is rolled, Stripe keeps the
    /// old one active (for up to 24 hours) and signs every delivery with each.
    ///
    /// [`Verified::secret_index`] says which secret matched, so you can tell when the old one
    /// stops being used.
    ///
    /// # Blank secrets
    ///
    /// An empty or all-whitespace secret (typically an unset environment variable read with
    /// `unwrap_or_default`) is skipped while at least one usable secret is configured: it
    /// never verifies anything, and the others verify as usual. Positions still count it, so
    /// [`Verified::secret_index`] and the `position` in errors stay those of the configuration
    /// order. [`blank_secrets`](Webhook::blank_secrets) counts the skipped ones, and with the
    /// `tracing` feature a warning (naming the position, never a secret) is logged when a
    /// blank secret is configured beside another. When every secret is blank, verification
    /// fails with [`Error::SecretMissing`] for the first one.
    ///
    /// A secret with whitespace around real content (`"whsec_…\n"`) is not skipped: every
    /// verification fails with [`Error::SecretWhitespace`] whatever else is configured. It is
    /// a mangled real secret, and skipping it would hide the bug until the other secret is
    /// retired and every delivery fails.
    ///
    /// ```
    /// use stripe_webhooks::{testing, Webhook};
    /// use time::macros::datetime;
    ///
    /// // During a roll, the old secret's variable is not set on this host.
    /// let old = std::env::var("STRIPE_WEBHOOKS_EXAMPLE_UNSET_OLD_SECRET").unwrap_or_default();
    /// let webhook = Webhook::new("whsec_new").with_secret(old);
    /// assert_eq!(webhook.blank_secrets(), 1);
    ///
    /// let header = testing::signature_header(b"{}", "whsec_new", 1_700_000_000);
    /// let verified = webhook.verify_at(b"{}", &header, datetime!(2023-11-14 22:13:20 UTC))?;
    /// assert_eq!(verified.secret_index(), 0);
    ///
    /// // Whitespace around a real secret stays an error, beside a good secret too.
    /// let mangled = Webhook::new("whsec_new").with_secret("whsec_old\n");
    /// assert!(mangled.verify_at(b"{}", &header, datetime!(2023-11-14 22:13:20 UTC)).is_err());
    /// # Ok::<(), stripe_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Webhook {
        self.keys.push(SigningKey::new(secret.into()));
        #[cfg(feature = "tracing")]
        self.warn_blank_alongside();
        self
    }

    /// Logs a warning for each blank secret that has just come to stand beside another: the
    /// one just added, and the first one when this is the second secret.
    #[cfg(feature = "tracing")]
    fn warn_blank_alongside(&self) {
        let last = self.keys.len().saturating_sub(1);
        let first = if last == 1 { 0 } else { last };
        for position in first..=last {
            if self.keys[position].secret.is_blank() {
                tracing::warn!(
                    position,
                    "webhook signing secret #{position} is empty and is skipped; the other \
                     secrets verify (an unset environment variable is the usual cause)"
                );
            }
        }
    }

    /// Sets how far the signed timestamp may lie from now, in the past or in the future.
    ///
    /// `Duration::ZERO` means the timestamp must be the current second exactly; there is no
    /// value that turns the check off (use [`verify_at`](Webhook::verify_at) to check a stored
    /// event against the time it was received).
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Webhook {
        self.tolerance = tolerance;
        self
    }

    /// The number of configured secrets, blank ones included.
    #[must_use]
    pub fn secret_count(&self) -> usize {
        self.keys.len()
    }

    /// How many configured secrets are empty or blank, and so skipped by verification (see
    /// [`with_secret`](Webhook::with_secret)). Anything but 0 deserves a warning at start-up:
    /// it is usually an environment variable that is not set.
    #[must_use]
    pub fn blank_secrets(&self) -> usize {
        self.keys.iter().filter(|key| key.keyed.is_none()).count()
    }

    /// Checks `header` (the `Stripe-Signature` value) against `payload` (the raw body) at the
    /// current time.
    ///
    /// # Errors
    ///
    /// A secret configuration error, a malformed or oversized header, no matching signature,
    /// or a timestamp outside the tolerance; see [`verify_at`](Webhook::verify_at).
    pub fn verify<'a>(&self, payload: &'a [u8], header: &str) -> Result<Verified<'a>, Error> {
        self.verify_at(payload, header, OffsetDateTime::now_utc())
    }

    /// Checks `header` against `payload` as if the current time were `now`.
    ///
    /// One HMAC-SHA256 per secret over `"{t}.{payload}"`; each result is compared with every
    /// well-formed `v1` signature in constant time, all pairs always, and the outcome becomes a
    /// `bool` once at the end. The signature is checked before the timestamp, so
    /// [`Error::TimestampTooOld`] and [`Error::TimestampInFuture`] mean the delivery was
    /// genuine but outside the tolerance.
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::{testing, Error, Webhook};
    /// use time::macros::datetime;
    ///
    /// let header = testing::signature_header(b"{}", "whsec_test_secret", 1_700_000_000);
    /// let webhook = Webhook::new("whsec_test_secret");
    ///
    /// let verified = webhook.verify_at(b"{}", &header, datetime!(2023-11-14 22:15 UTC))?;
    /// assert_eq!(verified.timestamp().unix_timestamp(), 1_700_000_000);
    /// assert_eq!(verified.secret_index(), 0);
    ///
    /// let late = webhook.verify_at(b"{}", &header, datetime!(2023-11-14 23:00 UTC));
    /// assert!(matches!(late, Err(Error::TimestampTooOld { .. })));
    /// # Ok::<(), Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::SecretMissing`]: no usable secret is configured (every one is empty or
    ///   blank); `position` is the first one. Blank secrets beside a usable one are skipped.
    /// - [`Error::SecretWhitespace`]: a configured secret has leading or trailing whitespace
    ///   around real content, whatever else is configured.
    /// - [`Error::HeaderEmpty`], [`Error::HeaderTooLong`], [`Error::HeaderTooManyEntries`],
    ///   [`Error::TimestampMissing`], [`Error::TimestampRepeated`], [`Error::TimestampInvalid`],
    ///   [`Error::SignatureMissing`]: the header is not one Stripe sends.
    /// - [`Error::SignatureMismatch`]: no signature matches under any secret.
    /// - [`Error::TimestampTooOld`] / [`Error::TimestampInFuture`]: genuine, but outside the
    ///   tolerance around `now`.
    pub fn verify_at<'a>(
        &self,
        payload: &'a [u8],
        header: &str,
        now: OffsetDateTime,
    ) -> Result<Verified<'a>, Error> {
        self.check_secrets()?;
        let parsed = ParsedHeader::parse(header)?;
        let secret_index =
            self.matching_secret(payload, &parsed)
                .ok_or(Error::SignatureMismatch {
                    signatures: parsed.well_formed_signatures + parsed.malformed_signatures,
                    secrets: self.keys.len() - self.blank_secrets(),
                })?;
        self.check_tolerance(parsed.timestamp, now)?;
        Ok(Verified {
            payload: Cow::Borrowed(payload),
            timestamp: parsed.timestamp,
            secret_index,
        })
    }

    /// Verifies, then parses the payload as a snapshot [`Event`]. Nothing is parsed before the
    /// signature holds.
    ///
    /// # Errors
    ///
    /// Everything [`verify`](Webhook::verify) returns, then everything
    /// [`Event::from_slice`] returns.
    pub fn verify_and_parse(&self, payload: &[u8], header: &str) -> Result<Event, Error> {
        self.verify(payload, header)?.parse()
    }

    /// [`verify_and_parse`](Webhook::verify_and_parse) as if the current time were `now`.
    ///
    /// # Errors
    ///
    /// Everything [`verify_at`](Webhook::verify_at) returns, then everything
    /// [`Event::from_slice`] returns.
    pub fn verify_and_parse_at(
        &self,
        payload: &[u8],
        header: &str,
        now: OffsetDateTime,
    ) -> Result<Event, Error> {
        self.verify_at(payload, header, now)?.parse()
    }

    /// Verifies, then parses the payload as a [`ThinEvent`] (an event destination's
    /// `v2.core.event` notification, signed the same way).
    ///
    /// # Errors
    ///
    /// Everything [`verify`](Webhook::verify) returns, then everything
    /// [`ThinEvent::from_slice`] returns.
    pub fn verify_and_parse_thin(&self, payload: &[u8], header: &str) -> Result<ThinEvent, Error> {
        self.verify(payload, header)?.parse_thin()
    }

    /// [`verify_and_parse_thin`](Webhook::verify_and_parse_thin) as if the current time were `now`.
    ///
    /// # Errors
    ///
    /// Everything [`verify_at`](Webhook::verify_at) returns, then everything
    /// [`ThinEvent::from_slice`] returns.
    pub fn verify_and_parse_thin_at(
        &self,
        payload: &[u8],
        header: &str,
        now: OffsetDateTime,
    ) -> Result<ThinEvent, Error> {
        self.verify_at(payload, header, now)?.parse_thin()
    }

    /// The configuration errors, before any input is read. Depends on the secrets alone, so
    /// it runs the same way for every request.
    fn check_secrets(&self) -> Result<(), Error> {
        let mut first_blank = None;
        for (position, key) in self.keys.iter().enumerate() {
            if key.secret.is_blank() {
                first_blank.get_or_insert(position);
            } else {
                key.secret.check(position)?;
            }
        }
        match first_blank {
            Some(position) if self.blank_secrets() == self.keys.len() => {
                Err(Error::SecretMissing { position })
            }
            _ => Ok(()),
        }
    }

    /// The index of the secret whose HMAC equals one of the signatures, if any.
    ///
    /// Every (secret, signature) pair is compared, with no early exit, and the index is picked
    /// with `conditional_assign`, so the time taken does not depend on which pair matched or
    /// on how much of a forged signature is right. Blank secrets are skipped: which ones are
    /// blank is configuration, the same for every request, not input.
    fn matching_secret(&self, payload: &[u8], parsed: &ParsedHeader) -> Option<usize> {
        // On the stack: `to_string` would allocate on every verify.
        let mut digits = itoa::Buffer::new();
        let timestamp = digits.format(parsed.timestamp);
        let mut matched = Choice::from(0);
        let mut matched_index = 0u64;
        for (index, key) in self.keys.iter().enumerate() {
            let Some(expected) = key.sign(timestamp, payload) else {
                continue;
            };
            for signature in parsed.signatures() {
                let equal = same_signature(&expected, &signature);
                // Keep the first match: later secrets never overwrite it.
                matched_index.conditional_assign(&(index as u64), equal & !matched);
                matched |= equal;
            }
        }
        if bool::from(matched) {
            usize::try_from(matched_index).ok()
        } else {
            None
        }
    }

    fn check_tolerance(&self, timestamp: i64, now: OffsetDateTime) -> Result<(), Error> {
        let tolerance_secs = self.tolerance.as_secs();
        // Both values are within `time`'s range of dates, so the difference fits easily.
        let age = i128::from(now.unix_timestamp()) - i128::from(timestamp);
        let beyond = |seconds: i128| u64::try_from(seconds).unwrap_or(u64::MAX);
        if age > i128::from(tolerance_secs) {
            return Err(Error::TimestampTooOld {
                age_secs: beyond(age),
                tolerance_secs,
            });
        }
        if -age > i128::from(tolerance_secs) {
            return Err(Error::TimestampInFuture {
                ahead_secs: beyond(-age),
                tolerance_secs,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("secrets", &self.keys.len())
            .field("tolerance", &self.tolerance)
            .finish()
    }
}

/// HMAC-SHA256 of `"{timestamp}.{payload}"` keyed with `secret`: Stripe's v1 scheme.
pub(crate) fn sign(secret: &[u8], timestamp: &str, payload: &[u8]) -> [u8; SIGNATURE_LEN] {
    finish(keyed_mac(secret), timestamp, payload)
}

fn keyed_mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length (longer keys are hashed first), so this cannot fail;
    // `KeyInit::new` would need the key as a fixed-size array.
    match HmacSha256::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// Whether two signatures are equal, in time that does not depend on where they differ: the
/// difference of each 8-byte word is gathered, then compared once (`subtle`'s byte slices
/// pass every byte through an optimization barrier, which costs more than the rest).
fn same_signature(a: &[u8; SIGNATURE_LEN], b: &[u8; SIGNATURE_LEN]) -> Choice {
    let word = |bytes: &[u8]| {
        let mut word = [0; 8];
        word.copy_from_slice(bytes);
        u64::from_ne_bytes(word)
    };
    let difference = a
        .chunks_exact(8)
        .zip(b.chunks_exact(8))
        .fold(0u64, |difference, (a, b)| difference | (word(a) ^ word(b)));
    difference.ct_eq(&0)
}

fn finish(mut mac: HmacSha256, timestamp: &str, payload: &[u8]) -> [u8; SIGNATURE_LEN] {
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac.finalize().into_bytes().into()
}

/// A payload whose signature held: the proof [`Webhook::verify`] returns.
///
/// Only verification creates one (the fields are private). It carries the signed timestamp,
/// which secret matched and the payload itself, so it can be kept or queued and parsed later
/// with [`parse`](Verified::parse); [`into_owned`](Verified::into_owned) detaches it from the
/// request buffer.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::{testing, Webhook};
///
/// let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1700000000,"livemode":false,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
/// let now = time::OffsetDateTime::now_utc().unix_timestamp();
/// let header = testing::signature_header(body, "whsec_new", now);
///
/// let webhook = Webhook::new("whsec_new").with_secret("whsec_old");
/// let verified = webhook.verify(body, &header)?.into_owned();
/// assert_eq!(verified.secret_index(), 0); // signed with the new secret: the old one may go
/// let event = verified.parse()?;
/// assert_eq!(event.event_type().as_str(), "invoice.paid");
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    payload: Cow<'a, [u8]>,
    timestamp: i64,
    secret_index: usize,
}

impl<'a> Verified<'a> {
    /// The timestamp Stripe signed (the `t=` of the header).
    #[must_use]
    pub fn timestamp(&self) -> OffsetDateTime {
        // The header parser only accepts timestamps `time` can represent.
        OffsetDateTime::from_unix_timestamp(self.timestamp).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// Which secret matched: 0 for the one given to [`Webhook::new`], then 1, 2, … in
    /// [`Webhook::with_secret`] order, skipped blank secrets counted too (so a secret keeps its
    /// index whether the ones around it are blank or not).
    #[must_use]
    pub fn secret_index(&self) -> usize {
        self.secret_index
    }

    /// The verified payload bytes.
    #[must_use]
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The verified payload, borrowed or owned as it is held.
    #[must_use]
    pub fn into_payload(self) -> Cow<'a, [u8]> {
        self.payload
    }

    /// A copy that owns its payload, to keep or send to another task.
    #[must_use]
    pub fn into_owned(self) -> Verified<'static> {
        Verified {
            payload: Cow::Owned(self.payload.into_owned()),
            timestamp: self.timestamp,
            secret_index: self.secret_index,
        }
    }

    /// Parses the payload as a snapshot [`Event`].
    ///
    /// # Errors
    ///
    /// As [`Event::from_slice`].
    pub fn parse(&self) -> Result<Event, Error> {
        Event::from_slice(&self.payload)
    }

    /// Parses the payload as a [`ThinEvent`].
    ///
    /// # Errors
    ///
    /// As [`ThinEvent::from_slice`].
    pub fn parse_thin(&self) -> Result<ThinEvent, Error> {
        ThinEvent::from_slice(&self.payload)
    }
}

impl fmt::Debug for Verified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("timestamp", &self.timestamp)
            .field("secret_index", &self.secret_index)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use hmac::digest::block_api::{Buffer, CoreProxy, EagerHash};

    use super::*;

    /// Compiles only when `T` wipes itself on drop.
    fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}

    /// What `SigningKey` says is wiped: checked as trait bounds (a build without `sha2`'s
    /// `zeroize` feature fails here), not as memory, which safe code cannot inspect.
    #[test]
    fn the_keyed_hmac_state_and_the_secret_are_wiped_on_drop() {
        // The two SHA-256 midstates inside `Hmac<Sha256>` (its `HmacCore` holds two of these).
        assert_zeroize_on_drop::<<Sha256 as EagerHash>::Core>();
        assert_zeroize_on_drop::<<Sha256 as CoreProxy>::Core>();
        // The block buffer `Hmac<Sha256>` keeps beside its core.
        assert_zeroize_on_drop::<Buffer<<HmacSha256 as CoreProxy>::Core>>();
        // The secret's bytes.
        assert_zeroize_on_drop::<zeroize::Zeroizing<Box<[u8]>>>();
    }

    #[test]
    fn a_blank_secret_is_never_keyed_and_signs_nothing() {
        let blank = SigningKey::new(Secret::from(" \t"));
        assert!(blank.keyed.is_none());
        assert_eq!(blank.sign("1", b"{}"), None);
        let real = SigningKey::new(Secret::from("whsec_x"));
        assert_eq!(real.sign("1", b"{}"), Some(sign(b"whsec_x", "1", b"{}")));
    }
}
