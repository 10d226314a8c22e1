//! Typed views of the "charges" group: `Charge`, `Refund`, `Dispute` and `Payout`.
//!
//! Our own fixtures (current and older API versions) live in `tests/fixtures/resources/`; the
//! shared Stripe corpus is read from `../shared/stripe/fixtures` at test time.

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use stripe_webhooks::resources::{
    Charge, ChargeFraudReport, ChargeStatus, Dispute, DisputeCardCaseType,
    DisputeEnhancedEligibilityType, DisputeIntendedSubmissionMethod, DisputePaymentMethodType,
    DisputeReason, DisputeStatus, DisputeSubmissionMethod, DisputeVisaCe3RequiredAction,
    DisputeVisaCe3Status, OutcomeType, Payout, PayoutMethod, PayoutReconciliationStatus,
    PayoutSourceType, PayoutStatus, PayoutTraceIdStatus, PayoutType, Refund, RefundReason,
    RefundStatus,
};
use stripe_webhooks::{Error, EventObject};
use support::{
    event_around, fixture, json_files_in, objects_where, read_json, shape_error_path,
    shared_fixtures, try_read_json, Unreadable,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The event type the typed views here are read under: `object()` picks the type by the
/// object's own `object` string, whatever the event.
const ANY_EVENT: &str = "test.event";

/// The strict view: these tests pin which member of a hand-written resource fits and which
/// does not (the lenient `object()` sets the latter aside; tests/lenient_objects.rs).
fn typed(object: &Value) -> Result<EventObject, Error> {
    event_around(ANY_EVENT, object).object_strict()
}

fn charge(object: &Value) -> Charge {
    match typed(object).expect("a charge parses") {
        EventObject::Charge(charge) => *charge,
        other => panic!("expected a charge, got {other:?}"),
    }
}

fn refund(object: &Value) -> Refund {
    match typed(object).expect("a refund parses") {
        EventObject::Refund(refund) => *refund,
        other => panic!("expected a refund, got {other:?}"),
    }
}

fn dispute(object: &Value) -> Dispute {
    match typed(object).expect("a dispute parses") {
        EventObject::Dispute(dispute) => *dispute,
        other => panic!("expected a dispute, got {other:?}"),
    }
}

fn payout(object: &Value) -> Payout {
    match typed(object).expect("a payout parses") {
        EventObject::Payout(payout) => *payout,
        other => panic!("expected a payout, got {other:?}"),
    }
}

fn with(mut object: Value, pointer: &str, value: Value) -> Value {
    *object
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in fixture")) = value;
    object
}

fn with_unknowns(mut object: Value) -> Value {
    let map = object.as_object_mut().expect("fixture is an object");
    map.insert("field_from_the_future".into(), json!({"nested": [1, 2, 3]}));
    map.insert("another_new_flag".into(), json!(true));
    object
}

/// Sets each top-level field not in `required` to `null`, one at a time, and parses.
fn every_nullable_field_accepts_null(object: &Value, required: &[&str], parse: fn(&Value)) {
    for key in object.as_object().expect("fixture is an object").keys() {
        if required.contains(&key.as_str()) || key == "object" {
            continue;
        }
        let mut nulled = object.clone();
        nulled[key.as_str()] = Value::Null;
        parse(&nulled);
    }
}

/// Removes every top-level field except `object` and parses.
fn bare(object_name: &str) -> Value {
    json!({"object": object_name})
}

// ---------------------------------------------------------------------------------------------
// Charge
// ---------------------------------------------------------------------------------------------

#[test]
fn charge_current_fixture_parses_with_key_fields() {
    let charge = charge(&fixture("charge_failed_current.json"));
    assert_eq!(charge.id, "ch_3QxT9kLm2Wq8Rt5Y0a1b2c3d");
    assert_eq!(charge.amount, 4999);
    assert_eq!(charge.amount_captured, 0);
    assert_eq!(charge.currency, "usd");
    assert_eq!(charge.status, ChargeStatus::Failed);
    assert!(!charge.paid);
    assert!(!charge.captured);
    assert_eq!(charge.failure_code.as_deref(), Some("card_declined"));
    assert_eq!(
        charge.failure_message.as_deref(),
        Some("Your card has insufficient funds.")
    );
    let outcome = charge.outcome.as_ref().unwrap();
    assert_eq!(outcome.outcome_type, Some(OutcomeType::IssuerDeclined));
    assert_eq!(outcome.reason.as_deref(), Some("insufficient_funds"));
    assert_eq!(outcome.advice_code.as_deref(), Some("try_again_later"));
    assert_eq!(outcome.network_decline_code.as_deref(), Some("51"));
    assert_eq!(outcome.risk_score, Some(23));
    assert_eq!(
        charge.customer.as_ref().unwrap().id(),
        Some("cus_RpQ4hT7vXz2Lm9")
    );
    assert_eq!(
        charge.payment_intent.as_ref().unwrap().id(),
        Some("pi_3QxT9kLm2Wq8Rt5Y0e4f5g6h")
    );
    let billing = charge.billing_details.as_ref().unwrap();
    assert_eq!(billing.name.as_deref(), Some("Ana Silva"));
    assert_eq!(
        billing.address.as_ref().unwrap().postal_code.as_deref(),
        Some("97214")
    );
    let shipping = charge.shipping.as_ref().unwrap();
    assert_eq!(shipping.carrier.as_deref(), Some("USPS"));
    assert_eq!(
        charge.metadata.get("order_id").map(String::as_str),
        Some("10452")
    );
    let presentment = charge.presentment_details.as_ref().unwrap();
    assert_eq!(presentment.presentment_amount, 4599);
    assert_eq!(presentment.presentment_currency, "eur");
    assert_eq!(
        charge.radar_options.as_ref().unwrap().session.as_deref(),
        Some("rse_1QxT9iLm2Wq8Rt5YpQrStUvW")
    );
    let transfer = charge.transfer_data.as_ref().unwrap();
    assert_eq!(transfer.amount, Some(4000));
    assert_eq!(
        transfer.destination.as_ref().unwrap().id(),
        Some("acct_1PzY8xQw3Er4Ty5U")
    );
    assert_eq!(charge.fraud_details.as_ref().unwrap().user_report, None);
    let details = charge.payment_method_details.as_ref().unwrap();
    let card = details.card.as_ref().unwrap();
    assert_eq!(card.last4.as_deref(), Some("9995"));
    assert_eq!(details.r#type, "card");
    // Not sent from 2022-11-15 unless expanded.
    assert!(charge.refunds.is_none());
}

#[test]
fn charge_2014_shape_parses() {
    let charge = charge(&fixture("charge_refunded_2014.json"));
    assert_eq!(charge.id, "ch_4Tb8nWq1Zx7Yv2");
    assert!(charge.refunded);
    assert_eq!(charge.amount_refunded, 1500);
    // Refunds were a bare array before 2014-06-17.
    let refunds = charge.refunds.as_ref().unwrap();
    assert_eq!(refunds.data.len(), 1);
    assert_eq!(refunds.data[0].id, "re_4Tc1pQr5St6Uv");
    assert_eq!(
        refunds.data[0].charge.as_ref().unwrap().id(),
        Some(charge.id.as_str())
    );
    // The whole dispute was inline before 2017-02-14.
    let dispute = charge.dispute.as_ref().unwrap().as_object().unwrap();
    assert_eq!(dispute.status, DisputeStatus::ChargeRefunded);
    assert_eq!(dispute.evidence_due_by, Some(1_402_963_199));
    assert!(dispute.evidence.is_none());
    assert_eq!(
        charge.invoice.as_ref().unwrap().id(),
        Some("in_4Tb8lMn9Op0Qr")
    );
    // Fields this version did not send take their defaults.
    assert_eq!(charge.status, ChargeStatus::Unknown(String::new()));
    assert!(charge.billing_details.is_none());
    assert!(charge.outcome.is_none());
}

#[test]
fn charge_dispute_id_shape_after_2017() {
    let object = with(
        fixture("charge_failed_current.json"),
        "/disputed",
        json!(true),
    );
    let mut object = object;
    object["dispute"] = json!("dp_1QzV3cLm2Wq8Rt5Y3d4e5f6g");
    let charge = charge(&object);
    let dispute = charge.dispute.unwrap();
    assert_eq!(dispute.id(), Some("dp_1QzV3cLm2Wq8Rt5Y3d4e5f6g"));
    assert!(dispute.as_object().is_none());
}

#[test]
fn charge_unknown_fields_and_enum_values_parse() {
    let object = with_unknowns(fixture("charge_failed_current.json"));
    let object = with(object, "/status", json!("partially_reversed"));
    let object = with(object, "/outcome/type", json!("stripe_review"));
    let object = with(
        object,
        "/fraud_details",
        json!({"user_report": "suspicious"}),
    );
    let charge = charge(&object);
    assert_eq!(
        charge.status,
        ChargeStatus::Unknown("partially_reversed".into())
    );
    assert_eq!(charge.status.as_str(), "partially_reversed");
    assert!(!charge.status.is_known());
    assert_eq!(
        charge.outcome.unwrap().outcome_type,
        Some(OutcomeType::Unknown("stripe_review".into()))
    );
    assert_eq!(
        charge.fraud_details.unwrap().user_report,
        Some(ChargeFraudReport::Unknown("suspicious".into()))
    );
}

#[test]
fn charge_nulls_and_missing_optionals_parse() {
    const REQUIRED: &[&str] = &[
        "id",
        "amount",
        "amount_captured",
        "amount_refunded",
        "captured",
        "created",
        "currency",
        "disputed",
        "livemode",
        "metadata",
        "paid",
        "refunded",
        "status",
    ];
    every_nullable_field_accepts_null(&fixture("charge_failed_current.json"), REQUIRED, |o| {
        charge(o);
    });
    let empty = charge(&bare("charge"));
    assert_eq!(empty, Charge::default());
    // Null inside nested objects too.
    let object = with(
        fixture("charge_failed_current.json"),
        "/outcome/type",
        Value::Null,
    );
    let object = with(object, "/transfer_data/destination", Value::Null);
    let object = with(object, "/billing_details/address", Value::Null);
    let charge = charge(&object);
    assert_eq!(charge.outcome.unwrap().outcome_type, None);
    assert!(charge.billing_details.unwrap().address.is_none());
}

#[test]
fn charge_wrong_json_type_names_the_field() {
    let object = fixture("charge_failed_current.json");
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object.clone(), "/amount", json!("4999"))),
        ".amount"
    );
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(object.clone(), "/outcome/risk_score", json!("high"))
        ),
        ".outcome.risk_score"
    );
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object.clone(), "/customer", json!(42))),
        ".customer"
    );
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object, "/status", json!(3))),
        ".status"
    );
}

