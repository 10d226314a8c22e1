//! An event's page: its envelope, its object, what changed, every delivery and every run.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::database_error;
use super::deliveries::event_href;
use super::layout::{badge, csrf, home, label_badge, page as frame, took, when};
use crate::console::access::Base;
use crate::console::{json, Shared};
use crate::failure::PaymentFailure;
use crate::inbox::{Entry, EntryStatus, ForwardRecord, ForwardStatus};

/// What the replay's redirect says.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    replay: Option<String>,
    forward: Option<String>,
}

pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Response {
    match shared.inbox.entry(&id).await {
        Ok(Some(entry)) => {
            Html(render(&shared, &base, &entry, &notice).into_string()).into_response()
        }
        Ok(None) => {
            let body = html! {
                h1 { "No such event" }
                p { "The inbox holds no event " code { (id) } "." }
                p { a href=(home(&base)) { "Back to the deliveries" } }
            };
            (
                StatusCode::NOT_FOUND,
                Html(frame(&base, "No such event", body).into_string()),
            )
                .into_response()
        }
        Err(error) => database_error(&error),
    }
}

fn render(shared: &Shared, base: &str, entry: &Entry, notice: &Notice) -> Markup {
    let event = entry.event();
    let body_text = String::from_utf8_lossy(&entry.body);
    let body = html! {
        p { a href=(home(base)) { "← Deliveries" } }
        h1 { (entry.event_type.as_str()) " " code { (entry.event_id) } }
        @if let Some(replay) = &notice.replay {
            p #notice .notice role="status" { @match replay.as_str() {
                "queued" => "Queued again: the next worker runs it.",
                "running" => "A worker is running it right now; nothing changed.",
                _ => "Nothing to replay.",
            } }
        }
        @if let Some(forward) = &notice.forward {
            p #notice .notice role="status" { @match forward.as_str() {
                "queued" => "Queued again for that target: its forwarder sends it next.",
                "running" => "It is being sent to that target right now; nothing changed.",
                _ => "Nothing to send again.",
            } }
        }
        div.actions {
            form #replay method="post" action={ (event_href(base, &entry.event_id)) "/replay" }
                data-confirm=[(entry.status() == EntryStatus::Handled).then_some("This event was handled. Run its handler again?")] {
                (csrf(&shared.csrf))
                button type="submit" disabled[entry.status() == EntryStatus::Processing] { "Replay this event" }
            }
        }
        dl.fields #envelope {
            dt { "Status" } dd #status { (badge(entry.status())) }
            dt { "Attempts" } dd #attempts { (entry.attempts()) }
            dt { "Received" } dd { (when(entry.received_at)) }
            dt { "Updated" } dd { (when(entry.updated_at)) }
            @match entry.status() {
                EntryStatus::Pending | EntryStatus::Retrying => { dt { "Next run" } dd { (when(entry.due_at)) } },
                EntryStatus::Processing => { dt { "Lease until" } dd { (when(entry.due_at)) } },
                EntryStatus::Handled | EntryStatus::Failed => {},
            }
            @if let Some(finished) = entry.finished_at { dt { "Finished" } dd { (when(finished)) } }
            @if let Some(error) = &entry.last_error { dt { "Last error" } dd { code { (error) } } }
            dt { "Deliveries" } dd { (entry.delivery_count) }
            @if let Ok(event) = &event {
                dt { "Created" } dd { (when(event.created())) }
                dt { "Mode" } dd { @if event.livemode() { "live" } @else { "test" } }
                dt { "API version" } dd { (event.api_version().unwrap_or("—")) }
                @if let Some(account) = event.account() { dt { "Account" } dd { code { (account) } } }
                @if let Some(pending) = event.pending_webhooks() { dt { "Pending webhooks" } dd { (pending) } }
                @if let Some(request) = event.request() {
                    dt { "Request" } dd { code { (request.id.unwrap_or("automatic")) }
                        @if let Some(key) = request.idempotency_key { " · idempotency key " code { (key) } } }
                }
            }
        }
        @match &event {
            Ok(event) => {
                @if let Ok(Some(failure)) = PaymentFailure::from_event(event) {
                    h2 { "Payment failure" }
                    p #payment-failure .notice.problem { (failure.to_string()) }
                }
                @if let Some(previous) = event.previous_attributes_raw() {
                    (changes(previous.get(), event.object_raw().get()))
                }
                details #object open {
                    summary { "data.object" }
                    (json::tree(event.object_raw().get()))
                }
            },
            Err(error) => { p.notice.problem { "The stored body no longer parses: " (error.to_string()) } },
        }
        details #raw-body {
            summary { "The body as delivered (" (entry.body.len()) " bytes)" }
            pre { code { (body_text) } }
        }
        h2 { "Deliveries" }
        table #delivery-log {
            thead { tr { th scope="col" { "Received" } th.num scope="col" { "HTTP status" } th scope="col" { "Outcome" } th.num scope="col" { "Secret" } } }
            tbody {
                @for delivery in &entry.deliveries {
                    tr { td { (when(delivery.received_at)) } td.num { (delivery.status) } td { (delivery.outcome) } td.num { @if let Some(index) = delivery.secret_index { "#" (index) } @else { "fetched" } } }
                }
            }
        }
        @if entry.delivery_count > entry.deliveries.len() as u64 {
            p.muted { (entry.delivery_count - entry.deliveries.len() as u64) " later deliveries were counted, not logged." }
        }
        h2 { "Handler runs" }
        table #attempt-log {
            thead { tr { th.num scope="col" { "Attempt" } th scope="col" { "Started" } th.num scope="col" { "Took" } th scope="col" { "Result" } th scope="col" { "Error" } } }
            tbody {
                @if entry.attempt_log.is_empty() { tr { td colspan="5" .muted { "Not run yet." } } }
                @for attempt in &entry.attempt_log {
                    tr data-result=(attempt.result) {
                        td.num { (attempt.attempt) }
                        td { (when(attempt.started_at)) }
                        td.num { (took(attempt.duration)) }
                        td { (attempt.result) }
                        td { @if let Some(error) = &attempt.error { code { (error) } } }
                    }
                }
            }
        }
        @if !entry.forwards.is_empty() {
            (forwards(shared, base, &entry.event_id, &entry.forwards))
        }
    };
    frame(base, entry.event_type.as_str(), body)
}

