//! [`SetupIntent`]: saving a customer's payment method for later payments, with any
//! authentication that needs.

use serde::{Deserialize, Serialize};

use super::common::{Expandable, HasId, Metadata, PaymentError, Timestamp};
use super::generated::members::*;
use super::{Customer, PaymentMethod};
use crate::open_enum::open_enum;

/// A SetupIntent (`"object": "setup_intent"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). Option bags that vary by payment method (`next_action`,
/// `payment_method_options`, `automatic_payment_methods`, …) are typed from Stripe's API
/// description ([`SetupIntentNextAction`] and the rest).
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{SetupIntent, SetupIntentStatus, SetupIntentUsage};
///
/// let intent: SetupIntent = serde_json::from_str(r#"{
///   "id": "seti_1", "object": "setup_intent", "status": "requires_payment_method",
///   "usage": "off_session", "customer": "cus_1",
///   "last_setup_error": {"type": "card_error", "code": "card_declined",
///                        "decline_code": "generic_decline", "message": "Your card was declined."}
/// }"#).unwrap();
/// assert_eq!(intent.status, SetupIntentStatus::RequiresPaymentMethod);
/// assert_eq!(intent.usage, SetupIntentUsage::OffSession);
/// let error = intent.last_setup_error.unwrap();
/// assert_eq!(error.code.as_deref(), Some("card_declined"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SetupIntent {
    /// Unique identifier (`seti_…`).
    pub id: String,
    /// Payment method types that may be used.
    pub allowed_payment_method_types: Option<Vec<String>>,
    /// The Connect application that created it.
    pub application: Option<Expandable>,
    /// Whether the payment method is attached to the in-context account itself.
    pub attach_to_self: Option<bool>,
    /// Automatic payment method settings.
    pub automatic_payment_methods: Option<SetupIntentAutomaticPaymentMethods>,
    /// Why it was canceled.
    pub cancellation_reason: Option<SetupIntentCancellationReason>,
    /// The client secret, for client-side confirmation. Treat it as sensitive.
    pub client_secret: Option<String>,
    /// When it was created.
    pub created: Timestamp,
    /// The customer the payment method is saved to.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2) the payment method is saved to.
    pub customer_account: Option<String>,
    /// Arbitrary description.
    pub description: Option<String>,
    /// Payment method types excluded.
    pub excluded_payment_method_types: Option<Vec<String>>,
    /// Directions of money movement the payment method is for (`inbound`, `outbound`).
    pub flow_directions: Option<Vec<SetupIntentFlowDirection>>,
    /// The error of the last failed confirmation, cleared on success.
    pub last_setup_error: Option<PaymentError>,
    /// The latest SetupAttempt.
    pub latest_attempt: Option<Expandable>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Managed Payments settings.
    pub managed_payments: Option<SetupIntentManagedPayments>,
    /// The multi-use mandate generated.
    pub mandate: Option<Expandable>,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// What the customer must do next (e.g. 3-D Secure), when status is `requires_action`.
    pub next_action: Option<SetupIntentNextAction>,
    /// The account the setup is for, for Connect.
    pub on_behalf_of: Option<Expandable>,
    /// The payment method being set up.
    pub payment_method: Option<Expandable<PaymentMethod>>,
    /// The payment method configuration used.
    pub payment_method_configuration_details: Option<SetupIntentPaymentMethodConfigurationDetails>,
    /// Per-method options.
    pub payment_method_options: Option<SetupIntentPaymentMethodOptions>,
    /// Payment method types that may be set up.
    pub payment_method_types: Vec<String>,
    /// The single-use mandate generated.
    pub single_use_mandate: Option<Expandable>,
    /// The status.
    pub status: SetupIntentStatus,
    /// How the payment method will be used: with the customer present or not.
    pub usage: SetupIntentUsage,
}

impl HasId for SetupIntent {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `setup_intent.status`.
    pub enum SetupIntentStatus {
        Canceled => "canceled",
        Processing => "processing",
        RequiresAction => "requires_action",
        RequiresConfirmation => "requires_confirmation",
        RequiresPaymentMethod => "requires_payment_method",
        Succeeded => "succeeded",
    }
}

open_enum! {
    /// `setup_intent.cancellation_reason`.
    pub enum SetupIntentCancellationReason {
        Abandoned => "abandoned",
        Duplicate => "duplicate",
        RequestedByCustomer => "requested_by_customer",
    }
}

open_enum! {
    /// `setup_intent.usage`.
    pub enum SetupIntentUsage {
        OffSession => "off_session",
        OnSession => "on_session",
    }
}

open_enum! {
    /// `setup_intent.flow_directions[]`.
    pub enum SetupIntentFlowDirection {
        Inbound => "inbound",
        Outbound => "outbound",
    }
}
