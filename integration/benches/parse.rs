//! Event parsing beside its floor, in the same group on the same bytes:
//! `serde_json::from_slice::<serde_json::Value>` (what a parser that keeps everything must at
//! least do), next to `Event::from_slice` (envelope only, `data.object` kept raw) and
//! `Event::from_slice` + `event.object()` (the typed invoice).
//!
//! The payloads are invoice events of about 1, 4 and 64 KB (an invoice with more line items).
//! Run with `cargo bench -p stripe-webhooks-integration --bench parse`.

#[path = "common/events.rs"]
mod events;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;
use stripe_webhooks::{Event, EventObject};

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for size in [1024, 4096, 64 * 1024] {
        let body = events::invoice_event(size);
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
