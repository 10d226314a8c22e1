//! stripe-webhooks beside async-stripe 0.41 on the same signed events, with the floors, in
//! one process: `bash peers/run.sh` runs this, then the same timing in stripe-node.
//!
//! Each line printed is `payload<TAB>implementation<TAB>microseconds`: the median of seven
//! rounds, each round about 0.2 s of back-to-back calls. Every call verifies a signature made
//! at the current time and parses the whole event, as a webhook endpoint does.

#[path = "../../../integration/benches/common/events.rs"]
mod events;
#[path = "../../../integration/benches/common/floor.rs"]
mod floor;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::Value;
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::Webhook;

const SECRET: &str = "whsec_peers_bench_secret_0123456789";
const PAYMENT_INTENT: &str =
    include_str!("../../../tests/fixtures/events/payment_intent.payment_failed.json");

/// The median time of one call of `call`, in microseconds.
fn time(mut call: impl FnMut() -> bool) -> f64 {
    assert!(call(), "the call must succeed before it is timed");
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < Duration::from_millis(100) {
        black_box(call());
        calls += 1;
    }
    let per_round = (calls * 2).max(1);
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_round {
                black_box(call());
            }
            start.elapsed().as_secs_f64() * 1e6 / per_round as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

/// HMAC-SHA256 over `"{t}.{payload}"`, keyed per call: the floor of the crate's benches.
fn hmac_holds(payload: &[u8], header: &str) -> bool {
    floor::hmac_floor(SECRET, payload, header)
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct FloorEnvelope<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    created: i64,
    #[serde(borrow)]
    data: FloorData<'a>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct FloorData<'a> {
    #[serde(borrow)]
    object: &'a RawValue,
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/peers".to_owned());
    let payloads = Path::new(&out).join("payloads");
    std::fs::create_dir_all(&payloads).expect("payload directory");
    let intent: Value = serde_json::from_str(PAYMENT_INTENT).expect("fixture");
    let mut bodies: Vec<(String, Vec<u8>)> = [1200, 4096, 64 * 1024]
        .into_iter()
        .map(|size| (format!("invoice_{size}"), events::invoice_event(size)))
        .collect();
    let intent = serde_json::to_vec(&intent).expect("json");
    bodies.push((format!("payment_intent_{}", intent.len()), intent));

    let webhook = Webhook::new(SECRET);
    for (name, body) in &bodies {
        std::fs::write(payloads.join(format!("{name}.json")), body).expect("payload");
        let text = std::str::from_utf8(body).expect("utf-8");
        // Signed now: every implementation checks the timestamp against its clock.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let header = signature_header(body, SECRET, now);
        let report = |implementation: &str, micros: f64| {
            println!("{name}\t{implementation}\t{micros:.2}");
        };
        report(
            "floor: HMAC + serde envelope (data.object as &RawValue)",
            time(|| {
                hmac_holds(body, &header) && serde_json::from_slice::<FloorEnvelope>(body).is_ok()
            }),
        );
        report(
            "floor: HMAC + serde_json::Value",
            time(|| hmac_holds(body, &header) && serde_json::from_slice::<Value>(body).is_ok()),
        );
        report(
            "stripe-webhooks: verify_and_parse",
            time(|| webhook.verify_and_parse(body, &header).is_ok()),
        );
        report(
            "stripe-webhooks: verify_and_parse + object()",
            time(|| {
                webhook
                    .verify_and_parse(body, &header)
                    .is_ok_and(|event| event.object().is_ok())
            }),
        );
        match stripe::Webhook::construct_event(text, &header, SECRET) {
            Ok(_) => report(
                "async-stripe 0.41: Webhook::construct_event",
                time(|| stripe::Webhook::construct_event(text, &header, SECRET).is_ok()),
            ),
            Err(error) => eprintln!("{name}: async-stripe 0.41 refuses it: {error}"),
        }
    }
}
