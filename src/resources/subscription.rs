//! [`Subscription`]: a customer's recurring purchase, and its [`SubscriptionItem`]s.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Currency, Expandable, HasId, List, Metadata, Timestamp};
use super::generated::members::*;
use super::{
    Customer, Invoice, InvoiceCustomField, InvoiceIssuer, PaymentMethod, Price, SetupIntent,
};
use crate::open_enum::open_enum;

/// A Subscription (`"object": "subscription"`).
///
/// Every field of the current API reference, plus the fields older API versions sent; fields an
/// API version does not send are `None` (or empty). Across versions:
///
/// - `current_period_start` / `current_period_end` are on the subscription before
///   2025-03-31.basil and on each item (`items.data[].current_period_*`) from then on; both are
///   typed, and [`current_period`](Subscription::current_period) reads whichever was sent.
/// - `plan` and `quantity` at the top level are from older versions that had one plan per
///   subscription (items carry them since); `billing` is the old name of `collection_method`,
///   `start` of `start_date`, and `discount` was replaced by `discounts`; `tax_percent` was
///   replaced by tax rates.
///
/// Option bags (`automatic_tax`, `billing_cycle_anchor_config`,
/// `payment_settings.payment_method_options`, …) are typed from Stripe's API description
/// ([`SubscriptionAutomaticTax`] and the rest); the resources of the `billing` family that a
/// subscription holds (`plan`, `discount`, tax rates) stay [`serde_json::Value`].
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Subscription, SubscriptionStatus};
///
/// // 2025-03-31.basil and later: the billing period is on each item.
/// let subscription: Subscription = serde_json::from_str(r#"{
///   "id": "sub_1", "object": "subscription", "status": "past_due", "customer": "cus_1",
///   "items": {"object": "list", "data": [{"id": "si_1", "object": "subscription_item",
///     "current_period_start": 1700000000, "current_period_end": 1702592000,
///     "price": {"id": "price_1", "object": "price", "unit_amount": 1500}, "quantity": 2}]}
/// }"#).unwrap();
/// assert_eq!(subscription.status, SubscriptionStatus::PastDue);
/// assert_eq!(subscription.current_period(), Some((1700000000, 1702592000)));
/// let item = &subscription.items.data[0];
/// assert_eq!(item.price.as_ref().unwrap().unit_amount, Some(1500));
///
/// // Older versions: the period is on the subscription itself.
/// let old: Subscription = serde_json::from_str(r#"{
///   "id": "sub_2", "object": "subscription", "status": "active",
///   "current_period_start": 1500000000, "current_period_end": 1502592000,
///   "plan": {"id": "gold", "object": "plan", "amount": 2000}, "quantity": 1
/// }"#).unwrap();
/// assert_eq!(old.current_period(), Some((1500000000, 1502592000)));
/// assert_eq!(old.plan.unwrap()["id"], "gold");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Subscription {
    /// Unique identifier (`sub_…`).
    pub id: String,
    /// The Connect application that created it.
    pub application: Option<Expandable>,
    /// The percentage of each invoice paid to the application owner, for Connect.
    pub application_fee_percent: Option<f64>,
    /// Automatic tax settings.
    pub automatic_tax: Option<SubscriptionAutomaticTax>,
    /// The old name of `collection_method` (older API versions).
    pub billing: Option<SubscriptionCollectionMethod>,
    /// The reference point that aligns future billing dates.
    pub billing_cycle_anchor: Timestamp,
    /// The fixed values (day of month, hour, …) used to compute the anchor.
    pub billing_cycle_anchor_config: Option<SubscriptionBillingCycleAnchorConfig>,
    /// How prorations and invoices are computed (`classic` or `flexible`).
    pub billing_mode: Option<SubscriptionBillingMode>,
    /// Billing schedules of the subscription.
    pub billing_schedules: Vec<SubscriptionBillingSchedules>,
    /// Thresholds at which an invoice is created early.
    pub billing_thresholds: Option<SubscriptionBillingThresholds>,
    /// When it will be canceled automatically.
    pub cancel_at: Option<Timestamp>,
    /// Whether it cancels (or canceled) at the end of the current period.
    pub cancel_at_period_end: bool,
    /// When it was canceled.
    pub canceled_at: Option<Timestamp>,
    /// Why it was canceled.
    pub cancellation_details: Option<SubscriptionCancellationDetails>,
    /// `charge_automatically` or `send_invoice` (older API versions sent `billing`).
    pub collection_method: SubscriptionCollectionMethod,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// End of the current period (API versions before 2025-03-31.basil; later on each item).
    pub current_period_end: Option<Timestamp>,
    /// Start of the current period (API versions before 2025-03-31.basil; later on each item).
    pub current_period_start: Option<Timestamp>,
    /// The customer who owns it.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2), if any.
    pub customer_account: Option<String>,
    /// Days a customer has to pay its invoices, for `send_invoice`.
    pub days_until_due: Option<i64>,
    /// The default payment method.
    pub default_payment_method: Option<Expandable<PaymentMethod>>,
    /// The default payment source (legacy sources).
    pub default_source: Option<Expandable>,
    /// Tax rates for items without their own.
    pub default_tax_rates: Option<Vec<Value>>,
    /// A description shown to the customer.
    pub description: Option<String>,
    /// The single discount (older API versions; replaced by `discounts`).
    pub discount: Option<Value>,
    /// The discounts applied (ids unless expanded).
    pub discounts: Vec<Expandable>,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// Settings copied onto the invoices it creates.
    pub invoice_settings: Option<SubscriptionInvoiceSettings>,
    /// Its items, each with a price (objects from before the 2020 Prices launch: a plan).
    pub items: List<SubscriptionItem>,
    /// The most recent invoice it created.
    pub latest_invoice: Option<Expandable<Invoice>>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Managed Payments (merchant of record) settings.
    pub managed_payments: Option<SubscriptionManagedPayments>,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// When pending invoice items will next be invoiced.
    pub next_pending_invoice_item_invoice: Option<Timestamp>,
    /// The account the charges are made on behalf of, for Connect.
    pub on_behalf_of: Option<Expandable>,
    /// Whether, and how, payment collection is paused.
    pub pause_collection: Option<SubscriptionPauseCollection>,
    /// Payment settings passed on to its invoices.
    pub payment_settings: Option<SubscriptionPaymentSettings>,
    /// How often pending invoice items are invoiced.
    pub pending_invoice_item_interval: Option<SubscriptionPendingInvoiceItemInterval>,
    /// A SetupIntent to authenticate the customer without an immediate payment.
    pub pending_setup_intent: Option<Expandable<SetupIntent>>,
    /// Changes applied once the latest invoice is paid.
    pub pending_update: Option<SubscriptionPendingUpdate>,
    /// The single plan (older API versions), a Plan object as JSON.
    pub plan: Option<Value>,
    /// The presentment currency used for customer payments.
    pub presentment_details: Option<SubscriptionPresentmentDetails>,
    /// The quantity of the single plan (older API versions).
    pub quantity: Option<i64>,
    /// The subscription schedule attached.
    pub schedule: Option<Expandable>,
    /// The old name of `start_date` (older API versions).
    pub start: Option<Timestamp>,
    /// When it was first created (may be backdated).
    pub start_date: Timestamp,
    /// The status.
    pub status: SubscriptionStatus,
    /// Why the status changed (e.g. when and why it was paused).
    pub status_details: Option<SubscriptionStatusDetails>,
    /// A tax percentage applied to its invoices (older API versions).
    pub tax_percent: Option<f64>,
    /// The test clock it belongs to.
    pub test_clock: Option<Expandable>,
    /// Where its payments go, for Connect.
    pub transfer_data: Option<SubscriptionTransferData>,
    /// When the trial ends.
    pub trial_end: Option<Timestamp>,
    /// What happens when the trial ends.
    pub trial_settings: Option<SubscriptionTrialSettings>,
    /// When the trial started.
    pub trial_start: Option<Timestamp>,
}

