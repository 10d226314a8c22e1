//! A relay: one endpoint that receives Stripe's webhooks, verifies each, stores it in an inbox
//! (SQLite or Postgres), answers Stripe at once, and forwards it to the internal services and
//! queues a small config file lists, each delivery signed again with the target's own secret,
//! each target with its own filter, timeout, concurrency and retries.
//!
//! The demo needs nothing (no config, no server to run, nothing beyond 127.0.0.1): it starts
//! two demo services on 127.0.0.1 that verify what they get with their own secrets, runs a
//! relay over an SQLite file in a temporary folder, sends it the quickstart's story, waits
//! until each service has every event it takes, prints a summary and exits (non-zero if
//! something is missing):
//!
//! ```sh
//! cargo run -p stripe-webhooks-integration --example relay --features forward,axum,sqlite,postgres,redis
//! ```
//!
//! A relay from a config file (`integration/examples/relay.toml` is a commented one; a `.json`
//! file with the same keys works too):
//!
//! ```sh
//! STRIPE_WEBHOOK_SECRET=whsec_... BILLING_SECRET=whsec_... PAYMENTS_QUEUE_SECRET=whsec_... \
//!     cargo run -p stripe-webhooks-integration --example relay \
//!     --features forward,axum,sqlite,postgres,redis -- \
//!     --config integration/examples/relay.toml --serve
//! ```
//!
//! It prints `listening on http://ADDR/stripe/webhooks` (the address bound: `listen =
//! "127.0.0.1:0"` takes a free port) and runs until SIGTERM or Ctrl-C; then it stops taking
//! deliveries, lets the handler worker and the forwarders finish what they hold, prints what
//! each target has and exits. What is still due is sent at the next start, from the same
//! database. `--config FILE` without `--serve` checks the file (its secrets, its targets, the
//! database) and exits.
//!
//! The config: `database` (`sqlite://PATH` or `postgres://…`), `listen` (default
//! `127.0.0.1:4242`), `secret_env` (the environment variable with the Stripe endpoint's signing
//! secret, default `STRIPE_WEBHOOK_SECRET`: that secret is never in the file), and one
//! `[[target]]` per target: `name`; `url = "http://…"`, or `redis_url = "redis://…"` and
//! `stream`; `secret_env` (the variable with the target's signing secret; `secret` inline is
//! for demos); and optionally `events` (`["invoice.*", "charge.refunded"]`; default every
//! event), `timeout_ms`, `concurrency`, `retry_initial_ms`, `retry_max_ms`, `max_attempts`.
//! Unknown keys are errors.

#[path = "../../examples/common/story.rs"]
mod story;
#[path = "../../examples/common/stripe_sender.rs"]
mod stripe_sender;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError, Outcome};
use stripe_webhooks::forward::{headers, Target, MAX_CONCURRENCY};
use stripe_webhooks::inbox::{Backoff, ForwardStatus, Inbox};
use stripe_webhooks::integrations::axum::StripeDelivery;
use stripe_webhooks::{Event, Secret, Webhook};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Where the relay takes Stripe's deliveries.
const PATH: &str = "/stripe/webhooks";
/// The demo's secrets: the Stripe endpoint's, and each demo service's (real ones come from the
/// environment).
const DEMO_STRIPE_SECRET: &str = "whsec_relay_demo_endpoint";
const DEMO_BILLING_SECRET: &str = "whsec_relay_demo_billing";
const DEMO_ANALYTICS_SECRET: &str = "whsec_relay_demo_analytics";
/// How long the demo waits for every service to have its events.
const DEMO_DEADLINE: Duration = Duration::from_secs(20);

const USAGE: &str = "usage: relay                        the self-contained demo
       relay --config FILE          check the config (secrets, targets, database)
       relay --config FILE --serve  run the relay until SIGTERM or Ctrl-C";

/// The config file: the relay's own settings and its targets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// `sqlite://PATH` or `postgres://user@host/db`.
    database: String,
    #[serde(default = "default_listen")]
    listen: String,
    /// The environment variable with the Stripe endpoint's signing secret.
    #[serde(default = "default_secret_env")]
    secret_env: String,
    #[serde(default, rename = "target")]
    targets: Vec<TargetConfig>,
}

