//! What an overview or a metrics scrape reads: activity per hour, and the oldest due entry.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

use super::db::{failed, from_micros, micros, on_db, Db};
use crate::store::StoreError;

const HOUR_MICROS: i64 = 3_600_000_000;

/// One hour of an inbox's activity ([`Inbox::activity`](super::Inbox::activity)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Hour {
    /// The hour's start (UTC, on the hour).
    pub start: OffsetDateTime,
    /// Deliveries logged in the hour (first deliveries and Stripe's retries of them).
    pub deliveries: u64,
    /// Handler runs in the hour that did not succeed (a retry or a failure).
    pub failures: u64,
}

/// The last `hours` hours, oldest first, the current one last, every hour present.
pub(crate) async fn activity(
    db: &Db,
    now: OffsetDateTime,
    hours: u32,
) -> Result<Vec<Hour>, StoreError> {
    let current = micros(now).div_euclid(HOUR_MICROS);
    let first = current - i64::from(hours.max(1)) + 1;
    let since = first * HOUR_MICROS;
    // Both backends divide BIGINTs as integers; the indexes on the two times serve the range.
    // (hour, count) rows, per table.
    type PerHour = Vec<(i64, i64)>;
    let (deliveries, failures): (PerHour, PerHour) = on_db!(db, pool => {
        let deliveries = sqlx::query_as(
            "SELECT received_at / 3600000000, COUNT(*) FROM stripe_webhooks_deliveries
             WHERE received_at >= $1 GROUP BY received_at / 3600000000",
        )
        .bind(since)
        .fetch_all(pool)
        .await
        .map_err(failed("counting deliveries per hour"))?;
        let failures = sqlx::query_as(
            "SELECT started_at / 3600000000, COUNT(*) FROM stripe_webhooks_attempts
             WHERE started_at >= $1 AND result <> 'handled' GROUP BY started_at / 3600000000",
        )
        .bind(since)
        .fetch_all(pool)
        .await
        .map_err(failed("counting failures per hour"))?;
        (deliveries, failures)
    });
    let count = |rows: &[(i64, i64)]| -> BTreeMap<i64, u64> {
        rows.iter()
            .map(|&(hour, n)| (hour, u64::try_from(n).unwrap_or(0)))
            .collect()
    };
    let (deliveries, failures) = (count(&deliveries), count(&failures));
    Ok((first..=current)
        .map(|hour| Hour {
            start: from_micros(hour * HOUR_MICROS),
            deliveries: deliveries.get(&hour).copied().unwrap_or(0),
            failures: failures.get(&hour).copied().unwrap_or(0),
        })
        .collect())
}

/// How long the longest-waiting due entry has waited (zero when none is due): the queue's lag.
pub(crate) async fn oldest_due_age(db: &Db, now: OffsetDateTime) -> Result<Duration, StoreError> {
    let now_micros = micros(now);
    // Spelled as the due index's predicate, so that SQLite sees the partial index applies.
    let oldest: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT MIN(due_at) FROM stripe_webhooks_events
         WHERE status IN ('pending', 'retrying', 'processing') AND due_at <= $1",
    )
    .bind(now_micros)
    .fetch_one(pool)
    .await
    .map_err(failed("reading the oldest due entry"))?);
    Ok(oldest.map_or(Duration::ZERO, |due| now - from_micros(due)))
}
