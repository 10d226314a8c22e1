//! The quickstart's story: a payment that succeeds, one that fails, an invoice that fails, a
//! subscription that changes (delivered twice), a forgery, a replay, and a type from the
//! future. Shared by the quickstart and the console example (`#[path]`).

use serde_json::json;
use stripe_webhooks::testing::EventBuilder;

use super::stripe_sender::Signing;

/// Each delivery: what it shows, its body, how it is signed.
pub(crate) fn deliveries() -> Vec<(&'static str, Vec<u8>, Signing)> {
    let subscription_update = EventBuilder::new("customer.subscription.updated")
        .previous_attributes(json!({ "status": "trialing" }))
        .build();
    vec![
        (
            "a payment succeeds",
            EventBuilder::new("payment_intent.succeeded").build(),
            Signing::Genuine,
        ),
        (
            "a payment fails",
            EventBuilder::new("payment_intent.payment_failed").build(),
            Signing::Genuine,
        ),
        (
            "an invoice payment fails",
            EventBuilder::new("invoice.payment_failed").build(),
            Signing::Genuine,
        ),
        (
            "a subscription changes",
            subscription_update.clone(),
            Signing::Genuine,
        ),
        (
            "the same event again",
            subscription_update,
            Signing::Genuine,
        ),
        (
            "a forged signature",
            EventBuilder::new("charge.refunded").build(),
            Signing::Forged,
        ),
        (
            "a stale timestamp (a replay)",
            EventBuilder::new("charge.refunded").build(),
            Signing::Stale(3600),
        ),
        (
            "an event type from the future",
            EventBuilder::new("teleport.completed").build(),
            Signing::Genuine,
        ),
    ]
}
