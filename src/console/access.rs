//! Who may use the console: the access token (or loopback, when asked), the CSRF token of its
//! forms, and the headers every answer carries.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, OriginalUri, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{ConsoleError, Shared};

/// The cookie that carries the token after the first `?token=` visit.
const COOKIE: &str = "stripe_webhooks_console";

/// The shortest token accepted: 32 characters, 128 bits or more as hex or base64.
const MIN_TOKEN_LEN: usize = 32;

/// The secret that opens the console. Never in `Debug`; [`expose`](AccessToken::expose) it
/// once, to print or store the link.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::console::AccessToken;
///
/// let token = AccessToken::generate();
/// assert_eq!(token.expose().len(), 64);
/// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
/// assert!(AccessToken::new("short").is_err());
/// ```
#[derive(Clone)]
pub struct AccessToken(Zeroizing<String>);

impl AccessToken {
    /// A token you chose (from your secret store): at least 32 characters, each a letter, a
    /// digit, or one of `-_.~`.
    ///
    /// # Errors
    ///
    /// [`ConsoleError::TokenTooShort`] or [`ConsoleError::TokenCharacters`].
    pub fn new(token: impl Into<String>) -> Result<AccessToken, ConsoleError> {
        let token = Zeroizing::new(token.into());
        // It travels in a URL and a cookie as it is: only characters neither escapes.
        let url_safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~');
        if !token.chars().all(url_safe) {
            return Err(ConsoleError::TokenCharacters);
        }
        if token.chars().count() < MIN_TOKEN_LEN {
            return Err(ConsoleError::TokenTooShort {
                min: MIN_TOKEN_LEN,
                len: token.chars().count(),
            });
        }
        Ok(AccessToken(token))
    }

    /// A fresh random token: 256 bits from the operating system, as 64 hex digits.
    #[must_use]
    pub fn generate() -> AccessToken {
        AccessToken(Zeroizing::new(random_token()))
    }

    /// The token's text, for the link you print or store.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn matches(&self, candidate: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(candidate).into()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// How requests to the console are let in.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Access {
    /// With this token: `?token=…` once (then a cookie, `HttpOnly`, `SameSite=Strict`), or an
    /// `Authorization: Bearer …` header (for a metrics scraper).
    Token(AccessToken),
    /// Without a token, from loopback only: for a laptop. Needs the peer address
    /// (`into_make_service_with_connect_info::<SocketAddr>()`), and a loopback `Host` header
    /// (`127.0.0.1`, `[::1]`, `localhost`), so that a web page that rebinds its own name to
    /// 127.0.0.1 cannot read the console.
    UnauthenticatedLoopback,
}

/// The CSRF token of a console's forms. With an access token, derived from it (HMAC-SHA256
/// under the token): every instance behind a load balancer renders and accepts the same one,
/// and a new access token makes a new one. Without, 256 random bits per console.
pub(crate) fn csrf_token(access: &Access) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    match access {
        Access::Token(token) => {
            let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(token.0.as_bytes()) else {
                return random_token();
            };
            mac.update(b"stripe-webhooks console csrf v1");
            hex::encode(mac.finalize().into_bytes())
        }
        Access::UnauthenticatedLoopback => random_token(),
    }
}

/// 256 random bits as hex.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator only fails on a broken system, where no token is safe.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    hex::encode(bytes)
}

/// Where the console is mounted (`/stripe/console`), read from the request, for links.
#[derive(Debug, Clone)]
pub(crate) struct Base(pub(crate) String);

/// Lets a request in (or answers 401/403), records where the console is mounted, and puts
/// the security headers on the answer.
pub(crate) async fn guard(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let base = base_path(&request);
    let mut response = match admit(&shared, &request, &base) {
        Admit::Yes => {
            request.extensions_mut().insert(Base(base));
            next.run(request).await
        }
        Admit::Login { location, cookie } => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            insert(headers, header::LOCATION, &location);
            insert(headers, header::SET_COOKIE, &cookie);
            response
        }
        Admit::No(status, message) => refuse(status, message),
    };
    secure(response.headers_mut());
    response
}

