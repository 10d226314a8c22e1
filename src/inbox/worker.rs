//! Workers: claim due entries under a lease, run the handler, record the result, fenced by the
//! lease so that a worker whose lease ran out (and whose entry another worker took over)
//! changes nothing.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

mod lease;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use lease::{claim, record, release, renew, Claimed};

use super::db::{duration_micros, micros};
use super::{EntryStatus, Inbox, Panics};
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
/// How long a worker tries to give back its batch after a database error before it pauses.
const RELEASE_AFTER_ERROR: Duration = Duration::from_secs(1);

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

/// What a run of the handler comes to.
struct Finish {
    status: EntryStatus,
    due_at: i64,
    error: Option<String>,
    result: &'static str,
    started_at: i64,
    duration_us: i64,
}

/// The worker's clock: the system's, or the time a test fixed.
#[derive(Debug, Clone, Copy)]
enum Clock {
    System,
    Fixed(OffsetDateTime),
}

impl Clock {
    fn now(self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(now) => now,
        }
    }
}

impl<H: Handler> Dispatcher<H, Inbox> {
    /// Runs every due entry until none is due, and says what became of them: for tests, cron
    /// jobs, and a drain before shutdown. Entries that fail are due again only after their
    /// backoff, so this returns.
    ///
    /// # Errors
    ///
    /// The database could not be read or written. The entries of the batch in hand that had
    /// not run are given back (due at once) if the database takes that; otherwise they are due
    /// again when their lease runs out.
    pub async fn process_due(&self) -> Result<Processed, StoreError> {
        let never = AtomicBool::new(false);
        let mut processed = Processed::default();
        loop {
            let round = self.round(Clock::System, &never).await?;
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
        self.round(Clock::Fixed(now), &AtomicBool::new(false)).await
    }

    /// The long-running worker: runs due entries as they come until `shutdown` completes, then
    /// returns after the entry in hand (a handler is never cut short by a shutdown; the rest of
    /// its batch is given back, due at once, for another worker). Run several, in one process
    /// or many: each claims its own entries. Database errors are waited out with a growing
    /// pause, and the loop goes on.
    pub async fn run_worker(&self, shutdown: impl Future<Output = ()>) {
        let mut shutdown = pin!(shutdown);
        let stopping = AtomicBool::new(false);
        let mut pause = ERROR_PAUSE;
        loop {
            let result = {
                let mut round = pin!(self.round(Clock::System, &stopping));
                loop {
                    tokio::select! {
                        biased;
                        // Polled once to completion only: a finished future is not polled again.
                        () = shutdown.as_mut(), if !stopping.load(Ordering::Relaxed) => {
                            stopping.store(true, Ordering::Relaxed);
                        }
                        result = &mut round => break result,
                    }
                }
            };
            if stopping.load(Ordering::Relaxed) {
                return;
            }
            let wait = match result {
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

    /// Claims a batch and runs it, one entry after another, while the leases of the entries
    /// not yet finished are renewed every third of the lease: a batch (or one handler) longer
    /// than the lease keeps its entries. Stops before the next entry once `stopping` is set.
    async fn round(&self, clock: Clock, stopping: &AtomicBool) -> Result<Processed, StoreError> {
        let inbox = &self.dedup;
        if stopping.load(Ordering::Relaxed) {
            return Ok(Processed::default());
        }
        let held = claim(&inbox.db, micros(clock.now()), inbox.lease, CLAIM_BATCH).await?;
        // Entries of `held` from this index on are still this worker's to renew.
        let unfinished = AtomicUsize::new(0);
        let work = async {
            let mut processed = Processed::default();
            for (index, entry) in held.iter().enumerate() {
                if stopping.load(Ordering::Relaxed) {
                    release(&inbox.db, &held[index..], micros(clock.now())).await?;
                    break;
                }
                let finish = self.run_entry(entry, clock).await;
                let status = finish.status;
                let recorded = record(&inbox.db, entry, &finish, micros(clock.now())).await;
                unfinished.store(index + 1, Ordering::Relaxed);
                match recorded {
                    Ok(true) => match status {
                        EntryStatus::Handled => processed.handled += 1,
                        EntryStatus::Retrying => processed.retrying += 1,
                        _ => processed.failed += 1,
                    },
                    Ok(false) => {
                        processed.lease_lost += 1;
                        self.counters.lease_lost();
                    }
                    Err(error) => {
                        // Best effort: if the database is back already, the rest is due now
                        // rather than after the lease, and keeps its attempts.
                        // Bounded, so that a database that is down does not hold up the pause.
                        let rest = release(&inbox.db, &held[index + 1..], micros(clock.now()));
                        let _ = tokio::time::timeout(RELEASE_AFTER_ERROR, rest).await;
                        return Err(error);
                    }
                }
            }
            Ok(processed)
        };
        let renewer = keep_renewing(inbox, &held, &unfinished, clock);
        tokio::select! {
            biased;
            result = work => result,
            never = renewer => match never {},
        }
    }

    /// Runs the handler on `entry`: what it comes to, with when it started and how long it
    /// took.
    async fn run_entry(&self, entry: &Claimed, clock: Clock) -> Finish {
        let backoff = &self.dedup.backoff;
        let attempt = u32::try_from(entry.attempts).unwrap_or(u32::MAX);
        let started_at = micros(clock.now());
        let finish =
            |status: EntryStatus, due_at: i64, error: Option<String>, duration_us| Finish {
                status,
                due_at,
                result: match status {
                    EntryStatus::Handled => "handled",
                    EntryStatus::Retrying => "retry",
                    _ => "failed",
                },
                error,
                started_at,
                duration_us,
            };
        let event = match Event::from_slice(&entry.body) {
            Ok(event) => event,
            Err(error) => {
                let error = format!("the stored body no longer parses: {error}");
                return finish(EntryStatus::Failed, started_at, Some(error), 0);
            }
        };
        let started = Instant::now();
        let ran = catch_panic(|| self.handler.handle(event)).await;
        let took = started.elapsed();
        self.dedup.handler_times.record(took);
        let duration_us = duration_micros(took);
        let now = clock.now();
        let retry_or_fail = |error: String| {
            if attempt >= backoff.get_max_attempts() {
                let error = format!("{error} (attempt {attempt}, the last)");
                finish(EntryStatus::Failed, micros(now), Some(error), duration_us)
            } else {
                let due = micros(now + backoff.delay(&entry.event_id, attempt));
                finish(EntryStatus::Retrying, due, Some(error), duration_us)
            }
        };
        match ran {
            Ok(Ok(())) => finish(EntryStatus::Handled, micros(now), None, duration_us),
            Ok(Err(error)) if !error.is_transient() => finish(
                EntryStatus::Failed,
                micros(now),
                Some(error.to_string()),
                duration_us,
            ),
            Ok(Err(error)) => retry_or_fail(error.to_string()),
            Err(panic) => {
                let error = format!("the handler panicked: {panic}");
                match self.dedup.panics {
                    Panics::Retry => retry_or_fail(error),
                    Panics::Fail => {
                        finish(EntryStatus::Failed, micros(now), Some(error), duration_us)
                    }
                }
            }
        }
    }
}

/// Every third of the lease, moves the lease of the entries of `held` from `unfinished` on
/// to a full lease from now. Never ends: it runs beside the batch until the batch is done.
async fn keep_renewing(
    inbox: &Inbox,
    held: &[Claimed],
    unfinished: &AtomicUsize,
    clock: Clock,
) -> Infallible {
    let every = inbox.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let from = unfinished.load(Ordering::Relaxed).min(held.len());
        let until = micros(clock.now()).saturating_add(duration_micros(inbox.lease));
        // A failed renewal is not fatal: the result's record says if the lease was lost.
        if let Err(_error) = renew(&inbox.db, &held[from..], until).await {
            #[cfg(feature = "tracing")]
            tracing::warn!(error = %_error, "inbox worker: renewing leases failed");
        }
    }
}
