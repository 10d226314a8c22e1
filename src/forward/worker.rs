//! Forwarders: one loop per target that claims the target's due forwards under a lease, keeps
//! up to the target's concurrency of sends in flight, and records what finished in one
//! transaction per round, so that a target is as fast as its sends and never waits on another
//! target.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::lease::{claim, record, Claimed, Finished};
use super::sink::Outgoing;
use super::Target;
use crate::dispatch::{Dispatcher, Handler};
use crate::inbox::db::{duration_micros, micros, Db};
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
    /// `shutdown` completes; then each stops claiming, lets the sends in flight finish (each
    /// within its target's timeout), records them and returns. Run them in one process or
    /// many: each claims its own forwards. Database errors are waited out with a growing
    /// pause.
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
    let now = micros(OffsetDateTime::now_utc());
    let claimed = claim(
        db,
        target.name(),
        now,
        target.lease(),
        target.get_concurrency(),
    )
    .await?;
    let mut sends = JoinSet::new();
    for forward in claimed {
        sends.spawn(send(Arc::clone(target), forward));
    }
    let mut finished = Vec::new();
    while let Some(sent) = sends.join_next().await {
        finished.extend(sent.ok());
    }
    let mut forwarded = Forwarded::default();
    let held = record(
        db,
        target.name(),
        &finished,
        micros(OffsetDateTime::now_utc()),
    )
    .await?;
    for (finished, held) in finished.iter().zip(held) {
        forwarded.count(finished.status, held);
    }
    Ok(forwarded)
}

/// One target's forwarder: keeps the target's concurrency of sends in flight, claims more
/// when half of them are done, and records every finished send as soon as the loop gets to it
/// (the sends go on meanwhile).
async fn run(db: Db, target: Arc<Target>, mut stopped: watch::Receiver<bool>) {
    let concurrency = target.get_concurrency();
    let mut sends: JoinSet<Finished> = JoinSet::new();
    let mut finished = Vec::new();
    let mut pause = ERROR_PAUSE;
    loop {
        let stopping = *stopped.borrow();
        let mut nothing_due = false;
        if !stopping && sends.len() <= concurrency / 2 {
            let now = micros(OffsetDateTime::now_utc());
            let wanted = concurrency - sends.len();
            match claim(&db, target.name(), now, target.lease(), wanted).await {
                Ok(claimed) => {
                    pause = ERROR_PAUSE;
                    nothing_due = claimed.is_empty();
                    for forward in claimed {
                        sends.spawn(send(Arc::clone(&target), forward));
                    }
                }
                Err(_error) => {
                    #[cfg(feature = "tracing")]
                    tracing::warn!(target_name = target.name(), error = %_error, pause = ?pause, "forwarder: database error, pausing");
                    if sends.is_empty() {
                        wait(pause, target.wake(), &mut stopped).await;
                        pause = (pause * 2).min(MAX_ERROR_PAUSE);
                        continue;
                    }
                }
            }
        }
        if sends.is_empty() {
            if stopping {
                return;
            }
            if nothing_due {
                wait(IDLE_POLL, target.wake(), &mut stopped).await;
            }
            continue;
        }
        tokio::select! {
            joined = sends.join_next() => finished.extend(joined.and_then(Result::ok)),
            _ = stopped.changed(), if !stopping => continue,
        }
        while let Some(joined) = sends.try_join_next() {
            finished.extend(joined.ok());
        }
        let now = micros(OffsetDateTime::now_utc());
        // A result that cannot be recorded is sent again once its lease runs out.
        if let Err(_error) = record(&db, target.name(), &finished, now).await {
            #[cfg(feature = "tracing")]
            tracing::warn!(target_name = target.name(), error = %_error, "forwarder: recording results failed");
        }
        finished.clear();
    }
}

/// Sleeps `wait`, or less if an event for the target is stored or the forwarders stop.
async fn wait(wait: Duration, wake: &Notify, stopped: &mut watch::Receiver<bool>) {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
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
