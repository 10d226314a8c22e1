//! [`FailureAlerts`]: the ready handler that fans each failure out to every notifier.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use super::notifier::DynNotifier;
use super::{Notifier, NotifyError, PaymentFailure};
use crate::dispatch::{Handler, HandlerError};
use crate::store::BoundedMap;
use crate::{Event, EventType};

/// Which notifiers delivered one failure and which did not.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct NotifyReport {
    /// Names of the notifiers that delivered it.
    pub delivered: Vec<String>,
    /// Names of the notifiers that failed, with their errors.
    pub failed: Vec<(String, NotifyError)>,
    /// Names of the notifiers skipped because they had delivered it on an earlier attempt.
    pub already_delivered: Vec<String>,
}

impl NotifyReport {
    /// Whether every notifier has it now.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A ready [`Handler`]: turns each failed-payment event into a [`PaymentFailure`] and
/// announces it through every notifier. Other events are acknowledged and ignored.
///
/// When some notifiers fail, the delivery fails transiently (Stripe retries) and the error
/// names them; on the retry, only the ones that failed are called again, so nobody is told
/// twice. (This memory is per process, bounded to the 10,000 most recent events.)
///
/// # Examples
///
/// ```
/// use stripe_webhooks::dispatch::Dispatcher;
/// use stripe_webhooks::failure::{FailureAlerts, Notifier, NotifyError, PaymentFailure};
/// use stripe_webhooks::{EventType, Webhook};
///
/// struct Team(&'static str);
///
/// impl Notifier for Team {
///     fn name(&self) -> &str { self.0 }
///     async fn notify(&self, failure: &PaymentFailure) -> Result<(), NotifyError> {
///         println!("to {}: {failure}", self.0);
///         Ok(())
///     }
/// }
///
/// let alerts = FailureAlerts::new().notifier(Team("alice@example.com")).notifier(Team("#billing"));
/// let dispatcher = Dispatcher::new(Webhook::new("whsec_test"), alerts)
///     .enabled_events(FailureAlerts::EVENT_TYPES.iter().map(EventType::as_str));
/// # let _ = dispatcher;
/// ```
pub struct FailureAlerts {
    notifiers: Vec<Box<dyn DynNotifier>>,
    // Per event id, which notifiers (by index) already delivered: retries skip them.
    delivered: Mutex<BoundedMap<Vec<usize>>>,
}

impl FailureAlerts {
    /// The event types it acts on.
    pub const EVENT_TYPES: &'static [EventType] = &[
        EventType::PaymentIntentPaymentFailed,
        EventType::InvoicePaymentFailed,
        EventType::ChargeFailed,
    ];

    /// No notifiers yet.
    #[must_use]
    pub fn new() -> FailureAlerts {
        FailureAlerts {
            notifiers: Vec::new(),
            delivered: Mutex::new(BoundedMap::new(10_000)),
        }
    }

    /// Adds a notifier.
    #[must_use]
    pub fn notifier(mut self, notifier: impl Notifier + 'static) -> FailureAlerts {
        self.notifiers.push(Box::new(notifier));
        self
    }

    /// Announces `failure` through every notifier that has not delivered it yet, one after
    /// the other, and reports which delivered it.
    pub async fn notify(&self, failure: &PaymentFailure) -> NotifyReport {
        let done_before = self
            .lock()
            .get(&failure.event_id)
            .cloned()
            .unwrap_or_default();
        let mut report = NotifyReport::default();
        let mut done_now = done_before.clone();
        for (index, notifier) in self.notifiers.iter().enumerate() {
            let name = notifier.name().to_owned();
            if done_before.contains(&index) {
                report.already_delivered.push(name);
                continue;
            }
            match notifier.notify_boxed(failure).await {
                Ok(()) => {
                    done_now.push(index);
                    report.delivered.push(name);
                }
                Err(error) => report.failed.push((name, error)),
            }
        }
        let mut delivered = self.lock();
        if report.is_complete() {
            delivered.remove(&failure.event_id);
        } else {
            delivered.insert(&failure.event_id, done_now);
        }
        report
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoundedMap<Vec<usize>>> {
        self.delivered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for FailureAlerts {
    fn default() -> Self {
        FailureAlerts::new()
    }
}

impl fmt::Debug for FailureAlerts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.notifiers.iter().map(|n| n.name()).collect();
        f.debug_struct("FailureAlerts")
            .field("notifiers", &names)
            .finish()
    }
}

impl Handler for FailureAlerts {
    async fn handle(&self, event: Event) -> Result<(), HandlerError> {
        let Some(failure) = PaymentFailure::from_event(&event)? else {
            return Ok(());
        };
        let report = self.notify(&failure).await;
        if report.is_complete() {
            return Ok(());
        }
        let failed: Vec<String> = report
            .failed
            .iter()
            .map(|(name, error)| format!("{name} ({error})"))
            .collect();
        Err(HandlerError::transient(format_args!(
            "could not notify {} of {}",
            failed.join(", "),
            failure.event_id
        )))
    }
}