impl HasId for Subscription {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl Subscription {
    /// The current billing period as `(start, end)`, from whichever place the API version
    /// sent it: the subscription itself (before 2025-03-31.basil), else the item whose period
    /// ends first (items can have their own periods since then).
    #[must_use]
    pub fn current_period(&self) -> Option<(Timestamp, Timestamp)> {
        if let (Some(start), Some(end)) = (self.current_period_start, self.current_period_end) {
            return Some((start, end));
        }
        self.items
            .data
            .iter()
            .filter_map(|item| Some((item.current_period_start?, item.current_period_end?)))
            .min_by_key(|&(_, end)| end)
    }
}

/// A subscription item (`"object": "subscription_item"`): one price, and its quantity, in a
/// subscription.
///
/// `current_period_start` / `current_period_end` are sent from 2025-03-31.basil on (before, they
/// were on the subscription). `price` is sent since Prices launched in 2020; `plan` is the
/// older, Plan-shaped view of the same price and stays [`serde_json::Value`], as do tax rates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionItem {
    /// Unique identifier (`si_…`).
    pub id: String,
    /// Until when the item has been billed.
    pub billed_until: Option<Timestamp>,
    /// A usage threshold that creates an invoice early.
    pub billing_thresholds: Option<SubscriptionItemBillingThresholds>,
    /// When it was created.
    pub created: Timestamp,
    /// End of the item's current period (API versions from 2025-03-31.basil).
    pub current_period_end: Option<Timestamp>,
    /// Start of the item's current period (API versions from 2025-03-31.basil).
    pub current_period_start: Option<Timestamp>,
    /// The trial applied to the item.
    pub current_trial: Option<SubscriptionItemCurrentTrial>,
    /// The discounts applied (ids unless expanded).
    pub discounts: Vec<Expandable>,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// The plan (the legacy view of the price), as JSON.
    pub plan: Option<Value>,
    /// The price.
    pub price: Option<Price>,
    /// The quantity (absent for metered prices).
    pub quantity: Option<i64>,
    /// The subscription it belongs to.
    pub subscription: String,
    /// Tax rates for this item.
    pub tax_rates: Option<Vec<Value>>,
}

