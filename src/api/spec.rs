//! [`EndpointSpec`]: the endpoint a service declares next to its handler.

use std::collections::BTreeSet;

use super::plan::{Action, Plan};
use super::{ApiError, CreateEndpoint, UpdateEndpoint, WebhookEndpoint};
use crate::dispatch::Dispatcher;
use crate::EventType;

/// The webhook endpoint a service wants: its URL, the events its dispatcher takes, the API
/// version its events are rendered in. [`plan`](EndpointSpec::plan) compares it with the
/// account's endpoints; [`Client::apply`](super::Client::apply) makes it so.
///
/// Stripe takes exact event types or `*`; the spec also takes `prefix.*` (as the
/// dispatcher's filter does) and sends the exact types it selects, from the list this crate
/// knows ([`EventType::ALL`], API version [`API_VERSION`](crate::API_VERSION)). An account
/// on an older version may not know some of them: Stripe then refuses the endpoint with an
/// error naming `enabled_events`, and exact types are the way to ask for fewer.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::api::{Action, EndpointSpec};
///
/// let spec = EndpointSpec::new("https://example.com/stripe", ["customer.subscription.*", "charge.failed"])
///     .description("billing service");
/// let events = spec.enabled_events()?;
/// assert!(events.contains(&"customer.subscription.created".to_owned()));
/// assert!(events.contains(&"charge.failed".to_owned()));
///
/// // No endpoint has that URL yet: the plan is to create it.
/// let plan = spec.plan(&[])?;
/// assert!(matches!(plan.action(), Action::Create(_)));
/// println!("{plan}");
/// # Ok::<(), stripe_webhooks::api::ApiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct EndpointSpec {
    /// The endpoint to create if there is none, its `enabled_events` the patterns as given
    /// (expanded when planned).
    endpoint: CreateEndpoint,
}

impl EndpointSpec {
    /// An endpoint at `url` for these patterns: exact types, `prefix.*`, or `*`.
    pub fn new<I, S>(url: impl Into<String>, patterns: I) -> EndpointSpec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EndpointSpec {
            endpoint: CreateEndpoint::new(url, patterns),
        }
    }

    /// An endpoint at `url` for the events `dispatcher` takes
    /// ([`Dispatcher::enabled_events`]), so the endpoint never drifts from the handler.
    pub fn for_dispatcher<H, D>(url: impl Into<String>, dispatcher: &Dispatcher<H, D>) -> Self {
        EndpointSpec::new(url, dispatcher.get_enabled_events().iter().cloned())
    }

    /// Events rendered in this API version. An existing endpoint in another version is a
    /// conflict: Stripe cannot change an endpoint's version.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.endpoint = self.endpoint.api_version(version);
        self
    }

    /// The endpoint's description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.endpoint = self.endpoint.description(description);
        self
    }

    /// A Connect endpoint (the events of connected accounts), when it is created.
    pub fn connect(mut self, connect: bool) -> Self {
        self.endpoint = self.endpoint.connect(connect);
        self
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &str {
        self.endpoint.url()
    }

    /// The exact event types to send, sorted: `["*"]` if any pattern is `*`, else each
    /// `prefix.*` expanded and each exact type as given.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for no pattern at all, or a `prefix.*` that selects no
    /// type this crate knows (a typo, most likely).
    pub fn enabled_events(&self) -> Result<Vec<String>, ApiError> {
        if self.endpoint.enabled_events.is_empty() {
            return Err(ApiError::InvalidArgument(
                "an endpoint needs at least one event type".to_owned(),
            ));
        }
        if self
            .endpoint
            .enabled_events
            .iter()
            .any(|pattern| pattern == "*")
        {
            return Ok(vec!["*".to_owned()]);
        }
        let mut events = BTreeSet::new();
        for pattern in &self.endpoint.enabled_events {
            if pattern.ends_with(".*") {
                let selected: Vec<String> = EventType::ALL
                    .iter()
                    .filter(|known| known.matches(pattern))
                    .map(|known| known.as_str().to_owned())
                    .collect();
                if selected.is_empty() {
                    return Err(ApiError::InvalidArgument(format!(
                        "`{pattern}` selects no event type of API version {}",
                        crate::API_VERSION
                    )));
                }
                events.extend(selected);
            } else {
                events.insert(pattern.clone());
            }
        }
        Ok(events.into_iter().collect())
    }

    /// What it takes to make the account's endpoints (`existing`, every one of them: see
    /// [`Client::plan`](super::Client::plan)) match this spec. The endpoint is the one with
    /// the spec's URL.
    ///
    /// # Errors
    ///
    /// As [`enabled_events`](EndpointSpec::enabled_events).
    pub fn plan(&self, existing: &[WebhookEndpoint]) -> Result<Plan, ApiError> {
        let events = self.enabled_events()?;
        let matching: Vec<&WebhookEndpoint> = existing
            .iter()
            .filter(|endpoint| endpoint.url == self.endpoint.url)
            .collect();
        let action = match matching.as_slice() {
            [] => Action::Create(CreateEndpoint {
                enabled_events: events,
                ..self.endpoint.clone()
            }),
            [endpoint] => self.changes(endpoint, &events),
            several => Action::Conflict {
                reason: format!(
                    "{} endpoints have the URL {}: {}; delete all but one",
                    several.len(),
                    self.endpoint.url,
                    several
                        .iter()
                        .map(|endpoint| endpoint.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        };
        Ok(Plan::new(self.endpoint.url.clone(), action))
    }

    fn changes(&self, endpoint: &WebhookEndpoint, events: &[String]) -> Action {
        if let Some(version) = &self.endpoint.api_version {
            if endpoint.api_version.as_deref() != Some(version) {
                return Action::Conflict {
                    reason: format!(
                        "endpoint {} renders events in API version {}, the spec wants {version}; \
                         Stripe cannot change an endpoint's version: create a new endpoint, move the \
                         receiver to its secret, then delete {}",
                        endpoint.id,
                        endpoint.api_version.as_deref().unwrap_or("(the account's default)"),
                        endpoint.id
                    ),
                };
            }
        }
        let have: BTreeSet<&str> = endpoint.enabled_events.iter().map(String::as_str).collect();
        let want: BTreeSet<&str> = events.iter().map(String::as_str).collect();
        let added: Vec<String> = want.difference(&have).map(|&s| s.to_owned()).collect();
        let removed: Vec<String> = have.difference(&want).map(|&s| s.to_owned()).collect();
        let mut update = UpdateEndpoint::new();
        if !added.is_empty() || !removed.is_empty() {
            update = update.enabled_events(events.iter().cloned());
        }
        let description = self
            .endpoint
            .description
            .as_ref()
            .filter(|wanted| endpoint.description.as_ref() != Some(*wanted))
            .map(|wanted| (endpoint.description.clone(), wanted.clone()));
        if let Some((_, wanted)) = &description {
            update = update.description(wanted);
        }
        if update.is_empty() {
            return Action::UpToDate {
                id: endpoint.id.clone(),
                enabled: endpoint.is_enabled(),
            };
        }
        Action::Update {
            id: endpoint.id.clone(),
            added,
            removed,
            description,
            enabled: endpoint.is_enabled(),
            update,
        }
    }
}
