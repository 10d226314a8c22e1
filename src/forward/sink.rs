//! [`Sink`]: what a target sends to, and the one send every kind of sink does.

use super::HttpSink;
#[cfg(feature = "redis")]
use super::RedisStreamSink;

/// Where a [`Target`](super::Target) sends its events: made from an [`HttpSink`] or (with
/// the `redis` feature) a [`RedisStreamSink`].
#[derive(Debug)]
pub struct Sink(Kind);

#[derive(Debug)]
enum Kind {
    Http(HttpSink),
    // Boxed: its connection cell and script are several times an HTTP sink's size.
    #[cfg(feature = "redis")]
    RedisStream(Box<RedisStreamSink>),
}

impl From<HttpSink> for Sink {
    fn from(sink: HttpSink) -> Sink {
        Sink(Kind::Http(sink))
    }
}

#[cfg(feature = "redis")]
impl From<RedisStreamSink> for Sink {
    fn from(sink: RedisStreamSink) -> Sink {
        Sink(Kind::RedisStream(Box::new(sink)))
    }
}

/// One event on its way to a target.
#[derive(Debug)]
pub(super) struct Outgoing {
    pub(super) event_id: String,
    pub(super) event_type: String,
    /// The body as Stripe sent it.
    pub(super) body: Vec<u8>,
    /// When Stripe's delivery reached the edge, in Unix seconds.
    pub(super) delivered_at: i64,
    /// Which send to this target this is (1 for the first).
    pub(super) attempt: i64,
    /// `Stripe-Signature` with the target's secret(s), signed now.
    pub(super) signature: String,
}

/// What a send came to.
#[derive(Debug)]
pub(super) struct Sent {
    /// The HTTP status answered, if the sink speaks HTTP.
    pub(super) response_status: Option<u16>,
    /// Why the target did not take it; `None` when it did.
    pub(super) error: Option<String>,
    /// Whether no retry can help (the event cannot be put in a request at all): the forward
    /// fails at once.
    pub(super) permanent: bool,
}

impl Sent {
    pub(super) fn taken(response_status: Option<u16>) -> Sent {
        Sent {
            response_status,
            error: None,
            permanent: false,
        }
    }

    pub(super) fn refused(response_status: Option<u16>, error: String) -> Sent {
        Sent {
            response_status,
            error: Some(error),
            permanent: false,
        }
    }
}

impl Sink {
    /// Sends `outgoing`; never longer than `timeout`.
    pub(super) async fn send(&self, outgoing: &Outgoing, timeout: std::time::Duration) -> Sent {
        match &self.0 {
            Kind::Http(sink) => sink.send(outgoing, timeout).await,
            #[cfg(feature = "redis")]
            Kind::RedisStream(sink) => sink.send(outgoing, timeout).await,
        }
    }
}