#[test]
fn charge_object_as_gives_the_same_value() {
    let object = fixture("charge_failed_current.json");
    let event = event_around("charge.failed", &object);
    let direct: Charge = event.object_as().unwrap();
    assert_eq!(direct, charge(&object));
    let err = event_around("charge.failed", &with(object, "/paid", json!("no")))
        .object_as::<Charge>()
        .unwrap_err();
    assert!(matches!(err, Error::ObjectShape { ref path, .. } if &**path == ".paid"));
}

// ---------------------------------------------------------------------------------------------
// Refund
// ---------------------------------------------------------------------------------------------

#[test]
fn refund_current_fixture_parses_with_key_fields() {
    let refund = refund(&fixture("refund_failed_current.json"));
    assert_eq!(refund.id, "re_3QyU0aLm2Wq8Rt5Y1b2c3d4e");
    assert_eq!(refund.amount, 2500);
    assert_eq!(refund.currency, "eur");
    assert_eq!(refund.status, Some(RefundStatus::Failed));
    assert_eq!(refund.reason, Some(RefundReason::RequestedByCustomer));
    assert_eq!(
        refund.failure_reason.as_deref(),
        Some("expired_or_canceled_card")
    );
    assert_eq!(
        refund.failure_balance_transaction.as_ref().unwrap().id(),
        Some("txn_3QyU9zLm2Wq8Rt5Y2n3o4p5q")
    );
    assert_eq!(
        refund.charge.as_ref().unwrap().id(),
        Some("ch_3QxW2bLm2Wq8Rt5Y0j9k0l1m")
    );
    assert_eq!(
        refund.payment_intent.as_ref().unwrap().id(),
        Some("pi_3QxW2bLm2Wq8Rt5Y0r6s7t8u")
    );
    assert_eq!(
        refund.payment_method.as_ref().unwrap().id(),
        Some("pm_1QxW2aLm2Wq8Rt5Yv9w0x1y2")
    );
    assert_eq!(
        refund
            .metadata
            .as_ref()
            .unwrap()
            .get("ticket")
            .map(String::as_str),
        Some("SUP-3381")
    );
    assert_eq!(
        refund
            .presentment_details
            .as_ref()
            .unwrap()
            .presentment_amount,
        2700
    );
    assert_eq!(
        refund
            .destination_details
            .as_ref()
            .and_then(|details| details.card.as_ref())
            .and_then(|card| card.reference.as_deref()),
        Some("74920395812")
    );
    assert_eq!(refund.receipt_number.as_deref(), Some("1842-5531"));
    assert!(refund.pending_reason.is_none());
}

