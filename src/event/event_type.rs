//! [`EventType`]: every event type string Stripe documents, plus the ones it has not yet.

use crate::open_enum::open_enum;

// The list below is the single source, kept equal to Stripe's published list by a test
// (`tests/event_type.rs`). Adding a type Stripe starts sending is one line.
open_enum! {
    /// The `type` of a Stripe event.
    ///
    /// One variant per type in Stripe's documented list (API version
    /// [`API_VERSION`](crate::API_VERSION)), and [`Unknown`](EventType::Unknown) for any
    /// other string, so a type Stripe adds tomorrow parses today. The exact string always
    /// round-trips through [`as_str`](EventType::as_str), `Display`, `FromStr` and serde.
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::EventType;
    ///
    /// let known: EventType = "invoice.payment_failed".parse().unwrap();
    /// assert_eq!(known, EventType::InvoicePaymentFailed);
    /// assert_eq!(known.to_string(), "invoice.payment_failed");
    ///
    /// let future: EventType = "teleport.completed".parse().unwrap();
    /// assert_eq!(future, EventType::Unknown("teleport.completed".into()));
    /// assert_eq!(future.as_str(), "teleport.completed");
    /// assert!(!future.is_known());
    /// ```
    pub enum EventType {
        AccountApplicationAuthorized => "account.application.authorized",
        AccountApplicationDeauthorized => "account.application.deauthorized",
        AccountExternalAccountCreated => "account.external_account.created",
        AccountExternalAccountDeleted => "account.external_account.deleted",
        AccountExternalAccountUpdated => "account.external_account.updated",
        AccountUpdated => "account.updated",
        ApplicationFeeCreated => "application_fee.created",
        ApplicationFeeRefundUpdated => "application_fee.refund.updated",
        ApplicationFeeRefunded => "application_fee.refunded",
        AppsInstallCreated => "apps.install.created",
        AppsInstallDeleted => "apps.install.deleted",
        AppsInstallUpdated => "apps.install.updated",
        BalanceAvailable => "balance.available",
        BalanceSettingsUpdated => "balance_settings.updated",
        BillingAlertTriggered => "billing.alert.triggered",
        BillingCreditBalanceTransactionCreated => "billing.credit_balance_transaction.created",
        BillingCreditGrantCreated => "billing.credit_grant.created",
        BillingCreditGrantUpdated => "billing.credit_grant.updated",
        BillingMeterCreated => "billing.meter.created",
        BillingMeterDeactivated => "billing.meter.deactivated",
        BillingMeterReactivated => "billing.meter.reactivated",
        BillingMeterUpdated => "billing.meter.updated",
        BillingPortalConfigurationCreated => "billing_portal.configuration.created",
        BillingPortalConfigurationUpdated => "billing_portal.configuration.updated",
        BillingPortalSessionCreated => "billing_portal.session.created",
        CapabilityUpdated => "capability.updated",
        CashBalanceFundsAvailable => "cash_balance.funds_available",
        ChargeCaptured => "charge.captured",
        ChargeDisputeClosed => "charge.dispute.closed",
        ChargeDisputeCreated => "charge.dispute.created",
        ChargeDisputeFundsReinstated => "charge.dispute.funds_reinstated",
        ChargeDisputeFundsWithdrawn => "charge.dispute.funds_withdrawn",
        ChargeDisputeUpdated => "charge.dispute.updated",
        ChargeExpired => "charge.expired",
        ChargeFailed => "charge.failed",
        ChargePending => "charge.pending",
        ChargeRefundUpdated => "charge.refund.updated",
        ChargeRefunded => "charge.refunded",
        ChargeSucceeded => "charge.succeeded",
        ChargeUpdated => "charge.updated",
        CheckoutSessionAsyncPaymentFailed => "checkout.session.async_payment_failed",
        CheckoutSessionAsyncPaymentSucceeded => "checkout.session.async_payment_succeeded",
        CheckoutSessionCompleted => "checkout.session.completed",
        CheckoutSessionExpired => "checkout.session.expired",
        ClimateOrderCanceled => "climate.order.canceled",
        ClimateOrderCreated => "climate.order.created",
        ClimateOrderDelayed => "climate.order.delayed",
        ClimateOrderDelivered => "climate.order.delivered",
        ClimateOrderProductSubstituted => "climate.order.product_substituted",
        ClimateProductCreated => "climate.product.created",
        ClimateProductPricingUpdated => "climate.product.pricing_updated",
        CouponCreated => "coupon.created",
        CouponDeleted => "coupon.deleted",
        CouponUpdated => "coupon.updated",
        CreditNoteCreated => "credit_note.created",
        CreditNoteUpdated => "credit_note.updated",
        CreditNoteVoided => "credit_note.voided",
        CustomerCreated => "customer.created",
        CustomerDeleted => "customer.deleted",
        CustomerDiscountCreated => "customer.discount.created",
        CustomerDiscountDeleted => "customer.discount.deleted",
        CustomerDiscountUpdated => "customer.discount.updated",
        CustomerSourceCreated => "customer.source.created",
        CustomerSourceDeleted => "customer.source.deleted",
        CustomerSourceExpiring => "customer.source.expiring",
        CustomerSourceUpdated => "customer.source.updated",
        CustomerSubscriptionCreated => "customer.subscription.created",
        CustomerSubscriptionDeleted => "customer.subscription.deleted",
        CustomerSubscriptionPaused => "customer.subscription.paused",
        CustomerSubscriptionPendingUpdateApplied => "customer.subscription.pending_update_applied",
        CustomerSubscriptionPendingUpdateExpired => "customer.subscription.pending_update_expired",
        CustomerSubscriptionResumed => "customer.subscription.resumed",
        CustomerSubscriptionTrialWillEnd => "customer.subscription.trial_will_end",
        CustomerSubscriptionUpdated => "customer.subscription.updated",
        CustomerTaxIdCreated => "customer.tax_id.created",
        CustomerTaxIdDeleted => "customer.tax_id.deleted",
        CustomerTaxIdUpdated => "customer.tax_id.updated",
        CustomerUpdated => "customer.updated",
        CustomerCashBalanceTransactionCreated => "customer_cash_balance_transaction.created",
        EntitlementsActiveEntitlementSummaryUpdated => "entitlements.active_entitlement_summary.updated",
        FileCreated => "file.created",
        FinancialConnectionsAccountAccountNumbersUpdated => "financial_connections.account.account_numbers_updated",
        FinancialConnectionsAccountCreated => "financial_connections.account.created",
        FinancialConnectionsAccountDeactivated => "financial_connections.account.deactivated",
        FinancialConnectionsAccountDisconnected => "financial_connections.account.disconnected",
        FinancialConnectionsAccountExpectedDeactivationDateUpdated => "financial_connections.account.expected_deactivation_date_updated",
        FinancialConnectionsAccountReactivated => "financial_connections.account.reactivated",
        FinancialConnectionsAccountRefreshedBalance => "financial_connections.account.refreshed_balance",
        FinancialConnectionsAccountRefreshedOwnership => "financial_connections.account.refreshed_ownership",
        FinancialConnectionsAccountRefreshedTransactions => "financial_connections.account.refreshed_transactions",
        FinancialConnectionsAccountSupportedPaymentMethodTypesUpdated => "financial_connections.account.supported_payment_method_types_updated",
        FinancialConnectionsAccountUpcomingAccountNumberExpiry => "financial_connections.account.upcoming_account_number_expiry",
        FinancialConnectionsAccountUpcomingDeactivation => "financial_connections.account.upcoming_deactivation",
        FinancialConnectionsAuthorizationExpectedDeactivationDateUpdated => "financial_connections.authorization.expected_deactivation_date_updated",
        FinancialConnectionsAuthorizationUpcomingDeactivation => "financial_connections.authorization.upcoming_deactivation",
        IdentityVerificationSessionCanceled => "identity.verification_session.canceled",
        IdentityVerificationSessionCreated => "identity.verification_session.created",
        IdentityVerificationSessionProcessing => "identity.verification_session.processing",
        IdentityVerificationSessionRedacted => "identity.verification_session.redacted",
        IdentityVerificationSessionRequiresInput => "identity.verification_session.requires_input",
        IdentityVerificationSessionVerified => "identity.verification_session.verified",
        InvoiceCreated => "invoice.created",
        InvoiceDeleted => "invoice.deleted",
        InvoiceFinalizationFailed => "invoice.finalization_failed",
        InvoiceFinalized => "invoice.finalized",
        InvoiceMarkedUncollectible => "invoice.marked_uncollectible",
        InvoiceOverdue => "invoice.overdue",
        InvoiceOverpaid => "invoice.overpaid",
        InvoicePaid => "invoice.paid",
        InvoicePaymentActionRequired => "invoice.payment_action_required",
        InvoicePaymentAttemptRequired => "invoice.payment_attempt_required",
        InvoicePaymentFailed => "invoice.payment_failed",
        InvoicePaymentSucceeded => "invoice.payment_succeeded",
        InvoiceSent => "invoice.sent",
        InvoiceUpcoming => "invoice.upcoming",
        InvoiceUpdated => "invoice.updated",
        InvoiceVoided => "invoice.voided",
        InvoiceWillBeDue => "invoice.will_be_due",
        InvoicePaymentPaid => "invoice_payment.paid",
        InvoiceitemCreated => "invoiceitem.created",
        InvoiceitemDeleted => "invoiceitem.deleted",
        IssuingAuthorizationCreated => "issuing_authorization.created",
        IssuingAuthorizationRequest => "issuing_authorization.request",
        IssuingAuthorizationUpdated => "issuing_authorization.updated",
        IssuingCardCreated => "issuing_card.created",
        IssuingCardUpdated => "issuing_card.updated",
        IssuingCardholderCreated => "issuing_cardholder.created",
        IssuingCardholderUpdated => "issuing_cardholder.updated",
        IssuingDisputeClosed => "issuing_dispute.closed",
        IssuingDisputeCreated => "issuing_dispute.created",
        IssuingDisputeFundsReinstated => "issuing_dispute.funds_reinstated",
        IssuingDisputeFundsRescinded => "issuing_dispute.funds_rescinded",
        IssuingDisputeSubmitted => "issuing_dispute.submitted",
        IssuingDisputeUpdated => "issuing_dispute.updated",
        IssuingPersonalizationDesignActivated => "issuing_personalization_design.activated",
        IssuingPersonalizationDesignDeactivated => "issuing_personalization_design.deactivated",
        IssuingPersonalizationDesignRejected => "issuing_personalization_design.rejected",
        IssuingPersonalizationDesignUpdated => "issuing_personalization_design.updated",
        IssuingTokenCreated => "issuing_token.created",
        IssuingTokenUpdated => "issuing_token.updated",
        IssuingTransactionCreated => "issuing_transaction.created",
        IssuingTransactionPurchaseDetailsReceiptUpdated => "issuing_transaction.purchase_details_receipt_updated",
        IssuingTransactionUpdated => "issuing_transaction.updated",
        MandateUpdated => "mandate.updated",
        PaymentIntentAmountCapturableUpdated => "payment_intent.amount_capturable_updated",
        PaymentIntentCanceled => "payment_intent.canceled",
        PaymentIntentCreated => "payment_intent.created",
        PaymentIntentPartiallyFunded => "payment_intent.partially_funded",
        PaymentIntentPaymentFailed => "payment_intent.payment_failed",
        PaymentIntentProcessing => "payment_intent.processing",
        PaymentIntentRequiresAction => "payment_intent.requires_action",
        PaymentIntentSucceeded => "payment_intent.succeeded",
        PaymentLinkCreated => "payment_link.created",
        PaymentLinkUpdated => "payment_link.updated",
        PaymentMethodAttached => "payment_method.attached",
        PaymentMethodAutomaticallyUpdated => "payment_method.automatically_updated",
        PaymentMethodDetached => "payment_method.detached",
        PaymentMethodUpdated => "payment_method.updated",
        PayoutCanceled => "payout.canceled",
        PayoutCreated => "payout.created",
        PayoutFailed => "payout.failed",
        PayoutPaid => "payout.paid",
        PayoutReconciliationCompleted => "payout.reconciliation_completed",
        PayoutUpdated => "payout.updated",
        PersonCreated => "person.created",
        PersonDeleted => "person.deleted",
        PersonUpdated => "person.updated",
        PlanCreated => "plan.created",
        PlanDeleted => "plan.deleted",
        PlanUpdated => "plan.updated",
        PriceCreated => "price.created",
        PriceDeleted => "price.deleted",
        PriceUpdated => "price.updated",
        ProductCreated => "product.created",
        ProductDeleted => "product.deleted",
        ProductUpdated => "product.updated",
        PromotionCodeCreated => "promotion_code.created",
        PromotionCodeUpdated => "promotion_code.updated",
        QuoteAccepted => "quote.accepted",
        QuoteCanceled => "quote.canceled",
        QuoteCreated => "quote.created",
        QuoteFinalized => "quote.finalized",
        RadarEarlyFraudWarningCreated => "radar.early_fraud_warning.created",
        RadarEarlyFraudWarningUpdated => "radar.early_fraud_warning.updated",
        RefundCreated => "refund.created",
        RefundFailed => "refund.failed",
        RefundUpdated => "refund.updated",
        ReportingReportRunFailed => "reporting.report_run.failed",
        ReportingReportRunSucceeded => "reporting.report_run.succeeded",
        ReportingReportTypeUpdated => "reporting.report_type.updated",
        ReserveHoldCreated => "reserve.hold.created",
        ReserveHoldUpdated => "reserve.hold.updated",
        ReservePlanCreated => "reserve.plan.created",
        ReservePlanDisabled => "reserve.plan.disabled",
        ReservePlanExpired => "reserve.plan.expired",
        ReservePlanUpdated => "reserve.plan.updated",
        ReserveReleaseCreated => "reserve.release.created",
        ReviewClosed => "review.closed",
        ReviewOpened => "review.opened",
        SetupIntentCanceled => "setup_intent.canceled",
        SetupIntentCreated => "setup_intent.created",
        SetupIntentRequiresAction => "setup_intent.requires_action",
        SetupIntentSetupFailed => "setup_intent.setup_failed",
        SetupIntentSucceeded => "setup_intent.succeeded",
        SigmaScheduledQueryRunCreated => "sigma.scheduled_query_run.created",
        SourceCanceled => "source.canceled",
        SourceChargeable => "source.chargeable",
        SourceFailed => "source.failed",
        SourceMandateNotification => "source.mandate_notification",
        SourceRefundAttributesRequired => "source.refund_attributes_required",
        SourceTransactionCreated => "source.transaction.created",
        SourceTransactionUpdated => "source.transaction.updated",
        SubscriptionScheduleAborted => "subscription_schedule.aborted",
        SubscriptionScheduleCanceled => "subscription_schedule.canceled",
        SubscriptionScheduleCompleted => "subscription_schedule.completed",
        SubscriptionScheduleCreated => "subscription_schedule.created",
        SubscriptionScheduleExpiring => "subscription_schedule.expiring",
        SubscriptionScheduleReleased => "subscription_schedule.released",
        SubscriptionScheduleUpdated => "subscription_schedule.updated",
        TaxSettingsUpdated => "tax.settings.updated",
        TaxRateCreated => "tax_rate.created",
        TaxRateUpdated => "tax_rate.updated",
        TerminalReaderActionFailed => "terminal.reader.action_failed",
        TerminalReaderActionSucceeded => "terminal.reader.action_succeeded",
        TerminalReaderActionUpdated => "terminal.reader.action_updated",
        TestHelpersTestClockAdvancing => "test_helpers.test_clock.advancing",
        TestHelpersTestClockCreated => "test_helpers.test_clock.created",
        TestHelpersTestClockDeleted => "test_helpers.test_clock.deleted",
        TestHelpersTestClockInternalFailure => "test_helpers.test_clock.internal_failure",
        TestHelpersTestClockReady => "test_helpers.test_clock.ready",
        ThreeDSecureAuthenticationCanceled => "three_d_secure.authentication.canceled",
        ThreeDSecureAuthenticationChallengeStarted => "three_d_secure.authentication.challenge_started",
        ThreeDSecureAuthenticationErrored => "three_d_secure.authentication.errored",
        ThreeDSecureAuthenticationFailed => "three_d_secure.authentication.failed",
        ThreeDSecureAuthenticationRequiresChallenge => "three_d_secure.authentication.requires_challenge",
        ThreeDSecureAuthenticationRequiresSubmission => "three_d_secure.authentication.requires_submission",
        ThreeDSecureAuthenticationSucceeded => "three_d_secure.authentication.succeeded",
        TopupCanceled => "topup.canceled",
        TopupCreated => "topup.created",
        TopupFailed => "topup.failed",
        TopupReversed => "topup.reversed",
        TopupSucceeded => "topup.succeeded",
        TransferCreated => "transfer.created",
        TransferReversed => "transfer.reversed",
        TransferUpdated => "transfer.updated",
        TreasuryCreditReversalCreated => "treasury.credit_reversal.created",
        TreasuryCreditReversalPosted => "treasury.credit_reversal.posted",
        TreasuryDebitReversalCompleted => "treasury.debit_reversal.completed",
        TreasuryDebitReversalCreated => "treasury.debit_reversal.created",
        TreasuryDebitReversalInitialCreditGranted => "treasury.debit_reversal.initial_credit_granted",
        TreasuryFinancialAccountClosed => "treasury.financial_account.closed",
        TreasuryFinancialAccountCreated => "treasury.financial_account.created",
        TreasuryFinancialAccountFeaturesStatusUpdated => "treasury.financial_account.features_status_updated",
        TreasuryInboundTransferCanceled => "treasury.inbound_transfer.canceled",
        TreasuryInboundTransferCreated => "treasury.inbound_transfer.created",
        TreasuryInboundTransferFailed => "treasury.inbound_transfer.failed",
        TreasuryInboundTransferSucceeded => "treasury.inbound_transfer.succeeded",
        TreasuryOutboundPaymentCanceled => "treasury.outbound_payment.canceled",
        TreasuryOutboundPaymentCreated => "treasury.outbound_payment.created",
        TreasuryOutboundPaymentExpectedArrivalDateUpdated => "treasury.outbound_payment.expected_arrival_date_updated",
        TreasuryOutboundPaymentFailed => "treasury.outbound_payment.failed",
        TreasuryOutboundPaymentPosted => "treasury.outbound_payment.posted",
        TreasuryOutboundPaymentReturned => "treasury.outbound_payment.returned",
        TreasuryOutboundPaymentTrackingDetailsUpdated => "treasury.outbound_payment.tracking_details_updated",
        TreasuryOutboundTransferCanceled => "treasury.outbound_transfer.canceled",
        TreasuryOutboundTransferCreated => "treasury.outbound_transfer.created",
        TreasuryOutboundTransferExpectedArrivalDateUpdated => "treasury.outbound_transfer.expected_arrival_date_updated",
        TreasuryOutboundTransferFailed => "treasury.outbound_transfer.failed",
        TreasuryOutboundTransferPosted => "treasury.outbound_transfer.posted",
        TreasuryOutboundTransferReturned => "treasury.outbound_transfer.returned",
        TreasuryOutboundTransferTrackingDetailsUpdated => "treasury.outbound_transfer.tracking_details_updated",
        TreasuryReceivedCreditCreated => "treasury.received_credit.created",
        TreasuryReceivedCreditFailed => "treasury.received_credit.failed",
        TreasuryReceivedCreditSucceeded => "treasury.received_credit.succeeded",
        TreasuryReceivedDebitCreated => "treasury.received_debit.created",
    }
}

