//! The `http` crate's types in and out: read the `Stripe-Signature` header from a
//! [`HeaderMap`], dispatch a whole [`Request`], answer with a [`Response`].
//!
//! `http` is the common ground of hyper, tower, axum and reqwest, so these work in all of them.
//! The additions are:
//!
//! - [`signature_from_headers`]: the header value, `None` when absent, an error when Stripe
//!   could not have sent it (repeated, or not visible ASCII);
//! - [`Dispatcher::dispatch_request`] and [`Dispatcher::dispatch_with_headers`]: the same
//!   pipeline as [`Dispatcher::dispatch`], fed from `http` types;
//! - [`Outcome::to_response`] and `From<Outcome> for Response<String>`: the status, a short
//!   text body and `content-type: text/plain; charset=utf-8`.
//!
//! # Examples
//!
//! ```
//! use http::{Request, StatusCode};
//! use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
//! use stripe_webhooks::{testing, Event, Webhook};
//!
//! let dispatcher = Dispatcher::new(Webhook::new("whsec_test"), |_event: Event| async {
//!     Ok::<(), HandlerError>(())
//! });
//!
//! let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
//! let now = time::OffsetDateTime::now_utc().unix_timestamp();
//! let request = Request::post("/webhook")
//!     .header("stripe-signature", testing::signature_header(body, "whsec_test", now))
//!     .body(&body[..])
//!     .unwrap();
//!
//! let response: http::Response<String> =
//!     pollster::block_on(dispatcher.dispatch_request(request)).into();
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.body(), "handled evt_1");
//! ```

use ::http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use ::http::{Request, Response, StatusCode};

use crate::dispatch::{Dispatcher, Handler, Mode, Outcome};
use crate::Error;

/// The name of the header Stripe signs deliveries with, `stripe-signature` (header names are
/// case-insensitive; `http` keeps them lowercase).
pub const STRIPE_SIGNATURE: HeaderName = HeaderName::from_static("stripe-signature");

/// The `content-type` of every response built here.
pub const TEXT_PLAIN_UTF_8: &str = "text/plain; charset=utf-8";

/// The `Stripe-Signature` header of a request, if it has one.
///
/// A missing header is `Ok(None)`: pass it on to [`Dispatcher::dispatch`], which answers it with
/// [`Error::HeaderMissing`] (400) and counts it.
///
/// # Errors
///
/// - [`Error::HeaderRepeated`] when the header appears more than once: Stripe sends exactly one,
///   and picking one of several would let a proxy or client decide what gets verified;
/// - [`Error::HeaderNotAscii`] when the value holds a byte that is not visible ASCII (or a tab):
///   Stripe's header is ASCII text, so such a value is not a header Stripe sent.
///
/// Both answer 400 through [`Outcome::Rejected`].
///
/// # Examples
///
/// ```
/// use http::{HeaderMap, HeaderValue};
/// use stripe_webhooks::integrations::http::{signature_from_headers, STRIPE_SIGNATURE};
/// use stripe_webhooks::Error;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(signature_from_headers(&headers).unwrap(), None);
///
/// headers.insert(STRIPE_SIGNATURE, HeaderValue::from_static("t=1,v1=ab"));
/// assert_eq!(signature_from_headers(&headers).unwrap(), Some("t=1,v1=ab"));
///
/// headers.append(STRIPE_SIGNATURE, HeaderValue::from_static("t=2,v1=cd"));
/// let err = signature_from_headers(&headers).unwrap_err();
/// assert!(matches!(err, Error::HeaderRepeated { count: 2 }));
/// ```
pub fn signature_from_headers(headers: &HeaderMap) -> Result<Option<&str>, Error> {
    signature_from_values(
        headers
            .get_all(STRIPE_SIGNATURE)
            .iter()
            .map(HeaderValue::as_bytes),
    )
}

/// [`signature_from_headers`] for frameworks with their own header map (actix-web, for one):
/// give it the raw bytes of every `Stripe-Signature` value the request carried.
///
/// # Errors
///
/// As [`signature_from_headers`]: [`Error::HeaderRepeated`] for more than one value,
/// [`Error::HeaderNotAscii`] for a value with a byte that is neither visible ASCII nor a tab.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::integrations::http::signature_from_values;
/// use stripe_webhooks::Error;
///
/// assert_eq!(signature_from_values([]).unwrap(), None);
/// assert_eq!(signature_from_values([&b"t=1,v1=ab"[..]]).unwrap(), Some("t=1,v1=ab"));
/// let err = signature_from_values([&b"t=1,v1=\xff"[..]]).unwrap_err();
/// assert!(matches!(err, Error::HeaderNotAscii));
/// ```
pub fn signature_from_values<'a, I>(values: I) -> Result<Option<&'a str>, Error>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut values = values.into_iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let others = values.count();
    if others > 0 {
        return Err(Error::HeaderRepeated { count: others + 1 });
    }
    // The same test as `HeaderValue::to_str`: visible ASCII or a horizontal tab.
    if !value
        .iter()
        .all(|&byte| byte == b'\t' || (0x20..0x7f).contains(&byte))
    {
        return Err(Error::HeaderNotAscii);
    }
    std::str::from_utf8(value)
        .map(Some)
        .map_err(|_| Error::HeaderNotAscii)
}

