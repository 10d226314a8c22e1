//! [`CheckoutSession`]: one visit of a customer to a Stripe-hosted or embedded checkout page.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{Address, Currency, Expandable, HasId, List, Metadata, Shipping, Timestamp};
use super::generated::members::*;
use super::{
    Customer, CustomerTaxExempt, CustomerTaxIdType, Invoice, PaymentIntent, Price, SetupIntent,
    Subscription,
};
use crate::open_enum::open_enum;

/// A Checkout Session (`"object": "checkout.session"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). The shipping details moved twice: `shipping` (before 2022-08-01), then
/// `shipping_details`, then `collected_information.shipping_details` (from 2025-03-31.basil);
/// `shipping_rate` became `shipping_cost.shipping_rate` in 2022-08-01. All of them are here.
/// `line_items` is sent only when expanded.
///
/// Settings echoed from the create request (`adaptive_pricing`, `automatic_tax`,
/// `custom_text`, `payment_method_options`, …) are typed from Stripe's API description
/// ([`CheckoutSessionPaymentMethodOptions`] and the rest); `display_items` (before 2020-08-27)
/// stays [`serde_json::Value`].
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{
///     CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus, CheckoutSessionStatus,
/// };
///
/// let session: CheckoutSession = serde_json::from_str(r#"{
///   "id": "cs_test_1", "object": "checkout.session", "mode": "payment",
///   "status": "complete", "payment_status": "paid", "amount_total": 2000, "currency": "usd",
///   "customer_details": {"email": "jenny@example.com", "name": "Jenny Rosen"},
///   "payment_intent": "pi_1", "client_reference_id": "order_42"
/// }"#).unwrap();
/// assert_eq!(session.mode, CheckoutSessionMode::Payment);
/// assert_eq!(session.status, Some(CheckoutSessionStatus::Complete));
/// assert_eq!(session.payment_status, CheckoutSessionPaymentStatus::Paid);
/// assert_eq!(session.amount_total, Some(2000));
/// let details = session.customer_details.unwrap();
/// assert_eq!(details.email.as_deref(), Some("jenny@example.com"));
/// assert_eq!(session.payment_intent.unwrap().id(), Some("pi_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSession {
    /// Unique identifier (`cs_…`).
    pub id: String,
    /// Adaptive Pricing settings.
    pub adaptive_pricing: Option<CheckoutSessionAdaptivePricing>,
    /// What happens when the session expires (recovery settings).
    pub after_expiration: Option<CheckoutSessionAfterExpiration>,
    /// Whether customers may redeem promotion codes.
    pub allow_promotion_codes: Option<bool>,
    /// Payment method types the session may accept.
    pub allowed_payment_method_types: Option<Vec<String>>,
    /// Total of all items before discounts and taxes.
    pub amount_subtotal: Option<i64>,
    /// Total of all items after discounts and taxes.
    pub amount_total: Option<i64>,
    /// Automatic tax settings and status.
    pub automatic_tax: Option<CheckoutSessionAutomaticTax>,
    /// Whether Checkout collects the billing address.
    pub billing_address_collection: Option<CheckoutSessionBillingAddressCollection>,
    /// Branding (colours, logo, fonts) of the page.
    pub branding_settings: Option<CheckoutSessionBrandingSettings>,
    /// Where the back button leads.
    pub cancel_url: Option<String>,
    /// Your reference for the session (a cart or order id), as passed at creation.
    pub client_reference_id: Option<String>,
    /// The client secret, for embedded and elements UI modes. Treat it as sensitive.
    pub client_secret: Option<String>,
    /// What the customer entered: names and shipping details (from 2025-03-31.basil).
    pub collected_information: Option<CheckoutSessionCollectedInformation>,
    /// The consent the customer gave.
    pub consent: Option<CheckoutSessionConsent>,
    /// Which consents the session asked for.
    pub consent_collection: Option<CheckoutSessionConsentCollection>,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Option<Currency>,
    /// Currency conversion details (Adaptive Pricing sessions created before 2025-03-31).
    pub currency_conversion: Option<CheckoutSessionCurrencyConversion>,
    /// Custom fields shown, with what the customer entered.
    pub custom_fields: Vec<CheckoutSessionCustomField>,
    /// Custom text shown on the page.
    pub custom_text: Option<CheckoutSessionCustomText>,
    /// The customer, existing or created by the session.
    pub customer: Option<Expandable<Customer>>,
    /// The customer account (Accounts v2), if any.
    pub customer_account: Option<String>,
    /// Whether the session creates a Customer on completion.
    pub customer_creation: Option<CheckoutSessionCustomerCreation>,
    /// The customer's details as entered (email, name, address, tax ids).
    pub customer_details: Option<CheckoutSessionCustomerDetails>,
    /// The email prefilled at creation.
    pub customer_email: Option<String>,
    /// Coupons and promotion codes applied.
    pub discounts: Option<Vec<CheckoutSessionDiscount>>,
    /// Line items shown on the page (API versions before 2020-08-27; now `line_items`).
    pub display_items: Option<Value>,
    /// Payment method types excluded from dynamic payment methods.
    pub excluded_payment_method_types: Option<Vec<String>>,
    /// When the session expires.
    pub expires_at: Timestamp,
    /// Your identifier grouping sessions of one integration.
    pub integration_identifier: Option<String>,
    /// The invoice created by the session.
    pub invoice: Option<Expandable<Invoice>>,
    /// Invoice creation settings and state.
    pub invoice_creation: Option<CheckoutSessionInvoiceCreation>,
    /// The items purchased, when expanded.
    pub line_items: Option<List<CheckoutSessionLineItem>>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// The page's locale.
    pub locale: Option<CheckoutSessionLocale>,
    /// Managed Payments (merchant of record) settings.
    pub managed_payments: Option<CheckoutSessionManagedPayments>,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// One-time payment, setup for later, or subscription.
    pub mode: CheckoutSessionMode,
    /// Business and individual name collection settings.
    pub name_collection: Option<CheckoutSessionNameCollection>,
    /// Optional items offered on the page.
    pub optional_items: Option<Vec<CheckoutSessionOptionalItems>>,
    /// Where the customer comes from (`web`, `mobile_app`).
    pub origin_context: Option<CheckoutSessionOriginContext>,
    /// The PaymentIntent, in `payment` mode.
    pub payment_intent: Option<Expandable<PaymentIntent>>,
    /// The Payment Link that created the session.
    pub payment_link: Option<Expandable>,
    /// Whether a payment method is collected in `subscription` mode.
    pub payment_method_collection: Option<CheckoutSessionPaymentMethodCollection>,
    /// The payment method configuration used.
    pub payment_method_configuration_details:
        Option<CheckoutSessionPaymentMethodConfigurationDetails>,
    /// Per-method options.
    pub payment_method_options: Option<CheckoutSessionPaymentMethodOptions>,
    /// Payment method types the session may accept.
    pub payment_method_types: Vec<String>,
    /// Whether the funds are in: decide fulfilment on this, not on `status`.
    pub payment_status: CheckoutSessionPaymentStatus,
    /// Permissions for actions such as updating shipping details.
    pub permissions: Option<CheckoutSessionPermissions>,
    /// Phone number collection settings.
    pub phone_number_collection: Option<CheckoutSessionPhoneNumberCollection>,
    /// Amounts in the customer's presentment currency.
    pub presentment_details: Option<CheckoutSessionPresentmentDetails>,
    /// The expired session this one recovers.
    pub recovered_from: Option<String>,
    /// Redirect behaviour of embedded sessions.
    pub redirect_on_completion: Option<CheckoutSessionRedirectOnCompletion>,
    /// Where to send the customer back, for embedded and elements UI modes.
    pub return_url: Option<String>,
    /// Saved payment method settings.
    pub saved_payment_method_options: Option<CheckoutSessionSavedPaymentMethodOptions>,
    /// The SetupIntent, in `setup` mode.
    pub setup_intent: Option<Expandable<SetupIntent>>,
    /// Shipping details collected (API versions before 2022-08-01).
    pub shipping: Option<Shipping>,
    /// Which countries shipping addresses may be in.
    pub shipping_address_collection: Option<CheckoutSessionShippingAddressCollection>,
    /// The shipping cost and the chosen shipping rate.
    pub shipping_cost: Option<CheckoutSessionShippingCost>,
    /// Shipping details collected (2022-08-01 until 2025-03-31.basil, which moved them to
    /// `collected_information`).
    pub shipping_details: Option<Shipping>,
    /// Shipping rate options offered.
    pub shipping_options: Vec<CheckoutSessionShippingOption>,
    /// The chosen shipping rate (API versions before 2022-08-01; now in `shipping_cost`).
    pub shipping_rate: Option<Expandable>,
    /// `open`, `complete` or `expired`.
    pub status: Option<CheckoutSessionStatus>,
    /// The wording of the submit button.
    pub submit_type: Option<CheckoutSessionSubmitType>,
    /// The subscription, in `subscription` mode.
    pub subscription: Option<Expandable<Subscription>>,
    /// Where the customer goes after success.
    pub success_url: Option<String>,
    /// Tax id collection settings.
    pub tax_id_collection: Option<CheckoutSessionTaxIdCollection>,
    /// Discount, shipping and tax totals.
    pub total_details: Option<CheckoutSessionTotalDetails>,
    /// Hosted page, embedded page, or elements.
    pub ui_mode: Option<CheckoutSessionUiMode>,
    /// The URL of the hosted page, while the session is open.
    pub url: Option<String>,
    /// Wallet settings.
    pub wallet_options: Option<CheckoutSessionWalletOptions>,
}

