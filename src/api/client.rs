//! [`Client`]: authenticated, retried calls to Stripe's API, answers read into typed values.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::form::Form;
use super::retry::{RetryPolicy, Tried};
use super::{ApiError, ApiKey, StripeError};

/// Stripe's API.
pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";
/// How long one try may take, as the official SDKs allow (80 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(80);
/// The largest answer read: far above any list page of 100 objects, so a broken proxy cannot
/// make the client buffer without bound.
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// A client for the parts of Stripe's API a webhook receiver needs: its
/// [webhook endpoints](Client::create_endpoint) and its [events](Client::list_events).
///
/// Every call sends the key as a bearer token, `Stripe-Version` pinned to the version the
/// client was built with ([`API_VERSION`](crate::API_VERSION) unless set), and, on a POST, an
/// idempotency key kept across its retries. Calls are retried as [`RetryPolicy`] says.
/// Cloning is cheap (the connection pool is shared). Calls run on Tokio (reqwest's runtime,
/// and the retries' timer).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use stripe_webhooks::api::{ApiKey, Client, RetryPolicy};
///
/// let client = Client::builder(ApiKey::new("sk_test_123")?)
///     .base_url("http://127.0.0.1:12111") // stripe-mock, or any stand-in
///     .api_version("2020-08-27")
///     .retry(RetryPolicy { max_retries: 3, ..RetryPolicy::default() })
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url(), "http://127.0.0.1:12111/");
/// assert!(!format!("{client:?}").contains("sk_test_123"));
/// # Ok::<(), stripe_webhooks::api::ApiError>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: reqwest::Url,
    key: ApiKey,
    version: String,
    retry: RetryPolicy,
}

/// Builds a [`Client`]: see [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    key: ApiKey,
    base: String,
    version: String,
    retry: RetryPolicy,
    timeout: Duration,
}

impl ClientBuilder {
    /// Sends the calls to another server: stripe-mock, a proxy, a test's own stand-in.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base = url.into();
        self
    }

    /// Pins another API version than [`API_VERSION`](crate::API_VERSION) (the version this
    /// crate's types are written for).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// How failed calls are retried. Default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long one try may take, connection included. Default [`DEFAULT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`ApiError::Config`] for a base URL that does not parse or is not http(s), an API
    /// version a header cannot carry, or an HTTP client that cannot be built.
    pub fn build(self) -> Result<Client, ApiError> {
        let mut base = reqwest::Url::parse(&self.base)
            .map_err(|error| ApiError::Config(format!("the base URL `{}`: {error}", self.base)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ApiError::Config(format!(
                "the base URL `{}` is not an http(s) URL",
                self.base
            )));
        }
        // A base under a path (a proxy's `https://proxy/stripe`) keeps it: the calls' paths
        // are joined to it, and a join replaces a last segment without its slash.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        if HeaderValue::from_str(&self.version).is_err() || self.version.is_empty() {
            return Err(ApiError::Config(format!(
                "`{}` cannot be sent as Stripe-Version",
                self.version.escape_debug()
            )));
        }
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::AUTHORIZATION, self.key.authorization());
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(self.timeout)
            .user_agent(concat!(
                "stripe-webhooks/",
                env!("CARGO_PKG_VERSION"),
                " (api)"
            ))
            .build()
            .map_err(|error| ApiError::Config(format!("the HTTP client: {error}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                key: self.key,
                version: self.version,
                retry: self.retry,
            }),
        })
    }
}

impl Client {
    /// A client for Stripe's API with the defaults.
    ///
    /// # Errors
    ///
    /// [`ApiError::Config`] if the HTTP client cannot be built.
    pub fn new(key: ApiKey) -> Result<Client, ApiError> {
        Client::builder(key).build()
    }

    /// A client to set up: base URL, API version, retries, timeout.
    pub fn builder(key: ApiKey) -> ClientBuilder {
        ClientBuilder {
            key,
            base: DEFAULT_BASE_URL.to_owned(),
            version: crate::API_VERSION.to_owned(),
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The server the calls go to.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// The `Stripe-Version` every call sends.
    #[must_use]
    pub fn api_version(&self) -> &str {
        &self.inner.version
    }

    /// Whether the key is a live-mode key.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.inner.key.is_live()
    }

    /// One call: `form` is the query of a GET or DELETE and the body of a POST. Retried as
    /// the policy says; the answer read as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        form: &Form,
    ) -> Result<T, ApiError> {
        self.call_with(method, path, form, |body| {
            serde_json::from_slice(body).map_err(|error| error.to_string())
        })
        .await
    }

