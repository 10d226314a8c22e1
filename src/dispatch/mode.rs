//! [`Mode`]: what a [`Dispatcher`] does with a genuine, enabled event. Inline, every
//! [`DedupStore`] claims the event and the handler runs during the request; ack-first, an
//! [`Inbox`](crate::inbox::Inbox) stores it and a worker runs the handler later.

use std::future::Future;

use super::dispatcher::{Dispatcher, Genuine};
use super::handler::Handler;
use super::outcome::Disposition;
use crate::store::DedupStore;

/// What a [`Dispatcher`] does with a genuine event once it passed the filter: the second type
/// parameter of `Dispatcher`. Every [`DedupStore`] is one (inline: claim, run the handler,
/// settle), and so is the `Inbox` of the `sqlite` and `postgres` features (ack-first: store,
/// answer, let a worker run the handler). Sealed: those are the two modes.
pub trait Mode: sealed::Dispose {}

impl<D: sealed::Dispose> Mode for D {}

pub(crate) mod sealed {
    use super::{DedupStore, Dispatcher, Disposition, Future, Genuine, Handler};

    /// The method behind [`Mode`](super::Mode), out of the public surface.
    pub trait Dispose: Send + Sync + Sized {
        /// What becomes of `genuine`.
        fn dispose<'a, H: Handler>(
            dispatcher: &'a Dispatcher<H, Self>,
            genuine: Genuine<'a>,
        ) -> impl Future<Output = Disposition> + Send + 'a;

        /// Hears of a delivery refused before its event could be read (the inbox counts them,
        /// and keeps the newest few if asked to).
        fn rejected(
            &self,
            _now: time::OffsetDateTime,
            _kind: crate::ErrorKind,
            _payload: &[u8],
            _signature: Option<&str>,
        ) {
        }
    }

    impl<D: DedupStore> Dispose for D {
        fn dispose<'a, H: Handler>(
            dispatcher: &'a Dispatcher<H, Self>,
            genuine: Genuine<'a>,
        ) -> impl Future<Output = Disposition> + Send + 'a {
            dispatcher.run_inline(genuine)
        }
    }
}
