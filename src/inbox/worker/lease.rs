//! The statements behind a worker's leases: claim a batch, renew what it still holds, release
//! what it will not run, record a result. Every write after the claim is fenced by the lease
//! token and the `processing` status, so a worker whose lease ran out (and whose entry another
//! worker took over) changes nothing.

use std::time::Duration;

use sqlx::QueryBuilder;

use super::Finish;
use crate::inbox::db::{duration_micros, failed, on_db, Db};
use crate::store::StoreError;

/// An entry a worker holds.
pub(super) struct Claimed {
    pub(super) event_id: String,
    pub(super) body: Vec<u8>,
    pub(super) attempts: i64,
    pub(super) lease: i64,
}

/// Claims up to `limit` due entries: pending or retrying ones whose time has come, and
/// processing ones whose lease ran out. Each claim counts an attempt and bumps the lease token.
pub(super) async fn claim(
    db: &Db,
    now: i64,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let until = now.saturating_add(duration_micros(lease));
    let rows = match db {
        #[cfg(feature = "sqlite")]
        Db::Sqlite(pool) => {
            sqlx::query_as::<_, (String, Vec<u8>, i64, i64)>(
                "UPDATE stripe_webhooks_events
             SET status = 'processing', attempts = attempts + 1, lease = lease + 1,
                 due_at = $1, updated_at = $2
             WHERE event_id IN (
                 SELECT event_id FROM stripe_webhooks_events
                 WHERE status IN ('pending', 'retrying', 'processing') AND due_at <= $2
                 ORDER BY due_at, event_id LIMIT $3)
             RETURNING event_id, body, attempts, lease",
            )
            .bind(until)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        }
        // The CTE with SKIP LOCKED fences the LIMIT (the planner may not run the UPDATE on more
        // rows than it picked) and lets concurrent workers take different rows without waiting.
        #[cfg(feature = "postgres")]
        Db::Postgres(pool) => {
            sqlx::query_as::<_, (String, Vec<u8>, i64, i64)>(
                "WITH due AS (
                 SELECT event_id FROM stripe_webhooks_events
                 WHERE status IN ('pending', 'retrying', 'processing') AND due_at <= $2
                 ORDER BY due_at, event_id LIMIT $3
                 FOR UPDATE SKIP LOCKED)
             UPDATE stripe_webhooks_events AS e
             SET status = 'processing', attempts = e.attempts + 1, lease = e.lease + 1,
                 due_at = $1, updated_at = $2
             FROM due WHERE e.event_id = due.event_id
             RETURNING e.event_id, e.body, e.attempts, e.lease",
            )
            .bind(until)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await
        }
    }
    .map_err(failed("claiming due entries"))?;
    Ok(rows
        .into_iter()
        .map(|(event_id, body, attempts, lease)| Claimed {
            event_id,
            body,
            attempts,
            lease,
        })
        .collect())
}

/// Pushes `(event_id, lease) IN (VALUES …)` for `held`: the fence of a batch statement.
fn held_by<'a, DB: sqlx::Database>(builder: &mut QueryBuilder<'a, DB>, held: &'a [Claimed])
where
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    builder.push(" AND status = 'processing' AND (event_id, lease) IN (");
    builder.push_values(held, |mut values, entry| {
        values
            .push_bind(entry.event_id.as_str())
            .push_bind(entry.lease);
    });
    builder.push(")");
}

/// Moves the lease of every entry in `held` that this worker still holds to `until`, so that
/// a batch, or one handler, longer than the lease is not taken over while it runs.
pub(super) async fn renew(db: &Db, held: &[Claimed], until: i64) -> Result<(), StoreError> {
    if held.is_empty() {
        return Ok(());
    }
    on_db!(db, pool => {
        let mut renew = QueryBuilder::new("UPDATE stripe_webhooks_events SET due_at = ");
        renew.push_bind(until).push(" WHERE true");
        held_by(&mut renew, held);
        renew.build().execute(pool).await.map_err(failed("renewing leases"))?;
        Ok(())
    })
}

/// Gives back entries this worker claimed and will not run (at shutdown, or after the
/// database failed it): due again at once, and the attempt their claim counted is undone,
/// since no handler ran.
pub(super) async fn release(db: &Db, held: &[Claimed], now: i64) -> Result<(), StoreError> {
    if held.is_empty() {
        return Ok(());
    }
    on_db!(db, pool => {
        let mut release = QueryBuilder::new(
            "UPDATE stripe_webhooks_events
             SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
                 attempts = attempts - 1, lease = lease + 1, due_at = ",
        );
        release.push_bind(now).push(", updated_at = ").push_bind(now).push(" WHERE true");
        held_by(&mut release, held);
        release.build().execute(pool).await.map_err(failed("releasing entries"))?;
        Ok(())
    })
}

/// Records a run's result if the lease still holds; `false` if it did not (another worker has
/// the entry now).
pub(super) async fn record(
    db: &Db,
    entry: &Claimed,
    finish: &Finish,
    now: i64,
) -> Result<bool, StoreError> {
    let finished_at = finish.status.is_finished().then_some(now);
    on_db!(db, pool => {
        let mut tx = pool.begin().await.map_err(failed("opening a transaction"))?;
        let held = sqlx::query(
            "UPDATE stripe_webhooks_events
             SET status = $3, due_at = $4, updated_at = $5, finished_at = $6, last_error = $7
             WHERE event_id = $1 AND lease = $2 AND status = 'processing'",
        )
        .bind(&entry.event_id)
        .bind(entry.lease)
        .bind(finish.status.as_str())
        .bind(finish.due_at)
        .bind(now)
        .bind(finished_at)
        .bind(&finish.error)
        .execute(&mut *tx)
        .await
        .map_err(failed("recording a result"))?
        .rows_affected()
            == 1;
        if held {
            sqlx::query(
                "INSERT INTO stripe_webhooks_attempts
                    (event_id, attempt, started_at, duration_us, result, error)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (event_id, attempt) DO NOTHING",
            )
            .bind(&entry.event_id)
            .bind(entry.attempts)
            .bind(finish.started_at)
            .bind(finish.duration_us)
            .bind(finish.result)
            .bind(&finish.error)
            .execute(&mut *tx)
            .await
            .map_err(failed("logging an attempt"))?;
        }
        tx.commit().await.map_err(failed("committing a result"))?;
        Ok(held)
    })
}
