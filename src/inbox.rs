//! The durable inbox (features `sqlite` and `postgres`): acknowledge Stripe once an event is
//! on disk, run the handler in the background, keep every event and its deliveries, replay
//! any of them.
//!
//! ```text
//! delivery -> verify -> parse -> filter -> commit (group commit, fsynced) -> 200
//!                                             |
//!            worker: claim due (lease) -> handler -> handled | retrying (backoff) | failed
//! ```
//!
//! One type for both backends, chosen by the URL: `sqlite://PATH` (a file, created if
//! missing, nothing to run) or `postgres://…` (several instances). The schema is created and
//! migrated on [`open`](Inbox::open).
//!
//! - **Ack-first**: [`Dispatcher::inbox`] makes `dispatch` answer 200 only once the event is
//!   durably stored (SQLite in WAL mode with `synchronous=FULL`; Postgres with
//!   `synchronous_commit=on`), 200 for an event already stored (no second row), 400 for a
//!   rejected delivery, 503 when the database cannot take it. Concurrent deliveries share one
//!   commit.
//! - **Workers**: [`Dispatcher::process_due`] runs what is due and returns;
//!   [`Dispatcher::run_worker`] is the long-running loop. A claim is a lease with a fencing
//!   token: a worker that dies mid-handler loses its entry to another after the lease, and
//!   a late result from it is discarded. Handlers therefore run at least once and succeed
//!   once per event, in the usual case; a handler whose side effects are outside the
//!   database must be idempotent, as a crash after its side effect and before the record
//!   runs it again.
//! - **Failures**: a transient error retries after a [`Backoff`], and so does a panic unless
//!   [`Inbox::panics`] says [`Panics::Fail`]; a permanent error or the last attempt makes the
//!   entry `failed`, kept until [`replay`](Inbox::replay)ed or pruned.
//! - **Rejected deliveries** (forgeries, stale timestamps) are counted by kind and minute
//!   ([`Inbox::rejections`]), for seven days; their bodies are not stored unless
//!   [`Inbox::keep_rejected_bodies`] asks for the newest few.
//!
//! Stored events hold personal data (names, e-mail addresses, addresses of your customers):
//! keep the database as you keep your own customer data, and [`prune`](Inbox::prune) what you
//! no longer need.
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "sqlite")]
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
//! use stripe_webhooks::inbox::{EntryStatus, Inbox};
//! use stripe_webhooks::{testing, Event, Webhook};
//!
//! let dir = std::env::temp_dir().join(format!("inbox-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let inbox = Inbox::open(&format!("sqlite://{}/events.db", dir.display())).await?;
//! let dispatcher = Dispatcher::new(Webhook::new("whsec_test"), |event: Event| async move {
//!     println!("handling {}", event.id());
//!     Ok::<(), HandlerError>(())
//! })
//! .inbox(inbox.clone());
//!
//! let body = br#"{"id":"evt_doc","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","object":"invoice"}}}"#;
//! let header = testing::signature_header(body, "whsec_test", time::OffsetDateTime::now_utc().unix_timestamp());
//!
//! // The answer comes once the event is on disk; the handler has not run yet.
//! let outcome = dispatcher.dispatch(body, Some(&header)).await;
//! assert_eq!(outcome.kind(), OutcomeKind::Stored);
//! assert_eq!(inbox.entry("evt_doc").await?.unwrap().status(), EntryStatus::Pending);
//!
//! // A worker runs it.
//! let processed = dispatcher.process_due().await?;
//! assert_eq!(processed.handled, 1);
//! assert_eq!(inbox.entry("evt_doc").await?.unwrap().status(), EntryStatus::Handled);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), stripe_webhooks::store::StoreError>(())
//! # }).unwrap();
//! ```

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("the `inbox` feature needs a backend: enable `sqlite`, `postgres`, or both");

mod backoff;
pub(crate) mod db;
mod entry;
mod forwards;
mod ingest;
mod list;
mod rejected;
mod schema;
mod stats;
mod status;
#[cfg_attr(not(feature = "console"), allow(dead_code))]
pub(crate) mod telemetry;
mod worker;

use std::time::Duration;

use time::OffsetDateTime;

pub use backoff::Backoff;
pub use entry::{AttemptRecord, DeliveryRecord, Entry};
pub use forwards::{ForwardAttempt, ForwardBacklog, ForwardRecord, ForwardStatus};
pub use list::{Cursor, ListFilter, Page, Summary, MAX_PAGE};
pub use rejected::{RejectedDelivery, MAX_KEPT_REJECTED, MAX_REJECTED_BODY};
pub use stats::Hour;
pub use status::EntryStatus;
pub use worker::Processed;