#[test]
fn refund_2017_shape_parses_with_expanded_charge() {
    let refund = refund(&fixture("refund_2017.json"));
    assert_eq!(refund.reason, Some(RefundReason::Duplicate));
    assert_eq!(refund.status, Some(RefundStatus::Succeeded));
    assert!(refund.payment_intent.is_none());
    assert!(refund.destination_details.is_none());
    let charge = refund.charge.as_ref().unwrap();
    assert_eq!(charge.id(), Some("ch_1AzA9yD3eF4gH5mN"));
    let charge = charge.as_object().unwrap();
    assert_eq!(charge.amount_refunded, 800);
    assert_eq!(charge.refunds.as_ref().unwrap().total_count, Some(1));
}

#[test]
fn refund_unknown_fields_and_enum_values_parse() {
    let object = with_unknowns(fixture("refund_failed_current.json"));
    let object = with(object, "/status", json!("reversed"));
    let object = with(object, "/reason", json!("merchant_error"));
    let object = with(object, "/pending_reason", json!("awaiting_bank"));
    let refund = refund(&object);
    assert_eq!(
        refund.status,
        Some(RefundStatus::Unknown("reversed".into()))
    );
    assert_eq!(
        refund.reason,
        Some(RefundReason::Unknown("merchant_error".into()))
    );
    assert_eq!(refund.pending_reason.unwrap().as_str(), "awaiting_bank");
}

