//! [`EventFilter`]: which event types the dispatcher hands to the handler.

use crate::EventType;

/// The event types to handle, as an endpoint's `enabled_events`: exact type strings, `*` for
/// all, and (our addition, as in Stripe's Events list API) `prefix.*` for a family.
///
/// Events that are filtered out are acknowledged with 200, so Stripe does not retry them.
/// Set with [`Dispatcher::enabled_events`](super::Dispatcher::enabled_events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventFilter {
    patterns: Vec<String>,
}

impl EventFilter {
    /// Every event type, known or not.
    #[must_use]
    pub(crate) fn all() -> EventFilter {
        EventFilter {
            patterns: vec!["*".to_owned()],
        }
    }

    /// Only the given patterns. An empty list allows nothing.
    pub(crate) fn new<I, S>(patterns: I) -> EventFilter
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        EventFilter {
            patterns: patterns.into_iter().map(Into::into).collect(),
        }
    }

    /// The patterns, as given.
    pub(crate) fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether events of this type are handled.
    #[must_use]
    pub(crate) fn allows(&self, event_type: &EventType) -> bool {
        self.patterns
            .iter()
            .any(|pattern| event_type.matches(pattern))
    }
}

#[cfg(test)]
mod tests {
    use super::EventFilter;
    use crate::EventType;

    #[test]
    fn exact_types_families_and_all() {
        let filter = EventFilter::new(["invoice.*", "payment_intent.payment_failed"]);
        assert!(filter.allows(&EventType::InvoicePaid));
        assert!(filter.allows(&EventType::PaymentIntentPaymentFailed));
        assert!(!filter.allows(&EventType::PaymentIntentSucceeded));
        assert!(EventFilter::all().allows(&EventType::Unknown("new.type".into())));
        assert!(!EventFilter::new(Vec::<String>::new()).allows(&EventType::InvoicePaid));
    }
}
