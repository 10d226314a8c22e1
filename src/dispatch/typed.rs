//! [`TypedHandler`]: one method per event type whose resource this crate types.

use std::future::Future;

use super::handler::{Handler, HandlerError};
use crate::resources;
use crate::{Event, EventType};

/// Declares `TypedHandler` from `method => EventTypeVariant(Resource)` lines.
macro_rules! typed_handler {
    ($($method:ident => $variant:ident($resource:ident),)+) => {
        /// A handler with one method per event type whose object this crate types, each
        /// receiving the event and its parsed resource. Implement only the methods you need:
        /// each defaults to ignoring its event, and [`other`](TypedHandler::other) receives
        /// every event that has no method here.
        ///
        /// Use it through [`Typed`]: `Dispatcher::new(webhook, Typed(MyHandler))`. If the
        /// resource does not fit its model, the failure is permanent (see
        /// [`HandlerError`]'s `From<Error>`), and the raw event is in the outcome.
        ///
        /// # Examples
        ///
        /// ```
        /// use stripe_webhooks::dispatch::{HandlerError, TypedHandler};
        /// use stripe_webhooks::resources::{Invoice, PaymentIntent};
        /// use stripe_webhooks::Event;
        ///
        /// struct Billing;
        ///
        /// impl TypedHandler for Billing {
        ///     async fn payment_intent_succeeded(&self, _event: &Event, intent: PaymentIntent) -> Result<(), HandlerError> {
        ///         println!("received {}", intent.currency.format_amount(intent.amount_received));
        ///         Ok(())
        ///     }
        ///
        ///     async fn invoice_payment_failed(&self, _event: &Event, invoice: Invoice) -> Result<(), HandlerError> {
        ///         println!("invoice {} failed, attempt {}", invoice.id, invoice.attempt_count);
        ///         Ok(())
        ///     }
        /// }
        /// ```
        pub trait TypedHandler: Send + Sync {
            $(
                #[doc = concat!("`", stringify!($method), "` with its [`", stringify!($resource), "`](resources::", stringify!($resource), "); ignored unless implemented.")]
                fn $method(
                    &self,
                    event: &Event,
                    object: resources::$resource,
                ) -> impl Future<Output = Result<(), HandlerError>> + Send {
                    let _ = (event, object);
                    std::future::ready(Ok(()))
                }
            )+

            /// Every event without a method of its own (other types, and types Stripe adds
            /// later); ignored unless implemented.
            fn other(&self, event: &Event) -> impl Future<Output = Result<(), HandlerError>> + Send {
                let _ = event;
                std::future::ready(Ok(()))
            }
        }

        impl<H: TypedHandler> Handler for Typed<H> {
            async fn handle(&self, event: Event) -> Result<(), HandlerError> {
                match event.event_type() {
                    $(
                        EventType::$variant => {
                            let object = event.object_as::<resources::$resource>()?;
                            self.0.$method(&event, object).await
                        }
                    )+
                    _ => self.0.other(&event).await,
                }
            }
        }
    };
}

/// A [`TypedHandler`] used as a [`Handler`].
#[derive(Debug, Clone, Default)]
pub struct Typed<H>(pub H);

