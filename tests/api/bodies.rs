//! Request bodies that are too large, never arrive or are not read: an
//! answer at once, `Connection: close` when the body was left unread, and
//! a connection a client can rely on afterwards.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_problem, spawn_app_with};
use crate::raw::{Raw, RawResponse, socket_address};

/// "At once": no body byte is awaited.
const AT_ONCE: Duration = Duration::from_secs(2);

async fn app_with(adjust: impl FnOnce(&mut realty::Settings)) -> TestApp {
    spawn_app_with(Backend::Sqlite, adjust).await.unwrap()
}

fn assert_problem_closing(answer: &RawResponse, status: u16) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"), "the body was not read: {answer:?}");
    let problem: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(problem["status"], status, "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_content_length_over_the_limit_is_a_413_at_once() {
    let app = app_with(|_| {}).await;
    let owner = app.user("leo").await;
    let declared = app.settings.http.body_limit_bytes * 100;
    for (path, token) in [("/properties", Some(&owner.token)), ("/users", None)] {
        let mut client = Raw::connect(socket_address(&app.address)).await;
        let authorization =
            token.map(|token| format!("Authorization: Bearer {token}\r\n")).unwrap_or_default();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: realty\r\n{authorization}Content-Type: application/json\r\n\
             Content-Length: {declared}\r\n\r\n"
        );
        assert!(client.send(head.as_bytes()).await);

        let started = Instant::now();
        let answer = client.response(AT_ONCE * 2).await.expect("an answer without the body");
        eprintln!(
            "bodies: {declared} bytes declared on {path}: {} in {:?}",
            answer.status,
            started.elapsed()
        );
        assert!(started.elapsed() < AT_ONCE, "{:?}", started.elapsed());
        assert_problem_closing(&answer, 413);
        assert!(client.closed_within(AT_ONCE).await.is_some(), "the connection is closed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_that_stops_is_a_400_within_the_stall_timeout() {
    let stall = Duration::from_millis(500);
    let app = app_with(|settings| settings.http.body_stall_timeout = stall).await;
    let owner = app.user("mae").await;
    // The largest chunk size there is, then nothing: a client that promises
    // 16 EiB and stops.
    let mut client = Raw::connect(socket_address(&app.address)).await;
    let head = format!(
        "POST /properties HTTP/1.1\r\nHost: realty\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
        owner.token
    );
    assert!(client.send(head.as_bytes()).await);

    let started = Instant::now();
    let answer = client.response(stall + AT_ONCE * 2).await.expect("an answer while the body stalls");
    let elapsed = started.elapsed();
    eprintln!("bodies: a stalled chunked body answered {} in {elapsed:?}", answer.status);
    assert!(elapsed < stall + AT_ONCE, "{elapsed:?}");
    assert_problem_closing(&answer, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_refused_unread_closes_the_connection_and_the_client_carries_on() {
    // A limit above the body, so that what refuses it is the missing token.
    let app = app_with(|settings| settings.http.body_limit_bytes = 1024 * 1024).await;
    let body =
        json!({"name": "x", "property_type": "house", "city": "Lyon", "description": "d".repeat(100_000)})
            .to_string();
    for round in 0..5 {
        let refused = app
            .request(Method::POST, "/properties")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap_or_else(|error| panic!("round {round}: the 401 was lost: {error:?}"));
        assert_eq!(refused.headers().get("connection").map(|v| v.to_str().unwrap()), Some("close"));
        assert_problem(refused, StatusCode::UNAUTHORIZED).await;

        let next = app.get("/health").send().await.unwrap_or_else(|error| panic!("round {round}: {error:?}"));
        assert_eq!(next.status(), StatusCode::OK, "round {round}");
    }
}
