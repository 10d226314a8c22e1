//! [`Notifier`]: somewhere a failed payment is announced, and [`NotifyError`].

use std::future::Future;
use std::pin::Pin;

use super::PaymentFailure;

crate::error::message_error! {
    /// A failure a notifier could not deliver.
    pub struct NotifyError;
}

/// Somewhere a failed payment is announced: a person's inbox, a chat channel, a pager.
///
/// # Examples
///
/// ```
/// use stripe_webhooks::failure::{Notifier, NotifyError, PaymentFailure};
///
/// struct Stdout;
///
/// impl Notifier for Stdout {
///     fn name(&self) -> &str {
///         "stdout"
///     }
///
///     async fn notify(&self, failure: &PaymentFailure) -> Result<(), NotifyError> {
///         println!("{failure}");
///         Ok(())
///     }
/// }
/// ```
pub trait Notifier: Send + Sync {
    /// A name for reports (`"ops-channel"`, `"alice@example.com"`).
    fn name(&self) -> &str;

    /// Announces one failure.
    fn notify(
        &self,
        failure: &PaymentFailure,
    ) -> impl Future<Output = Result<(), NotifyError>> + Send;
}

pub(super) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Notifier`] in a form that can be boxed, so one [`FailureAlerts`] holds notifiers of
/// different types.
pub(super) trait DynNotifier: Send + Sync {
    fn name(&self) -> &str;
    fn notify_boxed<'a>(
        &'a self,
        failure: &'a PaymentFailure,
    ) -> BoxFuture<'a, Result<(), NotifyError>>;
}

impl<N: Notifier> DynNotifier for N {
    fn name(&self) -> &str {
        Notifier::name(self)
    }

    fn notify_boxed<'a>(
        &'a self,
        failure: &'a PaymentFailure,
    ) -> BoxFuture<'a, Result<(), NotifyError>> {
        Box::pin(self.notify(failure))
    }
}
