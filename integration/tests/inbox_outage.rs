//! The Postgres server stopped in the middle of a run, and started again: deliveries meanwhile
//! are answered 503 (nothing acknowledged that is not stored), workers fail and then resume,
//! and everything is processed in the end. Its own test binary, as it stops the server that
//! the other Postgres tests use (Cargo runs test binaries one after another); inside it, the
//! tests take turns ([`SERVER`]), and a test that fails with the server down starts it again
//! ([`Stopped`]).
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod inbox {
    pub(crate) mod databases;
}

use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inbox::databases::{fresh, psql, Backend};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::{EntryStatus, Inbox};
use stripe_webhooks::{testing, Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_inbox_outage";

/// The tests of this binary stop the server: one at a time.
static SERVER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server, stopped as by a crash (`pg_ctl -m immediate stop`) until [`start`](Self::start);
/// dropped still stopped (a test failed meanwhile), it starts it again, so that the tests that
/// follow find it up.
struct Stopped {
    up: bool,
}

impl Stopped {
    fn crash() -> Stopped {
        pg_ctl(&["-m", "immediate", "stop"]);
        Stopped { up: false }
    }

    fn start(mut self) {
        pg_ctl(&["start"]);
        self.up = true;
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if !self.up && !pg_ctl_runs(&["start"]) {
            eprintln!("pg_ctl start failed: the Postgres server is left stopped");
        }
    }
}

/// `pg_ctl` on the server `.ci/postgres.sh` started, as the user that owns it.
fn pg_ctl(args: &[&str]) {
    assert!(pg_ctl_runs(args), "pg_ctl {args:?}");
}

/// [`pg_ctl`], saying whether it succeeded (and panicking only when the server's settings are
/// missing from the environment).
fn pg_ctl_runs(args: &[&str]) -> bool {
    let var = |name: &str| {
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set: start the server with .ci/postgres.sh"))
    };
    let (bin, data, log, user) = (
        var("PG_BIN"),
        var("PG_DATA"),
        var("PG_LOG"),
        var("PG_OS_USER"),
    );
    let pg_ctl = format!("{bin}/pg_ctl");
    let mut command = if user == std::env::var("USER").unwrap_or_default() || !is_root() {
        Command::new(&pg_ctl)
    } else {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", &user, "--", &pg_ctl]);
        runuser
    };
    command
        .args(["-D", &data, "-l", &log, "-w"])
        .args(args)
        .status()
        .is_ok_and(|status| status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| out.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

fn deliver_args(id: &str) -> (Vec<u8>, String) {
    let body = format!(
        r#"{{"id":"{id}","object":"event","type":"invoice.paid","created":1764547200,"data":{{"object":{{"id":"in_1","object":"invoice"}}}}}}"#
    )
    .into_bytes();
    let header =
        testing::signature_header(&body, SECRET, OffsetDateTime::now_utc().unix_timestamp());
    (body, header)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_mid_run_answers_503_then_everything_is_processed() {
    let _server = SERVER.lock().await;
    let Some(url) = fresh(Backend::Postgres, "outage") else {
        return;
    };
    let inbox = Inbox::open(&url).await.unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&runs);
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), HandlerError>(()) }
    })
    .inbox(inbox.clone());
    for n in 0..10 {
        let (body, header) = deliver_args(&format!("evt_outage_{n}"));
        assert_eq!(
            dispatcher.dispatch(&body, Some(&header)).await.kind(),
            OutcomeKind::Stored
        );
    }

    let stopped = Stopped::crash();
    let (body, header) = deliver_args("evt_outage_down");
    let outcome = tokio::time::timeout(
        Duration::from_secs(20),
        dispatcher.dispatch(&body, Some(&header)),
    )
    .await
    .expect("an unreachable database is an answer, not a hang");
    assert_eq!(outcome.status(), 503, "{outcome}");
    assert_eq!(outcome.kind(), OutcomeKind::StoreUnavailable);
    assert!(
        dispatcher.process_due().await.is_err(),
        "a worker sees the outage"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    stopped.start();
    // The pool reconnects on its own; Stripe's retry of the refused delivery is stored now.
    let mut processed = 0;
    for _ in 0..50 {
        match dispatcher.process_due().await {
            Ok(round) => {
                processed += round.handled;
                if processed == 10 {
                    break;
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    assert_eq!(processed, 10);
    assert_eq!(
        dispatcher.dispatch(&body, Some(&header)).await.kind(),
        OutcomeKind::Stored
    );
    assert_eq!(dispatcher.process_due().await.unwrap().handled, 1);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        11,
        "each event once, none lost"
    );
}

/// With the `tracing` feature: everything logged at `WARN` and above, from every thread (the
/// workers run on the runtime's), into the returned buffer.
#[cfg(feature = "tracing")]
fn capture_warnings() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Captured(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured(Arc::default());
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    captured.0
}

/// What `run_worker` guarantees across an outage, from `worker.rs`: a run whose result was
/// committed is never run again (a claim takes only pending, retrying and processing entries);
/// a run whose result could not be written leaves its entry `processing` under its lease, so
/// it runs again once the lease has run out (at least once); and a worker stops at the first
/// write that fails, so at most one finished run per worker goes unrecorded, the one in its
/// hand when the server went away.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_worker_waits_out_postgres_stopped_mid_run_and_then_handles_everything() {
    const EVENTS: usize = 200;
    const WORKERS: usize = 2;
    let _server = SERVER.lock().await;
    let Some(url) = fresh(Backend::Postgres, "outage_workers") else {
        return;
    };
    #[cfg(feature = "tracing")]
    let warnings = capture_warnings();
    // A short lease (still far longer than a batch of 16 runs here takes): the entries a worker
    // held when the server stopped are due again soon after it is back.
    let inbox = Inbox::open(&url)
        .await
        .unwrap()
        .lease(Duration::from_secs(5));
    let successes: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let finished = Arc::new(AtomicU32::new(0));
    let (counted, total) = (Arc::clone(&successes), Arc::clone(&finished));
    let dispatcher = Arc::new(
        Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
            let (counted, total) = (Arc::clone(&counted), Arc::clone(&total));
            async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                *counted
                    .lock()
                    .unwrap()
                    .entry(event.id().to_owned())
                    .or_default() += 1;
                total.fetch_add(1, Ordering::SeqCst);
                Ok::<(), HandlerError>(())
            }
        })
        .inbox(inbox.clone()),
    );
    let ids: Vec<String> = (0..EVENTS).map(|n| format!("evt_workers_{n:03}")).collect();
    for id in &ids {
        let (body, header) = deliver_args(id);
        assert_eq!(
            dispatcher.dispatch(&body, Some(&header)).await.kind(),
            OutcomeKind::Stored
        );
    }

    let (shutdown, stopping) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let dispatcher = Arc::clone(&dispatcher);
            let mut stopping = stopping.clone();
            tokio::spawn(async move {
                dispatcher
                    .run_worker(async move {
                        let _ = stopping.wait_for(|stop| *stop).await;
                    })
                    .await;
            })
        })
        .collect();

    // Some handled, not all: the entries already recorded as handled must never run again.
    let deadline = Instant::now() + Duration::from_secs(30);
    while finished.load(Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "the workers do not get going");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let recorded: HashSet<String> = psql(
        &url,
        "SELECT event_id FROM stripe_webhooks_events WHERE status = 'handled'",
    )
    .lines()
    .map(str::to_owned)
    .collect();
    let stopped = Stopped::crash();
    let runs_at_stop = finished.load(Ordering::SeqCst);
    assert!(
        runs_at_stop < EVENTS as u32 && recorded.len() < EVENTS,
        "the server stopped after the run: {runs_at_stop} runs, {} recorded",
        recorded.len()
    );

    // Down for longer than the pool's 5 s acquire timeout, so that every worker's next claim or
    // write fails (a shorter outage only makes them wait for a connection): they pause, retry,
    // and neither exit nor run anything but the entry in hand.
    let down = Instant::now();
    while down.elapsed() < Duration::from_secs(9) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for worker in &workers {
            assert!(
                !worker.is_finished(),
                "a worker ended (or panicked) with the server down"
            );
        }
    }
    let runs_while_down = finished.load(Ordering::SeqCst) - runs_at_stop;
    assert!(
        runs_while_down <= WORKERS as u32,
        "{runs_while_down} runs finished with the server down: more than the entries in hand"
    );
    #[cfg(feature = "tracing")]
    {
        let log = String::from_utf8(warnings.lock().unwrap().clone()).unwrap();
        let pauses = log.matches("inbox worker: database error, pausing").count();
        assert!(
            pauses >= WORKERS && log.contains("pause=200ms"),
            "each worker fails and pauses while the server is down:\n{log}"
        );
    }
    stopped.start();

    let back = Instant::now();
    loop {
        let handled = match inbox.counts().await {
            Ok(counts) => counts
                .iter()
                .find(|(status, _)| *status == EntryStatus::Handled)
                .map_or(0, |(_, count)| *count),
            Err(_) => 0, // the inbox's own pool reconnecting
        };
        if handled == EVENTS as u64 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(90),
            "{handled} of {EVENTS} handled {:?} after the restart",
            back.elapsed()
        );
        for worker in &workers {
            assert!(!worker.is_finished(), "a worker ended (or panicked)");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let resumed_in = back.elapsed();

    shutdown.send(true).unwrap();
    for worker in workers {
        tokio::time::timeout(Duration::from_secs(10), worker)
            .await
            .expect("a worker returns once told to shut down")
            .expect("a worker does not panic");
    }

    let successes = successes.lock().unwrap().clone();
    let mut rerun = Vec::new();
    for id in &ids {
        let runs = successes.get(id).copied().unwrap_or(0);
        let entry = inbox.entry(id).await.unwrap().unwrap();
        assert_eq!(entry.status(), EntryStatus::Handled, "{id}");
        assert!(runs >= 1, "{id} handled without a run");
        if recorded.contains(id) {
            assert_eq!(
                runs, 1,
                "{id} was recorded handled before the stop, yet ran again"
            );
        } else if runs > 1 {
            rerun.push((id.clone(), runs));
        }
        // Every run follows a claim, and every claim counts an attempt.
        assert!(
            runs <= entry.attempts(),
            "{id}: {runs} runs, {} attempts",
            entry.attempts()
        );
    }
    assert!(
        rerun.len() <= WORKERS && rerun.iter().all(|(_, runs)| *runs == 2),
        "ran again, beyond one unrecorded run in each worker's hand: {rerun:?}"
    );
    eprintln!(
        "{runs_at_stop} runs before the stop ({} recorded), {runs_while_down} finished while \
         down, all {EVENTS} handled {resumed_in:?} after the restart; run twice: {rerun:?}",
        recorded.len()
    );
}
