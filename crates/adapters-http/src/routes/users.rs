//! Accounts: sign-up, profiles and the admin directory.

use super::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use realty_domain::{User, UserId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{location, with_next_link};
use crate::cursor;
use crate::dto::search::{UserSearchParams, next_page_query, user_query};
use crate::dto::users::{ProfileBody, RegisterBody, UserPage, UserResponse};
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::openapi::{Conflict, Forbidden, NotFound};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register, list_users))
        .routes(routes!(get_me, update_me))
        .routes(routes!(get_user, update_user, delete_user))
}

fn user_json(user: &User) -> Json<UserResponse<'_>> {
    Json(UserResponse::from(user))
}

/// Sign up. The account gets the `user` role; admins come from the CLI.
#[utoipa::path(post, path = "/users", tag = "users", request_body = RegisterBody, responses(
    (status = 201, description = "Created", body = UserResponse, headers(("Location" = String, description = "/users/{id}"))),
    (status = 409, response = Conflict)))]
async fn register(State(state): State<AppState>, body: ApiJson<RegisterBody>) -> ApiResult<Response> {
    let user = state.accounts.register(body.command_on(state.accounts.today())?).await?;
    let path = format!("/users/{}", user.id);
    Ok((StatusCode::CREATED, [location(&path)], user_json(&user)).into_response())
}

/// The directory of accounts, newest first (admins only): `q` finds a word
/// prefix of the email, first or last name.
#[utoipa::path(get, path = "/users", tag = "users", security(("bearer" = [])), params(UserSearchParams), responses(
    (status = 200, description = "A page; `Link: <…>; rel=\"next\"` when there is a next page", body = UserPage,
        headers(("Link" = String, description = "The next page, RFC 8288"))),
    (status = 403, response = Forbidden)))]
async fn list_users(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiQuery(query, ..): ApiQuery<UserSearchParams>,
) -> ApiResult<Response> {
    let (search, fingerprint) = user_query(&query)?;
    let page = state.accounts.list_users(&user.actor(), search).await?;
    let next_cursor =
        page.more.then(|| page.items.last().map(|last| cursor::encode_user(&fingerprint, last.id))).flatten();
    let next_query = next_cursor.as_ref().map(|next| next_page_query(&query, next));
    let body = UserPage { items: page.items.iter().map(Into::into).collect(), next_cursor };
    Ok(with_next_link(Json(body).into_response(), "/users", next_query))
}

/// The caller's own profile.
#[utoipa::path(get, path = "/users/me", tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The caller", body = UserResponse)))]
async fn get_me(AuthUser(user): AuthUser) -> Response {
    user_json(&user).into_response()
}

/// Update the caller's profile.
#[utoipa::path(patch, path = "/users/me", tag = "users", security(("bearer" = [])), request_body = ProfileBody, responses(
    (status = 200, description = "The updated user", body = UserResponse)))]
async fn update_me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    body: ApiJson<ProfileBody>,
) -> ApiResult<Response> {
    let updated =
        state.accounts.update_user(&user.actor(), user.id, body.parse_on(state.accounts.today())).await?;
    Ok(user_json(&updated).into_response())
}

/// A user's profile: the user themself or an admin.
#[utoipa::path(get, path = "/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The user", body = UserResponse),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn get_user(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let found = state.accounts.get_user(&user.actor(), UserId(id)).await?;
    Ok(user_json(&found).into_response())
}

/// Update a user's profile: the user themself or an admin (who may reset a
/// password without the current one).
#[utoipa::path(patch, path = "/users/{id}", tag = "users", security(("bearer" = [])), request_body = ProfileBody,
    params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The updated user", body = UserResponse),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound)))]
async fn update_user(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    body: ApiJson<ProfileBody>,
) -> ApiResult<Response> {
    let updated =
        state.accounts.update_user(&user.actor(), UserId(id), body.parse_on(state.accounts.today())).await?;
    Ok(user_json(&updated).into_response())
}

/// Delete a user and their properties: the user themself or an admin. The
/// last admin cannot be deleted (409): the platform keeps one.
#[utoipa::path(delete, path = "/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), responses(
    (status = 204, description = "Deleted"),
    (status = 403, response = Forbidden),
    (status = 404, response = NotFound),
    (status = 409, response = Conflict)))]
async fn delete_user(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.accounts.delete_user(&user.actor(), UserId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
