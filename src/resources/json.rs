//! How the generated resources read and write JSON: one small non-generic function per type
//! instead of a `derive(Deserialize)` expansion per type, which is what keeps hundreds of types
//! cheap to compile.
//!
//! The read is lenient by design, so that a typed view never fails a genuine event:
//!
//! - a member whose JSON type is not the described one is set aside: an `Option` field stays
//!   `None`, any other field keeps its default, and an array element of the wrong type is
//!   skipped (the event's raw `data.object` still holds all of it);
//! - a collection sent as `null` is empty;
//! - members the description does not know are ignored (again, the raw object keeps them).
//!
//! The write gives back every member that was read, in the described shape: for a payload that
//! matches the description, `to_json(from_json(v)) == v` once `null` members are dropped (an
//! absent `Option` is not written).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::common::{Expandable, List};

/// A value read from its JSON form; `None` when the JSON type is not the described one.
pub(crate) trait FromJson: Sized {
    fn from_json(value: Value) -> Option<Self>;
}

/// A value written back to its JSON form.
pub(crate) trait ToJson {
    fn to_json(&self) -> Value;
}

/// Stores what `value` reads as, or leaves `slot` as it was when it reads as nothing.
pub(crate) fn read_into<T: FromJson>(slot: &mut T, value: Value) {
    if let Some(read) = T::from_json(value) {
        *slot = read;
    }
}

/// The members of an object, for a generated `from_json`.
pub(crate) fn members(value: Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Writes one member; `None` and the (never-written) skipped members leave no key. Not
/// generic, so it is compiled once rather than per member type.
pub(crate) fn write_member(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !value.is_null() {
        map.insert(key.to_owned(), value);
    }
}

impl FromJson for String {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl FromJson for i64 {
    fn from_json(value: Value) -> Option<Self> {
        value.as_i64()
    }
}

impl ToJson for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl FromJson for f64 {
    fn from_json(value: Value) -> Option<Self> {
        value.as_f64()
    }
}

impl ToJson for f64 {
    fn to_json(&self) -> Value {
        // Integral values go back as integers, as Stripe writes them (`"percent_off": 25`).
        if self.fract() == 0.0 && self.abs() < 9.0e15 {
            #[allow(clippy::cast_possible_truncation)]
            return Value::from(*self as i64);
        }
        Value::from(*self)
    }
}

impl FromJson for bool {
    fn from_json(value: Value) -> Option<Self> {
        value.as_bool()
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl FromJson for Value {
    fn from_json(value: Value) -> Option<Self> {
        Some(value)
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

/// `null` is `None`; a value of the wrong type is `None` too (set aside, not an error).
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            value => Some(T::from_json(value)),
        }
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        match self {
            Some(value) => value.to_json(),
            None => Value::Null,
        }
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(value: Value) -> Option<Self> {
        T::from_json(value).map(Box::new)
    }
}

impl<T: ToJson> ToJson for Box<T> {
    fn to_json(&self) -> Value {
        T::to_json(self)
    }
}

/// `null` is empty; elements of the wrong type are skipped.
impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(Vec::new()),
            // A plain loop: an iterator chain would instantiate the in-place-collect machinery
            // for every element type.
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(item) = T::from_json(item) {
                        out.push(item);
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        let mut out = Vec::with_capacity(self.len());
        for item in self {
            out.push(item.to_json());
        }
        Value::Array(out)
    }
}

/// `null` is empty; values of the wrong type are skipped.
impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::Null => Some(BTreeMap::new()),
            Value::Object(map) => {
                let mut out = BTreeMap::new();
                for (key, value) in map {
                    if let Some(value) = T::from_json(value) {
                        out.insert(key, value);
                    }
                }
                Some(out)
            }
            _ => None,
        }
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        for (key, value) in self {
            out.insert(key.clone(), value.to_json());
        }
        Value::Object(out)
    }
}

/// An id string, or the expanded object.
impl<T: FromJson> FromJson for Expandable<T> {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::String(id) => Some(Expandable::Id(id)),
            object @ Value::Object(_) => {
                T::from_json(object).map(|t| Expandable::Object(Box::new(t)))
            }
            _ => None,
        }
    }
}

impl<T: ToJson> ToJson for Expandable<T> {
    fn to_json(&self) -> Value {
        match self {
            Expandable::Id(id) => Value::String(id.clone()),
            Expandable::Object(object) => object.to_json(),
        }
    }
}

/// A list object; `null` is an empty list, and a bare array (old API versions) is its items.
impl<T: FromJson> FromJson for List<T> {
    fn from_json(value: Value) -> Option<Self> {
        let mut list = List::default();
        match value {
            Value::Null => {}
            array @ Value::Array(_) => list.data = Vec::from_json(array)?,
            Value::Object(map) => {
                for (key, value) in map {
                    match key.as_str() {
                        "data" => read_into(&mut list.data, value),
                        "has_more" => read_into(&mut list.has_more, value),
                        "total_count" => {
                            list.total_count = value.as_u64();
                        }
                        "url" => read_into(&mut list.url, value),
                        _ => {}
                    }
                }
            }
            _ => return None,
        }
        Some(list)
    }
}

