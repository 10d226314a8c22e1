//! Headless Chromium driven over WebDriver, for the tests that check what a person sees in a
//! page (the console): markup and scripts only prove themselves in a real browser.
//!
//! Each `Browser` has its own chromedriver on a free loopback port and its own fresh profile, so
//! tests run in parallel and never see each other's cookies or storage. Every wait is bounded
//! and every failure carries the start of the page's source: a browser test that hangs or says
//! only "no such element" costs more than it saves.
#![allow(dead_code)] // each test binary that includes this uses a part

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// Debian's paths (packages `chromium` and `chromium-driver`), the ones `.ci/run` installs.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// See [`CHROMIUM`].
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Where [`Browser::screenshot`] writes: under the workspace's `target/`, kept after the run
/// so that a failure can be looked at.
pub(crate) const SCREENSHOT_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../target/console-screenshots");

/// How long chromedriver gets to answer `/status`: it starts in well under a second, so
/// anything longer means it is broken, not slow.
const DRIVER_START: Duration = Duration::from_secs(15);
/// WebDriver's own page-load and script limits (its defaults are 300 s and 30 s): a page of a
/// loopback server that takes longer is a bug to report, not to wait for.
const PAGE_LOAD: Duration = Duration::from_secs(30);
const SCRIPT: Duration = Duration::from_secs(10);
/// How often the `wait_for*` helpers look again.
const POLL: Duration = Duration::from_millis(50);
/// How much of the page's source a failure shows.
const SOURCE_EXCERPT: usize = 2048;

/// Whether both binaries are there. When they are not: under CI (`CI` set) the test fails,
/// since `.ci/run` installs them and a browser test that skips there checks nothing; on a
/// developer's machine it prints a loud skip line and returns `false`, and the test returns.
/// (The same rule as the Postgres inbox tests.)
pub(crate) fn chromium_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !is_executable(Path::new(path)))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{} missing: the browser tests check nothing (install the Debian packages `chromium \
         chromium-driver`; `.ci/run` installs them)",
        missing.join(" and ")
    );
    assert!(!under_ci(), "{message}");
    eprintln!("\n!!!!!!!! skipped: {message} !!!!!!!!\n");
    false
}

fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|value| !value.is_empty() && value != "false")
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// One headless Chromium session and the chromedriver that runs it; dropping it ends the
/// session (Chromium quits) and kills chromedriver, even when the test panicked.
///
/// The helpers panic with the page's state instead of returning errors: in a test, the
/// failure message is the whole product.
#[derive(Debug)]
pub(crate) struct Browser {
    client: Client,
    port: u16,
    session: String,
    /// Dropped after the session has ended (fields drop after `Drop::drop`).
    guard: DriverGuard,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium. Call [`chromium_available`] first: this
    /// panics when anything is missing or broken.
    pub(crate) async fn start() -> Browser {
        let dir = fresh_dir();
        let profile = dir.join("profile");
        let log = dir.join("chromedriver.log");
        let port = free_port();
        // In the test's process group, so that a Ctrl-C of `cargo test` ends it and Chromium
        // too, where no drop runs.
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        // Made at once, so that a failure below still kills chromedriver and removes the folder.
        let mut guard = DriverGuard { driver, dir };
        wait_for_driver(port, &mut guard).await;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    // The tests run as root, where Chromium's sandbox refuses to start.
                    "--no-sandbox",
                    "--disable-gpu",
                    // Chromium's own calls home (updates, sync, QUIC probes) fail on a closed
                    // network and, without these, take the page's connections down with them.
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    // /dev/shm is small in containers; Chromium crashes when it fills up.
                    "--disable-dev-shm-usage",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        // The page's console, for `console_errors`.
        capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        // An alert stays open (commands fail with "unexpected alert open") until `take_alert`
        // reads it, instead of being dismissed unseen.
        capabilities.insert("unhandledPromptBehavior".into(), json!("ignore"));
        capabilities.insert(
            "timeouts".into(),
            json!({
                "pageLoad": PAGE_LOAD.as_millis(),
                "script": SCRIPT.as_millis(),
                "implicit": 0,
            }),
        );

        let client = match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => client,
            Err(e) => panic!(
                "chromedriver could not start Chromium: {e}\n{}",
                log_tail(&guard.dir.join("chromedriver.log"))
            ),
        };
        let session = client
            .session_id()
            .await
            .expect("the session's id")
            .expect("a WebDriver session has an id");
        Browser {
            client,
            port,
            session,
            guard,
        }
    }

    /// The fantoccini client, for what the helpers do not cover.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and returns once the page has loaded (WebDriver's "normal" strategy).
    pub(crate) async fn goto(&self, url: &str) {
        if let Err(e) = self.client.goto(url).await {
            panic!("cannot open {url}: {e}");
        }
    }

    /// The page's current source (the DOM as it is now, not as it was served).
    pub(crate) async fn source(&self) -> String {
        self.client.source().await.expect("the page's source")
    }

    /// The one element `css` matches first; panics, with the page, when there is none. For an
    /// element that appears later, use [`Browser::wait_for`].
    pub(crate) async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element matches `{css}`: {e}\n{}", self.excerpt().await),
        }
    }

    /// Every element `css` matches, in document order (none is not an error).
    pub(crate) async fn find_all(&self, css: &str) -> Vec<Element> {
        match self.client.find_all(Locator::Css(css)).await {
            Ok(elements) => elements,
            Err(e) => panic!("cannot look for `{css}`: {e}\n{}", self.excerpt().await),
        }
    }

    /// The rendered text of the first element `css` matches (what a person reads: hidden
    /// parts left out, markup as text).
    pub(crate) async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read the text of `{css}`: {e}"))
    }

    /// Clicks the first element `css` matches, as a person would (it must be visible and not
    /// covered).
    pub(crate) async fn click(&self, css: &str) {
        let element = self.find(css).await;
        if let Err(e) = element.click().await {
            panic!("cannot click `{css}`: {e}\n{}", self.excerpt().await);
        }
    }

    /// Empties the input `css` matches and types `value` into it (key events, so the page's
    /// input handlers run).
    pub(crate) async fn fill(&self, css: &str, value: &str) {
        let element = self.find(css).await;
        if let Err(e) = element.clear().await {
            panic!("cannot clear `{css}`: {e}\n{}", self.excerpt().await);
        }
        if let Err(e) = element.send_keys(value).await {
            panic!("cannot type into `{css}`: {e}\n{}", self.excerpt().await);
        }
    }

    /// Submits the form `css` matches as its submit button would (`requestSubmit`: the
    /// browser's validation and the page's `submit` handlers run, unlike `form.submit()`).
    /// Whatever the submission does next (a navigation, a fetch) is for the caller to wait on.
    pub(crate) async fn submit(&self, css: &str) {
        let submitted = self
            .client
            .execute(
                "const form = document.querySelector(arguments[0]);
                 if (!(form instanceof HTMLFormElement)) return false;
                 form.requestSubmit();
                 return true;",
                vec![json!(css)],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot submit `{css}`: {e}"));
        if submitted != json!(true) {
            panic!("`{css}` matches no form\n{}", self.excerpt().await);
        }
    }

    /// Waits until `css` matches an element and returns the first; panics, with the page,
    /// after `timeout`. For what a script adds or a navigation brings.
    pub(crate) async fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(e) if e.is_no_such_element() => {}
                Err(e) => panic!("cannot look for `{css}`: {e}\n{}", self.excerpt().await),
            }
            if Instant::now() >= deadline {
                panic!(
                    "no element matched `{css}` within {timeout:?}\n{}",
                    self.excerpt().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until an element `css` matches has a text containing `needle`, and returns that
    /// text; panics after `timeout` with the texts it saw and the page.
    pub(crate) async fn wait_for_text(&self, css: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let mut seen = Vec::new();
            for element in self.find_all(css).await {
                // An element replaced between the search and the read is simply looked at again.
                if let Ok(text) = element.text().await {
                    if text.contains(needle) {
                        return text;
                    }
                    seen.push(text);
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "no element matching `{css}` had a text containing {needle:?} within \
                     {timeout:?}; their texts: {seen:?}\n{}",
                    self.excerpt().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Runs `js` as a function body in the page (`return` gives the result) and returns its
    /// result as JSON.
    pub(crate) async fn execute(&self, js: &str) -> Value {
        self.client
            .execute(js, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("the script failed: {e}\nscript: {js}"))
    }

    /// Writes the viewport as `target/console-screenshots/<name>.png` and returns its path:
    /// a picture of the page to look at when a test fails, or to check a layout by eye.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(SCREENSHOT_DIR)
            .unwrap_or_else(|e| panic!("cannot create {SCREENSHOT_DIR}: {e}"));
        let path = Path::new(SCREENSHOT_DIR).join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("cannot write {path:?}: {e}"));
        path
    }

    /// The text of the open `alert`/`confirm`/`prompt`, which this dismisses, or `None`
    /// when none is open. While one is open every other command fails.
    pub(crate) async fn take_alert(&self) -> Option<String> {
        match self.client.get_alert_text().await {
            Ok(text) => {
                self.client
                    .dismiss_alert()
                    .await
                    .expect("dismiss the alert");
                Some(text)
            }
            Err(e) if e.is_no_such_alert() => None,
            Err(e) => panic!("cannot read the alert: {e}"),
        }
    }

    /// The page's console errors and uncaught exceptions (level SEVERE, failed loads included)
    /// since the last call: a script that throws leaves the page looking almost right, so a
    /// test asserts this is empty. Through chromedriver's log endpoint, which WebDriver proper
    /// lacks.
    pub(crate) async fn console_errors(&self) -> Vec<String> {
        let url = format!(
            "http://127.0.0.1:{}/session/{}/se/log",
            self.port, self.session
        );
        let body = tokio::task::spawn_blocking(move || {
            let mut response = ureq::post(&url)
                .header("content-type", "application/json")
                .send(r#"{"type":"browser"}"#)
                .unwrap_or_else(|e| panic!("cannot read the browser's log at {url}: {e}"));
            response
                .body_mut()
                .read_to_string()
                .expect("the browser's log")
        })
        .await
        .expect("the log request");
        let log: Value = serde_json::from_str(&body).expect("the browser's log is JSON");
        log["value"]
            .as_array()
            .expect("the browser's log is a list")
            .iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// The start of the page's source for a failure message, or why there is none.
    async fn excerpt(&self) -> String {
        let url = match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("(unknown: {e})"),
        };
        match self.client.source().await {
            Ok(source) => {
                let mut end = source.len().min(SOURCE_EXCERPT);
                while !source.is_char_boundary(end) {
                    end -= 1;
                }
                let more = if end < source.len() { "\n[…]" } else { "" };
                format!(
                    "page {url}, first {end} of {} bytes of its source:\n{}{more}",
                    source.len(),
                    &source[..end]
                )
            }
            Err(e) => format!("page {url}; its source cannot be read: {e}"),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session is what makes chromedriver quit Chromium; killing chromedriver
        // alone would leave Chromium running. Synchronous (drop cannot await) and bounded.
        let url = format!("http://127.0.0.1:{}/session/{}", self.port, self.session);
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .new_agent();
        if let Err(e) = agent.delete(&url).call() {
            eprintln!("browser: ending the WebDriver session failed ({e}); Chromium may linger");
        }
    }
}

/// Chromedriver and the folder of its log and Chromium's profile: killed and removed on drop,
/// also when `Browser::start` fails half way.
#[derive(Debug)]
struct DriverGuard {
    driver: Child,
    dir: PathBuf,
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls chromedriver's `/status` until it says it is ready; panics (with its log) after
/// [`DRIVER_START`] or as soon as it exits.
async fn wait_for_driver(port: u16, guard: &mut DriverGuard) {
    let url = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + DRIVER_START;
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .new_agent();
    loop {
        let (agent_, url_) = (agent.clone(), url.clone());
        let ready = tokio::task::spawn_blocking(move || {
            let mut response = agent_.get(&url_).call().ok()?;
            let status: Value =
                serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()?;
            Some(status["value"]["ready"] == json!(true))
        })
        .await
        .expect("the status request");
        if ready == Some(true) {
            return;
        }
        let log = guard.dir.join("chromedriver.log");
        if let Ok(Some(status)) = guard.driver.try_wait() {
            panic!(
                "chromedriver exited ({status}) before answering\n{}",
                log_tail(&log)
            );
        }
        if Instant::now() >= deadline {
            panic!(
                "chromedriver did not answer {url} within {DRIVER_START:?}\n{}",
                log_tail(&log)
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A new, empty folder of this process's own under the system's temporary folder.
fn fresh_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "stripe-webhooks-chromium-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir); // one left by an earlier process with the same id
    std::fs::create_dir_all(dir.join("profile"))
        .unwrap_or_else(|e| panic!("cannot create {dir:?}: {e}"));
    dir
}

/// A loopback port free right now. Chromedriver takes a port number, not a socket, so another
/// process could take it in between; on this machine's loopback nothing else competes.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The last lines of chromedriver's log, where it says why Chromium did not start.
fn log_tail(path: &Path) -> String {
    match std::fs::read_to_string(path) {
        Ok(log) => {
            let lines: Vec<&str> = log.lines().collect();
            let start = lines.len().saturating_sub(40);
            format!(
                "last lines of {}:\n{}",
                path.display(),
                lines[start..].join("\n")
            )
        }
        Err(e) => format!("(no chromedriver log at {}: {e})", path.display()),
    }
}
