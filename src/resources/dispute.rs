//! [`Dispute`]: a customer's challenge of a charge with their bank (a chargeback or inquiry).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Currency, Expandable, HasId, Metadata, Timestamp};
use super::generated::members::*;
use super::{Charge, PaymentIntent};
use crate::open_enum::open_enum;

/// A Dispute (`"object": "dispute"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). Older API versions are read too: before 2014-08-20 a dispute had one
/// `balance_transaction` instead of `balance_transactions`; before 2014-12-08 `evidence` was
/// a plain string (read into [`DisputeEvidence::uncategorized_text`]) and the deadline was
/// `evidence_due_by` instead of `evidence_details.due_by`.
///
/// `balance_transactions` holds whole balance transaction objects and stays
/// [`serde_json::Value`]; the per-network details (`amazon_pay`, `klarna`, `paypal`) and the
/// evidence you submit for enhanced programmes (`evidence.enhanced_evidence`,
/// `evidence.appeal`) are typed from Stripe's API description.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Dispute, DisputeReason, DisputeStatus};
///
/// let dispute: Dispute = serde_json::from_str(r#"{
///   "id": "dp_1", "object": "dispute", "amount": 1000, "currency": "usd",
///   "charge": "ch_1", "reason": "fraudulent", "status": "needs_response",
///   "evidence_details": {"due_by": 1700600000, "has_evidence": false, "past_due": false,
///                        "submission_count": 0}
/// }"#).unwrap();
/// assert_eq!(dispute.status, DisputeStatus::NeedsResponse);
/// assert_eq!(dispute.reason, DisputeReason::Fraudulent);
/// assert_eq!(dispute.evidence_details.unwrap().due_by, Some(1_700_600_000));
/// assert_eq!(dispute.charge.unwrap().id(), Some("ch_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Dispute {
    /// Unique identifier (`dp_…`, or `du_…` for some older disputes).
    pub id: String,
    /// Disputed amount, in the currency's minor unit.
    pub amount: i64,
    /// The single balance transaction of the dispute (API versions before 2014-08-20).
    pub balance_transaction: Option<Expandable>,
    /// Zero, one or two balance transactions: funds withdrawn, then reinstated.
    pub balance_transactions: Vec<Value>,
    /// The disputed charge (always sent; `None` only when missing).
    pub charge: Option<Expandable<Charge>>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// Enhanced evidence programmes that the evidence covers.
    pub enhanced_eligibility_types: Vec<DisputeEnhancedEligibilityType>,
    /// The evidence staged or submitted (a bare string before 2014-12-08, read as
    /// `uncategorized_text`).
    #[serde(deserialize_with = "evidence_either_shape")]
    pub evidence: Option<DisputeEvidence>,
    /// The response deadline (API versions before 2014-12-08; now `evidence_details.due_by`).
    pub evidence_due_by: Option<Timestamp>,
    /// The deadline and state of evidence submission.
    pub evidence_details: Option<DisputeEvidenceDetails>,
    /// How you intend to submit evidence.
    pub intended_submission_method: Option<DisputeIntendedSubmissionMethod>,
    /// Whether the disputed payment can still be refunded.
    pub is_charge_refundable: bool,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// The network's reason code for the dispute.
    pub network_reason_code: Option<String>,
    /// The disputed payment intent.
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// Details of the disputed payment method, per type.
    pub payment_method_details: Option<DisputePaymentMethodDetails>,
    /// The reason the cardholder gave.
    pub reason: DisputeReason,
    /// The status.
    pub status: DisputeStatus,
}

impl HasId for Dispute {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `dispute.status`. `charge_refunded` is a value of older API versions.
    pub enum DisputeStatus {
        AppealNeedsResponse => "appeal_needs_response",
        AppealUnderReview => "appeal_under_review",
        ChargeRefunded => "charge_refunded",
        Lost => "lost",
        NeedsResponse => "needs_response",
        Prevented => "prevented",
        UnderReview => "under_review",
        WarningClosed => "warning_closed",
        WarningNeedsResponse => "warning_needs_response",
        WarningUnderReview => "warning_under_review",
        Won => "won",
    }
}

open_enum! {
    /// `dispute.reason`.
    pub enum DisputeReason {
        BankCannotProcess => "bank_cannot_process",
        CheckReturned => "check_returned",
        CreditNotProcessed => "credit_not_processed",
        CustomerInitiated => "customer_initiated",
        DebitNotAuthorized => "debit_not_authorized",
        Duplicate => "duplicate",
        Fraudulent => "fraudulent",
        General => "general",
        IncorrectAccountDetails => "incorrect_account_details",
        InsufficientFunds => "insufficient_funds",
        Noncompliant => "noncompliant",
        ProductNotReceived => "product_not_received",
        ProductUnacceptable => "product_unacceptable",
        SubscriptionCanceled => "subscription_canceled",
        Unrecognized => "unrecognized",
    }
}

