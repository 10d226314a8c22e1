//! Shapes shared by many resources: ids or expanded objects, lists, money, addresses, and the
//! payment error and outcome shapes.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::open_enum::open_enum;

/// `metadata`: your own key-value pairs, as set through the API.
pub type Metadata = BTreeMap<String, String>;

/// A Unix timestamp in seconds, as Stripe sends it. Convert with [`to_datetime`].
pub type Timestamp = i64;

/// A timestamp as a date-time, or `None` when it lies outside the representable range.
#[must_use]
pub fn to_datetime(timestamp: Timestamp) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(timestamp).ok()
}

/// Objects that carry an `id`: what [`Expandable::id`] needs.
pub trait HasId {
    /// The object's id, if it has one.
    fn object_id(&self) -> Option<&str>;
}

impl HasId for Value {
    fn object_id(&self) -> Option<&str> {
        self.get("id").and_then(Value::as_str)
    }
}

/// A field that is an id (`"cus_123"`) unless the request expanded it into the object.
///
/// `T` defaults to `serde_json::Value` for resources this crate does not type.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Customer, Expandable};
///
/// let id: Expandable<Customer> = serde_json::from_str(r#""cus_1""#).unwrap();
/// assert_eq!(id.id(), Some("cus_1"));
/// assert!(id.as_object().is_none());
///
/// let full: Expandable<Customer> =
///     serde_json::from_str(r#"{"id":"cus_1","object":"customer","email":"a@b.c"}"#).unwrap();
/// assert_eq!(full.id(), Some("cus_1"));
/// assert_eq!(full.as_object().unwrap().email.as_deref(), Some("a@b.c"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Expandable<T = Value> {
    /// Only the id.
    Id(String),
    /// The expanded object.
    Object(Box<T>),
}

/// An empty id: what a required reference an API version does not send reads as.
impl<T> Default for Expandable<T> {
    fn default() -> Self {
        Expandable::Id(String::new())
    }
}

impl<T: HasId> Expandable<T> {
    /// The id, whether or not the object was expanded.
    #[must_use]
    pub fn id(&self) -> Option<&str> {
        match self {
            Expandable::Id(id) => Some(id),
            Expandable::Object(object) => object.object_id(),
        }
    }
}

impl<T> Expandable<T> {
    /// The expanded object, if it was expanded.
    #[must_use]
    pub fn as_object(&self) -> Option<&T> {
        match self {
            Expandable::Id(_) => None,
            Expandable::Object(object) => Some(object),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Expandable<T> {
    // Hand-written rather than `untagged`, so a mismatch inside the object reports its path
    // instead of "did not match any variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ExpandableVisitor<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for ExpandableVisitor<T> {
            type Value = Expandable<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id string or an expanded object")
            }

            fn visit_str<E: de::Error>(self, id: &str) -> Result<Self::Value, E> {
                Ok(Expandable::Id(id.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|object| Expandable::Object(Box::new(object)))
            }
        }

        deserializer.deserialize_any(ExpandableVisitor(PhantomData))
    }
}

/// A list object (`{"object": "list", "data": [...], "has_more": …, "url": …}`).
///
/// Old API versions sent some lists as bare arrays; both shapes parse.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct List<T> {
    /// The items in this page.
    pub data: Vec<T>,
    /// Whether more items exist beyond this page.
    pub has_more: bool,
    /// The total count, when the request asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// The API path that lists all items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List {
            data: Vec::new(),
            has_more: false,
            total_count: None,
            url: None,
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "T: DeserializeOwned")]
        struct ListObject<T> {
            #[serde(default = "Vec::new")]
            data: Vec<T>,
            #[serde(default)]
            has_more: Option<bool>,
            #[serde(default)]
            total_count: Option<u64>,
            #[serde(default)]
            url: Option<String>,
        }

        struct ListVisitor<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list object or an array")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                let data = Vec::<T>::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(List {
                    data,
                    ..List::default()
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let list =
                    ListObject::<T>::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(List {
                    data: list.data,
                    has_more: list.has_more.unwrap_or(false),
                    total_count: list.total_count,
                    url: list.url,
                })
            }
        }

        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

