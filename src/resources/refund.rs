//! [`Refund`]: money returned to the customer for a charge or payment intent.

use serde::{Deserialize, Serialize};

use super::common::{Currency, Expandable, HasId, Metadata, Timestamp};
use super::generated::members::*;
use super::{Charge, ChargePresentmentDetails, Customer, PaymentIntent, PaymentMethod};
use crate::open_enum::open_enum;

/// A Refund (`"object": "refund"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`.
/// Option bags whose shape is per payment method (`destination_details`, `next_action`) are
/// typed from Stripe's API description ([`RefundDestinationDetails`], [`RefundNextAction`]).
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Refund, RefundReason, RefundStatus};
///
/// let refund: Refund = serde_json::from_str(r#"{
///   "id": "re_1", "object": "refund", "amount": 500, "currency": "eur",
///   "charge": "ch_1", "status": "failed", "failure_reason": "expired_or_canceled_card",
///   "reason": "requested_by_customer"
/// }"#).unwrap();
/// assert_eq!(refund.status, Some(RefundStatus::Failed));
/// assert_eq!(refund.reason, Some(RefundReason::RequestedByCustomer));
/// assert_eq!(refund.charge.unwrap().id(), Some("ch_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Refund {
    /// Unique identifier (`re_…`, or `pyr_…` for some non-card payments).
    pub id: String,
    /// Amount refunded, in the currency's minor unit.
    pub amount: i64,
    /// The balance transaction for this refund.
    pub balance_transaction: Option<Expandable>,
    /// The refunded charge.
    pub charge: Option<Expandable<Charge>>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// The customer, if any.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2), if any.
    pub customer_account: Option<String>,
    /// Arbitrary description (non-card refunds only).
    pub description: Option<String>,
    /// Per-method details of where the money goes (card reference, bank reference, …).
    pub destination_details: Option<RefundDestinationDetails>,
    /// The balance transaction reversing this refund after it failed.
    pub failure_balance_transaction: Option<Expandable>,
    /// Why the refund failed, e.g. `expired_or_canceled_card`, `lost_or_stolen_card`.
    pub failure_reason: Option<String>,
    /// Where refund instructions go, for methods without native refunds.
    pub instructions_email: Option<String>,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// What must happen next, when status is `requires_action`.
    pub next_action: Option<RefundNextAction>,
    /// The refunded payment intent.
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// The payment method of the refunded payment.
    pub payment_method: Option<Expandable<PaymentMethod>>,
    /// Why the refund is pending.
    pub pending_reason: Option<RefundPendingReason>,
    /// The amount and currency shown to the customer, when they differ.
    pub presentment_details: Option<ChargePresentmentDetails>,
    /// Why it was refunded.
    pub reason: Option<RefundReason>,
    /// The transaction number on the refund receipt.
    pub receipt_number: Option<String>,
    /// The transfer reversal tied to the refund (charges from another Stripe account).
    pub source_transfer_reversal: Option<Expandable>,
    /// The status.
    pub status: Option<RefundStatus>,
    /// The transfer reversal, for refunds of destination charges.
    pub transfer_reversal: Option<Expandable>,
}

impl HasId for Refund {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `refund.status`.
    pub enum RefundStatus {
        Canceled => "canceled",
        Failed => "failed",
        Pending => "pending",
        RequiresAction => "requires_action",
        Succeeded => "succeeded",
    }
}

open_enum! {
    /// `refund.reason`.
    pub enum RefundReason {
        Duplicate => "duplicate",
        ExpiredUncapturedCharge => "expired_uncaptured_charge",
        Fraudulent => "fraudulent",
        RequestedByCustomer => "requested_by_customer",
    }
}

open_enum! {
    /// `refund.pending_reason`.
    pub enum RefundPendingReason {
        ChargePending => "charge_pending",
        InsufficientFunds => "insufficient_funds",
        Processing => "processing",
    }
}
