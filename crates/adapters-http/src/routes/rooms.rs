//! The rooms of a property: anyone reads them, owners and admins change
//! them. Every answer carries the property's ETag, the new one after a
//! write, so that a client can chain `If-Match` writes without a re-read.

use super::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use realty_app::RoomWritten;
use realty_domain::{PropertyId, RoomId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::properties::{IdempotencyKeyParam, IfMatchParam, IfNoneMatchParam};
use super::{conditional, location};
use crate::dto::rooms::{RoomBody, RoomPatchBody, RoomResponse};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, AuthUser, IfMatch, strong_etag};
use crate::openapi::{Conflict, Forbidden, NotFound};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_rooms)).routes(routes!(get_room, update_room, remove_room))
}

/// The creation, on its own so that the idempotency layer wraps it alone.
pub fn creation_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(add_room))
}

fn room_answer(status: StatusCode, written: &RoomWritten) -> Response {
    (status, [(header::ETAG, strong_etag(written.version))], Json(RoomResponse::from(&written.room)))
        .into_response()
}

/// The rooms of a property, in creation order.
#[utoipa::path(get, path = "/properties/{id}/rooms", tag = "rooms",
    params(("id" = i64, Path, description = "Property id"), IfNoneMatchParam), responses(
    (status = 200, description = "The rooms", body = [RoomResponse], headers(("ETag" = String, description = "The property's version"))),
    (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
    (status = 404, response = NotFound)))]
async fn list_rooms(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (rooms, version) = state.properties.list_rooms(PropertyId(id)).await?;
    Ok(conditional(&headers, strong_etag(version), rooms.iter().map(RoomResponse::from).collect::<Vec<_>>()))
}

/// Add a room (owner or admin). With `Idempotency-Key`, a retry gets the
/// first answer and adds nothing.
#[utoipa::path(post, path = "/properties/{id}/rooms", tag = "rooms", security(("bearer" = [])), request_body = RoomBody,
    params(("id" = i64, Path, description = "Property id"), IfMatchParam, IdempotencyKeyParam), responses(
    (status = 201, description = "Created", body = RoomResponse, headers(
        ("Location" = String, description = "/properties/{id}/rooms/{room_id}"),
        ("ETag" = String, description = "The property's new version"))),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound),
    (status = 409, response = Conflict)))]
async fn add_room(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    IfMatch(precondition): IfMatch,
    body: ApiJson<RoomBody>,
) -> ApiResult<Response> {
    let written =
        state.properties.add_room(&user.actor(), PropertyId(id), precondition, body.parse()).await?;
    let mut response = room_answer(StatusCode::CREATED, &written);
    let (name, value) = location(&format!("/properties/{id}/rooms/{}", written.room.id));
    response.headers_mut().insert(name, value);
    Ok(response)
}

/// One room of a property.
#[utoipa::path(get, path = "/properties/{id}/rooms/{room_id}", tag = "rooms",
    params(("id" = i64, Path, description = "Property id"), ("room_id" = i64, Path, description = "Room id"), IfNoneMatchParam), responses(
    (status = 200, description = "The room", body = RoomResponse, headers(("ETag" = String, description = "The property's version"))),
    (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
    (status = 404, response = NotFound)))]
async fn get_room(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath((id, room_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    let read = state.properties.get_room(PropertyId(id), RoomId(room_id)).await?;
    Ok(conditional(&headers, strong_etag(read.version), RoomResponse::from(&read.room)))
}

/// Edit a room (owner or admin).
#[utoipa::path(patch, path = "/properties/{id}/rooms/{room_id}", tag = "rooms", security(("bearer" = [])), request_body = RoomPatchBody,
    params(("id" = i64, Path, description = "Property id"), ("room_id" = i64, Path, description = "Room id"), IfMatchParam), responses(
    (status = 200, description = "The updated room", body = RoomResponse, headers(("ETag" = String, description = "The property's new version"))),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn update_room(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, room_id)): ApiPath<(i64, i64)>,
    IfMatch(precondition): IfMatch,
    body: ApiJson<RoomPatchBody>,
) -> ApiResult<Response> {
    let actor = user.actor();
    let written = state
        .properties
        .update_room(&actor, PropertyId(id), RoomId(room_id), precondition, body.parse())
        .await?;
    Ok(room_answer(StatusCode::OK, &written))
}

/// Remove a room (owner or admin).
#[utoipa::path(delete, path = "/properties/{id}/rooms/{room_id}", tag = "rooms", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Property id"), ("room_id" = i64, Path, description = "Room id"), IfMatchParam), responses(
    (status = 204, description = "Deleted", headers(("ETag" = String, description = "The property's new version"))),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn remove_room(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath((id, room_id)): ApiPath<(i64, i64)>,
    IfMatch(precondition): IfMatch,
) -> ApiResult<Response> {
    let version =
        state.properties.remove_room(&user.actor(), PropertyId(id), RoomId(room_id), precondition).await?;
    Ok((StatusCode::NO_CONTENT, [(header::ETAG, strong_etag(version))]).into_response())
}
