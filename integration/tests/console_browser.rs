//! The console in headless Chromium: each test starts the endpoint (the axum example's
//! `POST /webhook`, ack-first into an SQLite inbox in a temporary folder) and the console
//! beside it on a loopback port, delivers signed events over real HTTP, runs the handler
//! with `process_due` (so the test decides when handlers run), and looks at the pages as a
//! person would: the list and its filters, an event's page, replay, the test-event form and
//! its live row, hostile values that must stay text, the token and the CSRF token, and
//! screenshots to look at.
//!
//! Without Chromium the tests skip with a loud line, except under CI, where they fail (see
//! `browser::chromium_available`).

#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[path = "../examples/axum.rs"]
#[allow(unreachable_pub, dead_code)] // `pub` for the tests that include it too
mod axum_example;
mod browser;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use browser::{chromium_available, Browser, SCREENSHOT_DIR};
use serde_json::{json, Value};
use stripe_webhooks::console::{Access, AccessToken, Console};
use stripe_webhooks::dispatch::{Dispatcher, Handler, HandlerError};
use stripe_webhooks::inbox::{EntryStatus, Inbox, ListFilter};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};

const SECRET: &str = "whsec_console_browser";
const TOKEN: &str = "console-browser-token-0123456789abcdefghij";
/// Where the console is mounted.
const MOUNT: &str = "/stripe/console";
/// The longest wait for anything a page or its script does (the live rows refresh every 2 s).
const WAIT: Duration = Duration::from_secs(10);

/// The handler's errors, as the pages must show them.
const PERMANENT_ERROR: &str = "no such customer: cus_gone (browser test)";
const TRANSIENT_ERROR: &str = "the ledger is unreachable (browser test)";

/// Hostile values an event may carry: escaped, they stay text and never run.
const SCRIPT_XSS: &str = "<script>window.__xss=1</script>";
const IMG_XSS: &str = r#"<img src=x onerror="window.__xss=2">"#;
const TYPE_XSS: &str = r#"xss.<img src=x onerror="window.__xss=3">"#;

/// The handler: an event whose id says `permanent` fails for good, one that says `transient`
/// fails for now; every other succeeds. Once `fixed`, everything succeeds (the replay).
#[derive(Debug, Clone, Default)]
struct Rules {
    fixed: Arc<AtomicBool>,
}

impl Handler for Rules {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        if self.fixed.load(Ordering::SeqCst) {
            return Ok(());
        }
        if event.id().contains("permanent") {
            Err(HandlerError::permanent(PERMANENT_ERROR))
        } else if event.id().contains("transient") {
            Err(HandlerError::transient(TRANSIENT_ERROR))
        } else {
            Ok(())
        }
    }
}

/// One endpoint and its console on a loopback port, over a fresh SQLite inbox.
struct Fixture {
    /// `http://127.0.0.1:PORT`.
    origin: String,
    inbox: Inbox,
    dispatcher: Arc<Dispatcher<Rules, Inbox>>,
    rules: Rules,
    dir: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What a plain HTTP request got back.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    www_authenticate: Option<String>,
    body: String,
}

