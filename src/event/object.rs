//! [`EventObject`]: the typed resource in `data.object`, picked by its `object` string.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use super::object_ref::ObjectRef;
use crate::error::Error;
use crate::resources;

/// Declares `EventObject` from `Variant(Type) => "object string"` lines.
macro_rules! event_objects {
    ($($variant:ident($ty:ident) => $object:literal,)+) => {
        /// The resource an event is about, typed when this crate knows its `object` string.
        ///
        /// A resource the crate does not type (or one Stripe adds later) is
        /// [`Unknown`](EventObject::Unknown) with the whole JSON value, never an error.
        ///
        /// # Examples
        ///
        /// ```
        /// use stripe_webhooks::{Event, EventObject};
        ///
        /// let body = br#"{"id":"evt_1","object":"event","type":"teleport.completed","created":1700000000,
        ///   "data":{"object":{"id":"tp_1","object":"teleport","distance":"far"}}}"#;
        /// let event = Event::from_slice(body)?;
        /// let EventObject::Unknown(value) = event.object()? else { panic!() };
        /// assert_eq!(value["distance"], "far");
        /// # Ok::<(), stripe_webhooks::Error>(())
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum EventObject {
            $(
                #[doc = concat!("`\"object\": \"", $object, "\"`: a [`resources::", stringify!($ty), "`].")]
                $variant(Box<resources::$ty>),
            )+
            /// Any other object (or none), as JSON.
            Unknown(Value),
        }

        impl EventObject {
            /// The `object` strings that get a typed variant, in declaration order.
            pub const OBJECT_NAMES: &'static [&'static str] = &[$($object,)+];

            /// Parses `raw`, choosing the type by its `object` field.
            ///
            /// # Errors
            ///
            /// [`Error::ObjectShape`] naming the field whose JSON type is not the documented one.
            pub fn from_raw(raw: &RawValue) -> Result<EventObject, Error> {
                let identity: ObjectRef = serde_json::from_str(raw.get()).unwrap_or_default();
                match identity.kind.as_deref() {
                    $(Some($object) => parse_as::<resources::$ty>(raw, "")
                        .map(|object| EventObject::$variant(Box::new(object))),)+
                    _ => parse_as(raw, "").map(EventObject::Unknown),
                }
            }

            /// The `object` string of the resource (`None` for an `Unknown` without one).
            #[must_use]
            pub fn object_name(&self) -> Option<&str> {
                match self {
                    $(EventObject::$variant(_) => Some($object),)+
                    EventObject::Unknown(value) => value.get("object").and_then(Value::as_str),
                }
            }
        }
    };
}

event_objects! {
    Charge(Charge) => "charge",
    CheckoutSession(CheckoutSession) => "checkout.session",
    Customer(Customer) => "customer",
    Dispute(Dispute) => "dispute",
    Invoice(Invoice) => "invoice",
    InvoicePayment(InvoicePayment) => "invoice_payment",
    PaymentIntent(PaymentIntent) => "payment_intent",
    PaymentMethod(PaymentMethod) => "payment_method",
    Payout(Payout) => "payout",
    Price(Price) => "price",
    Product(Product) => "product",
    Refund(Refund) => "refund",
    SetupIntent(SetupIntent) => "setup_intent",
    Subscription(Subscription) => "subscription",
}

/// Reads `raw` as `T`, reporting the field path of the first mismatch.
///
/// The fast path parses without tracking the path; only a failed parse is repeated with
/// `serde_path_to_error`, so the common case pays nothing for good error messages.
pub(crate) fn parse_as<T: DeserializeOwned>(raw: &RawValue, prefix: &str) -> Result<T, Error> {
    if let Ok(value) = serde_json::from_str(raw.get()) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| shape_error(error, prefix, std::any::type_name::<T>()))
}

// Not generic, so it is compiled once rather than once per `T`.
fn shape_error(
    error: serde_path_to_error::Error<serde_json::Error>,
    prefix: &str,
    target: &'static str,
) -> Error {
    let path = error.path().to_string();
    let path = if path == "." {
        prefix.to_owned()
    } else {
        format!("{prefix}.{path}")
    };
    Error::ObjectShape {
        path: path.into_boxed_str(),
        target,
        error: error.into_inner(),
    }
}
