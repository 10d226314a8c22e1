//! Many workers in many processes on one inbox: two child processes, each running four
//! `run_worker` loops, drain the same thousands of stored events, on the Postgres server
//! `.ci/run` starts and on one SQLite file (WAL, busy timeout). Every event's handler succeeds
//! exactly once across both processes, none is lost, and neither process hangs (a deadlock
//! would show as a child that never finishes, killed at the timeout).
//!
//! Each child appends the id of every event its handler ran to its own file, one line per
//! success, so the parent counts successes across processes, including ones the inbox would
//! not show (a second run whose result was discarded).
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;
mod inbox {
    pub(crate) mod databases;
}

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inbox::databases::{fresh, sqlite_dir, Backend};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::{EntryStatus, Inbox};
use stripe_webhooks::{testing, Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_inbox_workers";
/// Worker loops per child process.
const WORKERS: usize = 4;
/// Deliveries in flight while the parent fills the inbox.
const INGEST_TASKS: usize = 64;
/// How long both children may take together: far beyond a normal run, so that only a hang (a
/// deadlock, a worker stuck on a lock) reaches it.
const HANG_TIMEOUT: Duration = Duration::from_secs(600);
const URL_VAR: &str = "INBOX_WORKERS_DATABASE_URL";
const LOG_VAR: &str = "INBOX_WORKERS_HANDLED_LOG";

fn body(id: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"invoice.paid","created":1764547200,"data":{{"object":{{"id":"in_{id}","object":"invoice"}}}}}}"#
    )
    .into_bytes()
}

fn event_id(n: usize) -> String {
    format!("evt_workers_{n:05}")
}

