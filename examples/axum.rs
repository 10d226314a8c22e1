//! A Stripe webhook endpoint in axum: `POST /webhook`, answered by a
//! [`Dispatcher`](stripe_webhooks::dispatch::Dispatcher).
//!
//! Run with
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run --example axum --features axum -- --addr 127.0.0.1:4242
//! ```
//!
//! then forward events to it with `stripe listen --forward-to localhost:4242/webhook` (the
//! Stripe CLI prints the `whsec_...` secret to use).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::routing::post;
use axum::Router;
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError, Outcome};
use stripe_webhooks::integrations::axum::StripeDelivery;
use stripe_webhooks::{Event, Webhook};

/// The service: one route, `POST /webhook`, with axum's body limit set to the dispatcher's.
///
/// The body is read as raw bytes by [`StripeDelivery`], never through axum's `Json` extractor:
/// JSON parsed and serialized again is no longer the bytes Stripe signed, so the signature
/// would not match. An oversize body is refused by axum (413) before it is read into memory; a
/// repeated `Stripe-Signature` header is refused with 400.
pub fn app<H: Handler + 'static>(dispatcher: Arc<Dispatcher<H>>) -> Router {
    let limit = dispatcher.body_limit();
    Router::new()
        .route("/webhook", post(webhook::<H>))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(dispatcher)
}

async fn webhook<H: Handler>(
    State(dispatcher): State<Arc<Dispatcher<H>>>,
    delivery: StripeDelivery,
) -> Outcome {
    delivery.dispatch(&dispatcher).await
}

/// What this service does with each event: print it. Yours writes to a database or a queue.
#[allow(dead_code)] // used by `main` only, not by the end-to-end tests that include this file
async fn handle(event: Event) -> Result<(), HandlerError> {
    println!("{} {}", event.id(), event.event_type());
    Ok(())
}

/// The signing secret from `STRIPE_WEBHOOK_SECRET` and the address from `--addr`.
#[allow(dead_code)] // used by `main` only
fn config() -> Result<(String, String), String> {
    let secret = std::env::var("STRIPE_WEBHOOK_SECRET").map_err(|_| {
        "set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_...): the Stripe \
         Dashboard shows it under Developers > Webhooks, `stripe listen` prints it"
            .to_owned()
    })?;
    let mut addr = "127.0.0.1:4242".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                addr = args
                    .next()
                    .ok_or("--addr needs a value, e.g. 127.0.0.1:4242")?
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: [--addr HOST:PORT]"
                ))
            }
        }
    }
    Ok((secret, addr))
}

#[allow(dead_code)] // the entry point of the example, not of the tests that include this file
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (secret, addr) = config().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2)
    });
    let dispatcher = Arc::new(Dispatcher::new(Webhook::new(secret), handle));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    axum::serve(listener, app(dispatcher)).await?;
    Ok(())
}
