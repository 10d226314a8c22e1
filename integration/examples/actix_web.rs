//! A Stripe webhook endpoint in actix-web: `POST /webhook`, answered by a
//! [`Dispatcher`](stripe_webhooks::dispatch::Dispatcher).
//!
//! Run with
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run -p stripe-webhooks-integration --example actix_web --features http -- --addr 127.0.0.1:4242
//! ```
//!
//! then forward events to it with `stripe listen --forward-to localhost:4242/webhook` (the
//! Stripe CLI prints the `whsec_...` secret to use).

#[path = "../../examples/common/config.rs"]
mod config;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use stripe_webhooks::dispatch::{Dispatcher, Handler, Outcome};
use stripe_webhooks::integrations::http::signature_from_values;
use stripe_webhooks::Webhook;

/// The service's routes: `POST /webhook`, with actix's body limit set to the dispatcher's.
///
/// Use it as `App::new().configure(routes(dispatcher.clone()))`.
pub fn routes<H: Handler + 'static>(
    dispatcher: web::Data<Dispatcher<H>>,
) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let limit = dispatcher.get_max_body_size();
        config.service(
            web::resource("/webhook")
                // `web::Bytes` reads the raw body; actix refuses a larger one with 413 (from its
                // Content-Length, or as soon as the limit is crossed) before the handler runs.
                .app_data(web::PayloadConfig::new(limit))
                .app_data(dispatcher)
                .route(web::post().to(webhook::<H>)),
        );
    }
}

/// The whole server on `listener`; await the returned [`Server`] to run it.
///
/// # Errors
///
/// When actix cannot take over the listener.
pub fn server<H: Handler + 'static>(
    listener: TcpListener,
    dispatcher: web::Data<Dispatcher<H>>,
) -> std::io::Result<Server> {
    Ok(
        HttpServer::new(move || App::new().configure(routes(dispatcher.clone())))
            .listen(listener)?
            .run(),
    )
}

// The body is taken as raw bytes (`web::Bytes`), never through `web::Json`: JSON parsed and
// serialized again is no longer the bytes Stripe signed, so the signature would not match.
async fn webhook<H: Handler>(
    request: HttpRequest,
    body: web::Bytes,
    dispatcher: web::Data<Dispatcher<H>>,
) -> HttpResponse {
    // actix has its own header map: hand the raw values over; a repeated or garbled
    // Stripe-Signature header is refused (400) rather than one of them picked.
    let values = request.headers().get_all("stripe-signature");
    let outcome = match signature_from_values(values.map(|value| value.as_bytes())) {
        Ok(signature) => dispatcher.dispatch(&body, signature).await,
        Err(error) => Outcome::Rejected(error),
    };
    HttpResponse::build(
        StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    )
    .content_type("text/plain; charset=utf-8")
    .body(outcome.to_string())
}

#[allow(dead_code)] // the entry point of the example, not of the tests that include this file
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let (secret, addr) = config::config_or_exit();
    let dispatcher = web::Data::new(Dispatcher::new(Webhook::new(secret), config::print_event));
    let listener = TcpListener::bind(&addr)?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    server(listener, dispatcher)?.await
}
