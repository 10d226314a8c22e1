//! Not published: the framework examples (axum, actix-web, hyper) and the tests and benches of
//! `stripe-webhooks` that need heavy dependencies (Tokio, the web frameworks, proptest,
//! criterion, mail-parser), kept out of the root package so that `cargo run --example
//! quickstart` builds only what the quickstart needs.
//!
//! This library holds no code. It compiles the README's code blocks as doctests once more, for
//! the actix-web and hyper snippets: they test on this package's `frameworks` feature, so the
//! root package's doctests skip them and they compile here, where those crates are
//! (`cargo test --workspace --all-features`).
#![doc = include_str!("../../README.md")]