impl HasId for CheckoutSession {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// `customer_details`: what the customer entered on the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionCustomerDetails {
    /// Billing address (sessions from 2022-03-30 on; not in `setup` mode).
    pub address: Option<Address>,
    /// Business name.
    pub business_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Individual name.
    pub individual_name: Option<String>,
    /// Name (sessions from 2022-03-30 on).
    pub name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Tax exemption status.
    pub tax_exempt: Option<CustomerTaxExempt>,
    /// Tax ids entered.
    pub tax_ids: Option<Vec<CheckoutSessionTaxId>>,
}

/// One tax id of `customer_details.tax_ids`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionTaxId {
    /// The kind of tax id.
    #[serde(rename = "type")]
    pub tax_id_type: CustomerTaxIdType,
    /// The tax id itself.
    pub value: Option<String>,
}

/// `collected_information`: names and shipping details entered on the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionCollectedInformation {
    /// Business name.
    pub business_name: Option<String>,
    /// Individual name.
    pub individual_name: Option<String>,
    /// Shipping name and address.
    pub shipping_details: Option<Shipping>,
}

/// `consent`: what the customer agreed to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionConsent {
    /// Whether they opted in to promotional communication.
    pub promotions: Option<CheckoutSessionConsentPromotions>,
    /// `accepted` when they accepted your terms of service.
    pub terms_of_service: Option<CheckoutSessionTermsOfServiceConsent>,
}

