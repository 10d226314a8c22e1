//! A Stripe webhook endpoint on bare hyper 1: `POST /webhook`, answered by a
//! [`Dispatcher`](stripe_webhooks::dispatch::Dispatcher).
//!
//! Run with
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run -p stripe-webhooks-integration --example hyper --features http -- --addr 127.0.0.1:4242
//! ```
//!
//! then forward events to it with `stripe listen --forward-to localhost:4242/webhook` (the
//! Stripe CLI prints the `whsec_...` secret to use).

#[path = "../../examples/common/config.rs"]
mod config;

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use stripe_webhooks::dispatch::{Dispatcher, Handler};
use stripe_webhooks::Webhook;
use tokio::net::TcpListener;

/// Serves every connection `listener` accepts, each on its own task, until accepting fails.
///
/// # Errors
///
/// When the listener can no longer accept connections.
pub async fn serve<H: Handler + 'static>(
    listener: TcpListener,
    dispatcher: Arc<Dispatcher<H>>,
) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let dispatcher = Arc::clone(&dispatcher);
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(Arc::clone(&dispatcher), request));
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection failed: {error}");
            }
        });
    }
}

/// Answers one request: `POST /webhook` goes to the dispatcher, anything else is 404 or 405.
///
/// The body is collected as raw bytes through `Limited` (never parsed as JSON here: JSON parsed
/// and serialized again is no longer the bytes Stripe signed, so the signature would not
/// match), so a body over the dispatcher's limit is refused with 413 as soon as it crosses it,
/// never held whole in memory.
///
/// # Errors
///
/// None: every failure is an HTTP answer.
pub async fn respond<H: Handler>(
    dispatcher: Arc<Dispatcher<H>>,
    request: Request<Incoming>,
) -> Result<Response<String>, Infallible> {
    if request.uri().path() != "/webhook" {
        return Ok(text(StatusCode::NOT_FOUND, "not found".to_owned()));
    }
    if request.method() != Method::POST {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "use POST".to_owned());
        response
            .headers_mut()
            .insert(ALLOW, hyper::header::HeaderValue::from_static("POST"));
        return Ok(response);
    }

    let limit = dispatcher.get_max_body_size();
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<LengthLimitError>() => {
            let message = format!("the body is over the limit of {limit} bytes");
            return Ok(text(StatusCode::PAYLOAD_TOO_LARGE, message));
        }
        Err(error) => {
            let message = format!("could not read the body: {error}");
            return Ok(text(StatusCode::BAD_REQUEST, message));
        }
    };

    // Reads the Stripe-Signature header (a repeated one is refused with 400), dispatches, and
    // answers with the outcome's status and short text.
    let outcome = dispatcher
        .dispatch_request(Request::from_parts(parts, body))
        .await;
    Ok(outcome.to_response())
}

fn text(status: StatusCode, body: String) -> Response<String> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[allow(dead_code)] // the entry point of the example, not of the tests that include this file
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (secret, addr) = config::config_or_exit();
    let dispatcher = Arc::new(Dispatcher::new(Webhook::new(secret), config::print_event));
    let listener = TcpListener::bind(&addr).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    serve(listener, dispatcher).await
}
