//! The quickstart: a real endpoint on 127.0.0.1 receiving events signed as Stripe signs them.
//!
//! ```sh
//! cargo run --example quickstart               # tells a short story over real HTTP, then exits
//! cargo run --example quickstart -- --serve    # keeps the endpoint up (127.0.0.1:4242) for curl
//! cargo run --example quickstart -- --serve 127.0.0.1:9000
//! ```
//!
//! The endpoint is `examples/common/std_server.rs` (the standard library alone); the client is
//! `examples/common/stripe_sender.rs`, which delivers as Stripe does.

#[path = "common/std_server.rs"]
mod std_server;
#[path = "common/story.rs"]
mod story;
#[path = "common/stripe_sender.rs"]
mod stripe_sender;

use std::sync::Arc;

use stripe_sender::{Sender, Signing};
use stripe_webhooks::dispatch::OutcomeKind;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, Typed, TypedHandler};
use stripe_webhooks::failure::PaymentFailure;
use stripe_webhooks::resources::{PaymentIntent, Subscription};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};

/// What a real service would do: grant access, alert the team, keep the books.
struct Shop;

impl TypedHandler for Shop {
    async fn payment_intent_succeeded(
        &self,
        _event: &Event,
        intent: PaymentIntent,
    ) -> Result<(), HandlerError> {
        println!(
            "    handler: payment {} of {} succeeded: ship the order",
            intent.id,
            intent.currency.format_amount(intent.amount_received)
        );
        Ok(())
    }

    async fn payment_intent_payment_failed(
        &self,
        event: &Event,
        _intent: PaymentIntent,
    ) -> Result<(), HandlerError> {
        alert(event)
    }

    async fn invoice_payment_failed(
        &self,
        event: &Event,
        _invoice: stripe_webhooks::resources::Invoice,
    ) -> Result<(), HandlerError> {
        alert(event)
    }

    async fn customer_subscription_updated(
        &self,
        event: &Event,
        subscription: Subscription,
    ) -> Result<(), HandlerError> {
        let previous: Option<serde_json::Value> = event.previous_attributes_as()?;
        let was = previous
            .as_ref()
            .and_then(|p| p["status"].as_str())
            .unwrap_or("unchanged");
        println!(
            "    handler: subscription {} is now {} (was {was})",
            subscription.id, subscription.status
        );
        Ok(())
    }

    async fn other(&self, event: &Event) -> Result<(), HandlerError> {
        println!(
            "    handler: {} has no typed method here; acknowledged",
            event.event_type()
        );
        Ok(())
    }
}

fn alert(event: &Event) -> Result<(), HandlerError> {
    if let Some(failure) = PaymentFailure::from_event(event)? {
        println!("    handler: ALERT {failure}");
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let serve = match args.next().as_deref() {
        Some("--serve") => Some(args.next().unwrap_or_else(|| "127.0.0.1:4242".to_owned())),
        Some(other) => return Err(format!("unknown argument {other:?}; use --serve [ADDR]").into()),
        None => None,
    };
    let secret = std::env::var("STRIPE_WEBHOOK_SECRET")
        .unwrap_or_else(|_| "whsec_quickstart_0123456789abcdef".to_owned());
    let dispatcher = Arc::new(Dispatcher::new(Webhook::new(secret.as_str()), Typed(Shop)));

    match serve {
        Some(addr) => serve_forever(&addr, &secret, dispatcher),
        None => story(&secret, dispatcher),
    }
}

fn story(
    secret: &str,
    dispatcher: Arc<Dispatcher<Typed<Shop>>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let addr = std_server::spawn("127.0.0.1:0", dispatcher.clone())?;
    let url = format!("http://{addr}/webhook");
    println!("endpoint listening on {url}\n");
    let sender = Sender::new(&url, secret);

    let deliveries = story::deliveries();

    let mut unexpected = Vec::new();
    for (what, body, signing) in deliveries {
        let event_type = serde_json::from_slice::<serde_json::Value>(&body)?["type"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        println!("{what}: {event_type}");
        let answer = sender.deliver(&body, signing)?;
        println!(
            "  -> {} | HTTP {}\n",
            shorten(&answer.body, 96),
            answer.status
        );
        let expected = if matches!(signing, Signing::Genuine) {
            200
        } else {
            400
        };
        if answer.status != expected {
            unexpected.push(format!("{what}: HTTP {} ({})", answer.status, answer.body));
        }
    }
    let metrics = dispatcher.metrics();
    println!(
        "received {}, handled {}, duplicates {}, rejected {}",
        metrics.received,
        metrics.count(OutcomeKind::Handled),
        metrics.count(OutcomeKind::Duplicate),
        metrics.rejected_total()
    );
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(format!("unexpected answers:\n{}", unexpected.join("\n")).into())
    }
}

fn serve_forever(
    addr: &str,
    secret: &str,
    dispatcher: Arc<Dispatcher<Typed<Shop>>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let listener = std::net::TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let body = EventBuilder::new("payment_intent.payment_failed").build();
    let sample = std::env::temp_dir().join("stripe-webhooks-sample-event.json");
    std::fs::write(&sample, &body)?;
    let header = signature_header(
        &body,
        secret,
        time::OffsetDateTime::now_utc().unix_timestamp(),
    );
    println!("endpoint listening on http://{local}/webhook");
    println!("signing secret: {secret}  (set STRIPE_WEBHOOK_SECRET to use your own)\n");
    println!("try it within five minutes (the signature's tolerance):");
    println!(
        "  curl -i http://{local}/webhook -H 'Content-Type: application/json; charset=utf-8' \\\n    -H 'Stripe-Signature: {header}' --data-binary @{}",
        sample.display()
    );
    println!("\nor send any event type, signed afresh:");
    println!("  cargo run --example send_test_event -- --url http://{local}/webhook --secret {secret} --type invoice.payment_failed");
    println!("or forward real test events with the Stripe CLI (use the secret it prints):");
    println!("  stripe listen --forward-to http://{local}/webhook\n");
    std_server::serve(listener, dispatcher);
    Ok(())
}

/// The first `max` characters of `text`, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
