//! Operating the service (DESIGN §5) and idempotent creation (§4.3):
//! metrics as a Prometheus server reads them, per-client rate limits with
//! their header fields, trace context and request ids on the log line, and
//! `Idempotency-Key` retries through another instance.

use std::collections::HashMap;
use std::time::Duration;

use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use realty::Settings;
use realty_adapters_http::MetricsRoute;
use realty_adapters_http::rate_limit::{RateLimitConfig, parse_trusted_proxies};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, log_capture, problem_fields};

// ---------------------------------------------------------------------------
// Metrics

/// One scrape of `/metrics`, parsed by a Prometheus text-format parser.
struct Scrape(MetricsExposition<PrometheusType, PrometheusValue>);

impl Scrape {
    /// Scrapes `base` (a base URL) and checks the answer is the text exposition.
    async fn of(app: &TestApp, base: &str) -> Self {
        let response = app.client.get(format!("{base}/metrics")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "scraping {base}/metrics");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("text/plain") && content_type.contains("version=0.0.4"),
            "Prometheus text exposition, not {content_type}"
        );
        let text = response.text().await.unwrap();
        let parsed = openmetrics_parser::prometheus::parse_prometheus(&text)
            .unwrap_or_else(|error| panic!("not the Prometheus text format ({error}):\n{text}"));
        Self(parsed)
    }

    /// Scrapes the main listener.
    async fn main(app: &TestApp) -> Self {
        Self::of(app, &app.address).await
    }

    /// Every sample of `family` with its labels.
    fn samples(&self, family: &str) -> Vec<(HashMap<String, String>, &PrometheusValue)> {
        let Some(family) = self.0.families.get(family) else { return Vec::new() };
        family
            .iter_samples()
            .map(|sample| {
                let labels = sample.get_labelset().unwrap();
                let labels = labels.iter().map(|(name, value)| (name.clone(), value.clone())).collect();
                (labels, &sample.value)
            })
            .collect()
    }

    /// The sample of `family` with exactly `labels`.
    fn sample(&self, family: &str, labels: &[(&str, &str)]) -> Option<PrometheusValue> {
        let wanted: HashMap<String, String> =
            labels.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        self.samples(family).into_iter().find(|(labels, _)| *labels == wanted).map(|(_, value)| value.clone())
    }

    /// A counter's or gauge's value; `None` when the series is absent.
    fn value(&self, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
        match self.sample(family, labels)? {
            PrometheusValue::Counter(counter) => Some(counter.value.as_f64()),
            PrometheusValue::Gauge(number) | PrometheusValue::Unknown(number) => Some(number.as_f64()),
            other => panic!("{family} is not a number: {other:?}"),
        }
    }

    /// A counter, 0 while its series has not appeared yet.
    fn counter(&self, family: &str, labels: &[(&str, &str)]) -> f64 {
        self.value(family, labels).unwrap_or(0.0)
    }

    /// A histogram's `_count`, 0 while its series has not appeared yet.
    fn histogram_count(&self, family: &str, labels: &[(&str, &str)]) -> u64 {
        match self.sample(family, labels) {
            None => 0,
            Some(PrometheusValue::Histogram(histogram)) => histogram.count.expect("a _count line"),
            Some(other) => panic!("{family} is not a histogram: {other:?}"),
        }
    }

    /// Every value the label `name` takes in `family`.
    fn label_values(&self, family: &str, name: &str) -> Vec<String> {
        self.samples(family).into_iter().filter_map(|(labels, _)| labels.get(name).cloned()).collect()
    }
}

const REQUESTS: &str = "http_requests_total";
const LATENCY: &str = "http_request_duration_seconds";