#[test]
fn refund_nulls_and_missing_optionals_parse() {
    const REQUIRED: &[&str] = &["id", "amount", "created", "currency"];
    every_nullable_field_accepts_null(&fixture("refund_failed_current.json"), REQUIRED, |o| {
        refund(o);
    });
    assert_eq!(refund(&bare("refund")), Refund::default());
}

#[test]
fn refund_wrong_json_type_names_the_field() {
    let object = fixture("refund_failed_current.json");
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object.clone(), "/amount", json!(25.5e40))),
        ".amount"
    );
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(object.clone(), "/metadata", json!(["ticket"]))
        ),
        ".metadata"
    );
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(
                object,
                "/presentment_details/presentment_amount",
                json!("2700")
            )
        ),
        ".presentment_details.presentment_amount"
    );
}

// ---------------------------------------------------------------------------------------------
// Dispute
// ---------------------------------------------------------------------------------------------

#[test]
fn dispute_current_fixture_parses_with_key_fields() {
    let dispute = dispute(&fixture("dispute_needs_response_current.json"));
    assert_eq!(dispute.id, "dp_1QzV3cLm2Wq8Rt5Y3d4e5f6g");
    assert_eq!(dispute.amount, 12900);
    assert_eq!(dispute.status, DisputeStatus::NeedsResponse);
    assert_eq!(dispute.reason, DisputeReason::Fraudulent);
    assert!(!dispute.is_charge_refundable);
    assert_eq!(
        dispute.charge.as_ref().unwrap().id(),
        Some("ch_3QxX4dLm2Wq8Rt5Y1l2m3n4o")
    );
    assert_eq!(dispute.balance_transactions.len(), 1);
    assert_eq!(dispute.balance_transactions[0]["net"], -14400);
    assert_eq!(
        dispute.enhanced_eligibility_types,
        vec![DisputeEnhancedEligibilityType::VisaCompellingEvidence3]
    );
    assert_eq!(
        dispute.intended_submission_method,
        Some(DisputeIntendedSubmissionMethod::Manual)
    );
    assert_eq!(dispute.network_reason_code.as_deref(), Some("10.4"));

    let evidence = dispute.evidence.as_ref().unwrap();
    assert_eq!(evidence.customer_name.as_deref(), Some("Jide Okafor"));
    assert_eq!(
        evidence.customer_communication.as_ref().unwrap().id(),
        Some("file_1QzV5eLm2Wq8Rt5Yp5q6r7s8")
    );
    assert!(evidence.enhanced_evidence.is_some());

    let details = dispute.evidence_details.as_ref().unwrap();
    assert_eq!(details.due_by, Some(1_765_497_599));
    assert!(details.has_evidence);
    assert_eq!(details.submission_count, 0);
    assert_eq!(
        details.submission_method,
        Some(DisputeSubmissionMethod::NotSubmitted)
    );
    let ce3 = details
        .enhanced_eligibility
        .as_ref()
        .unwrap()
        .visa_compelling_evidence_3
        .as_ref()
        .unwrap();
    assert_eq!(ce3.status, DisputeVisaCe3Status::RequiresAction);
    assert_eq!(
        ce3.required_actions,
        vec![DisputeVisaCe3RequiredAction::MissingPriorUndisputedTransactions]
    );

    let method = dispute.payment_method_details.as_ref().unwrap();
    assert_eq!(method.method_type, DisputePaymentMethodType::Card);
    let card = method.card.as_ref().unwrap();
    assert_eq!(card.case_type, DisputeCardCaseType::Chargeback);
    assert_eq!(card.brand, "visa");
}