open_enum! {
    /// `dispute.enhanced_eligibility_types` items.
    pub enum DisputeEnhancedEligibilityType {
        MastercardCompliance => "mastercard_compliance",
        VisaCompellingEvidence3 => "visa_compelling_evidence_3",
        VisaCompliance => "visa_compliance",
    }
}

open_enum! {
    /// `dispute.intended_submission_method`.
    pub enum DisputeIntendedSubmissionMethod {
        Manual => "manual",
        PreferManual => "prefer_manual",
        PreferSmartDisputes => "prefer_smart_disputes",
        SmartDisputes => "smart_disputes",
    }
}

/// The evidence for a dispute: `dispute.evidence`.
///
/// Text fields are what you wrote; file fields are ids of uploaded files (or the file objects
/// when expanded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputeEvidence {
    /// Server or activity logs showing the customer used the product.
    pub access_activity_log: Option<String>,
    /// Evidence for the appeal stage.
    pub appeal: Option<DisputeEvidenceAppeal>,
    /// The customer's billing address.
    pub billing_address: Option<String>,
    /// File: your cancellation policy as shown to the customer.
    pub cancellation_policy: Option<Expandable>,
    /// How and when the cancellation policy was shown.
    pub cancellation_policy_disclosure: Option<String>,
    /// Why the customer's subscription was not canceled.
    pub cancellation_rebuttal: Option<String>,
    /// File: communication with the customer.
    pub customer_communication: Option<Expandable>,
    /// The customer's email address.
    pub customer_email_address: Option<String>,
    /// The customer's name.
    pub customer_name: Option<String>,
    /// The IP address used for the purchase.
    pub customer_purchase_ip: Option<String>,
    /// File: a document bearing the customer's signature.
    pub customer_signature: Option<Expandable>,
    /// File: documentation of the earlier charge that this one seems to duplicate.
    pub duplicate_charge_documentation: Option<Expandable>,
    /// How the disputed charge differs from the apparent duplicate.
    pub duplicate_charge_explanation: Option<String>,
    /// The id of the apparent duplicate charge.
    pub duplicate_charge_id: Option<String>,
    /// Evidence for enhanced programmes (Visa Compelling Evidence 3.0, compliance).
    pub enhanced_evidence: Option<DisputeEvidenceEnhancedEvidence>,
    /// What was sold.
    pub product_description: Option<String>,
    /// File: a receipt sent to the customer.
    pub receipt: Option<Expandable>,
    /// File: your refund policy as shown to the customer.
    pub refund_policy: Option<Expandable>,
    /// How the refund policy was shown before purchase.
    pub refund_policy_disclosure: Option<String>,
    /// Why the customer is not owed a refund.
    pub refund_refusal_explanation: Option<String>,
    /// When the service was received, in words.
    pub service_date: Option<String>,
    /// File: proof that the service was provided.
    pub service_documentation: Option<Expandable>,
    /// Where the product was shipped.
    pub shipping_address: Option<String>,
    /// The shipping carrier(s).
    pub shipping_carrier: Option<String>,
    /// When the product was shipped, in words.
    pub shipping_date: Option<String>,
    /// File: proof of shipment.
    pub shipping_documentation: Option<Expandable>,
    /// Tracking number(s).
    pub shipping_tracking_number: Option<String>,
    /// File: any other evidence.
    pub uncategorized_file: Option<Expandable>,
    /// Any other evidence, as text (also where the pre-2014-12-08 string `evidence` goes).
    pub uncategorized_text: Option<String>,
}

/// Reads `evidence` as an object, as the pre-2014-12-08 string, or as `null`.
fn evidence_either_shape<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DisputeEvidence>, D::Error> {
    struct EvidenceVisitor;

    impl<'de> Visitor<'de> for EvidenceVisitor {
        type Value = Option<DisputeEvidence>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an evidence object, a string (older API versions) or null")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Some(DisputeEvidence {
                uncategorized_text: Some(text.to_owned()),
                ..DisputeEvidence::default()
            }))
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            DisputeEvidence::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    deserializer.deserialize_any(EvidenceVisitor)
}