impl HasId for SubscriptionItem {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// `subscription_item.billing_thresholds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionItemBillingThresholds {
    /// The usage that triggers an invoice.
    pub usage_gte: Option<i64>,
}

/// `subscription_item.current_trial`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionItemCurrentTrial {
    /// When the trial ends.
    pub end_date: Timestamp,
    /// When the trial started.
    pub start_date: Timestamp,
    /// The trial offer applied.
    pub trial_offer: Option<String>,
}

/// `subscription.billing_mode`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionBillingMode {
    /// Settings of the `flexible` mode.
    pub flexible: Option<SubscriptionBillingModeFlexible>,
    /// `classic` or `flexible`.
    #[serde(rename = "type")]
    pub mode_type: SubscriptionBillingModeType,
    /// When the current mode was adopted.
    pub updated_at: Option<Timestamp>,
}

/// `subscription.billing_thresholds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionBillingThresholds {
    /// The amount that triggers an invoice.
    pub amount_gte: Option<i64>,
    /// Whether reaching the threshold resets the billing cycle anchor.
    pub reset_billing_cycle_anchor: Option<bool>,
}

/// `subscription.cancellation_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionCancellationDetails {
    /// The customer's comment, if they canceled.
    pub comment: Option<String>,
    /// The customer's chosen reason, if they canceled.
    pub feedback: Option<SubscriptionCancellationFeedback>,
    /// A custom feedback option the customer chose.
    pub feedback_option: Option<Expandable>,
    /// Why it was canceled.
    pub reason: Option<SubscriptionCancellationReason>,
}

/// `subscription.invoice_settings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionInvoiceSettings {
    /// The account tax ids set on its invoices.
    pub account_tax_ids: Option<Vec<Expandable>>,
    /// Up to 4 custom fields shown on its invoices.
    pub custom_fields: Option<Vec<InvoiceCustomField>>,
    /// A description for its invoices.
    pub description: Option<String>,
    /// A footer for its invoices.
    pub footer: Option<String>,
    /// Who issues its invoices.
    pub issuer: Option<InvoiceIssuer>,
}

/// `subscription.pause_collection`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionPauseCollection {
    /// What happens to invoices while paused.
    pub behavior: SubscriptionPauseBehavior,
    /// When collection resumes.
    pub resumes_at: Option<Timestamp>,
}

/// `subscription.payment_settings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionPaymentSettings {
    /// Per-method options for its invoices' payments.
    pub payment_method_options: Option<SubscriptionPaymentSettingsPaymentMethodOptions>,
    /// Payment method types its invoices accept (`None`: chosen automatically).
    pub payment_method_types: Option<Vec<String>>,
    /// Whether a successful payment updates `default_payment_method`.
    pub save_default_payment_method: Option<SubscriptionSaveDefaultPaymentMethod>,
}

/// `subscription.pending_invoice_item_interval`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionPendingInvoiceItemInterval {
    /// The unit.
    pub interval: SubscriptionInterval,
    /// How many units between invoices.
    pub interval_count: i64,
}