typed_handler! {
    charge_captured => ChargeCaptured(Charge),
    charge_dispute_closed => ChargeDisputeClosed(Dispute),
    charge_dispute_created => ChargeDisputeCreated(Dispute),
    charge_dispute_funds_reinstated => ChargeDisputeFundsReinstated(Dispute),
    charge_dispute_funds_withdrawn => ChargeDisputeFundsWithdrawn(Dispute),
    charge_dispute_updated => ChargeDisputeUpdated(Dispute),
    charge_expired => ChargeExpired(Charge),
    charge_failed => ChargeFailed(Charge),
    charge_pending => ChargePending(Charge),
    charge_refund_updated => ChargeRefundUpdated(Refund),
    charge_refunded => ChargeRefunded(Charge),
    charge_succeeded => ChargeSucceeded(Charge),
    charge_updated => ChargeUpdated(Charge),
    checkout_session_async_payment_failed => CheckoutSessionAsyncPaymentFailed(CheckoutSession),
    checkout_session_async_payment_succeeded => CheckoutSessionAsyncPaymentSucceeded(CheckoutSession),
    checkout_session_completed => CheckoutSessionCompleted(CheckoutSession),
    checkout_session_expired => CheckoutSessionExpired(CheckoutSession),
    customer_created => CustomerCreated(Customer),
    customer_deleted => CustomerDeleted(Customer),
    customer_subscription_created => CustomerSubscriptionCreated(Subscription),
    customer_subscription_deleted => CustomerSubscriptionDeleted(Subscription),
    customer_subscription_paused => CustomerSubscriptionPaused(Subscription),
    customer_subscription_pending_update_applied => CustomerSubscriptionPendingUpdateApplied(Subscription),
    customer_subscription_pending_update_expired => CustomerSubscriptionPendingUpdateExpired(Subscription),
    customer_subscription_resumed => CustomerSubscriptionResumed(Subscription),
    customer_subscription_trial_will_end => CustomerSubscriptionTrialWillEnd(Subscription),
    customer_subscription_updated => CustomerSubscriptionUpdated(Subscription),
    customer_updated => CustomerUpdated(Customer),
    invoice_created => InvoiceCreated(Invoice),
    invoice_deleted => InvoiceDeleted(Invoice),
    invoice_finalization_failed => InvoiceFinalizationFailed(Invoice),
    invoice_finalized => InvoiceFinalized(Invoice),
    invoice_marked_uncollectible => InvoiceMarkedUncollectible(Invoice),
    invoice_overdue => InvoiceOverdue(Invoice),
    invoice_overpaid => InvoiceOverpaid(Invoice),
    invoice_paid => InvoicePaid(Invoice),
    invoice_payment_action_required => InvoicePaymentActionRequired(Invoice),
    invoice_payment_attempt_required => InvoicePaymentAttemptRequired(Invoice),
    invoice_payment_failed => InvoicePaymentFailed(Invoice),
    invoice_payment_succeeded => InvoicePaymentSucceeded(Invoice),
    invoice_sent => InvoiceSent(Invoice),
    invoice_upcoming => InvoiceUpcoming(Invoice),
    invoice_updated => InvoiceUpdated(Invoice),
    invoice_voided => InvoiceVoided(Invoice),
    invoice_will_be_due => InvoiceWillBeDue(Invoice),
    payment_intent_amount_capturable_updated => PaymentIntentAmountCapturableUpdated(PaymentIntent),
    payment_intent_canceled => PaymentIntentCanceled(PaymentIntent),
    payment_intent_created => PaymentIntentCreated(PaymentIntent),
    payment_intent_partially_funded => PaymentIntentPartiallyFunded(PaymentIntent),
    payment_intent_payment_failed => PaymentIntentPaymentFailed(PaymentIntent),
    payment_intent_processing => PaymentIntentProcessing(PaymentIntent),
    payment_intent_requires_action => PaymentIntentRequiresAction(PaymentIntent),
    payment_intent_succeeded => PaymentIntentSucceeded(PaymentIntent),
    payment_method_attached => PaymentMethodAttached(PaymentMethod),
    payment_method_automatically_updated => PaymentMethodAutomaticallyUpdated(PaymentMethod),
    payment_method_detached => PaymentMethodDetached(PaymentMethod),
    payment_method_updated => PaymentMethodUpdated(PaymentMethod),
    payout_canceled => PayoutCanceled(Payout),
    payout_created => PayoutCreated(Payout),
    payout_failed => PayoutFailed(Payout),
    payout_paid => PayoutPaid(Payout),
    payout_reconciliation_completed => PayoutReconciliationCompleted(Payout),
    payout_updated => PayoutUpdated(Payout),
    price_created => PriceCreated(Price),
    price_deleted => PriceDeleted(Price),
    price_updated => PriceUpdated(Price),
    product_created => ProductCreated(Product),
    product_deleted => ProductDeleted(Product),
    product_updated => ProductUpdated(Product),
    refund_created => RefundCreated(Refund),
    refund_failed => RefundFailed(Refund),
    refund_updated => RefundUpdated(Refund),
    setup_intent_canceled => SetupIntentCanceled(SetupIntent),
    setup_intent_created => SetupIntentCreated(SetupIntent),
    setup_intent_requires_action => SetupIntentRequiresAction(SetupIntent),
    setup_intent_setup_failed => SetupIntentSetupFailed(SetupIntent),
    setup_intent_succeeded => SetupIntentSucceeded(SetupIntent),
}
