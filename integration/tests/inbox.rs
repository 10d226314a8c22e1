//! The durable inbox on real databases: an SQLite file, and the Postgres server `.ci/run`
//! starts. Every test runs on both backends (`backends!`).
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[macro_use] // `backends!`
mod inbox {
    #[macro_use]
    pub(crate) mod databases;
}

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use inbox::databases::{fresh, psql, Backend};
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::{
    Backoff, Cursor, EntryStatus, Inbox, ListFilter, Panics, Processed, Replay,
};
use stripe_webhooks::{testing, ErrorKind, Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_inbox_tests";

fn body(id: &str, event_type: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","api_version":"2026-10-28.endive","created":1764547200,"livemode":false,"data":{{"object":{{"id":"in_{id}","object":"invoice","amount_due":2000}}}}}}"#
    )
    .into_bytes()
}

fn header(body: &[u8]) -> String {
    testing::signature_header(body, SECRET, OffsetDateTime::now_utc().unix_timestamp())
}

async fn open(backend: Backend, test: &str) -> Option<Inbox> {
    let url = fresh(backend, test)?;
    Some(Inbox::open(&url).await.unwrap())
}

/// Counts the handler's runs per event id; fails the ids in `failing` with the given error.
#[derive(Clone, Default)]
struct Recorder {
    runs: Arc<Mutex<HashMap<String, u32>>>,
}

impl Recorder {
    /// A dispatcher on `inbox` whose handler records each run and succeeds at once.
    fn succeeding(&self, inbox: &Inbox) -> Dispatcher<impl Handler, Inbox> {
        let seen = self.clone();
        Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
            seen.record(&event);
            async { Ok::<(), HandlerError>(()) }
        })
        .inbox(inbox.clone())
    }

    fn runs(&self, id: &str) -> u32 {
        self.runs.lock().unwrap().get(id).copied().unwrap_or(0)
    }
    fn total(&self) -> u32 {
        self.runs.lock().unwrap().values().sum()
    }
    fn record(&self, event: &Event) {
        *self
            .runs
            .lock()
            .unwrap()
            .entry(event.id().to_owned())
            .or_default() += 1;
    }
}

