//! A command-line tool over Stripe's API for a webhook receiver (feature `api`): the
//! account's webhook endpoints, an endpoint declared in code and planned before it is
//! applied, and the backfill of the events the receiver missed.
//!
//! ```sh
//! STRIPE_SECRET_KEY=sk_test_... cargo run -p stripe-webhooks-integration --example endpoints \
//!     --features api,sqlite -- [--api-base URL] [--stripe-version V] COMMAND ...
//! ```
//!
//! `list`, `create`, `pause ID`, `resume ID` and `delete ID` are the endpoint calls; `create`
//! prints the signing secret, which Stripe returns only then. `plan` prints what `apply` would
//! change for an endpoint declared as a URL and event patterns (exact, `prefix.*` expanded, or
//! `*`); `apply --yes` makes it so. Without `--events`, the patterns are those of the service's
//! [`Dispatcher`] (`dispatcher()` below), as a service declares its endpoint with
//! `EndpointSpec::for_dispatcher` at deploy time: the endpoint never drifts from the handler.
//! `backfill --since 24h` fetches the events of the last `30m`, `24h`, `7d` (at most 30 days)
//! whose delivery failed (`--all`: every event), of the dispatcher's types (or `--types`),
//! and feeds them to that same dispatcher: inline, its handler prints each; with `--inbox
//! sqlite://FILE`, they are stored for the service's workers, which run the service's real
//! handler (this tool does not, so that its printing handler never marks them handled).
//! `--help` lists every flag.
//!
//! `--api-base` points at another server than Stripe's, such as its API double stripe-mock
//! (`http://127.0.0.1:12111`, with `--stripe-version 2020-08-27` and `--api-version
//! 2020-08-27`, its API version). Exit codes: 1 when Stripe or the inbox refuses (the message
//! carries Stripe's request id), 2 for the command line or the setup.

use std::process::ExitCode;
use std::time::Duration;

use stripe_webhooks::api::{
    Action, ApiError, ApiKey, Applied, Backfill, BackfillReport, Client, CreateEndpoint,
    EndpointSpec, WebhookEndpoint, DEFAULT_BASE_URL,
};
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::Inbox;
use stripe_webhooks::{Event, Webhook, API_VERSION};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where the key is read from.
const KEY_VAR: &str = "STRIPE_SECRET_KEY";
/// What the service handles: the endpoint's events and the types a backfill asks for.
const PATTERNS: [&str; 3] = [
    "invoice.*",
    "customer.subscription.*",
    "payment_intent.payment_failed",
];