/// One `[[target]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetConfig {
    name: String,
    url: Option<String>,
    redis_url: Option<String>,
    stream: Option<String>,
    secret_env: Option<String>,
    /// Inline, for demos; real configs name an environment variable (`secret_env`).
    secret: Option<String>,
    events: Option<Vec<String>>,
    timeout_ms: Option<u64>,
    concurrency: Option<usize>,
    retry_initial_ms: Option<u64>,
    retry_max_ms: Option<u64>,
    max_attempts: Option<u32>,
}

fn default_listen() -> String {
    "127.0.0.1:4242".to_owned()
}

fn default_secret_env() -> String {
    "STRIPE_WEBHOOK_SECRET".to_owned()
}

/// Why the relay stops early: what to print, and the exit code (2: the command line or the
/// config; 1: anything else).
#[derive(Debug)]
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn config(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }

    fn run(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
}

/// What the command line asks for.
enum Command {
    Demo,
    Check(PathBuf),
    Serve(PathBuf),
}

fn command() -> Result<Command, Failure> {
    let mut config = None;
    let mut serve = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => {
                let file = args
                    .next()
                    .ok_or_else(|| Failure::config(format!("--config needs a file\n{USAGE}")))?;
                config = Some(PathBuf::from(file));
            }
            "--serve" => serve = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                return Err(Failure::config(format!(
                    "unknown argument {other:?}\n{USAGE}"
                )))
            }
        }
    }
    match (config, serve) {
        (None, false) => Ok(Command::Demo),
        (None, true) => Err(Failure::config(format!(
            "--serve needs --config FILE\n{USAGE}"
        ))),
        (Some(file), false) => Ok(Command::Check(file)),
        (Some(file), true) => Ok(Command::Serve(file)),
    }
}

