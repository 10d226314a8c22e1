//! [`Invoice`]: a statement of amounts owed by a customer, with its [`InvoiceLineItem`]s and,
//! from API version 2025-03-31.basil, its [`InvoicePayment`]s.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::common::{
    Address, Currency, Expandable, HasId, List, Metadata, PaymentError, Shipping, Timestamp,
};
use super::generated::members::*;
use super::{
    Charge, Customer, CustomerTaxExempt, CustomerTaxIdType, PaymentIntent, PaymentMethod, Price,
    Subscription, SubscriptionItem,
};
use crate::open_enum::open_enum;

/// An Invoice (`"object": "invoice"`).
///
/// Every field of the current API reference, plus the fields older API versions sent; fields an
/// API version does not send are `None` (or empty). What moved where:
///
/// | before 2025-03-31.basil | from 2025-03-31.basil |
/// |---|---|
/// | `charge`, `payment_intent` | `payments` (a list of [`InvoicePayment`], sent when expanded) |
/// | `paid`, `paid_out_of_band` | `status == "paid"`, `amount_paid_off_stripe` |
/// | `subscription`, `subscription_details`, `subscription_proration_date` | `parent.subscription_details` |
/// | `quote` | `parent.quote_details` |
/// | `total_tax_amounts` | `total_taxes` |
///
/// Both sides are typed; [`subscription_id`](Invoice::subscription_id),
/// [`payment_intent_id`](Invoice::payment_intent_id) and [`is_paid`](Invoice::is_paid) read
/// whichever the event carries. Older still: `date` (now `created`), `finalized_at` (now
/// `status_transitions.finalized_at`), `closed` and `forgiven` (now `status`), `billing` (now
/// `collection_method`), `application_fee` / `application_fee_amount`, `discount` (now
/// `discounts`), `tax` and `tax_percent`.
///
/// Option bags (`automatic_tax`, `rendering`, `payment_settings.payment_method_options`, …) are
/// typed from Stripe's API description ([`InvoiceAutomaticTax`] and the rest). Still
/// [`serde_json::Value`]: the resources of the `billing` family an invoice holds (`discount`,
/// tax rates), and `rendering_options` and `transfer_data` as older API versions sent them.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Invoice, InvoiceBillingReason, InvoiceStatus};
///
/// // 2025-03-31.basil and later.
/// let invoice: Invoice = serde_json::from_str(r#"{
///   "id": "in_1", "object": "invoice", "status": "open", "amount_due": 4200,
///   "currency": "usd", "attempt_count": 2, "next_payment_attempt": 1700086400,
///   "billing_reason": "subscription_cycle",
///   "parent": {"type": "subscription_details",
///              "subscription_details": {"subscription": "sub_1", "metadata": {}}},
///   "payments": {"object": "list", "data": [{"id": "inpay_1", "object": "invoice_payment",
///     "payment": {"type": "payment_intent", "payment_intent": "pi_1"}, "status": "open"}]},
///   "lines": {"object": "list", "data": [{"id": "il_1", "object": "line_item", "amount": 4200}]}
/// }"#).unwrap();
/// assert_eq!(invoice.status, Some(InvoiceStatus::Open));
/// assert_eq!(invoice.billing_reason, Some(InvoiceBillingReason::SubscriptionCycle));
/// assert_eq!(invoice.subscription_id(), Some("sub_1"));
/// assert_eq!(invoice.payment_intent_id(), Some("pi_1"));
/// assert_eq!(invoice.lines.data[0].amount, 4200);
///
/// // Before 2025-03-31.basil: the same facts at the top level.
/// let old: Invoice = serde_json::from_str(r#"{
///   "id": "in_2", "object": "invoice", "paid": true, "subscription": "sub_2",
///   "payment_intent": "pi_2", "charge": "ch_2", "lines": {"data": []}
/// }"#).unwrap();
/// assert_eq!(old.subscription_id(), Some("sub_2"));
/// assert_eq!(old.payment_intent_id(), Some("pi_2"));
/// assert!(old.is_paid());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Invoice {
    /// Unique identifier (`in_…`; `upcoming_in_…` for previews).
    pub id: String,
    /// Country of the business that issues it.
    pub account_country: Option<String>,
    /// Public name of the business that issues it.
    pub account_name: Option<String>,
    /// The account tax ids shown on it.
    pub account_tax_ids: Option<Vec<Expandable>>,
    /// The amount due now.
    pub amount_due: i64,
    /// The amount paid beyond what was due (credited to the customer's balance).
    pub amount_overpaid: i64,
    /// The amount paid.
    pub amount_paid: i64,
    /// The amount paid outside of Stripe.
    pub amount_paid_off_stripe: i64,
    /// `amount_due` minus `amount_paid`.
    pub amount_remaining: i64,
    /// The sum of the shipping amounts.
    pub amount_shipping: i64,
    /// The Connect application that created it.
    pub application: Option<Expandable>,
    /// The application fee (oldest API versions; later `application_fee_amount`).
    pub application_fee: Option<i64>,
    /// The application fee taken from its payment, for Connect (older API versions).
    pub application_fee_amount: Option<i64>,
    /// Payment attempts made under the retry schedule.
    pub attempt_count: i64,
    /// Whether payment has been attempted.
    pub attempted: bool,
    /// Whether Stripe advances it automatically (finalize, collect, remind).
    pub auto_advance: bool,
    /// Automatic tax settings and status.
    pub automatic_tax: Option<InvoiceAutomaticTax>,
    /// When a draft is scheduled to be finalized.
    pub automatically_finalizes_at: Option<Timestamp>,
    /// The old name of `collection_method` (older API versions).
    pub billing: Option<InvoiceCollectionMethod>,
    /// Why it was created.
    pub billing_reason: Option<InvoiceBillingReason>,
    /// The latest charge for it (API versions before 2025-03-31.basil; see `payments`).
    pub charge: Option<Expandable<Charge>>,
    /// Whether it was closed to further payment attempts (oldest API versions).
    pub closed: Option<bool>,
    /// `charge_automatically` or `send_invoice` (older API versions sent `billing`).
    pub collection_method: InvoiceCollectionMethod,
    /// The client secret of the payment created at finalization (from 2025-03-31.basil).
    pub confirmation_secret: Option<InvoiceConfirmationSecret>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// Custom fields shown on it.
    pub custom_fields: Option<Vec<InvoiceCustomField>>,
    /// The customer billed.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2), if any.
    pub customer_account: Option<String>,
    /// The customer's address, frozen at finalization.
    pub customer_address: Option<Address>,
    /// The customer's email, frozen at finalization.
    pub customer_email: Option<String>,
    /// The customer's name, frozen at finalization.
    pub customer_name: Option<String>,
    /// The customer's phone, frozen at finalization.
    pub customer_phone: Option<String>,
    /// The customer's shipping details, frozen at finalization.
    pub customer_shipping: Option<Shipping>,
    /// The customer's tax exemption, frozen at finalization.
    pub customer_tax_exempt: Option<CustomerTaxExempt>,
    /// The customer's tax ids, frozen at finalization.
    pub customer_tax_ids: Option<Vec<InvoiceCustomerTaxId>>,
    /// When it was created (oldest API versions; now `created`).
    pub date: Option<Timestamp>,
    /// The default payment method.
    pub default_payment_method: Option<Expandable<PaymentMethod>>,
    /// The default payment source (legacy sources).
    pub default_source: Option<Expandable>,
    /// Tax rates applied to it.
    pub default_tax_rates: Vec<Value>,
    /// A memo for the customer.
    pub description: Option<String>,
    /// The single discount (older API versions; replaced by `discounts`).
    pub discount: Option<Value>,
    /// The discounts applied (ids unless expanded).
    pub discounts: Vec<Expandable>,
    /// When payment is due, for `send_invoice`.
    pub due_date: Option<Timestamp>,
    /// When it takes effect (defaults to finalization).
    pub effective_at: Option<Timestamp>,
    /// The customer's balance after finalization.
    pub ending_balance: Option<i64>,
    /// When it was finalized (oldest API versions; now `status_transitions.finalized_at`).
    pub finalized_at: Option<Timestamp>,
    /// A footer.
    pub footer: Option<String>,
    /// Whether it was forgiven (oldest API versions; now `status: uncollectible`).
    pub forgiven: Option<bool>,
    /// The invoice it was cloned from, for revisions.
    pub from_invoice: Option<InvoiceFromInvoice>,
    /// The hosted page where the customer can pay.
    pub hosted_invoice_url: Option<String>,
    /// The PDF download link.
    pub invoice_pdf: Option<String>,
    /// Who issued it (for Connect).
    pub issuer: Option<InvoiceIssuer>,
    /// The error of the last failed finalization.
    pub last_finalization_error: Option<PaymentError>,
    /// The latest non-draft revision.
    pub latest_revision: Option<Expandable<Invoice>>,
    /// Its line items (the first page; `lines.has_more` tells if there are more).
    pub lines: List<InvoiceLineItem>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// When payment will next be attempted.
    pub next_payment_attempt: Option<Timestamp>,
    /// The number shown to the customer.
    pub number: Option<String>,
    /// The account the funds are for, for Connect.
    pub on_behalf_of: Option<Expandable>,
    /// Whether it is paid (API versions before 2025-03-31.basil; now `status`).
    pub paid: Option<bool>,
    /// Whether it was paid outside of Stripe (API versions before 2025-03-31.basil).
    pub paid_out_of_band: Option<bool>,
    /// What generated it: a subscription or a quote (from 2025-03-31.basil).
    pub parent: Option<InvoiceParent>,
    /// The payment intent for it (API versions before 2025-03-31.basil; see `payments`).
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// Payment settings for its payment intent.
    pub payment_settings: Option<InvoicePaymentSettings>,
    /// Its payments (from 2025-03-31.basil, when expanded).
    pub payments: Option<List<InvoicePayment>>,
    /// The latest time invoice items can be added to it.
    pub period_end: Timestamp,
    /// The earliest time invoice items can be added to it.
    pub period_start: Timestamp,
    /// Total of post-payment credit notes.
    pub post_payment_credit_notes_amount: i64,
    /// Total of pre-payment credit notes.
    pub pre_payment_credit_notes_amount: i64,
    /// The quote that created it (API versions before 2025-03-31.basil).
    pub quote: Option<Expandable>,
    /// The number on the receipt email.
    pub receipt_number: Option<String>,
    /// How it renders (PDF page size, template, tax display).
    pub rendering: Option<InvoiceRendering>,
    /// Rendering options (older API versions; now `rendering`).
    pub rendering_options: Option<Value>,
    /// The shipping cost.
    pub shipping_cost: Option<InvoiceShippingCost>,
    /// Shipping details shown on it.
    pub shipping_details: Option<Shipping>,
    /// The customer's balance before finalization.
    pub starting_balance: i64,
    /// Text for the customer's card statement.
    pub statement_descriptor: Option<String>,
    /// `draft`, `open`, `paid`, `uncollectible` or `void`.
    pub status: Option<InvoiceStatus>,
    /// Details of the status (why it is uncollectible).
    pub status_details: Option<InvoiceStatusDetails>,
    /// When the status changed.
    pub status_transitions: InvoiceStatusTransitions,
    /// The subscription that created it (API versions before 2025-03-31.basil; see `parent`).
    pub subscription: Option<Expandable<Subscription>>,
    /// The subscription's metadata snapshot (API versions before 2025-03-31.basil).
    pub subscription_details: Option<InvoiceSubscriptionDetails>,
    /// The proration date of a previewed update (API versions before 2025-03-31.basil).
    pub subscription_proration_date: Option<Timestamp>,
    /// Total before invoice-level discounts and exclusive tax.
    pub subtotal: i64,
    /// Subtotal excluding tax.
    pub subtotal_excluding_tax: Option<i64>,
    /// The tax amount (older API versions).
    pub tax: Option<i64>,
    /// A tax percentage (older API versions).
    pub tax_percent: Option<f64>,
    /// The test clock it belongs to.
    pub test_clock: Option<Expandable>,
    /// What triggered a threshold invoice.
    pub threshold_reason: Option<InvoiceThresholdReason>,
    /// Total after discounts and taxes.
    pub total: i64,
    /// Discount amounts per discount.
    pub total_discount_amounts: Option<Vec<InvoiceDiscountAmount>>,
    /// Total excluding tax (a payload with a non-number here, as some mocks send, reads as
    /// `None`).
    #[serde(deserialize_with = "number_or_none")]
    pub total_excluding_tax: Option<i64>,
    /// Pretax credits (discounts, credit grants) across all lines.
    pub total_pretax_credit_amounts: Option<Vec<InvoicePretaxCreditAmount>>,
    /// Tax amounts per rate (API versions before 2025-03-31.basil; now `total_taxes`).
    pub total_tax_amounts: Option<Vec<InvoiceTaxAmount>>,
    /// Taxes across all lines (from 2025-03-31.basil).
    pub total_taxes: Option<Vec<InvoiceTax>>,
    /// Where the funds go, for Connect (older API versions).
    pub transfer_data: Option<Value>,
    /// When webhooks for it were delivered (it is paid or sent an hour later).
    pub webhooks_delivered_at: Option<Timestamp>,
}

