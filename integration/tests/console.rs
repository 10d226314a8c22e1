//! The console over HTTP, on a real loopback server and both inbox backends: who gets in, what
//! every answer carries, what the pages and the metrics say, and what the forms do. The same
//! pages in a real browser: `console_browser.rs`.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[macro_use] // `backends!`
mod inbox {
    #[macro_use]
    pub(crate) mod databases;
}

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use inbox::databases::{fresh, Backend};
use serde_json::json;
use stripe_webhooks::console::{Access, AccessToken, Console};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
use stripe_webhooks::inbox::{EntryStatus, Inbox, ListFilter};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_console_tests";
const TOKEN: &str = "console-test-token-0123456789-abcdefghij";

/// An endpoint, an inbox and the console under `/stripe/console`, served on loopback.
struct Site {
    addr: SocketAddr,
    url: String,
    inbox: Inbox,
    dispatcher: Arc<Dispatcher<Handler, Inbox>>,
}

type Handler = fn(Event) -> std::future::Ready<Result<(), HandlerError>>;

/// Fails the events whose id says so: `…fail…` permanently, `…retry…` for now.
fn handler(event: Event) -> std::future::Ready<Result<(), HandlerError>> {
    std::future::ready(if event.id().contains("fail") {
        Err(HandlerError::permanent("the order does not exist"))
    } else if event.id().contains("retry") {
        Err(HandlerError::transient("the ledger is down"))
    } else {
        Ok(())
    })
}

