//! Slow and idle clients cannot hold the service: a request head must
//! arrive within the header timeout, an idle keep-alive connection is
//! closed after the idle timeout, connections over the cap get a clean 503,
//! and a graceful shutdown ends within its grace whatever the clients do.

use std::time::{Duration, Instant};

use realty::{Application, Settings};
use realty_adapters_http::server::ServerConfig;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app_with, test_settings};
use crate::raw::{Raw, socket_address};

/// Generous: what the server is asked for is a few hundred milliseconds.
const BOUND: Duration = Duration::from_secs(3);

fn short_timeouts(settings: &mut Settings) {
    settings.server = ServerConfig {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(500),
        ..ServerConfig::default()
    };
}

async fn app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(Backend::Sqlite, adjust).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_never_ends_is_closed_after_the_header_timeout() {
    let app = app_with(short_timeouts).await;
    let mut slow = Raw::connect(socket_address(&app.address)).await;
    // A slowloris: a header line every 50 ms, never the blank line that ends
    // the head. Bytes keep moving, so only the header timeout can end it.
    assert!(slow.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n").await);
    let started = Instant::now();
    let drip = async {
        while slow.send(b"X-Drip: 1\r\n").await && started.elapsed() < BOUND * 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(BOUND, drip).await.expect("the server closed the dripping connection");
    let held = started.elapsed();
    eprintln!("slow clients: a dripping request head was held {held:?}");

    let served = app.get("/health").send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK, "others are served meanwhile");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let app = app_with(short_timeouts).await;
    let mut kept_alive = Raw::connect(socket_address(&app.address)).await;
    assert!(kept_alive.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n\r\n").await);
    let answer = kept_alive.response(BOUND).await.expect("an answer");
    assert_eq!(answer.status, 200);
    let mut silent = Raw::connect(socket_address(&app.address)).await;

    let (after_a_request, without_a_request) =
        tokio::join!(kept_alive.closed_within(BOUND), silent.closed_within(BOUND));

    let after_a_request = after_a_request.expect("the idle keep-alive connection closed");
    let without_a_request = without_a_request.expect("the connection that never sent a byte closed");
    eprintln!("slow clients: idle connections closed after {after_a_request:?} and {without_a_request:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_connection_cap_a_client_reads_a_503_and_the_others_are_served() {
    let cap = 4;
    let app = app_with(|settings| {
        // Long timeouts: the connections held here must stay held.
        settings.server = ServerConfig { max_connections: cap, ..ServerConfig::default() };
    })
    .await;
    let address = socket_address(&app.address);
    let mut slow = Vec::new();
    for _ in 0..cap - 1 {
        let mut connection = Raw::connect(address).await;
        assert!(connection.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n").await);
        slow.push(connection);
    }
    let mut served = Raw::connect(address).await;
    assert!(served.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n\r\n").await);
    assert_eq!(served.response(BOUND).await.expect("an answer within the cap").status, 200);

    let started = Instant::now();
    let mut extra = Raw::connect(address).await;
    let _ = extra.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n\r\n").await;
    let refused = extra.response(BOUND).await.expect("a refusal, not a silent close");
    let refused_in = started.elapsed();
    eprintln!("slow clients: over the cap of {cap}, refused in {refused_in:?}");

    assert_eq!(refused.status, 503, "{refused:?}");
    assert!(refused.header("retry-after").is_some_and(|secs| secs.parse::<u64>().is_ok()), "{refused:?}");
    assert_eq!(refused.header("connection"), Some("close"), "{refused:?}");
    assert_eq!(refused.header("content-type"), Some("application/problem+json"));
    let problem: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(problem["status"], 503);
    assert!(extra.closed_within(BOUND).await.is_some(), "the refused connection is closed");
    // The connection inside the cap is still served.
    assert!(served.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n\r\n").await);
    assert_eq!(served.response(BOUND).await.expect("still served").status, 200);

    // Once the slow clients leave, their places are free again.
    drop(slow);
    drop(served);
    let started = Instant::now();
    loop {
        let mut next = Raw::connect(address).await;
        let _ = next.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n\r\n").await;
        if next.response(BOUND).await.is_some_and(|answer| answer.status == 200) {
            break;
        }
        assert!(started.elapsed() < BOUND, "places freed once the clients left");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_ends_within_its_grace_whatever_the_clients_do() {
    let grace = Duration::from_secs(1);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(format!("sqlite://{}", dir.path().join("realty.db").display()));
    // Long client timeouts, so that only the grace can end what follows.
    settings.server = ServerConfig {
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        shutdown_grace: grace,
        ..ServerConfig::default()
    };
    settings.http.body_stall_timeout = Duration::from_secs(30);
    let application = Application::build(&settings).await.unwrap();
    let address = application.local_addr().unwrap().to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(application.run_until(async {
        let _ = stopped.await;
    }));

    let mut idle = Raw::connect(&address).await;
    assert!(idle.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n\r\n").await);
    assert_eq!(idle.response(BOUND).await.unwrap().status, 200);
    let mut silent = Raw::connect(&address).await;
    let mut half_a_head = Raw::connect(&address).await;
    assert!(half_a_head.send(b"GET /health HTTP/1.1\r\nHost: realty\r\n").await);
    let register = json!({
        "email": "grace@example.com", "password": crate::helpers::PASSWORD,
        "first_name": "Grace", "last_name": "Hopper"
    })
    .to_string();
    let head = format!(
        "POST /users HTTP/1.1\r\nHost: realty\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        register.len()
    );
    let (first_half, second_half) = register.split_at(register.len() / 2);
    // In flight, and finishing within the grace: answered.
    let mut finishing = Raw::connect(&address).await;
    assert!(finishing.send(format!("{head}{first_half}").as_bytes()).await);
    // In flight, never finishing: cut when the grace is over.
    let mut stalled = Raw::connect(&address).await;
    assert!(stalled.send(format!("{head}{first_half}").as_bytes()).await);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(finishing.send(second_half.as_bytes()).await);
    let answered = finishing.response(BOUND).await.expect("an in-flight request finishes during the grace");
    assert_eq!(answered.status, 201, "{answered:?}");
    assert!(
        tokio::net::TcpStream::connect(&address).await.is_err(),
        "no new connection is accepted once shutdown began"
    );

    tokio::time::timeout(grace + BOUND, running).await.expect("shutdown within the grace").unwrap().unwrap();
    let took = started.elapsed();
    eprintln!("slow clients: shutdown with idle, silent, half-sent and stalled clients took {took:?}");
    for (what, connection) in [
        ("idle", &mut idle),
        ("silent", &mut silent),
        ("half a head", &mut half_a_head),
        ("stalled body", &mut stalled),
    ] {
        assert!(connection.closed_within(Duration::from_millis(500)).await.is_some(), "{what} closed");
    }
}
