//! [`Price`]: what a product costs, once or on a recurring schedule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{Currency, Expandable, HasId, Metadata, Timestamp};
use super::Product;
use crate::open_enum::open_enum;

/// A Price (`"object": "price"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). Prices launched in 2020 (before that, subscriptions carried only a `plan`);
/// `recurring.aggregate_usage` was removed in 2025-03-31.basil. A deleted price
/// (`price.deleted` events) is just `id` plus `"deleted": true`: it parses with every other
/// field at its default.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Price, PriceInterval, PriceType};
///
/// let price: Price = serde_json::from_str(r#"{
///   "id": "price_1", "object": "price", "active": true, "currency": "usd",
///   "product": "prod_1", "type": "recurring", "unit_amount": 2000,
///   "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"}
/// }"#).unwrap();
/// assert_eq!(price.price_type, PriceType::Recurring);
/// assert_eq!(price.unit_amount, Some(2000));
/// assert_eq!(price.recurring.unwrap().interval, PriceInterval::Month);
/// assert_eq!(price.product.unwrap().id(), Some("prod_1"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Price {
    /// Unique identifier (`price_…`).
    pub id: String,
    /// Whether it can be used for new purchases.
    pub active: bool,
    /// `per_unit` (a fixed `unit_amount`) or `tiered` (see `tiers`).
    pub billing_scheme: PriceBillingScheme,
    /// When it was created.
    pub created: Timestamp,
    /// The currency.
    pub currency: Currency,
    /// The price in other currencies, keyed by currency code (sent when expanded).
    pub currency_options: Option<BTreeMap<String, PriceCurrencyOption>>,
    /// Bounds for a customer-chosen amount (pay what you want), if enabled.
    pub custom_unit_amount: Option<PriceCustomUnitAmount>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// A key to look the price up by.
    pub lookup_key: Option<String>,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// A short description, hidden from customers.
    pub nickname: Option<String>,
    /// The product it prices.
    pub product: Option<Expandable<Product>>,
    /// The billing interval and usage settings, for recurring prices.
    pub recurring: Option<PriceRecurring>,
    /// Whether the price includes tax.
    pub tax_behavior: Option<PriceTaxBehavior>,
    /// The pricing tiers, for `billing_scheme=tiered` (sent when expanded).
    pub tiers: Option<Vec<PriceTier>>,
    /// How tiers apply: `graduated` or `volume`.
    pub tiers_mode: Option<PriceTiersMode>,
    /// A transformation of the quantity before it is billed.
    pub transform_quantity: Option<PriceTransformQuantity>,
    /// `one_time` or `recurring`.
    #[serde(rename = "type")]
    pub price_type: PriceType,
    /// The unit amount in the currency's minor unit, for `per_unit` prices.
    pub unit_amount: Option<i64>,
    /// The unit amount as a decimal string (up to 12 decimal places).
    pub unit_amount_decimal: Option<String>,
}

impl HasId for Price {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// `price.recurring`: how often a recurring price bills.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PriceRecurring {
    /// How metered usage was aggregated (API versions before 2025-03-31.basil).
    pub aggregate_usage: Option<PriceAggregateUsage>,
    /// The billing frequency.
    pub interval: PriceInterval,
    /// The number of intervals between bills (3 with `month` is quarterly).
    pub interval_count: i64,
    /// The billing meter tracking usage, for metered prices.
    pub meter: Option<String>,
    /// Default trial length in days when subscribing with `trial_from_plan`.
    pub trial_period_days: Option<i64>,
    /// `licensed` (bills the set quantity) or `metered` (bills reported usage).
    pub usage_type: PriceUsageType,
}

/// `price.custom_unit_amount`: bounds for a customer-chosen amount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PriceCustomUnitAmount {
    /// The largest amount the customer may choose.
    pub maximum: Option<i64>,
    /// The smallest amount the customer may choose.
    pub minimum: Option<i64>,
    /// The amount shown first.
    pub preset: Option<i64>,
}

/// One entry of `price.currency_options`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PriceCurrencyOption {
    /// Bounds for a customer-chosen amount, in this currency.
    pub custom_unit_amount: Option<PriceCustomUnitAmount>,
    /// Whether the price includes tax.
    pub tax_behavior: Option<PriceTaxBehavior>,
    /// The pricing tiers in this currency.
    pub tiers: Option<Vec<PriceTier>>,
    /// The unit amount in this currency's minor unit.
    pub unit_amount: Option<i64>,
    /// The unit amount as a decimal string.
    pub unit_amount_decimal: Option<String>,
}

/// One entry of `price.tiers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PriceTier {
    /// A flat amount for the whole tier.
    pub flat_amount: Option<i64>,
    /// The flat amount as a decimal string.
    pub flat_amount_decimal: Option<String>,
    /// The amount per unit within the tier.
    pub unit_amount: Option<i64>,
    /// The unit amount as a decimal string.
    pub unit_amount_decimal: Option<String>,
    /// The last quantity in the tier (inclusive); `None` for the last tier.
    pub up_to: Option<i64>,
}

/// `price.transform_quantity`: divide the quantity, then round.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PriceTransformQuantity {
    /// The divisor.
    pub divide_by: i64,
    /// Which way to round after dividing.
    pub round: PriceTransformRound,
}

open_enum! {
    /// `price.billing_scheme`.
    pub enum PriceBillingScheme {
        PerUnit => "per_unit",
        Tiered => "tiered",
    }
}

open_enum! {
    /// `price.recurring.interval`.
    pub enum PriceInterval {
        Day => "day",
        Month => "month",
        Week => "week",
        Year => "year",
    }
}

open_enum! {
    /// `price.recurring.usage_type`.
    pub enum PriceUsageType {
        Licensed => "licensed",
        Metered => "metered",
    }
}

open_enum! {
    /// `price.recurring.aggregate_usage` (API versions before 2025-03-31.basil).
    pub enum PriceAggregateUsage {
        LastDuringPeriod => "last_during_period",
        LastEver => "last_ever",
        Max => "max",
        Sum => "sum",
    }
}

open_enum! {
    /// `price.tax_behavior`.
    pub enum PriceTaxBehavior {
        Exclusive => "exclusive",
        Inclusive => "inclusive",
        Unspecified => "unspecified",
    }
}

open_enum! {
    /// `price.tiers_mode`.
    pub enum PriceTiersMode {
        Graduated => "graduated",
        Volume => "volume",
    }
}

open_enum! {
    /// `price.transform_quantity.round`.
    pub enum PriceTransformRound {
        Down => "down",
        Up => "up",
    }
}

open_enum! {
    /// `price.type`.
    pub enum PriceType {
        OneTime => "one_time",
        Recurring => "recurring",
    }
}
