//! Accounts: sign-up and profiles.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use realty_domain::UserId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::location;
use crate::dto::{ProfileBody, RegisterBody, UserResponse};
use crate::error::{ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, AuthUser};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(register)).routes(routes!(get_me, update_me)).routes(routes!(
        get_user,
        update_user,
        delete_user
    ))
}

/// Sign up. The account gets the `user` role; admins come from the CLI.
#[utoipa::path(post, path = "/users", tag = "users", request_body = RegisterBody, responses(
    (status = 201, description = "Created", body = UserResponse, headers(("Location" = String, description = "/users/{id}"))),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Email already registered", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")))]
async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<impl IntoResponse> {
    let user = state.accounts.register(body.into()).await?;
    Ok((StatusCode::CREATED, location(format!("/users/{}", user.id)), Json(UserResponse::from(user))))
}

/// The caller's own profile.
#[utoipa::path(get, path = "/users/me", tag = "users", security(("bearer" = [])), responses(
    (status = 200, description = "The caller", body = UserResponse),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json")))]
async fn get_me(AuthUser(user): AuthUser) -> Json<UserResponse> {
    Json(user.into())
}

/// Update the caller's profile.
#[utoipa::path(patch, path = "/users/me", tag = "users", security(("bearer" = [])), request_body = ProfileBody, responses(
    (status = 200, description = "The updated user", body = UserResponse),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields (a wrong current_password too)", body = Problem, content_type = "application/problem+json")))]
async fn update_me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<UserResponse>> {
    let updated = state.accounts.update_user(&user.actor(), user.id, body.into()).await?;
    Ok(Json(updated.into()))
}

/// A user's profile: the user themself or an admin.
#[utoipa::path(get, path = "/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The user", body = UserResponse),
    (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the user nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json")))]
async fn get_user(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(state.accounts.get_user(&user.actor(), UserId(id)).await?.into()))
}

/// Update a user's profile: the user themself or an admin (who may reset a
/// password without the current one).
#[utoipa::path(patch, path = "/users/{id}", tag = "users", security(("bearer" = [])), request_body = ProfileBody,
    params(("id" = i64, Path, description = "User id")), responses(
    (status = 200, description = "The updated user", body = UserResponse),
    (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the user nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json")))]
async fn update_user(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(state.accounts.update_user(&user.actor(), UserId(id), body.into()).await?.into()))
}

/// Delete a user and their properties: the user themself or an admin.
#[utoipa::path(delete, path = "/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), responses(
    (status = 204, description = "Deleted"),
    (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Neither the user nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json")))]
async fn delete_user(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    state.accounts.delete_user(&user.actor(), UserId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