    /// [`call`](Client::call), the answer read by `read`; what it refuses is an
    /// [`ApiError::Decode`] naming the call, its status and request id.
    pub(crate) async fn call_with<T>(
        &self,
        method: Method,
        path: &str,
        form: &Form,
        read: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, ApiError> {
        let (status, request_id, body) = self.send(&method, path, form).await?;
        read(&body).map_err(|reason| ApiError::Decode {
            call: format!("{method} {path}"),
            status,
            request_id,
            reason,
        })
    }

    /// The answer to a call that succeeded (2xx): status, request id, body.
    async fn send(
        &self,
        method: &Method,
        path: &str,
        form: &Form,
    ) -> Result<(u16, Option<String>, Vec<u8>), ApiError> {
        let inner = &*self.inner;
        let mut url = inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|error| ApiError::InvalidArgument(format!("the path `{path}`: {error}")))?;
        let post = *method == Method::POST;
        if !post && !form.is_empty() {
            url.set_query(Some(&form.encode()));
        }
        let body = post.then(|| form.encode());
        // One key for every try of this call: a POST that reached Stripe before its answer
        // was lost is not applied twice.
        let idempotency_key = post.then(idempotency_key);
        let mut retry = 0;
        loop {
            retry += 1;
            let mut request = inner
                .http
                .request(method.clone(), url.clone())
                .header("Stripe-Version", &inner.version);
            if let (Some(body), Some(key)) = (&body, &idempotency_key) {
                request = request
                    .header("Idempotency-Key", key)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(body.clone());
            }
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let header = |name: &str| {
                        response
                            .headers()
                            .get(name)
                            .and_then(|value| value.to_str().ok())
                            .map(str::to_owned)
                    };
                    let request_id = header("request-id");
                    let should_retry = header("stripe-should-retry");
                    let retry_after = header("retry-after");
                    let answer = read_bounded(response).await;
                    if (200..300).contains(&status) {
                        let body = answer.map_err(ApiError::Transport)?;
                        return Ok((status, request_id, body));
                    }
                    let error = self.refusal(method, path, status, request_id, answer);
                    let tried = Tried::Answered {
                        status,
                        should_retry: should_retry.as_deref(),
                        retry_after: retry_after.as_deref(),
                    };
                    (inner.retry.wait(tried, retry, jitter()), error)
                }
                Err(error) => {
                    let error = ApiError::Transport(transport_message(&error));
                    (inner.retry.wait(Tried::NoAnswer, retry, jitter()), error)
                }
            };
            match failure {
                (Some(wait), _error) => {
                    #[cfg(feature = "tracing")]
                    tracing::warn!(
                        method = %method,
                        path,
                        retry,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %_error,
                        "retrying a Stripe API call"
                    );
                    tokio::time::sleep(wait).await;
                }
                (None, error) => return Err(error),
            }
        }
    }

    /// The error for a non-2xx answer: Stripe's error body, with every trace of the key
    /// taken out of its message (Stripe masks it; a stand-in server may echo it).
    fn refusal(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        request_id: Option<String>,
        answer: Result<Vec<u8>, String>,
    ) -> ApiError {
        #[derive(Deserialize)]
        struct Body {
            error: StripeError,
        }
        let body = match answer {
            Ok(body) => body,
            Err(reason) => return ApiError::Transport(reason),
        };
        match serde_json::from_slice::<Body>(&body) {
            Ok(Body { mut error }) => {
                error.request_id = request_id;
                if let Some(message) = &mut error.message {
                    *message = self.inner.key.scrub(message);
                }
                ApiError::Stripe {
                    status,
                    error: Box::new(error),
                }
            }
            Err(_) => ApiError::Decode {
                call: format!("{method} {path}"),
                status,
                request_id,
                reason: format!(
                    "not Stripe's error shape: {}",
                    self.inner
                        .key
                        .scrub(&String::from_utf8_lossy(&body[..body.len().min(200)]))
                ),
            },
        }
    }
}

/// The body, up to [`MAX_ANSWER`] bytes.
async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| transport_message(&error))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(format!("the answer is larger than {MAX_ANSWER} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// reqwest's message, without the URL (it is the caller's to log) and with its causes.
fn transport_message(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut message = kind.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A random idempotency key, as the official SDKs make them (a UUID's worth of randomness).
fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the key still names this call uniquely enough within the process.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        bytes = nanos.to_le_bytes();
    }
    format!("stripe-webhooks-{}", hex::encode(bytes))
}

/// A uniform draw in `[0, 1)`.
fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("api_version", &self.inner.version)
            .field("key", &self.inner.key)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}
