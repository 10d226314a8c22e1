//! Ack-first ingest: a delivery's event is committed to the inbox before the 200, and
//! concurrent deliveries share one commit (group commit) so that throughput is not one fsync
//! per request.
//!
//! Committer tasks own the writes. They take turns at one queue: the one whose turn it is
//! takes the first waiting row and every row that arrived meanwhile (up to [`MAX_BATCH`]),
//! hands the queue to the next, writes its batch in one transaction, and answers each delivery
//! once the commit is durable. SQLite has one writer, so one committer; Postgres commits
//! several batches at once (and flushes their WAL together), so several. Rejected deliveries
//! are counted through the same queue, without waiting.

mod batch;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Mutex};

use super::db::{micros, Db};
use super::rejected::Sample;
use super::Inbox;
use crate::dispatch::{Dispatcher, Dispose, Disposition, Genuine, Handler, Origin};
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
    pub(crate) object_id: Option<String>,
    pub(crate) received_at: i64,
    /// Signed (by which secret) or fetched (a backfill): what its delivery log row says.
    pub(crate) origin: Origin,
    /// The forwarding targets whose filter takes the event: a forward row each, committed
    /// with the event.
    pub(crate) forwards: Vec<Arc<str>>,
}

/// A rejected delivery to count, and to keep if the inbox keeps them.
pub(crate) struct Rejection {
    pub(crate) minute: i64,
    pub(crate) kind: ErrorKind,
    pub(crate) sample: Option<Sample>,
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
    Reject(Rejection),
}

/// The sending side of the committer.
#[derive(Clone, Debug)]
pub(crate) struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the committer tasks on the current Tokio runtime.
    pub(crate) fn spawn(db: Db) -> Committer {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..db.writers() {
            tokio::spawn(run(db.clone(), Arc::clone(&queue)));
        }
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
    pub(crate) fn reject(&self, at: time::OffsetDateTime, kind: ErrorKind, sample: Option<Sample>) {
        let minute = at.unix_timestamp().div_euclid(60);
        let _ = self.jobs.try_send(Job::Reject(Rejection {
            minute,
            kind,
            sample,
        }));
    }
}

async fn run(db: Db, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // The lock is held only while waiting for rows: the next committer's batch fills while
    // this one commits.
    while queue.lock().await.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut rows = Vec::new();
        let mut answers = Vec::new();
        let mut rejections = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Store(row, answer) => {
                    rows.push(row);
                    answers.push(answer);
                }
                Job::Reject(rejection) => rejections.push(rejection),
            }
        }
        match batch::commit(&db, &rows, &rejections).await {
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
                object_id: event.object_ref().id,
                received_at: micros(genuine.now),
                origin: genuine.origin,
                #[cfg(feature = "forward")]
                forwards: dispatcher.dedup.targets.taking(event.event_type()),
                #[cfg(not(feature = "forward"))]
                forwards: Vec::new(),
            };
            match dispatcher.dedup.committer.store(row).await {
                Ok(Stored::New) => {
                    #[cfg(feature = "forward")]
                    dispatcher.dedup.targets.wake(event.event_type());
                    Disposition::Stored
                }
                Ok(Stored::Again) => Disposition::Duplicate,
                Err(error) => Disposition::StoreUnavailable(error),
            }
        }
    }

    fn rejected(
        &self,
        now: time::OffsetDateTime,
        kind: ErrorKind,
        payload: &[u8],
        signature: Option<&str>,
    ) {
        let sample = (self.keep_rejected > 0)
            .then(|| Sample::new(micros(now), payload, signature, self.keep_rejected));
        self.committer.reject(now, kind, sample);
    }
}
