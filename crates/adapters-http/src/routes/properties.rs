//! Properties: browse and filter (anyone), describe and edit (owners and
//! admins), and the audit history.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use realty_domain::{DomainError, PropertyId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{location, with_etag};
use crate::cursor;
use crate::dto::{
    AuditEventResponse, IfMatchParam, ListParams, PropertyBody, PropertyPage, PropertyPatchBody,
    PropertyResponse,
};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, IfMatch};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_properties, create_property))
        .routes(routes!(get_property, update_property, delete_property))
        .routes(routes!(property_history))
}

/// Browse properties, newest first, with filters and keyset pagination.
#[utoipa::path(get, path = "/properties", tag = "properties", params(ListParams), responses(
    (status = 200, description = "A page; `Link: <…>; rel=\"next\"` when there is a next page", body = PropertyPage,
        headers(("Link" = String, description = "The next page, RFC 8288"))),
    (status = 400, description = "Malformed filter or cursor", body = Problem, content_type = "application/problem+json")))]
async fn list_properties(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> ApiResult<Response> {
    let before = match params.cursor.as_deref() {
        Some(raw) => Some(
            cursor::decode(raw)
                .ok_or_else(|| ApiError::bad_request("cursor: not a cursor this API issued"))?,
        ),
        None => None,
    };
    let link_base = next_link_base(&params);
    let page = state.properties.list(params.into_query(before)).await.map_err(|error| match error {
        // A query's rules are syntax to the client: 400, not 422.
        DomainError::Invalid(errors) => ApiError::bad_query(errors),
        other => other.into(),
    })?;
    let next_cursor = page.next.map(cursor::encode);
    let link = next_cursor.as_ref().map(|next| format!("<{link_base}cursor={next}>; rel=\"next\""));
    let body = PropertyPage { items: page.items.into_iter().map(Into::into).collect(), next_cursor };
    let mut response = Json(body).into_response();
    if let Some(value) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    Ok(response)
}

/// `/properties?<the same filters>&` for the `Link` header.
fn next_link_base(params: &ListParams) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let numbers = [
        ("owner_id", params.owner_id),
        ("min_rooms", params.min_rooms),
        ("max_rooms", params.max_rooms),
        ("limit", params.limit),
    ];
    if let Some(city) = &params.city {
        query.append_pair("city", city);
    }
    if let Some(property_type) = &params.property_type {
        query.append_pair("type", property_type);
    }
    for (name, value) in numbers {
        if let Some(value) = value {
            query.append_pair(name, &value.to_string());
        }
    }
    let query = query.finish();
    if query.is_empty() { "/properties?".to_owned() } else { format!("/properties?{query}&") }
}

/// Describe a new property you own, optionally with its rooms.
#[utoipa::path(post, path = "/properties", tag = "properties", security(("bearer" = [])), request_body = PropertyBody, responses(
    (status = 201, description = "Created", body = PropertyResponse, headers(
        ("Location" = String, description = "/properties/{id}"), ("ETag" = String, description = "The version"))),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields (an unknown property_type too)", body = Problem, content_type = "application/problem+json")))]
async fn create_property(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<PropertyBody>,
) -> ApiResult<Response> {
    let property = state.properties.create(&user.actor(), body.into()).await?;
    let path = format!("/properties/{}", property.id);
    let version = property.version;
    Ok(with_etag(version, (StatusCode::CREATED, location(path), Json(PropertyResponse::from(property)))))
}

/// One property with its rooms.
#[utoipa::path(get, path = "/properties/{id}", tag = "properties",
    params(("id" = i64, Path, description = "Property id")), responses(
    (status = 200, description = "The property", body = PropertyResponse, headers(("ETag" = String, description = "The version"))),
    (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property", body = Problem, content_type = "application/problem+json")))]
async fn get_property(State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> ApiResult<Response> {
    let property = state.properties.get(PropertyId(id)).await?;
    Ok(with_etag(property.version, Json(PropertyResponse::from(property))))
}

/// Edit a property (owner or admin). Send `If-Match` with the ETag you
/// read to make sure you do not overwrite someone else's change.
#[utoipa::path(patch, path = "/properties/{id}", tag = "properties", security(("bearer" = [])), request_body = PropertyPatchBody,
    params(("id" = i64, Path, description = "Property id"), IfMatchParam), responses(
    (status = 200, description = "The updated property", body = PropertyResponse, headers(("ETag" = String, description = "The new version"))),
    (status = 400, description = "Malformed JSON, id or If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the owner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Changed concurrently too often; retry", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")))]
async fn update_property(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<PropertyPatchBody>,
) -> ApiResult<Response> {
    let property = state.properties.update(&user.actor(), PropertyId(id), if_match, body.into()).await?;
    Ok(with_etag(property.version, Json(PropertyResponse::from(property))))
}

/// Delete a property and its rooms (owner or admin).
#[utoipa::path(delete, path = "/properties/{id}", tag = "properties", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Property id"), IfMatchParam), responses(
    (status = 204, description = "Deleted"),
    (status = 400, description = "Malformed id or If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the owner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match names a stale version", body = Problem, content_type = "application/problem+json")))]
async fn delete_property(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state.properties.delete(&user.actor(), PropertyId(id), if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who changed what on a property and its rooms, oldest first (owner or admin).
#[utoipa::path(get, path = "/properties/{id}/history", tag = "properties", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Property id")), responses(
    (status = 200, description = "The audit events", body = [AuditEventResponse]),
    (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the owner nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such property", body = Problem, content_type = "application/problem+json")))]
async fn property_history(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<AuditEventResponse>>> {
    let events = state.properties.history(&user.actor(), PropertyId(id)).await?;
    Ok(Json(events.into_iter().map(Into::into).collect()))
}