fn main() -> ExitCode {
    let result = command().and_then(|command| {
        let runtime = tokio::runtime::Runtime::new()
            .map_err(|error| Failure::run(format!("cannot start the Tokio runtime: {error}")))?;
        runtime.block_on(async {
            match command {
                Command::Demo => demo().await,
                Command::Check(file) => check(&file).await,
                Command::Serve(file) => serve(&file).await,
            }
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("relay: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The config, the targets and the dispatcher

/// Reads and parses the config file: JSON if its name ends in `.json`, TOML otherwise.
fn read_config(file: &Path) -> Result<Config, Failure> {
    let shown = file.display();
    let text = std::fs::read_to_string(file)
        .map_err(|error| Failure::config(format!("cannot read {shown}: {error}")))?;
    let json = file.extension().is_some_and(|ext| ext == "json");
    parse_config(&text, &shown.to_string(), json)
}

/// Parses `text` (from `origin`, which errors name).
fn parse_config(text: &str, origin: &str, json: bool) -> Result<Config, Failure> {
    let parsed = if json {
        serde_json::from_str(text).map_err(|error| error.to_string())
    } else {
        toml::from_str(text).map_err(|error| error.to_string())
    };
    parsed.map_err(|error| Failure::config(format!("{origin}: {}", error.trim_end())))
}

/// The secret in the environment variable `var`, or why there is none.
fn secret_from_env(var: &str, what: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(secret) if !secret.trim().is_empty() => Ok(secret),
        Ok(_) => Err(format!("{var} is empty: set it to {what}")),
        Err(std::env::VarError::NotPresent) => Err(format!("set {var} to {what}")),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{var} is not UTF-8")),
    }
}

/// The Stripe endpoint's signing secret, from the variable the config names.
fn stripe_secret(config: &Config, origin: &str) -> Result<String, Failure> {
    let secret = secret_from_env(
        &config.secret_env,
        "the Stripe endpoint's signing secret (whsec_...: the Dashboard shows it under \
         Developers > Webhooks, `stripe listen` prints it)",
    )
    .map_err(|error| Failure::config(format!("{origin}: secret_env: {error}")))?;
    Secret::new(secret.as_str())
        .map_err(|error| Failure::config(format!("{origin}: {}: {error}", config.secret_env)))?;
    Ok(secret)
}

/// One `[[target]]` as a [`Target`].
fn target(config: &TargetConfig, origin: &str) -> Result<Target, Failure> {
    let name = &config.name;
    let wrong = |what: String| Failure::config(format!("{origin}: target `{name}`: {what}"));
    let secret = match (&config.secret_env, &config.secret) {
        (Some(var), None) => {
            secret_from_env(var, &format!("the signing secret of target `{name}`"))
                .map_err(wrong)?
        }
        (None, Some(inline)) => inline.clone(),
        (Some(_), Some(_)) => return Err(wrong("give `secret_env` or `secret`, not both".into())),
        (None, None) => {
            return Err(wrong(
                "needs `secret_env`: the environment variable with its signing secret".into(),
            ))
        }
    };
    let forward_error = |error: stripe_webhooks::forward::ForwardError| {
        Failure::config(format!("{origin}: {error}"))
    };
    let mut target = match (&config.url, &config.redis_url, &config.stream) {
        (Some(url), None, None) => Target::http(name, url, secret).map_err(forward_error)?,
        (None, Some(redis_url), Some(stream)) => {
            let client = redis::Client::open(redis_url.as_str())
                .map_err(|error| wrong(format!("redis_url: {error}")))?;
            Target::redis_stream(name, client, stream, secret).map_err(forward_error)?
        }
        (None, Some(_), None) => return Err(wrong("`redis_url` needs a `stream`".into())),
        (None, None, Some(_)) => return Err(wrong("`stream` needs a `redis_url`".into())),
        (None, None, None) => {
            return Err(wrong(
                "needs `url` (an HTTP target) or `redis_url` and `stream` (a Redis stream)".into(),
            ))
        }
        (Some(_), Some(_), _) | (Some(_), None, Some(_)) => {
            return Err(wrong(
                "give `url` (an HTTP target) or `redis_url` and `stream`, not both".into(),
            ))
        }
    };
    if let Some(events) = &config.events {
        if events.is_empty() {
            return Err(wrong(
                "`events` is empty: leave it out to forward every event".into(),
            ));
        }
        target = target.enabled_events(events.iter().cloned());
    }
    if let Some(ms) = config.timeout_ms {
        if ms == 0 {
            return Err(wrong("`timeout_ms` must be at least 1".into()));
        }
        target = target.timeout(Duration::from_millis(ms));
    }
    if let Some(sends) = config.concurrency {
        if !(1..=MAX_CONCURRENCY).contains(&sends) {
            return Err(wrong(format!(
                "`concurrency` must be 1 to {MAX_CONCURRENCY}"
            )));
        }
        target = target.concurrency(sends);
    }
    if config.retry_initial_ms.is_some()
        || config.retry_max_ms.is_some()
        || config.max_attempts.is_some()
    {
        let mut backoff = Backoff::default();
        if let Some(ms) = config.retry_initial_ms {
            backoff = backoff.initial(Duration::from_millis(ms));
        }
        if let Some(ms) = config.retry_max_ms {
            backoff = backoff.max(Duration::from_millis(ms));
        }
        if let Some(attempts) = config.max_attempts {
            if attempts == 0 {
                return Err(wrong("`max_attempts` must be at least 1".into()));
            }
            backoff = backoff.max_attempts(attempts);
        }
        target = target.backoff(backoff);
    }
    Ok(target)
}

/// The handler: nothing to do here, the relay only stores and forwards. (The worker still runs
/// it, so each entry ends `handled` in the inbox.)
async fn handled(_event: Event) -> Result<(), HandlerError> {
    Ok(())
}

/// The inbox the config names, and a dispatcher over it with the config's targets attached.
async fn relay(
    config: &Config,
    origin: &str,
    stripe_secret: String,
) -> Result<(Inbox, Dispatcher<impl Handler, Inbox>), Failure> {
    if config.targets.is_empty() {
        return Err(Failure::config(format!(
            "{origin}: no [[target]]: list where the events go"
        )));
    }
    // Every target is checked before the database is opened (and created).
    let targets = config
        .targets
        .iter()
        .map(|each| target(each, origin))
        .collect::<Result<Vec<_>, _>>()?;
    let inbox = Inbox::open(&config.database).await.map_err(|error| {
        Failure::run(format!(
            "{origin}: database {}: {error}",
            shown_url(&config.database)
        ))
    })?;
    let mut dispatcher = Dispatcher::new(Webhook::new(stripe_secret), handled).inbox(inbox.clone());
    for target in targets {
        dispatcher = dispatcher
            .forward(target)
            .map_err(|error| Failure::config(format!("{origin}: {error}")))?;
    }
    Ok((inbox, dispatcher))
}

/// A database or Redis URL without its password, to print.
fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}{}", &rest[end..])
        }
        None => url.to_owned(),
    }
}

/// What a target is, in a line.
fn describe(target: &TargetConfig) -> String {
    let sink = match (&target.url, &target.redis_url, &target.stream) {
        (Some(url), _, _) => format!("POST {url}"),
        (_, Some(redis_url), Some(stream)) => format!("XADD {stream} on {}", shown_url(redis_url)),
        _ => String::new(),
    };
    let events = target
        .events
        .as_ref()
        .map_or_else(|| "every event".to_owned(), |events| events.join(", "));
    format!("{}: {sink} ({events})", target.name)
}

// ---------------------------------------------------------------------------------------------
// Running: the endpoint, the handler worker, the forwarders

/// The endpoint: `POST /stripe/webhooks`, answered with the outcome's status (200 once stored,
/// 400 for a bad signature, 5xx when the database is down, so Stripe retries), with axum's body
/// limit set to the dispatcher's.
fn router<H: Handler + 'static>(dispatcher: Arc<Dispatcher<H, Inbox>>) -> Router {
    let limit = dispatcher.get_max_body_size();
    Router::new()
        .route(PATH, post(receive::<H>))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(dispatcher)
}

