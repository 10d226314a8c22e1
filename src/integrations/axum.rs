//! axum: an [`Outcome`] is a response, and two extractors take a delivery apart as Stripe sent
//! it.
//!
//! - [`StripeDelivery`]: the raw body bytes and the `Stripe-Signature` header, for the
//!   [`Dispatcher`]: `delivery.dispatch(&dispatcher).await` is the whole endpoint.
//! - [`VerifiedEvent`]: an [`Event`] whose signature already held, verified with the
//!   [`Webhook`] taken from the router's state (`Arc<Webhook>: FromRef<S>`), for endpoints that
//!   handle events themselves.
//!
//! Both read the body as bytes, never as JSON (re-serialized JSON no longer matches the
//! signature), through axum's body limit: set it with `DefaultBodyLimit::max`, an oversize
//! body answers axum's own 413. A repeated `Stripe-Signature` header, or one that is not
//! visible ASCII, is rejected with 400 before the body is read. Rejections are
//! [`DeliveryRejection`]s.
//!
//! This integration needs `axum-core` only; the examples use axum itself.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::extract::{DefaultBodyLimit, State};
//! use axum::routing::post;
//! use axum::Router;
//! use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError, Outcome};
//! use stripe_webhooks::integrations::axum::StripeDelivery;
//! use stripe_webhooks::{Event, Webhook};
//!
//! struct Billing;
//!
//! impl Handler for Billing {
//!     async fn handle(&self, event: Event) -> Result<(), HandlerError> {
//!         println!("{} {}", event.id(), event.event_type());
//!         Ok(())
//!     }
//! }
//!
//! // The endpoint is one line: the extractor reads the raw body and the header, the
//! // dispatcher verifies, parses, drops duplicates and runs the handler, and the `Outcome`
//! // is the response (status, short text).
//! async fn stripe_webhook(
//!     State(dispatcher): State<Arc<Dispatcher<Billing>>>,
//!     delivery: StripeDelivery,
//! ) -> Outcome {
//!     delivery.dispatch(&dispatcher).await
//! }
//!
//! let dispatcher = Arc::new(Dispatcher::new(Webhook::new("whsec_test"), Billing));
//! let app: Router = Router::new()
//!     .route("/webhook", post(stripe_webhook))
//!     // axum's limit refuses an oversize body (413) before it is read into memory.
//!     .layer(DefaultBodyLimit::max(dispatcher.get_max_body_size()))
//!     .with_state(dispatcher);
//! # drop(app);
//! ```

use std::fmt;
use std::sync::Arc;

use axum_core::body::Body;
use axum_core::extract::rejection::BytesRejection;
use axum_core::extract::{FromRef, FromRequest, Request};
use axum_core::response::{IntoResponse, Response};
use bytes::Bytes;

use super::http::signature_from_headers;
use crate::dispatch::{Dispatcher, Handler, Mode, Outcome};
use crate::{Error, Event, Webhook};

impl IntoResponse for Outcome {
    /// [`Outcome::to_response`]: the status, its `Display` text and
    /// `content-type: text/plain; charset=utf-8`.
    fn into_response(self) -> Response {
        self.to_response().map(Body::from)
    }
}

/// One delivery as Stripe sent it: the raw body bytes and the `Stripe-Signature` header.
///
/// As an extractor it consumes the body, so it comes last among a handler's arguments. It never
/// parses the body; it rejects a request only when the body cannot be read (over axum's
/// `DefaultBodyLimit`: 413) or when the header could not have come from Stripe (repeated or not
/// visible ASCII: 400). A missing header is kept as `None` and the dispatcher answers it with
/// [`Error::HeaderMissing`], so it is counted in its metrics.
///
/// # Examples
///
/// ```
/// use axum::body::Body;
/// use axum::extract::FromRequest;
/// use axum::http::Request;
/// use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
/// use stripe_webhooks::integrations::axum::StripeDelivery;
/// use stripe_webhooks::{testing, Event, Webhook};
///
/// let body = br#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
/// let now = time::OffsetDateTime::now_utc().unix_timestamp();
/// let request = Request::post("/webhook")
///     .header("stripe-signature", testing::signature_header(body, "whsec_test", now))
///     .body(Body::from(&body[..]))
///     .unwrap();
///
/// let delivery = pollster::block_on(StripeDelivery::from_request(request, &())).unwrap();
/// assert_eq!(delivery.body().as_ref(), body);
///
/// let dispatcher = Dispatcher::new(Webhook::new("whsec_test"), |_event: Event| async {
///     Ok::<(), HandlerError>(())
/// });
/// let outcome = pollster::block_on(delivery.dispatch(&dispatcher));
/// assert_eq!(outcome.kind(), OutcomeKind::Handled);
/// ```
#[derive(Clone)]
pub struct StripeDelivery {
    body: Bytes,
    signature: Option<String>,
}