#[test]
fn dispute_2014_shape_parses() {
    let dispute = dispute(&fixture("dispute_2014.json"));
    // Disputes of this era carried no id.
    assert_eq!(dispute.id, "");
    assert_eq!(dispute.status, DisputeStatus::UnderReview);
    assert_eq!(dispute.reason, DisputeReason::ProductNotReceived);
    assert_eq!(
        dispute.balance_transaction.as_ref().unwrap().id(),
        Some("txn_4Lk3oQr9St4Uv")
    );
    assert!(dispute.balance_transactions.is_empty());
    assert_eq!(dispute.evidence_due_by, Some(1_408_492_799));
    assert!(dispute.evidence_details.is_none());
    // The evidence string of old versions is read as uncategorized text.
    assert_eq!(
        dispute.evidence.unwrap().uncategorized_text.as_deref(),
        Some("Tracking 1Z999AA10123456784 shows delivery on 2014-07-20.")
    );
}

#[test]
fn dispute_unknown_fields_and_enum_values_parse() {
    let object = with_unknowns(fixture("dispute_needs_response_current.json"));
    let object = with(object, "/status", json!("arbitration_pending"));
    let object = with(object, "/reason", json!("quality_issue"));
    let object = with(object, "/payment_method_details/type", json!("sepa_debit"));
    let object = with(
        object,
        "/payment_method_details/card/case_type",
        json!("pre_arbitration"),
    );
    let object = with(
        object,
        "/enhanced_eligibility_types",
        json!(["visa_compelling_evidence_4"]),
    );
    let dispute = dispute(&object);
    assert_eq!(
        dispute.status,
        DisputeStatus::Unknown("arbitration_pending".into())
    );
    assert_eq!(
        dispute.reason,
        DisputeReason::Unknown("quality_issue".into())
    );
    let method = dispute.payment_method_details.unwrap();
    assert_eq!(method.method_type.as_str(), "sepa_debit");
    assert_eq!(method.card.unwrap().case_type.as_str(), "pre_arbitration");
    assert_eq!(
        dispute.enhanced_eligibility_types[0],
        DisputeEnhancedEligibilityType::Unknown("visa_compelling_evidence_4".into())
    );
}

#[test]
fn dispute_nulls_and_missing_optionals_parse() {
    const REQUIRED: &[&str] = &[
        "id",
        "amount",
        "balance_transactions",
        "created",
        "currency",
        "enhanced_eligibility_types",
        "is_charge_refundable",
        "livemode",
        "metadata",
        "reason",
        "status",
    ];
    every_nullable_field_accepts_null(
        &fixture("dispute_needs_response_current.json"),
        REQUIRED,
        |o| {
            dispute(o);
        },
    );
    assert_eq!(dispute(&bare("dispute")), Dispute::default());
    let object = with(
        fixture("dispute_needs_response_current.json"),
        "/evidence_details/due_by",
        Value::Null,
    );
    assert_eq!(dispute(&object).evidence_details.unwrap().due_by, None);
}

#[test]
fn dispute_wrong_json_type_names_the_field() {
    let object = fixture("dispute_needs_response_current.json");
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object.clone(), "/amount", json!("129.00"))),
        ".amount"
    );
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object.clone(), "/evidence", json!(17))),
        ".evidence"
    );
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(
                object.clone(),
                "/evidence/customer_name",
                json!({"first": "Jide"})
            )
        ),
        ".evidence.customer_name"
    );
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(object, "/evidence_details/submission_count", json!("none"))
        ),
        ".evidence_details.submission_count"
    );
}

