//! The listener and the body guard, driven over real sockets by raw HTTP/1.1 clients.
//!
//! Timeouts are configured at a few hundred milliseconds and outcomes are asserted with bounds an order
//! of magnitude larger, so a loaded machine does not fail them.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::routing::{get, post};
use realty_adapters_http::HttpService;
use realty_adapters_http::server::{ServerConfig, body_guard_layer, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};

const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(60);
/// Bound for "happens soon": many times any configured timeout.
const SOON: Duration = Duration::from_secs(5);

fn config(header_timeout: Duration, idle_timeout: Duration) -> ServerConfig {
    ServerConfig { max_connections: 16, header_timeout, idle_timeout, shutdown_grace: LONG }
}

/// `/slow` and `/stuck` notify `entered` when their handler starts, so a test knows its request is in
/// flight.
fn router(entered: Arc<Notify>) -> Router {
    let slow_entered = Arc::clone(&entered);
    Router::new()
        .route("/fast", get(|| async { "fast" }))
        .route(
            "/slow",
            get(|| async move {
                slow_entered.notify_one();
                sleep(Duration::from_millis(500)).await;
                "slow"
            }),
        )
        .route(
            "/stuck",
            get(|| async move {
                entered.notify_one();
                sleep(LONG).await;
                "stuck"
            }),
        )
        .route("/peer", get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }))
        .route(
            "/echo",
            post(|body: Body| async move {
                match axum::body::to_bytes(body, 1 << 20).await {
                    Ok(bytes) => (StatusCode::OK, bytes.to_vec()),
                    Err(error) => (StatusCode::BAD_REQUEST, error.to_string().into_bytes()),
                }
            }),
        )
        .route("/ignore", post(|| async { StatusCode::UNAUTHORIZED }))
        .layer(body_guard_layer(SHORT))
}

struct TestServer {
    addr: SocketAddr,
    entered: Arc<Notify>,
    stop: oneshot::Sender<()>,
    served: JoinHandle<io::Result<()>>,
}

impl TestServer {
    async fn start(config: ServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let entered = Arc::new(Notify::new());
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let served =
            tokio::spawn(serve(listener, HttpService::new(router(Arc::clone(&entered))), config, shutdown));
        Self { addr, entered, stop, served }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.expect("connect")
    }

    /// Starts the shutdown and returns how long `serve` took to return.
    async fn shut_down(self) -> Duration {
        let started = Instant::now();
        self.stop.send(()).expect("server still running");
        let served = timeout(Duration::from_secs(30), self.served).await.expect("serve returned");
        served.expect("serve did not panic").expect("serve succeeded");
        started.elapsed()
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}

fn post_request(path: &str, body: &str) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{body}", body.len())
}

/// Reads one response with a `Content-Length` body, within [`SOON`].
async fn read_reply(stream: &mut TcpStream) -> Reply {
    timeout(SOON, async {
        let mut received = Vec::new();
        let head_end = loop {
            if let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") {
                break end;
            }
            let mut chunk = [0; 4096];
            let read = stream.read(&mut chunk).await.expect("read");
            assert!(read > 0, "connection closed before a full response head");
            received.extend_from_slice(&chunk[..read]);
        };
        let head = String::from_utf8(received[..head_end].to_vec()).expect("UTF-8 head");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status code");
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("header line");
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, value)| value.parse().expect("content length"));
        let mut body = received[head_end + 4..].to_vec();
        while body.len() < length {
            let mut chunk = [0; 4096];
            let read = stream.read(&mut chunk).await.expect("read");
            assert!(read > 0, "connection closed in the middle of a response body");
            body.extend_from_slice(&chunk[..read]);
        }
        Reply { status, headers, body: String::from_utf8(body).expect("UTF-8 body") }
    })
    .await
    .expect("no response in time")
}

async fn send(stream: &mut TcpStream, bytes: &str) {
    stream.write_all(bytes.as_bytes()).await.expect("write");
}

async fn exchange(stream: &mut TcpStream, request: &str) -> Reply {
    send(stream, request).await;
    read_reply(stream).await
}