impl<H: Handler, D: Mode> Dispatcher<H, D> {
    /// Runs one delivery given as an `http::Request`: its body is the raw payload, its
    /// `Stripe-Signature` header is read with [`signature_from_headers`].
    ///
    /// A repeated or non-ASCII header answers 400 ([`Outcome::Rejected`]) without running the
    /// pipeline (it is counted, through [`reject`](Dispatcher::reject)); everything else is
    /// exactly [`dispatch`](Dispatcher::dispatch). Limit the body's size while reading it, before
    /// building the request (see the crate's hyper example).
    ///
    /// # Examples
    ///
    /// ```
    /// use http::Request;
    /// use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
    /// use stripe_webhooks::{testing, Error, Event, Webhook};
    ///
    /// let dispatcher = Dispatcher::new(Webhook::new("whsec_test"), |_event: Event| async {
    ///     Ok::<(), HandlerError>(())
    /// });
    /// let request = Request::post("/webhook").body(b"{}".to_vec()).unwrap();
    /// let outcome = pollster::block_on(dispatcher.dispatch_request(request));
    /// assert_eq!(outcome.status(), 400);
    /// assert!(matches!(outcome, stripe_webhooks::dispatch::Outcome::Rejected(Error::HeaderMissing)));
    /// ```
    pub async fn dispatch_request<B: AsRef<[u8]>>(&self, request: Request<B>) -> Outcome {
        let (parts, body) = request.into_parts();
        self.dispatch_with_headers(body.as_ref(), &parts.headers)
            .await
    }

    /// Runs one delivery from its raw body and the request's headers: the
    /// `Stripe-Signature` header is read with [`signature_from_headers`], then the delivery goes
    /// through [`dispatch`](Dispatcher::dispatch).
    ///
    /// A repeated or non-ASCII header answers 400 ([`Outcome::Rejected`]) without running the
    /// pipeline; it is counted in [`metrics`](Dispatcher::metrics) through
    /// [`reject`](Dispatcher::reject).
    pub async fn dispatch_with_headers(&self, payload: &[u8], headers: &HeaderMap) -> Outcome {
        match signature_from_headers(headers) {
            Ok(signature) => self.dispatch(payload, signature).await,
            Err(error) => self.reject(error),
        }
    }
}

impl Outcome {
    /// The HTTP response to answer Stripe with: [`status`](Outcome::status), the short text of
    /// `Display` (never a secret or the request body), and
    /// `content-type: text/plain; charset=utf-8`.
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::dispatch::Outcome;
    /// use stripe_webhooks::Error;
    ///
    /// let response = Outcome::Rejected(Error::HeaderMissing).to_response();
    /// assert_eq!(response.status(), 400);
    /// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    /// assert!(response.body().starts_with("rejected: the request has no Stripe-Signature header"));
    /// ```
    #[must_use]
    pub fn to_response(&self) -> Response<String> {
        let mut response = Response::new(self.to_string());
        // Every status `Outcome::status` returns is a valid one; the fallback is unreachable.
        *response.status_mut() =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(TEXT_PLAIN_UTF_8));
        response
    }
}

