//! [`Form`]: the parameters of one call, in Stripe's form encoding (`a[b]=c`, `list[0]=x`),
//! as the body of a POST or the query of a GET.

/// Parameters in the order they were added (Stripe's encoding has no other shape to keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub(crate) fn new() -> Form {
        Form::default()
    }

    /// `key=value`.
    pub(crate) fn push(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Form {
        self.pairs.push((key.into(), value.into()));
        self
    }

    /// `key=value` if there is a value.
    pub(crate) fn push_opt(&mut self, key: &str, value: Option<impl ToString>) -> &mut Form {
        if let Some(value) = value {
            self.push(key, value.to_string());
        }
        self
    }

    /// `key[0]=a&key[1]=b`, as the official SDKs send an array. An empty list is `key=` (an
    /// empty string), which is how Stripe's encoding clears a list.
    pub(crate) fn push_list<S: AsRef<str>>(&mut self, key: &str, values: &[S]) -> &mut Form {
        if values.is_empty() {
            self.push(key, "");
        }
        for (index, value) in values.iter().enumerate() {
            self.push(format!("{key}[{index}]"), value.as_ref());
        }
        self
    }

    /// `key[name]=value` for each entry (an empty value unsets the entry).
    pub(crate) fn push_map<'a>(
        &mut self,
        key: &str,
        entries: impl IntoIterator<Item = (&'a String, &'a str)>,
    ) -> &mut Form {
        for (name, value) in entries {
            self.push(format!("{key}[{name}]"), value);
        }
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `application/x-www-form-urlencoded`.
    pub(crate) fn encode(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &self.pairs {
            out.append_pair(key, value);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_lists_maps_and_escapes() {
        let mut form = Form::new();
        let metadata = [("team".to_owned(), "billing & ops".to_owned())];
        form.push("url", "https://example.com/hook?a=1")
            .push_list("enabled_events", &["invoice.paid", "charge.failed"])
            .push_map("metadata", metadata.iter().map(|(k, v)| (k, v.as_str())))
            .push_opt("description", None::<&str>)
            .push_opt("connect", Some(true));
        assert_eq!(
            form.encode(),
            "url=https%3A%2F%2Fexample.com%2Fhook%3Fa%3D1&enabled_events%5B0%5D=invoice.paid\
             &enabled_events%5B1%5D=charge.failed&metadata%5Bteam%5D=billing+%26+ops&connect=true"
        );
        let mut empty = Form::new();
        assert!(empty.is_empty());
        empty.push_list("enabled_events", &[] as &[&str]);
        assert_eq!(empty.encode(), "enabled_events=");
    }
}