/// `true` when the server closes the connection (end of stream or reset) within `within`, having sent
/// nothing more.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut chunk = [0; 1024];
    match timeout(within, stream.read(&mut chunk)).await {
        Ok(Ok(0) | Err(_)) => true,
        Ok(Ok(read)) => panic!("unexpected bytes: {:?}", String::from_utf8_lossy(&chunk[..read])),
        Err(_) => false,
    }
}

#[tokio::test]
async fn a_partial_request_head_is_cut_after_the_header_timeout() {
    let server = TestServer::start(config(SHORT, LONG)).await;
    let mut client = server.connect().await;
    send(&mut client, "GET /fast HTTP/1.1\r\nHost: test\r\n").await;
    assert!(closed_within(&mut client, SOON).await);
}

#[tokio::test]
async fn a_request_head_trickled_byte_by_byte_is_cut_after_the_header_timeout() {
    let server = TestServer::start(config(SHORT, LONG)).await;
    let client = server.connect().await;
    let (mut reader, mut writer) = client.into_split();
    let trickle = tokio::spawn(async move {
        for byte in b"GET /fast HTTP/1.1\r\nX-Slow: ".iter().chain(std::iter::repeat(&b'a')) {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            sleep(Duration::from_millis(50)).await;
        }
    });
    let mut chunk = [0; 1024];
    let read = timeout(SOON, reader.read(&mut chunk)).await.expect("the trickling client was not cut");
    assert!(matches!(read, Ok(0) | Err(_)));
    trickle.abort();
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = TestServer::start(config(LONG, SHORT)).await;
    let mut client = server.connect().await;
    assert_eq!(exchange(&mut client, &get_request("/fast")).await.status, 200);
    assert!(closed_within(&mut client, SOON).await);
}

#[tokio::test]
async fn a_connection_that_never_sends_anything_is_closed_after_the_idle_timeout() {
    let server = TestServer::start(config(LONG, SHORT)).await;
    let mut client = server.connect().await;
    assert!(closed_within(&mut client, SOON).await);
}

#[tokio::test]
async fn a_request_running_longer_than_the_idle_and_header_timeouts_is_not_cut() {
    let short = Duration::from_millis(100);
    let server = TestServer::start(config(short, short)).await;
    let mut client = server.connect().await;
    let reply = exchange(&mut client, &get_request("/slow")).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "slow"));
}

#[tokio::test]
async fn a_keep_alive_connection_serves_two_requests_in_sequence() {
    let server = TestServer::start(config(SHORT, SHORT)).await;
    let mut client = server.connect().await;
    for _ in 0..2 {
        let reply = exchange(&mut client, &get_request("/fast")).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, "fast"));
        assert_eq!(reply.header("connection"), None);
    }
}

#[tokio::test]
async fn over_the_cap_an_extra_connection_reads_a_canned_503_and_the_others_are_still_served() {
    let server = TestServer::start(ServerConfig { max_connections: 2, ..config(LONG, LONG) }).await;
    let mut first = server.connect().await;
    let mut second = server.connect().await;
    // Served once, each surely holds its place under the cap.
    assert_eq!(exchange(&mut first, &get_request("/fast")).await.status, 200);
    assert_eq!(exchange(&mut second, &get_request("/fast")).await.status, 200);

    let mut extra = server.connect().await;
    let reply = exchange(&mut extra, &get_request("/fast")).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    assert_eq!(reply.header("connection"), Some("close"));
    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
    let problem: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON problem");
    assert_eq!(problem["status"], 503);
    assert!(closed_within(&mut extra, SOON).await);

    assert_eq!(exchange(&mut first, &get_request("/fast")).await.status, 200);
    assert_eq!(exchange(&mut second, &get_request("/fast")).await.status, 200);
}

