//! Realistic sample events, as Stripe would send them, for tests and test deliveries.

use serde_json::{json, Value};

use crate::{Error, Event, API_VERSION};

/// Builds a sample event of any type, with a realistic object for the common resources
/// (payment intents, charges, invoices, subscriptions, customers, Checkout Sessions, refunds,
/// disputes, payouts, prices, products, payment methods, setup intents) and a minimal
/// `{id, object}` for the rest.
///
/// The bytes are pretty-printed with two spaces, as Stripe sends them.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::testing::EventBuilder;
/// use stripe_webhooks::{EventObject, EventType};
///
/// let event = EventBuilder::new("invoice.payment_failed").id("evt_test_1").to_event()?;
/// assert_eq!(event.event_type(), &EventType::InvoicePaymentFailed);
/// let EventObject::Invoice(invoice) = event.object()? else { panic!() };
/// assert_eq!(invoice.attempt_count, 1);
///
/// let body: Vec<u8> = EventBuilder::new("payment_intent.succeeded").created(1_700_000_000).build();
/// assert!(body.starts_with(b"{\n  \"id\": \"evt_"));
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EventBuilder {
    event_type: String,
    id: String,
    created: i64,
    livemode: bool,
    api_version: Option<String>,
    account: Option<String>,
    object: Value,
    previous_attributes: Option<Value>,
}

impl EventBuilder {
    /// A sample event of `event_type` with a fresh id, created now, in test mode, rendered
    /// with this crate's [`API_VERSION`].
    #[must_use]
    pub fn new(event_type: &str) -> EventBuilder {
        let created = time::OffsetDateTime::now_utc().unix_timestamp();
        EventBuilder {
            event_type: event_type.to_owned(),
            id: format!("evt_test_{}", unique_suffix()),
            created,
            livemode: false,
            api_version: Some(API_VERSION.to_owned()),
            account: None,
            object: sample_object(event_type, created),
            previous_attributes: default_previous_attributes(event_type),
        }
    }

    /// Sets the event id.
    #[must_use]
    pub fn id(mut self, id: &str) -> EventBuilder {
        self.id = id.to_owned();
        self
    }

    /// Sets `created` (Unix seconds).
    #[must_use]
    pub fn created(mut self, created: i64) -> EventBuilder {
        self.created = created;
        self
    }

    /// Sets live mode.
    #[must_use]
    pub fn livemode(mut self, livemode: bool) -> EventBuilder {
        self.livemode = livemode;
        self
    }

    /// Sets the API version (`None` for events older than versioned rendering).
    #[must_use]
    pub fn api_version(mut self, api_version: Option<&str>) -> EventBuilder {
        self.api_version = api_version.map(str::to_owned);
        self
    }

    /// Makes it a Connect event on `account`.
    #[must_use]
    pub fn account(mut self, account: &str) -> EventBuilder {
        self.account = Some(account.to_owned());
        self
    }

    /// Replaces `data.object`.
    #[must_use]
    pub fn object(mut self, object: Value) -> EventBuilder {
        self.object = object;
        self
    }

    /// Changes one field of `data.object` (e.g. `("id", json!("sub_123"))`).
    #[must_use]
    pub fn object_field(mut self, field: &str, value: Value) -> EventBuilder {
        if let Value::Object(map) = &mut self.object {
            map.insert(field.to_owned(), value);
        }
        self
    }

    /// Sets `data.previous_attributes`.
    #[must_use]
    pub fn previous_attributes(mut self, previous: Value) -> EventBuilder {
        self.previous_attributes = Some(previous);
        self
    }

    /// The envelope in Stripe's field order (`id` first), which a `Value` would not keep.
    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            id: &self.id,
            object: "event",
            account: self.account.as_deref(),
            api_version: self.api_version.as_deref(),
            created: self.created,
            data: Data {
                object: &self.object,
                previous_attributes: self.previous_attributes.as_ref(),
            },
            livemode: self.livemode,
            pending_webhooks: 1,
            request: json!({ "id": format!("req_{}", unique_suffix()), "idempotency_key": null }),
            event_type: &self.event_type,
        }
    }

    /// The event as JSON.
    #[must_use]
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self.envelope()).unwrap_or_default()
    }

    /// The body bytes, pretty-printed as Stripe sends them.
    #[must_use]
    pub fn build(&self) -> Vec<u8> {
        // Serializing plain data to a Vec cannot fail.
        serde_json::to_vec_pretty(&self.envelope()).unwrap_or_default()
    }

    /// The parsed [`Event`].
    ///
    /// # Errors
    ///
    /// As [`Event::from_slice`]: only when `created` was set outside the range of dates.
    pub fn to_event(&self) -> Result<Event, Error> {
        Event::from_slice(&self.build())
    }
}