async fn receive<H: Handler>(
    State(dispatcher): State<Arc<Dispatcher<H, Inbox>>>,
    delivery: StripeDelivery,
) -> Outcome {
    delivery.dispatch(&dispatcher).await
}

/// A relay that runs: the server, the handler worker and the forwarders, each a task.
struct Running {
    addr: SocketAddr,
    stop_http: watch::Sender<bool>,
    stop_background: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
}

/// Resolves once `stop` says so (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

async fn start<H: Handler + 'static>(
    dispatcher: Arc<Dispatcher<H, Inbox>>,
    listen: &str,
) -> Result<Running, Failure> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|error| Failure::run(format!("cannot listen on {listen}: {error}")))?;
    let addr = listener
        .local_addr()
        .map_err(|error| Failure::run(format!("the address bound: {error}")))?;
    let (stop_http, http_stop) = watch::channel(false);
    let (stop_background, background_stop) = watch::channel(false);
    let app = router(Arc::clone(&dispatcher));
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped(http_stop))
            .await
    });
    let worker = tokio::spawn({
        let dispatcher = Arc::clone(&dispatcher);
        let stop = stopped(background_stop.clone());
        async move { dispatcher.run_worker(stop).await }
    });
    let forwarders = tokio::spawn({
        let stop = stopped(background_stop);
        async move { dispatcher.run_forwarders(stop).await }
    });
    Ok(Running {
        addr,
        stop_http,
        stop_background,
        server,
        background: vec![worker, forwarders],
    })
}

impl Running {
    /// Stops taking deliveries (the requests in flight are answered), then stops the worker and
    /// the forwarders, which finish what they hold.
    async fn stop(self) -> Result<(), Failure> {
        let _ = self.stop_http.send(true);
        let served = self.server.await;
        let _ = self.stop_background.send(true);
        for task in self.background {
            task.await
                .map_err(|error| Failure::run(format!("a background task failed: {error}")))?;
        }
        match served {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Failure::run(format!("the server failed: {error}"))),
            Err(error) => Err(Failure::run(format!("the server failed: {error}"))),
        }
    }
}

