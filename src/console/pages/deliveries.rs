//! The deliveries page: the overview strip, the filters, the list (live on its first page),
//! and the forms that act on the inbox.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::Extension;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{badge, count, csrf, home, page as frame, took, when};
use super::{database_error, overview, respond};
use crate::console::access::Base;
use crate::console::filters::Filters;
use crate::console::Shared;
use crate::inbox::{EntryStatus, Summary};
use crate::EventType;

/// Entries on a page.
pub(crate) const PAGE: u32 = 50;

/// What an action left to say, carried by its redirect (each value escaped when shown).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    sent: Option<String>,
    answer: Option<u16>,
    requeued: Option<u64>,
}

impl Notice {
    /// The test event's id, if it looks like one of ours: a link cannot make the page say
    /// anything else.
    fn sent(&self) -> Option<&str> {
        self.sent.as_deref().filter(|id| {
            id.len() <= 64
                && id.starts_with("evt_")
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
    }
}

pub(crate) async fn page(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    Query(filters): Query<Filters>,
    Query(notice): Query<Notice>,
) -> Response {
    respond(render(&shared, &base, &filters, &notice).await)
}

/// The rows alone, for the page's script to swap in.
pub(crate) async fn rows(
    State(shared): State<Arc<Shared>>,
    Extension(Base(base)): Extension<Base>,
    Query(filters): Query<Filters>,
) -> Response {
    let parsed = filters.parse(PAGE);
    match shared.inbox.list(&parsed.filter).await {
        Ok(page) => Html(table_rows(&base, &page.entries).into_string()).into_response(),
        Err(error) => database_error(&error),
    }
}

async fn render(
    shared: &Shared,
    base: &str,
    filters: &Filters,
    notice: &Notice,
) -> Result<Markup, crate::store::StoreError> {
    let parsed = filters.parse(PAGE);
    let list = shared.inbox.list(&parsed.filter).await?;
    let strip = overview::strip(&shared.inbox, base).await?;
    let live = filters
        .is_first_page()
        .then(|| format!("{base}/rows?{}", filters.query(None)));
    let body = html! {
        h1 { "Deliveries" }
        (notices(notice))
        @for problem in &parsed.problems { p.notice.problem role="status" { (problem) } }
        (strip)
        (filter_form(base, filters))
        @if live.is_some() {
            p #live-status .muted aria-live="polite" { "Live: new entries appear as they come." }
        }
        table #deliveries {
            caption.visually-hidden { "Deliveries, newest first" }
            thead { tr {
                th scope="col" { "Received" }
                th scope="col" { "Event" }
                th scope="col" { "Type" }
                th scope="col" { "Status" }
                th.num scope="col" { "Attempts" }
                th.num scope="col" { "Last HTTP" }
                th.num scope="col" { "Handler time" }
                th scope="col" { "Next retry" }
            } }
            tbody #rows data-src=[live] { (table_rows(base, &list.entries)) }
        }
        nav.actions aria-label="Pages" {
            @if !filters.is_first_page() {
                a href={ (home(base)) "?" (filters.query(None)) } { "← Newest" }
            }
            @if let Some(next) = &list.next {
                a rel="next" href={ (home(base)) "?" (filters.query(Some(&next.to_string()))) } { "Older →" }
            }
        }
        (action_forms(shared, base))
    };
    Ok(frame(base, "Deliveries", body))
}

fn notices(notice: &Notice) -> Markup {
    html! {
        p #notice .notice role="status" aria-live="polite" hidden[notice.sent().is_none() && notice.requeued.is_none()] {
            @if let Some(sent) = notice.sent() {
                "Test event " code { (sent) } " sent: the endpoint answered "
                (notice.answer.map_or_else(|| "nothing".to_owned(), |status| status.to_string())) "."
            }
            @if let Some(requeued) = notice.requeued { "Requeued " (count(requeued, "dead letter", "dead letters")) "." }
        }
    }
}

