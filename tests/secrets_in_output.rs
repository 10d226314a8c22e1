//! No secret and no expected signature ever reaches a message: this triggers every `Error`
//! variant it can (and builds the rest), runs the dispatcher to every `Outcome`, then greps
//! each `Display`, `Debug` (plain and `{:#?}`) and `source()` chain, and the `Debug` of
//! `Webhook`, `Secret`, `Verified`, `Dispatcher` and its metrics, for the secrets used, their
//! bare and hex forms, and the right signature of every payload at every timestamp used.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeSet, HashSet};
use std::error::Error as _;
use std::fmt::{Debug, Display};
use std::sync::Arc;

use pollster::block_on;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, Outcome};
use stripe_webhooks::store::{Claim, DedupStore, MemoryDedupStore};
use stripe_webhooks::testing::{signature_header, SignatureHeader};
use stripe_webhooks::{Error, ErrorKind, Event, Secret, ThinEvent, Webhook};
use support::stores::Down;
use time::OffsetDateTime;

const SECRET: &str = "whsec_Zq8vN3kLmP0xR7tY2wB5cF9hJ4";
const OLD_SECRET: &str = "whsec_oldRoll6Gd1sA8eK3uV0nT5yQ";
const OTHER_SECRET: &str = "whsec_wrongEndpoint7Hx2Mc9Lp4";
const NOW: i64 = 1_700_000_000;
const TIMESTAMPS: [i64; 4] = [NOW, NOW - 1_000, NOW + 1_000, 0];
const EVENT: &[u8] = br#"{"id":"evt_1","object":"event","type":"charge.failed","created":1700000000,"data":{"object":{"id":"ch_1","object":"charge","amount":"not a number"}}}"#;
const THIN: &[u8] =
    br#"{"id":"evt_2","object":"v2.core.event","type":"v1.x","created":"2024-09-17T06:20:52Z"}"#;

fn at(unix_seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_seconds).unwrap()
}

#[derive(Default)]
struct Printed(Vec<String>);

impl Printed {
    fn debug(&mut self, value: &impl Debug) {
        self.0.push(format!("{value:?}"));
        self.0.push(format!("{value:#?}"));
    }

    fn error(&mut self, error: &Error) {
        self.0.push(error.to_string());
        self.debug(error);
        let mut source = error.source();
        while let Some(inner) = source {
            self.0.push(inner.to_string());
            source = inner.source();
        }
    }

    fn outcome(&mut self, outcome: &Outcome) {
        self.0.push(outcome.to_string());
        self.0.push(outcome.to_string());
        self.debug(outcome);
        if let Outcome::Rejected(error) = outcome {
            self.error(error);
        }
    }

    fn display(&mut self, value: &impl Display) {
        self.0.push(value.to_string());
    }
}

