//! [`EmailNotifier`]: failed payments e-mailed over SMTP, with a digest under floods.

mod digest;
mod render;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use digest::{Digest, MAX_LISTED};

use self::digest::{Admit, Flush, Window};
use self::render::Rendered;
use super::{Notifier, NotifyError, PaymentFailure};

/// Announces failed payments by e-mail: one multipart (plain text and HTML) message per
/// failure, and a [`Digest`] when they come in floods.
///
/// Configured from one SMTP URL, as [`lettre`] reads it:
///
/// | URL | connection |
/// |---|---|
/// | `smtps://user:pass@smtp.example.com` | implicit TLS (port 465) |
/// | `smtp://user:pass@smtp.example.com?tls=required` | STARTTLS required (port 587) |
/// | `smtp://127.0.0.1:2525` | no TLS, no authentication: a local relay or a test server |
///
/// User and password in the URL are percent-encoded. Connections are pooled and reused.
///
/// Each message's subject says what failed (amount, customer, decline code); the body gives
/// the amount, the customer and their e-mail, the decline code with what to do about it, the
/// attempt count and next retry for invoices, the hosted invoice page, the Dashboard pages of
/// the object and the event (under `/test/` in test mode), and the event id. Every value
/// from the event is escaped in the HTML part.
///
/// **Delivery.** A message sent at once is sent before [`notify`](Notifier::notify) returns:
/// an SMTP failure is a [`NotifyError`], which [`FailureAlerts`](super::FailureAlerts) turns
/// into a transient handler error, so Stripe (or your queue) retries and the message goes out
/// once SMTP is back. A failure kept for a digest is acknowledged at once and e-mailed when the
/// window ends, retried each window while SMTP is down; call [`flush`](EmailNotifier::flush)
/// before shutting down, as kept failures die with the process. Redelivered events never mail
/// twice: the dispatcher's duplicate guard does not run the handler again.
///
/// The SMTP work runs on a small Tokio runtime of the notifier's own (one thread), so the
/// notifier works under any executor.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use stripe_webhooks::dispatch::Dispatcher;
/// use stripe_webhooks::failure::{Digest, EmailNotifier, FailureAlerts};
/// use stripe_webhooks::{EventType, Webhook};
///
/// # fn main() -> Result<(), stripe_webhooks::failure::NotifyError> {
/// let email = EmailNotifier::builder("smtps://alerts:secret@smtp.example.com", "alerts@example.com")
///     .to("billing@example.com")
///     .to("oncall@example.com")
///     .subject_prefix("[Stripe] ")
///     .digest(Digest::new(Duration::from_secs(60), 5))
///     .build()?;
/// let dispatcher = Dispatcher::new(Webhook::new("whsec_..."), FailureAlerts::new().notifier(email))
///     .enabled_events(FailureAlerts::EVENT_TYPES.iter().map(EventType::as_str));
/// # let _ = dispatcher;
/// # Ok(())
/// # }
/// ```
pub struct EmailNotifier {
    // `None` only while dropping (see `Drop`).
    shared: Option<Arc<Shared>>,
    name: String,
    runtime: Runtime,
}

impl Drop for EmailNotifier {
    fn drop(&mut self) {
        // lettre's connection pool spawns a task when it is dropped: drop it inside the
        // notifier's runtime, before the runtime itself goes.
        let shared = self.shared.take();
        if let Some(handle) = self.runtime.handle() {
            let _inside = handle.enter();
            drop(shared);
        }
    }
}

struct Shared {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    to: Vec<Mailbox>,
    subject_prefix: String,
    window: Mutex<Window>,
}

/// The notifier's own runtime, shut down without waiting when the notifier is dropped (a
/// blocking shutdown would panic inside an async caller).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Runtime {
    fn handle(&self) -> Option<&tokio::runtime::Handle> {
        self.0.as_ref().map(tokio::runtime::Runtime::handle)
    }
}

/// The settings of an [`EmailNotifier`]; every mistake is reported once, by
/// [`build`](EmailNotifierBuilder::build).
#[derive(Debug, Clone)]
#[must_use]
pub struct EmailNotifierBuilder {
    url: String,
    from: String,
    to: Vec<String>,
    reply_to: Option<String>,
    subject_prefix: String,
    digest: Digest,
    timeout: Duration,
    pool_size: u32,
    root_certificates: Vec<Vec<u8>>,
}

impl EmailNotifier {
    /// Starts the settings: the SMTP URL and the `From` address (`alerts@example.com` or
    /// `Billing alerts <alerts@example.com>`).
    pub fn builder(smtp_url: impl Into<String>, from: impl Into<String>) -> EmailNotifierBuilder {
        EmailNotifierBuilder {
            url: smtp_url.into(),
            from: from.into(),
            to: Vec::new(),
            reply_to: None,
            subject_prefix: "[Stripe] ".to_owned(),
            digest: Digest::default(),
            timeout: Duration::from_secs(10),
            pool_size: 4,
            root_certificates: Vec::new(),
        }
    }