impl<T: ToJson> ToJson for List<T> {
    fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("object".to_owned(), Value::from("list"));
        write_member(&mut map, "data", self.data.to_json());
        write_member(&mut map, "has_more", self.has_more.to_json());
        if let Some(count) = self.total_count {
            map.insert("total_count".to_owned(), Value::from(count));
        }
        write_member(&mut map, "url", self.url.to_json());
        Value::Object(map)
    }
}

/// `FromJson` / `ToJson` for a struct, from its `"key" => field` pairs.
macro_rules! json_struct {
    ($name:ident { $($key:literal => $field:ident,)* }) => {
        impl $crate::resources::json::FromJson for $name {
            fn from_json(value: ::serde_json::Value) -> Option<Self> {
                #[allow(unused_mut)]
                let mut out = Self::default();
                #[allow(unused_variables)]
                for (key, value) in $crate::resources::json::members(value)? {
                    match key.as_str() {
                        $($key => $crate::resources::json::read_into(&mut out.$field, value),)*
                        _ => {}
                    }
                }
                Some(out)
            }
        }

        impl $crate::resources::json::ToJson for $name {
            fn to_json(&self) -> ::serde_json::Value {
                #[allow(unused_mut)]
                let mut map = ::serde_json::Map::new();
                $($crate::resources::json::write_member(
                    &mut map,
                    $key,
                    $crate::resources::json::ToJson::to_json(&self.$field),
                );)*
                ::serde_json::Value::Object(map)
            }
        }
    };
}

/// `json_struct!`, plus the serde impls a resource (a top-level object) offers its users,
/// through the same functions.
#[allow(unused_macros)] // only the families have resources
macro_rules! json_resource {
    ($name:ident { $($key:literal => $field:ident,)* }) => {
        $crate::resources::json::json_struct!($name { $($key => $field,)* });
        $crate::resources::json::json_serde!($name);
    };
}

/// `Deserialize` / `Serialize` through `FromJson` / `ToJson`: for the resources, and for the
/// members that the hand-written (serde-derived) resources hold.
macro_rules! json_serde {
    ($name:ident) => {
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                $crate::resources::json::from_serde(deserializer)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                ::serde::Serialize::serialize(
                    &$crate::resources::json::ToJson::to_json(self),
                    serializer,
                )
            }
        }
    };
}

/// A polymorphic member: one variant per typed `object` string, and `Unknown` for the rest.
#[allow(unused_macros)] // only some families have one
macro_rules! json_one_of {
    ($name:ident { $($object:literal => $variant:ident,)* }) => {
        impl $crate::resources::json::FromJson for $name {
            fn from_json(value: ::serde_json::Value) -> Option<Self> {
                if !value.is_object() {
                    return None;
                }
                let kind = value.get("object").and_then(::serde_json::Value::as_str).unwrap_or("");
                Some(match kind {
                    $($object => $name::$variant(
                        $crate::resources::json::FromJson::from_json(value)?,
                    ),)*
                    _ => $name::Unknown(value),
                })
            }
        }

        impl $crate::resources::json::ToJson for $name {
            fn to_json(&self) -> ::serde_json::Value {
                match self {
                    $($name::$variant(object) => $crate::resources::json::ToJson::to_json(object),)*
                    $name::Unknown(value) => value.clone(),
                }
            }
        }
    };
}

/// `FromJson` / `ToJson` for open enums (through `FromStr` and `as_str`).
macro_rules! json_enum {
    ($($name:ident),+ $(,)?) => {
        $(
            impl $crate::resources::json::FromJson for $name {
                fn from_json(value: ::serde_json::Value) -> Option<Self> {
                    match value {
                        ::serde_json::Value::String(text) => text.parse().ok(),
                        _ => None,
                    }
                }
            }

            impl $crate::resources::json::ToJson for $name {
                fn to_json(&self) -> ::serde_json::Value {
                    ::serde_json::Value::from(self.as_str())
                }
            }
        )+
    };
}

pub(crate) use {json_enum, json_one_of, json_resource, json_serde, json_struct};

/// The one generic step of a resource's `Deserialize`: `T` is read from a `Value`, so each
/// resource adds a call, not a visitor.
pub(crate) fn from_serde<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromJson,
{
    let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
    T::from_json(value).ok_or_else(|| serde::de::Error::custom("expected a JSON object"))
}

/// Hand-written resources inside generated ones (invoked by `generated.rs`): read through their own serde impls (which
/// the event's typed view already relies on), set aside when they do not fit; written back
/// with their `object` string, which their structs do not keep.
macro_rules! json_via_serde {
    ($($name:ident => $object:literal,)+) => {
        $(
            impl $crate::resources::json::FromJson for $crate::resources::$name {
                // Through text, so the resource's `Deserialize` is compiled for one
                // deserializer only (an expanded object in a webhook is rare).
                fn from_json(value: ::serde_json::Value) -> Option<Self> {
                    $crate::event::from_text(&value.to_string()).ok()
                }
            }

            impl $crate::resources::json::ToJson for $crate::resources::$name {
                fn to_json(&self) -> ::serde_json::Value {
                    let mut value = ::serde_json::to_value(self).unwrap_or(::serde_json::Value::Null);
                    if let ::serde_json::Value::Object(map) = &mut value {
                        map.insert("object".to_owned(), ::serde_json::Value::from($object));
                    }
                    value
                }
            }
        )+
    };
}

pub(crate) use json_via_serde;