/// A runtime with real threads: the parent's ingest and the child's workers run in parallel,
/// not only interleaved.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Stores `events` distinct events through the dispatcher, as concurrent deliveries would.
async fn ingest(url: &str, events: usize) {
    let inbox = Inbox::open(url).await.unwrap();
    let dispatcher = Arc::new(
        // Never run: in inbox mode `dispatch` only stores, and the parent runs no worker.
        Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
            Ok::<(), HandlerError>(())
        })
        .inbox(inbox),
    );
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..INGEST_TASKS {
        let dispatcher = Arc::clone(&dispatcher);
        tasks.spawn(async move {
            for n in (task..events).step_by(INGEST_TASKS) {
                let body = body(&event_id(n));
                let header = testing::signature_header(
                    &body,
                    SECRET,
                    OffsetDateTime::now_utc().unix_timestamp(),
                );
                let outcome = dispatcher.dispatch(&body, Some(&header)).await;
                assert_eq!(outcome.kind(), OutcomeKind::Stored, "{}", event_id(n));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

/// A child process running [`child_process_of_four_workers`] on `url`, logging to `log`.
fn spawn_child(url: &str, log: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_process_of_four_workers",
            "--nocapture",
        ])
        .env(URL_VAR, url)
        .env(LOG_VAR, log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // A child's panic shows in the test's output.
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Reads `child`'s standard output until it says it is ready; then drains the rest in a
/// thread, so that the child never blocks on a full pipe.
fn wait_until_ready(child: &mut Child) {
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line).unwrap();
        assert!(read > 0, "a child ended before it was ready");
        if line.trim() == "ready" {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
}

/// Waits for every child to exit successfully; kills them all and fails once `timeout` is
/// over.
fn wait_for_all(children: &mut [Child], timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut exited = vec![None; children.len()];
    while exited.iter().any(Option::is_none) {
        for (child, status) in children.iter_mut().zip(&mut exited) {
            if status.is_none() {
                *status = child.try_wait().unwrap();
            }
        }
        if Instant::now() > deadline {
            for child in children.iter_mut() {
                let _ = child.kill();
                let _ = child.wait();
            }
            panic!("the workers hung (a deadlock?): after {timeout:?}, exits {exited:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for (n, status) in exited.into_iter().enumerate() {
        let status = status.unwrap();
        assert!(status.success(), "child {n} failed: {status}");
    }
}

/// The event ids in `log`, one per line, as the child wrote them.
fn handled_ids(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The entries of `url` that are not handled at their first attempt (at most ten, to print),
/// and how many there are.
async fn entries_not_handled_once(
    backend: Backend,
    url: &str,
) -> (i64, Vec<(String, String, i64)>) {
    const COUNT: &str = "SELECT COUNT(*) FROM stripe_webhooks_events
                         WHERE NOT (status = 'handled' AND attempts = 1)";
    const SAMPLE: &str = "SELECT event_id, status, attempts FROM stripe_webhooks_events
                          WHERE NOT (status = 'handled' AND attempts = 1)
                          ORDER BY event_id LIMIT 10";
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let count = sqlx::query_scalar(COUNT).fetch_one(&pool).await.unwrap();
            let sample = sqlx::query_as(SAMPLE).fetch_all(&pool).await.unwrap();
            (count, sample)
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let count = sqlx::query_scalar(COUNT).fetch_one(&pool).await.unwrap();
            let sample = sqlx::query_as(SAMPLE).fetch_all(&pool).await.unwrap();
            (count, sample)
        }
    }
}

fn two_processes_handle_every_event_once(backend: Backend, test: &str, events: usize) {
    let Some(url) = fresh(backend, test) else {
        return;
    };
    // The SQLite test's folder is fresh already; the Postgres one's is made here.
    let dir: PathBuf = sqlite_dir(test);
    std::fs::create_dir_all(&dir).unwrap();
    let rt = runtime();
    let started = Instant::now();
    // Everything is stored (and the schema migrated) before any worker starts: the workers
    // then compete for a full inbox from their first claim.
    rt.block_on(ingest(&url, events));
    let ingested = started.elapsed();

    let logs: Vec<PathBuf> = (0..2)
        .map(|n| dir.join(format!("handled-{n}.log")))
        .collect();
    let mut children: Vec<Child> = logs.iter().map(|log| spawn_child(&url, log)).collect();
    // Both start claiming at the same moment, so that neither drains the inbox alone while
    // the other is still starting.
    for child in &mut children {
        wait_until_ready(child);
    }
    let stdins: Vec<ChildStdin> = children
        .iter_mut()
        .map(|child| child.stdin.take().unwrap())
        .collect();
    let drained = Instant::now();
    for mut stdin in stdins {
        stdin.write_all(b"go\n").unwrap();
    }
    wait_for_all(&mut children, HANG_TIMEOUT);
    eprintln!(
        "{backend:?}: {events} events stored in {ingested:?}, handled by {} workers in {:?}",
        2 * WORKERS,
        drained.elapsed()
    );

    let per_process: Vec<Vec<String>> = logs.iter().map(|log| handled_ids(log)).collect();
    let mut successes: HashMap<&str, u32> = HashMap::new();
    for id in per_process.iter().flatten() {
        *successes.entry(id).or_default() += 1;
    }
    let mut twice: Vec<_> = successes.iter().filter(|(_, &n)| n > 1).collect();
    twice.sort();
    assert!(
        twice.is_empty(),
        "{} events handled more than once, e.g. {:?}",
        twice.len(),
        &twice[..twice.len().min(10)]
    );
    let missing: Vec<_> = (0..events)
        .map(event_id)
        .filter(|id| !successes.contains_key(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} events never handled, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert_eq!(
        successes.len(),
        events,
        "only the events stored were handled"
    );

    // A process that handled next to nothing would leave the test showing nothing about
    // concurrent workers across processes.
    let shares: Vec<usize> = per_process.iter().map(Vec::len).collect();
    for (n, &share) in shares.iter().enumerate() {
        assert!(
            share * 20 > events,
            "process {n} handled only {share} of {events} (shares {shares:?})"
        );
    }
    eprintln!("{backend:?}: successes per process {shares:?}");

    rt.block_on(async {
        let (count, sample) = entries_not_handled_once(backend, &url).await;
        assert_eq!(
            count, 0,
            "entries not handled at their first attempt: {sample:?}…"
        );
        let inbox = Inbox::open(&url).await.unwrap();
        let counts = inbox.counts().await.unwrap();
        for (status, count) in counts {
            let expected = if status == EntryStatus::Handled {
                events as u64
            } else {
                0
            };
            assert_eq!(count, expected, "{status} entries");
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// The child process of the tests (run by them, with `--ignored --exact`): four workers on
/// the inbox at `INBOX_WORKERS_DATABASE_URL`, from the parent's go until nothing is left to
/// run; each success is appended to the file `INBOX_WORKERS_HANDLED_LOG`.
#[test]
#[ignore = "the child process of the multi-process worker tests, which run it"]
fn child_process_of_four_workers() {
    let url = std::env::var(URL_VAR).unwrap();
    let log = std::env::var(LOG_VAR).unwrap();
    // One write per line, unbuffered: a line is in the file as soon as the handler returns,
    // even if this process were killed after it.
    let log = Arc::new(Mutex::new(std::fs::File::create(log).unwrap()));
    let runs = Arc::new(AtomicU64::new(0));
    runtime().block_on(async {
        // The default lease (a minute) is far longer than any handler here: no takeover is
        // expected, so any second success is a bug, not a lease run out.
        let inbox = Inbox::open(&url).await.unwrap();
        let (handled, count) = (Arc::clone(&log), Arc::clone(&runs));
        let dispatcher = Arc::new(
            Dispatcher::new(Webhook::new(SECRET), move |event: Event| {
                let (handled, count) = (Arc::clone(&handled), Arc::clone(&count));
                async move {
                    // A little asynchronous work, so that the workers of both processes
                    // interleave on the database.
                    if count.fetch_add(1, Ordering::Relaxed) % 8 == 0 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    } else {
                        tokio::task::yield_now().await;
                    }
                    let mut file = handled.lock().unwrap();
                    writeln!(file, "{}", event.id()).unwrap();
                    file.flush().unwrap();
                    Ok::<(), HandlerError>(())
                }
            })
            .inbox(inbox.clone()),
        );

        println!("ready");
        let mut go = String::new();
        std::io::stdin().read_line(&mut go).unwrap();
        assert_eq!(go.trim(), "go", "the parent's go");

        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..WORKERS {
            let dispatcher = Arc::clone(&dispatcher);
            let mut stopped = stopped.clone();
            workers.spawn(async move {
                dispatcher
                    .run_worker(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await;
            });
        }
        // Nothing pending, retrying or in a worker's hands: every entry has its result (from
        // this process or the other), so the workers may stop.
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let counts = inbox.counts().await.unwrap();
            let open: u64 = counts
                .iter()
                .filter(|(status, _)| {
                    matches!(
                        status,
                        EntryStatus::Pending | EntryStatus::Retrying | EntryStatus::Processing
                    )
                })
                .map(|(_, n)| n)
                .sum();
            if open == 0 {
                break;
            }
        }
        stop.send(true).unwrap();
        while let Some(done) = workers.join_next().await {
            done.unwrap();
        }
    });
    println!("handled {}", runs.load(Ordering::Relaxed));
}

#[test]
fn postgres_two_processes_of_four_workers_handle_5000_events_once() {
    two_processes_handle_every_event_once(Backend::Postgres, "workers_postgres", 5_000);
}

#[test]
fn sqlite_two_processes_on_one_file_handle_5000_events_once() {
    two_processes_handle_every_event_once(Backend::Sqlite, "workers_sqlite", 5_000);
}
