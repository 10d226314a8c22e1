//! The words of the e-mails: subject, plain text and HTML, for one failure and for a digest.
//! Every value from an event goes through `html_escape` on its way into HTML.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute, encode_text};

use crate::failure::summary::utc_minute;
use crate::failure::{FailureSource, PaymentFailure};

/// One e-mail's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rendered {
    pub(super) subject: String,
    pub(super) text: String,
    pub(super) html: String,
}

fn mode(failure: &PaymentFailure) -> &'static str {
    if failure.livemode {
        ""
    } else {
        "[test mode] "
    }
}

fn customer(failure: &PaymentFailure) -> Option<String> {
    let name = failure.customer_name.as_deref();
    let email = failure.customer_email.as_deref();
    let id = failure.customer_id.as_deref();
    let person = match (name, email) {
        (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    };
    match (person, id) {
        (Some(person), Some(id)) => Some(format!("{person} ({id})")),
        (Some(person), None) => Some(person),
        (None, Some(id)) => Some(id.to_owned()),
        (None, None) => None,
    }
}

fn reason(failure: &PaymentFailure) -> Option<String> {
    let codes: Vec<&str> = [&failure.failure_code, &failure.decline_code]
        .into_iter()
        .filter_map(|code| code.as_deref())
        .collect();
    match (codes.is_empty(), &failure.message) {
        (false, Some(message)) => Some(format!("{}: {message}", codes.join(", "))),
        (false, None) => Some(codes.join(", ")),
        (true, Some(message)) => Some(message.clone()),
        (true, None) => None,
    }
}

fn what(failure: &PaymentFailure) -> String {
    let amount = failure.currency.format_amount(failure.amount);
    match (&failure.source, &failure.invoice_number) {
        (FailureSource::Invoice, Some(number)) => format!("Invoice {number} payment of {amount}"),
        (FailureSource::Invoice, None) => format!("Invoice payment of {amount}"),
        _ => format!("Payment of {amount}"),
    }
}

/// The rows of one failure: (label, text, link).
fn rows(failure: &PaymentFailure) -> Vec<(&'static str, String, Option<String>)> {
    let mut rows = vec![(
        "Amount",
        failure.currency.format_amount(failure.amount),
        None,
    )];
    if let Some(customer) = customer(failure) {
        rows.push(("Customer", customer, None));
    }
    if let Some(reason) = reason(failure) {
        rows.push(("Reason", reason, None));
    }
    if let Some(advice_code) = &failure.advice_code {
        rows.push(("Advice code", advice_code.clone(), None));
    }
    if let Some(advice) = failure.advice() {
        rows.push(("What to do", advice.to_owned(), None));
    }
    if let Some(attempts) = failure.attempt_count {
        rows.push(("Attempt", attempts.to_string(), None));
    }
    if failure.source == FailureSource::Invoice {
        let next = failure
            .next_retry
            .map_or_else(|| "none scheduled".to_owned(), utc_minute);
        rows.push(("Next retry", next, None));
    }
    if let Some(url) = &failure.hosted_invoice_url {
        rows.push(("Invoice page", url.clone(), Some(url.clone())));
    }
    let url = failure.dashboard_url();
    rows.push(("Dashboard", url.clone(), Some(url)));
    rows.push(("Event", failure.event_id.clone(), Some(failure.event_url())));
    rows.push(("Created", utc_minute(failure.created), None));
    rows
}

/// A link only for web addresses: a `javascript:` or `data:` value is shown, never linked.
fn link(text: &str, url: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(
            "<a href=\"{}\">{}</a>",
            encode_double_quoted_attribute(url),
            encode_text(text)
        )
    } else {
        encode_text(text).into_owned()
    }
}

const STYLE: &str = "border-collapse:collapse;font-family:sans-serif;font-size:14px";
const CELL: &str = "padding:4px 12px 4px 0;vertical-align:top;text-align:left";

pub(super) fn one(failure: &PaymentFailure, prefix: &str) -> Rendered {
    let mut subject = format!("{prefix}{}{} failed", mode(failure), what(failure));
    if let Some(who) = failure
        .customer_name
        .as_deref()
        .or(failure.customer_email.as_deref())
        .or(failure.customer_id.as_deref())
    {
        let _ = write!(subject, " for {who}");
    }
    if let Some(code) = failure
        .decline_code
        .as_deref()
        .or(failure.failure_code.as_deref())
    {
        let _ = write!(subject, ": {code}");
    }
    // An invoice since 2025-03-31.basil carries no decline reason; its attempt says how bad.
    if let Some(attempt) = failure.attempt_count {
        let _ = write!(subject, " (attempt {attempt})");
    }
    let heading = format!("{}{} failed.", mode(failure), what(failure));

    let rows = rows(failure);
    let mut text = format!("{heading}\n\n");
    for (label, value, _) in &rows {
        let _ = writeln!(text, "{:<14}{value}", format!("{label}:"));
    }
    let mut html = format!(
        "<!DOCTYPE html><html><body><p><strong>{}</strong></p><table style=\"{STYLE}\">",
        encode_text(&heading)
    );
    for (label, value, url) in &rows {
        let value = match url {
            Some(url) => link(value, url),
            None => encode_text(value).into_owned(),
        };
        let _ = write!(
            html,
            "<tr><th style=\"{CELL}\">{label}</th><td style=\"{CELL}\">{value}</td></tr>"
        );
    }
    html.push_str("</table></body></html>");
    Rendered {
        subject,
        text,
        html,
    }
}

pub(super) fn digest(failures: &[PaymentFailure], unlisted: usize, prefix: &str) -> Rendered {
    let count = failures.len() + unlisted;
    let span = match (
        failures.iter().map(|f| f.created).min(),
        failures.iter().map(|f| f.created).max(),
    ) {
        (Some(first), Some(last)) => {
            format!(" between {} and {}", utc_minute(first), utc_minute(last))
        }
        _ => String::new(),
    };
    let subject = format!("{prefix}{count} more failed payments{span}");
    let heading = format!(
        "{count} payments failed{span}, more than the alert limit: here they are in one message."
    );
    let columns = ["Created", "Amount", "Customer", "Reason", "Object", "Event"];
    let mut text = format!("{heading}\n\n{}\n", columns.join(" | "));
    let mut html = format!(
        "<!DOCTYPE html><html><body><p><strong>{}</strong></p><table style=\"{STYLE}\"><tr>",
        encode_text(&heading)
    );
    for column in columns {
        let _ = write!(html, "<th style=\"{CELL}\">{column}</th>");
    }
    html.push_str("</tr>");
    for failure in failures {
        let cells = [
            utc_minute(failure.created),
            failure.currency.format_amount(failure.amount),
            customer(failure).unwrap_or_default(),
            reason(failure).unwrap_or_default(),
            failure.object_id.clone(),
            failure.event_id.clone(),
        ];
        let _ = writeln!(text, "{}", cells.join(" | "));
        html.push_str("<tr>");
        for (index, cell) in cells.iter().enumerate() {
            let value = match index {
                4 => link(cell, &failure.dashboard_url()),
                5 => link(cell, &failure.event_url()),
                _ => encode_text(cell).into_owned(),
            };
            let _ = write!(html, "<td style=\"{CELL}\">{value}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    if unlisted > 0 {
        let more = format!("{unlisted} more failed payments are not listed.");
        let _ = writeln!(text, "\n{more}");
        let _ = write!(html, "<p>{more}</p>");
    }
    html.push_str("</body></html>");
    Rendered {
        subject,
        text,
        html,
    }
}