async fn site(backend: Backend, test: &str, access: Access) -> Option<Site> {
    let url = fresh(backend, &format!("console_{test}"))?;
    let inbox = Inbox::open(&url).await.unwrap();
    let dispatcher: Arc<Dispatcher<Handler, Inbox>> =
        Arc::new(Dispatcher::new(Webhook::new(SECRET), handler as Handler).inbox(inbox.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let console = Console::new(
        inbox.clone(),
        Webhook::new(SECRET),
        &format!("http://{addr}/webhook"),
        access,
    )
    .unwrap()
    .dispatcher_metrics({
        let dispatcher = Arc::clone(&dispatcher);
        move || dispatcher.metrics()
    });
    let app = axum_example::app(Arc::clone(&dispatcher)).nest("/stripe/console", console.router());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Some(Site {
        addr,
        url,
        inbox,
        dispatcher,
    })
}

#[path = "../examples/axum.rs"]
#[allow(dead_code, unreachable_pub)]
mod axum_example;

fn token_access() -> Access {
    Access::Token(AccessToken::new(TOKEN).unwrap())
}

/// One HTTP answer.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A request from a plain client (no redirects followed), off the runtime's threads.
async fn request(
    method: &'static str,
    url: String,
    headers: Vec<(&'static str, String)>,
    form: Option<String>,
) -> Answer {
    tokio::task::spawn_blocking(move || {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        let mut response = if method == "GET" {
            let mut request = agent.get(&url);
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            request.call().unwrap()
        } else {
            let mut request = agent
                .post(&url)
                .header("Content-Type", "application/x-www-form-urlencoded");
            for (name, value) in &headers {
                request = request.header(*name, value);
            }
            request.send(form.unwrap_or_default().as_bytes()).unwrap()
        };
        Answer {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: response.body_mut().read_to_string().unwrap_or_default(),
        }
    })
    .await
    .unwrap()
}

fn bearer() -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {TOKEN}"))]
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("http://{}/stripe/console{path}", self.addr)
    }

    async fn get(&self, path: &str) -> Answer {
        request("GET", self.url(path), bearer(), None).await
    }

    /// Delivers `event` as Stripe does; the answer's status.
    async fn deliver(&self, event: &EventBuilder) -> u16 {
        let body = event.build();
        let header = signature_header(&body, SECRET, OffsetDateTime::now_utc().unix_timestamp());
        let url = format!("http://{}/webhook", self.addr);
        tokio::task::spawn_blocking(move || {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .new_agent()
                .post(&url)
                .header("Stripe-Signature", &header)
                .header("Content-Type", "application/json")
                .send(&body[..])
                .unwrap()
                .status()
                .as_u16()
        })
        .await
        .unwrap()
    }

    /// The CSRF token the pages put in their forms.
    async fn csrf(&self) -> String {
        let page = self.get("").await;
        let at = page.body.find("name=\"csrf\" value=\"").unwrap() + 19;
        page.body[at..at + 64].to_owned()
    }
}

/// The rows of the list in `html`, as (event id, status).
fn rows(html: &str) -> Vec<(String, String)> {
    html.split("<tr data-event-id=\"")
        .skip(1)
        .map(|row| {
            let (id, rest) = row.split_once('"').unwrap();
            let status = rest
                .split_once("data-status=\"")
                .unwrap()
                .1
                .split_once('"')
                .unwrap()
                .0;
            (id.to_owned(), status.to_owned())
        })
        .collect()
}

backends! {
    async fn every_request_needs_the_token_and_every_answer_carries_the_headers(backend: Backend) {
        let Some(site) = site(backend, "token", token_access()).await else { return };
        for path in ["", "/rows", "/metrics", "/assets/console.js", "/events/evt_1"] {
            let answer = request("GET", site.url(path), vec![], None).await;
            assert_eq!(answer.status, 401, "{path}");
            assert_eq!(answer.header("www-authenticate"), Some("Bearer realm=\"stripe-webhooks console\""));
            assert!(answer.header("content-security-policy").unwrap().contains("default-src 'none'"));
            let wrong = request("GET", site.url(path), vec![("Authorization", format!("Bearer {TOKEN}x"))], None).await;
            assert_eq!(wrong.status, 401, "{path} with a wrong token");
        }
        let wrong_cookie = request("GET", site.url(""), vec![("Cookie", "stripe_webhooks_console=nope".into())], None).await;
        assert_eq!(wrong_cookie.status, 401);

        // The link: a cookie for the mount path, and the token gone from the address.
        let login = request("GET", site.url(&format!("?token={TOKEN}&status=failed")), vec![], None).await;
        assert_eq!(login.status, 303);
        assert_eq!(login.header("location"), Some("/stripe/console?status=failed"));
        let cookie = login.header("set-cookie").unwrap();
        assert_eq!(cookie, format!("stripe_webhooks_console={TOKEN}; Path=/stripe/console; HttpOnly; SameSite=Strict"));
        let with_cookie = request("GET", site.url(""), vec![("Cookie", format!("other=1; stripe_webhooks_console={TOKEN}"))], None).await;
        assert_eq!(with_cookie.status, 200);

        let page = site.get("").await;
        assert_eq!(page.status, 200);
        let csp = page.header("content-security-policy").unwrap();
        for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"] {
            assert!(csp.contains(directive), "{csp}");
        }
        assert_eq!(page.header("x-frame-options"), Some("DENY"));
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert!(!page.body.contains(TOKEN), "the token is never rendered");
        assert!(!page.body.contains(SECRET), "the secret is never rendered");
        assert!(!page.body.contains("<script>"), "no inline script: only the console's own file");
    }

    async fn forms_need_the_csrf_token(backend: Backend) {
        let Some(site) = site(backend, "csrf", token_access()).await else { return };
        assert_eq!(site.deliver(&EventBuilder::new("invoice.paid").id("evt_fail_csrf")).await, 200);
        site.dispatcher.process_due().await.unwrap();
        assert_eq!(site.inbox.entry("evt_fail_csrf").await.unwrap().unwrap().status(), EntryStatus::Failed);
        let csrf = site.csrf().await;
        let replay = site.url("/events/evt_fail_csrf/replay");

        for (form, extra) in [
            (String::new(), vec![]),
            ("csrf=0000".to_owned(), vec![]),
            (format!("csrf={csrf}"), vec![("Sec-Fetch-Site", "cross-site".to_owned())]),
        ] {
            let mut headers = bearer();
            headers.extend(extra);
            let refused = request("POST", replay.clone(), headers, Some(form.clone())).await;
            assert_eq!(refused.status, 403, "{form}");
            assert!(refused.body.contains("CSRF"));
        }
        for path in ["/requeue", "/test-event"] {
            let refused = request("POST", site.url(path), bearer(), Some("type=invoice.paid".into())).await;
            assert_eq!(refused.status, 403, "{path}");
        }
        assert_eq!(site.inbox.entry("evt_fail_csrf").await.unwrap().unwrap().status(), EntryStatus::Failed, "nothing was replayed");

        let mut headers = bearer();
        headers.push(("Sec-Fetch-Site", "same-origin".into()));
        let replayed = request("POST", replay, headers, Some(format!("csrf={csrf}"))).await;
        assert_eq!(replayed.status, 303);
        assert_eq!(replayed.header("location"), Some("/stripe/console/events/evt_fail_csrf?replay=queued"));
        assert_eq!(site.inbox.entry("evt_fail_csrf").await.unwrap().unwrap().status(), EntryStatus::Pending);
    }

    async fn the_list_filters_by_status_family_mode_and_object_id(backend: Backend) {
        let Some(site) = site(backend, "filters", token_access()).await else { return };
        let events = [
            EventBuilder::new("payment_intent.succeeded").id("evt_ok_1").object_field("id", json!("pi_ok_1")),
            EventBuilder::new("payment_intent.payment_failed").id("evt_fail_2").object_field("id", json!("pi_fail_2")),
            EventBuilder::new("invoice.paid").id("evt_ok_3").object_field("id", json!("in_ok_3")).livemode(true),
            EventBuilder::new("invoice.payment_failed").id("evt_retry_4").object_field("id", json!("in_retry_4")),
            EventBuilder::new("customer.created").id("evt_ok_5").object_field("id", json!("cus_5")),
        ];
        for event in &events {
            assert_eq!(site.deliver(event).await, 200);
        }
        site.dispatcher.process_due().await.unwrap();

        let ids = |html: &str| -> Vec<String> { rows(html).into_iter().map(|(id, _)| id).collect() };
        let all = site.get("").await;
        assert_eq!(ids(&all.body), ["evt_ok_5", "evt_retry_4", "evt_ok_3", "evt_fail_2", "evt_ok_1"], "newest first");
        assert_eq!(rows(&all.body)[1].1, "retrying");
        assert_eq!(rows(&all.body)[3].1, "failed");
        assert_eq!(ids(&site.get("?status=failed").await.body), ["evt_fail_2"]);
        assert_eq!(ids(&site.get("?type=invoice.*").await.body), ["evt_retry_4", "evt_ok_3"]);
        assert_eq!(ids(&site.get("?type=invoice.paid").await.body), ["evt_ok_3"]);
        assert_eq!(ids(&site.get("?mode=live").await.body), ["evt_ok_3"]);
        assert_eq!(ids(&site.get("?mode=test&type=payment_intent.*").await.body), ["evt_fail_2", "evt_ok_1"]);
        assert_eq!(ids(&site.get("?q=in_retry_4").await.body), ["evt_retry_4"], "by object id");
        assert_eq!(ids(&site.get("?q=evt_ok_1").await.body), ["evt_ok_1"], "by event id");
        assert_eq!(ids(&site.get("/rows?status=retrying").await.body), ["evt_retry_4"], "the live rows");
        let odd = site.get("?status=sideways&after=nonsense").await;
        assert_eq!(odd.status, 200);
        assert!(odd.body.contains("unknown status `sideways`: ignored"));
        assert_eq!(ids(&odd.body).len(), 5);

        // Replaying a handled event runs its handler again: the page asks first.
        let handled = site.get("/events/evt_ok_1").await.body;
        assert!(handled.contains("data-confirm=\"This event was handled. Run its handler again?\""));
        assert!(!site.get("/events/evt_fail_2").await.body.contains("data-confirm"));

        // Pages of two through the inbox: the cursor carries the filter's order.
        let first = site.inbox.list(&ListFilter::new().limit(2)).await.unwrap();
        let second = site.inbox.list(&ListFilter::new().limit(2).after(first.next.unwrap())).await.unwrap();
        assert_eq!(second.entries.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["evt_ok_3", "evt_fail_2"]);
        let summary = &first.entries[1];
        assert_eq!(summary.object_id.as_deref(), Some("in_retry_4"));
        assert_eq!(summary.last_status, Some(200));
        assert!(summary.last_duration.is_some());
        assert!(summary.due_at > OffsetDateTime::now_utc(), "the next retry is ahead");
    }

    async fn the_event_page_escapes_everything_and_shows_history(backend: Backend) {
        let Some(site) = site(backend, "event", token_access()).await else { return };
        let hostile = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">";
        let event = EventBuilder::new("customer.subscription.updated")
            .id("evt_retry_hostile")
            .object_field("description", json!(hostile))
            .previous_attributes(json!({"status": "trialing", "description": "</code><b>old</b>"}));
        assert_eq!(site.deliver(&event).await, 200);
        assert_eq!(site.deliver(&event).await, 200, "Stripe's retry: logged as a duplicate");
        site.dispatcher.process_due().await.unwrap();

        let page = site.get("/events/evt_retry_hostile").await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("<script>window"), "no value from the event is markup");
        assert!(!page.body.contains("<img"), "no value from the event is markup");
        assert!(!page.body.contains("<b>old"), "no value from the event is markup");
        assert!(page.body.contains("&lt;script&gt;window.__xss=1&lt;/script&gt;"));
        assert!(page.body.contains("What changed"));
        assert!(page.body.contains("<code>status</code>"));
        assert!(page.body.contains("&quot;trialing&quot;") && page.body.contains("&quot;active&quot;"));
        assert!(page.body.contains("the ledger is down"), "the attempt's error");
        assert!(page.body.contains("retry"));
        assert_eq!(page.body.matches("<td>duplicate</td>").count(), 1, "{}", page.body);
        assert_eq!(page.body.matches("<td>stored</td>").count(), 1);
        let list = site.get("").await;
        assert!(!list.body.contains("<script>window"));

        let missing = site.get("/events/evt_nope").await;
        assert_eq!(missing.status, 404);
    }

    async fn a_failed_payment_shows_its_summary(backend: Backend) {
        let Some(site) = site(backend, "failure", token_access()).await else { return };
        assert_eq!(site.deliver(&EventBuilder::new("payment_intent.payment_failed").id("evt_pf")).await, 200);
        let page = site.get("/events/evt_pf").await;
        assert!(page.body.contains("id=\"payment-failure\""), "{}", page.body);
        assert!(page.body.contains("[test mode]"));
    }

    async fn a_test_event_runs_the_whole_pipeline(backend: Backend) {
        let Some(site) = site(backend, "test_event", token_access()).await else { return };
        let csrf = site.csrf().await;
        let mut headers = bearer();
        headers.push(("X-Console-Fetch", "1".into()));
        let form = format!(
            "csrf={csrf}&type=payment_intent.payment_failed&overrides={}",
            url_encode("amount=4321\nmetadata[order_id]=6735")
        );
        let sent = request("POST", site.url("/test-event"), headers.clone(), Some(form)).await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        assert!(sent.body.ends_with("the endpoint answered 200."), "{}", sent.body);
        let id = sent.body.split_whitespace().nth(2).unwrap().to_owned();
        let entry = site.inbox.entry(&id).await.unwrap().expect("stored by the endpoint");
        let object = &serde_json::from_slice::<serde_json::Value>(&entry.body).unwrap()["data"]["object"];
        assert_eq!(object["amount"], 4321);
        assert_eq!(object["metadata"]["order_id"], 6735);

        // A plain form (no script) is redirected with the same news.
        let plain = request("POST", site.url("/test-event"), bearer(), Some(format!("csrf={csrf}&type=invoice.paid"))).await;
        assert_eq!(plain.status, 303);
        assert!(plain.header("location").unwrap().starts_with("/stripe/console?sent=evt_test_"));
        let bad = request("POST", site.url("/test-event"), headers, Some(format!("csrf={csrf}&type=invoice.paid&overrides=nonsense"))).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("is not field=value"));
        assert_eq!(site.inbox.list(&ListFilter::new()).await.unwrap().entries.len(), 2, "the bad one was not sent");
    }

    async fn requeue_queues_the_dead_letters_of_a_type(backend: Backend) {
        let Some(site) = site(backend, "requeue", token_access()).await else { return };
        for (id, event_type) in [("evt_fail_a", "invoice.paid"), ("evt_fail_b", "invoice.paid"), ("evt_fail_c", "customer.created")] {
            assert_eq!(site.deliver(&EventBuilder::new(event_type).id(id)).await, 200);
        }
        site.dispatcher.process_due().await.unwrap();
        let csrf = site.csrf().await;
        let answer = request("POST", site.url("/requeue"), bearer(), Some(format!("csrf={csrf}&type=invoice.paid&hours=24"))).await;
        assert_eq!(answer.status, 303);
        assert_eq!(answer.header("location"), Some("/stripe/console?requeued=2"));
        assert_eq!(site.inbox.entry("evt_fail_c").await.unwrap().unwrap().status(), EntryStatus::Failed);
        assert_eq!(site.inbox.entry("evt_fail_a").await.unwrap().unwrap().status(), EntryStatus::Pending);
        assert!(site.get("?requeued=2").await.body.contains("Requeued 2 dead letters."));
    }

    async fn metrics_say_what_to_alert_on(backend: Backend) {
        let Some(site) = site(backend, "metrics", token_access()).await else { return };
        for id in ["evt_ok_m1", "evt_ok_m2", "evt_fail_m3", "evt_retry_m4"] {
            assert_eq!(site.deliver(&EventBuilder::new("invoice.paid").id(id)).await, 200);
        }
        assert_eq!(site.deliver(&EventBuilder::new("invoice.paid").id("evt_ok_m1")).await, 200);
        site.dispatcher.process_due().await.unwrap();
        let metrics = site.get("/metrics").await;
        assert_eq!(metrics.status, 200);
        assert!(metrics.header("content-type").unwrap().starts_with("application/openmetrics-text"));
        let text = metrics.body;
        for line in [
            "stripe_webhooks_deliveries_total{outcome=\"stored\",status=\"200\"} 4",
            "stripe_webhooks_deliveries_total{outcome=\"duplicate\",status=\"200\"} 1",
            "stripe_webhooks_inbox_entries{status=\"handled\"} 2",
            "stripe_webhooks_inbox_entries{status=\"failed\"} 1",
            "stripe_webhooks_inbox_entries{status=\"retrying\"} 1",
            "stripe_webhooks_inbox_dead_letters 1",
            "stripe_webhooks_inbox_oldest_due_age_seconds 0.0",
            "stripe_webhooks_handler_duration_seconds_count 4",
            "stripe_webhooks_handler_duration_seconds_bucket{le=\"+Inf\"} 4",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
        }
        // A due entry nobody runs: the queue's lag grows.
        assert_eq!(site.deliver(&EventBuilder::new("invoice.paid").id("evt_ok_waiting")).await, 200);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let lag = site.get("/metrics").await.body;
        let age: f64 = lag
            .lines()
            .find_map(|l| l.strip_prefix("stripe_webhooks_inbox_oldest_due_age_seconds "))
            .unwrap()
            .parse()
            .unwrap();
        assert!(age >= 1.0, "{age}");
    }

    async fn the_overview_counts_the_day(backend: Backend) {
        let Some(site) = site(backend, "overview", token_access()).await else { return };
        for id in ["evt_ok_o1", "evt_fail_o2", "evt_retry_o3"] {
            assert_eq!(site.deliver(&EventBuilder::new("invoice.paid").id(id)).await, 200);
        }
        site.dispatcher.process_due().await.unwrap();
        let hours = site.inbox.activity(24).await.unwrap();
        assert_eq!(hours.len(), 24);
        let now = hours.last().unwrap();
        assert_eq!((now.deliveries, now.failures), (3, 2));
        assert!(hours[..23].iter().all(|hour| hour.deliveries == 0));
        // A forgery and a replayed (stale) delivery: counted by kind, never stored.
        let body = EventBuilder::new("invoice.paid").build();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        for header in [
            signature_header(&body, "whsec_someone_else", now),
            signature_header(&body, SECRET, now - 3_600),
        ] {
            let url = format!("http://{}/webhook", site.addr);
            let body = body.clone();
            let status = tokio::task::spawn_blocking(move || {
                ureq::Agent::config_builder().http_status_as_error(false).build().new_agent()
                    .post(&url).header("Stripe-Signature", &header).send(&body[..]).unwrap().status().as_u16()
            })
            .await
            .unwrap();
            assert_eq!(status, 400);
        }
        // Rejections are counted off the request's path: wait for the committer.
        let since = OffsetDateTime::now_utc() - time::Duration::hours(1);
        for _ in 0..100 {
            if site.inbox.rejections(since).await.unwrap().len() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let page = site.get("").await.body;
        assert!(page.contains("24 hours: 3 deliveries, 2 failures."), "the chart's label");
        assert!(page.contains("<strong id=\"dead-letters\">1</strong>"));
        assert!(page.contains("<li><strong>1</strong>signature_mismatch</li>"), "{page}");
        assert!(page.contains("<li><strong>1</strong>timestamp_too_old</li>"), "{page}");

        // The strip counts the handled entries of the last day only (all of them is a scan);
        // the dead letters and the entries still to run, whatever their age.
        let two_days_ago = (OffsetDateTime::now_utc() - time::Duration::days(2)).unix_timestamp() * 1_000_000;
        execute(&site.url, &format!("UPDATE stripe_webhooks_events SET received_at = {two_days_ago}")).await;
        execute(&site.url, &format!("UPDATE stripe_webhooks_events SET finished_at = {two_days_ago} WHERE finished_at IS NOT NULL")).await;
        let day_ago = OffsetDateTime::now_utc() - time::Duration::hours(24);
        let glance = site.inbox.counts_since(day_ago).await.unwrap();
        let all = site.inbox.counts().await.unwrap();
        let count = |counts: &[(EntryStatus, u64)], status| counts.iter().find(|(s, _)| *s == status).unwrap().1;
        assert_eq!((count(&glance, EntryStatus::Handled), count(&all, EntryStatus::Handled)), (0, 1));
        for status in [EntryStatus::Failed, EntryStatus::Retrying, EntryStatus::Pending] {
            assert_eq!(count(&glance, status), count(&all, status), "{status:?}");
        }
        assert_eq!(count(&glance, EntryStatus::Failed), 1);
    }

    async fn pages_follow_the_cursor(backend: Backend) {
        let Some(site) = site(backend, "pages", token_access()).await else { return };
        for n in 0..60 {
            assert_eq!(site.deliver(&EventBuilder::new("invoice.paid").id(&format!("evt_ok_{n:02}"))).await, 200);
        }
        let first = site.get("?type=invoice.paid").await.body;
        assert_eq!(rows(&first).len(), 50);
        assert_eq!(rows(&first)[0].0, "evt_ok_59");
        assert!(!first.contains("← Newest"));
        let next = first.split("rel=\"next\" href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
        assert!(next.starts_with("/stripe/console?type=invoice.paid&after="), "{next}");
        let second = request("GET", format!("http://{}{next}", site.addr), bearer(), None).await.body;
        let ids: Vec<String> = rows(&second).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, (0..10).rev().map(|n| format!("evt_ok_{n:02}")).collect::<Vec<_>>());
        assert!(second.contains("← Newest"));
        assert!(!second.contains("rel=\"next\""), "the last page");
        assert!(!second.contains("data-src="), "only the first page is live");
    }
}

