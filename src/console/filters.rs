//! The deliveries list's filters, as the URL's query carries them: read into a
//! [`ListFilter`], written back into links (the next page, the live rows).

use serde::Deserialize;

use crate::inbox::{Cursor, EntryStatus, ListFilter};

/// `?status=failed&type=invoice.*&mode=live&q=pi_…&after=…`; an empty field is no filter.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Filters {
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default, rename = "type")]
    pub(crate) event_type: String,
    #[serde(default)]
    pub(crate) mode: String,
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) after: String,
}

/// The list's filter, and what of the query was not understood (shown, not fatal).
pub(crate) struct Parsed {
    pub(crate) filter: ListFilter,
    pub(crate) problems: Vec<String>,
}

impl Filters {
    pub(crate) fn parse(&self, limit: u32) -> Parsed {
        let mut filter = ListFilter::new().limit(limit);
        let mut problems = Vec::new();
        if !self.status.is_empty() {
            match EntryStatus::ALL
                .into_iter()
                .find(|status| status.as_str() == self.status)
            {
                Some(status) => filter = filter.status(status),
                None => problems.push(format!("unknown status `{}`: ignored", self.status)),
            }
        }
        let event_type = self.event_type.trim();
        if !event_type.is_empty() {
            filter = filter.event_type(event_type);
        }
        match self.mode.as_str() {
            "" => {}
            "live" => filter = filter.livemode(true),
            "test" => filter = filter.livemode(false),
            other => problems.push(format!("unknown mode `{other}`: ignored")),
        }
        let q = self.q.trim();
        if !q.is_empty() {
            filter = filter.search(q);
        }
        if !self.after.is_empty() {
            match self.after.parse::<Cursor>() {
                Ok(cursor) => filter = filter.after(cursor),
                Err(_) => problems.push("that page link has expired: first page shown".into()),
            }
        }
        Parsed { filter, problems }
    }

    /// The query string of these filters, with `after` replaced.
    pub(crate) fn query(&self, after: Option<&str>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("status", self.status.as_str()),
            ("type", self.event_type.as_str()),
            ("mode", self.mode.as_str()),
            ("q", self.q.as_str()),
            ("after", after.unwrap_or("")),
        ] {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }

    /// Whether this is the first page (the one that shows new entries as they come).
    pub(crate) fn is_first_page(&self) -> bool {
        self.after.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_query_and_bad_values_are_reported() {
        let filters = Filters {
            status: "failed".into(),
            event_type: "invoice.*".into(),
            mode: "sometimes".into(),
            q: "pi_1 ".into(),
            after: "garbage".into(),
        };
        let parsed = filters.parse(50);
        assert_eq!(
            parsed.filter,
            ListFilter::new()
                .status(EntryStatus::Failed)
                .event_type("invoice.*")
                .search("pi_1")
        );
        assert_eq!(parsed.problems.len(), 2, "{:?}", parsed.problems);
        assert_eq!(
            filters.query(Some("17.evt_1")),
            "status=failed&type=invoice.*&mode=sometimes&q=pi_1+&after=17.evt_1"
        );
    }
}
