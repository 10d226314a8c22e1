//! Signs a sample event as Stripe does, verifies it and prints what it holds.
//!
//! Run with `cargo run --example quickstart`.

use stripe_webhooks::{testing, EventObject, Webhook};

fn main() -> Result<(), stripe_webhooks::Error> {
    let secret = "whsec_quickstart_secret";
    let body = br#"{"id":"evt_quickstart","object":"event","type":"payment_intent.payment_failed","api_version":"2026-10-28.endive","created":1700000000,"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"data":{"object":{"id":"pi_quickstart","object":"payment_intent","amount":2000,"currency":"usd","status":"requires_payment_method","last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}}}"#;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = testing::signature_header(body, secret, now);

    let webhook = Webhook::new(secret);
    let event = webhook.verify_and_parse(body, &header)?;
    println!("verified {} ({})", event.id(), event.event_type());
    if let EventObject::PaymentIntent(intent) = event.object()? {
        let error = intent.last_payment_error.unwrap_or_default();
        println!(
            "payment {} of {} failed: {}",
            intent.id,
            intent.currency.format_amount(intent.amount),
            error.message.unwrap_or_default()
        );
    }

    if let Err(error) = webhook.verify(b"{\"tampered\":true}", &header) {
        println!("a tampered body: {error}");
    }
    Ok(())
}