/// Without a token, the console admits loopback clients that name a loopback host, and no one
/// else.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unauthenticated_access_is_for_loopback_hosts_only() {
    let Some(site) = site(Backend::Sqlite, "loopback", Access::UnauthenticatedLoopback).await
    else {
        return;
    };
    let open = request("GET", site.url(""), vec![], None).await;
    assert_eq!(open.status, 200);
    let rebound = request(
        "GET",
        site.url(""),
        vec![("Host", "attacker.example".into())],
        None,
    )
    .await;
    assert_eq!(rebound.status, 403, "a rebound name is refused");
    let localhost = request(
        "GET",
        site.url(""),
        vec![("Host", format!("localhost:{}", site.addr.port()))],
        None,
    )
    .await;
    assert_eq!(localhost.status, 200);
}

#[test]
fn tokens_are_long_and_url_safe() {
    assert!(AccessToken::new("x".repeat(31)).is_err());
    assert!(AccessToken::new(format!("{}/", "x".repeat(40))).is_err());
    assert!(AccessToken::new("x".repeat(32)).is_ok());
    assert_ne!(
        AccessToken::generate().expose(),
        AccessToken::generate().expose()
    );
}

/// Runs one statement on the inbox's database, past the crate.
async fn execute(url: &str, sql: &str) {
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