fn usage() -> String {
    format!(
        "usage: endpoints [--api-base URL] [--stripe-version V] COMMAND ...

  list                             every webhook endpoint of the account
  create --url URL --events A,B[,C] [--description TEXT] [--api-version V]
                                   create an endpoint; prints its signing secret, once
  pause ID | resume ID | delete ID stop sending to an endpoint, start again, delete it
  plan --url URL [--events PATTERNS] [--description TEXT] [--api-version V]
                                   what apply would change; PATTERNS: exact types,
                                   prefix.* or *; default, the dispatcher's:
                                   {patterns}
  apply (as plan) [--yes]          print the plan; apply it only with --yes
  backfill --since DURATION [--all] [--types A,B] [--inbox sqlite://FILE]
                                   feed the events of the last DURATION (30m, 24h, 7d;
                                   at most 30d) whose delivery failed (--all: every
                                   event) to the dispatcher: printed, or stored in an
                                   inbox for the service's workers

  --api-base URL       the API server (default {DEFAULT_BASE_URL})
  --stripe-version V   the Stripe-Version sent (default {API_VERSION}, the crate's)

The key is read from {KEY_VAR} (sk_test_..., sk_live_... or a restricted rk_ key).",
        patterns = PATTERNS.join(", ")
    )
}

/// Why the tool stops early: the exit code (0 for `--help`, 1 for what Stripe or the inbox
/// answered, 2 for the command line and the setup) and the message.
struct Failure(u8, String);

impl Failure {
    fn usage(message: impl std::fmt::Display) -> Failure {
        Failure(2, format!("{message}\n{}", usage()))
    }

    fn run(message: impl std::fmt::Display) -> Failure {
        Failure(1, message.to_string())
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Failure {
        Failure::run(error)
    }
}

// ---------------------------------------------------------------------------------------------
// The command line

/// What the command line asks for.
enum Command {
    List,
    Create(CreateEndpoint),
    /// `pause`, `resume` or `delete`, and the endpoint's id.
    Change(String, String),
    Plan(EndpointSpec),
    Apply(EndpointSpec, bool),
    Backfill(Backfill, Option<String>),
}

/// The flags without a value; every other flag takes one.
const SWITCHES: [&str; 2] = ["--yes", "--all"];

/// A command's own flags (`--api-base` and `--stripe-version` go with any); `None` for a
/// command that does not exist.
fn flags_of(command: &str) -> Option<&'static str> {
    Some(match command {
        "list" | "pause" | "resume" | "delete" => "",
        "create" | "plan" => "--url --events --description --api-version",
        "apply" => "--url --events --description --api-version --yes",
        "backfill" => "--since --all --types --inbox",
        _ => return None,
    })
}

/// The command line, read: the command, its words, the flags given (each at most once).
struct Args {
    command: String,
    words: Vec<String>,
    flags: Vec<(String, Option<String>)>,
}

impl Args {
    fn value(&self, name: &str) -> Option<&str> {
        let (_, value) = self.flags.iter().find(|(flag, _)| flag == name)?;
        value.as_deref()
    }

    fn required(&self, name: &str) -> Result<&str, Failure> {
        let missing = || Failure::usage(format!("{} needs {name}", self.command));
        self.value(name).ok_or_else(missing)
    }

    fn switch(&self, name: &str) -> bool {
        self.flags.iter().any(|(flag, _)| flag == name)
    }
}

fn read_args(mut args: impl Iterator<Item = String>) -> Result<Args, Failure> {
    let (mut words, mut flags) = (Vec::new(), Vec::<(String, Option<String>)>::new());
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Err(Failure(0, usage()));
        } else if !arg.starts_with('-') {
            words.push(arg);
        } else if flags.iter().any(|(flag, _)| *flag == arg) {
            return Err(Failure::usage(format!("{arg} is given twice")));
        } else if SWITCHES.contains(&arg.as_str()) {
            flags.push((arg, None));
        } else {
            let value = args.next();
            let value = value.ok_or_else(|| Failure::usage(format!("{arg} needs a value")))?;
            flags.push((arg, Some(value)));
        }
    }
    if words.is_empty() {
        return Err(Failure::usage("no command given"));
    }
    let command = words.remove(0);
    let Some(own) = flags_of(&command) else {
        return Err(Failure::usage(format!("unknown command {command:?}")));
    };
    let global = ["--api-base", "--stripe-version"];
    let known = |flag: &str| own.split(' ').chain(global).any(|known| known == flag);
    if let Some((flag, _)) = flags.iter().find(|(flag, _)| !known(flag)) {
        return Err(Failure::usage(format!("unknown flag {flag} for {command}")));
    }
    Ok(Args {
        command,
        words,
        flags,
    })
}

fn command(args: &Args) -> Result<Command, Failure> {
    let (name, words) = (args.command.as_str(), args.words.as_slice());
    Ok(match (name, words) {
        ("pause" | "resume" | "delete", [id]) => Command::Change(name.to_owned(), id.clone()),
        ("pause" | "resume" | "delete", _) => {
            return Err(Failure::usage(format!("{name} takes one endpoint id")))
        }
        (_, [word, ..]) => return Err(Failure::usage(format!("unexpected argument {word:?}"))),
        ("list", []) => Command::List,
        ("create", []) => Command::Create(create(args)?),
        ("plan", []) => Command::Plan(spec(args)?),
        ("apply", []) => Command::Apply(spec(args)?, args.switch("--yes")),
        _ => backfill(args)?,
    })
}

/// `a,b, c` as `["a", "b", "c"]`.
fn comma_list(text: &str) -> Vec<String> {
    let items = text
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty());
    items.map(str::to_owned).collect()
}

fn create(args: &Args) -> Result<CreateEndpoint, Failure> {
    let events = comma_list(args.required("--events")?);
    let mut create = CreateEndpoint::new(args.required("--url")?, events);
    if let Some(description) = args.value("--description") {
        create = create.description(description);
    }
    if let Some(version) = args.value("--api-version") {
        create = create.api_version(version);
    }
    Ok(create)
}

/// The declared endpoint: `--events`, or else the events the service's dispatcher takes.
fn spec(args: &Args) -> Result<EndpointSpec, Failure> {
    let url = args.required("--url")?;
    let mut spec = match args.value("--events") {
        Some(patterns) => EndpointSpec::new(url, comma_list(patterns)),
        None => EndpointSpec::for_dispatcher(url, &dispatcher()),
    };
    if let Some(description) = args.value("--description") {
        spec = spec.description(description);
    }
    if let Some(version) = args.value("--api-version") {
        spec = spec.api_version(version);
    }
    Ok(spec)
}

