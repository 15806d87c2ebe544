//! The catalogue of property types: everyone reads, admins write.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::location;
use crate::dto::{PropertyTypeBody, PropertyTypeResponse};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, AuthUser};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_types, create_type)).routes(routes!(get_type, delete_type))
}

/// Every property type, by slug.
#[utoipa::path(get, path = "/property-types", tag = "property types",
    responses((status = 200, description = "The catalogue", body = [PropertyTypeResponse])))]
async fn list_types(State(state): State<AppState>) -> ApiResult<Json<Vec<PropertyTypeResponse>>> {
    Ok(Json(state.property_types.list().await?.into_iter().map(Into::into).collect()))
}

/// One property type.
#[utoipa::path(get, path = "/property-types/{slug}", tag = "property types",
    params(("slug" = String, Path, description = "Type slug")), responses(
    (status = 200, description = "The type", body = PropertyTypeResponse),
    (status = 404, description = "No such type", body = Problem, content_type = "application/problem+json")))]
async fn get_type(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<PropertyTypeResponse>> {
    Ok(Json(state.property_types.get(&slug).await?.into()))
}

/// Add a property type (admins).
#[utoipa::path(post, path = "/property-types", tag = "property types", security(("bearer" = [])),
    request_body = PropertyTypeBody, responses(
    (status = 201, description = "Created", body = PropertyTypeResponse, headers(("Location" = String, description = "/property-types/{slug}"))),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")))]
async fn create_type(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<PropertyTypeBody>,
) -> ApiResult<impl IntoResponse> {
    let created = state.property_types.create(&user.actor(), body.into()).await?;
    let path = format!("/property-types/{}", created.slug);
    Ok((StatusCode::CREATED, location(path), Json(PropertyTypeResponse::from(created))))
}

/// Remove a property type no property uses (admins).
#[utoipa::path(delete, path = "/property-types/{slug}", tag = "property types", security(("bearer" = [])),
    params(("slug" = String, Path, description = "Type slug")), responses(
    (status = 204, description = "Deleted"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such type", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Still used by a property", body = Problem, content_type = "application/problem+json")))]
async fn delete_type(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.property_types.delete(&user.actor(), &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