fn every_failure() -> (Printed, HashSet<ErrorKind>) {
    let mut printed = Printed::default();
    let mut kinds = HashSet::new();
    let webhook = Webhook::new(SECRET).with_secret(OLD_SECRET);
    let good = signature_header(EVENT, SECRET, NOW);
    let v1 = |payload: &[u8], secret: &str, t: i64| {
        let header = signature_header(payload, secret, t);
        header[header.find(",").unwrap() + 1..].to_owned()
    };

    let mut failures: Vec<Result<(), Error>> = vec![
        Webhook::new("").verify_at(EVENT, &good, at(NOW)).map(drop),
        Webhook::new("")
            .with_secret(" \n")
            .verify_at(EVENT, &good, at(NOW))
            .map(drop),
        Webhook::new(format!("{SECRET}\n"))
            .verify_at(EVENT, &good, at(NOW))
            .map(drop),
        Secret::new(format!(" {OLD_SECRET}")).map(drop),
        webhook.verify_at(EVENT, "", at(NOW)).map(drop),
        webhook
            .verify_at(EVENT, &format!("{good},{}", "x".repeat(9_000)), at(NOW))
            .map(drop),
        webhook
            .verify_at(EVENT, &format!("{good}{}", ",x".repeat(70)), at(NOW))
            .map(drop),
        webhook
            .verify_at(EVENT, &v1(EVENT, SECRET, NOW), at(NOW))
            .map(drop),
        webhook
            .verify_at(EVENT, &format!("{good},t={NOW}"), at(NOW))
            .map(drop),
        webhook
            .verify_at(EVENT, &format!("t=-1,{}", v1(EVENT, SECRET, NOW)), at(NOW))
            .map(drop),
        webhook
            .verify_at(EVENT, &format!("t={NOW}"), at(NOW))
            .map(drop),
        webhook
            .verify_at(
                EVENT,
                &signature_header(EVENT, SECRET, NOW - 1_000),
                at(NOW),
            )
            .map(drop),
        webhook
            .verify_at(
                EVENT,
                &signature_header(EVENT, OLD_SECRET, NOW + 1_000),
                at(NOW),
            )
            .map(drop),
        webhook
            .verify_at(EVENT, &signature_header(EVENT, OTHER_SECRET, NOW), at(NOW))
            .map(drop),
        webhook.verify_at(b"{}", &good, at(NOW)).map(drop),
        webhook
            .verify_at(
                EVENT,
                &SignatureHeader::new(NOW)
                    .forged(EVENT, SECRET)
                    .forged(EVENT, OLD_SECRET)
                    .to_string(),
                at(NOW),
            )
            .map(drop),
        webhook
            .verify_and_parse_at(
                b"{not json",
                &signature_header(b"{not json", SECRET, NOW),
                at(NOW),
            )
            .map(drop),
        webhook
            .verify_and_parse_at(b"[1]", &signature_header(b"[1]", SECRET, NOW), at(NOW))
            .map(drop),
        webhook
            .verify_and_parse_at(THIN, &signature_header(THIN, SECRET, NOW), at(NOW))
            .map(drop),
        webhook
            .verify_and_parse_thin_at(EVENT, &good, at(NOW))
            .map(drop),
        Event::from_slice(EVENT).unwrap().object_strict().map(drop),
        ThinEvent::from_slice(b"{\"object\":\"v2.core.event\"}").map(drop),
    ];
    // Errors only the integrations raise, built directly.
    failures.push(Err(Error::HeaderRepeated { count: 2 }));
    failures.push(Err(Error::HeaderNotAscii));
    for failure in &failures {
        let error = failure.as_ref().unwrap_err();
        kinds.insert(error.kind());
        printed.error(error);
        printed.display(&error.kind());
    }

    // The dispatcher, to every outcome.
    let store = Arc::new(MemoryDedupStore::new());
    let dispatcher = Dispatcher::new(webhook.clone(), |event: Event| async move {
        match event.id() {
            "evt_transient" => Err(HandlerError::transient("database unavailable")),
            "evt_permanent" => Err(HandlerError::permanent("no such customer")),
            "evt_panic" => panic!("handler bug"),
            _ => Ok(()),
        }
    })
    .enabled_events(["charge.*"])
    .dedup_store(Arc::clone(&store))
    .max_body_size(4096);
    let body = |id: &str, kind: &str| {
        format!(
            r#"{{"id":"{id}","object":"event","type":"{kind}","created":1700000000,"data":{{"object":{{}}}}}}"#
        )
    };
    let mut deliveries: Vec<(Vec<u8>, Option<String>)> = vec![(EVENT.to_vec(), None)];
    for (id, kind) in [
        ("evt_ok", "charge.failed"),
        ("evt_ok", "charge.failed"),
        ("evt_ignored", "invoice.paid"),
        ("evt_transient", "charge.failed"),
        ("evt_permanent", "charge.failed"),
        ("evt_panic", "charge.failed"),
        ("evt_in_flight", "charge.failed"),
    ] {
        let payload = body(id, kind).into_bytes();
        let header = signature_header(&payload, SECRET, NOW);
        deliveries.push((payload, Some(header)));
    }
    deliveries.push((vec![b' '; 5000], Some(good.clone())));
    deliveries.push((
        EVENT.to_vec(),
        Some(signature_header(EVENT, OTHER_SECRET, NOW)),
    ));
    assert!(matches!(
        block_on(store.claim("evt_in_flight")).unwrap(),
        Claim::Acquired(_)
    ));
    let mut labels = BTreeSet::new();
    for (payload, header) in &deliveries {
        let outcome = block_on(dispatcher.dispatch_at(payload, header.as_deref(), at(NOW)));
        labels.insert(outcome.kind().as_str());
        if let Outcome::Rejected(error) = &outcome {
            kinds.insert(error.kind());
        }
        printed.outcome(&outcome);
    }
    let down = Dispatcher::new(webhook.clone(), |_event: Event| async {
        Ok::<(), HandlerError>(())
    })
    .dedup_store(Down);
    let outcome = block_on(down.dispatch_at(EVENT, Some(&good), at(NOW)));
    labels.insert(outcome.kind().as_str());
    printed.outcome(&outcome);
    assert_eq!(
        labels.into_iter().collect::<Vec<_>>(),
        [
            "duplicate",
            "failed_permanent",
            "failed_transient",
            "handled",
            "ignored",
            "in_progress",
            "panicked",
            "rejected",
            "store_unavailable"
        ]
    );

    printed.debug(&dispatcher);
    printed.debug(&down);
    printed.debug(&dispatcher.metrics());
    printed.debug(&webhook);
    printed.debug(&Secret::new(SECRET).unwrap());
    printed.debug(&Secret::from(OTHER_SECRET));
    printed.debug(&webhook.verify_at(EVENT, &good, at(NOW)).unwrap());
    printed.debug(
        &webhook
            .verify_at(EVENT, &signature_header(EVENT, OLD_SECRET, NOW), at(NOW))
            .unwrap()
            .into_owned(),
    );
    (printed, kinds)
}

#[test]
fn no_secret_or_expected_signature_in_any_message() {
    let (printed, kinds) = every_failure();

    let mut needles = Vec::new();
    for secret in [SECRET, OLD_SECRET, OTHER_SECRET] {
        needles.push(secret.to_owned());
        needles.push(secret.trim_start_matches("whsec_").to_owned());
        needles.push(hex::encode(secret));
        for payload in [EVENT, THIN, b"{}".as_slice()] {
            for t in TIMESTAMPS {
                let header = signature_header(payload, secret, t);
                let signature = &header[header.find("v1=").unwrap() + 3..];
                needles.push(signature.to_owned());
                needles.push(signature.to_uppercase());
                needles.push(signature[..16].to_owned());
            }
        }
    }
    assert!(printed.0.len() > 100, "only {} prints", printed.0.len());
    for text in &printed.0 {
        for needle in &needles {
            assert!(
                !text.contains(needle.as_str()),
                "{needle:?} appears in:\n{text}"
            );
        }
    }

    // The failures above reach every variant but the ones only an integration raises, which
    // were built directly (HeaderRepeated, HeaderNotAscii).
    let expected = ErrorKind::ALL;
    let missing: Vec<_> = expected.iter().filter(|k| !kinds.contains(k)).collect();
    assert!(missing.is_empty(), "not triggered: {missing:?}");
}
