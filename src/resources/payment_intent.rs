//! [`PaymentIntent`]: one payment from creation through every attempt to its end.

use serde::{Deserialize, Serialize};

use super::common::{
    Currency, Expandable, HasId, List, Metadata, PaymentError, Shipping, Timestamp,
};
use super::generated::members::*;
use super::{Charge, Customer, PaymentMethod};
use crate::open_enum::open_enum;

/// A PaymentIntent (`"object": "payment_intent"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). `charges` is the pre-2022-11-15 list of attempts, later replaced by
/// `latest_charge`; `invoice` was removed in 2025-03-31.basil. Option bags that vary by payment
/// method (`next_action`, `payment_method_options`, `amount_details`, `processing`, …) are
/// typed from Stripe's API description ([`PaymentIntentNextAction`] and the rest).
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{PaymentIntent, PaymentIntentStatus};
///
/// let intent: PaymentIntent = serde_json::from_str(r#"{
///   "id": "pi_1", "object": "payment_intent", "amount": 2000, "currency": "usd",
///   "status": "requires_payment_method",
///   "last_payment_error": {"type": "card_error", "code": "card_declined",
///                          "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}
/// }"#).unwrap();
/// assert_eq!(intent.status, PaymentIntentStatus::RequiresPaymentMethod);
/// let error = intent.last_payment_error.unwrap();
/// assert_eq!(error.decline_code.as_deref(), Some("insufficient_funds"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentIntent {
    /// Unique identifier (`pi_…`).
    pub id: String,
    /// Amount intended to be collected, in the currency's minor unit.
    pub amount: i64,
    /// Amount that can be captured.
    pub amount_capturable: i64,
    /// Breakdown of the amount (tips, line items, shipping, tax).
    pub amount_details: Option<PaymentIntentAmountDetails>,
    /// Amount received.
    pub amount_received: i64,
    /// The Connect application that created it.
    pub application: Option<Expandable>,
    /// The application fee requested, for Connect.
    pub application_fee_amount: Option<i64>,
    /// Automatic payment method settings.
    pub automatic_payment_methods: Option<PaymentIntentAutomaticPaymentMethods>,
    /// When it was canceled.
    pub canceled_at: Option<Timestamp>,
    /// Why it was canceled.
    pub cancellation_reason: Option<CancellationReason>,
    /// `automatic`, `automatic_async` or `manual` capture.
    pub capture_method: Option<CaptureMethod>,
    /// Charges made (API versions before 2022-11-15).
    pub charges: Option<List<Charge>>,
    /// The client secret, for client-side confirmation. Treat it as sensitive.
    pub client_secret: Option<String>,
    /// `automatic` or `manual` confirmation.
    pub confirmation_method: Option<String>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// The customer, if any.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2), if any.
    pub customer_account: Option<String>,
    /// Arbitrary description.
    pub description: Option<String>,
    /// Payment method types excluded from automatic payment methods.
    pub excluded_payment_method_types: Option<Vec<String>>,
    /// Hooks that run while the payment is processed (tax calculation inputs).
    pub hooks: Option<PaymentIntentHooks>,
    /// The invoice that created it (API versions before 2025-03-31.basil).
    pub invoice: Option<Expandable>,
    /// The error of the last failed attempt, cleared on success.
    pub last_payment_error: Option<PaymentError>,
    /// The latest charge (API versions from 2022-11-15).
    pub latest_charge: Option<Expandable<Charge>>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Settings for Managed Payments, when Stripe acts as merchant of record.
    pub managed_payments: Option<PaymentIntentManagedPayments>,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// What the customer must do next (e.g. 3-D Secure), when status is `requires_action`.
    pub next_action: Option<PaymentIntentNextAction>,
    /// The account the funds are for, for Connect.
    pub on_behalf_of: Option<Expandable>,
    /// Payment details (customer reference, order reference).
    pub payment_details: Option<PaymentIntentPaymentDetails>,
    /// The payment method attached.
    pub payment_method: Option<Expandable<PaymentMethod>>,
    /// The payment method configuration used.
    pub payment_method_configuration_details:
        Option<PaymentIntentPaymentMethodConfigurationDetails>,
    /// Per-method options.
    pub payment_method_options: Option<PaymentIntentPaymentMethodOptions>,
    /// Payment method types that may be used.
    pub payment_method_types: Vec<String>,
    /// Presentment currency details.
    pub presentment_details: Option<PaymentIntentPresentmentDetails>,
    /// Details while processing.
    pub processing: Option<PaymentIntentProcessing>,
    /// Where the receipt goes.
    pub receipt_email: Option<String>,
    /// The Radar review, if any.
    pub review: Option<Expandable>,
    /// Whether to save the payment method for later.
    pub setup_future_usage: Option<String>,
    /// Shipping details.
    pub shipping: Option<Shipping>,
    /// A legacy source, if any.
    pub source: Option<Expandable>,
    /// Statement descriptor for non-card charges.
    pub statement_descriptor: Option<String>,
    /// Suffix for card statement descriptors.
    pub statement_descriptor_suffix: Option<String>,
    /// The status.
    pub status: PaymentIntentStatus,
    /// Where the funds go, for Connect destination charges.
    pub transfer_data: Option<PaymentIntentTransferData>,
    /// A transfer group, for Connect.
    pub transfer_group: Option<String>,
}

impl HasId for PaymentIntent {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `payment_intent.status`.
    pub enum PaymentIntentStatus {
        Canceled => "canceled",
        Processing => "processing",
        RequiresAction => "requires_action",
        RequiresCapture => "requires_capture",
        RequiresConfirmation => "requires_confirmation",
        RequiresPaymentMethod => "requires_payment_method",
        Succeeded => "succeeded",
    }
}

open_enum! {
    /// `payment_intent.cancellation_reason`.
    pub enum CancellationReason {
        Abandoned => "abandoned",
        Automatic => "automatic",
        Duplicate => "duplicate",
        Expired => "expired",
        FailedInvoice => "failed_invoice",
        Fraudulent => "fraudulent",
        RequestedByCustomer => "requested_by_customer",
        VoidInvoice => "void_invoice",
    }
}

open_enum! {
    /// `capture_method` of payment intents.
    pub enum CaptureMethod {
        Automatic => "automatic",
        AutomaticAsync => "automatic_async",
        Manual => "manual",
    }
}