async fn requests_are_counted_by_method_route_template_and_status(app: TestApp) {
    let owner = app.user("mia").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);
    let before = Scrape::main(&app).await;

    for _ in 0..2 {
        assert_eq!(app.get(&path).send().await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(app.get("/properties/999999").send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let patch = app.patch(&path, &json!({"name": "Renamed"})).bearer_auth(&owner.token);
    assert_eq!(patch.send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.get("/no/such/route/42").send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let after = Scrape::main(&app).await;

    let moved = |method: &str, route: &str, status: &str| {
        let labels = [("method", method), ("route", route), ("status", status)];
        after.counter(REQUESTS, &labels) - before.counter(REQUESTS, &labels)
    };
    assert_eq!(moved("GET", "/properties/{id}", "200"), 2.0);
    assert_eq!(moved("GET", "/properties/{id}", "404"), 1.0);
    assert_eq!(moved("PATCH", "/properties/{id}", "200"), 1.0);
    assert_eq!(moved("GET", "/metrics", "200"), 1.0, "the first scrape, counted once answered");
    let routes = after.label_values(REQUESTS, "route");
    assert!(!routes.iter().any(|route| route.contains(&property["id"].to_string())), "raw paths: {routes:?}");
    assert!(!routes.iter().any(|route| route.contains("999999") || route.contains("/no/such")), "{routes:?}");

    let latency_moved = |method: &str, route: &str| {
        let labels = [("method", method), ("route", route)];
        after.histogram_count(LATENCY, &labels) - before.histogram_count(LATENCY, &labels)
    };
    assert_eq!(latency_moved("GET", "/properties/{id}"), 3, "every answer timed, the 404 too");
    assert_eq!(latency_moved("PATCH", "/properties/{id}"), 1);
    let routes = after.label_values(LATENCY, "route");
    assert!(!routes.iter().any(|route| route.contains(&property["id"].to_string())), "raw paths: {routes:?}");
}

async fn metrics_describe_the_pool_the_hasher_and_the_build(app: TestApp) {
    app.user("noa").await;
    let version: Value = app.get("/version").send().await.unwrap().json().await.unwrap();

    let scrape = Scrape::main(&app).await;

    let in_use = scrape.value("realty_db_pool_connections", &[("state", "in_use")]).expect("in_use");
    let idle = scrape.value("realty_db_pool_connections", &[("state", "idle")]).expect("idle");
    assert!(in_use >= 0.0 && idle >= 0.0, "{in_use} in use, {idle} idle");
    let pool_size = f64::from(app.settings.database.pool.max_size);
    assert!(in_use + idle <= pool_size, "{in_use} + {idle} connections in a pool of {pool_size}");
    assert_eq!(scrape.value("realty_password_hash_queue_depth", &[]), Some(0.0), "nothing hashing at rest");
    let build = [
        ("version", version["version"].as_str().unwrap()),
        ("database", version["database"].as_str().unwrap()),
    ];
    assert_eq!(scrape.value("realty_build_info", &build), Some(1.0));
}

async fn the_throttling_counters_are_exposed_before_anything_is_throttled(app: TestApp) {
    let scrape = Scrape::main(&app).await;

    assert_eq!(scrape.value("realty_logins_throttled_total", &[]), Some(0.0));
    assert_eq!(scrape.value("realty_requests_rate_limited_total", &[]), Some(0.0));
}

async fn a_throttled_login_moves_the_throttled_logins_counter(app: TestApp) {
    let user = app.user("oli").await;
    let before = Scrape::main(&app).await;
    let attempt =
        |password: &str| app.post("/auth/token", &json!({"email": user.email, "password": password}));
    let max_failures = app.settings.login_policy.max_failures;
    for _ in 0..max_failures {
        assert_eq!(attempt("wrong password").send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let failed_only = Scrape::main(&app).await;

    assert_problem(attempt(PASSWORD).send().await.unwrap(), StatusCode::TOO_MANY_REQUESTS).await;

    let after = Scrape::main(&app).await;
    let throttled = "realty_logins_throttled_total";
    assert_eq!(
        failed_only.counter(throttled, &[]) - before.counter(throttled, &[]),
        0.0,
        "a 401 is not throttling"
    );
    assert_eq!(after.counter(throttled, &[]) - before.counter(throttled, &[]), 1.0);
}

async fn a_rate_limited_request_moves_the_rate_limited_counter(app: TestApp) {
    let user = app.user("pia").await;
    let limited = app.another_instance_with(limit(1, 3)).await;
    // The scrapes are anonymous: counted against the address, not the user.
    let before = Scrape::main(&limited).await;
    for _ in 0..3 {
        let response = limited.get("/properties").bearer_auth(&user.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    let refused = limited.get("/properties").bearer_auth(&user.token).send().await.unwrap();

    assert_problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    let after = Scrape::main(&limited).await;
    let counter = "realty_requests_rate_limited_total";
    assert_eq!(after.counter(counter, &[]) - before.counter(counter, &[]), 1.0);
    let labels = [("method", "GET"), ("route", "/properties"), ("status", "429")];
    assert_eq!(
        after.counter(REQUESTS, &labels) - before.counter(REQUESTS, &labels),
        1.0,
        "a refused request is counted under the route it asked for"
    );
}

async fn metrics_move_to_their_own_listener_when_asked(app: TestApp) {
    let apart = app
        .another_instance_with(|settings| {
            settings.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
            settings.http.metrics = MetricsRoute::Apart;
        })
        .await;
    let metrics_address = apart.metrics_address.clone().expect("a metrics listener");
    assert_ne!(metrics_address, apart.address);
    assert_eq!(app.metrics_address, None, "on the main listener by default");
    let before = Scrape::of(&apart, &metrics_address).await;

    let on_main = apart.get("/metrics").send().await.unwrap();
    let health = apart.get("/health").send().await.unwrap();

    assert_problem(on_main, StatusCode::NOT_FOUND).await;
    assert_eq!(health.status(), StatusCode::OK);
    let after = Scrape::of(&apart, &metrics_address).await;
    let health = [("method", "GET"), ("route", "/health"), ("status", "200")];
    assert_eq!(
        after.counter(REQUESTS, &health) - before.counter(REQUESTS, &health),
        1.0,
        "the main listener's traffic"
    );
    let others = apart.client.get(format!("{metrics_address}/health")).send().await.unwrap();
    assert_eq!(others.status(), StatusCode::NOT_FOUND, "the metrics listener serves nothing else");
}

async fn metrics_turned_off_are_neither_served_nor_documented(app: TestApp) {
    let off = app.another_instance_with(|settings| settings.http.metrics = MetricsRoute::Off).await;

    let scrape = off.get("/metrics").send().await.unwrap();
    let document: Value = off.get("/openapi.json").send().await.unwrap().json().await.unwrap();
    let health = off.get("/health").send().await.unwrap();

    assert_problem(scrape, StatusCode::NOT_FOUND).await;
    assert!(document["paths"].get("/metrics").is_none(), "an operation that is not served");
    assert!(document["paths"].get("/health").is_some());
    assert_eq!(health.status(), StatusCode::OK, "the rest is served as before");
}

// ---------------------------------------------------------------------------
// Rate limits

/// Adjusts settings to a rate limit of `per_second` with a bucket of `burst`.
fn limit(per_second: u32, burst: u32) -> impl FnOnce(&mut Settings) {
    move |settings| settings.rate_limit = RateLimitConfig { per_second, burst, trusted_proxies: Vec::new() }
}

/// The `RateLimit` field as `(r, t)`, checking its form and policy name.
fn rate_limit_field(headers: &HeaderMap) -> (u64, u64) {
    let value = headers.get("ratelimit").expect("a RateLimit field").to_str().unwrap();
    let parameters = value.strip_prefix("\"default\";").unwrap_or_else(|| panic!("RateLimit: {value}"));
    let mut remaining = None;
    let mut reset = None;
    for parameter in parameters.split(';') {
        match parameter.split_once('=') {
            Some(("r", number)) => remaining = number.parse().ok(),
            Some(("t", number)) => reset = number.parse().ok(),
            _ => panic!("RateLimit: unexpected parameter in {value}"),
        }
    }
    (remaining.expect("r"), reset.expect("t"))
}

fn policy(headers: &HeaderMap) -> &str {
    headers.get("ratelimit-policy").expect("a RateLimit-Policy field").to_str().unwrap()
}

/// Spends the whole bucket of a client with `send` (a burst of 3), then
/// checks the next request is refused.
async fn exhaust<F, Fut>(send: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    for _ in 0..3 {
        assert_eq!(send().await.status(), StatusCode::OK, "within the burst");
    }
    assert_eq!(send().await.status(), StatusCode::TOO_MANY_REQUESTS, "past the burst");
}

async fn a_client_past_its_burst_gets_a_429_problem_with_retry_after(app: TestApp) {
    let user = app.user("quin").await;
    let limited = app.another_instance_with(limit(1, 3)).await;
    let send = || limited.get("/properties").bearer_auth(&user.token).send();

    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(policy(response.headers()), r#""default";q=3;w=3"#);
        remaining.push(rate_limit_field(response.headers()).0);
    }
    let refused = send().await.unwrap();

    assert_eq!(remaining, [2, 1, 0], "r counts down the bucket");
    let headers = refused.headers().clone();
    let problem = assert_problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem["type"], "urn:realty:problem:rate-limited");
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3).contains(&retry_after), "Retry-After: {retry_after}");
    assert_eq!(policy(&headers), r#""default";q=3;w=3"#);
    assert_eq!(rate_limit_field(&headers), (0, retry_after), "nothing left until Retry-After");
}

async fn every_answer_of_a_limited_route_carries_the_rate_limit_fields(app: TestApp) {
    let limited = app.another_instance_with(limit(1, 50)).await;

    let answers = [
        limited.get("/properties").send().await.unwrap(),
        limited.get("/properties/999999").send().await.unwrap(),
        limited.get("/no/such/route").send().await.unwrap(),
        limited.post("/properties", &json!({"name": "X"})).send().await.unwrap(),
        limited.get("/properties?color=red").send().await.unwrap(),
        limited.get("/health").send().await.unwrap(),
    ];

    let statuses: Vec<u16> = answers.iter().map(|answer| answer.status().as_u16()).collect();
    assert_eq!(statuses, [200, 404, 404, 401, 400, 200]);
    let mut previous = u64::MAX;
    for answer in &answers {
        assert_eq!(policy(answer.headers()), r#""default";q=50;w=50"#, "{}", answer.url());
        let (remaining, _) = rate_limit_field(answer.headers());
        assert!(remaining < previous, "r decreases: {remaining} after {previous}");
        previous = remaining;
    }
}

async fn two_users_have_separate_buckets_from_one_address(app: TestApp) {
    let (alice, bob) = (app.user("ria").await, app.user("rob").await);
    let limited = app.another_instance_with(limit(1, 3)).await;

    exhaust(|| async { limited.get("/properties").bearer_auth(&alice.token).send().await.unwrap() }).await;
    let bobs = limited.get("/properties").bearer_auth(&bob.token).send().await.unwrap();

    assert_eq!(bobs.status(), StatusCode::OK);
    assert_eq!(rate_limit_field(bobs.headers()).0, 2, "a full bucket of his own");
}

async fn an_anonymous_client_is_counted_by_its_address(app: TestApp) {
    let user = app.user("sia").await;
    let limited = app.another_instance_with(limit(1, 3)).await;

    exhaust(|| async { limited.get("/properties").send().await.unwrap() }).await;

    let again = limited.get("/properties").send().await.unwrap();
    assert_problem(again, StatusCode::TOO_MANY_REQUESTS).await;
    let forged = limited.get("/properties").bearer_auth("v4.public.forged").send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS, "an invalid token is the address too");
    let authenticated = limited.get("/properties").bearer_auth(&user.token).send().await.unwrap();
    assert_eq!(authenticated.status(), StatusCode::OK, "a user is not counted against its address");
}

async fn x_forwarded_for_from_an_untrusted_peer_is_ignored(app: TestApp) {
    let limited = app.another_instance_with(limit(1, 3)).await;

    exhaust(|| async {
        limited.get("/properties").header("x-forwarded-for", "198.51.100.1").send().await.unwrap()
    })
    .await;
    let other_client =
        limited.get("/properties").header("x-forwarded-for", "198.51.100.2").send().await.unwrap();

    assert_eq!(other_client.status(), StatusCode::TOO_MANY_REQUESTS, "one peer, one bucket");
}

async fn x_forwarded_for_from_a_trusted_proxy_names_the_client(app: TestApp) {
    let limited = app
        .another_instance_with(|settings| {
            limit(1, 3)(settings);
            settings.rate_limit.trusted_proxies = parse_trusted_proxies("127.0.0.1").unwrap();
        })
        .await;
    let from = |client: &'static str| limited.get("/properties").header("x-forwarded-for", client).send();

    exhaust(|| async { from("198.51.100.1").await.unwrap() }).await;
    let other_client = from("198.51.100.2").await.unwrap();
    let the_proxy_itself = limited.get("/properties").send().await.unwrap();

    assert_eq!(other_client.status(), StatusCode::OK);
    assert_eq!(rate_limit_field(other_client.headers()).0, 2, "a bucket of its own");
    assert_eq!(the_proxy_itself.status(), StatusCode::OK, "the proxy's own requests are its own client");
    let spoofed = from("198.51.100.2, 198.51.100.1").await.unwrap();
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS, "only the entry our proxy appended counts");
}

async fn a_rate_of_zero_turns_limiting_off(app: TestApp) {
    assert_eq!(app.settings.rate_limit.per_second, 0, "the suite's default");

    for _ in 0..30 {
        let response = app.get("/properties").send().await.unwrap();

        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers().get("ratelimit").is_none(), "no RateLimit field when off");
        assert!(response.headers().get("ratelimit-policy").is_none(), "no RateLimit-Policy field when off");
    }
    let scrape = Scrape::main(&app).await;
    assert_eq!(scrape.value("realty_rate_limit_clients", &[]), None, "no bucket is kept");
}

async fn a_refused_client_is_served_again_after_retry_after(app: TestApp) {
    let limited = app.another_instance_with(limit(4, 1)).await;
    assert_eq!(limited.get("/properties").send().await.unwrap().status(), StatusCode::OK);
    let refused = limited.get("/properties").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(retry_after, 1, "a token comes back every 250 ms: Retry-After rounds it up to 1 s");

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let served = limited.get("/properties").send().await.unwrap();

    assert_eq!(served.status(), StatusCode::OK, "served again after Retry-After");
}

// ---------------------------------------------------------------------------
// Trace context and request ids

/// A random W3C trace id (32 lower-case hex digits).
fn random_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The log line of the request whose id is `request_id`.
fn served_line(request_id: &str) -> String {
    log_capture()
        .line_with(&[&format!("request_id={request_id} "), "served"])
        .unwrap_or_else(|| panic!("no log line for request {request_id}"))
}

/// The trace id on a log line.
fn trace_id_of(line: &str) -> String {
    let start = line.find("trace_id=").unwrap_or_else(|| panic!("no trace_id on {line}")) + "trace_id=".len();
    line[start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect()
}

fn is_trace_id(id: &str) -> bool {
    id.len() == 32
        && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && id.bytes().any(|b| b != b'0')
}

async fn a_valid_traceparent_puts_its_trace_id_on_the_request_log_line(app: TestApp) {
    log_capture();
    let (request_id, trace_id) = (uuid::Uuid::new_v4().to_string(), random_trace_id());
    let traceparent = format!("00-{trace_id}-{}-01", &random_trace_id()[..16]);

    let response = app
        .get("/health")
        .header("x-request-id", &request_id)
        .header("traceparent", traceparent)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let line = served_line(&request_id);
    assert_eq!(trace_id_of(&line), trace_id, "{line}");
    assert!(
        line.contains("method=GET") && line.contains("path=/health") && line.contains("status=200"),
        "{line}"
    );
}

async fn the_request_log_line_names_method_path_status_latency_and_user(app: TestApp) {
    log_capture();
    let user = app.user("dot").await;
    let request_id = uuid::Uuid::new_v4().to_string();

    let response = app
        .get("/users/me")
        .bearer_auth(&user.token)
        .header("x-request-id", &request_id)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let line = served_line(&request_id);
    for field in
        ["method=GET", "path=/users/me", "status=200", "latency_ms=", &format!("user_id={}", user.id)]
    {
        assert!(line.contains(field), "{field} on {line}");
    }
}

async fn without_a_traceparent_a_trace_id_is_generated(app: TestApp) {
    log_capture();
    let (first, second) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());

    app.get("/health").header("x-request-id", &first).send().await.unwrap();
    app.get("/health").header("x-request-id", &second).send().await.unwrap();

    let (first, second) = (trace_id_of(&served_line(&first)), trace_id_of(&served_line(&second)));
    assert!(is_trace_id(&first) && is_trace_id(&second), "{first}, {second}");
    assert_ne!(first, second, "a new trace per request");
}

async fn an_invalid_traceparent_is_ignored(app: TestApp) {
    log_capture();
    let trace_id = random_trace_id();
    let parent = &random_trace_id()[..16];
    for invalid in [
        format!("00-{}-{parent}-01", trace_id.to_uppercase()),
        format!("ff-{trace_id}-{parent}-01"),
        format!("00-{trace_id}-{parent}-01-extra"),
        format!("00-{trace_id}-0000000000000000-01"),
        format!("00-{trace_id}-{parent}"),
        format!("00-{}-{parent}-01", &trace_id[..31]),
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01".to_owned(),
        "garbage".to_owned(),
    ] {
        let request_id = uuid::Uuid::new_v4().to_string();

        let response = app
            .get("/health")
            .header("x-request-id", &request_id)
            .header("traceparent", &invalid)
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), StatusCode::OK, "{invalid}");
        let logged = trace_id_of(&served_line(&request_id));
        assert!(is_trace_id(&logged), "{invalid}: {logged}");
        assert_ne!(logged, trace_id, "{invalid} is not honoured");
    }
}

async fn a_short_visible_request_id_is_echoed(app: TestApp) {
    for sent in ["trace-me-123".to_owned(), "!~#$%&'*+-.^_`|".to_owned(), "x".repeat(128)] {
        let response = app.get("/health").header("x-request-id", &sent).send().await.unwrap();

        assert_eq!(response.headers()["x-request-id"], sent.as_str());
    }
}

async fn an_unusable_request_id_is_replaced(app: TestApp) {
    log_capture();
    for sent in [String::new(), "x".repeat(129), "y".repeat(8 * 1024), "has space".to_owned(), " ".to_owned()]
    {
        let response = app.get("/health").header("x-request-id", &sent).send().await.unwrap();

        assert_eq!(response.status(), StatusCode::OK, "{} bytes", sent.len());
        let replaced = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(replaced, sent);
        assert!(
            !replaced.is_empty() && replaced.len() <= 128 && replaced.bytes().all(|b| b.is_ascii_graphic()),
            "{replaced:?}"
        );
        served_line(&replaced);
    }
}

async fn every_answer_carries_a_request_id(app: TestApp) {
    let answers = [
        app.get("/health").send().await.unwrap(),
        app.get("/no/such/route").send().await.unwrap(),
        app.delete("/health").send().await.unwrap(),
        app.post("/properties", &json!({})).send().await.unwrap(),
        app.get("/properties?limit=0").send().await.unwrap(),
    ];

    let statuses: Vec<u16> = answers.iter().map(|answer| answer.status().as_u16()).collect();
    assert_eq!(statuses, [200, 404, 405, 401, 400]);
    let mut ids: Vec<&str> =
        answers.iter().map(|answer| answer.headers()["x-request-id"].to_str().unwrap()).collect();
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), answers.len(), "one id per request");
}