/// Where the event is with each forwarding target, and every send to it. A target's name is
/// a path segment as it is: the crate takes only `A-Z a-z 0-9 _ - .`, with a letter or digit.
fn forwards(shared: &Shared, base: &str, event_id: &str, forwards: &[ForwardRecord]) -> Markup {
    html! {
        h2 { "Forwarding" }
        @for forward in forwards {
            section.forward data-target=(forward.target) {
                h3 { "To " code { (forward.target) } " " (label_badge(forward.status.as_str())) }
                dl.fields {
                    dt { "Sends" } dd { (forward.attempts) }
                    @match forward.status {
                        ForwardStatus::Pending | ForwardStatus::Retrying => { dt { "Next send" } dd { (when(forward.due_at)) } },
                        ForwardStatus::Sending => { dt { "Lease until" } dd { (when(forward.due_at)) } },
                        _ => {},
                    }
                    @if let Some(finished) = forward.finished_at { dt { "Finished" } dd { (when(finished)) } }
                    @if let Some(error) = &forward.last_error { dt { "Last error" } dd { code { (error) } } }
                }
                table.forward-log {
                    thead { tr { th.num scope="col" { "Send" } th scope="col" { "Started" } th.num scope="col" { "Took" } th scope="col" { "Result" } th.num scope="col" { "HTTP status" } th scope="col" { "Error" } } }
                    tbody {
                        @if forward.attempt_log.is_empty() { tr { td colspan="6" .muted { "Not sent yet." } } }
                        @for attempt in &forward.attempt_log {
                            tr data-result=(attempt.result) {
                                td.num { (attempt.attempt) }
                                td { (when(attempt.started_at)) }
                                td.num { (took(attempt.duration)) }
                                td { (attempt.result) }
                                td.num { @if let Some(status) = attempt.response_status { (status) } @else { "—" } }
                                td { @if let Some(error) = &attempt.error { code { (error) } } }
                            }
                        }
                    }
                }
                form method="post" action={ (event_href(base, event_id)) "/forwards/" (forward.target) "/replay" }
                    data-confirm=[(forward.status == ForwardStatus::Delivered).then_some("This target took the event. Send it again?")] {
                    (csrf(&shared.csrf))
                    button type="submit" disabled[forward.status == ForwardStatus::Sending] { "Send again to " (forward.target) }
                }
            }
        }
    }
}

fn changes(previous: &str, object: &str) -> Markup {
    let (Ok(previous), Ok(object)) = (
        serde_json::from_str::<serde_json::Value>(previous),
        serde_json::from_str::<serde_json::Value>(object),
    ) else {
        return html! {};
    };
    let changes = json::changes(&previous, &object);
    html! {
        h2 { "What changed" }
        table #changes {
            thead { tr { th scope="col" { "Field" } th scope="col" { "Before" } th scope="col" { "Now" } } }
            tbody {
                @for change in &changes {
                    tr {
                        td { code { (change.path) } }
                        td { code { (change.before) } }
                        td { @match &change.after { Some(after) => code { (after) }, None => span.muted { "(removed)" } } }
                    }
                }
            }
        }
    }
}