impl Fixture {
    async fn start(test: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "stripe-webhooks-console-browser-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let inbox = Inbox::open(&format!("sqlite://{}", dir.join("events.db").display()))
            .await
            .expect("the SQLite inbox opens");
        let rules = Rules::default();
        let dispatcher =
            Arc::new(Dispatcher::new(Webhook::new(SECRET), rules.clone()).inbox(inbox.clone()));

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let console = Console::new(
            inbox.clone(),
            Webhook::new(SECRET),
            &format!("{origin}/webhook"),
            Access::Token(AccessToken::new(TOKEN).unwrap()),
        )
        .expect("the console's configuration")
        .dispatcher_metrics({
            let dispatcher = Arc::clone(&dispatcher);
            move || dispatcher.metrics()
        });
        let app = axum_example::app(Arc::clone(&dispatcher)).nest(MOUNT, console.router());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the server runs");
        });
        Fixture {
            origin,
            inbox,
            dispatcher,
            rules,
            dir,
            server,
        }
    }

    /// The console's address plus `path` (`""` for the deliveries page).
    fn url(&self, path: &str) -> String {
        format!("{}{MOUNT}{path}", self.origin)
    }

    fn event_url(&self, id: &str) -> String {
        self.url(&format!("/events/{id}"))
    }

    /// Signs `event` as Stripe would and POSTs it to the endpoint, which must store it (200);
    /// its id.
    async fn deliver(&self, event: &EventBuilder) -> String {
        let id = event.to_value()["id"].as_str().unwrap().to_owned();
        let body = event.build();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = signature_header(&body, SECRET, now);
        let answer = self
            .http(
                "POST",
                &format!("{}/webhook", self.origin),
                &[
                    ("Content-Type", "application/json; charset=utf-8"),
                    ("Stripe-Signature", &header),
                ],
                Some(body),
            )
            .await;
        assert_eq!(answer.status, 200, "delivering {id}: {answer:?}");
        id
    }

    /// Runs every due entry once, as a worker would.
    async fn process(&self) -> stripe_webhooks::inbox::Processed {
        self.dispatcher
            .process_due()
            .await
            .expect("process_due reads the inbox")
    }

    /// The standard story: three handled events and one updated subscription, one that fails
    /// for good (delivered twice), one that fails for now, and one not run yet.
    async fn seed(&self) -> Seeded {
        let handled_pi = self
            .deliver(
                &EventBuilder::new("payment_intent.succeeded")
                    .id("evt_ok_payment")
                    .object_field("id", json!("pi_browser_search")),
            )
            .await;
        let invoice = self
            .deliver(&EventBuilder::new("invoice.paid").id("evt_ok_invoice"))
            .await;
        let customer = self
            .deliver(&EventBuilder::new("customer.created").id("evt_ok_customer"))
            .await;
        let subscription = self
            .deliver(&EventBuilder::new("customer.subscription.updated").id("evt_ok_subscription"))
            .await;
        let failing = EventBuilder::new("payment_intent.payment_failed")
            .id("evt_permanent_payment")
            .object_field("description", json!("Order 6735"));
        let failed = self.deliver(&failing).await;
        // Stripe's retry of the same event: logged as a second delivery, stored once.
        self.deliver(&failing).await;
        let retrying = self
            .deliver(&EventBuilder::new("invoice.payment_failed").id("evt_transient_invoice"))
            .await;
        let processed = self.process().await;
        assert_eq!(
            (processed.handled, processed.retrying, processed.failed),
            (4, 1, 1),
            "{processed:?}"
        );
        let pending = self
            .deliver(&EventBuilder::new("charge.refunded").id("evt_pending_charge"))
            .await;
        Seeded {
            rows: vec![
                (handled_pi, "handled"),
                (invoice, "handled"),
                (customer, "handled"),
                (subscription.clone(), "handled"),
                (failed.clone(), "failed"),
                (retrying.clone(), "retrying"),
                (pending, "pending"),
            ],
            failed,
            retrying,
            subscription,
        }
    }

    /// A plain HTTP request (no cookie jar, no redirects followed) from a blocking client.
    async fn http(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let method = method.to_owned();
        let url = url.to_owned();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .into();
            let mut response = match method.as_str() {
                "GET" => {
                    let mut request = agent.get(&url);
                    for (name, value) in &headers {
                        request = request.header(name, value);
                    }
                    request.call()
                }
                "POST" => {
                    let mut request = agent.post(&url);
                    for (name, value) in &headers {
                        request = request.header(name, value);
                    }
                    request.send(body.unwrap_or_default())
                }
                other => panic!("no {other} here"),
            }
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .map(|value| value.to_str().unwrap().to_owned())
            };
            let (location, set_cookie, www_authenticate) = (
                header("location"),
                header("set-cookie"),
                header("www-authenticate"),
            );
            Answer {
                status: response.status().as_u16(),
                location,
                set_cookie,
                www_authenticate,
                body: response.body_mut().read_to_string().unwrap(),
            }
        })
        .await
        .expect("the request's thread")
    }

    /// A browser that has opened the console's `?token=` link once (the cookie set, the token
    /// gone from the address).
    async fn browser(&self) -> Browser {
        let browser = Browser::start().await;
        browser.goto(&self.url(&format!("?token={TOKEN}"))).await;
        assert_eq!(current_url(&browser).await, self.url(""));
        browser.wait_for("table#deliveries", WAIT).await;
        browser
    }
}

