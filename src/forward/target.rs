//! [`Target`]: where forwarded events go, which of them, signed with what, and how it is
//! retried.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::sink::Sink;
use super::{ForwardError, HttpSink};
use crate::dispatch::EventFilter;
use crate::inbox::Backoff;
use crate::{EventType, Secret, Webhook};

/// How long one send may take, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Sends in flight to one target, by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The most sends in flight to one target.
pub const MAX_CONCURRENCY: usize = 256;
const MAX_NAME: usize = 64;

/// One forwarding target: a name (the key of its delivery state in the inbox), a
/// [`Sink`] (an HTTP endpoint, a Redis stream), the event types it takes, the secret its
/// deliveries are signed with, and its own timeout, concurrency and [`Backoff`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use stripe_webhooks::forward::Target;
/// use stripe_webhooks::inbox::Backoff;
///
/// let billing = Target::http("billing", "https://billing.internal/stripe", "whsec_billing")?
///     .enabled_events(["invoice.*", "customer.subscription.*"])
///     .timeout(Duration::from_secs(5))
///     .concurrency(16)
///     .backoff(Backoff::default().max_attempts(50));
/// assert_eq!(billing.name(), "billing");
/// assert!(Target::http("two words", "https://x.internal/", "whsec_x").is_err());
/// # Ok::<(), stripe_webhooks::forward::ForwardError>(())
/// ```
#[derive(Debug)]
pub struct Target {
    name: Arc<str>,
    sink: Sink,
    filter: EventFilter,
    signer: Webhook,
    timeout: Duration,
    concurrency: usize,
    backoff: Backoff,
    /// Woken when this process stores an event for the target, so its forwarder need not wait
    /// for its next poll.
    wake: Notify,
}

impl Target {
    /// A target named `name` that sends to `sink`, signing with `secret`; every event type,
    /// [`DEFAULT_TIMEOUT`], [`DEFAULT_CONCURRENCY`] and the default [`Backoff`] (about four
    /// days of retries, as Stripe's own).
    ///
    /// # Errors
    ///
    /// [`ForwardError::InvalidName`] for a name that is longer than 64 characters, has
    /// characters other than `A-Z a-z 0-9 _ - .`, or no letter or digit (empty, `..`); [`ForwardError::Secret`] for a secret
    /// that cannot sign (empty, or whitespace around it).
    pub fn new(
        name: &str,
        sink: impl Into<Sink>,
        secret: impl Into<Secret>,
    ) -> Result<Target, ForwardError> {
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        // A letter or digit in it keeps `.` and `..` out: as URL path segments (the console's
        // links), they would mean something else.
        if name.len() > MAX_NAME
            || !name.chars().all(valid)
            || !name.chars().any(|c| c.is_ascii_alphanumeric())
        {
            return Err(ForwardError::InvalidName {
                name: name.to_owned(),
            });
        }
        let secret = secret.into();
        secret.check(0).map_err(|source| ForwardError::Secret {
            name: name.to_owned(),
            source,
        })?;
        Ok(Target {
            name: name.into(),
            sink: sink.into(),
            filter: EventFilter::all(),
            signer: Webhook::new(secret),
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            backoff: Backoff::default(),
            wake: Notify::new(),
        })
    }

    /// An HTTP target: [`Target::new`] with [`HttpSink::new(url)`](HttpSink::new).
    ///
    /// # Errors
    ///
    /// As for [`Target::new`] and [`HttpSink::new`].
    pub fn http(name: &str, url: &str, secret: impl Into<Secret>) -> Result<Target, ForwardError> {
        Target::new(name, HttpSink::new(url)?, secret)
    }

    /// A Redis Streams target: [`Target::new`] with
    /// [`RedisStreamSink::new(client, stream)`](super::RedisStreamSink::new).
    ///
    /// # Errors
    ///
    /// As for [`Target::new`].
    #[cfg(feature = "redis")]
    pub fn redis_stream(
        name: &str,
        client: redis::Client,
        stream: &str,
        secret: impl Into<Secret>,
    ) -> Result<Target, ForwardError> {
        Target::new(name, super::RedisStreamSink::new(client, stream), secret)
    }

