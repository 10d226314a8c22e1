//! `TypedHandler`: each typed event reaches its method with its resource parsed; every other
//! event reaches `other`; a resource that does not fit is a permanent failure.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::sync::{Arc, Mutex};

use pollster::block_on;
use stripe_webhooks::dispatch::{
    Dispatcher, Disposition, HandlerError, Outcome, OutcomeKind, Typed, TypedHandler,
};
use stripe_webhooks::resources::{Invoice, PaymentIntent, PaymentIntentStatus, Subscription};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, Webhook};

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl TypedHandler for Log {
    async fn payment_intent_payment_failed(
        &self,
        event: &Event,
        intent: PaymentIntent,
    ) -> Result<(), HandlerError> {
        assert_eq!(intent.status, PaymentIntentStatus::RequiresPaymentMethod);
        self.0
            .lock()
            .unwrap()
            .push(format!("intent failed {} {}", event.id(), intent.amount));
        Ok(())
    }

    async fn invoice_payment_failed(
        &self,
        _event: &Event,
        invoice: Invoice,
    ) -> Result<(), HandlerError> {
        self.0.lock().unwrap().push(format!(
            "invoice failed {} attempt {}",
            invoice.id, invoice.attempt_count
        ));
        Ok(())
    }

    async fn customer_subscription_updated(
        &self,
        event: &Event,
        subscription: Subscription,
    ) -> Result<(), HandlerError> {
        assert_eq!(event.account(), Some("acct_1QxConnected0001"));
        self.0.lock().unwrap().push(format!(
            "subscription {} items {}",
            subscription.id,
            subscription.items.data.len()
        ));
        Ok(())
    }

    async fn other(&self, event: &Event) -> Result<(), HandlerError> {
        self.0
            .lock()
            .unwrap()
            .push(format!("other {}", event.event_type()));
        Ok(())
    }
}

const SECRET: &str = "whsec_typed";

fn deliver(dispatcher: &Dispatcher<Typed<Log>>, body: &[u8]) -> Outcome {
    let t = 1_763_856_000;
    let now = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
    block_on(dispatcher.dispatch_at(body, Some(&signature_header(body, SECRET, t)), now))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(name),
    )
    .unwrap()
}

#[test]
fn typed_methods_receive_their_resources() {
    let log = Log::default();
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), Typed(log.clone()));
    for name in [
        "payment_intent.payment_failed.json",
        "invoice.payment_failed.basil.json",
        "customer.subscription.updated.connect.json",
        "charge.failed.json",
    ] {
        assert_eq!(
            deliver(&dispatcher, &fixture(name)).kind(),
            OutcomeKind::Handled,
            "{name}"
        );
    }
    let future = br#"{"id":"evt_new","object":"event","type":"quantum.entangled","created":1763856000,"data":{"object":{"id":"q_1","object":"qubit"}}}"#;
    assert_eq!(deliver(&dispatcher, future).kind(), OutcomeKind::Handled);
    assert_eq!(
        *log.0.lock().unwrap(),
        [
            "intent failed evt_3QxFailedPaymentIntent01 4900",
            "invoice failed in_1QxInvoiceFailed0001 attempt 2",
            "subscription sub_1QxSubscription02 items 1",
            // charge.failed has a typed method, not implemented here: ignored by default.
            "other quantum.entangled",
        ]
    );
}

#[test]
fn a_resource_that_does_not_fit_is_a_permanent_failure() {
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), Typed(Log::default()));
    let bad = br#"{"id":"evt_bad","object":"event","type":"invoice.payment_failed","created":1763856000,"data":{"object":{"id":"in_1","object":"invoice","attempt_count":"two"}}}"#;
    match deliver(&dispatcher, bad) {
        outcome @ Outcome::Delivered {
            disposition: Disposition::Failed(_),
            ..
        } => {
            assert_eq!(outcome.status(), 200, "a retry cannot fix it");
            let Outcome::Delivered {
                disposition: Disposition::Failed(error),
                ..
            } = outcome
            else {
                unreachable!()
            };
            assert!(!error.is_transient());
            assert!(
                error.message().contains("data.object.attempt_count"),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
}
