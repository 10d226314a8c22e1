//! A log sink for the tests that check what is logged: a `tracing_subscriber::fmt`
//! subscriber writing every event, at every level, into memory.
#![allow(dead_code)] // each test binary that includes this uses a part

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Everything the subscriber wrote.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// A subscriber that writes everything, at every level, into the returned buffer.
    pub(crate) fn subscriber() -> (Captured, impl tracing::Subscriber + Send + Sync) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (captured, subscriber)
    }

    /// Captures every event of this thread until the guard is dropped (a current-thread
    /// runtime's tasks, a loopback server's included, run on it).
    ///
    /// While a single dispatcher is registered, tracing-core computes the interest of a
    /// callsite registered for the first time from the *registering thread's* default
    /// dispatcher: another test's thread (no subscriber) reaching a log statement first
    /// would cache "never" for it, and the event would be skipped here. A second, no-op
    /// dispatcher kept for the whole process makes it ask every live dispatcher instead;
    /// call [`refresh_interest`](Captured::refresh_interest) once the guard is held.
    pub(crate) fn install() -> (Captured, tracing::subscriber::DefaultGuard) {
        static SECOND: OnceLock<tracing::Dispatch> = OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::new()));
        let (captured, subscriber) = Captured::subscriber();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    /// Recomputes every callsite's cached interest now that this test's subscriber exists,
    /// for a callsite whose registration raced with the subscriber's.
    pub(crate) fn refresh_interest() {
        tracing::callsite::rebuild_interest_cache();
    }

    /// What was written, as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}
