//! [`RedisDedupStore`]: a [`DedupStore`] shared by every instance of an endpoint, in Redis.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;

use crate::store::{
    Claim, ClaimToken, DedupStore, Settle, Settled, StoreError, DEFAULT_DONE_TTL, DEFAULT_LEASE,
};

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

/// Records `KEYS[1]` as done (`ARGV[2]` for `ARGV[3]` ms) whoever holds it, and answers 1 when
/// this claim's in-flight value `ARGV[1]` still held it, else 0.
const COMPLETE_SCRIPT: &str = r"
local held = redis.call('GET', KEYS[1]) == ARGV[1]
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if held then
  return 1
end
return 0
";

/// Deletes `KEYS[1]` only while it still holds this claim's in-flight value `ARGV[1]`: a late
/// release never removes another delivery's claim nor a completed id. Answers 1 if it did.
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

struct Scripts {
    claim: Script,
    complete: Script,
    release: Script,
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: OnceLock<Scripts> = OnceLock::new();
    SCRIPTS.get_or_init(|| Scripts {
        claim: Script::new(CLAIM_SCRIPT),
        complete: Script::new(COMPLETE_SCRIPT),
        release: Script::new(RELEASE_SCRIPT),
    })
}

/// A [`DedupStore`] in Redis, for several instances of one webhook endpoint behind a load
/// balancer: a duplicate delivery that lands on another instance is still seen.
///
/// Each event id is one key, `{prefix}event:{event_id}` (see [`key`](RedisDedupStore::key)):
///
/// - **claim** is one atomic `SET key inflight:<token> NX PX <lease>` with a fresh random
///   128-bit token: of two instances that receive the same event at the same moment, exactly
///   one runs the handler; the other answers 503 and Stripe retries later. The lease
///   ([`DEFAULT_LEASE`] by default) frees the id if the instance dies while handling.
/// - **complete** sets the key to `done` for the done TTL ([`DEFAULT_DONE_TTL`], a little over
///   Stripe's three days of retries), so later deliveries are acknowledged unhandled.
/// - **release** (after a transient handler failure or a panic) deletes the key only if it
///   still holds this claim's token (a Lua compare-and-delete): a release that comes after the
///   lease ran out never deletes the claim of the delivery that took over, in this process or
///   another.
///
/// Dropped deliveries: a claim whose answer never came back (its future was dropped, or the
/// answer timed out while the command may still run) is released by a task spawned on the
/// current Tokio runtime, sent after the claim on the same connection; a delivery dropped
/// while it holds a claim has its settle sent the same way
/// ([`settle_detached`](DedupStore::settle_detached)). Outside a Tokio runtime, or when the
/// runtime is shutting down, such claims expire with their lease.
///
/// # When Redis is unreachable
///
/// By default the store fails closed: `claim` returns a [`StoreError`], the dispatcher answers
/// 503 ([`Disposition::StoreUnavailable`](crate::dispatch::Disposition::StoreUnavailable)) without
/// running the handler, and Stripe retries the delivery later (for up to three days in live
/// mode). Nothing is handled twice, and nothing is lost while Redis is back within that window.
///
/// With [`fail_open(true)`](RedisDedupStore::fail_open), `claim` answers
/// [`Claim::Acquired`] when Redis cannot be reached, so the handler runs unguarded: events keep
/// being handled during an outage, but a duplicate delivery, or the same event delivered to
/// two instances at once, may then run the handler twice. Choose it only when your handler is
/// idempotent on its own or a late event costs more than a repeated one. Settles report their
/// errors either way (the dispatcher counts them in
/// [`Metrics::settle_errors`](crate::dispatch::Metrics::settle_errors); the key then expires
/// with its lease).
///
/// A down Redis never holds a request for long: [`connect`](RedisDedupStore::connect) uses
/// [`connection_config`](RedisDedupStore::connection_config) (1 s to connect, 1 s per
/// answer, one reconnect retry), so a claim fails within a few seconds at most, and at once
/// when the connection is refused. The connection reconnects by itself when Redis returns.
///
/// # Examples
///
/// ```no_run
/// use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
/// use stripe_webhooks::store::RedisDedupStore;
/// use stripe_webhooks::{Event, Webhook};
///
/// # async fn run() -> Result<(), stripe_webhooks::store::StoreError> {
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
}