/// `subscription.pending_update`: changes applied once the latest invoice is paid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionPendingUpdate {
    /// The billing cycle anchor after the update.
    pub billing_cycle_anchor: Option<Timestamp>,
    /// Whether it will cancel at period end after the update.
    pub cancel_at_period_end: Option<bool>,
    /// The pending discount, as JSON.
    pub discount: Option<Value>,
    /// The pending discounts.
    pub discounts: Option<Vec<Expandable>>,
    /// When the pending update expires if not applied.
    pub expires_at: Timestamp,
    /// The metadata after the update.
    pub metadata: Option<Metadata>,
    /// The items after the update.
    pub subscription_items: Option<Vec<SubscriptionItem>>,
    /// The trial end after the update.
    pub trial_end: Option<Timestamp>,
    /// Whether the plan's trial days apply.
    pub trial_from_plan: Option<bool>,
}

/// `subscription.transfer_data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionTransferData {
    /// The percentage of each invoice transferred.
    pub amount_percent: Option<f64>,
    /// The destination account.
    pub destination: Option<Expandable>,
}

/// `subscription.trial_settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionTrialSettings {
    /// What happens when the trial ends.
    pub end_behavior: Option<SubscriptionTrialEndBehavior>,
}

/// `subscription.trial_settings.end_behavior`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SubscriptionTrialEndBehavior {
    /// How the billing cycle anchor is reset when the trial ends.
    pub billing_cycle_anchor: Option<SubscriptionTrialBillingCycleAnchor>,
    /// What happens if no payment method was provided.
    pub missing_payment_method: SubscriptionMissingPaymentMethod,
}

open_enum! {
    /// `subscription.status`.
    pub enum SubscriptionStatus {
        Active => "active",
        Canceled => "canceled",
        Incomplete => "incomplete",
        IncompleteExpired => "incomplete_expired",
        PastDue => "past_due",
        Paused => "paused",
        Trialing => "trialing",
        Unpaid => "unpaid",
    }
}

open_enum! {
    /// `subscription.collection_method` (and the older `billing`).
    pub enum SubscriptionCollectionMethod {
        ChargeAutomatically => "charge_automatically",
        SendInvoice => "send_invoice",
    }
}

open_enum! {
    /// `subscription.billing_mode.type`.
    pub enum SubscriptionBillingModeType {
        Classic => "classic",
        Flexible => "flexible",
    }
}

open_enum! {
    /// `subscription.cancellation_details.feedback`.
    pub enum SubscriptionCancellationFeedback {
        CustomerService => "customer_service",
        LowQuality => "low_quality",
        MissingFeatures => "missing_features",
        Other => "other",
        SwitchedService => "switched_service",
        TooComplex => "too_complex",
        TooExpensive => "too_expensive",
        Unused => "unused",
    }
}

open_enum! {
    /// `subscription.cancellation_details.reason`.
    pub enum SubscriptionCancellationReason {
        CanceledByRetentionPolicy => "canceled_by_retention_policy",
        CancellationRequested => "cancellation_requested",
        PaymentDisputed => "payment_disputed",
        PaymentFailed => "payment_failed",
    }
}

open_enum! {
    /// `subscription.pause_collection.behavior`.
    pub enum SubscriptionPauseBehavior {
        KeepAsDraft => "keep_as_draft",
        MarkUncollectible => "mark_uncollectible",
        Void => "void",
    }
}

open_enum! {
    /// `subscription.payment_settings.save_default_payment_method`.
    pub enum SubscriptionSaveDefaultPaymentMethod {
        Off => "off",
        OnSubscription => "on_subscription",
    }
}

open_enum! {
    /// `subscription.pending_invoice_item_interval.interval`.
    pub enum SubscriptionInterval {
        Day => "day",
        Month => "month",
        Week => "week",
        Year => "year",
    }
}

open_enum! {
    /// `subscription.trial_settings.end_behavior.billing_cycle_anchor`.
    pub enum SubscriptionTrialBillingCycleAnchor {
        Now => "now",
        Unchanged => "unchanged",
    }
}

open_enum! {
    /// `subscription.trial_settings.end_behavior.missing_payment_method`.
    pub enum SubscriptionMissingPaymentMethod {
        Cancel => "cancel",
        CreateInvoice => "create_invoice",
        Pause => "pause",
    }
}
