//! Operational routes: liveness, readiness and build information.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health)).routes(routes!(ready)).routes(routes!(version))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`.
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionInfo {
    pub name: &'static str,
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is alive", body = Status)))]
async fn health() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/ready", tag = "operations", responses(
    (status = 200, description = "Ready to serve", body = Status),
    (status = 503, description = "The database is unreachable", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.readiness.check().await {
        Ok(()) => Ok(Json(Status { status: "ok" })),
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed");
            Err(ApiError::for_status(StatusCode::SERVICE_UNAVAILABLE))
        }
    }
}

/// The service's name, version and database backend.
#[utoipa::path(get, path = "/version", tag = "operations",
    responses((status = 200, description = "Build information", body = VersionInfo)))]
async fn version(State(state): State<AppState>) -> Json<VersionInfo> {
    Json(VersionInfo { name: state.info.name, version: state.info.version, database: state.info.database })
}
