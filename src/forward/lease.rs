//! The statements behind a forwarder's leases: record finished sends and claim a target's due
//! forwards (with the events' bodies), in one transaction. Every write after the
//! claim is fenced by the lease token and the `sending` status, so a forwarder whose lease ran
//! out (and whose forwards another took over) changes nothing.

use std::time::Duration;

use sqlx::QueryBuilder;

use crate::inbox::db::{duration_micros, failed, on_db, Db};
use crate::inbox::ForwardStatus;
use crate::store::StoreError;

/// A forward a forwarder holds, with what it sends.
#[derive(Debug)]
pub(super) struct Claimed {
    pub(super) event_id: String,
    pub(super) attempts: i64,
    pub(super) lease: i64,
    pub(super) event_type: String,
    pub(super) body: Vec<u8>,
    pub(super) received_at: i64,
}

/// What became of one send, to record.
#[derive(Debug)]
pub(super) struct Finished {
    pub(super) event_id: String,
    pub(super) attempt: i64,
    pub(super) lease: i64,
    pub(super) status: ForwardStatus,
    pub(super) due_at: i64,
    pub(super) error: Option<String>,
    pub(super) response_status: Option<u16>,
    pub(super) started_at: i64,
    pub(super) duration_us: i64,
}

impl Finished {
    fn result(&self) -> &'static str {
        match self.status {
            ForwardStatus::Delivered => "delivered",
            ForwardStatus::Retrying => "retry",
            _ => "failed",
        }
    }
}

type ClaimRow = (String, i64, i64);
type BodyRow = (String, String, Vec<u8>, i64);

/// Claims up to `$limit` due forwards of `$target` on `$conn` and reads their events: a macro
/// rather than a function, for the same reason as the schema's `apply!` (sqlx's bounds for "any
/// backend's transaction" outweigh the body).
macro_rules! claim_on {
    ($conn:expr, $sql:expr, $target:expr, $now:expr, $until:expr, $limit:expr) => {{
        let claimed: Vec<ClaimRow> = sqlx::query_as($sql)
            .bind($until)
            .bind($now)
            .bind($limit)
            .bind($target)
            .fetch_all(&mut *$conn)
            .await
            .map_err(failed("claiming due forwards"))?;
        let bodies: Vec<BodyRow> = if claimed.is_empty() {
            Vec::new()
        } else {
            let mut select = QueryBuilder::new(
                "SELECT event_id, event_type, body, received_at FROM stripe_webhooks_events
                 WHERE event_id IN (",
            );
            let mut ids = select.separated(", ");
            for (event_id, _, _) in &claimed {
                ids.push_bind(event_id.as_str());
            }
            select.push(")");
            select
                .build_query_as()
                .fetch_all(&mut *$conn)
                .await
                .map_err(failed("reading the forwarded events"))?
        };
        (claimed, bodies)
    }};
}

/// Records `$results` on `$conn` (inside the caller's transaction) in two statements however
/// many there are, each where its lease still holds, pushing to `$held` whether it did: one
/// `UPDATE … FROM (VALUES …)` fenced by the lease token and the `sending` status, returning
/// the forwards it changed, and one multi-row `INSERT` of their attempts.
macro_rules! record_on {
    ($conn:expr, $target:expr, $results:expr, $now:expr, $held:expr, $returning:expr) => {
        if !$results.is_empty() {
            let mut update = QueryBuilder::new(
                "WITH v (event_id, lease, status, due_at, finished_at, last_error) AS (",
            );
            update.push_values($results.iter(), |mut values, finished: &Finished| {
                values
                    .push_bind(finished.event_id.as_str())
                    .push_bind(finished.lease)
                    .push_bind(finished.status.as_str())
                    .push_bind(finished.due_at)
                    .push_bind(finished.status.is_finished().then_some($now))
                    .push_bind(finished.error.as_deref());
            });
            update
                .push(
                    ") UPDATE stripe_webhooks_forwards AS f
                     SET status = v.status, due_at = v.due_at, updated_at = ",
                )
                .push_bind($now)
                .push(
                    ", finished_at = v.finished_at, last_error = v.last_error
                     FROM v WHERE f.event_id = v.event_id AND f.lease = v.lease
                       AND f.status = 'sending' AND f.target = ",
                )
                .push_bind($target)
                .push($returning);
            let kept: std::collections::HashSet<String> = update
                .build_query_scalar()
                .fetch_all(&mut *$conn)
                .await
                .map_err(failed("recording forwards"))?
                .into_iter()
                .collect();
            let logged: Vec<&Finished> = $results
                .iter()
                .filter(|finished| kept.contains(&finished.event_id))
                .collect();
            if !logged.is_empty() {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO stripe_webhooks_forward_attempts
                        (event_id, target, attempt, started_at, duration_us, result,
                         response_status, error) ",
                );
                insert.push_values(&logged, |mut values, finished| {
                    values
                        .push_bind(finished.event_id.as_str())
                        .push_bind($target)
                        .push_bind(finished.attempt)
                        .push_bind(finished.started_at)
                        .push_bind(finished.duration_us)
                        .push_bind(finished.result())
                        .push_bind(finished.response_status.map(i64::from))
                        .push_bind(finished.error.as_deref());
                });
                insert.push(" ON CONFLICT (event_id, target, attempt) DO NOTHING");
                insert
                    .build()
                    .execute(&mut *$conn)
                    .await
                    .map_err(failed("logging forward attempts"))?;
            }
            $held.extend(
                $results
                    .iter()
                    .map(|finished| kept.contains(&finished.event_id)),
            );
        }
    };
}

