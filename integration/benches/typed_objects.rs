//! `event.object()` for each of the 14 hand-written resources, on Stripe's own example of it
//! (`shared/stripe/fixtures/objects/<kind>.json`), beside the floor measured in the same run:
//! `serde_json::from_str::<Value>` on the same bytes.
//!
//! ```text
//! cargo bench -p stripe-webhooks-integration --bench typed_objects
//! ```
//!
//! Written so that it runs unchanged on older commits, to compare before and after.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;
use stripe_webhooks::{Event, EventObject};

const KINDS: [&str; 14] = [
    "charge",
    "checkout.session",
    "customer",
    "dispute",
    "invoice",
    "invoice_payment",
    "payment_intent",
    "payment_method",
    "payout",
    "price",
    "product",
    "refund",
    "setup_intent",
    "subscription",
];

fn event_of(kind: &str) -> Option<Event> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/stripe/fixtures/objects")
        .join(format!("{kind}.json"));
    let object = std::fs::read_to_string(path).ok()?;
    let body = format!(
        r#"{{"id":"evt_1","object":"event","type":"{kind}.updated","created":1700000000,"livemode":false,"data":{{"object":{object}}}}}"#
    );
    Some(Event::from_slice(body.as_bytes()).expect("an envelope"))
}

fn objects(c: &mut Criterion) {
    let mut group = c.benchmark_group("typed_objects");
    for kind in KINDS {
        let Some(event) = event_of(kind) else {
            eprintln!("no shared fixture for {kind}: skipped");
            continue;
        };
        let typed = event.object().expect("typed");
        assert!(!matches!(typed, EventObject::Unknown(_)), "{kind} is typed");
        let bytes = event.object_raw().get();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("object", kind), &event, |b, event| {
            b.iter(|| black_box(event).object())
        });
        group.bench_with_input(BenchmarkId::new("value_floor", kind), bytes, |b, bytes| {
            b.iter(|| serde_json::from_str::<Value>(black_box(bytes)))
        });
    }
    group.finish();
}

criterion_group!(benches, objects);
criterion_main!(benches);