/// A three-letter ISO currency code in lowercase, as Stripe sends it (`"usd"`).
///
/// A string newtype rather than an enum: Stripe supports well over a hundred currencies and
/// adds more; [`is_zero_decimal`](Currency::is_zero_decimal) tells how to read amounts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(pub String);

impl Currency {
    /// The code as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether amounts in this currency have no minor unit (`jpy`: 500 means ¥500), per
    /// Stripe's list of zero-decimal currencies.
    #[must_use]
    pub fn is_zero_decimal(&self) -> bool {
        const ZERO_DECIMAL: &[&str] = &[
            "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
            "vuv", "xaf", "xof", "xpf",
        ];
        ZERO_DECIMAL
            .iter()
            .any(|code| code.eq_ignore_ascii_case(&self.0))
    }

    /// Whether amounts have three decimal places (`bhd`, `jod`, `kwd`, `omr`, `tnd`).
    #[must_use]
    pub fn is_three_decimal(&self) -> bool {
        const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];
        THREE_DECIMAL
            .iter()
            .any(|code| code.eq_ignore_ascii_case(&self.0))
    }

    /// `amount` (in minor units) written for people: `"20.00 USD"`, `"500 JPY"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::resources::Currency;
    ///
    /// assert_eq!(Currency("usd".into()).format_amount(2000), "20.00 USD");
    /// assert_eq!(Currency("jpy".into()).format_amount(500), "500 JPY");
    /// assert_eq!(Currency("eur".into()).format_amount(-5), "-0.05 EUR");
    /// ```
    #[must_use]
    pub fn format_amount(&self, amount: i64) -> String {
        let code = self.0.to_ascii_uppercase();
        let places: u32 = if self.is_zero_decimal() {
            0
        } else if self.is_three_decimal() {
            3
        } else {
            2
        };
        if places == 0 {
            return format!("{amount} {code}");
        }
        let unit = 10u64.pow(places);
        let sign = if amount < 0 { "-" } else { "" };
        let magnitude = amount.unsigned_abs();
        format!(
            "{sign}{}.{:0width$} {code}",
            magnitude / unit,
            magnitude % unit,
            width = places as usize
        )
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Currency {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Currency {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Address {
    /// City, district, suburb, town or village.
    pub city: Option<String>,
    /// Two-letter country code (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Address line 1 (street, PO box or company name).
    pub line1: Option<String>,
    /// Address line 2 (apartment, suite, unit or building).
    pub line2: Option<String>,
    /// ZIP or postal code.
    pub postal_code: Option<String>,
    /// State, county, province or region.
    pub state: Option<String>,
}

/// Shipping details: `shipping` on charges, payment intents and customers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Shipping {
    /// The shipping address.
    pub address: Option<Address>,
    /// The delivery service (e.g. `UPS`).
    pub carrier: Option<String>,
    /// Recipient name.
    pub name: Option<String>,
    /// Recipient phone.
    pub phone: Option<String>,
    /// The tracking number.
    pub tracking_number: Option<String>,
}

/// Billing details: `billing_details` on charges and payment methods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BillingDetails {
    /// Billing address.
    pub address: Option<Address>,
    /// Email address.
    pub email: Option<String>,
    /// Full name.
    pub name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Tax id of the payer.
    pub tax_id: Option<String>,
}

open_enum! {
    /// The `type` of an API error: `last_payment_error.type`.
    pub enum ApiErrorType {
        ApiError => "api_error",
        CardError => "card_error",
        IdempotencyError => "idempotency_error",
        InvalidRequestError => "invalid_request_error",
    }
}

/// The error of the last failed payment attempt: `last_payment_error` on payment intents,
/// `last_setup_error` on setup intents.
///
/// Codes stay strings: Stripe documents hundreds of error and decline codes and adds more;
/// compare with the ones you act on (`"card_declined"`, `"insufficient_funds"`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PaymentError {
    /// The kind of error.
    #[serde(rename = "type")]
    pub error_type: Option<ApiErrorType>,
    /// A short code, e.g. `card_declined`, `expired_card`, `authentication_required`.
    pub code: Option<String>,
    /// For card declines, the issuer's reason, e.g. `insufficient_funds`, `do_not_honor`.
    pub decline_code: Option<String>,
    /// A message for people; for card errors it can be shown to the customer.
    pub message: Option<String>,
    /// What the card network advises, e.g. `try_again_later`, `do_not_try_again`.
    pub advice_code: Option<String>,
    /// The card network's own decline code.
    pub network_decline_code: Option<String>,
    /// The network's advice code.
    pub network_advice_code: Option<String>,
    /// The charge that failed, if any.
    pub charge: Option<String>,
    /// The parameter the error relates to.
    pub param: Option<String>,
    /// A link to Stripe's documentation of the code.
    pub doc_url: Option<String>,
    /// The request log in the dashboard.
    pub request_log_url: Option<String>,
    /// The payment method that failed (a full object).
    pub payment_method: Option<Box<super::PaymentMethod>>,
    /// The payment method type, for errors on a specific type.
    pub payment_method_type: Option<String>,
}

