//! [`PaymentFailure`]: one failed payment, read from its event, with what a person needs.

use std::fmt;

use time::{OffsetDateTime, UtcOffset};

use crate::resources::{
    to_datetime, Charge, Currency, Customer, Expandable, Invoice, PaymentIntent,
};
use crate::{Error, Event, EventType};

/// What failed: the kind of object the failure event was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureSource {
    /// `payment_intent.payment_failed`.
    PaymentIntent,
    /// `invoice.payment_failed`.
    Invoice,
    /// `charge.failed`.
    Charge,
}

/// One failed payment, with what a person needs to act on it; `Display` writes it as one
/// line for people: what failed, for whom, why, and what happens next.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::failure::PaymentFailure;
/// use stripe_webhooks::Event;
///
/// let event = Event::from_slice(br#"{"id":"evt_1","object":"event","type":"payment_intent.payment_failed",
///   "created":1700000000,"livemode":true,"data":{"object":{"id":"pi_1","object":"payment_intent",
///   "amount":4900,"currency":"eur","customer":"cus_1","receipt_email":"jenny@example.com",
///   "last_payment_error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
///   "message":"Your card has insufficient funds."}}}}"#)?;
/// let failure = PaymentFailure::from_event(&event)?.expect("a failure event");
/// assert_eq!(failure.decline_code.as_deref(), Some("insufficient_funds"));
/// assert_eq!(
///     failure.to_string(),
///     "Payment of 49.00 EUR failed for jenny@example.com (cus_1): card_declined, \
///      insufficient_funds: Your card has insufficient funds. [payment_intent pi_1, event evt_1]"
/// );
/// # Ok::<(), stripe_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PaymentFailure {
    /// Which event type it came from.
    pub source: FailureSource,
    /// The event id.
    pub event_id: String,
    /// When the event was created.
    pub created: OffsetDateTime,
    /// Live or test mode.
    pub livemode: bool,
    /// The failed object's id (`pi_…`, `in_…` or `ch_…`).
    pub object_id: String,
    /// The amount that failed, in the currency's minor unit.
    pub amount: i64,
    /// The currency.
    pub currency: Currency,
    /// The customer id, if any.
    pub customer_id: Option<String>,
    /// The customer's email, where the event carries one.
    pub customer_email: Option<String>,
    /// The customer's name, where the event carries one.
    pub customer_name: Option<String>,
    /// The failure or error code (`card_declined`, `expired_card`, …).
    pub failure_code: Option<String>,
    /// The issuer's decline code (`insufficient_funds`, `do_not_honor`, …).
    pub decline_code: Option<String>,
    /// The message for people.
    pub message: Option<String>,
    /// The network's advice (`try_again_later`, `do_not_try_again`, …).
    pub advice_code: Option<String>,
    /// How many payment attempts the invoice has had.
    pub attempt_count: Option<i64>,
    /// When Stripe will try the invoice again, if it will.
    pub next_retry: Option<OffsetDateTime>,
    /// Where the customer can pay the invoice.
    pub hosted_invoice_url: Option<String>,
    /// The invoice number.
    pub invoice_number: Option<String>,
    /// The payment intent involved, if known.
    pub payment_intent_id: Option<String>,
    /// The subscription involved, if known.
    pub subscription_id: Option<String>,
}

fn id_of<T: crate::resources::HasId>(field: &Option<Expandable<T>>) -> Option<String> {
    field.as_ref()?.id().map(str::to_owned)
}

fn customer_of(field: &Option<Expandable<Customer>>) -> Option<&Customer> {
    field.as_ref()?.as_object()
}

impl PaymentFailure {
    /// The failure an event describes: `Some` for `payment_intent.payment_failed`,
    /// `invoice.payment_failed` and `charge.failed`, `None` for every other type.
    ///
    /// # Errors
    ///
    /// [`Error::ObjectShape`] when the event's object does not fit its model.
    pub fn from_event(event: &Event) -> Result<Option<PaymentFailure>, Error> {
        let failure = match event.event_type() {
            EventType::PaymentIntentPaymentFailed => {
                PaymentFailure::from_intent(event, event.object_as()?)
            }
            EventType::InvoicePaymentFailed => {
                PaymentFailure::from_invoice(event, event.object_as()?)
            }
            EventType::ChargeFailed => PaymentFailure::from_charge(event, event.object_as()?),
            _ => return Ok(None),
        };
        Ok(Some(failure))
    }

    fn base(event: &Event, source: FailureSource, object_id: String) -> PaymentFailure {
        PaymentFailure {
            source,
            event_id: event.id().to_owned(),
            created: event.created(),
            livemode: event.livemode(),
            object_id,
            amount: 0,
            currency: Currency::default(),
            customer_id: None,
            customer_email: None,
            customer_name: None,
            failure_code: None,
            decline_code: None,
            message: None,
            advice_code: None,
            attempt_count: None,
            next_retry: None,
            hosted_invoice_url: None,
            invoice_number: None,
            payment_intent_id: None,
            subscription_id: None,
        }
    }