    /// Takes only these event types (exact, `*`, or `prefix.*`, as
    /// [`Dispatcher::enabled_events`](crate::dispatch::Dispatcher::enabled_events)). Default:
    /// every type the dispatcher stores.
    #[must_use]
    pub fn enabled_events<I, S>(mut self, patterns: I) -> Target
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.filter = EventFilter::new(patterns);
        self
    }

    /// Signs with this secret as well, for the target's secret roll: each delivery carries a
    /// `v1` signature per secret, as Stripe's do, so the target verifies with the old secret
    /// or the new one.
    ///
    /// # Errors
    ///
    /// [`ForwardError::Secret`] for a secret that cannot sign.
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Result<Target, ForwardError> {
        let secret = secret.into();
        secret.check(0).map_err(|source| ForwardError::Secret {
            name: self.name.to_string(),
            source,
        })?;
        self.signer = self.signer.with_secret(secret);
        Ok(self)
    }

    /// How long one send may take before it counts as failed (and is retried). Default
    /// [`DEFAULT_TIMEOUT`]; at least a millisecond. A forward is leased for twice this and a
    /// second, so a forwarder that dies mid-send hands its forwards over after that.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Target {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Sends in flight at once to this target. Default [`DEFAULT_CONCURRENCY`]; from 1 to
    /// [`MAX_CONCURRENCY`].
    #[must_use]
    pub fn concurrency(mut self, sends: usize) -> Target {
        self.concurrency = sends.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// When a failed send is due again, and how many sends a forward gets before it is
    /// `failed`.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Target {
        self.backoff = backoff;
        self
    }

    /// The target's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this target takes events of `event_type`.
    #[must_use]
    pub fn takes(&self, event_type: &EventType) -> bool {
        self.filter.allows(event_type)
    }

    pub(crate) fn name_arc(&self) -> &Arc<str> {
        &self.name
    }

    pub(crate) fn wake(&self) -> &Notify {
        &self.wake
    }

    pub(super) fn sink(&self) -> &Sink {
        &self.sink
    }

    pub(super) fn signer(&self) -> &Webhook {
        &self.signer
    }

    pub(super) fn get_timeout(&self) -> Duration {
        self.timeout
    }

    pub(super) fn get_concurrency(&self) -> usize {
        self.concurrency
    }

    pub(super) fn get_backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// How long a claim holds a forward: the send's timeout twice over and a second, so the
    /// record after a send that used all of its time still falls within the lease.
    pub(super) fn lease(&self) -> Duration {
        self.timeout * 2 + Duration::from_secs(1)
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn debug_shows_no_secret_nor_password() {
        let target = Target::http(
            "billing",
            "https://user:hunter2@billing.internal/h",
            "whsec_s3cr3t",
        )
        .unwrap();
        let shown = format!("{target:?}");
        assert!(shown.contains("billing.internal"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        #[cfg(feature = "redis")]
        {
            let client = redis::Client::open("redis://:hunter2@127.0.0.1:6390/").unwrap();
            let target = Target::redis_stream("queue", client, "events", "whsec_s3cr3t").unwrap();
            let shown = format!("{target:?}");
            assert!(shown.contains("events"), "{shown}");
            assert!(
                !shown.contains("hunter2") && !shown.contains("s3cr3t"),
                "{shown}"
            );
        }
    }

    #[test]
    fn names_are_checked() {
        for name in ["", ".", "..", "two words", "ünï", &"x".repeat(65)] {
            assert!(
                Target::http(name, "http://127.0.0.1:1/", "whsec_x").is_err(),
                "{name:?}"
            );
        }
        for name in ["billing", "risk-v2", "queue_1", "a.b", &"x".repeat(64)] {
            assert!(
                Target::http(name, "http://127.0.0.1:1/", "whsec_x").is_ok(),
                "{name:?}"
            );
        }
        assert!(Target::http("x", "ftp://127.0.0.1/", "whsec_x").is_err());
        assert!(Target::http("x", "not a url", "whsec_x").is_err());
        assert!(Target::http("x", "http://127.0.0.1/", " ").is_err());
    }
}