    /// Sends the failures kept for a digest now, as one message; call it before shutting
    /// down. Nothing kept: nothing sent.
    ///
    /// # Errors
    ///
    /// A [`NotifyError`] when the message cannot be sent; the failures are kept for the next
    /// digest.
    pub async fn flush(&self) -> Result<(), NotifyError> {
        let shared = self.shared()?;
        let (failures, unlisted) = shared.lock().take_all();
        if failures.is_empty() && unlisted == 0 {
            return Ok(());
        }
        let rendered = render::digest(&failures, unlisted, &shared.subject_prefix);
        let result = self.run(shared.clone().send(rendered)).await;
        if result.is_err() {
            shared.lock().put_back(failures, unlisted);
        }
        result
    }

    fn shared(&self) -> Result<&Arc<Shared>, NotifyError> {
        self.shared
            .as_ref()
            .ok_or_else(|| NotifyError::new("the e-mail notifier is shutting down"))
    }

    /// Runs `work` on the notifier's runtime and waits for it, from any executor.
    async fn run(
        &self,
        work: impl std::future::Future<Output = Result<(), NotifyError>> + Send + 'static,
    ) -> Result<(), NotifyError> {
        let handle = self
            .runtime
            .handle()
            .ok_or_else(|| NotifyError::new("the e-mail notifier is shutting down"))?;
        handle
            .spawn(work)
            .await
            .map_err(|error| NotifyError::new(format!("the e-mail task failed: {error}")))?
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Window> {
        // Every step leaves the window consistent, so a panic elsewhere cannot break it.
        self.window.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn send(self: Arc<Self>, rendered: Rendered) -> Result<(), NotifyError> {
        let mut message = Message::builder()
            .from(self.from.clone())
            .subject(rendered.subject);
        if let Some(reply_to) = &self.reply_to {
            message = message.reply_to(reply_to.clone());
        }
        for to in &self.to {
            message = message.to(to.clone());
        }
        let message = message
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html),
                    ),
            )
            .map_err(|error| NotifyError::new(format!("cannot build the e-mail: {error}")))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| {
                NotifyError::new(format!(
                    "SMTP delivery failed: {error}: check the SMTP URL, the credentials and that \
                 the server is reachable (the delivery is retried)"
                ))
            })
    }

    /// Sends a digest at the end of each window while the flood lasts.
    async fn flush_each_window(self: Arc<Self>, first: Instant) {
        let mut at = first;
        loop {
            tokio::time::sleep_until(at.into()).await;
            let flush = self.lock().flush();
            let Flush::Send {
                failures,
                unlisted,
                next,
            } = flush
            else {
                return;
            };
            let rendered = render::digest(&failures, unlisted, &self.subject_prefix);
            if let Err(error) = self.clone().send(rendered).await {
                #[cfg(feature = "tracing")]
                tracing::warn!(error = %error, "failed-payment digest not sent: retried next window");
                let _ = error;
                self.lock().put_back(failures, unlisted);
            }
            at = next;
        }
    }
}

impl EmailNotifierBuilder {
    /// Adds a recipient (at least one is needed).
    pub fn to(mut self, address: impl Into<String>) -> EmailNotifierBuilder {
        self.to.push(address.into());
        self
    }

    /// Sets `Reply-To` (default: none, replies go to `From`).
    pub fn reply_to(mut self, address: impl Into<String>) -> EmailNotifierBuilder {
        self.reply_to = Some(address.into());
        self
    }

    /// Text put before every subject (default `"[Stripe] "`; `""` for none).
    pub fn subject_prefix(mut self, prefix: impl Into<String>) -> EmailNotifierBuilder {
        self.subject_prefix = prefix.into();
        self
    }

    /// When failures are batched (default [`Digest::default`]: a minute, five at once);
    /// [`Digest::off`] sends each on its own.
    pub fn digest(mut self, digest: Digest) -> EmailNotifierBuilder {
        self.digest = digest;
        self
    }

