//! What every example service reads at start-up, and the handler they share.
#![allow(dead_code)] // used by the examples' `main`, not by the tests that include them

use stripe_webhooks::dispatch::HandlerError;
use stripe_webhooks::Event;

/// The signing secret from `STRIPE_WEBHOOK_SECRET` and the address from `--addr`
/// (default 127.0.0.1:4242).
pub(crate) fn config() -> Result<(String, String), String> {
    let secret = std::env::var("STRIPE_WEBHOOK_SECRET").map_err(|_| {
        "set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (whsec_...): the Stripe \
         Dashboard shows it under Developers > Webhooks, `stripe listen` prints it"
            .to_owned()
    })?;
    let mut addr = "127.0.0.1:4242".to_owned();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => {
                addr = args
                    .next()
                    .ok_or("--addr needs a value, e.g. 127.0.0.1:4242")?
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: [--addr HOST:PORT]"
                ))
            }
        }
    }
    Ok((secret, addr))
}

/// [`config`], or the message and exit code 2.
pub(crate) fn config_or_exit() -> (String, String) {
    config().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2)
    })
}

/// What the example services do with each event: print it. Yours writes to a database or a
/// queue.
pub(crate) async fn print_event(event: Event) -> Result<(), HandlerError> {
    println!("{} {}", event.id(), event.event_type());
    Ok(())
}