// ---------------------------------------------------------------------------------------------
// Payout
// ---------------------------------------------------------------------------------------------

#[test]
fn payout_current_fixture_parses_with_key_fields() {
    let payout = payout(&fixture("payout_failed_current.json"));
    assert_eq!(payout.id, "po_1R0a1bLm2Wq8Rt5Y4x5y6z7a");
    assert_eq!(payout.amount, 250_000);
    assert_eq!(payout.currency, "usd");
    assert_eq!(payout.arrival_date, 1_764_201_600);
    assert!(payout.automatic);
    assert_eq!(payout.status, PayoutStatus::Failed);
    assert_eq!(payout.method, PayoutMethod::Standard);
    assert_eq!(payout.source_type, PayoutSourceType::Card);
    assert_eq!(payout.payout_type, PayoutType::BankAccount);
    assert_eq!(
        payout.reconciliation_status,
        PayoutReconciliationStatus::NotApplicable
    );
    assert_eq!(payout.failure_code.as_deref(), Some("account_closed"));
    let trace = payout.trace_id.as_ref().unwrap();
    assert_eq!(trace.status, PayoutTraceIdStatus::Unsupported);
    assert!(trace.value.is_none());
    let destination = payout.destination.as_ref().unwrap();
    assert_eq!(destination.id(), Some("ba_1PzX7wLm2Wq8Rt5Yf2g3h4i5"));
    assert_eq!(destination.as_object().unwrap()["last4"], "6789");
    assert_eq!(
        payout
            .metadata
            .as_ref()
            .unwrap()
            .get("batch")
            .map(String::as_str),
        Some("2025-11-25")
    );
}

#[test]
fn payout_2017_shape_parses() {
    let payout = payout(&fixture("payout_2017.json"));
    assert_eq!(payout.status, PayoutStatus::Paid);
    assert!(payout.livemode);
    assert_eq!(
        payout.destination.unwrap().id(),
        Some("ba_1A2z3yD5eF6gH7mN")
    );
    assert!(payout.trace_id.is_none());
    assert!(payout.original_payout.is_none());
    assert!(!payout.reconciliation_status.is_known());
    // `automatic` was not sent yet: it reads as false.
    assert!(!payout.automatic);
}

#[test]
fn payout_reversal_links_parse_as_ids_or_payouts() {
    let object = with(
        fixture("payout_failed_current.json"),
        "/reversed_by",
        json!("po_1R0c3dLm2Wq8Rt5Yreverse1"),
    );
    let object = with(
        object,
        "/original_payout",
        json!({"id": "po_1Qz00aLm2Wq8Rt5Yoriginal", "object": "payout", "amount": 250000,
               "status": "paid", "currency": "usd"}),
    );
    let payout = payout(&object);
    assert_eq!(
        payout.reversed_by.unwrap().id(),
        Some("po_1R0c3dLm2Wq8Rt5Yreverse1")
    );
    let original = payout.original_payout.unwrap();
    assert_eq!(original.as_object().unwrap().status, PayoutStatus::Paid);
}

#[test]
fn payout_unknown_fields_and_enum_values_parse() {
    let object = with_unknowns(fixture("payout_failed_current.json"));
    let object = with(object, "/status", json!("returned"));
    let object = with(object, "/method", json!("real_time"));
    let object = with(object, "/type", json!("wallet"));
    let object = with(object, "/source_type", json!("crypto"));
    let object = with(object, "/trace_id/status", json!("delayed"));
    let payout = payout(&object);
    assert_eq!(payout.status, PayoutStatus::Unknown("returned".into()));
    assert_eq!(payout.method.as_str(), "real_time");
    assert_eq!(payout.payout_type.as_str(), "wallet");
    assert_eq!(payout.source_type.as_str(), "crypto");
    assert_eq!(payout.trace_id.unwrap().status.as_str(), "delayed");
}

#[test]
fn payout_nulls_and_missing_optionals_parse() {
    const REQUIRED: &[&str] = &[
        "id",
        "amount",
        "arrival_date",
        "automatic",
        "created",
        "currency",
        "livemode",
        "method",
        "reconciliation_status",
        "source_type",
        "status",
        "type",
    ];
    every_nullable_field_accepts_null(&fixture("payout_failed_current.json"), REQUIRED, |o| {
        payout(o);
    });
    assert_eq!(payout(&bare("payout")), Payout::default());
}

