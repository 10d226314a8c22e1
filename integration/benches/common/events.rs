//! The event bodies the parsing benches share: the crate's invoice event grown (more line
//! items) or trimmed to a size, compact as Stripe sends it.

use serde_json::Value;

const FIXTURE: &str =
    include_str!("../../../tests/fixtures/events/invoice.payment_failed.basil.json");

/// The crate's invoice event, its line items repeated until the body is about `size` bytes
/// (or trimmed, and its description padded, to reach small sizes).
pub(crate) fn invoice_event(size: usize) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(FIXTURE).expect("fixture");
    let line = event["data"]["object"]["lines"]["data"][0].clone();
    let compact = |e: &Value| serde_json::to_vec(e).expect("json");
    let mut count = 1;
    while compact(&event).len() + 1200 < size {
        count += 1;
        let mut next = line.clone();
        next["id"] = Value::from(format!("il_{count:08}"));
        event["data"]["object"]["lines"]["data"]
            .as_array_mut()
            .expect("array")
            .push(next);
    }
    // Too big even with one line: drop optional bulk.
    for key in [
        "automatic_tax",
        "status_transitions",
        "payment_settings",
        "lines",
    ] {
        if compact(&event).len() > size {
            event["data"]["object"]
                .as_object_mut()
                .expect("object")
                .remove(key);
        }
    }
    let missing = size.saturating_sub(compact(&event).len());
    event["data"]["object"]["description"] = Value::from("x".repeat(missing.saturating_sub(2)));
    compact(&event)
}
