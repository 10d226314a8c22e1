//! `EmailNotifier` against a real SMTP server on loopback: Debian's `python3-aiosmtpd`
//! (`bash .ci/run` installs it), started per test on a free port with aiosmtpd's own
//! `Mailbox` handler, which saves each message it receives to a Maildir that the tests read
//! back and parse (`mail-parser`).

#![cfg(feature = "email")]
#![allow(clippy::unwrap_used)] // test helpers, like the tests, fail loudly on what they did not expect

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "../../tests/support/mod.rs"]
mod support;

use mail_parser::{Address, MessageParser, MimeHeaders};
use serde_json::json;
use stripe_webhooks::dispatch::{Dispatcher, Disposition, Outcome, OutcomeKind};
use stripe_webhooks::failure::{Digest, EmailNotifier, FailureAlerts, Notifier, PaymentFailure};
use stripe_webhooks::testing::{signature_header, EventBuilder};
use stripe_webhooks::{Event, EventType, Webhook};

/// Debian's interpreter, which has the `python3-aiosmtpd` module (another `python3` may come
/// first on PATH).
const PYTHON: &str = "/usr/bin/python3";
const SECRET: &str = "whsec_email_tests";

/// An aiosmtpd server of the test's own, stopped on drop.
struct SmtpServer {
    port: u16,
    maildir: PathBuf,
    child: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stripe-webhooks-email-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl SmtpServer {
    fn start(name: &str) -> SmtpServer {
        SmtpServer::on(free_port(), name)
    }

    fn on(port: u16, name: &str) -> SmtpServer {
        let maildir = temp_dir(name).join("Maildir");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot run {PYTHON} -m aiosmtpd ({error}): install the Debian package \
                     python3-aiosmtpd (`bash .ci/run` does)"
                )
            });
        let mut server = SmtpServer {
            port,
            maildir,
            child: Some(child),
        };
        for _ in 0..500 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "aiosmtpd exited ({status}) before listening: is python3-aiosmtpd \
                     installed for {PYTHON}?"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("aiosmtpd did not listen on 127.0.0.1:{port}");
    }

    /// `tests/support/smtp_server.py` (aiosmtpd's Controller, for TLS and logins) with `flags`.
    fn scripted(name: &str, flags: &[&str]) -> SmtpServer {
        use std::io::BufRead;
        let port = free_port();
        let maildir = temp_dir(name).join("Maildir");
        let script = support::repo_root().join("tests/support/smtp_server.py");
        let mut child = Command::new(PYTHON)
            .arg(script)
            .arg(port.to_string())
            .arg(&maildir)
            .args(flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Refused handshakes and logins are logged there: noise for these tests.
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {PYTHON} ({error})"));
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(
            ready.trim(),
            "ready",
            "the SMTP server script did not start"
        );
        SmtpServer {
            port,
            maildir,
            child: Some(child),
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, parsed.
    fn messages(&self) -> Vec<Mail> {
        let new = self.maildir.join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
        paths.sort();
        paths.iter().map(|path| Mail::read(path)).collect()
    }

    /// Waits (at most 10 s) until `count` messages arrived, then a little more to see that no
    /// other follows.
    fn wait_for(&self, count: usize) -> Vec<Mail> {
        for _ in 0..500 {
            if self.messages().len() >= count {
                std::thread::sleep(Duration::from_millis(200));
                return self.messages();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "{} messages after 10 s, expected {count}",
            self.messages().len()
        );
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the tests read of a message.
#[derive(Debug)]
struct Mail {
    subject: String,
    from: Vec<String>,
    to: Vec<String>,
    reply_to: Vec<String>,
    text: String,
    html: String,
    content_type: String,
}

fn addresses(address: Option<&Address<'_>>) -> Vec<String> {
    address
        .map(|address| {
            address
                .iter()
                .filter_map(|a| a.address().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Mail {
    fn read(path: &Path) -> Mail {
        let raw = std::fs::read(path).unwrap();
        let message = MessageParser::default().parse(&raw).unwrap();
        Mail {
            subject: message.subject().unwrap_or_default().to_owned(),
            from: addresses(message.from()),
            to: addresses(message.to()),
            reply_to: addresses(message.reply_to()),
            text: message.body_text(0).unwrap_or_default().into_owned(),
            html: message.body_html(0).unwrap_or_default().into_owned(),
            content_type: message
                .content_type()
                .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()))
                .unwrap_or_default(),
        }
    }
}

/// The value of a `Label:   value` line of the plain-text part.
fn field<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{label}:")))
        .map(str::trim)
}

fn failure(event: &EventBuilder) -> PaymentFailure {
    let event = Event::from_slice(&event.build()).unwrap();
    PaymentFailure::from_event(&event).unwrap().unwrap()
}

fn notifier(server_url: &str, digest: Digest) -> EmailNotifier {
    EmailNotifier::builder(server_url, "Billing alerts <alerts@example.com>")
        .to("billing@example.com")
        .to("oncall@example.com")
        .reply_to("support@example.com")
        .digest(digest)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

const HOSTILE_NAME: &str = "<script>alert('x')</script> & \"Co\"";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failure_is_one_multipart_email_with_reason_links_and_escaped_html() {
    let server = SmtpServer::start("one");
    let email = notifier(&server.url(), Digest::off());
    let charge = EventBuilder::new("charge.failed")
        .id("evt_email_one")
        .livemode(false)
        .object_field(
            "billing_details",
            json!({"name": HOSTILE_NAME, "email": "jenny@example.com"}),
        );
    let failure = failure(&charge);
    email.notify(&failure).await.unwrap();

    let mails = server.wait_for(1);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.content_type, "multipart/alternative");
    assert_eq!(mail.from, ["alerts@example.com"]);
    assert_eq!(mail.to, ["billing@example.com", "oncall@example.com"]);
    assert_eq!(mail.reply_to, ["support@example.com"]);
    let amount = failure.currency.format_amount(failure.amount);
    assert!(
        mail.subject.starts_with("[Stripe] [test mode] Payment of "),
        "{}",
        mail.subject
    );
    assert!(mail.subject.contains(&amount), "{}", mail.subject);
    assert!(mail.subject.contains(HOSTILE_NAME), "{}", mail.subject);
    let code = failure
        .decline_code
        .clone()
        .or(failure.failure_code.clone())
        .unwrap();
    assert!(
        mail.subject.ends_with(&format!(": {code}")),
        "{}",
        mail.subject
    );

    let dashboard = format!(
        "https://dashboard.stripe.com/test/payments/{}",
        failure.object_id
    );
    let event_page = "https://dashboard.stripe.com/test/events/evt_email_one";
    for part in [&mail.text, &mail.html] {
        assert!(part.contains(&amount), "{part}");
        assert!(part.contains("jenny@example.com"), "{part}");
        assert!(part.contains(&dashboard), "{part}");
        assert!(part.contains("evt_email_one"), "{part}");
        assert!(part.contains(&code), "{part}");
    }
    assert!(mail.text.contains(HOSTILE_NAME), "{}", mail.text);
    assert!(
        mail.html.contains(&format!("href=\"{event_page}\"")),
        "{}",
        mail.html
    );
    // The name is text in the HTML part, never markup.
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(
        mail.html
            .contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"Co\""),
        "{}",
        mail.html
    );
    if let Some(advice) = failure.advice() {
        assert!(mail.text.contains(advice), "{}", mail.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_failure_gives_attempts_next_retry_and_the_invoice_page() {
    let server = SmtpServer::start("invoice");
    let email = notifier(&server.url(), Digest::off());
    let invoice = EventBuilder::new("invoice.payment_failed")
        .id("evt_email_invoice")
        .livemode(true)
        .object_field("attempt_count", json!(2))
        .object_field("next_payment_attempt", json!(1_764_720_000))
        .object_field(
            "hosted_invoice_url",
            json!("https://invoice.stripe.com/i/acct_1/test_inv"),
        );
    let failure = failure(&invoice);
    email.notify(&failure).await.unwrap();
    let mail = &server.wait_for(1)[0];
    assert!(!mail.subject.contains("[test mode]"), "{}", mail.subject);
    assert!(mail.subject.contains("Invoice"), "{}", mail.subject);
    assert!(mail.subject.ends_with(" (attempt 2)"), "{}", mail.subject);
    assert_eq!(field(&mail.text, "Attempt"), Some("2"), "{}", mail.text);
    assert_eq!(
        field(&mail.text, "Next retry"),
        Some("2025-12-03 00:00 UTC"),
        "{}",
        mail.text
    );
    assert_eq!(
        field(&mail.text, "Invoice page"),
        Some("https://invoice.stripe.com/i/acct_1/test_inv")
    );
    assert!(
        mail.html
            .contains("href=\"https://invoice.stripe.com/i/acct_1/test_inv\""),
        "{}",
        mail.html
    );
    assert!(mail.html.contains(&format!(
        "https://dashboard.stripe.com/invoices/{}",
        failure.object_id
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_100_failures_becomes_four_emails_that_list_all_100() {
    let server = SmtpServer::start("flood");
    // A window long enough that the 100 arrive within it even on a loaded machine.
    let window = Duration::from_secs(2);
    let email = notifier(&server.url(), Digest::new(window, 3));
    let mut ids = BTreeSet::new();
    for i in 0..100 {
        let id = format!("evt_flood_{i:03}");
        ids.insert(id.clone());
        let failure = failure(&EventBuilder::new("payment_intent.payment_failed").id(&id));
        email.notify(&failure).await.unwrap();
    }
    // Three at once, then one digest when the window ends, then quiet.
    let mails = server.wait_for(4);
    // The digest went out at the end of the first window; the next window passes empty,
    // which ends the flood. Nothing else is sent meanwhile.
    std::thread::sleep(window * 2 + Duration::from_millis(500));
    let mails_later = server.messages();
    assert_eq!(mails_later.len(), 4, "{:?}", subjects(&mails_later));
    assert_eq!(mails.len(), 4);
    let digest = mails_later
        .iter()
        .find(|mail| mail.subject.contains("97 more failed payments"))
        .unwrap_or_else(|| panic!("no digest among {:?}", subjects(&mails_later)));
    assert!(digest.html.contains("<table"), "{}", digest.html);
    let listed: BTreeSet<String> = ids
        .iter()
        .filter(|id| {
            mails_later
                .iter()
                .any(|mail| mail.text.contains(id.as_str()))
        })
        .cloned()
        .collect();
    assert_eq!(listed, ids, "every failure is in some e-mail");

    // After a quiet window, the next failure goes out at once again.
    let failure = failure(&EventBuilder::new("charge.failed").id("evt_after_flood"));
    email.notify(&failure).await.unwrap();
    let mails = server.wait_for(5);
    assert!(mails
        .iter()
        .any(|mail| mail.text.contains("evt_after_flood")
            && !mail.subject.contains("more failed payments")));
}

fn subjects(mails: &[Mail]) -> Vec<&str> {
    mails.iter().map(|mail| mail.subject.as_str()).collect()
}

async fn deliver<H: stripe_webhooks::dispatch::Handler>(
    dispatcher: &Dispatcher<H>,
    body: &[u8],
) -> Outcome {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    dispatcher
        .dispatch(body, Some(&signature_header(body, SECRET, now)))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_is_a_transient_failure_and_the_retry_delivers_once_it_is_back() {
    let port = free_port();
    let email = notifier(&format!("smtp://127.0.0.1:{port}"), Digest::off());
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), FailureAlerts::new().notifier(email))
        .enabled_events(FailureAlerts::EVENT_TYPES.iter().map(EventType::as_str));
    let body = EventBuilder::new("payment_intent.payment_failed")
        .id("evt_smtp_down")
        .build();

    let down = deliver(&dispatcher, &body).await;
    match &down {
        Outcome::Delivered {
            disposition: Disposition::Failed(error),
            ..
        } => {
            assert!(error.is_transient());
            assert!(
                error.to_string().contains("SMTP delivery failed"),
                "{error}"
            );
        }
        other => panic!("expected a transient failure, got {other:?}"),
    }
    assert_eq!(down.status(), 500, "Stripe retries");

    let server = SmtpServer::on(port, "down-then-up");
    let retry = deliver(&dispatcher, &body).await;
    assert_eq!(retry.kind(), OutcomeKind::Handled, "{retry:?}");
    let mails = server.wait_for(1);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("evt_smtp_down"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_delivered_twice_is_emailed_once() {
    let server = SmtpServer::start("twice");
    let email = notifier(&server.url(), Digest::off());
    let dispatcher = Dispatcher::new(Webhook::new(SECRET), FailureAlerts::new().notifier(email))
        .enabled_events(FailureAlerts::EVENT_TYPES.iter().map(EventType::as_str));
    let body = EventBuilder::new("invoice.payment_failed")
        .id("evt_twice")
        .build();
    assert_eq!(
        deliver(&dispatcher, &body).await.kind(),
        OutcomeKind::Handled
    );
    assert_eq!(
        deliver(&dispatcher, &body).await.kind(),
        OutcomeKind::Duplicate
    );
    let mails = server.wait_for(1);
    assert_eq!(mails.len(), 1, "{:?}", subjects(&mails));
}

/// Notifies `count` charge failures with event ids `{prefix}_0`, `{prefix}_1`, …
async fn notify_charges(email: &EmailNotifier, prefix: &str, count: usize) {
    for i in 0..count {
        let id = format!("{prefix}_{i}");
        email
            .notify(&failure(&EventBuilder::new("charge.failed").id(&id)))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_sends_the_kept_failures_now() {
    let server = SmtpServer::start("flush");
    // A long window: without flush the digest would wait an hour.
    let email = notifier(&server.url(), Digest::new(Duration::from_secs(3600), 1));
    notify_charges(&email, "evt_flush", 5).await;
    assert_eq!(server.wait_for(1).len(), 1);
    email.flush().await.unwrap();
    let mails = server.wait_for(2);
    assert_eq!(mails.len(), 2);
    // (Maildir names do not sort by arrival: look the digest up by its subject.)
    assert!(
        mails
            .iter()
            .any(|mail| mail.subject.contains("4 more failed payments")),
        "{:?}",
        subjects(&mails)
    );
    // Nothing kept any more: a second flush sends nothing.
    email.flush().await.unwrap();
    assert_eq!(server.wait_for(2).len(), 2);
}

#[test]
fn bad_settings_are_errors_when_built() {
    let error = EmailNotifier::builder("smtp://127.0.0.1:2525", "alerts@example.com")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("no recipient"), "{error}");
    let error = EmailNotifier::builder("smtp://127.0.0.1:2525", "not an address")
        .to("a@example.com")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("From address"), "{error}");
    let error = EmailNotifier::builder("http://example.com", "alerts@example.com")
        .to("a@example.com")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("invalid SMTP URL"), "{error}");
    let ok = EmailNotifier::builder("smtps://user:p%40ss@smtp.example.com", "alerts@example.com")
        .to("a@example.com")
        .build()
        .unwrap();
    assert!(!format!("{ok:?}").contains("p%40ss"), "{ok:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_notifier_mid_flood_inside_a_runtime_neither_panics_nor_hangs() {
    let server = SmtpServer::start("drop");
    let email = notifier(&server.url(), Digest::new(Duration::from_secs(3600), 1));
    notify_charges(&email, "evt_drop", 3).await;
    drop(email);
    assert_eq!(server.wait_for(1).len(), 1);
}

#[test]
fn the_alerts_example_emails_each_failure_with_smtp_and_to() {
    let server = SmtpServer::start("example");
    let stdout = support::run_example(
        "failed_payment_alerts",
        &[
            "--demo",
            "--smtp",
            &server.url(),
            "--to",
            "billing@example.com",
        ],
    );
    assert!(stdout.contains("HTTP 200"), "{stdout}");
    let mails = server.wait_for(3);
    assert_eq!(mails.len(), 3, "{:?}", subjects(&mails));
    for mail in &mails {
        assert_eq!(mail.to, ["billing@example.com"]);
        assert!(
            mail.subject.starts_with("[Stripe] [test mode] "),
            "{}",
            mail.subject
        );
    }
}

/// A CA and a `localhost` server certificate signed by it, made by the `openssl` command:
/// (CA PEM, server certificate path, server key path).
fn certificates(dir: &Path) -> (Vec<u8>, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|error| panic!("cannot run openssl ({error}): install openssl"));
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=stripe-webhooks test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n\
         extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    (
        std::fs::read(dir.join("ca.pem")).unwrap(),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

fn tls_notifier(url: &str, root: Option<&[u8]>) -> EmailNotifier {
    let mut builder = EmailNotifier::builder(url, "alerts@example.com")
        .to("billing@example.com")
        .digest(Digest::off())
        .timeout(Duration::from_secs(5));
    if let Some(root) = root {
        builder = builder.root_certificate(root);
    }
    builder.build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_a_login_delivers_and_refuses_a_wrong_password_or_an_unknown_ca() {
    let dir = temp_dir("starttls-certs");
    let (ca, cert, key) = certificates(&dir);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server = SmtpServer::scripted(
        "starttls",
        &["--starttls", cert, key, "--login", "alerts", "s3cret/+"],
    );
    let failure = failure(&EventBuilder::new("charge.failed").id("evt_starttls"));
    // The password percent-encoded in the URL, as lettre reads it.
    let good = format!(
        "smtp://alerts:s3cret%2F%2B@localhost:{}?tls=required",
        server.port
    );
    tls_notifier(&good, Some(&ca))
        .notify(&failure)
        .await
        .unwrap();
    let mails = server.wait_for(1);
    assert!(mails[0].text.contains("evt_starttls"));

    let wrong = format!("smtp://alerts:nope@localhost:{}?tls=required", server.port);
    let error = tls_notifier(&wrong, Some(&ca))
        .notify(&failure)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("SMTP delivery failed"),
        "{error}"
    );
    // Without our CA the server's certificate is not trusted: nothing is sent in the clear.
    let error = tls_notifier(&good, None)
        .notify(&failure)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("SMTP delivery failed"),
        "{error}"
    );
    assert_eq!(server.wait_for(1).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_delivers() {
    let dir = temp_dir("smtps-certs");
    let (ca, cert, key) = certificates(&dir);
    let server = SmtpServer::scripted(
        "smtps",
        &[
            "--implicit-tls",
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
        ],
    );
    let failure = failure(&EventBuilder::new("invoice.payment_failed").id("evt_smtps"));
    let url = format!("smtps://localhost:{}", server.port);
    tls_notifier(&url, Some(&ca))
        .notify(&failure)
        .await
        .unwrap();
    assert!(server.wait_for(1)[0].text.contains("evt_smtps"));
}

#[test]
fn a_root_certificate_needs_a_tls_url_and_a_pem() {
    let error = EmailNotifier::builder("smtp://127.0.0.1:2525", "alerts@example.com")
        .to("a@example.com")
        .root_certificate(b"-----BEGIN CERTIFICATE-----".to_vec())
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("root certificate"), "{error}");
}
