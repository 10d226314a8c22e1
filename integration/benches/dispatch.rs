//! The whole pipeline per event (size check, verify, parse, filter, in-memory duplicate claim,
//! a no-op handler, done) beside its floor on the same bytes: a bare HMAC-SHA256 check plus
//! the envelope parse, the work no pipeline can skip.
//!
//! Every iteration delivers a new event id (signed outside the timing), so each one takes the
//! handled path, and the duplicate store grows to its bound as a busy endpoint's would.
//! Run with `cargo bench -p stripe-webhooks-integration --bench dispatch`.

#[path = "common/floor.rs"]
mod floor;

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{Event, Webhook};

const SECRET: &str = "whsec_bench_secret_0123456789abcdef";
const T: i64 = 1_700_000_000;

/// Polls a future that never waits (in-memory store, no-op handler) to its end.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the benchmarked pipeline never waits"),
    }
}

/// A signed event of about `size` bytes with a fresh id.
fn delivery(size: usize, id: u64) -> (Vec<u8>, String) {
    let head = format!(
        r#"{{"id":"evt_{id:024}","object":"event","type":"invoice.paid","created":{T},"livemode":false,"pending_webhooks":1,"request":{{"id":null,"idempotency_key":null}},"data":{{"object":{{"id":"in_1","object":"invoice","description":""#
    );
    let tail = r#""}}}"#;
    let body = format!(
        "{head}{}{tail}",
        "x".repeat(size.saturating_sub(head.len() + tail.len()))
    );
    let header = signature_header(body.as_bytes(), SECRET, T);
    (body.into_bytes(), header)
}

fn floor(body: &[u8], header: &str) -> bool {
    floor::hmac_floor(SECRET, body, header) && Event::from_slice(body).is_ok()
}

fn dispatch(c: &mut Criterion) {
    let now = time::OffsetDateTime::from_unix_timestamp(T).expect("time");
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), |_event: Event| async {
        Ok::<(), HandlerError>(())
    });
    let mut group = c.benchmark_group("dispatch");
    let mut next_id = 0u64;
    for size in [1024, 4096, 64 * 1024] {
        // The sanity check's id is its own per size, so it is handled, not a duplicate.
        let (body, header) = delivery(size, u64::MAX - size as u64);
        assert!(floor(&body, &header));
        assert_eq!(
            ready(dispatcher.dispatch_at(&body, Some(&header), now)).kind(),
            OutcomeKind::Handled
        );
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("floor_hmac_and_envelope", size),
            &size,
            |b, &size| {
                b.iter_batched(
                    || {
                        next_id += 1;
                        delivery(size, next_id)
                    },
                    |(body, header)| floor(black_box(&body), black_box(&header)),
                    BatchSize::SmallInput,
                )
            },
        );
        group.bench_with_input(BenchmarkId::new("dispatcher", size), &size, |b, &size| {
            b.iter_batched(
                || {
                    next_id += 1;
                    delivery(size, next_id)
                },
                |(body, header)| {
                    let outcome = ready(dispatcher.dispatch_at(
                        black_box(&body),
                        Some(black_box(&header)),
                        now,
                    ));
                    debug_assert_eq!(outcome.kind(), OutcomeKind::Handled);
                    outcome.status()
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
