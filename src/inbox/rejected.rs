//! Rejected deliveries kept for debugging, when the user opts in
//! ([`Inbox::keep_rejected_bodies`](super::Inbox::keep_rejected_bodies)): a ring of the
//! newest few, each body cut to [`MAX_REJECTED_BODY`] bytes. They are not trusted input, so
//! the ring's size, not the sender, bounds what they take.

use time::OffsetDateTime;

use super::db::{failed, from_micros, on_db, Db};
use crate::store::StoreError;
use crate::ErrorKind;

/// The most rejected deliveries an inbox keeps.
pub const MAX_KEPT_REJECTED: usize = 1_000;
/// The most bytes of a rejected body kept; the rest is cut.
pub const MAX_REJECTED_BODY: usize = 16 * 1024;
/// The most bytes of a rejected delivery's `Stripe-Signature` header kept.
const MAX_REJECTED_HEADER: usize = 1024;

/// A delivery refused before its event was trusted (a bad signature, a stale timestamp, a
/// body that is not an event), as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RejectedDelivery {
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// Why it was refused.
    pub kind: ErrorKind,
    /// Its `Stripe-Signature` header (cut to 1 KiB), if it had one.
    pub signature: Option<String>,
    /// Its body, cut to [`MAX_REJECTED_BODY`] bytes.
    pub body: Vec<u8>,
    /// Whether `body` was cut.
    pub truncated: bool,
}

/// A rejected delivery on its way to the ring.
#[derive(Debug)]
pub(crate) struct Sample {
    pub(crate) received_at: i64,
    pub(crate) signature: Option<String>,
    pub(crate) body: Vec<u8>,
    pub(crate) truncated: bool,
    /// The ring's size when it was taken.
    pub(crate) keep: usize,
}

impl Sample {
    /// The part of a delivery the ring keeps.
    pub(crate) fn new(
        received_at: i64,
        payload: &[u8],
        signature: Option<&str>,
        keep: usize,
    ) -> Sample {
        let signature = signature.map(|header| {
            let mut end = header.len().min(MAX_REJECTED_HEADER);
            while !header.is_char_boundary(end) {
                end -= 1;
            }
            header[..end].to_owned()
        });
        Sample {
            received_at,
            signature,
            body: payload[..payload.len().min(MAX_REJECTED_BODY)].to_vec(),
            truncated: payload.len() > MAX_REJECTED_BODY,
            keep,
        }
    }
}

/// A row of the ring: received_at, kind, signature, body, truncated.
type KeptRow = (i64, String, Option<String>, Vec<u8>, bool);

/// The kept rejected deliveries, newest first.
pub(crate) async fn read(db: &Db) -> Result<Vec<RejectedDelivery>, StoreError> {
    let rows: Vec<KeptRow> = on_db!(db, pool => sqlx::query_as(
        "SELECT received_at, kind, signature, body, truncated FROM stripe_webhooks_rejected
         ORDER BY id DESC",
    )
    .fetch_all(pool)
    .await
    .map_err(failed("reading rejected deliveries"))?);
    Ok(rows
        .into_iter()
        .filter_map(|(received_at, kind, signature, body, truncated)| {
            // A kind this build does not know was written by a newer one: left out.
            let kind = ErrorKind::ALL
                .into_iter()
                .find(|known| known.as_str() == kind)?;
            Some(RejectedDelivery {
                received_at: from_micros(received_at),
                kind,
                signature,
                body,
                truncated,
            })
        })
        .collect())
}
