//! The browser harness (`browser/mod.rs`) proven on a page of its own, before any console test
//! leans on it: typing, clicking, a script that changes the page without a reload, escaped
//! markup staying text, console errors read back, and a screenshot on disk. When this fails,
//! the harness or the machine's Chromium is broken, not the console.

mod browser;

use std::time::{Duration, Instant};

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;
use browser::{chromium_available, Browser};
use serde_json::json;

/// A script tag as a page would show a hostile value (an event's description, say): escaped,
/// it must stay text.
const HOSTILE: &str = "<script>window.__xss = true</script>";

/// The page's one real script (served by the same server, as a console's would be under a
/// `script-src 'self'` policy): each submission of the form appends the input's value to the
/// list, as text, without a reload.
const SCRIPT: &str = r#"
document.getElementById("add-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = document.getElementById("item");
  const li = document.createElement("li");
  li.textContent = input.value;
  document.getElementById("items").append(li);
  input.value = "";
});
"#;

fn page() -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Harness smoke</title>
<link rel="icon" href="data:,">
<script src="/app.js" defer></script>
</head>
<body>
<h1>Harness smoke</h1>
<p id="note">{}</p>
<form id="add-form">
  <label for="item">Item</label>
  <input id="item" name="item" type="text">
  <button id="add" type="submit">Add</button>
</form>
<ul id="items"></ul>
</body>
</html>"#,
        escape(HOSTILE)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn the_harness_drives_a_page_in_headless_chromium() {
    if !chromium_available() {
        return;
    }
    let started = Instant::now();
    let app = Router::new()
        .route(
            "/",
            get(|| async { ([(CONTENT_TYPE, "text/html; charset=utf-8")], page()) }),
        )
        .route(
            "/app.js",
            get(|| async { ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("the page's server") });

    let browser = Browser::start().await;
    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.text("h1").await, "Harness smoke");
    assert_eq!(browser.text("label[for=item]").await, "Item");

    // Typed and clicked: the script (loaded from the server) appends without a reload.
    browser
        .execute("window.__loaded_once = true; return null")
        .await;
    browser.fill("#item", "first <b>item</b>").await;
    browser.click("#add").await;
    let first = browser.wait_for("#items li", Duration::from_secs(5)).await;
    assert_eq!(first.text().await.expect("its text"), "first <b>item</b>");
    assert!(
        browser.find_all("#items li b").await.is_empty(),
        "the value was parsed as markup"
    );
    assert_eq!(
        browser
            .execute("return window.__loaded_once === true")
            .await,
        json!(true),
        "the page reloaded"
    );

    // Submitted as the form, not through its button.
    browser.fill("#item", "second").await;
    browser.submit("#add-form").await;
    let second = browser
        .wait_for_text("#items li", "second", Duration::from_secs(5))
        .await;
    assert_eq!(second, "second");
    assert_eq!(browser.find_all("#items li").await.len(), 2);

    // The escaped script tag is text: shown verbatim, never run, no second <script>.
    assert_eq!(browser.text("#note").await, HOSTILE);
    assert_eq!(
        browser
            .execute("return document.querySelectorAll('script').length")
            .await,
        json!(1)
    );
    assert_eq!(
        browser.execute("return typeof window.__xss").await,
        json!("undefined")
    );
    assert!(browser.source().await.contains("&lt;script&gt;"));

    // A clean page logs no error; one logged now is read back.
    assert_eq!(browser.console_errors().await, Vec::<String>::new());
    browser
        .execute("console.error('harness check'); return null")
        .await;
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|e| e.contains("harness check")),
        "{errors:?}"
    );
    assert_eq!(browser.take_alert().await, None);
    browser
        .execute("setTimeout(() => alert('hello'), 0); return null")
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let alert = loop {
        if let Some(text) = browser.take_alert().await {
            break text;
        }
        assert!(Instant::now() < deadline, "no alert opened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(alert, "hello");

    let shot = browser.screenshot("browser_smoke").await;
    let png = std::fs::read(&shot).expect("the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        shot.display()
    );
    drop(browser);
    eprintln!("browser smoke: {:?}", started.elapsed());
}
