//! The HTTP/1.1 listener. It drives hyper directly instead of `axum::serve` so that slow or hostile
//! clients cannot hold the service: a request head must arrive within a time limit (slowloris), idle
//! keep-alive connections are closed, connections beyond a cap are refused with a canned 503 instead of
//! starving in the backlog, accept errors back off instead of ending or spinning the loop, and a graceful
//! shutdown is bounded in time. [`body_guard_layer`] does the same for request bodies.

mod body;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};
use tower::Service;

use crate::HttpService;

pub use body::{BodyGuard, BodyGuardLayer, GuardedResponse, body_guard_layer};

/// How the listener treats its clients.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Connections served at once; beyond, new ones get a canned 503 and are closed.
    pub max_connections: usize,
    /// Time allowed to receive one request head, counted from its first byte.
    pub header_timeout: Duration,
    /// A keep-alive connection with no request in flight and no byte moving for this long is closed.
    pub idle_timeout: Duration,
    /// Once shutdown starts, in-flight requests get this long to finish; then connections are cut.
    pub shutdown_grace: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            // Longer than the 60 s idle timeout of common load balancers, so that they, not we, close
            // idle connections: closing first races their reuse of the connection.
            idle_timeout: Duration::from_secs(75),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Refusals written at once when over the connection cap; beyond, sockets are simply dropped, so a
/// flood cannot turn refusals into the new bottleneck.
const MAX_CONCURRENT_REFUSALS: usize = 64;
/// Budget of one refusal: writing the 503 and draining what the client sent.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);
const OVERLOADED_PROBLEM: &str = concat!(
    r#"{"type":"urn:realty:problem:overloaded","title":"Service overloaded","status":503,"#,
    r#""detail":"the server is at its connection limit; retry shortly"}"#
);

/// Serves `service` on `listener` until `shutdown` resolves, then drains.
///
/// Draining: the listener is dropped, idle connections close at once, the others finish their request
/// and get up to [`ServerConfig::shutdown_grace`] to do so; whatever remains is then cut.
///
/// # Errors
/// None today: accept errors (out of file descriptors, aborted handshakes) are logged and retried. The
/// `Result` keeps the signature of `axum::serve`.
pub async fn serve(
    listener: TcpListener,
    service: HttpService,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let connection_permits = Arc::new(Semaphore::new(config.max_connections.min(Semaphore::MAX_PERMITS)));
    let refusal_permits = Arc::new(Semaphore::new(MAX_CONCURRENT_REFUSALS));
    let (start_shutdown, shutdown_started) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            // Reap finished connection tasks, or the set would keep one entry per connection ever served.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff.succeeded();
                match Arc::clone(&connection_permits).try_acquire_owned() {
                    Ok(permit) => {
                        let connection = Connection {
                            peer,
                            service: service.clone(),
                            config: config.clone(),
                            shutdown_started: shutdown_started.clone(),
                            _permit: permit,
                        };
                        connections.spawn(connection.serve(stream));
                    }
                    Err(_) => refuse_overloaded(stream, &refusal_permits),
                }
            }
            Err(error) => {
                let pause = backoff.failed(&error);
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
    }

    drop(listener);
    start_shutdown.send_replace(());
    let drained = tokio::time::timeout(config.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(connections = connections.len(), "shutdown grace elapsed, cutting connections");
        connections.shutdown().await;
    }
    Ok(())
}

