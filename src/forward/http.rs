//! [`HttpSink`]: POST the event to an internal service, as Stripe would.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::headers;
use super::sink::{Outgoing, Sent};
use super::ForwardError;

/// How much of a refusing answer's body is kept in the forward's error.
const ERROR_BODY: usize = 512;

/// An HTTP endpoint that forwarded events are POSTed to: the body byte for byte, with
/// `Content-Type: application/json; charset=utf-8`, `Stripe-Signature` signed with the
/// target's secret(s), and the [`headers`](super::headers) (event id, type, the time Stripe
/// delivered it, the attempt). A 2xx answer delivers it; any other answer, a redirect (not
/// followed, as Stripe does not follow them), a refused connection or a timeout is retried.
///
/// Each sink has its own connection pool (rustls for `https`), so a target that hangs holds
/// only its own connections.
pub struct HttpSink {
    url: reqwest::Url,
    client: reqwest::Client,
    /// Headers of the user's for every request (an internal service's own credentials).
    extra: HeaderMap,
}

impl HttpSink {
    /// A sink that POSTs to `url` (`http://` or `https://`).
    ///
    /// # Errors
    ///
    /// [`ForwardError::InvalidUrl`] for a URL that does not parse or is not http(s);
    /// [`ForwardError::Client`] if the HTTP client cannot be built.
    pub fn new(url: &str) -> Result<HttpSink, ForwardError> {
        let invalid = |reason: String| ForwardError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        let parsed = reqwest::Url::parse(url).map_err(|error| invalid(error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid(format!("the scheme is `{}`", parsed.scheme())));
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                "stripe-webhooks/",
                env!("CARGO_PKG_VERSION"),
                " (forward)"
            ))
            .build()
            .map_err(|error| ForwardError::Client(error.to_string()))?;
        Ok(HttpSink {
            url: parsed,
            client,
            extra: HeaderMap::new(),
        })
    }

    /// Sends this header with every request too: the internal service's own credentials
    /// (`Authorization: Bearer …`), a routing key. Its value is kept out of `Debug`, and marked
    /// sensitive for the HTTP stack.
    ///
    /// # Errors
    ///
    /// [`ForwardError::InvalidHeader`] for a name or value that is not a valid header, or a
    /// name the sink writes itself (`content-type`, `stripe-signature`, `user-agent`, and the
    /// `stripe-webhooks-…` headers).
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::forward::HttpSink;
    ///
    /// let sink = HttpSink::new("https://billing.internal/stripe")?
    ///     .header("authorization", "Bearer internal-token")?;
    /// assert!(!format!("{sink:?}").contains("internal-token"));
    /// assert!(HttpSink::new("https://billing.internal/")?.header("stripe-signature", "x").is_err());
    /// # Ok::<(), stripe_webhooks::forward::ForwardError>(())
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Result<HttpSink, ForwardError> {
        let invalid = |reason: &str| ForwardError::InvalidHeader {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("not a header name"))?;
        let ours = [
            reqwest::header::CONTENT_TYPE.as_str(),
            reqwest::header::USER_AGENT.as_str(),
            "stripe-signature",
        ];
        if ours.contains(&parsed.as_str()) || parsed.as_str().starts_with("stripe-webhooks-") {
            return Err(invalid("the sink writes this header itself"));
        }
        let mut value = HeaderValue::from_str(value).map_err(|_| invalid("not a header value"))?;
        value.set_sensitive(true);
        self.extra.append(parsed, value);
        Ok(self)
    }

    pub(super) async fn send(&self, outgoing: &Outgoing, timeout: Duration) -> Sent {
        // A signed body can carry an id or type that no header can (a control character):
        // Stripe's never do, and no retry would help.
        let (Ok(event_id), Ok(event_type)) = (
            HeaderValue::from_str(&outgoing.event_id),
            HeaderValue::from_str(&outgoing.event_type),
        ) else {
            return Sent {
                permanent: true,
                ..Sent::refused(
                    None,
                    "the event's id or type has characters an HTTP header cannot carry".into(),
                )
            };
        };
        let request = self
            .client
            .post(self.url.clone())
            .timeout(timeout)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .header("stripe-signature", &outgoing.signature)
            .header(headers::EVENT_ID, event_id)
            .header(headers::EVENT_TYPE, event_type)
            .header(headers::DELIVERED_AT, outgoing.delivered_at)
            .header(headers::ATTEMPT, outgoing.attempt)
            .headers(self.extra.clone())
            .body(outgoing.body.clone());
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Sent::refused(None, describe(error, timeout)),
        };
        let status = response.status();
        if status.is_success() {
            return Sent::taken(Some(status.as_u16()));
        }
        // A little of the answer says why; more would let a target fill the inbox.
        let mut said = Vec::new();
        while said.len() < ERROR_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => said.extend_from_slice(&chunk),
                _ => break,
            }
        }
        said.truncate(ERROR_BODY);
        let said = String::from_utf8_lossy(&said);
        let said = said.trim();
        let mut error = format!("the target answered {status}");
        if !said.is_empty() {
            error.push_str(": ");
            error.push_str(said);
        }
        Sent::refused(Some(status.as_u16()), error)
    }
}

/// Shows the URL without its user and password, if it has them.
impl std::fmt::Debug for HttpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = self.url.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("redacted"));
        }
        let extra: Vec<&str> = self.extra.keys().map(HeaderName::as_str).collect();
        f.debug_struct("HttpSink")
            .field("url", &shown.as_str())
            .field("headers", &extra)
            .finish_non_exhaustive()
    }
}

/// A send that got no answer, said without the URL (it may hold credentials).
fn describe(error: reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer within {timeout:?}");
    }
    let what = if error.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    let error = error.without_url();
    let mut message = format!("{what}: {error}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
