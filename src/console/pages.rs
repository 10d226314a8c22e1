//! The console's pages: server-rendered with maud, which escapes every value it is given.

pub(crate) mod chart;
pub(crate) mod deliveries;
pub(crate) mod event;
pub(crate) mod layout;
pub(crate) mod overview;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::Markup;

use crate::store::StoreError;

/// A page, or the error page when the inbox could not be read.
pub(crate) fn respond(page: Result<Markup, StoreError>) -> Response {
    match page {
        Ok(markup) => Html(markup.into_string()).into_response(),
        Err(error) => database_error(&error),
    }
}

/// A page that says one thing, with a way back.
pub(crate) fn message(base: &str, status: StatusCode, title: &str, sentence: &str) -> Response {
    let page = layout::page(
        base,
        title,
        maud::html! {
            h1 { (title) }
            p.notice.problem role="alert" { (sentence) }
            p { a href=(layout::home(base)) { "Back to the deliveries" } }
        },
    );
    (status, Html(page.into_string())).into_response()
}

/// 503: the page could not be read; the error says why (a database message, not a secret).
pub(crate) fn database_error(error: &StoreError) -> Response {
    let page = layout::page(
        "",
        "Inbox unavailable",
        maud::html! {
            h1 { "The inbox could not be read" }
            p.notice.problem { (error) }
        },
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(page.into_string())).into_response()
}
