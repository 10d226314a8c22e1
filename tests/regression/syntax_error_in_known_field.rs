//! Found by tests/hostile.rs (the `event_from_slice` fuzz target now asserts the property
//! too: `NotAnEvent` only for bytes that are JSON): bytes that are not JSON were reported as `NotAnEvent` ("JSON,
//! but not a Stripe event") instead of `Json` when the syntax error sat inside a known
//! envelope field (a raw NUL or invalid UTF-8 in `id`, a body cut off inside `type`) or after
//! an opening `[`. The field-naming wrapper turned the syntax error into a data error. Now the
//! bytes decide on the error path: not JSON is always `Json`.

use stripe_webhooks::{Error, Event};

#[test]
fn syntax_errors_inside_known_fields_are_json_errors() {
    let bodies: [&[u8]; 5] = [
        b"{\"id\":\"evt_\0\",\"type\":\"x\",\"created\":1,\"data\":{}}",
        b"{\"id\":\"evt_\xc3\x28\",\"type\":\"x\",\"created\":1,\"data\":{}}",
        br#"{"id":"evt_1","type":"charge.fa"#,
        br#"{"id":"evt_1","data":{"object":{"id":"ch_1""#,
        b"[not json",
    ];
    for body in bodies {
        match Event::from_slice(body) {
            Err(Error::Json(_)) => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}

#[test]
fn json_that_is_not_an_event_stays_not_an_event() {
    let bodies: [&[u8]; 4] = [
        br#"{"id":5,"type":"x","created":1,"data":{}}"#,
        br#"{"id":"evt_1","type":"x","created":"yesterday","data":{}}"#,
        br#"[1,2,3]"#,
        br#""evt_1""#,
    ];
    for body in bodies {
        match Event::from_slice(body) {
            Err(Error::NotAnEvent { .. }) => {}
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
}
