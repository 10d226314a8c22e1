//! [`RedisDedupStore`]: a [`DedupStore`] shared by every instance of an endpoint, in Redis.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};

use super::{Claim, DedupStore, StoreError, DEFAULT_DONE_TTL, DEFAULT_LEASE};

/// Claims `KEYS[1]` with `SET … NX PX` (the in-flight value `ARGV[1]`, leased for `ARGV[2]`
/// ms); when the key exists, tells a handled id (`ARGV[3]`) from one in flight. One round trip,
/// atomic on the server.
const CLAIM_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[3] then
  return 2
end
return 3
";

/// Deletes `KEYS[1]` only while it still holds this claim's in-flight value `ARGV[1]`: a late
/// release never removes another delivery's claim nor a completed id.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// The value of a handled id.
const DONE: &str = "done";
/// The start of the value of an id in flight; the claim's token follows.
const IN_FLIGHT: &str = "inflight:";

/// Local claim tokens are swept for expired leases once the map holds this many.
const TOKEN_SWEEP_AT: usize = 1024;

fn scripts() -> &'static (Script, Script) {
    static SCRIPTS: OnceLock<(Script, Script)> = OnceLock::new();
    SCRIPTS.get_or_init(|| (Script::new(CLAIM_SCRIPT), Script::new(RELEASE_SCRIPT)))
}

/// A [`DedupStore`] in Redis, for several instances of one webhook endpoint behind a load
/// balancer: a duplicate delivery that lands on another instance is still seen.
///
/// Each event id is one key, `{prefix}event:{event_id}` (see [`key`](RedisDedupStore::key)):
///
/// - **claim** is one atomic `SET key inflight:<token> NX PX <lease>`: of two instances that
///   receive the same event at the same moment, exactly one runs the handler; the other
///   answers 503 and Stripe retries later. The lease ([`DEFAULT_LEASE`] by default) frees the
///   id if the instance dies while handling.
/// - **complete** sets the key to `done` for the done TTL ([`DEFAULT_DONE_TTL`], a little over
///   Stripe's three days of retries), so later deliveries are acknowledged unhandled.
/// - **release** (after a transient handler failure or a panic) deletes the key only if it still
///   holds this claim's token (a Lua compare-and-delete): a release that comes after the lease
///   ran out never deletes the claim of the delivery that took over.
///
/// # When Redis is unreachable
///
/// By default the store fails closed: `claim` returns a [`StoreError`], the dispatcher answers
/// 503 ([`Outcome::StoreUnavailable`](crate::dispatch::Outcome::StoreUnavailable)) without
/// running the handler, and Stripe retries the delivery later (for up to three days in live
/// mode). Nothing is handled twice, and nothing is lost while Redis is back within that window.
///
/// With [`fail_open(true)`](RedisDedupStore::fail_open), `claim` answers
/// [`Claim::Acquired`] when Redis cannot be reached, so the handler runs unguarded: events keep
/// being handled during an outage, but a duplicate delivery, or the same event delivered to
/// two instances at once, may then run the handler twice. Choose it only when your handler is
/// idempotent on its own or a late event costs more than a repeated one. `complete` and
/// `release` report their errors either way (the dispatcher ignores them: the key then
/// expires with its lease).
///
/// A down Redis never holds a request for long: [`connect`](RedisDedupStore::connect) uses
/// [`connection_config`](RedisDedupStore::connection_config) (1 s to connect, 1 s per
/// answer, one reconnect retry), so a claim fails within a few seconds at most, and at once
/// when the connection is refused. The connection reconnects by itself when Redis returns.
///
/// # Examples
///
/// ```no_run
/// use stripe_webhooks::dedup::RedisDedupStore;
/// use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
/// use stripe_webhooks::{Event, Webhook};
///
/// # async fn run() -> Result<(), stripe_webhooks::dedup::StoreError> {
/// let store = RedisDedupStore::connect("redis://127.0.0.1:6379/")
///     .await?
///     .prefix("billing-webhooks:");
/// let dispatcher = Dispatcher::new(Webhook::new("whsec_..."), |event: Event| async move {
///     println!("handling {}", event.id());
///     Ok::<(), HandlerError>(())
/// })
/// .dedup_store(store);
/// # let _ = dispatcher;
/// # Ok(())
/// # }
/// ```
pub struct RedisDedupStore {
    connection: ConnectionManager,
    prefix: String,
    lease: Duration,
    done_ttl: Duration,
    fail_open: bool,
    /// This instance's claim token per event id it holds, for `release`.
    tokens: Mutex<Tokens>,
}

#[derive(Default)]
struct Tokens {
    held: HashMap<String, (String, Instant)>,
    sweep_at: usize,
}

