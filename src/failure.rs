//! Failed-payment notifications: a [`PaymentFailure`] summary built from
//! `payment_intent.payment_failed`, `invoice.payment_failed` and `charge.failed`, a
//! [`Notifier`] trait, and [`FailureAlerts`], a ready handler that fans each failure out to
//! several notifiers.

mod alerts;
mod notifier;
mod summary;

pub use alerts::{FailureAlerts, NotifyReport};
pub use notifier::{Notifier, NotifyError};
pub use summary::{FailureSource, PaymentFailure};
