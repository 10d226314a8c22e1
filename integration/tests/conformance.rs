//! Conformance with Stripe's official SDKs as real clients: stripe-node signs and this crate
//! verifies; this crate signs and stripe-node and stripe-python verify. `.ci/run` installs the
//! pinned SDKs into `target/conformance`; without them these tests fail and say what to
//! install (they never skip).

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};
use stripe_webhooks::testing::signature_header;
use stripe_webhooks::{ErrorKind, Webhook};

const RANDOM_PAYLOADS: usize = 220;

fn sdk_dir() -> PathBuf {
    std::env::var_os("STRIPE_SDK_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/conformance"),
        PathBuf::from,
    )
}

/// Runs `program script` with one JSON request per line and returns one answer per request.
fn drive(program: &str, script: &str, env: (&str, PathBuf), requests: &[Value]) -> Vec<Value> {
    let install = "run `bash .ci/run`, which installs the pinned npm package `stripe` into \
                   target/conformance/node and the PyPI package `stripe` into \
                   target/conformance/python (or set STRIPE_SDK_DIR)";
    assert!(
        env.1.is_dir(),
        "the official Stripe SDK is not installed at {}: {install}",
        env.1.display()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(script);
    let mut child = Command::new(program)
        .arg(&script)
        .env(env.0, &env.1)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot run `{program}` ({error}): install it (Debian: apt-get install nodejs python3), then {install}")
        });
    let mut input = String::new();
    for request in requests {
        input.push_str(&request.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("the SDK driver ran");
    writer
        .join()
        .expect("writer thread")
        .expect("requests written");
    assert!(
        output.status.success(),
        "{program} {} failed: {:?}",
        script.display(),
        output.status
    );
    let mut answers: Vec<Value> = String::from_utf8(output.stdout)
        .expect("utf-8 answers")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON answer"))
        .collect();
    let done = answers.pop().expect("a closing line");
    assert_eq!(done["done"], true, "the driver did not finish: {done}");
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    answers
}

fn node(requests: &[Value]) -> Vec<Value> {
    drive(
        "node",
        "node_sdk.js",
        ("NODE_PATH", sdk_dir().join("node/node_modules")),
        requests,
    )
}

fn python(requests: &[Value]) -> Vec<Value> {
    drive(
        "python3",
        "python_sdk.py",
        ("PYTHONPATH", sdk_dir().join("python")),
        requests,
    )
}

/// A random event-shaped JSON value, with non-ASCII strings and nesting.
fn event_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        "[a-z_]{1,12}".prop_map(Value::from),
    ];
    let object = leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{1,10}|\\PC{1,6}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    (
        "[A-Za-z0-9]{14,24}",
        prop::sample::select(vec![
            "charge.failed",
            "invoice.paid",
            "customer.created",
            "x.y.z",
        ]),
        0i64..2_000_000_000,
        object,
        "\\PC{0,40}",
    )
        .prop_map(|(id, kind, created, object, note)| {
            json!({
                "id": format!("evt_{id}"), "object": "event", "type": kind, "created": created,
                "livemode": false, "note": note, "data": {"object": object},
            })
        })
}

/// Random payloads as bytes (compact or pretty), then the special ones.
fn payloads() -> Vec<Vec<u8>> {
    let mut runner = TestRunner::deterministic();
    let strategy = (event_json(), any::<bool>());
    let mut out: Vec<Vec<u8>> = (0..RANDOM_PAYLOADS)
        .map(|_| {
            let (value, pretty) = strategy.new_tree(&mut runner).expect("a value").current();
            if pretty {
                serde_json::to_vec_pretty(&value).expect("json")
            } else {
                serde_json::to_vec(&value).expect("json")
            }
        })
        .collect();
    out.push(Vec::new());
    out.push(
        "{\"id\":\"evt_ünïcødé\",\"object\":\"event\",\"note\":\"日本語 🎉 \\u0000 ﷽\"}\n"
            .as_bytes()
            .to_vec(),
    );
    out.push(b"{\r\n  \"id\": \"evt_crlf\",\r\n  \"object\": \"event\"\r\n}\r\n".to_vec());
    let big = json!({"id": "evt_big", "object": "event", "data": {"object": {"blob": "é".repeat(100_000)}}});
    let big = serde_json::to_vec(&big).expect("json");
    assert!(big.len() >= 200_000);
    out.push(big);
    out
}