/// Claims: pending or retrying forwards whose time has come, and sending ones whose lease ran
/// out. Each claim counts an attempt and bumps the lease token.
#[cfg(feature = "sqlite")]
const CLAIM_SQLITE: &str = "UPDATE stripe_webhooks_forwards
     SET status = 'sending', attempts = attempts + 1, lease = lease + 1,
         due_at = $1, updated_at = $2
     WHERE target = $4 AND event_id IN (
         SELECT event_id FROM stripe_webhooks_forwards
         WHERE target = $4 AND status IN ('pending', 'retrying', 'sending') AND due_at <= $2
         ORDER BY due_at, event_id LIMIT $3)
     RETURNING event_id, attempts, lease";

/// As the inbox's workers: SKIP LOCKED lets forwarders of one target in several instances
/// take different forwards without waiting.
#[cfg(feature = "postgres")]
const CLAIM_POSTGRES: &str = "WITH due AS (
         SELECT event_id FROM stripe_webhooks_forwards
         WHERE target = $4 AND status IN ('pending', 'retrying', 'sending') AND due_at <= $2
         ORDER BY due_at, event_id LIMIT $3
         FOR UPDATE SKIP LOCKED)
     UPDATE stripe_webhooks_forwards AS f
     SET status = 'sending', attempts = f.attempts + 1, lease = f.lease + 1,
         due_at = $1, updated_at = $2
     FROM due WHERE f.target = $4 AND f.event_id = due.event_id
     RETURNING f.event_id, f.attempts, f.lease";

/// One forwarder step, in one transaction (one commit, so one fsync, however much it does):
/// records `results`, each where its lease still holds, then claims up to `limit` of
/// `target`'s due forwards with their events' bodies. Per result, whether it held (`false`:
/// another forwarder has the forward now), and the forwards claimed.
pub(super) async fn cycle(
    db: &Db,
    target: &str,
    results: &[Finished],
    now: i64,
    lease: Duration,
    limit: usize,
) -> Result<(Vec<bool>, Vec<Claimed>), StoreError> {
    let until = now.saturating_add(duration_micros(lease));
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut held = Vec::with_capacity(results.len());
    let (claimed, bodies) = on_db!(db, pool => {
        // SQLite's RETURNING names the changed table's columns bare; Postgres's needs the
        // table named, as `v` has an `event_id` too.
        let (sql, returning) = match db {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => (CLAIM_SQLITE, " RETURNING event_id"),
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => (CLAIM_POSTGRES, " RETURNING f.event_id"),
        };
        let mut tx = pool.begin().await.map_err(failed("opening a transaction"))?;
        record_on!(tx, target, results, now, held, returning);
        let claimed = if limit > 0 {
            claim_on!(tx, sql, target, now, until, limit)
        } else {
            (Vec::new(), Vec::new())
        };
        tx.commit().await.map_err(failed("committing forwards"))?;
        claimed
    });
    let mut bodies: std::collections::HashMap<String, (String, Vec<u8>, i64)> = bodies
        .into_iter()
        .map(|(id, event_type, body, received)| (id, (event_type, body, received)))
        .collect();
    // A forward's event is deleted with it (ON DELETE CASCADE), so each one has its body.
    let claimed = claimed
        .into_iter()
        .filter_map(|(event_id, attempts, lease)| {
            let (event_type, body, received_at) = bodies.remove(&event_id)?;
            Some(Claimed {
                event_id,
                attempts,
                lease,
                event_type,
                body,
                received_at,
            })
        })
        .collect();
    Ok((held, claimed))
}
