//! Login: credentials in, bearer token out.

use super::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::dto::auth::{TokenRequest, TokenResponse};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::openapi::{Unauthenticated, Unprocessable, UnsupportedMediaType};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(issue_token))
}

/// Log in: exchange email and password for a PASETO access token.
///
/// After 5 failures for one email within 15 minutes, further attempts get
/// 429 with `Retry-After` until the window passes, even with the right
/// password.
#[utoipa::path(post, path = "/auth/token", tag = "auth", request_body = TokenRequest, responses(
    (status = 200, description = "A bearer token", body = TokenResponse),
    (status = 401, response = Unauthenticated),
    (status = 415, response = UnsupportedMediaType),
    (status = 422, response = Unprocessable)))]
async fn issue_token(
    State(state): State<AppState>,
    body: ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let issued = state.accounts.login(body.command()?).await?;
    Ok(Json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in_secs,
    }))
}