/// Why a charge went the way it did: `charge.outcome`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChargeOutcome {
    /// What happened: `authorized`, `manual_review`, `issuer_declined`, `blocked`, `invalid`.
    #[serde(rename = "type")]
    pub outcome_type: Option<OutcomeType>,
    /// The network's verdict.
    pub network_status: Option<NetworkStatus>,
    /// A reason code (e.g. `highest_risk_level`, `insufficient_funds`).
    pub reason: Option<String>,
    /// Stripe Radar's risk level.
    pub risk_level: Option<RiskLevel>,
    /// Radar's risk score, 0 to 100.
    pub risk_score: Option<i64>,
    /// The Radar rule that matched (an id or an object).
    pub rule: Option<Expandable>,
    /// A message for you, the seller, about the outcome.
    pub seller_message: Option<String>,
    /// What the network advises about retrying.
    pub advice_code: Option<String>,
    /// The network's own advice code.
    pub network_advice_code: Option<String>,
    /// The network's own decline code.
    pub network_decline_code: Option<String>,
}

open_enum! {
    /// `charge.outcome.network_status`.
    pub enum NetworkStatus {
        ApprovedByNetwork => "approved_by_network",
        DeclinedByNetwork => "declined_by_network",
        NotSentToNetwork => "not_sent_to_network",
        ReversedAfterApproval => "reversed_after_approval",
    }
}

open_enum! {
    /// `charge.outcome.risk_level`. Stripe's own `"unknown"` (the risk could not be assessed)
    /// is [`RiskLevel::NotKnown`], apart from values this crate does not know.
    pub enum RiskLevel {
        Elevated => "elevated",
        Highest => "highest",
        Normal => "normal",
        NotAssessed => "not_assessed",
        NotKnown => "unknown",
    }
}

open_enum! {
    /// `charge.outcome.type`.
    pub enum OutcomeType {
        Authorized => "authorized",
        Blocked => "blocked",
        Invalid => "invalid",
        IssuerDeclined => "issuer_declined",
        ManualReview => "manual_review",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_reads_both_shapes() {
        let object: List<Value> =
            serde_json::from_str(r#"{"object":"list","data":[1,2],"has_more":true,"url":"/v1/x"}"#)
                .unwrap();
        assert_eq!(object.data.len(), 2);
        assert!(object.has_more);
        let array: List<Value> = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(array.data.len(), 3);
    }

    #[test]
    fn expandable_reports_inner_path() {
        #[derive(Debug, Deserialize)]
        struct Inner {
            #[allow(dead_code)]
            n: i64,
        }
        let raw = serde_json::value::RawValue::from_string(r#"{"n":"x"}"#.to_owned()).unwrap();
        let err = crate::event::parse_as::<Expandable<Inner>>(&raw, "").unwrap_err();
        let crate::Error::ObjectShape { path, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(&*path, ".n");
    }

    #[test]
    fn zero_and_three_decimal_amounts() {
        assert_eq!(Currency("KWD".into()).format_amount(1234), "1.234 KWD");
        assert_eq!(
            Currency("usd".into()).format_amount(i64::MIN),
            "-92233720368547758.08 USD"
        );
    }
}