/// One accepted connection and what it needs to be served.
struct Connection {
    peer: SocketAddr,
    service: HttpService,
    config: ServerConfig,
    shutdown_started: watch::Receiver<()>,
    /// Held for as long as the connection is served: the connection cap.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    /// Serves the connection under its watchdog.
    ///
    /// The watchdog wakes a few times per timeout and reads [`Activity`], which the socket wrapper
    /// ([`TrackedIo`]) and the service wrapper ([`TrackedService`]) keep up to date. While a request is
    /// in flight it does nothing: the router's request timeout bounds the request. Otherwise a request
    /// head that began more than `header_timeout` ago, or, with no head begun, a connection with no
    /// byte moving for `idle_timeout`, is closed by dropping it, which is safe because no request is
    /// being answered. hyper's own `header_read_timeout` is not used: hyper restarts it whenever the
    /// connection goes idle, so it would also cap the idle time of keep-alive connections.
    async fn serve(self, stream: TcpStream) {
        let Self { peer, service, config, mut shutdown_started, _permit } = self;
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(TrackedIo { stream, activity: Arc::clone(&activity) });
        let service =
            TowerToHyperService::new(TrackedService { service, peer, activity: Arc::clone(&activity) });
        let mut connection =
            pin!(http1::Builder::new().header_read_timeout(None).serve_connection(io, service));

        let mut watchdog = tokio::time::interval(watchdog_period(&config));
        watchdog.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut shutting_down = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    return;
                }
                _ = shutdown_started.changed(), if !shutting_down => {
                    shutting_down = true;
                    // hyper's graceful shutdown closes a connection idle between requests at once, but
                    // lets one that has not yet received its first request wait for it.
                    if activity.never_received_a_request() {
                        return;
                    }
                    connection.as_mut().graceful_shutdown();
                }
                _ = watchdog.tick() => {
                    if let Some(reason) = activity.overdue(&config) {
                        tracing::debug!(%peer, reason, "closing connection");
                        return;
                    }
                }
            }
        }
    }
}

