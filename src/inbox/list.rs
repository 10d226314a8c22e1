//! [`Inbox::list`](super::Inbox::list): entries newest first, filtered, a page at a time.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use super::db::{failed, from_micros, on_db, Db};
use super::EntryStatus;
use crate::store::StoreError;
use crate::EventType;

/// The most entries in one page.
pub const MAX_PAGE: u32 = 1_000;

/// Which entries [`Inbox::list`](super::Inbox::list) returns: all by default, newest first, 50
/// a page.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::inbox::{EntryStatus, ListFilter};
///
/// let dead_letters = ListFilter::new().status(EntryStatus::Failed).event_type("invoice.payment_failed").limit(20);
/// # let _ = dead_letters;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    status: Option<EntryStatus>,
    event_type: Option<String>,
    limit: u32,
    after: Option<Cursor>,
}

impl Default for ListFilter {
    fn default() -> ListFilter {
        ListFilter {
            status: None,
            event_type: None,
            limit: 50,
            after: None,
        }
    }
}

impl ListFilter {
    /// Every entry, 50 a page.
    #[must_use]
    pub fn new() -> ListFilter {
        ListFilter::default()
    }

    /// Only entries in `status`.
    #[must_use]
    pub fn status(mut self, status: EntryStatus) -> ListFilter {
        self.status = Some(status);
        self
    }

    /// Only events of this exact type.
    #[must_use]
    pub fn event_type(mut self, event_type: impl Into<String>) -> ListFilter {
        self.event_type = Some(event_type.into());
        self
    }

    /// Entries per page, from 1 to [`MAX_PAGE`]; clamped.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> ListFilter {
        self.limit = limit.clamp(1, MAX_PAGE);
        self
    }

    /// The page after `cursor` (a [`Page::next`]).
    #[must_use]
    pub fn after(mut self, cursor: Cursor) -> ListFilter {
        self.after = Some(cursor);
        self
    }
}

/// Where a page ended: pass it to [`ListFilter::after`] for the next one. Its `Display` is an
/// opaque token for a URL, read back with `FromStr`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    received_at: i64,
    event_id: String,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.received_at, self.event_id)
    }
}

impl FromStr for Cursor {
    type Err = StoreError;

    fn from_str(token: &str) -> Result<Cursor, StoreError> {
        let invalid = || StoreError::new(format!("inbox: `{token}` is not a page cursor"));
        let (micros, event_id) = token.split_once('.').ok_or_else(invalid)?;
        Ok(Cursor {
            received_at: micros.parse().map_err(|_| invalid())?,
            event_id: event_id.to_owned(),
        })
    }
}

/// One page of entries.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page {
    /// The entries, newest first.
    pub entries: Vec<Summary>,
    /// The cursor of the next page, if there is one.
    pub next: Option<Cursor>,
}

/// An entry as a list shows it (without its body and history: see
/// [`Inbox::entry`](super::Inbox::entry)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: EventType,
    /// Where it is.
    pub status: EntryStatus,
    /// Runs of the handler so far.
    pub attempts: u32,
    /// When it was first stored.
    pub received_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// The last run's error.
    pub last_error: Option<String>,
}

type SummaryRow = (String, String, String, i64, i64, i64, Option<String>);

pub(crate) async fn list(db: &Db, filter: &ListFilter) -> Result<Page, StoreError> {
    let (after_at, after_id) = filter.after.as_ref().map_or((None, None), |cursor| {
        (Some(cursor.received_at), Some(cursor.event_id.as_str()))
    });
    let rows: Vec<SummaryRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT event_id, event_type, status, attempts, received_at, updated_at, last_error
         FROM stripe_webhooks_events
         WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR event_type = $2)
           AND ($3 IS NULL OR received_at < $3 OR (received_at = $3 AND event_id < $4))
         ORDER BY received_at DESC, event_id DESC
         LIMIT $5",
    )
    .bind(filter.status.map(EntryStatus::as_str))
    .bind(filter.event_type.as_deref())
    .bind(after_at)
    .bind(after_id)
    .bind(i64::from(filter.limit) + 1)
    .fetch_all(pool)
    .await
    .map_err(failed("listing entries"))?);
    let mut entries = Vec::with_capacity(rows.len());
    for (event_id, event_type, status, attempts, received, updated, last_error) in rows {
        let status = EntryStatus::from_label(&status).ok_or_else(|| {
            StoreError::new(format!(
                "inbox: entry {event_id} has an unknown status `{status}`"
            ))
        })?;
        entries.push(Summary {
            event_type: event_type.parse().unwrap_or_else(|never| match never {}),
            event_id,
            status,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            received_at: from_micros(received),
            updated_at: from_micros(updated),
            last_error,
        });
    }
    let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
    let next = if entries.len() > limit {
        entries.truncate(limit);
        entries.last().map(|last| Cursor {
            received_at: super::db::micros(last.received_at),
            event_id: last.event_id.clone(),
        })
    } else {
        None
    };
    Ok(Page { entries, next })
}
