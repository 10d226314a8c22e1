//! The Postgres server stopped in the middle of a run, and started again: deliveries meanwhile
//! are answered 503 (nothing acknowledged that is not stored), workers fail and then resume,
//! and everything is processed in the end. Its own test binary, as it stops the server that
//! the other Postgres tests use.
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

mod inbox {
    pub(crate) mod databases;
}

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use inbox::databases::{fresh, Backend};
use stripe_webhooks::dispatch::{Dispatcher, HandlerError, OutcomeKind};
use stripe_webhooks::inbox::Inbox;
use stripe_webhooks::{testing, Event, Webhook};
use time::OffsetDateTime;

const SECRET: &str = "whsec_inbox_outage";

/// `pg_ctl` on the server `.ci/postgres.sh` started, as the user that owns it.
fn pg_ctl(args: &[&str]) {
    let var = |name: &str| {
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set: start the server with .ci/postgres.sh"))
    };
    let (bin, data, log, user) = (
        var("PG_BIN"),
        var("PG_DATA"),
        var("PG_LOG"),
        var("PG_OS_USER"),
    );
    let pg_ctl = format!("{bin}/pg_ctl");
    let mut command = if user == std::env::var("USER").unwrap_or_default() || !is_root() {
        Command::new(&pg_ctl)
    } else {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", &user, "--", &pg_ctl]);
        runuser
    };
    let status = command
        .args(["-D", &data, "-l", &log, "-w"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl {args:?}");
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| out.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

fn deliver_args(id: &str) -> (Vec<u8>, String) {
    let body = format!(
        r#"{{"id":"{id}","object":"event","type":"invoice.paid","created":1764547200,"data":{{"object":{{"id":"in_1","object":"invoice"}}}}}}"#
    )
    .into_bytes();
    let header =
        testing::signature_header(&body, SECRET, OffsetDateTime::now_utc().unix_timestamp());
    (body, header)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_mid_run_answers_503_then_everything_is_processed() {
    let Some(url) = fresh(Backend::Postgres, "outage") else {
        return;
    };
    let inbox = Inbox::open(&url).await.unwrap();
    let runs = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&runs);
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), move |_event: Event| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok::<(), HandlerError>(()) }
    })
    .inbox(inbox.clone());
    for n in 0..10 {
        let (body, header) = deliver_args(&format!("evt_outage_{n}"));
        assert_eq!(
            dispatcher.dispatch(&body, Some(&header)).await.kind(),
            OutcomeKind::Stored
        );
    }

    pg_ctl(&["-m", "immediate", "stop"]);
    let (body, header) = deliver_args("evt_outage_down");
    let outcome = tokio::time::timeout(
        Duration::from_secs(20),
        dispatcher.dispatch(&body, Some(&header)),
    )
    .await
    .expect("an unreachable database is an answer, not a hang");
    assert_eq!(outcome.status(), 503, "{outcome}");
    assert_eq!(outcome.kind(), OutcomeKind::StoreUnavailable);
    assert!(
        dispatcher.process_due().await.is_err(),
        "a worker sees the outage"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    pg_ctl(&["start"]);
    // The pool reconnects on its own; Stripe's retry of the refused delivery is stored now.
    let mut processed = 0;
    for _ in 0..50 {
        match dispatcher.process_due().await {
            Ok(round) => {
                processed += round.handled;
                if processed == 10 {
                    break;
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    assert_eq!(processed, 10);
    assert_eq!(
        dispatcher.dispatch(&body, Some(&header)).await.kind(),
        OutcomeKind::Stored
    );
    assert_eq!(dispatcher.process_due().await.unwrap().handled, 1);
    assert_eq!(
        runs.load(Ordering::SeqCst),
        11,
        "each event once, none lost"
    );
}