fn backfill(args: &Args) -> Result<Command, Failure> {
    let since = args.required("--since")?;
    let wrong = |why: String| Failure::usage(format!("--since {since}: {why}"));
    let window = duration(since).ok_or_else(|| wrong("say 90s, 30m, 24h or 7d".into()))?;
    let backfill = if args.switch("--all") {
        Backfill::since(window)
    } else {
        Backfill::failed_since(window)
    };
    // Beyond Stripe's 30 days: the crate's own message.
    let mut backfill = backfill.map_err(|error| wrong(error.to_string()))?;
    if let Some(types) = args.value("--types") {
        backfill = backfill.types(comma_list(types));
    }
    let inbox = args.value("--inbox").map(str::to_owned);
    Ok(Command::Backfill(backfill, inbox))
}

/// `90s`, `30m`, `24h`, `7d`.
fn duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    let seconds = number.parse::<u64>().ok()?.checked_mul(unit)?;
    Some(Duration::from_secs(seconds))
}

// ---------------------------------------------------------------------------------------------
// The service's dispatcher, and the commands

/// The service's dispatcher, as it is declared next to its handler. Its patterns are the one
/// declaration of what the service takes: `plan` and `apply` make the endpoint's events from
/// it (`EndpointSpec::for_dispatcher`), `backfill` asks Stripe for its types and feeds it.
fn dispatcher() -> Dispatcher<impl Handler> {
    // The service's receiver verifies deliveries with the endpoint's signing secret; this tool
    // only feeds the dispatcher fetched events, which carry no signature: unset is fine here.
    let secret = std::env::var("STRIPE_WEBHOOK_SECRET").unwrap_or_default();
    Dispatcher::new(Webhook::new(secret), print_event).enabled_events(PATTERNS)
}

/// The handler: prints the event (a service would grant access, send an e-mail, ...).
async fn print_event(event: Event) -> Result<(), HandlerError> {
    let created = when(event.created());
    println!(
        "  handling {} {} (created {created})",
        event.id(),
        event.event_type()
    );
    Ok(())
}

fn when(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

fn print_endpoint(endpoint: &WebhookEndpoint) {
    println!("{}  {}  {}", endpoint.id, endpoint.status, endpoint.url);
    let version = endpoint
        .api_version
        .as_deref()
        .unwrap_or("the account's default");
    println!(
        "  api version: {version}, created {}",
        when(endpoint.created)
    );
    if let Some(description) = &endpoint.description {
        println!("  description: {description}");
    }
    let events = &endpoint.enabled_events;
    println!("  {} events: {}", events.len(), events.join(", "));
}

/// A created endpoint, and its signing secret: in this answer only.
fn print_created(endpoint: &WebhookEndpoint) {
    println!("created:");
    print_endpoint(endpoint);
    if let Some(secret) = endpoint.secret() {
        println!("signing secret: {}", secret.expose_secret());
        println!("Store it now where the receiver reads it: Stripe will not show it again.");
    } else {
        println!(
            "The answer carries no signing secret (stripe-mock's fixtures have none; Stripe \
             returns it once, when the endpoint is created)."
        );
    }
}

async fn list(client: &Client) -> Result<(), Failure> {
    let (mut endpoints, mut count) = (client.list_endpoints(), 0);
    // A page of 100 at a time, fetched as it is read.
    while let Some(endpoint) = endpoints.next().await? {
        print_endpoint(&endpoint);
        count += 1;
    }
    println!("{count} webhook endpoint(s)");
    Ok(())
}

async fn change(client: &Client, verb: &str, id: &str) -> Result<(), Failure> {
    let endpoint = match verb {
        "pause" => client.pause_endpoint(id).await?,
        "resume" => client.resume_endpoint(id).await?,
        _ => {
            let deleted = client.delete_endpoint(id).await?;
            println!("{} deleted: {}", deleted.id, deleted.deleted);
            return Ok(());
        }
    };
    print_endpoint(&endpoint);
    Ok(())
}

async fn apply(client: &Client, spec: &EndpointSpec, yes: bool) -> Result<(), Failure> {
    let plan = client.plan(spec).await?;
    print!("{plan}");
    if let Action::Conflict { .. } = plan.action() {
        return Err(Failure::run("nothing applied: resolve the conflict first"));
    }
    if !yes && !plan.is_up_to_date() {
        println!("nothing applied yet: re-run with --yes to apply this plan");
        return Ok(());
    }
    match client.apply(&plan).await? {
        Applied::Created(endpoint) => print_created(&endpoint),
        Applied::Updated(endpoint) => {
            println!("updated:");
            print_endpoint(&endpoint);
        }
        Applied::Unchanged { id } => println!("nothing to apply: {id} unchanged"),
        other => println!("applied: {other:?}"),
    }
    Ok(())
}

async fn backfill_run(
    client: &Client,
    backfill: &Backfill,
    inbox: Option<&str>,
) -> Result<(), Failure> {
    let Some(url) = inbox else {
        let report = client.backfill(backfill, &dispatcher()).await?;
        print_report(&report);
        println!(
            "Inline, the duplicate guard is this process's memory: a second run of this tool \
             handles these events again; a service's dispatcher with a shared store (the inbox, \
             Redis) handles each once, however often it backfills."
        );
        return finish(&report);
    };
    let inbox_error = |error| Failure::run(format!("the inbox: {error}"));
    let inbox = Inbox::open(url).await.map_err(inbox_error)?;
    let report = client
        .backfill(backfill, &dispatcher().inbox(inbox.clone()))
        .await?;
    print_report(&report);
    let counts = inbox.counts().await.map_err(inbox_error)?;
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(status, count)| format!("{count} {status}"))
        .collect();
    let held = if held.is_empty() {
        "no entry".to_owned()
    } else {
        held.join(", ")
    };
    println!("the inbox ({}) holds {held}", inbox.backend());
    println!(
        "The service's workers (Dispatcher::run_worker) run its handler on what was stored. \
         Running this again stores nothing twice: those events come back as duplicates."
    );
    finish(&report)
}

