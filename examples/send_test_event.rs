//! Sends a signed test event to a webhook endpoint, like the Stripe CLI's `trigger`.
//!
//! ```sh
//! cargo run --example send_test_event -- --url http://127.0.0.1:4242/webhook \
//!     --secret whsec_... --type invoice.payment_failed [--repeat N] [--tamper] [--retry]
//! cargo run --example send_test_event -- --url ... --secret ... --file event.json
//! ```
//!
//! The event comes from `stripe_webhooks::testing::EventBuilder` (so your tests can build the
//! same one) or from a JSON file sent byte for byte. It is signed as Stripe signs and POSTed
//! with Stripe's headers. `--repeat N` delivers it N times (duplicate deliveries), `--tamper`
//! forges the signature, `--retry` keeps retrying with exponential backoff until a 2xx, as
//! Stripe does (compressed from hours to seconds). The secret may also come from
//! `STRIPE_WEBHOOK_SECRET`.

#[path = "common/stripe_sender.rs"]
mod stripe_sender;

use std::time::Duration;

use stripe_sender::{Sender, Signing};
use stripe_webhooks::testing::EventBuilder;

const USAGE: &str = "usage: send_test_event --url URL [--secret whsec_...] [--type TYPE | --file PATH] [--repeat N] [--tamper] [--retry]";

#[derive(Debug)]
struct Options {
    url: String,
    secret: String,
    event_type: String,
    file: Option<String>,
    repeat: u32,
    tamper: bool,
    retry: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut url = None;
    let mut secret = std::env::var("STRIPE_WEBHOOK_SECRET").ok();
    let mut options = Options {
        url: String::new(),
        secret: String::new(),
        event_type: "payment_intent.succeeded".to_owned(),
        file: None,
        repeat: 1,
        tamper: false,
        retry: false,
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--url" => url = Some(value("--url")?),
            "--secret" => secret = Some(value("--secret")?),
            "--type" => options.event_type = value("--type")?,
            "--file" => options.file = Some(value("--file")?),
            "--repeat" => {
                options.repeat = value("--repeat")?
                    .parse()
                    .map_err(|_| format!("--repeat needs a number\n{USAGE}"))?
            }
            "--tamper" => options.tamper = true,
            "--retry" => options.retry = true,
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    options.url = url.ok_or(format!("--url is required\n{USAGE}"))?;
    options.secret = secret.ok_or(format!(
        "--secret or STRIPE_WEBHOOK_SECRET is required\n{USAGE}"
    ))?;
    Ok(options)
}

fn main() {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let body = match &options.file {
        Some(path) => match std::fs::read(path) {
            Ok(body) => body,
            Err(error) => {
                eprintln!("cannot read {path}: {error}");
                std::process::exit(2);
            }
        },
        None => EventBuilder::new(&options.event_type).build(),
    };
    let sender = Sender::new(&options.url, &options.secret);
    let signing = if options.tamper {
        Signing::Forged
    } else {
        Signing::Genuine
    };
    let mut all_delivered = true;
    for delivery in 1..=options.repeat {
        let answers = if options.retry && !options.tamper {
            sender.deliver_with_retries(&body, 8, Duration::from_millis(500))
        } else {
            vec![sender
                .deliver(&body, signing)
                .map_err(|error| error.to_string())]
        };
        for (attempt, answer) in answers.iter().enumerate() {
            match answer {
                Ok(answer) => println!(
                    "delivery {delivery}, attempt {}: HTTP {} {}",
                    attempt + 1,
                    answer.status,
                    answer.body
                ),
                Err(error) => println!(
                    "delivery {delivery}, attempt {}: no answer: {error}",
                    attempt + 1
                ),
            }
        }
        all_delivered &= matches!(answers.last(), Some(Ok(answer)) if answer.is_success());
    }
    if !all_delivered {
        std::process::exit(1);
    }
}
