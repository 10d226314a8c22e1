//! Backfill: the events Stripe could not deliver (or of given types), fetched with the
//! secret key and fed to a dispatcher as if delivered, the duplicate guard dropping those
//! already handled.

use std::collections::HashSet;
use std::time::Duration;

use time::OffsetDateTime;

use super::events::{EventQuery, FetchedEvent, MAX_QUERY_TYPES};
use super::{ApiError, Client};
use crate::dispatch::{Dispatcher, Handler, Mode, Origin, Outcome, OutcomeKind};

/// How far back Stripe keeps events to list: 30 days.
pub const MAX_BACKFILL_WINDOW: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The most events one backfill fetches by default.
pub const DEFAULT_MAX_EVENTS: usize = 10_000;

/// Which events a backfill fetches: those of the last `window` whose delivery to some
/// endpoint failed ([`failed_since`](Backfill::failed_since)), or all of them
/// ([`since`](Backfill::since)), narrowed to event types.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use stripe_webhooks::api::Backfill;
///
/// let backfill = Backfill::failed_since(Duration::from_secs(24 * 3600))?
///     .types(["invoice.*", "customer.subscription.deleted"])
///     .max_events(50_000);
///
/// // Stripe lists 30 days of events, no more.
/// assert!(Backfill::since(Duration::from_secs(31 * 24 * 3600)).is_err());
/// # Ok::<(), stripe_webhooks::api::ApiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Backfill {
    window: Duration,
    failed_only: bool,
    types: Vec<String>,
    max_events: usize,
}

impl Backfill {
    /// The events of the last `window` whose delivery failed: what an outage left behind.
    ///
    /// # Errors
    ///
    /// [`ApiError::InvalidArgument`] for a window of zero or beyond
    /// [`MAX_BACKFILL_WINDOW`].
    pub fn failed_since(window: Duration) -> Result<Backfill, ApiError> {
        Ok(Backfill {
            failed_only: true,
            ..Backfill::since(window)?
        })
    }

    /// Every event of the last `window`.
    ///
    /// # Errors
    ///
    /// As [`failed_since`](Backfill::failed_since).
    pub fn since(window: Duration) -> Result<Backfill, ApiError> {
        if window.is_zero() || window > MAX_BACKFILL_WINDOW {
            return Err(ApiError::InvalidArgument(format!(
                "a backfill reaches back between one second and 30 days (Stripe keeps 30 days of events), not {}s",
                window.as_secs()
            )));
        }
        Ok(Backfill {
            window,
            failed_only: false,
            types: Vec::new(),
            max_events: DEFAULT_MAX_EVENTS,
        })
    }

    /// Only these types (exact, or `prefix.*`). Without it, [`Client::backfill`] asks for the
    /// types the dispatcher takes; with it, what the dispatcher does not take is fetched and
    /// then [`Ignored`](OutcomeKind::Ignored), as a delivery of it would be.
    pub fn types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Fetches at most `max` events, and fails with [`ApiError::TooMany`] beyond, before
    /// any is dispatched (they are kept in memory to be dispatched oldest first). Default
    /// [`DEFAULT_MAX_EVENTS`].
    pub fn max_events(mut self, max: usize) -> Self {
        self.max_events = max;
        self
    }

    /// The queries that cover the types: a wildcard alone, exact types 20 at a time.
    fn queries(&self, since: OffsetDateTime) -> Result<Vec<EventQuery>, ApiError> {
        let mut base = EventQuery::new().created_since(since);
        if self.failed_only {
            base = base.delivery_success(false);
        }
        if self.types.is_empty() || self.types.iter().any(|t| t == "*") {
            return Ok(vec![base]);
        }
        let (wildcards, exact): (Vec<&String>, Vec<&String>) =
            self.types.iter().partition(|t| t.contains('*'));
        let mut queries = Vec::new();
        for wildcard in wildcards {
            queries.push(base.clone().types([wildcard.as_str()])?);
        }
        for chunk in exact.chunks(MAX_QUERY_TYPES) {
            queries.push(base.clone().types(chunk.iter().map(|t| t.as_str()))?);
        }
        Ok(queries)
    }
}