fn print_report(report: &BackfillReport) {
    // The handler printed the handled ones.
    for outcome in &report.outcomes {
        if outcome.kind() != OutcomeKind::Handled {
            println!("  {outcome}");
        }
    }
    let failed = [
        OutcomeKind::FailedTransient,
        OutcomeKind::FailedPermanent,
        OutcomeKind::Panicked,
    ];
    println!(
        "fetched {}: {} handled, {} stored, {} duplicate, {} ignored, {} failed",
        report.fetched(),
        report.count(OutcomeKind::Handled),
        report.count(OutcomeKind::Stored),
        report.count(OutcomeKind::Duplicate),
        report.count(OutcomeKind::Ignored),
        failed
            .into_iter()
            .map(|kind| report.count(kind))
            .sum::<usize>(),
    );
}

/// Exit code 1 if an event was not handled, stored, a duplicate or ignored.
fn finish(report: &BackfillReport) -> Result<(), Failure> {
    match report.outcomes.iter().filter(|o| !o.is_success()).count() {
        0 => Ok(()),
        missed => Err(Failure::run(format!(
            "{missed} event(s) were neither handled nor stored: run the backfill again"
        ))),
    }
}

async fn run(args: Args, command: Command) -> Result<(), Failure> {
    let key = ApiKey::from_env(KEY_VAR).map_err(|error| {
        let hint = "set it to a secret key, sk_test_... (stripe-mock takes any)";
        Failure(2, format!("{KEY_VAR}: {error}\n  {hint}"))
    })?;
    let client = Client::builder(key)
        .base_url(args.value("--api-base").unwrap_or(DEFAULT_BASE_URL))
        .api_version(args.value("--stripe-version").unwrap_or(API_VERSION))
        .build()
        .map_err(|error| Failure(2, error.to_string()))?;
    match &command {
        Command::List => list(&client).await,
        Command::Create(create) => {
            print_created(&client.create_endpoint(create).await?);
            Ok(())
        }
        Command::Change(verb, id) => change(&client, verb, id).await,
        Command::Plan(spec) => {
            print!("{}", client.plan(spec).await?);
            Ok(())
        }
        Command::Apply(spec, yes) => apply(&client, spec, *yes).await,
        Command::Backfill(backfill, inbox) => {
            backfill_run(&client, backfill, inbox.as_deref()).await
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let parsed = read_args(std::env::args().skip(1))
        .and_then(|args| command(&args).map(|command| (args, command)));
    let result = match parsed {
        Ok((args, command)) => run(args, command).await,
        Err(failure) => Err(failure),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(0, message)) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(Failure(code, message)) => {
            eprintln!("endpoints: {message}");
            ExitCode::from(code)
        }
    }
}
