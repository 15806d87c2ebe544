//! Cross-cutting HTTP behaviour: problem bodies for every error, request
//! ids, one log line per request, security headers.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::RequestId;

use crate::error::{ApiError, InternalCause, PROBLEM_JSON};

/// Makes every error response a problem: errors from outside the handlers
/// (unknown route, wrong method, timeout, panic…) get a problem body with
/// their headers (`Allow`…) kept, and a 500 is logged with its cause and
/// answered with nothing but the request id.
pub(crate) async fn problems(request: Request, next: Next) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let response = next.run(request).await;
    let status = response.status();
    if let Some(InternalCause(cause)) = response.extensions().get::<InternalCause>() {
        tracing::error!(%request_id, cause = %cause, "internal error");
        return internal_problem(status, &request_id, response);
    }
    if status.is_server_error() && !is_problem(&response) {
        tracing::error!(%request_id, %status, "server error outside a handler");
        return internal_problem(status, &request_id, response);
    }
    if (status.is_client_error() || status.is_server_error()) && !is_problem(&response) {
        let (mut parts, _) = response.into_parts();
        let problem = ApiError::for_status(status).into_response();
        let (problem_parts, body) = problem.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        drop(problem_parts);
        return Response::from_parts(parts, body);
    }
    response
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes())
}

fn internal_problem(status: StatusCode, request_id: &str, original: Response) -> Response {
    let status = if status.is_server_error() { status } else { StatusCode::INTERNAL_SERVER_ERROR };
    let body = serde_json::json!({
        "type": "urn:realty:problem:internal",
        "title": status.canonical_reason().unwrap_or("Internal server error"),
        "status": status.as_u16(),
        "detail": format!("an unexpected error occurred; quote request id {request_id} to the operators"),
    });
    let (mut parts, _) = original.into_parts();
    parts.status = status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.extensions.remove::<InternalCause>();
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// `Cache-Control: no-store` for responses carrying tokens or personal data.
pub(crate) async fn no_store(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A panic in a handler is a bug: answer 500 (the `problems` middleware
/// turns it into a problem with the request id) and keep serving.
pub(crate) fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
