//! The webhook console: an endpoint that stores each event in an SQLite inbox, workers that
//! run the handler, and the console over the inbox, all on 127.0.0.1. It sends itself the
//! quickstart's story, then prints the console's URL with its token.
//!
//! ```sh
//! cargo run -p stripe-webhooks-integration --example console --features console,axum,sqlite,postgres
//! cargo run -p stripe-webhooks-integration --example console --features console,axum,sqlite,postgres -- --addr 127.0.0.1:4243
//! cargo run -p stripe-webhooks-integration --example console --features console,axum,sqlite,postgres -- --once   # story, check, exit
//! ```
//!
//! The inbox is `stripe-console.db` in the current folder (or `DATABASE_URL`); the secret is
//! `STRIPE_WEBHOOK_SECRET` or a demo one; the token is `CONSOLE_TOKEN` or a fresh one. The
//! handler fails each `invoice.payment_failed` once (the books are "down"), so the console
//! shows a retry.

#[path = "axum.rs"]
#[allow(unreachable_pub, dead_code)] // `pub` for the tests that include it too
mod axum_example;
#[path = "../../examples/common/story.rs"]
mod story;
#[path = "../../examples/common/stripe_sender.rs"]
mod stripe_sender;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stripe_webhooks::console::{Access, AccessToken, Console};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
use stripe_webhooks::inbox::{Backoff, EntryStatus, Inbox};
use stripe_webhooks::{Event, Webhook};

const WORKERS: usize = 2;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let once = args.iter().any(|arg| arg == "--once");
    let addr = args
        .iter()
        .position(|arg| arg == "--addr")
        .and_then(|at| args.get(at + 1))
        .map_or("127.0.0.1:0", String::as_str)
        .to_owned();
    let secret = std::env::var("STRIPE_WEBHOOK_SECRET")
        .unwrap_or_else(|_| "whsec_console_demo_secret".to_owned());
    let token = match std::env::var("CONSOLE_TOKEN") {
        Ok(token) => AccessToken::new(token)?,
        Err(_) => AccessToken::generate(),
    };
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://stripe-console.db".to_owned());

    // A short backoff, so the demo's retry shows within seconds.
    let inbox = Inbox::open(&url)
        .await?
        .backoff(Backoff::default().initial(Duration::from_secs(2)));
    let failed_once = Arc::new(Mutex::new(HashSet::new()));
    let handler = move |event: Event| {
        let failed_once = Arc::clone(&failed_once);
        async move { handle(&event, &failed_once) }
    };
    let webhook = Webhook::new(secret.clone());
    let dispatcher = Arc::new(Dispatcher::new(webhook.clone(), handler).inbox(inbox.clone()));

    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    let endpoint = format!("http://{local}/webhook");
    let console = Console::new(
        inbox.clone(),
        webhook,
        &endpoint,
        Access::Token(token.clone()),
    )?
    .dispatcher_metrics({
        let dispatcher = Arc::clone(&dispatcher);
        move || dispatcher.metrics()
    });
    let app = axum_example::app(Arc::clone(&dispatcher)).nest("/console", console.router());

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let dispatcher = Arc::clone(&dispatcher);
        let mut stopped = stopped.clone();
        workers.push(tokio::spawn(async move {
            dispatcher
                .run_worker(async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await;
        }));
    }
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    println!("endpoint: {endpoint} (inbox: {} at {url})", inbox.backend());

    // The quickstart's story, over real HTTP, from a blocking client.
    let sent = tokio::task::spawn_blocking({
        let endpoint = endpoint.clone();
        move || tell_story(&endpoint, &secret)
    })
    .await??;
    println!(
        "\nconsole: http://{local}/console/?token={}",
        token.expose()
    );
    println!("metrics: http://{local}/console/metrics (Authorization: Bearer <token>)");

    if once {
        // Every genuine event of the story is handled, the invoice after its retry.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let mut done = 0;
            for id in &sent {
                let entry = inbox.entry(id).await?;
                done += usize::from(entry.is_some_and(|e| e.status() == EntryStatus::Handled));
            }
            if done == sent.len() {
                println!("all {done} stored events handled");
                break;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(format!("only {done} of {} events handled in 30 s", sent.len()).into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    } else {
        println!("Ctrl-C stops.");
        server.await??;
    }
    let _ = stop.send(true);
    for worker in workers {
        worker.await?;
    }
    Ok(())
}

/// The handler: the quickstart's reactions, with the books "down" for each invoice's first run.
fn handle(event: &Event, failed_once: &Mutex<HashSet<String>>) -> Result<(), HandlerError> {
    println!("  handling {} {}", event.event_type(), event.id());
    if event.event_type().as_str() == "invoice.payment_failed" {
        let first = failed_once
            .lock()
            .map_err(|_| HandlerError::transient("lock poisoned"))?
            .insert(event.id().to_owned());
        if first {
            return Err(HandlerError::transient(
                "the accounting service is down (demo): retried shortly",
            ));
        }
    }
    Ok(())
}

/// Delivers the story; the ids of the events the inbox stored.
fn tell_story(endpoint: &str, secret: &str) -> Result<Vec<String>, String> {
    let sender = stripe_sender::Sender::new(endpoint, secret);
    let mut stored = Vec::new();
    for (what, body, signing) in story::deliveries() {
        let answer = sender
            .deliver(&body, signing)
            .map_err(|error| format!("{what}: {error}"))?;
        println!("{what}: HTTP {}", answer.status);
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        let id = value["id"].as_str().unwrap_or_default().to_owned();
        if signing == stripe_sender::Signing::Genuine && !stored.contains(&id) {
            stored.push(id);
        }
    }
    Ok(stored)
}