impl HasId for Invoice {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl Invoice {
    /// The subscription that generated it: `parent.subscription_details.subscription` (from
    /// 2025-03-31.basil), else the top-level `subscription` (before).
    #[must_use]
    pub fn subscription_id(&self) -> Option<&str> {
        self.parent
            .as_ref()
            .and_then(|parent| parent.subscription_details.as_ref())
            .and_then(|details| details.subscription.as_ref())
            .or(self.subscription.as_ref())
            .and_then(Expandable::id)
    }

    /// The payment intent paying it: the top-level `payment_intent` (before 2025-03-31.basil),
    /// else the first entry of `payments` (from then on, when expanded) that has one, which is
    /// the newest attempt.
    #[must_use]
    pub fn payment_intent_id(&self) -> Option<&str> {
        if let Some(intent) = &self.payment_intent {
            return intent.id();
        }
        self.payments
            .as_ref()?
            .data
            .iter()
            .find_map(|payment| payment.payment.payment_intent.as_ref())
            .and_then(Expandable::id)
    }

    /// Whether it is paid: `status` is `paid`, or (before 2025-03-31.basil) `paid` is true.
    #[must_use]
    pub fn is_paid(&self) -> bool {
        self.paid == Some(true) || self.status == Some(InvoiceStatus::Paid)
    }
}

/// An invoice line item (`"object": "line_item"`), an entry of `invoice.lines`.
///
/// From 2025-03-31.basil, what generated the line is in `parent` and its price in `pricing`,
/// and taxes are in `taxes`; before, the line had `type`, `subscription_item`, `invoice_item`,
/// `proration`, `proration_details`, `price`, `plan`, `tax_amounts`, `tax_rates`,
/// `amount_excluding_tax` and `unit_amount_excluding_tax`. Both shapes are typed;
/// [`price_id`](InvoiceLineItem::price_id) and [`is_proration`](InvoiceLineItem::is_proration)
/// read either. `plan` and tax rates stay [`serde_json::Value`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItem {
    /// Unique identifier (`il_…`; older versions used the item's or subscription's id).
    pub id: String,
    /// The amount.
    pub amount: i64,
    /// The amount excluding tax (API versions before 2025-03-31.basil).
    pub amount_excluding_tax: Option<i64>,
    /// The currency.
    pub currency: Currency,
    /// A description.
    pub description: Option<String>,
    /// Discount amounts per discount.
    pub discount_amounts: Option<Vec<InvoiceDiscountAmount>>,
    /// Whether discounts apply to it.
    pub discountable: bool,
    /// The discounts applied (ids unless expanded).
    pub discounts: Vec<Expandable>,
    /// The invoice it belongs to.
    pub invoice: Option<String>,
    /// The invoice item it comes from (API versions before 2025-03-31.basil).
    pub invoice_item: Option<Expandable>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Your key-value pairs (a `null` reads as empty).
    #[serde(deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// What generated it (from 2025-03-31.basil).
    pub parent: Option<InvoiceLineItemParent>,
    /// The period it covers.
    pub period: InvoiceLineItemPeriod,
    /// The plan (API versions before 2025-03-31.basil), as JSON.
    pub plan: Option<Value>,
    /// Pretax credits (discounts, credit grants) on it.
    pub pretax_credit_amounts: Option<Vec<InvoicePretaxCreditAmount>>,
    /// The price (from the 2020 Prices launch until 2025-03-31.basil; now `pricing`).
    pub price: Option<Price>,
    /// How it is priced (from 2025-03-31.basil).
    pub pricing: Option<InvoiceLineItemPricing>,
    /// Whether it is a proration (API versions before 2025-03-31.basil; now in `parent`).
    pub proration: Option<bool>,
    /// What a credit proration credits (API versions before 2025-03-31.basil).
    pub proration_details: Option<InvoiceLineItemProrationDetails>,
    /// The quantity, decimals truncated.
    pub quantity: Option<i64>,
    /// The quantity as a decimal string.
    pub quantity_decimal: Option<String>,
    /// The subscription it belongs to.
    pub subscription: Option<Expandable<Subscription>>,
    /// The subscription item it comes from (API versions before 2025-03-31.basil).
    pub subscription_item: Option<Expandable<SubscriptionItem>>,
    /// The amount before discounts and taxes.
    pub subtotal: i64,
    /// Tax amounts per rate (API versions before 2025-03-31.basil; now `taxes`).
    pub tax_amounts: Option<Vec<InvoiceTaxAmount>>,
    /// Tax rates applied (API versions before 2025-03-31.basil).
    pub tax_rates: Option<Vec<Value>>,
    /// Taxes on it (from 2025-03-31.basil).
    pub taxes: Option<Vec<InvoiceTax>>,
    /// `invoiceitem` or `subscription` (API versions before 2025-03-31.basil).
    #[serde(rename = "type")]
    pub line_type: Option<InvoiceLineItemType>,
    /// The unit amount excluding tax, as a decimal string (before 2025-03-31.basil).
    pub unit_amount_excluding_tax: Option<String>,
}

