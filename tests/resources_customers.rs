//! Customer, CheckoutSession, PaymentMethod and SetupIntent: current and old payloads, unknown
//! values, nulls, shape errors, and every object of these types in the shared Stripe corpus.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod support;

use serde_json::{json, Value};
use stripe_webhooks::resources::{
    CheckoutSession, CheckoutSessionConsentPromotions, CheckoutSessionCustomFieldType,
    CheckoutSessionLocale, CheckoutSessionMode, CheckoutSessionPaymentStatus,
    CheckoutSessionStatus, CheckoutSessionUiMode, Customer, CustomerAutomaticTax,
    CustomerTaxExempt, CustomerTaxIdType, CustomerTaxLocationSource, Expandable, PaymentMethod,
    PaymentMethodAllowRedisplay, PaymentMethodCardBrand, PaymentMethodCardCheck,
    PaymentMethodCardFunding, PaymentMethodType, SetupIntent, SetupIntentCancellationReason,
    SetupIntentFlowDirection, SetupIntentStatus, SetupIntentUsage,
};
use stripe_webhooks::{Error, Event, EventObject};
use support::{event_around, fixture, read_json, shape_error_path, with_nulls, IfAbsent};

// ---------------------------------------------------------------------------------------------
// Helpers

fn parse_customer(object: &Value) -> Customer {
    match event_around("customer.updated", object).object() {
        Ok(EventObject::Customer(customer)) => *customer,
        other => panic!("expected a customer, got {other:?}"),
    }
}

fn parse_session(object: &Value) -> CheckoutSession {
    match event_around("checkout.session.completed", object).object() {
        Ok(EventObject::CheckoutSession(session)) => *session,
        other => panic!("expected a checkout session, got {other:?}"),
    }
}

fn parse_payment_method(object: &Value) -> PaymentMethod {
    match event_around("payment_method.attached", object).object() {
        Ok(EventObject::PaymentMethod(method)) => *method,
        other => panic!("expected a payment method, got {other:?}"),
    }
}

fn parse_setup_intent(object: &Value) -> SetupIntent {
    match event_around("setup_intent.succeeded", object).object() {
        Ok(EventObject::SetupIntent(intent)) => *intent,
        other => panic!("expected a setup intent, got {other:?}"),
    }
}

/// Sets `object[key]` (a top-level field) to `value`.
fn set(object: &mut Value, key: &str, value: Value) {
    object
        .as_object_mut()
        .expect("an object")
        .insert(key.to_owned(), value);
}

// ---------------------------------------------------------------------------------------------
// Customer

#[test]
fn customer_current_version_parses() {
    let customer = parse_customer(&fixture("customer_current.json"));
    assert_eq!(customer.id, "cus_T4kQ9mZpW2rXbN");
    assert_eq!(customer.balance, -1500);
    assert_eq!(customer.account_balance, None);
    assert_eq!(customer.created, 1_761_730_412);
    assert_eq!(customer.currency.as_ref().unwrap(), "eur");
    assert_eq!(
        customer.email.as_deref(),
        Some("accounts@lindqvist-bakery.de")
    );
    assert_eq!(customer.name.as_deref(), Some("Lindqvist Bakery"));
    assert_eq!(
        customer.business_name.as_deref(),
        Some("Lindqvist Bakery GmbH")
    );
    assert_eq!(customer.individual_name.as_deref(), Some("Maja Lindqvist"));
    assert_eq!(customer.delinquent, Some(false));
    assert_eq!(customer.tax_exempt, Some(CustomerTaxExempt::Reverse));
    assert_eq!(customer.invoice_credit_balance.get("eur"), Some(&1500));
    assert_eq!(customer.next_invoice_sequence, Some(7));
    assert_eq!(
        customer.preferred_locales.as_deref(),
        Some(&["de".to_owned(), "en".to_owned()][..])
    );
    assert_eq!(customer.metadata["crm_id"], "acct-88213");
    assert!(customer.default_source.is_none());
    assert_eq!(
        customer.test_clock.as_ref().and_then(Expandable::id),
        Some("clock_1SPx1bLkdIwHu7ixf3Yx8W2a")
    );

    let address = customer.address.as_ref().unwrap();
    assert_eq!(address.city.as_deref(), Some("Berlin"));
    assert_eq!(address.line2.as_deref(), Some("3. OG"));
    let shipping = customer.shipping.as_ref().unwrap();
    assert_eq!(
        shipping.name.as_deref(),
        Some("Lindqvist Bakery, Warehouse")
    );
    assert_eq!(
        shipping.address.as_ref().unwrap().postal_code.as_deref(),
        Some("10115")
    );

    let settings = &customer.invoice_settings;
    assert_eq!(
        settings.default_payment_method.as_ref().unwrap().id(),
        Some("pm_1SPx2yLkdIwHu7ixVb0cGm5K")
    );
    let fields = settings.custom_fields.as_ref().unwrap();
    assert_eq!(
        (fields[0].name.as_str(), fields[0].value.as_str()),
        ("VAT reg.", "DE298765431")
    );
    assert_eq!(
        settings.footer.as_deref(),
        Some("Thank you for your business.")
    );
    assert_eq!(
        settings
            .rendering_options
            .as_ref()
            .unwrap()
            .amount_tax_display
            .as_deref(),
        Some("exclude_tax")
    );

    let discount = customer.discount.as_ref().unwrap();
    assert_eq!(discount.id.as_deref(), Some("di_1SPx4fLkdIwHu7ixQ2bZl8Uo"));
    assert_eq!(
        discount.customer.as_ref().unwrap().id(),
        Some("cus_T4kQ9mZpW2rXbN")
    );
    assert_eq!(discount.source.as_ref().unwrap()["coupon"], "WHOLESALE15");
    assert_eq!(discount.start, Some(1_761_730_412));
    assert_eq!(discount.end, Some(1_769_506_412));
    assert_eq!(
        discount.promotion_code.as_ref().unwrap().id(),
        Some("promo_1SPx3aLkdIwHu7ixk0Z7tTqE")
    );

    let tax = customer.tax.as_ref().unwrap();
    assert_eq!(tax.automatic_tax, CustomerAutomaticTax::Supported);
    assert_eq!(tax.ip_address.as_deref(), Some("203.0.113.24"));
    let location = tax.location.as_ref().unwrap();
    assert_eq!(location.country.as_deref(), Some("DE"));
    assert_eq!(
        location.source,
        Some(CustomerTaxLocationSource::BillingAddress)
    );

    let tax_ids = customer.tax_ids.as_ref().unwrap();
    assert_eq!(tax_ids.total_count, Some(1));
    let tax_id = &tax_ids.data[0];
    assert_eq!(tax_id.id, "txi_1SPx5GLkdIwHu7ixqLwM0N2e");
    assert_eq!(tax_id.tax_id_type, CustomerTaxIdType::EuVat);
    assert_eq!(tax_id.value, "DE298765431");
    assert_eq!(tax_id.verification.as_ref().unwrap()["status"], "verified");

    // Not sent by current versions unless expanded.
    assert!(customer.sources.is_none());
    assert!(customer.subscriptions.is_none());
}

