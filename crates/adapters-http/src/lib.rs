//! realty's HTTP API: axum router, bearer-token auth, problem+json errors,
//! OpenAPI document and Swagger UI.
//!
//! Handlers are thin: extract, convert the DTO into a use-case input, call,
//! map. Rules live in `realty-app` and `realty-domain`.

pub mod auth;
pub mod cursor;
pub mod dto;
pub mod error;
pub mod extract;
mod middleware;
mod openapi;
pub mod rate_limit;
mod routes;
pub mod server;
mod state;

use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::{Router, middleware as axum_middleware};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use state::{AppState, Readiness, ServiceInfo};

/// HTTP settings of the service.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body; larger ones get 413.
    pub body_limit_bytes: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Origins allowed by CORS; empty means no CORS headers at all.
    pub cors_origins: Vec<HeaderValue>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            cors_origins: Vec::new(),
        }
    }
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}

fn api_routes() -> OpenApiRouter<AppState> {
    let personal = OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::users::router())
        .layer(axum_middleware::from_fn(middleware::no_store));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::ops::router())
        .merge(personal)
        .merge(routes::property_types::router())
        .merge(routes::properties::router())
        .merge(routes::rooms::router())
}

/// The whole service as a `Router`: API, docs, and the layers every request
/// goes through.
pub fn router(state: AppState, config: &HttpConfig) -> Router {
    let (api, document) = api_routes().split_for_parts();
    let request_id = HeaderName::from_static("x-request-id");
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let request_id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok());
            tracing::info_span!(
                "request",
                method = %request.method(),
                path = %request.uri().path(),
                request_id = request_id.unwrap_or_default(),
                user_id = tracing::field::Empty,
            )
        })
        .on_request(())
        .on_response(|response: &axum::response::Response, latency: Duration, _span: &Span| {
            tracing::info!(
                status = response.status().as_u16(),
                latency_ms = latency.as_secs_f64() * 1000.0,
                "served"
            );
        })
        .on_failure(());

    // Outermost first: the request id exists before anything logs, and every
    // response, whatever produced it, passes through `problems`.
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(trace)
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .option_layer(cors(&config.cors_origins))
        .layer(axum_middleware::from_fn(middleware::problems))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes));

    api.merge(SwaggerUi::new("/docs").url("/openapi.json", document))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
        .layer(layers)
}

/// `None` when no origin is configured: then no CORS header is sent at all
/// and browsers keep their same-origin default.
fn cors(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(3600));
    Some(layer)
}