impl HasId for InvoiceLineItem {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl InvoiceLineItem {
    /// The price id: `pricing.price_details.price` (from 2025-03-31.basil), else `price.id`,
    /// else `plan.id` (older versions).
    #[must_use]
    pub fn price_id(&self) -> Option<&str> {
        self.pricing
            .as_ref()
            .and_then(|pricing| pricing.price_details.as_ref())
            .and_then(|details| details.price.as_ref())
            .and_then(Expandable::id)
            .or_else(|| self.price.as_ref().map(|price| price.id.as_str()))
            .or_else(|| self.plan.as_ref()?.get("id")?.as_str())
    }

    /// Whether it is a proration, from `parent` (from 2025-03-31.basil) or `proration`.
    #[must_use]
    pub fn is_proration(&self) -> bool {
        let from_parent = self.parent.as_ref().is_some_and(|parent| {
            parent
                .invoice_item_details
                .as_ref()
                .is_some_and(|details| details.proration)
                || parent
                    .subscription_item_details
                    .as_ref()
                    .is_some_and(|details| details.proration)
        });
        from_parent || self.proration == Some(true)
    }
}

/// An invoice payment (`"object": "invoice_payment"`): one payment toward an invoice, in
/// `invoice.payments` (from 2025-03-31.basil).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoicePayment {
    /// Unique identifier (`inpay_…`).
    pub id: String,
    /// The amount actually paid, once `paid`.
    pub amount_paid: Option<i64>,
    /// The amount meant to be paid.
    pub amount_requested: i64,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// The invoice paid.
    pub invoice: Option<Expandable<Invoice>>,
    /// Whether it is the default payment Stripe created at finalization.
    pub is_default: bool,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// The payment object: a charge, payment intent or payment record.
    pub payment: InvoicePaymentReference,
    /// `open`, `paid` or `canceled`.
    pub status: InvoicePaymentStatus,
    /// When the status changed.
    pub status_transitions: InvoicePaymentStatusTransitions,
}

