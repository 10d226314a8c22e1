//! [`Charge`]: one attempt to move money from a customer's payment method.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{
    BillingDetails, ChargeOutcome, Currency, Expandable, HasId, List, Metadata, Shipping, Timestamp,
};
use super::generated::members::*;
use super::{Customer, Dispute, Invoice, PaymentIntent, Refund};
use crate::open_enum::open_enum;

/// A Charge (`"object": "charge"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). Fields of older API versions are kept too: `dispute` (the whole dispute before
/// 2017-02-14, its id after), `invoice`, `order` and `destination`. `refunds` is a list object
/// (a bare array before 2014-06-17, and absent unless expanded from 2022-11-15).
///
/// Option bags (`payment_method_details`, `level3`, `radar_options`, …) are typed from Stripe's
/// API description ([`ChargePaymentMethodDetails`] and the rest); `source` (a card, bank
/// account or source object, of the `payments` family) stays [`serde_json::Value`].
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Charge, ChargeStatus, OutcomeType};
///
/// let charge: Charge = serde_json::from_str(r#"{
///   "id": "ch_1", "object": "charge", "amount": 2000, "currency": "usd",
///   "status": "failed", "paid": false,
///   "failure_code": "card_declined", "failure_message": "Your card was declined.",
///   "outcome": {"type": "issuer_declined", "network_status": "declined_by_network",
///               "reason": "insufficient_funds", "seller_message": "The bank declined the payment."},
///   "payment_intent": "pi_1"
/// }"#).unwrap();
/// assert_eq!(charge.status, ChargeStatus::Failed);
/// assert_eq!(charge.failure_code.as_deref(), Some("card_declined"));
/// let outcome = charge.outcome.unwrap();
/// assert_eq!(outcome.outcome_type, Some(OutcomeType::IssuerDeclined));
/// assert_eq!(charge.payment_intent.unwrap().id(), Some("pi_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Charge {
    /// Unique identifier (`ch_…`, or `py_…` for some non-card payments).
    pub id: String,
    /// Amount to collect, in the currency's minor unit.
    pub amount: i64,
    /// Amount captured (less than `amount` after a partial capture).
    pub amount_captured: i64,
    /// Amount refunded so far (less than `amount` after a partial refund).
    pub amount_refunded: i64,
    /// The Connect application that created the charge.
    pub application: Option<Expandable>,
    /// The application fee collected, for Connect.
    pub application_fee: Option<Expandable>,
    /// The application fee amount requested, for Connect.
    pub application_fee_amount: Option<i64>,
    /// The authorization code from the issuer.
    pub authorization_code: Option<String>,
    /// The balance transaction for this charge (refunds and disputes excluded).
    pub balance_transaction: Option<Expandable>,
    /// Billing details of the payment method at the time of the charge.
    pub billing_details: Option<BillingDetails>,
    /// The full statement descriptor sent to card networks (card payments only).
    pub calculated_statement_descriptor: Option<String>,
    /// Whether the charge has been captured (false while an authorization is held).
    pub captured: bool,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// The customer, if any (possibly a deleted customer when expanded).
    pub customer: Option<Expandable<Customer>>,
    /// Arbitrary description.
    pub description: Option<String>,
    /// The destination account of a destination charge (older API versions).
    pub destination: Option<Expandable>,
    /// The dispute on this charge (older API versions: the whole object before 2017-02-14).
    pub dispute: Option<Expandable<Dispute>>,
    /// Whether the charge has been disputed.
    pub disputed: bool,
    /// The balance transaction reversing the charge after a payment failure.
    pub failure_balance_transaction: Option<Expandable>,
    /// Why the charge failed, e.g. `card_declined` (see Stripe's error codes).
    pub failure_code: Option<String>,
    /// A message explaining the failure.
    pub failure_message: Option<String>,
    /// Fraud reports by Stripe and by you.
    pub fraud_details: Option<ChargeFraudDetails>,
    /// The invoice this charge pays (older API versions).
    pub invoice: Option<Expandable<Invoice>>,
    /// Level III card data sent with the charge.
    pub level3: Option<ChargeLevel3>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// The account the charge was made on behalf of, for Connect.
    pub on_behalf_of: Option<Expandable>,
    /// The order this charge pays (older API versions).
    pub order: Option<Expandable>,
    /// Whether the payment was accepted, and why.
    pub outcome: Option<ChargeOutcome>,
    /// Whether the charge succeeded or was authorized for later capture.
    pub paid: bool,
    /// The payment intent that created this charge.
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// The id of the payment method used.
    pub payment_method: Option<String>,
    /// Per-method details of the payment method at the time of the charge (card brand,
    /// last4, checks, wallet, …), keyed by `type`.
    pub payment_method_details: Option<ChargePaymentMethodDetails>,
    /// The amount and currency shown to the customer, when they differ.
    pub presentment_details: Option<ChargePresentmentDetails>,
    /// Radar options sent with the charge.
    pub radar_options: Option<ChargeRadarOptions>,
    /// The email the receipt was sent to.
    pub receipt_email: Option<String>,
    /// The receipt's transaction number, once a receipt was sent.
    pub receipt_number: Option<String>,
    /// A link to the receipt, kept up to date.
    pub receipt_url: Option<String>,
    /// Whether the charge has been fully refunded.
    pub refunded: bool,
    /// Refunds applied to the charge (only when expanded from 2022-11-15).
    pub refunds: Option<List<Refund>>,
    /// The Radar review, if any.
    pub review: Option<Expandable>,
    /// Shipping details.
    pub shipping: Option<Shipping>,
    /// The legacy card, bank account or source object charged.
    pub source: Option<Value>,
    /// The transfer that created this charge on a connected account.
    pub source_transfer: Option<Expandable>,
    /// Statement descriptor for non-card charges.
    pub statement_descriptor: Option<String>,
    /// Suffix for card statement descriptors.
    pub statement_descriptor_suffix: Option<String>,
    /// The status.
    pub status: ChargeStatus,
    /// The transfer to the destination account of a destination charge.
    pub transfer: Option<Expandable>,
    /// Where the funds go, for Connect destination charges.
    pub transfer_data: Option<ChargeTransferData>,
    /// A transfer group, for Connect.
    pub transfer_group: Option<String>,
}

impl HasId for Charge {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `charge.status`.
    pub enum ChargeStatus {
        Failed => "failed",
        Pending => "pending",
        Succeeded => "succeeded",
    }
}

/// Fraud reports on a charge: `charge.fraud_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChargeFraudDetails {
    /// Stripe's assessment (`fraudulent` when set).
    pub stripe_report: Option<ChargeFraudReport>,
    /// Your own report (`safe` or `fraudulent`).
    pub user_report: Option<ChargeFraudReport>,
}

open_enum! {
    /// A fraud report value: `charge.fraud_details.stripe_report` and `.user_report`.
    pub enum ChargeFraudReport {
        Fraudulent => "fraudulent",
        Safe => "safe",
    }
}

/// The amount shown to the customer: `presentment_details` on charges and refunds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChargePresentmentDetails {
    /// The amount, in the minor unit of `presentment_currency`.
    pub presentment_amount: i64,
    /// The currency shown to the customer.
    pub presentment_currency: Currency,
}

/// Radar settings sent with a charge: `charge.radar_options`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChargeRadarOptions {
    /// The Radar session id (browser and device metadata).
    pub session: Option<String>,
}

/// Where the funds of a destination charge go: `charge.transfer_data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChargeTransferData {
    /// The amount transferred, when not the whole charge.
    pub amount: Option<i64>,
    /// The connected account receiving the funds.
    pub destination: Option<Expandable>,
}