impl StripeDelivery {
    /// A delivery from its parts, for tests and for bodies read some other way.
    #[must_use]
    pub fn new(body: Bytes, signature: Option<String>) -> StripeDelivery {
        StripeDelivery { body, signature }
    }

    /// The raw body, exactly as received.
    #[must_use]
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The `Stripe-Signature` header, if the request had one.
    #[must_use]
    pub fn signature(&self) -> Option<&str> {
        self.signature.as_deref()
    }

    /// The body and the header.
    #[must_use]
    pub fn into_parts(self) -> (Bytes, Option<String>) {
        (self.body, self.signature)
    }

    /// Runs this delivery through `dispatcher`; return the [`Outcome`] from your axum handler
    /// (it is a response), or read it first to log or count.
    pub async fn dispatch<H: Handler, D: Mode>(&self, dispatcher: &Dispatcher<H, D>) -> Outcome {
        dispatcher.dispatch(&self.body, self.signature()).await
    }

    /// Verifies the signature and parses the event, without a dispatcher (so without the
    /// duplicate check).
    ///
    /// # Errors
    ///
    /// [`Error::HeaderMissing`] when the request had no header, then anything
    /// [`Webhook::verify_and_parse`] returns.
    pub fn verify_and_parse(&self, webhook: &Webhook) -> Result<Event, Error> {
        let signature = self.signature().ok_or(Error::HeaderMissing)?;
        webhook.verify_and_parse(&self.body, signature)
    }
}

impl fmt::Debug for StripeDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body's length only: it can be large, and it is the customer's data.
        f.debug_struct("StripeDelivery")
            .field("body_len", &self.body.len())
            .field("signature", &self.signature)
            .finish()
    }
}

impl<S: Send + Sync> FromRequest<S> for StripeDelivery {
    type Rejection = DeliveryRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // The header first: a request Stripe cannot have sent is refused before its body is read.
        let signature =
            signature_from_headers(request.headers()).map_err(DeliveryRejection::Rejected)?;
        let signature = signature.map(str::to_owned);
        let body = Bytes::from_request(request, state)
            .await
            .map_err(DeliveryRejection::Body)?;
        Ok(StripeDelivery { body, signature })
    }
}

/// An event whose signature and timestamp held, verified with the [`Webhook`] in the router's
/// state.
///
/// The state provides it as `Arc<Webhook>`: use `Arc<Webhook>` as the state, or implement
/// `FromRef<YourState> for Arc<Webhook>`. A request that fails verification is rejected with
/// the status of its error ([`ErrorKind::status`](crate::ErrorKind::status): 400 for a bad
/// signature, 500 for a missing secret) and the error's text.
///
/// This skips the [`Dispatcher`]'s duplicate check: Stripe may deliver an event more than once,
/// so make the handling idempotent, or use [`StripeDelivery`] with a dispatcher.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use axum::routing::post;
/// use axum::Router;
/// use stripe_webhooks::integrations::axum::VerifiedEvent;
/// use stripe_webhooks::Webhook;
///
/// async fn stripe_webhook(VerifiedEvent(event): VerifiedEvent) -> &'static str {
///     println!("verified {} ({})", event.id(), event.event_type());
///     "ok"
/// }
///
/// let app: Router = Router::new()
///     .route("/webhook", post(stripe_webhook))
///     .with_state(Arc::new(Webhook::new("whsec_test")));
/// # drop(app);
/// ```
#[derive(Debug, Clone)]
pub struct VerifiedEvent(pub Event);

impl<S> FromRequest<S> for VerifiedEvent
where
    S: Send + Sync,
    Arc<Webhook>: FromRef<S>,
{
    type Rejection = DeliveryRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let webhook = Arc::<Webhook>::from_ref(state);
        let delivery = StripeDelivery::from_request(request, state).await?;
        delivery
            .verify_and_parse(&webhook)
            .map(VerifiedEvent)
            .map_err(DeliveryRejection::Rejected)
    }
}

/// Why [`StripeDelivery`] or [`VerifiedEvent`] refused a request; it is a response.
#[derive(Debug)]
#[non_exhaustive]
pub enum DeliveryRejection {
    /// The request is not a valid delivery: a repeated or non-ASCII header, or (for
    /// [`VerifiedEvent`]) a failed verification. Answers [`ErrorKind::status`](crate::ErrorKind::status)
    /// with the same text as [`Outcome::Rejected`].
    Rejected(Error),
    /// The body could not be read: over the body limit (413), or the connection failed.
    Body(BytesRejection),
}

