//! JSON as the event page shows it: a tree to fold, in the order Stripe wrote it, and what an
//! `*.updated` event changed.

use std::fmt;

use maud::{html, Markup};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::pages::layout::count;

/// A JSON value with its objects' keys in the order they were written (a `Value` sorts
/// them), for the collapsible view. Scalars keep their JSON text.
#[derive(Debug, PartialEq)]
enum Node {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Scalar(String),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(v).to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(v).to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar("null".to_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut fields = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            fields.push((key, value));
        }
        Ok(Node::Object(fields))
    }
}

/// `raw` as nested `<details>`: every object and array can be folded (with the keyboard too:
/// a `<summary>` is focusable), keys in Stripe's order, every text escaped. Plain text if
/// `raw` is not JSON.
pub(crate) fn tree(raw: &str) -> Markup {
    match serde_json::from_str::<Node>(raw) {
        Ok(node) => html! { div.json { (render(None, &node, 0)) } },
        Err(_) => html! { pre { code { (raw) } } },
    }
}

fn render(key: Option<&str>, node: &Node, depth: usize) -> Markup {
    let label = |key: Option<&str>| {
        html! {
            @if let Some(key) = key { span.key { (Value::from(key).to_string()) } ": " }
        }
    };
    match node {
        Node::Scalar(text) => html! { div.leaf { (label(key)) span.value { (text) } } },
        Node::Object(fields) if fields.is_empty() => html! { div.leaf { (label(key)) "{}" } },
        Node::Array(items) if items.is_empty() => html! { div.leaf { (label(key)) "[]" } },
        Node::Object(fields) => html! {
            // Open down to the second level: the object's own fields and one level below.
            details open[depth < 2] {
                summary { (label(key)) "{ " span.muted { (count(fields.len() as u64, "field", "fields")) } " }" }
                @for (name, value) in fields { (render(Some(name), value, depth + 1)) }
            }
        },
        Node::Array(items) => html! {
            details open[depth < 2] {
                summary { (label(key)) "[ " span.muted { (count(items.len() as u64, "item", "items")) } " ]" }
                @for item in items { (render(None, item, depth + 1)) }
            }
        },
    }
}

/// One changed field: its path in the object, the value before, the value now (`None` when
/// the field is gone).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) path: String,
    pub(crate) before: String,
    pub(crate) after: Option<String>,
}

/// The fields `previous_attributes` names, each beside its value in `object`; nested objects
/// are followed down to the fields that changed, and so are arrays of the same length
/// (`items.data[0].quantity`), the shape Stripe gives a subscription's items.
pub(crate) fn changes(previous: &Value, object: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", previous, Some(object), &mut out);
    out
}

fn walk(path: &str, previous: &Value, now: Option<&Value>, out: &mut Vec<Change>) {
    match (previous, now) {
        (Value::Object(before), Some(Value::Object(after))) if !before.is_empty() => {
            for (key, value) in before {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(&path, value, after.get(key), out);
            }
        }
        (Value::Array(before), Some(Value::Array(after)))
            if !before.is_empty() && before.len() == after.len() =>
        {
            for (index, (value, now)) in before.iter().zip(after).enumerate() {
                walk(&format!("{path}[{index}]"), value, Some(now), out);
            }
        }
        _ => out.push(Change {
            path: path.to_owned(),
            before: previous.to_string(),
            after: now.map(Value::to_string),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_tree_keeps_the_order_and_escapes() {
        let html = tree(r#"{"z":"<b>","a":{"n":[1,2.5,null,true]},"e":{}}"#).into_string();
        let z = html.find("&quot;z&quot;").unwrap();
        let a = html.find("&quot;a&quot;").unwrap();
        assert!(z < a, "keys in the order written: {html}");
        assert!(html.contains("&quot;&lt;b&gt;&quot;"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(html.contains("2.5") && html.contains("null") && html.contains("4 items"));
        assert!(html.contains("1 field<"), "{html}");
        assert!(html.contains("&quot;e&quot;</span>: {}"), "{html}");
        assert!(tree("nope").into_string().contains("<pre>"));
    }

    #[test]
    fn changes_follow_nested_objects() {
        let changed = changes(
            &json!({"status": "trialing", "metadata": {}, "plan": {"amount": 1000}, "gone": 1,
                    "items": {"data": [{"quantity": 1}]}, "tags": ["a"]}),
            &json!({"status": "active", "metadata": {"a": "b"}, "plan": {"amount": 2000, "id": "p"},
                    "items": {"data": [{"quantity": 2, "id": "si_1"}]}, "tags": ["a", "b"]}),
        );
        let rows: Vec<(&str, &str, Option<&str>)> = changed
            .iter()
            .map(|c| (c.path.as_str(), c.before.as_str(), c.after.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                ("gone", "1", None),
                ("items.data[0].quantity", "1", Some("2")),
                ("metadata", "{}", Some(r#"{"a":"b"}"#)),
                ("plan.amount", "1000", Some("2000")),
                ("status", r#""trialing""#, Some(r#""active""#)),
                ("tags", r#"["a"]"#, Some(r#"["a","b"]"#)),
            ]
        );
    }
}