/// What [`Fixture::seed`] delivered: every id with the status its row must show, and the ids
/// the tests look at closely.
struct Seeded {
    rows: Vec<(String, &'static str)>,
    failed: String,
    retrying: String,
    subscription: String,
}

async fn current_url(browser: &Browser) -> String {
    browser
        .client()
        .current_url()
        .await
        .expect("the page's address")
        .to_string()
}

/// Waits until the page's address contains `needle` (a navigation has happened); the address.
async fn wait_for_url(browser: &Browser, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let url = current_url(browser).await;
        if url.contains(needle) {
            return url;
        }
        assert!(
            Instant::now() < deadline,
            "the address never contained {needle:?}; it is {url}\n{}",
            excerpt(&browser.source().await)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn excerpt(source: &str) -> &str {
    let mut end = source.len().min(2048);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    &source[..end]
}

/// The list's rows as (event id, status), in the page's order.
async fn rows(browser: &Browser) -> Vec<(String, String)> {
    let rows = browser
        .execute(
            "return [...document.querySelectorAll('#rows tr[data-event-id]')]
                 .map(row => [row.dataset.eventId, row.dataset.status]);",
        )
        .await;
    rows.as_array()
        .expect("a list")
        .iter()
        .map(|row| {
            (
                row[0].as_str().unwrap().to_owned(),
                row[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn row_ids(browser: &Browser) -> BTreeSet<String> {
    rows(browser).await.into_iter().map(|(id, _)| id).collect()
}

fn ids<const N: usize>(ids: [&str; N]) -> BTreeSet<String> {
    ids.into_iter().map(str::to_owned).collect()
}

/// Waits for the live refresh to have run at least once since the page loaded.
async fn wait_for_live_refresh(browser: &Browser) {
    browser
        .wait_for_text("#live-status", "Live: updated", WAIT)
        .await;
}

/// Asserts that the page logged no error (a script that throws, a refused load).
async fn assert_no_console_errors(browser: &Browser) {
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
}

async fn status_of(fixture: &Fixture, id: &str) -> (EntryStatus, usize) {
    let entry = fixture
        .inbox
        .entry(id)
        .await
        .expect("the inbox reads")
        .expect("the entry is there");
    (entry.status(), entry.attempt_log.len())
}

/// The console's CSRF token, read from a form's hidden field (with the bearer token).
async fn csrf_token(fixture: &Fixture) -> String {
    let page = fixture
        .http(
            "GET",
            &fixture.url(""),
            &[("Authorization", &format!("Bearer {TOKEN}"))],
            None,
        )
        .await;
    assert_eq!(page.status, 200, "{page:?}");
    let at = page
        .body
        .find(r#"name="csrf" value=""#)
        .expect("a form with its CSRF field");
    let rest = &page.body[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_shows_every_delivered_event_with_its_status() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("list").await;
    let seeded = fixture.seed().await;
    let browser = fixture.browser().await;

    let shown = rows(&browser).await;
    assert_eq!(shown.len(), seeded.rows.len(), "{shown:?}");
    for (id, status) in &seeded.rows {
        assert!(
            shown.contains(&(id.clone(), (*status).to_owned())),
            "{id} is not listed as {status}: {shown:?}"
        );
        let row = format!("#rows tr[data-event-id=\"{id}\"]");
        // The status as a word a person reads, in its badge.
        assert_eq!(browser.text(&format!("{row} .badge")).await, *status);
        let link = browser
            .find(&format!("{row} a[href$=\"/events/{id}\"]"))
            .await;
        assert_eq!(link.text().await.unwrap(), *id);
    }
    // Newest first: the pending charge, delivered last, is on top.
    assert_eq!(shown[0].0, "evt_pending_charge");
    let retrying = browser
        .text(&format!("#rows tr[data-event-id=\"{}\"]", seeded.retrying))
        .await;
    assert!(retrying.contains("invoice.payment_failed"), "{retrying}");

    // The overview strip counts the same.
    for (status, count) in [
        ("handled", 4),
        ("failed", 1),
        ("retrying", 1),
        ("pending", 1),
    ] {
        let counted = browser
            .text(&format!("#overview li[data-status={status}] strong"))
            .await;
        assert_eq!(counted, count.to_string(), "{status}");
    }
    assert_eq!(browser.text("#dead-letters").await, "1");
    let chart = browser.find("#overview svg.chart").await;
    let label = chart.attr("aria-label").await.unwrap().unwrap_or_default();
    assert!(label.contains("8 deliveries"), "{label}");
    assert_no_console_errors(&browser).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_filters_narrow_the_list_by_status_type_family_and_object_id() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("filters").await;
    let seeded = fixture.seed().await;
    let browser = fixture.browser().await;
    assert_eq!(row_ids(&browser).await.len(), seeded.rows.len());

    // Status: the dead letters only.
    browser
        .find("form.filters select[name=status]")
        .await
        .select_by_value("failed")
        .await
        .unwrap();
    browser.click("form.filters button[type=submit]").await;
    wait_for_url(&browser, "status=failed").await;
    assert_eq!(
        rows(&browser).await,
        [(seeded.failed.clone(), "failed".to_owned())]
    );
    // The live refresh keeps the filter: after it ran, still only the failed one.
    wait_for_live_refresh(&browser).await;
    assert_eq!(row_ids(&browser).await, ids([seeded.failed.as_str()]));

    // A type family, from a cleared form.
    browser.click("form.filters a").await;
    browser.wait_for("form.filters", WAIT).await;
    assert_eq!(current_url(&browser).await, fixture.url(""));
    browser
        .fill("form.filters input[name=type]", "payment_intent.*")
        .await;
    browser.click("form.filters button[type=submit]").await;
    wait_for_url(&browser, "type=payment_intent.*").await;
    assert_eq!(
        row_ids(&browser).await,
        ids(["evt_ok_payment", "evt_permanent_payment"])
    );
    // The form shows the filter it applied.
    let typed = browser
        .find("form.filters input[name=type]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("payment_intent.*"));

    // The object's id (data.object.id) finds its event.
    browser.click("form.filters a").await;
    browser.wait_for("form.filters", WAIT).await;
    browser
        .fill("form.filters input[name=q]", "pi_browser_search")
        .await;
    browser.click("form.filters button[type=submit]").await;
    wait_for_url(&browser, "q=pi_browser_search").await;
    assert_eq!(row_ids(&browser).await, ids(["evt_ok_payment"]));

    // And the event's own id.
    browser.click("form.filters a").await;
    browser.wait_for("form.filters", WAIT).await;
    browser
        .fill("form.filters input[name=q]", &seeded.retrying)
        .await;
    browser.click("form.filters button[type=submit]").await;
    wait_for_url(&browser, "q=evt_transient").await;
    assert_eq!(row_ids(&browser).await, ids([seeded.retrying.as_str()]));

    // Mode: every event here is a test-mode one.
    browser.click("form.filters a").await;
    browser.wait_for("form.filters", WAIT).await;
    browser
        .find("form.filters select[name=mode]")
        .await
        .select_by_value("live")
        .await
        .unwrap();
    browser.click("form.filters button[type=submit]").await;
    wait_for_url(&browser, "mode=live").await;
    assert!(row_ids(&browser).await.is_empty());
    assert_eq!(browser.text("#rows").await, "No deliveries match.");
    assert_no_console_errors(&browser).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_page_shows_its_deliveries_and_handler_runs() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("detail").await;
    let seeded = fixture.seed().await;
    let browser = fixture.browser().await;

    // From the list, as a person gets there.
    browser
        .click(&format!(
            "#rows tr[data-event-id=\"{}\"] a[href$=\"/events/{}\"]",
            seeded.failed, seeded.failed
        ))
        .await;
    wait_for_url(&browser, &format!("/events/{}", seeded.failed)).await;
    browser.wait_for("#envelope", WAIT).await;
    assert_eq!(browser.text("#status .badge").await, "failed");
    assert_eq!(browser.text("#attempts").await, "1");
    let h1 = browser.text("h1").await;
    assert_eq!(
        h1,
        format!("payment_intent.payment_failed {}", seeded.failed)
    );

    let attempts = browser.find_all("#attempt-log tbody tr[data-result]").await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(
        attempts[0].attr("data-result").await.unwrap().as_deref(),
        Some("failed")
    );
    let attempt = attempts[0].text().await.unwrap();
    assert!(attempt.contains("failed"), "{attempt}");
    assert!(attempt.contains(PERMANENT_ERROR), "{attempt}");
    let envelope = browser.text("#envelope").await;
    assert!(envelope.contains(PERMANENT_ERROR), "{envelope}");

    // Two deliveries: the first stored, Stripe's retry a duplicate; both answered 200.
    let deliveries = browser.find_all("#delivery-log tbody tr").await;
    assert_eq!(deliveries.len(), 2);
    let first = deliveries[0].text().await.unwrap();
    let second = deliveries[1].text().await.unwrap();
    assert!(first.contains("200") && first.contains("stored"), "{first}");
    assert!(
        second.contains("200") && second.contains("duplicate"),
        "{second}"
    );

    // A failed payment's summary, and the object.
    let failure = browser.text("#payment-failure").await;
    assert!(!failure.is_empty());
    let object = browser.text("#object").await;
    assert!(object.contains("Order 6735"), "{object}");
    assert!(
        object.contains("\"object\": \"payment_intent\""),
        "{object}"
    );

    // The event that fails for now: a retry, with the next run shown.
    browser.goto(&fixture.event_url(&seeded.retrying)).await;
    assert_eq!(browser.text("#status .badge").await, "retrying");
    let attempt = browser.find("#attempt-log tbody tr[data-result]").await;
    assert_eq!(
        attempt.attr("data-result").await.unwrap().as_deref(),
        Some("retry")
    );
    assert!(attempt.text().await.unwrap().contains(TRANSIENT_ERROR));
    assert!(browser.text("#envelope").await.contains("Next run"));

    // The one not run yet says so.
    browser.goto(&fixture.event_url("evt_pending_charge")).await;
    assert_eq!(browser.text("#status .badge").await, "pending");
    assert!(browser
        .find_all("#attempt-log tbody tr[data-result]")
        .await
        .is_empty());
    assert_eq!(browser.text("#attempt-log tbody").await, "Not run yet.");
    assert_eq!(browser.find_all("#delivery-log tbody tr").await.len(), 1);
    assert_no_console_errors(&browser).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_runs_a_failed_event_again() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("replay").await;
    let seeded = fixture.seed().await;
    let browser = fixture.browser().await;
    let page = fixture.event_url(&seeded.failed);
    browser.goto(&page).await;
    assert_eq!(browser.text("#status .badge").await, "failed");
    assert_eq!(
        browser
            .find_all("#attempt-log tbody tr[data-result]")
            .await
            .len(),
        1
    );

    browser.click("form#replay button[type=submit]").await;
    wait_for_url(&browser, "?replay=queued").await;
    assert_eq!(
        browser.text("#notice").await,
        "Queued again: the next worker runs it."
    );
    assert_eq!(browser.text("#status .badge").await, "pending");
    assert_eq!(
        status_of(&fixture, &seeded.failed).await,
        (EntryStatus::Pending, 1)
    );

    // The handler is fixed; a worker runs what is due.
    fixture.rules.fixed.store(true, Ordering::SeqCst);
    let processed = fixture.process().await;
    // The replayed event and the pending charge.
    assert_eq!(processed.handled, 2, "{processed:?}");
    browser.goto(&page).await;
    assert_eq!(browser.text("#status .badge").await, "handled");
    let attempts = browser.find_all("#attempt-log tbody tr[data-result]").await;
    assert_eq!(attempts.len(), 2);
    let mut results = Vec::new();
    for attempt in &attempts {
        results.push(attempt.attr("data-result").await.unwrap().unwrap());
    }
    assert_eq!(results, ["failed", "handled"]);
    assert!(!browser.text("#envelope").await.contains(PERMANENT_ERROR));
    assert_eq!(
        status_of(&fixture, &seeded.failed).await,
        (EntryStatus::Handled, 2)
    );

    // And the list says so too.
    browser.click("a[href=\"/stripe/console\"]").await;
    wait_for_url(&browser, "/stripe/console").await;
    browser.wait_for("#rows", WAIT).await;
    assert_eq!(
        browser
            .text(&format!(
                "#rows tr[data-event-id=\"{}\"] .badge",
                seeded.failed
            ))
            .await,
        "handled"
    );
    assert_eq!(browser.text("#dead-letters").await, "0");
    assert_no_console_errors(&browser).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_test_event_appears_in_the_list_without_a_reload() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("test_event").await;
    fixture
        .deliver(&EventBuilder::new("invoice.paid").id("evt_ok_before"))
        .await;
    let browser = fixture.browser().await;
    assert_eq!(row_ids(&browser).await, ids(["evt_ok_before"]));
    browser.execute("window.__marker = 1; return null").await;

    browser
        .click("section details:has(form#test-event) > summary")
        .await;
    browser
        .find("form#test-event select[name=type]")
        .await
        .select_by_value("customer.created")
        .await
        .unwrap();
    browser
        .fill(
            "form#test-event textarea[name=overrides]",
            "description=Sent from the browser test",
        )
        .await;
    browser.submit("form#test-event").await;

    let notice = browser
        .wait_for_text("#notice", "the endpoint answered 200", WAIT)
        .await;
    let id = notice
        .strip_prefix("Test event ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(id, _)| id.to_owned())
        .unwrap_or_else(|| panic!("no event id in {notice:?}"));
    assert!(id.starts_with("evt_"), "{notice}");
    assert!(browser.find("#notice").await.is_displayed().await.unwrap());
    browser
        .wait_for(&format!("#rows tr[data-event-id=\"{id}\"]"), WAIT)
        .await;
    let row = browser
        .text(&format!("#rows tr[data-event-id=\"{id}\"]"))
        .await;
    assert!(row.contains("customer.created"), "{row}");
    assert!(row.contains("pending"), "{row}");

    // The endpoint stored it as sent, overrides applied.
    let entry = fixture.inbox.entry(&id).await.unwrap().expect("stored");
    let event = entry.event().unwrap();
    let object: Value = serde_json::from_str(event.object_raw().get()).unwrap();
    assert_eq!(object["description"], "Sent from the browser test");

    // A worker runs it; the live refresh shows the new status, still without a reload.
    assert_eq!(fixture.process().await.handled, 2);
    browser
        .wait_for(
            &format!("#rows tr[data-event-id=\"{id}\"][data-status=handled]"),
            WAIT,
        )
        .await;
    assert_eq!(row_ids(&browser).await, ids(["evt_ok_before", id.as_str()]));
    assert_eq!(
        browser.execute("return window.__marker").await,
        json!(1),
        "the page was reloaded or left"
    );
    assert_eq!(current_url(&browser).await, fixture.url(""));
    assert_no_console_errors(&browser).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_stay_text_on_the_list_and_the_event_page() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("xss").await;
    let id = fixture
        .deliver(
            &EventBuilder::new("payment_intent.succeeded")
                .id("evt_xss")
                .object_field("description", json!(SCRIPT_XSS))
                .object_field("metadata", json!({ "note": IMG_XSS })),
        )
        .await;
    let hostile_type = fixture
        .deliver(&EventBuilder::new(TYPE_XSS).id("evt_xss_type"))
        .await;
    fixture.process().await;
    let browser = fixture.browser().await;

    async fn assert_inert(browser: &Browser, page: &str) {
        assert_eq!(
            browser.execute("return typeof window.__xss").await,
            json!("undefined"),
            "a hostile value ran on {page}"
        );
        assert_eq!(
            browser
                .execute("return document.querySelectorAll('script').length")
                .await,
            json!(1),
            "a hostile value became a script element on {page}"
        );
        assert_eq!(
            browser
                .execute("return document.querySelectorAll('main img').length")
                .await,
            json!(0),
            "a hostile value became an image on {page}"
        );
    }

    // The list: the hostile type is a cell's text, also after the live refresh swapped the
    // rows in through innerHTML.
    let cell = browser
        .text(&format!("#rows tr[data-event-id=\"{hostile_type}\"]"))
        .await;
    assert!(cell.contains(TYPE_XSS), "{cell}");
    assert_inert(&browser, "the list").await;
    wait_for_live_refresh(&browser).await;
    let cell = browser
        .text(&format!("#rows tr[data-event-id=\"{hostile_type}\"]"))
        .await;
    assert!(cell.contains(TYPE_XSS), "{cell}");
    assert_inert(&browser, "the refreshed list").await;

    // What the list reflects from its address: the filters, as text; a notice's news only
    // when it is an event id (`sent`), and never free text (`error`, once an action's).
    let query: String = url_encode(&[
        ("q", SCRIPT_XSS),
        ("type", IMG_XSS),
        ("error", IMG_XSS),
        ("sent", IMG_XSS),
    ]);
    browser.goto(&format!("{}?{query}", fixture.url(""))).await;
    browser.wait_for("form.filters", WAIT).await;
    let q = browser
        .find("form.filters input[name=q]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(q.as_deref(), Some(SCRIPT_XSS));
    assert_eq!(
        browser.text("#notice").await,
        "",
        "no notice from a link's text"
    );
    assert_inert(&browser, "the filtered list").await;

    // The event page: the object shows the values as text.
    browser.goto(&fixture.event_url(&id)).await;
    let object = browser.text("#object").await;
    // JSON-escaped as the pretty printer writes it (`"` as `\"`).
    assert!(object.contains(SCRIPT_XSS), "{object}");
    assert!(object.contains(&IMG_XSS.replace('"', "\\\"")), "{object}");
    assert_inert(&browser, "the event page").await;
    browser.goto(&fixture.event_url(&hostile_type)).await;
    assert_eq!(
        browser.text("h1").await,
        format!("{TYPE_XSS} {hostile_type}")
    );
    assert_inert(&browser, "the hostile type's page").await;
    let title = browser.client().title().await.unwrap();
    assert!(title.starts_with(TYPE_XSS), "{title}");
}

fn url_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| {
            let value: String = value
                .bytes()
                .map(|byte| match byte {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        char::from(byte).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("{name}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_needs_its_token_and_its_forms_the_csrf_token() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("access").await;
    let seeded = fixture.seed().await;
    let replay = fixture.url(&format!("/events/{}/replay", seeded.failed));
    let bearer = format!("Bearer {TOKEN}");
    let form = ("Content-Type", "application/x-www-form-urlencoded");

    // No token, a wrong one: 401 on every route, pages, rows, metrics and the script alike.
    for path in [
        "",
        "/rows",
        "/metrics",
        "/assets/console.js",
        &format!("/events/{}", seeded.failed),
    ] {
        let answer = fixture.http("GET", &fixture.url(path), &[], None).await;
        assert_eq!(answer.status, 401, "{path}: {answer:?}");
        assert!(answer.body.contains("access token"), "{path}: {answer:?}");
        assert!(answer.www_authenticate.is_some(), "{answer:?}");
    }
    let wrong = fixture
        .http(
            "GET",
            &fixture.url("?token=console-browser-token-0123456789abcdefghiX"),
            &[],
            None,
        )
        .await;
    assert_eq!(wrong.status, 401, "{wrong:?}");
    assert!(wrong.set_cookie.is_none());
    let wrong_bearer = fixture
        .http(
            "GET",
            &fixture.url(""),
            &[("Authorization", "Bearer not-the-token")],
            None,
        )
        .await;
    assert_eq!(wrong_bearer.status, 401);
    let unauthenticated_post = fixture
        .http("POST", &replay, &[form], Some(Vec::new()))
        .await;
    assert_eq!(unauthenticated_post.status, 401);

    // The token: the link sets the cookie and drops the token from the address.
    let login = fixture
        .http("GET", &fixture.url(&format!("?token={TOKEN}")), &[], None)
        .await;
    assert_eq!(login.status, 303, "{login:?}");
    assert_eq!(login.location.as_deref(), Some(MOUNT));
    let cookie = login.set_cookie.expect("the login sets a cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains(&format!("Path={MOUNT}")), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let page = fixture
        .http("GET", &fixture.url(""), &[("Cookie", &cookie)], None)
        .await;
    assert_eq!(page.status, 200);
    let page = fixture
        .http("GET", &fixture.url(""), &[("Authorization", &bearer)], None)
        .await;
    assert_eq!(page.status, 200);

    // POSTs without the CSRF token, or with a wrong one, or from another site: 403, and the
    // dead letter stays dead.
    let csrf = csrf_token(&fixture).await;
    let cross_site = [form, ("Cookie", &cookie), ("Sec-Fetch-Site", "cross-site")];
    let csrf_field = format!("csrf={csrf}");
    for (what, headers, body) in [
        (
            "bearer, empty form",
            vec![form, ("Authorization", &bearer)],
            "",
        ),
        ("cookie, empty form", vec![form, ("Cookie", &cookie)], ""),
        (
            "cookie, wrong token",
            vec![form, ("Cookie", &cookie)],
            "csrf=0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "cookie, cross-site",
            cross_site.to_vec(),
            csrf_field.as_str(),
        ),
    ] {
        let answer = fixture
            .http("POST", &replay, &headers, Some(body.as_bytes().to_vec()))
            .await;
        assert_eq!(answer.status, 403, "{what}: {answer:?}");
        assert!(answer.body.contains("CSRF"), "{what}: {answer:?}");
        assert_eq!(
            status_of(&fixture, &seeded.failed).await,
            (EntryStatus::Failed, 1),
            "{what} replayed the event"
        );
    }
    for action in ["/requeue", "/test-event"] {
        let answer = fixture
            .http(
                "POST",
                &fixture.url(action),
                &[form, ("Authorization", &bearer)],
                Some(b"type=customer.created".to_vec()),
            )
            .await;
        assert_eq!(answer.status, 403, "{action}: {answer:?}");
    }
    assert_eq!(
        status_of(&fixture, &seeded.failed).await,
        (EntryStatus::Failed, 1),
        "the requeue ran"
    );
    assert_eq!(
        fixture
            .inbox
            .list(&ListFilter::new())
            .await
            .unwrap()
            .entries
            .len(),
        seeded.rows.len(),
        "the test event was sent"
    );

    // With it, the same POST replays (so the 403s above were the CSRF check's).
    let answer = fixture
        .http(
            "POST",
            &replay,
            &[form, ("Authorization", &bearer)],
            Some(csrf_field.into_bytes()),
        )
        .await;
    assert_eq!(answer.status, 303, "{answer:?}");
    assert_eq!(
        answer.location,
        Some(format!("{MOUNT}/events/{}?replay=queued", seeded.failed))
    );
    assert_eq!(
        status_of(&fixture, &seeded.failed).await,
        (EntryStatus::Pending, 1)
    );

    // A browser without the link sees why it is refused.
    let browser = Browser::start().await;
    browser.goto(&fixture.url("")).await;
    let body = browser.text("body").await;
    assert!(body.contains("needs its access token"), "{body}");
    assert!(browser.find_all("table#deliveries").await.is_empty());
}

/// Asserts that the page needs no horizontal scrolling at 1280 pixels (a long value wraps).
async fn assert_fits_the_width(browser: &Browser, page: &str) {
    let widths = browser
        .execute(
            "const root = document.documentElement; \
             return [root.scrollWidth, root.clientWidth];",
        )
        .await;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "{page} is wider than the window (scroll width, client width: {widths})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn screenshots_of_the_list_an_event_and_the_overview() {
    if !chromium_available() {
        return;
    }
    let fixture = Fixture::start("screenshots").await;
    let seeded = fixture.seed().await;
    let browser = fixture.browser().await;
    browser.wait_for("#overview svg.chart rect", WAIT).await;
    browser.execute("window.scrollTo(0, 0); return null").await;
    let list = browser.screenshot("console-list").await;
    assert_fits_the_width(&browser, "the list").await;

    let overview = browser
        .find("#overview")
        .await
        .screenshot()
        .await
        .expect("the overview's screenshot");
    let overview_path = PathBuf::from(SCREENSHOT_DIR).join("console-overview.png");
    std::fs::write(&overview_path, overview).unwrap();

    browser.goto(&fixture.event_url(&seeded.subscription)).await;
    assert_fits_the_width(&browser, "the event page").await;
    let changes = browser.find_all("#changes tbody tr").await;
    assert!(
        !changes.is_empty(),
        "an updated subscription shows what changed"
    );
    assert!(browser.text("#changes").await.contains("trialing"));
    // The whole page in one picture, "What changed" included: the window as tall as the page
    // (at most 3,000 pixels), then back to its usual size.
    let height = browser
        .execute("return document.documentElement.scrollHeight")
        .await
        .as_u64()
        .expect("the page's height");
    // (The window's height includes a little more than the page's viewport.)
    let height = u32::try_from((height + 200).clamp(900, 3_000)).unwrap();
    browser
        .client()
        .set_window_size(1280, height)
        .await
        .expect("a taller window");
    browser.execute("window.scrollTo(0, 0); return null").await;
    let event = browser.screenshot("console-event").await;
    browser
        .client()
        .set_window_size(1280, 900)
        .await
        .expect("the usual window");

    for path in [&list, &overview_path, &event] {
        let png = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1_000,
            "{} is not a PNG of a page",
            path.display()
        );
        eprintln!("screenshot: {}", path.display());
    }
    assert_no_console_errors(&browser).await;
}
