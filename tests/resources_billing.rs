//! Typed views of the "billing" group: `Invoice` (with `InvoiceLineItem` and `InvoicePayment`),
//! `Subscription` (with `SubscriptionItem`), `Price` and `Product`.
//!
//! Our own fixtures (current and older API versions) live in `tests/fixtures/resources/`; the
//! shared Stripe corpus is read from `../shared/stripe/fixtures` at test time.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod support;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use stripe_webhooks::resources::{
    Invoice, InvoiceBillingReason, InvoiceCollectionMethod, InvoiceIssuerType, InvoiceLineItem,
    InvoiceLineItemParentType, InvoiceLineItemType, InvoiceParentType, InvoicePayment,
    InvoicePaymentStatus, InvoicePaymentType, InvoicePretaxCreditAmountType, InvoiceStatus,
    InvoiceTaxBehavior, InvoiceTaxabilityReason, Price, PriceAggregateUsage, PriceBillingScheme,
    PriceInterval, PriceTaxBehavior, PriceTiersMode, PriceTransformRound, PriceType,
    PriceUsageType, Product, ProductType, Subscription, SubscriptionBillingModeType,
    SubscriptionCancellationFeedback, SubscriptionCancellationReason, SubscriptionCollectionMethod,
    SubscriptionInterval, SubscriptionItem, SubscriptionMissingPaymentMethod,
    SubscriptionSaveDefaultPaymentMethod, SubscriptionStatus,
};
use stripe_webhooks::{Error, Event, EventObject};
use support::{
    event_around, fixture, objects_where, read_json, shape_error_path, shared_fixtures,
    try_read_json, with_nulls, IfAbsent,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn invoice(object: &Value) -> Invoice {
    match event_around("invoice.updated", object).object() {
        Ok(EventObject::Invoice(invoice)) => *invoice,
        other => panic!("expected an invoice, got {other:?}"),
    }
}

fn subscription(object: &Value) -> Subscription {
    match event_around("customer.subscription.updated", object).object() {
        Ok(EventObject::Subscription(subscription)) => *subscription,
        other => panic!("expected a subscription, got {other:?}"),
    }
}

fn price(object: &Value) -> Price {
    match event_around("price.updated", object).object() {
        Ok(EventObject::Price(price)) => *price,
        other => panic!("expected a price, got {other:?}"),
    }
}

fn product(object: &Value) -> Product {
    match event_around("product.updated", object).object() {
        Ok(EventObject::Product(product)) => *product,
        other => panic!("expected a product, got {other:?}"),
    }
}

/// Parses `value` as `T` with the field path in the error, through `Event::object_as`.
fn parse_as<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    event_around("test.parsed", value)
        .object_as::<T>()
        .map_err(|e| e.to_string())
}

