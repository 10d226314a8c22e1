//! JSON as the event page shows it: pretty in the order Stripe wrote it, and what an
//! `*.updated` event changed.

use serde_json::Value;

/// `raw` pretty-printed, its keys in their order (a `Value` would sort them); `raw` itself if
/// it is not JSON (never the case for a stored body).
pub(crate) fn pretty(raw: &str) -> String {
    let mut out = Vec::with_capacity(raw.len() * 2);
    let mut reader = serde_json::Deserializer::from_str(raw);
    let mut writer = serde_json::Serializer::pretty(&mut out);
    match serde_transcode::transcode(&mut reader, &mut writer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| raw.to_owned()),
        Err(_) => raw.to_owned(),
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
/// are followed down to the fields that changed.
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
    fn pretty_keeps_the_order_and_changes_follow_nested_objects() {
        assert_eq!(
            pretty(r#"{"z":1,"a":[true]}"#),
            "{\n  \"z\": 1,\n  \"a\": [\n    true\n  ]\n}"
        );
        assert_eq!(pretty("not json"), "not json");
        let changed = changes(
            &json!({"status": "trialing", "metadata": {}, "plan": {"amount": 1000}, "gone": 1}),
            &json!({"status": "active", "metadata": {"a": "b"}, "plan": {"amount": 2000, "id": "p"}}),
        );
        let rows: Vec<(&str, &str, Option<&str>)> = changed
            .iter()
            .map(|c| (c.path.as_str(), c.before.as_str(), c.after.as_deref()))
            .collect();
        assert_eq!(
            rows,
            [
                ("gone", "1", None),
                ("metadata", "{}", Some(r#"{"a":"b"}"#)),
                ("plan.amount", "1000", Some("2000")),
                ("status", r#""trialing""#, Some(r#""active""#)),
            ]
        );
    }
}
