//! The generated resources: a `coupon.created` and an `issuing_authorization.request` event,
//! each read as its typed object (features `billing` and `issuing`).
//!
//! ```text
//! cargo run --example typed_objects --features billing,issuing
//! ```

use stripe_webhooks::resources::billing::CouponDuration;
use stripe_webhooks::{Event, EventObject};

fn main() -> Result<(), stripe_webhooks::Error> {
    let coupon = Event::from_slice(
        br#"{"id":"evt_1","object":"event","type":"coupon.created","created":1700000000,
        "data":{"object":{"id":"SUMMER","object":"coupon","duration":"repeating",
        "duration_in_months":3,"percent_off":25.5,"metadata":null,"valid":true,
        "a_field_from_a_later_api_version":{"x":1}}}}"#,
    )?;
    let EventObject::Coupon(coupon) = coupon.object()? else {
        unreachable!("coupon is typed with the billing feature");
    };
    assert_eq!(coupon.duration, CouponDuration::Repeating);
    println!(
        "coupon {}: {}% off for {} months ({} metadata keys)",
        coupon.id,
        coupon.percent_off.unwrap_or_default(),
        coupon.duration_in_months.unwrap_or_default(),
        coupon.metadata.as_ref().map_or(0, |m| m.len()),
    );

    // A member of the wrong JSON type is set aside (`None`), not an error for the whole object.
    let request = Event::from_slice(
        br#"{"id":"evt_2","object":"event","type":"issuing_authorization.request","created":1700000000,
        "data":{"object":{"id":"iauth_1","object":"issuing.authorization","amount":"not a number",
        "approved":false,"currency":"usd","status":"pending"}}}"#,
    )?;
    let EventObject::IssuingAuthorization(authorization) = request.object()? else {
        unreachable!("issuing.authorization is typed with the issuing feature");
    };
    println!(
        "authorization {}: status {}, amount set aside: {}",
        authorization.id,
        authorization.status,
        request.object_raw().get().contains("not a number"),
    );
    Ok(())
}