/// Parses every object of `kind` in the shared corpus as `T`; how many there were.
fn corpus_check<T: DeserializeOwned>(kind: &str) -> usize {
    let Some(fixtures) = shared_fixtures() else {
        return 0;
    };
    let mut failures = Vec::new();
    let mut count = 0;
    for folder in ["api-objects", "events", "objects"] {
        for path in support::json_files(&fixtures.join(folder)) {
            let Some(document) = try_read_json(&path) else {
                continue;
            };
            for (_, object) in objects_where(&document, &|name| name == kind) {
                count += 1;
                if let Err(error) = parse_as::<T>(object) {
                    failures.push(format!("{}: {error}", path.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} {kind} objects failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    count
}

/// Stripe's own example object `objects/<name>.json` parses as `T`.
fn stripe_example<T: DeserializeOwned>(name: &str) -> Option<T> {
    let fixtures = shared_fixtures()?;
    let path = fixtures.join("objects").join(format!("{name}.json"));
    let value = read_json(&path);
    Some(parse_as::<T>(&value).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

// ---------------------------------------------------------------------------------------------
// Invoice
// ---------------------------------------------------------------------------------------------

#[test]
fn invoice_current_version_parses_with_payments_parent_and_lines() {
    let event = event_around(
        "invoice.payment_failed",
        &fixture("invoice_payment_failed_current.json"),
    );
    let Ok(EventObject::Invoice(invoice)) = event.object() else {
        panic!("not an invoice");
    };
    assert_eq!(invoice.id, "in_1RkT4dLm2Wq8Rt5YbQ7uVx3n");
    assert_eq!(invoice.amount_due, 5830);
    assert_eq!(invoice.amount_remaining, 5830);
    assert_eq!(invoice.total, 5830);
    assert_eq!(invoice.total_excluding_tax, Some(5425));
    assert_eq!(invoice.currency, "usd");
    assert_eq!(invoice.status, Some(InvoiceStatus::Open));
    assert_eq!(
        invoice.billing_reason,
        Some(InvoiceBillingReason::SubscriptionCycle)
    );
    assert_eq!(
        invoice.collection_method,
        InvoiceCollectionMethod::ChargeAutomatically
    );
    assert_eq!(invoice.attempt_count, 2);
    assert!(invoice.attempted);
    assert_eq!(invoice.next_payment_attempt, Some(1_762_214_400));
    assert_eq!(
        invoice.customer.as_ref().and_then(|c| c.id()),
        Some("cus_RkS9aQ2wErTy7U")
    );
    assert_eq!(
        invoice.customer_address.as_ref().unwrap().city.as_deref(),
        Some("Portland")
    );
    let tax_ids = invoice.customer_tax_ids.as_ref().unwrap();
    assert_eq!(tax_ids[0].tax_id_type.as_str(), "us_ein");
    assert!(tax_ids[0].tax_id_type.is_known());
    assert_eq!(invoice.custom_fields.as_ref().unwrap()[0].value, "PO-20931");
    assert_eq!(
        invoice.issuer.as_ref().unwrap().issuer_type,
        InvoiceIssuerType::SelfAccount
    );
    assert_eq!(invoice.status_transitions.finalized_at, Some(1_761_958_800));
    assert_eq!(invoice.status_transitions.paid_at, None);
    assert_eq!(
        invoice.confirmation_secret.as_ref().unwrap().secret_type,
        "payment_intent"
    );
    assert_eq!(invoice.metadata.as_ref().unwrap()["account_ref"], "NW-0042");
    assert_eq!(
        invoice
            .payment_settings
            .as_ref()
            .unwrap()
            .payment_method_types
            .as_deref(),
        Some(&["card".to_owned(), "link".to_owned()][..])
    );

    // Where the subscription and the payment are since 2025-03-31.basil.
    let parent = invoice.parent.as_ref().unwrap();
    assert_eq!(parent.parent_type, InvoiceParentType::SubscriptionDetails);
    let details = parent.subscription_details.as_ref().unwrap();
    assert_eq!(details.metadata.as_ref().unwrap()["plan_family"], "team");
    assert_eq!(
        invoice.subscription_id(),
        Some("sub_1QxY2zLm2Wq8Rt5YpL4nK8sT")
    );
    let payments = invoice.payments.as_ref().unwrap();
    assert_eq!(payments.data.len(), 1);
    let payment = &payments.data[0];
    assert_eq!(payment.id, "inpay_1RkT5eLm2Wq8Rt5YpAy00001");
    assert_eq!(payment.amount_requested, 5830);
    assert_eq!(payment.amount_paid, None);
    assert!(payment.is_default);
    assert_eq!(payment.status, InvoicePaymentStatus::Open);
    assert_eq!(
        payment.payment.payment_type,
        InvoicePaymentType::PaymentIntent
    );
    assert_eq!(
        invoice.payment_intent_id(),
        Some("pi_3RkT5eLm2Wq8Rt5Y0aBcDeFg")
    );
    assert!(!invoice.is_paid());
    // The pre-basil fields are absent, not defaulted.
    assert_eq!(invoice.paid, None);
    assert!(invoice.charge.is_none() && invoice.payment_intent.is_none());
    assert!(invoice.subscription.is_none() && invoice.total_tax_amounts.is_none());

    // Taxes and credits.
    let taxes = invoice.total_taxes.as_ref().unwrap();
    assert_eq!(taxes[0].amount, 405);
    assert_eq!(taxes[0].tax_behavior, InvoiceTaxBehavior::Exclusive);
    assert_eq!(
        taxes[0].taxability_reason,
        Some(InvoiceTaxabilityReason::StandardRated)
    );
    assert_eq!(
        taxes[0].tax_rate_details.as_ref().unwrap().tax_rate,
        "txr_1RkT4cLm2Wq8Rt5YorState"
    );
    let credits = invoice.total_pretax_credit_amounts.as_ref().unwrap();
    assert_eq!(
        credits[0].credit_type,
        InvoicePretaxCreditAmountType::Discount
    );
    assert_eq!(
        invoice.total_discount_amounts.as_ref().unwrap()[0].amount,
        500
    );

    // Line items.
    assert_eq!(invoice.lines.data.len(), 2);
    assert_eq!(invoice.lines.total_count, Some(2));
    assert!(!invoice.lines.has_more);
    let seats = &invoice.lines.data[0];
    assert_eq!(seats.id, "il_1RkT4dLm2Wq8Rt5YlInE0001");
    assert_eq!(seats.amount, 5000);
    assert_eq!(seats.quantity, Some(2));
    assert_eq!(seats.period.start, 1_761_955_200);
    assert_eq!(seats.period.end, 1_764_547_200);
    let seat_parent = seats.parent.as_ref().unwrap();
    assert_eq!(
        seat_parent.parent_type,
        InvoiceLineItemParentType::SubscriptionItemDetails
    );
    assert_eq!(
        seat_parent
            .subscription_item_details
            .as_ref()
            .unwrap()
            .subscription_item,
        "si_RkS9bXcVbN1m2Q"
    );
    assert_eq!(seats.price_id(), Some("price_1QxY1aLm2Wq8Rt5YtEaM2500"));
    assert!(!seats.is_proration());
    assert_eq!(seats.taxes.as_ref().unwrap()[0].taxable_amount, Some(4500));
    assert_eq!(seats.discount_amounts.as_ref().unwrap()[0].amount, 500);
    assert!(seats.line_type.is_none() && seats.price.is_none() && seats.plan.is_none());

    let proration = &invoice.lines.data[1];
    assert!(proration.is_proration());
    assert_eq!(proration.metadata["reason"], "seat added");
    let item_details = proration
        .parent
        .as_ref()
        .unwrap()
        .invoice_item_details
        .as_ref()
        .unwrap();
    assert_eq!(item_details.invoice_item, "ii_1RkPq0Lm2Wq8Rt5Y9zX8c7V6");
    let credited = item_details
        .proration_details
        .as_ref()
        .unwrap()
        .credited_items
        .as_ref()
        .unwrap();
    assert_eq!(credited.invoice_line_items, ["il_1RfA1bLm2Wq8Rt5YprevLn01"]);
}

#[test]
fn invoice_before_basil_has_charge_payment_intent_subscription_and_paid() {
    let invoice = invoice(&fixture("invoice_paid_2024.json"));
    assert_eq!(invoice.status, Some(InvoiceStatus::Paid));
    assert_eq!(invoice.paid, Some(true));
    assert_eq!(invoice.paid_out_of_band, Some(false));
    assert!(invoice.is_paid());
    assert_eq!(
        invoice.charge.as_ref().and_then(|c| c.id()),
        Some("ch_3PqR8tLm2Wq8Rt5Y1xYz2AbC")
    );
    assert_eq!(
        invoice.payment_intent_id(),
        Some("pi_3PqR8tLm2Wq8Rt5Y1mNoPqRs")
    );
    assert_eq!(
        invoice.subscription_id(),
        Some("sub_1PqR8sLm2Wq8Rt5YsTaRt001")
    );
    assert_eq!(
        invoice
            .subscription_details
            .as_ref()
            .unwrap()
            .metadata
            .as_ref()
            .unwrap()["signup_source"],
        "web"
    );
    assert!(
        invoice.parent.is_none() && invoice.payments.is_none() && invoice.total_taxes.is_none()
    );
    let tax = &invoice.total_tax_amounts.as_ref().unwrap()[0];
    assert_eq!(
        tax.taxability_reason,
        Some(InvoiceTaxabilityReason::NotCollecting)
    );
    assert_eq!(
        tax.tax_rate.as_ref().and_then(|r| r.id()),
        Some("txr_1PqQ2bLm2Wq8Rt5YzeroRate")
    );

    let line = &invoice.lines.data[0];
    assert_eq!(line.line_type, Some(InvoiceLineItemType::Subscription));
    assert_eq!(line.proration, Some(false));
    assert!(!line.is_proration());
    assert_eq!(line.amount_excluding_tax, Some(2000));
    assert_eq!(line.unit_amount_excluding_tax.as_deref(), Some("2000"));
    assert_eq!(
        line.subscription_item.as_ref().and_then(|i| i.id()),
        Some("si_QhR7StarterItem")
    );
    let price = line.price.as_ref().unwrap();
    assert_eq!(price.unit_amount, Some(2000));
    assert_eq!(price.lookup_key.as_deref(), Some("starter_monthly"));
    assert_eq!(
        price.recurring.as_ref().unwrap().interval,
        PriceInterval::Month
    );
    assert_eq!(line.plan.as_ref().unwrap()["amount"], 2000);
    assert_eq!(line.price_id(), Some("price_1PqQ1aLm2Wq8Rt5YstArTer0"));
    assert_eq!(line.tax_amounts.as_ref().unwrap()[0].amount, 0);
    assert!(line.parent.is_none() && line.pricing.is_none() && line.taxes.is_none());
}

#[test]
fn invoice_of_2017_parses_with_its_old_names() {
    let invoice = invoice(&fixture("invoice_2017.json"));
    assert_eq!(invoice.date, Some(1_496_275_200));
    assert_eq!(invoice.created, 0, "`created` did not exist yet");
    assert_eq!(invoice.closed, Some(true));
    assert_eq!(invoice.forgiven, Some(true));
    assert_eq!(
        invoice.billing,
        Some(InvoiceCollectionMethod::ChargeAutomatically)
    );
    assert_eq!(
        invoice.collection_method,
        InvoiceCollectionMethod::Unknown(String::new())
    );
    assert_eq!(invoice.tax_percent, Some(8.25));
    assert_eq!(
        invoice.discount.as_ref().unwrap()["coupon"]["id"],
        "SPRING25"
    );
    assert_eq!(invoice.paid, Some(false));
    assert!(!invoice.is_paid());
    assert_eq!(invoice.status, None);
    assert_eq!(invoice.subscription_id(), Some("sub_AbCdEf017"));
    assert_eq!(invoice.payment_intent_id(), None);
    let line = &invoice.lines.data[0];
    assert!(line.metadata.is_empty(), "a null metadata reads as empty");
    assert_eq!(line.price_id(), Some("gold-monthly"), "from the plan");
    assert_eq!(line.line_type, Some(InvoiceLineItemType::Subscription));
}

#[test]
fn invoice_unknown_fields_and_enum_values_parse() {
    let mut object = fixture("invoice_payment_failed_current.json");
    object["a_field_from_2030"] = json!({"nested": [1, 2, 3]});
    object["status"] = json!("frozen");
    object["billing_reason"] = json!("teleport_cycle");
    object["collection_method"] = json!("barter");
    object["parent"]["type"] = json!("order_details");
    object["lines"]["data"][0]["parent"]["type"] = json!("widget_details");
    object["lines"]["data"][0]["taxes"][0]["taxability_reason"] = json!("moon_exempt");
    object["lines"]["data"][0]["another_new_field"] = json!(true);
    object["payments"]["data"][0]["payment"]["type"] = json!("crypto_ledger");
    object["payments"]["data"][0]["status"] = json!("pending_review");
    object["customer_tax_ids"][0]["type"] = json!("xx_new");
    let invoice = invoice(&object);
    assert_eq!(
        invoice.status,
        Some(InvoiceStatus::Unknown("frozen".into()))
    );
    assert_eq!(
        invoice.billing_reason,
        Some(InvoiceBillingReason::Unknown("teleport_cycle".into()))
    );
    assert_eq!(invoice.collection_method.as_str(), "barter");
    assert_eq!(
        invoice.parent.as_ref().unwrap().parent_type,
        InvoiceParentType::Unknown("order_details".into())
    );
    let line = &invoice.lines.data[0];
    assert_eq!(
        line.parent.as_ref().unwrap().parent_type.as_str(),
        "widget_details"
    );
    assert_eq!(
        line.taxes.as_ref().unwrap()[0].taxability_reason,
        Some(InvoiceTaxabilityReason::Unknown("moon_exempt".into()))
    );
    let payment = &invoice.payments.as_ref().unwrap().data[0];
    assert_eq!(
        payment.payment.payment_type,
        InvoicePaymentType::Unknown("crypto_ledger".into())
    );
    assert_eq!(payment.status.as_str(), "pending_review");
    assert_eq!(
        invoice.customer_tax_ids.as_ref().unwrap()[0]
            .tax_id_type
            .as_str(),
        "xx_new"
    );
}

#[test]
fn invoice_nulls_and_missing_fields_parse() {
    let minimal = invoice(&json!({"id": "in_min", "object": "invoice"}));
    assert_eq!(minimal.id, "in_min");
    assert_eq!(minimal.amount_due, 0);
    assert!(minimal.lines.data.is_empty());
    assert_eq!(minimal.status, None);
    assert_eq!(minimal.subscription_id(), None);
    assert_eq!(minimal.payment_intent_id(), None);

    let nulled = with_nulls(
        fixture("invoice_payment_failed_current.json"),
        &[
            "account_country",
            "account_name",
            "account_tax_ids",
            "application",
            "automatic_tax",
            "automatically_finalizes_at",
            "billing_reason",
            "confirmation_secret",
            "custom_fields",
            "customer",
            "customer_account",
            "customer_address",
            "customer_email",
            "customer_name",
            "customer_phone",
            "customer_shipping",
            "customer_tax_exempt",
            "customer_tax_ids",
            "default_payment_method",
            "default_source",
            "description",
            "due_date",
            "effective_at",
            "ending_balance",
            "footer",
            "from_invoice",
            "hosted_invoice_url",
            "invoice_pdf",
            "last_finalization_error",
            "latest_revision",
            "metadata",
            "next_payment_attempt",
            "number",
            "on_behalf_of",
            "parent",
            "payment_settings",
            "payments",
            "receipt_number",
            "rendering",
            "shipping_cost",
            "shipping_details",
            "statement_descriptor",
            "status",
            "status_details",
            "subtotal_excluding_tax",
            "test_clock",
            "threshold_reason",
            "total_discount_amounts",
            "total_excluding_tax",
            "total_pretax_credit_amounts",
            "total_taxes",
            "webhooks_delivered_at",
        ],
        IfAbsent::Panic,
    );
    let invoice = invoice(&nulled);
    assert!(invoice.customer.is_none() && invoice.parent.is_none() && invoice.payments.is_none());
    assert_eq!(invoice.lines.data.len(), 2);

    let line = with_nulls(
        fixture("invoice_payment_failed_current.json")["lines"]["data"][0].clone(),
        &[
            "description",
            "discount_amounts",
            "invoice",
            "parent",
            "pretax_credit_amounts",
            "pricing",
            "quantity",
            "quantity_decimal",
            "subscription",
            "taxes",
            "metadata",
        ],
        IfAbsent::Insert,
    );
    let line: InvoiceLineItem = parse_as(&line).unwrap();
    assert_eq!(line.price_id(), None);
    assert!(line.metadata.is_empty());
}

#[test]
fn invoice_wrong_json_types_are_errors_naming_the_field() {
    let mut object = fixture("invoice_payment_failed_current.json");
    object["amount_due"] = json!("5830");
    assert_eq!(
        shape_error_path("invoice.payment_failed", &object),
        ".amount_due"
    );

    let mut object = fixture("invoice_payment_failed_current.json");
    object["lines"]["data"][1]["amount"] = json!({"value": 925});
    assert_eq!(
        shape_error_path("invoice.payment_failed", &object),
        ".lines.data[1].amount"
    );

    let mut object = fixture("invoice_payment_failed_current.json");
    object["payments"]["data"][0]["is_default"] = json!("yes");
    assert_eq!(
        shape_error_path("invoice.paid", &object),
        ".payments.data[0].is_default"
    );

    let mut object = fixture("invoice_payment_failed_current.json");
    object["status"] = json!(3);
    let event = event_around("invoice.updated", &object);
    let Err(Error::ObjectShape { path, .. }) = event.object_as::<Invoice>() else {
        panic!("object_as must fail too");
    };
    assert_eq!(&*path, ".status");
}

#[test]
fn invoice_with_300_line_items_parses() {
    let mut object = fixture("invoice_payment_failed_current.json");
    let template = object["lines"]["data"][0].clone();
    let lines: Vec<Value> = (0..300)
        .map(|n| {
            let mut line = template.clone();
            line["id"] = json!(format!("il_1RkT4dLm2Wq8Rt5Y{n:08}"));
            line["amount"] = json!(100 + n);
            line["quantity"] = json!(n + 1);
            line
        })
        .collect();
    object["lines"] = json!({
        "object": "list",
        "data": lines,
        "has_more": true,
        "total_count": 1200,
        "url": "/v1/invoices/in_1RkT4dLm2Wq8Rt5YbQ7uVx3n/lines",
    });
    let body = serde_json::to_vec(&json!({
        "id": "evt_big", "object": "event", "type": "invoice.finalized", "created": 1_700_000_000,
        "livemode": false, "data": {"object": object},
    }))
    .unwrap();
    assert!(
        body.len() > 300 * 1000,
        "a large body: {} bytes",
        body.len()
    );
    let event = Event::from_slice(&body).unwrap();
    let Ok(EventObject::Invoice(invoice)) = event.object() else {
        panic!("not an invoice");
    };
    assert_eq!(invoice.lines.data.len(), 300);
    assert!(invoice.lines.has_more);
    assert_eq!(invoice.lines.total_count, Some(1200));
    for (n, line) in invoice.lines.data.iter().enumerate() {
        assert_eq!(line.id, format!("il_1RkT4dLm2Wq8Rt5Y{n:08}"));
        assert_eq!(line.amount, 100 + n as i64);
        assert_eq!(line.price_id(), Some("price_1QxY1aLm2Wq8Rt5YtEaM2500"));
    }
    let sent: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        serde_json::to_value(&event).unwrap() == sent,
        "the event stays lossless"
    );
}

#[test]
fn invoice_stripe_examples_parse() {
    if let Some(invoice) = stripe_example::<Invoice>("invoice") {
        assert_eq!(invoice.id, "in_1Pgc6tB7WZ01zgkWu9fdqL6I");
        assert_eq!(invoice.status, Some(InvoiceStatus::Draft));
        assert_eq!(invoice.lines.data.len(), 1);
        assert_eq!(
            invoice.parent.as_ref().unwrap().parent_type,
            InvoiceParentType::QuoteDetails
        );
    }
    if let Some(line) = stripe_example::<InvoiceLineItem>("line_item") {
        assert!(line.is_proration());
    }
    if let Some(payment) = stripe_example::<InvoicePayment>("invoice_payment") {
        assert_eq!(
            payment.payment.payment_type,
            InvoicePaymentType::PaymentIntent
        );
        assert_eq!(
            payment.status.as_str(),
            "status",
            "an unknown value kept as sent"
        );
    }
    if let Some(deleted) = stripe_example::<Invoice>("deleted_invoice") {
        assert!(!deleted.id.is_empty());
    }
}

#[test]
fn every_invoice_line_item_and_invoice_payment_in_the_corpus_parses() {
    let invoices = corpus_check::<Invoice>("invoice");
    let lines = corpus_check::<InvoiceLineItem>("line_item");
    let payments = corpus_check::<InvoicePayment>("invoice_payment");
    if shared_fixtures().is_some() {
        assert!(invoices >= 20, "only {invoices} invoices found");
        assert!(lines >= 20, "only {lines} line items found");
        assert!(payments >= 1, "only {payments} invoice payments found");
    }
}

// ---------------------------------------------------------------------------------------------
// Subscription
// ---------------------------------------------------------------------------------------------

#[test]
fn subscription_current_version_parses_with_item_periods() {
    let subscription = subscription(&fixture("subscription_updated_current.json"));
    assert_eq!(subscription.id, "sub_1QxY2zLm2Wq8Rt5YpL4nK8sT");
    assert_eq!(subscription.status, SubscriptionStatus::PastDue);
    assert_eq!(
        subscription.collection_method,
        SubscriptionCollectionMethod::ChargeAutomatically
    );
    assert!(subscription.cancel_at_period_end);
    assert_eq!(subscription.cancel_at, Some(1_767_225_600));
    let cancellation = subscription.cancellation_details.as_ref().unwrap();
    assert_eq!(
        cancellation.reason,
        Some(SubscriptionCancellationReason::CancellationRequested)
    );
    assert_eq!(
        cancellation.feedback,
        Some(SubscriptionCancellationFeedback::SwitchedService)
    );
    assert_eq!(
        cancellation.comment.as_deref(),
        Some("Moving to an in-house tool.")
    );
    assert_eq!(
        subscription.billing_mode.as_ref().unwrap().mode_type,
        SubscriptionBillingModeType::Flexible
    );
    assert_eq!(
        subscription.customer.as_ref().and_then(|c| c.id()),
        Some("cus_RkS9aQ2wErTy7U")
    );
    assert_eq!(
        subscription
            .default_payment_method
            .as_ref()
            .and_then(|p| p.id()),
        Some("pm_1QxY2yLm2Wq8Rt5YvIsA4242")
    );
    assert_eq!(
        subscription.latest_invoice.as_ref().and_then(|i| i.id()),
        Some("in_1RkT4dLm2Wq8Rt5YbQ7uVx3n")
    );
    assert_eq!(
        subscription
            .payment_settings
            .as_ref()
            .unwrap()
            .save_default_payment_method,
        Some(SubscriptionSaveDefaultPaymentMethod::OnSubscription)
    );
    let interval = subscription.pending_invoice_item_interval.as_ref().unwrap();
    assert_eq!(interval.interval, SubscriptionInterval::Month);
    let end_behavior = subscription
        .trial_settings
        .as_ref()
        .unwrap()
        .end_behavior
        .as_ref()
        .unwrap();
    assert_eq!(
        end_behavior.missing_payment_method,
        SubscriptionMissingPaymentMethod::CreateInvoice
    );
    let settings = subscription.invoice_settings.as_ref().unwrap();
    assert_eq!(
        settings.custom_fields.as_ref().unwrap()[0].name,
        "PO number"
    );
    assert_eq!(
        settings.issuer.as_ref().unwrap().issuer_type,
        InvoiceIssuerType::SelfAccount
    );

    // The period moved to the items in 2025-03-31.basil.
    assert_eq!(subscription.current_period_start, None);
    assert_eq!(subscription.current_period_end, None);
    assert_eq!(subscription.items.data.len(), 2);
    let seats = &subscription.items.data[0];
    assert_eq!(seats.current_period_start, Some(1_761_955_200));
    assert_eq!(seats.current_period_end, Some(1_764_547_200));
    assert_eq!(seats.quantity, Some(2));
    let seat_price = seats.price.as_ref().unwrap();
    assert_eq!(seat_price.unit_amount, Some(2500));
    assert_eq!(seat_price.tax_behavior, Some(PriceTaxBehavior::Exclusive));
    assert_eq!(seats.plan.as_ref().unwrap()["nickname"], "Team monthly");
    let metered = &subscription.items.data[1];
    assert_eq!(metered.quantity, None);
    assert_eq!(
        metered
            .price
            .as_ref()
            .unwrap()
            .recurring
            .as_ref()
            .unwrap()
            .usage_type,
        PriceUsageType::Metered
    );
    // The item whose period ends first: the daily metered one.
    assert_eq!(
        subscription.current_period(),
        Some((1_761_955_200, 1_762_041_600))
    );
    // Fields of older versions are absent.
    assert!(
        subscription.plan.is_none()
            && subscription.quantity.is_none()
            && subscription.billing.is_none()
    );
}

#[test]
fn subscription_of_2019_has_plan_quantity_and_period_at_the_top() {
    let subscription = subscription(&fixture("subscription_2019.json"));
    assert_eq!(subscription.status, SubscriptionStatus::Trialing);
    assert_eq!(
        subscription.billing,
        Some(SubscriptionCollectionMethod::SendInvoice)
    );
    assert_eq!(subscription.days_until_due, Some(30));
    assert_eq!(subscription.current_period_start, Some(1_565_000_000));
    assert_eq!(subscription.current_period_end, Some(1_567_678_400));
    assert_eq!(
        subscription.current_period(),
        Some((1_565_000_000, 1_567_678_400))
    );
    assert_eq!(subscription.plan.as_ref().unwrap()["id"], "pro-monthly");
    assert_eq!(subscription.quantity, Some(3));
    assert_eq!(subscription.start, Some(1_565_000_000));
    assert_eq!(subscription.tax_percent, Some(7.5));
    assert_eq!(
        subscription.discount.as_ref().unwrap()["coupon"]["id"],
        "LAUNCH"
    );
    assert_eq!(subscription.trial_end, Some(1_566_209_600));
    let item = &subscription.items.data[0];
    assert!(item.price.is_none(), "prices arrived in 2020");
    assert_eq!(item.plan.as_ref().unwrap()["amount"], 4900);
    assert_eq!(item.current_period_start, None);
    assert_eq!(item.subscription, "sub_FkQ2uA8bC3dE4f");
}

#[test]
fn subscription_unknown_fields_and_enum_values_parse() {
    let mut object = fixture("subscription_updated_current.json");
    object["status"] = json!("hibernating");
    object["collection_method"] = json!("carrier_pigeon");
    object["billing_mode"]["type"] = json!("quantum");
    object["cancellation_details"]["reason"] = json!("moved_to_mars");
    object["items"]["data"][0]["price"]["recurring"]["interval"] = json!("fortnight");
    object["items"]["data"][0]["unheard_of"] = json!({"x": 1});
    object["new_top_level"] = json!([1, "two"]);
    let subscription = subscription(&object);
    assert_eq!(
        subscription.status,
        SubscriptionStatus::Unknown("hibernating".into())
    );
    assert_eq!(subscription.collection_method.as_str(), "carrier_pigeon");
    assert_eq!(
        subscription
            .billing_mode
            .as_ref()
            .unwrap()
            .mode_type
            .as_str(),
        "quantum"
    );
    assert_eq!(
        subscription.cancellation_details.as_ref().unwrap().reason,
        Some(SubscriptionCancellationReason::Unknown(
            "moved_to_mars".into()
        ))
    );
    let price = subscription.items.data[0].price.as_ref().unwrap();
    assert_eq!(
        price.recurring.as_ref().unwrap().interval,
        PriceInterval::Unknown("fortnight".into())
    );
}

#[test]
fn subscription_nulls_and_missing_fields_parse() {
    let minimal = subscription(&json!({"id": "sub_min", "object": "subscription"}));
    assert_eq!(minimal.status, SubscriptionStatus::Unknown(String::new()));
    assert!(minimal.items.data.is_empty());
    assert_eq!(minimal.current_period(), None);

    let nulled = with_nulls(
        fixture("subscription_updated_current.json"),
        &[
            "application",
            "application_fee_percent",
            "billing_cycle_anchor_config",
            "billing_thresholds",
            "cancel_at",
            "canceled_at",
            "cancellation_details",
            "customer_account",
            "days_until_due",
            "default_payment_method",
            "default_source",
            "default_tax_rates",
            "description",
            "ended_at",
            "latest_invoice",
            "managed_payments",
            "next_pending_invoice_item_invoice",
            "on_behalf_of",
            "pause_collection",
            "payment_settings",
            "pending_invoice_item_interval",
            "pending_setup_intent",
            "pending_update",
            "schedule",
            "test_clock",
            "transfer_data",
            "trial_end",
            "trial_settings",
            "trial_start",
        ],
        IfAbsent::Panic,
    );
    let subscription = subscription(&nulled);
    assert!(subscription.latest_invoice.is_none() && subscription.cancellation_details.is_none());

    let item = with_nulls(
        fixture("subscription_updated_current.json")["items"]["data"][0].clone(),
        &[
            "billing_thresholds",
            "current_trial",
            "tax_rates",
            "plan",
            "price",
        ],
        IfAbsent::Insert,
    );
    let item: SubscriptionItem = parse_as(&item).unwrap();
    assert!(item.price.is_none());
}

#[test]
fn subscription_wrong_json_types_are_errors_naming_the_field() {
    let mut object = fixture("subscription_updated_current.json");
    object["cancel_at_period_end"] = json!("true");
    assert_eq!(
        shape_error_path("customer.subscription.updated", &object),
        ".cancel_at_period_end"
    );
    let mut object = fixture("subscription_updated_current.json");
    object["items"]["data"][1]["current_period_end"] = json!("soon");
    assert_eq!(
        shape_error_path("customer.subscription.updated", &object),
        ".items.data[1].current_period_end"
    );
}

#[test]
fn subscription_stripe_examples_parse() {
    if let Some(subscription) = stripe_example::<Subscription>("subscription") {
        assert_eq!(subscription.id, "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw");
        assert_eq!(subscription.status, SubscriptionStatus::Active);
        assert_eq!(subscription.items.data.len(), 1);
        assert!(subscription.items.data[0].current_period_end.is_some());
    }
    if let Some(item) = stripe_example::<SubscriptionItem>("subscription_item") {
        assert!(!item.id.is_empty());
    }
    if let Some(deleted) = stripe_example::<SubscriptionItem>("deleted_subscription_item") {
        assert!(!deleted.id.is_empty());
    }
}

#[test]
fn every_subscription_and_subscription_item_in_the_corpus_parses() {
    let subscriptions = corpus_check::<Subscription>("subscription");
    let items = corpus_check::<SubscriptionItem>("subscription_item");
    if shared_fixtures().is_some() {
        assert!(
            subscriptions >= 20,
            "only {subscriptions} subscriptions found"
        );
        assert!(items >= 20, "only {items} subscription items found");
    }
}

// ---------------------------------------------------------------------------------------------
// Price
// ---------------------------------------------------------------------------------------------

#[test]
fn price_current_version_parses_with_tiers_and_currency_options() {
    let price = price(&fixture("price_current.json"));
    assert_eq!(price.id, "price_1QxY1cLm2Wq8Rt5YeNtErPr1");
    assert!(price.active && price.livemode);
    assert_eq!(price.billing_scheme, PriceBillingScheme::Tiered);
    assert_eq!(price.price_type, PriceType::Recurring);
    assert_eq!(price.tiers_mode, Some(PriceTiersMode::Volume));
    assert_eq!(price.tax_behavior, Some(PriceTaxBehavior::Exclusive));
    assert_eq!(price.unit_amount, None);
    let recurring = price.recurring.as_ref().unwrap();
    assert_eq!(recurring.interval, PriceInterval::Year);
    assert_eq!(recurring.trial_period_days, Some(30));
    assert_eq!(recurring.aggregate_usage, None);
    let tiers = price.tiers.as_ref().unwrap();
    assert_eq!(tiers[0].up_to, Some(10));
    assert_eq!(tiers[0].flat_amount, Some(10_000));
    assert_eq!(tiers[1].up_to, None);
    assert_eq!(tiers[1].unit_amount_decimal.as_deref(), Some("800.5"));
    let eur = &price.currency_options.as_ref().unwrap()["eur"];
    assert_eq!(eur.tax_behavior, Some(PriceTaxBehavior::Inclusive));
    assert_eq!(eur.tiers.as_ref().unwrap()[1].unit_amount, Some(750));
    let product = price.product.as_ref().unwrap();
    assert_eq!(product.id(), Some("prod_RkS8Enterprise01"));
    assert_eq!(
        product.as_object().unwrap().unit_label.as_deref(),
        Some("seat")
    );
    assert_eq!(price.metadata["sku"], "ENT-SEAT-Y");
}

#[test]
fn price_of_2020_parses_with_aggregate_usage() {
    let price = price(&fixture("price_2020.json"));
    let recurring = price.recurring.as_ref().unwrap();
    assert_eq!(recurring.aggregate_usage, Some(PriceAggregateUsage::Sum));
    assert_eq!(recurring.usage_type, PriceUsageType::Metered);
    let transform = price.transform_quantity.as_ref().unwrap();
    assert_eq!(transform.divide_by, 1000);
    assert_eq!(transform.round, PriceTransformRound::Up);
    assert_eq!(price.unit_amount, Some(5));
    assert!(price.currency_options.is_none() && price.tax_behavior.is_none());
    assert_eq!(
        price.product.as_ref().and_then(|p| p.id()),
        Some("prod_HzP0ApiCalls")
    );
}

#[test]
fn price_unknown_fields_enum_values_nulls_and_missing_fields_parse() {
    let mut object = fixture("price_current.json");
    object["type"] = json!("usage_based_v3");
    object["billing_scheme"] = json!("bespoke");
    object["recurring"]["usage_type"] = json!("hybrid");
    object["brand_new"] = json!(null);
    let unknown = price(&object);
    assert_eq!(
        unknown.price_type,
        PriceType::Unknown("usage_based_v3".into())
    );
    assert_eq!(unknown.billing_scheme.as_str(), "bespoke");
    assert_eq!(unknown.recurring.unwrap().usage_type.as_str(), "hybrid");

    let nulled = with_nulls(
        fixture("price_current.json"),
        &[
            "custom_unit_amount",
            "lookup_key",
            "nickname",
            "product",
            "recurring",
            "tax_behavior",
            "tiers",
            "tiers_mode",
            "transform_quantity",
            "unit_amount",
            "unit_amount_decimal",
            "currency_options",
        ],
        IfAbsent::Panic,
    );
    let nulled = price(&nulled);
    assert!(nulled.recurring.is_none() && nulled.product.is_none());

    let deleted = price(&json!({"id": "price_gone", "object": "price", "deleted": true}));
    assert_eq!(deleted.id, "price_gone");
    assert_eq!(deleted.price_type, PriceType::Unknown(String::new()));
}

#[test]
fn price_wrong_json_types_are_errors_naming_the_field() {
    let mut object = fixture("price_current.json");
    object["unit_amount"] = json!("2000");
    assert_eq!(shape_error_path("price.updated", &object), ".unit_amount");
    let mut object = fixture("price_current.json");
    object["tiers"][1]["up_to"] = json!("inf");
    assert_eq!(
        shape_error_path("price.updated", &object),
        ".tiers[1].up_to"
    );
}

#[test]
fn price_stripe_example_and_corpus_parse() {
    if let Some(price) = stripe_example::<Price>("price") {
        assert_eq!(price.id, "price_1PgafmB7WZ01zgkW6dKueIc5");
        assert_eq!(price.unit_amount, Some(2000));
        assert_eq!(
            price.transform_quantity.unwrap().round,
            PriceTransformRound::Down
        );
    }
    let prices = corpus_check::<Price>("price");
    if shared_fixtures().is_some() {
        assert!(prices >= 50, "only {prices} prices found");
    }
}

// ---------------------------------------------------------------------------------------------
// Product
// ---------------------------------------------------------------------------------------------

#[test]
fn product_current_version_parses_with_expanded_default_price() {
    let product = product(&fixture("product_current.json"));
    assert_eq!(product.id, "prod_RkS8Hoodie00001");
    assert_eq!(product.name, "Logo hoodie");
    assert_eq!(product.product_type, ProductType::Good);
    assert_eq!(product.shippable, Some(true));
    let price = product.default_price.as_ref().unwrap().as_object().unwrap();
    assert_eq!(price.unit_amount, Some(5400));
    assert_eq!(price.price_type, PriceType::OneTime);
    let dimensions = product.package_dimensions.as_ref().unwrap();
    assert!((dimensions.weight - 22.4).abs() < 1e-9);
    assert_eq!(product.marketing_features.len(), 2);
    assert_eq!(
        product.marketing_features[0].name.as_deref(),
        Some("Organic cotton")
    );
    assert_eq!(product.marketing_features[1].name, None);
    assert_eq!(
        product.tax_code.as_ref().and_then(|c| c.id()),
        Some("txcd_30011000")
    );
    assert_eq!(
        product.tax_details.as_ref().unwrap().tax_code.as_deref(),
        Some("txcd_30011000")
    );
    assert_eq!(product.images.len(), 1);
    assert_eq!(product.metadata["warehouse"], "PDX-2");
    assert_eq!(product.updated, 1_759_100_000);
}

#[test]
fn product_of_2018_parses_with_attributes() {
    let product = product(&fixture("product_2018.json"));
    assert_eq!(
        product.attributes.as_deref(),
        Some(&["size".to_owned(), "color".to_owned()][..])
    );
    assert_eq!(product.product_type, ProductType::Good);
    assert!(product.default_price.is_none() && product.marketing_features.is_empty());
}

#[test]
fn product_unknown_fields_enum_values_nulls_and_missing_fields_parse() {
    let mut object = fixture("product_current.json");
    object["type"] = json!("bundle");
    object["carbon_footprint"] = json!({"kg": 3});
    assert_eq!(
        product(&object).product_type,
        ProductType::Unknown("bundle".into())
    );

    let nulled = with_nulls(
        fixture("product_current.json"),
        &[
            "default_price",
            "description",
            "package_dimensions",
            "shippable",
            "statement_descriptor",
            "tax_code",
            "tax_details",
            "unit_label",
            "url",
        ],
        IfAbsent::Panic,
    );
    assert!(product(&nulled).default_price.is_none());
    let minimal = product(&json!({"id": "prod_min", "object": "product"}));
    assert_eq!(minimal.name, "");
    assert!(minimal.images.is_empty());
}

#[test]
fn product_wrong_json_types_are_errors_naming_the_field() {
    let mut object = fixture("product_current.json");
    object["images"] = json!("https://example.com/a.png");
    assert_eq!(shape_error_path("product.updated", &object), ".images");
    let mut object = fixture("product_current.json");
    object["default_price"]["unit_amount"] = json!(true);
    assert_eq!(
        shape_error_path("product.updated", &object),
        ".default_price.unit_amount"
    );
}

#[test]
fn product_stripe_example_and_corpus_parse() {
    if let Some(product) = stripe_example::<Product>("product") {
        assert_eq!(product.id, "prod_QXg1hqf4jFNsqG");
        assert_eq!(product.name, "T-shirt");
        assert_eq!(
            product
                .default_price
                .and_then(|p| p.id().map(str::to_owned))
                .as_deref(),
            Some("price_1PgafmB7WZ01zgkW02Hf9z6c")
        );
    }
    let products = corpus_check::<Product>("product");
    if shared_fixtures().is_some() {
        assert!(products >= 5, "only {products} products found");
    }
}