backends! {
    async fn deliveries_are_acknowledged_before_any_handler_and_run_once_each(backend: Backend) {
        let Some(inbox) = open(backend, "ack_first").await else { return };
        let recorder = Recorder::default();
        let seen = recorder.clone();
        let dispatcher = Arc::new(
            Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
                let seen = seen.clone();
                async move {
                    seen.record(&event);
                    Ok::<(), HandlerError>(())
                }
            })
            .inbox(inbox.clone()),
        );

        // 1,000 deliveries of 400 events: every event twice, every other one three times,
        // sent 50 at a time.
        let mut deliveries = Vec::new();
        for n in 0..400 {
            let copies = if n % 2 == 0 { 3 } else { 2 };
            for _ in 0..copies {
                deliveries.push(format!("evt_ack_{n:04}"));
            }
        }
        assert_eq!(deliveries.len(), 1_000);
        let mut kinds: HashMap<OutcomeKind, u32> = HashMap::new();
        for chunk in deliveries.chunks(50) {
            let tasks: Vec<_> = chunk
                .iter()
                .map(|id| {
                    let dispatcher = Arc::clone(&dispatcher);
                    let body = body(id, "invoice.paid");
                    tokio::spawn(async move {
                        let header = header(&body);
                        dispatcher.dispatch(&body, Some(&header)).await
                    })
                })
                .collect();
            for task in tasks {
                let outcome = task.await.unwrap();
                assert_eq!(outcome.status(), 200, "{outcome}");
                *kinds.entry(outcome.kind()).or_default() += 1;
            }
        }
        assert_eq!(recorder.total(), 0, "no handler runs before a worker does");
        assert_eq!(kinds.get(&OutcomeKind::Stored), Some(&400), "{kinds:?}");
        assert_eq!(kinds.get(&OutcomeKind::Duplicate), Some(&600), "{kinds:?}");

        let first = inbox.entry("evt_ack_0000").await.unwrap().unwrap();
        assert_eq!(first.status(), EntryStatus::Pending);
        assert_eq!(first.attempts(), 0);
        assert_eq!(first.delivery_count, 3);
        assert_eq!(first.deliveries.len(), 3);
        assert_eq!(first.deliveries[0].outcome, "stored");
        assert_eq!(first.deliveries[2].outcome, "duplicate");
        assert_eq!(first.body, body("evt_ack_0000", "invoice.paid"), "byte-exact body");
        assert_eq!(first.event().unwrap().id(), "evt_ack_0000");

        let processed = dispatcher.process_due().await.unwrap();
        assert_eq!(processed.handled, 400, "{processed:?}");
        assert_eq!(recorder.total(), 400);
        for n in 0..400 {
            assert_eq!(recorder.runs(&format!("evt_ack_{n:04}")), 1);
        }
        let counts = inbox.counts().await.unwrap();
        assert!(counts.contains(&(EntryStatus::Handled, 400)), "{counts:?}");
        assert_eq!(dispatcher.process_due().await.unwrap(), Processed::default());

        // A handled event delivered again is acknowledged and not run again.
        let again = body("evt_ack_0001", "invoice.paid");
        let outcome = dispatcher.dispatch(&again, Some(&header(&again))).await;
        assert_eq!(outcome.kind(), OutcomeKind::Duplicate);
        assert_eq!(dispatcher.process_due().await.unwrap(), Processed::default());
        assert_eq!(recorder.runs("evt_ack_0001"), 1);
    }

    async fn transient_failures_back_off_on_the_injected_clock_then_fail(backend: Backend) {
        let Some(inbox) = open(backend, "backoff").await else { return };
        let backoff = Backoff::default()
            .initial(Duration::from_secs(10))
            .max_attempts(3);
        let inbox = inbox.backoff(backoff);
        let runs = Arc::new(AtomicU32::new(0));
        let counted = Arc::clone(&runs);
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(HandlerError::transient("ledger unreachable")) }
        })
        .inbox(inbox.clone());
        let body = body("evt_backoff", "invoice.payment_failed");
        assert_eq!(
            dispatcher.dispatch(&body, Some(&header(&body))).await.kind(),
            OutcomeKind::Stored
        );

        let t0 = OffsetDateTime::now_utc() + Duration::from_secs(1);
        let first = dispatcher.process_due_at(t0).await.unwrap();
        assert_eq!(first.retrying, 1, "{first:?}");
        let entry = inbox.entry("evt_backoff").await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Retrying);
        assert_eq!(entry.attempts(), 1);
        assert_eq!(entry.last_error.as_deref(), Some("ledger unreachable"));
        let wait = backoff.delay("evt_backoff", 1);
        assert!(wait > Duration::from_secs(8) && wait <= Duration::from_secs(10), "{wait:?}");
        let due = t0 + wait;
        // Stored to the microsecond.
        assert!((entry.due_at - due).abs() < Duration::from_micros(2), "{} vs {due}", entry.due_at);

        // Not due a millisecond early; due at its time.
        let early = dispatcher.process_due_at(due - Duration::from_millis(1)).await.unwrap();
        assert_eq!(early, Processed::default());
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let second = dispatcher.process_due_at(due).await.unwrap();
        assert_eq!(second.retrying, 1);
        let wait2 = backoff.delay("evt_backoff", 2);
        assert!(wait2 > Duration::from_secs(16) && wait2 <= Duration::from_secs(20), "{wait2:?}");
        let third = dispatcher.process_due_at(due + wait2).await.unwrap();
        assert_eq!(third.failed, 1, "the third attempt is the last: {third:?}");

        let entry = inbox.entry("evt_backoff").await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Failed);
        assert_eq!(entry.attempts(), 3);
        assert!(entry.finished_at.is_some());
        let results: Vec<&str> = entry.attempt_log.iter().map(|a| a.result.as_str()).collect();
        assert_eq!(results, ["retry", "retry", "failed"]);
        assert!(entry.last_error.unwrap().contains("the last"));
        // A dead letter is never due again on its own.
        let later = dispatcher
            .process_due_at(due + Duration::from_secs(365 * 86_400))
            .await
            .unwrap();
        assert_eq!(later, Processed::default());
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    async fn permanent_failures_are_dead_letters_until_replayed(backend: Backend) {
        let Some(inbox) = open(backend, "replay").await else { return };
        let broken = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let switch = Arc::clone(&broken);
        let recorder = Recorder::default();
        let seen = recorder.clone();
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
            seen.record(&event);
            let broken = switch.load(Ordering::SeqCst);
            async move {
                if broken {
                    Err(HandlerError::permanent("no such customer"))
                } else {
                    Ok(())
                }
            }
        })
        .inbox(inbox.clone());
        for id in ["evt_dead_1", "evt_dead_2"] {
            let body = body(id, "customer.updated");
            dispatcher.dispatch(&body, Some(&header(&body))).await;
        }
        let processed = dispatcher.process_due().await.unwrap();
        assert_eq!(processed.failed, 2, "{processed:?}");
        let entry = inbox.entry("evt_dead_1").await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Failed);
        assert_eq!(entry.attempts(), 1, "a permanent error is not retried");

        broken.store(false, Ordering::SeqCst);
        assert_eq!(inbox.replay("evt_dead_1").await.unwrap(), Replay::Queued);
        assert_eq!(inbox.replay("evt_nobody").await.unwrap(), Replay::NotFound);
        assert_eq!(inbox.entry("evt_dead_1").await.unwrap().unwrap().status(), EntryStatus::Pending);
        assert_eq!(dispatcher.process_due().await.unwrap().handled, 1);
        let entry = inbox.entry("evt_dead_1").await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Handled);
        assert_eq!(entry.attempts(), 2);
        assert_eq!(entry.last_error, None);

        // A handled entry replays too; the other dead letter is requeued by filter.
        assert_eq!(inbox.replay("evt_dead_1").await.unwrap(), Replay::Queued);
        let since = OffsetDateTime::now_utc() - Duration::from_secs(3600);
        assert_eq!(inbox.requeue_failed(Some("invoice.paid"), since).await.unwrap(), 0);
        assert_eq!(inbox.requeue_failed(Some("customer.updated"), since).await.unwrap(), 1);
        assert_eq!(dispatcher.process_due().await.unwrap().handled, 2);
        assert_eq!(recorder.runs("evt_dead_1"), 3);
        assert_eq!(recorder.runs("evt_dead_2"), 2);
    }

    async fn pruning_deletes_only_old_finished_entries(backend: Backend) {
        let Some(inbox) = open(backend, "prune").await else { return };
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), |event: Event| async move {
            if event.event_type().as_str() == "charge.failed" {
                Err(HandlerError::permanent("no"))
            } else {
                Ok(())
            }
        })
        .inbox(inbox.clone());
        for (id, kind) in [("evt_p1", "invoice.paid"), ("evt_p2", "charge.failed"), ("evt_p3", "invoice.paid")] {
            let body = body(id, kind);
            dispatcher.dispatch(&body, Some(&header(&body))).await;
        }
        dispatcher.process_due_at(OffsetDateTime::now_utc()).await.unwrap();
        let late = body("evt_p4", "invoice.paid");
        dispatcher.dispatch(&late, Some(&header(&late))).await; // pending: never pruned

        assert_eq!(inbox.prune(Duration::from_secs(3600)).await.unwrap(), 0, "not old enough");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(inbox.prune(Duration::from_millis(10)).await.unwrap(), 2);
        assert!(inbox.entry("evt_p1").await.unwrap().is_none());
        assert_eq!(inbox.entry("evt_p2").await.unwrap().unwrap().status(), EntryStatus::Failed);
        assert_eq!(inbox.entry("evt_p4").await.unwrap().unwrap().status(), EntryStatus::Pending);
        assert_eq!(inbox.prune_failed(Duration::from_millis(10)).await.unwrap(), 1);
        assert!(inbox.entry("evt_p2").await.unwrap().is_none());
    }

    async fn a_late_result_after_a_takeover_is_discarded(backend: Backend) {
        // The injected clock does not move, so the slow worker's renewals cannot push its
        // lease past `t0 + lease`: the other worker, at a later time, takes the entry over.
        let Some(inbox) = open(backend, "takeover").await else { return };
        let lease = Duration::from_millis(300);
        let inbox = inbox.lease(lease);
        let release = Arc::new(tokio::sync::Notify::new());
        let recorder = Recorder::default();
        let (seen, gate) = (recorder.clone(), Arc::clone(&release));
        let slow = Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
            seen.record(&event);
            let gate = Arc::clone(&gate);
            async move {
                gate.notified().await;
                Ok::<(), HandlerError>(())
            }
        })
        .inbox(inbox.clone());
        let quick_runs = Recorder::default();
        let quick = quick_runs.succeeding(&inbox);
        let body = body("evt_lease", "invoice.paid");
        slow.dispatch(&body, Some(&header(&body))).await;

        let t0 = OffsetDateTime::now_utc() + Duration::from_secs(1);
        let slow_run = tokio::spawn(async move { slow.process_due_at(t0).await.unwrap() });
        while recorder.total() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let within = t0 + lease - Duration::from_millis(1);
        assert_eq!(quick.process_due_at(within).await.unwrap(), Processed::default(), "lease held");
        let after = t0 + lease + Duration::from_millis(1);
        assert_eq!(quick.process_due_at(after).await.unwrap().handled, 1, "taken over");
        release.notify_one();
        let slow_result = slow_run.await.unwrap();
        assert_eq!(slow_result.lease_lost, 1, "{slow_result:?}");
        assert_eq!(slow_result.handled, 0);
        let entry = inbox.entry("evt_lease").await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Handled);
        assert_eq!(entry.attempts(), 2, "the cut-short run counts");
        assert_eq!(entry.attempt_log.len(), 1, "only the run that held its lease is recorded");
        assert_eq!(recorder.total() + quick_runs.total(), 2);
    }

    async fn a_batch_longer_than_the_lease_keeps_its_entries(backend: Backend) {
        // Four handlers of 250 ms under a 300 ms lease: the batch takes over three leases,
        // and its renewals keep every entry from the other worker, which polls meanwhile.
        let Some(inbox) = open(backend, "renewal").await else { return };
        let inbox = inbox.lease(Duration::from_millis(300));
        let recorder = Recorder::default();
        let seen = recorder.clone();
        let slow = Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
            seen.record(&event);
            async {
                tokio::time::sleep(Duration::from_millis(250)).await;
                Ok::<(), HandlerError>(())
            }
        })
        .inbox(inbox.clone());
        let quick_runs = Recorder::default();
        let quick = quick_runs.succeeding(&inbox);
        for n in 0..4 {
            let body = body(&format!("evt_renewal_{n}"), "invoice.paid");
            slow.dispatch(&body, Some(&header(&body))).await;
        }
        let slow_run = tokio::spawn(async move { slow.process_due().await.unwrap() });
        while recorder.total() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut polls = 0;
        while !slow_run.is_finished() {
            assert_eq!(quick.process_due().await.unwrap(), Processed::default(), "lease held");
            polls += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(polls >= 10, "the other worker polled through the batch ({polls} times)");
        let slow_result = slow_run.await.unwrap();
        assert_eq!(slow_result.handled, 4, "{slow_result:?}");
        assert_eq!(quick_runs.total(), 0);
        for n in 0..4 {
            let entry = inbox.entry(&format!("evt_renewal_{n}")).await.unwrap().unwrap();
            assert_eq!(entry.status(), EntryStatus::Handled);
            assert_eq!(entry.attempts(), 1, "never taken over");
        }
    }

    async fn a_stopping_worker_finishes_its_entry_and_gives_back_the_rest(backend: Backend) {
        let Some(inbox) = open(backend, "shutdown").await else { return };
        let recorder = Recorder::default();
        let seen = recorder.clone();
        let worker = Arc::new(
            Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
                seen.record(&event);
                async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<(), HandlerError>(())
                }
            })
            .inbox(inbox.clone()),
        );
        for n in 0..4 {
            let body = body(&format!("evt_stop_{n}"), "invoice.paid");
            worker.dispatch(&body, Some(&header(&body))).await;
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = Arc::clone(&worker);
        let run = tokio::spawn(async move {
            running
                .run_worker(async {
                    let _ = stopped.await;
                })
                .await;
        });
        while recorder.total() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        stop.send(()).unwrap();
        run.await.unwrap();
        assert_eq!(recorder.total(), 1, "the entry in hand finished; no other started");
        let mut given_back = 0;
        for n in 0..4 {
            let entry = inbox.entry(&format!("evt_stop_{n}")).await.unwrap().unwrap();
            match entry.status() {
                EntryStatus::Handled => assert_eq!(entry.attempts(), 1),
                EntryStatus::Pending => {
                    assert_eq!(entry.attempts(), 0, "a claim that ran nothing is undone");
                    given_back += 1;
                }
                other => panic!("{} is {other:?}", entry.event_id),
            }
        }
        assert_eq!(given_back, 3, "due again at once, not after the lease");
        assert_eq!(worker.process_due().await.unwrap().handled, 3);
    }

    async fn forged_deliveries_are_counted_never_stored(backend: Backend) {
        let Some(url) = fresh(backend, "forged") else { return };
        let inbox = Inbox::open(&url).await.unwrap();
        let dispatcher = Arc::new(
            Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
                Ok::<(), HandlerError>(())
            })
            .inbox(inbox.clone()),
        );
        let size_before = database_size(&url).await;
        let started = OffsetDateTime::now_utc();
        // 100,000 forged deliveries, each a different body with a signature from another key.
        let tasks: Vec<_> = (0..4)
            .map(|worker| {
                let dispatcher = Arc::clone(&dispatcher);
                tokio::spawn(async move {
                    for n in 0..25_000 {
                        let body = body(&format!("evt_forged_{worker}_{n}"), "invoice.paid");
                        let forged = testing::signature_header(
                            &body,
                            "whsec_attacker",
                            OffsetDateTime::now_utc().unix_timestamp(),
                        );
                        let outcome = dispatcher.dispatch(&body, Some(&forged)).await;
                        assert_eq!(outcome.status(), 400);
                        if n % 256 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(dispatcher.metrics().rejected(ErrorKind::SignatureMismatch), 100_000);
        // The counts land asynchronously: wait for the committer to drain.
        let mut counted = 0;
        for _ in 0..100 {
            counted = inbox
                .rejections(started - Duration::from_secs(60))
                .await
                .unwrap()
                .iter()
                .map(|(_, count)| *count)
                .sum::<u64>();
            if counted > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(counted > 0 && counted <= 100_000, "{counted}");
        let counts = inbox.counts().await.unwrap();
        assert!(counts.iter().all(|(_, count)| *count == 0), "nothing stored: {counts:?}");
        // Bounded: one row per kind and minute, whatever the number of deliveries.
        let minutes = (OffsetDateTime::now_utc() - started).whole_minutes() + 2;
        let rows = count(&url, "SELECT COUNT(*) FROM stripe_webhooks_rejections").await;
        assert!(rows >= 1 && rows <= minutes, "{rows} rows for {minutes} minutes");
        assert_eq!(count(&url, "SELECT COUNT(*) FROM stripe_webhooks_events").await, 0);
        assert_eq!(count(&url, "SELECT COUNT(*) FROM stripe_webhooks_deliveries").await, 0);
        assert_eq!(count(&url, "SELECT COUNT(*) FROM stripe_webhooks_rejected").await, 0);
        assert!(inbox.rejected_deliveries().await.unwrap().is_empty(), "not kept unless asked");
        // 100,000 bodies of ~200 bytes would be ~20 MB; the counts take a page or two.
        let grown = database_size(&url).await - size_before;
        assert!(grown < 256 * 1024, "the database grew by {grown} bytes");
    }

    async fn rejected_bodies_are_kept_when_asked_the_newest_few(backend: Backend) {
        let Some(url) = fresh(backend, "kept") else { return };
        let inbox = Inbox::open(&url).await.unwrap().keep_rejected_bodies(10);
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
            Ok::<(), HandlerError>(())
        })
        .inbox(inbox.clone());
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut sent = Vec::new();
        for n in 0..40 {
            let body = body(&format!("evt_kept_{n}"), "invoice.paid");
            let forged = testing::signature_header(&body, "whsec_attacker", now);
            let outcome = dispatcher.dispatch(&body, Some(&forged)).await;
            assert_eq!(outcome.kind(), OutcomeKind::Rejected);
            // One at a time (a rejection is not waited for): each is the newest before the next.
            while inbox.rejected_deliveries().await.unwrap().first().map(|kept| &kept.body)
                != Some(&body)
            {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            sent.push((body, forged));
        }
        let big = vec![b'x'; stripe_webhooks::inbox::MAX_REJECTED_BODY + 10];
        dispatcher.dispatch(&big, None).await;
        let mut kept = inbox.rejected_deliveries().await.unwrap();
        for _ in 0..200 {
            if kept.first().is_some_and(|newest| newest.truncated) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            kept = inbox.rejected_deliveries().await.unwrap();
        }
        assert_eq!(kept.len(), 10, "the ring keeps ten, however many come");
        assert!(kept[0].truncated);
        assert_eq!(kept[0].body, big[..stripe_webhooks::inbox::MAX_REJECTED_BODY]);
        assert_eq!(kept[0].kind, ErrorKind::HeaderMissing);
        assert_eq!(kept[0].signature, None);
        // Then the newest forged ones, newest first, byte for byte.
        for (kept, (body, forged)) in kept[1..].iter().zip(sent.iter().rev()) {
            assert_eq!(kept.body, *body);
            assert_eq!(kept.signature.as_deref(), Some(forged.as_str()));
            assert_eq!(kept.kind, ErrorKind::SignatureMismatch);
            assert!(!kept.truncated);
        }
        assert_eq!(count(&url, "SELECT COUNT(*) FROM stripe_webhooks_rejected").await, 10);
    }

    async fn a_panic_retries_by_default_and_fails_at_once_when_asked(backend: Backend) {
        for (test, panics, expected) in [
            ("panic_retry", Panics::Retry, EntryStatus::Retrying),
            ("panic_fail", Panics::Fail, EntryStatus::Failed),
        ] {
            let Some(inbox) = open(backend, test).await else { return };
            let inbox = inbox.panics(panics);
            let dispatcher = Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
                if true {
                    panic!("a bug in the handler");
                }
                Ok::<(), HandlerError>(())
            })
            .inbox(inbox.clone());
            let body = body("evt_panic", "invoice.paid");
            dispatcher.dispatch(&body, Some(&header(&body))).await;
            dispatcher.process_due().await.unwrap();
            let entry = inbox.entry("evt_panic").await.unwrap().unwrap();
            assert_eq!(entry.status(), expected, "{panics:?}");
            let error = entry.last_error.unwrap_or_default();
            assert!(error.contains("a bug in the handler"), "{error}");
        }
    }

    async fn lists_page_newest_first_with_filters_and_cursors(backend: Backend) {
        let Some(inbox) = open(backend, "list").await else { return };
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), |event: Event| async move {
            if event.event_type().as_str() == "charge.failed" {
                Err(HandlerError::permanent("declined"))
            } else {
                Ok(())
            }
        })
        .inbox(inbox.clone());
        let mut sent = Vec::new();
        for n in 0..7 {
            let id = format!("evt_list_{n}");
            let kind = if n % 3 == 0 { "charge.failed" } else { "invoice.paid" };
            let body = body(&id, kind);
            dispatcher.dispatch(&body, Some(&header(&body))).await;
            sent.push(id);
        }
        dispatcher.process_due().await.unwrap();

        let mut seen = Vec::new();
        let mut filter = ListFilter::new().limit(3);
        let mut pages = 0;
        loop {
            let page = inbox.list(&filter).await.unwrap();
            pages += 1;
            seen.extend(page.entries.iter().map(|entry| entry.event_id.clone()));
            let Some(next) = page.next else { break };
            // The cursor travels as text (a URL's query) and back.
            let next: Cursor = next.to_string().parse().unwrap();
            filter = filter.after(next);
        }
        assert_eq!(pages, 3);
        let newest_first: Vec<String> = sent.iter().rev().cloned().collect();
        assert_eq!(seen, newest_first);

        let failed = inbox.list(&ListFilter::new().status(EntryStatus::Failed)).await.unwrap();
        let ids: Vec<&str> = failed.entries.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(ids, ["evt_list_6", "evt_list_3", "evt_list_0"]);
        assert!(failed.next.is_none());
        assert_eq!(failed.entries[0].last_error.as_deref(), Some("declined"));
        let paid = inbox.list(&ListFilter::new().event_type("invoice.paid")).await.unwrap();
        assert_eq!(paid.entries.len(), 4);
        assert!(paid.entries.iter().all(|e| e.status == EntryStatus::Handled && e.attempts == 1));
        assert!("not-a-cursor".parse::<Cursor>().is_err());
    }

    async fn opening_one_database_from_many_instances_at_once_migrates_it_once(backend: Backend) {
        let Some(url) = fresh(backend, "migrate") else { return };
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { Inbox::open(&url).await })
            })
            .collect();
        for open in opens {
            open.await.unwrap().unwrap();
        }
        let inbox = Inbox::open(&url).await.unwrap();
        assert!(inbox.entry("evt_none").await.unwrap().is_none());
        if backend == Backend::Postgres {
            let versions = psql(
                &url,
                "SELECT string_agg(version::text, ',' ORDER BY version) FROM stripe_webhooks_schema",
            );
            assert_eq!(versions, "1,2,3,4,5", "each migration recorded once");
        }
    }
}

/// One number read straight from the database, past the crate.
/// The database's size in bytes, as its backend counts it.
async fn database_size(url: &str) -> i64 {
    if url.starts_with("sqlite:") {
        count(
            url,
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .await
    } else {
        count(url, "SELECT pg_database_size(current_database())").await
    }
}

async fn count(url: &str, sql: &str) -> i64 {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    }
}

#[tokio::test]
async fn an_unknown_scheme_is_an_error_that_names_the_schemes() {
    let error = Inbox::open("mysql://localhost/db").await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("mysql"), "{message}");
    assert!(
        message.contains("sqlite://") && message.contains("postgres://"),
        "{message}"
    );
}
