//! The stale-event helper: reversed, equal and interleaved timestamps, per object.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::sync::Arc;

use pollster::block_on;
use stripe_webhooks::store::{EventOrder, Freshness, MemoryOrderingStore};
use stripe_webhooks::Event;

fn event(id: &str, object: &str, created: i64) -> Event {
    Event::from_slice(
        format!(
            r#"{{"id":"{id}","object":"event","type":"customer.subscription.updated","created":{created},"data":{{"object":{{"id":"{object}","object":"subscription"}}}}}}"#
        )
        .as_bytes(),
    )
    .unwrap()
}

#[test]
fn reversed_timestamps_are_stale() {
    let order = EventOrder::new();
    block_on(async {
        assert_eq!(
            order.record(&event("e3", "sub_1", 300)).await.unwrap(),
            Freshness::First
        );
        assert_eq!(
            order.record(&event("e1", "sub_1", 100)).await.unwrap(),
            Freshness::Stale { newest: 300 }
        );
        assert_eq!(
            order.record(&event("e2", "sub_1", 200)).await.unwrap(),
            Freshness::Stale { newest: 300 }
        );
        assert_eq!(
            order.record(&event("e4", "sub_1", 400)).await.unwrap(),
            Freshness::Newer { previous: 300 }
        );
        // A stale event did not move the mark back.
        assert!(order
            .record(&event("e5", "sub_1", 350))
            .await
            .unwrap()
            .is_stale());
    });
}

#[test]
fn equal_timestamps_are_a_tie_not_stale() {
    let order = EventOrder::new();
    block_on(async {
        order.record(&event("a", "sub_1", 100)).await.unwrap();
        let tie = order.record(&event("b", "sub_1", 100)).await.unwrap();
        assert_eq!(tie, Freshness::SameSecond);
        assert!(!tie.is_stale());
        // Still a tie afterwards: the mark did not move.
        assert_eq!(
            order.record(&event("c", "sub_1", 100)).await.unwrap(),
            Freshness::SameSecond
        );
    });
}

#[test]
fn objects_are_independent_and_kinds_never_collide() {
    let order = EventOrder::with_store(Arc::new(MemoryOrderingStore::new(100)));
    block_on(async {
        order.record(&event("a", "sub_1", 500)).await.unwrap();
        assert_eq!(
            order.record(&event("b", "sub_2", 100)).await.unwrap(),
            Freshness::First
        );
        let other_kind = Event::from_slice(br#"{"id":"c","type":"customer.updated","created":100,"data":{"object":{"id":"sub_1","object":"customer"}}}"#).unwrap();
        assert_eq!(order.record(&other_kind).await.unwrap(), Freshness::First);
        let no_id = Event::from_slice(br#"{"id":"d","type":"balance.available","created":1,"data":{"object":{"object":"balance"}}}"#).unwrap();
        assert_eq!(order.record(&no_id).await.unwrap(), Freshness::Unordered);
    });
}

#[test]
fn freshness_only_reads_and_record_moves_the_mark() {
    let order = EventOrder::new();
    block_on(async {
        let newer = event("e2", "sub_1", 200);
        assert_eq!(order.freshness(&newer).await.unwrap(), Freshness::First);
        // Asking again changes nothing: nothing was recorded.
        assert_eq!(order.freshness(&newer).await.unwrap(), Freshness::First);
        assert_eq!(order.record(&newer).await.unwrap(), Freshness::First);
        assert_eq!(
            order.freshness(&event("e1", "sub_1", 100)).await.unwrap(),
            Freshness::Stale { newest: 200 }
        );
        // A record of an older event never moves the mark back.
        assert!(order
            .record(&event("e1", "sub_1", 100))
            .await
            .unwrap()
            .is_stale());
        assert_eq!(
            order.freshness(&event("e3", "sub_1", 300)).await.unwrap(),
            Freshness::Newer { previous: 200 }
        );
    });
}

/// Issue: ordering recorded the newer time before the handler ran, so when applying it then
/// failed permanently, the older event was skipped as stale and neither was applied.
#[test]
fn a_failed_apply_is_not_recorded_so_the_older_event_still_applies() {
    let order = EventOrder::new();
    let applied = std::sync::Mutex::new(Vec::new());
    // The handler of the tests: skip stale events, apply (or fail), record after success.
    let handle = |event: Event, fail: bool| {
        let order = &order;
        let applied = &applied;
        async move {
            if order.freshness(&event).await.unwrap().is_stale() {
                return Err("stale");
            }
            if fail {
                return Err("apply failed permanently");
            }
            applied.lock().unwrap().push(event.id().to_owned());
            order.record(&event).await.unwrap();
            Ok(())
        }
    };
    block_on(async {
        assert_eq!(
            handle(event("evt_new", "sub_1", 200), true).await,
            Err("apply failed permanently")
        );
        assert_eq!(handle(event("evt_old", "sub_1", 100), false).await, Ok(()));
        assert_eq!(*applied.lock().unwrap(), ["evt_old"]);
        // And the older one applied does not hide a later retry of the newer one.
        assert_eq!(handle(event("evt_new", "sub_1", 200), false).await, Ok(()));
        assert_eq!(*applied.lock().unwrap(), ["evt_old", "evt_new"]);
    });
}
