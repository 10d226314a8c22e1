//! The frame of every page, and the small pieces the pages share.

use maud::{html, Markup, DOCTYPE};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::inbox::EntryStatus;

/// A whole page: `base` is where the console is mounted.
pub(crate) fn page(base: &str, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Stripe webhooks" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href={ (base) "/assets/console.css" };
                script src={ (base) "/assets/console.js" } defer {}
            }
            body {
                header {
                    strong { "Stripe webhooks" }
                    nav aria-label="Console" {
                        a href=(home(base)) { "Deliveries" }
                        " · "
                        a href={ (home(base)) "?status=failed" } { "Dead letters" }
                        " · "
                        a href={ (base) "/metrics" } { "Metrics" }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
}

/// The deliveries page: the mount path itself (`/stripe/console`; axum's `nest` does not
/// route `/stripe/console/`), or `/` when mounted at the root.
pub(crate) fn home(base: &str) -> &str {
    if base.is_empty() {
        "/"
    } else {
        base
    }
}

/// A status as a word in a badge (the colour only helps).
pub(crate) fn badge(status: EntryStatus) -> Markup {
    label_badge(status.as_str())
}

/// A status word in its badge, for any of the inbox's fixed status labels (an entry's, a
/// forward's).
pub(crate) fn label_badge(label: &'static str) -> Markup {
    html! { span class={ "badge " (label) } { (label) } }
}

/// A time as a `<time>` element, UTC, to the second.
pub(crate) fn when(at: OffsetDateTime) -> Markup {
    let iso = at.format(&Rfc3339).unwrap_or_default();
    let shown = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    html! { time datetime=(iso) { (shown) } }
}

/// A duration as people read it: `850 µs`, `12.3 ms`, `4.2 s`.
pub(crate) fn took(duration: std::time::Duration) -> String {
    let micros = duration.as_micros();
    match micros {
        0..=999 => format!("{micros} µs"),
        1_000..=999_999 => format!("{:.1} ms", duration.as_secs_f64() * 1e3),
        _ => format!("{:.1} s", duration.as_secs_f64()),
    }
}

/// `1 item`, `2 items`: a count with its noun.
pub(crate) fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}
