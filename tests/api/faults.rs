//! The database goes away and comes back (PostgreSQL only, through a proxy
//! the test controls, so that the machine's server keeps running): while it
//! is unreachable, requests get a prompt 503 with `Retry-After`, `/ready`
//! is 503 and `/health` 200; once it is back, the service recovers by itself;
//! a restart under load costs no 5xx.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestApp, TestUser, pg_client, postgres_url, spawn_app_with};
use crate::proxy::{Proxy, through, upstream_of};

/// The bound asserted on a 503 during an outage: the pool's connection
/// timeout (1 s here) or the statement timeout (2 s), with room to spare,
/// and far below the request timeout (30 s).
const PROMPT: Duration = Duration::from_secs(5);
/// How long the service may take to serve again once the database is back.
const RECOVERY: Duration = Duration::from_secs(10);
/// A request that takes longer is a hang, whatever the test expects.
const HANG: Duration = Duration::from_secs(20);

/// A service on PostgreSQL through a proxy, with short pool timeouts.
struct Setup {
    app: TestApp,
    proxy: Proxy,
    /// The server itself, bypassing the proxy.
    direct_url: String,
    /// Names the service's connections in `pg_stat_activity`.
    application_name: String,
}

/// `None` (having said why) when PostgreSQL is not configured.
async fn through_proxy() -> Option<Setup> {
    let direct_url = postgres_url()?;
    let proxy = Proxy::start(upstream_of(&direct_url)).await;
    let application_name = format!("realty_faults_{}", uuid::Uuid::new_v4().simple());
    let address = proxy.address();
    let app = spawn_app_with(Backend::Postgres, |settings| {
        let url = through(settings.database.url.expose_secret(), address);
        settings.database.url = SecretString::from(format!("{url}&application_name={application_name}"));
        settings.database.pool.connection_timeout = Duration::from_secs(1);
        settings.database.pool.statement_timeout = Duration::from_secs(2);
    })
    .await?;
    Some(Setup { app, proxy, direct_url, application_name })
}

/// One answer, timed.
#[derive(Debug)]
struct Answer {
    what: &'static str,
    status: StatusCode,
    elapsed: Duration,
    retry_after: Option<String>,
    body: Value,
}