impl HasId for InvoicePayment {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// `invoice_payment.payment`: which payment object it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoicePaymentReference {
    /// The charge, when `type` is `charge`.
    pub charge: Option<Expandable<Charge>>,
    /// The payment intent, when `type` is `payment_intent`.
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// The payment record, when `type` is `payment_record`.
    pub payment_record: Option<Expandable>,
    /// Which of the three it is.
    #[serde(rename = "type")]
    pub payment_type: InvoicePaymentType,
}

/// `invoice_payment.status_transitions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoicePaymentStatusTransitions {
    /// When it was canceled.
    pub canceled_at: Option<Timestamp>,
    /// When it succeeded.
    pub paid_at: Option<Timestamp>,
}

/// `invoice.confirmation_secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceConfirmationSecret {
    /// The client secret. Treat it as sensitive.
    pub client_secret: String,
    /// What the secret is for (currently `payment_intent`).
    #[serde(rename = "type")]
    pub secret_type: String,
}

/// A custom field on an invoice (`invoice.custom_fields`, `invoice_settings.custom_fields`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceCustomField {
    /// The field's name.
    pub name: String,
    /// The field's value.
    pub value: String,
}

/// One entry of `invoice.customer_tax_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceCustomerTaxId {
    /// The kind of tax id (`eu_vat`, `us_ein`, …).
    #[serde(rename = "type")]
    pub tax_id_type: CustomerTaxIdType,
    /// The tax id itself.
    pub value: Option<String>,
}

