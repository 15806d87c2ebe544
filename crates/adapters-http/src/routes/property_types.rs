//! The catalogue of property types: everyone reads, admins write.

use super::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{conditional, location, weak_etag};
use crate::dto::property_types::{PropertyTypeBody, PropertyTypeResponse};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, AuthUser};
use crate::openapi::{Conflict, Forbidden, NotFound};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_types)).routes(routes!(get_type, delete_type))
}

/// The creation, on its own so that the idempotency layer wraps it alone.
pub fn creation_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_type))
}

/// Every property type, by slug.
#[utoipa::path(get, path = "/property-types", tag = "property types",
    params(crate::routes::properties::IfNoneMatchParam), responses(
    (status = 200, description = "The catalogue", body = [PropertyTypeResponse],
        headers(("ETag" = String, description = "A weak tag of the content"))),
    (status = 304, description = "Unchanged since the ETag given in If-None-Match")))]
async fn list_types(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let types = state.property_types.list().await?;
    let body: Vec<PropertyTypeResponse<'_>> = types.iter().map(Into::into).collect();
    let content: Vec<(&str, &str)> = body.iter().map(|t| (t.slug, t.name)).collect();
    Ok(conditional(&headers, weak_etag(content), body))
}

/// One property type.
#[utoipa::path(get, path = "/property-types/{slug}", tag = "property types",
    params(("slug" = String, Path, description = "Type slug"), crate::routes::properties::IfNoneMatchParam), responses(
    (status = 200, description = "The type", body = PropertyTypeResponse,
        headers(("ETag" = String, description = "A weak tag of the content"))),
    (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
    (status = 404, response = NotFound)))]
async fn get_type(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Response> {
    let found = state.property_types.get(&slug).await?;
    let body = PropertyTypeResponse::from(&found);
    Ok(conditional(&headers, weak_etag((body.slug, body.name)), body))
}

/// Add a property type (admins). With `Idempotency-Key`, a retry gets the
/// first answer.
#[utoipa::path(post, path = "/property-types", tag = "property types", security(("bearer" = [])),
    params(crate::routes::properties::IdempotencyKeyParam), request_body = PropertyTypeBody, responses(
    (status = 201, description = "Created", body = PropertyTypeResponse, headers(("Location" = String, description = "/property-types/{slug}"))),
    (status = 403, response = Forbidden),
    (status = 409, response = Conflict)))]
async fn create_type(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    body: ApiJson<PropertyTypeBody>,
) -> ApiResult<Response> {
    let created = state.property_types.create(&user.actor(), body.command()?).await?;
    let path = format!("/property-types/{}", created.slug);
    Ok((StatusCode::CREATED, [location(&path)], Json(PropertyTypeResponse::from(&created))).into_response())
}

/// Remove a property type no property uses (admins).
#[utoipa::path(delete, path = "/property-types/{slug}", tag = "property types", security(("bearer" = [])),
    params(("slug" = String, Path, description = "Type slug")), responses(
    (status = 204, description = "Deleted"),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound),
    (status = 409, response = Conflict)))]
async fn delete_type(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.property_types.delete(&user.actor(), &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
