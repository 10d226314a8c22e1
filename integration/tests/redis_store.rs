//! The Redis duplicate and ordering stores against a real `redis-server` on 127.0.0.1: atomic
//! claims, release on failure, late releases, TTL expiry, key prefixes, two dispatchers (two
//! "instances") sharing one Redis under 1,000 concurrent events, a Redis stopped mid-run (503,
//! then recovery), fail-open, and the ordering store.
//!
//! Needs `REDIS_URL` (`bash .ci/run` installs the Debian package `redis-server`, starts it on
//! 127.0.0.1:6390 and sets it). The outage tests start their own `redis-server` on another
//! loopback port, so the shared one stays up.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use stripe_webhooks::dispatch::OutcomeKind;
use stripe_webhooks::dispatch::{Dispatcher, Disposition, Handler, HandlerError, Outcome};
use stripe_webhooks::store::{
    Claim, ClaimToken, DedupStore, EventOrder, Freshness, OrderingStore, RedisDedupStore,
    RedisOrderingStore, Settle, Settled, DEFAULT_DONE_TTL,
};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_redis_tests";
const NOW: i64 = 1_763_856_000;

/// The shared Redis the tests run against; its absence is a failure, never a skip.
fn redis_url() -> String {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "REDIS_URL is not set: these tests need a running Redis. Install the Debian package \
             redis-server, start it with `redis-server --bind 127.0.0.1 --port 6390 --save '' \
             --appendonly no --daemonize yes` and set REDIS_URL=redis://127.0.0.1:6390/ \
             (`bash .ci/run` does all of this)"
        ),
    }
}

/// A key prefix no other test (or earlier run) uses.
fn unique_prefix(test: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .unwrap()
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("test:{test}:{}-{nanos}-{n}:", std::process::id())
}

fn acquired(claim: Claim) -> ClaimToken {
    match claim {
        Claim::Acquired(token) => token,
        other => panic!("expected Acquired, got {other:?}"),
    }
}

async fn store(test: &str) -> RedisDedupStore {
    RedisDedupStore::connect(&redis_url())
        .await
        .unwrap()
        .prefix(unique_prefix(test))
}

/// A plain connection to look at what the stores wrote.
async fn raw() -> MultiplexedConnection {
    redis::Client::open(redis_url().as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn get(key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut raw().await)
        .await
        .unwrap()
}

async fn pttl(key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(&mut raw().await)
        .await
        .unwrap()
}

fn body(id: &str, event_type: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"{id}","object":"event","type":"{event_type}","created":{NOW},"livemode":false,"data":{{"object":{{"id":"obj_{id}","object":"charge"}}}}}}"#
    )
    .into_bytes()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).unwrap()
}

async fn deliver<H: Handler, D: DedupStore>(d: &Dispatcher<H, D>, body: &[u8]) -> Outcome {
    let header = signature_header(body, SECRET, NOW);
    d.dispatch_at(body, Some(&header), now()).await
}

/// Counts handler runs per event id; `test.transient` events fail transiently.
#[derive(Clone, Default)]
struct Counter {
    runs: Arc<Mutex<HashMap<String, usize>>>,
}

