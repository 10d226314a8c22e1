//! [`Inbox::list`](super::Inbox::list): entries newest first, filtered, a page at a time.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use time::OffsetDateTime;

use super::db::{failed, from_micros, on_db, Db};
use super::EntryStatus;
use crate::store::StoreError;
use crate::EventType;

/// The most entries in one page.
pub const MAX_PAGE: u32 = 1_000;

/// Which entries [`Inbox::list`](super::Inbox::list) returns: all by default, newest first, 50
/// a page. Each condition narrows the list; each is served by an index.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::inbox::{EntryStatus, ListFilter};
///
/// let dead_letters = ListFilter::new().status(EntryStatus::Failed).event_type("invoice.payment_failed").limit(20);
/// let invoices_in_live_mode = ListFilter::new().event_type("invoice.*").livemode(true);
/// let about_one_payment = ListFilter::new().search("pi_3MtwBwLkdIwHu7ix28a3tqPa");
/// # let _ = (dead_letters, invoices_in_live_mode, about_one_payment);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListFilter {
    status: Option<EntryStatus>,
    event_type: Option<String>,
    livemode: Option<bool>,
    search: Option<String>,
    limit: u32,
    after: Option<Cursor>,
}

impl Default for ListFilter {
    fn default() -> ListFilter {
        ListFilter {
            status: None,
            event_type: None,
            livemode: None,
            search: None,
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

    /// Only events of this type: an exact type (`invoice.paid`), or a family written as the
    /// dispatcher's filters write it (`invoice.*`: every type that starts with `invoice.`).
    #[must_use]
    pub fn event_type(mut self, event_type: impl Into<String>) -> ListFilter {
        self.event_type = Some(event_type.into());
        self
    }

    /// Only live-mode events (`true`) or only test-mode events (`false`).
    #[must_use]
    pub fn livemode(mut self, livemode: bool) -> ListFilter {
        self.livemode = Some(livemode);
        self
    }

    /// Only the event with this id, or the events about the object with this id (`pi_…`,
    /// `in_…`: `data.object.id`, recorded for entries stored by schema version 3 and later).
    #[must_use]
    pub fn search(mut self, id: impl Into<String>) -> ListFilter {
        self.search = Some(id.into());
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

    /// Whether the type is a family (`invoice.*`), a range of types.
    fn is_family(&self) -> bool {
        self.event_type
            .as_deref()
            .and_then(|t| t.strip_suffix('*'))
            .is_some_and(|prefix| !prefix.is_empty())
    }

    /// The `WHERE` clause and its binds, with only the conditions asked for: a condition
    /// written as `$n IS NULL OR …` would keep the planners from using the indexes.
    fn to_sql(&self) -> (String, Vec<Bind>) {
        let mut binds = Vec::new();
        let mut clauses = Vec::new();
        let mut bind = |value: Bind| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if let Some(status) = self.status {
            // A literal (one of our fixed labels), not a bind: SQLite uses a partial index
            // (`WHERE status = 'failed'`) only when it can see the query implies it.
            clauses.push(format!("status = '{}'", status.as_str()));
        }
        match self.event_type.as_deref().map(|t| (t, t.strip_suffix('*'))) {
            // `invoice.` ≤ type < `invoice/`: the prefix as a range, which an index serves on
            // both backends (a LIKE would need a collation-specific index).
            Some((_, Some(prefix))) if !prefix.is_empty() => {
                let low = bind(Bind::Text(prefix.to_owned()));
                let high = bind(Bind::Text(prefix_end(prefix)));
                clauses.push(format!("event_type >= {low} AND event_type < {high}"));
            }
            Some((_, Some(_))) | None => {}
            Some((exact, None)) => {
                clauses.push(format!(
                    "event_type = {}",
                    bind(Bind::Text(exact.to_owned()))
                ));
            }
        }
        if let Some(livemode) = self.livemode {
            clauses.push(format!("livemode = {}", bind(Bind::Bool(livemode))));
        }
        if let Some(search) = &self.search {
            let id = bind(Bind::Text(search.clone()));
            clauses.push(format!("(event_id = {id} OR object_id = {id})"));
        }
        if let Some(cursor) = &self.after {
            let at = bind(Bind::Int(cursor.received_at));
            let id = bind(Bind::Text(cursor.event_id.clone()));
            clauses.push(format!(
                "(received_at < {at} OR (received_at = {at} AND event_id < {id}))"
            ));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        };
        (sql, binds)
    }
}

/// The least string above every string that starts with `prefix`: its last character moved
/// up by one (`invoice.` → `invoice/`). Event types are ASCII, so a character past `~` (the
/// last one a type can hold) never needs carrying.
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    match end.pop() {
        Some(last) => end.push(char::from_u32(u32::from(last) + 1).unwrap_or(char::MAX)),
        None => end.push(char::MAX),
    }
    end
}

/// One bound value of a dynamically built query.
#[derive(Debug)]
enum Bind {
    Text(String),
    Int(i64),
    Bool(bool),
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
    /// Whether it is a live-mode event.
    pub livemode: bool,
    /// `data.object.id` (none for entries stored before schema version 3).
    pub object_id: Option<String>,
    /// Where it is.
    pub status: EntryStatus,
    /// Runs of the handler so far.
    pub attempts: u32,
    /// When it was first stored.
    pub received_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// When it is due (pending, retrying: the next retry), or when its lease runs out
    /// (processing).
    pub due_at: OffsetDateTime,
    /// The HTTP status the last delivery was answered with.
    pub last_status: Option<u16>,
    /// How long the last finished run of the handler took.
    pub last_duration: Option<Duration>,
    /// The last run's error.
    pub last_error: Option<String>,
}

type SummaryRow = (
    String,
    String,
    bool,
    Option<String>,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

pub(crate) async fn list(db: &Db, filter: &ListFilter) -> Result<Page, StoreError> {
    let (clause, mut binds) = filter.to_sql();
    binds.push(Bind::Int(i64::from(filter.limit) + 1));
    let limit = binds.len();
    // On SQLite, a family (`invoice.*`) is a range of the type index, in type order, that
    // SQLite sorts: the page's keys are picked and sorted from that index alone before any row
    // is read (reading whole rows, bodies and all, before the sort made it 10x slower). Every
    // other filter, and every filter on Postgres (whose planner walks the received index
    // backwards and filters), stops after the page, which the subquery would only slow down
    // (measured: integration/benches/console_list.rs).
    let keys_first = filter.is_family() && db.name() == "SQLite";
    let from = if keys_first {
        format!(
            "(SELECT event_id AS page_id FROM stripe_webhooks_events {clause}
              ORDER BY received_at DESC, event_id DESC LIMIT ${limit}) page
             JOIN stripe_webhooks_events e ON e.event_id = page.page_id"
        )
    } else {
        format!("stripe_webhooks_events e {clause}")
    };
    let tail = if keys_first {
        String::new()
    } else {
        format!(" LIMIT ${limit}")
    };
    // For each row, the last delivery and the last run from their tables' primary keys.
    let sql = format!(
        "SELECT e.event_id, e.event_type, e.livemode, e.object_id, e.status, e.attempts,
                e.received_at, e.updated_at, e.due_at,
                (SELECT d.status FROM stripe_webhooks_deliveries d
                 WHERE d.event_id = e.event_id ORDER BY d.seq DESC LIMIT 1),
                (SELECT a.duration_us FROM stripe_webhooks_attempts a
                 WHERE a.event_id = e.event_id ORDER BY a.attempt DESC LIMIT 1),
                e.last_error
         FROM {from}
         ORDER BY e.received_at DESC, e.event_id DESC{tail}"
    );
    let rows: Vec<SummaryRow> = on_db!(db, pool => {
        let mut query = sqlx::query_as(&sql);
        for value in &binds {
            query = match value {
                Bind::Text(text) => query.bind(text.as_str()),
                Bind::Int(int) => query.bind(*int),
                Bind::Bool(flag) => query.bind(*flag),
            };
        }
        query.fetch_all(pool).await.map_err(failed("listing entries"))?
    });
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let (event_id, event_type, livemode, object_id, status, attempts) =
            (row.0, row.1, row.2, row.3, row.4, row.5);
        let status = EntryStatus::from_label(&status).ok_or_else(|| {
            StoreError::new(format!(
                "inbox: entry {event_id} has an unknown status `{status}`"
            ))
        })?;
        entries.push(Summary {
            event_type: event_type.parse().unwrap_or_else(|never| match never {}),
            event_id,
            livemode,
            object_id,
            status,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            received_at: from_micros(row.6),
            updated_at: from_micros(row.7),
            due_at: from_micros(row.8),
            last_status: row.9.and_then(|status| u16::try_from(status).ok()),
            last_duration: row
                .10
                .map(|us| Duration::from_micros(u64::try_from(us).unwrap_or(0))),
            last_error: row.11,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_is_a_range_and_only_asked_conditions_are_written() {
        let (sql, binds) = ListFilter::new().event_type("invoice.*").to_sql();
        assert_eq!(sql, "WHERE event_type >= $1 AND event_type < $2");
        assert!(
            matches!(&binds[..], [Bind::Text(low), Bind::Text(high)] if low == "invoice." && high == "invoice/")
        );
        assert_eq!(ListFilter::new().to_sql().0, "");
        let (sql, _) = ListFilter::new().event_type("*").to_sql();
        assert_eq!(sql, "", "`*` is every type");
        let (sql, binds) = ListFilter::new()
            .status(EntryStatus::Failed)
            .event_type("invoice.paid")
            .livemode(false)
            .search("in_1")
            .to_sql();
        assert_eq!(
            sql,
            "WHERE status = 'failed' AND event_type = $1 AND livemode = $2 AND (event_id = $3 OR object_id = $3)"
        );
        assert_eq!(binds.len(), 3);
    }
}
