//! Webhook endpoints: [`WebhookEndpoint`], and the calls that create, read, list, change
//! and delete them.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use super::form::Form;
use super::list::{Item, Pages, MAX_PAGE_SIZE};
use super::{check_id, ApiError, Client};
use crate::open_enum::open_enum;
use crate::Secret;

open_enum! {
    /// Whether Stripe sends events to an endpoint.
    pub enum EndpointStatus {
        Enabled => "enabled",
        Disabled => "disabled",
    }
}

/// A webhook endpoint of the account: where Stripe sends which events.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct WebhookEndpoint {
    /// `we_…`.
    pub id: String,
    /// Where the events go.
    pub url: String,
    /// The event types sent: exact types, or `*` for all.
    pub enabled_events: Vec<String>,
    /// The API version events are rendered in; `None` for the account's default.
    #[serde(default)]
    pub api_version: Option<String>,
    /// The Connect application it belongs to, if any.
    #[serde(default)]
    pub application: Option<String>,
    /// The description, if any.
    #[serde(default)]
    pub description: Option<String>,
    /// Its metadata (a `null` reads as empty).
    #[serde(default, deserialize_with = "null_is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// Enabled, or disabled (paused).
    #[serde(default)]
    pub status: EndpointStatus,
    /// Whether it is a live-mode endpoint.
    #[serde(default)]
    pub livemode: bool,
    /// When it was created.
    #[serde(deserialize_with = "timestamp")]
    pub created: OffsetDateTime,
    #[serde(default, deserialize_with = "secret")]
    secret: Option<Secret>,
}

impl WebhookEndpoint {
    /// The endpoint's signing secret (`whsec_…`): Stripe returns it once, in the answer to
    /// its creation, and never again. Store it where the receiver reads it
    /// ([`Webhook::new`](crate::Webhook::new)); `None` on every other answer.
    #[must_use]
    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref()
    }

    /// Whether Stripe is sending it events.
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.status == EndpointStatus::Enabled
    }
}

fn null_is_empty<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::<BTreeMap<String, String>>::deserialize(d)?.unwrap_or_default())
}

pub(crate) fn timestamp<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    let seconds = i64::deserialize(d)?;
    OffsetDateTime::from_unix_timestamp(seconds).map_err(serde::de::Error::custom)
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(Secret::from))
}

/// What [`Client::delete_endpoint`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DeletedEndpoint {
    /// The endpoint's id.
    pub id: String,
    /// `true`.
    pub deleted: bool,
}

/// A new endpoint, for [`Client::create_endpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct CreateEndpoint {
    pub(crate) url: String,
    pub(crate) enabled_events: Vec<String>,
    pub(crate) api_version: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) connect: bool,
}

impl CreateEndpoint {
    /// An endpoint at `url` for these event types (exact types, or `*`; see
    /// [`EndpointSpec`](super::EndpointSpec) to expand `prefix.*`).
    pub fn new<I, S>(url: impl Into<String>, enabled_events: I) -> CreateEndpoint
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        CreateEndpoint {
            url: url.into(),
            enabled_events: enabled_events.into_iter().map(Into::into).collect(),
            api_version: None,
            description: None,
            metadata: BTreeMap::new(),
            connect: false,
        }
    }

    /// Renders its events in this API version (it cannot be changed later). Without it,
    /// the account's default version.
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// A description, shown in the Dashboard.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Receives the events of connected accounts rather than the account's own.
    pub fn connect(mut self, connect: bool) -> Self {
        self.connect = connect;
        self
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The event types.
    #[must_use]
    pub fn enabled_events(&self) -> &[String] {
        &self.enabled_events
    }

    fn form(&self) -> Form {
        let mut form = Form::new();
        form.push("url", self.url.as_str())
            .push_list("enabled_events", &self.enabled_events)
            .push_opt("api_version", self.api_version.as_deref())
            .push_opt("description", self.description.as_deref())
            .push_map(
                "metadata",
                self.metadata.iter().map(|(k, v)| (k, v.as_str())),
            );
        if self.connect {
            form.push("connect", "true");
        }
        form
    }
}

/// Changes to an endpoint, for [`Client::update_endpoint`]; what is not set stays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct UpdateEndpoint {
    pub(crate) url: Option<String>,
    pub(crate) enabled_events: Option<Vec<String>>,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, Option<String>>,
    pub(crate) disabled: Option<bool>,
}

impl UpdateEndpoint {
    /// No change yet.
    pub fn new() -> UpdateEndpoint {
        UpdateEndpoint::default()
    }

    /// A new URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The whole new list of event types (it replaces the old one).
    pub fn enabled_events<I, S>(mut self, events: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.enabled_events = Some(events.into_iter().map(Into::into).collect());
        self
    }

    /// A new description (an empty one removes it).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), Some(value.into()));
        self
    }

    /// Removes a metadata entry.
    pub fn remove_metadata(mut self, key: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), None);
        self
    }

    /// Pauses (`true`) or resumes (`false`) the endpoint.
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Whether it changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == UpdateEndpoint::default()
    }

    fn form(&self) -> Form {
        let mut form = Form::new();
        form.push_opt("url", self.url.as_deref());
        if let Some(events) = &self.enabled_events {
            form.push_list("enabled_events", events);
        }
        form.push_opt("description", self.description.as_deref())
            .push_map(
                "metadata",
                self.metadata
                    .iter()
                    .map(|(k, v)| (k, v.as_deref().unwrap_or(""))),
            )
            .push_opt("disabled", self.disabled);
        form
    }
}

