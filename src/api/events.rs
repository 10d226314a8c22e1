//! Events read back from Stripe's API: [`EventQuery`], [`FetchedEvent`].

use reqwest::Method;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::form::Form;
use super::list::{Item, Pages, MAX_PAGE_SIZE};
use super::{check_id, ApiError, Client};
use crate::Event;

/// The most types one query of Stripe's Events list takes.
pub const MAX_QUERY_TYPES: usize = 20;

/// An event fetched from Stripe's API with the secret key: genuine because Stripe answered it
/// over TLS, not because a signature holds (it has none). The only way to make one is to
/// fetch it, so nothing else can take the unsigned path into a dispatcher
/// ([`Dispatcher::dispatch_fetched`](crate::dispatch::Dispatcher::dispatch_fetched)).
#[derive(Debug, Clone)]
pub struct FetchedEvent {
    event: Event,
    body: Box<[u8]>,
}

impl FetchedEvent {
    /// Reads one event of an answer: its exact JSON is kept as the body.
    pub(crate) fn from_raw(raw: &RawValue) -> Result<FetchedEvent, String> {
        let body: Box<[u8]> = raw.get().as_bytes().into();
        let event = Event::from_slice(&body).map_err(|error| error.to_string())?;
        Ok(FetchedEvent { event, body })
    }

    /// The event.
    #[must_use]
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// Its JSON, exactly as the API returned it.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The event, without its body.
    #[must_use]
    pub fn into_event(self) -> Event {
        self.event
    }

    pub(crate) fn into_parts(self) -> (Event, Box<[u8]>) {
        (self.event, self.body)
    }
}

/// Which events [`Client::list_events`] lists: all of the last 30 days, newest first,
/// narrowed by type, creation time and delivery.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::api::EventQuery;
///
/// let since = time::OffsetDateTime::now_utc() - time::Duration::hours(24);
/// let query = EventQuery::new()
///     .types(["invoice.payment_failed", "customer.subscription.deleted"])?
///     .created_since(since)
///     .delivery_success(false);
/// # Ok::<(), stripe_webhooks::api::ApiError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct EventQuery {
    types: Vec<String>,
    created_gte: Option<i64>,
    created_lte: Option<i64>,
    delivery_success: Option<bool>,
    page_size: Option<u8>,
}

impl EventQuery {
    /// Every event.
    pub fn new() -> EventQuery {
        EventQuery::default()
    }

    /// Only these types: exact types, or one `prefix.*` pattern alone (Stripe takes a
    /// wildcard in `type` only).
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for more than [`MAX_QUERY_TYPES`] types, or a pattern
    /// among several.
    pub fn types<I, S>(mut self, types: I) -> Result<EventQuery, ApiError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let types: Vec<String> = types.into_iter().map(Into::into).collect();
        if types.len() > MAX_QUERY_TYPES {
            return Err(ApiError::InvalidArgument(format!(
                "an event query takes at most {MAX_QUERY_TYPES} types, not {}",
                types.len()
            )));
        }
        if types.len() > 1 && types.iter().any(|t| t.contains('*')) {
            return Err(ApiError::InvalidArgument(
                "a wildcard type (`prefix.*`) must be the query's only type: query each pattern on its own".to_owned(),
            ));
        }
        self.types = types;
        Ok(self)
    }

    /// Only events created at or after `at`.
    pub fn created_since(mut self, at: OffsetDateTime) -> Self {
        self.created_gte = Some(at.unix_timestamp());
        self
    }

    /// Only events created at or before `at`.
    pub fn created_until(mut self, at: OffsetDateTime) -> Self {
        self.created_lte = Some(at.unix_timestamp());
        self
    }

    /// Only events whose delivery to every endpoint succeeded (`true`) or to some endpoint
    /// failed (`false`): what a backfill after an outage asks for.
    pub fn delivery_success(mut self, success: bool) -> Self {
        self.delivery_success = Some(success);
        self
    }

    /// Events per page (1 to 100, default 100).
    pub fn page_size(mut self, size: u8) -> Self {
        self.page_size = Some(size);
        self
    }

    fn form(&self) -> Form {
        let mut form = Form::new();
        match self.types.as_slice() {
            [] => {}
            [one] => {
                form.push("type", one.as_str());
            }
            many => {
                form.push_list("types", many);
            }
        }
        form.push_opt("created[gte]", self.created_gte)
            .push_opt("created[lte]", self.created_lte)
            .push_opt("delivery_success", self.delivery_success);
        form
    }
}

impl Client {
    /// The events the query selects, newest first, a page at a time.
    pub fn list_events(&self, query: &EventQuery) -> Pages<FetchedEvent> {
        Pages::new(
            self.clone(),
            "/v1/events",
            query.form(),
            query.page_size.unwrap_or(MAX_PAGE_SIZE),
            Item {
                parse: FetchedEvent::from_raw,
                id: |fetched: &FetchedEvent| fetched.event.id(),
            },
        )
    }

    /// The event `id` (events are kept for 30 days).
    ///
    /// # Errors
    ///
    /// [`ApiError::Stripe`] with code `resource_missing` if there is none, or as any call.
    pub async fn retrieve_event(&self, id: &str) -> Result<FetchedEvent, ApiError> {
        let path = format!("/v1/events/{}", check_id("event", id)?);
        self.call_with(Method::GET, &path, &Form::new(), |body| {
            let raw: &RawValue = serde_json::from_slice(body).map_err(|error| error.to_string())?;
            FetchedEvent::from_raw(raw)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_encode_as_stripe_reads_them() {
        let one = EventQuery::new()
            .types(["invoice.*"])
            .expect("one pattern")
            .delivery_success(false);
        assert_eq!(one.form().encode(), "type=invoice.*&delivery_success=false");
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("a time");
        let many = EventQuery::new()
            .types(["invoice.paid", "charge.failed"])
            .expect("exact types")
            .created_since(at)
            .created_until(at);
        assert_eq!(
            many.form().encode(),
            "types%5B0%5D=invoice.paid&types%5B1%5D=charge.failed\
             &created%5Bgte%5D=1700000000&created%5Blte%5D=1700000000"
        );
        assert!(EventQuery::new()
            .types(["invoice.*", "charge.failed"])
            .is_err());
        assert!(EventQuery::new()
            .types((0..21).map(|n| format!("t.{n}")))
            .is_err());
    }

    #[test]
    fn a_fetched_event_keeps_its_exact_json() {
        let raw: Box<RawValue> = serde_json::from_str(
            "{\n  \"id\": \"evt_1\", \"object\": \"event\", \"type\": \"invoice.paid\",\n  \"created\": 1700000000, \"data\": {\"object\": {\"id\": \"in_1\", \"object\": \"invoice\"}}\n}",
        )
        .expect("json");
        let fetched = FetchedEvent::from_raw(&raw).expect("an event");
        assert_eq!(fetched.body(), raw.get().as_bytes());
        assert_eq!(fetched.event().id(), "evt_1");
        let not_an_event: Box<RawValue> = serde_json::from_str("[1]").expect("json");
        assert!(FetchedEvent::from_raw(&not_an_event).is_err());
    }
}
