//! `Webhook::verify_at` allocates nothing on its success path: the header is read in place,
//! the timestamp's digits are written on the stack, and each secret's keyed HMAC state is
//! cloned, not rebuilt. Counted with a counting global allocator (allocation-counter), in a
//! test binary of its own so that no other test runs under it.
#![allow(clippy::unwrap_used)] // tests fail loudly on what they did not expect

use stripe_webhooks::testing::{signature_header, SignatureHeader};
use stripe_webhooks::Webhook;

const T: i64 = 1_700_000_000;

fn body(size: usize) -> Vec<u8> {
    let head = br#"{"id":"evt_alloc","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1","object":"invoice","description":""#;
    let mut body = head.to_vec();
    body.resize(size - 4, b'x');
    body.extend_from_slice(br#""}}}"#);
    body
}

#[test]
fn a_genuine_delivery_is_verified_without_an_allocation() {
    let now = time::OffsetDateTime::from_unix_timestamp(T + 10).unwrap();
    let one = Webhook::new("whsec_alloc_one");
    // A secret roll: two secrets, two signatures, the match on the second.
    let rolled = Webhook::new("whsec_alloc_new").with_secret("whsec_alloc_old");
    for size in [1024, 4096, 64 * 1024] {
        let payload = body(size);
        let header = signature_header(&payload, "whsec_alloc_one", T);
        let both = SignatureHeader::new(T)
            .sign(&payload, "whsec_alloc_other")
            .sign(&payload, "whsec_alloc_old")
            .to_string();
        // Warm: anything lazily set up once (none expected) is not counted against a call.
        assert!(one.verify_at(&payload, &header, now).is_ok());
        let info = allocation_counter::measure(|| {
            let verified = one.verify_at(&payload, &header, now).unwrap();
            assert_eq!(verified.secret_index(), 0);
        });
        assert_eq!(info.count_total, 0, "one secret, {size} bytes: {info:?}");
        let info = allocation_counter::measure(|| {
            let verified = rolled.verify_at(&payload, &both, now).unwrap();
            assert_eq!(verified.secret_index(), 1);
        });
        assert_eq!(info.count_total, 0, "two secrets, {size} bytes: {info:?}");
    }
}

#[test]
fn the_counter_counts() {
    // The witness that the allocator is in place: a verification whose error names its
    // cause allocates, and is seen to.
    let webhook = Webhook::new("whsec_alloc_one");
    let info = allocation_counter::measure(|| {
        let error = webhook.verify(b"{}", "t=1,v1=00").unwrap_err();
        assert!(!error.to_string().is_empty());
    });
    assert!(info.count_total > 0, "{info:?}");
}