impl Client {
    /// Creates an endpoint. The answer is the only one that carries its signing secret:
    /// [`WebhookEndpoint::secret`].
    ///
    /// # Errors
    ///
    /// [`ApiError::Stripe`] when Stripe refuses it (an unknown event type, a URL it does not
    /// take, the account's endpoint limit), or as any call.
    pub async fn create_endpoint(&self, new: &CreateEndpoint) -> Result<WebhookEndpoint, ApiError> {
        self.call(Method::POST, "/v1/webhook_endpoints", &new.form())
            .await
    }

    /// The endpoint `id`.
    ///
    /// # Errors
    ///
    /// [`ApiError::Stripe`] with code `resource_missing` if there is none, or as any call.
    pub async fn retrieve_endpoint(&self, id: &str) -> Result<WebhookEndpoint, ApiError> {
        let path = format!("/v1/webhook_endpoints/{}", check_id("endpoint", id)?);
        self.call(Method::GET, &path, &Form::new()).await
    }

    /// Every endpoint of the account, a page of 100 at a time.
    pub fn list_endpoints(&self) -> Pages<WebhookEndpoint> {
        Pages::new(
            self.clone(),
            "/v1/webhook_endpoints",
            Form::new(),
            MAX_PAGE_SIZE,
            Item {
                parse: |raw| serde_json::from_str(raw.get()).map_err(|error| error.to_string()),
                id: |endpoint: &WebhookEndpoint| &endpoint.id,
            },
        )
    }

    /// Changes the endpoint `id`.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for an update that changes nothing;
    /// [`ApiError::Stripe`] when Stripe refuses it, or as any call.
    pub async fn update_endpoint(
        &self,
        id: &str,
        update: &UpdateEndpoint,
    ) -> Result<WebhookEndpoint, ApiError> {
        if update.is_empty() {
            return Err(ApiError::InvalidArgument(format!(
                "the update of endpoint `{id}` changes nothing"
            )));
        }
        let path = format!("/v1/webhook_endpoints/{}", check_id("endpoint", id)?);
        self.call(Method::POST, &path, &update.form()).await
    }

    /// Pauses the endpoint: Stripe stops sending it events (`disabled`).
    ///
    /// # Errors
    ///
    /// As [`update_endpoint`](Client::update_endpoint).
    pub async fn pause_endpoint(&self, id: &str) -> Result<WebhookEndpoint, ApiError> {
        self.update_endpoint(id, &UpdateEndpoint::new().disabled(true))
            .await
    }

    /// Resumes a paused endpoint.
    ///
    /// # Errors
    ///
    /// As [`update_endpoint`](Client::update_endpoint).
    pub async fn resume_endpoint(&self, id: &str) -> Result<WebhookEndpoint, ApiError> {
        self.update_endpoint(id, &UpdateEndpoint::new().disabled(false))
            .await
    }

    /// Deletes the endpoint `id`.
    ///
    /// # Errors
    ///
    /// [`ApiError::Stripe`] with code `resource_missing` if there is none, or as any call.
    pub async fn delete_endpoint(&self, id: &str) -> Result<DeletedEndpoint, ApiError> {
        let path = format!("/v1/webhook_endpoints/{}", check_id("endpoint", id)?);
        self.call(Method::DELETE, &path, &Form::new()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_as_stripe_reads_them() {
        let create = CreateEndpoint::new("https://example.com/hook", ["invoice.paid"])
            .api_version("2026-10-28.endive")
            .description("billing")
            .metadata("team", "payments")
            .connect(true);
        assert_eq!(
            create.form().encode(),
            "url=https%3A%2F%2Fexample.com%2Fhook&enabled_events%5B0%5D=invoice.paid\
             &api_version=2026-10-28.endive&description=billing&metadata%5Bteam%5D=payments&connect=true"
        );
        let update = UpdateEndpoint::new()
            .disabled(true)
            .remove_metadata("old")
            .enabled_events(["*"]);
        assert_eq!(
            update.form().encode(),
            "enabled_events%5B0%5D=*&metadata%5Bold%5D=&disabled=true"
        );
        assert!(UpdateEndpoint::new().is_empty());
    }

    #[test]
    fn endpoints_read_with_their_secret_once() {
        let json = r#"{"id":"we_1","object":"webhook_endpoint","url":"https://x.test/h","enabled_events":["*"],
            "api_version":null,"application":null,"description":null,"metadata":null,"status":"disabled",
            "livemode":false,"created":1700000000,"secret":"whsec_abc","new_field":{"a":1}}"#;
        let endpoint: WebhookEndpoint = serde_json::from_str(json).expect("an endpoint");
        assert!(!endpoint.is_enabled());
        assert!(endpoint.metadata.is_empty());
        assert_eq!(
            endpoint.secret().map(Secret::expose_secret),
            Some("whsec_abc")
        );
        assert!(!format!("{endpoint:?}").contains("whsec_abc"));
    }
}