/// `invoice.from_invoice`: the invoice a revision was cloned from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceFromInvoice {
    /// How the two relate (e.g. `revision`).
    pub action: String,
    /// The cloned invoice.
    pub invoice: Option<Expandable<Invoice>>,
}

/// An account reference: `invoice.issuer`, and the `liability` of automatic tax.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceIssuer {
    /// The connected account, when `type` is `account`.
    pub account: Option<Expandable>,
    /// `self` or `account`.
    #[serde(rename = "type")]
    pub issuer_type: InvoiceIssuerType,
}

/// `invoice.parent`: what generated the invoice (from 2025-03-31.basil).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceParent {
    /// The quote, when `type` is `quote_details`.
    pub quote_details: Option<InvoiceQuoteDetails>,
    /// The subscription, when `type` is `subscription_details`.
    pub subscription_details: Option<InvoiceSubscriptionDetails>,
    /// Which parent it is.
    #[serde(rename = "type")]
    pub parent_type: InvoiceParentType,
}

/// `invoice.parent.quote_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceQuoteDetails {
    /// The quote that generated the invoice.
    pub quote: String,
}

/// The subscription behind an invoice: `invoice.parent.subscription_details` (from
/// 2025-03-31.basil), or the older top-level `invoice.subscription_details`, which had only
/// `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceSubscriptionDetails {
    /// The subscription's metadata when the invoice was finalized.
    pub metadata: Option<Metadata>,
    /// The subscription.
    pub subscription: Option<Expandable<Subscription>>,
    /// The proration date, on previews of prorations.
    pub subscription_proration_date: Option<Timestamp>,
}