// ---------------------------------------------------------------------------
// Idempotent creation (§4.3)

const REPLAYED: &str = "idempotent-replayed";

/// What a client can compare between two answers.
#[derive(Debug, PartialEq)]
struct Answer {
    status: StatusCode,
    location: Option<String>,
    etag: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Answer {
    async fn of(response: Response) -> (Self, Option<String>) {
        let header =
            |name: &str| response.headers().get(name).map(|value| value.to_str().unwrap().to_owned());
        let replayed = header(REPLAYED);
        let answer = Self {
            status: response.status(),
            location: header("location"),
            etag: header("etag"),
            content_type: header("content-type"),
            body: String::new(),
        };
        let body = response.text().await.unwrap();
        (Self { body, ..answer }, replayed)
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn property_body(name: &str) -> Value {
    json!({"name": name, "property_type": "house", "city": "Lyon"})
}

async fn create_property(app: &TestApp, user: &TestUser, key: &str, body: &Value) -> Response {
    app.post("/properties", body)
        .bearer_auth(&user.token)
        .header("idempotency-key", key)
        .send()
        .await
        .unwrap()
}

/// The properties `user` owns, by id.
async fn properties_of(app: &TestApp, user: &TestUser) -> Vec<i64> {
    let page: Value = app
        .get(&format!("/properties?owner_id={}&limit=100", user.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect()
}

async fn a_retried_property_creation_is_replayed_by_another_instance(app: TestApp) {
    let owner = app.user("tao").await;
    let other = app.another_instance().await;
    let (key, body) = (new_key(), property_body("Riverside"));
    let (first, first_replayed) = Answer::of(create_property(&app, &owner, &key, &body).await).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first_replayed, None, "the first answer is not a replay");

    let (retry, replayed) = Answer::of(create_property(&other, &owner, &key, &body).await).await;

    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(retry, first, "the same status, body, Location and ETag");
    assert!(first.location.is_some() && first.etag.is_some(), "{first:?}");
    assert_eq!(properties_of(&app, &owner).await, [first.json()["id"].as_i64().unwrap()], "created once");
}

async fn a_retried_room_creation_is_replayed_by_another_instance(app: TestApp) {
    let owner = app.user("uma").await;
    let other = app.another_instance().await;
    let property = app.property(&owner, "Lyon", 0).await;
    let path = format!("/properties/{}/rooms", property["id"]);
    let (key, body) = (new_key(), json!({"name": "Kitchen", "kind": "kitchen", "area_m2": 9.5}));
    let post = |instance: &TestApp| {
        instance.post(&path, &body).bearer_auth(&owner.token).header("idempotency-key", &key).send()
    };
    let (first, _) = Answer::of(post(&app).await.unwrap()).await;
    assert_eq!(first.status, StatusCode::CREATED);

    let (retry, replayed) = Answer::of(post(&other).await.unwrap()).await;

    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(retry, first);
    assert_eq!(first.etag.as_deref(), Some("\"2\""), "the property's version after the room");
    let rooms: Vec<Value> = app.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(rooms.len(), 1, "one room created");
    let current: Value =
        app.get(&format!("/properties/{}", property["id"])).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["version"], 2, "changed once");
}

async fn a_retried_property_type_creation_is_replayed_by_another_instance(app: TestApp) {
    let admin = app.admin().await;
    let other = app.another_instance().await;
    let (key, body) = (new_key(), json!({"slug": "chalet", "name": "Chalet"}));
    let post = |instance: &TestApp| {
        instance
            .post("/property-types", &body)
            .bearer_auth(&admin.token)
            .header("idempotency-key", &key)
            .send()
    };
    let (first, _) = Answer::of(post(&app).await.unwrap()).await;
    assert_eq!(first.status, StatusCode::CREATED);

    let (retry, replayed) = Answer::of(post(&other).await.unwrap()).await;

    assert_eq!(replayed.as_deref(), Some("true"));
    assert_eq!(retry, first, "a replay, not the 409 of a second creation");
    let types: Vec<Value> = app.get("/property-types").send().await.unwrap().json().await.unwrap();
    assert_eq!(types.iter().filter(|t| t["slug"] == "chalet").count(), 1);
    assert_eq!(types.len(), 9, "the eight seeded and one created");
}

async fn the_same_key_for_another_request_is_a_422_naming_the_key(app: TestApp) {
    let owner = app.user("vic").await;
    let key = new_key();
    let created = create_property(&app, &owner, &key, &property_body("First")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let property: Value = created.json().await.unwrap();

    let other_body = create_property(&app, &owner, &key, &property_body("Second")).await;
    let other_path = app
        .post(&format!("/properties/{}/rooms", property["id"]), &property_body("First"))
        .bearer_auth(&owner.token)
        .header("idempotency-key", &key)
        .send()
        .await
        .unwrap();

    for response in [other_body, other_path] {
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem_fields(&problem), ["Idempotency-Key"], "{problem}");
    }
    assert_eq!(properties_of(&app, &owner).await.len(), 1, "nothing more created");
}

async fn idempotency_keys_are_scoped_to_their_user(app: TestApp) {
    let (alice, bob) = (app.user("wes").await, app.user("xia").await);
    let (key, body) = (new_key(), property_body("Same key"));

    let (alices, _) = Answer::of(create_property(&app, &alice, &key, &body).await).await;
    let (bobs, bob_replayed) = Answer::of(create_property(&app, &bob, &key, &body).await).await;

    assert_eq!((alices.status, bobs.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(bob_replayed, None, "another user's key is another key");
    assert_ne!(alices.json()["id"], bobs.json()["id"]);
    assert_eq!(bobs.json()["owner_id"], bob.id);
    let alice_again = TestUser { token: app.login(&alice.email, PASSWORD).await, ..alice.clone() };
    let (retry, replayed) = Answer::of(create_property(&app, &alice_again, &key, &body).await).await;
    assert_eq!(replayed.as_deref(), Some("true"), "the user, not the token, owns the key");
    assert_eq!(retry, alices);
}

async fn concurrent_requests_with_one_new_key_create_one_property(app: TestApp) {
    let owner = app.user("yan").await;
    let other = app.another_instance().await;
    let (key, body) = (new_key(), property_body("Rush"));

    let handles: Vec<_> = (0..16)
        .map(|i| {
            let instance = if i % 2 == 0 { &app } else { &other };
            let request =
                instance.post("/properties", &body).bearer_auth(&owner.token).header("idempotency-key", &key);
            tokio::spawn(async move { Answer::of(request.send().await.unwrap()).await })
        })
        .collect();
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.unwrap());
    }

    let created = properties_of(&app, &owner).await;
    assert_eq!(created.len(), 1, "exactly one property: {answers:#?}");
    let originals: Vec<_> = answers
        .iter()
        .filter(|(answer, replayed)| answer.status == StatusCode::CREATED && replayed.is_none())
        .collect();
    assert_eq!(originals.len(), 1, "one request processed: {answers:#?}");
    let original = &originals[0].0;
    assert_eq!(original.json()["id"], created[0]);
    for (answer, replayed) in &answers {
        match answer.status {
            StatusCode::CREATED if replayed.is_some() => {
                assert_eq!(answer, original, "a replay of the original")
            }
            StatusCode::CREATED => {}
            StatusCode::CONFLICT => {
                assert_eq!(answer.content_type.as_deref(), Some("application/problem+json"));
                assert_eq!(answer.json()["status"], 409);
            }
            status => panic!("neither the answer, its replay nor a 409: {status} {}", answer.body),
        }
    }
}

async fn a_malformed_idempotency_key_is_a_400(app: TestApp) {
    let owner = app.user("zoe").await;
    for key in [String::new(), "k".repeat(256), "has space".to_owned(), "tab\tkey".to_owned()] {
        let response = create_property(&app, &owner, &key, &property_body("Odd key")).await;

        assert_problem(response, StatusCode::BAD_REQUEST).await;
    }
    let non_ascii = app
        .post("/properties", &property_body("Odd key"))
        .bearer_auth(&owner.token)
        .header("idempotency-key", reqwest::header::HeaderValue::from_bytes(b"cl\xc3\xa9").unwrap())
        .send()
        .await
        .unwrap();
    assert_problem(non_ascii, StatusCode::BAD_REQUEST).await;
    assert!(properties_of(&app, &owner).await.is_empty(), "nothing created");

    let longest = create_property(&app, &owner, &"k".repeat(255), &property_body("Long key")).await;
    assert_eq!(longest.status(), StatusCode::CREATED, "255 characters are allowed");
}

async fn a_malformed_idempotency_key_without_a_token_is_a_401(app: TestApp) {
    let response = app
        .post("/properties", &property_body("No token"))
        .header("idempotency-key", "has space")
        .send()
        .await
        .unwrap();

    let headers = response.headers().clone();
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
    assert!(headers.contains_key("www-authenticate"), "authentication is checked first");
}

/// Sends `body` to `path` in chunks (no `Content-Length`, as a streaming
/// client does) over a plain socket; returns the status and the answer.
async fn post_chunked(app: &TestApp, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> (u16, String) {
    use std::io::{Read as _, Write as _};

    let address = app.address.trim_start_matches("http://").to_owned();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    head.push_str("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        for chunk in body.chunks(4096) {
            // The service may answer and close before the whole body is sent.
            if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).is_err()
                || stream.write_all(chunk).is_err()
                || stream.write_all(b"\r\n").is_err()
            {
                break;
            }
        }
        let _ = stream.write_all(b"0\r\n\r\n");
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        (status, answer)
    })
    .await
    .unwrap()
}

async fn an_oversized_streamed_body_with_a_key_is_a_413(app: TestApp) {
    let owner = app.user("cy").await;
    let description = "x".repeat(app.settings.http.body_limit_bytes);
    let body = serde_json::to_vec(
        &json!({"name": "Big", "property_type": "house", "city": "Lyon", "description": description}),
    )
    .unwrap();
    let bearer = format!("Bearer {}", owner.token);
    let key = new_key();

    let (without_key, _) =
        post_chunked(&app, "/properties", &[("Authorization", &bearer)], body.clone()).await;
    let (with_key, answer) =
        post_chunked(&app, "/properties", &[("Authorization", &bearer), ("Idempotency-Key", &key)], body)
            .await;

    assert_eq!(without_key, 413, "the limit without a key");
    assert_eq!(with_key, 413, "the same limit with a key: {answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(properties_of(&app, &owner).await.is_empty());
}

async fn without_the_header_every_post_creates(app: TestApp) {
    let owner = app.user("abe").await;
    let body = property_body("Twice");

    let first = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();
    let second = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();

    assert_eq!((first.status(), second.status()), (StatusCode::CREATED, StatusCode::CREATED));
    assert!(first.headers().get(REPLAYED).is_none() && second.headers().get(REPLAYED).is_none());
    assert_eq!(properties_of(&app, &owner).await.len(), 2);
}

/// The key concerns the creations only: a read or an unknown method on a
/// creation's path, with a key already used, is answered as without it.
async fn a_key_on_another_method_than_post_is_ignored(app: TestApp) {
    let owner = app.user("cy").await;
    let key = new_key();
    let created = create_property(&app, &owner, &key, &property_body("Kept")).await;
    assert_eq!(created.status(), StatusCode::CREATED);

    let read = |method: reqwest::Method| {
        app.request(method, "/properties").bearer_auth(&owner.token).header("idempotency-key", &key).send()
    };
    let page = read(reqwest::Method::GET).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().get(REPLAYED).is_none(), "a read is never replayed");
    let page: Value = page.json().await.unwrap();
    assert!(page["items"].is_array(), "the page itself: {page}");
    for method in [reqwest::Method::PUT, reqwest::Method::from_bytes(b"TRACE").unwrap()] {
        let answer = read(method.clone()).await.unwrap();
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
    }
    let again = read(reqwest::Method::GET).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK, "a read under the key is not kept either");
    assert!(again.headers().get(REPLAYED).is_none());
}