impl RedisDedupStore {
    /// The key prefix used unless [`prefix`](RedisDedupStore::prefix) sets another.
    pub const DEFAULT_PREFIX: &'static str = "stripe-webhooks:";

    /// Connects to the Redis server at `url` (`redis://[:password@]host[:port][/db]`, or
    /// `rediss://` once you enable a TLS feature of the `redis` crate) with
    /// [`connection_config`](RedisDedupStore::connection_config), and returns a store with the
    /// default prefix, lease and done TTL, failing closed.
    ///
    /// Call it inside a Tokio runtime: the connection runs on it.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the URL is invalid or the server cannot be reached now.
    pub async fn connect(url: &str) -> Result<RedisDedupStore, StoreError> {
        let connection = RedisDedupStore::open(url, RedisDedupStore::connection_config()).await?;
        Ok(RedisDedupStore::with_connection(connection))
    }

    /// A store on a connection you made, for your own [`ConnectionManagerConfig`] (start from
    /// [`connection_config`](RedisDedupStore::connection_config)), or to share one connection
    /// with a [`RedisOrderingStore`](crate::ordering::RedisOrderingStore).
    #[must_use]
    pub fn with_connection(connection: ConnectionManager) -> RedisDedupStore {
        RedisDedupStore {
            connection,
            prefix: RedisDedupStore::DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            done_ttl: DEFAULT_DONE_TTL,
            fail_open: false,
            tokens: Mutex::new(Tokens::default()),
        }
    }

    /// The connection settings [`connect`](RedisDedupStore::connect) uses: 1 s to connect,
    /// 1 s for each answer, one retry (after 100 ms) when reconnecting. They bound how long a
    /// delivery waits for a Redis that is down or does not answer.
    #[must_use]
    pub fn connection_config() -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(1))
    }

    /// Namespaces every key with `prefix` (default [`DEFAULT_PREFIX`](Self::DEFAULT_PREFIX)):
    /// give each endpoint its own when they share a Redis.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> RedisDedupStore {
        self.prefix = prefix.into();
        self
    }

    /// How long a claim lasts before another delivery may take it over (default
    /// [`DEFAULT_LEASE`]); make it longer than your slowest handler. Rounded up to whole
    /// milliseconds, at least one.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> RedisDedupStore {
        self.lease = lease;
        self
    }

    /// How long a handled id is remembered (default [`DEFAULT_DONE_TTL`], a little over
    /// Stripe's three days of retries). Rounded up to whole milliseconds, at least one.
    #[must_use]
    pub fn done_ttl(mut self, done_ttl: Duration) -> RedisDedupStore {
        self.done_ttl = done_ttl;
        self
    }

    /// Whether to run the handler unguarded when Redis cannot be reached (default `false`:
    /// answer 503 and let Stripe retry). See [When Redis is
    /// unreachable](RedisDedupStore#when-redis-is-unreachable) for the trade-off.
    #[must_use]
    pub fn fail_open(mut self, fail_open: bool) -> RedisDedupStore {
        self.fail_open = fail_open;
        self
    }

    /// The Redis key of `event_id`: `{prefix}event:{event_id}`.
    #[must_use]
    pub fn key(&self, event_id: &str) -> String {
        format!("{}event:{event_id}", self.prefix)
    }

    /// The connection, to share it (it is a cheap clone).
    #[must_use]
    pub fn connection(&self) -> &ConnectionManager {
        &self.connection
    }

    async fn try_claim(&self, event_id: &str) -> Result<Claim, StoreError> {
        let token = new_token();
        let value = format!("{IN_FLIGHT}{token}");
        let answer: i64 = scripts()
            .0
            .key(self.key(event_id))
            .arg(value)
            .arg(RedisDedupStore::millis(self.lease))
            .arg(DONE)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| RedisDedupStore::error("claim", error))?;
        match answer {
            1 => {
                self.hold(event_id, token);
                Ok(Claim::Acquired)
            }
            2 => Ok(Claim::Done),
            3 => Ok(Claim::InFlight),
            other => Err(StoreError::new(format!(
                "the Redis claim script answered {other}, not 1, 2 or 3: is another program \
                 writing keys under the prefix {:?}?",
                self.prefix
            ))),
        }
    }

    fn lock_tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        // Every step leaves the map consistent, so a panic elsewhere cannot break it.
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn hold(&self, event_id: &str, token: String) {
        let now = Instant::now();
        let mut tokens = self.lock_tokens();
        if tokens.held.len() >= tokens.sweep_at.max(TOKEN_SWEEP_AT) {
            // Claims whose delivery was dropped mid-way (a client that hung up) never
            // complete nor release; forget them once their lease is over.
            let lease = self.lease;
            tokens
                .held
                .retain(|_, (_, since)| now.duration_since(*since) < lease);
            tokens.sweep_at = tokens.held.len().saturating_mul(2);
        }
        // One token per id and instance (the trait's `release` gets only the id): should this
        // instance claim an id again after its own lease ran out, the newer token replaces the
        // older, and a late release by the older delivery frees the id while the newer one is
        // still handling it. Across instances tokens never mix.
        tokens.held.insert(event_id.to_owned(), (token, now));
    }

    fn take_token(&self, event_id: &str) -> Option<String> {
        self.lock_tokens()
            .held
            .remove(event_id)
            .map(|(token, _)| token)
    }
}