/// `invoice.payment_settings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoicePaymentSettings {
    /// The mandate used for the payment.
    pub default_mandate: Option<String>,
    /// Per-method options for the payment.
    pub payment_method_options: Option<InvoicePaymentSettingsPaymentMethodOptions>,
    /// Payment method types accepted (`None`: chosen automatically).
    pub payment_method_types: Option<Vec<String>>,
}

/// `invoice.shipping_cost`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceShippingCost {
    /// Shipping cost before taxes.
    pub amount_subtotal: i64,
    /// Tax on shipping.
    pub amount_tax: i64,
    /// Shipping cost after taxes.
    pub amount_total: i64,
    /// The shipping rate.
    pub shipping_rate: Option<Expandable>,
    /// The taxes on shipping, as JSON.
    pub taxes: Option<Vec<InvoiceShippingCostTaxes>>,
}

/// `invoice.status_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceStatusDetails {
    /// Details when the status is `uncollectible`.
    pub uncollectible: Option<InvoiceUncollectibleDetails>,
}

/// `invoice.status_details.uncollectible`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceUncollectibleDetails {
    /// Why it is uncollectible.
    pub reason: Option<InvoiceUncollectibleReason>,
}

/// `invoice.status_transitions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceStatusTransitions {
    /// When the draft was finalized.
    pub finalized_at: Option<Timestamp>,
    /// When it was marked uncollectible.
    pub marked_uncollectible_at: Option<Timestamp>,
    /// When it was paid.
    pub paid_at: Option<Timestamp>,
    /// When it was voided.
    pub voided_at: Option<Timestamp>,
}

/// `invoice.threshold_reason`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceThresholdReason {
    /// The amount threshold that triggered it, if any.
    pub amount_gte: Option<i64>,
    /// The line items whose usage triggered it.
    pub item_reasons: Vec<InvoiceThresholdItemReason>,
}

/// One entry of `invoice.threshold_reason.item_reasons`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceThresholdItemReason {
    /// The line items that triggered it.
    pub line_item_ids: Vec<String>,
    /// The usage threshold that applied.
    pub usage_gte: i64,
}

/// A discount amount: `invoice.total_discount_amounts`, `line_item.discount_amounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceDiscountAmount {
    /// The amount discounted.
    pub amount: i64,
    /// The discount applied.
    pub discount: Option<Expandable>,
}

/// A pretax credit: `invoice.total_pretax_credit_amounts`, `line_item.pretax_credit_amounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoicePretaxCreditAmount {
    /// The amount credited.
    pub amount: i64,
    /// The credit balance transaction applied, when `type` is `credit_balance_transaction`.
    pub credit_balance_transaction: Option<Expandable>,
    /// The discount applied, when `type` is `discount`.
    pub discount: Option<Expandable>,
    /// What kind of credit it is.
    #[serde(rename = "type")]
    pub credit_type: InvoicePretaxCreditAmountType,
}

