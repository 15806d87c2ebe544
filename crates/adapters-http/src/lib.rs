//! realty's HTTP API: axum router, bearer-token auth, problem+json errors,
//! OpenAPI document and Swagger UI, metrics, rate limits, idempotency keys,
//! and the server that guards the listener against slow clients.
//!
//! Handlers are thin: extract (the body parses itself into a command), call
//! one use case, shape the answer. Rules live in `realty-app` and
//! `realty-domain`.

pub mod auth;
pub mod cursor;
pub mod dto;
pub mod error;
pub mod extract;
pub mod metrics;
mod middleware;
mod openapi;
pub mod rate_limit;
mod routes;
pub mod server;
mod state;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Router, middleware as axum_middleware};
use tower::ServiceBuilder;
use tower::util::BoxCloneSyncService;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

pub use state::{AppState, Readiness, ServiceInfo, Shared};

/// HTTP settings of the service.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body; larger ones get 413 (at once when
    /// `Content-Length` says so).
    pub body_limit_bytes: usize,
    /// Longest a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// Longest a request body may pause before it is answered 400.
    pub body_stall_timeout: Duration,
    /// Origins allowed by CORS; empty means no CORS headers at all.
    pub cors_origins: Vec<HeaderValue>,
    /// Where `/metrics` is served.
    pub metrics: MetricsRoute,
}

/// Where `/metrics` is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsRoute {
    /// On the main router.
    #[default]
    Main,
    /// On a router of its own (another listener); the main one answers 404.
    Apart,
    /// Nowhere: nothing is recorded (the benchmark measures what metrics
    /// cost this way).
    Off,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            body_stall_timeout: Duration::from_secs(10),
            cors_origins: Vec::new(),
            metrics: MetricsRoute::Main,
        }
    }
}

/// What a listener serves: a router inside the layers every request goes
/// through (see [`router`]).
pub type HttpService = BoxCloneSyncService<Request, Response, Infallible>;

/// What the listeners serve: the API, and `/metrics` when it has a
/// listener of its own.
#[derive(Debug)]
pub struct Routers {
    pub api: HttpService,
    pub metrics: Option<HttpService>,
}

/// The OpenAPI document of every route.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, document) = api_routes(creations(), true).split_for_parts();
    let (_, docs) = routes::docs::router().split_for_parts();
    whole_document(document, docs)
}

/// The API's document with the documentation routes', and on every
/// operation the statuses any route can return.
fn whole_document(
    mut document: utoipa::openapi::OpenApi,
    docs: utoipa::openapi::OpenApi,
) -> utoipa::openapi::OpenApi {
    document.merge(docs);
    openapi::add_common_responses(&mut document);
    document
}

const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// Every API route with its OpenAPI description, grouped by what their
/// answers may be cached as (DESIGN §4.2): public reads `no-cache` (store,
/// but revalidate with the ETag), personal data and tokens `no-store`.
/// `/metrics` is left out when it has a listener of its own.
fn api_routes(creations: OpenApiRouter<AppState>, with_metrics: bool) -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .merge(routes::properties::router())
        .merge(routes::rooms::router())
        .merge(routes::property_types::router())
        .merge(creations)
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, NO_CACHE));
    let personal = OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::users::router())
        .merge(routes::properties::history_router())
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, NO_STORE));
    let api = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi()).merge(routes::ops::router());
    let api = if with_metrics { api.merge(routes::ops::metrics_router()) } else { api };
    api.merge(public).merge(personal)
}

/// The three creations, which the idempotency layer wraps once the state is
/// known (see [`router`]).
fn creations() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(routes::properties::creation_router())
        .merge(routes::rooms::creation_router())
        .merge(routes::property_types::creation_router())
}

/// The whole service: API, documentation, metrics, and the layers every
/// request goes through.
pub fn router(state: AppState, config: &HttpConfig) -> Routers {
    // The idempotency layer wraps the creations only; being a route layer,
    // it keeps to them once merged.
    let idempotent_creations = creations()
        .route_layer(axum_middleware::from_fn_with_state(state.clone(), middleware::idempotency::idempotent));
    let (api, mut document) =
        api_routes(idempotent_creations, config.metrics == MetricsRoute::Main).split_for_parts();
    let (metrics_route, metrics_document) = routes::ops::metrics_router().split_for_parts();
    if config.metrics == MetricsRoute::Apart {
        // Documented all the same: the operation is the service's, on another listener.
        document.merge(metrics_document);
    }
    let (docs_router, docs) = routes::docs::router().split_for_parts();
    let document = whole_document(document, docs);
    let known_query = Arc::new(middleware::QueryParameters::from_document(&document));
    let routes = Arc::new(middleware::RouteTemplates::from_document(&document));
    let docs = routes::docs::Docs::new(&document);

    let app = api
        .with_state(state.clone())
        .merge(docs_router.with_state(docs))
        .route_layer(axum_middleware::from_fn_with_state(
            (known_query, state.clone()),
            middleware::known_query_parameters,
        ))
        .route_layer(axum_middleware::from_fn(middleware::remember_route))
        .fallback(|| async { StatusCode::NOT_FOUND });
    let metrics = (config.metrics == MetricsRoute::Apart).then(|| {
        let metrics = metrics_route
            .with_state(state.clone())
            .route_layer(axum_middleware::from_fn(middleware::remember_route))
            .fallback(|| async { StatusCode::NOT_FOUND });
        with_outer_layers(metrics, &state, config, None)
    });
    Routers { api: with_outer_layers(app, &state, config, Some(routes)), metrics }
}

/// Wraps `router` in the layers every request goes through, listed
/// outermost first: the request's identity and log line come first of all;
/// every response, whatever produced it, passes through `problems`; the
/// rate limit refuses before any work (when `limited`, with the route
/// templates that label its refusals); the timeout and the body limits
/// bound the work.
///
/// They wrap the router once rather than each route (`Router::layer`): a
/// route's service is cloned for every request it answers, and with these
/// layers inside it that clone (and each `from_fn` layer's clone of what it
/// wraps) was about 15 % of the instructions of a request by id
/// (BENCHMARKS.md, "Layers around the router").
fn with_outer_layers(
    router: Router,
    state: &AppState,
    config: &HttpConfig,
    limited: Option<Arc<middleware::RouteTemplates>>,
) -> HttpService {
    let limiting = limited.map(|routes| {
        let limiting = middleware::rate_limit::Limiting { state: state.clone(), routes };
        axum_middleware::from_fn_with_state(limiting, middleware::rate_limit::rate_limit)
    });
    let service = ServiceBuilder::new()
        .layer(axum_middleware::from_fn_with_state(Arc::clone(&state.metrics), middleware::request_context))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, NO_STORE))
        .layer(axum_middleware::from_fn(middleware::problems))
        // Back to axum's body type where a layer below changed it.
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .option_layer(cors(&config.cors_origins))
        .option_layer(limiting)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
        .layer(server::body_guard_layer(config.body_stall_timeout))
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(config.body_limit_bytes))
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .service(router);
    BoxCloneSyncService::new(service)
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
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            header::RETRY_AFTER,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("ratelimit"),
            HeaderName::from_static("ratelimit-policy"),
            HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(Duration::from_secs(3600));
    Some(layer)
}