/// One custom field of `custom_fields`, with what the customer entered.
///
/// [`value`](CheckoutSessionCustomField::value) reads the entry from whichever of `dropdown`,
/// `numeric` and `text` is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionCustomField {
    /// Dropdown settings and the selected option.
    pub dropdown: Option<CheckoutSessionCustomFieldDropdown>,
    /// Your key for the field.
    pub key: String,
    /// The label shown.
    pub label: Option<CheckoutSessionCustomFieldLabel>,
    /// Numeric field settings and the entered value.
    pub numeric: Option<CheckoutSessionCustomFieldNumeric>,
    /// Whether the field may be left empty.
    pub optional: bool,
    /// Text field settings and the entered value.
    pub text: Option<CheckoutSessionCustomFieldText>,
    /// The kind of field.
    #[serde(rename = "type")]
    pub field_type: CheckoutSessionCustomFieldType,
}

impl CheckoutSessionCustomField {
    /// What the customer entered or selected, whatever the field's kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::resources::CheckoutSessionCustomField;
    ///
    /// let field: CheckoutSessionCustomField = serde_json::from_str(
    ///     r#"{"key": "engraving", "type": "text", "optional": true, "text": {"value": "For Ada"}}"#,
    /// ).unwrap();
    /// assert_eq!(field.value(), Some("For Ada"));
    /// ```
    #[must_use]
    pub fn value(&self) -> Option<&str> {
        let dropdown = self.dropdown.as_ref().and_then(|d| d.value.as_deref());
        let numeric = self.numeric.as_ref().and_then(|n| n.value.as_deref());
        let text = self.text.as_ref().and_then(|t| t.value.as_deref());
        dropdown.or(numeric).or(text)
    }
}

/// One entry of `discounts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionDiscount {
    /// The coupon applied.
    pub coupon: Option<Expandable>,
    /// The promotion code applied.
    pub promotion_code: Option<Expandable>,
}

/// `total_details`: what the total is made of.
///
/// `breakdown` is sent only when expanded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionTotalDetails {
    /// Sum of all discounts.
    pub amount_discount: i64,
    /// Sum of all shipping amounts.
    pub amount_shipping: Option<i64>,
    /// Sum of all taxes.
    pub amount_tax: i64,
    /// The discounts and taxes one by one, when expanded.
    pub breakdown: Option<CheckoutSessionTotalDetailsBreakdown>,
}

/// `shipping_cost`: the shipping amount charged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionShippingCost {
    /// Shipping cost before discounts and taxes.
    pub amount_subtotal: i64,
    /// Tax on shipping.
    pub amount_tax: i64,
    /// Shipping cost after discounts and taxes.
    pub amount_total: i64,
    /// The chosen shipping rate.
    pub shipping_rate: Option<Expandable>,
    /// The taxes applied to shipping.
    pub taxes: Option<Vec<CheckoutSessionShippingCostTaxes>>,
}

/// One entry of `shipping_options`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionShippingOption {
    /// The amount charged for this option.
    pub shipping_amount: i64,
    /// The shipping rate.
    pub shipping_rate: Option<Expandable>,
}

