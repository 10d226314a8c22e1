//! The forwarding state the inbox keeps per event and target (feature `forward` writes it;
//! every build reads it, so the console shows it): [`ForwardStatus`], [`ForwardRecord`],
//! [`ForwardAttempt`].

use time::OffsetDateTime;

use super::db::{failed, from_micros, micros, on_db, Db};
use crate::store::StoreError;

crate::label_enum::label_enum! {
    /// Where an event is with one forwarding target. `pending` → `sending` → `delivered`, or
    /// → `retrying` (after the target's backoff, `sending` again) → … → `failed` (the attempts
    /// used up). A `sending` forward whose lease ran out (its forwarder died) is due again at
    /// once. [`Inbox::replay_forward`](super::Inbox::replay_forward) makes any forward but a
    /// `sending` one `pending` again.
    pub enum ForwardStatus {
        /// Stored, not yet sent.
        Pending => "pending",
        /// A forwarder holds its lease and is sending it.
        Sending => "sending",
        /// The target took it (a 2xx answer, or the stream entry added).
        Delivered => "delivered",
        /// The target refused it or could not be reached; due again after a backoff.
        Retrying => "retrying",
        /// The attempts were used up: a dead letter for this target, kept until replayed.
        Failed => "failed",
    }
}

impl ForwardStatus {
    /// Whether the forward has reached an end (`delivered` or `failed`).
    #[must_use]
    pub fn is_finished(self) -> bool {
        matches!(self, ForwardStatus::Delivered | ForwardStatus::Failed)
    }
}

/// One event's forwarding to one target: where it is, and its attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForwardRecord {
    /// The target's name.
    pub target: String,
    /// Where it is.
    pub status: ForwardStatus,
    /// Sends so far, one cut short by a crash included.
    pub attempts: u32,
    /// When it is due (pending, retrying), or when its lease runs out (sending).
    pub due_at: OffsetDateTime,
    /// When it reached `delivered` or `failed`.
    pub finished_at: Option<OffsetDateTime>,
    /// The last send's error, if it failed.
    pub last_error: Option<String>,
    /// Its sends that finished, oldest first.
    pub attempt_log: Vec<ForwardAttempt>,
}

/// One finished send of an event to a target.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForwardAttempt {
    /// Which send (1 for the first).
    pub attempt: u32,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// How long it took.
    pub duration: std::time::Duration,
    /// `delivered`, `retry` or `failed`.
    pub result: String,
    /// The target's HTTP status, when it answered one.
    pub response_status: Option<u16>,
    /// What went wrong, if it did.
    pub error: Option<String>,
}

type ForwardRow = (String, String, i64, i64, Option<i64>, Option<String>);
type AttemptRow = (String, i64, i64, i64, String, Option<i64>, Option<String>);

/// The forwards of `event_id`, by target name.
pub(crate) async fn read(db: &Db, event_id: &str) -> Result<Vec<ForwardRecord>, StoreError> {
    let (forwards, attempts) = on_db!(db, pool => {
        let forwards: Vec<ForwardRow> = sqlx::query_as(
            "SELECT target, status, attempts, due_at, finished_at, last_error
             FROM stripe_webhooks_forwards WHERE event_id = $1 ORDER BY target",
        )
        .bind(event_id)
        .fetch_all(pool)
        .await
        .map_err(failed("reading forwards"))?;
        let attempts: Vec<AttemptRow> = sqlx::query_as(
            "SELECT target, attempt, started_at, duration_us, result, response_status, error
             FROM stripe_webhooks_forward_attempts WHERE event_id = $1 ORDER BY target, attempt",
        )
        .bind(event_id)
        .fetch_all(pool)
        .await
        .map_err(failed("reading forward attempts"))?;
        (forwards, attempts)
    });
    forwards
        .into_iter()
        .map(|(target, status, count, due, finished, last_error)| {
            let status = ForwardStatus::from_label(&status).ok_or_else(|| {
                StoreError::new(format!(
                    "inbox: the forward of {event_id} to {target} has status `{status}`, \
                     which this build does not know"
                ))
            })?;
            let attempt_log = attempts
                .iter()
                .filter(|row| row.0 == target)
                .map(
                    |(_, attempt, started, duration, result, response, error)| ForwardAttempt {
                        attempt: u32::try_from(*attempt).unwrap_or(u32::MAX),
                        started_at: from_micros(*started),
                        duration: std::time::Duration::from_micros(
                            u64::try_from(*duration).unwrap_or(0),
                        ),
                        result: result.clone(),
                        response_status: response.and_then(|code| u16::try_from(code).ok()),
                        error: error.clone(),
                    },
                )
                .collect();
            Ok(ForwardRecord {
                target,
                status,
                attempts: u32::try_from(count).unwrap_or(u32::MAX),
                due_at: from_micros(due),
                finished_at: finished.map(from_micros),
                last_error,
                attempt_log,
            })
        })
        .collect()
}

