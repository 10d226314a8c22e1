//! The overview strip above the list: the last day as a chart, the entries by status, the
//! dead letters, the rejected deliveries by kind.

use maud::{html, Markup};
use time::OffsetDateTime;

use super::chart;
use super::layout::home;
use crate::inbox::{EntryStatus, Inbox};
use crate::store::StoreError;

pub(crate) async fn strip(inbox: &Inbox, base: &str) -> Result<Markup, StoreError> {
    let hours = inbox.activity(24).await?;
    let day_ago = OffsetDateTime::now_utc() - time::Duration::hours(24);
    let counts = inbox.counts_since(day_ago).await?;
    let rejections = inbox.rejections(day_ago).await?;
    let dead = counts
        .iter()
        .find(|(status, _)| *status == EntryStatus::Failed)
        .map_or(0, |(_, count)| *count);
    Ok(html! {
        div.strip #overview {
            section aria-labelledby="activity-title" {
                h2 #activity-title { "Last 24 hours" }
                (chart::hours(&hours))
            }
            section aria-labelledby="counts-title" {
                h2 #counts-title { "Entries by status" }
                ul.counts {
                    @for (status, count) in &counts {
                        li data-status=(status.as_str()) {
                            strong { (count) }
                            a href={ (home(base)) "?status=" (status.as_str()) } { (status.as_str()) }
                            @if *status == EntryStatus::Handled { " " span.muted { "(24 h)" } }
                        }
                    }
                }
            }
            section aria-labelledby="dead-title" {
                h2 #dead-title { "Dead letters" }
                p { strong #dead-letters { (dead) } " "
                    a href={ (home(base)) "?status=failed" } { @if dead == 1 { "failed entry" } @else { "failed entries" } } }
            }
            section aria-labelledby="rejected-title" {
                h2 #rejected-title { "Rejected (24 h)" }
                @if rejections.is_empty() { p.muted { "None." } }
                @else {
                    ul.counts {
                        @for (kind, count) in &rejections {
                            li { strong { (count) } (kind.as_str()) }
                        }
                    }
                }
            }
        }
    })
}
