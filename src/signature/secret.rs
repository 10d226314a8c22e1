//! [`Secret`]: an endpoint's signing secret, kept out of every log and wiped on drop.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::Error;

/// A webhook endpoint's signing secret (`whsec_…`).
///
/// The bytes are used exactly as given (Stripe keys the HMAC with the secret string, prefix
/// included, never base64-decoded). `Debug` prints a redacted marker, there is no `Display`,
/// and the memory is wiped when the value is dropped.
///
/// [`Secret::new`] checks the value up front. The infallible conversions (`From<&str>`,
/// `From<String>`) used by [`Webhook::new`](crate::Webhook::new) keep what they were given and
/// let verification fail with the same error instead, so a missing environment variable can
/// never panic a service nor let an event through. (A blank secret beside a usable one, as
/// during a secret roll, is skipped instead: see
/// [`Webhook::with_secret`](crate::Webhook::with_secret).)
///
/// # Examples
///
/// ```
/// use stripe_webhooks::{ErrorKind, Secret};
///
/// let secret = Secret::new("whsec_abc123")?;
/// assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
///
/// assert_eq!(Secret::new("").unwrap_err().kind(), ErrorKind::SecretMissing);
/// assert_eq!(Secret::new("whsec_abc123\n").unwrap_err().kind(), ErrorKind::SecretWhitespace);
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Box<[u8]>>,
}

impl Secret {
    /// Checks and wraps a signing secret.
    ///
    /// # Errors
    ///
    /// [`Error::SecretMissing`] when `secret` is empty or only whitespace, and
    /// [`Error::SecretWhitespace`] when it starts or ends with whitespace.
    pub fn new(secret: impl Into<String>) -> Result<Secret, Error> {
        let secret = Secret::from(secret.into());
        secret.check(0)?;
        Ok(secret)
    }

    /// Whether the secret has the `whsec_` prefix Stripe gives every endpoint secret.
    ///
    /// Informational only: verification uses whatever bytes were configured.
    #[must_use]
    pub fn has_stripe_prefix(&self) -> bool {
        self.bytes.starts_with(b"whsec_")
    }

    /// The secret itself, to store it where it belongs (a secret manager, an environment
    /// variable) after it was created, as
    /// [`WebhookEndpoint::secret`](crate::api::WebhookEndpoint::secret) gives it. Never log it.
    ///
    /// ```
    /// let secret = stripe_webhooks::Secret::new("whsec_abc123")?;
    /// assert_eq!(secret.expose_secret(), "whsec_abc123");
    /// # Ok::<(), stripe_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        // Every constructor takes a `str`.
        std::str::from_utf8(&self.bytes).unwrap_or_default()
    }

    /// The key bytes, for the HMAC only.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the secret is empty or only whitespace: not configured at all (an unset
    /// environment variable, usually), as opposed to a real secret with whitespace around it.
    pub(crate) fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    /// Why this secret can never verify anything, if it can't. `position` names it in the error.
    pub(crate) fn check(&self, position: usize) -> Result<(), Error> {
        let text = &self.bytes[..];
        if self.is_blank() {
            return Err(Error::SecretMissing { position });
        }
        let blank = |b: Option<&u8>| b.is_some_and(u8::is_ascii_whitespace);
        if blank(text.first()) || blank(text.last()) {
            return Err(Error::SecretWhitespace { position });
        }
        Ok(())
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        // Copied into a box of the exact size, then the string's whole buffer is wiped:
        // `into_boxed_slice` would move a string with spare capacity to a new allocation and
        // free the old one unwiped.
        let secret = Zeroizing::new(secret);
        Secret::from(secret.as_str())
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Secret {
            bytes: Zeroizing::new(Box::from(secret.as_bytes())),
        }
    }
}

impl From<&String> for Secret {
    fn from(secret: &String) -> Self {
        Secret::from(secret.as_str())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_blank_and_surrounding_whitespace() {
        assert!(matches!(
            Secret::new(" \t\n"),
            Err(Error::SecretMissing { position: 0 })
        ));
        assert!(matches!(
            Secret::new(" whsec_x"),
            Err(Error::SecretWhitespace { .. })
        ));
        assert!(matches!(
            Secret::new("whsec_x\r\n"),
            Err(Error::SecretWhitespace { .. })
        ));
        let ok = Secret::new("whsec_x").unwrap();
        assert!(ok.has_stripe_prefix());
        assert_eq!(ok.expose(), b"whsec_x");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::from("whsec_supersecret");
        assert!(!format!("{secret:?}").contains("supersecret"));
        assert!(!format!("{secret:#?}").contains("supersecret"));
    }
}
