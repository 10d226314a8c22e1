//! [`RedisOrderingStore`]: the newest `created` per object, shared by every instance, in Redis.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::Script;

use crate::store::{Freshness, OrderingStore, StoreError, DEFAULT_DONE_TTL};

/// Compares `ARGV[1]` with the time kept at `KEYS[1]` and keeps it (for `ARGV[2]` ms) unless it
/// is not newer; answers `{code, previous}`: 0 first, 1 newer, 2 same second, 3 stale. Atomic
/// on the server, so two instances never both see themselves as the newest.
const ADVANCE_SCRIPT: &str = r"
local created = tonumber(ARGV[1])
local previous = redis.call('GET', KEYS[1])
local kept = previous and tonumber(previous)
if kept then
  if created < kept then return {3, previous} end
  if created == kept then return {2, previous} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if kept then return {1, previous} end
return {0, ''}
";

fn script() -> &'static Script {
    static SCRIPT: OnceLock<Script> = OnceLock::new();
    SCRIPT.get_or_init(|| Script::new(ADVANCE_SCRIPT))
}

/// An [`OrderingStore`] in Redis, so that [`EventOrder`](crate::store::EventOrder) sees the events
/// applied by every instance of the endpoint.
///
/// Each object is one key, `{prefix}newest:{object}` (see [`key`](RedisOrderingStore::key)),
/// holding the `created` time of the newest event applied to it, kept for the TTL
/// (default [`DEFAULT_DONE_TTL`], a little over Stripe's three days of retries, after which no
/// older event of the object can still arrive). [`advance`](OrderingStore::advance) is one Lua
/// script, atomic on the server. Times are compared as Lua numbers, exact for any `created`
/// within ±2⁵³ seconds (every real one).
///
/// When Redis cannot be reached, `advance` returns a [`StoreError`]; your handler decides, and
/// returning it as [`HandlerError::transient`](crate::dispatch::HandlerError::transient) has
/// Stripe retry the delivery later.
///
/// # Examples
///
/// ```no_run
/// use stripe_webhooks::store::{EventOrder, RedisDedupStore, RedisOrderingStore};
///
/// # async fn run() -> Result<(), stripe_webhooks::store::StoreError> {
/// let dedup = RedisDedupStore::connect("redis://127.0.0.1:6379/").await?;
/// // One connection for both stores.
/// let order = EventOrder::with_store(RedisOrderingStore::with_connection(
///     dedup.connection().clone(),
/// ));
/// # let _ = order;
/// # Ok(())
/// # }
/// ```
pub struct RedisOrderingStore {
    connection: ConnectionManager,
    prefix: String,
    ttl: Duration,
}

impl RedisOrderingStore {
    /// Connects to the Redis server at `url` with
    /// [`RedisDedupStore::connection_config`](crate::store::RedisDedupStore::connection_config),
    /// with the default prefix
    /// ([`RedisDedupStore::DEFAULT_PREFIX`](crate::store::RedisDedupStore::DEFAULT_PREFIX)) and
    /// TTL.
    ///
    /// Call it inside a Tokio runtime: the connection runs on it.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] when the URL is invalid or the server cannot be reached now.
    pub async fn connect(url: &str) -> Result<RedisOrderingStore, StoreError> {
        let connection = super::open(url, super::connection_config()).await?;
        Ok(RedisOrderingStore::with_connection(connection))
    }

    /// A store on a connection you made, or one shared with a
    /// [`RedisDedupStore`](crate::store::RedisDedupStore)
    /// ([`RedisDedupStore::connection`](crate::store::RedisDedupStore::connection)).
    #[must_use]
    pub fn with_connection(connection: ConnectionManager) -> RedisOrderingStore {
        RedisOrderingStore {
            connection,
            prefix: super::DEFAULT_PREFIX.to_owned(),
            ttl: DEFAULT_DONE_TTL,
        }
    }

    /// Namespaces every key with `prefix` (default
    /// [`RedisDedupStore::DEFAULT_PREFIX`](crate::store::RedisDedupStore::DEFAULT_PREFIX)).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> RedisOrderingStore {
        self.prefix = prefix.into();
        self
    }

    /// How long the newest time of an object is kept after it was last advanced (default
    /// [`DEFAULT_DONE_TTL`]). Rounded up to whole milliseconds, at least one.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> RedisOrderingStore {
        self.ttl = ttl;
        self
    }

    fn parse_time(&self, key: &str, kept: &str) -> Result<i64, StoreError> {
        kept.parse::<i64>().map_err(|_| {
            StoreError::new(format!(
                "the Redis key {} holds {kept:?}, not a time in seconds: is another program \
                 writing keys under the prefix {:?}?",
                self.key(key),
                self.prefix
            ))
        })
    }

    /// The Redis key of an ordering key (`subscription/sub_1`): `{prefix}newest:{key}`.
    #[must_use]
    pub fn key(&self, key: &str) -> String {
        format!("{}newest:{key}", self.prefix)
    }
}

impl OrderingStore for RedisOrderingStore {
    async fn newest(&self, key: &str) -> Result<Option<i64>, StoreError> {
        let kept: Option<String> = redis::cmd("GET")
            .arg(self.key(key))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(|error| super::failure("ordering read", error))?;
        kept.map(|kept| self.parse_time(key, &kept)).transpose()
    }

    async fn advance(&self, key: &str, created: i64) -> Result<Freshness, StoreError> {
        let (code, previous): (i64, String) = script()
            .key(self.key(key))
            .arg(created)
            .arg(super::millis(self.ttl))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(|error| super::failure("ordering advance", error))?;
        let previous = || self.parse_time(key, &previous);
        match code {
            0 => Ok(Freshness::First),
            1 => Ok(Freshness::Newer {
                previous: previous()?,
            }),
            2 => Ok(Freshness::SameSecond),
            3 => Ok(Freshness::Stale {
                newest: previous()?,
            }),
            other => Err(StoreError::new(format!(
                "the Redis ordering script answered {other}, not 0 to 3"
            ))),
        }
    }
}

impl fmt::Debug for RedisOrderingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection: its address may carry a password.
        f.debug_struct("RedisOrderingStore")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}
