//! The `metrics` route, in the OpenMetrics text format Prometheus scrapes (prometheus-client):
//! what to alert on when deliveries fail or the queue backs up.
//!
//! Counters come from this process (the dispatcher's deliveries, the workers' handler
//! durations), as Prometheus expects of counters; gauges come from the database, the same
//! whichever instance is scraped.

use std::fmt;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::Shared;
use crate::inbox::telemetry::HandlerTimesSnapshot;
use crate::inbox::EntryStatus;
use crate::store::StoreError;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    outcome: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectionLabels {
    kind: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetStatusLabels {
    target: String,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetLabels {
    target: String,
}

/// The workers' histogram as read, encoded as it stands (its buckets are kept by the inbox).
#[derive(Debug)]
struct HandlerDurations(HandlerTimesSnapshot);

impl EncodeMetric for HandlerDurations {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), fmt::Error> {
        encoder.encode_histogram::<NoLabelSet>(
            self.0.sum_seconds,
            self.0.count,
            &self.0.buckets,
            None,
        )
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

pub(crate) async fn render(State(shared): State<Arc<Shared>>) -> Response {
    match exposition(&shared).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the inbox could not be read: {error}"),
        )
            .into_response(),
    }
}

/// The registry is built afresh for each scrape from readings: the counters it holds are
/// copies of this process's own, which only grow.
pub(crate) async fn exposition(shared: &Shared) -> Result<String, StoreError> {
    let counts = shared.inbox.counts().await?;
    let oldest_due = shared.inbox.oldest_due_age().await?;
    let backlog = shared.inbox.forward_backlog().await?;
    let mut registry = Registry::with_prefix("stripe_webhooks");

    if let Some(metrics) = &shared.dispatcher_metrics {
        let metrics = metrics();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        for (kind, count) in metrics.outcomes() {
            if let Some(status) = kind.status() {
                let labels = DeliveryLabels {
                    outcome: kind.as_str(),
                    status,
                };
                deliveries.get_or_create(&labels).inc_by(count);
            }
        }
        let rejected = Family::<RejectionLabels, Counter>::default();
        for (kind, count) in metrics.rejections() {
            let labels = RejectionLabels {
                kind: kind.as_str(),
                status: kind.status(),
            };
            rejected.get_or_create(&labels).inc_by(count);
        }
        registry.register(
            "deliveries",
            "Deliveries this process answered, by outcome and HTTP status (rejections: see rejected)",
            deliveries,
        );
        registry.register(
            "rejected",
            "Deliveries this process rejected (forged, stale, malformed), by kind and HTTP status",
            rejected,
        );
    }

    let entries = Family::<StatusLabels, Gauge>::default();
    let mut dead_letters = 0;
    for (status, count) in &counts {
        let count = i64::try_from(*count).unwrap_or(i64::MAX);
        entries
            .get_or_create(&StatusLabels {
                status: status.as_str(),
            })
            .set(count);
        if *status == EntryStatus::Failed {
            dead_letters = count;
        }
    }
    registry.register("inbox_entries", "Inbox entries by status", entries);
    let dead = Gauge::<i64>::default();
    dead.set(dead_letters);
    registry.register(
        "inbox_dead_letters",
        "Failed inbox entries, kept until replayed or pruned",
        dead,
    );
    let lag = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    lag.set(oldest_due.as_seconds_f64().max(0.0));
    registry.register(
        "inbox_oldest_due_age_seconds",
        "How long the longest-waiting due entry has waited (0 when the workers keep up)",
        lag,
    );
    let forwards = Family::<TargetStatusLabels, Gauge>::default();
    let forward_lag = Family::<TargetLabels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    for target in backlog {
        for (status, count) in &target.counts {
            let labels = TargetStatusLabels {
                target: target.target.clone(),
                status: status.as_str(),
            };
            forwards
                .get_or_create(&labels)
                .set(i64::try_from(*count).unwrap_or(i64::MAX));
        }
        forward_lag
            .get_or_create(&TargetLabels {
                target: target.target,
            })
            .set(target.oldest_due_age.as_seconds_f64().max(0.0));
    }
    registry.register(
        "forward_backlog",
        "Forwards still to send (pending, sending, retrying) and failed ones, by target",
        forwards,
    );
    registry.register(
        "forward_oldest_due_age_seconds",
        "How long each target's longest-waiting due forward has waited (0 when it keeps up)",
        forward_lag,
    );
    registry.register(
        "handler_duration_seconds",
        "Handler run durations measured by this process's inbox workers",
        HandlerDurations(shared.inbox.handler_times()),
    );

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry)
        .map_err(|_| StoreError::new("the metrics could not be written"))?;
    Ok(text)
}
