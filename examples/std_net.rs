//! A Stripe webhook endpoint with the standard library alone (no async runtime, no framework).
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run --example std_net -- [--addr 127.0.0.1:4242]
//! ```
//!
//! The server (`examples/common/std_server.rs`) reads the raw body bytes, never a parsed and
//! re-serialized JSON (that would no longer match the signature), refuses bodies over the
//! dispatcher's limit before reading them, passes the `Stripe-Signature` header (a repeated
//! header is refused) and answers with the Outcome's status.

#[path = "common/config.rs"]
mod config;
#[path = "common/std_server.rs"]
mod std_server;

use std::sync::Arc;

use stripe_webhooks::dispatch::{sync_handler, Dispatcher};
use stripe_webhooks::{Event, Webhook};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (secret, addr) = config::config_or_exit();
    let handler = sync_handler(|event: Event| {
        println!("{} {}", event.id(), event.event_type());
        Ok(())
    });
    // 256 KiB is plenty for Stripe's events; the dispatcher refuses larger bodies with 413.
    let dispatcher =
        Arc::new(Dispatcher::new(Webhook::new(secret), handler).max_body_size(256 * 1024));
    let listener = std::net::TcpListener::bind(&addr)?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    std_server::serve(listener, dispatcher);
    Ok(())
}