impl DeliveryRejection {
    /// The HTTP status of the response.
    #[must_use]
    pub fn status(&self) -> http::StatusCode {
        match self {
            DeliveryRejection::Rejected(error) => http::StatusCode::from_u16(error.kind().status())
                .unwrap_or(http::StatusCode::BAD_REQUEST),
            DeliveryRejection::Body(rejection) => rejection.status(),
        }
    }
}

impl fmt::Display for DeliveryRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The same words as `Outcome::Rejected`, so logs read alike whichever refused it.
            DeliveryRejection::Rejected(error) => write!(f, "rejected: {error}"),
            DeliveryRejection::Body(rejection) => f.write_str(&rejection.body_text()),
        }
    }
}

impl std::error::Error for DeliveryRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeliveryRejection::Rejected(error) => Some(error),
            DeliveryRejection::Body(rejection) => Some(rejection),
        }
    }
}

impl IntoResponse for DeliveryRejection {
    fn into_response(self) -> Response {
        match self {
            DeliveryRejection::Rejected(error) => Outcome::Rejected(error).into_response(),
            // axum's own answer (status and text), as its `Bytes` extractor would give.
            DeliveryRejection::Body(rejection) => rejection.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::testing::signature_header;
    use http::header::CONTENT_TYPE;
    use http::StatusCode;
    use pollster::block_on;

    const SECRET: &str = "whsec_axum_tests";
    const BODY: &[u8] = br#"{"id":"evt_axum","object":"event","type":"charge.failed","created":1700000000,"data":{"object":{"id":"ch_1","object":"charge"}}}"#;

    fn request(signatures: &[&[u8]], body: &'static [u8]) -> Request {
        let mut builder = http::Request::post("/webhook");
        for value in signatures {
            builder = builder.header("stripe-signature", *value);
        }
        builder.body(Body::from(body)).unwrap()
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    #[test]
    fn delivery_keeps_body_and_header() {
        let header = signature_header(BODY, SECRET, now());
        let delivery = block_on(StripeDelivery::from_request(
            request(&[header.as_bytes()], BODY),
            &(),
        ))
        .unwrap();
        assert_eq!(delivery.body().as_ref(), BODY);
        assert_eq!(delivery.signature(), Some(header.as_str()));
    }

    #[test]
    fn missing_header_is_kept_for_the_dispatcher() {
        let delivery = block_on(StripeDelivery::from_request(request(&[], BODY), &())).unwrap();
        assert_eq!(delivery.signature(), None);
        let err = delivery
            .verify_and_parse(&Webhook::new(SECRET))
            .unwrap_err();
        assert!(matches!(err, Error::HeaderMissing), "{err:?}");
    }

    #[test]
    fn repeated_header_is_rejected_with_400() {
        let rejection = block_on(StripeDelivery::from_request(
            request(&[b"t=1,v1=00", b"t=1,v1=00"], BODY),
            &(),
        ))
        .unwrap_err();
        assert!(
            matches!(
                rejection,
                DeliveryRejection::Rejected(Error::HeaderRepeated { count: 2 })
            ),
            "{rejection:?}"
        );
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
        let response = rejection.into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }

    #[test]
    fn non_utf8_header_is_rejected_with_400() {
        let rejection = block_on(StripeDelivery::from_request(
            request(&[b"t=1,v1=\xc3\x28"], BODY),
            &(),
        ))
        .unwrap_err();
        assert!(
            matches!(
                rejection,
                DeliveryRejection::Rejected(Error::HeaderNotAscii)
            ),
            "{rejection:?}"
        );
        assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn verified_event_takes_the_webhook_from_state() {
        let state = Arc::new(Webhook::new(SECRET));
        let header = signature_header(BODY, SECRET, now());
        let VerifiedEvent(event) = block_on(VerifiedEvent::from_request(
            request(&[header.as_bytes()], BODY),
            &state,
        ))
        .unwrap();
        assert_eq!(event.id(), "evt_axum");

        let forged = signature_header(BODY, "whsec_someone_else", now());
        let rejection = block_on(VerifiedEvent::from_request(
            request(&[forged.as_bytes()], BODY),
            &state,
        ))
        .unwrap_err();
        assert!(
            matches!(
                rejection,
                DeliveryRejection::Rejected(Error::SignatureMismatch { .. })
            ),
            "{rejection:?}"
        );
        assert_eq!(rejection.into_response().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn outcome_is_a_response() {
        let response = Outcome::Rejected(Error::HeaderMissing).into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
    }
}
