//! `Webhook::verify` beside its floor, measured in the same group on the same bytes: one bare
//! HMAC-SHA256 over `"{t}.{payload}"` plus the hex decode of the header's signature, the least
//! work any Stripe verifier must do.
//!
//! Run with `cargo bench -p stripe-webhooks-integration --bench verify`.

#[path = "common/floor.rs"]
mod floor;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::Webhook;

const SECRET: &str = "whsec_bench_secret_0123456789abcdef";
const T: i64 = 1_700_000_000;

/// A JSON event body of about `size` bytes.
fn payload(size: usize) -> Vec<u8> {
    let head = r#"{"id":"evt_bench","object":"event","type":"invoice.paid","created":1700000000,"livemode":false,"data":{"object":{"id":"in_1","object":"invoice","description":""#;
    let tail = r#""}}}"#;
    let filler = size.saturating_sub(head.len() + tail.len());
    format!("{head}{}{tail}", "x".repeat(filler)).into_bytes()
}

fn floor(payload: &[u8], header: &str) -> bool {
    floor::hmac_floor(SECRET, payload, header)
}

fn verify(c: &mut Criterion) {
    let webhook = Webhook::new(SECRET);
    let now = time::OffsetDateTime::from_unix_timestamp(T).expect("time");
    let mut group = c.benchmark_group("verify");
    for size in [1024, 4096, 64 * 1024] {
        let body = payload(size);
        let header = signature_header(&body, SECRET, T);
        assert!(floor(&body, &header));
        assert!(webhook.verify_at(&body, &header, now).is_ok());
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("floor_hmac_sha256", size),
            &body,
            |b, body| b.iter(|| floor(black_box(body), black_box(&header))),
        );
        group.bench_with_input(
            BenchmarkId::new("webhook_verify", size),
            &body,
            |b, body| {
                b.iter(|| {
                    webhook
                        .verify_at(black_box(body), black_box(&header), now)
                        .is_ok()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
