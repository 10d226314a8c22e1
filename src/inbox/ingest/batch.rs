//! One commit of the ingest: a batch of deliveries written in one transaction with a
//! statement count that does not grow with the batch (multi-row `VALUES`), except for the
//! deliveries of events already stored, which are rare (Stripe's retries come minutes
//! apart).
//!
//! Several committers may write at once (Postgres), so every statement touches rows in
//! event-id order: two batches that share events then lock them in the same order and cannot
//! deadlock.

use std::collections::BTreeMap;

use sqlx::QueryBuilder;

use super::{Rejection, Row, Stored, MAX_LOGGED_DELIVERIES, REJECTION_MINUTES};
use crate::dispatch::Origin;
use crate::inbox::db::{failed, on_db, Db};
use crate::inbox::entry::{BACKFILLED, BACKFILLED_DUPLICATE, DUPLICATE, FETCHED, STORED};
use crate::store::StoreError;

/// A delivery's `outcome` and `secret_index` in the log. A fetched event has no secret: its
/// index is [`FETCHED`], which no verifier position can be, and its outcome says backfilled.
fn logged_as(origin: Origin, stored: bool) -> (&'static str, i64) {
    match origin {
        Origin::Signed { secret_index } => (
            if stored { STORED } else { DUPLICATE },
            i64::try_from(secret_index).unwrap_or(i64::MAX),
        ),
        Origin::Fetched => (
            if stored {
                BACKFILLED
            } else {
                BACKFILLED_DUPLICATE
            },
            FETCHED,
        ),
    }
}

/// The deliveries of one event within a batch: the indexes of its rows, in arrival order.
struct Event<'a> {
    first: &'a Row,
    rows: Vec<usize>,
}