#[test]
fn customer_2019_version_parses() {
    let customer = parse_customer(&fixture("customer_2019.json"));
    assert_eq!(customer.id, "cus_F1aBcDeFgHiJkL");
    assert_eq!(customer.account_balance, Some(2500));
    assert_eq!(
        customer.balance, 0,
        "absent non-nullable fields take their default"
    );
    assert_eq!(customer.delinquent, Some(true));
    assert!(customer.address.is_none());

    // default_source expanded into a (legacy) card: kept as JSON, id still reachable.
    let source = customer.default_source.as_ref().unwrap();
    assert_eq!(source.id(), Some("card_1EaBcDeFgHiJkLmNoPqRsTuV"));
    assert_eq!(source.as_object().unwrap()["brand"], "Visa");

    let sources = customer.sources.as_ref().unwrap();
    assert_eq!(sources.data.len(), 2);
    assert_eq!(sources.data[1]["object"], "bank_account");
    assert_eq!(sources.total_count, Some(2));

    let subscriptions = customer.subscriptions.as_ref().unwrap();
    assert_eq!(subscriptions.data.len(), 1);
    assert_eq!(subscriptions.data[0].id, "sub_F1aSubScRiPtIoN");

    assert!(customer.tax_ids.as_ref().unwrap().data.is_empty());

    // The discount of that era: no id, the coupon inline.
    let discount = customer.discount.as_ref().unwrap();
    assert!(discount.id.is_none());
    assert_eq!(discount.coupon.as_ref().unwrap()["percent_off"], 25);
    assert!(discount.source.is_none());
}

#[test]
fn customer_default_source_as_id_and_bare_arrays_parse() {
    let mut object = fixture("customer_2019.json");
    set(
        &mut object,
        "default_source",
        json!("card_1EaBcDeFgHiJkLmNoPqRsTuV"),
    );
    // Very old versions sent some lists as bare arrays.
    set(
        &mut object,
        "sources",
        json!([{"id": "card_1", "object": "card"}]),
    );
    set(&mut object, "subscriptions", json!({}));
    let customer = parse_customer(&object);
    assert_eq!(
        customer.default_source.unwrap(),
        Expandable::Id("card_1EaBcDeFgHiJkLmNoPqRsTuV".to_owned())
    );
    assert_eq!(customer.sources.unwrap().data.len(), 1);
    assert!(customer.subscriptions.unwrap().data.is_empty());
}

#[test]
fn customer_unknown_fields_and_values_parse() {
    let mut object = fixture("customer_current.json");
    set(&mut object, "brand_new_field", json!({"nested": [1, 2, 3]}));
    set(&mut object, "tax_exempt", json!("partially_exempt"));
    object["tax"]["automatic_tax"] = json!("pending_review");
    object["tax"]["provider"] = json!("taxomatic");
    object["tax_ids"]["data"][0]["type"] = json!("mars_vat");
    let customer = parse_customer(&object);
    assert_eq!(
        customer.tax_exempt,
        Some(CustomerTaxExempt::Unknown("partially_exempt".to_owned()))
    );
    let tax = customer.tax.as_ref().unwrap();
    assert_eq!(
        tax.automatic_tax,
        CustomerAutomaticTax::Unknown("pending_review".to_owned())
    );
    assert_eq!(tax.provider.as_ref().unwrap().as_str(), "taxomatic");
    let tax_id_type = &customer.tax_ids.as_ref().unwrap().data[0].tax_id_type;
    assert!(!tax_id_type.is_known());
    assert_eq!(tax_id_type.as_str(), "mars_vat");

    // The unknown strings round-trip exactly.
    let back = serde_json::to_value(&customer).unwrap();
    assert_eq!(back["tax_exempt"], "partially_exempt");
    assert_eq!(back["tax_ids"]["data"][0]["type"], "mars_vat");
}

#[test]
fn customer_nulls_and_missing_fields_parse() {
    let mut object = with_nulls(
        fixture("customer_current.json"),
        &[
            "address",
            "cash_balance",
            "currency",
            "customer_account",
            "default_source",
            "delinquent",
            "description",
            "discount",
            "email",
            "invoice_prefix",
            "name",
            "phone",
            "preferred_locales",
            "shipping",
            "tax_exempt",
            "test_clock",
        ],
        IfAbsent::Insert,
    );
    object["invoice_settings"] = json!({
        "custom_fields": null, "default_payment_method": null, "footer": null,
        "rendering_options": null
    });
    object["tax"]["location"] = Value::Null;
    object["tax"]["ip_address"] = Value::Null;
    let customer = parse_customer(&object);
    assert!(customer.address.is_none());
    assert!(customer.email.is_none());
    assert!(customer.discount.is_none());
    assert!(customer.tax_exempt.is_none());
    assert!(customer.invoice_settings.default_payment_method.is_none());
    assert!(customer.tax.as_ref().unwrap().location.is_none());

    // A deleted customer, as the API returns it.
    let deleted = parse_customer(&json!({
        "id": "cus_T4kQ9mZpW2rXbN", "object": "customer", "deleted": true
    }));
    assert_eq!(deleted.deleted, Some(true));
    assert_eq!(deleted.balance, 0);
    assert!(deleted.metadata.is_empty());
    assert_eq!(deleted.invoice_settings, Default::default());
}

