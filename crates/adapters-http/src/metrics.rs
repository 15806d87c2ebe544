//! The service's metrics in the Prometheus text format (`GET /metrics`).
//!
//! Each router has its own recorder (metrics-exporter-prometheus's, not the
//! process-wide one of the `metrics` facade), so that several instances in
//! one process, as in the tests, count apart. Requests are counted by
//! method, route template (never the raw path, so cardinality stays
//! bounded) and status; gauges that describe the rest of the process (the
//! database pool, the password-hashing queue) are read when scraped.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use metrics::{Key, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::state::ServiceInfo;

/// Request latency buckets, in seconds: from a cached read to the request
/// timeout.
const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

const LOGINS_THROTTLED: &str = "realty_logins_throttled_total";
const RATE_LIMITED: &str = "realty_requests_rate_limited_total";

const METADATA: Metadata<'static> = Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

/// A gauge read when the metrics are scraped.
pub type Gauge = Arc<dyn Fn() -> f64 + Send + Sync>;

/// A gauge with its name and labels.
pub struct NamedGauge {
    pub name: &'static str,
    pub labels: Vec<(&'static str, &'static str)>,
    pub read: Gauge,
}

impl std::fmt::Debug for NamedGauge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamedGauge")
            .field("name", &self.name)
            .field("labels", &self.labels)
            .finish_non_exhaustive()
    }
}

/// The recorder of one service instance, or none when metrics are off.
pub struct Metrics(Option<Recording>);

struct Recording {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    gauges: Vec<(&'static str, Vec<Label>, Gauge)>,
    /// The request series by route, registered once each: registering builds
    /// an owned key and looks it up in the registry, which doing on every
    /// request cost a tenth of a cached read (BENCHMARKS.md, "What metrics
    /// and rate limiting cost"). Bounded as the labels are: routes ×
    /// methods × statuses.
    requests: RwLock<HashMap<String, Vec<RequestSeries>>>,
}

/// The counter of one (method, route, status) and the latency histogram of
/// its (method, route).
struct RequestSeries {
    method: Box<str>,
    status: u16,
    count: metrics::Counter,
    latency: metrics::Histogram,
}

impl Recording {
    /// Counts one answer, registering its series the first time it is seen.
    fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let record = |series: &RequestSeries| {
            series.count.increment(1);
            series.latency.record(seconds);
        };
        let find = |all: &HashMap<String, Vec<RequestSeries>>, record: &dyn Fn(&RequestSeries)| {
            let series = all.get(route)?.iter().find(|s| s.status == status && &*s.method == method)?;
            record(series);
            Some(())
        };
        if find(&self.requests.read().unwrap_or_else(PoisonError::into_inner), &record).is_some() {
            return;
        }
        let mut all = self.requests.write().unwrap_or_else(PoisonError::into_inner);
        if find(&all, &record).is_some() {
            return; // registered meanwhile by another request
        }
        let status_text = status.to_string();
        let counted = [("method", method), ("route", route), ("status", status_text.as_str())];
        let timed = [("method", method), ("route", route)];
        let series = RequestSeries {
            method: method.into(),
            status,
            count: self.recorder.register_counter(&key("http_requests_total", &counted), &METADATA),
            latency: self
                .recorder
                .register_histogram(&key("http_request_duration_seconds", &timed), &METADATA),
        };
        record(&series);
        all.entry(route.to_owned()).or_default().push(series);
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let gauges = self.0.as_ref().map(|recording| recording.gauges.len());
        f.debug_struct("Metrics").field("gauges", &gauges).finish_non_exhaustive()
    }
}

impl Metrics {
    /// A recorder with the build information and the given gauges, each
    /// `(name, labels, read)`.
    pub fn new(info: &ServiceInfo, gauges: Vec<NamedGauge>) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(LATENCY_BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new())
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Self(Some(Recording {
            recorder,
            handle,
            gauges: gauges
                .into_iter()
                .map(|gauge| {
                    let labels =
                        gauge.labels.into_iter().map(|(key, value)| Label::new(key, value)).collect();
                    (gauge.name, labels, gauge.read)
                })
                .collect(),
            requests: RwLock::default(),
        }));
        let build = [("version", info.version), ("database", info.database)];
        metrics.gauge("realty_build_info", &build).set(1.0);
        // Counters without labels are exposed at 0 from the start: a series
        // that appears only with its first event hides it from `rate()` and
        // from alerts on `absent()`.
        metrics.counter(LOGINS_THROTTLED, &[]).increment(0);
        metrics.counter(RATE_LIMITED, &[]).increment(0);
        metrics
    }

    /// Metrics that record nothing.
    pub fn off() -> Self {
        Self(None)
    }

    /// Counts one answered request and its latency.
    pub fn request(&self, method: &str, route: &str, status: u16, latency: Duration) {
        if let Some(recording) = &self.0 {
            recording.request(method, route, status, latency.as_secs_f64());
        }
    }

    /// Folds the latency samples recorded since the last call into their
    /// histograms. The exporter keeps every sample until then (8 bytes a
    /// request), so without it memory would grow with the traffic between
    /// scrapes, or for ever if nothing scrapes; the service calls it every
    /// ten seconds.
    pub fn upkeep(&self) {
        if let Some(recording) = &self.0 {
            recording.handle.run_upkeep();
        }
    }

    /// Counts a login refused because of too many failures.
    pub fn login_throttled(&self) {
        self.counter(LOGINS_THROTTLED, &[]).increment(1);
    }

    /// Counts a request refused by the rate limiter.
    pub fn rate_limited(&self) {
        self.counter(RATE_LIMITED, &[]).increment(1);
    }

    /// The text exposition of every metric (empty when off).
    pub fn render(&self) -> String {
        let Some(recording) = &self.0 else { return String::new() };
        for (name, labels, read) in &recording.gauges {
            let key = Key::from_parts(*name, labels.clone());
            recording.recorder.register_gauge(&key, &METADATA).set(read());
        }
        recording.handle.render()
    }

    fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> metrics::Counter {
        self.0.as_ref().map_or_else(metrics::Counter::noop, |recording| {
            recording.recorder.register_counter(&key(name, labels), &METADATA)
        })
    }

    fn gauge(&self, name: &'static str, labels: &[(&'static str, &str)]) -> metrics::Gauge {
        self.0.as_ref().map_or_else(metrics::Gauge::noop, |recording| {
            recording.recorder.register_gauge(&key(name, labels), &METADATA)
        })
    }
}

fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
    Key::from_parts(
        name,
        labels.iter().map(|(key, value)| Label::new(*key, (*value).to_owned())).collect::<Vec<_>>(),
    )
}