use db::{failed, micros, on_db, Db};
use ingest::Committer;

use crate::dispatch::{Dispatcher, Handler};
use crate::store::StoreError;
use crate::ErrorKind;

/// The default lease: how long a worker holds an entry before another may take it over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// A durable inbox on SQLite or Postgres. Cheap to clone (the pool and the committer are
/// shared); settings are by-value builders.
///
/// Open it inside a Tokio runtime: it starts the task that commits deliveries.
#[derive(Clone, Debug)]
pub struct Inbox {
    pub(crate) db: Db,
    committer: Committer,
    lease: Duration,
    backoff: Backoff,
    keep_rejected: usize,
    panics: Panics,
    handler_times: std::sync::Arc<telemetry::HandlerTimes>,
    /// The forwarding targets each new event is checked against at ingest.
    #[cfg(feature = "forward")]
    pub(crate) targets: crate::forward::Targets,
}

/// What becomes of an entry whose handler panicked ([`Inbox::panics`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Panics {
    /// Like a transient error: due again after the backoff, failed after the last attempt.
    /// For panics that come from the moment (a poisoned lock, a bug on a rare path).
    #[default]
    Retry,
    /// Like a permanent error: failed at once (a dead letter until replayed). For handlers
    /// whose panics are bugs that a retry only repeats.
    Fail,
}

/// What [`Inbox::replay`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// The entry is pending again: the next worker runs it.
    Queued,
    /// A worker is running it right now; nothing changed.
    Running,
    /// No entry has this id.
    NotFound,
}

impl Inbox {
    /// Opens (creating and migrating if needed) the inbox at `url`: `sqlite://PATH` or
    /// `postgres://user@host/db`.
    ///
    /// # Errors
    ///
    /// An unknown scheme or a scheme whose feature is off, a database that cannot be reached,
    /// or a schema migrated by a newer build.
    pub async fn open(url: &str) -> Result<Inbox, StoreError> {
        let db = Db::connect(url).await?;
        schema::migrate(&db).await?;
        Ok(Inbox {
            committer: Committer::spawn(db.clone()),
            db,
            lease: DEFAULT_LEASE,
            backoff: Backoff::default(),
            keep_rejected: 0,
            panics: Panics::Retry,
            handler_times: std::sync::Arc::default(),
            #[cfg(feature = "forward")]
            targets: crate::forward::Targets::default(),
        })
    }