/// Resolves at SIGTERM or Ctrl-C (SIGINT).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Each target's forwards by status, in a line per target.
async fn forward_counts(inbox: &Inbox, names: &[String]) -> Result<Vec<String>, Failure> {
    let mut lines = Vec::new();
    for name in names {
        let counts = inbox
            .forward_counts(name)
            .await
            .map_err(|error| Failure::run(format!("reading the forwards of {name}: {error}")))?;
        let said: Vec<String> = counts
            .iter()
            .filter(|(_, count)| *count > 0)
            .map(|(status, count)| format!("{count} {status}"))
            .collect();
        let said = if said.is_empty() {
            "nothing yet".to_owned()
        } else {
            said.join(", ")
        };
        lines.push(format!("{name}: {said}"));
    }
    Ok(lines)
}

/// `--config FILE --serve`.
async fn serve(file: &Path) -> Result<(), Failure> {
    let origin = file.display().to_string();
    let config = read_config(file)?;
    let secret = stripe_secret(&config, &origin)?;
    let (inbox, dispatcher) = relay(&config, &origin, secret).await?;
    let names: Vec<String> = config.targets.iter().map(|t| t.name.clone()).collect();
    let running = start(Arc::new(dispatcher), &config.listen).await?;
    println!(
        "inbox: {} ({})",
        inbox.backend(),
        shown_url(&config.database)
    );
    for target in &config.targets {
        println!("target {}", describe(target));
    }
    println!("listening on http://{}{PATH}", running.addr);
    terminated().await;
    println!("stopping: the deliveries and sends in flight finish");
    running.stop().await?;
    for line in forward_counts(&inbox, &names).await? {
        println!("stopped: {line}");
    }
    Ok(())
}

/// `--config FILE`: everything `--serve` does before it listens.
async fn check(file: &Path) -> Result<(), Failure> {
    let origin = file.display().to_string();
    let config = read_config(file)?;
    let secret = stripe_secret(&config, &origin)?;
    let (inbox, _dispatcher) = relay(&config, &origin, secret).await?;
    println!("{origin}: the config is good");
    println!(
        "inbox: {} ({})",
        inbox.backend(),
        shown_url(&config.database)
    );
    for target in &config.targets {
        println!("target {}", describe(target));
    }
    println!("would listen on {} (add --serve)", config.listen);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The demo

/// The demo's config, as a file would hold it: the relay in the demo reads it as `--serve`
/// reads a file.
fn demo_config(database: &str, billing: &str, analytics: &str) -> String {
    format!(
        r#"
database = "{database}"
listen = "127.0.0.1:0"

[[target]]
name = "billing"
url = "{billing}"
# Inline for the demo: real configs name an environment variable (secret_env = "BILLING_SECRET").
secret = "{DEMO_BILLING_SECRET}"
events = ["invoice.*", "customer.subscription.*"]
timeout_ms = 2000

[[target]]
name = "analytics"
url = "{analytics}"
secret = "{DEMO_ANALYTICS_SECRET}"
# It is down for its first request: retried after 200 ms.
retry_initial_ms = 200
retry_max_ms = 1000
"#
    )
}

/// One request a demo service got.
#[derive(Debug, Clone)]
struct Got {
    event_id: String,
    verified: bool,
    status: u16,
}

/// A demo internal service: verifies each delivery with its own secret, as it would verify
/// Stripe, and remembers what it got.
#[derive(Debug)]
struct DemoService {
    name: &'static str,
    webhook: Webhook,
    /// Refuses its next request (the service is "restarting").
    refuse_next: AtomicBool,
    got: Mutex<Vec<Got>>,
}

impl DemoService {
    fn got(&self) -> Vec<Got> {
        self.got.lock().map(|got| got.clone()).unwrap_or_default()
    }

    /// The ids it took (answered 2xx, signature verified).
    fn took(&self) -> BTreeSet<String> {
        self.got()
            .into_iter()
            .filter(|got| got.verified && got.status < 300)
            .map(|got| got.event_id)
            .collect()
    }
}

async fn demo_receive(
    State(service): State<Arc<DemoService>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let signature = header("stripe-signature");
    let attempt = header(headers::ATTEMPT);
    let (event_id, verified, what) = match service.webhook.verify_and_parse(&body, &signature) {
        Ok(event) if event.id() == header(headers::EVENT_ID) => (
            event.id().to_owned(),
            true,
            format!("{} {}", event.event_type(), event.id()),
        ),
        Ok(event) => (
            event.id().to_owned(),
            false,
            format!("{}: the id header says otherwise", event.id()),
        ),
        Err(error) => (
            header(headers::EVENT_ID),
            false,
            format!("rejected: {error}"),
        ),
    };
    let status = if !verified {
        StatusCode::BAD_REQUEST
    } else if service.refuse_next.swap(false, Ordering::SeqCst) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let verdict = match (verified, status) {
        (false, _) => "signature NOT verified",
        (true, StatusCode::OK) => "signature verified",
        (true, _) => "signature verified, refused: the demo service is restarting",
    };
    println!(
        "  -> {} got {what} (attempt {attempt}): {verdict}, {}",
        service.name,
        status.as_u16()
    );
    if let Ok(mut got) = service.got.lock() {
        got.push(Got {
            event_id,
            verified,
            status: status.as_u16(),
        });
    }
    status
}

/// Starts a demo service on 127.0.0.1; its URL, and what stops it.
async fn start_demo_service(
    service: &Arc<DemoService>,
) -> Result<(String, watch::Sender<bool>, JoinHandle<std::io::Result<()>>), Failure> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|error| Failure::run(format!("a demo service cannot listen: {error}")))?;
    let addr = listener
        .local_addr()
        .map_err(|error| Failure::run(format!("a demo service's address: {error}")))?;
    let app = Router::new()
        .route("/stripe", post(demo_receive))
        .with_state(Arc::clone(service));
    let (stop, stop_rx) = watch::channel(false);
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped(stop_rx))
            .await
    });
    Ok((format!("http://{addr}/stripe"), stop, server))
}

