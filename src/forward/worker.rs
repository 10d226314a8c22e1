//! Forwarders: one loop per target that claims the target's due forwards under a lease, keeps
//! up to the target's concurrency of sends in flight, and records what finished and claims
//! what is due in one transaction per step, so that a target is as fast as its sends and
//! never waits on another target.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::{watch, Notify};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use super::lease::{cycle, Claimed, Finished};
use super::sink::Outgoing;
use super::Target;
use crate::dispatch::{Dispatcher, Handler};
use crate::inbox::db::{duration_micros, from_micros, micros, Db};
use crate::inbox::{ForwardStatus, Inbox};
use crate::store::StoreError;

/// A forwarder with nothing due looks again after this long, or as soon as this process
/// stores an event for its target.
const IDLE_POLL: Duration = Duration::from_millis(500);
/// A forwarder that cannot reach the database waits this long at first, doubling to
/// [`MAX_ERROR_PAUSE`].
const ERROR_PAUSE: Duration = Duration::from_millis(200);
const MAX_ERROR_PAUSE: Duration = Duration::from_secs(30);

/// What [`forward_due`](Dispatcher::forward_due) did, over every target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Forwarded {
    /// Forwards a target took.
    pub delivered: u64,
    /// Forwards that failed and are due again after the target's backoff.
    pub retrying: u64,
    /// Forwards that used up their attempts.
    pub failed: u64,
    /// Results not recorded because the lease ran out first and another forwarder took the
    /// forward over.
    pub lease_lost: u64,
}

impl Forwarded {
    fn count(&mut self, status: ForwardStatus, held: bool) {
        match (held, status) {
            (false, _) => self.lease_lost += 1,
            (true, ForwardStatus::Delivered) => self.delivered += 1,
            (true, ForwardStatus::Retrying) => self.retrying += 1,
            (true, _) => self.failed += 1,
        }
    }

    fn is_empty(&self) -> bool {
        *self == Forwarded::default()
    }
}

impl<H: Handler> Dispatcher<H, Inbox> {
    /// Sends every due forward of every target until none is due, and says what became of
    /// them: for tests, cron jobs, and a drain before shutdown. Forwards that fail are due
    /// again only after their backoff, so this returns.
    ///
    /// # Errors
    ///
    /// The database could not be read or written. Forwards sent whose result could not be
    /// recorded are sent again after their lease (at least once).
    pub async fn forward_due(&self) -> Result<Forwarded, StoreError> {
        let mut total = Forwarded::default();
        for target in self.dedup.targets.iter() {
            loop {
                let round = round(&self.dedup.db, target).await?;
                if round.is_empty() {
                    break;
                }
                total.delivered += round.delivered;
                total.retrying += round.retrying;
                total.failed += round.failed;
                total.lease_lost += round.lease_lost;
            }
        }
        Ok(total)
    }

    /// The long-running forwarders, one task per target on the current Tokio runtime, until
    /// `shutdown` completes; then each stops claiming, sends what it has claimed (the sends in
    /// flight and at most as many queued behind them, each within its target's timeout),
    /// records them and returns. Run them in one process or many: each claims its own
    /// forwards. Database errors are waited out with a growing pause.
    ///
    /// On SQLite, forwarders and ingest share the one writer: under load a delivery's commit
    /// may wait for a forwarder's step (a few milliseconds), and for SQLite's busy handler.
    pub async fn run_forwarders(&self, shutdown: impl Future<Output = ()>) {
        let (stop, stopped) = watch::channel(false);
        let mut loops = JoinSet::new();
        for target in self.dedup.targets.iter() {
            loops.spawn(run(
                self.dedup.db.clone(),
                Arc::clone(target),
                stopped.clone(),
            ));
        }
        shutdown.await;
        let _ = stop.send(true);
        while loops.join_next().await.is_some() {}
    }
}