async fn timed(what: &'static str, request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    let response = request.timeout(HANG).send().await.unwrap_or_else(|error| panic!("{what}: {error}"));
    let elapsed = started.elapsed();
    let status = response.status();
    let retry_after = response.headers().get("retry-after").map(|value| value.to_str().unwrap().to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer { what, status, elapsed, retry_after, body }
}

fn new_property(name: &str) -> Value {
    json!({"name": name, "property_type": "house", "city": "Lyon"})
}

/// Every kind of request at once, each timed from its own start.
async fn every_kind_of_request(app: &TestApp, owner: &TestUser, property_id: i64) -> Vec<Answer> {
    let path = format!("/properties/{property_id}");
    let login = json!({"email": owner.email, "password": PASSWORD});
    let (list, one, create, token, ready, health) = tokio::join!(
        timed("GET /properties", app.get("/properties")),
        timed("GET /properties/{id}", app.get(&path)),
        timed("POST /properties", app.post("/properties", &new_property("During")).bearer_auth(&owner.token)),
        timed("POST /auth/token", app.post("/auth/token", &login)),
        timed("GET /ready", app.get("/ready")),
        timed("GET /health", app.get("/health")),
    );
    vec![list, one, create, token, ready, health]
}

fn assert_prompt_unavailable(answers: &[Answer]) {
    for answer in answers {
        let Answer { what, status, elapsed, .. } = answer;
        eprintln!("outage: {what} -> {status} in {elapsed:?}");
        assert!(*elapsed < PROMPT, "{what} took {elapsed:?}: {answer:?}");
        if *what == "GET /health" {
            assert_eq!(*status, StatusCode::OK, "{answer:?}");
            continue;
        }
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{answer:?}");
        assert_eq!(answer.body["type"], "urn:realty:problem:unavailable", "a storage 503: {answer:?}");
        assert_eq!(answer.body["status"], 503, "{answer:?}");
        let retry_after = answer.retry_after.as_deref().unwrap_or_else(|| panic!("Retry-After: {answer:?}"));
        assert!(retry_after.parse::<u64>().is_ok_and(|secs| secs >= 1), "{answer:?}");
    }
}

/// Polls until `/ready` is 200; returns how long that took.
async fn until_ready(app: &TestApp) -> Duration {
    let started = Instant::now();
    loop {
        let answer = timed("GET /ready", app.get("/ready")).await;
        assert!(
            !answer.status.is_server_error() || answer.status == StatusCode::SERVICE_UNAVAILABLE,
            "{answer:?}"
        );
        if answer.status == StatusCode::OK {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < RECOVERY,
            "not ready {RECOVERY:?} after the database came back: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Once ready, every request is served: ten reads and writes at once, more
/// than the pool holds, so that no connection left over from the outage can
/// hide.
async fn assert_serves_everything(app: &TestApp, owner: &TestUser, property_id: i64) {
    let path = format!("/properties/{property_id}");
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..10 {
        let request = match i % 4 {
            0 => app.get(&path),
            1 => app.get("/properties?limit=5"),
            2 => app.post("/properties", &new_property("After")).bearer_auth(&owner.token),
            _ => app.patch(&path, &json!({"description": format!("after {i}")})).bearer_auth(&owner.token),
        };
        requests.spawn(timed("after recovery", request));
    }
    while let Some(answer) = requests.join_next().await {
        let answer = answer.unwrap();
        assert!(answer.status.is_success(), "a request after recovery failed: {answer:?}");
    }
    let login = app.post("/auth/token", &json!({"email": owner.email, "password": PASSWORD}));
    assert_eq!(timed("POST /auth/token", login).await.status, StatusCode::OK);
}

#[derive(Debug, Clone, Copy)]
enum Outage {
    Cut,
    Blackhole,
}

async fn outage(kind: Outage) {
    let Some(Setup { app, proxy, .. }) = through_proxy().await else { return };
    let owner = app.user("otto").await;
    let property_id = app.property(&owner, "Lyon", 1).await["id"].as_i64().unwrap();

    match kind {
        Outage::Cut => proxy.cut(),
        Outage::Blackhole => proxy.blackhole(),
    }
    // Twice: the first round finds the pool's idle connections, the second
    // an empty pool (or one full of connections that never opened).
    for _ in 0..2 {
        let answers = every_kind_of_request(&app, &owner, property_id).await;
        assert_prompt_unavailable(&answers);
    }
    // And while requests keep arriving, none waits longer than the first.
    let mut storm = tokio::task::JoinSet::new();
    for _ in 0..12 {
        storm.spawn(timed("GET /properties/{id}", app.get(&format!("/properties/{property_id}"))));
    }
    let mut slowest = Duration::ZERO;
    while let Some(answer) = storm.join_next().await {
        let answer = answer.unwrap();
        slowest = slowest.max(answer.elapsed);
        assert_prompt_unavailable(&[answer]);
    }
    eprintln!("outage ({kind:?}): slowest of 12 concurrent reads {slowest:?}");

    proxy.restore();
    let recovered = until_ready(&app).await;
    eprintln!("outage ({kind:?}): ready again {recovered:?} after the database came back");
    assert_serves_everything(&app, &owner, property_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_down_gets_prompt_503s_and_the_service_recovers_by_itself() {
    outage(Outage::Cut).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_loses_every_packet_gets_prompt_503s_and_the_service_recovers_by_itself() {
    outage(Outage::Blackhole).await;
}

/// What a request was and how it ended (a status, or a transport error).
type Outcome = (&'static str, Result<StatusCode, String>);

/// A steady load of reads and writes on one property.
struct Load {
    answers: Arc<Mutex<Vec<Outcome>>>,
    stop: tokio::sync::watch::Sender<bool>,
    workers: tokio::task::JoinSet<()>,
}

impl Load {
    fn start(app: &TestApp, owner: &TestUser, property_id: i64) -> Load {
        let answers = Arc::new(Mutex::new(Vec::new()));
        let stop = tokio::sync::watch::Sender::new(false);
        let mut workers = tokio::task::JoinSet::new();
        for worker in 0..4 {
            let (client, base, token) = (app.client.clone(), app.address.clone(), owner.token.clone());
            let (answers, stop) = (Arc::clone(&answers), stop.subscribe());
            workers.spawn(async move {
                let path = format!("{base}/properties/{property_id}");
                for i in 0_u64.. {
                    if *stop.borrow() {
                        break;
                    }
                    let (what, request) = match (worker + i) % 4 {
                        0 => ("GET /properties/{id}", client.get(&path)),
                        1 => ("GET /properties", client.get(format!("{base}/properties?limit=5"))),
                        2 => (
                            "PATCH /properties/{id}",
                            client
                                .patch(&path)
                                .json(&json!({"description": format!("worker {worker} write {i}")})),
                        ),
                        _ => (
                            "POST /properties",
                            client.post(format!("{base}/properties")).json(&new_property("Load")),
                        ),
                    };
                    let outcome = request
                        .bearer_auth(&token)
                        .timeout(HANG)
                        .send()
                        .await
                        .map(|response| response.status())
                        .map_err(|error| error.to_string());
                    answers.lock().unwrap().push((what, outcome));
                }
            });
        }
        Load { answers, stop, workers }
    }

    fn answered(&self) -> usize {
        self.answers.lock().unwrap().len()
    }

    async fn finish(mut self) -> Vec<Outcome> {
        self.stop.send_replace(true);
        while let Some(worker) = self.workers.join_next().await {
            worker.unwrap();
        }
        Arc::try_unwrap(self.answers).unwrap().into_inner().unwrap()
    }
}

/// Runs the load, restarting the database three times with `restart`;
/// asserts not one answer is a 5xx (or a transport error), and that every
/// write counted once.
async fn restart_under_load(setup: &Setup, restart: impl AsyncFn() -> usize) {
    let app = &setup.app;
    let owner = app.user("rita").await;
    let property_id = app.property(&owner, "Lyon", 0).await["id"].as_i64().unwrap();

    let load = Load::start(app, &owner, property_id);
    let mut killed = Vec::new();
    for _ in 0..3 {
        let before = load.answered();
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(load.answered() > before, "the load runs");
        killed.push(restart().await);
    }
    let before = load.answered();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(load.answered() > before, "the load runs after the last restart");
    let answers = load.finish().await;

    let failures: Vec<_> = answers
        .iter()
        .filter(|(_, outcome)| outcome.as_ref().map_or(true, |status| !status.is_success()))
        .collect();
    let server_errors = failures.len();
    eprintln!(
        "restart: {} answers, {server_errors} not 2xx, connections closed per restart {killed:?}",
        answers.len()
    );
    assert!(killed.iter().all(|&n| n > 0), "each restart closed connections: {killed:?}");
    assert!(failures.is_empty(), "answers during the restarts: {failures:?}");

    let writes = answers.iter().filter(|(what, _)| *what == "PATCH /properties/{id}").count();
    let current: Value =
        app.get(&format!("/properties/{property_id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        current["version"],
        1 + writes,
        "each write applied exactly once (none lost, none retried twice)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_under_load_costs_no_5xx() {
    let Some(setup) = through_proxy().await else { return };
    let direct = pg_client(&setup.direct_url).await.unwrap();
    // What a restart does to each backend: a FATAL notice
    // ("terminating connection due to administrator command"), then the close.
    let terminate = async || {
        let row = direct
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
                &[&setup.application_name],
            )
            .await
            .unwrap();
        usize::try_from(row.get::<_, i64>(0)).unwrap()
    };
    restart_under_load(&setup, terminate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_reset_under_load_cost_no_5xx() {
    let Some(setup) = through_proxy().await else { return };
    // What a crash or a network reset does: every socket closed, no notice.
    let reset = async || {
        let open = setup.proxy.open_connections();
        setup.proxy.drop_connections();
        open
    };
    restart_under_load(&setup, reset).await;
}
