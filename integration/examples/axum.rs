//! A Stripe webhook endpoint in axum: `POST /webhook`, answered by a
//! [`Dispatcher`](stripe_webhooks::dispatch::Dispatcher).
//!
//! Run with
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run -p stripe-webhooks-integration --example axum --features axum -- --addr 127.0.0.1:4242
//! ```
//!
//! then forward events to it with `stripe listen --forward-to localhost:4242/webhook` (the
//! Stripe CLI prints the `whsec_...` secret to use).

#[path = "../../examples/common/config.rs"]
pub(crate) mod config;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::Router;
use stripe_webhooks::dispatch::{Dispatcher, Handler, Mode, Outcome};
use stripe_webhooks::integrations::axum::StripeDelivery;
use stripe_webhooks::Webhook;

/// The service: one route, `POST /webhook`, with axum's body limit set to the dispatcher's.
///
/// The body is read as raw bytes by [`StripeDelivery`], never through axum's `Json` extractor:
/// JSON parsed and serialized again is no longer the bytes Stripe signed, so the signature
/// would not match. An oversize body is refused by axum (413) before it is read into memory; a
/// repeated `Stripe-Signature` header is refused with 400.
///
/// The same router serves either mode: inline (`Dispatcher<H>`) or ack-first through an inbox
/// (`Dispatcher<H, Inbox>`, see the `inbox` example, which includes this file).
pub fn app<H: Handler + 'static, D: Mode + 'static>(dispatcher: Arc<Dispatcher<H, D>>) -> Router {
    let limit = dispatcher.get_max_body_size();
    Router::new()
        .route("/webhook", post(webhook::<H, D>))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(dispatcher)
}

async fn webhook<H: Handler, D: Mode>(
    State(dispatcher): State<Arc<Dispatcher<H, D>>>,
    delivery: StripeDelivery,
) -> Outcome {
    delivery.dispatch(&dispatcher).await
}

#[allow(dead_code)] // the entry point of the example, not of the tests that include this file
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (secret, addr) = config::config_or_exit();
    let dispatcher = Arc::new(Dispatcher::new(Webhook::new(secret), config::print_event));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    axum::serve(listener, app(dispatcher)).await?;
    Ok(())
}
