//! Event parsing beside its floor, in the same group on the same bytes:
//! `serde_json::from_slice::<serde_json::Value>` (what a parser that keeps everything must at
//! least do), next to `Event::from_slice` (envelope only, `data.object` kept raw) and
//! `Event::from_slice` + `event.object()` (the typed invoice).
//!
//! The payloads are invoice events of about 1, 4 and 64 KB (an invoice with more line items).
//! Run with `cargo bench -p stripe-webhooks-integration --bench parse`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;
use stripe_webhooks::{Event, EventObject};

const FIXTURE: &str = include_str!("../../tests/fixtures/events/invoice.payment_failed.basil.json");

/// The crate's invoice event, its line items repeated until the body is about `size` bytes
/// (or trimmed, and its description padded, to reach small sizes).
fn invoice_event(size: usize) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(FIXTURE).expect("fixture");
    let lines = event["data"]["object"]["lines"]["data"].clone();
    let line = lines[0].clone();
    let compact = |e: &Value| serde_json::to_vec(e).expect("json");
    let mut count = 1;
    while compact(&event).len() + 1200 < size {
        count += 1;
        let mut next = line.clone();
        next["id"] = Value::from(format!("il_{count:08}"));
        event["data"]["object"]["lines"]["data"]
            .as_array_mut()
            .expect("array")
            .push(next);
    }
    if compact(&event).len() > size {
        // Too big even with one line: drop optional bulk.
        for key in [
            "automatic_tax",
            "status_transitions",
            "payment_settings",
            "lines",
        ] {
            if compact(&event).len() > size {
                event["data"]["object"]
                    .as_object_mut()
                    .expect("object")
                    .remove(key);
            }
        }
    }
    let missing = size.saturating_sub(compact(&event).len());
    event["data"]["object"]["description"] = Value::from("x".repeat(missing.saturating_sub(2)));
    compact(&event)
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for size in [1024, 4096, 64 * 1024] {
        let body = invoice_event(size);
        let event = Event::from_slice(&body).expect("an event");
        assert!(matches!(event.object(), Ok(EventObject::Invoice(_))));
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("floor_value", size), &body, |b, body| {
            b.iter(|| serde_json::from_slice::<Value>(black_box(body)).is_ok())
        });
        group.bench_with_input(BenchmarkId::new("envelope", size), &body, |b, body| {
            b.iter(|| Event::from_slice(black_box(body)).is_ok())
        });
        group.bench_with_input(
            BenchmarkId::new("envelope_and_object", size),
            &body,
            |b, body| {
                b.iter(|| {
                    let event = Event::from_slice(black_box(body)).expect("event");
                    event.object().is_ok()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