/// One claim, its sends (all at once), and their record: what `forward_due` repeats.
async fn round(db: &Db, target: &Arc<Target>) -> Result<Forwarded, StoreError> {
    let (name, lease, limit) = (target.name(), target.lease(), target.get_concurrency());
    let now = micros(OffsetDateTime::now_utc());
    let (_, claimed) = cycle(db, name, &[], now, lease, limit).await?;
    let mut sends = JoinSet::new();
    for forward in claimed {
        sends.spawn(send(Arc::clone(target), forward));
    }
    let mut finished = Vec::new();
    while let Some(sent) = sends.join_next().await {
        finished.extend(sent.ok());
    }
    let now = micros(OffsetDateTime::now_utc());
    let (held, _) = cycle(db, name, &finished, now, lease, 0).await?;
    let mut forwarded = Forwarded::default();
    for (finished, held) in finished.iter().zip(held) {
        forwarded.count(finished.status, held);
    }
    Ok(forwarded)
}

/// What a step gives back: the results it was to record (kept for the next step if it
/// failed) and the forwards it claimed.
struct StepDone {
    results: Vec<Finished>,
    claimed: Result<Vec<Claimed>, StoreError>,
}

/// One step on its own task, so that sends go on while it runs: records `results` and claims
/// up to `limit`, in one transaction. After a failure it waits `pause` before it says so, so a
/// database that is down is not asked again at once.
async fn step(
    db: Db,
    target: Arc<Target>,
    results: Vec<Finished>,
    limit: usize,
    pause: Duration,
) -> StepDone {
    let now = micros(OffsetDateTime::now_utc());
    let claimed = cycle(&db, target.name(), &results, now, target.lease(), limit)
        .await
        .map(|(_, claimed)| claimed);
    if claimed.is_err() {
        tokio::time::sleep(pause).await;
    }
    StepDone { results, claimed }
}

/// One target's forwarder, a pipeline of three parts that overlap: up to the target's
/// concurrency of sends in flight; as many claimed forwards again queued behind them, which
/// take a slot the moment one frees; and one step at a time on its own task, a transaction
/// that records every send finished since the last step and tops the queue up. Under load a
/// step records and claims many forwards at once (one commit for all); a send that hangs
/// holds only its own slot. With nothing due, the forwarder looks again when this process
/// stores an event for the target, at its earliest retry, or every [`IDLE_POLL`].
async fn run(db: Db, target: Arc<Target>, mut stopped: watch::Receiver<bool>) {
    let concurrency = target.get_concurrency();
    let mut sends: JoinSet<Finished> = JoinSet::new();
    let mut queue: VecDeque<Claimed> = VecDeque::new();
    let mut finished: Vec<Finished> = Vec::new();
    let mut stepping: Option<JoinHandle<StepDone>> = None;
    // Set when the last claim found nothing due: the forwarder claims again at this time, or
    // sooner if woken (sends finishing meanwhile are still recorded).
    let mut look_at: Option<Instant> = None;
    let mut pause = ERROR_PAUSE;
    // The earliest time a retry this forwarder scheduled is due: it looks no later than that.
    let mut next_retry: Option<i64> = None;
    loop {
        let stopping = *stopped.borrow();
        // Queued forwards are claimed: they are sent at a shutdown too (each within the
        // timeout), rather than left to wait out their lease.
        while sends.len() < concurrency {
            let Some(forward) = queue.pop_front() else {
                break;
            };
            sends.spawn(send(Arc::clone(&target), forward));
        }
        if stepping.is_none() {
            let limit = if stopping || look_at.is_some() {
                0
            } else {
                (2 * concurrency).saturating_sub(sends.len() + queue.len())
            };
            if !finished.is_empty() || limit > 0 {
                let results = std::mem::take(&mut finished);
                let task = step(db.clone(), Arc::clone(&target), results, limit, pause);
                stepping = Some(tokio::spawn(task));
            }
        }
        if sends.is_empty() && stepping.is_none() {
            if stopping {
                return;
            }
            let until = look_at.take().unwrap_or_else(Instant::now);
            wait_until(until, target.wake(), &mut stopped).await;
            continue;
        }
        let watch = look_at.filter(|_| !stopping);
        tokio::select! {
            joined = sends.join_next(), if !sends.is_empty() => finished.extend(joined.and_then(Result::ok)),
            done = async {
                match stepping.as_mut() {
                    Some(task) => task.await.ok(),
                    None => std::future::pending().await,
                }
            }, if stepping.is_some() => {
                stepping = None;
                match done {
                    Some(StepDone { results, claimed: Ok(claimed) }) => {
                        pause = ERROR_PAUSE;
                        for retry in results.iter().filter(|f| f.status == ForwardStatus::Retrying) {
                            next_retry = Some(next_retry.map_or(retry.due_at, |t| t.min(retry.due_at)));
                        }
                        if claimed.is_empty() && sends.len() + queue.len() < 2 * concurrency {
                            look_at = look_at.or_else(|| Some(Instant::now() + poll(&mut next_retry)));
                        }
                        queue.extend(claimed);
                    }
                    // Kept for the next step: their leases hold for twice the timeout and a
                    // second; recorded later than that, the fence refuses them and the
                    // forwards are sent again (at least once). At a shutdown they are left to
                    // that.
                    Some(StepDone { results, claimed: Err(_error) }) => {
                        #[cfg(feature = "tracing")]
                        tracing::warn!(target_name = target.name(), error = %_error, pause = ?pause, "forwarder: database error, pausing");
                        pause = (pause * 2).min(MAX_ERROR_PAUSE);
                        if !stopping {
                            finished.extend(results);
                        }
                    }
                    None => {}
                }
            }
            () = target.wake().notified(), if watch.is_some() => look_at = None,
            () = tokio::time::sleep_until(watch.unwrap_or_else(Instant::now)), if watch.is_some() => look_at = None,
            _ = stopped.changed(), if !stopping => {}
        }
        while let Some(joined) = sends.try_join_next() {
            finished.extend(joined.ok());
        }
    }
}

