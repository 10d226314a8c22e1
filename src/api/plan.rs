//! [`Plan`]: what applying an [`EndpointSpec`](super::EndpointSpec) would do, to read before
//! [`Client::apply`](super::Client::apply) does it.

use std::fmt;

use super::{ApiError, Client, CreateEndpoint, UpdateEndpoint, WebhookEndpoint};

/// The most endpoints read to plan (Stripe allows 16 per account).
const MAX_ENDPOINTS: usize = 1000;

/// What it takes to make the account match an [`EndpointSpec`](super::EndpointSpec). Its
/// `Display` is the plan in words, for a person to read before it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    url: String,
    action: Action,
}

/// The one thing a [`Plan`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// No endpoint has the URL: create it.
    Create(CreateEndpoint),
    /// The endpoint differs: change it.
    Update {
        /// The endpoint.
        id: String,
        /// Event types to add.
        added: Vec<String>,
        /// Event types to remove.
        removed: Vec<String>,
        /// The description, from what it is to what it will be, if it changes.
        description: Option<(Option<String>, String)>,
        /// Whether the endpoint is enabled (a plan never pauses nor resumes it).
        enabled: bool,
        /// The call.
        update: UpdateEndpoint,
    },
    /// The endpoint is as the spec says.
    UpToDate {
        /// The endpoint.
        id: String,
        /// Whether it is enabled (a paused endpoint is left paused).
        enabled: bool,
    },
    /// The spec cannot be reached by a change the plan could make safely; says why and
    /// what to do. [`Client::apply`] refuses it.
    Conflict {
        /// Why, and what to do.
        reason: String,
    },
}

/// What [`Client::apply`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Applied {
    /// Created: the answer carries the endpoint's signing secret, once
    /// ([`WebhookEndpoint::secret`]).
    Created(WebhookEndpoint),
    /// Changed.
    Updated(WebhookEndpoint),
    /// Nothing to do.
    Unchanged {
        /// The endpoint.
        id: String,
    },
}

impl Plan {
    pub(crate) fn new(url: String, action: Action) -> Plan {
        Plan { url, action }
    }

    /// What it does.
    #[must_use]
    pub fn action(&self) -> &Action {
        &self.action
    }

    /// Whether applying it changes nothing.
    #[must_use]
    pub fn is_up_to_date(&self) -> bool {
        matches!(self.action, Action::UpToDate { .. })
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.url;
        let paused = |enabled: bool| {
            if enabled {
                ""
            } else {
                " (paused: left paused)"
            }
        };
        match &self.action {
            Action::Create(create) => {
                writeln!(f, "create a webhook endpoint at {url}")?;
                let events = create.enabled_events();
                writeln!(f, "  events ({}): {}", events.len(), events.join(", "))?;
                if let Some(version) = &create.api_version {
                    writeln!(f, "  api version: {version}")?;
                }
                if let Some(description) = &create.description {
                    writeln!(f, "  description: {description:?}")?;
                }
                if create.connect {
                    writeln!(f, "  connect: events of connected accounts")?;
                }
                Ok(())
            }
            Action::Update {
                id,
                added,
                removed,
                description,
                enabled,
                ..
            } => {
                writeln!(f, "update {id} at {url}{}", paused(*enabled))?;
                for event in added {
                    writeln!(f, "  + {event}")?;
                }
                for event in removed {
                    writeln!(f, "  - {event}")?;
                }
                if let Some((from, to)) = description {
                    match from {
                        Some(from) => writeln!(f, "  description: {from:?} -> {to:?}")?,
                        None => writeln!(f, "  description: (none) -> {to:?}")?,
                    }
                }
                Ok(())
            }
            Action::UpToDate { id, enabled } => {
                writeln!(f, "{id} at {url} is up to date{}", paused(*enabled))
            }
            Action::Conflict { reason } => writeln!(f, "cannot plan {url}: {reason}"),
        }
    }
}

impl Client {
    /// The plan for `spec` against the account's endpoints, read now.
    ///
    /// # Errors
    ///
    /// As [`list_endpoints`](Client::list_endpoints) and
    /// [`EndpointSpec::plan`](super::EndpointSpec::plan).
    pub async fn plan(&self, spec: &super::EndpointSpec) -> Result<Plan, ApiError> {
        let existing = self.list_endpoints().collect(MAX_ENDPOINTS).await?;
        spec.plan(&existing)
    }

    /// Does what `plan` says. Made from the endpoints as they were when it was read: an
    /// update sends the whole list of event types, so applying a plan twice is the same as
    /// once.
    ///
    /// # Errors
    ///
    /// [`ApiError::Conflict`] for a plan that is a conflict, or as
    /// [`create_endpoint`](Client::create_endpoint) and
    /// [`update_endpoint`](Client::update_endpoint).
    pub async fn apply(&self, plan: &Plan) -> Result<Applied, ApiError> {
        match &plan.action {
            Action::Create(create) => self.create_endpoint(create).await.map(Applied::Created),
            Action::Update { id, update, .. } => {
                self.update_endpoint(id, update).await.map(Applied::Updated)
            }
            Action::UpToDate { id, .. } => Ok(Applied::Unchanged { id: id.clone() }),
            Action::Conflict { reason } => Err(ApiError::Conflict(reason.clone())),
        }
    }
}
