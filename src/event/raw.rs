//! A `Box<RawValue>` made from text the scanner has already checked, without a second parse.
//!
//! serde_json's only public constructor, `RawValue::from_string`, parses the text again: on
//! the envelope's fast path that would double the cost of `data.object`. So the text is handed
//! to `Box<RawValue>`'s own `Deserialize` impl through a deserializer that answers its request
//! the way serde_json's does (a one-entry map keyed by the name it asks for, the text as the
//! value), which copies the text once and checks nothing. Should a serde_json release ever ask
//! differently, the request fails and `from_string` does the work: slower, never wrong
//! (`tests::handed_over_without_a_parse` notices the change).

use serde::de::value::{BorrowedStrDeserializer, Error};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde::Deserialize;
use serde_json::value::RawValue;

/// `text`, which the scanner found to be valid JSON, as a boxed raw value; `None` only when
/// serde_json reads raw values differently and then finds the text not to be JSON after all.
pub(crate) fn raw_value(text: &str) -> Option<Box<RawValue>> {
    match Box::<RawValue>::deserialize(Checked(text)) {
        Ok(raw) => Some(raw),
        Err(_) => RawValue::from_string(text.to_owned()).ok(),
    }
}

/// Text the scanner accepted, offered to `RawValue` as serde_json offers what it skipped.
struct Checked<'a>(&'a str);

impl<'de> Deserializer<'de> for Checked<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("only a raw value can be read from here"))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(Entry {
            name: Some(name),
            text: self.0,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The one entry: the name asked for, then the text.
struct Entry<'a> {
    name: Option<&'static str>,
    text: &'a str,
}

impl<'de> MapAccess<'de> for Entry<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        self.name
            .take()
            .map(|name| seed.deserialize(BorrowedStrDeserializer::new(name)))
            .transpose()
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(BorrowedStrDeserializer::new(self.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handed_over_without_a_parse() {
        // Not JSON: `from_string` would refuse it, so getting it back shows that the text went
        // through the deserializer unparsed. If this fails, serde_json changed how a RawValue
        // is read: `raw_value` is still right, only slower.
        let text = "not parsed";
        let raw = Box::<RawValue>::deserialize(Checked(text)).unwrap();
        assert_eq!(raw.get(), text);
    }

    #[test]
    fn keeps_the_text_byte_for_byte() {
        let text = r#"{"a": 1.50,  "b":"\u00e9"}"#;
        assert_eq!(raw_value(text).unwrap().get(), text);
    }
}