    /// How long a worker holds an entry: longer than your slowest handler. Default
    /// [`DEFAULT_LEASE`]; at least a millisecond.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Inbox {
        self.lease = lease.max(Duration::from_millis(1));
        self
    }

    /// When failed entries are due again, and how many attempts they get.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Inbox {
        self.backoff = backoff;
        self
    }

    /// Keeps the newest `count` rejected deliveries (at most [`MAX_KEPT_REJECTED`]) with their
    /// body (cut to [`MAX_REJECTED_BODY`] bytes) and signature header, for
    /// [`rejected_deliveries`](Inbox::rejected_deliveries): to see what a misconfigured sender
    /// or a wrong secret sends. Off (0) by default: a rejected body is not trusted, and may be
    /// anyone's. Older ones are deleted as new ones come, so the space they take is bounded.
    #[must_use]
    pub fn keep_rejected_bodies(mut self, count: usize) -> Inbox {
        self.keep_rejected = count.min(MAX_KEPT_REJECTED);
        self
    }

    /// What a handler's panic comes to. Default [`Panics::Retry`].
    #[must_use]
    pub fn panics(mut self, panics: Panics) -> Inbox {
        self.panics = panics;
        self
    }

    /// The backend's name: `SQLite` or `Postgres`.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        self.db.name()
    }

    /// The entry for `event_id`, with its deliveries and attempts.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn entry(&self, event_id: &str) -> Result<Option<Entry>, StoreError> {
        entry::read(&self.db, event_id).await
    }

    /// A page of entries, newest first, as `filter` selects them; `page.next` continues.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        list::list(&self.db, filter).await
    }

    /// Queues the event again, whatever its status (a handled one too), unless a worker is
    /// running it right now. Its attempt count goes on from where it was.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub async fn replay(&self, event_id: &str) -> Result<Replay, StoreError> {
        let now = micros(OffsetDateTime::now_utc());
        let changed = on_db!(&self.db, pool => sqlx::query(
            "UPDATE stripe_webhooks_events
             SET status = 'pending', due_at = $2, updated_at = $2, finished_at = NULL
             WHERE event_id = $1 AND status <> 'processing'",
        )
        .bind(event_id)
        .bind(now)
        .execute(pool)
        .await
        .map_err(failed("replaying an entry"))?
        .rows_affected());
        if changed == 1 {
            return Ok(Replay::Queued);
        }
        // A processing entry whose lease ran out is due anyway; either way nothing to do.
        Ok(match self.entry(event_id).await? {
            Some(_) => Replay::Running,
            None => Replay::NotFound,
        })
    }

    /// Queues the event's forward to `target` again (feature `forward` sends it), whatever its
    /// status (a delivered one too), unless it is being sent right now. The other targets'
    /// forwards, and the handler's entry, are left as they are.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub async fn replay_forward(&self, event_id: &str, target: &str) -> Result<Replay, StoreError> {
        Ok(match forwards::replay(&self.db, event_id, target).await? {
            (true, _) => Replay::Queued,
            (false, true) => Replay::Running,
            (false, false) => Replay::NotFound,
        })
    }

    /// Stops forwarding to `target`, a target you removed or renamed: its forwards that wait
    /// to be sent (pending, retrying) become `failed` ("the target was retired"), so they no
    /// longer keep their entries from [`prune`](Inbox::prune); its history stays. Those being
    /// sent right now finish as they will. The number failed. Detach the target from the
    /// dispatchers first, or new events get forwards to it again.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub async fn retire_target(&self, target: &str) -> Result<u64, StoreError> {
        forwards::retire(&self.db, target).await
    }

    /// Counts of the forwards to `target` by status (every one is counted).
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn forward_counts(
        &self,
        target: &str,
    ) -> Result<Vec<(ForwardStatus, u64)>, StoreError> {
        forwards::counts(&self.db, target).await
    }

    /// Every target's forwards still to send and its dead letters, with how long its oldest
    /// due forward has waited, by target name; targets with nothing open or failed are left
    /// out. Cheap however large the inbox: the delivered forwards are not counted.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn forward_backlog(&self) -> Result<Vec<ForwardBacklog>, StoreError> {
        forwards::backlog(&self.db, OffsetDateTime::now_utc()).await
    }

    /// Queues again every `failed` entry (the dead letters) of `event_type` (all types when
    /// `None`) that failed at or after `since`; the number queued.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub async fn requeue_failed(
        &self,
        event_type: Option<&str>,
        since: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let now = micros(OffsetDateTime::now_utc());
        Ok(on_db!(&self.db, pool => sqlx::query(
            "UPDATE stripe_webhooks_events
             SET status = 'pending', due_at = $1, updated_at = $1, finished_at = NULL
             WHERE status = 'failed' AND finished_at >= $2
               AND ($3 IS NULL OR event_type = $3)",
        )
        .bind(now)
        .bind(micros(since))
        .bind(event_type)
        .execute(pool)
        .await
        .map_err(failed("requeueing failed entries"))?
        .rows_affected()))
    }

    /// Deletes the `handled` entries that finished more than `older_than` ago, with their
    /// history; the number deleted. Failed entries are kept: see
    /// [`prune_failed`](Inbox::prune_failed). An entry with a forward still to send (pending,
    /// sending or retrying) is kept until it is sent; its failed forwards go with it.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub async fn prune(&self, older_than: Duration) -> Result<u64, StoreError> {
        self.prune_status(EntryStatus::Handled, older_than).await
    }

    /// Deletes the `failed` entries (dead letters) that failed more than `older_than` ago.
    ///
    /// # Errors
    ///
    /// The database could not be written.
    pub async fn prune_failed(&self, older_than: Duration) -> Result<u64, StoreError> {
        self.prune_status(EntryStatus::Failed, older_than).await
    }

    async fn prune_status(
        &self,
        status: EntryStatus,
        older_than: Duration,
    ) -> Result<u64, StoreError> {
        let cutoff = micros(OffsetDateTime::now_utc() - older_than);
        Ok(on_db!(&self.db, pool => sqlx::query(
            "DELETE FROM stripe_webhooks_events WHERE status = $1 AND finished_at < $2
             AND NOT EXISTS (SELECT 1 FROM stripe_webhooks_forwards AS f
                 WHERE f.event_id = stripe_webhooks_events.event_id
                   AND f.status IN ('pending', 'retrying', 'sending'))",
        )
        .bind(status.as_str())
        .bind(cutoff)
        .execute(pool)
        .await
        .map_err(failed("pruning entries"))?
        .rows_affected()))
    }

    /// Counts of entries by status: every entry is counted, so the time grows with the
    /// inbox (an index scan; about 10–20 ms for 100,000 entries). For a page, see
    /// [`counts_since`](Inbox::counts_since).
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn counts(&self) -> Result<Vec<(EntryStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT status, COUNT(*) FROM stripe_webhooks_events GROUP BY status",
        )
        .fetch_all(pool)
        .await
        .map_err(failed("counting entries"))?);
        Ok(EntryStatus::counted(&rows))
    }

    /// The last `hours` hours of activity (deliveries, failed handler runs), one [`Hour`] each,
    /// oldest first and the current hour last, hours without any activity included.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn activity(&self, hours: u32) -> Result<Vec<Hour>, StoreError> {
        stats::activity(&self.db, OffsetDateTime::now_utc(), hours).await
    }

    /// How long the entry that has been due the longest has waited: zero when the workers
    /// keep up. A growing age means the queue backs up.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn oldest_due_age(&self) -> Result<time::Duration, StoreError> {
        stats::oldest_due_age(&self.db, OffsetDateTime::now_utc()).await
    }

    /// The handler durations this process's workers measured.
    #[cfg_attr(not(feature = "console"), allow(dead_code))]
    pub(crate) fn handler_times(&self) -> telemetry::HandlerTimesSnapshot {
        self.handler_times.snapshot()
    }

    /// Counts by status for an overview, cheap however large the inbox: the entries still to
    /// run (pending, processing, retrying) and the dead letters (failed) whatever their age,
    /// and the `handled` ones that finished at or after `handled_since` only (all of them
    /// would mean counting the whole inbox; [`counts`](Inbox::counts) does).
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn counts_since(
        &self,
        handled_since: OffsetDateTime,
    ) -> Result<Vec<(EntryStatus, u64)>, StoreError> {
        // Each part is spelled as a partial index's predicate, so that SQLite sees it applies:
        // the due index for the open entries, the failed index, and the finished index for the
        // window (handled = finished in the window - failed in the window).
        let since = micros(handled_since);
        let rows: Vec<(String, i64)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT status, COUNT(*) FROM stripe_webhooks_events
             WHERE status IN ('pending', 'retrying', 'processing') GROUP BY status
             UNION ALL
             SELECT 'failed', COUNT(*) FROM stripe_webhooks_events WHERE status = 'failed'
             UNION ALL
             SELECT 'handled',
                    (SELECT COUNT(*) FROM stripe_webhooks_events WHERE finished_at >= $1)
                    - (SELECT COUNT(*) FROM stripe_webhooks_events
                       WHERE status = 'failed' AND finished_at >= $1)",
        )
        .bind(since)
        .fetch_all(pool)
        .await
        .map_err(failed("counting entries"))?);
        Ok(EntryStatus::counted(&rows))
    }

    /// The rejected deliveries kept by [`keep_rejected_bodies`](Inbox::keep_rejected_bodies),
    /// newest first; empty when it is off.
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn rejected_deliveries(&self) -> Result<Vec<RejectedDelivery>, StoreError> {
        rejected::read(&self.db).await
    }

    /// Rejected deliveries counted since `since`, by kind (their bodies only if
    /// [`keep_rejected_bodies`](Inbox::keep_rejected_bodies) asks).
    ///
    /// # Errors
    ///
    /// The database could not be read.
    pub async fn rejections(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<(ErrorKind, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_db!(&self.db, pool => sqlx::query_as(
            "SELECT kind, CAST(SUM(count) AS BIGINT) FROM stripe_webhooks_rejections WHERE minute >= $1
             GROUP BY kind",
        )
        .bind(since.unix_timestamp().div_euclid(60))
        .fetch_all(pool)
        .await
        .map_err(failed("reading rejection counts"))?);
        Ok(ErrorKind::ALL
            .into_iter()
            .filter_map(|kind| {
                let count = rows.iter().find(|(label, _)| label == kind.as_str())?.1;
                Some((kind, u64::try_from(count).unwrap_or(0)))
            })
            .collect())
    }
}

impl<H: Handler, D> Dispatcher<H, D> {
    /// Ack-first mode: `dispatch` stores each genuine, enabled event in `inbox` and answers
    /// once it is durable; [`process_due`](Dispatcher::process_due) and
    /// [`run_worker`](Dispatcher::run_worker) run the handler. The inbox's unique event id
    /// replaces the duplicate store.
    #[must_use]
    pub fn inbox(self, inbox: Inbox) -> Dispatcher<H, Inbox> {
        self.with_mode(inbox)
    }
}