/// A tax: `invoice.total_taxes`, `line_item.taxes` (from 2025-03-31.basil).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceTax {
    /// The tax amount.
    pub amount: i64,
    /// Whether the tax is inclusive or exclusive.
    pub tax_behavior: InvoiceTaxBehavior,
    /// The tax rate, when `type` is `tax_rate_details`.
    pub tax_rate_details: Option<InvoiceTaxRateDetails>,
    /// Why this tax applies (or not).
    pub taxability_reason: Option<InvoiceTaxabilityReason>,
    /// The amount the tax is computed on.
    pub taxable_amount: Option<i64>,
    /// What kind of tax information this is.
    #[serde(rename = "type")]
    pub tax_type: InvoiceTaxType,
}

/// `tax_rate_details` of an [`InvoiceTax`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceTaxRateDetails {
    /// The tax rate id.
    pub tax_rate: String,
}

/// A tax amount per rate: `invoice.total_tax_amounts`, `line_item.tax_amounts` (API versions
/// before 2025-03-31.basil).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceTaxAmount {
    /// The tax amount.
    pub amount: i64,
    /// Whether the tax is included in the amount.
    pub inclusive: bool,
    /// The tax rate.
    pub tax_rate: Option<Expandable>,
    /// Why this tax applies (or not).
    pub taxability_reason: Option<InvoiceTaxabilityReason>,
    /// The amount the tax is computed on.
    pub taxable_amount: Option<i64>,
}

/// `line_item.period`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemPeriod {
    /// The end of the period (inclusive).
    pub end: Timestamp,
    /// The start of the period (inclusive).
    pub start: Timestamp,
}

/// `line_item.parent`: what generated the line (from 2025-03-31.basil).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemParent {
    /// The invoice item, when `type` is `invoice_item_details`.
    pub invoice_item_details: Option<InvoiceLineItemInvoiceItemDetails>,
    /// The subscription item, when `type` is `subscription_item_details`.
    pub subscription_item_details: Option<InvoiceLineItemSubscriptionItemDetails>,
    /// Which parent it is.
    #[serde(rename = "type")]
    pub parent_type: InvoiceLineItemParentType,
}

/// `line_item.parent.invoice_item_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemInvoiceItemDetails {
    /// The invoice item.
    pub invoice_item: String,
    /// Whether it is a proration.
    pub proration: bool,
    /// What a credit proration credits.
    pub proration_details: Option<InvoiceLineItemProrationDetails>,
    /// The subscription the invoice item belongs to.
    pub subscription: Option<String>,
}

/// `line_item.parent.subscription_item_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemSubscriptionItemDetails {
    /// The invoice item, if any.
    pub invoice_item: Option<String>,
    /// Whether it is a proration.
    pub proration: bool,
    /// What a credit proration credits.
    pub proration_details: Option<InvoiceLineItemProrationDetails>,
    /// The subscription.
    pub subscription: Option<String>,
    /// The subscription item.
    pub subscription_item: String,
}

/// Proration details of a line item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemProrationDetails {
    /// For a credit proration, the debit lines it credits.
    pub credited_items: Option<InvoiceLineItemCreditedItems>,
}

/// `proration_details.credited_items`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemCreditedItems {
    /// The invoice holding the credited lines.
    pub invoice: String,
    /// The credited lines.
    pub invoice_line_items: Vec<String>,
}

/// `line_item.pricing` (from 2025-03-31.basil).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemPricing {
    /// The price, when `type` is `price_details`.
    pub price_details: Option<InvoiceLineItemPriceDetails>,
    /// What kind of pricing it is.
    #[serde(rename = "type")]
    pub pricing_type: InvoiceLineItemPricingType,
    /// The unit amount as a decimal string.
    pub unit_amount_decimal: Option<String>,
}

/// `line_item.pricing.price_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct InvoiceLineItemPriceDetails {
    /// The price.
    pub price: Option<Expandable<Price>>,
    /// The product.
    pub product: Option<String>,
}

/// Reads `null` as the type's default (for fields documented as never null that some payloads
/// send as null anyway).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads an integer, or `None` for `null` or any other JSON value. Only for
/// `total_excluding_tax`, which some mock servers send as `[]`.
fn number_or_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Value>::deserialize(deserializer)?.and_then(|value| value.as_i64()))
}

