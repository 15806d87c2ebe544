//! Operational routes: liveness, readiness, build information and metrics.

use super::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(ready)).routes(routes!(version))
}

/// The metrics route, on the main listener or on its own.
pub fn metrics_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Liveness: the process answers (whatever the database does).
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Status)))]
async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Readiness: the database answers, within the pool's connection timeout.
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, description = "Ready to serve", body = Status)))]
async fn ready(State(state): State<AppState>) -> ApiResult<Json<Status>> {
    state.readiness.check().await.map_err(|cause| ApiError::Unavailable { cause })?;
    Ok(Json(Status { status: "ok" }))
}

/// The service's name, version and database backend.
#[utoipa::path(get, path = "/version", tag = "operations",
    responses((status = 200, description = "Build information", body = VersionInfo)))]
async fn version(State(state): State<AppState>) -> Json<VersionInfo> {
    Json(VersionInfo { name: state.info.name, version: state.info.version, database: state.info.database })
}

/// Metrics in the Prometheus text exposition format: requests by method,
/// route and status, latency by route, database connections, the
/// password-hashing queue, throttled logins, rate-limited requests, build.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, description = "The metrics", body = String, content_type = "text/plain; version=0.0.4")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
}