impl Counter {
    fn runs(&self, id: &str) -> usize {
        self.runs.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn total(&self) -> usize {
        self.runs.lock().unwrap().values().sum()
    }
}

impl Handler for Counter {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        *self
            .runs
            .lock()
            .unwrap()
            .entry(event.id().to_owned())
            .or_default() += 1;
        // Give the other instance a chance to race for the same event.
        tokio::task::yield_now().await;
        match event.event_type().as_str() {
            "test.transient" => Err(HandlerError::transient("database down")),
            "test.panic" => panic!("handler bug"),
            _ => Ok(()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_is_exclusive_until_completed_across_instances() {
    let a = store("exclusive").await;
    let prefix = a.key("");
    let prefix = prefix.strip_suffix("event:").unwrap().to_owned();
    // A second instance: its own connection, the same namespace.
    let b = RedisDedupStore::connect(&redis_url())
        .await
        .unwrap()
        .prefix(prefix);

    let token = acquired(a.claim("evt_1").await.unwrap());
    assert_eq!(a.claim("evt_1").await.unwrap(), Claim::InFlight);
    assert_eq!(b.claim("evt_1").await.unwrap(), Claim::InFlight);
    let in_flight = get(&a.key("evt_1")).await.unwrap();
    assert_eq!(in_flight, format!("inflight:{token}"));
    let lease = pttl(&a.key("evt_1")).await;
    assert!(
        lease > 0 && lease <= 60_000,
        "the default lease: {lease} ms"
    );

    assert_eq!(
        a.settle("evt_1", &token, Settle::Complete).await.unwrap(),
        Settled::Held
    );
    assert_eq!(a.claim("evt_1").await.unwrap(), Claim::Done);
    assert_eq!(b.claim("evt_1").await.unwrap(), Claim::Done);
    assert_eq!(get(&a.key("evt_1")).await.as_deref(), Some("done"));
    let done_ttl = pttl(&a.key("evt_1")).await;
    let default_ms = i64::try_from(DEFAULT_DONE_TTL.as_millis()).unwrap();
    assert!(
        done_ttl > 72 * 3600 * 1000 && done_ttl <= default_ms,
        "a handled id is kept a little over three days: {done_ttl} ms"
    );

    // Another id is independent.
    acquired(b.claim("evt_2").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_claim_can_be_claimed_again() {
    let store = store("release").await;
    let first = acquired(store.claim("evt_r").await.unwrap());
    assert_eq!(
        store
            .settle("evt_r", &first, Settle::Release)
            .await
            .unwrap(),
        Settled::Held
    );
    assert_eq!(get(&store.key("evt_r")).await, None);
    let second = acquired(store.claim("evt_r").await.unwrap());
    assert_ne!(first, second);

    // A release with a token that no longer holds the claim never touches the key.
    assert_eq!(
        store
            .settle("evt_r", &second, Settle::Complete)
            .await
            .unwrap(),
        Settled::Held
    );
    assert_eq!(
        store
            .settle("evt_r", &first, Settle::Release)
            .await
            .unwrap(),
        Settled::LeaseLost
    );
    assert_eq!(store.claim("evt_r").await.unwrap(), Claim::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_releases_on_failure_so_the_retry_runs() {
    let counter = Counter::default();
    let d = Dispatcher::new(Webhook::new(SECRET), counter.clone()).dedup_store(store("fail").await);

    let transient = body("evt_transient", "test.transient");
    let first = deliver(&d, &transient).await;
    assert!(
        matches!(
            first,
            Outcome::Delivered {
                disposition: Disposition::Failed(_),
                ..
            }
        ),
        "{first:?}"
    );
    assert_eq!(first.status(), 500);
    let retry = deliver(&d, &transient).await;
    assert!(
        matches!(
            retry,
            Outcome::Delivered {
                disposition: Disposition::Failed(_),
                ..
            }
        ),
        "{retry:?}"
    );
    assert_eq!(
        counter.runs("evt_transient"),
        2,
        "the retry ran the handler"
    );

    let panics = body("evt_panic", "test.panic");
    assert_eq!(deliver(&d, &panics).await.kind(), OutcomeKind::Panicked);
    assert_eq!(deliver(&d, &panics).await.kind(), OutcomeKind::Panicked);
    assert_eq!(counter.runs("evt_panic"), 2);
    assert_eq!(get(&d.dedup().key("evt_panic")).await, None);

    let ok = body("evt_ok", "charge.succeeded");
    assert_eq!(deliver(&d, &ok).await.kind(), OutcomeKind::Handled);
    assert_eq!(deliver(&d, &ok).await.kind(), OutcomeKind::Duplicate);
    assert_eq!(counter.runs("evt_ok"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_and_done_ids_expire() {
    let store = store("ttl")
        .await
        .lease(Duration::from_millis(200))
        .done_ttl(Duration::from_millis(200));
    acquired(store.claim("evt_lease").await.unwrap());
    assert_eq!(store.claim("evt_lease").await.unwrap(), Claim::InFlight);
    tokio::time::sleep(Duration::from_millis(400)).await;
    // An abandoned claim is free once its lease is over.
    let token = acquired(store.claim("evt_lease").await.unwrap());

    store
        .settle("evt_lease", &token, Settle::Complete)
        .await
        .unwrap();
    assert_eq!(store.claim("evt_lease").await.unwrap(), Claim::Done);
    tokio::time::sleep(Duration::from_millis(400)).await;
    acquired(store.claim("evt_lease").await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_release_never_deletes_the_claim_that_took_over() {
    let prefix = unique_prefix("late");
    let slow = RedisDedupStore::connect(&redis_url())
        .await
        .unwrap()
        .prefix(prefix.clone())
        .lease(Duration::from_millis(200));
    let other = RedisDedupStore::connect(&redis_url())
        .await
        .unwrap()
        .prefix(prefix);

    let late = acquired(slow.claim("evt_late").await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The slow instance's lease ran out; another instance takes the event over.
    let owner = acquired(other.claim("evt_late").await.unwrap());
    let taken_over = get(&other.key("evt_late")).await.unwrap();
    // The slow handler fails at last and releases: the other claim must survive.
    assert_eq!(
        slow.settle("evt_late", &late, Settle::Release)
            .await
            .unwrap(),
        Settled::LeaseLost
    );
    assert_eq!(
        get(&other.key("evt_late")).await.as_deref(),
        Some(taken_over.as_str())
    );
    assert_eq!(slow.claim("evt_late").await.unwrap(), Claim::InFlight);
    // And the owner's own release does delete it.
    assert_eq!(
        other
            .settle("evt_late", &owner, Settle::Release)
            .await
            .unwrap(),
        Settled::Held
    );
    assert_eq!(get(&other.key("evt_late")).await, None);

    // Within one instance too: its own newer claim survives its own late release.
    let older = acquired(slow.claim("evt_same").await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let newer = acquired(slow.claim("evt_same").await.unwrap());
    assert_eq!(
        slow.settle("evt_same", &older, Settle::Release)
            .await
            .unwrap(),
        Settled::LeaseLost
    );
    assert_eq!(
        get(&slow.key("evt_same")).await,
        Some(format!("inflight:{newer}"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_namespaced_by_the_prefix() {
    let url = redis_url();
    let default = RedisDedupStore::connect(&url).await.unwrap();
    assert_eq!(default.key("evt_1"), "stripe-webhooks:event:evt_1");

    let prefix = unique_prefix("prefix");
    let first = RedisDedupStore::connect(&url)
        .await
        .unwrap()
        .prefix(format!("{prefix}one:"));
    let second = RedisDedupStore::connect(&url)
        .await
        .unwrap()
        .prefix(format!("{prefix}two:"));
    assert_eq!(first.key("evt_p"), format!("{prefix}one:event:evt_p"));

    let token = acquired(first.claim("evt_p").await.unwrap());
    first
        .settle("evt_p", &token, Settle::Complete)
        .await
        .unwrap();
    assert_eq!(
        get(&format!("{prefix}one:event:evt_p")).await.as_deref(),
        Some("done")
    );
    assert_eq!(get("evt_p").await, None, "nothing outside the namespace");
    // Two endpoints sharing a Redis do not see each other's events.
    acquired(second.claim("evt_p").await.unwrap());
    assert!(get(&format!("{prefix}two:event:evt_p"))
        .await
        .unwrap()
        .starts_with("inflight:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_handle_each_of_1000_concurrent_events_exactly_once() {
    const EVENTS: usize = 1000;
    let prefix = unique_prefix("instances");
    let counter = Counter::default();
    let mut instances = Vec::new();
    for _ in 0..2 {
        let store = RedisDedupStore::connect(&redis_url())
            .await
            .unwrap()
            .prefix(prefix.clone());
        instances.push(Arc::new(
            Dispatcher::new(Webhook::new(SECRET), counter.clone()).dedup_store(store),
        ));
    }

    let bodies: Vec<Arc<Vec<u8>>> = (0..EVENTS)
        .map(|i| Arc::new(body(&format!("evt_many_{i}"), "charge.succeeded")))
        .collect();
    // Every event reaches both instances at once, as a duplicate delivery behind a load
    // balancer would.
    let mut tasks = Vec::new();
    for body in &bodies {
        for instance in &instances {
            let (instance, body) = (Arc::clone(instance), Arc::clone(body));
            tasks.push(tokio::spawn(async move {
                deliver(&instance, &body).await.kind().as_str()
            }));
        }
    }
    let mut labels: HashMap<&str, usize> = HashMap::new();
    for task in tasks {
        *labels.entry(task.await.unwrap()).or_default() += 1;
    }

    assert_eq!(labels.get("handled").copied(), Some(EVENTS), "{labels:?}");
    let others = labels.get("in_progress").copied().unwrap_or(0)
        + labels.get("duplicate").copied().unwrap_or(0);
    assert_eq!(others, EVENTS, "{labels:?}");
    for i in 0..EVENTS {
        assert_eq!(counter.runs(&format!("evt_many_{i}")), 1, "evt_many_{i}");
    }
    let per_instance: Vec<u64> = instances
        .iter()
        .map(|d| d.metrics().count(OutcomeKind::Handled))
        .collect();
    eprintln!("outcomes {labels:?}, handled per instance {per_instance:?}");

    // Stripe retries the 503s: every event is now a duplicate on both instances.
    for body in &bodies {
        for instance in &instances {
            assert_eq!(deliver(instance, body).await.kind(), OutcomeKind::Duplicate);
        }
    }
    assert_eq!(counter.total(), EVENTS);
}

/// A `redis-server` of the test's own on a free loopback port, stopped on drop.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start() -> PrivateRedis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = PrivateRedis { port, child: None };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot run redis-server ({error}): install the Debian package redis-server")
            });
        self.child = Some(child);
        for _ in 0..500 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not listen on 127.0.0.1:{}", self.port);
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends `signal` (`STOP`, `CONT`) to the server.
    fn signal(&self, signal: &str) {
        send_signal(self.pid(), signal);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_run_answers_503_then_recovers() {
    let mut redis = PrivateRedis::start();
    let counter = Counter::default();
    let d = Dispatcher::new(Webhook::new(SECRET), counter.clone())
        .dedup_store(RedisDedupStore::connect(&redis.url()).await.unwrap());

    let before = body("evt_before", "charge.succeeded");
    assert_eq!(deliver(&d, &before).await.kind(), OutcomeKind::Handled);

    redis.stop();
    let during: Vec<Vec<u8>> = (0..5)
        .map(|i| body(&format!("evt_during_{i}"), "charge.succeeded"))
        .collect();
    let started = std::time::Instant::now();
    for body in during.iter().chain([&before]) {
        let outcome = deliver(&d, body).await;
        assert_eq!(outcome.kind(), OutcomeKind::StoreUnavailable, "{outcome:?}");
        assert_eq!(outcome.status(), 503);
    }
    eprintln!("6 deliveries with Redis down took {:?}", started.elapsed());
    assert_eq!(counter.total(), 1, "no handler ran while Redis was down");
    assert_eq!(d.metrics().count(OutcomeKind::StoreUnavailable), 6);

    redis.restart();
    // The connection comes back by itself; until it does, deliveries keep answering 503.
    let mut attempts = 0;
    let recovered = loop {
        attempts += 1;
        let outcome = deliver(&d, &during[0]).await;
        match outcome {
            Outcome::Delivered {
                disposition: Disposition::Handled,
                ..
            } => break true,
            Outcome::Delivered {
                disposition: Disposition::StoreUnavailable(_),
                ..
            } if attempts < 50 => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => panic!("attempt {attempts}: {other:?}"),
        }
    };
    assert!(recovered);
    eprintln!("recovered on attempt {attempts}");
    for body in &during[1..] {
        assert_eq!(deliver(&d, body).await.kind(), OutcomeKind::Handled);
    }
    for body in &during {
        assert_eq!(deliver(&d, body).await.kind(), OutcomeKind::Duplicate);
    }
    for i in 0..5 {
        assert_eq!(counter.runs(&format!("evt_during_{i}")), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_does_not_answer_is_a_503_not_a_hang() {
    let redis = PrivateRedis::start();
    let counter = Counter::default();
    let d = Dispatcher::new(Webhook::new(SECRET), counter.clone())
        .dedup_store(RedisDedupStore::connect(&redis.url()).await.unwrap());
    let first = body("evt_first", "charge.succeeded");
    assert_eq!(deliver(&d, &first).await.kind(), OutcomeKind::Handled);

    // Paused, the server keeps its connections open and never answers: only the response
    // timeout ends the wait.
    redis.signal("STOP");
    let paused = body("evt_paused", "charge.succeeded");
    let started = std::time::Instant::now();
    let outcome = deliver(&d, &paused).await;
    let waited = started.elapsed();
    redis.signal("CONT");
    assert_eq!(outcome.kind(), OutcomeKind::StoreUnavailable, "{outcome:?}");
    eprintln!("a paused Redis answered 503 after {waited:?}");
    assert_eq!(counter.runs("evt_paused"), 0);

    // Resumed, it runs the claim it had queued, then the release the store sent after it when
    // the answer timed out: Stripe's retry is handled within moments, not after the 60 s
    // lease. The release comes from a spawned task, which a loaded machine (CI runs the test
    // binaries side by side) may schedule after the next delivery: until it lands, a retry
    // finds the claim in flight (503), as Stripe's would.
    let after = body("evt_after", "charge.succeeded");
    assert_eq!(deliver(&d, &after).await.kind(), OutcomeKind::Handled);
    let resumed = std::time::Instant::now();
    let again = loop {
        let again = deliver(&d, &paused).await;
        if again.kind() != OutcomeKind::InProgress || resumed.elapsed() > Duration::from_secs(10) {
            break again;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        again.kind(),
        OutcomeKind::Handled,
        "{again:?} after {:?}",
        resumed.elapsed()
    );
    assert_eq!(counter.runs("evt_paused"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_runs_the_handler_unguarded_while_redis_is_down() {
    let mut redis = PrivateRedis::start();
    let counter = Counter::default();
    let open = Dispatcher::new(Webhook::new(SECRET), counter.clone()).dedup_store(
        RedisDedupStore::connect(&redis.url())
            .await
            .unwrap()
            .fail_open(true),
    );
    let closed = Dispatcher::new(Webhook::new(SECRET), counter.clone())
        .dedup_store(RedisDedupStore::connect(&redis.url()).await.unwrap());

    // While Redis is up, fail-open changes nothing.
    let up = body("evt_up", "charge.succeeded");
    assert_eq!(deliver(&open, &up).await.kind(), OutcomeKind::Handled);
    assert_eq!(deliver(&open, &up).await.kind(), OutcomeKind::Duplicate);
    assert_eq!(deliver(&closed, &up).await.kind(), OutcomeKind::Duplicate);

    redis.stop();
    let down = body("evt_down", "charge.succeeded");
    let closed_outcome = deliver(&closed, &down).await;
    assert_eq!(closed_outcome.kind(), OutcomeKind::StoreUnavailable);
    assert_eq!(counter.runs("evt_down"), 0);

    let outcome = deliver(&open, &down).await;
    assert_eq!(outcome.kind(), OutcomeKind::Handled, "{outcome:?}");
    assert_eq!(outcome.status(), 200);
    // The documented trade-off: with no store to remember it, a duplicate runs again.
    assert_eq!(deliver(&open, &down).await.kind(), OutcomeKind::Handled);
    assert_eq!(counter.runs("evt_down"), 2);
    // Up again, or never: settles still say that Redis is down.
    let token = ClaimToken::from_u128(1);
    assert!(open
        .dedup()
        .settle("evt_down", &token, Settle::Complete)
        .await
        .is_err());
    assert_eq!(counter.runs("evt_up"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_nothing_or_a_bad_url_is_a_store_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = RedisDedupStore::connect(&format!("redis://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("Redis connect failed"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());

    let error = RedisOrderingStore::connect("http://not-redis")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("invalid Redis URL"), "{error}");
}

fn subscription_event(id: &str, created: i64) -> Event {
    Event::from_slice(
        format!(
            r#"{{"id":"{id}","object":"event","type":"customer.subscription.updated","created":{created},"data":{{"object":{{"id":"sub_1","object":"subscription"}}}}}}"#
        )
        .as_bytes(),
    )
    .unwrap()
}

async fn record(order: &EventOrder<RedisOrderingStore>, id: &str, created: i64) -> Freshness {
    order
        .record(&subscription_event(id, created))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ordering_store_tells_stale_tie_and_newer_through_redis() {
    let prefix = unique_prefix("order");
    let one = EventOrder::with_store(
        RedisOrderingStore::connect(&redis_url())
            .await
            .unwrap()
            .prefix(prefix.clone()),
    );
    // A second instance on its own connection sees what the first applied.
    let two = EventOrder::with_store(
        RedisOrderingStore::connect(&redis_url())
            .await
            .unwrap()
            .prefix(prefix.clone()),
    );

    assert_eq!(record(&one, "e2", 200).await, Freshness::First);
    assert_eq!(
        record(&two, "e1", 100).await,
        Freshness::Stale { newest: 200 }
    );
    assert_eq!(record(&two, "e2b", 200).await, Freshness::SameSecond);
    assert_eq!(
        record(&two, "e3", 300).await,
        Freshness::Newer { previous: 200 }
    );
    assert_eq!(
        record(&one, "e2", 200).await,
        Freshness::Stale { newest: 300 }
    );
    // Reading changes nothing, through either instance.
    assert_eq!(
        two.freshness(&subscription_event("e4", 400)).await.unwrap(),
        Freshness::Newer { previous: 300 }
    );
    assert_eq!(
        one.freshness(&subscription_event("e1", 100)).await.unwrap(),
        Freshness::Stale { newest: 300 }
    );
    let key = one.store().key("subscription/sub_1");
    assert_eq!(key, format!("{prefix}newest:subscription/sub_1"));
    assert_eq!(get(&key).await.as_deref(), Some("300"));
    let ttl = pttl(&key).await;
    assert!(
        ttl > 72 * 3600 * 1000,
        "kept a little over three days: {ttl} ms"
    );

    // Negative and far times are exact too.
    let store = one.store();
    assert_eq!(store.advance("far", -5).await.unwrap(), Freshness::First);
    assert_eq!(
        store.advance("far", 4_102_444_800).await.unwrap(),
        Freshness::Newer { previous: -5 }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_advances_keep_the_newest_and_one_first() {
    let prefix = unique_prefix("order-race");
    let stores: Vec<Arc<RedisOrderingStore>> = vec![
        Arc::new(
            RedisOrderingStore::connect(&redis_url())
                .await
                .unwrap()
                .prefix(prefix.clone()),
        ),
        Arc::new(
            RedisOrderingStore::connect(&redis_url())
                .await
                .unwrap()
                .prefix(prefix.clone()),
        ),
    ];
    let mut tasks = Vec::new();
    // Times in a scrambled order, spread over both stores.
    for i in 0..200_i64 {
        let created = (i * 73) % 200 + 1;
        let store = Arc::clone(&stores[usize::try_from(i % 2).unwrap()]);
        tasks.push(tokio::spawn(async move {
            (created, store.advance("obj", created).await.unwrap())
        }));
    }
    let mut firsts = 0;
    for task in tasks {
        let (created, freshness) = task.await.unwrap();
        match freshness {
            Freshness::First => firsts += 1,
            Freshness::Newer { previous } => assert!(previous < created),
            Freshness::Stale { newest } => assert!(newest > created),
            other => panic!("{created}: {other:?}"),
        }
        if created == 200 {
            assert!(!freshness.is_stale(), "the newest is never stale");
        }
    }
    assert_eq!(firsts, 1);
    assert_eq!(get(&stores[0].key("obj")).await.as_deref(), Some("200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ordering_ttl_expires() {
    let store = RedisOrderingStore::connect(&redis_url())
        .await
        .unwrap()
        .prefix(unique_prefix("order-ttl"))
        .ttl(Duration::from_millis(200));
    assert_eq!(store.advance("obj", 10).await.unwrap(), Freshness::First);
    assert_eq!(
        store.advance("obj", 5).await.unwrap(),
        Freshness::Stale { newest: 10 }
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.advance("obj", 5).await.unwrap(), Freshness::First);
}

// --- Dropped deliveries and lease takeover, through a real Redis -----------------------------
//
// A paused server (SIGSTOP) keeps its connections open and answers nothing, so a claim or a
// settle sent to it is in flight for as long as the test wants; the dispatch future is then
// dropped there (a timeout, as a tower timeout or a client hang-up would), and the server
// resumed (SIGCONT).

/// Counts runs and successes; `test.slow` sleeps 500 ms first; `test.pause_redis` pauses the
/// server just before succeeding (so the completion hangs); `test.slow_then_transient` sleeps
/// 600 ms and fails transiently on its first run only.
#[derive(Clone, Default)]
struct Scripted {
    runs: Arc<AtomicU64>,
    successes: Arc<AtomicU64>,
    redis_pid: Option<u32>,
}

impl Scripted {
    fn counts(&self) -> (u64, u64) {
        (
            self.runs.load(Ordering::SeqCst),
            self.successes.load(Ordering::SeqCst),
        )
    }
}

impl Handler for Scripted {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        match event.event_type().as_str() {
            "test.slow" => tokio::time::sleep(Duration::from_millis(500)).await,
            "test.pause_redis" if run == 1 => send_signal(self.redis_pid.unwrap(), "STOP"),
            "test.slow_then_transient" if run == 1 => {
                tokio::time::sleep(Duration::from_millis(600)).await;
                return Err(HandlerError::transient(
                    "the first run timed out downstream",
                ));
            }
            _ => {}
        }
        self.successes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

async fn deliver_dropped_after<H: Handler, D: DedupStore>(
    d: &Dispatcher<H, D>,
    body: &[u8],
    after: Duration,
) {
    let outcome = tokio::time::timeout(after, deliver(d, body)).await;
    assert!(outcome.is_err(), "finished before the drop: {outcome:?}");
}

/// Waits (at most 3 s, far below the 60 s lease) until `key` holds `expected`.
async fn until_key_is(key: &str, expected: Option<&str>) {
    for _ in 0..300 {
        if get(key).await.as_deref() == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{key} never became {expected:?}: {:?}", get(key).await);
}

async fn get_on(url: &str, key: &str) -> Option<String> {
    let mut connection = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut connection)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_dropped_at_the_claim_is_handled_by_the_next_at_once() {
    let redis = PrivateRedis::start();
    let handler = Scripted::default();
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(RedisDedupStore::connect(&redis.url()).await.unwrap());
    let b = body("evt_claim_drop", "charge.succeeded");

    redis.signal("STOP");
    deliver_dropped_after(&d, &b, Duration::from_millis(200)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    redis.signal("CONT");
    // The server ran the claim nobody read, then the release the store sent after it.
    let next = deliver(&d, &b).await;
    assert_eq!(next.kind(), OutcomeKind::Handled, "{next:?}");
    assert_eq!(deliver(&d, &b).await.kind(), OutcomeKind::Duplicate);
    assert_eq!(handler.counts(), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_dropped_in_the_handler_gives_its_claim_back_through_redis() {
    let handler = Scripted::default();
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(store("handler-drop").await);
    let b = body("evt_handler_drop", "test.slow");
    deliver_dropped_after(&d, &b, Duration::from_millis(100)).await;
    assert_eq!(d.metrics().cancelled, 1);
    // The release runs in a spawned task: the key goes within milliseconds, not the 60 s lease.
    until_key_is(&d.dedup().key("evt_handler_drop"), None).await;
    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    assert_eq!(handler.counts(), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_dropped_during_the_completion_still_completes_through_redis() {
    let redis = PrivateRedis::start();
    let handler = Scripted {
        redis_pid: Some(redis.pid()),
        ..Scripted::default()
    };
    let d = Dispatcher::new(Webhook::new(SECRET), handler.clone())
        .dedup_store(RedisDedupStore::connect(&redis.url()).await.unwrap());
    let b = body("evt_complete_drop", "test.pause_redis");
    // The handler succeeds and pauses the server: the completion hangs, and is dropped.
    deliver_dropped_after(&d, &b, Duration::from_millis(300)).await;
    assert_eq!(handler.counts(), (1, 1));
    assert_eq!(d.metrics().cancelled, 1);
    redis.signal("CONT");
    let key = d.dedup().key("evt_complete_drop");
    for _ in 0..300 {
        if get_on(&redis.url(), &key).await.as_deref() == Some("done") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(get_on(&redis.url(), &key).await.as_deref(), Some("done"));
    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Duplicate, "{retry:?}");
    assert_eq!(handler.counts(), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_slower_than_its_lease_that_fails_last_leaves_the_id_handled_in_redis() {
    let handler = Scripted::default();
    // One process, one store: the retry that takes over and the late run share it.
    let d = Arc::new(
        Dispatcher::new(Webhook::new(SECRET), handler.clone())
            .dedup_store(store("takeover").await.lease(Duration::from_millis(200))),
    );
    let b = Arc::new(body("evt_takeover", "test.slow_then_transient"));
    let first = {
        let (d, b) = (d.clone(), b.clone());
        tokio::spawn(async move { deliver(&d, &b).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let retry = deliver(&d, &b).await;
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    let late = first.await.unwrap();
    assert!(
        matches!(
            late,
            Outcome::Delivered {
                disposition: Disposition::Failed(_),
                ..
            }
        ),
        "{late:?}"
    );
    assert_eq!(d.metrics().lease_lost, 1);
    assert_eq!(
        get(&d.dedup().key("evt_takeover")).await.as_deref(),
        Some("done")
    );
    assert_eq!(deliver(&d, &b).await.kind(), OutcomeKind::Duplicate);
    assert_eq!(handler.counts(), (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_and_ttls_of_duration_max_and_zero_through_redis() {
    let handler = Scripted::default();
    let forever = Dispatcher::new(Webhook::new(SECRET), handler.clone()).dedup_store(
        store("max")
            .await
            .lease(Duration::MAX)
            .done_ttl(Duration::MAX),
    );
    let b = body("evt_max", "charge.succeeded");
    assert_eq!(deliver(&forever, &b).await.kind(), OutcomeKind::Handled);
    assert_eq!(deliver(&forever, &b).await.kind(), OutcomeKind::Duplicate);
    // Capped at 2^62 ms, which Redis takes.
    let ttl = pttl(&forever.dedup().key("evt_max")).await;
    assert!(ttl > 1 << 61, "{ttl}");

    let never = Dispatcher::new(Webhook::new(SECRET), handler.clone()).dedup_store(
        store("zero")
            .await
            .lease(Duration::ZERO)
            .done_ttl(Duration::ZERO),
    );
    let b = body("evt_zero", "charge.succeeded");
    // Rounded up to 1 ms: a handled id is forgotten almost at once.
    for _ in 0..2 {
        assert_eq!(deliver(&never, &b).await.kind(), OutcomeKind::Handled);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(handler.counts(), (3, 3));
}