/// What a backfill did: each fetched event's [`Outcome`], oldest event first.
#[derive(Debug)]
#[non_exhaustive]
pub struct BackfillReport {
    /// One per fetched event, in the order they were dispatched.
    pub outcomes: Vec<Outcome>,
}

impl BackfillReport {
    /// How many events were fetched.
    #[must_use]
    pub fn fetched(&self) -> usize {
        self.outcomes.len()
    }

    /// How many came to `kind`: [`Handled`](OutcomeKind::Handled) or
    /// [`Stored`](OutcomeKind::Stored) for the new ones,
    /// [`Duplicate`](OutcomeKind::Duplicate) for those handled before.
    #[must_use]
    pub fn count(&self, kind: OutcomeKind) -> usize {
        self.outcomes
            .iter()
            .filter(|outcome| outcome.kind() == kind)
            .count()
    }
}

impl Client {
    /// The events `backfill` selects, oldest first, each once.
    ///
    /// # Errors
    ///
    /// [`ApiError::TooMany`] beyond [`Backfill::max_events`], or as
    /// [`list_events`](Client::list_events).
    pub async fn backfill_events(
        &self,
        backfill: &Backfill,
    ) -> Result<Vec<FetchedEvent>, ApiError> {
        let window = time::Duration::try_from(backfill.window)
            .map_err(|error| ApiError::InvalidArgument(error.to_string()))?;
        let since = OffsetDateTime::now_utc() - window;
        // Each event once, however many queries list it: the bound counts distinct events.
        let mut seen = HashSet::new();
        let mut events = Vec::new();
        for query in backfill.queries(since)? {
            let mut pages = self.list_events(&query);
            let mut listed = Vec::new();
            while let Some(page) = pages.next_page().await? {
                for fetched in page {
                    if seen.insert(fetched.event().id().to_owned()) {
                        if seen.len() > backfill.max_events {
                            return Err(ApiError::TooMany {
                                what: "events",
                                max: backfill.max_events,
                            });
                        }
                        listed.push(fetched);
                    }
                }
            }
            // Stripe lists newest first.
            listed.reverse();
            events.extend(listed);
        }
        // Stable: events of one second keep the order Stripe gave them.
        events.sort_by_key(|fetched| fetched.event().created());
        Ok(events)
    }

    /// Fetches the events `backfill` selects and dispatches each, oldest first, through
    /// [`Dispatcher::dispatch_fetched`]. Without [`Backfill::types`], it asks for the types the
    /// dispatcher takes. Events handled before are duplicates, and run nothing.
    ///
    /// # Errors
    ///
    /// As [`backfill_events`](Client::backfill_events); nothing is dispatched then.
    pub async fn backfill<H: Handler, D: Mode>(
        &self,
        backfill: &Backfill,
        dispatcher: &Dispatcher<H, D>,
    ) -> Result<BackfillReport, ApiError> {
        let backfill = if backfill.types.is_empty() {
            let patterns = dispatcher.get_enabled_events();
            // A dispatcher that takes nothing would ignore every event: fetch none.
            if patterns.is_empty() {
                return Ok(BackfillReport {
                    outcomes: Vec::new(),
                });
            }
            backfill.clone().types(patterns.iter().cloned())
        } else {
            backfill.clone()
        };
        let events = self.backfill_events(&backfill).await?;
        let mut outcomes = Vec::with_capacity(events.len());
        for fetched in events {
            outcomes.push(dispatcher.dispatch_fetched(fetched).await);
        }
        Ok(BackfillReport { outcomes })
    }
}

impl<H: Handler, D: Mode> Dispatcher<H, D> {
    /// Dispatches an event fetched from Stripe's API (a [`FetchedEvent`]: it has no
    /// signature to verify, and can only come from [`Client`]), as a delivery would be:
    /// filtered, then claimed and handled inline, or stored in the inbox with a delivery
    /// marked as backfilled. An event handled (or stored) before is a
    /// [`Duplicate`](OutcomeKind::Duplicate), and runs nothing.
    ///
    /// Not counted in [`metrics`](Dispatcher::metrics), which count what Stripe delivered.
    pub async fn dispatch_fetched(&self, fetched: FetchedEvent) -> Outcome {
        let (event, body) = fetched.into_parts();
        self.deliver_genuine(event, &body, Origin::Fetched, OffsetDateTime::now_utc())
            .await
    }
}
