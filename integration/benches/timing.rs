//! A dudect-style statistical timing check: does the time `Webhook::verify_at` takes to reject
//! a forged signature depend on how many leading hex digits of it are right?
//!
//! Run by hand (CI only builds it): `cargo bench -p stripe-webhooks-integration --bench timing [-- --samples N]`.
//!
//! Three classes of forged `v1` signatures for one payload (and a repeat of the first, as an
//! A/A control of the method): the first k = 0, 32 and 63 of the 64 hex digits are right and every other digit is wrong (changed within its own character
//! class, digit for digit and letter for letter, so that hex decoding takes the same path in
//! every class). Measurements of the classes are interleaved in random order, so drift in
//! the machine's speed lands in all classes alike. Welch's t-test compares each pair of classes,
//! on all measurements and on those below the 50th and 90th percentile (dudect's cropping,
//! which removes interrupt and scheduling outliers). |t| < 4.5 is no evidence of a leak. Each
//! input is copied into one shared buffer before it is measured: separate allocations per
//! class sit differently in memory, and that alone showed up as |t| > 10 in an early version.
//!
//! A control runs the same protocol through a deliberately leaky check (HMAC, then a
//! byte-by-byte comparison of the hex text that stops at the first difference): the harness
//! must find that leak, or its "no evidence" verdicts mean nothing.

