//! Crash tests of the `relay` example (examples/relay.rs), a real process killed by SIGKILL
//! (`Child::kill`) in the middle of a run and started again on the same database, on an SQLite
//! file and on the Postgres server `.ci/run` starts:
//!
//! - HTTP: a target in this process verifies every request with its own secret and counts
//!   each event id; after the kill and the restart every event the relay answered 200 reaches
//!   it (nothing lost), a consumer that dedups by event id sees each once, and the only raw
//!   duplicates are forwards the dead relay held (sent, not yet recorded);
//! - Redis Streams: a consumer group started before the kill and reading on after the restart
//!   reads every acknowledged event exactly once, the stream has no entry twice (the sink adds
//!   each event once, even when the dead relay's forwards are sent again), and each entry's
//!   signature verifies as of its entry id's time.
//!
//! And the example's front door: the demo runs offline, `relay.toml` checks, bad configs exit
//! non-zero with the file named.
//!
//! The example binary must be built first (`cargo test --workspace` does, or
//! `cargo build -p stripe-webhooks-integration --all-features --examples`). Postgres needs
//! `DATABASE_URL_POSTGRES`, Redis `REDIS_URL`: without them those tests say so loudly and check
//! nothing, and under `CI=true` they fail.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../../tests/support/mod.rs"]
mod support;
mod inbox {
    pub(crate) mod databases;
}

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use inbox::databases::{fresh, psql, Backend};
use redis::AsyncCommands;
use stripe_webhooks::forward::headers;
use stripe_webhooks::inbox::{ForwardStatus, Inbox};
use stripe_webhooks::{testing, Webhook};
use time::OffsetDateTime;

/// The Stripe endpoint's secret (the relay reads it from `STRIPE_WEBHOOK_SECRET`).
const STRIPE_SECRET: &str = "whsec_relay_crash_endpoint";
/// The target's secret (the relay reads it from the variable the config names).
const TARGET_SECRET: &str = "whsec_relay_crash_target";
const TARGET_SECRET_ENV: &str = "RELAY_CRASH_TARGET_SECRET";
/// The target's name in the config.
const TARGET: &str = "sink";
/// Sends in flight to the target (the config's `concurrency`).
const CONCURRENCY: usize = 8;
/// The config's `timeout_ms`: the dead relay's forwards are leased for twice this and a
/// second, so they are sent again about 3 s after the kill.
const TIMEOUT_MS: u64 = 1_000;
/// How long the HTTP target takes to answer: slow enough that forwards queue and are in flight
/// at the kill.
const TARGET_DELAY: Duration = Duration::from_millis(10);
/// Senders before the kill.
const SENDERS: usize = 8;
/// The relay is killed once it has answered this many deliveries 200.
const KILL_AFTER: usize = 300;
/// New events sent to the restarted relay.
const AFTER_RESTART: usize = 100;
/// How long any one wait may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(40);
/// Every tenth event is of a type the target does not take.
const OTHER_TYPE: &str = "customer.created";
const TAKEN_TYPE: &str = "invoice.paid";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

fn body(id: &str, event_type: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","created":1764547200,"livemode":false,"data":{{"object":{{"id":"obj_{id}","object":"invoice"}}}}}}"#
    )
    .into_bytes()
}

/// The type of the `n`-th event of a sender.
fn type_of(n: usize) -> &'static str {
    if n % 10 == 9 {
        OTHER_TYPE
    } else {
        TAKEN_TYPE
    }
}

/// A folder of its own for `test`'s config.
fn test_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stripe-webhooks-relay-crash-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Redis server at `REDIS_URL`, or `None` with a loud message (a failure under `CI=true`).
fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let message = "REDIS_URL is not set: the relay's Redis Streams crash test checks \
                           nothing (start redis-server on 127.0.0.1:6390 and set \
                           REDIS_URL=redis://127.0.0.1:6390/; `bash .ci/run` does both)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The relay process

/// A running relay: the child, its endpoint, and what it printed after `listening on`.
struct Relay {
    child: Child,
    endpoint: String,
    output: std::thread::JoinHandle<String>,
}