open_enum! {
    /// `invoice.status`.
    pub enum InvoiceStatus {
        Draft => "draft",
        Open => "open",
        Paid => "paid",
        Uncollectible => "uncollectible",
        Void => "void",
    }
}

open_enum! {
    /// `invoice.billing_reason`.
    pub enum InvoiceBillingReason {
        AutomaticPendingInvoiceItemInvoice => "automatic_pending_invoice_item_invoice",
        Manual => "manual",
        QuoteAccept => "quote_accept",
        Subscription => "subscription",
        SubscriptionCreate => "subscription_create",
        SubscriptionCycle => "subscription_cycle",
        SubscriptionThreshold => "subscription_threshold",
        SubscriptionUpdate => "subscription_update",
        Upcoming => "upcoming",
    }
}

open_enum! {
    /// `invoice.collection_method` (and the older `billing`).
    pub enum InvoiceCollectionMethod {
        ChargeAutomatically => "charge_automatically",
        SendInvoice => "send_invoice",
    }
}

open_enum! {
    /// `invoice.issuer.type` (and `liability.type` of automatic tax).
    pub enum InvoiceIssuerType {
        Account => "account",
        SelfAccount => "self",
    }
}

open_enum! {
    /// `invoice.parent.type`.
    pub enum InvoiceParentType {
        QuoteDetails => "quote_details",
        SubscriptionDetails => "subscription_details",
    }
}

open_enum! {
    /// `invoice.status_details.uncollectible.reason`.
    pub enum InvoiceUncollectibleReason {
        MaxPaymentAttempts => "max_payment_attempts",
        PaymentNotReceived => "payment_not_received",
        SubscriptionCanceled => "subscription_canceled",
        SubscriptionPaused => "subscription_paused",
        UserForgiven => "user_forgiven",
    }
}

open_enum! {
    /// The `type` of an [`InvoicePretaxCreditAmount`].
    pub enum InvoicePretaxCreditAmountType {
        CreditBalanceTransaction => "credit_balance_transaction",
        Discount => "discount",
    }
}

open_enum! {
    /// `tax_behavior` of an [`InvoiceTax`].
    pub enum InvoiceTaxBehavior {
        Exclusive => "exclusive",
        Inclusive => "inclusive",
    }
}

open_enum! {
    /// `taxability_reason` of an [`InvoiceTax`] or [`InvoiceTaxAmount`].
    pub enum InvoiceTaxabilityReason {
        CustomerExempt => "customer_exempt",
        NotAvailable => "not_available",
        NotCollecting => "not_collecting",
        NotSubjectToTax => "not_subject_to_tax",
        NotSupported => "not_supported",
        PortionProductExempt => "portion_product_exempt",
        PortionReducedRated => "portion_reduced_rated",
        PortionStandardRated => "portion_standard_rated",
        ProductExempt => "product_exempt",
        ProductExemptHoliday => "product_exempt_holiday",
        ProportionallyRated => "proportionally_rated",
        ReducedRated => "reduced_rated",
        ReverseCharge => "reverse_charge",
        StandardRated => "standard_rated",
        TaxableBasisReduced => "taxable_basis_reduced",
        ZeroRated => "zero_rated",
    }
}

open_enum! {
    /// The `type` of an [`InvoiceTax`].
    pub enum InvoiceTaxType {
        TaxRateDetails => "tax_rate_details",
    }
}

open_enum! {
    /// `line_item.type` (API versions before 2025-03-31.basil).
    pub enum InvoiceLineItemType {
        InvoiceItem => "invoiceitem",
        Subscription => "subscription",
    }
}

open_enum! {
    /// `line_item.parent.type`.
    pub enum InvoiceLineItemParentType {
        InvoiceItemDetails => "invoice_item_details",
        SubscriptionItemDetails => "subscription_item_details",
    }
}

open_enum! {
    /// `line_item.pricing.type`.
    pub enum InvoiceLineItemPricingType {
        PriceDetails => "price_details",
    }
}

open_enum! {
    /// `invoice_payment.status`.
    pub enum InvoicePaymentStatus {
        Canceled => "canceled",
        Open => "open",
        Paid => "paid",
    }
}

open_enum! {
    /// `invoice_payment.payment.type`.
    pub enum InvoicePaymentType {
        Charge => "charge",
        PaymentIntent => "payment_intent",
        PaymentRecord => "payment_record",
    }
}