impl From<Outcome> for Response<String> {
    fn from(outcome: Outcome) -> Self {
        outcome.to_response()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::dispatch::OutcomeKind;
    use crate::testing::signature_header;
    use crate::{Event, Webhook};
    use pollster::block_on;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const SECRET: &str = "whsec_http_tests";
    const BODY: &[u8] = br#"{"id":"evt_http","object":"event","type":"charge.failed","created":1700000000,"data":{"object":{"id":"ch_1","object":"charge"}}}"#;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(STRIPE_SIGNATURE, HeaderValue::from_bytes(value).unwrap());
        }
        headers
    }

    #[test]
    fn missing_header_is_none() {
        assert_eq!(signature_from_headers(&HeaderMap::new()).unwrap(), None);
        let mut other = HeaderMap::new();
        other.insert("x-stripe-signature", HeaderValue::from_static("t=1,v1=00"));
        assert_eq!(signature_from_headers(&other).unwrap(), None);
    }

    #[test]
    fn one_header_is_its_value_whatever_the_name_case() {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_bytes(b"Stripe-Signature").unwrap(),
            HeaderValue::from_static("t=1,\tv1=ab"),
        );
        assert_eq!(
            signature_from_headers(&headers).unwrap(),
            Some("t=1,\tv1=ab")
        );
    }

    #[test]
    fn repeated_header_is_an_error_with_the_count() {
        let err = signature_from_headers(&headers(&[b"t=1,v1=ab", b"t=1,v1=ab"])).unwrap_err();
        assert!(matches!(err, Error::HeaderRepeated { count: 2 }), "{err:?}");
        let err = signature_from_headers(&headers(&[b"a", b"b", b"c"])).unwrap_err();
        assert!(matches!(err, Error::HeaderRepeated { count: 3 }), "{err:?}");
        assert_eq!(err.kind().status(), 400);
    }

    #[test]
    fn repeated_header_is_an_error_even_when_one_is_garbled() {
        let err = signature_from_headers(&headers(&[b"t=1,v1=ab", b"\xff"])).unwrap_err();
        assert!(matches!(err, Error::HeaderRepeated { count: 2 }), "{err:?}");
    }

    #[test]
    fn non_utf8_header_is_not_ascii() {
        let err = signature_from_headers(&headers(&[b"t=1,v1=\xff\xfe"])).unwrap_err();
        assert!(matches!(err, Error::HeaderNotAscii), "{err:?}");
        assert_eq!(err.kind().as_str(), "header_not_ascii");
        assert_eq!(err.kind().status(), 400);
    }

    #[test]
    fn utf8_but_not_ascii_header_is_not_ascii() {
        let err = signature_from_headers(&headers(&["t=1,v1=é".as_bytes()])).unwrap_err();
        assert!(matches!(err, Error::HeaderNotAscii), "{err:?}");
    }

    #[test]
    fn control_characters_are_not_ascii() {
        for value in [&b"t=1\x00"[..], b"t=1\r\n", b"\x7f", b"\x1b[0m"] {
            let err = signature_from_values([value]).unwrap_err();
            assert!(matches!(err, Error::HeaderNotAscii), "{value:?}: {err:?}");
        }
    }

    fn counting_dispatcher() -> (Dispatcher<impl Handler>, Arc<AtomicUsize>) {
        let runs = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&runs);
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
            let seen = Arc::clone(&seen);
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
        (dispatcher, runs)
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn dispatch_request_handles_a_genuine_delivery() {
        let (dispatcher, runs) = counting_dispatcher();
        let request = Request::post("/webhook")
            .header("Stripe-Signature", signature_header(BODY, SECRET, now()))
            .body(BODY)
            .unwrap();
        let outcome = block_on(dispatcher.dispatch_request(request));
        assert_eq!(outcome.kind(), OutcomeKind::Handled, "{outcome:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn dispatch_request_refuses_a_repeated_header_without_running_the_handler() {
        let (dispatcher, runs) = counting_dispatcher();
        let header = signature_header(BODY, SECRET, now());
        let request = Request::post("/webhook")
            .header("Stripe-Signature", &header)
            .header("Stripe-Signature", &header)
            .body(BODY.to_vec())
            .unwrap();
        let outcome = block_on(dispatcher.dispatch_request(request));
        assert!(
            matches!(
                outcome,
                Outcome::Rejected(Error::HeaderRepeated { count: 2 })
            ),
            "{outcome:?}"
        );
        assert_eq!(outcome.status(), 400);
        assert_eq!(runs.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn dispatch_request_without_header_is_header_missing() {
        let (dispatcher, runs) = counting_dispatcher();
        let request = Request::post("/webhook").body(BODY).unwrap();
        let outcome = block_on(dispatcher.dispatch_request(request));
        assert!(
            matches!(outcome, Outcome::Rejected(Error::HeaderMissing)),
            "{outcome:?}"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert_eq!(dispatcher.metrics().received, 1);
    }

    #[test]
    fn response_carries_status_text_and_content_type() {
        let response: Response<String> =
            Outcome::Rejected(Error::BodyTooLarge { len: 9, max: 8 }).into();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[CONTENT_TYPE], TEXT_PLAIN_UTF_8);
        assert_eq!(
            response.body(),
            &Outcome::Rejected(Error::BodyTooLarge { len: 9, max: 8 }).to_string()
        );

        let handled = Outcome::Delivered {
            event_id: "evt_1".to_owned(),
            event_type: crate::EventType::ChargeFailed,
            disposition: crate::dispatch::Disposition::Duplicate,
        }
        .to_response();
        assert_eq!(handled.status(), StatusCode::OK);
        assert_eq!(handled.body(), "duplicate evt_1: already handled");
    }
}
