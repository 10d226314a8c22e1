//! [`Product`]: a good or service you sell, priced by one or more [`Price`]s.

use serde::{Deserialize, Serialize};

use super::common::{Expandable, HasId, Metadata, Timestamp};
use super::Price;
use crate::open_enum::open_enum;

/// A Product (`"object": "product"`).
///
/// Every field of the current API reference; fields an API version does not send are `None`
/// (or empty). `attributes` is from older API versions (products for Orders and SKUs); a
/// deleted product (`product.deleted` events may carry only `id` and `"deleted": true`) parses
/// with every other field at its default.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::resources::{Product, ProductType};
///
/// let product: Product = serde_json::from_str(r#"{
///   "id": "prod_1", "object": "product", "active": true, "name": "Pro plan",
///   "type": "service", "default_price": "price_1", "images": [], "metadata": {"tier": "pro"}
/// }"#).unwrap();
/// assert_eq!(product.name, "Pro plan");
/// assert_eq!(product.product_type, ProductType::Service);
/// assert_eq!(product.default_price.unwrap().id(), Some("price_1"));
/// assert_eq!(product.metadata["tier"], "pro");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Product {
    /// Unique identifier (`prod_…`).
    pub id: String,
    /// Whether it is available for purchase.
    pub active: bool,
    /// Attribute names of a product for Orders (older API versions).
    pub attributes: Option<Vec<String>>,
    /// When it was created.
    pub created: Timestamp,
    /// The default price.
    pub default_price: Option<Expandable<Price>>,
    /// A long description for customers.
    pub description: Option<String>,
    /// Up to 8 image URLs.
    pub images: Vec<String>,
    /// Whether it exists in live mode.
    pub livemode: bool,
    /// Up to 15 marketing features shown in pricing tables.
    pub marketing_features: Vec<ProductMarketingFeature>,
    /// Your key-value pairs.
    pub metadata: Metadata,
    /// The name shown to customers.
    pub name: String,
    /// Package dimensions for shipping.
    pub package_dimensions: Option<ProductPackageDimensions>,
    /// Whether it is shipped (physical goods).
    pub shippable: Option<bool>,
    /// Text for the customer's card statement.
    pub statement_descriptor: Option<String>,
    /// The tax code (an id or an object).
    pub tax_code: Option<Expandable>,
    /// Tax code and performance location.
    pub tax_details: Option<ProductTaxDetails>,
    /// `good` or `service`.
    #[serde(rename = "type")]
    pub product_type: ProductType,
    /// A label for units, shown on receipts and invoices.
    pub unit_label: Option<String>,
    /// When it was last updated.
    pub updated: Timestamp,
    /// A public web page for it.
    pub url: Option<String>,
}

impl HasId for Product {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// One entry of `product.marketing_features`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProductMarketingFeature {
    /// The feature's name.
    pub name: Option<String>,
}

/// `product.package_dimensions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProductPackageDimensions {
    /// Height in inches.
    pub height: f64,
    /// Length in inches.
    pub length: f64,
    /// Weight in ounces.
    pub weight: f64,
    /// Width in inches.
    pub width: f64,
}

/// `product.tax_details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProductTaxDetails {
    /// A tax location with type `performance`: where the performance takes place.
    pub performance_location: Option<String>,
    /// The tax code id.
    pub tax_code: Option<String>,
}

open_enum! {
    /// `product.type`.
    pub enum ProductType {
        Good => "good",
        Service => "service",
    }
}