#[derive(serde::Serialize)]
struct Envelope<'a> {
    id: &'a str,
    object: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<&'a str>,
    api_version: Option<&'a str>,
    created: i64,
    data: Data<'a>,
    livemode: bool,
    pending_webhooks: u32,
    request: Value,
    #[serde(rename = "type")]
    event_type: &'a str,
}

#[derive(serde::Serialize)]
struct Data<'a> {
    object: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_attributes: Option<&'a Value>,
}

/// The body of a sample event of `event_type` (see [`EventBuilder`]).
#[must_use]
pub fn sample_event(event_type: &str) -> Vec<u8> {
    EventBuilder::new(event_type).build()
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("{:x}{count:04x}", nanos % 0x1_0000_0000_0000)
}

fn default_previous_attributes(event_type: &str) -> Option<Value> {
    match event_type {
        "customer.subscription.updated" => Some(json!({
            "items": { "data": [{ "quantity": 1 }] },
            "status": "trialing"
        })),
        t if t.ends_with(".updated") => Some(json!({ "metadata": {} })),
        _ => None,
    }
}

/// The object a sample event of `event_type` carries.
fn sample_object(event_type: &str, created: i64) -> Value {
    let (family, action) = event_type.rsplit_once('.').unwrap_or((event_type, ""));
    let suffix = unique_suffix();
    match family {
        "payment_intent" => payment_intent(action, &suffix, created),
        "charge" => charge(action, &suffix, created),
        "invoice" => invoice(action, &suffix, created),
        "customer.subscription" => subscription(action, &suffix, created),
        "customer" => customer(&suffix, created),
        "checkout.session" => checkout_session(action, &suffix, created),
        "refund" | "charge.refund" => refund(&suffix, created),
        "charge.dispute" => dispute(action, &suffix, created),
        "payout" => payout(action, &suffix, created),
        "price" => price(&suffix, created),
        "product" => product(&suffix, created),
        "payment_method" => payment_method(&suffix, created),
        "setup_intent" => setup_intent(action, &suffix, created),
        other => {
            json!({ "id": format!("obj_{suffix}"), "object": other, "created": created, "livemode": false })
        }
    }
}

fn card_error(charge: &str) -> Value {
    json!({
        "advice_code": "try_again_later",
        "charge": charge,
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "doc_url": "https://stripe.com/docs/error-codes/card-declined",
        "message": "Your card has insufficient funds.",
        "network_decline_code": "51",
        "type": "card_error"
    })
}

fn payment_intent(action: &str, suffix: &str, created: i64) -> Value {
    let succeeded = action == "succeeded";
    let failed = action == "payment_failed";
    let charge = format!("ch_{suffix}");
    json!({
        "id": format!("pi_{suffix}"),
        "object": "payment_intent",
        "amount": 2000,
        "amount_capturable": 0,
        "amount_received": if succeeded { 2000 } else { 0 },
        "capture_method": "automatic_async",
        "client_secret": format!("pi_{suffix}_secret_sample"),
        "confirmation_method": "automatic",
        "created": created,
        "currency": "usd",
        "customer": "cus_sample_customer",
        "description": "Sample payment",
        "last_payment_error": if failed { card_error(&charge) } else { Value::Null },
        "latest_charge": if succeeded || failed { Value::from(charge) } else { Value::Null },
        "livemode": false,
        "metadata": {},
        "payment_method": if succeeded { Value::from("pm_sample_card") } else { Value::Null },
        "payment_method_types": ["card"],
        "receipt_email": "jenny.rosen@example.com",
        "status": match action {
            "succeeded" => "succeeded",
            "processing" => "processing",
            "canceled" => "canceled",
            "requires_action" => "requires_action",
            "amount_capturable_updated" => "requires_capture",
            _ => "requires_payment_method",
        }
    })
}

fn charge(action: &str, suffix: &str, created: i64) -> Value {
    let failed = action == "failed";
    json!({
        "id": format!("ch_{suffix}"),
        "object": "charge",
        "amount": 2000,
        "amount_captured": if failed { 0 } else { 2000 },
        "amount_refunded": if action == "refunded" { 2000 } else { 0 },
        "billing_details": { "address": { "city": null, "country": "US", "line1": null, "line2": null, "postal_code": "94103", "state": null }, "email": "jenny.rosen@example.com", "name": "Jenny Rosen", "phone": null },
        "captured": !failed,
        "created": created,
        "currency": "usd",
        "customer": "cus_sample_customer",
        "disputed": false,
        "failure_code": if failed { Value::from("card_declined") } else { Value::Null },
        "failure_message": if failed { Value::from("Your card was declined.") } else { Value::Null },
        "livemode": false,
        "metadata": {},
        "outcome": if failed {
            json!({ "advice_code": "do_not_try_again", "network_status": "declined_by_network", "reason": "generic_decline", "risk_level": "normal", "risk_score": 21, "seller_message": "The bank did not return any further details with this decline.", "type": "issuer_declined" })
        } else {
            json!({ "network_status": "approved_by_network", "reason": null, "risk_level": "normal", "risk_score": 12, "seller_message": "Payment complete.", "type": "authorized" })
        },
        "paid": !failed,
        "payment_intent": format!("pi_{suffix}"),
        "payment_method": "pm_sample_card",
        "payment_method_details": { "card": { "brand": "visa", "country": "US", "exp_month": 12, "exp_year": 2030, "funding": "credit", "last4": "4242", "network": "visa" }, "type": "card" },
        "refunded": action == "refunded",
        "status": if failed { "failed" } else if action == "pending" { "pending" } else { "succeeded" }
    })
}

