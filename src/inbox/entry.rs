//! [`Entry`]: one event in the inbox, with its deliveries and attempts.

use time::OffsetDateTime;

use super::db::{failed, from_micros, on_db, Db};
use super::{forwards, EntryStatus, ForwardRecord};
use crate::store::StoreError;
use crate::{Error, Event, EventType};

/// One event in the inbox: the body as Stripe sent it, where it is, and its history.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Entry {
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: EventType,
    /// The verified body, byte for byte.
    pub body: Vec<u8>,
    status: EntryStatus,
    attempts: u32,
    /// When its first delivery was stored.
    pub received_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
    /// When it is due (pending, retrying), or when its lease runs out (processing).
    pub due_at: OffsetDateTime,
    /// When it reached `handled` or `failed`.
    pub finished_at: Option<OffsetDateTime>,
    /// The last run's error, if it failed.
    pub last_error: Option<String>,
    /// How many times Stripe delivered it (each one logged in `deliveries`, up to 64).
    pub delivery_count: u64,
    /// Its deliveries, oldest first.
    pub deliveries: Vec<DeliveryRecord>,
    /// Its handler runs that finished (a run cut short by a crash has none), oldest first.
    pub attempt_log: Vec<AttemptRecord>,
    /// Its forwarding, one record per target it goes to (feature `forward`), by target name.
    pub forwards: Vec<ForwardRecord>,
}

/// One HTTP delivery of a stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// The status it was answered with.
    pub status: u16,
    /// `stored` for the delivery that stored the event, `duplicate` for a later one;
    /// `backfilled` and `backfilled_duplicate` for the same through a backfill (the event
    /// fetched from Stripe's API, feature `api`).
    pub outcome: String,
    /// Which of the verifier's secrets signed it (0 for the first); `None` for a backfilled
    /// event, which was fetched from Stripe with the secret key and carried no signature.
    pub secret_index: Option<usize>,
}

impl DeliveryRecord {
    /// Whether the event came from a backfill (fetched from Stripe's API) rather than a
    /// signed delivery.
    #[must_use]
    pub fn is_backfill(&self) -> bool {
        self.secret_index.is_none()
    }
}

/// The delivery log's outcomes.
pub(crate) const STORED: &str = "stored";
pub(crate) const DUPLICATE: &str = "duplicate";
pub(crate) const BACKFILLED: &str = "backfilled";
pub(crate) const BACKFILLED_DUPLICATE: &str = "backfilled_duplicate";
/// The `secret_index` logged for a fetched event (the column predates backfills and is
/// `NOT NULL`).
pub(crate) const FETCHED: i64 = -1;

/// One finished run of the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// Which run (1 for the first).
    pub attempt: u32,
    /// When it ran.
    pub started_at: OffsetDateTime,
    /// How long the handler took.
    pub duration: std::time::Duration,
    /// `handled`, `retry` or `failed`.
    pub result: String,
    /// The error, if it failed.
    pub error: Option<String>,
}

impl Entry {
    /// Where the entry is.
    #[must_use]
    pub fn status(&self) -> EntryStatus {
        self.status
    }

    /// Runs of the handler so far, a run cut short by a crash included.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The stored event, parsed again.
    ///
    /// # Errors
    ///
    /// Only if the body no longer parses with this build (it parsed when it was stored).
    pub fn event(&self) -> Result<Event, Error> {
        Event::from_slice(&self.body)
    }
}

type EntryRow = (
    String,
    String,
    Vec<u8>,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    i64,
);

/// Reads one entry and its history.
pub(crate) async fn read(db: &Db, event_id: &str) -> Result<Option<Entry>, StoreError> {
    let (row, deliveries, attempts) = on_db!(db, pool => {
        let row: Option<EntryRow> = sqlx::query_as(
            "SELECT event_id, event_type, body, status, attempts, received_at, updated_at,
                    due_at, finished_at, last_error, deliveries
             FROM stripe_webhooks_events WHERE event_id = $1",
        )
        .bind(event_id)
        .fetch_optional(pool)
        .await
        .map_err(failed("reading an entry"))?;
        let Some(row) = row else { return Ok(None) };
        let deliveries: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT received_at, status, outcome, secret_index FROM stripe_webhooks_deliveries
             WHERE event_id = $1 ORDER BY seq",
        )
        .bind(event_id)
        .fetch_all(pool)
        .await
        .map_err(failed("reading deliveries"))?;
        let attempts: Vec<(i64, i64, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT attempt, started_at, duration_us, result, error FROM stripe_webhooks_attempts
             WHERE event_id = $1 ORDER BY attempt",
        )
        .bind(event_id)
        .fetch_all(pool)
        .await
        .map_err(failed("reading attempts"))?;
        (row, deliveries, attempts)
    });
    let forwards = forwards::read(db, event_id).await?;
    let (
        event_id,
        event_type,
        body,
        status,
        attempt_count,
        received,
        updated,
        due,
        finished,
        last_error,
        delivery_count,
    ) = row;
    let status = EntryStatus::from_label(&status).ok_or_else(|| {
        StoreError::new(format!(
            "inbox: entry {event_id} has status `{status}`, which this build does not know"
        ))
    })?;
    Ok(Some(Entry {
        event_type: event_type.parse().unwrap_or_else(|never| match never {}),
        event_id,
        body,
        status,
        attempts: u32::try_from(attempt_count).unwrap_or(u32::MAX),
        received_at: from_micros(received),
        updated_at: from_micros(updated),
        due_at: from_micros(due),
        finished_at: finished.map(from_micros),
        last_error,
        delivery_count: u64::try_from(delivery_count).unwrap_or(0),
        deliveries: deliveries
            .into_iter()
            .map(|(at, status, outcome, secret)| DeliveryRecord {
                received_at: from_micros(at),
                status: u16::try_from(status).unwrap_or(0),
                outcome,
                secret_index: (secret != FETCHED)
                    .then(|| usize::try_from(secret).unwrap_or(usize::MAX)),
            })
            .collect(),
        attempt_log: attempts
            .into_iter()
            .map(
                |(attempt, started, duration, result, error)| AttemptRecord {
                    attempt: u32::try_from(attempt).unwrap_or(u32::MAX),
                    started_at: from_micros(started),
                    duration: std::time::Duration::from_micros(
                        u64::try_from(duration).unwrap_or(0),
                    ),
                    result,
                    error,
                },
            )
            .collect(),
        forwards,
    }))
}