/// Starts the relay with `--config config --serve` and waits for its `listening on` line.
fn start_relay(config: &Path) -> Relay {
    let mut child = support::example("relay")
        .arg("--config")
        .arg(config)
        .arg("--serve")
        .env("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
        .env(TARGET_SECRET_ENV, TARGET_SECRET)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    // The rest of the output is read on, so a full pipe never blocks the relay.
    let stdout = child.stdout.take().unwrap();
    let (listening, listening_rx) = mpsc::channel();
    let output = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return String::new();
            }
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                let _ = listening.send(url.to_owned());
                break;
            }
        }
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        rest
    });
    let Ok(endpoint) = listening_rx.recv_timeout(DEADLINE) else {
        let _ = child.kill();
        panic!(
            "the relay printed no `listening on` line: {:?}",
            child.wait()
        );
    };
    Relay {
        child,
        endpoint,
        output,
    }
}

impl Relay {
    /// SIGKILL: no shutdown, no last record.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let _ = self.output.join();
    }

    /// SIGTERM, as a service manager stops it; its exit status and what it printed.
    fn terminate(mut self) -> (ExitStatus, String) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > DEADLINE {
                let _ = self.child.kill();
                panic!("the relay did not stop within {DEADLINE:?} of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (status, self.output.join().unwrap())
    }
}

/// A config for a relay over `database` with the one target `sink` (TOML lines).
fn write_config(dir: &Path, database: &str, sink: &str) -> PathBuf {
    let config = format!(
        "database = {database:?}\nlisten = \"127.0.0.1:0\"\n\n[[target]]\nname = \"{TARGET}\"\n\
         {sink}\nsecret_env = \"{TARGET_SECRET_ENV}\"\nevents = [\"invoice.*\"]\n\
         timeout_ms = {TIMEOUT_MS}\nconcurrency = {CONCURRENCY}\n\
         retry_initial_ms = 100\nretry_max_ms = 500\n"
    );
    let path = dir.join("relay.toml");
    std::fs::write(&path, config).unwrap();
    path
}

// ---------------------------------------------------------------------------------------------
// Senders