fn invoice(action: &str, suffix: &str, created: i64) -> Value {
    let failed = action == "payment_failed";
    let paid = matches!(action, "paid" | "payment_succeeded");
    json!({
        "id": format!("in_{suffix}"),
        "object": "invoice",
        "account_country": "US",
        "account_name": "Sample Business",
        "amount_due": 2900,
        "amount_paid": if paid { 2900 } else { 0 },
        "amount_remaining": if paid { 0 } else { 2900 },
        "attempt_count": if failed || paid { 1 } else { 0 },
        "attempted": failed || paid,
        "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically",
        "created": created,
        "currency": "usd",
        "customer": "cus_sample_customer",
        "customer_email": "jenny.rosen@example.com",
        "customer_name": "Jenny Rosen",
        "hosted_invoice_url": format!("https://invoice.stripe.com/i/acct_sample/test_{suffix}"),
        "invoice_pdf": format!("https://pay.stripe.com/invoice/acct_sample/test_{suffix}/pdf"),
        "lines": {
            "object": "list",
            "data": [{
                "id": format!("il_{suffix}"),
                "object": "line_item",
                "amount": 2900,
                "currency": "usd",
                "description": "1 × Sample plan (at $29.00 / month)",
                "livemode": false,
                "metadata": {},
                "parent": { "subscription_item_details": { "proration": false, "subscription": "sub_sample", "subscription_item": "si_sample" }, "type": "subscription_item_details" },
                "period": { "end": created + 30 * 86_400, "start": created },
                "pricing": { "price_details": { "price": "price_sample", "product": "prod_sample" }, "type": "price_details", "unit_amount_decimal": "2900" },
                "quantity": 1
            }],
            "has_more": false,
            "total_count": 1,
            "url": format!("/v1/invoices/in_{suffix}/lines")
        },
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": if failed { Value::from(created + 3 * 86_400) } else { Value::Null },
        "number": "SAMPLE-0001",
        "parent": { "subscription_details": { "metadata": {}, "subscription": "sub_sample" }, "type": "subscription_details" },
        "period_end": created,
        "period_start": created - 30 * 86_400,
        "status": match action { "paid" | "payment_succeeded" => "paid", "voided" => "void", "created" => "draft", "marked_uncollectible" => "uncollectible", _ => "open" },
        "subtotal": 2900,
        "total": 2900
    })
}

fn subscription(action: &str, suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("sub_{suffix}"),
        "object": "subscription",
        "billing_cycle_anchor": created,
        "cancel_at_period_end": false,
        "collection_method": "charge_automatically",
        "created": created,
        "currency": "usd",
        "customer": "cus_sample_customer",
        "items": {
            "object": "list",
            "data": [{
                "id": format!("si_{suffix}"),
                "object": "subscription_item",
                "created": created,
                "current_period_end": created + 30 * 86_400,
                "current_period_start": created,
                "metadata": {},
                "price": { "id": "price_sample", "object": "price", "active": true, "currency": "usd", "product": "prod_sample", "recurring": { "interval": "month", "interval_count": 1, "usage_type": "licensed" }, "type": "recurring", "unit_amount": 2900 },
                "quantity": 2,
                "subscription": format!("sub_{suffix}")
            }],
            "has_more": false,
            "total_count": 1,
            "url": format!("/v1/subscription_items?subscription=sub_{suffix}")
        },
        "livemode": false,
        "metadata": {},
        "start_date": created,
        "status": match action { "deleted" => "canceled", "paused" => "paused", "trial_will_end" => "trialing", _ => "active" }
    })
}

fn customer(suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("cus_{suffix}"),
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": created,
        "currency": "usd",
        "delinquent": false,
        "description": null,
        "email": "jenny.rosen@example.com",
        "invoice_prefix": "SAMPLE01",
        "invoice_settings": { "custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null },
        "livemode": false,
        "metadata": {},
        "name": "Jenny Rosen",
        "phone": null,
        "preferred_locales": [],
        "tax_exempt": "none"
    })
}

