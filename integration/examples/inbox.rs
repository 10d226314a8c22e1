//! Acknowledge fast, process durably: an axum endpoint that stores each event in an inbox and
//! answers Stripe at once, and workers in the same process that run the handler.
//!
//! Run with
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... cargo run -p stripe-webhooks-integration --example inbox \
//!     --features axum,sqlite,postgres -- --addr 127.0.0.1:4242
//! ```
//!
//! The inbox is the SQLite file `stripe-events.db` in the current folder, or the database at
//! `DATABASE_URL` (`sqlite://PATH` or `postgres://user@host/db`). Stop with Ctrl-C: the
//! workers finish the entry in hand, and whatever is still due is run at the next start.

// The router is the axum example's: `app` serves either mode.
#[path = "axum.rs"]
#[allow(unreachable_pub)] // `pub` for the tests that include it too
mod axum_example;

use axum_example::config;

use std::sync::Arc;

use stripe_webhooks::dispatch::Dispatcher;
use stripe_webhooks::inbox::Inbox;
use stripe_webhooks::Webhook;

/// Workers in this process; each claims its own entries, so more run handlers side by side.
const WORKERS: usize = 4;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (secret, addr) = config::config_or_exit();
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://stripe-events.db".to_owned());
    let inbox = Inbox::open(&url).await?;
    println!("inbox: {} ({url})", inbox.backend());
    let dispatcher =
        Arc::new(Dispatcher::new(Webhook::new(secret), config::print_event).inbox(inbox));

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let dispatcher = Arc::clone(&dispatcher);
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                dispatcher
                    .run_worker(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await;
            })
        })
        .collect();

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("listening on http://{}/webhook", listener.local_addr()?);
    axum::serve(listener, axum_example::app(dispatcher))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    let _ = stop.send(true);
    for worker in workers {
        worker.await?;
    }
    Ok(())
}