#[test]
fn payout_wrong_json_type_names_the_field() {
    let object = fixture("payout_failed_current.json");
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(object.clone(), "/amount", json!("2500.00"))
        ),
        ".amount"
    );
    assert_eq!(
        shape_error_path(
            ANY_EVENT,
            &with(object.clone(), "/arrival_date", json!("2025-11-27"))
        ),
        ".arrival_date"
    );
    assert_eq!(
        shape_error_path(ANY_EVENT, &with(object, "/trace_id/value", json!(12345))),
        ".trace_id.value"
    );
}

// ---------------------------------------------------------------------------------------------
// The shared Stripe corpus
// ---------------------------------------------------------------------------------------------

const OUR_TYPES: &[&str] = &["charge", "refund", "dispute", "payout"];

/// Files in the corpus whose objects are not what Stripe sends: dj-stripe's fixtures dumped
/// from its own database, with amounts as decimal strings (`"10.00"`) and `""` for absent
/// objects. A typed view must reject those, at the field named here.
const NOT_STRIPE_OUTPUT: &[(&str, &str)] = &[
    (
        "api-objects/dj-stripe/dispute_ch_fakefakefakefake01.json",
        ".amount",
    ),
    (
        "api-objects/dj-stripe/payout_custom_bank_account.json",
        ".amount",
    ),
    ("api-objects/dj-stripe/payout_custom_card.json", ".amount"),
];

fn assert_typed_as_ours(parsed: &EventObject, expected: &str) -> bool {
    matches!(
        (parsed, expected),
        (EventObject::Charge(_), "charge")
            | (EventObject::Refund(_), "refund")
            | (EventObject::Dispute(_), "dispute")
            | (EventObject::Payout(_), "payout")
    )
}

#[test]
fn stripe_example_objects_parse() {
    let Some(dir) = shared_fixtures() else { return };
    for name in OUR_TYPES {
        let path = dir.join("objects").join(format!("{name}.json"));
        let object = read_json(&path);
        let parsed = typed(&object).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert!(assert_typed_as_ours(&parsed, name), "{name}: {parsed:?}");
    }
    let example = charge(&read_json(&dir.join("objects/charge.json")));
    assert_eq!(example.id, "ch_1PgafuB7WZ01zgkWXYmPNZs8");
    assert_eq!(example.status, ChargeStatus::Succeeded);
    assert!(example.refunds.unwrap().data.is_empty());
}

#[test]
fn every_corpus_object_of_our_types_parses() {
    let Some(dir) = shared_fixtures() else { return };
    let mut files = json_files_in(&dir.join("api-objects"), Unreadable::Panic);
    files.extend(json_files_in(&dir.join("events"), Unreadable::Panic));

    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut expected_rejections = 0;
    for file in &files {
        let relative = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let Some(root) = try_read_json(file) else {
            continue;
        };
        for (json_path, object) in objects_where(&root, &|name| OUR_TYPES.contains(&name)) {
            let name = object["object"].as_str().unwrap();
            let result = typed(object);
            if let Some((_, field)) = NOT_STRIPE_OUTPUT
                .iter()
                .find(|(known, _)| *known == relative && json_path.is_empty())
            {
                match result {
                    Err(Error::ObjectShape { path, .. }) if &*path == *field => {
                        expected_rejections += 1;
                    }
                    other => failures.push(format!(
                        "{relative}: expected a rejection at {field}, got {other:?}"
                    )),
                }
                continue;
            }
            match result {
                Ok(parsed) if assert_typed_as_ours(&parsed, name) => {
                    *counts.entry(name.to_owned()).or_default() += 1;
                }
                Ok(parsed) => failures.push(format!(
                    "{relative}{json_path}: typed as {:?}",
                    parsed.object_name()
                )),
                Err(error) => failures.push(format!("{relative}{json_path}: {error:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus objects failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(expected_rejections, NOT_STRIPE_OUTPUT.len());
    eprintln!("parsed corpus objects: {counts:?}");
    for name in OUR_TYPES {
        assert!(
            counts.get(*name).copied().unwrap_or(0) > 0,
            "no {name} found in the corpus: is the folder layout unchanged?"
        );
    }
}
