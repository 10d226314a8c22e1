//! The stale-event helper: reversed, equal and interleaved timestamps, per object.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::sync::Arc;

use stripe_webhooks::ordering::{EventOrder, Freshness, MemoryOrderingStore};
use stripe_webhooks::testing::block_on;
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
            order.check(&event("e3", "sub_1", 300)).await.unwrap(),
            Freshness::First
        );
        assert_eq!(
            order.check(&event("e1", "sub_1", 100)).await.unwrap(),
            Freshness::Stale { newest: 300 }
        );
        assert_eq!(
            order.check(&event("e2", "sub_1", 200)).await.unwrap(),
            Freshness::Stale { newest: 300 }
        );
        assert_eq!(
            order.check(&event("e4", "sub_1", 400)).await.unwrap(),
            Freshness::Newer { previous: 300 }
        );
        // A stale event did not move the mark back.
        assert!(order
            .check(&event("e5", "sub_1", 350))
            .await
            .unwrap()
            .is_stale());
    });
}

#[test]
fn equal_timestamps_are_a_tie_not_stale() {
    let order = EventOrder::new();
    block_on(async {
        order.check(&event("a", "sub_1", 100)).await.unwrap();
        let tie = order.check(&event("b", "sub_1", 100)).await.unwrap();
        assert_eq!(tie, Freshness::SameSecond);
        assert!(!tie.is_stale());
        // Still a tie afterwards: the mark did not move.
        assert_eq!(
            order.check(&event("c", "sub_1", 100)).await.unwrap(),
            Freshness::SameSecond
        );
    });
}

#[test]
fn objects_are_independent_and_kinds_never_collide() {
    let order = EventOrder::with_store(Arc::new(MemoryOrderingStore::new(100)));
    block_on(async {
        order.check(&event("a", "sub_1", 500)).await.unwrap();
        assert_eq!(
            order.check(&event("b", "sub_2", 100)).await.unwrap(),
            Freshness::First
        );
        let other_kind = Event::from_slice(br#"{"id":"c","type":"customer.updated","created":100,"data":{"object":{"id":"sub_1","object":"customer"}}}"#).unwrap();
        assert_eq!(order.check(&other_kind).await.unwrap(), Freshness::First);
        let no_id = Event::from_slice(br#"{"id":"d","type":"balance.available","created":1,"data":{"object":{"object":"balance"}}}"#).unwrap();
        assert_eq!(order.check(&no_id).await.unwrap(), Freshness::Unordered);
    });
}
