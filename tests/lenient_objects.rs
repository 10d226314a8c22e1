//! A typed view never fails a genuine event: what does not fit is set aside, not an error for
//! the whole object (the cases: Stripe's old test payloads with `"metadata": null` and
//! `"charge": 0` on invoices), and the raw object keeps it.

mod support;

use serde_json::json;
use stripe_webhooks::{Error, EventObject};
use support::event_around;

#[test]
fn an_old_invoice_with_null_metadata_and_a_numeric_charge_types() {
    let object = json!({
        "id": "in_1", "object": "invoice", "metadata": null, "charge": 0,
        "amount_due": 4200, "currency": "usd", "subscription": "sub_1",
        "lines": {"object": "list", "data": [
            {"id": "il_1", "object": "line_item", "amount": "forty-two"},
            {"id": "il_2", "object": "line_item", "amount": 4200},
        ]},
    });
    let event = event_around("invoice.payment_failed", &object);
    let EventObject::Invoice(invoice) = event.object().expect("typed") else {
        panic!("an invoice")
    };
    assert_eq!(invoice.id, "in_1");
    assert!(
        invoice.metadata.as_ref().is_none_or(|m| m.is_empty()),
        "null metadata is none"
    );
    assert_eq!(invoice.charge, None, "a member of the wrong type is None");
    assert_eq!(invoice.amount_due, 4200);
    assert_eq!(invoice.subscription_id(), Some("sub_1"));
    // Inside a list, only the member that did not fit is set aside.
    let amounts: Vec<_> = invoice
        .lines
        .data
        .iter()
        .map(|l| (&*l.id, l.amount))
        .collect();
    assert_eq!(amounts, [("il_1", 0), ("il_2", 4200)]);
    // What was set aside is still in the raw object; the strict view names the first of it.
    let raw: serde_json::Value = serde_json::from_str(event.object_raw().get()).unwrap();
    assert_eq!(raw["charge"], 0);
    assert_eq!(raw["lines"]["data"][0]["amount"], "forty-two");
    match event.object_strict() {
        Err(Error::ObjectShape { path, .. }) => assert_eq!(&*path, ".charge"),
        other => panic!("expected the strict view to name .charge, got {other:?}"),
    }
}

#[test]
fn null_metadata_on_every_hand_written_resource_types() {
    for kind in &EventObject::OBJECT_NAMES[..14] {
        let object = json!({"id": "x_1", "object": kind, "metadata": null});
        let event = event_around("anything.updated", &object);
        let typed = event.object().unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(typed.object_name(), Some(*kind));
        assert!(!matches!(typed, EventObject::Unknown(_)), "{kind}");
    }
}

#[test]
fn a_wrong_type_at_every_depth_is_set_aside_without_touching_the_rest() {
    let object = json!({
        "id": "cus_1", "object": "customer", "email": 5, "name": "Ada",
        "address": {"city": ["not", "a", "city"], "country": "GB"},
        "invoice_settings": {"default_payment_method": {"no": "id"}},
    });
    let event = event_around("customer.updated", &object);
    let EventObject::Customer(customer) = event.object().expect("typed") else {
        panic!("a customer")
    };
    assert_eq!(customer.email, None);
    assert_eq!(customer.name.as_deref(), Some("Ada"));
    let address = customer.address.expect("the address stays");
    assert_eq!(
        (address.city, address.country.as_deref()),
        (None, Some("GB"))
    );
}

#[test]
fn only_json_that_cannot_be_read_at_all_is_an_error() {
    // Past serde_json's depth limit, there is nothing to set aside member by member.
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let object = json!({"id": "ch_1", "object": "charge", "metadata": deep});
    let text = object.to_string();
    let raw = serde_json::value::RawValue::from_string(text).unwrap();
    assert!(matches!(
        EventObject::from_raw(&raw),
        Err(Error::ObjectShape { .. })
    ));
}
