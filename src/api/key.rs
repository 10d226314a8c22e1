//! [`ApiKey`]: a Stripe secret key, kept out of every `Debug`, log line and error.

use std::fmt;

use zeroize::Zeroizing;

use super::ApiError;

/// A Stripe secret key (`sk_test_…`, `sk_live_…`) or restricted key (`rk_…`), for the API
/// calls of [`Client`](super::Client).
///
/// `Debug` shows only the kind of key (`ApiKey(sk_test_<redacted>)`), there is no `Display`,
/// no error of this module contains it, and its memory is wiped on drop. It goes on the wire
/// only in the `Authorization` header, marked sensitive.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::api::ApiKey;
///
/// let key = ApiKey::new("sk_test_4eC39HqLyjWDarjtT1zdp7dc")?;
/// assert_eq!(format!("{key:?}"), "ApiKey(sk_test_<redacted>)");
/// assert!(!key.is_live());
///
/// // A publishable key cannot call these endpoints: refused up front.
/// assert!(ApiKey::new("pk_test_123").is_err());
/// # Ok::<(), stripe_webhooks::api::ApiError>(())
/// ```
#[derive(Clone)]
pub struct ApiKey {
    key: Zeroizing<String>,
}

/// The prefixes of the keys that can call the API server-side.
const PREFIXES: [&str; 4] = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"];

impl ApiKey {
    /// Checks and wraps a secret or restricted key.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidKey`] when the key is empty, has whitespace or characters a header
    /// cannot carry, or is not a secret (`sk_`) or restricted (`rk_`) key. The error says
    /// which, never the key.
    pub fn new(key: impl Into<String>) -> Result<ApiKey, ApiError> {
        let key = Zeroizing::new(key.into());
        if key.trim().is_empty() {
            return Err(invalid("the key is empty (is the variable set?)"));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "the key has whitespace or characters outside printable ASCII",
            ));
        }
        if key.starts_with("pk_") {
            return Err(invalid(
                "a publishable key (pk_) cannot manage endpoints or list events: use a secret key (sk_) or a restricted key (rk_)",
            ));
        }
        if !PREFIXES.iter().any(|prefix| key.starts_with(prefix)) {
            return Err(invalid(
                "a Stripe API key starts with sk_test_, sk_live_, rk_test_ or rk_live_",
            ));
        }
        Ok(ApiKey { key })
    }

    /// The key in the environment variable `name` (`STRIPE_SECRET_KEY`, usually).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidKey`] when the variable is unset or not valid Unicode, or as
    /// [`ApiKey::new`].
    pub fn from_env(name: &str) -> Result<ApiKey, ApiError> {
        let key = std::env::var(name).map_err(|_| {
            ApiError::InvalidKey(format!("{name} is not set (or not valid Unicode)"))
        })?;
        ApiKey::new(key).map_err(|error| match error {
            ApiError::InvalidKey(reason) => ApiError::InvalidKey(format!("{name}: {reason}")),
            other => other,
        })
    }

    /// Whether it is a live-mode key (`sk_live_`, `rk_live_`).
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.key[3..].starts_with("live_")
    }

    /// The key's kind, the part `Debug` shows: `sk_test_`, `rk_live_`, ….
    fn kind(&self) -> &str {
        &self.key[..PREFIXES[0].len()]
    }

    /// `text` with every occurrence of the key replaced by its redacted form.
    pub(crate) fn scrub(&self, text: &str) -> String {
        text.replace(self.key.as_str(), &format!("{}<redacted>", self.kind()))
    }

    /// The `Authorization` header's value, marked sensitive (HTTP/2 never indexes it).
    pub(crate) fn authorization(&self) -> reqwest::header::HeaderValue {
        let bearer = Zeroizing::new(format!("Bearer {}", self.key.as_str()));
        let mut value = reqwest::header::HeaderValue::from_str(&bearer)
            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer invalid"));
        value.set_sensitive(true);
        value
    }
}

fn invalid(reason: &str) -> ApiError {
    ApiError::InvalidKey(reason.to_owned())
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}<redacted>)", self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_refusals() {
        let key = ApiKey::new("rk_live_abc").expect("a restricted live key");
        assert!(key.is_live());
        assert_eq!(format!("{key:?}"), "ApiKey(rk_live_<redacted>)");
        for bad in [
            "",
            "  ",
            "sk_test_ab c",
            "sk_test_ab\n",
            "whsec_abc",
            "pk_live_x",
            "sk_",
        ] {
            let error = ApiKey::new(bad).expect_err(bad);
            assert!(matches!(error, ApiError::InvalidKey(_)), "{bad:?}: {error}");
            if bad.len() > 4 {
                assert!(!error.to_string().contains(bad.trim()), "{error}");
            }
        }
    }

    #[test]
    fn the_header_is_sensitive() {
        let key = ApiKey::new("sk_test_123").expect("a key");
        let header = key.authorization();
        assert!(header.is_sensitive());
        assert_eq!(header.to_str().ok(), Some("Bearer sk_test_123"));
        assert!(!format!("{header:?}").contains("sk_test_123"));
    }
}