/// Makes the forward of `event_id` to `target` pending again unless it is being sent; whether
/// it changed, and whether there is such a forward at all.
pub(crate) async fn replay(
    db: &Db,
    event_id: &str,
    target: &str,
) -> Result<(bool, bool), StoreError> {
    let now = micros(OffsetDateTime::now_utc());
    on_db!(db, pool => {
        let changed = sqlx::query(
            "UPDATE stripe_webhooks_forwards
             SET status = 'pending', due_at = $3, updated_at = $3, finished_at = NULL
             WHERE event_id = $1 AND target = $2 AND status <> 'sending'",
        )
        .bind(event_id)
        .bind(target)
        .bind(now)
        .execute(pool)
        .await
        .map_err(failed("replaying a forward"))?
        .rows_affected()
            == 1;
        if changed {
            return Ok((true, true));
        }
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT attempts FROM stripe_webhooks_forwards WHERE event_id = $1 AND target = $2",
        )
        .bind(event_id)
        .bind(target)
        .fetch_optional(pool)
        .await
        .map_err(failed("reading a forward"))?;
        Ok((false, exists.is_some()))
    })
}

/// Fails `target`'s forwards that wait to be sent (pending, retrying), saying why; the number
/// failed. Those being sent finish as they will.
pub(crate) async fn retire(db: &Db, target: &str) -> Result<u64, StoreError> {
    let now = micros(OffsetDateTime::now_utc());
    // The due index's own predicate, then `sending` left out: SQLite uses a partial index only
    // where the query visibly implies its predicate.
    Ok(on_db!(db, pool => sqlx::query(
        "UPDATE stripe_webhooks_forwards
         SET status = 'failed', updated_at = $2, finished_at = $2,
             last_error = 'the target was retired: not sent'
         WHERE target = $1 AND status IN ('pending', 'retrying', 'sending') AND status <> 'sending'",
    )
    .bind(target)
    .bind(now)
    .execute(pool)
    .await
    .map_err(failed("retiring a target"))?
    .rows_affected()))
}

/// Counts of `target`'s forwards by status (every one counted).
pub(crate) async fn counts(db: &Db, target: &str) -> Result<Vec<(ForwardStatus, u64)>, StoreError> {
    let rows: Vec<(String, i64)> = on_db!(db, pool => sqlx::query_as(
        "SELECT status, COUNT(*) FROM stripe_webhooks_forwards WHERE target = $1 GROUP BY status",
    )
    .bind(target)
    .fetch_all(pool)
    .await
    .map_err(failed("counting forwards"))?);
    Ok(ForwardStatus::counted(&rows))
}

/// One target's forwards still to send and its dead letters: what to alert on when a target
/// falls behind ([`Inbox::forward_backlog`](super::Inbox::forward_backlog)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ForwardBacklog {
    /// The target's name.
    pub target: String,
    /// Forwards by status: pending, sending, retrying and failed (the delivered ones, which
    /// only grow, are not counted; see [`Inbox::forward_counts`](super::Inbox::forward_counts)).
    pub counts: Vec<(ForwardStatus, u64)>,
    /// How long the forward that has been due the longest has waited: zero when the target
    /// keeps up.
    pub oldest_due_age: time::Duration,
}

/// The backlog of every target with a forward still to send or failed, by target name.
pub(crate) async fn backlog(
    db: &Db,
    now: OffsetDateTime,
) -> Result<Vec<ForwardBacklog>, StoreError> {
    // Each part spelled as a partial index's predicate, so that SQLite sees it applies.
    let rows: Vec<(String, String, i64, Option<i64>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT target, status, COUNT(*),
                MIN(CASE WHEN status <> 'sending' AND due_at <= $1 THEN due_at END)
         FROM stripe_webhooks_forwards
         WHERE status IN ('pending', 'retrying', 'sending') GROUP BY target, status
         UNION ALL
         SELECT target, 'failed', COUNT(*), NULL FROM stripe_webhooks_forwards
         WHERE status = 'failed' GROUP BY target",
    )
    .bind(micros(now))
    .fetch_all(pool)
    .await
    .map_err(failed("reading the forward backlog"))?);
    let mut targets: std::collections::BTreeMap<String, ForwardBacklog> = Default::default();
    for (target, status, count, oldest) in rows {
        let Some(status) = ForwardStatus::from_label(&status) else {
            continue;
        };
        let backlog = targets
            .entry(target.clone())
            .or_insert_with(|| ForwardBacklog {
                target,
                counts: [
                    ForwardStatus::Pending,
                    ForwardStatus::Sending,
                    ForwardStatus::Retrying,
                    ForwardStatus::Failed,
                ]
                .map(|status| (status, 0))
                .to_vec(),
                oldest_due_age: time::Duration::ZERO,
            });
        if let Some(slot) = backlog.counts.iter_mut().find(|(s, _)| *s == status) {
            slot.1 = u64::try_from(count).unwrap_or(0);
        }
        if let Some(oldest) = oldest {
            backlog.oldest_due_age = backlog.oldest_due_age.max(now - from_micros(oldest));
        }
    }
    Ok(targets.into_values().collect())
}