use std::hint::black_box;
use std::time::Instant;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use stripe_webhooks::{testing, Error, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_timing_check_secret";
const TIMESTAMP: i64 = 1_700_000_000;
/// Right leading digits per class; the last class repeats the first, as an A/A control of
/// the method itself (it must show no difference).
const CLASSES: [usize; 4] = [0, 32, 63, 0];
const THRESHOLD: f64 = 4.5;

/// xorshift64*: a fixed-seed generator for the interleaving (no dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Another hex digit of the same kind: '0'-'9' stay digits, 'a'-'f' stay letters.
fn wrong(digit: u8) -> u8 {
    match digit {
        b'9' => b'8',
        b'f' => b'e',
        other => other + 1,
    }
}

/// The right signature with every digit from `right_digits` on changed.
fn forged(right: &str, right_digits: usize) -> String {
    right
        .bytes()
        .enumerate()
        .map(|(i, b)| if i < right_digits { b } else { wrong(b) })
        .map(char::from)
        .collect()
}

/// The leaky control: HMAC, hex, then a comparison that stops at the first difference.
fn leaky_verify(body: &[u8], timestamp: &str, signature: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    if expected.len() != signature.len() {
        return false;
    }
    for (a, b) in expected.bytes().zip(signature) {
        if a != *b {
            return false;
        }
    }
    true
}

#[derive(Default)]
struct Class {
    times: Vec<f64>,
}

fn mean_var(times: &[f64]) -> (f64, f64) {
    let n = times.len() as f64;
    let mean = times.iter().sum::<f64>() / n;
    let var = times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

fn welch(a: &[f64], b: &[f64]) -> f64 {
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    (ma - mb) / (va / a.len() as f64 + vb / b.len() as f64).sqrt()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

/// Welch's t between two classes, on all samples and cropped below a shared percentile.
fn compare(a: &Class, b: &Class) -> Vec<(&'static str, f64)> {
    let mut pooled: Vec<f64> = a.times.iter().chain(&b.times).copied().collect();
    pooled.sort_by(f64::total_cmp);
    let mut out = vec![("all", welch(&a.times, &b.times))];
    for (name, p) in [("p50", 0.5), ("p90", 0.9)] {
        let cut = percentile(&pooled, p);
        let ca: Vec<f64> = a.times.iter().copied().filter(|t| *t <= cut).collect();
        let cb: Vec<f64> = b.times.iter().copied().filter(|t| *t <= cut).collect();
        if ca.len() > 1000 && cb.len() > 1000 {
            out.push((name, welch(&ca, &cb)));
        }
    }
    out
}

/// Runs `samples` measurements per class in random interleaved order; returns the worst |t|.
fn run(name: &str, samples: usize, mut measure: impl FnMut(usize) -> f64) -> f64 {
    let mut classes: Vec<Class> = CLASSES.iter().map(|_| Class::default()).collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Warm-up: caches, branch predictors, CPU frequency.
    for i in 0..20_000 {
        measure(i % CLASSES.len());
    }
    for _ in 0..samples * CLASSES.len() {
        let class = (rng.next() % CLASSES.len() as u64) as usize;
        let ns = measure(class);
        classes[class].times.push(ns);
    }
    println!("\n{name}");
    for (k, class) in CLASSES.iter().zip(&classes) {
        // (the last line is the A/A repeat of k=0)
        let mut sorted = class.times.clone();
        sorted.sort_by(f64::total_cmp);
        let (mean, var) = mean_var(&class.times);
        println!(
            "  k={k:>2} right digits: n={:>7} mean={mean:>8.1} ns median={:>8.1} ns sd={:>7.1} ns",
            class.times.len(),
            percentile(&sorted, 0.5),
            var.sqrt()
        );
    }
    let mut worst: f64 = 0.0;
    for (i, j) in [(0, 2), (0, 1), (1, 2), (0, 3)] {
        let ts = compare(&classes[i], &classes[j]);
        let line: Vec<String> = ts
            .iter()
            .map(|(crop, t)| format!("{crop}: t={t:+.2}"))
            .collect();
        let label = if j == 3 { " (A/A, same input)" } else { "" };
        println!(
            "  k={} vs k={}{label}: {}",
            CLASSES[i],
            CLASSES[j],
            line.join("  ")
        );
        worst = ts.iter().map(|(_, t)| t.abs()).fold(worst, f64::max);
    }
    let verdict = if worst < THRESHOLD {
        "no evidence of a timing leak"
    } else {
        "TIMING DIFFERENCE between classes"
    };
    println!("  max |t| = {worst:.2} (threshold {THRESHOLD}): {verdict}");
    worst
}

fn main() {
    let mut samples = 300_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--samples" {
            samples = args.next().and_then(|n| n.parse().ok()).unwrap_or(samples);
        }
    }

    // Stripe's published-vector size: a 484-byte body.
    let mut body = br#"{"id":"evt_1","object":"event","type":"customer.created","created":1700000000,"data":{"object":{"id":"cus_1","object":"customer","description":""#.to_vec();
    body.resize(480, b'x');
    body.extend_from_slice(b"\"}}}");
    let header = testing::signature_header(&body, SECRET, TIMESTAMP);
    let right = header[header.find("v1=").expect("v1") + 3..].to_owned();
    let headers: Vec<String> = CLASSES
        .iter()
        .map(|&k| format!("t={TIMESTAMP},v1={}", forged(&right, k)))
        .collect();
    let webhook = Webhook::new(SECRET);
    let now = OffsetDateTime::from_unix_timestamp(TIMESTAMP).expect("a valid time");
    for header in &headers {
        assert!(matches!(
            webhook.verify_at(&body, header, now),
            Err(Error::SignatureMismatch { .. })
        ));
    }
    println!("dudect-style check, {samples} samples per class, interleaved at random");

    let t_crate = run(
        "Webhook::verify_at rejecting forged signatures",
        samples,
        |class| {
            let start = Instant::now();
            let result = webhook.verify_at(black_box(&body), black_box(&headers[class]), now);
            let elapsed = start.elapsed();
            black_box(result.is_err());
            elapsed.as_nanos() as f64
        },
    );

    let timestamp = TIMESTAMP.to_string();
    let forged_hex: Vec<Vec<u8>> = CLASSES
        .iter()
        .map(|&k| forged(&right, k).into_bytes())
        .collect();
    let t_control = run(
        "control: HMAC + early-exit comparison (leaky on purpose)",
        samples,
        |class| {
            let start = Instant::now();
            let ok = leaky_verify(
                black_box(&body),
                black_box(&timestamp),
                black_box(&forged_hex[class]),
            );
            let elapsed = start.elapsed();
            black_box(ok);
            elapsed.as_nanos() as f64
        },
    );

    println!(
        "\nverdict: verify_at max |t| = {t_crate:.2} ({}); control max |t| = {t_control:.2} ({})",
        if t_crate < THRESHOLD {
            "constant time: no evidence of a leak"
        } else {
            "possible leak"
        },
        if t_control >= THRESHOLD {
            "leak found: the check has power"
        } else {
            "leak not found: too noisy, rerun with more samples"
        },
    );
}