fn secrets(count: usize) -> Vec<String> {
    (0..count)
        .map(|i| match i % 3 {
            0 => format!("whsec_{i:0>32}"),
            1 => format!("whsec_ÄÖÜ_{i}"),
            _ => format!("plain-secret-{i}"),
        })
        .collect()
}

#[test]
fn stripe_node_signs_and_this_crate_verifies() {
    let payloads = payloads();
    let secrets = secrets(payloads.len());
    let requests: Vec<Value> = payloads
        .iter()
        .zip(&secrets)
        .enumerate()
        .map(|(i, (payload, secret))| {
            json!({"op": "sign", "payload_hex": hex::encode(payload), "secret": secret, "timestamp": 1_600_000_000 + i as i64})
        })
        .collect();
    let answers = node(&requests);
    for (i, ((payload, secret), answer)) in payloads.iter().zip(&secrets).zip(&answers).enumerate()
    {
        let header = answer["header"]
            .as_str()
            .unwrap_or_else(|| panic!("#{i}: {answer}"));
        let t = 1_600_000_000 + i as i64;
        let now = time::OffsetDateTime::from_unix_timestamp(t).expect("time");
        let webhook = Webhook::new(secret.as_str());
        assert!(
            webhook.verify_at(payload, header, now).is_ok(),
            "#{i}: {header}"
        );
        // And it is byte for byte what this crate computes.
        assert_eq!(header, signature_header(payload, secret, t), "#{i}");
        let mut tampered = payload.clone();
        tampered.push(b' ');
        assert_eq!(
            webhook
                .verify_at(&tampered, header, now)
                .unwrap_err()
                .kind(),
            ErrorKind::SignatureMismatch
        );
    }
}

/// Requests that ask an SDK to verify what this crate signed: each genuine one, then a forged
/// one (first hex digit of the signature changed).
fn verify_requests(timestamp_of: impl Fn(usize) -> i64) -> (Vec<Value>, usize) {
    let payloads = payloads();
    let secrets = secrets(payloads.len());
    let mut requests = Vec::new();
    for (i, (payload, secret)) in payloads.iter().zip(&secrets).enumerate() {
        let t = timestamp_of(i);
        let header = signature_header(payload, secret, t);
        let forged = flip_first_digit(&header);
        for header in [header, forged] {
            requests.push(json!({"op": "verify", "payload_hex": hex::encode(payload), "secret": secret, "header": header, "timestamp": t}));
        }
    }
    (requests, payloads.len())
}

fn flip_first_digit(header: &str) -> String {
    let (t, signature) = header.split_once(",v1=").expect("a v1 entry");
    let first = if signature.starts_with('0') { '1' } else { '0' };
    format!("{t},v1={first}{}", &signature[1..])
}

fn assert_genuine_accepted_forged_refused(sdk: &str, answers: &[Value], payloads: usize) {
    assert_eq!(answers.len(), payloads * 2);
    for (i, pair) in answers.chunks(2).enumerate() {
        assert_eq!(
            pair[0]["ok"], true,
            "{sdk} refused genuine #{i}: {}",
            pair[0]
        );
        assert_eq!(
            pair[1]["ok"], false,
            "{sdk} accepted forged #{i}: {}",
            pair[1]
        );
    }
}

#[test]
fn this_crate_signs_and_stripe_node_verifies() {
    let (requests, count) = verify_requests(|i| 1_650_000_000 + i as i64);
    assert!(count >= 200);
    assert_genuine_accepted_forged_refused("stripe-node", &node(&requests), count);
}

#[test]
fn this_crate_signs_and_stripe_python_verifies() {
    // stripe-python checks against its own clock, so sign with the current time.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let (requests, count) = verify_requests(|_| now);
    assert!(count >= 200);
    assert_genuine_accepted_forged_refused("stripe-python", &python(&requests), count);
}