    fn from_intent(event: &Event, intent: PaymentIntent) -> PaymentFailure {
        let mut failure =
            PaymentFailure::base(event, FailureSource::PaymentIntent, intent.id.clone());
        let error = intent.last_payment_error.unwrap_or_default();
        let method_email = error
            .payment_method
            .as_ref()
            .and_then(|method| method.billing_details.email.clone());
        let customer = customer_of(&intent.customer);
        failure.amount = intent.amount;
        failure.currency = intent.currency;
        failure.customer_id = id_of(&intent.customer);
        failure.customer_email = intent
            .receipt_email
            .or_else(|| customer.and_then(|c| c.email.clone()))
            .or(method_email);
        failure.customer_name = customer.and_then(|c| c.name.clone());
        failure.failure_code = error.code;
        failure.decline_code = error.decline_code;
        failure.message = error.message;
        failure.advice_code = error.advice_code;
        failure.payment_intent_id = Some(intent.id);
        failure
    }

    fn from_invoice(event: &Event, invoice: Invoice) -> PaymentFailure {
        let mut failure = PaymentFailure::base(event, FailureSource::Invoice, invoice.id.clone());
        let customer = customer_of(&invoice.customer);
        let charge = invoice.charge.as_ref().and_then(Expandable::as_object);
        failure.amount = invoice.amount_remaining.max(invoice.amount_due);
        failure.customer_id = id_of(&invoice.customer);
        failure.customer_email = invoice
            .customer_email
            .clone()
            .or_else(|| customer.and_then(|c| c.email.clone()));
        failure.customer_name = invoice
            .customer_name
            .clone()
            .or_else(|| customer.and_then(|c| c.name.clone()));
        // Before 2025-03-31.basil an expanded `charge` can say why; afterwards the invoice
        // carries no decline details (they are on the payment intent's own event).
        failure.failure_code = charge.and_then(|c| c.failure_code.clone());
        failure.message = charge.and_then(|c| c.failure_message.clone());
        failure.attempt_count = Some(invoice.attempt_count);
        failure.next_retry = invoice.next_payment_attempt.and_then(to_datetime);
        failure.hosted_invoice_url = invoice.hosted_invoice_url.clone();
        failure.invoice_number = invoice.number.clone();
        failure.payment_intent_id = invoice.payment_intent_id().map(str::to_owned);
        failure.subscription_id = invoice.subscription_id().map(str::to_owned);
        failure.currency = invoice.currency;
        failure
    }

    fn from_charge(event: &Event, charge: Charge) -> PaymentFailure {
        let mut failure = PaymentFailure::base(event, FailureSource::Charge, charge.id.clone());
        let customer = customer_of(&charge.customer);
        let outcome = charge.outcome.unwrap_or_default();
        let billing = charge.billing_details.unwrap_or_default();
        failure.amount = charge.amount;
        failure.currency = charge.currency;
        failure.customer_id = id_of(&charge.customer);
        failure.customer_email = charge
            .receipt_email
            .or(billing.email)
            .or_else(|| customer.and_then(|c| c.email.clone()));
        failure.customer_name = billing
            .name
            .or_else(|| customer.and_then(|c| c.name.clone()));
        failure.failure_code = charge.failure_code;
        // A charge's decline reason is `outcome.reason` when the issuer declined.
        failure.decline_code = outcome.reason;
        failure.message = charge.failure_message.or(outcome.seller_message);
        failure.advice_code = outcome.advice_code;
        failure.payment_intent_id = id_of(&charge.payment_intent);
        failure
    }

    /// The failed object's page in the Stripe Dashboard (under `/test/` for a test-mode
    /// event): the payment for a payment intent or a charge, the invoice for an invoice.
    ///
    /// # Examples
    ///
    /// ```
    /// # use stripe_webhooks::{failure::PaymentFailure, testing::EventBuilder, Event};
    /// let event = EventBuilder::new("invoice.payment_failed").build();
    /// let failure = PaymentFailure::from_event(&Event::from_slice(&event)?)?.unwrap();
    /// assert!(failure.dashboard_url().starts_with("https://dashboard.stripe.com/test/invoices/in_"));
    /// # Ok::<(), stripe_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn dashboard_url(&self) -> String {
        let kind = match self.source {
            FailureSource::PaymentIntent | FailureSource::Charge => "payments",
            FailureSource::Invoice => "invoices",
        };
        format!("{}{kind}/{}", self.dashboard_base(), self.object_id)
    }

    /// The event's page in the Stripe Dashboard (under `/test/` for a test-mode event).
    #[must_use]
    pub fn event_url(&self) -> String {
        format!("{}events/{}", self.dashboard_base(), self.event_id)
    }

    fn dashboard_base(&self) -> &'static str {
        if self.livemode {
            "https://dashboard.stripe.com/"
        } else {
            "https://dashboard.stripe.com/test/"
        }
    }

    /// What to do about it, in one sentence, from the network's advice code when there is one,
    /// else from the decline or failure code; `None` for codes without a known next step.
    ///
    /// # Examples
    ///
    /// ```
    /// # use stripe_webhooks::{failure::PaymentFailure, testing::EventBuilder, Event};
    /// # let event = Event::from_slice(&EventBuilder::new("payment_intent.payment_failed").build())?;
    /// let mut failure = PaymentFailure::from_event(&event)?.unwrap();
    /// // The network's advice comes first...
    /// assert_eq!(failure.advice_code.as_deref(), Some("try_again_later"));
    /// assert!(failure.advice().unwrap().contains("trying again later"));
    /// // ...then the decline code's.
    /// failure.advice_code = None;
    /// assert_eq!(failure.decline_code.as_deref(), Some("insufficient_funds"));
    /// assert!(failure.advice().unwrap().contains("another payment method"));
    /// # Ok::<(), stripe_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn advice(&self) -> Option<&'static str> {
        [&self.advice_code, &self.decline_code, &self.failure_code]
            .into_iter()
            .filter_map(|code| code.as_deref())
            .find_map(advice_for)
    }
}

