//! Reading `data.object` in one pass where the two-pass read (the lenient identity, then the
//! typed parse) would give the same result: the identity pass costs a scan of the whole object.
//!
//! The first `object` key picks the type, and the object is read once as that type while each
//! `id` and `object` key is checked on the way: each must be a string (the identity read takes
//! an unreadable one as no identity at all), and each `object` the one that picked the type
//! (the identity read goes by the last one). When all hold, the identity read would have
//! picked the same type and the typed parse would have read the same values. Anything else (a
//! repeated `object` naming another type, a value that is no string, a shape error) gives up,
//! and the caller takes the two-pass road, which also names the failing field.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::value::RawValue;

/// What the first `object` key of a raw object holds.
pub(crate) enum FirstKind {
    /// A string: the type to try.
    Named(String),
    /// A JSON object without an `object` key: the identity has no type, for certain.
    Absent,
    /// Not a JSON object, or an `object` that is no string: left to the two-pass read.
    Unreadable,
}

/// Reads `raw` up to its first `object` key and no further.
pub(crate) fn first_kind(raw: &RawValue) -> FirstKind {
    struct Scan<'a>(&'a mut FirstKind);

    impl<'de> Visitor<'de> for Scan<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<Text<'de>>()? {
                if key.as_str() == "object" {
                    if let Ok(kind) = map.next_value::<Text<'de>>() {
                        *self.0 = FirstKind::Named(kind.into_string());
                    }
                    // The rest is read once, by `read`: stop here (the error is dropped).
                    return Err(de::Error::custom("found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            *self.0 = FirstKind::Absent;
            Ok(())
        }
    }

    let mut found = FirstKind::Unreadable;
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    let _ = deserializer.deserialize_map(Scan(&mut found));
    found
}

/// `raw` read as `T` in one pass, every `id` a string and every `object` equal to `kind`;
/// `None` when anything is otherwise.
pub(crate) fn read<T: DeserializeOwned>(raw: &RawValue, kind: &str) -> Option<T> {
    through_checked(raw.get(), Some(kind)).ok()
}

/// `text` read as the JSON object `T`, with serde_json's errors and no identity checks.
///
/// What `serde_json::from_str` does, but through the same deserializer type as [`read`], so
/// that a resource's `Deserialize` is compiled once for both (the visitor of a large resource
/// is thousands of lines of machine code).
pub(crate) fn from_text<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    through_checked(text, None)
}

fn through_checked<T: DeserializeOwned>(text: &str, kind: Option<&str>) -> serde_json::Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(Checked {
        inner: &mut deserializer,
        kind,
    })?;
    deserializer.end()?;
    Ok(value)
}

/// A JSON object deserializer that checks the identity keys as they go by.
struct Checked<'k, D> {
    inner: D,
    kind: Option<&'k str>,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Checked<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(CheckedVisitor {
            visitor,
            kind: self.kind,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct CheckedVisitor<'k, V> {
    visitor: V,
    kind: Option<&'k str>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CheckedVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(CheckedMap {
            map,
            kind: self.kind,
            next: Identity::Neither,
        })
    }
}

/// Which identity key the value about to be read belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Identity {
    Id,
    Object,
    Neither,
}

struct CheckedMap<'k, A> {
    map: A,
    kind: Option<&'k str>,
    next: Identity,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CheckedMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<Text<'de>>()? else {
            return Ok(None);
        };
        self.next = match (key.as_str(), self.kind) {
            (_, None) => Identity::Neither,
            ("id", Some(_)) => Identity::Id,
            ("object", Some(_)) => Identity::Object,
            _ => Identity::Neither,
        };
        key.feed(seed).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let identity = std::mem::replace(&mut self.next, Identity::Neither);
        if identity == Identity::Neither {
            return self.map.next_value_seed(seed);
        }
        // A value that is no string fails here, as it should: the identity read would take it
        // as "no identity".
        let text = self.map.next_value::<Text<'de>>()?;
        if identity == Identity::Object && Some(text.as_str()) != self.kind {
            return Err(de::Error::custom("`object` repeated with another value"));
        }
        text.feed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A JSON string, borrowed from the input when it holds no escapes.
enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> Text<'de> {
    fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(text) => text,
            Text::Owned(text) => text,
        }
    }

    fn into_string(self) -> String {
        match self {
            Text::Borrowed(text) => text.to_owned(),
            Text::Owned(text) => text,
        }
    }

    /// Hands the string to `seed` as the JSON deserializer would have: borrowed if it was.
    fn feed<S: DeserializeSeed<'de>, E: de::Error>(self, seed: S) -> Result<S::Value, E> {
        match self {
            Text::Borrowed(text) => seed.deserialize(BorrowedStrDeserializer::new(text)),
            Text::Owned(text) => seed.deserialize(StringDeserializer::new(text)),
        }
    }
}

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Borrowed(text))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text::Owned(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text::Owned(text))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}
