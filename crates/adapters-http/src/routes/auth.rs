//! Login: credentials in, bearer token out.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::dto::{TokenRequest, TokenResponse};
use crate::error::{ApiResult, Problem};
use crate::extract::ApiJson;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(issue_token))
}

/// Log in: exchange email and password for a PASETO access token.
///
/// After 5 failures for one email within 15 minutes, further attempts get
/// 429 until the window passes, even with the right password.
#[utoipa::path(post, path = "/auth/token", tag = "auth", request_body = TokenRequest, responses(
    (status = 200, description = "A bearer token", body = TokenResponse),
    (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Bad credentials (same answer for an unknown email and a wrong password)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Wrong JSON shape", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many failed attempts; see Retry-After", body = Problem, content_type = "application/problem+json",
        headers(("Retry-After" = u64, description = "Seconds to wait")))))]
async fn issue_token(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let issued = state.accounts.login(body.into()).await?;
    Ok(Json(TokenResponse {
        access_token: issued.token,
        token_type: "Bearer",
        expires_in: issued.expires_in_secs,
    }))
}