/// Writes `rows` and the `rejections` counts in one transaction; the answer per row, in order.
pub(super) async fn commit(
    db: &Db,
    rows: &[Row],
    rejections: &[Rejection],
) -> Result<Vec<Stored>, StoreError> {
    let mut events: BTreeMap<&str, Event<'_>> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        events
            .entry(row.event_id.as_str())
            .or_insert(Event {
                first: row,
                rows: Vec::new(),
            })
            .rows
            .push(index);
    }
    let mut counted: BTreeMap<(i64, &'static str), i64> = BTreeMap::new();
    for rejection in rejections {
        *counted
            .entry((rejection.minute, rejection.kind.as_str()))
            .or_default() += 1;
    }
    let samples: Vec<_> = rejections
        .iter()
        .filter_map(|rejection| Some((rejection.kind, rejection.sample.as_ref()?)))
        .collect();
    // (row index, its delivery number for the event, whether it stored the event)
    let mut numbered: Vec<(usize, i64, bool)> = Vec::with_capacity(rows.len());

    on_db!(db, pool => {
        let mut tx = pool.begin().await.map_err(failed("opening a transaction"))?;
        let mut inserted = std::collections::BTreeSet::new();
        if !events.is_empty() {
            let mut insert = QueryBuilder::new(
                "INSERT INTO stripe_webhooks_events
                    (event_id, event_type, api_version, livemode, account, created, body,
                     object_id, status, attempts, lease, due_at, received_at, updated_at, deliveries) ",
            );
            insert.push_values(events.values(), |mut values, event| {
                let row = event.first;
                values
                    .push_bind(row.event_id.as_str())
                    .push_bind(row.event_type.as_str())
                    .push_bind(row.api_version.as_deref())
                    .push_bind(row.livemode)
                    .push_bind(row.account.as_deref())
                    .push_bind(row.created)
                    .push_bind(row.body.as_slice())
                    .push_bind(row.object_id.as_deref())
                    .push("'pending', 0, 0")
                    .push_bind(row.received_at)
                    .push_bind(row.received_at)
                    .push_bind(row.received_at)
                    .push_bind(i64::try_from(event.rows.len()).unwrap_or(i64::MAX));
            });
            insert.push(" ON CONFLICT (event_id) DO NOTHING RETURNING event_id");
            let ids: Vec<String> = insert
                .build_query_scalar()
                .fetch_all(&mut *tx)
                .await
                .map_err(failed("storing events"))?;
            inserted.extend(ids);
        }
        for (id, event) in &events {
            let count = i64::try_from(event.rows.len()).unwrap_or(i64::MAX);
            let stored = inserted.contains(*id);
            let last: i64 = if stored {
                count
            } else {
                sqlx::query_scalar(
                    "UPDATE stripe_webhooks_events SET deliveries = deliveries + $2
                     WHERE event_id = $1 RETURNING deliveries",
                )
                .bind(*id)
                .bind(count)
                .fetch_one(&mut *tx)
                .await
                .map_err(failed("counting a delivery"))?
            };
            for (nth, &index) in (last - count + 1..).zip(&event.rows) {
                numbered.push((index, nth, stored && nth == 1));
            }
        }
        // Each new event's forwards, committed with it: a 200 means they will be sent.
        let forwards: Vec<(&Row, &str)> = events
            .values()
            .filter(|event| inserted.contains(event.first.event_id.as_str()))
            .flat_map(|event| event.first.forwards.iter().map(|target| (event.first, &**target)))
            .collect();
        if !forwards.is_empty() {
            let mut insert = QueryBuilder::new(
                "INSERT INTO stripe_webhooks_forwards
                    (event_id, target, status, due_at, updated_at) ",
            );
            insert.push_values(&forwards, |mut values, (row, target)| {
                values
                    .push_bind(row.event_id.as_str())
                    .push_bind(*target)
                    .push("'pending'")
                    .push_bind(row.received_at)
                    .push_bind(row.received_at);
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(failed("storing forwards"))?;
        }
        // Beyond the first deliveries of an event only the count grows, so a delivery
        // replayed without end cannot grow the log.
        let logged: Vec<_> = numbered
            .iter()
            .filter(|(_, nth, _)| *nth <= MAX_LOGGED_DELIVERIES)
            .collect();
        if !logged.is_empty() {
            let mut log = QueryBuilder::new(
                "INSERT INTO stripe_webhooks_deliveries
                    (event_id, seq, received_at, status, outcome, secret_index) ",
            );
            log.push_values(logged, |mut values, &(index, nth, stored)| {
                let row = &rows[index];
                let (outcome, secret_index) = logged_as(row.origin, stored);
                values
                    .push_bind(row.event_id.as_str())
                    .push_bind(nth)
                    .push_bind(row.received_at)
                    .push("200")
                    .push_bind(outcome)
                    .push_bind(secret_index);
            });
            log.build()
                .execute(&mut *tx)
                .await
                .map_err(failed("logging deliveries"))?;
        }
        if let Some(&(newest, _)) = counted.keys().next_back() {
            for (&(minute, kind), &count) in &counted {
                sqlx::query(
                    "INSERT INTO stripe_webhooks_rejections (minute, kind, count) VALUES ($1, $2, $3)
                     ON CONFLICT (minute, kind)
                     DO UPDATE SET count = stripe_webhooks_rejections.count + excluded.count",
                )
                .bind(minute)
                .bind(kind)
                .bind(count)
                .execute(&mut *tx)
                .await
                .map_err(failed("counting rejected deliveries"))?;
            }
            // Bounded: at most REJECTION_MINUTES minutes of counts, one row per kind each.
            sqlx::query("DELETE FROM stripe_webhooks_rejections WHERE minute < $1")
                .bind(newest - REJECTION_MINUTES)
                .execute(&mut *tx)
                .await
                .map_err(failed("pruning rejection counts"))?;
        }
        if let Some(keep) = samples.iter().map(|(_, sample)| sample.keep).max() {
            let mut insert = QueryBuilder::new(
                "INSERT INTO stripe_webhooks_rejected
                    (received_at, kind, signature, body, truncated) ",
            );
            insert.push_values(&samples, |mut values, (kind, sample)| {
                values
                    .push_bind(sample.received_at)
                    .push_bind(kind.as_str())
                    .push_bind(sample.signature.as_deref())
                    .push_bind(sample.body.as_slice())
                    .push_bind(sample.truncated);
            });
            insert
                .build()
                .execute(&mut *tx)
                .await
                .map_err(failed("keeping rejected deliveries"))?;
            // The ring: only the newest `keep` stay, however many arrive.
            sqlx::query(
                "DELETE FROM stripe_webhooks_rejected WHERE id NOT IN
                    (SELECT id FROM stripe_webhooks_rejected ORDER BY id DESC LIMIT $1)",
            )
            .bind(i64::try_from(keep).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(failed("pruning rejected deliveries"))?;
        }
        tx.commit().await.map_err(failed("committing"))?;
        Ok::<(), StoreError>(())
    })?;

    let mut answers = vec![Stored::Again; rows.len()];
    for (index, _, stored) in numbered {
        if stored {
            answers[index] = Stored::New;
        }
    }
    Ok(answers)
}