async fn an_invalid_creation_is_kept_under_its_key_so_its_correction_needs_a_new_key(app: TestApp) {
    let owner = app.user("bea").await;
    let key = new_key();
    let invalid = json!({"name": "", "property_type": "house", "city": "Lyon"});
    let (first, _) = Answer::of(create_property(&app, &owner, &key, &invalid).await).await;
    assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&first.json()), ["name"]);

    let (retry, replayed) = Answer::of(create_property(&app, &owner, &key, &invalid).await).await;
    let corrected = create_property(&app, &owner, &key, &property_body("Corrected")).await;

    assert_eq!(replayed.as_deref(), Some("true"), "the 422 is the kept answer");
    assert_eq!(retry, first);
    let problem = assert_problem(corrected, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["Idempotency-Key"], "another body under a used key");
    let with_new_key = create_property(&app, &owner, &new_key(), &property_body("Corrected")).await;
    assert_eq!(with_new_key.status(), StatusCode::CREATED);
}

// ---------------------------------------------------------------------------
// Health

async fn ready_and_health_answer_200_on_a_healthy_database(app: TestApp) {
    let ready = app.get("/ready").send().await.unwrap();
    let health = app.get("/health").send().await.unwrap();

    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

crate::on_every_backend!(
    requests_are_counted_by_method_route_template_and_status,
    metrics_describe_the_pool_the_hasher_and_the_build,
    the_throttling_counters_are_exposed_before_anything_is_throttled,
    a_throttled_login_moves_the_throttled_logins_counter,
    a_rate_limited_request_moves_the_rate_limited_counter,
    metrics_move_to_their_own_listener_when_asked,
    metrics_turned_off_are_neither_served_nor_documented,
    a_client_past_its_burst_gets_a_429_problem_with_retry_after,
    every_answer_of_a_limited_route_carries_the_rate_limit_fields,
    two_users_have_separate_buckets_from_one_address,
    an_anonymous_client_is_counted_by_its_address,
    x_forwarded_for_from_an_untrusted_peer_is_ignored,
    x_forwarded_for_from_a_trusted_proxy_names_the_client,
    a_rate_of_zero_turns_limiting_off,
    a_refused_client_is_served_again_after_retry_after,
    a_valid_traceparent_puts_its_trace_id_on_the_request_log_line,
    the_request_log_line_names_method_path_status_latency_and_user,
    without_a_traceparent_a_trace_id_is_generated,
    an_invalid_traceparent_is_ignored,
    a_short_visible_request_id_is_echoed,
    an_unusable_request_id_is_replaced,
    every_answer_carries_a_request_id,
    a_retried_property_creation_is_replayed_by_another_instance,
    a_retried_room_creation_is_replayed_by_another_instance,
    a_retried_property_type_creation_is_replayed_by_another_instance,
    the_same_key_for_another_request_is_a_422_naming_the_key,
    idempotency_keys_are_scoped_to_their_user,
    concurrent_requests_with_one_new_key_create_one_property,
    a_malformed_idempotency_key_is_a_400,
    a_malformed_idempotency_key_without_a_token_is_a_401,
    an_oversized_streamed_body_with_a_key_is_a_413,
    without_the_header_every_post_creates,
    a_key_on_another_method_than_post_is_ignored,
    an_invalid_creation_is_kept_under_its_key_so_its_correction_needs_a_new_key,
    ready_and_health_answer_200_on_a_healthy_database,
);
