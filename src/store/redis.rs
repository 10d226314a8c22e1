//! The Redis backends, for several instances of one endpoint, and the connection code they
//! share.

mod dedup;
mod ordering;

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError};

pub use dedup::RedisDedupStore;
pub use ordering::RedisOrderingStore;

use super::StoreError;

/// The key prefix both Redis stores use unless told otherwise.
pub(crate) const DEFAULT_PREFIX: &str = "stripe-webhooks:";

/// 1 s to connect, 1 s for each answer, one retry (after 100 ms) when reconnecting: they bound
/// how long a delivery waits for a Redis that is down or does not answer.
pub(crate) fn connection_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(1)))
        .set_number_of_retries(1)
        .set_min_delay(Duration::from_millis(100))
        .set_max_delay(Duration::from_secs(1))
}

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
        .map_err(|error| failure("connect", error))
}

/// A Redis failure as a [`StoreError`] that says what to check, with the Redis error as
/// source.
pub(crate) fn failure(operation: &str, error: RedisError) -> StoreError {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_up_and_never_reach_zero() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_nanos(1)), 1);
        assert_eq!(millis(Duration::from_micros(1500)), 2);
        assert_eq!(millis(Duration::from_secs(73 * 3600)), 262_800_000);
        assert_eq!(millis(Duration::MAX), 1 << 62);
    }
}