fn watchdog_period(config: &ServerConfig) -> Duration {
    (config.header_timeout.min(config.idle_timeout) / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// What the watchdog of one connection knows about it. Times are milliseconds since `opened`.
#[derive(Debug)]
struct Activity {
    opened: Instant,
    requests_in_flight: AtomicUsize,
    requests_received: AtomicU64,
    last_byte_moved: AtomicU64,
    /// When the first byte of a request head arrived with no request in flight; [`NO_HEAD`] if none.
    head_began: AtomicU64,
}

const NO_HEAD: u64 = u64::MAX;

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            requests_in_flight: AtomicUsize::new(0),
            requests_received: AtomicU64::new(0),
            last_byte_moved: AtomicU64::new(0),
            head_began: AtomicU64::new(NO_HEAD),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(NO_HEAD - 1)
    }

    /// Bytes read with no request in flight begin the next request head. Those of a pipelined head
    /// read along with the previous request are missed, which lets that one head wait for the idle
    /// timeout instead, once.
    fn bytes_read(&self) {
        let now = self.now();
        self.moved_at(now);
        if self.requests_in_flight.load(Ordering::Relaxed) == 0 {
            let _ = self.head_began.compare_exchange(NO_HEAD, now, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn bytes_written(&self) {
        self.moved_at(self.now());
    }

    fn moved_at(&self, now: u64) {
        self.last_byte_moved.store(now, Ordering::Relaxed);
    }

    fn request_started(&self) {
        self.requests_in_flight.fetch_add(1, Ordering::Relaxed);
        self.requests_received.fetch_add(1, Ordering::Relaxed);
        self.head_began.store(NO_HEAD, Ordering::Relaxed);
    }

    fn request_finished(&self) {
        self.requests_in_flight.fetch_sub(1, Ordering::Relaxed);
        // The idle clock starts when the answer is ready, not when the last request byte arrived.
        self.moved_at(self.now());
    }

    fn never_received_a_request(&self) -> bool {
        self.requests_received.load(Ordering::Relaxed) == 0
    }

    /// Why the connection should be closed now, if it should.
    fn overdue(&self, config: &ServerConfig) -> Option<&'static str> {
        if self.requests_in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let now = self.now();
        let since = |instant: u64| Duration::from_millis(now.saturating_sub(instant));
        match self.head_began.load(Ordering::Relaxed) {
            NO_HEAD if since(self.last_byte_moved.load(Ordering::Relaxed)) > config.idle_timeout => {
                Some("idle timeout")
            }
            NO_HEAD => None,
            began if since(began) > config.header_timeout => Some("request head timeout"),
            _ => None,
        }
    }
}

/// The socket, reporting every byte moved to [`Activity`].
struct TrackedIo {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.note_written(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.note_written(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

impl TrackedIo {
    fn note_written(&self, polled: &Poll<io::Result<usize>>) {
        if matches!(polled, Poll::Ready(Ok(written)) if *written > 0) {
            self.activity.bytes_written();
        }
    }
}

/// The service, counting requests in flight and giving handlers the peer address as
/// `ConnectInfo<SocketAddr>`, as `into_make_service_with_connect_info` does.
#[derive(Clone)]
struct TrackedService {
    service: HttpService,
    peer: SocketAddr,
    activity: Arc<Activity>,
}

impl Service<Request<Incoming>> for TrackedService {
    type Response = Response;
    type Error = Infallible;
    type Future = TrackedResponse;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let in_flight = RequestInFlight::start(Arc::clone(&self.activity));
        TrackedResponse { inner: self.service.call(request.map(Body::new)), _in_flight: in_flight }
    }
}

/// The service's response future; the request counts as in flight until it completes or is dropped.
struct TrackedResponse {
    inner: <HttpService as Service<Request<Body>>>::Future,
    _in_flight: RequestInFlight,
}

impl Future for TrackedResponse {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

struct RequestInFlight(Arc<Activity>);

impl RequestInFlight {
    fn start(activity: Arc<Activity>) -> Self {
        activity.request_started();
        Self(activity)
    }
}

impl Drop for RequestInFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// Answers a connection over the cap with a canned 503 on a task of its own, within
/// [`REFUSAL_TIMEOUT`]; with [`MAX_CONCURRENT_REFUSALS`] already running, drops it unanswered.
fn refuse_overloaded(stream: TcpStream, refusal_permits: &Arc<Semaphore>) {
    let Ok(permit) = Arc::clone(refusal_permits).try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let _ = tokio::time::timeout(REFUSAL_TIMEOUT, write_overloaded(stream)).await;
    });
}

async fn write_overloaded(mut stream: TcpStream) -> io::Result<()> {
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\n\
         Content-Type: application/problem+json\r\n\
         Content-Length: {}\r\n\
         Retry-After: 1\r\n\
         Connection: close\r\n\
         \r\n\
         {OVERLOADED_PROBLEM}",
        OVERLOADED_PROBLEM.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    // Closing a socket with unread bytes makes the kernel send a reset, which can destroy the 503
    // before the client reads it; so read what the client sent until it closes (a lingering close).
    let mut discarded = [0; 1024];
    while stream.read(&mut discarded).await? > 0 {}
    Ok(())
}

/// Pauses after accept errors. Out of file descriptors (EMFILE, ENFILE) or buffers (ENOBUFS), retrying at
/// once spins a core without freeing anything; an exponential pause lets connections finish meanwhile.
#[derive(Debug, Default)]
struct AcceptBackoff {
    pause: Option<Duration>,
    last_warning: Option<std::time::Instant>,
    unreported: u32,
}

impl AcceptBackoff {
    const FIRST_PAUSE: Duration = Duration::from_millis(5);
    const LONGEST_PAUSE: Duration = Duration::from_secs(1);
    const WARNING_INTERVAL: Duration = Duration::from_secs(1);

    fn succeeded(&mut self) {
        self.pause = None;
    }

    /// How long to pause before the next accept; warns at most once per [`Self::WARNING_INTERVAL`].
    fn failed(&mut self, error: &io::Error) -> Duration {
        let pause = self.pause.map_or(Self::FIRST_PAUSE, |pause| (pause * 2).min(Self::LONGEST_PAUSE));
        self.pause = Some(pause);
        if self.last_warning.is_none_or(|warned| warned.elapsed() >= Self::WARNING_INTERVAL) {
            tracing::warn!(
                %error,
                errors_since_last_warning = self.unreported,
                pause_ms = pause.as_millis(),
                "cannot accept connections, pausing"
            );
            self.last_warning = Some(std::time::Instant::now());
            self.unreported = 0;
        } else {
            self.unreported += 1;
        }
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_pauses_double_up_to_a_second_and_start_over_after_a_success() {
        let mut backoff = AcceptBackoff::default();
        let error = io::Error::from_raw_os_error(24);
        let pauses: Vec<_> = (0..10).map(|_| backoff.failed(&error).as_millis()).collect();
        assert_eq!(pauses, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        backoff.succeeded();
        assert_eq!(backoff.failed(&error), AcceptBackoff::FIRST_PAUSE);
    }

    #[test]
    fn the_canned_refusal_is_a_problem_document() {
        let problem: serde_json::Value = serde_json::from_str(OVERLOADED_PROBLEM).expect("valid JSON");
        assert_eq!(problem["status"], 503);
        assert_eq!(problem["type"], "urn:realty:problem:overloaded");
    }
}