/// The deadline and state of evidence submission: `dispute.evidence_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputeEvidenceDetails {
    /// The deadline for evidence; `0` or `None` when no response is allowed.
    pub due_by: Option<Timestamp>,
    /// Eligibility for enhanced evidence programmes.
    pub enhanced_eligibility: Option<DisputeEnhancedEligibility>,
    /// Whether evidence has been staged.
    pub has_evidence: bool,
    /// Whether the last submission came after the deadline.
    pub past_due: bool,
    /// How many times evidence was submitted.
    pub submission_count: i64,
    /// How the evidence was submitted.
    pub submission_method: Option<DisputeSubmissionMethod>,
}

open_enum! {
    /// `dispute.evidence_details.submission_method`.
    pub enum DisputeSubmissionMethod {
        Manual => "manual",
        NotSubmitted => "not_submitted",
        SmartDisputes => "smart_disputes",
    }
}

/// Eligibility for enhanced evidence programmes: `evidence_details.enhanced_eligibility`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputeEnhancedEligibility {
    /// Mastercard compliance eligibility.
    pub mastercard_compliance: Option<DisputeComplianceEligibility>,
    /// Visa Compelling Evidence 3.0 eligibility.
    pub visa_compelling_evidence_3: Option<DisputeVisaCe3Eligibility>,
    /// Visa compliance eligibility.
    pub visa_compliance: Option<DisputeComplianceEligibility>,
}

/// Eligibility to counter a network compliance dispute.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputeComplianceEligibility {
    /// Whether the fee has been acknowledged.
    pub status: DisputeComplianceStatus,
}

open_enum! {
    /// `status` of Mastercard and Visa compliance eligibility.
    pub enum DisputeComplianceStatus {
        FeeAcknowledged => "fee_acknowledged",
        RequiresFeeAcknowledgement => "requires_fee_acknowledgement",
    }
}

/// Eligibility for Visa Compelling Evidence 3.0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputeVisaCe3Eligibility {
    /// What is still needed to qualify.
    pub required_actions: Vec<DisputeVisaCe3RequiredAction>,
    /// Whether the dispute qualifies.
    pub status: DisputeVisaCe3Status,
}

open_enum! {
    /// `visa_compelling_evidence_3.required_actions` items.
    pub enum DisputeVisaCe3RequiredAction {
        MissingCustomerIdentifiers => "missing_customer_identifiers",
        MissingDisputedTransactionDescription => "missing_disputed_transaction_description",
        MissingMerchandiseOrServices => "missing_merchandise_or_services",
        MissingPriorUndisputedTransactionDescription => "missing_prior_undisputed_transaction_description",
        MissingPriorUndisputedTransactions => "missing_prior_undisputed_transactions",
    }
}

open_enum! {
    /// `visa_compelling_evidence_3.status`.
    pub enum DisputeVisaCe3Status {
        NotQualified => "not_qualified",
        Qualified => "qualified",
        RequiresAction => "requires_action",
    }
}

/// Details of the disputed payment method: `dispute.payment_method_details`.
///
/// The card part is typed by hand; `amazon_pay`, `klarna` and `paypal` from Stripe's API
/// description.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputePaymentMethodDetails {
    /// Amazon Pay details (`dispute_type`).
    pub amazon_pay: Option<DisputePaymentMethodDetailsAmazonPay>,
    /// Card details.
    pub card: Option<DisputeCardDetails>,
    /// Klarna details (`reason_code`, `chargeback_loss_reason_code`).
    pub klarna: Option<DisputePaymentMethodDetailsKlarna>,
    /// PayPal details (`case_id`, `reason_code`).
    pub paypal: Option<DisputePaymentMethodDetailsPaypal>,
    /// Which of the above is present.
    #[serde(rename = "type")]
    pub method_type: DisputePaymentMethodType,
}

open_enum! {
    /// `dispute.payment_method_details.type`.
    pub enum DisputePaymentMethodType {
        AmazonPay => "amazon_pay",
        Card => "card",
        Klarna => "klarna",
        Paypal => "paypal",
    }
}

/// Card details of a dispute: `dispute.payment_method_details.card`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DisputeCardDetails {
    /// Card brand (`visa`, `mastercard`, `amex`, …).
    pub brand: String,
    /// The kind of case; fees and withdrawn funds differ by kind.
    pub case_type: DisputeCardCaseType,
    /// The network the charge went through.
    pub network: String,
    /// The network's reason code (e.g. Visa `10.4`).
    pub network_reason_code: Option<String>,
}

open_enum! {
    /// `dispute.payment_method_details.card.case_type`.
    pub enum DisputeCardCaseType {
        Block => "block",
        Chargeback => "chargeback",
        Compliance => "compliance",
        Inquiry => "inquiry",
        Resolution => "resolution",
    }
}
