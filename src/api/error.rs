//! [`ApiError`] and [`StripeError`]: what went wrong with a call to Stripe's API.

use std::fmt;

use serde::Deserialize;

use crate::open_enum::open_enum;

/// Why a call to Stripe's API, or the setup of one, failed. None of them contains the secret
/// key: it never leaves the `Authorization` header.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Stripe answered with an error (after the retries it allows, for a retryable one).
    #[error("Stripe refused the request (HTTP {status}): {error}")]
    Stripe {
        /// The HTTP status.
        status: u16,
        /// Stripe's error body, with the request id.
        error: Box<StripeError>,
    },
    /// No answer: the connection failed or timed out (after the retries).
    #[error("the request to Stripe's API failed: {0}")]
    Transport(String),
    /// An answer that is not the JSON this call expects.
    #[error("Stripe's answer to {call} could not be read (HTTP {status}, request {request_id}): {reason}", request_id = .request_id.as_deref().unwrap_or("-"))]
    Decode {
        /// What was called.
        call: String,
        /// The HTTP status.
        status: u16,
        /// The `Request-Id` header, if there was one.
        request_id: Option<String>,
        /// What did not parse.
        reason: String,
    },
    /// The key cannot be used; says why (and which variable it was read from), never the
    /// key.
    #[error("the Stripe API key cannot be used: {0}")]
    InvalidKey(String),
    /// The client cannot be built as asked (a base URL that is not http(s), …).
    #[error("the API client cannot be built: {0}")]
    Config(String),
    /// An argument the call cannot send (an id with characters ids never have, a backfill
    /// beyond Stripe's 30 days, a pattern that selects no event type, …).
    #[error("{0}")]
    InvalidArgument(String),
    /// A list answered more than the bound the call was given.
    #[error("more than {max} {what}: narrow the query, or raise the bound")]
    TooMany {
        /// What was listed.
        what: &'static str,
        /// The bound.
        max: usize,
    },
    /// A [`Plan`](super::Plan) that cannot be applied as it stands.
    #[error("the plan cannot be applied: {0}")]
    Conflict(String),
}

impl ApiError {
    /// Stripe's error body, if Stripe answered with one.
    #[must_use]
    pub fn stripe(&self) -> Option<&StripeError> {
        match self {
            ApiError::Stripe { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status Stripe answered with, if it answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Stripe { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }
}

open_enum! {
    /// The `type` of a Stripe API error.
    pub enum StripeErrorType {
        ApiError => "api_error",
        CardError => "card_error",
        IdempotencyError => "idempotency_error",
        InvalidRequestError => "invalid_request_error",
    }
}

/// Stripe's error body (`{"error": {…}}`), with the `Request-Id` of the answer: what Stripe's
/// support asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct StripeError {
    /// `invalid_request_error`, `api_error`, ….
    #[serde(rename = "type", default)]
    pub error_type: StripeErrorType,
    /// A short machine-readable code (`resource_missing`, `url_invalid`, …), if any.
    #[serde(default)]
    pub code: Option<String>,
    /// The parameter the error is about, if any.
    #[serde(default)]
    pub param: Option<String>,
    /// The human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// A link to Stripe's documentation of the code, if any.
    #[serde(default)]
    pub doc_url: Option<String>,
    /// The `Request-Id` header of the answer.
    #[serde(skip)]
    pub request_id: Option<String>,
}

impl fmt::Display for StripeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error_type.as_str())?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(param) = &self.param {
            write!(f, " (param {param})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " [request {request_id}]")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_errors_read_and_show_every_part() {
        let body = r#"{"error":{"type":"invalid_request_error","code":"resource_missing","param":"id","message":"No such webhook endpoint: 'we_1'","doc_url":"https://stripe.com/docs/error-codes/resource-missing","new_field":1}}"#;
        #[derive(Deserialize)]
        struct Body {
            error: StripeError,
        }
        let mut error = serde_json::from_str::<Body>(body)
            .expect("an error body")
            .error;
        error.request_id = Some("req_1".into());
        assert_eq!(error.error_type, StripeErrorType::InvalidRequestError);
        assert_eq!(
            ApiError::Stripe { status: 404, error: Box::new(error) }.to_string(),
            "Stripe refused the request (HTTP 404): invalid_request_error resource_missing (param id): No such webhook endpoint: 'we_1' [request req_1]"
        );
    }
}
