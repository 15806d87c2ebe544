//! Properties: browse and search (anyone), describe and edit (owners and
//! admins), and the audit history.

use super::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use realty_domain::{Keyset, Property, PropertyId};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{conditional, location, weak_etag, with_next_link};
use crate::cursor;
use crate::dto::audit::AuditEventResponse;
use crate::dto::properties::{PropertyBody, PropertyPage, PropertyPatchBody, PropertyResponse};
use crate::dto::search::{PropertySearchParams, next_page_query, property_query};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser, IfMatch, strong_etag};
use crate::openapi::{Conflict, Forbidden, NotFound};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_properties)).routes(routes!(
        get_property,
        update_property,
        delete_property
    ))
}

/// The history, apart: it is personal data (no-store), the rest public.
pub fn history_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(property_history))
}

/// The creation, on its own so that the idempotency layer wraps it alone.
pub fn creation_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_property))
}

/// The `If-Match` precondition of every write to a property or its rooms
/// (documentation only: the `IfMatch` extractor reads the header).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchParam {
    /// The ETags the change may be based on, e.g. `"3"` or `"3", "4"`; if
    /// none is current, 412 and nothing changes. Weak tags never match. `*`
    /// or no header: whatever version is current.
    #[param(
        rename = "If-Match",
        nullable = false,
        example = "\"3\"",
        pattern = r#"^[ \t]*(?:\*|(?:W/)?"[ \t!#-~]*"[ \t]*(?:,[ \t]*(?:W/)?"[ \t!#-~]*"[ \t]*)*(?:,[ \t]*)?)?[ \t]*$"#
    )]
    if_match: Option<String>,
}

/// `If-None-Match` on reads (documentation only).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfNoneMatchParam {
    /// An ETag read before: 304 when it is still current.
    #[param(rename = "If-None-Match", nullable = false, example = "\"3\"")]
    if_none_match: Option<String>,
}

/// `Idempotency-Key` on creations (documentation only).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKeyParam {
    /// 1 to 255 visible ASCII characters, per user: a retry with the same key
    /// and request gets the first answer again (`Idempotent-Replayed: true`)
    /// and creates nothing; the same key with another request is a 422, a
    /// retry while the first is running a 409. Kept 24 hours.
    #[param(
        rename = "Idempotency-Key",
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]{1,255}$"
    )]
    idempotency_key: Option<String>,
}

/// The answer of a read or a write of one property, with its strong ETag.
fn property_answer(status: StatusCode, property: &Property) -> Response {
    (status, [(header::ETAG, strong_etag(property.version))], Json(PropertyResponse::from(property)))
        .into_response()
}

/// Browse and search properties, with keyset pagination in every sort.
#[utoipa::path(get, path = "/properties", tag = "properties", params(PropertySearchParams, IfNoneMatchParam), responses(
    (status = 200, description = "A page; `Link: <…>; rel=\"next\"` when there is a next page", body = PropertyPage,
        headers(("Link" = String, description = "The next page, RFC 8288"), ("ETag" = String, description = "A weak tag of the page"))),
    (status = 304, description = "The page is unchanged (If-None-Match)")))]
async fn list_properties(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiQuery(query, ..): ApiQuery<PropertySearchParams>,
) -> ApiResult<Response> {
    let (search, fingerprint) = property_query(&query)?;
    let sort = search.sort.key;
    let page = state.properties.list(search).await?;
    let last = page.items.last().filter(|_| page.more);
    let next_cursor = last.map(|last| cursor::encode_keyset(&fingerprint, sort, Keyset::of(last, sort)));
    let content: Vec<(i64, i64)> = page.items.iter().map(|p| (p.id.0, p.version.0)).collect();
    let etag = weak_etag((&content, &next_cursor));
    let next_query = next_cursor.as_ref().map(|next| next_page_query(&query, next));
    let body = PropertyPage { items: page.items.iter().map(Into::into).collect(), next_cursor };
    Ok(with_next_link(conditional(&headers, etag, body), "/properties", next_query))
}

/// Describe a new property you own, optionally with its rooms. With
/// `Idempotency-Key`, a retry gets the first answer and creates nothing.
#[utoipa::path(post, path = "/properties", tag = "properties", security(("bearer" = [])),
    params(IdempotencyKeyParam), request_body = PropertyBody, responses(
    (status = 201, description = "Created", body = PropertyResponse, headers(
        ("Location" = String, description = "/properties/{id}"), ("ETag" = String, description = "The version"))),
    (status = 409, response = Conflict)))]
async fn create_property(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    body: ApiJson<PropertyBody>,
) -> ApiResult<Response> {
    let property = state.properties.create(&user.actor(), body.command()?).await?;
    let mut response = property_answer(StatusCode::CREATED, &property);
    let (name, value) = location(&format!("/properties/{}", property.id));
    response.headers_mut().insert(name, value);
    Ok(response)
}

/// One property with its rooms.
#[utoipa::path(get, path = "/properties/{id}", tag = "properties",
    params(("id" = i64, Path, description = "Property id"), IfNoneMatchParam), responses(
    (status = 200, description = "The property", body = PropertyResponse, headers(("ETag" = String, description = "The version"))),
    (status = 304, description = "Unchanged since the ETag given in If-None-Match"),
    (status = 404, response = NotFound)))]
async fn get_property(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let property = state.properties.get(PropertyId(id)).await?;
    Ok(conditional(&headers, strong_etag(property.version), PropertyResponse::from(&property)))
}

/// Edit a property (owner or admin). Send `If-Match` with the ETag you
/// read so as not to overwrite someone else's change; without it the change
/// applies to the current version.
#[utoipa::path(patch, path = "/properties/{id}", tag = "properties", security(("bearer" = [])), request_body = PropertyPatchBody,
    params(("id" = i64, Path, description = "Property id"), IfMatchParam), responses(
    (status = 200, description = "The updated property", body = PropertyResponse, headers(("ETag" = String, description = "The new version"))),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn update_property(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    IfMatch(precondition): IfMatch,
    body: ApiJson<PropertyPatchBody>,
) -> ApiResult<Response> {
    let property = state.properties.update(&user.actor(), PropertyId(id), precondition, body.parse()).await?;
    Ok(property_answer(StatusCode::OK, &property))
}

/// Delete a property and its rooms (owner or admin).
#[utoipa::path(delete, path = "/properties/{id}", tag = "properties", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Property id"), IfMatchParam), responses(
    (status = 204, description = "Deleted"),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn delete_property(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    IfMatch(precondition): IfMatch,
) -> ApiResult<StatusCode> {
    state.properties.delete(&user.actor(), PropertyId(id), precondition).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who changed what on a property and its rooms, oldest first (owner or admin).
#[utoipa::path(get, path = "/properties/{id}/history", tag = "properties", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Property id")), responses(
    (status = 200, description = "The audit events", body = [AuditEventResponse]),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn property_history(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let events = state.properties.history(&user.actor(), PropertyId(id)).await?;
    Ok(Json(events.iter().map(AuditEventResponse::from).collect::<Vec<_>>()).into_response())
}
