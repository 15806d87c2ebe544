//! The request-body guard: a body that stops arriving fails instead of holding its handler until the
//! request timeout, and a response to a request whose body was left unread tells the client that the
//! connection will not be reused.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::BoxError;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request, Response, header};
use http_body::{Body as _, Frame, SizeHint};
use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

/// Wraps every request body: a body that stops arriving for `stall_timeout` fails (so the JSON extractor
/// answers 400 at once instead of waiting for the request timeout), and a response to a request whose
/// body was not read to its end carries `Connection: close`.
pub fn body_guard_layer(stall_timeout: Duration) -> BodyGuardLayer {
    BodyGuardLayer { stall_timeout }
}

/// The layer built by [`body_guard_layer`].
#[derive(Debug, Clone, Copy)]
pub struct BodyGuardLayer {
    stall_timeout: Duration,
}

impl<S> Layer<S> for BodyGuardLayer {
    type Service = BodyGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BodyGuard { inner, stall_timeout: self.stall_timeout }
    }
}

/// The service of [`BodyGuardLayer`].
#[derive(Debug, Clone)]
pub struct BodyGuard<S> {
    inner: S,
    stall_timeout: Duration,
}

impl<S, ResponseBody> Service<Request<Body>> for BodyGuard<S>
where
    S: Service<Request<Body>, Response = Response<ResponseBody>>,
{
    type Response = Response<ResponseBody>;
    type Error = S::Error;
    type Future = GuardedResponse<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if request.body().is_end_stream() {
            return GuardedResponse { inner: Box::pin(self.inner.call(request)), body_read_to_end: None };
        }
        let read_to_end = Arc::new(AtomicBool::new(false));
        let stall_timeout = self.stall_timeout;
        let guarded = Arc::clone(&read_to_end);
        let request = request.map(|body| Body::new(GuardedBody::new(body, stall_timeout, guarded)));
        GuardedResponse { inner: Box::pin(self.inner.call(request)), body_read_to_end: Some(read_to_end) }
    }
}

/// Response future of [`BodyGuard`].
#[derive(Debug)]
pub struct GuardedResponse<F> {
    inner: Pin<Box<F>>,
    /// `None` when the request had no body.
    body_read_to_end: Option<Arc<AtomicBool>>,
}

impl<F, ResponseBody, E> Future for GuardedResponse<F>
where
    F: Future<Output = Result<Response<ResponseBody>, E>>,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut response = match self.inner.as_mut().poll(cx) {
            Poll::Ready(Ok(response)) => response,
            other => return other,
        };
        // The unread rest of the body sits in front of the client's next request on this connection:
        // hyper then closes it, and without this header the client would send that request into a
        // closing connection (RFC 9112, section 9.6).
        let unread = self.body_read_to_end.as_ref().is_some_and(|read| !read.load(Ordering::Relaxed));
        if unread {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        Poll::Ready(Ok(response))
    }
}

/// Why a guarded body failed.
#[derive(Debug, thiserror::Error)]
#[error("request body stalled: no data for {0:?}")]
struct BodyStalled(Duration);

/// A request body that fails once its reader has waited `stall_timeout` for the next frame.
///
/// The clock runs only while the reader waits: a handler that reads the body late, or slowly, is not
/// penalised for its own pace.
struct GuardedBody {
    inner: Body,
    stall_timeout: Duration,
    /// Armed when a poll finds no frame ready; kept between waits to reuse its timer entry.
    stall: Option<Pin<Box<Sleep>>>,
    waiting: bool,
    read_to_end: Arc<AtomicBool>,
}

impl GuardedBody {
    fn new(inner: Body, stall_timeout: Duration, read_to_end: Arc<AtomicBool>) -> Self {
        Self { inner, stall_timeout, stall: None, waiting: false, read_to_end }
    }

    fn mark_read_to_end(&self) {
        self.read_to_end.store(true, Ordering::Relaxed);
    }

    /// Starts the stall clock on the first wait after a frame; `true` once it has run out.
    fn stalled(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.waiting {
            self.waiting = true;
            let deadline = Instant::now() + self.stall_timeout;
            match &mut self.stall {
                Some(stall) => stall.as_mut().reset(deadline),
                None => self.stall = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        self.stall.as_mut().is_some_and(|stall| stall.as_mut().poll(cx).is_ready())
    }
}

impl http_body::Body for GuardedBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                self.waiting = false;
                if self.inner.is_end_stream() {
                    self.mark_read_to_end();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(None) => {
                self.mark_read_to_end();
                Poll::Ready(None)
            }
            Poll::Pending if self.stalled(cx) => {
                Poll::Ready(Some(Err(BodyStalled(self.stall_timeout).into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        let ended = self.inner.is_end_stream();
        if ended {
            self.mark_read_to_end();
        }
        ended
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