fn checkout_session(action: &str, suffix: &str, created: i64) -> Value {
    let completed = matches!(action, "completed" | "async_payment_succeeded");
    json!({
        "id": format!("cs_test_{suffix}"),
        "object": "checkout.session",
        "amount_subtotal": 2000,
        "amount_total": 2000,
        "created": created,
        "currency": "usd",
        "customer": "cus_sample_customer",
        "customer_details": { "email": "jenny.rosen@example.com", "name": "Jenny Rosen", "tax_exempt": "none", "tax_ids": [] },
        "expires_at": created + 86_400,
        "livemode": false,
        "metadata": {},
        "mode": "payment",
        "payment_intent": format!("pi_{suffix}"),
        "payment_status": if completed { "paid" } else { "unpaid" },
        "status": if action == "expired" { "expired" } else if completed { "complete" } else { "open" },
        "success_url": "https://example.com/success",
        "total_details": { "amount_discount": 0, "amount_shipping": 0, "amount_tax": 0 },
        "url": null
    })
}

fn refund(suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("re_{suffix}"),
        "object": "refund",
        "amount": 2000,
        "charge": format!("ch_{suffix}"),
        "created": created,
        "currency": "usd",
        "metadata": {},
        "payment_intent": format!("pi_{suffix}"),
        "reason": "requested_by_customer",
        "status": "succeeded"
    })
}

fn dispute(action: &str, suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("dp_{suffix}"),
        "object": "dispute",
        "amount": 2000,
        "charge": format!("ch_{suffix}"),
        "created": created,
        "currency": "usd",
        "evidence_details": { "due_by": created + 7 * 86_400, "has_evidence": false, "past_due": false, "submission_count": 0 },
        "is_charge_refundable": false,
        "livemode": false,
        "metadata": {},
        "payment_intent": format!("pi_{suffix}"),
        "reason": "fraudulent",
        "status": if action == "closed" { "lost" } else { "needs_response" }
    })
}

fn payout(action: &str, suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("po_{suffix}"),
        "object": "payout",
        "amount": 110_000,
        "arrival_date": created + 2 * 86_400,
        "automatic": true,
        "created": created,
        "currency": "usd",
        "destination": "ba_sample",
        "failure_code": if action == "failed" { Value::from("account_closed") } else { Value::Null },
        "failure_message": if action == "failed" { Value::from("The bank account has been closed.") } else { Value::Null },
        "livemode": false,
        "metadata": {},
        "method": "standard",
        "source_type": "card",
        "status": match action { "paid" => "paid", "failed" => "failed", "canceled" => "canceled", _ => "pending" },
        "type": "bank_account"
    })
}

fn price(suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("price_{suffix}"),
        "object": "price",
        "active": true,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": "usd",
        "livemode": false,
        "lookup_key": null,
        "metadata": {},
        "nickname": null,
        "product": "prod_sample",
        "recurring": { "interval": "month", "interval_count": 1, "usage_type": "licensed" },
        "tax_behavior": "unspecified",
        "type": "recurring",
        "unit_amount": 2900,
        "unit_amount_decimal": "2900"
    })
}

fn product(suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("prod_{suffix}"),
        "object": "product",
        "active": true,
        "created": created,
        "description": "A sample product",
        "images": [],
        "livemode": false,
        "metadata": {},
        "name": "Sample plan",
        "type": "service",
        "updated": created
    })
}

fn payment_method(suffix: &str, created: i64) -> Value {
    json!({
        "id": format!("pm_{suffix}"),
        "object": "payment_method",
        "billing_details": { "address": null, "email": "jenny.rosen@example.com", "name": "Jenny Rosen", "phone": null },
        "card": { "brand": "visa", "checks": { "address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass" }, "country": "US", "exp_month": 12, "exp_year": 2030, "funding": "credit", "last4": "4242" },
        "created": created,
        "customer": "cus_sample_customer",
        "livemode": false,
        "metadata": {},
        "type": "card"
    })
}

fn setup_intent(action: &str, suffix: &str, created: i64) -> Value {
    let failed = action == "setup_failed";
    json!({
        "id": format!("seti_{suffix}"),
        "object": "setup_intent",
        "created": created,
        "customer": "cus_sample_customer",
        "last_setup_error": if failed { card_error("") } else { Value::Null },
        "livemode": false,
        "metadata": {},
        "payment_method": if failed { Value::Null } else { Value::from("pm_sample_card") },
        "payment_method_types": ["card"],
        "status": match action { "succeeded" => "succeeded", "canceled" => "canceled", "requires_action" => "requires_action", _ => "requires_payment_method" },
        "usage": "off_session"
    })
}
