//! What the console's forms do: replay an event, requeue the dead letters, send a test event
//! through the whole pipeline. Each checks the CSRF token first.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::access::{check_csrf, Base};
use super::pages::deliveries::event_href;
use super::pages::layout::home;
use super::pages::{database_error, message};
use super::Shared;
use crate::inbox::Replay;
use crate::testing::EventBuilder;

/// The most override text a test event takes.
const MAX_OVERRIDES: usize = 16 * 1024;
/// The deepest field path an override may name.
const MAX_DEPTH: usize = 16;

#[derive(Debug, Deserialize)]
pub(crate) struct Csrf {
    csrf: Option<String>,
}

pub(crate) async fn replay(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Csrf>,
) -> Response {
    if let Err(refused) = check_csrf(&shared, &headers, form.csrf.as_deref()) {
        return *refused;
    }
    let outcome = match shared.inbox.replay(&id).await {
        Ok(Replay::Queued) => "queued",
        Ok(Replay::Running) => "running",
        Ok(_) => "missing",
        Err(error) => return database_error(&error),
    };
    Redirect::to(&format!("{}?replay={outcome}", event_href(&base, &id))).into_response()
}

/// Sends the event again to one forwarding target.
pub(crate) async fn replay_forward(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    Path((id, target)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<Csrf>,
) -> Response {
    if let Err(refused) = check_csrf(&shared, &headers, form.csrf.as_deref()) {
        return *refused;
    }
    let outcome = match shared.inbox.replay_forward(&id, &target).await {
        Ok(Replay::Queued) => "queued",
        Ok(Replay::Running) => "running",
        Ok(_) => "missing",
        Err(error) => return database_error(&error),
    };
    Redirect::to(&format!("{}?forward={outcome}", event_href(&base, &id))).into_response()
}

#[derive(Debug, Deserialize)]
pub(crate) struct Requeue {
    csrf: Option<String>,
    #[serde(default, rename = "type")]
    event_type: String,
    hours: Option<u32>,
}

pub(crate) async fn requeue(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    headers: HeaderMap,
    Form(form): Form<Requeue>,
) -> Response {
    if let Err(refused) = check_csrf(&shared, &headers, form.csrf.as_deref()) {
        return *refused;
    }
    // Stripe keeps events 30 days; nothing older is worth a requeue from a page.
    let hours = i64::from(form.hours.unwrap_or(24).clamp(1, 720));
    let since = OffsetDateTime::now_utc() - time::Duration::hours(hours);
    let event_type = Some(form.event_type.trim()).filter(|t| !t.is_empty());
    match shared.inbox.requeue_failed(event_type, since).await {
        Ok(count) => Redirect::to(&format!("{}?requeued={count}", home(&base))).into_response(),
        Err(error) => database_error(&error),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct TestEvent {
    csrf: Option<String>,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    overrides: String,
}

/// Builds the sample event, signs it, POSTs it to the endpoint. The page's script asks with
/// `X-Console-Fetch` and gets the sentence back; a plain form gets a redirect that says it.
pub(crate) async fn test_event(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    headers: HeaderMap,
    Form(form): Form<TestEvent>,
) -> Response {
    if let Err(refused) = check_csrf(&shared, &headers, form.csrf.as_deref()) {
        return *refused;
    }
    let from_script = headers.contains_key("x-console-fetch");
    // The script gets the sentence; a plain form gets a redirect for a success (the list says
    // it from the event id), and a page for a problem: no link can make the console show a
    // sentence of someone else's.
    let answer = |status: StatusCode, sentence: String, sent: Option<(&str, u16)>| -> Response {
        match sent {
            _ if from_script => (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                sentence,
            )
                .into_response(),
            Some((id, answered)) => {
                let query = encode(&[("sent", id), ("answer", &answered.to_string())]);
                Redirect::to(&format!("{}?{query}", home(&base))).into_response()
            }
            None => message(&base, status, "The test event was not sent", &sentence),
        }
    };
    let problem = |sentence: String| answer(StatusCode::BAD_REQUEST, sentence, None);
    let event_type = form.event_type.trim();
    if event_type.is_empty() || event_type.len() > 128 {
        return problem("Choose an event type.".into());
    }
    let mut builder = EventBuilder::new(event_type);
    if !form.overrides.trim().is_empty() {
        let mut object = builder.to_value()["data"]["object"].take();
        if let Err(why) = apply_overrides(&mut object, &form.overrides) {
            return problem(format!("The overrides were not applied: {why}"));
        }
        builder = builder.object(object);
    }
    let body = builder.build();
    let event_id = builder.to_value()["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let Some(signature) = shared.webhook.signature_header(&body, now) else {
        return problem("The endpoint has no usable signing secret: nothing was sent.".into());
    };
    let sent = shared
        .client
        .post(shared.endpoint_url.clone())
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header("Stripe-Signature", signature)
        .header(header::USER_AGENT, "stripe-webhooks-console (test event)")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let sentence = format!("Test event {event_id} sent: the endpoint answered {status}.");
            answer(StatusCode::OK, sentence, Some((&event_id, status)))
        }
        Err(error) => {
            // reqwest's message names the URL and the cause, never a header.
            let sentence = format!("Test event {event_id} could not be sent: {error}");
            answer(StatusCode::BAD_GATEWAY, sentence, None)
        }
    }
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    query.finish()
}

/// Applies overrides to a sample object: a JSON object merged in (objects merge, anything
/// else replaces), or lines of `field=value` as `stripe trigger --override` takes them
/// (`amount=5000`, `metadata[order]=6735`, `payment_intent:amount=5000`; a value that is
/// JSON is taken as JSON, anything else as a string).
pub(crate) fn apply_overrides(object: &mut Value, text: &str) -> Result<(), String> {
    if text.len() > MAX_OVERRIDES {
        return Err(format!("more than {MAX_OVERRIDES} bytes"));
    }
    let text = text.trim();
    if text.starts_with('{') {
        let patch: Value =
            serde_json::from_str(text).map_err(|error| format!("not a JSON object: {error}"))?;
        merge(object, patch);
        return Ok(());
    }
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let (path, value) = line
            .split_once('=')
            .ok_or_else(|| format!("`{line}` is not field=value"))?;
        // `payment_intent:amount`: the resource is the one the event carries.
        let path = path.split_once(':').map_or(path, |(_, field)| field);
        let fields: Vec<&str> = path
            .split(['.', '[', ']'])
            .filter(|field| !field.is_empty())
            .collect();
        if fields.is_empty() || fields.len() > MAX_DEPTH {
            return Err(format!("`{path}` is not a field path"));
        }
        let value = serde_json::from_str(value.trim())
            .unwrap_or_else(|_| Value::String(value.trim().to_owned()));
        let mut at = &mut *object;
        for field in &fields[..fields.len() - 1] {
            if !at.get(*field).is_some_and(Value::is_object) {
                at[*field] = Value::Object(serde_json::Map::new());
            }
            at = &mut at[*field];
        }
        at[fields[fields.len() - 1]] = value;
    }
    Ok(())
}

fn merge(into: &mut Value, patch: Value) {
    match (into, patch) {
        (Value::Object(into), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(into.entry(key).or_insert(Value::Null), value);
            }
        }
        (into, patch) => *into = patch,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn overrides_take_stripe_cli_lines_and_json() {
        let mut object = json!({"id": "pi_1", "amount": 2000, "metadata": {}});
        apply_overrides(
            &mut object,
            "payment_intent:amount=5000\nmetadata[order_id]=6735\ndescription=<script>x</script>\nlivemode=true",
        )
        .unwrap();
        assert_eq!(
            object,
            json!({"id": "pi_1", "amount": 5000, "metadata": {"order_id": 6735},
                   "description": "<script>x</script>", "livemode": true})
        );
        apply_overrides(&mut object, r#"{"metadata": {"b": "c"}, "amount": 1}"#).unwrap();
        assert_eq!(object["metadata"], json!({"order_id": 6735, "b": "c"}));
        assert_eq!(object["amount"], 1);
        assert!(apply_overrides(&mut object, "no equals sign").is_err());
        assert!(apply_overrides(&mut object, "{not json").is_err());
        assert!(apply_overrides(&mut object, &"a".repeat(MAX_OVERRIDES + 1)).is_err());
    }
}