impl RedisDedupStore {
    /// The key prefix used unless [`prefix`](RedisDedupStore::prefix) sets another.
    pub const DEFAULT_PREFIX: &'static str = super::DEFAULT_PREFIX;

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
        let connection = super::open(url, super::connection_config()).await?;
        Ok(RedisDedupStore::with_connection(connection))
    }

    /// A store on a connection you made, for your own [`ConnectionManagerConfig`] (start from
    /// [`connection_config`](RedisDedupStore::connection_config)), or to share one connection
    /// with a [`RedisOrderingStore`](crate::store::RedisOrderingStore).
    #[must_use]
    pub fn with_connection(connection: ConnectionManager) -> RedisDedupStore {
        RedisDedupStore {
            connection,
            prefix: RedisDedupStore::DEFAULT_PREFIX.to_owned(),
            lease: DEFAULT_LEASE,
            done_ttl: DEFAULT_DONE_TTL,
            fail_open: false,
        }
    }

    /// The connection settings [`connect`](RedisDedupStore::connect) (and
    /// [`RedisOrderingStore::connect`](crate::store::RedisOrderingStore::connect)) use: 1 s to
    /// connect, 1 s for each answer, one retry (after 100 ms) when reconnecting. They bound
    /// how long a delivery waits for a Redis that is down or does not answer.
    #[must_use]
    pub fn connection_config() -> ConnectionManagerConfig {
        super::connection_config()
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
    /// milliseconds, at least one, at most 2⁶² (`Duration::MAX` is then about 146 million
    /// years).
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> RedisDedupStore {
        self.lease = lease;
        self
    }

    /// How long a handled id is remembered (default [`DEFAULT_DONE_TTL`], a little over
    /// Stripe's three days of retries). Rounded as [`lease`](RedisDedupStore::lease) is.
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

    fn settler(&self, event_id: &str) -> Settler {
        Settler {
            connection: self.connection.clone(),
            key: self.key(event_id),
            done_ttl_ms: super::millis(self.done_ttl),
        }
    }

    async fn try_claim(&self, key: &str, token: &ClaimToken) -> Result<Claim, StoreError> {
        let answer: i64 = scripts()
            .claim
            .key(key)
            .arg(in_flight(token))
            .arg(super::millis(self.lease))
            .arg(DONE)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| super::failure("claim", error))?;
        match answer {
            1 => Ok(Claim::Acquired(token.clone())),
            2 => Ok(Claim::Done),
            3 => Ok(Claim::InFlight),
            other => Err(StoreError::new(format!(
                "the Redis claim script answered {other}, not 1, 2 or 3: is another program \
                 writing keys under the prefix {:?}?",
                self.prefix
            ))),
        }
    }
}

impl DedupStore for RedisDedupStore {
    async fn claim(&self, event_id: &str) -> Result<Claim, StoreError> {
        let token = new_token()?;
        // Until the answer is read, the claim may exist on the server without anyone knowing:
        // if this future is dropped or the answer times out, give it back.
        let mut unanswered = Unanswered {
            settler: self.settler(event_id),
            token: token.clone(),
            armed: true,
        };
        let answer = self.try_claim(&unanswered.settler.key, &token).await;
        unanswered.armed = answer.is_err();
        match answer {
            Err(error) if self.fail_open => {
                #[cfg(feature = "tracing")]
                tracing::warn!(
                    error = %error,
                    "Redis duplicate store unavailable: running the handler unguarded (fail-open)"
                );
                let _ = error;
                Ok(Claim::Acquired(token))
            }
            answer => answer,
        }
    }

    async fn settle(
        &self,
        event_id: &str,
        token: &ClaimToken,
        settle: Settle,
    ) -> Result<Settled, StoreError> {
        self.settler(event_id).run(token, settle).await
    }

    fn settle_detached(&self, event_id: &str, token: ClaimToken, settle: Settle) {
        self.settler(event_id).spawn(token, settle);
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

/// What a settle needs, owned, so it can also run in a spawned task.
#[derive(Clone)]
struct Settler {
    connection: ConnectionManager,
    key: String,
    done_ttl_ms: u64,
}

impl Settler {
    async fn run(mut self, token: &ClaimToken, settle: Settle) -> Result<Settled, StoreError> {
        let (script, operation) = match settle {
            Settle::Complete => (&scripts().complete, "complete"),
            Settle::Release => (&scripts().release, "release"),
        };
        let mut invocation = script.key(&self.key);
        invocation.arg(in_flight(token));
        if settle == Settle::Complete {
            invocation.arg(DONE).arg(self.done_ttl_ms);
        }
        let held: i64 = invocation
            .invoke_async(&mut self.connection)
            .await
            .map_err(|error| super::failure(operation, error))?;
        Ok(if held == 1 {
            Settled::Held
        } else {
            Settled::LeaseLost
        })
    }

    /// Runs the settle in a task on the current Tokio runtime; without one, does nothing (the
    /// claim expires with its lease).
    fn spawn(self, token: ClaimToken, settle: Settle) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let result = self.run(&token, settle).await;
            #[cfg(feature = "tracing")]
            if let Err(error) = &result {
                tracing::warn!(error = %error, "detached settle of a dropped delivery failed");
            }
            let _ = result;
        });
    }
}

/// A claim sent whose answer has not been read; dropped armed, it releases the claim.
struct Unanswered {
    settler: Settler,
    token: ClaimToken,
    armed: bool,
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if self.armed {
            self.settler
                .clone()
                .spawn(self.token.clone(), Settle::Release);
        }
    }
}

fn in_flight(token: &ClaimToken) -> String {
    format!("{IN_FLIGHT}{token}")
}

/// A random 128-bit claim token: unique across processes and machines sharing the Redis.
fn new_token() -> Result<ClaimToken, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| {
        StoreError::new(format!(
            "the operating system gave no random bytes for a claim token: {error}"
        ))
    })?;
    Ok(ClaimToken::from_u128(u128::from_le_bytes(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_print_as_32_hex_digits() {
        let a = new_token().unwrap_or_else(|error| panic!("{error}"));
        let b = new_token().unwrap_or_else(|error| panic!("{error}"));
        assert_ne!(a, b);
        assert_eq!(a.to_string().len(), 32);
        assert_eq!(in_flight(&a), format!("inflight:{a}"));
    }
}