#[tokio::test]
async fn a_place_freed_under_the_cap_goes_to_the_next_connection() {
    let server = TestServer::start(ServerConfig { max_connections: 1, ..config(LONG, LONG) }).await;
    let mut first = server.connect().await;
    assert_eq!(exchange(&mut first, &get_request("/fast")).await.status, 200);
    drop(first);

    // The place frees once the server has seen the close: retry until it has.
    let deadline = Instant::now() + SOON;
    loop {
        let mut next = server.connect().await;
        let reply = exchange(&mut next, &get_request("/fast")).await;
        if reply.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the place was never freed");
        sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn shutdown_closes_idle_partial_and_silent_connections_at_once() {
    let server = TestServer::start(config(LONG, LONG)).await;
    let mut idle = server.connect().await;
    assert_eq!(exchange(&mut idle, &get_request("/fast")).await.status, 200);
    let mut partial = server.connect().await;
    send(&mut partial, "GET /fast HTTP/1.1\r\nHost: te").await;
    let mut silent = server.connect().await;
    sleep(Duration::from_millis(100)).await;

    assert!(server.shut_down().await < SOON);
    for client in [&mut idle, &mut partial, &mut silent] {
        assert!(closed_within(client, SOON).await);
    }
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    let server = TestServer::start(config(SHORT, SHORT)).await;
    let mut client = server.connect().await;
    send(&mut client, &get_request("/slow")).await;
    server.entered.notified().await;

    let shut_down = tokio::spawn(server.shut_down());
    let reply = read_reply(&mut client).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "slow"));
    assert!(shut_down.await.expect("shutdown task") < SOON);
    assert!(closed_within(&mut client, SOON).await);
}

#[tokio::test]
async fn shutdown_cuts_a_request_stuck_longer_than_the_grace() {
    let server = TestServer::start(ServerConfig { shutdown_grace: SHORT, ..config(LONG, LONG) }).await;
    let mut client = server.connect().await;
    send(&mut client, &get_request("/stuck")).await;
    server.entered.notified().await;

    assert!(server.shut_down().await < SOON);
    assert!(closed_within(&mut client, SOON).await);
}

#[tokio::test]
async fn handlers_see_the_peer_address_as_connect_info() {
    let server = TestServer::start(config(LONG, LONG)).await;
    let mut client = server.connect().await;
    let reply = exchange(&mut client, &get_request("/peer")).await;
    assert_eq!(reply.body, client.local_addr().expect("local address").to_string());
}

#[tokio::test]
async fn a_post_whose_handler_ignores_the_body_is_answered_with_connection_close() {
    let server = TestServer::start(config(LONG, LONG)).await;
    let mut client = server.connect().await;
    let reply = exchange(&mut client, &post_request("/ignore", "{\"secret\":1}")).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.header("connection"), Some("close"));
    assert!(closed_within(&mut client, SOON).await);
}

#[tokio::test]
async fn a_large_post_refused_before_its_body_is_read_still_gets_its_answer() {
    let server = TestServer::start(config(LONG, LONG)).await;
    let client = server.connect().await;
    let (mut reader, mut writer) = client.into_split();
    let body = "x".repeat(100_000);
    let sending = tokio::spawn(async move {
        // The server may close before the whole body is sent: a failed write is expected.
        let _ = writer.write_all(post_request("/ignore", &body).as_bytes()).await;
        writer
    });
    let mut received = Vec::new();
    let _ = timeout(SOON, reader.read_to_end(&mut received)).await.expect("the connection was not closed");
    let received = String::from_utf8_lossy(&received);
    assert!(received.starts_with("HTTP/1.1 401"), "received {received:?}");
    assert!(received.to_ascii_lowercase().contains("connection: close"));
    drop(sending.await.expect("sending task"));
}

#[tokio::test]
async fn a_post_whose_handler_reads_the_body_keeps_the_connection_open() {
    let server = TestServer::start(config(LONG, LONG)).await;
    let mut client = server.connect().await;
    for body in ["first", "second"] {
        let reply = exchange(&mut client, &post_request("/echo", body)).await;
        assert_eq!((reply.status, reply.body.as_str()), (200, body));
        assert_eq!(reply.header("connection"), None);
    }
}

#[tokio::test]
async fn a_chunked_body_that_stops_arriving_fails_within_the_stall_timeout() {
    let server = TestServer::start(config(LONG, LONG)).await;
    let mut client = server.connect().await;
    let request =
        "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n";
    let reply = exchange(&mut client, request).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("stalled"), "body: {}", reply.body);
    assert_eq!(reply.header("connection"), Some("close"));
}