fn filter_form(base: &str, filters: &Filters) -> Markup {
    html! {
        form.filters method="get" action=(home(base)) role="search" aria-label="Filter deliveries" {
            label { "Status"
                select name="status" {
                    option value="" selected[filters.status.is_empty()] { "All" }
                    @for status in EntryStatus::ALL {
                        option value=(status.as_str()) selected[filters.status == status.as_str()] { (status.as_str()) }
                    }
                }
            }
            label { "Type (exact, or invoice.*)"
                input type="text" name="type" value=(filters.event_type) placeholder="invoice.*" list="event-types";
            }
            label { "Mode"
                select name="mode" {
                    option value="" selected[filters.mode.is_empty()] { "Live and test" }
                    option value="live" selected[filters.mode == "live"] { "Live" }
                    option value="test" selected[filters.mode == "test"] { "Test" }
                }
            }
            label { "Event or object id"
                input type="search" name="q" value=(filters.q) placeholder="evt_… or pi_…";
            }
            button type="submit" { "Filter" }
            a href=(home(base)) { "Clear" }
        }
        datalist #event-types {
            @for event_type in EventType::ALL { option value=(event_type.as_str()) {} }
        }
    }
}

/// The list's rows: the page renders them, and so does `/rows` for the live refresh.
pub(crate) fn table_rows(base: &str, entries: &[Summary]) -> Markup {
    html! {
        @if entries.is_empty() {
            tr { td colspan="8" .muted { "No deliveries match." } }
        }
        @for entry in entries {
            tr data-event-id=(entry.event_id) data-status=(entry.status.as_str()) {
                td { (when(entry.received_at)) }
                td { a href=(event_href(base, &entry.event_id)) { code { (entry.event_id) } }
                    @if entry.livemode { " " span.badge { "live" } } }
                td { (entry.event_type.as_str()) }
                td { (badge(entry.status)) }
                td.num { (entry.attempts) }
                td.num { @if let Some(status) = entry.last_status { (status) } @else { "—" } }
                td.num { @if let Some(duration) = entry.last_duration { (took(duration)) } @else { "—" } }
                td { @match entry.status {
                    EntryStatus::Retrying => (when(entry.due_at)),
                    EntryStatus::Processing => { "lease to " (when(entry.due_at)) },
                    EntryStatus::Pending | EntryStatus::Handled | EntryStatus::Failed => "—",
                } }
            }
        }
    }
}

/// The event page's address (the id is percent-encoded: it came from a request body).
pub(crate) fn event_href(base: &str, event_id: &str) -> String {
    let id: String = url::form_urlencoded::byte_serialize(event_id.as_bytes()).collect();
    format!("{base}/events/{id}")
}

fn action_forms(shared: &Shared, base: &str) -> Markup {
    html! {
        section aria-labelledby="actions-title" {
            h2 #actions-title { "Actions" }
            details {
                summary { "Send a test event" }
                p.muted { "A sample event of the chosen type, signed with the endpoint's secret and POSTed to "
                    code { (shared.endpoint_url.as_str()) } ": it runs the whole pipeline." }
                form #test-event method="post" action={ (base) "/test-event" } {
                    (csrf(&shared.csrf))
                    label { "Event type"
                        select name="type" required {
                            @for event_type in EventType::ALL {
                                option value=(event_type.as_str()) selected[*event_type == EventType::PaymentIntentPaymentFailed] { (event_type.as_str()) }
                            }
                        }
                    }
                    label { "Overrides (one field=value a line, as stripe trigger --override; or a JSON object)"
                        textarea name="overrides" rows="3" cols="60" placeholder="amount=5000\nmetadata.order_id=6735" {}
                    }
                    button type="submit" { "Send test event" }
                }
            }
            details {
                summary { "Requeue dead letters" }
                form #requeue method="post" action={ (base) "/requeue" } {
                    (csrf(&shared.csrf))
                    label { "Type (exact; empty for all)"
                        input type="text" name="type" list="event-types";
                    }
                    label { "Failed in the last"
                        select name="hours" {
                            option value="1" { "hour" }
                            option value="24" selected { "24 hours" }
                            option value="168" { "7 days" }
                            option value="720" { "30 days" }
                        }
                    }
                    button type="submit" { "Requeue" }
                }
            }
        }
    }
}