#[test]
fn customer_wrong_types_name_the_field() {
    let mut object = fixture("customer_current.json");
    set(&mut object, "balance", json!("-1500"));
    assert_eq!(shape_error_path("customer.updated", &object), ".balance");

    let mut object = fixture("customer_current.json");
    object["invoice_settings"]["default_payment_method"] = json!(42);
    assert_eq!(
        shape_error_path("customer.updated", &object),
        ".invoice_settings.default_payment_method"
    );

    let mut object = fixture("customer_current.json");
    object["tax_ids"]["data"][0]["created"] = json!("yesterday");
    assert_eq!(
        shape_error_path("customer.updated", &object),
        ".tax_ids.data[0].created"
    );

    // Through object_as as well.
    let mut object = fixture("customer_current.json");
    set(&mut object, "email", json!(["a@b.c"]));
    let error = event_around("customer.updated", &object)
        .object_as::<Customer>()
        .unwrap_err();
    let Error::ObjectShape { path, .. } = error else {
        panic!("expected Error::ObjectShape, got {error:?}");
    };
    assert_eq!(&*path, ".email");
}

// ---------------------------------------------------------------------------------------------
// CheckoutSession

#[test]
fn checkout_session_current_version_parses() {
    let session = parse_session(&fixture("checkout_session_completed_current.json"));
    assert_eq!(
        session.id,
        "cs_live_b1Qx7TnV3pLk9RzWm2YcHd4Fs6JgAe8Ku0NoPi5Xq"
    );
    assert_eq!(session.mode, CheckoutSessionMode::Payment);
    assert_eq!(session.status, Some(CheckoutSessionStatus::Complete));
    assert_eq!(session.payment_status, CheckoutSessionPaymentStatus::Paid);
    assert_eq!(session.amount_subtotal, Some(4800));
    assert_eq!(session.amount_total, Some(4920));
    assert_eq!(session.currency.as_ref().unwrap(), "gbp");
    assert_eq!(session.client_reference_id.as_deref(), Some("order_81723"));
    assert_eq!(session.locale, Some(CheckoutSessionLocale::EnGb));
    assert_eq!(session.ui_mode, Some(CheckoutSessionUiMode::HostedPage));
    assert_eq!(session.expires_at, 1_761_817_400);
    assert!(session.livemode);
    assert_eq!(session.metadata.as_ref().unwrap()["cart_id"], "cart_5521");
    assert_eq!(session.payment_method_types, ["card", "link", "paypal"]);

    assert_eq!(
        session.payment_intent.as_ref().unwrap().id(),
        Some("pi_3SPy1sLkdIwHu7ix0Ht7kYQw")
    );
    assert_eq!(
        session.customer.as_ref().unwrap().id(),
        Some("cus_T4mN2bV8xQ1wEr")
    );
    assert_eq!(
        session.invoice.as_ref().unwrap().id(),
        Some("in_1SPy2cLkdIwHu7ixUu8bWq3e")
    );
    assert!(session.subscription.is_none());
    assert!(session.setup_intent.is_none());

    let details = session.customer_details.as_ref().unwrap();
    assert_eq!(details.email.as_deref(), Some("ada@example.com"));
    assert_eq!(details.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(details.phone.as_deref(), Some("+44 20 7946 0958"));
    assert_eq!(details.tax_exempt, Some(CustomerTaxExempt::None));
    assert_eq!(
        details.address.as_ref().unwrap().postal_code.as_deref(),
        Some("SW1Y 4LB")
    );
    let tax_ids = details.tax_ids.as_ref().unwrap();
    assert_eq!(tax_ids[0].tax_id_type, CustomerTaxIdType::GbVat);
    assert_eq!(tax_ids[0].value.as_deref(), Some("GB123456789"));

    let totals = session.total_details.as_ref().unwrap();
    assert_eq!(
        (
            totals.amount_discount,
            totals.amount_shipping,
            totals.amount_tax
        ),
        (480, Some(500), 100)
    );

    let collected = session.collected_information.as_ref().unwrap();
    assert_eq!(collected.individual_name.as_deref(), Some("Ada Lovelace"));
    let shipping = collected.shipping_details.as_ref().unwrap();
    assert_eq!(shipping.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        shipping.address.as_ref().unwrap().country.as_deref(),
        Some("GB")
    );

    let consent = session.consent.as_ref().unwrap();
    assert_eq!(
        consent.promotions,
        Some(CheckoutSessionConsentPromotions::OptIn)
    );
    assert_eq!(
        consent.terms_of_service.as_ref().unwrap().as_str(),
        "accepted"
    );

    assert_eq!(session.custom_fields.len(), 2);
    let engraving = &session.custom_fields[0];
    assert_eq!(engraving.key, "engraving");
    assert_eq!(engraving.field_type, CheckoutSessionCustomFieldType::Text);
    assert!(engraving.optional);
    assert_eq!(engraving.value(), Some("For Ada, with love"));
    assert_eq!(session.custom_fields[1].value(), Some("ground"));

    let discounts = session.discounts.as_ref().unwrap();
    assert_eq!(
        discounts[0].promotion_code.as_ref().unwrap().id(),
        Some("promo_1SPy0qLkdIwHu7ixR4nq9TmA")
    );

    let cost = session.shipping_cost.as_ref().unwrap();
    assert_eq!((cost.amount_subtotal, cost.amount_total), (500, 500));
    assert_eq!(
        cost.shipping_rate.as_ref().unwrap().id(),
        Some("shr_1SPxzRLkdIwHu7ixH0pL2vTq")
    );
    assert_eq!(session.shipping_options.len(), 2);
    assert_eq!(session.shipping_options[1].shipping_amount, 1200);

    // Option bags are typed too.
    assert_eq!(
        session
            .automatic_tax
            .as_ref()
            .unwrap()
            .status
            .as_ref()
            .unwrap(),
        "complete"
    );
    assert_eq!(
        session
            .payment_method_options
            .as_ref()
            .and_then(|options| options.card.as_ref())
            .unwrap()
            .request_three_d_secure,
        "automatic"
    );
}

#[test]
fn checkout_session_2020_version_parses() {
    let session = parse_session(&fixture("checkout_session_2020.json"));
    assert_eq!(session.mode, CheckoutSessionMode::Subscription);
    assert_eq!(session.payment_status, CheckoutSessionPaymentStatus::Paid);
    assert!(
        session.status.is_none(),
        "this older session sends no status"
    );
    assert_eq!(session.created, 0);
    assert_eq!(
        session.subscription.as_ref().unwrap().id(),
        Some("sub_HkQ9aB3cD4eF5g")
    );
    let details = session.customer_details.as_ref().unwrap();
    assert_eq!(details.email.as_deref(), Some("grace@example.com"));
    assert!(details.address.is_none());
    assert_eq!(details.tax_ids.as_deref(), Some(&[][..]));
    let shipping = session.shipping.as_ref().unwrap();
    assert_eq!(shipping.name.as_deref(), Some("Grace Hopper"));
    assert!(session.shipping_details.is_none());
    assert!(session.collected_information.is_none());
    assert_eq!(
        session.display_items.as_ref().unwrap()[0]["custom"]["name"],
        "Basic"
    );
    let totals = session.total_details.as_ref().unwrap();
    assert_eq!(totals.amount_shipping, None);
}

#[test]
fn checkout_session_expanded_fields_parse() {
    let session = parse_session(&fixture("checkout_session_expanded.json"));
    let customer = session.customer.as_ref().unwrap().as_object().unwrap();
    assert_eq!(customer.id, "cus_T4pQ7rS1tU2vWx");
    assert_eq!(customer.email.as_deref(), Some("lin@example.com"));
    let subscription = session.subscription.as_ref().unwrap();
    assert_eq!(subscription.id(), Some("sub_1SPyAbLkdIwHu7ixG4h5JkLm"));
    assert!(subscription.as_object().is_some());
    let invoice = session.invoice.as_ref().unwrap();
    assert_eq!(invoice.id(), Some("in_1SPyAbLkdIwHu7ixN3b8YtQp"));
    assert!(invoice.as_object().is_some());
    assert!(session.metadata.is_none());

    let items = session.line_items.as_ref().unwrap();
    assert!(!items.has_more);
    let item = &items.data[0];
    assert_eq!(item.id, "li_1SPyAZLkdIwHu7ixkS0m2XbV");
    assert_eq!((item.amount_subtotal, item.amount_total), (9000, 9000));
    assert_eq!(item.currency, "usd");
    assert_eq!(item.quantity, Some(1));
    assert_eq!(item.description.as_deref(), Some("Team plan (yearly)"));
    assert_eq!(
        item.price.as_ref().unwrap().id,
        "price_1SPy9kLkdIwHu7ixT2mQ8zXc"
    );
    assert!(session.total_details.as_ref().unwrap().breakdown.is_some());
}

#[test]
fn checkout_session_unknown_fields_and_values_parse() {
    let mut object = fixture("checkout_session_completed_current.json");
    set(&mut object, "quantum_checkout", json!({"entangled": true}));
    set(&mut object, "mode", json!("barter"));
    set(&mut object, "status", json!("abandoned_cart"));
    set(&mut object, "payment_status", json!("partially_paid"));
    set(&mut object, "locale", json!("tlh"));
    set(&mut object, "ui_mode", json!("hosted"));
    object["custom_fields"][0]["type"] = json!("signature");
    object["customer_details"]["tax_ids"][0]["type"] = json!("xx_tin");
    let session = parse_session(&object);
    assert_eq!(
        session.mode,
        CheckoutSessionMode::Unknown("barter".to_owned())
    );
    assert_eq!(
        session.status,
        Some(CheckoutSessionStatus::Unknown("abandoned_cart".to_owned()))
    );
    assert_eq!(
        session.payment_status,
        CheckoutSessionPaymentStatus::Unknown("partially_paid".to_owned())
    );
    assert_eq!(session.locale.as_ref().unwrap().as_str(), "tlh");
    assert_eq!(session.ui_mode.as_ref().unwrap().as_str(), "hosted");
    assert!(!session.custom_fields[0].field_type.is_known());
    assert_eq!(
        session
            .customer_details
            .as_ref()
            .unwrap()
            .tax_ids
            .as_ref()
            .unwrap()[0]
            .tax_id_type
            .as_str(),
        "xx_tin"
    );
    let back = serde_json::to_value(&session).unwrap();
    assert_eq!(back["mode"], "barter");
    assert_eq!(back["payment_status"], "partially_paid");
}

#[test]
fn checkout_session_nulls_and_missing_fields_parse() {
    let object = with_nulls(
        fixture("checkout_session_completed_current.json"),
        &[
            "adaptive_pricing",
            "after_expiration",
            "allow_promotion_codes",
            "allowed_payment_method_types",
            "amount_subtotal",
            "amount_total",
            "billing_address_collection",
            "cancel_url",
            "client_reference_id",
            "client_secret",
            "collected_information",
            "consent",
            "consent_collection",
            "currency",
            "currency_conversion",
            "customer",
            "customer_account",
            "customer_creation",
            "customer_details",
            "customer_email",
            "discounts",
            "integration_identifier",
            "invoice",
            "invoice_creation",
            "locale",
            "managed_payments",
            "metadata",
            "optional_items",
            "origin_context",
            "payment_intent",
            "payment_link",
            "payment_method_collection",
            "payment_method_configuration_details",
            "payment_method_options",
            "permissions",
            "recovered_from",
            "saved_payment_method_options",
            "setup_intent",
            "shipping_address_collection",
            "shipping_cost",
            "status",
            "submit_type",
            "subscription",
            "success_url",
            "total_details",
            "ui_mode",
            "url",
            "wallet_options",
        ],
        IfAbsent::Insert,
    );
    let session = parse_session(&object);
    assert!(session.amount_total.is_none());
    assert!(session.customer_details.is_none());
    assert!(session.status.is_none());
    assert!(session.payment_intent.is_none());
    assert!(session.metadata.is_none());
    assert_eq!(session.mode, CheckoutSessionMode::Payment);

    // Nested nullables.
    let mut object = fixture("checkout_session_completed_current.json");
    object["customer_details"] = json!({
        "address": null, "business_name": null, "email": null, "individual_name": null,
        "name": null, "phone": null, "tax_exempt": null, "tax_ids": null
    });
    object["total_details"]["amount_shipping"] = Value::Null;
    object["consent"] = json!({"promotions": null, "terms_of_service": null});
    object["collected_information"]["shipping_details"] = Value::Null;
    object["shipping_cost"]["shipping_rate"] = Value::Null;
    object["discounts"] = json!([{"coupon": null, "promotion_code": null}]);
    let session = parse_session(&object);
    assert!(session.customer_details.as_ref().unwrap().email.is_none());
    assert!(session
        .total_details
        .as_ref()
        .unwrap()
        .amount_shipping
        .is_none());

    // The bare minimum.
    let minimal = parse_session(&json!({"id": "cs_1", "object": "checkout.session"}));
    assert_eq!(minimal.id, "cs_1");
    assert!(!minimal.mode.is_known());
    assert!(minimal.custom_fields.is_empty());
}

#[test]
fn checkout_session_wrong_types_name_the_field() {
    let mut object = fixture("checkout_session_completed_current.json");
    object["total_details"]["amount_tax"] = json!("100");
    assert_eq!(
        shape_error_path("checkout.session.completed", &object),
        ".total_details.amount_tax"
    );

    let mut object = fixture("checkout_session_completed_current.json");
    object["customer_details"]["tax_ids"][0]["type"] = json!(5);
    assert_eq!(
        shape_error_path("checkout.session.completed", &object),
        ".customer_details.tax_ids[0].type"
    );

    let mut object = fixture("checkout_session_completed_current.json");
    set(&mut object, "amount_total", json!(49.2));
    assert_eq!(
        shape_error_path("checkout.session.completed", &object),
        ".amount_total"
    );

    let mut object = fixture("checkout_session_expanded.json");
    object["line_items"]["data"][0]["amount_total"] = json!(null);
    assert_eq!(
        shape_error_path("checkout.session.completed", &object),
        ".line_items.data[0].amount_total"
    );
}

// ---------------------------------------------------------------------------------------------
// PaymentMethod

#[test]
fn payment_method_card_current_version_parses() {
    let method = parse_payment_method(&fixture("payment_method_card_current.json"));
    assert_eq!(method.id, "pm_1SPy5tLkdIwHu7ixE1b2C3d4");
    assert_eq!(method.payment_method_type, PaymentMethodType::Card);
    assert_eq!(
        method.allow_redisplay,
        Some(PaymentMethodAllowRedisplay::Always)
    );
    assert_eq!(method.created, 1_761_731_500);
    assert!(method.livemode);
    assert_eq!(
        method.customer.as_ref().unwrap().id(),
        Some("cus_T4rS3tU4vW5xYz")
    );
    assert_eq!(method.metadata.as_ref().unwrap()["saved_from"], "checkout");
    assert_eq!(
        method.billing_details.name.as_deref(),
        Some("Camille Martin")
    );
    assert_eq!(
        method
            .billing_details
            .address
            .as_ref()
            .unwrap()
            .city
            .as_deref(),
        Some("Paris")
    );
    assert_eq!(
        method.radar_options.as_ref().unwrap().session.as_deref(),
        Some("rse_1SPy5rLkdIwHu7ixP0o9I8u7")
    );
    assert!(method.sepa_debit.is_none());

    let card = method.card.as_ref().unwrap();
    assert_eq!(card.brand, PaymentMethodCardBrand::CartesBancaires);
    assert_eq!(
        card.display_brand.as_ref().unwrap().as_str(),
        "cartes_bancaires"
    );
    assert_eq!(card.last4, "1001");
    assert_eq!((card.exp_month, card.exp_year), (11, 2029));
    assert_eq!(card.funding, PaymentMethodCardFunding::Debit);
    assert_eq!(card.country.as_deref(), Some("FR"));
    assert_eq!(card.fingerprint.as_deref(), Some("q8Zs2VbN1mKx7PtL"));
    let checks = card.checks.as_ref().unwrap();
    assert_eq!(checks.cvc_check, Some(PaymentMethodCardCheck::Pass));
    assert_eq!(
        checks.address_postal_code_check,
        Some(PaymentMethodCardCheck::Unavailable)
    );
    let networks = card.networks.as_ref().unwrap();
    assert_eq!(networks.available, ["cartes_bancaires", "visa"]);
    assert_eq!(networks.preferred.as_deref(), Some("cartes_bancaires"));
    assert!(card.three_d_secure_usage.as_ref().unwrap().supported);
    assert_eq!(
        card.regulated_status.as_ref().unwrap().as_str(),
        "unregulated"
    );
    let wallet = card.wallet.as_ref().unwrap();
    assert_eq!(wallet.r#type, "apple_pay");
    assert!(wallet.apple_pay.is_some());
}

#[test]
fn payment_method_other_type_parses() {
    let method = parse_payment_method(&fixture("payment_method_sepa_debit_current.json"));
    assert_eq!(method.payment_method_type, PaymentMethodType::SepaDebit);
    assert!(method.card.is_none());
    assert!(method.customer.is_none());
    assert_eq!(
        method.sepa_debit.as_ref().unwrap().last4.as_deref(),
        Some("3000")
    );
    assert_eq!(
        method.allow_redisplay,
        Some(PaymentMethodAllowRedisplay::Limited)
    );
}

#[test]
fn payment_method_2019_version_parses() {
    let method = parse_payment_method(&fixture("payment_method_card_2019.json"));
    assert_eq!(method.payment_method_type, PaymentMethodType::Card);
    assert!(method.allow_redisplay.is_none());
    let card = method.card.as_ref().unwrap();
    assert_eq!(card.brand, PaymentMethodCardBrand::Mastercard);
    assert!(card.display_brand.is_none());
    assert!(card.networks.is_none());
    assert_eq!(
        card.checks.as_ref().unwrap().cvc_check,
        Some(PaymentMethodCardCheck::Unchecked)
    );
    assert!(card.wallet.is_none());
    assert!(method.billing_details.tax_id.is_none());
}

#[test]
fn payment_method_unknown_fields_and_values_parse() {
    let mut object = fixture("payment_method_card_current.json");
    set(&mut object, "type", json!("teleport_pay"));
    set(&mut object, "teleport_pay", json!({"portal": "north"}));
    set(&mut object, "allow_redisplay", json!("sometimes"));
    object["card"]["brand"] = json!("plastic_express");
    object["card"]["funding"] = json!("charge");
    object["card"]["checks"]["cvc_check"] = json!("maybe");
    object["card"]["new_card_field"] = json!(1);
    let method = parse_payment_method(&object);
    assert_eq!(
        method.payment_method_type,
        PaymentMethodType::Unknown("teleport_pay".to_owned())
    );
    assert_eq!(
        method.allow_redisplay.as_ref().unwrap().as_str(),
        "sometimes"
    );
    let card = method.card.as_ref().unwrap();
    assert_eq!(
        card.brand,
        PaymentMethodCardBrand::Unknown("plastic_express".to_owned())
    );
    assert_eq!(card.funding.as_str(), "charge");
    assert_eq!(
        card.checks
            .as_ref()
            .unwrap()
            .cvc_check
            .as_ref()
            .unwrap()
            .as_str(),
        "maybe"
    );

    // `unknown` is a documented brand and funding, distinct from a value the crate lacks.
    let mut object = fixture("payment_method_card_current.json");
    object["card"]["brand"] = json!("unknown");
    object["card"]["funding"] = json!("unknown");
    let card = parse_payment_method(&object).card.unwrap();
    assert_eq!(card.brand, PaymentMethodCardBrand::UnknownBrand);
    assert_eq!(card.funding, PaymentMethodCardFunding::UnknownFunding);
}

#[test]
fn payment_method_nulls_and_missing_fields_parse() {
    let mut object = with_nulls(
        fixture("payment_method_card_current.json"),
        &["customer", "customer_account", "metadata"],
        IfAbsent::Insert,
    );
    object["card"] = with_nulls(
        object["card"].take(),
        &[
            "checks",
            "country",
            "display_brand",
            "fingerprint",
            "generated_from",
            "networks",
            "regulated_status",
            "three_d_secure_usage",
            "wallet",
        ],
        IfAbsent::Insert,
    );
    object["billing_details"] = json!({
        "address": null, "email": null, "name": null, "phone": null, "tax_id": null
    });
    let method = parse_payment_method(&object);
    assert!(method.customer.is_none());
    assert!(method.metadata.is_none());
    let card = method.card.as_ref().unwrap();
    assert!(card.checks.is_none() && card.networks.is_none() && card.wallet.is_none());
    assert_eq!(card.last4, "1001");

    let minimal = parse_payment_method(&json!({"id": "pm_1", "object": "payment_method"}));
    assert_eq!(minimal.id, "pm_1");
    assert!(minimal.card.is_none());
    assert_eq!(minimal.billing_details, Default::default());
}

#[test]
fn payment_method_wrong_types_name_the_field() {
    let mut object = fixture("payment_method_card_current.json");
    object["card"]["exp_month"] = json!("11");
    assert_eq!(
        shape_error_path("payment_method.attached", &object),
        ".card.exp_month"
    );

    let mut object = fixture("payment_method_card_current.json");
    object["card"]["networks"]["available"] = json!("visa");
    assert_eq!(
        shape_error_path("payment_method.attached", &object),
        ".card.networks.available"
    );

    let mut object = fixture("payment_method_card_current.json");
    set(&mut object, "livemode", json!("true"));
    assert_eq!(
        shape_error_path("payment_method.attached", &object),
        ".livemode"
    );
}

// ---------------------------------------------------------------------------------------------
// SetupIntent

#[test]
fn setup_intent_current_version_parses() {
    let intent = parse_setup_intent(&fixture("setup_intent_succeeded_current.json"));
    assert_eq!(intent.id, "seti_1SPy9aLkdIwHu7ixM1n2B3v4");
    assert_eq!(intent.status, SetupIntentStatus::Succeeded);
    assert_eq!(intent.usage, SetupIntentUsage::OffSession);
    assert_eq!(intent.created, 1_761_731_700);
    assert!(intent.livemode);
    assert_eq!(
        intent.customer.as_ref().unwrap().id(),
        Some("cus_T4rS3tU4vW5xYz")
    );
    assert_eq!(
        intent.flow_directions.as_deref(),
        Some(&[SetupIntentFlowDirection::Inbound][..])
    );
    assert_eq!(
        intent.excluded_payment_method_types.as_deref(),
        Some(&["bancontact".to_owned()][..])
    );
    assert_eq!(intent.payment_method_types, ["card", "link"]);
    assert_eq!(
        intent.latest_attempt.as_ref().unwrap().id(),
        Some("setatt_1SPy9cLkdIwHu7ixA9s8D7f6")
    );
    assert_eq!(
        intent.mandate.as_ref().unwrap().id(),
        Some("mandate_1SPy9dLkdIwHu7ixQ5w4E3r2")
    );
    assert_eq!(intent.metadata.as_ref().unwrap()["plan"], "monthly-roast");
    assert!(intent.last_setup_error.is_none());
    assert!(intent.next_action.is_none());
    assert_eq!(
        intent
            .automatic_payment_methods
            .as_ref()
            .unwrap()
            .allow_redirects
            .as_ref()
            .unwrap(),
        "never"
    );

    // The payment method, expanded.
    let method = intent.payment_method.as_ref().unwrap();
    assert_eq!(method.id(), Some("pm_1SPy5tLkdIwHu7ixE1b2C3d4"));
    let card = method.as_object().unwrap().card.as_ref().unwrap();
    assert_eq!(card.brand, PaymentMethodCardBrand::Visa);
    assert_eq!(card.last4, "1001");
}

#[test]
fn setup_intent_failed_parses_the_error() {
    let intent = parse_setup_intent(&fixture("setup_intent_failed_current.json"));
    assert_eq!(intent.status, SetupIntentStatus::RequiresPaymentMethod);
    assert_eq!(intent.usage, SetupIntentUsage::OnSession);
    assert!(intent.customer.is_none());
    assert_eq!(
        intent.customer_account.as_deref(),
        Some("acct_1SPyBbLkdIwHu7ixCusT0mer")
    );
    assert_eq!(
        intent.application.as_ref().unwrap().id(),
        Some("ca_T4aPpLiCaTiOnId0001")
    );
    let error = intent.last_setup_error.as_ref().unwrap();
    assert_eq!(error.error_type.as_ref().unwrap().as_str(), "card_error");
    assert_eq!(error.code.as_deref(), Some("card_declined"));
    assert_eq!(error.decline_code.as_deref(), Some("insufficient_funds"));
    assert_eq!(error.advice_code.as_deref(), Some("try_again_later"));
    assert_eq!(error.network_decline_code.as_deref(), Some("51"));
    assert_eq!(error.payment_method_type.as_deref(), Some("card"));
    assert_eq!(
        error.payment_method.as_ref().unwrap().id,
        "pm_1SPyBdLkdIwHu7ixD3c2L1n0"
    );
}

#[test]
fn setup_intent_2019_version_parses() {
    let intent = parse_setup_intent(&fixture("setup_intent_2019.json"));
    assert_eq!(intent.status, SetupIntentStatus::RequiresAction);
    assert_eq!(
        intent.next_action.as_ref().unwrap().r#type,
        "redirect_to_url"
    );
    assert!(intent
        .next_action
        .as_ref()
        .and_then(|action| action.redirect_to_url.as_ref())
        .is_some_and(|redirect| redirect.url.is_some()));
    assert_eq!(
        intent.payment_method.as_ref().unwrap().id(),
        Some("pm_1EzVO3HssDVaQm2PqwR9xYza")
    );
    assert!(intent.flow_directions.is_none());
    assert!(intent.latest_attempt.is_none());
    assert!(intent.automatic_payment_methods.is_none());
}

#[test]
fn setup_intent_unknown_fields_and_values_parse() {
    let mut object = fixture("setup_intent_succeeded_current.json");
    set(&mut object, "status", json!("requires_blessing"));
    set(&mut object, "usage", json!("sometimes_session"));
    set(&mut object, "cancellation_reason", json!("cosmic_rays"));
    set(
        &mut object,
        "flow_directions",
        json!(["inbound", "sideways"]),
    );
    set(&mut object, "holographic", json!(true));
    let intent = parse_setup_intent(&object);
    assert_eq!(
        intent.status,
        SetupIntentStatus::Unknown("requires_blessing".to_owned())
    );
    assert_eq!(intent.usage.as_str(), "sometimes_session");
    assert_eq!(
        intent.cancellation_reason,
        Some(SetupIntentCancellationReason::Unknown(
            "cosmic_rays".to_owned()
        ))
    );
    let directions = intent.flow_directions.as_ref().unwrap();
    assert_eq!(directions[0], SetupIntentFlowDirection::Inbound);
    assert_eq!(directions[1].as_str(), "sideways");
    let back = serde_json::to_value(&intent).unwrap();
    assert_eq!(back["status"], "requires_blessing");
}

#[test]
fn setup_intent_nulls_and_missing_fields_parse() {
    let object = with_nulls(
        fixture("setup_intent_failed_current.json"),
        &[
            "allowed_payment_method_types",
            "application",
            "automatic_payment_methods",
            "cancellation_reason",
            "client_secret",
            "customer",
            "customer_account",
            "description",
            "excluded_payment_method_types",
            "flow_directions",
            "last_setup_error",
            "latest_attempt",
            "managed_payments",
            "mandate",
            "metadata",
            "next_action",
            "on_behalf_of",
            "payment_method",
            "payment_method_configuration_details",
            "payment_method_options",
            "single_use_mandate",
        ],
        IfAbsent::Insert,
    );
    let intent = parse_setup_intent(&object);
    assert!(intent.last_setup_error.is_none());
    assert!(intent.application.is_none());
    assert!(intent.metadata.is_none());
    assert_eq!(intent.status, SetupIntentStatus::RequiresPaymentMethod);

    // An error with only a type, as Stripe's own example has.
    let mut object = fixture("setup_intent_failed_current.json");
    set(
        &mut object,
        "last_setup_error",
        json!({"type": "api_error"}),
    );
    let error = parse_setup_intent(&object).last_setup_error.unwrap();
    assert!(error.code.is_none() && error.message.is_none());

    let minimal = parse_setup_intent(&json!({"id": "seti_1", "object": "setup_intent"}));
    assert_eq!(minimal.id, "seti_1");
    assert!(!minimal.status.is_known());
    assert!(minimal.payment_method_types.is_empty());
}

#[test]
fn setup_intent_wrong_types_name_the_field() {
    let mut object = fixture("setup_intent_failed_current.json");
    object["last_setup_error"]["code"] = json!(402);
    assert_eq!(
        shape_error_path("setup_intent.setup_failed", &object),
        ".last_setup_error.code"
    );

    let mut object = fixture("setup_intent_succeeded_current.json");
    set(&mut object, "payment_method_types", json!("card"));
    assert_eq!(
        shape_error_path("setup_intent.succeeded", &object),
        ".payment_method_types"
    );

    let mut object = fixture("setup_intent_succeeded_current.json");
    object["payment_method"]["card"]["exp_year"] = json!("2029");
    assert_eq!(
        shape_error_path("setup_intent.succeeded", &object),
        ".payment_method.card.exp_year"
    );
}

// ---------------------------------------------------------------------------------------------
// The shared Stripe corpus

/// Our object strings, with an event type to wrap each in.
const OUR_OBJECTS: &[(&str, &str)] = &[
    ("customer", "customer.updated"),
    ("checkout.session", "checkout.session.completed"),
    ("payment_method", "payment_method.attached"),
    ("setup_intent", "setup_intent.succeeded"),
];

fn event_type_for(object: &str) -> Option<&'static str> {
    OUR_OBJECTS
        .iter()
        .find(|(name, _)| *name == object)
        .map(|(_, event_type)| *event_type)
}

/// Checks that `object` parses as the variant its `object` string names.
fn check_ours(object: &Value) -> Result<(), String> {
    let kind = object["object"].as_str().unwrap_or_default();
    let event_type = event_type_for(kind).expect("one of ours");
    let parsed = event_around(event_type, object)
        .object()
        .map_err(|error| error.to_string())?;
    match (&parsed, kind) {
        (EventObject::Customer(_), "customer")
        | (EventObject::CheckoutSession(_), "checkout.session")
        | (EventObject::PaymentMethod(_), "payment_method")
        | (EventObject::SetupIntent(_), "setup_intent") => Ok(()),
        _ => Err(format!("parsed as the wrong variant: {parsed:?}")),
    }
}

#[test]
fn stripe_example_objects_parse() {
    let Some(root) = support::shared_fixtures() else {
        return;
    };
    let objects = root.join("objects");
    for (file, id) in [
        ("customer.json", "cus_QXg1o8vcGmoR32"),
        ("deleted_customer.json", ""),
        ("checkout.session.json", ""),
        ("payment_method.json", "pm_1Pgc75B7WZ01zgkWlHVgdEGJ"),
        ("setup_intent.json", "seti_1Pgag7B7WZ01zgkWSgwGdb8Z"),
    ] {
        let object = read_json(&objects.join(file));
        if let Err(error) = check_ours(&object) {
            panic!("objects/{file}: {error}");
        }
        if !id.is_empty() {
            assert_eq!(object["id"], id);
        }
    }

    let customer = parse_customer(&read_json(&objects.join("customer.json")));
    assert_eq!(customer.id, "cus_QXg1o8vcGmoR32");
    assert_eq!(customer.tax_exempt, Some(CustomerTaxExempt::None));
    let discount = customer.discount.unwrap();
    assert_eq!(discount.source.unwrap()["type"], "coupon");

    let deleted = parse_customer(&read_json(&objects.join("deleted_customer.json")));
    assert_eq!(deleted.deleted, Some(true));

    let session = parse_session(&read_json(&objects.join("checkout.session.json")));
    assert_eq!(session.mode, CheckoutSessionMode::Payment);
    assert_eq!(session.status, Some(CheckoutSessionStatus::Open));
    assert_eq!(session.payment_status, CheckoutSessionPaymentStatus::Unpaid);
    assert_eq!(
        session.customer_details.unwrap().email.as_deref(),
        Some("example@example.com")
    );

    let method = parse_payment_method(&read_json(&objects.join("payment_method.json")));
    let card = method.card.unwrap();
    assert_eq!(card.brand, PaymentMethodCardBrand::Visa);
    assert_eq!((card.exp_month, card.exp_year), (8, 2030));

    let intent = parse_setup_intent(&read_json(&objects.join("setup_intent.json")));
    assert_eq!(intent.status, SetupIntentStatus::RequiresPaymentMethod);
    assert_eq!(
        intent
            .last_setup_error
            .unwrap()
            .error_type
            .unwrap()
            .as_str(),
        "idempotency_error"
    );
}

#[test]
fn every_corpus_object_of_our_types_parses() {
    let Some(root) = support::shared_fixtures() else {
        return;
    };
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    let mut direct_events = 0;

    for folder in ["api-objects", "events"] {
        for file in support::json_files(&root.join(folder)) {
            let name = file.strip_prefix(&root).unwrap().display().to_string();
            let bytes = std::fs::read(&file).unwrap();
            let Ok(json) = serde_json::from_slice::<Value>(&bytes) else {
                continue;
            };

            let found = support::objects_where(&json, &|kind| event_type_for(kind).is_some());
            for (path, object) in found {
                let kind = object["object"].as_str().unwrap_or_default().to_owned();
                *counts.entry(kind).or_default() += 1;
                if let Err(error) = check_ours(object) {
                    failures.push(format!("{name} at {path}: {error}"));
                }
            }

            // The event exactly as sent, when it is one about our types.
            if folder == "events" {
                if let Ok(event) = Event::from_slice(&bytes) {
                    let kind = event.object_ref().kind.unwrap_or_default();
                    if event_type_for(&kind).is_some() {
                        direct_events += 1;
                        match event.object() {
                            Ok(EventObject::Unknown(_)) => {
                                failures.push(format!("{name}: data.object parsed as Unknown"));
                            }
                            Ok(_) => {}
                            Err(error) => failures.push(format!("{name}: {error}")),
                        }
                    }
                }
            }
        }
    }

    eprintln!("objects of our types found: {counts:?}; events parsed as sent: {direct_events}");
    assert!(
        failures.is_empty(),
        "{} corpus objects did not parse:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for (kind, _) in OUR_OBJECTS {
        assert!(
            counts.get(*kind).copied().unwrap_or(0) > 0,
            "no {kind} found in the corpus: is the folder complete?"
        );
    }
    assert!(direct_events > 0, "no event about our types parsed");
}