impl DedupStore for RedisDedupStore {
    async fn claim(&self, event_id: &str) -> Result<Claim, StoreError> {
        match self.try_claim(event_id).await {
            Err(error) if self.fail_open => {
                #[cfg(feature = "tracing")]
                tracing::warn!(
                    error = %error,
                    "Redis duplicate store unavailable: running the handler unguarded (fail-open)"
                );
                let _ = error;
                Ok(Claim::Acquired)
            }
            answer => answer,
        }
    }

    async fn complete(&self, event_id: &str) -> Result<(), StoreError> {
        self.take_token(event_id);
        redis::cmd("SET")
            .arg(self.key(event_id))
            .arg(DONE)
            .arg("PX")
            .arg(RedisDedupStore::millis(self.done_ttl))
            .exec_async(&mut self.connection.clone())
            .await
            .map_err(|error| RedisDedupStore::error("complete", error))
    }

    async fn release(&self, event_id: &str) -> Result<(), StoreError> {
        // Without a token this instance holds no claim on the id: nothing of ours to release.
        let Some(token) = self.take_token(event_id) else {
            return Ok(());
        };
        let _deleted: i64 = scripts()
            .1
            .key(self.key(event_id))
            .arg(format!("{IN_FLIGHT}{token}"))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| RedisDedupStore::error("release", error))?;
        Ok(())
    }
}

impl fmt::Debug for RedisDedupStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection: its address may carry a password.
        f.debug_struct("RedisDedupStore")
            .field("prefix", &self.prefix)
            .field("lease", &self.lease)
            .field("done_ttl", &self.done_ttl)
            .field("fail_open", &self.fail_open)
            .finish_non_exhaustive()
    }
}

/// Helpers shared with the Redis ordering store (`crate::ordering::RedisOrderingStore`).
impl RedisDedupStore {
    /// Opens a connection manager on `url` and waits for the first connection.
    pub(crate) async fn open(
        url: &str,
        config: ConnectionManagerConfig,
    ) -> Result<ConnectionManager, StoreError> {
        let client = Client::open(url).map_err(|error| {
            StoreError::new(format!(
                "invalid Redis URL: {error} (expected redis://[:password@]host[:port][/db])"
            ))
        })?;
        ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|error| RedisDedupStore::error("connect", error))
    }

    /// A Redis failure as a [`StoreError`] that says what to check, with the Redis error as
    /// source.
    pub(crate) fn error(operation: &str, error: RedisError) -> StoreError {
        StoreError::new(format!(
            "Redis {operation} failed: {error}: check that the Redis server is running and \
             reachable (the delivery is answered 503 so Stripe retries it)"
        ))
        .with_source(error)
    }

    /// `duration` in whole milliseconds, rounded up, at least 1 (Redis refuses `PX 0`) and at
    /// most 2⁶² (Redis refuses an expiry time past `i64::MAX` ms).
    pub(crate) fn millis(duration: Duration) -> u64 {
        const MAX: u64 = 1 << 62;
        let millis = duration.as_nanos().div_ceil(1_000_000);
        u64::try_from(millis).unwrap_or(MAX).clamp(1, MAX)
    }
}

/// A claim token unique across processes and machines: a per-process random part (std's
/// randomly keyed hasher over the process id and start time) and a counter.
fn new_token() -> String {
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        if let Ok(since_epoch) = std::time::SystemTime::UNIX_EPOCH.elapsed() {
            hasher.write_u128(since_epoch.as_nanos());
        }
        hasher.finish()
    });
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{process:016x}{count:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_up_and_never_reach_zero() {
        assert_eq!(RedisDedupStore::millis(Duration::ZERO), 1);
        assert_eq!(RedisDedupStore::millis(Duration::from_nanos(1)), 1);
        assert_eq!(RedisDedupStore::millis(Duration::from_micros(1500)), 2);
        assert_eq!(
            RedisDedupStore::millis(Duration::from_secs(73 * 3600)),
            262_800_000
        );
        assert_eq!(RedisDedupStore::millis(Duration::MAX), 1 << 62);
    }

    #[test]
    fn tokens_differ() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