/// How long an idle forwarder waits before it looks again: [`IDLE_POLL`], or less when a
/// retry it scheduled is due sooner (once that time has come, it is forgotten: the claim
/// takes the retry).
fn poll(next_retry: &mut Option<i64>) -> Duration {
    let now = OffsetDateTime::now_utc();
    match *next_retry {
        Some(due) if due <= micros(now) => {
            *next_retry = None;
            Duration::ZERO
        }
        Some(due) => (from_micros(due) - now)
            .try_into()
            .unwrap_or(IDLE_POLL)
            .min(IDLE_POLL),
        None => IDLE_POLL,
    }
}

/// Sleeps until `until`, or less if an event for the target is stored or the forwarders
/// stop.
async fn wait_until(until: Instant, wake: &Notify, stopped: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep_until(until) => {}
        () = wake.notified() => {}
        _ = stopped.changed() => {}
    }
}

/// Sends one forward and says what it comes to.
async fn send(target: Arc<Target>, forward: Claimed) -> Finished {
    let started_at = OffsetDateTime::now_utc();
    let Claimed {
        event_id,
        attempts,
        lease,
        event_type,
        body,
        received_at,
    } = forward;
    let signature = target
        .signer()
        .signature_header(&body, started_at.unix_timestamp())
        .unwrap_or_default();
    let outgoing = Outgoing {
        event_id,
        event_type,
        body,
        delivered_at: received_at.div_euclid(1_000_000),
        attempt: attempts,
        signature,
    };
    let started = Instant::now();
    let sent = target.sink().send(&outgoing, target.get_timeout()).await;
    let duration_us = duration_micros(started.elapsed());
    let now = OffsetDateTime::now_utc();
    let backoff = target.get_backoff();
    let attempt = u32::try_from(attempts).unwrap_or(u32::MAX);
    let (status, due_at, error) = match sent.error {
        None => (ForwardStatus::Delivered, micros(now), None),
        Some(error) if sent.permanent => (ForwardStatus::Failed, micros(now), Some(error)),
        Some(error) if attempt >= backoff.get_max_attempts() => (
            ForwardStatus::Failed,
            micros(now),
            Some(format!("{error} (attempt {attempt}, the last)")),
        ),
        Some(error) => (
            ForwardStatus::Retrying,
            micros(now + backoff.delay(&outgoing.event_id, attempt)),
            Some(error),
        ),
    };
    Finished {
        event_id: outgoing.event_id,
        attempt: attempts,
        lease,
        status,
        due_at,
        error,
        response_status: sent.response_status,
        started_at: micros(started_at),
        duration_us,
    }
}
