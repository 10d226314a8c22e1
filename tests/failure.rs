//! Failed-payment summaries from realistic events of all three kinds, and the fan-out handler.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pollster::block_on;
use stripe_webhooks::dispatch::{Dispatcher, Disposition, Outcome, OutcomeKind};
use stripe_webhooks::failure::{
    FailureAlerts, FailureSource, Notifier, NotifyError, PaymentFailure,
};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, EventType, Webhook};
use time::macros::datetime;

fn event(name: &str) -> Event {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events")
        .join(name);
    Event::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn from_payment_intent_payment_failed() {
    let failure = PaymentFailure::from_event(&event("payment_intent.payment_failed.json"))
        .unwrap()
        .unwrap();
    assert_eq!(failure.source, FailureSource::PaymentIntent);
    assert_eq!(failure.object_id, "pi_3QxFailedPaymentIntent01");
    assert_eq!((failure.amount, failure.currency.as_str()), (4900, "eur"));
    assert_eq!(
        failure.customer_id.as_deref(),
        Some("cus_RfAiledCustomer01")
    );
    assert_eq!(
        failure.customer_email.as_deref(),
        Some("jenny.rosen@example.com")
    );
    assert_eq!(failure.failure_code.as_deref(), Some("card_declined"));
    assert_eq!(failure.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(failure.advice_code.as_deref(), Some("try_again_later"));
    assert_eq!(
        failure.message.as_deref(),
        Some("Your card has insufficient funds.")
    );
    assert!(!failure.livemode);
    assert_eq!(
        failure.to_string(),
        "[test mode] Payment of 49.00 EUR failed for jenny.rosen@example.com (cus_RfAiledCustomer01): \
         card_declined, insufficient_funds: Your card has insufficient funds. \
         [payment_intent pi_3QxFailedPaymentIntent01, event evt_3QxFailedPaymentIntent01]"
    );
}

#[test]
fn from_invoice_payment_failed_of_basil_without_charge() {
    let failure = PaymentFailure::from_event(&event("invoice.payment_failed.basil.json"))
        .unwrap()
        .unwrap();
    assert_eq!(failure.source, FailureSource::Invoice);
    assert_eq!((failure.amount, failure.currency.as_str()), (2900, "usd"));
    assert_eq!(failure.attempt_count, Some(2));
    assert_eq!(failure.next_retry, Some(datetime!(2025-11-26 00:01:40 UTC)));
    assert_eq!(
        failure.customer_email.as_deref(),
        Some("billing@acme.example")
    );
    assert_eq!(
        failure.subscription_id.as_deref(),
        Some("sub_1QxSubscription01")
    );
    assert_eq!(failure.invoice_number.as_deref(), Some("ACME-0042"));
    assert_eq!(
        failure.failure_code, None,
        "a basil invoice carries no charge"
    );
    assert!(failure
        .hosted_invoice_url
        .as_deref()
        .unwrap()
        .starts_with("https://invoice.stripe.com/"));
    let summary = failure.to_string();
    assert!(summary.starts_with("[test mode] Invoice ACME-0042 payment of 29.00 USD failed for billing@acme.example (cus_RInvoiceCustomer01); attempt 2; next retry 2025-11-26 00:01 UTC; pay at https://invoice.stripe.com/"), "{summary}");
}

#[test]
fn from_invoice_payment_failed_before_basil_with_charge() {
    let Some(fixtures) = support::shared_fixtures() else {
        return;
    };
    let bytes = std::fs::read(fixtures.join("events/stripe-ruby-mock/invoice.payment_failed.json"))
        .unwrap();
    let event = Event::from_slice(&bytes).unwrap();
    assert_eq!(event.api_version(), Some("2020-08-27"));
    let failure = PaymentFailure::from_event(&event).unwrap().unwrap();
    assert_eq!(failure.amount, 2000);
    assert_eq!(failure.attempt_count, Some(1));
    assert_eq!(
        failure.payment_intent_id.as_deref(),
        Some("pi_000000000000000000000000")
    );
    assert_eq!(failure.next_retry, None);
    assert!(failure.to_string().contains("; no automatic retry"));
}

#[test]
fn from_charge_failed() {
    let failure = PaymentFailure::from_event(&event("charge.failed.json"))
        .unwrap()
        .unwrap();
    assert_eq!(failure.source, FailureSource::Charge);
    assert_eq!((failure.amount, failure.currency.as_str()), (1500, "usd"));
    assert_eq!(failure.customer_email.as_deref(), Some("pat@example.com"));
    assert_eq!(failure.customer_name.as_deref(), Some("Pat Lee"));
    assert_eq!(failure.failure_code.as_deref(), Some("card_declined"));
    assert_eq!(failure.decline_code.as_deref(), Some("generic_decline"));
    assert_eq!(failure.advice_code.as_deref(), Some("do_not_try_again"));
    assert_eq!(
        failure.payment_intent_id.as_deref(),
        Some("pi_3QxChargeFailedPI01")
    );
    assert!(failure.to_string().contains("Your card was declined."));
}

#[test]
fn other_events_are_not_failures() {
    let event = event("customer.subscription.updated.connect.json");
    assert!(PaymentFailure::from_event(&event).unwrap().is_none());
}

/// Records what it was told; fails the first `fail_first` times.
struct Recipient {
    name: &'static str,
    fail_first: usize,
    calls: Arc<AtomicUsize>,
    told: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Notifier for Recipient {
    fn name(&self) -> &str {
        self.name
    }

    async fn notify(&self, failure: &PaymentFailure) -> Result<(), NotifyError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if call < self.fail_first {
            return Err(NotifyError::new("smtp timeout"));
        }
        self.told
            .lock()
            .unwrap()
            .push(format!("{}: {}", self.name, failure.event_id));
        Ok(())
    }
}

#[test]
fn fan_out_reports_failures_and_retries_only_those() {
    let told = Arc::new(std::sync::Mutex::new(Vec::new()));
    let alice_calls = Arc::new(AtomicUsize::new(0));
    let channel_calls = Arc::new(AtomicUsize::new(0));
    let alerts = FailureAlerts::new()
        .notifier(Recipient {
            name: "alice",
            fail_first: 0,
            calls: alice_calls.clone(),
            told: told.clone(),
        })
        .notifier(Recipient {
            name: "#billing",
            fail_first: 1,
            calls: channel_calls.clone(),
            told: told.clone(),
        });
    let secret = "whsec_alerts";
    let dispatcher = Dispatcher::new(Webhook::new(secret), alerts)
        .enabled_events(FailureAlerts::EVENT_TYPES.iter().map(EventType::as_str));

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events/charge.failed.json");
    let body = std::fs::read(path).unwrap();
    let deliver = |t: i64| {
        let now = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
        block_on(dispatcher.dispatch_at(&body, Some(&signature_header(&body, secret, t)), now))
    };

    let first = deliver(1_763_856_300);
    match &first {
        Outcome::Delivered {
            disposition: Disposition::Failed(error),
            ..
        } => {
            assert!(error.is_transient());
            assert!(
                error.message().contains("#billing (smtp timeout)"),
                "{error}"
            );
            assert!(!error.message().contains("alice"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(first.status(), 500);

    let retry = deliver(1_763_856_400);
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    // Alice was told once, the channel once (on the retry): nobody twice.
    assert_eq!(alice_calls.load(Ordering::SeqCst), 1);
    assert_eq!(channel_calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        *told.lock().unwrap(),
        [
            "alice: evt_3QxChargeFailed000001",
            "#billing: evt_3QxChargeFailed000001"
        ]
    );
    assert_eq!(deliver(1_763_856_500).kind(), OutcomeKind::Duplicate);
}

#[test]
fn direct_notify_report() {
    let told = Arc::new(std::sync::Mutex::new(Vec::new()));
    let alerts = FailureAlerts::new()
        .notifier(Recipient {
            name: "ok",
            fail_first: 0,
            calls: Arc::default(),
            told: told.clone(),
        })
        .notifier(Recipient {
            name: "down",
            fail_first: usize::MAX,
            calls: Arc::default(),
            told,
        });
    let failure = PaymentFailure::from_event(&event("payment_intent.payment_failed.json"))
        .unwrap()
        .unwrap();
    let report = block_on(alerts.notify(&failure));
    assert_eq!(report.delivered, ["ok"]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "down");
    assert!(!report.is_complete());
    let again = block_on(alerts.notify(&failure));
    assert_eq!(again.already_delivered, ["ok"]);
    assert_eq!(again.failed.len(), 1);
}
