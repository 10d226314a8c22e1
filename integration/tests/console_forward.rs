//! The console's view of forwarding, over real HTTP on loopback and both inbox backends: an
//! event's page shows each target's state and every send to it (the HTTP status, the error),
//! and its "send again" form queues one target's forward again, and no other.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

#[macro_use] // `backends!`
mod inbox {
    #[macro_use]
    pub(crate) mod databases;
}

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use inbox::databases::{fresh, Backend};
use stripe_webhooks::console::{Access, AccessToken, Console};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError};
use stripe_webhooks::forward::Target;
use stripe_webhooks::inbox::{Backoff, ForwardStatus, Inbox, Replay};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, Webhook};

const SECRET: &str = "whsec_console_forward";
const TOKEN: &str = "console-forward-token-0123456789-abcdefgh";

/// A target that answers 500 with a reason to its first request, and 204 after.
async fn flaky_target() -> (String, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let counter = Arc::clone(&counter);
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    (StatusCode::INTERNAL_SERVER_ERROR, "ledger <down>")
                } else {
                    (StatusCode::NO_CONTENT, "")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// The console alone, on loopback.
async fn console(inbox: Inbox) -> String {
    let token = Access::Token(AccessToken::new(TOKEN).unwrap());
    let console = Console::new(
        inbox,
        Webhook::new(SECRET),
        "http://127.0.0.1:9/none",
        token,
    )
    .unwrap();
    let app = axum::Router::new().nest("/console", console.router());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/console", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `name="csrf"` field of `page`.
fn csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

backends! {
    async fn the_event_page_shows_each_send_and_sends_one_target_again(backend: Backend) {
        let Some(url) = fresh(backend, "console_forward") else { return };
        let inbox = Inbox::open(&url).await.unwrap();
        let (ledger_url, ledger_seen) = flaky_target().await;
        let (audit_url, audit_seen) = flaky_target().await;
        // Retries an hour away: `forward_due` sends each once, and the test replays them.
        let quick = Backoff::default().initial(Duration::from_secs(3600));
        let dispatcher = Dispatcher::new(Webhook::new(SECRET), |_: Event| async {
            Ok::<(), HandlerError>(())
        })
        .inbox(inbox.clone())
        .forward(Target::http("ledger", &ledger_url, "whsec_ledger").unwrap().backoff(quick))
        .unwrap()
        .forward(Target::http("audit", &audit_url, "whsec_audit").unwrap().backoff(quick))
        .unwrap();

        let body = EventBuilder::new("invoice.paid").id("evt_console_fwd").build();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let header = signature_header(&body, SECRET, now);
        assert_eq!(dispatcher.dispatch(&body, Some(&header)).await.status(), 200);
        // Stored, not yet sent: each target's backlog says so, and how long it has waited.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let backlog = inbox.forward_backlog().await.unwrap();
        let names: Vec<_> = backlog.iter().map(|b| b.target.as_str()).collect();
        assert_eq!(names, ["audit", "ledger"]);
        for target in &backlog {
            assert!(target.counts.contains(&(ForwardStatus::Pending, 1)), "{target:?}");
            assert!(target.oldest_due_age >= time::Duration::milliseconds(10), "{target:?}");
        }
        let first = dispatcher.forward_due().await.unwrap();
        assert_eq!((first.delivered, first.retrying), (0, 2), "both targets refuse once");
        // The backlog per target, for alerts: both retrying, an hour away (so not yet late).
        let base = console(inbox.clone()).await;
        let metrics = client()
            .get(format!("{base}/metrics"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for target in ["ledger", "audit"] {
            for (status, count) in [("pending", 0), ("sending", 0), ("retrying", 1), ("failed", 0)] {
                let line = format!(
                    r#"stripe_webhooks_forward_backlog{{target="{target}",status="{status}"}} {count}"#
                );
                assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
            }
            let lag = format!(r#"stripe_webhooks_forward_oldest_due_age_seconds{{target="{target}"}} 0.0"#);
            assert!(metrics.lines().any(|l| l == lag), "{lag} in\n{metrics}");
        }

        for target in ["ledger", "audit"] {
            let replay = inbox.replay_forward("evt_console_fwd", target).await.unwrap();
            assert_eq!(replay, Replay::Queued);
        }
        let second = dispatcher.forward_due().await.unwrap();
        assert_eq!(second.delivered, 2);

        let page_url = format!("{base}/events/evt_console_fwd");
        let page = client().get(&page_url).bearer_auth(TOKEN).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains("<h2>Forwarding</h2>"), "{page}");
        for target in ["ledger", "audit"] {
            let at = page.find(&format!(r#"data-target="{target}""#)).unwrap();
            let section = &page[at..];
            let section = &section[..section.find("</section>").unwrap()];
            assert!(section.contains(r#"<span class="badge delivered">delivered</span>"#));
            assert!(section.contains(r#"<tr data-result="retry"><td class="num">1</td>"#), "{section}");
            assert!(section.contains(r#"<td class="num">500</td>"#));
            // The target's answer is shown as text, never as markup.
            assert!(section.contains("ledger &lt;down&gt;"), "{section}");
            assert!(section.contains(r#"<tr data-result="delivered"><td class="num">2</td>"#));
            assert!(section.contains(r#"<td class="num">204</td>"#));
            assert!(section.contains(&format!(
                r#"action="/console/events/evt_console_fwd/forwards/{target}/replay""#
            )));
        }

        // Without the CSRF token nothing changes.
        let refused = client()
            .post(format!("{page_url}/forwards/ledger/replay"))
            .bearer_auth(TOKEN)
            .form(&[("csrf", "wrong")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);

        let sent = client()
            .post(format!("{page_url}/forwards/ledger/replay"))
            .bearer_auth(TOKEN)
            .form(&[("csrf", csrf(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 303);
        let location = sent.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(location, "/console/events/evt_console_fwd?forward=queued");
        let notice = client()
            .get(format!("{}{location}", base.trim_end_matches("/console")))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(notice.contains("Queued again for that target"));

        let entry = inbox.entry("evt_console_fwd").await.unwrap().unwrap();
        let status = |name: &str| entry.forwards.iter().find(|f| f.target == name).unwrap().status;
        assert_eq!(status("ledger"), ForwardStatus::Pending);
        assert_eq!(status("audit"), ForwardStatus::Delivered, "the other target is left alone");
        let third = dispatcher.forward_due().await.unwrap();
        assert_eq!(third.delivered, 1);
        assert_eq!(ledger_seen.load(Ordering::SeqCst), 3);
        assert_eq!(audit_seen.load(Ordering::SeqCst), 2);

        // An unknown target is nothing to send again.
        let missing = client()
            .post(format!("{page_url}/forwards/nobody/replay"))
            .bearer_auth(TOKEN)
            .form(&[("csrf", csrf(&page))])
            .send()
            .await
            .unwrap();
        assert_eq!(
            missing.headers()["location"].to_str().unwrap(),
            "/console/events/evt_console_fwd?forward=missing"
        );
    }
}
