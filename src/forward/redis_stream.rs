//! [`RedisStreamSink`]: add each event to a Redis stream, once, for queue consumers.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::Script;
use tokio::sync::OnceCell;

use super::sink::{Outgoing, Sent};

/// How long a stream remembers that it has an event, by default: beyond the inbox's default
/// backoff (about four days), so a retry never adds an event twice.
pub const DEFAULT_DEDUP_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// Adds the entry unless the event's marker says it is there already; the marker holds the
/// entry's id. Atomic: a forwarder that dies between the two writes cannot leave one alone.
/// KEYS: stream, marker. ARGV: marker ttl (ms), max length (0: none), then field, value, ….
const ADD_ONCE: &str = r"
local known = redis.call('GET', KEYS[2])
if known then return known end
local id
if tonumber(ARGV[2]) > 0 then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
else
  id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
end
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
return id
";

/// A Redis stream that forwarded events are added to (`XADD`), one entry per event with the
/// fields `id` (the event id), `type`, `delivered_at` (when Stripe delivered it, Unix
/// seconds), `attempt`, `signature` (a `Stripe-Signature` header with the target's secret) and
/// `body` (the bytes Stripe sent). Read it with a consumer group (`XREADGROUP`, `XACK`).
///
/// An event is added at most once: a marker key beside the stream (`{stream}:seen:<event id>`,
/// in the stream's hash slot) remembers it for [`dedup_for`](RedisStreamSink::dedup_for), so a
/// forwarder that dies after the `XADD` and before its record does not add it again.
///
/// The signature is made when the entry is added: a consumer that reads a backlog verifies it
/// as of that time, which the entry id holds (its first part is the time in milliseconds):
/// `webhook.verify_at(body, signature, added_at)`.
pub struct RedisStreamSink {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    stream: String,
    marker_prefix: String,
    dedup_for: Duration,
    max_len: u64,
    script: Script,
}

impl RedisStreamSink {
    /// A sink that adds to the stream `stream` of the Redis server `client` connects to; it
    /// connects on the first send.
    #[must_use]
    pub fn new(client: redis::Client, stream: &str) -> RedisStreamSink {
        // The markers go in the stream's hash slot (Redis Cluster): a key with a hash tag
        // hashes the tag, which the markers then share; one without hashes its whole name,
        // which the markers take as their tag.
        let marker_prefix = if has_hash_tag(stream) {
            format!("{stream}:seen:")
        } else {
            format!("{{{stream}}}:seen:")
        };
        RedisStreamSink {
            client,
            connection: OnceCell::new(),
            stream: stream.to_owned(),
            marker_prefix,
            dedup_for: DEFAULT_DEDUP_FOR,
            max_len: 0,
            script: Script::new(ADD_ONCE),
        }
    }

    /// How long the stream remembers an event it has. Default [`DEFAULT_DEDUP_FOR`]; at least
    /// a millisecond.
    #[must_use]
    pub fn dedup_for(mut self, ttl: Duration) -> RedisStreamSink {
        self.dedup_for = ttl.max(Duration::from_millis(1));
        self
    }

    /// Trims the stream to about `entries` (`MAXLEN ~`) as entries are added: bounds the
    /// memory a stream takes when consumers fall behind, at the price of the oldest entries.
    /// Default: no trimming.
    #[must_use]
    pub fn max_len(mut self, entries: u64) -> RedisStreamSink {
        self.max_len = entries;
        self
    }

    /// The stream's key.
    #[must_use]
    pub fn stream(&self) -> &str {
        &self.stream
    }

    pub(super) async fn send(&self, outgoing: &Outgoing, timeout: Duration) -> Sent {
        let added = tokio::time::timeout(timeout, self.add(outgoing)).await;
        match added {
            Ok(Ok(_id)) => Sent::taken(None),
            Ok(Err(error)) => Sent::refused(None, format!("Redis XADD failed: {error}")),
            Err(_) => Sent::refused(None, format!("Redis did not answer within {timeout:?}")),
        }
    }

    async fn add(&self, outgoing: &Outgoing) -> Result<String, redis::RedisError> {
        let connection = self
            .connection
            .get_or_try_init(|| {
                ConnectionManager::new_with_config(
                    self.client.clone(),
                    crate::store::redis::connection_config(),
                )
            })
            .await?;
        let mut invocation = self.script.key(&self.stream);
        invocation
            .key(format!("{}{}", self.marker_prefix, outgoing.event_id))
            .arg(crate::store::redis::millis(self.dedup_for))
            .arg(self.max_len)
            .arg("id")
            .arg(&outgoing.event_id)
            .arg("type")
            .arg(&outgoing.event_type)
            .arg("delivered_at")
            .arg(outgoing.delivered_at)
            .arg("attempt")
            .arg(outgoing.attempt)
            .arg("signature")
            .arg(&outgoing.signature)
            .arg("body")
            .arg(outgoing.body.as_slice());
        invocation.invoke_async(&mut connection.clone()).await
    }
}

/// Leaves the client out: its connection info holds the Redis password.
impl std::fmt::Debug for RedisStreamSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStreamSink")
            .field("stream", &self.stream)
            .field("dedup_for", &self.dedup_for)
            .field("max_len", &self.max_len)
            .finish_non_exhaustive()
    }
}

/// Whether Redis Cluster hashes `key` by a tag: a `{` followed later by a `}` with something
/// between them.
fn has_hash_tag(key: &str) -> bool {
    key.split_once('{')
        .and_then(|(_, rest)| rest.find('}'))
        .is_some_and(|end| end > 0)
}

#[cfg(test)]
mod tests {
    use super::has_hash_tag;

    #[test]
    fn hash_tags_as_redis_cluster_reads_them() {
        assert!(has_hash_tag("{billing}.events"));
        assert!(has_hash_tag("events{x}"));
        assert!(!has_hash_tag("stripe-events"));
        assert!(!has_hash_tag("{}events"));
        assert!(!has_hash_tag("events{"));
    }
}
