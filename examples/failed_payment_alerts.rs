//! Alerts people when a payment fails: each `payment_intent.payment_failed`,
//! `invoice.payment_failed` and `charge.failed` becomes a one-line summary, printed to stdout
//! and POSTed as JSON (`{"text": "..."}`, the shape chat incoming webhooks take) to every URL
//! given on the command line.
//!
//! With `--smtp URL --to ADDRESS` (and the `email` feature) each failure is also e-mailed,
//! with a digest when they come in floods.
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run --example failed_payment_alerts -- \
//!     [--addr 127.0.0.1:4242] https://hooks.example.com/services/T000/B000/XXXX ...
//! cargo run --example failed_payment_alerts -- --demo [URL ...]   # sends itself one failure, then exits
//! cargo run --features email --example failed_payment_alerts -- --demo \
//!     --smtp smtps://user:pass@smtp.example.com --to billing@example.com [--from alerts@example.com]
//! ```
//!
//! A recipient that fails makes the delivery fail transiently, so Stripe retries; on the retry
//! only the recipients that missed it are called again.

#[path = "common/std_server.rs"]
mod std_server;
#[path = "common/stripe_sender.rs"]
mod stripe_sender;

use std::sync::Arc;
use std::time::Duration;

use stripe_webhooks::dispatch::Dispatcher;
use stripe_webhooks::failure::{FailureAlerts, Notifier, NotifyError, PaymentFailure};
use stripe_webhooks::testing::EventBuilder;
use stripe_webhooks::{EventType, Webhook};

/// Prints each failure.
struct Stdout;

impl Notifier for Stdout {
    fn name(&self) -> &str {
        "stdout"
    }

    async fn notify(&self, failure: &PaymentFailure) -> Result<(), NotifyError> {
        println!("ALERT {failure}");
        Ok(())
    }
}

/// POSTs `{"text": summary}` to a URL.
struct PostJson {
    url: String,
    agent: ureq::Agent,
}

impl PostJson {
    fn new(url: &str) -> PostJson {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .new_agent();
        PostJson {
            url: url.to_owned(),
            agent,
        }
    }
}

impl Notifier for PostJson {
    fn name(&self) -> &str {
        &self.url
    }

    // A blocking client is fine on this example's thread-per-request server; in an async
    // server use an async client here.
    async fn notify(&self, failure: &PaymentFailure) -> Result<(), NotifyError> {
        let message = serde_json::json!({ "text": failure.to_string() });
        self.agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(message.to_string().as_bytes())
            .map(|_| ())
            .map_err(NotifyError::new)
    }
}

/// Adds an e-mail notifier: one message per failure, a digest in floods.
#[cfg(feature = "email")]
fn with_email(
    alerts: FailureAlerts,
    smtp: &str,
    from: &str,
    to: &[String],
) -> Result<FailureAlerts, Box<dyn std::error::Error>> {
    let mut email = stripe_webhooks::failure::EmailNotifier::builder(smtp, from);
    for address in to {
        email = email.to(address);
    }
    Ok(alerts.notifier(email.build()?))
}

#[cfg(not(feature = "email"))]
fn with_email(
    _alerts: FailureAlerts,
    _smtp: &str,
    _from: &str,
    _to: &[String],
) -> Result<FailureAlerts, Box<dyn std::error::Error>> {
    Err("--smtp needs the email feature: cargo run --features email --example failed_payment_alerts".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut addr = "127.0.0.1:4242".to_owned();
    let mut demo = false;
    let mut urls = Vec::new();
    let mut smtp = None;
    let mut to = Vec::new();
    let mut from = "Stripe alerts <alerts@localhost>".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => addr = args.next().ok_or("--addr needs a value")?,
            "--demo" => demo = true,
            "--smtp" => smtp = Some(args.next().ok_or("--smtp needs an SMTP URL")?),
            "--to" => to.push(args.next().ok_or("--to needs an address")?),
            "--from" => from = args.next().ok_or("--from needs an address")?,
            url if url.starts_with("http://") || url.starts_with("https://") => {
                urls.push(url.to_owned())
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let secret = match std::env::var("STRIPE_WEBHOOK_SECRET") {
        Ok(secret) => secret,
        Err(_) if demo => "whsec_alerts_demo".to_owned(),
        Err(_) => {
            return Err(
                "set STRIPE_WEBHOOK_SECRET to your endpoint's signing secret (whsec_...)".into(),
            )
        }
    };

    let mut alerts = FailureAlerts::new().notifier(Stdout);
    for url in &urls {
        alerts = alerts.notifier(PostJson::new(url));
    }
    if let Some(smtp) = smtp {
        alerts = with_email(alerts, &smtp, &from, &to)?;
    }
    println!("notifying: {alerts:?}");
    let dispatcher = Arc::new(
        Dispatcher::new(Webhook::new(secret.as_str()), alerts)
            .enabled_events(FailureAlerts::EVENT_TYPES.iter().map(EventType::as_str)),
    );

    if demo {
        let local = std_server::spawn("127.0.0.1:0", dispatcher)?;
        let sender = stripe_sender::Sender::new(&format!("http://{local}/webhook"), &secret);
        for event_type in FailureAlerts::EVENT_TYPES {
            let answer = sender.deliver(
                &EventBuilder::new(event_type.as_str()).build(),
                stripe_sender::Signing::Genuine,
            )?;
            println!("{event_type}: HTTP {} {}", answer.status, answer.body);
        }
        return Ok(());
    }
    let listener = std::net::TcpListener::bind(&addr)?;
    println!(
        "alerting endpoint on http://{}/webhook",
        listener.local_addr()?
    );
    std_server::serve(listener, dispatcher);
    Ok(())
}
