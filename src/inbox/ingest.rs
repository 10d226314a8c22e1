//! Ack-first ingest: a delivery's event is committed to the inbox before the 200, and
//! concurrent deliveries share one commit (group commit) so that throughput is not one fsync
//! per request.
//!
//! One committer task per inbox owns the writes: it takes the first waiting row, then every
//! row that arrived meanwhile (up to [`MAX_BATCH`]), writes them in one transaction, and
//! answers each delivery once the commit is durable. Rejected deliveries are counted through
//! the same task, without waiting.

use tokio::sync::{mpsc, oneshot};

use super::db::{failed, micros, on_db, Db};
use super::Inbox;
use crate::dispatch::{Dispatcher, Dispose, Disposition, Genuine, Handler};
use crate::store::StoreError;
use crate::ErrorKind;

/// The most rows in one commit.
const MAX_BATCH: usize = 256;
/// Deliveries waiting for the committer; beyond this a delivery is answered 503 at once.
const QUEUE: usize = 4096;
/// Deliveries logged per event; later ones only count (`deliveries`), so a replayed genuine
/// delivery cannot grow the log without bound.
pub(crate) const MAX_LOGGED_DELIVERIES: i64 = 64;
/// Rejection counts are kept for this many minutes.
pub(crate) const REJECTION_MINUTES: i64 = 7 * 24 * 60;

/// A genuine delivery to store.
pub(crate) struct Row {
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) api_version: Option<String>,
    pub(crate) livemode: bool,
    pub(crate) account: Option<String>,
    pub(crate) created: i64,
    pub(crate) body: Vec<u8>,
    pub(crate) received_at: i64,
    pub(crate) secret_index: i64,
}

/// What the committer did with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stored {
    /// A new entry.
    New,
    /// The event was already in the inbox: its delivery is logged, no second row.
    Again,
}

pub(crate) enum Job {
    Store(Row, oneshot::Sender<Result<Stored, StoreError>>),
    Reject { minute: i64, kind: ErrorKind },
}

/// The sending side of the committer.
#[derive(Clone, Debug)]
pub(crate) struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the committer task on the current Tokio runtime.
    pub(crate) fn spawn(db: Db) -> Committer {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, queue));
        Committer { jobs }
    }

    /// Stores `row`, durably, or says why not.
    pub(crate) async fn store(&self, row: Row) -> Result<Stored, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .try_send(Job::Store(row, answer))
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => {
                    StoreError::new("inbox: too many deliveries waiting for the database")
                }
                mpsc::error::TrySendError::Closed(_) => {
                    StoreError::new("inbox: the committer has stopped (runtime shut down?)")
                }
            })?;
        answered
            .await
            .map_err(|_| StoreError::new("inbox: the committer stopped before answering"))?
    }

    /// Counts a rejected delivery; never waits, and drops the count if the queue is full (the
    /// dispatcher's metrics still have it).
    pub(crate) fn reject(&self, at: time::OffsetDateTime, kind: ErrorKind) {
        let minute = at.unix_timestamp().div_euclid(60);
        let _ = self.jobs.try_send(Job::Reject { minute, kind });
    }
}

async fn run(db: Db, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut rows = Vec::new();
        let mut answers = Vec::new();
        let mut rejections = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Store(row, answer) => {
                    rows.push(row);
                    answers.push(answer);
                }
                Job::Reject { minute, kind } => rejections.push((minute, kind)),
            }
        }
        match commit(&db, &rows, &rejections).await {
            Ok(stored) => {
                for (answer, stored) in answers.into_iter().zip(stored) {
                    let _ = answer.send(Ok(stored));
                }
            }
            Err(error) => {
                // Nothing of the batch is durable: every delivery in it is told so (503).
                let message = error.to_string();
                let mut source = Some(error);
                for answer in answers {
                    let error = source
                        .take()
                        .unwrap_or_else(|| StoreError::new(message.clone()));
                    let _ = answer.send(Err(error));
                }
            }
        }
    }
}

