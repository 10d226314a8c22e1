//! Delivers events to an endpoint the way Stripe does: `POST` with
//! `Content-Type: application/json; charset=utf-8`, a fresh `Stripe-Signature` per attempt,
//! Stripe's `User-Agent`, and retries with exponential backoff after any non-2xx answer.
//!
//! Shared by the quickstart, the test-event sender and the end-to-end tests (`#[path]`).
#![allow(dead_code)] // each includer uses a different part

use std::time::Duration;

use stripe_webhooks::testing::SignatureHeader;

/// The `User-Agent` Stripe sends with webhook deliveries.
pub(crate) const USER_AGENT: &str = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";

/// How a delivery is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    /// As Stripe signs.
    Genuine,
    /// A signature with one flipped bit: a forgery.
    Forged,
    /// Signed at a time this many seconds in the past.
    Stale(i64),
    /// No `Stripe-Signature` header at all.
    Missing,
}

/// What one attempt got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The response body.
    pub(crate) body: String,
}

impl Answer {
    /// Whether Stripe would count it as delivered.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A client that delivers like Stripe.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    agent: ureq::Agent,
    url: String,
    secret: String,
}

impl Sender {
    /// Delivers to `url`, signing with `secret`.
    pub(crate) fn new(url: &str, secret: &str) -> Sender {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Sender {
            agent,
            url: url.to_owned(),
            secret: secret.to_owned(),
        }
    }

    /// One POST of `body`, signed now as `signing` says.
    pub(crate) fn deliver(&self, body: &[u8], signing: Signing) -> Result<Answer, ureq::Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = match signing {
            Signing::Genuine => Some(SignatureHeader::new(now).sign(body, &self.secret)),
            Signing::Forged => Some(SignatureHeader::new(now).forged(body, &self.secret)),
            Signing::Stale(age) => Some(SignatureHeader::new(now - age).sign(body, &self.secret)),
            Signing::Missing => None,
        };
        let mut request = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("User-Agent", USER_AGENT)
            .header("Accept", "*/*; q=0.5, application/xml");
        if let Some(header) = header {
            request = request.header("Stripe-Signature", &header.to_string());
        }
        let mut response = request.send(body)?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Ok(Answer { status, body })
    }

    /// Delivers until a 2xx answer or `attempts` attempts, waiting `first_delay`, then twice as
    /// long each time (Stripe's backoff, compressed). Each attempt is signed afresh. Returns
    /// every answer, in order.
    pub(crate) fn deliver_with_retries(
        &self,
        body: &[u8],
        attempts: u32,
        first_delay: Duration,
    ) -> Vec<Result<Answer, String>> {
        let mut answers = Vec::new();
        let mut delay = first_delay;
        for attempt in 0..attempts {
            if attempt > 0 {
                std::thread::sleep(delay);
                delay = delay.saturating_mul(2);
            }
            let answer = self
                .deliver(body, Signing::Genuine)
                .map_err(|error| error.to_string());
            let done = matches!(&answer, Ok(answer) if answer.is_success());
            answers.push(answer);
            if done {
                break;
            }
        }
        answers
    }
}
