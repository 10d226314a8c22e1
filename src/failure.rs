//! Failed-payment notifications: a [`PaymentFailure`] summary built from
//! `payment_intent.payment_failed`, `invoice.payment_failed` and `charge.failed`, a
//! [`Notifier`] trait, and [`FailureAlerts`], a ready handler that fans each failure out to
//! several notifiers.

mod alerts;
#[cfg(feature = "email")]
mod email;
mod notifier;
mod summary;

pub use alerts::{FailureAlerts, NotifyReport};
#[cfg(feature = "email")]
#[cfg_attr(docsrs, doc(cfg(feature = "email")))]
pub use email::{Digest, EmailNotifier, EmailNotifierBuilder, MAX_LISTED};
pub use notifier::{Notifier, NotifyError};
pub use summary::{FailureSource, PaymentFailure};