/// What the senders got back.
#[derive(Default)]
struct Sent {
    /// Answered 200: the relay has it.
    acknowledged: Mutex<Vec<(String, &'static str)>>,
    /// No answer (the relay died first): Stripe would send these again.
    unanswered: Mutex<Vec<(String, &'static str)>>,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// One signed POST; the status, or `None` if there was no answer.
fn deliver(agent: &ureq::Agent, endpoint: &str, id: &str, event_type: &str) -> Option<u16> {
    let body = body(id, event_type);
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let header = testing::signature_header(&body, STRIPE_SECRET, now);
    agent
        .post(endpoint)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("Stripe-Signature", &header)
        .send(&body[..])
        .ok()
        .map(|response| response.status().as_u16())
}

/// Senders that deliver new events to `endpoint` until `down`; every answer before then must
/// be 200.
fn start_senders(
    endpoint: &str,
    sent: &Arc<Sent>,
    down: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..SENDERS)
        .map(|sender| {
            let (endpoint, sent, down) = (endpoint.to_owned(), Arc::clone(sent), Arc::clone(down));
            std::thread::spawn(move || {
                let agent = agent();
                for n in 0.. {
                    let id = format!("evt_relay_{sender}_{n}");
                    let event_type = type_of(n);
                    match deliver(&agent, &endpoint, &id, event_type) {
                        Some(200) => sent.acknowledged.lock().unwrap().push((id, event_type)),
                        None if down.load(Ordering::SeqCst) => {
                            sent.unanswered.lock().unwrap().push((id, event_type));
                            return;
                        }
                        other => panic!("{id}: {other:?} before the kill"),
                    }
                }
            })
        })
        .collect()
}

/// Delivers each of `events` to `endpoint` (four at a time); each must be answered 200.
fn send_all(endpoint: &str, events: Vec<(String, &'static str)>, sent: &Arc<Sent>) {
    let queue = Arc::new(Mutex::new(events));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (endpoint, queue, sent) = (endpoint.to_owned(), queue.clone(), sent.clone());
            std::thread::spawn(move || {
                let agent = agent();
                loop {
                    let Some((id, event_type)) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let status = deliver(&agent, &endpoint, &id, event_type);
                    assert_eq!(status, Some(200), "{id} to the restarted relay");
                    sent.acknowledged.lock().unwrap().push((id, event_type));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

/// Waits until `done` says so, or fails saying `what` (and what `done` last said) after
/// [`DEADLINE`].
fn wait_until(what: &str, mut done: impl FnMut() -> Result<(), String>) {
    let started = Instant::now();
    loop {
        match done() {
            Ok(()) => return,
            Err(missing) if started.elapsed() > DEADLINE => {
                panic!("{what}: not after {DEADLINE:?}: {missing}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The targets

/// What a consumer saw: how many times each event id came, and what did not verify.
#[derive(Default, Debug)]
struct Seen {
    by_id: HashMap<String, u32>,
    types: BTreeSet<String>,
    unverified: Vec<String>,
    deliveries: u64,
}

impl Seen {
    fn distinct(&self) -> BTreeSet<String> {
        self.by_id.keys().cloned().collect()
    }

    fn duplicates(&self) -> u64 {
        self.by_id.values().map(|n| u64::from(n - 1)).sum()
    }
}

/// The HTTP target: verifies each request with the target's secret, records it as it
/// arrives (a consumer that has done its work when the relay dies), then takes a while to
/// answer.
#[derive(Default)]
struct HttpTarget {
    seen: Mutex<Seen>,
    in_flight: AtomicI64,
}

/// Counts a request in flight until it is answered or dropped (the relay hung up).
struct InFlight<'a>(&'a AtomicI64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn take(
    State(target): State<Arc<HttpTarget>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    target.in_flight.fetch_add(1, Ordering::SeqCst);
    let _in_flight = InFlight(&target.in_flight);
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header(headers::EVENT_ID);
    let verified = Webhook::new(TARGET_SECRET)
        .verify_and_parse(&body, &header("stripe-signature"))
        .map(|event| (event.id().to_owned(), event.event_type().to_string()));
    {
        let mut seen = target.seen.lock().unwrap();
        seen.deliveries += 1;
        match verified {
            Ok((event_id, event_type)) if event_id == id => {
                *seen.by_id.entry(event_id).or_default() += 1;
                seen.types.insert(event_type);
            }
            Ok((event_id, _)) => seen
                .unverified
                .push(format!("{event_id} under the id {id}")),
            Err(error) => seen.unverified.push(format!("{id}: {error}")),
        }
    }
    tokio::time::sleep(TARGET_DELAY).await;
    StatusCode::OK
}

/// Starts the HTTP target on the runtime; its URL.
fn start_http_target(rt: &tokio::runtime::Runtime, target: &Arc<HttpTarget>) -> String {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/events", post(take))
        .with_state(Arc::clone(target));
    rt.spawn(async move { axum::serve(listener, app).await });
    url
}

/// A consumer of the stream in the group `relay`: reads new entries (`>`), verifies each as
/// of its entry id's time, and acknowledges it, until `stop` and nothing more to read.
async fn consume(url: String, stream: String, seen: Arc<Mutex<Seen>>, stop: Arc<AtomicBool>) {
    let client = redis::Client::open(url).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let options = redis::streams::StreamReadOptions::default()
        .group("relay", "consumer-1")
        .count(100)
        .block(100);
    let webhook = Webhook::new(TARGET_SECRET);
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        let reply: Option<redis::streams::StreamReadReply> = redis
            .xread_options(&[&stream], &[">"], &options)
            .await
            .unwrap();
        let entries: Vec<_> = reply
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .collect();
        if entries.is_empty() && stopping {
            return;
        }
        for entry in &entries {
            let id: String = entry.get("id").unwrap_or_default();
            let signature: String = entry.get("signature").unwrap_or_default();
            let body: Vec<u8> = entry.get("body").unwrap_or_default();
            let millis: i128 = entry.id.split('-').next().unwrap().parse().unwrap();
            let added_at = OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).unwrap();
            let verified = webhook
                .verify_and_parse_at(&body, &signature, added_at)
                .map(|event| (event.id().to_owned(), event.event_type().to_string()));
            let mut seen = seen.lock().unwrap();
            seen.deliveries += 1;
            match verified {
                Ok((event_id, event_type)) if event_id == id => {
                    *seen.by_id.entry(event_id).or_default() += 1;
                    seen.types.insert(event_type);
                }
                Ok((event_id, _)) => seen
                    .unverified
                    .push(format!("{event_id} under the id {id}")),
                Err(error) => seen
                    .unverified
                    .push(format!("{} ({id}): {error}", entry.id)),
            }
        }
        if !entries.is_empty() {
            let ids: Vec<&str> = entries.iter().map(|entry| entry.id.as_str()).collect();
            let _: u64 = redis.xack(&stream, "relay", &ids).await.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The crash test

/// Where the target is.
enum Sink {
    Http(Arc<HttpTarget>),
    /// The Redis URL and the stream key, and what the consumer group reads.
    Stream {
        url: String,
        stream: String,
        seen: Arc<Mutex<Seen>>,
    },
}

impl Sink {
    /// What the target's consumer has seen so far.
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        match self {
            Sink::Http(target) => target.seen.lock().unwrap(),
            Sink::Stream { seen, .. } => seen.lock().unwrap(),
        }
    }

    /// How many of `expected` the target's consumer has not seen.
    fn distinct_missing(&self, expected: &BTreeSet<String>) -> usize {
        let seen = self.seen();
        expected
            .iter()
            .filter(|id| !seen.by_id.contains_key(*id))
            .count()
    }
}

/// The forwards to the target by status, as the inbox has them.
fn counts(rt: &tokio::runtime::Runtime, inbox: &Inbox) -> BTreeMap<ForwardStatus, u64> {
    rt.block_on(inbox.forward_counts(TARGET))
        .unwrap()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The forward of `id` to the target, if it has one.
fn forward(
    rt: &tokio::runtime::Runtime,
    inbox: &Inbox,
    id: &str,
) -> Option<stripe_webhooks::inbox::ForwardRecord> {
    let entry = rt.block_on(inbox.entry(id)).unwrap()?;
    entry.forwards.into_iter().find(|f| f.target == TARGET)
}

fn crash(backend: Backend, test: &str, sink: Sink) {
    let Some(url) = fresh(backend, test) else {
        return;
    };
    let rt = runtime();
    let dir = test_dir(&format!("{test}_{backend:?}"));
    let sink_lines = match &sink {
        Sink::Http(target) => format!("url = {:?}", start_http_target(&rt, target)),
        Sink::Stream { url, stream, .. } => format!("redis_url = {url:?}\nstream = {stream:?}"),
    };
    let consumer_stop = Arc::new(AtomicBool::new(false));
    let consumer = match &sink {
        Sink::Http(_) => None,
        Sink::Stream { url, stream, seen } => {
            let client = redis::Client::open(url.as_str()).unwrap();
            rt.block_on(async {
                let mut redis = client.get_multiplexed_async_connection().await.unwrap();
                let _: () = redis
                    .xgroup_create_mkstream(stream, "relay", "0")
                    .await
                    .unwrap();
            });
            Some(rt.spawn(consume(
                url.clone(),
                stream.clone(),
                Arc::clone(seen),
                Arc::clone(&consumer_stop),
            )))
        }
    };
    let config = write_config(&dir, &url, &sink_lines);

    // The first relay takes deliveries from eight senders and forwards them; it is killed
    // once it has acknowledged KILL_AFTER of them, with deliveries and forwards in flight.
    let relay = start_relay(&config);
    let inbox = rt.block_on(Inbox::open(&url)).unwrap();
    let sent = Arc::new(Sent::default());
    let down = Arc::new(AtomicBool::new(false));
    let senders = start_senders(&relay.endpoint, &sent, &down);
    wait_until("acknowledgements before the kill", || {
        if senders.iter().any(std::thread::JoinHandle::is_finished) {
            return Ok(()); // a sender failed: joined below, which shows why
        }
        let acknowledged = sent.acknowledged.lock().unwrap().len();
        let forwarded = sink.seen().by_id.len();
        if acknowledged < KILL_AFTER {
            return Err(format!("{acknowledged} acknowledged"));
        }
        // While forwards are in flight (HTTP: requests the target has not answered; a stream:
        // forwards claimed and not yet recorded), so the kill cuts some short.
        let sending = match &sink {
            Sink::Http(target) => target.in_flight.load(Ordering::SeqCst) > 0,
            Sink::Stream { .. } => {
                forwarded > 0 && counts(&rt, &inbox).contains_key(&ForwardStatus::Sending)
            }
        };
        if sending {
            Ok(())
        } else {
            Err(format!(
                "{acknowledged} acknowledged, {forwarded} forwarded"
            ))
        }
    });
    down.store(true, Ordering::SeqCst);
    let in_flight = match &sink {
        Sink::Http(target) => target.in_flight.load(Ordering::SeqCst),
        Sink::Stream { .. } => 0,
    };
    relay.kill(); // SIGKILL
    for sender in senders {
        sender.join().unwrap();
    }
    // A request written before the kill may still be read by the target: let it land.
    std::thread::sleep(Duration::from_millis(200));
    let acknowledged_at_kill = sent.acknowledged.lock().unwrap().len();
    // What the target had: the HTTP target's requests, the events in the stream.
    let taken_at_kill = match &sink {
        Sink::Http(_) => sink.seen().distinct(),
        Sink::Stream { url, stream, .. } => rt.block_on(async {
            let client = redis::Client::open(url.as_str()).unwrap();
            let mut redis = client.get_multiplexed_async_connection().await.unwrap();
            let entries: redis::streams::StreamRangeReply = redis.xrange_all(stream).await.unwrap();
            entries
                .ids
                .iter()
                .map(|entry| entry.get::<String>("id").unwrap())
                .collect()
        }),
    };

    // What the dead relay left: its forwards still `sending` are held by its lease.
    let at_kill = counts(&rt, &inbox);
    let mut everything: Vec<(String, &str)> = sent.acknowledged.lock().unwrap().clone();
    everything.extend(sent.unanswered.lock().unwrap().iter().cloned());
    let held: BTreeSet<String> = everything
        .iter()
        .filter(|(id, _)| {
            forward(&rt, &inbox, id).is_some_and(|f| f.status == ForwardStatus::Sending)
        })
        .map(|(id, _)| id.clone())
        .collect();
    let held_and_taken = held.intersection(&taken_at_kill).count();
    println!(
        "{test} on {backend:?}: SIGKILL after {acknowledged_at_kill} acknowledged deliveries \
         ({} unanswered, in flight); {}; the inbox's forwards: {at_kill:?}; held by the dead \
         relay: {} ({held_and_taken} of them {})",
        sent.unanswered.lock().unwrap().len(),
        match &sink {
            Sink::Http(_) => format!(
                "the target had {} events and {in_flight} requests in flight",
                taken_at_kill.len()
            ),
            Sink::Stream { .. } => format!("the stream had {} events", taken_at_kill.len()),
        },
        held.len(),
        match &sink {
            Sink::Http(_) => "the target had already: sent again, they come twice",
            Sink::Stream { .. } => "in the stream already: sent again, they find their marker",
        },
    );
    assert_eq!(
        at_kill.get(&ForwardStatus::Sending).copied().unwrap_or(0),
        held.len() as u64
    );

    // The relay again, on the same database: Stripe sends the unanswered deliveries again,
    // and new ones come.
    let relay = start_relay(&config);
    let again = sent.unanswered.lock().unwrap().clone();
    let new: Vec<(String, &'static str)> = (0..AFTER_RESTART)
        .map(|n| (format!("evt_relay_after_{n}"), type_of(n)))
        .collect();
    send_all(
        &relay.endpoint,
        again.into_iter().chain(new).collect(),
        &sent,
    );
    let acknowledged: Vec<(String, &str)> = sent.acknowledged.lock().unwrap().clone();
    let expected: BTreeSet<String> = acknowledged
        .iter()
        .filter(|(_, event_type)| *event_type == TAKEN_TYPE)
        .map(|(id, _)| id.clone())
        .collect();
    let ids: BTreeSet<&str> = acknowledged.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids.len(),
        acknowledged.len(),
        "each event answered 200 once"
    );

    // Every acknowledged event the target takes reaches it, and the inbox has each delivered
    // (the dead relay's forwards included, once their lease ran out).
    wait_until("every acknowledged event forwarded", || {
        let seen = sink.distinct_missing(&expected);
        let counts = counts(&rt, &inbox);
        let delivered = counts.get(&ForwardStatus::Delivered).copied().unwrap_or(0);
        let all: u64 = counts.values().sum();
        if seen == 0 && delivered == expected.len() as u64 && all == delivered {
            Ok(())
        } else {
            Err(format!(
                "{seen} not at the target; the inbox's forwards: {counts:?}"
            ))
        }
    });
    let (status, output) = relay.terminate();
    assert!(status.success(), "the relay's exit after SIGTERM: {status}");
    assert!(
        output.contains(&format!("stopped: {TARGET}: {} delivered", expected.len())),
        "{output}"
    );
    consumer_stop.store(true, Ordering::SeqCst);
    if let Some(consumer) = consumer {
        rt.block_on(consumer).unwrap();
    }

    // Nothing lost, nothing foreign, everything verified; a consumer that dedups by id sees
    // each event once.
    let seen = sink.seen();
    let distinct = seen.distinct();
    assert!(
        seen.unverified.is_empty(),
        "not verified: {:?}",
        seen.unverified
    );
    let lost: Vec<_> = expected.difference(&distinct).collect();
    assert!(
        lost.is_empty(),
        "acknowledged and never forwarded: {lost:?}"
    );
    let foreign: Vec<_> = distinct.difference(&expected).collect();
    assert!(
        foreign.is_empty(),
        "forwarded and not expected: {foreign:?}"
    );
    assert_eq!(seen.types, BTreeSet::from([TAKEN_TYPE.to_owned()]));
    let resent = expected
        .iter()
        .filter(|id| forward(&rt, &inbox, id).is_some_and(|f| f.attempts > 1))
        .count();
    for (id, event_type) in &acknowledged {
        let forward = forward(&rt, &inbox, id);
        if *event_type == TAKEN_TYPE {
            let forward = forward.unwrap_or_else(|| panic!("{id} has no forward"));
            assert_eq!(forward.status, ForwardStatus::Delivered, "{id}");
        } else {
            assert!(forward.is_none(), "{id} is {event_type}: not the target's");
        }
    }
    let duplicates = seen.duplicates();
    println!(
        "{test} on {backend:?}: {} events forwarded, {} raw deliveries, {duplicates} duplicates (a consumer \
         that dedups by id sees each once); {resent} forwards sent again after the restart",
        distinct.len(),
        seen.deliveries,
    );
    match &sink {
        // Only a forward the dead relay held and the target had taken is sent twice.
        Sink::Http(_) => {
            assert!(
                duplicates <= held_and_taken as u64,
                "{duplicates} duplicates, {held_and_taken} held forwards the target had"
            );
            // A forwarder holds its sends in flight and as many claimed behind them.
            assert!(held.len() <= 2 * CONCURRENCY, "{} held", held.len());
        }
        // The stream has each event once: the held forwards sent again found their marker.
        Sink::Stream { url, stream, .. } => {
            assert_eq!(duplicates, 0, "the stream has an event twice");
            let client = redis::Client::open(url.as_str()).unwrap();
            rt.block_on(async {
                let mut redis = client.get_multiplexed_async_connection().await.unwrap();
                let len: u64 = redis.xlen(stream).await.unwrap();
                assert_eq!(len, expected.len() as u64, "entries in the stream");
                let pending: redis::streams::StreamPendingReply =
                    redis.xpending(stream, "relay").await.unwrap();
                assert_eq!(pending.count(), 0, "entries read and not acknowledged");
                // The stream and its markers go (they would stay for a week).
                let mut markers = Vec::new();
                {
                    let mut scan = redis
                        .scan_match::<_, String>(format!("{{{stream}}}:seen:*"))
                        .await
                        .unwrap();
                    while let Some(key) = scan.next_item().await {
                        markers.push(key.unwrap());
                    }
                }
                assert_eq!(markers.len(), expected.len(), "one marker per event");
                let _: () = redis.del(stream).await.unwrap();
                for chunk in markers.chunks(500) {
                    let _: () = redis.del(chunk).await.unwrap();
                }
            });
        }
    }
    drop(seen);
    drop(inbox);
    let _ = std::fs::remove_dir_all(&dir);
    match backend {
        Backend::Sqlite => {
            let _ = std::fs::remove_dir_all(inbox::databases::sqlite_dir(test));
        }
        Backend::Postgres => {
            let base = std::env::var("DATABASE_URL_POSTGRES").unwrap();
            let (_, name) = url.rsplit_once('/').unwrap();
            psql(
                &base,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn http(backend: Backend, test: &str) {
    crash(backend, test, Sink::Http(Arc::default()));
}

fn stream(backend: Backend, test: &str) {
    let Some(url) = redis_url() else {
        return;
    };
    static RUN: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .unwrap()
        .as_nanos();
    let stream = format!(
        "test:relay_crash:{test}:{}-{nanos}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::Relaxed)
    );
    crash(
        backend,
        test,
        Sink::Stream {
            url,
            stream,
            seen: Arc::default(),
        },
    );
}

#[test]
fn sqlite_http_target_gets_every_acknowledged_event_across_a_sigkill() {
    http(Backend::Sqlite, "relay_http");
}

#[test]
fn postgres_http_target_gets_every_acknowledged_event_across_a_sigkill() {
    http(Backend::Postgres, "relay_http");
}

#[test]
fn sqlite_stream_consumer_group_reads_every_acknowledged_event_once_across_a_sigkill() {
    stream(Backend::Sqlite, "relay_stream");
}

#[test]
fn postgres_stream_consumer_group_reads_every_acknowledged_event_once_across_a_sigkill() {
    stream(Backend::Postgres, "relay_stream");
}

// ---------------------------------------------------------------------------------------------
// The example's front door

#[test]
fn the_demo_runs_offline_and_every_target_gets_its_events() {
    let stdout = support::run_example("relay", &[]);
    assert!(
        stdout.contains("Every target has every event it takes."),
        "{stdout}"
    );
    assert!(
        stdout.contains("billing   2 of 2 events received"),
        "{stdout}"
    );
    assert!(
        stdout.contains("analytics 5 of 5 events received"),
        "{stdout}"
    );
    assert!(!stdout.contains("NOT verified"), "{stdout}");
}

#[test]
fn the_example_config_checks() {
    let dir = test_dir("example_config");
    let config = support::repo_root().join("integration/examples/relay.toml");
    let output = support::example("relay")
        .arg("--config")
        .arg(&config)
        .current_dir(&dir) // its `sqlite://relay.db` is made here
        .env("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
        .env("BILLING_SECRET", "whsec_billing")
        .env("PAYMENTS_QUEUE_SECRET", "whsec_payments")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("the config is good"), "{stdout}");
    for name in ["billing", "analytics", "payments-queue"] {
        assert!(stdout.contains(&format!("target {name}: ")), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_configs_exit_non_zero_naming_the_file_and_the_fault() {
    let dir = test_dir("bad_configs");
    let database = format!("sqlite://{}", dir.join("bad.db").display());
    let head = format!("database = {database:?}\nlisten = \"127.0.0.1:0\"\n");
    let target =
        "[[target]]\nname = \"billing\"\nurl = \"http://127.0.0.1:9/\"\nsecret = \"whsec_b\"\n";
    let cases = [
        (
            "unknown.toml",
            format!("{head}{target}concurency = 4\n"),
            "unknown field `concurency`",
        ),
        (
            "unknown_top.toml",
            format!("{head}secret = \"whsec_in_the_file\"\n{target}"),
            "unknown field `secret`",
        ),
        (
            "duplicate.toml",
            format!("{head}{target}{target}"),
            "a target named `billing` is attached already",
        ),
        (
            "secret_env.toml",
            format!("{head}[[target]]\nname = \"billing\"\nurl = \"http://127.0.0.1:9/\"\nsecret_env = \"RELAY_CRASH_UNSET_SECRET\"\n"),
            "set RELAY_CRASH_UNSET_SECRET",
        ),
        (
            "no_sink.toml",
            format!("{head}[[target]]\nname = \"billing\"\nsecret = \"whsec_b\"\n"),
            "needs `url`",
        ),
        (
            "both_sinks.toml",
            format!("{head}{target}redis_url = \"redis://127.0.0.1:9/\"\nstream = \"s\"\n"),
            "not both",
        ),
        (
            "bad_url.toml",
            format!("{head}[[target]]\nname = \"billing\"\nurl = \"ftp://x/\"\nsecret = \"whsec_b\"\n"),
            "not an http(s) URL",
        ),
        ("no_targets.toml", head.clone(), "no [[target]]"),
        ("not_toml.toml", "database = \n".to_owned(), "TOML parse error"),
        (
            "unknown.json",
            format!(r#"{{"database": {database:?}, "targets": []}}"#),
            "unknown field `targets`",
        ),
    ];
    for (file, text, said) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        let output = support::example("relay")
            .arg("--config")
            .arg(&path)
            .arg("--serve")
            .env("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
            .env_remove("RELAY_CRASH_UNSET_SECRET")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stdout}{stderr}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "{file}: {stderr}"
        );
        assert!(stderr.contains(said), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(!stdout.contains("listening on"), "{file}: {stdout}");
    }
    // The Stripe secret comes from the environment only.
    let path = dir.join("duplicate.toml");
    let output = support::example("relay")
        .arg("--config")
        .arg(&path)
        .arg("--serve")
        .env_remove("STRIPE_WEBHOOK_SECRET")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("set STRIPE_WEBHOOK_SECRET"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
