//! Workers: claim due entries under a lease, run the handler, record the result, fenced by the
//! lease so that a worker whose lease ran out (and whose entry another worker took over)
//! changes nothing.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::db::{duration_micros, failed, micros, on_db, Db};
use super::{EntryStatus, Inbox};
use crate::dispatch::{catch_panic, Dispatcher, Handler};
use crate::store::StoreError;
use crate::Event;

/// Entries claimed in one statement.
const CLAIM_BATCH: i64 = 16;
/// A worker with nothing due looks again after this long (or sooner, at shutdown).
const IDLE_POLL: Duration = Duration::from_millis(500);
/// A worker that cannot reach the database waits this long at first, doubling to
/// [`MAX_ERROR_PAUSE`].
const ERROR_PAUSE: Duration = Duration::from_millis(200);
const MAX_ERROR_PAUSE: Duration = Duration::from_secs(30);

/// What a call to [`process_due`](Dispatcher::process_due) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Processed {
    /// Entries whose handler succeeded.
    pub handled: u64,
    /// Entries that failed and are due again after a backoff.
    pub retrying: u64,
    /// Entries that failed for good (the dead letters).
    pub failed: u64,
    /// Entries whose result was not recorded because their lease ran out first, and another
    /// worker took them over.
    pub lease_lost: u64,
}

/// An entry a worker holds.
struct Claimed {
    event_id: String,
    body: Vec<u8>,
    attempts: i64,
    lease: i64,
}

/// What a run of the handler comes to.
struct Finish {
    status: EntryStatus,
    due_at: i64,
    error: Option<String>,
    result: &'static str,
}

impl<H: Handler> Dispatcher<H, Inbox> {
    /// Runs every due entry until none is due, and says what became of them: for tests, cron
    /// jobs, and a drain before shutdown. Entries that fail are due again only after their
    /// backoff, so this returns.
    ///
    /// # Errors
    ///
    /// The database could not be read or written; entries claimed before that are due again
    /// when their lease runs out.
    pub async fn process_due(&self) -> Result<Processed, StoreError> {
        let mut processed = Processed::default();
        loop {
            let round = self.process_due_at(OffsetDateTime::now_utc()).await?;
            if round == Processed::default() {
                return Ok(processed);
            }
            processed.handled += round.handled;
            processed.retrying += round.retrying;
            processed.failed += round.failed;
            processed.lease_lost += round.lease_lost;
        }
    }

    /// One round of [`process_due`](Dispatcher::process_due) as if the time were `now`: the
    /// entries due at `now` (at most a batch of them) run, and their results are recorded at
    /// `now` (backoffs counted from it). For tests of schedules.
    ///
    /// # Errors
    ///
    /// As for [`process_due`](Dispatcher::process_due).
    pub async fn process_due_at(&self, now: OffsetDateTime) -> Result<Processed, StoreError> {
        let inbox = &self.dedup;
        let claimed = claim(&inbox.db, micros(now), inbox.lease, CLAIM_BATCH).await?;
        let mut processed = Processed::default();
        for entry in claimed {
            let (finish, duration_us) = self.run_entry(&entry, now).await;
            let status = finish.status;
            if record(&inbox.db, &entry, finish, duration_us, micros(now)).await? {
                match status {
                    EntryStatus::Handled => processed.handled += 1,
                    EntryStatus::Retrying => processed.retrying += 1,
                    _ => processed.failed += 1,
                }
            } else {
                processed.lease_lost += 1;
                self.counters.lease_lost();
            }
        }
        Ok(processed)
    }

    /// The long-running worker: runs due entries as they come until `shutdown` completes, then
    /// returns after the entry in hand (a handler is never cut short by a shutdown). Run
    /// several, in one process or many: each claims its own entries. Database errors are
    /// waited out with a growing pause, and the loop goes on.
    pub async fn run_worker(&self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = pin!(shutdown);
        let mut pause = ERROR_PAUSE;
        loop {
            let stopping = poll_fn(|cx| Poll::Ready(shutdown.as_mut().poll(cx).is_ready())).await;
            if stopping {
                return;
            }
            let wait = match self.process_due_at(OffsetDateTime::now_utc()).await {
                Ok(round) if round != Processed::default() => {
                    pause = ERROR_PAUSE;
                    continue;
                }
                Ok(_) => IDLE_POLL,
                Err(_error) => {
                    #[cfg(feature = "tracing")]
                    tracing::warn!(error = %_error, pause = ?pause, "inbox worker: database error, pausing");
                    let wait = pause;
                    pause = (pause * 2).min(MAX_ERROR_PAUSE);
                    wait
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shutdown.as_mut() => return,
            }
        }
    }

    /// Runs the handler on `entry`: what it comes to, and how long the handler took (in
    /// microseconds; 0 when it did not run).
    async fn run_entry(&self, entry: &Claimed, now: OffsetDateTime) -> (Finish, i64) {
        let backoff = &self.dedup.backoff;
        let attempt = u32::try_from(entry.attempts).unwrap_or(u32::MAX);
        let retry_or_fail = |error: String| {
            if attempt >= backoff.get_max_attempts() {
                Finish {
                    status: EntryStatus::Failed,
                    due_at: micros(now),
                    error: Some(format!("{error} (attempt {attempt}, the last)")),
                    result: "failed",
                }
            } else {
                Finish {
                    status: EntryStatus::Retrying,
                    due_at: micros(now + backoff.delay(&entry.event_id, attempt)),
                    error: Some(error),
                    result: "retry",
                }
            }
        };
        let event = match Event::from_slice(&entry.body) {
            Ok(event) => event,
            Err(error) => {
                let finish = Finish {
                    status: EntryStatus::Failed,
                    due_at: micros(now),
                    error: Some(format!("the stored body no longer parses: {error}")),
                    result: "failed",
                };
                return (finish, 0);
            }
        };
        let started = Instant::now();
        let ran = catch_panic(|| self.handler.handle(event)).await;
        let duration_us = duration_micros(started.elapsed());
        let finish = match ran {
            Ok(Ok(())) => Finish {
                status: EntryStatus::Handled,
                due_at: micros(now),
                error: None,
                result: "handled",
            },
            Ok(Err(error)) if !error.is_transient() => Finish {
                status: EntryStatus::Failed,
                due_at: micros(now),
                error: Some(error.to_string()),
                result: "failed",
            },
            Ok(Err(error)) => retry_or_fail(error.to_string()),
            Err(panic) => retry_or_fail(format!("the handler panicked: {panic}")),
        };
        (finish, duration_us)
    }
}

/// Claims up to `limit` due entries: pending or retrying ones whose time has come, and
/// processing ones whose lease ran out. Each claim counts an attempt and bumps the lease token.
async fn claim(db: &Db, now: i64, lease: Duration, limit: i64) -> Result<Vec<Claimed>, StoreError> {
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

/// Records a run's result if the lease still holds; `false` if it did not (another worker has
/// the entry now).
async fn record(
    db: &Db,
    entry: &Claimed,
    finish: Finish,
    duration_us: i64,
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
            .bind(now)
            .bind(duration_us)
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