/// Writes one batch in one transaction; the answer per row, in order.
async fn commit(
    db: &Db,
    rows: &[Row],
    rejections: &[(i64, ErrorKind)],
) -> Result<Vec<Stored>, StoreError> {
    on_db!(db, pool => {
        let mut tx = pool.begin().await.map_err(failed("opening a transaction"))?;
        let mut stored = Vec::with_capacity(rows.len());
        for row in rows {
            let inserted = sqlx::query(
                "INSERT INTO stripe_webhooks_events
                    (event_id, event_type, api_version, livemode, account, created, body,
                     status, attempts, lease, due_at, received_at, updated_at, deliveries)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, 0, $8, $8, $8, 1)
                 ON CONFLICT (event_id) DO NOTHING",
            )
            .bind(&row.event_id)
            .bind(&row.event_type)
            .bind(&row.api_version)
            .bind(row.livemode)
            .bind(&row.account)
            .bind(row.created)
            .bind(&row.body)
            .bind(row.received_at)
            .execute(&mut *tx)
            .await
            .map_err(failed("storing an event"))?
            .rows_affected()
                == 1;
            let seq: i64 = if inserted {
                1
            } else {
                sqlx::query_scalar(
                    "UPDATE stripe_webhooks_events SET deliveries = deliveries + 1
                     WHERE event_id = $1 RETURNING deliveries",
                )
                .bind(&row.event_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(failed("counting a delivery"))?
            };
            if seq <= MAX_LOGGED_DELIVERIES {
                sqlx::query(
                    "INSERT INTO stripe_webhooks_deliveries
                        (event_id, seq, received_at, status, outcome, secret_index)
                     VALUES ($1, $2, $3, 200, $4, $5)",
                )
                .bind(&row.event_id)
                .bind(seq)
                .bind(row.received_at)
                .bind(if inserted { "stored" } else { "duplicate" })
                .bind(row.secret_index)
                .execute(&mut *tx)
                .await
                .map_err(failed("logging a delivery"))?;
            }
            stored.push(if inserted { Stored::New } else { Stored::Again });
        }
        if let Some(newest) = rejections.iter().map(|(minute, _)| *minute).max() {
            for (minute, kind) in rejections {
                sqlx::query(
                    "INSERT INTO stripe_webhooks_rejections (minute, kind, count) VALUES ($1, $2, 1)
                     ON CONFLICT (minute, kind)
                     DO UPDATE SET count = stripe_webhooks_rejections.count + 1",
                )
                .bind(minute)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await
                .map_err(failed("counting a rejected delivery"))?;
            }
            // Bounded: at most REJECTION_MINUTES minutes of counts, one row per kind each.
            sqlx::query("DELETE FROM stripe_webhooks_rejections WHERE minute < $1")
                .bind(newest - REJECTION_MINUTES)
                .execute(&mut *tx)
                .await
                .map_err(failed("pruning rejection counts"))?;
        }
        tx.commit().await.map_err(failed("committing"))?;
        Ok(stored)
    })
}

impl Dispose for Inbox {
    async fn dispose<'a, H: Handler>(
        dispatcher: &'a Dispatcher<H, Inbox>,
        genuine: Genuine<'a>,
    ) -> Disposition {
        {
            let event = &genuine.event;
            let row = Row {
                event_id: genuine.event_id.to_owned(),
                event_type: event.event_type().as_str().to_owned(),
                api_version: event.api_version().map(str::to_owned),
                livemode: event.livemode(),
                account: event.account().map(str::to_owned),
                created: event.created().unix_timestamp(),
                body: genuine.payload.to_vec(),
                received_at: micros(genuine.now),
                secret_index: i64::try_from(genuine.secret_index).unwrap_or(i64::MAX),
            };
            match dispatcher.dedup.committer.store(row).await {
                Ok(Stored::New) => Disposition::Stored,
                Ok(Stored::Again) => Disposition::Duplicate,
                Err(error) => Disposition::StoreUnavailable(error),
            }
        }
    }

    fn rejected(&self, now: time::OffsetDateTime, kind: ErrorKind) {
        self.committer.reject(now, kind);
    }
}
