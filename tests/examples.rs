//! The examples as a user runs them: the test-event sender against a real endpoint, the alerting
//! example posting to a real receiver, and every sample event the sender can build.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../examples/common/std_server.rs"]
mod std_server;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
use stripe_webhooks::testing::EventBuilder;
use stripe_webhooks::{Event, EventObject, EventType, Webhook};

fn endpoint(secret: &str, fail_first: usize) -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let dispatcher = Dispatcher::new(Webhook::new(secret), move |_event: Event| {
        let call = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if call < fail_first {
                Err(HandlerError::transient("warming up"))
            } else {
                Ok(())
            }
        }
    });
    let addr = std_server::spawn("127.0.0.1:0", Arc::new(dispatcher)).unwrap();
    (format!("http://{addr}/webhook"), calls)
}

#[test]
fn send_test_event_delivers_repeats_tampers_and_retries() {
    let secret = "whsec_sender_test";
    let (url, calls) = endpoint(secret, 0);
    let stdout = support::run_example(
        "send_test_event",
        &[
            "--url",
            &url,
            "--secret",
            secret,
            "--type",
            "invoice.payment_failed",
            "--repeat",
            "2",
        ],
    );
    assert!(
        stdout.contains("delivery 1, attempt 1: HTTP 200 handled evt_test_"),
        "{stdout}"
    );
    assert!(
        stdout.contains("delivery 2, attempt 1: HTTP 200 duplicate evt_test_"),
        "{stdout}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let output = support::example("send_test_event")
        .args(["--url", &url, "--secret", secret, "--tamper"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("HTTP 400 rejected: no v1 signature matches"),
        "{stdout}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a forgery never reaches the handler"
    );

    let (flaky_url, flaky_calls) = endpoint(secret, 1);
    let output = support::example("send_test_event")
        .args(["--url", &flaky_url, "--type", "charge.failed", "--retry"])
        .env("STRIPE_WEBHOOK_SECRET", secret)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("attempt 1: HTTP 500"), "{stdout}");
    assert!(stdout.contains("attempt 2: HTTP 200 handled"), "{stdout}");
    assert_eq!(flaky_calls.load(Ordering::SeqCst), 2);

    let file = std::env::temp_dir().join(format!("send-test-event-{}.json", std::process::id()));
    std::fs::write(
        &file,
        EventBuilder::new("customer.created")
            .id("evt_from_file")
            .build(),
    )
    .unwrap();
    let output = support::example("send_test_event")
        .args([
            "--url",
            &url,
            "--secret",
            secret,
            "--file",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("HTTP 200 handled evt_from_file"));
    let _ = std::fs::remove_file(file);

    let output = support::example("send_test_event")
        .args(["--secret", secret])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--url is required"));
}

/// A chat-webhook stand-in: records each POSTed body, answers 200.
fn receiver() -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks/billing", listener.local_addr().unwrap());
    let (sent, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap();
                    }
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            sent.send(String::from_utf8(body).unwrap()).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .unwrap();
        }
    });
    (url, received)
}

#[test]
fn failed_payment_alerts_posts_each_failure_as_json() {
    let (url, received) = receiver();
    let stdout = support::run_example("failed_payment_alerts", &["--demo", &url]);
    assert_eq!(stdout.matches("ALERT ").count(), 3, "{stdout}");
    let messages: Vec<serde_json::Value> = (0..3)
        .map(|_| {
            serde_json::from_str(
                &received
                    .recv_timeout(std::time::Duration::from_secs(10))
                    .unwrap(),
            )
            .unwrap()
        })
        .collect();
    let texts: Vec<&str> = messages
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        texts[0].contains("Payment of 20.00 USD failed") && texts[0].contains("insufficient_funds"),
        "{texts:?}"
    );
    assert!(
        texts[1].starts_with("[test mode] Invoice SAMPLE-0001 payment of 29.00 USD failed"),
        "{texts:?}"
    );
    assert!(texts[2].contains("[charge ch_"), "{texts:?}");
}

#[test]
fn every_event_type_has_a_sample_that_parses_into_its_type() {
    for event_type in EventType::ALL {
        let event = EventBuilder::new(event_type.as_str()).to_event().unwrap();
        assert_eq!(event.event_type(), event_type);
        let object = event
            .object()
            .unwrap_or_else(|e| panic!("{event_type}: {e}"));
        // Typed exactly when the sample's `object` string is one this build types (the
        // hand-written resources, plus the families compiled in).
        let kind = event.object_ref().kind;
        let typed = kind
            .as_deref()
            .is_some_and(|kind| EventObject::OBJECT_NAMES.contains(&kind));
        assert_eq!(
            !matches!(object, EventObject::Unknown(_)),
            typed,
            "{event_type}: {:?}",
            object.object_name()
        );
    }
}

#[test]
fn quickstart_serve_keeps_an_endpoint_up_for_curl() {
    use std::process::Stdio;

    let secret = "whsec_quickstart_serve_test";
    let mut child = support::example("quickstart")
        .args(["--serve", "127.0.0.1:0"])
        .env("STRIPE_WEBHOOK_SECRET", secret)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("endpoint listening on ")
        .unwrap()
        .to_owned();
    let printed: Vec<String> = lines.by_ref().take(6).map(Result::unwrap).collect();
    assert!(
        printed.iter().any(|line| line.contains(secret)),
        "{printed:?}"
    );
    assert!(
        printed
            .iter()
            .any(|line| line.contains("curl -i ") && line.contains(&url)),
        "{printed:?}"
    );

    // What the printed curl line does: a signed POST of the sample event.
    let body = EventBuilder::new("payment_intent.payment_failed").build();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let header = stripe_webhooks::testing::signature_header(&body, secret, now);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .post(&url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("Stripe-Signature", &header)
        .send(&body[..])
        .unwrap();
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(text.starts_with("handled evt_test_"), "{text}");
}
