//! Crash tests of the inbox with real processes killed by SIGKILL (`Child::kill`), on an
//! SQLite file and on the Postgres server `.ci/run` starts:
//!
//! - at ingest: the `inbox` example, receiving a stream of deliveries, is killed; every
//!   delivery it answered 200 is in the inbox afterwards;
//! - in a worker: a child process is killed in the middle of a handler; once its lease has run
//!   out another worker finishes the entry, and the handler succeeds once.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;
mod inbox {
    pub(crate) mod databases;
}

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use inbox::databases::{fresh, Backend};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::{EntryStatus, Inbox};
use stripe_webhooks::{testing, Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_inbox_crash";
/// The child worker's lease: short, so the takeover comes soon after the kill.
const CHILD_LEASE: Duration = Duration::from_millis(1_500);

fn body(id: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"invoice.paid","created":1764547200,"data":{{"object":{{"id":"in_{id}","object":"invoice"}}}}}}"#
    )
    .into_bytes()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// Reads `child`'s standard output until a line starts with `prefix`; that line.
fn wait_for_line(child: &mut Child, prefix: &str) -> String {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).unwrap();
        assert!(read > 0, "the child ended before printing `{prefix}…`");
        if line.starts_with(prefix) {
            return line.trim().to_owned();
        }
    }
}

fn ingest_crash(backend: Backend, test: &str) {
    let Some(url) = fresh(backend, test) else {
        return;
    };
    let mut child = support::example("inbox")
        .args(["--addr", "127.0.0.1:0"])
        .env("STRIPE_WEBHOOK_SECRET", SECRET)
        .env("DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let listening = wait_for_line(&mut child, "listening on ");
    let endpoint = listening.trim_start_matches("listening on ").to_owned();

    // Eight senders post distinct events until the endpoint stops answering; each keeps the
    // ids that were answered 200.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let sent = Arc::new(AtomicU32::new(0));
    let down = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..8)
        .map(|sender| {
            let (endpoint, acknowledged, sent, down) = (
                endpoint.clone(),
                acknowledged.clone(),
                sent.clone(),
                down.clone(),
            );
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(10)))
                    .build()
                    .into();
                for n in 0.. {
                    let id = format!("evt_crash_{sender}_{n}");
                    let body = body(&id);
                    let header = testing::signature_header(
                        &body,
                        SECRET,
                        OffsetDateTime::now_utc().unix_timestamp(),
                    );
                    sent.fetch_add(1, Ordering::SeqCst);
                    let answer = agent
                        .post(&endpoint)
                        .header("Content-Type", "application/json; charset=utf-8")
                        .header("Stripe-Signature", &header)
                        .send(&body[..]);
                    match answer {
                        Ok(response) if response.status() == 200 => {
                            acknowledged.lock().unwrap().push(id);
                        }
                        Ok(response) => panic!("{id}: status {}", response.status()),
                        Err(_) if down.load(Ordering::SeqCst) => return,
                        Err(error) => panic!("{id}: {error} before the kill"),
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 300 {
        std::thread::sleep(Duration::from_millis(5));
    }
    down.store(true, Ordering::SeqCst);
    child.kill().unwrap(); // SIGKILL, mid-stream: some requests are in flight
    child.wait().unwrap();
    for sender in senders {
        sender.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 300);

    // After the restart every acknowledged event is there.
    runtime().block_on(async {
        let inbox = Inbox::open(&url).await.unwrap();
        for id in &acknowledged {
            let entry = inbox.entry(id).await.unwrap();
            assert!(
                entry.is_some(),
                "{id} was answered 200 and is not in the inbox"
            );
        }
        let stored: u64 = inbox.counts().await.unwrap().iter().map(|(_, n)| n).sum();
        assert!(stored >= acknowledged.len() as u64, "{stored} stored");
        assert!(
            stored <= u64::from(sent.load(Ordering::SeqCst)),
            "{stored} stored"
        );
    });
}

fn worker_crash(backend: Backend, test: &str) {
    let Some(url) = fresh(backend, test) else {
        return;
    };
    let runs = Arc::new(AtomicU32::new(0));
    let rt = runtime();
    let (inbox, dispatcher) = rt.block_on(async {
        let inbox = Inbox::open(&url).await.unwrap();
        let counted = Arc::clone(&runs);
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { Ok::<(), HandlerError>(()) }
        })
        .inbox(inbox.clone());
        let body = body("evt_worker_crash");
        let header =
            testing::signature_header(&body, SECRET, OffsetDateTime::now_utc().unix_timestamp());
        let outcome = dispatcher.dispatch(&body, Some(&header)).await;
        assert_eq!(outcome.kind(), OutcomeKind::Stored);
        (inbox, dispatcher)
    });

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_worker_that_hangs",
            "--nocapture",
        ])
        .env("INBOX_CRASH_DATABASE_URL", &url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = wait_for_line(&mut child, "started ");
    assert_eq!(started, "started evt_worker_crash");
    child.kill().unwrap(); // SIGKILL, mid-handler
    child.wait().unwrap();

    rt.block_on(async {
        let entry = inbox.entry("evt_worker_crash").await.unwrap().unwrap();
        assert_eq!(
            entry.status(),
            EntryStatus::Processing,
            "the dead worker's lease"
        );
        assert_eq!(entry.attempts(), 1);
        let held = dispatcher.process_due().await.unwrap();
        assert_eq!(held.handled, 0, "not taken while the lease holds: {held:?}");
        tokio::time::sleep(CHILD_LEASE + Duration::from_millis(200)).await;
        let taken = dispatcher.process_due().await.unwrap();
        assert_eq!(taken.handled, 1, "taken over after the lease: {taken:?}");
        let entry = inbox.entry("evt_worker_crash").await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Handled);
        assert_eq!(entry.attempts(), 2, "the killed run counts");
        assert_eq!(entry.attempt_log.len(), 1);
    });
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "one success, in this process"
    );
}

/// The child process of the worker crash tests (run by them, with `--ignored --exact`): claims
/// the due entry, says so, and hangs in the handler until it is killed.
#[test]
#[ignore = "the child process of the worker crash tests, which run it"]
fn child_worker_that_hangs() {
    let url = std::env::var("INBOX_CRASH_DATABASE_URL").unwrap();
    runtime().block_on(async {
        let inbox = Inbox::open(&url).await.unwrap().lease(CHILD_LEASE);
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), |event: Event| async move {
            println!("started {}", event.id());
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            Ok::<(), HandlerError>(())
        })
        .inbox(inbox);
        dispatcher.process_due().await.unwrap();
        unreachable!("killed in the handler");
    });
}

#[test]
fn sqlite_every_acknowledged_delivery_survives_a_sigkill_at_ingest() {
    ingest_crash(Backend::Sqlite, "crash_ingest");
}

#[test]
fn postgres_every_acknowledged_delivery_survives_a_sigkill_at_ingest() {
    ingest_crash(Backend::Postgres, "crash_ingest");
}

#[test]
fn sqlite_a_worker_killed_mid_handler_loses_its_entry_after_the_lease() {
    worker_crash(Backend::Sqlite, "crash_worker");
}

#[test]
fn postgres_a_worker_killed_mid_handler_loses_its_entry_after_the_lease() {
    worker_crash(Backend::Postgres, "crash_worker");
}