/// Delivers the quickstart's story as Stripe would; the events the relay stored (id, type),
/// each once.
fn tell_story(endpoint: &str) -> Result<Vec<(String, String)>, String> {
    let sender = stripe_sender::Sender::new(endpoint, DEMO_STRIPE_SECRET);
    let mut stored: Vec<(String, String)> = Vec::new();
    for (what, body, signing) in story::deliveries() {
        let answer = sender
            .deliver(&body, signing)
            .map_err(|error| format!("{what}: {error}"))?;
        println!("{what}: HTTP {}", answer.status);
        let event = Event::from_slice(&body).map_err(|error| format!("{what}: {error}"))?;
        let genuine = signing == stripe_sender::Signing::Genuine;
        if genuine && answer.is_success() && !stored.iter().any(|(id, _)| id == event.id()) {
            stored.push((event.id().to_owned(), event.event_type().to_string()));
        }
    }
    Ok(stored)
}

/// The self-contained demo.
async fn demo() -> Result<(), Failure> {
    let dir =
        std::env::temp_dir().join(format!("stripe-webhooks-relay-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .map_err(|error| Failure::run(format!("cannot create {}: {error}", dir.display())))?;
    let result = demo_in(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn demo_in(dir: &Path) -> Result<(), Failure> {
    let service = |name, secret: &str, refuse_first| {
        Arc::new(DemoService {
            name,
            webhook: Webhook::new(secret),
            refuse_next: AtomicBool::new(refuse_first),
            got: Mutex::new(Vec::new()),
        })
    };
    let billing = service("billing", DEMO_BILLING_SECRET, false);
    let analytics = service("analytics", DEMO_ANALYTICS_SECRET, true);
    let services = [Arc::clone(&billing), Arc::clone(&analytics)];
    let (billing_url, stop_billing, billing_server) = start_demo_service(&billing).await?;
    let (analytics_url, stop_analytics, analytics_server) = start_demo_service(&analytics).await?;

    let database = format!("sqlite://{}", dir.join("relay.db").display());
    let text = demo_config(&database, &billing_url, &analytics_url);
    let config = parse_config(&text, "the demo config", false)?;
    let (inbox, dispatcher) = relay(&config, "the demo config", DEMO_STRIPE_SECRET.into()).await?;
    let dispatcher = Arc::new(dispatcher);
    let running = start(Arc::clone(&dispatcher), &config.listen).await?;
    let endpoint = format!("http://{}{PATH}", running.addr);
    println!("relay: {endpoint} (inbox: {database})");
    for target in &config.targets {
        println!("  target {}", describe(target));
    }
    println!("  (analytics is down for its first request, so one forward is retried)\n");

    let stored = tokio::task::spawn_blocking({
        let endpoint = endpoint.clone();
        move || tell_story(&endpoint)
    })
    .await
    .map_err(|error| Failure::run(format!("the story's sender failed: {error}")))?
    .map_err(Failure::run)?;

    // What each target should get: the stored events its filter takes.
    let expected: BTreeMap<String, BTreeSet<String>> = dispatcher
        .targets()
        .map(|target| {
            let ids = stored
                .iter()
                .filter(|(_, event_type)| {
                    event_type
                        .parse()
                        .is_ok_and(|event_type| target.takes(&event_type))
                })
                .map(|(id, _)| id.clone())
                .collect();
            (target.name().to_owned(), ids)
        })
        .collect();

    // Until each service has its events and the inbox has recorded them delivered.
    let deadline = tokio::time::Instant::now() + DEMO_DEADLINE;
    let missing = loop {
        let mut missing = Vec::new();
        for service in &services {
            let took = service.took();
            for id in &expected[service.name] {
                let recorded = inbox
                    .entry(id)
                    .await
                    .map_err(|error| Failure::run(format!("reading {id}: {error}")))?
                    .is_some_and(|entry| {
                        entry.forwards.iter().any(|forward| {
                            forward.target == service.name
                                && forward.status == ForwardStatus::Delivered
                        })
                    });
                if !took.contains(id) || !recorded {
                    missing.push(format!("{} has not got {id}", service.name));
                }
            }
        }
        if missing.is_empty() || tokio::time::Instant::now() > deadline {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    println!("\nThe inbox's forwards:");
    for (id, event_type) in &stored {
        let forwards = inbox
            .entry(id)
            .await
            .map_err(|error| Failure::run(format!("reading {id}: {error}")))?
            .map(|entry| entry.forwards)
            .unwrap_or_default();
        let said: Vec<String> = forwards
            .iter()
            .map(|forward| {
                let plural = if forward.attempts == 1 { "" } else { "s" };
                format!(
                    "{} {} ({} attempt{plural})",
                    forward.target, forward.status, forward.attempts
                )
            })
            .collect();
        println!("  {id} {event_type}: {}", said.join(", "));
    }

    println!("\nSummary:");
    let mut all_verified = true;
    for service in &services {
        let got = service.got();
        let verified = got.iter().filter(|got| got.verified).count();
        let refused = got
            .iter()
            .filter(|got| got.verified && got.status >= 300)
            .count();
        let took = service.took();
        let wanted = &expected[service.name];
        all_verified &= verified == got.len();
        println!(
            "  {:<9} {} of {} events received, {} requests ({refused} refused on purpose), {}",
            service.name,
            took.intersection(wanted).count(),
            wanted.len(),
            got.len(),
            if verified == got.len() {
                "every signature verified".to_owned()
            } else {
                format!("{} signatures NOT verified", got.len() - verified)
            }
        );
    }

    running.stop().await?;
    let _ = stop_billing.send(true);
    let _ = stop_analytics.send(true);
    let _ = billing_server.await;
    let _ = analytics_server.await;

    if !missing.is_empty() {
        return Err(Failure::run(format!(
            "after {DEMO_DEADLINE:?}: {}",
            missing.join("; ")
        )));
    }
    if !all_verified {
        return Err(Failure::run(
            "a demo service got a delivery it could not verify",
        ));
    }
    println!("\nEvery target has every event it takes.");
    Ok(())
}
