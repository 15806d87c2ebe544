//! The rooms of a property: anyone reads, the owner or an admin writes.
//! Every write bumps the property's version, so room writes honour
//! `If-Match` with the property's ETag.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use realty_domain::{PropertyId, RoomId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::location;
use crate::dto::{IfMatchParam, RoomBody, RoomPatchBody, RoomResponse};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, AuthUser, IfMatch};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_rooms, add_room)).routes(routes!(
        get_room,
        update_room,
        remove_room
    ))
}

/// The rooms of a property.
#[utoipa::path(get, path = "/properties/{id}/rooms", tag = "rooms",
    params(("id" = i64, Path, description = "Property id")), responses(
    (status = 200, description = "The rooms", body = [RoomResponse]),
    (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property", body = Problem, content_type = "application/problem+json")))]
async fn list_rooms(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<RoomResponse>>> {
    Ok(Json(state.properties.list_rooms(PropertyId(id)).await?.into_iter().map(Into::into).collect()))
}

/// Add a room (owner or admin).
#[utoipa::path(post, path = "/properties/{id}/rooms", tag = "rooms", security(("bearer" = [])), request_body = RoomBody,
    params(("id" = i64, Path, description = "Property id"), IfMatchParam), responses(
    (status = 201, description = "Created", body = RoomResponse, headers(("Location" = String, description = "/properties/{id}/rooms/{room_id}"))),
    (status = 400, description = "Malformed JSON, id or If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the owner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The property already has 100 rooms", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")))]
async fn add_room(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<RoomBody>,
) -> ApiResult<impl IntoResponse> {
    let room = state.properties.add_room(&user.actor(), PropertyId(id), if_match, body.into()).await?;
    let path = format!("/properties/{id}/rooms/{}", room.id);
    Ok((StatusCode::CREATED, location(path), Json(RoomResponse::from(room))))
}

/// One room of a property.
#[utoipa::path(get, path = "/properties/{id}/rooms/{room_id}", tag = "rooms",
    params(("id" = i64, Path, description = "Property id"), ("room_id" = i64, Path, description = "Room id")), responses(
    (status = 200, description = "The room", body = RoomResponse),
    (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property, or no such room in it", body = Problem, content_type = "application/problem+json")))]
async fn get_room(
    State(state): State<AppState>,
    ApiPath((id, room_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<RoomResponse>> {
    Ok(Json(state.properties.get_room(PropertyId(id), RoomId(room_id)).await?.into()))
}

/// Edit a room (owner or admin).
#[utoipa::path(patch, path = "/properties/{id}/rooms/{room_id}", tag = "rooms", security(("bearer" = [])), request_body = RoomPatchBody,
    params(("id" = i64, Path, description = "Property id"), ("room_id" = i64, Path, description = "Room id"), IfMatchParam), responses(
    (status = 200, description = "The updated room", body = RoomResponse),
    (status = 400, description = "Malformed JSON, id or If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the owner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property or room", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")))]
async fn update_room(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, room_id)): ApiPath<(i64, i64)>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<RoomPatchBody>,
) -> ApiResult<Json<RoomResponse>> {
    let room = state
        .properties
        .update_room(&user.actor(), PropertyId(id), RoomId(room_id), if_match, body.into())
        .await?;
    Ok(Json(room.into()))
}

/// Remove a room (owner or admin).
#[utoipa::path(delete, path = "/properties/{id}/rooms/{room_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Property id"), ("room_id" = i64, Path, description = "Room id"), IfMatchParam), responses(
    (status = 204, description = "Deleted"),
    (status = 400, description = "Malformed id or If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the owner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property or room", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")))]
async fn remove_room(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, room_id)): ApiPath<(i64, i64)>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state.properties.remove_room(&user.actor(), PropertyId(id), RoomId(room_id), if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}
