//! Cross-cutting HTTP behaviour: the request's identity (request id, trace
//! context, one log line and the metrics), problem bodies for every error,
//! unknown query parameters, and the per-client rate limit and idempotency
//! keys in their own modules.

pub(crate) mod idempotency;
pub(crate) mod rate_limit;
mod throttled_log;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use realty_domain::FieldError;
use tracing::Instrument;

use crate::error::{ApiError, LoggedCause, PROBLEM_JSON, ProblemType, UNAVAILABLE_RETRY_AFTER_SECS};
use crate::extract::AuthUser;
use crate::metrics::Metrics;
use crate::state::AppState;

/// The header carrying the request id, both ways.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// The longest client-sent request id kept (visible ASCII); longer, empty or
/// otherwise odd ones are replaced, so that a client cannot fill the logs.
const MAX_REQUEST_ID: usize = 128;

/// The request id of this request, for handlers and the error log.
#[derive(Debug, Clone)]
pub(crate) struct RequestId(pub String);

/// The route template a request matched, copied to the response so that
/// the outermost layer can label metrics with it.
#[derive(Debug, Clone)]
struct Route(String);

/// Names the request (request id, W3C trace id), runs it inside a span
/// that carries them with the method, the path and the user, and records
/// one log line and the metrics once answered. The span is at ERROR level
/// so that its fields are on every error line even when the log filter
/// drops the INFO request lines (`REALTY_LOG=warn`).
pub(crate) async fn request_context(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = client_request_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let trace_id = trace_id(&request).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let method = request.method().clone();
    let path: String = request.uri().path().chars().take(256).collect();
    request.extensions_mut().insert(RequestId(request_id.clone()));
    let span = tracing::error_span!(
        "request",
        method = %method,
        path = %path,
        request_id = %request_id,
        trace_id = %trace_id,
        user_id = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let latency = started.elapsed();
    let status = response.status();
    let route =
        response.extensions_mut().remove::<Route>().map_or_else(|| "unmatched".to_owned(), |route| route.0);
    metrics.request(method.as_str(), &route, status.as_u16(), latency);
    if response.extensions().get::<ProblemType>() == Some(&ProblemType::TooManyAttempts) {
        metrics.login_throttled();
    }
    span.in_scope(|| {
        tracing::info!(status = status.as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "served");
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The client's `x-request-id`, when one short, visible-ASCII value.
fn client_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get(REQUEST_ID)?.to_str().ok()?;
    let acceptable = !value.is_empty()
        && value.len() <= MAX_REQUEST_ID
        && value.bytes().all(|byte| byte.is_ascii_graphic());
    acceptable.then(|| value.to_owned())
}

/// The trace id of a valid W3C `traceparent` (version `00`:
/// `00-<32 hex>-<16 hex>-<2 hex>`, ids not all zeros), lower-case.
fn trace_id(request: &Request) -> Option<String> {
    let value = request.headers().get("traceparent")?.to_str().ok()?.trim();
    let mut parts = value.split('-');
    let (Some(version), Some(trace), Some(parent), Some(flags)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let hex = |part: &str, length: usize| {
        part.len() == length && part.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    // Version ff is invalid; a future version may append fields.
    let known_shape = (version == "00" && parts.next().is_none()) || (version != "00" && version != "ff");
    let valid = hex(version, 2)
        && known_shape
        && hex(trace, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && trace.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0');
    valid.then(|| trace.to_owned())
}

/// Every route template of the service, matched as axum matches them, for
/// the layers outside the router: the rate limiter labels a request it
/// refuses with the route it asked for, as the router would have.
#[derive(Debug)]
pub(crate) struct RouteTemplates(matchit::Router<String>);

impl RouteTemplates {
    pub(crate) fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let mut templates = matchit::Router::new();
        for path in document.paths.paths.keys() {
            // The paths are axum's own, so they insert; a clash would only
            // leave a refused request labelled "unmatched".
            let _ = templates.insert(path.clone(), path.clone());
        }
        Self(templates)
    }

    /// The template `path` matches, as a response extension for the metrics.
    fn route(&self, path: &str) -> Option<Route> {
        self.0.at(path).ok().map(|matched| Route(matched.value.clone()))
    }
}

/// Copies the matched route template into the response (see [`Route`]).
pub(crate) async fn remember_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|path| path.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Makes every error response a problem: errors from outside the handlers
/// (unknown route, wrong method, timeout, panic…) get a problem body with
/// their headers (`Allow`…) kept; a 500 is logged with its cause and
/// answered with nothing but the request id; a 503 from storage or an
/// overload is logged at warn with its cause, at most once a second.
pub(crate) async fn problems(request: Request, next: Next) -> Response {
    let request_id =
        request.extensions().get::<RequestId>().map_or_else(|| "unknown".to_owned(), |id| id.0.clone());
    let mut response = next.run(request).await;
    let status = response.status();
    if let Some(LoggedCause(cause)) = response.extensions_mut().remove::<LoggedCause>() {
        if status == StatusCode::SERVICE_UNAVAILABLE {
            throttled_log::UNAVAILABLE.warn(&cause);
            return response;
        }
        tracing::error!(cause = %cause, "internal error");
        return internal_problem(status, &request_id, response);
    }
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&response) {
        return response;
    }
    let kind = match status {
        StatusCode::NOT_FOUND => ProblemType::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ProblemType::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ProblemType::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ProblemType::UnsupportedMediaType,
        StatusCode::NOT_ACCEPTABLE => ProblemType::NotAcceptable,
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => ProblemType::Timeout,
        status if status.is_server_error() => {
            tracing::error!(%status, "server error outside a handler");
            return internal_problem(status, &request_id, response);
        }
        _ => ProblemType::BadRequest,
    };
    let detail = match kind {
        ProblemType::NotFound => "no resource at this path",
        ProblemType::MethodNotAllowed => "this path does not support the method; see the Allow header",
        ProblemType::PayloadTooLarge => "the request body is larger than the limit",
        ProblemType::UnsupportedMediaType => "the request body must be application/json",
        ProblemType::Timeout => "the request took longer than the service allows; retry",
        _ => "the request is malformed",
    };
    let (mut parts, _) = response.into_parts();
    let (problem_parts, body) = kind.response(detail).into_parts();
    parts.status = kind.status();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    if kind == ProblemType::Timeout {
        parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(UNAVAILABLE_RETRY_AFTER_SECS));
    }
    drop(problem_parts);
    Response::from_parts(parts, body)
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes())
}

fn internal_problem(status: StatusCode, request_id: &str, original: Response) -> Response {
    let status = if status.is_server_error() { status } else { StatusCode::INTERNAL_SERVER_ERROR };
    let kind = ProblemType::Internal;
    let body = serde_json::json!({
        "type": kind.uri(),
        "title": kind.title(),
        "status": status.as_u16(),
        "detail": format!("an unexpected error occurred; quote request id {request_id} to the operators"),
    });
    let (mut parts, _) = original.into_parts();
    parts.status = status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// The query parameters each operation accepts, from the OpenAPI document:
/// the one list both the documentation and the check read.
#[derive(Debug, Default)]
pub(crate) struct QueryParameters(HashMap<(Method, String), Operation>);

/// What the check needs to know of one operation.
#[derive(Debug, Default)]
struct Operation {
    /// The query parameters it documents.
    names: HashSet<String>,
    /// Whether it needs a bearer token (documents a security requirement).
    secured: bool,
}

impl QueryParameters {
    pub(crate) fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let mut known = HashMap::new();
        for (path, item) in &document.paths.paths {
            let operations = [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
                (Method::PUT, &item.put),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                let names = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|parameter| {
                        matches!(parameter.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    })
                    .map(|parameter| parameter.name.clone())
                    .collect();
                let secured = operation.security.as_ref().is_some_and(|security| !security.is_empty());
                known.insert((method, path.clone()), Operation { names, secured });
            }
        }
        Self(known)
    }
}

/// Refuses a query parameter the matched operation does not document, with
/// a 400 naming it (the contract's rule for bodies, applied to queries).
///
/// An operation that documents query parameters reads its query with
/// [`crate::extract::ApiQuery`], which refuses unknown names itself, in the
/// same 400 as every other bad value and after authentication: it is let
/// through. For the others, which read no query, the check is here, and on
/// a route that needs a token it comes after authentication, as the
/// contract orders the checks (401 before 400).
pub(crate) async fn known_query_parameters(
    State((known, state)): State<(Arc<QueryParameters>, AppState)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(query) = request.uri().query().filter(|query| !query.is_empty()) else {
        return next.run(request).await;
    };
    let Some(path) = request.extensions().get::<MatchedPath>() else {
        return next.run(request).await;
    };
    // HEAD is served by the GET route.
    let method = if request.method() == Method::HEAD { Method::GET } else { request.method().clone() };
    // A method the route does not serve is the router's 405, whatever the
    // query; an operation that reads its query checks it itself.
    let Some(operation) = known.0.get(&(method, path.as_str().to_owned())) else {
        return next.run(request).await;
    };
    if !operation.names.is_empty() {
        return next.run(request).await;
    }
    let unknown: Vec<FieldError> = form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .filter(|name| !operation.names.contains(name))
        .map(|name| FieldError::new(name, "is not a parameter of this route"))
        .collect();
    if unknown.is_empty() {
        return next.run(request).await;
    }
    if operation.secured {
        let (mut parts, _) = request.into_parts();
        if let Err(unauthenticated) = AuthUser::from_request_parts(&mut parts, &state).await {
            return unauthenticated.into_response();
        }
    }
    ApiError::InvalidQuery(unknown).into_response()
}

/// A panic in a handler is a bug: answer 500 (the `problems` middleware
/// turns it into a problem with the request id) and keep serving.
pub(crate) fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(header: &str, value: &str) -> Request {
        Request::builder().header(header, value).body(Body::empty()).expect("a request")
    }

    #[test]
    fn a_short_visible_request_id_is_kept_and_others_are_not() {
        assert_eq!(client_request_id(&request(REQUEST_ID, "trace-me-123")).as_deref(), Some("trace-me-123"));
        for odd in ["", " ", "has space", &"x".repeat(129)] {
            assert_eq!(client_request_id(&request(REQUEST_ID, odd)), None, "{odd:?}");
        }
    }

    #[test]
    fn a_path_is_named_by_the_template_axum_would_match() {
        let templates = RouteTemplates::from_document(&crate::openapi());
        let route = |path: &str| templates.route(path).map(|route| route.0);
        assert_eq!(route("/properties/42").as_deref(), Some("/properties/{id}"));
        assert_eq!(route("/properties/42/rooms/7").as_deref(), Some("/properties/{id}/rooms/{room_id}"));
        assert_eq!(route("/users/me").as_deref(), Some("/users/me"), "a static segment wins");
        assert_eq!(route("/users/5").as_deref(), Some("/users/{id}"));
        assert_eq!(route("/no/such/route"), None);
    }

    #[test]
    fn a_valid_traceparent_gives_its_trace_id() {
        let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            trace_id(&request("traceparent", valid)).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        for invalid in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "garbage",
        ] {
            assert_eq!(trace_id(&request("traceparent", invalid)), None, "{invalid}");
        }
    }
}