/// `2026-12-01 22:29 UTC`: a time to the minute, as alerts show it.
pub(crate) fn utc_minute(at: OffsetDateTime) -> String {
    // Parsed on each call rather than by `format_description!`: alerts are rare, and time's
    // `macros` feature would add a proc-macro crate to every user's build.
    let minute =
        time::format_description::parse_borrowed::<2>("[year]-[month]-[day] [hour]:[minute] UTC");
    // Neither step fails for this description (a date and a time, which every value has); the
    // unit tests show the text, so an empty string here would not go unnoticed.
    minute
        .ok()
        .and_then(|items| at.to_offset(UtcOffset::UTC).format(&items).ok())
        .unwrap_or_default()
}

/// Next steps for the codes Stripe documents most often, in our words.
fn advice_for(code: &str) -> Option<&'static str> {
    Some(match code {
        "try_again_later" => {
            "The issuer suggests trying again later; an automatic retry may still succeed."
        }
        "do_not_try_again" => {
            "The issuer asks not to retry this card: ask the customer for another payment method."
        }
        "confirm_card_data" => "Ask the customer to check or update their card details.",
        "insufficient_funds" => {
            "The card has insufficient funds: the customer should use another payment method \
             or try again later."
        }
        "expired_card" => "The card has expired: ask the customer for another payment method.",
        "incorrect_cvc" | "invalid_cvc" => {
            "The security code was wrong: the customer should try again with the right one."
        }
        "incorrect_number" | "invalid_number" => {
            "The card number was wrong: the customer should check it and try again."
        }
        "authentication_required" => {
            "The bank requires authentication: ask the customer to complete it (3D Secure)."
        }
        "card_velocity_exceeded" | "withdrawal_count_limit_exceeded" => {
            "The card's limit was exceeded: the customer should contact their bank or wait."
        }
        "do_not_honor" | "generic_decline" | "card_declined" | "call_issuer" => {
            "The bank declined without a reason: the customer should contact their bank or \
             use another payment method."
        }
        "fraudulent" | "lost_card" | "stolen_card" | "pickup_card" | "merchant_blacklist" => {
            "Declined as possibly fraudulent: do not retry, and tell the customer only that the \
             card was declined."
        }
        "processing_error" => "A processing error occurred: retrying the payment may succeed.",
        _ => return None,
    })
}

impl fmt::Display for PaymentFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.livemode {
            f.write_str("[test mode] ")?;
        }
        let amount = self.currency.format_amount(self.amount);
        match (&self.source, &self.invoice_number) {
            (FailureSource::Invoice, Some(number)) => {
                write!(f, "Invoice {number} payment of {amount} failed")?;
            }
            (FailureSource::Invoice, None) => write!(f, "Invoice payment of {amount} failed")?,
            _ => write!(f, "Payment of {amount} failed")?,
        }
        let who = self
            .customer_email
            .as_deref()
            .or(self.customer_name.as_deref());
        match (who, &self.customer_id) {
            (Some(who), Some(id)) => write!(f, " for {who} ({id})")?,
            (Some(who), None) => write!(f, " for {who}")?,
            (None, Some(id)) => write!(f, " for {id}")?,
            (None, None) => {}
        }
        let reasons: Vec<&str> = [&self.failure_code, &self.decline_code]
            .into_iter()
            .filter_map(|code| code.as_deref())
            .collect();
        if !reasons.is_empty() {
            write!(f, ": {}", reasons.join(", "))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(attempts) = self.attempt_count {
            write!(f, "; attempt {attempts}")?;
        }
        match self.next_retry {
            Some(next) => write!(f, "; next retry {}", utc_minute(next))?,
            None if self.source == FailureSource::Invoice => f.write_str("; no automatic retry")?,
            None => {}
        }
        if let Some(url) = &self.hosted_invoice_url {
            write!(f, "; pay at {url}")?;
        }
        let kind = match self.source {
            FailureSource::PaymentIntent => "payment_intent",
            FailureSource::Invoice => "invoice",
            FailureSource::Charge => "charge",
        };
        write!(f, " [{kind} {}, event {}]", self.object_id, self.event_id)
    }
}