/// A line item (`"object": "item"`) of an expanded `line_items` list.
///
/// `adjustable_quantity`, `discounts` and `taxes` stay [`serde_json::Value`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CheckoutSessionLineItem {
    /// Unique identifier (`li_…`).
    pub id: String,
    /// Whether and how the customer may change the quantity.
    pub adjustable_quantity: Option<Value>,
    /// Total discount on the item.
    pub amount_discount: i64,
    /// Total before discounts and taxes.
    pub amount_subtotal: i64,
    /// Total tax on the item.
    pub amount_tax: i64,
    /// Total after discounts and taxes.
    pub amount_total: i64,
    /// The currency.
    pub currency: Currency,
    /// Description (defaults to the product name).
    pub description: Option<String>,
    /// Discounts applied to the item.
    pub discounts: Option<Vec<Value>>,
    /// Your key-value pairs.
    pub metadata: Option<Metadata>,
    /// The price.
    pub price: Option<Price>,
    /// Quantity purchased.
    pub quantity: Option<i64>,
    /// Taxes applied to the item.
    pub taxes: Option<Vec<Value>>,
}

impl HasId for CheckoutSessionLineItem {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

open_enum! {
    /// `checkout.session.mode`.
    pub enum CheckoutSessionMode {
        Payment => "payment",
        Setup => "setup",
        Subscription => "subscription",
    }
}

open_enum! {
    /// `checkout.session.status`.
    pub enum CheckoutSessionStatus {
        Complete => "complete",
        Expired => "expired",
        Open => "open",
    }
}

open_enum! {
    /// `checkout.session.payment_status`.
    pub enum CheckoutSessionPaymentStatus {
        NoPaymentRequired => "no_payment_required",
        Paid => "paid",
        Unpaid => "unpaid",
    }
}

open_enum! {
    /// `checkout.session.billing_address_collection`.
    pub enum CheckoutSessionBillingAddressCollection {
        Auto => "auto",
        Required => "required",
    }
}

open_enum! {
    /// `checkout.session.customer_creation`.
    pub enum CheckoutSessionCustomerCreation {
        Always => "always",
        IfRequired => "if_required",
    }
}

open_enum! {
    /// `checkout.session.origin_context`.
    pub enum CheckoutSessionOriginContext {
        MobileApp => "mobile_app",
        Web => "web",
    }
}

open_enum! {
    /// `checkout.session.payment_method_collection`.
    pub enum CheckoutSessionPaymentMethodCollection {
        Always => "always",
        IfRequired => "if_required",
    }
}

open_enum! {
    /// `checkout.session.redirect_on_completion`.
    pub enum CheckoutSessionRedirectOnCompletion {
        Always => "always",
        IfRequired => "if_required",
        Never => "never",
    }
}

open_enum! {
    /// `checkout.session.submit_type`.
    pub enum CheckoutSessionSubmitType {
        Auto => "auto",
        Book => "book",
        Donate => "donate",
        Pay => "pay",
        Subscribe => "subscribe",
    }
}

open_enum! {
    /// `checkout.session.ui_mode`.
    pub enum CheckoutSessionUiMode {
        Elements => "elements",
        EmbeddedPage => "embedded_page",
        Form => "form",
        HostedPage => "hosted_page",
    }
}

open_enum! {
    /// `consent.promotions`.
    pub enum CheckoutSessionConsentPromotions {
        OptIn => "opt_in",
        OptOut => "opt_out",
    }
}

open_enum! {
    /// `consent.terms_of_service`.
    pub enum CheckoutSessionTermsOfServiceConsent {
        Accepted => "accepted",
    }
}

open_enum! {
    /// `custom_fields[].type`.
    pub enum CheckoutSessionCustomFieldType {
        Dropdown => "dropdown",
        Numeric => "numeric",
        Text => "text",
    }
}

open_enum! {
    /// `checkout.session.locale`: the IETF language tag of the page (`auto`: the browser's).
    pub enum CheckoutSessionLocale {
        Auto => "auto",
        Bg => "bg",
        Cs => "cs",
        Da => "da",
        De => "de",
        El => "el",
        En => "en",
        EnGb => "en-GB",
        Es => "es",
        Es419 => "es-419",
        Et => "et",
        Fi => "fi",
        Fil => "fil",
        Fr => "fr",
        FrCa => "fr-CA",
        HiIn => "hi-IN",
        Hr => "hr",
        Hu => "hu",
        Id => "id",
        It => "it",
        Ja => "ja",
        Ko => "ko",
        Lt => "lt",
        Lv => "lv",
        Ms => "ms",
        Mt => "mt",
        Nb => "nb",
        Nl => "nl",
        Pl => "pl",
        Pt => "pt",
        PtBr => "pt-BR",
        Ro => "ro",
        Ru => "ru",
        Sk => "sk",
        Sl => "sl",
        Sv => "sv",
        Th => "th",
        Tr => "tr",
        Vi => "vi",
        Zh => "zh",
        ZhHk => "zh-HK",
        ZhTw => "zh-TW",
    }
}