enum Admit {
    Yes,
    Login { location: String, cookie: String },
    No(StatusCode, &'static str),
}

fn admit(shared: &Shared, request: &Request, base: &str) -> Admit {
    match &shared.access {
        Access::Token(token) => {
            let headers = request.headers();
            let bearer = headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "));
            if bearer.is_some_and(|candidate| token.matches(candidate))
                || cookie(headers).is_some_and(|candidate| token.matches(candidate))
            {
                return Admit::Yes;
            }
            match query_token(request) {
                Some((candidate, rest)) if token.matches(candidate.as_bytes()) => {
                    let path = match request.uri().path() {
                        "/" => super::pages::layout::home(base).to_owned(),
                        inner => format!("{base}{inner}"),
                    };
                    let location = if rest.is_empty() {
                        path
                    } else {
                        format!("{path}?{rest}")
                    };
                    let secure = if forwarded_https(headers) {
                        "; Secure"
                    } else {
                        ""
                    };
                    let cookie = format!(
                        "{COOKIE}={}; Path={}; HttpOnly; SameSite=Strict{secure}",
                        token.expose(),
                        if base.is_empty() { "/" } else { base }
                    );
                    Admit::Login { location, cookie }
                }
                _ => Admit::No(
                    StatusCode::UNAUTHORIZED,
                    "This console needs its access token: open the link printed when the service \
                     started (…/?token=…), or send Authorization: Bearer <token>.",
                ),
            }
        }
        Access::UnauthenticatedLoopback => {
            let peer = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip());
            let host_ok = request
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
                .is_some_and(is_loopback_host);
            match peer {
                Some(ip) if ip.is_loopback() && host_ok => Admit::Yes,
                Some(_) => Admit::No(
                    StatusCode::FORBIDDEN,
                    "This console admits loopback requests to a loopback host name only.",
                ),
                None => Admit::No(
                    StatusCode::FORBIDDEN,
                    "This console admits loopback requests only, and the server does not say \
                     who is asking: serve with into_make_service_with_connect_info::<SocketAddr>().",
                ),
            }
        }
    }
}

/// The CSRF check of a POST: the form's `csrf` field (or the `X-CSRF-Token` header of the
/// console's own script) must be this console's token, and a browser's `Sec-Fetch-Site`, when
/// sent, must say same-origin.
pub(crate) fn check_csrf(
    shared: &Shared,
    headers: &HeaderMap,
    field: Option<&str>,
) -> Result<(), Box<Response>> {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.as_bytes() != b"same-origin");
    let candidate = field
        .map(str::as_bytes)
        .or_else(|| headers.get("x-csrf-token").map(HeaderValue::as_bytes));
    let matches = candidate.is_some_and(|c| bool::from(shared.csrf.as_bytes().ct_eq(c)));
    if matches && !cross_site {
        Ok(())
    } else {
        let mut response = refuse(
            StatusCode::FORBIDDEN,
            "This form came without the console's CSRF token (or from another site): reload \
             the console and try again.",
        );
        secure(response.headers_mut());
        Err(Box::new(response))
    }
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    let mut response = (status, message).into_response();
    if status == StatusCode::UNAUTHORIZED {
        insert(
            response.headers_mut(),
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"stripe-webhooks console\"",
        );
    }
    response
}

/// What every answer carries: only the console's own script, style and forms; no framing, no
/// referrer (a `?token=` link never leaks), no caching, no sniffing.
fn secure(headers: &mut HeaderMap) {
    const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; connect-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";
    insert(headers, header::CONTENT_SECURITY_POLICY, CSP);
    insert(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    insert(headers, header::X_FRAME_OPTIONS, "DENY");
    insert(headers, header::REFERRER_POLICY, "no-referrer");
    insert(headers, header::CACHE_CONTROL, "no-store");
}

fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// The mount path: the original path without the path the nested router sees.
fn base_path(request: &Request) -> String {
    let inner = request.uri().path();
    let original = request
        .extensions()
        .get::<OriginalUri>()
        .map_or(inner, |uri| uri.0.path());
    let base = original.strip_suffix(inner).unwrap_or("");
    // Mounted at `/stripe/console`, a request for `/stripe/console` arrives as `/`.
    let base = if inner == "/" && base.is_empty() {
        original.trim_end_matches('/')
    } else {
        base
    };
    base.trim_end_matches('/').to_owned()
}

fn cookie(headers: &HeaderMap) -> Option<&[u8]> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then_some(value.as_bytes())
        })
}

/// `token` from the query, and the rest of the query without it.
fn query_token(request: &Request) -> Option<(String, String)> {
    let query = request.uri().query()?;
    let mut token = None;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        match pair.strip_prefix("token=") {
            Some(value) => token = Some(value.to_owned()),
            None => rest.push(pair),
        }
    }
    Some((token?, rest.join("&")))
}

fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or(v6, |(name, _)| name),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_token_is_the_same_for_one_access_token_and_never_the_token() {
        let token = AccessToken::new("t".repeat(40)).unwrap();
        let one = csrf_token(&Access::Token(token.clone()));
        assert_eq!(
            one,
            csrf_token(&Access::Token(token)),
            "same across instances"
        );
        assert_eq!(one.len(), 64);
        assert!(!one.contains("tttt"));
        let other = csrf_token(&Access::Token(AccessToken::new("u".repeat(40)).unwrap()));
        assert_ne!(one, other);
        assert_ne!(
            csrf_token(&Access::UnauthenticatedLoopback),
            csrf_token(&Access::UnauthenticatedLoopback)
        );
    }

    #[test]
    fn loopback_hosts_are_told_from_others() {
        for host in [
            "127.0.0.1:8080",
            "localhost",
            "LOCALHOST:1",
            "[::1]:3000",
            "127.0.0.2",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "127.0.0.1.example.com:80",
            "[2001:db8::1]:80",
            "10.0.0.1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
