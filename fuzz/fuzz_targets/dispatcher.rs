//! The whole `Dispatcher`: size limit, verification, parsing, filter, duplicate store, handler.
//!
//! The input is `<mode><header>\n<body>`. Its future is polled once with a no-op waker: the
//! in-memory store and the handler never wait, so it must be ready at once.
//!
//! Properties: without the right signature nothing reaches the handler and the answer is a
//! rejection (400, or 413 over the body limit); with it, the outcome is exactly what
//! `Event::from_slice` and the enabled-event filter predict, a handled event runs the handler
//! once, and a second delivery of it is a duplicate that does not run the handler again.
#![no_main]

#[path = "common.rs"]
mod common;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use common::{at, reference_signature, split, NOW, SECRET};
use libfuzzer_sys::fuzz_target;
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, Disposition, Outcome, DEFAULT_MAX_BODY_SIZE, OutcomeKind};
use stripe_webhooks::{Error, Event, Webhook};

fn ready<F: Future>(future: F) -> F::Output {
    let mut context = Context::from_waker(Waker::noop());
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the dispatcher waited with an in-memory store"),
    }
}

const ENABLED: [&str; 3] = [
    "charge.*",
    "invoice.payment_failed",
    "customer.subscription.updated",
];

fuzz_target!(|data: &[u8]| {
    let Some((mode, header, body)) = split(data) else {
        return;
    };
    let calls = AtomicUsize::new(0);
    let handler = |event: Event| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if event.id().ends_with("_permanent") {
                Err(HandlerError::permanent("refused"))
            } else {
                Ok(())
            }
        }
    };
    // Bit 7 set: the default limit; clear: 0..=4064 bytes, so both sides of the limit are hit.
    let max_body_size = if mode & 0x80 == 0 {
        usize::from(mode) * 32
    } else {
        DEFAULT_MAX_BODY_SIZE
    };
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), handler)
        .enabled_events(ENABLED)
        .max_body_size(max_body_size);
    let now = at(NOW);

    if mode % 2 == 0 {
        // As given: no signature is right, so nothing reaches the handler.
        let signature = (mode % 4 == 0).then_some(header.as_str());
        let outcome = ready(dispatcher.dispatch_at(body, signature, now));
        let Outcome::Rejected(error) = &outcome else {
            let expected = reference_signature(body, SECRET, NOW);
            // Hex digits of either case are accepted, so the right signature may differ in case.
            assert!(
                header.to_ascii_lowercase().contains(&expected),
                "accepted unsigned: {outcome:?}"
            );
            return;
        };
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        if body.len() > max_body_size {
            assert!(matches!(error, Error::BodyTooLarge { .. }), "{error:?}");
            assert_eq!(outcome.status(), 413);
        } else if signature.is_none() {
            assert!(matches!(error, Error::HeaderMissing));
        } else {
            assert_eq!(outcome.status(), 400, "{error:?}");
        }
        return;
    }

    // Signed: the outcome is what the parser and the filter say.
    let signature = format!("t={NOW},v1={}", reference_signature(body, SECRET, NOW));
    let outcome = ready(dispatcher.dispatch_at(body, Some(&signature), now));
    if body.len() > max_body_size {
        assert!(
            matches!(outcome, Outcome::Rejected(Error::BodyTooLarge { .. })),
            "{outcome:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        return;
    }
    let event = match Event::from_slice(body) {
        Ok(event) => event,
        Err(expected) => {
            let Outcome::Rejected(error) = &outcome else {
                panic!("{outcome:?} for a body Event::from_slice refuses with {expected:?}");
            };
            assert_eq!(error.kind(), expected.kind());
            assert_eq!(outcome.status(), 400);
            assert_eq!(calls.load(Ordering::SeqCst), 0);
            return;
        }
    };
    assert_eq!(outcome.event_id(), Some(event.id()));
    assert_eq!(outcome.event_type(), Some(event.event_type()));
    let enabled = [
        "charge.",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    .iter()
    .any(|p| {
        let t = event.event_type().as_str();
        if p.ends_with('.') {
            t.starts_with(p)
        } else {
            t == *p
        }
    });
    if !enabled {
        assert_eq!(outcome.kind(), OutcomeKind::Ignored, "{outcome:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        return;
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let permanent = event.id().ends_with("_permanent");
    match &outcome {
        Outcome::Delivered { disposition: Disposition::Handled, .. } => assert!(!permanent),
        Outcome::Delivered { disposition: Disposition::Failed(_), .. } => assert!(permanent),
        other => panic!("{other:?} for an enabled, signed event"),
    }
    assert_eq!(outcome.status(), 200);
    // Stripe delivers again: a duplicate, and the handler does not run twice.
    let again = ready(dispatcher.dispatch_at(body, Some(&signature), now));
    assert_eq!(again.kind(), OutcomeKind::Duplicate, "{again:?}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let metrics = format!("{:?} {dispatcher:?}", dispatcher.metrics());
    assert!(!metrics.contains(SECRET));
});