impl EventType {
    /// Whether `pattern` selects this type, as an endpoint's `enabled_events` entry does:
    /// `*` selects every type, an exact string selects that type, and (our addition, as in
    /// Stripe's Events list API) `prefix.*` selects every type that starts with `prefix.`.
    ///
    /// # Examples
    ///
    /// ```
    /// use stripe_webhooks::EventType;
    ///
    /// let t = EventType::InvoicePaymentFailed;
    /// assert!(t.matches("*"));
    /// assert!(t.matches("invoice.*"));
    /// assert!(t.matches("invoice.payment_failed"));
    /// assert!(!t.matches("invoice.paid"));
    /// assert!(!t.matches("invoiceitem.*"));
    /// ```
    #[must_use]
    pub fn matches(&self, pattern: &str) -> bool {
        let s = self.as_str();
        if pattern == "*" {
            return true;
        }
        match pattern.strip_suffix(".*") {
            Some(prefix) => s
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.')),
            None => s == pattern,
        }
    }

    /// The resource family: the part before the last `.` (`"customer.subscription"` for
    /// `customer.subscription.updated`).
    #[must_use]
    pub fn family(&self) -> &str {
        let s = self.as_str();
        s.rsplit_once('.').map_or(s, |(family, _)| family)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_need_a_dot_boundary() {
        let t = EventType::CustomerSubscriptionUpdated;
        assert!(t.matches("customer.*"));
        assert!(t.matches("customer.subscription.*"));
        assert!(!t.matches("cust.*"));
        assert!(!t.matches("customer.subscription.updated.*"));
        assert_eq!(t.family(), "customer.subscription");
    }
}