    /// How long one SMTP exchange may take (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> EmailNotifierBuilder {
        self.timeout = timeout;
        self
    }

    /// How many SMTP connections are kept open at most (default 4).
    pub fn pool_size(mut self, connections: u32) -> EmailNotifierBuilder {
        self.pool_size = connections.max(1);
        self
    }

    /// Also trusts this root certificate (PEM) for the server's TLS certificate, beside the
    /// public roots: for a relay whose certificate comes from a private CA. Needs a TLS URL
    /// (`smtps://` or `?tls=required`).
    pub fn root_certificate(mut self, pem: impl Into<Vec<u8>>) -> EmailNotifierBuilder {
        self.root_certificates.push(pem.into());
        self
    }

    /// The TLS settings of the URL with the extra roots, when there are any.
    fn tls_with_roots(&self) -> Result<Option<Tls>, NotifyError> {
        if self.root_certificates.is_empty() {
            return Ok(None);
        }
        let invalid =
            |error: &dyn fmt::Display| NotifyError::new(format!("invalid SMTP URL: {error}"));
        let url = url::Url::parse(&self.url).map_err(|error| invalid(&error))?;
        let host = url.host_str().ok_or_else(|| invalid(&"no host"))?;
        let mut parameters = TlsParameters::builder(host.to_owned());
        for pem in &self.root_certificates {
            let certificate = Certificate::from_pem(pem).map_err(|error| {
                NotifyError::new(format!(
                    "the root certificate is not a PEM certificate: {error}"
                ))
            })?;
            parameters = parameters.add_root_certificate(certificate);
        }
        let parameters = parameters
            .build_rustls()
            .map_err(|error| NotifyError::new(format!("cannot set up TLS: {error}")))?;
        let tls = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        match (url.scheme(), tls.as_deref()) {
            ("smtps", _) => Ok(Some(Tls::Wrapper(parameters))),
            ("smtp", Some("required")) => Ok(Some(Tls::Required(parameters))),
            ("smtp", Some("opportunistic")) => Ok(Some(Tls::Opportunistic(parameters))),
            _ => Err(NotifyError::new(
                "a root certificate is for TLS: use smtps://… or smtp://…?tls=required",
            )),
        }
    }

    /// Checks the settings and makes the notifier (no connection is made yet).
    ///
    /// # Errors
    ///
    /// A [`NotifyError`] naming what is wrong: the SMTP URL, an address, no recipient, a root
    /// certificate, or a runtime thread that cannot start.
    pub fn build(self) -> Result<EmailNotifier, NotifyError> {
        let address = |what: &str, value: &str| {
            value.parse::<Mailbox>().map_err(|error| {
                NotifyError::new(format!(
                    "the {what} address {value:?} is not an e-mail address: {error}"
                ))
            })
        };
        let from = address("From", &self.from)?;
        let reply_to = self
            .reply_to
            .as_deref()
            .map(|value| address("Reply-To", value))
            .transpose()?;
        if self.to.is_empty() {
            return Err(NotifyError::new(
                "no recipient: add one with EmailNotifierBuilder::to",
            ));
        }
        let to = self
            .to
            .iter()
            .map(|value| address("To", value))
            .collect::<Result<Vec<_>, _>>()?;
        let tls = self.tls_with_roots()?;
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.url)
            .map_err(|error| {
                NotifyError::new(format!(
                    "invalid SMTP URL: {error} (expected smtps://user:pass@host, \
                     smtp://user:pass@host?tls=required, or smtp://host:port)"
                ))
            })?
            .timeout(Some(self.timeout))
            .pool_config(PoolConfig::new().max_size(self.pool_size));
        if let Some(tls) = tls {
            transport = transport.tls(tls);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("stripe-webhooks-email")
            .enable_all()
            .build()
            .map_err(|error| {
                NotifyError::new(format!("cannot start the e-mail thread: {error}"))
            })?;
        // The pool starts a cleanup task on the runtime it is built in.
        let transport = {
            let _inside = runtime.enter();
            transport.build()
        };
        let name = format!("email to {}", self.to.join(", "));
        Ok(EmailNotifier {
            shared: Some(Arc::new(Shared {
                transport,
                from,
                reply_to,
                to,
                subject_prefix: self.subject_prefix,
                window: Mutex::new(Window::new(self.digest)),
            })),
            name,
            runtime: Runtime(Some(runtime)),
        })
    }
}

impl Notifier for EmailNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    async fn notify(&self, failure: &PaymentFailure) -> Result<(), NotifyError> {
        let shared = self.shared()?;
        let admit = shared.lock().admit(failure, Instant::now());
        match admit {
            Admit::SendNow => {
                let rendered = render::one(failure, &shared.subject_prefix);
                self.run(shared.clone().send(rendered)).await
            }
            Admit::Kept { start_flusher } => {
                if let (Some(at), Some(handle)) = (start_flusher, self.runtime.handle()) {
                    handle.spawn(shared.clone().flush_each_window(at));
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the transport: its URL may carry a password.
        f.debug_struct("EmailNotifier")
            .field("name", &self.name)
            .field("from", &self.shared.as_ref().map(|s| s.from.to_string()))
            .finish_non_exhaustive()
    }
}
