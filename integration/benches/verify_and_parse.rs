//! `Webhook::verify_and_parse` beside its floor, in the same group on the same bytes.
//!
//! - `envelope`: the floor is one bare HMAC-SHA256 over `"{t}.{payload}"` (as in the verify
//!   bench) plus a serde-derived envelope that borrows every string and keeps `data.object`
//!   as a borrowed `&RawValue`: the least a verifier that hands out the envelope must do with
//!   serde_json. Beside it, `verify_and_parse` (every envelope field, `data.object` kept
//!   byte for byte).
//! - `typed`: the floor is the same HMAC plus `serde_json::from_slice::<Value>`, what a
//!   verifier that parses into `Value` pays; beside it, `verify_and_parse` + `event.object()`.
//!
//! The payloads are invoice events of about 1.2, 4 and 64 KB (an invoice with more line
//! items), and Stripe's `payment_intent.payment_failed` example for the typed path.
//! Run with `cargo bench -p stripe-webhooks-integration --bench verify_and_parse`.

#[path = "common/events.rs"]
mod events;
#[path = "common/floor.rs"]
mod floor;

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{EventObject, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_bench_secret_0123456789abcdef";
const T: i64 = 1_700_000_000;
const PAYMENT_INTENT: &str =
    include_str!("../../tests/fixtures/events/payment_intent.payment_failed.json");

/// The floor's envelope: every field the crate reads, strings borrowed where they can be.
#[derive(Deserialize)]
#[allow(dead_code)] // Read by serde only: the fields are what must be parsed.
struct FloorEvent<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    object: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    created: i64,
    livemode: Option<bool>,
    #[serde(borrow)]
    api_version: Option<Cow<'a, str>>,
    pending_webhooks: Option<i64>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(borrow)]
    account: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: FloorData<'a>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct FloorData<'a> {
    #[serde(borrow)]
    object: &'a RawValue,
    #[serde(borrow)]
    previous_attributes: Option<&'a RawValue>,
}

fn floor_envelope(payload: &[u8], header: &str) -> bool {
    floor::hmac_floor(SECRET, payload, header)
        && serde_json::from_slice::<FloorEvent<'_>>(payload).is_ok()
}

fn floor_value(payload: &[u8], header: &str) -> bool {
    floor::hmac_floor(SECRET, payload, header) && serde_json::from_slice::<Value>(payload).is_ok()
}

/// Each body with its header, named for the group.
fn bodies() -> Vec<(String, Vec<u8>, String)> {
    let mut bodies: Vec<(String, Vec<u8>)> = [1200, 4096, 64 * 1024]
        .into_iter()
        .map(|size| (format!("invoice_{size}"), events::invoice_event(size)))
        .collect();
    let intent: Value = serde_json::from_str(PAYMENT_INTENT).expect("fixture");
    let intent = serde_json::to_vec(&intent).expect("json");
    bodies.push((format!("payment_intent_{}", intent.len()), intent));
    bodies
        .into_iter()
        .map(|(name, body)| {
            let header = signature_header(&body, SECRET, T);
            (name, body, header)
        })
        .collect()
}

fn envelope(c: &mut Criterion) {
    let webhook = Webhook::new(SECRET);
    let now = OffsetDateTime::from_unix_timestamp(T).expect("time");
    let mut group = c.benchmark_group("verify_and_parse");
    for (name, body, header) in bodies() {
        assert!(floor_envelope(&body, &header));
        assert!(webhook.verify_and_parse_at(&body, &header, now).is_ok());
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("floor", &name), &body, |b, body| {
            b.iter(|| floor_envelope(black_box(body), black_box(&header)))
        });
        group.bench_with_input(
            BenchmarkId::new("verify_and_parse", &name),
            &body,
            |b, body| {
                b.iter(|| {
                    webhook
                        .verify_and_parse_at(black_box(body), black_box(&header), now)
                        .is_ok()
                })
            },
        );
    }
    group.finish();
}

fn typed(c: &mut Criterion) {
    let webhook = Webhook::new(SECRET);
    let now = OffsetDateTime::from_unix_timestamp(T).expect("time");
    let mut group = c.benchmark_group("typed");
    for (name, body, header) in bodies() {
        assert!(floor_value(&body, &header));
        let event = webhook
            .verify_and_parse_at(&body, &header, now)
            .expect("event");
        assert!(matches!(
            event.object(),
            Ok(EventObject::Invoice(_) | EventObject::PaymentIntent(_))
        ));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("floor_value", &name), &body, |b, body| {
            b.iter(|| floor_value(black_box(body), black_box(&header)))
        });
        group.bench_with_input(
            BenchmarkId::new("verify_and_parse_object", &name),
            &body,
            |b, body| {
                b.iter(|| {
                    let event = webhook
                        .verify_and_parse_at(black_box(body), black_box(&header), now)
                        .expect("event");
                    event.object().is_ok()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, envelope, typed);
criterion_main!(benches);
