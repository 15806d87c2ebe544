//! The authenticated caller as an extractor: a handler's signature says who
//! may call it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use realty_domain::User;
use realty_domain::ports::TokenClaims;

use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller. Missing, malformed, tampered, expired or
/// revoked tokens are a 401 with a `WWW-Authenticate: Bearer` challenge.
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

/// A bearer token's verified claims, left in the request's extensions by
/// the rate limiter (which keys clients by user), so that the signature is
/// checked once per request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VerifiedClaims(pub Result<TokenClaims, ()>);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let claims = match parts.extensions.get::<VerifiedClaims>() {
            Some(VerifiedClaims(claims)) => claims.map_err(|()| invalid_token())?,
            None => {
                let token = bearer_token(&parts.headers)?;
                state.accounts.verify_token(token)?
            }
        };
        let user = state.accounts.user_of(claims).await?;
        tracing::Span::current().record("user_id", user.id.0);
        Ok(Self(user))
    }
}

fn invalid_token() -> ApiError {
    ApiError::Unauthenticated {
        detail: "the credentials or the token are not valid",
        code: Some("invalid_token"),
    }
}

/// The token of `Authorization: Bearer <token>`.
///
/// # Errors
/// A 401 when the header is missing or not a bearer token.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::Unauthenticated {
            detail: "this route needs an Authorization: Bearer token",
            code: None,
        });
    };
    value
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|token| !token.is_empty())
        .ok_or(ApiError::Unauthenticated {
            detail: "the Authorization header must be `Bearer <token>`",
            code: Some("invalid_request"),
        })
}
