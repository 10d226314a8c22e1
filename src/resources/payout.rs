//! [`Payout`]: funds sent from a Stripe balance to a bank account or debit card.

use serde::{Deserialize, Serialize};

use super::common::{Currency, Expandable, HasId, Metadata, Timestamp};
use crate::open_enum::open_enum;

/// A Payout (`"object": "payout"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). `destination` is a bank account or card (an id unless expanded), kept as an
/// untyped [`Expandable`].
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Payout, PayoutStatus};
///
/// let payout: Payout = serde_json::from_str(r#"{
///   "id": "po_1", "object": "payout", "amount": 125000, "currency": "usd",
///   "arrival_date": 1700697600, "status": "failed", "failure_code": "account_closed",
///   "failure_message": "The bank account has been closed.", "destination": "ba_1"
/// }"#).unwrap();
/// assert_eq!(payout.status, PayoutStatus::Failed);
/// assert_eq!(payout.failure_code.as_deref(), Some("account_closed"));
/// assert_eq!(payout.destination.unwrap().id(), Some("ba_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Payout {
    /// Unique identifier (`po_…`).
    pub id: String,
    /// Amount paid out, in the currency's minor unit.
    pub amount: i64,
    /// The application fee collected, for Connect instant payouts.
    pub application_fee: Option<Expandable>,
    /// The application fee amount requested, for Connect instant payouts.
    pub application_fee_amount: Option<i64>,
    /// When the funds are expected to arrive (weekends and bank holidays included).
    pub arrival_date: Timestamp,
    /// Whether an automatic payout schedule created it (false: requested manually).
    pub automatic: bool,
    /// The balance transaction for this payout.
    pub balance_transaction: Option<Expandable>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// Arbitrary description.
    pub description: Option<String>,
    /// The bank account or card the payout goes to.
    pub destination: Option<Expandable>,
    /// The balance transaction returning the funds after a failure or cancellation.
    pub failure_balance_transaction: Option<Expandable>,
    /// Why the payout failed, e.g. `account_closed`, `insufficient_funds`.
    pub failure_code: Option<String>,
    /// A message explaining the failure.
    pub failure_message: Option<String>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// `standard` or `instant`.
    pub method: PayoutMethod,
    /// The payout this one reverses, if any.
    pub original_payout: Option<Expandable<Payout>>,
    /// The v2 financial account the funds go to.
    pub payout_method: Option<String>,
    /// Whether its balance transactions can be listed yet.
    pub reconciliation_status: PayoutReconciliationStatus,
    /// The payout that reverses this one, if any.
    pub reversed_by: Option<Expandable<Payout>>,
    /// The balance the funds came from.
    pub source_type: PayoutSourceType,
    /// Text on the recipient's bank statement.
    pub statement_descriptor: Option<String>,
    /// The status.
    pub status: PayoutStatus,
    /// The reference the bank gives the payout, for tracing it with them.
    pub trace_id: Option<PayoutTraceId>,
    /// `bank_account` or `card`.
    #[serde(rename = "type")]
    pub payout_type: PayoutType,
}

impl HasId for Payout {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `payout.status`.
    pub enum PayoutStatus {
        Canceled => "canceled",
        Failed => "failed",
        InTransit => "in_transit",
        Paid => "paid",
        Pending => "pending",
    }
}

open_enum! {
    /// `payout.method`.
    pub enum PayoutMethod {
        Instant => "instant",
        Standard => "standard",
    }
}

open_enum! {
    /// `payout.reconciliation_status`.
    pub enum PayoutReconciliationStatus {
        Completed => "completed",
        InProgress => "in_progress",
        NotApplicable => "not_applicable",
    }
}

open_enum! {
    /// `payout.source_type`.
    pub enum PayoutSourceType {
        BankAccount => "bank_account",
        Card => "card",
        Fpx => "fpx",
    }
}

open_enum! {
    /// `payout.type`.
    pub enum PayoutType {
        BankAccount => "bank_account",
        Card => "card",
    }
}

/// The bank's reference for a payout: `payout.trace_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PayoutTraceId {
    /// Whether a trace id is available.
    pub status: PayoutTraceIdStatus,
    /// The trace id, when `status` is `supported`.
    pub value: Option<String>,
}

open_enum! {
    /// `payout.trace_id.status`.
    pub enum PayoutTraceIdStatus {
        Pending => "pending",
        Supported => "supported",
        Unsupported => "unsupported",
    }
}
